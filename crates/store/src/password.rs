//! Password hashing with Argon2id (default parameters), stored as PHC strings.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

/// Hashes `password` into a PHC string.
pub fn hash(password: &str) -> Result<String, crate::StoreError> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| crate::StoreError::Invalid(format!("无法计算口令哈希：{e}")))?;
    Ok(hash.to_string())
}

/// True when `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match phc.parse::<PasswordHash>() {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so that the response time does not
/// reveal which usernames exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("gongkai-dummy-password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let h = super::hash("正确的口令 123").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("正确的口令 123", &h));
        assert!(!super::verify("错误的口令", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
