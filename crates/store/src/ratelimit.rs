//! Abuse protection for public forms, counted in the database so that it holds across instances
//! (tech-choices §3.4: "依申请公开 submission quotas belong in the DB"):
//!
//! - [`take`]: a sliding-window rate limit per bucket and key (an IP address, or a blind index of
//!   an applicant's identity). A refused attempt is not recorded, so waiting always helps.
//! - [`spend`]: one-time use of a solved challenge (a proof-of-work signature or a question
//!   token), remembered until it expires, so a solution cannot be replayed.
//! - [`instance_secret`]: a random secret shared by every instance of a deployment (kept in
//!   `settings`), used to sign challenges. It protects nothing personal: personal data is sealed
//!   with keys that never live in the database (issue #13).
//!
//! Serialisation: on SQLite every write transaction is `BEGIN IMMEDIATE`, so count-then-insert is
//! atomic. On PostgreSQL a transaction-scoped advisory lock on the (bucket, key) pair does the
//! same, so concurrent submissions from one address cannot all slip under the limit.

use crate::{Db, Result, Tx, now_ms, on_db, on_tx};

/// A limit: at most `max` accepted attempts within `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window_ms: i64,
}

impl Limit {
    pub const fn per_hour(max: i64) -> Limit {
        Limit {
            max,
            window_ms: 3_600_000,
        }
    }

    pub const fn per_day(max: i64) -> Limit {
        Limit {
            max,
            window_ms: 86_400_000,
        }
    }
}

/// The outcome of [`take`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Accepted and counted.
    Allowed,
    /// Refused: the earliest moment (ms) at which an attempt would be accepted again.
    Limited { retry_at_ms: i64 },
}

/// Counts an attempt in `bucket` for `key` unless the limit is reached, atomically.
pub async fn take(db: &Db, bucket: &str, key: &str, limit: Limit) -> Result<Decision> {
    let mut tx = db.begin().await?;
    let decision = take_in(&mut tx, bucket, key, limit, now_ms()).await?;
    tx.commit().await?;
    Ok(decision)
}

/// Would an attempt in `bucket` for `key` be refused now? Counts nothing: for guards that
/// count only failures (a status look-up is checked before the secret is compared, and only a
/// wrong secret is counted with [`take`]), so a guesser who reached the limit learns nothing more.
pub async fn check(db: &Db, bucket: &str, key: &str, limit: Limit) -> Result<Decision> {
    let now = now_ms();
    let since = now - limit.window_ms;
    let (count, oldest): (i64, Option<i64>) = on_db!(db, |p| sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM rate_events WHERE bucket = $1 AND key = $2 AND at > $3"
    )
    .bind(bucket)
    .bind(key)
    .bind(since)
    .fetch_one(p)
    .await?);
    Ok(if count >= limit.max {
        Decision::Limited {
            retry_at_ms: oldest.unwrap_or(now) + limit.window_ms,
        }
    } else {
        Decision::Allowed
    })
}

/// [`take`] inside a caller's transaction, at time `now` (ms).
pub async fn take_in(
    tx: &mut Tx,
    bucket: &str,
    key: &str,
    limit: Limit,
    now: i64,
) -> Result<Decision> {
    if let Tx::Postgres(c) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("rate:{bucket}:{key}"))
            .execute(&mut **c)
            .await?;
    }
    let since = now - limit.window_ms;
    let (count, oldest): (i64, Option<i64>) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM rate_events WHERE bucket = $1 AND key = $2 AND at > $3"
    )
    .bind(bucket)
    .bind(key)
    .bind(since)
    .fetch_one(c)
    .await?);
    if count >= limit.max {
        let retry_at_ms = oldest.unwrap_or(now) + limit.window_ms;
        return Ok(Decision::Limited { retry_at_ms });
    }
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO rate_events (bucket, key, at) VALUES ($1, $2, $3)"
    )
    .bind(bucket)
    .bind(key)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    Ok(Decision::Allowed)
}

/// Marks challenge `id` as used until `expires_at_ms`. True the first time, false on a replay.
pub async fn spend(db: &Db, id: &str, expires_at_ms: i64) -> Result<bool> {
    let inserted = on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO spent_challenges (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING"
    )
    .bind(id)
    .bind(expires_at_ms)
    .execute(p)
    .await?
    .rows_affected()
    });
    Ok(inserted == 1)
}

/// Deletes rate events older than `keep_ms` and challenges past their expiry. Run by the
/// housekeeping job; returns the number of rows removed.
pub async fn purge(db: &Db, keep_ms: i64) -> Result<u64> {
    let now = now_ms();
    let events = on_db!(db, |p| sqlx::query("DELETE FROM rate_events WHERE at < $1")
        .bind(now - keep_ms)
        .execute(p)
        .await?
        .rows_affected());
    let spent = on_db!(db, |p| sqlx::query(
        "DELETE FROM spent_challenges WHERE expires_at < $1"
    )
    .bind(now)
    .execute(p)
    .await?
    .rows_affected());
    Ok(events + spent)
}

/// The deployment-wide random secret called `name`, created on first use. Every instance sees
/// the same value (the first writer wins).
pub async fn instance_secret(db: &Db, name: &str) -> Result<String> {
    let key = format!("secret.{name}");
    // Public form pages ask for the secret on every view: read first, so only the very first
    // view of a deployment writes (on SQLite every write takes the one writer).
    let existing: Option<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(&key)
    .fetch_optional(p)
    .await?);
    if let Some(value) = existing {
        return Ok(value);
    }
    on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING"
    )
    .bind(&key)
    .bind(crate::sessions::random_token())
    .bind(now_ms())
    .execute(p)
    .await?
    .rows_affected()
    });
    let value: String = on_db!(db, |p| sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(&key)
    .fetch_one(p)
    .await?);
    Ok(value)
}
