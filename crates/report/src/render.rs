//! The report as one document (for HTML, typst/PDF and DOCX) and as JSON.

#[cfg(feature = "render")]
use gongkai_documents::{Block, Cell, Document, Row, Table};
#[cfg(feature = "render")]
use serde_json::{Value, json};

#[cfg(feature = "render")]
use crate::checks::Finding;
#[cfg(feature = "render")]
use crate::count::period;
use crate::count::period_sentence;
use crate::figures::Figures;
#[cfg(feature = "render")]
use crate::figures::{FormatVersion, wan_yuan};
#[cfg(feature = "render")]
use crate::format::*;
use crate::narrative::{Narrative, fee_sentence};

/// One organisation's report for one year, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub year: i32,
    /// The reporting body, e.g. 长春市残疾人联合会.
    pub org_name: String,
    /// True when the figures are rolled up over the organisation's subtree.
    pub rollup: bool,
    pub figures: Figures,
    pub narrative: Narrative,
    /// Information-processing fees charged in the year (fen), for the section 六 statement.
    pub processing_fees_fen: Option<i64>,
}

#[cfg(feature = "render")]
fn paragraphs(text: &str) -> impl Iterator<Item = Block> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| Block::Paragraph(l.to_string()))
}

#[cfg(feature = "render")]
fn n(v: i64) -> Cell {
    Cell::num(v.to_string())
}

impl Report {
    pub fn title(&self) -> String {
        format!("{}{}年政府信息公开工作年度报告", self.org_name, self.year)
    }

    /// The generated opening: legal basis, the six parts, the statistics period (REG §2.2).
    pub fn opening(&self) -> String {
        let scope = if self.rollup {
            "（含所属单位）"
        } else {
            ""
        };
        format!(
            "本报告由{}{scope}根据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条规定编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。{}",
            self.org_name,
            period_sentence(self.year)
        )
    }

    /// Section 六 as printed: the edited text, plus the fee statement when the text has none,
    /// and "无" for other matters when the office wrote nothing.
    pub fn section6_text(&self) -> String {
        let mut t = self.narrative.section6.trim().to_string();
        if !t.contains("信息处理费") {
            let fee = fee_sentence(self.year, self.processing_fees_fen);
            t = if t.is_empty() {
                format!("{fee}\n其他需要报告的事项：无。")
            } else {
                format!("{fee}\n{t}")
            };
        }
        t
    }

    #[cfg(feature = "render")]
    pub fn document(&self) -> Document {
        let nar = &self.narrative;
        let mut b = vec![Block::Paragraph(self.opening())];
        b.extend(paragraphs(&nar.intro));
        b.push(Block::Heading {
            level: 1,
            text: SECTIONS[0].into(),
        });
        for (i, part) in OVERVIEW_PARTS.iter().enumerate() {
            b.push(Block::Heading {
                level: 2,
                text: (*part).into(),
            });
            let text = &nar.overview[i];
            if text.trim().is_empty() {
                b.push(Block::Paragraph("无。".into()));
            } else {
                b.extend(paragraphs(text));
            }
        }
        b.push(Block::Heading {
            level: 1,
            text: SECTIONS[1].into(),
        });
        b.extend(paragraphs(&nar.section2));
        b.push(Block::Table(self.table2()));
        b.push(Block::Heading {
            level: 1,
            text: SECTIONS[2].into(),
        });
        b.extend(paragraphs(&nar.section3));
        b.push(Block::Table(self.table3()));
        b.push(Block::Heading {
            level: 1,
            text: SECTIONS[3].into(),
        });
        b.extend(paragraphs(&nar.section4));
        b.push(Block::Table(self.table4()));
        b.push(Block::Heading {
            level: 1,
            text: SECTIONS[4].into(),
        });
        if nar.section5.trim().is_empty() {
            b.push(Block::Paragraph("无。".into()));
        } else {
            b.extend(paragraphs(&nar.section5));
        }
        b.push(Block::Heading {
            level: 1,
            text: SECTIONS[5].into(),
        });
        let s6 = self.section6_text();
        b.extend(paragraphs(&s6));
        Document {
            title: self.title(),
            subtitle: None,
            blocks: b,
        }
    }

    /// Table 二 (REG §2.4): one 4-column table whose headings restart for every article item.
    #[cfg(feature = "render")]
    pub fn table2(&self) -> Table {
        let t = &self.figures.table2;
        let art = |label: &str| Row::header(vec![Cell::th(label).span(4, 1)]);
        let decisions = || {
            Row::header(vec![
                Cell::th(T2_CONTENT),
                Cell::th(T2_DECISIONS).span(3, 1),
            ])
        };
        Table {
            id: "t2".into(),
            caption: T2_CAPTION.into(),
            columns: 4,
            widths: vec![3, 2, 2, 2],
            rows: vec![
                art(T2_ART1),
                Row::header(vec![
                    Cell::th(T2_CONTENT),
                    Cell::th(T2_MADE),
                    Cell::th(T2_REPEALED),
                    Cell::th(T2_VALID),
                ]),
                Row::body(vec![
                    Cell::th(T2_REGULATIONS),
                    n(t.regulations.made),
                    n(t.regulations.repealed),
                    n(t.regulations.valid),
                ]),
                Row::body(vec![
                    Cell::th(T2_NORMATIVE),
                    n(t.normative_docs.made),
                    n(t.normative_docs.repealed),
                    n(t.normative_docs.valid),
                ]),
                art(T2_ART5),
                decisions(),
                Row::body(vec![Cell::th(T2_LICENSING), n(t.licensing).span(3, 1)]),
                art(T2_ART6),
                decisions(),
                Row::body(vec![Cell::th(T2_PENALTY), n(t.penalty).span(3, 1)]),
                Row::body(vec![Cell::th(T2_COERCION), n(t.coercion).span(3, 1)]),
                art(T2_ART8),
                Row::header(vec![Cell::th(T2_CONTENT), Cell::th(T2_FEES).span(3, 1)]),
                Row::body(vec![
                    Cell::th(T2_ADMIN_FEES),
                    Cell::num(wan_yuan(t.admin_fees_fen)).span(3, 1),
                ]),
            ],
        }
    }

    /// Table 三 (REG §2.5): 3 label columns and 7 figure columns; in the 2019 trial format
    /// （六）其他处理 is a single row (REG §2.8).
    #[cfg(feature = "render")]
    pub fn table3(&self) -> Table {
        let cells = &self.figures.table3.cells;
        let trial = self.figures.format == FormatVersion::Trial2019;
        let nums = |r: usize| cells[r].iter().map(|v| n(*v)).collect::<Vec<_>>();
        let mut rows = vec![
            Row::header(vec![
                Cell::td(T3_CORNER).span(3, 3),
                Cell::th(T3_APPLICANTS).span(7, 1),
            ]),
            Row::header(vec![
                Cell::th(T3_COLUMNS[0].1).span(1, 2),
                Cell::th(T3_LEGAL_PERSONS).span(5, 1),
                Cell::th(T3_COLUMNS[6].1).span(1, 2),
            ]),
            Row::header(T3_COLUMNS[1..6].iter().map(|(_, l)| Cell::th(*l)).collect()),
        ];
        let result_rows = if trial { 20 } else { 22 };
        let mut r = 0;
        while r < T3_ROWS.len() {
            let (key, label, group) = T3_ROWS[r];
            let mut row: Vec<Cell> = Vec::new();
            if group.is_empty() {
                row.push(Cell::th(label).span(3, 1));
                row.extend(nums(r));
                rows.push(Row::body(row));
                r += 1;
                continue;
            }
            if r == FIRST_OUTCOME {
                row.push(Cell::th(T3_RESULT_HEADING).span(1, result_rows));
            }
            if group == T3_RESULT_HEADING {
                row.push(Cell::th(label).span(2, 1));
                row.extend(nums(r));
                rows.push(Row::body(row));
                r += 1;
                continue;
            }
            if trial && key.starts_with("other.") {
                // One row: the sum of the three 2021 sub-rows (only other.other is ever set on import).
                row.push(Cell::th(T3_2019_OTHER).span(2, 1));
                let mut sum = [0i64; 7];
                for sub in &cells[r..r + 3] {
                    for (c, v) in sub.iter().enumerate() {
                        sum[c] += v;
                    }
                }
                row.extend(sum.iter().map(|v| n(*v)));
                rows.push(Row::body(row));
                r += 3;
                continue;
            }
            let size = T3_ROWS.iter().filter(|x| x.2 == group).count();
            if T3_ROWS[r - 1].2 != group {
                row.push(Cell::th(group).span(1, size));
            }
            row.push(Cell::th(label));
            row.extend(nums(r));
            rows.push(Row::body(row));
            r += 1;
        }
        Table {
            id: "t3".into(),
            caption: T3_CAPTION.into(),
            columns: 10,
            widths: vec![2, 3, 9, 2, 2, 2, 2, 2, 2, 2],
            rows,
        }
    }

    /// Table 四 (REG §2.6).
    #[cfg(feature = "render")]
    pub fn table4(&self) -> Table {
        let c = &self.figures.table4.cells;
        let mut rows = vec![Row::header(vec![
            Cell::th(T4_REVIEW).span(5, 1),
            Cell::th(T4_LITIGATION).span(10, 1),
        ])];
        let mut second: Vec<Cell> = T4_RESULTS
            .iter()
            .map(|(_, l)| Cell::th(*l).span(1, 2))
            .collect();
        second.push(Cell::th(T4_DIRECT).span(5, 1));
        second.push(Cell::th(T4_AFTER_REVIEW).span(5, 1));
        rows.push(Row::header(second));
        rows.push(Row::header(
            T4_RESULTS
                .iter()
                .chain(T4_RESULTS.iter())
                .map(|(_, l)| Cell::th(*l))
                .collect(),
        ));
        rows.push(Row::body(
            c.iter().flat_map(|g| g.iter().map(|v| n(*v))).collect(),
        ));
        Table {
            id: "t4".into(),
            caption: T4_CAPTION.into(),
            columns: 15,
            widths: vec![],
            rows,
        }
    }

    /// The JSON form: REG §2.4–2.6 keys under `table2`/`table3`/`table4`, the sections as
    /// printed, and the check findings.
    #[cfg(feature = "render")]
    pub fn to_json(&self, findings: &[Finding]) -> Value {
        let mut v = self.figures.to_json();
        let (start, end) = period(self.year)
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap_or_default();
        let doc = self.document();
        let mut sections = Vec::new();
        let mut current: Option<(String, Vec<String>)> = None;
        for b in &doc.blocks {
            match b {
                Block::Heading { level: 1, text } => {
                    if let Some(s) = current.take() {
                        sections.push(s);
                    }
                    current = Some((text.clone(), Vec::new()));
                }
                Block::Heading { text, .. } => {
                    if let Some((_, p)) = current.as_mut() {
                        p.push(text.clone());
                    }
                }
                Block::Paragraph(t) => {
                    if let Some((_, p)) = current.as_mut() {
                        p.push(t.clone());
                    }
                }
                Block::Table(_) => {}
            }
        }
        if let Some(s) = current.take() {
            sections.push(s);
        }
        if let Value::Object(m) = &mut v {
            m.insert("year".into(), json!(self.year));
            m.insert("organisation".into(), json!(self.org_name));
            m.insert("rollup".into(), json!(self.rollup));
            m.insert("title".into(), json!(self.title()));
            m.insert("period".into(), json!({"start": start, "end": end}));
            m.insert("opening".into(), json!(self.opening()));
            m.insert(
                "sections".into(),
                Value::Array(
                    sections
                        .into_iter()
                        .map(|(h, p)| json!({"heading": h, "paragraphs": p}))
                        .collect(),
                ),
            );
            m.insert("narrative".into(), json!(self.narrative));
            m.insert("checks".into(), json!(findings));
        }
        v
    }
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Report {
        let mut f = Figures::default();
        f.table3.cells[0] = [3, 0, 0, 0, 0, 0, 3];
        f.table3.cells[2] = [3, 0, 0, 0, 0, 0, 3];
        f.table3.cells[23] = [3, 0, 0, 0, 0, 0, 3];
        f.table2.admin_fees_fen = 1_234_500;
        Report {
            year: 2019,
            org_name: "长春市残疾人联合会".into(),
            rollup: false,
            figures: f,
            narrative: Narrative::default(),
            processing_fees_fen: None,
        }
    }

    #[test]
    fn tables_resolve_on_their_grids_with_exact_labels() {
        let r = sample();
        let g2 = r.table2().text_grid().unwrap();
        assert_eq!(g2.len(), 14);
        assert_eq!(g2[0], vec![T2_ART1; 4]);
        assert_eq!(g2[13], vec!["行政事业性收费", "1.2345", "1.2345", "1.2345"]);
        let g3 = r.table3().text_grid().unwrap();
        assert_eq!(g3.len(), 3 + 25);
        assert_eq!(g3[0][0], T3_CORNER);
        assert_eq!(g3[2][0], T3_CORNER);
        assert_eq!(g3[1][4], "法人或其他组织");
        assert_eq!(g3[2][4], "商业企业");
        assert_eq!(g3[2][5], "科研机构");
        assert_eq!(g3[2][3], "自然人");
        assert_eq!(g3[5][0], "三、本年度办理结果");
        assert_eq!(g3[26][0], "三、本年度办理结果");
        assert_eq!(g3[26][1], "（七）总计");
        assert_eq!(g3[9][1], "（三）不予公开");
        assert_eq!(g3[9][2], "3.危及“三安全一稳定”");
        assert_eq!(g3[27][..3], ["四、结转下年度继续办理"; 3]);
        assert_eq!(g3[3][3..], ["3", "0", "0", "0", "0", "0", "3"]);
        let g4 = r.table4().text_grid().unwrap();
        assert_eq!(g4[1][5], "未经复议直接起诉");
        assert_eq!(g4[2][14], "总计");
        assert_eq!(g4[2][0], "结果维持");
    }

    #[test]
    fn trial_format_has_one_other_row() {
        let mut r = sample();
        r.figures.format = FormatVersion::Trial2019;
        r.figures.table3.cells[22][0] = 2;
        let g3 = r.table3().text_grid().unwrap();
        assert_eq!(g3.len(), 3 + 23);
        let row = g3.iter().find(|row| row[1] == "（六）其他处理").unwrap();
        assert_eq!(row[2], "（六）其他处理");
        assert_eq!(row[3], "2");
    }

    #[test]
    fn document_has_canonical_sections_and_period() {
        let d = sample().document();
        let heads: Vec<&str> = d
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level: 1, text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(heads, SECTIONS.to_vec());
        let text: String = d
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert!(text.contains("统计期限为2019年1月1日至2019年12月31日"));
        assert!(text.contains("2019年未收取信息处理费"));
    }
}
