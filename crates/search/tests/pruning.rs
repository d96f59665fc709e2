//! Outbox pruning across instances (issue #8), on the demo data, on both backends:
//! - each instance reports the position it has applied; pruning never deletes a row an
//!   instance seen within the retention window still lacks;
//! - an instance away longer than the window (its rows pruned) rebuilds — on start-up, or
//!   while running — and then reflects the changes it missed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_core::items::Capabilities;
use gongkai_search::{Audience, Request, Search};
use gongkai_store::audit::Actor;
use gongkai_store::search::{self as outbox, KIND_ITEM, PRUNE_MIN_AGE_MS, RETENTION_MS};
use gongkai_store::testing::TestDb;
use gongkai_store::{Db, DbOptions, items, now_ms};

fn finds(s: &Search, q: &str, id: i64) -> bool {
    let req = Request {
        q: q.to_string(),
        limit: 50,
        ..Default::default()
    };
    s.search(&req, &Audience::Public { now_ms: now_ms() })
        .map(|r| r.hits.iter().any(|h| h.id == id))
        .unwrap_or(false)
}

async fn applied(db: &Db, s: &Search) -> i64 {
    outbox::instances(db)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.instance == s.instance())
        .map(|i| i.applied)
        .expect("the instance reported")
}

async fn rows(db: &Db) -> Vec<i64> {
    outbox::outbox_after(db, 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.seq)
        .collect()
}

async fn touch(db: &Db, ids: &[i64]) {
    let mut tx = db.begin().await.unwrap();
    for id in ids {
        outbox::enqueue(&mut tx, KIND_ITEM, *id).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn pruning(t: TestDb) {
    gongkai_store::demo::load_if_empty(&t.db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .unwrap();
    let db = t.db.clone();
    let db_b = Db::connect(&t.url, &DbOptions::default()).await.unwrap();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Search::new(db.clone(), Some(dir_a.path().join("search")), None);
    let b = Search::new(db_b.clone(), Some(dir_b.path().join("search")), None);
    a.open_or_rebuild(|_| {}).await.unwrap();
    b.open_or_rebuild(|_| {}).await.unwrap();
    assert_ne!(a.instance(), b.instance());
    // The name is kept with the index: a restart is the same instance.
    assert_eq!(
        Search::new(db.clone(), Some(dir_a.path().join("search")), None).instance(),
        a.instance()
    );

    // A applies new rows, B does not: pruning keeps what B lacks.
    touch(&db, &[1, 2, 3]).await;
    a.sync_once().await.unwrap();
    a.report_now().await.unwrap();
    b.report_now().await.unwrap();
    let (pa, pb) = (applied(&db, &a).await, applied(&db, &b).await);
    assert!(pa > pb, "A is ahead ({pa} > {pb})");
    let later = now_ms() + PRUNE_MIN_AGE_MS + 1000;
    let p = outbox::prune(&db, later, RETENTION_MS).await.unwrap();
    assert!(p.through <= pb);
    let left = rows(&db).await;
    assert!(left.iter().all(|s| *s > pb));
    assert_eq!(
        left.iter().filter(|s| **s > pb).count(),
        3,
        "B's rows are kept"
    );
    // B catches up; then both have applied everything and it all goes.
    b.sync_once().await.unwrap();
    b.report_now().await.unwrap();
    outbox::prune(&db, later, RETENTION_MS).await.unwrap();
    assert!(rows(&db).await.is_empty());

    // Both go quiet while an item is withdrawn; after the retention window its rows are gone.
    let item = {
        let mut found = None;
        for id in 1..400 {
            if let Some(i) = items::get(&db, id).await.unwrap()
                && i.state == "published"
                && i.withdrawn_at.is_none()
                && !i.classified
            {
                found = Some(i);
                break;
            }
        }
        found.expect("a published demo item")
    };
    let title = items::current_revision(&db, &item).await.unwrap().title;
    assert!(finds(&a, &title, item.id) && finds(&b, &title, item.id));
    let mut tx = db.begin().await.unwrap();
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
    let p = outbox::prune(&db, now_ms() + RETENTION_MS + 60_000, RETENTION_MS)
        .await
        .unwrap();
    assert!(p.rows >= 1 && p.instances == 2);
    assert!(rows(&db).await.is_empty());

    // A, still running, notices at its next report and rebuilds: the withdrawal shows.
    assert!(
        finds(&a, &title, item.id),
        "A has not seen the withdrawal yet"
    );
    a.report_now().await.unwrap();
    a.sync_once().await.unwrap();
    assert!(!finds(&a, &title, item.id), "rebuilt from the database");
    assert!(a.checkpoint().await.unwrap().through >= p.through);

    // B restarts after the window: start-up rebuilds instead of reopening.
    let old = b.live_dir().await.unwrap();
    drop(b);
    let b = Search::new(db_b.clone(), Some(dir_b.path().join("search")), None);
    b.open_or_rebuild(|_| {}).await.unwrap();
    assert_ne!(b.live_dir().await.unwrap(), old, "rebuilt, not reopened");
    assert!(b.checkpoint().await.unwrap().through >= p.through);
    assert!(!finds(&b, &title, item.id));
    // Both report again and count for the next pruning.
    b.sync_once().await.unwrap();
    assert!(applied(&db, &b).await >= p.through);
}

#[tokio::test]
async fn pruning_respects_instances_and_stragglers_rebuild_sqlite() {
    pruning(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn pruning_respects_instances_and_stragglers_rebuild_postgres() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    pruning(t).await;
}
