//! The logged-in staff member and the permission checks handlers call.
//!
//! [`Staff`] is an extractor: a console handler that takes it can only run for a live session of
//! an active user. Handlers then ask [`Staff::require`], which calls the one permission function
//! `gongkai_core::auth::permits`. A user whose password must be changed (forced, or older than
//! the policy's expiry: GB/T 22239-2019 8.1.4.1 a) is sent to the password page first; a session
//! still waiting for its TOTP code grants nothing and is sent to the code page.

use crate::AppState;
use crate::error::AppError;
use crate::page::{Layout, Prefs};
use crate::security::{AnonCsrf, SESSION_COOKIE, cookie};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use gongkai_core::auth::{Action, Grant, permits, scopes_for};
use gongkai_core::org::{OrgId, OrgTree};
use gongkai_store::audit::Actor;
use gongkai_store::sessions::Session;
use gongkai_store::users::User;

/// A logged-in staff member.
pub struct Staff {
    pub user: User,
    pub grants: Vec<Grant>,
    pub tree: OrgTree,
    pub session: Session,
    pub ip: String,
    pub prefs: Prefs,
    pub path: String,
    /// The password is older than the policy allows: only the password page is open.
    pub password_expired: bool,
    /// Shown once after login (the previous login's time and place).
    pub notice: Option<String>,
    /// Unread reminders (issues #6/#9), for the navigation's badge.
    pub unread_reminders: i64,
    /// The name of the site the staff member's organisation belongs to, when it is a configured
    /// site of a platform (issue #14): console pages show it.
    pub site_name: Option<String>,
}

/// Console navigation: (href, label, the actions any one of which shows it). 用户管理 serves
/// both the system administrator (accounts) and the security administrator (grants, unlocking).
pub const CONSOLE_NAV: &[(&str, &str, &[Action])] = &[
    ("/admin", "工作台", &[Action::ViewConsole]),
    ("/admin/reminders", "提醒", &[Action::ViewConsole]),
    (
        "/admin/items/work",
        "主动公开",
        &[
            Action::DraftItem,
            Action::ReviewItem,
            Action::ConfidentialityReview,
            Action::ApproveItem,
            Action::PublishItem,
        ],
    ),
    (
        "/admin/applications",
        "依申请公开",
        &[Action::ManageApplications],
    ),
    ("/admin/supervision", "督办", &[Action::ManageApplications]),
    (
        "/admin/letters/review",
        "告知书保密审查",
        &[Action::ConfidentialityReview],
    ),
    ("/admin/orgs", "机构管理", &[Action::ViewOrganisations]),
    (
        "/admin/users",
        "用户管理",
        &[Action::ManageUsers, Action::ManageGrants],
    ),
    ("/admin/sites", "站点管理", &[Action::ManageSites]),
    (
        "/admin/items/deadlines",
        "发布期限督办",
        &[Action::PublishItem],
    ),
    (
        "/admin/commitments",
        "保密承诺书",
        &[Action::PublishItem, Action::ConfidentialityReview],
    ),
    (
        "/admin/plans",
        "工作方案",
        &[Action::ManagePlans, Action::ReportProgress],
    ),
    (
        "/admin/records/training",
        "工作台账",
        &[Action::ManageWorkRecords],
    ),
    ("/admin/guide", "公开指南", &[Action::EditGuide]),
    ("/admin/rules", "公开制度", &[Action::EditGuide]),
    ("/admin/vocab", "目录分类", &[Action::ManageSettings]),
    (
        "/admin/index-templates",
        "索引号规则",
        &[Action::ManageSettings],
    ),
    (
        "/admin/mailbox",
        "信箱与咨询",
        &[
            Action::ManageMailbox,
            Action::AnswerMessage,
            Action::ConfidentialityReview,
        ],
    ),
    ("/admin/calendar", "工作日历", &[Action::ManageCalendar]),
    ("/admin/search/terms", "检索词库", &[Action::ManageSettings]),
    (
        "/admin/grassroots",
        "基层报送",
        &[Action::PublishItem, Action::ViewStatistics],
    ),
    (
        "/admin/syndication",
        "上报上级网站",
        &[Action::PublishItem, Action::ViewStatistics],
    ),
    (
        "/admin/channels",
        "栏目与解读",
        &[
            Action::PublishItem,
            Action::ViewStatistics,
            Action::ManageSettings,
        ],
    ),
    ("/admin/statistics", "统计分析", &[Action::ViewStatistics]),
    (
        "/admin/reports",
        "年度报告",
        &[Action::EditGuide, Action::ApproveItem],
    ),
    ("/admin/audit", "审计日志", &[Action::ViewAudit]),
    ("/admin/tokens", "API 令牌", &[Action::ViewConsole]),
    ("/admin/totp", "动态口令", &[Action::ViewConsole]),
    ("/admin/password", "修改口令", &[Action::ViewConsole]),
];

impl Staff {
    /// May this staff member take `action` on an object owned by `org`?
    pub fn can(&self, action: Action, org: Option<OrgId>) -> bool {
        permits(&self.grants, action, org, &self.tree)
    }

    /// Like [`Staff::can`], as a 403 error.
    pub fn require(&self, action: Action, org: Option<OrgId>) -> Result<(), AppError> {
        if self.can(action, org) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// The subtree roots this staff member may act on for `action` (for scoped queries).
    pub fn scopes(&self, action: Action) -> Vec<OrgId> {
        scopes_for(&self.grants, action)
    }

    /// The actor to record in the audit log.
    pub fn actor(&self) -> Actor {
        Actor::user(self.user.id, &self.user.username, &self.ip)
    }

    /// The layout of a console page titled `title`.
    pub fn layout(&self, title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            path: self.path.clone(),
            prefs: self.prefs,
            csrf: self.session.csrf_token.clone(),
            staff_name: Some(self.user.display_name.clone()),
            staff_nav: CONSOLE_NAV
                .iter()
                .filter(|(_, _, actions)| actions.iter().any(|a| self.can(*a, None)))
                .map(|(href, label, _)| (*href, *label))
                .collect(),
            flash: self.notice.clone(),
            unread_reminders: self.unread_reminders,
            base: String::new(),
            site: self.site_name.as_ref().map(|name| crate::page::SiteLook {
                name: name.clone(),
                ..Default::default()
            }),
        }
    }

    /// May this staff member see organisation `org` in the console's lists? Only inside the
    /// sites their grants reach (issue #14: one site's staff never see another site's
    /// organisations or accounts); a global role sees every site.
    pub fn sees_site_of(&self, org: OrgId) -> bool {
        gongkai_core::auth::reaches_site_of(&self.grants, org, &self.tree)
    }
}

/// Why a request has no staff member: the console redirects to the login page.
pub struct NotLoggedIn {
    next: String,
}

impl IntoResponse for NotLoggedIn {
    fn into_response(self) -> Response {
        let next: String = url::form_urlencoded::byte_serialize(self.next.as_bytes()).collect();
        crate::page::see_other(&format!("/admin/login?next={next}"))
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = full_path(parts);
        let not_logged_in = || NotLoggedIn { next: path.clone() }.into_response();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(not_logged_in());
        };
        let db = &state.db;
        let session = match gongkai_store::sessions::load(db, token, state.config.session).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(not_logged_in()),
            Err(e) => return Err(AppError::from(e).into_response()),
        };
        let user = match gongkai_store::users::get(db, session.user_id).await {
            Ok(Some(u)) if u.active => u,
            Ok(_) => return Err(not_logged_in()),
            Err(e) => return Err(AppError::from(e).into_response()),
        };
        if session.pending_totp {
            return Err(crate::page::see_other("/admin/login/totp"));
        }
        let password_expired = state
            .config
            .password
            .is_expired(user.password_changed_at, gongkai_store::now_ms());
        if (user.must_change_password || password_expired)
            && path != "/admin/password"
            && path != "/admin/logout"
        {
            return Err(crate::page::see_other("/admin/password"));
        }
        let notice = session.login_notice.clone();
        if notice.is_some() {
            gongkai_store::sessions::clear_notice(db, &session.id_hash)
                .await
                .map_err(|e| AppError::from(e).into_response())?;
        }
        let grants = gongkai_store::users::grants(db, user.id)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let tree = gongkai_store::orgs::tree(db)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let unread_reminders = gongkai_store::reminders::unread_count(db, user.id, &grants)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let site_name = match tree.top_of(user.org_id) {
            Some(top) => gongkai_store::sites::of_root(db, top)
                .await
                .map_err(|e| AppError::from(e).into_response())?
                .map(|s| s.name),
            None => None,
        };
        let ip = crate::security::client_ip(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>(),
        );
        Ok(Staff {
            user,
            grants,
            tree,
            session,
            ip,
            prefs: Prefs::from_headers(&parts.headers),
            path,
            password_expired,
            notice,
            unread_reminders,
            site_name,
        })
    }
}

/// The request's full path. Inside a nested router (`/admin`) axum strips the prefix from
/// `parts.uri`; the original URI keeps it, and redirects, `next` and `aria-current` need it.
fn full_path(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_string())
        .unwrap_or_else(|| parts.uri.path().to_string())
}

/// The layout of a public (anonymous) page: preferences, the anonymous CSRF token and the
/// request's site (issue #14), whose scope every public query of the page takes.
pub struct PublicCtx {
    pub prefs: Prefs,
    pub csrf: String,
    /// The path inside the site (without a `/s/<code>` prefix).
    pub path: String,
    pub ip: String,
    pub site: std::sync::Arc<crate::site::SiteCtx>,
}

impl PublicCtx {
    pub fn layout(&self, title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            path: self.path.clone(),
            prefs: self.prefs,
            csrf: self.csrf.clone(),
            base: self.site.base.clone(),
            site: self.site.look(),
            ..Default::default()
        }
    }

    /// The site's scope.
    pub fn scope(&self) -> &gongkai_store::sites::Scope {
        self.site.scope()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PublicCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let site = crate::site::CurrentSite::from_request_parts(parts, state)
            .await?
            .0;
        let full = full_path(parts);
        let path = match full.strip_prefix(site.base.as_str()) {
            Some("") => "/".to_string(),
            Some(rest) if !site.base.is_empty() => rest.to_string(),
            _ => full,
        };
        Ok(PublicCtx {
            site,
            prefs: Prefs::from_headers(&parts.headers),
            csrf: parts
                .extensions
                .get::<AnonCsrf>()
                .map(|a| a.0.clone())
                .unwrap_or_default(),
            path,
            ip: crate::security::client_ip(
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>(),
            ),
        })
    }
}
