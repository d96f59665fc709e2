//! The personal-data vault in the store (issue #13) on SQLite and PostgreSQL: sealed columns
//! hold no plaintext (read raw), rotation re-seals in resumable batches, the database refuses a
//! key set that does not match it, and revealing or exporting personal data is audited.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_core::auth::{Grant, Role};
use gongkai_core::vault::{Algorithm, Vault};
use gongkai_store::audit::{self, Actor};
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::personal::{self, SEALED_COLUMNS};
use gongkai_store::users::{self, NewUser};
use gongkai_store::{Db, StoreError, both_backends, on_db};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

async fn seed_users(db: &Db, n: usize) -> Vec<i64> {
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
    let mut ids = Vec::new();
    for i in 0..n {
        let u = users::create(
            &mut tx,
            &Actor::system(),
            &NewUser {
                username: format!("user{i}"),
                display_name: format!("用户{i}"),
                org_id: root.id,
                password: "First-pass-01".into(),
                grants: vec![Grant {
                    role: Role::Drafter,
                    scope: root.id,
                }],
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        ids.push(u.id);
    }
    tx.commit().await.unwrap();
    ids
}

/// Every value of every sealed column, read raw from the database.
async fn raw_sealed_values(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    for col in SEALED_COLUMNS {
        let sql = format!(
            "SELECT {c} FROM {t} WHERE {c} IS NOT NULL ORDER BY id",
            c = col.column,
            t = col.table
        );
        let vals: Vec<String> =
            on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(p)
                .await
                .unwrap());
        out.extend(vals);
    }
    out
}

both_backends!(totp_secrets_are_sealed_at_rest, |db| {
    let ids = seed_users(db, 1).await;
    let vault = Vault::generate(Algorithm::Sm4Gcm, "t");
    personal::register_keys(db, &vault, &Actor::system())
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    users::totp_begin(&mut tx, &Actor::system(), ids[0], SECRET, &vault)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let raw = raw_sealed_values(db).await;
    assert_eq!(raw.len(), 1);
    assert!(raw[0].starts_with("gkv1:sm4-gcm:k1:"), "{}", raw[0]);
    assert!(!raw[0].contains(SECRET));
    // No column of the users table holds the secret.
    let row: Vec<Option<String>> =
        on_db!(db, |p| sqlx::query_scalar("SELECT totp_secret FROM users")
            .fetch_all(p)
            .await
            .unwrap());
    assert!(row.iter().flatten().all(|v| !v.contains(SECRET)));
    let user = users::get(db, ids[0]).await.unwrap().unwrap();
    assert_eq!(
        users::totp_secret(&user, &vault).unwrap().as_deref(),
        Some(SECRET)
    );
    // A vault with other keys cannot read it.
    let other = Vault::generate(Algorithm::Sm4Gcm, "t");
    assert!(users::totp_secret(&user, &other).is_err());
});

both_backends!(rotation_reseals_in_resumable_batches, |db| {
    let ids = seed_users(db, 7).await;
    let mut vault = Vault::generate(Algorithm::Sm4Gcm, "t");
    personal::register_keys(db, &vault, &Actor::system())
        .await
        .unwrap();
    // Two secrets written before sealing existed (plaintext), five under k1.
    for (i, id) in ids.iter().enumerate() {
        let secret = format!("{SECRET}{i}");
        if i < 2 {
            on_db!(db, |p| sqlx::query(
                "UPDATE users SET totp_secret = $1 WHERE id = $2"
            )
            .bind(&secret)
            .bind(id)
            .execute(p)
            .await
            .unwrap()
            .rows_affected());
        } else {
            let mut tx = db.begin().await.unwrap();
            users::totp_begin(&mut tx, &Actor::system(), *id, &secret, &vault)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    }
    let new_id = vault.rotate(Algorithm::Sm4Gcm, "t2");
    personal::register_keys(db, &vault, &Actor::system())
        .await
        .unwrap();
    personal::record_rotation(db, &vault, &Actor::cli())
        .await
        .unwrap();
    let status = personal::status(db, &vault).await.unwrap();
    assert_eq!(status[0].total, 7);
    assert_eq!(status[0].pending, 7);
    // Retiring k1 is refused while values still use it.
    assert!(matches!(
        personal::retire_old_keys(db, &vault, &Actor::cli()).await,
        Err(StoreError::Conflict(_))
    ));

    // Batches of 3: 3, 3, 1, then nothing; after each, every value still opens.
    let mut done = Vec::new();
    loop {
        let n = personal::reseal_batch(db, &vault, 3, &Actor::system())
            .await
            .unwrap();
        done.push(n);
        for (i, id) in ids.iter().enumerate() {
            let user = users::get(db, *id).await.unwrap().unwrap();
            assert_eq!(
                users::totp_secret(&user, &vault).unwrap(),
                Some(format!("{SECRET}{i}"))
            );
        }
        if n == 0 {
            break;
        }
    }
    assert_eq!(done, vec![3, 3, 1, 0]);
    let raw = raw_sealed_values(db).await;
    assert!(
        raw.iter().all(|v| v.starts_with(&vault.current_prefix())),
        "{raw:?}"
    );
    assert!(raw.iter().all(|v| !v.contains(SECRET)));
    assert_eq!(personal::status(db, &vault).await.unwrap()[0].pending, 0);

    // Now k1 can be retired; a key set without k1 is accepted, one without k2 is not.
    assert_eq!(
        personal::retire_old_keys(db, &vault, &Actor::cli())
            .await
            .unwrap(),
        vec!["k1".to_string()]
    );
    let mut only_new = vault.clone();
    only_new.retire_old();
    personal::check_keys(db, &only_new).await.unwrap();
    let stranger = Vault::generate(Algorithm::Sm4Gcm, "t");
    let err = personal::check_keys(db, &stranger).await.unwrap_err();
    assert!(err.to_string().contains(&new_id), "{err}");

    // The rotation, each batch and the retirement are in the audit log, which still verifies.
    let actions: Vec<String> = audit::list(
        db,
        &audit::Filter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.action)
    .collect();
    assert_eq!(actions.iter().filter(|a| *a == "vault.reseal").count(), 3);
    assert!(actions.contains(&"vault.rotate".to_string()));
    assert!(actions.contains(&"vault.key_retire".to_string()));
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
});

both_backends!(a_different_key_under_a_known_id_is_refused, |db| {
    let vault = Vault::generate(Algorithm::Sm4Gcm, "t");
    personal::register_keys(db, &vault, &Actor::system())
        .await
        .unwrap();
    personal::check_keys(db, &vault).await.unwrap();
    // Another random key, also called k1.
    let impostor = Vault::generate(Algorithm::Sm4Gcm, "t");
    let err = personal::check_keys(db, &impostor).await.unwrap_err();
    assert!(err.to_string().contains("不一致"), "{err}");
    // Key material never reaches the database: only ids, algorithms and check values.
    let text = vault.to_toml();
    let secret = text
        .lines()
        .find(|l| l.starts_with("secret"))
        .unwrap()
        .split('"')
        .nth(1)
        .unwrap()
        .to_string();
    let rows: Vec<(String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT key_id, algorithm, check_value FROM vault_keys"
    )
    .fetch_all(p)
    .await
    .unwrap());
    assert_eq!(rows.len(), 1);
    assert!(
        rows.iter()
            .all(|(a, b, c)| !(a.clone() + b + c).contains(&secret))
    );
});

both_backends!(reveal_and_export_are_audited_with_a_watermark, |db| {
    let actor = Actor::user(42, "li.si", "203.0.113.9");
    let mut tx = db.begin().await.unwrap();
    let err = personal::reveal(&mut tx, &actor, "application", "7", "id_number", " ")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("事由"));
    personal::reveal(&mut tx, &actor, "application", "7", "id_number", "核对身份")
        .await
        .unwrap();
    let mark = personal::record_export(&mut tx, &actor, "applications.csv", 12)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(mark.contains("li.si") && mark.contains("203.0.113.9") && mark.contains("导出时间"));
    let records = audit::list(
        db,
        &audit::Filter {
            actor: Some("li.si".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let reveal = records
        .iter()
        .find(|r| r.action == "personal.reveal")
        .unwrap();
    assert_eq!(reveal.ip, "203.0.113.9");
    assert!(reveal.after_json.as_deref().unwrap().contains("核对身份"));
    let export = records
        .iter()
        .find(|r| r.action == "personal.export")
        .unwrap();
    assert!(
        export
            .after_json
            .as_deref()
            .unwrap()
            .contains("\"records\":12")
    );
});

both_backends!(pruning_keeps_the_chain_verifiable_from_a_checkpoint, |db| {
    seed_users(db, 3).await;
    let before = audit::verify(db).await.unwrap();
    assert!(before.first_broken.is_none());
    let total = before.checked;
    assert!(total >= 4);
    // Nothing can be deleted without a checkpoint (the triggers refuse).
    let refused = on_db!(db, |p| sqlx::query("DELETE FROM audit_log WHERE id = 1")
        .execute(p)
        .await
        .is_err());
    assert!(refused);

    let c = audit::prune_through(db, 2, &Actor::system())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c.upto_id, c.pruned), (2, 2));
    let after = audit::verify(db).await.unwrap();
    assert!(after.first_broken.is_none(), "{after:?}");
    assert_eq!(after.checked, total - 2 + 1); // two pruned, the prune record added
    // Pruning again up to the same point does nothing; records after the checkpoint stay
    // protected.
    assert!(
        audit::prune_through(db, 2, &Actor::system())
            .await
            .unwrap()
            .is_none()
    );
    let refused = on_db!(db, |p| sqlx::query("DELETE FROM audit_log WHERE id = 3")
        .execute(p)
        .await
        .is_err());
    assert!(refused);
    // Everything older than now: all but the newest prune record go, still verifiable.
    let c2 = audit::prune_before(db, gongkai_store::now_ms() + 1, &Actor::system())
        .await
        .unwrap()
        .unwrap();
    assert!(c2.upto_id > 2);
    let v = audit::verify(db).await.unwrap();
    assert!(v.first_broken.is_none(), "{v:?}");
    assert_eq!(v.checked, 1);

    // A forged checkpoint (claiming more was pruned) is detected.
    on_db!(db, |p| sqlx::query(
        "INSERT INTO audit_checkpoints (upto_id, upto_hash, record_id, pruned, at) \
         VALUES ($1, 'x', $2, 1, 0)"
    )
    .bind(c2.upto_id + 1)
    .bind(c2.record_id)
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    let v = audit::verify(db).await.unwrap();
    assert!(v.first_broken.is_some());
});

both_backends!(security_events_filter, |db| {
    seed_users(db, 2).await;
    let all = audit::list(
        db,
        &audit::Filter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(all.iter().any(|r| r.action == "org.create"));
    let security = audit::list(
        db,
        &audit::Filter {
            security_only: true,
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        security.len(),
        all.iter()
            .filter(|r| audit::SECURITY_ACTIONS.contains(&r.action.as_str()))
            .count()
    );
    assert!(security.iter().any(|r| r.action == "user.create"));
    assert!(
        security
            .iter()
            .all(|r| audit::SECURITY_ACTIONS.contains(&r.action.as_str()))
    );
});
