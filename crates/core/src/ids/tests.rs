//! Tests of the `ids::check` entry point: REG §6 vectors, kind recognition, normalisation, and
//! property tests (no panics; single-character errors caught; independent checksum formulas).

use super::*;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
}

fn with_check(body17: &str) -> String {
    let c = resident::check_char(body17.as_bytes()).unwrap();
    format!("{body17}{}", char::from(c))
}

/// python-stdnum's one-liner (REG §6.1), restated independently: (1 − 2·int(first17, 13)) mod 11.
fn base13_check(first17: &str) -> char {
    let n = first17
        .bytes()
        .fold(0u128, |acc, d| acc * 13 + u128::from(d - b'0'));
    let v = (1 + 2 * (11 - n % 11)) % 11;
    if v == 10 {
        'X'
    } else {
        char::from(b'0' + v as u8)
    }
}

#[test]
fn reg_vectors_through_the_entry_point() {
    for id in [
        "11010519491231002X",
        "360426199101010071",
        "110101199003074477",
    ] {
        let r = check(id, today());
        assert_eq!(r.kind, IdKind::ResidentId, "{id}");
        assert!(r.valid, "{id}: {:?}", r.reason);
        assert_eq!(r.reason, None);
    }
    for id in ["91110000600037341L", "91110108551385082Q"] {
        let r = check(id, today());
        assert_eq!(r.kind, IdKind::Uscc, "{id}");
        assert!(r.valid, "{id}: {:?}", r.reason);
    }
    assert!(uscc::org_code_ok(b"000014349"));
}

#[test]
fn lower_case_x_and_full_width_are_normalised() {
    let r = check(" 11010519491231002x\n", today());
    assert!(r.valid);
    assert_eq!(r.number, "11010519491231002X");
    assert_eq!(r.input, " 11010519491231002x\n");
    let r = check("１１０１０１１９９００３０７４４７７", today());
    assert!(r.valid, "{:?}", r.reason);
    assert_eq!(r.number, "110101199003074477");
    let r = check("9111 0000 6000 3734 1l", today());
    assert!(r.valid);
    assert_eq!(r.kind, IdKind::Uscc);
}

#[test]
fn kinds_and_reasons() {
    let r = check("110101900307447", today());
    assert_eq!(r.kind, IdKind::ResidentIdLegacy);
    assert!(!r.valid);
    assert!(r.reason.is_some_and(|m| m.contains("2013年1月1日")));

    let r = check("11010519491231002X41", today());
    assert_eq!(r.kind, IdKind::DisabilityCert);
    assert!(r.valid);
    assert_eq!(r.fields.disability_category_name, Some("肢体残疾"));
    assert_eq!(r.fields.disability_level_name, Some("一级"));
    assert_eq!(r.fields.sex, Some(Sex::Female));

    let r = check("1101011990030744", today());
    assert_eq!(r.kind, IdKind::Unknown);
    assert!(r.reason.is_some_and(|m| m.starts_with("长度不符")));

    let r = check("", today());
    assert_eq!(r.kind, IdKind::Unknown);
    assert_eq!(r.reason.as_deref(), Some("输入为空"));

    let r = check("张三李四王五", today());
    assert_eq!(r.kind, IdKind::Unknown);
    assert!(!r.valid);

    let r = check("110101199003074478", today());
    assert_eq!(r.kind, IdKind::ResidentId);
    assert_eq!(r.reason.as_deref(), Some("校验码错误：应为7"));
}

#[test]
fn all_digit_uscc_is_recognised_when_only_that_reading_is_valid() {
    // An all-digit USCC: the resident reading fails (checksum or date), the USCC reading passes.
    let mut found = 0;
    for n in 0u32..2000 {
        let body = format!("91110000{:09}", 600_000_000 + n);
        let Some(c) = uscc::check_char(body.as_bytes()) else {
            continue;
        };
        if !c.is_ascii_digit() {
            continue;
        }
        let s = format!("{body}{}", char::from(c));
        let r = check(&s, today());
        let resident_ok = resident::check_18(&s, today()).reason.is_none();
        if resident_ok {
            assert_eq!(r.kind, IdKind::ResidentId);
        } else {
            assert_eq!(r.kind, IdKind::Uscc, "{s}");
            assert!(r.valid);
            found += 1;
        }
    }
    assert!(found > 10);
}

#[test]
fn mistyped_id_that_reads_as_a_valid_uscc_stays_a_resident_id() {
    let mut found = 0;
    for seq in 0..1000 {
        let body = format!("11010119900307{seq:03}");
        let (Some(u), Some(r)) = (
            uscc::check_char(body.as_bytes()),
            resident::check_char(body.as_bytes()),
        ) else {
            continue;
        };
        if u == r || !(u.is_ascii_digit() || u == b'X') {
            continue;
        }
        let s = format!("{body}{}", char::from(u));
        let result = check(&s, today());
        assert_eq!(result.kind, IdKind::ResidentId, "{s}");
        assert_eq!(
            result.reason,
            Some(format!("校验码错误：应为{}", char::from(r)))
        );
        found += 1;
    }
    assert!(found > 100, "{found}");
}

#[test]
fn json_shape() {
    let r = check("11010519491231002X", today());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["kind"], "resident_id");
    assert_eq!(v["valid"], true);
    assert_eq!(v["reason"], serde_json::Value::Null);
    assert_eq!(v["birth_date"], "1949-12-31");
    assert_eq!(v["sex"], "female");
    assert_eq!(v["region_code"], "110105");
    assert_eq!(v["region"], "北京市朝阳区");
    assert!(v["warnings"].as_array().is_some_and(Vec::is_empty));
}

/// A valid 18-character ID: current region, date between 1900 and `today`, any sequence.
fn valid_id() -> impl Strategy<Value = String> {
    let current: Vec<&'static str> = regions::table()
        .iter()
        .filter(|p| p.is_current() && !p.code.ends_with("00"))
        .map(|p| p.code)
        .collect();
    (
        proptest::sample::select(current),
        0i64..(125 * 365),
        0u32..1000,
    )
        .prop_map(|(region, days, seq)| {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            with_check(&format!("{region}{}{seq:03}", date.format("%Y%m%d")))
        })
}

/// Regression (fuzz target `ids`): after NFKC turned U+0385 ΅ and U+00B4 ´ into a space plus
/// combining marks, dropping the spaces left marks out of canonical order, so normalising the
/// normalised number changed it again, and the same input could be checked two ways.
#[test]
fn normalize_is_idempotent_when_dropped_spaces_leave_combining_marks() {
    let input = " 11086810009391238681000939123\u{305}\u{385}\u{345}\u{305} \u{305}\u{385}\u{345}\u{305} 123\u{305}\u{305}\u{345}\u{305} 00000";
    let once = normalize(input);
    assert_eq!(normalize(&once), once);
    assert_eq!(normalize("e\u{b4}"), "\u{c9}", "´ after e: É");
    let (a, b) = (check(input, today()), check(&once, today()));
    assert_eq!((a.kind, a.valid, a.reason), (b.kind, b.valid, b.reason));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_any_string(s in any::<String>()) {
        let r = check(&s, today());
        prop_assert_eq!(r.valid, r.reason.is_none());
        prop_assert!(serde_json::to_string(&r).is_ok());
    }

    #[test]
    fn normalize_is_idempotent(s in any::<String>()) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn never_panics_on_id_like_strings(s in "[0-9Xx０-９ \\-]{0,24}") {
        let r = check(&s, today());
        prop_assert_eq!(r.valid, r.reason.is_none());
    }

    #[test]
    fn generated_ids_are_valid(id in valid_id()) {
        let r = check(&id, today());
        prop_assert!(r.valid, "{}: {:?}", id, r.reason);
        prop_assert_eq!(r.kind, IdKind::ResidentId);
        let seq_digit = id.as_bytes()[16] - b'0';
        prop_assert_eq!(r.fields.sex, Some(if seq_digit % 2 == 1 { Sex::Male } else { Sex::Female }));
        prop_assert!(r.fields.region.is_some());
    }

    #[test]
    fn one_changed_character_fails(id in valid_id(), pos in 0usize..18, delta in 1u8..11) {
        // MOD 11-2 catches every single substitution (REG §6.1).
        let alphabet = b"0123456789X";
        let mut b = id.into_bytes();
        let old = alphabet.iter().position(|&c| c == b[pos]).unwrap();
        let new = alphabet[(old + usize::from(delta)) % 11];
        prop_assume!(pos == 17 || new != b'X');
        b[pos] = new;
        let s = String::from_utf8(b).unwrap();
        prop_assert!(!resident::checksum_ok(s.as_bytes()));
        let r = check(&s, today());
        prop_assert!(r.kind != IdKind::ResidentId || !r.valid, "{}", s);
    }

    #[test]
    fn adjacent_transposition_fails(id in valid_id(), pos in 0usize..16) {
        let mut b = id.into_bytes();
        prop_assume!(b[pos] != b[pos + 1]);
        b.swap(pos, pos + 1);
        prop_assert!(!resident::checksum_ok(&b));
    }

    #[test]
    fn random_17_digits_check_char(body in "[0-9]{17}") {
        let full = with_check(&body);
        prop_assert!(resident::checksum_ok(full.as_bytes()));
        prop_assert_eq!(full.chars().last(), Some(base13_check(&body)));
    }

    #[test]
    fn uscc_check_char_and_single_errors(body in "[0-9A-HJ-NPQRTUWXY]{17}", pos in 0usize..18, delta in 1usize..31) {
        let c = uscc::check_char(body.as_bytes()).unwrap();
        let mut b = body.into_bytes();
        b.push(c);
        prop_assert!(uscc::checksum_ok(&b));
        // Independent restatement: Σ vᵢ·3ⁱ + v₁₈ ≡ 0 (mod 31).
        let total: u32 = b.iter().enumerate().map(|(i, ch)| {
            let w = if i == 17 { 1 } else { (0..i).fold(1u32, |w, _| w * 3 % 31) };
            uscc::char_value(*ch).unwrap() * w
        }).sum();
        prop_assert_eq!(total % 31, 0);
        let alphabet = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        let old = alphabet.iter().position(|&x| x == b[pos]).unwrap();
        b[pos] = alphabet[(old + delta) % 31];
        prop_assert!(!uscc::checksum_ok(&b));
    }
}
