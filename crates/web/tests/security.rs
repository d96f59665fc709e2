//! Identification and authentication through the real router on SQLite and PostgreSQL (issue
//! #13): lockout after consecutive failures and unlocking by the security administrator, the
//! last-login notice, password history and expiry, and TOTP enrolment and login with codes
//! computed in the test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use common::{DEMO_PASSWORD, TestApp};
use gongkai_store::testing::TestDb;
use gongkai_web::WebConfig;
use gongkai_web::totp;

/// Throttling relaxed so that the account lockout is what stops the attempts.
fn lockout_config() -> WebConfig {
    WebConfig {
        login_limits: gongkai_store::logins::Limits {
            window_ms: 15 * 60 * 1000,
            max_failures_per_user: 100,
            max_failures_per_ip: 100,
        },
        ..WebConfig::default()
    }
}

macro_rules! both_backends_config {
    ($name:ident, $config:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run(mut $app: TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                run(TestApp::with_config(TestDb::sqlite().await, $config).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(t) = TestDb::postgres().await else {
                    return;
                };
                run(TestApp::with_config(t, $config).await).await;
            }
        }
    };
}

async fn audit_actions(app: &TestApp, action: &str) -> Vec<gongkai_store::audit::AuditRecord> {
    gongkai_store::audit::list(
        &app.db,
        &gongkai_store::audit::Filter {
            action: Some(action.into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

both_backends_config!(lockout_and_unlock, lockout_config(), |app| {
    app.clear_cookies();
    app.get("/admin/login").await;
    for i in 1..=5 {
        let r = app
            .post(
                "/admin/login",
                &[("username", "demo-leader"), ("password", "Wrong-pass-99")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("用户名或口令不正确"));
        assert_eq!(r.body.contains("账号已被锁定"), i == 5, "attempt {i}");
    }
    // Locked: even the right password is refused, and no session is started.
    let r = app
        .post(
            "/admin/login",
            &[("username", "demo-leader"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("账号已被锁定"));
    assert!(app.cookie("gk_session").is_none());
    // Audited: six failures (five wrong passwords, one while locked) and one lockout; the
    // password never appears.
    let failed = audit_actions(&app, "auth.login_failed").await;
    assert_eq!(failed.len(), 6);
    for r in &failed {
        let json = r.after_json.clone().unwrap_or_default();
        assert!(!json.contains("Wrong-pass-99") && !json.contains(DEMO_PASSWORD));
        assert_eq!(r.actor, "demo-leader");
    }
    let lockouts = audit_actions(&app, "auth.lockout").await;
    assert_eq!(lockouts.len(), 1);
    // The security administrator sees the lock and unlocks; the system administrator cannot.
    let leader = app.user_id("demo-leader").await;
    app.login_demo("demo-admin").await;
    let r = app
        .post(&format!("/admin/users/{leader}/unlock"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.login_demo("demo-security").await;
    let list = app.get("/admin/users").await;
    assert!(list.body.contains("（已锁定）"));
    let page = app.get(&format!("/admin/users/{leader}")).await;
    assert!(page.body.contains("解锁账号"));
    let r = app
        .post(&format!("/admin/users/{leader}/unlock"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let unlocks = audit_actions(&app, "user.unlock").await;
    assert_eq!(unlocks.len(), 1);
    assert_eq!(unlocks[0].actor, "demo-security");
    let r = app.login("demo-leader", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
});

both_backends_app!(last_login_is_shown_once_after_login, |app| {
    app.login_demo("demo-office").await;
    // `login_demo` loaded /admin already: the first login has no previous one.
    app.login("demo-office", DEMO_PASSWORD).await;
    let home = app.get("/admin").await;
    assert!(home.body.contains("上次登录："), "{}", home.body);
    assert!(home.body.contains("，来自 "));
    // Shown once.
    let again = app.get("/admin").await;
    assert!(!again.body.contains("上次登录："));
    let logins = audit_actions(&app, "auth.login").await;
    assert_eq!(logins.len(), 2);
});

both_backends_app!(password_history_and_expiry, |app| {
    app.login_demo("demo-head").await;
    app.get("/admin/password").await;
    let change = |new: &'static str, current: &'static str| (current, new);
    let mut current = DEMO_PASSWORD;
    for new in ["Second-pass-02", "Third-pass-03"] {
        let (cur, new) = change(new, current);
        let r = app
            .post(
                "/admin/password",
                &[("current", cur), ("new_password", new), ("confirm", new)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        current = new;
    }
    // Back to the first password: refused, next to the field.
    let r = app
        .post(
            "/admin/password",
            &[
                ("current", current),
                ("new_password", DEMO_PASSWORD),
                ("confirm", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("不能与最近 5 次使用过的口令相同"),
        "{}",
        r.body
    );
    // Too simple for the policy.
    let r = app
        .post(
            "/admin/password",
            &[
                ("current", current),
                ("new_password", "alllowercase"),
                ("confirm", "alllowercase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("至少 3 类"));
    // A password older than 90 days sends every page to the password form.
    let head = app.user_id("demo-head").await;
    let mut tx = app.db.begin().await.unwrap();
    let old = gongkai_store::now_ms() - 91 * 86_400_000;
    gongkai_store::on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET password_changed_at = $1 WHERE id = $2"
    )
    .bind(old)
    .bind(head)
    .execute(c)
    .await
    .unwrap()
    .rows_affected());
    tx.commit().await.unwrap();
    let r = app.get("/admin").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/password");
    let r = app.get("/admin/password").await;
    assert!(r.body.contains("超过 90 天未修改"), "{}", r.body);
    let r = app
        .post(
            "/admin/password",
            &[
                ("current", current),
                ("new_password", "Fourth-pass-04"),
                ("confirm", "Fourth-pass-04"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.get("/admin").await.status, StatusCode::OK);
});

/// The base32 secret shown on the enrolment page.
fn shown_secret(body: &str) -> String {
    let at = body.find("id=\"totp-secret\">").expect("secret shown") + "id=\"totp-secret\">".len();
    body[at..at + body[at..].find('<').unwrap()].to_string()
}

fn code(secret: &str, offset: i64) -> String {
    let step = totp::step_at(gongkai_store::now_ms() / 1000) + offset;
    totp::code_at_step(secret, step).unwrap()
}

both_backends_app!(totp_enrolment_and_login, |app| {
    app.login_demo("demo-office").await;
    let page = app.get("/admin/totp").await;
    assert!(page.body.contains("未启用"));
    let r = app.post("/admin/totp/begin", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/admin/totp").await;
    let secret = shown_secret(&page.body);
    assert_eq!(totp::base32_decode(&secret).unwrap().len(), 20);
    assert!(page.body.contains("otpauth://totp/"));
    assert!(page.body.contains("<svg"), "QR code inline");
    // A wrong code does not enable it.
    let wrong = format!(
        "{:06}",
        (code(&secret, 0).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let r = app.post("/admin/totp/confirm", &[("code", &wrong)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post("/admin/totp/confirm", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let office = app.user_id("demo-office").await;
    let user = gongkai_store::users::get(&app.db, office)
        .await
        .unwrap()
        .unwrap();
    assert!(user.totp_enabled);
    // The secret never reaches the audit log.
    let all = gongkai_store::audit::list(
        &app.db,
        &gongkai_store::audit::Filter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(all.iter().all(|r| {
        !r.after_json.clone().unwrap_or_default().contains(&secret)
            && !r.before_json.clone().unwrap_or_default().contains(&secret)
    }));

    // Login now asks for the code; the password alone opens nothing.
    let r = app.login("demo-office", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/admin/login/totp"));
    let r = app.get("/admin").await;
    assert_eq!(r.location(), "/admin/login/totp");
    let r = app.get("/admin/login/totp").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.post("/admin/login/totp", &[("code", &wrong)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("动态口令不正确"));
    // The code of the next step (within ±1) is accepted once.
    let next = code(&secret, 1);
    let r = app
        .post("/admin/login/totp", &[("code", &next), ("next", "/admin")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin");
    assert_eq!(app.get("/admin").await.status, StatusCode::OK);
    // Replaying the same code in a new login is refused.
    app.login("demo-office", DEMO_PASSWORD).await;
    app.get("/admin/login/totp").await;
    let r = app.post("/admin/login/totp", &[("code", &next)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let methods: Vec<String> = audit_actions(&app, "auth.login")
        .await
        .iter()
        .filter_map(|r| r.after_json.clone())
        .collect();
    assert!(methods.iter().any(|m| m.contains("password+totp")));
    // Without a pending session the code page sends back to the login form.
    app.clear_cookies();
    let r = app.get("/admin/login/totp").await;
    assert_eq!(r.location(), "/admin/login");
});

both_backends_app!(multipart_posts_need_the_token_in_the_query, |app| {
    app.login_demo("demo-admin").await;
    app.get("/admin/orgs/new").await;
    // Without the token the guard refuses before any handler sees the body.
    let req = axum::http::Request::post("/admin/orgs")
        .header(
            axum::http::header::CONTENT_TYPE,
            "multipart/form-data; boundary=x",
        )
        .body(axum::body::Body::from("--x--\r\n"))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(
        res.status,
        axum::http::StatusCode::FORBIDDEN,
        "{}",
        res.body
    );
    // With it the request reaches the handler (which accepts only url-encoded forms here).
    let res = app
        .post_multipart("/admin/orgs", &[("code", "mp")], &[])
        .await;
    assert_ne!(
        res.status,
        axum::http::StatusCode::FORBIDDEN,
        "{}",
        res.body
    );
    assert!(res.status.is_client_error(), "{}", res.status);
});
