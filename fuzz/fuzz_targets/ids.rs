//! Identity-number validators (`gongkai_core::ids`, REG §6) and the log redaction of ID-shaped
//! tokens (`mask::redact_id_numbers`).
//!
//! Properties: `check` never panics; a number reported valid really is one (the check
//! character recomputes, the birth date is the one in the number and not after today, a
//! disability certificate's category and level are in range); checking the normalised number
//! gives the same verdict as checking the input; redaction is idempotent and keeps the length.
#![no_main]

use chrono::NaiveDate;
use gongkai_core::ids::{self, IdKind, resident, uscc};
use gongkai_core::mask::redact_id_numbers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let Some(today) = NaiveDate::from_ymd_opt(2026, 1, 1) else {
        return;
    };
    let c = ids::check(input, today);
    assert_eq!(c.valid, c.reason.is_none(), "{c:?}");
    let n = c.number.as_bytes();
    if c.valid {
        match c.kind {
            IdKind::ResidentId | IdKind::DisabilityCert => {
                assert!(n.len() >= 18, "{c:?}");
                assert!(resident::checksum_ok(&n[..18]), "check character: {c:?}");
                let birth = c.fields.birth_date.unwrap_or_else(|| panic!("{c:?}"));
                assert!(birth <= today, "{c:?}");
                assert_eq!(
                    birth.format("%Y%m%d").to_string().as_bytes(),
                    &n[6..14],
                    "{c:?}"
                );
                if c.kind == IdKind::DisabilityCert {
                    assert!(matches!(c.fields.disability_category, Some(1..=7)), "{c:?}");
                    assert!(matches!(c.fields.disability_level, Some(1..=4)), "{c:?}");
                }
            }
            IdKind::Uscc => assert!(uscc::checksum_ok(n), "check character: {c:?}"),
            IdKind::ResidentIdLegacy | IdKind::Unknown => {
                panic!("never valid: {c:?}")
            }
        }
    }
    // Normalisation is idempotent, and the verdict depends on the normalised number only.
    assert_eq!(ids::normalize(&c.number), c.number, "{input:?}");
    let again = ids::check(&c.number, today);
    assert_eq!(
        (again.kind, again.valid, &again.reason),
        (c.kind, c.valid, &c.reason),
        "{input:?}"
    );

    let redacted = redact_id_numbers(input);
    assert_eq!(redacted.chars().count(), input.chars().count());
    assert_eq!(redact_id_numbers(&redacted), redacted);
});
