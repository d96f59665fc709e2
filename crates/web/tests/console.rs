//! Console behaviour through the real router on SQLite and PostgreSQL with the demo data: the role
//! walkthrough, scoping, login throttling, sessions, CSRF, form errors, audit, API tokens,
//! security headers and the Chinese 404 page.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use common::{DEMO_PASSWORD, TestApp};
use gongkai_store::audit;

const OK: u16 = 200;
const NO: u16 = 403;

/// The console URLs of the walkthrough, in the order of each row of [`EXPECTED`].
const URLS: [&str; 10] = [
    "/admin",
    "/admin/orgs",
    "/admin/orgs/new",
    "/admin/users",
    "/admin/users/new",
    "/admin/audit",
    "/admin/audit/verify",
    "/admin/audit/export.csv",
    "/admin/tokens",
    "/admin/password",
];

/// What each demo role may open, written out independently of `Role::allows`.
const EXPECTED: &[(&str, [u16; 10])] = &[
    ("demo-drafter", [OK, NO, NO, NO, NO, NO, NO, NO, OK, OK]),
    ("demo-head", [OK, NO, NO, NO, NO, NO, NO, NO, OK, OK]),
    ("demo-secrecy", [OK, NO, NO, NO, NO, NO, NO, NO, OK, OK]),
    ("demo-leader", [OK, NO, NO, NO, NO, NO, NO, NO, OK, OK]),
    ("demo-office", [OK, OK, NO, NO, NO, NO, NO, NO, OK, OK]),
    (
        "demo-county-office",
        [OK, OK, NO, NO, NO, NO, NO, NO, OK, OK],
    ),
    ("demo-admin", [OK, OK, OK, OK, OK, NO, NO, NO, OK, OK]),
    ("demo-security", [OK, OK, NO, OK, NO, NO, NO, NO, OK, OK]),
    ("demo-auditor", [OK, OK, NO, NO, NO, OK, OK, OK, OK, OK]),
    // The second site (issue #14): its administrator manages its own organisations and
    // accounts, never the audit log; the platform administrator sees the organisations.
    ("demo-gzl-admin", [OK, OK, OK, OK, OK, NO, NO, NO, OK, OK]),
    ("demo-gzl-office", [OK, OK, NO, NO, NO, NO, NO, NO, OK, OK]),
    ("demo-platform", [OK, OK, NO, NO, NO, NO, NO, NO, OK, OK]),
];

both_backends_app!(demo_is_loaded_once_and_fills_the_portal, |app| {
    let names: Vec<&str> = app.demo.users.iter().map(|(u, _, _)| u.as_str()).collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|(u, _)| *u).collect();
    let mut sorted_names = names.clone();
    let mut sorted_expected = expected.clone();
    sorted_names.sort();
    sorted_expected.sort();
    assert_eq!(sorted_names, sorted_expected);
    assert!(app.demo.users.iter().all(|(_, p, _)| p == DEMO_PASSWORD));
    // A second load changes nothing.
    assert!(
        gongkai_store::demo::load_if_empty(&app.db, &gongkai_core::vault::Vault::for_tests())
            .await
            .unwrap()
            .is_none()
    );
    // Two top-level bodies: the city, and 公主岭 (not part of 长春 in 2019) only as the body of
    // the platform's second site (issue #14).
    let orgs = gongkai_store::orgs::list(&app.db).await.unwrap();
    let tops: Vec<&str> = orgs
        .iter()
        .filter(|o| o.parent_id.is_none())
        .map(|o| o.code.as_str())
        .collect();
    assert_eq!(tops, ["ccdpf", "gzl"]);
    let gzl = app.org_id("gzl").await;
    let tree = gongkai_store::orgs::tree(&app.db).await.unwrap();
    assert!(
        orgs.iter()
            .filter(|o| o.full_name.contains("公主岭"))
            .all(|o| tree.top_of(o.id) == Some(gzl))
    );
    assert_eq!(orgs.iter().filter(|o| o.kind == "association").count(), 5);
    // Everything the demo wrote is in an intact audit chain.
    let v = gongkai_store::audit::verify(&app.db).await.unwrap();
    assert!(v.first_broken.is_none());
    assert!(v.checked as usize >= orgs.len() + names.len() + 2);

    let guide = app.get("/guide").await;
    assert_eq!(guide.status, StatusCode::OK);
    for needle in [
        "长春市大经路1898号",
        "130042",
        "0431-88651548",
        "20个工作日",
        "7个工作日",
        "监督和救济",
    ] {
        assert!(guide.body.contains(needle), "guide lacks {needle}");
    }
    let rules = app.get("/rules").await;
    assert!(rules.body.contains("先审查、后公开"));
});

both_backends_app!(role_walkthrough, |app| {
    let body = app.org_id("ccdpf").await.to_string();
    let kfb = app.org_id("ccdpf-kfb").await.to_string();
    let drafter = app.user_id("demo-drafter").await;
    let keep = format!("drafter:{kfb}");
    for (username, expected) in EXPECTED {
        app.login_demo(username).await;
        for (url, want) in URLS.iter().zip(expected) {
            let r = app.get(url).await;
            assert_eq!(r.status.as_u16(), *want, "{username} GET {url}");
            if *want == NO {
                assert!(
                    r.body.contains("您没有执行此操作的权限"),
                    "{username} {url}"
                );
            }
        }
        // The navigation offers exactly what the role may open.
        let home = app.get("/admin").await;
        for (href, label, idx) in [
            ("/admin/orgs", "机构管理", 1),
            ("/admin/users", "用户管理", 3),
            ("/admin/audit", "审计日志", 5),
        ] {
            let shown = home
                .body
                .contains(&format!("<a href=\"{href}\" aria-current"));
            assert_eq!(shown, expected[idx] == OK, "{username} nav {label}");
        }
        // The second site's and the platform's accounts write nothing of the city's: see
        // tests/sites.rs.
        if username.starts_with("demo-gzl") || *username == "demo-platform" {
            continue;
        }
        // A few writes: only the administrator may create organisations and users.
        let code = format!("w-{}", username.trim_start_matches("demo-"));
        let r = app
            .post(
                "/admin/orgs",
                &[
                    ("parent_id", &body),
                    ("kind", "department"),
                    ("code", &code),
                    ("full_name", "测试部"),
                    ("short_name", "测试部"),
                ],
            )
            .await;
        let want = if *username == "demo-admin" { 303 } else { 403 };
        assert_eq!(
            r.status.as_u16(),
            want,
            "{username} POST /admin/orgs: {}",
            r.body
        );
        let r = app
            .post(
                "/admin/users",
                &[
                    ("username", &format!("u-{code}")),
                    ("display_name", "测试"),
                    ("org_id", &body),
                    ("password", "Abcd-12345"),
                ],
            )
            .await;
        assert_eq!(r.status.as_u16(), want, "{username} POST /admin/users");
        // 三员分立: only the security administrator changes grants and unlocks accounts; the
        // system administrator resets passwords but never touches roles.
        let grant_want = if *username == "demo-security" {
            303
        } else {
            403
        };
        let r = app
            .post(
                &format!("/admin/users/{drafter}/grants"),
                &[("keep", &keep)],
            )
            .await;
        assert_eq!(r.status.as_u16(), grant_want, "{username} POST grants");
        let r = app
            .post(&format!("/admin/users/{drafter}/unlock"), &[])
            .await;
        assert_eq!(r.status.as_u16(), grant_want, "{username} POST unlock");
        let r = app
            .post(
                &format!("/admin/users/{drafter}/password"),
                &[("new_password", "Temp-pass-123")],
            )
            .await;
        assert_eq!(r.status.as_u16(), want, "{username} POST reset password");
        // Nobody but the owner sees a token list: revoking someone else's token is a 404.
        let r = app.post("/admin/tokens/999999/revoke", &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{username}");
    }
});

both_backends_app!(county_scoping_and_forced_password_change, |app| {
    let nanguan = app.org_id("nanguan").await.to_string();
    let kuancheng = app.org_id("kuancheng").await.to_string();
    let root = app.org_id("ccdpf").await.to_string();
    app.login_demo("demo-admin").await;
    app.get("/admin/users/new").await;
    for (username, org) in [("nanguan-admin", &nanguan), ("kuancheng-staff", &kuancheng)] {
        let r = app
            .post(
                "/admin/users",
                &[
                    ("username", username),
                    ("display_name", "区管理员"),
                    ("org_id", org),
                    ("password", "start-1234"),
                    // Role fields are ignored: the system administrator grants no roles.
                    ("add_role", "administrator"),
                    ("add_scope", org),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let county_admin = app.user_id("nanguan-admin").await;
    assert!(
        gongkai_store::users::grants(&app.db, county_admin)
            .await
            .unwrap()
            .is_empty()
    );
    // The security administrator grants the county administrator role.
    app.login_demo("demo-security").await;
    let page = app.get(&format!("/admin/users/{county_admin}")).await;
    assert!(page.body.contains("保存授权"));
    assert!(!page.body.contains("重置口令"));
    let r = app
        .post(
            &format!("/admin/users/{county_admin}/grants"),
            &[("add_role", "administrator"), ("add_scope", &nanguan)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The new county administrator must change the initial password first.
    let r = app.login("nanguan-admin", "start-1234").await;
    assert_eq!(r.location(), "/admin/password");
    let r = app.get("/admin/users").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/password");
    app.get("/admin/password").await;
    let r = app
        .post(
            "/admin/password",
            &[
                ("current", "start-1234"),
                ("new_password", "county-5678"),
                ("confirm", "county-5678"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("口令已修改"));

    // Only users of 南关区 are listed; other counties' users are out of reach.
    let list = app.get("/admin/users").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("nanguan-admin"));
    assert!(list.body.contains("demo-county-office"));
    for hidden in [
        "kuancheng-staff",
        "demo-admin",
        "demo-auditor",
        "demo-drafter",
    ] {
        assert!(
            !list.body.contains(hidden),
            "{hidden} leaked into a county list"
        );
    }
    let other = app.user_id("kuancheng-staff").await;
    let r = app.get(&format!("/admin/users/{other}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(&format!("/admin/users/{other}/active"), &[("active", "0")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An account above the county is refused next to the field, input kept.
    app.get("/admin/users/new").await;
    let r = app
        .post(
            "/admin/users",
            &[
                ("username", "too-wide"),
                ("display_name", "越权"),
                ("org_id", &root),
                ("password", "Abcd-12345"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"org_id-error\""));
    assert!(r.body.contains("超出了您的管理范围"));
    assert!(r.body.contains("value=\"too-wide\""));
    assert!(
        gongkai_store::users::by_username(&app.db, "too-wide")
            .await
            .unwrap()
            .is_none()
    );
    // The county disclosure office sees no user administration at all.
    app.login_demo("demo-county-office").await;
    assert_eq!(app.get("/admin/users").await.status, StatusCode::FORBIDDEN);
});

both_backends_app!(user_admin_grants_reset_and_disable, |app| {
    let kfb = app.org_id("ccdpf-kfb").await.to_string();
    let root = app.org_id("ccdpf").await.to_string();
    let drafter = app.user_id("demo-drafter").await;
    let admin = app.user_id("demo-admin").await;
    let security = app.user_id("demo-security").await;
    // The system administrator sees the grants but cannot edit them.
    app.login_demo("demo-admin").await;
    let page = app.get(&format!("/admin/users/{drafter}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("由安全管理员授予和撤销"));
    assert!(!page.body.contains("保存授权"));
    let key = format!("drafter:{kfb}");
    let r = app
        .post(
            &format!("/admin/users/{drafter}/grants"),
            &[
                ("keep", &key),
                ("add_role", "administrator"),
                ("add_scope", &root),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The security administrator does.
    app.login_demo("demo-security").await;
    let page = app.get(&format!("/admin/users/{drafter}")).await;
    assert!(page.body.contains(&key));
    // Keep the drafter grant, add department head.
    let r = app
        .post(
            &format!("/admin/users/{drafter}/grants"),
            &[
                ("keep", &key),
                ("add_role", "department_head"),
                ("add_scope", &kfb),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let grants = gongkai_store::users::grants(&app.db, drafter)
        .await
        .unwrap();
    assert_eq!(grants.len(), 2);
    // Untick everything: no grants left.
    app.get(&format!("/admin/users/{drafter}")).await;
    app.post(&format!("/admin/users/{drafter}/grants"), &[])
        .await;
    assert!(
        gongkai_store::users::grants(&app.db, drafter)
            .await
            .unwrap()
            .is_empty()
    );
    // 三员分立: the system administrator cannot also become auditor.
    app.get(&format!("/admin/users/{admin}")).await;
    let r = app
        .post(
            &format!("/admin/users/{admin}/grants"),
            &[
                ("keep", &format!("administrator:{root}")),
                ("add_role", "auditor"),
                ("add_scope", &root),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("三员分立"), "{}", r.body);
    assert!(r.body.contains("id=\"add_role-error\""));
    assert_eq!(
        gongkai_store::users::grants(&app.db, admin)
            .await
            .unwrap()
            .len(),
        1
    );
    // Nobody edits their own grants.
    let r = app
        .post(
            &format!("/admin/users/{security}/grants"),
            &[("add_role", "disclosure_office"), ("add_scope", &root)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("不能修改自己的角色授权"));
    // The security administrator cannot reset passwords or disable accounts.
    let r = app
        .post(
            &format!("/admin/users/{drafter}/password"),
            &[("new_password", "Reset-2468x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.login_demo("demo-admin").await;
    app.get(&format!("/admin/users/{drafter}")).await;
    // Weak temporary password: 400 next to the field.
    let r = app
        .post(
            &format!("/admin/users/{drafter}/password"),
            &[("new_password", "short")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"new_password-error\""));
    let r = app
        .post(
            &format!("/admin/users/{drafter}/password"),
            &[("new_password", "reset-2468")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        gongkai_store::users::get(&app.db, drafter)
            .await
            .unwrap()
            .unwrap()
            .must_change_password
    );
    // Disable: the account can no longer log in. Disabling oneself is refused.
    app.get("/admin").await;
    let r = app
        .post(
            &format!("/admin/users/{drafter}/active"),
            &[("active", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let me = app.user_id("demo-admin").await;
    let r = app
        .post(&format!("/admin/users/{me}/active"), &[("active", "0")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app.login("demo-drafter", "reset-2468").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Every change is in the audit log, attributed to the administrator.
    let records = gongkai_store::audit::list(
        &app.db,
        &gongkai_store::audit::Filter {
            actor: Some("demo-admin".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    for a in ["user.password", "user.disable"] {
        assert!(actions.contains(&a), "missing {a} in {actions:?}");
    }
    assert!(!actions.contains(&"user.grants"));
    let records = gongkai_store::audit::list(
        &app.db,
        &gongkai_store::audit::Filter {
            actor: Some("demo-security".into()),
            action: Some("user.grants".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(records.len(), 2);
});

both_backends_app!(login_throttling_and_logout, |app| {
    app.clear_cookies();
    app.get("/admin/login").await;
    for _ in 0..5 {
        let r = app
            .post(
                "/admin/login",
                &[("username", "demo-office"), ("password", "wrong-pass1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("用户名或口令不正确"));
    }
    // Now even the right password is refused for a while.
    let r = app
        .post(
            "/admin/login",
            &[("username", "demo-office"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("登录失败次数过多"));
    assert!(app.cookie("gk_session").is_none());

    // Logout ends the session.
    app.login_demo("demo-leader").await;
    let r = app.post("/admin/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/login");
    assert!(app.cookie("gk_session").is_none());
    let r = app.get("/admin/tokens").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/login?next=%2Fadmin%2Ftokens");
});

both_backends_app!(csrf_and_cross_site_posts_are_refused, |app| {
    let root = app.org_id("ccdpf").await.to_string();
    app.login_demo("demo-admin").await;
    let fields = [
        ("parent_id", root.as_str()),
        ("kind", "department"),
        ("code", "csrf-test"),
        ("full_name", "跨站测试"),
        ("short_name", "跨站"),
    ];
    let r = app.post_raw("/admin/orgs", &fields, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("表单已过期或来源无法确认"));
    let mut wrong = vec![("csrf", "0".repeat(64))];
    wrong.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_raw("/admin/orgs", &wrong, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The right token from another site's page is refused too.
    let token = app.csrf().to_string();
    let mut good: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
    good.extend_from_slice(&fields);
    let r = app
        .post_raw("/admin/orgs", &good, &[("origin", "http://evil.example")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("表单已过期或来源无法确认"));
    assert!(
        gongkai_store::orgs::by_code(&app.db, "csrf-test")
            .await
            .unwrap()
            .is_none()
    );
    // Same request from our own origin works.
    let r = app
        .post_raw("/admin/orgs", &good, &[("origin", "http://localhost")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
});

both_backends_app!(org_forms_show_errors_and_audit_changes, |app| {
    let root = app.org_id("ccdpf").await;
    let root_s = root.to_string();
    app.login_demo("demo-admin").await;
    app.get("/admin/orgs/new").await;
    let r = app
        .post(
            "/admin/orgs",
            &[
                ("parent_id", &root_s),
                ("kind", "department"),
                ("code", "bad code"),
                ("full_name", ""),
                ("short_name", "简称"),
                ("postcode", "12"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("class=\"error-summary\""));
    assert!(r.body.contains("<a href=\"#code\">"));
    assert!(r.body.contains("id=\"code-error\""));
    assert!(r.body.contains("aria-describedby=\"code-error\""));
    assert!(r.body.contains("id=\"full_name-error\""));
    assert!(r.body.contains("邮政编码须为 6 位数字"));
    assert!(r.body.contains("value=\"bad code\""), "input kept");
    // Duplicate code: 400 next to the code field.
    let r = app
        .post(
            "/admin/orgs",
            &[
                ("parent_id", &root_s),
                ("kind", "department"),
                ("code", "nanguan"),
                ("full_name", "重复"),
                ("short_name", "重复"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("已被使用"));
    // Create, then edit; both audited.
    let r = app
        .post(
            "/admin/orgs",
            &[
                ("parent_id", &root_s),
                ("kind", "department"),
                ("code", "xinbu"),
                ("full_name", "新设部"),
                ("short_name", "新设部"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id = app.org_id("xinbu").await;
    let edit = app.get(&format!("/admin/orgs/{id}/edit")).await;
    assert!(edit.body.contains("value=\"新设部\""));
    let r = app
        .post(
            &format!("/admin/orgs/{id}"),
            &[
                ("parent_id", &root_s),
                ("kind", "department"),
                ("code", "xinbu"),
                ("full_name", "新设部（改）"),
                ("short_name", "新设部"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Moving the root under its own child is refused.
    let r = app
        .post(
            &format!("/admin/orgs/{root}"),
            &[
                ("parent_id", &id.to_string()),
                ("kind", "body"),
                ("code", "ccdpf"),
                ("full_name", "长春市残疾人联合会"),
                ("short_name", "长春市残联"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let list = app.get("/admin/orgs?saved=1").await;
    assert!(
        list.body
            .contains("<a href=\"/admin/orgs\" aria-current=\"page\">")
    );
    assert!(list.body.contains("机构信息已保存"));
    assert!(list.body.contains("新设部（改）"));
    assert!(list.body.contains("<caption>"));
    assert!(list.body.contains("scope=\"col\""));

    // The auditor sees both changes, exports them and verifies the chain.
    app.login_demo("demo-auditor").await;
    let r = app
        .get(&format!("/admin/audit?object_type=org&object_id={id}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("org.create") && r.body.contains("org.update"));
    assert!(r.body.contains("<details>"));
    let bad = app.get("/admin/audit?from=2019%2F01%2F01").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"from-error\""));
    let csv = app
        .get(&format!(
            "/admin/audit/export.csv?object_type=org&object_id={id}"
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.body.starts_with("\u{feff}编号,时间（北京时间）,操作人"));
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 4, "header + 2 records + signature: {lines:?}");
    assert!(lines[1].contains("org.update") && lines[2].contains("org.create"));
    assert!(lines[1].contains(",demo-admin,"));
    // The export is signed (GB/T 22239-2019 8.1.4.3 d): it verifies as downloaded, and a
    // change of one character, a dropped record or another deployment's key is detected.
    assert!(lines[3].starts_with(audit::EXPORT_SIGNATURE_LINE));
    let vault = app.vault.get();
    audit::verify_export(&vault, csv.body.as_bytes()).unwrap();
    let tampered = csv.body.replacen("demo-admin", "demo-adm1n", 1);
    let err = audit::verify_export(&vault, tampered.as_bytes()).unwrap_err();
    assert!(err.contains("签名不符"), "{err}");
    let dropped = csv.body.replacen(&format!("{}\r\n", lines[2]), "", 1);
    assert!(audit::verify_export(&vault, dropped.as_bytes()).is_err());
    let unsigned = csv.body.replacen(lines[3], "", 1);
    assert!(
        audit::verify_export(&vault, unsigned.as_bytes())
            .unwrap_err()
            .contains("没有完整性签名")
    );
    let stranger =
        gongkai_core::vault::Vault::generate(gongkai_core::vault::Algorithm::Sm4Gcm, "t");
    assert!(audit::verify_export(&stranger, csv.body.as_bytes()).is_err());
    let v = app.get("/admin/audit/verify").await;
    assert!(v.body.contains("完整性校验通过"), "{}", v.body);
    assert!(v.body.contains("哈希算法：SM3 "), "{}", v.body);
    // The security-events filter keeps the box ticked and shows only security events.
    let sec = app.get("/admin/audit?security=1").await;
    assert_eq!(sec.status, StatusCode::OK);
    assert!(
        sec.body
            .contains("name=\"security\" type=\"checkbox\" value=\"1\" checked")
    );
    assert!(!sec.body.contains("org.create"));
    // The export itself was audited.
    let r = app.get("/admin/audit?action=audit.export").await;
    assert!(r.body.contains("demo-auditor"));
});

both_backends_app!(audit_paging_newest_first, |app| {
    app.login_demo("demo-auditor").await;
    // The demo wrote ~45 records; a few audited token operations make it more than one page.
    app.get("/admin/tokens").await;
    for i in 0..10 {
        let r = app
            .post("/admin/tokens", &[("name", &format!("t{i}"))])
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let first = app.get("/admin/audit").await;
    let next = first
        .body
        .split("href=\"/admin/audit?before_id=")
        .nth(1)
        .map(|s| s[..s.find('"').unwrap()].to_string());
    let next = next.expect("a next-page link");
    let second = app.get(&format!("/admin/audit?before_id={next}")).await;
    assert_eq!(second.status, StatusCode::OK);
    let before: i64 = next.parse().unwrap();
    // Every id on page 2 is below the cursor, and ids descend.
    let ids: Vec<i64> = second
        .body
        .split("<th scope=\"row\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].parse().unwrap())
        .collect();
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|i| *i < before));
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
});

both_backends_app!(api_tokens_from_the_console, |app| {
    let r = app.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["error"], "unauthorized");
    assert!(json["message"].as_str().unwrap().contains("API 令牌"));

    app.login_demo("demo-office").await;
    app.get("/admin/tokens").await;
    let r = app.post("/admin/tokens", &[("name", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"name-error\""));
    let r = app.post("/admin/tokens", &[("name", "年报统计脚本")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let at = r.body.find("value=\"gk_").expect("token shown once");
    let token = r.body[at + 7..at + 7 + 67].to_string();
    assert!(token.starts_with("gk_"));
    // Shown once: the list page no longer carries it.
    let list = app.get("/admin/tokens").await;
    assert!(!list.body.contains(&token));
    assert!(list.body.contains("年报统计脚本"));

    let auth = format!("Bearer {token}");
    let r = app
        .get_with("/api/v1/me", &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(me["username"], "demo-office");
    assert_eq!(me["roles"][0]["role"], "disclosure_office");

    // Revoke: the token stops working.
    let id = gongkai_store::api_tokens::list_for_user(&app.db, app.user_id("demo-office").await)
        .await
        .unwrap()[0]
        .id;
    let r = app.post(&format!("/admin/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .get_with("/api/v1/me", &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Another staff member cannot revoke it (it is not theirs).
    app.login_demo("demo-admin").await;
    let r = app.post(&format!("/admin/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
});

both_backends_app!(security_headers_and_not_found, |app| {
    for path in ["/", "/admin/login", "/no/such/page"] {
        let r = app.get(path).await;
        let csp = r.header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        assert_eq!(r.header("x-frame-options"), "DENY");
    }
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<html lang=\"zh-CN\">"));
    assert!(r.body.contains("页面不存在"));
    // Console pages too.
    app.login_demo("demo-admin").await;
    let r = app.get("/admin/orgs/999999/edit").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("该机构不存在"));
});
