//! The 2019 demo report (the seed report restated in the 2021 structure, as the demo imports it)
//! pinned by snapshots of its HTML, typst source and JSON (issue #9 "Show"), and the figures the
//! seed states checked one by one.

use gongkai_report::format::{CARRIED_OUT, NEW_RECEIVED, PROCESSED_TOTAL, TOTAL};
use gongkai_report::{Report, checks, import};

const SEED: &str = include_str!("../../store/src/demo/report_2019_seed.json");

fn report() -> Report {
    let imp = import::from_json(SEED).unwrap_or_else(|e| panic!("{e}"));
    Report {
        year: imp.year.unwrap_or(2019),
        org_name: imp.organisation.unwrap_or_default(),
        rollup: false,
        figures: imp.figures,
        narrative: imp.narrative,
        processing_fees_fen: None,
    }
}

#[test]
fn seed_figures() {
    let r = report();
    let t3 = &r.figures.table3.cells;
    assert_eq!(t3[NEW_RECEIVED][TOTAL], 3);
    assert_eq!(t3[PROCESSED_TOTAL][TOTAL], 3);
    assert_eq!(t3[CARRIED_OUT][TOTAL], 0);
    assert!(checks::hard(&r.figures).is_empty());
    let text = format!("{:?}", r.narrative);
    for needle in ["1482条", "13人", "申请3份", "204条", "88.0"] {
        assert!(text.contains(needle), "{needle}");
    }
    assert!(r.section6_text().contains("未收取信息处理费"));
    assert_eq!(
        r.title(),
        "长春市残疾人联合会2019年政府信息公开工作年度报告"
    );
}

#[test]
fn html_snapshot() {
    let html = gongkai_documents::to_html_fragment(&report().document()).unwrap_or_default();
    insta::assert_snapshot!(html);
}

#[test]
fn typst_snapshot() {
    let src = gongkai_documents::to_typst_source(&report().document()).unwrap_or_default();
    insta::assert_snapshot!(src);
}

#[test]
fn json_snapshot() {
    let r = report();
    let findings = checks::hard(&r.figures);
    insta::assert_snapshot!(
        serde_json::to_string_pretty(&r.to_json(&findings)).unwrap_or_default()
    );
}
