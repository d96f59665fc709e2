//! Messages and their processing form (处理单): submission with a query number and secret,
//! registration, classification, forwarding, the department's draft, approval, the reply,
//! follow-up, the writer's rating and the conversion to a 信访 case.
//!
//! Each step is one function: it locks the message, checks the transition with core's
//! [`transition`], updates the row, appends the step (`mailbox_steps`) and the audit record
//! (`mailbox.<step>`), and starts, replaces or closes the reply deadline, all in the caller's
//! transaction.

use chrono::NaiveDate;
use gongkai_core::calendar::{Clock, Period};
use gongkai_core::mailbox::{
    Kind, PETITION_DECISION_DAYS, PETITION_RESOLVE_DAYS, Rating, Status, Step as StepKind,
    transition,
};
use gongkai_core::mask::{MaskPolicy, NameStyle, mask_name, mask_span};
use gongkai_core::org::OrgId;
use gongkai_core::scan::FindingKind;
use gongkai_core::vault::Vault;
use serde::Serialize;
use serde_json::json;

use super::boxes::{MailBox, get_box_tx, topic_label_tx};
use super::{DEADLINE_KIND, OBJECT_TYPE, cst_date, invalid};
use crate::audit::{self, Actor, Change};
use crate::deadlines::{self, DeadlineInput};
use crate::items::catalog::{Arg, expand_scopes, in_list};
use crate::{Backend, Db, Result, StoreError, Tx, calendar, on_db, on_tx, personal, sessions};

/// A message with its processing form fields. The `pii_*` fields are personal data: shown to
/// staff handling the message, never on the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub box_id: i64,
    pub org_id: i64,
    /// 查询码 shown to the writer.
    pub query_no: String,
    #[serde(skip)]
    pub secret_hash: String,
    /// A [`Kind`] code.
    pub kind: String,
    /// A [`Status`] code.
    pub status: String,
    pub channel: String,
    pub topic_code: String,
    pub title: String,
    pub content: String,
    pub pii_name: String,
    pub pii_phone: String,
    pub pii_email: String,
    pub consent_publish: bool,
    pub received_at: i64,
    pub received_on: String,
    pub dept_id: Option<i64>,
    pub instruction: String,
    pub draft_reply: String,
    pub reply: String,
    pub replied_at: Option<i64>,
    pub replied_on: Option<String>,
    /// The due date in force when the reply was sent.
    pub due_on: Option<String>,
    /// Working days from receipt to reply (the receipt day not counted).
    pub reply_days: Option<i64>,
    pub in_time: bool,
    /// A `Publication` code.
    pub publication: String,
    pub public_title: String,
    pub public_question: String,
    pub public_reply: String,
    pub reviewed_by: String,
    pub review_note: String,
    pub reviewed_at: Option<i64>,
    pub published_at: Option<i64>,
    /// A [`Rating`] code.
    pub rating: Option<String>,
    pub rating_comment: String,
    pub rated_at: Option<i64>,
    pub petition_at: Option<i64>,
    /// The disclosure application this message was converted into ([`super::convert`]).
    pub application_id: Option<i64>,
    pub converted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Message {
    pub fn status(&self) -> Result<Status> {
        Status::from_code(&self.status)
            .ok_or_else(|| invalid(format!("留言状态“{}”无法识别", self.status)))
    }
    pub fn status_label(&self) -> &'static str {
        Status::from_code(&self.status).map_or("未知", Status::label)
    }
    pub fn kind(&self) -> Kind {
        Kind::from_code(&self.kind).unwrap_or(Kind::Message)
    }
    pub fn rating(&self) -> Option<Rating> {
        self.rating.as_deref().and_then(Rating::from_code)
    }
    pub fn is_open(&self) -> bool {
        self.status().is_ok_and(Status::is_open)
    }
    /// Whether the writer left any contact detail (name, phone or e-mail).
    pub fn has_contact(&self) -> bool {
        !(self.pii_name.is_empty() && self.pii_phone.is_empty() && self.pii_email.is_empty())
    }
    /// The writer's contact details, opened from the vault (values written before the columns
    /// were sealed are returned as they are, see [`personal::open_text`]).
    pub fn contact(&self, vault: &Vault) -> Result<Contact> {
        Ok(Contact {
            name: personal::open_text(vault, NAME_CONTEXT, &self.pii_name)?,
            phone: personal::open_text(vault, PHONE_CONTEXT, &self.pii_phone)?,
            email: personal::open_text(vault, EMAIL_CONTEXT, &self.pii_email)?,
        })
    }
    /// The message with its `pii_*` fields replaced by the masked contact details: what staff
    /// and the API see without an audited reveal.
    pub fn with_masked_contact(mut self, vault: &Vault) -> Result<Message> {
        let c = self.contact(vault)?.masked();
        self.pii_name = c.name;
        self.pii_phone = c.phone;
        self.pii_email = c.email;
        Ok(self)
    }
}

/// Vault contexts of the writer's personal data (sealed columns, issue #13; listed in
/// [`personal::SEALED_COLUMNS`]).
pub const NAME_CONTEXT: &str = "mailbox_messages.pii_name";
pub const PHONE_CONTEXT: &str = "mailbox_messages.pii_phone";
pub const EMAIL_CONTEXT: &str = "mailbox_messages.pii_email";

/// The writer's contact details in clear (opened with [`Message::contact`]). Never logged,
/// never audited; shown to staff masked unless revealed through `personal::reveal`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

impl Contact {
    /// The details masked for display: names as in lists (张*三), mobiles 139****5678,
    /// landlines keep the area code and the last four digits, e-mails the first character and
    /// the domain.
    pub fn masked(&self) -> Contact {
        let policy = MaskPolicy::default();
        let digits: String = self.phone.chars().filter(char::is_ascii_digit).collect();
        let phone_kind = if digits.len() == 11 && digits.starts_with('1') {
            FindingKind::Mobile
        } else {
            FindingKind::Landline
        };
        let m = |kind, v: &str| {
            if v.is_empty() {
                String::new()
            } else {
                mask_span(kind, v, &policy)
            }
        };
        Contact {
            name: mask_name(&self.name, NameStyle::List),
            phone: m(phone_kind, &self.phone),
            email: m(FindingKind::Email, &self.email),
        }
    }
}

/// Seals a non-empty value (an empty one stays empty: "not given" is not personal data).
fn seal(vault: Option<&Vault>, context: &str, value: &str) -> String {
    match vault {
        Some(v) if !value.is_empty() => v.seal_str(context, value),
        _ => value.to_string(),
    }
}

pub(crate) const COLUMNS: &str = "id, box_id, org_id, query_no, secret_hash, kind, status, \
    channel, topic_code, title, content, pii_name, pii_phone, pii_email, consent_publish, \
    received_at, received_on, dept_id, instruction, draft_reply, reply, replied_at, replied_on, \
    due_on, reply_days, in_time, publication, public_title, public_question, public_reply, \
    reviewed_by, review_note, reviewed_at, published_at, rating, rating_comment, rated_at, \
    petition_at, application_id, converted_at, created_at, updated_at";

/// One step of the processing form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Step {
    pub id: i64,
    pub message_id: i64,
    pub step: String,
    pub from_status: String,
    pub to_status: String,
    pub note: String,
    pub detail_json: String,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub at: i64,
}

impl Step {
    pub fn label(&self) -> &str {
        StepKind::ALL
            .into_iter()
            .find(|s| s.code() == self.step)
            .map(StepKind::label)
            .unwrap_or(match self.step.as_str() {
                "submit" => "提交",
                "supervise" => "督办",
                "petition" => "转为信访事项",
                "to_application" => "转为政府信息公开申请",
                "publish_prepare" => "提请公开",
                "publish_review" => "公开保密审查",
                "publish_withdraw" => "撤回公开",
                _ => "其他",
            })
    }
}

/// What a writer submits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submission {
    pub box_id: i64,
    pub topic_code: String,
    pub title: String,
    pub content: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub consent_publish: bool,
    /// `online` (the portal form) or an offline channel recorded by staff (`letter`, `phone`,
    /// `visit`).
    pub channel: String,
}

/// The stored message and what the writer needs to follow it.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub message: Message,
    pub query_no: String,
    /// Shown once; only its hash is stored.
    pub secret: String,
}

/// Channels a message may arrive by.
pub const CHANNELS: &[(&str, &str)] = &[
    ("online", "网上留言"),
    ("letter", "来信"),
    ("phone", "来电"),
    ("visit", "来访"),
];

fn valid_phone(p: &str) -> bool {
    let digits: String = p.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

fn valid_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.chars().any(char::is_whitespace)
                && e.len() <= 200
        }
        None => false,
    }
}

/// Field errors of a submission to `mb`, in Chinese. `topic_ok` says whether the topic exists
/// and is active.
pub fn validate_submission(
    mb: &MailBox,
    s: &Submission,
    topic_ok: bool,
) -> Vec<(&'static str, String)> {
    let mut e = Vec::new();
    if !mb.active {
        e.push(("box_id", "该信箱已停用，请选择其他信箱".to_string()));
    }
    if s.topic_code.trim().is_empty() {
        e.push(("topic_code", "请选择留言主题".to_string()));
    } else if !topic_ok {
        e.push(("topic_code", "所选主题不存在，请重新选择".to_string()));
    }
    let title = s.title.trim();
    if title.is_empty() {
        e.push(("title", "请填写标题".to_string()));
    } else if title.chars().count() > 100 {
        e.push(("title", "标题过长（最多 100 字）".to_string()));
    }
    let content = s.content.trim();
    if content.is_empty() {
        e.push(("content", "请填写留言内容".to_string()));
    } else if content.chars().count() > 5000 {
        e.push(("content", "留言内容过长（最多 5000 字）".to_string()));
    }
    let name = s.name.trim();
    if mb.name_required && name.is_empty() {
        e.push(("name", format!("“{}”需要填写姓名", mb.name)));
    } else if name.chars().count() > 50 {
        e.push(("name", "姓名过长（最多 50 字）".to_string()));
    }
    let phone = s.phone.trim();
    if !phone.is_empty() && !valid_phone(phone) {
        e.push((
            "phone",
            "联系电话格式不正确，请填写手机号或带区号的固定电话".to_string(),
        ));
    }
    let email = s.email.trim();
    if !email.is_empty() && !valid_email(email) {
        e.push((
            "email",
            "电子邮箱格式不正确，例如 name@example.com".to_string(),
        ));
    }
    if !CHANNELS.iter().any(|(c, _)| *c == s.channel) {
        e.push(("channel", "请选择留言渠道".to_string()));
    }
    e
}

/// Alphabet of secrets: no 0/O, 1/I/L, easy to read aloud and to type.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn new_secret() -> String {
    let mut bytes = [0u8; 8];
    rand::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(SECRET_ALPHABET[usize::from(*b) % SECRET_ALPHABET.len()]))
        .collect()
}

fn secret_hash(query_no: &str, secret: &str) -> String {
    sessions::token_hash(&format!(
        "mailbox:{query_no}:{}",
        secret.trim().to_uppercase()
    ))
}

/// The audit view of a message. The audit log is append-only and kept for years, so personal
/// data must not enter it: the writer's details are recorded only as present (`[个人信息]`; they
/// are sealed in the row) and every free text (which writers fill with ID and phone numbers) as
/// a SHA-256 digest, enough to prove what a step changed without copying the text. The texts
/// themselves live in the message row and its steps.
pub(crate) fn view(m: &Message) -> serde_json::Value {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for k in ["pii_name", "pii_phone", "pii_email"] {
            let present = o
                .get(k)
                .and_then(|x| x.as_str())
                .is_some_and(|x| !x.is_empty());
            o.insert(
                k.to_string(),
                json!(if present { "[个人信息]" } else { "" }),
            );
        }
        for k in [
            "title",
            "content",
            "instruction",
            "draft_reply",
            "reply",
            "public_title",
            "public_question",
            "public_reply",
            "rating_comment",
        ] {
            let text = o.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            let digest = if text.is_empty() {
                String::new()
            } else {
                format!("sha256:{}", sessions::token_hash(&text))
            };
            o.insert(k.to_string(), json!(digest));
        }
    }
    v
}

/// Receives a message (from the portal form or recorded by staff for an offline channel) at
/// time `at`: validates it, draws the query number (`YYYY-NNNNN` by year of receipt), seals the
/// writer's name, phone and e-mail with `vault`, starts the reply clock (the box's working days
/// from the day of receipt) and records the `submit` step.
pub async fn submit(
    tx: &mut Tx,
    actor: &Actor,
    vault: &Vault,
    s: &Submission,
    at: i64,
) -> Result<Receipt> {
    submit_inner(tx, actor, Some(vault), s, at).await
}

/// [`submit`]; without a vault the contact details are stored as given. Only the demo does
/// that: it is loaded before `serve` knows which vault is in force, and `serve` queues the
/// re-seal job right after, which seals them like any value from before the columns were sealed.
pub(crate) async fn submit_inner(
    tx: &mut Tx,
    actor: &Actor,
    vault: Option<&Vault>,
    s: &Submission,
    at: i64,
) -> Result<Receipt> {
    let mb = get_box_tx(tx, s.box_id)
        .await?
        .ok_or_else(|| invalid("请选择信箱"))?;
    let topic_ok = topic_label_tx(tx, s.topic_code.trim())
        .await?
        .is_some_and(|(_, active)| active);
    if let Some((_, msg)) = validate_submission(&mb, s, topic_ok).into_iter().next() {
        return Err(invalid(msg));
    }
    let received_on = cst_date(at);
    let year = chrono::Datelike::year(&received_on);
    let next: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM mailbox_messages WHERE received_on >= $1 AND received_on < $2"
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{:04}-01-01", year + 1))
    .fetch_one(c)
    .await?);
    let query_no = format!("{year:04}-{:05}", next + 1);
    let secret = new_secret();
    let sql = format!(
        "INSERT INTO mailbox_messages (box_id, org_id, query_no, secret_hash, kind, status, \
         channel, topic_code, title, content, pii_name, pii_phone, pii_email, consent_publish, \
         received_at, received_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'message', 'received', $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $13, $13) RETURNING {COLUMNS}"
    );
    let inserted: std::result::Result<Message, sqlx::Error> =
        on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(mb.id)
            .bind(mb.org_id)
            .bind(&query_no)
            .bind(secret_hash(&query_no, &secret))
            .bind(&s.channel)
            .bind(s.topic_code.trim())
            .bind(s.title.trim())
            .bind(s.content.trim())
            .bind(seal(vault, NAME_CONTEXT, s.name.trim()))
            .bind(seal(vault, PHONE_CONTEXT, s.phone.trim()))
            .bind(seal(vault, EMAIL_CONTEXT, s.email.trim()))
            .bind(s.consent_publish)
            .bind(at)
            .bind(received_on.to_string())
            .fetch_one(c)
            .await);
    let message = inserted.map_err(|e| match StoreError::from(e) {
        e if e.is_unique_violation() => {
            StoreError::Conflict("同时提交的留言较多，请稍后重新提交".into())
        }
        e => e,
    })?;
    start_clock(
        tx,
        actor,
        &message,
        Clock::new(
            received_on,
            Period::Workdays(u32::try_from(mb.reply_workdays).unwrap_or(10)),
        )
        .start_label("收到留言之日"),
    )
    .await?;
    insert_step(
        tx,
        actor,
        message.id,
        "submit",
        "",
        Status::Received,
        "",
        json!({"box": mb.name, "channel": s.channel}),
        at,
    )
    .await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "mailbox.submit",
            object_type: OBJECT_TYPE,
            object_id: message.id.to_string(),
            before: None,
            after: Some(view(&message)),
        },
    )
    .await?;
    Ok(Receipt {
        query_no: message.query_no.clone(),
        message,
        secret,
    })
}

async fn start_clock(tx: &mut Tx, actor: &Actor, m: &Message, clock: Clock) -> Result<()> {
    let label = match m.kind() {
        Kind::Petition => format!("信访事项 {} 办结期限", m.query_no),
        Kind::Message => format!("留言 {} 答复期限", m.query_no),
    };
    deadlines::upsert(
        tx,
        actor,
        &DeadlineInput {
            object_type: OBJECT_TYPE.into(),
            object_id: m.id,
            org_id: m.org_id,
            kind: DEADLINE_KIND.into(),
            label,
            clock,
        },
    )
    .await?;
    Ok(())
}

#[expect(clippy::too_many_arguments)]
async fn insert_step(
    tx: &mut Tx,
    actor: &Actor,
    message_id: i64,
    step: &str,
    from: &str,
    to: Status,
    note: &str,
    detail: serde_json::Value,
    at: i64,
) -> Result<()> {
    // Search (issue #8): every step may change what staff search or the public answer shows;
    // the outbox rows commit with the step.
    crate::search::enqueue(tx, crate::search::KIND_MESSAGE, message_id).await?;
    crate::search::enqueue(tx, crate::search::KIND_ANSWER, message_id).await?;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO mailbox_steps (message_id, step, from_status, to_status, note, detail_json, \
         actor, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(message_id)
    .bind(step)
    .bind(from)
    .bind(to.code())
    .bind(note)
    .bind(detail.to_string())
    .bind(&actor.label)
    .bind(actor.user_id)
    .bind(at)
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// Loads a message inside a write transaction, locking its row on PostgreSQL.
pub(crate) async fn lock(tx: &mut Tx, id: i64) -> Result<Message> {
    let lock = match tx.backend() {
        Backend::Postgres => "FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!("SELECT {COLUMNS} FROM mailbox_messages WHERE id = $1 {lock}");
    let m: Option<Message> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    m.ok_or_else(|| StoreError::NotFound("留言不存在".into()))
}

pub(crate) async fn reload(tx: &mut Tx, id: i64) -> Result<Message> {
    let sql = format!("SELECT {COLUMNS} FROM mailbox_messages WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_one(c)
    .await?))
}

/// Records a step whose row changes were already made: sets the status, appends the step and
/// the audit record. Returns the message after the step.
#[expect(clippy::too_many_arguments)]
pub(crate) async fn record(
    tx: &mut Tx,
    actor: &Actor,
    before: &Message,
    step: &str,
    to: Status,
    note: &str,
    detail: serde_json::Value,
    at: i64,
) -> Result<Message> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET status = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(before.id)
    .bind(to.code())
    .bind(at)
    .execute(c)
    .await?
    .rows_affected());
    insert_step(
        tx,
        actor,
        before.id,
        step,
        &before.status,
        to,
        note,
        detail.clone(),
        at,
    )
    .await?;
    let after = reload(tx, before.id).await?;
    let mut after_json = view(&after);
    // Notes may quote the writer (personal data): the log keeps their digest (see [`view`]).
    let note_digest = if note.is_empty() {
        String::new()
    } else {
        format!("sha256:{}", sessions::token_hash(note))
    };
    after_json["step"] = json!({"step": step, "note": note_digest, "detail": detail});
    audit::append(
        tx,
        actor,
        Change {
            action: &format!("mailbox.{step}"),
            object_type: OBJECT_TYPE,
            object_id: after.id.to_string(),
            before: Some(view(before)),
            after: Some(after_json),
        },
    )
    .await?;
    Ok(after)
}

fn check(m: &Message, step: StepKind, rating: Option<Rating>) -> Result<Status> {
    transition(m.status()?, step, rating).map_err(|e| StoreError::Conflict(e.to_string()))
}

fn required(text: &str, what: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(format!("请填写{what}")));
    }
    if t.chars().count() > max {
        return Err(invalid(format!("{what}过长（最多 {max} 字）")));
    }
    Ok(t.to_string())
}

fn optional(text: &str, what: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if t.chars().count() > max {
        return Err(invalid(format!("{what}过长（最多 {max} 字）")));
    }
    Ok(t.to_string())
}

/// 登记: the office registers a received message.
pub async fn register(tx: &mut Tx, actor: &Actor, id: i64, note: &str, at: i64) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::Register, None)?;
    let note = optional(note, "登记意见", 1000)?;
    record(
        tx,
        actor,
        &m,
        StepKind::Register.code(),
        to,
        &note,
        json!({}),
        at,
    )
    .await
}

/// 分类: sets the topic (from the vocabulary).
pub async fn classify(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    topic_code: &str,
    note: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::Classify, None)?;
    let note = optional(note, "分类说明", 1000)?;
    let Some((label, true)) = topic_label_tx(tx, topic_code.trim()).await? else {
        return Err(invalid("请选择有效的留言主题"));
    };
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET topic_code = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(topic_code.trim())
    .execute(c)
    .await?
    .rows_affected());
    record(
        tx,
        actor,
        &m,
        StepKind::Classify.code(),
        to,
        &note,
        json!({"from_topic": m.topic_code, "topic": topic_code.trim(), "topic_label": label}),
        at,
    )
    .await
}

/// 转办: forwards the message to a department inside the box organisation's subtree, with an
/// instruction (required).
pub async fn forward(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    dept_id: OrgId,
    instruction: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::Forward, None)?;
    let instruction = required(instruction, "转办意见", 1000)?;
    let data = calendar::load_data_tx(tx).await?;
    if !data.tree().contains(dept_id) || !data.tree().is_within(dept_id, m.org_id) {
        return Err(invalid("请选择本机关内的承办部门"));
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET dept_id = $2, instruction = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(dept_id)
    .bind(&instruction)
    .execute(c)
    .await?
    .rows_affected());
    record(
        tx,
        actor,
        &m,
        StepKind::Forward.code(),
        to,
        &instruction,
        json!({"dept_id": dept_id, "from_dept_id": m.dept_id}),
        at,
    )
    .await
}

/// 拟写答复: the department drafts (or redrafts) the reply.
pub async fn draft(tx: &mut Tx, actor: &Actor, id: i64, text: &str, at: i64) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::Draft, None)?;
    let text = required(text, "答复内容", 5000)?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET draft_reply = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(&text)
    .execute(c)
    .await?
    .rows_affected());
    record(
        tx,
        actor,
        &m,
        StepKind::Draft.code(),
        to,
        &text,
        json!({}),
        at,
    )
    .await
}

/// 退回修改: the office returns the draft to the department, with reasons.
pub async fn return_draft(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    reasons: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::ReturnDraft, None)?;
    let reasons = required(reasons, "退回理由", 1000)?;
    record(
        tx,
        actor,
        &m,
        StepKind::ReturnDraft.code(),
        to,
        &reasons,
        json!({}),
        at,
    )
    .await
}

/// 审核答复: the office approves the draft, possibly with an edited final text (empty = the
/// draft as it is).
pub async fn approve(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    final_text: &str,
    note: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::Approve, None)?;
    let text = if final_text.trim().is_empty() {
        m.draft_reply.clone()
    } else {
        required(final_text, "答复内容", 5000)?
    };
    let note = optional(note, "审核意见", 1000)?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET reply = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(&text)
    .execute(c)
    .await?
    .rows_affected());
    record(
        tx,
        actor,
        &m,
        StepKind::Approve.code(),
        to,
        &note,
        json!({"edited": text != m.draft_reply}),
        at,
    )
    .await
}

/// Working days after `from` up to and including `to` on `cal`.
fn workdays_between(cal: &gongkai_core::calendar::Calendar, from: NaiveDate, to: NaiveDate) -> i64 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| cal.is_workday(*d))
        .count()
        .try_into()
        .unwrap_or(i64::MAX)
}

/// 答复: sends the approved reply. Records the due date in force, the reply time in working
/// days and whether it was in time, and closes the deadline. When the writer consented and the
/// box publishes by default, the masked question and answer go to confidentiality review
/// (`vault` opens the writer's name, which masking removes from the texts).
pub async fn send_reply(
    tx: &mut Tx,
    actor: &Actor,
    vault: &Vault,
    id: i64,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::Reply, None)?;
    let replied_on = cst_date(at);
    let dl = deadline_tx(tx, id).await?;
    let due = dl.as_ref().map(|d| d.due_date.clone());
    let data = calendar::load_data_tx(tx).await?;
    let received = NaiveDate::parse_from_str(&m.received_on, "%Y-%m-%d")
        .map_err(|_| invalid("收到日期格式错误"))?;
    let days = workdays_between(&data.calendar_for(Some(m.org_id)), received, replied_on);
    let in_time = due
        .as_deref()
        .is_none_or(|d| replied_on.to_string().as_str() <= d);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET replied_at = $2, replied_on = $3, due_on = $4, \
         reply_days = $5, in_time = $6 WHERE id = $1"
    )
    .bind(id)
    .bind(at)
    .bind(replied_on.to_string())
    .bind(&due)
    .bind(days)
    .bind(in_time)
    .execute(c)
    .await?
    .rows_affected());
    deadlines::close(tx, actor, OBJECT_TYPE, id, DEADLINE_KIND).await?;
    let after = record(
        tx,
        actor,
        &m,
        StepKind::Reply.code(),
        to,
        "",
        json!({"due_on": due, "reply_days": days, "in_time": in_time}),
        at,
    )
    .await?;
    let mb = get_box_tx(tx, m.box_id).await?;
    if after.consent_publish && mb.is_some_and(|b| b.publish_by_default) {
        return super::public::prepare(tx, actor, vault, id, at).await;
    }
    Ok(after)
}

/// 回访办结: the office records the follow-up and closes the case.
pub async fn follow_up(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    note: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::FollowUp, None)?;
    let note = required(note, "回访情况", 1000)?;
    record(
        tx,
        actor,
        &m,
        StepKind::FollowUp.code(),
        to,
        &note,
        json!({}),
        at,
    )
    .await
}

/// 维持原答复: the office decides a reopened case stays answered (with reasons).
pub async fn close(tx: &mut Tx, actor: &Actor, id: i64, reasons: &str, at: i64) -> Result<Message> {
    let m = lock(tx, id).await?;
    let to = check(&m, StepKind::Close, None)?;
    let reasons = required(reasons, "处理意见", 1000)?;
    deadlines::close(tx, actor, OBJECT_TYPE, id, DEADLINE_KIND).await?;
    record(
        tx,
        actor,
        &m,
        StepKind::Close.code(),
        to,
        &reasons,
        json!({}),
        at,
    )
    .await
}

/// Finds a message by query number and secret (the writer's query page). `None` when either is
/// wrong (the caller says so without telling which).
pub async fn lookup(db: &Db, query_no: &str, secret: &str) -> Result<Option<Message>> {
    let q = query_no.trim();
    if q.is_empty() || secret.trim().is_empty() {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM mailbox_messages WHERE query_no = $1");
    let m: Option<Message> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(q)
        .fetch_optional(p)
        .await?);
    Ok(m.filter(|m| {
        let want = secret_hash(&m.query_no, secret);
        // Equal-length hex strings: compare every byte so the time does not tell how much matched.
        want.len() == m.secret_hash.len()
            && want
                .bytes()
                .zip(m.secret_hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }))
}

/// 评价: the writer rates the reply (query number + secret). 不满意 reopens the case for the
/// office to decide and starts a new reply clock (the box's period from the rating date).
pub async fn rate(
    tx: &mut Tx,
    actor: &Actor,
    query_no: &str,
    secret: &str,
    rating: Rating,
    comment: &str,
    at: i64,
) -> Result<Message> {
    let sql = format!("SELECT {COLUMNS} FROM mailbox_messages WHERE query_no = $1");
    let found: Option<Message> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(query_no.trim())
        .fetch_optional(c)
        .await?);
    let Some(found) = found.filter(|m| m.secret_hash == secret_hash(&m.query_no, secret)) else {
        return Err(StoreError::NotFound("查询码或查询密码不正确".into()));
    };
    let m = lock(tx, found.id).await?;
    if m.application_id.is_some() {
        return Err(StoreError::Conflict(
            "您的留言已转为政府信息公开申请办理，请在“依申请公开”栏目查询办理情况".into(),
        ));
    }
    let to = check(&m, StepKind::Rate, Some(rating))?;
    let comment = optional(comment, "评价意见", 500)?;
    if rating == Rating::Unsatisfied && comment.is_empty() {
        return Err(invalid(
            "选择“不满意”时，请写明不满意的原因，以便我们重新办理",
        ));
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET rating = $2, rating_comment = $3, rated_at = $4 WHERE id = $1"
    )
    .bind(m.id)
    .bind(rating.code())
    .bind(&comment)
    .bind(at)
    .execute(c)
    .await?
    .rows_affected());
    let after = record(
        tx,
        actor,
        &m,
        StepKind::Rate.code(),
        to,
        &comment,
        json!({"rating": rating.code()}),
        at,
    )
    .await?;
    if rating.reopens() {
        let mb = get_box_tx(tx, m.box_id).await?;
        let days = mb.map_or(10, |b| u32::try_from(b.reply_workdays).unwrap_or(10));
        let clock = match after.kind() {
            Kind::Petition => Clock::new(cst_date(at), Period::CalendarDays(PETITION_RESOLVE_DAYS)),
            Kind::Message => Clock::new(cst_date(at), Period::Workdays(days)),
        }
        .start_label("来信人不满意、重新办理之日");
        start_clock(tx, actor, &after, clock).await?;
    }
    Ok(after)
}

/// 转为信访事项 (REG §4.5): the office marks an open message as a 信访 case it handles as such
/// on date `at` (受理). The reply clock becomes 信访工作条例 Art. 34's 60 days from 受理; the step
/// records whether the handling decision came within Art. 22's 15 days of receipt.
pub async fn convert_to_petition(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    note: &str,
    at: i64,
) -> Result<Message> {
    let m = lock(tx, id).await?;
    let status = m.status()?;
    if !status.is_open() || status == Status::Received {
        return Err(StoreError::Conflict(format!(
            "当前状态为“{}”，不能转为信访事项（须先登记，且尚未答复）",
            status.label()
        )));
    }
    if m.kind() == Kind::Petition {
        return Err(StoreError::Conflict("该留言已按信访事项办理".into()));
    }
    let note = required(note, "转为信访事项的理由", 1000)?;
    let accepted = cst_date(at);
    let received = NaiveDate::parse_from_str(&m.received_on, "%Y-%m-%d")
        .map_err(|_| invalid("收到日期格式错误"))?;
    let decision_days = (accepted - received).num_days();
    let within = decision_days <= i64::from(PETITION_DECISION_DAYS);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE mailbox_messages SET kind = 'petition', petition_at = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(at)
    .execute(c)
    .await?
    .rows_affected());
    let after = record(
        tx,
        actor,
        &m,
        "petition",
        status,
        &note,
        json!({
            "accepted_on": accepted.to_string(),
            "days_after_receipt": decision_days,
            "within_decision_period": within,
        }),
        at,
    )
    .await?;
    // 信访工作条例 Art. 34: 自受理之日起60日内办结 (calendar days).
    start_clock(
        tx,
        actor,
        &after,
        Clock::new(accepted, Period::CalendarDays(PETITION_RESOLVE_DAYS))
            .start_label("按信访事项受理之日"),
    )
    .await?;
    Ok(after)
}

pub(crate) async fn deadline_tx(tx: &mut Tx, id: i64) -> Result<Option<deadlines::DeadlineRow>> {
    let row: Option<deadlines::DeadlineRow> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, object_type, object_id, org_id, kind, label, clock_json, due_date, \
         original_due_date, provisional, explanation, status, closed_at, created_at, updated_at \
         FROM deadlines WHERE object_type = $1 AND object_id = $2 AND kind = $3"
    )
    .bind(OBJECT_TYPE)
    .bind(id)
    .bind(DEADLINE_KIND)
    .fetch_optional(c)
    .await?);
    Ok(row)
}

// ---------------------------------------------------------------------------------------------
// Reads for staff (the caller checks permission on `org_id` / `dept_id`).

/// One message.
pub async fn get(db: &Db, id: i64) -> Result<Option<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM mailbox_messages WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// The processing form's steps, oldest first.
pub async fn steps(db: &Db, id: i64) -> Result<Vec<Step>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, message_id, step, from_status, to_status, note, detail_json, actor, \
         actor_id, at FROM mailbox_steps WHERE message_id = $1 ORDER BY at, id"
    )
    .bind(id)
    .fetch_all(p)
    .await?))
}

/// Filters of [`list`]; every field optional.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<String>,
    pub box_id: Option<i64>,
    pub topic_code: Option<String>,
    /// The department's subtree.
    pub dept_id: Option<OrgId>,
    pub kind: Option<String>,
    /// Year of receipt.
    pub year: Option<i32>,
    /// A `Publication` code (e.g. the reviewer's queue of `pending_review`).
    pub publication: Option<String>,
    /// At most this many rows (clamped to 1..=1000; 0 = 200).
    pub limit: i64,
}

/// Messages visible to a staff member: those of boxes whose organisation lies in
/// `office_scopes` (the office, `ManageMailbox`) or forwarded to a department in `dept_scopes`
/// (`AnswerMessage`), filtered in SQL, newest first.
pub async fn list(
    db: &Db,
    office_scopes: &[OrgId],
    dept_scopes: &[OrgId],
    f: &ListFilter,
) -> Result<Vec<Message>> {
    let office = expand_scopes(db, office_scopes).await?;
    let dept = expand_scopes(db, dept_scopes).await?;
    if office.is_empty() && dept.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Arg> = Vec::new();
    let mut scope = Vec::new();
    if !office.is_empty() {
        scope.push(in_list("org_id", &office, &mut args));
    }
    if !dept.is_empty() {
        scope.push(in_list("dept_id", &dept, &mut args));
    }
    let mut conds = vec![format!("({})", scope.join(" OR "))];
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        if s == "open" {
            conds.push("status NOT IN ('replied', 'closed')".into());
        } else {
            args.push(Arg::S(s.to_string()));
            conds.push(format!("status = ${}", args.len()));
        }
    }
    if let Some(b) = f.box_id {
        args.push(Arg::I(b));
        conds.push(format!("box_id = ${}", args.len()));
    }
    if let Some(t) = f.topic_code.as_deref().filter(|s| !s.is_empty()) {
        args.push(Arg::S(t.to_string()));
        conds.push(format!("topic_code = ${}", args.len()));
    }
    if let Some(p) = f.publication.as_deref().filter(|s| !s.is_empty()) {
        args.push(Arg::S(p.to_string()));
        conds.push(format!("publication = ${}", args.len()));
    }
    if let Some(k) = f.kind.as_deref().filter(|s| !s.is_empty()) {
        args.push(Arg::S(k.to_string()));
        conds.push(format!("kind = ${}", args.len()));
    }
    if let Some(d) = f.dept_id {
        let ids = expand_scopes(db, &[d]).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        conds.push(in_list("dept_id", &ids, &mut args));
    }
    if let Some(y) = f.year {
        args.push(Arg::S(format!("{y:04}-01-01")));
        conds.push(format!("received_on >= ${}", args.len()));
        args.push(Arg::S(format!("{:04}-01-01", y + 1)));
        conds.push(format!("received_on < ${}", args.len()));
    }
    let limit = match f.limit {
        0 => 200,
        n => n.clamp(1, 1000),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM mailbox_messages WHERE {} ORDER BY received_at DESC, id DESC \
         LIMIT {limit}",
        conds.join(" AND ")
    );
    Ok(on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(i) => q.bind(*i),
                Arg::S(s) => q.bind(s.clone()),
            };
        }
        q.fetch_all(p).await?
    }))
}
