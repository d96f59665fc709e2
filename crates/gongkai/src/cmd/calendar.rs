//! `gongkai calendar`: list working days and compute deadlines (issue #3) with the compiled-in
//! official calendar (REG §7.2). Output is stable for the oracle tests in
//! `tests/oracles/test_calendar.py`:
//!
//! - `days --from D --to D`: `YYYY-MM-DD<TAB>work|off<TAB>name`, one line per day; provisional
//!   days (years without official data) get a single warning on stderr.
//! - `add --from D (--workdays N | --days N) [--count-start-day] [--explain]`: the due date,
//!   followed by `<TAB>provisional` when it is; `--explain` then prints the working in Chinese.
//!
//! With `--db URL` (a deployment's database, SQLite path or `postgres://…`) both commands use
//! the stored calendar instead of the compiled-in one: stored years (e.g. next year's notice
//! added by an administrator) and national overrides, plus with `--org ID` the regional
//! overrides that apply to that organisation (`gongkai_store::calendar::load`). The database is
//! only read, never created or migrated.
//!
//! Bad input gets a Chinese message and exit code 2 (main.rs).

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};

use anyhow::{Context, anyhow};
use chrono::NaiveDate;
use gongkai_core::calendar::{Calendar, Deadline};
use gongkai_store::calendar as store_calendar;
use gongkai_store::{Db, DbOptions, orgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// Read the calendar from this deployment database (SQLite path or postgres:// URL) instead
    /// of the compiled-in data.
    #[arg(long, global = true)]
    db: Option<String>,
    /// With --db: the organisation (id) whose regional overrides apply.
    #[arg(long, global = true, allow_hyphen_values = true)]
    org: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// One line per day: `YYYY-MM-DD<TAB>work|off<TAB>name`.
    Days {
        /// First day, YYYY-MM-DD.
        #[arg(long, allow_hyphen_values = true)]
        from: Option<String>,
        /// Last day (inclusive), YYYY-MM-DD.
        #[arg(long, allow_hyphen_values = true)]
        to: Option<String>,
    },
    /// Add working days (or calendar days) to a date and print the due date.
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// Start day (e.g. the receipt date), YYYY-MM-DD.
    #[arg(long, allow_hyphen_values = true)]
    from: Option<String>,
    /// Number of working days (工作日).
    #[arg(long, allow_hyphen_values = true)]
    workdays: Option<String>,
    /// Number of calendar days (日); a last day off moves to the next working day (民法典 Art. 203).
    #[arg(long, allow_hyphen_values = true)]
    days: Option<String>,
    /// Count the start day itself (default: counting starts the next day, 民法典 Art. 201).
    #[arg(long)]
    count_start_day: bool,
    /// Print the working in Chinese after the due date.
    #[arg(long)]
    explain: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let stored;
    let calendar: &Calendar = match (&args.db, &args.org) {
        (Some(url), org) => {
            let org = org
                .as_deref()
                .map(|o| {
                    o.trim()
                        .parse::<i64>()
                        .map_err(|_| anyhow!("机构编号“{o}”无效，应为整数"))
                })
                .transpose()?;
            stored = load_from_db(url, org)?;
            &stored
        }
        (None, Some(_)) => return Err(anyhow!("--org 只能与 --db 一起使用")),
        (None, None) => Calendar::official(),
    };
    for problem in calendar.load_errors() {
        eprintln!("警告：内置节假日数据加载失败：{problem}");
    }
    match args.command {
        Command::Days { from, to } => {
            days(calendar, required("--from", from)?, required("--to", to)?)
        }
        Command::Add(add) => add_period(calendar, &add),
    }
}

/// The stored calendar of a deployment (read only; the schema must be current).
fn load_from_db(url: &str, org: Option<i64>) -> anyhow::Result<Calendar> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    runtime.block_on(async {
        let db = Db::connect(url, &DbOptions::default()).await?;
        db.require_current().await?;
        if let Some(id) = org
            && orgs::get(&db, id).await?.is_none()
        {
            return Err(anyhow!("机构 {id} 不存在"));
        }
        let data = store_calendar::load_data(&db).await?;
        for problem in &data.problems {
            eprintln!("警告：{problem}");
        }
        let calendar = data.calendar_for(org);
        db.close().await;
        Ok(calendar)
    })
}

/// Arguments are optional for clap so that a missing one gets a Chinese message here.
fn required(flag: &str, value: Option<String>) -> anyhow::Result<String> {
    value.ok_or_else(|| anyhow!("缺少参数 {flag}"))
}

fn parse_date(what: &str, text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| text.trim().len() == 10 && d.format("%Y-%m-%d").to_string() == text.trim())
        .ok_or_else(|| anyhow!("{what}“{text}”不是有效日期，应为 YYYY-MM-DD 格式，例如 2019-09-20"))
}

fn parse_count(what: &str, text: &str) -> anyhow::Result<u32> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| anyhow!("{what}“{text}”无效，应为正整数"))
}

fn days(calendar: &Calendar, from: String, to: String) -> anyhow::Result<()> {
    let from = parse_date("开始日期", &from)?;
    let to = parse_date("结束日期", &to)?;
    let list = calendar.days(from, to)?;
    let mut missing = BTreeSet::new();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for day in &list {
        if day.provisional {
            missing.extend(calendar.missing_notice_years(day.date));
        }
        let status = if day.is_workday { "work" } else { "off" };
        writeln!(out, "{}\t{status}\t{}", day.date, day.name()).context("写入输出失败")?;
    }
    out.flush().context("写入输出失败")?;
    if !missing.is_empty() {
        eprintln!("{}", provisional_warning(&missing));
    }
    Ok(())
}

fn provisional_warning(missing: &BTreeSet<i32>) -> String {
    let years: Vec<String> = missing.iter().map(|y| format!("{y}年")).collect();
    format!(
        "警告：尚无{}的国务院节假日安排数据，相关日期暂按星期一至星期五为工作日推定（临时结果）。",
        years.join("、")
    )
}

fn add_period(calendar: &Calendar, args: &AddArgs) -> anyhow::Result<()> {
    let from = parse_date("开始日期", &required("--from", args.from.clone())?)?;
    let deadline: Deadline = match (&args.workdays, &args.days) {
        (Some(n), None) => {
            let n = parse_count("工作日数", n)?;
            calendar.add_workdays(from, n, args.count_start_day)?
        }
        (None, Some(n)) => {
            let n = parse_count("天数", n)?;
            calendar.add_calendar_days(from, n, args.count_start_day)?
        }
        _ => return Err(anyhow!("请在 --workdays 与 --days 中指定且只指定一个")),
    };
    let mut line = deadline.due.to_string();
    if deadline.provisional {
        line.push_str("\tprovisional");
    }
    println!("{line}");
    if args.explain {
        println!("{}", deadline.explain());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_parsed_strictly() {
        assert_eq!(
            parse_date("开始日期", "2019-09-20").unwrap(),
            NaiveDate::from_ymd_opt(2019, 9, 20).unwrap()
        );
        for bad in [
            "2019-9-20",
            "2019-02-30",
            "20190920",
            "abc",
            "",
            "2019-09-20x",
            "+2019-09-20",
        ] {
            let err = parse_date("开始日期", bad).unwrap_err().to_string();
            assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
        }
    }

    #[test]
    fn counts_must_be_positive_integers() {
        assert_eq!(parse_count("工作日数", "20").unwrap(), 20);
        for bad in ["0", "-5", "1.5", "x", "99999999999"] {
            assert!(
                parse_count("工作日数", bad)
                    .unwrap_err()
                    .to_string()
                    .contains("正整数"),
                "{bad}"
            );
        }
    }

    /// `--db` reads a deployment's stored calendar: stored overrides apply, national or for
    /// the organisation's subtree; a missing database file is refused, never created.
    #[test]
    fn stored_calendar_is_read_from_the_database() {
        use gongkai_store::audit::Actor;
        use gongkai_store::calendar::OverrideInput;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gongkai.db");
        let url = path.display().to_string();
        let saturday = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        let wednesday = NaiveDate::from_ymd_opt(2026, 5, 27).unwrap();
        let (root, region) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let create = DbOptions {
                    create: true,
                    ..Default::default()
                };
                let db = Db::connect(&url, &create).await.unwrap();
                db.migrate().await.unwrap();
                store_calendar::seed_official(&db).await.unwrap();
                let mut tx = db.begin().await.unwrap();
                let a = Actor::system();
                let org = |code: &str, parent| orgs::OrgInput {
                    parent_id: parent,
                    kind: "county".into(),
                    code: code.into(),
                    full_name: code.into(),
                    short_name: code.into(),
                    ..Default::default()
                };
                let root = orgs::create(&mut tx, &a, &org("root", None))
                    .await
                    .unwrap()
                    .id;
                let region = orgs::create(&mut tx, &a, &org("region", Some(root)))
                    .await
                    .unwrap()
                    .id;
                let national = OverrideInput {
                    date: saturday,
                    is_workday: true,
                    name: "补班".into(),
                    ..Default::default()
                };
                store_calendar::override_day(&mut tx, &a, &national)
                    .await
                    .unwrap();
                let regional = OverrideInput {
                    date: wednesday,
                    is_workday: false,
                    name: "古尔邦节".into(),
                    scope_org_id: Some(region),
                    ..Default::default()
                };
                store_calendar::override_day(&mut tx, &a, &regional)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                db.close().await;
                (root, region)
            });
        let national = load_from_db(&url, None).unwrap();
        assert!(national.is_workday(saturday) && national.is_workday(wednesday));
        assert!(!Calendar::official().is_workday(saturday));
        assert!(
            load_from_db(&url, Some(root))
                .unwrap()
                .is_workday(wednesday)
        );
        assert!(
            !load_from_db(&url, Some(region))
                .unwrap()
                .is_workday(wednesday)
        );
        let err = load_from_db(&url, Some(region + 100))
            .unwrap_err()
            .to_string();
        assert!(err.contains("不存在"), "{err}");
        let missing = dir.path().join("none.db").display().to_string();
        let err = load_from_db(&missing, None).unwrap_err().to_string();
        assert!(err.contains("不存在"), "{err}");
        assert!(!dir.path().join("none.db").exists());
    }

    #[test]
    fn warning_names_the_missing_years() {
        let w = provisional_warning(&BTreeSet::from([2027, 2030]));
        assert!(w.contains("2027年、2030年"), "{w}");
    }
}
