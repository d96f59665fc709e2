//! The personal-data vault (issue #13; 个人信息保护法 Art. 51, GB/T 39786-2021): authenticated
//! encryption of personal data at rest and keyed blind indexes for the fields that must be
//! searchable. Pure: the keys are handed in (the binary loads them from a key file or an
//! environment variable, never from the database); the only outside input is the random nonce.
//!
//! # Algorithms, behind one interface
//! [`Algorithm::Sm4Gcm`] (SM4, GB/T 32907-2016, in GCM mode as in RFC 8998) is the default;
//! [`Algorithm::Aes256Gcm`] exists for deployments that must use another algorithm. The choice is
//! per key (the key file's `algorithm` for new keys), and every ciphertext names its algorithm and
//! key, so a deployment can switch algorithms or keys by rotation while old data still decrypts.
//!
//! # Formats (version 1)
//! - text, for database columns: `gkv1:<alg>:<key id>:<hex(nonce ‖ ciphertext ‖ tag)>`;
//! - bytes, for files: `GKV1`, one length byte, `<alg>:<key id>`, then nonce ‖ ciphertext ‖ tag.
//!
//! The nonce is 96 random bits per message. The associated data is `gkv1:<alg>:<key id>:<context>`,
//! where the context names the field (e.g. `users.totp_secret`): a value copied into another
//! field, or a header edited to name another key, does not decrypt.
//!
//! # Blind index
//! [`Vault::blind_index`] is HMAC-SM3 (GB/T 15852.2 / RFC 2104 construction over SM3) under a
//! separate index key, over the context and the normalised value: equal values give equal
//! indexes, so "has this ID number applied before?" is one indexed query, and the database holds
//! no plaintext. The index key is not rotated with the encryption keys (that would need every
//! index recomputed before any lookup could use the new key).

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::Mac;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Arc, RwLock};

/// The prefix of every text ciphertext of this format version.
pub const TEXT_PREFIX: &str = "gkv1:";
const BYTES_MAGIC: &[u8; 4] = b"GKV1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Bytes of the blind-index key.
pub const INDEX_KEY_LEN: usize = 32;

type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, U12>;
type Aes256Gcm = aes_gcm::Aes256Gcm;
type HmacSm3 = hmac::Hmac<sm3::Sm3>;

/// Errors of the vault, in Chinese for the operator who meets them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("密钥文件有误：{0}")]
    KeyFile(String),
    #[error(
        "密文使用的密钥 {0} 不在当前密钥集中：请检查密钥文件（旧密钥在数据全部重新加密前不能删除）"
    )]
    UnknownKey(String),
    #[error("无法识别的加密算法“{0}”（可用：sm4-gcm、aes-256-gcm）")]
    UnknownAlgorithm(String),
    #[error("密文格式无法识别")]
    Malformed,
    #[error("解密失败：密文被篡改，或密钥与加密时不同")]
    Tampered,
}

/// An AEAD algorithm a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algorithm {
    /// SM4 in GCM mode (RFC 8998), 128-bit key: the default, 商用密码.
    #[serde(rename = "sm4-gcm")]
    Sm4Gcm,
    /// AES-256 in GCM mode, for deployments that must use it.
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
}

impl Algorithm {
    /// The name used in ciphertexts and the key file.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sm4Gcm => "sm4-gcm",
            Algorithm::Aes256Gcm => "aes-256-gcm",
        }
    }

    /// Parses a name written by [`Algorithm::name`].
    pub fn parse(name: &str) -> Result<Algorithm, VaultError> {
        match name.trim() {
            "sm4-gcm" => Ok(Algorithm::Sm4Gcm),
            "aes-256-gcm" => Ok(Algorithm::Aes256Gcm),
            other => Err(VaultError::UnknownAlgorithm(other.to_string())),
        }
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Algorithm::Sm4Gcm => 16,
            Algorithm::Aes256Gcm => 32,
        }
    }

    fn seal(self, key: &[u8], nonce: &[u8; NONCE_LEN], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
        let nonce = aes_gcm::Nonce::<U12>::try_from(&nonce[..]).ok()?;
        let payload = Payload { msg, aad };
        match self {
            Algorithm::Sm4Gcm => Sm4Gcm::new_from_slice(key)
                .ok()?
                .encrypt(&nonce, payload)
                .ok(),
            Algorithm::Aes256Gcm => Aes256Gcm::new_from_slice(key)
                .ok()?
                .encrypt(&nonce, payload)
                .ok(),
        }
    }

    fn open(self, key: &[u8], nonce: &[u8], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
        let nonce = aes_gcm::Nonce::<U12>::try_from(nonce).ok()?;
        let payload = Payload { msg, aad };
        match self {
            Algorithm::Sm4Gcm => Sm4Gcm::new_from_slice(key)
                .ok()?
                .decrypt(&nonce, payload)
                .ok(),
            Algorithm::Aes256Gcm => Aes256Gcm::new_from_slice(key)
                .ok()?
                .decrypt(&nonce, payload)
                .ok(),
        }
    }
}

/// One encryption key. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    pub id: String,
    pub algorithm: Algorithm,
    /// When the key was made (RFC 3339), for the operator.
    pub created: String,
    secret: Vec<u8>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("algorithm", &self.algorithm)
            .field("created", &self.created)
            .field("secret", &"***")
            .finish()
    }
}

/// The key file as stored (TOML).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    /// The key that seals new data.
    current: String,
    /// Hex, [`INDEX_KEY_LEN`] bytes: the blind-index key.
    index_key: String,
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: String,
    algorithm: String,
    created: String,
    secret: String,
}

/// A set of keys: every key that may still be named by a ciphertext, the current one that seals
/// new data, and the blind-index key. `Debug` never shows secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct Vault {
    keys: Vec<Key>,
    current: usize,
    index_key: Vec<u8>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("keys", &self.keys)
            .field("current", &self.current_key().id)
            .field("index_key", &"***")
            .finish()
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rand::fill(&mut v[..]);
    v
}

fn valid_key_id(id: &str) -> bool {
    (1..=16).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Vault {
    /// A new key set with one fresh key `k1` for `algorithm` and a fresh index key.
    pub fn generate(algorithm: Algorithm, created: &str) -> Vault {
        Vault {
            keys: vec![Key {
                id: "k1".into(),
                algorithm,
                created: created.to_string(),
                secret: random_bytes(algorithm.key_len()),
            }],
            current: 0,
            index_key: random_bytes(INDEX_KEY_LEN),
        }
    }

    /// A fixed, insecure vault for tests and examples (never for data).
    pub fn for_tests() -> Vault {
        Vault {
            keys: vec![Key {
                id: "t1".into(),
                algorithm: Algorithm::Sm4Gcm,
                created: "test".into(),
                secret: (0u8..16).collect(),
            }],
            current: 0,
            index_key: vec![7u8; INDEX_KEY_LEN],
        }
    }

    /// Adds a fresh key for `algorithm` and makes it current; returns its id. Older keys stay, so
    /// their ciphertexts still decrypt until everything is re-sealed.
    pub fn rotate(&mut self, algorithm: Algorithm, created: &str) -> String {
        let next = self
            .keys
            .iter()
            .filter_map(|k| k.id.strip_prefix('k').and_then(|n| n.parse::<u32>().ok()))
            .max()
            .unwrap_or(0)
            + 1;
        let id = format!("k{next}");
        self.keys.push(Key {
            id: id.clone(),
            algorithm,
            created: created.to_string(),
            secret: random_bytes(algorithm.key_len()),
        });
        self.current = self.keys.len() - 1;
        id
    }

    /// Drops the keys other than the current one (after every value has been re-sealed).
    /// Returns the ids dropped.
    pub fn retire_old(&mut self) -> Vec<String> {
        let current = self.keys[self.current].clone();
        let dropped = self
            .keys
            .iter()
            .filter(|k| k.id != current.id)
            .map(|k| k.id.clone())
            .collect();
        self.keys = vec![current];
        self.current = 0;
        dropped
    }

    /// Parses a key file (TOML). Every problem is a Chinese message naming what is wrong.
    pub fn from_toml(text: &str) -> Result<Vault, VaultError> {
        let file: KeyFile =
            toml::from_str(text).map_err(|e| VaultError::KeyFile(e.message().to_string()))?;
        let index_key = hex::decode(file.index_key.trim())
            .map_err(|_| VaultError::KeyFile("index_key 不是十六进制".into()))?;
        if index_key.len() != INDEX_KEY_LEN {
            return Err(VaultError::KeyFile(format!(
                "index_key 须为 {INDEX_KEY_LEN} 字节（{} 个十六进制字符）",
                INDEX_KEY_LEN * 2
            )));
        }
        let mut keys: Vec<Key> = Vec::new();
        for e in file.keys {
            if !valid_key_id(&e.id) {
                return Err(VaultError::KeyFile(format!(
                    "密钥编号“{}”无效：只能用小写字母和数字，最长 16 个字符",
                    e.id
                )));
            }
            if keys.iter().any(|k| k.id == e.id) {
                return Err(VaultError::KeyFile(format!("密钥编号 {} 重复", e.id)));
            }
            let algorithm = Algorithm::parse(&e.algorithm)?;
            let secret = hex::decode(e.secret.trim()).map_err(|_| {
                VaultError::KeyFile(format!("密钥 {} 的 secret 不是十六进制", e.id))
            })?;
            if secret.len() != algorithm.key_len() {
                return Err(VaultError::KeyFile(format!(
                    "密钥 {} 的长度应为 {} 字节（{}），实际为 {} 字节",
                    e.id,
                    algorithm.key_len(),
                    algorithm.name(),
                    secret.len()
                )));
            }
            keys.push(Key {
                id: e.id,
                algorithm,
                created: e.created,
                secret,
            });
        }
        let current = keys
            .iter()
            .position(|k| k.id == file.current)
            .ok_or_else(|| {
                VaultError::KeyFile(format!("当前密钥 {} 不在 keys 列表中", file.current))
            })?;
        Ok(Vault {
            keys,
            current,
            index_key,
        })
    }

    /// The key file text (TOML) with a warning header.
    pub fn to_toml(&self) -> String {
        let file = KeyFile {
            current: self.current_key().id.clone(),
            index_key: hex::encode(&self.index_key),
            keys: self
                .keys
                .iter()
                .map(|k| KeyEntry {
                    id: k.id.clone(),
                    algorithm: k.algorithm.name().to_string(),
                    created: k.created.clone(),
                    secret: hex::encode(&k.secret),
                })
                .collect(),
        };
        let body = toml::to_string(&file).unwrap_or_default();
        format!(
            "# Gongkai 个人信息加密密钥（gongkai keys init / rotate 生成）。\n\
             # 请妥善保管，与数据库备份分开存放；丢失后已加密的数据无法恢复。\n{body}"
        )
    }

    /// The same key set with `key_id` as the current key (e.g. to seal a check value under it).
    pub fn with_current(&self, key_id: &str) -> Result<Vault, VaultError> {
        let current = self
            .keys
            .iter()
            .position(|k| k.id == key_id)
            .ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        Ok(Vault {
            current,
            ..self.clone()
        })
    }

    /// The key that seals new data.
    pub fn current_key(&self) -> &Key {
        &self.keys[self.current]
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The prefix every text ciphertext under the current key starts with; a value without it
    /// needs re-sealing (it is plaintext or under an older key).
    pub fn current_prefix(&self) -> String {
        let k = self.current_key();
        format!("{TEXT_PREFIX}{}:{}:", k.algorithm.name(), k.id)
    }

    fn key(&self, id: &str) -> Result<&Key, VaultError> {
        self.keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| VaultError::UnknownKey(id.to_string()))
    }

    fn aad(alg: Algorithm, key_id: &str, context: &str) -> Vec<u8> {
        format!("{TEXT_PREFIX}{}:{key_id}:{context}", alg.name()).into_bytes()
    }

    fn seal_raw(&self, context: &str, plaintext: &[u8]) -> (&Key, Vec<u8>) {
        let key = self.current_key();
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let aad = Self::aad(key.algorithm, &key.id, context);
        // Sealing with a key of the right length cannot fail (lengths are checked on load).
        let ct = key
            .algorithm
            .seal(&key.secret, &nonce, &aad, plaintext)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        (key, out)
    }

    fn open_raw(
        &self,
        alg: &str,
        key_id: &str,
        context: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let alg = Algorithm::parse(alg)?;
        let key = self.key(key_id)?;
        if key.algorithm != alg {
            return Err(VaultError::Tampered);
        }
        if body.len() < NONCE_LEN + TAG_LEN {
            return Err(VaultError::Malformed);
        }
        let (nonce, ct) = body.split_at(NONCE_LEN);
        let aad = Self::aad(alg, key_id, context);
        alg.open(&key.secret, nonce, &aad, ct)
            .ok_or(VaultError::Tampered)
    }

    /// Seals `plaintext` for the field `context` under the current key (text form).
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> String {
        let (key, body) = self.seal_raw(context, plaintext);
        format!(
            "{TEXT_PREFIX}{}:{}:{}",
            key.algorithm.name(),
            key.id,
            hex::encode(body)
        )
    }

    /// [`Vault::seal`] for text.
    pub fn seal_str(&self, context: &str, plaintext: &str) -> String {
        self.seal(context, plaintext.as_bytes())
    }

    /// Opens a text ciphertext made by [`Vault::seal`] for the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, VaultError> {
        let rest = sealed
            .strip_prefix(TEXT_PREFIX)
            .ok_or(VaultError::Malformed)?;
        let mut parts = rest.splitn(3, ':');
        let (Some(alg), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(VaultError::Malformed);
        };
        let body = hex::decode(body).map_err(|_| VaultError::Malformed)?;
        self.open_raw(alg, key_id, context, &body)
    }

    /// [`Vault::open`] for text (a value that is not UTF-8 is reported as tampered).
    pub fn open_str(&self, context: &str, sealed: &str) -> Result<String, VaultError> {
        String::from_utf8(self.open(context, sealed)?).map_err(|_| VaultError::Tampered)
    }

    /// True when `value` is a text ciphertext of this format (under any key).
    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(TEXT_PREFIX)
    }

    /// The key id a text ciphertext names, if it is one.
    pub fn key_id_of(value: &str) -> Option<&str> {
        value.strip_prefix(TEXT_PREFIX)?.split(':').nth(1)
    }

    /// Seals a file's bytes (binary form).
    pub fn seal_bytes(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let (key, body) = self.seal_raw(context, plaintext);
        let header = format!("{}:{}", key.algorithm.name(), key.id);
        let mut out = Vec::with_capacity(5 + header.len() + body.len());
        out.extend_from_slice(BYTES_MAGIC);
        // Header length fits a byte: algorithm names are short and key ids at most 16 bytes.
        out.push(u8::try_from(header.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Opens bytes made by [`Vault::seal_bytes`] for the same `context`.
    pub fn open_bytes(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        let rest = sealed
            .strip_prefix(&BYTES_MAGIC[..])
            .ok_or(VaultError::Malformed)?;
        let (&len, rest) = rest.split_first().ok_or(VaultError::Malformed)?;
        let len = usize::from(len);
        if rest.len() < len {
            return Err(VaultError::Malformed);
        }
        let (header, body) = rest.split_at(len);
        let header = std::str::from_utf8(header).map_err(|_| VaultError::Malformed)?;
        let (alg, key_id) = header.split_once(':').ok_or(VaultError::Malformed)?;
        self.open_raw(alg, key_id, context, body)
    }

    /// The key id a file ciphertext ([`Vault::seal_bytes`]) names, if it is one.
    pub fn key_id_of_bytes(bytes: &[u8]) -> Option<&str> {
        let rest = bytes.strip_prefix(&BYTES_MAGIC[..])?;
        let (&len, rest) = rest.split_first()?;
        let header = std::str::from_utf8(rest.get(..usize::from(len))?).ok()?;
        header.split_once(':').map(|(_, key_id)| key_id)
    }

    /// True when `bytes` start like [`Vault::seal_bytes`] output.
    pub fn is_sealed_bytes(bytes: &[u8]) -> bool {
        bytes.starts_with(BYTES_MAGIC)
    }

    /// The keyed blind index of `value` for the field `context`: 64 hex characters of
    /// HMAC-SM3(index key, context ‖ 0x00 ‖ value). Normalise `value` first (e.g. with
    /// `ids::normalize`), so that spellings of one number meet.
    pub fn blind_index(&self, context: &str, value: &str) -> String {
        let mut mac = match HmacSm3::new_from_slice(&self.index_key) {
            Ok(m) => m,
            // HMAC accepts keys of any length.
            Err(_) => return String::new(),
        };
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A signer for exported files of kind `context` (the audit export): HMAC-SM3 under a
    /// signing key derived from the index key (so it survives key rotation like the blind
    /// indexes, and is never the index key itself), over context ‖ 0x00 ‖ the file's bytes.
    pub fn signer(&self, context: &str) -> Signer {
        let derived = {
            let mut m = hmac_sm3(&self.index_key);
            m.update(b"gongkai export signing key v1");
            m.finalize().into_bytes()
        };
        let mut mac = hmac_sm3(&derived);
        mac.update(context.as_bytes());
        mac.update(&[0]);
        Signer { mac }
    }
}

/// HMAC-SM3 under `key` (HMAC takes keys of any length, so this cannot fail; the zero-key
/// fallback only satisfies the type).
fn hmac_sm3(key: &[u8]) -> HmacSm3 {
    <HmacSm3 as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSm3 as hmac::digest::KeyInit>::new(&Default::default()))
}

/// An incremental signature over an exported file ([`Vault::signer`]).
pub struct Signer {
    mac: HmacSm3,
}

impl Signer {
    /// Adds the next bytes of the file.
    pub fn update(&mut self, bytes: &[u8]) {
        self.mac.update(bytes);
    }

    /// The signature: 64 hex characters.
    pub fn finish(self) -> String {
        hex::encode(self.mac.finalize().into_bytes())
    }

    /// True when `signature` is the signature of the bytes given (constant time).
    pub fn verify(self, signature: &str) -> bool {
        match hex::decode(signature.trim()) {
            Ok(bytes) => self.mac.verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }
}

/// The vault of a running process, replaceable when a rotation adds a key (the worker reloads
/// the key file when the database names a key it does not have). Cheap to clone; readers take a
/// snapshot with [`SharedVault::get`].
#[derive(Clone)]
pub struct SharedVault(Arc<RwLock<Arc<Vault>>>);

impl fmt::Debug for SharedVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl SharedVault {
    pub fn new(vault: Vault) -> SharedVault {
        SharedVault(Arc::new(RwLock::new(Arc::new(vault))))
    }

    /// The vault now in force.
    pub fn get(&self) -> Arc<Vault> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts a reloaded key set in force.
    pub fn replace(&self, vault: Vault) {
        match self.0.write() {
            Ok(mut g) => *g = Arc::new(vault),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(vault),
        }
    }
}

#[cfg(test)]
mod tests;
