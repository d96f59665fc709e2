//! Narrative sections: text edited by the disclosure office, with sentences generated from the
//! records offered for insertion (product.md C12). Section 六 always states the information-
//! processing fees (REG §2.3), falling back to "未收取信息处理费".

use serde::{Deserialize, Serialize};

/// The edited text of a report. Paragraphs are separated by line breaks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Narrative {
    /// Opening paragraph(s) after the generated legal-basis and period sentences (contact
    /// details, where the electronic version is).
    pub intro: String,
    /// Section 一, its five sub-parts （一）主动公开 … （五）监督保障.
    pub overview: [String; 5],
    /// Text before the tables of sections 二, 三 and 四.
    pub section2: String,
    pub section3: String,
    pub section4: String,
    /// Section 五: problems and improvements (and last year's problems).
    pub section5: String,
    /// Section 六: other matters.
    pub section6: String,
}

/// Figures from the records that the narrative may quote. `None` means the system has no
/// record of it (no sentence is offered then).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// Items proactively disclosed (published) in the year.
    pub published_items: Option<i64>,
    /// Published items by channel or column, (name, count).
    pub published_by_channel: Vec<(String, i64)>,
    /// Applications received and decided in the year (table 三 totals).
    pub applications_received: Option<i64>,
    pub applications_decided: Option<i64>,
    /// Items submitted to and adopted by higher-level sites (syndication, #5).
    pub syndication_submitted: Option<i64>,
    pub syndication_adopted: Option<i64>,
    /// Per syndication target: (name, submitted, adopted).
    pub syndication_by_target: Vec<(String, i64, i64)>,
    /// Posts in the WeChat official account's sections.
    pub wechat_posts: Option<i64>,
    /// Mailbox and online-consultation messages received and answered (#7).
    pub messages_received: Option<i64>,
    pub messages_answered: Option<i64>,
    /// Interpretation items (回应解读) published.
    pub interpretations: Option<i64>,
    /// 保密承诺书 signed.
    pub confidentiality_commitments: Option<i64>,
    /// Information-processing fees charged (109号), in fen.
    pub processing_fees_fen: Option<i64>,
    /// Last year's section 五, to report on how its problems were fixed.
    pub previous_problems: Option<String>,
    /// The year's work plans (工作方案/工作要点, issue #12): their titles, tasks and tasks
    /// completed within the year.
    pub work_plans: Vec<String>,
    pub plan_tasks: Option<i64>,
    pub plan_tasks_done: Option<i64>,
    /// Training sessions held and their participants (staff and outsiders).
    pub training_sessions: Option<i64>,
    pub training_participants: Option<i64>,
    /// 人大代表建议 and 政协提案 handled, replied, and rated satisfied or basically satisfied.
    pub npc_suggestions: Option<i64>,
    pub cppcc_proposals: Option<i64>,
    pub proposals_replied: Option<i64>,
    pub proposals_satisfied: Option<i64>,
    /// Publicity by kind: (kind, activities, pieces).
    pub publicity: Vec<(String, i64, i64)>,
    /// Assessment and public evaluation records by kind: (kind, count).
    pub assessments: Vec<(String, i64)>,
}

/// A completion rate in per cent, rounded to one decimal place and written without a
/// trailing ".0" (e.g. "100", "87.5").
pub fn percent(done: i64, total: i64) -> String {
    if total <= 0 {
        return "0".into();
    }
    // Tenths of a per cent, rounded half up, in integers.
    let tenths = (done * 2000 + total) / (2 * total);
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// A generated sentence offered for a section: `section` is 0 for the intro, 1–5 for the
/// sub-parts of 一, then 6 = 二 … 10 = 六.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub section: usize,
    pub text: String,
}

/// Section indices for [`Suggestion::section`].
pub const SUGGESTION_SECTIONS: [&str; 11] = [
    "开头",
    "（一）主动公开",
    "（二）依申请公开",
    "（三）政府信息管理",
    "（四）政府信息公开平台建设",
    "（五）监督保障",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

/// The fee statement of section 六 (REG §2.3).
pub fn fee_sentence(year: i32, fees_fen: Option<i64>) -> String {
    match fees_fen {
        Some(f) if f > 0 => format!(
            "依据《政府信息公开信息处理费管理办法》规定，{year}年实际收取信息处理费共计{}元。",
            yuan(f)
        ),
        _ => format!("{year}年未收取信息处理费。"),
    }
}

fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        format!("{}", fen / 100)
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    }
}

/// Sentences generated from the facts, for the editor to insert.
pub fn suggestions(year: i32, facts: &Facts) -> Vec<Suggestion> {
    let mut out = Vec::new();
    let mut s = |section: usize, text: String| out.push(Suggestion { section, text });
    if let Some(n) = facts.published_items {
        s(1, format!("{year}年，主动公开政府信息{n}条。"));
    }
    if !facts.published_by_channel.is_empty() {
        let parts: Vec<String> = facts
            .published_by_channel
            .iter()
            .map(|(c, n)| format!("{c}{n}条"))
            .collect();
        s(1, format!("按公开栏目分：{}。", parts.join("，")));
    }
    match (facts.applications_received, facts.applications_decided) {
        (Some(r), Some(d)) if r == d && r > 0 => s(
            2,
            format!("{year}年共收到政府信息公开申请{r}件，全部按期办结。"),
        ),
        (Some(r), Some(d)) => s(
            2,
            format!("{year}年共收到政府信息公开申请{r}件，办结{d}件。"),
        ),
        (Some(r), None) => s(2, format!("{year}年共收到政府信息公开申请{r}件。")),
        _ => {}
    }
    if let Some(c) = facts.confidentiality_commitments {
        s(
            3,
            format!("严格落实政府信息公开保密审查制度，{year}年共有{c}人签订《保密承诺书》。"),
        );
    }
    match (facts.syndication_submitted, facts.syndication_adopted) {
        (Some(a), Some(b)) => s(4, format!("向上级网站报送信息{a}条，被采用{b}条。")),
        (Some(a), None) => s(4, format!("向上级网站报送信息{a}条。")),
        _ => {}
    }
    if !facts.syndication_by_target.is_empty() {
        let parts: Vec<String> = facts
            .syndication_by_target
            .iter()
            .map(|(t, a, b)| format!("向{t}报送信息{a}条，采用{b}条"))
            .collect();
        s(4, format!("{}。", parts.join("；")));
    }
    if let Some(n) = facts.wechat_posts {
        s(4, format!("微信公众号{year}年共发布信息{n}条。"));
    }
    match (facts.messages_received, facts.messages_answered) {
        (Some(a), Some(b)) => s(4, format!("办理信箱来信和网上咨询{a}件，已答复{b}件。")),
        (Some(a), None) => s(4, format!("办理信箱来信和网上咨询{a}件。")),
        _ => {}
    }
    if let Some(n) = facts.interpretations {
        s(1, format!("发布政策解读和回应关切{n}篇（期）。"));
    }
    if let Some(p) = &facts.previous_problems
        && !p.trim().is_empty()
    {
        // Paragraphs of the old section become one sentence to insert and then edit.
        let text: Vec<&str> = p.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        s(
            9,
            format!(
                "{}年度报告所列存在的主要问题及改进情况：{}",
                year - 1,
                text.join("")
            ),
        );
    }
    work_sentences(year, facts, &mut s);
    s(10, fee_sentence(year, facts.processing_fees_fen));
    out
}

/// Sentences from the work plan and the registers of issue #12: the plan and its completion
/// (section 六, REG §2.3 工作要点落实情况), 建议提案 (section 六), training, assessment and
/// publicity (（五）监督保障).
fn work_sentences(year: i32, facts: &Facts, s: &mut impl FnMut(usize, String)) {
    if !facts.work_plans.is_empty() {
        let names: Vec<String> = facts
            .work_plans
            .iter()
            .map(|t| format!("《{t}》"))
            .collect();
        match (facts.plan_tasks, facts.plan_tasks_done) {
            (Some(n), Some(d)) if n > 0 => s(
                10,
                format!(
                    "{year}年，制定印发{}，明确工作任务{n}项，年内完成{d}项，完成率{}%。",
                    names.join("、"),
                    percent(d, n)
                ),
            ),
            _ => s(10, format!("{year}年，制定印发{}。", names.join("、"))),
        }
    }
    let npc = facts.npc_suggestions.unwrap_or(0);
    let cppcc = facts.cppcc_proposals.unwrap_or(0);
    if npc + cppcc > 0 {
        let mut text = format!("{year}年共承办人大代表建议{npc}件、政协提案{cppcc}件");
        if let Some(r) = facts.proposals_replied {
            text.push_str(&format!("，已答复{r}件"));
            if let Some(sat) = facts.proposals_satisfied
                && r > 0
            {
                text.push_str(&format!("，代表委员满意或基本满意{sat}件"));
            }
        }
        text.push('。');
        s(10, text);
    }
    if let Some(n) = facts.training_sessions
        && n > 0
    {
        let p = facts.training_participants.unwrap_or(0);
        s(
            5,
            format!(
                "加强业务知识培训和干部队伍建设，{year}年共举办政务公开培训{n}期，参训{p}人次。"
            ),
        );
    }
    if !facts.assessments.is_empty() {
        let parts: Vec<String> = facts
            .assessments
            .iter()
            .map(|(k, n)| format!("{k}{n}次"))
            .collect();
        s(
            5,
            format!(
                "将政务公开工作纳入考核和社会评议，{year}年开展{}。",
                parts.join("、")
            ),
        );
    }
    if !facts.publicity.is_empty() {
        let parts: Vec<String> = facts
            .publicity
            .iter()
            .map(|(k, n, pieces)| {
                if n == pieces {
                    format!("{k}{n}次")
                } else {
                    format!("{k}{n}次（共{pieces}篇/场）")
                }
            })
            .collect();
        s(5, format!("开展政务公开宣传：{}。", parts.join("，")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_sentence_always_present() {
        assert_eq!(fee_sentence(2019, None), "2019年未收取信息处理费。");
        assert_eq!(fee_sentence(2019, Some(0)), "2019年未收取信息处理费。");
        assert!(fee_sentence(2025, Some(40_000)).contains("共计400元"));
        assert!(fee_sentence(2025, Some(40_050)).contains("共计400.50元"));
        let s = suggestions(2019, &Facts::default());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].section, 10);
    }

    #[test]
    fn last_years_problems_are_offered_for_section_five() {
        let f = Facts {
            previous_problems: Some("一是公开内容不够全面。\n\n二是解读形式单一。\n".into()),
            ..Default::default()
        };
        let s: Vec<Suggestion> = suggestions(2025, &f)
            .into_iter()
            .filter(|s| s.section == 9)
            .collect();
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].text,
            "2024年度报告所列存在的主要问题及改进情况：一是公开内容不够全面。二是解读形式单一。"
        );
        let blank = Facts {
            previous_problems: Some("  \n".into()),
            ..Default::default()
        };
        assert!(suggestions(2025, &blank).iter().all(|s| s.section != 9));
    }

    #[test]
    fn percent_rounds_to_one_decimal() {
        assert_eq!(percent(8, 8), "100");
        assert_eq!(percent(7, 8), "87.5");
        assert_eq!(percent(2, 3), "66.7");
        assert_eq!(percent(0, 5), "0");
        assert_eq!(percent(1, 0), "0");
    }

    #[test]
    fn work_sentences_quote_the_plan_and_registers() {
        let f = Facts {
            work_plans: vec!["关于做好2019年政务公开工作的方案".into()],
            plan_tasks: Some(8),
            plan_tasks_done: Some(7),
            training_sessions: Some(2),
            training_participants: Some(45),
            npc_suggestions: Some(2),
            cppcc_proposals: Some(1),
            proposals_replied: Some(3),
            proposals_satisfied: Some(3),
            publicity: vec![("新闻发布会".into(), 1, 1)],
            assessments: vec![("考核".into(), 1)],
            ..Default::default()
        };
        let out = suggestions(2019, &f);
        let plan = out
            .iter()
            .find(|s| s.text.contains("制定印发"))
            .expect("a plan sentence");
        assert_eq!(plan.section, 10);
        assert_eq!(
            plan.text,
            "2019年，制定印发《关于做好2019年政务公开工作的方案》，明确工作任务8项，年内完成7项，完成率87.5%。"
        );
        let all: String = out.into_iter().map(|s| s.text).collect();
        for needle in [
            "举办政务公开培训2期，参训45人次",
            "承办人大代表建议2件、政协提案1件，已答复3件，代表委员满意或基本满意3件",
            "新闻发布会1次",
            "开展考核1次",
        ] {
            assert!(all.contains(needle), "{needle}: {all}");
        }
    }

    #[test]
    fn sentences_quote_the_facts() {
        let f = Facts {
            published_items: Some(1482),
            applications_received: Some(3),
            applications_decided: Some(3),
            confidentiality_commitments: Some(13),
            syndication_submitted: Some(591),
            syndication_adopted: Some(171),
            ..Default::default()
        };
        let all: String = suggestions(2019, &f).into_iter().map(|s| s.text).collect();
        for needle in [
            "主动公开政府信息1482条",
            "收到政府信息公开申请3件，全部按期办结",
            "13人签订《保密承诺书》",
            "报送信息591条，被采用171条",
            "未收取信息处理费",
        ] {
            assert!(all.contains(needle), "{needle}: {all}");
        }
    }
}
