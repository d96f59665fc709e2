//! Publication of answered messages (公开答复, issue #7, REG §4.4 "留言公开及办理答复", §5.5):
//! only with the writer's consent, with personal data masked by the scanner, and after a
//! confidentiality reviewer approved the masked texts (先审查、后公开, REG §5.4).
//!
//! **Rule.** Every public query (portal pages, feeds, the public API, public statistics' lists)
//! goes through [`PUBLIC_CONDITION`]; nothing else reads the public texts for the public.

use gongkai_core::mailbox::{Publication, Status};
use gongkai_core::scan::{Finding, FindingKind};
use gongkai_core::vault::Vault;
use serde::Serialize;
use serde_json::json;

use super::invalid;
use super::messages::{Message, lock, record};
use crate::audit::Actor;
use crate::items::catalog::Arg;
use crate::items::findings::scanner;
use crate::{Db, Result, StoreError, Tx, on_db};

/// The visibility condition of every public query of messages (table alias `m`): consented,
/// reviewed and published, with a reply sent.
pub const PUBLIC_CONDITION: &str = "m.publication = 'published' AND m.consent_publish = TRUE \
    AND m.reviewed_at IS NOT NULL AND m.published_at IS NOT NULL AND m.replied_at IS NOT NULL \
    AND m.public_reply <> ''";

/// Masks the personal data the scanner finds in `text` (every personal-data kind, names
/// included: a message is about a person, so suggestions are masked rather than left to chance)
/// and the writer's own name wherever it appears.
pub fn mask_personal(text: &str, writer_name: &str) -> Result<String> {
    let s = scanner()?;
    let findings: Vec<Finding> = s
        .scan(text)
        .into_iter()
        .filter(|f| f.kind.is_personal_data())
        .collect();
    let masked = gongkai_core::mask::mask_text(text, &findings, &s.config().mask_policy)
        .map_err(|e| invalid(e.to_string()))?;
    let name = writer_name.trim();
    Ok(if name.chars().count() >= 2 {
        masked.replace(
            name,
            &gongkai_core::mask::mask_name(name, gongkai_core::mask::NameStyle::Published),
        )
    } else {
        masked
    })
}

/// Personal data (or classification markings) the scanner still finds in `text`, as Chinese
/// labels; empty when the text may go public.
pub fn remaining_findings(text: &str) -> Result<Vec<String>> {
    let s = scanner()?;
    let mut out: Vec<String> = s
        .scan(text)
        .into_iter()
        .filter(|f| {
            f.blocking && (f.kind.is_personal_data() || f.kind == FindingKind::Classification)
        })
        .map(|f| format!("{}“{}”", f.kind.label(), f.text))
        .collect();
    out.dedup();
    Ok(out)
}

async fn set_public(
    tx: &mut Tx,
    id: i64,
    publication: Publication,
    texts: Option<(&str, &str, &str)>,
) -> Result<()> {
    let p = publication.code();
    match texts {
        Some((t, q, r)) => crate::on_tx!(tx, |c| sqlx::query(
            "UPDATE mailbox_messages SET publication = $2, public_title = $3, \
             public_question = $4, public_reply = $5, reviewed_at = NULL, reviewed_by = '', \
             published_at = NULL WHERE id = $1"
        )
        .bind(id)
        .bind(p)
        .bind(t)
        .bind(q)
        .bind(r)
        .execute(c)
        .await?
        .rows_affected()),
        None => crate::on_tx!(tx, |c| sqlx::query(
            "UPDATE mailbox_messages SET publication = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(p)
        .execute(c)
        .await?
        .rows_affected()),
    };
    Ok(())
}

fn status_of(m: &Message) -> Result<Status> {
    m.status()
}

/// 提请公开: prepares the masked title, question and reply of an answered, consented message
/// and sends them to confidentiality review. Refused without consent or before the reply.
pub async fn prepare(
    tx: &mut Tx,
    actor: &Actor,
    vault: &Vault,
    id: i64,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    if !m.consent_publish {
        return Err(StoreError::Conflict(
            "来信人未同意公开，此留言不能公开".into(),
        ));
    }
    if m.replied_at.is_none() || m.reply.trim().is_empty() {
        return Err(StoreError::Conflict("答复后才能提请公开".into()));
    }
    let writer = m.contact(vault)?.name;
    let title = mask_personal(&m.title, &writer)?;
    let question = mask_personal(&m.content, &writer)?;
    let reply = mask_personal(&m.reply, &writer)?;
    set_public(
        tx,
        id,
        Publication::PendingReview,
        Some((&title, &question, &reply)),
    )
    .await?;
    let status = status_of(&m)?;
    record(
        tx,
        actor,
        &m,
        "publish_prepare",
        status,
        "",
        json!({"masked": title != m.title || question != m.content || reply != m.reply}),
        at,
    )
    .await
}

/// Edits the public texts while they wait for review (the office's manual masking).
pub async fn edit_public(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    title: &str,
    question: &str,
    reply: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    if m.publication != Publication::PendingReview.code() {
        return Err(StoreError::Conflict(
            "只有待保密审查的公开文本可以修改".into(),
        ));
    }
    for (v, what) in [
        (title, "公开标题"),
        (question, "公开的留言内容"),
        (reply, "公开的答复内容"),
    ] {
        if v.trim().is_empty() {
            return Err(invalid(format!("请填写{what}")));
        }
    }
    set_public(
        tx,
        id,
        Publication::PendingReview,
        Some((title.trim(), question.trim(), reply.trim())),
    )
    .await?;
    let status = status_of(&m)?;
    record(tx, actor, &m, "publish_edit", status, "", json!({}), at).await
}

/// 公开保密审查: the reviewer approves (the texts go public at `at`) or refuses (with reasons).
/// Approval is refused while the scanner still finds personal data or markings in the texts.
pub async fn review(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    approve: bool,
    note: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    if m.publication != Publication::PendingReview.code() {
        return Err(StoreError::Conflict("此留言没有待审查的公开文本".into()));
    }
    if !m.consent_publish {
        return Err(StoreError::Conflict(
            "来信人未同意公开，此留言不能公开".into(),
        ));
    }
    let note = note.trim();
    if !approve && note.is_empty() {
        return Err(invalid("不同意公开时请写明理由"));
    }
    if approve {
        let mut left = Vec::new();
        for t in [&m.public_title, &m.public_question, &m.public_reply] {
            left.extend(remaining_findings(t)?);
        }
        if !left.is_empty() {
            return Err(invalid(format!(
                "公开文本中仍有需遮蔽的内容：{}。请先修改公开文本",
                left.join("、")
            )));
        }
        crate::on_tx!(tx, |c| sqlx::query(
            "UPDATE mailbox_messages SET publication = 'published', reviewed_by = $2, \
             review_note = $3, reviewed_at = $4, published_at = $4 WHERE id = $1"
        )
        .bind(id)
        .bind(&actor.label)
        .bind(note)
        .bind(at)
        .execute(c)
        .await?
        .rows_affected());
    } else {
        crate::on_tx!(tx, |c| sqlx::query(
            "UPDATE mailbox_messages SET publication = 'withheld', reviewed_by = $2, \
             review_note = $3, reviewed_at = $4, published_at = NULL WHERE id = $1"
        )
        .bind(id)
        .bind(&actor.label)
        .bind(note)
        .bind(at)
        .execute(c)
        .await?
        .rows_affected());
    }
    let status = status_of(&m)?;
    record(
        tx,
        actor,
        &m,
        "publish_review",
        status,
        note,
        json!({"approved": approve}),
        at,
    )
    .await
}

/// 撤回公开: takes a published Q&A off the portal (reasons required).
pub async fn withdraw(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    reasons: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    if m.publication != Publication::Published.code() {
        return Err(StoreError::Conflict("此留言未公开".into()));
    }
    if reasons.trim().is_empty() {
        return Err(invalid("撤回公开时请写明理由"));
    }
    set_public(tx, id, Publication::Withheld, None).await?;
    crate::on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET published_at = NULL WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await?
    .rows_affected());
    let status = status_of(&m)?;
    record(
        tx,
        actor,
        &m,
        "publish_withdraw",
        status,
        reasons.trim(),
        json!({}),
        at,
    )
    .await
}

/// A published question and answer (masked texts only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PublicQa {
    pub id: i64,
    pub box_name: String,
    pub topic_code: String,
    pub topic_label: String,
    pub title: String,
    pub question: String,
    pub reply: String,
    pub received_on: String,
    pub replied_on: String,
    pub published_at: i64,
}

const QA_SELECT: &str = "SELECT m.id, b.name AS box_name, m.topic_code, \
    COALESCE(t.label, '') AS topic_label, m.public_title AS title, \
    m.public_question AS question, m.public_reply AS reply, m.received_on, \
    COALESCE(m.replied_on, '') AS replied_on, COALESCE(m.published_at, 0) AS published_at \
    FROM mailbox_messages m JOIN mailbox_boxes b ON b.id = m.box_id \
    LEFT JOIN mailbox_topics t ON t.code = m.topic_code";

/// One page of published Q&A, newest first, optionally of one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QaPage {
    pub entries: Vec<PublicQa>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Published Q&A ([`PUBLIC_CONDITION`]) of the boxes of a site's `scope` (the box's
/// organisation, issue #14), newest first.
pub async fn published(
    db: &Db,
    scope: &crate::sites::Scope,
    topic_code: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<QaPage> {
    let per_page = if per_page <= 0 {
        20
    } else {
        per_page.clamp(1, 100)
    };
    let page = page.max(1);
    let mut args: Vec<Arg> = Vec::new();
    let mut cond = PUBLIC_CONDITION.to_string();
    if let Some(t) = topic_code.filter(|t| !t.is_empty()) {
        args.push(Arg::S(t.to_string()));
        cond.push_str(&format!(" AND m.topic_code = ${}", args.len()));
    }
    cond.push_str(&format!(" AND {}", scope.condition("b.org_id", &mut args)));
    let count_sql = format!(
        "SELECT COUNT(*) FROM mailbox_messages m JOIN mailbox_boxes b ON b.id = m.box_id \
         WHERE {cond}"
    );
    let total: i64 = on_db!(db, |p| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_one(p).await?
    });
    let offset = (page - 1).saturating_mul(per_page);
    let sql = format!(
        "{QA_SELECT} WHERE {cond} ORDER BY m.published_at DESC, m.id DESC \
         LIMIT {per_page} OFFSET {offset}"
    );
    let entries: Vec<PublicQa> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    });
    Ok(QaPage {
        entries,
        total,
        page,
        per_page,
    })
}

/// One published Q&A of a box of a site's `scope`, or `None` when it is not public there
/// ([`PUBLIC_CONDITION`]).
pub async fn published_one(
    db: &Db,
    scope: &crate::sites::Scope,
    id: i64,
) -> Result<Option<PublicQa>> {
    let mut args = vec![Arg::I(id)];
    let in_scope = scope.condition("b.org_id", &mut args);
    let sql = format!("{QA_SELECT} WHERE m.id = $1 AND {PUBLIC_CONDITION} AND {in_scope}");
    Ok(on_db!(db, |p| crate::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
        &args
    )
    .fetch_optional(p)
    .await?))
}
