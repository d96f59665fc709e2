//! Security headers and CSRF protection for every state-changing form.
//!
//! CSRF (tech-choices §3.4): a synchronizer token in a hidden `csrf` field, compared in constant
//! time with the token of the staff session, or, for anonymous forms (login, public forms), with
//! the random `gk_csrf` cookie this middleware sets on first visit; plus a check that the request
//! does not come from another site (`Sec-Fetch-Site`, `Origin`). The check runs in one middleware
//! for the whole portal and console, so no handler can forget it. The API does not use cookies and
//! is not covered (its callers authenticate with a bearer token). File uploads
//! (`multipart/form-data`) carry the token in the action URL's query (`?csrf=…`) instead of the body.

use crate::AppState;
use crate::error::AppError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "gk_session";
pub const ANON_CSRF_COOKIE: &str = "gk_csrf";
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The CSP: no inline script or style, nothing from other origins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// Answers 408 with a Chinese page when a request (reading its body included) takes longer than
/// `request_timeout` (issue #11: slow-body clients). The connection's header phase has its own
/// timeout in the server loop (`gongkai serve`).
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => AppError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "请求超时：{} 秒内没有收到完整的请求。网络较慢时请稍后重试；上传大文件请确认网络连接稳定。",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// Adds the security headers to every response.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// The value of cookie `name`, if present.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with our fixed attributes.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The anonymous CSRF token of this request (set by [`csrf_guard`]).
#[derive(Debug, Clone)]
pub struct AnonCsrf(pub String);

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// True when the request plainly comes from another site.
fn cross_site(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site == "cross-site"
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if origin == "null" {
        return true;
    }
    match public_origin {
        Some(expected) => origin.trim_end_matches('/') != expected.trim_end_matches('/'),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            origin_host != host
        }
    }
}

fn tokens_equal(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The CSRF middleware for the portal and console (see the module header).
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = state.config.secure_cookies;
    let existing = cookie(req.headers(), ANON_CSRF_COOKIE)
        .filter(|t| t.len() == 64)
        .map(str::to_string);
    let (anon, fresh) = match existing {
        Some(t) => (t, false),
        None => (gongkai_store::sessions::random_token(), true),
    };

    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(AnonCsrf(anon.clone()));

    let req = if is_safe(&parts.method) {
        Request::from_parts(parts, body)
    } else {
        // A site named by its own host name (issue #14) is its own origin; otherwise the
        // configured public URL is.
        let by_host = parts
            .extensions
            .get::<crate::site::CurrentSite>()
            .is_some_and(|s| s.0.view.by_host);
        let expected = if by_host {
            None
        } else {
            state.config.public_origin.as_deref()
        };
        if cross_site(&parts.headers, expected) {
            return AppError::csrf().into_response();
        }
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let (submitted, body) = if content_type.starts_with("application/x-www-form-urlencoded") {
            let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
                Ok(b) => b,
                Err(_) => {
                    return AppError::new(
                        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "提交的内容过长，请精简后重新提交。",
                    )
                    .into_response();
                }
            };
            let submitted = url::form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            (submitted, Body::from(bytes))
        } else if content_type.starts_with("multipart/form-data") {
            // File uploads: the token travels in the form's action URL (`?csrf=…`), so the body
            // streams to the handler unbuffered and the handler enforces its own size limit.
            // Referrer-Policy is same-origin, so the token never leaves the site in a Referer.
            let submitted = url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            (submitted, body)
        } else {
            return AppError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "不支持的提交方式，请使用页面上的表单提交。",
            )
            .into_response();
        };
        let session_token = match cookie(&parts.headers, SESSION_COOKIE) {
            // A database that cannot answer is a 503 (issue #11), not a "form expired" 403.
            Some(t) => {
                match gongkai_store::sessions::load(&state.db, t, state.config.session).await {
                    Ok(s) => s.map(|s| s.csrf_token),
                    Err(e) if e.is_unavailable() => return AppError::from(e).into_response(),
                    Err(_) => None,
                }
            }
            None => None,
        };
        let ok = tokens_equal(&submitted, &anon)
            || session_token.is_some_and(|t| tokens_equal(&submitted, &t));
        if !ok {
            return AppError::csrf().into_response();
        }
        Request::from_parts(parts, body)
    };

    let mut res = next.run(req).await;
    if fresh
        && let Ok(v) = HeaderValue::from_str(&set_cookie(ANON_CSRF_COOKIE, &anon, None, secure))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The client's IP address for throttling and the audit log: the server loop's `ConnectInfo`,
/// which is the peer, or behind a configured trusted proxy the address it forwarded (the
/// binary's `proxy` module, `[http] trusted_proxies`). Handlers never read `X-Forwarded-For`.
pub fn client_ip(connect: Option<&axum::extract::ConnectInfo<std::net::SocketAddr>>) -> String {
    connect.map(|c| c.0.ip().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; gk_prefs=large.contrast; b=2"),
        );
        assert_eq!(cookie(&h, "gk_prefs"), Some("large.contrast"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn cross_site_detection() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!cross_site(&h, None));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(!cross_site(&h, None));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(cross_site(&h, None));
        assert!(cross_site(&h, Some("https://gk.example.gov.cn")));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://gk.example.gov.cn"),
        );
        assert!(!cross_site(&h, Some("https://gk.example.gov.cn")));
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(cross_site(&h, None));
    }

    #[test]
    fn token_comparison() {
        assert!(tokens_equal("abc", "abc"));
        assert!(!tokens_equal("abc", "abd"));
        assert!(!tokens_equal("", ""));
    }
}
