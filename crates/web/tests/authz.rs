//! Authorisation enumerated from the route tables (issue #11): every route the web crate
//! declares is requested anonymously and by every demo role, on SQLite and PostgreSQL.
//!
//! - The routes come from the source (`.route("…", get(…).post(…))` in `crates/web/src`, with the
//!   `/admin` and `/api` prefixes of their modules), so a new route is covered without editing
//!   this file; a sanity check keeps the scan honest.
//! - Path parameters are filled from the console itself: each role crawls the console (GET
//!   links only) and every crawled URL that matches a route pattern stands for that route.
//! - Anonymous: every console page sends the visitor to the login page, every staff API route
//!   answers 401, no console form can be posted; nothing answers 5xx.
//! - Every response, error pages included, carries the security headers.
//! - The role × route matrix of statuses is a reviewed snapshot: any change of who can open what
//!   shows up in review.
//! - No IDOR: what the city's office reaches under an id and the county office does not reach by
//!   crawling, the county office cannot open or post to by typing the URL (403 or 404); the same
//!   for a department's drafter against other departments' objects, and for each site of the
//!   platform against the other (issue #14).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use axum::http::StatusCode;
use common::TestApp;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// A declared route: method and path pattern (with `{param}`s), and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: &'static str,
    pattern: String,
}

/// The URL prefix a source file's routes are mounted under (`lib.rs` nests these modules).
fn prefix_of(rel: &str) -> &'static str {
    if rel.starts_with("admin/") || rel == "admin.rs" {
        "/admin"
    } else if rel.starts_with("api/") || rel == "api.rs" {
        "/api"
    } else {
        ""
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `.route(PATH, METHODS)` in the web crate's source.
fn declared_routes() -> Vec<Route> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut routes = BTreeSet::new();
    for f in files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&f).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let trimmed = rest.trim_start();
            let Some(after_quote) = trimmed.strip_prefix('"') else {
                continue;
            };
            let Some(end) = after_quote.find('"') else {
                continue;
            };
            let path = &after_quote[..end];
            // The method router: up to the parenthesis that closes `.route(`.
            let body = &after_quote[end + 1..];
            let mut depth = 1i32;
            let mut stop = body.len();
            for (i, c) in body.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            stop = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let methods = &body[..stop];
            // A nested router's "/" is the prefix itself (axum's `nest`).
            let pattern = match (prefix_of(&rel), path) {
                ("", p) => p.to_string(),
                (prefix, "/") => prefix.to_string(),
                (prefix, p) => format!("{prefix}{p}"),
            };
            for (name, method) in [
                ("get(", "GET"),
                ("post(", "POST"),
                ("put(", "PUT"),
                ("delete(", "DELETE"),
                ("patch(", "PATCH"),
            ] {
                let found = methods.match_indices(name).any(|(i, _)| {
                    i == 0 || !methods[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if found {
                    routes.insert(Route {
                        method,
                        pattern: pattern.clone(),
                    });
                }
            }
        }
    }
    routes.into_iter().collect()
}

/// Whether `url` (path only) matches `pattern`.
fn matches(pattern: &str, url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let p: Vec<&str> = pattern.split('/').collect();
    let u: Vec<&str> = path.split('/').collect();
    p.len() == u.len()
        && p.iter().zip(&u).all(|(a, b)| {
            if a.starts_with('{') && a.ends_with('}') {
                !b.is_empty()
            } else {
                a == b
            }
        })
}

fn has_params(pattern: &str) -> bool {
    pattern.contains('{')
}

/// The attribute values of `attr` in `html` (hrefs, form actions), HTML entities decoded.
fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"')
                .map(|e| rest[..e].replace("&amp;", "&").replace("&#x2F;", "/"))
        })
        .collect()
}

/// The `action`s of the POST forms on a page.
fn post_actions(html: &str) -> Vec<String> {
    html.match_indices("<form")
        .filter_map(|(i, _)| {
            let tag = &html[i..i + html[i..].find('>')?];
            if !tag.contains("method=\"post\"") {
                return None;
            }
            attr_values(tag, "action").into_iter().next()
        })
        .collect()
}

/// What a role reached by following the console's own links.
#[derive(Default)]
struct Crawl {
    /// GET URLs and their status.
    pages: BTreeMap<String, u16>,
    /// POST form actions seen on those pages.
    forms: BTreeSet<String>,
}

const CRAWL_LIMIT: usize = 400;

fn is_followable(href: &str) -> bool {
    href.starts_with("/admin")
        && !href.starts_with("/admin/logout")
        // Downloads are requested by the matrix, not crawled for links.
        && !href.contains(".csv")
        && !href.contains(".xlsx")
        && !href.contains(".zip")
        && !href.contains(".pdf")
        && !href.contains(".docx")
        && !href.contains(".ics")
        && !href.ends_with("/pdf")
        && !href.ends_with("/docx")
}

async fn crawl(app: &mut TestApp) -> Crawl {
    let mut c = Crawl::default();
    let mut queue = VecDeque::from(["/admin".to_string()]);
    // One URL per path: the filter, sort and paging variants of a list are one page for access.
    let mut seen = BTreeSet::from(["/admin".to_string()]);
    while let Some(url) = queue.pop_front() {
        if c.pages.len() >= CRAWL_LIMIT {
            break;
        }
        let r = app.get(&url).await;
        c.pages.insert(url.clone(), r.status.as_u16());
        assert!(
            !r.status.is_server_error(),
            "{url} answered {} while crawling",
            r.status
        );
        if !r.header("content-type").starts_with("text/html") {
            continue;
        }
        for a in post_actions(&r.body) {
            c.forms.insert(a);
        }
        for href in attr_values(&r.body, "href") {
            let href = href.split('#').next().unwrap_or_default().to_string();
            let path = href.split('?').next().unwrap_or_default().to_string();
            if is_followable(&href) && seen.insert(path) {
                queue.push_back(href);
            }
        }
    }
    c
}

/// Every response carries the headers of `security::headers`.
fn assert_security_headers(r: &common::Resp, what: &str) {
    for (name, expect) in [
        ("content-security-policy", "frame-ancestors 'none'"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        assert!(
            r.header(name).contains(expect),
            "{what}: header {name} is {:?}",
            r.header(name)
        );
    }
}

/// Fills a pattern's parameters with a value that matches no object (for anonymous requests).
fn fill_unknown(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// API routes anyone may call without a token (the public catalog and the API description).
fn public_api(pattern: &str) -> bool {
    pattern == "/api/openapi.json"
        || pattern.starts_with("/api/v1/catalog")
        || pattern.starts_with("/api/v1/search")
        || pattern.starts_with("/api/v1/public")
        || pattern.starts_with("/api/v1/mailbox/qa")
}

/// Console routes that need no login (the login steps themselves).
fn public_console(pattern: &str) -> bool {
    pattern.starts_with("/admin/login") || pattern == "/admin/logout"
}

both_backends_app!(every_route_for_every_role, |app| {
    let routes = declared_routes();
    // The scan found the route tables (a broken scan must not pass as "nothing to check").
    assert!(routes.len() > 150, "only {} routes found", routes.len());
    for known in [
        "/admin/items/{id}",
        "/api/v1/items/{id}/publish",
        "/apply",
        "/admin/login",
    ] {
        assert!(
            routes.iter().any(|r| r.pattern == known),
            "{known} missing from {routes:#?}"
        );
    }

    // 1. Anonymous: nothing behind the login, no staff API without a token, no 5xx, and the
    //    security headers on every answer.
    app.clear_cookies();
    app.get("/").await; // an anonymous CSRF cookie, so POSTs pass the token check
    let mut wrong = Vec::new();
    for r in &routes {
        let url = fill_unknown(&r.pattern);
        let resp = match r.method {
            "GET" => app.get(&url).await,
            "POST" => app.post(&url, &[]).await,
            other => {
                let req = axum::http::Request::builder()
                    .method(other)
                    .uri(&url)
                    .body(axum::body::Body::empty())
                    .unwrap();
                app.send(req).await
            }
        };
        let what = format!("anonymous {} {url}", r.method);
        assert!(
            !resp.status.is_server_error(),
            "{what}: {}\n{}",
            resp.status,
            resp.body
        );
        assert_security_headers(&resp, &what);
        if r.pattern.starts_with("/admin")
            && !public_console(&r.pattern)
            && !(resp.status == StatusCode::SEE_OTHER
                && resp.location().starts_with("/admin/login"))
        {
            wrong.push(format!("{what}: {} to {:?}", resp.status, resp.location()));
        }
        if r.pattern.starts_with("/api/v1")
            && !public_api(&r.pattern)
            && !(resp.status == StatusCode::UNAUTHORIZED
                && resp.header("content-type").starts_with("application/json"))
        {
            wrong.push(format!("{what}: {}", resp.status));
        }
    }
    assert!(wrong.is_empty(), "anonymous access:\n{}", wrong.join("\n"));

    // 2. Each role crawls the console; crawled URLs fill the route parameters.
    let users: Vec<String> = app.demo.users.iter().map(|u| u.0.clone()).collect();
    assert!(users.len() >= 9, "{users:?}");
    let mut crawls = BTreeMap::new();
    for user in &users {
        app.login_demo(user).await;
        crawls.insert(user.clone(), crawl(&mut app).await);
    }
    let reached: BTreeSet<&String> = crawls.values().flat_map(|c| c.pages.keys()).collect();
    let get_routes: Vec<&Route> = routes
        .iter()
        .filter(|r| r.method == "GET" && r.pattern.starts_with("/admin"))
        .collect();
    // One representative URL per console GET route: its pattern, or a crawled URL.
    let mut representative: BTreeMap<&str, String> = BTreeMap::new();
    for r in &get_routes {
        if !has_params(&r.pattern) {
            representative.insert(&r.pattern, r.pattern.clone());
        } else if let Some(u) = reached.iter().find(|u| matches(&r.pattern, u)) {
            representative.insert(&r.pattern, (*u).clone());
        }
    }

    // 3. The matrix: every console GET route (with a representative) × every role.
    let mut rows: BTreeMap<&str, Vec<u16>> = BTreeMap::new();
    for user in &users {
        app.login_demo(user).await;
        for (pattern, url) in &representative {
            let resp = app.get(url).await;
            let what = format!("{user} GET {url}");
            assert!(!resp.status.is_server_error(), "{what}: {}", resp.status);
            assert_security_headers(&resp, &what);
            rows.entry(pattern).or_default().push(resp.status.as_u16());
        }
    }
    let mut matrix = String::from("route");
    for u in &users {
        matrix.push_str(&format!(" | {}", u.trim_start_matches("demo-")));
    }
    matrix.push('\n');
    for (pattern, statuses) in &rows {
        matrix.push_str(pattern);
        for s in statuses {
            matrix.push_str(&format!(" | {s}"));
        }
        matrix.push('\n');
    }
    let unreached: Vec<&str> = get_routes
        .iter()
        .map(|r| r.pattern.as_str())
        .filter(|p| !representative.contains_key(p))
        .collect();
    matrix.push_str("\nnot reachable from the demo data by following links:\n");
    for p in &unreached {
        matrix.push_str(&format!("{p}\n"));
    }
    insta::assert_snapshot!("authz_matrix", matrix);

    // 4. No IDOR across scopes: the county office against what only the city office reaches,
    //    and the rehabilitation department's drafter against what only the office reaches.
    //    Across the two sites of the platform (issue #14), each site's office and administrator
    //    against the other site's.
    for (outsider, insider) in [
        ("demo-county-office", "demo-office"),
        ("demo-drafter", "demo-office"),
        ("demo-gzl-office", "demo-office"),
        ("demo-office", "demo-gzl-office"),
        ("demo-gzl-admin", "demo-admin"),
    ] {
        let own = &crawls[outsider];
        let theirs = &crawls[insider];
        let foreign_pages: Vec<&String> = theirs
            .pages
            .iter()
            .filter(|(u, status)| {
                **status == 200
                    && !own.pages.contains_key(*u)
                    && u.chars().any(|c| c.is_ascii_digit())
            })
            .map(|(u, _)| u)
            .filter(|u| {
                // Object pages only: a URL with a numeric path segment.
                u.split(['?', '#'])
                    .next()
                    .unwrap_or_default()
                    .split('/')
                    .any(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        assert!(
            !foreign_pages.is_empty(),
            "{insider} reaches no object page that {outsider} does not: the scoping check has nothing to check"
        );
        app.login_demo(outsider).await;
        for url in &foreign_pages {
            let r = app.get(url).await;
            assert!(
                matches!(r.status.as_u16(), 403 | 404),
                "{outsider} opened {url} of {insider}'s scope: {}",
                r.status
            );
        }
        let foreign_forms: Vec<&String> = theirs
            .forms
            .iter()
            .filter(|a| !own.forms.contains(*a))
            .filter(|a| {
                a.split(['?', '#'])
                    .next()
                    .unwrap_or_default()
                    .split('/')
                    .any(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        for action in foreign_forms {
            // A valid session and CSRF token, but an object outside the scope: refused before
            // any validation of the (empty) form.
            app.get("/admin").await;
            let r = app.post(action, &[]).await;
            assert!(
                matches!(r.status.as_u16(), 403 | 404),
                "{outsider} posted to {action} of {insider}'s scope: {}",
                r.status
            );
        }
    }
});
