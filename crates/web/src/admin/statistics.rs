//! 统计分析 (issue #9): the statistics dashboard — publication by month, organisation and
//! channel, syndication adoption, applications by outcome and timeliness, mailbox reply times —
//! for a year and, optionally, one organisation inside the user's `ViewStatistics` scope, chosen
//! with a plain GET form. Every chart is server-rendered SVG ([`crate::charts`]) with its
//! one-sentence summary and its data table; the same tables export as CSV and XLSX
//! ([`crate::export`]). The figures come from `gongkai_store::statistics::dashboard`, counted in
//! SQL within the scope.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use gongkai_core::auth::Action;
use gongkai_core::org::OrgId;
use gongkai_store::deadlines;
use gongkai_store::statistics::{self, Dashboard};
use serde::Deserialize;

use crate::AppState;
use crate::charts::{BarChart, Fill, Series};
use crate::error::{AppError, AppResult};
use crate::export::{self, Cell, Sheet};
use crate::extract::Query;
use crate::page::{Layout, render_with_status};
use crate::portal::mailbox::StatsView;
use crate::session::Staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/statistics", get(show_statistics))
        .route("/statistics.csv", get(export_csv))
        .route("/statistics.xlsx", get(export_xlsx))
}

/// The GET form: year and organisation (empty = the whole scope).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StatsQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    org: String,
}

/// A choice of the organisation select.
struct OrgChoice {
    id: String,
    name: String,
    selected: bool,
}

/// One chart with its summary and data table.
struct ChartView {
    id: String,
    title: String,
    summary: String,
    svg: String,
    /// Column headers of the data table after the row header.
    columns: Vec<String>,
    row_header: String,
    rows: Vec<(String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "admin/statistics.html")]
struct StatisticsPage {
    layout: Layout,
    year: String,
    orgs: Vec<OrgChoice>,
    errors: Vec<(&'static str, String)>,
    year_error: Option<String>,
    org_error: Option<String>,
    scope_name: String,
    charts: Vec<ChartView>,
    /// Query string of the exports.
    query: String,
    mailbox: Option<StatsView>,
}

/// What the form asks for, checked.
struct Selection {
    year: i32,
    /// Subtree roots to count over.
    scopes: Vec<OrgId>,
    org: Option<OrgId>,
    scope_name: String,
}

async fn select(
    state: &AppState,
    staff: &Staff,
    q: &StatsQuery,
) -> AppResult<Result<Selection, Vec<(&'static str, String)>>> {
    let mut errors = Vec::new();
    let year = match q.year.trim() {
        "" => deadlines::today().year(),
        y => match y.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => y,
            _ => {
                errors.push(("year", "年份请填写四位数字，例如 2019".to_string()));
                0
            }
        },
    };
    let all = gongkai_store::orgs::list(&state.db).await?;
    let (org, scope_name) = match q.org.trim() {
        "" => (None, "本人统计范围内的全部机构".to_string()),
        o => match o
            .parse::<i64>()
            .ok()
            .and_then(|id| all.iter().find(|x| x.id == id))
        {
            // Lists filter by scope: an organisation outside it is refused, not silently emptied.
            Some(x) if staff.can(Action::ViewStatistics, Some(x.id)) => {
                (Some(x.id), format!("{}（含下级机构）", x.full_name))
            }
            Some(_) => return Err(AppError::forbidden()),
            None => {
                errors.push(("org", "请从列表中选择机构".to_string()));
                (None, String::new())
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let scopes = match org {
        Some(id) => vec![id],
        None => staff.scopes(Action::ViewStatistics),
    };
    Ok(Ok(Selection {
        year,
        scopes,
        org,
        scope_name,
    }))
}

fn org_choices(staff: &Staff, all: &[gongkai_store::orgs::Org], chosen: &str) -> Vec<OrgChoice> {
    all.iter()
        .filter(|o| staff.can(Action::ViewStatistics, Some(o.id)))
        .map(|o| OrgChoice {
            id: o.id.to_string(),
            name: o.full_name.clone(),
            selected: o.id.to_string() == chosen.trim(),
        })
        .collect()
}

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".into();
    }
    let p = (part * 1000 + whole / 2) / whole;
    format!("{}.{}%", p / 10, p % 10)
}

/// The top entry of (label, value) pairs, ties to the first.
fn top<'a>(pairs: impl Iterator<Item = (&'a str, i64)>) -> Option<(&'a str, i64)> {
    pairs.fold(None, |best, (l, v)| match best {
        Some((_, bv)) if bv >= v => best,
        _ if v > 0 => Some((l, v)),
        _ => best,
    })
}

fn single(
    id: &str,
    title: String,
    summary: String,
    head: &str,
    unit: &str,
    data: Vec<(String, i64)>,
) -> ChartView {
    let chart = BarChart {
        id: id.to_string(),
        title: title.clone(),
        summary: summary.clone(),
        categories: data.iter().map(|(l, _)| l.clone()).collect(),
        series: vec![Series {
            name: format!("{head}（{unit}）"),
            values: data.iter().map(|(_, v)| *v).collect(),
            fill: Fill::Solid,
        }],
        unit: unit.to_string(),
    };
    ChartView {
        id: id.to_string(),
        svg: chart.svg(),
        title,
        summary,
        columns: vec![format!("{head}（{unit}）")],
        row_header: String::new(),
        rows: data
            .into_iter()
            .map(|(l, v)| (l, vec![v.to_string()]))
            .collect(),
    }
}

/// The seven charts of a year's figures.
fn charts(d: &Dashboard) -> Vec<ChartView> {
    let y = d.year;
    let mut out = Vec::new();

    let months: Vec<(String, i64)> = d
        .by_month
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("{}月", i + 1), *n))
        .collect();
    let total = d.published();
    let summary = match top(months.iter().map(|(l, v)| (l.as_str(), *v))) {
        Some((m, n)) => format!("{y}年共发布信息{total}条，发布最多的是{m}（{n}条）。"),
        None => format!("{y}年没有发布信息。"),
    };
    let mut c = single(
        "chart-month",
        format!("{y}年按月份发布信息"),
        summary,
        "发布",
        "条",
        months,
    );
    c.row_header = "月份".into();
    out.push(c);

    let orgs: Vec<(String, i64)> = d
        .by_org
        .iter()
        .map(|c| (c.label.clone(), c.count))
        .collect();
    let summary = match orgs.first() {
        Some((l, n)) => format!(
            "{y}年共有{}个机构发布信息，发布最多的是{l}（{n}条）。",
            orgs.len()
        ),
        None => format!("{y}年没有机构发布信息。"),
    };
    let mut c = single(
        "chart-org",
        format!("{y}年按机构发布信息"),
        summary,
        "发布",
        "条",
        orgs,
    );
    c.row_header = "机构".into();
    out.push(c);

    let channels: Vec<(String, i64)> = d
        .by_channel
        .iter()
        .map(|c| (c.name.clone(), c.count))
        .collect();
    let placed: i64 = channels.iter().map(|(_, n)| n).sum();
    let summary = match top(channels.iter().map(|(l, v)| (l.as_str(), *v))) {
        Some((l, n)) => format!("{y}年各栏目共刊发信息{placed}条，最多的是“{l}”（{n}条）。"),
        None => format!("{y}年各栏目没有刊发信息。"),
    };
    let mut c = single(
        "chart-channel",
        format!("{y}年按栏目发布信息"),
        summary,
        "刊发",
        "条",
        channels,
    );
    c.row_header = "栏目".into();
    out.push(c);

    let submitted: i64 = d.syndication.iter().map(|t| t.submitted).sum();
    let adopted: i64 = d.syndication.iter().map(|t| t.adopted).sum();
    let title = format!("{y}年向上级网站报送信息的采用情况");
    let summary = if submitted > 0 {
        format!(
            "{y}年共向{}个上级网站报送信息{submitted}条，被采用{adopted}条，采用率{}。",
            d.syndication.iter().filter(|t| t.submitted > 0).count(),
            percent(adopted, submitted)
        )
    } else {
        format!("{y}年没有向上级网站报送信息。")
    };
    let chart = BarChart {
        id: "chart-syndication".into(),
        title: title.clone(),
        summary: summary.clone(),
        categories: d.syndication.iter().map(|t| t.name.clone()).collect(),
        series: vec![
            Series {
                name: "报送（条）".into(),
                values: d.syndication.iter().map(|t| t.submitted).collect(),
                fill: Fill::Solid,
            },
            Series {
                name: "采用（条）".into(),
                values: d.syndication.iter().map(|t| t.adopted).collect(),
                fill: Fill::Hatched,
            },
        ],
        unit: "条".into(),
    };
    out.push(ChartView {
        id: "chart-syndication".into(),
        svg: chart.svg(),
        title,
        summary,
        columns: vec!["报送（条）".into(), "采用（条）".into(), "采用率".into()],
        row_header: "上级网站".into(),
        rows: d
            .syndication
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    vec![
                        t.submitted.to_string(),
                        t.adopted.to_string(),
                        t.adoption_label(),
                    ],
                )
            })
            .collect(),
    });

    let outcomes: Vec<(String, i64)> = d
        .outcomes
        .iter()
        .map(|c| (c.label.clone(), c.count))
        .collect();
    let decided: i64 = outcomes.iter().map(|(_, n)| n).sum();
    let summary = match top(outcomes.iter().map(|(l, v)| (l.as_str(), *v))) {
        Some((l, n)) => format!("{y}年办结申请事项{decided}项，最多的办理结果是“{l}”（{n}项）。"),
        None => format!("{y}年没有办结的申请事项。"),
    };
    let mut c = single(
        "chart-outcome",
        format!("{y}年政府信息公开申请办理结果"),
        summary,
        "事项",
        "项",
        outcomes,
    );
    c.row_header = "办理结果".into();
    out.push(c);

    let t = d.timeliness;
    let summary = format!(
        "{y}年收到的{}件申请中，按期答复{}件，逾期答复{}件，逾期未答复{}件，其余{}件尚在办理期限内或未经答复即终止。",
        t.received, t.on_time, t.late, t.open_overdue, t.other
    );
    let mut c = single(
        "chart-timeliness",
        format!("{y}年政府信息公开申请答复时效"),
        summary,
        "申请",
        "件",
        vec![
            ("按期答复".into(), t.on_time),
            ("逾期答复".into(), t.late),
            ("逾期未答复".into(), t.open_overdue),
            ("办理中或已终止".into(), t.other),
        ],
    );
    c.row_header = "答复时效".into();
    out.push(c);

    let v = StatsView::new(d.mailbox.clone());
    let summary = if v.s.replied > 0 {
        format!(
            "{y}年已答复留言{}件，答复用时中位数为{}，最长{}，按期答复率{}。",
            v.s.replied, v.median, v.max, v.in_time
        )
    } else {
        format!("{y}年没有已答复的留言。")
    };
    let mut c = single(
        "chart-mailbox",
        format!("{y}年信箱留言答复用时"),
        summary,
        "留言",
        "件",
        d.reply_times
            .iter()
            .map(|c| (c.label.clone(), c.count))
            .collect(),
    );
    c.row_header = "答复用时".into();
    out.push(c);
    out
}

/// 统计分析: the dashboard.
async fn show_statistics(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<StatsQuery>,
) -> AppResult<Response> {
    staff.require(Action::ViewStatistics, None)?;
    let all = gongkai_store::orgs::list(&state.db).await?;
    let orgs = org_choices(&staff, &all, &q.org);
    let mut page = StatisticsPage {
        layout: staff.layout("统计分析"),
        year: q.year.trim().to_string(),
        orgs,
        errors: Vec::new(),
        year_error: None,
        org_error: None,
        scope_name: String::new(),
        charts: Vec::new(),
        query: String::new(),
        mailbox: None,
    };
    let sel = match select(&state, &staff, &q).await? {
        Ok(s) => s,
        Err(errors) => {
            let of = |field: &str| {
                errors
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, m)| m.clone())
            };
            page.year_error = of("year");
            page.org_error = of("org");
            page.errors = errors;
            return render_with_status(&page, StatusCode::BAD_REQUEST);
        }
    };
    let d = statistics::dashboard(&state.db, &sel.scopes, sel.year, deadlines::today()).await?;
    page.year = sel.year.to_string();
    page.query = match sel.org {
        Some(o) => format!("?year={}&org={o}", sel.year),
        None => format!("?year={}", sel.year),
    };
    page.scope_name = sel.scope_name;
    page.charts = charts(&d);
    page.mailbox = Some(StatsView::new(d.mailbox));
    render_with_status(&page, StatusCode::OK)
}

async fn sheets_for(
    state: &AppState,
    staff: &Staff,
    q: &StatsQuery,
) -> AppResult<(i32, Vec<Sheet>)> {
    staff.require(Action::ViewStatistics, None)?;
    let sel = select(state, staff, q).await?.map_err(|errors| {
        AppError::bad_request(
            errors
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("；"),
        )
    })?;
    let d = statistics::dashboard(&state.db, &sel.scopes, sel.year, deadlines::today()).await?;
    let sheets = charts(&d)
        .into_iter()
        .map(|c| {
            let mut headers = vec![if c.row_header.is_empty() {
                "项目".to_string()
            } else {
                c.row_header.clone()
            }];
            headers.extend(c.columns.iter().cloned());
            Sheet {
                // Sheet names: at most 31 characters; the titles are short Chinese phrases.
                name: c.title.chars().take(31).collect(),
                headers,
                rows: c
                    .rows
                    .into_iter()
                    .map(|(label, values)| {
                        let mut row = vec![Cell::Text(label)];
                        row.extend(values.into_iter().map(|v| match v.parse::<i64>() {
                            Ok(n) => Cell::Number(n),
                            Err(_) => Cell::Text(v),
                        }));
                        row
                    })
                    .collect(),
            }
        })
        .collect();
    Ok((sel.year, sheets))
}

/// The dashboard's tables as CSV.
async fn export_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<StatsQuery>,
) -> AppResult<Response> {
    let (year, sheets) = sheets_for(&state, &staff, &q).await?;
    Ok(export::attachment(
        export::csv(&sheets).into_bytes(),
        export::CSV,
        &format!("statistics-{year}.csv"),
    ))
}

/// The dashboard's tables as an XLSX workbook (one sheet per chart).
async fn export_xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<StatsQuery>,
) -> AppResult<Response> {
    let (year, sheets) = sheets_for(&state, &staff, &q).await?;
    let bytes = export::xlsx(&sheets).map_err(AppError::internal)?;
    Ok(export::attachment(
        bytes,
        export::XLSX,
        &format!("statistics-{year}.xlsx"),
    ))
}
