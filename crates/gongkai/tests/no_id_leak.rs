//! No log line, error page or API response carries a full identity or disability-certificate
//! number (issue #13, 个人信息保护法 Art. 51). The real server runs with debug logging captured
//! to a file; requests put the numbers everywhere a person or a tool can (paths, queries, form
//! fields, API paths, a login name); then every response, the whole log and the audit table are
//! searched for them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{BIN, cookie_value, http, login};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A resident ID with a valid check digit, and a disability certificate number built on it.
const ID: &str = "11010519491231002X";
const CERT20: &str = "11010519491231002X42";

fn contains_number(text: &str) -> Option<&'static str> {
    [ID, CERT20, &ID[..17]]
        .into_iter()
        .find(|n| text.contains(n))
        .or_else(|| text.contains(&ID.to_lowercase()).then_some(ID))
}

#[test]
fn no_full_number_in_logs_error_pages_or_api_responses() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("GONGKAI_LOG", "debug")
        .env_remove("GONGKAI_VAULT_KEYS")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = loop {
        assert!(Instant::now() < deadline, "serve did not start");
        let line = lines.next().expect("serve exited early").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let mut responses: Vec<(String, u16, String)> = Vec::new();
    let fetch = |path: String, session: Option<&str>| {
        let cookie = session
            .map(|t| format!("Cookie: gk_session={t}\r\n"))
            .unwrap_or_default();
        let (status, head, body) = http(
            &addr,
            &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{cookie}\r\n"),
        )
        .unwrap();
        (
            format!("GET {path}"),
            status,
            format!("{head}\r\n\r\n{body}"),
        )
    };

    // Portal: paths, queries and API paths carrying the numbers.
    for n in [ID, CERT20, "11010519491231002x"] {
        responses.push(fetch(format!("/items/{n}"), None));
        responses.push(fetch(format!("/{n}"), None));
        responses.push(fetch(format!("/search?q={n}"), None));
        responses.push(fetch(
            format!("/catalog?q={n}&org={n}&category={n}&page={n}"),
            None,
        ));
        responses.push(fetch(format!("/files/{n}/{n}.pdf"), None));
        responses.push(fetch(format!("/feeds/org/{n}"), None));
        responses.push(fetch(format!("/reports/{n}"), None));
        responses.push(fetch(format!("/apply/status?code={n}&id_number={n}"), None));
        responses.push(fetch(format!("/api/v1/catalog/{n}"), None));
        responses.push(fetch(
            format!("/api/v1/catalog?q={n}&org={n}&page={n}"),
            None,
        ));
        responses.push(fetch(format!("/api/v1/items/{n}/timeline"), None));
    }

    // A login with an identity number as the user name (the form re-renders with the input).
    let (_, head, _) = http(
        &addr,
        &format!("GET /admin/login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .unwrap();
    let csrf = cookie_value(&head, "gk_csrf").unwrap();
    for n in [ID, CERT20] {
        let body = format!("csrf={csrf}&username={n}&password={n}&next=%2Fadmin%2F{n}");
        let (status, head, page) = http(
            &addr,
            &format!(
                "POST /admin/login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: gk_csrf={csrf}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        )
        .unwrap();
        responses.push((
            "POST /admin/login".into(),
            status,
            format!("{head}\r\n\r\n{page}"),
        ));
    }

    // Console pages with the numbers in queries and paths, as a logged-in administrator.
    let session = login(&addr).expect("demo login");
    for n in [ID, CERT20] {
        responses.push(fetch(format!("/admin/users/{n}"), Some(&session)));
        responses.push(fetch(format!("/admin/orgs/{n}"), Some(&session)));
        responses.push(fetch(format!("/admin/items/{n}"), Some(&session)));
        responses.push(fetch(
            format!("/admin/audit?actor={n}&object_id={n}"),
            Some(&session),
        ));
        responses.push(fetch(format!("/admin/calendar?year={n}"), Some(&session)));
    }

    child.kill().unwrap();
    child.wait().unwrap();

    assert!(responses.len() > 40);
    for (request, status, text) in &responses {
        assert!(
            contains_number(text).is_none(),
            "{request} ({status}) returned a full number:\n{text}"
        );
        assert_ne!(*status, 500, "{request}: {text}");
    }
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        !logged.is_empty(),
        "debug logging should have written something"
    );
    if let Some(n) = contains_number(&logged) {
        let line = logged.lines().find(|l| l.contains(n)).unwrap_or_default();
        panic!("the log contains {n}: {line}");
    }

    // The audit log (failed logins name the user name typed) holds no full number either.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rows: Vec<String> = rt.block_on(async {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect(&format!("sqlite://{}", data.join("gongkai.db").display()))
            .await
            .unwrap();
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT actor || ' ' || object_id || ' ' || COALESCE(before_json, '') || ' ' || \
             COALESCE(after_json, '') FROM audit_log UNION ALL \
             SELECT username FROM login_attempts",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows
    });
    assert!(
        rows.iter().any(|r| r.contains("110105********002X")),
        "the failed login is recorded, masked"
    );
    for r in rows {
        assert!(contains_number(&r).is_none(), "audit or login record: {r}");
    }
}
