//! The search page and the search API (issue #8) on the demo data, on both backends: results
//! with highlighted snippets, filters, date order, pagination, "no results" advice, Chinese 400s
//! for bad parameters, nothing unpublished for the public, staff search within scope.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use gongkai_store::audit::Actor;
use gongkai_store::testing::TestDb;
use serde_json::Value;

async fn api(app: &mut TestApp, token: Option<&str>, path: &str) -> (StatusCode, Value) {
    let mut b = Request::builder().uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let r = app.send(b.body(Body::empty()).unwrap()).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn token(app: &mut TestApp, user: &str) -> String {
    let id = app.user_id(user).await;
    let mut tx = app.db.begin().await.unwrap();
    let (t, _) = gongkai_store::api_tokens::create(&mut tx, &Actor::system(), id, "搜索测试")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    t
}

async fn page_and_api(t: TestDb) {
    let (mut app, search) = TestApp::with_search(t).await;

    // An empty box: the form, no results section.
    let r = app.get("/search").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"q\"") && !r.body.contains("搜索结果"));

    // A two-character word: results, highlighted, with the count.
    let r = app.get(&format!("/search?q={}", enc("补贴"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<mark>补贴</mark>"), "{}", r.body);
    assert!(r.body.contains("共找到"));

    // The API agrees with the page and gives character ranges to highlight.
    let (s, v) = api(&mut app, None, &format!("/api/v1/search?q={}", enc("补贴"))).await;
    assert_eq!(s, StatusCode::OK);
    let total = v["total"].as_u64().unwrap();
    assert!(total > 0);
    assert_eq!(v["total_exact"], true, "a few matches are counted exactly");
    let hit = &v["hits"][0];
    assert!(
        hit.get("state").is_none(),
        "the public view has no workflow state"
    );
    let marks = hit["title_marks"].as_array().unwrap().len()
        + hit["snippet_marks"].as_array().unwrap().len();
    assert!(marks > 0);

    // Date order: non-increasing dates.
    let (_, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}&sort=date", enc("补贴")),
    )
    .await;
    let dates: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");

    // A filter narrows: every hit has the asked validity.
    let (_, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}&validity=expired", enc("的")),
    )
    .await;
    assert!(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["validity"] == "expired")
    );

    // Nothing found: advice, not an empty page.
    let r = app.get(&format!("/search?q={}", enc("龘龘龘"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("没有找到") && r.body.contains("依申请公开"));

    // Pagination: page 2 of a broad query differs from page 1.
    let (_, p1) = api(&mut app, None, &format!("/api/v1/search?q={}", enc("的"))).await;
    if p1["total"].as_u64().unwrap() > 10 {
        let (_, p2) = api(
            &mut app,
            None,
            &format!("/api/v1/search?q={}&page=2", enc("的")),
        )
        .await;
        assert_ne!(p1["hits"][0]["id"], p2["hits"][0]["id"]);
        let r = app.get(&format!("/search?q={}", enc("的"))).await;
        assert!(r.body.contains("rel=\"next\""));
    }

    // Bad parameters: Chinese 400s, never 500s.
    for bad in [
        "page=0",
        "page=abc",
        "sort=x",
        "year=1900",
        "kind=zzz",
        "category=nope",
        "org=nope",
    ] {
        let r = app.get(&format!("/search?q=a&{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        let (s, v) = api(&mut app, None, &format!("/api/v1/search?q=a&{bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
    let (s, _) = api(&mut app, None, "/api/v1/search?q=").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Withdrawn, scheduled and draft items are never found by the public; staff in scope find
    // their drafts.
    let mut hidden = Vec::new();
    for id in 1..200 {
        if let Some(i) = gongkai_store::items::get(&app.db, id).await.unwrap()
            && (i.state != "published" || i.withdrawn_at.is_some())
            && !i.classified
        {
            let title = gongkai_store::items::current_revision(&app.db, &i)
                .await
                .unwrap()
                .title;
            hidden.push((i, title));
        }
    }
    assert!(hidden.iter().any(|(i, _)| i.withdrawn_at.is_some()));
    assert!(hidden.iter().any(|(i, _)| i.state == "scheduled"));
    for (item, title) in &hidden {
        let (_, v) = api(&mut app, None, &format!("/api/v1/search?q={}", enc(title))).await;
        assert!(
            v["hits"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["id"] != item.id),
            "{title} ({}) must not be public",
            item.state
        );
        let r = app.get(&format!("/search?q={}", enc(title))).await;
        assert!(!r.body.contains(&format!("href=\"/items/{}\"", item.id)));
    }
    let office = token(&mut app, "demo-office").await;
    let (s, _) = api(
        &mut app,
        None,
        &format!("/api/v1/staff/search?q={}", enc("补贴")),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let draft = hidden.iter().find(|(i, _)| i.state == "draft").unwrap();
    let (s, v) = api(
        &mut app,
        Some(&office),
        &format!("/api/v1/staff/search?q={}", enc(&draft.1)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == draft.0.id && h["public"] == false),
        "the disclosure office (whole body) finds drafts: {v}"
    );
    drop(search);
}

#[tokio::test]
async fn page_and_api_sqlite() {
    page_and_api(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn page_and_api_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    page_and_api(t).await;
}

#[tokio::test]
async fn without_an_index_the_page_says_so() {
    let mut app = TestApp::sqlite().await;
    let r = app.get(&format!("/search?q={}", enc("补贴"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("未启用全文检索"));
    let db = app.db.clone();
    let search = gongkai_search::Search::new(db.clone(), None, None);
    // Before the index is built: "rebuilding", the portal stays up.
    app.router = gongkai_web::router(
        gongkai_web::AppState::new(db, gongkai_web::WebConfig::default()).with_search(search),
    );
    let r = app.get(&format!("/search?q={}", enc("补贴"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("正在重建索引"), "{}", r.body);
    let (s, v) = api(&mut app, None, &format!("/api/v1/search?q={}", enc("补贴"))).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["error"], "search_rebuilding");
}
