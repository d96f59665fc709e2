//! Highlighting and excerpts. Matches are found the way the query matched: every occurrence of
//! every query part in the normalised text (see `tokenize::fold`). Overlapping and adjacent
//! spans (two parts sharing characters, or the bigram pieces of one part) are merged into one
//! highlight, so a reader never meets nested or broken-up marks.

use crate::tokenize::fold;

/// Character spans `[from, to)` of every occurrence of every part, merged.
pub fn spans(chars: &[char], parts: &[String]) -> Vec<(usize, usize)> {
    let folded: Vec<char> = chars.iter().map(|c| fold(*c)).collect();
    let mut spans = Vec::new();
    for p in parts {
        let needle: Vec<char> = p.chars().map(fold).collect();
        if needle.is_empty() || needle.len() > folded.len() {
            continue;
        }
        for start in 0..=folded.len() - needle.len() {
            if folded[start..start + needle.len()] == needle[..] {
                spans.push((start, start + needle.len()));
            }
        }
    }
    merge(spans)
}

/// Merges overlapping or touching spans.
pub fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn pieces(chars: &[char], from: usize, to: usize, spans: &[(usize, usize)]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut at = from;
    for &(a, b) in spans {
        let (a, b) = (a.max(from), b.min(to));
        if a >= b {
            continue;
        }
        if a > at {
            out.push((chars[at..a].iter().collect(), false));
        }
        out.push((chars[a..b].iter().collect(), true));
        at = b;
    }
    if at < to {
        out.push((chars[at..to].iter().collect(), false));
    }
    out
}

/// The whole text with its matches marked.
pub fn highlight(text: &str, parts: &[String]) -> Vec<(String, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let spans = spans(&chars, parts);
    pieces(&chars, 0, chars.len(), &spans)
}

/// An excerpt of about `width` characters around the window with the most matches (the start of
/// the text when nothing matches there), line breaks flattened, ellipses where it was cut.
pub fn snippet(text: &str, parts: &[String], width: usize) -> Vec<(String, bool)> {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let spans = spans(&chars, parts);
    let n = chars.len();
    let mut best = (0usize, 0usize);
    for (i, &(a, _)) in spans.iter().enumerate() {
        let count = spans[i..]
            .iter()
            .take_while(|(x, _)| *x < a + width)
            .count();
        if count > best.1 {
            best = (a, count);
        }
    }
    let from = if best.1 == 0 {
        0
    } else {
        best.0.saturating_sub(width / 4)
    };
    let to = (from + width).min(n);
    let mut out = pieces(&chars, from, to, &spans);
    if from > 0 {
        out.insert(0, ("…".into(), false));
    }
    if to < n {
        out.push(("…".into(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_matches_merge_into_one_mark() {
        let parts = vec!["农业发展".to_string(), "发展银行".to_string()];
        assert_eq!(
            highlight("中国农业发展银行", &parts),
            vec![
                ("中国".to_string(), false),
                ("农业发展银行".to_string(), true)
            ]
        );
    }

    #[test]
    fn matching_ignores_ascii_case_and_full_width() {
        let parts = vec!["abc".to_string()];
        assert_eq!(
            highlight("x ＡＢＣ y", &parts),
            vec![
                ("x ".to_string(), false),
                ("ＡＢＣ".to_string(), true),
                (" y".to_string(), false)
            ]
        );
    }

    #[test]
    fn snippet_centres_on_the_densest_window() {
        let text = format!("{}补贴{}", "甲".repeat(300), "乙".repeat(300));
        let s = snippet(&text, &["补贴".to_string()], 40);
        assert_eq!(s.first().map(|p| p.0.as_str()), Some("…"));
        assert!(s.iter().any(|(t, h)| *h && t == "补贴"));
        let len: usize = s.iter().map(|(t, _)| t.chars().count()).sum();
        assert!(len <= 42);
    }

    proptest::proptest! {
        #[test]
        fn merged_spans_are_sorted_and_disjoint(v in proptest::collection::vec((0usize..50, 1usize..6), 0..20)) {
            let spans: Vec<(usize, usize)> = v.iter().map(|(a, l)| (*a, a + l)).collect();
            let m = merge(spans.clone());
            for w in m.windows(2) {
                proptest::prop_assert!(w[0].1 < w[1].0);
            }
            // Every character covered before is covered after, and nothing else.
            for c in 0..60 {
                let before = spans.iter().any(|(a, b)| *a <= c && c < *b);
                let after = m.iter().any(|(a, b)| *a <= c && c < *b);
                proptest::prop_assert_eq!(before, after);
            }
        }
    }
}
