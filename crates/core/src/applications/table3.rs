//! Table 3 of the annual report (收到和处理政府信息公开申请情况, REG §2.5) counted from per-item
//! records, and the hard checks of REG §3.1 over any table 3 / table 4 (counted or typed).
//!
//! Counting rule (REG §3.2 "source of the numbers"): for year Y, a record is
//! - 本年新收 when received in Y (receipt date of Art. 31);
//! - 上年结转 when received before Y and not decided before Y;
//! - counted in its outcome row (and （七）总计) when decided in Y;
//! - 结转下年度 when received by the end of Y and not decided by then.
//!
//! The unit is the requested item (一事一申请, REG §3.3, the recommendation; the record carries the
//! application id so a per-application count can be derived).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{ApplicantType, Outcome};

/// Columns of table 3: six applicant types and 总计.
pub const COLUMNS: usize = 7;
/// Index of the 总计 column.
pub const TOTAL: usize = 6;

/// One requested item as the report counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub application_id: i64,
    pub item_id: i64,
    pub applicant_type: ApplicantType,
    /// The Art. 31 receipt date.
    pub received_on: NaiveDate,
    /// Decision date and primary outcome, once decided.
    pub decision: Option<(NaiveDate, Outcome)>,
}

/// A table 3: every cell of REG §2.5 (rows 1–25 × 7 columns).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Table3 {
    pub new_received: [i64; COLUMNS],
    pub carried_over_in: [i64; COLUMNS],
    /// The 21 result rows in [`Outcome::ALL`] order.
    pub results: [[i64; COLUMNS]; 21],
    pub processed_total: [i64; COLUMNS],
    pub carried_over_out: [i64; COLUMNS],
}

/// A record that cannot be counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("第{item_id}项申请的决定日期 {decided_on} 早于收到申请之日 {received_on}")]
    DecidedBeforeReceipt {
        item_id: i64,
        received_on: NaiveDate,
        decided_on: NaiveDate,
    },
    #[error("年度 {0} 超出范围")]
    Year(i32),
}

fn add(row: &mut [i64; COLUMNS], col: usize) {
    row[col] += 1;
    row[TOTAL] += 1;
}

/// Counts `records` into the table 3 of `year`.
pub fn count(records: &[Record], year: i32) -> Result<Table3, CountError> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(CountError::Year(year))?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(CountError::Year(year))?;
    let mut t = Table3::default();
    for r in records {
        if let Some((d, _)) = r.decision
            && d < r.received_on
        {
            return Err(CountError::DecidedBeforeReceipt {
                item_id: r.item_id,
                received_on: r.received_on,
                decided_on: d,
            });
        }
        let col = r.applicant_type.column();
        let decided_on = r.decision.map(|(d, _)| d);
        if r.received_on.year() == year {
            add(&mut t.new_received, col);
        } else if r.received_on < start && decided_on.is_none_or(|d| d >= start) {
            add(&mut t.carried_over_in, col);
        }
        if let Some((d, outcome)) = r.decision
            && d.year() == year
        {
            add(&mut t.results[outcome.index()], col);
            add(&mut t.processed_total, col);
        }
        if r.received_on <= end && decided_on.is_none_or(|d| d > end) {
            add(&mut t.carried_over_out, col);
        }
    }
    Ok(t)
}

/// A failed REG §3.1 check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// `flow`, `results_total`, `column_total` or `negative` (REG §3.1 checks 1, 2, 3, 5).
    pub check: &'static str,
    /// Chinese description naming the row and column.
    pub message: String,
}

fn column_label(c: usize) -> &'static str {
    match c {
        TOTAL => "总计",
        c => ApplicantType::ALL
            .get(c)
            .map(|t| t.label())
            .unwrap_or("未知列"),
    }
}

impl Table3 {
    /// Every row with its label, in table order (for the checks and for rendering).
    pub fn rows(&self) -> Vec<(String, &[i64; COLUMNS])> {
        let mut rows: Vec<(String, &[i64; COLUMNS])> = vec![
            (
                "一、本年新收政府信息公开申请数量".into(),
                &self.new_received,
            ),
            (
                "二、上年结转政府信息公开申请数量".into(),
                &self.carried_over_in,
            ),
        ];
        for (o, r) in Outcome::ALL.iter().zip(self.results.iter()) {
            rows.push((o.label(), r));
        }
        rows.push(("（七）总计".into(), &self.processed_total));
        rows.push(("四、结转下年度继续办理".into(), &self.carried_over_out));
        rows
    }

    /// The REG §3.1 hard checks 1, 2, 3 and 5; empty when the table is consistent.
    pub fn check(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        for (label, row) in self.rows() {
            for (c, v) in row.iter().enumerate() {
                if *v < 0 {
                    out.push(Violation {
                        check: "negative",
                        message: format!("“{label}”的“{}”列为负数（{v}）", column_label(c)),
                    });
                }
            }
            let parts: i64 = row[..TOTAL].iter().sum();
            if parts != row[TOTAL] {
                out.push(Violation {
                    check: "column_total",
                    message: format!("“{label}”：各类申请人之和为{parts}，总计列为{}", row[TOTAL]),
                });
            }
        }
        for c in 0..COLUMNS {
            let lhs = self.new_received[c] + self.carried_over_in[c];
            let rhs = self.processed_total[c] + self.carried_over_out[c];
            if lhs != rhs {
                out.push(Violation {
                    check: "flow",
                    message: format!(
                        "“{}”列：本年新收与上年结转之和（{lhs}）不等于办理结果总计与结转下年度之和（{rhs}）",
                        column_label(c)
                    ),
                });
            }
            let results: i64 = self.results.iter().map(|r| r[c]).sum();
            if results != self.processed_total[c] {
                out.push(Violation {
                    check: "results_total",
                    message: format!(
                        "“{}”列：各项办理结果之和（{results}）不等于（七）总计（{}）",
                        column_label(c),
                        self.processed_total[c]
                    ),
                });
            }
        }
        out
    }
}

/// Outcome of a review or litigation case (REG §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseResult {
    /// 结果维持
    Upheld,
    /// 结果纠正
    Corrected,
    /// 其他结果
    Other,
    /// 尚未审结
    Pending,
}

impl CaseResult {
    pub const ALL: [CaseResult; 4] = [
        CaseResult::Upheld,
        CaseResult::Corrected,
        CaseResult::Other,
        CaseResult::Pending,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseResult::Upheld => "upheld",
            CaseResult::Corrected => "corrected",
            CaseResult::Other => "other",
            CaseResult::Pending => "pending",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseResult> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseResult::Upheld => "结果维持",
            CaseResult::Corrected => "结果纠正",
            CaseResult::Other => "其他结果",
            CaseResult::Pending => "尚未审结",
        }
    }
}

/// Kind of a case (REG §2.6 groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// 行政复议
    Review,
    /// 行政诉讼：未经复议直接起诉
    LitigationDirect,
    /// 行政诉讼：复议后起诉
    LitigationAfterReview,
}

impl CaseKind {
    pub const ALL: [CaseKind; 3] = [
        CaseKind::Review,
        CaseKind::LitigationDirect,
        CaseKind::LitigationAfterReview,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseKind::Review => "review",
            CaseKind::LitigationDirect => "litigation_direct",
            CaseKind::LitigationAfterReview => "litigation_after_review",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseKind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Review => "行政复议",
            CaseKind::LitigationDirect => "行政诉讼（未经复议直接起诉）",
            CaseKind::LitigationAfterReview => "行政诉讼（复议后起诉）",
        }
    }
}

/// Table 4 (REG §2.6): per group, the four results and the total.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Table4 {
    /// `[group][upheld, corrected, other, pending, total]` in [`CaseKind::ALL`] order.
    pub cells: [[i64; 5]; 3],
}

impl Table4 {
    /// Counts case results (one per case).
    pub fn count(cases: &[(CaseKind, CaseResult)]) -> Table4 {
        let mut t = Table4::default();
        for (k, r) in cases {
            let g = CaseKind::ALL.iter().position(|x| x == k).unwrap_or(0);
            let i = CaseResult::ALL.iter().position(|x| x == r).unwrap_or(0);
            t.cells[g][i] += 1;
            t.cells[g][4] += 1;
        }
        t
    }

    /// REG §3.1 check 4 (and 5).
    pub fn check(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        for (k, row) in CaseKind::ALL.iter().zip(self.cells.iter()) {
            if row.iter().any(|v| *v < 0) {
                out.push(Violation {
                    check: "negative",
                    message: format!("“{}”含有负数", k.label()),
                });
            }
            let sum: i64 = row[..4].iter().sum();
            if sum != row[4] {
                out.push(Violation {
                    check: "table4_total",
                    message: format!("“{}”：各结果之和为{sum}，总计为{}", k.label(), row[4]),
                });
            }
        }
        out
    }
}
