//! Attachment file types: recognised by content, checked against an allow-list and the file
//! name's extension, and stripped of metadata where we can do so safely.
//!
//! # The rule
//! Issue #4 / product.md: "attachments are type-checked by content, not by extension, and
//! size-limited, with file metadata stripped where possible". Pure functions over bytes (no I/O);
//! `gongkai-store::attachments` writes the result to disk.
//!
//! # Allowed types ([`FileKind`])
//! PDF, DOCX, XLSX, DOC and XLS (OLE compound files), ODT, ODS, PNG, JPEG, GIF, WebP, UTF-8
//! plain text (`.txt`, `.csv`), and for audio/video interpretations (issue #10, WCAG 1.2) MP3
//! audio, MP4 and WebM video and their WebVTT caption tracks (`.vtt`: UTF-8 text that starts
//! with `WEBVTT`). An MP4 is recognised by its `ftyp` box with a video/audio brand (HEIF/AVIF
//! images share the box and are refused); a WebM by its EBML header naming the `webm` doc type
//! (other Matroska files are refused). A ZIP archive is refused unless it is a DOCX/XLSX (an OOXML
//! package with `[Content_Types].xml` and the main part) or an ODT/ODS (the `mimetype` entry).
//! Any other content, including executables and HTML that happens to be UTF-8 text but is
//! named `.html`, is refused because the extension must be one of the kind's extensions.
//!
//! # What [`strip_metadata`] removes, and what it does not
//! - JPEG: every APPn segment except APP0 (JFIF), APP2 `ICC_PROFILE` and APP14 (Adobe colour
//!   transform), i.e. EXIF (camera, GPS position, time, thumbnail), XMP and IPTC; and COM
//!   comments. The image data is copied byte for byte.
//! - PNG: `tEXt`, `iTXt`, `zTXt` (author, comments, software, XMP), `eXIf` and `tIME` chunks.
//! - DOCX/XLSX: in `docProps/core.xml` the text of `dc:creator` and `cp:lastModifiedBy`; in
//!   `docProps/app.xml` the text of `Company` and `Manager`. Other parts are copied unchanged
//!   (compressed data copied raw).
//! - ODT/ODS: in `meta.xml` the text of `meta:initial-creator` and `dc:creator`.
//! - NOT stripped: PDF (the document information dictionary and XMP stream stay; rewriting a
//!   PDF safely needs more than a byte walk), DOC/XLS (OLE property sets), GIF (comment
//!   extensions), WebP (EXIF/XMP chunks), MP3 (ID3 tags), MP4/WebM (container metadata), tracked
//!   changes and comments inside DOCX. Those are
//!   left to the text extraction and the sensitive-information scanner (`extract`), which read
//!   tracked deletions and comments too.

use quick_xml::events::Event;
use std::io::{Cursor, Read, Write};

/// An allowed attachment type, recognised from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    Docx,
    Xlsx,
    Doc,
    Xls,
    Odt,
    Ods,
    Png,
    Jpeg,
    Gif,
    Webp,
    Text,
    Mp3,
    Mp4,
    Webm,
    Vtt,
}

impl FileKind {
    /// Every allowed kind.
    pub const ALL: [FileKind; 16] = [
        FileKind::Pdf,
        FileKind::Docx,
        FileKind::Xlsx,
        FileKind::Doc,
        FileKind::Xls,
        FileKind::Odt,
        FileKind::Ods,
        FileKind::Png,
        FileKind::Jpeg,
        FileKind::Gif,
        FileKind::Webp,
        FileKind::Text,
        FileKind::Mp3,
        FileKind::Mp4,
        FileKind::Webm,
        FileKind::Vtt,
    ];

    /// The IANA media type served with the file.
    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Doc => "application/msword",
            FileKind::Xls => "application/vnd.ms-excel",
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Text => "text/plain; charset=utf-8",
            FileKind::Mp3 => "audio/mpeg",
            FileKind::Mp4 => "video/mp4",
            FileKind::Webm => "video/webm",
            FileKind::Vtt => "text/vtt",
        }
    }

    /// The kind whose [`media_type`](Self::media_type) is `media_type`.
    pub fn from_media_type(media_type: &str) -> Option<FileKind> {
        FileKind::ALL
            .into_iter()
            .find(|k| k.media_type() == media_type)
    }

    /// File name extensions (lower case, without the dot) that fit the kind.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Doc => &["doc"],
            FileKind::Xls => &["xls"],
            FileKind::Odt => &["odt"],
            FileKind::Ods => &["ods"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Gif => &["gif"],
            FileKind::Webp => &["webp"],
            FileKind::Text => &["txt", "csv"],
            FileKind::Mp3 => &["mp3"],
            FileKind::Mp4 => &["mp4", "m4v", "m4a"],
            FileKind::Webm => &["webm"],
            FileKind::Vtt => &["vtt"],
        }
    }

    /// The Chinese name of the kind, for messages.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF 文档",
            FileKind::Docx => "Word 文档（DOCX）",
            FileKind::Xlsx => "Excel 表格（XLSX）",
            FileKind::Doc => "Word 97-2003 文档（DOC）",
            FileKind::Xls => "Excel 97-2003 表格（XLS）",
            FileKind::Odt => "OpenDocument 文本（ODT）",
            FileKind::Ods => "OpenDocument 表格（ODS）",
            FileKind::Png => "PNG 图片",
            FileKind::Jpeg => "JPEG 图片",
            FileKind::Gif => "GIF 图片",
            FileKind::Webp => "WebP 图片",
            FileKind::Text => "纯文本（UTF-8）",
            FileKind::Mp3 => "MP3 音频",
            FileKind::Mp4 => "MP4 视频",
            FileKind::Webm => "WebM 视频",
            FileKind::Vtt => "WebVTT 字幕",
        }
    }

    /// True for images (which need alt text when attached).
    pub fn is_image(self) -> bool {
        matches!(
            self,
            FileKind::Png | FileKind::Jpeg | FileKind::Gif | FileKind::Webp
        )
    }

    /// True for audio and video, which may not be published without a caption track or a
    /// transcript (WCAG 1.2.1–1.2.3; `gongkai_store::items::files::media_gate`).
    pub fn is_audio_video(self) -> bool {
        matches!(self, FileKind::Mp3 | FileKind::Mp4 | FileKind::Webm)
    }

    /// True for audio only (played with `<audio>`; video with `<video>`).
    pub fn is_audio(self) -> bool {
        self == FileKind::Mp3
    }
}

/// The stem of a file name (without its last extension): a recording `第12期.mp4` is paired with
/// its caption track `第12期.vtt` and its transcript `第12期.txt` by this stem.
pub fn stem(filename: &str) -> &str {
    match filename.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s,
        _ => filename,
    }
}

/// The text alternatives of one audio or video file among an item's attachments (WCAG 1.2.1
/// audio-only: a transcript; 1.2.2 captions; 1.2.3 audio description or a media alternative —
/// the transcript): indices into the slice given to [`media_alternatives`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaAlternatives {
    /// The audio or video file.
    pub media: usize,
    /// A WebVTT caption track with the same [`stem`].
    pub captions: Option<usize>,
    /// A plain-text transcript with the same [`stem`].
    pub transcript: Option<usize>,
}

impl MediaAlternatives {
    /// True when the recording has a caption track or a transcript, so it may be published.
    pub fn is_accessible(&self) -> bool {
        self.captions.is_some() || self.transcript.is_some()
    }
}

/// For every audio/video file among `files` (name and kind, in attachment order), its caption
/// track and transcript: the first `.vtt` and the first plain-text file of the same stem.
pub fn media_alternatives(files: &[(&str, FileKind)]) -> Vec<MediaAlternatives> {
    let find = |stem_of: &str, want: FileKind| {
        files
            .iter()
            .position(|(name, kind)| *kind == want && stem(name) == stem_of)
    };
    files
        .iter()
        .enumerate()
        .filter(|(_, (_, kind))| kind.is_audio_video())
        .map(|(i, (name, _))| MediaAlternatives {
            media: i,
            captions: find(stem(name), FileKind::Vtt),
            transcript: find(stem(name), FileKind::Text),
        })
        .collect()
}

/// Why a file was refused (messages in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileTypeError {
    #[error("文件为空")]
    Empty,
    #[error("文件大小 {size} 字节，超过上限 {limit} 字节")]
    TooLarge { size: u64, limit: u64 },
    #[error(
        "不支持的文件类型：只接受 PDF、DOCX、XLSX、DOC、XLS、ODT、ODS、PNG、JPEG、GIF、WebP、UTF-8 纯文本、MP3 音频、MP4 或 WebM 视频和 WebVTT 字幕"
    )]
    Unsupported,
    #[error("不接受压缩包（ZIP）；Word、Excel、OpenDocument 文档除外")]
    ZipNotAllowed,
    #[error("无法识别的 Office 97-2003 文件：只接受 Word（DOC）和 Excel（XLS）")]
    UnknownOle,
    #[error("文件名缺少扩展名：内容是{label}，文件名应以 .{expected} 结尾")]
    NoExtension {
        label: &'static str,
        expected: &'static str,
    },
    #[error("文件扩展名 .{ext} 与内容不符：内容是{label}，扩展名应为 .{expected}")]
    ExtensionMismatch {
        ext: String,
        label: &'static str,
        expected: &'static str,
    },
    #[error("文件已损坏或格式不正确（{label}）：{detail}")]
    Corrupt { label: &'static str, detail: String },
}

/// Largest number of entries read from an OOXML/ODF package (zip-bomb guard).
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// Largest decompressed size read from one package entry (zip-bomb guard).
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;

const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// UTF-16LE bytes of an ASCII name, as OLE directory entries store them.
fn utf16le(name: &str) -> Vec<u8> {
    name.bytes().flat_map(|b| [b, 0]).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

pub(crate) fn open_zip(bytes: &[u8]) -> Result<zip::ZipArchive<Cursor<&[u8]>>, String> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(format!("条目过多（{}）", archive.len()));
    }
    Ok(archive)
}

/// Reads one entry of a package, bounded by [`MAX_ENTRY_BYTES`]; `None` when it is absent.
pub(crate) fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<Vec<u8>>, String> {
    let file = match archive.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut out = Vec::new();
    file.take(MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() as u64 > MAX_ENTRY_BYTES {
        return Err(format!("条目 {name} 解压后过大"));
    }
    Ok(Some(out))
}

fn sniff_zip(bytes: &[u8]) -> Result<FileKind, FileTypeError> {
    let mut archive = open_zip(bytes).map_err(|_| FileTypeError::ZipNotAllowed)?;
    if let Ok(Some(mimetype)) = read_entry(&mut archive, "mimetype") {
        match mimetype.trim_ascii() {
            b"application/vnd.oasis.opendocument.text" => return Ok(FileKind::Odt),
            b"application/vnd.oasis.opendocument.spreadsheet" => return Ok(FileKind::Ods),
            _ => {}
        }
    }
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("[Content_Types].xml") {
        if has("word/document.xml") {
            return Ok(FileKind::Docx);
        }
        if has("xl/workbook.xml") {
            return Ok(FileKind::Xlsx);
        }
    }
    Err(FileTypeError::ZipNotAllowed)
}

/// MP4 brands of audio and video files; other `ftyp` files (HEIF/AVIF images, 3GP) are refused.
const MP4_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4A ", b"M4V ",
    b"MSNV", b"dash", b"f4v ",
];

fn is_mp4(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && MP4_BRANDS.iter().any(|b| &bytes[8..12] == b.as_slice())
}

/// An EBML header whose doc type is `webm` (within the first 64 bytes, where the header is).
fn is_webm(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3])
        && contains(
            &bytes[..bytes.len().min(64)],
            &[0x42, 0x82, 0x84, b'w', b'e', b'b', b'm'],
        )
}

/// MP3: an ID3v2 tag, or an MPEG audio layer III frame header (sync bits, layer bits `01`).
fn is_mp3(bytes: &[u8]) -> bool {
    bytes.starts_with(b"ID3")
        || (bytes.len() >= 4
            && bytes[0] == 0xFF
            && bytes[1] & 0xE0 == 0xE0
            && bytes[1] & 0x06 == 0x02)
}

/// WebVTT: UTF-8 text whose first line is `WEBVTT` (optionally followed by a space, tab and
/// text), after an optional BOM.
fn is_vtt(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    body.strip_prefix(b"WEBVTT")
        .is_some_and(|rest| rest.is_empty() || matches!(rest[0], b' ' | b'\t' | b'\n' | b'\r'))
        && is_plain_text(bytes)
}

fn is_plain_text(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => !s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')),
        Err(_) => false,
    }
}

/// Recognises the file type from the content alone.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, FileTypeError> {
    if bytes.is_empty() {
        return Err(FileTypeError::Empty);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    if bytes.starts_with(PNG_MAGIC) {
        return Ok(FileKind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Ok(FileKind::Gif);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Ok(FileKind::Webp);
    }
    if bytes.starts_with(OLE_MAGIC) {
        // The directory names the main stream: "WordDocument" (Word) or "Workbook"/"Book" (Excel).
        if contains(bytes, &utf16le("WordDocument")) {
            return Ok(FileKind::Doc);
        }
        if contains(bytes, &utf16le("Workbook")) || contains(bytes, &utf16le("Book\0")) {
            return Ok(FileKind::Xls);
        }
        return Err(FileTypeError::UnknownOle);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes);
    }
    if is_mp4(bytes) {
        return Ok(FileKind::Mp4);
    }
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return if is_webm(bytes) {
            Ok(FileKind::Webm)
        } else {
            Err(FileTypeError::Unsupported)
        };
    }
    if is_mp3(bytes) {
        return Ok(FileKind::Mp3);
    }
    if is_vtt(bytes) {
        return Ok(FileKind::Vtt);
    }
    if is_plain_text(bytes) {
        return Ok(FileKind::Text);
    }
    Err(FileTypeError::Unsupported)
}

/// Checks that `filename`'s extension fits `kind` (case-insensitive).
pub fn check_extension(kind: FileKind, filename: &str) -> Result<(), FileTypeError> {
    let expected = kind.extensions()[0];
    let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let Some((stem, ext)) = base.rsplit_once('.') else {
        return Err(FileTypeError::NoExtension {
            label: kind.label(),
            expected,
        });
    };
    if stem.is_empty() {
        return Err(FileTypeError::NoExtension {
            label: kind.label(),
            expected,
        });
    }
    let ext = ext.to_lowercase();
    if kind.extensions().contains(&ext.as_str()) {
        Ok(())
    } else {
        Err(FileTypeError::ExtensionMismatch {
            ext,
            label: kind.label(),
            expected,
        })
    }
}

/// Recognises the type, checks the size limit and the extension: the whole admission check.
pub fn check(bytes: &[u8], filename: &str, max_size: u64) -> Result<FileKind, FileTypeError> {
    let size = bytes.len() as u64;
    if size > max_size {
        return Err(FileTypeError::TooLarge {
            size,
            limit: max_size,
        });
    }
    let kind = sniff(bytes)?;
    check_extension(kind, filename)?;
    Ok(kind)
}

/// The result of [`strip_metadata`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The file to store.
    pub bytes: Vec<u8>,
    /// What was removed, in Chinese (empty when nothing was found).
    pub removed: Vec<String>,
}

fn corrupt(kind: FileKind, detail: impl Into<String>) -> FileTypeError {
    FileTypeError::Corrupt {
        label: kind.label(),
        detail: detail.into(),
    }
}

/// Removes metadata from a file of `kind` (see the module header for exactly what).
pub fn strip_metadata(kind: FileKind, bytes: &[u8]) -> Result<Stripped, FileTypeError> {
    match kind {
        FileKind::Jpeg => strip_jpeg(bytes),
        FileKind::Png => strip_png(bytes),
        FileKind::Docx | FileKind::Xlsx => strip_package(
            kind,
            bytes,
            &[
                ("docProps/core.xml", &["creator", "lastModifiedBy"]),
                ("docProps/app.xml", &["Company", "Manager"]),
            ],
        ),
        FileKind::Odt | FileKind::Ods => strip_package(
            kind,
            bytes,
            &[("meta.xml", &["initial-creator", "creator"])],
        ),
        FileKind::Pdf
        | FileKind::Doc
        | FileKind::Xls
        | FileKind::Gif
        | FileKind::Webp
        | FileKind::Text
        | FileKind::Mp3
        | FileKind::Mp4
        | FileKind::Webm
        | FileKind::Vtt => Ok(Stripped {
            bytes: bytes.to_vec(),
            removed: Vec::new(),
        }),
    }
}

fn strip_jpeg(bytes: &[u8]) -> Result<Stripped, FileTypeError> {
    let kind = FileKind::Jpeg;
    let mut out = Vec::with_capacity(bytes.len());
    let mut removed = Vec::new();
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(corrupt(kind, "缺少文件头"));
    }
    out.extend_from_slice(&bytes[..2]);
    let mut i = 2;
    loop {
        // Markers may be preceded by 0xFF fill bytes.
        while i < bytes.len() && bytes[i] == 0xFF && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if i + 1 >= bytes.len() {
            return Err(corrupt(kind, "缺少图像数据"));
        }
        if bytes[i] != 0xFF {
            return Err(corrupt(kind, format!("位置 {i} 不是段标记")));
        }
        let marker = bytes[i + 1];
        // Stand-alone markers: TEM, RSTn (no length).
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            out.extend_from_slice(&bytes[i..i + 2]);
            i += 2;
            continue;
        }
        if marker == 0xD9 {
            out.extend_from_slice(&bytes[i..i + 2]);
            break;
        }
        if i + 4 > bytes.len() {
            return Err(corrupt(kind, "段长度不完整"));
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let end = i + 2 + len;
        if len < 2 || end > bytes.len() {
            return Err(corrupt(kind, "段长度超出文件"));
        }
        let payload = &bytes[i + 4..end];
        let keep = match marker {
            0xE0 | 0xEE => true,
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xE1 => {
                if payload.starts_with(b"Exif\0") {
                    removed.push("EXIF 信息（相机、拍摄时间、位置等）".to_string());
                } else if payload.starts_with(b"http://ns.adobe.com/xap/1.0/") {
                    removed.push("XMP 元数据".to_string());
                } else {
                    removed.push("APP1 元数据段".to_string());
                }
                false
            }
            0xE3..=0xEF => {
                removed.push(format!("APP{} 元数据段", marker - 0xE0));
                false
            }
            0xFE => {
                removed.push("图片注释".to_string());
                false
            }
            _ => true,
        };
        if keep {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
        if marker == 0xDA {
            // Start of scan: the entropy-coded data and everything after it is image data.
            out.extend_from_slice(&bytes[i..]);
            break;
        }
    }
    removed.dedup();
    Ok(Stripped {
        bytes: out,
        removed,
    })
}

fn strip_png(bytes: &[u8]) -> Result<Stripped, FileTypeError> {
    let kind = FileKind::Png;
    let mut out = Vec::with_capacity(bytes.len());
    let mut removed = Vec::new();
    if !bytes.starts_with(PNG_MAGIC) {
        return Err(corrupt(kind, "缺少文件头"));
    }
    out.extend_from_slice(PNG_MAGIC);
    let mut i = PNG_MAGIC.len();
    while i < bytes.len() {
        if i + 12 > bytes.len() {
            return Err(corrupt(kind, "数据块不完整"));
        }
        let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let len = usize::try_from(len).map_err(|_| corrupt(kind, "数据块过大"))?;
        let ty = &bytes[i + 4..i + 8];
        let end = i
            .checked_add(12)
            .and_then(|v| v.checked_add(len))
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| corrupt(kind, "数据块长度超出文件"))?;
        match ty {
            b"tEXt" | b"iTXt" | b"zTXt" => {
                removed.push("文字信息块（作者、说明、软件等）".to_string())
            }
            b"eXIf" => removed.push("EXIF 信息".to_string()),
            b"tIME" => removed.push("修改时间".to_string()),
            _ => out.extend_from_slice(&bytes[i..end]),
        }
        i = end;
        if ty == b"IEND" {
            break;
        }
    }
    removed.sort();
    removed.dedup();
    Ok(Stripped {
        bytes: out,
        removed,
    })
}

/// Rewrites `xml`, dropping the text content of elements whose local name is in `blank`.
/// Returns `None` when nothing was blanked.
fn blank_elements(xml: &str, blank: &[&str]) -> Result<Option<Vec<u8>>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len()));
    let mut depth_in_blank = 0usize;
    let mut changed = false;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let mut write = true;
        match &event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.local_name();
                if depth_in_blank > 0 || blank.iter().any(|b| name.as_ref() == *b) {
                    depth_in_blank += 1;
                }
            }
            Event::End(_) => {
                depth_in_blank = depth_in_blank.saturating_sub(1);
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if depth_in_blank > 0 => {
                write = false;
                changed = true;
            }
            _ => {}
        }
        if write {
            writer.write_event(event).map_err(|e| e.to_string())?;
        }
    }
    Ok(changed.then(|| writer.into_inner()))
}

type PartRule<'a> = (&'a str, &'a [&'a str]);

fn strip_package(
    kind: FileKind,
    bytes: &[u8],
    rules: &[PartRule<'_>],
) -> Result<Stripped, FileTypeError> {
    let mut archive = open_zip(bytes).map_err(|e| corrupt(kind, e))?;
    let mut replaced: Vec<(String, Vec<u8>)> = Vec::new();
    let mut removed = Vec::new();
    for (part, fields) in rules {
        let Some(data) = read_entry(&mut archive, part).map_err(|e| corrupt(kind, e))? else {
            continue;
        };
        let xml = String::from_utf8_lossy(&data);
        if let Some(new) = blank_elements(&xml, fields).map_err(|e| corrupt(kind, e))? {
            removed.push(format!("文档属性中的作者信息（{}）", fields.join("、")));
            replaced.push(((*part).to_string(), new));
        }
    }
    if replaced.is_empty() {
        return Ok(Stripped {
            bytes: bytes.to_vec(),
            removed,
        });
    }
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let file = archive
            .by_index_raw(index)
            .map_err(|e| corrupt(kind, e.to_string()))?;
        let name = file
            .name()
            .map_err(|e| corrupt(kind, e.to_string()))?
            .into_owned();
        if let Some((_, data)) = replaced.iter().find(|(n, _)| *n == name) {
            drop(file);
            writer
                .start_file(name.as_str(), options)
                .map_err(|e| corrupt(kind, e.to_string()))?;
            writer
                .write_all(data)
                .map_err(|e| corrupt(kind, e.to_string()))?;
        } else {
            writer
                .raw_copy_file(file)
                .map_err(|e| corrupt(kind, e.to_string()))?;
        }
    }
    let out = writer
        .finish()
        .map_err(|e| corrupt(kind, e.to_string()))?
        .into_inner();
    Ok(Stripped {
        bytes: out,
        removed,
    })
}

#[cfg(test)]
pub(crate) mod tests;
