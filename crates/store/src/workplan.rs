//! The annual work plan (工作方案/工作要点, issue #12): per year and organisation a plan with its
//! goals and tasks. A task belongs to its responsible unit (`org_id`), which is the scope that
//! sees it and reports its progress with evidence (text, a published item, files in the
//! attachments store under owner type [`REPORT_OWNER`]). A task of a body can be cascaded to
//! chosen subordinate bodies: each gets a task linked to it (`parent_id`) in the same plan, and
//! the parent shows their progress. The office's board classifies every task on a given day as
//! done, overdue, due soon (within [`DUE_SOON_WORKDAYS`] working days) or on track; due dates
//! given in working days are computed with the core calendar of the responsible unit.
//!
//! Lists are filtered by scope in SQL: pass the organisations of the caller's scope
//! (`items::catalog::expand_scopes`). Every change is audited in the caller's transaction.

use chrono::{Datelike, NaiveDate};
use gongkai_core::calendar::{Calendar, Clock, Period};
use gongkai_core::org::OrgId;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::items::catalog::{Arg, in_list};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

pub const PLAN_OBJECT: &str = "work_plan";
pub const TASK_OBJECT: &str = "work_task";
/// Owner type of the files attached to a progress report.
pub const REPORT_OWNER: &str = "work_report";
/// A task due within this many working days is "due soon" on the board.
pub const DUE_SOON_WORKDAYS: u32 = 5;
/// Longest title and text fields, in characters.
const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 5000;

/// A plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Plan {
    pub id: i64,
    pub year: i64,
    pub org_id: i64,
    pub title: String,
    pub goals: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the office enters for a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    pub year: i32,
    pub org_id: OrgId,
    pub title: String,
    #[serde(default)]
    pub goals: String,
}

/// A task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    pub parent_id: Option<i64>,
    pub org_id: i64,
    pub title: String,
    pub person: String,
    pub basis: String,
    pub start_on: Option<String>,
    pub workdays: Option<i64>,
    pub due_on: String,
    pub due_provisional: bool,
    pub done_on: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How a task's deadline is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Due {
    /// A date.
    Date { date: NaiveDate },
    /// A number of working days counted from a start date (the start day not counted).
    Workdays { start: NaiveDate, workdays: u32 },
}

/// What the office enters for a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInput {
    /// The responsible unit.
    pub org_id: OrgId,
    pub title: String,
    /// The person in charge.
    #[serde(default)]
    pub person: String,
    /// The legal or policy basis.
    #[serde(default)]
    pub basis: String,
    pub due: Due,
}

/// A progress report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Report {
    pub id: i64,
    pub task_id: i64,
    pub reported_on: String,
    pub note: String,
    pub item_id: Option<i64>,
    pub done: bool,
    pub reported_by: String,
    pub reported_by_id: Option<i64>,
    pub created_at: i64,
}

/// What a unit reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInput {
    pub reported_on: NaiveDate,
    pub note: String,
    /// A published item that shows the work (e.g. the updated 指南).
    #[serde(default)]
    pub item_id: Option<i64>,
    /// The task is complete.
    #[serde(default)]
    pub done: bool,
}

/// A task's state on the board on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Overdue,
    DueSoon,
    OnTrack,
    Done,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::OnTrack,
        Status::DueSoon,
        Status::Overdue,
        Status::Done,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Overdue => "overdue",
            Status::DueSoon => "due_soon",
            Status::OnTrack => "on_track",
            Status::Done => "done",
        }
    }
    pub fn from_code(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Overdue => "已逾期",
            Status::DueSoon => "即将到期",
            Status::OnTrack => "正常推进",
            Status::Done => "已完成",
        }
    }
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// Field errors of a plan, in Chinese.
pub fn validate_plan(input: &PlanInput) -> Vec<(&'static str, String)> {
    let mut e = Vec::new();
    if !(2000..=2100).contains(&input.year) {
        e.push((
            "year",
            "年度须为 2000 至 2100 之间的四位数字，例如 2019".into(),
        ));
    }
    if input.title.trim().is_empty() {
        e.push((
            "title",
            "请填写方案名称，例如 关于做好2019年政务公开工作的方案".into(),
        ));
    } else if too_long(&input.title, MAX_TITLE) {
        e.push(("title", format!("方案名称不能超过 {MAX_TITLE} 个字")));
    }
    if too_long(&input.goals, MAX_TEXT) {
        e.push(("goals", format!("工作目标不能超过 {MAX_TEXT} 个字")));
    }
    e
}

/// Field errors of a task, in Chinese.
pub fn validate_task(input: &TaskInput) -> Vec<(&'static str, String)> {
    let mut e = Vec::new();
    if input.title.trim().is_empty() {
        e.push(("title", "请填写任务内容".into()));
    } else if too_long(&input.title, MAX_TITLE) {
        e.push(("title", format!("任务内容不能超过 {MAX_TITLE} 个字")));
    }
    if too_long(&input.person, 100) {
        e.push(("person", "责任人不能超过 100 个字".into()));
    }
    if too_long(&input.basis, MAX_TEXT) {
        e.push(("basis", format!("依据不能超过 {MAX_TEXT} 个字")));
    }
    if let Due::Workdays { workdays, .. } = input.due
        && !(1..=250).contains(&workdays)
    {
        e.push(("workdays", "工作日数须为 1 至 250 之间的整数".into()));
    }
    e
}

/// Field errors of a progress report, in Chinese.
pub fn validate_report(input: &ReportInput) -> Vec<(&'static str, String)> {
    let mut e = Vec::new();
    if input.note.trim().is_empty() {
        e.push(("note", "请填写进展情况".into()));
    } else if too_long(&input.note, MAX_TEXT) {
        e.push(("note", format!("进展情况不能超过 {MAX_TEXT} 个字")));
    }
    e
}

fn first_error(errors: Vec<(&'static str, String)>) -> Result<()> {
    match errors.into_iter().next() {
        Some((_, m)) => Err(StoreError::Invalid(m)),
        None => Ok(()),
    }
}

const PLAN_COLUMNS: &str = "id, year, org_id, title, goals, created_by, created_at, updated_at";
const TASK_COLUMNS: &str = "id, plan_id, parent_id, org_id, title, person, basis, start_on, \
     workdays, due_on, due_provisional, done_on, created_by, created_at, updated_at";
const REPORT_COLUMNS: &str =
    "id, task_id, reported_on, note, item_id, done, reported_by, reported_by_id, created_at";

/// The organisation tree read in the transaction.
async fn tree_tx(tx: &mut Tx) -> Result<gongkai_core::org::OrgTree> {
    let pairs: Vec<(i64, Option<i64>)> =
        on_tx!(tx, |c| sqlx::query_as("SELECT id, parent_id FROM orgs")
            .fetch_all(c)
            .await?);
    Ok(gongkai_core::org::OrgTree::new(pairs))
}

async fn org_exists(tx: &mut Tx, org: OrgId) -> Result<bool> {
    let v: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM orgs WHERE id = $1"
    )
    .bind(org)
    .fetch_optional(c)
    .await?);
    Ok(v.is_some())
}

// ---- plans ----------------------------------------------------------------------------------

/// Creates the plan of an organisation for a year (one per year and organisation). Audited.
pub async fn create_plan(tx: &mut Tx, actor: &Actor, input: &PlanInput) -> Result<Plan> {
    first_error(validate_plan(input))?;
    if !org_exists(tx, input.org_id).await? {
        return Err(StoreError::NotFound("机构不存在".into()));
    }
    let exists: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM work_plans WHERE year = $1 AND org_id = $2"
    )
    .bind(i64::from(input.year))
    .bind(input.org_id)
    .fetch_optional(c)
    .await?);
    if exists.is_some() {
        return Err(StoreError::Conflict(format!(
            "该机构{}年的工作方案已经存在，请在原方案中增加任务",
            input.year
        )));
    }
    let now = now_ms();
    let sql = format!(
        "INSERT INTO work_plans (year, org_id, title, goals, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {PLAN_COLUMNS}"
    );
    let plan: Plan = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(i64::from(input.year))
        .bind(input.org_id)
        .bind(input.title.trim())
        .bind(input.goals.trim())
        .bind(&actor.label)
        .bind(now)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "work_plan.create",
            object_type: PLAN_OBJECT,
            object_id: plan.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&plan)?),
        },
    )
    .await?;
    Ok(plan)
}

/// Changes a plan's title and goals (year and organisation stay). Audited.
pub async fn update_plan(tx: &mut Tx, actor: &Actor, id: i64, input: &PlanInput) -> Result<Plan> {
    first_error(validate_plan(input))?;
    let before = get_plan_tx(tx, id).await?;
    let sql = format!(
        "UPDATE work_plans SET title = $2, goals = $3, updated_at = $4 WHERE id = $1 \
         RETURNING {PLAN_COLUMNS}"
    );
    let plan: Plan = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(input.title.trim())
        .bind(input.goals.trim())
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "work_plan.update",
            object_type: PLAN_OBJECT,
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&plan)?),
        },
    )
    .await?;
    Ok(plan)
}

async fn get_plan_tx(tx: &mut Tx, id: i64) -> Result<Plan> {
    let sql = format!("SELECT {PLAN_COLUMNS} FROM work_plans WHERE id = $1");
    let p: Option<Plan> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    p.ok_or_else(|| StoreError::NotFound("工作方案不存在".into()))
}

/// One plan.
pub async fn get_plan(db: &Db, id: i64) -> Result<Option<Plan>> {
    let sql = format!("SELECT {PLAN_COLUMNS} FROM work_plans WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// Plans visible to a scope (`ids`: the organisations of the scope): the scope's own plans
/// and plans with a task of the scope. Newest year first.
pub async fn list_plans(db: &Db, ids: &[OrgId], year: Option<i32>) -> Result<Vec<Plan>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let own = in_list("p.org_id", ids, &mut args);
    let tasks = in_list("t.org_id", ids, &mut args);
    let mut sql = format!(
        "SELECT {cols} FROM work_plans p WHERE ({own} OR EXISTS (SELECT 1 FROM work_tasks t \
         WHERE t.plan_id = p.id AND {tasks}))",
        cols = PLAN_COLUMNS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(y) = year {
        args.push(Arg::I(i64::from(y)));
        sql.push_str(&format!(" AND p.year = ${}", args.len()));
    }
    sql.push_str(" ORDER BY p.year DESC, p.org_id, p.id");
    Ok(on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    }))
}

// ---- tasks ----------------------------------------------------------------------------------

/// The due date of `due` for a task of `org`, and whether it is provisional (a year without
/// official holiday data was consulted).
async fn compute_due(tx: &mut Tx, org: OrgId, due: Due) -> Result<(NaiveDate, bool)> {
    match due {
        Due::Date { date } => Ok((date, false)),
        Due::Workdays { start, workdays } => {
            let data = crate::calendar::load_data_tx(tx).await?;
            let cal = data.calendar_for(Some(org));
            let d = Clock::new(start, Period::Workdays(workdays))
                .compute(&cal)
                .map_err(|e| StoreError::Invalid(format!("无法计算期限：{e}")))?;
            Ok((d.due, d.provisional))
        }
    }
}

fn due_parts(due: Due) -> (Option<String>, Option<i64>) {
    match due {
        Due::Date { .. } => (None, None),
        Due::Workdays { start, workdays } => (Some(start.to_string()), Some(i64::from(workdays))),
    }
}

/// Adds a task to a plan. The responsible unit must lie within the plan's organisation. Audited.
pub async fn add_task(tx: &mut Tx, actor: &Actor, plan_id: i64, input: &TaskInput) -> Result<Task> {
    first_error(validate_task(input))?;
    let plan = get_plan_tx(tx, plan_id).await?;
    let tree = tree_tx(tx).await?;
    if !tree.is_within(input.org_id, plan.org_id) {
        return Err(StoreError::Invalid(
            "责任单位须为方案所属机构或其下属单位".into(),
        ));
    }
    insert_task(tx, actor, &plan, None, input, "work_task.create").await
}

async fn insert_task(
    tx: &mut Tx,
    actor: &Actor,
    plan: &Plan,
    parent: Option<i64>,
    input: &TaskInput,
    action: &str,
) -> Result<Task> {
    let (due, provisional) = compute_due(tx, input.org_id, input.due).await?;
    let (start, workdays) = due_parts(input.due);
    let now = now_ms();
    let sql = format!(
        "INSERT INTO work_tasks (plan_id, parent_id, org_id, title, person, basis, start_on, \
         workdays, due_on, due_provisional, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING {TASK_COLUMNS}"
    );
    let task: Task = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(plan.id)
        .bind(parent)
        .bind(input.org_id)
        .bind(input.title.trim())
        .bind(input.person.trim())
        .bind(input.basis.trim())
        .bind(&start)
        .bind(workdays)
        .bind(due.to_string())
        .bind(provisional)
        .bind(&actor.label)
        .bind(now)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action,
            object_type: TASK_OBJECT,
            object_id: task.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&task)?),
        },
    )
    .await?;
    Ok(task)
}

/// Changes a task (its unit stays within the plan's organisation). Audited.
pub async fn update_task(tx: &mut Tx, actor: &Actor, id: i64, input: &TaskInput) -> Result<Task> {
    first_error(validate_task(input))?;
    let before = get_task_tx(tx, id).await?;
    let plan = get_plan_tx(tx, before.plan_id).await?;
    let tree = tree_tx(tx).await?;
    if !tree.is_within(input.org_id, plan.org_id) {
        return Err(StoreError::Invalid(
            "责任单位须为方案所属机构或其下属单位".into(),
        ));
    }
    let (due, provisional) = compute_due(tx, input.org_id, input.due).await?;
    let (start, workdays) = due_parts(input.due);
    let sql = format!(
        "UPDATE work_tasks SET org_id = $2, title = $3, person = $4, basis = $5, start_on = $6, \
         workdays = $7, due_on = $8, due_provisional = $9, updated_at = $10 WHERE id = $1 \
         RETURNING {TASK_COLUMNS}"
    );
    let task: Task = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(input.org_id)
        .bind(input.title.trim())
        .bind(input.person.trim())
        .bind(input.basis.trim())
        .bind(&start)
        .bind(workdays)
        .bind(due.to_string())
        .bind(provisional)
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "work_task.update",
            object_type: TASK_OBJECT,
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&task)?),
        },
    )
    .await?;
    Ok(task)
}

/// Cascades a task to subordinate bodies: each chosen organisation (strictly below the task's
/// unit) gets a task with the same content and deadline, linked to this one. A body that has
/// the task already is refused. Audited per new task.
pub async fn cascade(
    tx: &mut Tx,
    actor: &Actor,
    task_id: i64,
    orgs: &[OrgId],
) -> Result<Vec<Task>> {
    let parent = get_task_tx(tx, task_id).await?;
    if orgs.is_empty() {
        return Err(StoreError::Invalid("请至少选择一个下级单位".into()));
    }
    let plan = get_plan_tx(tx, parent.plan_id).await?;
    let tree = tree_tx(tx).await?;
    let mut out = Vec::new();
    let mut chosen = orgs.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    for org in chosen {
        if org == parent.org_id || !tree.is_within(org, parent.org_id) {
            return Err(StoreError::Invalid(
                "只能分解到本任务责任单位的下级单位".into(),
            ));
        }
        let exists: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT id FROM work_tasks WHERE parent_id = $1 AND org_id = $2"
        )
        .bind(task_id)
        .bind(org)
        .fetch_optional(c)
        .await?);
        if exists.is_some() {
            return Err(StoreError::Conflict(
                "所选单位中已有单位承接了这项任务".into(),
            ));
        }
        let due = match (&parent.start_on, parent.workdays) {
            (Some(s), Some(n)) => Due::Workdays {
                start: parse_date(s)?,
                workdays: u32::try_from(n).unwrap_or(1),
            },
            _ => Due::Date {
                date: parse_date(&parent.due_on)?,
            },
        };
        let input = TaskInput {
            org_id: org,
            title: parent.title.clone(),
            person: String::new(),
            basis: parent.basis.clone(),
            due,
        };
        out.push(insert_task(tx, actor, &plan, Some(task_id), &input, "work_task.cascade").await?);
    }
    Ok(out)
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid(format!("日期格式错误：{s}")))
}

async fn get_task_tx(tx: &mut Tx, id: i64) -> Result<Task> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM work_tasks WHERE id = $1");
    let t: Option<Task> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    t.ok_or_else(|| StoreError::NotFound("工作任务不存在".into()))
}

/// One task.
pub async fn get_task(db: &Db, id: i64) -> Result<Option<Task>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM work_tasks WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// The tasks cascaded from a task.
pub async fn children(db: &Db, task_id: i64) -> Result<Vec<Task>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM work_tasks WHERE parent_id = $1 ORDER BY org_id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(task_id)
    .fetch_all(p)
    .await?))
}

/// Task filter for lists and the board.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub plan_id: Option<i64>,
    pub year: Option<i32>,
    pub org_id: Option<OrgId>,
}

/// Tasks of units inside `ids` (the caller's scope), filtered, by due date.
pub async fn tasks(db: &Db, ids: &[OrgId], f: &TaskFilter) -> Result<Vec<Task>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let scope = in_list("t.org_id", ids, &mut args);
    let cols = TASK_COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!(
        "SELECT {cols} FROM work_tasks t JOIN work_plans p ON p.id = t.plan_id WHERE {scope}"
    );
    if let Some(v) = f.plan_id {
        args.push(Arg::I(v));
        sql.push_str(&format!(" AND t.plan_id = ${}", args.len()));
    }
    if let Some(v) = f.year {
        args.push(Arg::I(i64::from(v)));
        sql.push_str(&format!(" AND p.year = ${}", args.len()));
    }
    if let Some(v) = f.org_id {
        args.push(Arg::I(v));
        sql.push_str(&format!(" AND t.org_id = ${}", args.len()));
    }
    sql.push_str(" ORDER BY t.due_on, t.id");
    Ok(on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    }))
}

/// The state of `task` on `on`: done when completed on or before that day; otherwise overdue
/// after its due date, due soon within [`DUE_SOON_WORKDAYS`] working days, else on track.
pub fn status(task: &Task, on: NaiveDate, calendar: &Calendar) -> Status {
    let day = on.to_string();
    if task.done_on.as_deref().is_some_and(|d| d <= day.as_str()) {
        return Status::Done;
    }
    if task.due_on.as_str() < day.as_str() {
        return Status::Overdue;
    }
    let soon = Clock::new(on, Period::Workdays(DUE_SOON_WORKDAYS))
        .compute(calendar)
        .map(|d| d.due.to_string())
        .unwrap_or_default();
    if task.due_on <= soon {
        Status::DueSoon
    } else {
        Status::OnTrack
    }
}

// ---- progress -------------------------------------------------------------------------------

/// Records a progress report on a task; `done` completes the task on the report's date. The
/// evidence item, if any, must be published. Audited.
pub async fn report(
    tx: &mut Tx,
    actor: &Actor,
    task_id: i64,
    input: &ReportInput,
) -> Result<Report> {
    first_error(validate_report(input))?;
    let before = get_task_tx(tx, task_id).await?;
    if let Some(item) = input.item_id {
        let published: Option<Option<i64>> = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT published_revision_id FROM items WHERE id = $1"
        )
        .bind(item)
        .fetch_optional(c)
        .await?);
        if !matches!(published, Some(Some(_))) {
            return Err(StoreError::Invalid(format!(
                "编号为 {item} 的信息不存在或尚未发布，只能关联已发布的信息"
            )));
        }
    }
    let sql = format!(
        "INSERT INTO work_task_reports (task_id, reported_on, note, item_id, done, reported_by, \
         reported_by_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING {REPORT_COLUMNS}"
    );
    let rep: Report = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(task_id)
        .bind(input.reported_on.to_string())
        .bind(input.note.trim())
        .bind(input.item_id)
        .bind(input.done)
        .bind(&actor.label)
        .bind(actor.user_id)
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    if input.done && before.done_on.is_none() {
        on_tx!(tx, |c| sqlx::query(
            "UPDATE work_tasks SET done_on = $2, updated_at = $3 WHERE id = $1"
        )
        .bind(task_id)
        .bind(input.reported_on.to_string())
        .bind(now_ms())
        .execute(c)
        .await?
        .rows_affected());
    }
    audit::append(
        tx,
        actor,
        Change {
            action: "work_task.report",
            object_type: TASK_OBJECT,
            object_id: task_id.to_string(),
            before: Some(json!({"done_on": before.done_on})),
            after: Some(serde_json::to_value(&rep)?),
        },
    )
    .await?;
    Ok(rep)
}

/// The progress reports of a task, oldest first.
pub async fn reports(db: &Db, task_id: i64) -> Result<Vec<Report>> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM work_task_reports WHERE task_id = $1 ORDER BY reported_on, id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(task_id)
    .fetch_all(p)
    .await?))
}

/// One progress report.
pub async fn get_report(db: &Db, id: i64) -> Result<Option<Report>> {
    let sql = format!("SELECT {REPORT_COLUMNS} FROM work_task_reports WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

// ---- the annual report ----------------------------------------------------------------------

/// A year's plans of a report's scope, for the narrative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct YearTotals {
    /// Plan titles.
    pub plans: Vec<String>,
    /// The plans' own tasks (cascaded copies are counted once, as their parent).
    pub tasks: i64,
    /// Of which completed within the year.
    pub done: i64,
}

/// The plans of `year` of organisations inside `ids` and their completion.
pub async fn year_totals(db: &Db, ids: &[OrgId], year: i32) -> Result<YearTotals> {
    if ids.is_empty() {
        return Ok(YearTotals::default());
    }
    let plans = list_plans(db, ids, Some(year))
        .await?
        .into_iter()
        .filter(|p| ids.contains(&p.org_id))
        .collect::<Vec<_>>();
    let mut out = YearTotals::default();
    let end = NaiveDate::from_ymd_opt(year, 12, 31)
        .map(|d| d.to_string())
        .unwrap_or_default();
    for p in &plans {
        out.plans.push(p.title.clone());
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM work_tasks WHERE plan_id = $1 AND parent_id IS NULL"
        );
        let ts: Vec<Task> = on_db!(db, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(p.id)
            .fetch_all(c)
            .await?);
        out.tasks += ts.len() as i64;
        out.done += ts
            .iter()
            .filter(|t| t.done_on.as_deref().is_some_and(|d| d <= end.as_str()))
            .count() as i64;
    }
    Ok(out)
}

/// The year a date string falls in (for filters).
pub fn year_of(date: &str) -> Option<i32> {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(|d| d.year())
}
