//! Attachment text extraction (`extract::extract_text`: DOCX/XLSX/ODF XML through the ZIP
//! reader, the PDF text layer through lopdf, WebVTT cues, plain text) for every kind the
//! sniffer recognises, as the scanner gate runs it on uploads.
//!
//! Properties: nothing panics; a complete extraction carries no notes and an incomplete one
//! says why; the text is normalised (no empty lines, lines trimmed of spaces and tabs).
#![no_main]

use gongkai_core::extract::{extract_text, vtt_text};
use gongkai_core::filetype;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = vtt_text(text);
    }
    let Ok(kind) = filetype::sniff(bytes) else {
        return;
    };
    let Ok(x) = extract_text(kind, bytes) else {
        return;
    };
    assert_eq!(x.complete, x.notes.is_empty(), "{kind:?}: {:?}", x.notes);
    if !x.text.is_empty() {
        for line in x.text.split('\n') {
            assert!(!line.is_empty(), "{kind:?}: empty line in {:?}", x.text);
            assert_eq!(
                line,
                line.trim_matches(|c: char| c == ' ' || c == '\t'),
                "{kind:?}"
            );
        }
    }
});
