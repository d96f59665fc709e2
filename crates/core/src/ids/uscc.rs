//! 统一社会信用代码, GB 32100-2015 (REG §6.3): 18 characters from `0-9A-HJ-NPQRTUWXY`, the last one a
//! mod-31 check character.
//!
//! [`check_18`] adds the structure rules: position 1 a 登记管理部门码 from the REG §6.3 list
//! (letters A, N, Y allowed, unlike python-stdnum), position 2 any code character (UNVERIFIED),
//! positions 3–8 digits (the registering authority's GB/T 2260 region; an unknown code is a
//! warning), and the embedded 组织机构代码 (positions 9–17, GB 11714) check as a warning only.

use super::{Outcome, regions};

/// 登记管理部门码 (REG §6.3, GB 32100-2015 with 2016年第1号修改单).
pub const AUTHORITIES: [(u8, &str); 12] = [
    (b'1', "机构编制"),
    (b'2', "外交"),
    (b'3', "司法行政"),
    (b'4', "文化"),
    (b'5', "民政"),
    (b'6', "旅游"),
    (b'7', "宗教"),
    (b'8', "工会"),
    (b'9', "工商（市场监管）"),
    (b'A', "中央军委改革和编制办公室"),
    (b'N', "农业"),
    (b'Y', "其他"),
];

/// 机构类别码 names that REG §6.3 states (the full tables are UNVERIFIED, so others stay unnamed).
const CATEGORIES: [(u8, u8, &str); 5] = [
    (b'1', b'1', "机关"),
    (b'1', b'2', "事业单位"),
    (b'1', b'3', "编办直接管理机构编制的群众团体"),
    (b'1', b'9', "其他"),
    (b'5', b'1', "社会团体"),
];

/// The name of authority code `c`.
pub fn authority_name(c: u8) -> Option<&'static str> {
    AUTHORITIES.iter().find(|(k, _)| *k == c).map(|(_, n)| *n)
}

/// GB 11714 character value: digits 0–9, letters A=10 … Z=35.
fn org_char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// The GB 11714 check character of an 8-character 组织机构代码 body (REG §6.3): weights
/// `3 7 9 10 5 8 4 2`, C9 = 11 − (Σ mod 11), 10 → X, 11 → 0.
pub fn org_code_check_char(first8: &[u8]) -> Option<u8> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    if first8.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first8.iter().zip(W) {
        sum += org_char_value(*c)? * w;
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        v => b'0' + v as u8,
    })
}

/// True when `code` is 9 characters whose last one is the GB 11714 check character of the rest.
pub fn org_code_ok(code: &[u8]) -> bool {
    code.len() == 9 && org_code_check_char(&code[..8]) == Some(code[8])
}

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The numeric value of a code character, or `None` outside the alphabet (I, O, S, V, Z).
pub fn char_value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += char_value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize])
}

/// True when `s` (upper case) has the right length, alphabet and check character.
pub fn checksum_ok(s: &[u8]) -> bool {
    s.len() == 18 && check_char(&s[..17]) == Some(s[17])
}

/// Validates an 18-character USCC (normalised: upper case, no spaces).
pub fn check_18(number: &str) -> Outcome {
    let mut o = Outcome::default();
    let b = number.as_bytes();
    if b.len() != 18 || !number.is_ascii() {
        o.fail(format!(
            "长度不符：统一社会信用代码应为18位，实为{}位",
            number.chars().count()
        ));
        return o;
    }
    if let Some(c) = b.iter().find(|c| char_value(**c).is_none()) {
        o.fail(format!(
            "含有统一社会信用代码不允许的字符：{}（不使用I、O、S、V、Z）",
            char::from(*c)
        ));
        return o;
    }
    o.fields.uscc_authority = Some(char::from(b[0]));
    o.fields.uscc_category = Some(char::from(b[1]));
    o.fields.uscc_org_code = Some(number[8..17].to_string());
    match authority_name(b[0]) {
        Some(name) => o.fields.uscc_authority_name = Some(name),
        None => o.fail(format!("登记管理部门码“{}”无效", char::from(b[0]))),
    }
    o.fields.uscc_category_name = CATEGORIES
        .iter()
        .find(|(a, c, _)| *a == b[0] && *c == b[1])
        .map(|(_, _, n)| *n);
    if let Some(expected) = check_char(&b[..17])
        && expected != b[17]
    {
        o.fail(format!("校验码错误：应为{}", char::from(expected)));
    }
    let region = &number[2..8];
    if region.bytes().all(|c| c.is_ascii_digit()) {
        o.fields.region_code = Some(region.to_string());
        if let Some(period) = regions::lookup(region, None) {
            let name = regions::name_of(period);
            o.fields.region = Some(name.full);
            o.fields.region_province = name.province.map(str::to_string);
            o.fields.region_city = name.city.map(str::to_string);
            o.fields.region_county = name.county.map(str::to_string);
            o.fields.region_current = Some(name.current);
        } else if region == "100000" {
            o.fields.region = Some("国家级登记管理机关".to_string());
        } else {
            o.warnings.push(format!(
                "登记管理机关行政区划码{region}不在GB/T 2260代码表中"
            ));
        }
    } else {
        o.fail(format!(
            "第3至8位（登记管理机关行政区划码）应为数字，实为“{region}”"
        ));
    }
    let org = &b[8..17];
    if !org_code_ok(org) {
        let expected = org_code_check_char(&org[..8])
            .map(char::from)
            .unwrap_or('?');
        o.warnings.push(format!(
            "内含的组织机构代码{}校验位不符（按GB 11714应为{expected}），个体工商户等主体的赋码规则可能不同",
            &number[8..17]
        ));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_code_vectors() {
        assert_eq!(org_code_check_char(b"00001434"), Some(b'9'));
        assert!(org_code_ok(b"000014349"));
        assert!(org_code_ok(b"600037341"));
        assert!(!org_code_ok(b"000014348"));
        assert!(!org_code_ok(b"00001434"));
    }

    #[test]
    fn org_code_check_char_exhaustive_residues() {
        // Every residue maps as the rule says, checked against a direct restatement of the sum.
        for n in 0u32..100_000 {
            let body = format!("{n:08}");
            let sum: u32 = body
                .bytes()
                .zip([3u32, 7, 9, 10, 5, 8, 4, 2])
                .map(|(c, w)| u32::from(c - b'0') * w)
                .sum();
            let expected = match (11 - sum % 11) % 11 {
                0 => b'0',
                10 => b'X',
                v => b'0' + v as u8,
            };
            assert_eq!(org_code_check_char(body.as_bytes()), Some(expected));
        }
    }

    #[test]
    fn full_check_of_reg_vectors() {
        let o = check_18("91110000600037341L");
        assert_eq!(o.reason, None);
        assert!(o.warnings.is_empty(), "{:?}", o.warnings);
        assert_eq!(o.fields.uscc_authority_name, Some("工商（市场监管）"));
        assert_eq!(o.fields.region.as_deref(), Some("北京市"));
        assert_eq!(o.fields.uscc_org_code.as_deref(), Some("600037341"));

        let o = check_18("91110108551385082Q");
        assert_eq!(o.reason, None);
        assert_eq!(o.fields.region.as_deref(), Some("北京市海淀区"));

        assert_eq!(
            check_18("91110000600037341M").reason.as_deref(),
            Some("校验码错误：应为L")
        );
        assert!(
            check_18("9111000060003734IL")
                .reason
                .is_some_and(|r| r.contains("I"))
        );
    }

    #[test]
    fn authority_letters_allowed_and_unknown_rejected() {
        for (first, ok) in [
            (b'A', true),
            (b'N', true),
            (b'Y', true),
            (b'0', false),
            (b'B', false),
        ] {
            let mut body = b"11110000600037341".to_vec();
            body[0] = first;
            let check = check_char(&body).unwrap();
            body.push(check);
            let s = String::from_utf8(body).unwrap();
            assert_eq!(check_18(&s).reason.is_none(), ok, "{s}");
        }
        let mut body = b"91A10000600037341".to_vec();
        body.push(check_char(&body).unwrap());
        let s = String::from_utf8(body).unwrap();
        assert!(check_18(&s).reason.is_some_and(|r| r.contains("第3至8位")));
    }

    #[test]
    fn reg_vectors() {
        assert!(checksum_ok(b"91110000600037341L"));
        assert!(checksum_ok(b"91110108551385082Q"));
        assert!(!checksum_ok(b"91110000600037341M"));
        assert!(!checksum_ok(b"9111000060003734IL"));
    }
}
