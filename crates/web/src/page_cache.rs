//! The portal's render cache (issue #11): public pages are rendered once and then served from
//! memory until something that could change them is committed.
//!
//! **What is cached.** Only anonymous-style GET requests of the read-only public pages in
//! [`cacheable`] (home, guide, rules, catalog lists, item pages and their reader view, reports
//! list and pages, the mailbox's published answers, feeds, the sitemap), and only a `200` whose
//! handler set no cookie, whose type is HTML/XML, that is smaller than [`MAX_ENTRY_BYTES`] and
//! that does not contain the visitor's own CSRF token (pages with forms that post are never
//! shared between visitors). Search results, forms, files and everything under `/admin` and
//! `/api` are never cached. The key is the host, the path with its query and the reading
//! preferences (the only request inputs a public page depends on).
//!
//! **When it is dropped** (every entry at once: publication is rare, reading is not):
//! - when the newest audit record changes. Every state change appends one in its own
//!   transaction (ARCHITECTURE.md), so publication, amendment, withdrawal, a vocabulary or
//!   organisation edit, a mailbox answer — on this or any other instance sharing the database —
//!   is noticed by [`PageCache::watch`] within [`POLL`];
//! - when this instance's clock passes a publication time still ahead of it (an item published
//!   by an instance whose clock runs ahead becomes public here by the clock alone,
//!   `items::catalog::next_publication_after`); scheduled publication itself is a job that
//!   writes, like any other change;
//! - at once, on this instance, after any successful state-changing request ([`layer`]), so a
//!   member of staff who publishes and then opens the portal sees the new page;
//! - when the watcher cannot read the database: the cache is bypassed until it can again (a
//!   page is never served from memory when we cannot tell whether it is still current).
//!
//! A render that started before an invalidation is not stored ([`PageCache::insert`] checks the
//! generation it began under), so a slow render cannot put an old page back.

use crate::AppState;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gongkai_store::Db;
use gongkai_store::sites::SiteView;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How often each instance looks for committed changes.
pub const POLL: Duration = Duration::from_millis(250);
/// Pages larger than this are not kept.
pub const MAX_ENTRY_BYTES: usize = 512 * 1024;

/// What a public page depends on: the host and the path as the visitor sent them (before the
/// site's `/s/<code>` prefix is removed, so together they name the site) and the reading
/// preferences.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    host: String,
    path_and_query: String,
    prefs: String,
}

struct Entry {
    body: Bytes,
    content_type: HeaderValue,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Entry>,
    bytes: usize,
}

/// Rendered public pages of this instance. `max_bytes == 0` disables the cache (the default
/// of [`AppState::new`](crate::AppState::new); `gongkai serve` enables it with
/// `[http] page_cache_mb`).
pub struct PageCache {
    max_bytes: usize,
    generation: AtomicU64,
    /// False while the watcher cannot read the database.
    trusted: AtomicBool,
    entries: RwLock<Entries>,
    /// Resolved sites by the request's host and path-prefix code (`site::resolve` would
    /// otherwise read the site tables on every request), dropped with the pages.
    sites: RwLock<HashMap<SiteKey, SiteView>>,
}

type SiteKey = (Option<String>, Option<String>);
/// At most this many (host, code) pairs are remembered: the `Host` header is the visitor's to
/// choose.
const MAX_SITE_KEYS: usize = 256;

impl Default for PageCache {
    fn default() -> Self {
        PageCache::new(0)
    }
}

impl PageCache {
    /// A cache of at most `max_bytes` of page bodies (0 = off).
    pub fn new(max_bytes: usize) -> PageCache {
        PageCache {
            max_bytes,
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(true),
            entries: RwLock::default(),
            sites: RwLock::default(),
        }
    }

    /// The current generation, to pass back to [`keep_site`](Self::keep_site).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The remembered resolution of (host, code), when the cache is on and current.
    pub fn site(&self, host: Option<&str>, code: Option<&str>) -> Option<SiteView> {
        if !self.enabled() || !self.trusted.load(Ordering::SeqCst) {
            return None;
        }
        let sites = self.sites.read().ok()?;
        sites
            .get(&(host.map(str::to_string), code.map(str::to_string)))
            .cloned()
    }

    /// Remembers a resolution made under `generation` (unless invalidated meanwhile).
    pub fn keep_site(
        &self,
        generation: u64,
        host: Option<&str>,
        code: Option<&str>,
        view: &SiteView,
    ) {
        if !self.enabled() {
            return;
        }
        let Ok(mut sites) = self.sites.write() else {
            return;
        };
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if sites.len() >= MAX_SITE_KEYS {
            sites.clear();
        }
        sites.insert(
            (host.map(str::to_string), code.map(str::to_string)),
            view.clone(),
        );
    }

    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    /// Drops every page.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut e) = self.entries.write() {
            e.map.clear();
            e.bytes = 0;
        }
        if let Ok(mut s) = self.sites.write() {
            s.clear();
        }
    }

    /// How many pages are kept (for tests and the benchmark).
    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.map.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, key: &Key) -> Option<Response> {
        if !self.trusted.load(Ordering::SeqCst) {
            return None;
        }
        let entries = self.entries.read().ok()?;
        let e = entries.map.get(key)?;
        let mut res = Response::new(Body::from(e.body.clone()));
        res.headers_mut()
            .insert(header::CONTENT_TYPE, e.content_type.clone());
        Some(res)
    }

    /// Keeps a page rendered under `generation`, unless the cache was invalidated meanwhile.
    fn insert(&self, generation: u64, key: Key, entry: Entry) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        // Checked under the write lock: `invalidate` bumps the generation before it clears.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        let size = entry.body.len() + key.path_and_query.len() + key.host.len();
        if entries.bytes + size > self.max_bytes {
            // Full: start again rather than track recency (pages are cheap to render once).
            entries.map.clear();
            entries.bytes = 0;
        }
        entries.bytes += size;
        if let Some(old) = entries.map.insert(key, entry) {
            entries.bytes = entries.bytes.saturating_sub(old.body.len());
        }
    }

    /// Watches the database for committed changes and drops the pages when there are any, until
    /// `stop` turns true. Spawned by `gongkai serve` on every instance.
    pub async fn watch(
        self: std::sync::Arc<Self>,
        db: Db,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut last_head: Option<i64> = None;
        let mut next_due: Option<i64> = None;
        loop {
            let now = gongkai_store::now_ms();
            match poll(&db, now).await {
                Ok((head, due)) => {
                    let changed = last_head != Some(head)
                        || next_due.is_some_and(|d| d <= now)
                        || !self.trusted.load(Ordering::SeqCst);
                    if changed {
                        self.invalidate();
                    }
                    last_head = Some(head);
                    next_due = due;
                    self.trusted.store(true, Ordering::SeqCst);
                }
                Err(e) => {
                    if self.trusted.swap(false, Ordering::SeqCst) {
                        tracing::warn!(error = %e, "page cache: database unreadable, bypassing the cache");
                    }
                    self.invalidate();
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}

async fn poll(db: &Db, now: i64) -> gongkai_store::Result<(i64, Option<i64>)> {
    let head = gongkai_store::audit::head(db).await?;
    let due = gongkai_store::items::catalog::next_publication_after(db, now).await?;
    Ok((head, due))
}

/// The public pages whose content depends only on the database, the path and the reading
/// preferences.
pub fn cacheable(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/",
        "/guide",
        "/rules",
        "/catalog",
        "/reports",
        "/mailbox/qa",
        "/mailbox/qa.atom",
        "/mailbox/stats",
        "/sitemap.xml",
    ];
    if EXACT.contains(&path) {
        return true;
    }
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty())
    };
    // `/items/{id}` and `/items/{id}/read`; `/reports/{year}` but not its downloads
    // (`/reports/{year}/{file}`, cached as PDFs by `portal::reports::PdfCache`).
    (under("/items/") && path.matches('/').count() <= 3)
        || (under("/reports/") && path.matches('/').count() == 2)
        || under("/mailbox/qa/")
        || under("/feeds/")
}

fn key(req: &Request) -> Key {
    let headers = req.headers();
    Key {
        host: headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase(),
        path_and_query: req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        prefs: crate::page::Prefs::from_headers(headers).to_cookie(),
    }
}

fn storable(res: &Response) -> Option<HeaderValue> {
    if res.status() != StatusCode::OK || res.headers().contains_key(header::SET_COOKIE) {
        return None;
    }
    let ct = res.headers().get(header::CONTENT_TYPE)?;
    let s = ct.to_str().ok()?;
    (s.starts_with("text/html") || s.contains("xml")).then(|| ct.clone())
}

/// The outer half (around the site resolution, inside only the security headers): answers a
/// cached page before any other work — no site lookup, no CSRF token, no timer — and hands the
/// key of a miss to [`layer`], which stores the page once it is rendered. A cached page carries
/// no form that posts (see the module header), so it needs no token cookie.
pub async fn serve_cached(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let cache = &state.page_cache;
    if !cache.enabled() || req.method() != Method::GET {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let routed = crate::site::split_prefix(path).map_or(path, |(_, rest)| rest);
    if !cacheable(routed) {
        return next.run(req).await;
    }
    let key = key(&req);
    if let Some(hit) = cache.get(&key) {
        return hit;
    }
    req.extensions_mut().insert(key);
    next.run(req).await
}

/// The inner half (on the HTML router, inside the CSRF guard so that a page carrying the
/// visitor's token is recognised): stores the pages [`serve_cached`] missed, and drops
/// everything after a successful state-changing request.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.page_cache;
    if !cache.enabled() {
        return next.run(req).await;
    }
    if req.method() != Method::GET {
        return invalidate_after_writes(State(state), req, next).await;
    }
    let Some(key) = req.extensions().get::<Key>().cloned() else {
        return next.run(req).await;
    };
    let anon_token = req
        .extensions()
        .get::<crate::security::AnonCsrf>()
        .map(|a| a.0.clone());
    let generation = cache.generation.load(Ordering::SeqCst);
    let res = next.run(req).await;
    let Some(content_type) = storable(&res) else {
        return res;
    };
    // Rendered pages have a known length; anything streamed or too large is passed through.
    if res
        .body()
        .size_hint()
        .exact()
        .is_none_or(|n| n > MAX_ENTRY_BYTES as u64)
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ENTRY_BYTES).await {
        Ok(b) => b,
        // The body failed while being read (its length was known): answer as any failure is.
        Err(e) => return crate::error::AppError::internal(e).into_response(),
    };
    let personal = anon_token
        .as_deref()
        .is_some_and(|t| !t.is_empty() && contains(&bytes, t.as_bytes()));
    if !personal {
        cache.insert(
            generation,
            key,
            Entry {
                body: bytes.clone(),
                content_type,
            },
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The middleware of the API: it caches nothing, but a successful write through it drops this
/// instance's pages at once.
pub async fn invalidate_after_writes(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.run(req).await;
    if !safe && state.page_cache.enabled() && res.status().as_u16() < 400 {
        state.page_cache.invalidate();
    }
    res
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_read_pages_are_cacheable() {
        for p in [
            "/",
            "/catalog",
            "/items/12",
            "/items/12/read",
            "/reports/2019",
            "/mailbox/qa/3",
            "/feeds/latest.atom",
            "/sitemap.xml",
        ] {
            assert!(cacheable(p), "{p}");
        }
        for p in [
            "/search",
            "/apply",
            "/apply/status",
            "/mailbox",
            "/mailbox/write",
            "/files/1/a.pdf",
            "/reports/2019/report.pdf",
            "/admin",
            "/admin/items",
            "/api/v1/items",
            "/items/",
            "/items/1/2/3",
            "/prefs",
        ] {
            assert!(!cacheable(p), "{p}");
        }
    }

    fn entry(body: &'static str) -> Entry {
        Entry {
            body: Bytes::from_static(body.as_bytes()),
            content_type: HeaderValue::from_static("text/html"),
        }
    }

    fn k(path: &str) -> Key {
        Key {
            host: "a".into(),
            path_and_query: path.into(),
            prefs: String::new(),
        }
    }

    #[test]
    fn a_render_begun_before_an_invalidation_is_not_kept() {
        let c = PageCache::new(1 << 20);
        let g = c.generation.load(Ordering::SeqCst);
        c.invalidate();
        c.insert(g, k("/"), entry("old"));
        assert!(c.get(&k("/")).is_none());
        let g = c.generation.load(Ordering::SeqCst);
        c.insert(g, k("/"), entry("new"));
        assert!(c.get(&k("/")).is_some());
        c.invalidate();
        assert!(c.is_empty());
    }

    #[test]
    fn the_byte_budget_is_kept() {
        let c = PageCache::new(64);
        let g = c.generation.load(Ordering::SeqCst);
        for i in 0..20 {
            c.insert(g, k(&format!("/items/{i}")), entry("0123456789"));
            let bytes = c.entries.read().unwrap().bytes;
            assert!(bytes <= 64, "{bytes}");
        }
        assert!(!c.is_empty());
    }

    #[test]
    fn an_untrusted_cache_serves_nothing() {
        let c = PageCache::new(1 << 20);
        let g = c.generation.load(Ordering::SeqCst);
        c.insert(g, k("/"), entry("x"));
        c.trusted.store(false, Ordering::SeqCst);
        assert!(c.get(&k("/")).is_none());
    }

    #[test]
    fn token_search() {
        assert!(contains(b"abc token def", b"token"));
        assert!(!contains(b"abc", b"abcd"));
    }
}
