//! Recall and precision on a labelled set (issue #8 "Show"): 600 generated government documents
//! plus hand-written classics, 260 queries (two-character words, long terms, names, single
//! characters, multi-word queries, strings that occur nowhere), ground truth by plain substring
//! search of the normalised text (every part in the title or the text; ASCII words whole).
//! Required: recall 1.0 and precision ≥ 0.99, and the count the page shows equals the set.

use gongkai_search::corpus::{self, Rng};
use gongkai_search::doc::Doc;
use gongkai_search::tokenize::{fold, segmenter};
use gongkai_search::{Audience, Request, SearchIndex};
use std::collections::BTreeSet;

fn norm(s: &str) -> Vec<char> {
    s.chars().map(fold).collect()
}

/// Ctrl-F with ASCII words matched whole (the documented semantics).
fn contains(hay: &[char], part: &[char]) -> bool {
    if part.is_empty() || part.len() > hay.len() {
        return false;
    }
    let w = |c: char| c.is_ascii_alphanumeric();
    (0..=hay.len() - part.len()).any(|k| {
        hay[k..k + part.len()] == *part
            && !(w(part[0]) && k > 0 && w(hay[k - 1]))
            && !(w(part[part.len() - 1]) && k + part.len() < hay.len() && w(hay[k + part.len()]))
    })
}

fn truth(docs: &[(Doc, Vec<char>, Vec<char>)], q: &str) -> BTreeSet<i64> {
    let parts: Vec<Vec<char>> = q.split_whitespace().map(norm).collect();
    docs.iter()
        .filter(|(_, title, text)| {
            parts
                .iter()
                .all(|p| contains(title, p) || contains(text, p))
        })
        .map(|(d, _, _)| d.id)
        .collect()
}

fn classic(id: i64, title: &str, text: &str) -> Doc {
    let mut d = corpus::document(7, id as u64);
    d.id = id;
    d.title = title.into();
    d.text = text.into();
    d
}

/// A random substring of `s` (1–6 characters) that cuts no ASCII word and holds no space.
fn substring(r: &mut Rng, s: &str) -> Option<String> {
    let c: Vec<char> = s.chars().collect();
    if c.is_empty() {
        return None;
    }
    let len = 1 + r.below(6);
    let a = r.below(c.len());
    let b = (a + len).min(c.len());
    let w = |x: char| x.is_ascii_alphanumeric();
    if c[a..b].iter().any(|x| x.is_whitespace())
        || (a > 0 && w(c[a - 1]) && w(c[a]))
        || (b < c.len() && w(c[b - 1]) && w(c[b]))
    {
        return None;
    }
    Some(c[a..b].iter().collect())
}

#[test]
fn recall_is_one_and_precision_at_least_099() {
    let mut docs: Vec<Doc> = (0..600)
        .map(|i| {
            let mut d = corpus::document(2026, i);
            // Shorter bodies keep the debug-build test quick; the text is as varied.
            let cut: String = d.text.chars().take(400).collect();
            d.text = cut;
            d.public = true;
            d.visible_from = 0;
            d
        })
        .collect();
    docs.push(classic(
        10_001,
        "关于张三等5人申请残疾人两项补贴的公示",
        "经审核，张三等5人符合条件。",
    ));
    docs.push(classic(
        10_002,
        "中国农业发展银行长春分行助残贷款情况",
        "农发行贴息贷款。",
    ));
    docs.push(classic(
        10_003,
        "在建工程与待处理财产损溢说明",
        "一网通办、放管服、最多跑一次。",
    ));
    docs.push(classic(
        10_004,
        "关于长残联发〔2019〕12号文件的补充说明",
        "Ｅ-mail：info@example.cn",
    ));

    let index = SearchIndex::in_ram(segmenter(&["残疾人两项补贴".to_string()])).unwrap();
    index
        .apply(false, &docs, &[], Some(&Default::default()))
        .unwrap();
    let labelled: Vec<(Doc, Vec<char>, Vec<char>)> = docs
        .iter()
        .map(|d| (d.clone(), norm(&d.title), norm(&d.text)))
        .collect();

    let mut r = Rng::new(8);
    let mut queries: Vec<String> = vec![
        "银行".into(),
        "张三".into(),
        "农业".into(),
        "工程".into(),
        "处理".into(),
        "一网通办".into(),
        "放管服".into(),
        "〔2019〕".into(),
        "example".into(),
        "EXAMPLE".into(),
        "张".into(),
        "残疾人两项补贴".into(),
        "两项".into(),
        "补贴 公示".into(),
    ];
    while queries.len() < 150 {
        let d = &docs[r.below(docs.len())];
        let src = if r.below(3) == 0 { &d.title } else { &d.text };
        if let Some(q) = substring(&mut r, src) {
            queries.push(q);
        }
    }
    while queries.len() < 220 {
        queries.push(corpus::query(&mut r).0);
    }
    // Strings that probably occur nowhere (random character pairs and triples).
    let rare = [
        '鑫', '龘', '犇', '骉', '淼', '焱', '垚', '瞾', '残', '补', '办', '联',
    ];
    while queries.len() < 260 {
        let n = 2 + r.below(2);
        queries.push((0..n).map(|_| rare[r.below(rare.len())]).collect());
    }

    let everyone = Audience::Public { now_ms: i64::MAX };
    let (mut hit, mut relevant, mut retrieved) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for q in &queries {
        let want = truth(&labelled, q);
        let got = index
            .matching_ids(
                &Request {
                    q: q.clone(),
                    ..Default::default()
                },
                &everyone,
            )
            .unwrap();
        let total = index
            .search(
                &Request {
                    q: q.clone(),
                    limit: 10,
                    ..Default::default()
                },
                &everyone,
            )
            .unwrap()
            .total;
        assert_eq!(total, got.len(), "the count shown for {q} is the set found");
        hit += want.intersection(&got).count();
        relevant += want.len();
        retrieved += got.len();
        if want != got {
            misses.push((q.clone(), want.len(), got.len()));
        }
    }
    let recall = hit as f64 / relevant as f64;
    let precision = hit as f64 / retrieved as f64;
    eprintln!(
        "{} queries, {relevant} relevant, recall {recall:.4}, precision {precision:.4}",
        queries.len()
    );
    assert!(queries.len() >= 200 && docs.len() >= 500);
    assert!(
        relevant > 1000,
        "the labelled set has real work in it ({relevant})"
    );
    assert_eq!(recall, 1.0, "missed: {misses:?}");
    assert!(precision >= 0.99, "precision {precision}: {misses:?}");
}
