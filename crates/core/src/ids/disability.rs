//! 残疾人证号, second-generation certificate (REG §6.2): the holder's 18-character 公民身份号码,
//! one digit 残疾类别 (1–7) and one digit 残疾等级 (1–4), `^\d{17}[\dX][1-7][1-4]$`.
//!
//! Re-issued certificates may carry a longer number whose suffix format is UNVERIFIED (REG §6.2):
//! when the first 20 characters are valid, a longer number is valid with a warning.
//! The last two digits disclose health status (sensitive PI, REG §6.2 / §5.5).

use chrono::NaiveDate;

use super::{Outcome, resident};

/// Category names by code 1–7; REG §6.2 follows the 残联 text (1 = 视力, 2 = 听力).
pub const CATEGORIES: [&str; 7] = [
    "视力残疾",
    "听力残疾",
    "言语残疾",
    "肢体残疾",
    "智力残疾",
    "精神残疾",
    "多重残疾",
];

/// Level names by code 1–4; 一级 is the most severe.
pub const LEVELS: [&str; 4] = ["一级", "二级", "三级", "四级"];

/// The name of category `code` (1–7).
pub fn category_name(code: u8) -> Option<&'static str> {
    CATEGORIES.get(usize::from(code).checked_sub(1)?).copied()
}

/// The name of level `code` (1–4).
pub fn level_name(code: u8) -> Option<&'static str> {
    LEVELS.get(usize::from(code).checked_sub(1)?).copied()
}

/// Validates a certificate number of 20 or more characters (normalised: upper case, no spaces).
pub fn check(number: &str, today: NaiveDate) -> Outcome {
    let b = number.as_bytes();
    if b.len() < 20 || !number.is_ascii() {
        let mut o = Outcome::default();
        o.fail(format!(
            "长度不符：残疾人证号应为20位，实为{}位",
            number.chars().count()
        ));
        return o;
    }
    let mut o = resident::check_18(&number[..18], today);
    if let Some(reason) = o.reason.take() {
        o.reason = Some(format!("前18位公民身份号码无效：{reason}"));
    }
    let category = b[18].wrapping_sub(b'0');
    let level = b[19].wrapping_sub(b'0');
    match category_name(category) {
        Some(name) => {
            o.fields.disability_category = Some(category);
            o.fields.disability_category_name = Some(name);
        }
        None => o.fail(format!("残疾类别代码应为1至7，实为“{}”", &number[18..19])),
    }
    match level_name(level) {
        Some(name) => {
            o.fields.disability_level = Some(level);
            o.fields.disability_level_name = Some(name);
        }
        None => o.fail(format!("残疾等级代码应为1至4，实为“{}”", &number[19..20])),
    }
    if b.len() > 20 {
        o.warnings.push(format!(
            "号码长{}位：前20位有效，第21位起的后缀格式未经核实，仅校验了前20位",
            b.len()
        ));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    #[test]
    fn every_category_and_level() {
        for c in 0u8..=9 {
            for l in 0u8..=9 {
                let n = format!("11010519491231002X{c}{l}");
                let o = check(&n, today());
                let ok = (1..=7).contains(&c) && (1..=4).contains(&l);
                assert_eq!(o.reason.is_none(), ok, "{n}: {:?}", o.reason);
                if ok {
                    assert_eq!(o.fields.disability_category, Some(c));
                    assert_eq!(o.fields.disability_level, Some(l));
                    assert_eq!(
                        o.fields.disability_category_name,
                        Some(CATEGORIES[usize::from(c) - 1])
                    );
                    assert_eq!(
                        o.fields.disability_level_name,
                        Some(LEVELS[usize::from(l) - 1])
                    );
                    assert!(o.warnings.is_empty());
                }
            }
        }
        assert_eq!(category_name(1), Some("视力残疾"));
        assert_eq!(category_name(2), Some("听力残疾"));
        assert_eq!(category_name(7), Some("多重残疾"));
        assert_eq!(level_name(1), Some("一级"));
        assert_eq!(level_name(4), Some("四级"));
    }

    #[test]
    fn bad_resident_part_and_suffix() {
        let o = check("11010519491231002141", today());
        assert_eq!(
            o.reason.as_deref(),
            Some("前18位公民身份号码无效：校验码错误：应为X")
        );
        let o = check("11010519491231002X41B01", today());
        assert_eq!(o.reason, None);
        assert_eq!(o.warnings.len(), 1);
        let o = check("11010519491231002X81B01", today());
        assert!(o.reason.is_some_and(|r| r.contains("残疾类别")));
    }
}
