//! The items console over HTTP on both backends (issue #4): the drafting editor with errors by
//! the field, every workflow step through the console forms, each return path, invalidation on
//! edit, amendment re-running the review chain while the old text stays public, the attachment
//! scanner gate (plain text and DOCX with a valid resident ID), permissions and organisation
//! scope, the Art. 26 dashboard, the registers, and the guide and rules columns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{DEMO_PASSWORD, TestApp};
use gongkai_core::auth::{Grant, Role};
use gongkai_store::audit::Actor;
use gongkai_store::testing::TestDb;
use gongkai_web::WebConfig;
use std::io::Write;

/// GB 11643 example with a valid check digit.
const RESIDENT_ID: &str = "11010519491231002X";
const INVALIDATION: &str = "此前的审核、保密审查和审批意见均已失效";

/// The demo application with attachments stored in a temporary folder.
async fn app_with_files(t: TestDb) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = WebConfig {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let app = TestApp::with_config(t, config).await;
    gongkai_store::calendar::seed_official(&app.db)
        .await
        .unwrap();
    (app, dir)
}

/// Runs a test body with file storage on SQLite and PostgreSQL.
macro_rules! console_test {
    ($name:ident, |$app:ident, $dir:ident| $body:block) => {
        mod $name {
            use super::*;

            #[allow(unused_variables)]
            async fn run(mut $app: TestApp, $dir: std::path::PathBuf) $body

            #[tokio::test]
            async fn sqlite() {
                let (app, dir) = app_with_files(TestDb::sqlite().await).await;
                run(app, dir.path().to_path_buf()).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(t) = TestDb::postgres().await else {
                    return;
                };
                let (app, dir) = app_with_files(t).await;
                run(app, dir.path().to_path_buf()).await;
            }
        }
    };
}

fn today() -> String {
    gongkai_store::deadlines::today().to_string()
}

/// The id in a `/admin/items/{id}?…` location.
fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/admin/items/")
        .split(['?', '#', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn kfb(app: &TestApp) -> String {
    app.org_id("ccdpf-kfb").await.to_string()
}

/// Creates a draft in 康复部 as the drafter (logged in already); returns its id.
async fn create(app: &mut TestApp, title: &str, body: &str) -> i64 {
    let org = kfb(app).await;
    app.get("/admin/items/new").await;
    let r = app
        .post(
            "/admin/items",
            &[
                ("org_id", org.as_str()),
                ("title", title),
                ("summary", "概述"),
                ("body_html", body),
                ("keywords", "康复"),
                ("formed_on", &today()),
                ("signed_on", ""),
                ("publisher_name", ""),
                ("doc_number", "长残联发〔2026〕1号"),
                ("catalog_code", "art20-01"),
                ("topic_code", ""),
                ("genre_code", ""),
                ("disclosure", "proactive"),
                ("withhold_ground", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id_from(r.location())
}

/// POSTs a step form from the item page (loads the page first for the CSRF token).
async fn step(app: &mut TestApp, id: i64, path: &str, fields: &[(&str, &str)]) -> common::Resp {
    app.get(&format!("/admin/items/{id}")).await;
    app.post(&format!("/admin/items/{id}/{path}"), fields).await
}

async fn ok_step(app: &mut TestApp, id: i64, path: &str, fields: &[(&str, &str)]) {
    let r = step(app, id, path, fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}: {}", r.body);
}

async fn state(app: &TestApp, id: i64) -> String {
    gongkai_store::items::get(&app.db, id)
        .await
        .unwrap()
        .unwrap()
        .state
}

const PASS: &[(&str, &str)] = &[
    ("legal_pass", "pass"),
    ("legal_comment", ""),
    ("policy_pass", "pass"),
    ("policy_comment", ""),
    ("wording_pass", "pass"),
    ("wording_comment", ""),
    ("secrecy_pass", "pass"),
    ("secrecy_comment", "不涉密"),
];

/// The 保密审查表 as the reviewer submits it (signed), concluding `conclusion`.
async fn confidentiality(app: &mut TestApp, id: i64, conclusion: &str, sign: bool) -> common::Resp {
    app.get(&format!("/admin/items/{id}/confidentiality")).await;
    let mut fields = vec![
        ("form_date", today()),
        ("originating_unit", "康复部".to_string()),
        ("info_title", String::new()),
        ("carrier", "document".into()),
        ("reference_no", String::new()),
        ("channel_web", "on".into()),
        ("planned_on", String::new()),
        ("disclosure", "proactive".into()),
        ("withhold_ground", String::new()),
        ("secrets_note", String::new()),
        ("drafter_opinion", "拟主动公开".into()),
        ("drafter_name", "承办人".into()),
        ("drafter_on", String::new()),
        ("head_opinion", "同意".into()),
        ("head_name", "科室负责人".into()),
        ("head_on", String::new()),
        ("conclusion", conclusion.into()),
        ("basis", "经审查不涉及国家秘密、工作秘密和个人隐私".into()),
        ("reviewer_name", String::new()),
        ("reviewed_on", today()),
        ("remarks", String::new()),
        ("rereview_due", String::new()),
    ];
    if sign {
        fields.push(("sign", "on".into()));
    }
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post(&format!("/admin/items/{id}/confidentiality"), &f)
        .await
}

/// Takes a draft through 提交 → 审核 → 保密审查 → 审批, each by its demo role.
async fn chain(app: &mut TestApp, id: i64) {
    app.login_demo("demo-drafter").await;
    ok_step(app, id, "submit", &[]).await;
    approve_from_submitted(app, id).await;
}

async fn approve_from_submitted(app: &mut TestApp, id: i64) {
    app.login_demo("demo-head").await;
    ok_step(app, id, "review", PASS).await;
    app.login_demo("demo-secrecy").await;
    let r = confidentiality(app, id, "publish", true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.login_demo("demo-leader").await;
    ok_step(app, id, "approve", &[("opinion", "同意发布")]).await;
    assert_eq!(state(app, id).await, "approved");
}

console_test!(editor_keeps_input_and_shows_errors_by_field, |app, dir| {
    app.login_demo("demo-drafter").await;
    let page = app.get("/admin/items/new").await;
    assert_eq!(page.status, StatusCode::OK);
    for field in [
        "标题",
        "内容概述",
        "正文",
        "生成日期",
        "成文日期",
        "发布机构",
        "文号",
        "公开目录",
        "主题分类",
        "体裁分类",
        "公开属性",
        "涉密",
        "主题词",
    ] {
        assert!(page.body.contains(field), "editor lacks {field}");
    }
    let org = kfb(&app).await;
    let r = app
        .post(
            "/admin/items",
            &[
                ("org_id", org.as_str()),
                ("title", ""),
                ("summary", "保留的概述"),
                ("body_html", "<p>正文<script>alert(1)</script></p>"),
                ("formed_on", "2026-13-40"),
                ("doc_number", "长残联发[2026]1号"),
                ("catalog_code", ""),
                ("disclosure", "proactive"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("error-summary"));
    assert!(r.body.contains("请填写标题"));
    assert!(r.body.contains("id=\"title-error\""));
    assert!(r.body.contains("生成日期须为 YYYY-MM-DD"));
    assert!(r.body.contains("六角括号"));
    assert!(r.body.contains("请选择公开目录"));
    assert!(r.body.contains("保留的概述"), "input kept");
    // Another organisation than the drafter's scope is refused by the field.
    let other = app.org_id("nanguan").await.to_string();
    let r = app
        .post(
            "/admin/items",
            &[
                ("org_id", other.as_str()),
                ("title", "标题"),
                ("formed_on", &today()),
                ("catalog_code", "art20-01"),
                ("disclosure", "proactive"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("您有起草权限的机构"));
    // A valid draft: sanitised body, page with the timeline.
    let id = create(&mut app, "关于康复服务的通知", "<p>正文</p>").await;
    let page = app.get(&format!("/admin/items/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("关于康复服务的通知"));
    assert!(page.body.contains("办理过程"));
    assert!(page.body.contains("起草"));
    assert!(page.body.contains("提交审核"));
    // The edit form is prefilled.
    let edit = app.get(&format!("/admin/items/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"关于康复服务的通知\""));
});

console_test!(lifecycle_with_every_return_path, |app, dir| {
    app.login_demo("demo-drafter").await;
    let id = create(
        &mut app,
        "关于开展残疾人康复服务的通知",
        "<p>第一版正文。</p>",
    )
    .await;

    // 1. 审核 returns: a failed check needs a comment (by the field), then returns with it.
    ok_step(&mut app, id, "submit", &[]).await;
    assert_eq!(state(&app, id).await, "submitted");
    app.login_demo("demo-head").await;
    let work = app.get("/admin/items/work").await;
    assert!(
        work.body.contains("关于开展残疾人康复服务的通知"),
        "in the head's queue"
    );
    let mut fail: Vec<(&str, &str)> = PASS.to_vec();
    fail[0] = ("legal_pass", "fail");
    let r = step(&mut app, id, "review", &fail).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("法律审核未通过时须填写意见"));
    assert!(r.body.contains("id=\"legal_comment-error\""));
    fail[1] = ("legal_comment", "引用的法规已废止");
    ok_step(&mut app, id, "review", &fail).await;
    assert_eq!(state(&app, id).await, "draft");
    let page = app.get(&format!("/admin/items/{id}")).await;
    assert!(
        page.body.contains("引用的法规已废止"),
        "reasons on the timeline"
    );

    // 2. 保密审查 returns with reasons (reasons required).
    app.login_demo("demo-drafter").await;
    ok_step(&mut app, id, "submit", &[]).await;
    app.login_demo("demo-head").await;
    ok_step(&mut app, id, "review", PASS).await;
    assert_eq!(state(&app, id).await, "reviewed");
    app.login_demo("demo-secrecy").await;
    let r = step(&mut app, id, "return", &[("reasons", "  ")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("退回时须说明理由"));
    ok_step(&mut app, id, "return", &[("reasons", "附件名单含个人信息")]).await;
    assert_eq!(state(&app, id).await, "draft");

    // 3. The leader returns at 审批.
    app.login_demo("demo-drafter").await;
    ok_step(&mut app, id, "submit", &[]).await;
    app.login_demo("demo-head").await;
    ok_step(&mut app, id, "review", PASS).await;
    app.login_demo("demo-secrecy").await;
    let r = confidentiality(&mut app, id, "publish", false).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "unsigned form refused");
    assert!(r.body.contains("请确认签署"));
    let r = confidentiality(&mut app, id, "publish", true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(state(&app, id).await, "confidentiality_reviewed");
    app.login_demo("demo-leader").await;
    ok_step(&mut app, id, "return", &[("reasons", "请补充政策依据")]).await;
    assert_eq!(state(&app, id).await, "draft");

    // 4. The office returns an approved item.
    chain(&mut app, id).await;
    app.login_demo("demo-office").await;
    ok_step(&mut app, id, "return", &[("reasons", "发布时间另行安排")]).await;
    assert_eq!(state(&app, id).await, "draft");

    // Invalidation on edit: after 审核, an edit voids the reviews and the page says so.
    app.login_demo("demo-drafter").await;
    ok_step(&mut app, id, "submit", &[]).await;
    app.login_demo("demo-head").await;
    ok_step(&mut app, id, "review", PASS).await;
    app.login_demo("demo-drafter").await;
    let edit = app.get(&format!("/admin/items/{id}/edit")).await;
    assert!(
        edit.body
            .contains("保存修改后，此前的审核、保密审查和审批意见均将失效")
    );
    let org = kfb(&app).await;
    let r = app
        .post(
            &format!("/admin/items/{id}"),
            &[
                ("org_id", org.as_str()),
                ("title", "关于开展残疾人康复服务的通知"),
                ("summary", "概述"),
                ("body_html", "<p>第二版正文。</p>"),
                ("keywords", "康复"),
                ("formed_on", &today()),
                ("doc_number", "长残联发〔2026〕1号"),
                ("catalog_code", "art20-01"),
                ("disclosure", "proactive"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location()).await;
    assert!(
        page.body.contains(INVALIDATION),
        "the page says the reviews are void"
    );
    assert!(page.body.contains("针对旧版本，已失效"));
    assert_eq!(state(&app, id).await, "draft");

    // Publish, with the whole chain on the current revision.
    chain(&mut app, id).await;
    app.login_demo("demo-office").await;
    ok_step(&mut app, id, "publish", &[]).await;
    assert_eq!(state(&app, id).await, "published");
    let public = app.get(&format!("/items/{id}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("第二版正文"));

    // Amend: a new revision through the chain; the old text stays public meanwhile.
    let form = app.get(&format!("/admin/items/{id}/amend")).await;
    assert_eq!(form.status, StatusCode::OK);
    let r = app
        .post(
            &format!("/admin/items/{id}/amend"),
            &[
                ("title", "关于开展残疾人康复服务的通知"),
                ("summary", "概述"),
                ("body_html", "<p>第三版正文。</p>"),
                ("keywords", "康复"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请填写修订说明"));
    assert!(r.body.contains("第三版正文"), "input kept");
    let r = app
        .post(
            &format!("/admin/items/{id}/amend"),
            &[
                ("title", "关于开展残疾人康复服务的通知"),
                ("summary", "概述"),
                ("body_html", "<p>第三版正文。</p>"),
                ("keywords", "康复"),
                ("note", "更正联系电话"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(state(&app, id).await, "submitted");
    let public = app.get(&format!("/items/{id}")).await;
    assert_eq!(
        public.status,
        StatusCode::OK,
        "still public while in review"
    );
    assert!(public.body.contains("第二版正文"));
    assert!(!public.body.contains("第三版正文"));
    let page = app.get(&format!("/admin/items/{id}")).await;
    assert!(page.body.contains("公众现在看到的是第"));
    approve_from_submitted(&mut app, id).await;
    app.login_demo("demo-office").await;
    ok_step(&mut app, id, "publish", &[]).await;
    let public = app.get(&format!("/items/{id}")).await;
    assert!(public.body.contains("第三版正文"));
    assert!(
        public.body.contains("更正联系电话"),
        "public revision history"
    );

    // 失效 with date and replacing document; then withdrawal.
    let r = step(
        &mut app,
        id,
        "validity",
        &[("validity", "expired"), ("effective_on", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("须填写日期"));
    ok_step(
        &mut app,
        id,
        "validity",
        &[
            ("validity", "expired"),
            ("effective_on", &today()),
            ("replaced_by", "长残联发〔2026〕9号"),
            ("validity_note", ""),
        ],
    )
    .await;
    let public = app.get(&format!("/items/{id}")).await;
    assert!(public.body.contains("长残联发〔2026〕9号"));
    ok_step(
        &mut app,
        id,
        "withdraw",
        &[("withdraw_reason", "内容已由新文件替代")],
    )
    .await;
    let public = app.get(&format!("/items/{id}")).await;
    assert_eq!(public.status, StatusCode::GONE);

    // The timeline shows every step with who did it.
    let page = app.get(&format!("/admin/items/{id}")).await;
    for label in [
        "起草",
        "提交审核",
        "退回修改",
        "审核通过",
        "保密审查同意公开",
        "审批同意",
        "修改",
        "发布",
        "修订",
        "变更有效性",
        "撤回",
    ] {
        assert!(page.body.contains(label), "timeline lacks {label}");
    }
    for who in [
        "demo-drafter",
        "demo-head",
        "demo-secrecy",
        "demo-leader",
        "demo-office",
    ] {
        assert!(page.body.contains(who), "timeline lacks {who}");
    }
    let verified = gongkai_store::audit::verify(&app.db).await.unwrap();
    assert_eq!(verified.first_broken, None);
});

console_test!(wrong_role_and_wrong_state_are_refused, |app, dir| {
    app.login_demo("demo-drafter").await;
    let id = create(&mut app, "权限测试", "<p>正文</p>").await;
    ok_step(&mut app, id, "submit", &[]).await;
    // The drafter cannot review (403); publishing an unreviewed item is a wrong state (409).
    let r = step(&mut app, id, "review", PASS).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.login_demo("demo-office").await;
    let r = step(&mut app, id, "publish", &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("不能执行"));
    // The auditor has no item role at all.
    app.login_demo("demo-auditor").await;
    assert_eq!(
        app.get(&format!("/admin/items/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/items/work").await.status,
        StatusCode::FORBIDDEN
    );
});

console_test!(other_organisations_items_are_invisible, |app, dir| {
    // A drafter of 南关区残联 (org B) and an item of 康复部 (org A).
    let nanguan = app.org_id("nanguan").await;
    let mut tx = app.db.begin().await.unwrap();
    gongkai_store::users::create(
        &mut tx,
        &Actor::system(),
        &gongkai_store::users::NewUser {
            username: "nanguan-drafter".into(),
            display_name: "南关区承办人".into(),
            org_id: nanguan,
            password: DEMO_PASSWORD.into(),
            grants: vec![Grant {
                role: Role::Drafter,
                scope: nanguan,
            }],
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.login_demo("demo-drafter").await;
    let id = create(&mut app, "康复部内部事项通知", "<p>正文</p>").await;

    app.login_demo("nanguan-drafter").await;
    let page = app.get(&format!("/admin/items/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("康复部内部事项通知"));
    for path in ["edit", "amend", "confidentiality"] {
        let r = app.get(&format!("/admin/items/{id}/{path}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    app.get("/admin/items/work").await;
    for (path, fields) in [
        ("submit", vec![]),
        ("return", vec![("reasons", "x")]),
        ("withdraw", vec![("withdraw_reason", "x")]),
    ] {
        let r = app
            .post(&format!("/admin/items/{id}/{path}"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(state(&app, id).await, "draft", "nothing changed");
    let work = app.get("/admin/items/work").await;
    assert!(!work.body.contains("康复部内部事项通知"));
    assert!(
        work.body.contains("南关区残疾人家庭无障碍改造需求调查情况"),
        "own org's draft listed"
    );
    let all = app.get("/admin/items?q=康复部内部").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(!all.body.contains("康复部内部事项通知"));
    // The county office sees its own county only.
    app.login_demo("demo-county-office").await;
    let all = app.get("/admin/items").await;
    assert!(!all.body.contains("康复部内部事项通知"));
    assert_eq!(
        app.get(&format!("/admin/items/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
});

// ---------------------------------------------------------------------------------------------
// Attachments and the scanner gate.

async fn upload(app: &mut TestApp, id: i64, name: &str, data: &[u8]) -> common::Resp {
    app.get(&format!("/admin/items/{id}")).await;
    app.post_multipart(
        &format!("/admin/items/{id}/files"),
        &[("alt", "")],
        &[("file", name, "application/octet-stream", data)],
    )
    .await
}

fn docx(text: &str) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:body></w:document>"#
    );
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", opts).unwrap();
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#).unwrap();
    w.start_file("word/document.xml", opts).unwrap();
    w.write_all(document.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

fn files_on_disk(dir: &std::path::Path) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() { walk(&p) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&dir.join("files"))
}

console_test!(
    resident_id_in_a_text_attachment_blocks_until_masked,
    |app, dir| {
        app.login_demo("demo-drafter").await;
        let id = create(&mut app, "补贴对象名单公示", "<p>名单见附件。</p>").await;
        // A refused upload (not an allowed type) answers in Chinese and leaves no file behind.
        let before = files_on_disk(&dir);
        let r = upload(&mut app, id, "run.exe", b"MZ\x90\x00binary").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("id=\"upload-error\""));
        let r = upload(&mut app, id, "fake.pdf", b"plain words, not a PDF").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(files_on_disk(&dir), before, "no file left behind");
        let r = upload(&mut app, id, "", b"").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("请选择要上传的文件"));

        let text = format!("补贴对象：张某，身份证号 {RESIDENT_ID}，补贴 300 元。\n");
        let r = upload(&mut app, id, "名单.txt", text.as_bytes()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(&format!("/admin/items/{id}")).await;
        assert!(page.body.contains("名单.txt"));
        assert!(page.body.contains("1 处须处理"));
        assert!(
            !page.body.contains(RESIDENT_ID),
            "the console never repeats the ID"
        );

        // The whole chain passes, but publication is refused by the gate.
        chain(&mut app, id).await;
        app.login_demo("demo-office").await;
        let r = step(&mut app, id, "publish", &[]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("附件中还有 1 处须处理的扫描发现"),
            "{}",
            r.body
        );
        assert_eq!(state(&app, id).await, "approved");

        // One-click masking: a masked copy replaces the file, a new revision voids the reviews.
        app.login_demo("demo-drafter").await;
        let file = gongkai_store::attachments::list_for(
            &app.db,
            gongkai_store::attachments::Owner {
                owner_type: "item",
                owner_id: id,
            },
        )
        .await
        .unwrap()
        .remove(0);
        ok_step(&mut app, id, &format!("files/{}/mask", file.id), &[]).await;
        assert_eq!(state(&app, id).await, "draft");
        let page = app.get(&format!("/admin/items/{id}")).await;
        assert!(page.body.contains(INVALIDATION));
        assert!(page.body.contains("附件《名单.txt》一键遮蔽"));

        chain(&mut app, id).await;
        app.login_demo("demo-office").await;
        ok_step(&mut app, id, "publish", &[]).await;
        let public = app.get(&format!("/items/{id}")).await;
        assert_eq!(public.status, StatusCode::OK);
        let href = public
            .body
            .split("href=\"/files/")
            .nth(1)
            .map(|s| format!("/files/{}", &s[..s.find('"').unwrap()]))
            .expect("attachment link");
        let download = app.get(&href).await;
        assert_eq!(download.status, StatusCode::OK);
        assert!(
            !download.body.contains(RESIDENT_ID),
            "only the masked form is published"
        );
        assert!(download.body.contains("补贴对象"));
    }
);

console_test!(resident_id_in_a_docx_blocks_until_resolved, |app, dir| {
    app.login_demo("demo-drafter").await;
    let id = create(&mut app, "康复机构名单", "<p>见附件。</p>").await;
    let bytes = docx(&format!("联系人身份证号 {RESIDENT_ID}"));
    let r = upload(&mut app, id, "名单.docx", &bytes).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&format!("/admin/items/{id}")).await;
    assert!(page.body.contains("1 处须处理"));
    chain(&mut app, id).await;
    app.login_demo("demo-office").await;
    let r = step(&mut app, id, "publish", &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("附件中还有"));
    // Masking turns the DOCX into its masked text.
    app.login_demo("demo-drafter").await;
    let att = gongkai_store::attachments::list_for(
        &app.db,
        gongkai_store::attachments::Owner {
            owner_type: "item",
            owner_id: id,
        },
    )
    .await
    .unwrap()
    .remove(0);
    ok_step(&mut app, id, &format!("files/{}/mask", att.id), &[]).await;
    let page = app.get(&format!("/admin/items/{id}")).await;
    assert!(page.body.contains("名单（遮蔽后）.txt"));
    assert!(!page.body.contains("1 处须处理"));
    chain(&mut app, id).await;
    app.login_demo("demo-office").await;
    ok_step(&mut app, id, "publish", &[]).await;
    assert_eq!(state(&app, id).await, "published");
});

console_test!(
    removing_an_attachment_or_justifying_resolves_it,
    |app, dir| {
        app.login_demo("demo-drafter").await;
        let id = create(&mut app, "附件处理测试", "<p>正文</p>").await;
        let text = format!("身份证号 {RESIDENT_ID}");
        upload(&mut app, id, "a.txt", text.as_bytes()).await;
        let att = gongkai_store::attachments::list_for(
            &app.db,
            gongkai_store::attachments::Owner {
                owner_type: "item",
                owner_id: id,
            },
        )
        .await
        .unwrap()
        .remove(0);
        ok_step(&mut app, id, &format!("files/{}/remove", att.id), &[]).await;
        let page = app.get(&format!("/admin/items/{id}")).await;
        assert!(page.body.contains("没有附件"));
        // A justification needs words; then the finding no longer blocks.
        upload(&mut app, id, "b.txt", text.as_bytes()).await;
        let f = gongkai_store::items::files::list(&app.db, id)
            .await
            .unwrap();
        let open = f.iter().find(|f| f.is_open_blocking()).unwrap().id;
        let r = step(
            &mut app,
            id,
            &format!("file-findings/{open}/justify"),
            &[("justification", "x")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("至少 4 个字"));
        ok_step(
            &mut app,
            id,
            &format!("file-findings/{open}/justify"),
            &[("justification", "已取得本人书面同意公开")],
        )
        .await;
        chain(&mut app, id).await;
        app.login_demo("demo-office").await;
        ok_step(&mut app, id, "publish", &[]).await;
        assert_eq!(state(&app, id).await, "published");
    }
);

// ---------------------------------------------------------------------------------------------
// Text findings in the console.

console_test!(text_findings_mask_in_one_click, |app, dir| {
    app.login_demo("demo-drafter").await;
    let body = format!("<p>申请人身份证号码：{RESIDENT_ID}。</p>");
    let id = create(&mut app, "人员情况公示", &body).await;
    let page = app.get(&format!("/admin/items/{id}")).await;
    assert!(page.body.contains("正文扫描发现"));
    assert!(
        !page.body.contains(&format!("{RESIDENT_ID}</td>")),
        "masked in the table"
    );
    let r = step(&mut app, id, "findings/fix", &[("fix", "mask")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请勾选要处理的扫描发现"));
    let rev = gongkai_store::items::get(&app.db, id)
        .await
        .unwrap()
        .unwrap()
        .current_revision_id
        .unwrap();
    let fid = gongkai_store::items::findings::list(&app.db, rev)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.is_open_blocking())
        .unwrap()
        .id
        .to_string();
    ok_step(
        &mut app,
        id,
        "findings/fix",
        &[("finding_id", fid.as_str()), ("fix", "mask")],
    )
    .await;
    chain(&mut app, id).await;
    app.login_demo("demo-office").await;
    ok_step(&mut app, id, "publish", &[]).await;
    let public = app.get(&format!("/items/{id}")).await;
    assert!(!public.body.contains(RESIDENT_ID));
});

// ---------------------------------------------------------------------------------------------
// Dashboard, lists and registers.

console_test!(art26_dashboard_and_rereview_list, |app, dir| {
    app.login_demo("demo-office").await;
    let page = app.get("/admin/items/deadlines").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("已逾期"));
    assert!(
        page.body.contains("残疾儿童康复救助定点机构名单"),
        "overdue demo draft"
    );
    assert!(page.body.contains("南关区残疾人家庭无障碍改造需求调查情况"));
    assert!(page.body.contains("各机构情况"));
    // The county office sees its county only.
    app.login_demo("demo-county-office").await;
    let page = app.get("/admin/items/deadlines").await;
    assert!(page.body.contains("南关区残疾人家庭无障碍改造需求调查情况"));
    assert!(!page.body.contains("残疾儿童康复救助定点机构名单"));
    app.login_demo("demo-secrecy").await;
    let page = app.get("/admin/items/rereview").await;
    assert_eq!(page.status, StatusCode::OK);
    app.login_demo("demo-office").await;
    let all = app.get("/admin/items?state=published").await;
    assert_eq!(all.status, StatusCode::OK);
    let bad = app.get("/admin/items?state=nonsense").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("请从列表中选择状态"));
});

console_test!(vocabularies_templates_and_commitments, |app, dir| {
    app.login_demo("demo-admin").await;
    let page = app.get("/admin/vocab?kind=catalog").await;
    assert_eq!(page.status, StatusCode::OK);
    let r = app
        .post(
            "/admin/vocab",
            &[
                ("kind", "catalog"),
                ("code", "坏 代码"),
                ("label", "x"),
                ("sort_order", "1"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("代码须为"));
    let r = app
        .post(
            "/admin/vocab",
            &[
                ("kind", "catalog"),
                ("code", "local-01"),
                ("label", "本地专题"),
                ("group_label", "其他"),
                ("sort_order", "900"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get("/admin/vocab?kind=catalog")
            .await
            .body
            .contains("本地专题")
    );
    app.get("/admin/index-templates").await;
    let kfb = kfb(&app).await;
    let r = app
        .post(
            "/admin/index-templates",
            &[("org_id", kfb.as_str()), ("template", "{nonsense")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post(
            "/admin/index-templates",
            &[
                ("org_id", kfb.as_str()),
                ("template", "KFB-{YYYY}-{serial:04}"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        app.get("/admin/index-templates")
            .await
            .body
            .contains("KFB-2026-0001")
    );
    // The drafter may not configure.
    app.login_demo("demo-drafter").await;
    assert_eq!(app.get("/admin/vocab").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/admin/commitments").await.status,
        StatusCode::FORBIDDEN
    );

    // 保密承诺书 with a scanned document.
    app.login_demo("demo-office").await;
    let page = app.get("/admin/commitments").await;
    assert!(page.body.contains("演示保密审查员"), "demo register");
    let root = app.org_id("ccdpf").await.to_string();
    let today = today();
    let r = app
        .post_multipart(
            "/admin/commitments",
            &[
                ("org_id", root.as_str()),
                ("person_name", "王某"),
                ("role", "承办人"),
                ("signed_on", today.as_str()),
                ("document_ref", "BM-2026-007"),
            ],
            &[(
                "scan",
                "承诺书.txt",
                "text/plain",
                "本人承诺遵守保密纪律。".as_bytes(),
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get("/admin/commitments").await;
    assert!(page.body.contains("王某") && page.body.contains("BM-2026-007"));
    let href = page
        .body
        .split("href=\"/admin/commitments/files/")
        .nth(1)
        .map(|s| format!("/admin/commitments/files/{}", &s[..s.find('"').unwrap()]))
        .unwrap();
    let scan = app.get(&href).await;
    assert_eq!(scan.status, StatusCode::OK);
    assert!(scan.body.contains("保密纪律"));
    // Bad input by the field.
    app.get("/admin/commitments").await;
    let r = app
        .post(
            "/admin/commitments",
            &[
                ("org_id", root.as_str()),
                ("person_name", ""),
                ("role", ""),
                ("signed_on", "昨天"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请填写签订人姓名"));
    assert!(r.body.contains("签订日期须为 YYYY-MM-DD"));
    // An upload without the token is refused.
    let req = Request::post("/admin/commitments")
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=xx")
        .body(Body::from("--xx--\r\n"))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
});

console_test!(guide_and_rules_are_edited_in_the_console, |app, dir| {
    // The demo guide has every Art. 12 field.
    let public = app.get("/guide").await;
    assert_eq!(public.status, StatusCode::OK);
    for h in [
        "政府信息的分类",
        "编排体系",
        "获取方式",
        "办公地址",
        "办公时间",
        "联系电话",
        "传真号码",
        "互联网联系方式",
    ] {
        assert!(public.body.contains(h), "guide lacks {h}");
    }
    app.login_demo("demo-office").await;
    let page = app.get("/admin/guide").await;
    assert_eq!(page.status, StatusCode::OK);
    let r = app
        .post(
            "/admin/guide",
            &[
                ("classification", "分类"),
                ("arrangement", "编排"),
                ("access_methods", "方式"),
                ("office_name", "办公室"),
                ("address", ""),
                ("office_hours", "工作日"),
                ("phone", "0431-1"),
                ("fax", ""),
                ("internet", "网站"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请填写办公地址"));
    assert!(r.body.contains("请填写传真号码"));
    assert!(r.body.contains("value=\"办公室\""), "input kept");
    let r = app
        .post(
            "/admin/guide",
            &[
                ("intro", ""),
                ("classification", "按条例第二十条分类"),
                ("arrangement", "按索引号编排"),
                ("access_methods", "网站查阅"),
                ("office_name", "政务公开办公室"),
                ("address", "人民大街 1 号"),
                ("office_hours", "工作日"),
                ("phone", "0431-1"),
                ("fax", "0431-2"),
                ("internet", "gongkai@example.cn"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let public = app.get("/guide").await;
    assert!(public.body.contains("人民大街 1 号"));

    app.get("/admin/rules").await;
    let r = app
        .post(
            "/admin/rules",
            &[
                ("title", "某制度"),
                ("url", "javascript:alert(1)"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("全文链接须为"));
    let r = app
        .post(
            "/admin/rules",
            &[
                ("title", "长春市残联依申请公开工作规程"),
                ("issuer", "长春市残联"),
                ("issued_on", "2020-01-02"),
                ("url", "/items/1"),
                ("sort_order", "5"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let public = app.get("/rules").await;
    assert!(public.body.contains("长春市残联依申请公开工作规程"));
    assert!(
        public.body.contains("中华人民共和国政府信息公开条例"),
        "demo rules"
    );
    // Hidden rules leave the portal.
    let body = app.org_id("ccdpf").await;
    let rules = gongkai_store::guide::rules(&app.db, body, false)
        .await
        .unwrap();
    let rid = rules
        .iter()
        .find(|r| r.title == "长春市残联依申请公开工作规程")
        .unwrap()
        .id;
    app.get(&format!("/admin/rules/{rid}/edit")).await;
    let r = app
        .post(
            &format!("/admin/rules/{rid}"),
            &[
                ("title", "长春市残联依申请公开工作规程"),
                ("url", ""),
                ("active", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !app.get("/rules")
            .await
            .body
            .contains("长春市残联依申请公开工作规程")
    );
    // Others may not edit.
    app.login_demo("demo-drafter").await;
    assert_eq!(app.get("/admin/guide").await.status, StatusCode::FORBIDDEN);
});

// ---------------------------------------------------------------------------------------------
// Snapshot of the console item page.

#[tokio::test]
async fn console_item_page_snapshot() {
    let (mut app, _dir) = app_with_files(TestDb::sqlite().await).await;
    app.login_demo("demo-drafter").await;
    let id = create(&mut app, "关于开展残疾人康复服务的通知", "<p>正文。</p>").await;
    ok_step(&mut app, id, "submit", &[]).await;
    app.login_demo("demo-head").await;
    let mut fail: Vec<(&str, &str)> = PASS.to_vec();
    fail[4] = ("wording_pass", "fail");
    fail[5] = ("wording_comment", "标题不规范");
    ok_step(&mut app, id, "review", &fail).await;
    app.login_demo("demo-drafter").await;
    let page = app.get(&format!("/admin/items/{id}")).await;
    let main = page
        .body
        .split("<main")
        .nth(1)
        .unwrap()
        .split("</main>")
        .next()
        .unwrap();
    let times = regex::Regex::new(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?").unwrap();
    let csrf = regex::Regex::new(r#"name="csrf" value="[^"]+""#).unwrap();
    let ids = regex::Regex::new(r"/items/\d+").unwrap();
    let s = times.replace_all(main, "[date]");
    let s = csrf.replace_all(&s, r#"name="csrf" value="[csrf]""#);
    let token_in_url = regex::Regex::new(r"csrf=[0-9A-Za-z_-]+").unwrap();
    let s = token_in_url.replace_all(&s, "csrf=[csrf]");
    let s = ids.replace_all(&s, "/items/[id]");
    insta::assert_snapshot!("console_item_page", s);
}

/// The `/admin/commitments/files/{aid}` links of the register page.
fn scan_links(body: &str) -> Vec<String> {
    body.split("href=\"/admin/commitments/files/")
        .skip(1)
        .filter_map(|s| {
            s.find('"')
                .map(|e| format!("/admin/commitments/files/{}", &s[..e]))
        })
        .collect()
}

console_test!(
    disguised_uploads_are_refused_or_kept_as_what_they_are,
    |app, dir| {
        // Issue #11, content-type confusion, on the two console uploads: an item's attachment and a
        // scanned 保密承诺书. The declared Content-Type is ignored; a name that does not fit the bytes
        // is a Chinese 400 that writes nothing; what is admitted is stored, and served back, as the
        // type its bytes really are.
        app.login_demo("demo-drafter").await;
        let id = create(&mut app, "附件类型核验", "<p>正文</p>").await;
        let owner = gongkai_store::attachments::Owner {
            owner_type: gongkai_store::items::OBJECT_TYPE,
            owner_id: id,
        };
        for d in common::disguised_uploads() {
            let before = files_on_disk(&dir);
            app.get(&format!("/admin/items/{id}")).await;
            let r = app
                .post_multipart(
                    &format!("/admin/items/{id}/files"),
                    &[("alt", "示意图")],
                    &[("file", d.filename, d.declared, &d.bytes)],
                )
                .await;
            match d.really {
                None => {
                    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {}", d.what, r.body);
                    assert!(r.body.contains("id=\"upload-error\""), "{}", d.what);
                    assert!(
                        ["不支持的文件类型", "与内容不符", "不接受压缩包"]
                            .iter()
                            .any(|m| r.body.contains(m)),
                        "{}: {}",
                        d.what,
                        r.body
                    );
                    assert_eq!(files_on_disk(&dir), before, "{}: nothing written", d.what);
                }
                Some(media) => {
                    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", d.what, r.body);
                    let stored = gongkai_store::attachments::list_for(&app.db, owner)
                        .await
                        .unwrap()
                        .into_iter()
                        .find(|a| a.filename == d.filename)
                        .unwrap_or_else(|| panic!("{} not attached", d.what));
                    assert_eq!(stored.media_type, media, "{}", d.what);
                }
            }
        }

        app.login_demo("demo-office").await;
        let root = app.org_id("ccdpf").await.to_string();
        let today = today();
        for d in common::disguised_uploads() {
            let before = files_on_disk(&dir);
            let links = scan_links(&app.get("/admin/commitments").await.body);
            let r = app
                .post_multipart(
                    "/admin/commitments",
                    &[
                        ("org_id", root.as_str()),
                        ("person_name", "赵某"),
                        ("role", "承办人"),
                        ("signed_on", today.as_str()),
                        ("document_ref", d.what),
                    ],
                    &[("scan", d.filename, d.declared, &d.bytes)],
                )
                .await;
            let Some(media) = d.really else {
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {}", d.what, r.body);
                assert!(
                    ["不支持的文件类型", "与内容不符", "不接受压缩包"]
                        .iter()
                        .any(|m| r.body.contains(m)),
                    "{}: {}",
                    d.what,
                    r.body
                );
                assert_eq!(files_on_disk(&dir), before, "{}: nothing written", d.what);
                continue;
            };
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", d.what, r.body);
            let after = scan_links(&app.get("/admin/commitments").await.body);
            let new: Vec<&String> = after.iter().filter(|l| !links.contains(l)).collect();
            assert_eq!(new.len(), 1, "{}: {after:?}", d.what);
            let got = app.get(new[0]).await;
            common::assert_served_as(&got, media, d.what);
            assert!(
                got.header("content-disposition").starts_with("attachment;"),
                "{}",
                d.what
            );
        }
    }
);
