//! Test support: a fresh, migrated database per test, on SQLite or PostgreSQL.
//!
//! One behaviour suite runs on both backends (`both_backends!`). PostgreSQL tests connect to
//! `GONGKAI_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/postgres`), create a database
//! named `gk_test_<random>` and drop it afterwards. When PostgreSQL is unreachable the test fails
//! under `CI=true`, and otherwise prints a loud notice and skips; it never skips silently in CI.

// Test support may panic: a broken fixture must stop the test loudly.
#![allow(clippy::expect_used)]

use crate::{Db, DbOptions};
use sqlx::Connection;

/// A database that lives as long as the test.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

fn admin_url() -> String {
    std::env::var("GONGKAI_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

fn url_for(db_name: &str) -> String {
    let admin = admin_url();
    match admin.rfind('/') {
        Some(i) => format!("{}/{db_name}", &admin[..i]),
        None => admin,
    }
}

impl TestDb {
    /// A migrated SQLite database in a temporary folder.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gongkai.db");
        let url = path.display().to_string();
        let db = Db::connect(
            &url,
            &DbOptions {
                create: true,
                ..Default::default()
            },
        )
        .await
        .expect("open sqlite");
        db.migrate().await.expect("migrate sqlite");
        TestDb {
            db,
            url,
            _dir: Some(dir),
            pg_name: None,
        }
    }

    /// An empty, unmigrated PostgreSQL database, or `None` (skip) outside CI when PostgreSQL is
    /// not running.
    pub async fn postgres_empty() -> Option<TestDb> {
        let mut admin = match sqlx::PgConnection::connect(&admin_url()).await {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL is required under CI=true but unreachable: {e}");
                }
                eprintln!("!!! SKIPPING PostgreSQL test: {e} (start PostgreSQL to run it)");
                return None;
            }
        };
        let name = format!("gk_test_{}", &crate::sessions::random_token()[..16]);
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let url = url_for(&name);
        let db = Db::connect(&url, &DbOptions::default())
            .await
            .expect("connect test database");
        Some(TestDb {
            db,
            url,
            _dir: None,
            pg_name: Some(name),
        })
    }

    /// A migrated PostgreSQL database (see [`TestDb::postgres_empty`]).
    pub async fn postgres() -> Option<TestDb> {
        let t = Self::postgres_empty().await?;
        t.db.migrate().await.expect("migrate postgres");
        Some(t)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop needs async work; run it on its own thread and runtime. The pool is not closed
        // here (its connections belong to the test's runtime, which is blocked on this drop);
        // `WITH (FORCE)` ends them from the server side instead.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url()).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                }
            });
        })
        .join();
    }
}

/// Defines `mod $name { sqlite(), postgres() }`: the same async test body run on each backend.
/// The body is a closure-like block receiving `db: &Db`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: &$crate::Db) $body

            #[tokio::test]
            async fn sqlite() {
                let t = $crate::testing::TestDb::sqlite().await;
                run(&t.db).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(t) = $crate::testing::TestDb::postgres().await else {
                    return;
                };
                run(&t.db).await;
            }
        }
    };
}

/// A 1×1 PNG carrying an author in a text chunk (metadata to strip): an upload fixture.
pub fn png_with_author() -> Vec<u8> {
    fn chunk(ty: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(data.len())
            .expect("a small chunk")
            .to_be_bytes()
            .to_vec();
        c.extend_from_slice(ty);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    png.extend(chunk(b"tEXt", b"Author\0Zhang San"));
    png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]));
    png.extend(chunk(b"IEND", &[]));
    png
}

/// Keeps catalog counts of `min_total` items or more between requests (production: 10,000), so
/// tests with a handful of items exercise the memo of `items::catalog::catalog`. Process-wide:
/// nextest runs every test in its own process.
pub fn memoise_catalog_counts_from(min_total: i64) {
    crate::items::catalog::count_memo::MIN_TOTAL
        .store(min_total, std::sync::atomic::Ordering::Relaxed);
}

/// Claims the due publication job of a scheduled item (skipping other due jobs) and runs it, as
/// the worker would; asserts that it published.
pub async fn run_due_publication(db: &Db) {
    let job = loop {
        let job = crate::jobs::claim(db, "test", 60_000)
            .await
            .expect("claim a job")
            .expect("the publication job is due");
        if job.kind == crate::items::publish::PUBLISH_JOB {
            break job;
        }
    };
    assert!(
        crate::items::publish::run_job(db, &job)
            .await
            .expect("run the publication job")
    );
}
