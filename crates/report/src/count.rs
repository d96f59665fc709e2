//! Figures counted from records (REG §3.2 "source of the numbers"): table 三 counts applications
//! by receipt date (§1.5.2) and outcomes by decision date, with carry-over in and out; table 四
//! counts review and litigation cases; table 二 counts items by kind and validity changes.
//!
//! The record types are the interface the registers feed: the applications register (#6)
//! produces [`ApplicationRecord`]s and [`AppealRecord`]s, the items store [`ItemRecord`]s.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::figures::{MadeRepealedValid, Table2, Table3, Table4};
use crate::format::{CARRIED_IN, CARRIED_OUT, NEW_RECEIVED, PROCESSED_TOTAL, TOTAL};

/// The statistics period of a report year: 1 January to 31 December (REG §2.2). Derived, never
/// typed, so the seed's "2018年1月1日至2019年1月1日" cannot recur.
pub fn period(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

/// The sentence stating the period.
pub fn period_sentence(year: i32) -> String {
    format!("本报告中所列数据统计期限为{year}年1月1日至{year}年12月31日。")
}

/// Applicant columns of table 三 (columns 1–6; 总计 is their sum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicant {
    NaturalPerson,
    CommercialEnterprise,
    ResearchInstitution,
    SocialWelfareOrg,
    LegalServiceOrg,
    Other,
}

impl Applicant {
    pub const ALL: [Applicant; 6] = [
        Applicant::NaturalPerson,
        Applicant::CommercialEnterprise,
        Applicant::ResearchInstitution,
        Applicant::SocialWelfareOrg,
        Applicant::LegalServiceOrg,
        Applicant::Other,
    ];
    pub fn column(self) -> usize {
        Applicant::ALL.iter().position(|a| *a == self).unwrap_or(5)
    }
}

/// The single primary outcome of an application (REG §1.5.7: each application counts in
/// exactly one result row). The value is the row index in [`crate::format::T3_ROWS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Outcome(usize);

impl Outcome {
    /// The outcome for a table-三 row key such as `"granted"` or `"denied.third_party"`.
    pub fn from_key(key: &str) -> Option<Outcome> {
        crate::format::T3_ROWS[crate::format::FIRST_OUTCOME..=crate::format::LAST_OUTCOME]
            .iter()
            .position(|(k, _, _)| *k == key)
            .map(|i| Outcome(i + crate::format::FIRST_OUTCOME))
    }
    pub fn row(self) -> usize {
        self.0
    }
    pub fn key(self) -> &'static str {
        crate::format::T3_ROWS[self.0].0
    }
    /// All 21 outcome rows.
    pub fn all() -> impl Iterator<Item = Outcome> {
        (crate::format::FIRST_OUTCOME..=crate::format::LAST_OUTCOME).map(Outcome)
    }
}

/// What counts as one application in table 三 (REG §3.3, UNVERIFIED nationally, so configurable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountingUnit {
    /// One per application form (件).
    #[default]
    Application,
    /// One per 事项 under 一事一申请 (109号 Art. 4).
    Item,
}

/// One application as the register sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRecord {
    /// 收到申请之日 (REG §1.5.2).
    pub received_on: NaiveDate,
    pub applicant: Applicant,
    /// Number of 事项 (≥ 1) for [`CountingUnit::Item`].
    pub items: u32,
    /// Decision date and primary outcome, once decided.
    pub decided: Option<(NaiveDate, Outcome)>,
}

impl ApplicationRecord {
    fn weight(&self, unit: CountingUnit) -> i64 {
        match unit {
            CountingUnit::Application => 1,
            CountingUnit::Item => i64::from(self.items.max(1)),
        }
    }
}

/// Counts table 三 for `year`. Records decided before they were received are data errors and
/// are left out (the register refuses them; [`crate::checks`] reports any that slip through).
pub fn table3(records: &[ApplicationRecord], year: i32, unit: CountingUnit) -> Table3 {
    let mut t = Table3::default();
    let Some((start, end)) = period(year) else {
        return t;
    };
    for r in records {
        if let Some((d, _)) = r.decided
            && d < r.received_on
        {
            continue;
        }
        let w = r.weight(unit);
        let col = r.applicant.column();
        let mut add = |row: usize| t.cells[row][col] += w;
        if r.received_on >= start && r.received_on <= end {
            add(NEW_RECEIVED);
        }
        let open_at_start = r.received_on < start && r.decided.is_none_or(|(d, _)| d >= start);
        if open_at_start {
            add(CARRIED_IN);
        }
        if let Some((d, outcome)) = r.decided
            && d >= start
            && d <= end
        {
            add(outcome.row());
            add(PROCESSED_TOTAL);
        }
        let open_at_end = r.received_on <= end && r.decided.is_none_or(|(d, _)| d > end);
        if open_at_end {
            add(CARRIED_OUT);
        }
    }
    for row in t.cells.iter_mut() {
        row[TOTAL] = row[..TOTAL].iter().sum();
    }
    t
}

/// Review and litigation groups of table 四.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealKind {
    Review,
    LitigationDirect,
    LitigationAfterReview,
}

/// Result of a concluded case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealResult {
    Upheld,
    Corrected,
    Other,
}

/// One administrative review or lawsuit about this body's disclosure work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealRecord {
    pub kind: AppealKind,
    pub filed_on: NaiveDate,
    pub concluded: Option<(NaiveDate, AppealResult)>,
}

/// Counts table 四: cases concluded in the year by result, and cases filed by the year's end
/// and not concluded by then as 尚未审结.
pub fn table4(records: &[AppealRecord], year: i32) -> Table4 {
    let mut t = Table4::default();
    let Some((start, end)) = period(year) else {
        return t;
    };
    for r in records {
        let g = r.kind as usize;
        match r.concluded {
            Some((d, res)) if d >= start && d <= end => t.cells[g][res as usize] += 1,
            Some((d, _)) if d <= end => {}
            _ if r.filed_on <= end => t.cells[g][3] += 1,
            _ => {}
        }
    }
    for g in t.cells.iter_mut() {
        g[4] = g[..4].iter().sum();
    }
    t
}

/// The kind of document an item is, for table 二 第二十条第（一）项.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Regulation,
    NormativeDoc,
}

/// A published item of kind 规章 or 行政规范性文件.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRecord {
    pub kind: DocKind,
    /// 成文日期 if known, else the publication date: when the document was 制发.
    pub issued_on: NaiveDate,
    /// When it became 失效 or 废止, if it did.
    pub ended_on: Option<NaiveDate>,
}

/// Administrator-entered figures for which the system holds no records (REG §2.4 items （五）,
/// （六）, （八）).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualCounts {
    pub licensing: i64,
    pub penalty: i64,
    pub coercion: i64,
    pub admin_fees_fen: i64,
}

/// Counts table 二: made = issued in the year; repealed = ended in the year; valid = issued by
/// the year's end and not ended by then.
pub fn table2(items: &[ItemRecord], manual: &ManualCounts, year: i32) -> Table2 {
    let mut t = Table2 {
        licensing: manual.licensing,
        penalty: manual.penalty,
        coercion: manual.coercion,
        admin_fees_fen: manual.admin_fees_fen,
        ..Table2::default()
    };
    for it in items {
        let m: &mut MadeRepealedValid = match it.kind {
            DocKind::Regulation => &mut t.regulations,
            DocKind::NormativeDoc => &mut t.normative_docs,
        };
        if it.issued_on.year() == year {
            m.made += 1;
        }
        if it.ended_on.is_some_and(|d| d.year() == year) {
            m.repealed += 1;
        }
        let issued_by_end = it.issued_on.year() <= year;
        let ended_by_end = it.ended_on.is_some_and(|d| d.year() <= year);
        if issued_by_end && !ended_by_end {
            m.valid += 1;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn period_is_the_calendar_year() {
        assert_eq!(period(2019), Some((d("2019-01-01"), d("2019-12-31"))));
        assert_eq!(
            period_sentence(2019),
            "本报告中所列数据统计期限为2019年1月1日至2019年12月31日。"
        );
    }

    #[test]
    fn carry_over_and_outcomes_by_date() {
        let granted = Outcome::from_key("granted").unwrap();
        let recs = vec![
            // received 2018, decided 2019 → carried in, processed
            ApplicationRecord {
                received_on: d("2018-12-20"),
                applicant: Applicant::NaturalPerson,
                items: 1,
                decided: Some((d("2019-01-10"), granted)),
            },
            // received 2019, open → new, carried out
            ApplicationRecord {
                received_on: d("2019-12-30"),
                applicant: Applicant::LegalServiceOrg,
                items: 3,
                decided: None,
            },
            // received and decided 2019
            ApplicationRecord {
                received_on: d("2019-03-01"),
                applicant: Applicant::NaturalPerson,
                items: 2,
                decided: Some((
                    d("2019-03-05"),
                    Outcome::from_key("other.fee_unpaid").unwrap(),
                )),
            },
            // decided 2018: not in 2019 at all
            ApplicationRecord {
                received_on: d("2018-01-01"),
                applicant: Applicant::Other,
                items: 1,
                decided: Some((d("2018-02-01"), granted)),
            },
        ];
        let t = table3(&recs, 2019, CountingUnit::Application);
        assert_eq!(t.cells[NEW_RECEIVED], [1, 0, 0, 0, 1, 0, 2]);
        assert_eq!(t.cells[CARRIED_IN], [1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(t.cells[granted.row()], [1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(t.cells[PROCESSED_TOTAL][TOTAL], 2);
        assert_eq!(t.cells[CARRIED_OUT], [0, 0, 0, 0, 1, 0, 1]);
        let t = table3(&recs, 2019, CountingUnit::Item);
        assert_eq!(t.cells[NEW_RECEIVED][TOTAL], 5);
        assert_eq!(t.cells[CARRIED_OUT][TOTAL], 3);
    }

    #[test]
    fn table4_counts_results_and_pending() {
        let recs = vec![
            AppealRecord {
                kind: AppealKind::Review,
                filed_on: d("2019-02-01"),
                concluded: Some((d("2019-04-01"), AppealResult::Corrected)),
            },
            AppealRecord {
                kind: AppealKind::Review,
                filed_on: d("2019-11-01"),
                concluded: Some((d("2020-01-10"), AppealResult::Upheld)),
            },
            AppealRecord {
                kind: AppealKind::LitigationAfterReview,
                filed_on: d("2019-06-01"),
                concluded: None,
            },
            AppealRecord {
                kind: AppealKind::LitigationDirect,
                filed_on: d("2020-06-01"),
                concluded: None,
            },
        ];
        let t = table4(&recs, 2019);
        assert_eq!(t.cells[0], [0, 1, 0, 1, 2]);
        assert_eq!(t.cells[1], [0, 0, 0, 0, 0]);
        assert_eq!(t.cells[2], [0, 0, 0, 1, 1]);
    }

    #[test]
    fn table2_made_repealed_valid() {
        let items = vec![
            ItemRecord {
                kind: DocKind::NormativeDoc,
                issued_on: d("2018-05-01"),
                ended_on: Some(d("2019-07-01")),
            },
            ItemRecord {
                kind: DocKind::NormativeDoc,
                issued_on: d("2019-05-01"),
                ended_on: None,
            },
            ItemRecord {
                kind: DocKind::Regulation,
                issued_on: d("2017-05-01"),
                ended_on: None,
            },
            ItemRecord {
                kind: DocKind::Regulation,
                issued_on: d("2020-05-01"),
                ended_on: None,
            },
        ];
        let t = table2(
            &items,
            &ManualCounts {
                licensing: 4,
                admin_fees_fen: 350_000,
                ..Default::default()
            },
            2019,
        );
        assert_eq!(
            t.normative_docs,
            MadeRepealedValid {
                made: 1,
                repealed: 1,
                valid: 1
            }
        );
        assert_eq!(
            t.regulations,
            MadeRepealedValid {
                made: 0,
                repealed: 0,
                valid: 1
            }
        );
        assert_eq!((t.licensing, t.admin_fees_fen), (4, 350_000));
    }
}
