//! 用户管理: staff accounts and their role grants (product.md C1).
//!
//! Rule (三员分立, issue #13): the system administrator (`ManageUsers`) creates accounts, resets
//! passwords and disables accounts; the security administrator (`ManageGrants`,
//! `UnlockAccounts`) grants and revokes roles and unlocks accounts. Neither can do the other's
//! job, and nobody edits their own grants. Everything happens only inside the staff member's own
//! scopes for the action: the list shows only users whose organisation lies in one of those
//! subtrees, an account may only be opened or changed when its organisation does, and every grant
//! given must be scoped inside them. Grants the security administrator cannot see (scoped
//! elsewhere) are kept unchanged. Store functions audit each change in the same transaction.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, cst, render, render_with_status, see_other};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_core::auth::{Action, Grant, Role};
use gongkai_store::StoreError;
use gongkai_store::orgs::{self, Org};
use gongkai_store::sessions;
use gongkai_store::users::{self, NewUser, User};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/new", get(show_new_user))
        .route("/users/{id}", get(show_user))
        .route("/users/{id}/grants", post(update_grants))
        .route("/users/{id}/password", post(reset_password))
        .route("/users/{id}/active", post(set_user_active))
        .route("/users/{id}/unlock", post(unlock_user))
}

/// A submitted form as name/value pairs (repeated names such as `keep` allowed).
type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

fn org_name(orgs: &[Org], id: i64) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.full_name.clone())
        .unwrap_or_else(|| format!("机构 {id}"))
}

/// True when the staff member administers accounts (system administrator) of organisation `org`.
fn manages(staff: &Staff, org: i64) -> bool {
    staff.can(Action::ManageUsers, Some(org))
}

/// True when the staff member grants roles (security administrator) over organisation `org`.
fn grants_over(staff: &Staff, org: i64) -> bool {
    staff.can(Action::ManageGrants, Some(org))
}

/// True when the staff member may see the account of organisation `org` at all.
fn sees(staff: &Staff, org: i64) -> bool {
    manages(staff, org) || grants_over(staff, org)
}

/// The organisations inside the staff member's scopes for `action`, as select options.
fn org_options(staff: &Staff, orgs: &[Org], action: Action) -> Vec<(i64, String)> {
    orgs.iter()
        .filter(|o| staff.can(action, Some(o.id)))
        .map(|o| (o.id, o.full_name.clone()))
        .collect()
}

fn role_options() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.code(), r.label())).collect()
}

struct UserRow {
    user: User,
    org: String,
    roles: String,
    locked: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    rows: Vec<UserRow>,
    can_create: bool,
}

/// 403 unless the staff member is a system or security administrator somewhere.
fn require_user_pages(staff: &Staff) -> Result<(), AppError> {
    if staff.can(Action::ManageUsers, None) || staff.can(Action::ManageGrants, None) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// 用户管理: the users inside the administrator's scopes.
async fn list_users(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    require_user_pages(&staff)?;
    let orgs = orgs::list(&state.db).await?;
    let mut rows = Vec::new();
    for user in users::list(&state.db).await? {
        if !sees(&staff, user.org_id) {
            continue;
        }
        let grants = users::grants(&state.db, user.id).await?;
        let roles = grants
            .iter()
            .map(|g| format!("{}（{}）", g.role.label(), org_name(&orgs, g.scope)))
            .collect::<Vec<_>>()
            .join("、");
        rows.push(UserRow {
            org: org_name(&orgs, user.org_id),
            roles,
            locked: user.is_locked(gongkai_store::now_ms()),
            user,
        });
    }
    render(&UsersPage {
        layout: staff.layout("用户管理"),
        rows,
        can_create: staff.can(Action::ManageUsers, None),
    })
}

/// Values of the new-user form, kept when it is shown again with errors.
#[derive(Default)]
struct NewUserForm {
    username: String,
    display_name: String,
    org_id: String,
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    layout: Layout,
    form: NewUserForm,
    orgs: Vec<(i64, String)>,
    policy: String,
    errors: Vec<(&'static str, String)>,
}

impl NewUserPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The form for a new account.
async fn show_new_user(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageUsers, None)?;
    let orgs = orgs::list(&state.db).await?;
    render(&NewUserPage {
        layout: staff.layout("新建用户"),
        form: NewUserForm::default(),
        orgs: org_options(&staff, &orgs, Action::ManageUsers),
        policy: state.config.password.describe(),
        errors: Vec::new(),
    })
}

/// Parses an organisation id that must lie inside the staff member's scope for `action`.
fn scoped_org(staff: &Staff, value: &str, what: &str, action: Action) -> Result<i64, String> {
    match value.trim().parse::<i64>() {
        Ok(id) if staff.tree.contains(id) && staff.can(action, Some(id)) => Ok(id),
        Ok(id) if staff.tree.contains(id) => Err(format!("{what}超出了您的管理范围")),
        _ => Err(format!("请从列表中选择{what}")),
    }
}

/// Parses the "add a grant" pair of fields: no grant when no role is chosen.
fn added_grant(staff: &Staff, pairs: &Pairs) -> Result<Option<Grant>, (&'static str, String)> {
    let role = field(pairs, "add_role").trim();
    if role.is_empty() {
        return Ok(None);
    }
    let role = Role::from_code(role).ok_or(("add_role", "请从列表中选择角色".to_string()))?;
    let scope = scoped_org(
        staff,
        field(pairs, "add_scope"),
        "授权范围",
        Action::ManageGrants,
    )
    .map_err(|m| ("add_scope", m))?;
    Ok(Some(Grant { role, scope }))
}

/// Creates an account without roles (the security administrator grants them); the user must
/// change the initial password.
async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    staff.require(Action::ManageUsers, None)?;
    let form = NewUserForm {
        username: field(&pairs, "username").trim().to_string(),
        display_name: field(&pairs, "display_name").trim().to_string(),
        org_id: field(&pairs, "org_id").to_string(),
    };
    let password = field(&pairs, "password");
    let mut errors = Vec::new();
    if let Err(m) = users::check_username(&form.username) {
        errors.push(("username", format!("{m}。")));
    }
    if form.display_name.is_empty() {
        errors.push(("display_name", "请填写姓名。".to_string()));
    }
    let org_id = scoped_org(&staff, &form.org_id, "所属机构", Action::ManageUsers)
        .map_err(|m| errors.push(("org_id", format!("{m}。"))))
        .ok();
    if let Err(m) = state.config.password.check(password) {
        errors.push(("password", format!("{m}。")));
    }
    if errors.is_empty()
        && let Some(org_id) = org_id
    {
        let mut tx = state.db.begin().await?;
        let new = NewUser {
            username: form.username.clone(),
            display_name: form.display_name.clone(),
            org_id,
            password: password.to_string(),
            grants: Vec::new(),
            must_change_password: true,
        };
        match users::create_with_policy(&mut tx, &staff.actor(), &new, &state.config.password).await
        {
            Ok(user) => {
                tx.commit().await?;
                return Ok(see_other(&format!("/admin/users/{}?done=created", user.id)));
            }
            Err(StoreError::Conflict(m)) => errors.push(("username", format!("{m}。"))),
            Err(StoreError::Invalid(m)) => errors.push(("org_id", format!("{m}。"))),
            Err(e) => return Err(e.into()),
        }
    }
    let orgs = orgs::list(&state.db).await?;
    render_with_status(
        &NewUserPage {
            layout: staff.layout("新建用户"),
            form,
            orgs: org_options(&staff, &orgs, Action::ManageUsers),
            policy: state.config.password.describe(),
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

/// A grant as shown on the user page.
struct GrantView {
    /// `role:scope`, the value of its `keep` checkbox.
    key: String,
    label: String,
    scope: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    layout: Layout,
    user: User,
    org: String,
    password_changed: String,
    /// Grants inside the administrator's scope: may be removed.
    editable: Vec<GrantView>,
    /// Grants outside it: shown, kept unchanged.
    fixed: Vec<GrantView>,
    orgs: Vec<(i64, String)>,
    roles: Vec<(&'static str, &'static str)>,
    is_self: bool,
    /// System administrator of this account: reset password, enable/disable.
    can_manage: bool,
    /// Security administrator of this account (not oneself): edit grants.
    can_grant: bool,
    /// Locked after failed logins, and the staff member may unlock it.
    can_unlock: bool,
    locked: Option<String>,
    policy: String,
    errors: Vec<(&'static str, String)>,
}

impl UserPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn grant_key(g: &Grant) -> String {
    format!("{}:{}", g.role.code(), g.scope)
}

/// Loads a user the staff member may act on with `action` (404 when missing, 403 outside the
/// scope or without the role).
async fn load_user(state: &AppState, staff: &Staff, id: i64, action: Action) -> AppResult<User> {
    let user = users::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("该用户不存在。"))?;
    staff.require(action, Some(user.org_id))?;
    Ok(user)
}

/// Loads a user the staff member may see (system or security administrator of its org).
async fn load_visible_user(state: &AppState, staff: &Staff, id: i64) -> AppResult<User> {
    let user = users::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("该用户不存在。"))?;
    if !sees(staff, user.org_id) {
        return Err(AppError::forbidden());
    }
    Ok(user)
}

async fn user_page(
    state: &AppState,
    staff: &Staff,
    user: User,
    errors: Vec<(&'static str, String)>,
    flash: Option<String>,
) -> AppResult<UserPage> {
    let orgs = orgs::list(&state.db).await?;
    let grants = users::grants(&state.db, user.id).await?;
    let view = |g: &Grant| GrantView {
        key: grant_key(g),
        label: g.role.label().to_string(),
        scope: org_name(&orgs, g.scope),
    };
    let mut layout = staff.layout(&format!("用户：{}", user.display_name));
    layout.flash = flash;
    let is_self = user.id == staff.user.id;
    let now = gongkai_store::now_ms();
    let locked = user.is_locked(now).then(|| match user.locked_until {
        Some(i64::MAX) | None => "已锁定，须由安全管理员解锁".to_string(),
        Some(t) => format!("已锁定至 {}", cst(t)),
    });
    Ok(UserPage {
        layout,
        org: org_name(&orgs, user.org_id),
        password_changed: cst(user.password_changed_at),
        editable: grants
            .iter()
            .filter(|g| grants_over(staff, g.scope))
            .map(view)
            .collect(),
        fixed: grants
            .iter()
            .filter(|g| !grants_over(staff, g.scope))
            .map(view)
            .collect(),
        orgs: org_options(staff, &orgs, Action::ManageGrants),
        roles: role_options(),
        is_self,
        can_manage: manages(staff, user.org_id),
        can_grant: grants_over(staff, user.org_id) && !is_self,
        can_unlock: locked.is_some() && staff.can(Action::UnlockAccounts, Some(user.org_id)),
        locked,
        policy: state.config.password.describe(),
        user,
        errors,
    })
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// One account: its grants, password reset and enable/disable.
async fn show_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    let user = load_visible_user(&state, &staff, id).await?;
    let flash = match q.done.as_deref() {
        Some("created") => Some("用户已创建。请将初始口令告知本人，首次登录时须修改口令。"),
        Some("grants") => Some("角色授权已保存。"),
        Some("password") => Some("口令已重置，该用户的登录已全部退出，下次登录时须修改口令。"),
        Some("enabled") => Some("账号已启用。"),
        Some("disabled") => Some("账号已停用，该用户的登录已全部退出。"),
        Some("unlocked") => Some("账号已解锁。"),
        _ => None,
    };
    render(&user_page(&state, &staff, user, Vec::new(), flash.map(str::to_string)).await?)
}

/// Replaces the grants inside the security administrator's scope (kept boxes plus one added
/// grant). Never one's own grants; never two of the three administrator roles (三员分立).
async fn update_grants(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    let user = load_user(&state, &staff, id, Action::ManageGrants).await?;
    if user.id == staff.user.id {
        return Err(AppError::bad_request(
            "不能修改自己的角色授权，请由其他安全管理员操作。",
        ));
    }
    let current = users::grants(&state.db, user.id).await?;
    let kept: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "keep")
        .map(|(_, v)| v.as_str())
        .collect();
    // Grants outside the scope stay; inside it, only ticked existing grants stay (a forged
    // `keep` value that names no existing grant is ignored).
    let mut grants: Vec<Grant> = current
        .iter()
        .filter(|g| !grants_over(&staff, g.scope) || kept.contains(&grant_key(g).as_str()))
        .copied()
        .collect();
    match added_grant(&staff, &pairs) {
        Ok(Some(g)) if !grants.contains(&g) => grants.push(g),
        Ok(_) => {}
        Err((f, m)) => {
            let page = user_page(&state, &staff, user, vec![(f, format!("{m}。"))], None).await?;
            return render_with_status(&page, StatusCode::BAD_REQUEST);
        }
    }
    let mut tx = state.db.begin().await?;
    match users::set_grants(&mut tx, &staff.actor(), user.id, &grants).await {
        Ok(()) => {}
        // The store refuses 三员分立 conflicts (`auth::separation_conflict`) and a platform
        // administrator granted away from the platform root (issue #14): shown by the field.
        Err(StoreError::Invalid(m)) => {
            drop(tx);
            let page = user_page(
                &state,
                &staff,
                user,
                vec![("add_role", format!("{m}。"))],
                None,
            )
            .await?;
            return render_with_status(&page, StatusCode::BAD_REQUEST);
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(see_other(&format!("/admin/users/{}?done=grants", user.id)))
}

/// Sets a temporary password, forces a change at next login and ends the user's sessions.
async fn reset_password(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    let user = load_user(&state, &staff, id, Action::ManageUsers).await?;
    let password = field(&pairs, "new_password");
    let mut tx = state.db.begin().await?;
    let set = users::set_password_with_policy(
        &mut tx,
        &staff.actor(),
        user.id,
        password,
        true,
        &state.config.password,
    )
    .await;
    if let Err(StoreError::Invalid(m)) = set {
        drop(tx);
        let page = user_page(
            &state,
            &staff,
            user,
            vec![("new_password", format!("{m}。"))],
            None,
        )
        .await?;
        return render_with_status(&page, StatusCode::BAD_REQUEST);
    }
    set?;
    sessions::delete_for_user(&mut tx, user.id, None).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/admin/users/{}?done=password",
        user.id
    )))
}

/// Enables or disables an account (never one's own); disabling ends its sessions.
async fn set_user_active(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    let user = load_user(&state, &staff, id, Action::ManageUsers).await?;
    let active = match field(&pairs, "active") {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::bad_request("请使用页面上的“启用”或“停用”按钮。")),
    };
    if user.id == staff.user.id && !active {
        return Err(AppError::bad_request(
            "不能停用自己的账号，请由其他系统管理员操作。",
        ));
    }
    let mut tx = state.db.begin().await?;
    users::set_active(&mut tx, &staff.actor(), user.id, active).await?;
    if !active {
        sessions::delete_for_user(&mut tx, user.id, None).await?;
    }
    tx.commit().await?;
    let done = if active { "enabled" } else { "disabled" };
    Ok(see_other(&format!("/admin/users/{}?done={done}", user.id)))
}

/// Unlocks an account locked after failed logins (security administrator). Audited.
async fn unlock_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = load_user(&state, &staff, id, Action::UnlockAccounts).await?;
    let mut tx = state.db.begin().await?;
    users::unlock(&mut tx, &staff.actor(), user.id).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/admin/users/{}?done=unlocked",
        user.id
    )))
}
