//! An accessible HTML fragment: headings (`h2` for level 1, shifted by `base`), paragraphs and
//! real tables. Multi-level headers are tied to their data cells with `id`/`headers` (WCAG
//! technique H43), because `scope` alone cannot express 三、本年度办理结果 › （三）不予公开 ›
//! 1.属于国家秘密 × 申请人情况 › 法人或其他组织 › 商业企业.

use std::fmt::Write as _;

use crate::{Block, DocError, Document, Table};

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The body of a document as HTML (without the title, which the page layout shows as `h1`).
/// Level-1 headings become `h2`, level-2 `h3`.
pub fn to_html_fragment(doc: &Document) -> Result<String, DocError> {
    let mut s = String::new();
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let h = (*level).clamp(1, 5) + 1;
                let _ = writeln!(s, "<h{h}>{}</h{h}>", escape(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(s, "<p>{}</p>", escape(text));
            }
            Block::Table(t) => table(&mut s, t)?,
        }
    }
    Ok(s)
}

fn cell_id(t: &Table, r: usize, c: usize) -> String {
    format!("{}-r{}c{}", t.id, r, c)
}

fn table(s: &mut String, t: &Table) -> Result<(), DocError> {
    let grid = t.grid()?;
    let _ = writeln!(
        s,
        "<div class=\"table-scroll\" role=\"region\" aria-labelledby=\"{}-cap\" tabindex=\"0\">",
        escape(&t.id)
    );
    let _ = writeln!(s, "<table class=\"report-table\" id=\"{}\">", escape(&t.id));
    let _ = writeln!(
        s,
        "<caption id=\"{}-cap\">{}</caption>",
        escape(&t.id),
        escape(&t.caption)
    );
    let lead = t.rows.iter().take_while(|r| r.header).count();
    for (r, row) in t.rows.iter().enumerate() {
        if r == 0 && lead > 0 {
            s.push_str("<thead>\n");
        }
        if r == lead {
            s.push_str("<tbody>\n");
        }
        s.push_str("<tr>");
        for (i, cell) in row.cells.iter().enumerate() {
            // Where this cell starts on the grid.
            let Some(c) = (0..t.columns).find(|&c| grid[r][c].row == r && grid[r][c].index == i)
            else {
                continue;
            };
            let mut attrs = String::new();
            if cell.colspan > 1 {
                let _ = write!(attrs, " colspan=\"{}\"", cell.colspan);
            }
            if cell.rowspan > 1 {
                let _ = write!(attrs, " rowspan=\"{}\"", cell.rowspan);
            }
            if cell.header {
                let _ = write!(attrs, " id=\"{}\"", cell_id(t, r, c));
                let ids = headers_of(t, &grid, r, c, cell.colspan, cell.rowspan);
                if !ids.is_empty() {
                    let _ = write!(attrs, " headers=\"{}\"", ids.join(" "));
                }
                let _ = write!(s, "<th{attrs}>{}</th>", escape(&cell.text));
            } else {
                let ids = if row.header {
                    Vec::new()
                } else {
                    headers_of(t, &grid, r, c, cell.colspan, cell.rowspan)
                };
                if !ids.is_empty() {
                    let _ = write!(attrs, " headers=\"{}\"", ids.join(" "));
                }
                if cell.numeric {
                    attrs.push_str(" class=\"num\"");
                }
                let _ = write!(s, "<td{attrs}>{}</td>", escape(&cell.text));
            }
        }
        s.push_str("</tr>\n");
        if r + 1 == lead {
            s.push_str("</thead>\n");
        }
    }
    if lead < t.rows.len() {
        s.push_str("</tbody>\n");
    }
    s.push_str("</table>\n</div>\n");
    Ok(())
}

/// The header cells that describe the cell at (r, c): row headers to its left in its own rows,
/// and column headers above it in the nearest run of header rows (or, for a header cell in a
/// header row, the header cells above it).
fn headers_of(
    t: &Table,
    grid: &[Vec<crate::Placed>],
    r: usize,
    c: usize,
    colspan: usize,
    rowspan: usize,
) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut push = |p: crate::Placed| {
        if t.cell(p).header {
            let id = cell_id(t, p.row, p.col);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    };
    // Column headers: walk up from r through body rows to the nearest header-row block, then
    // through that block.
    let mut rr = r;
    let mut in_block = false;
    while rr > 0 {
        rr -= 1;
        let is_header = t.rows[rr].header;
        if in_block && !is_header {
            break;
        }
        if is_header {
            in_block = true;
            for &p in &grid[rr][c..c + colspan] {
                if p.row + t.cell(p).rowspan <= r {
                    push(p);
                }
            }
        }
    }
    // Row headers: cells to the left in the rows this cell covers (body rows only).
    if !t.rows[r].header {
        for row in grid.iter().skip(r).take(rowspan) {
            for p in row.iter().take(c) {
                push(*p);
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_snapshot() {
        insta::assert_snapshot!(to_html_fragment(&crate::sample::document()).unwrap());
    }

    #[test]
    fn data_cells_name_row_and_column_headers() {
        let html = to_html_fragment(&crate::sample::document()).unwrap();
        // "0" under 自然人 in the row 三、办理结果 › （二）部分公开.
        assert!(
            html.contains("<td headers=\"t1-r1c2 t1-r0c2 t1-r2c0 t1-r3c1\" class=\"num\">0</td>"),
            "{html}"
        );
        assert!(html.contains("说明 #1 [a] &quot;引号&quot; \\"));
    }
}
