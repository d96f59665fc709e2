//! The workflow of an information item (product.md C2/C3, REG §5.2, §5.4): a pure transition
//! function `(state, action, capabilities) -> new state` with Chinese errors.
//!
//! **Rule.** draft → submitted → reviewed (审核, four checks 法律/政策/文字/保密, REG §5.2 step 2)
//! → confidentiality_reviewed (保密审查表, REG §5.3) → approved (审批, step 4) → scheduled |
//! published. Every review step may return the item to draft with reasons. Editing content after
//! a review step returns it to draft and invalidates every review ("Editing content after review
//! invalidates the review", REG §5.4). After publication: amend (a new revision that goes through the
//! review chain again from `submitted` while the published text stays public), change of validity (有效/失效/废止) and withdrawal. A 免于公开 conclusion of the confidentiality review
//! withholds the item; withheld items are re-reviewed periodically (条例 Art. 18) and may be
//! reopened as drafts. Nothing reaches `published` except from `approved` or `scheduled`
//! (先审查、后公开, 实施条例 Art. 42).

use serde::{Deserialize, Serialize};

use crate::auth::{Action, Grant, Role, permits};
use crate::org::{OrgId, OrgTree};

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Submitted,
    Reviewed,
    ConfidentialityReviewed,
    Approved,
    Scheduled,
    Published,
    Withdrawn,
    Withheld,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Draft,
        State::Submitted,
        State::Reviewed,
        State::ConfidentialityReviewed,
        State::Approved,
        State::Scheduled,
        State::Published,
        State::Withdrawn,
        State::Withheld,
    ];

    /// Stable storage code.
    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Reviewed => "reviewed",
            State::ConfidentialityReviewed => "confidentiality_reviewed",
            State::Approved => "approved",
            State::Scheduled => "scheduled",
            State::Published => "published",
            State::Withdrawn => "withdrawn",
            State::Withheld => "withheld",
        }
    }

    pub fn from_code(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "草稿",
            State::Submitted => "待审核",
            State::Reviewed => "待保密审查",
            State::ConfidentialityReviewed => "待审批",
            State::Approved => "待发布",
            State::Scheduled => "定时发布中",
            State::Published => "已发布",
            State::Withdrawn => "已撤回",
            State::Withheld => "不予公开",
        }
    }

    /// True when some review step has been passed and would be invalidated by an edit.
    pub fn has_reviews(self) -> bool {
        matches!(
            self,
            State::Submitted
                | State::Reviewed
                | State::ConfidentialityReviewed
                | State::Approved
                | State::Scheduled
        )
    }
}

/// What someone does to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemAction {
    /// Change content or metadata before publication.
    Edit,
    Submit,
    /// 审核 passed (all four checks).
    Review,
    /// Any review step sends the item back with reasons.
    Return,
    /// 保密审查 conclusion 公开.
    ConfidentialityClear,
    /// 保密审查 conclusion 免于公开: the item is withheld.
    ConfidentialityWithhold,
    /// 保密审查 conclusion 需报审: referred to the 主管部门/保密行政管理部门 (条例 Art. 17 ¶3);
    /// the item waits at the same step.
    ConfidentialityRefer,
    Approve,
    Schedule,
    Unschedule,
    Publish,
    /// New revision of a published item.
    Amend,
    /// 有效/失效/废止.
    ChangeValidity,
    Withdraw,
    /// Art. 18 re-review decided the withheld item may now be disclosed: back to draft.
    Reopen,
}

impl ItemAction {
    pub const ALL: [ItemAction; 15] = [
        ItemAction::Edit,
        ItemAction::Submit,
        ItemAction::Review,
        ItemAction::Return,
        ItemAction::ConfidentialityClear,
        ItemAction::ConfidentialityWithhold,
        ItemAction::ConfidentialityRefer,
        ItemAction::Approve,
        ItemAction::Schedule,
        ItemAction::Unschedule,
        ItemAction::Publish,
        ItemAction::Amend,
        ItemAction::ChangeValidity,
        ItemAction::Withdraw,
        ItemAction::Reopen,
    ];

    /// Stable code (audit action suffix).
    pub fn code(self) -> &'static str {
        match self {
            ItemAction::Edit => "edit",
            ItemAction::Submit => "submit",
            ItemAction::Review => "review",
            ItemAction::Return => "return",
            ItemAction::ConfidentialityClear => "confidentiality_clear",
            ItemAction::ConfidentialityWithhold => "confidentiality_withhold",
            ItemAction::ConfidentialityRefer => "confidentiality_refer",
            ItemAction::Approve => "approve",
            ItemAction::Schedule => "schedule",
            ItemAction::Unschedule => "unschedule",
            ItemAction::Publish => "publish",
            ItemAction::Amend => "amend",
            ItemAction::ChangeValidity => "change_validity",
            ItemAction::Withdraw => "withdraw",
            ItemAction::Reopen => "reopen",
        }
    }

    /// The Chinese label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            ItemAction::Edit => "修改",
            ItemAction::Submit => "提交审核",
            ItemAction::Review => "审核通过",
            ItemAction::Return => "退回修改",
            ItemAction::ConfidentialityClear => "保密审查同意公开",
            ItemAction::ConfidentialityWithhold => "保密审查决定免于公开",
            ItemAction::ConfidentialityRefer => "保密审查需报审",
            ItemAction::Approve => "审批同意",
            ItemAction::Schedule => "定时发布",
            ItemAction::Unschedule => "取消定时发布",
            ItemAction::Publish => "发布",
            ItemAction::Amend => "修订",
            ItemAction::ChangeValidity => "变更有效性",
            ItemAction::Withdraw => "撤回",
            ItemAction::Reopen => "重新启用",
        }
    }
}

/// The item-related permissions a person holds for the item's organisation, derived from their
/// roles (the caller has already checked scope with [`crate::auth::permits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    pub draft: bool,
    pub review: bool,
    pub confidentiality_review: bool,
    pub approve: bool,
    pub publish: bool,
}

impl Capabilities {
    /// Everything (the scheduled-publication job, tests).
    pub const ALL: Capabilities = Capabilities {
        draft: true,
        review: true,
        confidentiality_review: true,
        approve: true,
        publish: true,
    };

    /// The capabilities that `roles` give (via [`Role::allows`]).
    pub fn from_roles(roles: &[Role]) -> Capabilities {
        let has = |a: Action| roles.iter().any(|r| r.allows(a));
        Capabilities {
            draft: has(Action::DraftItem),
            review: has(Action::ReviewItem),
            confidentiality_review: has(Action::ConfidentialityReview),
            approve: has(Action::ApproveItem),
            publish: has(Action::PublishItem),
        }
    }

    /// The capabilities `grants` give on an item owned by organisation `target`: role *and* scope,
    /// through the one permission check [`crate::auth::permits`]. Page and API handlers pass
    /// this to the store's workflow functions.
    pub fn for_target(grants: &[Grant], target: OrgId, tree: &OrgTree) -> Capabilities {
        let has = |a: Action| permits(grants, a, Some(target), tree);
        Capabilities {
            draft: has(Action::DraftItem),
            review: has(Action::ReviewItem),
            confidentiality_review: has(Action::ConfidentialityReview),
            approve: has(Action::ApproveItem),
            publish: has(Action::PublishItem),
        }
    }

    /// Does this set hold the permission `action` names?
    pub fn has(&self, action: Action) -> bool {
        match action {
            Action::DraftItem => self.draft,
            Action::ReviewItem => self.review,
            Action::ConfidentialityReview => self.confidentiality_review,
            Action::ApproveItem => self.approve,
            Action::PublishItem => self.publish,
            _ => false,
        }
    }
}

/// Why a transition was refused; the messages are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("信息当前状态为“{}”，不能执行“{}”", state.label(), action.label())]
    NotAllowed { state: State, action: ItemAction },
    #[error("执行“{}”需要{}权限", action.label(), permission_zh(*needed))]
    Forbidden { action: ItemAction, needed: Action },
}

fn permission_zh(a: Action) -> &'static str {
    match a {
        Action::DraftItem => "起草（承办人）",
        Action::ReviewItem => "审核（科室负责人）",
        Action::ConfidentialityReview => "保密审查（保密审查员）",
        Action::ApproveItem => "审批（审批领导）",
        Action::PublishItem => "发布（政务公开办公室）",
        _ => "相应",
    }
}

/// The permission an action needs in a state and the state it leads to, or `NotAllowed`.
pub fn rule(state: State, action: ItemAction) -> Result<(Action, State), WorkflowError> {
    use ItemAction as A;
    use State as S;
    let r = match (state, action) {
        (S::Draft, A::Edit) => (Action::DraftItem, S::Draft),
        // Editing after any review step: back to draft, reviews invalidated (REG §5.4).
        (
            S::Submitted | S::Reviewed | S::ConfidentialityReviewed | S::Approved | S::Scheduled,
            A::Edit,
        ) => (Action::DraftItem, S::Draft),
        (S::Draft, A::Submit) => (Action::DraftItem, S::Submitted),
        (S::Submitted, A::Review) => (Action::ReviewItem, S::Reviewed),
        (S::Submitted, A::Return) => (Action::ReviewItem, S::Draft),
        (S::Reviewed, A::Return) => (Action::ConfidentialityReview, S::Draft),
        (S::ConfidentialityReviewed, A::Return) => (Action::ApproveItem, S::Draft),
        (S::Approved | S::Scheduled, A::Return) => (Action::PublishItem, S::Draft),
        (S::Reviewed, A::ConfidentialityClear) => {
            (Action::ConfidentialityReview, S::ConfidentialityReviewed)
        }
        (S::Reviewed, A::ConfidentialityWithhold) => (Action::ConfidentialityReview, S::Withheld),
        (S::Reviewed, A::ConfidentialityRefer) => (Action::ConfidentialityReview, S::Reviewed),
        (S::ConfidentialityReviewed, A::Approve) => (Action::ApproveItem, S::Approved),
        (S::Approved, A::Schedule) => (Action::PublishItem, S::Scheduled),
        (S::Scheduled, A::Unschedule) => (Action::PublishItem, S::Approved),
        (S::Approved | S::Scheduled, A::Publish) => (Action::PublishItem, S::Published),
        // An amendment is a new revision that goes through the whole review chain again; the
        // published revision stays public until the amendment is published (REG §5.4).
        (S::Published, A::Amend) => (Action::PublishItem, S::Submitted),
        (S::Published, A::ChangeValidity) => (Action::PublishItem, S::Published),
        (S::Published, A::Withdraw) => (Action::PublishItem, S::Withdrawn),
        (S::Withheld, A::Reopen) => (Action::ConfidentialityReview, S::Draft),
        _ => return Err(WorkflowError::NotAllowed { state, action }),
    };
    Ok(r)
}

/// The transition function: the new state, or why not (state first, then permission).
pub fn transition(
    state: State,
    action: ItemAction,
    caps: Capabilities,
) -> Result<State, WorkflowError> {
    let (needed, next) = rule(state, action)?;
    if !caps.has(needed) {
        return Err(WorkflowError::Forbidden { action, needed });
    }
    Ok(next)
}

/// Does doing `action` in `state` invalidate recorded reviews? (Editing after a review step.)
pub fn invalidates_reviews(state: State, action: ItemAction) -> bool {
    action == ItemAction::Edit && state.has_reviews()
}

/// The notice shown when an edit invalidated the reviews (REG §5.4).
pub const INVALIDATION_NOTICE: &str =
    "内容已修改：此前的审核、保密审查和审批意见均已失效，须重新提交审核";

/// One of the four checks of 审核 ("严把法律关、政策关、文字关和保密关").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub passed: bool,
    pub comment: String,
}

/// The 审核 record: four checks, each pass/fail with a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewChecks {
    /// 法律
    pub legal: Check,
    /// 政策
    pub policy: Check,
    /// 文字
    pub wording: Check,
    /// 保密
    pub secrecy: Check,
}

impl ReviewChecks {
    /// `(label, check)` in display order.
    pub fn labelled(&self) -> [(&'static str, &Check); 4] {
        [
            ("法律", &self.legal),
            ("政策", &self.policy),
            ("文字", &self.wording),
            ("保密", &self.secrecy),
        ]
    }

    /// Refuses a failed check without a comment (the drafter must learn why).
    pub fn validate(&self) -> Result<(), String> {
        for (label, c) in self.labelled() {
            if !c.passed && c.comment.trim().is_empty() {
                return Err(format!("{label}审核未通过时须填写意见"));
            }
        }
        Ok(())
    }

    pub fn all_passed(&self) -> bool {
        self.labelled().iter().all(|(_, c)| c.passed)
    }

    /// The action the review leads to: [`ItemAction::Review`] when all four pass, otherwise
    /// [`ItemAction::Return`].
    pub fn outcome(&self) -> ItemAction {
        if self.all_passed() {
            ItemAction::Review
        } else {
            ItemAction::Return
        }
    }

    /// The return reasons, one line per failed check.
    pub fn failure_reasons(&self) -> String {
        self.labelled()
            .iter()
            .filter(|(_, c)| !c.passed)
            .map(|(l, c)| format!("{l}：{}", c.comment.trim()))
            .collect::<Vec<_>>()
            .join("；")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The allowed pairs, written out independently of `rule`'s match: (state, action, needed
    /// permission, next state).
    fn table() -> Vec<(State, ItemAction, Action, State)> {
        use Action as P;
        use ItemAction as A;
        use State as S;
        let mut t = vec![
            (S::Draft, A::Edit, P::DraftItem, S::Draft),
            (S::Draft, A::Submit, P::DraftItem, S::Submitted),
            (S::Submitted, A::Review, P::ReviewItem, S::Reviewed),
            (S::Submitted, A::Return, P::ReviewItem, S::Draft),
            (S::Reviewed, A::Return, P::ConfidentialityReview, S::Draft),
            (
                S::Reviewed,
                A::ConfidentialityClear,
                P::ConfidentialityReview,
                S::ConfidentialityReviewed,
            ),
            (
                S::Reviewed,
                A::ConfidentialityWithhold,
                P::ConfidentialityReview,
                S::Withheld,
            ),
            (
                S::Reviewed,
                A::ConfidentialityRefer,
                P::ConfidentialityReview,
                S::Reviewed,
            ),
            (
                S::ConfidentialityReviewed,
                A::Return,
                P::ApproveItem,
                S::Draft,
            ),
            (
                S::ConfidentialityReviewed,
                A::Approve,
                P::ApproveItem,
                S::Approved,
            ),
            (S::Approved, A::Return, P::PublishItem, S::Draft),
            (S::Approved, A::Schedule, P::PublishItem, S::Scheduled),
            (S::Approved, A::Publish, P::PublishItem, S::Published),
            (S::Scheduled, A::Return, P::PublishItem, S::Draft),
            (S::Scheduled, A::Unschedule, P::PublishItem, S::Approved),
            (S::Scheduled, A::Publish, P::PublishItem, S::Published),
            (S::Published, A::Amend, P::PublishItem, S::Submitted),
            (
                S::Published,
                A::ChangeValidity,
                P::PublishItem,
                S::Published,
            ),
            (S::Published, A::Withdraw, P::PublishItem, S::Withdrawn),
            (S::Withheld, A::Reopen, P::ConfidentialityReview, S::Draft),
        ];
        for s in [
            S::Submitted,
            S::Reviewed,
            S::ConfidentialityReviewed,
            S::Approved,
            S::Scheduled,
        ] {
            t.push((s, A::Edit, P::DraftItem, S::Draft));
        }
        t
    }

    fn caps_from_bits(bits: u8) -> Capabilities {
        Capabilities {
            draft: bits & 1 != 0,
            review: bits & 2 != 0,
            confidentiality_review: bits & 4 != 0,
            approve: bits & 8 != 0,
            publish: bits & 16 != 0,
        }
    }

    #[test]
    fn exhaustive_states_actions_capabilities() {
        let table = table();
        for state in State::ALL {
            for action in ItemAction::ALL {
                let entry = table
                    .iter()
                    .find(|(s, a, _, _)| *s == state && *a == action);
                for bits in 0u8..32 {
                    let caps = caps_from_bits(bits);
                    let got = transition(state, action, caps);
                    match entry {
                        None => assert_eq!(
                            got,
                            Err(WorkflowError::NotAllowed { state, action }),
                            "{state:?} {action:?}"
                        ),
                        Some((_, _, needed, next)) => {
                            if caps.has(*needed) {
                                assert_eq!(got, Ok(*next), "{state:?} {action:?} {bits}");
                            } else {
                                assert_eq!(
                                    got,
                                    Err(WorkflowError::Forbidden {
                                        action,
                                        needed: *needed
                                    })
                                );
                            }
                        }
                    }
                    if let Err(e) = got {
                        let msg = e.to_string();
                        assert!(
                            msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                            "{msg}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn only_approved_or_scheduled_reach_published() {
        for s in State::ALL {
            for a in ItemAction::ALL {
                if let Ok(State::Published) = transition(s, a, Capabilities::ALL) {
                    assert!(
                        matches!(s, State::Approved | State::Scheduled | State::Published),
                        "{s:?} {a:?}"
                    );
                }
            }
        }
        // Withdrawn is final.
        for a in ItemAction::ALL {
            assert!(transition(State::Withdrawn, a, Capabilities::ALL).is_err());
        }
    }

    #[test]
    fn every_review_step_can_return() {
        for s in [
            State::Submitted,
            State::Reviewed,
            State::ConfidentialityReviewed,
            State::Approved,
            State::Scheduled,
        ] {
            assert_eq!(
                transition(s, ItemAction::Return, Capabilities::ALL),
                Ok(State::Draft)
            );
            assert!(invalidates_reviews(s, ItemAction::Edit));
        }
        assert!(!invalidates_reviews(State::Draft, ItemAction::Edit));
    }

    #[test]
    fn roles_give_capabilities() {
        assert!(Capabilities::from_roles(&[Role::Drafter]).draft);
        assert!(!Capabilities::from_roles(&[Role::Drafter]).publish);
        assert!(Capabilities::from_roles(&[Role::DepartmentHead]).review);
        assert!(Capabilities::from_roles(&[Role::ConfidentialityReviewer]).confidentiality_review);
        assert!(Capabilities::from_roles(&[Role::ApprovingLeader]).approve);
        assert!(Capabilities::from_roles(&[Role::DisclosureOffice]).publish);
        assert_eq!(
            Capabilities::from_roles(&[Role::Auditor]),
            Capabilities::default()
        );
    }

    #[test]
    fn capabilities_respect_scope() {
        // 1 = body, 2 = department, 3 = county.
        let tree = OrgTree::new([(1, None), (2, Some(1)), (3, Some(1))]);
        let grants = [
            Grant {
                role: Role::Drafter,
                scope: 2,
            },
            Grant {
                role: Role::DisclosureOffice,
                scope: 1,
            },
        ];
        let on2 = Capabilities::for_target(&grants, 2, &tree);
        assert!(on2.draft && on2.publish && !on2.review);
        let on3 = Capabilities::for_target(&grants, 3, &tree);
        assert!(!on3.draft && on3.publish);
        assert_eq!(
            Capabilities::for_target(&[], 2, &tree),
            Capabilities::default()
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in State::ALL {
            assert_eq!(State::from_code(s.code()), Some(s));
        }
        assert_eq!(State::from_code("x"), None);
    }

    fn check(passed: bool, comment: &str) -> Check {
        Check {
            passed,
            comment: comment.into(),
        }
    }

    proptest! {
        #[test]
        fn review_outcome(bits in 0u8..16, commented in any::<bool>()) {
            let c = |i: u8| check(bits & (1 << i) != 0, if commented { "理由" } else { "" });
            let r = ReviewChecks { legal: c(0), policy: c(1), wording: c(2), secrecy: c(3) };
            let all = bits == 15;
            prop_assert_eq!(r.all_passed(), all);
            prop_assert_eq!(r.outcome(), if all { ItemAction::Review } else { ItemAction::Return });
            prop_assert_eq!(r.validate().is_ok(), all || commented);
            prop_assert_eq!(r.failure_reasons().matches('：').count(), 4 - bits.count_ones() as usize);
        }
    }
}
