//! 年度报告 in the console (issue #9; REG §2–3): the list of reports with a form to start one,
//! and one report's page — the figures preview (the tables exactly as published), the checks
//! naming cells and numbers, the narrative editor with the generated sentences offered for
//! insertion, the administrator-entered counts, the lock and the workflow.
//!
//! Permissions (on the report's organisation): the disclosure office (`EditGuide`) creates,
//! edits, acknowledges warnings, locks, submits to internal review, sends to approval and takes
//! a report back to draft; the approving leader (`ApproveItem`) approves, which publishes it.
//! Publication is refused while a REG §3.1 identity fails or a §3.2 warning is unacknowledged
//! (the store says which cells, in Chinese, and the page shows it with 409).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Datelike;
use gongkai_core::auth::Action;
use gongkai_report::count::{CountingUnit, ManualCounts};
use gongkai_report::figures::{parse_wan_yuan, wan_yuan};
use gongkai_report::narrative::{Narrative, SUGGESTION_SECTIONS};
use gongkai_report::{Severity, format::OVERVIEW_PARTS, format::SECTIONS};
use gongkai_store::StoreError;
use gongkai_store::reports::{self, Report, Status};
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list_reports).post(create_report))
        .route("/reports/{id}", get(show_report))
        .route("/reports/{id}/narrative", post(save_narrative))
        .route("/reports/{id}/insert", post(insert_sentence))
        .route("/reports/{id}/counts", post(save_counts))
        .route("/reports/{id}/acknowledge", post(acknowledge))
        .route("/reports/{id}/lock", post(lock_report))
        .route("/reports/{id}/status", post(change_status))
}

fn can_view(staff: &Staff, org: i64) -> bool {
    staff.can(Action::EditGuide, Some(org)) || staff.can(Action::ApproveItem, Some(org))
}

struct Row {
    id: i64,
    title: String,
    status: &'static str,
    locked_on: String,
}

#[derive(Template)]
#[template(path = "admin/reports.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    orgs: Vec<(i64, String)>,
    can_create: bool,
    errors: Vec<(String, String)>,
    year: String,
    org: String,
    rollup: bool,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    errors: Vec<(String, String)>,
    form: &CreateForm,
) -> AppResult<ListPage> {
    let mut scopes = staff.scopes(Action::EditGuide);
    scopes.extend(staff.scopes(Action::ApproveItem));
    let all = gongkai_store::orgs::list(&state.db).await?;
    let name = |id: i64| {
        all.iter()
            .find(|o| o.id == id)
            .map(|o| o.full_name.clone())
            .unwrap_or_default()
    };
    let rows = reports::list(&state.db, &scopes)
        .await?
        .into_iter()
        .map(|r| Row {
            id: r.id,
            title: format!(
                "{}{}{}年度报告",
                name(r.org_id),
                if r.rollup {
                    "（含所属单位）"
                } else {
                    ""
                },
                r.year
            ),
            status: r.status().label(),
            locked_on: r.locked_on.clone().unwrap_or_default(),
        })
        .collect();
    let orgs: Vec<(i64, String)> = all
        .iter()
        .filter(|o| staff.can(Action::EditGuide, Some(o.id)))
        .map(|o| (o.id, o.full_name.clone()))
        .collect();
    Ok(ListPage {
        layout: staff.layout("年度报告"),
        rows,
        can_create: !orgs.is_empty(),
        orgs,
        errors,
        year: form.year.clone(),
        org: form.org.clone(),
        rollup: form.rollup.is_some(),
    })
}

impl ListPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// 年度报告: the reports of the staff member's organisations.
async fn list_reports(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    if staff.scopes(Action::EditGuide).is_empty() && staff.scopes(Action::ApproveItem).is_empty() {
        return Err(AppError::forbidden());
    }
    let form = CreateForm {
        year: (gongkai_store::deadlines::today().year() - 1).to_string(),
        ..CreateForm::default()
    };
    render(&list_page(&state, &staff, Vec::new(), &form).await?)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct CreateForm {
    year: String,
    org: String,
    rollup: Option<String>,
}

/// Starts the report of a year.
async fn create_report(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let year = form.year.trim().parse::<i32>().ok();
    if year.is_none() {
        errors.push(("year".into(), "请填写四位数字年份，如 2019".into()));
    }
    let org = form.org.trim().parse::<i64>().ok();
    match org {
        Some(o) if staff.can(Action::EditGuide, Some(o)) => {}
        _ => errors.push(("org".into(), "请选择您负责的机构".into())),
    }
    if let (true, Some(year), Some(org)) = (errors.is_empty(), year, org) {
        let mut tx = state.db.begin().await?;
        match reports::create(&mut tx, &staff.actor(), org, year, form.rollup.is_some()).await {
            Ok(r) => {
                tx.commit().await?;
                return Ok(see_other(&format!("/admin/reports/{}", r.id)));
            }
            Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
                errors.push(("year".into(), m))
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &list_page(&state, &staff, errors, &form).await?,
        StatusCode::BAD_REQUEST,
    )
}

/// A text area of the narrative.
struct Part {
    name: String,
    label: String,
    value: String,
}

struct FindingView {
    hard: bool,
    code: String,
    message: String,
    acknowledged: bool,
}

struct SuggestionView {
    index: usize,
    section: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/report.html")]
struct ReportPage {
    layout: Layout,
    id: i64,
    status: &'static str,
    year: i32,
    locked_on: String,
    frozen: bool,
    draft: bool,
    preview: String,
    findings: Vec<FindingView>,
    suggestions: Vec<SuggestionView>,
    parts: Vec<Part>,
    licensing: String,
    penalty: String,
    coercion: String,
    fees: String,
    unit_item: bool,
    actions: Vec<(&'static str, &'static str)>,
    can_edit: bool,
    can_lock: bool,
    can_ack: bool,
    error: String,
    public_href: String,
}

async fn load(state: &AppState, staff: &Staff, id: i64) -> AppResult<Report> {
    let r = reports::get(&state.db, id)
        .await?
        .filter(|r| can_view(staff, r.org_id))
        .ok_or_else(|| AppError::not_found("年度报告不存在或不在您的权限范围内。"))?;
    Ok(r)
}

/// The workflow buttons this staff member may press: (target status code, label).
fn actions(staff: &Staff, r: &Report) -> Vec<(&'static str, &'static str)> {
    let office = staff.can(Action::EditGuide, Some(r.org_id));
    let leader = staff.can(Action::ApproveItem, Some(r.org_id));
    match r.status() {
        Status::Draft if office => vec![("review", "提交内部审核")],
        Status::Review if office => vec![("approval", "审核通过，报送审批"), ("draft", "退回草稿")],
        Status::Approval => {
            let mut v = Vec::new();
            if leader {
                v.push(("published", "批准并发布"));
            }
            if leader || office {
                v.push(("draft", "退回草稿"));
            }
            v
        }
        _ => Vec::new(),
    }
}

fn permitted(staff: &Staff, r: &Report, to: Status) -> bool {
    let office = staff.can(Action::EditGuide, Some(r.org_id));
    let leader = staff.can(Action::ApproveItem, Some(r.org_id));
    match to {
        Status::Published => leader,
        Status::Draft => office || (leader && r.status() == Status::Approval),
        Status::Review | Status::Approval => office,
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    r: &Report,
    error: String,
    narrative: Option<Narrative>,
) -> AppResult<ReportPage> {
    let a = reports::assemble(&state.db, r).await?;
    let acked = reports::acknowledgements(&state.db, r.id).await?;
    let preview =
        gongkai_documents::to_html_fragment(&a.report.document()).map_err(AppError::internal)?;
    let findings = a
        .findings
        .iter()
        .map(|f| FindingView {
            hard: f.severity == Severity::Hard,
            code: f.code.clone(),
            message: f.message.clone(),
            acknowledged: acked.iter().any(|k| k.code == f.code),
        })
        .collect();
    let suggestions = a
        .suggestions()
        .into_iter()
        .enumerate()
        .map(|(index, s)| SuggestionView {
            index,
            section: SUGGESTION_SECTIONS.get(s.section).copied().unwrap_or(""),
            text: s.text,
        })
        .collect();
    let n = narrative.unwrap_or_else(|| r.narrative());
    let mut parts = vec![Part {
        name: "intro".into(),
        label: "开头（联系方式、电子版下载地址等；法律依据和统计期限自动生成）".into(),
        value: n.intro.clone(),
    }];
    for (i, label) in OVERVIEW_PARTS.iter().enumerate() {
        parts.push(Part {
            name: format!("overview{i}"),
            label: format!("{}　{label}", SECTIONS[0]),
            value: n.overview[i].clone(),
        });
    }
    for (i, text) in [
        &n.section2,
        &n.section3,
        &n.section4,
        &n.section5,
        &n.section6,
    ]
    .into_iter()
    .enumerate()
    {
        parts.push(Part {
            name: format!("section{}", i + 2),
            label: SECTIONS[i + 1].to_string(),
            value: text.clone(),
        });
    }
    let draft = r.status() == Status::Draft;
    let office = staff.can(Action::EditGuide, Some(r.org_id));
    // The report's page on its own site's portal (issue #14: a configured site by its prefix,
    // which works on any host; else the default site).
    let site = gongkai_store::sites::of_org(&state.db, r.org_id).await?;
    let (base, root) = match &site {
        Some(site) => (
            format!("{}{}", gongkai_store::sites::PATH_PREFIX, site.code),
            Some(site.root_org_id),
        ),
        None => (
            String::new(),
            gongkai_store::orgs::root(&state.db).await?.map(|o| o.id),
        ),
    };
    let public_href = if r.status() == Status::Published {
        let org = gongkai_store::orgs::get(&state.db, r.org_id).await?;
        match org {
            Some(o) if Some(o.id) == root && !r.rollup => format!("{base}/reports/{}", r.year),
            Some(o) => format!(
                "{base}/reports/{}?org={}{}",
                r.year,
                o.code,
                if r.rollup { "&scope=all" } else { "" }
            ),
            None => String::new(),
        }
    } else {
        String::new()
    };
    Ok(ReportPage {
        layout: staff.layout(&a.report.title()),
        id: r.id,
        status: r.status().label(),
        year: r.year(),
        locked_on: r.locked_on.clone().unwrap_or_default(),
        frozen: a.frozen,
        draft,
        preview,
        findings,
        suggestions,
        parts,
        licensing: r.licensing.to_string(),
        penalty: r.penalty.to_string(),
        coercion: r.coercion.to_string(),
        fees: wan_yuan(r.admin_fees_fen),
        unit_item: r.unit() == CountingUnit::Item,
        actions: actions(staff, r),
        can_edit: draft && office,
        can_lock: office && !r.is_locked() && r.status() != Status::Published,
        can_ack: office && r.status() != Status::Published,
        error,
        public_href,
    })
}

#[derive(Debug, Default, Deserialize)]
struct Notice {
    #[serde(default)]
    done: Option<String>,
}

/// One report: preview, checks, narrative, counts, workflow.
async fn show_report(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let r = load(&state, &staff, id).await?;
    let mut p = page(&state, &staff, &r, String::new(), None).await?;
    p.layout.flash = match q.done.as_deref() {
        Some("narrative") => Some("报告文字已保存。".into()),
        Some("insert") => Some("已插入生成的句子。".into()),
        Some("counts") => Some("填报数据已保存。".into()),
        Some("ack") => Some("已确认该提示。".into()),
        Some("lock") => Some("本年度数据已锁定。".into()),
        Some("status") => Some(format!("报告已转到“{}”阶段。", r.status().label())),
        _ => p.layout.flash,
    };
    render(&p)
}

/// Re-renders the page with a store refusal (409 for a state conflict, 400 for bad input).
async fn refused(
    state: &AppState,
    staff: &Staff,
    id: i64,
    e: StoreError,
    narrative: Option<Narrative>,
) -> AppResult<Response> {
    let (status, msg) = match e {
        StoreError::Conflict(m) => (StatusCode::CONFLICT, m),
        StoreError::Invalid(m) => (StatusCode::BAD_REQUEST, m),
        other => return Err(other.into()),
    };
    let r = load(state, staff, id).await?;
    render_with_status(&page(state, staff, &r, msg, narrative).await?, status)
}

fn require_office(staff: &Staff, r: &Report) -> AppResult<()> {
    staff.require(Action::EditGuide, Some(r.org_id))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct NarrativeForm {
    intro: String,
    overview0: String,
    overview1: String,
    overview2: String,
    overview3: String,
    overview4: String,
    section2: String,
    section3: String,
    section4: String,
    section5: String,
    section6: String,
}

impl NarrativeForm {
    fn narrative(self) -> Narrative {
        Narrative {
            intro: self.intro,
            overview: [
                self.overview0,
                self.overview1,
                self.overview2,
                self.overview3,
                self.overview4,
            ],
            section2: self.section2,
            section3: self.section3,
            section4: self.section4,
            section5: self.section5,
            section6: self.section6,
        }
    }
}

/// Saves the narrative.
async fn save_narrative(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<NarrativeForm>,
) -> AppResult<Response> {
    let r = load(&state, &staff, id).await?;
    require_office(&staff, &r)?;
    let n = form.narrative();
    let mut tx = state.db.begin().await?;
    match reports::save_narrative(&mut tx, &staff.actor(), id, &n).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/reports/{id}?done=narrative")))
        }
        Err(e) => {
            drop(tx);
            refused(&state, &staff, id, e, Some(n)).await
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct InsertForm {
    index: String,
}

/// Appends a generated sentence (recomputed here, never taken from the form) to its section.
async fn insert_sentence(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<InsertForm>,
) -> AppResult<Response> {
    let r = load(&state, &staff, id).await?;
    require_office(&staff, &r)?;
    let a = reports::assemble(&state.db, &r).await?;
    let s = form
        .index
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|i| a.suggestions().into_iter().nth(i))
        .ok_or_else(|| AppError::bad_request("所选的生成句子不存在，请刷新页面后重试。"))?;
    let mut n = r.narrative();
    let target = match s.section {
        0 => &mut n.intro,
        1..=5 => &mut n.overview[s.section - 1],
        6 => &mut n.section2,
        7 => &mut n.section3,
        8 => &mut n.section4,
        9 => &mut n.section5,
        _ => &mut n.section6,
    };
    if !target.contains(&s.text) {
        if !target.trim().is_empty() {
            target.push('\n');
        }
        target.push_str(&s.text);
    }
    let mut tx = state.db.begin().await?;
    match reports::save_narrative(&mut tx, &staff.actor(), id, &n).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/reports/{id}?done=insert")))
        }
        Err(e) => {
            drop(tx);
            refused(&state, &staff, id, e, None).await
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct CountsForm {
    licensing: String,
    penalty: String,
    coercion: String,
    fees: String,
    unit: String,
}

/// Saves the administrator-entered counts and the counting unit.
async fn save_counts(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<CountsForm>,
) -> AppResult<Response> {
    let r = load(&state, &staff, id).await?;
    require_office(&staff, &r)?;
    let int = |label: &str, s: &str| -> Result<i64, StoreError> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(0);
        }
        t.parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| StoreError::Invalid(format!("“{label}”须为非负整数")))
    };
    let parsed = (|| -> Result<(ManualCounts, CountingUnit), StoreError> {
        let m = ManualCounts {
            licensing: int("行政许可", &form.licensing)?,
            penalty: int("行政处罚", &form.penalty)?,
            coercion: int("行政强制", &form.coercion)?,
            admin_fees_fen: parse_wan_yuan(&form.fees).map_err(StoreError::Invalid)?,
        };
        let unit = reports::unit_from_code(&form.unit)
            .ok_or_else(|| StoreError::Invalid("请选择统计单位".into()))?;
        Ok((m, unit))
    })();
    let (manual, unit) = match parsed {
        Ok(x) => x,
        Err(e) => return refused(&state, &staff, id, e, None).await,
    };
    let mut tx = state.db.begin().await?;
    match reports::save_counts(&mut tx, &staff.actor(), id, &manual, unit).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/reports/{id}?done=counts")))
        }
        Err(e) => {
            drop(tx);
            refused(&state, &staff, id, e, None).await
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct AckForm {
    code: String,
}

/// Acknowledges a soft warning (the message is the current one, recomputed here).
async fn acknowledge(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<AckForm>,
) -> AppResult<Response> {
    let r = load(&state, &staff, id).await?;
    require_office(&staff, &r)?;
    let a = reports::assemble(&state.db, &r).await?;
    let f = a
        .soft()
        .find(|f| f.code == form.code)
        .ok_or_else(|| AppError::bad_request("该提示已不存在，请刷新页面。"))?;
    let mut tx = state.db.begin().await?;
    match reports::acknowledge(&mut tx, &staff.actor(), id, &f.code, &f.message).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/reports/{id}?done=ack")))
        }
        Err(e) => {
            drop(tx);
            refused(&state, &staff, id, e, None).await
        }
    }
}

/// Locks the year's figures (the lock date is today).
async fn lock_report(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let r = load(&state, &staff, id).await?;
    require_office(&staff, &r)?;
    let a = reports::assemble(&state.db, &r).await?;
    let mut tx = state.db.begin().await?;
    let today = gongkai_store::deadlines::today();
    match reports::lock(&mut tx, &staff.actor(), id, &a, today).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/reports/{id}?done=lock")))
        }
        Err(e) => {
            drop(tx);
            refused(&state, &staff, id, e, None).await
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct StatusForm {
    to: String,
}

/// One workflow step.
async fn change_status(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let r = load(&state, &staff, id).await?;
    let to =
        Status::from_code(&form.to).ok_or_else(|| AppError::bad_request("未知的报告阶段。"))?;
    if !permitted(&staff, &r, to) {
        return Err(AppError::forbidden());
    }
    let mut tx = state.db.begin().await?;
    let today = gongkai_store::deadlines::today();
    match reports::advance(&state.db, &mut tx, &staff.actor(), id, to, today).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/reports/{id}?done=status")))
        }
        Err(e) => {
            drop(tx);
            refused(&state, &staff, id, e, None).await
        }
    }
}
