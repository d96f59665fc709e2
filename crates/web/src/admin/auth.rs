//! Login, logout, password change and the TOTP second factor (GB/T 22239-2019 8.1.4.1, issue #13).
//!
//! Rules: throttling per username and IP (`logins`); an account locks after
//! `Lockout::max_failures` consecutive failures, counted in the database (`users::record_failure`,
//! audited `auth.login_failed` / `auth.lockout` with the source IP, never the password); a user
//! with TOTP enabled gets a session that grants nothing until the code of the current ±1 step is
//! given (a used step is never accepted again); after login the previous login's time and IP are
//! shown once; new passwords follow the configured `PasswordPolicy` (history included).

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Query};
use crate::page::{Layout, cst, render, render_with_status, see_other};
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
        .route("/login/totp", get(show_totp_login).post(totp_login))
        .route("/totp", get(show_totp))
        .route("/totp/begin", post(totp_begin))
        .route("/totp/confirm", post(totp_confirm))
        .route("/totp/disable", post(totp_disable))
}

/// The notice shown once after login: the previous login's time and place.
fn last_login_notice(at: Option<i64>, ip: Option<String>) -> String {
    match at {
        Some(at) => format!(
            "上次登录：{}，来自 {}。如非本人操作，请立即修改口令并报告安全管理员。",
            cst(at),
            ip.filter(|i| !i.is_empty())
                .unwrap_or_else(|| "未知地址".into())
        ),
        None => "这是该账号的首次登录。".to_string(),
    }
}

/// A response that redirects to `to` and sets the session cookie.
fn with_session_cookie(state: &AppState, to: &str, token: &str) -> AppResult<Response> {
    let mut res = see_other(to);
    let cookie_value = set_cookie(
        SESSION_COOKIE,
        token,
        Some(state.config.session.absolute_ms / 1000),
        state.config.secure_cookies,
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie_value).map_err(AppError::internal)?,
    );
    Ok(res)
}

/// The lockout message: until when, or until the security administrator unlocks.
fn locked_message(until: i64) -> String {
    if until == i64::MAX {
        "连续登录失败次数过多，账号已被锁定，请联系安全管理员解锁。".to_string()
    } else {
        format!(
            "连续登录失败次数过多，账号已被锁定至 {}；如需提前解锁，请联系安全管理员。",
            cst(until)
        )
    }
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
    // No account is named by an identity number (`users::check_username`): one typed here by
    // mistake is masked before it reaches the throttle table, the audit log or the page.
    let username = gongkai_core::mask::redact_id_numbers(f.username.trim()).into_owned();
    let next = gongkai_core::mask::redact_id_numbers(&safe_next(f.next)).into_owned();
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
    let now = gongkai_store::now_ms();
    if let Some(u) = user.as_ref().filter(|u| u.is_locked(now)) {
        // Locked: the password is not even checked (same work, so timing reveals nothing).
        password::verify(&f.password, password::dummy_hash());
        let until = u.locked_until.unwrap_or(i64::MAX);
        let mut tx = db.begin().await?;
        logins::record(&mut tx, &username, &ctx.ip, false).await?;
        users::record_failure(
            &mut tx,
            &username,
            Some(u.id),
            &ctx.ip,
            "locked",
            &state.config.lockout,
        )
        .await?;
        tx.commit().await?;
        return fail(StatusCode::FORBIDDEN, &locked_message(until));
    }
    let password_ok = match &user {
        Some(u) => password::verify(&f.password, &u.password_hash),
        None => {
            // Same work as a real check, so timing does not reveal which usernames exist.
            password::verify(&f.password, password::dummy_hash());
            false
        }
    };
    let ok = password_ok && user.as_ref().is_some_and(|u| u.active);
    let mut tx = db.begin().await?;
    logins::record(&mut tx, &username, &ctx.ip, ok).await?;
    let Some(user) = user.filter(|_| ok) else {
        let reason = if password_ok { "inactive" } else { "password" };
        let user_id = users::by_username(db, &username).await?.map(|u| u.id);
        let locked = users::record_failure(
            &mut tx,
            &username,
            user_id,
            &ctx.ip,
            reason,
            &state.config.lockout,
        )
        .await?;
        tx.commit().await?;
        let msg = match locked {
            Some(until) => format!("用户名或口令不正确。{}", locked_message(until)),
            None => "用户名或口令不正确。".to_string(),
        };
        return fail(StatusCode::UNAUTHORIZED, &msg);
    };
    if user.totp_enabled {
        // The password was right; the session grants nothing until the code is given.
        let (token, _) =
            sessions::create_with(&mut tx, user.id, state.config.session, true, None).await?;
        tx.commit().await?;
        let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        return with_session_cookie(&state, &format!("/admin/login/totp?next={next}"), &token);
    }
    let token = finish_login(&mut tx, &state, &user, &ctx.ip, "password").await?;
    tx.commit().await?;
    with_session_cookie(
        &state,
        if user.must_change_password {
            "/admin/password"
        } else {
            &next
        },
        &token,
    )
}

/// Records a successful login (clears the failure count, remembers time and IP), starts the
/// session with the previous login's notice and audits `auth.login`. Returns the cookie token.
async fn finish_login(
    tx: &mut gongkai_store::Tx,
    state: &AppState,
    user: &users::User,
    ip: &str,
    method: &str,
) -> AppResult<String> {
    let (prev_at, prev_ip) = users::record_success(tx, user.id, ip).await?;
    let notice = last_login_notice(prev_at, prev_ip);
    let (token, _) =
        sessions::create_with(tx, user.id, state.config.session, false, Some(notice)).await?;
    audit::append(
        tx,
        &Actor::user(user.id, &user.username, ip),
        Change {
            action: "auth.login",
            object_type: "user",
            object_id: user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "method": method })),
        },
    )
    .await?;
    Ok(token)
}

#[derive(Template)]
#[template(path = "admin/login_totp.html")]
struct TotpLoginPage {
    layout: Layout,
    next: String,
    error: Option<String>,
}

/// The pending session of this browser (password right, code still due) and its user.
async fn pending_login(
    state: &AppState,
    headers: &HeaderMap,
) -> AppResult<Option<(String, users::User)>> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = sessions::load(&state.db, token, state.config.session).await? else {
        return Ok(None);
    };
    if !session.pending_totp {
        return Ok(None);
    }
    let user = users::get(&state.db, session.user_id)
        .await?
        .filter(|u| u.active && u.totp_enabled);
    Ok(user.map(|u| (token.to_string(), u)))
}

/// The second step of login: the TOTP code.
async fn show_totp_login(
    State(state): State<AppState>,
    ctx: PublicCtx,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if pending_login(&state, &headers).await?.is_none() {
        return Ok(see_other("/admin/login"));
    }
    render(&TotpLoginPage {
        layout: ctx.layout("输入动态口令"),
        next: safe_next(q.next),
        error: None,
    })
}

#[derive(Deserialize)]
struct TotpLoginForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

/// Checks the code; on success replaces the pending session by a full one (new token).
async fn totp_login(
    State(state): State<AppState>,
    ctx: PublicCtx,
    headers: HeaderMap,
    Form(f): Form<TotpLoginForm>,
) -> AppResult<Response> {
    let next = safe_next(f.next);
    let Some((pending_token, user)) = pending_login(&state, &headers).await? else {
        return Ok(see_other("/admin/login"));
    };
    let secret = users::totp_secret(&user, &state.config.vault.get())?.unwrap_or_default();
    let step = crate::totp::verify(&secret, &f.code, gongkai_store::now_ms().div_euclid(1000));
    let mut tx = state.db.begin().await?;
    let fresh = match step {
        Some(step) => users::totp_use_step(&mut tx, user.id, step).await?,
        None => false,
    };
    if !fresh {
        let locked = users::record_failure(
            &mut tx,
            &user.username,
            Some(user.id),
            &ctx.ip,
            "totp",
            &state.config.lockout,
        )
        .await?;
        if let Some(until) = locked {
            sessions::delete(&mut tx, &pending_token).await?;
            tx.commit().await?;
            return render_with_status(
                &LoginPage {
                    layout: ctx.layout("工作人员登录"),
                    next,
                    username: user.username.clone(),
                    error: Some(locked_message(until)),
                },
                StatusCode::FORBIDDEN,
            );
        }
        tx.commit().await?;
        return render_with_status(
            &TotpLoginPage {
                layout: ctx.layout("输入动态口令"),
                next,
                error: Some("动态口令不正确或已使用，请输入验证器中当前显示的 6 位数字。".into()),
            },
            StatusCode::UNAUTHORIZED,
        );
    }
    sessions::delete(&mut tx, &pending_token).await?;
    let token = finish_login(&mut tx, &state, &user, &ctx.ip, "password+totp").await?;
    tx.commit().await?;
    with_session_cookie(
        &state,
        if user.must_change_password {
            "/admin/password"
        } else {
            &next
        },
        &token,
    )
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
    expired: bool,
    expiry_days: u32,
    policy: String,
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

impl PasswordPage {
    fn new(state: &AppState, staff: &Staff, errors: Vec<(&'static str, String)>) -> PasswordPage {
        PasswordPage {
            forced: staff.user.must_change_password,
            expired: staff.password_expired && !staff.user.must_change_password,
            expiry_days: state.config.password.expiry_days,
            policy: state.config.password.describe(),
            layout: staff.layout("修改口令"),
            errors,
        }
    }
}

/// The password-change form.
async fn show_password(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    render(&PasswordPage::new(&state, &staff, Vec::new()))
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
    if let Err(m) = state.config.password.check(&f.new_password) {
        errors.push(("new_password", format!("{m}。")));
    } else if f.new_password == f.current {
        errors.push(("new_password", "新口令不能与当前口令相同。".to_string()));
    }
    if f.confirm != f.new_password {
        errors.push(("confirm", "两次输入的新口令不一致。".to_string()));
    }
    if !errors.is_empty() {
        return render_with_status(
            &PasswordPage::new(&state, &staff, errors),
            StatusCode::BAD_REQUEST,
        );
    }
    let mut tx = state.db.begin().await?;
    let set = users::set_password_with_policy(
        &mut tx,
        &staff.actor(),
        staff.user.id,
        &f.new_password,
        false,
        &state.config.password,
    )
    .await;
    if let Err(gongkai_store::StoreError::Invalid(m)) = set {
        drop(tx);
        return render_with_status(
            &PasswordPage::new(&state, &staff, vec![("new_password", format!("{m}。"))]),
            StatusCode::BAD_REQUEST,
        );
    }
    set?;
    sessions::delete_for_user(&mut tx, staff.user.id, Some(&staff.session.id_hash)).await?;
    tx.commit().await?;
    let mut page = PasswordPage::new(&state, &staff, Vec::new());
    page.forced = false;
    page.expired = false;
    page.layout.flash = Some("口令已修改，其他设备上的登录已退出。".into());
    render(&page)
}

/// The issuer shown in authenticator apps.
const TOTP_ISSUER: &str = "Gongkai 公开";

#[derive(Template)]
#[template(path = "admin/totp.html")]
struct TotpPage {
    layout: Layout,
    enabled: bool,
    /// During enrolment: the secret, its URI and QR code.
    pending: Option<(String, String, Option<String>)>,
    error: Option<String>,
}

fn totp_page(
    state: &AppState,
    staff: &Staff,
    error: Option<String>,
    flash: Option<&str>,
) -> AppResult<TotpPage> {
    let enabled = staff.user.totp_enabled;
    let secret = users::totp_secret(&staff.user, &state.config.vault.get())?;
    let pending = match (&secret, enabled) {
        (Some(secret), false) => {
            let uri = crate::totp::otpauth_uri(TOTP_ISSUER, &staff.user.username, secret);
            let qr = crate::totp::qr_svg(&uri);
            Some((secret.clone(), uri, qr))
        }
        _ => None,
    };
    let mut layout = staff.layout("动态口令");
    if let Some(f) = flash {
        layout.flash = Some(f.to_string());
    }
    Ok(TotpPage {
        layout,
        enabled,
        pending,
        error,
    })
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// 动态口令: status, enrolment (secret, URI, QR code) and confirmation.
async fn show_totp(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    let flash = match q.done.as_deref() {
        Some("enabled") => Some("动态口令已启用，今后登录时须在口令之后输入动态口令。"),
        Some("disabled") => Some("动态口令已停用。"),
        _ => None,
    };
    render(&totp_page(&state, &staff, None, flash)?)
}

/// Generates a new secret (not yet active).
async fn totp_begin(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    if staff.user.totp_enabled {
        return Err(AppError::bad_request(
            "动态口令已启用；如需更换，请先停用。",
        ));
    }
    let secret = crate::totp::generate_secret();
    let mut tx = state.db.begin().await?;
    users::totp_begin(
        &mut tx,
        &staff.actor(),
        staff.user.id,
        &secret,
        &state.config.vault.get(),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/admin/totp"))
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Confirms enrolment with a code from the app, which turns the second factor on.
async fn totp_confirm(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    let Some(secret) = users::totp_secret(&staff.user, &state.config.vault.get())?
        .filter(|_| !staff.user.totp_enabled)
    else {
        return Ok(see_other("/admin/totp"));
    };
    let step = crate::totp::verify(&secret, &f.code, gongkai_store::now_ms().div_euclid(1000));
    let mut tx = state.db.begin().await?;
    let ok = match step {
        Some(step) => users::totp_use_step(&mut tx, staff.user.id, step).await?,
        None => false,
    };
    if !ok {
        drop(tx);
        return render_with_status(
            &totp_page(
                &state,
                &staff,
                Some("动态口令不正确，请核对手机时间后输入验证器中当前显示的 6 位数字。".into()),
                None,
            )?,
            StatusCode::BAD_REQUEST,
        );
    }
    users::totp_enable(&mut tx, &staff.actor(), staff.user.id, true).await?;
    tx.commit().await?;
    Ok(see_other("/admin/totp?done=enabled"))
}

#[derive(Deserialize)]
struct DisableForm {
    #[serde(default)]
    current: String,
}

/// Turns the second factor off; needs the current password.
async fn totp_disable(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<DisableForm>,
) -> AppResult<Response> {
    if !password::verify(&f.current, &staff.user.password_hash) {
        return render_with_status(
            &totp_page(&state, &staff, Some("当前口令不正确。".into()), None)?,
            StatusCode::BAD_REQUEST,
        );
    }
    let mut tx = state.db.begin().await?;
    users::totp_enable(&mut tx, &staff.actor(), staff.user.id, false).await?;
    tx.commit().await?;
    Ok(see_other("/admin/totp?done=disabled"))
}
