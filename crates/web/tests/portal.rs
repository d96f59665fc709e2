//! The public portal through the real router (product.md C6): every stable public URL answers,
//! errors are Chinese pages and never 500s, the reading-preference switch cannot be turned into an
//! open redirect, and insta snapshots pin the rendered pages, the Atom feed and the sitemap.
//!
//! Each test builds the whole application (`gongkai_web::router`) on a fresh migrated SQLite
//! database, so the middleware (security headers, CSRF cookie, API JSON errors) is exercised too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use gongkai_store::audit::Actor;
use gongkai_store::testing::TestDb;
use gongkai_web::{AppState, WebConfig};
use proptest::prelude::*;
use tower::ServiceExt;

/// A response reduced to what the tests look at.
struct Got {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Got {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

async fn get_with(app: &axum::Router, uri: &str, cookie: Option<&str>) -> Got {
    let mut req = Request::builder().uri(uri);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    Got {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).expect("responses are UTF-8"),
    }
}

async fn get(app: &axum::Router, uri: &str) -> Got {
    get_with(app, uri, None).await
}

fn app(t: &TestDb) -> axum::Router {
    gongkai_web::router(AppState::new(t.db.clone(), WebConfig::default()))
}

/// Gives the database the root organisation and a guide text, as an office would before going
/// live, so the snapshots show the filled-in pages rather than the empty states.
async fn seed(t: &TestDb) {
    let actor = Actor::system();
    let mut tx = t.db.begin().await.unwrap();
    gongkai_store::orgs::create(
        &mut tx,
        &actor,
        &gongkai_store::orgs::OrgInput {
            parent_id: None,
            kind: "body".into(),
            code: "ccdpf".into(),
            full_name: "长春市残疾人联合会".into(),
            short_name: "长春市残联".into(),
            sort_order: 0,
            address: "长春市南关区人民大街1号".into(),
            postcode: "130000".into(),
            phone: "0431-80000000".into(),
            fax: "0431-80000001".into(),
            email: "gongkai@example.gov.cn".into(),
            website: "https://www.example.gov.cn".into(),
            office_hours: "工作日 8:30-11:30，13:00-16:30".into(),
        },
    )
    .await
    .unwrap();
    gongkai_store::pages::put(
        &mut tx,
        &actor,
        "guide",
        "政府信息公开指南",
        "为了更好地开展政府信息公开工作，根据《中华人民共和国政府信息公开条例》，编制本指南。\n\n\
         一、主动公开\n  本机关主动公开的政府信息，在本网站“法定主动公开内容”栏目发布。\n\
         二、依申请公开 <b>不是标签</b> & 符号",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Replaces what changes from run to run (times, tokens, asset hashes) with fixed markers.
fn normalise(s: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[TIMESTAMP]",
        ),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "[DATETIME]"),
        (
            r#"name="csrf" value="[^"]*""#,
            r#"name="csrf" value="[CSRF]""#,
        ),
        (r"\?v=[0-9a-f]+", "?v=[HASH]"),
        (r"\b[0-9a-f]{64}\b", "[TOKEN]"),
    ];
    let mut out = s.to_string();
    for (pattern, replacement) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, *replacement)
            .into_owned();
    }
    out
}

#[test]
fn normalise_hides_volatile_parts_only() {
    let s = normalise(
        "<updated>2026-11-26T20:01:46Z</updated> 2019-03-31 09:30 \
         <input name=\"csrf\" value=\"abc\"> /static/site.css?v=0a1b2c3d4e5f 政府信息公开 2019",
    );
    assert_eq!(
        s,
        "<updated>[TIMESTAMP]</updated> [DATETIME] <input name=\"csrf\" value=\"[CSRF]\"> \
         /static/site.css?v=[HASH] 政府信息公开 2019"
    );
}

fn assert_html_page(g: &Got) {
    assert!(
        g.header(header::CONTENT_TYPE)
            .is_some_and(|c| c.starts_with("text/html")),
        "HTML content type"
    );
    assert!(g.body.contains("<html lang=\"zh-CN\">"), "lang attribute");
    assert!(g.body.contains("class=\"skip-link\" href=\"#main\""));
    assert!(g.header(header::CONTENT_SECURITY_POLICY).is_some());
}

#[tokio::test]
async fn snapshot_home() {
    let t = TestDb::sqlite().await;
    seed(&t).await;
    let g = get(&app(&t), "/").await;
    assert_eq!(g.status, StatusCode::OK);
    assert_html_page(&g);
    insta::assert_snapshot!("home", normalise(&g.body));
}

/// The guide of the demo data set (`serve --demo`): the text and the office's contact table.
#[tokio::test]
async fn snapshot_guide() {
    let t = TestDb::sqlite().await;
    gongkai_store::demo::load_if_empty(&t.db, &gongkai_core::vault::Vault::for_tests())
        .await
        .unwrap()
        .expect("demo loads into an empty database");
    let g = get(&app(&t), "/guide").await;
    assert_eq!(g.status, StatusCode::OK);
    assert_html_page(&g);
    // The demo guide is written in the console with every Art. 12 field.
    assert!(g.body.contains("政府信息公开工作机构及联系方式"));
    assert!(g.body.contains("传真号码"));
    insta::assert_snapshot!("guide", normalise(&g.body));
}

/// A guide written through `pages::put` is shown paragraph by paragraph, escaped, never
/// interpreted as markup.
#[tokio::test]
async fn guide_text_is_escaped() {
    let t = TestDb::sqlite().await;
    seed(&t).await;
    let g = get(&app(&t), "/guide").await;
    assert_eq!(g.status, StatusCode::OK);
    assert!(g.body.contains("<p>一、主动公开</p>"));
    assert!(
        g.body
            .contains("&#60;b&#62;不是标签&#60;/b&#62; &#38; 符号")
    );
    assert!(!g.body.contains("<b>不是标签"));
    assert!(
        g.body
            .contains("<th scope=\"row\">联系电话</th><td>0431-80000000</td>")
    );
}

#[tokio::test]
async fn snapshot_guide_empty_database() {
    let t = TestDb::sqlite().await;
    let g = get(&app(&t), "/guide").await;
    assert_eq!(g.status, StatusCode::OK);
    assert!(g.body.contains("本机关的政府信息公开指南正在编制中。"));
    assert!(
        !g.body.contains("<table"),
        "no contact table without an org"
    );
}

#[tokio::test]
async fn snapshot_catalog_empty() {
    let t = TestDb::sqlite().await;
    seed(&t).await;
    let g = get(&app(&t), "/catalog?year=2019").await;
    assert_eq!(g.status, StatusCode::OK);
    assert_html_page(&g);
    // The year options grow every year; the snapshot pins the rest of the page.
    let body = regex::Regex::new(r#"(?m)^\s*<option value="\d{4}"( selected)?>\d{4}年</option>\n"#)
        .unwrap()
        .replace_all(&g.body, "");
    insta::assert_snapshot!("catalog_empty", normalise(&body));
}

#[tokio::test]
async fn snapshot_not_found() {
    let t = TestDb::sqlite().await;
    let g = get(&app(&t), "/no/such/page").await;
    assert_eq!(g.status, StatusCode::NOT_FOUND);
    assert_html_page(&g);
    insta::assert_snapshot!("not_found", normalise(&g.body));
}

#[tokio::test]
async fn snapshot_feed_and_sitemap() {
    let t = TestDb::sqlite().await;
    seed(&t).await;
    let app = app(&t);
    let feed = get(&app, "/feeds/all.atom").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.header(header::CONTENT_TYPE)
            .is_some_and(|c| c.starts_with("application/atom+xml"))
    );
    insta::assert_snapshot!("feed_all", normalise(&feed.body));
    let sitemap = get(&app, "/sitemap.xml").await;
    assert_eq!(sitemap.status, StatusCode::OK);
    assert!(
        sitemap
            .header(header::CONTENT_TYPE)
            .is_some_and(|c| c.starts_with("application/xml"))
    );
    insta::assert_snapshot!("sitemap", normalise(&sitemap.body));
}

/// The Atom feed is well-formed XML (checked by an independent parser) with the elements RFC 4287
/// requires of a feed: title, id, updated (an RFC 3339 time).
#[tokio::test]
async fn feed_is_valid_atom_even_with_markup_in_the_site_name() {
    let t = TestDb::sqlite().await;
    let mut tx = t.db.begin().await.unwrap();
    gongkai_store::orgs::create(
        &mut tx,
        &Actor::system(),
        &gongkai_store::orgs::OrgInput {
            kind: "body".into(),
            code: "x".into(),
            full_name: "A&B <残联> \"测试\"".into(),
            short_name: "A&B".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let feed = get(&app(&t), "/feeds/all.atom").await;
    assert_eq!(feed.status, StatusCode::OK);
    let doc = roxmltree::Document::parse(&feed.body).expect("feed is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let child = |name: &str| {
        root.children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .unwrap_or_else(|| panic!("feed has <{name}>"))
    };
    assert!(
        child("title")
            .text()
            .unwrap()
            .starts_with("A&B <残联> \"测试\"")
    );
    assert!(
        child("id").text().unwrap().starts_with("http://"),
        "the id is an absolute IRI"
    );
    // RFC 4287 §4.1.1: a feed without per-entry authors needs a feed-level author.
    let author = child("author");
    assert!(author.children().any(|n| n.tag_name().name() == "name"));
    let updated = child("updated").text().unwrap();
    chrono::DateTime::parse_from_rfc3339(updated).expect("updated is RFC 3339");
    // Unknown feeds are Chinese 404 pages.
    for bad in ["/feeds/nope.atom", "/feeds/all", "/feeds/all.rss"] {
        let g = get(&app(&t), bad).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(g.body.contains("订阅源不存在"), "{bad}");
    }
}

/// The sitemap parses and lists exactly the stable public sections, each once.
#[tokio::test]
async fn sitemap_lists_the_public_sections() {
    let t = TestDb::sqlite().await;
    let g = get(&app(&t), "/sitemap.xml").await;
    let doc = roxmltree::Document::parse(&g.body).expect("sitemap is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "urlset");
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "loc")
        .filter_map(|n| n.text())
        .collect();
    let mut sorted = locs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), locs.len(), "no duplicates");
    // Absolute URLs (the sitemap protocol requires them), on the request's host.
    let paths: Vec<&str> = locs
        .iter()
        .map(|l| {
            l.strip_prefix("http://")
                .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
                .unwrap_or_else(|| panic!("{l} is not an absolute http URL"))
        })
        .collect();
    for (href, _, _) in gongkai_web::portal::COLUMN {
        assert!(paths.contains(href), "{href} in sitemap");
    }
    // Every listed URL answers 200.
    let app = app(&t);
    for path in paths {
        assert_eq!(get(&app, path).await.status, StatusCode::OK, "{path}");
    }
}

/// Every public URL of issue #2 answers as specified.
#[tokio::test]
async fn every_public_url_responds() {
    let t = TestDb::sqlite().await;
    seed(&t).await;
    let app = app(&t);
    let html_ok = [
        "/",
        "/guide",
        "/rules",
        "/catalog",
        "/catalog?year=2019",
        "/reports",
        "/apply",
        "/apply/status",
        "/mailbox",
        "/search",
        "/search?q=x",
        "/search?q=%E6%AE%8B%E7%96%BE%E4%BA%BA%E8%AF%81",
        "/admin/login",
    ];
    for uri in html_ok {
        let g = get(&app, uri).await;
        assert_eq!(g.status, StatusCode::OK, "{uri}");
        assert_html_page(&g);
    }
    let chinese_404 = [
        ("/items/1", "您要查看的政府信息不存在或尚未公开"),
        ("/items/abc", "您要查看的政府信息不存在或尚未公开"),
        (
            "/reports/2019",
            "2019年度政府信息公开工作年度报告尚未在本系统发布",
        ),
        ("/reports/abc", "年份格式不正确"),
        ("/reports/1900", "年份格式不正确"),
        ("/nothing-here", "您访问的页面不存在"),
    ];
    for (uri, message) in chinese_404 {
        let g = get(&app, uri).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "{uri}");
        assert_html_page(&g);
        assert!(g.body.contains(message), "{uri}: {}", g.body);
        assert!(g.body.contains("错误代码：404"), "{uri}");
    }
    let feed = get(&app, "/feeds/all.atom").await;
    assert_eq!(feed.status, StatusCode::OK);
    roxmltree::Document::parse(&feed.body).expect("feed is XML");
    let sitemap = get(&app, "/sitemap.xml").await;
    assert_eq!(sitemap.status, StatusCode::OK);
    roxmltree::Document::parse(&sitemap.body).expect("sitemap is XML");
    // The search page echoes the query, escaped.
    let g = get(&app, "/search?q=%3Cscript%3E%E6%AE%8B").await;
    assert!(g.body.contains("value=\"&#60;script&#62;残\""));
    assert!(!g.body.contains("<script>"));
}

/// The preference switch sets the cookie and goes back where the reader was.
#[tokio::test]
async fn prefs_set_cookie_and_redirect_back() {
    let t = TestDb::sqlite().await;
    let app = app(&t);
    let g = get(&app, "/prefs?text=large&back=/guide").await;
    assert_eq!(g.status, StatusCode::SEE_OTHER);
    assert_eq!(g.header(header::LOCATION), Some("/guide"));
    let cookie = g
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("gk_prefs="))
        .expect("preference cookie")
        .to_string();
    assert!(cookie.starts_with("gk_prefs=large;"), "{cookie}");
    assert!(cookie.contains("Max-Age=31536000"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    // The next page carries the class; turning on contrast keeps large text.
    let page = get_with(&app, "/guide", Some("gk_prefs=large")).await;
    assert!(page.body.contains("<body class=\"pref-large\">"));
    assert!(
        page.body
            .contains("name=\"text\" value=\"normal\" aria-pressed=\"true\"")
    );
    let both = get_with(
        &app,
        "/prefs?contrast=high&back=/rules",
        Some("gk_prefs=large"),
    )
    .await;
    assert_eq!(both.header(header::LOCATION), Some("/rules"));
    assert!(
        both.set_cookies()
            .iter()
            .any(|c| c.starts_with("gk_prefs=large.contrast;"))
    );
    let page = get_with(&app, "/", Some("gk_prefs=large.contrast")).await;
    assert!(
        page.body
            .contains("<body class=\"pref-large pref-contrast\">")
    );
    // 大鼠标 adds to the others and is undone on its own.
    let cursor = get_with(
        &app,
        "/prefs?cursor=large&back=/",
        Some("gk_prefs=large.contrast"),
    )
    .await;
    assert!(
        cursor
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("gk_prefs=large.contrast.cursor;"))
    );
    let page = get_with(&app, "/", Some("gk_prefs=large.contrast.cursor")).await;
    assert!(
        page.body
            .contains("<body class=\"pref-large pref-contrast pref-cursor\">")
    );
    assert!(
        page.body
            .contains("name=\"cursor\" value=\"normal\" aria-pressed=\"true\"")
    );
    let no_cursor = get_with(
        &app,
        "/prefs?cursor=normal&back=/",
        Some("gk_prefs=large.cursor"),
    )
    .await;
    assert!(
        no_cursor
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("gk_prefs=large;"))
    );
    // Back to normal.
    let off = get_with(
        &app,
        "/prefs?text=normal&contrast=normal&back=/",
        Some("gk_prefs=large.contrast"),
    )
    .await;
    assert!(
        off.set_cookies()
            .iter()
            .any(|c| c.starts_with("gk_prefs=;"))
    );
}

/// `back` only ever leads to a local path.
#[tokio::test]
async fn prefs_never_redirect_off_site() {
    let t = TestDb::sqlite().await;
    let app = app(&t);
    for back in [
        "//evil.example",
        "//evil.example/guide",
        "https://evil.example/",
        "http:evil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "evil.example",
        "",
        "javascript:alert(1)",
    ] {
        let g = get(&app, &format!("/prefs?text=large&back={back}")).await;
        assert_eq!(g.status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(g.header(header::LOCATION), Some("/"), "{back}");
    }
    let g = get(&app, "/prefs?text=large").await;
    assert_eq!(g.header(header::LOCATION), Some("/"));
}

/// Malformed query strings are a Chinese 400 page, not a 500 or axum's English text.
#[tokio::test]
async fn bad_query_strings_are_chinese_400s() {
    let t = TestDb::sqlite().await;
    let app = app(&t);
    for uri in [
        "/search?q=a&q=b",
        "/prefs?text=large&text=normal",
        "/prefs?back=/&back=/guide",
        "/admin/login?next=/admin&next=/admin/users",
    ] {
        let g = get(&app, uri).await;
        assert_eq!(g.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_html_page(&g);
        assert!(
            g.body.contains("网址中的查询参数格式不正确"),
            "{uri}: {}",
            g.body
        );
        assert!(g.body.contains("错误代码：400"), "{uri}");
    }
}

/// Public routes with their query parameters; used by the property test below.
const PUBLIC_PATHS: &[&str] = &[
    "/",
    "/guide",
    "/rules",
    "/catalog",
    "/items/1",
    "/reports",
    "/reports/2019",
    "/apply",
    "/apply/status",
    "/mailbox",
    "/mailbox/write",
    "/mailbox/query",
    "/mailbox/qa",
    "/mailbox/qa/1",
    "/mailbox/stats",
    "/search",
    "/feeds/all.atom",
    "/sitemap.xml",
    "/prefs",
    "/admin/login",
];

fn query_part() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "q", "year", "text", "contrast", "back", "next", "page", "", "%", "%zz", "a[b]",
    ]);
    let value = prop::collection::vec(
        prop::sample::select(vec![
            "",
            "x",
            "2019",
            "%",
            "%FF",
            "%E6%AE%8B",
            "//evil",
            "/guide",
            "+",
            "=",
            "&",
            "large",
            "high",
            "%00",
            "残疾人证",
            "\\",
            "..",
            "-1",
        ]),
        0..3,
    )
    .prop_map(|v| v.concat());
    (key, prop::option::of(value)).prop_map(|(k, v)| match v {
        Some(v) => format!("{k}={v}"),
        None => k.to_string(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the query string, a public URL never answers 5xx, and a client error is a
    /// Chinese page.
    #[test]
    fn no_query_string_causes_a_server_error(
        path in prop::sample::select(PUBLIC_PATHS.to_vec()),
        parts in prop::collection::vec(query_part(), 0..4),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (status, body) = rt.block_on(async {
            let t = TestDb::sqlite().await;
            let uri = if parts.is_empty() { path.to_string() } else { format!("{path}?{}", parts.join("&")) };
            let g = get(&app(&t), &uri).await;
            (g.status, g.body)
        });
        prop_assert!(!status.is_server_error(), "{status}: {body}");
        if status.is_client_error() {
            prop_assert!(body.contains("错误代码："), "{status}: {body}");
        }
    }
}

/// Error pages keep the reader's preferences, and pages inside the nested console router know
/// their full path (the preference buttons return there, not to a 404).
#[tokio::test]
async fn error_and_console_pages_keep_prefs_and_full_path() {
    let t = TestDb::sqlite().await;
    let app = app(&t);
    for (uri, status) in [
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/reports/abc", StatusCode::NOT_FOUND),
        ("/search?q=a&q=b", StatusCode::BAD_REQUEST),
    ] {
        let g = get_with(&app, uri, Some("gk_prefs=large.contrast")).await;
        assert_eq!(g.status, status, "{uri}");
        assert!(
            g.body.contains("<body class=\"pref-large pref-contrast\">"),
            "{uri}"
        );
        let path = uri.split('?').next().unwrap();
        assert!(
            g.body.contains(&format!("name=\"back\" value=\"{path}\"")),
            "{uri}"
        );
        assert!(g.header(header::CONTENT_SECURITY_POLICY).is_some(), "{uri}");
        assert_eq!(g.header(header::CACHE_CONTROL), Some("no-cache, private"));
    }
    let login = get_with(&app, "/admin/login", Some("gk_prefs=large")).await;
    assert!(login.body.contains("<body class=\"pref-large\">"));
    assert!(login.body.contains("name=\"back\" value=\"/admin/login\""));
    // Not logged in: the console sends the reader to the login page with the full path.
    let g = get(&app, "/admin/password").await;
    assert_eq!(g.status, StatusCode::SEE_OTHER);
    assert_eq!(
        g.header(header::LOCATION),
        Some("/admin/login?next=%2Fadmin%2Fpassword")
    );
}
