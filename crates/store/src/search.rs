//! The database side of full-text search (issue #8, REG §1.4 Art. 24 检索、查阅、下载): the
//! `search_outbox` that every search-relevant change writes in its own transaction, the
//! documents the indexer loads, and the administrators' segmenter dictionary.
//!
//! # Invariants
//! - The database is the source of truth. A change that can alter what search shows (an item's
//!   workflow step — publication, scheduled publication by the job, amendment, validity change,
//!   withdrawal — a new revision, an attachment) calls [`enqueue`] inside the transaction that
//!   makes the change, so the outbox row commits if and only if the change does.
//! - An outbox row carries no content: it says "(kind, doc_id) may have changed". The indexer
//!   reloads the document's current state ([`item_doc`]), so applying a row twice, or applying
//!   an older row after a newer one, gives the same index.
//! - What the public may find is decided here by the catalog's single
//!   [`PUBLIC_CONDITION`](crate::items::catalog::PUBLIC_CONDITION) (minus the clock, which the
//!   query checks at search time against `visible_from`, so a scheduled item is never found
//!   before its publication time). Classified items are never indexed at all. Mailbox answers
//!   are indexed only while they meet the mailbox's
//!   [`PUBLIC_CONDITION`](crate::mailbox::public::PUBLIC_CONDITION), with their masked texts.
//! - Staff-only documents (mailbox messages, applications) carry no personal data: only
//!   non-personal columns are read (never `pii_*`, names, contact data), and the free texts
//!   the writer typed are passed through the scanner's personal-data masking first.
//! - Every change of a mailbox message writes a row for both its kinds ([`KIND_MESSAGE`],
//!   [`KIND_ANSWER`]) in `mailbox::messages` (one place every step passes), every step of an
//!   application one row ([`KIND_APPLICATION`]) in `applications::insert_event`.
//!
//! # Pruning
//! Each instance reports the outbox position its index has safely applied ([`report_applied`]);
//! the `search.prune` job ([`prune`]) deletes rows every instance seen within [`RETENTION_MS`]
//! has applied, and rows older than the retention window whatever an absent instance lacks.
//! The highest pruned sequence number is kept ([`pruned_through`]): an index whose checkpoint
//! is below it missed rows and rebuilds.

use crate::audit::{self, Actor, Change};
use crate::items::catalog::PUBLIC_CONDITION;
use crate::mailbox::public::PUBLIC_CONDITION as MAILBOX_PUBLIC;
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use serde::Serialize;
use serde_json::json;

/// Kind of proactive-disclosure items (`items`); `doc_id` is the item id.
pub const KIND_ITEM: &str = "item";
/// A published mailbox answer (公开答复, public); `doc_id` is the message id.
pub const KIND_ANSWER: &str = "mailbox_answer";
/// A mailbox message as staff see it (staff only, within scope); `doc_id` is the message id.
pub const KIND_MESSAGE: &str = "mailbox_message";
/// A disclosure application (staff only, within scope); `doc_id` is the application id.
pub const KIND_APPLICATION: &str = "application";
/// A published annual report (issue #9); `doc_id` is the report id. Public while published.
pub const KIND_REPORT: &str = "report";
/// The dictionary changed: every instance rebuilds its word fields (`doc_id` 0).
pub const KIND_TERMS: &str = "terms";
/// The pruning job's kind (`gongkai_store::jobs`).
pub const PRUNE_JOB: &str = "search.prune";
/// How long outbox rows are kept for an instance that stopped reporting (7 days); an instance
/// away longer rebuilds its index when it returns.
pub const RETENTION_MS: i64 = 7 * 24 * 3600 * 1000;
/// Rows younger than this are never pruned: a starting instance registers its position a few
/// milliseconds after reading the outbox head, and this margin covers that window.
pub const PRUNE_MIN_AGE_MS: i64 = 10 * 60 * 1000;

/// Records that document (`kind`, `doc_id`) may have changed, in the caller's transaction.
pub async fn enqueue(tx: &mut Tx, kind: &str, doc_id: i64) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO search_outbox (kind, doc_id, created_at) VALUES ($1, $2, $3)"
    )
    .bind(kind)
    .bind(doc_id)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OutboxRow {
    pub seq: i64,
    pub kind: String,
    pub doc_id: i64,
    pub created_at: i64,
}

/// Outbox rows with `seq > after`, oldest first, at most `limit`.
pub async fn outbox_after(db: &Db, after: i64, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT seq, kind, doc_id, created_at FROM search_outbox WHERE seq > $1 \
         ORDER BY seq LIMIT $2"
    )
    .bind(after)
    .bind(limit)
    .fetch_all(p)
    .await?))
}

/// The outbox rows with these sequence numbers that exist now (gaps being re-checked).
pub async fn outbox_rows(db: &Db, seqs: &[i64]) -> Result<Vec<OutboxRow>> {
    let mut out = Vec::new();
    for chunk in seqs.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT seq, kind, doc_id, created_at FROM search_outbox WHERE seq IN ({}) ORDER BY seq",
            marks.join(", ")
        );
        let rows: Vec<OutboxRow> = on_db!(db, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for s in chunk {
                q = q.bind(*s);
            }
            q.fetch_all(p).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// The highest outbox sequence number so far (0 when empty; never below what was pruned). A
/// rebuild starts by reading it: everything committed up to it is in the rebuilt index, later
/// rows are applied after.
pub async fn outbox_head(db: &Db) -> Result<i64> {
    let n: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT MAX(seq) FROM search_outbox"
    )
    .fetch_one(p)
    .await?);
    Ok(n.unwrap_or(0).max(pruned_through(db).await?))
}

/// The highest outbox sequence number ever pruned (0 when none).
pub async fn pruned_through(db: &Db) -> Result<i64> {
    let n: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT through FROM search_outbox_pruned WHERE id = 1"
    )
    .fetch_optional(p)
    .await?);
    Ok(n.unwrap_or(0))
}

/// Records that `instance`'s index has applied every outbox row up to `applied` (its
/// checkpoint below its oldest open gap), now.
pub async fn report_applied(db: &Db, instance: &str, applied: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO search_instances (instance, applied, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (instance) DO UPDATE SET applied = $2, seen_at = $3"
    )
    .bind(instance)
    .bind(applied)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(())
}

/// An instance as the pruning job sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Instance {
    pub instance: String,
    pub applied: i64,
    pub seen_at: i64,
}

/// The instances that reported, oldest position first.
pub async fn instances(db: &Db) -> Result<Vec<Instance>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT instance, applied, seen_at FROM search_instances ORDER BY applied, instance"
    )
    .fetch_all(p)
    .await?))
}

/// What one pruning run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Pruned {
    /// Outbox rows deleted.
    pub rows: u64,
    /// Instances forgotten (not seen within the retention window).
    pub instances: u64,
    /// The highest sequence number pruned so far.
    pub through: i64,
}

/// Deletes the outbox rows no instance needs any more: those at or below the lowest position
/// reported by an instance seen within `retention_ms` (and older than [`PRUNE_MIN_AGE_MS`]),
/// and those older than `retention_ms` whatever an absent instance still lacks. Instances not
/// seen within the window are forgotten (they rebuild when they return, see
/// [`pruned_through`]). Idempotent; the `search.prune` job runs it hourly.
pub async fn prune(db: &Db, now: i64, retention_ms: i64) -> Result<Pruned> {
    let cutoff = now - retention_ms;
    let young = now - PRUNE_MIN_AGE_MS;
    let mut tx = db.begin().await?;
    let gone = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM search_instances WHERE seen_at < $1"
    )
    .bind(cutoff)
    .execute(c)
    .await?
    .rows_affected());
    let min_applied: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT MIN(applied) FROM search_instances"
    )
    .fetch_one(c)
    .await?);
    // Without any instance only the retention window applies (-1: no row is "applied").
    let applied = min_applied.unwrap_or(-1);
    const COND: &str = "((seq <= $1 AND created_at < $2) OR created_at < $3)";
    let top: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(
        format!("SELECT MAX(seq) FROM search_outbox WHERE {COND}")
    ))
    .bind(applied)
    .bind(young)
    .bind(cutoff)
    .fetch_one(c)
    .await?);
    let before = {
        let n: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT through FROM search_outbox_pruned WHERE id = 1"
        )
        .fetch_optional(c)
        .await?);
        n.unwrap_or(0)
    };
    let Some(top) = top else {
        tx.commit().await?;
        return Ok(Pruned {
            rows: 0,
            instances: gone,
            through: before,
        });
    };
    // Bounded by `top`: a row committed between the two statements is left for the next run.
    let rows = on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM search_outbox WHERE {COND} AND seq <= $4"
    )))
    .bind(applied)
    .bind(young)
    .bind(cutoff)
    .bind(top)
    .execute(c)
    .await?
    .rows_affected());
    let through = before.max(top);
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO search_outbox_pruned (id, through, pruned_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET through = $1, pruned_at = $2"
    )
    .bind(through)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(Pruned {
        rows,
        instances: gone,
        through,
    })
}

/// Enqueues this hour's pruning (once across all instances).
pub async fn enqueue_prune(db: &Db) -> Result<()> {
    let hour = now_ms() / 3_600_000;
    let mut tx = db.begin().await?;
    crate::jobs::enqueue(
        &mut tx,
        PRUNE_JOB,
        &json!({}),
        Some(&format!("{PRUNE_JOB}:{hour}")),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An attachment of a document whose text search indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocAttachment {
    pub id: i64,
    pub filename: String,
}

/// An item as search sees it: the public revision when the item is public, otherwise the
/// current revision (found only by staff whose scope covers `org_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ItemDoc {
    pub id: i64,
    pub org_id: i64,
    pub state: String,
    /// Public apart from the clock (see the module invariants).
    pub public: bool,
    pub published_at: Option<i64>,
    pub published_on: Option<String>,
    pub formed_on: String,
    pub updated_at: i64,
    pub withdrawn: bool,
    pub index_no: Option<String>,
    pub doc_number: String,
    pub publisher_name: String,
    pub catalog_code: String,
    pub topic_code: String,
    pub genre_code: String,
    pub validity: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub keywords: String,
    /// The `interpretations` kind code when the item is an interpretation (解读).
    pub interpretation: Option<String>,
}

fn item_doc_sql(filter: &str) -> String {
    // `PUBLIC_CONDITION` with `$1` = i64::MAX: every condition except the clock.
    format!(
        "SELECT i.id, i.org_id, i.state, \
         CASE WHEN ({PUBLIC_CONDITION}) THEN TRUE ELSE FALSE END AS public, \
         i.published_at, i.published_on, i.formed_on, i.updated_at, \
         CASE WHEN i.withdrawn_at IS NULL THEN FALSE ELSE TRUE END AS withdrawn, \
         i.index_no, i.doc_number, i.publisher_name, i.catalog_code, i.topic_code, i.genre_code, \
         i.validity, r.title, r.summary, r.body_html, r.keywords, ip.kind AS interpretation \
         FROM items i JOIN item_revisions r ON r.id = CASE WHEN ({PUBLIC_CONDITION}) \
         THEN i.published_revision_id ELSE i.current_revision_id END \
         LEFT JOIN interpretations ip ON ip.item_id = i.id \
         WHERE i.classified = FALSE AND {filter}"
    )
}

/// The current search view of item `id`, or `None` when it must not be in the index (gone,
/// classified, no revision).
pub async fn item_doc(db: &Db, id: i64) -> Result<Option<ItemDoc>> {
    let sql = item_doc_sql("i.id = $2");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(i64::MAX)
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// Indexable items with `id > after`, by id, at most `limit` (a rebuild pages through these).
pub async fn item_docs_after(db: &Db, after: i64, limit: i64) -> Result<Vec<ItemDoc>> {
    let sql = format!("{} ORDER BY i.id LIMIT $3", item_doc_sql("i.id > $2"));
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(i64::MAX)
    .bind(after)
    .bind(limit)
    .fetch_all(p)
    .await?))
}

/// Number of items a rebuild will load (for its progress bar).
pub async fn item_count(db: &Db) -> Result<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM items WHERE classified = FALSE"
    )
    .fetch_one(p)
    .await?))
}

/// A published mailbox answer as search sees it: the masked, reviewed public texts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AnswerDoc {
    pub id: i64,
    pub org_id: i64,
    pub box_name: String,
    pub topic_code: String,
    pub topic_label: String,
    pub title: String,
    pub question: String,
    pub reply: String,
    pub received_on: String,
    pub replied_on: String,
    pub published_at: i64,
}

fn answer_doc_sql(filter: &str) -> String {
    format!(
        "SELECT m.id, m.org_id, b.name AS box_name, m.topic_code, \
         COALESCE(t.label, '') AS topic_label, m.public_title AS title, \
         m.public_question AS question, m.public_reply AS reply, m.received_on, \
         COALESCE(m.replied_on, '') AS replied_on, COALESCE(m.published_at, 0) AS published_at \
         FROM mailbox_messages m JOIN mailbox_boxes b ON b.id = m.box_id \
         LEFT JOIN mailbox_topics t ON t.code = m.topic_code \
         WHERE ({MAILBOX_PUBLIC}) AND {filter}"
    )
}

/// The published answer of message `id`, or `None` when it is not public (then it must not
/// be in the index).
pub async fn answer_doc(db: &Db, id: i64) -> Result<Option<AnswerDoc>> {
    let sql = answer_doc_sql("m.id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// Published answers with `id > after`, by id, at most `limit`.
pub async fn answer_docs_after(db: &Db, after: i64, limit: i64) -> Result<Vec<AnswerDoc>> {
    let sql = format!("{} ORDER BY m.id LIMIT $2", answer_doc_sql("m.id > $1"));
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(p)
    .await?))
}

/// A published annual report as search sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReportDoc {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub year: i64,
    pub rollup: bool,
    /// The edited narrative sections (JSON of `gongkai_report::narrative::Narrative`).
    pub narrative_json: String,
    pub published_at: i64,
}

fn report_doc_sql(filter: &str) -> String {
    format!(
        "SELECT r.id, r.org_id, o.code AS org_code, o.full_name AS org_name, r.year, r.rollup, \
         r.narrative_json, COALESCE(r.published_at, r.updated_at) AS published_at \
         FROM reports r JOIN orgs o ON o.id = r.org_id \
         WHERE r.status = 'published' AND {filter}"
    )
}

/// Report `id` while it is published, or `None` (then it must not be in the index).
pub async fn report_doc(db: &Db, id: i64) -> Result<Option<ReportDoc>> {
    let sql = report_doc_sql("r.id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// Published reports with `id > after`, by id, at most `limit`.
pub async fn report_docs_after(db: &Db, after: i64, limit: i64) -> Result<Vec<ReportDoc>> {
    let sql = format!("{} ORDER BY r.id LIMIT $2", report_doc_sql("r.id > $1"));
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(p)
    .await?))
}

/// A mailbox message as staff search sees it: non-personal columns only, free texts masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MessageDoc {
    pub id: i64,
    pub org_id: i64,
    pub query_no: String,
    /// `message` or `petition`.
    pub kind: String,
    pub status: String,
    pub box_name: String,
    pub topic_code: String,
    pub topic_label: String,
    pub title: String,
    pub content: String,
    pub reply: String,
    pub received_on: String,
    pub received_at: i64,
}

const MESSAGE_DOC_SQL: &str = "SELECT m.id, m.org_id, m.query_no, m.kind, m.status, \
    b.name AS box_name, m.topic_code, COALESCE(t.label, '') AS topic_label, m.title, m.content, \
    m.reply, m.received_on, m.received_at \
    FROM mailbox_messages m JOIN mailbox_boxes b ON b.id = m.box_id \
    LEFT JOIN mailbox_topics t ON t.code = m.topic_code";

/// Masks the personal data the scanner finds in a text a citizen typed (identity numbers,
/// phone numbers, e-mail addresses, cards, suggested names), as the mailbox masks a public
/// answer: staff-only documents enter the index without them. `scanner` is built once per
/// page by the caller ([`crate::items::findings::scanner`]).
pub fn mask_free_text(scanner: &gongkai_core::scan::Scanner, text: &str) -> Result<String> {
    let findings: Vec<gongkai_core::scan::Finding> = scanner
        .scan(text)
        .into_iter()
        .filter(|f| f.kind.is_personal_data())
        .collect();
    gongkai_core::mask::mask_text(text, &findings, &scanner.config().mask_policy)
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

fn masked_message(s: &gongkai_core::scan::Scanner, mut m: MessageDoc) -> Result<MessageDoc> {
    m.title = mask_free_text(s, &m.title)?;
    m.content = mask_free_text(s, &m.content)?;
    m.reply = mask_free_text(s, &m.reply)?;
    Ok(m)
}

/// Message `id` for staff search (masked), or `None` when it does not exist.
pub async fn message_doc(db: &Db, id: i64) -> Result<Option<MessageDoc>> {
    let sql = format!("{MESSAGE_DOC_SQL} WHERE m.id = $1");
    let row: Option<MessageDoc> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(p)
        .await?);
    let Some(row) = row else { return Ok(None) };
    let scanner = crate::items::findings::scanner()?;
    masked_message(&scanner, row).map(Some)
}

/// Messages with `id > after`, by id, at most `limit` (masked).
pub async fn message_docs_after(db: &Db, after: i64, limit: i64) -> Result<Vec<MessageDoc>> {
    let sql = format!("{MESSAGE_DOC_SQL} WHERE m.id > $1 ORDER BY m.id LIMIT $2");
    let rows: Vec<MessageDoc> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await?);
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let scanner = crate::items::findings::scanner()?;
    rows.into_iter()
        .map(|m| masked_message(&scanner, m))
        .collect()
}

/// A disclosure application as staff search sees it: the tracking number, the stage, dates
/// and what was requested (masked); never the applicant's name, numbers or contact data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApplicationDoc {
    pub id: i64,
    pub org_id: i64,
    pub tracking_no: String,
    pub stage: String,
    pub channel: String,
    pub arrived_on: String,
    pub received_on: Option<String>,
    pub created_at: i64,
    /// The requested items (description, 文号, features), masked, one per line.
    #[sqlx(skip)]
    pub requested: Vec<String>,
}

const APPLICATION_DOC_SQL: &str = "SELECT a.id, a.org_id, a.tracking_no, a.stage, a.channel, \
    a.arrived_on, a.received_on, a.created_at FROM applications a";

async fn with_requested(
    db: &Db,
    scanner: &gongkai_core::scan::Scanner,
    mut a: ApplicationDoc,
) -> Result<ApplicationDoc> {
    let rows: Vec<(String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT description, doc_number, features FROM application_items \
         WHERE application_id = $1 ORDER BY seq"
    )
    .bind(a.id)
    .fetch_all(p)
    .await?);
    for (d, n, f) in rows {
        let line = [d, n, f]
            .into_iter()
            .filter(|x| !x.trim().is_empty())
            .collect::<Vec<_>>()
            .join("　");
        a.requested.push(mask_free_text(scanner, &line)?);
    }
    Ok(a)
}

/// Application `id` for staff search, or `None` when it does not exist.
pub async fn application_doc(db: &Db, id: i64) -> Result<Option<ApplicationDoc>> {
    let sql = format!("{APPLICATION_DOC_SQL} WHERE a.id = $1");
    let row: Option<ApplicationDoc> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(p)
            .await?);
    match row {
        Some(a) => {
            let scanner = crate::items::findings::scanner()?;
            Ok(Some(with_requested(db, &scanner, a).await?))
        }
        None => Ok(None),
    }
}

/// Applications with `id > after`, by id, at most `limit`.
pub async fn application_docs_after(
    db: &Db,
    after: i64,
    limit: i64,
) -> Result<Vec<ApplicationDoc>> {
    let sql = format!("{APPLICATION_DOC_SQL} WHERE a.id > $1 ORDER BY a.id LIMIT $2");
    let rows: Vec<ApplicationDoc> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await?);
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let scanner = crate::items::findings::scanner()?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        out.push(with_requested(db, &scanner, a).await?);
    }
    Ok(out)
}

/// Number of documents of `kind` a rebuild will load (for its progress bar).
pub async fn kind_count(db: &Db, kind: &str) -> Result<i64> {
    let sql = match kind {
        KIND_ITEM => "SELECT COUNT(*) FROM items WHERE classified = FALSE".to_string(),
        KIND_ANSWER => format!("SELECT COUNT(*) FROM mailbox_messages m WHERE {MAILBOX_PUBLIC}"),
        KIND_MESSAGE => "SELECT COUNT(*) FROM mailbox_messages".to_string(),
        KIND_APPLICATION => "SELECT COUNT(*) FROM applications".to_string(),
        KIND_REPORT => "SELECT COUNT(*) FROM reports WHERE status = 'published'".to_string(),
        _ => return Ok(0),
    };
    Ok(on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .fetch_one(p)
    .await?))
}

/// A word of the segmenter dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Term {
    pub id: i64,
    pub term: String,
    pub created_by: String,
    pub created_at: i64,
}

/// The dictionary, alphabetically.
pub async fn terms(db: &Db) -> Result<Vec<Term>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, term, created_by, created_at FROM search_terms ORDER BY term"
    )
    .fetch_all(p)
    .await?))
}

/// Checks a dictionary word: 2–20 characters, no whitespace.
pub fn validate_term(term: &str) -> std::result::Result<String, String> {
    let t = term.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err("请填写词语".into());
    }
    if !(2..=20).contains(&n) {
        return Err("词语须为 2 至 20 个字".into());
    }
    if t.chars().any(char::is_whitespace) {
        return Err("词语中不能有空格".into());
    }
    Ok(t.to_string())
}

/// Adds a word to the dictionary; every instance then rebuilds its word fields.
pub async fn add_term(tx: &mut Tx, actor: &Actor, term: &str) -> Result<Term> {
    let term = validate_term(term).map_err(StoreError::Invalid)?;
    let row: Option<Term> = on_tx!(tx, |c| sqlx::query_as(
        "INSERT INTO search_terms (term, created_by, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (term) DO NOTHING RETURNING id, term, created_by, created_at"
    )
    .bind(&term)
    .bind(&actor.label)
    .bind(now_ms())
    .fetch_optional(c)
    .await?);
    let row = row.ok_or_else(|| StoreError::Conflict(format!("词库中已有“{term}”")))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "search.term_add",
            object_type: "search_term",
            object_id: row.id.to_string(),
            before: None,
            after: Some(json!({"term": row.term})),
        },
    )
    .await?;
    enqueue(tx, KIND_TERMS, 0).await?;
    Ok(row)
}

/// Removes a word from the dictionary; every instance then rebuilds its word fields.
pub async fn remove_term(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Term> {
    let row: Option<Term> = on_tx!(tx, |c| sqlx::query_as(
        "DELETE FROM search_terms WHERE id = $1 RETURNING id, term, created_by, created_at"
    )
    .bind(id)
    .fetch_optional(c)
    .await?);
    let row = row.ok_or_else(|| StoreError::NotFound("词语不存在".into()))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "search.term_remove",
            object_type: "search_term",
            object_id: row.id.to_string(),
            before: Some(json!({"term": row.term})),
            after: None,
        },
    )
    .await?;
    enqueue(tx, KIND_TERMS, 0).await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::both_backends;

    both_backends!(outbox_rows_commit_with_their_transaction, |db| {
        let head = outbox_head(db).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        enqueue(&mut tx, KIND_ITEM, 7).await.unwrap();
        drop(tx); // rolled back
        assert_eq!(outbox_head(db).await.unwrap(), head);
        let mut tx = db.begin().await.unwrap();
        enqueue(&mut tx, KIND_ITEM, 7).await.unwrap();
        enqueue(&mut tx, KIND_ITEM, 8).await.unwrap();
        tx.commit().await.unwrap();
        let rows = outbox_after(db, head, 10).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.doc_id).collect::<Vec<_>>(),
            vec![7, 8]
        );
        assert!(rows[0].seq < rows[1].seq);
    });

    async fn set_seen(db: &Db, instance: &str, seen_at: i64) {
        on_db!(db, |p| sqlx::query(
            "UPDATE search_instances SET seen_at = $2 WHERE instance = $1"
        )
        .bind(instance)
        .bind(seen_at)
        .execute(p)
        .await
        .unwrap()
        .rows_affected());
    }

    async fn seqs(db: &Db) -> Vec<i64> {
        outbox_after(db, 0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.seq)
            .collect()
    }

    both_backends!(pruning_keeps_what_an_instance_still_needs, |db| {
        let mut tx = db.begin().await.unwrap();
        for id in 1..=4 {
            enqueue(&mut tx, KIND_ITEM, id).await.unwrap();
        }
        tx.commit().await.unwrap();
        let all = seqs(db).await;
        let (s2, s3, s4) = (all[all.len() - 3], all[all.len() - 2], all[all.len() - 1]);
        let now = now_ms();
        let later = now + PRUNE_MIN_AGE_MS + 1000;

        // No instance has reported: only the retention window applies, nothing is that old.
        assert_eq!(prune(db, later, RETENTION_MS).await.unwrap().rows, 0);

        // A at s2, B at s4: rows up to s2 go, once they are old enough.
        report_applied(db, "a", s2).await.unwrap();
        report_applied(db, "b", s4).await.unwrap();
        assert_eq!(
            prune(db, now, RETENTION_MS).await.unwrap().rows,
            0,
            "too young"
        );
        let p = prune(db, later, RETENTION_MS).await.unwrap();
        assert_eq!(p.through, s2);
        assert_eq!(seqs(db).await, vec![s3, s4]);
        assert_eq!(pruned_through(db).await.unwrap(), s2);
        // Idempotent.
        assert_eq!(prune(db, later, RETENTION_MS).await.unwrap().rows, 0);

        // A stops reporting: within the retention window it still holds rows back.
        set_seen(db, "a", now - RETENTION_MS / 2).await;
        assert_eq!(prune(db, later, RETENTION_MS).await.unwrap().rows, 0);
        assert_eq!(seqs(db).await, vec![s3, s4]);

        // Gone longer than the window: forgotten, and B's position rules.
        set_seen(db, "a", later - RETENTION_MS - 1).await;
        let p = prune(db, later, RETENTION_MS).await.unwrap();
        assert_eq!((p.instances, p.through), (1, s4));
        assert!(seqs(db).await.is_empty());
        assert_eq!(
            instances(db)
                .await
                .unwrap()
                .iter()
                .map(|i| i.instance.as_str())
                .collect::<Vec<_>>(),
            vec!["b"]
        );
        // The head never goes back, even with an empty outbox.
        assert_eq!(outbox_head(db).await.unwrap(), s4);

        // Rows older than the window go whatever an instance still lacks.
        let mut tx = db.begin().await.unwrap();
        enqueue(&mut tx, KIND_ITEM, 9).await.unwrap();
        tx.commit().await.unwrap();
        report_applied(db, "b", s4).await.unwrap();
        let p = prune(db, now_ms() + RETENTION_MS + 1, RETENTION_MS)
            .await
            .unwrap();
        assert_eq!(p.rows, 1);
        assert!(p.through > s4);
        // New rows still get higher numbers than everything pruned.
        let mut tx = db.begin().await.unwrap();
        enqueue(&mut tx, KIND_ITEM, 10).await.unwrap();
        tx.commit().await.unwrap();
        assert!(seqs(db).await[0] > p.through);
    });

    both_backends!(dictionary_changes_are_audited_and_announced, |db| {
        let seeded = terms(db).await.unwrap();
        assert!(seeded.iter().any(|t| t.term == "残疾人两项补贴"));
        let head = outbox_head(db).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let term = add_term(&mut tx, &Actor::system(), " 助残服务 ")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(term.term, "助残服务");
        let mut tx = db.begin().await.unwrap();
        let again = add_term(&mut tx, &Actor::system(), "助残服务").await;
        assert!(matches!(again, Err(StoreError::Conflict(_))));
        drop(tx);
        let rows = outbox_after(db, head, 10).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, KIND_TERMS);
        assert_eq!(validate_term("a"), Err("词语须为 2 至 20 个字".into()));
        assert!(validate_term("一 网").is_err());
    });
}
