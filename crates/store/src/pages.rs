//! Editable portal pages (指南, 制度 …), one row per slug.

use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub body: String,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
}

pub async fn get(db: &Db, slug: &str) -> Result<Option<Page>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT slug, title, body, updated_at, updated_by FROM pages WHERE slug = $1"
    )
    .bind(slug)
    .fetch_optional(p)
    .await?))
}

/// Creates or replaces a page. Audited with before and after.
pub async fn put(tx: &mut Tx, actor: &Actor, slug: &str, title: &str, body: &str) -> Result<Page> {
    if title.trim().is_empty() {
        return Err(StoreError::Invalid("请填写页面标题".into()));
    }
    let before: Option<Page> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT slug, title, body, updated_at, updated_by FROM pages WHERE slug = $1"
    )
    .bind(slug)
    .fetch_optional(c)
    .await?);
    let page: Page = on_tx!(tx, |c| {
        sqlx::query_as(
        "INSERT INTO pages (slug, title, body, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (slug) DO UPDATE SET title = $2, body = $3, updated_at = $4, updated_by = $5 \
         RETURNING slug, title, body, updated_at, updated_by"
    )
    .bind(slug)
    .bind(title.trim())
    .bind(body)
    .bind(now_ms())
    .bind(actor.user_id)
    .fetch_one(c)
    .await?
    });
    audit::append(
        tx,
        actor,
        Change {
            action: "page.put",
            object_type: "page",
            object_id: slug.to_string(),
            before: before.map(serde_json::to_value).transpose()?,
            after: Some(serde_json::to_value(&page)?),
        },
    )
    .await?;
    Ok(page)
}
