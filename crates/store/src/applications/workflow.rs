//! The workflow steps of an application (Art. 45: 登记、审核、办理、答复、归档; REG §1.5). Each
//! step takes the caller's transaction and an [`Actor`], locks the application, checks the stage,
//! writes, appends the timeline row and the audit record (`application.<step>`), and keeps the
//! deadlines register in step. Permission (role and scope) is the caller's check.

use chrono::NaiveDate;
use gongkai_core::applications::clocks::{
    self, ConsultationSpan, DEFAULT_CORRECTION_WORKDAYS, DEFAULT_FEE_WORKDAYS, ExtensionRequest,
    ReplyFacts,
};
use gongkai_core::applications::{Basis, Outcome, Stage};
use gongkai_core::calendar::Clock;
use gongkai_core::fee;
use serde::Serialize;
use serde_json::json;

use super::{
    AppItem, Application, ITEM_COLUMNS, OBJECT_TYPE, audit_view, date_of, insert_event, invalid,
    items_tx, lock, reload,
};
use crate::audit::{self, Actor, Change};
use crate::deadlines::{self, DeadlineInput, DeadlineRow};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// Job kind of the daily sweep that closes lapsed 补正 and fee periods（六）1/（六）2.
pub const SWEEP_JOB: &str = "applications.sweep";

/// Deadline kinds (the register's `kind`).
pub const REPLY: &str = "reply";
pub const CORRECTION_NOTICE: &str = "correction_notice";
pub const CORRECTION_PERIOD: &str = "correction_period";
pub const FEE_PAYMENT: &str = "fee_payment";

/// The deadline kind of a consultation.
pub fn consultation_kind(id: i64) -> String {
    format!("consultation:{id}")
}

/// A value to set in an UPDATE.
enum Val {
    S(Option<String>),
    I(Option<i64>),
    B(bool),
}

fn ds(d: NaiveDate) -> Val {
    Val::S(Some(d.to_string()))
}

fn stage_err(app: &Application, what: &str) -> StoreError {
    StoreError::Conflict(format!(
        "申请 {} 当前为“{}”，不能{what}",
        app.tracking_no,
        app.stage_label()
    ))
}

/// Sets columns and the stage, appends the timeline row and the audit record.
#[allow(clippy::too_many_arguments)]
async fn step(
    tx: &mut Tx,
    actor: &Actor,
    before: &Application,
    action: &str,
    to: Stage,
    on: Option<NaiveDate>,
    note: &str,
    sets: Vec<(&str, Val)>,
) -> Result<Application> {
    let mut sql = String::from("UPDATE applications SET stage = $2, updated_at = $3");
    for (i, (col, _)) in sets.iter().enumerate() {
        sql.push_str(&format!(", {col} = ${}", i + 4));
    }
    sql.push_str(" WHERE id = $1");
    let now = now_ms();
    on_tx!(tx, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(before.id)
            .bind(to.code())
            .bind(now);
        for (_, v) in &sets {
            q = match v {
                Val::S(s) => q.bind(s.clone()),
                Val::I(i) => q.bind(*i),
                Val::B(b) => q.bind(*b),
            };
        }
        q.execute(c).await?.rows_affected()
    });
    let after = reload(tx, before.id).await?;
    insert_event(tx, actor, after.id, action, &before.stage, to, on, note).await?;
    let mut after_json = audit_view(&after);
    if !note.is_empty() {
        after_json["note"] = json!(note);
    }
    audit::append(
        tx,
        actor,
        Change {
            action: &format!("application.{action}"),
            object_type: OBJECT_TYPE,
            object_id: after.id.to_string(),
            before: Some(audit_view(before)),
            after: Some(after_json),
        },
    )
    .await?;
    Ok(after)
}

async fn setting_workdays(tx: &mut Tx, key: &str, default: u32) -> Result<u32> {
    let v: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(c)
    .await?);
    Ok(v.and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (1..=60).contains(n))
        .unwrap_or(default))
}

async fn upsert_deadline(
    tx: &mut Tx,
    actor: &Actor,
    app: &Application,
    kind: &str,
    what: &str,
    clock: Clock,
) -> Result<DeadlineRow> {
    deadlines::upsert(
        tx,
        actor,
        &DeadlineInput {
            object_type: OBJECT_TYPE.into(),
            object_id: app.id,
            org_id: app.org_id,
            kind: kind.into(),
            label: format!("依申请公开 {} {what}", app.tracking_no),
            clock,
        },
    )
    .await
}

async fn close_deadline(tx: &mut Tx, actor: &Actor, app: &Application, kind: &str) -> Result<()> {
    deadlines::close(tx, actor, OBJECT_TYPE, app.id, kind).await?;
    Ok(())
}

/// A consultation (Arts. 32, 34).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Consultation {
    pub id: i64,
    pub application_id: i64,
    /// `third_party` or `agency`.
    pub party_kind: String,
    pub party_name: String,
    pub sent_on: String,
    pub party_received_on: Option<String>,
    pub due_on: String,
    pub replied_on: Option<String>,
    /// `agree`, `disagree`, `none` (no answer in time) or ''.
    pub opinion: String,
    pub note: String,
    pub created_at: i64,
}

const CONSULTATION_COLUMNS: &str = "id, application_id, party_kind, party_name, sent_on, \
    party_received_on, due_on, replied_on, opinion, note, created_at";

/// An approved extension (Art. 33 ¶2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Extension {
    pub id: i64,
    pub application_id: i64,
    pub workdays: i64,
    pub reason: String,
    pub approved_by: String,
    pub approved_by_id: Option<i64>,
    pub approved_on: String,
    pub notice_on: String,
    pub original_due_on: String,
    pub created_at: i64,
}

const EXTENSION_COLUMNS: &str = "id, application_id, workdays, reason, approved_by, \
    approved_by_id, approved_on, notice_on, original_due_on, created_at";

/// A fee notice (REG §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FeeNotice {
    pub id: i64,
    pub application_id: i64,
    /// `item` (按件) or `page` (按量).
    pub method: String,
    pub units: i64,
    pub already: i64,
    pub amount_fen: i64,
    /// The working, one line per tier.
    pub working: String,
    pub notice_on: String,
    pub notice_received_on: String,
    pub due_on: String,
    pub paid_on: Option<String>,
    pub created_at: i64,
}

const FEE_COLUMNS: &str = "id, application_id, method, units, already, amount_fen, working, \
    notice_on, notice_received_on, due_on, paid_on, created_at";

pub(crate) async fn consultations_tx(tx: &mut Tx, id: i64) -> Result<Vec<Consultation>> {
    let sql = format!(
        "SELECT {CONSULTATION_COLUMNS} FROM application_consultations WHERE application_id = $1 ORDER BY id"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_all(c)
    .await?))
}

async fn extensions_tx(tx: &mut Tx, id: i64) -> Result<Vec<Extension>> {
    let sql = format!(
        "SELECT {EXTENSION_COLUMNS} FROM application_extensions WHERE application_id = $1 ORDER BY id"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_all(c)
    .await?))
}

async fn fees_tx(tx: &mut Tx, id: i64) -> Result<Vec<FeeNotice>> {
    let sql =
        format!("SELECT {FEE_COLUMNS} FROM application_fees WHERE application_id = $1 ORDER BY id");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_all(c)
    .await?))
}

pub async fn consultations(db: &Db, id: i64) -> Result<Vec<Consultation>> {
    let sql = format!(
        "SELECT {CONSULTATION_COLUMNS} FROM application_consultations WHERE application_id = $1 ORDER BY id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_all(p)
    .await?))
}

pub async fn extensions(db: &Db, id: i64) -> Result<Vec<Extension>> {
    let sql = format!(
        "SELECT {EXTENSION_COLUMNS} FROM application_extensions WHERE application_id = $1 ORDER BY id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_all(p)
    .await?))
}

pub async fn fees(db: &Db, id: i64) -> Result<Vec<FeeNotice>> {
    let sql =
        format!("SELECT {FEE_COLUMNS} FROM application_fees WHERE application_id = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_all(p)
    .await?))
}

/// The facts of the reply clock (REG §1.5.3–§1.5.5).
async fn reply_facts(tx: &mut Tx, app: &Application) -> Result<ReplyFacts> {
    let consultations = consultations_tx(tx, app.id)
        .await?
        .into_iter()
        .filter_map(|c| {
            let sent = super::parse_date(&c.sent_on)?;
            let until = date_of(&c.replied_on).or_else(|| super::parse_date(&c.due_on))?;
            Some(ConsultationSpan {
                sent_on: sent,
                until,
                reason: if c.party_kind == "agency" {
                    format!("征求其他机关（{}）意见，条例第三十三条第三款", c.party_name)
                } else {
                    format!("征求第三方（{}）意见，条例第三十三条第三款", c.party_name)
                },
            })
        })
        .collect();
    let extensions = extensions_tx(tx, app.id)
        .await?
        .into_iter()
        .map(|e| u32::try_from(e.workdays).unwrap_or(0))
        .collect();
    Ok(ReplyFacts {
        received_on: app.received(),
        correction_received_on: date_of(&app.correction_received_on),
        consultations,
        extensions,
    })
}

/// Registers or updates the reply deadline from the current facts.
async fn set_reply(tx: &mut Tx, actor: &Actor, app: &Application) -> Result<Option<DeadlineRow>> {
    let facts = reply_facts(tx, app).await?;
    match clocks::reply(&facts) {
        Some(clock) => Ok(Some(
            upsert_deadline(tx, actor, app, REPLY, "答复期限", clock).await?,
        )),
        None => Ok(None),
    }
}

/// Starts the reply and 补正-notice clocks once the receipt date is known.
pub(crate) async fn start_clocks(tx: &mut Tx, actor: &Actor, app: &Application) -> Result<()> {
    let Some(received) = app.received() else {
        return Ok(());
    };
    set_reply(tx, actor, app).await?;
    upsert_deadline(
        tx,
        actor,
        app,
        CORRECTION_NOTICE,
        "补正告知期限",
        clocks::correction_notice(received),
    )
    .await?;
    Ok(())
}

/// Confirms an online, fax or ordinary-letter application (Art. 31: the confirmation day is the
/// receipt date) and starts its clocks.
pub async fn confirm(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    confirmed_on: NaiveDate,
    today: NaiveDate,
) -> Result<Application> {
    let app = lock(tx, id).await?;
    if app.stage()? != Stage::Unconfirmed {
        return Err(stage_err(&app, "确认收到"));
    }
    if confirmed_on > today {
        return Err(invalid("确认日期不能晚于今天"));
    }
    let channel = app.channel().ok_or_else(|| invalid("申请渠道无法识别"))?;
    let arrived = super::parse_date(&app.arrived_on).ok_or_else(|| invalid("到达日期格式错误"))?;
    let receipt = gongkai_core::applications::receipt_date(&gongkai_core::applications::Arrival {
        channel,
        arrived_on: arrived,
        signed_on: date_of(&app.signed_on),
        confirmed_on: Some(confirmed_on),
    })
    .map_err(|e| invalid(e.to_string()))?;
    let mut text = receipt.explanation.clone();
    for w in &receipt.warnings {
        text.push_str(w);
    }
    let after = step(
        tx,
        actor,
        &app,
        "confirm",
        Stage::Registered,
        Some(receipt.received_on),
        &text,
        vec![
            ("confirmed_on", ds(confirmed_on)),
            ("received_on", ds(receipt.received_on)),
            ("receipt_explanation", Val::S(Some(text.clone()))),
        ],
    )
    .await?;
    start_clocks(tx, actor, &after).await?;
    Ok(after)
}

/// Sends the one 补正 notice (Art. 30: 一次性告知, listing every item to correct and a reasonable
/// period). The reply clock stops (it restarts on the correction); the applicant's period runs.
pub async fn request_correction(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    notice_on: NaiveDate,
    items_to_correct: &str,
    period_workdays: Option<u32>,
    today: NaiveDate,
) -> Result<Application> {
    let app = lock(tx, id).await?;
    if !matches!(app.stage()?, Stage::Registered | Stage::Processing) {
        return Err(stage_err(&app, "发出补正告知"));
    }
    if app.correction_notice_on.is_some() {
        return Err(StoreError::Conflict(
            "补正告知只能发出一次（条例第三十条“一次性告知”）".into(),
        ));
    }
    let text = items_to_correct.trim();
    if text.is_empty() {
        return Err(invalid("请逐项写明需要补正的事项"));
    }
    if text.chars().count() > 2000 {
        return Err(invalid("补正事项过长（最多2000字）"));
    }
    let received = app.received().ok_or_else(|| invalid("申请尚未确认收到"))?;
    if notice_on < received || notice_on > today {
        return Err(invalid("补正告知日期应在收到申请之日与今天之间"));
    }
    let workdays = match period_workdays {
        Some(n) if (1..=60).contains(&n) => n,
        Some(_) => return Err(invalid("补正期限应为1至60个工作日")),
        None => {
            setting_workdays(
                tx,
                super::CORRECTION_WORKDAYS_SETTING,
                DEFAULT_CORRECTION_WORKDAYS,
            )
            .await?
        }
    };
    let notice_due = deadlines::get_tx(tx, OBJECT_TYPE, app.id, CORRECTION_NOTICE).await?;
    let late = notice_due
        .as_ref()
        .and_then(DeadlineRow::due)
        .is_some_and(|due| notice_on > due);
    close_deadline(tx, actor, &app, CORRECTION_NOTICE).await?;
    close_deadline(tx, actor, &app, REPLY).await?;
    let period = upsert_deadline(
        tx,
        actor,
        &app,
        CORRECTION_PERIOD,
        "申请人补正期限",
        clocks::correction_period(notice_on, workdays),
    )
    .await?;
    let mut note = format!(
        "补正事项：{text}；补正期限{workdays}个工作日，至{}",
        period.due_date
    );
    if late {
        note.push_str("。注意：已超过收到申请之日起7个工作日（条例第三十条）");
    }
    step(
        tx,
        actor,
        &app,
        "request_correction",
        Stage::AwaitingCorrection,
        Some(notice_on),
        &note,
        vec![
            ("correction_notice_on", ds(notice_on)),
            ("correction_items", Val::S(Some(text.to_owned()))),
            ("correction_due_on", Val::S(Some(period.due_date.clone()))),
        ],
    )
    .await
}

/// The corrected application arrived (Art. 30): the reply clock starts over from this day.
pub async fn receive_correction(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<Application> {
    let app = lock(tx, id).await?;
    if app.stage()? != Stage::AwaitingCorrection {
        return Err(stage_err(&app, "登记补正"));
    }
    let notice = date_of(&app.correction_notice_on).ok_or_else(|| invalid("没有补正告知"))?;
    if on < notice || on > today {
        return Err(invalid("收到补正的日期应在补正告知之日与今天之间"));
    }
    let late = date_of(&app.correction_due_on).is_some_and(|due| on > due);
    let note = if late {
        "已逾补正期限；申请人说明了正当理由，继续办理".to_owned()
    } else {
        "收到补正后的申请，答复期限自本日重新计算（条例第三十条）".to_owned()
    };
    close_deadline(tx, actor, &app, CORRECTION_PERIOD).await?;
    let after = step(
        tx,
        actor,
        &app,
        "receive_correction",
        Stage::Registered,
        Some(on),
        &note,
        vec![("correction_received_on", ds(on))],
    )
    .await?;
    set_reply(tx, actor, &after).await?;
    Ok(after)
}

/// Assigns the application to a department (办理) with internal notes; ends the completeness
/// check (the 补正 notice is no longer due).
pub async fn assign(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    department_id: i64,
    note: &str,
) -> Result<Application> {
    let app = lock(tx, id).await?;
    if !matches!(app.stage()?, Stage::Registered | Stage::Processing) {
        return Err(stage_err(&app, "分办"));
    }
    let data = crate::calendar::load_data_tx(tx).await?;
    if !data.tree().is_within(department_id, app.org_id) {
        return Err(invalid("承办部门须为受理机关或其下属机构"));
    }
    if note.chars().count() > 2000 {
        return Err(invalid("内部意见过长（最多2000字）"));
    }
    close_deadline(tx, actor, &app, CORRECTION_NOTICE).await?;
    step(
        tx,
        actor,
        &app,
        "assign",
        Stage::Processing,
        None,
        note.trim(),
        vec![
            ("department_id", Val::I(Some(department_id))),
            ("internal_note", Val::S(Some(note.trim().to_owned()))),
        ],
    )
    .await
}

/// Sends a consultation letter (Art. 32 third party / Art. 34 other agency): the party has 15 WD;
/// the reply clock is suspended from the sending day until the answer (or the end of the 15 WD).
#[allow(clippy::too_many_arguments)]
pub async fn start_consultation(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    party_kind: &str,
    party_name: &str,
    sent_on: NaiveDate,
    party_received_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Consultation> {
    let app = lock(tx, id).await?;
    if !matches!(app.stage()?, Stage::Registered | Stage::Processing) {
        return Err(stage_err(&app, "征求意见"));
    }
    if !matches!(party_kind, "third_party" | "agency") {
        return Err(invalid("请选择征求意见对象：第三方或其他机关"));
    }
    let name = party_name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("请填写征求意见对象名称（最多200字）"));
    }
    let received = app.received().ok_or_else(|| invalid("申请尚未确认收到"))?;
    if sent_on < received || sent_on > today {
        return Err(invalid("征求意见书发出日期应在收到申请之日与今天之间"));
    }
    if party_received_on.is_some_and(|r| r < sent_on || r > today) {
        return Err(invalid("对方收到日期应在发出日期与今天之间"));
    }
    let now = now_ms();
    let sql = format!(
        "INSERT INTO application_consultations (application_id, party_kind, party_name, sent_on, \
         party_received_on, due_on, created_at) VALUES ($1, $2, $3, $4, $5, $4, $6) \
         RETURNING {CONSULTATION_COLUMNS}"
    );
    let row: Consultation = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(app.id)
        .bind(party_kind)
        .bind(name)
        .bind(sent_on.to_string())
        .bind(party_received_on.map(|d| d.to_string()))
        .bind(now)
        .fetch_one(c)
        .await?);
    let dl = upsert_deadline(
        tx,
        actor,
        &app,
        &consultation_kind(row.id),
        &format!("征求意见期限（{name}）"),
        clocks::consultation(sent_on, party_received_on),
    )
    .await?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE application_consultations SET due_on = $2 WHERE id = $1"
    )
    .bind(row.id)
    .bind(&dl.due_date)
    .execute(c)
    .await?
    .rows_affected());
    let who = if party_kind == "agency" {
        "其他机关"
    } else {
        "第三方"
    };
    let after = step(
        tx,
        actor,
        &app,
        "consult",
        Stage::Processing,
        Some(sent_on),
        &format!(
            "向{who}“{name}”发出征求意见书，对方应于{}前提出意见（条例第三十二条、第三十四条）；征求意见期间不计入答复期限（第三十三条第三款）",
            dl.due_date
        ),
        vec![],
    )
    .await?;
    set_reply(tx, actor, &after).await?;
    let sql = format!("SELECT {CONSULTATION_COLUMNS} FROM application_consultations WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(row.id)
    .fetch_one(c)
    .await?))
}

/// Records the consulted party's answer (or that none came in time: `none`, with the day the 15
/// WD ended); the suspension ends that day.
pub async fn finish_consultation(
    tx: &mut Tx,
    actor: &Actor,
    consultation_id: i64,
    replied_on: NaiveDate,
    opinion: &str,
    note: &str,
    today: NaiveDate,
) -> Result<Consultation> {
    let sql = format!("SELECT {CONSULTATION_COLUMNS} FROM application_consultations WHERE id = $1");
    let c: Option<Consultation> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(consultation_id)
            .fetch_optional(conn)
            .await?);
    let c = c.ok_or_else(|| StoreError::NotFound("征求意见记录不存在".into()))?;
    let app = lock(tx, c.application_id).await?;
    if c.replied_on.is_some() {
        return Err(StoreError::Conflict("该征求意见已登记结果".into()));
    }
    if !matches!(opinion, "agree" | "disagree" | "none") {
        return Err(invalid("请选择意见：同意公开、不同意公开或逾期未提出意见"));
    }
    let sent = super::parse_date(&c.sent_on).ok_or_else(|| invalid("发出日期格式错误"))?;
    if replied_on < sent || replied_on > today {
        return Err(invalid("回复日期应在发出日期与今天之间"));
    }
    on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE application_consultations SET replied_on = $2, opinion = $3, note = $4 WHERE id = $1"
    )
    .bind(c.id)
    .bind(replied_on.to_string())
    .bind(opinion)
    .bind(note.trim())
    .execute(conn)
    .await?
    .rows_affected()
    });
    close_deadline(tx, actor, &app, &consultation_kind(c.id)).await?;
    let label = match opinion {
        "agree" => "同意公开",
        "disagree" => "不同意公开",
        _ => "逾期未提出意见（第三十四条：视为同意；第三十二条：由行政机关依法决定）",
    };
    let stage = app.stage()?;
    let after = step(
        tx,
        actor,
        &app,
        "consultation_reply",
        stage,
        Some(replied_on),
        &format!("“{}”意见：{label}", c.party_name),
        vec![],
    )
    .await?;
    set_reply(tx, actor, &after).await?;
    let sql = format!("SELECT {CONSULTATION_COLUMNS} FROM application_consultations WHERE id = $1");
    Ok(on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(c.id)
    .fetch_one(conn)
    .await?))
}

/// Records an extension approved by the 政府信息公开工作机构负责人 (the caller checks
/// `Action::ApproveExtension` on the application's organisation): ≤ 20 WD in total, approved
/// and told to the applicant by the original due date (Art. 33 ¶2, core `check_extension`).
#[allow(clippy::too_many_arguments)]
pub async fn extend(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    workdays: u32,
    reason: &str,
    approved_on: NaiveDate,
    notice_on: NaiveDate,
    today: NaiveDate,
) -> Result<Extension> {
    let app = lock(tx, id).await?;
    if !matches!(
        app.stage()?,
        Stage::Registered | Stage::Processing | Stage::AwaitingFee
    ) {
        return Err(stage_err(&app, "延期"));
    }
    if reason.trim().is_empty() || reason.chars().count() > 1000 {
        return Err(invalid("请写明延期理由（最多1000字）"));
    }
    if approved_on > today || notice_on > today {
        return Err(invalid("批准和告知日期不能晚于今天"));
    }
    let reply = deadlines::get_tx(tx, OBJECT_TYPE, app.id, REPLY)
        .await?
        .filter(DeadlineRow::is_open)
        .ok_or_else(|| StoreError::Conflict("该申请没有进行中的答复期限".into()))?;
    let original =
        super::parse_date(&reply.original_due_date).ok_or_else(|| invalid("原答复期限格式错误"))?;
    let already: u32 = extensions_tx(tx, app.id)
        .await?
        .iter()
        .map(|e| u32::try_from(e.workdays).unwrap_or(0))
        .sum();
    clocks::check_extension(&ExtensionRequest {
        workdays,
        already,
        approved_on,
        notice_on,
        original_due: original,
    })
    .map_err(|e| invalid(e.to_string()))?;
    let sql = format!(
        "INSERT INTO application_extensions (application_id, workdays, reason, approved_by, \
         approved_by_id, approved_on, notice_on, original_due_on, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {EXTENSION_COLUMNS}"
    );
    let row: Extension = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(app.id)
        .bind(i64::from(workdays))
        .bind(reason.trim())
        .bind(&actor.label)
        .bind(actor.user_id)
        .bind(approved_on.to_string())
        .bind(notice_on.to_string())
        .bind(original.to_string())
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    let stage = app.stage()?;
    let after = step(
        tx,
        actor,
        &app,
        "extend",
        stage,
        Some(approved_on),
        &format!(
            "经政府信息公开工作机构负责人{}批准延长答复期限{workdays}个工作日，{notice_on}告知申请人（条例第三十三条第二款）；理由：{}",
            actor.label,
            reason.trim()
        ),
        vec![],
    )
    .await?;
    set_reply(tx, actor, &after).await?;
    Ok(row)
}

/// Sends a fee notice (条例 Art. 42, 109号, REG §3.4) computed by `gongkai_core::fee`: 按件 over
/// the applicant's items this natural month (this application's items after the earlier ones),
/// or 按量 over `units` pages; never both. The payment period (configurable, default 20 WD)
/// starts the day after the applicant receives the notice.
#[allow(clippy::too_many_arguments)]
pub async fn fee_notice(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    method: &str,
    pages: u64,
    notice_on: NaiveDate,
    notice_received_on: NaiveDate,
    today: NaiveDate,
) -> Result<FeeNotice> {
    let app = lock(tx, id).await?;
    if !matches!(app.stage()?, Stage::Registered | Stage::Processing) {
        return Err(stage_err(&app, "发出收费通知"));
    }
    if fees_tx(tx, app.id)
        .await?
        .iter()
        .any(|f| f.paid_on.is_none())
    {
        return Err(StoreError::Conflict("已有未缴费的收费通知".into()));
    }
    let received = app.received().ok_or_else(|| invalid("申请尚未确认收到"))?;
    if notice_on < received || notice_on > today || notice_received_on < notice_on {
        return Err(invalid(
            "收费通知日期应在收到申请之日与今天之间，送达日期不早于通知日期",
        ));
    }
    let (units, already, computed) = match method {
        "item" => {
            let mine = i64::try_from(items_tx(tx, app.id).await?.len()).unwrap_or(0);
            let month = &received.to_string()[..7];
            let earlier: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM application_items i JOIN applications a \
                 ON a.id = i.application_id WHERE a.applicant_key = $1 AND a.applicant_key <> '' \
                 AND a.id < $2 AND a.received_on >= $3 AND a.received_on <= $4"
            )
            .bind(&app.applicant_key)
            .bind(app.id)
            .bind(format!("{month}-01"))
            .bind(format!("{month}-31"))
            .fetch_one(c)
            .await?);
            let f = fee::items_fee_after(
                u64::try_from(earlier).unwrap_or(0),
                u64::try_from(mine).unwrap_or(0),
            )
            .map_err(|e| invalid(e.to_string()))?;
            (mine, earlier, f)
        }
        "page" => {
            if pages == 0 {
                return Err(invalid("请填写页数"));
            }
            let f = fee::pages_fee(pages).map_err(|e| invalid(e.to_string()))?;
            (i64::try_from(pages).unwrap_or(i64::MAX), 0, f)
        }
        _ => return Err(invalid("请选择计费方式：按件或按量（二者只能选其一）")),
    };
    if computed.fen <= 0 {
        return Err(invalid(format!(
            "按规定本申请不收取信息处理费（{}）",
            computed.working().join("；")
        )));
    }
    let workdays = setting_workdays(tx, super::FEE_WORKDAYS_SETTING, DEFAULT_FEE_WORKDAYS).await?;
    let dl = upsert_deadline(
        tx,
        actor,
        &app,
        FEE_PAYMENT,
        "缴费期限",
        clocks::fee_payment(notice_received_on, workdays),
    )
    .await?;
    let working = computed.working().join("\n");
    let sql = format!(
        "INSERT INTO application_fees (application_id, method, units, already, amount_fen, \
         working, notice_on, notice_received_on, due_on, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {FEE_COLUMNS}"
    );
    let row: FeeNotice = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(app.id)
        .bind(method)
        .bind(units)
        .bind(already)
        .bind(computed.fen)
        .bind(&working)
        .bind(notice_on.to_string())
        .bind(notice_received_on.to_string())
        .bind(&dl.due_date)
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    step(
        tx,
        actor,
        &app,
        "fee_notice",
        Stage::AwaitingFee,
        Some(notice_on),
        &format!(
            "收费通知：{}元，应于{}前缴纳，逾期未缴视为放弃申请",
            fee::format_yuan(computed.fen),
            dl.due_date
        ),
        vec![],
    )
    .await?;
    Ok(row)
}

/// The fee was paid: processing continues.
pub async fn record_payment(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    paid_on: NaiveDate,
    today: NaiveDate,
) -> Result<Application> {
    let app = lock(tx, id).await?;
    if app.stage()? != Stage::AwaitingFee {
        return Err(stage_err(&app, "登记缴费"));
    }
    let fee = fees_tx(tx, app.id)
        .await?
        .into_iter()
        .rfind(|f| f.paid_on.is_none())
        .ok_or_else(|| StoreError::Conflict("没有待缴费的收费通知".into()))?;
    if paid_on > today || super::parse_date(&fee.notice_on).is_some_and(|n| paid_on < n) {
        return Err(invalid("缴费日期应在通知日期与今天之间"));
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE application_fees SET paid_on = $2 WHERE id = $1"
    )
    .bind(fee.id)
    .bind(paid_on.to_string())
    .execute(c)
    .await?
    .rows_affected());
    close_deadline(tx, actor, &app, FEE_PAYMENT).await?;
    step(
        tx,
        actor,
        &app,
        "fee_paid",
        Stage::Processing,
        Some(paid_on),
        &format!("已缴纳信息处理费{}元", fee::format_yuan(fee.amount_fen)),
        vec![],
    )
    .await
}

/// A decision on one requested item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    /// One of `outcome.bases()`; `None` = the first.
    pub basis: Option<Basis>,
    /// 部分公开: what was withheld.
    pub withheld_what: String,
    /// 不予公开 / 部分公开: why (the legal ground and the reasoning, Arts. 36(三), 37).
    pub withheld_why: String,
    /// 已主动公开: the published item it points to (Art. 36(一)).
    pub published_item_id: Option<i64>,
    pub note: String,
    pub decided_on: NaiveDate,
}

/// Records the primary outcome of one item (REG §1.5.7: exactly one per item; a new decision
/// replaces the old one until the reply is sent). When every item has its outcome the
/// application is 已决定.
pub async fn decide_item(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    d: &Decision,
    today: NaiveDate,
) -> Result<Application> {
    let app_id: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT application_id FROM application_items WHERE id = $1"
    )
    .bind(item_id)
    .fetch_optional(c)
    .await?);
    let app_id = app_id.ok_or_else(|| StoreError::NotFound("申请事项不存在".into()))?;
    let app = lock(tx, app_id).await?;
    if !matches!(
        app.stage()?,
        Stage::Registered | Stage::Processing | Stage::Decided
    ) {
        return Err(stage_err(&app, "作出决定"));
    }
    if d.outcome.is_closure() {
        return Err(invalid(
            "“逾期不补正”和“逾期未缴费”由期限届满自动处理，不能直接选择",
        ));
    }
    let basis = d.basis.unwrap_or(d.outcome.bases()[0]);
    if !d.outcome.bases().contains(&basis) {
        return Err(invalid("所选依据与办理结果不符"));
    }
    let received = app.received().ok_or_else(|| invalid("申请尚未确认收到"))?;
    if d.decided_on < received || d.decided_on > today {
        return Err(invalid("决定日期应在收到申请之日与今天之间"));
    }
    if d.outcome.withholds() && d.withheld_why.trim().is_empty() {
        return Err(invalid(
            "不予公开或部分公开须说明理由（条例第三十六条第三项、第三十七条）",
        ));
    }
    if d.outcome == Outcome::PartiallyGranted && d.withheld_what.trim().is_empty() {
        return Err(invalid("部分公开须写明不予公开的内容（条例第三十七条）"));
    }
    if d.withheld_what.chars().count() > 2000
        || d.withheld_why.chars().count() > 2000
        || d.note.chars().count() > 2000
    {
        return Err(invalid("说明过长（每项最多2000字）"));
    }
    let published = if basis == Basis::AlreadyDisclosed {
        let pid = d
            .published_item_id
            .ok_or_else(|| invalid("已主动公开的，请填写已公开信息的编号，以便告知获取途径"))?;
        let n: i64 = on_tx!(tx, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM items i WHERE {} AND i.id = $2",
            crate::items::catalog::PUBLIC_CONDITION
        )))
        .bind(now_ms())
        .bind(pid)
        .fetch_one(c)
        .await?);
        if n == 0 {
            return Err(invalid("所填信息不存在或尚未公开"));
        }
        Some(pid)
    } else {
        None
    };
    let sql = format!(
        "UPDATE application_items SET outcome = $2, basis = $3, withheld_what = $4, \
         withheld_why = $5, published_item_id = $6, decision_note = $7, decided_on = $8, \
         decided_by = $9 WHERE id = $1 RETURNING {ITEM_COLUMNS}"
    );
    let item: AppItem = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(item_id)
        .bind(d.outcome.code())
        .bind(basis.code())
        .bind(d.withheld_what.trim())
        .bind(d.withheld_why.trim())
        .bind(published)
        .bind(d.note.trim())
        .bind(d.decided_on.to_string())
        .bind(&actor.label)
        .fetch_one(c)
        .await?);
    close_deadline(tx, actor, &app, CORRECTION_NOTICE).await?;
    let all = items_tx(tx, app.id).await?;
    let done = all.iter().all(|i| i.outcome.is_some());
    let (to, decided) = if done {
        let last = all.iter().filter_map(|i| date_of(&i.decided_on)).max();
        (Stage::Decided, last)
    } else {
        (app.stage()?, None)
    };
    let to = if to == Stage::Registered {
        Stage::Processing
    } else {
        to
    };
    let mut sets = vec![("decided_on", Val::S(decided.map(|d| d.to_string())))];
    if d.outcome == Outcome::NotProcessedPetition {
        sets.push(("routed_out", Val::B(true)));
    }
    step(
        tx,
        actor,
        &app,
        "decide",
        to,
        Some(d.decided_on),
        &format!(
            "第{}项：{}（{}）",
            item.seq,
            d.outcome.label(),
            basis.label()
        ),
        sets,
    )
    .await
}

/// Routes an application out as a petition, complaint or report (Art. 39 ¶1: 信访、投诉、举报
/// are not handled as disclosure applications; the applicant is told the right channel): every
/// item not yet decided gets the outcome （五）1 with the Art. 39 ¶1 basis, through
/// [`decide_item`] (each decision audited), and the application is marked routed out.
pub async fn route_out(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    decided_on: NaiveDate,
    note: &str,
    today: NaiveDate,
) -> Result<Application> {
    let app = lock(tx, id).await?;
    if !matches!(app.stage()?, Stage::Registered | Stage::Processing) {
        return Err(stage_err(&app, "按信访、投诉、举报处理"));
    }
    let open: Vec<AppItem> = items_tx(tx, app.id)
        .await?
        .into_iter()
        .filter(|i| i.outcome.is_none())
        .collect();
    if open.is_empty() {
        return Err(StoreError::Conflict("各事项均已作出决定".into()));
    }
    let mut after = app;
    for item in open {
        after = decide_item(
            tx,
            actor,
            item.id,
            &Decision {
                outcome: Outcome::NotProcessedPetition,
                basis: Some(Basis::Art39Petition),
                withheld_what: String::new(),
                withheld_why: String::new(),
                published_item_id: None,
                note: note.to_owned(),
                decided_on,
            },
            today,
        )
        .await?;
    }
    Ok(after)
}

/// Closes an application whose applicant let a period lapse: no 补正 in time → （六）1 (Art. 30
/// 视为放弃申请); fee unpaid in time → （六）2 (REG §3.4). Every undecided item gets that outcome
/// on the day after the period ended. Returns `None` when nothing lapsed.
pub async fn close_lapsed(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> Result<Option<Application>> {
    let app = lock(tx, id).await?;
    let (outcome, due, kind, why) = match app.stage()? {
        Stage::AwaitingCorrection => {
            let Some(due) = date_of(&app.correction_due_on) else {
                return Ok(None);
            };
            (
                Outcome::OtherNoCorrection,
                due,
                CORRECTION_PERIOD,
                "申请人无正当理由逾期不补正，视为放弃申请，不再处理（条例第三十条）",
            )
        }
        Stage::AwaitingFee => {
            let Some(fee) = fees_tx(tx, app.id)
                .await?
                .into_iter()
                .rfind(|f| f.paid_on.is_none())
            else {
                return Ok(None);
            };
            let Some(due) = super::parse_date(&fee.due_on) else {
                return Ok(None);
            };
            (
                Outcome::OtherFeeUnpaid,
                due,
                FEE_PAYMENT,
                "申请人逾期未按收费通知要求缴纳费用，视为放弃申请，不再处理",
            )
        }
        _ => return Ok(None),
    };
    if !clocks::lapsed(today, due, None) {
        return Ok(None);
    }
    let on = due.succ_opt().unwrap_or(due);
    let basis = outcome.bases()[0];
    on_tx!(tx, |c| sqlx::query(
        "UPDATE application_items SET outcome = $2, basis = $3, decided_on = $4, decided_by = $5 \
         WHERE application_id = $1 AND outcome IS NULL"
    )
    .bind(app.id)
    .bind(outcome.code())
    .bind(basis.code())
    .bind(on.to_string())
    .bind(&actor.label)
    .execute(c)
    .await?
    .rows_affected());
    close_deadline(tx, actor, &app, kind).await?;
    close_deadline(tx, actor, &app, REPLY).await?;
    close_deadline(tx, actor, &app, CORRECTION_NOTICE).await?;
    let after = step(
        tx,
        actor,
        &app,
        "close_lapsed",
        Stage::Decided,
        Some(on),
        why,
        vec![("decided_on", ds(on))],
    )
    .await?;
    Ok(Some(after))
}

/// The reply was sent (online status page, e-mail, post, in person): the reply deadline is met.
pub async fn record_reply(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    via: &str,
    sent_on: NaiveDate,
    today: NaiveDate,
) -> Result<Application> {
    let app = lock(tx, id).await?;
    if app.stage()? != Stage::Decided {
        return Err(stage_err(&app, "登记答复"));
    }
    if !matches!(via, "online" | "email" | "post" | "in_person") {
        return Err(invalid("请选择送达方式"));
    }
    let decided = date_of(&app.decided_on).ok_or_else(|| invalid("尚未作出决定"))?;
    if sent_on < decided || sent_on > today {
        return Err(invalid("答复日期应在决定日期与今天之间"));
    }
    let reply = deadlines::get_tx(tx, OBJECT_TYPE, app.id, REPLY).await?;
    let late = reply
        .as_ref()
        .filter(|r| r.is_open())
        .and_then(DeadlineRow::due)
        .is_some_and(|due| sent_on > due);
    close_deadline(tx, actor, &app, REPLY).await?;
    let mut note = format!(
        "答复已送达（{}）",
        gongkai_core::applications::code_label(&gongkai_core::applications::DELIVERY, via)
            .unwrap_or(via)
    );
    if late {
        note.push_str("；注意：已超过答复期限");
    }
    step(
        tx,
        actor,
        &app,
        "reply",
        Stage::Replied,
        Some(sent_on),
        &note,
        vec![
            ("replied_on", ds(sent_on)),
            ("reply_via", Val::S(Some(via.to_owned()))),
        ],
    )
    .await
}

/// Files the case (归档).
pub async fn archive(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<Application> {
    let app = lock(tx, id).await?;
    let closed_without_reply = app.stage()? == Stage::Decided
        && items_tx(tx, app.id)
            .await?
            .iter()
            .all(|i| i.outcome().is_some_and(Outcome::is_closure));
    if app.stage()? != Stage::Replied && !closed_without_reply {
        return Err(stage_err(&app, "归档（须先答复）"));
    }
    if on > today {
        return Err(invalid("归档日期不能晚于今天"));
    }
    step(
        tx,
        actor,
        &app,
        "archive",
        Stage::Archived,
        Some(on),
        "",
        vec![("archived_on", ds(on))],
    )
    .await
}

/// The daily sweep (job [`SWEEP_JOB`]): closes every application whose 补正 or fee period has
/// lapsed, each in its own transaction. Idempotent. Returns how many were closed.
pub async fn sweep(db: &Db, today: NaiveDate) -> Result<u64> {
    let ids: Vec<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT id FROM applications WHERE stage IN ('awaiting_correction', 'awaiting_fee') ORDER BY id"
    )
    .fetch_all(p)
    .await?
    });
    let mut closed = 0;
    for id in ids {
        let mut tx = db.begin().await?;
        let done = close_lapsed(&mut tx, &Actor::system(), id, today).await?;
        tx.commit().await?;
        if done.is_some() {
            closed += 1;
        }
    }
    Ok(closed)
}

/// Enqueues today's sweep (once per CST day across instances).
pub async fn enqueue_sweep(db: &Db, today: NaiveDate) -> Result<()> {
    let mut tx = db.begin().await?;
    crate::jobs::enqueue(
        &mut tx,
        SWEEP_JOB,
        &json!({ "today": today.to_string() }),
        Some(&format!("{SWEEP_JOB}:{today}")),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
