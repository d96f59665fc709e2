//! Personal data at rest (issue #13; 个人信息保护法 Art. 51, GB/T 22239-2019 8.1.4.10/13): the
//! sealed-column registry, key registration and checks, background re-sealing after a key
//! rotation, and the audited helpers for revealing and exporting personal data.
//!
//! # The pattern (for every domain that stores personal data)
//! 1. Keep the field in a `TEXT` column and write `vault.seal_str(CONTEXT, value)` into it, where
//!    `CONTEXT` is `"<table>.<column>"`; read it with [`open_text`]. The [`Vault`] comes from
//!    `AppState.config.vault` in handlers and is passed to store functions as `&Vault`.
//! 2. Add the column to [`SEALED_COLUMNS`]: key rotation re-seals it, and the no-plaintext tests
//!    read it raw on both backends.
//! 3. A field that must be searchable (the repeat-applicant check on the ID number) gets a second
//!    column with `vault.blind_index(CONTEXT, &ids::normalize(value))` and an index on it; look it
//!    up by computing the same index. Never store the plaintext to search it.
//! 4. Files (identity proofs) are sealed whole with `vault.seal_bytes` before they are written.
//! 5. Show numbers masked (`gongkai_core::mask`); a full number only through [`reveal`] (audited,
//!    `Action::RevealPersonalData`); exports of personal data through [`record_export`] with
//!    [`watermark`] on every page or sheet.

pub mod files;
pub mod retention;

use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, jobs, now_ms, on_db, on_tx};
use gongkai_core::vault::{Vault, VaultError};
use serde_json::json;

/// A database column that holds sealed text. Every table here has an `id BIGINT` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    /// The vault context (associated data) of the column: `"<table>.<column>"`.
    pub context: &'static str,
}

/// Every sealed column. Domains add theirs here (see the module docs).
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn {
        table: "users",
        column: "totp_secret",
        context: "users.totp_secret",
    },
    // Disclosure applications (issue #6): the applicant's numbers and contact details.
    SealedColumn {
        table: "applications",
        column: "pii_id_number",
        context: crate::applications::PII_ID_NUMBER,
    },
    SealedColumn {
        table: "applications",
        column: "pii_phone",
        context: crate::applications::PII_PHONE,
    },
    SealedColumn {
        table: "applications",
        column: "pii_email",
        context: crate::applications::PII_EMAIL,
    },
    SealedColumn {
        table: "applications",
        column: "pii_address",
        context: crate::applications::PII_ADDRESS,
    },
    SealedColumn {
        table: "applications",
        column: "pii_postcode",
        context: crate::applications::PII_POSTCODE,
    },
    SealedColumn {
        table: "applications",
        column: "pii_agent_id_number",
        context: crate::applications::PII_AGENT_ID_NUMBER,
    },
    // The mailbox writer's contact details (issue #7).
    SealedColumn {
        table: "mailbox_messages",
        column: "pii_name",
        context: "mailbox_messages.pii_name",
    },
    SealedColumn {
        table: "mailbox_messages",
        column: "pii_phone",
        context: "mailbox_messages.pii_phone",
    },
    SealedColumn {
        table: "mailbox_messages",
        column: "pii_email",
        context: "mailbox_messages.pii_email",
    },
];

/// The job that re-seals values that are not under the current key.
pub const RESEAL_JOB: &str = "vault.reseal";
/// Rows re-sealed per transaction.
pub const RESEAL_BATCH: i64 = 200;
const CHECK_CONTEXT: &str = "vault_keys.check_value";
const CHECK_PLAINTEXT: &str = "gongkai vault key check";

fn vault_err(e: VaultError) -> StoreError {
    StoreError::Invalid(e.to_string())
}

/// Opens a sealed value of `context`. A value written before the column was sealed (plaintext,
/// until the re-seal job has run) is returned as it is.
pub fn open_text(vault: &Vault, context: &str, stored: &str) -> Result<String> {
    if Vault::is_sealed(stored) {
        vault.open_str(context, stored).map_err(vault_err)
    } else {
        Ok(stored.to_string())
    }
}

/// The ids of the keys the database has seen and not retired.
pub async fn registered_keys(db: &Db) -> Result<Vec<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT key_id FROM vault_keys WHERE retired_at IS NULL ORDER BY created_at, key_id"
    )
    .fetch_all(p)
    .await?))
}

/// Registers the vault's keys that the database does not know yet (id, algorithm and a sealed
/// check value; never key material), audited as `vault.key_add`. Returns the ids added.
pub async fn register_keys(db: &Db, vault: &Vault, actor: &Actor) -> Result<Vec<String>> {
    let known: Vec<String> = on_db!(db, |p| sqlx::query_scalar("SELECT key_id FROM vault_keys")
        .fetch_all(p)
        .await?);
    let mut added = Vec::new();
    let mut tx = db.begin().await?;
    for key in vault.keys() {
        if known.contains(&key.id) {
            continue;
        }
        // The check value is sealed under this key: make a one-key view to seal with it.
        let check = vault
            .with_current(&key.id)
            .map_err(vault_err)?
            .seal_str(CHECK_CONTEXT, CHECK_PLAINTEXT);
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO vault_keys (key_id, algorithm, check_value, created_at) \
             VALUES ($1, $2, $3, $4)"
        )
        .bind(&key.id)
        .bind(key.algorithm.name())
        .bind(&check)
        .bind(now_ms())
        .execute(c)
        .await?
        .rows_affected());
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "vault.key_add",
                object_type: "vault_key",
                object_id: key.id.clone(),
                before: None,
                after: Some(json!({ "algorithm": key.algorithm.name(), "current": key.id == vault.current_key().id })),
            },
        )
        .await?;
        added.push(key.id.clone());
    }
    tx.commit().await?;
    Ok(added)
}

/// Refuses a vault that does not match the database: every key the database has seen and not
/// retired must be present and open its check value (a different key under a known id would
/// make new data unreadable to the old key's holders and old data unreadable now).
pub async fn check_keys(db: &Db, vault: &Vault) -> Result<()> {
    let rows: Vec<(String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT key_id, check_value FROM vault_keys WHERE retired_at IS NULL ORDER BY key_id"
    )
    .fetch_all(p)
    .await?);
    for (id, check) in rows {
        if !vault.keys().iter().any(|k| k.id == id) {
            return Err(StoreError::Invalid(format!(
                "数据库中仍有数据可能使用密钥 {id}，但密钥文件中没有它：请使用原来的密钥文件（或设置 GONGKAI_VAULT_KEYS）"
            )));
        }
        if vault.open_str(CHECK_CONTEXT, &check).ok().as_deref() != Some(CHECK_PLAINTEXT) {
            return Err(StoreError::Invalid(format!(
                "密钥文件中的密钥 {id} 与数据库登记的不一致：请使用原来的密钥文件"
            )));
        }
    }
    Ok(())
}

/// How many values of one sealed column are not under the current key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ColumnStatus {
    pub context: String,
    pub total: i64,
    pub pending: i64,
}

fn pending_condition(col: &SealedColumn) -> String {
    format!(
        "{c} IS NOT NULL AND {c} <> '' AND substr({c}, 1, $1) <> $2",
        c = col.column
    )
}

/// Counts, per sealed column, the values and those still to re-seal (plaintext or older key).
pub async fn status(db: &Db, vault: &Vault) -> Result<Vec<ColumnStatus>> {
    let prefix = vault.current_prefix();
    let len = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    let mut out = Vec::new();
    for col in SEALED_COLUMNS {
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM {t} WHERE {c} IS NOT NULL AND {c} <> ''), \
                    (SELECT COUNT(*) FROM {t} WHERE {cond})",
            t = col.table,
            c = col.column,
            cond = pending_condition(col)
        );
        let (total, pending): (i64, i64) =
            on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(len)
                .bind(&prefix)
                .fetch_one(p)
                .await?);
        out.push(ColumnStatus {
            context: col.context.to_string(),
            total,
            pending,
        });
    }
    out.extend(files::status(db, vault).await?);
    Ok(out)
}

/// Re-seals up to `limit` values under the current key, in one transaction with one audit
/// record (`vault.reseal`). Plaintext left from before a column was sealed is sealed too.
/// Returns how many values were re-sealed; 0 means nothing is left. Safe to run from several
/// workers at once and to interrupt at any point: each row is updated only if it still holds
/// the value that was read, and a batch commits whole or not at all.
pub async fn reseal_batch(db: &Db, vault: &Vault, limit: i64, actor: &Actor) -> Result<u64> {
    let prefix = vault.current_prefix();
    let len = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    let mut tx = db.begin().await?;
    let mut done = 0u64;
    let mut per_column = serde_json::Map::new();
    let mut from_keys: std::collections::BTreeMap<String, u64> = Default::default();
    for col in SEALED_COLUMNS {
        let remaining = limit - i64::try_from(done).unwrap_or(limit);
        if remaining <= 0 {
            break;
        }
        let select = format!(
            "SELECT id, {c} FROM {t} WHERE {cond} ORDER BY id LIMIT $3",
            t = col.table,
            c = col.column,
            cond = pending_condition(col)
        );
        let rows: Vec<(i64, String)> = on_tx!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
            select.clone()
        ))
        .bind(len)
        .bind(&prefix)
        .bind(remaining)
        .fetch_all(c)
        .await?);
        let update = format!(
            "UPDATE {t} SET {c} = $1 WHERE id = $2 AND {c} = $3",
            t = col.table,
            c = col.column
        );
        let mut n = 0u64;
        for (id, old) in rows {
            let plain = open_text(vault, col.context, &old)?;
            let new = vault.seal_str(col.context, &plain);
            let changed = on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(
                update.clone()
            ))
            .bind(&new)
            .bind(id)
            .bind(&old)
            .execute(c)
            .await?
            .rows_affected());
            n += changed;
            let from = Vault::key_id_of(&old).unwrap_or("plaintext").to_string();
            *from_keys.entry(from).or_default() += changed;
        }
        if n > 0 {
            per_column.insert(col.context.to_string(), json!(n));
        }
        done += n;
    }
    if done > 0 {
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "vault.reseal",
                object_type: "vault_key",
                object_id: vault.current_key().id.clone(),
                before: Some(json!({ "from_keys": from_keys })),
                after: Some(json!({ "resealed": done, "columns": per_column })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Runs [`reseal_batch`] and then [`files::reseal_batch`] (of `batch` rows each) until nothing
/// is left; returns the total. Resumable: after an interruption, running it again continues
/// where the committed batches stopped.
pub async fn reseal_all(
    db: &Db,
    vault: &Vault,
    data_dir: &std::path::Path,
    batch: i64,
    actor: &Actor,
) -> Result<u64> {
    let mut total = 0;
    loop {
        let n = reseal_batch(db, vault, batch.max(1), actor).await?;
        if n == 0 {
            break;
        }
        total += n;
    }
    loop {
        let n = files::reseal_batch(db, vault, data_dir, batch.max(1), actor).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

/// Enqueues the re-seal job (once: a queued one is not doubled).
pub async fn enqueue_reseal(tx: &mut Tx) -> Result<Option<i64>> {
    jobs::enqueue(
        tx,
        RESEAL_JOB,
        &json!({}),
        Some(&format!("{RESEAL_JOB}:{}", now_ms())),
        now_ms(),
    )
    .await
}

/// Records a key rotation (`vault.rotate`, a security event) and enqueues the re-seal job in the
/// same transaction. The new key must already be in `vault` and registered.
pub async fn record_rotation(db: &Db, vault: &Vault, actor: &Actor) -> Result<()> {
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "vault.rotate",
            object_type: "vault_key",
            object_id: vault.current_key().id.clone(),
            before: None,
            after: Some(json!({
                "algorithm": vault.current_key().algorithm.name(),
                "keys": vault.keys().iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;
    enqueue_reseal(&mut tx).await?;
    tx.commit().await
}

/// Marks every registered key other than the current one retired, once no sealed value names
/// it any more; audited as `vault.key_retire`. Returns the ids retired; refuses while values
/// are still pending.
pub async fn retire_old_keys(db: &Db, vault: &Vault, actor: &Actor) -> Result<Vec<String>> {
    let pending: i64 = status(db, vault).await?.iter().map(|s| s.pending).sum();
    if pending > 0 {
        return Err(StoreError::Conflict(format!(
            "还有 {pending} 个值未用当前密钥重新加密：请等待重新加密完成（gongkai keys status）"
        )));
    }
    let current = vault.current_key().id.clone();
    let mut tx = db.begin().await?;
    let ids: Vec<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "UPDATE vault_keys SET retired_at = $1 WHERE key_id <> $2 AND retired_at IS NULL \
         RETURNING key_id"
    )
    .bind(now_ms())
    .bind(&current)
    .fetch_all(c)
    .await?);
    for id in &ids {
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "vault.key_retire",
                object_type: "vault_key",
                object_id: id.clone(),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids)
}

/// Records that `actor` revealed the full value of a personal-data field (`personal.reveal`).
/// Call it in the transaction of the request that shows the value, after the permission check
/// (`Action::RevealPersonalData`); the reason is required and kept in the record.
pub async fn reveal(
    tx: &mut Tx,
    actor: &Actor,
    object_type: &str,
    object_id: &str,
    field: &str,
    reason: &str,
) -> Result<()> {
    let reason = reason.trim();
    if reason.chars().count() < 2 {
        return Err(StoreError::Invalid(
            "查看完整号码须填写事由（至少 2 个字）".into(),
        ));
    }
    audit::append(
        tx,
        actor,
        Change {
            action: "personal.reveal",
            object_type,
            object_id: object_id.to_string(),
            before: None,
            after: Some(json!({ "field": field, "reason": reason })),
        },
    )
    .await?;
    Ok(())
}

/// Records an export of personal data (`personal.export`): what, how many records, and the
/// watermark text the export carries. Returns the watermark to print on every page or sheet.
pub async fn record_export(tx: &mut Tx, actor: &Actor, what: &str, records: u64) -> Result<String> {
    let at = now_ms();
    let mark = watermark(actor, at);
    audit::append(
        tx,
        actor,
        Change {
            action: "personal.export",
            object_type: "export",
            object_id: what.to_string(),
            before: None,
            after: Some(json!({ "records": records, "watermark": mark })),
        },
    )
    .await?;
    Ok(mark)
}

/// The watermark of an export: who exported it, from where, and when (China Standard Time).
pub fn watermark(actor: &Actor, at_ms: i64) -> String {
    // China Standard Time, UTC+8 all year.
    let when = chrono::DateTime::from_timestamp_millis(at_ms + 8 * 3_600_000)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default();
    let ip = if actor.ip.is_empty() {
        String::new()
    } else {
        format!("（{}）", actor.ip)
    };
    format!(
        "含个人信息，仅限工作使用，不得外传。导出人：{}{ip}；导出时间：{when}",
        actor.label
    )
}
