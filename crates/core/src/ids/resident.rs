//! 公民身份号码, GB 11643-1999 (REG §6.1): 6-digit address code, birth date YYYYMMDD, 3-digit
//! sequence (odd = male), and an ISO 7064 MOD 11-2 check character.
//!
//! [`check_18`] validates the current 18-character number: check character, a real calendar date
//! from [`MIN_BIRTH_YEAR`] on and not after `today`, and the address code (see [`super::regions`]
//! for how historic codes are treated). [`check_legacy`] recognises the 15-digit first-generation
//! number (6 address + YYMMDD + 3 sequence) and always rejects it (居民身份证法 Art. 23).

use chrono::{Datelike, NaiveDate};

use super::regions::{self, RegionPeriod};
use super::{IdFields, Outcome, Sex};

/// Earliest birth year we accept. The oldest holders of second-generation numbers were born in
/// the 1880s; earlier years are typing errors (python-stdnum accepts any year from 1).
pub const MIN_BIRTH_YEAR: i32 = 1850;

/// A code created after the holder's birth is normal for people first numbered as adults (the
/// 15-digit cards from 1984, the conversion to GB 11643-1999), so it is accepted; when the code is
/// younger than this year too, the number is still accepted but gets a warning. (市辖区 rows are
/// exempt: their first-listed year is an artefact of the source revisions.)
const LATE_CODE_YEAR: u16 = 1999;

/// Prefixes of 港澳台居民居住证 numbers (国办发〔2018〕81号): same structure and check character
/// as a resident ID. 810000/820000 are GB/T 2260 codes; 830000 is not, and is listed here.
const PERMIT_PREFIXES: [(&str, &str); 3] = [
    ("810000", "香港特别行政区"),
    ("820000", "澳门特别行政区"),
    ("830000", "台湾地区"),
];

/// Weights Wᵢ = 2^(17−i) mod 11 for i = 0..16 (REG §6.1).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for the first 17 digits, or `None` when they are not 17 ASCII digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = (12 - sum % 11) % 11;
    Some(if check == 10 {
        b'X'
    } else {
        b'0' + check as u8
    })
}

/// True when `s` is 18 characters whose last one (X in either case) is the right check character.
/// Says nothing about the date or region.
pub fn checksum_ok(s: &[u8]) -> bool {
    if s.len() != 18 {
        return false;
    }
    let last = s[17].to_ascii_uppercase();
    check_char(&s[..17]) == Some(last)
}

/// The birth date encoded in `yyyymmdd` (8 ASCII digits), if it is a real calendar date.
pub fn parse_date(yyyymmdd: &[u8]) -> Option<NaiveDate> {
    if yyyymmdd.len() != 8 || !yyyymmdd.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        yyyymmdd[r]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(num(0..4)).ok()?;
    NaiveDate::from_ymd_opt(year, num(4..6), num(6..8))
}

/// Sex from the last sequence digit (REG §6.1: odd = male, even = female).
pub fn sex_of(sequence_last_digit: u8) -> Sex {
    if (sequence_last_digit.wrapping_sub(b'0')) % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    }
}

fn fill_region(fields: &mut IdFields, period: &RegionPeriod) {
    let name = regions::name_of(period);
    fields.region = Some(name.full);
    fields.region_province = name.province.map(str::to_string);
    fields.region_city = name.city.map(str::to_string);
    fields.region_county = name.county.map(str::to_string);
    fields.region_current = Some(name.current);
}

/// Address-code check (REG §6.1, optional there; required here): the code must be in the GB/T 2260
/// table and not have been abolished before `birth_year`.
fn check_region(code: &str, birth_year: u16, o: &mut Outcome) {
    o.fields.region_code = Some(code.to_string());
    if let Some((_, name)) = PERMIT_PREFIXES.iter().find(|(p, _)| *p == code) {
        o.fields.region = Some((*name).to_string());
        o.fields.region_province = Some((*name).to_string());
        o.fields.region_current = Some(true);
        o.warnings.push(format!(
            "地址码{code}为港澳台居民居住证号码（{name}），不是居民身份证号码"
        ));
        return;
    }
    let Some(period) = regions::lookup(code, Some(birth_year)) else {
        o.fail(format!("行政区划代码{code}不存在"));
        return;
    };
    fill_region(&mut o.fields, period);
    if !period.usable_for_birth_year(birth_year) {
        let until = period.until.unwrap_or_default();
        o.fail(format!(
            "行政区划代码{code}（{}）已于{until}年撤销，不可能出现在{birth_year}年出生者的号码中",
            period.name
        ));
    } else if !period.is_current() {
        o.warnings.push(format!(
            "行政区划代码{code}（{}）为已撤销的历史代码，号码仍然有效",
            period.name
        ));
    }
    let late = regions::periods(code)
        .iter()
        .filter(|p| p.usable_for_birth_year(birth_year))
        .all(|p| p.from > birth_year.max(LATE_CODE_YEAR) && p.name != "市辖区");
    if late {
        o.warnings.push(format!(
            "行政区划代码{code}（{}）设立于{}年，晚于出生年份{birth_year}；只有首次登记晚于设立时才会出现，请核实",
            period.name, period.from
        ));
    }
}

/// Date checks shared by both forms; returns the year for the region check.
fn check_date(digits: &[u8], today: NaiveDate, o: &mut Outcome) -> Option<u16> {
    let shown = String::from_utf8_lossy(digits);
    let Some(date) = parse_date(digits) else {
        o.fail(format!("出生日期不存在：{shown}"));
        return None;
    };
    if date.year() < MIN_BIRTH_YEAR {
        o.fail(format!("出生日期不合理：{date}早于{MIN_BIRTH_YEAR}年"));
        return None;
    }
    if date > today {
        o.fail(format!("出生日期{date}晚于今天（{today}）"));
        return None;
    }
    o.fields.birth_date = Some(date);
    u16::try_from(date.year()).ok()
}

/// Validates an 18-character number (already normalised: upper case, no spaces).
pub fn check_18(number: &str, today: NaiveDate) -> Outcome {
    let mut o = Outcome::default();
    let b = number.as_bytes();
    if b.len() != 18 {
        o.fail(format!(
            "长度不符：公民身份号码应为18位，实为{}位",
            number.chars().count()
        ));
        return o;
    }
    if let Some(c) = number[..17].chars().find(|c| !c.is_ascii_digit()) {
        o.fail(format!("前17位应为数字，含有“{c}”"));
        return o;
    }
    if !(b[17].is_ascii_digit() || b[17] == b'X') {
        o.fail(format!("第18位校验码应为数字或X，实为“{}”", &number[17..]));
        return o;
    }
    o.fields.sex = Some(sex_of(b[16]));
    o.fields.region_code = Some(number[..6].to_string());
    if let Some(expected) = check_char(&b[..17])
        && expected != b[17]
    {
        o.fail(format!("校验码错误：应为{}", char::from(expected)));
    }
    if let Some(year) = check_date(&b[6..14], today, &mut o) {
        check_region(&number[..6], year, &mut o);
    }
    o
}

/// Recognises a 15-digit first-generation number (6 address + YYMMDD + 3 sequence, all born in
/// the 1900s) and reports it as not acceptable (居民身份证法 Art. 23). Date and region are checked
/// so that a garbled number gets the more specific reason.
pub fn check_legacy(number: &str) -> Outcome {
    let mut o = Outcome::default();
    let b = number.as_bytes();
    if b.len() != 15 || !b.iter().all(u8::is_ascii_digit) {
        o.fail("格式不符：15位旧号码应全部为数字".to_string());
        return o;
    }
    o.fields.sex = Some(sex_of(b[14]));
    o.fields.region_code = Some(number[..6].to_string());
    let mut date = b"19".to_vec();
    date.extend_from_slice(&b[6..12]);
    // Every 15-digit date is in the past, so `today` plays no part.
    if let Some(year) = check_date(&date, NaiveDate::MAX, &mut o) {
        check_region(&number[..6], year, &mut o);
    }
    o.fail(
        "15位第一代居民身份证号码已于2013年1月1日停止使用（《居民身份证法》第二十三条），不能作为现行身份证明"
            .to_string(),
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    const TODAY: (i32, u32, u32) = (2025, 6, 1);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn full_check_of_reg_vectors() {
        for (id, date, sex, region) in [
            (
                "11010519491231002X",
                day(1949, 12, 31),
                Sex::Female,
                "北京市朝阳区",
            ),
            (
                "360426199101010071",
                day(1991, 1, 1),
                Sex::Male,
                "江西省九江市德安县",
            ),
            (
                "110101199003074477",
                day(1990, 3, 7),
                Sex::Male,
                "北京市东城区",
            ),
        ] {
            let o = check_18(id, today());
            assert_eq!(o.reason, None, "{id}");
            assert_eq!(o.fields.birth_date, Some(date));
            assert_eq!(o.fields.sex, Some(sex));
            assert_eq!(o.fields.region.as_deref(), Some(region));
            assert!(o.warnings.is_empty(), "{:?}", o.warnings);
        }
    }

    #[test]
    fn reasons() {
        let r = |s: &str| check_18(s, today()).reason;
        assert_eq!(
            r("110101199003074478").as_deref(),
            Some("校验码错误：应为7")
        );
        let feb30 = format!(
            "11010119900230001{}",
            char::from(check_char(b"11010119900230001").unwrap_or(b'?'))
        );
        assert_eq!(r(&feb30).as_deref(), Some("出生日期不存在：19900230"));
        let bad_region = format!(
            "11019919900307447{}",
            char::from(check_char(b"11019919900307447").unwrap_or(b'?'))
        );
        assert_eq!(r(&bad_region).as_deref(), Some("行政区划代码110199不存在"));
        let future = format!(
            "11010120250602001{}",
            char::from(check_char(b"11010120250602001").unwrap_or(b'?'))
        );
        assert!(r(&future).is_some_and(|m| m.contains("晚于今天")));
        let today_born = format!(
            "11010120250601001{}",
            char::from(check_char(b"11010120250601001").unwrap_or(b'?'))
        );
        assert_eq!(r(&today_born), None);
        let old = format!(
            "11010118490101001{}",
            char::from(check_char(b"11010118490101001").unwrap_or(b'?'))
        );
        assert!(r(&old).is_some_and(|m| m.contains("不合理")));
    }

    #[test]
    fn historic_region_codes() {
        // 110103 崇文区 was abolished in 2010: fine for someone born in 1980, impossible in 2012.
        let id = |body: &str| {
            format!(
                "{body}{}",
                char::from(check_char(body.as_bytes()).unwrap_or(b'?'))
            )
        };
        let o = check_18(&id("11010319800101001"), today());
        assert_eq!(o.reason, None);
        assert_eq!(o.fields.region.as_deref(), Some("北京市崇文区"));
        assert_eq!(o.fields.region_current, Some(false));
        assert_eq!(o.warnings.len(), 1);
        let o = check_18(&id("11010320120101001"), today());
        assert!(o.reason.is_some_and(|m| m.contains("已于2010年撤销")));
        // 110115 大兴区 was created in 2001; an older holder may carry it (late first registration),
        // with a warning; someone born after 2001 gets none.
        let o = check_18(&id("11011519500101001"), today());
        assert_eq!(o.reason, None);
        assert_eq!(o.warnings.len(), 1);
        assert!(o.warnings[0].contains("设立于2001年"));
        assert!(
            check_18(&id("11011520020101001"), today())
                .warnings
                .is_empty()
        );
        // 110111 房山区 dates from 1986, before the cut-off: no warning for a 1950 birth.
        assert!(
            check_18(&id("11011119500101001"), today())
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn residence_permits() {
        let id = |body: &str| {
            format!(
                "{body}{}",
                char::from(check_char(body.as_bytes()).unwrap_or(b'?'))
            )
        };
        for prefix in ["810000", "820000", "830000"] {
            let o = check_18(&id(&format!("{prefix}19900101001")), today());
            assert_eq!(o.reason, None);
            assert_eq!(o.warnings.len(), 1);
        }
    }

    #[test]
    fn legacy_numbers() {
        let o = check_legacy("110101900307447");
        assert!(
            o.reason
                .as_deref()
                .is_some_and(|m| m.contains("第二十三条"))
        );
        assert_eq!(o.fields.birth_date, Some(day(1990, 3, 7)));
        assert_eq!(o.fields.sex, Some(Sex::Male));
        assert_eq!(o.fields.region.as_deref(), Some("北京市东城区"));
        assert_eq!(
            check_legacy("110101900230447").reason.as_deref(),
            Some("出生日期不存在：19900230")
        );
        assert_eq!(
            check_legacy("110199900307447").reason.as_deref(),
            Some("行政区划代码110199不存在")
        );
    }

    #[test]
    fn reg_vectors() {
        assert!(checksum_ok(b"11010519491231002X"));
        assert!(checksum_ok(b"11010519491231002x"));
        assert!(checksum_ok(b"360426199101010071"));
        assert!(checksum_ok(b"110101199003074477"));
        assert!(!checksum_ok(b"110101199003074478"));
        assert!(!checksum_ok(b"11010119900307447"));
    }
}
