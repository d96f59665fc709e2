//! Disclosure applications (依申请公开, issue #6, product.md C7/C9, 条例 Arts. 27–45, REG §1.5,
//! §1.7, §3.1, §3.4): storage, the workflow steps, the deadlines and the counting records of the
//! annual report. The pure rules live in `gongkai_core::applications`.
//!
//! **Rules.**
//! - The receipt date follows the channel (Art. 31, core's `receipt_date`); online, fax and
//!   ordinary-letter applications stay 待确认 (no receipt date, no clock) until [`workflow::confirm`].
//! - Every step ([`workflow`]) locks the application, checks the stage, writes the change, a
//!   timeline row (`application_events`) and an audit record (`application.<step>`) in the
//!   caller's transaction. Personal data (`pii_*` columns) never enter the audit log.
//! - Deadlines live in the generic register ([`crate::deadlines`], `object_type` =
//!   [`OBJECT_TYPE`]): `reply` (Art. 33, restarted by 补正, suspended by consultation, extended),
//!   `correction_notice` (7 WD, Art. 30), `correction_period` (the applicant's), `consultation:<id>`
//!   (15 WD, Arts. 32/34) and `fee_payment` (REG §3.4). A calendar change recomputes them all.
//! - Each requested item has exactly one primary outcome (a table-3 row, core's `Outcome`); the
//!   （六）1 and （六）2 closures are reached only through the lapsed periods ([`workflow::close_lapsed`]).
//! - Staff lists filter by organisation scope in the query ([`list`]); the applicant sees their
//!   application only through tracking number + secret ([`find_for_applicant`]).
//! - The annual report counts [`table3_records`] (one per item: receipt date, decision date,
//!   outcome code, applicant type) and [`register::table4_cases`].

pub mod letters;
pub mod register;
pub mod workflow;

use chrono::{Datelike, NaiveDate};
use gongkai_core::applications::{
    self as rules, ApplicantType, Arrival, Channel, DELIVERY, FORMS, HelpNeed, Outcome, Stage,
    table3::Record,
};
use gongkai_core::ids::{self, IdKind};
use gongkai_core::org::OrgId;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, Actor, Change};
use crate::items::catalog::{Arg, expand_scopes, in_list};
use crate::{Backend, Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use gongkai_core::vault::Vault;

/// `object_type` of applications in the deadlines register and the audit log.
pub const OBJECT_TYPE: &str = "application";

/// Settings key of the fee-payment period in working days (REG §3.4: 20 WD, UNVERIFIED, so
/// configurable; 1–60, default 20).
pub const FEE_WORKDAYS_SETTING: &str = "applications.fee_payment_workdays";
/// Settings key of the default 补正 period in working days (Art. 30 "合理的补正期限"; 1–60,
/// default 15).
pub const CORRECTION_WORKDAYS_SETTING: &str = "applications.correction_workdays";

/// Longest free texts (characters).
pub const MAX_NAME: usize = 100;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_SHORT: usize = 200;
pub const MAX_ITEMS: usize = 20;

/// Kinds of identity document a natural person may give (Art. 29 ¶2(一) 身份证明).
pub const ID_KINDS: [(&str, &str); 4] = [
    ("resident_id", "居民身份证"),
    ("passport", "护照"),
    ("permit", "港澳台居民居住证或通行证"),
    ("other", "其他身份证件"),
];

/// A stored application. `pii_*` fields are personal data: shown only to staff in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Application {
    pub id: i64,
    pub org_id: i64,
    pub tracking_no: String,
    #[serde(skip)]
    pub secret_hash: String,
    pub channel: String,
    pub applicant_type: String,
    pub applicant_name: String,
    pub pii_id_kind: String,
    pub pii_id_number: String,
    pub pii_phone: String,
    pub pii_email: String,
    pub pii_address: String,
    pub pii_postcode: String,
    #[serde(skip)]
    pub applicant_key: String,
    pub agent_kind: String,
    pub agent_name: String,
    pub pii_agent_id_number: String,
    pub agent_authorisation: String,
    pub info_form: String,
    pub delivery: String,
    /// Comma-separated [`HelpNeed`] codes (Art. 43).
    pub help_needs: String,
    pub help_note: String,
    pub identity_proof_id: Option<i64>,
    /// A [`Stage`] code.
    pub stage: String,
    pub arrived_on: String,
    pub signed_on: Option<String>,
    pub confirmed_on: Option<String>,
    /// The Art. 31 receipt date; `None` while unconfirmed.
    pub received_on: Option<String>,
    pub receipt_explanation: String,
    pub department_id: Option<i64>,
    pub internal_note: String,
    pub correction_notice_on: Option<String>,
    pub correction_items: String,
    pub correction_due_on: Option<String>,
    pub correction_received_on: Option<String>,
    /// An earlier application of the same applicant for the same information (Art. 36(六)).
    pub repeat_of: Option<i64>,
    /// Routed out as a petition/complaint (Art. 39 ¶1).
    pub routed_out: bool,
    pub decided_on: Option<String>,
    pub replied_on: Option<String>,
    pub reply_via: String,
    pub archived_on: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const COLUMNS: &str = "id, org_id, tracking_no, secret_hash, channel, applicant_type, \
    applicant_name, pii_id_kind, pii_id_number, pii_phone, pii_email, pii_address, pii_postcode, \
    applicant_key, agent_kind, agent_name, pii_agent_id_number, agent_authorisation, info_form, \
    delivery, help_needs, help_note, identity_proof_id, stage, arrived_on, signed_on, \
    confirmed_on, received_on, receipt_explanation, department_id, internal_note, \
    correction_notice_on, correction_items, correction_due_on, correction_received_on, repeat_of, \
    routed_out, decided_on, replied_on, reply_via, archived_on, created_by, created_at, updated_at";

impl Application {
    pub fn stage(&self) -> Result<Stage> {
        Stage::from_code(&self.stage)
            .ok_or_else(|| StoreError::Invalid(format!("申请状态“{}”无法识别", self.stage)))
    }
    pub fn channel(&self) -> Option<Channel> {
        Channel::from_code(&self.channel)
    }
    pub fn applicant_type(&self) -> Option<ApplicantType> {
        ApplicantType::from_code(&self.applicant_type)
    }
    pub fn help(&self) -> Vec<HelpNeed> {
        self.help_needs
            .split(',')
            .filter_map(HelpNeed::from_code)
            .collect()
    }
    /// Art. 43 help was asked for: staff see it prominently.
    pub fn needs_help(&self) -> bool {
        !self.help().is_empty() || !self.help_note.trim().is_empty()
    }
    pub fn received(&self) -> Option<NaiveDate> {
        self.received_on.as_deref().and_then(parse_date)
    }
    pub fn stage_label(&self) -> &'static str {
        Stage::from_code(&self.stage).map_or("未知", Stage::label)
    }
    pub fn channel_label(&self) -> &'static str {
        self.channel().map_or("未知", Channel::label)
    }
    pub fn applicant_type_label(&self) -> &'static str {
        self.applicant_type().map_or("未知", ApplicantType::label)
    }
    pub fn info_form_label(&self) -> &'static str {
        rules::code_label(&FORMS, &self.info_form).unwrap_or("")
    }
    pub fn delivery_label(&self) -> &'static str {
        rules::code_label(&DELIVERY, &self.delivery).unwrap_or("")
    }
}

/// A requested item (一事一申请).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AppItem {
    pub id: i64,
    pub application_id: i64,
    pub seq: i64,
    pub description: String,
    pub doc_number: String,
    pub features: String,
    /// An [`Outcome`] code once decided.
    pub outcome: Option<String>,
    pub basis: String,
    pub withheld_what: String,
    pub withheld_why: String,
    pub published_item_id: Option<i64>,
    pub decision_note: String,
    pub decided_on: Option<String>,
    pub decided_by: String,
}

pub(crate) const ITEM_COLUMNS: &str = "id, application_id, seq, description, doc_number, \
    features, outcome, basis, withheld_what, withheld_why, published_item_id, decision_note, \
    decided_on, decided_by";

impl AppItem {
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.as_deref().and_then(Outcome::from_code)
    }
    pub fn outcome_label(&self) -> String {
        self.outcome()
            .map_or_else(|| "未决定".to_owned(), Outcome::label)
    }
}

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AppEvent {
    pub id: i64,
    pub application_id: i64,
    pub action: String,
    pub from_stage: String,
    pub to_stage: String,
    pub on_date: Option<String>,
    pub note: String,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub at: i64,
}

/// A requested item as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct NewItem {
    /// 名称或特征性描述.
    pub description: String,
    /// 文号.
    pub doc_number: String,
    /// 其他特征.
    pub features: String,
}

/// An application as entered by the applicant (portal) or by staff for them (Art. 29).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct NewApplication {
    pub org_id: OrgId,
    pub channel: String,
    pub applicant_type: String,
    pub applicant_name: String,
    /// A code of [`ID_KINDS`] for natural persons; ignored for organisations (USCC).
    pub id_kind: String,
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
    /// '' (none), `agent` (代理人) or `guardian` (监护人).
    pub agent_kind: String,
    pub agent_name: String,
    pub agent_id_number: String,
    /// The authorisation (委托书 / 监护关系证明) described.
    pub agent_authorisation: String,
    pub info_form: String,
    pub delivery: String,
    pub help_needs: Vec<String>,
    pub help_note: String,
    pub items: Vec<NewItem>,
    pub arrived_on: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub confirmed_on: Option<NaiveDate>,
    pub identity_proof_id: Option<i64>,
}

/// A field-level validation message (Chinese), for the form to show by the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The form field name (`items.0.description` for an item).
    pub field: String,
    pub message: String,
}

fn fe(errors: &mut Vec<FieldError>, field: impl Into<String>, message: impl Into<String>) {
    errors.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}

fn too_long(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    max: usize,
    what: &str,
) -> bool {
    let n = value.chars().count();
    if n > max {
        fe(
            errors,
            field,
            format!("{what}过长：最多{max}个字，现为{n}个字"),
        );
        true
    } else {
        false
    }
}

/// Validates an application (Art. 29 ¶2): every problem, each by its field, in Chinese.
/// ID numbers go through `gongkai_core::ids` (resident ID for 居民身份证, USCC for
/// organisations).
pub fn validate(n: &NewApplication, today: NaiveDate) -> Vec<FieldError> {
    let mut e = Vec::new();
    let channel = Channel::from_code(&n.channel);
    if channel.is_none() {
        fe(&mut e, "channel", "请选择申请渠道");
    }
    let ty = ApplicantType::from_code(&n.applicant_type);
    if ty.is_none() {
        fe(&mut e, "applicant_type", "请选择申请人类型");
    }
    let name = n.applicant_name.trim();
    if name.is_empty() {
        fe(
            &mut e,
            "applicant_name",
            "请填写申请人姓名或名称（条例第二十九条）",
        );
    } else {
        too_long(&mut e, "applicant_name", name, MAX_NAME, "姓名或名称");
    }
    let number = n.id_number.trim();
    match ty {
        Some(t) if t.is_organisation() => {
            if number.is_empty() {
                fe(&mut e, "id_number", "请填写统一社会信用代码");
            } else {
                let c = ids::check(number, today);
                if c.kind != IdKind::Uscc {
                    fe(
                        &mut e,
                        "id_number",
                        "统一社会信用代码应为18位数字或大写字母，请核对",
                    );
                } else if let Some(r) = c.reason {
                    fe(&mut e, "id_number", format!("统一社会信用代码有误：{r}"));
                }
            }
        }
        Some(_) => {
            if rules::code_label(&ID_KINDS, &n.id_kind).is_none() {
                fe(&mut e, "id_kind", "请选择身份证件类型");
            } else if number.is_empty() {
                fe(&mut e, "id_number", "请填写身份证件号码");
            } else if n.id_kind == "resident_id" {
                let c = ids::check(number, today);
                if c.kind != IdKind::ResidentId {
                    fe(
                        &mut e,
                        "id_number",
                        "居民身份证号码应为18位（最后一位可为X），请核对",
                    );
                } else if let Some(r) = c.reason {
                    fe(&mut e, "id_number", format!("居民身份证号码有误：{r}"));
                }
            } else {
                too_long(&mut e, "id_number", number, 50, "证件号码");
            }
        }
        None => {}
    }
    let (phone, email, address) = (n.phone.trim(), n.email.trim(), n.address.trim());
    if phone.is_empty() && email.is_empty() && address.is_empty() {
        fe(
            &mut e,
            "phone",
            "请至少填写一种联系方式（电话、电子邮箱或通信地址）",
        );
    }
    if !phone.is_empty()
        && (phone.chars().count() > 30
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')')))
    {
        fe(
            &mut e,
            "phone",
            "电话号码只能包含数字、空格和“-”“+”，最多30位",
        );
    }
    if !email.is_empty() {
        let ok = email.chars().count() <= 100
            && email.split_once('@').is_some_and(|(a, b)| {
                !a.is_empty() && b.contains('.') && !b.starts_with('.') && !b.ends_with('.')
            })
            && !email.chars().any(char::is_whitespace);
        if !ok {
            fe(&mut e, "email", "电子邮箱格式不正确，例如 name@example.com");
        }
    }
    too_long(&mut e, "address", address, MAX_SHORT, "通信地址");
    let pc = n.postcode.trim();
    if !pc.is_empty() && (pc.len() != 6 || !pc.chars().all(|c| c.is_ascii_digit())) {
        fe(&mut e, "postcode", "邮政编码应为6位数字");
    }
    match n.agent_kind.as_str() {
        "" => {}
        "agent" | "guardian" => {
            if n.agent_name.trim().is_empty() {
                fe(&mut e, "agent_name", "请填写代理人或监护人姓名");
            } else {
                too_long(&mut e, "agent_name", n.agent_name.trim(), MAX_NAME, "姓名");
            }
            if n.agent_authorisation.trim().is_empty() {
                fe(
                    &mut e,
                    "agent_authorisation",
                    "请说明授权委托或监护关系（如授权委托书、监护关系证明）",
                );
            } else {
                too_long(
                    &mut e,
                    "agent_authorisation",
                    n.agent_authorisation.trim(),
                    MAX_SHORT,
                    "授权说明",
                );
            }
            too_long(
                &mut e,
                "agent_id_number",
                n.agent_id_number.trim(),
                50,
                "证件号码",
            );
        }
        _ => fe(&mut e, "agent_kind", "请选择代理人或监护人"),
    }
    if rules::code_label(&FORMS, &n.info_form).is_none() {
        fe(
            &mut e,
            "info_form",
            "请选择所需信息的形式（条例第二十九条）",
        );
    }
    match n.delivery.as_str() {
        "email" if email.is_empty() => {
            fe(&mut e, "email", "选择电子邮件方式获取时，请填写电子邮箱")
        }
        "post" if address.is_empty() => fe(&mut e, "address", "选择邮寄方式获取时，请填写通信地址"),
        d if rules::code_label(&DELIVERY, d).is_none() => {
            fe(&mut e, "delivery", "请选择获取信息的方式")
        }
        _ => {}
    }
    for h in &n.help_needs {
        if HelpNeed::from_code(h).is_none() {
            fe(&mut e, "help_needs", "无障碍帮助选项无效");
        }
    }
    too_long(&mut e, "help_note", n.help_note.trim(), 500, "帮助说明");
    let filled: Vec<(usize, &NewItem)> = n
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            !(i.description.trim().is_empty()
                && i.doc_number.trim().is_empty()
                && i.features.trim().is_empty())
        })
        .collect();
    if filled.is_empty() {
        fe(
            &mut e,
            "items.0.description",
            "请至少填写一项所需信息的名称或描述（条例第二十九条）",
        );
    }
    if filled.len() > MAX_ITEMS {
        fe(
            &mut e,
            "items",
            format!("一份申请最多{MAX_ITEMS}项，请分开提交"),
        );
    }
    for (i, item) in filled {
        let d = item.description.trim();
        if d.is_empty() {
            fe(
                &mut e,
                format!("items.{i}.description"),
                format!("第{}项：请填写所需信息的名称或描述", i + 1),
            );
        }
        too_long(
            &mut e,
            &format!("items.{i}.description"),
            d,
            MAX_DESCRIPTION,
            &format!("第{}项描述", i + 1),
        );
        too_long(
            &mut e,
            &format!("items.{i}.doc_number"),
            item.doc_number.trim(),
            100,
            &format!("第{}项文号", i + 1),
        );
        too_long(
            &mut e,
            &format!("items.{i}.features"),
            item.features.trim(),
            500,
            &format!("第{}项其他特征", i + 1),
        );
    }
    match n.arrived_on {
        None => fe(&mut e, "arrived_on", "请填写收到日期"),
        Some(d) if d > today => fe(&mut e, "arrived_on", "收到日期不能晚于今天"),
        Some(_) => {}
    }
    for (field, d) in [("signed_on", n.signed_on), ("confirmed_on", n.confirmed_on)] {
        if let Some(d) = d
            && d > today
        {
            fe(&mut e, field, "日期不能晚于今天");
        }
    }
    if let (Some(c), Some(a)) = (channel, n.arrived_on)
        && let Err(err) = rules::receipt_date(&Arrival {
            channel: c,
            arrived_on: a,
            signed_on: n.signed_on,
            confirmed_on: n.confirmed_on,
        })
        && !matches!(err, rules::ReceiptError::Unconfirmed(_))
    {
        let field = if c == Channel::RegisteredPost {
            "signed_on"
        } else {
            "confirmed_on"
        };
        fe(&mut e, field, err.to_string());
    }
    e
}

pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

pub(crate) fn date_of(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(parse_date)
}

pub(crate) fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

/// The vault contexts of the sealed personal fields of an application (issue #13; 个人信息保护法
/// Art. 51): each is `"<table>.<column>"` and listed in `personal::SEALED_COLUMNS`.
pub const PII_ID_NUMBER: &str = "applications.pii_id_number";
pub const PII_PHONE: &str = "applications.pii_phone";
pub const PII_EMAIL: &str = "applications.pii_email";
pub const PII_ADDRESS: &str = "applications.pii_address";
pub const PII_POSTCODE: &str = "applications.pii_postcode";
pub const PII_AGENT_ID_NUMBER: &str = "applications.pii_agent_id_number";
/// The blind-index context of [`applicant_key`].
pub const APPLICANT_KEY: &str = "applications.applicant_key";
/// The vault context of sealed identity-proof files.
pub const IDENTITY_PROOF: &str = "applications.identity_proof";
/// The attachment owner type of identity proofs (never public: no portal route serves it).
pub const IDENTITY_PROOF_OWNER: &str = "application_identity_proof";

/// Seals a personal field; an empty field stays empty (nothing to protect, and "not given" must
/// remain visible without the key).
fn seal(vault: &Vault, context: &str, value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        vault.seal_str(context, value)
    }
}

/// Identifies an applicant across applications without storing the number twice: the vault's
/// keyed blind index (HMAC-SM3) of the normalised ID number / USCC, so the repeat check
/// (Art. 36(六)) and the per-applicant rate limit work without reading personal data.
pub fn applicant_key(vault: &Vault, id_number: &str) -> String {
    let n = ids::normalize(id_number);
    if n.is_empty() {
        return String::new();
    }
    vault.blind_index(APPLICANT_KEY, &n)
}

/// An applicant's personal details, opened from the vault: for the staff in scope (shown masked
/// unless revealed, see `personal::reveal`) and for the letters sent to the applicant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
    pub agent_id_number: String,
}

impl Contact {
    /// The same details with the identifying part of each value hidden: what staff see until
    /// they reveal it with a reason (`personal::reveal`). Resident IDs, USCCs, mobiles and
    /// landlines are masked as the scanner masks them (`mask::mask_span`, default policy); other
    /// numbers keep two characters at each end, addresses their first six, e-mails their domain.
    pub fn masked(&self, id_kind: &str) -> Contact {
        use gongkai_core::mask::{MaskPolicy, mask_span};
        use gongkai_core::scan::FindingKind;
        let policy = MaskPolicy::default();
        let number = |kind: &str, v: &str| match kind {
            _ if v.is_empty() => String::new(),
            "resident_id" => mask_span(FindingKind::ResidentId, v, &policy),
            "uscc" => mask_span(FindingKind::Uscc, v, &policy),
            _ => mask_middle(v, 2, 2),
        };
        let phone = if self.phone.is_empty() {
            String::new()
        } else if self.phone.trim_start().starts_with('0') {
            mask_span(FindingKind::Landline, &self.phone, &policy)
        } else {
            mask_span(FindingKind::Mobile, &self.phone, &policy)
        };
        let email = if self.email.is_empty() {
            String::new()
        } else {
            mask_span(FindingKind::Email, &self.email, &policy)
        };
        Contact {
            id_number: number(id_kind, &self.id_number),
            phone,
            email,
            address: mask_middle(&self.address, 6, 0),
            postcode: self.postcode.clone(),
            agent_id_number: number(
                if ids::normalize(&self.agent_id_number).len() == 18 {
                    "resident_id"
                } else {
                    ""
                },
                &self.agent_id_number,
            ),
        }
    }
}

/// Keeps `head` and `tail` characters of `v` and replaces the others by `*`.
fn mask_middle(v: &str, head: usize, tail: usize) -> String {
    let n = v.chars().count();
    v.chars()
        .enumerate()
        .map(|(i, c)| if i < head || i + tail >= n { c } else { '*' })
        .collect()
}

impl Application {
    /// Opens the sealed personal fields (values stored before sealing are returned as they are
    /// until the re-seal job has run).
    pub fn contact(&self, vault: &Vault) -> Result<Contact> {
        let open = |ctx: &str, v: &str| crate::personal::open_text(vault, ctx, v);
        Ok(Contact {
            id_number: open(PII_ID_NUMBER, &self.pii_id_number)?,
            phone: open(PII_PHONE, &self.pii_phone)?,
            email: open(PII_EMAIL, &self.pii_email)?,
            address: open(PII_ADDRESS, &self.pii_address)?,
            postcode: open(PII_POSTCODE, &self.pii_postcode)?,
            agent_id_number: open(PII_AGENT_ID_NUMBER, &self.pii_agent_id_number)?,
        })
    }
}

/// Hash of an applicant's secret as stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(
        format!(
            "gongkai-application-secret:{}",
            secret.trim().to_ascii_uppercase()
        )
        .as_bytes(),
    ))
}

/// A fresh 12-character secret (upper-case hex), shown once to the applicant.
pub fn new_secret() -> String {
    crate::sessions::random_token()[..12].to_ascii_uppercase()
}

/// What the audit log keeps of an application: everything except personal data and the secret.
pub(crate) fn audit_view(a: &Application) -> serde_json::Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        for (k, val) in obj.iter_mut() {
            if k.starts_with("pii_") && val.as_str().is_some_and(|s| !s.is_empty()) {
                *val = json!("[个人信息]");
            }
        }
    }
    v
}

/// Loads an application inside a write transaction, locking its row on PostgreSQL.
pub(crate) async fn lock(tx: &mut Tx, id: i64) -> Result<Application> {
    let lock = match tx.backend() {
        Backend::Postgres => "FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE id = $1 {lock}");
    let a: Option<Application> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    a.ok_or_else(|| StoreError::NotFound("申请不存在".into()))
}

pub(crate) async fn reload(tx: &mut Tx, id: i64) -> Result<Application> {
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_one(c)
    .await?))
}

/// What [`create`] returns: the application and the secret, shown once.
#[derive(Debug, Clone)]
pub struct Created {
    pub application: Application,
    pub secret: String,
    pub items: Vec<AppItem>,
}

/// Registers an application (Art. 45 登记): validates it (every problem as an `Invalid` joined
/// message; forms call [`validate`] first to show them by field), derives the receipt date,
/// flags a repeat (Art. 36(六)), starts the clocks when the receipt date is known. Audited.
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    vault: &Vault,
    n: &NewApplication,
    today: NaiveDate,
) -> Result<Created> {
    let errors = validate(n, today);
    if !errors.is_empty() {
        let msg: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        return Err(invalid(msg.join("；")));
    }
    let channel = Channel::from_code(&n.channel).ok_or_else(|| invalid("请选择申请渠道"))?;
    let ty =
        ApplicantType::from_code(&n.applicant_type).ok_or_else(|| invalid("请选择申请人类型"))?;
    let arrived = n.arrived_on.ok_or_else(|| invalid("请填写收到日期"))?;
    let exists: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM orgs WHERE id = $1"
    )
    .bind(n.org_id)
    .fetch_one(c)
    .await?);
    if exists == 0 {
        return Err(invalid("受理机关不存在"));
    }
    let receipt = rules::receipt_date(&Arrival {
        channel,
        arrived_on: arrived,
        signed_on: n.signed_on,
        confirmed_on: n.confirmed_on,
    });
    let (stage, received_on, explanation) = match &receipt {
        Ok(r) => {
            let mut text = r.explanation.clone();
            for w in &r.warnings {
                text.push_str(w);
            }
            (Stage::Registered, Some(r.received_on), text)
        }
        Err(rules::ReceiptError::Unconfirmed(_)) => (
            Stage::Unconfirmed,
            None,
            receipt
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        Err(e) => return Err(invalid(e.to_string())),
    };
    let id_number = if ty.is_organisation() || n.id_kind == "resident_id" {
        ids::normalize(&n.id_number)
    } else {
        n.id_number.trim().to_owned()
    };
    let id_kind = if ty.is_organisation() {
        "uscc".to_owned()
    } else {
        n.id_kind.clone()
    };
    let key = applicant_key(vault, &id_number);
    let secret = new_secret();
    let now = now_ms();
    let help: Vec<&str> = n.help_needs.iter().map(String::as_str).collect();
    let sql = format!(
        "INSERT INTO applications (org_id, tracking_no, secret_hash, channel, applicant_type, \
         applicant_name, pii_id_kind, pii_id_number, pii_phone, pii_email, pii_address, \
         pii_postcode, applicant_key, agent_kind, agent_name, pii_agent_id_number, \
         agent_authorisation, info_form, delivery, help_needs, help_note, identity_proof_id, \
         stage, arrived_on, signed_on, confirmed_on, received_on, receipt_explanation, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, \
         $28, $29, $30, $30) RETURNING {COLUMNS}"
    );
    let temp_no = format!("new-{}", crate::sessions::random_token());
    let inserted: Application = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(n.org_id)
        .bind(&temp_no)
        .bind(secret_hash(&secret))
        .bind(channel.code())
        .bind(ty.code())
        .bind(n.applicant_name.trim())
        .bind(&id_kind)
        .bind(seal(vault, PII_ID_NUMBER, &id_number))
        .bind(seal(vault, PII_PHONE, n.phone.trim()))
        .bind(seal(vault, PII_EMAIL, n.email.trim()))
        .bind(seal(vault, PII_ADDRESS, n.address.trim()))
        .bind(seal(vault, PII_POSTCODE, n.postcode.trim()))
        .bind(&key)
        .bind(&n.agent_kind)
        .bind(n.agent_name.trim())
        .bind(seal(vault, PII_AGENT_ID_NUMBER, n.agent_id_number.trim()))
        .bind(n.agent_authorisation.trim())
        .bind(&n.info_form)
        .bind(&n.delivery)
        .bind(help.join(","))
        .bind(n.help_note.trim())
        .bind(n.identity_proof_id)
        .bind(stage.code())
        .bind(arrived.to_string())
        .bind(n.signed_on.map(|d| d.to_string()))
        .bind(n.confirmed_on.map(|d| d.to_string()))
        .bind(received_on.map(|d| d.to_string()))
        .bind(&explanation)
        .bind(&actor.label)
        .bind(now)
        .fetch_one(c)
        .await?);
    // Tracking number: year of arrival and the id (unique, readable aloud).
    let tracking = format!("{}{:06}", arrived.year(), inserted.id);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE applications SET tracking_no = $2 WHERE id = $1"
    )
    .bind(inserted.id)
    .bind(&tracking)
    .execute(c)
    .await?
    .rows_affected());
    let mut items = Vec::new();
    let mut seq = 0i64;
    for item in &n.items {
        if item.description.trim().is_empty()
            && item.doc_number.trim().is_empty()
            && item.features.trim().is_empty()
        {
            continue;
        }
        seq += 1;
        let sql = format!(
            "INSERT INTO application_items (application_id, seq, description, doc_number, \
             features) VALUES ($1, $2, $3, $4, $5) RETURNING {ITEM_COLUMNS}"
        );
        let row: AppItem = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(inserted.id)
            .bind(seq)
            .bind(item.description.trim())
            .bind(item.doc_number.trim())
            .bind(item.features.trim())
            .fetch_one(c)
            .await?);
        items.push(row);
    }
    // Art. 36(六): the same applicant asked for the same information before.
    let repeat = find_repeat(tx, inserted.id, &key, &items).await?;
    if let Some(r) = repeat {
        on_tx!(tx, |c| sqlx::query(
            "UPDATE applications SET repeat_of = $2 WHERE id = $1"
        )
        .bind(inserted.id)
        .bind(r)
        .execute(c)
        .await?
        .rows_affected());
    }
    let app = reload(tx, inserted.id).await?;
    insert_event(
        tx,
        actor,
        app.id,
        "register",
        "",
        stage,
        received_on,
        &explanation,
    )
    .await?;
    let mut after = audit_view(&app);
    after["items"] = json!(items.len());
    audit::append(
        tx,
        actor,
        Change {
            action: "application.register",
            object_type: OBJECT_TYPE,
            object_id: app.id.to_string(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    if received_on.is_some() {
        workflow::start_clocks(tx, actor, &app).await?;
    }
    Ok(Created {
        application: app,
        secret,
        items,
    })
}

/// The file types accepted as an identity proof (a photo or scan of the ID, or a PDF).
pub const IDENTITY_PROOF_KINDS: [gongkai_core::filetype::FileKind; 3] = [
    gongkai_core::filetype::FileKind::Jpeg,
    gongkai_core::filetype::FileKind::Png,
    gongkai_core::filetype::FileKind::Pdf,
];
/// Largest identity proof accepted (before metadata stripping): 10 MB.
pub const IDENTITY_PROOF_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Checks, strips, seals and writes an identity proof (Art. 29 ¶1(一): 申请人的身份证明) under
/// `data_dir`; nothing is written for a refused file. Link it with [`attach_identity_proof`] in
/// the transaction that creates the application, and remove the file with
/// `attachments::remove_unreferenced` if that transaction fails.
pub fn store_identity_proof(
    data_dir: &std::path::Path,
    vault: &Vault,
    bytes: &[u8],
    filename: &str,
) -> std::result::Result<crate::attachments::StoredFile, crate::attachments::AttachmentError> {
    crate::attachments::store_sealed_file(
        data_dir,
        bytes,
        filename,
        &crate::attachments::Limits {
            max_size: IDENTITY_PROOF_MAX_BYTES,
        },
        &IDENTITY_PROOF_KINDS,
        &|plain| vault.seal_bytes(IDENTITY_PROOF, plain),
    )
}

/// Links a stored identity proof to application `id` (audited as an attachment of the
/// application's proof, never as a public attachment) and records it on the application.
pub async fn attach_identity_proof(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    stored: &crate::attachments::StoredFile,
) -> Result<crate::attachments::Attachment> {
    let owner = crate::attachments::Owner {
        owner_type: IDENTITY_PROOF_OWNER,
        owner_id: id,
    };
    // A proof is an image of an ID: its "alt text" names what it is, for staff using a screen
    // reader (WCAG 1.1.1 applies to the console too).
    let att = crate::attachments::attach(tx, actor, owner, stored, "申请人身份证明").await?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE applications SET identity_proof_id = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(att.id)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    Ok(att)
}

/// The identity proof of an application, opened: its record and the original bytes. Staff
/// handlers call it only after `Action::RevealPersonalData` and `personal::reveal`.
pub async fn identity_proof(
    db: &Db,
    data_dir: &std::path::Path,
    vault: &Vault,
    app: &Application,
) -> Result<Option<(crate::attachments::Attachment, Vec<u8>)>> {
    let Some(att_id) = app.identity_proof_id else {
        return Ok(None);
    };
    let Some(att) = crate::attachments::get(db, att_id).await? else {
        return Ok(None);
    };
    if att.owner_type != IDENTITY_PROOF_OWNER || att.owner_id != app.id {
        return Ok(None);
    }
    let sealed = crate::attachments::read_verified(data_dir, &att.sha256)?;
    let plain = vault
        .open_bytes(IDENTITY_PROOF, &sealed)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(Some((att, plain)))
}

/// Normalises a description for "same information" comparisons: no whitespace or punctuation.
pub fn same_info_key(description: &str, doc_number: &str) -> String {
    let doc: String = doc_number.chars().filter(|c| c.is_alphanumeric()).collect();
    if !doc.is_empty() {
        return format!("doc:{doc}");
    }
    let d: String = description
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    format!("text:{d}")
}

async fn find_repeat(tx: &mut Tx, id: i64, key: &str, items: &[AppItem]) -> Result<Option<i64>> {
    if key.is_empty() || items.is_empty() {
        return Ok(None);
    }
    let earlier: Vec<(i64, String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT i.application_id, i.description, i.doc_number FROM application_items i \
         JOIN applications a ON a.id = i.application_id \
         WHERE a.applicant_key = $1 AND a.id <> $2 ORDER BY a.id"
    )
    .bind(key)
    .bind(id)
    .fetch_all(c)
    .await?);
    let mine: Vec<String> = items
        .iter()
        .map(|i| same_info_key(&i.description, &i.doc_number))
        .collect();
    Ok(earlier
        .into_iter()
        .find(|(_, d, n)| mine.contains(&same_info_key(d, n)))
        .map(|(a, _, _)| a))
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_event(
    tx: &mut Tx,
    actor: &Actor,
    application_id: i64,
    action: &str,
    from: &str,
    to: Stage,
    on: Option<NaiveDate>,
    note: &str,
) -> Result<()> {
    // Search (issue #8): every step may change what staff search shows; committed with it.
    crate::search::enqueue(tx, crate::search::KIND_APPLICATION, application_id).await?;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO application_events (application_id, action, from_stage, to_stage, on_date, \
         note, actor, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(application_id)
    .bind(action)
    .bind(from)
    .bind(to.code())
    .bind(on.map(|d| d.to_string()))
    .bind(note)
    .bind(&actor.label)
    .bind(actor.user_id)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// One application by id (the caller checks scope with `auth::permits` on `org_id`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Application>> {
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// The application with this tracking number **and** secret, or `None` — the same `None` for a
/// wrong secret and an unknown number, so a guess reveals nothing (the caller rate-limits).
pub async fn find_for_applicant(
    db: &Db,
    tracking_no: &str,
    secret: &str,
) -> Result<Option<Application>> {
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE tracking_no = $1");
    let a: Option<Application> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(tracking_no.trim())
        .fetch_optional(p)
        .await?);
    let given = secret_hash(secret);
    // Compare in constant time over the hex digests.
    let matches = |stored: &str| {
        stored.len() == given.len()
            && stored
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                == 0
    };
    Ok(a.filter(|a| matches(&a.secret_hash)))
}

pub async fn items(db: &Db, application_id: i64) -> Result<Vec<AppItem>> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM application_items WHERE application_id = $1 ORDER BY seq"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(application_id)
    .fetch_all(p)
    .await?))
}

pub(crate) async fn items_tx(tx: &mut Tx, application_id: i64) -> Result<Vec<AppItem>> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM application_items WHERE application_id = $1 ORDER BY seq"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(application_id)
    .fetch_all(c)
    .await?))
}

pub async fn events(db: &Db, application_id: i64) -> Result<Vec<AppEvent>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, application_id, action, from_stage, to_stage, on_date, note, actor, \
         actor_id, at FROM application_events WHERE application_id = $1 ORDER BY id"
    )
    .bind(application_id)
    .fetch_all(p)
    .await?))
}

/// Filters of the staff list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub stage: Option<String>,
    pub channel: Option<String>,
    pub applicant_type: Option<String>,
    /// Receipt (or arrival, while unconfirmed) year.
    pub year: Option<i32>,
    /// Tracking number or applicant name contains.
    pub q: Option<String>,
    /// Only applications asking for Art. 43 help.
    pub help_only: bool,
    /// Only applications of this organisation's subtree (still within the scopes).
    pub org_id: Option<OrgId>,
    /// Only applications with an open deadline due before this day (overdue on that day).
    pub overdue_on: Option<NaiveDate>,
    pub limit: i64,
    /// Rows to skip (pagination).
    pub offset: i64,
}

/// The WHERE clause of [`list`]/[`count`] and its arguments; `None` when nothing can match.
async fn list_conditions(
    db: &Db,
    scopes: &[OrgId],
    f: &ListFilter,
) -> Result<Option<(String, Vec<Arg>)>> {
    let mut ids = expand_scopes(db, scopes).await?;
    if let Some(org) = f.org_id {
        let within = expand_scopes(db, &[org]).await?;
        ids.retain(|i| within.contains(i));
    }
    if ids.is_empty() {
        return Ok(None);
    }
    let mut args = Vec::new();
    let mut conds = vec![in_list("org_id", &ids, &mut args)];
    if let Some(s) = f.stage.as_deref().filter(|s| !s.is_empty()) {
        args.push(Arg::S(s.to_owned()));
        conds.push(format!("stage = ${}", args.len()));
    }
    if let Some(s) = f.channel.as_deref().filter(|s| !s.is_empty()) {
        args.push(Arg::S(s.to_owned()));
        conds.push(format!("channel = ${}", args.len()));
    }
    if let Some(s) = f.applicant_type.as_deref().filter(|s| !s.is_empty()) {
        args.push(Arg::S(s.to_owned()));
        conds.push(format!("applicant_type = ${}", args.len()));
    }
    if let Some(y) = f.year {
        args.push(Arg::S(format!("{y}-01-01")));
        let from = args.len();
        args.push(Arg::S(format!("{y}-12-31")));
        let to = args.len();
        conds.push(format!(
            "COALESCE(received_on, arrived_on) >= ${from} AND COALESCE(received_on, arrived_on) <= ${to}"
        ));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped: String = q
            .chars()
            .filter(|c| !matches!(c, '%' | '_' | '\\'))
            .collect();
        args.push(Arg::S(format!("%{escaped}%")));
        let n = args.len();
        conds.push(format!(
            "(tracking_no LIKE ${n} OR applicant_name LIKE ${n})"
        ));
    }
    if f.help_only {
        conds.push("(help_needs <> '' OR help_note <> '')".to_owned());
    }
    if let Some(day) = f.overdue_on {
        args.push(Arg::S(OBJECT_TYPE.to_owned()));
        let t = args.len();
        args.push(Arg::S(day.to_string()));
        let d = args.len();
        conds.push(format!(
            "EXISTS (SELECT 1 FROM deadlines d WHERE d.object_type = ${t} \
             AND d.object_id = applications.id AND d.status = 'open' AND d.due_date < ${d})"
        ));
    }
    Ok(Some((conds.join(" AND "), args)))
}

/// Applications of organisations inside `scopes` (subtrees; pass `auth::scopes_for(grants,
/// ManageApplications)`; empty lists nothing), scope and filters in the query, newest first.
pub async fn list(db: &Db, scopes: &[OrgId], f: &ListFilter) -> Result<Vec<Application>> {
    let Some((cond, args)) = list_conditions(db, scopes, f).await? else {
        return Ok(Vec::new());
    };
    let limit = if f.limit <= 0 { 500 } else { f.limit.min(5000) };
    let offset = f.offset.max(0);
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE {cond} ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
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

/// How many applications [`list`] would give without its limit and offset.
pub async fn count(db: &Db, scopes: &[OrgId], f: &ListFilter) -> Result<i64> {
    let Some((cond, args)) = list_conditions(db, scopes, f).await? else {
        return Ok(0);
    };
    let sql = format!("SELECT COUNT(*) FROM applications WHERE {cond}");
    Ok(on_db!(db, |p| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_one(p).await?
    }))
}

/// Counting records of table 3 (REG §2.5, §3.2 "generate the tables from case data"): one per
/// requested item (一事一申请) of applications of `org`'s subtree that can count in `year` —
/// received (Art. 31) by the end of the year and not decided before it. Outcome codes are
/// core's stable [`Outcome::code`]s; count with `gongkai_core::applications::table3::count`.
pub async fn table3_records(db: &Db, org: OrgId, year: i32) -> Result<Vec<Record>> {
    let ids = expand_scopes(db, &[org]).await?;
    table3_records_in(db, &ids, year).await
}

/// [`table3_records`] of applications of exactly the organisations `ids` (the annual report's
/// own-level scope: a body with its departments and affiliated units, `reports::scope`).
pub async fn table3_records_in(db: &Db, ids: &[OrgId], year: i32) -> Result<Vec<Record>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = vec![
        Arg::S(format!("{year}-12-31")),
        Arg::S(format!("{year}-01-01")),
    ];
    let scope = in_list("a.org_id", ids, &mut args);
    let sql = format!(
        "SELECT a.id, i.id, a.applicant_type, a.received_on, i.decided_on, i.outcome \
         FROM application_items i JOIN applications a ON a.id = i.application_id \
         WHERE a.received_on IS NOT NULL AND a.received_on <= $1 \
         AND (i.decided_on IS NULL OR i.decided_on >= $2) AND {scope} ORDER BY a.id, i.seq"
    );
    type Row = (i64, i64, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    });
    let mut out = Vec::with_capacity(rows.len());
    for (app, item, ty, received, decided, outcome) in rows {
        let applicant_type = ApplicantType::from_code(&ty)
            .ok_or_else(|| invalid(format!("申请人类型“{ty}”无法识别")))?;
        let received_on = parse_date(&received).ok_or_else(|| invalid("收到申请日期格式错误"))?;
        let decision = match (decided.as_deref().and_then(parse_date), outcome) {
            (Some(d), Some(o)) => Some((
                d,
                Outcome::from_code(&o).ok_or_else(|| invalid(format!("办理结果“{o}”无法识别")))?,
            )),
            _ => None,
        };
        out.push(Record {
            application_id: app,
            item_id: item,
            applicant_type,
            received_on,
            decision,
        });
    }
    Ok(out)
}

/// Art. 44 aid: descriptions asked for by more than one applicant in `scopes` (by the
/// same-information key), with the number of distinct applicants, most asked first.
pub async fn popular_requests(db: &Db, scopes: &[OrgId]) -> Result<Vec<(String, i64)>> {
    let ids = expand_scopes(db, scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let scope = in_list("a.org_id", &ids, &mut args);
    let sql = format!(
        "SELECT i.description, i.doc_number, a.applicant_key, a.id FROM application_items i \
         JOIN applications a ON a.id = i.application_id WHERE {scope}"
    );
    let rows: Vec<(String, String, String, i64)> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    });
    let mut map: std::collections::BTreeMap<String, (String, std::collections::BTreeSet<String>)> =
        Default::default();
    for (d, n, key, app) in rows {
        let who = if key.is_empty() {
            format!("app:{app}")
        } else {
            key
        };
        let entry = map
            .entry(same_info_key(&d, &n))
            .or_insert_with(|| (d.clone(), Default::default()));
        entry.1.insert(who);
    }
    let mut out: Vec<(String, i64)> = map
        .into_values()
        .filter(|(_, who)| who.len() > 1)
        .map(|(d, who)| (d, i64::try_from(who.len()).unwrap_or(i64::MAX)))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// Sets one of the configurable periods ([`FEE_WORKDAYS_SETTING`], [`CORRECTION_WORKDAYS_SETTING`])
/// to `workdays` (1–60). Audited (`setting.set`). Applies to notices sent afterwards.
pub async fn set_period_setting(
    tx: &mut Tx,
    actor: &Actor,
    key: &str,
    workdays: u32,
) -> Result<()> {
    if key != FEE_WORKDAYS_SETTING && key != CORRECTION_WORKDAYS_SETTING {
        return Err(invalid("未知的设置项"));
    }
    if !(1..=60).contains(&workdays) {
        return Err(invalid("期限应为1至60个工作日"));
    }
    let before: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(c)
    .await?);
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3"
    )
    .bind(key)
    .bind(workdays.to_string())
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "setting.set",
            object_type: "setting",
            object_id: key.to_owned(),
            before: before.map(|v| json!(v)),
            after: Some(json!(workdays.to_string())),
        },
    )
    .await?;
    Ok(())
}
