//! Masking (脱敏) of personal data found by the scanner, with a configurable policy (product C3,
//! REG §5.5, §6.2, tech-choices §9 "Masking conventions"):
//!
//! - names: in published documents keep the surname and write 某 for each given-name character
//!   (张某某, 2 characters → 张某; 《最高人民法院关于人民法院在互联网公布裁判文书的规定》 Art. 9);
//!   in lists keep the first and last character (张*三, 2 characters → 张*). Names are masked only
//!   when a reviewer confirms them: [`mask_text`] applies exactly the findings it is given;
//! - resident IDs: keep the first 6 and the last 4 (110101********2176);
//! - disability certificate numbers: like the ID part, and the category and level digits too
//!   (REG §6.2: they disclose health status) unless the policy allows showing them;
//! - mobiles: 138****5678; bank cards and account numbers: first 4 and last 4; landlines: keep the
//!   area code and the last 4;
//! - e-mail: keep the first character of the local part and the domain.
//!
//! Number masks keep the layout of the original: separators, invisible characters and the width
//! of the kept digits stay as they were, and every hidden digit or `X` becomes the mask character.
//! So a masked text never contains a hidden digit, whatever the spacing of the original.

use serde::{Deserialize, Serialize};

use crate::scan::{Finding, FindingKind, surname_len};

/// How names are masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameStyle {
    /// 张某某 / 张某: published documents (裁判文书 convention).
    #[default]
    Published,
    /// 张*三 / 张*: lists in the user interface.
    List,
}

/// The masking policy; `Default` gives the documented conventions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MaskPolicy {
    pub name_style: NameStyle,
    /// Resident IDs (and the ID part of disability numbers): characters kept at the start.
    pub id_keep_head: usize,
    /// Resident IDs: characters kept at the end.
    pub id_keep_tail: usize,
    /// Show the disability category and level digits (only for authorised users, REG §6.2).
    pub disability_show_category: bool,
    pub mobile_keep_head: usize,
    pub mobile_keep_tail: usize,
    /// Bank cards, possible account numbers and USCCs.
    pub card_keep_head: usize,
    pub card_keep_tail: usize,
    /// Landlines: digits kept at the end (the area code is always kept).
    pub landline_keep_tail: usize,
    /// Replaces each hidden character of numbers, e-mails and list-style names.
    pub mask_char: char,
}

impl Default for MaskPolicy {
    fn default() -> Self {
        MaskPolicy {
            name_style: NameStyle::Published,
            id_keep_head: 6,
            id_keep_tail: 4,
            disability_show_category: false,
            mobile_keep_head: 3,
            mobile_keep_tail: 4,
            card_keep_head: 4,
            card_keep_tail: 4,
            landline_keep_tail: 4,
            mask_char: '*',
        }
    }
}

/// Errors of [`mask_text`]; the messages are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaskError {
    #[error("待遮蔽项位置 {start}—{end} 超出文本范围")]
    OutOfRange { start: usize, end: usize },
    #[error("待遮蔽项位置 {start}—{end} 的原文与文本不一致（文本可能已修改，请重新扫描）")]
    Mismatch { start: usize, end: usize },
    #[error("待遮蔽项位置 {start}—{end} 与其他项重叠")]
    Overlap { start: usize, end: usize },
}

/// Masks a name: `张三丰` → `张某某` (published) or `张*丰` (list); `张三` → `张某` / `张*`. Compound
/// surnames stay whole in the published style (`欧阳娜娜` → `欧阳某某`). Names with a middle dot
/// (minority names, `阿依古丽·买买提`) keep only their first character (REG tech-choices §9).
pub fn mask_name(name: &str, style: NameStyle) -> String {
    let chars: Vec<char> = name.chars().collect();
    let n = chars.len();
    if n <= 1 {
        return name.to_string();
    }
    let is_dot = |c: char| matches!(c, '·' | '•' | '・' | '.');
    match style {
        NameStyle::Published => {
            let keep = if chars.iter().any(|&c| is_dot(c)) {
                1
            } else {
                surname_len(name)
            };
            chars
                .iter()
                .enumerate()
                .map(|(i, &c)| if i < keep || is_dot(c) { c } else { '某' })
                .collect()
        }
        NameStyle::List => {
            if n == 2 {
                return format!("{}*", chars[0]);
            }
            chars
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    if i == 0 || i == n - 1 || is_dot(c) {
                        c
                    } else {
                        '*'
                    }
                })
                .collect()
        }
    }
}

/// The mask for one span of the original text of the given kind.
pub fn mask_span(kind: FindingKind, original: &str, policy: &MaskPolicy) -> String {
    let p = policy;
    match kind {
        FindingKind::ResidentId | FindingKind::LegacyResidentId => {
            mask_significant(original, p.mask_char, |i, n| {
                i < p.id_keep_head || i + p.id_keep_tail >= n
            })
        }
        FindingKind::DisabilityCert => mask_significant(original, p.mask_char, |i, n| {
            // The last two characters are category and level; the ID part is n-2 long.
            let id_len = n.saturating_sub(2);
            if i >= id_len {
                p.disability_show_category
            } else {
                i < p.id_keep_head || i + p.id_keep_tail >= id_len
            }
        }),
        FindingKind::Mobile => mask_significant(original, p.mask_char, |i, n| {
            i < p.mobile_keep_head || i + p.mobile_keep_tail >= n
        }),
        FindingKind::BankCard | FindingKind::AccountNumber | FindingKind::Uscc => {
            mask_significant(original, p.mask_char, |i, n| {
                i < p.card_keep_head || i + p.card_keep_tail >= n
            })
        }
        FindingKind::Landline => {
            let area = landline_area_len(original);
            mask_significant(original, p.mask_char, |i, n| {
                i < area || i + p.landline_keep_tail >= n
            })
        }
        FindingKind::Email => mask_email(original, p),
        FindingKind::Name => mask_name(original, p.name_style),
        FindingKind::Classification | FindingKind::SensitiveWord => original
            .chars()
            .map(|c| if c.is_whitespace() { c } else { p.mask_char })
            .collect(),
    }
}

/// Area-code length of a landline: 3 for 010 and 02x, 4 otherwise (GB/T 2260-based numbering).
fn landline_area_len(original: &str) -> usize {
    let digits: Vec<u8> = original.chars().filter_map(digit_or_x).take(2).collect();
    match digits.as_slice() {
        [b'0', b'1' | b'2'] => 3,
        _ => 4,
    }
}

/// The ASCII digit or `X` a character stands for after NFKC (the "significant" characters of a
/// number); separators and invisible characters give `None`.
fn digit_or_x(c: char) -> Option<u8> {
    match crate::scan::ascii_fold(c) {
        Some(b @ b'0'..=b'9') => Some(b),
        Some(b'X' | b'x') => Some(b'X'),
        _ => None,
    }
}

/// Replaces the significant characters at positions where `keep(i, n)` is false by `mask_char`;
/// everything else is copied.
fn mask_significant(
    original: &str,
    mask_char: char,
    keep: impl Fn(usize, usize) -> bool,
) -> String {
    let n = original
        .chars()
        .filter(|&c| digit_or_x(c).is_some())
        .count();
    let mut out = String::with_capacity(original.len());
    let mut i = 0;
    for c in original.chars() {
        if digit_or_x(c).is_some() {
            out.push(if keep(i, n) { c } else { mask_char });
            i += 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// `zhangsan@example.cn` → `z*******@example.cn`. Found by the `scan_mask` fuzz target: a
/// one-character local part is hidden too (`n@example.cn` → `*@example.cn`), since keeping it
/// would leave the whole address; and a personal number inside the domain
/// (`a@11010119900307217642x.cn`, which outranks the number it contains) is masked as what it
/// is, so that it does not survive masking as part of the address.
fn mask_email(original: &str, policy: &MaskPolicy) -> String {
    let at = original.rfind(['@', '＠']).unwrap_or(original.len());
    let (local, domain) = original.split_at(at);
    let keep = usize::from(local.chars().nth(1).is_some());
    let mut out = String::with_capacity(original.len());
    for (i, c) in local.chars().enumerate() {
        out.push(if i < keep { c } else { policy.mask_char });
    }
    let mut last = 0;
    for (kind, start, end) in crate::scan::personal_numbers(domain) {
        out.push_str(&domain[last..start]);
        out.push_str(&mask_span(kind, &domain[start..end], policy));
        last = end;
    }
    out.push_str(&domain[last..]);
    out
}

/// Applies the given findings (those the reviewer confirmed) to `text`, each masked with
/// `policy`. Findings are located by their character offsets and must still match the text.
pub fn mask_text(
    text: &str,
    findings: &[Finding],
    policy: &MaskPolicy,
) -> Result<String, MaskError> {
    let mut order: Vec<&Finding> = findings.iter().collect();
    order.sort_by_key(|f| (f.start, f.end));
    for w in order.windows(2) {
        if w[1].start < w[0].end {
            return Err(MaskError::Overlap {
                start: w[1].start,
                end: w[1].end,
            });
        }
    }
    // Char offsets → byte offsets in one pass.
    let mut bounds = Vec::with_capacity(order.len());
    let mut iter = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()));
    let mut char_pos = 0usize;
    let mut byte_at = iter.next();
    let mut locate = |target: usize| -> Option<usize> {
        while char_pos < target {
            byte_at = iter.next();
            char_pos += 1;
        }
        byte_at
    };
    for f in &order {
        let range = MaskError::OutOfRange {
            start: f.start,
            end: f.end,
        };
        if f.start > f.end {
            return Err(range);
        }
        let (Some(bs), Some(be)) = (locate(f.start), locate(f.end)) else {
            return Err(range);
        };
        if text[bs..be] != f.text {
            return Err(MaskError::Mismatch {
                start: f.start,
                end: f.end,
            });
        }
        bounds.push((bs, be, *f));
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (bs, be, f) in bounds {
        out.push_str(&text[last..bs]);
        out.push_str(&mask_span(f.kind, &text[bs..be], policy));
        last = be;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// Hides identity and disability-certificate numbers in free text that is about to leave the
/// application as a log line, an error message or an error page (issue #13: none of them may
/// contain a full number). Deliberately broader than the scanner: every token of ASCII letters
/// and digits that has the shape of such a number (15, 18, 20 or 22 characters, digits with at
/// most an `X` at the check-digit place) is masked, valid checksum or not, keeping the first 6
/// and the 4 characters before the check digit's end (`110101********2176`); the disability
/// category and level digits are always hidden (REG §6.2). Text without such a token is
/// returned as it is, without copying.
pub fn redact_id_numbers(text: &str) -> std::borrow::Cow<'_, str> {
    fn shaped(token: &[u8]) -> bool {
        if !matches!(token.len(), 15 | 18 | 20 | 22) {
            return false;
        }
        token.iter().enumerate().all(|(i, b)| {
            b.is_ascii_digit() || (token.len() >= 18 && i == 17 && matches!(b, b'X' | b'x'))
        })
    }
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphanumeric() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if shaped(&bytes[start..i]) {
                spans.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in spans {
        out.push_str(&text[last..start]);
        let token = &text[start..end];
        // The ID part is the first 15 or 18 characters; the rest is category and level.
        let id_len = if token.len() == 15 { 15 } else { 18 };
        for (k, c) in token.chars().enumerate() {
            let keep = k < 6 || (k >= id_len - 4 && k < id_len);
            out.push(if keep { c } else { '*' });
        }
        last = end;
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        use NameStyle::*;
        assert_eq!(mask_name("张三", Published), "张某");
        assert_eq!(mask_name("张三丰", Published), "张某某");
        assert_eq!(mask_name("欧阳娜娜", Published), "欧阳某某");
        assert_eq!(mask_name("欧阳娜", Published), "欧阳某");
        assert_eq!(mask_name("张三", List), "张*");
        assert_eq!(mask_name("张三丰", List), "张*丰");
        assert_eq!(mask_name("欧阳娜娜", List), "欧**娜");
        assert_eq!(mask_name("阿依古丽·买买提", Published), "阿某某某·某某某");
        assert_eq!(mask_name("张", Published), "张");
    }

    #[test]
    fn numbers_with_default_policy() {
        let p = MaskPolicy::default();
        assert_eq!(
            mask_span(FindingKind::ResidentId, "11010519491231002X", &p),
            "110105********002X"
        );
        assert_eq!(
            mask_span(FindingKind::DisabilityCert, "11010519491231002X41", &p),
            "110105********002X**"
        );
        let show = MaskPolicy {
            disability_show_category: true,
            ..MaskPolicy::default()
        };
        assert_eq!(
            mask_span(FindingKind::DisabilityCert, "11010519491231002X41", &show),
            "110105********002X41"
        );
        assert_eq!(
            mask_span(FindingKind::Mobile, "13812345678", &p),
            "138****5678"
        );
        assert_eq!(
            mask_span(FindingKind::Mobile, "138 1234 5678", &p),
            "138 **** 5678"
        );
        assert_eq!(
            mask_span(FindingKind::Mobile, "１３８１２３４５６７８", &p),
            "１３８****５６７８"
        );
        assert_eq!(
            mask_span(FindingKind::BankCard, "6222 0212 3456 7890 128", &p),
            "6222 **** **** ***0 128"
        );
        assert_eq!(
            mask_span(FindingKind::Landline, "010-12345678", &p),
            "010-****5678"
        );
        assert_eq!(
            mask_span(FindingKind::Landline, "0755-1234567", &p),
            "0755-***4567"
        );
        assert_eq!(
            mask_span(FindingKind::Email, "zhangsan@example.cn", &p),
            "z*******@example.cn"
        );
    }

    /// Regression (fuzz target `scan_mask`): a one-character local part was kept, so the
    /// "masked" address was the address itself.
    #[test]
    fn one_character_email_is_hidden() {
        let p = MaskPolicy::default();
        assert_eq!(
            mask_span(FindingKind::Email, "n@example.cn", &p),
            "*@example.cn"
        );
        let text = "邮箱 zhangsqn@examp n@example.cn，电话";
        let scanner = crate::scan::Scanner::new(crate::scan::ScanConfig::default()).unwrap();
        let findings = scanner.scan(text);
        assert!(
            findings.iter().any(|f| f.text == "n@example.cn"),
            "{findings:?}"
        );
        let masked = mask_text(text, &findings, &p).unwrap();
        assert!(!masked.contains("n@example.cn"), "{masked}");
        assert!(
            scanner
                .scan(&masked)
                .iter()
                .all(|f| f.kind != FindingKind::Email),
            "{masked}"
        );
    }

    /// Regression (fuzz target `scan_mask`): an e-mail address outranks the disability
    /// certificate number in its domain, and masking kept the domain whole, so the number was
    /// still there to read (and to find again) after masking.
    #[test]
    fn numbers_in_an_email_domain_are_masked() {
        let p = MaskPolicy::default();
        let text = "申请人李申请人李zhazhangsan@11010119100307217642exemple.cn";
        let scanner = crate::scan::Scanner::new(crate::scan::ScanConfig::default()).unwrap();
        let findings = scanner.scan(text);
        let masked = mask_text(text, &findings, &p).unwrap();
        assert!(!masked.contains("11010119100307217642"), "{masked}");
        let again = scanner.scan(&masked);
        assert!(again.iter().all(|f| !f.kind.blocking()), "{again:?}");
        assert_eq!(
            mask_span(FindingKind::Email, "zhangsan@163.com", &p),
            "z*******@163.com",
            "an ordinary domain with digits stays"
        );
    }

    #[test]
    fn mask_text_checks_findings() {
        let text = "电话13812345678。";
        let f = Finding {
            kind: FindingKind::Mobile,
            start: 2,
            end: 13,
            text: "13812345678".into(),
            suggested_mask: String::new(),
            confidence: crate::scan::Confidence::High,
            blocking: true,
            reason: String::new(),
        };
        let p = MaskPolicy::default();
        assert_eq!(
            mask_text(text, std::slice::from_ref(&f), &p).unwrap(),
            "电话138****5678。"
        );
        let stale = Finding {
            start: 1,
            end: 12,
            ..f.clone()
        };
        assert!(matches!(
            mask_text(text, &[stale], &p),
            Err(MaskError::Mismatch { .. })
        ));
        let far = Finding {
            start: 10,
            end: 40,
            ..f.clone()
        };
        assert!(matches!(
            mask_text(text, &[far], &p),
            Err(MaskError::OutOfRange { .. })
        ));
        assert!(matches!(
            mask_text(text, &[f.clone(), f], &p),
            Err(MaskError::Overlap { .. })
        ));
        assert_eq!(mask_text(text, &[], &p).unwrap(), text);
    }

    #[test]
    fn policy_from_toml_with_defaults() {
        let p: MaskPolicy =
            toml::from_str("name_style = \"list\"\nid_keep_head = 1\nid_keep_tail = 2").unwrap();
        assert_eq!(p.name_style, NameStyle::List);
        assert_eq!(p.mobile_keep_head, 3);
        assert_eq!(
            mask_span(FindingKind::ResidentId, "11010519491231002X", &p),
            "1***************2X"
        );
    }

    #[test]
    fn redact_id_numbers_hides_every_id_shaped_token() {
        let cases = [
            (
                "身份证号110101199003072176，电话",
                "身份证号110101********2176，电话",
            ),
            (
                "残疾证 11010119900307217642 已核",
                "残疾证 110101********2176** 已核",
            ),
            ("id=11010519491231002X&x", "id=110105********002X&x"),
            ("old 110101900307217 ok", "old 110101*****7217 ok"),
            // Longer or shorter runs, and runs inside hex or words, are left alone.
            (
                "1101011990030721761 a1101011990030721 12345",
                "1101011990030721761 a1101011990030721 12345",
            ),
            ("hash ab110101199003072176", "hash ab110101199003072176"),
        ];
        for (input, want) in cases {
            assert_eq!(redact_id_numbers(input), want, "{input}");
        }
        assert!(matches!(
            redact_id_numbers("没有号码"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    proptest::proptest! {
        /// Whatever surrounds it, an 18-digit ID never survives redaction.
        #[test]
        fn no_id_survives(prefix in "[^0-9A-Za-z]{0,5}", id in "[0-9]{17}[0-9X]", suffix in "[^0-9A-Za-z]{0,5}") {
            let text = format!("{prefix}{id}{suffix}");
            let out = redact_id_numbers(&text);
            proptest::prop_assert!(!out.contains(&id));
        }
    }
}
