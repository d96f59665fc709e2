//! The review chain (REG §5.2): 审核 with four checks, the 保密审查表 (REG §5.3) and the
//! leader's approval. Each record is bound to the revision it judged and never updated
//! (REG §5.4: immutable, retained, and void for any later revision).

use chrono::NaiveDate;
use gongkai_core::items::{Capabilities, Disclosure, ItemAction, ReviewChecks, State};
use serde::{Deserialize, Serialize};

use super::{DEADLINE_KIND, Item, OBJECT_TYPE, invalid, lock, step, today};
use crate::audit::Actor;
use crate::deadlines;
use crate::{Db, Result, Tx, now_ms, on_db, on_tx};

/// A stored 审核 record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReviewRecord {
    pub id: i64,
    pub item_id: i64,
    pub revision_id: i64,
    pub reviewer: String,
    pub reviewer_id: Option<i64>,
    pub legal_pass: bool,
    pub legal_comment: String,
    pub policy_pass: bool,
    pub policy_comment: String,
    pub wording_pass: bool,
    pub wording_comment: String,
    pub secrecy_pass: bool,
    pub secrecy_comment: String,
    pub passed: bool,
    pub created_at: i64,
}

/// 保密审查 conclusion (REG §5.2 step 3: 公开 / 免于公开 / 需报审).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    Publish,
    Withhold,
    Refer,
}

impl Conclusion {
    pub fn code(self) -> &'static str {
        match self {
            Conclusion::Publish => "publish",
            Conclusion::Withhold => "withhold",
            Conclusion::Refer => "refer",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Conclusion::Publish => "公开",
            Conclusion::Withhold => "免于公开",
            Conclusion::Refer => "需报审",
        }
    }
    fn action(self) -> ItemAction {
        match self {
            Conclusion::Publish => ItemAction::ConfidentialityClear,
            Conclusion::Withhold => ItemAction::ConfidentialityWithhold,
            Conclusion::Refer => ItemAction::ConfidentialityRefer,
        }
    }
}

/// The 保密审查表 as filled in (REG §5.3). The information name, 文号/索引号 and the reviewer are
/// taken from the item and the actor when left empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfidentialityForm {
    /// 填表日期.
    pub form_date: NaiveDate,
    /// 拟公开信息单位 / 承办科室.
    pub originating_unit: String,
    /// 信息名称 (empty = the current title).
    pub info_title: String,
    /// 信息载体形式: 公文类 (true) or 非公文类.
    pub is_document: bool,
    /// 文号 / 索引号.
    pub reference_no: String,
    /// 拟公开方式, e.g. ["政府网站", "政务新媒体"].
    pub channels: Vec<String>,
    /// 拟公开时间.
    pub planned_on: Option<NaiveDate>,
    /// 公开属性 proposed.
    pub disclosure: Disclosure,
    /// Legal ground when not 主动公开.
    pub withhold_ground: String,
    /// 是否涉及国家秘密 / 工作秘密 / 商业秘密 / 个人隐私.
    pub state_secret: bool,
    pub work_secret: bool,
    pub commercial_secret: bool,
    pub personal_privacy: bool,
    /// Description of what is involved.
    pub secrets_note: String,
    /// 承办人初审意见 + 签名 + 日期.
    pub drafter_opinion: String,
    pub drafter_name: String,
    pub drafter_on: Option<NaiveDate>,
    /// 科室负责人审核意见 + 签名 + 日期.
    pub head_opinion: String,
    pub head_name: String,
    pub head_on: Option<NaiveDate>,
    /// 保密审查意见 + 依据 + 签名 + 日期.
    pub conclusion: Conclusion,
    pub basis: String,
    /// Empty = the actor's name.
    pub reviewer_name: String,
    pub reviewed_on: NaiveDate,
    /// 备注 (区分处理 / 删减内容说明, Art. 37).
    pub remarks: String,
    /// Art. 18 re-review date when withheld (default: one year after `reviewed_on`).
    pub rereview_due: Option<NaiveDate>,
}

/// A stored 保密审查表.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ConfidentialityRecord {
    pub id: i64,
    pub item_id: i64,
    pub revision_id: i64,
    pub form_date: String,
    pub originating_unit: String,
    pub info_title: String,
    /// `document` (公文类) or `non_document`.
    pub carrier: String,
    pub reference_no: String,
    /// 拟公开方式, joined with "、".
    pub channels: String,
    pub planned_on: Option<String>,
    pub disclosure: String,
    pub withhold_ground: String,
    pub state_secret: bool,
    pub work_secret: bool,
    pub commercial_secret: bool,
    pub personal_privacy: bool,
    pub secrets_note: String,
    pub drafter_opinion: String,
    pub drafter_name: String,
    pub drafter_on: Option<String>,
    pub head_opinion: String,
    pub head_name: String,
    pub head_on: Option<String>,
    /// A [`Conclusion`] code.
    pub conclusion: String,
    pub basis: String,
    pub reviewer_name: String,
    pub reviewer_id: Option<i64>,
    pub reviewed_on: String,
    pub remarks: String,
    pub created_at: i64,
}

/// A stored approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApprovalRecord {
    pub id: i64,
    pub item_id: i64,
    pub revision_id: i64,
    pub approver: String,
    pub approver_id: Option<i64>,
    pub opinion: String,
    pub approved_on: String,
    pub created_at: i64,
}

/// Records a 审核: all four checks passed → reviewed; any failed → returned to draft with the
/// failed checks' comments as reasons. Needs the review capability.
pub async fn review(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    checks: &ReviewChecks,
) -> Result<Item> {
    checks.validate().map_err(invalid)?;
    let item = lock(tx, id).await?;
    if item.state()? != State::Submitted {
        // Let the workflow produce the precise message.
        return step(tx, actor, &item, ItemAction::Review, caps, "").await;
    }
    let action = checks.outcome();
    gongkai_core::items::transition(State::Submitted, action, caps)
        .map_err(|e| crate::StoreError::Conflict(e.to_string()))?;
    let rev = item.current_revision()?;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_reviews (item_id, revision_id, reviewer, reviewer_id, legal_pass, \
         legal_comment, policy_pass, policy_comment, wording_pass, wording_comment, secrecy_pass, \
         secrecy_comment, passed, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )
    .bind(id)
    .bind(rev)
    .bind(&actor.label)
    .bind(actor.user_id)
    .bind(checks.legal.passed)
    .bind(checks.legal.comment.trim())
    .bind(checks.policy.passed)
    .bind(checks.policy.comment.trim())
    .bind(checks.wording.passed)
    .bind(checks.wording.comment.trim())
    .bind(checks.secrecy.passed)
    .bind(checks.secrecy.comment.trim())
    .bind(checks.all_passed())
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    let note = if checks.all_passed() {
        String::new()
    } else {
        format!("审核未通过，退回修改：{}", checks.failure_reasons())
    };
    step(tx, actor, &item, action, caps, &note).await
}

/// Records the 保密审查表 for the current revision and applies its conclusion: 公开 → ready for
/// approval; 免于公开 → withheld (公开属性 不予公开, Art. 26 clock closed, Art. 18 re-review
/// date set); 需报审 → stays at this step. Needs the confidentiality-review capability.
/// A form that says the text involves a state secret can never conclude 公开 (保守国家秘密法
/// Art. 5).
pub async fn confidentiality_review(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    form: &ConfidentialityForm,
) -> Result<Item> {
    if form.basis.trim().is_empty() {
        return Err(invalid("保密审查意见须写明依据和理由"));
    }
    if form.originating_unit.trim().is_empty() {
        return Err(invalid("请填写拟公开信息单位（承办科室）"));
    }
    if form.conclusion == Conclusion::Publish {
        if form.state_secret {
            return Err(invalid(
                "涉及国家秘密的信息不得公开（保守国家秘密法第五条）",
            ));
        }
        if form.disclosure != Disclosure::Proactive {
            return Err(invalid("结论为“公开”时，公开属性须为主动公开"));
        }
    }
    if form.conclusion == Conclusion::Withhold && form.withhold_ground.trim().is_empty() {
        return Err(invalid(
            "免于公开须写明法律依据（条例第十四、十五、十六条）",
        ));
    }
    let item = lock(tx, id).await?;
    let next = gongkai_core::items::transition(item.state()?, form.conclusion.action(), caps)
        .map_err(|e| crate::StoreError::Conflict(e.to_string()))?;
    let rev = item.current_revision()?;
    let title = if form.info_title.trim().is_empty() {
        super::revision_tx(tx, rev).await?.title
    } else {
        form.info_title.trim().to_string()
    };
    let reviewer = if form.reviewer_name.trim().is_empty() {
        actor.label.clone()
    } else {
        form.reviewer_name.trim().to_string()
    };
    let reference = if form.reference_no.trim().is_empty() {
        item.doc_number.clone()
    } else {
        form.reference_no.trim().to_string()
    };
    let d = |x: Option<NaiveDate>| x.map(|d| d.to_string());
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO item_confidentiality_reviews (item_id, revision_id, form_date, \
         originating_unit, info_title, carrier, reference_no, channels, planned_on, disclosure, \
         withhold_ground, state_secret, work_secret, commercial_secret, personal_privacy, \
         secrets_note, drafter_opinion, drafter_name, drafter_on, head_opinion, head_name, head_on, \
         conclusion, basis, reviewer_name, reviewer_id, reviewed_on, remarks, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)"
    )
    .bind(id)
    .bind(rev)
    .bind(form.form_date.to_string())
    .bind(form.originating_unit.trim())
    .bind(&title)
    .bind(if form.is_document { "document" } else { "non_document" })
    .bind(&reference)
    .bind(form.channels.join("、"))
    .bind(d(form.planned_on))
    .bind(form.disclosure.code())
    .bind(form.withhold_ground.trim())
    .bind(form.state_secret)
    .bind(form.work_secret)
    .bind(form.commercial_secret)
    .bind(form.personal_privacy)
    .bind(form.secrets_note.trim())
    .bind(form.drafter_opinion.trim())
    .bind(form.drafter_name.trim())
    .bind(d(form.drafter_on))
    .bind(form.head_opinion.trim())
    .bind(form.head_name.trim())
    .bind(d(form.head_on))
    .bind(form.conclusion.code())
    .bind(form.basis.trim())
    .bind(&reviewer)
    .bind(actor.user_id)
    .bind(form.reviewed_on.to_string())
    .bind(form.remarks.trim())
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected()
    });
    if next == State::Withheld {
        let due = form.rereview_due.unwrap_or_else(|| {
            form.reviewed_on
                .checked_add_months(chrono::Months::new(12))
                .unwrap_or(form.reviewed_on)
        });
        on_tx!(tx, |c| {
            sqlx::query(
            "UPDATE items SET disclosure = $2, withhold_ground = $3, rereview_due = $4 WHERE id = $1"
        )
        .bind(id)
        .bind(Disclosure::Withheld.code())
        .bind(form.withhold_ground.trim())
        .bind(due.to_string())
        .execute(c)
        .await?
        .rows_affected()
        });
        deadlines::close(tx, actor, OBJECT_TYPE, id, DEADLINE_KIND).await?;
    }
    let note = format!(
        "保密审查意见：{}；依据：{}",
        form.conclusion.label(),
        form.basis.trim()
    );
    step(tx, actor, &item, form.conclusion.action(), caps, &note).await
}

/// Records the approving leader's approval of the current revision. Needs the approve
/// capability.
pub async fn approve(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    opinion: &str,
) -> Result<Item> {
    let item = lock(tx, id).await?;
    gongkai_core::items::transition(item.state()?, ItemAction::Approve, caps)
        .map_err(|e| crate::StoreError::Conflict(e.to_string()))?;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_approvals (item_id, revision_id, approver, approver_id, opinion, \
         approved_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(id)
    .bind(item.current_revision()?)
    .bind(&actor.label)
    .bind(actor.user_id)
    .bind(opinion.trim())
    .bind(today().to_string())
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    let after = step(tx, actor, &item, ItemAction::Approve, caps, opinion.trim()).await?;
    // A grassroots unit's approved item goes to its parent's queue (C4).
    crate::grassroots::on_approved(tx, actor, &after).await?;
    Ok(after)
}

/// Every 审核 record of an item, oldest first.
pub async fn reviews(db: &Db, item_id: i64) -> Result<Vec<ReviewRecord>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, item_id, revision_id, reviewer, reviewer_id, legal_pass, legal_comment, \
         policy_pass, policy_comment, wording_pass, wording_comment, secrecy_pass, \
         secrecy_comment, passed, created_at FROM item_reviews WHERE item_id = $1 ORDER BY id"
    )
    .bind(item_id)
    .fetch_all(p)
    .await?))
}

const CONF_COLUMNS: &str = "id, item_id, revision_id, form_date, originating_unit, info_title, \
    carrier, reference_no, channels, planned_on, disclosure, withhold_ground, state_secret, \
    work_secret, commercial_secret, personal_privacy, secrets_note, drafter_opinion, drafter_name, \
    drafter_on, head_opinion, head_name, head_on, conclusion, basis, reviewer_name, reviewer_id, \
    reviewed_on, remarks, created_at";

/// Every 保密审查表 of an item, oldest first (exportable with the item, product.md C3).
pub async fn confidentiality_reviews(db: &Db, item_id: i64) -> Result<Vec<ConfidentialityRecord>> {
    let sql = format!(
        "SELECT {CONF_COLUMNS} FROM item_confidentiality_reviews WHERE item_id = $1 ORDER BY id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(item_id)
    .fetch_all(p)
    .await?))
}

/// Every approval of an item, oldest first.
pub async fn approvals(db: &Db, item_id: i64) -> Result<Vec<ApprovalRecord>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, item_id, revision_id, approver, approver_id, opinion, approved_on, created_at \
         FROM item_approvals WHERE item_id = $1 ORDER BY id"
    )
    .bind(item_id)
    .fetch_all(p)
    .await?))
}

/// Is the review chain complete for `revision_id`? The latest 审核 passed, the latest 保密审查表
/// concluded 公开 and an approval exists — each bound to that revision (REG §5.4). Returns the
/// Chinese reason when not.
pub(crate) async fn chain_complete(
    tx: &mut Tx,
    item_id: i64,
    revision_id: i64,
) -> Result<Option<String>> {
    let review: Option<bool> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT passed FROM item_reviews WHERE item_id = $1 AND revision_id = $2 \
         ORDER BY id DESC LIMIT 1"
    )
    .bind(item_id)
    .bind(revision_id)
    .fetch_optional(c)
    .await?);
    if review != Some(true) {
        return Ok(Some(
            "当前版本未经审核通过，不能发布（先审查、后公开）".into(),
        ));
    }
    let conclusion: Option<String> = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "SELECT conclusion FROM item_confidentiality_reviews WHERE item_id = $1 AND revision_id = $2 \
         ORDER BY id DESC LIMIT 1"
    )
    .bind(item_id)
    .bind(revision_id)
    .fetch_optional(c)
    .await?
    });
    if conclusion.as_deref() != Some(Conclusion::Publish.code()) {
        return Ok(Some(
            "当前版本没有结论为“公开”的保密审查表，不能发布（先审查、后公开）".into(),
        ));
    }
    let approvals: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM item_approvals WHERE item_id = $1 AND revision_id = $2"
    )
    .bind(item_id)
    .bind(revision_id)
    .fetch_one(c)
    .await?);
    if approvals == 0 {
        return Ok(Some("当前版本未经领导审批，不能发布".into()));
    }
    Ok(None)
}
