//! Search beyond items (issue #8), on the demo data, on both backends:
//! - a published mailbox answer is found by the portal and the API; withdrawn, it is gone; an
//!   answer whose writer did not consent is never found by the public (staff find the message);
//! - personal data a writer typed (a phone number) is not in the index;
//! - an interpretation is labelled 解读 and filterable;
//! - a county's staff search never returns another county's messages or applications, not
//!   even as a count.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use gongkai_store::audit::Actor;
use gongkai_store::mailbox::boxes::{self, BoxInput};
use gongkai_store::mailbox::messages::{self, Submission};
use gongkai_store::mailbox::public;
use gongkai_store::testing::TestDb;
use gongkai_store::{Db, now_ms};
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

async fn org(db: &Db, code: &str) -> i64 {
    gongkai_store::orgs::by_code(db, code)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn new_box(db: &Db, org_id: i64, code: &str, name: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let b = boxes::create_box(
        &mut tx,
        &Actor::system(),
        &BoxInput {
            org_id,
            code: code.into(),
            name: name.into(),
            intro: "测试信箱".into(),
            name_required: false,
            reply_workdays: 10,
            publish_by_default: false,
            active: true,
            sort_order: 99,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    b.id
}

/// A message submitted, forwarded to `dept`, answered with `reply` and sent.
async fn answered(
    db: &Db,
    box_id: i64,
    dept: i64,
    title: &str,
    content: &str,
    reply: &str,
    consent: bool,
) -> i64 {
    let a = Actor::system();
    let at = now_ms();
    let mut tx = db.begin().await.unwrap();
    let r = messages::submit(
        &mut tx,
        &a,
        &gongkai_core::vault::Vault::for_tests(),
        &Submission {
            box_id,
            topic_code: "benefits".into(),
            title: title.into(),
            content: content.into(),
            name: String::new(),
            phone: String::new(),
            email: String::new(),
            consent_publish: consent,
            channel: "online".into(),
        },
        at,
    )
    .await
    .unwrap();
    let id = r.message.id;
    messages::register(&mut tx, &a, id, "", at).await.unwrap();
    messages::forward(&mut tx, &a, id, dept, "请答复", at)
        .await
        .unwrap();
    messages::draft(&mut tx, &a, id, reply, at).await.unwrap();
    messages::approve(&mut tx, &a, id, "", "同意", at)
        .await
        .unwrap();
    messages::send_reply(
        &mut tx,
        &a,
        &gongkai_core::vault::Vault::for_tests(),
        id,
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

fn hits(v: &Value) -> Vec<(String, i64)> {
    v["hits"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| {
                    (
                        h["kind"].as_str().unwrap_or_default().to_string(),
                        h["id"].as_i64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn answers_and_interpretations(t: TestDb) {
    let (mut app, search) = TestApp::with_search(t).await;
    let db = app.db.clone();
    let body = org(&db, "ccdpf").await;
    let box_id = new_box(&db, body, "search-test", "搜索测试信箱").await;

    // A consented answer, published after review: found by the page and the API.
    let id = answered(
        &db,
        box_id,
        body,
        "翡翠湖畔无障碍坡道何时修缮",
        "翡翠湖畔的无障碍坡道破损，轮椅无法通行。",
        "翡翠湖畔坡道已列入本月修缮计划。",
        true,
    )
    .await;
    let mut tx = db.begin().await.unwrap();
    public::prepare(
        &mut tx,
        &Actor::system(),
        &gongkai_core::vault::Vault::for_tests(),
        id,
        now_ms(),
    )
    .await
    .unwrap();
    public::review(&mut tx, &Actor::system(), id, true, "同意公开", now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    search.sync_once().await.unwrap();
    let (s, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}", enc("翡翠湖畔")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(hits(&v), vec![("mailbox_answer".to_string(), id)], "{v}");
    assert_eq!(v["hits"][0]["url"], format!("/mailbox/qa/{id}"));
    let r = app.get(&format!("/search?q={}", enc("翡翠湖畔"))).await;
    assert!(
        r.body.contains(&format!("href=\"/mailbox/qa/{id}\"")),
        "{}",
        r.body
    );
    assert!(r.body.contains("留言答复"));
    // The kind filter.
    let (_, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}&kind=mailbox_answer", enc("坡道")),
    )
    .await;
    assert!(hits(&v).iter().all(|(k, _)| k == "mailbox_answer"));
    assert!(hits(&v).contains(&("mailbox_answer".to_string(), id)));

    // Withdrawn: gone from the page, the API and the count.
    let mut tx = db.begin().await.unwrap();
    public::withdraw(&mut tx, &Actor::system(), id, "答复已过时", now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    search.sync_once().await.unwrap();
    let (_, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}", enc("翡翠湖畔")),
    )
    .await;
    assert_eq!(v["total"], 0, "{v}");
    let r = app.get(&format!("/search?q={}", enc("翡翠湖畔"))).await;
    assert!(!r.body.contains(&format!("/mailbox/qa/{id}")));

    // Without consent: never public; staff of the body find the message itself. A phone
    // number the writer typed is not in the index at all.
    let quiet = answered(
        &db,
        box_id,
        body,
        "琥珀巷盲道被占用",
        "琥珀巷盲道长期被车辆占用，我的电话是13904312345。",
        "已联系城管部门清理琥珀巷盲道。",
        false,
    )
    .await;
    let mut tx = db.begin().await.unwrap();
    assert!(
        public::prepare(
            &mut tx,
            &Actor::system(),
            &gongkai_core::vault::Vault::for_tests(),
            quiet,
            now_ms()
        )
        .await
        .is_err()
    );
    drop(tx);
    search.sync_once().await.unwrap();
    let (_, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}", enc("琥珀巷")),
    )
    .await;
    assert_eq!(v["total"], 0, "{v}");
    let office = token(&mut app, "demo-office").await;
    let (s, v) = api(
        &mut app,
        Some(&office),
        &format!("/api/v1/staff/search?q={}", enc("琥珀巷")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        hits(&v),
        vec![("mailbox_message".to_string(), quiet)],
        "{v}"
    );
    assert_eq!(v["hits"][0]["public"], false);
    for q in ["13904312345", "1390431"] {
        let (_, v) = api(
            &mut app,
            Some(&office),
            &format!("/api/v1/staff/search?q={q}"),
        )
        .await;
        assert_eq!(v["total"], 0, "personal data must not be indexed: {v}");
    }

    // An interpretation: filed under 解读, still an item.
    let (_, v) = api(&mut app, None, &format!("/api/v1/search?q={}", enc("补贴"))).await;
    let item_id = hits(&v)
        .into_iter()
        .find(|(k, _)| k == "item")
        .map(|(_, i)| i)
        .expect("a public item about 补贴");
    let title = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == item_id)
        .unwrap()["title"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tx = db.begin().await.unwrap();
    gongkai_store::interpretations::put(
        &mut tx,
        &Actor::system(),
        item_id,
        &gongkai_store::interpretations::Input {
            kind: gongkai_store::interpretations::Kind::HotTopic,
            programme: String::new(),
            episode_no: None,
            air_date: None,
            documents: Vec::new(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    search.sync_once().await.unwrap();
    let (_, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}&kind=interpretation", enc(&title)),
    )
    .await;
    assert!(
        hits(&v).contains(&("interpretation".to_string(), item_id)),
        "{v}"
    );
    assert!(hits(&v).iter().all(|(k, _)| k == "interpretation"));
    let (_, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}&kind=item", enc(&title)),
    )
    .await;
    assert!(
        hits(&v).iter().any(|(_, i)| *i == item_id),
        "an interpretation is still an item: {v}"
    );
    let r = app
        .get(&format!("/search?q={}&kind=interpretation", enc(&title)))
        .await;
    assert!(r.body.contains("解读"), "{}", r.body);
    // Staff-only kinds are not offered to the public as a filter.
    let r = app.get("/search").await;
    assert!(!r.body.contains("value=\"application\""));
    drop(search);
}

#[tokio::test]
async fn answers_and_interpretations_sqlite() {
    answers_and_interpretations(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn answers_and_interpretations_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    answers_and_interpretations(t).await;
}

async fn application(db: &Db, org_id: i64, description: &str) -> i64 {
    let today = gongkai_store::deadlines::today();
    let n = gongkai_store::applications::NewApplication {
        org_id,
        channel: "online".into(),
        applicant_type: "commercial".into(),
        applicant_name: "某某科技有限公司".into(),
        id_number: "91110000600037341L".into(),
        phone: "0431-00000000".into(),
        address: "长春市（测试地址）".into(),
        info_form: "electronic".into(),
        delivery: "online".into(),
        items: vec![gongkai_store::applications::NewItem {
            description: description.into(),
            ..Default::default()
        }],
        arrived_on: Some(today),
        confirmed_on: Some(today),
        ..Default::default()
    };
    let mut tx = db.begin().await.unwrap();
    let c = gongkai_store::applications::create(
        &mut tx,
        &Actor::system(),
        &gongkai_core::vault::Vault::for_tests(),
        &n,
        today,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    c.application.id
}

async fn county_scope(t: TestDb) {
    let (mut app, search) = TestApp::with_search(t).await;
    let db = app.db.clone();
    let (a, b) = (org(&db, "nanguan").await, org(&db, "nongan").await);
    let box_a = new_box(&db, a, "nanguan-box", "南关区残联信箱").await;
    let box_b = new_box(&db, b, "nongan-box", "农安县残联信箱").await;
    let msg_a = answered(
        &db,
        box_a,
        a,
        "南湖公园盲道改造进度",
        "想了解辅具适配的安排。",
        "南湖公园盲道改造将于下月完工。",
        false,
    )
    .await;
    let msg_b = answered(
        &db,
        box_b,
        b,
        "合隆镇辅具适配站地址",
        "想了解辅具适配的安排。",
        "合隆镇辅具适配站位于镇政府院内。",
        false,
    )
    .await;
    let app_a = application(&db, a, "南关区二〇二五年辅具适配补贴发放名单").await;
    let app_b = application(&db, b, "农安县二〇二五年辅具适配补贴发放名单").await;
    search.sync_once().await.unwrap();

    let county = token(&mut app, "demo-county-office").await;
    // Own county: found, both kinds.
    let (s, v) = api(
        &mut app,
        Some(&county),
        &format!("/api/v1/staff/search?q={}", enc("南湖公园")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        hits(&v),
        vec![("mailbox_message".to_string(), msg_a)],
        "{v}"
    );
    let (_, v) = api(
        &mut app,
        Some(&county),
        &format!("/api/v1/staff/search?q={}&kind=application", enc("南关区")),
    )
    .await;
    assert!(
        hits(&v).contains(&("application".to_string(), app_a)),
        "{v}"
    );

    // The other county: nothing, not even a count or a snippet.
    for q in ["合隆镇", "农安县二〇二五年", "辅具适配站"] {
        let (_, v) = api(
            &mut app,
            Some(&county),
            &format!("/api/v1/staff/search?q={}", enc(q)),
        )
        .await;
        assert_eq!(v["total"], 0, "{q}: {v}");
        assert!(!v["hits"].to_string().contains("合隆镇"), "{v}");
    }
    // A word both counties' records share: only county A's.
    let (_, v) = api(
        &mut app,
        Some(&county),
        &format!("/api/v1/staff/search?q={}", enc("辅具适配")),
    )
    .await;
    let found = hits(&v);
    assert!(
        found.contains(&("mailbox_message".to_string(), msg_a)),
        "{v}"
    );
    assert!(found.contains(&("application".to_string(), app_a)), "{v}");
    assert!(!found.contains(&("mailbox_message".to_string(), msg_b)));
    assert!(!found.contains(&("application".to_string(), app_b)));
    assert!(!v["hits"].to_string().contains("农安"), "{v}");
    // Counts per kind: exactly county A's record.
    for kind in ["mailbox_message", "application"] {
        let (_, v) = api(
            &mut app,
            Some(&county),
            &format!("/api/v1/staff/search?q={}&kind={kind}", enc("辅具适配")),
        )
        .await;
        assert_eq!(v["total"], 1, "{kind}: {v}");
    }

    // The public finds neither; the city's office (its scope covers the counties' records
    // only if they are inside its body) never sees a county record through another kind's
    // scope.
    let (_, v) = api(
        &mut app,
        None,
        &format!("/api/v1/search?q={}", enc("辅具适配")),
    )
    .await;
    assert!(
        hits(&v)
            .iter()
            .all(|(k, _)| k != "mailbox_message" && k != "application"),
        "{v}"
    );
    // The applicant's name is not in the index.
    let (_, v) = api(
        &mut app,
        Some(&county),
        &format!("/api/v1/staff/search?q={}", enc("某某科技")),
    )
    .await;
    assert_eq!(v["total"], 0, "{v}");
    drop(search);
}

#[tokio::test]
async fn county_staff_search_stays_in_county_sqlite() {
    county_scope(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn county_staff_search_stays_in_county_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    county_scope(t).await;
}
