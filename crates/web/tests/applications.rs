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
    assert!(last_body_mentions_retry(&mut app, &number, "BBBBBBBBBBBB").await);
    // Once limited, even the right secret is not compared: a guesser learns nothing more.
    let right = app
        .post(
            "/apply/status",
            &[("tracking_no", &number), ("secret", &secret)],
        )
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!right.body.contains("待确认"));
});

async fn last_body_mentions_retry(app: &mut TestApp, number: &str, secret: &str) -> bool {
    let r = app
        .post(
            "/apply/status",
            &[("tracking_no", number), ("secret", secret)],
        )
        .await;
    r.status == StatusCode::TOO_MANY_REQUESTS && r.body.contains("分钟后再试")
}

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
    // Exports of personal data (the applicant's name) are watermarked and audited (#13).
    assert!(
        csv.body.contains("demo-office"),
        "watermark names the exporter"
    );
    let (status, headers, xlsx) = app.get_bytes("/admin/applications/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let sheet = gongkai_core::extract::extract_text(gongkai_core::filetype::FileKind::Xlsx, &xlsx)
        .unwrap()
        .text;
    assert!(
        sheet.contains(&number) && sheet.contains("受理编号"),
        "{sheet}"
    );
    let exports = gongkai_store::audit::list(
        &app.db,
        &gongkai_store::audit::Filter {
            action: Some("personal.export".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(exports.len(), 2, "CSV and XLSX exports are audited");
    // The department head manages no applications: no export.
    app.login_demo("demo-head").await;
    assert_eq!(
        app.get("/admin/applications/export.xlsx").await.status,
        StatusCode::FORBIDDEN
    );
    app.login_demo("demo-office").await;
    assert_eq!(app.get("/admin/appeals").await.status, StatusCode::OK);
});

/// The demo application with uploaded files stored in a temporary folder.
async fn app_with_files(t: gongkai_store::testing::TestDb) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = gongkai_web::WebConfig {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    (TestApp::with_config(t, config).await, dir)
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

/// POSTs the public form as a browser does (multipart, token in the action URL) with a fresh
/// human check and the given files.
async fn apply_with_files(
    app: &mut TestApp,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> common::Resp {
    let (token, answer) = human(app).await;
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("captcha_token", &token));
    all.push(("captcha_answer", &answer));
    app.post_multipart("/apply", &all, files).await
}

mod identity_proof_sealed_masked_and_revealed {
    use super::*;

    /// Issue #6: an identity-proof upload (wrong type and over-size give a 4xx and leave no
    /// file); issue #13: the proof and the applicant's numbers are sealed at rest, staff see them
    /// masked, and the office reveals them only with a reason that the audit log keeps.
    async fn run(mut app: TestApp, dir: std::path::PathBuf) {
        let org = app.org_id("ccdpf").await.to_string();
        let fields = valid(&org);
        // Wrong type (a Windows executable named .png): 400 by the field, input kept, no file.
        let bad = apply_with_files(
            &mut app,
            &fields,
            &[(
                "identity_proof",
                "证件.png",
                "image/png",
                b"MZ\x90\x00\x03\x00",
            )],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert!(
            bad.body.contains("id=\"identity_proof-error\""),
            "{}",
            bad.body
        );
        assert!(bad.body.contains("请重新选择文件"));
        assert!(bad.body.contains("value=\"王五\""), "input kept");
        assert!(
            files_under(&dir).is_empty(),
            "a refused file leaves nothing"
        );
        // Over the size limit: a Chinese 413, nothing written.
        let big = vec![0u8; 11 * 1024 * 1024];
        let too_big = apply_with_files(
            &mut app,
            &fields,
            &[("identity_proof", "证件.png", "image/png", &big)],
        )
        .await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            too_big.body.contains("请压缩文件后重新提交"),
            "{}",
            too_big.body
        );
        assert!(files_under(&dir).is_empty());
        // A valid proof.
        let done = apply_with_files(
            &mut app,
            &fields,
            &[(
                "identity_proof",
                "身份证.png",
                "image/png",
                &gongkai_store::testing::png_with_author(),
            )],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("已收到身份证明文件“身份证.png”"));
        let number = between(&done.body, "受理编号：<strong>", "</strong>").to_owned();
        // On disk: one file, sealed (no PNG signature, no metadata, no plaintext).
        let files = files_under(&dir);
        assert_eq!(files.len(), 1, "{files:?}");
        let raw = std::fs::read(&files[0]).unwrap();
        assert!(gongkai_core::vault::Vault::is_sealed_bytes(&raw));
        assert!(!contains(&raw, b"\x89PNG"));
        assert!(!contains(&raw, b"Zhang San"));
        // In the database: the numbers are vault ciphertexts, never the plaintext.
        let a = gongkai_store::applications::list(
            &app.db,
            &[app.org_id("ccdpf").await],
            &gongkai_store::applications::ListFilter {
                q: Some(number.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .remove(0);
        for stored in [&a.pii_id_number, &a.pii_phone] {
            assert!(gongkai_core::vault::Vault::is_sealed(stored), "{stored}");
            assert!(!stored.contains("1101051949") && !stored.contains("88888888"));
        }
        assert_ne!(a.applicant_key, "", "blind index kept for the repeat check");
        assert!(a.identity_proof_id.is_some());
        // Staff see the numbers masked.
        app.login_demo("demo-office").await;
        let path = format!("/admin/applications/{}", a.id);
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains(ID), "{}", page.body);
        assert!(!page.body.contains("0431-88888888"));
        assert!(page.body.contains("已上传（image/png"));
        assert!(page.body.contains("显示完整信息"));
        // A reveal needs a reason.
        let no_reason = app
            .post(&format!("{path}/reveal"), &[("reason", " ")])
            .await;
        assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
        assert!(no_reason.body.contains("须填写事由"), "{}", no_reason.body);
        assert!(!no_reason.body.contains(ID));
        // With a reason: the full numbers, and an audit record naming the field and reason.
        let full = app
            .post(&format!("{path}/reveal"), &[("reason", "核对申请人身份")])
            .await;
        assert_eq!(full.status, StatusCode::OK);
        assert!(full.body.contains(ID));
        assert!(full.body.contains("0431-88888888"));
        let reveals = gongkai_store::audit::list(
            &app.db,
            &gongkai_store::audit::Filter {
                action: Some("personal.reveal".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(reveals.len(), 1);
        let after = reveals[0].after_json.clone().unwrap_or_default();
        assert!(after.contains("核对申请人身份") && after.contains("contact"));
        // The proof, opened from the vault: the stripped PNG.
        app.get(&path).await;
        let (status, headers, bytes) = app
            .post_bytes(&format!("{path}/proof"), &[("reason", "核对身份证明")])
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers.get("content-type").unwrap(), "image/png");
        assert!(
            headers
                .get("content-disposition")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert!(bytes.starts_with(b"\x89PNG"));
        assert!(!contains(&bytes, b"Zhang San"), "metadata stripped");
        // No office role, no reveal: the department head cannot, and the county office does
        // not even see the application.
        app.login_demo("demo-head").await;
        let head = app
            .post(&format!("{path}/reveal"), &[("reason", "核对申请人身份")])
            .await;
        assert!(head.status == StatusCode::FORBIDDEN || head.status == StatusCode::NOT_FOUND);
        assert!(!head.body.contains(ID));
        app.login_demo("demo-county-office").await;
        let county = app
            .post(&format!("{path}/proof"), &[("reason", "核对身份证明")])
            .await;
        assert_eq!(county.status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn sqlite() {
        let (app, dir) = app_with_files(gongkai_store::testing::TestDb::sqlite().await).await;
        run(app, dir.path().to_path_buf()).await;
    }

    #[tokio::test]
    async fn postgres() {
        let Some(t) = gongkai_store::testing::TestDb::postgres().await else {
            return;
        };
        let (app, dir) = app_with_files(t).await;
        run(app, dir.path().to_path_buf()).await;
    }
}

mod disguised_identity_proofs {
    use super::*;

    /// Issue #11, content-type confusion on the public upload: the declared Content-Type is
    /// ignored; a proof whose name does not fit its bytes, or whose bytes are not a JPG, PNG or
    /// PDF (a GIF/script polyglot, HTML named .txt), is a Chinese 400 by the field that leaves
    /// no file; a PDF declared as text/html (a PDF/HTML polyglot too) is kept as a PDF and
    /// handed to staff as `application/pdf`, as an attachment, with `nosniff`.
    async fn run(mut app: TestApp, dir: std::path::PathBuf) {
        let org = app.org_id("ccdpf").await.to_string();
        let fields = valid(&org);
        let mut admitted = Vec::new();
        for d in common::disguised_uploads() {
            let before = files_under(&dir).len();
            let r = apply_with_files(
                &mut app,
                &fields,
                &[("identity_proof", d.filename, d.declared, &d.bytes)],
            )
            .await;
            if d.really == Some("application/pdf") {
                assert_eq!(r.status, StatusCode::OK, "{}: {}", d.what, r.body);
                admitted.push((
                    d,
                    between(&r.body, "受理编号：<strong>", "</strong>").to_owned(),
                ));
                continue;
            }
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {}", d.what, r.body);
            assert!(
                r.body.contains("id=\"identity_proof-error\""),
                "{}: {}",
                d.what,
                r.body
            );
            assert!(r.body.contains("请重新选择文件"), "{}", d.what);
            assert_eq!(
                files_under(&dir).len(),
                before,
                "{}: nothing written",
                d.what
            );
        }
        assert_eq!(admitted.len(), 2);
        app.login_demo("demo-office").await;
        for (d, number) in admitted {
            let a = gongkai_store::applications::list(
                &app.db,
                &[app.org_id("ccdpf").await],
                &gongkai_store::applications::ListFilter {
                    q: Some(number),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .remove(0);
            let path = format!("/admin/applications/{}", a.id);
            app.get(&path).await;
            let (status, headers, bytes) = app
                .post_bytes(&format!("{path}/proof"), &[("reason", "核对身份证明")])
                .await;
            let served = common::Resp {
                status,
                headers,
                body: String::new(),
            };
            common::assert_served_as(&served, "application/pdf", d.what);
            assert!(
                served
                    .header("content-disposition")
                    .starts_with("attachment;"),
                "{}",
                d.what
            );
            assert_eq!(bytes, d.bytes, "{}", d.what);
        }
    }

    #[tokio::test]
    async fn sqlite() {
        let (app, dir) = app_with_files(gongkai_store::testing::TestDb::sqlite().await).await;
        run(app, dir.path().to_path_buf()).await;
    }

    #[tokio::test]
    async fn postgres() {
        let Some(t) = gongkai_store::testing::TestDb::postgres().await else {
            return;
        };
        let (app, dir) = app_with_files(t).await;
        run(app, dir.path().to_path_buf()).await;
    }
}

/// A one-message SMTP sink on 127.0.0.1: answers the commands a client sends and hands over the
/// DATA it received.
async fn smtp_sink() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    w.write_all(b"250 OK queued\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let cmd = line.to_ascii_uppercase();
            if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                w.write_all(b"250-sink\r\n250 8BITMIME\r\n").await.unwrap();
            } else if cmd.starts_with("DATA") {
                in_data = true;
                w.write_all(b"354 go ahead\r\n").await.unwrap();
            } else if cmd.starts_with("QUIT") {
                w.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                w.write_all(b"250 OK\r\n").await.unwrap();
            }
        }
        let _ = tx.send(data);
    });
    (port, rx)
}

mod reply_letter_drafted_rendered_and_sent {
    use super::*;

    /// Issue #6: the reply letter is composed from the decision (articles and remedy), checked
    /// before it is saved, rendered as HTML, PDF and DOCX, e-mailed through the configured SMTP
    /// relay (a local sink), recorded as sent, and shown to the applicant on the status page.
    async fn run(mut app: TestApp) {
        let org = app.org_id("ccdpf").await.to_string();
        let mut fields = valid(&org);
        fields.push(("email", "wangwu@example.cn"));
        let done = apply(&mut app, &fields).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let number = between(&done.body, "受理编号：<strong>", "</strong>").to_owned();
        let secret = between(&done.body, "查询密码：<strong>", "</strong>").to_owned();
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
        app.login_demo("demo-office").await;
        let path = format!("/admin/applications/{id}");
        app.get(&path).await;
        let today = gongkai_store::deadlines::today().to_string();
        let step = |s: &str| format!("{path}/step/{s}");
        assert_eq!(
            app.post(&step("confirm"), &[("date", &today)]).await.status,
            StatusCode::SEE_OTHER
        );
        // Before a decision there is no reply to compose.
        let early = app.get(&format!("{path}/letters?kind=reply")).await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        assert!(early.body.contains("尚有事项未作出决定"));
        let item = gongkai_store::applications::items(&app.db, id)
            .await
            .unwrap()[0]
            .id
            .to_string();
        app.get(&path).await;
        let decided = app
            .post(
                &step("decide"),
                &[
                    ("target", &item),
                    ("outcome", "denied.third_party"),
                    ("withheld_why", "涉及第三方商业秘密，第三方不同意公开"),
                    ("date", &today),
                ],
            )
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
        // The composed reply cites the articles and, for a denial, review first (REG §1.7).
        let draft = app.get(&format!("{path}/letters?kind=reply")).await;
        assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
        let title = between(&draft.body, "name=\"title\" type=\"text\" value=\"", "\"").to_owned();
        let body = between(&draft.body, "name=\"body\" rows=\"18\">", "</textarea>").to_owned();
        assert!(body.contains("应当先申请行政复议"), "{body}");
        assert!(
            body.contains("第十五条") || body.contains("第三十二条"),
            "{body}"
        );
        // A classification marking blocks saving; a third party's ID number needs confirmation.
        let marked = app
            .post(
                &format!("{path}/letters"),
                &[
                    ("kind", "reply"),
                    ("title", &title),
                    ("body", &format!("{body}\n机密★10年")),
                ],
            )
            .await;
        assert_eq!(marked.status, StatusCode::BAD_REQUEST);
        assert!(marked.body.contains("密级标志"), "{}", marked.body);
        let with_id = format!("{body}\n第三方身份证号 {ID}");
        let unconfirmed = app
            .post(
                &format!("{path}/letters"),
                &[("kind", "reply"), ("title", &title), ("body", &with_id)],
            )
            .await;
        assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
        assert!(unconfirmed.body.contains("勾选确认"));
        assert!(
            unconfirmed.body.contains("正文中的个人信息"),
            "the findings are listed"
        );
        let saved = app
            .post(
                &format!("{path}/letters"),
                &[("kind", "reply"), ("title", &title), ("body", &body)],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let letter = gongkai_store::applications::letters::list(&app.db, id)
            .await
            .unwrap()
            .remove(0);
        // HTML, PDF and DOCX.
        let base = format!("{path}/letters/{}", letter.id);
        let html = app.get(&format!("{base}/html")).await;
        assert_eq!(html.status, StatusCode::OK);
        assert!(html.body.contains("lang=\"zh-CN\"") && html.body.contains("应当先申请行政复议"));
        let (status, headers, pdf) = app.get_bytes(&format!("{base}/pdf")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
        assert!(pdf.starts_with(b"%PDF"));
        let (status, _, docx) = app.get_bytes(&format!("{base}/docx")).await;
        assert_eq!(status, StatusCode::OK);
        let text =
            gongkai_core::extract::extract_text(gongkai_core::filetype::FileKind::Docx, &docx)
                .unwrap()
                .text;
        assert!(text.contains("应当先申请行政复议"), "{text}");
        assert_eq!(
            app.get(&format!("{base}/odt")).await.status,
            StatusCode::NOT_FOUND
        );
        // Not sent before the confidentiality review clears it (条例 Art. 17).
        app.get(&path).await;
        let early = app
            .post(
                &format!("{base}/send"),
                &[("via", "online"), ("date", &today)],
            )
            .await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
        assert!(early.body.contains("尚未通过保密审查"), "{}", early.body);
        app.login_demo("demo-secrecy").await;
        let page = app.get(&base).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let cleared = app
            .post(
                &format!("{base}/review"),
                &[("conclusion", "cleared"), ("date", &today)],
            )
            .await;
        assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{}", cleared.body);
        app.login_demo("demo-office").await;
        // E-mail through the relay, then recorded as sent (masked address in the register).
        app.get(&path).await;
        let sent = app
            .post(
                &format!("{base}/send"),
                &[("via", "email"), ("date", &today), ("to", "")],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let letter = gongkai_store::applications::letters::list(&app.db, id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(letter.sent_via, "email");
        assert!(!letter.sent_to.contains("wangwu@"), "{}", letter.sent_to);
        // Sent once only.
        app.get(&path).await;
        let again = app
            .post(
                &format!("{base}/send"),
                &[("via", "online"), ("date", &today)],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        // The applicant sees the letter on the status page.
        app.clear_cookies();
        app.get("/apply/status").await;
        let status = app
            .post(
                "/apply/status",
                &[("tracking_no", &number), ("secret", &secret)],
            )
            .await;
        assert!(status.body.contains(&title), "{}", status.body);
        // Issue #10: the status page shows the letter as the HTML of the very document the
        // office prints or hands over (PDF/DOCX): one paragraph per line of the letter.
        let fragment =
            gongkai_documents::to_html_fragment(&gongkai_web::documents::letter(&letter)).unwrap();
        assert!(status.body.contains(&fragment), "{}", status.body);
        let first_line = body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap();
        assert!(
            fragment.contains(&format!(
                "<p>{}</p>",
                gongkai_documents::html_escape(first_line)
            )),
            "{fragment}"
        );
        // And the PDF is tagged: a structure tree, marked content, the document language.
        let pdf = lopdf::Document::load_mem(&pdf).unwrap();
        let catalog = pdf.catalog().unwrap();
        assert!(catalog.has(b"StructTreeRoot"), "{catalog:?}");
        assert!(catalog.has(b"MarkInfo"), "{catalog:?}");
        assert!(catalog.has(b"Lang"), "{catalog:?}");
    }

    async fn with_mail(t: gongkai_store::testing::TestDb) {
        let (port, rx) = smtp_sink().await;
        let config = gongkai_web::WebConfig {
            mail: Some(gongkai_web::mail::Mailer {
                smtp_url: format!("smtp://127.0.0.1:{port}"),
                from: "政务公开办公室 <gongkai@example.gov.cn>".into(),
            }),
            ..Default::default()
        };
        run(TestApp::with_config(t, config).await).await;
        let data = tokio::time::timeout(std::time::Duration::from_secs(10), rx)
            .await
            .unwrap()
            .unwrap();
        assert!(data.contains("To: wangwu@example.cn"), "{data}");
        assert!(data.contains("Subject:"), "{data}");
    }

    #[tokio::test]
    async fn sqlite() {
        with_mail(gongkai_store::testing::TestDb::sqlite().await).await;
    }

    #[tokio::test]
    async fn postgres() {
        let Some(t) = gongkai_store::testing::TestDb::postgres().await else {
            return;
        };
        with_mail(t).await;
    }
}

both_backends_app!(console_letter_confidentiality_review, |app| {
    // Issue #6: a letter passes the confidentiality review (保密审查) before it is sent; an
    // edit voids the review; only a confidentiality reviewer of the organisation may review.
    let org = app.org_id("ccdpf").await;
    let today = gongkai_store::deadlines::today();
    let mut tx = app.db.begin().await.unwrap();
    let created = gongkai_store::applications::create(
        &mut tx,
        &gongkai_store::audit::Actor::system(),
        &app.vault.get(),
        &gongkai_store::applications::NewApplication {
            org_id: org,
            channel: "in_person".into(),
            applicant_type: "natural_person".into(),
            applicant_name: "赵六".into(),
            id_kind: "resident_id".into(),
            id_number: ID.into(),
            phone: "13912345678".into(),
            info_form: "paper".into(),
            delivery: "in_person".into(),
            items: vec![gongkai_store::applications::NewItem {
                description: "2024年无障碍环境建设资金".into(),
                ..Default::default()
            }],
            arrived_on: Some(today),
            ..Default::default()
        },
        today,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let id = created.application.id;
    let t = today.to_string();
    app.login_demo("demo-office").await;
    app.get(&format!("/admin/applications/{id}/letters?kind=correction"))
        .await;
    let saved = app
        .post(
            &format!("/admin/applications/{id}/letters"),
            &[
                ("kind", "correction"),
                ("title", "补正申请告知书"),
                ("body", "赵六：\n\n请补充所需信息的文号。\n\n某机关"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let letter_path = saved.location().split('?').next().unwrap().to_owned();
    let lid = letter_path.rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        letter_path,
        format!("/admin/applications/{id}/letters/{lid}")
    );
    // The letter page: the check, the state of the review, no send form yet.
    let page = app.get(&letter_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("当前版本尚未审查"), "{}", page.body);
    assert!(page.body.contains("未发现密级标志"), "{}", page.body);
    assert!(
        !page.body.contains("记录审查意见"),
        "the office cannot review"
    );
    let apage = app.get(&format!("/admin/applications/{id}")).await;
    assert!(apage.body.contains("待保密审查"), "{}", apage.body);
    // Sending is refused with a Chinese 409.
    let refused = app
        .post(
            &format!("{letter_path}/send"),
            &[("via", "in_person"), ("date", &t), ("to", "赵六")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("尚未通过保密审查"),
        "{}",
        refused.body
    );
    // The office may not review (403); another county's office and the drafter see nothing.
    app.get(&letter_path).await;
    let wrong = app
        .post(
            &format!("{letter_path}/review"),
            &[("conclusion", "cleared"), ("date", &t)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    for user in ["demo-drafter", "demo-county-office"] {
        app.login_demo(user).await;
        assert_eq!(app.get(&letter_path).await.status, StatusCode::NOT_FOUND);
    }
    // The reviewer: the queue, the page, a refused and then an accepted review.
    app.login_demo("demo-secrecy").await;
    let queue = app.get("/admin/letters/review").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&letter_path), "{}", queue.body);
    let page = app.get(&letter_path).await;
    assert!(page.body.contains("记录审查意见"), "{}", page.body);
    let secret = app
        .post(
            &format!("{letter_path}/review"),
            &[
                ("conclusion", "cleared"),
                ("state_secret", "1"),
                ("date", &t),
            ],
        )
        .await;
    assert_eq!(secret.status, StatusCode::BAD_REQUEST);
    assert!(secret.body.contains("国家秘密"), "{}", secret.body);
    assert!(
        secret
            .body
            .contains("name=\"state_secret\" type=\"checkbox\" value=\"1\" checked"),
        "the input is kept"
    );
    app.get(&letter_path).await;
    let ok = app
        .post(
            &format!("{letter_path}/review"),
            &[("conclusion", "cleared"), ("date", &t)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = app.get(&letter_path).await;
    assert!(
        page.body.contains("同意发出（demo-secrecy"),
        "{}",
        page.body
    );
    // The office edits it after the review: a new revision that needs a new review.
    app.login_demo("demo-office").await;
    let form = app.get(&format!("{letter_path}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("原保密审查意见不再适用"));
    let edited = app
        .post(
            &letter_path,
            &[
                ("title", "补正申请告知书"),
                ("body", "赵六：\n\n请补充所需信息的文号和年份。\n\n某机关"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let page = app.get(&letter_path).await;
    assert!(page.body.contains("第2版"), "{}", page.body);
    assert!(page.body.contains("已修改，不再适用"), "{}", page.body);
    let refused = app
        .post(
            &format!("{letter_path}/send"),
            &[("via", "in_person"), ("date", &t), ("to", "赵六")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    // Reviewed again, then sent.
    app.login_demo("demo-secrecy").await;
    app.get(&letter_path).await;
    let ok = app
        .post(
            &format!("{letter_path}/review"),
            &[("conclusion", "cleared"), ("date", &t)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    app.login_demo("demo-office").await;
    let page = app.get(&letter_path).await;
    assert!(page.body.contains("发出告知书"), "{}", page.body);
    let sent = app
        .post(
            &format!("{letter_path}/send"),
            &[("via", "in_person"), ("date", &t), ("to", "赵六")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let letter = gongkai_store::applications::letters::list(&app.db, id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(letter.sent_on.as_deref(), Some(t.as_str()));
    assert_eq!(letter.revision, 2);
});
