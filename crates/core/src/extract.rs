//! Text of attachments, for the sensitive-information scanner gate and for search.
//!
//! # The rule
//! Issue #4: "the scanner runs on title, summary, body and the text of attachments (DOCX, PDF text
//! layer, plain text)". Before publication every attachment's text passes the `scan` module;
//! an attachment whose text cannot be read completely is flagged (`complete == false`, with a
//! Chinese note) so the gate can demand a human check instead of passing it silently.
//!
//! # Supported
//! - Plain text (UTF-8, BOM removed).
//! - DOCX: `word/document.xml`, then headers, footers, footnotes, endnotes and comments; the text
//!   of `w:t` runs, **and of `w:delText`** (tracked deletions are still in the file and get
//!   published with it); paragraph ends become line breaks, `w:tab` a tab, `w:br`/`w:cr` a
//!   line break.
//! - XLSX: shared strings, inline strings and cell values of every worksheet (one line per row,
//!   cells separated by tabs).
//! - ODT/ODS: the character data of `content.xml`, paragraphs and headings on their own lines.
//! - PDF: the text layer through `lopdf` (fonts with standard encodings or a ToUnicode map),
//!   with lopdf's bound on decompressed page content. Not supported: scanned pages without a
//!   text layer (no OCR), text drawn as vector paths, fonts without a usable encoding. A page
//!   that fails, or a PDF with no text at all, makes the result incomplete.
//! - Images, DOC and XLS: no text is read (incomplete, with a note).

use crate::filetype::{FileKind, open_zip, read_entry};
use quick_xml::events::Event;

/// Text extracted from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The text, lines separated by `\n`.
    pub text: String,
    /// False when some content could not be read: the scanner's silence then proves nothing.
    pub complete: bool,
    /// Why the text is incomplete, in Chinese.
    pub notes: Vec<String>,
}

/// Why text could not be read at all (messages in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("无法读取{label}中的文字：{detail}")]
    Unreadable { label: &'static str, detail: String },
}

/// Largest PDF page content (decompressed) read, per page.
pub const MAX_PDF_PAGE_CONTENT: usize = 32 * 1024 * 1024;

fn unreadable(kind: FileKind, detail: impl Into<String>) -> ExtractError {
    ExtractError::Unreadable {
        label: kind.label(),
        detail: detail.into(),
    }
}

/// Which XML elements carry text and which end a line.
struct XmlText<'a> {
    /// Elements whose character data is text (empty: all character data).
    text: &'a [&'a str],
    /// Elements whose end (or empty form) is a line break.
    line: &'a [&'a str],
    /// Elements whose end (or empty form) is a tab.
    tab: &'a [&'a str],
    /// Empty elements that stand for one space.
    space: &'a [&'a str],
}

/// Appends the text of one XML part to `out`.
fn xml_text(xml: &str, rules: &XmlText<'_>, out: &mut String) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    // Depth inside text-carrying elements.
    let mut in_text = 0usize;
    let all_text = rules.text.is_empty();
    let is = |set: &[&str], name: &str| set.contains(&name);
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Eof => break,
            Event::Start(e) if is(rules.text, e.local_name().as_ref()) => in_text += 1,
            Event::End(e) => {
                let name = e.local_name();
                if is(rules.text, name.as_ref()) {
                    in_text = in_text.saturating_sub(1);
                }
                if is(rules.line, name.as_ref()) {
                    out.push('\n');
                } else if is(rules.tab, name.as_ref()) {
                    out.push('\t');
                }
            }
            Event::Empty(e) => {
                let name = e.local_name();
                if is(rules.line, name.as_ref()) {
                    out.push('\n');
                } else if is(rules.tab, name.as_ref()) {
                    out.push('\t');
                } else if is(rules.space, name.as_ref()) {
                    out.push(' ');
                }
            }
            Event::Text(t) if all_text || in_text > 0 => out.push_str(t.as_ref()),
            Event::CData(t) if all_text || in_text > 0 => out.push_str(t.as_ref()),
            Event::GeneralRef(r) if all_text || in_text > 0 => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                    out.push(c);
                } else {
                    match r.as_ref() {
                        "amp" => out.push('&'),
                        "lt" => out.push('<'),
                        "gt" => out.push('>'),
                        "quot" => out.push('"'),
                        "apos" => out.push('\''),
                        other => {
                            out.push('&');
                            out.push_str(other);
                            out.push(';');
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Reads the named parts of a package in order; parts that are missing are skipped.
fn package_text(
    kind: FileKind,
    bytes: &[u8],
    parts: &[String],
    rules: &XmlText<'_>,
) -> Result<String, ExtractError> {
    let mut archive = open_zip(bytes).map_err(|e| unreadable(kind, e))?;
    let mut out = String::new();
    for part in parts {
        let Some(data) = read_entry(&mut archive, part).map_err(|e| unreadable(kind, e))? else {
            continue;
        };
        xml_text(&String::from_utf8_lossy(&data), rules, &mut out)
            .map_err(|e| unreadable(kind, format!("{part}：{e}")))?;
        if !out.ends_with('\n') && !out.is_empty() {
            out.push('\n');
        }
    }
    Ok(out)
}

/// Entry names of a package that match `prefix` + something + `suffix`, sorted naturally
/// (`sheet2` before `sheet10`).
fn parts_like(bytes: &[u8], prefix: &str, suffix: &str) -> Vec<String> {
    let Ok(archive) = open_zip(bytes) else {
        return Vec::new();
    };
    let mut names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| {
            n.starts_with(prefix) && n.ends_with(suffix) && !n[prefix.len()..].contains('/')
        })
        .map(|n| n.into_owned())
        .collect();
    names.sort_by_key(|n| {
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        (digits.len(), digits, n.clone())
    });
    names
}

fn docx_text(bytes: &[u8]) -> Result<String, ExtractError> {
    let mut parts = vec!["word/document.xml".to_string()];
    for (prefix, suffix) in [
        ("word/header", ".xml"),
        ("word/footer", ".xml"),
        ("word/footnotes", ".xml"),
        ("word/endnotes", ".xml"),
        ("word/comments", ".xml"),
    ] {
        parts.extend(parts_like(bytes, prefix, suffix));
    }
    package_text(
        FileKind::Docx,
        bytes,
        &parts,
        &XmlText {
            text: &["t", "delText", "instrText"],
            line: &["p", "br", "cr"],
            tab: &["tab"],
            space: &[],
        },
    )
}

fn xlsx_text(bytes: &[u8]) -> Result<String, ExtractError> {
    let mut parts = vec!["xl/sharedStrings.xml".to_string()];
    parts.extend(parts_like(bytes, "xl/worksheets/sheet", ".xml"));
    package_text(
        FileKind::Xlsx,
        bytes,
        &parts,
        &XmlText {
            // Shared strings `si/t`, inline strings `is/t`, cell values `v`. A cell whose value
            // is a shared-string index contributes that index number too: harmless for a scan.
            text: &["t", "v"],
            line: &["si", "row"],
            tab: &["c"],
            space: &[],
        },
    )
}

fn odf_text(kind: FileKind, bytes: &[u8]) -> Result<String, ExtractError> {
    let mut archive = open_zip(bytes).map_err(|e| unreadable(kind, e))?;
    let Some(data) = read_entry(&mut archive, "content.xml").map_err(|e| unreadable(kind, e))?
    else {
        return Err(unreadable(kind, "缺少 content.xml"));
    };
    let mut out = String::new();
    xml_text(
        &String::from_utf8_lossy(&data),
        &XmlText {
            text: &["p", "h"],
            line: &["p", "h", "line-break", "table-row"],
            tab: &["tab", "table-cell"],
            space: &["s"],
        },
        &mut out,
    )
    .map_err(|e| unreadable(kind, e))?;
    Ok(out)
}

fn pdf_text(bytes: &[u8]) -> Result<Extracted, ExtractError> {
    let kind = FileKind::Pdf;
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| unreadable(kind, e.to_string()))?;
    let mut text = String::new();
    let mut notes = Vec::new();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    for page in &pages {
        match doc.extract_text_with_limit(&[*page], MAX_PDF_PAGE_CONTENT) {
            Ok(t) => {
                text.push_str(&t);
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            Err(e) => notes.push(format!("第 {page} 页的文字无法读取（{e}），请人工检查该页")),
        }
    }
    if pages.is_empty() {
        notes.push("PDF 中没有页面".to_string());
    } else if text.trim().is_empty() {
        notes.push("PDF 没有可提取的文字层（可能是扫描件），请人工检查全文".to_string());
    }
    Ok(Extracted {
        text: normalise(&text),
        complete: notes.is_empty(),
        notes,
    })
}

/// Trims lines and drops empty ones, like `richtext::to_plain_text`.
fn normalise(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r'))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn complete(text: String) -> Extracted {
    Extracted {
        text: normalise(&text),
        complete: true,
        notes: Vec::new(),
    }
}

/// The spoken text of a WebVTT caption file: the cue payloads, without the header block, cue
/// identifiers, timings and `NOTE`/`STYLE`/`REGION` blocks, with inline tags such as `<v 主持人>`
/// removed (their text kept). This is what the scanner reads and what a masked copy keeps.
pub fn vtt_text(text: &str) -> String {
    let mut out = Vec::new();
    // Blocks are separated by blank lines; the first block is the `WEBVTT` header.
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    for block in normalised.split("\n\n").skip(1) {
        let lines: Vec<&str> = block.lines().collect();
        let Some(timing) = lines.iter().position(|l| l.contains("-->")) else {
            continue; // NOTE, STYLE, REGION or stray text
        };
        for line in &lines[timing + 1..] {
            let mut plain = String::new();
            let mut in_tag = false;
            for c in line.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' if in_tag => in_tag = false,
                    _ if !in_tag => plain.push(c),
                    _ => {}
                }
            }
            let plain = plain
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&nbsp;", " ")
                .replace("&amp;", "&");
            out.push(plain);
        }
    }
    out.join("\n")
}

/// Extracts the text of a file whose type [`crate::filetype::sniff`] recognised as `kind`.
pub fn extract_text(kind: FileKind, bytes: &[u8]) -> Result<Extracted, ExtractError> {
    match kind {
        FileKind::Text => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let text = std::str::from_utf8(body).map_err(|e| unreadable(kind, e.to_string()))?;
            Ok(complete(text.to_string()))
        }
        FileKind::Docx => docx_text(bytes).map(complete),
        FileKind::Xlsx => xlsx_text(bytes).map(complete),
        FileKind::Odt | FileKind::Ods => odf_text(kind, bytes).map(complete),
        FileKind::Pdf => pdf_text(bytes),
        FileKind::Vtt => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let text = std::str::from_utf8(body).map_err(|e| unreadable(kind, e.to_string()))?;
            Ok(complete(vtt_text(text)))
        }
        FileKind::Mp3 | FileKind::Mp4 | FileKind::Webm => Ok(Extracted {
            text: String::new(),
            complete: false,
            notes: vec![format!(
                "{}中的语音和画面无法自动读取，请人工收听或观看，检查其中是否有个人信息等敏感内容",
                kind.label()
            )],
        }),
        FileKind::Doc
        | FileKind::Xls
        | FileKind::Png
        | FileKind::Jpeg
        | FileKind::Gif
        | FileKind::Webp => Ok(Extracted {
            text: String::new(),
            complete: false,
            notes: vec![format!(
                "{}中的文字无法自动读取，请人工检查其中是否有个人信息等敏感内容",
                kind.label()
            )],
        }),
    }
}

#[cfg(test)]
mod tests;
