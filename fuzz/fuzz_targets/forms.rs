//! Form decoding (`gongkai_core::forms`), the step behind the web crate's `Form` extractor and
//! `multipart::form_with_files`: the strict multipart reader, the re-encoding of its text
//! fields, and serde decoding into a form shaped like the house forms (strings with defaults,
//! optional numbers, a flattened human-check struct).
//!
//! The input is `content type` + `\n` + body. Properties: nothing panics; the text fields come
//! out of the re-encoding exactly as they went in (names, lossy text, order); a multipart body
//! and the URL encoding of its text fields decode to the same form.
#![no_main]

use gongkai_core::forms::{self, FormError};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

#[derive(Debug, PartialEq, Deserialize)]
struct Proof {
    #[serde(default)]
    altcha: String,
    #[serde(default)]
    captcha_answer: String,
}

#[derive(Debug, PartialEq, Deserialize)]
struct HouseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    org_id: Option<String>,
    #[serde(flatten)]
    proof: Proof,
}

#[derive(Debug, PartialEq, Deserialize)]
struct TypedForm {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    q: String,
}

fuzz_target!(|input: &[u8]| {
    let split = input
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(input.len());
    let content_type = String::from_utf8_lossy(&input[..split]);
    let body = input.get(split + 1..).unwrap_or_default();

    let _ = forms::decode::<TypedForm>(body);
    let _ = forms::decode_with_files::<TypedForm>(&content_type, body);
    let house = forms::decode_with_files::<HouseForm>(&content_type, body);

    let Ok(parts) = forms::parse_multipart(&content_type, body) else {
        return;
    };
    assert!(parts.len() <= forms::MAX_PARTS);
    let text: Vec<(String, String)> = parts
        .iter()
        .filter(|p| p.filename.is_none())
        .map(|p| (p.name.clone(), p.text()))
        .collect();
    let files = parts.iter().filter(|p| p.filename.is_some()).count();
    let (encoded, file_parts) = forms::split_fields(parts);
    assert_eq!(file_parts.len(), files);
    let decoded: Vec<(String, String)> = forms::decode(encoded.as_bytes())
        .unwrap_or_else(|e: FormError| panic!("re-encoded fields do not decode: {e}"));
    assert_eq!(decoded, text);
    let direct = forms::decode::<HouseForm>(encoded.as_bytes());
    match (house, direct) {
        (Ok((h, _)), Ok(d)) => assert_eq!(h, d),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("multipart {a:?} but URL-encoded {b:?}"),
    }
});
