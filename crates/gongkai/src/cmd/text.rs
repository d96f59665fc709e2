//! `gongkai scan` and `gongkai mask`: the confidentiality-review scanner and masking on the
//! command line (product C3, REG §5.5).
//!
//! - `gongkai scan [FILE|-]` prints the findings as one **pretty-printed** JSON array (`--compact`
//!   for a single line): `kind`, `start`/`end` (Unicode scalar values of the original text, end
//!   exclusive), `text`, `suggested_mask`, `confidence`, `blocking`, `reason`.
//! - `gongkai mask [FILE|-]` prints the text with every blocking or high-confidence personal-data
//!   finding masked. Name suggestions are masked only with `--names` (a reviewer must have checked
//!   them); sensitive words from `--words` are masked too. Classification markings are never
//!   "masked away": they are reported on standard error, because such a text must not be
//!   published at all. `--findings FILE` applies exactly a reviewed JSON array from `scan`.
//!
//! Input must be UTF-8; `-` (the default) reads standard input. Errors are Chinese, exit status 2.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use gongkai_core::mask::{MaskPolicy, NameStyle, mask_text};
use gongkai_core::scan::{Confidence, Finding, FindingKind, ScanConfig, Scanner, SensitiveWords};

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// UTF-8 text file to scan; `-` reads standard input.
    #[arg(default_value = "-")]
    pub file: String,
    /// Sensitive-word list: one word per line, `#` starts a comment line.
    #[arg(long)]
    pub words: Option<PathBuf>,
    /// Print the JSON array on one line instead of pretty-printed.
    #[arg(long)]
    pub compact: bool,
    /// Do not suggest person names.
    #[arg(long)]
    pub no_names: bool,
}

#[derive(Debug, clap::Args)]
pub struct MaskArgs {
    /// UTF-8 text file to mask; `-` reads standard input.
    #[arg(default_value = "-")]
    pub file: String,
    /// Sensitive-word list (one word per line); its matches are masked too.
    #[arg(long)]
    pub words: Option<PathBuf>,
    /// Also mask suggested person names (only after a reviewer has checked them).
    #[arg(long)]
    pub names: bool,
    /// How names are masked: `published` (张某某) or `list` (张*三).
    #[arg(long, value_enum, default_value_t = NameStyleArg::Published)]
    pub name_style: NameStyleArg,
    /// Keep the disability category and level digits visible (authorised users only).
    #[arg(long)]
    pub show_disability_category: bool,
    /// Apply exactly these reviewed findings (a JSON array as printed by `gongkai scan`).
    #[arg(long)]
    pub findings: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum NameStyleArg {
    Published,
    List,
}

pub fn run_scan(args: ScanArgs) -> anyhow::Result<()> {
    let text = read_input(&args.file)?;
    let scanner = Scanner::new(ScanConfig {
        sensitive_words: load_words(args.words.as_deref())?,
        suggest_names: !args.no_names,
        ..ScanConfig::default()
    })?;
    let findings = scanner.scan(&text);
    let json = if args.compact {
        serde_json::to_string(&findings)?
    } else {
        serde_json::to_string_pretty(&findings)?
    };
    println!("{json}");
    Ok(())
}

pub fn run_mask(args: MaskArgs) -> anyhow::Result<()> {
    let text = read_input(&args.file)?;
    let policy = MaskPolicy {
        name_style: match args.name_style {
            NameStyleArg::Published => NameStyle::Published,
            NameStyleArg::List => NameStyle::List,
        },
        disability_show_category: args.show_disability_category,
        ..MaskPolicy::default()
    };
    let chosen: Vec<Finding> = match &args.findings {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .with_context(|| format!("无法读取发现项文件 {}", path.display()))?;
            serde_json::from_str(&json)
                .with_context(|| format!("发现项文件 {} 不是有效的 JSON 数组", path.display()))?
        }
        None => {
            let words = load_words(args.words.as_deref())?;
            let with_words = words.is_some();
            let scanner = Scanner::new(ScanConfig {
                sensitive_words: words,
                suggest_names: args.names,
                mask_policy: policy.clone(),
            })?;
            let findings = scanner.scan(&text);
            let markings = findings
                .iter()
                .filter(|f| f.kind == FindingKind::Classification)
                .map(|f| format!("“{}”（第{}字）", f.text, f.start + 1))
                .collect::<Vec<_>>();
            if !markings.is_empty() {
                eprintln!(
                    "警告：文本含有{}处密级或保密标志：{}。遮蔽不能代替保密审查，未经审查不得公开。",
                    markings.len(),
                    markings.join("、")
                );
            }
            findings
                .into_iter()
                .filter(|f| auto_mask(f, args.names, with_words))
                .collect()
        }
    };
    let masked = mask_text(&text, &chosen, &policy)?;
    print!("{masked}");
    Ok(())
}

/// Which findings `gongkai mask` masks without a reviewed list: blocking or high-confidence
/// personal data (names only when asked), and sensitive words when a list was given.
fn auto_mask(f: &Finding, names: bool, words: bool) -> bool {
    match f.kind {
        FindingKind::Name => names,
        FindingKind::SensitiveWord => words,
        k => k.is_personal_data() && (f.blocking || f.confidence == Confidence::High),
    }
}

fn read_input(file: &str) -> anyhow::Result<String> {
    let bytes = if file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("无法读取标准输入")?;
        buf
    } else {
        std::fs::read(file).with_context(|| format!("无法读取文件 {file}"))?
    };
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("输入不是 UTF-8 编码的文本：{file}"))
}

fn load_words(path: Option<&Path>) -> anyhow::Result<Option<SensitiveWords>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取敏感词表 {}", path.display()))?;
    Ok(Some(SensitiveWords::parse_list(&text)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_selection_masks_personal_data_but_not_names_or_tags() {
        let scanner = Scanner::new(ScanConfig::default()).unwrap();
        let text = "申请人：张三，手机13812345678，办公电话010-12345678，\
                    统一社会信用代码91110000600037341L，秘密★1年";
        let found = scanner.scan(text);
        let chosen: Vec<Finding> = found
            .iter()
            .filter(|f| auto_mask(f, false, false))
            .cloned()
            .collect();
        let kinds: Vec<FindingKind> = chosen.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, vec![FindingKind::Mobile]);
        let masked = mask_text(text, &chosen, &MaskPolicy::default()).unwrap();
        assert!(masked.contains("138****5678") && masked.contains("张三"));
        let with_names: Vec<FindingKind> = found
            .iter()
            .filter(|f| auto_mask(f, true, false))
            .map(|f| f.kind)
            .collect();
        assert_eq!(with_names, vec![FindingKind::Name, FindingKind::Mobile]);
    }

    #[test]
    fn rejects_non_utf8_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gbk.txt");
        std::fs::write(&path, [0xD5u8, 0xC5, 0xC8, 0xFD]).unwrap();
        let msg = read_input(path.to_str().unwrap()).unwrap_err().to_string();
        assert!(msg.contains("UTF-8"), "{msg}");
    }
}
