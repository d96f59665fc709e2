//! Administrator data around items: the editable vocabularies (seeded idempotently with core's
//! defaults), the 索引号 template per organisation (REG §4.3), and the 保密承诺书 register
//! (product.md C3: who, role, date signed, document reference).

use chrono::NaiveDate;
use gongkai_core::items::{DEFAULT_TEMPLATE, Template, VocabKind, vocab};
use gongkai_core::org::OrgId;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::catalog::{Arg, expand_scopes, in_list};
use super::invalid;
use crate::audit::{self, Actor, Change};
use crate::{Db, Result, Tx, now_ms, on_db, on_tx};

/// A vocabulary entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VocabEntry {
    pub id: i64,
    pub kind: String,
    pub code: String,
    pub label: String,
    pub group_label: String,
    pub sort_order: i64,
    pub active: bool,
    /// Shipped default (an administrator may relabel or deactivate it, not delete it).
    pub builtin: bool,
    pub updated_at: i64,
}

const VOCAB_COLUMNS: &str =
    "id, kind, code, label, group_label, sort_order, active, builtin, updated_at";

/// Inserts every default entry that is missing (never overwrites an administrator's change).
/// Idempotent; returns how many rows were added. Run at start-up.
pub async fn seed_defaults(db: &Db) -> Result<u64> {
    let mut tx = db.begin().await?;
    let now = now_ms();
    let mut added = 0;
    for (i, e) in vocab::defaults().into_iter().enumerate() {
        added += on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO item_vocab (kind, code, label, group_label, sort_order, active, builtin, \
             updated_at) VALUES ($1, $2, $3, $4, $5, TRUE, TRUE, $6) \
             ON CONFLICT (kind, code) DO NOTHING"
        )
        .bind(e.kind.code())
        .bind(e.code)
        .bind(e.label)
        .bind(e.group)
        .bind(i64::try_from(i).unwrap_or(0) * 10)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
        });
    }
    if added > 0 {
        audit::append(
            &mut tx,
            &Actor::system(),
            Change {
                action: "item_vocab.seed",
                object_type: "item_vocab",
                object_id: String::new(),
                before: None,
                after: Some(json!({ "added": added })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(added)
}

/// Entries of one vocabulary in display order (`active_only` for forms and the portal).
pub async fn vocab_list(db: &Db, kind: VocabKind, active_only: bool) -> Result<Vec<VocabEntry>> {
    let sql = format!(
        "SELECT {VOCAB_COLUMNS} FROM item_vocab WHERE kind = $1 AND (active = TRUE OR $2 = FALSE) \
         ORDER BY sort_order, id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(kind.code())
    .bind(active_only)
    .fetch_all(p)
    .await?))
}

/// An entry to add or change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabInput {
    pub kind: VocabKind,
    pub code: String,
    pub label: String,
    pub group_label: String,
    pub sort_order: i64,
    pub active: bool,
}

/// Adds or changes an entry (identified by kind and code). Audited.
pub async fn vocab_put(tx: &mut Tx, actor: &Actor, input: &VocabInput) -> Result<VocabEntry> {
    let code_ok = !input.code.is_empty()
        && input.code.len() <= 64
        && input
            .code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !code_ok {
        return Err(invalid("代码须为 1–64 位字母、数字、连字符或下划线"));
    }
    if input.label.trim().is_empty() {
        return Err(invalid("请填写名称"));
    }
    let sql = format!("SELECT {VOCAB_COLUMNS} FROM item_vocab WHERE kind = $1 AND code = $2");
    let before: Option<VocabEntry> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(input.kind.code())
            .bind(&input.code)
            .fetch_optional(c)
            .await?);
    let sql = format!(
        "INSERT INTO item_vocab (kind, code, label, group_label, sort_order, active, builtin, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7) \
         ON CONFLICT (kind, code) DO UPDATE SET label = $3, group_label = $4, sort_order = $5, \
         active = $6, updated_at = $7 RETURNING {VOCAB_COLUMNS}"
    );
    let after: VocabEntry = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(input.kind.code())
        .bind(&input.code)
        .bind(input.label.trim())
        .bind(input.group_label.trim())
        .bind(input.sort_order)
        .bind(input.active)
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "item_vocab.put",
            object_type: "item_vocab",
            object_id: after.id.to_string(),
            before: before.map(serde_json::to_value).transpose()?,
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}

/// The 索引号 template text of an organisation: its own, else its site's (issue #14), else the
/// default.
pub async fn template(db: &Db, org_id: OrgId) -> Result<String> {
    let own: Option<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT template FROM item_index_templates WHERE org_id = $1"
    )
    .bind(org_id)
    .fetch_optional(p)
    .await?);
    Ok(match own {
        Some(t) => t,
        None => crate::sites::template_override(db, org_id)
            .await?
            .unwrap_or_else(|| DEFAULT_TEMPLATE.to_string()),
    })
}

/// [`template`] inside a transaction (publication assigns the number with it).
pub(crate) async fn template_text_tx(tx: &mut Tx, org_id: OrgId) -> Result<String> {
    let own: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT template FROM item_index_templates WHERE org_id = $1"
    )
    .bind(org_id)
    .fetch_optional(c)
    .await?);
    Ok(match own {
        Some(t) => t,
        None => crate::sites::template_override_tx(tx, org_id)
            .await?
            .unwrap_or_else(|| DEFAULT_TEMPLATE.to_string()),
    })
}

/// Sets an organisation's 索引号 template (validated by core's parser; stored in canonical form).
/// Numbers already assigned never change; the serial counters are kept, so a serial is never
/// reused for the same scope. Audited.
pub async fn set_template(tx: &mut Tx, actor: &Actor, org_id: OrgId, text: &str) -> Result<String> {
    let t = Template::parse(text.trim()).map_err(|e| invalid(e.to_string()))?;
    let canonical = t.to_string();
    let before: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT template FROM item_index_templates WHERE org_id = $1"
    )
    .bind(org_id)
    .fetch_optional(c)
    .await?);
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_index_templates (org_id, template, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO UPDATE SET template = $2, \
         updated_at = $3, updated_by = $4"
    )
    .bind(org_id)
    .bind(&canonical)
    .bind(now_ms())
    .bind(&actor.label)
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "item_index_template.set",
            object_type: "org",
            object_id: org_id.to_string(),
            before: before.map(|b| json!({ "template": b })),
            after: Some(json!({ "template": canonical })),
        },
    )
    .await?;
    Ok(canonical)
}

/// A 保密承诺书 on file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Commitment {
    pub id: i64,
    pub org_id: i64,
    pub user_id: Option<i64>,
    pub person_name: String,
    pub role: String,
    pub signed_on: String,
    /// Where the signed document is (archive number or attachment reference).
    pub document_ref: String,
    pub created_by: String,
    pub created_at: i64,
}

/// A 保密承诺书 to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentInput {
    pub org_id: OrgId,
    pub user_id: Option<i64>,
    pub person_name: String,
    pub role: String,
    pub signed_on: NaiveDate,
    pub document_ref: String,
}

/// Registers a signed 保密承诺书. Audited.
pub async fn add_commitment(
    tx: &mut Tx,
    actor: &Actor,
    input: &CommitmentInput,
) -> Result<Commitment> {
    if input.person_name.trim().is_empty() || input.role.trim().is_empty() {
        return Err(invalid("请填写签订人姓名和岗位"));
    }
    let sql = "INSERT INTO confidentiality_commitments (org_id, user_id, person_name, role, \
               signed_on, document_ref, created_by, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, org_id, user_id, \
               person_name, role, signed_on, document_ref, created_by, created_at";
    let row: Commitment = on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(input.org_id)
        .bind(input.user_id)
        .bind(input.person_name.trim())
        .bind(input.role.trim())
        .bind(input.signed_on.to_string())
        .bind(input.document_ref.trim())
        .bind(&actor.label)
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "commitment.add",
            object_type: "confidentiality_commitment",
            object_id: row.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row)?),
        },
    )
    .await?;
    Ok(row)
}

/// The 保密承诺书 of organisations inside `scopes`, most recent first.
pub async fn commitments(db: &Db, scopes: &[OrgId]) -> Result<Vec<Commitment>> {
    let ids = expand_scopes(db, scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let scope = in_list("org_id", &ids, &mut args);
    let sql = format!(
        "SELECT id, org_id, user_id, person_name, role, signed_on, document_ref, created_by, \
         created_at FROM confidentiality_commitments WHERE {scope} \
         ORDER BY signed_on DESC, id DESC"
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
