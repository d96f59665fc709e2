//! 法定主动公开内容: the public catalog (REG §4.4; 条例 Arts. 20, 21 and 24 — 检索、查阅).
//!
//! **Rule.** Only what `gongkai_store::items::catalog::catalog` returns is listed: that query
//! carries `PUBLIC_CONDITION`, so drafts, unapproved, scheduled-not-yet-due and withdrawn items
//! can never appear here. Filters come from the query string of a plain GET form (works without
//! JavaScript); a value that names no category, organisation, year, topic, genre or validity is a
//! Chinese 400 page, never a 500 and never silently ignored.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::page::{Layout, render};
use crate::session::PublicCtx;
use crate::site::SiteCtx;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;
use gongkai_core::items::{Validity, VocabKind};
use gongkai_store::items::catalog::{self, CatalogFilter, Sort};
use gongkai_store::items::registers::{self, VocabEntry};
use serde::Deserialize;

/// Rows per catalog page.
pub const PER_PAGE: i64 = 20;
/// The first year the 条例 was in force (2008-05-01); earlier years cannot hold items.
const FIRST_YEAR: i32 = 2008;

/// The raw query string. Everything is text so that a wrong value gets its own Chinese message.
#[derive(Debug, Default, Deserialize)]
pub struct CatalogQuery {
    /// 公开目录 code.
    pub category: Option<String>,
    /// Organisation code (its whole subtree).
    pub org: Option<String>,
    pub year: Option<String>,
    /// 主题分类 code.
    pub topic: Option<String>,
    /// 体裁分类 code.
    pub genre: Option<String>,
    /// A `Validity` code.
    pub validity: Option<String>,
    /// `newest` (default) or `oldest`.
    pub sort: Option<String>,
    pub page: Option<String>,
}

/// The validated filters, as codes (what the links and the form carry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub category: String,
    pub org: String,
    pub year: String,
    pub topic: String,
    pub genre: String,
    pub validity: String,
    pub oldest_first: bool,
}

impl Filters {
    /// The catalog URL of these filters at `page` (page 1 and defaults are left out).
    pub fn url(&self, page: i64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("category", &self.category),
            ("org", &self.org),
            ("year", &self.year),
            ("topic", &self.topic),
            ("genre", &self.genre),
            ("validity", &self.validity),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        if self.oldest_first {
            q.append_pair("sort", "oldest");
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        let q = q.finish();
        if q.is_empty() {
            "/catalog".to_string()
        } else {
            format!("/catalog?{q}")
        }
    }

    /// The same filters in another category (navigation links; back to page 1).
    pub fn with_category(&self, code: &str) -> String {
        Filters {
            category: code.to_string(),
            ..self.clone()
        }
        .url(1)
    }

    /// The same filters in the other sort order (back to page 1).
    pub fn with_sort(&self, oldest_first: bool) -> String {
        Filters {
            oldest_first,
            ..self.clone()
        }
        .url(1)
    }

    pub fn any(&self) -> bool {
        !(self.category.is_empty()
            && self.org.is_empty()
            && self.year.is_empty()
            && self.topic.is_empty()
            && self.genre.is_empty()
            && self.validity.is_empty())
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn vocab_code(list: &[VocabEntry], v: &Option<String>, what: &str) -> AppResult<Option<String>> {
    match given(v) {
        None => Ok(None),
        Some(code) if list.iter().any(|e| e.code == code) => Ok(Some(code.to_string())),
        Some(_) => Err(AppError::bad_request(format!(
            "{what}不存在，请从“法定主动公开内容”页面的选项中选择。"
        ))),
    }
}

/// Validates the query string against the vocabularies and organisations; the result is the
/// store filter and the codes for links. Errors are Chinese 400s.
pub fn parse(
    q: &CatalogQuery,
    vocab: &Vocab,
    orgs: &[gongkai_store::orgs::Org],
    this_year: i32,
) -> AppResult<(CatalogFilter, Filters)> {
    let mut f = CatalogFilter {
        per_page: PER_PAGE,
        page: 1,
        ..Default::default()
    };
    let mut shown = Filters::default();
    if let Some(c) = vocab_code(&vocab.catalog, &q.category, "所选的公开目录类别")? {
        shown.category.clone_from(&c);
        f.catalog_code = Some(c);
    }
    if let Some(c) = vocab_code(&vocab.topic, &q.topic, "所选的主题分类")? {
        shown.topic.clone_from(&c);
        f.topic_code = Some(c);
    }
    if let Some(c) = vocab_code(&vocab.genre, &q.genre, "所选的体裁分类")? {
        shown.genre.clone_from(&c);
        f.genre_code = Some(c);
    }
    if let Some(code) = given(&q.org) {
        let org = orgs
            .iter()
            .find(|o| o.code == code)
            .ok_or_else(|| AppError::bad_request("所选的发布机构不存在，请从页面的选项中选择。"))?;
        shown.org = org.code.clone();
        f.org_id = Some(org.id);
    }
    if let Some(y) = given(&q.year) {
        let year = y
            .parse::<i32>()
            .ok()
            .filter(|y| (FIRST_YEAR..=this_year + 1).contains(y))
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "年份“{}”无效，请填写 {FIRST_YEAR} 至 {this_year} 之间的四位年份。",
                    y.chars().take(20).collect::<String>()
                ))
            })?;
        shown.year = year.to_string();
        f.year = Some(year);
    }
    if let Some(v) = given(&q.validity) {
        let v = Validity::from_code(v).ok_or_else(|| {
            AppError::bad_request("有效性只能是“有效”“失效”或“废止”，请从页面的选项中选择。")
        })?;
        shown.validity = v.code().to_string();
        f.validity = Some(v.code().to_string());
    }
    match given(&q.sort) {
        None | Some("newest") => {}
        Some("oldest") => {
            shown.oldest_first = true;
            f.sort = Sort::OldestFirst;
        }
        Some(_) => {
            return Err(AppError::bad_request(
                "排序方式只能是“最新发布在前”（newest）或“最早发布在前”（oldest）。",
            ));
        }
    }
    if let Some(p) = given(&q.page) {
        f.page = p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .ok_or_else(|| AppError::bad_request("页码无效，请填写从 1 开始的整数页码。"))?;
    }
    Ok((f, shown))
}

/// The three vocabularies (inactive entries included: older items may still carry them).
pub struct Vocab {
    pub catalog: Vec<VocabEntry>,
    pub topic: Vec<VocabEntry>,
    pub genre: Vec<VocabEntry>,
}

impl Vocab {
    /// The vocabularies as the site shows them (its overrides applied, issue #14).
    pub async fn load(db: &gongkai_store::Db, site: &SiteCtx) -> AppResult<Vocab> {
        let own = site.view.vocab();
        let (c, t, g) = (VocabKind::Catalog, VocabKind::Topic, VocabKind::Genre);
        Ok(Vocab {
            catalog: own.apply(c, registers::vocab_list(db, c, false).await?),
            topic: own.apply(t, registers::vocab_list(db, t, false).await?),
            genre: own.apply(g, registers::vocab_list(db, g, false).await?),
        })
    }

    /// The label of a code, or the code itself when the vocabulary has no such entry.
    pub fn label(list: &[VocabEntry], code: &str) -> String {
        list.iter()
            .find(|e| e.code == code)
            .map(|e| e.label.clone())
            .unwrap_or_else(|| code.to_string())
    }
}

/// One `<option>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A group of category links (Art. 20 items, Art. 21 matters, local categories).
pub struct NavGroup {
    pub label: String,
    /// (href, label, current)
    pub links: Vec<(String, String, bool)>,
}

/// One result row.
pub struct Row {
    pub id: i64,
    pub index_no: String,
    pub title: String,
    pub publisher: String,
    pub published_on: String,
    pub validity: String,
}

/// One pagination link.
pub struct PageLink {
    pub number: i64,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "portal/catalog.html")]
struct CatalogPage {
    layout: Layout,
    nav: Vec<NavGroup>,
    all_href: String,
    all_current: bool,
    orgs: Vec<Opt>,
    years: Vec<Opt>,
    topics: Vec<Opt>,
    genres: Vec<Opt>,
    validities: Vec<Opt>,
    categories: Vec<Opt>,
    category: String,
    oldest_first: bool,
    newest_href: String,
    oldest_href: String,
    filtered: bool,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    page_links: Vec<PageLink>,
}

fn options(list: &[VocabEntry], selected: &str) -> Vec<Opt> {
    list.iter()
        .filter(|e| e.active || e.code == selected)
        .map(|e| Opt {
            value: e.code.clone(),
            label: e.label.clone(),
            selected: e.code == selected,
        })
        .collect()
}

/// Page numbers to link: the first, the last, and two either side of the current one.
pub fn page_window(page: i64, pages: i64) -> Vec<i64> {
    let mut out: Vec<i64> = (1..=pages)
        .filter(|p| *p == 1 || *p == pages || (p - page).abs() <= 2)
        .collect();
    out.dedup();
    out
}

/// The organisations of the site (issue #14), in display order: the publishers its catalog
/// and search offer.
pub async fn site_orgs(
    db: &gongkai_store::Db,
    site: &SiteCtx,
) -> AppResult<Vec<gongkai_store::orgs::Org>> {
    Ok(gongkai_store::orgs::list(db)
        .await?
        .into_iter()
        .filter(|o| site.scope().contains(o.id))
        .collect())
}

/// The catalog page.
pub async fn show_catalog(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Query(q): Query<CatalogQuery>,
) -> AppResult<Response> {
    let vocab = Vocab::load(&state.db, &ctx.site).await?;
    let orgs = site_orgs(&state.db, &ctx.site).await?;
    let this_year = gongkai_store::deadlines::today().year();
    let (filter, shown) = parse(&q, &vocab, &orgs, this_year)?;
    let result = catalog::catalog(&state.db, ctx.scope(), &filter).await?;
    let pages = if result.total == 0 {
        0
    } else {
        (result.total + result.per_page - 1) / result.per_page
    };
    let page = result.page;

    let mut nav: Vec<NavGroup> = Vec::new();
    for e in vocab.catalog.iter().filter(|e| e.active) {
        let link = (
            shown.with_category(&e.code),
            e.label.clone(),
            e.code == shown.category,
        );
        match nav.last_mut() {
            Some(g) if g.label == e.group_label => g.links.push(link),
            _ => nav.push(NavGroup {
                label: if e.group_label.is_empty() {
                    "其他类别".to_string()
                } else {
                    e.group_label.clone()
                },
                links: vec![link],
            }),
        }
    }

    let rows = result
        .entries
        .iter()
        .map(|e| Row {
            id: e.id,
            index_no: e.index_no.clone(),
            title: e.title.clone(),
            publisher: e.publisher_name.clone(),
            published_on: e.published_on.clone(),
            validity: Validity::from_code(&e.validity)
                .map(|v| v.label().to_string())
                .unwrap_or_else(|| e.validity.clone()),
        })
        .collect();

    let title = if shown.category.is_empty() {
        "法定主动公开内容".to_string()
    } else {
        format!(
            "法定主动公开内容：{}",
            Vocab::label(&vocab.catalog, &shown.category)
        )
    };
    let last_year = this_year.max(FIRST_YEAR);
    render(&CatalogPage {
        layout: ctx.layout(&title),
        all_href: Filters {
            category: String::new(),
            ..shown.clone()
        }
        .url(1),
        all_current: shown.category.is_empty(),
        nav,
        orgs: orgs
            .iter()
            .map(|o| Opt {
                value: o.code.clone(),
                label: o.full_name.clone(),
                selected: o.code == shown.org,
            })
            .collect(),
        years: (FIRST_YEAR..=last_year)
            .rev()
            .map(|y| Opt {
                value: y.to_string(),
                label: format!("{y}年"),
                selected: y.to_string() == shown.year,
            })
            .collect(),
        topics: options(&vocab.topic, &shown.topic),
        genres: options(&vocab.genre, &shown.genre),
        categories: options(&vocab.catalog, &shown.category),
        validities: Validity::ALL
            .iter()
            .map(|v| Opt {
                value: v.code().to_string(),
                label: v.label().to_string(),
                selected: v.code() == shown.validity,
            })
            .collect(),
        category: shown.category.clone(),
        oldest_first: shown.oldest_first,
        newest_href: shown.with_sort(false),
        oldest_href: shown.with_sort(true),
        filtered: shown.any(),
        rows,
        total: result.total,
        page,
        pages,
        prev: (page > 1 && page <= pages).then(|| shown.url(page - 1)),
        next: (page < pages).then(|| shown.url(page + 1)),
        page_links: page_window(page, pages)
            .into_iter()
            .map(|n| PageLink {
                number: n,
                href: shown.url(n),
                current: n == page,
            })
            .collect(),
    })
}
