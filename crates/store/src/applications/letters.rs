//! Letters to the applicant (告知书): composed from editable templates, one per letter kind, and
//! for replies one per decision basis, citing the articles of the basis and the right remedy
//! (REG §1.7: review first for 不予公开 from 2024-01-01, core's `remedy`). Stored as text (HTML
//! rendering escapes it); sending is recorded per channel.
//!
//! Template placeholders: `{申请人}`, `{受理编号}`, `{收到日期}`, `{事项}`, `{依据}`, `{理由}`,
//! `{救济}`, `{机关}`, `{日期}`.
//!
//! **Before a letter leaves the office** (issue #6: the reply "passes the #3/#4 confidentiality
//! review"; 条例 Art. 17 保密审查, 保守国家秘密法 Art. 5):
//! - saving or editing runs the #3 scanner ([`precheck`]): a classification marking or a
//!   sensitive word refuses the text; personal data must be confirmed by the drafter as the
//!   applicant's own or lawfully given; what was found is kept on the letter (`precheck`);
//! - a user with the confidentiality-review permission records a [`LetterReview`] of the
//!   letter's current revision (conclusion, the four secrecy questions of the 保密审查表,
//!   reviewer, date, notes), immutable, one per revision;
//! - [`mark_sent`] refuses a letter whose current revision has no review that cleared it;
//! - [`edit`] makes a new revision, so an earlier review no longer covers the text (as an item's
//!   reviews are void for a later revision, REG §5.4).

use chrono::NaiveDate;
use gongkai_core::applications::{Basis, Outcome, remedy};
use serde::Serialize;
use serde_json::json;

use super::{AppItem, Application, OBJECT_TYPE, invalid};
use crate::audit::{self, Actor, Change};
use crate::items::catalog::{Arg, expand_scopes, in_list};
use crate::{Backend, Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use gongkai_core::org::OrgId;
use gongkai_core::scan::{FindingKind, ScanConfig, Scanner};

/// A stored letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Letter {
    pub id: i64,
    pub application_id: i64,
    /// `reply`, `correction`, `extension`, `fee`, `consultation`.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_by: String,
    pub created_at: i64,
    /// `online`, `email`, `post`, `in_person` once sent.
    pub sent_via: String,
    pub sent_on: Option<String>,
    pub sent_to: String,
    /// 1 when drafted; each edit adds one (a review judges one revision).
    pub revision: i64,
    /// What the scanner's pre-send check found and how the drafter dealt with it.
    pub precheck: String,
}

const COLUMNS: &str = "id, application_id, kind, title, body, created_by, created_at, sent_via, \
    sent_on, sent_to, revision, precheck";

/// The letter kinds.
pub const KINDS: [&str; 5] = ["reply", "correction", "extension", "fee", "consultation"];

/// The built-in template of a reply paragraph for `basis` (what the letter says about one item).
pub fn default_paragraph(basis: Basis) -> &'static str {
    match basis {
        Basis::Provided => {
            "您申请公开的“{事项}”，经审查属于可以公开的政府信息，现予以提供（见附件或按您选择的方式获取）。依据：{依据}。"
        }
        Basis::AlreadyDisclosed => {
            "您申请公开的“{事项}”，本机关已主动公开，您可以通过本机关门户网站“主动公开”栏目查阅（{理由}）。依据：{依据}。"
        }
        Basis::Partial => {
            "您申请公开的“{事项}”，部分内容可以公开，现予以提供；其中{理由}。依据：{依据}。"
        }
        Basis::Art14 | Basis::Art15 | Basis::Art16 => {
            "您申请公开的“{事项}”，经审查，{理由}，决定不予公开。依据：{依据}。"
        }
        Basis::SpecialRoute => {
            "您申请公开的“{事项}”，有关法律、行政法规对信息的获取有特别规定，请依照有关规定办理。{理由}依据：{依据}。"
        }
        Basis::DoesNotExist => {
            "您申请公开的“{事项}”，经检索，本机关没有制作或获取该政府信息，该信息不存在。依据：{依据}。"
        }
        Basis::NotThisAgency => {
            "您申请公开的“{事项}”，不属于本机关负责公开的政府信息。{理由}依据：{依据}。"
        }
        Basis::Art38 => {
            "您申请公开的“{事项}”，需要本机关对现有政府信息进行加工、分析，本机关可以不予提供。依据：{依据}。"
        }
        Basis::Art30Unclear => {
            "您申请公开的“{事项}”，经补正后内容仍不明确，本机关无法提供。依据：{依据}。"
        }
        Basis::Art39Petition => {
            "您提出的“{事项}”属于信访、投诉、举报事项，不作为政府信息公开申请处理，请通过信访、投诉、举报渠道提出。依据：{依据}。"
        }
        Basis::Art36Repeat => {
            "您申请公开的“{事项}”，本机关已就您此前的申请作出答复，对重复申请不予重复处理。依据：{依据}。"
        }
        Basis::Art39Publication => {
            "您申请获取的“{事项}”属于公开出版物，您可以通过{理由}获取。依据：{依据}。"
        }
        Basis::Art35 => {
            "您申请公开政府信息的数量、频次明显超过合理范围，且未说明合理理由，本机关不予处理。依据：{依据}。"
        }
        Basis::ConfirmReissue => {
            "您要求确认或重新出具已获取的信息“{事项}”，本机关不予处理。依据：{依据}。"
        }
        Basis::Art30NoCorrection => {
            "本机关已告知您补正申请，您在补正期限内未补正，视为放弃申请，本机关不再处理。依据：{依据}。"
        }
        Basis::FeeUnpaid => {
            "本机关已向您发出收费通知，您逾期未缴纳信息处理费，视为放弃申请，本机关不再处理。依据：{依据}。"
        }
        Basis::Other => "关于您申请公开的“{事项}”：{理由}。",
    }
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in pairs {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// An editable template (`application_letter_templates`), if one was saved for `kind`.
pub async fn template(db: &Db, kind: &str) -> Result<Option<(String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT title, body FROM application_letter_templates WHERE kind = $1"
    )
    .bind(kind)
    .fetch_optional(p)
    .await?))
}

/// Saves an edited template (`kind` = `reply.<basis code>` for a reply paragraph). Audited.
pub async fn set_template(
    tx: &mut Tx,
    actor: &Actor,
    kind: &str,
    title: &str,
    body: &str,
) -> Result<()> {
    let valid = kind
        .strip_prefix("reply.")
        .is_some_and(|b| Basis::from_code(b).is_some());
    if !valid {
        return Err(invalid("模板种类无效"));
    }
    if body.trim().is_empty() || body.chars().count() > 5000 || title.chars().count() > 200 {
        return Err(invalid("模板正文不能为空，最多5000字"));
    }
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO application_letter_templates (kind, title, body, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind) DO UPDATE SET title = $2, body = $3, \
         updated_by = $4, updated_at = $5"
    )
    .bind(kind)
    .bind(title.trim())
    .bind(body.trim())
    .bind(&actor.label)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "application.template",
            object_type: "letter_template",
            object_id: kind.to_owned(),
            before: None,
            after: Some(json!({ "title": title, "body": body })),
        },
    )
    .await?;
    Ok(())
}

/// Composes the reply letter (答复告知书) of a decided application: one paragraph per item from
/// its basis template, then the remedy of REG §1.7 (the strictest over the items: review first
/// if any item withholds information and the decision is from 2024 on).
pub async fn compose_reply(
    db: &Db,
    app: &Application,
    items: &[AppItem],
    agency: &str,
    superior: &str,
) -> Result<(String, String)> {
    let mut paragraphs = Vec::new();
    let mut review_first = false;
    let mut last = None::<NaiveDate>;
    for item in items {
        let outcome = item
            .outcome()
            .ok_or_else(|| StoreError::Conflict("尚有事项未作出决定，不能生成答复".into()))?;
        let basis = Basis::from_code(&item.basis).unwrap_or(outcome.bases()[0]);
        let decided = super::date_of(&item.decided_on).unwrap_or_else(crate::deadlines::today);
        last = last.max(Some(decided));
        if remedy(outcome, decided) == gongkai_core::applications::Remedy::ReviewFirst {
            review_first = true;
        }
        let template = match template(db, &format!("reply.{}", basis.code())).await? {
            Some((_, body)) => body,
            None => default_paragraph(basis).to_owned(),
        };
        let reason = if outcome.withholds() {
            if outcome == Outcome::PartiallyGranted {
                format!(
                    "{}不予公开，理由是：{}",
                    item.withheld_what, item.withheld_why
                )
            } else {
                item.withheld_why.clone()
            }
        } else if let Some(pid) = item.published_item_id {
            format!("信息编号 {pid}，网址 /items/{pid}")
        } else {
            item.decision_note.clone()
        };
        paragraphs.push(format!(
            "{}. {}",
            item.seq,
            fill(
                &template,
                &[
                    ("事项", &item.description),
                    ("依据", basis.articles()),
                    ("理由", &reason),
                ]
            )
        ));
    }
    let remedy_text = if review_first {
        gongkai_core::applications::Remedy::ReviewFirst.text(superior)
    } else {
        gongkai_core::applications::Remedy::ReviewOrLitigation.text(superior)
    };
    let date = last.unwrap_or_else(crate::deadlines::today).to_string();
    let title = format!("政府信息公开申请答复告知书（{}）", app.tracking_no);
    let body = format!(
        "{}：\n\n本机关于{}收到您的政府信息公开申请（受理编号：{}）。经审查，现答复如下：\n\n{}\n\n{}\n\n{}\n{}",
        app.applicant_name,
        app.received_on.clone().unwrap_or_default(),
        app.tracking_no,
        paragraphs.join("\n"),
        remedy_text,
        agency,
        date
    );
    Ok((title, body))
}

/// What the pre-send check of a letter's text found (the #3 scanner).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Precheck {
    /// Findings that refuse the text (classification markings, sensitive words).
    pub blocking: Vec<String>,
    /// Personal data the drafter must confirm (the applicant's own, or lawfully given).
    pub personal: Vec<String>,
}

impl Precheck {
    /// The line kept on the letter and in the audit record.
    pub fn summary(&self) -> String {
        if self.personal.is_empty() {
            "发出前检查：未发现密级标志、敏感词或个人信息".to_owned()
        } else {
            format!(
                "发出前检查：发现个人信息 {} 处，经办人已核对确认",
                self.personal.len()
            )
        }
    }
}

/// Message when the text holds a classification marking or a sensitive word.
pub const BLOCKED_MESSAGE: &str = "正文含有密级标志或敏感词，不能作为告知书发出，请修改后再保存";
/// Message when the text holds personal data the drafter has not confirmed.
pub const PERSONAL_MESSAGE: &str =
    "正文含有个人信息：请逐项核对，确认均属申请人本人或可以依法提供后，再确认保存";

/// Scans a letter's title and body (the found text itself is never repeated: each finding is
/// named by its kind, its mask and the reason).
pub fn precheck(title: &str, body: &str) -> Result<Precheck> {
    let scanner = Scanner::new(ScanConfig::default())
        .map_err(|e| StoreError::Invalid(format!("无法启动发出前检查：{e}")))?;
    let mut c = Precheck::default();
    for f in scanner.scan(&format!("{title}\n{body}")) {
        let line = format!("{}：“{}”（{}）", f.kind.label(), f.suggested_mask, f.reason);
        match f.kind {
            FindingKind::Classification | FindingKind::SensitiveWord => c.blocking.push(line),
            _ if f.blocking => c.personal.push(line),
            _ => {}
        }
    }
    Ok(c)
}

/// Checks a letter's text: not empty, not too long, and the pre-send check passed (blocking
/// findings refuse it; personal data needs `personal_confirmed`).
fn check_text(title: &str, body: &str, personal_confirmed: bool) -> Result<Precheck> {
    if title.trim().is_empty() || body.trim().is_empty() || body.chars().count() > 20_000 {
        return Err(invalid("告知书标题和正文不能为空，正文最多20000字"));
    }
    if title.chars().count() > 200 {
        return Err(invalid("告知书标题过长（最多200字）"));
    }
    let c = precheck(title, body)?;
    if !c.blocking.is_empty() {
        return Err(invalid(format!(
            "{BLOCKED_MESSAGE}：{}",
            c.blocking.join("；")
        )));
    }
    if !c.personal.is_empty() && !personal_confirmed {
        return Err(invalid(format!(
            "{PERSONAL_MESSAGE}：{}",
            c.personal.join("；")
        )));
    }
    Ok(c)
}

/// Saves a new letter (revision 1) after the pre-send check. Audited (`application.letter`,
/// with the check's summary). It still needs a confidentiality review before it can be sent.
pub async fn save(
    tx: &mut Tx,
    actor: &Actor,
    application_id: i64,
    kind: &str,
    title: &str,
    body: &str,
    personal_confirmed: bool,
) -> Result<Letter> {
    if !KINDS.contains(&kind) {
        return Err(invalid("告知书种类无效"));
    }
    let check = check_text(title, body, personal_confirmed)?;
    let summary = check.summary();
    let sql = format!(
        "INSERT INTO application_letters (application_id, kind, title, body, created_by, \
         created_at, revision, precheck) VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING {COLUMNS}"
    );
    let letter: Letter = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(application_id)
        .bind(kind)
        .bind(title.trim())
        .bind(body.trim())
        .bind(&actor.label)
        .bind(now_ms())
        .bind(&summary)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "application.letter",
            object_type: OBJECT_TYPE,
            object_id: application_id.to_string(),
            before: None,
            after: Some(
                json!({ "letter_id": letter.id, "kind": kind, "title": letter.title,
                "revision": 1, "review": summary }),
            ),
        },
    )
    .await?;
    Ok(letter)
}

/// Loads a letter inside a write transaction, locking its row on PostgreSQL.
async fn lock(tx: &mut Tx, letter_id: i64) -> Result<Letter> {
    let lock = match tx.backend() {
        Backend::Postgres => "FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!("SELECT {COLUMNS} FROM application_letters WHERE id = $1 {lock}");
    let l: Option<Letter> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(letter_id)
        .fetch_optional(c)
        .await?);
    l.ok_or_else(|| StoreError::NotFound("告知书不存在".into()))
}

/// What [`edit`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edited {
    pub letter: Letter,
    /// The previous revision had a review, which no longer covers the text.
    pub review_invalidated: bool,
}

/// Edits an unsent letter: the pre-send check again, then a new revision, so any review of the
/// previous text is void and the letter needs a new one before it can be sent (REG §5.4 by
/// analogy). Audited (`application.letter_edit`).
pub async fn edit(
    tx: &mut Tx,
    actor: &Actor,
    letter_id: i64,
    title: &str,
    body: &str,
    personal_confirmed: bool,
) -> Result<Edited> {
    let before = lock(tx, letter_id).await?;
    if before.sent_on.is_some() {
        return Err(StoreError::Conflict(
            "该告知书已经发出，不能修改；如需更正，请另行起草告知书。".into(),
        ));
    }
    let check = check_text(title, body, personal_confirmed)?;
    let summary = check.summary();
    let reviewed: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM application_letter_reviews WHERE letter_id = $1 AND letter_revision = $2"
    )
    .bind(before.id)
    .bind(before.revision)
    .fetch_one(c)
    .await?
    });
    let sql = format!(
        "UPDATE application_letters SET title = $2, body = $3, revision = revision + 1, \
         precheck = $4 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let letter: Letter = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(before.id)
        .bind(title.trim())
        .bind(body.trim())
        .bind(&summary)
        .fetch_one(c)
        .await?);
    let review_invalidated = reviewed > 0;
    audit::append(
        tx,
        actor,
        Change {
            action: "application.letter_edit",
            object_type: OBJECT_TYPE,
            object_id: letter.application_id.to_string(),
            before: Some(json!({ "letter_id": before.id, "revision": before.revision,
                "title": before.title })),
            after: Some(json!({ "letter_id": letter.id, "revision": letter.revision,
                "title": letter.title, "review": summary,
                "review_invalidated": review_invalidated })),
        },
    )
    .await?;
    Ok(Edited {
        letter,
        review_invalidated,
    })
}

/// The conclusion of a letter's confidentiality review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewConclusion {
    /// 同意发出.
    Cleared,
    /// 退回修改.
    Returned,
}

impl ReviewConclusion {
    pub fn code(self) -> &'static str {
        match self {
            ReviewConclusion::Cleared => "cleared",
            ReviewConclusion::Returned => "returned",
        }
    }
    pub fn from_code(code: &str) -> Option<ReviewConclusion> {
        match code {
            "cleared" => Some(ReviewConclusion::Cleared),
            "returned" => Some(ReviewConclusion::Returned),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ReviewConclusion::Cleared => "同意发出",
            ReviewConclusion::Returned => "退回修改",
        }
    }
}

/// A confidentiality review as filled in (the questions of the 保密审查表, REG §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewForm {
    pub conclusion: ReviewConclusion,
    /// 是否涉及国家秘密 / 工作秘密 / 商业秘密 / 个人隐私.
    pub state_secret: bool,
    pub work_secret: bool,
    pub commercial_secret: bool,
    pub personal_privacy: bool,
    /// 审查意见: required when returning the letter or when it involves a secret or privacy.
    pub note: String,
    pub reviewed_on: NaiveDate,
}

/// A stored review of one revision of a letter (immutable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LetterReview {
    pub id: i64,
    pub letter_id: i64,
    pub application_id: i64,
    pub letter_revision: i64,
    /// A [`ReviewConclusion`] code.
    pub conclusion: String,
    pub state_secret: bool,
    pub work_secret: bool,
    pub commercial_secret: bool,
    pub personal_privacy: bool,
    pub note: String,
    pub reviewer_name: String,
    pub reviewer_id: Option<i64>,
    pub reviewed_on: String,
    pub created_at: i64,
}

impl LetterReview {
    pub fn conclusion_label(&self) -> &'static str {
        ReviewConclusion::from_code(&self.conclusion).map_or("未知", ReviewConclusion::label)
    }
    pub fn cleared(&self) -> bool {
        self.conclusion == ReviewConclusion::Cleared.code()
    }
}

const REVIEW_COLUMNS: &str = "id, letter_id, application_id, letter_revision, conclusion, \
    state_secret, work_secret, commercial_secret, personal_privacy, note, reviewer_name, \
    reviewer_id, reviewed_on, created_at";

/// Records the confidentiality review of the letter's current revision (the caller checks
/// `Action::ConfidentialityReview` on the application's organisation). One review per revision;
/// a letter involving a state secret can never be cleared (保守国家秘密法 Art. 5). Audited
/// (`application.letter_review`).
pub async fn review(
    tx: &mut Tx,
    actor: &Actor,
    letter_id: i64,
    form: &ReviewForm,
    today: NaiveDate,
) -> Result<LetterReview> {
    let letter = lock(tx, letter_id).await?;
    if letter.sent_on.is_some() {
        return Err(StoreError::Conflict(
            "该告知书已经发出，无需再审查。".into(),
        ));
    }
    let note = form.note.trim();
    if note.chars().count() > 2000 {
        return Err(invalid("审查意见过长（最多2000字）"));
    }
    if form.reviewed_on > today {
        return Err(invalid("审查日期不能晚于今天"));
    }
    match form.conclusion {
        ReviewConclusion::Cleared if form.state_secret => {
            return Err(invalid(
                "涉及国家秘密的内容不得发出（保守国家秘密法第五条），请退回修改",
            ));
        }
        ReviewConclusion::Cleared
            if (form.work_secret || form.commercial_secret || form.personal_privacy)
                && note.is_empty() =>
        {
            return Err(invalid(
                "涉及工作秘密、商业秘密或个人隐私的，请在审查意见中写明可以发出的理由",
            ));
        }
        ReviewConclusion::Returned if note.is_empty() => {
            return Err(invalid("退回修改时请写明审查意见"));
        }
        _ => {}
    }
    let done: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM application_letter_reviews WHERE letter_id = $1 AND letter_revision = $2"
    )
    .bind(letter.id)
    .bind(letter.revision)
    .fetch_one(c)
    .await?
    });
    if done > 0 {
        return Err(StoreError::Conflict(
            "告知书的当前版本已经审查过；修改告知书后才能重新审查。".into(),
        ));
    }
    let sql = format!(
        "INSERT INTO application_letter_reviews (letter_id, application_id, letter_revision, \
         conclusion, state_secret, work_secret, commercial_secret, personal_privacy, note, \
         reviewer_name, reviewer_id, reviewed_on, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {REVIEW_COLUMNS}"
    );
    let row: LetterReview = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(letter.id)
        .bind(letter.application_id)
        .bind(letter.revision)
        .bind(form.conclusion.code())
        .bind(form.state_secret)
        .bind(form.work_secret)
        .bind(form.commercial_secret)
        .bind(form.personal_privacy)
        .bind(note)
        .bind(&actor.label)
        .bind(actor.user_id)
        .bind(form.reviewed_on.to_string())
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "application.letter_review",
            object_type: OBJECT_TYPE,
            object_id: letter.application_id.to_string(),
            before: None,
            after: Some(json!({
                "letter_id": letter.id, "revision": letter.revision,
                "conclusion": row.conclusion, "state_secret": row.state_secret,
                "work_secret": row.work_secret, "commercial_secret": row.commercial_secret,
                "personal_privacy": row.personal_privacy, "note": row.note,
                "reviewed_on": row.reviewed_on,
            })),
        },
    )
    .await?;
    Ok(row)
}

/// The reviews of an application's letters, oldest first.
pub async fn reviews(db: &Db, application_id: i64) -> Result<Vec<LetterReview>> {
    let sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM application_letter_reviews WHERE application_id = $1 ORDER BY id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(application_id)
    .fetch_all(p)
    .await?))
}

/// The review of the letter's current revision, if any (`reviews` of its application).
pub fn current_review<'a>(
    letter: &Letter,
    reviews: &'a [LetterReview],
) -> Option<&'a LetterReview> {
    reviews
        .iter()
        .find(|r| r.letter_id == letter.id && r.letter_revision == letter.revision)
}

/// Why the letter cannot be sent now (already sent, not reviewed, returned), in Chinese; `None`
/// when it may be sent.
pub fn send_blocker(letter: &Letter, current: Option<&LetterReview>) -> Option<&'static str> {
    if letter.sent_on.is_some() {
        return Some("该告知书已经发出，不能重复发出。");
    }
    match current {
        None => {
            Some("告知书尚未通过保密审查，不能发出。请由保密审查员审查当前版本并同意发出后再发送。")
        }
        Some(r) if !r.cleared() => {
            Some("保密审查意见为“退回修改”，不能发出。请按审查意见修改后重新提请审查。")
        }
        Some(_) => None,
    }
}

/// The review of the current revision, read inside the transaction.
async fn current_review_tx(tx: &mut Tx, letter: &Letter) -> Result<Option<LetterReview>> {
    let sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM application_letter_reviews WHERE letter_id = $1 AND letter_revision = $2"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(letter.id)
    .bind(letter.revision)
    .fetch_optional(c)
    .await?))
}

/// Unsent letters of applications in `scopes` whose current revision awaits its review (the
/// confidentiality reviewer's queue; pass `auth::scopes_for(grants, ConfidentialityReview)`),
/// oldest first, with the application's tracking number and organisation.
pub async fn awaiting_review(db: &Db, scopes: &[OrgId]) -> Result<Vec<(Letter, String, i64)>> {
    let ids = expand_scopes(db, scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let scope = in_list("a.org_id", &ids, &mut args);
    let cols: Vec<String> = COLUMNS.split(", ").map(|c| format!("l.{c}")).collect();
    let sql = format!(
        "SELECT {}, a.tracking_no, a.org_id FROM application_letters l \
         JOIN applications a ON a.id = l.application_id \
         WHERE l.sent_on IS NULL AND {scope} AND NOT EXISTS (SELECT 1 FROM \
         application_letter_reviews r WHERE r.letter_id = l.id AND r.letter_revision = l.revision) \
         ORDER BY l.id LIMIT 1000",
        cols.join(", ")
    );
    type Row = (
        i64,
        i64,
        String,
        String,
        String,
        String,
        i64,
        String,
        Option<String>,
        String,
        i64,
        String,
        String,
        i64,
    );
    let rows: Vec<Row> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                Letter {
                    id: r.0,
                    application_id: r.1,
                    kind: r.2,
                    title: r.3,
                    body: r.4,
                    created_by: r.5,
                    created_at: r.6,
                    sent_via: r.7,
                    sent_on: r.8,
                    sent_to: r.9,
                    revision: r.10,
                    precheck: r.11,
                },
                r.12,
                r.13,
            )
        })
        .collect())
}

/// Records that a letter was sent: refused (409) unless its current revision was cleared by a
/// confidentiality review and it was not sent before. Audited (`application.letter_sent`).
pub async fn mark_sent(
    tx: &mut Tx,
    actor: &Actor,
    letter_id: i64,
    via: &str,
    on: NaiveDate,
    to: &str,
) -> Result<Letter> {
    if !matches!(via, "online" | "email" | "post" | "in_person") {
        return Err(invalid("请选择送达方式"));
    }
    // The letter must have passed its confidentiality review (条例 Art. 17), checked under the
    // row lock so an edit or a second send cannot slip in between.
    let before = lock(tx, letter_id).await?;
    let current = current_review_tx(tx, &before).await?;
    if let Some(why) = send_blocker(&before, current.as_ref()) {
        return Err(StoreError::Conflict(why.into()));
    }
    let sql = format!(
        "UPDATE application_letters SET sent_via = $2, sent_on = $3, sent_to = $4 WHERE id = $1 \
         RETURNING {COLUMNS}"
    );
    let letter: Option<Letter> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(letter_id)
        .bind(via)
        .bind(on.to_string())
        .bind(to.trim())
        .fetch_optional(c)
        .await?);
    let letter = letter.ok_or_else(|| StoreError::NotFound("告知书不存在".into()))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "application.letter_sent",
            object_type: OBJECT_TYPE,
            object_id: letter.application_id.to_string(),
            before: None,
            after: Some(json!({ "letter_id": letter.id, "via": via, "on": on.to_string() })),
        },
    )
    .await?;
    Ok(letter)
}

/// Letters of an application, oldest first.
pub async fn list(db: &Db, application_id: i64) -> Result<Vec<Letter>> {
    let sql =
        format!("SELECT {COLUMNS} FROM application_letters WHERE application_id = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(application_id)
    .fetch_all(p)
    .await?))
}

/// One letter by id (the caller checks that it belongs to an application in scope).
pub async fn get(db: &Db, letter_id: i64) -> Result<Option<Letter>> {
    let sql = format!("SELECT {COLUMNS} FROM application_letters WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(letter_id)
    .fetch_optional(p)
    .await?))
}
