#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::filetype::tests::{CONTENT_TYPES, docx_with, zip_of};
use crate::scan::{FindingKind, ScanConfig, Scanner};
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

/// A checksum-valid resident ID (the GB 11643 example), planted in test files.
const PLANTED_ID: &str = "11010519491231002X";

fn finds_resident_id(text: &str) -> bool {
    Scanner::new(ScanConfig::default())
        .unwrap()
        .scan(text)
        .iter()
        .any(|f| f.kind == FindingKind::ResidentId && f.text == PLANTED_ID)
}

#[test]
fn plain_text_is_read_and_bom_dropped() {
    let e = extract_text(
        FileKind::Text,
        format!("\u{feff}名单\r\n  张三 {PLANTED_ID}  \r\n\r\n").as_bytes(),
    )
    .unwrap();
    assert_eq!(e.text, format!("名单\n张三 {PLANTED_ID}"));
    assert!(e.complete);
    assert!(finds_resident_id(&e.text));
}

#[test]
fn vtt_cues_are_read_without_timings_and_tags() {
    let vtt = format!(
        "WEBVTT - 与爱同行第12期\r\n\r\nNOTE 校对：张\r\n\r\n1\r\n00:00:00.000 --> 00:00:02.500\r\n<v 主持人>各位听众，&lt;大家好&gt;</v>\r\n\r\n00:00:02.500 --> 00:00:05.000 align:start\r\n听众来电：{PLANTED_ID}\r\n第二行\r\n"
    );
    assert_eq!(crate::filetype::sniff(vtt.as_bytes()), Ok(FileKind::Vtt));
    let e = extract_text(FileKind::Vtt, vtt.as_bytes()).unwrap();
    assert_eq!(
        e.text,
        format!("各位听众，<大家好>\n听众来电：{PLANTED_ID}\n第二行")
    );
    assert!(e.complete);
    assert!(finds_resident_id(&e.text));
}

#[test]
fn audio_and_video_cannot_be_read_and_say_so() {
    for kind in [FileKind::Mp3, FileKind::Mp4, FileKind::Webm] {
        let e = extract_text(kind, b"ID3").unwrap();
        assert!(!e.complete, "{kind:?}");
        assert!(e.notes[0].contains("人工收听或观看"), "{:?}", e.notes);
    }
}

#[test]
fn docx_runs_paragraphs_tracked_deletions_and_comments() {
    let docx = docx_with(
        &[
            &["关于", "张三同志", "的公示"],
            &["身份证号：", "110105194912", "31002X"],
        ],
        &[
            (
                "word/comments.xml",
                "<w:comments xmlns:w=\"w\"><w:comment><w:p><w:r><w:t>电话 13800138000</w:t></w:r></w:p></w:comment></w:comments>",
            ),
            (
                "word/footer1.xml",
                "<w:ftr xmlns:w=\"w\"><w:p><w:r><w:delText>已删除 &amp; 仍在文件中</w:delText></w:r><w:r><w:tab/><w:t>第1页</w:t></w:r></w:p></w:ftr>",
            ),
        ],
    );
    assert_eq!(crate::filetype::sniff(&docx), Ok(FileKind::Docx));
    let e = extract_text(FileKind::Docx, &docx).unwrap();
    assert_eq!(
        e.text,
        format!(
            "关于张三同志的公示\n身份证号：{PLANTED_ID}\n已删除 & 仍在文件中\t第1页\n电话 13800138000"
        )
    );
    assert!(e.complete);
    // The runs were split in the middle of the number; the joined text still shows it whole.
    assert!(finds_resident_id(&e.text));
}

#[test]
fn xlsx_shared_and_inline_strings() {
    let xlsx = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("xl/workbook.xml", "<workbook/>"),
        (
            "xl/sharedStrings.xml",
            "<sst><si><t>姓名</t></si><si><t>身份证号</t></si></sst>",
        ),
        (
            "xl/worksheets/sheet1.xml",
            &format!(
                "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>李四</t></is></c><c t=\"inlineStr\"><is><t>{PLANTED_ID}</t></is></c></row></sheetData></worksheet>"
            ),
        ),
    ]);
    let e = extract_text(FileKind::Xlsx, &xlsx).unwrap();
    assert_eq!(e.text, format!("姓名\n身份证号\n李四\t{PLANTED_ID}"));
    assert!(finds_resident_id(&e.text));
}

#[test]
fn odt_paragraphs() {
    let odt = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        (
            "content.xml",
            &format!(
                "<office:document-content xmlns:office=\"o\" xmlns:text=\"t\"><office:body><office:text><text:h>通知</text:h><text:p>王五<text:s/><text:span>{PLANTED_ID}</text:span></text:p></office:text></office:body></office:document-content>"
            ),
        ),
    ]);
    let e = extract_text(FileKind::Odt, &odt).unwrap();
    assert_eq!(e.text, format!("通知\n王五 {PLANTED_ID}"));
}

/// Builds a one-page-per-line PDF with a standard Type1 font (WinAnsi text).
fn pdf_with_lines(lines: &[&str], compress: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for line in lines {
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 12.into()]),
                Operation::new("Td", vec![72.into(), 700.into()]),
                Operation::new("Tj", vec![Object::string_literal(*line)]),
                Operation::new("ET", vec![]),
            ],
        };
        let mut stream = Stream::new(dictionary! {}, content.encode().unwrap());
        if compress {
            stream.compress().unwrap();
        }
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn pdf_text_layer_is_read() {
    for compress in [false, true] {
        let pdf = pdf_with_lines(
            &["Notice of inspection", &format!("ID {PLANTED_ID} Zhang")],
            compress,
        );
        assert_eq!(crate::filetype::sniff(&pdf), Ok(FileKind::Pdf));
        let e = extract_text(FileKind::Pdf, &pdf).unwrap();
        assert!(e.complete, "{:?}", e.notes);
        assert!(e.text.contains("Notice of inspection"), "{}", e.text);
        assert!(e.text.contains(PLANTED_ID), "{}", e.text);
        assert!(finds_resident_id(&e.text), "{}", e.text);
    }
}

#[test]
fn pdf_without_text_is_incomplete() {
    let pdf = pdf_with_lines(&[""], false);
    let e = extract_text(FileKind::Pdf, &pdf).unwrap();
    assert!(!e.complete);
    assert!(e.notes[0].contains("扫描件"), "{:?}", e.notes);
}

#[test]
fn broken_files_are_errors_in_chinese() {
    let err = extract_text(FileKind::Pdf, b"%PDF-1.4 garbage").unwrap_err();
    assert!(
        err.to_string().starts_with("无法读取PDF 文档中的文字"),
        "{err}"
    );
    let err = extract_text(FileKind::Docx, b"PK\x03\x04broken").unwrap_err();
    assert!(err.to_string().contains("Word 文档"), "{err}");
    assert!(extract_text(FileKind::Text, b"\xff\xfe").is_err());
}

#[test]
fn images_and_legacy_office_are_incomplete_with_a_note() {
    for kind in [FileKind::Png, FileKind::Jpeg, FileKind::Doc, FileKind::Xls] {
        let e = extract_text(kind, b"whatever").unwrap();
        assert!(!e.complete);
        assert!(e.text.is_empty());
        assert!(e.notes[0].contains("人工检查"));
    }
}
