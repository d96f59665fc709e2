//! Consistency checks (REG §3.1 hard, §3.2 soft). Hard findings block publication; soft ones
//! need an acknowledgement. Every finding names the cell and the numbers involved.

use serde::{Deserialize, Serialize};

use crate::figures::{Figures, FormatVersion, wan_yuan};
use crate::format::{
    CARRIED_IN, CARRIED_OUT, FIRST_OUTCOME, LAST_OUTCOME, NEW_RECEIVED, PROCESSED_TOTAL,
    T3_COLUMNS, T3_ROWS, T4_GROUPS, T4_RESULTS, TOTAL,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks publication (REG §3.1).
    Hard,
    /// Needs an acknowledgement before publication (REG §3.2).
    Soft,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable code, used to record acknowledgements (e.g. `continuity.table3.natural_person`).
    pub code: String,
    /// Chinese explanation naming the cells and numbers.
    pub message: String,
}

fn col_label(c: usize) -> &'static str {
    T3_COLUMNS[c].1
}
fn row_label(r: usize) -> &'static str {
    T3_ROWS[r].1
}

/// The narrative inputs the soft checks read.
#[derive(Debug, Clone, Default)]
pub struct NarrativeView<'a> {
    pub section5: &'a str,
    pub section6: &'a str,
}

/// REG §3.1 hard checks on the tables alone.
pub fn hard(f: &Figures) -> Vec<Finding> {
    let mut out = Vec::new();
    let t = &f.table3.cells;
    let mut push = |code: String, message: String| {
        out.push(Finding {
            severity: Severity::Hard,
            code,
            message,
        })
    };
    for (c, (ck, _)) in T3_COLUMNS.iter().enumerate() {
        // 1. Flow identity (printed in the table header).
        let lhs = t[NEW_RECEIVED][c] + t[CARRIED_IN][c];
        let rhs = t[PROCESSED_TOTAL][c] + t[CARRIED_OUT][c];
        if lhs != rhs {
            push(
                format!("table3.flow.{ck}"),
                format!(
                    "表三“{}”列：第一项加第二项之和（{} + {} = {}）不等于第三项加第四项之和（{} + {} = {}）",
                    col_label(c),
                    t[NEW_RECEIVED][c],
                    t[CARRIED_IN][c],
                    lhs,
                    t[PROCESSED_TOTAL][c],
                    t[CARRIED_OUT][c],
                    rhs
                ),
            );
        }
        // 2. Total of results.
        let sum: i64 = (FIRST_OUTCOME..=LAST_OUTCOME).map(|r| t[r][c]).sum();
        if sum != t[PROCESSED_TOTAL][c] {
            push(
                format!("table3.results.{ck}"),
                format!(
                    "表三“{}”列：“（七）总计”为 {}，但（一）至（六）各项之和为 {}",
                    col_label(c),
                    t[PROCESSED_TOTAL][c],
                    sum
                ),
            );
        }
    }
    // 3. Column total per row.
    for (r, row) in t.iter().enumerate() {
        let sum: i64 = row[..TOTAL].iter().sum();
        if sum != row[TOTAL] {
            push(
                format!("table3.total.{}", T3_ROWS[r].0),
                format!(
                    "表三“{}”行：“总计”为 {}，但各类申请人之和为 {}",
                    row_label(r),
                    row[TOTAL],
                    sum
                ),
            );
        }
        // 5. Non-negative.
        for (c, v) in row.iter().enumerate() {
            if *v < 0 {
                push(
                    format!("table3.negative.{}.{}", T3_ROWS[r].0, T3_COLUMNS[c].0),
                    format!("表三“{}”行“{}”列为负数 {}", row_label(r), col_label(c), v),
                );
            }
        }
    }
    // 4. Table 四 totals.
    for (g, gk) in T4_GROUPS.iter().enumerate() {
        let row = &f.table4.cells[g];
        let sum: i64 = row[..4].iter().sum();
        let name = [
            "行政复议",
            "行政诉讼（未经复议直接起诉）",
            "行政诉讼（复议后起诉）",
        ][g];
        if sum != row[4] {
            push(
                format!("table4.total.{gk}"),
                format!(
                    "表四“{name}”：“总计”为 {}，但结果维持、结果纠正、其他结果、尚未审结之和为 {sum}",
                    row[4]
                ),
            );
        }
        for (c, v) in row.iter().enumerate() {
            if *v < 0 {
                push(
                    format!("table4.negative.{gk}.{}", T4_RESULTS[c].0),
                    format!("表四“{name}”的“{}”为负数 {v}", T4_RESULTS[c].1),
                );
            }
        }
    }
    let t2 = &f.table2;
    let negatives = [
        ("规章 本年制发件数", t2.regulations.made),
        ("规章 本年废止件数", t2.regulations.repealed),
        ("规章 现行有效件数", t2.regulations.valid),
        ("行政规范性文件 本年制发件数", t2.normative_docs.made),
        ("行政规范性文件 本年废止件数", t2.normative_docs.repealed),
        ("行政规范性文件 现行有效件数", t2.normative_docs.valid),
        ("行政许可 本年处理决定数量", t2.licensing),
        ("行政处罚 本年处理决定数量", t2.penalty),
        ("行政强制 本年处理决定数量", t2.coercion),
        ("行政事业性收费 本年收费金额", t2.admin_fees_fen),
    ];
    for (label, v) in negatives {
        if v < 0 {
            push(
                format!("table2.negative.{label}"),
                format!("表二“{label}”为负数"),
            );
        }
    }
    out
}

/// REG §3.2 soft checks: continuity with the previous year's report (when there is one), fees
/// versus section 六, corrections in 四 versus section 五.
pub fn soft(
    f: &Figures,
    previous: Option<&Figures>,
    narrative: &NarrativeView<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |code: String, message: String| {
        out.push(Finding {
            severity: Severity::Soft,
            code,
            message,
        })
    };
    if let Some(p) = previous {
        for (c, (ck, _)) in T3_COLUMNS.iter().enumerate() {
            let now = f.table3.cells[CARRIED_IN][c];
            let before = p.table3.cells[CARRIED_OUT][c];
            if now != before {
                push(
                    format!("continuity.table3.{ck}"),
                    format!(
                        "表三“{}”列：本年“二、上年结转政府信息公开申请数量”为 {now}，上年报告“四、结转下年度继续办理”为 {before}",
                        col_label(c)
                    ),
                );
            }
        }
        for (name, key, now, before) in [
            (
                "规章",
                "regulations",
                f.table2.regulations,
                p.table2.regulations,
            ),
            (
                "行政规范性文件",
                "normative_docs",
                f.table2.normative_docs,
                p.table2.normative_docs,
            ),
        ] {
            // The 2019 trial format counted differently (对外公开总数量), so only compare like with like.
            if p.format != FormatVersion::Format2021 {
                continue;
            }
            let expected = before.valid + now.made - now.repealed;
            if now.valid != expected {
                push(
                    format!("continuity.table2.{key}"),
                    format!(
                        "表二“{name}”：现行有效件数为 {}，而上年现行有效 {} + 本年制发 {} − 本年废止 {} = {expected}（修订、重新公布也会造成差异，请核对）",
                        now.valid, before.valid, now.made, now.repealed
                    ),
                );
            }
        }
    }
    let fee_unpaid = f.table3.cells[T3_ROWS
        .iter()
        .position(|r| r.0 == "other.fee_unpaid")
        .unwrap_or(21)][TOTAL];
    if !narrative.section6.contains("信息处理费") {
        push(
            "fees.section6".into(),
            if fee_unpaid > 0 {
                format!(
                    "表三“2.申请人逾期未按收费通知要求缴纳费用…”为 {fee_unpaid}，但第六部分未说明信息处理费的收取情况"
                )
            } else {
                "第六部分未说明信息处理费的收取情况（未收取也应写明“未收取信息处理费”）".to_string()
            },
        );
    }
    if f.table2.admin_fees_fen < 0 {
        push(
            "fees.amount".into(),
            format!(
                "行政事业性收费金额为 {} 万元",
                wan_yuan(f.table2.admin_fees_fen)
            ),
        );
    }
    let corrected: i64 = f.table4.cells.iter().map(|g| g[1]).sum();
    if corrected > 0
        && !(narrative.section5.contains("纠正")
            || narrative.section5.contains("复议")
            || narrative.section5.contains("诉讼"))
    {
        push(
            "appeals.section5".into(),
            format!("表四“结果纠正”合计 {corrected} 件，第五部分未提及被纠正的情况及整改"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_figures_pass_hard_checks() {
        assert!(hard(&Figures::default()).is_empty());
    }

    #[test]
    fn broken_flow_names_cells_and_numbers() {
        let mut f = Figures::default();
        f.table3.cells[NEW_RECEIVED][0] = 3;
        f.table3.cells[NEW_RECEIVED][TOTAL] = 3;
        let found = hard(&f);
        let flow = found
            .iter()
            .find(|x| x.code == "table3.flow.natural_person")
            .unwrap();
        assert!(
            flow.message.contains("自然人")
                && flow.message.contains("3 + 0 = 3")
                && flow.message.contains("0 + 0 = 0"),
            "{}",
            flow.message
        );
        assert!(found.iter().any(|x| x.code == "table3.flow.total"));
        f.table3.cells[NEW_RECEIVED][TOTAL] = 4;
        assert!(
            hard(&f)
                .iter()
                .any(|x| x.code == "table3.total.new_received" && x.message.contains("总计”为 4"))
        );
        f.table4.cells[0] = [1, 0, 0, 0, 2];
        assert!(hard(&f).iter().any(|x| x.code == "table4.total.review"));
    }

    #[test]
    fn soft_checks() {
        let mut prev = Figures::default();
        prev.table3.cells[CARRIED_OUT][1] = 2;
        let f = Figures::default();
        let n = NarrativeView {
            section5: "",
            section6: "本年度未收取信息处理费。",
        };
        let found = soft(&f, Some(&prev), &n);
        assert!(
            found
                .iter()
                .any(|x| x.code == "continuity.table3.commercial_enterprise"
                    && x.message.contains("为 2"))
        );
        assert!(!found.iter().any(|x| x.code == "fees.section6"));
        let found = soft(&f, None, &NarrativeView::default());
        assert!(found.iter().any(|x| x.code == "fees.section6"));
        let mut g = Figures::default();
        g.table4.cells[0] = [0, 1, 0, 0, 1];
        assert!(
            soft(&g, None, &n)
                .iter()
                .any(|x| x.code == "appeals.section5")
        );
    }
}
