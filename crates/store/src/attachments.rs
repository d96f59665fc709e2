//! Attachments: files on disk, content-addressed, linked to their owner by a database row.
//!
//! # The rule
//! Issue #4 / product.md: attachments are "type-checked by content, not by extension, and
//! size-limited, with file metadata stripped where possible"; images need alt text (REG §8,
//! WCAG 1.1.1). The checks and the stripping are pure functions in `gongkai_core::filetype`
//! (see its header for exactly what is and is not stripped); this module does the I/O.
//!
//! # Invariants
//! - A file is stored as `<data>/files/ab/cd/<sha256>` where `ab`, `cd` are the first two byte
//!   pairs of the SHA-256 (lower-case hex) of the *stored* (stripped) bytes. The same content is
//!   stored once, however many owners attach it.
//! - [`store_file`] writes the file completely before any row can refer to it: a temporary file
//!   in the target directory, `fsync`, rename, `fsync` of the directory. [`attach`] takes the
//!   [`StoredFile`] that only [`store_file`] can make, inside the caller's transaction, so a row
//!   never points at a missing file, even after a crash. (A crash between the two leaves an
//!   unreferenced file: harmless, and left for a future sweep. FUTURE: `gongkai files gc`.)
//! - Files are never deleted or changed by [`detach`]: published items keep their attachments,
//!   and auditors can see what was withdrawn.
//! - `owner_type` is a short name of the owning object kind (`item`, `commitment`, …) and
//!   `owner_id` its id; there is no foreign key because owners live in several tables.
//! - [`store_file`] and [`open`] do blocking file I/O: from async code call [`store`] (which
//!   uses `spawn_blocking`) or wrap them yourself.

use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use gongkai_core::extract::{self, Extracted};
use gongkai_core::filetype::{self, FileKind, FileTypeError};
use gongkai_core::vault::Vault;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Default size limit of one attachment: 50 MB.
pub const DEFAULT_MAX_SIZE: u64 = 50 * 1024 * 1024;
/// Longest file name kept (in characters).
pub const MAX_FILENAME_CHARS: usize = 200;
/// Longest alt text (in characters).
pub const MAX_ALT_CHARS: usize = 500;

/// Upload limits (configurable per deployment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes, before metadata stripping.
    pub max_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

/// Why a file was not stored (messages in Chinese).
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("{0}")]
    Type(#[from] FileTypeError),
    #[error("文件名无效：{0}")]
    Filename(String),
    #[error("{0}")]
    NotAllowed(String),
    #[error("附件文件不存在：{0}")]
    NotFound(String),
    #[error("附件文件读写失败：{0}")]
    Io(#[from] std::io::Error),
}

impl From<AttachmentError> for StoreError {
    fn from(e: AttachmentError) -> Self {
        match e {
            AttachmentError::Io(io) => StoreError::Io(io),
            AttachmentError::NotFound(_) => StoreError::NotFound(e.to_string()),
            AttachmentError::Type(_)
            | AttachmentError::Filename(_)
            | AttachmentError::NotAllowed(_) => StoreError::Invalid(e.to_string()),
        }
    }
}

/// A file that [`store_file`] has checked, stripped and durably written. Only this module can
/// make one (`non_exhaustive`: no other crate can build it), so [`attach`] can rely on the file
/// being on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StoredFile {
    /// SHA-256 (lower-case hex) of the stored bytes.
    pub sha256: String,
    /// The type recognised from the content.
    #[serde(skip)]
    pub kind: FileKind,
    /// The cleaned file name (base name only).
    pub filename: String,
    /// Size of the stored bytes.
    pub size: u64,
    /// What metadata was removed, in Chinese (for the uploader).
    pub removed_metadata: Vec<String>,
    /// The vault key a sealed file is written under (`None` for a plain file); kept on the
    /// attachment row so a key rotation finds the files to re-seal.
    #[serde(skip)]
    pub sealed_key: Option<String>,
}

impl StoredFile {
    /// The media type to serve the file with.
    pub fn media_type(&self) -> &'static str {
        self.kind.media_type()
    }
}

/// The owner of an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner<'a> {
    pub owner_type: &'a str,
    pub owner_id: i64,
}

/// An attachment row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub owner_type: String,
    pub owner_id: i64,
    pub sha256: String,
    pub filename: String,
    pub media_type: String,
    pub size: i64,
    pub alt_text: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

impl Attachment {
    /// The recognised kind, from the stored media type.
    pub fn kind(&self) -> Option<FileKind> {
        FileKind::from_media_type(&self.media_type)
    }
}

const COLUMNS: &str = "id, owner_type, owner_id, sha256, filename, media_type, size, alt_text, created_by, created_at";

/// True for a lower-case hex SHA-256: the only names [`path_for`] builds paths from.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where the file with this SHA-256 lives: `<data>/files/ab/cd/<sha256>`. `None` when `sha256`
/// is not a lower-case hex digest (so no caller can build a path outside the store).
pub fn path_for(data_dir: &Path, sha256: &str) -> Option<PathBuf> {
    is_sha256(sha256).then(|| {
        data_dir
            .join("files")
            .join(&sha256[0..2])
            .join(&sha256[2..4])
            .join(sha256)
    })
}

/// The base name of an uploaded file name, without control characters or path separators.
pub fn clean_filename(name: &str) -> Result<String, AttachmentError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return Err(AttachmentError::Filename("文件名为空".into()));
    }
    if cleaned.chars().count() > MAX_FILENAME_CHARS {
        return Err(AttachmentError::Filename(format!(
            "文件名超过 {MAX_FILENAME_CHARS} 个字符"
        )));
    }
    Ok(cleaned.to_string())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically: temporary file in the same directory, fsync, rename,
/// fsync of the directory (so the rename itself survives a crash).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("附件路径没有上级目录"))?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}-{}",
        std::process::id(),
        now_ms(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Checks an uploaded file (size, type by content, extension), strips its metadata and stores
/// it durably under `data_dir`. Blocking I/O; see [`store`] for async callers.
pub fn store_file(
    data_dir: &Path,
    bytes: &[u8],
    filename: &str,
    limits: &Limits,
) -> Result<StoredFile, AttachmentError> {
    let filename = clean_filename(filename)?;
    let kind = filetype::check(bytes, &filename, limits.max_size)?;
    let stripped = filetype::strip_metadata(kind, bytes)?;
    let sha256 = write_content_addressed(data_dir, &stripped.bytes)?;
    Ok(StoredFile {
        sha256,
        kind,
        filename,
        size: stripped.bytes.len() as u64,
        removed_metadata: stripped.removed,
        sealed_key: None,
    })
}

/// Checks an uploaded file of personal data (size, type by content among `allowed`, extension),
/// strips its metadata, seals it whole with `seal` (the vault, `Vault::seal_bytes`) and stores
/// the sealed bytes durably under `data_dir`. Every check runs before anything is written, so a
/// refused file leaves nothing behind. The returned `sha256` names the sealed bytes; `kind` and
/// `size` describe the file as uploaded (after stripping).
pub fn store_sealed_file(
    data_dir: &Path,
    bytes: &[u8],
    filename: &str,
    limits: &Limits,
    allowed: &[FileKind],
    seal: &dyn Fn(&[u8]) -> Vec<u8>,
) -> Result<StoredFile, AttachmentError> {
    let filename = clean_filename(filename)?;
    let kind = filetype::check(bytes, &filename, limits.max_size)?;
    if !allowed.contains(&kind) {
        let names: Vec<&str> = allowed.iter().map(|k| k.label()).collect();
        return Err(AttachmentError::NotAllowed(format!(
            "“{filename}”是{}，这里只接受{}",
            kind.label(),
            names.join("、")
        )));
    }
    let stripped = filetype::strip_metadata(kind, bytes)?;
    let sealed = seal(&stripped.bytes);
    let sealed_key = Vault::key_id_of_bytes(&sealed)
        .map(str::to_string)
        .ok_or_else(|| std::io::Error::other("加密后的文件格式错误"))?;
    let sha256 = write_content_addressed(data_dir, &sealed)?;
    Ok(StoredFile {
        sha256,
        kind,
        filename,
        size: stripped.bytes.len() as u64,
        removed_metadata: stripped.removed,
        sealed_key: Some(sealed_key),
    })
}

/// Writes `bytes` durably under their SHA-256 and returns it; a file already stored under that
/// name (same content) is not written again.
pub(crate) fn write_content_addressed(data_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let path = path_for(data_dir, &sha256).ok_or_else(|| std::io::Error::other("摘要格式错误"))?;
    let present = fs::metadata(&path)
        .map(|m| m.is_file() && m.len() == bytes.len() as u64)
        .unwrap_or(false);
    if !present {
        write_atomically(&path, bytes)?;
    }
    Ok(sha256)
}

/// Removes a stored file that no attachment row refers to (a sealed upload whose record could
/// not be committed). Files are content-addressed, so only call it for a file written for one
/// record (sealed files: their random nonce makes them unique).
pub fn remove_unreferenced(data_dir: &Path, sha256: &str) {
    if let Some(path) = path_for(data_dir, sha256) {
        let _ = fs::remove_file(path);
    }
}

/// [`store_file`] on the blocking thread pool, for async callers (request handlers).
pub async fn store(
    data_dir: PathBuf,
    bytes: Vec<u8>,
    filename: String,
    limits: Limits,
) -> Result<StoredFile, AttachmentError> {
    tokio::task::spawn_blocking(move || store_file(&data_dir, &bytes, &filename, &limits))
        .await
        .map_err(|e| AttachmentError::Io(std::io::Error::other(e.to_string())))?
}

/// Opens a stored file for reading.
pub fn open(data_dir: &Path, sha256: &str) -> Result<File, AttachmentError> {
    let path = path_for(data_dir, sha256)
        .ok_or_else(|| AttachmentError::NotFound(format!("无效的文件摘要 {sha256}")))?;
    File::open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => AttachmentError::NotFound(sha256.to_string()),
        _ => AttachmentError::Io(e),
    })
}

/// Reads a stored file and checks that its content still has the SHA-256 it is named by.
pub fn read_verified(data_dir: &Path, sha256: &str) -> Result<Vec<u8>, AttachmentError> {
    let path = path_for(data_dir, sha256)
        .ok_or_else(|| AttachmentError::NotFound(format!("无效的文件摘要 {sha256}")))?;
    let bytes = fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => AttachmentError::NotFound(sha256.to_string()),
        _ => AttachmentError::Io(e),
    })?;
    if hex::encode(Sha256::digest(&bytes)) != sha256 {
        return Err(AttachmentError::Io(std::io::Error::other(format!(
            "附件文件 {sha256} 内容与摘要不符（文件已被改动或损坏）"
        ))));
    }
    Ok(bytes)
}

/// The text of an attachment for the scanner gate and search (`gongkai_core::extract`).
pub fn text_of(data_dir: &Path, attachment: &Attachment) -> Result<Extracted, StoreError> {
    let kind = attachment
        .kind()
        .ok_or_else(|| StoreError::Invalid(format!("未知的附件类型：{}", attachment.media_type)))?;
    let bytes = read_verified(data_dir, &attachment.sha256)?;
    extract::extract_text(kind, &bytes).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Links a stored file to its owner, in the caller's transaction (audited). Images need a
/// non-empty alt text (REG §8, WCAG 1.1.1).
pub async fn attach(
    tx: &mut Tx,
    actor: &Actor,
    owner: Owner<'_>,
    stored: &StoredFile,
    alt: &str,
) -> Result<Attachment> {
    let alt = alt.trim();
    if stored.kind.is_image() && alt.is_empty() {
        return Err(StoreError::Invalid(format!(
            "图片附件“{}”必须填写替代文字（说明图片内容，供视障用户使用）",
            stored.filename
        )));
    }
    if alt.chars().count() > MAX_ALT_CHARS {
        return Err(StoreError::Invalid(format!(
            "替代文字不能超过 {MAX_ALT_CHARS} 个字符"
        )));
    }
    if owner.owner_type.trim().is_empty() {
        return Err(StoreError::Invalid("附件缺少所属对象".into()));
    }
    let size = i64::try_from(stored.size).map_err(|_| StoreError::Invalid("附件过大".into()))?;
    let sql = format!(
        "INSERT INTO attachments (owner_type, owner_id, sha256, filename, media_type, size, \
         alt_text, created_by, created_at, sealed_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
    );
    let row: Attachment = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(owner.owner_type)
        .bind(owner.owner_id)
        .bind(&stored.sha256)
        .bind(&stored.filename)
        .bind(stored.media_type())
        .bind(size)
        .bind(alt)
        .bind(actor.user_id)
        .bind(now_ms())
        .bind(&stored.sealed_key)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "attachment.add",
            object_type: owner.owner_type,
            object_id: owner.owner_id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row)?),
        },
    )
    .await?;
    if row.owner_type == crate::search::KIND_ITEM {
        // Attachment text is searchable (issue #8).
        crate::search::enqueue(tx, crate::search::KIND_ITEM, row.owner_id).await?;
    }
    Ok(row)
}

/// Removes the link between an attachment and its owner (audited). The file stays on disk.
pub async fn detach(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Attachment> {
    let sql = format!("DELETE FROM attachments WHERE id = $1 RETURNING {COLUMNS}");
    let row: Option<Attachment> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    let row = row.ok_or_else(|| StoreError::NotFound(format!("附件 {id} 不存在")))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "attachment.remove",
            object_type: &row.owner_type,
            object_id: row.owner_id.to_string(),
            before: Some(serde_json::to_value(&row)?),
            after: None,
        },
    )
    .await?;
    if row.owner_type == crate::search::KIND_ITEM {
        crate::search::enqueue(tx, crate::search::KIND_ITEM, row.owner_id).await?;
    }
    Ok(row)
}

/// One attachment by id.
pub async fn get(db: &Db, id: i64) -> Result<Option<Attachment>> {
    let sql = format!("SELECT {COLUMNS} FROM attachments WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// The attachments of an owner, in the order they were attached.
pub async fn list_for(db: &Db, owner: Owner<'_>) -> Result<Vec<Attachment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM attachments WHERE owner_type = $1 AND owner_id = $2 ORDER BY id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(owner.owner_type)
    .bind(owner.owner_id)
    .fetch_all(p)
    .await?))
}
