//! 公民身份号码, GB 11643-1999 (REG §6.1): 6-digit address code, birth date YYYYMMDD, 3-digit
//! sequence (odd = male), and an ISO 7064 MOD 11-2 check character.

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
    Some(if check == 10 { b'X' } else { b'0' + check as u8 })
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

#[cfg(test)]
mod tests {
    use super::*;

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
