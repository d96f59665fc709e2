//! The rich-text sanitiser (`richtext::sanitize`) and the plain-text view (`to_plain_text`).
//!
//! Properties: sanitising is idempotent; the output, read as the serialised HTML it is (text
//! `<` is always escaped, attribute values always double-quoted), has only allow-listed tags
//! and attributes, links with http/https/mailto or site-relative addresses (external ones with
//! `rel="noopener noreferrer"`), images whose `src` has no scheme and no other host; and the
//! plain-text view never panics.
#![no_main]

use gongkai_core::richtext::{sanitize, to_plain_text};
use libfuzzer_sys::fuzz_target;

const TAGS: &[&str] = &[
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
];

fn attribute_allowed(tag: &str, attr: &str) -> bool {
    matches!(
        (tag, attr),
        ("a", "href" | "rel")
            | ("img", "src" | "alt")
            | ("th", "scope" | "colspan" | "rowspan")
            | ("td", "colspan" | "rowspan")
    )
}

/// A tag of the serialised output: name, attributes (name, raw value), closing or not.
struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, String)>,
}

/// Reads every tag of serialised HTML; `None` when the markup is not in serialised form.
fn tags(html: &str) -> Option<Vec<Tag>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let closing = rest.starts_with('/');
        if closing {
            rest = &rest[1..];
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..end].to_string();
        rest = &rest[end..];
        let mut attrs = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
            if let Some(r) = rest.strip_prefix('>') {
                rest = r;
                break;
            }
            if let Some(r) = rest.strip_prefix("/>") {
                rest = r;
                break;
            }
            let eq = rest.find('=')?;
            let attr = rest[..eq].to_string();
            let r = rest[eq + 1..].strip_prefix('"')?;
            let close = r.find('"')?;
            attrs.push((attr, r[..close].to_string()));
            rest = &r[close + 1..];
        }
        out.push(Tag {
            name,
            closing,
            attrs,
        });
    }
    Some(out)
}

/// Does a browser read a scheme here? (WHATWG URL "scheme state": an ASCII letter, then ASCII
/// alphanumerics, `+`, `-` or `.`, then `:`; anything else makes a relative address, so
/// `https[\u{fffd}://x` is a harmless path.)
fn has_scheme(v: &str) -> bool {
    let mut chars = v.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    for c in chars {
        match c {
            ':' => return true,
            c if c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.') => {}
            _ => return false,
        }
    }
    false
}

fuzz_target!(|input: &str| {
    let s = sanitize(input);
    let again = sanitize(&s.html);
    assert_eq!(again.html, s.html, "not idempotent for {input:?}");
    let tags = tags(&s.html).unwrap_or_else(|| panic!("not serialised HTML: {:?}", s.html));
    for t in &tags {
        assert!(
            TAGS.contains(&t.name.as_str()),
            "tag <{}> in {:?}",
            t.name,
            s.html
        );
        if t.closing {
            assert!(t.attrs.is_empty());
            continue;
        }
        for (attr, value) in &t.attrs {
            assert!(
                attribute_allowed(&t.name, attr),
                "{attr} on <{}> in {:?}",
                t.name,
                s.html
            );
            let lower = value.to_ascii_lowercase();
            match (t.name.as_str(), attr.as_str()) {
                ("a", "href") => {
                    assert!(!value.starts_with("//"), "{:?}", s.html);
                    if has_scheme(value) {
                        assert!(
                            ["http:", "https:", "mailto:"]
                                .iter()
                                .any(|p| lower.starts_with(p)),
                            "{:?}",
                            s.html
                        );
                    }
                    let external = lower.starts_with("http:") || lower.starts_with("https:");
                    let rel = t
                        .attrs
                        .iter()
                        .any(|(a, v)| a == "rel" && v == "noopener noreferrer");
                    assert_eq!(external, rel, "{:?}", s.html);
                }
                ("img", "src") => {
                    assert!(
                        !has_scheme(value) && !value.starts_with("//"),
                        "{:?}",
                        s.html
                    );
                    assert!(!value.contains('\\'), "{:?}", s.html);
                }
                _ => {}
            }
        }
    }
    let _ = to_plain_text(input);
    let _ = to_plain_text(&s.html);
});
