//! Boxes (信箱/栏目) and the topic vocabulary, defined by administrators (issue #7).
//!
//! A box belongs to an organisation (whose office handles it and whose calendar counts its
//! deadlines), says whether the writer's name is required, sets the reply period in working
//! days (REG §4.5: no statutory period, so configurable) and whether replies are published by
//! default (still only with the writer's consent and after review).

use gongkai_core::mailbox::MAX_REPLY_WORKDAYS;
use gongkai_core::org::OrgId;
use serde::Serialize;
use serde_json::json;

use super::invalid;
use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// A box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MailBox {
    pub id: i64,
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub intro: String,
    pub name_required: bool,
    pub reply_workdays: i64,
    pub publish_by_default: bool,
    pub active: bool,
    pub sort_order: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const BOX_COLUMNS: &str = "id, org_id, code, name, intro, name_required, reply_workdays, \
    publish_by_default, active, sort_order, created_at, updated_at";

/// A new or edited box.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoxInput {
    pub org_id: OrgId,
    pub code: String,
    pub name: String,
    pub intro: String,
    pub name_required: bool,
    pub reply_workdays: i64,
    pub publish_by_default: bool,
    pub active: bool,
    pub sort_order: i64,
}

/// Field errors of a box, in Chinese (field name, message).
pub fn validate_box(b: &BoxInput) -> Vec<(&'static str, String)> {
    let mut e = Vec::new();
    let code = b.code.trim();
    if code.is_empty() {
        e.push(("code", "请填写信箱代码".to_string()));
    } else if code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        e.push((
            "code",
            "信箱代码为 1–32 位字母、数字、连字符或下划线".to_string(),
        ));
    }
    let name = b.name.trim();
    if name.is_empty() {
        e.push(("name", "请填写信箱名称".to_string()));
    } else if name.chars().count() > 50 {
        e.push(("name", "信箱名称过长（最多 50 字）".to_string()));
    }
    if b.intro.chars().count() > 1000 {
        e.push(("intro", "说明过长（最多 1000 字）".to_string()));
    }
    if !(1..=i64::from(MAX_REPLY_WORKDAYS)).contains(&b.reply_workdays) {
        e.push((
            "reply_workdays",
            format!("答复期限须为 1–{MAX_REPLY_WORKDAYS} 个工作日"),
        ));
    }
    e
}

fn box_view(b: &MailBox) -> serde_json::Value {
    serde_json::to_value(b).unwrap_or_default()
}

fn taken(e: StoreError) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict("该信箱代码已被使用，请换一个".into())
    } else {
        e
    }
}

/// Creates a box. Audited (`mailbox.box_create`).
pub async fn create_box(tx: &mut Tx, actor: &Actor, b: &BoxInput) -> Result<MailBox> {
    if let Some((_, msg)) = validate_box(b).into_iter().next() {
        return Err(invalid(msg));
    }
    let now = now_ms();
    let sql = format!(
        "INSERT INTO mailbox_boxes (org_id, code, name, intro, name_required, reply_workdays, \
         publish_by_default, active, sort_order, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {BOX_COLUMNS}"
    );
    let row: std::result::Result<MailBox, sqlx::Error> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(b.org_id)
            .bind(b.code.trim())
            .bind(b.name.trim())
            .bind(b.intro.trim())
            .bind(b.name_required)
            .bind(b.reply_workdays)
            .bind(b.publish_by_default)
            .bind(b.active)
            .bind(b.sort_order)
            .bind(now)
            .fetch_one(c)
            .await);
    let row = row.map_err(|e| taken(e.into()))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "mailbox.box_create",
            object_type: "mailbox_box",
            object_id: row.id.to_string(),
            before: None,
            after: Some(box_view(&row)),
        },
    )
    .await?;
    Ok(row)
}

/// Edits a box. Audited (`mailbox.box_update`). Open messages keep their running clocks (a new
/// period applies to messages received afterwards).
pub async fn update_box(tx: &mut Tx, actor: &Actor, id: i64, b: &BoxInput) -> Result<MailBox> {
    if let Some((_, msg)) = validate_box(b).into_iter().next() {
        return Err(invalid(msg));
    }
    let before = get_box_tx(tx, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("信箱不存在".into()))?;
    let sql = format!(
        "UPDATE mailbox_boxes SET org_id = $2, code = $3, name = $4, intro = $5, \
         name_required = $6, reply_workdays = $7, publish_by_default = $8, active = $9, \
         sort_order = $10, updated_at = $11 WHERE id = $1 RETURNING {BOX_COLUMNS}"
    );
    let row: std::result::Result<MailBox, sqlx::Error> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .bind(b.org_id)
            .bind(b.code.trim())
            .bind(b.name.trim())
            .bind(b.intro.trim())
            .bind(b.name_required)
            .bind(b.reply_workdays)
            .bind(b.publish_by_default)
            .bind(b.active)
            .bind(b.sort_order)
            .bind(now_ms())
            .fetch_one(c)
            .await);
    let row = row.map_err(|e| taken(e.into()))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "mailbox.box_update",
            object_type: "mailbox_box",
            object_id: row.id.to_string(),
            before: Some(box_view(&before)),
            after: Some(box_view(&row)),
        },
    )
    .await?;
    Ok(row)
}

pub(crate) async fn get_box_tx(tx: &mut Tx, id: i64) -> Result<Option<MailBox>> {
    let sql = format!("SELECT {BOX_COLUMNS} FROM mailbox_boxes WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(c)
    .await?))
}

/// One box.
pub async fn get_box(db: &Db, id: i64) -> Result<Option<MailBox>> {
    let sql = format!("SELECT {BOX_COLUMNS} FROM mailbox_boxes WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// Every box (active or not), in display order.
pub async fn list_boxes(db: &Db) -> Result<Vec<MailBox>> {
    let sql = format!("SELECT {BOX_COLUMNS} FROM mailbox_boxes ORDER BY sort_order, id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .fetch_all(p)
    .await?))
}

/// A topic of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Topic {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub sort_order: i64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The default topics (issue #7), seeded when the vocabulary is empty.
pub const DEFAULT_TOPICS: &[(&str, &str)] = &[
    ("certificate", "残疾人证办理"),
    ("benefits", "优惠政策"),
    ("rehabilitation", "康复"),
    ("employment", "就业"),
    ("education", "教育"),
    ("accessibility", "无障碍"),
    ("other", "其他"),
];

/// Field errors of a topic.
pub fn validate_topic(code: &str, label: &str) -> Vec<(&'static str, String)> {
    let mut e = Vec::new();
    let code = code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        e.push((
            "code",
            "主题代码为 1–32 位字母、数字、连字符或下划线".to_string(),
        ));
    }
    let label = label.trim();
    if label.is_empty() {
        e.push(("label", "请填写主题名称".to_string()));
    } else if label.chars().count() > 30 {
        e.push(("label", "主题名称过长（最多 30 字）".to_string()));
    }
    e
}

/// Creates or updates the topic `code`. Audited (`mailbox.topic_put`).
pub async fn put_topic(
    tx: &mut Tx,
    actor: &Actor,
    code: &str,
    label: &str,
    sort_order: i64,
    active: bool,
) -> Result<Topic> {
    if let Some((_, msg)) = validate_topic(code, label).into_iter().next() {
        return Err(invalid(msg));
    }
    let now = now_ms();
    let row: Topic = on_tx!(tx, |c| sqlx::query_as(
        "INSERT INTO mailbox_topics (code, label, sort_order, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (code) DO UPDATE SET label = $2, \
         sort_order = $3, active = $4, updated_at = $5 \
         RETURNING id, code, label, sort_order, active, created_at, updated_at"
    )
    .bind(code.trim())
    .bind(label.trim())
    .bind(sort_order)
    .bind(active)
    .bind(now)
    .fetch_one(c)
    .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "mailbox.topic_put",
            object_type: "mailbox_topic",
            object_id: row.id.to_string(),
            before: None,
            after: Some(json!({"code": row.code, "label": row.label, "active": row.active})),
        },
    )
    .await?;
    Ok(row)
}

/// Every topic, in display order.
pub async fn list_topics(db: &Db) -> Result<Vec<Topic>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, label, sort_order, active, created_at, updated_at FROM mailbox_topics \
         ORDER BY sort_order, id"
    )
    .fetch_all(p)
    .await?))
}

pub(crate) async fn topic_label_tx(tx: &mut Tx, code: &str) -> Result<Option<(String, bool)>> {
    let row: Option<(String, bool)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT label, active FROM mailbox_topics WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(c)
    .await?);
    Ok(row)
}

/// Seeds [`DEFAULT_TOPICS`] when there is no topic yet (idempotent; `serve` calls it at start-up).
pub async fn seed_default_topics(db: &Db) -> Result<()> {
    if !list_topics(db).await?.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for (i, (code, label)) in DEFAULT_TOPICS.iter().enumerate() {
        let order = i64::try_from(i).unwrap_or(0) * 10;
        put_topic(&mut tx, &Actor::system(), code, label, order, true).await?;
    }
    tx.commit().await
}
