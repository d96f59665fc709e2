//! Import of past reports (REG §2.8): the JSON schema of [`crate::Figures::to_json`] (with
//! `year`, `organisation` and optional `narrative`), or an HTML page whose tables follow the 2019
//! trial or the 2021 format. The format version is detected from table 二's column headings
//! ("本年新制作数量" → 2019, "本年制发件数" → 2021); the 2019 single （六） row maps to
//! `other.other`. Blank cells are 0 (REG §2.7).

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::figures::{Figures, FormatVersion, parse_wan_yuan};
use crate::format::*;
use crate::narrative::Narrative;

/// A report read from outside.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub year: Option<i32>,
    pub organisation: Option<String>,
    pub figures: Figures,
    pub narrative: Narrative,
}

/// Reads the JSON form.
pub fn from_json(text: &str) -> Result<Imported, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("JSON 格式错误：{e}"))?;
    let figures = Figures::from_json(&v)?;
    let year = v
        .get("year")
        .and_then(Value::as_i64)
        .and_then(|y| i32::try_from(y).ok());
    let organisation = v
        .get("organisation")
        .and_then(Value::as_str)
        .map(str::to_string);
    let narrative = match v.get("narrative") {
        Some(n) => {
            serde_json::from_value(n.clone()).map_err(|e| format!("narrative 格式错误：{e}"))?
        }
        None => Narrative::default(),
    };
    Ok(Imported {
        year,
        organisation,
        figures,
        narrative,
    })
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| unreachable!("static pattern: {e}")))
}

/// Text of an HTML fragment: tags removed, entities decoded, whitespace removed (Chinese table
/// labels carry no meaningful spaces).
fn text_of(html: &str) -> String {
    static TAG: OnceLock<Regex> = OnceLock::new();
    let t = re(&TAG, r"(?s)<[^>]*>").replace_all(html, "");
    decode(&t)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

fn decode(s: &str) -> String {
    static ENT: OnceLock<Regex> = OnceLock::new();
    re(&ENT, r"&(#x?[0-9a-fA-F]+|[a-zA-Z]+);")
        .replace_all(s, |c: &regex::Captures<'_>| {
            let e = &c[1];
            let ch = if let Some(hex) = e.strip_prefix("#x").or_else(|| e.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = e.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match e {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some(' '),
                    "ldquo" => Some('“'),
                    "rdquo" => Some('”'),
                    _ => None,
                }
            };
            ch.map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// Normalises a label for comparison: ASCII parentheses and quotes to their full-width forms.
fn norm(s: &str) -> String {
    s.replace('(', "（")
        .replace(')', "）")
        .replace(['"', '＂'], "")
        .replace(['“', '”'], "")
        .replace('．', ".")
}

/// Every table of the page as a text grid with spans resolved.
pub fn html_tables(html: &str) -> Vec<Vec<Vec<String>>> {
    static TABLE: OnceLock<Regex> = OnceLock::new();
    static TR: OnceLock<Regex> = OnceLock::new();
    static CELL: OnceLock<Regex> = OnceLock::new();
    static SPAN: OnceLock<Regex> = OnceLock::new();
    let table_re = re(&TABLE, r"(?is)<table[^>]*>(.*?)</table>");
    let tr_re = re(&TR, r"(?is)<tr[^>]*>(.*?)</tr>");
    let cell_re = re(&CELL, r"(?is)<t([hd])([^>]*)>(.*?)</t[hd]>");
    let span_re = re(&SPAN, r#"(?i)(colspan|rowspan)\s*=\s*["']?(\d+)"#);
    let mut out = Vec::new();
    for t in table_re.captures_iter(html) {
        let mut grid: Vec<Vec<Option<String>>> = Vec::new();
        for (r, tr) in tr_re.captures_iter(&t[1]).enumerate() {
            if grid.len() <= r {
                grid.push(Vec::new());
            }
            let mut c = 0;
            for cell in cell_re.captures_iter(&tr[1]) {
                let (mut cs, mut rs) = (1usize, 1usize);
                for s in span_re.captures_iter(&cell[2]) {
                    let v: usize = s[2].parse().unwrap_or(1).clamp(1, 64);
                    if s[1].eq_ignore_ascii_case("colspan") {
                        cs = v
                    } else {
                        rs = v
                    }
                }
                let text = text_of(&cell[3]);
                while grid[r].get(c).is_some_and(Option::is_some) {
                    c += 1;
                }
                for rr in r..r + rs {
                    while grid.len() <= rr {
                        grid.push(Vec::new());
                    }
                    for cc in c..c + cs {
                        if grid[rr].len() <= cc {
                            grid[rr].resize(cc + 1, None);
                        }
                        grid[rr][cc] = Some(text.clone());
                    }
                }
                c += cs;
            }
        }
        out.push(
            grid.into_iter()
                .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
                .filter(|r: &Vec<String>| !r.is_empty())
                .collect(),
        );
    }
    out
}

fn int(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.is_empty() || t == "-" || t == "—" || t == "／" || t == "/" {
        return Ok(0);
    }
    t.parse::<i64>()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or_else(|| format!("“{t}”不是非负整数"))
}

fn last_n(row: &[String], n: usize) -> Option<&[String]> {
    row.len().checked_sub(n).map(|start| &row[start..])
}

fn contains(grid: &[Vec<String>], needle: &str) -> bool {
    grid.iter().flatten().any(|c| c.contains(needle))
}

/// Reads the tables of an HTML report page. Narrative text is taken between the canonical
/// section headings (or their known variants) where they can be found.
pub fn from_html(html: &str) -> Result<Imported, String> {
    let tables = html_tables(html);
    let mut f = Figures::default();
    let t2 = tables
        .iter()
        .find(|g| contains(g, "第二十条第（一）项") || contains(g, "第二十条第(一)项"));
    let t3 = tables
        .iter()
        .find(|g| contains(g, T3_APPLICANTS) || contains(g, "本年新收政府信息公开申请数量"));
    let t4 = tables
        .iter()
        .find(|g| contains(g, T4_REVIEW) && contains(g, "结果维持"));
    if t2.is_none() && t3.is_none() && t4.is_none() {
        return Err(
            "页面中没有找到年度报告格式的表格（主动公开、依申请公开或复议诉讼情况表）".into(),
        );
    }
    if let Some(g) = t2 {
        f.format = if contains(g, T2_2019_MADE) {
            FormatVersion::Trial2019
        } else {
            FormatVersion::Format2021
        };
        for row in g {
            let Some(first) = row.first().map(|s| norm(s)) else {
                continue;
            };
            let Some(vals) = last_n(row, 3) else { continue };
            let ctx = |e: String| format!("表二“{first}”行：{e}");
            match first.as_str() {
                T2_REGULATIONS | T2_NORMATIVE | T2_2019_NORMATIVE => {
                    let m = if first == T2_REGULATIONS {
                        &mut f.table2.regulations
                    } else {
                        &mut f.table2.normative_docs
                    };
                    m.made = int(&vals[0]).map_err(ctx)?;
                    if f.format == FormatVersion::Format2021 {
                        m.repealed = int(&vals[1]).map_err(ctx)?;
                    }
                    m.valid = int(&vals[2]).map_err(ctx)?;
                }
                T2_LICENSING => f.table2.licensing = int(&vals[2]).map_err(ctx)?,
                T2_PENALTY => f.table2.penalty = int(&vals[2]).map_err(ctx)?,
                T2_COERCION => f.table2.coercion = int(&vals[2]).map_err(ctx)?,
                T2_ADMIN_FEES if f.format == FormatVersion::Format2021 => {
                    f.table2.admin_fees_fen = parse_wan_yuan(&vals[2]).map_err(ctx)?;
                }
                _ => {}
            }
        }
    }
    if let Some(g) = t3 {
        for row in g {
            let Some(vals) = last_n(row, 7) else { continue };
            let labels: Vec<String> = row[..row.len() - 7].iter().map(|s| norm(s)).collect();
            let Some(last_label) = labels.last() else {
                continue;
            };
            let idx = if labels.len() >= 2
                && labels[labels.len() - 2] == norm(T3_2019_OTHER)
                && *last_label == norm(T3_2019_OTHER)
            {
                f.format = FormatVersion::Trial2019;
                T3_ROWS.iter().position(|r| r.0 == "other.other")
            } else {
                T3_ROWS.iter().position(|(_, l, g)| {
                    let l = norm(l);
                    (*last_label == l
                        || (l.starts_with("（二）部分公开")
                            && last_label.starts_with("（二）部分公开")))
                        && (g.is_empty()
                            || *g == T3_RESULT_HEADING
                            || labels.iter().any(|x| *x == norm(g)))
                })
            };
            let Some(i) = idx else { continue };
            for (c, v) in vals.iter().enumerate() {
                f.table3.cells[i][c] = int(v)
                    .map_err(|e| format!("表三“{}”行“{}”列：{e}", T3_ROWS[i].1, T3_COLUMNS[c].1))?;
            }
        }
    }
    if let Some(g) = t4 {
        let data = g.iter().rev().find(|row| {
            row.len() >= 15 && last_n(row, 15).is_some_and(|v| v.iter().all(|x| int(x).is_ok()))
        });
        if let Some(row) = data.and_then(|r| last_n(r, 15)) {
            for (i, v) in row.iter().enumerate() {
                f.table4.cells[i / 5][i % 5] = int(v)?;
            }
        }
    }
    let year = {
        static YEAR: OnceLock<Regex> = OnceLock::new();
        re(
            &YEAR,
            r"((?:19|20)\d{2})年(?:度)?(?:政府信息公开)?(?:工作)?年度报告",
        )
        .captures(&text_of(html))
        .and_then(|c| c[1].parse().ok())
    };
    Ok(Imported {
        year,
        organisation: None,
        figures: f,
        narrative: narrative_of(html),
    })
}

fn narrative_of(html: &str) -> Narrative {
    static TABLE: OnceLock<Regex> = OnceLock::new();
    static BLOCK: OnceLock<Regex> = OnceLock::new();
    static TAG: OnceLock<Regex> = OnceLock::new();
    let no_tables = re(&TABLE, r"(?is)<table.*?</table>").replace_all(html, "\n");
    let lines =
        re(&BLOCK, r"(?i)</?(p|div|h[1-6]|br|li|section)[^>]*>").replace_all(&no_tables, "\n");
    let plain = decode(&re(&TAG, r"(?s)<[^>]*>").replace_all(&lines, ""));
    let mut sections: [Vec<String>; 6] = Default::default();
    let mut current: Option<usize> = None;
    for line in plain
        .lines()
        .map(|l| l.trim().trim_matches('\u{3000}'))
        .filter(|l| !l.is_empty())
    {
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        let head = SECTIONS.iter().position(|h| compact == *h).or_else(|| {
            SECTION_VARIANTS
                .iter()
                .find(|(v, _)| compact == *v)
                .map(|(_, i)| *i)
        });
        if let Some(i) = head {
            current = Some(i);
            continue;
        }
        if let Some(i) = current {
            sections[i].push(line.to_string());
        }
    }
    let join = |v: &Vec<String>| v.join("\n");
    Narrative {
        intro: String::new(),
        overview: [
            join(&sections[0]),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
        section2: join(&sections[1]),
        section3: join(&sections[2]),
        section4: join(&sections[3]),
        section5: join(&sections[4]),
        section6: join(&sections[5]),
    }
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;
    use crate::render::Report;

    fn report(format: FormatVersion) -> Report {
        let mut f = Figures {
            format,
            ..Figures::default()
        };
        for (i, row) in f.table3.cells.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = (i * 7 + c) as i64;
            }
        }
        if format == FormatVersion::Trial2019 {
            f.table3.cells[20] = [0; 7];
            f.table3.cells[21] = [0; 7];
        }
        f.table2.regulations = crate::figures::MadeRepealedValid {
            made: 1,
            repealed: 2,
            valid: 3,
        };
        f.table2.normative_docs = crate::figures::MadeRepealedValid {
            made: 4,
            repealed: 5,
            valid: 6,
        };
        f.table2.licensing = 7;
        f.table2.penalty = 8;
        f.table2.coercion = 9;
        f.table2.admin_fees_fen = 35_000;
        for (i, v) in f.table4.cells.iter_mut().flatten().enumerate() {
            *v = i as i64 + 100;
        }
        Report {
            year: 2021,
            org_name: "某单位".into(),
            rollup: false,
            figures: f,
            narrative: Narrative {
                section5: "问题一\n问题二".into(),
                ..Narrative::default()
            },
            processing_fees_fen: None,
        }
    }

    #[test]
    fn own_html_round_trips() {
        let r = report(FormatVersion::Format2021);
        let html = format!(
            "<h1>{}</h1>{}",
            r.title(),
            gongkai_documents::to_html_fragment(&r.document()).unwrap()
        );
        let imp = from_html(&html).unwrap();
        assert_eq!(imp.figures, r.figures);
        assert_eq!(imp.year, Some(2021));
        assert_eq!(imp.narrative.section5, "问题一\n问题二");
    }

    #[test]
    fn own_json_round_trips() {
        let r = report(FormatVersion::Format2021);
        let imp = from_json(&r.to_json(&[]).to_string()).unwrap();
        assert_eq!(imp.figures, r.figures);
        assert_eq!(imp.year, Some(2021));
        assert_eq!(imp.organisation.as_deref(), Some("某单位"));
        assert_eq!(imp.narrative, r.narrative);
    }

    /// A 2019 trial-format page in the layout of REG §2.8 (as published, with blanks, ASCII
    /// parentheses and &nbsp;).
    #[test]
    fn trial_2019_page() {
        let html = r#"<p>2019年政府信息公开工作年度报告</p>
<table><tr><td colspan="4">第二十条第(一)项</td></tr>
<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>2</td></tr>
<tr><td>规范性文件</td><td>3</td><td>3</td><td>&nbsp;17</td></tr>
<tr><td colspan="4">第二十条第(五)项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政许可</td><td>5</td><td>0</td><td>41</td></tr>
<tr><td>其他对外管理服务事项</td><td>1</td><td>0</td><td>2</td></tr>
<tr><td>行政事业性收费</td><td>1</td><td>0</td><td></td></tr>
</table>
<table><tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>3</td><td>1</td><td></td><td></td><td></td><td></td><td>4</td></tr>
<tr><td rowspan="20">三、本年度办理结果</td><td colspan="2">(一)予以公开</td><td>2</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>
<tr><td rowspan="8">(三)不予公开</td><td>3.危及"三安全一稳定"</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td colspan="2">(六)其他处理</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td colspan="2">(七)总计</td><td>3</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>4</td></tr>
</table>"#;
        let imp = from_html(html).unwrap();
        assert_eq!(imp.figures.format, FormatVersion::Trial2019);
        assert_eq!(imp.year, Some(2019));
        assert_eq!(imp.figures.table2.normative_docs.made, 3);
        assert_eq!(imp.figures.table2.normative_docs.valid, 17);
        assert_eq!(imp.figures.table2.regulations.valid, 2);
        assert_eq!(imp.figures.table2.licensing, 41);
        assert_eq!(
            imp.figures.table3.cells[NEW_RECEIVED],
            [3, 1, 0, 0, 0, 0, 4]
        );
        assert_eq!(imp.figures.table3.cells[FIRST_OUTCOME][TOTAL], 3);
        assert_eq!(imp.figures.table3.cells[6][TOTAL], 1);
        assert_eq!(imp.figures.table3.cells[PROCESSED_TOTAL][TOTAL], 4);
    }

    #[test]
    fn page_without_tables_is_refused_and_bad_cells_named() {
        assert!(from_html("<p>无表格</p>").unwrap_err().contains("没有找到"));
        let bad = r#"<table><tr><td>申请人情况</td></tr><tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>x</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr></table>"#;
        let e = from_html(bad).unwrap_err();
        assert!(
            e.contains("一、本年新收政府信息公开申请数量") && e.contains("自然人"),
            "{e}"
        );
        assert!(from_json("{").unwrap_err().contains("JSON"));
    }
}
