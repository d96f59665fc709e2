//! Organisations: the tree of the body and its units (product.md C1).

use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use gongkai_core::org::{OrgKind, OrgTree};
use serde::{Deserialize, Serialize};

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Org {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub code: String,
    pub full_name: String,
    pub short_name: String,
    pub sort_order: i64,
    pub address: String,
    pub postcode: String,
    pub phone: String,
    pub fax: String,
    pub email: String,
    pub website: String,
    pub office_hours: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Org {
    pub fn kind(&self) -> Option<OrgKind> {
        OrgKind::from_code(&self.kind)
    }

    pub fn kind_label(&self) -> &'static str {
        self.kind().map(OrgKind::label).unwrap_or("未知类型")
    }
}

/// Fields of a new or edited organisation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrgInput {
    pub parent_id: Option<i64>,
    pub kind: String,
    pub code: String,
    pub full_name: String,
    pub short_name: String,
    pub sort_order: i64,
    pub address: String,
    pub postcode: String,
    pub phone: String,
    pub fax: String,
    pub email: String,
    pub website: String,
    pub office_hours: String,
}

const COLUMNS: &str = "id, parent_id, kind, code, full_name, short_name, sort_order, address, \
    postcode, phone, fax, email, website, office_hours, created_at, updated_at";

/// Field-level validation problems, keyed by field name, in Chinese.
pub fn validate(input: &OrgInput) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if OrgKind::from_code(&input.kind).is_none() {
        errors.push(("kind", "请选择机构类型".to_string()));
    }
    let code_ok = !input.code.is_empty()
        && input.code.len() <= 32
        && input
            .code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !code_ok {
        errors.push((
            "code",
            "机构代码须为 1–32 位字母、数字、连字符或下划线（用于索引号）".to_string(),
        ));
    }
    if input.full_name.trim().is_empty() {
        errors.push(("full_name", "请填写机构全称".to_string()));
    }
    if input.short_name.trim().is_empty() {
        errors.push(("short_name", "请填写机构简称".to_string()));
    }
    errors
}

/// A unique violation on `orgs.code` as the Chinese conflict a person can act on.
fn code_taken(e: sqlx::Error, input: &OrgInput) -> StoreError {
    match StoreError::from(e) {
        e if e.is_unique_violation() => {
            StoreError::Conflict(format!("机构代码 {} 已被使用", input.code.trim()))
        }
        e => e,
    }
}

fn first_error(input: &OrgInput) -> Result<()> {
    match validate(input).into_iter().next() {
        Some((_, msg)) => Err(StoreError::Invalid(msg)),
        None => Ok(()),
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Org>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM orgs WHERE id = $1"));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Org>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM orgs WHERE code = $1"));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(code)
        .fetch_optional(p)
        .await?))
}

/// Every organisation, in display order.
pub async fn list(db: &Db) -> Result<Vec<Org>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orgs ORDER BY sort_order, id"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await?))
}

/// The parent relation of every organisation. On a platform of several sites (any `sites`
/// row, issue #14) the tree knows the platform root — the deployment's own body, [`root`] — so
/// only grants there reach deployment-wide data (`OrgTree::deployment_roots`).
pub async fn tree(db: &Db) -> Result<OrgTree> {
    let rows: Vec<(i64, Option<i64>, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, parent_id, sort_order FROM orgs"
    )
    .fetch_all(p)
    .await?);
    let platform = if crate::sites::any(db).await? {
        rows.iter()
            .filter(|(_, parent, _)| parent.is_none())
            .min_by_key(|(id, _, order)| (*order, *id))
            .map(|(id, _, _)| *id)
    } else {
        None
    };
    Ok(OrgTree::new(rows.into_iter().map(|(id, parent, _)| (id, parent))).with_platform(platform))
}

/// The root organisation (the body itself), if any.
pub async fn root(db: &Db) -> Result<Option<Org>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orgs WHERE parent_id IS NULL ORDER BY sort_order, id LIMIT 1"
    ));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .fetch_optional(p)
        .await?))
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Org>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM orgs WHERE id = $1"));
    Ok(on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(c)
        .await?))
}

/// Creates an organisation. Audited.
pub async fn create(tx: &mut Tx, actor: &Actor, input: &OrgInput) -> Result<Org> {
    first_error(input)?;
    if let Some(parent) = input.parent_id
        && get_tx(tx, parent).await?.is_none()
    {
        return Err(StoreError::Invalid("上级机构不存在".into()));
    }
    let now = now_ms();
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO orgs (parent_id, kind, code, full_name, short_name, sort_order, address, \
         postcode, phone, fax, email, website, office_hours, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING {COLUMNS}"
    ));
    let result: std::result::Result<Org, sqlx::Error> = on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(input.parent_id)
        .bind(&input.kind)
        .bind(input.code.trim())
        .bind(input.full_name.trim())
        .bind(input.short_name.trim())
        .bind(input.sort_order)
        .bind(&input.address)
        .bind(&input.postcode)
        .bind(&input.phone)
        .bind(&input.fax)
        .bind(&input.email)
        .bind(&input.website)
        .bind(&input.office_hours)
        .bind(now)
        .fetch_one(c)
        .await);
    let org = result.map_err(|e| code_taken(e, input))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "org.create",
            object_type: "org",
            object_id: org.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&org)?),
        },
    )
    .await?;
    Ok(org)
}

/// Updates an organisation. Refuses to make the tree cyclic. Audited with before and after.
pub async fn update(tx: &mut Tx, actor: &Actor, id: i64, input: &OrgInput) -> Result<Org> {
    first_error(input)?;
    let before = get_tx(tx, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("机构不存在".into()))?;
    if let Some(parent) = input.parent_id {
        // A site's body stays at the top of the tree (issue #14): its site would otherwise
        // swallow, or be swallowed by, another one.
        let site: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT name FROM sites WHERE root_org_id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await?);
        if let Some(name) = site {
            return Err(StoreError::Invalid(format!(
                "该机构是站点“{name}”的本级机构，不能设置上级机构"
            )));
        }
        let pairs: Vec<(i64, Option<i64>)> =
            on_tx!(tx, |c| sqlx::query_as("SELECT id, parent_id FROM orgs")
                .fetch_all(c)
                .await?);
        let tree = OrgTree::new(pairs);
        if !tree.contains(parent) {
            return Err(StoreError::Invalid("上级机构不存在".into()));
        }
        if tree.would_cycle(id, parent) {
            return Err(StoreError::Invalid(
                "不能把机构移到它自己或它的下级机构之下".into(),
            ));
        }
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE orgs SET parent_id = $2, kind = $3, code = $4, full_name = $5, short_name = $6, \
         sort_order = $7, address = $8, postcode = $9, phone = $10, fax = $11, email = $12, \
         website = $13, office_hours = $14, updated_at = $15 WHERE id = $1 RETURNING {COLUMNS}"
    ));
    let result: std::result::Result<Org, sqlx::Error> = on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .bind(input.parent_id)
        .bind(&input.kind)
        .bind(input.code.trim())
        .bind(input.full_name.trim())
        .bind(input.short_name.trim())
        .bind(input.sort_order)
        .bind(&input.address)
        .bind(&input.postcode)
        .bind(&input.phone)
        .bind(&input.fax)
        .bind(&input.email)
        .bind(&input.website)
        .bind(&input.office_hours)
        .bind(now_ms())
        .fetch_one(c)
        .await);
    let after = result.map_err(|e| code_taken(e, input))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "org.update",
            object_type: "org",
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}
