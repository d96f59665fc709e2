//! Time-based one-time passwords for staff (issue #13, GB/T 22239-2019 8.1.4.1 d: two or more
//! authentication techniques): RFC 6238 TOTP over RFC 4226 HOTP with HMAC-SHA-1, 6 digits, a
//! 30-second step and a tolerance of one step either side, which is what common authenticator
//! apps implement. Secrets are 160 random bits, exchanged as RFC 4648 base32 in an `otpauth://`
//! URI (and a QR code of it).

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per time step (RFC 6238 X).
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// RFC 4648 base32, case-insensitive, spaces and padding ignored. `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let c = c.to_ascii_uppercase();
        let v = BASE32.iter().position(|b| char::from(*b) == c)?;
        buffer = (buffer << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// A fresh 160-bit secret (RFC 4226 recommends 160 bits), base32.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes);
    base32_encode(&bytes)
}

/// RFC 4226 HOTP value for `counter`, reduced to `digits` digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = (u32::from(hash[offset]) & 0x7f) << 24
        | u32::from(hash[offset + 1]) << 16
        | u32::from(hash[offset + 2]) << 8
        | u32::from(hash[offset + 3]);
    binary % 10u32.pow(digits)
}

/// The time step of Unix time `unix_seconds`.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The 6-digit code of a base32 secret at time step `step`, zero-padded.
pub fn code_at_step(secret: &str, step: i64) -> Option<String> {
    let key = base32_decode(secret)?;
    let counter = u64::try_from(step).ok()?;
    Some(format!(
        "{:0width$}",
        hotp(&key, counter, DIGITS),
        width = DIGITS as usize
    ))
}

/// Checks `code` against steps t−1, t and t+1 at `unix_seconds`; returns the matching step.
pub fn verify(secret: &str, code: &str, unix_seconds: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_seconds);
    [now - 1, now, now + 1].into_iter().find(|s| {
        code_at_step(secret, *s).is_some_and(|expected| {
            // Constant-time comparison of the six digits.
            use subtle::ConstantTimeEq;
            bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
        })
    })
}

/// The `otpauth://` URI of Google Authenticator's Key Uri Format, understood by common apps.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let enc = |s: &str| -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The URI as an inline SVG QR code (no script, no external resource), or `None` if too long.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline in HTML: drop the XML declaration.
    let start = svg.find("<svg")?;
    Some(svg[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits), key "12345678901234567890".
    #[test]
    fn rfc6238_sha1_vectors() {
        let key = b"12345678901234567890";
        let rows: [(i64, u32); 6] = [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        let secret = base32_encode(key);
        for (t, expected) in rows {
            let step = u64::try_from(step_at(t)).unwrap();
            assert_eq!(hotp(key, step, 8), expected, "T = {t}");
            // Six digits are the last six of the eight (same truncation, smaller modulus).
            let six = code_at_step(&secret, step_at(t)).unwrap();
            assert_eq!(six, format!("{:06}", expected % 1_000_000), "T = {t}");
            assert_eq!(verify(&secret, &six, t), Some(step_at(t)));
        }
    }

    /// RFC 4226 Appendix D: HOTP values for counters 0–9.
    #[test]
    fn rfc4226_hotp_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, want) in expected.into_iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", counter as u64, 6), want);
        }
    }

    /// RFC 4648 §10 test vectors (padding omitted), and decoding is the inverse.
    #[test]
    fn base32_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), enc);
            assert_eq!(base32_decode(enc).unwrap(), plain.as_bytes());
            assert_eq!(
                base32_decode(&format!("{}===", enc.to_lowercase())).unwrap(),
                plain.as_bytes()
            );
        }
        assert!(base32_decode("MZ1W").is_none());
        let s = generate_secret();
        assert_eq!(s.len(), 32);
        assert_eq!(base32_decode(&s).unwrap().len(), 20);
    }

    #[test]
    fn window_is_one_step_either_side() {
        let secret = base32_encode(b"12345678901234567890");
        let t = 1_234_567_890;
        let step = step_at(t);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at_step(&secret, step + offset).unwrap();
            assert_eq!(verify(&secret, &code, t).is_some(), accepted, "{offset}");
        }
        assert!(verify(&secret, "12345", t).is_none());
        assert!(verify(&secret, "abcdef", t).is_none());
    }

    #[test]
    fn uri_and_qr() {
        let uri = otpauth_uri("Gongkai 公开", "demo-admin", "JBSWY3DPEHPK3PXP");
        assert!(uri.starts_with("otpauth://totp/Gongkai%20%E5%85%AC%E5%BC%80:demo-admin?"));
        assert!(uri.contains("secret=JBSWY3DPEHPK3PXP"));
        assert!(uri.contains("digits=6&period=30"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("<script"));
    }
}
