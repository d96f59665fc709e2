//! 转为政府信息公开申请: a registered message that is really a request for government information
//! (依申请公开, issue #6) becomes an application and leaves the mailbox.
//!
//! **Rules.**
//! - The application keeps the message's text as the content of its requested item and the
//!   writer's contact details; the office supplies what a message does not carry (applicant
//!   type — a natural person by default —, identity document, the form and delivery of the
//!   information; Art. 29 ¶2) and a reason.
//! - The channel is `online` (the message came through the website or was recorded by staff
//!   for it), so by Art. 31 (REG §1.5) the receipt date is the **confirmation** date: the
//!   application is created 待确认 with the message's day of receipt as its arrival day, and the
//!   office's normal confirm step (`applications::workflow::confirm`) sets the receipt date and
//!   starts the Art. 33 clock. The mailbox's reply clock closes.
//! - The message records the conversion as a 处理单 step (`to_application`: who, when, which
//!   application), links to the application (`application_id`, unique) and is closed for
//!   mailbox purposes; the application's timeline records where it came from. A message is
//!   converted at most once.
//! - Statistics (`stats::year_statistics`): a converted message still counts among the year's
//!   messages received (by box, topic, department, month) and in `converted`; it is neither
//!   answered nor late — it is answered through the application procedure and counted in the
//!   annual report's table 3 — so the reply rate is taken over the messages not converted.

use chrono::NaiveDate;
use gongkai_core::applications::{ApplicantType, Channel};
use gongkai_core::mailbox::Status;
use gongkai_core::vault::Vault;
use serde_json::json;

use super::boxes::get_box_tx;
use super::messages::{Contact, Message, lock, record};
use super::{DEADLINE_KIND, OBJECT_TYPE, invalid};
use crate::applications::{self, Application, FieldError, NewApplication, NewItem};
use crate::audit::Actor;
use crate::{Db, Result, StoreError, Tx, deadlines, on_db, on_tx};

/// The step code on the processing form.
pub const STEP: &str = "to_application";

/// What the office adds to a message to make it an application.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConvertInput {
    /// An `ApplicantType` code; empty = a natural person.
    pub applicant_type: String,
    /// The applicant's name or the organisation's; empty = the writer's name.
    pub applicant_name: String,
    /// An `applications::ID_KINDS` code (natural persons).
    pub id_kind: String,
    /// The identity number, or the USCC of an organisation.
    pub id_number: String,
    pub address: String,
    pub postcode: String,
    /// An `applications::FORMS` code.
    pub info_form: String,
    /// An `applications::DELIVERY` code.
    pub delivery: String,
    /// The requested information; empty = the message's text as it is.
    pub description: String,
    /// Why the message is an application (required).
    pub reason: String,
}

/// The application as [`to_application`] will register it (for forms: validate it with
/// `applications::validate` to show every problem by its field).
pub fn new_application(
    m: &Message,
    contact: &Contact,
    input: &ConvertInput,
    today: NaiveDate,
) -> NewApplication {
    let applicant_type = if input.applicant_type.trim().is_empty() {
        ApplicantType::NaturalPerson.code().to_string()
    } else {
        input.applicant_type.trim().to_string()
    };
    let name = if input.applicant_name.trim().is_empty() {
        contact.name.clone()
    } else {
        input.applicant_name.trim().to_string()
    };
    let description = if input.description.trim().is_empty() {
        m.content.clone()
    } else {
        input.description.trim().to_string()
    };
    let arrived = NaiveDate::parse_from_str(&m.received_on, "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= today)
        .unwrap_or(today);
    NewApplication {
        org_id: m.org_id,
        channel: Channel::Online.code().to_string(),
        applicant_type,
        applicant_name: name,
        id_kind: input.id_kind.trim().to_string(),
        id_number: input.id_number.trim().to_string(),
        phone: contact.phone.clone(),
        email: contact.email.clone(),
        address: input.address.trim().to_string(),
        postcode: input.postcode.trim().to_string(),
        info_form: input.info_form.trim().to_string(),
        delivery: input.delivery.trim().to_string(),
        items: vec![NewItem {
            description,
            doc_number: String::new(),
            features: format!("由留言“{}”（查询码 {}）转来", m.title, m.query_no)
                .chars()
                .take(applications::MAX_SHORT)
                .collect(),
        }],
        arrived_on: Some(arrived),
        // Art. 31: an online application is received on the day both sides confirm it; that is
        // the office's confirm step, not the conversion.
        signed_on: None,
        confirmed_on: None,
        ..Default::default()
    }
}

/// Field errors of a conversion (the application's, plus the reason), in Chinese.
pub fn validate(
    m: &Message,
    contact: &Contact,
    input: &ConvertInput,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut e = applications::validate(&new_application(m, contact, input, today), today);
    let reason = input.reason.trim();
    if reason.is_empty() {
        e.push(FieldError {
            field: "reason".into(),
            message: "请填写转为政府信息公开申请的理由".into(),
        });
    } else if reason.chars().count() > 1000 {
        e.push(FieldError {
            field: "reason".into(),
            message: "理由过长（最多 1000 字）".into(),
        });
    }
    e
}

/// A converted message and its new application, with the applicant's secret (shown once).
#[derive(Debug, Clone)]
pub struct Converted {
    pub message: Message,
    pub application: Application,
    pub secret: String,
}

/// Why a message cannot be converted now, or `None`.
pub fn refusal(m: &Message, tracking_no: Option<&str>) -> Option<String> {
    if m.application_id.is_some() {
        return Some(format!(
            "该留言已转为政府信息公开申请（申请编号 {}），不能重复转换",
            tracking_no.unwrap_or("—")
        ));
    }
    match m.status() {
        Ok(s) if s.is_open() && s != Status::Received => None,
        Ok(s) => Some(format!(
            "当前状态为“{}”，不能转为政府信息公开申请（须先登记，且尚未答复）",
            s.label()
        )),
        Err(e) => Some(e.to_string()),
    }
}

/// The tracking number of the application a message became.
pub async fn tracking_no(db: &Db, application_id: i64) -> Result<Option<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT tracking_no FROM applications WHERE id = $1"
    )
    .bind(application_id)
    .fetch_optional(p)
    .await?))
}

/// The message an application was converted from: (message id, query number).
pub async fn source_message(db: &Db, application_id: i64) -> Result<Option<(i64, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, query_no FROM mailbox_messages WHERE application_id = $1"
    )
    .bind(application_id)
    .fetch_optional(p)
    .await?))
}

/// 转为政府信息公开申请 at time `at` (`today` = its CST date): registers the application (待确认,
/// see the module rules), records the step, links both ways, closes the reply clock. A message
/// already converted, not yet registered or already answered is refused (`Conflict`); bad input
/// is `Invalid` with every problem joined.
pub async fn to_application(
    tx: &mut Tx,
    actor: &Actor,
    vault: &Vault,
    id: i64,
    input: &ConvertInput,
    today: NaiveDate,
    at: i64,
) -> Result<Converted> {
    let m = lock(tx, id).await?;
    let existing: Option<String> = match m.application_id {
        Some(a) => on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT tracking_no FROM applications WHERE id = $1"
        )
        .bind(a)
        .fetch_optional(c)
        .await?),
        None => None,
    };
    if let Some(why) = refusal(&m, existing.as_deref()) {
        return Err(StoreError::Conflict(why));
    }
    let contact = m.contact(vault)?;
    let errors = validate(&m, &contact, input, today);
    if !errors.is_empty() {
        let msg: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        return Err(invalid(msg.join("；")));
    }
    let created = applications::create(
        tx,
        actor,
        vault,
        &new_application(&m, &contact, input, today),
        today,
    )
    .await?;
    let app = &created.application;
    let box_name = get_box_tx(tx, m.box_id)
        .await?
        .map(|b| b.name)
        .unwrap_or_default();
    let stage = app.stage()?;
    applications::insert_event(
        tx,
        actor,
        app.id,
        "from_mailbox",
        stage.code(),
        stage,
        None,
        &format!("由{box_name}留言（查询码 {}）转为申请", m.query_no),
    )
    .await?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET application_id = $2, converted_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(app.id)
    .bind(at)
    .execute(c)
    .await?
    .rows_affected());
    deadlines::close(tx, actor, OBJECT_TYPE, id, DEADLINE_KIND).await?;
    let message = record(
        tx,
        actor,
        &m,
        STEP,
        Status::Closed,
        input.reason.trim(),
        json!({
            "application_id": app.id,
            "tracking_no": app.tracking_no,
            "applicant_type": app.applicant_type,
        }),
        at,
    )
    .await?;
    Ok(Converted {
        message,
        application: created.application,
        secret: created.secret,
    })
}
