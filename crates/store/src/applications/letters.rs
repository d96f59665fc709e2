//! Letters to the applicant (告知书): composed from editable templates, one per letter kind, and
//! for replies one per decision basis, citing the articles of the basis and the right remedy
//! (REG §1.7: review first for 不予公开 from 2024-01-01, core's `remedy`). Stored as text (HTML
//! rendering escapes it); sending is recorded per channel.
//!
//! Template placeholders: `{申请人}`, `{受理编号}`, `{收到日期}`, `{事项}`, `{依据}`, `{理由}`,
//! `{救济}`, `{机关}`, `{日期}`.

use chrono::NaiveDate;
use gongkai_core::applications::{Basis, Outcome, remedy};
use serde::Serialize;
use serde_json::json;

use super::{AppItem, Application, OBJECT_TYPE, invalid};
use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

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
}

const COLUMNS: &str = "id, application_id, kind, title, body, created_by, created_at, sent_via, \
    sent_on, sent_to";

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

/// Saves a letter. Audited (`application.letter`), with `review`: what the pre-send check of
/// the text found and how the drafter dealt with it (e.g. "扫描未发现个人信息或密级标志").
pub async fn save(
    tx: &mut Tx,
    actor: &Actor,
    application_id: i64,
    kind: &str,
    title: &str,
    body: &str,
    review: &str,
) -> Result<Letter> {
    if !matches!(
        kind,
        "reply" | "correction" | "extension" | "fee" | "consultation"
    ) {
        return Err(invalid("告知书种类无效"));
    }
    if title.trim().is_empty() || body.trim().is_empty() || body.chars().count() > 20_000 {
        return Err(invalid("告知书标题和正文不能为空，正文最多20000字"));
    }
    let sql = format!(
        "INSERT INTO application_letters (application_id, kind, title, body, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    let letter: Letter = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(application_id)
        .bind(kind)
        .bind(title.trim())
        .bind(body.trim())
        .bind(&actor.label)
        .bind(now_ms())
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
                "review": review }),
            ),
        },
    )
    .await?;
    Ok(letter)
}

/// Records that a letter was sent. Audited (`application.letter_sent`).
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
