//! 汇总年度报告 (issue #14; 条例 Art. 49 ¶2, REG §1.6): on a consolidated platform the
//! platform administrator (`ConsolidateReports`) chooses several top-level bodies and gets the
//! consolidated annual report of the government over them — counted by
//! `gongkai_store::reports::consolidated` with the one rollup counter — as an accessible page
//! with JSON, Word and PDF downloads. Nothing is stored: the report is assembled on request.
//!
//! A plain GET form (`year`, `name`, one `body` per chosen body), so the page works without
//! JavaScript and the result has an address.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::page::{Layout, render};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use gongkai_core::auth::Action;
use gongkai_documents::{to_docx, to_html_fragment, to_pdf};
use gongkai_store::reports;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consolidated-report", get(show_consolidated))
        .route("/consolidated-report/download", get(download_consolidated))
}

/// The request, as typed.
#[derive(Debug, Default)]
struct Choice {
    year: String,
    name: String,
    format: String,
    bodies: Vec<i64>,
    /// A `body` value that is no number.
    bad_body: bool,
}

impl Choice {
    fn parse(raw: Option<&str>) -> Choice {
        let mut c = Choice::default();
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match k.as_ref() {
                "year" => c.year = v.trim().to_string(),
                "name" => c.name = v.trim().chars().take(100).collect(),
                "format" => c.format = v.trim().to_string(),
                "body" => match v.trim().parse::<i64>() {
                    Ok(id) if !c.bodies.contains(&id) => c.bodies.push(id),
                    Ok(_) => {}
                    Err(_) => c.bad_body = true,
                },
                _ => {}
            }
        }
        c
    }

    fn asked(&self) -> bool {
        !self.year.is_empty() || !self.name.is_empty() || !self.bodies.is_empty()
    }

    /// The query string of this choice (for the download links).
    fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("year", &self.year);
        q.append_pair("name", &self.name);
        for b in &self.bodies {
            q.append_pair("body", &b.to_string());
        }
        q.finish()
    }
}

/// One top-level body to choose.
struct Body {
    id: i64,
    name: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "admin/consolidated.html")]
struct ConsolidatedPage {
    layout: Layout,
    year: String,
    name: String,
    bodies: Vec<Body>,
    error: Option<String>,
    /// The report's title and the report as an accessible HTML fragment (already escaped by
    /// the renderer).
    title: String,
    report: Option<String>,
    problems: Vec<String>,
    query: String,
}

async fn bodies(state: &AppState, chosen: &[i64]) -> AppResult<Vec<Body>> {
    Ok(gongkai_store::orgs::list(&state.db)
        .await?
        .into_iter()
        .filter(|o| o.parent_id.is_none())
        .map(|o| Body {
            chosen: chosen.contains(&o.id),
            id: o.id,
            name: o.full_name,
        })
        .collect())
}

/// Checks the choice and assembles the report; errors are the Chinese message for the form.
async fn assemble(state: &AppState, c: &Choice) -> AppResult<Result<reports::Assembled, String>> {
    if c.bad_body {
        return Ok(Err("所选的机关无效，请从列表中选择。".into()));
    }
    let Ok(year) = c.year.parse::<i32>() else {
        return Ok(Err("请填写四位数字的年度，例如 2019。".into()));
    };
    match reports::consolidated(&state.db, &c.name, &c.bodies, year).await {
        Ok(a) => Ok(Ok(a)),
        Err(gongkai_store::StoreError::Invalid(m)) => Ok(Err(m)),
        Err(gongkai_store::StoreError::NotFound(m)) => Ok(Err(m)),
        Err(e) => Err(e.into()),
    }
}

/// The form, and the report when one was asked for.
async fn show_consolidated(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    staff.require(Action::ConsolidateReports, None)?;
    let c = Choice::parse(raw.as_deref());
    let (mut error, mut report, mut problems) = (None, None, Vec::new());
    let mut title = String::new();
    if c.asked() {
        match assemble(&state, &c).await? {
            Ok(a) => {
                title = a.report.title();
                report = Some(to_html_fragment(&a.report.document()).map_err(AppError::internal)?);
                problems = a.hard().map(|f| f.message.clone()).collect();
            }
            Err(m) => error = Some(m),
        }
    }
    render(&ConsolidatedPage {
        layout: staff.layout("汇总年度报告"),
        year: c.year.clone(),
        name: c.name.clone(),
        bodies: bodies(&state, &c.bodies).await?,
        error,
        title,
        report,
        problems,
        query: c.query(),
    })
}

/// `report.json`, `report.docx` or `report.pdf` of the chosen report.
async fn download_consolidated(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    staff.require(Action::ConsolidateReports, None)?;
    let c = Choice::parse(raw.as_deref());
    let a = assemble(&state, &c).await?.map_err(AppError::bad_request)?;
    let doc = a.report.document();
    let (media, ext, bytes) = match c.format.as_str() {
        "json" => {
            let v = a.report.to_json(&a.findings);
            (
                "application/json",
                "json",
                serde_json::to_vec_pretty(&v).map_err(AppError::internal)?,
            )
        }
        "docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            to_docx(&doc).map_err(AppError::internal)?,
        ),
        "pdf" => {
            let fonts = crate::documents::fonts()?;
            let bytes = tokio::task::spawn_blocking(move || to_pdf(&doc, fonts))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?;
            ("application/pdf", "pdf", bytes)
        }
        _ => {
            return Err(AppError::bad_request("下载格式只能是 json、docx 或 pdf。"));
        }
    };
    let filename = format!("{}.{ext}", a.report.title());
    let mut res = crate::portal::item::public_file(
        bytes,
        media,
        Some(crate::portal::item::content_disposition(media, &filename)),
    );
    // A console download: never cached.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
