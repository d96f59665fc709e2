//! `gongkai db-copy` moves the demo deployment from SQLite to PostgreSQL, and the app then serves
//! the same pages from PostgreSQL (issue #2).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{BIN, get, login, start, start_with};
use std::process::Command;

const PAGES: &[&str] = &[
    "/",
    "/guide",
    "/rules",
    "/catalog",
    "/admin",
    "/admin/orgs",
    "/admin/users",
    "/admin/tokens",
];

/// Removes what legitimately differs between two servers: CSRF tokens.
fn normalise(body: &str) -> String {
    let re = regex::Regex::new(r#"name="csrf" value="[0-9a-f]+""#).unwrap();
    re.replace_all(body, r#"name="csrf" value="…""#).to_string()
}

fn fetch_all(addr: &str, session: &str) -> Vec<(u16, String)> {
    PAGES
        .iter()
        .map(|p| {
            let (status, body) = get(addr, p, Some(session));
            (status, normalise(&body))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_database_moves_to_postgres_and_serves_the_same_pages() {
    let Some(pg) = gongkai_store::testing::TestDb::postgres_empty().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    // The demo deployment on SQLite, and what it shows a logged-in administrator.
    let (mut sqlite_server, addr) = start(&data, true);
    let session = login(&addr).expect("demo login");
    // The first page after login carries the one-time last-login notice; see it once.
    let (status, first) = get(&addr, "/admin", Some(&session));
    assert_eq!(status, 200);
    assert!(first.contains("首次登录"), "{first}");
    let on_sqlite = fetch_all(&addr, &session);
    assert!(
        on_sqlite.iter().all(|(s, _)| *s == 200),
        "{:?}",
        on_sqlite.iter().map(|p| p.0).collect::<Vec<_>>()
    );
    assert!(on_sqlite[1].1.contains("长春市残疾人联合会"));
    sqlite_server.kill().unwrap();
    sqlite_server.wait().unwrap();

    // Prepare the target and copy.
    let migrate = Command::new(BIN)
        .args(["--database-url", &pg.url, "migrate"])
        .output()
        .unwrap();
    assert!(migrate.status.success(), "{migrate:?}");
    let copy = Command::new(BIN)
        .args(["--data"])
        .arg(&data)
        .args(["db-copy", "--to", &pg.url])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&copy.stdout);
    assert!(copy.status.success(), "db-copy failed: {copy:?}");
    assert!(out.contains("audit_log"), "row counts are reported: {out}");

    // The same session, the same pages, now served from PostgreSQL.
    // The deployment takes its vault key file along (the database names the keys it needs and
    // refuses to start without them).
    let other = dir.path().join("other");
    std::fs::create_dir_all(other.join("keys")).unwrap();
    std::fs::copy(data.join("keys/vault.toml"), other.join("keys/vault.toml")).unwrap();
    let (mut pg_server, addr) = start_with(&other, false, &["--database-url", &pg.url]);
    let on_pg = fetch_all(&addr, &session);
    pg_server.kill().unwrap();
    pg_server.wait().unwrap();
    for ((path, a), b) in PAGES.iter().zip(&on_sqlite).zip(&on_pg) {
        assert_eq!(a.0, b.0, "status of {path}");
        assert_eq!(a.1, b.1, "body of {path}");
    }

    let verify = Command::new(BIN)
        .args(["--database-url", &pg.url, "audit", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "audit verify on PostgreSQL: {verify:?}"
    );
}
