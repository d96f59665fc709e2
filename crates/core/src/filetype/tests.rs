#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use proptest::prelude::*;
use std::io::Write;

/// Builds a ZIP package from (name, content) pairs, deflated.
pub(crate) fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in entries {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, opts).unwrap();
        w.write_all(content.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

pub(crate) const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;

/// A minimal DOCX whose body has the given paragraphs (each a list of runs).
pub(crate) fn docx_with(paragraphs: &[&[&str]], extra: &[(&str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for p in paragraphs {
        body.push_str("<w:p>");
        for run in *p {
            body.push_str(&format!(
                "<w:r><w:t xml:space=\"preserve\">{run}</w:t></w:r>"
            ));
        }
        body.push_str("</w:p>");
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut entries = vec![
        ("[Content_Types].xml", CONTENT_TYPES),
        ("word/document.xml", document.as_str()),
    ];
    entries.extend_from_slice(extra);
    zip_of(&entries)
}

pub(crate) const CORE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>关于开展检查的通知</dc:title><dc:creator>张三</dc:creator><cp:lastModifiedBy>李四 &amp; 王五</cp:lastModifiedBy></cp:coreProperties>"#;

/// A tiny valid PNG (1x1) with text chunks around the image data.
fn png_with_text() -> Vec<u8> {
    fn chunk(ty: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(ty);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]); // CRC is not checked by the stripper
        c
    }
    let mut png = PNG_MAGIC.to_vec();
    png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    png.extend(chunk(b"tEXt", b"Author\0Zhang San"));
    png.extend(chunk(b"iTXt", b"Comment\0\0\0\0\0secret"));
    png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]));
    png.extend(chunk(b"eXIf", b"MM\0*GPS"));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn jpeg_with_exif() -> Vec<u8> {
    fn seg(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }
    let mut j = vec![0xFF, 0xD8];
    j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(seg(0xE1, b"Exif\0\0MM\0*GPS 39.9N 116.4E Zhang San"));
    j.extend(seg(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>creator</x:xmpmeta>",
    ));
    j.extend(seg(0xE2, b"ICC_PROFILE\0\x01\x01profile"));
    j.extend(seg(0xED, b"Photoshop 3.0\0IPTC byline"));
    j.extend(seg(0xFE, b"taken by Zhang San"));
    j.extend(seg(0xDB, &[0; 65]));
    j.extend(seg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    j.extend(seg(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]); // scan data with stuffing and RST
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

#[test]
fn sniffs_every_allowed_kind_by_content() {
    let cases: Vec<(Vec<u8>, FileKind)> = vec![
        (b"%PDF-1.7\n...".to_vec(), FileKind::Pdf),
        (png_with_text(), FileKind::Png),
        (jpeg_with_exif(), FileKind::Jpeg),
        (b"GIF89a\x01\0\x01\0".to_vec(), FileKind::Gif),
        (b"RIFF\x24\0\0\0WEBPVP8 ".to_vec(), FileKind::Webp),
        (
            [OLE_MAGIC, &utf16le("WordDocument")].concat(),
            FileKind::Doc,
        ),
        ([OLE_MAGIC, &utf16le("Workbook")].concat(), FileKind::Xls),
        (docx_with(&[&["正文"]], &[]), FileKind::Docx),
        (
            zip_of(&[
                ("[Content_Types].xml", CONTENT_TYPES),
                ("xl/workbook.xml", "<workbook/>"),
            ]),
            FileKind::Xlsx,
        ),
        (
            zip_of(&[
                ("mimetype", "application/vnd.oasis.opendocument.text"),
                ("content.xml", "<x/>"),
            ]),
            FileKind::Odt,
        ),
        (
            zip_of(&[("mimetype", "application/vnd.oasis.opendocument.spreadsheet")]),
            FileKind::Ods,
        ),
        ("第一行\r\n第二行\t制表".as_bytes().to_vec(), FileKind::Text),
        (b"\xEF\xBB\xBFwith BOM".to_vec(), FileKind::Text),
        (b"ID3\x04\0\0\0\0\0\x00".to_vec(), FileKind::Mp3),
        (vec![0xFF, 0xFB, 0x90, 0x64, 0, 0], FileKind::Mp3),
        (
            b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec(),
            FileKind::Mp4,
        ),
        (b"\0\0\0\x20ftypM4A \0\0\0\0".to_vec(), FileKind::Mp4),
        (
            b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm\x42\x87".to_vec(),
            FileKind::Webm,
        ),
        (
            "WEBVTT\n\n00:00.000 --> 00:02.000\n各位听众"
                .as_bytes()
                .to_vec(),
            FileKind::Vtt,
        ),
        (
            b"\xEF\xBB\xBFWEBVTT - Kind: captions\r\n".to_vec(),
            FileKind::Vtt,
        ),
    ];
    for (bytes, kind) in cases {
        assert_eq!(sniff(&bytes), Ok(kind), "{kind:?}");
        assert_eq!(FileKind::from_media_type(kind.media_type()), Some(kind));
    }
}

#[test]
fn recordings_pair_with_captions_and_transcripts_by_stem() {
    let files = [
        ("第12期.mp3", FileKind::Mp3),
        ("说明.pdf", FileKind::Pdf),
        ("第12期.txt", FileKind::Text),
        ("访谈.mp4", FileKind::Mp4),
        ("访谈.vtt", FileKind::Vtt),
        ("无字幕.webm", FileKind::Webm),
        ("无字幕（遮蔽后）.txt", FileKind::Text),
        ("第12期.vtt", FileKind::Vtt),
    ];
    let alts = media_alternatives(&files);
    assert_eq!(
        alts,
        vec![
            MediaAlternatives {
                media: 0,
                captions: Some(7),
                transcript: Some(2)
            },
            MediaAlternatives {
                media: 3,
                captions: Some(4),
                transcript: None
            },
            MediaAlternatives {
                media: 5,
                captions: None,
                transcript: None
            },
        ]
    );
    assert!(alts[0].is_accessible() && alts[1].is_accessible());
    assert!(!alts[2].is_accessible());
    assert_eq!(stem("a.b.mp4"), "a.b");
    assert_eq!(stem(".vtt"), ".vtt");
    assert!(media_alternatives(&[("图.png", FileKind::Png)]).is_empty());
}

#[test]
fn refuses_zip_exe_and_binary() {
    let plain_zip = zip_of(&[("readme.txt", "hello")]);
    assert_eq!(sniff(&plain_zip), Err(FileTypeError::ZipNotAllowed));
    // A ZIP that only pretends to be OOXML (no main part) is still a ZIP.
    let fake = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("payload.exe", "MZ"),
    ]);
    assert_eq!(sniff(&fake), Err(FileTypeError::ZipNotAllowed));
    assert_eq!(
        sniff(b"MZ\x90\0\x03\0\0\0"),
        Err(FileTypeError::Unsupported)
    );
    assert_eq!(sniff(b"\x7fELF\x02\x01"), Err(FileTypeError::Unsupported));
    // HEIF images share MP4's box structure; Matroska that is not WebM is refused too.
    assert_eq!(
        sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
        Err(FileTypeError::Unsupported)
    );
    assert_eq!(
        sniff(b"\x1A\x45\xDF\xA3\x9F\x42\x82\x88matroska"),
        Err(FileTypeError::Unsupported)
    );
    // Text that merely mentions WEBVTT later is plain text; a caption file must be named .vtt.
    assert_eq!(sniff(b"notes: WEBVTT"), Ok(FileKind::Text));
    assert_eq!(sniff(b"WEBVTTX"), Ok(FileKind::Text));
    assert!(check(b"WEBVTT\n", "caption.txt", 1 << 20).is_err());
    assert_eq!(
        check(b"WEBVTT\n", "caption.vtt", 1 << 20),
        Ok(FileKind::Vtt)
    );
    assert_eq!(sniff(b"\xff\xfe\x00"), Err(FileTypeError::Unsupported));
    assert_eq!(sniff(b""), Err(FileTypeError::Empty));
    assert_eq!(
        sniff(&[OLE_MAGIC, b"other"].concat()),
        Err(FileTypeError::UnknownOle)
    );
    assert!(FileTypeError::ZipNotAllowed.to_string().contains("压缩包"));
}

#[test]
fn extension_must_match_content() {
    let docx = docx_with(&[&["x"]], &[]);
    assert_eq!(check(&docx, "通知.DOCX", 1 << 20), Ok(FileKind::Docx));
    let err = check(&docx, "通知.pdf", 1 << 20).unwrap_err();
    assert_eq!(
        err.to_string(),
        "文件扩展名 .pdf 与内容不符：内容是Word 文档（DOCX），扩展名应为 .docx"
    );
    assert!(matches!(
        check(&docx, "通知", 1 << 20),
        Err(FileTypeError::NoExtension { .. })
    ));
    assert!(matches!(
        check(&docx, ".docx", 1 << 20),
        Err(FileTypeError::NoExtension { .. })
    ));
    // HTML is UTF-8 text, but not under an .html name.
    assert!(matches!(
        check(b"<script>alert(1)</script>", "page.html", 1 << 20),
        Err(FileTypeError::ExtensionMismatch { .. })
    ));
    assert_eq!(
        check("甲,乙\n".as_bytes(), "名单.csv", 1 << 20),
        Ok(FileKind::Text)
    );
    assert_eq!(
        check(&jpeg_with_exif(), "photo.JPEG", 1 << 20),
        Ok(FileKind::Jpeg)
    );
}

#[test]
fn size_limit_is_checked_first() {
    let err = check(&[b'a'; 11], "a.txt", 10).unwrap_err();
    assert_eq!(
        err,
        FileTypeError::TooLarge {
            size: 11,
            limit: 10
        }
    );
    assert_eq!(err.to_string(), "文件大小 11 字节，超过上限 10 字节");
    assert_eq!(check(&[b'a'; 10], "a.txt", 10), Ok(FileKind::Text));
}

#[test]
fn png_text_chunks_are_removed_and_image_chunks_kept() {
    let s = strip_metadata(FileKind::Png, &png_with_text()).unwrap();
    assert!(!contains(&s.bytes, b"Zhang San"));
    assert!(!contains(&s.bytes, b"secret"));
    assert!(!contains(&s.bytes, b"eXIf"));
    for ty in [&b"IHDR"[..], b"IDAT", b"IEND"] {
        assert!(contains(&s.bytes, ty));
    }
    assert_eq!(s.removed.len(), 2, "{:?}", s.removed);
    // Stripping is idempotent and the result is still a PNG.
    assert_eq!(sniff(&s.bytes), Ok(FileKind::Png));
    let again = strip_metadata(FileKind::Png, &s.bytes).unwrap();
    assert_eq!(again.bytes, s.bytes);
    assert!(again.removed.is_empty());
}

#[test]
fn jpeg_exif_xmp_iptc_and_comments_are_removed() {
    let original = jpeg_with_exif();
    let s = strip_metadata(FileKind::Jpeg, &original).unwrap();
    assert!(!contains(&s.bytes, b"Zhang San"));
    assert!(!contains(&s.bytes, b"GPS"));
    assert!(!contains(&s.bytes, b"xmpmeta"));
    assert!(!contains(&s.bytes, b"IPTC"));
    assert!(contains(&s.bytes, b"JFIF"));
    assert!(contains(&s.bytes, b"ICC_PROFILE"));
    // Everything from the start of scan on is copied byte for byte.
    let sos = |b: &[u8]| b.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    assert_eq!(&s.bytes[sos(&s.bytes)..], &original[sos(&original)..]);
    assert_eq!(s.removed.len(), 4, "{:?}", s.removed);
    assert_eq!(
        strip_metadata(FileKind::Jpeg, &s.bytes).unwrap().bytes,
        s.bytes
    );
}

#[test]
fn docx_author_fields_are_blanked() {
    let docx = docx_with(
        &[&["正文"]],
        &[
            ("docProps/core.xml", CORE_XML),
            (
                "docProps/app.xml",
                "<Properties><Company>某某科技有限公司</Company><Pages>1</Pages></Properties>",
            ),
        ],
    );
    let s = strip_metadata(FileKind::Docx, &docx).unwrap();
    assert_eq!(s.removed.len(), 2);
    let mut archive = open_zip(&s.bytes).unwrap();
    let core = String::from_utf8(
        read_entry(&mut archive, "docProps/core.xml")
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert!(!core.contains("张三") && !core.contains("李四"), "{core}");
    assert!(core.contains("<dc:creator></dc:creator>"), "{core}");
    assert!(core.contains("关于开展检查的通知"), "title kept: {core}");
    let app = String::from_utf8(
        read_entry(&mut archive, "docProps/app.xml")
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert!(!app.contains("某某科技"));
    assert!(app.contains("<Pages>1</Pages>"));
    // The document itself is unchanged and still recognised.
    let body = read_entry(&mut archive, "word/document.xml")
        .unwrap()
        .unwrap();
    assert!(String::from_utf8(body).unwrap().contains("正文"));
    assert_eq!(sniff(&s.bytes), Ok(FileKind::Docx));
    let again = strip_metadata(FileKind::Docx, &s.bytes).unwrap();
    assert!(again.removed.is_empty());
}

#[test]
fn odt_creator_is_blanked() {
    let odt = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        (
            "meta.xml",
            "<office:document-meta xmlns:office=\"o\" xmlns:meta=\"m\" xmlns:dc=\"d\"><office:meta><meta:initial-creator>赵六</meta:initial-creator><dc:creator>钱七</dc:creator></office:meta></office:document-meta>",
        ),
    ]);
    let s = strip_metadata(FileKind::Odt, &odt).unwrap();
    let mut archive = open_zip(&s.bytes).unwrap();
    let meta = String::from_utf8(read_entry(&mut archive, "meta.xml").unwrap().unwrap()).unwrap();
    assert!(!meta.contains("赵六") && !meta.contains("钱七"), "{meta}");
    // The mimetype entry stays first, as ODF requires.
    assert_eq!(archive.by_index(0).unwrap().name().unwrap(), "mimetype");
    assert_eq!(sniff(&s.bytes), Ok(FileKind::Odt));
}

#[test]
fn kinds_without_stripping_are_unchanged() {
    for (kind, bytes) in [
        (FileKind::Pdf, &b"%PDF-1.4 /Author (x)"[..]),
        (FileKind::Text, b"abc"),
    ] {
        let s = strip_metadata(kind, bytes).unwrap();
        assert_eq!(s.bytes, bytes);
        assert!(s.removed.is_empty());
    }
}

#[test]
fn truncated_images_are_corrupt_not_panics() {
    let jpeg = jpeg_with_exif();
    let png = png_with_text();
    // Cut before the start of scan: the segment walk runs out of data.
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    for cut in 0..sos {
        assert!(
            strip_metadata(FileKind::Jpeg, &jpeg[..cut]).is_err(),
            "cut {cut}"
        );
    }
    // Cut inside the IHDR chunk.
    for cut in [0, 4, PNG_MAGIC.len() + 5, PNG_MAGIC.len() + 20] {
        assert!(
            strip_metadata(FileKind::Png, &png[..cut]).is_err(),
            "cut {cut}"
        );
    }
}

proptest! {
    #[test]
    fn sniff_and_strip_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300), k in 0usize..16) {
        let kind = FileKind::ALL[k];
        let _ = sniff(&bytes);
        let _ = strip_metadata(kind, &bytes);
        // A recognised kind always has a matching extension, and a mismatching one never passes.
        if let Ok(found) = sniff(&bytes) {
            prop_assert_eq!(check_extension(found, &format!("f.{}", found.extensions()[0])), Ok(()));
            prop_assert!(check_extension(found, "f.exe").is_err());
        }
    }

    #[test]
    fn jpeg_prefix_fuzz(tail in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = vec![0xFF, 0xD8, 0xFF];
        bytes.extend(tail);
        if let Ok(s) = strip_metadata(FileKind::Jpeg, &bytes) {
            prop_assert!(s.bytes.starts_with(&[0xFF, 0xD8]) && s.bytes.len() <= bytes.len());
        }
        let mut png = PNG_MAGIC.to_vec();
        png.extend(&bytes);
        if let Ok(s) = strip_metadata(FileKind::Png, &png) {
            prop_assert!(s.bytes.starts_with(PNG_MAGIC) && s.bytes.len() <= png.len());
        }
    }
}
