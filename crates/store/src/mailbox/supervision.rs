//! Supervision (督办, issue #7): the office issues a notice on any open message, and the worker
//! issues one automatically when the reply deadline is near ([`DUE_SOON_SETTING`] working days,
//! default `DEFAULT_DUE_SOON_WORKDAYS`) or has passed. A notice after the deadline, or one the
//! office escalates, is addressed to the department head (escalation). The dashboard counts
//! open, due-soon and overdue messages per department.
//!
//! Automatic notices are idempotent: one per message, cause and due date, so the hourly sweep
//! ([`SUPERVISE_JOB`]) can run any number of times.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use gongkai_core::mailbox::DEFAULT_DUE_SOON_WORKDAYS;
use gongkai_core::org::OrgId;
use serde::Serialize;
use serde_json::json;

use super::messages::{self, ListFilter, lock, record};
use super::{OBJECT_TYPE, invalid};
use crate::audit::Actor;
use crate::deadlines::{self, OpenFilter, Window};
use crate::jobs::Job;
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx, orgs};

/// Job kind of the automatic supervision sweep (enqueued hourly by the worker).
pub const SUPERVISE_JOB: &str = "mailbox.supervise";
/// Settings key: "due soon" in working days (1–10; default `DEFAULT_DUE_SOON_WORKDAYS`).
pub const DUE_SOON_SETTING: &str = "mailbox.due_soon_workdays";

/// A supervision notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Supervision {
    pub id: i64,
    pub message_id: i64,
    pub dept_id: Option<i64>,
    /// `manual`, `due_soon` or `overdue`.
    pub cause: String,
    /// Addressed to the department head.
    pub escalated: bool,
    pub due_on: String,
    pub note: String,
    pub issued_by: String,
    pub issued_at: i64,
}

impl Supervision {
    pub fn cause_label(&self) -> &'static str {
        match self.cause.as_str() {
            "due_soon" => "临近期限自动督办",
            "overdue" => "超期自动督办",
            _ => "人工督办",
        }
    }
}

const COLUMNS: &str =
    "id, message_id, dept_id, cause, escalated, due_on, note, issued_by, issued_at";

#[expect(clippy::too_many_arguments)]
async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    m: &messages::Message,
    cause: &str,
    escalated: bool,
    due_on: &str,
    note: &str,
    at: i64,
) -> Result<Supervision> {
    let sql = format!(
        "INSERT INTO mailbox_supervisions (message_id, dept_id, cause, escalated, due_on, note, \
         issued_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    let s: Supervision = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(m.id)
        .bind(m.dept_id)
        .bind(cause)
        .bind(escalated)
        .bind(due_on)
        .bind(note)
        .bind(&actor.label)
        .bind(at)
        .fetch_one(c)
        .await?);
    let status = m.status()?;
    record(
        tx,
        actor,
        m,
        "supervise",
        status,
        note,
        json!({"cause": cause, "escalated": escalated, "due_on": due_on, "dept_id": m.dept_id}),
        at,
    )
    .await?;
    Ok(s)
}

/// 督办 by the office on an open message, with a note (required); `escalate` addresses it to
/// the department head.
pub async fn supervise(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    note: &str,
    escalate: bool,
    at: i64,
) -> Result<Supervision> {
    let m = lock(tx, id).await?;
    if !m.is_open() {
        return Err(StoreError::Conflict("此留言已答复，不需要督办".into()));
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(invalid("请填写督办意见"));
    }
    if note.chars().count() > 1000 {
        return Err(invalid("督办意见过长（最多 1000 字）"));
    }
    let due = messages::deadline_tx(tx, id)
        .await?
        .map(|d| d.due_date)
        .unwrap_or_default();
    insert(tx, actor, &m, "manual", escalate, &due, note, at).await
}

/// The notices of one message, oldest first.
pub async fn notices(db: &Db, message_id: i64) -> Result<Vec<Supervision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mailbox_supervisions WHERE message_id = $1 ORDER BY issued_at, id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(message_id)
    .fetch_all(p)
    .await?))
}

async fn due_soon_workdays(db: &Db) -> Result<u32> {
    let v: Option<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(DUE_SOON_SETTING)
    .fetch_optional(p)
    .await?);
    Ok(v.and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (1..=10).contains(n))
        .unwrap_or(DEFAULT_DUE_SOON_WORKDAYS))
}

async fn roots(db: &Db) -> Result<Vec<OrgId>> {
    Ok(orgs::tree(db).await?.roots())
}

fn filter(today: NaiveDate, window: Window) -> OpenFilter {
    let mut f = OpenFilter::new(today, window);
    f.object_type = Some(OBJECT_TYPE.into());
    f.kind = Some(super::DEADLINE_KIND.into());
    f.limit = 5000;
    f
}

/// The automatic sweep for `today` (CST): a `due_soon` notice for every open message due within
/// the setting's working days, an escalated `overdue` notice for every overdue one, each at most
/// once per due date. Returns the number of notices issued.
pub async fn auto_supervise(db: &Db, today: NaiveDate, at: i64) -> Result<u64> {
    let scopes = roots(db).await?;
    let n = due_soon_workdays(db).await?;
    let overdue = deadlines::list_open(db, &scopes, &filter(today, Window::Overdue)).await?;
    let soon = deadlines::list_open(db, &scopes, &filter(today, Window::DueWithin(n))).await?;
    let mut issued = 0u64;
    let todo = overdue
        .iter()
        .map(|d| (d, "overdue", true))
        .chain(soon.iter().map(|d| (d, "due_soon", false)));
    for (d, cause, escalated) in todo {
        let mut tx = db.begin().await?;
        let t = &mut tx;
        let exists: i64 = on_tx!(t, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM mailbox_supervisions WHERE message_id = $1 AND cause = $2 \
             AND due_on = $3"
        )
        .bind(d.object_id)
        .bind(cause)
        .bind(&d.due_date)
        .fetch_one(c)
        .await?);
        if exists > 0 {
            continue;
        }
        let m = lock(&mut tx, d.object_id).await?;
        if !m.is_open() {
            continue;
        }
        let note = if escalated {
            format!(
                "已超过答复期限（{}），请科室负责人督促承办人立即答复",
                d.due_date
            )
        } else {
            format!("答复期限为 {}，即将到期，请抓紧办理", d.due_date)
        };
        insert(
            &mut tx,
            &Actor::system(),
            &m,
            cause,
            escalated,
            &d.due_date,
            &note,
            at,
        )
        .await?;
        tx.commit().await?;
        issued += 1;
    }
    Ok(issued)
}

/// Enqueues this hour's sweep (once across all instances).
pub async fn enqueue_sweep(db: &Db) -> Result<()> {
    let hour = now_ms() / 3_600_000;
    let mut tx = db.begin().await?;
    crate::jobs::enqueue(
        &mut tx,
        SUPERVISE_JOB,
        &json!({}),
        Some(&format!("{SUPERVISE_JOB}:{hour}")),
        now_ms(),
    )
    .await?;
    tx.commit().await
}

/// Runs the sweep job (today's date in CST).
pub async fn run_job(db: &Db, _job: &Job) -> Result<u64> {
    auto_supervise(db, deadlines::today(), now_ms()).await
}

/// One row of the supervision dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeptLoad {
    /// `None`: not yet forwarded.
    pub dept_id: Option<i64>,
    pub dept_name: String,
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

/// Open, due-soon and overdue messages per department, of boxes inside `scopes`.
pub async fn dashboard(db: &Db, scopes: &[OrgId], today: NaiveDate) -> Result<Vec<DeptLoad>> {
    let open = messages::list(
        db,
        scopes,
        &[],
        &ListFilter {
            status: Some("open".into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await?;
    let n = due_soon_workdays(db).await?;
    let overdue: HashSet<i64> = deadlines::list_open(db, scopes, &filter(today, Window::Overdue))
        .await?
        .into_iter()
        .map(|d| d.object_id)
        .collect();
    let soon: HashSet<i64> = deadlines::list_open(db, scopes, &filter(today, Window::DueWithin(n)))
        .await?
        .into_iter()
        .map(|d| d.object_id)
        .collect();
    let names: BTreeMap<i64, String> = orgs::list(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.short_name))
        .collect();
    let mut rows: BTreeMap<Option<i64>, DeptLoad> = BTreeMap::new();
    for m in open {
        let row = rows.entry(m.dept_id).or_insert_with(|| DeptLoad {
            dept_id: m.dept_id,
            dept_name: m
                .dept_id
                .and_then(|d| names.get(&d).cloned())
                .unwrap_or_else(|| "（尚未转办）".into()),
            open: 0,
            due_soon: 0,
            overdue: 0,
        });
        row.open += 1;
        if overdue.contains(&m.id) {
            row.overdue += 1;
        } else if soon.contains(&m.id) {
            row.due_soon += 1;
        }
    }
    Ok(rows.into_values().collect())
}

/// Notices addressed to departments inside `dept_scopes` (the department's queue), newest
/// first, with the message's query number and title.
pub async fn for_departments(
    db: &Db,
    dept_scopes: &[OrgId],
) -> Result<Vec<(Supervision, String, String)>> {
    let ids = crate::items::catalog::expand_scopes(db, dept_scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let cond = crate::items::catalog::in_list("s.dept_id", &ids, &mut args);
    let sql = format!(
        "SELECT s.id, s.message_id, s.dept_id, s.cause, s.escalated, s.due_on, s.note, \
         s.issued_by, s.issued_at, m.query_no, m.title FROM mailbox_supervisions s \
         JOIN mailbox_messages m ON m.id = s.message_id WHERE {cond} \
         AND m.status NOT IN ('replied', 'closed') ORDER BY s.issued_at DESC, s.id DESC LIMIT 200"
    );
    type Row = (
        i64,
        i64,
        Option<i64>,
        String,
        bool,
        String,
        String,
        String,
        i64,
        String,
        String,
    );
    let rows: Vec<Row> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                crate::items::catalog::Arg::I(v) => q.bind(*v),
                crate::items::catalog::Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                Supervision {
                    id: r.0,
                    message_id: r.1,
                    dept_id: r.2,
                    cause: r.3,
                    escalated: r.4,
                    due_on: r.5,
                    note: r.6,
                    issued_by: r.7,
                    issued_at: r.8,
                },
                r.9,
                r.10,
            )
        })
        .collect())
}
