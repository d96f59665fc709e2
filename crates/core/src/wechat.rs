//! WeChat-ready article markup (issue #5, product.md C5): the official-account editor accepts a
//! small set of tags with inline `style` attributes only — no `<script>`, no `<style>` or
//! `<link>` (external CSS), no classes or ids, no forms or frames. [`to_wechat_html`] turns a
//! stored (already sanitised) item body into that markup; [`digest`] cuts the 摘要 to the
//! editor's 120-character limit.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// Most characters the editor accepts in a 摘要.
pub const DIGEST_MAX_CHARS: usize = 120;

/// Tags kept, each with the inline style it gets (readable on a phone: 16px body text).
const STYLED: &[(&str, &str)] = &[
    ("section", "margin:0 0 1em 0;"),
    (
        "p",
        "margin:0 0 1em 0;font-size:16px;line-height:1.75;color:#333333;",
    ),
    (
        "h2",
        "margin:1.2em 0 0.6em 0;font-size:18px;font-weight:bold;color:#222222;",
    ),
    (
        "h3",
        "margin:1em 0 0.5em 0;font-size:17px;font-weight:bold;color:#222222;",
    ),
    (
        "h4",
        "margin:1em 0 0.5em 0;font-size:16px;font-weight:bold;color:#222222;",
    ),
    ("strong", "font-weight:bold;"),
    ("em", "font-style:italic;"),
    (
        "blockquote",
        "margin:0 0 1em 0;padding:0.5em 1em;border-left:3px solid #b3b3b3;color:#555555;",
    ),
    ("ul", "margin:0 0 1em 1.5em;padding:0;"),
    ("ol", "margin:0 0 1em 1.5em;padding:0;"),
    ("li", "margin:0 0 0.4em 0;font-size:16px;line-height:1.75;"),
    (
        "table",
        "border-collapse:collapse;width:100%;margin:0 0 1em 0;",
    ),
    (
        "th",
        "border:1px solid #999999;padding:4px 8px;background-color:#f2f2f2;font-weight:bold;",
    ),
    ("td", "border:1px solid #999999;padding:4px 8px;"),
    ("img", "max-width:100%;height:auto;"),
    ("span", ""),
    ("br", ""),
];

/// Structural tags kept without style.
const PLAIN_TAGS: &[&str] = &["thead", "tbody", "tr"];

/// Headings the editor renders badly become h2..h4.
static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    let mut tags: HashSet<&'static str> = STYLED.iter().map(|(t, _)| *t).collect();
    tags.extend(PLAIN_TAGS.iter().copied());
    let attrs: HashMap<&'static str, HashSet<&'static str>> = HashMap::from([
        ("img", HashSet::from(["src", "alt"])),
        ("th", HashSet::from(["colspan", "rowspan"])),
        ("td", HashSet::from(["colspan", "rowspan"])),
    ]);
    b.tags(tags)
        .clean_content_tags(HashSet::from([
            "script", "style", "noscript", "iframe", "object", "template",
        ]))
        .tag_attributes(attrs)
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true);
    b
});

/// The WeChat editor markup of `html`: only the tags of [`STYLED`] and [`PLAIN_TAGS`], each
/// styled inline; links become their text (the editor does not allow external links), h1/h5/h6
/// become h2/h4, everything else (scripts, styles, classes, ids, event handlers) is dropped.
pub fn to_wechat_html(html: &str) -> String {
    let mapped = html
        .replace("<h1", "<h2")
        .replace("</h1>", "</h2>")
        .replace("<h5", "<h4")
        .replace("</h5>", "</h4>")
        .replace("<h6", "<h4")
        .replace("</h6>", "</h4>");
    let cleaned = CLEANER.clean(&mapped).to_string();
    let mut out = String::with_capacity(cleaned.len() * 2);
    let mut rest = cleaned.as_str();
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(end) = tail.find('>') else {
            out.push_str(tail);
            rest = "";
            break;
        };
        let tag = &tail[..=end];
        out.push_str(&style_tag(tag));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Adds the inline style to an opening tag of the cleaner's output (`<p>`, `<img src=…>`).
fn style_tag(tag: &str) -> String {
    if tag.starts_with("</") {
        return tag.to_string();
    }
    let name_end = tag[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map(|i| i + 1)
        .unwrap_or(tag.len() - 1);
    let name = &tag[1..name_end];
    let style = STYLED
        .iter()
        .find(|(t, _)| *t == name)
        .map(|(_, s)| *s)
        .unwrap_or("");
    if style.is_empty() {
        return tag.to_string();
    }
    format!("<{name} style=\"{style}\"{}", &tag[name_end..])
}

/// The 摘要: the given summary, or the start of the body text, at most
/// [`DIGEST_MAX_CHARS`] characters (cut with "…" when longer).
pub fn digest(summary: &str, body_text: &str) -> String {
    let source = if summary.trim().is_empty() {
        body_text
    } else {
        summary
    };
    let flat: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= DIGEST_MAX_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(DIGEST_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn styles_inline_and_drops_the_rest() {
        let out = to_wechat_html(
            "<h1 class=\"x\">标题</h1><p id=\"a\" onclick=\"x()\">正文<a href=\"https://e.cn\">链接</a></p>\
             <script>alert(1)</script><style>p{}</style><link rel=\"stylesheet\" href=\"a.css\">\
             <img src=\"https://e.cn/a.png\" alt=\"图\">",
        );
        assert_eq!(
            out,
            "<h2 style=\"margin:1.2em 0 0.6em 0;font-size:18px;font-weight:bold;color:#222222;\">标题</h2>\
             <p style=\"margin:0 0 1em 0;font-size:16px;line-height:1.75;color:#333333;\">正文链接</p>\
             <img style=\"max-width:100%;height:auto;\" src=\"https://e.cn/a.png\" alt=\"图\">"
        );
    }

    #[test]
    fn digest_is_cut_at_120() {
        let long = "残".repeat(200);
        let d = digest("", &long);
        assert_eq!(d.chars().count(), DIGEST_MAX_CHARS);
        assert!(d.ends_with('…'));
        assert_eq!(digest("概述", &long), "概述");
    }

    proptest! {
        /// Whatever comes in, nothing but allowed tags with inline styles comes out: no script,
        /// no style element, no external stylesheet, no class, id or event handler.
        #[test]
        fn output_only_has_editor_markup(s in "(<(p|script|style|link|div|a|h1|img|iframe)( class=\"c\"| id=\"i\"| onload=\"x\"| href=\"http://a\"| src=\"http://b\")?>|</(p|script|style|div|a|h1)>|[a-z残联 ]{0,5}){0,30}") {
            let out = to_wechat_html(&s);
            let lower = out.to_lowercase();
            for bad in ["<script", "<style", "<link", "<iframe", "<div", "<a ", "class=", " id=", "onload", "href="] {
                prop_assert!(!lower.contains(bad), "{bad} in {out}");
            }
            for cap in regex::Regex::new(r"<([a-z0-9]+)").expect("re").captures_iter(&out) {
                let name = &cap[1];
                prop_assert!(STYLED.iter().any(|(t, _)| *t == name) || PLAIN_TAGS.contains(&name), "{name}");
            }
        }

        #[test]
        fn digest_never_exceeds_limit(s in "\\PC{0,400}") {
            prop_assert!(digest("", &s).chars().count() <= DIGEST_MAX_CHARS);
        }
    }
}
