//! The deadlines register (issue #3, product.md C10): every running statutory clock of every
//! domain in one table, so that the supervision view (督办) spans items (Art. 26 publication
//! clock), applications (Arts. 30/33 reply and correction clocks) and messages, and so that a
//! calendar change can recompute them all.
//!
//! **Rule.** A deadline is its clock (core's [`Clock`]: start, period, suspensions, restart,
//! extension — REG §1.5.3–§1.5.5) computed on the working-day calendar of the organisation that
//! owns the object (national data plus the regional overrides of its subtree, REG §7.2). The
//! stored due date, provisional flag and Chinese explanation are a cache of that computation:
//! [`upsert`] computes them when a domain starts or changes a clock, and [`recompute_open`]
//! refreshes every open deadline when calendar data change (C10: provisional deadlines are
//! recomputed when the year's data arrive). Every change of a due date is audited.
//!
//! A deadline is identified by `(object_type, object_id, kind)`, e.g. `("application", 42,
//! "reply")`. Domains own the meaning of their kinds; this module only computes and lists.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use gongkai_core::calendar::{Calendar, Clock, Deadline};
use gongkai_core::org::OrgId;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::calendar::{self, CalendarData};
use crate::jobs::Job;
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// Job kind (and dedupe key) of the recomputation enqueued by every calendar change. The job
/// runner calls [`run_job`] for it.
pub const RECOMPUTE_JOB: &str = "deadlines.recompute";

/// Status of a running deadline.
pub const OPEN: &str = "open";
/// Status of a deadline whose obligation was met or withdrawn.
pub const CLOSED: &str = "closed";

/// Deadlines recomputed per write transaction (keeps SQLite's writer lock short).
const RECOMPUTE_BATCH: usize = 100;

/// A stored deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeadlineRow {
    pub id: i64,
    pub object_type: String,
    pub object_id: i64,
    pub org_id: i64,
    pub kind: String,
    /// A short Chinese description for lists and feeds, e.g. 依申请公开 2024-0007 答复期限.
    pub label: String,
    pub clock_json: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// The due date before an extension (equal to `due_date` without one).
    pub original_due_date: String,
    /// Some consulted day lies in a year without official data: recomputed when data arrive.
    pub provisional: bool,
    /// The working in Chinese (core's `Deadline::explain`).
    pub explanation: String,
    /// [`OPEN`] or [`CLOSED`].
    pub status: String,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl DeadlineRow {
    pub fn clock(&self) -> Result<Clock> {
        Ok(serde_json::from_str(&self.clock_json)?)
    }

    pub fn due(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.due_date, "%Y-%m-%d").ok()
    }

    pub fn is_open(&self) -> bool {
        self.status == OPEN
    }
}

/// A deadline to register or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineInput {
    pub object_type: String,
    pub object_id: i64,
    /// The organisation whose calendar applies (and whose supervisors see the deadline).
    pub org_id: OrgId,
    /// E.g. `reply`, `correction_notice`, `publication`.
    pub kind: String,
    pub label: String,
    pub clock: Clock,
}

const COLUMNS: &str = "id, object_type, object_id, org_id, kind, label, clock_json, due_date, \
    original_due_date, provisional, explanation, status, closed_at, created_at, updated_at";

/// Today's date in China Standard Time (UTC+8, no daylight saving), the date deadlines use.
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

fn compute(clock: &Clock, calendar: &Calendar) -> Result<Deadline> {
    clock
        .compute(calendar)
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

fn audit_view(row: &DeadlineRow) -> serde_json::Value {
    json!({
        "object_type": row.object_type,
        "object_id": row.object_id,
        "kind": row.kind,
        "org_id": row.org_id,
        "status": row.status,
        "due_date": row.due_date,
        "original_due_date": row.original_due_date,
        "provisional": row.provisional,
        "clock": serde_json::from_str::<serde_json::Value>(&row.clock_json).unwrap_or_default(),
    })
}

async fn find_tx(
    tx: &mut Tx,
    object_type: &str,
    object_id: i64,
    kind: &str,
) -> Result<Option<DeadlineRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM deadlines WHERE object_type = $1 AND object_id = $2 AND kind = $3"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(object_type)
    .bind(object_id)
    .bind(kind)
    .fetch_optional(c)
    .await?))
}

/// Registers a deadline or replaces its clock (and reopens it if it was closed), computing the
/// due date, provisional flag and explanation on the organisation's calendar read inside `tx`.
/// Audited (`deadline.set`, before/after) unless nothing changed. Bad clocks (zero period,
/// extension over 20 working days …) are refused with core's Chinese message.
pub async fn upsert(tx: &mut Tx, actor: &Actor, input: &DeadlineInput) -> Result<DeadlineRow> {
    if input.object_type.trim().is_empty() || input.kind.trim().is_empty() {
        return Err(StoreError::Invalid("期限缺少对象类型或期限种类".into()));
    }
    let data = calendar::load_data_tx(tx).await?;
    if !data.tree().contains(input.org_id) {
        return Err(StoreError::Invalid("期限所属机构不存在".into()));
    }
    let deadline = compute(&input.clock, &data.calendar_for(Some(input.org_id)))?;
    let clock_json = serde_json::to_string(&input.clock)?;
    let due = deadline.due.to_string();
    let original_due = deadline.original_due.to_string();
    let explanation = deadline.explain();
    let before = find_tx(tx, &input.object_type, input.object_id, &input.kind).await?;
    let now = now_ms();
    let after: DeadlineRow = match &before {
        Some(b)
            if b.is_open()
                && b.org_id == input.org_id
                && b.label == input.label
                && b.clock_json == clock_json
                && b.due_date == due
                && b.original_due_date == original_due
                && b.provisional == deadline.provisional
                && b.explanation == explanation =>
        {
            return Ok(b.clone());
        }
        Some(b) => {
            let sql = format!(
                "UPDATE deadlines SET org_id = $2, label = $3, clock_json = $4, due_date = $5, \
                 original_due_date = $6, provisional = $7, explanation = $8, status = 'open', \
                 closed_at = NULL, updated_at = $9 WHERE id = $1 RETURNING {COLUMNS}"
            );
            on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(b.id)
                .bind(input.org_id)
                .bind(&input.label)
                .bind(&clock_json)
                .bind(&due)
                .bind(&original_due)
                .bind(deadline.provisional)
                .bind(&explanation)
                .bind(now)
                .fetch_one(c)
                .await?)
        }
        None => {
            let sql = format!(
                "INSERT INTO deadlines (object_type, object_id, org_id, kind, label, clock_json, \
                 due_date, original_due_date, provisional, explanation, status, closed_at, \
                 created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', NULL, $11, $11) \
                 RETURNING {COLUMNS}"
            );
            let inserted: std::result::Result<DeadlineRow, sqlx::Error> =
                on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(input.object_type.trim())
                    .bind(input.object_id)
                    .bind(input.org_id)
                    .bind(input.kind.trim())
                    .bind(&input.label)
                    .bind(&clock_json)
                    .bind(&due)
                    .bind(&original_due)
                    .bind(deadline.provisional)
                    .bind(&explanation)
                    .bind(now)
                    .fetch_one(c)
                    .await);
            inserted.map_err(|e| match StoreError::from(e) {
                e if e.is_unique_violation() => {
                    StoreError::Conflict("该期限已被同时登记，请重试".into())
                }
                e => e,
            })?
        }
    };
    audit::append(
        tx,
        actor,
        Change {
            action: "deadline.set",
            object_type: "deadline",
            object_id: after.id.to_string(),
            before: before.as_ref().map(audit_view),
            after: Some(audit_view(&after)),
        },
    )
    .await?;
    Ok(after)
}

/// Closes a deadline (obligation met or withdrawn). Returns false when there was no open
/// deadline to close. Audited (`deadline.close`).
pub async fn close(
    tx: &mut Tx,
    actor: &Actor,
    object_type: &str,
    object_id: i64,
    kind: &str,
) -> Result<bool> {
    let Some(before) = find_tx(tx, object_type, object_id, kind)
        .await?
        .filter(DeadlineRow::is_open)
    else {
        return Ok(false);
    };
    let sql = format!(
        "UPDATE deadlines SET status = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1 \
         RETURNING {COLUMNS}"
    );
    let now = now_ms();
    let after: DeadlineRow = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(before.id)
        .bind(now)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "deadline.close",
            object_type: "deadline",
            object_id: after.id.to_string(),
            before: Some(audit_view(&before)),
            after: Some(audit_view(&after)),
        },
    )
    .await?;
    Ok(true)
}

/// One deadline by its identity, read inside a write transaction.
pub async fn get_tx(
    tx: &mut Tx,
    object_type: &str,
    object_id: i64,
    kind: &str,
) -> Result<Option<DeadlineRow>> {
    find_tx(tx, object_type, object_id, kind).await
}

/// One deadline by its identity.
pub async fn get(
    db: &Db,
    object_type: &str,
    object_id: i64,
    kind: &str,
) -> Result<Option<DeadlineRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM deadlines WHERE object_type = $1 AND object_id = $2 AND kind = $3"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(object_type)
    .bind(object_id)
    .bind(kind)
    .fetch_optional(p)
    .await?))
}

/// Which open deadlines a list shows, relative to [`OpenFilter::today`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Every open deadline.
    All,
    /// Due before today (逾期).
    Overdue,
    /// Due today (今日到期).
    DueToday,
    /// Due from today up to the n-th working day after today, on the owning organisation's
    /// calendar (e.g. 3 for "due within 3 working days"; 0 = today only).
    DueWithin(u32),
}

/// Filters of [`list_open`].
#[derive(Debug, Clone)]
pub struct OpenFilter {
    /// China Standard Time date (see [`today`]).
    pub today: NaiveDate,
    pub window: Window,
    pub object_type: Option<String>,
    pub kind: Option<String>,
    /// Only this organisation's subtree (the 督办 view "by unit").
    pub org_id: Option<OrgId>,
    /// At most this many rows (clamped to 1..=5000).
    pub limit: i64,
}

impl OpenFilter {
    pub fn new(today: NaiveDate, window: Window) -> OpenFilter {
        OpenFilter {
            today,
            window,
            object_type: None,
            kind: None,
            org_id: None,
            limit: 1000,
        }
    }
}

/// Open deadlines of organisations inside any of `scopes` (subtrees; pass
/// `auth::scopes_for(grants, action)`; an empty slice lists nothing), filtered, earliest due
/// date first.
pub async fn list_open(db: &Db, scopes: &[OrgId], filter: &OpenFilter) -> Result<Vec<DeadlineRow>> {
    if scopes.is_empty() {
        return Ok(Vec::new());
    }
    let today = filter.today.to_string();
    let (date_cond, bind_date) = match filter.window {
        Window::All => ("", false),
        Window::Overdue => ("AND due_date < $3", true),
        Window::DueToday => ("AND due_date = $3", true),
        Window::DueWithin(_) => ("AND due_date >= $3", true),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM deadlines WHERE status = 'open' \
         AND ($1 IS NULL OR object_type = $1) AND ($2 IS NULL OR kind = $2) {date_cond} \
         ORDER BY due_date, id"
    );
    let object_type = filter.object_type.as_deref().filter(|s| !s.is_empty());
    let kind = filter.kind.as_deref().filter(|s| !s.is_empty());
    let rows: Vec<DeadlineRow> = on_db!(db, |p| {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(object_type)
            .bind(kind);
        let q = if bind_date { q.bind(&today) } else { q };
        q.fetch_all(p).await?
    });
    let data = calendar::load_data(db).await?;
    let tree = data.tree();
    let mut cutoffs: HashMap<OrgId, NaiveDate> = HashMap::new();
    let limit = usize::try_from(filter.limit.clamp(1, 5000)).unwrap_or(1000);
    let mut out = Vec::new();
    for row in rows {
        if !scopes.iter().any(|s| tree.is_within(row.org_id, *s)) {
            continue;
        }
        if let Some(unit) = filter.org_id
            && !tree.is_within(row.org_id, unit)
        {
            continue;
        }
        if let Window::DueWithin(n) = filter.window {
            let cutoff = match cutoffs.get(&row.org_id) {
                Some(c) => *c,
                None => {
                    let c = if n == 0 {
                        filter.today
                    } else {
                        compute(
                            &Clock::new(filter.today, gongkai_core::calendar::Period::Workdays(n)),
                            &data.calendar_for(Some(row.org_id)),
                        )?
                        .due
                    };
                    cutoffs.insert(row.org_id, c);
                    c
                }
            };
            if row.due().is_none_or(|d| d > cutoff) {
                continue;
            }
        }
        out.push(row);
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// What [`recompute_open`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecomputeReport {
    pub checked: u64,
    /// Rows whose stored computation changed (due date, provisional flag or explanation).
    pub updated: u64,
    /// Rows whose due date or provisional flag changed (each audited).
    pub due_changed: u64,
    /// Deadlines that could not be recomputed: (id, Chinese reason). They keep their old values.
    pub errors: Vec<(i64, String)>,
    /// The calendar version the run used.
    pub calendar_version: i64,
}

/// Recomputes every open deadline on the current calendar data. Each row is re-read inside its
/// write transaction (so a concurrent [`upsert`] is never overwritten with a stale clock);
/// rows whose due date or provisional flag changes are audited (`deadline.recompute`, actor
/// `system`, before/after due date and provisional flag). Idempotent.
pub async fn recompute_open(db: &Db) -> Result<RecomputeReport> {
    let data = calendar::load_data(db).await?;
    let ids: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM deadlines WHERE status = 'open' ORDER BY id"
    )
    .fetch_all(p)
    .await?);
    let mut report = RecomputeReport {
        calendar_version: data.version,
        ..RecomputeReport::default()
    };
    let mut calendars: HashMap<OrgId, Calendar> = HashMap::new();
    let actor = Actor::system();
    for chunk in ids.chunks(RECOMPUTE_BATCH) {
        let mut tx = db.begin().await?;
        for id in chunk {
            recompute_one(&mut tx, &actor, &data, &mut calendars, *id, &mut report).await?;
        }
        tx.commit().await?;
    }
    if !report.errors.is_empty() {
        tracing::warn!(errors = ?report.errors, "some deadlines could not be recomputed");
    }
    Ok(report)
}

async fn recompute_one(
    tx: &mut Tx,
    actor: &Actor,
    data: &CalendarData,
    calendars: &mut HashMap<OrgId, Calendar>,
    id: i64,
    report: &mut RecomputeReport,
) -> Result<()> {
    let sql = format!("SELECT {COLUMNS} FROM deadlines WHERE id = $1 AND status = 'open'");
    let row: Option<DeadlineRow> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    let Some(row) = row else {
        return Ok(()); // closed meanwhile
    };
    report.checked += 1;
    let calendar = calendars
        .entry(row.org_id)
        .or_insert_with(|| data.calendar_for(Some(row.org_id)));
    let deadline = match row.clock().and_then(|clock| compute(&clock, calendar)) {
        Ok(d) => d,
        Err(e) => {
            report.errors.push((row.id, e.to_string()));
            return Ok(());
        }
    };
    let due = deadline.due.to_string();
    let original_due = deadline.original_due.to_string();
    let explanation = deadline.explain();
    if row.due_date == due
        && row.original_due_date == original_due
        && row.provisional == deadline.provisional
        && row.explanation == explanation
    {
        return Ok(());
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE deadlines SET due_date = $2, original_due_date = $3, provisional = $4, \
         explanation = $5, updated_at = $6 WHERE id = $1"
    )
    .bind(row.id)
    .bind(&due)
    .bind(&original_due)
    .bind(deadline.provisional)
    .bind(&explanation)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    report.updated += 1;
    if row.due_date != due || row.provisional != deadline.provisional {
        report.due_changed += 1;
        audit::append(
            tx,
            actor,
            Change {
                action: "deadline.recompute",
                object_type: "deadline",
                object_id: row.id.to_string(),
                before: Some(json!({
                    "due_date": row.due_date,
                    "original_due_date": row.original_due_date,
                    "provisional": row.provisional,
                })),
                after: Some(json!({
                    "due_date": due,
                    "original_due_date": original_due,
                    "provisional": deadline.provisional,
                    "calendar_version": data.version,
                })),
            },
        )
        .await?;
    }
    Ok(())
}

/// The handler of [`RECOMPUTE_JOB`] for the job runner: recomputes every open deadline.
/// Idempotent, as jobs must be. Refuses jobs of other kinds.
pub async fn run_job(db: &Db, job: &Job) -> Result<RecomputeReport> {
    if job.kind != RECOMPUTE_JOB {
        return Err(StoreError::Invalid(format!(
            "任务类型 {} 不能由期限重算处理",
            job.kind
        )));
    }
    recompute_open(db).await
}
