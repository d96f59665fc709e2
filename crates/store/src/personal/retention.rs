//! Deleting personal data at the end of its retention period (issue #13; 个人信息保护法 Art. 19
//! and Art. 47(一)(二): delete when the purpose is achieved or the retention period has passed).
//!
//! The period is a deployment setting (`[personal] retention_years`, 0 = keep, the default),
//! because how long an agency keeps its disclosure files is set by its archives rules, not by
//! the Regulations. What is deleted: the applicant's and the agent's ID numbers, contact details,
//! the blind index and the identity-proof file of an archived application; the writer's name and
//! contact details of a replied or closed mailbox message. What stays: the record itself (the
//! request, the decisions, the letters, the applicant's name as the letters carry it) for the
//! annual report and the archive. An application with an open review or litigation case (结果
//! `pending`) is kept whatever its age.

use crate::attachments;
use crate::audit::{self, Actor, Change};
use crate::{Db, Result, on_db, on_tx};
use chrono::NaiveDate;
use serde_json::json;
use std::path::Path;

/// Records purged per transaction.
pub const PURGE_BATCH: i64 = 200;

/// What one run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub applications: u64,
    pub proofs: u64,
    pub messages: u64,
}

/// The last day whose closed records are past a retention of `years` on `today`.
pub fn cutoff(today: NaiveDate, years: u32) -> NaiveDate {
    today
        .checked_sub_months(chrono::Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MIN)
}

/// Deletes the personal data of applications archived before `cutoff` (no open case) and of
/// mailbox messages replied before it; each record in its own audited change
/// (`personal.purge`), in committed batches, so a run can be interrupted and repeated. Identity
/// proof files are removed from `data_dir` after their batch commits.
pub async fn purge_before(
    db: &Db,
    data_dir: &Path,
    cutoff: NaiveDate,
    actor: &Actor,
) -> Result<Purged> {
    let cutoff = cutoff.format("%Y-%m-%d").to_string();
    let mut out = Purged::default();
    loop {
        let (apps, proofs) = purge_applications_batch(db, data_dir, &cutoff, actor).await?;
        out.applications += apps;
        out.proofs += proofs;
        if apps == 0 {
            break;
        }
    }
    loop {
        let n = purge_messages_batch(db, &cutoff, actor).await?;
        out.messages += n;
        if n == 0 {
            break;
        }
    }
    Ok(out)
}

async fn purge_applications_batch(
    db: &Db,
    data_dir: &Path,
    cutoff: &str,
    actor: &Actor,
) -> Result<(u64, u64)> {
    let ids: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT a.id FROM applications a \
         WHERE a.pii_purged_at IS NULL AND a.archived_on IS NOT NULL AND a.archived_on < $1 \
           AND NOT EXISTS (SELECT 1 FROM appeal_cases c \
                           WHERE c.application_id = a.id AND c.result = 'pending') \
         ORDER BY a.id LIMIT $2"
    )
    .bind(cutoff)
    .bind(PURGE_BATCH)
    .fetch_all(p)
    .await?);
    if ids.is_empty() {
        return Ok((0, 0));
    }
    let now = crate::now_ms();
    let mut tx = db.begin().await?;
    let mut files = Vec::new();
    let mut n = 0;
    for id in ids {
        let changed = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE applications SET pii_id_number = '', pii_phone = '', pii_email = '', \
             pii_address = '', pii_postcode = '', pii_agent_id_number = '', applicant_key = '', \
             identity_proof_id = NULL, pii_purged_at = $2, updated_at = $2 \
             WHERE id = $1 AND pii_purged_at IS NULL"
        )
        .bind(id)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
        if changed == 0 {
            continue;
        }
        let proofs: Vec<(i64, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
            "DELETE FROM attachments WHERE owner_type = $1 AND owner_id = $2 \
             RETURNING id, sha256"
        )
        .bind(crate::applications::IDENTITY_PROOF_OWNER)
        .bind(id)
        .fetch_all(c)
        .await?);
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "personal.purge",
                object_type: "application",
                object_id: id.to_string(),
                before: None,
                after: Some(json!({
                    "fields": ["证件号码", "联系电话", "电子邮箱", "通信地址", "邮政编码", "代理人证件号码"],
                    "identity_proofs": proofs.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
                    "archived_before": cutoff,
                })),
            },
        )
        .await?;
        files.extend(proofs.into_iter().map(|(_, sha)| sha));
        n += 1;
    }
    tx.commit().await?;
    let proofs = files.len() as u64;
    for sha in files {
        // Sealed files are unique to their row (random nonce), so nothing else refers to them.
        attachments::remove_unreferenced(data_dir, &sha);
    }
    Ok((n, proofs))
}

async fn purge_messages_batch(db: &Db, cutoff: &str, actor: &Actor) -> Result<u64> {
    let ids: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM mailbox_messages \
         WHERE pii_purged_at IS NULL AND status IN ('replied', 'closed') \
           AND replied_on IS NOT NULL AND replied_on < $1 \
         ORDER BY id LIMIT $2"
    )
    .bind(cutoff)
    .bind(PURGE_BATCH)
    .fetch_all(p)
    .await?);
    if ids.is_empty() {
        return Ok(0);
    }
    let now = crate::now_ms();
    let mut tx = db.begin().await?;
    let mut n = 0;
    for id in ids {
        let changed = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE mailbox_messages SET pii_name = '', pii_phone = '', pii_email = '', \
             pii_purged_at = $2, updated_at = $2 WHERE id = $1 AND pii_purged_at IS NULL"
        )
        .bind(id)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
        if changed == 0 {
            continue;
        }
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "personal.purge",
                object_type: "mailbox_message",
                object_id: id.to_string(),
                before: None,
                after: Some(json!({
                    "fields": ["姓名", "联系电话", "电子邮箱"],
                    "replied_before": cutoff,
                })),
            },
        )
        .await?;
        n += 1;
    }
    tx.commit().await?;
    Ok(n)
}
