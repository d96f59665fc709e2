//! Connections, transactions, migrations and the schema-version guard.

use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
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
    /// PostgreSQL pool size.
    pub max_connections: Option<u32>,
}

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
    pub async fn connect(url: &str, opts: &DbOptions) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect =
                PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(redact(url)))?;
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.unwrap_or(10))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(connect)
                .await?;
            return Ok(Db::Postgres(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains('?') {
            return Err(StoreError::BadUrl(url.to_string()));
        }
        Self::open_sqlite(Path::new(path), opts).await
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
