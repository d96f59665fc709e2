#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// GB/T 32907-2016 Appendix A.1: SM4 encryption of one block, key = plaintext.
#[test]
fn sm4_standard_block_vector() {
    use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
    let key = h("0123456789abcdeffedcba9876543210");
    let cipher = sm4::Sm4::new_from_slice(&key).unwrap();
    let mut block = sm4::cipher::Block::<sm4::Sm4>::try_from(&key[..]).unwrap();
    cipher.encrypt_block(&mut block);
    assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
}

/// RFC 8998 Appendix A.1: the SM4-GCM example (key, IV, AAD, plaintext, ciphertext, tag).
#[test]
fn sm4_gcm_rfc8998_vector() {
    let key = h("0123456789ABCDEFFEDCBA9876543210");
    let nonce: [u8; 12] = h("00001234567800000000ABCD").try_into().unwrap();
    let aad = h("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
    let pt = h(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
                EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    );
    let out = Algorithm::Sm4Gcm.seal(&key, &nonce, &aad, &pt).unwrap();
    let expected_ct = "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
                       D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D";
    let expected_tag = "83DE3541E4C2B58177E065A9BF7B62EC";
    assert_eq!(
        hex::encode_upper(&out),
        format!("{expected_ct}{expected_tag}")
    );
    assert_eq!(
        Algorithm::Sm4Gcm.open(&key, &nonce, &aad, &out).unwrap(),
        pt
    );
}

/// HMAC (RFC 2104) written out over the SM3 digest, as an oracle independent of the `hmac` crate.
fn hmac_sm3_oracle(key: &[u8], msg: &[u8]) -> String {
    use sm3::Digest;
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sm3::Sm3::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = sm3::Sm3::digest([ipad.as_slice(), msg].concat());
    hex::encode(sm3::Sm3::digest(
        [opad.as_slice(), inner.as_slice()].concat(),
    ))
}

#[test]
fn blind_index_is_hmac_sm3_of_context_and_value() {
    let v = Vault::for_tests();
    let got = v.blind_index("applicants.id_number", "110101199003072176");
    let want = hmac_sm3_oracle(&[7u8; 32], b"applicants.id_number\x00110101199003072176");
    assert_eq!(got, want);
    assert_eq!(got.len(), 64);
    // Another context or another index key gives another index.
    assert_ne!(
        got,
        v.blind_index("mailbox.id_number", "110101199003072176")
    );
    let other = Vault::generate(Algorithm::Sm4Gcm, "now");
    assert_ne!(
        got,
        other.blind_index("applicants.id_number", "110101199003072176")
    );
}

#[test]
fn text_roundtrip_and_format_names_algorithm_and_key() {
    for alg in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
        let v = Vault::generate(alg, "2026-11-26T00:00:00Z");
        let sealed = v.seal_str("users.totp_secret", "JBSWY3DPEHPK3PXP");
        assert!(
            sealed.starts_with(&format!("gkv1:{}:k1:", alg.name())),
            "{sealed}"
        );
        assert!(sealed.starts_with(&v.current_prefix()));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(Vault::key_id_of(&sealed), Some("k1"));
        assert_eq!(
            v.open_str("users.totp_secret", &sealed).unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        // Two seals of one value differ (random nonce).
        assert_ne!(sealed, v.seal_str("users.totp_secret", "JBSWY3DPEHPK3PXP"));
    }
}

#[test]
fn wrong_context_key_or_edit_does_not_decrypt() {
    let v = Vault::for_tests();
    let sealed = v.seal_str("a.b", "secret");
    assert_eq!(v.open("a.c", &sealed), Err(VaultError::Tampered));
    // Flip one hex digit of the body.
    let mut bytes = sealed.clone().into_bytes();
    let last = bytes.len() - 1;
    bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
    assert_eq!(
        v.open("a.b", &String::from_utf8(bytes).unwrap()),
        Err(VaultError::Tampered)
    );
    // Relabelled key id.
    let relabelled = sealed.replacen(":t1:", ":k9:", 1);
    assert_eq!(
        v.open("a.b", &relabelled),
        Err(VaultError::UnknownKey("k9".into()))
    );
    // Another key set.
    let other = Vault::generate(Algorithm::Sm4Gcm, "now");
    assert!(other.open("a.b", &sealed).is_err());
    assert_eq!(v.open("a.b", "plain"), Err(VaultError::Malformed));
    assert_eq!(
        v.open("a.b", "gkv1:sm4-gcm:t1:zz"),
        Err(VaultError::Malformed)
    );
    assert_eq!(
        v.open("a.b", "gkv1:sm4-gcm:t1:00"),
        Err(VaultError::Malformed)
    );
    assert!(matches!(
        v.open("a.b", "gkv1:rot13:t1:00"),
        Err(VaultError::UnknownAlgorithm(_))
    ));
}

#[test]
fn rotation_keeps_old_ciphertexts_readable_until_retired() {
    let mut v = Vault::generate(Algorithm::Sm4Gcm, "t0");
    let old = v.seal_str("f", "110101199003072176");
    let id = v.rotate(Algorithm::Aes256Gcm, "t1");
    assert_eq!(id, "k2");
    assert_eq!(v.current_key().id, "k2");
    assert!(!old.starts_with(&v.current_prefix()));
    assert_eq!(v.open_str("f", &old).unwrap(), "110101199003072176");
    let new = v.seal_str("f", "110101199003072176");
    assert!(new.starts_with("gkv1:aes-256-gcm:k2:"));
    // The key file keeps both keys.
    let reloaded = Vault::from_toml(&v.to_toml()).unwrap();
    assert_eq!(reloaded, v);
    assert_eq!(reloaded.open_str("f", &old).unwrap(), "110101199003072176");
    let mut retired = reloaded.clone();
    assert_eq!(retired.retire_old(), vec!["k1".to_string()]);
    assert_eq!(
        retired.open("f", &old),
        Err(VaultError::UnknownKey("k1".into()))
    );
    assert_eq!(retired.open_str("f", &new).unwrap(), "110101199003072176");
    // The index key survives rotation.
    assert_eq!(retired.blind_index("f", "x"), v.blind_index("f", "x"));
}

#[test]
fn bytes_roundtrip() {
    let v = Vault::generate(Algorithm::Sm4Gcm, "t");
    let file = b"%PDF-1.7 identity proof".to_vec();
    let sealed = v.seal_bytes("files.identity_proof", &file);
    assert!(Vault::is_sealed_bytes(&sealed));
    assert!(!sealed.windows(4).any(|w| w == b"%PDF"));
    assert_eq!(v.open_bytes("files.identity_proof", &sealed).unwrap(), file);
    assert!(v.open_bytes("files.other", &sealed).is_err());
    assert_eq!(v.open_bytes("x", b"GKV1"), Err(VaultError::Malformed));
    assert_eq!(v.open_bytes("x", b"GKV1\xffab"), Err(VaultError::Malformed));
    assert_eq!(
        Vault::key_id_of_bytes(&sealed),
        Some(v.current_key().id.as_str())
    );
    assert_eq!(Vault::key_id_of_bytes(b"GKV1\xffab"), None);
    assert_eq!(Vault::key_id_of_bytes(b"%PDF-1.7"), None);
}

#[test]
fn key_file_problems_are_named_and_secrets_never_debug_printed() {
    let v = Vault::generate(Algorithm::Sm4Gcm, "t");
    let text = v.to_toml();
    let secret = text
        .lines()
        .find(|l| l.starts_with("secret"))
        .unwrap()
        .split('"')
        .nth(1)
        .unwrap()
        .to_string();
    let debug = format!("{v:?}");
    assert!(!debug.contains(&secret), "{debug}");
    let cases = [
        (
            text.replace("current = \"k1\"", "current = \"k7\""),
            "当前密钥 k7",
        ),
        (text.replace("sm4-gcm", "des"), "des"),
        (text.replace(&secret, &secret[..9]), "十六进制"),
        (text.replace(&secret, &format!("{secret}00")), "长度应为 16"),
        (text.replace("id = \"k1\"", "id = \"K 1\""), "密钥编号"),
        ("nonsense = 1".to_string(), "密钥文件有误"),
    ];
    for (bad, want) in cases {
        let err = Vault::from_toml(&bad).unwrap_err().to_string();
        assert!(err.contains(want), "{want}: {err}");
    }
}

proptest! {
    #[test]
    fn any_value_roundtrips_in_both_forms(value in ".{0,200}", ctx in "[a-z_.]{1,30}") {
        let v = Vault::for_tests();
        let sealed = v.seal_str(&ctx, &value);
        prop_assert_eq!(v.open_str(&ctx, &sealed).unwrap(), value.clone());
        let bytes = v.seal_bytes(&ctx, value.as_bytes());
        prop_assert_eq!(v.open_bytes(&ctx, &bytes).unwrap(), value.as_bytes().to_vec());
    }
}

#[test]
fn export_signatures_are_keyed_bound_to_their_context_and_survive_rotation() {
    let mut v = Vault::generate(Algorithm::Sm4Gcm, "t");
    let sign = |v: &Vault, ctx: &str, parts: &[&[u8]]| {
        let mut s = v.signer(ctx);
        for p in parts {
            s.update(p);
        }
        s.finish()
    };
    let whole = sign(&v, "audit.export", &[b"a,b\r\n1,2\r\n"]);
    assert_eq!(whole.len(), 64);
    // Incremental: chunk boundaries do not matter.
    assert_eq!(sign(&v, "audit.export", &[b"a,b\r\n", b"1,2\r\n"]), whole);
    // One changed byte, another context or another deployment's key: another signature.
    assert_ne!(sign(&v, "audit.export", &[b"a,b\r\n1,3\r\n"]), whole);
    assert_ne!(sign(&v, "other.export", &[b"a,b\r\n1,2\r\n"]), whole);
    let stranger = Vault::generate(Algorithm::Sm4Gcm, "t");
    assert_ne!(sign(&stranger, "audit.export", &[b"a,b\r\n1,2\r\n"]), whole);
    // Not the blind index of the same bytes (the signing key is derived, not the index key).
    assert_ne!(v.blind_index("audit.export", "a,b\r\n1,2\r\n"), whole);
    // verify() agrees, and rejects garbage.
    let mut s = v.signer("audit.export");
    s.update(b"a,b\r\n1,2\r\n");
    assert!(s.verify(&whole));
    let mut s = v.signer("audit.export");
    s.update(b"a,b\r\n1,2\r\n");
    assert!(!s.verify("zz"));
    // A rotation keeps the index key, so exports signed before it still verify.
    v.rotate(Algorithm::Sm4Gcm, "t2");
    assert_eq!(sign(&v, "audit.export", &[b"a,b\r\n1,2\r\n"]), whole);
}
