//! Property test (issue #9 "Show"): on random generated years of records, the REG §3.1
//! identities hold and every table-三 cell equals an independent count over the records.
//!
//! The oracle counts each cell separately by its definition, comparing ISO date *strings* and
//! matching outcomes by their JSON key, so it shares no code path with `count::table3`.
#![allow(clippy::needless_range_loop)] // cells are addressed by (row, column), like the table

use chrono::{Duration, NaiveDate};
use gongkai_report::checks;
use gongkai_report::count::{Applicant, ApplicationRecord, CountingUnit, Outcome, table3};
use gongkai_report::figures::Figures;
use gongkai_report::format::{T3_COLUMNS, T3_ROWS};
use proptest::prelude::*;

fn record() -> impl Strategy<Value = ApplicationRecord> {
    (
        0i64..(4 * 366),
        0usize..6,
        1u32..5,
        proptest::option::weighted(0.8, (0i64..500, 0usize..21)),
    )
        .prop_map(|(day, a, items, decided)| {
            let base = NaiveDate::from_ymd_opt(2017, 1, 1).unwrap_or_default();
            let received_on = base + Duration::days(day);
            let outcome_keys: Vec<Outcome> = Outcome::all().collect();
            ApplicationRecord {
                received_on,
                applicant: Applicant::ALL[a],
                items,
                decided: decided.map(|(k, o)| (received_on + Duration::days(k), outcome_keys[o])),
            }
        })
}

/// Independent count of one cell.
fn oracle(
    records: &[ApplicationRecord],
    year: i32,
    row_key: &str,
    col: usize,
    unit: CountingUnit,
) -> i64 {
    let start = format!("{year}-01-01");
    let end = format!("{year}-12-31");
    let col_key = T3_COLUMNS[col].0;
    records
        .iter()
        // Column by the applicant's serialised name (the JSON column keys of REG §2.5).
        .filter(|r| {
            col_key == "total"
                || serde_json::to_value(r.applicant)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .as_deref()
                    == Some(col_key)
        })
        .filter(|r| {
            let recv = r.received_on.to_string();
            let dec = r.decided.map(|(d, o)| (d.to_string(), o.key()));
            match row_key {
                "new_received" => recv >= start && recv <= end,
                "carried_over_in" => recv < start && dec.as_ref().is_none_or(|(d, _)| *d >= start),
                "carried_over_out" => recv <= end && dec.as_ref().is_none_or(|(d, _)| *d > end),
                "processed_total" => dec.as_ref().is_some_and(|(d, _)| *d >= start && *d <= end),
                key => dec
                    .as_ref()
                    .is_some_and(|(d, k)| *d >= start && *d <= end && *k == key),
            }
        })
        .map(|r| {
            if unit == CountingUnit::Item {
                i64::from(r.items)
            } else {
                1
            }
        })
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn identities_hold_and_cells_match_the_oracle(records in proptest::collection::vec(record(), 0..60), year in 2018i32..2021, by_item in any::<bool>()) {
        let unit = if by_item { CountingUnit::Item } else { CountingUnit::Application };
        let t = table3(&records, year, unit);
        for (r, (key, _, _)) in T3_ROWS.iter().enumerate() {
            for c in 0..7 {
                prop_assert_eq!(t.cells[r][c], oracle(&records, year, key, c, unit), "cell {} × {}", key, T3_COLUMNS[c].1);
            }
        }
        let figures = Figures { table3: t, ..Figures::default() };
        let hard = checks::hard(&figures);
        prop_assert!(hard.is_empty(), "{:?}", hard);
    }

    #[test]
    fn consecutive_years_are_continuous(records in proptest::collection::vec(record(), 0..60), year in 2018i32..2021) {
        let prev = Figures { table3: table3(&records, year - 1, CountingUnit::Application), ..Figures::default() };
        let now = Figures { table3: table3(&records, year, CountingUnit::Application), ..Figures::default() };
        let view = checks::NarrativeView { section5: "", section6: "未收取信息处理费" };
        let soft = checks::soft(&now, Some(&prev), &view);
        prop_assert!(soft.iter().all(|f| !f.code.starts_with("continuity.table3")), "{:?}", soft);
    }
}
