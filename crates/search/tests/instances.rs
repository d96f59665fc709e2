//! Search across instances and scopes (issue #8 "Show"), on the demo data set, on both backends:
//! - two instances (separate connection pools, separate index directories) on one database:
//!   publish on A and B finds it, withdraw on B and A no longer does, each within the 2-second
//!   budget (the upper bound of a polling loop, not a timing measurement);
//! - a scheduled item is not found before the job publishes it, and is found after;
//! - a county-A member of staff never gets county B's drafts, as a hit, a count or a snippet.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_core::items::{Capabilities, Disclosure, VocabKind};
use gongkai_search::{Audience, Request, Search, Status};
use gongkai_store::audit::Actor;
use gongkai_store::items::{self, Content, Metadata};
use gongkai_store::testing::TestDb;
use gongkai_store::{Db, DbOptions, now_ms};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The freshness budget.
const BUDGET: Duration = Duration::from_secs(2);

fn public() -> Audience {
    Audience::Public { now_ms: now_ms() }
}

fn ask(q: &str) -> Request {
    Request {
        q: q.to_string(),
        limit: 50,
        ..Default::default()
    }
}

fn finds(s: &Search, q: &str, id: i64, audience: &Audience) -> bool {
    s.search(&ask(q), audience)
        .map(|r| r.hits.iter().any(|h| h.id == id))
        .unwrap_or(false)
}

/// Polls until `cond` holds or `limit` passes; true when it held.
async fn within(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn ready(s: &Search) {
    // Start-up builds the index from the database: not part of the freshness budget.
    assert!(
        within(Duration::from_secs(120), || s.status() == Status::Ready).await,
        "index ready: {:?}",
        s.status()
    );
}

async fn items_in(db: &Db, state: &str) -> Vec<items::Item> {
    let mut out = Vec::new();
    for id in 1..400 {
        if let Some(i) = items::get(db, id).await.unwrap()
            && i.state == state
            && i.withdrawn_at.is_none()
        {
            out.push(i);
        }
    }
    out
}

async fn title_of(db: &Db, item: &items::Item) -> String {
    items::current_revision(db, item).await.unwrap().title
}

async fn two_instances(t: TestDb) {
    gongkai_store::demo::load_if_empty(&t.db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
    let db_a = t.db.clone();
    let db_b = Db::connect(&t.url, &DbOptions::default()).await.unwrap();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Search::new(db_a.clone(), Some(dir_a.path().join("search")), None);
    let b = Search::new(db_b.clone(), Some(dir_b.path().join("search")), None);
    let (stop, stop_rx) = watch::channel(false);
    let (ta, tb) = (a.start(stop_rx.clone()), b.start(stop_rx));
    ready(&a).await;
    ready(&b).await;
    assert!(a.num_docs() > 0 && a.num_docs() == b.num_docs());

    // A scheduled item: not found before publication.
    let scheduled = items_in(&db_a, "scheduled").await;
    let item = scheduled
        .first()
        .expect("the demo has a scheduled item")
        .clone();
    let title = title_of(&db_a, &item).await;
    assert!(!finds(&b, &title, item.id, &public()));

    // Publish on A → found on B.
    let mut tx = db_a.begin().await.unwrap();
    items::publish::publish(&mut tx, &Actor::system(), item.id, Capabilities::ALL)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        within(BUDGET, || finds(&b, &title, item.id, &public())).await,
        "published on A, found on B within 2 s"
    );
    assert!(within(BUDGET, || finds(&a, &title, item.id, &public())).await);

    // Withdraw on B → gone from A.
    let mut tx = db_b.begin().await.unwrap();
    items::publish::withdraw(
        &mut tx,
        &Actor::system(),
        item.id,
        Capabilities::ALL,
        "测试撤回",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(
        within(BUDGET, || !finds(&a, &title, item.id, &public())).await,
        "withdrawn on B, gone from A within 2 s"
    );
    assert!(within(BUDGET, || !finds(&b, &title, item.id, &public())).await);

    // The checkpoint is stored with the index: a restarted instance resumes where it was.
    let cp = a.checkpoint().await.unwrap();
    let generation = a.live_dir().await.unwrap();
    stop.send(true).unwrap();
    ta.await.unwrap();
    tb.await.unwrap();
    drop((a, b)); // releases the index writers
    let again = Search::new(db_a.clone(), Some(dir_a.path().join("search")), None);
    again.open_or_rebuild(|_| {}).await.unwrap();
    assert_eq!(
        again.live_dir().await.unwrap(),
        generation,
        "reopened, not rebuilt"
    );
    assert_eq!(again.checkpoint().await.unwrap(), cp);
    assert!(!finds(&again, &title, item.id, &public()));
}

#[tokio::test]
async fn two_instances_sqlite() {
    two_instances(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn two_instances_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    two_instances(t).await;
}

async fn scheduled_job(t: TestDb) {
    let db = &t.db;
    gongkai_store::demo::load_if_empty(db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
    let s = Search::new(db.clone(), None, None);
    s.open_or_rebuild(|_| {}).await.unwrap();
    let item = items_in(db, "scheduled").await[0].clone();
    let title = title_of(db, &item).await;
    // Re-schedule it shortly ahead.
    let mut tx = db.begin().await.unwrap();
    items::publish::unschedule(&mut tx, &Actor::system(), item.id, Capabilities::ALL)
        .await
        .unwrap();
    let at = now_ms() + 300;
    let item = items::publish::schedule(&mut tx, &Actor::system(), item.id, Capabilities::ALL, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    s.sync_once().await.unwrap();
    assert!(
        !finds(&s, &title, item.id, &public()),
        "not before its time"
    );
    let job = gongkai_store::jobs::Job {
        id: 0,
        kind: items::publish::PUBLISH_JOB.into(),
        payload: serde_json::json!({"item_id": item.id,
            "revision_id": item.current_revision_id, "at": at})
        .to_string(),
        dedupe_key: None,
        status: "running".into(),
        attempts: 1,
        max_attempts: 5,
        run_after: at,
        locked_by: None,
        locked_until: None,
        last_error: None,
        created_at: at,
        updated_at: at,
    };
    while now_ms() <= at {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(items::publish::run_job(db, &job).await.unwrap());
    s.sync_once().await.unwrap();
    assert!(
        finds(&s, &title, item.id, &public()),
        "found once the job published it"
    );
}

#[tokio::test]
async fn scheduled_item_appears_when_published_sqlite() {
    scheduled_job(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn scheduled_item_appears_when_published_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    scheduled_job(t).await;
}

async fn draft(db: &Db, org: i64, catalog: &str, title: &str, body: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let item = items::create(
        &mut tx,
        &Actor::system(),
        org,
        Capabilities::ALL,
        &Metadata {
            formed_on: gongkai_store::deadlines::today(),
            signed_on: None,
            publisher_name: String::new(),
            doc_number: String::new(),
            topic_code: String::new(),
            genre_code: String::new(),
            catalog_code: catalog.into(),
            disclosure: Disclosure::Proactive,
            withhold_ground: String::new(),
            classified: false,
        },
        &Content {
            title: title.into(),
            summary: String::new(),
            body_html: format!("<p>{body}</p>"),
            keywords: String::new(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    item.id
}

async fn county_scope(t: TestDb) {
    let db = &t.db;
    gongkai_store::demo::load_if_empty(db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
    let orgs = gongkai_store::orgs::list(db).await.unwrap();
    let code = |c: &str| orgs.iter().find(|o| o.code == c).unwrap().id;
    let (county_a, county_b) = (code("nanguan"), code("kuancheng"));
    let catalog = gongkai_store::items::registers::vocab_list(db, VocabKind::Catalog, true)
        .await
        .unwrap()[0]
        .code
        .clone();
    let a_id = draft(
        db,
        county_a,
        &catalog,
        "南关区助残草稿通知",
        "共同标记词 甲方内部意见",
    )
    .await;
    let b_id = draft(
        db,
        county_b,
        &catalog,
        "宽城区助残草稿通知",
        "共同标记词 乙方内部意见",
    )
    .await;
    let s = Search::new(db.clone(), None, None);
    s.open_or_rebuild(|_| {}).await.unwrap();
    s.sync_once().await.unwrap();
    let scope = |org: i64| async move {
        Audience::Staff {
            now_ms: now_ms(),
            orgs: gongkai_store::items::catalog::expand_scopes(db, &[org])
                .await
                .unwrap(),
            records: vec![],
        }
    };
    let staff_a = scope(county_a).await;
    let staff_b = scope(county_b).await;

    // The word both drafts contain: A sees exactly its own, as hit and as count.
    let r = s.search(&ask("共同标记词"), &staff_a).unwrap();
    assert_eq!(r.total, 1);
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![a_id]);
    for h in &r.hits {
        let snippet: String = h.snippet.iter().map(|(t, _)| t.as_str()).collect();
        assert!(!snippet.contains("乙方") && !h.title.contains("宽城区"));
    }
    // B's own words: nothing for A, not even a count; B finds them.
    let r = s.search(&ask("乙方内部意见"), &staff_a).unwrap();
    assert_eq!((r.total, r.hits.len()), (0, 0));
    assert_eq!(
        s.search(&ask("乙方内部意见"), &staff_b).unwrap().hits[0].id,
        b_id
    );
    // The public sees neither draft.
    assert_eq!(s.search(&ask("共同标记词"), &public()).unwrap().total, 0);
    // A's scope still finds what is public everywhere (published items of other organisations).
    let published = items_in(db, "published").await;
    let other = published.iter().find(|i| i.org_id != county_a).unwrap();
    let title = title_of(db, other).await;
    assert!(finds(&s, &title, other.id, &staff_a));
}

#[tokio::test]
async fn county_staff_never_see_other_county_drafts_sqlite() {
    county_scope(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn county_staff_never_see_other_county_drafts_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    county_scope(t).await;
}

async fn corrupt_index(t: TestDb) {
    let db = &t.db;
    gongkai_store::demo::load_if_empty(db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("search");
    let first = Search::new(db.clone(), Some(root.clone()), None);
    first.open_or_rebuild(|_| {}).await.unwrap();
    let generation = first.live_dir().await.unwrap();
    let docs = first.num_docs();
    drop(first);
    // Damage the index: its metadata becomes garbage.
    std::fs::write(generation.join("meta.json"), b"{ not json").unwrap();
    let (stop, rx) = watch::channel(false);
    let s = Search::new(db.clone(), Some(root.clone()), None);
    let task = s.start(rx);
    ready(&s).await;
    assert_ne!(
        s.live_dir().await.unwrap(),
        generation,
        "rebuilt into a new generation"
    );
    assert_eq!(s.num_docs(), docs);
    assert!(!generation.exists(), "the broken generation is removed");
    let published = items_in(db, "published").await;
    let title = title_of(db, &published[0]).await;
    assert!(finds(&s, &title, published[0].id, &public()));
    stop.send(true).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn a_corrupt_index_is_rebuilt_on_start_up_sqlite() {
    corrupt_index(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn a_corrupt_index_is_rebuilt_on_start_up_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    corrupt_index(t).await;
}
