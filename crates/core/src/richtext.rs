//! Rich-text bodies of information items: the sanitiser and the plain-text view.
//!
//! # The rule
//! Item bodies are written by staff in a rich-text area and published on the portal (issue #4,
//! product.md "Rich text is sanitised; … images get alt text"). Whatever the browser or an API
//! client sends, only this allow-list reaches storage and the portal:
//! - headings `h2`–`h4` (the page title is the only `h1`), `p`, `br`, `strong`, `em`, `ul`, `ol`,
//!   `li`, `blockquote`;
//! - tables: `table`, `caption`, `thead`, `tbody`, `tr`, `th` (with `scope`), `td`; both cell kinds
//!   may carry `colspan`/`rowspan` (1–1000);
//! - links `a href` with `http`, `https` or `mailto`, or a site-relative address; external
//!   (`http`/`https`) links get `rel="noopener noreferrer"`; protocol-relative (`//host`) and
//!   backslash addresses are refused;
//! - images `img src alt`, where `src` must be one of our own attachment URLs (`/files/…`) or a
//!   relative address, and `alt` must be non-empty: 无障碍 requirement of REG §8 ("all images …
//!   have text alternatives", WCAG 1.1.1). A missing `alt` is a *problem reported in Chinese*, not
//!   a silent drop, so the drafter can fix it; callers refuse to save while problems remain.
//!
//! Everything else goes: scripts and styles with their content, event handlers, `style`/`class`/
//! `id`, iframes, objects, forms, comments, `javascript:`/`data:`/`vbscript:` URLs. Disallowed but
//! harmless tags (`div`, `span`, `h1`, `font`, …) are unwrapped: their text stays.
//!
//! # How
//! [`ammonia`] (html5ever, the browser parsing algorithm) does the cleaning. A second pass over
//! ammonia's normalised output (where every `<` in text is escaped and attribute values are
//! always double-quoted, so a tag pattern is exact) adds `rel` to external links, unwraps links
//! whose address was refused, drops images whose address was refused, and reports missing `alt`.
//! The two passes are repeated until the output no longer changes, so `sanitize` is idempotent:
//! `sanitize(sanitize(x).html).html == sanitize(x).html` (a property test checks it).

use ammonia::{Builder, UrlRelative};
use regex::Regex;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The result of [`sanitize`]: the safe HTML, and the problems the author must fix (in Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitized {
    /// HTML that contains only the allow-listed tags and attributes.
    pub html: String,
    /// Validation problems, in Simplified Chinese, each at most once. Empty means acceptable.
    pub problems: Vec<String>,
}

impl Sanitized {
    /// True when the body can be saved as it is.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Tags allowed in a stored body.
const ALLOWED_TAGS: &[&str] = &[
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

/// Tags removed together with everything inside them (never unwrapped).
const REMOVE_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "noscript", "noembed", "noframes",
    "template", "object", "embed", "applet", "xmp", "title", "svg", "math", "form", "select",
    "textarea", "button", "head",
];

/// Block-level tags: a line break in the plain-text view.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

/// Largest `colspan`/`rowspan` kept (browsers clamp at 1000 and 65534).
const MAX_SPAN: u32 = 1000;

/// Message when a link's address was refused.
const MSG_BAD_LINK: &str = "链接缺少地址或地址不被允许（只允许 http、https、mailto 和本站相对地址），已去掉该链接、保留文字";
/// Message when an image's address was refused.
const MSG_BAD_IMAGE: &str = "图片地址不被允许（只允许本站附件地址 /files/… 或相对地址），已删除该图片，请先上传为附件再插入";

fn has_forbidden_url_chars(value: &str) -> bool {
    // A backslash is read as "/" by browsers ("/\evil.example" = "//evil.example"); control
    // characters and whitespace inside an address are never needed in a body.
    value
        .chars()
        .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

/// True when `value` has a scheme (`name:` before any `/`, `?` or `#`).
fn has_scheme(value: &str) -> bool {
    let end = value.find(['/', '?', '#']).unwrap_or(value.len());
    value[..end].contains(':')
}

/// Link addresses: absolute with a scheme (ammonia then checks the scheme allow-list) or
/// site-relative; never protocol-relative.
fn link_href_ok(value: &str) -> bool {
    !value.is_empty() && !has_forbidden_url_chars(value) && !value.starts_with("//")
}

/// Image sources: our attachment URLs or relative addresses only (no scheme, no other host).
fn image_src_ok(value: &str) -> bool {
    if value.is_empty() || has_forbidden_url_chars(value) || has_scheme(value) {
        return false;
    }
    if let Some(rest) = value.strip_prefix('/') {
        return value.starts_with("/files/") && !rest.starts_with('/');
    }
    true
}

fn span_value(value: &str) -> Option<Cow<'static, str>> {
    let n: u32 = value.trim().parse().ok()?;
    (1..=MAX_SPAN)
        .contains(&n)
        .then(|| Cow::Owned(n.to_string()))
}

fn attribute_filter<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        ("a", "href") => {
            let v = value.trim();
            link_href_ok(v).then_some(Cow::Borrowed(v))
        }
        ("img", "src") => {
            let v = value.trim();
            image_src_ok(v).then_some(Cow::Borrowed(v))
        }
        ("img", "alt") => {
            let v = value.trim();
            (!v.is_empty()).then_some(Cow::Borrowed(v))
        }
        ("th", "scope") => {
            matches!(value, "row" | "col" | "rowgroup" | "colgroup").then_some(Cow::Borrowed(value))
        }
        ("th" | "td", "colspan" | "rowspan") => span_value(value),
        _ => Some(Cow::Borrowed(value)),
    }
}

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    let attrs: HashMap<&'static str, HashSet<&'static str>> = HashMap::from([
        ("a", HashSet::from(["href"])),
        ("img", HashSet::from(["src", "alt"])),
        ("th", HashSet::from(["scope", "colspan", "rowspan"])),
        ("td", HashSet::from(["colspan", "rowspan"])),
    ]);
    b.tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(REMOVE_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(attrs)
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true)
        .attribute_filter(attribute_filter);
    b
});

static PLAIN: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    let mut tags: HashSet<&'static str> = BLOCK_TAGS.iter().copied().collect();
    tags.extend(["td", "th", "a", "img"]);
    let attrs: HashMap<&'static str, HashSet<&'static str>> = HashMap::from([
        ("a", HashSet::from(["href"])),
        ("img", HashSet::from(["alt"])),
    ]);
    b.tags(tags)
        .clean_content_tags(REMOVE_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(attrs)
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true);
    b
});

/// A tag in ammonia's serialised output: `<name attr="value" …>` or `</name>`.
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"'>/=]+="[^"]*")*)\s*/?>"#)
        .unwrap_or_else(|e| unreachable!("static pattern: {e}"))
});
static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([^\s"'>/=]+)="([^"]*)""#).unwrap_or_else(|e| unreachable!("static pattern: {e}"))
});

fn attr_value<'h>(attrs: &'h str, name: &str) -> Option<&'h str> {
    ATTR.captures_iter(attrs)
        .find(|c| c.get(1).is_some_and(|m| m.as_str() == name))
        .and_then(|c| c.get(2))
        .map(|m| m.as_str())
}

fn is_external(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    lower.starts_with("http:") || lower.starts_with("https:")
}

fn push_problem(problems: &mut Vec<String>, p: String) {
    if !problems.contains(&p) {
        problems.push(p);
    }
}

/// One ammonia pass plus the link/image pass.
fn sanitize_once(html: &str, problems: &mut Vec<String>) -> String {
    let cleaned = SANITIZER.clean(html).to_string();
    let mut out = String::with_capacity(cleaned.len() + 32);
    let mut last = 0;
    // One flag per open <a>: was its open tag kept? (The HTML parser never nests links.)
    let mut links: Vec<bool> = Vec::new();
    for caps in TAG.captures_iter(&cleaned) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.get(2)) else {
            continue;
        };
        let closing = caps.get(1).is_some_and(|m| !m.as_str().is_empty());
        let attrs = caps.get(3).map_or("", |m| m.as_str());
        out.push_str(&cleaned[last..whole.start()]);
        last = whole.end();
        match (name.as_str(), closing) {
            ("a", false) => match attr_value(attrs, "href") {
                Some(href) => {
                    links.push(true);
                    out.push_str("<a href=\"");
                    out.push_str(href);
                    out.push('"');
                    if is_external(href) {
                        // External links must not get a handle on our window (tabnabbing).
                        out.push_str(" rel=\"noopener noreferrer\"");
                    }
                    out.push('>');
                }
                None => {
                    links.push(false);
                    push_problem(problems, MSG_BAD_LINK.to_string());
                }
            },
            ("a", true) => {
                if links.pop().unwrap_or(true) {
                    out.push_str(whole.as_str());
                }
            }
            ("img", _) => match attr_value(attrs, "src") {
                None => push_problem(problems, MSG_BAD_IMAGE.to_string()),
                Some(src) => {
                    if attr_value(attrs, "alt").is_none() {
                        // REG §8 / WCAG 1.1.1: every image has a text alternative.
                        push_problem(
                            problems,
                            format!(
                                "图片缺少替代文字（alt）：{}。请为每张图片填写说明其内容的文字",
                                unescape(src)
                            ),
                        );
                    }
                    out.push_str(whole.as_str());
                }
            },
            _ => out.push_str(whole.as_str()),
        }
    }
    out.push_str(&cleaned[last..]);
    out
}

/// Sanitises a rich-text body to the allow-list in the module header and reports what the
/// author must fix (in Chinese). Never panics; `sanitize(&sanitize(x).html).html` equals
/// `sanitize(x).html`.
pub fn sanitize(html: &str) -> Sanitized {
    let mut problems = Vec::new();
    let mut current = sanitize_once(html, &mut problems);
    // Parsing serialised HTML again can rarely rearrange it (for example text that the parser
    // moved out of a table); iterate to the fixed point so stored bodies are stable.
    for _ in 0..4 {
        let mut again = Vec::new();
        let next = sanitize_once(&current, &mut again);
        for p in again {
            push_problem(&mut problems, p);
        }
        if next == current {
            break;
        }
        current = next;
    }
    Sanitized {
        html: current,
        problems,
    }
}

/// Decodes the character references that an HTML serialiser writes (`&amp;`, `&lt;`, `&gt;`,
/// `&quot;`, `&nbsp;`, `&#39;`, `&apos;` and numeric references).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        // ';' is ASCII, so its byte position is a char boundary.
        let Some(end) = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|&b| b == b';')
        else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Appends text with HTML whitespace collapsed to single spaces.
fn push_text(out: &mut String, text: &str) {
    let decoded = unescape(text);
    let mut prev_space = out.ends_with(' ');
    for c in decoded.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c' | '\u{a0}') {
            if !prev_space {
                out.push(' ');
                prev_space = true;
            }
        } else {
            out.push(c);
            prev_space = false;
        }
    }
}

/// The text of a body for the sensitive-information scanner and for search: block elements
/// become line breaks, table cells are separated by a tab, image `alt` text is included (as
/// `[图片：…]`), and a `mailto:` address is added after the link text when the text does not
/// already show it, so the scanner sees every personal e-mail address the page would carry.
/// Scripts and styles contribute nothing. Lines are trimmed and empty lines dropped.
pub fn to_plain_text(html: &str) -> String {
    let cleaned = PLAIN.clean(html).to_string();
    let mut out = String::with_capacity(cleaned.len());
    let mut last = 0;
    // For each open <a>: the mailto address and where its text starts in `out`.
    let mut links: Vec<Option<(String, usize)>> = Vec::new();
    for caps in TAG.captures_iter(&cleaned) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.get(2)) else {
            continue;
        };
        let closing = caps.get(1).is_some_and(|m| !m.as_str().is_empty());
        let attrs = caps.get(3).map_or("", |m| m.as_str());
        push_text(&mut out, &cleaned[last..whole.start()]);
        last = whole.end();
        let name = name.as_str().to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("td" | "th", true) => out.push('\t'),
            ("a", false) => {
                let mail = attr_value(attrs, "href").and_then(|h| {
                    let h = unescape(h);
                    let lower = h.to_ascii_lowercase();
                    lower.starts_with("mailto:").then(|| {
                        h["mailto:".len()..]
                            .split('?')
                            .next()
                            .unwrap_or("")
                            .to_string()
                    })
                });
                links.push(mail.map(|m| (m, out.len())));
            }
            ("a", true) => {
                if let Some(Some((mail, start))) = links.pop()
                    && !mail.is_empty()
                    && !out[start..].contains(&mail)
                {
                    out.push_str(&format!("（{mail}）"));
                }
            }
            ("img", _) => {
                if let Some(alt) = attr_value(attrs, "alt") {
                    let alt = unescape(alt);
                    if !alt.trim().is_empty() {
                        out.push_str(&format!("[图片：{}]", alt.trim()));
                    }
                }
            }
            (tag, _) if BLOCK_TAGS.contains(&tag) => out.push('\n'),
            _ => {}
        }
    }
    push_text(&mut out, &cleaned[last..]);
    out.lines()
        .map(|l| l.trim_matches(|c: char| c == ' ' || c == '\t'))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
