//! 依申请公开 over HTTP (issue #6), on both backends: the public form's Chinese messages with the
//! input kept (invalid ID and USCC, missing fields, over-long text), the receipt with number and
//! secret, the status page (a wrong secret and an unknown number look the same; failures are
//! rate-limited), and the console: scope (a county office never sees the body's applications),
//! staff registration, workflow steps and their refusals.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use common::TestApp;

const ID: &str = "11010519491231002X";

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let at = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {body}"))
        + start.len();
    let rest = &body[at..];
    &rest[..rest.find(end).unwrap()]
}

/// Loads the form and answers its question in words (as a person without JavaScript would):
/// the token and the answer to submit with the next POST. Each challenge is single-use.
async fn human(app: &mut TestApp) -> (String, String) {
    let page = app.get("/apply").await;
    let token = between(&page.body, "name=\"captcha_token\" value=\"", "\"").to_owned();
    let question: Vec<char> = between(&page.body, "<label for=\"captcha_answer\">", "</label>")
        .chars()
        .collect();
    let a = gongkai_web::antiabuse::parse_answer(&question[0].to_string()).unwrap();
    let b = gongkai_web::antiabuse::parse_answer(&question[2].to_string()).unwrap();
    let answer = if question[1] == '加' { a + b } else { a - b };
    (token, answer.to_string())
}

/// POSTs the application form with a fresh human check.
async fn apply(app: &mut TestApp, fields: &[(&str, &str)]) -> common::Resp {
    let (token, answer) = human(app).await;
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("captcha_token", &token));
    all.push(("captcha_answer", &answer));
    app.post("/apply", &all).await
}

fn valid(org: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("org_id", org),
        ("applicant_type", "natural_person"),
        ("applicant_name", "王五"),
        ("id_kind", "resident_id"),
        ("id_number", ID),
        ("phone", "0431-88888888"),
        ("item1_desc", "2024年残疾人两项补贴发放情况"),
        ("info_form", "electronic"),
        ("delivery", "online"),
        ("help_reading", "1"),
    ]
}

fn with<'a>(
    mut fields: Vec<(&'static str, &'a str)>,
    key: &'static str,
    value: &'a str,
) -> Vec<(&'static str, &'a str)> {
    fields.retain(|(k, _)| *k != key);
    fields.push((key, value));
    fields
}

both_backends_app!(public_form_messages_receipt_and_status, |app| {
    let page = app.get("/apply").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("条例第四十三条"));
    let org = app.org_id("ccdpf").await.to_string();
    // Invalid ID number: Chinese message by the field, input kept.
    let bad_id = app
        .post(
            "/apply",
            &with(valid(&org), "id_number", "110105194912310021"),
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_id.body.contains("居民身份证号码有误"),
        "{}",
        bad_id.body
    );
    assert!(bad_id.body.contains("id=\"id_number-error\""));
    assert!(bad_id.body.contains("value=\"王五\""), "input kept");
    assert!(bad_id.body.contains("2024年残疾人两项补贴发放情况"));
    // Organisation with an invalid USCC.
    let org_fields = with(
        with(valid(&org), "applicant_type", "commercial"),
        "id_number",
        "91110000600037341A",
    );
    let bad_uscc = apply(&mut app, &org_fields).await;
    assert_eq!(bad_uscc.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_uscc.body.contains("统一社会信用代码有误"),
        "{}",
        bad_uscc.body
    );
    // Missing fields.
    let empty = apply(&mut app, &[("org_id", org.as_str())]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    for m in [
        "请填写申请人姓名",
        "请选择申请人类型",
        "请至少填写一种联系方式",
        "请至少填写一项所需信息",
        "请选择所需信息的形式",
    ] {
        assert!(empty.body.contains(m), "{m}");
    }
    assert!(
        empty.body.contains("<a href=\"#item1_desc\">"),
        "summary links to the field"
    );
    // The human check is required (no answer → its message by the field).
    app.get("/apply").await;
    let unchecked = app.post("/apply", &valid(&org)).await;
    assert_eq!(unchecked.status, StatusCode::BAD_REQUEST);
    assert!(unchecked.body.contains("验证问题"), "{}", unchecked.body);
    assert!(unchecked.body.contains("value=\"王五\""), "input kept");
    // Over-long text.
    let long = "长".repeat(2001);
    let too_long = apply(&mut app, &with(valid(&org), "item1_desc", &long)).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(too_long.body.contains("过长：最多2000个字，现为2001个字"));
    assert!(too_long.body.contains(&long), "input kept");
    // Valid: the receipt shows number and secret once.
    let done = apply(&mut app, &valid(&org)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let number = between(&done.body, "受理编号：<strong>", "</strong>").to_owned();
    let secret = between(&done.body, "查询密码：<strong>", "</strong>").to_owned();
    assert_eq!(secret.len(), 12);
    // Status by number + secret.
    app.get("/apply/status").await;
    let ok = app
        .post(
            "/apply/status",
            &[("tracking_no", &number), ("secret", &secret)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body.contains("待确认"), "{}", ok.body);
    assert!(!ok.body.contains(ID), "no personal data on the status page");
    // A wrong secret and an unknown number answer identically.
    let wrong = app
        .post(
            "/apply/status",
            &[("tracking_no", &number), ("secret", "AAAAAAAAAAAA")],
        )
        .await;
    let unknown = app
        .post(
            "/apply/status",
            &[("tracking_no", "2099999999"), ("secret", "AAAAAAAAAAAA")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let strip = |b: &str, n: &str| b.replace(n, "#");
    assert_eq!(
        strip(&wrong.body, &number),
        strip(&unknown.body, "2099999999")
    );
    // Rate-limited after repeated failures on one number.
    let mut last = StatusCode::OK;
    for _ in 0..5 {
        last = app
            .post(
                "/apply/status",
                &[("tracking_no", &number), ("secret", "BBBBBBBBBBBB")],
            )
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
});

both_backends_app!(console_scope_registration_and_steps, |app| {
    let org = app.org_id("ccdpf").await.to_string();
    let done = apply(&mut app, &valid(&org)).await;
    assert_eq!(done.status, StatusCode::OK);
    let number = between(&done.body, "受理编号：<strong>", "</strong>").to_owned();
    let id = gongkai_store::applications::list(
        &app.db,
        &[app.org_id("ccdpf").await],
        &gongkai_store::applications::ListFilter {
            q: Some(number.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap()[0]
        .id;
    // The county office does not see the body's application (list and page).
    app.login_demo("demo-county-office").await;
    let list = app.get("/admin/applications").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains(&number));
    assert_eq!(
        app.get(&format!("/admin/applications/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // The system administrator has no access at all.
    app.login_demo("demo-admin").await;
    assert_eq!(
        app.get("/admin/applications").await.status,
        StatusCode::FORBIDDEN
    );
    // The disclosure office sees it, with the Art. 43 flag.
    app.login_demo("demo-office").await;
    let list = app.get("/admin/applications").await;
    assert!(list.body.contains(&number));
    let page = app.get(&format!("/admin/applications/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("申请人需要无障碍帮助"));
    // A step with a bad date is refused by its form, input kept.
    let bad = app
        .post(
            &format!("/admin/applications/{id}/step/confirm"),
            &[("date", "2025-13-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"confirm-error\""));
    assert!(bad.body.contains("value=\"2025-13-01\""));
    // Confirm today: the reply deadline appears with its working.
    let today = gongkai_store::deadlines::today().to_string();
    let ok = app
        .post(
            &format!("/admin/applications/{id}/step/confirm"),
            &[("date", &today)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = app.get(&format!("/admin/applications/{id}")).await;
    assert!(page.body.contains("答复期限"));
    assert!(page.body.contains("收到申请之日"));
    // Decide the item and send the reply.
    let item = gongkai_store::applications::items(&app.db, id)
        .await
        .unwrap()[0]
        .id
        .to_string();
    let denied = app
        .post(
            &format!("/admin/applications/{id}/step/decide"),
            &[
                ("target", &item),
                ("outcome", "denied.third_party"),
                ("date", &today),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::BAD_REQUEST);
    assert!(denied.body.contains("须说明理由"));
    let decided = app
        .post(
            &format!("/admin/applications/{id}/step/decide"),
            &[("target", &item), ("outcome", "granted"), ("date", &today)],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let replied = app
        .post(
            &format!("/admin/applications/{id}/step/reply"),
            &[("choice", "online"), ("date", &today)],
        )
        .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    // Staff registration: registered post needs the signing date (Art. 31).
    app.get("/admin/applications/new").await;
    let reg = app
        .post(
            "/admin/applications",
            &with(
                with(valid(&org), "channel", "registered_post"),
                "arrived_on",
                &today,
            ),
        )
        .await;
    assert_eq!(reg.status, StatusCode::BAD_REQUEST);
    assert!(reg.body.contains("签收"), "{}", reg.body);
    let reg = app
        .post(
            "/admin/applications",
            &with(
                with(
                    with(valid(&org), "channel", "in_person"),
                    "arrived_on",
                    &today,
                ),
                "delivery",
                "in_person",
            ),
        )
        .await;
    assert_eq!(reg.status, StatusCode::SEE_OTHER, "{}", reg.body);
    // Supervision, the iCalendar feed, CSV export and the register render.
    assert_eq!(app.get("/admin/supervision").await.status, StatusCode::OK);
    let ics = app.get("/admin/supervision/deadlines.ics").await;
    assert!(ics.body.starts_with("BEGIN:VCALENDAR"));
    let csv = app.get("/admin/applications/export.csv").await;
    assert!(csv.body.contains(&number) && csv.body.contains("granted"));
    assert_eq!(app.get("/admin/appeals").await.status, StatusCode::OK);
});
