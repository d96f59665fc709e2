//! The administrative review and litigation register (product.md C9, REG §1.7, §2.6): cases
//! against disclosure decisions — 行政复议, 行政诉讼 directly or after review — with dates and
//! the result (维持, 纠正, 其他, 尚未审结). It feeds table 4 ([`table4_cases`]).

use chrono::NaiveDate;
use gongkai_core::applications::table3::{CaseKind, CaseResult};
use gongkai_core::org::OrgId;
use serde::Serialize;
use serde_json::json;

use super::invalid;
use crate::audit::{self, Actor, Change};
use crate::items::catalog::{Arg, expand_scopes, in_list};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub org_id: i64,
    pub application_id: Option<i64>,
    /// A [`CaseKind`] code.
    pub kind: String,
    pub case_no: String,
    /// 复议机关 or 法院.
    pub body_name: String,
    pub filed_on: String,
    /// A [`CaseResult`] code.
    pub result: String,
    pub concluded_on: Option<String>,
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Case {
    pub fn kind_label(&self) -> &'static str {
        CaseKind::from_code(&self.kind).map_or("未知", CaseKind::label)
    }
    pub fn result_label(&self) -> &'static str {
        CaseResult::from_code(&self.result).map_or("未知", CaseResult::label)
    }
}

const COLUMNS: &str = "id, org_id, application_id, kind, case_no, body_name, filed_on, result, \
    concluded_on, note, created_by, created_at, updated_at";

/// A case as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInput {
    pub org_id: OrgId,
    pub application_id: Option<i64>,
    pub kind: CaseKind,
    pub case_no: String,
    pub body_name: String,
    pub filed_on: NaiveDate,
    pub result: CaseResult,
    pub concluded_on: Option<NaiveDate>,
    pub note: String,
}

fn check(c: &CaseInput, today: NaiveDate) -> Result<()> {
    if c.filed_on > today {
        return Err(invalid("立案（申请）日期不能晚于今天"));
    }
    match (c.result, c.concluded_on) {
        (CaseResult::Pending, Some(_)) => {
            return Err(invalid("尚未审结的案件不应填写审结日期"));
        }
        (r, None) if r != CaseResult::Pending => {
            return Err(invalid("请填写审结日期"));
        }
        (_, Some(d)) if d < c.filed_on || d > today => {
            return Err(invalid("审结日期应在立案日期与今天之间"));
        }
        _ => {}
    }
    if c.case_no.chars().count() > 100
        || c.body_name.chars().count() > 200
        || c.note.chars().count() > 2000
    {
        return Err(invalid("案号、机关名称或备注过长"));
    }
    Ok(())
}

async fn check_application(tx: &mut Tx, c: &CaseInput) -> Result<()> {
    if let Some(a) = c.application_id {
        let org: Option<i64> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT org_id FROM applications WHERE id = $1"
        )
        .bind(a)
        .fetch_optional(conn)
        .await?);
        match org {
            None => return Err(invalid("关联的申请不存在")),
            Some(o) if o != c.org_id => {
                return Err(invalid("关联的申请不属于该机关"));
            }
            _ => {}
        }
    }
    Ok(())
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Case> {
    let sql = format!("SELECT {COLUMNS} FROM appeal_cases WHERE id = $1");
    let c: Option<Case> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(conn)
        .await?);
    c.ok_or_else(|| StoreError::NotFound("案件不存在".into()))
}

/// Registers a case. Audited (`appeal_case.create`).
pub async fn create(tx: &mut Tx, actor: &Actor, c: &CaseInput, today: NaiveDate) -> Result<Case> {
    check(c, today)?;
    check_application(tx, c).await?;
    let now = now_ms();
    let sql = format!(
        "INSERT INTO appeal_cases (org_id, application_id, kind, case_no, body_name, filed_on, \
         result, concluded_on, note, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING {COLUMNS}"
    );
    let row: Case = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(c.org_id)
        .bind(c.application_id)
        .bind(c.kind.code())
        .bind(c.case_no.trim())
        .bind(c.body_name.trim())
        .bind(c.filed_on.to_string())
        .bind(c.result.code())
        .bind(c.concluded_on.map(|d| d.to_string()))
        .bind(c.note.trim())
        .bind(&actor.label)
        .bind(now)
        .fetch_one(conn)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "appeal_case.create",
            object_type: "appeal_case",
            object_id: row.id.to_string(),
            before: None,
            after: Some(json!(row)),
        },
    )
    .await?;
    Ok(row)
}

/// Records the result (or corrects the entry). Audited (`appeal_case.update`).
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    c: &CaseInput,
    today: NaiveDate,
) -> Result<Case> {
    let before = get_tx(tx, id).await?;
    if before.org_id != c.org_id {
        return Err(invalid("不能更改案件所属机关"));
    }
    check(c, today)?;
    check_application(tx, c).await?;
    let sql = format!(
        "UPDATE appeal_cases SET application_id = $2, kind = $3, case_no = $4, body_name = $5, \
         filed_on = $6, result = $7, concluded_on = $8, note = $9, updated_at = $10 \
         WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row: Case = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(c.application_id)
        .bind(c.kind.code())
        .bind(c.case_no.trim())
        .bind(c.body_name.trim())
        .bind(c.filed_on.to_string())
        .bind(c.result.code())
        .bind(c.concluded_on.map(|d| d.to_string()))
        .bind(c.note.trim())
        .bind(now_ms())
        .fetch_one(conn)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "appeal_case.update",
            object_type: "appeal_case",
            object_id: row.id.to_string(),
            before: Some(json!(before)),
            after: Some(json!(row)),
        },
    )
    .await?;
    Ok(row)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Case>> {
    let sql = format!("SELECT {COLUMNS} FROM appeal_cases WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// Cases of organisations inside `scopes` (scope in the query), optionally one filing year,
/// newest first.
pub async fn list(db: &Db, scopes: &[OrgId], year: Option<i32>) -> Result<Vec<Case>> {
    let ids = expand_scopes(db, scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let mut conds = vec![in_list("org_id", &ids, &mut args)];
    if let Some(y) = year {
        args.push(Arg::S(format!("{y}-01-01")));
        let a = args.len();
        args.push(Arg::S(format!("{y}-12-31")));
        conds.push(format!("filed_on >= ${a} AND filed_on <= ${}", args.len()));
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM appeal_cases WHERE {} ORDER BY filed_on DESC, id DESC",
        conds.join(" AND ")
    );
    Ok(on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    }))
}

/// Table-4 input of `year` for `org`'s subtree (REG §2.6): every case filed in the year, with its
/// result as of now (尚未审结 when pending). Count with `table3::Table4::count`.
pub async fn table4_cases(db: &Db, org: OrgId, year: i32) -> Result<Vec<(CaseKind, CaseResult)>> {
    Ok(list(db, &[org], Some(year))
        .await?
        .into_iter()
        .filter_map(|c| {
            Some((
                CaseKind::from_code(&c.kind)?,
                CaseResult::from_code(&c.result)?,
            ))
        })
        .collect())
}
