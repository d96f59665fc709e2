//! The annual report (issue #9; 条例 Art. 49–50; REG §1.6, §2–3; product.md C12): one report per
//! (year, organisation, rollup flag), its workflow, the figures assembled from the records, and
//! the past reports imported for the continuity checks. The format, counting, checks, narrative
//! and rendering are the pure crate `gongkai_report`; this module feeds it and keeps the state.
//!
//! **Rules.**
//! - The statistics period is derived from the year (`gongkai_report::count::period`), never
//!   stored or typed.
//! - Scope: a report of an organisation counts the records of the organisation, its internal
//!   departments (内设部室) and directly affiliated units (直属单位), plus the items of grassroots
//!   units it published through its queue; a *rollup* report counts its whole subtree
//!   ([`scope`]).
//! - Figures are counted from the records ([`figures`]) until the report is locked; locking (or
//!   publishing, which locks) stores them with the facts the narrative quotes in `frozen_json`,
//!   and from then on they never change, whatever happens to the records.
//! - Workflow: 草稿 → 内部审核 → 审批 → 已发布, and back to 草稿 from the two middle steps.
//!   Only a draft is edited. Publication is refused while a REG §3.1 hard check fails or a §3.2
//!   warning is not acknowledged (the message names the cells and numbers). Every change is
//!   audited in the caller's transaction. The caller checks permissions (the console: the
//!   disclosure office edits and submits, an approving leader approves, the office publishes).
//! - Money is fen: 行政事业性收费 is shown in 万元 with exact decimals, the information-processing
//!   fees (109号) are summed from the paid fee notices of the applications register.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use gongkai_core::applications::table3::{CaseKind, CaseResult};
use gongkai_core::org::{OrgId, OrgKind};
use gongkai_report::checks::{self, Finding, NarrativeView, Severity};
use gongkai_report::count::{
    self, AppealKind, AppealRecord, AppealResult, Applicant, ApplicationRecord, CountingUnit,
    DocKind, ItemRecord, ManualCounts, Outcome,
};
use gongkai_report::figures::Figures;
use gongkai_report::narrative::{Facts, Narrative, Suggestion};
use gongkai_report::{FormatVersion, import};
use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::{self, Actor, Change};
use crate::items::catalog::{Arg, in_list};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx, orgs};

/// `object_type` of reports in the audit log.
pub const OBJECT_TYPE: &str = "report";

/// Years a report may be made for (the 条例 of 2008 introduced annual reports).
pub const FIRST_YEAR: i32 = 2008;

/// Workflow status of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 草稿
    Draft,
    /// 内部审核
    Review,
    /// 审批
    Approval,
    /// 已发布
    Published,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Review,
        Status::Approval,
        Status::Published,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Approval => "approval",
            Status::Published => "published",
        }
    }
    pub fn from_code(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Review => "内部审核",
            Status::Approval => "审批",
            Status::Published => "已发布",
        }
    }
    /// Whether `self → to` is a step of the workflow.
    pub fn can_go(self, to: Status) -> bool {
        matches!(
            (self, to),
            (Status::Draft, Status::Review)
                | (Status::Review, Status::Approval)
                | (Status::Approval, Status::Published)
                | (Status::Review, Status::Draft)
                | (Status::Approval, Status::Draft)
        )
    }
}

/// Code of a counting unit in the database.
pub fn unit_code(u: CountingUnit) -> &'static str {
    match u {
        CountingUnit::Item => "item",
        CountingUnit::Application => "application",
    }
}

/// The counting unit of a code (REG §3.3: the 事项 under 一事一申请 is the default).
pub fn unit_from_code(s: &str) -> Option<CountingUnit> {
    match s {
        "item" => Some(CountingUnit::Item),
        "application" => Some(CountingUnit::Application),
        _ => None,
    }
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Report {
    pub id: i64,
    pub year: i64,
    pub org_id: i64,
    pub rollup: bool,
    /// A [`Status`] code.
    pub status: String,
    /// `item` or `application` ([`unit_from_code`]).
    pub counting_unit: String,
    pub narrative_json: String,
    pub licensing: i64,
    pub penalty: i64,
    pub coercion: i64,
    pub admin_fees_fen: i64,
    /// The lock date: the figures are frozen in `frozen_json` since then.
    pub locked_on: Option<String>,
    pub frozen_json: Option<String>,
    pub published_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, year, org_id, rollup, status, counting_unit, narrative_json, licensing, \
    penalty, coercion, admin_fees_fen, locked_on, frozen_json, published_at, created_by, \
    created_at, updated_at";

impl Report {
    pub fn status(&self) -> Status {
        Status::from_code(&self.status).unwrap_or(Status::Draft)
    }
    pub fn year(&self) -> i32 {
        i32::try_from(self.year).unwrap_or(FIRST_YEAR)
    }
    pub fn unit(&self) -> CountingUnit {
        unit_from_code(&self.counting_unit).unwrap_or(CountingUnit::Item)
    }
    /// The edited narrative (an unreadable one reads as empty rather than failing a page).
    pub fn narrative(&self) -> Narrative {
        serde_json::from_str(&self.narrative_json).unwrap_or_default()
    }
    pub fn manual(&self) -> ManualCounts {
        ManualCounts {
            licensing: self.licensing,
            penalty: self.penalty,
            coercion: self.coercion,
            admin_fees_fen: self.admin_fees_fen,
        }
    }
    pub fn is_locked(&self) -> bool {
        self.frozen_json.is_some()
    }
}

/// An acknowledged warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Acknowledgement {
    pub report_id: i64,
    pub code: String,
    pub message: String,
    pub acknowledged_by: String,
    pub acknowledged_at: i64,
}

/// A past report imported from outside (REG §2.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PastReport {
    pub id: i64,
    pub org_id: i64,
    pub year: i64,
    /// `json` or `html`.
    pub source: String,
    /// `2019` (trial format) or `2021`.
    pub format: String,
    pub figures_json: String,
    pub narrative_json: String,
    pub created_by: String,
    pub created_at: i64,
}

impl PastReport {
    pub fn figures(&self) -> Result<Figures> {
        let v: Value = serde_json::from_str(&self.figures_json)?;
        Figures::from_json(&v).map_err(StoreError::Invalid)
    }
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

fn check_year(year: i32) -> Result<()> {
    if !(FIRST_YEAR..=2100).contains(&year) {
        return Err(invalid(format!(
            "年度 {year} 无效：请填写 {FIRST_YEAR} 年以后的四位年份"
        )));
    }
    Ok(())
}

// ---- scope and the records ----------------------------------------------------------------

/// The organisations a report counts: `org` with its internal departments and directly
/// affiliated units (本级: they publish through the body), or with `rollup` its whole subtree
/// (with the county-level bodies and associations, which report on their own otherwise). Sorted.
pub async fn scope(db: &Db, org: OrgId, rollup: bool) -> Result<Vec<OrgId>> {
    let all = orgs::list(db).await?;
    if !all.iter().any(|o| o.id == org) {
        return Err(StoreError::NotFound("机构不存在".into()));
    }
    let mut out = vec![org];
    let mut frontier = vec![org];
    while let Some(p) = frontier.pop() {
        for o in all.iter().filter(|o| o.parent_id == Some(p)) {
            if rollup || matches!(o.kind(), Some(OrgKind::Department | OrgKind::Affiliated)) {
                out.push(o.id);
                frontier.push(o.id);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Table-三 records of `ids` for `year` in the report crate's terms. With
/// [`CountingUnit::Application`] one record stands for an application: decided when all its
/// counted items are, on the last decision date, with the outcome of its first item.
pub async fn application_records(
    db: &Db,
    ids: &[OrgId],
    year: i32,
    unit: CountingUnit,
) -> Result<Vec<ApplicationRecord>> {
    let recs = crate::applications::table3_records_in(db, ids, year).await?;
    let convert = |r: &gongkai_core::applications::table3::Record| -> Result<ApplicationRecord> {
        let applicant = Applicant::ALL
            .get(r.applicant_type.column())
            .copied()
            .unwrap_or(Applicant::Other);
        let decided = match r.decision {
            Some((d, o)) => Some((
                d,
                Outcome::from_key(o.code())
                    .ok_or_else(|| invalid(format!("办理结果“{}”不在表三中", o.code())))?,
            )),
            None => None,
        };
        Ok(ApplicationRecord {
            received_on: r.received_on,
            applicant,
            items: 1,
            decided,
        })
    };
    match unit {
        CountingUnit::Item => recs.iter().map(convert).collect(),
        CountingUnit::Application => {
            let mut by_app: BTreeMap<i64, Vec<ApplicationRecord>> = BTreeMap::new();
            for r in &recs {
                by_app
                    .entry(r.application_id)
                    .or_default()
                    .push(convert(r)?);
            }
            Ok(by_app
                .into_values()
                .filter_map(|items| {
                    let first = items.first()?.clone();
                    let n = u32::try_from(items.len()).unwrap_or(u32::MAX);
                    let decided = if items.iter().all(|i| i.decided.is_some()) {
                        let last = items.iter().filter_map(|i| i.decided.map(|d| d.0)).max();
                        match (last, first.decided) {
                            (Some(d), Some((_, o))) => Some((d, o)),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    Some(ApplicationRecord {
                        items: n,
                        decided,
                        ..first
                    })
                })
                .collect())
        }
    }
}

/// Table-四 records of `ids`: every review and lawsuit on the register with its dates.
pub async fn appeal_records(db: &Db, ids: &[OrgId]) -> Result<Vec<AppealRecord>> {
    let Some(first) = ids.first() else {
        return Ok(Vec::new());
    };
    let cases = crate::applications::register::list(db, &[*first], None).await?;
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let mut out = Vec::new();
    for c in cases.iter().filter(|c| ids.contains(&c.org_id)) {
        let kind = match CaseKind::from_code(&c.kind) {
            Some(CaseKind::Review) => AppealKind::Review,
            Some(CaseKind::LitigationDirect) => AppealKind::LitigationDirect,
            Some(CaseKind::LitigationAfterReview) => AppealKind::LitigationAfterReview,
            None => return Err(invalid(format!("案件类型“{}”无法识别", c.kind))),
        };
        let filed_on =
            parse(&c.filed_on).ok_or_else(|| invalid(format!("案件 {} 的立案日期无效", c.id)))?;
        let result = match CaseResult::from_code(&c.result) {
            Some(CaseResult::Upheld) => Some(AppealResult::Upheld),
            Some(CaseResult::Corrected) => Some(AppealResult::Corrected),
            Some(CaseResult::Other) => Some(AppealResult::Other),
            Some(CaseResult::Pending) => None,
            None => return Err(invalid(format!("案件结果“{}”无法识别", c.result))),
        };
        let concluded = match (result, c.concluded_on.as_deref().and_then(parse)) {
            (Some(r), Some(d)) => Some((d, r)),
            _ => None,
        };
        out.push(AppealRecord {
            kind,
            filed_on,
            concluded,
        });
    }
    Ok(out)
}

/// Table-二 records: published items of the statutory category 第二十条第（一）项
/// (`art20-01`) that carry a 文号 — genre 命令（令） counts as 规章, any other as 行政规范性文件;
/// 制发 on the 成文日期 (else the publication date), ended on the 失效/废止 date. Withdrawn
/// items are left out.
pub async fn item_records(db: &Db, ids: &[OrgId]) -> Result<Vec<ItemRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let scope = in_list("org_id", ids, &mut args);
    let sql = format!(
        "SELECT genre_code, signed_on, published_on, validity, validity_on FROM items \
         WHERE catalog_code = 'art20-01' AND doc_number <> '' AND published_on IS NOT NULL \
         AND withdrawn_at IS NULL AND {scope} ORDER BY id"
    );
    type Row = (
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = on_db!(db, |p| {
        crate::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
            .fetch_all(p)
            .await?
    });
    let parse = |s: Option<&str>| s.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
    Ok(rows
        .into_iter()
        .filter_map(|(genre, signed, published, validity, validity_on)| {
            let issued_on = parse(signed.as_deref()).or_else(|| parse(published.as_deref()))?;
            Some(ItemRecord {
                kind: if genre == "order" {
                    DocKind::Regulation
                } else {
                    DocKind::NormativeDoc
                },
                issued_on,
                ended_on: if validity == "valid" {
                    None
                } else {
                    parse(validity_on.as_deref())
                },
            })
        })
        .collect())
}

/// The figures of `year` for the organisations `ids`, counted from the records.
pub async fn figures(
    db: &Db,
    ids: &[OrgId],
    year: i32,
    unit: CountingUnit,
    manual: &ManualCounts,
) -> Result<Figures> {
    check_year(year)?;
    let apps = application_records(db, ids, year, unit).await?;
    let appeals = appeal_records(db, ids).await?;
    let items = item_records(db, ids).await?;
    Ok(Figures {
        format: FormatVersion::Format2021,
        table2: count::table2(&items, manual, year),
        table3: count::table3(&apps, year, unit),
        table4: count::table4(&appeals, year),
    })
}

async fn scalar(db: &Db, sql: String, args: Vec<Arg>) -> Result<i64> {
    let v: (i64,) = on_db!(db, |p| {
        crate::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
            .fetch_one(p)
            .await?
    });
    Ok(v.0)
}

/// The facts of `year` that the narrative may quote: items published by `ids`, the
/// applications (table 三 totals of `figures`), the 保密承诺书 signed, the information-processing
/// fees paid, the mailbox, and — for a body at the root of the tree, since channels, syndication
/// targets and interpretations are deployment-wide — channels, syndication and interpretations.
pub async fn facts(db: &Db, ids: &[OrgId], year: i32, figures: &Figures) -> Result<Facts> {
    use gongkai_report::format::{NEW_RECEIVED, PROCESSED_TOTAL, TOTAL};
    let (from, to) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
    if ids.is_empty() {
        return Ok(Facts::default());
    }
    let with_range = |col: &str| {
        let mut args = vec![Arg::S(from.clone()), Arg::S(to.clone())];
        let scope = in_list(col, ids, &mut args);
        (scope, args)
    };
    // Items this body published: its own (and its departments'), plus those of grassroots
    // units that went out through its queue (the seed's "审核修改发布县市区级信息").
    let (own, mut args) = with_range("i.org_id");
    let queued = in_list("g.parent_org_id", ids, &mut args);
    let published = scalar(
        db,
        format!(
            "SELECT COUNT(*) FROM items i WHERE i.published_on BETWEEN $1 AND $2 AND ({own} OR \
             EXISTS (SELECT 1 FROM grassroots_submissions g WHERE g.item_id = i.id \
             AND g.status = 'published' AND {queued}))"
        ),
        args,
    )
    .await?;
    let (s, args) = with_range("org_id");
    let commitments = scalar(
        db,
        format!(
            "SELECT COUNT(*) FROM confidentiality_commitments WHERE signed_on BETWEEN $1 AND $2 \
             AND {s}"
        ),
        args,
    )
    .await?;
    let (s, args) = with_range("a.org_id");
    let fees = scalar(
        db,
        format!(
            "SELECT CAST(COALESCE(SUM(f.amount_fen), 0) AS BIGINT) FROM application_fees f \
             JOIN applications a ON a.id = f.application_id \
             WHERE f.paid_on BETWEEN $1 AND $2 AND {s}"
        ),
        args,
    )
    .await?;
    let mail = crate::mailbox::stats::year_statistics(db, Some(ids), year).await?;
    let tree = orgs::tree(db).await?;
    let is_root = ids.iter().any(|id| tree.deployment_roots().contains(id));
    let mut f = Facts {
        published_items: Some(published),
        applications_received: Some(figures.table3.cells[NEW_RECEIVED][TOTAL]),
        applications_decided: Some(figures.table3.cells[PROCESSED_TOTAL][TOTAL]),
        confidentiality_commitments: (commitments > 0).then_some(commitments),
        processing_fees_fen: Some(fees),
        messages_received: (mail.total > 0).then_some(mail.total),
        messages_answered: (mail.total > 0).then_some(mail.replied),
        ..Facts::default()
    };
    work_facts(db, ids, year, &mut f).await?;
    if is_root {
        let ch = crate::channels::year_totals(db, year).await?;
        f.published_by_channel = ch
            .channels
            .iter()
            .filter(|c| c.count > 0)
            .map(|c| (c.name.clone(), c.count))
            .collect();
        f.wechat_posts = (ch.wechat > 0).then_some(ch.wechat);
        let syn = crate::syndication::year_totals(db, year).await?;
        let sub: i64 = syn.iter().map(|t| t.submitted).sum();
        if sub > 0 {
            f.syndication_by_target = syn
                .iter()
                .filter(|t| t.submitted > 0)
                .map(|t| (t.name.clone(), t.submitted, t.adopted))
                .collect();
        }
        let interp: i64 = crate::interpretations::year_totals(db, year)
            .await?
            .iter()
            .map(|k| k.count)
            .sum();
        f.interpretations = (interp > 0).then_some(interp);
    }
    Ok(f)
}

/// The facts of the work plan and the registers of issue #12 (`workplan`, `records`).
async fn work_facts(db: &Db, ids: &[OrgId], year: i32, f: &mut Facts) -> Result<()> {
    let plans = crate::workplan::year_totals(db, ids, year).await?;
    if !plans.plans.is_empty() {
        f.work_plans = plans.plans;
        f.plan_tasks = Some(plans.tasks);
        f.plan_tasks_done = Some(plans.done);
    }
    let r = crate::records::year_totals(db, ids, year).await?;
    if r.training_sessions > 0 {
        f.training_sessions = Some(r.training_sessions);
        f.training_participants = Some(r.training_participants);
    }
    if r.npc_suggestions + r.cppcc_proposals > 0 {
        f.npc_suggestions = Some(r.npc_suggestions);
        f.cppcc_proposals = Some(r.cppcc_proposals);
        f.proposals_replied = Some(r.proposals_replied);
        f.proposals_satisfied = Some(r.proposals_satisfied);
    }
    f.publicity = r.publicity;
    f.assessments = r.assessments;
    Ok(())
}

// ---- the report rows ------------------------------------------------------------------------

/// Creates the draft report of `org` for `year`. Audited.
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    org_id: OrgId,
    year: i32,
    rollup: bool,
) -> Result<Report> {
    check_year(year)?;
    let org: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM orgs WHERE id = $1"
    )
    .bind(org_id)
    .fetch_optional(c)
    .await?);
    if org.is_none() {
        return Err(StoreError::NotFound("机构不存在".into()));
    }
    let exists: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM reports WHERE year = $1 AND org_id = $2 AND rollup = $3"
    )
    .bind(i64::from(year))
    .bind(org_id)
    .bind(rollup)
    .fetch_optional(c)
    .await?);
    if exists.is_some() {
        return Err(StoreError::Conflict(format!(
            "该机构{year}年度报告已存在，请直接编辑"
        )));
    }
    let now = now_ms();
    let sql = format!(
        "INSERT INTO reports (year, org_id, rollup, status, counting_unit, narrative_json, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, 'draft', 'item', $4, $5, $6, $6) \
         RETURNING {COLUMNS}"
    );
    let narrative = serde_json::to_string(&Narrative::default())?;
    let row: Report = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(i64::from(year))
        .bind(org_id)
        .bind(rollup)
        .bind(&narrative)
        .bind(&actor.label)
        .bind(now)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "report.create",
            object_type: OBJECT_TYPE,
            object_id: row.id.to_string(),
            before: None,
            after: Some(json!({"year": year, "org_id": org_id, "rollup": rollup})),
        },
    )
    .await?;
    Ok(row)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Report>> {
    let sql = format!("SELECT {COLUMNS} FROM reports WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// The report of (org, year, rollup), if made.
pub async fn find(db: &Db, org_id: OrgId, year: i32, rollup: bool) -> Result<Option<Report>> {
    let sql =
        format!("SELECT {COLUMNS} FROM reports WHERE org_id = $1 AND year = $2 AND rollup = $3");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(org_id)
    .bind(i64::from(year))
    .bind(rollup)
    .fetch_optional(p)
    .await?))
}

/// Reports of organisations inside `scopes` (subtrees), newest year first.
pub async fn list(db: &Db, scopes: &[OrgId]) -> Result<Vec<Report>> {
    let ids = crate::items::catalog::expand_scopes(db, scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let scope = in_list("org_id", &ids, &mut args);
    let sql = format!(
        "SELECT {COLUMNS} FROM reports WHERE {scope} ORDER BY year DESC, org_id, rollup, id"
    );
    Ok(on_db!(db, |p| {
        crate::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
            .fetch_all(p)
            .await?
    }))
}

/// Published reports of the organisations of a site's `scope`, newest year first (the portal's
/// 年报 column).
pub async fn published(db: &Db, scope: &crate::sites::Scope) -> Result<Vec<Report>> {
    let mut args = Vec::new();
    let in_scope = scope.condition("org_id", &mut args);
    let sql = format!(
        "SELECT {COLUMNS} FROM reports WHERE status = 'published' AND {in_scope} \
         ORDER BY year DESC, org_id, rollup, id"
    );
    Ok(on_db!(db, |p| crate::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
        &args
    )
    .fetch_all(p)
    .await?))
}

/// Locks the row and returns it (PostgreSQL: `FOR UPDATE`; SQLite holds the writer already).
async fn lock_row(tx: &mut Tx, id: i64) -> Result<Report> {
    let sql = match tx.backend() {
        crate::Backend::Postgres => {
            format!("SELECT {COLUMNS} FROM reports WHERE id = $1 FOR UPDATE")
        }
        crate::Backend::Sqlite => format!("SELECT {COLUMNS} FROM reports WHERE id = $1"),
    };
    let row: Option<Report> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    row.ok_or_else(|| StoreError::NotFound("年度报告不存在".into()))
}

fn require_draft(r: &Report) -> Result<()> {
    if r.status() != Status::Draft {
        return Err(StoreError::Conflict(format!(
            "报告当前处于“{}”阶段，只有草稿可以修改；请先退回草稿",
            r.status().label()
        )));
    }
    Ok(())
}

const NARRATIVE_MAX_CHARS: usize = 20_000;

/// Saves the edited narrative of a draft. Audited (before and after).
pub async fn save_narrative(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    narrative: &Narrative,
) -> Result<Report> {
    let r = lock_row(tx, id).await?;
    require_draft(&r)?;
    let parts = [
        &narrative.intro,
        &narrative.section2,
        &narrative.section3,
        &narrative.section4,
        &narrative.section5,
        &narrative.section6,
    ];
    if parts
        .iter()
        .copied()
        .chain(narrative.overview.iter())
        .any(|t| t.chars().count() > NARRATIVE_MAX_CHARS)
    {
        return Err(invalid(format!(
            "每一部分的文字不能超过 {NARRATIVE_MAX_CHARS} 字"
        )));
    }
    let text = serde_json::to_string(narrative)?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE reports SET narrative_json = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(&text)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "report.narrative",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: Some(serde_json::from_str(&r.narrative_json).unwrap_or(Value::Null)),
            after: Some(serde_json::to_value(narrative)?),
        },
    )
    .await?;
    reload(tx, id).await
}

async fn reload(tx: &mut Tx, id: i64) -> Result<Report> {
    let sql = format!("SELECT {COLUMNS} FROM reports WHERE id = $1");
    let row: Option<Report> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    row.ok_or_else(|| StoreError::NotFound("年度报告不存在".into()))
}

/// Saves the administrator-entered counts and the counting unit of a draft that is not locked.
pub async fn save_counts(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    manual: &ManualCounts,
    unit: CountingUnit,
) -> Result<Report> {
    let r = lock_row(tx, id).await?;
    require_draft(&r)?;
    if r.is_locked() {
        return Err(StoreError::Conflict(
            "报告数据已于锁定日冻结，不能再修改数字".into(),
        ));
    }
    for (label, v) in [
        ("行政许可", manual.licensing),
        ("行政处罚", manual.penalty),
        ("行政强制", manual.coercion),
        ("行政事业性收费", manual.admin_fees_fen),
    ] {
        if v < 0 {
            return Err(invalid(format!("“{label}”不能为负数")));
        }
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE reports SET licensing = $2, penalty = $3, coercion = $4, admin_fees_fen = $5, \
         counting_unit = $6, updated_at = $7 WHERE id = $1"
    )
    .bind(id)
    .bind(manual.licensing)
    .bind(manual.penalty)
    .bind(manual.coercion)
    .bind(manual.admin_fees_fen)
    .bind(unit_code(unit))
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "report.counts",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: Some(json!({"manual": r.manual(), "counting_unit": r.counting_unit})),
            after: Some(json!({"manual": manual, "counting_unit": unit_code(unit)})),
        },
    )
    .await?;
    reload(tx, id).await
}

/// Records the acknowledgement of a soft warning (its code and the message as shown).
pub async fn acknowledge(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    code: &str,
    message: &str,
) -> Result<()> {
    let r = lock_row(tx, id).await?;
    if r.status() == Status::Published {
        return Err(StoreError::Conflict("报告已发布".into()));
    }
    if code.trim().is_empty() || code.len() > 200 {
        return Err(invalid("提示代码无效"));
    }
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO report_acknowledgements (report_id, code, message, acknowledged_by, \
         acknowledged_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id, code) DO UPDATE \
         SET message = $3, acknowledged_by = $4, acknowledged_at = $5"
    )
    .bind(id)
    .bind(code)
    .bind(message)
    .bind(&actor.label)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "report.acknowledge",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"code": code, "message": message})),
        },
    )
    .await?;
    Ok(())
}

pub async fn acknowledgements(db: &Db, id: i64) -> Result<Vec<Acknowledgement>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT report_id, code, message, acknowledged_by, acknowledged_at \
         FROM report_acknowledgements WHERE report_id = $1 ORDER BY code"
    )
    .bind(id)
    .fetch_all(p)
    .await?))
}

/// What is frozen at the lock date.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
struct Frozen {
    figures: Value,
    facts: Facts,
}

/// Freezes the figures and facts of `a` (assembled from the records now) on `today`. Audited.
pub async fn lock(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    a: &Assembled,
    today: NaiveDate,
) -> Result<Report> {
    let r = lock_row(tx, id).await?;
    if r.is_locked() {
        return Err(StoreError::Conflict(format!(
            "报告数据已于{}锁定",
            r.locked_on.as_deref().unwrap_or("")
        )));
    }
    let year = r.year();
    if today.year() <= year {
        return Err(invalid(format!(
            "{year}年尚未结束，不能锁定该年度的数据（最早{}年1月1日）",
            year + 1
        )));
    }
    freeze(tx, actor, &r, a, today).await?;
    reload(tx, id).await
}

async fn freeze(
    tx: &mut Tx,
    actor: &Actor,
    r: &Report,
    a: &Assembled,
    today: NaiveDate,
) -> Result<()> {
    let frozen = Frozen {
        figures: a.report.figures.to_json(),
        facts: a.facts.clone(),
    };
    let text = serde_json::to_string(&frozen)?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE reports SET frozen_json = $2, locked_on = $3, updated_at = $4 WHERE id = $1"
    )
    .bind(r.id)
    .bind(&text)
    .bind(today.to_string())
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "report.lock",
            object_type: OBJECT_TYPE,
            object_id: r.id.to_string(),
            before: None,
            after: Some(json!({"locked_on": today.to_string(), "frozen": frozen})),
        },
    )
    .await?;
    Ok(())
}

/// Moves a report one workflow step (`Status::can_go`). Publishing re-assembles the report (from
/// the frozen figures when locked), refuses while a hard check fails or a warning is not
/// acknowledged, and locks the figures if they were not yet. Audited.
pub async fn advance(
    db: &Db,
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    to: Status,
    today: NaiveDate,
) -> Result<Report> {
    let r = lock_row(tx, id).await?;
    let from = r.status();
    if !from.can_go(to) {
        return Err(StoreError::Conflict(format!(
            "报告处于“{}”阶段，不能转到“{}”",
            from.label(),
            to.label()
        )));
    }
    if to == Status::Published {
        let a = assemble(db, &r).await?;
        let hard: Vec<&Finding> = a.hard().collect();
        if !hard.is_empty() {
            let list: Vec<&str> = hard.iter().map(|f| f.message.as_str()).collect();
            return Err(StoreError::Conflict(format!(
                "有 {} 项勾稽关系校验未通过，不能发布：{}",
                hard.len(),
                list.join("；")
            )));
        }
        let acked = acknowledgements(db, id).await?;
        let open: Vec<&Finding> = a
            .soft()
            .filter(|f| !acked.iter().any(|k| k.code == f.code))
            .collect();
        if !open.is_empty() {
            let list: Vec<&str> = open.iter().map(|f| f.message.as_str()).collect();
            return Err(StoreError::Conflict(format!(
                "有 {} 项提示尚未确认，不能发布：{}",
                open.len(),
                list.join("；")
            )));
        }
        if today.year() <= r.year() {
            return Err(invalid(format!(
                "{}年尚未结束，不能发布该年度的报告",
                r.year()
            )));
        }
        if !r.is_locked() {
            freeze(tx, actor, &r, &a, today).await?;
        }
    }
    let published_at = (to == Status::Published).then(now_ms);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE reports SET status = $2, published_at = COALESCE($3, published_at), \
         updated_at = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(to.code())
    .bind(published_at)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    // A report enters (or leaves) search when it is published (or sent back).
    crate::search::enqueue(tx, crate::search::KIND_REPORT, id).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "report.status",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: Some(json!({"status": from.code()})),
            after: Some(json!({"status": to.code()})),
        },
    )
    .await?;
    reload(tx, id).await
}

// ---- assembly -------------------------------------------------------------------------------

/// A report ready to render: the pure report, the facts behind its suggestions, the previous
/// year's figures (when known) and the findings of the checks.
#[derive(Debug, Clone)]
pub struct Assembled {
    pub report: gongkai_report::Report,
    pub facts: Facts,
    pub previous: Option<Figures>,
    pub findings: Vec<Finding>,
    /// Whether the figures come from the lock date rather than from the records now.
    pub frozen: bool,
}

impl Assembled {
    pub fn hard(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Hard)
    }
    pub fn soft(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Soft)
    }
    /// Sentences generated from the facts, to insert in the narrative.
    pub fn suggestions(&self) -> Vec<Suggestion> {
        gongkai_report::narrative::suggestions(self.report.year, &self.facts)
    }
}

/// Assembles a stored report: frozen figures when locked, else counted from the records now.
pub async fn assemble(db: &Db, r: &Report) -> Result<Assembled> {
    let year = r.year();
    let (figures, facts, frozen) = match &r.frozen_json {
        Some(text) => {
            let f: Frozen = serde_json::from_str(text)?;
            (
                Figures::from_json(&f.figures).map_err(StoreError::Invalid)?,
                f.facts,
                true,
            )
        }
        None => {
            let ids = scope(db, r.org_id, r.rollup).await?;
            let figures = figures(db, &ids, year, r.unit(), &r.manual()).await?;
            let facts = facts(db, &ids, year, &figures).await?;
            (figures, facts, false)
        }
    };
    finish(
        db,
        r.org_id,
        year,
        r.rollup,
        figures,
        facts,
        r.narrative(),
        frozen,
    )
    .await
}

/// Assembles the report of (org, year, rollup): the stored one if made, else a transient draft
/// with an empty narrative and no entered counts (the CLI's `report generate` before anyone has
/// opened the console).
pub async fn generate(db: &Db, org_id: OrgId, year: i32, rollup: bool) -> Result<Assembled> {
    check_year(year)?;
    if let Some(r) = find(db, org_id, year, rollup).await? {
        return assemble(db, &r).await;
    }
    let ids = scope(db, org_id, rollup).await?;
    let figures = figures(db, &ids, year, CountingUnit::Item, &ManualCounts::default()).await?;
    let facts = facts(db, &ids, year, &figures).await?;
    finish(
        db,
        org_id,
        year,
        rollup,
        figures,
        facts,
        Narrative::default(),
        false,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    db: &Db,
    org_id: OrgId,
    year: i32,
    rollup: bool,
    figures: Figures,
    mut facts: Facts,
    narrative: Narrative,
    frozen: bool,
) -> Result<Assembled> {
    // Section 五 offers last year's problems (product.md C12), from the first year of use on.
    if facts.previous_problems.is_none() {
        facts.previous_problems = previous_problems(db, org_id, year - 1, rollup).await?;
    }
    let org = orgs::get(db, org_id)
        .await?
        .ok_or_else(|| StoreError::NotFound("机构不存在".into()))?;
    let previous = previous_figures(db, org_id, year - 1, rollup).await?;
    let report = gongkai_report::Report {
        year,
        org_name: org.full_name.clone(),
        rollup,
        figures,
        narrative,
        processing_fees_fen: facts.processing_fees_fen,
    };
    Ok(checked(report, facts, previous, frozen))
}

/// The report with the findings of the REG §3.1 hard and §3.2 soft checks.
fn checked(
    report: gongkai_report::Report,
    facts: Facts,
    previous: Option<Figures>,
    frozen: bool,
) -> Assembled {
    let mut findings = checks::hard(&report.figures);
    let s5 = report.narrative.section5.clone();
    let s6 = report.section6_text();
    findings.extend(checks::soft(
        &report.figures,
        previous.as_ref(),
        &NarrativeView {
            section5: &s5,
            section6: &s6,
        },
    ));
    Assembled {
        report,
        facts,
        previous,
        findings,
        frozen,
    }
}

/// The consolidated annual report of a government over the top-level `bodies` it chooses on
/// a platform of several sites (条例 Art. 49 ¶2: the people's government publishes the report of
/// the year by 3月31日; REG §1.6; issue #14). Counted as a rollup — the same counting over the
/// union of the bodies' subtrees, never a second counter — with the entered counts (行政许可,
/// 处罚, 强制, 收费) summed from each body's report of the year (its rollup report, else its
/// own). Assembled on demand under `government`'s name, never stored; no narrative.
pub async fn consolidated(
    db: &Db,
    government: &str,
    bodies: &[OrgId],
    year: i32,
) -> Result<Assembled> {
    check_year(year)?;
    let government = government.trim();
    if government.is_empty() {
        return Err(invalid("请填写编制汇总报告的人民政府名称"));
    }
    if bodies.is_empty() {
        return Err(invalid("请至少选择一个要汇总的机关"));
    }
    let tree = orgs::tree(db).await?;
    let mut ids = Vec::new();
    let mut manual = ManualCounts::default();
    for body in bodies {
        if tree.top_of(*body) != Some(*body) {
            return Err(invalid("汇总报告只能选择顶级机关（各站点的本级机关）"));
        }
        ids.extend(scope(db, *body, true).await?);
        let own = match find(db, *body, year, true).await? {
            Some(r) => Some(r),
            None => find(db, *body, year, false).await?,
        };
        if let Some(r) = own {
            let m = r.manual();
            manual.licensing += m.licensing;
            manual.penalty += m.penalty;
            manual.coercion += m.coercion;
            manual.admin_fees_fen += m.admin_fees_fen;
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let figures = figures(db, &ids, year, CountingUnit::Item, &manual).await?;
    let facts = facts(db, &ids, year, &figures).await?;
    let report = gongkai_report::Report {
        year,
        org_name: government.to_string(),
        rollup: true,
        figures,
        narrative: Narrative::default(),
        processing_fees_fen: facts.processing_fees_fen,
    };
    Ok(checked(report, facts, None, false))
}

/// The figures of the previous report of `org` for `year`: its own published (frozen) report,
/// else an imported one.
pub async fn previous_figures(
    db: &Db,
    org_id: OrgId,
    year: i32,
    rollup: bool,
) -> Result<Option<Figures>> {
    if let Some(r) = find(db, org_id, year, rollup).await?
        && r.status() == Status::Published
        && let Some(text) = &r.frozen_json
    {
        let f: Frozen = serde_json::from_str(text)?;
        return Ok(Some(
            Figures::from_json(&f.figures).map_err(StoreError::Invalid)?,
        ));
    }
    match past(db, org_id, year).await? {
        Some(p) => Ok(Some(p.figures()?)),
        None => Ok(None),
    }
}

/// The 存在的主要问题及改进情况 (section 五) stated in the previous report of `org` for `year`:
/// its own published report, else an imported one (REG §2.8), so that continuity works from the
/// first year of use. `None` when there is no such report or it states nothing.
pub async fn previous_problems(
    db: &Db,
    org_id: OrgId,
    year: i32,
    rollup: bool,
) -> Result<Option<String>> {
    if let Some(r) = find(db, org_id, year, rollup).await?
        && r.status() == Status::Published
    {
        let text = r.narrative().section5;
        return Ok(Some(text).filter(|t| !t.trim().is_empty()));
    }
    let Some(p) = past(db, org_id, year).await? else {
        return Ok(None);
    };
    let n: Narrative = serde_json::from_str(&p.narrative_json).unwrap_or_default();
    Ok(Some(n.section5).filter(|t| !t.trim().is_empty()))
}

// ---- imports --------------------------------------------------------------------------------

/// Where an imported report comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Json,
    Html,
}

/// Imports a past report of `org` (REG §2.8) from its JSON (the schema of `report generate
/// --format json`) or an HTML page whose tables follow the 2019 or 2021 format. The year is the
/// document's unless `year` is given. Replaces an earlier import of the same year. Audited.
pub async fn import_past(
    tx: &mut Tx,
    actor: &Actor,
    org_id: OrgId,
    source: Source,
    text: &str,
    year: Option<i32>,
) -> Result<PastReport> {
    let imp = match source {
        Source::Json => import::from_json(text),
        Source::Html => import::from_html(text),
    }
    .map_err(StoreError::Invalid)?;
    let year = year
        .or(imp.year)
        .ok_or_else(|| invalid("无法从报告中识别年度，请指定年度"))?;
    check_year(year)?;
    let format = match imp.figures.format {
        FormatVersion::Trial2019 => "2019",
        FormatVersion::Format2021 => "2021",
    };
    let figures = serde_json::to_string(&imp.figures.to_json())?;
    let narrative = serde_json::to_string(&imp.narrative)?;
    let src = match source {
        Source::Json => "json",
        Source::Html => "html",
    };
    let row: PastReport = on_tx!(tx, |c| {
        sqlx::query_as(
        "INSERT INTO report_imports (org_id, year, source, format, figures_json, narrative_json, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id, year) DO UPDATE SET source = $3, format = $4, figures_json = $5, \
         narrative_json = $6, created_by = $7, created_at = $8 \
         RETURNING id, org_id, year, source, format, figures_json, narrative_json, created_by, \
         created_at"
    )
    .bind(org_id)
    .bind(i64::from(year))
    .bind(src)
    .bind(format)
    .bind(&figures)
    .bind(&narrative)
    .bind(&actor.label)
    .bind(now_ms())
    .fetch_one(c)
    .await?
    });
    audit::append(
        tx,
        actor,
        Change {
            action: "report.import",
            object_type: "report_import",
            object_id: row.id.to_string(),
            before: None,
            after: Some(
                json!({"org_id": org_id, "year": year, "source": src, "format": format,
                "figures": imp.figures.to_json()}),
            ),
        },
    )
    .await?;
    Ok(row)
}

/// The imported report of (org, year), if any.
pub async fn past(db: &Db, org_id: OrgId, year: i32) -> Result<Option<PastReport>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, org_id, year, source, format, figures_json, narrative_json, created_by, \
         created_at FROM report_imports WHERE org_id = $1 AND year = $2"
    )
    .bind(org_id)
    .bind(i64::from(year))
    .fetch_optional(p)
    .await?))
}
