//! `gongkai backup`, `gongkai restore` and `gongkai db-copy` (issue #2, house-style §8).
//!
//! - SQLite: `backup` writes a consistent copy with `VACUUM INTO` while `serve` keeps running;
//!   `restore` checks the file (a gongkai database, schema not newer than the binary), then
//!   replaces the database. `serve` must be stopped for a restore; it is refused otherwise.
//! - PostgreSQL: `backup` writes a logical dump (JSON lines) through the application, so no
//!   `pg_dump` of a matching version is needed; `restore` loads it into an empty database.
//! - `db-copy` moves a deployment (normally SQLite) into an empty, migrated PostgreSQL database
//!   in one transaction and compares row counts per table.
//!
//! After every restore and copy the audit chain is verified, so an operator sees at once that
//! the history arrived intact.

use super::ops::{Failed, GlobalArgs, block_on, open_current, open_existing};
use anyhow::{Context, bail};
use gongkai_store::backup::{self, BackupKind, TableCount};
use gongkai_store::{Db, DbOptions, SchemaStatus, audit, redact};
use std::path::PathBuf;

/// `gongkai backup FILE`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to create (never overwritten). SQLite: a database file made with
    /// VACUUM INTO; PostgreSQL: a logical dump (JSON lines).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `gongkai restore FILE`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file written by `gongkai backup`. SQLite: stop `gongkai serve` first; the current
    /// database is kept beside it as <name>.before-restore-<time>. PostgreSQL: the target
    /// database must be empty (it is migrated first when it has no tables yet).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `gongkai db-copy --to URL`.
#[derive(Debug, clap::Args)]
pub struct DbCopyArgs {
    /// The target database, normally postgres://USER:PASSWORD@HOST/DB. It must be empty and
    /// migrated to the same schema version (run `gongkai --database-url URL migrate` first).
    #[arg(long, value_name = "URL")]
    pub to: String,
}

fn print_counts(counts: &[(&str, u64)]) {
    for (table, n) in counts {
        println!("  {table:<16} {n:>10}");
    }
}

fn print_copy_report(report: &[TableCount]) {
    println!("  {:<16} {:>10} {:>10}", "表", "源", "目标");
    for c in report {
        println!("  {:<16} {:>10} {:>10}", c.table, c.source, c.target);
    }
}

/// The name of an audit hash algorithm as shown to people.
fn alg_label(alg: &str) -> &str {
    match alg {
        "sm3" => "SM3",
        "sha256" => "SHA-256（迁移前的记录）",
        other => other,
    }
}

/// Verifies the audit chain; a broken chain ends the command with exit code 1.
pub async fn verify_chain(db: &Db) -> anyhow::Result<()> {
    let v = audit::verify(db).await?;
    match v.first_broken {
        None => {
            let algs = v
                .by_alg
                .iter()
                .map(|(alg, n)| format!("{} {n} 条", alg_label(alg)))
                .collect::<Vec<_>>()
                .join("，");
            println!(
                "审计日志校验通过：共 {} 条记录，链条完整（{}）。",
                v.checked,
                if algs.is_empty() {
                    "无记录".to_string()
                } else {
                    algs
                }
            );
            Ok(())
        }
        Some((id, why)) => Err(Failed {
            code: 1,
            message: format!("审计日志校验失败：第 {id} 条记录：{why}"),
        }
        .into()),
    }
}

pub fn run_backup(global: &GlobalArgs, args: BackupArgs) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    block_on(async {
        let (db, _) = open_existing(&cfg).await?;
        let result = backup::backup(&db, &args.file).await;
        db.close().await;
        let (kind, summary) = result?;
        let what = match kind {
            BackupKind::SqliteFile => "SQLite 数据库文件",
            BackupKind::LogicalDump => "逻辑备份（JSON 行）",
        };
        println!(
            "已备份到 {}（{what}，结构版本 {}）：",
            args.file.display(),
            summary.schema_version
        );
        print_counts(&summary.row_counts);
        Ok(())
    })
}

pub fn run_restore(global: &GlobalArgs, args: RestoreArgs) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    let kind = backup::detect_kind(&args.file)?;
    block_on(async {
        match (backup::sqlite_path(&cfg.database_url), kind) {
            (Some(live), BackupKind::SqliteFile) => {
                let restored = backup::restore_sqlite_file(&live, &args.file).await?;
                println!(
                    "已从 {} 恢复数据库 {}。",
                    args.file.display(),
                    live.display()
                );
                if let Some(prev) = &restored.previous {
                    println!("原数据库已保留为 {}。", prev.display());
                }
                let (db, status) = open_existing(&cfg).await?;
                let result = verify_chain(&db).await;
                db.close().await;
                if let SchemaStatus::Behind { db: v, binary } = status {
                    println!("备份的结构版本为 {v}，本程序为 {binary}：请运行 gongkai migrate。");
                }
                result
            }
            (None, BackupKind::SqliteFile) => bail!(
                "{} 是 SQLite 数据库文件，不能恢复到 PostgreSQL；要把 SQLite 部署迁到 PostgreSQL，请用 gongkai db-copy",
                args.file.display()
            ),
            (_, BackupKind::LogicalDump) => {
                // A dump brings a database into being: an empty SQLite file may be created.
                let db = Db::connect(&cfg.database_url, &cfg.db_options(true)).await?;
                let result = async {
                    if db.db_schema_version().await? == 0 {
                        db.migrate().await?;
                    }
                    let file = std::fs::File::open(&args.file)
                        .with_context(|| format!("无法打开 {}", args.file.display()))?;
                    let mut reader = std::io::BufReader::new(file);
                    let report = backup::restore_dump(&db, &mut reader).await?;
                    println!(
                        "已把 {} 恢复到 {}：",
                        args.file.display(),
                        cfg.redacted_database_url()
                    );
                    print_copy_report(&report);
                    verify_chain(&db).await
                }
                .await;
                db.close().await;
                result
            }
        }
    })
}

pub fn run_db_copy(global: &GlobalArgs, args: DbCopyArgs) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    let same_sqlite = match (
        backup::sqlite_path(&cfg.database_url),
        backup::sqlite_path(&args.to),
    ) {
        (Some(a), Some(b)) => a == b || a.canonicalize().ok() == b.canonicalize().ok(),
        _ => false,
    };
    if same_sqlite || cfg.database_url == args.to {
        bail!("源数据库和目标数据库是同一个");
    }
    block_on(async {
        let from = open_current(&cfg).await.context("源数据库")?;
        let to = match Db::connect(&args.to, &DbOptions::default()).await {
            Ok(db) => db,
            Err(e) => {
                from.close().await;
                return Err(anyhow::Error::from(e).context("目标数据库"));
            }
        };
        let result = async {
            to.require_current().await.with_context(|| {
                format!(
                    "目标数据库 {} 未就绪（先运行 gongkai --database-url <目标> migrate）",
                    redact(&args.to)
                )
            })?;
            let report = backup::copy(&from, &to).await?;
            println!(
                "已把 {} 复制到 {}，各表行数一致：",
                cfg.redacted_database_url(),
                redact(&args.to)
            );
            print_copy_report(&report);
            verify_chain(&to).await?;
            println!(
                "下一步：把 GONGKAI_DATABASE_URL（或配置文件的 database_url）改为目标数据库，再启动 gongkai serve。"
            );
            Ok(())
        }
        .await;
        from.close().await;
        to.close().await;
        result
    })
}
