//! The pre-publication scanner (`Scanner::scan`, with a sensitive-word list) and masking
//! (`mask::mask_text`).
//!
//! Properties: findings are ordered, non-overlapping, inside the text, and their `text` is the
//! original slice at their character offsets; masking every finding succeeds, keeps the text's
//! length in characters, puts each finding's `suggested_mask` at its place, and never leaves
//! the original number: a rescan finds no blocking personal data inside a masked span.
#![no_main]

use std::sync::LazyLock;

use gongkai_core::mask::{self, MaskPolicy};
use gongkai_core::scan::{FindingKind, ScanConfig, Scanner, SensitiveWords};
use libfuzzer_sys::fuzz_target;

static SCANNER: LazyLock<Option<Scanner>> = LazyLock::new(|| {
    let words = SensitiveWords::new(["内部讨论稿", "Secret Project", "涉密", "ab"]).ok()?;
    Scanner::new(ScanConfig {
        sensitive_words: Some(words),
        ..ScanConfig::default()
    })
    .ok()
});

/// Kinds that are personal numbers or addresses: masking must hide them for good.
fn hidden_for_good(kind: FindingKind) -> bool {
    matches!(
        kind,
        FindingKind::ResidentId
            | FindingKind::LegacyResidentId
            | FindingKind::DisabilityCert
            | FindingKind::Mobile
            | FindingKind::BankCard
            | FindingKind::Email
    )
}

fuzz_target!(|text: &str| {
    let Some(scanner) = SCANNER.as_ref() else {
        return;
    };
    let findings = scanner.scan(text);
    let chars: Vec<char> = text.chars().collect();
    let mut last_end = 0;
    for f in &findings {
        assert!(f.start < f.end && f.end <= chars.len(), "{f:?}");
        assert!(f.start >= last_end, "overlap or disorder: {findings:?}");
        last_end = f.end;
        let slice: String = chars[f.start..f.end].iter().collect();
        assert_eq!(slice, f.text, "{f:?}");
        assert_eq!(f.blocking, f.kind.blocking());
    }

    let policy = MaskPolicy::default();
    let masked = mask::mask_text(text, &findings, &policy)
        .unwrap_or_else(|e| panic!("masking the scanner's own findings: {e}"));
    let masked_chars: Vec<char> = masked.chars().collect();
    assert_eq!(masked_chars.len(), chars.len(), "{masked:?}");
    for f in &findings {
        let at: String = masked_chars[f.start..f.end].iter().collect();
        assert_eq!(at, f.suggested_mask, "{f:?}");
        if hidden_for_good(f.kind) {
            assert_ne!(f.suggested_mask, f.text, "{f:?}");
        }
    }
    for again in scanner.scan(&masked) {
        if !hidden_for_good(again.kind) {
            continue;
        }
        let inside = findings
            .iter()
            .any(|f| hidden_for_good(f.kind) && f.start <= again.start && again.end <= f.end);
        assert!(
            !inside,
            "masked text still shows {again:?}\ntext: {text:?}\nmasked: {masked:?}"
        );
    }
});
