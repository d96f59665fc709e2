//! Person-name suggestions (tech-choices §9). A dictionary cannot find Chinese names, so we only
//! suggest them, with **low** confidence, never blocking and never masked without a reviewer:
//!
//! - after a context cue (申请人, 姓名, 联系人, 经办人, 当事人, 收件人, …, optionally followed by
//!   `：` and spaces or 为/是), a surname from the 百家姓 list (`data/surnames.txt`, compound surnames
//!   first) and 1–2 more Han characters;
//! - right before a detected ID, disability number or mobile (after skipping labels such as
//!   身份证号码 and punctuation), a surname and 1–2 Han characters.
//!
//! Given-name characters stop at common function words (于, 向, 的, 等, …) so that
//! `申请人张三于…` yields 张三.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::chars::{is_han, is_hspace};

const SURNAMES_TXT: &str = include_str!("../../data/surnames.txt");

/// The surname list, parsed once.
pub(crate) struct Surnames {
    single: HashSet<char>,
    compound: HashSet<(char, char)>,
}

static SURNAMES: LazyLock<Surnames> = LazyLock::new(|| {
    let mut single = HashSet::new();
    let mut compound = HashSet::new();
    for line in SURNAMES_TXT
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
    {
        for entry in line.split_whitespace() {
            let mut cs = entry.chars();
            match (cs.next(), cs.next(), cs.next()) {
                (Some(a), None, _) => {
                    single.insert(a);
                }
                (Some(a), Some(b), None) => {
                    compound.insert((a, b));
                }
                _ => {}
            }
        }
    }
    Surnames { single, compound }
});

pub(crate) fn surnames() -> &'static Surnames {
    &SURNAMES
}

impl Surnames {
    pub(crate) fn is_single(&self, c: char) -> bool {
        self.single.contains(&c)
    }
    pub(crate) fn is_compound(&self, a: char, b: char) -> bool {
        self.compound.contains(&(a, b))
    }
    #[cfg(test)]
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.single.len(), self.compound.len())
    }
}

/// Length in characters of the surname at the start of `name`: 2 for a compound surname when a
/// given name follows, otherwise 1 (also for unknown surnames: the first character is kept).
pub fn surname_len(name: &str) -> usize {
    let cs: Vec<char> = name.chars().take(3).collect();
    match cs.as_slice() {
        [a, b, _] if surnames().is_compound(*a, *b) => 2,
        [] => 0,
        _ => 1,
    }
}

/// Characters that end a given name: function words and the first characters of common labels.
const STOP: &str = "的了是在于向与和及或等称因对将把被要请说提之也就都所曾现住身年男女先同系不自到从以由签填电手联地证为已当可须需应能会均有无未";

/// Labels skipped when looking for a name before a number.
const LABELS: &[&str] = &[
    "公民身份号码",
    "身份证号码",
    "身份证号",
    "身份证",
    "证件号码",
    "证件号",
    "残疾人证号",
    "残疾证号",
    "手机号码",
    "手机号",
    "手机",
    "联系电话",
    "电话号码",
    "电话",
    "号码",
];

/// Cues and words that may stand right before a name inside a run of Han characters.
const BEFORE_NAME: &[&str] = &[
    "申请人",
    "姓名",
    "联系人",
    "经办人",
    "当事人",
    "收件人",
    "代理人",
    "委托人",
    "由",
    "向",
    "与",
    "和",
    "及",
    "是",
    "为",
    "给",
    "对",
];

fn stop(c: char) -> bool {
    STOP.contains(c)
}

/// The name after a cue ending at byte `pos`, as a byte range.
pub(crate) fn after_cue(text: &str, pos: usize) -> Option<(usize, usize)> {
    let mut p = pos;
    let mut rest = text[pos..].chars().peekable();
    while let Some(&c) = rest.peek() {
        if is_hspace(c) || c == '：' || c == ':' {
            p += c.len_utf8();
            rest.next();
        } else {
            break;
        }
    }
    if text[p..].starts_with('为') || text[p..].starts_with('是') {
        p += '为'.len_utf8();
    }
    let mut han: Vec<(usize, char)> = Vec::with_capacity(4);
    for (off, c) in text[p..].char_indices().take(4) {
        if !is_han(c) {
            break;
        }
        han.push((p + off, c));
    }
    let s = surnames();
    let sl = match han.as_slice() {
        [(_, a), (_, b), _, ..] if s.is_compound(*a, *b) => 2,
        [(_, a), ..] if s.is_single(*a) => 1,
        _ => return None,
    };
    let given = han[sl..]
        .iter()
        .take(2)
        .take_while(|(_, c)| !stop(*c))
        .count();
    if given == 0 {
        return None;
    }
    let (last_at, last) = han[sl + given - 1];
    Some((han[0].0, last_at + last.len_utf8()))
}

/// The name right before a number starting at byte `pos`, as a byte range.
pub(crate) fn before_number(text: &str, pos: usize) -> Option<(usize, usize)> {
    let mut end = pos;
    for _ in 0..6 {
        let head = &text[..end];
        let trimmed = head.trim_end_matches(|c: char| {
            is_hspace(c) || "：:，,、（(".contains(c) || c == '\u{200B}'
        });
        let trimmed = LABELS
            .iter()
            .find_map(|l| trimmed.strip_suffix(l))
            .unwrap_or(trimmed);
        if trimmed.len() == end {
            break;
        }
        end = trimmed.len();
    }
    let mut han: Vec<(usize, char)> = text[..end]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_han(c))
        .take(5)
        .collect();
    han.reverse();
    let s = surnames();
    for len in [4usize, 3, 2] {
        if han.len() < len {
            continue;
        }
        let cand = &han[han.len() - len..];
        let sl = if len >= 3 && s.is_compound(cand[0].1, cand[1].1) {
            2
        } else if s.is_single(cand[0].1) {
            1
        } else {
            continue;
        };
        let given = len - sl;
        if !(1..=2).contains(&given) || cand[sl..].iter().any(|&(_, c)| stop(c)) {
            continue;
        }
        let start = cand[0].0;
        let before = &text[..start];
        let clean_start = before.chars().next_back().is_none_or(|c| !is_han(c));
        if len == 2 || clean_start || BEFORE_NAME.iter().any(|w| before.ends_with(w)) {
            return Some((start, end));
        }
    }
    None
}
