//! 政府信息公开年报 (issue #9; REG §2.7): the published annual reports as accessible HTML with
//! real tables (every data cell names its row and column headers), with PDF, DOCX and JSON
//! downloads. Only *published* reports are reachable, and always with the figures frozen at
//! their lock date; a report in any other state answers exactly like a year without one (404).
//!
//! URLs: `/reports/{year}` is the report of the site's body (its own level; on a deployment of
//! one body, the root of the organisation tree); another organisation's, or a rollup, adds
//! `?org=CODE` and `&scope=all`. A site lists and serves only reports of its own organisations
//! (issue #14): another site's answers like a year without one.
//! Downloads: `/reports/{year}/report.pdf|docx|json` with the same query.
//!
//! The PDF is typeset once per published version (about a second of CPU each) and kept in this
//! instance's [`PdfCache`], keyed by the report's id and version stamp (`updated_at`,
//! `published_at`): any change of the row — a republication included — makes a new stamp, so
//! the next request typesets the new version and replaces the old one. The cache is only a
//! cache (every instance can rebuild it from the database), so it does not break the rule that
//! no instance holds state another one needs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use gongkai_documents::{to_docx, to_html_fragment, to_pdf};
use gongkai_store::reports::{self, Status};
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Path, Query};
use crate::page::{Layout, render};
use crate::session::PublicCtx;

/// A report's version stamp: (`updated_at`, `published_at`).
type Stamp = (i64, i64);

/// Typeset PDFs of published reports: per report id, the latest version's stamp and bytes.
#[derive(Debug, Default)]
pub struct PdfCache {
    entries: Mutex<HashMap<i64, (Stamp, Bytes)>>,
    renders: AtomicU64,
}

impl PdfCache {
    /// How many PDFs this cache had typeset (observable by tests and logs).
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    fn get(&self, id: i64, stamp: Stamp) -> Option<Bytes> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&id)
            .filter(|(s, _)| *s == stamp)
            .map(|(_, b)| b.clone())
    }

    fn put(&self, id: i64, stamp: Stamp, bytes: Bytes) {
        self.renders.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut entries) = self.entries.lock() {
            // One version per report: a new stamp replaces (invalidates) the old PDF.
            entries.insert(id, (stamp, bytes));
        }
    }
}

/// Which report of a year.
#[derive(Debug, Default, Deserialize)]
pub struct Which {
    /// Organisation code (default: the root body).
    #[serde(default)]
    org: Option<String>,
    /// `all` for the rollup over the organisation's subtree.
    #[serde(default)]
    scope: Option<String>,
}

/// One line of the list.
struct Entry {
    title: String,
    year: i64,
    href: String,
    published: String,
}

#[derive(Template)]
#[template(path = "portal/reports.html")]
struct ListPage {
    layout: Layout,
    entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "portal/report.html")]
struct ReportPage {
    layout: Layout,
    body: String,
    /// Query string of the downloads ("" or "?org=…").
    query: String,
    year: i32,
    locked_on: String,
    published: String,
}

fn query_of(code: &str, is_root: bool, rollup: bool) -> String {
    match (is_root, rollup) {
        (true, false) => String::new(),
        (_, false) => format!("?org={code}"),
        (_, true) => format!("?org={code}&scope=all"),
    }
}

/// 政府信息公开年报: every published report, newest year first.
pub async fn list_reports(State(state): State<AppState>, ctx: PublicCtx) -> AppResult<Response> {
    let root = ctx.site.view.root_id();
    let orgs = gongkai_store::orgs::list(&state.db).await?;
    let mut entries = Vec::new();
    for r in reports::published(&state.db, ctx.scope()).await? {
        let Some(org) = orgs.iter().find(|o| o.id == r.org_id) else {
            continue;
        };
        let is_root = root == Some(org.id);
        let scope = if r.rollup {
            "（含所属单位）"
        } else {
            ""
        };
        entries.push(Entry {
            title: format!(
                "{}{scope}{}年政府信息公开工作年度报告",
                org.full_name, r.year
            ),
            year: r.year,
            href: format!(
                "/reports/{}{}",
                r.year,
                query_of(&org.code, is_root, r.rollup)
            ),
            published: r.published_at.map(crate::page::cst).unwrap_or_default(),
        });
    }
    render(&ListPage {
        layout: ctx.layout("政府信息公开年报"),
        entries,
    })
}

fn not_published(year: i32) -> AppError {
    AppError::not_found(format!(
        "{year}年度政府信息公开工作年度报告尚未在本系统发布。"
    ))
}

fn parse_year(s: &str) -> AppResult<i32> {
    match s.parse::<i32>() {
        Ok(y) if (reports::FIRST_YEAR..=2100).contains(&y) => Ok(y),
        _ => Err(AppError::not_found(
            "年份格式不正确，请使用四位数字年份，如 /reports/2019。",
        )),
    }
}

/// The published report of `year` chosen by `which`, assembled from its frozen figures.
async fn published(
    state: &AppState,
    site: &crate::site::SiteCtx,
    year: i32,
    which: &Which,
) -> AppResult<(reports::Report, reports::Assembled, String)> {
    let org = match which.org.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => gongkai_store::orgs::by_code(&state.db, code).await?,
        None => site.view.root.clone(),
    }
    .filter(|o| site.scope().contains(o.id))
    .ok_or_else(|| not_published(year))?;
    let rollup = match which.scope.as_deref() {
        None | Some("") => false,
        Some("all") => true,
        Some(_) => return Err(not_published(year)),
    };
    let r = reports::find(&state.db, org.id, year, rollup)
        .await?
        .filter(|r| r.status() == Status::Published && r.is_locked())
        .ok_or_else(|| not_published(year))?;
    let a = reports::assemble(&state.db, &r).await?;
    let query = query_of(&org.code, site.view.root_id() == Some(org.id), rollup);
    Ok((r, a, query))
}

/// One year's report as an accessible page.
pub async fn show_report(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Path(year): Path<String>,
    Query(which): Query<Which>,
) -> AppResult<Response> {
    let year = parse_year(&year)?;
    let (r, a, query) = published(&state, &ctx.site, year, &which).await?;
    let doc = a.report.document();
    let body = to_html_fragment(&doc).map_err(AppError::internal)?;
    render(&ReportPage {
        layout: ctx.layout(&doc.title),
        body,
        query,
        year,
        locked_on: r.locked_on.clone().unwrap_or_default(),
        published: r.published_at.map(crate::page::cst).unwrap_or_default(),
    })
}

/// A download of one year's report: `report.pdf`, `report.docx` or `report.json`.
pub async fn download_report(
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
    Path((year, file)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> AppResult<Response> {
    let year = parse_year(&year)?;
    let (media, ext) = match file.as_str() {
        "report.pdf" => ("application/pdf", "pdf"),
        "report.docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        "report.json" => ("application/json", "json"),
        _ => return Err(AppError::not_found("您访问的页面不存在。")),
    };
    let (r, a, _) = published(&state, &site, year, &which).await?;
    let doc = a.report.document();
    let bytes = match ext {
        "pdf" => {
            let stamp = (r.updated_at, r.published_at.unwrap_or_default());
            match state.report_pdfs.get(r.id, stamp) {
                Some(b) => b,
                None => {
                    let fonts = crate::documents::fonts()?;
                    // Typesetting is CPU work: keep it off the async workers.
                    let b = tokio::task::spawn_blocking(move || to_pdf(&doc, fonts))
                        .await
                        .map_err(AppError::internal)?
                        .map_err(AppError::internal)?;
                    let b = Bytes::from(b);
                    state.report_pdfs.put(r.id, stamp, b.clone());
                    b
                }
            }
        }
        "docx" => Bytes::from(to_docx(&doc).map_err(AppError::internal)?),
        _ => {
            let mut v = a.report.to_json(&a.findings);
            if let serde_json::Value::Object(m) = &mut v {
                m.insert("facts".into(), serde_json::json!(a.facts));
            }
            Bytes::from(serde_json::to_vec_pretty(&v).map_err(AppError::internal)?)
        }
    };
    let filename = format!("{}.{ext}", a.report.title());
    Ok(crate::portal::item::public_file(
        bytes,
        media,
        Some(crate::portal::item::content_disposition(media, &filename)),
    ))
}
