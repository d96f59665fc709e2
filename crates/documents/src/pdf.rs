//! typst source generation and PDF export (tech-choices §2.1). The source only ever contains
//! text as typst *string literals*, so no character of the content can be read as markup.

use std::fmt::Write as _;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::fonts::{SANS, SERIF};
use crate::{Block, DocError, Document, FontSet, Table};

/// A typst string literal for `s`.
fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The typst source of a document (pinned by snapshot tests; useful to debug layout).
pub fn to_typst_source(doc: &Document) -> Result<String, DocError> {
    let mut s = String::new();
    let _ = writeln!(s, "#set document(title: {})", lit(&doc.title));
    // 公文-like A4 margins (GB/T 9704 uses 37/35/28/26 mm); page numbers centred in the footer.
    s.push_str("#set page(paper: \"a4\", margin: (top: 30mm, bottom: 28mm, left: 26mm, right: 24mm), numbering: \"— 1 —\", number-align: center)\n");
    let _ = writeln!(
        s,
        "#set text(font: ({}, {}), size: 12pt, lang: \"zh\", region: \"cn\")",
        lit(SERIF),
        lit(SANS)
    );
    s.push_str("#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 0.9em, spacing: 0.9em)\n");
    let _ = writeln!(
        s,
        "#show heading: set text(font: ({}, {}), weight: \"bold\")",
        lit(SANS),
        lit(SERIF)
    );
    s.push_str("#show heading.where(level: 1): set text(size: 14pt)\n");
    s.push_str("#show heading.where(level: 2): set text(size: 12pt)\n");
    s.push_str("#show heading: set block(above: 1.2em, below: 0.8em)\n");
    s.push_str("#set table(stroke: 0.5pt, inset: 4pt, align: center + horizon)\n");
    s.push_str("#show table: set text(size: 9pt)\n");
    s.push_str("#show table: set par(first-line-indent: 0pt, justify: false)\n");
    s.push_str("#show table.cell.where(y: 0): set text(weight: \"bold\")\n\n");
    let _ = writeln!(
        s,
        "#align(center, text(size: 20pt, font: ({}, {}), weight: \"bold\", {}))",
        lit(SANS),
        lit(SERIF),
        lit(&doc.title)
    );
    if let Some(sub) = &doc.subtitle {
        let _ = writeln!(s, "#align(center, text(size: 12pt, {}))", lit(sub));
    }
    s.push_str("#v(1em)\n\n");
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let _ = writeln!(
                    s,
                    "#heading(level: {}, {})\n",
                    (*level).clamp(1, 6),
                    lit(text)
                );
            }
            Block::Paragraph(text) => {
                let _ = writeln!(s, "#par({})\n", lit(text));
            }
            Block::Table(t) => table(&mut s, t)?,
        }
    }
    Ok(s)
}

fn table(s: &mut String, t: &Table) -> Result<(), DocError> {
    t.grid()?; // validate spans before typst sees them
    let widths: Vec<String> = if t.widths.len() == t.columns {
        t.widths
            .iter()
            .map(|w| format!("{}fr", w.max(&1)))
            .collect()
    } else {
        vec!["1fr".to_string(); t.columns]
    };
    let _ = writeln!(
        s,
        "#figure(kind: table, numbering: none, supplement: none, caption: figure.caption(position: top, {}), table(",
        lit(&t.caption)
    );
    let _ = writeln!(s, "  columns: ({},),", widths.join(", "));
    let lead = t.rows.iter().take_while(|r| r.header).count();
    if lead > 0 {
        s.push_str("  table.header(\n");
    }
    for (i, row) in t.rows.iter().enumerate() {
        let indent = if i < lead { "    " } else { "  " };
        for c in &row.cells {
            let mut args = Vec::new();
            if c.colspan > 1 {
                args.push(format!("colspan: {}", c.colspan));
            }
            if c.rowspan > 1 {
                args.push(format!("rowspan: {}", c.rowspan));
            }
            let body = if c.header || row.header {
                format!("strong({})", lit(&c.text))
            } else {
                lit(&c.text)
            };
            let _ = writeln!(
                s,
                "{indent}table.cell({}[#{body}]),",
                if args.is_empty() {
                    String::new()
                } else {
                    format!("{}, ", args.join(", "))
                }
            );
        }
        if i + 1 == lead {
            s.push_str("  ),\n");
        }
    }
    s.push_str("))\n\n");
    Ok(())
}

/// Renders a document to PDF (tagged, fonts embedded and subset by typst's PDF writer).
pub fn to_pdf(doc: &Document, fonts: &FontSet) -> Result<Vec<u8>, DocError> {
    let source = to_typst_source(doc)?;
    let world = MemoryWorld::new(source, fonts)?;
    let warned = typst::compile::<PagedDocument>(&world);
    let document = warned.output.map_err(|errs| {
        DocError::Typst(
            errs.iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(doc.title.clone()),
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errs| {
        DocError::Typst(
            errs.iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// A typst world with one in-memory source file and the given fonts; no file system, no
/// packages, no network.
struct MemoryWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: std::sync::Arc<Vec<Font>>,
    main: FileId,
    source: Source,
}

impl MemoryWorld {
    fn new(text: String, set: &FontSet) -> Result<Self, DocError> {
        let vpath = VirtualPath::new("/main.typ").map_err(|e| DocError::Typst(format!("{e:?}")))?;
        let main = RootedPath::new(VirtualRoot::Project, vpath).intern();
        Ok(Self {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new((*set.book).clone()),
            fonts: set.fonts.clone(),
            main,
            source: Source::new(main, text),
        })
    }
}

impl World for MemoryWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main {
            Ok(Bytes::from_string(self.source.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_everything() {
        assert_eq!(lit(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(lit("x\ny"), "\"x\\ny\"");
        assert_eq!(lit("#[*_]"), "\"#[*_]\"");
    }

    #[test]
    fn typst_source_snapshot() {
        insta::assert_snapshot!(to_typst_source(&crate::sample::document()).unwrap());
    }
}
