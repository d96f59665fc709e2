//! Login throttling, counted in the database so that the limit holds across instances.
//!
//! A username or an IP address with too many failed attempts inside the window is refused
//! before the password is even checked. Successful logins are recorded too (for the audit view).

use crate::{Db, Result, Tx, now_ms, on_db, on_tx};

/// Throttling limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub window_ms: i64,
    pub max_failures_per_user: i64,
    pub max_failures_per_ip: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            window_ms: 15 * 60 * 1000,
            max_failures_per_user: 5,
            max_failures_per_ip: 20,
        }
    }
}

/// True when another attempt for `username` from `ip` must be refused now.
pub async fn is_throttled(db: &Db, username: &str, ip: &str, limits: Limits) -> Result<bool> {
    let since = now_ms() - limits.window_ms;
    let (by_user, by_ip): (i64, i64) = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND at >= $3 AND success = FALSE), \
           (SELECT COUNT(*) FROM login_attempts WHERE ip = $2 AND at >= $3 AND success = FALSE)"
    )
    .bind(username)
    .bind(ip)
    .bind(since)
    .fetch_one(p)
    .await?
    });
    Ok(by_user >= limits.max_failures_per_user || by_ip >= limits.max_failures_per_ip)
}

/// Records an attempt. A success clears nothing: failures age out of the window.
pub async fn record(tx: &mut Tx, username: &str, ip: &str, success: bool) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO login_attempts (username, ip, at, success) VALUES ($1, $2, $3, $4)"
    )
    .bind(username)
    .bind(ip)
    .bind(now_ms())
    .bind(success)
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// Deletes attempts older than `keep_ms`. Run by a periodic job.
pub async fn purge_older_than(db: &Db, keep_ms: i64) -> Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM login_attempts WHERE at < $1"
    )
    .bind(now_ms() - keep_ms)
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(n)
}
