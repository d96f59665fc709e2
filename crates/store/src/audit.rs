//! The audit log (product.md C1): every state change, who, when, what, before/after as JSON.
//!
//! Append-only: triggers in both backends refuse UPDATE and DELETE on `audit_log`. Tamper-evident:
//! each record stores the hash of its own content and the previous record's hash, so editing or
//! removing any row (after dropping the triggers) breaks the chain from that row on, and
//! [`verify`] names the first broken record.
//!
//! Hash algorithms (商用密码, GB/T 39786-2021; issue #13): records written since migration 0005
//! use SM3 (GB/T 32905-2016, `hash_alg = 'sm3'`), and their hashed content includes the algorithm
//! name so that relabelling a record is detected; older records keep SHA-256 (`'sha256'`, content
//! as before). [`verify`] checks each record with its own algorithm and the links across the
//! switch.
//!
//! Records are appended inside the same transaction as the change they describe, so a change
//! without its audit record (or the reverse) can never be committed. Appends are serialised: on
//! SQLite by the single writer, on PostgreSQL by a transaction-scoped advisory lock.

use crate::{Backend, Db, Result, Tx, now_ms, on_db, on_tx};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sm3::Sm3;

/// The algorithm of new records.
pub const HASH_ALG: &str = "sm3";

/// The hash that precedes the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const ADVISORY_LOCK_KEY: i64 = 0x6761_6f6b_6169; // "gaokai", any constant unique to this chain

/// Who made a change.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// Username, or `system` / `cli:<os user>` for changes not made by a logged-in person.
    pub label: String,
    pub ip: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            label: "system".into(),
            ip: String::new(),
        }
    }

    pub fn cli() -> Actor {
        let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        Actor {
            user_id: None,
            label: format!("cli:{who}"),
            ip: String::new(),
        }
    }

    pub fn user(user_id: i64, username: &str, ip: &str) -> Actor {
        Actor {
            user_id: Some(user_id),
            label: username.to_string(),
            ip: ip.to_string(),
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A stored audit record.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: String,
    pub prev_hash: String,
    pub hash: String,
    /// `sm3` (current) or `sha256` (records written before migration 0005).
    pub hash_alg: String,
}

/// The content hash of a record with its own algorithm, over an unambiguous JSON array of every
/// field (SM3 records also cover `hash_alg`). `None` for an unknown algorithm.
pub fn record_hash(r: &AuditRecord) -> Option<String> {
    let mut canonical = serde_json::json!([
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
    match r.hash_alg.as_str() {
        "sha256" => Some(hex::encode(Sha256::digest(
            canonical.to_string().as_bytes(),
        ))),
        "sm3" => {
            if let Some(a) = canonical.as_array_mut() {
                a.push(Value::from("sm3"));
            }
            Some(hex::encode(<Sm3 as sm3::Digest>::digest(
                canonical.to_string().as_bytes(),
            )))
        }
        _ => None,
    }
}

/// Appends a record for `change` by `actor` inside `tx`. Returns its id.
pub async fn append(tx: &mut Tx, actor: &Actor, change: Change<'_>) -> Result<i64> {
    if tx.backend() == Backend::Postgres {
        on_tx!(tx, |c| sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(ADVISORY_LOCK_KEY)
            .execute(c)
            .await?
            .rows_affected());
    }
    let last: Option<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
    )
    .fetch_optional(c)
    .await?);
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let mut record = AuditRecord {
        id,
        at: now_ms(),
        actor_user_id: actor.user_id,
        actor: actor.label.clone(),
        action: change.action.to_string(),
        object_type: change.object_type.to_string(),
        object_id: change.object_id,
        before_json: change.before.map(|v| v.to_string()),
        after_json: change.after.map(|v| v.to_string()),
        ip: actor.ip.clone(),
        prev_hash,
        hash: String::new(),
        hash_alg: HASH_ALG.to_string(),
    };
    record.hash = record_hash(&record).unwrap_or_default();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO audit_log (id, at, actor_user_id, actor, action, object_type, object_id, \
         before_json, after_json, ip, prev_hash, hash, hash_alg) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )
    .bind(record.id)
    .bind(record.at)
    .bind(record.actor_user_id)
    .bind(&record.actor)
    .bind(&record.action)
    .bind(&record.object_type)
    .bind(&record.object_id)
    .bind(&record.before_json)
    .bind(&record.after_json)
    .bind(&record.ip)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .bind(&record.hash_alg)
    .execute(c)
    .await?
    .rows_affected());
    Ok(id)
}

/// The id of the newest audit record (0 for an empty log). Every state change appends a record
/// in its own transaction and appends are serialised (advisory lock on PostgreSQL, the one
/// writer on SQLite), so this number moves whenever anything committed: the portal's render
/// cache watches it (issue #11).
pub async fn head(db: &Db) -> Result<i64> {
    let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
        .fetch_one(p)
        .await?);
    Ok(id.unwrap_or(0))
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub checked: u64,
    /// How many verified records used each algorithm, e.g. `[("sha256", 40), ("sm3", 12)]`.
    pub by_alg: Vec<(String, u64)>,
    /// The first record that does not verify, and why (in Chinese).
    pub first_broken: Option<(i64, String)>,
}

/// Walks the whole chain in id order, in pages, and reports the first broken record.
///
/// After pruning (retention), the walk starts at the latest checkpoint: the record after the
/// last pruned one must link to the checkpoint's hash, and the `audit.prune` record that wrote
/// the checkpoint (itself in the chain) must name the same record and hash.
pub async fn verify(db: &Db) -> Result<Verification> {
    const PAGE: i64 = 5_000;
    let checkpoint = latest_checkpoint(db).await?;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_id = 1i64;
    let mut after_id = 0i64;
    if let Some(c) = &checkpoint {
        expected_prev = c.upto_hash.clone();
        expected_id = c.upto_id + 1;
        after_id = c.upto_id;
        let record: Option<(String, Option<String>)> = on_db!(db, |p| sqlx::query_as(
            "SELECT action, after_json FROM audit_log WHERE id = $1"
        )
        .bind(c.record_id)
        .fetch_optional(p)
        .await?);
        let matches = record.is_some_and(|(action, after)| {
            let after: Value = after
                .and_then(|a| serde_json::from_str(&a).ok())
                .unwrap_or_default();
            action == "audit.prune"
                && after["upto_id"].as_i64() == Some(c.upto_id)
                && after["upto_hash"].as_str() == Some(c.upto_hash.as_str())
        });
        if !matches {
            return Ok(Verification {
                checked: 0,
                by_alg: Vec::new(),
                first_broken: Some((
                    c.record_id,
                    "保存期检查点与其审计记录不符（检查点被修改）".to_string(),
                )),
            });
        }
    }
    let mut checked = 0u64;
    let mut by_alg: Vec<(String, u64)> = Vec::new();
    loop {
        let rows: Vec<AuditRecord> = on_db!(db, |p| {
            sqlx::query_as(
            "SELECT id, at, actor_user_id, actor, action, object_type, object_id, before_json, \
             after_json, ip, prev_hash, hash, hash_alg FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
        )
        .bind(after_id)
        .bind(PAGE)
        .fetch_all(p)
        .await?
        });
        if rows.is_empty() {
            return Ok(Verification {
                checked,
                by_alg,
                first_broken: None,
            });
        }
        for r in &rows {
            let problem = if r.id != expected_id {
                Some(format!("缺少第 {expected_id} 条记录（记录被删除）"))
            } else if r.prev_hash != expected_prev {
                Some("与上一条记录的哈希不衔接（前序记录被修改或删除）".to_string())
            } else {
                match record_hash(r) {
                    None => Some(format!("未知的哈希算法“{}”（记录被修改）", r.hash_alg)),
                    Some(h) if h != r.hash => {
                        Some("记录内容与其哈希不符（记录被修改）".to_string())
                    }
                    Some(_) => None,
                }
            };
            if let Some(why) = problem {
                return Ok(Verification {
                    checked,
                    by_alg,
                    first_broken: Some((r.id, why)),
                });
            }
            checked += 1;
            match by_alg.iter_mut().find(|(a, _)| *a == r.hash_alg) {
                Some((_, n)) => *n += 1,
                None => by_alg.push((r.hash_alg.clone(), 1)),
            }
            expected_id = r.id + 1;
            expected_prev = r.hash.clone();
            after_id = r.id;
        }
    }
}

/// A retention checkpoint: records up to `upto_id` were pruned; `upto_hash` was the hash of
/// record `upto_id`, and record `record_id` (`audit.prune`) says so inside the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Checkpoint {
    pub upto_id: i64,
    pub upto_hash: String,
    pub record_id: i64,
    pub pruned: i64,
    pub at: i64,
}

/// The latest retention checkpoint, if the log was ever pruned.
pub async fn latest_checkpoint(db: &Db) -> Result<Option<Checkpoint>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT upto_id, upto_hash, record_id, pruned, at FROM audit_checkpoints \
         ORDER BY upto_id DESC LIMIT 1"
    )
    .fetch_optional(p)
    .await?))
}

/// Prunes the records older than `before_ms` (retention, 网络安全法 Art. 21: the caller ensures
/// at least six months are kept). See [`prune_through`]. `None` when nothing is old enough.
pub async fn prune_before(db: &Db, before_ms: i64, actor: &Actor) -> Result<Option<Checkpoint>> {
    let upto: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT MAX(id) FROM audit_log WHERE at < $1"
    )
    .bind(before_ms)
    .fetch_one(p)
    .await?);
    match upto {
        Some(id) => prune_through(db, id, actor).await,
        None => Ok(None),
    }
}

/// Deletes the records up to and including `upto_id`, keeping the chain verifiable: in one
/// transaction it appends an `audit.prune` record naming `upto_id` and its hash, stores the
/// same as a checkpoint, and only then deletes (the database triggers refuse to delete any
/// record a checkpoint does not cover). `None` when those records are already gone.
pub async fn prune_through(db: &Db, upto_id: i64, actor: &Actor) -> Result<Option<Checkpoint>> {
    let mut tx = db.begin().await?;
    let target: Option<(i64, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT id, hash FROM audit_log WHERE id = $1"
    )
    .bind(upto_id)
    .fetch_optional(c)
    .await?);
    let Some((upto_id, upto_hash)) = target else {
        return Ok(None);
    };
    let pruned: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE id <= $1"
    )
    .bind(upto_id)
    .fetch_one(c)
    .await?);
    let record_id = append(
        &mut tx,
        actor,
        Change {
            action: "audit.prune",
            object_type: "audit_log",
            object_id: upto_id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "upto_id": upto_id,
                "upto_hash": upto_hash,
                "pruned": pruned,
            })),
        },
    )
    .await?;
    let checkpoint = Checkpoint {
        upto_id,
        upto_hash,
        record_id,
        pruned,
        at: now_ms(),
    };
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO audit_checkpoints (upto_id, upto_hash, record_id, pruned, at) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(checkpoint.upto_id)
    .bind(&checkpoint.upto_hash)
    .bind(checkpoint.record_id)
    .bind(checkpoint.pruned)
    .bind(checkpoint.at)
    .execute(c)
    .await?
    .rows_affected());
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM audit_log WHERE id <= $1"
    )
    .bind(upto_id)
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(Some(checkpoint))
}

/// The actions that are security events (GB/T 22239-2019 8.1.4.3 a): logins and their
/// failures, lockouts, permission and account changes, exports, reveals of personal data, key
/// management and audit retention. The console's "security events" filter uses this list.
pub const SECURITY_ACTIONS: &[&str] = &[
    "auth.login",
    "auth.login_failed",
    "auth.lockout",
    "auth.logout",
    "user.create",
    "user.grants",
    "user.password",
    "user.unlock",
    "user.enable",
    "user.disable",
    "user.totp_begin",
    "user.totp_enable",
    "user.totp_disable",
    "audit.export",
    "audit.prune",
    "personal.reveal",
    "personal.export",
    "vault.key_add",
    "vault.rotate",
    "vault.reseal",
    "vault.reseal_files",
    "vault.key_retire",
    "personal.purge",
    "api_token.create",
    "api_token.revoke",
];

/// Filters for the console's audit view.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before_id: Option<i64>,
    /// Only security events ([`SECURITY_ACTIONS`]).
    pub security_only: bool,
    pub limit: i64,
}

/// Newest first, filtered in the database. Empty filter strings are ignored.
pub async fn list(db: &Db, f: &Filter) -> Result<Vec<AuditRecord>> {
    let non_empty = |s: &Option<String>| s.as_deref().filter(|v| !v.is_empty()).map(str::to_string);
    // The security-event list is a compile-time constant of plain action names.
    let security = if f.security_only {
        format!(
            "AND action IN ({})",
            SECURITY_ACTIONS
                .iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT id, at, actor_user_id, actor, action, object_type, object_id, before_json, \
         after_json, ip, prev_hash, hash, hash_alg FROM audit_log \
         WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR action = $2) \
           AND ($3 IS NULL OR object_type = $3) AND ($4 IS NULL OR object_id = $4) \
           AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) AND ($7 IS NULL OR id < $7) \
           {security} ORDER BY id DESC LIMIT $8"
    );
    let rows = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(non_empty(&f.actor))
        .bind(non_empty(&f.action))
        .bind(non_empty(&f.object_type))
        .bind(non_empty(&f.object_id))
        .bind(f.from_ms)
        .bind(f.to_ms)
        .bind(f.before_id)
        .bind(f.limit.clamp(1, 1000))
        .fetch_all(p)
        .await?);
    Ok(rows)
}

/// The vault signing context of audit exports.
pub const EXPORT_SIGNATURE_CONTEXT: &str = "audit.export";
/// The last line of a signed audit export starts with this, followed by the signature and CRLF.
pub const EXPORT_SIGNATURE_LINE: &str = "# 完整性签名（HMAC-SM3）：";

/// The signature line that ends an audit export whose bytes (everything before this line) went
/// through `signer` (`vault.signer(EXPORT_SIGNATURE_CONTEXT)`). GB/T 22239-2019 8.1.4.3 d):
/// exported audit records are protected against undetected change.
pub fn export_signature_line(signer: gongkai_core::vault::Signer) -> String {
    format!("{EXPORT_SIGNATURE_LINE}{}\r\n", signer.finish())
}

/// Whether an exported audit file is intact: its last line is the signature of everything
/// before it under this deployment's key. Err names what is wrong, in Chinese.
pub fn verify_export(
    vault: &gongkai_core::vault::Vault,
    file: &[u8],
) -> std::result::Result<(), String> {
    let marker = EXPORT_SIGNATURE_LINE.as_bytes();
    let at = file
        .windows(marker.len())
        .rposition(|w| w == marker)
        .ok_or_else(|| {
            "文件末尾没有完整性签名：不是 Gongkai 导出的审计记录，或签名行已被删除".to_string()
        })?;
    let (body, line) = file.split_at(at);
    let signature =
        std::str::from_utf8(&line[marker.len()..]).map_err(|_| "签名行无法识别".to_string())?;
    let signature = signature.trim_end_matches(['\r', '\n']);
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("签名行无法识别（签名之后不应再有内容）".into());
    }
    let mut signer = vault.signer(EXPORT_SIGNATURE_CONTEXT);
    signer.update(body);
    if signer.verify(signature) {
        Ok(())
    } else {
        Err("签名不符：文件在导出后被改动，或并非本系统（本密钥）导出".into())
    }
}

#[cfg(test)]
mod tests {
    /// GB/T 32905-2016 Appendix A example 1: SM3("abc"), checking the crate the chain relies on.
    #[test]
    fn sm3_standard_vector() {
        assert_eq!(
            hex::encode(<sm3::Sm3 as sm3::Digest>::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
