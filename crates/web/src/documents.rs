//! Printable documents of the console (letters to applicants, review forms): one
//! `gongkai_documents::Document` rendered to accessible HTML, PDF (typst, Noto CJK embedded) or
//! DOCX. The fonts are discovered once per process (tech-choices §2.1: they are large).
//!
//! A letter is one [`letter`] document wherever it goes: the console's HTML/PDF/DOCX outputs
//! (printed and posted, or handed over) and the applicant's status page, which shows the same
//! document as HTML (issue #10: the HTML equivalent of every generated PDF/DOCX that reaches
//! the public).

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gongkai_documents::{Block, DocError, Document, FontSet};
use gongkai_store::applications::letters;

use crate::error::AppError;

/// An output format of a printable document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Docx,
}

impl Format {
    /// From a URL segment (`html`, `pdf`, `docx`).
    pub fn from_code(code: &str) -> Option<Format> {
        match code {
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            "docx" => Some(Format::Docx),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }
}

/// A letter as a printable document: the title, then one paragraph per line of text.
pub fn letter(letter: &letters::Letter) -> Document {
    Document {
        title: letter.title.clone(),
        subtitle: None,
        blocks: letter
            .body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| Block::Paragraph(l.to_string()))
            .collect(),
    }
}

static FONTS: OnceLock<Result<FontSet, String>> = OnceLock::new();

/// The Noto CJK fonts of this machine, loaded on first use and shared by every PDF the process
/// makes (letters, review forms, annual reports). Missing fonts are a deployment problem: 503.
pub fn fonts() -> Result<&'static FontSet, AppError> {
    FONTS
        .get_or_init(|| {
            FontSet::discover(&gongkai_documents::default_font_dirs()).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| AppError::unavailable(format!("无法生成 PDF：{e}")))
}

fn doc_err(e: DocError) -> AppError {
    AppError::internal(e.to_string())
}

/// Renders `doc` as a standalone page (HTML: a complete `zh-CN` document), PDF or DOCX.
pub fn render(doc: &Document, format: Format) -> Result<Vec<u8>, AppError> {
    match format {
        Format::Html => {
            let body = gongkai_documents::to_html_fragment(doc).map_err(doc_err)?;
            let title = gongkai_documents::html_escape(&doc.title);
            Ok(format!(
                "<!doctype html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
            )
            .into_bytes())
        }
        Format::Pdf => gongkai_documents::to_pdf(doc, fonts()?).map_err(doc_err),
        Format::Docx => gongkai_documents::to_docx(doc).map_err(doc_err),
    }
}

/// `doc` as a download named `<stem>.<ext>` (HTML is shown inline, to print from the browser).
pub fn download(doc: &Document, format: Format, stem: &str) -> Result<Response, AppError> {
    let bytes = render(doc, format)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let disposition = if format == Format::Html {
        "inline".to_string()
    } else {
        format!("attachment; filename=\"{stem}.{}\"", format.extension())
    };
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
