//! Staff sessions, stored in the database so that they work across instances.
//!
//! The cookie carries a random 256-bit token; the table keeps only its SHA-256, so a copy of the
//! database cannot be used to take over sessions. Each session has its own CSRF token.

use crate::{Db, Result, Tx, now_ms, on_db, on_tx};
use sha2::{Digest, Sha256};

/// A live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// The password was right but the TOTP code is still due: the session grants nothing yet.
    pub pending_totp: bool,
    /// Shown once on the next page (the previous login's time and place).
    pub login_notice: Option<String>,
}

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Ends a session that has not been used for this long.
    pub idle_ms: i64,
    /// Ends every session this long after login.
    pub absolute_ms: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            idle_ms: 30 * 60 * 1000,
            absolute_ms: 12 * 60 * 60 * 1000,
        }
    }
}

/// A fresh random token, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a token, hex-encoded: what the database stores.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session inside `tx` (the caller audits the login). Returns the cookie token.
pub async fn create(tx: &mut Tx, user_id: i64, life: Lifetimes) -> Result<(String, Session)> {
    create_with(tx, user_id, life, false, None).await
}

/// Starts a session, possibly still waiting for the TOTP code, with a notice to show once.
pub async fn create_with(
    tx: &mut Tx,
    user_id: i64,
    life: Lifetimes,
    pending_totp: bool,
    login_notice: Option<String>,
) -> Result<(String, Session)> {
    let token = random_token();
    let now = now_ms();
    let session = Session {
        id_hash: token_hash(&token),
        user_id,
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + life.absolute_ms,
        pending_totp,
        login_notice,
    };
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, \
         expires_at, pending_totp, login_notice) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&session.id_hash)
    .bind(session.user_id)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .bind(session.pending_totp)
    .bind(&session.login_notice)
    .execute(c)
    .await?
    .rows_affected());
    Ok((token, session))
}

/// The live session for a cookie token, or `None` when unknown, expired or idle too long.
/// Refreshes `last_seen_at` at most once a minute to keep reads cheap.
pub async fn load(db: &Db, token: &str, life: Lifetimes) -> Result<Option<Session>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let hash = token_hash(token);
    let found: Option<Session> = on_db!(db, |p| sqlx::query_as(
        "SELECT id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, \
         pending_totp, login_notice FROM sessions WHERE id_hash = $1"
    )
    .bind(&hash)
    .fetch_optional(p)
    .await?);
    let now = now_ms();
    let Some(session) = found else {
        return Ok(None);
    };
    if session.expires_at <= now || session.last_seen_at + life.idle_ms <= now {
        let mut tx = db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "DELETE FROM sessions WHERE id_hash = $1"
        )
        .bind(&hash)
        .execute(c)
        .await?
        .rows_affected());
        tx.commit().await?;
        return Ok(None);
    }
    if now - session.last_seen_at > 60_000 {
        let mut tx = db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1"
        )
        .bind(&hash)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
        tx.commit().await?;
    }
    Ok(Some(session))
}

/// Clears the session's login notice once it has been shown.
pub async fn clear_notice(db: &Db, id_hash: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE sessions SET login_notice = NULL WHERE id_hash = $1"
    )
    .bind(id_hash)
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(())
}

/// Ends the session of a cookie token (logout).
pub async fn delete(tx: &mut Tx, token: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE id_hash = $1"
    )
    .bind(token_hash(token))
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// Ends every session of a user except `keep_hash` (after a password change).
pub async fn delete_for_user(tx: &mut Tx, user_id: i64, keep_hash: Option<&str>) -> Result<u64> {
    let n = on_tx!(tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)"
    )
    .bind(user_id)
    .bind(keep_hash)
    .execute(c)
    .await?
    .rows_affected());
    Ok(n)
}

/// Removes sessions past their absolute expiry or idle limit. Run by a periodic job.
pub async fn purge_expired(db: &Db, life: Lifetimes) -> Result<u64> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2"
    )
    .bind(now)
    .bind(now - life.idle_ms)
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(n)
}
