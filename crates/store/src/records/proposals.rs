//! A disclosable reply to a 人大代表建议 or 政协提案 becomes a draft information item of the
//! lead unit (issue #12). It is created with `items::create` — the normal draft with its Art. 26
//! clock and scanner — so it goes through 审核 → 保密审查 → 审批 → 发布 like any other item;
//! nothing here publishes.

use chrono::NaiveDate;
use gongkai_core::items::{Capabilities, Disclosure};

use super::{Kind, PROPOSALS, Record};
use crate::audit::Actor;
use crate::items::{self, Content, Item, Metadata};
use crate::{Result, StoreError, Tx};

/// Escapes text for HTML (the reply is plain text).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Why a proposal cannot become an item yet, in Chinese; `None` when it can.
pub fn refusal(rec: &Record) -> Option<&'static str> {
    if rec.item_id.is_some() {
        Some("该答复已转为信息草稿，请在主动公开工作中继续办理")
    } else if rec.text("replied_on").is_empty() || rec.text("reply").trim().is_empty() {
        Some("尚未答复，不能转为信息")
    } else if rec.text("disclosable") != "yes" {
        Some("只有标为“可以公开”的答复才能转为信息")
    } else {
        None
    }
}

/// Creates the draft item of a proposal's reply and links it. `caps` are the caller's item
/// capabilities on the proposal's unit (drafting is needed). Audited by both stores.
pub async fn to_draft_item(
    tx: &mut Tx,
    actor: &Actor,
    rec: &Record,
    caps: Capabilities,
) -> Result<Item> {
    let kind: &Kind = &PROPOSALS;
    if let Some(m) = refusal(rec) {
        return Err(StoreError::Conflict(m.into()));
    }
    let label = kind
        .field("kind")
        .map(|f| f.display(&rec.text("kind")))
        .unwrap_or_default();
    let formed_on = NaiveDate::parse_from_str(&rec.text("replied_on"), "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid("答复日期格式错误".into()))?;
    let reply = rec.text("reply");
    let summary: String = reply.chars().take(100).collect();
    let body_html: String = reply
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", escape(l.trim())))
        .collect();
    let content = Content {
        title: format!(
            "对{label}{}《{}》的答复",
            rec.text("number"),
            rec.text("title")
        ),
        summary,
        body_html,
        keywords: label.clone(),
    };
    let meta = Metadata {
        formed_on,
        signed_on: Some(formed_on),
        publisher_name: String::new(),
        doc_number: String::new(),
        topic_code: String::new(),
        genre_code: "letter".into(),
        catalog_code: "art20-15".into(),
        disclosure: Disclosure::Proactive,
        withhold_ground: String::new(),
        classified: false,
    };
    let item = items::create(tx, actor, rec.org_id, caps, &meta, &content).await?;
    super::set_item(tx, actor, kind, rec.id, item.id).await?;
    Ok(item)
}
