//! 工作日历: the working-day calendar console (issue #3, product.md C10).
//!
//! **Rule.** A day is a working day as REG §7.2 says: the State Council's annual notice decides
//! the dates it lists, other dates follow the five-day week, and dates in a year whose notice is
//! not loaded are provisional (fail closed). Administrators keep that data current here: they add
//! a notice year (the TOML format of `crates/core/data/calendar/CN/*.toml`), or override single
//! days nationally or for one organisation's subtree (regional holidays of 民族自治地方,
//! emergency closures). Everything needs `ManageCalendar`, a deployment-wide action: only an
//! administrator scoped at a root of the tree may open the page or change anything. The store
//! functions audit every change in the same transaction and enqueue the recomputation of open
//! deadlines.
//!
//! The page also shows which years are missing (today's year, next year once today is past
//! October, and every year the shown month depends on), a month view of the national calendar
//! with the regional overrides of each day, and a what-if calculator: start date plus N working
//! days on the calendar of an organisation (start day not counted, 民法典 Art. 201), with core's
//! Chinese explanation (`Deadline::explain`).

use std::collections::{BTreeMap, BTreeSet};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Query};
use crate::page::{Layout, cst, render_with_status, see_other};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use gongkai_core::auth::Action;
use gongkai_core::calendar::{
    Calendar, Clock, DayKind, MAX_DATE, MAX_WORKDAYS, MIN_DATE, Period, check_range, date_zh,
    weekday_zh,
};
use gongkai_store::StoreError;
use gongkai_store::calendar::{self as store, CalendarDay, CalendarYear, OverrideInput};
use gongkai_store::deadlines;
use gongkai_store::orgs::{self, Org};
use serde::Deserialize;

use super::orgs::tree_order;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(show_calendar))
        .route("/calendar/overrides", post(save_override))
        .route("/calendar/overrides/remove", post(remove_override))
        .route("/calendar/years", post(add_year))
}

/// Longest year file accepted from the form, in characters (the largest shipped file is ~3 000).
const MAX_TOML_CHARS: usize = 100_000;

/// Working days the calculator proposes: the Art. 33 ¶2 reply period.
const DEFAULT_CALC_DAYS: &str = "20";

// ---------------------------------------------------------------------------------------------
// Parsing user input

/// Parses `YYYY-MM-DD` (a real date inside the supported range).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let shape = s.len() == 10
        && s.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| check_range(*d).is_ok())
}

/// Parses `YYYY-MM` into the first day of that month; the message says what is wrong.
fn parse_month(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    let shape = s.len() == 7
        && s.char_indices()
            .all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_digit() });
    let first = if shape {
        NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()
    } else {
        None
    };
    let Some(first) = first else {
        return Err("月份格式不正确，请按“年-月”填写，例如 2026-10。".to_string());
    };
    if check_range(first).is_err() {
        return Err(format!(
            "月份超出支持范围（{} 至 {}）。",
            MIN_DATE.format("%Y-%m"),
            MAX_DATE.format("%Y-%m")
        ));
    }
    Ok(first)
}

/// The last day of the month starting at `first`.
fn month_end(first: NaiveDate) -> NaiveDate {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).unwrap_or(first)
}

/// The first day of `date`'s month.
fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn month_param(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

/// An organisation chosen from a select: empty = none, otherwise an id in the tree.
fn parse_org(s: &str, staff: &Staff) -> Result<Option<i64>, ()> {
    match s.trim() {
        "" => Ok(None),
        v => match v.parse::<i64>() {
            Ok(id) if staff.tree.contains(id) => Ok(Some(id)),
            _ => Err(()),
        },
    }
}

/// The notice years whose data are missing for the page: today's year, next year once today is
/// past October (the State Council usually publishes in October–December), and the years every
/// day of the shown month depends on (REG §7.2 coverage, see `Calendar::missing_notice_years`).
fn missing_years(official: &Calendar, today: NaiveDate, month: &[NaiveDate]) -> Vec<i32> {
    let mut years = BTreeSet::new();
    if official.year(today.year()).is_none() {
        years.insert(today.year());
    }
    if today.month() > 10 && official.year(today.year() + 1).is_none() {
        years.insert(today.year() + 1);
    }
    for d in month {
        years.extend(official.missing_notice_years(*d));
    }
    years.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// What the page shows

/// One loaded notice year.
struct YearRow {
    year: i32,
    title: String,
    document_number: String,
    urls: Vec<String>,
    /// Further (amending) notices of the year.
    more_notices: usize,
    source: &'static str,
    loaded_at: String,
}

/// One day of the month view.
struct DayRow {
    date: String,
    weekday: &'static str,
    today: bool,
    workday: bool,
    description: String,
    source: String,
    /// Empty unless the day is provisional; otherwise the missing notice years.
    provisional: String,
    /// Regional overrides of the day: "机构：休息日（名称）".
    regional: Vec<String>,
}

impl DayRow {
    fn status(&self) -> &'static str {
        if self.workday {
            "工作日"
        } else {
            "休息日"
        }
    }
}

/// One administrator override.
struct OverrideRow {
    date: String,
    workday: bool,
    name: String,
    /// Empty for national, otherwise the organisation id (the remove form's `scope`).
    scope: String,
    scope_label: String,
    document_number: String,
    notice_url: String,
    updated: String,
    updated_by: String,
}

impl OverrideRow {
    fn status(&self) -> &'static str {
        if self.workday {
            "工作日"
        } else {
            "休息日"
        }
    }
}

/// The override form as submitted (strings, so bad input is shown back unchanged).
#[derive(Debug, Clone, Default, Deserialize)]
struct OverrideForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    notice_url: String,
}

/// The calculator's inputs (a GET form).
#[derive(Debug, Clone)]
struct CalcForm {
    start: String,
    days: String,
    org: String,
}

impl Default for CalcForm {
    fn default() -> CalcForm {
        CalcForm {
            start: String::new(),
            days: DEFAULT_CALC_DAYS.to_string(),
            org: String::new(),
        }
    }
}

/// A computed what-if deadline.
struct CalcResult {
    org_label: String,
    start: String,
    days: u32,
    due: String,
    provisional: bool,
    explain: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    layout: Layout,
    errors: Vec<(&'static str, String)>,
    missing: Vec<i32>,
    problems: Vec<String>,
    years: Vec<YearRow>,
    month_label: String,
    month_input: String,
    prev_month: Option<String>,
    next_month: Option<String>,
    days: Vec<DayRow>,
    overrides: Vec<OverrideRow>,
    org_options: Vec<(i64, String)>,
    form: OverrideForm,
    year_toml: String,
    calc: CalcForm,
    result: Option<CalcResult>,
}

impl CalendarPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn has_error(&self, field: &str) -> bool {
        self.error_for(field).is_some()
    }

    /// `aria-describedby` of a field with a hint: the hint, then the error if there is one.
    fn described_by(&self, field: &str) -> String {
        if self.has_error(field) {
            format!("{field}-hint {field}-error")
        } else {
            format!("{field}-hint")
        }
    }

    fn scope_selected(&self, id: &i64) -> bool {
        self.form.scope.trim() == id.to_string()
    }

    fn calc_org_selected(&self, id: &i64) -> bool {
        self.calc.org.trim() == id.to_string()
    }
}

/// What a handler wants the page to show besides the stored data.
struct View {
    month: NaiveDate,
    month_input: String,
    form: OverrideForm,
    year_toml: String,
    calc: CalcForm,
    /// Run the calculator on `calc`.
    run_calc: bool,
    errors: Vec<(&'static str, String)>,
    flash: Option<String>,
}

impl View {
    fn for_month(month: NaiveDate) -> View {
        View {
            month,
            month_input: month_param(month),
            form: OverrideForm {
                kind: "off".to_string(),
                ..OverrideForm::default()
            },
            year_toml: String::new(),
            calc: CalcForm::default(),
            run_calc: false,
            errors: Vec::new(),
            flash: None,
        }
    }
}

fn org_label(orgs: &[Org], id: i64) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.full_name.clone())
        .unwrap_or_else(|| format!("机构 {id}（已不存在）"))
}

/// The official listing behind each listed day of `official` between `from` and `to`: the notice
/// year and its 文号. A later notice year wins where two overlap, as in core.
fn listings(
    official: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<NaiveDate, (i32, String)> {
    let mut out = BTreeMap::new();
    for data in official.years() {
        let doc = data
            .notices
            .first()
            .and_then(|n| n.document_number.clone())
            .unwrap_or_default();
        for h in &data.holidays {
            for d in h.off.iter().chain(&h.work) {
                if (from..=to).contains(d) {
                    out.insert(*d, (data.year, doc.clone()));
                }
            }
        }
    }
    out
}

fn year_source_label(stored: Option<&CalendarYear>) -> &'static str {
    match stored.map(|y| y.source.as_str()) {
        Some(store::SOURCE_ADMIN) => "管理员载入",
        Some(_) => "官方数据（随软件发布）",
        None => "随软件发布（尚未写入数据库）",
    }
}

fn override_text(day: &CalendarDay) -> String {
    let status = if day.is_workday() {
        "工作日"
    } else {
        "休息日"
    };
    let mut detail: Vec<&str> = Vec::new();
    if !day.name.is_empty() {
        detail.push(&day.name);
    }
    if !day.document_number.is_empty() {
        detail.push(&day.document_number);
    }
    if detail.is_empty() {
        status.to_string()
    } else {
        format!("{status}（{}）", detail.join("，"))
    }
}

/// Builds the page: stored years and overrides, the month view, and the calculator when asked.
async fn page(state: &AppState, staff: &Staff, mut view: View) -> AppResult<CalendarPage> {
    let data = store::load_data(&state.db).await?;
    let stored_years = store::years(&state.db).await?;
    let overrides = store::overrides(&state.db).await?;
    let orgs = orgs::list(&state.db).await?;
    let today = deadlines::today();
    let official = data.official();
    let national = data.calendar_for(None);

    let mut years: Vec<YearRow> = official
        .years()
        .map(|y| {
            let stored = stored_years.iter().find(|s| s.year == i64::from(y.year));
            let first = y.notices.first();
            YearRow {
                year: y.year,
                title: first.map(|n| n.title.clone()).unwrap_or_default(),
                document_number: first
                    .and_then(|n| n.document_number.clone())
                    .unwrap_or_default(),
                urls: first.map(|n| n.urls.clone()).unwrap_or_default(),
                more_notices: y.notices.len().saturating_sub(1),
                source: year_source_label(stored),
                loaded_at: stored.map(|s| cst(s.loaded_at)).unwrap_or_default(),
            }
        })
        .collect();
    years.reverse();

    // The month view: the national calendar (REG §7.2), regional overrides listed per day.
    let first = view.month;
    let last = month_end(first);
    let dates: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let listed = listings(official, first, last);
    let admin_years: BTreeSet<i32> = stored_years
        .iter()
        .filter(|y| y.source == store::SOURCE_ADMIN)
        .filter_map(|y| i32::try_from(y.year).ok())
        .collect();
    let days = dates
        .iter()
        .map(|&d| {
            let info = national.day(d);
            let iso = d.to_string();
            let source = match &info.kind {
                DayKind::Override { .. } => {
                    let doc = overrides
                        .iter()
                        .find(|o| o.scope_org_id.is_none() && o.date == iso)
                        .map(|o| o.document_number.clone())
                        .unwrap_or_default();
                    if doc.is_empty() {
                        "管理员调整（全国）".to_string()
                    } else {
                        format!("管理员调整（全国），依据 {doc}")
                    }
                }
                DayKind::Holiday { .. } | DayKind::AdjustedWorkday { .. } => match listed.get(&d) {
                    Some((year, doc)) => {
                        let who = if admin_years.contains(year) {
                            "管理员载入的"
                        } else {
                            ""
                        };
                        if doc.is_empty() {
                            format!("{who}{year}年国务院节假日安排通知")
                        } else {
                            format!("{who}{year}年国务院节假日安排通知（{doc}）")
                        }
                    }
                    None => "国务院节假日安排通知".to_string(),
                },
                DayKind::Weekday | DayKind::Weekend => "五天工作制（通知未列出的日期）".to_string(),
            };
            let description = match info.kind {
                DayKind::Weekday => String::new(),
                _ => info.reason_zh(),
            };
            let provisional = if info.provisional {
                let years: Vec<String> = official
                    .missing_notice_years(d)
                    .iter()
                    .map(|y| format!("{y}年"))
                    .collect();
                format!("临时推定：尚无{}通知", years.join("、"))
            } else {
                String::new()
            };
            let regional = overrides
                .iter()
                .filter(|o| o.date == iso)
                .filter_map(|o| {
                    let org = o.scope_org_id?;
                    Some(format!("{}：{}", org_label(&orgs, org), override_text(o)))
                })
                .collect();
            DayRow {
                date: iso,
                weekday: weekday_zh(d),
                today: d == today,
                workday: info.is_workday,
                description,
                source,
                provisional,
                regional,
            }
        })
        .collect();

    let override_rows = overrides
        .iter()
        .map(|o| OverrideRow {
            date: o.date.clone(),
            workday: o.is_workday(),
            name: o.name.clone(),
            scope: o.scope_org_id.map(|s| s.to_string()).unwrap_or_default(),
            scope_label: match o.scope_org_id {
                None => "全国".to_string(),
                Some(id) => format!("{}及其下级机构", org_label(&orgs, id)),
            },
            document_number: o.document_number.clone(),
            notice_url: o.notice_url.clone(),
            updated: cst(o.updated_at),
            updated_by: o.updated_by.clone(),
        })
        .collect();

    let result = if view.run_calc {
        calculate(&view.calc, staff, &data, &orgs, &mut view.errors)
    } else {
        None
    };

    let mut layout = staff.layout("工作日历");
    layout.flash = view.flash;
    let prev_month = first
        .pred_opt()
        .filter(|d| check_range(*d).is_ok())
        .map(|d| month_param(month_start(d)));
    let next_month = last
        .succ_opt()
        .filter(|d| check_range(*d).is_ok())
        .map(month_param);
    Ok(CalendarPage {
        layout,
        missing: missing_years(official, today, &dates),
        problems: data.problems.clone(),
        years,
        month_label: format!("{}年{}月", first.year(), first.month()),
        month_input: view.month_input,
        prev_month,
        next_month,
        days,
        overrides: override_rows,
        org_options: tree_order(&orgs)
            .into_iter()
            .map(|(o, depth)| (o.id, format!("{}{}", "　".repeat(depth), o.full_name)))
            .collect(),
        form: view.form,
        year_toml: view.year_toml,
        calc: view.calc,
        result,
        errors: view.errors,
    })
}

/// The what-if calculator: `days` working days after `start` (start day not counted, 民法典
/// Art. 201) on the calendar of the chosen organisation (national data, national overrides and
/// the regional overrides of every scope containing it, REG §7.2).
fn calculate(
    calc: &CalcForm,
    staff: &Staff,
    data: &store::CalendarData,
    orgs: &[Org],
    errors: &mut Vec<(&'static str, String)>,
) -> Option<CalcResult> {
    let start = match calc.start.trim() {
        "" => {
            errors.push(("start", "请填写起算日期。".to_string()));
            None
        }
        s => {
            let d = parse_date(s);
            if d.is_none() {
                errors.push((
                    "start",
                    format!(
                        "起算日期“{s}”无效，请按“年-月-日”填写实际存在的日期（{} 至 {}），例如 2026-10-09。",
                        MIN_DATE, MAX_DATE
                    ),
                ));
            }
            d
        }
    };
    let days = match calc.days.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_WORKDAYS).contains(&n) => Some(n),
        _ => {
            errors.push((
                "days",
                format!("工作日数须为 1 至 {MAX_WORKDAYS} 之间的整数。"),
            ));
            None
        }
    };
    let org = match parse_org(&calc.org, staff) {
        Ok(o) => Some(o),
        Err(()) => {
            errors.push(("org", "请从列表中选择机构，或选择“全国”。".to_string()));
            None
        }
    };
    let (start, days, org) = (start?, days?, org?);
    let calendar = data.calendar_for(org);
    match Clock::new(start, Period::Workdays(days)).compute(&calendar) {
        Ok(deadline) => Some(CalcResult {
            org_label: match org {
                None => "全国（不含地区调整）".to_string(),
                Some(id) => org_label(orgs, id),
            },
            start: format!("{}（{}）", date_zh(start), weekday_zh(start)),
            days,
            due: format!("{}（{}）", date_zh(deadline.due), weekday_zh(deadline.due)),
            provisional: deadline.provisional,
            explain: deadline.explain().lines().map(str::to_string).collect(),
        }),
        Err(e) => {
            errors.push(("start", format!("无法计算：{e}。")));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    month: Option<String>,
    start: Option<String>,
    days: Option<String>,
    org: Option<String>,
    done: Option<String>,
}

/// 工作日历: years, missing-year warning, month view, overrides, forms and the calculator. Bad
/// query values give the page with status 400 and the Chinese message next to the field.
async fn show_calendar(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageCalendar, None)?;
    let today = deadlines::today();
    let mut errors = Vec::new();
    let month_input = q.month.clone().unwrap_or_default();
    let month = match month_input.trim() {
        "" => month_start(today),
        s => parse_month(s).unwrap_or_else(|m| {
            errors.push(("month", m));
            month_start(today)
        }),
    };
    let mut view = View::for_month(month);
    if !month_input.trim().is_empty() {
        view.month_input = month_input;
    }
    view.errors = errors;
    if q.start.is_some() || q.org.is_some() {
        view.run_calc = true;
        view.calc = CalcForm {
            start: q.start.unwrap_or_default(),
            days: q.days.unwrap_or_default(),
            org: q.org.unwrap_or_default(),
        };
    }
    view.flash = match q.done.as_deref() {
        Some("override") => Some("调整已保存。未办结的期限将在后台按新日历重新计算。"),
        Some("removed") => {
            Some("调整已撤销，该日恢复按官方数据计算。未办结的期限将在后台重新计算。")
        }
        Some("year") => Some("年度节假日数据已载入。涉及该年的临时期限将在后台重新计算。"),
        _ => None,
    }
    .map(str::to_string);
    let page = page(&state, &staff, view).await?;
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render_with_status(&page, status)
}

/// Which form field a store validation message belongs to.
fn override_field(message: &str) -> &'static str {
    if message.starts_with("名称") {
        "name"
    } else if message.starts_with("文号") {
        "document_number"
    } else if message.starts_with("链接") {
        "notice_url"
    } else if message.contains("机构") {
        "scope"
    } else {
        "date"
    }
}

/// Overrides one day, nationally or for one organisation's subtree (audited by the store).
async fn save_override(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<OverrideForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageCalendar, None)?;
    let mut errors = Vec::new();
    let date = match form.date.trim() {
        "" => {
            errors.push(("date", "请填写要调整的日期。".to_string()));
            None
        }
        s => {
            let d = parse_date(s);
            if d.is_none() {
                errors.push((
                    "date",
                    format!(
                        "日期“{s}”无效，请按“年-月-日”填写实际存在的日期（{MIN_DATE} 至 {MAX_DATE}），例如 2026-10-01。"
                    ),
                ));
            }
            d
        }
    };
    let is_workday = match form.kind.as_str() {
        "work" => Some(true),
        "off" => Some(false),
        _ => {
            errors.push(("kind", "请选择该日为“工作日”还是“休息日”。".to_string()));
            None
        }
    };
    let scope = parse_org(&form.scope, &staff)
        .map_err(|()| {
            errors.push((
                "scope",
                "请从列表中选择适用范围（全国或某一机构）。".to_string(),
            ))
        })
        .ok();
    if let (Some(date), Some(is_workday), Some(scope_org_id)) = (date, is_workday, scope)
        && errors.is_empty()
    {
        let input = OverrideInput {
            date,
            is_workday,
            name: form.name.clone(),
            scope_org_id,
            document_number: form.document_number.clone(),
            notice_url: form.notice_url.clone(),
        };
        let mut tx = state.db.begin().await?;
        match store::override_day(&mut tx, &staff.actor(), &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other(&format!(
                    "/admin/calendar?month={}&done=override",
                    month_param(month_start(date))
                )));
            }
            Err(StoreError::Invalid(m)) => errors.push((override_field(&m), format!("{m}。"))),
            Err(e) => return Err(e.into()),
        }
    }
    let month = date
        .map(month_start)
        .unwrap_or(month_start(deadlines::today()));
    let mut view = View::for_month(month);
    view.form = form;
    view.errors = errors;
    render_with_status(&page(&state, &staff, view).await?, StatusCode::BAD_REQUEST)
}

#[derive(Debug, Default, Deserialize)]
struct RemoveForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    scope: String,
}

/// Removes one override; a national override of a listed day gives way to the official day.
async fn remove_override(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<RemoveForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageCalendar, None)?;
    let date = parse_date(&form.date);
    let scope = parse_org(&form.scope, &staff).ok();
    let (Some(date), Some(scope)) = (date, scope) else {
        return Err(AppError::bad_request(
            "要撤销的调整无法识别，请返回工作日历页面，使用调整列表中的“撤销”按钮。",
        ));
    };
    let mut tx = state.db.begin().await?;
    store::remove_override(&mut tx, &staff.actor(), date, scope).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/admin/calendar?month={}&done=removed",
        month_param(month_start(date))
    )))
}

#[derive(Debug, Default, Deserialize)]
struct YearForm {
    #[serde(default)]
    toml: String,
}

/// Adds (or replaces) a notice year from its TOML text, validated by core (audited by the store).
async fn add_year(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<YearForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageCalendar, None)?;
    let text = form.toml.trim();
    let error = if text.is_empty() {
        Some("请粘贴该年度的节假日数据（TOML 格式，见下方示例）。".to_string())
    } else if text.chars().count() > MAX_TOML_CHARS {
        Some(format!(
            "内容过长：一个年度的数据不应超过 {MAX_TOML_CHARS} 个字符。"
        ))
    } else {
        let mut tx = state.db.begin().await?;
        match store::add_year(&mut tx, &staff.actor(), text).await {
            Ok(row) => {
                tx.commit().await?;
                return Ok(see_other(&format!(
                    "/admin/calendar?month={}-01&done=year",
                    row.year
                )));
            }
            Err(StoreError::Invalid(m)) => Some(format!("{m}。")),
            Err(e) => return Err(e.into()),
        }
    };
    let mut view = View::for_month(month_start(deadlines::today()));
    view.year_toml = form.toml;
    view.errors = error.map(|m| ("toml", m)).into_iter().collect();
    render_with_status(&page(&state, &staff, view).await?, StatusCode::BAD_REQUEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_real_and_in_range() {
        assert_eq!(
            parse_date("2019-02-28"),
            NaiveDate::from_ymd_opt(2019, 2, 28)
        );
        for bad in [
            "2019-02-30",
            "2019-2-28",
            "abc",
            "",
            "1949-12-31",
            "2200-01-01",
            "+2019-02-2",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_must_be_real_and_in_range() {
        assert_eq!(
            parse_month("2026-10"),
            Ok(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default())
        );
        for bad in [
            "abc",
            "2026-13",
            "2026-1",
            "1949-12",
            "2200-01",
            "2026-10-01",
        ] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn month_end_is_the_last_day_for_every_month() {
        // Independent oracle: the last day is the one whose successor starts a new month.
        for year in [1950, 2000, 2019, 2024, 2100, 2199] {
            for month in 1..=12 {
                let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
                let last = month_end(first);
                assert_eq!(last.month(), month);
                assert_eq!(last.year(), year);
                assert!(last.succ_opt().is_none_or(|n| n.day() == 1));
            }
        }
    }

    #[test]
    fn missing_years_follow_today_and_the_shown_month() {
        let official = Calendar::official();
        let last_loaded = official.years().map(|y| y.year).max().unwrap_or_default();
        let next = last_loaded + 1;
        let d = |y: i32, m: u32, day: u32| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        // In October of the last loaded year nothing is missing; from November on, next year is.
        let oct = d(last_loaded, 10, 15);
        assert!(missing_years(official, oct, &[oct]).is_empty());
        let nov = d(last_loaded, 11, 1);
        assert_eq!(missing_years(official, nov, &[nov]), vec![next]);
        // Late December of the last loaded year depends on next year's notice (元旦).
        let dec = d(last_loaded, 12, 28);
        assert_eq!(missing_years(official, oct, &[dec]), vec![next]);
        // A loaded year covers its own month view.
        let later = official
            .with_year(gongkai_core::calendar::YearData {
                year: next,
                notices: vec![gongkai_core::calendar::Notice {
                    title: "测试通知".into(),
                    document_number: None,
                    urls: Vec::new(),
                    note: None,
                }],
                holidays: Vec::new(),
            })
            .unwrap_or_else(|_| official.clone());
        assert!(missing_years(&later, nov, &[d(next, 1, 5)]).is_empty());
    }

    #[test]
    fn store_messages_go_to_their_field() {
        assert_eq!(override_field("名称不能超过 64 个字"), "name");
        assert_eq!(override_field("文号不能超过 100 个字"), "document_number");
        assert_eq!(
            override_field("链接须以 http:// 或 https:// 开头"),
            "notice_url"
        );
        assert_eq!(override_field("适用机构不存在"), "scope");
        assert_eq!(override_field("日期 1900-01-01 超出支持范围"), "date");
    }
}
