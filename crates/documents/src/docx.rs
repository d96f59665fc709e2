//! DOCX through docx-rs (tech-choices §2.4). Merged cells use `gridSpan` across columns and
//! `vMerge` restart/continue down rows, which Word and WPS both read.

use docx_rs::{
    AlignmentType, Docx, PageMargin, Paragraph, Run, RunFonts, Style, StyleType,
    TableCell as DCell, TableRow as DRow, VMergeType, WidthType,
};

use crate::{Block, DocError, Document, Table};

/// Fonts named for Word/WPS on Chinese systems (宋体 body, 黑体 headings).
const BODY_FONT: &str = "宋体";
const HEADING_FONT: &str = "黑体";
/// A4 width minus the margins below, in twentieths of a point.
const TEXT_WIDTH: usize = 11906 - 1474 - 1361;

fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

fn heading_fonts() -> RunFonts {
    RunFonts::new()
        .east_asia(HEADING_FONT)
        .ascii(HEADING_FONT)
        .hi_ansi(HEADING_FONT)
}

/// Renders a document as a DOCX package.
pub fn to_docx(doc: &Document) -> Result<Vec<u8>, DocError> {
    let mut d = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin {
            top: 1701,
            left: 1474,
            bottom: 1587,
            right: 1361,
            header: 851,
            footer: 992,
            gutter: 0,
        })
        .default_fonts(
            RunFonts::new()
                .east_asia(BODY_FONT)
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman"),
        )
        .default_size(24)
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(40)
                .bold()
                .fonts(heading_fonts())
                .align(AlignmentType::Center),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("heading 1")
                .size(28)
                .bold()
                .fonts(heading_fonts())
                .outline_lvl(0),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .size(24)
                .bold()
                .fonts(heading_fonts())
                .outline_lvl(1),
        )
        .add_style(
            Style::new("Caption", StyleType::Paragraph)
                .name("caption")
                .size(21)
                .bold()
                .align(AlignmentType::Center),
        );
    d = d.add_paragraph(Paragraph::new().style("Title").add_run(run(&doc.title)));
    if let Some(sub) = &doc.subtitle {
        d = d.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run(sub)),
        );
    }
    for block in &doc.blocks {
        d = match block {
            Block::Heading { level, text } => {
                let style = if *level <= 1 { "Heading1" } else { "Heading2" };
                d.add_paragraph(
                    Paragraph::new()
                        .style(style)
                        .keep_next(true)
                        .add_run(run(text)),
                )
            }
            Block::Paragraph(text) => {
                d.add_paragraph(Paragraph::new().first_line_chars(200).add_run(run(text)))
            }
            Block::Table(t) => {
                let caption = Paragraph::new()
                    .style("Caption")
                    .keep_next(true)
                    .add_run(run(&t.caption));
                d.add_paragraph(caption)
                    .add_table(table(t)?)
                    .add_paragraph(Paragraph::new())
            }
        };
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut buf)
        .map_err(|e| DocError::Docx(e.to_string()))?;
    Ok(buf.into_inner())
}

fn table(t: &Table) -> Result<docx_rs::Table, DocError> {
    let grid = t.grid()?;
    let weights: Vec<usize> = if t.widths.len() == t.columns {
        t.widths.iter().map(|w| (*w).max(1) as usize).collect()
    } else {
        vec![1; t.columns]
    };
    let total: usize = weights.iter().sum::<usize>().max(1);
    let cols: Vec<usize> = weights.iter().map(|w| TEXT_WIDTH * w / total).collect();
    let mut rows = Vec::new();
    for (r, line) in grid.iter().enumerate() {
        let mut cells = Vec::new();
        let mut c = 0;
        while c < t.columns {
            let p = line[c];
            let cell = t.cell(p);
            let width: usize = cols[c..c + cell.colspan].iter().sum();
            let mut dc = DCell::new().width(width, WidthType::Dxa);
            if cell.colspan > 1 {
                dc = dc.grid_span(cell.colspan);
            }
            if p.row == r {
                if cell.rowspan > 1 {
                    dc = dc.vertical_merge(VMergeType::Restart);
                }
                let mut text = run(&cell.text);
                if cell.header || t.rows[r].header {
                    text = text.bold();
                }
                dc = dc.add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(text.size(18)),
                );
            } else {
                dc = dc
                    .vertical_merge(VMergeType::Continue)
                    .add_paragraph(Paragraph::new());
            }
            cells.push(dc);
            c += cell.colspan;
        }
        let mut row = DRow::new(cells);
        if t.rows[r].header {
            row = row.cant_split();
        }
        rows.push(row);
    }
    Ok(docx_rs::Table::new(rows)
        .set_grid(cols)
        .width(TEXT_WIDTH, WidthType::Dxa))
}
