//! The document model: one shape for everything search finds, whatever its kind.
//!
//! A kind plugs in with one loader ([`load`] for one document, [`load_page`] for a rebuild),
//! reading its rows through `gongkai_store` and returning [`Doc`]s. Today: proactive-disclosure
//! items. Mailbox replies, applications, annual reports and interpretations add an arm each
//! (and write `gongkai_store::search::enqueue(tx, KIND, id)` in their state changes).

use gongkai_store::search::{self as outbox, ItemDoc};
use gongkai_store::{Db, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A searchable document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doc {
    /// [`KINDS`] code.
    pub kind: String,
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

/// The kinds search knows, with their Chinese names (the portal's 类型 filter).
pub const KINDS: &[(&str, &str)] = &[(outbox::KIND_ITEM, "主动公开信息")];

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

/// The current state of document (kind, id), or `None` when it must not be in the index.
pub async fn load(db: &Db, data_dir: Option<&Path>, kind: &str, id: i64) -> Result<Option<Doc>> {
    match kind {
        outbox::KIND_ITEM => match outbox::item_doc(db, id).await? {
            Some(d) => {
                let att = attachment_text(db, data_dir, d.id).await?;
                Ok(Some(item(d, att)))
            }
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// Documents of `kind` with id above `after`, by id, at most `limit` (for a rebuild).
pub async fn load_page(
    db: &Db,
    data_dir: Option<&Path>,
    kind: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Doc>> {
    match kind {
        outbox::KIND_ITEM => {
            let rows = outbox::item_docs_after(db, after, limit).await?;
            let mut out = Vec::with_capacity(rows.len());
            for d in rows {
                let att = attachment_text(db, data_dir, d.id).await?;
                out.push(item(d, att));
            }
            Ok(out)
        }
        _ => Ok(Vec::new()),
    }
}

/// How many documents a rebuild will load (its progress bar's total).
pub async fn count(db: &Db) -> Result<i64> {
    outbox::item_count(db).await
}
