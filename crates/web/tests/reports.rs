//! The portal's 政府信息公开年报 (issue #9): only published reports are reachable (a draft, a
//! report in review or approval answers 404 like a missing year, on the page and on every
//! download), the page is the accessible HTML with real tables, and the PDF/DOCX/JSON downloads
//! carry the frozen figures. Both backends; the pages are pinned by snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use common::TestApp;
use gongkai_store::audit::Actor;
use gongkai_store::reports::{self, Status};

fn normalise(s: &str, today: &str) -> String {
    let out = regex::Regex::new(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
        .unwrap()
        .replace_all(s, "[DATETIME]")
        .into_owned();
    let out = regex::Regex::new(r"\?v=[0-9a-f]+")
        .unwrap()
        .replace_all(&out, "?v=[HASH]")
        .into_owned();
    out.replace(today, "[TODAY]")
}

both_backends_app!(only_published_reports_are_public, |app| {
    let body = app.org_id("ccdpf").await;
    let empty = app.get("/reports").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty
            .body
            .contains("尚未在本系统中发布政府信息公开工作年度报告")
    );

    // A draft exists: still nothing public, on any URL.
    let mut tx = app.db.begin().await.unwrap();
    let r = reports::create(&mut tx, &Actor::system(), body, 2019, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let today = gongkai_store::deadlines::today();
    for step in [None, Some(Status::Review), Some(Status::Approval)] {
        if let Some(to) = step {
            let mut tx = app.db.begin().await.unwrap();
            reports::advance(&app.db, &mut tx, &Actor::system(), r.id, to, today)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        for path in [
            "/reports/2019",
            "/reports/2019/report.pdf",
            "/reports/2019/report.docx",
            "/reports/2019/report.json",
            "/reports/2019?org=ccdpf",
        ] {
            let g = app.get(path).await;
            assert_eq!(g.status, StatusCode::NOT_FOUND, "{path} at {step:?}");
            assert!(
                g.body
                    .contains("2019年度政府信息公开工作年度报告尚未在本系统发布"),
                "{path}"
            );
        }
        assert!(!app.get("/reports").await.body.contains("/reports/2019"));
    }

    // Published.
    let mut tx = app.db.begin().await.unwrap();
    reports::advance(
        &app.db,
        &mut tx,
        &Actor::system(),
        r.id,
        Status::Published,
        today,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let list = app.get("/reports").await;
    assert!(
        list.body.contains(
            "<a href=\"/reports/2019\">长春市残疾人联合会2019年政府信息公开工作年度报告</a>"
        ),
        "{}",
        list.body
    );
    let page = app.get("/reports/2019").await;
    assert_eq!(page.status, StatusCode::OK);
    for needle in [
        "<h1>长春市残疾人联合会2019年政府信息公开工作年度报告</h1>",
        "<h2>三、收到和处理政府信息公开申请情况</h2>",
        "<caption id=\"t3-cap\">收到和处理政府信息公开申请情况</caption>",
        "<th colspan=\"7\" id=\"t3-r0c3\">申请人情况</th>",
        "headers=\"",
        "统计期限为2019年1月1日至2019年12月31日",
        "2019年未收取信息处理费",
        "/reports/2019/report.pdf",
    ] {
        assert!(page.body.contains(needle), "{needle}");
    }
    // The rollup and another organisation's report of the same year do not exist.
    assert_eq!(
        app.get("/reports/2019?scope=all").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/reports/2019?org=nanguan").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/reports/2019/report.exe").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/reports/2019?scope=x").await.status,
        StatusCode::NOT_FOUND
    );

    // Downloads: JSON with the REG keys (the demo's three 2019 applications), DOCX, PDF.
    let (status, headers, bytes) = app.get_bytes("/reports/2019/report.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["table3"]["new_received"]["total"], 3);
    assert_eq!(v["table3"]["processed_total"]["total"], 3);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let (status, _, bytes) = app.get_bytes("/reports/2019/report.docx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes.starts_with(b"PK"));
    let (status, headers, bytes) = app.get_bytes("/reports/2019/report.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(bytes.starts_with(b"%PDF"));

    let today = today.to_string();
    insta::assert_snapshot!("reports_list", normalise(&list.body, &today));
    insta::assert_snapshot!("report_2019", normalise(&page.body, &today));
});

// The portal's PDF is typeset once per published version: a second download is served from
// the cache (the render counter does not move, the bytes are the same), and a new version of
// the row — a republication stamps `updated_at`/`published_at` anew — is typeset again and
// served instead of the old one.
both_backends_app!(report_pdf_is_cached_per_published_version, |app| {
    let body = app.org_id("ccdpf").await;
    let today = gongkai_store::deadlines::today();
    let mut tx = app.db.begin().await.unwrap();
    let r = reports::create(&mut tx, &Actor::system(), body, 2019, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for to in [Status::Review, Status::Approval, Status::Published] {
        let mut tx = app.db.begin().await.unwrap();
        reports::advance(&app.db, &mut tx, &Actor::system(), r.id, to, today)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let cache = app.state.report_pdfs.clone();
    assert_eq!(cache.renders(), 0);
    let (status, _, first) = app.get_bytes("/reports/2019/report.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.starts_with(b"%PDF"));
    assert_eq!(cache.renders(), 1);
    let (status, _, second) = app.get_bytes("/reports/2019/report.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache.renders(), 1, "the second request is a cache hit");
    assert_eq!(first, second);
    // Other formats are not the PDF's business.
    app.get_bytes("/reports/2019/report.json").await;
    assert_eq!(cache.renders(), 1);

    // A new published version (new text, new stamp): typeset again, once.
    let narrative =
        serde_json::json!({"section5": "本年度新增：政策解读形式仍较单一。"}).to_string();
    gongkai_store::on_db!(&app.db, |p| sqlx::query(
        "UPDATE reports SET narrative_json = $2, updated_at = updated_at + 1, \
         published_at = published_at + 1 WHERE id = $1"
    )
    .bind(r.id)
    .bind(&narrative)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    let (status, _, third) = app.get_bytes("/reports/2019/report.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache.renders(), 2, "a new version is typeset");
    assert_ne!(
        first, third,
        "the new version is served, not the cached old one"
    );
    let (_, _, fourth) = app.get_bytes("/reports/2019/report.pdf").await;
    assert_eq!(cache.renders(), 2);
    assert_eq!(third, fourth);
});
