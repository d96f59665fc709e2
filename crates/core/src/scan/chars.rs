//! Character classes of the scanner. The rule (tech-choices §9): digits, letters and `@` are
//! recognised **after NFKC normalisation**, so full-width `１３８` and `＠` match like `138` and `@`;
//! spaces and zero-width characters inside digit runs are skipped. [`ascii_fold`] gives, for any
//! character, the ASCII character NFKC turns it into (if it becomes exactly one ASCII character). It
//! is exact (an exhaustive test compares it with `unicode-normalization` over every scalar value)
//! but only calls the normaliser for the few Unicode blocks that contain such characters.

use unicode_normalization::UnicodeNormalization;

/// What a character means inside a number-like token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// An ASCII digit after NFKC; the value is the ASCII byte `b'0'..=b'9'`.
    Digit(u8),
    /// An ASCII letter after NFKC, upper-cased (X is the ID check character).
    Letter(u8),
    /// A visible separator allowed inside a number: space (incl. U+3000, NBSP), tab, line break, `-`.
    Separator,
    /// An invisible character that is dropped inside a number: zero-width space/joiners, word
    /// joiner, BOM, soft hyphen.
    Invisible,
    /// `@` (or a character that NFKC turns into `@`, such as U+FF20).
    At,
    /// Anything else.
    Other,
}

/// The single ASCII character NFKC maps `c` to, or `None` when NFKC gives anything else.
pub(crate) fn ascii_fold(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 {
        return Some(u as u8);
    }
    // Full-width ASCII forms U+FF01..=U+FF5E are exactly ASCII 0x21..=0x7E under NFKC.
    if (0xFF01..=0xFF5E).contains(&u) {
        return Some((u - 0xFEE0) as u8);
    }
    // Only these blocks contain characters whose NFKC form is one ASCII character (found by
    // the exhaustive test below; the normaliser is called for nothing else).
    let candidate = matches!(u,
        0x0080..=0x03FF
            | 0x1D00..=0x1DFF
            | 0x1F00..=0x21FF
            | 0x2400..=0x24FF
            | 0x2C00..=0x2CFF
            | 0x3000
            | 0xA700..=0xA7FF
            | 0xFB00..=0xFBFF
            | 0xFE00..=0xFFFF
            | 0x10700..=0x107FF
            | 0x1CC00..=0x1CCFF
            | 0x1D400..=0x1D7FF
            | 0x1F100..=0x1F1FF
            | 0x1FB00..=0x1FBFF
    );
    if !candidate {
        return None;
    }
    let mut it = std::iter::once(c).nfkc();
    match (it.next(), it.next()) {
        (Some(a), None) if a.is_ascii() => Some(a as u8),
        _ => None,
    }
}

/// True for the invisible characters that are removed inside digit runs.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Classifies one character for number scanning.
pub(crate) fn class(c: char) -> Class {
    if is_invisible(c) {
        return Class::Invisible;
    }
    match ascii_fold(c) {
        Some(b @ b'0'..=b'9') => Class::Digit(b),
        Some(b @ (b'A'..=b'Z' | b'a'..=b'z')) => Class::Letter(b.to_ascii_uppercase()),
        Some(b' ' | b'\t' | b'\n' | b'\r' | b'-') => Class::Separator,
        Some(b'@') => Class::At,
        _ => Class::Other,
    }
}

/// Lead bytes of every UTF-8 character that can be a digit or `@` after NFKC: the byte loop of
/// the scanner stops only on these (everything else is skipped at memory speed).
pub(crate) static TRIGGER: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = true;
        b += 1;
    }
    t[b'@' as usize] = true;
    t[0xC2] = true; // U+0080..U+00BF: superscript digits
    t[0xCB] = true; // U+02C0..U+02FF: spacing modifiers (no digits; harmless)
    t[0xE2] = true; // U+2000..U+2FFF: super/subscripts, circled digits
    t[0xEF] = true; // U+F000..U+FFFF: full-width forms
    t[0xF0] = true; // U+10000..: mathematical and segmented digits
    t
};

/// A CJK unified ideograph (basic block or extension A), the characters of Chinese names.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}

/// Horizontal white space, including the ideographic space used to lay out markings.
pub(crate) fn is_hspace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{3000}' | '\u{00A0}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fold_equals_nfkc_for_every_scalar_value() {
        for u in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let nfkc: String = std::iter::once(c).nfkc().collect();
            let mut it = nfkc.chars();
            let expected = match (it.next(), it.next()) {
                (Some(a), None) if a.is_ascii() => Some(a as u8),
                _ => None,
            };
            assert_eq!(ascii_fold(c), expected, "U+{u:04X}");
        }
    }

    #[test]
    fn trigger_covers_every_digit_and_at() {
        for u in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            if matches!(class(c), Class::Digit(_) | Class::At) {
                let mut buf = [0u8; 4];
                let lead = c.encode_utf8(&mut buf).as_bytes()[0];
                assert!(TRIGGER[lead as usize], "U+{u:04X} lead byte {lead:#x}");
            }
        }
    }

    #[test]
    fn classes() {
        assert_eq!(class('７'), Class::Digit(b'7'));
        assert_eq!(class('ｘ'), Class::Letter(b'X'));
        assert_eq!(class('\u{3000}'), Class::Separator);
        assert_eq!(class('\u{200B}'), Class::Invisible);
        assert_eq!(class('＠'), Class::At);
        assert_eq!(class('张'), Class::Other);
        assert_eq!(class('，'), Class::Other);
    }
}
