//! The supervision dashboard (督办看板: open, due soon and overdue messages per department) and
//! the statistics page with its CSV export (issue #7).

use super::Scopes;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::page::{Layout, render};
use crate::portal::mailbox::StatsView;
use crate::session::Staff;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gongkai_store::deadlines;
use gongkai_store::mailbox::stats::year_statistics;
use gongkai_store::mailbox::supervision::{self, DeptLoad};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/mailbox_dashboard.html")]
struct DashboardPage {
    layout: Layout,
    rows: Vec<DeptLoad>,
    today: String,
    totals: (i64, i64, i64),
}

/// 督办看板 of the office's boxes.
pub(super) async fn show_dashboard(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Response> {
    let scopes = Scopes::of(&staff);
    if scopes.office.is_empty() {
        return Err(AppError::forbidden());
    }
    let today = deadlines::today();
    let rows = supervision::dashboard(&state.db, &scopes.office, today).await?;
    let totals = rows.iter().fold((0, 0, 0), |t, r| {
        (t.0 + r.open, t.1 + r.due_soon, t.2 + r.overdue)
    });
    render(&DashboardPage {
        layout: staff.layout("督办看板"),
        rows,
        today: today.to_string(),
        totals,
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct YearQuery {
    #[serde(default)]
    year: String,
}

fn year_of(q: &YearQuery) -> Result<i32, String> {
    match q.year.trim() {
        "" => Ok(chrono::Datelike::year(&deadlines::today())),
        y => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| "年份请填写四位数字，例如 2019".to_string()),
    }
}

#[derive(Template)]
#[template(path = "admin/mailbox_stats.html")]
struct StatsPage {
    layout: Layout,
    year: String,
    error: Option<String>,
    v: Option<StatsView>,
}

/// 统计: a year's figures of the office's boxes.
pub(super) async fn show_stats(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let scopes = Scopes::of(&staff);
    if scopes.office.is_empty() {
        return Err(AppError::forbidden());
    }
    let (year, error, v) = match year_of(&q) {
        Ok(y) => (
            y.to_string(),
            None,
            Some(StatsView::new(
                year_statistics(&state.db, Some(&scopes.office), y).await?,
            )),
        ),
        Err(e) => (q.year.clone(), Some(e), None),
    };
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    crate::page::render_with_status(
        &StatsPage {
            layout: staff.layout("信箱统计"),
            year,
            error,
            v,
        },
        status,
    )
}

fn csv_field(s: &str) -> String {
    // Formula injection guard for spreadsheet programs, then RFC 4180 quoting.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The statistics as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese correctly).
pub(super) async fn export_stats(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let scopes = Scopes::of(&staff);
    if scopes.office.is_empty() {
        return Err(AppError::forbidden());
    }
    let year = year_of(&q).map_err(AppError::bad_request)?;
    let v = StatsView::new(year_statistics(&state.db, Some(&scopes.office), year).await?);
    let mut out = String::from("\u{feff}分组,项目,数值\n");
    let mut line = |group: &str, item: &str, value: String| {
        out.push_str(&format!(
            "{},{},{}\n",
            csv_field(group),
            csv_field(item),
            csv_field(&value)
        ));
    };
    line("合计", "收到留言", v.s.total.to_string());
    line("合计", "已答复", v.s.replied.to_string());
    line("合计", "按期答复", v.s.in_time.to_string());
    line("合计", "按期答复率", v.in_time.clone());
    line("合计", "答复率", v.reply_rate.clone());
    line("合计", "答复用时中位数", v.median.clone());
    line("合计", "答复用时最长", v.max.clone());
    line("合计", "转为信访事项", v.s.petitions.to_string());
    line("合计", "转为政府信息公开申请", v.s.converted.to_string());
    line("合计", "公开答复", v.s.published.to_string());
    for c in &v.s.by_box {
        line("按信箱", &c.label, c.count.to_string());
    }
    for c in &v.s.by_topic {
        line("按主题", &c.label, c.count.to_string());
    }
    for c in &v.s.by_dept {
        line("按承办部门", &c.label, c.count.to_string());
    }
    for (i, n) in v.s.by_month.iter().enumerate() {
        line("按月份", &format!("{}月", i + 1), n.to_string());
    }
    line("满意度", "满意", v.s.satisfied.to_string());
    line("满意度", "基本满意", v.s.fair.to_string());
    line("满意度", "不满意", v.s.unsatisfied.to_string());
    line("满意度", "满意率", v.satisfaction.clone());
    let mut res = out.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"mailbox-stats-{year}.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
