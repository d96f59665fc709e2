//! `gongkai report`: the annual report (issue #9) from the command line.
//!
//! ```text
//! gongkai report generate --year 2019 [--org ccdpf] [--rollup] --format html|pdf|docx|json --out FILE
//! gongkai report import --org ccdpf --file 2018.html [--year 2018]
//! ```
//!
//! `generate` assembles the report of the year from the records (`reports::generate`: the stored
//! report with its narrative and entered counts when the office has made one, its frozen figures
//! once locked) and renders it; the check findings go to standard error. `import` stores a past
//! report (JSON of `generate --format json`, or an HTML page in the 2019/2021 format) so the
//! continuity checks work from the first year of use. `--format typst` writes the typst source of
//! the PDF (for checking the layout).

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use gongkai_documents::{
    FontSet, default_font_dirs, html_escape as escape, to_docx, to_html_fragment, to_pdf,
};
use gongkai_report::Severity;
use gongkai_store::audit::Actor;
use gongkai_store::reports::{self, Source};
use gongkai_store::{Db, orgs};

use super::ops::{GlobalArgs, block_on, open_current};

/// The annual report.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Generate a year's report from the records and write it to a file.
    Generate(GenerateArgs),
    /// Import a past report (JSON or HTML) for the year-continuity checks.
    Import(ImportArgs),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Html,
    Pdf,
    Docx,
    Json,
    Typst,
}

#[derive(Debug, clap::Args)]
struct GenerateArgs {
    /// The report year (the statistics period is 1 January to 31 December of it).
    #[arg(long)]
    year: i32,
    /// Organisation code [default: the body at the root of the organisation tree].
    #[arg(long = "org", value_name = "ORG_CODE")]
    org: Option<String>,
    /// Roll the figures up over the organisation's whole subtree.
    #[arg(long)]
    rollup: bool,
    /// Output format.
    #[arg(long, value_enum)]
    format: Format,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// Organisation code [default: the body at the root of the organisation tree].
    #[arg(long = "org", value_name = "ORG_CODE")]
    org: Option<String>,
    /// The report file: `.json` (the schema of `generate --format json`) or `.html`/`.htm`.
    #[arg(long)]
    file: PathBuf,
    /// The report year, when the document does not state it.
    #[arg(long)]
    year: Option<i32>,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    block_on(async move {
        let db = open_current(&cfg).await?;
        let result = match args.command {
            Command::Generate(a) => generate(&db, a).await,
            Command::Import(a) => import(&db, a).await,
        };
        db.close().await;
        result
    })
}

async fn org_id(db: &Db, code: Option<&str>) -> anyhow::Result<i64> {
    if let Some(code) = code {
        return Ok(orgs::by_code(db, code)
            .await?
            .ok_or_else(|| anyhow!("机构代码“{code}”不存在（可用 gongkai org list 查看）"))?
            .id);
    }
    // On a platform of several sites, the platform's own body (issue #14).
    let roots = orgs::tree(db).await?.deployment_roots();
    match roots.as_slice() {
        [one] => Ok(*one),
        [] => Err(anyhow!("还没有任何机构：请先用 gongkai org add 添加本机关")),
        _ => Err(anyhow!("有多个顶级机构，请用 --org 指定机构代码")),
    }
}

/// The report rendered in `format`.
pub fn render(a: &reports::Assembled, format: Format) -> anyhow::Result<Vec<u8>> {
    let doc = a.report.document();
    Ok(match format {
        Format::Html => {
            let title = escape(&doc.title);
            let body = to_html_fragment(&doc)?;
            format!(
                "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
                 <title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n{body}</main>\n\
                 </body>\n</html>\n"
            )
            .into_bytes()
        }
        Format::Pdf => {
            let fonts = FontSet::discover(&default_font_dirs())?;
            to_pdf(&doc, &fonts)?
        }
        Format::Docx => to_docx(&doc)?,
        Format::Typst => gongkai_documents::to_typst_source(&doc)?.into_bytes(),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&json(a))?;
            s.push('\n');
            s.into_bytes()
        }
    })
}

/// The JSON form: the REG §2.4–2.6 keys and the sections (`gongkai_report::Report::to_json`),
/// plus the facts counted from the records that the narrative may quote and the sentences
/// generated from them.
pub fn json(a: &reports::Assembled) -> serde_json::Value {
    let mut v = a.report.to_json(&a.findings);
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("facts".into(), serde_json::json!(a.facts));
        m.insert("suggestions".into(), serde_json::json!(a.suggestions()));
    }
    v
}

async fn generate(db: &Db, a: GenerateArgs) -> anyhow::Result<()> {
    let org = org_id(db, a.org.as_deref()).await?;
    let assembled = reports::generate(db, org, a.year, a.rollup).await?;
    let bytes = render(&assembled, a.format)?;
    std::fs::write(&a.out, &bytes).with_context(|| format!("无法写入 {}", a.out.display()))?;
    for f in &assembled.findings {
        let kind = match f.severity {
            Severity::Hard => "校验错误",
            Severity::Soft => "提示",
        };
        eprintln!("{kind}：{}", f.message);
    }
    let hard = assembled.hard().count();
    let soft = assembled.soft().count();
    println!(
        "已生成《{}》（{}），写入 {}；勾稽关系校验错误 {hard} 项，提示 {soft} 项{}。",
        assembled.report.title(),
        if assembled.frozen {
            "锁定日数据"
        } else {
            "按当前办理记录统计"
        },
        a.out.display(),
        if hard > 0 {
            "（有校验错误的报告不能发布）"
        } else {
            ""
        }
    );
    Ok(())
}

async fn import(db: &Db, a: ImportArgs) -> anyhow::Result<()> {
    let org = org_id(db, a.org.as_deref()).await?;
    let ext = a
        .file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let source = match ext.as_str() {
        "json" => Source::Json,
        "html" | "htm" => Source::Html,
        _ => {
            return Err(anyhow!(
                "无法识别的文件类型“{}”：请提供 .json 或 .html 文件",
                a.file.display()
            ));
        }
    };
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("无法读取 {}（须为 UTF-8 文本）", a.file.display()))?;
    let mut tx = db.begin().await?;
    let past = reports::import_past(&mut tx, &Actor::cli(), org, source, &text, a.year).await?;
    tx.commit().await?;
    println!(
        "已导入{}年度报告（{}格式，来源 {}）。",
        past.year,
        past.format,
        a.file.display()
    );
    Ok(())
}
