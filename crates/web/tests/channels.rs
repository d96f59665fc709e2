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
use gongkai_store::{deadlines, grassroots, interpretations, syndication};

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
