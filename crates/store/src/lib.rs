//! Gongkai storage: the one place that knows SQL.
//!
//! # Decision: portable SQL, written once, run on both backends
//! Queries are written once in the common subset of SQLite and PostgreSQL (`$1` placeholders work
//! on both; `RETURNING`, `ON CONFLICT` too) and checked at run time by one behaviour test suite that
//! runs against SQLite *and* PostgreSQL (`tests/`). We do not use sqlx's compile-time macros: they
//! bind a crate to one backend (sqlx #916). We do not use the `Any` driver: it loses types. Instead
//! [`Db`] and [`Tx`] are enums over the two concrete pools, and the [`on_db!`]/[`on_tx!`] macros
//! compile each query body once per backend. The few places that truly differ (row locking for
//! the job queue and the audit chain, backups) branch explicitly and say why.
//!
//! # Types
//! ids are `i64`; timestamps are `i64` milliseconds since the Unix epoch (UTC), see [`now_ms`];
//! business dates are `YYYY-MM-DD` text in China Standard Time; JSON is text.
//!
//! # Errors
//! Every function returns [`StoreError`]. Constraint violations that a person can cause (a taken
//! username, a missing parent) become variants the web layer maps to 4xx with a Chinese message.

pub mod api_tokens;
pub mod applications;
pub mod attachments;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod channels;
pub mod deadlines;
pub mod demo;
pub mod grassroots;
pub mod guide;
pub mod import;
pub mod interpretations;
pub mod items;
pub mod jobs;
pub mod logins;
pub mod mailbox;
pub mod orgs;
pub mod pages;
pub mod password;
pub mod personal;
pub mod ratelimit;
pub mod records;
pub mod reminders;
pub mod reports;
pub mod search;
pub mod sessions;
pub mod sites;
pub mod statistics;
pub mod syndication;
pub mod users;
pub mod workplan;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

mod db;
pub use db::{Backend, Db, DbOptions, SchemaStatus, Tx, redact};

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库文件 {0} 不存在；如需新建，请使用 --create（或 migrate 命令）")]
    DatabaseMissing(String),
    #[error(
        "数据库结构版本（{db}）比本程序支持的版本（{binary}）新：请升级 gongkai 后再运行，切勿用旧版本程序打开"
    )]
    SchemaTooNew { db: i64, binary: i64 },
    #[error("数据库结构未初始化或版本过旧（{db}，需要 {binary}）：请先运行 gongkai migrate")]
    SchemaTooOld { db: i64, binary: i64 },
    #[error("无法识别的数据库地址：{0}")]
    BadUrl(String),
    /// The database server could not be reached, or the SQLite file opened (the message names
    /// the database and the cause).
    #[error(
        "无法连接数据库 {0}。请检查数据库是否在运行，以及 --database-url / GONGKAI_DATABASE_URL、--data 是否正确"
    )]
    CannotConnect(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("数据库错误：{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("文件操作失败：{0}")]
    Io(#[from] std::io::Error),
    #[error("数据格式错误：{0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    /// True when the database could not answer: no connection within the acquire timeout, the
    /// connection lost or refused (a PostgreSQL restart, a network cut), the server shutting
    /// down or out of connections, SQLite busy beyond its timeout. A 503 that the client may
    /// retry, never a 500 (issue #11).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::CannotConnect(_) => true,
            StoreError::Sqlx(e) => match e {
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_) => true,
                sqlx::Error::Database(d) => {
                    let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
                    // PostgreSQL: class 08 connection exception, 57P01–57P05 shutdown or
                    // cannot connect now, 53300 too many connections.
                    code.starts_with("08")
                        || code.starts_with("57P")
                        || code == "53300"
                        // SQLite: 5 BUSY, 6 LOCKED (primary codes).
                        || (d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                            && matches!(code.parse::<i64>().map(|n| n & 0xff), Ok(5 | 6)))
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// True when a write failed for lack of space: the disk or a quota full under the data
    /// folder (ENOSPC, EDQUOT), SQLite's `SQLITE_FULL`, PostgreSQL's `disk_full` (53100).
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::Io(e) => is_storage_full(e),
            StoreError::Sqlx(sqlx::Error::Database(d)) => {
                let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
                code == "53100"
                    || (d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                        && code.parse::<i64>().map(|n| n & 0xff) == Ok(13))
            }
            _ => false,
        }
    }
    /// True when the error is a unique-constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// True for an I/O error meaning "no space left": ENOSPC (28) or EDQUOT (122) on Linux.
pub fn is_storage_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || matches!(e.raw_os_error(), Some(28 | 122))
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
