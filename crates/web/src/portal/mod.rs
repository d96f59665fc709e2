//! The public portal (product.md C6): the standard disclosure column with stable URLs that never
//! change once published. Works without JavaScript. Sections that later issues build say so
//! honestly instead of showing fake content. The catalog (`catalog`), item pages and attachment
//! downloads (`item`), and the feeds and sitemap (`feeds`) have their own modules.

mod apply;
pub mod catalog;
pub mod feeds;
pub mod item;
pub mod mailbox;
pub mod reader;
pub mod reports;
pub mod search;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::page::{Layout, PREFS_COOKIE, Prefs, render, see_other};
use crate::security::set_cookie;
use crate::session::PublicCtx;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(show_home))
        .route("/guide", get(show_guide))
        .route("/rules", get(show_rules))
        .route("/catalog", get(catalog::show_catalog))
        .route("/items/{id}", get(item::show_item))
        .route("/items/{id}/read", get(reader::show_reader))
        .route("/files/{id}/{filename}", get(item::show_file))
        .route("/reports", get(reports::list_reports))
        .route("/reports/{year}", get(reports::show_report))
        .route("/reports/{year}/{file}", get(reports::download_report))
        .route("/mailbox", get(mailbox::show_mailbox))
        .route(
            "/mailbox/write",
            get(mailbox::show_write).post(mailbox::submit_message),
        )
        .route(
            "/mailbox/query",
            get(mailbox::show_query).post(mailbox::post_query),
        )
        .route("/mailbox/rate", post(mailbox::post_rating))
        .route("/mailbox/qa", get(mailbox::list_qa))
        .route("/mailbox/qa.atom", get(mailbox::show_qa_feed))
        .route("/mailbox/qa/{id}", get(mailbox::show_qa))
        .route("/mailbox/stats", get(mailbox::show_stats))
        .route("/search", get(search::show_search))
        .route("/feeds/{feed}", get(feeds::show_feed))
        .route("/feeds/category/{feed}", get(feeds::show_category_feed))
        .route("/feeds/org/{feed}", get(feeds::show_org_feed))
        .route(
            "/feeds/syndication/{feed}",
            get(feeds::show_syndication_feed),
        )
        .route("/sitemap.xml", get(feeds::show_sitemap))
        .route("/prefs", get(set_prefs))
        .route("/site-logo", get(show_logo))
        .merge(apply::routes())
}

/// The disclosure column (REG §4.4), in the order the home page shows it.
pub const COLUMN: &[(&str, &str, &str)] = &[
    (
        "/guide",
        "政府信息公开指南",
        "公开的范围、方式、程序，受理机构及联系方式",
    ),
    (
        "/rules",
        "政府信息公开制度",
        "本机关政府信息公开工作的规章制度",
    ),
    (
        "/catalog",
        "法定主动公开内容",
        "按类别、机构、年份浏览主动公开的政府信息",
    ),
    (
        "/reports",
        "政府信息公开年报",
        "历年政府信息公开工作年度报告",
    ),
    (
        "/apply",
        "依申请公开",
        "在线提交政府信息公开申请，查询办理进度",
    ),
    (
        "/mailbox",
        "信箱与咨询",
        "理事长信箱、在线咨询、公众留言及公开答复",
    ),
];

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    layout: Layout,
    site_name: String,
    column: &'static [(&'static str, &'static str, &'static str)],
}

/// The home page: the disclosure column.
async fn show_home(ctx: PublicCtx) -> AppResult<Response> {
    let site_name = ctx.site.name();
    render(&HomePage {
        layout: ctx.layout("首页"),
        site_name,
        column: COLUMN,
    })
}

#[derive(Template)]
#[template(path = "portal/guide.html")]
struct GuidePage {
    layout: Layout,
    org: Option<gongkai_store::orgs::Org>,
    /// The guide with the Art. 12 fields, when the office has written one in the console.
    guide: Option<gongkai_store::guide::Guide>,
    paragraphs: Vec<String>,
    updated: String,
}

impl GuidePage {
    fn lines(&self, text: &str) -> Vec<String> {
        paragraphs(text)
    }
}

fn paragraphs(body: &str) -> Vec<String> {
    body.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// 政府信息公开指南 (条例 Art. 12 ¶2): the guide written in the console with every Art. 12
/// field; before one exists, the older free-text page and the office's contact details.
/// On a platform of several sites (issue #14) each site shows its body's guide.
async fn show_guide(State(state): State<AppState>, ctx: PublicCtx) -> AppResult<Response> {
    let org = ctx.site.view.root.clone();
    let guide = match &org {
        Some(o) => gongkai_store::guide::get(&state.db, o.id).await?,
        None => None,
    };
    let page = legacy_page(&state, &ctx, "guide").await?;
    let updated = match (&guide, &page) {
        (Some(g), _) => crate::page::cst(g.updated_at),
        (None, Some(p)) => crate::page::cst(p.updated_at),
        (None, None) => String::new(),
    };
    render(&GuidePage {
        layout: ctx.layout("政府信息公开指南"),
        org,
        paragraphs: page
            .as_ref()
            .map(|p| paragraphs(&p.body))
            .unwrap_or_default(),
        guide,
        updated,
    })
}

#[derive(Template)]
#[template(path = "portal/rules.html")]
struct RulesPage {
    layout: Layout,
    rules: Vec<gongkai_store::guide::RuleDocument>,
    paragraphs: Vec<String>,
    updated: String,
}

/// 政府信息公开制度: the rule documents managed in the console (and any older free text).
async fn show_rules(State(state): State<AppState>, ctx: PublicCtx) -> AppResult<Response> {
    let rules = match ctx.site.view.root_id() {
        Some(root) => gongkai_store::guide::rules(&state.db, root, true).await?,
        None => Vec::new(),
    };
    let page = legacy_page(&state, &ctx, "rules").await?;
    let updated = rules
        .iter()
        .map(|r| r.updated_at)
        .chain(page.as_ref().map(|p| p.updated_at))
        .max()
        .map(crate::page::cst)
        .unwrap_or_default();
    render(&RulesPage {
        layout: ctx.layout("政府信息公开制度"),
        rules,
        paragraphs: page
            .as_ref()
            .map(|p| paragraphs(&p.body))
            .unwrap_or_default(),
        updated,
    })
}

/// The older free-text page (`pages`) of the deployment's own body: only its default site
/// shows it.
async fn legacy_page(
    state: &AppState,
    ctx: &PublicCtx,
    key: &str,
) -> AppResult<Option<gongkai_store::pages::Page>> {
    if !ctx.site.view.is_default {
        return Ok(None);
    }
    Ok(gongkai_store::pages::get(&state.db, key).await?)
}

#[derive(Deserialize)]
struct PrefsQuery {
    /// `large` / `normal`
    text: Option<String>,
    /// `high` / `normal`
    contrast: Option<String>,
    /// `large` / `normal`
    cursor: Option<String>,
    back: Option<String>,
}

/// Switches a reading preference and returns to the page the reader came from. A plain GET link
/// or form, so it works without JavaScript; the choice is remembered for a year.
async fn set_prefs(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<PrefsQuery>,
) -> Response {
    let mut prefs = Prefs::from_headers(&headers);
    match q.text.as_deref() {
        Some("large") => prefs.large_text = true,
        Some("normal") => prefs.large_text = false,
        _ => {}
    }
    match q.contrast.as_deref() {
        Some("high") => prefs.high_contrast = true,
        Some("normal") => prefs.high_contrast = false,
        _ => {}
    }
    match q.cursor.as_deref() {
        Some("large") => prefs.large_cursor = true,
        Some("normal") => prefs.large_cursor = false,
        _ => {}
    }
    // Only local paths: never an open redirect.
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".to_string());
    let mut res = see_other(&back);
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        PREFS_COOKIE,
        &prefs.to_cookie(),
        Some(365 * 24 * 3600),
        state.config.secure_cookies,
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The logo of the request's site (issue #14): its content-addressed file, checked against its
/// digest; 404 when the site has none.
async fn show_logo(
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
) -> AppResult<Response> {
    let missing = || AppError::not_found("本站点没有设置标志图片。");
    let s = site.view.site.as_ref().ok_or_else(missing)?;
    let sha = s.logo_sha256.as_deref().ok_or_else(missing)?;
    let bytes = item::read_stored(&state, sha, missing).await?;
    Ok(item::public_file(bytes, &s.logo_media_type, None))
}

/// The portal's 404 page (also the fallback of the whole application).
pub async fn not_found() -> AppError {
    AppError::not_found("您访问的页面不存在，可能已被移动或网址有误。请从首页重新进入。")
}
