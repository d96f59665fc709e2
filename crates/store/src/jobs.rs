//! A database-backed job queue for background work (house-style §10).
//!
//! A request that needs background work enqueues a job in the same transaction as its data change,
//! so the job exists exactly when the change does. Workers claim one job at a time with a lease;
//! on PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so two instances never claim the same
//! job, and on SQLite the single writer (`BEGIN IMMEDIATE`) gives the same guarantee. A job whose
//! worker died is claimable again when its lease runs out, so handlers must be idempotent.
//! A `dedupe_key` makes enqueueing idempotent too: a second job with the same key is not added
//! while the first one is still in the table.

use crate::{Backend, Db, Result, Tx, now_ms, on_tx};
use serde::Serialize;

/// Job states.
pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_after: i64,
    pub locked_by: Option<String>,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, kind, payload, dedupe_key, status, attempts, max_attempts, run_after, \
    locked_by, locked_until, last_error, created_at, updated_at";

/// Enqueues a job inside `tx`. Returns `None` when a job with the same `dedupe_key` exists.
pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    payload: &serde_json::Value,
    dedupe_key: Option<&str>,
    run_after: i64,
) -> Result<Option<i64>> {
    let now = now_ms();
    let id: Option<i64> = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, dedupe_key, status, run_after, created_at, updated_at) \
         VALUES ($1, $2, $3, 'queued', $4, $5, $5) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
    )
    .bind(kind)
    .bind(payload.to_string())
    .bind(dedupe_key)
    .bind(run_after)
    .bind(now)
    .fetch_optional(c)
    .await?
    });
    Ok(id)
}

/// Claims the oldest runnable job (queued and due, or running with an expired lease) for
/// `worker`, holding it for `lease_ms`.
pub async fn claim(db: &Db, worker: &str, lease_ms: i64) -> Result<Option<Job>> {
    let now = now_ms();
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs \
                     WHERE (status = 'queued' AND run_after <= $3) \
                        OR (status = 'running' AND locked_until < $3) \
                     ORDER BY run_after, id LIMIT 1 {lock}) \
         RETURNING {COLUMNS}"
    ));
    let mut tx = db.begin().await?;
    let job: Option<Job> = on_tx!(&mut tx, |c| sqlx::query_as(sql)
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(c)
        .await?);
    tx.commit().await?;
    Ok(job)
}

/// Marks a claimed job done (only if `worker` still holds it).
pub async fn complete(db: &Db, id: i64, worker: &str) -> Result<bool> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE jobs SET status = 'done', locked_until = NULL, updated_at = $3 \
         WHERE id = $1 AND locked_by = $2 AND status = 'running'"
    )
    .bind(id)
    .bind(worker)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(n == 1)
}

/// Records a failure: the job is retried later with exponential backoff, or marked failed after
/// `max_attempts`.
pub async fn fail(db: &Db, job: &Job, worker: &str, error: &str) -> Result<()> {
    let now = now_ms();
    let give_up = job.attempts >= job.max_attempts;
    let backoff = 1000i64 << job.attempts.clamp(0, 16);
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE jobs SET status = $3, last_error = $4, run_after = $5, locked_until = NULL, \
         updated_at = $6 WHERE id = $1 AND locked_by = $2 AND status = 'running'"
    )
    .bind(job.id)
    .bind(worker)
    .bind(if give_up { FAILED } else { QUEUED })
    .bind(error)
    .bind(now + backoff)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(())
}

/// Deletes finished jobs older than `keep_ms` (their dedupe keys become free again).
pub async fn purge_done(db: &Db, keep_ms: i64) -> Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM jobs WHERE status = 'done' AND updated_at < $1"
    )
    .bind(now_ms() - keep_ms)
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(n)
}

/// Counts jobs by status (for `/readyz` details and the console).
pub async fn counts(db: &Db) -> Result<Vec<(String, i64)>> {
    Ok(crate::on_db!(db, |p| sqlx::query_as(
        "SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status"
    )
    .fetch_all(p)
    .await?))
}
