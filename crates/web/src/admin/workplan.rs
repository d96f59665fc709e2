//! The annual work plan in the console (issue #12): plans with their goals and tasks, the task
//! page with progress reports (text, a published item, a file) and cascading to subordinate
//! bodies, and the office's progress board with CSV/XLSX export.
//!
//! **Rules.** Plans and tasks are kept with `ManagePlans` on the plan's (task's) organisation;
//! a unit sees the tasks of its scope and reports their progress with `ReportProgress`. Lists
//! are filtered by scope in the query (`workplan::tasks`, `workplan::list_plans`). Errors
//! re-render the form with the message by the field (400); success redirects (303).

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use gongkai_core::auth::Action;
use gongkai_core::filetype;
use gongkai_core::org::OrgId;
use gongkai_store::attachments::{self, Attachment, Limits, Owner};
use gongkai_store::items::catalog::expand_scopes;
use gongkai_store::orgs::{self, Org};
use gongkai_store::workplan::{
    self, Due, Plan, PlanInput, Report, ReportInput, Status, Task, TaskFilter, TaskInput,
};
use gongkai_store::{StoreError, deadlines};
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::export::{self, Table};
use crate::extract::{Form, Path, Query};
use crate::multipart::{self, MAX_UPLOAD_BYTES};
use crate::page::{Layout, cst, render, render_with_status, see_other};
use crate::session::Staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list_plans).post(create_plan))
        .route("/plans/new", get(show_new_plan))
        .route("/plans/{id}", get(show_plan).post(update_plan))
        .route("/plans/{id}/edit", get(show_edit_plan))
        .route("/plans/{id}/tasks", post(create_task))
        .route("/plans/{id}/tasks/new", get(show_new_task))
        .route("/tasks", get(show_board))
        .route("/tasks/export.csv", get(export_csv))
        .route("/tasks/export.xlsx", get(export_xlsx))
        .route("/tasks/{id}", get(show_task).post(update_task))
        .route("/tasks/{id}/edit", get(show_edit_task))
        .route("/tasks/{id}/progress", post(add_progress))
        .route("/tasks/{id}/cascade", post(cascade_task))
        .route("/tasks/files/{aid}", get(download_file))
}

type Errors = Vec<(&'static str, String)>;

fn error_for<'a>(errors: &'a Errors, field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
}

fn push(errors: &mut Errors, field: &'static str, message: impl Into<String>) {
    if !errors.iter().any(|(f, _)| *f == field) {
        errors.push((field, message.into()));
    }
}

fn parse_date(errors: &mut Errors, field: &'static str, label: &str, v: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) if v.trim().is_empty() => {
            push(errors, field, format!("请填写{label}"));
            None
        }
        Err(_) => {
            push(
                errors,
                field,
                format!("{label}须为“年-月-日”格式，例如 2019-03-29"),
            );
            None
        }
    }
}

/// Organisations the staff member may see plans and tasks of (expanded subtrees).
async fn visible_orgs(state: &AppState, staff: &Staff) -> AppResult<Vec<OrgId>> {
    let mut scopes = staff.scopes(Action::ManagePlans);
    scopes.extend(staff.scopes(Action::ReportProgress));
    Ok(expand_scopes(&state.db, &scopes).await?)
}

fn require_any(staff: &Staff) -> AppResult<()> {
    if staff.can(Action::ManagePlans, None) || staff.can(Action::ReportProgress, None) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

fn name_of(orgs: &[Org], id: i64) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.full_name.clone())
        .unwrap_or_else(|| format!("机构 {id}"))
}

fn org_options(staff: &Staff, orgs: &[Org], action: Action) -> Vec<(i64, String)> {
    orgs.iter()
        .filter(|o| staff.can(action, Some(o.id)))
        .map(|o| (o.id, o.full_name.clone()))
        .collect()
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: String,
}

// ---- plans ----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct PlanListQuery {
    #[serde(default)]
    year: String,
}

#[derive(Template)]
#[template(path = "admin/plans.html")]
struct PlansPage {
    layout: Layout,
    year: String,
    year_error: Option<String>,
    rows: Vec<(Plan, String)>,
    can_create: bool,
}

/// 工作方案: the plans of the staff member's scope.
async fn list_plans(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PlanListQuery>,
) -> AppResult<Response> {
    require_any(&staff)?;
    let (year, year_error) = match q.year.trim() {
        "" => (None, None),
        s => match s.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => (Some(y), None),
            _ => (None, Some("年度须为四位数字，例如 2019".to_string())),
        },
    };
    let ids = visible_orgs(&state, &staff).await?;
    let orgs = orgs::list(&state.db).await?;
    let rows = workplan::list_plans(&state.db, &ids, year)
        .await?
        .into_iter()
        .map(|p| {
            let n = name_of(&orgs, p.org_id);
            (p, n)
        })
        .collect();
    let page = PlansPage {
        layout: staff.layout("工作方案"),
        year: q.year.trim().to_string(),
        year_error: year_error.clone(),
        rows,
        can_create: staff.can(Action::ManagePlans, None),
    };
    if year_error.is_some() {
        render_with_status(&page, StatusCode::BAD_REQUEST)
    } else {
        render(&page)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct PlanForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    goals: String,
}

impl PlanForm {
    fn parse(&self, staff: &Staff, fixed_org: Option<i64>) -> (PlanInput, Errors) {
        let mut errors = Vec::new();
        let year = match self.year.trim().parse::<i32>() {
            Ok(y) => y,
            Err(_) => {
                push(
                    &mut errors,
                    "year",
                    "年度须为 2000 至 2100 之间的四位数字，例如 2019",
                );
                0
            }
        };
        let org_id = match fixed_org {
            Some(o) => o,
            None => match self.org_id.trim().parse::<i64>() {
                Ok(id) if staff.can(Action::ManagePlans, Some(id)) => id,
                _ => {
                    push(&mut errors, "org_id", "请从列表中选择制定方案的机构");
                    0
                }
            },
        };
        let input = PlanInput {
            year,
            org_id,
            title: self.title.trim().to_string(),
            goals: self.goals.trim().to_string(),
        };
        for (f, m) in workplan::validate_plan(&input) {
            push(&mut errors, f, m);
        }
        (input, errors)
    }
}

#[derive(Template)]
#[template(path = "admin/plan_form.html")]
struct PlanFormPage {
    layout: Layout,
    id: Option<i64>,
    form: PlanForm,
    orgs: Vec<(i64, String)>,
    errors: Errors,
}

impl PlanFormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/plans/{id}"),
            None => "/admin/plans".into(),
        }
    }
}

async fn show_new_plan(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManagePlans, None)?;
    let orgs = orgs::list(&state.db).await?;
    let year = deadlines::today().format("%Y").to_string();
    render(&PlanFormPage {
        layout: staff.layout("新建工作方案"),
        id: None,
        form: PlanForm {
            year,
            org_id: staff.user.org_id.to_string(),
            ..PlanForm::default()
        },
        orgs: org_options(&staff, &orgs, Action::ManagePlans),
        errors: Vec::new(),
    })
}

async fn create_plan(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<PlanForm>,
) -> AppResult<Response> {
    staff.require(Action::ManagePlans, None)?;
    let (input, mut errors) = f.parse(&staff, None);
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match workplan::create_plan(&mut tx, &staff.actor(), &input).await {
            Ok(p) => {
                tx.commit().await?;
                return Ok(see_other(&format!("/admin/plans/{}?saved=plan", p.id)));
            }
            Err(StoreError::Conflict(m)) => push(&mut errors, "year", m),
            Err(StoreError::Invalid(m) | StoreError::NotFound(m)) => push(&mut errors, "org_id", m),
            Err(e) => return Err(e.into()),
        }
    }
    let orgs = orgs::list(&state.db).await?;
    render_with_status(
        &PlanFormPage {
            layout: staff.layout("新建工作方案"),
            id: None,
            form: f,
            orgs: org_options(&staff, &orgs, Action::ManagePlans),
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

async fn load_plan(state: &AppState, staff: &Staff, id: i64) -> AppResult<Plan> {
    let missing = || AppError::not_found("工作方案不存在或不在您的管理范围内。");
    let plan = workplan::get_plan(&state.db, id)
        .await?
        .ok_or_else(missing)?;
    let ids = visible_orgs(state, staff).await?;
    let visible = workplan::list_plans(&state.db, &ids, Some(plan.year as i32))
        .await?
        .iter()
        .any(|p| p.id == id);
    if visible { Ok(plan) } else { Err(missing()) }
}

async fn show_edit_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let plan = load_plan(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    let orgs = orgs::list(&state.db).await?;
    render(&PlanFormPage {
        layout: staff.layout(&format!("修改工作方案：{}", plan.title)),
        id: Some(id),
        form: PlanForm {
            year: plan.year.to_string(),
            org_id: plan.org_id.to_string(),
            title: plan.title.clone(),
            goals: plan.goals.clone(),
        },
        orgs: vec![(plan.org_id, name_of(&orgs, plan.org_id))],
        errors: Vec::new(),
    })
}

async fn update_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(mut f): Form<PlanForm>,
) -> AppResult<Response> {
    let plan = load_plan(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    f.year = plan.year.to_string();
    f.org_id = plan.org_id.to_string();
    let (input, errors) = f.parse(&staff, Some(plan.org_id));
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        workplan::update_plan(&mut tx, &staff.actor(), id, &input).await?;
        tx.commit().await?;
        return Ok(see_other(&format!("/admin/plans/{id}?saved=plan")));
    }
    let orgs = orgs::list(&state.db).await?;
    render_with_status(
        &PlanFormPage {
            layout: staff.layout("修改工作方案"),
            id: Some(id),
            form: f,
            orgs: vec![(plan.org_id, name_of(&orgs, plan.org_id))],
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

/// One row of a task table.
struct TaskRow {
    task: Task,
    unit: String,
    status: Status,
}

impl TaskRow {
    fn status_label(&self) -> &'static str {
        self.status.label()
    }
    fn status_code(&self) -> &'static str {
        self.status.code()
    }
}

async fn task_rows(state: &AppState, tasks: Vec<Task>, on: NaiveDate) -> AppResult<Vec<TaskRow>> {
    let orgs = orgs::list(&state.db).await?;
    let data = gongkai_store::calendar::load_data(&state.db).await?;
    Ok(tasks
        .into_iter()
        .map(|t| {
            let cal = data.calendar_for(Some(t.org_id));
            TaskRow {
                status: workplan::status(&t, on, &cal),
                unit: name_of(&orgs, t.org_id),
                task: t,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "admin/plan.html")]
struct PlanPage {
    layout: Layout,
    plan: Plan,
    org: String,
    rows: Vec<TaskRow>,
    done: usize,
    can_manage: bool,
    saved: String,
}

async fn show_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let plan = load_plan(&state, &staff, id).await?;
    let ids = visible_orgs(&state, &staff).await?;
    let tasks = workplan::tasks(
        &state.db,
        &ids,
        &TaskFilter {
            plan_id: Some(id),
            ..TaskFilter::default()
        },
    )
    .await?;
    let rows = task_rows(&state, tasks, deadlines::today()).await?;
    let done = rows.iter().filter(|r| r.status == Status::Done).count();
    let orgs = orgs::list(&state.db).await?;
    render(&PlanPage {
        layout: staff.layout(&plan.title),
        org: name_of(&orgs, plan.org_id),
        can_manage: staff.can(Action::ManagePlans, Some(plan.org_id)),
        plan,
        rows,
        done,
        saved: q.saved,
    })
}

// ---- tasks ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
struct TaskForm {
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    basis: String,
    /// "date" or "workdays".
    #[serde(default)]
    due_kind: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    start_on: String,
    #[serde(default)]
    workdays: String,
}

impl TaskForm {
    fn from_task(t: &Task) -> TaskForm {
        let by_workdays = t.workdays.is_some();
        TaskForm {
            org_id: t.org_id.to_string(),
            title: t.title.clone(),
            person: t.person.clone(),
            basis: t.basis.clone(),
            due_kind: if by_workdays { "workdays" } else { "date" }.into(),
            due_on: if by_workdays {
                String::new()
            } else {
                t.due_on.clone()
            },
            start_on: t.start_on.clone().unwrap_or_default(),
            workdays: t.workdays.map(|n| n.to_string()).unwrap_or_default(),
        }
    }

    fn parse(
        &self,
        plan_org: OrgId,
        tree: &gongkai_core::org::OrgTree,
    ) -> (Option<TaskInput>, Errors) {
        let mut errors = Vec::new();
        let org_id = match self.org_id.trim().parse::<i64>() {
            Ok(id) if tree.is_within(id, plan_org) => Some(id),
            _ => {
                push(
                    &mut errors,
                    "org_id",
                    "请从列表中选择责任单位（方案所属机构或其下属单位）",
                );
                None
            }
        };
        let due = match self.due_kind.as_str() {
            "workdays" => {
                let start = parse_date(&mut errors, "start_on", "起算日期", &self.start_on);
                let n = match self.workdays.trim().parse::<u32>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        push(&mut errors, "workdays", "工作日数须为 1 至 250 之间的整数");
                        None
                    }
                };
                match (start, n) {
                    (Some(start), Some(workdays)) => Some(Due::Workdays { start, workdays }),
                    _ => None,
                }
            }
            "date" => parse_date(&mut errors, "due_on", "完成日期", &self.due_on)
                .map(|date| Due::Date { date }),
            _ => {
                push(
                    &mut errors,
                    "due_kind",
                    "请选择时限的给出方式：指定日期或工作日数",
                );
                None
            }
        };
        let (Some(org_id), Some(due)) = (org_id, due) else {
            // Still check the text fields so every problem shows at once.
            let probe = TaskInput {
                org_id: 0,
                title: self.title.clone(),
                person: self.person.clone(),
                basis: self.basis.clone(),
                due: Due::Date {
                    date: NaiveDate::MIN,
                },
            };
            for (f, m) in workplan::validate_task(&probe) {
                push(&mut errors, f, m);
            }
            return (None, errors);
        };
        let input = TaskInput {
            org_id,
            title: self.title.trim().to_string(),
            person: self.person.trim().to_string(),
            basis: self.basis.trim().to_string(),
            due,
        };
        for (f, m) in workplan::validate_task(&input) {
            push(&mut errors, f, m);
        }
        (Some(input), errors)
    }
}

#[derive(Template)]
#[template(path = "admin/task_form.html")]
struct TaskFormPage {
    layout: Layout,
    plan: Plan,
    id: Option<i64>,
    form: TaskForm,
    orgs: Vec<(i64, String)>,
    errors: Errors,
}

impl TaskFormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/tasks/{id}"),
            None => format!("/admin/plans/{}/tasks", self.plan.id),
        }
    }
}

/// Units a task of `plan` may be given to: the plan's organisation and its subtree.
async fn unit_options(state: &AppState, plan: &Plan) -> AppResult<Vec<(i64, String)>> {
    let tree = orgs::tree(&state.db).await?;
    Ok(orgs::list(&state.db)
        .await?
        .into_iter()
        .filter(|o| tree.is_within(o.id, plan.org_id))
        .map(|o| (o.id, o.full_name))
        .collect())
}

async fn show_new_task(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let plan = load_plan(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    render(&TaskFormPage {
        layout: staff.layout("增加工作任务"),
        orgs: unit_options(&state, &plan).await?,
        form: TaskForm {
            due_kind: "date".into(),
            org_id: plan.org_id.to_string(),
            ..TaskForm::default()
        },
        plan,
        id: None,
        errors: Vec::new(),
    })
}

async fn save_task(
    state: &AppState,
    staff: &Staff,
    plan: Plan,
    id: Option<i64>,
    f: TaskForm,
) -> AppResult<Response> {
    let tree = orgs::tree(&state.db).await?;
    let (input, mut errors) = f.parse(plan.org_id, &tree);
    if let (Some(input), true) = (&input, errors.is_empty()) {
        let mut tx = state.db.begin().await?;
        let res = match id {
            Some(id) => workplan::update_task(&mut tx, &staff.actor(), id, input).await,
            None => workplan::add_task(&mut tx, &staff.actor(), plan.id, input).await,
        };
        match res {
            Ok(t) => {
                tx.commit().await?;
                return Ok(see_other(&format!("/admin/tasks/{}?saved=task", t.id)));
            }
            Err(StoreError::Invalid(m)) => push(&mut errors, "due_on", m),
            Err(e) => return Err(e.into()),
        }
    }
    let title = if id.is_some() {
        "修改工作任务"
    } else {
        "增加工作任务"
    };
    render_with_status(
        &TaskFormPage {
            layout: staff.layout(title),
            orgs: unit_options(state, &plan).await?,
            plan,
            id,
            form: f,
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

async fn create_task(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<TaskForm>,
) -> AppResult<Response> {
    let plan = load_plan(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    save_task(&state, &staff, plan, None, f).await
}

/// A task the staff member may see (404 otherwise), with its plan.
async fn load_task(state: &AppState, staff: &Staff, id: i64) -> AppResult<(Task, Plan)> {
    let missing = || AppError::not_found("工作任务不存在或不在您的管理范围内。");
    let task = workplan::get_task(&state.db, id)
        .await?
        .ok_or_else(missing)?;
    if !(staff.can(Action::ManagePlans, Some(task.org_id))
        || staff.can(Action::ReportProgress, Some(task.org_id)))
    {
        return Err(missing());
    }
    let plan = workplan::get_plan(&state.db, task.plan_id)
        .await?
        .ok_or_else(missing)?;
    Ok((task, plan))
}

async fn show_edit_task(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (task, plan) = load_task(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    render(&TaskFormPage {
        layout: staff.layout("修改工作任务"),
        orgs: unit_options(&state, &plan).await?,
        form: TaskForm::from_task(&task),
        plan,
        id: Some(id),
        errors: Vec::new(),
    })
}

async fn update_task(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<TaskForm>,
) -> AppResult<Response> {
    let (_, plan) = load_task(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    save_task(&state, &staff, plan, Some(id), f).await
}

/// A progress report with its files.
struct ReportView {
    report: Report,
    files: Vec<Attachment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct ProgressForm {
    #[serde(default)]
    reported_on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    item_id: String,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/task.html")]
struct TaskPage {
    layout: Layout,
    row: TaskRow,
    plan: Plan,
    parent: Option<(i64, String, bool)>,
    reports: Vec<ReportView>,
    children: Vec<(TaskRow, Option<Report>)>,
    can_manage: bool,
    can_report: bool,
    /// Subordinate bodies the task may be cascaded to (not yet holding it).
    cascade_options: Vec<(i64, String)>,
    form: ProgressForm,
    errors: Errors,
    cascade_error: Option<String>,
    saved: String,
}

impl TaskPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

impl ReportView {
    /// When the report was entered.
    fn entered_at(&self) -> String {
        cst(self.report.created_at)
    }
}

/// What a task page shows besides the task: the progress form as entered, its errors, a
/// cascading error, the saved notice.
#[derive(Default)]
struct Extra {
    form: ProgressForm,
    errors: Errors,
    cascade_error: Option<String>,
    saved: String,
}

async fn task_page(
    state: &AppState,
    staff: &Staff,
    task: Task,
    plan: Plan,
    extra: Extra,
) -> AppResult<TaskPage> {
    let Extra {
        form,
        errors,
        cascade_error,
        saved,
    } = extra;
    let today = deadlines::today();
    let orgs_all = orgs::list(&state.db).await?;
    let tree = orgs::tree(&state.db).await?;
    let mut reports = Vec::new();
    for r in workplan::reports(&state.db, task.id).await? {
        let files = attachments::list_for(
            &state.db,
            Owner {
                owner_type: workplan::REPORT_OWNER,
                owner_id: r.id,
            },
        )
        .await?;
        reports.push(ReportView { report: r, files });
    }
    let child_tasks = workplan::children(&state.db, task.id).await?;
    let taken: Vec<i64> = child_tasks.iter().map(|t| t.org_id).collect();
    let mut children = Vec::new();
    for row in task_rows(state, child_tasks, today).await? {
        let latest = workplan::reports(&state.db, row.task.id).await?.pop();
        children.push((row, latest));
    }
    let parent = match task.parent_id {
        Some(pid) => workplan::get_task(&state.db, pid).await?.map(|p| {
            let visible = staff.can(Action::ManagePlans, Some(p.org_id))
                || staff.can(Action::ReportProgress, Some(p.org_id));
            (p.id, name_of(&orgs_all, p.org_id), visible)
        }),
        None => None,
    };
    let can_manage = staff.can(Action::ManagePlans, Some(plan.org_id));
    let cascade_options = if can_manage {
        orgs_all
            .iter()
            .filter(|o| o.parent_id == Some(task.org_id) && !taken.contains(&o.id))
            .filter(|o| tree.is_within(o.id, task.org_id))
            .map(|o| (o.id, o.full_name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let can_report = staff.can(Action::ReportProgress, Some(task.org_id));
    let mut row = task_rows(state, vec![task], today).await?;
    let row = row
        .pop()
        .ok_or_else(|| AppError::not_found("工作任务不存在"))?;
    Ok(TaskPage {
        layout: staff.layout(&format!("工作任务：{}", row.task.title)),
        row,
        plan,
        parent,
        reports,
        children,
        can_manage,
        can_report,
        cascade_options,
        form,
        errors,
        cascade_error,
        saved,
    })
}

async fn show_task(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let (task, plan) = load_task(&state, &staff, id).await?;
    let form = ProgressForm {
        reported_on: deadlines::today().to_string(),
        ..ProgressForm::default()
    };
    let extra = Extra {
        form,
        saved: q.saved,
        ..Extra::default()
    };
    render(&task_page(&state, &staff, task, plan, extra).await?)
}

/// Records a progress report, with an optional file (multipart; the CSRF token is in the URL).
async fn add_progress(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let (task, plan) = load_task(&state, &staff, id).await?;
    staff.require(Action::ReportProgress, Some(task.org_id))?;
    let (form, files): (ProgressForm, _) =
        multipart::form_with_files(&headers, body, MAX_UPLOAD_BYTES).await?;
    let mut errors = Vec::new();
    let reported_on = parse_date(&mut errors, "reported_on", "报告日期", &form.reported_on);
    if let Some(d) = reported_on
        && d > deadlines::today()
    {
        push(&mut errors, "reported_on", "报告日期不能晚于今天");
    }
    let item_id = match form.item_id.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                push(
                    &mut errors,
                    "item_id",
                    "关联信息须填写信息编号（数字），例如 12",
                );
                None
            }
        },
    };
    let input = ReportInput {
        reported_on: reported_on.unwrap_or(NaiveDate::MIN),
        note: form.note.trim().to_string(),
        item_id,
        done: form.done.is_some(),
    };
    for (f, m) in workplan::validate_report(&input) {
        push(&mut errors, f, m);
    }
    let file = files
        .into_iter()
        .find(|p| p.name == "file" && !p.data.is_empty());
    let limits = Limits::default();
    if let Some(p) = &file {
        let name = p.filename.clone().unwrap_or_default();
        let checked = attachments::clean_filename(&name)
            .map_err(|e| e.to_string())
            .and_then(|n| filetype::check(&p.data, &n, limits.max_size).map_err(|e| e.to_string()));
        match checked {
            Ok(kind) if kind.is_image() => push(
                &mut errors,
                "file",
                "证明材料请上传文档（PDF、Word 等）；图片请转为 PDF 后上传",
            ),
            Ok(_) => {}
            Err(m) => push(&mut errors, "file", m),
        }
    }
    if errors.is_empty() {
        let stored = match &file {
            Some(p) => Some(
                attachments::store(
                    state.config.data_dir.clone(),
                    p.data.clone(),
                    p.filename.clone().unwrap_or_default(),
                    limits,
                )
                .await
                .map_err(|e| AppError::bad_request(e.to_string()))?,
            ),
            None => None,
        };
        let actor = staff.actor();
        let mut tx = state.db.begin().await?;
        match workplan::report(&mut tx, &actor, id, &input).await {
            Ok(rep) => {
                if let Some(s) = &stored {
                    attachments::attach(
                        &mut tx,
                        &actor,
                        Owner {
                            owner_type: workplan::REPORT_OWNER,
                            owner_id: rep.id,
                        },
                        s,
                        "",
                    )
                    .await?;
                }
                tx.commit().await?;
                return Ok(see_other(&format!("/admin/tasks/{id}?saved=progress")));
            }
            Err(StoreError::Invalid(m)) => push(&mut errors, "item_id", m),
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &task_page(
            &state,
            &staff,
            task,
            plan,
            Extra {
                form,
                errors,
                ..Extra::default()
            },
        )
        .await?,
        StatusCode::BAD_REQUEST,
    )
}

/// Cascades a task to the chosen subordinate bodies.
async fn cascade_task(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (task, plan) = load_task(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    let mut chosen = Vec::new();
    let mut bad = false;
    for (k, v) in &pairs {
        if k == "org_id" {
            match v.parse::<i64>() {
                Ok(n) => chosen.push(n),
                Err(_) => bad = true,
            }
        }
    }
    let message = if bad {
        Some("请从列表中选择下级单位".to_string())
    } else if chosen.is_empty() {
        Some("请至少选择一个下级单位".to_string())
    } else {
        let mut tx = state.db.begin().await?;
        match workplan::cascade(&mut tx, &staff.actor(), id, &chosen).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other(&format!("/admin/tasks/{id}?saved=cascade")));
            }
            Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => Some(m),
            Err(e) => return Err(e.into()),
        }
    };
    let form = ProgressForm {
        reported_on: deadlines::today().to_string(),
        ..ProgressForm::default()
    };
    render_with_status(
        &task_page(
            &state,
            &staff,
            task,
            plan,
            Extra {
                form,
                cascade_error: message,
                ..Extra::default()
            },
        )
        .await?,
        StatusCode::BAD_REQUEST,
    )
}

/// Downloads a progress report's file (within the task's scope).
async fn download_file(
    State(state): State<AppState>,
    staff: Staff,
    Path(aid): Path<i64>,
) -> AppResult<Response> {
    let missing = || AppError::not_found("该文件不存在或不在您的管理范围内。");
    let a = attachments::get(&state.db, aid)
        .await?
        .filter(|a| a.owner_type == workplan::REPORT_OWNER)
        .ok_or_else(missing)?;
    let rep = workplan::get_report(&state.db, a.owner_id)
        .await?
        .ok_or_else(missing)?;
    load_task(&state, &staff, rep.task_id)
        .await
        .map_err(|_| missing())?;
    let data_dir = state.config.data_dir.clone();
    let sha = a.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || attachments::read_verified(&data_dir, &sha))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| match e {
            attachments::AttachmentError::NotFound(_) => missing(),
            other => AppError::internal(other),
        })?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let encoded: String = url::form_urlencoded::byte_serialize(a.filename.as_bytes()).collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

// ---- the board ------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
struct BoardQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    org_id: String,
    /// The day the board is drawn for (default today).
    #[serde(default)]
    on: String,
}

struct BoardFilter {
    filter: TaskFilter,
    status: Option<Status>,
    on: NaiveDate,
}

impl BoardQuery {
    fn parse(&self) -> (BoardFilter, Errors) {
        let mut errors = Vec::new();
        let year = match self.year.trim() {
            "" => None,
            s => match s.parse::<i32>() {
                Ok(y) if (2000..=2100).contains(&y) => Some(y),
                _ => {
                    push(&mut errors, "year", "年度须为四位数字，例如 2019");
                    None
                }
            },
        };
        let status = match self.status.trim() {
            "" => None,
            s => {
                let st = Status::from_code(s);
                if st.is_none() {
                    push(&mut errors, "status", "请从列表中选择进度状态");
                }
                st
            }
        };
        let org_id = match self.org_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    push(&mut errors, "org_id", "请从列表中选择责任单位");
                    None
                }
            },
        };
        let on = match self.on.trim() {
            "" => deadlines::today(),
            s => NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| {
                push(
                    &mut errors,
                    "on",
                    "统计日期须为“年-月-日”格式，例如 2019-03-29",
                );
                deadlines::today()
            }),
        };
        (
            BoardFilter {
                filter: TaskFilter {
                    plan_id: None,
                    year,
                    org_id,
                },
                status,
                on,
            },
            errors,
        )
    }

    fn query_string(&self) -> String {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("year", self.year.trim())
            .append_pair("status", self.status.trim())
            .append_pair("org_id", self.org_id.trim())
            .append_pair("on", self.on.trim())
            .finish();
        format!("?{q}")
    }
}

async fn board_rows(
    state: &AppState,
    staff: &Staff,
    q: &BoardQuery,
) -> AppResult<(Vec<TaskRow>, BTreeMap<Status, usize>, BoardFilter, Errors)> {
    require_any(staff)?;
    let (f, errors) = q.parse();
    let ids = visible_orgs(state, staff).await?;
    let all = task_rows(
        state,
        workplan::tasks(&state.db, &ids, &f.filter).await?,
        f.on,
    )
    .await?;
    let mut counts = BTreeMap::new();
    for r in &all {
        *counts.entry(r.status).or_insert(0) += 1;
    }
    let rows = all
        .into_iter()
        .filter(|r| f.status.is_none_or(|s| s == r.status))
        .collect();
    Ok((rows, counts, f, errors))
}

#[derive(Template)]
#[template(path = "admin/tasks_board.html")]
struct BoardPage {
    layout: Layout,
    q: BoardQuery,
    on: String,
    rows: Vec<TaskRow>,
    counts: Vec<(&'static str, &'static str, usize)>,
    statuses: Vec<(&'static str, &'static str)>,
    units: Vec<(i64, String)>,
    errors: Errors,
    export_query: String,
}

/// 工作任务进度: every visible task with its state on the chosen day.
async fn show_board(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let (rows, counts, f, errors) = board_rows(&state, &staff, &q).await?;
    let ids = visible_orgs(&state, &staff).await?;
    let units = orgs::list(&state.db)
        .await?
        .into_iter()
        .filter(|o| ids.contains(&o.id))
        .map(|o| (o.id, o.full_name))
        .collect();
    let page = BoardPage {
        layout: staff.layout("工作任务进度"),
        on: f.on.to_string(),
        export_query: q.query_string(),
        q,
        rows,
        counts: [
            Status::OnTrack,
            Status::DueSoon,
            Status::Overdue,
            Status::Done,
        ]
        .into_iter()
        .map(|s| (s.code(), s.label(), counts.get(&s).copied().unwrap_or(0)))
        .collect(),
        statuses: Status::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        units,
        errors: errors.clone(),
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_with_status(&page, StatusCode::BAD_REQUEST)
    }
}

async fn export_sheet(
    state: &AppState,
    staff: &Staff,
    q: &BoardQuery,
) -> AppResult<Table<'static>> {
    let (rows, _, _, errors) = board_rows(state, staff, q).await?;
    if let Some((_, m)) = errors.into_iter().next() {
        return Err(AppError::bad_request(m));
    }
    let plans: BTreeMap<i64, String> = {
        let ids = visible_orgs(state, staff).await?;
        workplan::list_plans(&state.db, &ids, None)
            .await?
            .into_iter()
            .map(|p| (p.id, p.title))
            .collect()
    };
    Ok(Table {
        name: "工作任务进度",
        headers: [
            "任务编号",
            "工作方案",
            "任务",
            "责任单位",
            "责任人",
            "依据",
            "完成时限",
            "完成日期",
            "进度状态",
            "上级任务编号",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect(),
        rows: rows
            .into_iter()
            .map(|r| {
                vec![
                    r.task.id.to_string(),
                    plans.get(&r.task.plan_id).cloned().unwrap_or_default(),
                    r.task.title.clone(),
                    r.unit.clone(),
                    r.task.person.clone(),
                    r.task.basis.clone(),
                    r.task.due_on.clone(),
                    r.task.done_on.clone().unwrap_or_default(),
                    r.status.label().to_string(),
                    r.task.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
        numeric: vec![0, 9],
    })
}

async fn export_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    Ok(export::table_csv(
        &export_sheet(&state, &staff, &q).await?,
        "work-tasks",
    ))
}

async fn export_xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    export::table_xlsx(&export_sheet(&state, &staff, &q).await?, "work-tasks")
}
