//! `gongkai calendar`: list working days and compute deadlines (issue #3) with the compiled-in
//! official calendar (REG §7.2). Output is stable for the oracle tests in
//! `tests/oracles/test_calendar.py`:
//!
//! - `days --from D --to D`: `YYYY-MM-DD<TAB>work|off<TAB>name`, one line per day; provisional
//!   days (years without official data) get a single warning on stderr.
//! - `add --from D (--workdays N | --days N) [--count-start-day] [--explain]`: the due date,
//!   followed by `<TAB>provisional` when it is; `--explain` then prints the working in Chinese.
//!
//! Bad input gets a Chinese message and exit code 2 (main.rs).

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};

use anyhow::{Context, anyhow};
use chrono::NaiveDate;
use gongkai_core::calendar::{Calendar, Deadline};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
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
    let calendar = Calendar::official();
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

    #[test]
    fn warning_names_the_missing_years() {
        let w = provisional_warning(&BTreeSet::from([2027, 2030]));
        assert!(w.contains("2027年、2030年"), "{w}");
    }
}
