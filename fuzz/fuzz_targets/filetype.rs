//! Attachment admission (`filetype::sniff`, `check`) and metadata stripping
//! (`filetype::strip_metadata`: the JPEG segment walk, the PNG chunk walk, the DOCX/XLSX/ODT
//! ZIP rewrite), as `gongkai-store::attachments::store_file` runs them.
//!
//! Properties: nothing panics; a file admitted under its kind's extension is admitted again
//! after stripping as the same kind (stripping never turns a file into something else), and
//! stripping is complete in one pass (stripping the result removes nothing more).
#![no_main]

use gongkai_core::filetype::{self, FileKind};
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 20 * 1024 * 1024;

fuzz_target!(|bytes: &[u8]| {
    let Ok(kind) = filetype::sniff(bytes) else {
        return;
    };
    let name = format!("附件.{}", kind.extensions()[0]);
    assert_eq!(filetype::check(bytes, &name, LIMIT), Ok(kind));
    // Any other kind's extension is refused.
    for other in FileKind::ALL {
        if !other
            .extensions()
            .iter()
            .any(|e| kind.extensions().contains(e))
        {
            let wrong = format!("附件.{}", other.extensions()[0]);
            assert!(
                filetype::check(bytes, &wrong, LIMIT).is_err(),
                "{kind:?} as {wrong}"
            );
        }
    }
    let Ok(stripped) = filetype::strip_metadata(kind, bytes) else {
        return;
    };
    assert_eq!(
        filetype::sniff(&stripped.bytes),
        Ok(kind),
        "stripping changed the kind (removed {:?})",
        stripped.removed
    );
    match filetype::strip_metadata(kind, &stripped.bytes) {
        Ok(twice) => assert!(
            twice.removed.is_empty(),
            "second pass removed {:?} after {:?}",
            twice.removed,
            stripped.removed
        ),
        Err(e) => panic!("the stripped {kind:?} no longer reads: {e}"),
    }
});
