//! Issue #5 through the real router on SQLite and PostgreSQL: the parent's queue and decisions
//! (a county's own office and a sibling cannot see or decide; the city publishes), the ranking
//! with CSV/XLSX export, the syndication register with its form errors, ZIP package and Atom
//! feed, the WeChat export, and interpretations shown on both public pages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use std::io::Read;

use axum::http::StatusCode;
use common::TestApp;
use gongkai_core::auth::Role;
use gongkai_core::items::{Capabilities, Check, Disclosure, ReviewChecks};
use gongkai_store::audit::Actor;
use gongkai_store::items::review::{self, Conclusion, ConfidentialityForm};
use gongkai_store::items::{self, Content, Metadata, publish};
use gongkai_store::{channels, deadlines, grassroots, interpretations, syndication};

fn caps(role: Role) -> Capabilities {
    Capabilities::from_roles(&[role])
}

/// Creates an item in `org_id` and drives it to 审批 through the store.
async fn approved(app: &TestApp, org_id: i64, title: &str) -> i64 {
    let a = Actor::system();
    let today = deadlines::today();
    let mut tx = app.db.begin().await.unwrap();
    let meta = Metadata {
        formed_on: today,
        signed_on: None,
        publisher_name: String::new(),
        doc_number: String::new(),
        topic_code: String::new(),
        genre_code: String::new(),
        catalog_code: "art20-15".into(),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        classified: false,
    };
    let content = Content {
        title: title.into(),
        summary: "基层工作动态".into(),
        body_html: "<p>正文。</p>".into(),
        keywords: String::new(),
    };
    let item = items::create(&mut tx, &a, org_id, caps(Role::Drafter), &meta, &content)
        .await
        .unwrap();
    items::submit(&mut tx, &a, item.id, caps(Role::Drafter))
        .await
        .unwrap();
    let ok = Check {
        passed: true,
        comment: "同意".into(),
    };
    let checks = ReviewChecks {
        legal: ok.clone(),
        policy: ok.clone(),
        wording: ok.clone(),
        secrecy: ok,
    };
    review::review(&mut tx, &a, item.id, caps(Role::DepartmentHead), &checks)
        .await
        .unwrap();
    let form = ConfidentialityForm {
        form_date: today,
        originating_unit: "办公室".into(),
        info_title: String::new(),
        is_document: false,
        reference_no: String::new(),
        channels: vec![],
        planned_on: None,
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        state_secret: false,
        work_secret: false,
        commercial_secret: false,
        personal_privacy: false,
        secrets_note: String::new(),
        drafter_opinion: "公开".into(),
        drafter_name: "承办人".into(),
        drafter_on: Some(today),
        head_opinion: String::new(),
        head_name: String::new(),
        head_on: None,
        conclusion: Conclusion::Publish,
        basis: "不涉密".into(),
        reviewer_name: String::new(),
        reviewed_on: today,
        remarks: String::new(),
        rereview_due: None,
    };
    review::confidentiality_review(
        &mut tx,
        &a,
        item.id,
        caps(Role::ConfidentialityReviewer),
        &form,
    )
    .await
    .unwrap();
    review::approve(&mut tx, &a, item.id, caps(Role::ApprovingLeader), "同意")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    item.id
}

/// The text layer of a PDF through poppler's `pdftotext`; `None` (skipped with a note) when the
/// tool is missing, which fails under `CI=true` (scripts/test-deps.sh installs poppler-utils).
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(o) => {
            assert!(
                o.status.success(),
                "pdftotext failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(String::from_utf8(o.stdout).unwrap())
        }
        Err(e) => {
            assert!(
                std::env::var("CI").is_err(),
                "pdftotext is required under CI (poppler-utils): {e}"
            );
            eprintln!("!!! pdftotext not installed: PDF text check skipped");
            None
        }
    }
}

/// Validates package metadata against `docs/schemas/syndication-package.schema.json` with the
/// independent Python `jsonschema` (draft 2020-12, formats checked) of the oracle venv.
fn validate_package_metadata(instance: &serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.json");
    let inst = dir.path().join("instance.json");
    std::fs::write(&schema, syndication::PACKAGE_SCHEMA).unwrap();
    std::fs::write(&inst, serde_json::to_vec(instance).unwrap()).unwrap();
    let venv = std::env::var("GONGKAI_VENV").unwrap_or_else(|_| "/var/tmp/gongkai-venv".into());
    let script = "import json,sys,jsonschema\n\
        s=json.load(open(sys.argv[1])); i=json.load(open(sys.argv[2]))\n\
        jsonschema.Draft202012Validator.check_schema(s)\n\
        jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker()).validate(i)\n\
        print('valid')";
    let out = std::process::Command::new(std::path::Path::new(&venv).join("bin/python"))
        .args(["-c", script])
        .arg(&schema)
        .arg(&inst)
        .output();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match out {
        Ok(o) if o.status.success() => {
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "valid")
        }
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            if err.contains("No module named 'jsonschema'") && !ci {
                eprintln!("!!! python jsonschema missing: schema validation skipped");
                return;
            }
            panic!("package metadata does not validate: {err}");
        }
        Err(e) if !ci => eprintln!("!!! oracle venv missing ({e}): schema validation skipped"),
        Err(e) => panic!("the oracle venv's python is required under CI: {e}"),
    }
}

async fn register_counties(app: &TestApp) {
    let mut tx = app.db.begin().await.unwrap();
    for code in ["nanguan", "kuancheng"] {
        let id = app.org_id(code).await;
        grassroots::set_unit(&mut tx, &Actor::system(), id, true)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

both_backends_app!(parent_queue_across_scopes_and_ranking_export, |app| {
    register_counties(&app).await;
    let nanguan = app.org_id("nanguan").await;
    let item = approved(&app, nanguan, "南关区残联开展助残日活动").await;
    let sub = grassroots::queue(&app.db, &[app.org_id("ccdpf").await], 10)
        .await
        .unwrap()[0]
        .id;

    // The county's own disclosure office: no queue, no decision, no way around the parent.
    app.login_demo("demo-county-office").await;
    let page = app.get("/admin/grassroots").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("南关区残联开展助残日活动"));
    assert_eq!(
        app.get(&format!("/admin/grassroots/{sub}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            &format!("/admin/grassroots/{sub}/publish"),
            &[("publish_as", "unit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut tx = app.db.begin().await.unwrap();
    let err = publish::publish(
        &mut tx,
        &Actor::system(),
        item,
        caps(Role::DisclosureOffice),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("上级单位"));
    drop(tx);

    // The city's office sees it, gets a Chinese error for an empty reason, and publishes.
    app.login_demo("demo-office").await;
    let page = app.get("/admin/grassroots?year=2026").await;
    assert!(
        page.body.contains("南关区残联开展助残日活动"),
        "{}",
        page.body
    );
    let detail = app.get(&format!("/admin/grassroots/{sub}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("以报送单位名义发布"));
    let r = app
        .post(
            &format!("/admin/grassroots/{sub}/return"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("退回时须说明理由"));
    let r = app
        .post(
            &format!("/admin/grassroots/{sub}/publish"),
            &[("publish_as", "nobody")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post(
            &format!("/admin/grassroots/{sub}/publish"),
            &[("publish_as", "unit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let published = items::get(&app.db, item).await.unwrap().unwrap();
    assert_eq!(published.state, "published");
    assert_eq!(published.publisher_name, "长春市南关区残疾人联合会");
    assert_eq!(
        app.get(&format!("/items/{item}")).await.status,
        StatusCode::OK
    );

    // Ranking: page, CSV and XLSX.
    let year = chrono::Datelike::year(&deadlines::today()).to_string();
    let page = app.get(&format!("/admin/grassroots?year={year}")).await;
    assert!(page.body.contains("南关区残联"));
    let csv = app
        .get(&format!("/admin/grassroots/ranking.csv?year={year}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let line = csv
        .body
        .lines()
        .find(|l| l.contains("南关区残联"))
        .unwrap()
        .to_string();
    assert_eq!(line, "1,南关区残联,1,1,0,100.0%,0");
    let (status, headers, bytes) = app
        .get_bytes(&format!("/admin/grassroots/ranking.xlsx?year={year}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut shared = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut shared)
        .unwrap();
    assert!(shared.contains("南关区残联"));
    let bad = app
        .get("/admin/grassroots?from=2019-13-01&to=2019-01-01")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The county office's ranking is limited to its own scope (filtered in the query).
    app.login_demo("demo-county-office").await;
    let csv = app
        .get(&format!("/admin/grassroots/ranking.csv?year={year}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("南关区残联"));
    assert!(!csv.body.contains("宽城区残联"));
    // A staff member without statistics or publishing rights gets 403.
    app.login_demo("demo-drafter").await;
    assert_eq!(
        app.get("/admin/grassroots").await.status,
        StatusCode::FORBIDDEN
    );
});

both_backends_app!(
    syndication_register_package_feed_and_interpretations,
    |app| {
        let body = app.org_id("ccdpf").await;
        let doc = approved(&app, body, "关于调整残疾人两项补贴标准的通知").await;
        let episode = approved(&app, body, "《与爱同行》第1期：两项补贴政策问答").await;
        let mut tx = app.db.begin().await.unwrap();
        for id in [doc, episode] {
            publish::publish(&mut tx, &Actor::system(), id, caps(Role::DisclosureOffice))
                .await
                .unwrap();
        }
        interpretations::put(
            &mut tx,
            &Actor::system(),
            episode,
            &interpretations::Input {
                kind: interpretations::Kind::Programme,
                programme: "与爱同行".into(),
                episode_no: Some(1),
                air_date: Some(deadlines::today()),
                documents: vec![doc],
            },
        )
        .await
        .unwrap();
        let target = syndication::put_target(
            &mut tx,
            &Actor::system(),
            None,
            &syndication::TargetInput {
                code: "changchun-gov".into(),
                name: "长春市政府网站".into(),
                url: "http://www.changchun.gov.cn".into(),
                points_per_adopted: 5,
                rule_note: String::new(),
                sort_order: 0,
                active: true,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        // Both public pages show the link.
        let page = app.get(&format!("/items/{doc}")).await;
        assert!(page.body.contains("相关解读"));
        assert!(page.body.contains(&format!("/items/{episode}")));
        let page = app.get(&format!("/items/{episode}")).await;
        assert!(page.body.contains("解读的政策文件"));
        assert!(page.body.contains("《与爱同行》第 1 期"));
        assert!(page.body.contains(&format!("/items/{doc}")));

        app.login_demo("demo-office").await;
        assert_eq!(app.get("/admin/syndication").await.status, StatusCode::OK);
        let r = app
            .post(
                "/admin/syndication",
                &[
                    ("target_id", ""),
                    ("submitted_on", "2019-02-30"),
                    ("item_ids", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        for msg in ["请选择报送目标", "报送日期", "“x”不是信息编号"] {
            assert!(r.body.contains(msg), "{msg}");
        }
        assert!(r.body.contains("value=\"x\""), "the input is kept");
        let t = target.id.to_string();
        let ids = format!("{doc}, {episode}");
        let r = app
            .post(
                "/admin/syndication",
                &[
                    ("target_id", &t),
                    ("submitted_on", "2026-05-20"),
                    ("item_ids", &ids),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let row = syndication::register(
            &app.db,
            Some(target.id),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            10,
        )
        .await
        .unwrap();
        assert_eq!(row.len(), 1);
        assert_eq!(row[0].items, 2);
        let sid = row[0].id;
        let r = app
            .post(
                &format!("/admin/syndication/{sid}/status"),
                &[("status", "adopted"), ("decided_on", "2026-05-22")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            syndication::get(&app.db, sid).await.unwrap().unwrap().score,
            10
        );
        let (status, headers, bytes) = app
            .get_bytes(&format!("/admin/syndication/{sid}/package"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/zip");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut meta = String::new();
        zip.by_name("metadata.json")
            .unwrap()
            .read_to_string(&mut meta)
            .unwrap();
        assert!(meta.contains("关于调整残疾人两项补贴标准的通知"));
        let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
        validate_package_metadata(&meta);
        // Each item's signed 保密审查表 travels as JSON and as a typeset PDF whose text layer
        // carries the item's title, the conclusion and its basis.
        for item in meta["items"].as_array().unwrap() {
            let title = item["title"].as_str().unwrap();
            let form = &item["review_form"];
            assert_eq!(form["conclusion"], "publish");
            assert!(zip.by_name(form["json"].as_str().unwrap()).is_ok());
            let Some(pdf_path) = form["pdf"].as_str() else {
                assert!(
                    std::env::var("CI").is_err(),
                    "no PDF review form: Noto CJK fonts are required under CI \
                     (scripts/test-deps.sh installs fonts-noto-cjk)"
                );
                eprintln!("!!! no CJK fonts: the PDF review form was not made");
                continue;
            };
            assert_eq!(pdf_path, format!("review-forms/{}.pdf", item["id"]));
            let mut pdf = Vec::new();
            zip.by_name(pdf_path)
                .unwrap()
                .read_to_end(&mut pdf)
                .unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
            let Some(text) = pdftotext(&pdf) else {
                continue;
            };
            // `-layout` keeps a table row on one line: the label cell, then its value.
            let line = |label: &str| -> String {
                text.lines()
                    .find(|l| l.contains(label))
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect()
            };
            assert!(
                line("信息：").contains(title),
                "title {title} not in the PDF: {text}"
            );
            assert!(line("信息名称").contains(title), "{text}");
            assert_eq!(line("保密审查结论"), "保密审查结论公开", "{text}");
            assert_eq!(line("审查依据和理由"), "审查依据和理由不涉密", "{text}");
            assert!(line("承办人签名").starts_with("承办人签名承办人"), "{text}");
        }

        // WeChat export.
        let (status, _, bytes) = app
            .get_bytes(&format!("/admin/channels/wechat/{doc}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut html = String::new();
        zip.by_name("content.html")
            .unwrap()
            .read_to_string(&mut html)
            .unwrap();
        assert!(html.contains("style=\""));
        assert!(!html.contains("<script"));
        let page = app.get("/admin/channels").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("音视频节目"));

        // The county office cannot download the city's package.
        app.login_demo("demo-county-office").await;
        let (status, _, _) = app
            .get_bytes(&format!("/admin/syndication/{sid}/package"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The target's Atom feed, public.
        app.clear_cookies();
        let feed = app.get("/feeds/syndication/changchun-gov.atom").await;
        assert_eq!(feed.status, StatusCode::OK);
        let doc_xml = roxmltree::Document::parse(&feed.body).unwrap();
        let titles: Vec<&str> = doc_xml
            .descendants()
            .filter(|n| n.has_tag_name("entry"))
            .filter_map(|e| e.children().find(|c| c.has_tag_name("title")))
            .filter_map(|t| t.text())
            .collect();
        assert_eq!(titles.len(), 2);
        assert!(titles.contains(&"关于调整残疾人两项补贴标准的通知"));
        assert_eq!(
            app.get("/feeds/syndication/nope.atom").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

/// The audit actions recorded for one object, oldest first.
async fn audit_actions(app: &TestApp, object_type: &str, object_id: i64) -> Vec<String> {
    let mut log = gongkai_store::audit::list(
        &app.db,
        &gongkai_store::audit::Filter {
            object_type: Some(object_type.into()),
            object_id: Some(object_id.to_string()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    log.reverse();
    log.into_iter().map(|r| r.action).collect()
}

both_backends_app!(administrators_define_channels_targets_and_units, |app| {
    let body = app.org_id("ccdpf").await;
    let nanguan = app.org_id("nanguan").await;
    let nanguan_id = nanguan.to_string();

    // Staff who are not system administrators: 403 on every page and every change.
    for user in ["demo-office", "demo-county-office", "demo-drafter"] {
        app.login_demo(user).await;
        for url in [
            "/admin/channels/new",
            "/admin/syndication/targets",
            "/admin/syndication/targets/new",
            "/admin/grassroots/units",
        ] {
            assert_eq!(
                app.get(url).await.status,
                StatusCode::FORBIDDEN,
                "{user} {url}"
            );
        }
        let posts: [(&str, Vec<(&str, &str)>); 3] = [
            (
                "/admin/channels",
                vec![("kind", "website"), ("code", "x"), ("name", "X")],
            ),
            (
                "/admin/syndication/targets",
                vec![("code", "x"), ("name", "X"), ("points_per_adopted", "1")],
            ),
            (
                "/admin/grassroots/units",
                vec![("org_id", &nanguan_id), ("active", "1")],
            ),
        ];
        for (url, fields) in posts {
            let r = app.post(url, &fields).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user} POST {url}");
        }
    }
    // The counts export is open to statistics and publishing roles, not to a drafter.
    assert_eq!(
        app.get("/admin/channels/counts.csv").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_bytes("/admin/channels/counts.xlsx").await.0,
        StatusCode::FORBIDDEN
    );
    assert!(channels::list(&app.db, false).await.unwrap().is_empty());
    assert!(syndication::targets(&app.db).await.unwrap().is_empty());
    assert!(grassroots::registrations(&app.db).await.unwrap().is_empty());

    app.login_demo("demo-admin").await;

    // Channels: the form, field errors in Chinese by the field, create, edit.
    let page = app.get("/admin/channels/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("微信公众号板块"));
    let long = "长".repeat(501);
    let r = app
        .post(
            "/admin/channels",
            &[
                ("kind", "radio"),
                ("code", "Bad Code"),
                ("name", " "),
                ("description", &long),
                ("sort_order", "第一"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    for (field, msg) in [
        ("kind", "请选择渠道类型"),
        ("code", "代码只能由小写字母、数字和连字符组成"),
        ("name", "请填写名称"),
        ("description", "说明过长"),
        ("sort_order", "排序号须为整数"),
    ] {
        assert!(
            r.body
                .contains(&format!("id=\"{field}-error\" class=\"field-error\">{msg}")),
            "{field}: {msg}\n{}",
            r.body
        );
    }
    assert!(r.body.contains("value=\"Bad Code\""), "the input is kept");
    let r = app
        .post(
            "/admin/channels",
            &[
                ("kind", "wechat"),
                ("code", "chunfeng"),
                ("name", "春风惠残"),
                ("description", "政策解读和惠残服务"),
                ("sort_order", "10"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/channels?saved=channel");
    let ch = channels::list(&app.db, false).await.unwrap();
    assert_eq!(ch.len(), 1);
    let ch = &ch[0];
    assert_eq!(
        (ch.kind.as_str(), ch.name.as_str(), ch.sort_order, ch.active),
        ("wechat", "春风惠残", 10, true)
    );
    let r = app
        .post(
            "/admin/channels",
            &[("kind", "website"), ("code", "chunfeng"), ("name", "重复")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("代码“chunfeng”已被其他渠道使用"));
    let page = app.get("/admin/channels?saved=channel").await;
    assert!(page.body.contains("渠道已保存"));
    assert!(
        page.body
            .contains(&format!("/admin/channels/{}/edit", ch.id))
    );
    let edit = app.get(&format!("/admin/channels/{}/edit", ch.id)).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"春风惠残\""));
    assert!(edit.body.contains("value=\"wechat\" checked"));
    let r = app
        .post(
            &format!("/admin/channels/{}", ch.id),
            &[("kind", "wechat"), ("code", "chunfeng"), ("name", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请填写名称"));
    let r = app
        .post(
            &format!("/admin/channels/{}", ch.id),
            &[
                ("kind", "wechat"),
                ("code", "chunfeng"),
                ("name", "春风惠残（停用）"),
                ("sort_order", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = channels::get(&app.db, ch.id).await.unwrap().unwrap();
    assert_eq!(after.name, "春风惠残（停用）");
    assert!(!after.active, "an unticked box deactivates");
    assert_eq!(
        audit_actions(&app, "channel", ch.id).await,
        ["channel.create", "channel.update"]
    );
    // Counts per channel, exported as CSV and XLSX (an unknown period is a Chinese 400).
    let csv = app.get("/admin/channels/counts.csv?year=2019").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.body.starts_with("\u{feff}渠道,类型,发布条数\r\n"));
    assert!(csv.body.contains("春风惠残（停用）,微信公众号板块,0\r\n"));
    let (status, headers, bytes) = app.get_bytes("/admin/channels/counts.xlsx?year=2019").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut shared = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut shared)
        .unwrap();
    assert!(shared.contains("春风惠残（停用）"));
    let bad = app.get("/admin/channels/counts.csv?year=19").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("年份须为"));
    assert_eq!(
        app.get("/admin/channels/99999/edit").await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            "/admin/channels/99999",
            &[("kind", "wechat"), ("code", "x"), ("name", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Syndication targets with their scoring rule.
    let page = app.get("/admin/syndication/targets").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("尚未设置报送目标"));
    assert_eq!(
        app.get("/admin/syndication/targets/new").await.status,
        StatusCode::OK
    );
    let r = app
        .post(
            "/admin/syndication/targets",
            &[
                ("code", ""),
                ("name", ""),
                ("url", "ftp://example.org"),
                ("points_per_adopted", "五分"),
                ("sort_order", "1.5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    for (field, msg) in [
        ("code", "代码须由小写字母、数字和连字符组成"),
        ("name", "请填写报送目标名称"),
        ("url", "网址须以 http:// 或 https:// 开头"),
        (
            "points_per_adopted",
            "每条采用得分须为 0 到 1000 之间的整数",
        ),
        ("sort_order", "排序号须为整数"),
    ] {
        assert!(
            r.body
                .contains(&format!("id=\"{field}-error\" class=\"field-error\">{msg}")),
            "{field}: {msg}\n{}",
            r.body
        );
    }
    let r = app
        .post(
            "/admin/syndication/targets",
            &[
                ("code", "changchun-gov"),
                ("name", "长春市政府网站"),
                ("url", "http://www.changchun.gov.cn"),
                ("points_per_adopted", "5000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("每条采用得分须在 0 到 1000 之间"));
    assert!(
        r.body.contains("value=\"长春市政府网站\""),
        "the input is kept"
    );
    let r = app
        .post(
            "/admin/syndication/targets",
            &[
                ("code", "changchun-gov"),
                ("name", "长春市政府网站"),
                ("url", "http://www.changchun.gov.cn"),
                ("points_per_adopted", "5"),
                ("rule_note", "每采用一条计5分"),
                ("sort_order", "30"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/syndication/targets?saved=1");
    let t = syndication::target_by_code(&app.db, "changchun-gov")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (t.points_per_adopted, t.rule_note.as_str(), t.active),
        (5, "每采用一条计5分", true)
    );
    let page = app.get("/admin/syndication/targets?saved=1").await;
    assert!(page.body.contains("报送目标已保存"));
    assert!(page.body.contains("5 分"));
    assert!(page.body.contains("每采用一条计5分"));
    let r = app
        .post(
            "/admin/syndication/targets",
            &[
                ("code", "changchun-gov"),
                ("name", "另一个"),
                ("points_per_adopted", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("代码“changchun-gov”已被其他报送目标使用"));
    let edit = app
        .get(&format!("/admin/syndication/targets/{}/edit", t.id))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"http://www.changchun.gov.cn\""));
    let r = app
        .post(
            &format!("/admin/syndication/targets/{}", t.id),
            &[
                ("code", "changchun-gov"),
                ("name", "长春市人民政府网站"),
                ("url", "https://www.changchun.gov.cn"),
                ("points_per_adopted", "6"),
                ("rule_note", "2020年起每采用一条计6分"),
                ("sort_order", "30"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let t2 = syndication::target_by_code(&app.db, "changchun-gov")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((t2.id, t2.points_per_adopted), (t.id, 6));
    assert_eq!(t2.name, "长春市人民政府网站");
    assert_eq!(
        audit_actions(&app, "syndication_target", t.id).await,
        ["syndication.target_create", "syndication.target_update"]
    );
    assert_eq!(
        app.get("/admin/syndication/targets/99999/edit")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Grassroots units: which organisation submits to which parent.
    let page = app.get("/admin/grassroots/units").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("尚未登记基层报送单位"));
    assert!(
        page.body
            .contains("长春市南关区残疾人联合会（上级：长春市残疾人联合会）"),
        "{}",
        page.body
    );
    let body_id = body.to_string();
    for (org, msg) in [
        ("", "请选择要登记的机构"),
        ("abc", "请从列表中选择机构"),
        ("999999", "所选机构不存在"),
        (body_id.as_str(), "是顶级机构，没有上级单位"),
    ] {
        let r = app
            .post(
                "/admin/grassroots/units",
                &[("org_id", org), ("active", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{org}");
        assert!(r.body.contains(msg), "{org}: {msg}\n{}", r.body);
        assert!(r.body.contains("id=\"org_id-error\""));
    }
    let r = app
        .post(
            "/admin/grassroots/units",
            &[("org_id", &nanguan_id), ("active", "maybe")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请选择登记或停用"));
    let r = app
        .post(
            "/admin/grassroots/units",
            &[("org_id", &nanguan_id), ("active", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin/grassroots/units?saved=on");
    assert_eq!(grassroots::units(&app.db).await.unwrap(), vec![nanguan]);
    let page = app.get("/admin/grassroots/units?saved=on").await;
    assert!(page.body.contains("已登记为基层报送单位"));
    assert!(page.body.contains("报送中"));
    // The registration takes effect: the unit's approved item waits in the parent's queue.
    let item = approved(&app, nanguan, "南关区残联走访慰问困难残疾人家庭").await;
    let queue = grassroots::queue(&app.db, &[body], 10).await.unwrap();
    assert!(queue.iter().any(|q| q.item_id == item));
    // Deregistration (an edit of the registration) is kept on record.
    let r = app
        .post(
            "/admin/grassroots/units",
            &[("org_id", &nanguan_id), ("active", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/grassroots/units?saved=off");
    assert!(grassroots::units(&app.db).await.unwrap().is_empty());
    let regs = grassroots::registrations(&app.db).await.unwrap();
    assert_eq!(
        (regs[0].org_id, regs[0].parent_id, regs[0].active),
        (nanguan, Some(body), false)
    );
    let page = app.get("/admin/grassroots/units").await;
    assert!(page.body.contains("已停用"));
    assert!(page.body.contains("重新启用"));
    let changes = audit_actions(&app, "org", nanguan).await;
    assert_eq!(
        changes.iter().filter(|a| *a == "grassroots.unit").count(),
        2,
        "{changes:?}"
    );
});
