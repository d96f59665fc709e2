//! 统一社会信用代码, GB 32100-2015 (REG §6.3): 18 characters from `0-9A-HJ-NPQRTUWXY`, the last one a
//! mod-31 check character.

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_vectors() {
        assert!(checksum_ok(b"91110000600037341L"));
        assert!(checksum_ok(b"91110108551385082Q"));
        assert!(!checksum_ok(b"91110000600037341M"));
        assert!(!checksum_ok(b"9111000060003734IL"));
    }
}
