//! Atom feeds (RFC 4287) of the published items — all, per 公开目录 category, per organisation —
//! and the sitemap (sitemaps.org protocol) listing the public sections and every public item.
//!
//! **Rule.** Entries come only from `gongkai_store::items::catalog::catalog`, whose
//! `PUBLIC_CONDITION` keeps drafts, scheduled-not-yet-due and withdrawn items out, and which
//! takes the request's site scope (issue #14): a site's feeds and sitemap list its items only.
//! Every URL is absolute (`SiteCtx::origin`, the site's prefix included), as both formats
//! require.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Path;
use crate::portal::catalog::Vocab;
use crate::site::{CurrentSite, SiteCtx};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use gongkai_store::items::catalog::{self, CatalogEntry, CatalogFilter, Sort};

/// Entries per feed (the newest).
pub const FEED_ENTRIES: i64 = 50;
/// The sitemap protocol's limit of URLs in one file.
const SITEMAP_MAX: usize = 50_000;

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// RFC 3339 UTC time of a millisecond timestamp.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

const NO_FEED: &str = "订阅源不存在。可用的订阅源：/feeds/all.atom、/feeds/category/<公开目录代码>.atom、/feeds/org/<机构代码>.atom";

fn strip_atom(name: &str) -> AppResult<&str> {
    name.strip_suffix(".atom")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| AppError::not_found("订阅源不存在，请使用以 .atom 结尾的地址。"))
}

/// `/feeds/{feed}`: only `all.atom`.
pub async fn show_feed(
    State(state): State<AppState>,
    CurrentSite(site): CurrentSite,
    headers: HeaderMap,
    Path(feed): Path<String>,
) -> AppResult<Response> {
    if strip_atom(&feed)? != "all" {
        return Err(AppError::not_found(NO_FEED));
    }
    feed_response(
        &state,
        &site,
        &headers,
        &format!("/feeds/{feed}"),
        "全部主动公开信息",
        "/catalog",
        CatalogFilter::default(),
    )
    .await
}

/// `/feeds/category/{code}.atom`.
pub async fn show_category_feed(
    State(state): State<AppState>,
    CurrentSite(site): CurrentSite,
    headers: HeaderMap,
    Path(feed): Path<String>,
) -> AppResult<Response> {
    let code = strip_atom(&feed)?;
    let vocab = Vocab::load(&state.db, &site).await?;
    let entry = vocab
        .catalog
        .iter()
        .find(|e| e.code == code)
        .ok_or_else(|| AppError::not_found(NO_FEED))?;
    let alternate = crate::portal::catalog::Filters {
        category: entry.code.clone(),
        ..Default::default()
    }
    .url(1);
    feed_response(
        &state,
        &site,
        &headers,
        &format!("/feeds/category/{}.atom", entry.code),
        &format!("主动公开：{}", entry.label),
        &alternate,
        CatalogFilter {
            catalog_code: Some(entry.code.clone()),
            ..Default::default()
        },
    )
    .await
}

/// `/feeds/org/{code}.atom` (the organisation and everything under it).
pub async fn show_org_feed(
    State(state): State<AppState>,
    CurrentSite(site): CurrentSite,
    headers: HeaderMap,
    Path(feed): Path<String>,
) -> AppResult<Response> {
    let code = strip_atom(&feed)?;
    // An organisation of another site has no feed here (issue #14).
    let org = gongkai_store::orgs::by_code(&state.db, code)
        .await?
        .filter(|o| site.scope().contains(o.id))
        .ok_or_else(|| AppError::not_found(NO_FEED))?;
    let alternate = crate::portal::catalog::Filters {
        org: org.code.clone(),
        ..Default::default()
    }
    .url(1);
    feed_response(
        &state,
        &site,
        &headers,
        &format!("/feeds/org/{}.atom", org.code),
        &format!("{}主动公开信息", org.full_name),
        &alternate,
        CatalogFilter {
            org_id: Some(org.id),
            ..Default::default()
        },
    )
    .await
}

/// `/feeds/syndication/{code}.atom`: the public items submitted to one upward syndication
/// target (C4), so the higher-level site can harvest them.
pub async fn show_syndication_feed(
    State(state): State<AppState>,
    CurrentSite(site): CurrentSite,
    headers: HeaderMap,
    Path(feed): Path<String>,
) -> AppResult<Response> {
    let code = strip_atom(&feed)?;
    let target = gongkai_store::syndication::target_by_code(&state.db, code)
        .await?
        .ok_or_else(|| AppError::not_found("报送目标的订阅源不存在"))?;
    let entries =
        gongkai_store::syndication::feed_items(&state.db, site.scope(), target.id, FEED_ENTRIES)
            .await?;
    let base = site.origin(&state, &headers);
    let body = atom(
        &site.name(),
        &base,
        &format!("/feeds/syndication/{}.atom", target.code),
        &format!("报送{}的信息", target.name),
        "/catalog",
        &entries,
        gongkai_store::now_ms(),
    );
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

/// Builds one Atom document. `self_path` and `alternate` are absolute paths on this site.
pub fn atom(
    site: &str,
    base: &str,
    self_path: &str,
    title: &str,
    alternate: &str,
    entries: &[CatalogEntry],
    now_ms: i64,
) -> String {
    let site = xml_escape(site);
    let title = xml_escape(title);
    let self_href = xml_escape(&format!("{base}{self_path}"));
    let alt_href = xml_escape(&format!("{base}{alternate}"));
    // The feed changed when its newest entry appeared; an empty feed says "now".
    let updated = rfc3339(
        entries
            .iter()
            .map(|e| e.published_at)
            .max()
            .unwrap_or(now_ms),
    );
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n  <title>{site} — {title}</title>\n  <id>{self_href}</id>\n  <updated>{updated}</updated>\n  <author><name>{site}</name></author>\n  <link rel=\"self\" href=\"{self_href}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{alt_href}\"/>\n"
    );
    for e in entries {
        let href = xml_escape(&format!("{base}/items/{}", e.id));
        let summary = if e.summary.trim().is_empty() {
            &e.title
        } else {
            &e.summary
        };
        body.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{href}\"/>\n    <id>{href}</id>\n    <published>{ts}</published>\n    <updated>{ts}</updated>\n    <author><name>{}</name></author>\n    <summary>{}</summary>\n  </entry>\n",
            xml_escape(&e.title),
            xml_escape(&e.publisher_name),
            xml_escape(summary),
            ts = rfc3339(e.published_at),
        ));
    }
    body.push_str("</feed>\n");
    body
}

async fn feed_response(
    state: &AppState,
    site: &SiteCtx,
    headers: &HeaderMap,
    self_path: &str,
    title: &str,
    alternate: &str,
    mut filter: CatalogFilter,
) -> AppResult<Response> {
    filter.sort = Sort::NewestFirst;
    filter.page = 1;
    filter.per_page = FEED_ENTRIES;
    let entries = catalog::catalog(&state.db, site.scope(), &filter)
        .await?
        .entries;
    let base = site.origin(state, headers);
    let body = atom(
        &site.name(),
        &base,
        self_path,
        title,
        alternate,
        &entries,
        gongkai_store::now_ms(),
    );
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

/// The public sections (stable URLs of issue #2).
const SECTIONS: &[&str] = &[
    "/", "/guide", "/rules", "/catalog", "/reports", "/apply", "/mailbox", "/search",
];

/// The sitemap: the sections, then every public item (newest first) with its 发布日期.
pub async fn show_sitemap(
    State(state): State<AppState>,
    CurrentSite(site): CurrentSite,
    headers: HeaderMap,
) -> AppResult<Response> {
    let base = xml_escape(&site.origin(&state, &headers));
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in SECTIONS {
        body.push_str(&format!("  <url><loc>{base}{path}</loc></url>\n"));
    }
    let mut listed = SECTIONS.len();
    let mut page = 1;
    'pages: loop {
        let got = catalog::catalog(
            &state.db,
            site.scope(),
            &CatalogFilter {
                page,
                per_page: 100,
                ..Default::default()
            },
        )
        .await?;
        if got.entries.is_empty() {
            break;
        }
        for e in &got.entries {
            if listed >= SITEMAP_MAX {
                break 'pages;
            }
            body.push_str(&format!(
                "  <url><loc>{base}/items/{}</loc><lastmod>{}</lastmod></url>\n",
                e.id,
                xml_escape(&e.published_on)
            ));
            listed += 1;
        }
        if page * got.per_page >= got.total {
            break;
        }
        page += 1;
    }
    body.push_str("</urlset>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response())
}
