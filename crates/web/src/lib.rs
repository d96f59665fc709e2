//! Gongkai's HTTP surfaces, each with its own route table:
//! - the public portal at `/` (`portal`), server-rendered and working without JavaScript;
//! - the staff console at `/admin` (`admin`);
//! - the JSON API at `/api/v1` (`api`), with its OpenAPI document at `/api/openapi.json`;
//! - `/healthz`, `/readyz` and `/static/*`.
//!
//! Cross-cutting pieces live in one place each: errors (`error`), house extractors (`extract`),
//! page rendering and the layout (`page`), security headers and CSRF (`security`), the staff
//! session and permission checks (`session`), the site of a request on a platform of several
//! sites (`site`, issue #14).

pub mod admin;
pub mod antiabuse;
pub mod api;
pub mod appform;
pub mod assets;
pub mod charts;
pub mod documents;
pub mod error;
pub mod export;
pub mod extract;
pub mod health;
pub mod mail;
pub mod multipart;
pub mod page;
pub mod page_cache;
pub mod portal;
pub mod review_form;
pub mod security;
pub mod session;
pub mod site;
pub mod totp;

use axum::Router;
use gongkai_store::Db;
use std::path::PathBuf;
use std::sync::Arc;

/// Settings the web layer needs (a subset of the binary's configuration).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when the public URL is https).
    pub secure_cookies: bool,
    /// The public origin (`https://host[:port]`), if known; requests whose `Origin` differs are
    /// refused for state-changing methods. Without it the request's own `Host` is used.
    pub public_origin: Option<String>,
    pub session: gongkai_store::sessions::Lifetimes,
    pub login_limits: gongkai_store::logins::Limits,
    /// The data folder; published attachments are served from `<data_dir>/files/..`.
    pub data_dir: PathBuf,
    /// Password policy (length, classes, history, expiry), issue #13.
    pub password: gongkai_store::users::PasswordPolicy,
    /// Account lockout after consecutive failed logins, issue #13.
    pub lockout: gongkai_store::users::Lockout,
    /// The personal-data vault (issue #13): take the key set in force with
    /// `state.config.vault.get()`, seal personal fields with it and pass it to store functions as
    /// `&vault`. `gongkai serve` loads it from the key file or `GONGKAI_VAULT_KEYS` (and reloads it
    /// after a rotation); the default is a fresh random key set (tests only: lost on exit).
    pub vault: gongkai_core::vault::SharedVault,
    /// Rate limits of the public forms (applications, mailbox), see [`antiabuse`].
    pub public_forms: antiabuse::Settings,
    /// The SMTP relay for letters e-mailed to applicants; `None` = e-mail is not offered.
    pub mail: Option<mail::Mailer>,
    /// How long a request may take, body included, before it is answered 408 (issue #11: a
    /// client that sends its body slowly cannot hold a worker for ever).
    pub request_timeout: std::time::Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            public_origin: None,
            session: Default::default(),
            login_limits: Default::default(),
            data_dir: PathBuf::from("./data"),
            password: Default::default(),
            lockout: Default::default(),
            vault: gongkai_core::vault::SharedVault::new(gongkai_core::vault::Vault::generate(
                gongkai_core::vault::Algorithm::Sm4Gcm,
                "default",
            )),
            public_forms: Default::default(),
            mail: None,
            request_timeout: std::time::Duration::from_secs(120),
        }
    }
}

/// Shared state of every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    /// This instance's full-text search (issue #8); `None` when not started (the search page
    /// then says so).
    pub search: Option<gongkai_search::Search>,
    /// The portal's typeset annual-report PDFs, one per published version (issue #9).
    pub report_pdfs: Arc<portal::reports::PdfCache>,
    /// Rendered public pages (issue #11); off unless [`AppState::with_page_cache`] turns it on.
    pub page_cache: Arc<page_cache::PageCache>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> AppState {
        AppState {
            db,
            config: Arc::new(config),
            search: None,
            report_pdfs: Arc::default(),
            page_cache: Arc::default(),
        }
    }

    /// The same state with the portal's render cache (the caller runs its
    /// [`watch`](page_cache::PageCache::watch), which keeps it current).
    pub fn with_page_cache(mut self, cache: Arc<page_cache::PageCache>) -> AppState {
        self.page_cache = cache;
        self
    }

    /// The same state with full-text search.
    pub fn with_search(mut self, search: gongkai_search::Search) -> AppState {
        self.search = Some(search);
        self
    }
}

/// The whole application: every surface with its middleware, behind the site resolution
/// (`site::resolve`), which must see the request before routing (it removes a `/s/<code>`
/// prefix), so it wraps the router as a service. The security headers wrap it too, so even its
/// own answers (an unknown site) carry them.
pub fn router(state: AppState) -> Router {
    let app = routes(state.clone());
    let service = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(security::headers))
        // Cached public pages are answered here, before the site is resolved.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_cache::serve_cached,
        ))
        .layer(axum::middleware::from_fn_with_state(state, site::resolve))
        .service(app);
    Router::new().fallback_service(service)
}

/// Every surface with its middleware, for [`router`].
fn routes(state: AppState) -> Router {
    let html = Router::new()
        .merge(portal::routes())
        .nest("/admin", admin::routes())
        // Inside the CSRF guard: a page that carries the visitor's token is never stored.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_cache::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf_guard,
        ));
    // The API caches nothing, but its writes drop this instance's cached pages at once.
    let api = api::routes().layer(axum::middleware::from_fn_with_state(
        state.clone(),
        page_cache::invalidate_after_writes,
    ));
    Router::new()
        .merge(html)
        .nest("/api", api)
        .merge(health::routes())
        .merge(assets::routes())
        .fallback(portal::not_found)
        .layer(axum::middleware::from_fn(page::error_pages_keep_prefs))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::request_timeout,
        ))
        // (The security headers wrap all of this in `router`.)
        // Console uploads may be up to the attachment limit; every form body is limited again
        // by the CSRF middleware and every JSON body by axum's default (2 MB).
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            multipart::MAX_UPLOAD_BYTES,
        ))
        .with_state(state)
}
