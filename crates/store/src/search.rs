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
//!   before its publication time). Classified items are never indexed at all.

use crate::audit::{self, Actor, Change};
use crate::items::catalog::PUBLIC_CONDITION;
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use serde::Serialize;
use serde_json::json;

/// Kind of proactive-disclosure items (`items`); `doc_id` is the item id.
pub const KIND_ITEM: &str = "item";
/// The dictionary changed: every instance rebuilds its word fields (`doc_id` 0).
pub const KIND_TERMS: &str = "terms";

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

/// The highest outbox sequence number so far (0 when empty). A rebuild starts by reading it:
/// everything committed up to it is in the rebuilt index, later rows are applied after.
pub async fn outbox_head(db: &Db) -> Result<i64> {
    let n: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT MAX(seq) FROM search_outbox"
    )
    .fetch_one(p)
    .await?);
    Ok(n.unwrap_or(0))
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
}

fn item_doc_sql(filter: &str) -> String {
    // `PUBLIC_CONDITION` with `$1` = i64::MAX: every condition except the clock.
    format!(
        "SELECT i.id, i.org_id, i.state, \
         CASE WHEN ({PUBLIC_CONDITION}) THEN TRUE ELSE FALSE END AS public, \
         i.published_at, i.published_on, i.formed_on, i.updated_at, \
         CASE WHEN i.withdrawn_at IS NULL THEN FALSE ELSE TRUE END AS withdrawn, \
         i.index_no, i.doc_number, i.publisher_name, i.catalog_code, i.topic_code, i.genre_code, \
         i.validity, r.title, r.summary, r.body_html, r.keywords \
         FROM items i JOIN item_revisions r ON r.id = CASE WHEN ({PUBLIC_CONDITION}) \
         THEN i.published_revision_id ELSE i.current_revision_id END \
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
