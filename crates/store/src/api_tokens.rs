//! API tokens for staff (the JSON API at `/api/v1`). Only the SHA-256 of a token is stored; the
//! token itself is shown once, at creation.

use crate::audit::{self, Actor, Change};
use crate::sessions::{random_token, token_hash};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Creates a token for `user_id`; returns the plain token (prefixed `gk_`) and its record.
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    name: &str,
) -> Result<(String, ApiToken)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(StoreError::Invalid("令牌名称须为 1–64 个字符".into()));
    }
    let token = format!("gk_{}", random_token());
    let record: ApiToken = on_tx!(tx, |c| {
        sqlx::query_as(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, user_id, name, created_at, last_used_at, revoked_at"
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash(&token))
    .bind(now_ms())
    .fetch_one(c)
    .await?
    });
    audit::append(
        tx,
        actor,
        Change {
            action: "api_token.create",
            object_type: "api_token",
            object_id: record.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&record)?),
        },
    )
    .await?;
    Ok((token, record))
}

/// The user id of a live (not revoked) token.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<i64>> {
    let Some(rest) = token.strip_prefix("gk_") else {
        return Ok(None);
    };
    if rest.len() != 64 {
        return Ok(None);
    }
    let found: Option<(i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
    )
    .bind(token_hash(token))
    .fetch_optional(p)
    .await?);
    Ok(found.map(|(_, user_id)| user_id))
}

/// A user's tokens, newest first.
pub async fn list_for_user(db: &Db, user_id: i64) -> Result<Vec<ApiToken>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens \
         WHERE user_id = $1 ORDER BY id DESC"
    )
    .bind(user_id)
    .fetch_all(p)
    .await?))
}

/// Revokes one of `user_id`'s tokens. Audited.
pub async fn revoke(tx: &mut Tx, actor: &Actor, user_id: i64, token_id: i64) -> Result<()> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"
    )
    .bind(token_id)
    .bind(user_id)
    .bind(now_ms())
    .execute(c).await?.rows_affected()
    });
    if n == 0 {
        return Err(StoreError::NotFound("令牌不存在或已吊销".into()));
    }
    audit::append(
        tx,
        actor,
        Change {
            action: "api_token.revoke",
            object_type: "api_token",
            object_id: token_id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(())
}
