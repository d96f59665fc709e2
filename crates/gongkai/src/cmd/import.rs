//! `gongkai import`, `gongkai import-log` and `gongkai export` (issue #14): moving a body's
//! published information onto Gongkai, and a whole site off it.
//!
//! ```text
//! gongkai import --org CODE [--dry-run] [--files DIR] [--quiet] FILE.csv|FILE.xlsx|FILE.json|EXPORT_DIR
//! gongkai import-log [RUN_ID]
//! gongkai export --org CODE [--unseal-personal-data REASON] [--quiet] OUT_DIR
//! ```
//!
//! `import` checks every row first (`gongkai_store::import::plan`) and prints each problem as
//! `第N行「列名」：…`; with `--dry-run` it stops there. Otherwise it imports the valid rows in
//! batches with a progress bar on standard error (`import::apply`) and prints the run's number
//! in the import log. Exit 0 when every row was imported or was already there, 1 when some rows
//! have problems (a dry run with problems, or a run that left rows out), 2 on other errors.
//! An export folder (or a `site.json`) is a package: attachment paths are relative to its folder.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use gongkai_core::import::package::FILE_NAME;
use gongkai_store::audit::Actor;
use gongkai_store::import::export::{ExportOptions, export};
use gongkai_store::import::{self, Plan, Source};

use super::ops::{Failed, GlobalArgs, block_on, open_current};
use super::progress;

/// Options of `gongkai import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Code of the organisation the information belongs to (the top of the imported subtree).
    #[arg(long)]
    pub org: String,
    /// Check and report every problem; import nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Folder that the 附件 paths of a CSV/XLSX file are relative to.
    #[arg(long)]
    pub files: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// A CSV, XLSX or JSON file, or a folder written by `gongkai export`.
    pub input: PathBuf,
}

/// Options of `gongkai import-log`.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Show the rows of this run (索引号, source row, item id).
    pub run: Option<i64>,
}

/// Options of `gongkai export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Code of the organisation whose subtree is exported (the top-level body = the site).
    #[arg(long)]
    pub org: String,
    /// Open the sealed personal data of applications and messages, for this reason (audited,
    /// watermarked); without it they stay sealed under this deployment's key.
    #[arg(long, value_name = "REASON")]
    pub unseal_personal_data: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// A new (or empty) folder.
    pub out: PathBuf,
}

/// The source to read: a package folder, or a file (a JSON package's files sit beside it).
fn source(input: &Path, files: Option<PathBuf>) -> anyhow::Result<Source> {
    let (path, files_dir) = if input.is_dir() {
        (input.join(FILE_NAME), Some(input.to_path_buf()))
    } else {
        let beside = input.parent().map(Path::to_path_buf);
        let is_json = input
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        (
            input.to_path_buf(),
            files.or(if is_json { beside } else { None }),
        )
    };
    let bytes = std::fs::read(&path).with_context(|| format!("无法读取 {}", path.display()))?;
    Ok(Source {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        files_dir,
    })
}

fn print_plan(plan: &Plan) {
    for n in &plan.notices {
        println!("提示：{n}");
    }
    for line in plan.problem_lines() {
        println!("{line}");
    }
}

pub fn run_import(global: &GlobalArgs, args: ImportArgs) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    let source = source(&args.input, args.files.clone())?;
    block_on(async {
        let db = open_current(&cfg).await?;
        let result = import_with(&db, &cfg.data_dir, &args, source).await;
        db.close().await;
        result
    })
}

async fn import_with(
    db: &gongkai_store::Db,
    data_dir: &Path,
    args: &ImportArgs,
    source: Source,
) -> anyhow::Result<()> {
    let plan = import::plan(db, &args.org, source).await?;
    print_plan(&plan);
    let checked = &plan.checked;
    let problems = checked.problems.len();
    if args.dry_run {
        println!(
            "试运行（{}）：共 {} 行，可导入 {} 行，已导入过 {} 行，有问题 {} 行（{} 处）；未写入任何数据。",
            plan.format.label(),
            plan.rows_total,
            checked.records.len(),
            checked.unchanged.len(),
            plan.rows_total
                .saturating_sub(checked.records.len() + checked.unchanged.len()),
            problems
        );
        if problems > 0 {
            return Err(Failed {
                code: 1,
                message: format!("发现 {problems} 处问题，请修正后再导入"),
            }
            .into());
        }
        return Ok(());
    }
    let started = Instant::now();
    let quiet = args.quiet;
    let summary = import::apply(db, data_dir, &Actor::cli(), &plan, &mut |done, total| {
        progress::draw(quiet, done as u64, total as u64, started, "条");
    })
    .await?;
    if !quiet {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64().max(0.001);
    println!(
        "导入批次 #{}：共 {} 行，导入 {} 行（附件 {} 个），已导入过 {} 行，未导入 {} 行；\
         新建机构 {} 个，恢复年报 {} 份；用时 {:.1} 秒（{:.0} 条/秒）。查看记录：gongkai import-log {}",
        summary.run_id,
        summary.rows_total,
        summary.imported,
        summary.attachments,
        summary.unchanged,
        summary.rejected,
        summary.orgs_created,
        summary.reports,
        secs,
        summary.imported as f64 / secs,
        summary.run_id
    );
    if let Some(code) = &summary.site_created {
        println!("已恢复站点“{code}”的设置（名称、页脚、备案号、域名、索引号模板、标志）。");
    }
    if summary.rejected > 0 || problems > 0 {
        return Err(Failed {
            code: 1,
            message: format!("{} 行有问题未导入（见上）", summary.rejected),
        }
        .into());
    }
    Ok(())
}

pub fn run_log(global: &GlobalArgs, args: LogArgs) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    block_on(async {
        let db = open_current(&cfg).await?;
        match args.run {
            None => {
                for r in import::runs(&db).await? {
                    println!(
                        "#{}\t{}\t{}\t{}\t共 {} 行，导入 {}，已导入过 {}，未导入 {}\t{}",
                        r.id,
                        chrono::DateTime::from_timestamp_millis(r.started_at + 8 * 3_600_000)
                            .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default(),
                        r.source_name,
                        r.format,
                        r.rows_total,
                        r.imported,
                        r.unchanged,
                        r.rejected,
                        r.started_by
                    );
                }
            }
            Some(run) => {
                for (index_no, row, item) in import::run_rows(&db, run).await? {
                    println!("{index_no}\t第{row}行\t/items/{item}");
                }
            }
        }
        db.close().await;
        Ok(())
    })
}

pub fn run_export(global: &GlobalArgs, args: ExportArgs) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    block_on(async {
        let db = open_current(&cfg).await?;
        let actor = Actor::cli();
        let (vault, _) = crate::keys::open(&cfg, &db, &actor).await?;
        let started = Instant::now();
        let quiet = args.quiet;
        let result = export(
            &db,
            &cfg.data_dir,
            &vault,
            &actor,
            &ExportOptions {
                org_code: args.org.clone(),
                out_dir: args.out.clone(),
                unseal_reason: args.unseal_personal_data.clone(),
            },
            &mut |done, total| progress::draw(quiet, done as u64, total as u64, started, "条"),
        )
        .await;
        db.close().await;
        let s = result?;
        if !quiet {
            eprintln!();
        }
        println!(
            "已导出到 {}：机构 {} 个，信息 {} 条（附件文件 {} 个），年报 {} 份，依申请公开 {} 件，\
             信件 {} 封，审计记录 {} 条（{}），个人信息{}。",
            args.out.display(),
            s.orgs,
            s.items,
            s.files,
            s.reports,
            s.applications,
            s.messages,
            s.audit_records,
            if s.audit_scope == "all" {
                "全部"
            } else {
                "与导出对象有关的"
            },
            if args.unseal_personal_data.is_some() {
                "已解密（已记录审计并加水印）"
            } else {
                "保持加密"
            }
        );
        Ok(())
    })
}
