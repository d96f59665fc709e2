//! The background worker of `gongkai serve`: claims jobs from the database queue and runs them.
//!
//! Every instance runs one worker; the queue guarantees that a job is held by one worker at a
//! time (see `gongkai_store::jobs`), and every handler is idempotent, so a job that is retried
//! after a crash does no harm. Housekeeping is enqueued hourly with a dedupe key per hour, so
//! several instances enqueue it once between them.

use crate::config::Config;
use gongkai_core::vault::SharedVault;
use gongkai_store::audit::Actor;
use gongkai_store::jobs::{self, Job};
use gongkai_store::{Db, Result, now_ms, sessions};
use std::sync::Arc;
use std::time::Duration;

/// What jobs need besides the database.
#[derive(Clone)]
pub struct Context {
    pub life: sessions::Lifetimes,
    /// The vault in force; reloaded when a rotation adds a key.
    pub vault: SharedVault,
    pub config: Arc<Config>,
}

/// Job kinds this binary knows.
pub const HOUSEKEEPING: &str = "housekeeping";

/// Runs one job. Unknown kinds fail (and are retried until a binary that knows them takes them).
pub async fn run_job(db: &Db, job: &Job, ctx: &Context) -> Result<(), String> {
    let life = ctx.life;
    match job.kind.as_str() {
        gongkai_store::personal::RESEAL_JOB => {
            // A rotation made elsewhere: take the new key file first.
            crate::keys::refresh(&ctx.config, db, &ctx.vault)
                .await
                .map_err(|e| format!("{e:#}"))?;
            let vault = ctx.vault.get();
            let n = gongkai_store::personal::reseal_all(
                db,
                &vault,
                &ctx.config.data_dir,
                gongkai_store::personal::RESEAL_BATCH,
                &Actor::system(),
            )
            .await
            .map_err(|e| e.to_string())?;
            tracing::info!(resealed = n, key = %vault.current_key().id, "vault re-sealed");
            Ok(())
        }
        HOUSEKEEPING => {
            let s = sessions::purge_expired(db, life)
                .await
                .map_err(|e| e.to_string())?;
            let l = gongkai_store::logins::purge_older_than(db, 30 * 24 * 3600 * 1000)
                .await
                .map_err(|e| e.to_string())?;
            let j = jobs::purge_done(db, 7 * 24 * 3600 * 1000)
                .await
                .map_err(|e| e.to_string())?;
            // Audit retention (网络安全法 Art. 21: at least six months, enforced by the config):
            // older records are pruned behind a checkpoint that keeps the chain verifiable.
            let days = i64::from(ctx.config.audit.retention_days);
            if days > 0 {
                let cutoff = now_ms() - days * 24 * 3600 * 1000;
                if let Some(c) = gongkai_store::audit::prune_before(db, cutoff, &Actor::system())
                    .await
                    .map_err(|e| e.to_string())?
                {
                    tracing::info!(pruned = c.pruned, upto = c.upto_id, "audit records pruned");
                }
            }
            // Personal data past their retention period (个人信息保护法 Art. 47; 0 = keep).
            let years = ctx.config.personal.retention_years;
            if years > 0 {
                let cutoff = gongkai_store::personal::retention::cutoff(
                    gongkai_store::deadlines::today(),
                    years,
                );
                let purged = gongkai_store::personal::retention::purge_before(
                    db,
                    &ctx.config.data_dir,
                    cutoff,
                    &Actor::system(),
                )
                .await
                .map_err(|e| e.to_string())?;
                tracing::info!(?purged, %cutoff, "personal data past retention deleted");
            }
            // Public-form rate events older than the longest window (a day), and spent challenges.
            let r = gongkai_store::ratelimit::purge(db, 2 * 24 * 3600 * 1000)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(
                sessions = s,
                login_attempts = l,
                jobs = j,
                rate_events = r,
                "housekeeping done"
            );
            Ok(())
        }
        gongkai_store::deadlines::RECOMPUTE_JOB => {
            let report = gongkai_store::deadlines::run_job(db, job)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(?report, "open deadlines recomputed");
            Ok(())
        }
        gongkai_store::items::publish::PUBLISH_JOB => {
            let published = gongkai_store::items::publish::run_job(db, job)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(job = job.id, published, "scheduled publication");
            Ok(())
        }
        gongkai_store::applications::workflow::SWEEP_JOB => {
            // Closes applications whose 补正 or fee period lapsed （六）1/（六）2 (issue #6).
            let closed =
                gongkai_store::applications::workflow::sweep(db, gongkai_store::deadlines::today())
                    .await
                    .map_err(|e| e.to_string())?;
            tracing::info!(closed, "lapsed applications closed");
            Ok(())
        }
        gongkai_store::mailbox::supervision::SUPERVISE_JOB => {
            let issued = gongkai_store::mailbox::supervision::run_job(db, job)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(job = job.id, issued, "mailbox supervision sweep");
            Ok(())
        }
        gongkai_store::reminders::SWEEP_JOB => {
            // Deadline reminders of applications (issue #6) and of the annual report (条例
            // Art. 49, issue #9): made once per (subject, deadline, threshold), then mailed.
            let report = gongkai_store::reminders::run_job(db, job, &ctx.config.report.deadlines())
                .await
                .map_err(|e| e.to_string())?;
            let mailed = match ctx.config.mailer() {
                Some(m) => gongkai_web::mail::send_reminders(db, &m)
                    .await
                    .map_err(|e| e.to_string())?,
                None => Default::default(),
            };
            tracing::info!(
                created = report.created.len(),
                mailed = mailed.sent,
                mail_failed = mailed.failed,
                "reminders sweep"
            );
            Ok(())
        }
        gongkai_store::search::PRUNE_JOB => {
            // Search outbox rows every instance has applied, or older than the retention
            // window (issue #8).
            let p = gongkai_store::search::prune(db, now_ms(), gongkai_store::search::RETENTION_MS)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(
                rows = p.rows,
                instances = p.instances,
                through = p.through,
                "search outbox pruned"
            );
            Ok(())
        }
        other => Err(format!("unknown job kind {other}")),
    }
}

/// Enqueues this hour's housekeeping (once across all instances).
pub async fn enqueue_housekeeping(db: &Db) -> Result<()> {
    let hour = now_ms() / 3_600_000;
    let mut tx = db.begin().await?;
    jobs::enqueue(
        &mut tx,
        HOUSEKEEPING,
        &serde_json::json!({}),
        Some(&format!("{HOUSEKEEPING}:{hour}")),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    // The daily application sweep rides on housekeeping (deduplicated per CST day).
    gongkai_store::applications::workflow::enqueue_sweep(db, gongkai_store::deadlines::today())
        .await
}

/// Claims and runs jobs until `shutdown` resolves.
pub async fn run(db: Db, ctx: Context, shutdown: tokio::sync::watch::Receiver<bool>) {
    let worker = format!(
        "{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "gongkai".into()),
        std::process::id()
    );
    let mut shutdown = shutdown;
    let mut last_housekeeping = 0i64;
    loop {
        if *shutdown.borrow() {
            return;
        }
        if now_ms() - last_housekeeping > 3_600_000 {
            if let Err(e) = enqueue_housekeeping(&db).await {
                tracing::warn!(error = %e, "could not enqueue housekeeping");
            }
            // The search outbox is pruned hourly too (issue #8).
            if let Err(e) = gongkai_store::search::enqueue_prune(&db).await {
                tracing::warn!(error = %e, "could not enqueue the search outbox pruning");
            }
            // 督办: the hourly sweep issues automatic supervision notices (issue #7).
            if let Err(e) = gongkai_store::mailbox::supervision::enqueue_sweep(&db).await {
                tracing::warn!(error = %e, "could not enqueue the mailbox supervision sweep");
            }
            // Deadline reminders (issues #6, #9), hourly and once across instances.
            if let Err(e) = gongkai_store::reminders::enqueue_sweep(&db).await {
                tracing::warn!(error = %e, "could not enqueue the reminders sweep");
            }
            last_housekeeping = now_ms();
        }
        match jobs::claim(&db, &worker, 5 * 60 * 1000).await {
            Ok(Some(job)) => {
                let outcome = run_job(&db, &job, &ctx).await;
                let recorded = match outcome {
                    Ok(()) => jobs::complete(&db, job.id, &worker).await.map(|_| ()),
                    Err(e) => {
                        tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
                        jobs::fail(&db, &job, &worker, &e).await
                    }
                };
                if let Err(e) = recorded {
                    tracing::warn!(error = %e, "could not record job outcome");
                }
                continue;
            }
            Ok(None) => {
                // Idle: pick up a key rotation made by another process.
                match crate::keys::refresh(&ctx.config, &db, &ctx.vault).await {
                    Ok(true) => tracing::info!("vault key file reloaded"),
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "could not reload the vault keys")
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not claim a job"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.changed() => {}
        }
    }
}
