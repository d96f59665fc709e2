//! Identity numbers (REG §6): resident ID (公民身份号码), disability certificate number (残疾人证号)
//! and Unified Social Credit Code (统一社会信用代码).
//!
//! [`check`] is the one entry point: it normalises the input (NFKC, so full-width digits count;
//! whitespace removed; upper case), recognises the kind of number by its shape and validates it:
//!
//! - `resident_id`: 18 characters, GB 11643-1999 (REG §6.1): ISO 7064 MOD 11-2 check character,
//!   a real birth date from 1850 on that is not after `today`, and an address code from the
//!   GB/T 2260 table ([`regions`]). Historic codes: a code that existed at any time is accepted,
//!   except one abolished before the birth year (see [`regions`] for why; python-stdnum also
//!   rejects codes created after the birth year, we do not). A historic code gives a warning, and
//!   so does a code created after both the birth year and 1999 (a late first registration).
//!   Codes 810000/820000/830000 are the 港澳台居民居住证 prefixes: valid, with a warning.
//! - `resident_id_legacy`: 15 digits (6 address + YYMMDD + 3 sequence, no check character) with
//!   the same date and region checks; never valid, since first-generation cards stopped being
//!   valid on 2013-01-01 (居民身份证法 Art. 23).
//! - `disability_cert`: 20 characters = resident ID + category 1–7 + level 1–4 (REG §6.2); longer
//!   strings whose first 20 characters are valid are valid with a warning (suffix UNVERIFIED).
//! - `uscc`: GB 32100-2015 (REG §6.3): alphabet, mod-31 check, positions 3–8 digits, position 1 an
//!   authority code (1–9, A, N, Y), position 2 any code character; the embedded 组织机构代码
//!   (GB 11714) check is a warning only.
//! - `unknown`: anything else.
//!
//! An 18-character string of 17 digits plus a digit or X fits both a resident ID and a USCC: it is
//! reported as a resident ID, unless the resident reading is invalid with a date or region that
//! does not exist and the USCC reading is valid (so a mistyped ID stays a resident ID).
//!
//! Nothing here panics on any input (property-tested).

pub mod disability;
pub mod regions;
pub mod resident;
pub mod uscc;

use chrono::NaiveDate;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// What kind of number the input was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    ResidentId,
    ResidentIdLegacy,
    DisabilityCert,
    Uscc,
    Unknown,
}

/// Fields parsed from the number; `None` when not applicable or not parseable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdFields {
    /// Birth date (resident ID, legacy ID, disability certificate), YYYY-MM-DD.
    pub birth_date: Option<NaiveDate>,
    /// `male` (odd sequence digit) or `female`.
    pub sex: Option<Sex>,
    /// Six-digit region code: the address code of a resident ID, or USCC positions 3–8.
    pub region_code: Option<String>,
    /// Full region name, e.g. `北京市东城区`; `None` when the code is not in the table.
    pub region: Option<String>,
    pub region_province: Option<String>,
    pub region_city: Option<String>,
    pub region_county: Option<String>,
    /// False for a historic (abolished) region code.
    pub region_current: Option<bool>,
    /// Disability category code 1–7 (REG §6.2).
    pub disability_category: Option<u8>,
    /// 视力残疾 … 多重残疾.
    pub disability_category_name: Option<&'static str>,
    /// Disability level 1–4.
    pub disability_level: Option<u8>,
    /// 一级 … 四级.
    pub disability_level_name: Option<&'static str>,
    /// USCC position 1, 登记管理部门码.
    pub uscc_authority: Option<char>,
    pub uscc_authority_name: Option<&'static str>,
    /// USCC position 2, 机构类别码.
    pub uscc_category: Option<char>,
    /// Known only for some authorities (REG §6.3; the full tables are UNVERIFIED).
    pub uscc_category_name: Option<&'static str>,
    /// USCC positions 9–17, the 组织机构代码 (GB 11714) with its own check character.
    pub uscc_org_code: Option<String>,
}

/// Sex from the sequence code (REG §6.1: odd = male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// The result of checking one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdCheck {
    /// The input exactly as given.
    pub input: String,
    /// The normalised number that was checked (NFKC, no whitespace, upper case).
    pub number: String,
    pub kind: IdKind,
    pub valid: bool,
    /// Why the number is not valid, in Chinese; `None` when valid.
    pub reason: Option<String>,
    /// Remarks that do not make the number invalid, in Chinese.
    pub warnings: Vec<String>,
    #[serde(flatten)]
    pub fields: IdFields,
}

/// What a kind-specific checker produces: fields parsed so far, warnings, and the first failure.
#[derive(Debug, Default)]
pub struct Outcome {
    pub fields: IdFields,
    pub warnings: Vec<String>,
    pub reason: Option<String>,
}

impl Outcome {
    /// Records the first failure; later ones are not reported.
    pub fn fail(&mut self, reason: String) {
        if self.reason.is_none() {
            self.reason = Some(reason);
        }
    }
}

/// NFKC, drop all whitespace, ASCII upper case (REG §6.1: lower-case x is accepted), and NFKC
/// once more: dropping a space that NFKC made (U+00B4 ´ is a space and a combining acute) can
/// leave combining marks next to each other in the wrong order or next to a letter they compose
/// with, so without the second pass normalising twice would not give the same string (found by
/// the `ids` fuzz target). Idempotent: `normalize(normalize(x)) == normalize(x)`.
pub fn normalize(input: &str) -> String {
    input
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .nfkc()
        .collect()
}

fn is_resident_shape(b: &[u8]) -> bool {
    b.len() >= 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X')
}

/// The reason for an input of no recognised shape.
fn unknown(number: &str) -> Outcome {
    let mut o = Outcome::default();
    let chars = number.chars().count();
    if let Some(c) = number.chars().find(|c| !c.is_ascii_alphanumeric()) {
        o.fail(format!("含有无效字符：{c}"));
    } else if chars == 15 || chars == 18 || chars >= 20 {
        o.fail(format!(
            "格式不符：{chars}位，但不是公民身份号码、残疾人证号或统一社会信用代码的格式"
        ));
    } else {
        o.fail(format!(
            "长度不符：公民身份号码应为18位（旧号码15位），残疾人证号20位，统一社会信用代码18位，实为{chars}位"
        ));
    }
    o
}

/// Checks one input against `today` (the latest acceptable birth date). Never panics.
pub fn check(input: &str, today: NaiveDate) -> IdCheck {
    let number = normalize(input);
    let b = number.as_bytes();
    let (kind, outcome) = if b.is_empty() {
        let mut o = Outcome::default();
        o.fail("输入为空".to_string());
        (IdKind::Unknown, o)
    } else if !number.is_ascii() {
        (IdKind::Unknown, unknown(&number))
    } else if b.len() == 15 && b.iter().all(u8::is_ascii_digit) {
        (IdKind::ResidentIdLegacy, resident::check_legacy(&number))
    } else if b.len() == 18 && is_resident_shape(b) {
        let res = resident::check_18(&number, today);
        // A failed resident reading whose date and region are sound is a mistyped ID, not a USCC.
        let resident_shaped = res.fields.birth_date.is_some() && res.fields.region.is_some();
        if res.reason.is_some() && !resident_shaped && uscc::check_18(&number).reason.is_none() {
            (IdKind::Uscc, uscc::check_18(&number))
        } else {
            let mut res = res;
            if res.reason.is_none() && uscc::check_18(&number).reason.is_none() {
                res.warnings.push(
                    "该号码同时符合统一社会信用代码的校验规则，已按公民身份号码处理".to_string(),
                );
            }
            (IdKind::ResidentId, res)
        }
    } else if b.len() == 18 && b.iter().all(u8::is_ascii_alphanumeric) {
        (IdKind::Uscc, uscc::check_18(&number))
    } else if b.len() >= 20
        && is_resident_shape(b)
        && b[18].is_ascii_digit()
        && b[19].is_ascii_digit()
    {
        (IdKind::DisabilityCert, disability::check(&number, today))
    } else {
        (IdKind::Unknown, unknown(&number))
    };
    IdCheck {
        input: input.to_string(),
        number,
        kind,
        valid: outcome.reason.is_none(),
        reason: outcome.reason,
        warnings: outcome.warnings,
        fields: outcome.fields,
    }
}

#[cfg(test)]
mod tests;
