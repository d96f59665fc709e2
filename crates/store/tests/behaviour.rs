//! The storage behaviour suite: every test runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_core::auth::{Grant, Role};
use gongkai_store::audit::{self, Actor};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::users::{self, NewUser};
use gongkai_store::{Db, StoreError, both_backends, jobs, logins, sessions};

fn org(code: &str, parent: Option<i64>) -> OrgInput {
    OrgInput {
        parent_id: parent,
        kind: if parent.is_none() { "body" } else { "county" }.into(),
        code: code.into(),
        full_name: format!("{code} 全称"),
        short_name: code.into(),
        ..Default::default()
    }
}

async fn seed_two_orgs(db: &Db) -> (i64, i64) {
    let mut tx = db.begin().await.unwrap();
    let a = orgs::create(&mut tx, &Actor::system(), &org("root", None))
        .await
        .unwrap();
    let b = orgs::create(&mut tx, &Actor::system(), &org("child", Some(a.id)))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (a.id, b.id)
}

both_backends!(orgs_tree_and_validation, |db| {
    let (root, child) = seed_two_orgs(db).await;
    let tree = orgs::tree(db).await.unwrap();
    assert!(tree.is_within(child, root));
    assert_eq!(orgs::root(db).await.unwrap().unwrap().id, root);
    assert_eq!(orgs::by_code(db, "child").await.unwrap().unwrap().id, child);

    // Duplicate code → Conflict with a Chinese message, nothing committed.
    let mut tx = db.begin().await.unwrap();
    let err = orgs::create(&mut tx, &Actor::system(), &org("child", Some(root)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("已被使用")),
        "{err}"
    );
    drop(tx);

    // A cycle is refused.
    let mut tx = db.begin().await.unwrap();
    let mut input = org("root", Some(child));
    input.kind = "body".into();
    let err = orgs::update(&mut tx, &Actor::system(), root, &input)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    drop(tx);

    // Bad input is refused before touching the database.
    let mut tx = db.begin().await.unwrap();
    let err = orgs::create(&mut tx, &Actor::system(), &org("含空格 code", None))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    drop(tx);
    assert_eq!(orgs::list(db).await.unwrap().len(), 2);
});

both_backends!(users_grants_and_passwords, |db| {
    let (root, child) = seed_two_orgs(db).await;
    let mut tx = db.begin().await.unwrap();
    let u = users::create(
        &mut tx,
        &Actor::system(),
        &NewUser {
            username: "zhang.san".into(),
            display_name: "张三".into(),
            org_id: child,
            password: "secret-pass-1".into(),
            grants: vec![Grant {
                role: Role::Drafter,
                scope: child,
            }],
            must_change_password: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let loaded = users::by_username(db, "zhang.san").await.unwrap().unwrap();
    assert_eq!(loaded.id, u.id);
    assert!(loaded.must_change_password);
    assert!(gongkai_store::password::verify(
        "secret-pass-1",
        &loaded.password_hash
    ));
    assert_eq!(
        users::grants(db, u.id).await.unwrap(),
        vec![Grant {
            role: Role::Drafter,
            scope: child
        }]
    );

    let mut tx = db.begin().await.unwrap();
    users::set_grants(
        &mut tx,
        &Actor::system(),
        u.id,
        &[Grant {
            role: Role::Auditor,
            scope: root,
        }],
    )
    .await
    .unwrap();
    users::set_password(&mut tx, &Actor::system(), u.id, "another-pass-2", false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let loaded = users::get(db, u.id).await.unwrap().unwrap();
    assert!(!loaded.must_change_password);
    assert!(gongkai_store::password::verify(
        "another-pass-2",
        &loaded.password_hash
    ));
    assert_eq!(
        users::grants(db, u.id).await.unwrap()[0].role,
        Role::Auditor
    );

    // Weak password and duplicate username are refused with Chinese messages.
    let mut tx = db.begin().await.unwrap();
    let weak = NewUser {
        username: "li.si".into(),
        display_name: "李四".into(),
        org_id: root,
        password: "short".into(),
        grants: vec![],
        must_change_password: false,
    };
    assert!(matches!(
        users::create(&mut tx, &Actor::system(), &weak).await,
        Err(StoreError::Invalid(_))
    ));
    let dup = NewUser {
        username: "zhang.san".into(),
        password: "good-pass-3".into(),
        ..weak
    };
    assert!(matches!(
        users::create(&mut tx, &Actor::system(), &dup).await,
        Err(StoreError::Conflict(_))
    ));
});

both_backends!(audit_chain_verifies_and_lists, |db| {
    seed_two_orgs(db).await;
    let v = audit::verify(db).await.unwrap();
    assert_eq!(v.checked, 2);
    assert_eq!(v.first_broken, None);
    let rows = audit::list(
        db,
        &audit::Filter {
            action: Some("org.create".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0].id > rows[1].id, "newest first");
    assert!(rows[0].after_json.as_deref().unwrap().contains("child"));
    assert_eq!(rows[1].prev_hash, audit::GENESIS);
});

both_backends!(audit_log_refuses_update_and_delete, |db| {
    seed_two_orgs(db).await;
    let mut tx = db.begin().await.unwrap();
    let r = gongkai_store::on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE audit_log SET actor = 'x' WHERE id = 1"
    )
    .execute(c)
    .await
    .map(|r| r.rows_affected()));
    assert!(r.is_err(), "update must be refused by the trigger");
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let r = gongkai_store::on_tx!(&mut tx, |c| sqlx::query("DELETE FROM audit_log")
        .execute(c)
        .await
        .map(|r| r.rows_affected()));
    assert!(r.is_err(), "delete must be refused by the trigger");
});

both_backends!(sessions_and_throttling, |db| {
    let (_root, child) = seed_two_orgs(db).await;
    let mut tx = db.begin().await.unwrap();
    let u = users::create(
        &mut tx,
        &Actor::system(),
        &NewUser {
            username: "wang.wu".into(),
            display_name: "王五".into(),
            org_id: child,
            password: "secret-pass-1".into(),
            grants: vec![],
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let life = sessions::Lifetimes::default();
    let (token, s) = sessions::create(&mut tx, u.id, life).await.unwrap();
    tx.commit().await.unwrap();
    let loaded = sessions::load(db, &token, life).await.unwrap().unwrap();
    assert_eq!(loaded.user_id, u.id);
    assert_eq!(loaded.csrf_token, s.csrf_token);
    assert!(
        sessions::load(db, "nonsense", life)
            .await
            .unwrap()
            .is_none()
    );
    // An idle limit of zero ends the session.
    let strict = sessions::Lifetimes {
        idle_ms: 0,
        absolute_ms: life.absolute_ms,
    };
    assert!(sessions::load(db, &token, strict).await.unwrap().is_none());

    let limits = logins::Limits {
        window_ms: 60_000,
        max_failures_per_user: 3,
        max_failures_per_ip: 100,
    };
    for _ in 0..3 {
        assert!(
            !logins::is_throttled(db, "wang.wu", "127.0.0.1", limits)
                .await
                .unwrap()
        );
        let mut tx = db.begin().await.unwrap();
        logins::record(&mut tx, "wang.wu", "127.0.0.1", false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    assert!(
        logins::is_throttled(db, "wang.wu", "10.0.0.9", limits)
            .await
            .unwrap()
    );
    assert!(
        !logins::is_throttled(db, "other", "10.0.0.9", limits)
            .await
            .unwrap()
    );
});

both_backends!(job_queue_claims_once_and_retries, |db| {
    let mut tx = db.begin().await.unwrap();
    let id = jobs::enqueue(
        &mut tx,
        "test.echo",
        &serde_json::json!({"n": 1}),
        Some("k1"),
        0,
    )
    .await
    .unwrap()
    .unwrap();
    // Same dedupe key: not added again.
    assert_eq!(
        jobs::enqueue(&mut tx, "test.echo", &serde_json::json!({}), Some("k1"), 0)
            .await
            .unwrap(),
        None
    );
    tx.commit().await.unwrap();

    let job = jobs::claim(db, "w1", 60_000).await.unwrap().unwrap();
    assert_eq!(job.id, id);
    assert_eq!(job.attempts, 1);
    assert!(
        jobs::claim(db, "w2", 60_000).await.unwrap().is_none(),
        "a held job is not claimed twice"
    );
    jobs::fail(db, &job, "w1", "boom").await.unwrap();
    // Backoff: not runnable immediately.
    assert!(jobs::claim(db, "w2", 60_000).await.unwrap().is_none());

    let mut tx = db.begin().await.unwrap();
    let id2 = jobs::enqueue(&mut tx, "test.echo", &serde_json::json!({"n": 2}), None, 0)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    // A zero lease expires at once, so another worker may take the job over.
    let j = jobs::claim(db, "w1", -1).await.unwrap().unwrap();
    assert_eq!(j.id, id2);
    let j2 = jobs::claim(db, "w2", 60_000).await.unwrap().unwrap();
    assert_eq!(j2.id, id2);
    assert!(
        !jobs::complete(db, id2, "w1").await.unwrap(),
        "the old holder cannot complete it"
    );
    assert!(jobs::complete(db, id2, "w2").await.unwrap());
});

// Many concurrent claimers never get the same job (the SKIP LOCKED / single-writer guarantee).
both_backends!(job_queue_concurrent_claims_are_exclusive, |db| {
    let mut tx = db.begin().await.unwrap();
    for i in 0..40 {
        jobs::enqueue(&mut tx, "test.echo", &serde_json::json!({"i": i}), None, 0)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut handles = Vec::new();
    for w in 0..4 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut got = Vec::new();
            while let Some(j) = jobs::claim(&db, &worker, 60_000).await.unwrap() {
                got.push(j.id);
                jobs::complete(&db, j.id, &worker).await.unwrap();
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, 40);
    assert_eq!(all.len(), 40);
});

#[tokio::test]
async fn refuses_missing_sqlite_file_and_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let err = Db::connect(&path.display().to_string(), &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DatabaseMissing(_)));
    assert!(!path.exists());

    let t = gongkai_store::testing::TestDb::sqlite().await;
    gongkai_store::on_db!(&t.db, |p| {
        sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99999999, 'from the future', CURRENT_TIMESTAMP, TRUE, X'00', 0)"
    )
    .execute(p)
    .await
    .unwrap()
    .rows_affected()
    });
    let err = t.db.migrate().await.unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
    assert!(err.to_string().contains("请升级"));
}
