//! Reminders (issue #6 "reminders through the job queue", issue #9 "deadline reminders"): the
//! worker's sweep ([`SWEEP_JOB`], hourly) turns approaching and passed deadlines into reminders
//! that the console lists for the people concerned (a badge with the unread count) and that are
//! mailed when SMTP is configured (`gongkai_web::mail::send_reminders`).
//!
//! **What is reminded.**
//! - Disclosure applications: every open deadline of the register with `object_type =
//!   "application"` — the reply (条例 Arts. 33, 42), the 补正 notice (Art. 30: within 7 working
//!   days) and the applicant's correction period, a consultation (Art. 32: 15 working days), the
//!   fee payment (fee rules, see `applications::FEE_WORKDAYS_SETTING`) — when it falls due
//!   within [`DUE_SOON_WORKDAYS`] working days on the organisation's calendar, when it falls due
//!   today, and when it has passed. Addressed to the disclosure office (holders of
//!   `ManageApplications` over the application's organisation) and to the staff of the
//!   department the application is assigned to (承办人/科室负责人: holders of `DraftItem` over
//!   that department).
//! - The annual report (条例 Art. 49, REG §1.6): the report of last year of every body that
//!   reports on its own (本级机关, 县（市）区, 专门协会) must be published by the department
//!   deadline (¶1, default 1月31日; REG says to make it configurable), a consolidated (rollup)
//!   report by the government deadline (¶2, default 3月31日). While last year's report is neither
//!   published here nor imported as published elsewhere, its editors (holders of `EditGuide`
//!   over the organisation: the disclosure office) are reminded with the same three thresholds.
//!
//! **Exactly once.** A reminder is identified by `(subject, deadline kind, due date, threshold)`
//! in the unique `reminder_key`; the sweep inserts with `ON CONFLICT DO NOTHING`, so any number
//! of instances and job runs produce it once. A changed due date (an extension, a calendar
//! change) is a new deadline and reminds again. Each reminder is audited when it is made.
//!
//! **Visibility** is decided in SQL from the user's grants (`auth::scopes_for`), like every list.

use chrono::{Datelike, NaiveDate};
use gongkai_core::auth::{Action, Grant, scopes_for};
use gongkai_core::calendar::{Clock, Period};
use gongkai_core::org::{OrgId, OrgKind};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::deadlines::{self, OpenFilter, Window};
use crate::items::catalog::{Arg, in_list};
use crate::jobs::Job;
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx, orgs};

/// Job kind of the sweep (enqueued hourly by the worker, deduplicated per hour).
pub const SWEEP_JOB: &str = "reminders.sweep";

/// "Due soon" means due within this many working days after today (issue #6: the 督办 view's
/// "due within 3 working days").
pub const DUE_SOON_WORKDAYS: u32 = 3;

/// `object_type` of reminders in the audit log.
pub const OBJECT_TYPE: &str = "reminder";

/// How close a deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// Due within [`DUE_SOON_WORKDAYS`] working days (after today).
    DueSoon,
    /// Due today.
    DueToday,
    /// Passed.
    Overdue,
}

impl Threshold {
    pub fn code(self) -> &'static str {
        match self {
            Threshold::DueSoon => "due_soon",
            Threshold::DueToday => "due_today",
            Threshold::Overdue => "overdue",
        }
    }
    pub fn from_code(s: &str) -> Option<Threshold> {
        [Threshold::DueSoon, Threshold::DueToday, Threshold::Overdue]
            .into_iter()
            .find(|t| t.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Threshold::DueSoon => "即将到期",
            Threshold::DueToday => "今日到期",
            Threshold::Overdue => "已逾期",
        }
    }
}

/// The Art. 49 publication deadlines of the annual report, as (month, day) of the year after
/// the report's year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReportDeadlines {
    /// Art. 49 ¶1: a department's report (default 1月31日; REG §1.6 notes that local rules
    /// differ, so this is configurable).
    pub department: (u32, u32),
    /// Art. 49 ¶2: the government's consolidated report (default 3月31日).
    pub consolidated: (u32, u32),
}

impl Default for ReportDeadlines {
    fn default() -> Self {
        ReportDeadlines {
            department: (1, 31),
            consolidated: (3, 31),
        }
    }
}

/// Parses a deadline written `MM-DD` (e.g. `01-31`). The message is Chinese.
pub fn parse_month_day(s: &str) -> std::result::Result<(u32, u32), String> {
    let bad = || format!("日期“{s}”无效：请写成 月-日 的形式，例如 01-31");
    let (m, d) = s.trim().split_once('-').ok_or_else(bad)?;
    let m: u32 = m.trim().parse().map_err(|_| bad())?;
    let d: u32 = d.trim().parse().map_err(|_| bad())?;
    // Any year that has 2月29日 validates every calendar day; the sweep clamps to the month's end.
    NaiveDate::from_ymd_opt(2024, m, d).ok_or_else(bad)?;
    Ok((m, d))
}

fn deadline_in(year: i32, (m, d): (u32, u32)) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, m, d).or_else(|| {
        d.checked_sub(1)
            .and_then(|d| NaiveDate::from_ymd_opt(year, m, d))
    })
}

/// A stored reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Reminder {
    pub id: i64,
    pub reminder_key: String,
    /// `application` or `report`.
    pub subject_type: String,
    /// The application's id; for a report, the organisation's id.
    pub subject_id: i64,
    /// The deadline kind (`reply`, `fee_payment`, `consultation:7`, `annual:2024`,
    /// `annual_rollup:2024` …).
    pub kind: String,
    /// A [`Threshold`] code.
    pub threshold: String,
    pub due_date: String,
    pub org_id: i64,
    pub dept_id: Option<i64>,
    /// `applications` or `report`.
    pub audience: String,
    pub title: String,
    pub body: String,
    /// The console page to act on.
    pub link: String,
    pub mailed_at: Option<i64>,
    pub mail_error: String,
    pub created_at: i64,
}

impl Reminder {
    pub fn threshold(&self) -> Option<Threshold> {
        Threshold::from_code(&self.threshold)
    }
    pub fn threshold_label(&self) -> &'static str {
        self.threshold().map_or("提醒", Threshold::label)
    }
}

const COLUMNS: &str = "id, reminder_key, subject_type, subject_id, kind, threshold, due_date, \
    org_id, dept_id, audience, title, body, link, mailed_at, mail_error, created_at";

/// A reminder to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReminder {
    pub subject_type: &'static str,
    pub subject_id: i64,
    pub kind: String,
    pub threshold: Threshold,
    pub due_date: NaiveDate,
    pub org_id: OrgId,
    pub dept_id: Option<OrgId>,
    pub audience: &'static str,
    pub title: String,
    pub body: String,
    pub link: String,
}

impl NewReminder {
    /// The unique key: one reminder per (subject, deadline, threshold).
    pub fn key(&self) -> String {
        format!(
            "{}:{}:{}:{}:{}",
            self.subject_type,
            self.subject_id,
            self.kind,
            self.due_date,
            self.threshold.code()
        )
    }
}

/// Makes `r` unless it exists (by its key). Returns the new row, audited, or `None`.
pub async fn insert(tx: &mut Tx, actor: &Actor, r: &NewReminder) -> Result<Option<Reminder>> {
    let sql = format!(
        "INSERT INTO reminders (reminder_key, subject_type, subject_id, kind, threshold, \
         due_date, org_id, dept_id, audience, title, body, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (reminder_key) DO NOTHING RETURNING {COLUMNS}"
    );
    let key = r.key();
    let row: Option<Reminder> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&key)
        .bind(r.subject_type)
        .bind(r.subject_id)
        .bind(&r.kind)
        .bind(r.threshold.code())
        .bind(r.due_date.to_string())
        .bind(r.org_id)
        .bind(r.dept_id)
        .bind(r.audience)
        .bind(&r.title)
        .bind(&r.body)
        .bind(&r.link)
        .bind(now_ms())
        .fetch_optional(c)
        .await?);
    if let Some(row) = &row {
        audit::append(
            tx,
            actor,
            Change {
                action: "reminder.create",
                object_type: OBJECT_TYPE,
                object_id: row.id.to_string(),
                before: None,
                after: Some(json!({
                    "key": key,
                    "org_id": row.org_id,
                    "dept_id": row.dept_id,
                    "title": row.title,
                })),
            },
        )
        .await?;
    }
    Ok(row)
}

// ---- the sweep ------------------------------------------------------------------------------

/// What the sweep made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Reminders made by this run (existing ones are not repeated).
    pub created: Vec<Reminder>,
}

/// Makes every reminder due on `today` (CST) that does not exist yet: application deadlines and
/// the annual report (see the module header). Idempotent.
pub async fn sweep(db: &Db, today: NaiveDate, report: &ReportDeadlines) -> Result<SweepReport> {
    let mut todo = application_reminders(db, today).await?;
    todo.extend(report_reminders(db, today, report).await?);
    let mut out = SweepReport::default();
    let actor = Actor::system();
    for r in todo {
        let mut tx = db.begin().await?;
        if let Some(row) = insert(&mut tx, &actor, &r).await? {
            out.created.push(row);
        }
        tx.commit().await?;
    }
    Ok(out)
}

/// The handler of [`SWEEP_JOB`] (today's date in CST).
pub async fn run_job(db: &Db, _job: &Job, report: &ReportDeadlines) -> Result<SweepReport> {
    sweep(db, deadlines::today(), report).await
}

/// Enqueues this hour's sweep (once across all instances).
pub async fn enqueue_sweep(db: &Db) -> Result<()> {
    let hour = now_ms() / 3_600_000;
    let mut tx = db.begin().await?;
    crate::jobs::enqueue(
        &mut tx,
        SWEEP_JOB,
        &json!({}),
        Some(&format!("{SWEEP_JOB}:{hour}")),
        now_ms(),
    )
    .await?;
    tx.commit().await
}

fn kind_label(kind: &str) -> &'static str {
    use crate::applications::workflow::{CORRECTION_NOTICE, CORRECTION_PERIOD, FEE_PAYMENT, REPLY};
    match kind {
        REPLY => "答复期限",
        CORRECTION_NOTICE => "补正告知期限",
        CORRECTION_PERIOD => "申请人补正期限",
        FEE_PAYMENT => "信息处理费缴纳期限",
        k if k.starts_with("consultation:") => "征求意见期限",
        _ => "办理期限",
    }
}

fn phrase(t: Threshold, due: &str) -> String {
    match t {
        Threshold::DueSoon => format!("将于{due}到期（{DUE_SOON_WORKDAYS}个工作日内）"),
        Threshold::DueToday => format!("今日（{due}）到期"),
        Threshold::Overdue => format!("已于{due}到期，现已逾期"),
    }
}

async fn application_reminders(db: &Db, today: NaiveDate) -> Result<Vec<NewReminder>> {
    let roots = orgs::tree(db).await?.roots();
    let filter = |window| {
        let mut f = OpenFilter::new(today, window);
        f.object_type = Some(crate::applications::OBJECT_TYPE.into());
        f.limit = 5000;
        f
    };
    let overdue = deadlines::list_open(db, &roots, &filter(Window::Overdue)).await?;
    let soon =
        deadlines::list_open(db, &roots, &filter(Window::DueWithin(DUE_SOON_WORKDAYS))).await?;
    let mut rows: Vec<(deadlines::DeadlineRow, Threshold)> = overdue
        .into_iter()
        .map(|d| (d, Threshold::Overdue))
        .collect();
    for d in soon {
        let t = if d.due() == Some(today) {
            Threshold::DueToday
        } else {
            Threshold::DueSoon
        };
        rows.push((d, t));
    }
    let mut out = Vec::with_capacity(rows.len());
    for (d, t) in rows {
        let Some(due) = d.due() else { continue };
        let app: Option<(String, Option<i64>)> = on_db!(db, |p| sqlx::query_as(
            "SELECT tracking_no, department_id FROM applications WHERE id = $1"
        )
        .bind(d.object_id)
        .fetch_optional(p)
        .await?);
        let Some((tracking_no, dept)) = app else {
            continue;
        };
        let what = kind_label(&d.kind);
        out.push(NewReminder {
            subject_type: "application",
            subject_id: d.object_id,
            kind: d.kind.clone(),
            threshold: t,
            due_date: due,
            org_id: d.org_id,
            dept_id: dept,
            audience: "applications",
            title: format!("依申请公开 {tracking_no} {what}{}", phrase(t, &d.due_date)),
            body: format!(
                "政府信息公开申请 {tracking_no} 的{what}{}。{}",
                phrase(t, &d.due_date),
                d.explanation
            ),
            link: format!("/admin/applications/{}", d.object_id),
        });
    }
    Ok(out)
}

fn report_threshold(
    today: NaiveDate,
    due: NaiveDate,
    data: &crate::calendar::CalendarData,
    org: OrgId,
) -> Result<Option<Threshold>> {
    if today > due {
        return Ok(Some(Threshold::Overdue));
    }
    if today == due {
        return Ok(Some(Threshold::DueToday));
    }
    let cutoff = Clock::new(today, Period::Workdays(DUE_SOON_WORKDAYS))
        .compute(&data.calendar_for(Some(org)))
        .map_err(|e| StoreError::Invalid(e.to_string()))?
        .due;
    Ok((due <= cutoff).then_some(Threshold::DueSoon))
}

async fn report_reminders(
    db: &Db,
    today: NaiveDate,
    cfg: &ReportDeadlines,
) -> Result<Vec<NewReminder>> {
    use crate::reports::{self, Status};
    let year = today.year();
    let last = year - 1;
    let data = crate::calendar::load_data(db).await?;
    let mut out = Vec::new();
    let all = orgs::list(db).await?;
    // Art. 49 ¶1: every body that reports on its own; ¶2: every consolidated (rollup) report.
    let mut subjects: Vec<(&orgs::Org, bool)> = all
        .iter()
        .filter(|o| {
            matches!(
                o.kind(),
                Some(OrgKind::Body | OrgKind::County | OrgKind::Association)
            )
        })
        .map(|o| (o, false))
        .collect();
    let rollups: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT org_id FROM reports WHERE year = $1 AND rollup = TRUE ORDER BY org_id"
    )
    .bind(i64::from(last))
    .fetch_all(p)
    .await?);
    subjects.extend(
        all.iter()
            .filter(|o| rollups.contains(&o.id))
            .map(|o| (o, true)),
    );
    for (org, rollup) in subjects {
        let Some(due) = deadline_in(
            year,
            if rollup {
                cfg.consolidated
            } else {
                cfg.department
            },
        ) else {
            continue;
        };
        let Some(t) = report_threshold(today, due, &data, org.id)? else {
            continue;
        };
        let made = reports::find(db, org.id, last, rollup).await?;
        if made
            .as_ref()
            .is_some_and(|r| r.status() == Status::Published)
        {
            continue;
        }
        // A report published before this system (imported, REG §2.8) needs no reminder.
        if !rollup && reports::past(db, org.id, last).await?.is_some() {
            continue;
        }
        let which = if rollup { "（含所属单位）" } else { "" };
        let state = match &made {
            Some(r) => format!("目前处于“{}”阶段", r.status().label()),
            None => "尚未新建".to_string(),
        };
        let rule = if rollup {
            "《政府信息公开条例》第四十九条第二款"
        } else {
            "《政府信息公开条例》第四十九条第一款"
        };
        let due_s = due.to_string();
        out.push(NewReminder {
            subject_type: "report",
            subject_id: org.id,
            kind: format!("{}:{last}", if rollup { "annual_rollup" } else { "annual" }),
            threshold: t,
            due_date: due,
            org_id: org.id,
            dept_id: None,
            audience: "report",
            title: format!(
                "{}{which}{last}年政府信息公开工作年度报告{}",
                org.short_name,
                phrase(t, &due_s)
            ),
            body: format!(
                "依照{rule}，{}{which}{last}年政府信息公开工作年度报告应于{}{}月{}日前向社会公布；该报告{state}。",
                org.full_name,
                year,
                due.month(),
                due.day()
            ),
            link: match &made {
                Some(r) => format!("/admin/reports/{}", r.id),
                None => "/admin/reports".into(),
            },
        });
    }
    Ok(out)
}

// ---- who sees what --------------------------------------------------------------------------

/// The visibility condition of a user's reminders (SQL over `r.`), with its arguments; `None`
/// when the user can see none.
async fn visible(db: &Db, grants: &[Grant], args: &mut Vec<Arg>) -> Result<Option<String>> {
    if grants.is_empty() {
        return Ok(None);
    }
    // One read of the organisations for the three scopes (this runs on every console page).
    let pairs: Vec<(i64, Option<i64>)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, parent_id FROM orgs")
            .fetch_all(p)
            .await?);
    let ids: Vec<OrgId> = pairs.iter().map(|(id, _)| *id).collect();
    let tree = gongkai_core::org::OrgTree::new(pairs);
    let expand = |action: Action| -> Vec<OrgId> {
        let scopes = scopes_for(grants, action);
        ids.iter()
            .copied()
            .filter(|id| scopes.iter().any(|s| tree.is_within(*id, *s)))
            .collect()
    };
    let office = expand(Action::ManageApplications);
    let editors = expand(Action::EditGuide);
    let staff = expand(Action::DraftItem);
    let mut parts = Vec::new();
    if !office.is_empty() {
        parts.push(format!(
            "(r.audience = 'applications' AND {})",
            in_list("r.org_id", &office, args)
        ));
    }
    if !editors.is_empty() {
        parts.push(format!(
            "(r.audience = 'report' AND {})",
            in_list("r.org_id", &editors, args)
        ));
    }
    if !staff.is_empty() {
        parts.push(format!(
            "(r.audience = 'applications' AND {})",
            in_list("r.dept_id", &staff, args)
        ));
    }
    Ok((!parts.is_empty()).then(|| format!("({})", parts.join(" OR "))))
}

/// One reminder in a user's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub reminder: Reminder,
    pub read: bool,
}

/// The reminders `user_id` (with `grants`) may see, newest first, at most `limit`.
pub async fn list_for(
    db: &Db,
    user_id: i64,
    grants: &[Grant],
    unread_only: bool,
    limit: i64,
) -> Result<Vec<Entry>> {
    let mut args = vec![Arg::I(user_id)];
    let Some(cond) = visible(db, grants, &mut args).await? else {
        return Ok(Vec::new());
    };
    let cols: Vec<String> = COLUMNS.split(", ").map(|c| format!("r.{c}")).collect();
    let unread = if unread_only {
        " AND rr.user_id IS NULL"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {}, rr.read_at FROM reminders r LEFT JOIN reminder_reads rr \
         ON rr.reminder_id = r.id AND rr.user_id = $1 WHERE {cond}{unread} \
         ORDER BY r.created_at DESC, r.id DESC LIMIT {}",
        cols.join(", "),
        limit.clamp(1, 1000)
    );
    let rows: Vec<EntryRow> = on_db!(db, |p| {
        crate::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
            .fetch_all(p)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            reminder: r.reminder,
            read: r.read_at.is_some(),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    #[sqlx(flatten)]
    reminder: Reminder,
    read_at: Option<i64>,
}

/// How many of the reminders `user_id` may see are unread (the console's badge).
pub async fn unread_count(db: &Db, user_id: i64, grants: &[Grant]) -> Result<i64> {
    let mut args = vec![Arg::I(user_id)];
    let Some(cond) = visible(db, grants, &mut args).await? else {
        return Ok(0);
    };
    let sql = format!(
        "SELECT COUNT(*) FROM reminders r WHERE {cond} AND NOT EXISTS \
         (SELECT 1 FROM reminder_reads rr WHERE rr.reminder_id = r.id AND rr.user_id = $1)"
    );
    let n: i64 = on_db!(db, |p| {
        crate::bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())), &args)
            .fetch_one(p)
            .await?
    });
    Ok(n)
}

/// Marks reminders read for `user_id`: one (`Some(id)`, which must be visible to the user, else
/// not found) or every visible unread one (`None`). Audited. Returns how many were marked.
pub async fn mark_read(
    db: &Db,
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    grants: &[Grant],
    id: Option<i64>,
) -> Result<u64> {
    let ids: Vec<i64> = match id {
        Some(id) => {
            let mut args = vec![Arg::I(id)];
            let Some(cond) = visible(db, grants, &mut args).await? else {
                return Err(StoreError::NotFound("提醒不存在".into()));
            };
            let sql = format!("SELECT r.id FROM reminders r WHERE r.id = $1 AND {cond}");
            let found: Option<i64> = on_tx!(tx, |c| {
                crate::bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())), &args)
                    .fetch_optional(c)
                    .await?
            });
            vec![found.ok_or_else(|| StoreError::NotFound("提醒不存在".into()))?]
        }
        None => list_for(db, user_id, grants, true, 1000)
            .await?
            .into_iter()
            .map(|e| e.reminder.id)
            .collect(),
    };
    let now = now_ms();
    let mut n = 0u64;
    for rid in &ids {
        n += on_tx!(tx, |c| sqlx::query(
            "INSERT INTO reminder_reads (reminder_id, user_id, read_at) VALUES ($1, $2, $3) \
             ON CONFLICT (reminder_id, user_id) DO NOTHING"
        )
        .bind(*rid)
        .bind(user_id)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
    }
    if n > 0 {
        audit::append(
            tx,
            actor,
            Change {
                action: "reminder.read",
                object_type: OBJECT_TYPE,
                object_id: id.map_or_else(|| "all".to_string(), |i| i.to_string()),
                before: None,
                after: Some(json!({"user_id": user_id, "reminders": ids})),
            },
        )
        .await?;
    }
    Ok(n)
}

// ---- mail -----------------------------------------------------------------------------------

/// A reminder waiting to be mailed, with the addresses of the offices it goes to (the
/// organisation's and the department's published e-mail addresses; staff accounts hold none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub reminder: Reminder,
    pub to: Vec<String>,
}

/// Reminders made since `since_ms` that were never mailed, oldest first (older ones are not
/// mailed when SMTP is configured later: they are in the console).
pub async fn unmailed(db: &Db, since_ms: i64) -> Result<Vec<Outgoing>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM reminders WHERE mailed_at IS NULL AND mail_error = '' \
         AND created_at >= $1 ORDER BY id LIMIT 500"
    );
    let rows: Vec<Reminder> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(since_ms)
        .fetch_all(p)
        .await?);
    let all = orgs::list(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut to: Vec<String> = all
                .iter()
                .filter(|o| o.id == r.org_id || Some(o.id) == r.dept_id)
                .map(|o| o.email.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect();
            to.sort();
            to.dedup();
            Outgoing { reminder: r, to }
        })
        .collect())
}

/// Claims a reminder for mailing (at most once across instances): true when this caller should
/// send it.
pub async fn claim_mail(db: &Db, id: i64, to: &[String]) -> Result<bool> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE reminders SET mailed_at = $2 WHERE id = $1 AND mailed_at IS NULL \
         AND mail_error = ''"
    )
    .bind(id)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    if n == 1 {
        audit::append(
            &mut tx,
            &Actor::system(),
            Change {
                action: "reminder.mail",
                object_type: OBJECT_TYPE,
                object_id: id.to_string(),
                before: None,
                after: Some(json!({"to": to})),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// Records that mailing a claimed reminder failed (or had nobody to go to): it stays in the
/// console and is not retried.
pub async fn mail_failed(db: &Db, id: i64, error: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    let error: String = error.chars().take(500).collect();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE reminders SET mailed_at = NULL, mail_error = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(&error)
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        &mut tx,
        &Actor::system(),
        Change {
            action: "reminder.mail_failed",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"error": error})),
        },
    )
    .await?;
    tx.commit().await
}
