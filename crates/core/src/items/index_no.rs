//! 索引号 templates (REG §4.3): an administrator-defined pattern such as the default
//! `{org_code}/{YYYY}-{serial:05}` (中国政府网 style).
//!
//! **Rule.** The index number is unique within the platform, never reused and never changed after
//! publication; the serial resets per year only if the template includes the year. So a template
//! must contain exactly one `{serial}` (width 1–10, zero-padded: `{serial:05}`); the serial
//! counter is kept per organisation (or platform-wide when the template lacks `{org_code}`) and
//! per year (or for all years when the template lacks a year), see [`Template::counter_scope`].
//! Placeholders: `{org_code}`, `{YYYY}`, `{YY}`, `{serial}`/`{serial:0N}`, `{category}`; `{{` and
//! `}}` are literal braces.

use std::fmt;

/// The default template (REG §4.3, 中国政府网 style).
pub const DEFAULT_TEMPLATE: &str = "{org_code}/{YYYY}-{serial:05}";

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Literal(String),
    OrgCode,
    Year4,
    Year2,
    /// Zero-padded to at least `width` digits.
    Serial {
        width: usize,
    },
    Category,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    tokens: Vec<Token>,
}

/// Why a template was refused; the messages are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("索引号模板不能为空")]
    Empty,
    #[error("索引号模板第 {0} 个字符处的“{{”没有对应的“}}”")]
    Unclosed(usize),
    #[error("索引号模板第 {0} 个字符处有多余的“}}”（字面的花括号请写作“}}}}”）")]
    StrayClose(usize),
    #[error(
        "索引号模板中的占位符“{{{0}}}”无法识别（可用：{{org_code}}、{{YYYY}}、{{YY}}、{{serial:05}}、{{category}}）"
    )]
    Unknown(String),
    #[error("流水号位数须为 1–10 位，模板中为“{0}”")]
    BadWidth(String),
    #[error("索引号模板须包含且只包含一个流水号占位符 {{serial}}，否则无法保证唯一")]
    SerialCount,
    #[error("索引号模板过长（最多 100 个字符）")]
    TooLong,
    #[error("索引号模板中不能包含空白或控制字符")]
    Whitespace,
}

/// The values a rendered index number is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values<'a> {
    pub org_code: &'a str,
    pub year: i32,
    pub serial: u64,
    pub category: &'a str,
}

impl Template {
    /// Parses and validates a template.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        if text.is_empty() {
            return Err(TemplateError::Empty);
        }
        if text.chars().count() > 100 {
            return Err(TemplateError::TooLong);
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TemplateError::Whitespace);
        }
        let chars: Vec<char> = text.chars().collect();
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '{' if chars.get(i + 1) == Some(&'{') => {
                    lit.push('{');
                    i += 2;
                }
                '}' if chars.get(i + 1) == Some(&'}') => {
                    lit.push('}');
                    i += 2;
                }
                '}' => return Err(TemplateError::StrayClose(i + 1)),
                '{' => {
                    let close = chars[i + 1..]
                        .iter()
                        .position(|&c| c == '}')
                        .ok_or(TemplateError::Unclosed(i + 1))?;
                    let name: String = chars[i + 1..i + 1 + close].iter().collect();
                    if name.contains('{') {
                        return Err(TemplateError::Unclosed(i + 1));
                    }
                    if !lit.is_empty() {
                        tokens.push(Token::Literal(std::mem::take(&mut lit)));
                    }
                    tokens.push(placeholder(&name)?);
                    i += close + 2;
                }
                c => {
                    lit.push(c);
                    i += 1;
                }
            }
        }
        if !lit.is_empty() {
            tokens.push(Token::Literal(lit));
        }
        let serials = tokens
            .iter()
            .filter(|t| matches!(t, Token::Serial { .. }))
            .count();
        if serials != 1 {
            return Err(TemplateError::SerialCount);
        }
        Ok(Template { tokens })
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Does the serial restart every year? (Only when the template shows the year, REG §4.3.)
    pub fn has_year(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, Token::Year4 | Token::Year2))
    }

    pub fn has_org_code(&self) -> bool {
        self.tokens.iter().any(|t| matches!(t, Token::OrgCode))
    }

    /// The counter a serial is drawn from: `(organisation or 0 for platform-wide, year or 0)`.
    /// Without `{org_code}` two organisations would render the same number for the same serial,
    /// so they share one counter; without a year the serial never resets.
    ///
    /// `{YY}` alone repeats every century, and `{category}` is not part of the scope: both are
    /// harmless because the store also enforces uniqueness with a unique index.
    pub fn counter_scope(&self, org_id: i64, year: i32) -> (i64, i32) {
        (
            if self.has_org_code() { org_id } else { 0 },
            if self.has_year() { year } else { 0 },
        )
    }

    /// Renders an index number.
    pub fn render(&self, v: &Values<'_>) -> String {
        let mut out = String::new();
        for t in &self.tokens {
            match t {
                Token::Literal(s) => out.push_str(s),
                Token::OrgCode => out.push_str(v.org_code),
                Token::Year4 => out.push_str(&format!("{:04}", v.year)),
                Token::Year2 => out.push_str(&format!("{:02}", v.year.rem_euclid(100))),
                Token::Serial { width } => {
                    out.push_str(&format!("{:0width$}", v.serial, width = *width))
                }
                Token::Category => out.push_str(v.category),
            }
        }
        out
    }
}

fn placeholder(name: &str) -> Result<Token, TemplateError> {
    Ok(match name {
        "org_code" => Token::OrgCode,
        "YYYY" => Token::Year4,
        "YY" => Token::Year2,
        "category" => Token::Category,
        "serial" => Token::Serial { width: 1 },
        _ => match name.strip_prefix("serial:") {
            Some(w) => {
                let ok = !w.is_empty() && w.len() <= 3 && w.chars().all(|c| c.is_ascii_digit());
                let width: usize = if ok { w.parse().unwrap_or(0) } else { 0 };
                if !(1..=10).contains(&width) {
                    return Err(TemplateError::BadWidth(w.to_string()));
                }
                Token::Serial { width }
            }
            None => return Err(TemplateError::Unknown(name.to_string())),
        },
    })
}

impl fmt::Display for Template {
    /// The canonical text of the template (parses back to the same template).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tokens {
            match t {
                Token::Literal(s) => write!(f, "{}", s.replace('{', "{{").replace('}', "}}"))?,
                Token::OrgCode => write!(f, "{{org_code}}")?,
                Token::Year4 => write!(f, "{{YYYY}}")?,
                Token::Year2 => write!(f, "{{YY}}")?,
                Token::Serial { width } => write!(f, "{{serial:{width:02}}}")?,
                Token::Category => write!(f, "{{category}}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(serial: u64) -> Values<'static> {
        Values {
            org_code: "000014349",
            year: 2018,
            serial,
            category: "art20-01",
        }
    }

    #[test]
    fn default_matches_gov_cn_examples() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        assert_eq!(t.render(&v(222)), "000014349/2018-00222");
        assert_eq!(
            t.render(&Values {
                year: 2017,
                ..v(110)
            }),
            "000014349/2017-00110"
        );
        assert!(t.has_year() && t.has_org_code());
        assert_eq!(t.counter_scope(7, 2018), (7, 2018));
        // Overflowing the width still renders every digit.
        assert_eq!(t.render(&v(123_456)), "000014349/2018-123456");
    }

    #[test]
    fn scope_follows_the_template() {
        let t = Template::parse("GK-{serial:06}").unwrap();
        assert_eq!(t.counter_scope(7, 2018), (0, 0));
        let t = Template::parse("{org_code}-{serial}").unwrap();
        assert_eq!(t.counter_scope(7, 2018), (7, 0));
        let t = Template::parse("{YY}{{x}}{category}-{serial:3}").unwrap();
        assert_eq!(t.render(&v(5)), "18{x}art20-01-005");
    }

    #[test]
    fn errors_are_chinese_and_specific() {
        let cases = [
            ("", TemplateError::Empty),
            ("{org_code", TemplateError::Unclosed(1)),
            ("a}b{serial}", TemplateError::StrayClose(2)),
            ("{foo}{serial}", TemplateError::Unknown("foo".into())),
            ("{serial:0}", TemplateError::BadWidth("0".into())),
            ("{serial:11}", TemplateError::BadWidth("11".into())),
            ("{serial:x}", TemplateError::BadWidth("x".into())),
            ("{org_code}/{YYYY}", TemplateError::SerialCount),
            ("{serial}{serial}", TemplateError::SerialCount),
            ("a b{serial}", TemplateError::Whitespace),
        ];
        for (text, want) in cases {
            let got = Template::parse(text).unwrap_err();
            assert_eq!(got, want, "{text}");
            assert!(
                got.to_string()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
        }
        assert_eq!(
            Template::parse(&"x".repeat(101)).unwrap_err(),
            TemplateError::TooLong
        );
    }

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Za-z0-9/\\-_.〔〕]{1,4}",
            Just("{org_code}".to_string()),
            Just("{YYYY}".to_string()),
            Just("{YY}".to_string()),
            Just("{category}".to_string()),
            Just("{{".to_string()),
            Just("}}".to_string()),
        ]
    }

    fn template_text() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(token(), 0..4),
            1usize..=10,
            prop::collection::vec(token(), 0..4),
        )
            .prop_map(|(a, w, b)| format!("{}{{serial:{w:02}}}{}", a.concat(), b.concat()))
    }

    proptest! {
        #[test]
        fn display_round_trips(text in template_text()) {
            let t = Template::parse(&text).unwrap();
            let again = Template::parse(&t.to_string()).unwrap();
            prop_assert_eq!(&again, &t);
            prop_assert_eq!(again.render(&v(42)), t.render(&v(42)));
        }

        #[test]
        fn distinct_serials_render_distinct_numbers(text in template_text(), a in 0u64..10_000_000, b in 0u64..10_000_000) {
            let t = Template::parse(&text).unwrap();
            prop_assert_eq!(t.render(&v(a)) == t.render(&v(b)), a == b);
        }

        #[test]
        fn serial_is_zero_padded(w in 1usize..=10, n in 0u64..100_000) {
            let t = Template::parse(&format!("X{{serial:{w}}}")).unwrap();
            let out = t.render(&v(n));
            let digits = &out[1..];
            prop_assert!(digits.len() >= w);
            prop_assert_eq!(digits.parse::<u64>().unwrap(), n);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,30}") {
            let _ = Template::parse(&text);
        }
    }
}
