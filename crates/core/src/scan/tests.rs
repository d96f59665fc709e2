//! Scanner tests: worked examples of every kind, and property tests with planted numbers in noisy
//! Chinese text, checked against plain-string oracles.

use super::*;
use crate::ids;
use crate::mask::{MaskPolicy, mask_text};
use proptest::prelude::*;

fn scanner() -> Scanner {
    Scanner::new(ScanConfig::default()).unwrap()
}

fn kinds(text: &str) -> Vec<(FindingKind, String)> {
    scanner()
        .scan(text)
        .into_iter()
        .map(|f| (f.kind, f.text))
        .collect()
}

fn one(text: &str, kind: FindingKind) -> Finding {
    let found: Vec<Finding> = scanner()
        .scan(text)
        .into_iter()
        .filter(|f| f.kind == kind)
        .collect();
    assert_eq!(found.len(), 1, "{text:?}: {found:?}");
    found.into_iter().next().unwrap()
}

/// A valid resident ID from its first 17 digits.
fn with_check(first17: &str) -> String {
    let c = ids::resident::check_char(first17.as_bytes()).unwrap();
    format!("{first17}{}", c as char)
}

#[test]
fn resident_ids_plain_and_noisy() {
    let f = one(
        "申请人身份证号码11010519491231002X，请核实。",
        FindingKind::ResidentId,
    );
    assert_eq!((f.start, f.end), (8, 26));
    assert_eq!(f.text, "11010519491231002X");
    assert_eq!(f.suggested_mask, "110105********002X");
    assert_eq!(f.confidence, Confidence::High);
    assert!(f.blocking);
    // full-width, lower-case x, spaces, zero-width characters and a line break inside
    for noisy in [
        "１１０１０５１９４９１２３１００２ｘ",
        "110105 19491231 002X",
        "1101\u{200B}0519491231002X",
        "11010519491\n231002X",
        "110105\u{3000}1949\r\n1231002x",
    ] {
        let text = format!("号码：{noisy}。");
        let f = one(&text, FindingKind::ResidentId);
        assert_eq!(f.text, noisy);
        assert_eq!(f.start, 3);
        assert_eq!(f.end, 3 + noisy.chars().count());
    }
    // a wrong check digit is no ID; too long or glued to more digits neither
    assert!(kinds("11010519491231002Y").is_empty());
    assert!(
        !kinds("号码110105194912310021。")
            .iter()
            .any(|(k, _)| *k == FindingKind::ResidentId)
    );
    assert!(
        !kinds("号码911010519491231002X。")
            .iter()
            .any(|(k, _)| *k == FindingKind::ResidentId)
    );
    // an impossible birth date is rejected even with a correct check digit
    let bad_date = with_check("11010519490231002");
    assert!(
        !kinds(&bad_date)
            .iter()
            .any(|(k, _)| *k == FindingKind::ResidentId)
    );
}

#[test]
fn disability_cert_contains_the_id_once() {
    let f = one(
        "残疾人证号：11010519491231002X42。",
        FindingKind::DisabilityCert,
    );
    assert_eq!(f.text, "11010519491231002X42");
    assert_eq!(f.suggested_mask, "110105********002X**");
    assert_eq!(
        scanner().scan("残疾人证号：11010519491231002X42。").len(),
        1
    );
    // category 8 or level 5 do not exist: the ID alone is not found either (no digit boundary)
    assert!(kinds("证号11010519491231002X85。").is_empty());
}

#[test]
fn legacy_fifteen_digit_ids() {
    let f = one("旧证号110105491231002。", FindingKind::LegacyResidentId);
    assert_eq!(f.confidence, Confidence::Medium);
    assert!(kinds("编号110105491331002。").is_empty()); // month 13
}

#[test]
fn mobiles_and_landlines() {
    let f = one("联系电话：13812345678", FindingKind::Mobile);
    assert_eq!(f.suggested_mask, "138****5678");
    assert_eq!(
        one("手机 138 1234 5678。", FindingKind::Mobile).text,
        "138 1234 5678"
    );
    assert_eq!(
        one("手机138-1234-5678。", FindingKind::Mobile).text,
        "138-1234-5678"
    );
    assert_eq!(
        one("+86 13812345678", FindingKind::Mobile).text,
        "13812345678"
    );
    // digit boundaries: 12 digits or a 2 in second place are no mobile
    assert!(
        kinds("编号138123456789。")
            .iter()
            .all(|(k, _)| *k != FindingKind::Mobile)
    );
    assert!(kinds("编号12812345678。").is_empty());
    // badly grouped digits are not joined into a mobile
    assert!(kinds("共13 812 345 678元").is_empty());
    let l = one("办公电话010-12345678。", FindingKind::Landline);
    assert!(!l.blocking);
    assert_eq!(l.suggested_mask, "010-****5678");
    assert_eq!(
        one("电话0755 1234567", FindingKind::Landline).text,
        "0755 1234567"
    );
}

#[test]
fn bank_cards_and_accounts() {
    // 6222021234567890128 passes Luhn
    assert!(numbers::luhn_ok(b"6222021234567890128"));
    let f = one("卡号6222021234567890128。", FindingKind::BankCard);
    assert_eq!(f.suggested_mask, "6222***********0128");
    assert_eq!(
        one("卡号6222 0212 3456 7890 128。", FindingKind::BankCard).text,
        "6222 0212 3456 7890 128"
    );
    let a = one("账号6222021234567890127。", FindingKind::AccountNumber);
    assert_eq!(a.confidence, Confidence::Low);
    assert!(!a.blocking);
    // part of a code with letters: not a card
    assert!(kinds("订单ABC6222021234567890128。").is_empty());
}

#[test]
fn emails_and_usccs() {
    let e = one("邮箱：zhang.san@example.com.cn。", FindingKind::Email);
    assert_eq!(e.text, "zhang.san@example.com.cn");
    assert_eq!(e.suggested_mask, "z********@example.com.cn");
    assert_eq!(
        one("邮箱ｚｓ＠ｑｑ．ｃｏｍ。", FindingKind::Email).text,
        "ｚｓ＠ｑｑ．ｃｏｍ"
    );
    // the mobile inside the local part is part of the e-mail
    let found = kinds("13812345678@163.com");
    assert_eq!(
        found,
        vec![(FindingKind::Email, "13812345678@163.com".to_string())]
    );
    assert!(kinds("a@b 与 @foo.com 与 x@y.c").is_empty());
    let u = one("统一社会信用代码91110000600037341L。", FindingKind::Uscc);
    assert!(!u.blocking);
    assert_eq!(u.confidence, Confidence::High);
    assert!(
        kinds("代码91110000600037341M。")
            .iter()
            .all(|(k, _)| *k != FindingKind::Uscc)
    );
}

#[test]
fn ids_and_cards_win_over_an_all_digit_uscc_reading() {
    // Resident IDs that happen to pass the USCC mod-31 check are still IDs.
    let both: Vec<String> = (0..1000)
        .map(|seq| with_check(&format!("11010519491231{seq:03}")))
        .chain((0..1000).map(|seq| with_check(&format!("4403051990{:04}{seq:03}", 101 + seq % 28))))
        .filter(|id| ids::uscc::checksum_ok(id.as_bytes()))
        .collect();
    assert!(both.iter().any(|id| id.ends_with('X')), "no example with X");
    for id in &both {
        assert_eq!(
            one(&format!("号码{id}。"), FindingKind::ResidentId).text,
            *id
        );
    }
    // 18-digit card numbers that pass the USCC check are cards (blocking), not tags.
    let cards: Vec<String> = (0..20_000u64)
        .map(|i| format!("62220212{:09}", i * 7919))
        .filter_map(|body| {
            (b'0'..=b'9')
                .map(|c| format!("{body}{}", c as char))
                .find(|c| numbers::luhn_ok(c.as_bytes()))
        })
        .filter(|c| ids::uscc::checksum_ok(c.as_bytes()) && !numbers::resident_id_ok(c.as_bytes()))
        .take(5)
        .collect();
    assert!(!cards.is_empty());
    for c in &cards {
        assert_eq!(one(&format!("卡号{c}。"), FindingKind::BankCard).text, *c);
    }
    // An all-digit code that is nothing else stays a USCC tag.
    let plain = (0..100_000u64)
        .map(|i| format!("91110000{:09}", i * 37))
        .filter_map(|b| ids::uscc::check_char(b.as_bytes()).map(|c| format!("{b}{}", c as char)))
        .find(|c| {
            c.bytes().all(|b| b.is_ascii_digit())
                && !numbers::luhn_ok(c.as_bytes())
                && !numbers::resident_id_ok(c.as_bytes())
        })
        .unwrap();
    assert_eq!(
        one(&format!("代码{plain}。"), FindingKind::Uscc).text,
        plain
    );
}

#[test]
fn classification_markings() {
    let high = |t: &str, marked: &str| {
        let f = one(t, FindingKind::Classification);
        assert_eq!(
            (f.text.as_str(), f.confidence, f.blocking),
            (marked, Confidence::High, true),
            "{t}"
        );
    };
    high("秘密★1年\n关于某事项的通知", "秘密★1年");
    high("机密★\n正文", "机密★");
    high("绝密★长期", "绝密★长期");
    high("  机密 ★ 10年  特急", "机密 ★ 10年");
    high("秘密\n正文", "秘密");
    high("内部\n会议纪要", "内部");
    high("内部资料  注意保存", "内部资料");
    high("保密期限：20年", "保密期限：20年");
    high("工作秘密★", "工作秘密★");
    let medium = |t: &str, marked: &str| {
        let f = one(t, FindingKind::Classification);
        assert_eq!(
            (f.text.as_str(), f.confidence, f.blocking),
            (marked, Confidence::Medium, true),
            "{t}"
        );
    };
    medium("该文件属于机密，不得外传。", "机密");
    medium("本材料涉及工作秘密。", "工作秘密");
    medium("内部资料不得外传。", "内部资料");
    medium("应当确定保密期限。", "保密期限");
    // Legal prose is not a marking.
    for prose in [
        "行政机关不得公开涉及国家秘密的信息。",
        "依照《中华人民共和国保守国家秘密法》",
        "涉及商业秘密、个人隐私的",
        "加强内部管理，完善内部控制。",
        "保障数据的机密性和完整性。",
    ] {
        assert!(kinds(prose).is_empty(), "{prose}: {:?}", kinds(prose));
    }
}

#[test]
fn name_suggestions() {
    let f = one("申请人：张三于2024年提出申请。", FindingKind::Name);
    assert_eq!(f.text, "张三");
    assert_eq!(f.confidence, Confidence::Low);
    assert!(!f.blocking);
    assert_eq!(f.suggested_mask, "张某");
    assert_eq!(
        one("联系人欧阳娜娜，电话010-12345678", FindingKind::Name).text,
        "欧阳娜娜"
    );
    assert_eq!(one("经办人为李小明。", FindingKind::Name).text, "李小明");
    assert_eq!(
        one("王五，身份证号11010519491231002X", FindingKind::Name).text,
        "王五"
    );
    assert_eq!(one("请联系赵六13812345678", FindingKind::Name).text, "赵六");
    assert_eq!(
        one("姓名：刘德华 性别：男", FindingKind::Name).text,
        "刘德华"
    );
    assert!(kinds("申请人应当如实填写。").is_empty());
    let quiet = Scanner::new(ScanConfig {
        suggest_names: false,
        ..ScanConfig::default()
    })
    .unwrap();
    assert!(quiet.scan("申请人：张三").is_empty());
}

#[test]
fn sensitive_words_and_sharing() {
    let words = SensitiveWords::parse_list("# 词表\n敏感词\n\n敏感词汇\n  Secret  \n").unwrap();
    assert_eq!(words.len(), 3);
    let a = Scanner::new(ScanConfig {
        sensitive_words: Some(words.clone()),
        ..ScanConfig::default()
    })
    .unwrap();
    let found = a.scan("这是敏感词汇，也有敏感词和SECRET。");
    let texts: Vec<_> = found.iter().map(|f| (f.kind, f.text.as_str())).collect();
    assert_eq!(
        texts,
        vec![
            (FindingKind::SensitiveWord, "敏感词汇"),
            (FindingKind::SensitiveWord, "敏感词"),
            (FindingKind::SensitiveWord, "SECRET"),
        ]
    );
    // one compiled list shared by several scanners across threads
    let b = Scanner::new(ScanConfig {
        sensitive_words: Some(words),
        ..ScanConfig::default()
    })
    .unwrap();
    let handle = std::thread::spawn(move || b.scan("敏感词").len());
    assert_eq!(handle.join().unwrap(), 1);
    assert!(SensitiveWords::new(["", "  "]).unwrap().is_empty());
}

#[test]
fn offsets_are_chars_of_the_original_and_findings_do_not_overlap() {
    let text = "秘密★1年\n申请人：张三，身份证号１１０１０５１９４９１２３１００２Ｘ，手机13812345678，邮箱zs@example.com。";
    let found = scanner().scan(text);
    let chars: Vec<char> = text.chars().collect();
    let kinds: Vec<FindingKind> = found.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        vec![
            FindingKind::Classification,
            FindingKind::Name,
            FindingKind::ResidentId,
            FindingKind::Mobile,
            FindingKind::Email,
        ]
    );
    for f in &found {
        let slice: String = chars[f.start..f.end].iter().collect();
        assert_eq!(slice, f.text);
    }
    let json = serde_json::to_string(&found).unwrap();
    assert!(json.contains("\"kind\":\"resident_id\""));
    assert!(json.contains("\"confidence\":\"high\""));
    let back: Vec<Finding> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, found);
}

#[test]
fn surname_list_is_well_formed() {
    let (single, compound) = names::surnames().counts();
    assert!(single > 400, "{single}");
    assert!(compound > 50, "{compound}");
    for line in include_str!("../../data/surnames.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
    {
        for entry in line.split_whitespace() {
            let n = entry.chars().count();
            assert!((1..=2).contains(&n), "{entry}");
            assert!(entry.chars().all(chars::is_han), "{entry}");
        }
    }
}

// ---- property tests -------------------------------------------------------------------------

const FILLER: &[&str] = &[
    "关于",
    "申请",
    "信息公开",
    "答复",
    "，",
    "。",
    "政府",
    "告知书",
    "的",
    "事项",
];

fn filler() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FILLER), 1..4).prop_map(|v| v.concat())
}

/// The first 17 digits of a resident ID with a real birth date.
fn id17() -> impl Strategy<Value = String> {
    (
        1u32..=8,
        0u32..100_000,
        1900u32..2025,
        1u32..=12,
        1u32..=28,
        0u32..1000,
    )
        .prop_map(|(r0, r, y, m, d, seq)| format!("{r0}{r:05}{y}{m:02}{d:02}{seq:03}"))
}

fn valid_id() -> impl Strategy<Value = String> {
    id17().prop_map(|s| with_check(&s))
}

/// 18 characters whose check character is wrong.
fn invalid_id() -> impl Strategy<Value = String> {
    (id17(), 1u8..11).prop_map(|(s, k)| {
        let good = ids::resident::check_char(s.as_bytes()).unwrap();
        let v = if good == b'X' { 10 } else { good - b'0' };
        let w = (v + k) % 11;
        let c = if w == 10 { 'X' } else { char::from(b'0' + w) };
        format!("{s}{c}")
    })
}

fn mobile() -> impl Strategy<Value = String> {
    (3u8..=9, 0u64..1_000_000_000).prop_map(|(b, rest)| format!("1{b}{rest:09}"))
}

/// A Luhn-valid 16–19 digit card number starting with 62.
/// A Luhn-valid card number that is not also a valid 18-digit resident ID (an 18-digit number
/// can be both; the scanner then rightly reports the stronger, checksum-and-date-verified ID).
fn card() -> impl Strategy<Value = String> {
    raw_card().prop_filter("also a valid resident ID", |c| {
        !numbers::resident_id_ok(c.as_bytes())
    })
}

fn raw_card() -> impl Strategy<Value = String> {
    (14usize..=17, any::<u64>()).prop_map(|(len, seed)| {
        let mut body = String::from("62");
        let mut x = seed;
        for _ in 0..len - 1 {
            body.push(char::from(b'0' + (x % 10) as u8));
            x = x / 10 + 7919 * (x % 7 + 1);
        }
        for check in b'0'..=b'9' {
            let cand = format!("{body}{}", check as char);
            if numbers::luhn_ok(cand.as_bytes()) {
                return cand;
            }
        }
        body
    })
}

/// Noise put between two characters of a planted number.
const GAP: &[&str] = &[
    "", "", "", " ", "\u{200B}", "\u{FEFF}", "\n", "\r\n", "\u{3000}", "\u{200D}",
];

/// Writes `number` with random full-width digits, lower-case x and noise between characters.
fn noisy(number: String) -> impl Strategy<Value = String> {
    let n = number.chars().count();
    (
        prop::collection::vec(prop::sample::select(GAP), n),
        prop::collection::vec(any::<bool>(), n),
    )
        .prop_map(move |(gaps, wide)| {
            let mut out = String::new();
            for (i, c) in number.chars().enumerate() {
                if i > 0 {
                    out.push_str(gaps[i]);
                }
                let c = if wide[i] { widen(c) } else { c };
                out.push(if c == 'X' && !wide[0] { 'x' } else { c });
            }
            out
        })
}

fn widen(c: char) -> char {
    match c {
        '0'..='9' | 'X' | 'x' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Normalised digits and X of a span.
fn digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| match chars::class(c) {
            chars::Class::Digit(d) => Some(char::from(d)),
            chars::Class::Letter(b'X') => Some('X'),
            _ => None,
        })
        .collect()
}

/// Planted items: (kind, clean number, noisy spelling).
fn planted(kind: FindingKind, noisy_ok: bool) -> BoxedStrategy<(FindingKind, String, String)> {
    let base: BoxedStrategy<String> = match kind {
        FindingKind::ResidentId => valid_id().boxed(),
        FindingKind::Mobile => mobile().boxed(),
        _ => card().boxed(),
    };
    if noisy_ok {
        base.prop_flat_map(move |n| noisy(n.clone()).prop_map(move |s| (kind, n.clone(), s)))
            .boxed()
    } else {
        base.prop_map(move |n| (kind, n.clone(), n)).boxed()
    }
}

fn document() -> impl Strategy<Value = (String, Vec<(FindingKind, String, usize, usize)>)> {
    let item = prop_oneof![
        planted(FindingKind::ResidentId, true),
        planted(FindingKind::Mobile, false),
        planted(FindingKind::BankCard, false),
    ];
    (prop::collection::vec((filler(), item), 1..6), filler()).prop_map(|(parts, tail)| {
        let mut text = String::new();
        let mut spans = Vec::new();
        for (f, (kind, clean, spelled)) in parts {
            text.push_str(&f);
            let start = text.chars().count();
            text.push_str(&spelled);
            spans.push((kind, clean, start, text.chars().count()));
        }
        text.push_str(&tail);
        (text, spans)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn finds_every_planted_valid_id((text, spans) in document()) {
        let found = scanner().scan(&text);
        for (kind, clean, start, end) in &spans {
            let hit = found.iter().find(|f| f.start == *start && f.end == *end);
            let hit = hit.ok_or_else(|| TestCaseError::fail(format!("{kind:?} {clean} missing in {text:?}: {found:?}")))?;
            prop_assert_eq!(hit.kind, *kind);
            prop_assert_eq!(digits(&hit.text), clean.to_uppercase());
        }
    }

    #[test]
    fn masking_never_leaks_a_hidden_digit((text, spans) in document()) {
        let found = scanner().scan(&text);
        let chosen: Vec<Finding> = found.into_iter().filter(|f| f.kind.is_personal_data()).collect();
        let policy = MaskPolicy::default();
        let masked = mask_text(&text, &chosen, &policy).unwrap();
        let out: Vec<char> = masked.chars().collect();
        prop_assert_eq!(out.len(), text.chars().count());
        for (kind, clean, start, end) in &spans {
            let (head, tail) = match kind {
                FindingKind::ResidentId => (policy.id_keep_head, policy.id_keep_tail),
                FindingKind::Mobile => (policy.mobile_keep_head, policy.mobile_keep_tail),
                _ => (policy.card_keep_head, policy.card_keep_tail),
            };
            let n = clean.len();
            let mut i = 0;
            let original: Vec<char> = text.chars().collect();
            for pos in *start..*end {
                if digits(&original[pos].to_string()).is_empty() {
                    continue;
                }
                let hidden = i >= head && i + tail < n;
                if hidden {
                    prop_assert_eq!(out[pos], '*', "position {} of {} in {:?}", i, clean, masked);
                } else {
                    prop_assert_eq!(out[pos], original[pos]);
                }
                i += 1;
            }
            prop_assert_eq!(i, n);
        }
    }

    #[test]
    fn no_failing_checksum_is_an_id(fill in filler(), bad in invalid_id(), tail in filler()) {
        let text = format!("{fill}{bad}{tail}");
        let found = scanner().scan(&text);
        prop_assert!(
            found.iter().all(|f| !matches!(f.kind, FindingKind::ResidentId | FindingKind::DisabilityCert)),
            "{:?}", found
        );
    }

    #[test]
    fn noisy_failing_checksum_is_no_id(fill in filler(), spelled in invalid_id().prop_flat_map(noisy), tail in filler()) {
        let text = format!("{fill}{spelled}{tail}");
        prop_assert!(scanner().scan(&text).iter().all(|f| f.kind != FindingKind::ResidentId));
    }

    /// Oracle: plain digit strings between Chinese words, classified by an independent, direct
    /// reading of REG §6.1/§6.2 and the mobile pattern.
    #[test]
    fn plain_runs_match_the_oracle(runs in prop::collection::vec(
        prop_oneof![
            "[0-9]{6,21}",
            valid_id(),
            invalid_id(),
            mobile(),
            valid_id().prop_flat_map(|id| (1u8..=7, 1u8..=4).prop_map(move |(c, l)| format!("{id}{c}{l}"))),
        ], 1..8)) {
        let text = runs.join("的");
        let found = scanner().scan(&text);
        let mut expected = Vec::new();
        for run in &runs {
            let b = run.as_bytes();
            let id_ok = |s: &[u8]| {
                s.len() == 18
                    && ids::resident::checksum_ok(s)
                    && s[0] != b'0' && s[0] != b'9'
                    && {
                        let y: u32 = run_num(&s[6..10]);
                        let m = run_num(&s[10..12]);
                        let d = run_num(&s[12..14]);
                        (1800..=2099).contains(&y) && oracle_date(y, m, d)
                    }
            };
            if b.len() == 20 && id_ok(&b[..18]) && (b'1'..=b'7').contains(&b[18]) && (b'1'..=b'4').contains(&b[19]) {
                expected.push((FindingKind::DisabilityCert, run.clone()));
            } else if id_ok(b) {
                expected.push((FindingKind::ResidentId, run.clone()));
            } else if b.len() == 11 && b[0] == b'1' && b[1] >= b'3' {
                expected.push((FindingKind::Mobile, run.clone()));
            }
        }
        let got: Vec<(FindingKind, String)> = found
            .into_iter()
            .filter(|f| matches!(f.kind, FindingKind::DisabilityCert | FindingKind::ResidentId | FindingKind::Mobile))
            .map(|f| (f.kind, f.text))
            .collect();
        prop_assert_eq!(got, expected);
    }

    /// Any input: no panic, sorted non-overlapping findings whose text is the original slice.
    #[test]
    fn findings_are_consistent_for_any_text(text in "(\\PC|[0-9０-９ \u{200B}\n@.xX秘密★内部申请人张三：])*") {
        let found = scanner().scan(&text);
        let chars: Vec<char> = text.chars().collect();
        let mut last_end = 0;
        for f in &found {
            prop_assert!(f.start >= last_end && f.start < f.end && f.end <= chars.len());
            let slice: String = chars[f.start..f.end].iter().collect();
            prop_assert_eq!(&slice, &f.text);
            prop_assert_eq!(f.blocking, f.kind.blocking());
            last_end = f.end;
        }
        let policy = MaskPolicy::default();
        let masked = mask_text(&text, &found, &policy).unwrap();
        prop_assert_eq!(masked.chars().count(), chars.len());
    }
}

fn run_num(d: &[u8]) -> u32 {
    std::str::from_utf8(d)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Independent date oracle: chrono's calendar.
fn oracle_date(y: u32, m: u32, d: u32) -> bool {
    i32::try_from(y)
        .ok()
        .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, m, d))
        .is_some()
}
