//! The work plan and the work registers in the staff API (issue #12): plans, tasks, progress
//! reports, cascading and the board at `/api/v1/plans` and `/api/v1/tasks`; the training,
//! assessment, proposal and publicity registers at `/api/v1/{training,assessments,proposals,
//! publicity}`. The same store functions and permission checks as the console; input problems
//! answer 400 `invalid` with `fields`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use gongkai_core::auth::Action;
use gongkai_core::items::Capabilities;
use gongkai_core::org::OrgId;
use gongkai_store::audit::Actor;
use gongkai_store::items::catalog::expand_scopes;
use gongkai_store::records::{self, Filter, Input, Kind};
use gongkai_store::workplan::{self, Due, PlanInput, ReportInput, Status, TaskFilter, TaskInput};
use gongkai_store::{StoreError, deadlines};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiStaff;
use super::items::{ApiPath, ClientIp, ItemError};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{Json, Query};

type ApiResult<T> = Result<T, ItemError>;

fn invalid(fields: Vec<(&'static str, String)>) -> ItemError {
    let message = fields
        .first()
        .map(|(_, m)| m.clone())
        .unwrap_or_else(|| "输入有误".into());
    ItemError::Invalid {
        message,
        fields: fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn actor(staff: &ApiStaff, ip: &ClientIp) -> Actor {
    Actor::user(staff.user.id, &staff.user.username, &ip.0)
}

fn created(v: Value) -> Response {
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

fn parse_date(
    fields: &mut Vec<(&'static str, String)>,
    name: &'static str,
    v: &str,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            fields.push((name, "日期须为 YYYY-MM-DD 格式，例如 2019-03-29".into()));
            None
        }
    }
}

async fn visible(state: &AppState, staff: &ApiStaff) -> Result<Vec<OrgId>, ItemError> {
    let mut scopes = gongkai_core::auth::scopes_for(&staff.grants, Action::ManagePlans);
    scopes.extend(gongkai_core::auth::scopes_for(
        &staff.grants,
        Action::ReportProgress,
    ));
    Ok(expand_scopes(&state.db, &scopes).await?)
}

fn sees_task(staff: &ApiStaff, org: OrgId) -> bool {
    gongkai_core::auth::permits(&staff.grants, Action::ManagePlans, Some(org), &staff.tree)
        || gongkai_core::auth::permits(
            &staff.grants,
            Action::ReportProgress,
            Some(org),
            &staff.tree,
        )
}

fn require_any(staff: &ApiStaff) -> Result<(), ItemError> {
    if staff.require(Action::ManagePlans, None).is_ok() {
        return Ok(());
    }
    staff.require(Action::ReportProgress, None)?;
    Ok(())
}

// ---- plans ----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<i32>,
}

/// Plans visible to the token's scope.
pub async fn list_plans(
    State(state): State<AppState>,
    staff: ApiStaff,
    Query(q): Query<YearQuery>,
) -> ApiResult<Response> {
    require_any(&staff)?;
    let ids = visible(&state, &staff).await?;
    let plans = workplan::list_plans(&state.db, &ids, q.year).await?;
    Ok(ok(json!({ "plans": plans })))
}

#[derive(Deserialize)]
pub struct PlanBody {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    org_id: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    goals: String,
}

/// Creates a plan (needs `ManagePlans` on its organisation).
pub async fn create_plan(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<PlanBody>,
) -> ApiResult<Response> {
    let org_id = b.org_id.unwrap_or(staff.user.org_id);
    staff.require(Action::ManagePlans, Some(org_id))?;
    let input = PlanInput {
        year: b.year.unwrap_or(0),
        org_id,
        title: b.title,
        goals: b.goals,
    };
    let errors = workplan::validate_plan(&input);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let plan = workplan::create_plan(&mut tx, &actor(&staff, &ip), &input).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(created(json!(plan)))
}

async fn load_plan(state: &AppState, staff: &ApiStaff, id: i64) -> ApiResult<workplan::Plan> {
    let missing = || ItemError::App(AppError::not_found("工作方案不存在或不在您的管理范围内。"));
    let plan = workplan::get_plan(&state.db, id)
        .await?
        .ok_or_else(missing)?;
    let ids = visible(state, staff).await?;
    let seen = workplan::list_plans(&state.db, &ids, Some(plan.year as i32))
        .await?
        .iter()
        .any(|p| p.id == id);
    if seen { Ok(plan) } else { Err(missing()) }
}

async fn task_views(
    state: &AppState,
    tasks: Vec<workplan::Task>,
    on: NaiveDate,
) -> ApiResult<Vec<Value>> {
    let data = gongkai_store::calendar::load_data(&state.db)
        .await
        .map_err(AppError::from)?;
    Ok(tasks
        .into_iter()
        .map(|t| {
            let st = workplan::status(&t, on, &data.calendar_for(Some(t.org_id)));
            let mut v = json!(t);
            v["status"] = json!(st.code());
            v["status_label"] = json!(st.label());
            v
        })
        .collect())
}

/// A plan with the tasks of the token's scope.
pub async fn show_plan(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
) -> ApiResult<Response> {
    let plan = load_plan(&state, &staff, id).await?;
    let ids = visible(&state, &staff).await?;
    let tasks = workplan::tasks(
        &state.db,
        &ids,
        &TaskFilter {
            plan_id: Some(id),
            ..TaskFilter::default()
        },
    )
    .await?;
    let tasks = task_views(&state, tasks, deadlines::today()).await?;
    Ok(ok(json!({ "plan": plan, "tasks": tasks })))
}

/// Changes a plan's title and goals.
pub async fn update_plan(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<PlanBody>,
) -> ApiResult<Response> {
    let plan = load_plan(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    let input = PlanInput {
        year: plan.year as i32,
        org_id: plan.org_id,
        title: b.title,
        goals: b.goals,
    };
    let errors = workplan::validate_plan(&input);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let plan = workplan::update_plan(&mut tx, &actor(&staff, &ip), id, &input).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(ok(json!(plan)))
}

// ---- tasks ----------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct TaskBody {
    #[serde(default)]
    org_id: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    basis: String,
    /// A date, or `start_on` with `workdays`.
    #[serde(default)]
    due_on: Option<String>,
    #[serde(default)]
    start_on: Option<String>,
    #[serde(default)]
    workdays: Option<u32>,
}

impl TaskBody {
    fn input(&self, default_org: OrgId) -> ApiResult<TaskInput> {
        let mut fields = Vec::new();
        let due = match (&self.due_on, &self.start_on, self.workdays) {
            (Some(d), None, None) => {
                parse_date(&mut fields, "due_on", d).map(|date| Due::Date { date })
            }
            (None, Some(s), Some(workdays)) => parse_date(&mut fields, "start_on", s)
                .map(|start| Due::Workdays { start, workdays }),
            _ => {
                fields.push((
                    "due_on",
                    "请给出完成时限：due_on（日期），或 start_on（起算日期）和 workdays（工作日数）".into(),
                ));
                None
            }
        };
        let input = TaskInput {
            org_id: self.org_id.unwrap_or(default_org),
            title: self.title.clone(),
            person: self.person.clone(),
            basis: self.basis.clone(),
            due: due.unwrap_or(Due::Date {
                date: NaiveDate::MIN,
            }),
        };
        fields.extend(workplan::validate_task(&input));
        if fields.is_empty() {
            Ok(input)
        } else {
            Err(invalid(fields))
        }
    }
}

/// Adds a task to a plan.
pub async fn create_task(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<TaskBody>,
) -> ApiResult<Response> {
    let plan = load_plan(&state, &staff, id).await?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    let input = b.input(plan.org_id)?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let task = workplan::add_task(&mut tx, &actor(&staff, &ip), id, &input)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => invalid(vec![("org_id", m)]),
            other => other.into(),
        })?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(created(json!(task)))
}

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    org_id: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    /// The day the states are computed for (default today).
    #[serde(default)]
    on: Option<String>,
}

/// The board: tasks of the token's scope with their state on a day.
pub async fn list_tasks(
    State(state): State<AppState>,
    staff: ApiStaff,
    Query(q): Query<BoardQuery>,
) -> ApiResult<Response> {
    require_any(&staff)?;
    let mut fields = Vec::new();
    let on = match &q.on {
        Some(s) => parse_date(&mut fields, "on", s),
        None => Some(deadlines::today()),
    };
    let status = match &q.status {
        Some(s) => {
            let st = Status::from_code(s);
            if st.is_none() {
                fields.push((
                    "status",
                    "status 只能是 on_track、due_soon、overdue 或 done".into(),
                ));
            }
            st
        }
        None => None,
    };
    let Some(on) = on.filter(|_| fields.is_empty()) else {
        return Err(invalid(fields));
    };
    let ids = visible(&state, &staff).await?;
    let tasks = workplan::tasks(
        &state.db,
        &ids,
        &TaskFilter {
            plan_id: None,
            year: q.year,
            org_id: q.org_id,
        },
    )
    .await?;
    let views: Vec<Value> = task_views(&state, tasks, on)
        .await?
        .into_iter()
        .filter(|v| status.is_none_or(|s| v["status"] == s.code()))
        .collect();
    Ok(ok(json!({ "on": on.to_string(), "tasks": views })))
}

async fn load_task(state: &AppState, staff: &ApiStaff, id: i64) -> ApiResult<workplan::Task> {
    let missing = || ItemError::App(AppError::not_found("工作任务不存在或不在您的管理范围内。"));
    let task = workplan::get_task(&state.db, id)
        .await?
        .ok_or_else(missing)?;
    if sees_task(staff, task.org_id) {
        Ok(task)
    } else {
        Err(missing())
    }
}

/// A task with its progress reports and the tasks cascaded from it.
pub async fn show_task(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
) -> ApiResult<Response> {
    let task = load_task(&state, &staff, id).await?;
    let reports = workplan::reports(&state.db, id).await?;
    let children = workplan::children(&state.db, id).await?;
    let today = deadlines::today();
    let mut t = task_views(&state, vec![task], today).await?;
    let children = task_views(&state, children, today).await?;
    Ok(ok(json!({
        "task": t.pop().unwrap_or(Value::Null),
        "reports": reports,
        "children": children,
    })))
}

/// Changes a task.
pub async fn update_task(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<TaskBody>,
) -> ApiResult<Response> {
    let task = load_task(&state, &staff, id).await?;
    let plan = workplan::get_plan(&state.db, task.plan_id)
        .await?
        .ok_or_else(|| AppError::not_found("工作方案不存在"))?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    let input = b.input(task.org_id)?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let task = workplan::update_task(&mut tx, &actor(&staff, &ip), id, &input)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => invalid(vec![("org_id", m)]),
            other => other.into(),
        })?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(ok(json!(task)))
}

#[derive(Deserialize)]
pub struct ProgressBody {
    #[serde(default)]
    reported_on: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    item_id: Option<i64>,
    #[serde(default)]
    done: bool,
}

/// Reports progress on a task (needs `ReportProgress` on the task's unit).
pub async fn report_progress(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<ProgressBody>,
) -> ApiResult<Response> {
    let task = load_task(&state, &staff, id).await?;
    staff.require(Action::ReportProgress, Some(task.org_id))?;
    let mut fields = Vec::new();
    let on = match &b.reported_on {
        Some(s) => parse_date(&mut fields, "reported_on", s),
        None => Some(deadlines::today()),
    };
    if on.is_some_and(|d| d > deadlines::today()) {
        fields.push(("reported_on", "报告日期不能晚于今天".into()));
    }
    let input = ReportInput {
        reported_on: on.unwrap_or(NaiveDate::MIN),
        note: b.note,
        item_id: b.item_id,
        done: b.done,
    };
    fields.extend(workplan::validate_report(&input));
    if !fields.is_empty() {
        return Err(invalid(fields));
    }
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let rep = workplan::report(&mut tx, &actor(&staff, &ip), id, &input)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => invalid(vec![("item_id", m)]),
            other => other.into(),
        })?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(created(json!(rep)))
}

#[derive(Deserialize)]
pub struct CascadeBody {
    #[serde(default)]
    org_ids: Vec<i64>,
}

/// Cascades a task to subordinate bodies.
pub async fn cascade_task(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<CascadeBody>,
) -> ApiResult<Response> {
    let task = load_task(&state, &staff, id).await?;
    let plan = workplan::get_plan(&state.db, task.plan_id)
        .await?
        .ok_or_else(|| AppError::not_found("工作方案不存在"))?;
    staff.require(Action::ManagePlans, Some(plan.org_id))?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let children = workplan::cascade(&mut tx, &actor(&staff, &ip), id, &b.org_ids)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => invalid(vec![("org_ids", m)]),
            other => other.into(),
        })?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(created(json!({ "tasks": children })))
}

// ---- registers ------------------------------------------------------------------------------

fn view_scopes(staff: &ApiStaff, kind: &Kind) -> Vec<OrgId> {
    let mut s = gongkai_core::auth::scopes_for(&staff.grants, Action::ManageWorkRecords);
    if kind.item_link {
        s.extend(gongkai_core::auth::scopes_for(
            &staff.grants,
            Action::DraftItem,
        ));
    }
    s
}

#[derive(Deserialize, Default)]
pub struct RecordQuery {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    org_id: Option<i64>,
    /// A value of the register's category field (kind or category).
    #[serde(default)]
    category: Option<String>,
}

/// Records of a register in the token's scope.
pub async fn list_records(
    kind: &'static Kind,
    state: AppState,
    staff: ApiStaff,
    q: RecordQuery,
) -> ApiResult<Response> {
    let scopes = view_scopes(&staff, kind);
    if scopes.is_empty() {
        return Err(AppError::forbidden().into());
    }
    let ids = expand_scopes(&state.db, &scopes).await?;
    let recs = records::list(
        &state.db,
        kind,
        &ids,
        &Filter {
            id: None,
            year: q.year,
            org_id: q.org_id,
            choice: q.category,
        },
    )
    .await?;
    Ok(ok(json!({ "records": recs })))
}

async fn load_record(
    kind: &'static Kind,
    state: &AppState,
    staff: &ApiStaff,
    id: i64,
) -> ApiResult<records::Record> {
    let missing = || {
        ItemError::App(AppError::not_found(format!(
            "{}记录不存在或不在您的管理范围内。",
            kind.noun
        )))
    };
    let rec = records::get(&state.db, kind, id)
        .await?
        .ok_or_else(missing)?;
    let ids = expand_scopes(&state.db, &view_scopes(staff, kind)).await?;
    if ids.contains(&rec.org_id) {
        Ok(rec)
    } else {
        Err(missing())
    }
}

/// One record.
pub async fn show_record(
    kind: &'static Kind,
    state: AppState,
    staff: ApiStaff,
    id: i64,
) -> ApiResult<Response> {
    Ok(ok(json!(load_record(kind, &state, &staff, id).await?)))
}

/// The input of a record from a JSON object: `org_id`, `participants` (user ids, training) and
/// the register's fields (strings or numbers).
fn record_input(
    kind: &Kind,
    staff: &ApiStaff,
    body: &serde_json::Map<String, Value>,
) -> ApiResult<Input> {
    let mut fields: Vec<(&'static str, String)> = Vec::new();
    let org_id = match body.get("org_id") {
        None | Some(Value::Null) => staff.user.org_id,
        Some(v) => v.as_i64().unwrap_or_else(|| {
            fields.push(("org_id", "org_id 须为机构编号（整数）".into()));
            0
        }),
    };
    let mut values = BTreeMap::new();
    for f in kind.fields {
        match body.get(f.name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                values.insert(f.name.to_string(), s.clone());
            }
            Some(Value::Number(n)) => {
                values.insert(f.name.to_string(), n.to_string());
            }
            Some(_) => fields.push((f.name, format!("{}须为文字或数字", f.label))),
        }
    }
    let participants = match body.get("participants") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| {
                let n = v.as_i64();
                if n.is_none() {
                    fields.push((
                        "participants",
                        "participants 须为用户编号（整数）的数组".into(),
                    ));
                }
                n
            })
            .collect(),
        Some(_) => {
            fields.push((
                "participants",
                "participants 须为用户编号（整数）的数组".into(),
            ));
            Vec::new()
        }
    };
    let input = Input {
        org_id,
        values,
        participants,
    };
    if let Err(e) = records::parse(kind, &input) {
        fields.extend(e);
    }
    if fields.is_empty() {
        Ok(input)
    } else {
        Err(invalid(fields))
    }
}

/// Creates a record (needs `ManageWorkRecords` on its organisation).
pub async fn create_record(
    kind: &'static Kind,
    state: AppState,
    staff: ApiStaff,
    ip: ClientIp,
    body: serde_json::Map<String, Value>,
) -> ApiResult<Response> {
    staff.require(Action::ManageWorkRecords, None)?;
    let input = record_input(kind, &staff, &body)?;
    staff.require(Action::ManageWorkRecords, Some(input.org_id))?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let rec = records::create(&mut tx, &actor(&staff, &ip), kind, &input).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(created(json!(rec)))
}

/// Changes a record.
pub async fn update_record(
    kind: &'static Kind,
    state: AppState,
    staff: ApiStaff,
    ip: ClientIp,
    id: i64,
    body: serde_json::Map<String, Value>,
) -> ApiResult<Response> {
    let rec = load_record(kind, &state, &staff, id).await?;
    staff.require(Action::ManageWorkRecords, Some(rec.org_id))?;
    let input = record_input(kind, &staff, &body)?;
    staff.require(Action::ManageWorkRecords, Some(input.org_id))?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let rec = records::update(&mut tx, &actor(&staff, &ip), kind, id, &input).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(ok(json!(rec)))
}

/// Turns a proposal's disclosable reply into a draft item of its unit (needs drafting there).
pub async fn proposal_draft_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
) -> ApiResult<Response> {
    let kind = &records::PROPOSALS;
    let rec = load_record(kind, &state, &staff, id).await?;
    let caps = Capabilities::for_target(&staff.grants, rec.org_id, &staff.tree);
    if !caps.draft {
        return Err(AppError::forbidden().into());
    }
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let item = records::proposals::to_draft_item(&mut tx, &actor(&staff, &ip), &rec, caps).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(created(json!({ "item_id": item.id, "state": item.state })))
}

// Route handlers of the registers, one instantiation per register (`records::KINDS[K]`).

pub async fn list_register<const K: usize>(
    State(state): State<AppState>,
    staff: ApiStaff,
    Query(q): Query<RecordQuery>,
) -> ApiResult<Response> {
    list_records(records::KINDS[K], state, staff, q).await
}

pub async fn create_register<const K: usize>(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(body): Json<serde_json::Map<String, Value>>,
) -> ApiResult<Response> {
    create_record(records::KINDS[K], state, staff, ip, body).await
}

pub async fn show_register<const K: usize>(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
) -> ApiResult<Response> {
    show_record(records::KINDS[K], state, staff, id).await
}

pub async fn update_register<const K: usize>(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(body): Json<serde_json::Map<String, Value>>,
) -> ApiResult<Response> {
    update_record(records::KINDS[K], state, staff, ip, id, body).await
}

/// The OpenAPI entries of these endpoints.
pub fn openapi_paths() -> serde_json::Map<String, Value> {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let invalid = json!({"$ref": "#/components/schemas/InvalidError"});
    let any = json!({"type": "object"});
    let resp = |d: &str, schema: &Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let id_param = |d: &str| json!({"name": "id", "in": "path", "required": true, "description": d, "schema": {"type": "integer"}});
    let op = |id: &str,
              summary: &str,
              ok_code: &str,
              ok: &str,
              body: Option<&str>,
              params: Vec<Value>|
     -> Value {
        let mut responses = json!({
            "400": resp("输入有误（fields 指出各字段的问题）", &invalid),
            "401": resp("未登录或令牌无效", &error),
            "403": resp("无权执行此操作", &error),
            "404": resp("对象不存在或不在权限范围内", &error),
            "409": resp("与现有记录冲突", &error),
        });
        if let Some(r) = responses.as_object_mut() {
            r.insert(ok_code.into(), resp(ok, &any));
        }
        let mut v = json!({"summary": summary, "operationId": id, "security": [{"bearer": []}], "responses": responses});
        if !params.is_empty() {
            v["parameters"] = json!(params);
        }
        if let Some(b) = body {
            v["requestBody"] = json!({"required": true, "description": b,
                "content": {"application/json": {"schema": {"type": "object"}}}});
        }
        v
    };
    let q = |name: &str, ty: &str, d: &str| -> Value {
        json!({"name": name, "in": "query", "required": false, "description": d, "schema": {"type": ty}})
    };
    let mut paths = serde_json::Map::new();
    paths.insert("/api/v1/plans".into(), json!({
        "get": op("list_plans", "工作方案列表（权限范围内）", "200", "工作方案", None, vec![q("year", "integer", "年度")]),
        "post": op("create_plan", "新建工作方案", "201", "已创建的工作方案", Some("year、org_id、title、goals"), vec![]),
    }));
    paths.insert("/api/v1/plans/{id}".into(), json!({
        "get": op("show_plan", "工作方案及权限范围内的任务", "200", "方案和任务", None, vec![id_param("方案编号")]),
        "put": op("update_plan", "修改工作方案名称和目标", "200", "修改后的方案", Some("title、goals"), vec![id_param("方案编号")]),
    }));
    paths.insert("/api/v1/plans/{id}/tasks".into(), json!({
        "post": op("create_task", "增加工作任务", "201", "已创建的任务",
            Some("org_id（责任单位）、title、person、basis；due_on，或 start_on 和 workdays"), vec![id_param("方案编号")]),
    }));
    paths.insert("/api/v1/tasks".into(), json!({
        "get": op("list_tasks", "工作任务进度（权限范围内）", "200", "任务及其在统计日期的状态", None, vec![
            q("year", "integer", "年度"), q("org_id", "integer", "责任单位"),
            q("status", "string", "on_track 正常推进、due_soon 即将到期、overdue 已逾期、done 已完成"),
            q("on", "string", "统计日期 YYYY-MM-DD，默认今天")]),
    }));
    paths.insert("/api/v1/tasks/{id}".into(), json!({
        "get": op("show_task", "工作任务、进展报告和分解任务", "200", "任务详情", None, vec![id_param("任务编号")]),
        "put": op("update_task", "修改工作任务", "200", "修改后的任务", Some("与新建任务相同"), vec![id_param("任务编号")]),
    }));
    paths.insert("/api/v1/tasks/{id}/progress".into(), json!({
        "post": op("report_task_progress", "报告任务进展", "201", "进展报告",
            Some("reported_on、note、item_id（已发布信息编号，可选）、done"), vec![id_param("任务编号")]),
    }));
    paths.insert("/api/v1/tasks/{id}/cascade".into(), json!({
        "post": op("cascade_task", "将任务分解到下级单位", "201", "新建的下级任务", Some("org_ids：下级单位编号数组"), vec![id_param("任务编号")]),
    }));
    for (code, label) in [
        ("training", "业务培训"),
        ("assessments", "考核评议与责任追究"),
        ("proposals", "建议提案办理"),
        ("publicity", "宣传活动"),
    ] {
        let fields = Kind::from_code(code)
            .map(|k| {
                k.fields
                    .iter()
                    .map(|f| format!("{}（{}）", f.name, f.label))
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default();
        let body = format!(
            "org_id、{fields}{}",
            if code == "training" {
                "、participants（用户编号数组）"
            } else {
                ""
            }
        );
        paths.insert(format!("/api/v1/{code}"), json!({
            "get": op(format!("list_{code}").as_str(), format!("{label}台账（权限范围内）").as_str(), "200", "记录列表", None, vec![
                q("year", "integer", "年度"), q("org_id", "integer", "单位"), q("category", "string", "类别代码")]),
            "post": op(format!("create_{code}").as_str(), format!("登记{label}").as_str(), "201", "已登记的记录", Some(body.as_str()), vec![]),
        }));
        paths.insert(format!("/api/v1/{code}/{{id}}"), json!({
            "get": op(format!("show_{code}").as_str(), format!("{label}记录").as_str(), "200", "记录", None, vec![id_param("记录编号")]),
            "put": op(format!("update_{code}").as_str(), format!("修改{label}记录").as_str(), "200", "修改后的记录", Some(body.as_str()), vec![id_param("记录编号")]),
        }));
    }
    paths.insert("/api/v1/proposals/{id}/draft-item".into(), json!({
        "post": op("proposal_draft_item", "将可公开的答复转为信息草稿（随后按主动公开流程审核发布）", "201", "新信息草稿的编号",
            None, vec![id_param("建议提案记录编号")]),
    }));
    paths
}
