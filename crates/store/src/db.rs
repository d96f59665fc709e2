//! Connections, transactions, migrations and the schema-version guard.

use crate::{Result, StoreError};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a deployment runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database. Cheap to clone.
///
/// SQLite has one writer: all writes go through a one-connection pool and start with
/// `BEGIN IMMEDIATE`, so a transaction never has to upgrade a read lock (which `busy_timeout`
/// cannot resolve). Reads use a separate pool and run concurrently thanks to WAL.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        path: PathBuf,
    },
    Postgres(PgPool),
}

/// A write transaction on either backend.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// How to open a database.
#[derive(Debug, Clone, Default)]
pub struct DbOptions {
    /// Create the SQLite file when it does not exist (otherwise a missing file is refused, so a
    /// typo in a path never silently starts an empty deployment).
    pub create: bool,
    /// PostgreSQL pool size (default [`DEFAULT_MAX_CONNECTIONS`]).
    pub max_connections: Option<u32>,
    /// How long opening the database may take before it is reported unreachable (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Option<Duration>,
    /// How long a request waits for a PostgreSQL connection before it fails as "unavailable"
    /// (a 503) (default [`DEFAULT_ACQUIRE_TIMEOUT`]).
    pub acquire_timeout: Option<Duration>,
}

/// PostgreSQL connections per instance, unless configured.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
/// Opening the database fails after this long (a server that neither answers nor refuses).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A request waits this long for a PostgreSQL connection, then fails with a 503.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the database schema stands relative to this binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaStatus {
    Current,
    /// Migrations are pending (older database or a new one).
    Behind {
        db: i64,
        binary: i64,
    },
}

/// Runs `$body` with `$p` bound to the read pool of whichever backend `$db` is.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite { read, .. } => {
                let $p = read;
                $body
            }
            $crate::Db::Postgres(pool) => {
                let $p = pool;
                $body
            }
        }
    };
}

/// Runs `$body` with `$c` bound to the connection of transaction `$tx` (`&mut Tx`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Opens `url`: `postgres://…`, `sqlite://PATH` or a bare file path (SQLite).
    ///
    /// A database that cannot be reached or opened is [`StoreError::CannotConnect`] with the
    /// cause in words, within [`DbOptions::connect_timeout`]: an operator starting `serve`
    /// against a stopped server or a wrong path learns what is wrong at once, never from a pool
    /// timeout.
    pub async fn connect(url: &str, opts: &DbOptions) -> Result<Db> {
        let connect_timeout = opts.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect =
                PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(redact(url)))?;
            // One connection first, to report why the server cannot be reached (the pool would
            // retry a refused connection until its timeout and say only that it timed out).
            let cannot =
                |cause: String| StoreError::CannotConnect(format!("{}（{cause}）", redact(url)));
            match tokio::time::timeout(connect_timeout, PgConnection::connect_with(&connect)).await
            {
                Ok(Ok(probe)) => {
                    let _ = probe.close().await;
                }
                Ok(Err(e)) => return Err(cannot(connect_cause(&e))),
                Err(_) => {
                    return Err(cannot(format!(
                        "{} 秒内未能建立连接：服务器没有应答，请检查主机、端口和防火墙",
                        connect_timeout.as_secs()
                    )));
                }
            }
            // Recovery after a database restart (issue #11): every connection is tested before
            // a request gets it, so connections the server dropped are replaced rather than
            // failing a request; a request that cannot get one within the acquire timeout fails
            // as "unavailable" (503) instead of hanging.
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS))
                .acquire_timeout(opts.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT))
                .test_before_acquire(true)
                .connect_lazy_with(connect);
            return Ok(Db::Postgres(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains('?') {
            return Err(StoreError::BadUrl(url.to_string()));
        }
        let path = Path::new(path);
        match tokio::time::timeout(connect_timeout, Self::open_sqlite(path, opts)).await {
            Ok(Err(StoreError::Sqlx(e))) => Err(StoreError::CannotConnect(format!(
                "SQLite 数据库文件 {}（{}）",
                path.display(),
                connect_cause(&e)
            ))),
            Ok(Err(StoreError::Io(e))) => Err(StoreError::CannotConnect(format!(
                "SQLite 数据库文件 {}（无法创建所在目录：{e}）",
                path.display()
            ))),
            Ok(other) => other,
            Err(_) => Err(StoreError::CannotConnect(format!(
                "SQLite 数据库文件 {}（{} 秒内未能打开：文件可能被其他进程锁定）",
                path.display(),
                connect_timeout.as_secs()
            ))),
        }
    }

    async fn open_sqlite(path: &Path, opts: &DbOptions) -> Result<Db> {
        if !path.exists() {
            if !opts.create {
                return Err(StoreError::DatabaseMissing(path.display().to_string()));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
        }
        let base = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(opts.create)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before it is acknowledged, even across power loss.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(base.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(base)
            .await?;
        Ok(Db::Sqlite {
            read,
            write,
            path: path.to_path_buf(),
        })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self {
            Db::Sqlite { .. } => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// The newest migration version this binary knows.
    pub fn binary_schema_version(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The newest migration version applied to the database (0 for an empty one).
    pub async fn db_schema_version(&self) -> Result<i64> {
        let exists: bool = on_db!(self, |p| {
            match self.backend() {
                Backend::Sqlite => sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?
                    > 0,
                Backend::Postgres => sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?
                    > 0,
            }
        });
        if !exists {
            return Ok(0);
        }
        let v: Option<i64> = on_db!(self, |p| sqlx::query_scalar(
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE"
        )
        .fetch_one(p)
        .await?);
        Ok(v.unwrap_or(0))
    }

    /// Refuses a database written by a newer binary; reports pending migrations.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let db = self.db_schema_version().await?;
        let binary = self.binary_schema_version();
        if db > binary {
            return Err(StoreError::SchemaTooNew { db, binary });
        }
        Ok(if db == binary {
            SchemaStatus::Current
        } else {
            SchemaStatus::Behind { db, binary }
        })
    }

    /// Applies pending migrations (after the newer-schema guard).
    pub async fn migrate(&self) -> Result<()> {
        self.schema_status().await?;
        match self {
            Db::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Which database this is (the SQLite file, or the PostgreSQL host and database), for
    /// process-wide memos that must not mix deployments.
    pub fn identity(&self) -> String {
        match self {
            Db::Sqlite { path, .. } => format!("sqlite:{}", path.display()),
            Db::Postgres(pool) => {
                let o = pool.connect_options();
                format!(
                    "postgres:{}:{}/{}",
                    o.get_host(),
                    o.get_port(),
                    o.get_database().unwrap_or_default()
                )
            }
        }
    }

    /// Fails unless the schema is exactly the binary's (used by `serve` after migrating and by
    /// maintenance commands that must not run on a half-migrated database).
    pub async fn require_current(&self) -> Result<()> {
        match self.schema_status().await? {
            SchemaStatus::Current => Ok(()),
            SchemaStatus::Behind { db, binary } => Err(StoreError::SchemaTooOld { db, binary }),
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A cheap liveness query for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Closes every pool (flushes SQLite's WAL on the last connection).
    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Hides the password in a database URL for messages and `gongkai config`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Why a database could not be opened, in words for the operator (with the driver's own text).
fn connect_cause(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "连接被拒绝：数据库服务未运行，或主机、端口有误".to_string()
        }
        sqlx::Error::Io(io) => format!("网络错误：{io}"),
        sqlx::Error::Tls(t) => format!("TLS 错误：{t}"),
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
            let m = d.message();
            match code.as_str() {
                // PostgreSQL: 28P01 wrong password, 28000 no such role or not allowed, 3D000 no
                // such database, 57P03 starting up or shutting down.
                "28P01" | "28000" => format!("身份验证失败，请检查用户名和口令：{m}"),
                "3D000" => format!("数据库不存在：{m}"),
                "57P03" => format!("数据库正在启动或关闭，请稍后重试：{m}"),
                // SQLite's primary result codes (the low byte of the extended code): 14 cannot
                // open, 26 not a database, 3/8/23 no permission or read-only.
                _ => match code.parse::<i64>().map(|n| n & 0xff) {
                    Ok(14) => format!(
                        "无法打开：路径不是可读写的数据库文件，或所在目录不存在、无权限（{m}）"
                    ),
                    Ok(26) => format!("该文件不是 SQLite 数据库，或已损坏（{m}）"),
                    Ok(3 | 8 | 23) => format!("没有读写权限（{m}）"),
                    _ => m.to_string(),
                },
            }
        }
        other => other.to_string(),
    }
}
