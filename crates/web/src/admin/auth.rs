//! Login, logout and password change.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Query};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::security::{SESSION_COOKIE, cookie, set_cookie};
use crate::session::{PublicCtx, Staff};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_store::audit::{self, Actor, Change};
use gongkai_store::{logins, password, sessions, users};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(show_login).post(login))
        .route("/logout", post(logout))
        .route("/password", get(show_password).post(change_password))
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only local console paths: never an open redirect.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with("/admin") && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/admin".to_string())
}

/// The login form.
async fn show_login(ctx: PublicCtx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    render(&LoginPage {
        layout: ctx.layout("工作人员登录"),
        next: safe_next(q.next),
        username: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Checks the password (throttled in the database), starts a session and audits the login.
async fn login(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let username = f.username.trim().to_string();
    let next = safe_next(f.next);
    let fail = |status: StatusCode, msg: &str| {
        render_with_status(
            &LoginPage {
                layout: ctx.layout("工作人员登录"),
                next: next.clone(),
                username: username.clone(),
                error: Some(msg.to_string()),
            },
            status,
        )
    };
    if username.is_empty() || f.password.is_empty() {
        return fail(StatusCode::BAD_REQUEST, "请输入用户名和口令。");
    }
    let db = &state.db;
    if logins::is_throttled(db, &username, &ctx.ip, state.config.login_limits).await? {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "登录失败次数过多，请 15 分钟后再试；如忘记口令，请联系系统管理员。",
        );
    }
    let user = users::by_username(db, &username).await?;
    let ok = match &user {
        Some(u) => password::verify(&f.password, &u.password_hash) && u.active,
        None => {
            // Same work as a real check, so timing does not reveal which usernames exist.
            password::verify(&f.password, password::dummy_hash());
            false
        }
    };
    let mut tx = db.begin().await?;
    logins::record(&mut tx, &username, &ctx.ip, ok).await?;
    let Some(user) = user.filter(|_| ok) else {
        tx.commit().await?;
        return fail(StatusCode::UNAUTHORIZED, "用户名或口令不正确。");
    };
    let (token, _) = sessions::create(&mut tx, user.id, state.config.session).await?;
    audit::append(
        &mut tx,
        &Actor::user(user.id, &user.username, &ctx.ip),
        Change {
            action: "auth.login",
            object_type: "user",
            object_id: user.id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    let mut res = see_other(if user.must_change_password {
        "/admin/password"
    } else {
        &next
    });
    let cookie_value = set_cookie(
        SESSION_COOKIE,
        &token,
        Some(state.config.session.absolute_ms / 1000),
        state.config.secure_cookies,
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie_value).map_err(AppError::internal)?,
    );
    Ok(res)
}

/// Ends the session (POST with CSRF token).
async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    staff: Staff,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        sessions::delete(&mut tx, token).await?;
    }
    audit::append(
        &mut tx,
        &staff.actor(),
        Change {
            action: "auth.logout",
            object_type: "user",
            object_id: staff.user.id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    let mut res = see_other("/admin/login");
    let expired = set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies);
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&expired).map_err(AppError::internal)?,
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    layout: Layout,
    forced: bool,
    errors: Vec<(&'static str, String)>,
}

impl PasswordPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The password-change form.
async fn show_password(staff: Staff) -> AppResult<Response> {
    render(&PasswordPage {
        forced: staff.user.must_change_password,
        layout: staff.layout("修改口令"),
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

/// Changes the password, ends the user's other sessions, audits it.
async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    if !password::verify(&f.current, &staff.user.password_hash) {
        errors.push(("current", "当前口令不正确。".to_string()));
    }
    if let Err(m) = users::check_password_policy(&f.new_password) {
        errors.push(("new_password", format!("{m}。")));
    } else if f.new_password == f.current {
        errors.push(("new_password", "新口令不能与当前口令相同。".to_string()));
    }
    if f.confirm != f.new_password {
        errors.push(("confirm", "两次输入的新口令不一致。".to_string()));
    }
    if !errors.is_empty() {
        return render_with_status(
            &PasswordPage {
                forced: staff.user.must_change_password,
                layout: staff.layout("修改口令"),
                errors,
            },
            StatusCode::BAD_REQUEST,
        );
    }
    let mut tx = state.db.begin().await?;
    users::set_password(
        &mut tx,
        &staff.actor(),
        staff.user.id,
        &f.new_password,
        false,
    )
    .await?;
    sessions::delete_for_user(&mut tx, staff.user.id, Some(&staff.session.id_hash)).await?;
    tx.commit().await?;
    let mut layout = staff.layout("修改口令");
    layout.flash = Some("口令已修改，其他设备上的登录已退出。".into());
    render(&PasswordPage {
        forced: false,
        layout,
        errors: Vec::new(),
    })
}
