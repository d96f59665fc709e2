//! Migrated items (issue #14): information that an old system already published, stored as
//! published with its own 索引号 and 发布日期.
//!
//! **This is the one way around the review chain, and it is deliberately narrow.** 先审查、后公开
//! (实施条例 Art. 42) was done by the old system when it published the item; re-running 审核,
//! 保密审查 and 审批 on years of published records would only record a fiction. So:
//! - [`insert_published`] is `pub(crate)`: only `crate::import` calls it, and only for rows that
//!   passed the import checks (mandatory metadata, dates, a 索引号 used nowhere else, and no
//!   blocking scanner finding in the text or the attached files);
//! - every migrated item has its `imported_items` row (which run, which row of the file), a
//!   timeline event `migrate` (由原系统迁移导入…) after the old system's history, and an
//!   `item.migrate` audit record in the same transaction;
//! - the Art. 26 clock is not started (publication happened in the old system) and nothing
//!   about it counts as late.
//!
//! Attachments go through the normal pipeline (`attachments::attach`, the scan of their text);
//! the caller stored the files (`attachments::store_file`) before the transaction.

use gongkai_core::extract::Extracted;
use gongkai_core::import::Record;
use serde_json::json;

use super::files::{OWNER_TYPE, scan_attachment};
use super::{ITEM_COLUMNS, Item, OBJECT_TYPE, REVISION_COLUMNS, Revision, audit_view};
use crate::attachments::{self, Owner, StoredFile};
use crate::audit::{self, Actor, Change};
use crate::{Result, Tx, now_ms, on_tx};

/// A file of a migrated item, stored already, with its alt text and extracted text.
pub(crate) struct MigratedFile {
    pub stored: StoredFile,
    pub alt: String,
    pub text: Option<Extracted>,
}

/// The start of a CST date as milliseconds since the epoch.
pub(crate) fn cst_midnight_ms(date: chrono::NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(0)
}

/// Where a migrated item came from, for its timeline and audit record.
pub(crate) struct Provenance<'a> {
    pub run_id: i64,
    pub source_name: &'a str,
}

/// Inserts one checked record as a published (or withdrawn) item of `org_id`, with its public
/// revisions, history, attachments, timeline event, audit record and search outbox row.
/// Returns the new item's id.
pub(crate) async fn insert_published(
    tx: &mut Tx,
    actor: &Actor,
    org_id: i64,
    rec: &Record,
    files: Vec<MigratedFile>,
    from: &Provenance<'_>,
) -> Result<i64> {
    let now = now_ms();
    let published_at = rec
        .published_at
        .unwrap_or_else(|| cst_midnight_ms(rec.published_on));
    let state = if rec.withdrawn_at.is_some() {
        "withdrawn"
    } else {
        "published"
    };
    let sql = format!(
        "INSERT INTO items (org_id, state, index_no, formed_on, signed_on, publisher_name, \
         doc_number, topic_code, genre_code, catalog_code, disclosure, withhold_ground, \
         classified, validity, validity_on, validity_replaced_by, validity_note, published_at, \
         published_on, published_late, withdrawn_at, withdrawn_reason, created_by, created_at, \
         updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'proactive', '', FALSE, $11, $12, $13, \
         $14, $15, $16, FALSE, $17, $18, $19, $20, $20) RETURNING {ITEM_COLUMNS}"
    );
    let mut item: Item = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(org_id)
        .bind(state)
        .bind(&rec.index_no)
        .bind(rec.formed_on.to_string())
        .bind(rec.signed_on.map(|d| d.to_string()))
        .bind(&rec.publisher_name)
        .bind(&rec.doc_number)
        .bind(&rec.topic_code)
        .bind(&rec.genre_code)
        .bind(&rec.catalog_code)
        .bind(rec.validity.code())
        .bind(rec.validity_on.map(|d| d.to_string()))
        .bind(&rec.validity_replaced_by)
        .bind(&rec.validity_note)
        .bind(published_at)
        .bind(rec.published_on.to_string())
        .bind(rec.withdrawn_at)
        .bind(&rec.withdrawn_reason)
        .bind(&actor.label)
        .bind(now)
        .fetch_one(c)
        .await?);
    let id = item.id;
    // The public revisions: those of the package, or the row's text as revision 1.
    // (number, title, summary, body, keywords, note, published_at); a package keeps its
    // revision numbers (the public history shows them), checked increasing by the import.
    let revisions: Vec<(i64, String, String, String, String, String, i64)> =
        if rec.revisions.is_empty() {
            vec![(
                1,
                rec.title.clone(),
                rec.summary.clone(),
                rec.body_html.clone(),
                rec.keywords.clone(),
                String::new(),
                published_at,
            )]
        } else {
            rec.revisions
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    (
                        if r.number > 0 {
                            r.number
                        } else {
                            i64::try_from(i).unwrap_or(0) + 1
                        },
                        r.title.trim().to_string(),
                        r.summary.trim().to_string(),
                        gongkai_core::richtext::sanitize(&r.body_html).html,
                        r.keywords.trim().to_string(),
                        r.note.clone(),
                        r.published_at.unwrap_or(published_at),
                    )
                })
                .collect()
        };
    let mut last: Option<Revision> = None;
    for (number, title, summary, body, keywords, note, at) in &revisions {
        let sql = format!(
            "INSERT INTO item_revisions (item_id, number, title, summary, body_html, keywords, \
             note, created_by, created_at, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {REVISION_COLUMNS}"
        );
        let rev: Revision = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .bind(number)
            .bind(title)
            .bind(summary)
            .bind(body)
            .bind(keywords)
            .bind(note)
            .bind(&actor.label)
            .bind(*at)
            .fetch_one(c)
            .await?);
        last = Some(rev);
    }
    // Findings a reviewer of the old system kept with a justification stay justified here.
    if !rec.justified.is_empty()
        && let Some(published) = &last
    {
        super::findings::scan_revision(tx, published, None).await?;
        for j in &rec.justified {
            on_tx!(tx, |c| sqlx::query(
                "UPDATE item_findings SET resolution = 'justified', justification = $5, \
                 resolved_by = $6, resolved_at = $7 WHERE revision_id = $1 AND field = $2 \
                 AND kind = $3 AND found_text = $4 AND resolution IS NULL"
            )
            .bind(published.id)
            .bind(&j.field)
            .bind(&j.kind)
            .bind(&j.text)
            .bind(&j.justification)
            .bind(&j.justified_by)
            .bind(now)
            .execute(c)
            .await?
            .rows_affected());
        }
    }
    let rev = last.map(|r| r.id);
    item.current_revision_id = rev;
    item.published_revision_id = rev;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET current_revision_id = $2, published_revision_id = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(rev)
    .execute(c)
    .await?
    .rows_affected());
    // Attachments through the normal pipeline (audited, scanned, searchable).
    let owner = Owner {
        owner_type: OWNER_TYPE,
        owner_id: id,
    };
    for f in files {
        let att = attachments::attach(tx, actor, owner, &f.stored, &f.alt).await?;
        scan_attachment(tx, id, att.id, f.text.as_ref()).await?;
    }
    // The old system's history, then the migration itself.
    for e in &rec.history {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO item_events (item_id, revision_id, action, from_state, to_state, note, \
             actor, actor_id, at) VALUES ($1, NULL, $2, $3, $4, $5, $6, NULL, $7)"
        )
        .bind(id)
        .bind(&e.action)
        .bind(&e.from_state)
        .bind(&e.to_state)
        .bind(&e.note)
        .bind(&e.actor)
        .bind(e.at)
        .execute(c)
        .await?
        .rows_affected());
    }
    let note = format!(
        "由原系统迁移导入（导入批次 #{}，{} 第{}{}；索引号 {}，原发布日期 {}）",
        from.run_id,
        from.source_name,
        rec.row,
        if rec.source_id.is_some() {
            "条"
        } else {
            "行"
        },
        rec.index_no,
        rec.published_on
    );
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_events (item_id, revision_id, action, from_state, to_state, note, \
         actor, actor_id, at) VALUES ($1, $2, 'migrate', '', $3, $4, $5, $6, $7)"
    )
    .bind(id)
    .bind(rev)
    .bind(state)
    .bind(&note)
    .bind(&actor.label)
    .bind(actor.user_id)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO imported_items (item_id, run_id, org_id, index_no, source_row, source_id, \
         row_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(id)
    .bind(from.run_id)
    .bind(org_id)
    .bind(&rec.index_no)
    .bind(i64::try_from(rec.row).unwrap_or(0))
    .bind(rec.source_id)
    .bind(&rec.digest)
    .execute(c)
    .await?
    .rows_affected());
    let mut after = audit_view(&item);
    after["migration"] = json!({
        "run_id": from.run_id,
        "source": from.source_name,
        "row": rec.row,
        "row_sha256": rec.digest,
    });
    audit::append(
        tx,
        actor,
        Change {
            action: "item.migrate",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    crate::search::enqueue(tx, crate::search::KIND_ITEM, id).await?;
    Ok(id)
}
