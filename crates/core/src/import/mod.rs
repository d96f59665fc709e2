//! Bulk import of published information from an old CMS (issue #14): reading CSV, XLSX and the
//! documented JSON package (`docs/schemas/site-package.schema.json`), and checking every row —
//! pure, no I/O, and never a panic whatever the bytes (a fuzz target points at [`read`] and
//! [`check`]).
//!
//! **Rules** (the column list and their meaning are in `docs/import.md`):
//! - A row is an item that the old system already published (主动公开). Mandatory metadata
//!   (REG §4.2): 索引号, 标题, 发布机构, 发布日期 and 公开目录; 正文 or at least one 附件. 生成日期
//!   defaults to 发布日期; 成文日期 is not later than 生成日期, which is not later than 发布日期,
//!   which is not in the future.
//! - 索引号 and 发布日期 are kept as they were (REG §4.3: an index number is never changed); a
//!   索引号 may appear once in a file and must not belong to another item of the deployment.
//! - Idempotence: a row whose 索引号 was imported before with the same content ([`Record::digest`])
//!   is *unchanged* and skipped; with different content it is a problem (the published record is
//!   not silently rewritten: an amendment goes through the console's review chain).
//! - Vocabulary values (主题分类, 体裁分类, 公开目录) are matched by code or label against the
//!   deployment's lists; 有效性 is 有效/失效/废止 (a 失效/废止 needs its date).
//! - The scanner runs on title, summary, body and keywords; a blocking finding (personal data,
//!   a classification marking) rejects the row (先审查、后公开 still holds for migrated data: a
//!   person must fix the source). Findings are reported masked, never with the data itself.
//! - Every problem names its row and column: `第N行「列名」：…` (spreadsheet rows count the
//!   header as row 1; JSON items are `第N条`).

pub mod package;
pub mod table;

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::items::Validity;
use crate::scan::Scanner;

pub use package::{
    AttachmentIn, EventIn, InterpretationIn, ItemIn, JustifiedIn, Package, RevisionIn,
};

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    /// By content first (a zip is XLSX, `{` is JSON), then by the file name's extension.
    pub fn sniff(name: &str, bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            return Format::Xlsx;
        }
        let start = bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(bytes)
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        if start == Some(&b'{') {
            return Format::Json;
        }
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Format::Json
        } else if lower.ends_with(".xlsx") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Json => "JSON",
        }
    }

    /// How a row is named in messages.
    fn unit(self) -> &'static str {
        match self {
            Format::Json => "条",
            _ => "行",
        }
    }
}

/// The columns of a row, with their Chinese headers (the first name) and accepted aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    IndexNo,
    Title,
    Summary,
    Publisher,
    PublishedOn,
    FormedOn,
    SignedOn,
    DocNumber,
    Topic,
    Genre,
    Catalog,
    Validity,
    ValidityOn,
    Keywords,
    Body,
    Attachments,
}

impl Column {
    pub const ALL: [Column; 16] = [
        Column::IndexNo,
        Column::Title,
        Column::Summary,
        Column::Publisher,
        Column::PublishedOn,
        Column::FormedOn,
        Column::SignedOn,
        Column::DocNumber,
        Column::Topic,
        Column::Genre,
        Column::Catalog,
        Column::Validity,
        Column::ValidityOn,
        Column::Keywords,
        Column::Body,
        Column::Attachments,
    ];

    /// Header names accepted (the first is the documented one; then the JSON key).
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Column::IndexNo => &["索引号", "index_no"],
            Column::Title => &["标题", "title", "题名", "名称"],
            Column::Summary => &["内容概述", "summary", "摘要", "概述"],
            Column::Publisher => &["发布机构", "publisher_name", "发文机关", "发布单位"],
            Column::PublishedOn => &["发布日期", "published_on", "发布时间"],
            Column::FormedOn => &["生成日期", "formed_on", "形成日期"],
            Column::SignedOn => &["成文日期", "signed_on"],
            Column::DocNumber => &["文号", "doc_number", "发文字号"],
            Column::Topic => &["主题分类", "topic", "主题"],
            Column::Genre => &["体裁分类", "genre", "体裁"],
            Column::Catalog => &["公开目录", "catalog", "信息类别", "目录"],
            Column::Validity => &["有效性", "validity"],
            Column::ValidityOn => &["失效或废止日期", "validity_on", "失效日期", "废止日期"],
            Column::Keywords => &["主题词", "keywords", "关键词"],
            Column::Body => &["正文", "body_html", "内容"],
            Column::Attachments => &["附件", "attachments"],
        }
    }

    /// The documented Chinese header.
    pub fn label(self) -> &'static str {
        self.names()[0]
    }

    /// Mandatory columns (REG §4.2 metadata of a published item).
    pub fn mandatory(self) -> bool {
        matches!(
            self,
            Column::IndexNo
                | Column::Title
                | Column::Publisher
                | Column::PublishedOn
                | Column::Catalog
        )
    }

    /// The column a header names, ignoring spaces, a `*` marking and ASCII case.
    pub fn from_header(header: &str) -> Option<Column> {
        let h: String = header
            .trim_start_matches('\u{feff}')
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊')
            .collect::<String>()
            .to_ascii_lowercase();
        let h = h
            .trim_end_matches("（必填）")
            .trim_end_matches("(必填)")
            .to_string();
        Column::ALL
            .into_iter()
            .find(|c| c.names().iter().any(|n| n.to_ascii_lowercase() == h))
    }
}

/// One problem of the input: where, and what, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Spreadsheet row (header = 1) or JSON item number (from 1); 0 = the file as a whole.
    pub row: usize,
    /// The column's Chinese header, or empty.
    pub column: String,
    pub message: String,
    /// `行` or `条`.
    pub unit: String,
}

impl Problem {
    pub fn file(message: impl Into<String>) -> Problem {
        Problem {
            row: 0,
            column: String::new(),
            message: message.into(),
            unit: "行".into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            return write!(f, "文件：{}", self.message);
        }
        write!(f, "第{}{}", self.row, self.unit)?;
        if !self.column.is_empty() {
            write!(f, "「{}」", self.column)?;
        }
        write!(f, "：{}", self.message)
    }
}

/// One row as read: its number and its cells by column (JSON items also carry their extras).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRow {
    pub row: usize,
    pub cells: HashMap<Column, String>,
    /// The structured parts of a JSON item (attachments as objects, revisions, history …).
    pub item: Option<ItemIn>,
}

/// What [`read`] found in a file.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub format: Option<Format>,
    pub rows: Vec<RawRow>,
    /// Problems of the file or of rows that could not be read at all.
    pub problems: Vec<Problem>,
    /// Headers that name no column (ignored), for the report.
    pub ignored_columns: Vec<String>,
    /// The JSON package's other sections (organisations, reports …), when the input is one.
    pub package: Option<Package>,
    /// The text encoding of a CSV file.
    pub encoding: Option<&'static str>,
}

/// Reads CSV, XLSX or a JSON package into rows. Never panics; every failure is a [`Problem`].
pub fn read(name: &str, bytes: &[u8]) -> Parsed {
    let format = Format::sniff(name, bytes);
    let mut parsed = Parsed {
        format: Some(format),
        ..Parsed::default()
    };
    match format {
        Format::Json => package::read_rows(bytes, &mut parsed),
        Format::Csv => match table::read_csv(bytes) {
            Ok((grid, encoding)) => {
                parsed.encoding = Some(encoding);
                from_grid(grid, &mut parsed);
            }
            Err(e) => parsed.problems.push(Problem::file(e)),
        },
        Format::Xlsx => match table::read_xlsx(bytes) {
            Ok(grid) => from_grid(grid, &mut parsed),
            Err(e) => parsed.problems.push(Problem::file(e)),
        },
    }
    parsed
}

fn from_grid(grid: table::Grid, parsed: &mut Parsed) {
    let mut lines = grid.into_iter().enumerate();
    // The header is the first non-empty row.
    let header = loop {
        match lines.next() {
            Some((_, row)) if row.iter().all(String::is_empty) => continue,
            Some((i, row)) => break Some((i, row)),
            None => break None,
        }
    };
    let Some((header_index, header)) = header else {
        parsed
            .problems
            .push(Problem::file("文件是空的：没有表头行"));
        return;
    };
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(header.len());
    let mut seen: HashSet<Column> = HashSet::new();
    for h in &header {
        match Column::from_header(h) {
            Some(c) if seen.insert(c) => columns.push(Some(c)),
            Some(c) => {
                parsed.problems.push(Problem {
                    row: header_index + 1,
                    column: c.label().into(),
                    message: "表头中重复出现此列".into(),
                    unit: "行".into(),
                });
                columns.push(None);
            }
            None => {
                if !h.is_empty() {
                    parsed.ignored_columns.push(h.clone());
                }
                columns.push(None);
            }
        }
    }
    for c in Column::ALL {
        if c.mandatory() && !seen.contains(&c) {
            parsed.problems.push(Problem {
                row: header_index + 1,
                column: c.label().into(),
                message: "表头缺少必填列".into(),
                unit: "行".into(),
            });
        }
    }
    if Column::ALL
        .iter()
        .any(|c| c.mandatory() && !seen.contains(c))
    {
        return;
    }
    for (i, row) in lines {
        if row.iter().all(String::is_empty) {
            continue;
        }
        let mut cells = HashMap::new();
        for (value, column) in row.into_iter().zip(&columns) {
            if let Some(c) = column {
                cells.insert(*c, value);
            }
        }
        parsed.rows.push(RawRow {
            row: i + 1,
            cells,
            item: None,
        });
    }
}

/// An attachment of a row: the file (a path relative to the files folder), its name and alt text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub path: String,
    pub filename: String,
    pub alt_text: String,
}

/// A checked row, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub row: usize,
    /// The organisation's code (a JSON item may name a unit of the imported subtree).
    pub org_code: Option<String>,
    pub index_no: String,
    pub title: String,
    pub summary: String,
    /// Sanitised (`richtext`); plain text became paragraphs.
    pub body_html: String,
    pub keywords: String,
    pub publisher_name: String,
    pub published_on: NaiveDate,
    /// Publication time (ms); `None` = the start of 发布日期 in China Standard Time.
    pub published_at: Option<i64>,
    pub formed_on: NaiveDate,
    pub signed_on: Option<NaiveDate>,
    pub doc_number: String,
    pub topic_code: String,
    pub genre_code: String,
    pub catalog_code: String,
    pub validity: Validity,
    pub validity_on: Option<NaiveDate>,
    pub validity_replaced_by: String,
    pub validity_note: String,
    pub attachments: Vec<AttachmentRef>,
    /// Earlier public revisions (JSON packages), oldest first; the row's own text is the last.
    pub revisions: Vec<RevisionIn>,
    pub history: Vec<EventIn>,
    pub withdrawn_at: Option<i64>,
    pub withdrawn_reason: String,
    pub interpretation: Option<InterpretationIn>,
    /// Justified scanner findings of the public text (JSON packages), kept as justified.
    pub justified: Vec<JustifiedIn>,
    /// Id of the item in the system it came from (JSON packages), for the import log.
    pub source_id: Option<i64>,
    /// SM3 of the row's content (everything but the row number): the idempotence key's value.
    pub digest: String,
}

/// A vocabulary entry of the deployment: (code, label).
pub type VocabEntry = (String, String);

/// The deployment's vocabularies (active entries).
#[derive(Debug, Clone, Default)]
pub struct Vocab {
    pub topic: Vec<VocabEntry>,
    pub genre: Vec<VocabEntry>,
    pub catalog: Vec<VocabEntry>,
}

/// What the deployment already holds under a 索引号.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// Imported before into this organisation subtree, with this content digest.
    Imported { digest: String },
    /// Any other item (published natively, or imported elsewhere).
    Other,
}

/// What the checks need to know about the deployment (read by the caller).
pub struct Context<'a> {
    pub vocab: &'a Vocab,
    pub existing: &'a HashMap<String, Existing>,
    /// Is this attachment path present in the files folder?
    pub file_exists: &'a dyn Fn(&str) -> bool,
    /// Codes of the organisations a JSON item may name (the imported subtree).
    pub org_codes: &'a HashSet<String>,
    pub scanner: &'a Scanner,
    /// Today in China Standard Time (发布日期 may not be later).
    pub today: NaiveDate,
}

/// The outcome of [`check`].
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Valid rows not imported before.
    pub records: Vec<Record>,
    /// Rows imported before with the same content: (row, 索引号).
    pub unchanged: Vec<(usize, String)>,
    pub problems: Vec<Problem>,
    /// Rows with at least one problem.
    pub rejected_rows: usize,
}

/// Longest 索引号 accepted.
pub const MAX_INDEX_NO_CHARS: usize = 100;

/// A date as people and old systems write it: `2019-03-05`, `2019/3/5`, `2019.03.05`,
/// `2019年3月5日`, `20190305`, an ISO date-time (the date part), or an Excel serial day number.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    // Date-times: the date part.
    let t = t.split(['T', ' ']).next().unwrap_or(t);
    // Every form keeps to the same years (from 1949), so whatever is accepted also reads back
    // from its own `YYYY-MM-DD` (found by fuzzing: "201" was day 201 of Excel's 1900).
    let in_range = |d: &NaiveDate| d.year() >= 1949;
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok().filter(in_range);
    }
    if (1..=6).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        // Excel serial day (1900 date system; day 60 is the fictitious 1900-02-29).
        let n: i64 = t.parse().ok()?;
        if n < 61 {
            return None;
        }
        let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
        return base
            .checked_add_signed(chrono::Duration::days(n))
            .filter(in_range);
    }
    let unified: String = t
        .replace(['年', '月'], "-")
        .replace('日', "")
        .chars()
        .map(|c| if c == '/' || c == '.' { '-' } else { c })
        .collect();
    let mut parts = unified.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).filter(in_range)
}

fn resolve_vocab(list: &[VocabEntry], value: &str) -> Option<String> {
    let v = value.trim();
    let strip_numeral = |s: &str| -> String {
        match s.strip_prefix('（').and_then(|r| r.split_once('）')) {
            Some((_, rest)) => rest.to_string(),
            None => s.to_string(),
        }
    };
    list.iter()
        .find(|(code, label)| code == v || label == v || strip_numeral(label) == strip_numeral(v))
        .map(|(code, _)| code.clone())
}

fn validity_of(value: &str) -> Option<Validity> {
    match value.trim() {
        "" | "有效" | "现行有效" | "valid" => Some(Validity::Valid),
        "失效" | "已失效" | "expired" => Some(Validity::Expired),
        "废止" | "已废止" | "repealed" => Some(Validity::Repealed),
        _ => None,
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The body as stored: HTML is sanitised; plain text becomes one paragraph per line.
pub fn body_html(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return String::new();
    }
    let looks_html = t.contains('<') && t.contains('>');
    if looks_html {
        crate::richtext::sanitize(t).html
    } else {
        let paragraphs: String = t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| format!("<p>{}</p>", escape_html(l)))
            .collect();
        crate::richtext::sanitize(&paragraphs).html
    }
}

/// The attachments of a spreadsheet cell: paths separated by `;`, `；` or line breaks, each
/// optionally `path=替代文字` (images need alt text, WCAG 1.1.1).
pub fn attachment_refs(cell: &str) -> Vec<AttachmentRef> {
    cell.split([';', '；', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (path, alt) = match p.split_once('=') {
                Some((path, alt)) => (path.trim(), alt.trim()),
                None => (p, ""),
            };
            let path = path.replace('\\', "/");
            let filename = path.rsplit('/').next().unwrap_or(&path).to_string();
            AttachmentRef {
                path,
                filename,
                alt_text: alt.to_string(),
            }
        })
        .collect()
}

/// A relative path inside the files folder (no `..`, not absolute)?
pub fn is_safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains(':')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != ".." && seg != ".")
        && !path.chars().any(char::is_control)
}

/// The blocking findings of a text, summarised without the personal data (masked); findings
/// for which `justified(kind code, text)` holds are accepted.
pub fn blocking_summary(
    scanner: &Scanner,
    text: &str,
    justified: &dyn Fn(&str, &str) -> bool,
) -> Option<String> {
    let findings: Vec<_> = scanner
        .scan(text)
        .into_iter()
        .filter(|f| f.blocking)
        .filter(|f| {
            let kind = serde_json::to_value(f.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            !justified(&kind, &f.text)
        })
        .collect();
    if findings.is_empty() {
        return None;
    }
    let shown: Vec<String> = findings
        .iter()
        .take(3)
        .map(|f| {
            let mask = if f.suggested_mask.is_empty() {
                "*".repeat(f.text.chars().count().min(20))
            } else {
                f.suggested_mask.clone()
            };
            format!("{}（{mask}）", f.kind.label())
        })
        .collect();
    let more = if findings.len() > 3 {
        format!("等 {} 处", findings.len())
    } else {
        String::new()
    };
    Some(format!(
        "扫描发现须处理的内容：{}{more}；请在原数据中遮蔽或删除后再导入",
        shown.join("、")
    ))
}

fn digest_of(r: &Record) -> String {
    use sm3::Digest;
    let mut copy = r.clone();
    copy.row = 0;
    copy.digest = String::new();
    let json = serde_json::to_vec(&copy).unwrap_or_default();
    hex::encode(sm3::Sm3::digest(&json))
}

/// Checks every row against the rules in the module header and the deployment's `ctx`.
pub fn check(parsed: &Parsed, ctx: &Context<'_>) -> Checked {
    let unit = parsed.format.unwrap_or(Format::Csv).unit();
    let mut out = Checked {
        problems: parsed.problems.clone(),
        ..Checked::default()
    };
    // 索引号 → first row that carries it.
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for raw in &parsed.rows {
        let mut problems = Vec::new();
        let record = check_row(raw, ctx, &mut first_row, unit, &mut problems);
        if problems.is_empty() {
            if let Some(r) = record {
                match ctx.existing.get(&r.index_no) {
                    Some(Existing::Imported { digest }) if *digest == r.digest => {
                        out.unchanged.push((r.row, r.index_no));
                    }
                    Some(Existing::Imported { .. }) => {
                        out.rejected_rows += 1;
                        out.problems.push(Problem {
                            row: raw.row,
                            column: Column::IndexNo.label().into(),
                            message: format!(
                                "“{}”已导入过，但本次内容与上次不同：已发布的信息不在导入中改写，\
                                 请在控制台修订（修订稿须重新审核）",
                                r.index_no
                            ),
                            unit: unit.into(),
                        });
                    }
                    Some(Existing::Other) => {
                        out.rejected_rows += 1;
                        out.problems.push(Problem {
                            row: raw.row,
                            column: Column::IndexNo.label().into(),
                            message: format!("“{}”与系统中已有信息的索引号重复", r.index_no),
                            unit: unit.into(),
                        });
                    }
                    None => out.records.push(r),
                }
            }
        } else {
            out.rejected_rows += 1;
            out.problems.extend(problems);
        }
    }
    out
}

fn check_row(
    raw: &RawRow,
    ctx: &Context<'_>,
    first_row: &mut HashMap<String, usize>,
    unit: &str,
    problems: &mut Vec<Problem>,
) -> Option<Record> {
    let row = raw.row;
    let mut problem = |column: Column, message: String| {
        problems.push(Problem {
            row,
            column: column.label().into(),
            message,
            unit: unit.into(),
        });
    };
    let cell = |c: Column| raw.cells.get(&c).map(|s| s.trim()).unwrap_or_default();
    for c in Column::ALL {
        if c.mandatory() && cell(c).is_empty() {
            problem(c, "必填项为空".into());
        }
    }
    // 索引号.
    let index_no = cell(Column::IndexNo).to_string();
    if !index_no.is_empty() {
        if index_no.chars().count() > MAX_INDEX_NO_CHARS {
            problem(
                Column::IndexNo,
                format!("索引号过长（最多 {MAX_INDEX_NO_CHARS} 个字符）"),
            );
        } else if index_no
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            problem(Column::IndexNo, "索引号中不能有空格或控制字符".into());
        }
        match first_row.get(&index_no) {
            Some(first) => problem(
                Column::IndexNo,
                format!("索引号“{index_no}”与第{first}{unit}重复"),
            ),
            None => {
                first_row.insert(index_no.clone(), row);
            }
        }
    }
    // Texts.
    let title = cell(Column::Title).to_string();
    if title.chars().count() > 300 {
        problem(Column::Title, "标题过长（最多 300 字）".into());
    }
    let summary = cell(Column::Summary).to_string();
    if summary.chars().count() > 1000 {
        problem(Column::Summary, "内容概述过长（最多 1000 字）".into());
    }
    let body = body_html(cell(Column::Body));
    let keywords = cell(Column::Keywords).to_string();
    let kept = raw
        .item
        .as_ref()
        .map(|i| i.justified.as_slice())
        .unwrap_or_default();
    for (column, field, text) in [
        (Column::Title, "title", title.as_str()),
        (Column::Summary, "summary", summary.as_str()),
        (Column::Body, "body_html", body.as_str()),
        (Column::Keywords, "keywords", keywords.as_str()),
    ] {
        let justified = |kind: &str, found: &str| {
            kept.iter()
                .any(|j| j.field == field && j.kind == kind && j.text == found)
        };
        if let Some(message) = blocking_summary(ctx.scanner, text, &justified) {
            problem(column, message);
        }
    }
    // Dates.
    let date = |c: Column, problem: &mut dyn FnMut(Column, String)| -> Option<NaiveDate> {
        let text = cell(c);
        if text.is_empty() {
            return None;
        }
        let parsed = parse_date(text);
        if parsed.is_none() {
            problem(
                c,
                format!("“{text}”不是有效日期（请写作 2019-03-05 或 2019年3月5日）"),
            );
        }
        parsed
    };
    let published_on = date(Column::PublishedOn, &mut problem);
    let formed_on = date(Column::FormedOn, &mut problem).or(published_on);
    let signed_on = date(Column::SignedOn, &mut problem);
    if let Some(p) = published_on
        && p > ctx.today
    {
        problem(Column::PublishedOn, format!("发布日期 {p} 晚于今天"));
    }
    if let (Some(f), Some(p)) = (formed_on, published_on)
        && f > p
    {
        problem(Column::FormedOn, format!("生成日期 {f} 晚于发布日期 {p}"));
    }
    if let (Some(s), Some(f)) = (signed_on, formed_on)
        && s > f
    {
        problem(Column::SignedOn, format!("成文日期 {s} 晚于生成日期 {f}"));
    }
    // Metadata.
    let doc_number = cell(Column::DocNumber).to_string();
    if doc_number.contains('[') || doc_number.contains('【') {
        problem(Column::DocNumber, "文号的年份请使用六角括号〔〕".into());
    }
    let mut vocab = |c: Column, list: &[VocabEntry], what: &str| -> String {
        let v = cell(c);
        if v.is_empty() {
            return String::new();
        }
        resolve_vocab(list, v).unwrap_or_else(|| {
            problem(
                c,
                format!("“{v}”不是本系统的{what}（可填写代码或名称，见控制台“目录设置”）"),
            );
            String::new()
        })
    };
    let topic_code = vocab(Column::Topic, &ctx.vocab.topic, "主题分类");
    let genre_code = vocab(Column::Genre, &ctx.vocab.genre, "体裁分类");
    let catalog_code = vocab(Column::Catalog, &ctx.vocab.catalog, "公开目录");
    let validity = match validity_of(cell(Column::Validity)) {
        Some(v) => v,
        None => {
            problem(
                Column::Validity,
                format!("“{}”不是有效性（有效、失效或废止）", cell(Column::Validity)),
            );
            Validity::Valid
        }
    };
    let validity_on = date(Column::ValidityOn, &mut problem);
    if validity.needs_date() && validity_on.is_none() && cell(Column::ValidityOn).is_empty() {
        problem(
            Column::ValidityOn,
            format!("有效性为“{}”时须填写日期", validity.label()),
        );
    }
    // Attachments.
    let item = raw.item.as_ref();
    let attachments: Vec<AttachmentRef> = match item {
        Some(i) => i
            .attachments
            .iter()
            .map(|a| AttachmentRef {
                path: a.file.replace('\\', "/"),
                filename: if a.filename.trim().is_empty() {
                    a.file
                        .rsplit(['/', '\\'])
                        .next()
                        .unwrap_or_default()
                        .to_string()
                } else {
                    a.filename.trim().to_string()
                },
                alt_text: a.alt_text.trim().to_string(),
            })
            .collect(),
        None => attachment_refs(cell(Column::Attachments)),
    };
    for a in &attachments {
        if !is_safe_path(&a.path) {
            problem(
                Column::Attachments,
                format!("“{}”不是附件目录中的相对路径", a.path),
            );
        } else if !(ctx.file_exists)(&a.path) {
            problem(
                Column::Attachments,
                format!("附件目录中找不到文件“{}”", a.path),
            );
        }
    }
    if body.is_empty() && attachments.is_empty() && !cell(Column::Title).is_empty() {
        problem(Column::Body, "正文和附件不能都为空".into());
    }
    // JSON extras: public revisions numbered upwards (their numbers are shown on the page).
    if let Some(i) = item {
        let numbers: Vec<i64> = i.revisions.iter().map(|r| r.number).collect();
        let increasing = numbers.windows(2).all(|w| w[0] < w[1]);
        if !numbers.is_empty() && (!increasing || numbers.iter().any(|n| *n < 0)) {
            problems.push(Problem {
                row,
                column: "revisions".into(),
                message: "修订版本号须为递增的正整数".into(),
                unit: unit.into(),
            });
        }
    }
    let org_code = item
        .and_then(|i| i.org_code.clone())
        .filter(|c| !c.is_empty());
    if let Some(code) = &org_code
        && !ctx.org_codes.contains(code)
    {
        problems.push(Problem {
            row,
            column: "org_code".into(),
            message: format!("机构“{code}”不在导入的机构范围内"),
            unit: unit.into(),
        });
    }
    if !problems.is_empty() {
        return None;
    }
    let published_on = published_on?;
    let mut record = Record {
        row,
        org_code,
        index_no,
        title,
        summary,
        body_html: body,
        keywords,
        publisher_name: cell(Column::Publisher).to_string(),
        published_on,
        published_at: item.and_then(|i| i.published_at),
        formed_on: formed_on.unwrap_or(published_on),
        signed_on,
        doc_number,
        topic_code,
        genre_code,
        catalog_code,
        validity,
        validity_on,
        validity_replaced_by: item
            .map(|i| i.validity_replaced_by.clone())
            .unwrap_or_default(),
        validity_note: item.map(|i| i.validity_note.clone()).unwrap_or_default(),
        attachments,
        revisions: item.map(|i| i.revisions.clone()).unwrap_or_default(),
        history: item.map(|i| i.history.clone()).unwrap_or_default(),
        withdrawn_at: item.and_then(|i| i.withdrawn_at),
        withdrawn_reason: item.map(|i| i.withdrawn_reason.clone()).unwrap_or_default(),
        interpretation: item.and_then(|i| i.interpretation.clone()),
        justified: item.map(|i| i.justified.clone()).unwrap_or_default(),
        source_id: item.and_then(|i| i.source_id),
        digest: String::new(),
    };
    record.digest = digest_of(&record);
    Some(record)
}

#[cfg(test)]
mod tests;
