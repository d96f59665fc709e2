//! The site of a request (政府网站集约化, issue #14), resolved in ONE place for the portal, the
//! public API and the error pages.
//!
//! [`resolve`] wraps the whole router (it must run before routing): a path beginning with
//! `/s/<code>/` names a site by its code — the prefix is removed before routing and every link
//! of the site's pages carries it again (`Layout::base`) — else the `Host` header names it (exact
//! match, lower-cased, port ignored; behind nginx keep `proxy_set_header Host $host;`), else
//! the request is for the default site. An unknown code answers 404. The site travels in the
//! request's extensions as [`CurrentSite`]; `PublicCtx` and the [`CurrentSite`] extractor hand it
//! to handlers, whose public queries take its `scope()` inside their SQL or search query.
//!
//! Health checks and static assets are answered without a site (no database work).

use crate::AppState;
use crate::error::AppError;
use crate::page::SiteLook;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gongkai_store::sites::{self, Lookup, PATH_PREFIX, Scope, SiteView};
use std::sync::Arc;

/// The site of the request, with how it was named.
#[derive(Debug, Clone)]
pub struct SiteCtx {
    pub view: SiteView,
    /// `/s/<code>` when the request named the site by path prefix, else empty: every portal
    /// link starts with it.
    pub base: String,
}

impl SiteCtx {
    pub fn scope(&self) -> &Scope {
        &self.view.scope
    }

    /// The site as subtree roots for queries that take them (`None`: the whole deployment).
    pub fn roots(&self) -> Option<Vec<gongkai_core::org::OrgId>> {
        match (self.scope(), self.view.root_id()) {
            (Scope::All, _) => None,
            (Scope::Orgs(_), Some(root)) => Some(vec![root]),
            (Scope::Orgs(_), None) => Some(Vec::new()),
        }
    }

    /// The name the public sees (the site's, or its body's full name).
    pub fn name(&self) -> String {
        self.view.name()
    }

    /// The presentation for the layout: only a configured site (a `sites` row) has one, so a
    /// deployment of one body looks as it always did.
    pub fn look(&self) -> Option<SiteLook> {
        let s = self.view.site.as_ref()?;
        Some(SiteLook {
            name: s.name.clone(),
            logo: s.logo_sha256.as_ref().map(|sha| {
                format!(
                    "{}/site-logo?v={}",
                    self.base,
                    sha.chars().take(12).collect::<String>()
                )
            }),
            footer: s
                .footer
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            icp: s.icp_number.clone(),
            psb: s.psb_number.clone(),
            psb_code: s.psb_record_code(),
        })
    }

    /// A local path on this site (with its prefix).
    pub fn href(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The absolute origin of this site's pages, prefix included (feeds and sitemaps need
    /// absolute URLs): the request's host when it named the site, else the configured public
    /// URL, else the request's `Host`.
    pub fn origin(&self, state: &AppState, headers: &HeaderMap) -> String {
        let configured = state
            .config
            .public_origin
            .as_deref()
            .map(|o| o.trim_end_matches('/').to_string());
        let origin = match (&configured, self.view.by_host) {
            (Some(o), false) => o.clone(),
            (configured, _) => {
                let scheme = configured
                    .as_deref()
                    .and_then(|o| o.split_once("://"))
                    .map(|(s, _)| s)
                    .unwrap_or("http");
                format!(
                    "{scheme}://{}",
                    request_host(headers).unwrap_or("localhost")
                )
            }
        };
        format!("{origin}{}", self.base)
    }
}

/// The request's site, as an extension and an extractor.
#[derive(Debug, Clone)]
pub struct CurrentSite(pub Arc<SiteCtx>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentSite {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // `resolve` wraps every route that may take this extractor; without it nothing may be
        // shown (fail closed rather than show every site's data).
        parts
            .extensions
            .get::<CurrentSite>()
            .cloned()
            .ok_or_else(|| AppError::internal("site not resolved"))
    }
}

/// The request's `Host` (or HTTP/2 `:authority`) when it is a plausible host name.
pub fn request_host(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
}

/// Paths answered without a site: health checks and static assets.
fn needs_no_site(path: &str) -> bool {
    path == "/healthz" || path == "/readyz" || path.starts_with("/static/")
}

/// Paths of the JSON API (after any site prefix was removed).
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Splits `/s/<code>/rest` into the code and `/rest` (`None` when the path has no prefix).
pub(crate) fn split_prefix(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(PATH_PREFIX)?;
    Some(match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    })
}

/// Middleware around the whole router: resolves the site (see the module header).
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if needs_no_site(&path) {
        return next.run(req).await;
    }
    let prefixed = split_prefix(&path).map(|(c, r)| (c.to_string(), r.to_string()));
    if let Some((code, rest)) = &prefixed {
        if rest.is_empty() {
            // `/s/code` → `/s/code/`, so relative resolution and the home page agree.
            return crate::page::see_other(&format!("{PATH_PREFIX}{code}/"));
        }
        let pq = match req.uri().query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.clone(),
        };
        let mut parts = req.uri().clone().into_parts();
        parts.path_and_query = pq.parse().ok();
        match Uri::from_parts(parts) {
            Ok(uri) => *req.uri_mut() = uri,
            Err(_) => return crate::portal::not_found().await.into_response(),
        }
    }
    let host = request_host(req.headers()).map(str::to_string);
    let lookup = Lookup {
        host: host.as_deref(),
        code: prefixed.as_ref().map(|(c, _)| c.as_str()),
    };
    let cache = &state.page_cache;
    let generation = cache.generation();
    let resolved = match cache.site(lookup.host, lookup.code) {
        Some(v) => Ok(Some(v)),
        None => sites::resolve(&state.db, lookup).await.inspect(|v| {
            if let Some(v) = v {
                cache.keep_site(generation, lookup.host, lookup.code, v);
            }
        }),
    };
    let found = resolved.map_err(AppError::from).and_then(|v| {
        v.ok_or_else(|| AppError::not_found("您访问的站点不存在。请检查网址，或从平台首页进入。"))
    });
    let view = match found {
        Ok(v) => v,
        // The API answers in its own JSON shape even before routing (a database that is down).
        Err(e) if is_api(req.uri().path()) => return crate::api::json_error(&e),
        Err(e) => return e.into_response(),
    };
    let base = match &prefixed {
        Some((code, _)) => format!("{PATH_PREFIX}{code}"),
        None => String::new(),
    };
    req.extensions_mut()
        .insert(CurrentSite(Arc::new(SiteCtx { view, base })));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_split() {
        assert_eq!(split_prefix("/s/a/items/1"), Some(("a", "/items/1")));
        assert_eq!(split_prefix("/s/a/"), Some(("a", "/")));
        assert_eq!(split_prefix("/s/a"), Some(("a", "")));
        assert_eq!(split_prefix("/items/1"), None);
        assert!(needs_no_site("/static/site.css"));
        assert!(!needs_no_site("/"));
        assert!(is_api("/api/items") && is_api("/api") && !is_api("/apply"));
    }
}
