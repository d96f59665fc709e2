//! Decoding of submitted forms, as pure functions over the body's bytes (no I/O), so that the
//! web crate's extractors and the fuzz targets (`fuzz/`) run the very same code:
//!
//! - [`parse_multipart`]: a small, strict `multipart/form-data` reader (RFC 7578). Only what
//!   browsers send is accepted: a `boundary` parameter, parts with a
//!   `Content-Disposition: form-data; name="…"[; filename="…"]` header. A part's own
//!   `Content-Type` is ignored: an uploaded file's type is recognised from its bytes
//!   (`filetype::sniff`), never from what the client declares.
//! - [`decode`]: a URL-encoded body into a typed form (serde), the house `Form` extractor's step.
//! - [`decode_with_files`]: a form that may carry files — its text fields re-encoded and
//!   decoded exactly as a URL-encoded body would be, plus the file parts.
//!
//! Every refusal is a Chinese message (shown with a 400 by the web crate), never a panic; the
//! searches are linear (`memchr::memmem`), so a hostile body costs time proportional to its size.

use memchr::memmem;
use serde::de::DeserializeOwned;

/// Most parts accepted in one multipart body.
pub const MAX_PARTS: usize = 100;

/// Longest boundary accepted (RFC 2046 allows 70 characters; browsers stay well below).
pub const MAX_BOUNDARY: usize = 200;

/// One part of a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Present for file fields (may be empty when no file was chosen).
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

impl Part {
    /// The text of a non-file field (invalid UTF-8 replaced by U+FFFD).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// Why a submitted form could not be read; the messages are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A multipart body that is not what a browser sends.
    #[error("上传的表单内容无法识别（{0}），请使用页面上的表单重新提交。")]
    Multipart(&'static str),
    /// Fields that do not fit the form (a number field with letters, a repeated field…).
    #[error("提交的表单内容无法识别，请检查后重新提交。（{0}）")]
    Fields(String),
    /// Neither a URL-encoded nor a multipart body.
    #[error("表单的内容类型不正确，请使用页面上的表单重新提交。")]
    ContentType,
}

/// The media type of a `Content-Type` value, lower case, without parameters.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Is this a `multipart/form-data` content type?
pub fn is_multipart(content_type: &str) -> bool {
    media_type(content_type) == "multipart/form-data"
}

/// Is this an `application/x-www-form-urlencoded` content type?
pub fn is_urlencoded(content_type: &str) -> bool {
    media_type(content_type) == "application/x-www-form-urlencoded"
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
            (!v.is_empty() && v.len() <= MAX_BOUNDARY).then(|| v.to_string())
        } else {
            None
        }
    })
}

/// The first occurrence of `needle` in `hay` at or after `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    memmem::find(&hay[from..], needle).map(|p| p + from)
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

/// Parses a `multipart/form-data` body into its parts.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, FormError> {
    let bad = FormError::Multipart;
    let b = boundary(content_type).ok_or(bad("缺少分隔符"))?;
    let delim = format!("--{b}").into_bytes();
    let mut next_delim = Vec::with_capacity(delim.len() + 2);
    next_delim.extend_from_slice(b"\r\n");
    next_delim.extend_from_slice(&delim);
    let mut pos = find(body, &delim, 0).ok_or(bad("找不到第一个分隔符"))? + delim.len();
    let mut parts = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err(bad("分隔符格式错误"));
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos).ok_or(bad("缺少字段头"))?;
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
        let name = name.ok_or(bad("字段缺少名称"))?;
        let data_start = head_end + 4;
        let data_end = find(body, &next_delim, data_start).ok_or(bad("内容不完整"))?;
        parts.push(Part {
            name,
            filename,
            data: body[data_start..data_end].to_vec(),
        });
        if parts.len() > MAX_PARTS {
            return Err(bad("字段过多"));
        }
        pos = data_end + next_delim.len();
    }
}

/// The first part named `name`.
pub fn field<'a>(parts: &'a [Part], name: &str) -> Option<&'a Part> {
    parts.iter().find(|p| p.name == name)
}

/// Splits parts into the URL encoding of the text fields (in order) and the file parts (those
/// with a `filename`).
pub fn split_fields(parts: Vec<Part>) -> (String, Vec<Part>) {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    let mut files = Vec::new();
    for p in parts {
        if p.filename.is_some() {
            files.push(p);
        } else {
            ser.append_pair(&p.name, &p.text());
        }
    }
    (ser.finish(), files)
}

/// Decodes a URL-encoded body into `T`; the message names the field that did not fit.
pub fn decode<T: DeserializeOwned>(urlencoded: &[u8]) -> Result<T, FormError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(urlencoded));
    serde_path_to_error::deserialize(de).map_err(|e| FormError::Fields(e.to_string()))
}

/// A form that may carry files: a multipart body gives its text fields decoded into `T` exactly
/// as [`decode`] would from a URL-encoded body, plus the file parts; a URL-encoded body (a
/// client that sends no file) gives `T` and no files. Any other content type is refused.
pub fn decode_with_files<T: DeserializeOwned>(
    content_type: &str,
    body: &[u8],
) -> Result<(T, Vec<Part>), FormError> {
    if is_multipart(content_type) {
        let (encoded, files) = split_fields(parse_multipart(content_type, body)?);
        Ok((decode(encoded.as_bytes())?, files))
    } else if is_urlencoded(content_type) {
        Ok((decode(body)?, Vec::new()))
    } else {
        Err(FormError::ContentType)
    }
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
        let parts = parse_multipart("multipart/form-data; boundary=XyZ", &b).unwrap_or_default();
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
        assert!(parse_multipart("multipart/form-data; boundary=a", b"nonsense").is_err());
        assert!(parse_multipart("text/plain", b"--a--").is_err());
        assert!(parse_multipart("multipart/form-data; boundary=a", b"--a\r\nno-header").is_err());
        assert!(matches!(
            decode_with_files::<Vec<(String, String)>>("text/html", b"a=b"),
            Err(FormError::ContentType)
        ));
    }

    #[derive(Debug, serde::Deserialize)]
    struct Typed {
        #[serde(default)]
        page: Option<i64>,
        #[serde(default)]
        title: String,
    }

    #[test]
    fn text_fields_decode_like_a_urlencoded_body() {
        let b = body(
            "B",
            &[
                ("title", None, "甲&乙=丙+丁%".as_bytes()),
                ("page", None, b"3"),
                ("proof", Some("证明.png"), b"\x89PNG"),
            ],
        );
        let (t, files): (Typed, _) = decode_with_files("multipart/form-data; boundary=B", &b)
            .unwrap_or_else(|e| {
                panic!("{e}");
            });
        assert_eq!(t.title, "甲&乙=丙+丁%");
        assert_eq!(t.page, Some(3));
        assert_eq!(files.len(), 1);
        let err = decode_with_files::<Typed>("application/x-www-form-urlencoded", b"page=x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("page"), "{err}");
        assert!(err.starts_with("提交的表单内容无法识别"), "{err}");
    }

    proptest! {
        /// Whatever the bytes, parsing never panics; and any file content round-trips.
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_multipart("multipart/form-data; boundary=B0und", &data);
        }

        #[test]
        fn file_content_round_trips(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let b = body("B0undary-7f3a", &[("file", Some("x.bin"), &data)]);
            let parts = parse_multipart("multipart/form-data; boundary=B0undary-7f3a", &b);
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
