//! Upward syndication register (信息报送上级网站, issue #5, product.md C4): targets defined by
//! administrators, each with its scoring rule (points per adopted item); submissions of one or
//! many PUBLISHED items to a target with date, status (submitted / adopted / not adopted /
//! withdrawn) and score; the 保密审查表 of each item travels with it in the package
//! ([`package`]); totals per target and period ([`totals`]) feed the annual report.
//!
//! **Rules.**
//! - The counting unit is the item: a submission of five items that is adopted counts five
//!   submitted and five adopted. Withdrawn submissions count nowhere.
//! - Score = the target's points per adopted item × the submission's items, fixed when the
//!   status is set to adopted (a later change of the rule does not rewrite history); 0 otherwise.
//! - Status changes: submitted → adopted | not adopted | withdrawn; adopted ↔ not adopted (a
//!   correction); withdrawn is final.

use std::io::Write;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::items::{self, OBJECT_TYPE};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// The JSON Schema of `metadata.json` in a submission package (documented; tests validate
/// packages against it).
pub const PACKAGE_SCHEMA: &str =
    include_str!("../../../docs/schemas/syndication-package.schema.json");

/// Status of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    Adopted,
    NotAdopted,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Submitted,
        Status::Adopted,
        Status::NotAdopted,
        Status::Withdrawn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Adopted => "adopted",
            Status::NotAdopted => "not_adopted",
            Status::Withdrawn => "withdrawn",
        }
    }
    pub fn from_code(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Submitted => "已报送",
            Status::Adopted => "已采用",
            Status::NotAdopted => "未采用",
            Status::Withdrawn => "已撤回",
        }
    }
    /// May a submission go from `self` to `to`?
    pub fn may_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Submitted, Adopted | NotAdopted | Withdrawn)
                | (Adopted, NotAdopted)
                | (NotAdopted, Adopted)
        )
    }
}

/// A syndication target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Target {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub url: String,
    pub points_per_adopted: i64,
    pub rule_note: String,
    pub sort_order: i64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const TARGET_COLUMNS: &str = "id, code, name, url, points_per_adopted, rule_note, sort_order, active, created_at, updated_at";

/// What an administrator enters for a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInput {
    pub code: String,
    pub name: String,
    pub url: String,
    pub points_per_adopted: i64,
    pub rule_note: String,
    pub sort_order: i64,
    pub active: bool,
}

/// Field errors of a target input, in Chinese.
pub fn validate_target(input: &TargetInput) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push((
            "code",
            "代码须由小写字母、数字和连字符组成，1—40 个字符".to_string(),
        ));
    }
    if input.name.trim().is_empty() {
        errors.push(("name", "请填写报送目标名称".to_string()));
    } else if input.name.trim().chars().count() > 60 {
        errors.push(("name", "名称过长（最多 60 字）".to_string()));
    }
    let url = input.url.trim();
    if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
        errors.push(("url", "网址须以 http:// 或 https:// 开头".to_string()));
    }
    if !(0..=1000).contains(&input.points_per_adopted) {
        errors.push((
            "points_per_adopted",
            "每条采用得分须在 0 到 1000 之间".to_string(),
        ));
    }
    errors
}

/// Creates (`id = None`) or updates a target.
pub async fn put_target(
    tx: &mut Tx,
    actor: &Actor,
    id: Option<i64>,
    input: &TargetInput,
) -> Result<Target> {
    if let Some((_, msg)) = validate_target(input).into_iter().next() {
        return Err(StoreError::Invalid(msg));
    }
    let now = now_ms();
    let before = match id {
        Some(id) => Some(target_tx(tx, id).await?),
        None => None,
    };
    let (sql, key) = match id {
        None => (
            format!(
                "INSERT INTO syndication_targets (code, name, url, points_per_adopted, \
                 rule_note, sort_order, active, created_at, updated_at) \
                 SELECT $2, $3, $4, $5, $6, $7, $8, $9, $9 WHERE $1 = 0 \
                 RETURNING {TARGET_COLUMNS}"
            ),
            0,
        ),
        Some(id) => (
            format!(
                "UPDATE syndication_targets SET code = $2, name = $3, url = $4, \
                 points_per_adopted = $5, rule_note = $6, sort_order = $7, active = $8, \
                 updated_at = $9 WHERE id = $1 RETURNING {TARGET_COLUMNS}"
            ),
            id,
        ),
    };
    let res = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(key)
        .bind(input.code.trim())
        .bind(input.name.trim())
        .bind(input.url.trim())
        .bind(input.points_per_adopted)
        .bind(input.rule_note.trim())
        .bind(input.sort_order)
        .bind(input.active)
        .bind(now)
        .fetch_one(c)
        .await);
    let target: Target = res.map_err(|e| match StoreError::from(e) {
        e if e.is_unique_violation() => {
            StoreError::Conflict(format!("代码“{}”已被其他报送目标使用", input.code.trim()))
        }
        e => e,
    })?;
    audit::append(
        tx,
        actor,
        Change {
            action: if before.is_some() {
                "syndication.target_update"
            } else {
                "syndication.target_create"
            },
            object_type: "syndication_target",
            object_id: target.id.to_string(),
            before: before.map(|b| serde_json::to_value(b).unwrap_or_default()),
            after: Some(serde_json::to_value(&target)?),
        },
    )
    .await?;
    Ok(target)
}

async fn target_tx(tx: &mut Tx, id: i64) -> Result<Target> {
    let sql = format!("SELECT {TARGET_COLUMNS} FROM syndication_targets WHERE id = $1");
    let t: Option<Target> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    t.ok_or_else(|| StoreError::NotFound("报送目标不存在".into()))
}

/// Every target, in order.
pub async fn targets(db: &Db) -> Result<Vec<Target>> {
    let sql = format!("SELECT {TARGET_COLUMNS} FROM syndication_targets ORDER BY sort_order, id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .fetch_all(p)
    .await?))
}

/// A target by code.
pub async fn target_by_code(db: &Db, code: &str) -> Result<Option<Target>> {
    let sql = format!("SELECT {TARGET_COLUMNS} FROM syndication_targets WHERE code = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(code)
    .fetch_optional(p)
    .await?))
}

/// A submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Submission {
    pub id: i64,
    pub target_id: i64,
    pub submitted_on: String,
    pub status: String,
    pub score: i64,
    pub decided_on: Option<String>,
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Submission {
    pub fn status(&self) -> Option<Status> {
        Status::from_code(&self.status)
    }
}

const SUB_COLUMNS: &str = "id, target_id, submitted_on, status, score, decided_on, note, \
    created_by, created_at, updated_at";

/// Records a submission of `item_ids` (published items, at least one, no duplicates) to a
/// target on `submitted_on`. The caller has checked the right to act for every item's
/// organisation (`auth::permits` with `Action::PublishItem`).
pub async fn submit(
    tx: &mut Tx,
    actor: &Actor,
    target_id: i64,
    submitted_on: NaiveDate,
    item_ids: &[i64],
    note: &str,
) -> Result<Submission> {
    if item_ids.is_empty() {
        return Err(StoreError::Invalid("请至少选择一条已发布的信息".into()));
    }
    let mut ids = item_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let target = target_tx(tx, target_id).await?;
    if !target.active {
        return Err(StoreError::Conflict(format!(
            "报送目标“{}”已停用",
            target.name
        )));
    }
    for id in &ids {
        let item = items::lock(tx, *id).await?;
        if item.published_on.is_none() || item.state != "published" {
            return Err(StoreError::Conflict(format!(
                "信息（编号 {id}）尚未发布或已撤回，不能报送"
            )));
        }
    }
    let now = now_ms();
    let sql = format!(
        "INSERT INTO syndication_submissions (target_id, submitted_on, status, score, note, \
         created_by, created_at, updated_at) VALUES ($1, $2, 'submitted', 0, $3, $4, $5, $5) \
         RETURNING {SUB_COLUMNS}"
    );
    let s: Submission = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(target_id)
        .bind(submitted_on.to_string())
        .bind(note.trim())
        .bind(&actor.label)
        .bind(now)
        .fetch_one(c)
        .await?);
    for id in &ids {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO syndication_items (submission_id, item_id) VALUES ($1, $2)"
        )
        .bind(s.id)
        .bind(*id)
        .execute(c)
        .await?
        .rows_affected());
    }
    audit::append(
        tx,
        actor,
        Change {
            action: "syndication.submit",
            object_type: "syndication_submission",
            object_id: s.id.to_string(),
            before: None,
            after: Some(json!({"submission": s, "target": target.code, "items": ids})),
        },
    )
    .await?;
    Ok(s)
}

/// Sets the status of a submission (see the module rules), fixing the score on adoption.
pub async fn set_status(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    to: Status,
    decided_on: NaiveDate,
) -> Result<Submission> {
    let sql = format!("SELECT {SUB_COLUMNS} FROM syndication_submissions WHERE id = $1");
    let before: Option<Submission> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(c)
            .await?);
    let before = before.ok_or_else(|| StoreError::NotFound("报送记录不存在".into()))?;
    let from = before
        .status()
        .ok_or_else(|| StoreError::Invalid("报送状态无法识别".into()))?;
    if !from.may_become(to) {
        return Err(StoreError::Conflict(format!(
            "报送状态为“{}”，不能改为“{}”",
            from.label(),
            to.label()
        )));
    }
    if decided_on.to_string() < before.submitted_on {
        return Err(StoreError::Invalid("处理日期不能早于报送日期".into()));
    }
    let score = if to == Status::Adopted {
        let target = target_tx(tx, before.target_id).await?;
        let n: i64 = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM syndication_items WHERE submission_id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await?);
        target.points_per_adopted * n
    } else {
        0
    };
    let sql = format!(
        "UPDATE syndication_submissions SET status = $2, score = $3, decided_on = $4, \
         updated_at = $5 WHERE id = $1 RETURNING {SUB_COLUMNS}"
    );
    let after: Submission = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(to.code())
        .bind(score)
        .bind(decided_on.to_string())
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "syndication.status",
            object_type: "syndication_submission",
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}

/// One submission.
pub async fn get(db: &Db, id: i64) -> Result<Option<Submission>> {
    let sql = format!("SELECT {SUB_COLUMNS} FROM syndication_submissions WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// The item ids of a submission.
pub async fn item_ids(db: &Db, id: i64) -> Result<Vec<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT item_id FROM syndication_items WHERE submission_id = $1 ORDER BY item_id"
    )
    .bind(id)
    .fetch_all(p)
    .await?))
}

/// A row of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RegisterRow {
    pub id: i64,
    pub target_name: String,
    pub submitted_on: String,
    pub status: String,
    pub score: i64,
    pub items: i64,
    pub first_title: String,
}

impl RegisterRow {
    pub fn status_label(&self) -> &'static str {
        Status::from_code(&self.status)
            .map(Status::label)
            .unwrap_or("")
    }
}

/// Submissions with a 报送日期 in `from..=to`, newest first, optionally of one target.
pub async fn register(
    db: &Db,
    target_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> Result<Vec<RegisterRow>> {
    let sql = format!(
        "SELECT s.id, t.name AS target_name, s.submitted_on, s.status, s.score, \
         (SELECT COUNT(*) FROM syndication_items si WHERE si.submission_id = s.id) AS items, \
         COALESCE((SELECT r.title FROM syndication_items si JOIN items i ON i.id = si.item_id \
           JOIN item_revisions r ON r.id = i.published_revision_id WHERE si.submission_id = s.id \
           ORDER BY si.item_id LIMIT 1), '') AS first_title \
         FROM syndication_submissions s JOIN syndication_targets t ON t.id = s.target_id \
         WHERE s.submitted_on BETWEEN $1 AND $2 AND ($3 = 0 OR s.target_id = $3) \
         ORDER BY s.submitted_on DESC, s.id DESC LIMIT {}",
        limit.clamp(1, 1000)
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(target_id.unwrap_or(0))
    .fetch_all(p)
    .await?))
}

/// Totals of one target in a period (counting items; by 报送日期).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TargetTotals {
    pub target_id: i64,
    pub name: String,
    pub submitted: i64,
    pub adopted: i64,
    pub score: i64,
}

impl TargetTotals {
    /// "13.6%" or "—".
    pub fn adoption_label(&self) -> String {
        if self.submitted == 0 {
            return "—".into();
        }
        let p = (self.adopted * 1000 + self.submitted / 2) / self.submitted;
        format!("{}.{}%", p / 10, p % 10)
    }
}

/// Totals per target for submissions with a 报送日期 in `from..=to` (withdrawn ones excluded).
pub async fn totals(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<TargetTotals>> {
    totals_in(db, from, to, None).await
}

/// [`totals`] counting only items of the organisations `orgs` (already expanded; `None` = every
/// item): syndication adoption on the statistics dashboard within a user's scope.
pub async fn totals_in(
    db: &Db,
    from: NaiveDate,
    to: NaiveDate,
    orgs: Option<&[i64]>,
) -> Result<Vec<TargetTotals>> {
    use crate::items::catalog::{Arg, in_list};
    let mut args = vec![Arg::S(from.to_string()), Arg::S(to.to_string())];
    let scope = match orgs {
        None => "1 = 1".to_string(),
        Some([]) => "1 = 0".to_string(),
        Some(ids) => in_list("i.org_id", ids, &mut args),
    };
    // Within a scope, a submission's score counts only when it carried an item of the scope.
    let scored = if orgs.is_some() {
        "s.status = 'adopted' AND n.items > 0"
    } else {
        "s.status = 'adopted'"
    };
    let sql = format!(
        "SELECT t.id AS target_id, t.name, \
         CAST(COALESCE(SUM(CASE WHEN s.status <> 'withdrawn' THEN n.items ELSE 0 END), 0) \
           AS BIGINT) AS submitted, \
         CAST(COALESCE(SUM(CASE WHEN s.status = 'adopted' THEN n.items ELSE 0 END), 0) \
           AS BIGINT) AS adopted, \
         CAST(COALESCE(SUM(CASE WHEN {scored} THEN s.score ELSE 0 END), 0) \
           AS BIGINT) AS score \
         FROM syndication_targets t LEFT JOIN syndication_submissions s ON s.target_id = t.id \
           AND s.submitted_on BETWEEN $1 AND $2 \
         LEFT JOIN (SELECT si.submission_id, COUNT(*) AS items FROM syndication_items si \
           JOIN items i ON i.id = si.item_id WHERE {scope} \
           GROUP BY si.submission_id) n ON n.submission_id = s.id \
         GROUP BY t.id, t.name, t.sort_order ORDER BY t.sort_order, t.id"
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

/// Syndication totals of a year for the annual report (issue #9).
pub async fn year_totals(db: &Db, year: i32) -> Result<Vec<TargetTotals>> {
    let (from, to) = crate::grassroots::year_range(year)?;
    totals(db, from, to).await
}

/// Published items submitted to a target, newest publication first (for its Atom feed): only
/// items that are public now (the catalog's single public condition).
pub async fn feed_items(
    db: &Db,
    scope: &crate::sites::Scope,
    target_id: i64,
    limit: i64,
) -> Result<Vec<items::catalog::CatalogEntry>> {
    let mut args = vec![
        items::catalog::Arg::I(now_ms()),
        items::catalog::Arg::I(target_id),
    ];
    let in_scope = scope.condition("i.org_id", &mut args);
    let sql = format!(
        "SELECT i.id, i.index_no, r.title, r.summary, i.org_id, i.publisher_name, i.doc_number, \
         i.catalog_code, i.topic_code, i.genre_code, i.validity, i.formed_on, i.published_on, \
         i.published_at FROM items i JOIN item_revisions r ON r.id = i.published_revision_id \
         WHERE i.id IN (SELECT si.item_id FROM syndication_items si \
           JOIN syndication_submissions s ON s.id = si.submission_id \
           WHERE s.target_id = $2 AND s.status <> 'withdrawn') AND {} AND {in_scope} \
         ORDER BY i.published_at DESC, i.id DESC LIMIT {}",
        items::catalog::PUBLIC_CONDITION,
        limit.clamp(1, 500)
    );
    Ok(on_db!(db, |p| crate::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
        &args
    )
    .fetch_all(p)
    .await?))
}

/// A review form rendered to PDF for the package (the `gongkai-documents` crate lives above the
/// store, so the web layer passes its renderer in). `None` = no PDF (the form goes as JSON).
pub type FormRenderer<'a> = &'a (dyn Fn(&str, &serde_json::Value) -> Option<Vec<u8>> + Sync);

/// Builds the ZIP package of a submission: `metadata.json` (schema [`PACKAGE_SCHEMA`]), one
/// `items/<id>.html` per item, its attachments under `attachments/<id>/`, and its 保密审查表 as
/// `review-forms/<id>.json` (and `.pdf` when `render_form` gives one).
pub async fn package(
    db: &Db,
    data_dir: &std::path::Path,
    id: i64,
    render_form: Option<FormRenderer<'_>>,
) -> Result<Vec<u8>> {
    let s = get(db, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("报送记录不存在".into()))?;
    let target = on_db!(db, |p| sqlx::query_as::<_, Target>(sqlx::AssertSqlSafe(
        format!("SELECT {TARGET_COLUMNS} FROM syndication_targets WHERE id = $1")
    ))
    .bind(s.target_id)
    .fetch_one(p)
    .await?);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let mut meta_items = Vec::new();
    for item_id in item_ids(db, id).await? {
        let item = items::get(db, item_id)
            .await?
            .ok_or_else(|| StoreError::NotFound("信息不存在".into()))?;
        let rev_id = item
            .published_revision_id
            .or(item.current_revision_id)
            .ok_or_else(|| StoreError::Invalid("信息没有正文".into()))?;
        let rev = items::revision(db, rev_id)
            .await?
            .ok_or_else(|| StoreError::NotFound("信息正文版本不存在".into()))?;
        let html_path = format!("items/{item_id}.html");
        z.start_file(html_path.as_str(), opts)
            .map_err(crate::channels::zip_err)?;
        z.write_all(item_html(&item, &rev).as_bytes())?;
        let mut files = Vec::new();
        for a in crate::attachments::list_for(
            db,
            crate::attachments::Owner {
                owner_type: OBJECT_TYPE,
                owner_id: item_id,
            },
        )
        .await?
        {
            let Ok(bytes) = crate::attachments::read_verified(data_dir, &a.sha256) else {
                continue;
            };
            let path = format!("attachments/{item_id}/{}-{}", a.id, a.filename);
            z.start_file(path.as_str(), opts)
                .map_err(crate::channels::zip_err)?;
            z.write_all(&bytes)?;
            files.push(
                json!({"path": path, "filename": a.filename, "media_type": a.media_type,
                "size": a.size, "sha256": a.sha256}),
            );
        }
        let form = items::review::confidentiality_reviews(db, item_id)
            .await?
            .into_iter()
            .rfind(|f| f.revision_id <= rev_id);
        let mut form_meta = serde_json::Value::Null;
        if let Some(f) = form {
            let form_json = serde_json::to_value(&f)?;
            let json_path = format!("review-forms/{item_id}.json");
            z.start_file(json_path.as_str(), opts)
                .map_err(crate::channels::zip_err)?;
            z.write_all(serde_json::to_string_pretty(&form_json)?.as_bytes())?;
            let mut pdf_path = serde_json::Value::Null;
            if let Some(render) = render_form
                && let Some(pdf) = render(&rev.title, &form_json)
            {
                let p = format!("review-forms/{item_id}.pdf");
                z.start_file(p.as_str(), opts)
                    .map_err(crate::channels::zip_err)?;
                z.write_all(&pdf)?;
                pdf_path = json!(p);
            }
            form_meta = json!({"json": json_path, "pdf": pdf_path,
                "conclusion": f.conclusion, "reviewed_on": f.reviewed_on});
        }
        meta_items.push(json!({
            "id": item_id,
            "index_no": item.index_no,
            "title": rev.title,
            "summary": rev.summary,
            "publisher": item.publisher_name,
            "doc_number": item.doc_number,
            "formed_on": item.formed_on,
            "published_on": item.published_on,
            "catalog_code": item.catalog_code,
            "html": html_path,
            "attachments": files,
            "review_form": form_meta,
        }));
    }
    let meta = json!({
        "schema": "https://gongkai.invalid/schemas/syndication-package/1",
        "submission": {
            "id": s.id,
            "target": {"code": target.code, "name": target.name, "url": target.url},
            "submitted_on": s.submitted_on,
            "status": s.status,
            "score": s.score,
            "note": s.note,
        },
        "generated_at": chrono::Utc::now().to_rfc3339(),
        "items": meta_items,
    });
    z.start_file("metadata.json", opts)
        .map_err(crate::channels::zip_err)?;
    z.write_all(serde_json::to_string_pretty(&meta)?.as_bytes())?;
    z.start_file("schema.json", opts)
        .map_err(crate::channels::zip_err)?;
    z.write_all(PACKAGE_SCHEMA.as_bytes())?;
    z.finish().map_err(crate::channels::zip_err)?;
    Ok(buf.into_inner())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained HTML page of an item for the package (no scripts, no external resources).
fn item_html(item: &items::Item, rev: &items::Revision) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1><table><tbody>\
         <tr><th scope=\"row\">索引号</th><td>{idx}</td></tr>\
         <tr><th scope=\"row\">发布机构</th><td>{pubr}</td></tr>\
         <tr><th scope=\"row\">文号</th><td>{doc}</td></tr>\
         <tr><th scope=\"row\">生成日期</th><td>{formed}</td></tr>\
         <tr><th scope=\"row\">发布日期</th><td>{on}</td></tr>\
         </tbody></table><p>{sum}</p>{body}</body></html>\n",
        t = esc(&rev.title),
        idx = esc(item.index_no.as_deref().unwrap_or("")),
        pubr = esc(&item.publisher_name),
        doc = esc(&item.doc_number),
        formed = esc(&item.formed_on),
        on = esc(item.published_on.as_deref().unwrap_or("")),
        sum = esc(&rev.summary),
        body = rev.body_html,
    )
}
