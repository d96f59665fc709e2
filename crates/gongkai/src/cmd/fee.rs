//! `gongkai fee`: the information-processing fee calculator (国办函〔2020〕109号, REG §3.4).
//!
//! `gongkai fee items --count N [--already M]` prices N items (件) that are the applicant's items
//! M+1..M+N in the natural month (Art. 4, cumulative); `gongkai fee pages --count N` prices one
//! application of N pages (Art. 5). The agency applies one of the two per application, never both
//! (Art. 3). Output: the amount in yuan on the first line (`3000.00`), then the working in Chinese.
//! `--scale FILE` replaces the default tiers with a TOML table (see `gongkai_core::fee::FeeScale`).
//! Bad input prints a Chinese message and exits with status 2.

use std::path::PathBuf;

use anyhow::{Context, bail};
use gongkai_core::fee::{FeeScale, FeeUnit, format_yuan};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: FeeCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum FeeCommand {
    /// 按件计收: fee for this application's items, counted cumulatively in the natural month.
    Items {
        /// Items (件) of this application, split by 一事一申请.
        #[arg(long, allow_negative_numbers = true)]
        count: String,
        /// Items the same applicant already lodged earlier this natural month.
        #[arg(long, default_value = "0", allow_negative_numbers = true)]
        already: String,
        /// TOML tier table replacing the default 109号 scale.
        #[arg(long)]
        scale: Option<PathBuf>,
    },
    /// 按量计收: fee for one application of N pages.
    Pages {
        /// Pages of the application.
        #[arg(long, allow_negative_numbers = true)]
        count: String,
        /// TOML tier table replacing the default 109号 scale.
        #[arg(long)]
        scale: Option<PathBuf>,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (scale, already, count) = match args.command {
        FeeCommand::Items {
            count,
            already,
            scale,
        } => (
            load_scale(scale, FeeUnit::Item)?,
            parse_count("--already", &already)?,
            parse_count("--count", &count)?,
        ),
        FeeCommand::Pages { count, scale } => (
            load_scale(scale, FeeUnit::Page)?,
            0,
            parse_count("--count", &count)?,
        ),
    };
    let fee = scale.range(already, count)?;
    let mut out = format_yuan(fee.fen);
    for line in fee.working() {
        out.push('\n');
        out.push_str(&line);
    }
    println!("{out}");
    Ok(())
}

/// A non-negative whole number, with a Chinese message otherwise.
fn parse_count(flag: &str, value: &str) -> anyhow::Result<u64> {
    match value.trim().parse::<u64>() {
        Ok(n) => Ok(n),
        Err(_) => bail!("{flag} 必须是非负整数，收到“{value}”"),
    }
}

fn load_scale(path: Option<PathBuf>, unit: FeeUnit) -> anyhow::Result<FeeScale> {
    let Some(path) = path else {
        return Ok(match unit {
            FeeUnit::Item => FeeScale::items(),
            FeeUnit::Page => FeeScale::pages(),
        });
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("无法读取收费档次表 {}", path.display()))?;
    let scale: FeeScale =
        toml::from_str(&text).with_context(|| format!("收费档次表 {} 格式错误", path.display()))?;
    if scale.unit != unit {
        bail!(
            "收费档次表 {} 的计费单位是“{}”，与所选计收方式不符",
            path.display(),
            scale.unit.label()
        );
    }
    scale.validate()?;
    Ok(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse_count("--count", "35").unwrap(), 35);
        assert_eq!(parse_count("--count", " 0 ").unwrap(), 0);
        for bad in ["-5", "abc", "3.5", ""] {
            let msg = parse_count("--count", bad).unwrap_err().to_string();
            assert!(msg.contains("必须是非负整数"), "{msg}");
        }
    }

    #[test]
    fn scale_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pages.toml");
        std::fs::write(&path, toml::to_string(&FeeScale::pages()).unwrap()).unwrap();
        assert_eq!(
            load_scale(Some(path.clone()), FeeUnit::Page).unwrap(),
            FeeScale::pages()
        );
        let msg = load_scale(Some(path), FeeUnit::Item)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("计费单位"), "{msg}");
    }
}
