//! Disclosure applications through the JSON API (issue #6: "the API covers the same operations
//! for staff"; 条例 Arts. 27–45, REG §1.5, §1.7).
//!
//! **Rules.**
//! - The console's permission matrix and scopes: everything needs `ManageApplications` on the
//!   application's organisation; an application outside the token holder's scope answers 404
//!   exactly like one that does not exist (no IDOR), and so do letters, consultations and items
//!   named by id that belong to another application. An extension also needs
//!   `ApproveExtension` (Art. 33 ¶2). A letter's confidentiality review needs
//!   `ConfidentialityReview` on the organisation (the reviewer may read the letter, nothing else
//!   of the application).
//! - Lists filter by scope in the query (`applications::list`/`count`), paginated.
//! - One parser and one set of rules with the console: registration goes through the store's
//!   `validate` and `appform::staff_registration_errors`; each workflow step maps its JSON body
//!   onto the console's `StepForm` and runs `admin::applications::apply_step`; letters are
//!   checked by `letters::precheck` in the store and sent through `admin::letters::deliver`;
//!   cases parse through `admin::applications::case_input`.
//! - Personal data are masked in every answer; a full view stays on the console (audited
//!   reveal with a reason). Ciphertexts (`pii_*`) are never serialised.
//! - Errors: 400 `{"error": "invalid", "message", "fields"}` for input, 409 for a step the
//!   application's stage does not allow (or a letter not cleared by its review), in Chinese.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use gongkai_core::applications::table3::CaseResult;
use gongkai_core::applications::{Channel, Stage};
use gongkai_core::auth::{Action, scopes_for};
use gongkai_store::applications::letters::{self, Letter, LetterReview, ReviewConclusion};
use gongkai_store::applications::register::{self, CaseInput};
use gongkai_store::applications::workflow;
use gongkai_store::applications::{
    self, AppItem, Application, ListFilter, NewApplication, NewItem,
};
use gongkai_store::audit::Actor;
use gongkai_store::{deadlines, orgs};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::ApiStaff;
use super::items::{ApiPath, ClientIp, ItemError};
use crate::AppState;
use crate::admin::applications::{
    CaseForm, StepError, StepForm, apply_step, case_input, date_arg, opt_date,
};
use crate::admin::letters as console_letters;
use crate::appform;
use crate::error::AppError;
use crate::extract::{Json, Query};

type ApiResult<T> = Result<T, ItemError>;

fn actor(staff: &ApiStaff, ip: &ClientIp) -> Actor {
    Actor::user(staff.user.id, &staff.user.username, &ip.0)
}

fn invalid_fields(fields: BTreeMap<String, String>) -> ItemError {
    let message = format!(
        "提交的内容有 {} 处需要修改：{}",
        fields.len(),
        fields.values().cloned().collect::<Vec<_>>().join("；")
    );
    ItemError::Invalid { message, fields }
}

fn invalid(field: &str, message: impl Into<String>) -> ItemError {
    let m = message.into();
    ItemError::Invalid {
        message: m.clone(),
        fields: BTreeMap::from([(field.to_owned(), m)]),
    }
}

fn not_found() -> ItemError {
    ItemError::App(AppError::new(
        StatusCode::NOT_FOUND,
        "application_not_found",
        "申请不存在或不在您的管理范围内。",
    ))
}

fn today() -> NaiveDate {
    deadlines::today()
}

/// The application if the caller manages applications of its organisation; 404 otherwise
/// (the same answer whether it exists or not).
async fn load(state: &AppState, staff: &ApiStaff, id: i64) -> ApiResult<Application> {
    match applications::get(&state.db, id).await? {
        Some(a)
            if staff
                .require(Action::ManageApplications, Some(a.org_id))
                .is_ok() =>
        {
            Ok(a)
        }
        _ => Err(not_found()),
    }
}

// ---------------------------------------------------------------------------------------------
// Views.

/// An application without its ciphertexts, with the applicant's details masked.
#[derive(Debug, Serialize)]
struct AppView {
    id: i64,
    org_id: i64,
    tracking_no: String,
    channel: String,
    channel_label: &'static str,
    applicant_type: String,
    applicant_type_label: &'static str,
    applicant_name: String,
    stage: String,
    stage_label: &'static str,
    arrived_on: String,
    signed_on: Option<String>,
    confirmed_on: Option<String>,
    received_on: Option<String>,
    receipt_explanation: String,
    department_id: Option<i64>,
    internal_note: String,
    correction_notice_on: Option<String>,
    correction_items: String,
    correction_due_on: Option<String>,
    correction_received_on: Option<String>,
    repeat_of: Option<i64>,
    routed_out: bool,
    decided_on: Option<String>,
    replied_on: Option<String>,
    reply_via: String,
    archived_on: Option<String>,
    info_form: String,
    info_form_label: &'static str,
    delivery: String,
    delivery_label: &'static str,
    /// Art. 43 help asked for: handle with priority.
    needs_help: bool,
    help_needs: Vec<&'static str>,
    help_note: String,
    agent_kind: String,
    agent_name: String,
    agent_authorisation: String,
    has_identity_proof: bool,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

fn app_view(a: &Application) -> AppView {
    AppView {
        id: a.id,
        org_id: a.org_id,
        tracking_no: a.tracking_no.clone(),
        channel: a.channel.clone(),
        channel_label: a.channel_label(),
        applicant_type: a.applicant_type.clone(),
        applicant_type_label: a.applicant_type_label(),
        applicant_name: a.applicant_name.clone(),
        stage: a.stage.clone(),
        stage_label: a.stage_label(),
        arrived_on: a.arrived_on.clone(),
        signed_on: a.signed_on.clone(),
        confirmed_on: a.confirmed_on.clone(),
        received_on: a.received_on.clone(),
        receipt_explanation: a.receipt_explanation.clone(),
        department_id: a.department_id,
        internal_note: a.internal_note.clone(),
        correction_notice_on: a.correction_notice_on.clone(),
        correction_items: a.correction_items.clone(),
        correction_due_on: a.correction_due_on.clone(),
        correction_received_on: a.correction_received_on.clone(),
        repeat_of: a.repeat_of,
        routed_out: a.routed_out,
        decided_on: a.decided_on.clone(),
        replied_on: a.replied_on.clone(),
        reply_via: a.reply_via.clone(),
        archived_on: a.archived_on.clone(),
        info_form: a.info_form.clone(),
        info_form_label: a.info_form_label(),
        delivery: a.delivery.clone(),
        delivery_label: a.delivery_label(),
        needs_help: a.needs_help(),
        help_needs: a.help().into_iter().map(|h| h.label()).collect(),
        help_note: a.help_note.clone(),
        agent_kind: a.agent_kind.clone(),
        agent_name: a.agent_name.clone(),
        agent_authorisation: a.agent_authorisation.clone(),
        has_identity_proof: a.identity_proof_id.is_some(),
        created_by: a.created_by.clone(),
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

/// The applicant's details, masked (个人信息保护法 Art. 51; the full view is console-only).
fn masked_contact(state: &AppState, a: &Application) -> ApiResult<Value> {
    let c = a.contact(&state.config.vault.get())?.masked(&a.pii_id_kind);
    Ok(json!({
        "id_kind": a.pii_id_kind,
        "id_number": c.id_number,
        "phone": c.phone,
        "email": c.email,
        "address": c.address,
        "postcode": c.postcode,
        "agent_id_number": c.agent_id_number,
        "masked": true,
    }))
}

fn item_view(i: &AppItem) -> Value {
    let mut v = serde_json::to_value(i).unwrap_or_default();
    v["outcome_label"] = json!(i.outcome_label());
    v
}

/// A letter with the state of its confidentiality review.
fn letter_view(l: &Letter, reviews: &[LetterReview]) -> Value {
    let current = letters::current_review(l, reviews);
    let mine: Vec<&LetterReview> = reviews.iter().filter(|r| r.letter_id == l.id).collect();
    json!({
        "letter": l,
        "kind_label": console_letters::kind_label(&l.kind),
        "review_state": console_letters::review_state(l, current),
        "current_review": current,
        "reviews": mine,
        "sendable": letters::send_blocker(l, current).is_none(),
        "send_blocker": letters::send_blocker(l, current),
    })
}

/// The deadlines of an application with their explanations.
async fn deadline_views(state: &AppState, a: &Application) -> ApiResult<Vec<Value>> {
    let mut out = Vec::new();
    let mut kinds: Vec<(String, &str)> = vec![
        (workflow::REPLY.to_owned(), "答复期限"),
        (workflow::CORRECTION_NOTICE.to_owned(), "补正告知期限"),
        (workflow::CORRECTION_PERIOD.to_owned(), "申请人补正期限"),
        (workflow::FEE_PAYMENT.to_owned(), "缴费期限"),
    ];
    for c in workflow::consultations(&state.db, a.id).await? {
        kinds.push((workflow::consultation_kind(c.id), "征求意见期限"));
    }
    for (kind, label) in kinds {
        if let Some(row) = deadlines::get(&state.db, applications::OBJECT_TYPE, a.id, &kind).await?
        {
            out.push(json!({
                "kind": kind,
                "label": label,
                "due_date": row.due_date,
                "original_due_date": row.original_due_date,
                "provisional": row.provisional,
                "open": row.is_open(),
                "explanation": row.explanation,
            }));
        }
    }
    Ok(out)
}

/// The full staff view of one application.
async fn detail(state: &AppState, staff: &ApiStaff, a: &Application) -> ApiResult<Value> {
    let db = &state.db;
    let reviews = letters::reviews(db, a.id).await?;
    let letters: Vec<Value> = letters::list(db, a.id)
        .await?
        .iter()
        .map(|l| letter_view(l, &reviews))
        .collect();
    let cases: Vec<register::Case> = register::list(db, &[a.org_id], None)
        .await?
        .into_iter()
        .filter(|c| c.application_id == Some(a.id))
        .collect();
    let all_orgs = orgs::list(db).await?;
    let name_of = |id: i64| {
        all_orgs
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.full_name.clone())
            .unwrap_or_default()
    };
    Ok(json!({
        "application": app_view(a),
        "org_name": name_of(a.org_id),
        "department_name": a.department_id.map(name_of),
        "contact": masked_contact(state, a)?,
        "items": applications::items(db, a.id).await?.iter().map(item_view).collect::<Vec<_>>(),
        "deadlines": deadline_views(state, a).await?,
        "consultations": workflow::consultations(db, a.id).await?,
        "extensions": workflow::extensions(db, a.id).await?,
        "fees": workflow::fees(db, a.id).await?,
        "letters": letters,
        "cases": cases,
        "events": applications::events(db, a.id).await?,
        "capabilities": {
            "manage": true,
            "extend": staff.require(Action::ApproveExtension, Some(a.org_id)).is_ok(),
            "review_letters": staff.require(Action::ConfidentialityReview, Some(a.org_id)).is_ok(),
            "reveal_personal_data": false,
        },
    }))
}

async fn answer(state: &AppState, staff: &ApiStaff, id: i64) -> ApiResult<Response> {
    let a = load(state, staff, id).await?;
    Ok(axum::Json(detail(state, staff, &a).await?).into_response())
}

// ---------------------------------------------------------------------------------------------
// The list.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    stage: String,
    channel: String,
    applicant_type: String,
    org: Option<i64>,
    year: Option<i32>,
    q: String,
    /// `true`/`1`: only applications with an overdue open deadline.
    overdue: String,
    /// `true`/`1`: only applications asking for Art. 43 help.
    help: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

fn flag(field: &str, v: &str, fields: &mut BTreeMap<String, String>) -> bool {
    match v.trim() {
        "" | "false" | "0" => false,
        "true" | "1" => true,
        _ => {
            fields.insert(field.into(), format!("{field} 须为 true 或 false"));
            false
        }
    }
}

/// Applications in the caller's scope with filters (stage, organisation subtree, year, channel,
/// applicant type, overdue, Art. 43 help, tracking number or name), newest first, paginated.
pub async fn list_applications(
    State(state): State<AppState>,
    staff: ApiStaff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let mut fields = BTreeMap::new();
    if !q.stage.is_empty() && Stage::from_code(&q.stage).is_none() {
        let codes: Vec<&str> = Stage::ALL.iter().map(|s| s.code()).collect();
        fields.insert(
            "stage".into(),
            format!("状态代码无效，可选：{}", codes.join("、")),
        );
    }
    if !q.channel.is_empty() && Channel::from_code(&q.channel).is_none() {
        let codes: Vec<&str> = Channel::ALL.iter().map(|c| c.code()).collect();
        fields.insert(
            "channel".into(),
            format!("申请渠道代码无效，可选：{}", codes.join("、")),
        );
    }
    if q.year.is_some_and(|y| !(2000..=2100).contains(&y)) {
        fields.insert("year".into(), "年份须在 2000–2100 之间".into());
    }
    let overdue = flag("overdue", &q.overdue, &mut fields);
    let help = flag("help", &q.help, &mut fields);
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(20);
    if page < 1 {
        fields.insert("page".into(), "页码从 1 开始".into());
    }
    if !(1..=100).contains(&per_page) {
        fields.insert("per_page".into(), "每页条数须在 1–100 之间".into());
    }
    if !fields.is_empty() {
        return Err(invalid_fields(fields));
    }
    let scopes = scopes_for(&staff.grants, Action::ManageApplications);
    let t = today();
    let filter = ListFilter {
        stage: Some(q.stage.clone()),
        channel: Some(q.channel.clone()),
        applicant_type: Some(q.applicant_type.clone()),
        year: q.year,
        q: Some(q.q.clone()),
        help_only: help,
        org_id: q.org,
        overdue_on: overdue.then_some(t),
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let total = applications::count(&state.db, &scopes, &filter).await?;
    let apps = applications::list(&state.db, &scopes, &filter).await?;
    let mut entries = Vec::with_capacity(apps.len());
    for a in &apps {
        let reply = deadlines::get(&state.db, applications::OBJECT_TYPE, a.id, workflow::REPLY)
            .await?
            .filter(deadlines::DeadlineRow::is_open);
        entries.push(json!({
            "id": a.id,
            "tracking_no": a.tracking_no,
            "org_id": a.org_id,
            "channel": a.channel,
            "channel_label": a.channel_label(),
            "applicant_type": a.applicant_type,
            "applicant_type_label": a.applicant_type_label(),
            "applicant_name": a.applicant_name,
            "stage": a.stage,
            "stage_label": a.stage_label(),
            "arrived_on": a.arrived_on,
            "received_on": a.received_on,
            "reply_due_on": reply.as_ref().map(|r| r.due_date.clone()),
            "reply_overdue": reply.as_ref().and_then(|r| r.due()).is_some_and(|d| d < t),
            "needs_help": a.needs_help(),
            "repeat_of": a.repeat_of,
            "routed_out": a.routed_out,
        }));
    }
    Ok(axum::Json(json!({
        "page": page,
        "per_page": per_page,
        "total": total,
        "entries": entries,
    }))
    .into_response())
}

/// One application: masked personal data, deadlines with their working, items with decisions,
/// consultations, extensions, fees, letters with their reviews, cases and the timeline.
pub async fn show_application(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    staff: ApiStaff,
) -> ApiResult<Response> {
    answer(&state, &staff, id).await
}

// ---------------------------------------------------------------------------------------------
// Registration.

/// An application received in person, by post, by letter, by fax or orally, entered by staff
/// for the applicant (Art. 29).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewApplicationInput {
    org_id: Option<i64>,
    channel: String,
    applicant_type: String,
    applicant_name: String,
    id_kind: String,
    id_number: String,
    phone: String,
    email: String,
    address: String,
    postcode: String,
    agent_kind: String,
    agent_name: String,
    agent_id_number: String,
    agent_authorisation: String,
    info_form: String,
    delivery: String,
    help_needs: Vec<String>,
    help_note: String,
    items: Vec<ItemInput>,
    arrived_on: String,
    signed_on: String,
    confirmed_on: String,
}

/// A requested item (一事一申请): a description, and optionally a 文号 or other features.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ItemInput {
    description: String,
    doc_number: String,
    features: String,
}

/// Registers an application (201 with the tracking number and the secret, shown once: tell
/// them to the applicant). Validation as on the console: field by field, in Chinese.
pub async fn create_application(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<NewApplicationInput>,
) -> ApiResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let t = today();
    let org_id = input.org_id.unwrap_or(staff.user.org_id);
    let mut errors = appform::Errors::new();
    let arrived = appform::date_field(&mut errors, "arrived_on", &input.arrived_on);
    let signed = appform::date_field(&mut errors, "signed_on", &input.signed_on);
    let confirmed = appform::date_field(&mut errors, "confirmed_on", &input.confirmed_on);
    let n = NewApplication {
        org_id,
        channel: input.channel,
        applicant_type: input.applicant_type,
        applicant_name: input.applicant_name,
        id_kind: input.id_kind,
        id_number: input.id_number,
        phone: input.phone,
        email: input.email,
        address: input.address,
        postcode: input.postcode,
        agent_kind: input.agent_kind,
        agent_name: input.agent_name,
        agent_id_number: input.agent_id_number,
        agent_authorisation: input.agent_authorisation,
        info_form: input.info_form,
        delivery: input.delivery,
        help_needs: input.help_needs,
        help_note: input.help_note,
        items: input
            .items
            .into_iter()
            .map(|i| NewItem {
                description: i.description,
                doc_number: i.doc_number,
                features: i.features,
            })
            .collect(),
        arrived_on: arrived,
        signed_on: signed,
        confirmed_on: confirmed,
        identity_proof_id: None,
    };
    let bad_dates: Vec<String> = errors.iter().map(|(f, _)| f.clone()).collect();
    for e in applications::validate(&n, t) {
        if !bad_dates.contains(&e.field) {
            errors.push((e.field, e.message));
        }
    }
    let in_scope = staff
        .require(Action::ManageApplications, Some(org_id))
        .is_ok();
    errors.extend(appform::staff_registration_errors(&n, in_scope));
    if !errors.is_empty() {
        let mut fields = BTreeMap::new();
        for (f, m) in errors {
            fields.entry(f).or_insert(m);
        }
        return Err(invalid_fields(fields));
    }
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let created = applications::create(
        &mut tx,
        &actor(&staff, &ip),
        &state.config.vault.get(),
        &n,
        t,
    )
    .await?;
    tx.commit().await.map_err(AppError::from)?;
    let view = detail(&state, &staff, &created.application).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "tracking_no": created.application.tracking_no,
            "secret": created.secret,
            "notice": "请将受理编号和查询密码告知申请人；查询密码只显示这一次。",
            "view": view,
        })),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Workflow steps.

/// The body of a workflow step; each step reads the fields it needs (see the OpenAPI document).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StepInput {
    /// The step's date (`YYYY-MM-DD`): confirmation, notice, receipt, decision, payment, …
    date: String,
    note: String,
    /// 补正: every item to correct (Art. 30 一次性告知).
    items: String,
    /// 补正 period, or the extension, in working days.
    workdays: Option<i64>,
    department_id: Option<i64>,
    /// `third_party` or `agency`.
    party_kind: String,
    party_name: String,
    party_received_on: String,
    /// `agree`, `disagree` or `none`.
    opinion: String,
    reason: String,
    approved_on: String,
    notice_on: String,
    /// Fee: `item` (按件) or `page` (按量).
    method: String,
    pages: Option<i64>,
    /// Fee notice received by the applicant.
    received_on: String,
    /// Reply: `online`, `email`, `post` or `in_person`.
    via: String,
}

fn num(n: Option<i64>) -> String {
    n.map(|v| v.to_string()).unwrap_or_default()
}

/// Maps a step's JSON body onto the console's form fields.
fn step_form(step: &str, b: StepInput) -> StepForm {
    let mut f = StepForm {
        date: b.date,
        text: b.note,
        ..Default::default()
    };
    match step {
        "correction" => {
            f.text = b.items;
            f.number = num(b.workdays);
        }
        "assign" => f.target = num(b.department_id),
        "consult" => {
            f.choice = b.party_kind;
            f.name = b.party_name;
            f.date2 = b.party_received_on;
        }
        "consult_reply" => f.choice = b.opinion,
        "extend" => {
            f.number = num(b.workdays);
            f.text = b.reason;
            f.date = b.approved_on;
            f.date2 = b.notice_on;
        }
        "fee" => {
            f.choice = b.method;
            f.number = num(b.pages);
            f.date = b.notice_on;
            f.date2 = b.received_on;
        }
        "reply" => f.choice = b.via,
        _ => {}
    }
    f
}

/// Runs a step (the console's `apply_step`) in one transaction and answers the application.
async fn run_step(
    state: &AppState,
    staff: &ApiStaff,
    ip: &ClientIp,
    id: i64,
    step: &str,
    f: StepForm,
) -> ApiResult<Response> {
    let app = load(state, staff, id).await?;
    if step == "extend"
        && staff
            .require(Action::ApproveExtension, Some(app.org_id))
            .is_err()
    {
        return Err(ItemError::App(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "延长答复期限须经政府信息公开工作机构负责人批准（条例第三十三条第二款）。",
        )));
    }
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    match apply_step(state, &mut tx, &actor(staff, ip), id, step, &f, today()).await {
        Ok(_) => {
            tx.commit().await.map_err(AppError::from)?;
            answer(state, staff, id).await
        }
        Err(StepError::Invalid(m)) => Err(ItemError::Invalid {
            message: m,
            fields: BTreeMap::new(),
        }),
        Err(StepError::Conflict(m)) => Err(ItemError::App(AppError::conflict(m))),
        Err(StepError::Other(e)) => Err(ItemError::App(e)),
    }
}

macro_rules! step_handler {
    ($name:ident, $step:literal) => {
        #[doc = concat!("The `", $step, "` workflow step.")]
        pub async fn $name(
            State(state): State<AppState>,
            ApiPath(id): ApiPath<i64>,
            staff: ApiStaff,
            ip: ClientIp,
            Json(b): Json<StepInput>,
        ) -> ApiResult<Response> {
            run_step(&state, &staff, &ip, id, $step, step_form($step, b)).await
        }
    };
}

step_handler!(confirm_application, "confirm");
step_handler!(request_correction, "correction");
step_handler!(receive_correction, "correction_received");
step_handler!(assign_application, "assign");
step_handler!(start_consultation, "consult");
step_handler!(extend_application, "extend");
step_handler!(fee_notice, "fee");
step_handler!(record_payment, "fee_paid");
step_handler!(route_out_application, "route_out");
step_handler!(record_reply, "reply");
step_handler!(archive_application, "archive");

/// Records a consulted party's answer (the consultation must belong to this application).
pub async fn finish_consultation(
    State(state): State<AppState>,
    ApiPath((id, cid)): ApiPath<(i64, i64)>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<StepInput>,
) -> ApiResult<Response> {
    let mut f = step_form("consult_reply", b);
    f.target = cid.to_string();
    run_step(&state, &staff, &ip, id, "consult_reply", f).await
}

/// The decision on one requested item (exactly one primary outcome, REG §1.5.7).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionInput {
    outcome: String,
    basis: String,
    withheld_what: String,
    withheld_why: String,
    published_item_id: Option<i64>,
    note: String,
    date: String,
}

/// Decides one item (the item must belong to this application).
pub async fn decide_item(
    State(state): State<AppState>,
    ApiPath((id, item)): ApiPath<(i64, i64)>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<DecisionInput>,
) -> ApiResult<Response> {
    let f = StepForm {
        target: item.to_string(),
        outcome: b.outcome,
        basis: b.basis,
        withheld_what: b.withheld_what,
        withheld_why: b.withheld_why,
        published_item_id: num(b.published_item_id),
        text: b.note,
        date: b.date,
        ..Default::default()
    };
    run_step(&state, &staff, &ip, id, "decide", f).await
}

// ---------------------------------------------------------------------------------------------
// Letters.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DraftQuery {
    kind: String,
}

/// The starting text of a letter: the reply composed from the decisions (articles and remedy),
/// or a frame for the other kinds; with what the pre-send check finds in it.
pub async fn draft_letter(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    staff: ApiStaff,
    Query(q): Query<DraftQuery>,
) -> ApiResult<Response> {
    let app = load(&state, &staff, id).await?;
    let kind = if q.kind.is_empty() {
        "reply".to_owned()
    } else {
        q.kind
    };
    if !letters::KINDS.contains(&kind.as_str()) {
        return Err(invalid(
            "kind",
            format!("告知书种类无效，可选：{}", letters::KINDS.join("、")),
        ));
    }
    let (title, body) = console_letters::starting_text(&state, &app, &kind).await?;
    let check = letters::precheck(&title, &body)?;
    Ok(
        axum::Json(json!({"kind": kind, "title": title, "body": body, "precheck": check}))
            .into_response(),
    )
}

/// A letter's text.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LetterInput {
    kind: String,
    title: String,
    body: String,
    /// The drafter confirms the personal data the check found (the applicant's own, or lawfully
    /// given).
    personal_confirmed: bool,
}

/// Saves a new letter after the pre-send check (201). It must pass its confidentiality review
/// before it can be sent.
pub async fn create_letter(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<LetterInput>,
) -> ApiResult<Response> {
    let app = load(&state, &staff, id).await?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let letter = letters::save(
        &mut tx,
        &actor(&staff, &ip),
        app.id,
        &b.kind,
        &b.title,
        &b.body,
        b.personal_confirmed,
    )
    .await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok((StatusCode::CREATED, axum::Json(letter_view(&letter, &[]))).into_response())
}

/// The application and the letter, for the office (`ManageApplications`) or the
/// confidentiality reviewer (`ConfidentialityReview`) of its organisation; 404 for anyone else
/// and for a letter of another application. Returns (application, letter, may manage, may
/// review).
async fn load_letter(
    state: &AppState,
    staff: &ApiStaff,
    id: i64,
    lid: i64,
) -> ApiResult<(Application, Letter, bool, bool)> {
    let Some(app) = applications::get(&state.db, id).await? else {
        return Err(not_found());
    };
    let manage = staff
        .require(Action::ManageApplications, Some(app.org_id))
        .is_ok();
    let review = staff
        .require(Action::ConfidentialityReview, Some(app.org_id))
        .is_ok();
    if !(manage || review) {
        return Err(not_found());
    }
    let letter = letters::get(&state.db, lid)
        .await?
        .filter(|l| l.application_id == app.id)
        .ok_or_else(|| {
            ItemError::App(AppError::new(
                StatusCode::NOT_FOUND,
                "letter_not_found",
                "告知书不存在。",
            ))
        })?;
    Ok((app, letter, manage, review))
}

async fn letter_answer(state: &AppState, letter: &Letter) -> ApiResult<Response> {
    let reviews = letters::reviews(&state.db, letter.application_id).await?;
    Ok(axum::Json(letter_view(letter, &reviews)).into_response())
}

/// One letter with its review records.
pub async fn show_letter(
    State(state): State<AppState>,
    ApiPath((id, lid)): ApiPath<(i64, i64)>,
    staff: ApiStaff,
) -> ApiResult<Response> {
    let (_, letter, _, _) = load_letter(&state, &staff, id, lid).await?;
    letter_answer(&state, &letter).await
}

fn manage_only(manage: bool) -> ApiResult<()> {
    if manage {
        Ok(())
    } else {
        Err(ItemError::App(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "起草、修改和发出告知书须由政务公开办公室经办人员操作。",
        )))
    }
}

/// Edits an unsent letter: a new revision; an earlier review no longer covers it.
pub async fn update_letter(
    State(state): State<AppState>,
    ApiPath((id, lid)): ApiPath<(i64, i64)>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<LetterInput>,
) -> ApiResult<Response> {
    let (_, letter, manage, _) = load_letter(&state, &staff, id, lid).await?;
    manage_only(manage)?;
    if !b.kind.is_empty() && b.kind != letter.kind {
        return Err(invalid("kind", "告知书种类不能修改，请另行起草"));
    }
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let out = letters::edit(
        &mut tx,
        &actor(&staff, &ip),
        letter.id,
        &b.title,
        &b.body,
        b.personal_confirmed,
    )
    .await?;
    tx.commit().await.map_err(AppError::from)?;
    let reviews = letters::reviews(&state.db, out.letter.application_id).await?;
    Ok(axum::Json(json!({
        "review_invalidated": out.review_invalidated,
        "notice": if out.review_invalidated {
            "告知书已修改，原保密审查意见不再适用，须重新审查后才能发出。"
        } else {
            "告知书已修改，须经保密审查后才能发出。"
        },
        "view": letter_view(&out.letter, &reviews),
    }))
    .into_response())
}

/// The confidentiality review of a letter's current revision.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewInput {
    /// `cleared` (同意发出) or `returned` (退回修改).
    conclusion: String,
    state_secret: bool,
    work_secret: bool,
    commercial_secret: bool,
    personal_privacy: bool,
    note: String,
    /// Default: today.
    reviewed_on: String,
}

/// Records the review (needs `ConfidentialityReview` on the application's organisation).
pub async fn review_letter(
    State(state): State<AppState>,
    ApiPath((id, lid)): ApiPath<(i64, i64)>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<ReviewInput>,
) -> ApiResult<Response> {
    let (_, letter, _, review) = load_letter(&state, &staff, id, lid).await?;
    if !review {
        return Err(ItemError::App(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "告知书的保密审查须由该机关的保密审查员进行。",
        )));
    }
    let mut fields = BTreeMap::new();
    let conclusion = ReviewConclusion::from_code(&b.conclusion);
    if conclusion.is_none() {
        fields.insert(
            "conclusion".to_owned(),
            "审查结论须为 cleared（同意发出）或 returned（退回修改）".to_owned(),
        );
    }
    let reviewed_on = if b.reviewed_on.trim().is_empty() {
        Some(today())
    } else {
        match date_arg(&b.reviewed_on, "审查日期") {
            Ok(d) => Some(d),
            Err(m) => {
                fields.insert("reviewed_on".to_owned(), m);
                None
            }
        }
    };
    let (Some(conclusion), Some(reviewed_on)) = (conclusion, reviewed_on) else {
        return Err(invalid_fields(fields));
    };
    let form = letters::ReviewForm {
        conclusion,
        state_secret: b.state_secret,
        work_secret: b.work_secret,
        commercial_secret: b.commercial_secret,
        personal_privacy: b.personal_privacy,
        note: b.note,
        reviewed_on,
    };
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    letters::review(&mut tx, &actor(&staff, &ip), letter.id, &form, today()).await?;
    tx.commit().await.map_err(AppError::from)?;
    letter_answer(&state, &letter).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendInput {
    /// `online`, `email`, `post` or `in_person`.
    via: String,
    date: String,
    /// The address (post) or the recipient (in person).
    to: String,
}

/// Sends a letter: 409 unless its current revision was cleared by the confidentiality review.
pub async fn send_letter(
    State(state): State<AppState>,
    ApiPath((id, lid)): ApiPath<(i64, i64)>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<SendInput>,
) -> ApiResult<Response> {
    let (app, letter, manage, _) = load_letter(&state, &staff, id, lid).await?;
    manage_only(manage)?;
    let sent = console_letters::deliver(
        &state,
        &actor(&staff, &ip),
        &app,
        &letter,
        &b.via,
        &b.date,
        &b.to,
    )
    .await?;
    letter_answer(&state, &sent).await
}

/// The confidentiality reviewer's queue: unsent letters in scope whose current revision has
/// no review yet.
pub async fn letters_awaiting_review(
    State(state): State<AppState>,
    staff: ApiStaff,
) -> ApiResult<Response> {
    staff.require(Action::ConfidentialityReview, None)?;
    let scopes = scopes_for(&staff.grants, Action::ConfidentialityReview);
    let entries: Vec<Value> = letters::awaiting_review(&state.db, &scopes)
        .await?
        .into_iter()
        .map(|(l, tracking_no, org_id)| {
            json!({
                "letter_id": l.id,
                "application_id": l.application_id,
                "tracking_no": tracking_no,
                "org_id": org_id,
                "kind": l.kind,
                "kind_label": console_letters::kind_label(&l.kind),
                "title": l.title,
                "revision": l.revision,
                "created_by": l.created_by,
            })
        })
        .collect();
    Ok(axum::Json(json!({"entries": entries})).into_response())
}

// ---------------------------------------------------------------------------------------------
// The review and litigation register.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseQuery {
    year: Option<i32>,
    application_id: Option<i64>,
}

/// Cases in scope (optionally of one year, or of one application).
pub async fn list_cases(
    State(state): State<AppState>,
    staff: ApiStaff,
    Query(q): Query<CaseQuery>,
) -> ApiResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let scopes = scopes_for(&staff.grants, Action::ManageApplications);
    let cases: Vec<register::Case> = register::list(&state.db, &scopes, q.year)
        .await?
        .into_iter()
        .filter(|c| q.application_id.is_none() || c.application_id == q.application_id)
        .collect();
    Ok(axum::Json(json!({"entries": cases})).into_response())
}

/// A new case (复议 or 诉讼) against a disclosure decision.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseBody {
    /// Default: the application's organisation, or the caller's.
    org_id: Option<i64>,
    application_id: Option<i64>,
    /// `review`, `litigation_direct` or `litigation_after_review`.
    kind: String,
    case_no: String,
    body_name: String,
    filed_on: String,
    /// `upheld`, `corrected`, `other` or `pending` (default).
    result: String,
    concluded_on: String,
    note: String,
}

/// Registers a case (201). A linked application must be in the caller's scope (404 otherwise).
pub async fn create_case(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<CaseBody>,
) -> ApiResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let app = match b.application_id {
        Some(aid) => Some(load(&state, &staff, aid).await?),
        None => None,
    };
    let org_id = b
        .org_id
        .or(app.as_ref().map(|a| a.org_id))
        .unwrap_or(staff.user.org_id);
    let form = CaseForm {
        org_id: org_id.to_string(),
        tracking_no: app.map(|a| a.tracking_no).unwrap_or_default(),
        kind: b.kind,
        case_no: b.case_no,
        body_name: b.body_name,
        filed_on: b.filed_on,
        result: if b.result.is_empty() {
            "pending".to_owned()
        } else {
            b.result
        },
        concluded_on: b.concluded_on,
        note: b.note,
    };
    let manages = |o: i64| staff.require(Action::ManageApplications, Some(o)).is_ok();
    let input = case_input(&state, &manages, &form)
        .await
        .map_err(|m| ItemError::Invalid {
            message: m,
            fields: BTreeMap::new(),
        })?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let case = register::create(&mut tx, &actor(&staff, &ip), &input, today()).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok((StatusCode::CREATED, axum::Json(json!(case))).into_response())
}

/// The outcome of a case.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeBody {
    /// `upheld` (维持), `corrected` (纠正), `other` (其他) or `pending` (尚未审结).
    result: String,
    concluded_on: String,
    /// Default: the note already recorded.
    note: Option<String>,
}

/// Records the outcome of a case (it feeds table 4 of the annual report).
pub async fn record_case_outcome(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(b): Json<OutcomeBody>,
) -> ApiResult<Response> {
    let case = register::get(&state.db, id)
        .await?
        .filter(|c| {
            staff
                .require(Action::ManageApplications, Some(c.org_id))
                .is_ok()
        })
        .ok_or_else(|| {
            ItemError::App(AppError::new(
                StatusCode::NOT_FOUND,
                "case_not_found",
                "案件不存在或不在您的管理范围内。",
            ))
        })?;
    let mut fields = BTreeMap::new();
    let result = CaseResult::from_code(&b.result);
    if result.is_none() {
        fields.insert(
            "result".to_owned(),
            "结果须为 upheld（维持）、corrected（纠正）、other（其他）或 pending（尚未审结）"
                .to_owned(),
        );
    }
    let concluded_on = opt_date(&b.concluded_on, "审结日期").unwrap_or_else(|m| {
        fields.insert("concluded_on".to_owned(), m);
        None
    });
    let kind = gongkai_core::applications::table3::CaseKind::from_code(&case.kind);
    let filed_on = NaiveDate::parse_from_str(&case.filed_on, "%Y-%m-%d").ok();
    let (Some(result), Some(kind), Some(filed_on)) = (result, kind, filed_on) else {
        if fields.is_empty() {
            return Err(ItemError::App(AppError::conflict(
                "该案件的记录不完整，请在管理后台核对后再登记结果。",
            )));
        }
        return Err(invalid_fields(fields));
    };
    if !fields.is_empty() {
        return Err(invalid_fields(fields));
    }
    let input = CaseInput {
        org_id: case.org_id,
        application_id: case.application_id,
        kind,
        case_no: case.case_no.clone(),
        body_name: case.body_name.clone(),
        filed_on,
        result,
        concluded_on,
        note: b.note.unwrap_or(case.note),
    };
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let updated = register::update(&mut tx, &actor(&staff, &ip), id, &input, today()).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(axum::Json(json!(updated)).into_response())
}

// ---------------------------------------------------------------------------------------------
// OpenAPI.

/// The application paths of the OpenAPI document (merged by `openapi_document`).
pub fn openapi_paths() -> serde_json::Map<String, Value> {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let invalid = json!({"$ref": "#/components/schemas/InvalidError"});
    let resp = |d: &str, schema: &Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let any = json!({"type": "object"});
    let path_param = |name: &str, d: &str| json!({"name": name, "in": "path", "required": true, "description": d, "schema": {"type": "integer"}});
    let q = |name: &str, ty: &str, d: &str| json!({"name": name, "in": "query", "required": false, "description": d, "schema": {"type": ty}});
    let op = |id: &str,
              summary: &str,
              ok: &str,
              created: bool,
              body: Option<&str>,
              params: Vec<Value>| {
        let mut responses = json!({
            "400": resp("输入有误（fields 指出各字段的问题）", &invalid),
            "401": resp("未登录或令牌无效", &error),
            "403": resp("无权执行此操作", &error),
            "404": resp("申请不存在或不在您的管理范围内", &error),
            "409": resp("申请当前状态不允许此操作（或告知书未通过保密审查）", &error),
        });
        responses[if created { "201" } else { "200" }] = resp(ok, &any);
        let mut v = json!({"summary": summary, "operationId": id,
                           "security": [{"bearer": []}], "responses": responses});
        if !params.is_empty() {
            v["parameters"] = json!(params);
        }
        if let Some(b) = body {
            v["requestBody"] = json!({"required": true, "description": b,
                "content": {"application/json": {"schema": {"type": "object"}}}});
        }
        v
    };
    let id = || path_param("id", "申请编号");
    let mut paths = serde_json::Map::new();
    paths.insert(
        "/api/v1/applications".into(),
        json!({
            "get": op("list_applications", "依申请公开申请列表（在权限范围内，分页）", "{page, per_page, total, entries}", false, None, vec![
                q("stage", "string", "状态代码：unconfirmed、registered、awaiting_correction、processing、awaiting_fee、decided、replied、archived"),
                q("org", "integer", "机构编号（含下级机构）"),
                q("year", "integer", "收到申请年份（未确认的按到达日期）"),
                q("channel", "string", "申请渠道代码"),
                q("applicant_type", "string", "申请人类型代码"),
                q("overdue", "boolean", "true：只列出有已逾期期限的申请"),
                q("help", "boolean", "true：只列出需要无障碍帮助的申请（条例第四十三条）"),
                q("q", "string", "受理编号或申请人名称包含"),
                q("page", "integer", "页码（从 1 开始）"),
                q("per_page", "integer", "每页条数（1–100，默认 20）"),
            ]),
            "post": op("create_application", "登记当面、邮寄、信函、传真或口头提出的申请（条例第二十九条）；返回受理编号和只显示一次的查询密码", "已登记的申请", true,
                Some("org_id, channel, applicant_type, applicant_name, id_kind, id_number, phone, email, address, postcode, agent_kind, agent_name, agent_id_number, agent_authorisation, info_form, delivery, help_needs[], help_note, items[{description, doc_number, features}], arrived_on, signed_on, confirmed_on"),
                vec![]),
        }),
    );
    paths.insert(
        "/api/v1/applications/{id}".into(),
        json!({"get": op("show_application", "申请详情：个人信息已遮蔽；各期限及其计算过程；事项与决定；征求意见、延期、收费；告知书及其保密审查；复议诉讼；办理记录", "申请详情", false, None, vec![id()])}),
    );
    let steps: [(&str, &str, &str, &str); 11] = [
        (
            "confirm",
            "confirm_application",
            "确认收到（网上、传真、普通信函申请；条例第三十一条）",
            "date",
        ),
        (
            "correction",
            "request_correction",
            "补正告知（一次性告知，条例第三十条）",
            "date, items, workdays（可省略）",
        ),
        (
            "correction-received",
            "receive_correction",
            "收到补正（答复期限重新计算）",
            "date",
        ),
        (
            "assign",
            "assign_application",
            "分办至承办部门",
            "department_id, note",
        ),
        (
            "consultations",
            "start_consultation",
            "征求第三方或其他机关意见（答复期限暂停，条例第三十二、三十四条）",
            "party_kind（third_party 或 agency）, party_name, date（发出日期）, party_received_on",
        ),
        (
            "extend",
            "extend_application",
            "延长答复期限（须有延期审批权限，条例第三十三条第二款）",
            "workdays, reason, approved_on, notice_on",
        ),
        (
            "fee",
            "fee_notice",
            "收费通知（按件或按量）",
            "method（item 或 page）, pages, notice_on, received_on",
        ),
        ("fee-paid", "record_payment", "登记缴费", "date"),
        (
            "route-out",
            "route_out_application",
            "按信访、投诉、举报处理（条例第三十九条第一款）：未决定的事项均登记为不予处理",
            "date, note",
        ),
        (
            "reply",
            "record_reply",
            "登记答复送达",
            "via（online、email、post、in_person）, date",
        ),
        ("archive", "archive_application", "归档", "date"),
    ];
    for (seg, opid, summary, body) in steps {
        paths.insert(
            format!("/api/v1/applications/{{id}}/{seg}"),
            json!({"post": op(opid, summary, "操作后的申请详情", false, Some(body), vec![id()])}),
        );
    }
    paths.insert(
        "/api/v1/applications/{id}/consultations/{cid}/reply".into(),
        json!({"post": op("finish_consultation", "登记征求意见结果", "操作后的申请详情", false,
            Some("date, opinion（agree、disagree 或 none）, note"), vec![id(), path_param("cid", "征求意见记录编号")])}),
    );
    paths.insert(
        "/api/v1/applications/{id}/items/{item}/decision".into(),
        json!({"post": op("decide_item", "对一个事项作出决定（每一事项一个办理结果，对应年度报告表三的一行）", "操作后的申请详情", false,
            Some("outcome, basis（可省略）, withheld_what, withheld_why, published_item_id, note, date"), vec![id(), path_param("item", "事项编号")])}),
    );
    paths.insert(
        "/api/v1/applications/{id}/letters".into(),
        json!({"post": op("create_letter", "保存告知书（发出前检查：含密级标志或敏感词的拒绝；含个人信息的须 personal_confirmed）；发出前须经保密审查", "告知书", true,
            Some("kind（reply、correction、extension、fee、consultation）, title, body, personal_confirmed"), vec![id()])}),
    );
    paths.insert(
        "/api/v1/applications/{id}/letters/draft".into(),
        json!({"get": op("draft_letter", "告知书起草文本（答复告知书按各事项决定生成，含依据与救济途径）及发出前检查结果", "起草文本", false, None,
            vec![id(), q("kind", "string", "告知书种类，默认 reply")])}),
    );
    let lid = || path_param("lid", "告知书编号");
    paths.insert(
        "/api/v1/applications/{id}/letters/{lid}".into(),
        json!({
            "get": op("show_letter", "告知书及其保密审查记录（经办人员或保密审查员）", "告知书", false, None, vec![id(), lid()]),
            "put": op("update_letter", "修改尚未发出的告知书（生成新版本，原保密审查意见失效）", "修改结果（含 review_invalidated）", false,
                Some("title, body, personal_confirmed"), vec![id(), lid()]),
        }),
    );
    paths.insert(
        "/api/v1/applications/{id}/letters/{lid}/review".into(),
        json!({"post": op("review_letter", "告知书保密审查（须有保密审查权限）；每个版本审查一次", "告知书", false,
            Some("conclusion（cleared 同意发出 或 returned 退回修改）, state_secret, work_secret, commercial_secret, personal_privacy, note, reviewed_on"), vec![id(), lid()])}),
    );
    paths.insert(
        "/api/v1/applications/{id}/letters/{lid}/send".into(),
        json!({"post": op("send_letter", "发出告知书（当前版本须经保密审查同意发出，否则 409）", "告知书", false,
            Some("via（online、email、post、in_person）, date, to"), vec![id(), lid()])}),
    );
    paths.insert(
        "/api/v1/letters/awaiting-review".into(),
        json!({"get": op("letters_awaiting_review", "待保密审查的告知书（保密审查员的工作队列）", "{entries}", false, None, vec![])}),
    );
    paths.insert(
        "/api/v1/appeals".into(),
        json!({
            "get": op("list_cases", "行政复议和行政诉讼登记（在权限范围内）", "{entries}", false, None,
                vec![q("year", "integer", "年份"), q("application_id", "integer", "申请编号")]),
            "post": op("create_case", "登记行政复议或行政诉讼案件", "案件", true,
                Some("org_id, application_id, kind（review、litigation_direct、litigation_after_review）, case_no, body_name, filed_on, result, concluded_on, note"), vec![]),
        }),
    );
    paths.insert(
        "/api/v1/appeals/{id}/outcome".into(),
        json!({"post": op("record_case_outcome", "登记案件结果（维持、纠正、其他、尚未审结）", "案件", false,
            Some("result（upheld、corrected、other、pending）, concluded_on, note"), vec![path_param("id", "案件编号")])}),
    );
    paths
}
