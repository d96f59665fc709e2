//! 站内搜索 (issue #8; REG §1.4 Art. 24 检索、查阅、下载): one box, the catalog's filters plus
//! the document kind, relevance or date order, highlighted snippets, pagination and advice when
//! nothing is found. A plain GET form: works without JavaScript.
//!
//! **Rule.** The public audience is built into the query (`gongkai_search::Audience::Public`):
//! only public documents whose publication time has come can match, so withdrawn, scheduled
//! and draft items never appear, not even in the count. The site's organisations (issue #14)
//! are a clause of the same query (`Request::orgs`), so another site's documents never match.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::page::{Layout, render};
use crate::portal::catalog::{self, CatalogQuery, Opt, PageLink, Vocab, page_window};
use crate::session::PublicCtx;
use crate::site::SiteCtx;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;
use gongkai_core::items::Validity;
use gongkai_search::{Audience, Hit, Request, Sort, Unavailable, doc};
use serde::Deserialize;

/// Results per page.
pub const PER_PAGE: usize = 10;
/// Longest query kept (characters).
pub const MAX_QUERY: usize = 100;
/// Deepest page offered (relevance beyond it is noise, and deep paging is costly).
pub const MAX_PAGE: i64 = 100;

/// The raw query string (all text, so that each wrong value gets its own Chinese message).
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub org: Option<String>,
    pub year: Option<String>,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub validity: Option<String>,
    /// `relevance` (default) or `date`.
    pub sort: Option<String>,
    pub page: Option<String>,
}

/// A validated search: the index request and the codes the links carry.
pub struct Parsed {
    pub request: Request,
    pub q: String,
    pub kind: String,
    pub filters: catalog::Filters,
    pub by_date: bool,
    pub page: i64,
}

impl Parsed {
    /// The search URL of this query at `page`, optionally in the other order.
    pub fn url(&self, page: i64, by_date: bool) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &self.q);
        let f = &self.filters;
        for (k, v) in [
            ("kind", &self.kind),
            ("category", &f.category),
            ("org", &f.org),
            ("year", &f.year),
            ("topic", &f.topic),
            ("genre", &f.genre),
            ("validity", &f.validity),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if by_date {
            s.append_pair("sort", "date");
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        format!("/search?{}", s.finish())
    }
}

/// Validates the query string (the catalog's rules for the shared filters). Errors are Chinese
/// 400s.
pub async fn parse(
    state: &AppState,
    site: &SiteCtx,
    q: &SearchQuery,
    vocab: &Vocab,
) -> AppResult<Parsed> {
    let orgs = catalog::site_orgs(&state.db, site).await?;
    let this_year = gongkai_store::deadlines::today().year();
    let (filter, filters) = catalog::parse(
        &CatalogQuery {
            category: q.category.clone(),
            org: q.org.clone(),
            year: q.year.clone(),
            topic: q.topic.clone(),
            genre: q.genre.clone(),
            validity: q.validity.clone(),
            sort: None,
            page: None,
        },
        vocab,
        &orgs,
        this_year,
    )?;
    let kind = match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => String::new(),
        Some(k) if doc::KINDS.iter().any(|(c, _)| *c == k) => k.to_string(),
        Some(_) => {
            return Err(AppError::bad_request(
                "所选的信息类型不存在，请从搜索页面的选项中选择。",
            ));
        }
    };
    let by_date = match q.sort.as_deref().map(str::trim) {
        None | Some("") | Some("relevance") => false,
        Some("date") => true,
        Some(_) => {
            return Err(AppError::bad_request(
                "排序方式只能是“按相关度”（relevance）或“按日期”（date）。",
            ));
        }
    };
    let page = match q.page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=MAX_PAGE).contains(p))
            .ok_or_else(|| {
                AppError::bad_request(format!("页码无效，请填写 1 至 {MAX_PAGE} 之间的整数页码。"))
            })?,
    };
    // The chosen publisher's subtree (inside the site: `orgs` holds the site's only), else the
    // site's organisations.
    let orgs = match filter.org_id {
        Some(id) => Some(
            site.scope()
                .narrow(&gongkai_store::items::catalog::expand_scopes(&state.db, &[id]).await?),
        ),
        None => site.scope().org_ids().map(<[i64]>::to_vec),
    };
    // Published text never holds a full identity number (the scanner gate masks them), so a
    // search for one can find nothing; it is masked before it is searched or echoed (issue #13).
    let text: String = gongkai_core::mask::redact_id_numbers(q.q.trim())
        .chars()
        .take(MAX_QUERY)
        .collect();
    let offset = usize::try_from(page - 1).unwrap_or(0) * PER_PAGE;
    Ok(Parsed {
        request: Request {
            q: text.clone(),
            kind: (!kind.is_empty()).then(|| kind.clone()),
            category: filter.catalog_code,
            orgs,
            year: filter.year.map(i64::from),
            topic: filter.topic_code,
            genre: filter.genre_code,
            validity: filter.validity,
            sort: if by_date {
                Sort::Newest
            } else {
                Sort::Relevance
            },
            offset,
            limit: PER_PAGE,
        },
        q: text,
        kind,
        filters,
        by_date,
        page,
    })
}

/// One result as the page shows it.
pub struct ResultRow {
    pub title_parts: Vec<(String, bool)>,
    pub snippet: Vec<(String, bool)>,
    pub url: String,
    pub kind: &'static str,
    pub date: String,
    pub reference: String,
    pub publisher: String,
    pub validity: String,
}

impl ResultRow {
    fn of(h: Hit) -> ResultRow {
        ResultRow {
            kind: doc::kind_label(&h.kind),
            validity: Validity::from_code(&h.validity)
                .map(|v| v.label().to_string())
                .unwrap_or_default(),
            title_parts: h.title_parts,
            snippet: h.snippet,
            url: h.url,
            date: h.date,
            reference: h.reference,
            publisher: h.publisher,
        }
    }
}

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    unavailable: Option<String>,
    kinds: Vec<Opt>,
    categories: Vec<Opt>,
    orgs: Vec<Opt>,
    years: Vec<Opt>,
    topics: Vec<Opt>,
    genres: Vec<Opt>,
    validities: Vec<Opt>,
    by_date: bool,
    relevance_href: String,
    date_href: String,
    filtered: bool,
    clear_href: String,
    rows: Vec<ResultRow>,
    total: usize,
    /// False when `total` is an estimate (more matches than the search counts exactly).
    exact: bool,
    page: i64,
    pages: i64,
    first: usize,
    last: usize,
    prev: Option<String>,
    next: Option<String>,
    page_links: Vec<PageLink>,
}

fn opts(list: &[gongkai_store::items::registers::VocabEntry], selected: &str) -> Vec<Opt> {
    list.iter()
        .filter(|e| e.active || e.code == selected)
        .map(|e| Opt {
            value: e.code.clone(),
            label: e.label.clone(),
            selected: e.code == selected,
        })
        .collect()
}

/// The search page.
pub async fn show_search(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Query(query): Query<SearchQuery>,
) -> AppResult<Response> {
    let vocab = Vocab::load(&state.db, &ctx.site).await?;
    let parsed = parse(&state, &ctx.site, &query, &vocab).await?;
    let searched = !gongkai_search::index::parts(&parsed.q).is_empty();
    let mut unavailable = None;
    let mut results = gongkai_search::Results::default();
    if searched {
        match &state.search {
            Some(search) => {
                let audience = Audience::Public {
                    now_ms: gongkai_store::now_ms(),
                };
                match search.search(&parsed.request, &audience) {
                    Ok(r) => results = r,
                    Err(e @ Unavailable::Rebuilding { .. }) => {
                        unavailable = Some(format!("正在重建索引。{e}"));
                    }
                    Err(e) => unavailable = Some(e.to_string()),
                }
            }
            None => unavailable = Some("本站未启用全文检索。".into()),
        }
    }
    let per = PER_PAGE as i64;
    let total = results.total;
    let pages = i64::try_from(total).unwrap_or(0).saturating_add(per - 1) / per;
    let pages = pages.min(MAX_PAGE);
    let page = parsed.page;
    let first = usize::try_from(page - 1).unwrap_or(0) * PER_PAGE + 1;
    let rows: Vec<ResultRow> = results.hits.into_iter().map(ResultRow::of).collect();
    let last = first + rows.len().saturating_sub(1);
    let orgs = catalog::site_orgs(&state.db, &ctx.site).await?;
    let this_year = gongkai_store::deadlines::today().year().max(2008);
    let f = &parsed.filters;
    let title = if searched {
        format!("搜索“{}”", parsed.q)
    } else {
        "站内搜索".to_string()
    };
    render(&SearchPage {
        layout: ctx.layout(&title),
        q: parsed.q.clone(),
        searched,
        unavailable,
        kinds: doc::KINDS
            .iter()
            .filter(|(c, _)| !doc::STAFF_ONLY.contains(c))
            .map(|(c, l)| Opt {
                value: (*c).to_string(),
                label: (*l).to_string(),
                selected: *c == parsed.kind,
            })
            .collect(),
        categories: opts(&vocab.catalog, &f.category),
        orgs: orgs
            .iter()
            .map(|o| Opt {
                value: o.code.clone(),
                label: o.full_name.clone(),
                selected: o.code == f.org,
            })
            .collect(),
        years: (2008..=this_year)
            .rev()
            .map(|y| Opt {
                value: y.to_string(),
                label: format!("{y}年"),
                selected: y.to_string() == f.year,
            })
            .collect(),
        topics: opts(&vocab.topic, &f.topic),
        genres: opts(&vocab.genre, &f.genre),
        validities: Validity::ALL
            .iter()
            .map(|v| Opt {
                value: v.code().to_string(),
                label: v.label().to_string(),
                selected: v.code() == f.validity,
            })
            .collect(),
        by_date: parsed.by_date,
        relevance_href: parsed.url(1, false),
        date_href: parsed.url(1, true),
        filtered: f.any() || !parsed.kind.is_empty(),
        clear_href: format!(
            "/search?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("q", &parsed.q)
                .finish()
        ),
        total,
        exact: results.exact,
        page,
        pages,
        first,
        last,
        prev: (page > 1 && page <= pages).then(|| parsed.url(page - 1, parsed.by_date)),
        next: (page < pages).then(|| parsed.url(page + 1, parsed.by_date)),
        page_links: page_window(page, pages)
            .into_iter()
            .map(|n| PageLink {
                number: n,
                href: parsed.url(n, parsed.by_date),
                current: n == page,
            })
            .collect(),
        rows,
    })
}
