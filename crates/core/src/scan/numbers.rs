//! Number-like personal data: resident IDs (REG §6.1), disability certificate numbers (§6.2),
//! legacy 15-digit IDs, mobiles, landlines, bank cards (Luhn), long account-like digit strings,
//! USCCs (§6.3) and e-mail addresses.
//!
//! The rule for digit runs (tech-choices §9): digits are read after NFKC; invisible characters
//! inside a run are dropped; visible separators (space, line break, `-`) split the run into
//! groups. A candidate must start and end on a group edge, which is the "no digit immediately
//! before or after" boundary of `(?<!\d)…(?!\d)` done in code. Checksummed kinds (IDs,
//! disability numbers) may span any grouping, because their check digit keeps false positives
//! rare; unchecked kinds must follow the usual print layouts (mobile 3-4-4, card groups of 4).
//! At each group edge the longest valid candidate wins, so an ID inside a disability number is
//! reported once, as the disability number.

use super::chars::{Class, ascii_fold, class};
use super::{Confidence, FindingKind, Raw};
use crate::ids;

/// Consecutive separators allowed inside one digit run ("\r\n", " - ").
const MAX_SEPARATORS: usize = 3;
/// No candidate is longer than a disability certificate number.
const MAX_CANDIDATE: usize = 20;

/// Scratch buffers of one digit run, reused across runs to avoid allocation.
#[derive(Default)]
pub(crate) struct RunBuf {
    /// Normalised characters: ASCII digits and `X`.
    sig: Vec<u8>,
    /// Byte range in the original text of each normalised character.
    span: Vec<(usize, usize)>,
    /// `edge[i]`: a visible separator lies between `sig[i-1]` and `sig[i]`.
    edge: Vec<bool>,
    /// Indices where a candidate may start or end: 0, every separator edge, `sig.len()`.
    cuts: Vec<usize>,
}

/// Scans the whole text for number-like findings and e-mail addresses.
pub(crate) fn scan(text: &str, out: &mut Vec<Raw>, buf: &mut RunBuf) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !super::chars::TRIGGER[bytes[i] as usize] {
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        match class(c) {
            Class::Digit(_) => {
                i = number_at(text, i, out, buf);
            }
            Class::At => {
                i = email_at(text, i, c.len_utf8(), out);
            }
            _ => i += c.len_utf8(),
        }
    }
}

/// Handles the token that has its first digit at byte `start`; returns where scanning resumes.
fn number_at(text: &str, start: usize, out: &mut Vec<Raw>, buf: &mut RunBuf) -> usize {
    let uscc = uscc_at(text, start);
    if let Some((code_start, code_end, true)) = uscc {
        out.push(Raw::new(
            FindingKind::Uscc,
            code_start,
            code_end,
            Confidence::High,
        ));
        return code_end;
    }
    let before = out.len();
    let end = read_run(text, start, buf);
    let glued = glued_to_letters(text, buf);
    tile_run(buf, glued, out);
    // An all-digit USCC may also be a card or an ID: the blocking reading wins, the tag is added
    // only when nothing else claimed the code.
    // A mere "possible account number" gives way to the checksum-verified code.
    if let Some((code_start, code_end, false)) = uscc {
        let overlaps = |r: &Raw| r.bs < code_end && r.be > code_start;
        let strong = out[before..]
            .iter()
            .any(|r| overlaps(r) && r.kind != FindingKind::AccountNumber);
        if !strong {
            let mut i = before;
            while i < out.len() {
                if overlaps(&out[i]) {
                    out.swap_remove(i);
                } else {
                    i += 1;
                }
            }
            out.push(Raw::new(
                FindingKind::Uscc,
                code_start,
                code_end,
                Confidence::High,
            ));
        }
        return end.max(code_end);
    }
    end
}

/// Reads the digit run starting at byte `start` into `buf`; returns its end byte (after the last
/// digit or X, trailing separators excluded).
fn read_run(text: &str, start: usize, buf: &mut RunBuf) -> usize {
    buf.sig.clear();
    buf.span.clear();
    buf.edge.clear();
    let mut end = start;
    let mut pending_sep = 0usize;
    let mut chars = text[start..].char_indices().peekable();
    while let Some((off, c)) = chars.next() {
        let at = start + off;
        let sig = match class(c) {
            Class::Digit(d) => d,
            // The ID check character, after a digit; not when a word follows (`5 Xiamen`).
            Class::Letter(b'X')
                if !buf.sig.is_empty()
                    && !matches!(chars.peek().map(|&(_, n)| class(n)), Some(Class::Letter(_))) =>
            {
                b'X'
            }
            Class::Separator => {
                pending_sep += 1;
                if pending_sep > MAX_SEPARATORS {
                    break;
                }
                continue;
            }
            // Tech-choices §9: zero-width characters inside a number are dropped.
            Class::Invisible => continue,
            _ => break,
        };
        buf.sig.push(sig);
        buf.span.push((at, at + c.len_utf8()));
        buf.edge.push(pending_sep > 0 && buf.sig.len() > 1);
        pending_sep = 0;
        end = at + c.len_utf8();
    }
    buf.cuts.clear();
    buf.cuts.push(0);
    for (i, &e) in buf.edge.iter().enumerate() {
        if e {
            buf.cuts.push(i);
        }
    }
    buf.cuts.push(buf.sig.len());
    end
}

/// True when the run touches an ASCII letter (other than its own X) directly before or after:
/// then it is part of a code such as an order number, and only checksummed kinds and mobiles are
/// reported.
fn glued_to_letters(text: &str, buf: &RunBuf) -> bool {
    let (Some(&(first, _)), Some(&(_, last))) = (buf.span.first(), buf.span.last()) else {
        return false;
    };
    let before = text[..first].chars().next_back().map(class);
    let after = text[last..].chars().next().map(class);
    matches!(before, Some(Class::Letter(_))) || matches!(after, Some(Class::Letter(_)))
}

/// Splits the run in `buf` into findings: at each cut, the longest valid candidate ending on a
/// cut; unmatched stretches may become a low-confidence "possible account number".
fn tile_run(buf: &RunBuf, glued: bool, out: &mut Vec<Raw>) {
    let cuts = &buf.cuts;
    let mut ci = 0;
    let mut unmatched: Option<usize> = None; // cut index where the unmatched stretch starts
    while ci + 1 < cuts.len() {
        let s = cuts[ci];
        let mut found = None;
        let mut cj = ci + 1;
        while cj < cuts.len() && cuts[cj] - s <= MAX_CANDIDATE {
            cj += 1;
        }
        for ej in (ci + 1..cj).rev() {
            if let Some(hit) = classify(buf, s, cuts[ej], glued) {
                found = Some((ej, hit));
                break;
            }
        }
        match found {
            Some((ej, (kind, confidence))) => {
                if let Some(u) = unmatched.take() {
                    account_candidate(buf, cuts, u, ci, glued, out);
                }
                out.push(Raw::new(
                    kind,
                    buf.span[s].0,
                    buf.span[cuts[ej] - 1].1,
                    confidence,
                ));
                ci = ej;
            }
            None => {
                unmatched.get_or_insert(ci);
                ci += 1;
            }
        }
    }
    if let Some(u) = unmatched {
        account_candidate(buf, cuts, u, cuts.len() - 1, glued, out);
    }
}

/// The unmatched stretch between cut indices `from` and `to`: a long digit string laid out as one
/// block or in groups of four is a possible (non-Luhn) account number, for a reviewer to check.
fn account_candidate(
    buf: &RunBuf,
    cuts: &[usize],
    from: usize,
    to: usize,
    glued: bool,
    out: &mut Vec<Raw>,
) {
    let (s, e) = (cuts[from], cuts[to]);
    let digits = &buf.sig[s..e];
    if glued || !(16..=25).contains(&digits.len()) || digits.contains(&b'X') {
        return;
    }
    let inner = &cuts[from + 1..to];
    if inner.iter().all(|&c| (c - s) % 4 == 0) {
        out.push(Raw::new(
            FindingKind::AccountNumber,
            buf.span[s].0,
            buf.span[e - 1].1,
            Confidence::Low,
        ));
    }
}

/// Interior group edges of the candidate `s..e`, relative to `s`.
fn inner_edges(buf: &RunBuf, s: usize, e: usize) -> impl Iterator<Item = usize> + '_ {
    (s + 1..e).filter(|&i| buf.edge[i]).map(move |i| i - s)
}

/// The kind of the candidate `sig[s..e]`, if any, trying the stronger kinds first.
fn classify(buf: &RunBuf, s: usize, e: usize, glued: bool) -> Option<(FindingKind, Confidence)> {
    let d = &buf.sig[s..e];
    let x_free = !d.contains(&b'X');
    match d.len() {
        // REG §6.2: 18-character ID + category [1-7] + level [1-4].
        20 if resident_id_ok(&d[..18])
            && (b'1'..=b'7').contains(&d[18])
            && (b'1'..=b'4').contains(&d[19]) =>
        {
            return Some((FindingKind::DisabilityCert, Confidence::High));
        }
        18 if resident_id_ok(d) => return Some((FindingKind::ResidentId, Confidence::High)),
        _ => {}
    }
    if !x_free {
        return None;
    }
    let layout = |allowed: &dyn Fn(usize) -> bool| inner_edges(buf, s, e).all(allowed);
    // Bank card: 16–19 digits, Luhn; printed as one block, in groups of four, or 6 + rest.
    if !glued
        && (16..=19).contains(&d.len())
        && luhn_ok(d)
        && (layout(&|i| i % 4 == 0) || layout(&|i| i == 6))
    {
        return Some((FindingKind::BankCard, Confidence::High));
    }
    // REG §6.1: 15-digit first-generation ID (6 address + YYMMDD + 3), no check digit.
    if !glued && d.len() == 15 && legacy_id_ok(d) && layout(&|i| i == 6 || i == 12) {
        return Some((FindingKind::LegacyResidentId, Confidence::Medium));
    }
    // Mobile 1[3-9]\d{9}, as one block or 3-4-4 / 3-8 / 7-4.
    if d.len() == 11 && d[0] == b'1' && d[1] >= b'3' && layout(&|i| i == 3 || i == 7) {
        return Some((FindingKind::Mobile, Confidence::High));
    }
    // Landline 0\d{2,3}-?\d{7,8}: area code 0[1-9]x(x), separator only after the area code.
    if !glued && (10..=12).contains(&d.len()) && d[0] == b'0' && d[1] != b'0' {
        let mut edges = inner_edges(buf, s, e);
        let ok = match (edges.next(), edges.next()) {
            (None, _) => true,
            (Some(a), None) => (a == 3 && d.len() - 3 >= 7) || (a == 4 && d.len() - 4 >= 7),
            _ => false,
        };
        if ok {
            return Some((FindingKind::Landline, Confidence::Medium));
        }
    }
    None
}

/// 18 characters with a correct MOD 11-2 check character (REG §6.1), a region code not starting
/// with 0 or 9, and a real birth date between 1800 and 2099.
pub(crate) fn resident_id_ok(d: &[u8]) -> bool {
    d.len() == 18
        && d[..17].iter().all(u8::is_ascii_digit)
        && (b'1'..=b'8').contains(&d[0])
        && date_ok(num(&d[6..10]), num(&d[10..12]), num(&d[12..14]))
        && (1800..=2099).contains(&num(&d[6..10]))
        && ids::resident::checksum_ok(d)
}

/// 15 digits, region not starting with 0 or 9, and a real date 19YYMMDD (REG §6.1).
fn legacy_id_ok(d: &[u8]) -> bool {
    (b'1'..=b'8').contains(&d[0]) && date_ok(1900 + num(&d[6..8]), num(&d[8..10]), num(&d[10..12]))
}

fn num(d: &[u8]) -> u32 {
    d.iter()
        .fold(0, |acc, &b| acc * 10 + u32::from(b.wrapping_sub(b'0')))
}

fn date_ok(y: u32, m: u32, day: u32) -> bool {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let max = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=max).contains(&day)
}

/// The Luhn (mod 10) check used by bank cards.
pub(crate) fn luhn_ok(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &b) in d.iter().rev().enumerate() {
        let mut v = u32::from(b - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// A Unified Social Credit Code (REG §6.3) whose token contains the digit at byte `digit_at`:
/// 18 ASCII-alphanumeric characters (after NFKC, upper-cased) with a correct mod-31 check
/// character and digits in positions 3–8. Returns its byte range and whether it is surely a code
/// (it contains a letter and is no resident ID).
fn uscc_at(text: &str, digit_at: usize) -> Option<(usize, usize, bool)> {
    // The first digit of a USCC is at position 1, 2 or 3: at most two letters precede it.
    let mut start = digit_at;
    for (i, c) in text[..digit_at].char_indices().rev().take(3) {
        match class(c) {
            Class::Letter(_) | Class::Digit(_) => start = i,
            _ => break,
        }
    }
    if start < digit_at {
        let before = text[..start].chars().next_back().map(class);
        if matches!(before, Some(Class::Letter(_) | Class::Digit(_))) {
            return None; // more than two letters before the digit
        }
    }
    let mut code = [0u8; 18];
    let mut n = 0;
    let mut end = start;
    for (off, c) in text[start..].char_indices() {
        let b = match class(c) {
            Class::Digit(b) | Class::Letter(b) => b,
            _ => break,
        };
        if n == 18 {
            return None; // token longer than 18
        }
        code[n] = b;
        n += 1;
        end = start + off + c.len_utf8();
    }
    if n != 18 || !code[2..8].iter().all(u8::is_ascii_digit) || !ids::uscc::checksum_ok(&code) {
        return None;
    }
    // A letter makes it a code, unless it is the X of a valid resident ID (then the ID wins).
    Some((
        start,
        end,
        code.iter().any(u8::is_ascii_alphabetic) && !resident_id_ok(&code),
    ))
}

/// An e-mail address around the `@` at byte `at` (`at_len` bytes long): a local part of
/// `[A-Za-z0-9._%+-]` and a domain of at least two labels (`[A-Za-z0-9-]`, not starting or ending
/// with `-`) whose last label has two or more letters only. Characters are read after NFKC.
/// Returns where scanning resumes.
fn email_at(text: &str, at: usize, at_len: usize, out: &mut Vec<Raw>) -> usize {
    let mut start = at;
    for (i, c) in text[..at].char_indices().rev() {
        match ascii_fold(c) {
            Some(b) if b.is_ascii_alphanumeric() || b"._%+-".contains(&b) => start = i,
            _ => break,
        }
    }
    // The local part may not start with a dot.
    while start < at && text[start..].starts_with('.') {
        start += 1;
    }
    let after = at + at_len;
    let mut labels = 0usize; // complete labels before the current one
    let mut cur_len = 0usize;
    let mut cur_alpha = true;
    let mut domain_end = None;
    for (off, c) in text[after..].char_indices() {
        match ascii_fold(c) {
            Some(b'-') if cur_len > 0 => {
                cur_len += 1;
                cur_alpha = false;
                continue; // a label may not end with '-'
            }
            Some(b) if b.is_ascii_alphanumeric() => {
                cur_len += 1;
                cur_alpha &= b.is_ascii_alphabetic();
            }
            Some(b'.') if cur_len > 0 && !text[..after + off].ends_with('-') => {
                labels += 1;
                cur_len = 0;
                cur_alpha = true;
                continue;
            }
            _ => break,
        }
        if labels >= 1 && cur_len >= 2 && cur_alpha {
            domain_end = Some(after + off + c.len_utf8());
        }
    }
    match domain_end {
        Some(end) if start < at => {
            out.push(Raw::new(FindingKind::Email, start, end, Confidence::High));
            end
        }
        _ => after,
    }
}
