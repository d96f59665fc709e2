//! Console pages of issue #5 (product.md C4, C5, C13): the parent's queue of grassroots
//! submissions with its decisions, the per-unit ranking (CSV/XLSX export), the upward
//! syndication register (totals, submissions, status, ZIP package), channels with their counts
//! and the WeChat export, and the interpretation counts. The definitions (channels, targets,
//! grassroots units) are edited in `channel_settings`.
//!
//! **Rules.** Queue and decisions need `PublishItem` on the PARENT organisation (the store
//! decides with the capabilities derived here through `auth::permits`); the queue and the ranking
//! are filtered by the staff member's scopes in the query. Statistics need `ViewStatistics`;
//! syndication submissions need `PublishItem` on every item's organisation; channel and target
//! definitions need `ManageSettings` (the system administrator).

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use gongkai_core::auth::Action;
use gongkai_core::items::Capabilities;
use gongkai_store::StoreError;
use gongkai_store::channels::{self, Kind as ChannelKind, Transport};
use gongkai_store::grassroots::{self, PublishAs, UnitStats};
use gongkai_store::items::{self, Content};
use gongkai_store::{interpretations, orgs, syndication};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/grassroots", get(show_grassroots))
        .route("/grassroots/ranking.csv", get(ranking_csv))
        .route("/grassroots/ranking.xlsx", get(ranking_xlsx))
        .route("/grassroots/{id}", get(show_submission))
        .route("/grassroots/{id}/edit", post(edit_submission))
        .route("/grassroots/{id}/publish", post(publish_submission))
        .route("/grassroots/{id}/return", post(return_submission))
        .route(
            "/syndication",
            get(show_syndication).post(create_syndication),
        )
        .route("/syndication/{id}/status", post(set_syndication_status))
        .route("/syndication/{id}/package", get(download_package))
        .route("/channels", get(show_channels))
        .route("/channels/counts.csv", get(channel_counts_csv))
        .route("/channels/counts.xlsx", get(channel_counts_xlsx))
        .route("/channels/wechat/{item_id}", get(download_wechat))
}

/// A period from the query: `from`/`to` (YYYY-MM-DD) or `year`; default the current year.
#[derive(Debug, Default, Deserialize)]
struct PeriodQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    saved: String,
}

struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    fn query(&self) -> String {
        format!("from={}&to={}", self.from, self.to)
    }
}

fn period(q: &PeriodQuery) -> AppResult<Period> {
    let parse = |s: &str, what: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::bad_request(format!(
                "{what}“{s}”不是有效日期，请按 2019-01-31 的格式填写"
            ))
        })
    };
    if !q.from.trim().is_empty() || !q.to.trim().is_empty() {
        let from = parse(&q.from, "开始日期")?;
        let to = parse(&q.to, "结束日期")?;
        if from > to {
            return Err(AppError::bad_request("开始日期不能晚于结束日期"));
        }
        return Ok(Period { from, to });
    }
    let year = if q.year.trim().is_empty() {
        gongkai_store::deadlines::today().year()
    } else {
        q.year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::bad_request("年份须为 2000 到 2100 之间的四位数字"))?
    };
    let (from, to) = grassroots::year_range(year)?;
    Ok(Period { from, to })
}

// --- grassroots -------------------------------------------------------------------------------

struct RankRow {
    rank: usize,
    s: UnitStats,
    adoption: String,
    avg: String,
}

fn rank_rows(stats: Vec<UnitStats>) -> Vec<RankRow> {
    stats
        .into_iter()
        .enumerate()
        .map(|(i, s)| RankRow {
            rank: i + 1,
            adoption: s.adoption_label(),
            avg: s
                .avg_hours_to_publish
                .map(|h| format!("{h} 小时"))
                .unwrap_or_else(|| "—".into()),
            s,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/grassroots.html")]
struct GrassrootsPage {
    layout: Layout,
    queue: Vec<grassroots::QueueEntry>,
    can_decide: bool,
    can_stats: bool,
    ranking: Vec<RankRow>,
    own_level: i64,
    from_units: i64,
    from: String,
    to: String,
    query: String,
}

/// 基层报送: the queue of my parent organisations and the ranking of units.
async fn show_grassroots(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let can_decide = staff.can(Action::PublishItem, None);
    let can_stats = staff.can(Action::ViewStatistics, None);
    if !can_decide && !can_stats {
        return Err(AppError::forbidden());
    }
    let p = period(&q)?;
    let queue = if can_decide {
        grassroots::queue(&state.db, &staff.scopes(Action::PublishItem), 500).await?
    } else {
        Vec::new()
    };
    let (ranking, levels) = if can_stats {
        (
            grassroots::stats(
                &state.db,
                &staff.scopes(Action::ViewStatistics),
                p.from,
                p.to,
            )
            .await?,
            Some(grassroots::published_by_level(&state.db, p.from, p.to).await?),
        )
    } else {
        (Vec::new(), None)
    };
    let mut layout = staff.layout("基层信息报送");
    layout.flash = match q.done.as_str() {
        "published" => Some("已审核发布。".into()),
        "returned" => Some("已退回报送单位。".into()),
        _ => None,
    };
    render(&GrassrootsPage {
        layout,
        queue,
        can_decide,
        can_stats,
        ranking: rank_rows(ranking),
        own_level: levels.map(|l| l.own_level).unwrap_or(0),
        from_units: levels.map(|l| l.grassroots).unwrap_or(0),
        from: p.from.to_string(),
        to: p.to.to_string(),
        query: p.query(),
    })
}

const RANK_HEADERS: [&str; 7] = [
    "名次",
    "报送单位",
    "报送条数",
    "采用发布",
    "退回",
    "采用率",
    "平均发布用时（小时）",
];

async fn ranking_for(
    state: &AppState,
    staff: &Staff,
    q: &PeriodQuery,
) -> AppResult<Vec<UnitStats>> {
    staff.require(Action::ViewStatistics, None)?;
    let p = period(q)?;
    Ok(grassroots::stats(
        &state.db,
        &staff.scopes(Action::ViewStatistics),
        p.from,
        p.to,
    )
    .await?)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The ranking as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese).
async fn ranking_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let stats = ranking_for(&state, &staff, &q).await?;
    let mut out = String::from("\u{feff}");
    out.push_str(&RANK_HEADERS.join(","));
    out.push_str("\r\n");
    for (i, s) in stats.iter().enumerate() {
        let row = [
            (i + 1).to_string(),
            csv_field(&s.unit_name),
            s.submitted.to_string(),
            s.published.to_string(),
            s.returned.to_string(),
            s.adoption_label(),
            s.avg_hours_to_publish
                .map(|h| h.to_string())
                .unwrap_or_default(),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"grassroots-ranking.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// The ranking as an XLSX workbook.
async fn ranking_xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let stats = ranking_for(&state, &staff, &q).await?;
    let bytes = xlsx(&stats).map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"grassroots-ranking.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

fn xlsx(stats: &[UnitStats]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("基层报送排名")?;
    for (c, h) in RANK_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (i, s) in stats.iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(r, 1, &s.unit_name)?;
        ws.write_number(r, 2, s.submitted as f64)?;
        ws.write_number(r, 3, s.published as f64)?;
        ws.write_number(r, 4, s.returned as f64)?;
        ws.write_string(r, 5, s.adoption_label())?;
        if let Some(h) = s.avg_hours_to_publish {
            ws.write_number(r, 6, h as f64)?;
        }
    }
    wb.save_to_buffer()
}

#[derive(Template)]
#[template(path = "admin/grassroots_item.html")]
struct SubmissionPage {
    layout: Layout,
    sub: grassroots::Submission,
    status: &'static str,
    unit_name: String,
    parent_name: String,
    content: Content,
    edit: Content,
    errors: Vec<(&'static str, String)>,
    reason: String,
}

impl SubmissionPage {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

/// Loads a submission and the caller's capabilities on its PARENT; 404 when the caller may
/// not decide it (a unit's or a sibling's staff do not learn it exists).
async fn load_submission(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> AppResult<(grassroots::Submission, Capabilities)> {
    let sub = grassroots::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("报送记录不存在"))?;
    if !staff.can(Action::PublishItem, Some(sub.parent_org_id)) {
        return Err(AppError::not_found("报送记录不存在"));
    }
    let tree = orgs::tree(&state.db).await?;
    let caps = Capabilities::for_target(&staff.grants, sub.parent_org_id, &tree);
    Ok((sub, caps))
}

async fn submission_page(
    state: &AppState,
    staff: &Staff,
    sub: grassroots::Submission,
    edit: Option<Content>,
    errors: Vec<(&'static str, String)>,
    reason: String,
) -> AppResult<SubmissionPage> {
    let item = items::get(&state.db, sub.item_id)
        .await?
        .ok_or_else(|| AppError::not_found("信息不存在"))?;
    let content = items::current_revision(&state.db, &item).await?;
    let content = Content {
        title: content.title,
        summary: content.summary,
        body_html: content.body_html,
        keywords: content.keywords,
    };
    let name = |id: i64| async move {
        orgs::get(&state.db, id)
            .await
            .ok()
            .flatten()
            .map(|o| o.full_name)
            .unwrap_or_default()
    };
    let edit = edit
        .or_else(|| sub.edit())
        .unwrap_or_else(|| content.clone());
    Ok(SubmissionPage {
        layout: staff.layout("审核基层报送信息"),
        status: sub.status().map(|s| s.label()).unwrap_or(""),
        unit_name: name(sub.unit_org_id).await,
        parent_name: name(sub.parent_org_id).await,
        sub,
        content,
        edit,
        errors,
        reason,
    })
}

async fn show_submission(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (sub, _) = load_submission(&state, &staff, id).await?;
    render(&submission_page(&state, &staff, sub, None, Vec::new(), String::new()).await?)
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body_html: String,
    #[serde(default)]
    keywords: String,
}

async fn edit_submission(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> AppResult<Response> {
    let (sub, caps) = load_submission(&state, &staff, id).await?;
    let clean = gongkai_core::richtext::sanitize(&f.body_html);
    let content = Content {
        title: f.title,
        summary: f.summary,
        body_html: clean.html.clone(),
        keywords: f.keywords,
    };
    let mut errors = Vec::new();
    if content.title.trim().is_empty() {
        errors.push(("title", "请填写标题".to_string()));
    }
    if !clean.is_ok() {
        errors.push((
            "body_html",
            format!("正文有问题：{}", clean.problems.join("；")),
        ));
    }
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match grassroots::edit(&mut tx, &staff.actor(), id, caps, &content).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other(&format!("/admin/grassroots/{id}")));
            }
            Err(StoreError::Invalid(m)) => errors.push(("title", m)),
            Err(e) => return Err(e.into()),
        }
    }
    let p = submission_page(&state, &staff, sub, Some(content), errors, String::new()).await?;
    render_with_status(&p, StatusCode::BAD_REQUEST)
}

#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    publish_as: String,
}

async fn publish_submission(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> AppResult<Response> {
    let (sub, caps) = load_submission(&state, &staff, id).await?;
    let Some(publish_as) = PublishAs::from_code(&f.publish_as) else {
        let errors = vec![("publish_as", "请选择以哪个发布机构的名义发布".to_string())];
        let p = submission_page(&state, &staff, sub, None, errors, String::new()).await?;
        return render_with_status(&p, StatusCode::BAD_REQUEST);
    };
    let mut tx = state.db.begin().await?;
    grassroots::publish(&mut tx, &staff.actor(), id, caps, publish_as).await?;
    tx.commit().await?;
    Ok(see_other("/admin/grassroots?done=published"))
}

#[derive(Deserialize)]
struct ReturnForm {
    #[serde(default)]
    reason: String,
}

async fn return_submission(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<ReturnForm>,
) -> AppResult<Response> {
    let (sub, caps) = load_submission(&state, &staff, id).await?;
    if f.reason.trim().is_empty() {
        let errors = vec![("reason", "退回时须说明理由".to_string())];
        let p = submission_page(&state, &staff, sub, None, errors, f.reason).await?;
        return render_with_status(&p, StatusCode::BAD_REQUEST);
    }
    let mut tx = state.db.begin().await?;
    grassroots::return_to_unit(&mut tx, &staff.actor(), id, caps, &f.reason).await?;
    tx.commit().await?;
    Ok(see_other("/admin/grassroots?done=returned"))
}

// --- syndication ------------------------------------------------------------------------------

struct TotalRow {
    t: syndication::TargetTotals,
    rate: String,
    feed: String,
}

#[derive(Template)]
#[template(path = "admin/syndication.html")]
struct SyndicationPage {
    layout: Layout,
    totals: Vec<TotalRow>,
    register: Vec<syndication::RegisterRow>,
    targets: Vec<syndication::Target>,
    can_submit: bool,
    from: String,
    to: String,
    form: NewSubmission,
    errors: Vec<(&'static str, String)>,
}

impl SyndicationPage {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewSubmission {
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    submitted_on: String,
    #[serde(default)]
    item_ids: String,
    #[serde(default)]
    note: String,
}

async fn syndication_page(
    state: &AppState,
    staff: &Staff,
    p: &Period,
    form: NewSubmission,
    errors: Vec<(&'static str, String)>,
) -> AppResult<SyndicationPage> {
    let totals = syndication::totals(&state.db, p.from, p.to)
        .await?
        .into_iter()
        .map(|t| TotalRow {
            rate: t.adoption_label(),
            feed: String::new(),
            t,
        })
        .collect::<Vec<_>>();
    let targets = syndication::targets(&state.db).await?;
    let totals = totals
        .into_iter()
        .map(|mut r| {
            r.feed = targets
                .iter()
                .find(|t| t.id == r.t.target_id)
                .map(|t| format!("/feeds/syndication/{}.atom", t.code))
                .unwrap_or_default();
            r
        })
        .collect();
    let register = syndication::register(&state.db, None, p.from, p.to, 200).await?;
    Ok(SyndicationPage {
        layout: staff.layout("信息报送上级网站"),
        totals,
        register,
        targets,
        can_submit: staff.can(Action::PublishItem, None),
        from: p.from.to_string(),
        to: p.to.to_string(),
        form,
        errors,
    })
}

/// The register: totals per target and period, submissions, and the form for a new one.
async fn show_syndication(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    if !staff.can(Action::PublishItem, None) && !staff.can(Action::ViewStatistics, None) {
        return Err(AppError::forbidden());
    }
    let p = period(&q)?;
    let mut page =
        syndication_page(&state, &staff, &p, NewSubmission::default(), Vec::new()).await?;
    page.layout.flash = match q.done.as_str() {
        "submitted" => Some("报送记录已登记。".into()),
        "status" => Some("报送状态已更新。".into()),
        _ => None,
    };
    render(&page)
}

/// Registers a submission of one or many published items.
async fn create_syndication(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<NewSubmission>,
) -> AppResult<Response> {
    staff.require(Action::PublishItem, None)?;
    let mut errors = Vec::new();
    let target = f.target_id.trim().parse::<i64>().ok();
    if target.is_none() {
        errors.push(("target_id", "请选择报送目标".to_string()));
    }
    let on = NaiveDate::parse_from_str(f.submitted_on.trim(), "%Y-%m-%d").ok();
    if on.is_none() {
        errors.push((
            "submitted_on",
            "请按 2019-05-20 的格式填写报送日期".to_string(),
        ));
    }
    let mut ids = Vec::new();
    for part in f
        .item_ids
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        match part.parse::<i64>() {
            Ok(id) => ids.push(id),
            Err(_) => {
                errors.push(("item_ids", format!("“{part}”不是信息编号")));
                break;
            }
        }
    }
    if ids.is_empty() && !errors.iter().any(|(f, _)| *f == "item_ids") {
        errors.push(("item_ids", "请至少填写一条已发布信息的编号".to_string()));
    }
    if errors.is_empty() {
        // The right to act for every item's organisation.
        for id in &ids {
            let item = items::get(&state.db, *id).await?;
            match item {
                Some(i) if staff.can(Action::PublishItem, Some(i.org_id)) => {}
                _ => {
                    errors.push((
                        "item_ids",
                        format!("编号 {id} 的信息不存在或不在您的管理范围内"),
                    ));
                    break;
                }
            }
        }
    }
    if let (true, Some(target), Some(on)) = (errors.is_empty(), target, on) {
        let mut tx = state.db.begin().await?;
        match syndication::submit(&mut tx, &staff.actor(), target, on, &ids, &f.note).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/syndication?done=submitted"));
            }
            Err(StoreError::Invalid(m) | StoreError::Conflict(m) | StoreError::NotFound(m)) => {
                errors.push(("item_ids", m));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let p = period(&PeriodQuery::default())?;
    let page = syndication_page(&state, &staff, &p, f, errors).await?;
    render_with_status(&page, StatusCode::BAD_REQUEST)
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    decided_on: String,
}

async fn set_syndication_status(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    staff.require(Action::PublishItem, None)?;
    let status = syndication::Status::from_code(&f.status)
        .ok_or_else(|| AppError::bad_request("请选择报送状态"))?;
    let on = if f.decided_on.trim().is_empty() {
        gongkai_store::deadlines::today()
    } else {
        NaiveDate::parse_from_str(f.decided_on.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::bad_request("请按 2019-05-20 的格式填写处理日期"))?
    };
    ensure_submission_in_scope(&state, &staff, id).await?;
    let mut tx = state.db.begin().await?;
    syndication::set_status(&mut tx, &staff.actor(), id, status, on).await?;
    tx.commit().await?;
    Ok(see_other("/admin/syndication?done=status"))
}

/// 404 unless the caller may act for every item of the submission.
async fn ensure_submission_in_scope(state: &AppState, staff: &Staff, id: i64) -> AppResult<()> {
    if syndication::get(&state.db, id).await?.is_none() {
        return Err(AppError::not_found("报送记录不存在"));
    }
    for item_id in syndication::item_ids(&state.db, id).await? {
        let org = items::get(&state.db, item_id).await?.map(|i| i.org_id);
        if !staff.can(Action::PublishItem, org) || org.is_none() {
            return Err(AppError::not_found("报送记录不存在"));
        }
    }
    Ok(())
}

/// The ZIP package of a submission, with each item's 保密审查表 as JSON and as PDF.
async fn download_package(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    staff.require(Action::PublishItem, None)?;
    ensure_submission_in_scope(&state, &staff, id).await?;
    let bytes = syndication::package(
        &state.db,
        &state.config.data_dir,
        id,
        Some(&crate::review_form::render_pdf),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"syndication-{id}.zip\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// --- channels and interpretations -------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/channels.html")]
struct ChannelsPage {
    layout: Layout,
    counts: Vec<(channels::ChannelCount, &'static str)>,
    interpretations: Vec<(&'static str, i64)>,
    radio: i64,
    /// Every channel, active or not (the settings table), for the system administrator.
    defined: Vec<channels::Channel>,
    can_manage: bool,
    can_units: bool,
    from: String,
    to: String,
    /// The period as a query string, for the export links.
    query: String,
}

async fn channels_page(state: &AppState, staff: &Staff, p: &Period) -> AppResult<ChannelsPage> {
    let counts = channels::counts(&state.db, p.from, p.to)
        .await?
        .into_iter()
        .map(|c| {
            let label = ChannelKind::from_code(&c.kind)
                .map(ChannelKind::label)
                .unwrap_or("");
            (c, label)
        })
        .collect();
    let interpretations = interpretations::counts(&state.db, p.from, p.to)
        .await?
        .into_iter()
        .map(|c| (c.kind.label(), c.count))
        .collect();
    let radio = interpretations::episodes(&state.db, "与爱同行", p.from, p.to).await?;
    let can_manage = staff.can(Action::ManageSettings, None);
    Ok(ChannelsPage {
        layout: staff.layout("栏目、公众号与回应解读"),
        counts,
        interpretations,
        radio,
        defined: if can_manage {
            channels::list(&state.db, false).await?
        } else {
            Vec::new()
        },
        can_manage,
        can_units: staff.can(Action::ManageOrganisations, None),
        from: p.from.to_string(),
        to: p.to.to_string(),
        query: p.query(),
    })
}

/// Who may see channel counts: the statistics, publishing or settings roles.
fn may_see_channel_counts(staff: &Staff) -> AppResult<()> {
    if staff.can(Action::ViewStatistics, None)
        || staff.can(Action::ManageSettings, None)
        || staff.can(Action::PublishItem, None)
    {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

const COUNT_HEADERS: [&str; 3] = ["渠道", "类型", "发布条数"];

/// The channel counts of the period: (name, kind label, count) rows.
async fn channel_count_rows(
    state: &AppState,
    staff: &Staff,
    q: &PeriodQuery,
) -> AppResult<Vec<(String, &'static str, i64)>> {
    may_see_channel_counts(staff)?;
    let p = period(q)?;
    Ok(channels::counts(&state.db, p.from, p.to)
        .await?
        .into_iter()
        .map(|c| {
            let kind = ChannelKind::from_code(&c.kind)
                .map(ChannelKind::label)
                .unwrap_or("");
            (c.name, kind, c.count)
        })
        .collect())
}

/// Channel counts as CSV (UTF-8 with BOM, as the ranking).
async fn channel_counts_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let rows = channel_count_rows(&state, &staff, &q).await?;
    let mut out = String::from("\u{feff}");
    out.push_str(&COUNT_HEADERS.join(","));
    out.push_str("\r\n");
    for (name, kind, count) in &rows {
        out.push_str(&format!(
            "{},{},{count}\r\n",
            csv_field(name),
            csv_field(kind)
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"channel-counts.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// Channel counts as an XLSX workbook.
async fn channel_counts_xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let rows = channel_count_rows(&state, &staff, &q).await?;
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("各渠道发布条数")?;
        for (c, h) in COUNT_HEADERS.iter().enumerate() {
            ws.write_string(0, c as u16, *h)?;
        }
        for (i, (name, kind, count)) in rows.iter().enumerate() {
            let r = (i + 1) as u32;
            ws.write_string(r, 0, name)?;
            ws.write_string(r, 1, *kind)?;
            ws.write_number(r, 2, *count as f64)?;
        }
        wb.save_to_buffer()
    };
    let bytes = build().map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"channel-counts.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Channels with their counts in the period, the interpretation counts, and (for the system
/// administrator) the form for a new channel.
async fn show_channels(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    may_see_channel_counts(&staff)?;
    let p = period(&q)?;
    let mut page = channels_page(&state, &staff, &p).await?;
    if q.saved == "channel" {
        page.layout.flash = Some("渠道已保存。".into());
    }
    render(&page)
}

/// The WeChat-ready export of a published item, through the export transport.
async fn download_wechat(
    State(state): State<AppState>,
    staff: Staff,
    Path(item_id): Path<i64>,
) -> AppResult<Response> {
    let item = items::get(&state.db, item_id)
        .await?
        .ok_or_else(|| AppError::not_found("信息不存在"))?;
    if !staff.can(Action::PublishItem, Some(item.org_id)) {
        return Err(AppError::not_found("信息不存在"));
    }
    let article = channels::wechat_article(&state.db, &state.config.data_dir, item_id).await?;
    match channels::ExportTransport.deliver(&article)? {
        channels::Delivery::Download { filename, bytes } => Ok((
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            bytes,
        )
            .into_response()),
        channels::Delivery::Posted { remote_id } => {
            Ok((StatusCode::OK, format!("已推送到公众号（{remote_id}）")).into_response())
        }
    }
}
