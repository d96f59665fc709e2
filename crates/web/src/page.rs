//! Typed pages: one askama template struct per page, the shared [`Layout`] every page carries,
//! and the single function that turns a template into a response.

use crate::assets;
use crate::error::AppError;
use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Reading preferences (MIIT 适老化): chosen with plain links/forms, remembered in a cookie, applied
/// as classes on `<body>`, so they work without JavaScript and without browser settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefs {
    pub large_text: bool,
    pub high_contrast: bool,
    /// A large, high-contrast mouse pointer (MIIT 适老化 "大鼠标").
    pub large_cursor: bool,
}

pub const PREFS_COOKIE: &str = "gk_prefs";

impl Prefs {
    /// Parses the cookie value, e.g. `large.contrast`.
    pub fn from_cookie(value: &str) -> Prefs {
        let mut p = Prefs::default();
        for part in value.split('.') {
            match part {
                "large" => p.large_text = true,
                "contrast" => p.high_contrast = true,
                "cursor" => p.large_cursor = true,
                _ => {}
            }
        }
        p
    }

    pub fn from_headers(headers: &HeaderMap) -> Prefs {
        crate::security::cookie(headers, PREFS_COOKIE)
            .map(Prefs::from_cookie)
            .unwrap_or_default()
    }

    pub fn to_cookie(self) -> String {
        let mut parts = Vec::new();
        if self.large_text {
            parts.push("large");
        }
        if self.high_contrast {
            parts.push("contrast");
        }
        if self.large_cursor {
            parts.push("cursor");
        }
        parts.join(".")
    }

    /// Classes for `<body>`.
    pub fn body_class(&self) -> String {
        let mut c = Vec::new();
        if self.large_text {
            c.push("pref-large");
        }
        if self.high_contrast {
            c.push("pref-contrast");
        }
        if self.large_cursor {
            c.push("pref-cursor");
        }
        c.join(" ")
    }
}

/// What every page's layout needs.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The page's own title; the `<title>` becomes "title - site".
    pub title: String,
    /// The request path, to mark the current navigation entry and return after a preference change.
    pub path: String,
    pub prefs: Prefs,
    /// The CSRF token for forms on this page.
    pub csrf: String,
    /// Display name of the logged-in staff member (console pages).
    pub staff_name: Option<String>,
    /// Console navigation entries the staff member may use: (href, label).
    pub staff_nav: Vec<(&'static str, &'static str)>,
    /// A one-off notice shown at the top of the main content (e.g. "已保存").
    pub flash: Option<String>,
    /// Unread reminders of the staff member (the badge on 提醒 in the console navigation).
    pub unread_reminders: i64,
    /// The path prefix of the site (`/s/<code>`, issue #14) that every portal link starts
    /// with; empty for a site reached by its host name, the default site and the console.
    pub base: String,
    /// The presentation of a configured site (name, logo, footer with the 备案 numbers); `None`
    /// for a deployment of one body, which looks as it always did.
    pub site: Option<SiteLook>,
}

/// How a configured site presents itself in the layout (issue #14).
#[derive(Debug, Clone, Default)]
pub struct SiteLook {
    pub name: String,
    /// The logo's URL (decorative beside the name).
    pub logo: Option<String>,
    /// Footer lines.
    pub footer: Vec<String>,
    /// ICP备案号, linked to the MIIT record site.
    pub icp: String,
    /// 公安机关备案号, linked to its record by `psb_code`.
    pub psb: String,
    pub psb_code: String,
}

impl Layout {
    pub fn css_url(&self) -> String {
        assets::url("site.css")
    }

    /// The speech-reading script (语音阅读): adds a "朗读本页" button where the browser can speak.
    pub fn speech_url(&self) -> String {
        assets::url("speech.js")
    }

    /// `url` as a link on this site: a local path gets the site's prefix, anything else (an
    /// official site's address) stays as it is.
    pub fn href(&self, url: &str) -> String {
        if url.starts_with('/') && !url.starts_with("//") {
            format!("{}{url}", self.base)
        } else {
            url.to_string()
        }
    }

    /// `aria-current="page"` when `href` is the current section.
    pub fn current(&self, href: &str) -> &'static str {
        let here = self.path.as_str();
        let is_current = if href == "/" || href == "/admin" {
            here == href
        } else {
            here == href || here.starts_with(&format!("{href}/"))
        };
        if is_current { "page" } else { "false" }
    }
}

/// Renders `page` as an HTML response with the right headers. Console pages are never cached.
pub fn render<T: Template>(page: &T) -> Result<Response, AppError> {
    render_with_status(page, StatusCode::OK)
}

pub fn render_with_status<T: Template>(page: &T, status: StatusCode) -> Result<Response, AppError> {
    let body = page.render()?;
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Pages depend on the session and preference cookies.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    Ok(res)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    message: &'a str,
}

fn error_layout(err: &AppError, prefs: Prefs, path: String) -> Layout {
    error_layout_on(err, prefs, path, None)
}

fn error_layout_on(
    err: &AppError,
    prefs: Prefs,
    path: String,
    site: Option<&crate::site::SiteCtx>,
) -> Layout {
    let (base, look) = site.map(|s| (s.base.clone(), s.look())).unwrap_or_default();
    Layout {
        title: match err.status.as_u16() {
            404 => "页面不存在".into(),
            403 => "无权访问".into(),
            400 => "请求有误".into(),
            s if s >= 500 => "系统错误".into(),
            _ => "无法完成请求".into(),
        },
        path,
        prefs,
        base,
        site: look,
        ..Default::default()
    }
}

/// The Chinese error page for any [`AppError`]. The error travels on as a response extension so
/// the API router can re-render it as JSON, and [`error_pages_keep_prefs`] can re-render it with
/// the reader's preferences.
pub fn error_page(err: &AppError) -> Response {
    let page = ErrorPage {
        layout: error_layout(err, Prefs::default(), String::new()),
        status: err.status.as_u16(),
        message: &err.message,
    };
    let mut res = match render_with_status(&page, err.status) {
        Ok(r) => r,
        Err(_) => (err.status, err.message.clone()).into_response(),
    };
    res.extensions_mut().insert(err.clone());
    res
}

/// Middleware: an HTML error page keeps the reader's large-text / high-contrast preference and
/// the preference buttons return to the same URL (WCAG 1.4.4, MIIT 适老化: the choice holds on
/// every page, errors included). `error_page` cannot see the request, so the page is rendered
/// again here with the request's cookie and path; status and other headers are kept.
pub async fn error_pages_keep_prefs(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let prefs = Prefs::from_headers(req.headers());
    // The path is shown on error pages (links back with the reading preferences): never with a
    // full identity number in it (issue #13).
    let path = gongkai_core::mask::redact_id_numbers(req.uri().path()).into_owned();
    // Links of the error page stay on the request's site (issue #14).
    let site = req
        .extensions()
        .get::<crate::site::CurrentSite>()
        .map(|s| s.0.clone());
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let Some(err) = res.extensions().get::<AppError>().cloned() else {
        return res;
    };
    if !is_html {
        return res;
    }
    let page = ErrorPage {
        layout: error_layout_on(&err, prefs, path, site.as_deref()),
        status: err.status.as_u16(),
        message: &err.message,
    };
    match page.render() {
        Ok(body) => {
            let (mut parts, _) = res.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::from(body))
        }
        Err(_) => res,
    }
}

/// A 303 redirect after a successful POST.
pub fn see_other(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Formats a millisecond UTC timestamp in China Standard Time, e.g. `2019-03-31 09:30`.
pub fn cst(ms: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else {
        return String::new();
    };
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(offset) => t
            .with_timezone(&offset)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}
