//! Mailbox, online consultation and public messages (理事长信箱 / 在线咨询 / 公众留言; issue #7,
//! product.md C8, REG §4.5): the pure rules. No I/O.
//!
//! - The processing form (处理单) is a state machine: [`transition`] says which step may follow
//!   which; every step is recorded by the store with who, when and what.
//! - The 条例 sets **no** deadline for messages (REG §4.5): each box has its own reply period in
//!   working days (configurable by administrators). A message handled as 信访 gets the calendar-day
//!   periods of 信访工作条例 instead ([`PETITION_DECISION_DAYS`], [`PETITION_RESOLVE_DAYS`]).
//! - Satisfaction: 不满意 reopens the case for the office to decide ([`Rating::reopens`]).
//! - Statistics: [`median_tenths`] and friends (exact, integer arithmetic).

use serde::{Deserialize, Serialize};

/// 信访工作条例 Art. 22: registration and the handling decision "在15日内" (calendar days).
pub const PETITION_DECISION_DAYS: u32 = 15;
/// 信访工作条例 Art. 34: "自受理之日起60日内办结" (calendar days).
pub const PETITION_RESOLVE_DAYS: u32 = 60;
/// Default reply period of a new box, in working days (local rules and the website checks of
/// REG §4.4 govern it; UNVERIFIED nationally, so every box sets its own).
pub const DEFAULT_REPLY_WORKDAYS: u32 = 10;
/// Longest reply period a box may set (a sanity bound, not a legal rule).
pub const MAX_REPLY_WORKDAYS: u32 = 60;
/// Default of "due soon" for automatic supervision: the deadline is within this many working
/// days (settings key `mailbox.due_soon_workdays` overrides it).
pub const DEFAULT_DUE_SOON_WORKDAYS: u32 = 2;

/// Where a message is on its processing form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Submitted by the writer, not yet registered (待登记).
    Received,
    /// Registered (and possibly classified) by the office (已登记).
    Registered,
    /// Forwarded to a department with an instruction (已转办).
    Forwarded,
    /// The department has drafted a reply (待审核).
    Drafted,
    /// The office approved the draft (已审核).
    Approved,
    /// The reply was sent (已答复).
    Replied,
    /// Followed up and closed (已办结).
    Closed,
    /// The writer was not satisfied; the office decides (不满意待处理).
    Reopened,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Received,
        Status::Registered,
        Status::Forwarded,
        Status::Drafted,
        Status::Approved,
        Status::Replied,
        Status::Closed,
        Status::Reopened,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Registered => "registered",
            Status::Forwarded => "forwarded",
            Status::Drafted => "drafted",
            Status::Approved => "approved",
            Status::Replied => "replied",
            Status::Closed => "closed",
            Status::Reopened => "reopened",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Received => "待登记",
            Status::Registered => "已登记",
            Status::Forwarded => "已转办",
            Status::Drafted => "答复待审核",
            Status::Approved => "答复已审核",
            Status::Replied => "已答复",
            Status::Closed => "已办结",
            Status::Reopened => "不满意待处理",
        }
    }

    /// Still waiting for a reply: the deadline runs and supervision is possible.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Replied | Status::Closed)
    }
}

/// A step of the processing form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 登记 (office).
    Register,
    /// 分类 (office): topic and kind; keeps the status.
    Classify,
    /// 转办 to a department with an instruction (office).
    Forward,
    /// 答复草稿 by the department.
    Draft,
    /// 退回 the draft to the department (office).
    ReturnDraft,
    /// 审核 the draft (office).
    Approve,
    /// 答复 sent (office).
    Reply,
    /// 回访 / follow-up, closing the case (office).
    FollowUp,
    /// The writer's rating (满意/基本满意 keep the status, 不满意 reopens).
    Rate,
    /// The office decides a reopened case stays answered (维持原答复).
    Close,
}

impl Step {
    pub const ALL: [Step; 10] = [
        Step::Register,
        Step::Classify,
        Step::Forward,
        Step::Draft,
        Step::ReturnDraft,
        Step::Approve,
        Step::Reply,
        Step::FollowUp,
        Step::Rate,
        Step::Close,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Register => "register",
            Step::Classify => "classify",
            Step::Forward => "forward",
            Step::Draft => "draft",
            Step::ReturnDraft => "return_draft",
            Step::Approve => "approve",
            Step::Reply => "reply",
            Step::FollowUp => "follow_up",
            Step::Rate => "rate",
            Step::Close => "close",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Register => "登记",
            Step::Classify => "分类",
            Step::Forward => "转办",
            Step::Draft => "拟写答复",
            Step::ReturnDraft => "退回修改",
            Step::Approve => "审核答复",
            Step::Reply => "答复",
            Step::FollowUp => "回访办结",
            Step::Rate => "评价",
            Step::Close => "维持原答复",
        }
    }
}

/// A step that cannot follow the current status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("当前状态为“{}”，不能进行“{}”", .from.label(), .step.label())]
pub struct StepError {
    pub from: Status,
    pub step: Step,
}

/// The status after `step` from `from` (with `rating` for [`Step::Rate`]), or why not.
pub fn transition(from: Status, step: Step, rating: Option<Rating>) -> Result<Status, StepError> {
    use Status::*;
    let next = match (step, from) {
        (Step::Register, Received) => Some(Registered),
        (Step::Classify, Registered | Forwarded | Reopened) => Some(from),
        (Step::Forward, Registered | Forwarded | Drafted | Reopened) => Some(Forwarded),
        (Step::Draft, Forwarded | Drafted) => Some(Drafted),
        (Step::ReturnDraft, Drafted | Approved) => Some(Forwarded),
        (Step::Approve, Drafted) => Some(Approved),
        (Step::Reply, Approved) => Some(Replied),
        (Step::FollowUp, Replied) => Some(Closed),
        (Step::Rate, Replied | Closed) => match rating {
            Some(r) if r.reopens() => Some(Reopened),
            Some(_) => Some(from),
            None => None,
        },
        (Step::Close, Reopened) => Some(Closed),
        _ => None,
    };
    next.ok_or(StepError { from, step })
}

/// The writer's satisfaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    Fair,
    Unsatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Satisfied, Rating::Fair, Rating::Unsatisfied];

    pub fn code(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::Fair => "fair",
            Rating::Unsatisfied => "unsatisfied",
        }
    }

    pub fn from_code(code: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Satisfied => "满意",
            Rating::Fair => "基本满意",
            Rating::Unsatisfied => "不满意",
        }
    }

    /// 不满意 reopens the case for the office to decide.
    pub fn reopens(self) -> bool {
        self == Rating::Unsatisfied
    }
}

/// What a message turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An ordinary message or consultation (the box's working-day period).
    Message,
    /// Handled as 信访 (信访工作条例 calendar-day periods, REG §4.5).
    Petition,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Petition => "petition",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        [Kind::Message, Kind::Petition]
            .into_iter()
            .find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Message => "留言咨询",
            Kind::Petition => "信访事项",
        }
    }
}

/// Publication of the question and answer on the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Publication {
    /// Not proposed (no consent, or not yet).
    None,
    /// Masked texts prepared, waiting for confidentiality review.
    PendingReview,
    /// Public.
    Published,
    /// Review refused, or the office took it down.
    Withheld,
}

impl Publication {
    pub fn code(self) -> &'static str {
        match self {
            Publication::None => "none",
            Publication::PendingReview => "pending_review",
            Publication::Published => "published",
            Publication::Withheld => "withheld",
        }
    }

    pub fn from_code(code: &str) -> Option<Publication> {
        [
            Publication::None,
            Publication::PendingReview,
            Publication::Published,
            Publication::Withheld,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Publication::None => "不公开",
            Publication::PendingReview => "待保密审查",
            Publication::Published => "已公开",
            Publication::Withheld => "不予公开",
        }
    }
}

/// The median of `values` in tenths (e.g. 35 = 3.5), exact; `None` for an empty slice.
pub fn median_tenths(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] * 10
    } else {
        (v[n / 2 - 1] + v[n / 2]) * 5
    })
}

/// `part / whole` in per mille, rounded half up; `None` when `whole` is 0.
pub fn per_mille(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    Some((part * 2000 + whole) / (2 * whole))
}

/// Formats tenths as `3.5` / `4`.
pub fn tenths_zh(t: i64) -> String {
    if t % 10 == 0 {
        format!("{}", t / 10)
    } else {
        format!("{}.{}", t / 10, (t % 10).abs())
    }
}

/// Formats per mille as a percentage `96.2%` / `100%`.
pub fn percent_zh(pm: i64) -> String {
    format!("{}%", tenths_zh(pm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The processing form written out as a table, independently of `transition`: every
    /// (status, step) pair not listed here must be refused.
    const ALLOWED: &[(Status, Step, Status)] = &[
        (Status::Received, Step::Register, Status::Registered),
        (Status::Registered, Step::Classify, Status::Registered),
        (Status::Forwarded, Step::Classify, Status::Forwarded),
        (Status::Reopened, Step::Classify, Status::Reopened),
        (Status::Registered, Step::Forward, Status::Forwarded),
        (Status::Forwarded, Step::Forward, Status::Forwarded),
        (Status::Drafted, Step::Forward, Status::Forwarded),
        (Status::Reopened, Step::Forward, Status::Forwarded),
        (Status::Forwarded, Step::Draft, Status::Drafted),
        (Status::Drafted, Step::Draft, Status::Drafted),
        (Status::Drafted, Step::ReturnDraft, Status::Forwarded),
        (Status::Approved, Step::ReturnDraft, Status::Forwarded),
        (Status::Drafted, Step::Approve, Status::Approved),
        (Status::Approved, Step::Reply, Status::Replied),
        (Status::Replied, Step::FollowUp, Status::Closed),
        (Status::Reopened, Step::Close, Status::Closed),
    ];

    #[test]
    fn every_status_and_step_against_the_table() {
        for from in Status::ALL {
            for step in Step::ALL {
                if step == Step::Rate {
                    continue;
                }
                let want = ALLOWED
                    .iter()
                    .find(|(f, s, _)| *f == from && *s == step)
                    .map(|(_, _, t)| *t);
                let got = transition(from, step, None).ok();
                assert_eq!(got, want, "{from:?} {step:?}");
                if want.is_none() {
                    let msg = transition(from, step, None).unwrap_err().to_string();
                    assert!(msg.contains(from.label()) && msg.contains(step.label()));
                }
            }
        }
    }

    #[test]
    fn rating_only_after_a_reply_and_only_unsatisfied_reopens() {
        for from in Status::ALL {
            for r in Rating::ALL {
                let got = transition(from, Step::Rate, Some(r)).ok();
                let rateable = matches!(from, Status::Replied | Status::Closed);
                let want = match (rateable, r) {
                    (false, _) => None,
                    (true, Rating::Unsatisfied) => Some(Status::Reopened),
                    (true, _) => Some(from),
                };
                assert_eq!(got, want, "{from:?} {r:?}");
            }
            assert!(transition(from, Step::Rate, None).is_err());
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        for r in Rating::ALL {
            assert_eq!(Rating::from_code(r.code()), Some(r));
        }
        for k in [Kind::Message, Kind::Petition] {
            assert_eq!(Kind::from_code(k.code()), Some(k));
        }
        assert_eq!(Status::from_code("x"), None);
    }

    /// Every open status can still reach a reply; no closed status is open.
    #[test]
    fn open_statuses_reach_a_reply() {
        for s in Status::ALL {
            let mut seen = vec![s];
            let mut frontier = vec![s];
            while let Some(x) = frontier.pop() {
                for step in Step::ALL {
                    if let Ok(n) = transition(x, step, Some(Rating::Unsatisfied))
                        && !seen.contains(&n)
                    {
                        seen.push(n);
                        frontier.push(n);
                    }
                }
            }
            assert!(seen.contains(&Status::Replied), "{s:?} cannot reach 已答复");
            assert_eq!(s.is_open(), !matches!(s, Status::Replied | Status::Closed));
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(tenths_zh(35), "3.5");
        assert_eq!(tenths_zh(40), "4");
        assert_eq!(percent_zh(1000), "100%");
        assert_eq!(percent_zh(962), "96.2%");
        assert_eq!(median_tenths(&[]), None);
        assert_eq!(median_tenths(&[3, 1, 2]), Some(20));
        assert_eq!(median_tenths(&[4, 1, 2, 3]), Some(25));
        assert_eq!(per_mille(26, 26), Some(1000));
        assert_eq!(per_mille(1, 3), Some(333));
        assert_eq!(per_mille(2, 3), Some(667));
        assert_eq!(per_mille(1, 0), None);
    }

    proptest! {
        /// Median oracle: the middle of the sorted list by counting (no sort of our own): a
        /// value m is a median iff at least half the values are <= m and at least half >= m.
        #[test]
        fn median_matches_counting_oracle(v in proptest::collection::vec(0i64..200, 1..40)) {
            let t = median_tenths(&v).unwrap();
            let n = v.len() as i64;
            if n % 2 == 1 {
                prop_assert_eq!(t % 10, 0);
                let m = t / 10;
                prop_assert!(v.iter().filter(|x| **x <= m).count() as i64 * 2 >= n);
                prop_assert!(v.iter().filter(|x| **x >= m).count() as i64 * 2 >= n);
                prop_assert!(v.contains(&m));
            } else {
                // 2·median lies between the two middle values: half are <= lower, half >= upper.
                let twice = t / 5;
                let lower = v.iter().copied().filter(|x| {
                    v.iter().filter(|y| **y <= *x).count() as i64 >= n / 2
                }).min().unwrap();
                let upper = v.iter().copied().filter(|x| {
                    v.iter().filter(|y| **y >= *x).count() as i64 >= n / 2
                }).max().unwrap();
                prop_assert_eq!(twice, lower + upper);
            }
        }

        #[test]
        fn per_mille_is_rounded_ratio(part in 0i64..10_000, extra in 0i64..10_000) {
            let whole = part + extra + 1;
            let pm = per_mille(part, whole).unwrap();
            // |pm/1000 - part/whole| <= 1/2000
            prop_assert!((pm * whole * 2 - part * 2000).abs() <= whole);
        }
    }
}
