//! The working-day calendar in the database (issue #3, product.md C10, tech-choices §4.2).
//!
//! **Rule.** A day is a working day as REG §7.2 says: the official State Council list
//! (国务院办公厅《关于YYYY年部分节假日安排的通知》) decides the dates it lists, other dates follow
//! the five-day week; dates in years without official data are provisional (fail closed). On top
//! of that, an administrator may override single days: nationally for the whole deployment
//! (emergency closure, a notice the release does not carry yet) or for one organisation's
//! subtree (regional holidays of 民族自治地方, e.g. 古尔邦节 in 新疆). The pure arithmetic is
//! `gongkai_core::calendar`; this module stores its inputs.
//!
//! **Tables** (migration `0002_calendar`):
//! - `calendar_years`: one row per notice year with its whole `YearData` as JSON. The compiled-in
//!   files seed the `official` rows at start-up ([`seed_official`]); [`add_year`] stores an
//!   administrator's year (`admin`), which seeding never overwrites.
//! - `calendar_days`: one row per (date, scope). `official` rows mirror the listed days of the
//!   loaded notice years (national, queryable by the console); `admin` rows are overrides and
//!   are never overwritten by seeding. Removing a national override restores the official row.
//! - `calendar_state.version`: bumped by every change, so callers can cache ([`CalendarCache`]).
//!
//! **Building a calendar** ([`load`], [`CalendarData::calendar_for`]): the compiled official
//! calendar, overlaid with every stored year whose data differ (an admin year replaces a
//! compiled one), then national overrides, then the regional overrides whose scope contains
//! the organisation, outermost first, so the innermost scope wins.
//!
//! **Consequences.** Every change is audited with before/after in its own transaction and, in
//! the same transaction, enqueues the `deadlines.recompute` job
//! ([`crate::deadlines::RECOMPUTE_JOB`]) so open deadlines follow the new data (C10: provisional
//! deadlines are recomputed when data arrive).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use gongkai_core::calendar::{Calendar, DayOverride, YearData, check_range};
use gongkai_core::org::{OrgId, OrgTree};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::deadlines::RECOMPUTE_JOB;
use crate::{Backend, Db, Result, StoreError, Tx, jobs, now_ms, on_db, on_tx};

/// `source` of rows seeded from the compiled-in files.
pub const SOURCE_OFFICIAL: &str = "official";
/// `source` of rows an administrator entered.
pub const SOURCE_ADMIN: &str = "admin";
/// `kind` of a working day.
pub const KIND_WORK: &str = "work";
/// `kind` of a day off.
pub const KIND_OFF: &str = "off";

/// PostgreSQL advisory lock key serialising calendar changes ("gkcal").
const CALENDAR_LOCK_KEY: i64 = 0x67_6b63_616c;

/// Longest override name and document number, in characters.
const MAX_NAME_CHARS: usize = 64;
const MAX_DOC_CHARS: usize = 100;
const MAX_URL_CHARS: usize = 500;

/// One stored notice year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CalendarYear {
    pub year: i64,
    /// Title of the first notice (the annual 通知).
    pub notice_title: String,
    /// 文号 of the first notice, empty when unknown.
    pub document_number: String,
    /// JSON array of the first notice's URLs.
    pub urls_json: String,
    /// The whole `YearData` (every notice and holiday) as JSON.
    pub data_json: String,
    /// [`SOURCE_OFFICIAL`] or [`SOURCE_ADMIN`].
    pub source: String,
    pub loaded_at: i64,
    /// Actor label of the last change (`system` for seeding).
    pub updated_by: String,
}

impl CalendarYear {
    /// The year's data (validated by core).
    pub fn data(&self) -> Result<YearData> {
        let data: YearData = serde_json::from_str(&self.data_json)?;
        data.validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(data)
    }

    /// The first notice's URLs.
    pub fn urls(&self) -> Vec<String> {
        serde_json::from_str(&self.urls_json).unwrap_or_default()
    }
}

/// One stored day: an official listing or an administrator's override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CalendarDay {
    pub id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// [`KIND_WORK`] or [`KIND_OFF`].
    pub kind: String,
    pub name: String,
    /// [`SOURCE_OFFICIAL`] or [`SOURCE_ADMIN`].
    pub source: String,
    /// For official rows: the notice year the listing comes from.
    pub notice_year: Option<i64>,
    pub document_number: String,
    pub notice_url: String,
    /// `None` = national; otherwise the organisation whose subtree the override applies to.
    pub scope_org_id: Option<i64>,
    pub updated_by: String,
    pub updated_at: i64,
}

impl CalendarDay {
    pub fn is_workday(&self) -> bool {
        self.kind == KIND_WORK
    }

    pub fn is_override(&self) -> bool {
        self.source == SOURCE_ADMIN
    }

    pub fn date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.date, "%Y-%m-%d").ok()
    }

    /// The override as core sees it; `source` names who decided (the document number when
    /// given).
    fn to_override(&self) -> Option<DayOverride> {
        let source = if !self.document_number.is_empty() {
            self.document_number.clone()
        } else if self.scope_org_id.is_some() {
            "本地区规定".to_owned()
        } else {
            "管理员调整".to_owned()
        };
        Some(DayOverride {
            date: self.date()?,
            is_workday: self.is_workday(),
            name: self.name.clone(),
            source,
        })
    }
}

/// An administrator's override of one day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OverrideInput {
    pub date: NaiveDate,
    pub is_workday: bool,
    /// E.g. 古尔邦节, 临时停止办公; may be empty.
    pub name: String,
    /// `None` = national; `Some(org)` = that organisation and everything below it.
    pub scope_org_id: Option<OrgId>,
    /// 文号 of the decision (e.g. the autonomous region's notice); may be empty.
    pub document_number: String,
    /// Link to the decision; empty or http(s).
    pub notice_url: String,
}

const DAY_COLUMNS: &str = "id, date, kind, name, source, notice_year, document_number, \
    notice_url, scope_org_id, updated_by, updated_at";
const YEAR_COLUMNS: &str =
    "year, notice_title, document_number, urls_json, data_json, source, loaded_at, updated_by";

// ---------------------------------------------------------------------------------------------
// Reading and building calendars

/// Everything needed to build the calendar of any organisation, read in one go.
#[derive(Debug, Clone)]
pub struct CalendarData {
    base: Calendar,
    national: Vec<DayOverride>,
    regional: Vec<(OrgId, DayOverride)>,
    tree: OrgTree,
    /// `calendar_state.version` when read.
    pub version: i64,
    /// Stored years or overrides that could not be used (their dates fall back to the compiled
    /// data or are provisional), in Chinese. Problems of the compiled-in files are reported by
    /// `Calendar::load_errors` of the built calendars.
    pub problems: Vec<String>,
}

struct Raw {
    years: Vec<CalendarYear>,
    overrides: Vec<CalendarDay>,
    tree: Vec<(i64, Option<i64>)>,
    version: i64,
}

async fn raw_db(db: &Db) -> Result<Raw> {
    let years_sql = format!("SELECT {YEAR_COLUMNS} FROM calendar_years ORDER BY year");
    let days_sql =
        format!("SELECT {DAY_COLUMNS} FROM calendar_days WHERE source = 'admin' ORDER BY date, id");
    let years: Vec<CalendarYear> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        years_sql.clone()
    ))
    .fetch_all(p)
    .await?);
    let overrides: Vec<CalendarDay> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        days_sql.clone()
    ))
    .fetch_all(p)
    .await?);
    let tree: Vec<(i64, Option<i64>)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, parent_id FROM orgs")
            .fetch_all(p)
            .await?);
    let version: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT version FROM calendar_state WHERE id = 1"
    )
    .fetch_one(p)
    .await?);
    Ok(Raw {
        years,
        overrides,
        tree,
        version,
    })
}

async fn raw_tx(tx: &mut Tx) -> Result<Raw> {
    let years_sql = format!("SELECT {YEAR_COLUMNS} FROM calendar_years ORDER BY year");
    let days_sql =
        format!("SELECT {DAY_COLUMNS} FROM calendar_days WHERE source = 'admin' ORDER BY date, id");
    let years: Vec<CalendarYear> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        years_sql.clone()
    ))
    .fetch_all(c)
    .await?);
    let overrides: Vec<CalendarDay> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        days_sql.clone()
    ))
    .fetch_all(c)
    .await?);
    let tree: Vec<(i64, Option<i64>)> =
        on_tx!(tx, |c| sqlx::query_as("SELECT id, parent_id FROM orgs")
            .fetch_all(c)
            .await?);
    let version: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT version FROM calendar_state WHERE id = 1"
    )
    .fetch_one(c)
    .await?);
    Ok(Raw {
        years,
        overrides,
        tree,
        version,
    })
}

impl CalendarData {
    fn build(raw: Raw) -> CalendarData {
        let official = Calendar::official();
        // Problems of the compiled-in files stay in `Calendar::load_errors` of every built
        // calendar; `problems` lists those of the stored data only.
        let mut problems: Vec<String> = Vec::new();
        let mut base = official.clone();
        for row in &raw.years {
            match row.data() {
                Ok(data) if i64::from(data.year) == row.year => {
                    if official.year(data.year) == Some(&data) {
                        continue;
                    }
                    match base.with_year(data) {
                        Ok(cal) => base = cal,
                        Err(e) => problems.push(format!("{}年节假日数据无法使用：{e}", row.year)),
                    }
                }
                Ok(data) => problems.push(format!(
                    "{}年节假日数据声明的年份为 {}，已忽略",
                    row.year, data.year
                )),
                Err(e) => problems.push(format!("{}年节假日数据无法使用：{e}", row.year)),
            }
        }
        let mut national = Vec::new();
        let mut regional = Vec::new();
        for row in &raw.overrides {
            let Some(o) = row.to_override() else {
                problems.push(format!(
                    "调整记录 {} 的日期 {} 无效，已忽略",
                    row.id, row.date
                ));
                continue;
            };
            match row.scope_org_id {
                None => national.push(o),
                Some(org) => regional.push((org, o)),
            }
        }
        for p in &problems {
            tracing::warn!(problem = %p, "calendar data problem");
        }
        CalendarData {
            base,
            national,
            regional,
            tree: OrgTree::new(raw.tree),
            version: raw.version,
            problems,
        }
    }

    /// The official data (compiled files overlaid by stored years), without overrides.
    pub fn official(&self) -> &Calendar {
        &self.base
    }

    /// The organisation tree read with the data.
    pub fn tree(&self) -> &OrgTree {
        &self.tree
    }

    /// The calendar that applies to `org` (`None`: the national calendar): official data,
    /// national overrides, then the regional overrides of every scope containing `org`,
    /// outermost first so that the innermost decision wins.
    pub fn calendar_for(&self, org: Option<OrgId>) -> Calendar {
        let cal = self.base.with_overrides(self.national.iter().cloned());
        let Some(org) = org else {
            return cal;
        };
        let mut applicable: Vec<&(OrgId, DayOverride)> = self
            .regional
            .iter()
            .filter(|(scope, _)| self.tree.is_within(org, *scope))
            .collect();
        // All applicable scopes are ancestors of `org`, hence a chain: a scope inside another
        // sorts after it. The sort is stable, so rows of one scope keep their order.
        applicable.sort_by(|(a, _), (b, _)| {
            if a == b {
                std::cmp::Ordering::Equal
            } else if self.tree.is_within(*a, *b) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Less
            }
        });
        cal.with_overrides(applicable.into_iter().map(|(_, o)| o.clone()))
    }
}

/// Reads everything needed to build calendars (one read per table).
pub async fn load_data(db: &Db) -> Result<CalendarData> {
    Ok(CalendarData::build(raw_db(db).await?))
}

/// [`load_data`] inside a write transaction (sees the transaction's own changes).
pub async fn load_data_tx(tx: &mut Tx) -> Result<CalendarData> {
    Ok(CalendarData::build(raw_tx(tx).await?))
}

/// The calendar for `org_scope` (`None`: national): official data plus national admin
/// overrides plus the regional overrides whose scope contains the organisation.
pub async fn load(db: &Db, org_scope: Option<OrgId>) -> Result<Calendar> {
    Ok(load_data(db).await?.calendar_for(org_scope))
}

/// The calendar version: bumped by every calendar change.
pub async fn version(db: &Db) -> Result<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT version FROM calendar_state WHERE id = 1"
    )
    .fetch_one(p)
    .await?))
}

/// What a cached calendar depends on: the calendar version and the organisation tree (moving an
/// organisation in or out of a regional scope changes its calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub version: i64,
    pub orgs_updated_at: i64,
    pub orgs_count: i64,
}

/// The current [`Stamp`], in one query.
pub async fn stamp(db: &Db) -> Result<Stamp> {
    let (version, orgs_updated_at, orgs_count): (i64, i64, i64) = on_db!(db, |p| sqlx::query_as(
        "SELECT (SELECT version FROM calendar_state WHERE id = 1), \
                (SELECT COALESCE(MAX(updated_at), 0) FROM orgs), \
                (SELECT COUNT(*) FROM orgs)"
    )
    .fetch_one(p)
    .await?);
    Ok(Stamp {
        version,
        orgs_updated_at,
        orgs_count,
    })
}

/// A process-wide cache of [`CalendarData`], reloaded when the [`Stamp`] changes (one cheap
/// query per call instead of four).
#[derive(Debug, Default)]
pub struct CalendarCache {
    inner: Mutex<Option<(Stamp, Arc<CalendarData>)>>,
}

impl CalendarCache {
    pub fn new() -> CalendarCache {
        CalendarCache::default()
    }

    /// The current data, from the cache when nothing changed.
    pub async fn data(&self, db: &Db) -> Result<Arc<CalendarData>> {
        let now = stamp(db).await?;
        if let Ok(guard) = self.inner.lock()
            && let Some((s, data)) = guard.as_ref()
            && *s == now
        {
            return Ok(data.clone());
        }
        let data = Arc::new(load_data(db).await?);
        if let Ok(mut guard) = self.inner.lock() {
            *guard = Some((now, data.clone()));
        }
        Ok(data)
    }

    /// The calendar of `org` (see [`CalendarData::calendar_for`]).
    pub async fn calendar(&self, db: &Db, org: Option<OrgId>) -> Result<Calendar> {
        Ok(self.data(db).await?.calendar_for(org))
    }
}

/// Every stored notice year, ascending.
pub async fn years(db: &Db) -> Result<Vec<CalendarYear>> {
    let sql = format!("SELECT {YEAR_COLUMNS} FROM calendar_years ORDER BY year");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .fetch_all(p)
    .await?))
}

/// Every administrator override (national and regional), by date.
pub async fn overrides(db: &Db) -> Result<Vec<CalendarDay>> {
    let sql = format!(
        "SELECT {DAY_COLUMNS} FROM calendar_days WHERE source = 'admin' \
         ORDER BY date, scope_org_id, id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .fetch_all(p)
    .await?))
}

/// Stored day rows (official listings and overrides of every scope) from `from` to `to`.
pub async fn entries(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<CalendarDay>> {
    let sql = format!(
        "SELECT {DAY_COLUMNS} FROM calendar_days WHERE date >= $1 AND date <= $2 \
         ORDER BY date, scope_org_id, id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(p)
    .await?))
}

// ---------------------------------------------------------------------------------------------
// Writing

/// What [`seed_official`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SeedReport {
    pub years_inserted: Vec<i32>,
    pub years_updated: Vec<i32>,
    /// Compiled years not applied because an administrator's data for the year are stored.
    pub admin_years_kept: Vec<i32>,
    pub days: MirrorCounts,
    /// Problems of the compiled-in data (Chinese).
    pub problems: Vec<String>,
}

impl SeedReport {
    pub fn changed(&self) -> bool {
        !self.years_inserted.is_empty() || !self.years_updated.is_empty() || self.days.changed()
    }
}

/// Changes made to the official day rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MirrorCounts {
    pub inserted: u64,
    pub updated: u64,
    pub removed: u64,
}

impl MirrorCounts {
    pub fn changed(&self) -> bool {
        self.inserted + self.updated + self.removed > 0
    }
}

/// Seeds the calendar tables from the compiled-in official files (run at start-up). Idempotent:
/// inserts missing years, updates official years whose compiled data changed, refreshes the
/// official day rows, and never touches an administrator's year or override. When something
/// changed it bumps the version, writes one audit record (`calendar.seed`, actor `system`) and
/// enqueues the recompute job, all in one transaction; otherwise it writes nothing.
pub async fn seed_official(db: &Db) -> Result<SeedReport> {
    let official = Calendar::official();
    let mut report = SeedReport {
        problems: official.load_errors().to_vec(),
        ..SeedReport::default()
    };
    let mut tx = db.begin().await?;
    lock_calendar(&mut tx).await?;
    let actor = Actor::system();
    for data in official.years() {
        let stored = year_tx(&mut tx, data.year).await?;
        match stored {
            None => {
                write_year(&mut tx, &actor, data, SOURCE_OFFICIAL, false).await?;
                report.years_inserted.push(data.year);
            }
            Some(row) if row.source == SOURCE_ADMIN => {
                if row.data().ok().as_ref() != Some(data) {
                    report.admin_years_kept.push(data.year);
                }
            }
            Some(row) => {
                if row.data().ok().as_ref() != Some(data) {
                    write_year(&mut tx, &actor, data, SOURCE_OFFICIAL, true).await?;
                    report.years_updated.push(data.year);
                }
            }
        }
    }
    let data = load_data_tx(&mut tx).await?;
    report.days = sync_official_days(&mut tx, &actor, data.official()).await?;
    if report.changed() {
        bump_version(&mut tx).await?;
        audit::append(
            &mut tx,
            &actor,
            Change {
                action: "calendar.seed",
                object_type: "calendar",
                object_id: "official".into(),
                before: None,
                after: Some(serde_json::to_value(&report)?),
            },
        )
        .await?;
        enqueue_recompute(&mut tx, "calendar.seed").await?;
        tx.commit().await?;
    }
    // Nothing changed: dropping the transaction rolls back (there is nothing to roll back).
    Ok(report)
}

/// Adds (or replaces) a notice year from its TOML text, the format of
/// `crates/core/data/calendar/CN/*.toml`, validated by core (Chinese errors as
/// [`StoreError::Invalid`]). Stored as `admin`; seeding will not overwrite it. Audited
/// (`calendar.year.add`, before/after), bumps the version and enqueues the recompute job.
/// Returns the stored row; storing the same data again changes nothing.
pub async fn add_year(tx: &mut Tx, actor: &Actor, toml_text: &str) -> Result<CalendarYear> {
    let data = YearData::from_toml(toml_text).map_err(|e| StoreError::Invalid(e.to_string()))?;
    lock_calendar(tx).await?;
    let before = year_tx(tx, data.year).await?;
    if let Some(row) = &before
        && row.source == SOURCE_ADMIN
        && row.data().ok().as_ref() == Some(&data)
    {
        return Ok(row.clone());
    }
    let after = write_year(tx, actor, &data, SOURCE_ADMIN, before.is_some()).await?;
    let calendar = load_data_tx(tx).await?;
    let days = sync_official_days(tx, actor, calendar.official()).await?;
    bump_version(tx).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "calendar.year.add",
            object_type: "calendar_year",
            object_id: data.year.to_string(),
            before: before.as_ref().map(year_audit).transpose()?,
            after: Some(json!({ "year": year_audit(&after)?, "days": days })),
        },
    )
    .await?;
    enqueue_recompute(tx, "calendar.year.add").await?;
    Ok(after)
}

/// Overrides one day, nationally or for one organisation's subtree. Replaces an existing row
/// for the same (date, scope), official or admin. Audited (`calendar.day.override`,
/// before/after), bumps the version and enqueues the recompute job. An identical override is a
/// no-op.
pub async fn override_day(
    tx: &mut Tx,
    actor: &Actor,
    input: &OverrideInput,
) -> Result<CalendarDay> {
    let date = validate_override(input)?;
    if let Some(org) = input.scope_org_id {
        let exists: i64 = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM orgs WHERE id = $1"
        )
        .bind(org)
        .fetch_one(c)
        .await?);
        if exists == 0 {
            return Err(StoreError::Invalid("适用机构不存在".into()));
        }
    }
    lock_calendar(tx).await?;
    let before = day_tx(tx, date, input.scope_org_id).await?;
    let kind = if input.is_workday {
        KIND_WORK
    } else {
        KIND_OFF
    };
    let name = input.name.trim();
    let doc = input.document_number.trim();
    let url = input.notice_url.trim();
    if let Some(b) = &before
        && b.source == SOURCE_ADMIN
        && b.kind == kind
        && b.name == name
        && b.document_number == doc
        && b.notice_url == url
    {
        return Ok(b.clone());
    }
    let now = now_ms();
    let after: CalendarDay = match &before {
        Some(b) => {
            let sql = format!(
                "UPDATE calendar_days SET kind = $2, name = $3, source = 'admin', notice_year = NULL, \
                 document_number = $4, notice_url = $5, updated_by = $6, updated_at = $7 \
                 WHERE id = $1 RETURNING {DAY_COLUMNS}"
            );
            on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(b.id)
                .bind(kind)
                .bind(name)
                .bind(doc)
                .bind(url)
                .bind(&actor.label)
                .bind(now)
                .fetch_one(c)
                .await?)
        }
        None => {
            let sql = format!(
                "INSERT INTO calendar_days (date, kind, name, source, notice_year, document_number, \
                 notice_url, scope_org_id, updated_by, updated_at) \
                 VALUES ($1, $2, $3, 'admin', NULL, $4, $5, $6, $7, $8) RETURNING {DAY_COLUMNS}"
            );
            on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(date.to_string())
                .bind(kind)
                .bind(name)
                .bind(doc)
                .bind(url)
                .bind(input.scope_org_id)
                .bind(&actor.label)
                .bind(now)
                .fetch_one(c)
                .await?)
        }
    };
    bump_version(tx).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "calendar.day.override",
            object_type: "calendar_day",
            object_id: day_object_id(date, input.scope_org_id),
            before: before.map(serde_json::to_value).transpose()?,
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    enqueue_recompute(tx, "calendar.day.override").await?;
    Ok(after)
}

/// Removes an administrator's override of `date` in `scope` (`None`: national). A national
/// override of a listed day gives way to the official row again. Audited
/// (`calendar.day.remove_override`, before = the override, after = the restored official row or
/// null), bumps the version and enqueues the recompute job.
pub async fn remove_override(
    tx: &mut Tx,
    actor: &Actor,
    date: NaiveDate,
    scope: Option<OrgId>,
) -> Result<()> {
    lock_calendar(tx).await?;
    let before = day_tx(tx, date, scope)
        .await?
        .filter(|d| d.source == SOURCE_ADMIN)
        .ok_or_else(|| StoreError::NotFound(format!("{date} 没有管理员调整记录")))?;
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM calendar_days WHERE id = $1"
    )
    .bind(before.id)
    .execute(c)
    .await?
    .rows_affected());
    if scope.is_none() {
        let calendar = load_data_tx(tx).await?;
        sync_official_days(tx, actor, calendar.official()).await?;
    }
    let restored = day_tx(tx, date, scope).await?;
    bump_version(tx).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "calendar.day.remove_override",
            object_type: "calendar_day",
            object_id: day_object_id(date, scope),
            before: Some(serde_json::to_value(&before)?),
            after: restored.map(serde_json::to_value).transpose()?,
        },
    )
    .await?;
    enqueue_recompute(tx, "calendar.day.remove_override").await?;
    Ok(())
}

fn validate_override(input: &OverrideInput) -> Result<NaiveDate> {
    let date = input.date;
    check_range(date).map_err(|e| StoreError::Invalid(e.to_string()))?;
    if input.name.trim().chars().count() > MAX_NAME_CHARS {
        return Err(StoreError::Invalid(format!(
            "名称不能超过 {MAX_NAME_CHARS} 个字"
        )));
    }
    if input.document_number.trim().chars().count() > MAX_DOC_CHARS {
        return Err(StoreError::Invalid(format!(
            "文号不能超过 {MAX_DOC_CHARS} 个字"
        )));
    }
    let url = input.notice_url.trim();
    if url.chars().count() > MAX_URL_CHARS {
        return Err(StoreError::Invalid(format!(
            "链接不能超过 {MAX_URL_CHARS} 个字符"
        )));
    }
    let http = url.starts_with("https://") || url.starts_with("http://");
    if !url.is_empty() && !http {
        return Err(StoreError::Invalid(
            "链接须以 http:// 或 https:// 开头".into(),
        ));
    }
    Ok(date)
}

fn day_object_id(date: NaiveDate, scope: Option<OrgId>) -> String {
    match scope {
        None => date.to_string(),
        Some(org) => format!("{date}@{org}"),
    }
}

fn year_audit(row: &CalendarYear) -> Result<serde_json::Value> {
    let data: serde_json::Value = serde_json::from_str(&row.data_json)?;
    Ok(json!({ "year": row.year, "source": row.source, "data": data }))
}

async fn year_tx(tx: &mut Tx, year: i32) -> Result<Option<CalendarYear>> {
    let sql = format!("SELECT {YEAR_COLUMNS} FROM calendar_years WHERE year = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(i64::from(year))
    .fetch_optional(c)
    .await?))
}

async fn day_tx(tx: &mut Tx, date: NaiveDate, scope: Option<OrgId>) -> Result<Option<CalendarDay>> {
    let sql = format!(
        "SELECT {DAY_COLUMNS} FROM calendar_days \
         WHERE date = $1 AND COALESCE(scope_org_id, 0) = COALESCE($2, 0)"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(date.to_string())
    .bind(scope)
    .fetch_optional(c)
    .await?))
}

/// Inserts or replaces a year row.
async fn write_year(
    tx: &mut Tx,
    actor: &Actor,
    data: &YearData,
    source: &str,
    exists: bool,
) -> Result<CalendarYear> {
    let first = data.notices.first();
    let title = first.map(|n| n.title.clone()).unwrap_or_default();
    let doc = first
        .and_then(|n| n.document_number.clone())
        .unwrap_or_default();
    let urls = serde_json::to_string(&first.map(|n| n.urls.clone()).unwrap_or_default())?;
    let data_json = serde_json::to_string(data)?;
    let sql = if exists {
        format!(
            "UPDATE calendar_years SET notice_title = $2, document_number = $3, urls_json = $4, \
             data_json = $5, source = $6, loaded_at = $7, updated_by = $8 WHERE year = $1 \
             RETURNING {YEAR_COLUMNS}"
        )
    } else {
        format!(
            "INSERT INTO calendar_years ({YEAR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING {YEAR_COLUMNS}"
        )
    };
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(i64::from(data.year))
    .bind(&title)
    .bind(&doc)
    .bind(&urls)
    .bind(&data_json)
    .bind(source)
    .bind(now_ms())
    .bind(&actor.label)
    .fetch_one(c)
    .await?))
}

/// One official listing as the mirror stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listing {
    kind: &'static str,
    name: String,
    notice_year: i64,
    document_number: String,
    notice_url: String,
}

/// The listed days of every loaded notice year; a later notice year wins where two overlap
/// (as in core).
fn listings(official: &Calendar) -> BTreeMap<NaiveDate, Listing> {
    let mut out = BTreeMap::new();
    for data in official.years() {
        let first = data.notices.first();
        let doc = first
            .and_then(|n| n.document_number.clone())
            .unwrap_or_default();
        let url = first
            .and_then(|n| n.urls.first().cloned())
            .unwrap_or_default();
        for h in &data.holidays {
            let days = h
                .off
                .iter()
                .map(|d| (*d, KIND_OFF))
                .chain(h.work.iter().map(|d| (*d, KIND_WORK)));
            for (date, kind) in days {
                out.insert(
                    date,
                    Listing {
                        kind,
                        name: h.name.clone(),
                        notice_year: i64::from(data.year),
                        document_number: doc.clone(),
                        notice_url: url.clone(),
                    },
                );
            }
        }
    }
    out
}

/// Makes the national official rows equal the listings of `official`, leaving admin rows alone.
async fn sync_official_days(
    tx: &mut Tx,
    actor: &Actor,
    official: &Calendar,
) -> Result<MirrorCounts> {
    let desired = listings(official);
    let sql = format!("SELECT {DAY_COLUMNS} FROM calendar_days WHERE scope_org_id IS NULL");
    let existing: Vec<CalendarDay> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(c)
            .await?);
    let existing: HashMap<NaiveDate, CalendarDay> = existing
        .into_iter()
        .filter_map(|d| Some((d.date()?, d)))
        .collect();
    let now = now_ms();
    let mut counts = MirrorCounts::default();
    for (date, want) in &desired {
        match existing.get(date) {
            Some(row) if row.source == SOURCE_ADMIN => {}
            Some(row) => {
                let same = row.kind == want.kind
                    && row.name == want.name
                    && row.notice_year == Some(want.notice_year)
                    && row.document_number == want.document_number
                    && row.notice_url == want.notice_url;
                if !same {
                    on_tx!(tx, |c| sqlx::query(
                        "UPDATE calendar_days SET kind = $2, name = $3, notice_year = $4, \
                         document_number = $5, notice_url = $6, updated_by = $7, updated_at = $8 \
                         WHERE id = $1"
                    )
                    .bind(row.id)
                    .bind(want.kind)
                    .bind(&want.name)
                    .bind(want.notice_year)
                    .bind(&want.document_number)
                    .bind(&want.notice_url)
                    .bind(&actor.label)
                    .bind(now)
                    .execute(c)
                    .await?
                    .rows_affected());
                    counts.updated += 1;
                }
            }
            None => {
                on_tx!(tx, |c| sqlx::query(
                    "INSERT INTO calendar_days (date, kind, name, source, notice_year, \
                     document_number, notice_url, scope_org_id, updated_by, updated_at) \
                     VALUES ($1, $2, $3, 'official', $4, $5, $6, NULL, $7, $8)"
                )
                .bind(date.to_string())
                .bind(want.kind)
                .bind(&want.name)
                .bind(want.notice_year)
                .bind(&want.document_number)
                .bind(&want.notice_url)
                .bind(&actor.label)
                .bind(now)
                .execute(c)
                .await?
                .rows_affected());
                counts.inserted += 1;
            }
        }
    }
    for (date, row) in &existing {
        if row.source == SOURCE_OFFICIAL && !desired.contains_key(date) {
            on_tx!(tx, |c| sqlx::query(
                "DELETE FROM calendar_days WHERE id = $1"
            )
            .bind(row.id)
            .execute(c)
            .await?
            .rows_affected());
            counts.removed += 1;
        }
    }
    Ok(counts)
}

/// Serialises calendar changes: on PostgreSQL a transaction-scoped advisory lock (two instances
/// seeding at start-up, or two administrators overriding the same day, would otherwise race on
/// the unique (date, scope) index); on SQLite the single writer already does.
async fn lock_calendar(tx: &mut Tx) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        on_tx!(tx, |c| sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CALENDAR_LOCK_KEY)
            .execute(c)
            .await?
            .rows_affected());
    }
    Ok(())
}

async fn bump_version(tx: &mut Tx) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE calendar_state SET version = version + 1 WHERE id = 1"
    )
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// Enqueues the recompute job in `tx`. A burst of changes collapses into one job, but only into
/// a job that has not started yet: a running (or finished) job may have read the calendar before
/// this change, so its dedupe key is released first and a fresh job queued behind it.
pub(crate) async fn enqueue_recompute(tx: &mut Tx, reason: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE jobs SET dedupe_key = NULL WHERE dedupe_key = $1 AND status <> 'queued'"
    )
    .bind(RECOMPUTE_JOB)
    .execute(c)
    .await?
    .rows_affected());
    jobs::enqueue(
        tx,
        RECOMPUTE_JOB,
        &json!({ "reason": reason }),
        Some(RECOMPUTE_JOB),
        now_ms(),
    )
    .await?;
    Ok(())
}
