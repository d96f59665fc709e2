//! Test harness: the real router on a real database (SQLite or PostgreSQL) with the demo data
//! loaded, and a tiny cookie-keeping client that submits forms with the right CSRF token.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use gongkai_store::Db;
use gongkai_store::demo::DemoSummary;
use gongkai_store::testing::TestDb;
use gongkai_web::{AppState, WebConfig, router};
use std::collections::BTreeMap;
use tower::ServiceExt;

pub const DEMO_PASSWORD: &str = gongkai_store::demo::DEMO_PASSWORD;

/// One response, body read as text.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn location(&self) -> &str {
        self.header("location")
    }
}

/// The application under test plus one browser's cookies.
pub struct TestApp {
    pub router: Router,
    pub db: Db,
    pub demo: DemoSummary,
    cookies: BTreeMap<String, String>,
    /// The CSRF token of the last HTML page that carried a form.
    csrf: String,
    /// The vault the demo's personal data were sealed with (the router's).
    pub vault: gongkai_core::vault::SharedVault,
    /// The router's state (e.g. the annual-report PDF cache).
    pub state: AppState,
    _t: TestDb,
}

impl TestApp {
    pub async fn on(t: TestDb) -> TestApp {
        TestApp::with_config(t, WebConfig::default()).await
    }

    /// The application with a non-default configuration (e.g. lockout settings).
    pub async fn with_config(t: TestDb, config: WebConfig) -> TestApp {
        let demo = gongkai_store::demo::load_if_empty(&t.db, &config.vault.get())
            .await
            .expect("load demo")
            .expect("demo loads into an empty database");
        TestApp::assemble(t, config, demo)
    }

    /// The demo's organisations and accounts, but an empty catalog (no demo items).
    pub async fn people_only(t: TestDb) -> TestApp {
        let config = WebConfig::default();
        let demo = gongkai_store::demo::load_people_if_empty(&t.db, &config.vault.get())
            .await
            .expect("load demo people")
            .expect("demo loads into an empty database");
        TestApp::assemble(t, config, demo)
    }

    fn assemble(t: TestDb, config: WebConfig, demo: gongkai_store::demo::DemoSummary) -> TestApp {
        let state = AppState::new(t.db.clone(), config);
        TestApp {
            vault: state.config.vault.clone(),
            router: router(state.clone()),
            state,
            db: t.db.clone(),
            demo,
            cookies: BTreeMap::new(),
            csrf: String::new(),
            _t: t,
        }
    }

    /// The demo application with full-text search (an in-memory index built from the database;
    /// call [`TestApp::sync_search`] after changes).
    pub async fn with_search(t: TestDb) -> (TestApp, gongkai_search::Search) {
        let mut app = TestApp::on(t).await;
        let search = gongkai_search::Search::new(app.db.clone(), None, None);
        search
            .open_or_rebuild(|_| {})
            .await
            .expect("build the search index");
        let config = WebConfig {
            vault: app.vault.clone(),
            ..WebConfig::default()
        };
        app.state = AppState::new(app.db.clone(), config).with_search(search.clone());
        app.router = router(app.state.clone());
        (app, search)
    }

    pub async fn sqlite() -> TestApp {
        TestApp::on(TestDb::sqlite().await).await
    }

    pub async fn postgres() -> Option<TestApp> {
        Some(TestApp::on(TestDb::postgres().await?).await)
    }

    /// Forgets every cookie (a new browser).
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
        self.csrf.clear();
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends `req` (adding Host and cookies), keeps Set-Cookie and the page's CSRF token.
    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        let h = req.headers_mut();
        h.entry(header::HOST)
            .or_insert(header::HeaderValue::from_static("localhost"));
        if !self.cookies.is_empty() && !h.contains_key(header::COOKIE) {
            h.insert(header::COOKIE, self.cookie_header().parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() || v.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        // Binary downloads (XLSX, PDF) come back lossy: use `get_bytes` to read them.
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = hidden_csrf(&body) {
            self.csrf = token;
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    /// POST of a form (with the CSRF token of the last page) whose answer is a binary download:
    /// status, headers and the raw bytes.
    pub async fn post_bytes(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let token = if self.csrf.is_empty() {
            self.cookie("gk_csrf").unwrap_or_default().to_string()
        } else {
            self.csrf.clone()
        };
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &token)
            .extend_pairs(fields)
            .finish();
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let h = req.headers_mut();
        h.insert(header::HOST, header::HeaderValue::from_static("localhost"));
        if !self.cookies.is_empty() {
            h.insert(header::COOKIE, self.cookie_header().parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, bytes.to_vec())
    }

    /// GET of a binary download (ZIP, XLSX): status, headers and the raw bytes, with this
    /// browser's cookies.
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut req = Request::get(path).body(Body::empty()).unwrap();
        let h = req.headers_mut();
        h.insert(header::HOST, header::HeaderValue::from_static("localhost"));
        if !self.cookies.is_empty() {
            h.insert(header::COOKIE, self.cookie_header().parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, bytes.to_vec())
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = Request::get(path).body(Body::empty()).unwrap();
        self.send(req).await
    }

    /// GET with extra headers (e.g. `Authorization`).
    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut b = Request::get(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    /// POSTs a form exactly as given (no CSRF token added), with extra headers.
    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// POSTs a form with the CSRF token of the last page seen (the anonymous cookie otherwise).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = if self.csrf.is_empty() {
            self.cookie("gk_csrf").unwrap_or_default().to_string()
        } else {
            self.csrf.clone()
        };
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, &[]).await
    }

    /// POSTs a `multipart/form-data` form: text `fields` and `files` as (field, filename,
    /// content type, bytes). The CSRF token of the last page seen goes in the query string, as
    /// the console's upload forms put it in their action URL (see `security::csrf_guard`).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Resp {
        let token = if self.csrf.is_empty() {
            self.cookie("gk_csrf").unwrap_or_default().to_string()
        } else {
            self.csrf.clone()
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        let uri = format!("{path}{sep}csrf={token}");
        let boundary = "----gongkai-test-boundary-7d1c";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, filename, content_type, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::post(uri)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Logs in through the login form (a fresh browser).
    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        self.clear_cookies();
        let page = self.get("/admin/login").await;
        assert_eq!(page.status, StatusCode::OK);
        self.post(
            "/admin/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Logs in as a demo user and expects to land on the console.
    pub async fn login_demo(&mut self, username: &str) {
        let r = self.login(username, DEMO_PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            r.body
        );
        assert_eq!(r.location(), "/admin");
        // Load a console page so that the session's CSRF token is known.
        let home = self.get("/admin").await;
        assert_eq!(home.status, StatusCode::OK);
    }

    pub async fn org_id(&self, code: &str) -> i64 {
        gongkai_store::orgs::by_code(&self.db, code)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("org {code}"))
            .id
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        gongkai_store::users::by_username(&self.db, username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("user {username}"))
            .id
    }
}

/// The value of the first hidden `csrf` field of a page.
pub fn hidden_csrf(body: &str) -> Option<String> {
    let at = body.find("name=\"csrf\" value=\"")?;
    let rest = &body[at + "name=\"csrf\" value=\"".len()..];
    let end = rest.find('"')?;
    Some(rest[..end].to_string()).filter(|t| !t.is_empty())
}

/// Runs the same async test body against SQLite and PostgreSQL, each with a fresh demo database.
#[macro_export]
macro_rules! both_backends_app {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run(mut $app: TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                run(TestApp::sqlite().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(app) = TestApp::postgres().await else {
                    return;
                };
                run(app).await;
            }
        }
    };
}

/// An upload whose file name and/or declared `Content-Type` disagree with its bytes (issue #11,
/// content-type confusion): a browser must never get it back with a type it would execute.
pub struct Disguised {
    pub what: &'static str,
    pub filename: &'static str,
    /// The part's `Content-Type`, which the server ignores.
    pub declared: &'static str,
    pub bytes: Vec<u8>,
    /// The media type the file is stored and served as when it is admitted (its bytes really
    /// are that, and the name fits); `None` when every upload must refuse it.
    pub really: Option<&'static str>,
}

const SCRIPT_PAGE: &[u8] =
    b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";

/// Every disguise tried on every upload: HTML and SVG with script named as documents or images,
/// a ZIP and an executable named .docx, a PDF declared as HTML, and PDF/GIF/HTML polyglots.
pub fn disguised_uploads() -> Vec<Disguised> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("index.html", opts).unwrap();
    std::io::Write::write_all(&mut zip, SCRIPT_PAGE).unwrap();
    let zip = zip.finish().unwrap().into_inner();
    let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    vec![
        Disguised {
            what: "HTML with script named .pdf",
            filename: "报告.pdf",
            declared: "application/pdf",
            bytes: SCRIPT_PAGE.to_vec(),
            really: None,
        },
        Disguised {
            what: "SVG with script named .png",
            filename: "示意图.png",
            declared: "image/png",
            bytes: br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"#.to_vec(),
            really: None,
        },
        Disguised {
            what: "HTML under its own name",
            filename: "page.html",
            declared: "text/html",
            bytes: SCRIPT_PAGE.to_vec(),
            really: None,
        },
        Disguised {
            what: "ZIP archive named .docx",
            filename: "通知.docx",
            declared: docx,
            bytes: zip,
            really: None,
        },
        Disguised {
            what: "Windows executable named .docx",
            filename: "通知2.docx",
            declared: docx,
            bytes: b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00PE\x00\x00".to_vec(),
            really: None,
        },
        Disguised {
            what: "PDF declared as text/html",
            filename: "说明.pdf",
            declared: "text/html",
            bytes: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
                .to_vec(),
            really: Some("application/pdf"),
        },
        Disguised {
            what: "PDF/HTML polyglot declared as text/html",
            filename: "说明二.pdf",
            declared: "text/html",
            bytes: [b"%PDF-1.4\n".as_slice(), SCRIPT_PAGE, b"\n%%EOF\n"].concat(),
            really: Some("application/pdf"),
        },
        Disguised {
            what: "GIF/JavaScript polyglot declared as text/html",
            filename: "动图.gif",
            declared: "text/html",
            bytes: b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.cookie);".to_vec(),
            really: Some("image/gif"),
        },
        Disguised {
            what: "HTML with script named .txt",
            filename: "页面.txt",
            declared: "text/html",
            bytes: SCRIPT_PAGE.to_vec(),
            really: Some("text/plain; charset=utf-8"),
        },
    ]
}

/// The headers a downloaded upload must carry: exactly the type its bytes really are (never one
/// a browser would execute), `nosniff`, and a disposition that names it as a file.
pub fn assert_served_as(resp: &Resp, media_type: &str, what: &str) {
    assert_eq!(resp.status, StatusCode::OK, "{what}: {}", resp.body);
    let ct = resp.header("content-type");
    assert!(ct.starts_with(media_type), "{what}: served as {ct}");
    assert!(
        !ct.contains("html") && !ct.contains("svg") && !ct.contains("javascript"),
        "{what}: {ct}"
    );
    assert_eq!(resp.header("x-content-type-options"), "nosniff", "{what}");
    let cd = resp.header("content-disposition");
    assert!(
        cd.starts_with("attachment;") || cd.starts_with("inline;"),
        "{what}: {cd}"
    );
}
