//! `gongkai id check VALUE...`: validate identity numbers (REG §6) with `gongkai_core::ids::check`
//! and print one JSON object per value, one per line, in input order. `-` as a value reads further
//! values from stdin, one per line (every line gives one output line, an empty one included, so
//! output lines match input lines). Invalid numbers are reported in the JSON, not by the exit code,
//! which is 0 unless the command itself fails (e.g. unreadable stdin, bad `--today`).
//!
//! Fields of each object (stable; absent data is `null`):
//!
//! - `input`: the value exactly as given; `number`: what was checked (NFKC, whitespace removed,
//!   upper case);
//! - `kind`: `resident_id`, `resident_id_legacy` (15 digits, never valid), `disability_cert`,
//!   `uscc` or `unknown`;
//! - `valid`: true or false; `reason`: why not, in Chinese (`null` when valid), e.g.
//!   `校验码错误：应为X`, `出生日期不存在：19900230`, `行政区划代码110199不存在`, `长度不符：…`;
//! - `warnings`: array of Chinese remarks that do not make the number invalid (historic region
//!   code, code created after the birth year and 1999, 港澳台居民居住证, unverified certificate
//!   suffix, embedded 组织机构代码 check failing, …);
//! - `birth_date` (`YYYY-MM-DD`), `sex` (`male`/`female`): resident IDs and disability certificates;
//! - `region_code` (6 digits: address code, or USCC positions 3–8), `region` (full name, e.g.
//!   `北京市东城区`), `region_province`, `region_city`, `region_county`, `region_current`
//!   (false for an abolished code);
//! - `disability_category` (1–7), `disability_category_name` (视力残疾 … 多重残疾),
//!   `disability_level` (1–4), `disability_level_name` (一级 … 四级);
//! - `uscc_authority` (position 1), `uscc_authority_name` (登记管理部门, e.g. `工商（市场监管）`),
//!   `uscc_category` (position 2), `uscc_category_name` (only where REG §6.3 names it),
//!   `uscc_org_code` (positions 9–17, the embedded 组织机构代码).
//!
//! `--today YYYY-MM-DD` fixes the date a birth date may not be after (default: the local date).

use std::io::{BufRead, BufWriter, Write};

use anyhow::{Context, anyhow};
use chrono::NaiveDate;
use gongkai_core::ids;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check resident IDs, disability certificate numbers and USCCs; one JSON line per value.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Numbers to check; `-` reads one number per line from standard input.
    #[arg(required = true, num_args = 1..)]
    values: Vec<String>,
    /// Reference date for "birth date not in the future", YYYY-MM-DD (default: today).
    #[arg(long)]
    today: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Check(check) => run_check(&check),
    }
}

fn parse_today(text: Option<&str>) -> anyhow::Result<NaiveDate> {
    match text {
        None => Ok(chrono::Local::now().date_naive()),
        Some(t) => NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow!("--today“{t}”不是有效日期，应为 YYYY-MM-DD 格式")),
    }
}

fn emit(out: &mut impl Write, value: &str, today: NaiveDate) -> anyhow::Result<()> {
    let result = ids::check(value, today);
    serde_json::to_writer(&mut *out, &result).context("无法输出结果")?;
    out.write_all(b"\n").context("无法输出结果")
}

fn run_check(args: &CheckArgs) -> anyhow::Result<()> {
    let today = parse_today(args.today.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for value in &args.values {
        if value == "-" {
            for line in std::io::stdin().lock().lines() {
                let line = line.context("无法读取标准输入")?;
                emit(&mut out, &line, today)?;
            }
        } else {
            emit(&mut out, value, today)?;
        }
    }
    out.flush().context("无法输出结果")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_parsing() {
        assert_eq!(
            parse_today(Some("2025-06-01")).ok(),
            NaiveDate::from_ymd_opt(2025, 6, 1)
        );
        assert!(parse_today(Some("2025-02-30")).is_err());
        assert!(parse_today(None).is_ok());
    }
}
