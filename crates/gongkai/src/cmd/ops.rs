//! Shared plumbing of the operator commands (issue #2): the global `--data`/`--database-url`/
//! `--config` flags, configuration loading, opening the database with the right guard, and
//! `gongkai migrate` / `gongkai config`.
//!
//! The rule: a SQLite file that does not exist is created only by `migrate` (and by `restore`,
//! whose purpose is to bring a database into being); every other command refuses it, so a typo
//! in a path never silently starts an empty deployment. No command runs on a database whose
//! schema is newer than the binary.

use crate::config::{self, Config, Overrides};
use anyhow::Context;
use gongkai_store::{Db, SchemaStatus, StoreError};
use std::path::PathBuf;

/// Flags every subcommand accepts (they locate the deployment).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// Data directory of the deployment (database, config file) [default: ./data]
    #[arg(
        long = "data",
        value_name = "DIR",
        global = true,
        env = "GONGKAI_DATA",
        help_heading = "Deployment"
    )]
    pub data: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB
    /// [default: sqlite://<DIR>/gongkai.db]
    #[arg(
        long,
        value_name = "URL",
        global = true,
        env = "GONGKAI_DATABASE_URL",
        hide_env_values = true,
        help_heading = "Deployment"
    )]
    pub database_url: Option<String>,
    /// Configuration file (TOML) [default: <DIR>/gongkai.toml when it exists]
    #[arg(
        long,
        value_name = "FILE",
        global = true,
        env = "GONGKAI_CONFIG",
        help_heading = "Deployment"
    )]
    pub config: Option<PathBuf>,
}

impl GlobalArgs {
    /// The configuration these flags select.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        config::load(&Overrides {
            config_file: self.config.clone(),
            data_dir: self.data.clone(),
            database_url: self.database_url.clone(),
            bind: None,
        })
    }
}

/// An error that ends the process with a specific exit code (the message is printed as usual).
/// `audit verify` uses exit code 1 for "the chain is broken", keeping 2 for errors.
#[derive(Debug)]
pub struct Failed {
    pub code: u8,
    pub message: String,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failed {}

/// Runs an async operator command on a small runtime of its own.
pub fn block_on<T>(fut: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?
        .block_on(fut)
}

/// Opens an existing database; refuses a missing SQLite file, a newer schema and an
/// uninitialised one. Returns the schema status (which may be `Behind`).
pub async fn open_existing(cfg: &Config) -> anyhow::Result<(Db, SchemaStatus)> {
    let db = Db::connect(&cfg.database_url, &cfg.db_options(false))
        .await
        .map_err(|e| match e {
            StoreError::DatabaseMissing(path) => anyhow::anyhow!(
                "数据库文件 {path} 不存在：请检查 --data、GONGKAI_DATA 或 GONGKAI_DATABASE_URL；新部署请先运行 gongkai migrate"
            ),
            e => e.into(),
        })?;
    let status = match db.schema_status().await {
        Ok(s) => s,
        Err(e) => {
            db.close().await;
            return Err(e.into());
        }
    };
    if let SchemaStatus::Behind { db: 0, binary } = status {
        db.close().await;
        return Err(StoreError::SchemaTooOld { db: 0, binary }.into());
    }
    Ok((db, status))
}

/// Opens an existing database whose schema is exactly the binary's.
pub async fn open_current(cfg: &Config) -> anyhow::Result<Db> {
    let (db, status) = open_existing(cfg).await?;
    if let SchemaStatus::Behind { db: v, binary } = status {
        db.close().await;
        return Err(StoreError::SchemaTooOld { db: v, binary }.into());
    }
    Ok(db)
}

/// `gongkai migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {}

/// Creates the database if needed and applies pending migrations.
pub fn run_migrate(global: &GlobalArgs, _args: MigrateArgs) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    block_on(async {
        let db = Db::connect(&cfg.database_url, &cfg.db_options(true)).await?;
        let before = db.db_schema_version().await?;
        let result = db.migrate().await;
        let after = db.db_schema_version().await;
        db.close().await;
        result?;
        let after = after?;
        if before == after {
            println!(
                "数据库 {} 的结构已是最新（版本 {after}）。",
                cfg.redacted_database_url()
            );
        } else {
            println!(
                "已迁移数据库 {}：结构版本 {before} → {after}。",
                cfg.redacted_database_url()
            );
        }
        Ok(())
    })
}

/// `gongkai config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// Print the documented default configuration file instead of the effective configuration.
    #[arg(long = "default")]
    pub default: bool,
}

/// Prints the effective configuration (secrets redacted) or the documented defaults.
pub fn run_config(global: &GlobalArgs, args: ConfigArgs) -> anyhow::Result<()> {
    if args.default {
        print!("{}", config::DEFAULT_TOML);
        return Ok(());
    }
    let cfg = global.load_config()?;
    match &cfg.config_file {
        Some(f) => println!("# 生效的配置（口令已隐去）；配置文件：{}", f.display()),
        None => println!("# 生效的配置（口令已隐去）；未使用配置文件，取自默认值和环境变量"),
    }
    print!("{}", cfg.to_redacted_toml()?);
    Ok(())
}
