//! Bulk import's reading and row checks (`gongkai_core::import`): CSV (any encoding), XLSX
//! (zip + XML) and the JSON site package, then the checks a dry run makes.
//!
//! The first byte picks the file name the bytes arrive under (`.csv`, `.xlsx`, `.json`); the
//! rest is the file. Properties: nothing panics; the checks give no row two outcomes (record,
//! unchanged, rejected) and no more outcomes than rows; every record carries a 索引号 of
//! at most `MAX_INDEX_NO_CHARS` characters, only attachments inside the files folder
//! (`is_safe_path`), and a 发布日期 not after today; a date `parse_date` accepts, written back
//! as `YYYY-MM-DD`, parses to the same date.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::NaiveDate;
use gongkai_core::import::{self, Context, MAX_INDEX_NO_CHARS, Vocab};
use gongkai_core::scan::{ScanConfig, Scanner};
use libfuzzer_sys::fuzz_target;

static SCANNER: LazyLock<Option<Scanner>> =
    LazyLock::new(|| Scanner::new(ScanConfig::default()).ok());

fn vocab() -> Vocab {
    let e = |c: &str, l: &str| (c.to_string(), l.to_string());
    Vocab {
        topic: vec![e("civil-affairs", "民政、扶贫、救灾")],
        genre: vec![e("notice", "通知")],
        catalog: vec![e("art20-01", "机构职能"), e("art20-05", "规划计划")],
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let name = ["items.csv", "items.xlsx", "site.json"][usize::from(pick % 3)];
    let parsed = import::read(name, file);
    for row in &parsed.rows {
        for text in row.cells.values() {
            if let Some(d) = import::parse_date(text) {
                let again = import::parse_date(&d.format("%Y-%m-%d").to_string());
                assert_eq!(again, Some(d), "date {text:?} does not round-trip");
            }
        }
    }
    let Some(scanner) = SCANNER.as_ref() else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
    let vocab = vocab();
    let existing = HashMap::new();
    let org_codes: HashSet<String> = ["ccdpf".to_string()].into_iter().collect();
    let exists = |path: &str| path.ends_with(".pdf");
    let ctx = Context {
        vocab: &vocab,
        existing: &existing,
        file_exists: &exists,
        org_codes: &org_codes,
        scanner,
        today,
    };
    let checked = import::check(&parsed, &ctx);
    assert!(
        checked.records.len() + checked.unchanged.len() + checked.rejected_rows
            <= parsed.rows.len(),
        "more outcomes than rows"
    );
    let mut seen = HashSet::new();
    for r in &checked.records {
        assert!(seen.insert(r.row), "row {} checked twice", r.row);
        assert!(!r.index_no.trim().is_empty());
        assert!(r.index_no.chars().count() <= MAX_INDEX_NO_CHARS);
        assert!(r.published_on <= today, "发布日期 after today: {r:?}");
        for a in &r.attachments {
            assert!(import::is_safe_path(&a.path), "unsafe attachment path {a:?}");
        }
    }
});
