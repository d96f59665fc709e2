//! Classification markings (密级标志) and the context cues for person names.
//!
//! The rule (保守国家秘密法 Arts. 14, 35, 64; 实施条例 Art. 42; REG §5.1): a document carrying a
//! state-secret level (绝密, 机密, 秘密), a 保密期限, a 工作秘密 or 内部 marking must not be
//! published without review, so every such finding is **blocking**. How sure we are depends on the
//! form:
//!
//! - **high**: the marking form, i.e. the word followed by `★` (optionally with a period:
//!   `秘密★1年`, `机密★`, `绝密★长期`), or standing at the start of a line followed by white space or
//!   the line end (the 版头 position), or `保密期限` followed by a period (`保密期限：10年`);
//! - **medium**: the same words inside prose (`该文件属于机密`, `工作秘密`, `内部资料不得外传`); a
//!   reviewer decides whether the content is secret;
//! - not reported: the ordinary word 内部 in prose (内部管理, 内部控制: far too common), and the
//!   legal terms 国家秘密 / 商业秘密 and the adjectives 机密性 / 秘密性, which every 公开指南 and the
//!   条例 itself contain (`不得公开涉及国家秘密的信息`). They are matched (leftmost-longest) only so
//!   that their inner 秘密 is not reported.

use aho_corasick::{AhoCorasick, AhoCorasickKind, BuildError, MatchKind};

use super::chars::{Class, class, is_hspace};
use super::{Confidence, FindingKind, Raw, names};

/// What a fixed pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pat {
    /// 绝密 / 机密 / 秘密.
    Level,
    /// 工作秘密, 内部资料 and similar: reported in prose too (medium).
    Phrase,
    /// 内部 on its own: reported only in marking form.
    InternalBare,
    /// 保密期限.
    Period,
    /// Legal terms that contain a level word but are not markings.
    Exclude,
    /// A context cue after which a person's name usually follows.
    Cue,
}

const PATTERNS: &[(&str, Pat)] = &[
    ("绝密", Pat::Level),
    ("机密", Pat::Level),
    ("秘密", Pat::Level),
    ("工作秘密", Pat::Phrase),
    ("内部资料", Pat::Phrase),
    ("内部文件", Pat::Phrase),
    ("内部材料", Pat::Phrase),
    ("内部刊物", Pat::Phrase),
    ("内部参考", Pat::Phrase),
    ("内部", Pat::InternalBare),
    ("保密期限", Pat::Period),
    ("国家秘密", Pat::Exclude),
    ("商业秘密", Pat::Exclude),
    ("机密性", Pat::Exclude),
    ("秘密性", Pat::Exclude),
    ("申请人", Pat::Cue),
    ("姓名", Pat::Cue),
    ("联系人", Pat::Cue),
    ("经办人", Pat::Cue),
    ("当事人", Pat::Cue),
    ("收件人", Pat::Cue),
    ("代理人", Pat::Cue),
    ("委托人", Pat::Cue),
];

/// Builds the fixed automaton (a DFA: the patterns share lead bytes with all Chinese text, so a
/// prefilter would not help and the DFA is the fastest search).
pub(crate) fn build() -> Result<AhoCorasick, BuildError> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .build(PATTERNS.iter().map(|(p, _)| p))
}

/// Reports markings, and name suggestions after cues when `names` is set.
pub(crate) fn scan(text: &str, ac: &AhoCorasick, names: bool, out: &mut Vec<Raw>) {
    for m in ac.find_iter(text) {
        let Some(&(_, pat)) = PATTERNS.get(m.pattern().as_usize()) else {
            continue;
        };
        match pat {
            Pat::Exclude => {}
            Pat::Cue => {
                if let Some((s, e)) = names.then(|| names::after_cue(text, m.end())).flatten() {
                    out.push(Raw::new(FindingKind::Name, s, e, Confidence::Low));
                }
            }
            Pat::Period => {
                let (end, conf) = match period_after_label(text, m.end()) {
                    Some(end) => (end, Confidence::High),
                    None => (m.end(), Confidence::Medium),
                };
                out.push(Raw::new(FindingKind::Classification, m.start(), end, conf));
            }
            Pat::Level | Pat::Phrase | Pat::InternalBare => {
                let star = star_suffix(text, m.end());
                let end = star.unwrap_or(m.end());
                let marking_form = star.is_some()
                    || (at_line_start(text, m.start()) && followed_by_break(text, end));
                let conf = if marking_form {
                    Confidence::High
                } else if pat == Pat::InternalBare {
                    continue;
                } else {
                    Confidence::Medium
                };
                out.push(Raw::new(FindingKind::Classification, m.start(), end, conf));
            }
        }
    }
}

/// `★` after optional spaces, with an optional period: returns the end of the marking.
fn star_suffix(text: &str, pos: usize) -> Option<usize> {
    let p = skip_hspace(text, pos);
    let after_star = p + text[p..].strip_prefix('★').map(|_| '★'.len_utf8())?;
    let q = skip_hspace(text, after_star);
    Some(period(text, q).unwrap_or(after_star))
}

/// After 保密期限: optional spaces and colon, then a period; returns its end.
fn period_after_label(text: &str, pos: usize) -> Option<usize> {
    let mut p = skip_hspace(text, pos);
    if let Some(c) = text[p..].chars().next().filter(|&c| c == '：' || c == ':') {
        p = skip_hspace(text, p + c.len_utf8());
    }
    period(text, p)
}

/// A secrecy period at `pos`: `长期`, or digits followed by `年` or `个月`. Returns its end.
fn period(text: &str, pos: usize) -> Option<usize> {
    let rest = &text[pos..];
    if rest.starts_with("长期") {
        return Some(pos + "长期".len());
    }
    let mut p = pos;
    for c in rest.chars() {
        if matches!(class(c), Class::Digit(_)) {
            p += c.len_utf8();
        } else {
            break;
        }
    }
    if p == pos {
        return None;
    }
    ["年", "个月"]
        .iter()
        .find(|u| text[p..].starts_with(**u))
        .map(|u| p + u.len())
}

fn skip_hspace(text: &str, pos: usize) -> usize {
    let mut p = pos;
    for c in text[pos..].chars() {
        if !is_hspace(c) {
            break;
        }
        p += c.len_utf8();
    }
    p
}

/// Only horizontal white space between the previous line break (or the text start) and `pos`.
fn at_line_start(text: &str, pos: usize) -> bool {
    text[..pos]
        .chars()
        .rev()
        .find(|&c| !is_hspace(c))
        .is_none_or(|c| c == '\n' || c == '\r')
}

/// White space, a line break or the text end at `pos`.
fn followed_by_break(text: &str, pos: usize) -> bool {
    text[pos..]
        .chars()
        .next()
        .is_none_or(|c| is_hspace(c) || c == '\n' || c == '\r')
}
