//! Security behaviour of the store (issue #13) on SQLite and PostgreSQL: 三员分立 in grants,
//! password policy and history, lockout counted in the database, and the audit chain across the
//! switch from SHA-256 to SM3.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_core::auth::{Grant, Role};
use gongkai_store::audit::{self, Actor, AuditRecord, Change};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::users::{self, Lockout, NewUser, PasswordPolicy};
use gongkai_store::{Backend, Db, StoreError, both_backends, on_tx};
use sha2::{Digest, Sha256};

async fn seed(db: &Db) -> (i64, i64) {
    let mut tx = db.begin().await.unwrap();
    let root = orgs::create(
        &mut tx,
        &Actor::system(),
        &OrgInput {
            kind: "body".into(),
            code: "root".into(),
            full_name: "根机构".into(),
            short_name: "根".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let u = users::create(
        &mut tx,
        &Actor::system(),
        &NewUser {
            username: "wang.wu".into(),
            display_name: "王五".into(),
            org_id: root.id,
            password: "First-pass-01".into(),
            grants: vec![Grant {
                role: Role::Administrator,
                scope: root.id,
            }],
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (root.id, u.id)
}

both_backends!(three_administrators_never_on_one_account, |db| {
    let (root, uid) = seed(db).await;
    for other in [Role::SecurityAdministrator, Role::Auditor] {
        let mut tx = db.begin().await.unwrap();
        let grants = [
            Grant {
                role: Role::Administrator,
                scope: root,
            },
            Grant {
                role: other,
                scope: root,
            },
        ];
        let err = users::set_grants(&mut tx, &Actor::system(), uid, &grants)
            .await
            .unwrap_err();
        match err {
            StoreError::Invalid(m) => {
                assert!(m.contains("三员分立") && m.contains(other.label()), "{m}")
            }
            e => panic!("{e:?}"),
        }
        drop(tx);
    }
    // Creating such an account is refused too, and nothing is written.
    let mut tx = db.begin().await.unwrap();
    let err = users::create(
        &mut tx,
        &Actor::system(),
        &NewUser {
            username: "two.hats".into(),
            display_name: "两顶帽子".into(),
            org_id: root,
            password: "First-pass-01".into(),
            grants: vec![
                Grant {
                    role: Role::SecurityAdministrator,
                    scope: root,
                },
                Grant {
                    role: Role::Auditor,
                    scope: root,
                },
            ],
            must_change_password: false,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref m) if m.contains("三员分立")));
    drop(tx);
    assert!(users::by_username(db, "two.hats").await.unwrap().is_none());
    // One administrator role plus ordinary roles is fine.
    let mut tx = db.begin().await.unwrap();
    users::set_grants(
        &mut tx,
        &Actor::system(),
        uid,
        &[
            Grant {
                role: Role::Auditor,
                scope: root,
            },
            Grant {
                role: Role::DisclosureOffice,
                scope: root,
            },
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(users::grants(db, uid).await.unwrap().len(), 2);
});

both_backends!(password_policy_history_and_pruning, |db| {
    let (_, uid) = seed(db).await;
    let policy = PasswordPolicy {
        history: 3,
        ..PasswordPolicy::default()
    };
    let set = |pw: &'static str| async move {
        let mut tx = db.begin().await.unwrap();
        let r = users::set_password_with_policy(&mut tx, &Actor::system(), uid, pw, false, &policy)
            .await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    };
    // Policy: length and classes.
    for weak in ["Short-1", "alllowercase1", "NoDigitsHere"] {
        assert!(
            matches!(set(weak).await, Err(StoreError::Invalid(_))),
            "{weak}"
        );
    }
    // The current password cannot be reused.
    let err = set("First-pass-01").await.unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("最近 3 次")),
        "{err:?}"
    );
    set("Second-pass-02").await.unwrap();
    set("Third-pass-03").await.unwrap();
    // First is now the third most recent (First, Second, Third): still refused.
    assert!(set("First-pass-01").await.is_err());
    set("Fourth-pass-04").await.unwrap();
    // Now First has dropped out of the last three.
    set("First-pass-01").await.unwrap();
    let kept: (i64,) = gongkai_store::on_db!(db, |p| sqlx::query_as(
        "SELECT COUNT(*) FROM password_history WHERE user_id = $1"
    )
    .bind(uid)
    .fetch_one(p)
    .await
    .unwrap());
    assert_eq!(kept.0, 3, "history is pruned to the policy's length");
    // Expiry.
    let day = 86_400_000;
    assert!(!policy.is_expired(0, 89 * day));
    assert!(policy.is_expired(0, 90 * day));
    let never = PasswordPolicy {
        expiry_days: 0,
        ..policy
    };
    assert!(!never.is_expired(0, 10_000 * day));
});

both_backends!(lockout_is_counted_in_the_database_and_audited, |db| {
    let (_, uid) = seed(db).await;
    let lockout = Lockout {
        max_failures: 3,
        lock_ms: 60_000,
    };
    for i in 1..=3 {
        let mut tx = db.begin().await.unwrap();
        let locked = users::record_failure(
            &mut tx,
            "wang.wu",
            Some(uid),
            "10.0.0.7",
            "password",
            &lockout,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(locked.is_some(), i == 3, "failure {i}");
    }
    let u = users::get(db, uid).await.unwrap().unwrap();
    let now = gongkai_store::now_ms();
    assert!(u.is_locked(now));
    assert!(!u.is_locked(now + 61_000), "the lock expires");
    let records = audit::list(
        db,
        &audit::Filter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let failed: Vec<&AuditRecord> = records
        .iter()
        .filter(|r| r.action == "auth.login_failed")
        .collect();
    assert_eq!(failed.len(), 3);
    assert!(failed.iter().all(|r| r.ip == "10.0.0.7"));
    let lock = records.iter().find(|r| r.action == "auth.lockout").unwrap();
    assert_eq!(lock.ip, "10.0.0.7");
    assert_eq!(lock.object_id, uid.to_string());
    // A success clears the counter and returns the previous login (none yet).
    let mut tx = db.begin().await.unwrap();
    users::unlock(&mut tx, &Actor::system(), uid).await.unwrap();
    assert_eq!(
        users::record_success(&mut tx, uid, "10.0.0.8")
            .await
            .unwrap(),
        (None, None)
    );
    let (at, ip) = users::record_success(&mut tx, uid, "10.0.0.9")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(at.is_some());
    assert_eq!(ip.as_deref(), Some("10.0.0.8"));
    let u = users::get(db, uid).await.unwrap().unwrap();
    assert!(!u.is_locked(gongkai_store::now_ms()));
    assert_eq!(u.failed_logins, 0);
    // Lock until unlocked (lock_ms = 0).
    let forever = Lockout {
        max_failures: 1,
        lock_ms: 0,
    };
    let mut tx = db.begin().await.unwrap();
    users::record_failure(&mut tx, "wang.wu", Some(uid), "", "password", &forever)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let u = users::get(db, uid).await.unwrap().unwrap();
    assert_eq!(u.locked_until, Some(i64::MAX));
    // Unknown usernames are audited but touch no account.
    let mut tx = db.begin().await.unwrap();
    let r = users::record_failure(&mut tx, "nobody", None, "10.0.0.1", "password", &lockout)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(r, None);
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

/// Drops the append-only triggers (what an attacker with database access would do).
async fn drop_triggers(db: &Db) {
    let mut tx = db.begin().await.unwrap();
    let stmts: &[&str] = if db.backend() == Backend::Sqlite {
        &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ]
    } else {
        &["DROP TRIGGER audit_log_no_update ON audit_log"]
    };
    for s in stmts {
        on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(*s))
            .execute(c)
            .await
            .unwrap()
            .rows_affected());
    }
    tx.commit().await.unwrap();
}

async fn tamper(db: &Db, sql: &'static str) {
    let mut tx = db.begin().await.unwrap();
    on_tx!(&mut tx, |c| sqlx::query(sql)
        .execute(c)
        .await
        .unwrap()
        .rows_affected());
    tx.commit().await.unwrap();
}

// A chain begun before migration 0005 (SHA-256 records, written here as the old code did) and
// continued by the current code (SM3) verifies across the switch; editing a row on either side,
// or relabelling its algorithm, is detected at that row.
both_backends!(audit_chain_verifies_across_the_sha256_to_sm3_switch, |db| {
    let mut prev = audit::GENESIS.to_string();
    let mut tx = db.begin().await.unwrap();
    for id in 1..=3i64 {
        let mut r = AuditRecord {
            id,
            at: 1_700_000_000_000 + id,
            actor_user_id: None,
            actor: "system".into(),
            action: "org.create".into(),
            object_type: "org".into(),
            object_id: id.to_string(),
            before_json: None,
            after_json: Some(format!("{{\"n\":{id}}}")),
            ip: String::new(),
            prev_hash: prev.clone(),
            hash: String::new(),
            hash_alg: "sha256".into(),
        };
        // Independent oracle: the pre-0005 definition, SHA-256 of the JSON array of the fields.
        let canonical = serde_json::json!([
            r.prev_hash,
            r.id,
            r.at,
            r.actor_user_id,
            r.actor,
            r.action,
            r.object_type,
            r.object_id,
            r.before_json,
            r.after_json,
            r.ip
        ]);
        r.hash = hex::encode(Sha256::digest(canonical.to_string().as_bytes()));
        assert_eq!(audit::record_hash(&r).as_deref(), Some(r.hash.as_str()));
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO audit_log (id, at, actor_user_id, actor, action, object_type, object_id, \
             before_json, after_json, ip, prev_hash, hash, hash_alg) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'sha256')"
        )
        .bind(r.id)
        .bind(r.at)
        .bind(r.actor_user_id)
        .bind(&r.actor)
        .bind(&r.action)
        .bind(&r.object_type)
        .bind(&r.object_id)
        .bind(&r.before_json)
        .bind(&r.after_json)
        .bind(&r.ip)
        .bind(&r.prev_hash)
        .bind(&r.hash)
        .execute(c)
        .await
        .unwrap()
        .rows_affected());
        prev = r.hash.clone();
    }
    for i in 0..3 {
        audit::append(
            &mut tx,
            &Actor::system(),
            Change {
                action: "test.sm3",
                object_type: "test",
                object_id: i.to_string(),
                before: None,
                after: Some(serde_json::json!({ "i": i })),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let v = audit::verify(db).await.unwrap();
    assert_eq!(v.first_broken, None);
    assert_eq!(v.checked, 6);
    assert_eq!(
        v.by_alg,
        vec![("sha256".to_string(), 3), ("sm3".to_string(), 3)]
    );
    // The first SM3 record links to the last SHA-256 one.
    let rows = audit::list(
        db,
        &audit::Filter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r4 = rows.iter().find(|r| r.id == 4).unwrap();
    assert_eq!(r4.hash_alg, "sm3");
    assert_eq!(r4.prev_hash, prev);
    assert_eq!(r4.hash.len(), 64);

    drop_triggers(db).await;
    // An edit on the SHA-256 side.
    tamper(db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2").await;
    let v = audit::verify(db).await.unwrap();
    assert_eq!(v.first_broken.as_ref().map(|b| b.0), Some(2));
    assert!(v.first_broken.unwrap().1.contains("记录被修改"));
    tamper(db, "UPDATE audit_log SET actor = 'system' WHERE id = 2").await;
    assert_eq!(audit::verify(db).await.unwrap().first_broken, None);
    // An edit on the SM3 side.
    tamper(
        db,
        "UPDATE audit_log SET after_json = '{\"i\":9}' WHERE id = 5",
    )
    .await;
    let v = audit::verify(db).await.unwrap();
    assert_eq!(v.first_broken.as_ref().map(|b| b.0), Some(5));
    tamper(
        db,
        "UPDATE audit_log SET after_json = '{\"i\":1}' WHERE id = 5",
    )
    .await;
    assert_eq!(audit::verify(db).await.unwrap().first_broken, None);
    // Relabelling an SM3 record as SHA-256, or as an unknown algorithm, is detected.
    tamper(db, "UPDATE audit_log SET hash_alg = 'sha256' WHERE id = 6").await;
    assert_eq!(
        audit::verify(db).await.unwrap().first_broken.map(|b| b.0),
        Some(6)
    );
    tamper(db, "UPDATE audit_log SET hash_alg = 'md5' WHERE id = 6").await;
    let v = audit::verify(db).await.unwrap();
    assert!(v.first_broken.unwrap().1.contains("未知的哈希算法"));
});
