//! Console and public uploads (`multipart/form-data`, RFC 7578). The CSRF token travels in the
//! form's action URL (`security::csrf_guard`); the handler reads the body within
//! [`MAX_UPLOAD_BYTES`] and parses it with the pure reader `gongkai_core::forms` (also run by
//! the fuzz targets in `fuzz/`), so no streaming parser is pulled in. Anything a browser would
//! not send is a Chinese 400 error, never a panic.

use crate::error::AppError;
use gongkai_core::forms;

pub use gongkai_core::forms::{Part, field, is_multipart};

/// Largest multipart body accepted: the attachment limit plus room for the other fields.
pub const MAX_UPLOAD_BYTES: usize =
    gongkai_store::attachments::DEFAULT_MAX_SIZE as usize + 64 * 1024;

/// Parses the body into its parts.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, AppError> {
    Ok(forms::parse_multipart(content_type, body)?)
}

/// A public form that may carry a file: read the body within `limit` bytes (a Chinese 413
/// beyond it), and give the text fields deserialised into `T` exactly as the house
/// [`Form`](crate::extract::Form) would from a URL-encoded body, plus the file parts (each with
/// a `filename`, possibly empty when no file was chosen). A URL-encoded body is accepted too, so
/// the same handler serves clients that send no file.
pub async fn form_with_files<T: serde::de::DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    limit: usize,
) -> Result<(T, Vec<Part>), AppError> {
    use axum::http::header::CONTENT_TYPE;
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        AppError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "提交的内容过大（上限 {} MB），请压缩文件后重新提交。",
                limit / (1024 * 1024)
            ),
        )
    })?;
    Ok(forms::decode_with_files(content_type, &bytes)?)
}
