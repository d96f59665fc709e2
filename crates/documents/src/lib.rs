//! One small document model — a title, headings, paragraphs and tables with merged cells — and
//! its renderings: typst source and PDF (typst as a library, Noto CJK fonts embedded, subset and
//! tagged), DOCX (docx-rs) and an accessible HTML fragment (real tables whose data cells name
//! their row and column headers). Used for the annual report (issue #9) and for letters and forms
//! that other parts of the system print.
//!
//! The model is deliberately tiny: text is plain text (never markup), so every renderer escapes
//! it in one place and a figure or label cannot break the output.

mod docx;
mod fonts;
mod html;
mod pdf;

pub use docx::to_docx;
pub use fonts::{FontSet, default_font_dirs};
pub use html::{escape as html_escape, to_html_fragment};
pub use pdf::{to_pdf, to_typst_source};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// No Noto CJK font file was found in the searched directories.
    #[error("找不到中文字体（Noto Serif/Sans CJK），已查找：{0}")]
    NoFonts(String),
    /// A font file could not be read.
    #[error("无法读取字体文件 {path}：{source}")]
    FontIo {
        path: String,
        source: std::io::Error,
    },
    /// typst rejected the generated source (a bug in the generator, never user input).
    #[error("排版失败：{0}")]
    Typst(String),
    /// The DOCX package could not be written.
    #[error("生成 Word 文档失败：{0}")]
    Docx(String),
    /// A table's cells do not fit its declared grid.
    #[error("表格结构错误：{0}")]
    Table(String),
}

/// A document: a title, an optional subtitle line, and a sequence of blocks.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Document {
    pub title: String,
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Block {
    /// A heading; level 1 is a section (一、…), level 2 a sub-section (（一）…).
    Heading { level: u8, text: String },
    /// One paragraph of plain text.
    Paragraph(String),
    /// A table.
    Table(Table),
}

/// A table on a fixed grid of `columns` columns. Rows list only the cells that *start* in them
/// (as in HTML): a cell with `rowspan > 1` occupies the same columns in the rows below.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Table {
    /// Short id used to derive HTML ids (`t3` gives `t3-r0c1`); unique within a page.
    pub id: String,
    /// Caption shown above the table and used as its accessible name.
    pub caption: String,
    pub columns: usize,
    /// Relative column widths (one per column); empty means equal widths.
    pub widths: Vec<u32>,
    pub rows: Vec<Row>,
}

/// A table row. Header rows (column headings) may appear at the top and in the middle of a table
/// (table 二 of the annual report restarts its headings for every article item).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    pub header: bool,
    pub cells: Vec<Cell>,
}

/// A table cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cell {
    pub text: String,
    pub colspan: usize,
    pub rowspan: usize,
    /// A heading cell (`th`): a column heading in a header row, or a row heading in a body row.
    pub header: bool,
    /// A figure: centred, as Chinese government tables set them.
    pub numeric: bool,
}

impl Cell {
    /// A heading cell.
    pub fn th(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            colspan: 1,
            rowspan: 1,
            header: true,
            numeric: false,
        }
    }
    /// A plain data cell.
    pub fn td(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            colspan: 1,
            rowspan: 1,
            header: false,
            numeric: false,
        }
    }
    /// A numeric data cell.
    pub fn num(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            colspan: 1,
            rowspan: 1,
            header: false,
            numeric: true,
        }
    }
    pub fn span(mut self, colspan: usize, rowspan: usize) -> Self {
        self.colspan = colspan.max(1);
        self.rowspan = rowspan.max(1);
        self
    }
}

impl Row {
    pub fn header(cells: Vec<Cell>) -> Self {
        Self {
            header: true,
            cells,
        }
    }
    pub fn body(cells: Vec<Cell>) -> Self {
        Self {
            header: false,
            cells,
        }
    }
}

/// Where a cell sits on the grid once spans are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub row: usize,
    pub col: usize,
    /// Index into `rows[row].cells`.
    pub index: usize,
}

impl Table {
    /// Resolves spans: for every grid position, the cell that covers it. Fails if a cell runs off
    /// the grid, two cells overlap, or a position stays empty.
    pub fn grid(&self) -> Result<Vec<Vec<Placed>>, DocError> {
        let nrows = self.rows.len();
        let mut grid: Vec<Vec<Option<Placed>>> = vec![vec![None; self.columns]; nrows];
        for (r, row) in self.rows.iter().enumerate() {
            let mut c = 0;
            for (i, cell) in row.cells.iter().enumerate() {
                while c < self.columns && grid[r][c].is_some() {
                    c += 1;
                }
                if c + cell.colspan > self.columns || r + cell.rowspan > nrows {
                    return Err(DocError::Table(format!(
                        "{}：第 {} 行的单元格“{}”超出表格范围",
                        self.id,
                        r + 1,
                        cell.text
                    )));
                }
                let placed = Placed {
                    row: r,
                    col: c,
                    index: i,
                };
                for row in &mut grid[r..r + cell.rowspan] {
                    for slot in &mut row[c..c + cell.colspan] {
                        if slot.is_some() {
                            return Err(DocError::Table(format!(
                                "{}：单元格“{}”与其他单元格重叠",
                                self.id, cell.text
                            )));
                        }
                        *slot = Some(placed);
                    }
                }
                c += cell.colspan;
            }
        }
        grid.into_iter()
            .enumerate()
            .map(|(r, row)| {
                row.into_iter()
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| DocError::Table(format!("{}：第 {} 行有空位", self.id, r + 1)))
            })
            .collect()
    }

    /// The cell at a placement.
    pub fn cell(&self, p: Placed) -> &Cell {
        &self.rows[p.row].cells[p.index]
    }

    /// The text of every grid position (spanned cells repeat their text), for tests and readers.
    pub fn text_grid(&self) -> Result<Vec<Vec<String>>, DocError> {
        Ok(self
            .grid()?
            .iter()
            .map(|row| row.iter().map(|p| self.cell(*p).text.clone()).collect())
            .collect())
    }
}

#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    /// A table with every kind of span: a corner cell over 2×2, a column group, a row group.
    pub fn document() -> Document {
        let table = Table {
            id: "t1".into(),
            caption: "测试表格（合并单元格）".into(),
            columns: 4,
            widths: vec![2, 3, 1, 1],
            rows: vec![
                Row::header(vec![
                    Cell::td("说明 #1 [a] \"引号\" \\").span(2, 2),
                    Cell::th("申请人情况").span(2, 1),
                ]),
                Row::header(vec![Cell::th("自然人"), Cell::th("总计")]),
                Row::body(vec![
                    Cell::th("三、办理结果").span(1, 2),
                    Cell::th("（一）予以公开"),
                    Cell::num("7"),
                    Cell::num("8"),
                ]),
                Row::body(vec![
                    Cell::th("（二）部分公开"),
                    Cell::num("0"),
                    Cell::num("12"),
                ]),
            ],
        };
        Document {
            title: "2019年政府信息公开工作年度报告".into(),
            subtitle: Some("测试单位".into()),
            blocks: vec![
                Block::Heading {
                    level: 1,
                    text: "一、总体情况".into(),
                },
                Block::Paragraph(
                    "本报告中所列数据统计期限为2019年1月1日至12月31日。符号 *_#$@<>/ 原样显示。"
                        .into(),
                ),
                Block::Heading {
                    level: 2,
                    text: "（一）主动公开".into(),
                },
                Block::Table(table),
            ],
        }
    }

    #[test]
    fn grid_resolves_spans() {
        let d = document();
        let Block::Table(t) = &d.blocks[3] else {
            panic!("table")
        };
        let g = t.text_grid().unwrap();
        assert_eq!(
            g[0],
            vec![
                "说明 #1 [a] \"引号\" \\",
                "说明 #1 [a] \"引号\" \\",
                "申请人情况",
                "申请人情况"
            ]
        );
        assert_eq!(g[1][0], g[0][0]);
        assert_eq!(g[1][2], "自然人");
        assert_eq!(g[3], vec!["三、办理结果", "（二）部分公开", "0", "12"]);
    }

    #[test]
    fn grid_rejects_overflow_and_holes() {
        let mut t = Table {
            id: "x".into(),
            caption: String::new(),
            columns: 2,
            widths: vec![],
            rows: vec![Row::body(vec![Cell::td("a").span(3, 1)])],
        };
        assert!(t.grid().is_err());
        t.rows = vec![Row::body(vec![Cell::td("a")])];
        assert!(t.grid().is_err());
        t.rows = vec![
            Row::body(vec![Cell::td("a").span(1, 2), Cell::td("b")]),
            Row::body(vec![Cell::td("c")]),
        ];
        assert_eq!(t.text_grid().unwrap(), vec![vec!["a", "b"], vec!["a", "c"]]);
    }
}
