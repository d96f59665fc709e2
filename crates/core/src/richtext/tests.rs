#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use proptest::prelude::*;

/// XSS payloads in the style of the OWASP XSS Filter Evasion Cheat Sheet, plus parser tricks.
const XSS: &[&str] = &[
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://example.com/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<a onmouseover=alert(document.cookie)>xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"http://xss.example/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<SCRIPT SRC=http://xss.example/xss.js?< B >",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=http://xss.example/scriptlet.html <",
    "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
    "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<BR SIZE=\"&{alert('XSS')}\">",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K\">",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TD BACKGROUND=\"javascript:alert('XSS')\">x</TD></TABLE>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JAVASCRIPT:alert(1)\">click</a>",
    "<a href=\"  javascript:alert(1)\">click</a>",
    "<a href=\"java&#x0D;script:alert(1)\">click</a>",
    "<a href=\"&#106;avascript:alert(1)\">click</a>",
    "<a href=\"vbscript:msgbox(1)\">click</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">click</a>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\" alt=\"x\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.example/scriptlet.html\"></OBJECT>",
    "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv\" AllowScriptAccess=\"always\"></EMBED>",
    "<form action=\"javascript:alert(1)\"><button formaction=javascript:alert(1)>x</button></form>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=\"alert(1)\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<template><script>alert(1)</script></template>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<p style=\"color:red\" onclick=\"alert(1)\" class=x id=y>styled</p>",
    "<base href=\"javascript:alert(1)//\">",
    "<xmp><script>alert(1)</script></xmp>",
    "<textarea><script>alert(1)</script></textarea>",
    "<a href=\"//evil.example/\">protocol relative</a>",
    "<a href=\"/\\evil.example/\">backslash</a>",
    "<img src=\"http://tracker.example/pixel.gif\" alt=\"tracker\">",
];

static ON_ATTR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\son\w+\s*=").unwrap());

/// Every tag in `html` is allow-listed and carries only its allow-listed attributes.
fn assert_only_allowed(html: &str) {
    let allowed: HashMap<&str, &[&str]> = HashMap::from([
        ("a", &["href", "rel"][..]),
        ("img", &["src", "alt"][..]),
        ("th", &["scope", "colspan", "rowspan"][..]),
        ("td", &["colspan", "rowspan"][..]),
    ]);
    // Every '<' in the output starts a tag the TAG pattern recognises (text is escaped).
    assert_eq!(
        html.matches('<').count(),
        TAG.find_iter(html).count(),
        "unrecognised markup in {html}"
    );
    for caps in TAG.captures_iter(html) {
        let name = &caps[2];
        assert!(ALLOWED_TAGS.contains(&name), "tag {name} in {html}");
        for a in ATTR.captures_iter(&caps[3]) {
            let attrs = allowed.get(name).copied().unwrap_or(&[]);
            assert!(
                attrs.contains(&&a[1]),
                "attribute {} on {name} in {html}",
                &a[1]
            );
            let v = unescape(&a[2]).to_ascii_lowercase();
            assert!(
                !v.contains("javascript:") && !v.starts_with("data:"),
                "{html}"
            );
        }
    }
}

fn assert_no_xss(html: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "script in {html}");
    assert!(!lower.contains("<iframe"), "iframe in {html}");
    assert!(!lower.contains("<svg"), "svg in {html}");
    assert!(!lower.contains("<style"), "style in {html}");
    assert!(!ON_ATTR.is_match(html), "event handler in {html}");
    assert!(!lower.contains("javascript:"), "javascript: in {html}");
    assert!(!lower.contains("data:"), "data: in {html}");
    assert!(!lower.contains("vbscript:"), "vbscript: in {html}");
    assert_only_allowed(html);
}

#[test]
fn xss_corpus_never_survives() {
    for payload in XSS {
        let s = sanitize(payload);
        assert_no_xss(&s.html);
        assert_eq!(
            sanitize(&s.html).html,
            s.html,
            "not idempotent for {payload}"
        );
    }
}

#[test]
fn script_and_style_content_is_removed_not_unwrapped() {
    let s = sanitize("<p>before</p><script>var secret = 1;</script><style>p{}</style><p>after</p>");
    assert_eq!(s.html, "<p>before</p><p>after</p>");
    assert!(s.problems.is_empty());
}

#[test]
fn headings_lists_and_tables_survive() {
    let body = "<h2>一、总则</h2><h3>（一）范围</h3><h4>1. 细则</h4>\
        <p>第一段<br>换行，<strong>重点</strong>与<em>强调</em>。</p>\
        <ul><li>甲</li><li>乙</li></ul><ol><li>一</li></ol><blockquote>引文</blockquote>\
        <table><caption>收费标准</caption><thead><tr><th scope=\"col\">项目</th>\
        <th scope=\"col\" colspan=\"2\">金额</th></tr></thead><tbody><tr><th scope=\"row\">复印</th>\
        <td rowspan=\"2\">0.5</td><td>元/页</td></tr></tbody></table>";
    let s = sanitize(body);
    assert_eq!(s.html, body);
    assert!(s.is_ok(), "{:?}", s.problems);
}

#[test]
fn disallowed_tags_are_unwrapped_and_attributes_dropped() {
    let s = sanitize(
        "<h1 id=\"t\">标题</h1><div class=\"x\"><span style=\"color:red\">正文</span></div>\
         <th scope=\"evil\">x</th><table><tr><td colspan=\"0\" rowspan=\"99999\">c</td></tr></table>",
    );
    assert_eq!(
        s.html,
        "标题正文x<table><tbody><tr><td>c</td></tr></tbody></table>"
    );
}

#[test]
fn links_external_get_rel_and_internal_do_not() {
    let s = sanitize(
        "<a href=\"https://www.gov.cn/\" target=\"_blank\" rel=\"opener\">国务院</a> \
         <a href=\"/gongkai/items/12\">本站</a> <a href=\"mailto:gongkai@example.gov.cn\">邮箱</a> \
         <a href=\"guide.html#apply\">相对</a>",
    );
    assert_eq!(
        s.html,
        "<a href=\"https://www.gov.cn/\" rel=\"noopener noreferrer\">国务院</a> \
         <a href=\"/gongkai/items/12\">本站</a> <a href=\"mailto:gongkai@example.gov.cn\">邮箱</a> \
         <a href=\"guide.html#apply\">相对</a>"
    );
    assert!(s.is_ok());
}

#[test]
fn refused_links_are_unwrapped_and_reported() {
    for href in [
        "javascript:alert(1)",
        "data:text/html,x",
        "//evil.example/",
        "/\\evil.example",
        "ftp://files.example/",
    ] {
        let s = sanitize(&format!("<p><a href=\"{href}\">文字</a></p>"));
        assert_eq!(s.html, "<p>文字</p>", "{href}");
        assert_eq!(s.problems, vec![MSG_BAD_LINK.to_string()], "{href}");
    }
}

#[test]
fn images_need_our_address_and_alt() {
    let ok = sanitize("<p><img src=\"/files/ab/cd/abcd.png\" alt=\"办事流程图\" width=\"9\"></p>");
    assert_eq!(
        ok.html,
        "<p><img src=\"/files/ab/cd/abcd.png\" alt=\"办事流程图\"></p>"
    );
    assert!(ok.is_ok());
    let rel = sanitize("<img src=\"images/chart.png\" alt=\"图表\">");
    assert!(rel.is_ok());
    assert!(rel.html.contains("images/chart.png"));

    for missing in [
        "<img src=\"/files/a.png\">",
        "<img src=\"/files/a.png\" alt=\"\">",
        "<img src=\"/files/a.png\" alt=\"   \">",
    ] {
        let s = sanitize(missing);
        assert_eq!(
            s.html, "<img src=\"/files/a.png\">",
            "kept so the author sees it"
        );
        assert_eq!(s.problems.len(), 1);
        assert!(s.problems[0].contains("替代文字"), "{:?}", s.problems);
        assert!(s.problems[0].contains("/files/a.png"));
        // Re-sanitising keeps reporting it: the problem is not laundered away.
        assert_eq!(sanitize(&s.html).problems, s.problems);
    }

    for src in [
        "http://tracker.example/p.gif",
        "https://example.com/files/a.png",
        "//cdn.example/a.png",
        "/static/logo.png",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
    ] {
        let s = sanitize(&format!("<p><img src=\"{src}\" alt=\"图\"></p>"));
        assert_eq!(s.html, "<p></p>", "{src}");
        assert_eq!(s.problems, vec![MSG_BAD_IMAGE.to_string()], "{src}");
    }
}

#[test]
fn plain_text_breaks_blocks_and_keeps_cells_apart() {
    let html = "<h2>标题</h2><p>第一段<br>第二行 &amp; 更多</p><ul><li>甲</li><li>乙</li></ul>\
        <table><tr><th>姓名</th><td>张三</td></tr><tr><td>电话</td><td>13800138000</td></tr></table>\
        <script>alert(110105194912310021)</script><p>图：<img src=\"/files/a.png\" alt=\"身份证 11010519491231002X\"></p>\
        <p><a href=\"mailto:zhangsan@example.com\">联系我们</a>；<a href=\"mailto:a@b.cn\">a@b.cn</a></p>";
    assert_eq!(
        to_plain_text(html),
        "标题\n第一段\n第二行 & 更多\n甲\n乙\n姓名\t张三\n电话\t13800138000\n\
         图：[图片：身份证 11010519491231002X]\n联系我们（zhangsan@example.com）；a@b.cn"
    );
}

#[test]
fn plain_text_of_plain_text_is_itself() {
    assert_eq!(
        to_plain_text("没有标记的文字 1 < 2"),
        "没有标记的文字 1 < 2"
    );
    assert_eq!(to_plain_text(""), "");
}

#[test]
fn unescape_handles_references() {
    assert_eq!(
        unescape("&lt;a&gt; &amp;amp; &quot;x&quot; &#39;&#x4E2D;&#25991;"),
        "<a> &amp; \"x\" '中文"
    );
    assert_eq!(
        unescape("AT&T &unknown; &#xZZ; &"),
        "AT&T &unknown; &#xZZ; &"
    );
}

/// Inputs built from the pieces attacks are made of, so the property tests reach deep paths.
fn html_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "<(script|a|img|p|table|tr|td|th|svg|math|iframe|style|h1|h2|ul|li|form|noscript|template|xmp|select|option|br)",
        "( (href|src|alt|onerror|onclick|style|scope|colspan|rel|xlink:href)=(\"javascript:alert\\(1\\)\"|x|/files/a\\.png|http://e\\.com|'data:x'|\"\"|\" \"|2|row))",
        ">|/>|</[a-z]{1,6}>|<!--|-->|<!\\[CDATA\\[|&(amp|lt|#106|#x6A|nbsp);?",
        "[a-zA-Z0-9 <>&\"'=:/\\\\\t\n中文]{0,6}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_input_is_safe_and_idempotent(input in "\\PC{0,200}") {
        let s = sanitize(&input);
        assert_only_allowed(&s.html);
        prop_assert_eq!(&sanitize(&s.html).html, &s.html);
        let _ = to_plain_text(&input);
    }

    #[test]
    fn html_soup_is_safe_and_idempotent(input in html_soup()) {
        let s = sanitize(&input);
        assert_only_allowed(&s.html);
        // Event handlers inside tags (as text, `onerror="…"` is just escaped words).
        for tag in TAG.find_iter(&s.html) {
            prop_assert!(!ON_ATTR.is_match(tag.as_str()), "{}", tag.as_str());
        }
        prop_assert!(!s.html.to_ascii_lowercase().contains("<script"));
        let again = sanitize(&s.html);
        prop_assert_eq!(&again.html, &s.html);
        // Problems that describe the output (missing alt) are still reported the second time.
        for p in &again.problems {
            prop_assert!(s.problems.contains(p));
        }
        // The plain-text view of the sanitised body never shows markup the body does not have.
        let text = to_plain_text(&s.html);
        prop_assert!(!text.contains("<script"));
    }
}
