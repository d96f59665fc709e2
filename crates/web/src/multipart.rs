//! A small, strict `multipart/form-data` reader (RFC 7578) for console uploads. The CSRF token
//! travels in the form's action URL (`security::csrf_guard`); the handler reads the body within
//! [`MAX_UPLOAD_BYTES`] and parses it here, so no streaming parser is pulled in.
//!
//! Only what browsers send is accepted: a `boundary` parameter, parts with a
//! `Content-Disposition: form-data; name="…"[; filename="…"]` header. Anything else is a Chinese
//! 400 error, never a panic.

use crate::error::AppError;

/// Largest multipart body accepted: the attachment limit plus room for the other fields.
pub const MAX_UPLOAD_BYTES: usize =
    gongkai_store::attachments::DEFAULT_MAX_SIZE as usize + 64 * 1024;

/// One part of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Present for file fields (may be empty when no file was chosen).
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

impl Part {
    /// The text of a non-file field.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

fn bad(detail: &str) -> AppError {
    AppError::bad_request(format!(
        "上传的表单内容无法识别（{detail}），请使用页面上的表单重新提交。"
    ))
}

/// Is this a `multipart/form-data` content type?
pub fn is_multipart(content_type: &str) -> bool {
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
}

/// The boundary parameter of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    if !is_multipart(content_type) {
        return None;
    }
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("boundary") {
            let v = v.trim().trim_matches('"');
            (!v.is_empty() && v.len() <= 200).then(|| v.to_string())
        } else {
            None
        }
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The value of `key="…"` in a Content-Disposition header.
fn param(header: &str, key: &str) -> Option<String> {
    for p in header.split(';').skip(1) {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        if k.trim().eq_ignore_ascii_case(key) {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or(v);
            return Some(v.replace("%22", "\"").replace("\\\"", "\""));
        }
    }
    None
}

/// Parses the body into its parts.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, AppError> {
    let b = boundary(content_type).ok_or_else(|| bad("缺少分隔符"))?;
    let delim = format!("--{b}").into_bytes();
    let mut next_delim = Vec::with_capacity(delim.len() + 2);
    next_delim.extend_from_slice(b"\r\n");
    next_delim.extend_from_slice(&delim);
    let mut pos = find(body, &delim, 0).ok_or_else(|| bad("找不到第一个分隔符"))? + delim.len();
    let mut parts = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err(bad("分隔符格式错误"));
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos).ok_or_else(|| bad("缺少字段头"))?;
        let head = std::str::from_utf8(&body[pos..head_end]).map_err(|_| bad("字段头编码错误"))?;
        let mut name = None;
        let mut filename = None;
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                if !v.trim_start().to_ascii_lowercase().starts_with("form-data") {
                    return Err(bad("字段类型错误"));
                }
                name = param(v, "name");
                filename = param(v, "filename");
            }
        }
        let name = name.ok_or_else(|| bad("字段缺少名称"))?;
        let data_start = head_end + 4;
        let data_end = find(body, &next_delim, data_start).ok_or_else(|| bad("内容不完整"))?;
        parts.push(Part {
            name,
            filename,
            data: body[data_start..data_end].to_vec(),
        });
        if parts.len() > 100 {
            return Err(bad("字段过多"));
        }
        pos = data_end + next_delim.len();
    }
}

/// The first part named `name`.
pub fn field<'a>(parts: &'a [Part], name: &str) -> Option<&'a Part> {
    parts.iter().find(|p| p.name == name)
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
    use axum::extract::FromRequest;
    use axum::http::header::CONTENT_TYPE;
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
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
    let (encoded, files) = if is_multipart(&content_type) {
        let parts = parse(&content_type, &bytes)?;
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        let mut files = Vec::new();
        for p in parts {
            if p.filename.is_some() {
                files.push(p);
            } else {
                ser.append_pair(&p.name, &p.text());
            }
        }
        (ser.finish().into_bytes(), files)
    } else {
        (bytes.to_vec(), Vec::new())
    };
    let req = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(encoded))
        .map_err(|_| bad("请求无法重建"))?;
    let crate::extract::Form(form) = crate::extract::Form::<T>::from_request(req, &()).await?;
    Ok((form, files))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn body(boundary: &str, fields: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, filename, data) in fields {
            out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match filename {
                Some(f) => out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        out
    }

    #[test]
    fn reads_fields_and_files() {
        let b = body(
            "XyZ",
            &[
                ("csrf", None, b"tok"),
                ("file", Some("名单.txt"), b"a\r\nb--XyZ"),
            ],
        );
        let parts = parse("multipart/form-data; boundary=XyZ", &b).unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            field(&parts, "csrf").map(Part::text).as_deref(),
            Some("tok")
        );
        let f = field(&parts, "file").cloned().unwrap_or(Part {
            name: String::new(),
            filename: None,
            data: Vec::new(),
        });
        assert_eq!(f.filename.as_deref(), Some("名单.txt"));
        assert_eq!(f.data, b"a\r\nb--XyZ");
    }

    #[test]
    fn refuses_garbage() {
        assert!(parse("multipart/form-data; boundary=a", b"nonsense").is_err());
        assert!(parse("text/plain", b"--a--").is_err());
        assert!(parse("multipart/form-data; boundary=a", b"--a\r\nno-header").is_err());
    }

    proptest! {
        /// Whatever the bytes, parsing never panics; and any file content round-trips.
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse("multipart/form-data; boundary=B0und", &data);
        }

        #[test]
        fn file_content_round_trips(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let b = body("B0undary-7f3a", &[("file", Some("x.bin"), &data)]);
            let parts = parse("multipart/form-data; boundary=B0undary-7f3a", &b);
            // A body containing the delimiter itself cannot be framed; browsers choose a
            // boundary that does not occur. Otherwise the bytes come back exactly.
            let needle = b"\r\n--B0undary-7f3a";
            let contains = data.windows(needle.len()).any(|w| w == needle);
            if !contains {
                let parts = parts.unwrap_or_default();
                prop_assert_eq!(parts.len(), 1);
                prop_assert_eq!(&parts[0].data, &data);
            }
        }
    }
}
