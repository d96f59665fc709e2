//! Sealed files (identity proofs) under key rotation (issue #13): a rotation re-seals every
//! file still under an older key, like the sealed columns.
//!
//! A file is content-addressed, so re-sealing writes a new file, points the attachment row at it
//! only if the row still names the old one, and removes the old file after the commit. A kill at
//! any point leaves either the old file in use (and possibly an unreferenced new one) or the new
//! one in use (and possibly the old one unreferenced): never a row without its file.

use super::{ColumnStatus, vault_err};
use crate::attachments::{self, AttachmentError};
use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, on_db, on_tx};
use gongkai_core::vault::Vault;
use serde_json::json;
use std::path::Path;

/// Attachment owners whose files are sealed whole, with their vault context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedFiles {
    pub owner_type: &'static str,
    pub context: &'static str,
}

/// Every kind of sealed file. Domains add theirs here.
pub const SEALED_FILES: &[SealedFiles] = &[SealedFiles {
    owner_type: crate::applications::IDENTITY_PROOF_OWNER,
    context: crate::applications::IDENTITY_PROOF,
}];

/// Rows whose file is not known to be under the current key (`$2`): an older key, or stored
/// before the key was recorded on the row.
const PENDING: &str = "owner_type = $1 AND (sealed_key IS NULL OR sealed_key <> $2)";

/// Counts, per kind of sealed file, the files and those still to re-seal.
pub async fn status(db: &Db, vault: &Vault) -> Result<Vec<ColumnStatus>> {
    let current = vault.current_key().id.clone();
    let mut out = Vec::new();
    for files in SEALED_FILES {
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM attachments WHERE owner_type = $1), \
                    (SELECT COUNT(*) FROM attachments WHERE {PENDING})"
        );
        let (total, pending): (i64, i64) =
            on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(files.owner_type)
                .bind(&current)
                .fetch_one(p)
                .await?);
        out.push(ColumnStatus {
            context: format!("文件 {}", files.context),
            total,
            pending,
        });
    }
    Ok(out)
}

/// Re-seals up to `limit` sealed files under the current key, in one transaction with one audit
/// record (`vault.reseal_files`); returns how many rows were brought up to date (0: none left).
/// A file already under the current key (stored before its key was recorded) only has its key
/// recorded. A file that is missing or fails its digest stops the run with a message naming the
/// attachment: it needs an operator (restore it from the backup of `<data>/files`).
pub async fn reseal_batch(
    db: &Db,
    vault: &Vault,
    data_dir: &Path,
    limit: i64,
    actor: &Actor,
) -> Result<u64> {
    let current = vault.current_key().id.clone();
    let mut tx = db.begin().await?;
    let mut done = 0u64;
    let mut replaced: Vec<String> = Vec::new();
    let mut written: Vec<String> = Vec::new();
    let mut from_keys: std::collections::BTreeMap<String, u64> = Default::default();
    let result: Result<()> = async {
        for files in SEALED_FILES {
            let remaining = limit - i64::try_from(done).unwrap_or(limit);
            if remaining <= 0 {
                break;
            }
            let sql =
                format!("SELECT id, sha256 FROM attachments WHERE {PENDING} ORDER BY id LIMIT $3");
            let rows: Vec<(i64, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
                sqlx::AssertSqlSafe(sql.clone())
            )
            .bind(files.owner_type)
            .bind(&current)
            .bind(remaining)
            .fetch_all(c)
            .await?);
            for (id, old_sha) in rows {
                let sealed = attachments::read_verified(data_dir, &old_sha).map_err(|e| {
                    StoreError::Invalid(format!(
                        "附件 {id} 的加密文件无法读取，不能重新加密：{}",
                        match e {
                            AttachmentError::NotFound(_) =>
                                "文件缺失（请从 <data>/files 的备份中恢复）".to_string(),
                            other => other.to_string(),
                        }
                    ))
                })?;
                let under = Vault::key_id_of_bytes(&sealed)
                    .unwrap_or("plaintext")
                    .to_string();
                let new_sha = if under == current {
                    old_sha.clone()
                } else {
                    let plain = vault
                        .open_bytes(files.context, &sealed)
                        .map_err(vault_err)?;
                    let resealed = vault.seal_bytes(files.context, &plain);
                    let sha = attachments::write_content_addressed(data_dir, &resealed)?;
                    written.push(sha.clone());
                    sha
                };
                let changed = on_tx!(&mut tx, |c| sqlx::query(
                    "UPDATE attachments SET sha256 = $1, sealed_key = $2 \
                     WHERE id = $3 AND sha256 = $4"
                )
                .bind(&new_sha)
                .bind(&current)
                .bind(id)
                .bind(&old_sha)
                .execute(c)
                .await?
                .rows_affected());
                if new_sha != old_sha {
                    if changed > 0 {
                        replaced.push(old_sha);
                        *from_keys.entry(under).or_default() += 1;
                    } else {
                        // Another worker got there first: this copy is not needed.
                        replaced.push(new_sha);
                    }
                }
                done += changed;
            }
        }
        if done > 0 {
            audit::append(
                &mut tx,
                actor,
                Change {
                    action: "vault.reseal_files",
                    object_type: "vault_key",
                    object_id: current.clone(),
                    before: Some(json!({ "from_keys": from_keys })),
                    after: Some(json!({ "files": done })),
                },
            )
            .await?;
        }
        Ok(())
    }
    .await;
    let committed = match result {
        Ok(()) => tx.commit().await,
        Err(e) => Err(e),
    };
    match committed {
        Ok(()) => {
            // The old ciphertexts are no longer referenced (a sealed file belongs to one row).
            for sha in replaced {
                attachments::remove_unreferenced(data_dir, &sha);
            }
            Ok(done)
        }
        Err(e) => {
            for sha in written {
                attachments::remove_unreferenced(data_dir, &sha);
            }
            Err(e)
        }
    }
}
