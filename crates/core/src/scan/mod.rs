//! The text scanner of the confidentiality review (product C3, REG §5.5, tech-choices §9): finds
//! classification markings, personal data and administrator-listed sensitive words in a text so
//! that a reviewer can resolve each finding (mask, remove or justify) before anything is published
//! ("先审查、后公开", 保守国家秘密法实施条例 Art. 42).
//!
//! What is found, and how sure it is:
//!
//! | kind | rule | confidence | blocking |
//! |---|---|---|---|
//! | `classification` | 绝密/机密/秘密, 工作秘密, 内部资料…, 保密期限 (see [`markings`]) | high in marking form, else medium | yes |
//! | `resident_id` | 18 characters, MOD 11-2 check, real birth date (REG §6.1) | high | yes |
//! | `legacy_resident_id` | 15 digits with a real 19YYMMDD date (REG §6.1) | medium | yes |
//! | `disability_cert` | valid ID + category 1–7 + level 1–4 (REG §6.2) | high | yes |
//! | `mobile` | `1[3-9]\d{9}` | high | yes |
//! | `landline` | `0\d{2,3}-?\d{7,8}` | medium | no (office numbers are public) |
//! | `bank_card` | 16–19 digits passing Luhn | high | yes |
//! | `account_number` | other 16–25-digit strings ("possible account number") | low | no |
//! | `email` | local@domain.tld | high | yes |
//! | `uscc` | 18 characters, mod-31 check (REG §6.3): tagged only | high | no |
//! | `name` | surname + 1–2 Han characters after a cue or before an ID/phone | low | no |
//! | `sensitive_word` | the administrator's list (aho-corasick, leftmost-longest) | high | yes |
//!
//! Digits, letters and `@` are compared after NFKC (full-width digits match) and invisible
//! characters inside numbers are skipped, but every offset refers to the **original** text:
//! `start`/`end` count Unicode scalar values, `end` exclusive, and `text` is the original slice.
//! Overlapping candidates are resolved so that findings never overlap: blocking beats
//! non-blocking, then the stronger kind, then confidence, then the longer span.
//!
//! Speed: one byte loop stops only on bytes that can start a digit or `@` (a lookup table), the
//! markings and cues are one aho-corasick DFA pass, the sensitive words another; no allocation per
//! character. See `bench/RESULTS.md`.

mod chars;
mod markings;
mod names;
mod numbers;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use crate::mask::{self, MaskPolicy};

pub(crate) use chars::ascii_fold;
pub use names::surname_len;

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Classification,
    ResidentId,
    LegacyResidentId,
    DisabilityCert,
    Mobile,
    Landline,
    BankCard,
    AccountNumber,
    Email,
    Uscc,
    Name,
    SensitiveWord,
}

impl FindingKind {
    /// Must a reviewer resolve it before publication? (USCCs, landlines, name suggestions and
    /// possible account numbers are shown but do not block.)
    pub fn blocking(self) -> bool {
        !matches!(
            self,
            FindingKind::Landline
                | FindingKind::AccountNumber
                | FindingKind::Uscc
                | FindingKind::Name
        )
    }

    /// Personal information (个人信息保护法 Art. 4) as opposed to markings, codes and words.
    pub fn is_personal_data(self) -> bool {
        !matches!(
            self,
            FindingKind::Classification | FindingKind::Uscc | FindingKind::SensitiveWord
        )
    }

    /// Chinese name of the kind, for messages.
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::Classification => "密级或保密标志",
            FindingKind::ResidentId => "公民身份号码",
            FindingKind::LegacyResidentId => "15位旧版公民身份号码",
            FindingKind::DisabilityCert => "残疾人证号",
            FindingKind::Mobile => "手机号码",
            FindingKind::Landline => "固定电话号码",
            FindingKind::BankCard => "银行卡号",
            FindingKind::AccountNumber => "疑似账号",
            FindingKind::Email => "电子邮箱",
            FindingKind::Uscc => "统一社会信用代码",
            FindingKind::Name => "疑似人名",
            FindingKind::SensitiveWord => "敏感词",
        }
    }

    /// Strength when candidates overlap.
    fn rank(self) -> u8 {
        match self {
            FindingKind::Classification => 10,
            FindingKind::Email => 9,
            FindingKind::DisabilityCert => 8,
            FindingKind::ResidentId => 7,
            FindingKind::BankCard => 6,
            FindingKind::LegacyResidentId => 5,
            FindingKind::Mobile => 4,
            FindingKind::SensitiveWord => 3,
            FindingKind::Landline | FindingKind::Uscc => 2,
            FindingKind::AccountNumber => 1,
            FindingKind::Name => 0,
        }
    }
}

/// How sure the scanner is that the finding is what its kind says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// One finding. Offsets are Unicode scalar values of the original text, `end` exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub start: usize,
    pub end: usize,
    /// The original text of the span.
    pub text: String,
    /// What masking with the scanner's policy would put in place of `text`.
    pub suggested_mask: String,
    pub confidence: Confidence,
    pub blocking: bool,
    /// Why it was reported, in Chinese, for the reviewer.
    pub reason: String,
}

/// Errors of the scanner; the messages are shown as they are.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("敏感词表无法构建：{0}")]
    Words(String),
    #[error("内置扫描规则无法构建：{0}")]
    Builtin(String),
}

/// An administrator-maintained sensitive-word list, compiled once into an aho-corasick automaton
/// (leftmost-longest, ASCII case-insensitive). Cloning is cheap (`Arc`), so one compiled list can
/// be shared by every scanner and request until the list changes.
#[derive(Debug, Clone)]
pub struct SensitiveWords {
    ac: Arc<AhoCorasick>,
    count: usize,
}

impl SensitiveWords {
    /// Compiles the words; empty and blank entries are ignored, surrounding white space trimmed.
    pub fn new<I, S>(words: I) -> Result<SensitiveWords, ScanError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let words: Vec<String> = words
            .into_iter()
            .map(|w| w.as_ref().trim().to_string())
            .filter(|w| !w.is_empty())
            .collect();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&words)
            .map_err(|e| ScanError::Words(e.to_string()))?;
        Ok(SensitiveWords {
            ac: Arc::new(ac),
            count: words.len(),
        })
    }

    /// Parses a list file: one word per line; blank lines and lines starting with `#` are ignored.
    pub fn parse_list(text: &str) -> Result<SensitiveWords, ScanError> {
        SensitiveWords::new(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#')),
        )
    }

    /// Number of words in the list.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Scanner settings.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// The administrator's sensitive-word list, if any.
    pub sensitive_words: Option<SensitiveWords>,
    /// Suggest person names (low confidence). Default: on.
    pub suggest_names: bool,
    /// The policy used for `suggested_mask`.
    pub mask_policy: MaskPolicy,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            sensitive_words: None,
            suggest_names: true,
            mask_policy: MaskPolicy::default(),
        }
    }
}

/// The scanner: built once, then used for any number of texts (it is `Send + Sync`, cheap to
/// clone).
#[derive(Debug, Clone)]
pub struct Scanner {
    fixed: Arc<AhoCorasick>,
    config: ScanConfig,
}

/// A candidate before overlap resolution; byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Raw {
    pub(crate) kind: FindingKind,
    pub(crate) bs: usize,
    pub(crate) be: usize,
    pub(crate) confidence: Confidence,
}

impl Raw {
    pub(crate) fn new(kind: FindingKind, bs: usize, be: usize, confidence: Confidence) -> Raw {
        Raw {
            kind,
            bs,
            be,
            confidence,
        }
    }

    /// Larger wins an overlap.
    fn priority(&self) -> (bool, u8, Confidence, usize, std::cmp::Reverse<usize>) {
        (
            self.kind.blocking(),
            self.kind.rank(),
            self.confidence,
            self.be - self.bs,
            std::cmp::Reverse(self.bs),
        )
    }
}

impl Scanner {
    pub fn new(config: ScanConfig) -> Result<Scanner, ScanError> {
        let fixed = markings::build().map_err(|e| ScanError::Builtin(e.to_string()))?;
        Ok(Scanner {
            fixed: Arc::new(fixed),
            config,
        })
    }

    pub fn config(&self) -> &ScanConfig {
        &self.config
    }

    /// All findings in `text`, ordered by position, never overlapping.
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        let raws = self.scan_raw(text);
        self.finish(text, raws)
    }

    /// The resolved candidates with byte offsets (used by `scan` and the benchmark).
    pub(crate) fn scan_raw(&self, text: &str) -> Vec<Raw> {
        let mut raws = Vec::new();
        let mut buf = numbers::RunBuf::default();
        numbers::scan(text, &mut raws, &mut buf);
        if self.config.suggest_names {
            let near: Vec<usize> = raws
                .iter()
                .filter(|r| {
                    matches!(
                        r.kind,
                        FindingKind::ResidentId
                            | FindingKind::LegacyResidentId
                            | FindingKind::DisabilityCert
                            | FindingKind::Mobile
                    )
                })
                .map(|r| r.bs)
                .collect();
            for bs in near {
                if let Some((s, e)) = names::before_number(text, bs) {
                    raws.push(Raw::new(FindingKind::Name, s, e, Confidence::Low));
                }
            }
        }
        markings::scan(text, &self.fixed, self.config.suggest_names, &mut raws);
        if let Some(words) = &self.config.sensitive_words {
            for m in words.ac.find_iter(text) {
                raws.push(Raw::new(
                    FindingKind::SensitiveWord,
                    m.start(),
                    m.end(),
                    Confidence::High,
                ));
            }
        }
        resolve(raws)
    }

    /// Byte offsets → char offsets, and the finding texts.
    fn finish(&self, text: &str, raws: Vec<Raw>) -> Vec<Finding> {
        let mut out = Vec::with_capacity(raws.len());
        let (mut byte, mut chr) = (0usize, 0usize);
        let mut advance = |to: usize| {
            chr += text[byte..to].chars().count();
            byte = to;
            chr
        };
        for r in raws {
            let start = advance(r.bs);
            let end = advance(r.be);
            let original = &text[r.bs..r.be];
            out.push(Finding {
                kind: r.kind,
                start,
                end,
                text: original.to_string(),
                suggested_mask: mask::mask_span(r.kind, original, &self.config.mask_policy),
                confidence: r.confidence,
                blocking: r.kind.blocking(),
                reason: reason(r.kind, r.confidence).to_string(),
            });
        }
        out
    }
}

/// The blocking personal numbers in `text` (resident and disability numbers, mobiles, bank
/// cards), resolved so that they do not overlap, as (kind, byte start, byte end). Masking an
/// e-mail address hides these in its domain too (`mask::mask_span`).
pub(crate) fn personal_numbers(text: &str) -> Vec<(FindingKind, usize, usize)> {
    let mut raws = Vec::new();
    numbers::scan(text, &mut raws, &mut numbers::RunBuf::default());
    resolve(raws)
        .into_iter()
        .filter(|r| r.kind.blocking() && r.kind.is_personal_data())
        .map(|r| (r.kind, r.bs, r.be))
        .collect()
}

/// Keeps the strongest of overlapping candidates; the result is sorted and non-overlapping.
fn resolve(mut raws: Vec<Raw>) -> Vec<Raw> {
    raws.sort_by_key(|r| std::cmp::Reverse(r.priority()));
    let mut kept: BTreeMap<usize, Raw> = BTreeMap::new();
    for r in raws {
        if r.bs >= r.be {
            continue;
        }
        let clash_before = kept
            .range(..r.be)
            .next_back()
            .is_some_and(|(_, k)| k.be > r.bs);
        if !clash_before {
            kept.insert(r.bs, r);
        }
    }
    kept.into_values().collect()
}

/// The reviewer's explanation of a finding.
fn reason(kind: FindingKind, confidence: Confidence) -> &'static str {
    match (kind, confidence) {
        (FindingKind::Classification, Confidence::High) => {
            "密级或保密标志：未经保密审查不得公开（保守国家秘密法第三十五条，条例第十七条）"
        }
        (FindingKind::Classification, _) => {
            "正文出现密级或保密用语，请确认是否涉及国家秘密或工作秘密（条例第十七条）"
        }
        (FindingKind::ResidentId, _) => {
            "公民身份号码（校验位正确），属于个人信息，公开前须处理（条例第十五条）"
        }
        (FindingKind::LegacyResidentId, _) => {
            "疑似15位旧版公民身份号码（出生日期有效），属于个人信息"
        }
        (FindingKind::DisabilityCert, _) => {
            "残疾人证号，含残疾类别和等级，属于敏感个人信息（个人信息保护法第二十八条）"
        }
        (FindingKind::Mobile, _) => "手机号码，属于个人信息，公开前须处理",
        (FindingKind::Landline, _) => "固定电话号码：个人电话须处理，机关办公电话可以公开",
        (FindingKind::BankCard, _) => {
            "银行卡号（Luhn校验通过），属于金融账户信息（个人信息保护法第二十八条）"
        }
        (FindingKind::AccountNumber, _) => "较长数字串，可能是银行账号，请人工确认",
        (FindingKind::Email, _) => "电子邮箱地址：个人邮箱须处理，机关公开邮箱可以公开",
        (FindingKind::Uscc, _) => "统一社会信用代码（校验位正确），一般可以公开，仅作标注",
        (FindingKind::Name, _) => "疑似人名，须人工确认；系统不会自动遮蔽",
        (FindingKind::SensitiveWord, _) => "命中敏感词表，请审查",
    }
}
