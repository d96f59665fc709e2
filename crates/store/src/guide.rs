//! The public disclosure column's editable parts (REG §4.4): the 政府信息公开指南 with the fields
//! of 条例 Art. 12 ¶2 ("政府信息的分类、编排体系、获取方式和政府信息公开工作机构的名称、办公地址、
//! 办公时间、联系电话、传真号码、互联网联系方式"), and the 政府信息公开制度 list of rule documents.
//! Both must be kept current (Art. 12 ¶1); every change is audited.

use chrono::NaiveDate;
use gongkai_core::org::OrgId;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// The guide of one organisation (Art. 12 ¶2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Guide {
    pub org_id: i64,
    /// 概述 (why and what the guide is).
    pub intro: String,
    /// 政府信息的分类.
    pub classification: String,
    /// 编排体系.
    pub arrangement: String,
    /// 获取方式 (主动公开 channels and 依申请公开 procedure).
    pub access_methods: String,
    /// 政府信息公开工作机构的名称.
    pub office_name: String,
    /// 办公地址.
    pub address: String,
    /// 办公时间.
    pub office_hours: String,
    /// 联系电话.
    pub phone: String,
    /// 传真号码.
    pub fax: String,
    /// 互联网联系方式 (website, e-mail).
    pub internet: String,
    pub updated_at: i64,
    pub updated_by: String,
}

const GUIDE_COLUMNS: &str = "org_id, intro, classification, arrangement, access_methods, \
    office_name, address, office_hours, phone, fax, internet, updated_at, updated_by";

impl Guide {
    /// The Art. 12 fields that are still empty, by their Chinese names.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("政府信息的分类", &self.classification),
            ("编排体系", &self.arrangement),
            ("获取方式", &self.access_methods),
            ("工作机构名称", &self.office_name),
            ("办公地址", &self.address),
            ("办公时间", &self.office_hours),
            ("联系电话", &self.phone),
            ("传真号码", &self.fax),
            ("互联网联系方式", &self.internet),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| k)
        .collect()
    }
}

/// The guide of `org_id`, if one was written.
pub async fn get(db: &Db, org_id: OrgId) -> Result<Option<Guide>> {
    let sql = format!("SELECT {GUIDE_COLUMNS} FROM disclosure_guides WHERE org_id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(org_id)
    .fetch_optional(p)
    .await?))
}

/// Writes the guide of `guide.org_id` (every Art. 12 field is required: a guide without one of
/// them does not meet Art. 12). Audited with before and after.
pub async fn put(tx: &mut Tx, actor: &Actor, guide: &Guide) -> Result<Guide> {
    let missing = guide.missing();
    if !missing.is_empty() {
        return Err(StoreError::Invalid(format!(
            "政府信息公开指南须包括条例第十二条规定的全部内容，请填写：{}",
            missing.join("、")
        )));
    }
    let sql = format!("SELECT {GUIDE_COLUMNS} FROM disclosure_guides WHERE org_id = $1");
    let before: Option<Guide> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(guide.org_id)
        .fetch_optional(c)
        .await?);
    let sql = format!(
        "INSERT INTO disclosure_guides ({GUIDE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (org_id) DO UPDATE SET intro = $2, classification = $3, arrangement = $4, \
         access_methods = $5, office_name = $6, address = $7, office_hours = $8, phone = $9, \
         fax = $10, internet = $11, updated_at = $12, updated_by = $13 RETURNING {GUIDE_COLUMNS}"
    );
    let t = |s: &String| s.trim().to_string();
    let after: Guide = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(guide.org_id)
        .bind(t(&guide.intro))
        .bind(t(&guide.classification))
        .bind(t(&guide.arrangement))
        .bind(t(&guide.access_methods))
        .bind(t(&guide.office_name))
        .bind(t(&guide.address))
        .bind(t(&guide.office_hours))
        .bind(t(&guide.phone))
        .bind(t(&guide.fax))
        .bind(t(&guide.internet))
        .bind(now_ms())
        .bind(&actor.label)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "guide.put",
            object_type: "disclosure_guide",
            object_id: guide.org_id.to_string(),
            before: before.map(serde_json::to_value).transpose()?,
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}

/// A rule document of the 政府信息公开制度 column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RuleDocument {
    pub id: i64,
    pub title: String,
    /// 文号.
    pub doc_number: String,
    /// 制定机关.
    pub issuer: String,
    /// 发布日期.
    pub issued_on: Option<String>,
    pub summary: String,
    /// Where the full text is (an item page `/items/…` or an official site).
    pub url: String,
    pub sort_order: i64,
    /// Shown on the portal.
    pub active: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The body (a site's top-level organisation, issue #14) whose 制度 column lists it.
    pub org_id: Option<i64>,
}

const RULE_COLUMNS: &str = "id, title, doc_number, issuer, issued_on, summary, url, sort_order, \
    active, created_by, created_at, updated_at, org_id";

/// A rule document to add or change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInput {
    pub title: String,
    pub doc_number: String,
    pub issuer: String,
    pub issued_on: Option<NaiveDate>,
    pub summary: String,
    pub url: String,
    pub sort_order: i64,
    pub active: bool,
}

/// Problems of a rule document, by field (Chinese).
pub fn validate_rule(input: &RuleInput) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let title = input.title.trim();
    if title.is_empty() {
        errors.push(("title", "请填写制度名称".to_string()));
    } else if title.chars().count() > 200 {
        errors.push(("title", "制度名称过长（最多 200 字）".to_string()));
    }
    if input.doc_number.contains('[') || input.doc_number.contains('【') {
        errors.push(("doc_number", "文号的年份请使用六角括号〔〕".to_string()));
    }
    let url = input.url.trim();
    let url_ok = url.is_empty()
        || (url.starts_with('/') && !url.starts_with("//"))
        || url.starts_with("https://")
        || url.starts_with("http://");
    if !url_ok || url.chars().any(char::is_whitespace) {
        errors.push((
            "url",
            "全文链接须为本站路径（以 / 开头）或以 http:// 、https:// 开头的网址".to_string(),
        ));
    }
    if input.summary.chars().count() > 1000 {
        errors.push(("summary", "简介过长（最多 1000 字）".to_string()));
    }
    errors
}

fn first_error(input: &RuleInput) -> Result<()> {
    match validate_rule(input).into_iter().next() {
        Some((_, m)) => Err(StoreError::Invalid(m)),
        None => Ok(()),
    }
}

/// The rule documents of the body `org_id` (a site's top-level organisation), in display
/// order (`active_only` for the portal).
pub async fn rules(db: &Db, org_id: OrgId, active_only: bool) -> Result<Vec<RuleDocument>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM rule_documents WHERE (active = TRUE OR $1 = FALSE) \
         AND org_id = $2 ORDER BY sort_order, id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(active_only)
    .bind(org_id)
    .fetch_all(p)
    .await?))
}

/// One rule document.
pub async fn rule(db: &Db, id: i64) -> Result<Option<RuleDocument>> {
    let sql = format!("SELECT {RULE_COLUMNS} FROM rule_documents WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// Adds a rule document to the 制度 column of the body `org_id`. Audited.
pub async fn add_rule(
    tx: &mut Tx,
    actor: &Actor,
    org_id: OrgId,
    input: &RuleInput,
) -> Result<RuleDocument> {
    first_error(input)?;
    let now = now_ms();
    let sql = format!(
        "INSERT INTO rule_documents (title, doc_number, issuer, issued_on, summary, url, \
         sort_order, active, created_by, created_at, updated_at, org_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING {RULE_COLUMNS}"
    );
    let row: RuleDocument = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(input.title.trim())
        .bind(input.doc_number.trim())
        .bind(input.issuer.trim())
        .bind(input.issued_on.map(|d| d.to_string()))
        .bind(input.summary.trim())
        .bind(input.url.trim())
        .bind(input.sort_order)
        .bind(input.active)
        .bind(&actor.label)
        .bind(now)
        .bind(org_id)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "rule_document.add",
            object_type: "rule_document",
            object_id: row.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row)?),
        },
    )
    .await?;
    Ok(row)
}

/// Changes a rule document (withdrawing one from the portal is `active = false`). Audited.
pub async fn update_rule(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    input: &RuleInput,
) -> Result<RuleDocument> {
    first_error(input)?;
    let sql = format!("SELECT {RULE_COLUMNS} FROM rule_documents WHERE id = $1");
    let before: Option<RuleDocument> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(c)
            .await?);
    let before = before.ok_or_else(|| StoreError::NotFound("该制度文件不存在".into()))?;
    let sql = format!(
        "UPDATE rule_documents SET title = $2, doc_number = $3, issuer = $4, issued_on = $5, \
         summary = $6, url = $7, sort_order = $8, active = $9, updated_at = $10 WHERE id = $1 \
         RETURNING {RULE_COLUMNS}"
    );
    let after: RuleDocument = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(input.title.trim())
        .bind(input.doc_number.trim())
        .bind(input.issuer.trim())
        .bind(input.issued_on.map(|d| d.to_string()))
        .bind(input.summary.trim())
        .bind(input.url.trim())
        .bind(input.sort_order)
        .bind(input.active)
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "rule_document.update",
            object_type: "rule_document",
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}
