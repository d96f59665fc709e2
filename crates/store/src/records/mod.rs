//! The work registers of issue #12 — training sessions, assessment and public evaluation,
//! 人大代表建议/政协提案 and publicity activities — kept with one engine: each register is a
//! [`Kind`] (its table and fields, in `kinds`), and creating, editing, reading, listing by
//! scope and year, and the audit record are written once here. Every record belongs to an
//! organisation (`org_id`, the scope that sees it) and a year (from its date field, or entered).
//! Training sessions also name their participants from the user list
//! (`training_participants`); a proposal's disclosable reply can become a draft item
//! ([`set_item`], the web layer creates the item through `items::create`, so it goes through
//! the normal review).

pub mod kinds;
pub mod proposals;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use gongkai_core::org::OrgId;
use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::{self, Actor, Change};
use crate::items::catalog::{Arg, in_list};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

pub use kinds::{ASSESSMENTS, KINDS, PROPOSALS, PUBLICITY, TRAINING};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// One line of text, at most 200 characters.
    Line,
    /// Longer text, at most 5000 characters.
    Text,
    /// A date `YYYY-MM-DD`.
    Date,
    /// A whole number ≥ 0.
    Count,
    /// A year (2000–2100).
    Year,
    /// One of (code, label).
    Choice(&'static [(&'static str, &'static str)]),
}

/// One field of a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Column and form name.
    pub name: &'static str,
    pub label: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// Shown under the label.
    pub hint: &'static str,
    /// Shown as a column of the console list.
    pub listed: bool,
}

impl Field {
    pub fn is_long(&self) -> bool {
        self.ty == FieldType::Text
    }
    pub fn choices(&self) -> &'static [(&'static str, &'static str)] {
        match self.ty {
            FieldType::Choice(c) => c,
            _ => &[],
        }
    }
    /// The label of a stored value (the choice's label, else the value).
    pub fn display(&self, v: &str) -> String {
        match self.ty {
            FieldType::Choice(c) => c
                .iter()
                .find(|(code, _)| *code == v)
                .map(|(_, l)| (*l).to_string())
                .unwrap_or_else(|| v.to_string()),
            _ => v.to_string(),
        }
    }
}

/// A register.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// URL and API segment.
    pub code: &'static str,
    pub table: &'static str,
    /// Audit object type.
    pub object_type: &'static str,
    /// Name of the register (e.g. 业务培训).
    pub label: &'static str,
    /// What one record is called (e.g. 培训).
    pub noun: &'static str,
    pub fields: &'static [Field],
    /// The field the record's year comes from (a date, or a [`FieldType::Year`]).
    pub year_field: &'static str,
    /// The field used as the record's title.
    pub title_field: &'static str,
    /// The field a list may be filtered by (a choice).
    pub filter_field: Option<&'static str>,
    /// Participants from the user list (training).
    pub participants: bool,
    /// Records may link to a draft item (proposals).
    pub item_link: bool,
    /// Checks across fields, in Chinese.
    pub check: fn(&Cells) -> Errors,
}

impl Kind {
    pub fn from_code(code: &str) -> Option<&'static Kind> {
        KINDS.iter().copied().find(|k| k.code == code)
    }
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Parsed values by field name.
pub type Cells = BTreeMap<&'static str, Cell>;

/// A parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    S(Option<String>),
    I(i64),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::S(s) => s.clone().unwrap_or_default(),
            Cell::I(n) => n.to_string(),
        }
    }
}

/// A record as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub id: i64,
    pub org_id: i64,
    pub year: i64,
    /// Field values: strings (empty when not given) or numbers.
    pub values: BTreeMap<String, Value>,
    /// Participants from the user list (training only).
    pub participants: Vec<i64>,
    /// The draft item made from the record (proposals only).
    pub item_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Record {
    /// A field's value as text ("" when empty).
    pub fn text(&self, name: &str) -> String {
        match self.values.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    }
    /// A count field's value.
    pub fn count(&self, name: &str) -> i64 {
        self.values.get(name).and_then(Value::as_i64).unwrap_or(0)
    }
}

/// What staff enter: the owning organisation, the raw text of each field, the participants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    pub org_id: OrgId,
    pub values: BTreeMap<String, String>,
    pub participants: Vec<i64>,
}

/// Errors by field, in Chinese.
pub type Errors = Vec<(&'static str, String)>;

/// Parses and validates `input` against `kind`: the values by field, or the errors by field.
pub fn parse(
    kind: &Kind,
    input: &Input,
) -> std::result::Result<BTreeMap<&'static str, Cell>, Errors> {
    let mut errors: Errors = Vec::new();
    let mut out = BTreeMap::new();
    for f in kind.fields {
        let raw = input.values.get(f.name).map(|s| s.trim()).unwrap_or("");
        if raw.is_empty() {
            if f.required {
                let verb = if matches!(f.ty, FieldType::Choice(_)) {
                    "请选择"
                } else {
                    "请填写"
                };
                errors.push((f.name, format!("{verb}{}", f.label)));
            }
            out.insert(
                f.name,
                match f.ty {
                    FieldType::Count => Cell::I(0),
                    _ => Cell::S(if matches!(f.ty, FieldType::Date) {
                        None
                    } else {
                        Some(String::new())
                    }),
                },
            );
            continue;
        }
        let cell = match f.ty {
            FieldType::Line | FieldType::Text => {
                let max = if f.ty == FieldType::Line { 200 } else { 5000 };
                if raw.chars().count() > max {
                    errors.push((f.name, format!("{}不能超过 {max} 个字", f.label)));
                }
                Cell::S(Some(raw.to_string()))
            }
            FieldType::Date => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) if (2000..=2100).contains(&d.year()) => Cell::S(Some(d.to_string())),
                _ => {
                    errors.push((
                        f.name,
                        format!("{}须为“年-月-日”格式的日期，例如 2019-03-29", f.label),
                    ));
                    Cell::S(None)
                }
            },
            FieldType::Count => match raw.parse::<i64>() {
                Ok(n) if (0..=10_000_000).contains(&n) => Cell::I(n),
                _ => {
                    errors.push((f.name, format!("{}须为不小于 0 的整数", f.label)));
                    Cell::I(0)
                }
            },
            FieldType::Year => match raw.parse::<i64>() {
                Ok(n) if (2000..=2100).contains(&n) => Cell::I(n),
                _ => {
                    errors.push((
                        f.name,
                        format!("{}须为 2000 至 2100 之间的四位数字，例如 2019", f.label),
                    ));
                    Cell::I(0)
                }
            },
            FieldType::Choice(c) => {
                if c.iter().any(|(code, _)| *code == raw) {
                    Cell::S(Some(raw.to_string()))
                } else {
                    let labels: Vec<&str> = c.iter().map(|(_, l)| *l).collect();
                    errors.push((f.name, format!("{}只能是：{}", f.label, labels.join("、"))));
                    Cell::S(Some(String::new()))
                }
            }
        };
        out.insert(f.name, cell);
    }
    if errors.is_empty() {
        errors.extend((kind.check)(&out));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn year_of(kind: &Kind, cells: &BTreeMap<&'static str, Cell>) -> Result<i64> {
    match cells.get(kind.year_field) {
        Some(Cell::I(y)) => Ok(*y),
        Some(Cell::S(Some(d))) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|d| i64::from(d.year()))
            .map_err(|_| StoreError::Invalid("日期格式错误".into())),
        _ => Err(StoreError::Invalid("缺少日期".into())),
    }
}

fn first(errors: Errors) -> StoreError {
    StoreError::Invalid(
        errors
            .into_iter()
            .next()
            .map(|(_, m)| m)
            .unwrap_or_default(),
    )
}

async fn check_refs(tx: &mut Tx, kind: &Kind, input: &Input) -> Result<()> {
    let org: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM orgs WHERE id = $1"
    )
    .bind(input.org_id)
    .fetch_optional(c)
    .await?);
    if org.is_none() {
        return Err(StoreError::Invalid("所属单位不存在".into()));
    }
    if kind.participants {
        for u in &input.participants {
            let found: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT id FROM users WHERE id = $1"
            )
            .bind(*u)
            .fetch_optional(c)
            .await?);
            if found.is_none() {
                return Err(StoreError::Invalid(format!(
                    "参训人员（用户编号 {u}）不存在"
                )));
            }
        }
    }
    Ok(())
}

async fn set_participants(tx: &mut Tx, kind: &Kind, id: i64, users: &[i64]) -> Result<()> {
    if !kind.participants {
        return Ok(());
    }
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM training_participants WHERE session_id = $1"
    )
    .bind(id)
    .execute(c)
    .await?
    .rows_affected());
    let mut users = users.to_vec();
    users.sort_unstable();
    users.dedup();
    for u in users {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO training_participants (session_id, user_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(u)
        .execute(c)
        .await?
        .rows_affected());
    }
    Ok(())
}

/// Creates a record. Audited.
pub async fn create(tx: &mut Tx, actor: &Actor, kind: &Kind, input: &Input) -> Result<Record> {
    let cells = parse(kind, input).map_err(first)?;
    check_refs(tx, kind, input).await?;
    let year = year_of(kind, &cells)?;
    let names: Vec<&str> = kind.fields.iter().map(|f| f.name).collect();
    let n = names.len();
    let marks: Vec<String> = (1..=n + 5).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({cols}, org_id, year, created_by, created_at, updated_at) \
         VALUES ({marks}) RETURNING id",
        table = kind.table,
        cols = names.join(", "),
        marks = marks.join(", "),
    );
    let now = now_ms();
    let id: i64 = on_tx!(tx, |c| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
        for f in kind.fields {
            q = match cells.get(f.name) {
                Some(Cell::I(v)) => q.bind(*v),
                Some(Cell::S(v)) => q.bind(v.clone()),
                None => q.bind(None::<String>),
            };
        }
        q.bind(input.org_id)
            .bind(year)
            .bind(&actor.label)
            .bind(now)
            .bind(now)
            .fetch_one(c)
            .await?
    });
    set_participants(tx, kind, id, &input.participants).await?;
    let rec = get_tx(tx, kind, id).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: &format!("{}.create", kind.object_type),
            object_type: kind.object_type,
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&rec)?),
        },
    )
    .await?;
    Ok(rec)
}

/// Changes a record. Audited with the record before and after.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    kind: &Kind,
    id: i64,
    input: &Input,
) -> Result<Record> {
    let cells = parse(kind, input).map_err(first)?;
    let before = get_tx(tx, kind, id).await?;
    check_refs(tx, kind, input).await?;
    let year = year_of(kind, &cells)?;
    let sets: Vec<String> = kind
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{} = ${}", f.name, i + 2))
        .collect();
    let n = kind.fields.len();
    let sql = format!(
        "UPDATE {table} SET {sets}, org_id = ${a}, year = ${b}, updated_at = ${c} WHERE id = $1",
        table = kind.table,
        sets = sets.join(", "),
        a = n + 2,
        b = n + 3,
        c = n + 4,
    );
    on_tx!(tx, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(id);
        for f in kind.fields {
            q = match cells.get(f.name) {
                Some(Cell::I(v)) => q.bind(*v),
                Some(Cell::S(v)) => q.bind(v.clone()),
                None => q.bind(None::<String>),
            };
        }
        q.bind(input.org_id)
            .bind(year)
            .bind(now_ms())
            .execute(c)
            .await?
            .rows_affected()
    });
    set_participants(tx, kind, id, &input.participants).await?;
    let rec = get_tx(tx, kind, id).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: &format!("{}.update", kind.object_type),
            object_type: kind.object_type,
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&rec)?),
        },
    )
    .await?;
    Ok(rec)
}

/// Links a record (a proposal) to the draft item made from it. Audited.
pub async fn set_item(
    tx: &mut Tx,
    actor: &Actor,
    kind: &Kind,
    id: i64,
    item_id: i64,
) -> Result<()> {
    if !kind.item_link {
        return Err(StoreError::Invalid("该台账不能转为信息".into()));
    }
    let sql = format!("UPDATE {} SET item_id = $2 WHERE id = $1", kind.table);
    on_tx!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(item_id)
        .execute(c)
        .await?
        .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: &format!("{}.draft_item", kind.object_type),
            object_type: kind.object_type,
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"item_id": item_id})),
        },
    )
    .await?;
    Ok(())
}

/// The SELECT list: every column as text, so one decoding serves both backends and all kinds.
fn select_list(kind: &Kind) -> String {
    let mut cols = vec![
        "CAST(id AS TEXT)".to_string(),
        "CAST(org_id AS TEXT)".to_string(),
        "CAST(year AS TEXT)".to_string(),
        "created_by".to_string(),
        "CAST(created_at AS TEXT)".to_string(),
        "CAST(updated_at AS TEXT)".to_string(),
    ];
    cols.push(if kind.item_link {
        "CAST(item_id AS TEXT)".to_string()
    } else {
        "NULL".to_string()
    });
    for f in kind.fields {
        cols.push(format!("CAST({} AS TEXT)", f.name));
    }
    cols.join(", ")
}

fn decode(kind: &Kind, cells: Vec<Option<String>>) -> Record {
    let num = |i: usize| -> i64 {
        cells
            .get(i)
            .cloned()
            .flatten()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let mut values = BTreeMap::new();
    for (i, f) in kind.fields.iter().enumerate() {
        let raw = cells.get(7 + i).cloned().flatten().unwrap_or_default();
        let v = match f.ty {
            FieldType::Count | FieldType::Year => json!(raw.parse::<i64>().unwrap_or(0)),
            _ => json!(raw),
        };
        values.insert(f.name.to_string(), v);
    }
    Record {
        id: num(0),
        org_id: num(1),
        year: num(2),
        values,
        participants: Vec::new(),
        item_id: cells.get(6).cloned().flatten().and_then(|s| s.parse().ok()),
        created_by: cells.get(3).cloned().flatten().unwrap_or_default(),
        created_at: num(4),
        updated_at: num(5),
    }
}

fn width(kind: &Kind) -> usize {
    7 + kind.fields.len()
}

async fn get_tx(tx: &mut Tx, kind: &Kind, id: i64) -> Result<Record> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id = $1",
        select_list(kind),
        kind.table
    );
    let w = width(kind);
    let row: Option<Vec<Option<String>>> = on_tx!(tx, |c| {
        let r = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(c)
            .await?;
        match r {
            Some(r) => {
                let mut cells = Vec::with_capacity(w);
                for i in 0..w {
                    cells.push(sqlx::Row::try_get::<Option<String>, _>(&r, i)?);
                }
                Some(cells)
            }
            None => None,
        }
    });
    let mut rec = decode(
        kind,
        row.ok_or_else(|| StoreError::NotFound(format!("{}记录不存在", kind.noun)))?,
    );
    if kind.participants {
        rec.participants = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT user_id FROM training_participants WHERE session_id = $1 ORDER BY user_id"
        )
        .bind(id)
        .fetch_all(c)
        .await?);
    }
    Ok(rec)
}

/// One record.
pub async fn get(db: &Db, kind: &Kind, id: i64) -> Result<Option<Record>> {
    let f = Filter {
        id: Some(id),
        ..Filter::default()
    };
    Ok(query(db, kind, None, &f).await?.into_iter().next())
}

/// A list filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub id: Option<i64>,
    pub year: Option<i32>,
    pub org_id: Option<OrgId>,
    /// A value of the kind's `filter_field`.
    pub choice: Option<String>,
}

/// Records of organisations inside `ids` (the caller's scope), filtered, newest first.
pub async fn list(db: &Db, kind: &Kind, ids: &[OrgId], f: &Filter) -> Result<Vec<Record>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    query(db, kind, Some(ids), f).await
}

async fn query(db: &Db, kind: &Kind, ids: Option<&[OrgId]>, f: &Filter) -> Result<Vec<Record>> {
    let mut args = Vec::new();
    let mut conds = vec!["1 = 1".to_string()];
    if let Some(ids) = ids {
        conds.push(in_list("org_id", ids, &mut args));
    }
    if let Some(v) = f.id {
        args.push(Arg::I(v));
        conds.push(format!("id = ${}", args.len()));
    }
    if let Some(v) = f.year {
        args.push(Arg::I(i64::from(v)));
        conds.push(format!("year = ${}", args.len()));
    }
    if let Some(v) = f.org_id {
        args.push(Arg::I(v));
        conds.push(format!("org_id = ${}", args.len()));
    }
    if let (Some(v), Some(field)) = (&f.choice, kind.filter_field) {
        args.push(Arg::S(v.clone()));
        conds.push(format!("{field} = ${}", args.len()));
    }
    let order = kind
        .fields
        .iter()
        .find(|x| x.ty == FieldType::Date && x.required)
        .map(|x| format!("{} DESC, ", x.name))
        .unwrap_or_default();
    let sql = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY year DESC, {order}id DESC",
        select_list(kind),
        kind.table,
        conds.join(" AND ")
    );
    let w = width(kind);
    let rows: Vec<Vec<Option<String>>> = on_db!(db, |p| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        let rows = q.fetch_all(p).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut cells = Vec::with_capacity(w);
            for i in 0..w {
                cells.push(sqlx::Row::try_get::<Option<String>, _>(r, i)?);
            }
            out.push(cells);
        }
        out
    });
    let mut recs: Vec<Record> = rows.into_iter().map(|c| decode(kind, c)).collect();
    if kind.participants {
        for r in &mut recs {
            r.participants = on_db!(db, |p| {
                sqlx::query_scalar(
                "SELECT user_id FROM training_participants WHERE session_id = $1 ORDER BY user_id"
            )
            .bind(r.id)
            .fetch_all(p)
            .await?
            });
        }
    }
    Ok(recs)
}

/// The year's figures of the registers for the annual report narrative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct YearTotals {
    pub training_sessions: i64,
    /// Staff from the user list plus outsiders.
    pub training_participants: i64,
    /// (kind label, count) of assessment records, and their titles.
    pub assessments: Vec<(String, i64)>,
    pub npc_suggestions: i64,
    pub cppcc_proposals: i64,
    pub proposals_replied: i64,
    /// Of the replied ones rated 满意 or 基本满意.
    pub proposals_satisfied: i64,
    /// (kind label, activities, pieces).
    pub publicity: Vec<(String, i64, i64)>,
}

/// The registers' totals of `year` for organisations inside `ids`.
pub async fn year_totals(db: &Db, ids: &[OrgId], year: i32) -> Result<YearTotals> {
    let f = Filter {
        year: Some(year),
        ..Filter::default()
    };
    let mut t = YearTotals::default();
    let training = list(db, &TRAINING, ids, &f).await?;
    t.training_sessions = training.len() as i64;
    t.training_participants = training
        .iter()
        .map(|r| r.participants.len() as i64 + r.count("outsiders"))
        .sum();
    let assessments = list(db, &ASSESSMENTS, ids, &f).await?;
    if let Some(field) = ASSESSMENTS.field("kind") {
        for (code, label) in field.choices() {
            let n = assessments
                .iter()
                .filter(|r| r.text("kind") == *code)
                .count() as i64;
            if n > 0 {
                t.assessments.push(((*label).to_string(), n));
            }
        }
    }
    for p in list(db, &PROPOSALS, ids, &f).await? {
        match p.text("kind").as_str() {
            "npc" => t.npc_suggestions += 1,
            _ => t.cppcc_proposals += 1,
        }
        if !p.text("replied_on").is_empty() {
            t.proposals_replied += 1;
            if matches!(p.text("satisfaction").as_str(), "satisfied" | "basically") {
                t.proposals_satisfied += 1;
            }
        }
    }
    let publicity = list(db, &PUBLICITY, ids, &f).await?;
    if let Some(field) = PUBLICITY.field("kind") {
        for (code, label) in field.choices() {
            let of: Vec<&Record> = publicity
                .iter()
                .filter(|r| r.text("kind") == *code)
                .collect();
            if !of.is_empty() {
                let pieces = of.iter().map(|r| r.count("pieces")).sum();
                t.publicity
                    .push(((*label).to_string(), of.len() as i64, pieces));
            }
        }
    }
    Ok(t)
}
