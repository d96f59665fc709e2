//! The document model: one shape for everything search finds, whatever its kind.
//!
//! A kind plugs in with one loader: an async function that reads its rows through
//! `gongkai_store` for a [`Select`] (one id, or a page for a rebuild) and returns [`Doc`]s,
//! named once in [`loader`]'s match and listed in [`SOURCES`] and [`KINDS`]; its state changes
//! write `gongkai_store::search::enqueue(tx, KIND, id)` in their transactions. Today:
//! proactive-disclosure items (interpretations among them, labelled 解读 and filterable as
//! [`INTERPRETATION`]), published mailbox answers and published annual reports (public), and —
//! for staff within scope — mailbox messages and applications.

use gongkai_store::search::{
    self as outbox, AnswerDoc, ApplicationDoc, ItemDoc, MessageDoc, ReportDoc,
};
use gongkai_store::{Db, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A searchable document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doc {
    /// Outbox kind ([`SOURCES`]): with `id` the document's key.
    pub kind: String,
    /// A finer kind it is also filed under and shown as (e.g. [`INTERPRETATION`] for an
    /// item that interprets policy); empty when none.
    #[serde(default)]
    pub subkind: String,
    pub id: i64,
    /// The owning organisation: staff scope is checked against it inside the query.
    pub org_id: i64,
    /// Public apart from the clock: found by everyone once `visible_from` has passed.
    pub public: bool,
    /// Publication time (ms); meaningless when not public.
    pub visible_from: i64,
    /// Sort key of "newest first" (ms).
    pub date: i64,
    /// The date shown (YYYY-MM-DD).
    pub date_label: String,
    pub year: i64,
    /// 公开目录 category code.
    pub category: String,
    /// 主题分类 code.
    pub topic: String,
    /// 体裁 code.
    pub genre: String,
    /// 有效性 code.
    pub validity: String,
    /// Workflow state code (staff results show it).
    pub state: String,
    pub title: String,
    /// Everything else searchable: summary, body, keywords, 文号, 索引号, attachment text.
    pub text: String,
    /// Where the document is read: the portal page for public documents.
    pub url: String,
    /// Where staff open it.
    pub staff_url: String,
    /// 索引号, 文号 and the like, shown under the title.
    pub reference: String,
    pub publisher: String,
}

impl Doc {
    /// The index key: unique over kinds.
    pub fn key(&self) -> String {
        key(&self.kind, self.id)
    }
}

/// The index key of (kind, id).
pub fn key(kind: &str, id: i64) -> String {
    format!("{kind}:{id}")
}

/// The filter kind of items that are interpretations (回应解读, `gongkai_store::interpretations`).
pub const INTERPRETATION: &str = "interpretation";

/// The kinds search knows, with their Chinese names (the 类型 filter and the result label).
pub const KINDS: &[(&str, &str)] = &[
    (outbox::KIND_ITEM, "主动公开信息"),
    (INTERPRETATION, "解读"),
    (outbox::KIND_ANSWER, "留言答复"),
    (outbox::KIND_MESSAGE, "留言办理"),
    (outbox::KIND_APPLICATION, "依申请公开"),
    (outbox::KIND_REPORT, "年度报告"),
];

/// The kind an [`Audience::Staff`](crate::Audience)'s `orgs` (item scope) opens: items,
/// interpretations included (they are filed under both kinds).
pub const ITEM_SCOPE: &str = outbox::KIND_ITEM;

/// Kinds only staff can find (never public, so the portal does not offer them as a filter).
pub const STAFF_ONLY: &[&str] = &[outbox::KIND_MESSAGE, outbox::KIND_APPLICATION];

/// The outbox kinds that have a loader, in rebuild order.
pub const SOURCES: &[&str] = &[
    outbox::KIND_ITEM,
    outbox::KIND_ANSWER,
    outbox::KIND_MESSAGE,
    outbox::KIND_APPLICATION,
    outbox::KIND_REPORT,
];

/// The Chinese name of a kind.
pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or("其他")
}

fn year_of(date: &str) -> i64 {
    date.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(0)
}

/// The text of an item's attachments that have text (content-checked files under `data_dir`).
async fn attachment_text(db: &Db, data_dir: Option<&Path>, item_id: i64) -> Result<String> {
    let Some(dir) = data_dir else {
        return Ok(String::new());
    };
    let list = gongkai_store::attachments::list_for(
        db,
        gongkai_store::attachments::Owner {
            owner_type: outbox::KIND_ITEM,
            owner_id: item_id,
        },
    )
    .await?;
    let mut out = String::new();
    for a in list {
        out.push('\n');
        out.push_str(&a.filename);
        // A file that cannot be read is still found by its name; its text is simply missing.
        if let Ok(x) = gongkai_store::attachments::text_of(dir, &a) {
            out.push('\n');
            out.push_str(&x.text);
        }
    }
    Ok(out)
}

fn item(d: ItemDoc, attachments: String) -> Doc {
    let body = gongkai_core::richtext::to_plain_text(&d.body_html);
    let mut text = String::with_capacity(d.summary.len() + body.len() + attachments.len() + 64);
    for part in [&d.summary, &body, &d.keywords, &d.doc_number] {
        if !part.is_empty() {
            text.push_str(part);
            text.push('\n');
        }
    }
    if let Some(n) = &d.index_no {
        text.push_str(n);
        text.push('\n');
    }
    text.push_str(&attachments);
    let date_label = d
        .published_on
        .clone()
        .unwrap_or_else(|| d.formed_on.clone());
    let mut reference = String::new();
    if let Some(n) = &d.index_no {
        reference.push_str(&format!("索引号：{n}"));
    }
    if !d.doc_number.is_empty() {
        if !reference.is_empty() {
            reference.push('　');
        }
        reference.push_str(&format!("文号：{}", d.doc_number));
    }
    let state = if d.withdrawn {
        "withdrawn".to_string()
    } else {
        d.state.clone()
    };
    Doc {
        kind: outbox::KIND_ITEM.into(),
        subkind: if d.interpretation.is_some() {
            INTERPRETATION.into()
        } else {
            String::new()
        },
        id: d.id,
        org_id: d.org_id,
        public: d.public,
        visible_from: d.published_at.unwrap_or(i64::MAX),
        date: d.published_at.unwrap_or(d.updated_at),
        year: year_of(&date_label),
        date_label,
        category: d.catalog_code,
        topic: d.topic_code,
        genre: d.genre_code,
        validity: d.validity,
        state,
        title: d.title,
        text,
        url: format!("/items/{}", d.id),
        staff_url: format!("/admin/items/{}", d.id),
        reference,
        publisher: d.publisher_name,
    }
}

fn answer(d: AnswerDoc) -> Doc {
    let date_label = if d.replied_on.is_empty() {
        d.received_on.clone()
    } else {
        d.replied_on.clone()
    };
    let mut text = String::with_capacity(d.question.len() + d.reply.len() + 64);
    for part in [&d.question, &d.reply, &d.topic_label] {
        if !part.is_empty() {
            text.push_str(part);
            text.push('\n');
        }
    }
    Doc {
        kind: outbox::KIND_ANSWER.into(),
        subkind: String::new(),
        id: d.id,
        org_id: d.org_id,
        public: true,
        visible_from: d.published_at,
        date: d.published_at,
        year: year_of(&date_label),
        date_label,
        category: String::new(),
        topic: String::new(),
        genre: String::new(),
        validity: String::new(),
        state: "published".into(),
        title: d.title,
        text,
        url: format!("/mailbox/qa/{}", d.id),
        staff_url: format!("/admin/mailbox/{}", d.id),
        reference: if d.topic_label.is_empty() {
            String::new()
        } else {
            format!("留言类别：{}", d.topic_label)
        },
        publisher: d.box_name,
    }
}

fn message(d: MessageDoc) -> Doc {
    let mut text = String::with_capacity(d.content.len() + d.reply.len() + 64);
    for part in [&d.content, &d.reply, &d.topic_label, &d.query_no] {
        if !part.is_empty() {
            text.push_str(part);
            text.push('\n');
        }
    }
    let url = format!("/admin/mailbox/{}", d.id);
    Doc {
        kind: outbox::KIND_MESSAGE.into(),
        subkind: String::new(),
        id: d.id,
        org_id: d.org_id,
        public: false,
        visible_from: i64::MAX,
        date: d.received_at,
        year: year_of(&d.received_on),
        date_label: d.received_on,
        category: String::new(),
        topic: String::new(),
        genre: String::new(),
        validity: String::new(),
        state: d.status,
        title: d.title,
        text,
        url: url.clone(),
        staff_url: url,
        reference: format!("查询码：{}", d.query_no),
        publisher: d.box_name,
    }
}

fn application(d: ApplicationDoc) -> Doc {
    let first: String = d
        .requested
        .first()
        .map(|r| r.chars().take(40).collect())
        .unwrap_or_default();
    let mut text = d.requested.join("\n");
    text.push('\n');
    text.push_str(&d.tracking_no);
    let date_label = d
        .received_on
        .clone()
        .unwrap_or_else(|| d.arrived_on.clone());
    let url = format!("/admin/applications/{}", d.id);
    Doc {
        kind: outbox::KIND_APPLICATION.into(),
        subkind: String::new(),
        id: d.id,
        org_id: d.org_id,
        public: false,
        visible_from: i64::MAX,
        date: d.created_at,
        year: year_of(&date_label),
        date_label,
        category: String::new(),
        topic: String::new(),
        genre: String::new(),
        validity: String::new(),
        state: d.stage,
        title: format!("政府信息公开申请 {}：{first}", d.tracking_no),
        text,
        url: url.clone(),
        staff_url: url,
        reference: format!("受理编号：{}", d.tracking_no),
        publisher: String::new(),
    }
}

/// Which documents a loader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// The document with this id (none when it must not be in the index).
    One(i64),
    /// Documents with id above `after`, by id, at most `limit` (a rebuild pages through them).
    After { after: i64, limit: i64 },
}

async fn items(db: &Db, data_dir: Option<&Path>, sel: Select) -> Result<Vec<Doc>> {
    let rows = match sel {
        Select::One(id) => outbox::item_doc(db, id).await?.into_iter().collect(),
        Select::After { after, limit } => outbox::item_docs_after(db, after, limit).await?,
    };
    let mut out = Vec::with_capacity(rows.len());
    for d in rows {
        let att = attachment_text(db, data_dir, d.id).await?;
        out.push(item(d, att));
    }
    Ok(out)
}

async fn answers(db: &Db, sel: Select) -> Result<Vec<Doc>> {
    let rows = match sel {
        Select::One(id) => outbox::answer_doc(db, id).await?.into_iter().collect(),
        Select::After { after, limit } => outbox::answer_docs_after(db, after, limit).await?,
    };
    Ok(rows.into_iter().map(answer).collect())
}

async fn messages(db: &Db, sel: Select) -> Result<Vec<Doc>> {
    let rows = match sel {
        Select::One(id) => outbox::message_doc(db, id).await?.into_iter().collect(),
        Select::After { after, limit } => outbox::message_docs_after(db, after, limit).await?,
    };
    Ok(rows.into_iter().map(message).collect())
}

async fn applications(db: &Db, sel: Select) -> Result<Vec<Doc>> {
    let rows = match sel {
        Select::One(id) => outbox::application_doc(db, id).await?.into_iter().collect(),
        Select::After { after, limit } => outbox::application_docs_after(db, after, limit).await?,
    };
    Ok(rows.into_iter().map(application).collect())
}

/// Every string in a JSON value (the narrative sections), one per line.
fn json_text(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(t) if !t.trim().is_empty() => {
            out.push_str(t);
            out.push('\n');
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_text(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_text(x, out)),
        _ => {}
    }
}

fn report(d: ReportDoc) -> Doc {
    let mut text = String::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&d.narrative_json) {
        json_text(&v, &mut text);
    }
    let scope = if d.rollup { "（汇总）" } else { "" };
    let title = format!("{}{}年政府信息公开工作年度报告{scope}", d.org_name, d.year);
    let mut url = format!("/reports/{}?org={}", d.year, d.org_code);
    if d.rollup {
        url.push_str("&scope=all");
    }
    Doc {
        kind: outbox::KIND_REPORT.into(),
        subkind: String::new(),
        id: d.id,
        org_id: d.org_id,
        public: true,
        visible_from: d.published_at,
        date: d.published_at,
        year: d.year,
        date_label: format!("{}年度", d.year),
        category: String::new(),
        topic: String::new(),
        genre: String::new(),
        validity: String::new(),
        state: "published".into(),
        title,
        text,
        url,
        staff_url: format!("/admin/reports/{}", d.id),
        reference: String::new(),
        publisher: d.org_name,
    }
}

async fn reports(db: &Db, sel: Select) -> Result<Vec<Doc>> {
    let rows = match sel {
        Select::One(id) => outbox::report_doc(db, id).await?.into_iter().collect(),
        Select::After { after, limit } => outbox::report_docs_after(db, after, limit).await?,
    };
    Ok(rows.into_iter().map(report).collect())
}

/// The loader of `kind`: the one place a new kind is plugged in.
pub async fn loader(db: &Db, data_dir: Option<&Path>, kind: &str, sel: Select) -> Result<Vec<Doc>> {
    match kind {
        outbox::KIND_ITEM => items(db, data_dir, sel).await,
        outbox::KIND_ANSWER => answers(db, sel).await,
        outbox::KIND_MESSAGE => messages(db, sel).await,
        outbox::KIND_APPLICATION => applications(db, sel).await,
        outbox::KIND_REPORT => reports(db, sel).await,
        _ => Ok(Vec::new()),
    }
}

/// The current state of document (kind, id), or `None` when it must not be in the index.
pub async fn load(db: &Db, data_dir: Option<&Path>, kind: &str, id: i64) -> Result<Option<Doc>> {
    Ok(loader(db, data_dir, kind, Select::One(id)).await?.pop())
}

/// Documents of `kind` with id above `after`, by id, at most `limit` (for a rebuild).
pub async fn load_page(
    db: &Db,
    data_dir: Option<&Path>,
    kind: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Doc>> {
    loader(db, data_dir, kind, Select::After { after, limit }).await
}

/// How many documents a rebuild will load (its progress bar's total).
pub async fn count(db: &Db) -> Result<i64> {
    let mut n = 0;
    for kind in SOURCES {
        n += outbox::kind_count(db, kind).await?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A published report is a public document of its year, found by its narrative, with the
    /// portal address of the organisation's (or the rollup) report.
    #[test]
    fn report_documents_carry_the_narrative_and_the_portal_address() {
        let d = report(ReportDoc {
            id: 4,
            org_id: 1,
            org_code: "ccdpf".into(),
            org_name: "长春市残疾人联合会".into(),
            year: 2019,
            rollup: true,
            narrative_json: r#"{"intro":"本报告由长春市残联编制。","overview":["全年主动公开信息1482条","","","",""],"section5":"存在的主要问题"}"#.into(),
            published_at: 1_577_836_800_000,
        });
        assert_eq!(d.kind, outbox::KIND_REPORT);
        assert!(d.public);
        assert_eq!(d.year, 2019);
        assert_eq!(d.url, "/reports/2019?org=ccdpf&scope=all");
        assert_eq!(
            d.title,
            "长春市残疾人联合会2019年政府信息公开工作年度报告（汇总）"
        );
        for s in [
            "本报告由长春市残联编制。",
            "全年主动公开信息1482条",
            "存在的主要问题",
        ] {
            assert!(d.text.contains(s), "{s} in {}", d.text);
        }
        assert_eq!(kind_label(outbox::KIND_REPORT), "年度报告");
        assert!(SOURCES.contains(&outbox::KIND_REPORT));
        assert!(!STAFF_ONLY.contains(&outbox::KIND_REPORT));
    }
}
