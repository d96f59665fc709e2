//! Information items through the JSON API (issue #4, API part; product.md C2/C3): the console's
//! operations for staff with API tokens, and the public catalog for anyone.
//!
//! **Rules.**
//! - Staff endpoints authenticate with [`ApiStaff`] and check permissions exactly as the console
//!   does: on one item, `Capabilities::for_target(grants, item.org_id, tree)` (role *and* scope,
//!   through `auth::permits`); on a work list, `auth::scopes_for` the queue's action, with the
//!   list filtered by scope in SQL (`work_list`).
//! - Before the store runs a workflow step the handler asks core's `transition` first, so a
//!   missing permission answers 403 and a step the item's state does not allow answers 409, both
//!   with the workflow's Chinese message. The store then checks again inside its transaction.
//! - Bodies are sanitised (`richtext::sanitize`); an input problem answers 400
//!   `{"error": "invalid", "message": "…", "fields": {"<field>": "…"}}`.
//! - The staff view shows scanner findings with the personal data replaced by its mask
//!   (REG §5.5: the API never repeats the sensitive text it found).
//! - The public endpoints use only the store's public queries (`catalog`, `public_view`,
//!   `public_revisions`, all built on `PUBLIC_CONDITION`), so nothing unreviewed, unapproved,
//!   scheduled-before-its-time or withdrawn is reachable; a withdrawn item answers 410 with the
//!   reason (条例 Art. 19–26, product.md: "a withdrawn item gives 410 with an explanation").
//!   They answer for the site of the request's host or prefix (issue #14): another site's item
//!   is a 404 like an unknown id.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use gongkai_core::auth::{Action, scopes_for};
use gongkai_core::items::{
    Capabilities, Disclosure, ItemAction, ReviewChecks, State as ItemState, Validity, VocabKind,
    WorkflowError, transition,
};
use gongkai_core::richtext;
use gongkai_store::StoreError;
use gongkai_store::audit::Actor;
use gongkai_store::items::catalog::{self, CatalogFilter, PublicView, Sort, WorkQueue};
use gongkai_store::items::findings::{self, FindingRow, TextFix};
use gongkai_store::items::publish::{self, ValidityChange};
use gongkai_store::items::review::{self, Conclusion, ConfidentialityForm};
use gongkai_store::items::{self, Content, Item, Metadata, Revision};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ApiStaff, Shaped};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{Json, Query};

// ---------------------------------------------------------------------------------------------
// Errors and extractors.

/// An error of an item endpoint: an [`AppError`] (rendered by `json_errors`) or an input problem
/// with per-field messages.
#[derive(Debug)]
pub enum ItemError {
    App(AppError),
    Invalid {
        message: String,
        fields: BTreeMap<String, String>,
    },
}

impl ItemError {
    fn invalid(message: impl Into<String>) -> ItemError {
        ItemError::Invalid {
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }
}

impl From<AppError> for ItemError {
    fn from(e: AppError) -> ItemError {
        ItemError::App(e)
    }
}

impl From<StoreError> for ItemError {
    fn from(e: StoreError) -> ItemError {
        match e {
            StoreError::Invalid(m) => ItemError::invalid(m),
            other => ItemError::App(AppError::from(other)),
        }
    }
}

impl IntoResponse for ItemError {
    fn into_response(self) -> Response {
        match self {
            ItemError::App(e) => e.into_response(),
            ItemError::Invalid { message, fields } => shaped(
                StatusCode::BAD_REQUEST,
                json!({"error": "invalid", "message": message, "fields": fields}),
            ),
        }
    }
}

type ItemResult<T> = Result<T, ItemError>;

/// A JSON response in its final shape (`json_errors` leaves it alone).
fn shaped(status: StatusCode, body: Value) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    res.extensions_mut().insert(Shaped);
    res
}

/// Path parameters of an API route. A malformed id is "no such endpoint", the API's JSON 404,
/// checked before authentication so `/api/v1/items/1x` never asks for a token.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(_) => Err(AppError::not_found(
                "接口不存在，请查阅 /api/openapi.json。",
            )),
        }
    }
}

/// The client's address for the audit log.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(crate::security::client_ip(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>(),
        )))
    }
}

fn actor(staff: &ApiStaff, ip: &ClientIp) -> Actor {
    Actor::user(staff.user.id, &staff.user.username, &ip.0)
}

fn forbidden(message: impl Into<String>) -> ItemError {
    ItemError::App(AppError::new(StatusCode::FORBIDDEN, "forbidden", message))
}

fn no_item() -> ItemError {
    ItemError::App(AppError::new(
        StatusCode::NOT_FOUND,
        "item_not_found",
        "该信息不存在。",
    ))
}

fn any_capability(c: &Capabilities) -> bool {
    c.draft || c.review || c.confidentiality_review || c.approve || c.publish
}

/// The item and the caller's capabilities on it; 404 when it does not exist, 403 when the caller
/// holds no item role covering its organisation.
async fn load(state: &AppState, staff: &ApiStaff, id: i64) -> ItemResult<(Item, Capabilities)> {
    let item = items::get(&state.db, id).await?.ok_or_else(no_item)?;
    let caps = Capabilities::for_target(&staff.grants, item.org_id, &staff.tree);
    if !any_capability(&caps) {
        return Err(forbidden(
            "您没有处理该机构信息的权限。如需开通，请联系系统管理员。",
        ));
    }
    Ok((item, caps))
}

/// Core's verdict on `action` before the store acts: 409 for the wrong state, 403 for a missing
/// permission (the workflow's own Chinese messages).
fn precheck(item: &Item, action: ItemAction, caps: Capabilities) -> ItemResult<()> {
    let state = item.state()?;
    match transition(state, action, caps) {
        Ok(_) => Ok(()),
        Err(e @ WorkflowError::Forbidden { .. }) => Err(forbidden(e.to_string())),
        Err(e @ WorkflowError::NotAllowed { .. }) => {
            Err(ItemError::App(AppError::conflict(e.to_string())))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Views.

/// The state and its Chinese label.
fn state_view(item: &Item) -> Value {
    let label = ItemState::from_code(&item.state)
        .map(ItemState::label)
        .unwrap_or("未知");
    json!({"code": item.state, "label": label})
}

/// A finding with the found text replaced by its mask.
#[derive(Debug, Serialize)]
struct FindingView {
    id: i64,
    revision_id: i64,
    field: String,
    kind: String,
    kind_label: &'static str,
    start_pos: i64,
    end_pos: i64,
    /// The masked form of what was found (never the personal data itself).
    masked_text: String,
    confidence: String,
    blocking: bool,
    open_blocking: bool,
    reason: String,
    resolution: Option<String>,
    justification: String,
    resolved_by: Option<String>,
    resolved_at: Option<i64>,
}

fn finding_view(f: &FindingRow) -> FindingView {
    let masked = if f.suggested_mask.is_empty() {
        "*".repeat(f.found_text.chars().count())
    } else {
        f.suggested_mask.clone()
    };
    FindingView {
        id: f.id,
        revision_id: f.revision_id,
        field: f.field.clone(),
        kind: f.kind.clone(),
        kind_label: f.kind_label(),
        start_pos: f.start_pos,
        end_pos: f.end_pos,
        masked_text: masked,
        confidence: f.confidence.clone(),
        blocking: f.blocking,
        open_blocking: f.is_open_blocking(),
        reason: f.reason.clone(),
        resolution: f.resolution.clone(),
        justification: f.justification.clone(),
        resolved_by: f.resolved_by.clone(),
        resolved_at: f.resolved_at,
    }
}

fn caps_view(c: &Capabilities) -> Value {
    json!({"draft": c.draft, "review": c.review,
           "confidentiality_review": c.confidentiality_review,
           "approve": c.approve, "publish": c.publish})
}

/// The staff view of an item.
async fn staff_view(state: &AppState, item: &Item, caps: &Capabilities) -> ItemResult<Value> {
    let db = &state.db;
    let current = items::current_revision(db, item).await?;
    let revisions = items::revisions(db, item.id).await?;
    let findings: Vec<FindingView> = findings::list(db, current.id)
        .await?
        .iter()
        .map(finding_view)
        .collect();
    Ok(json!({
        "item": item,
        "state": state_view(item),
        "capabilities": caps_view(caps),
        "current_revision": current,
        "revisions": revisions,
        "reviews": review::reviews(db, item.id).await?,
        "confidentiality_reviews": review::confidentiality_reviews(db, item.id).await?,
        "approvals": review::approvals(db, item.id).await?,
        "findings": findings,
    }))
}

async fn item_answer(state: &AppState, staff: &ApiStaff, id: i64) -> ItemResult<Response> {
    let (item, caps) = load(state, staff, id).await?;
    Ok(axum::Json(staff_view(state, &item, &caps).await?).into_response())
}

// ---------------------------------------------------------------------------------------------
// Work lists.

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    queue: Option<String>,
    limit: Option<i64>,
}

/// The queue codes and the permission each queue needs.
const QUEUES: &[(&str, WorkQueue, Action)] = &[
    ("to_draft", WorkQueue::ToDraft, Action::DraftItem),
    ("to_review", WorkQueue::ToReview, Action::ReviewItem),
    (
        "to_confidentiality_review",
        WorkQueue::ToConfidentialityReview,
        Action::ConfidentialityReview,
    ),
    ("to_approve", WorkQueue::ToApprove, Action::ApproveItem),
    ("to_publish", WorkQueue::ToPublish, Action::PublishItem),
    ("scheduled", WorkQueue::Scheduled, Action::PublishItem),
    ("published", WorkQueue::Published, Action::PublishItem),
    ("withdrawn", WorkQueue::Withdrawn, Action::PublishItem),
    (
        "withheld",
        WorkQueue::Withheld,
        Action::ConfidentialityReview,
    ),
];

/// A "my work" list within the caller's scope.
pub async fn list_items(
    State(state): State<AppState>,
    staff: ApiStaff,
    Query(q): Query<ListQuery>,
) -> ItemResult<Response> {
    let code = q.queue.unwrap_or_default();
    let Some((_, queue, action)) = QUEUES.iter().find(|(c, _, _)| *c == code) else {
        let names: Vec<&str> = QUEUES.iter().map(|(c, _, _)| *c).collect();
        let msg = format!("请指定工作队列（queue），可选：{}", names.join("、"));
        return Err(ItemError::Invalid {
            message: msg.clone(),
            fields: BTreeMap::from([("queue".to_string(), msg)]),
        });
    };
    staff.require(*action, None)?;
    let scopes = scopes_for(&staff.grants, *action);
    let entries = catalog::work_list(
        &state.db,
        &scopes,
        *queue,
        q.limit.unwrap_or(200).clamp(1, 1000),
    )
    .await?;
    Ok(axum::Json(json!({"queue": code, "entries": entries})).into_response())
}

// ---------------------------------------------------------------------------------------------
// Create and edit.

/// Metadata and content of a new or edited item. Everything is optional for the parser so that
/// each problem can be reported on its field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ItemInput {
    /// Owning organisation (create only; default: the caller's organisation).
    pub(crate) org_id: Option<i64>,
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) body_html: String,
    pub(crate) keywords: String,
    pub(crate) formed_on: String,
    pub(crate) signed_on: Option<String>,
    pub(crate) publisher_name: String,
    pub(crate) doc_number: String,
    pub(crate) topic_code: String,
    pub(crate) genre_code: String,
    pub(crate) catalog_code: String,
    pub(crate) disclosure: Option<String>,
    pub(crate) withhold_ground: String,
    pub(crate) classified: bool,
}

fn date_field(
    fields: &mut BTreeMap<String, String>,
    name: &str,
    label: &str,
    v: &str,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            fields.insert(name.into(), format!("{label}须为 YYYY-MM-DD 格式的日期"));
            None
        }
    }
}

/// Sanitises a body; the problems go to `fields["body_html"]`.
fn clean_body(fields: &mut BTreeMap<String, String>, html: &str) -> String {
    let s = richtext::sanitize(html);
    if !s.is_ok() {
        fields.insert("body_html".into(), s.problems.join("；"));
    }
    s.html
}

fn content_fields(fields: &mut BTreeMap<String, String>, title: &str, summary: &str) {
    let title = title.trim();
    if title.is_empty() {
        fields.insert("title".into(), "请填写标题".into());
    } else if title.chars().count() > 300 {
        fields.insert("title".into(), "标题过长（最多 300 字）".into());
    }
    if summary.chars().count() > 1000 {
        fields.insert(
            "summary".into(),
            "内容概述过长（最多 1000 字，一般不超过 100 字）".into(),
        );
    }
}

fn refuse(fields: BTreeMap<String, String>) -> ItemResult<()> {
    if fields.is_empty() {
        return Ok(());
    }
    let message = format!(
        "提交的内容有 {} 处需要修改：{}",
        fields.len(),
        fields.values().cloned().collect::<Vec<_>>().join("；")
    );
    Err(ItemError::Invalid { message, fields })
}

/// Checks the input field by field (REG §4.2) and builds the store's metadata and content.
pub(crate) async fn validate(
    state: &AppState,
    input: &ItemInput,
) -> ItemResult<(Metadata, Content)> {
    let mut fields = BTreeMap::new();
    content_fields(&mut fields, &input.title, &input.summary);
    let body = clean_body(&mut fields, &input.body_html);
    let formed_on = date_field(&mut fields, "formed_on", "生成日期", &input.formed_on);
    let signed_on = match input.signed_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => date_field(&mut fields, "signed_on", "成文日期", s),
    };
    if let (Some(s), Some(f)) = (signed_on, formed_on)
        && s > f
    {
        fields.insert("signed_on".into(), "成文日期不能晚于生成日期".into());
    }
    let disclosure = match input.disclosure.as_deref() {
        None | Some("") => Some(Disclosure::Proactive),
        Some(c) => Disclosure::from_code(c),
    };
    if disclosure.is_none() {
        fields.insert(
            "disclosure".into(),
            "公开属性须为 proactive（主动公开）、on_application（依申请公开）或 withheld（不予公开）"
                .into(),
        );
    }
    if let Some(d) = disclosure
        && d != Disclosure::Proactive
        && input.withhold_ground.trim().is_empty()
    {
        fields.insert(
            "withhold_ground".into(),
            format!(
                "公开属性为“{}”时须写明法律依据（条例第十四、十五、十六条）",
                d.label()
            ),
        );
    }
    if input.doc_number.contains('[') || input.doc_number.contains('【') {
        fields.insert("doc_number".into(), "文号的年份请使用六角括号〔〕".into());
    }
    for (name, kind, code, required) in [
        (
            "catalog_code",
            VocabKind::Catalog,
            &input.catalog_code,
            true,
        ),
        ("topic_code", VocabKind::Topic, &input.topic_code, false),
        ("genre_code", VocabKind::Genre, &input.genre_code, false),
    ] {
        let code = code.trim();
        if code.is_empty() {
            if required {
                fields.insert(name.into(), "请选择公开目录".into());
            }
            continue;
        }
        let known = items::registers::vocab_list(&state.db, kind, true)
            .await?
            .iter()
            .any(|e| e.code == code);
        if !known {
            fields.insert(
                name.into(),
                format!("{}“{code}”不存在或已停用", kind.label()),
            );
        }
    }
    refuse(fields)?;
    let (Some(formed_on), Some(disclosure)) = (formed_on, disclosure) else {
        return Err(ItemError::invalid("提交的内容需要修改"));
    };
    Ok((
        Metadata {
            formed_on,
            signed_on,
            publisher_name: input.publisher_name.trim().to_string(),
            doc_number: input.doc_number.trim().to_string(),
            topic_code: input.topic_code.trim().to_string(),
            genre_code: input.genre_code.trim().to_string(),
            catalog_code: input.catalog_code.trim().to_string(),
            disclosure,
            withhold_ground: input.withhold_ground.trim().to_string(),
            classified: input.classified,
        },
        Content {
            title: input.title.trim().to_string(),
            summary: input.summary.trim().to_string(),
            body_html: body,
            keywords: input.keywords.trim().to_string(),
        },
    ))
}

/// Creates a draft (needs 起草 on the organisation).
pub async fn create_item(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<ItemInput>,
) -> ItemResult<Response> {
    let org_id = input.org_id.unwrap_or(staff.user.org_id);
    let caps = Capabilities::for_target(&staff.grants, org_id, &staff.tree);
    if !caps.draft {
        return Err(forbidden(
            "起草信息需要该机构的承办人或科室负责人权限。如需开通，请联系系统管理员。",
        ));
    }
    let (meta, content) = validate(&state, &input).await?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let item = items::create(&mut tx, &actor(&staff, &ip), org_id, caps, &meta, &content).await?;
    tx.commit().await.map_err(AppError::from)?;
    let view = staff_view(&state, &item, &caps).await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// The staff view: state, revisions, review records and findings (masked).
pub async fn show_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
) -> ItemResult<Response> {
    item_answer(&state, &staff, id).await
}

/// Edits an unpublished item: a new revision; after a review step the reviews are void and the
/// item is back in draft (REG §5.4), which the answer says.
pub async fn update_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<ItemInput>,
) -> ItemResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    precheck(&item, ItemAction::Edit, caps)?;
    if input.org_id.is_some_and(|o| o != item.org_id) {
        return Err(ItemError::Invalid {
            message: "信息所属机构不能修改".into(),
            fields: BTreeMap::from([("org_id".into(), "信息所属机构不能修改".into())]),
        });
    }
    let (meta, content) = validate(&state, &input).await?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let out = items::edit(&mut tx, &actor(&staff, &ip), id, caps, &meta, &content).await?;
    tx.commit().await.map_err(AppError::from)?;
    let view = staff_view(&state, &out.item, &caps).await?;
    Ok(axum::Json(json!({
        "new_revision": out.new_revision,
        "reviews_invalidated": out.reviews_invalidated,
        "notice": out.notice,
        "view": view,
    }))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Workflow steps.

/// Runs one store step in a transaction after the precheck, then answers the staff view.
macro_rules! step {
    ($state:ident, $staff:ident, $ip:ident, $id:ident, $action:expr, |$tx:ident, $actor:ident, $caps:ident| $call:expr) => {{
        let (item, $caps) = load(&$state, &$staff, $id).await?;
        precheck(&item, $action, $caps)?;
        let $actor = actor(&$staff, &$ip);
        let mut $tx = $state.db.begin().await.map_err(AppError::from)?;
        $call.await?;
        $tx.commit().await.map_err(AppError::from)?;
        item_answer(&$state, &$staff, $id).await
    }};
}

/// Submits a draft for 审核.
pub async fn submit_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
) -> ItemResult<Response> {
    step!(state, staff, ip, id, ItemAction::Submit, |tx, a, caps| {
        items::submit(&mut tx, &a, id, caps)
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReturnInput {
    reasons: String,
}

/// Returns an item from any review step to draft, with reasons.
pub async fn return_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<ReturnInput>,
) -> ItemResult<Response> {
    if input.reasons.trim().is_empty() {
        return Err(ItemError::Invalid {
            message: "退回时须说明理由".into(),
            fields: BTreeMap::from([("reasons".into(), "退回时须说明理由".into())]),
        });
    }
    step!(state, staff, ip, id, ItemAction::Return, |tx, a, caps| {
        items::return_to_draft(&mut tx, &a, id, caps, &input.reasons)
    })
}

/// Records the 审核 (four checks); any failed check returns the item to draft.
pub async fn review_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(checks): Json<ReviewChecks>,
) -> ItemResult<Response> {
    step!(state, staff, ip, id, checks.outcome(), |tx, a, caps| {
        review::review(&mut tx, &a, id, caps, &checks)
    })
}

/// Records the 保密审查表 and applies its conclusion.
pub async fn confidentiality_review_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(form): Json<ConfidentialityForm>,
) -> ItemResult<Response> {
    let action = match form.conclusion {
        Conclusion::Publish => ItemAction::ConfidentialityClear,
        Conclusion::Withhold => ItemAction::ConfidentialityWithhold,
        Conclusion::Refer => ItemAction::ConfidentialityRefer,
    };
    step!(state, staff, ip, id, action, |tx, a, caps| {
        review::confidentiality_review(&mut tx, &a, id, caps, &form)
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApproveInput {
    opinion: String,
}

/// The approving leader's approval.
pub async fn approve_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<ApproveInput>,
) -> ItemResult<Response> {
    step!(state, staff, ip, id, ItemAction::Approve, |tx, a, caps| {
        review::approve(&mut tx, &a, id, caps, &input.opinion)
    })
}

/// Publishes an approved (or scheduled) item now.
pub async fn publish_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
) -> ItemResult<Response> {
    step!(state, staff, ip, id, ItemAction::Publish, |tx, a, caps| {
        publish::publish(&mut tx, &a, id, caps)
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScheduleInput {
    /// RFC 3339 time, e.g. `2026-03-02T09:00:00+08:00`.
    at: String,
}

/// Schedules publication (the job queue publishes it exactly once at that time).
pub async fn schedule_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<ScheduleInput>,
) -> ItemResult<Response> {
    let Ok(at) = chrono::DateTime::parse_from_rfc3339(input.at.trim()) else {
        let msg = "定时发布时间须为带时区的 RFC 3339 时间，例如 2026-03-02T09:00:00+08:00";
        return Err(ItemError::Invalid {
            message: msg.into(),
            fields: BTreeMap::from([("at".into(), msg.into())]),
        });
    };
    let at_ms = at.timestamp_millis();
    step!(state, staff, ip, id, ItemAction::Schedule, |tx, a, caps| {
        publish::schedule(&mut tx, &a, id, caps, at_ms)
    })
}

/// Cancels a scheduled publication.
pub async fn unschedule_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
) -> ItemResult<Response> {
    step!(
        state,
        staff,
        ip,
        id,
        ItemAction::Unschedule,
        |tx, a, caps| { publish::unschedule(&mut tx, &a, id, caps) }
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AmendInput {
    title: String,
    summary: String,
    body_html: String,
    keywords: String,
    /// 修订说明 (required).
    note: String,
}

/// Amends a published item: a new revision that goes through the review chain again.
pub async fn amend_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<AmendInput>,
) -> ItemResult<Response> {
    let mut fields = BTreeMap::new();
    content_fields(&mut fields, &input.title, &input.summary);
    let body = clean_body(&mut fields, &input.body_html);
    if input.note.trim().is_empty() {
        fields.insert("note".into(), "请填写修订说明".into());
    }
    refuse(fields)?;
    let content = Content {
        title: input.title.trim().to_string(),
        summary: input.summary.trim().to_string(),
        body_html: body,
        keywords: input.keywords.trim().to_string(),
    };
    step!(state, staff, ip, id, ItemAction::Amend, |tx, a, caps| {
        publish::amend(&mut tx, &a, id, caps, &content, &input.note)
    })
}

/// Marks a published item 有效/失效/废止.
pub async fn change_validity_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(change): Json<ValidityChange>,
) -> ItemResult<Response> {
    if change.validity.needs_date() && change.effective_on.is_none() {
        let msg = format!("标注为“{}”须填写日期", change.validity.label());
        return Err(ItemError::Invalid {
            message: msg.clone(),
            fields: BTreeMap::from([("effective_on".into(), msg)]),
        });
    }
    step!(
        state,
        staff,
        ip,
        id,
        ItemAction::ChangeValidity,
        |tx, a, caps| publish::change_validity(&mut tx, &a, id, caps, &change)
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WithdrawInput {
    reason: String,
}

/// Withdraws a published item with a reason (the public URL answers 410).
pub async fn withdraw_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<WithdrawInput>,
) -> ItemResult<Response> {
    if input.reason.trim().is_empty() {
        return Err(ItemError::Invalid {
            message: "撤回须说明理由".into(),
            fields: BTreeMap::from([("reason".into(), "撤回须说明理由".into())]),
        });
    }
    step!(state, staff, ip, id, ItemAction::Withdraw, |tx, a, caps| {
        publish::withdraw(&mut tx, &a, id, caps, &input.reason)
    })
}

// ---------------------------------------------------------------------------------------------
// Scanner findings.

/// Findings may be resolved by the drafter or the confidentiality reviewer (REG §5.5).
fn may_resolve(caps: &Capabilities) -> ItemResult<()> {
    if caps.draft || caps.confidentiality_review {
        Ok(())
    } else {
        Err(forbidden("处理扫描发现需要承办人或保密审查员权限"))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FixInput {
    finding_ids: Vec<i64>,
    /// `mask` (一键遮蔽) or `remove`.
    fix: String,
}

/// Masks or removes findings: a new revision; after a review step the reviews are void.
pub async fn fix_findings(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<FixInput>,
) -> ItemResult<Response> {
    let mut fields = BTreeMap::new();
    let fix = match input.fix.as_str() {
        "mask" | "" => Some(TextFix::Mask),
        "remove" => Some(TextFix::Remove),
        _ => None,
    };
    if fix.is_none() {
        fields.insert(
            "fix".into(),
            "处理方式须为 mask（遮蔽）或 remove（删除）".into(),
        );
    }
    if input.finding_ids.is_empty() {
        fields.insert("finding_ids".into(), "请选择要处理的扫描发现".into());
    }
    refuse(fields)?;
    let Some(fix) = fix else {
        return Err(ItemError::invalid(
            "处理方式须为 mask（遮蔽）或 remove（删除）",
        ));
    };
    let (item, caps) = load(&state, &staff, id).await?;
    may_resolve(&caps)?;
    let before_state = item.state()?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let (after, _) = findings::fix_text(
        &mut tx,
        &actor(&staff, &ip),
        id,
        caps,
        &input.finding_ids,
        fix,
    )
    .await?;
    tx.commit().await.map_err(AppError::from)?;
    let invalidated = before_state.has_reviews();
    let view = staff_view(&state, &after, &caps).await?;
    Ok(axum::Json(json!({
        "new_revision": true,
        "reviews_invalidated": invalidated,
        "notice": invalidated.then_some(gongkai_core::items::INVALIDATION_NOTICE),
        "view": view,
    }))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JustifyInput {
    justification: String,
}

/// Keeps a finding with a written justification.
pub async fn justify_finding(
    ApiPath((id, fid)): ApiPath<(i64, i64)>,
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Json(input): Json<JustifyInput>,
) -> ItemResult<Response> {
    if input.justification.trim().chars().count() < 4 {
        let msg = "保留理由须写明（至少 4 个字）";
        return Err(ItemError::Invalid {
            message: msg.into(),
            fields: BTreeMap::from([("justification".into(), msg.into())]),
        });
    }
    let (_, caps) = load(&state, &staff, id).await?;
    may_resolve(&caps)?;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    findings::justify(
        &mut tx,
        &actor(&staff, &ip),
        id,
        caps,
        fid,
        &input.justification,
    )
    .await?;
    tx.commit().await.map_err(AppError::from)?;
    item_answer(&state, &staff, id).await
}

/// The item's history timeline, oldest first.
pub async fn show_timeline(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    staff: ApiStaff,
) -> ItemResult<Response> {
    let (item, _) = load(&state, &staff, id).await?;
    let events: Vec<Value> = items::timeline(&state.db, item.id)
        .await?
        .into_iter()
        .map(|e| {
            let label = ItemAction::ALL
                .into_iter()
                .find(|a| a.code() == e.action)
                .map(ItemAction::label)
                .unwrap_or(match e.action.as_str() {
                    "create" => "起草",
                    "mask" => "一键遮蔽",
                    "remove" => "删除扫描发现的内容",
                    "justify" => "保留并说明理由",
                    "rereview" => "定期复审",
                    _ => "其他",
                });
            let mut v = serde_json::to_value(&e).unwrap_or_default();
            v["action_label"] = json!(label);
            v
        })
        .collect();
    Ok(axum::Json(json!({"item_id": item.id, "events": events})).into_response())
}

// ---------------------------------------------------------------------------------------------
// The public catalog (no authentication).

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CatalogQuery {
    catalog: Option<String>,
    org: Option<i64>,
    year: Option<i32>,
    topic: Option<String>,
    genre: Option<String>,
    validity: Option<String>,
    /// `newest` (default) or `oldest`.
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The public catalog (法定主动公开内容): published items only.
pub async fn list_catalog(
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
    Query(q): Query<CatalogQuery>,
) -> ItemResult<Response> {
    let mut fields = BTreeMap::new();
    let sort = match q.sort.as_deref() {
        None | Some("") | Some("newest") => Sort::NewestFirst,
        Some("oldest") => Sort::OldestFirst,
        Some(_) => {
            fields.insert("sort".into(), "排序须为 newest 或 oldest".into());
            Sort::NewestFirst
        }
    };
    if let Some(v) = q.validity.as_deref().filter(|v| !v.is_empty())
        && Validity::from_code(v).is_none()
    {
        fields.insert(
            "validity".into(),
            "有效性须为 valid、expired 或 repealed".into(),
        );
    }
    refuse(fields)?;
    let page = catalog::catalog(
        &state.db,
        site.scope(),
        &CatalogFilter {
            catalog_code: q.catalog,
            org_id: q.org,
            year: q.year,
            topic_code: q.topic,
            genre_code: q.genre,
            validity: q.validity,
            sort,
            page: q.page.unwrap_or(1),
            per_page: q.per_page.unwrap_or(20),
        },
    )
    .await?;
    Ok(axum::Json(page).into_response())
}

/// One revision in the public history.
fn public_revision(r: &Revision) -> Value {
    json!({"number": r.number, "title": r.title, "note": r.note, "published_at": r.published_at})
}

/// A published item; a withdrawn one answers 410 with the reason; anything else 404.
pub async fn show_catalog_item(
    ApiPath(id): ApiPath<i64>,
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
) -> ItemResult<Response> {
    match catalog::public_view(&state.db, site.scope(), id).await? {
        PublicView::Published(p) => {
            let history = catalog::public_revisions(&state.db, site.scope(), id).await?;
            let (i, r) = (&p.item, &p.revision);
            Ok(axum::Json(json!({
                "id": i.id,
                "index_no": i.index_no,
                "title": r.title,
                "summary": r.summary,
                "body_html": r.body_html,
                "keywords": r.keywords,
                "org_id": i.org_id,
                "publisher_name": i.publisher_name,
                "doc_number": i.doc_number,
                "formed_on": i.formed_on,
                "signed_on": i.signed_on,
                "published_on": i.published_on,
                "catalog_code": i.catalog_code,
                "topic_code": i.topic_code,
                "genre_code": i.genre_code,
                "validity": i.validity,
                "validity_label": i.validity().map(Validity::label),
                "validity_on": i.validity_on,
                "validity_replaced_by": i.validity_replaced_by,
                "validity_note": i.validity_note,
                "revision_number": r.number,
                "revisions": history.iter().map(public_revision).collect::<Vec<_>>(),
            }))
            .into_response())
        }
        PublicView::Withdrawn {
            index_no,
            withdrawn_on,
            reason,
        } => Ok(shaped(
            StatusCode::GONE,
            json!({
                "error": "withdrawn",
                "message": format!("该信息（索引号 {index_no}）已于 {withdrawn_on} 撤回，不再公开。撤回理由：{reason}"),
                "index_no": index_no,
                "withdrawn_on": withdrawn_on.to_string(),
                "reason": reason,
            }),
        )),
        PublicView::NotFound => Err(ItemError::App(AppError::new(
            StatusCode::NOT_FOUND,
            "item_not_found",
            "该信息不存在或尚未公开。",
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// OpenAPI.

/// The item and catalog paths of the OpenAPI document (merged by `openapi_document`).
pub fn openapi_paths() -> serde_json::Map<String, Value> {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let invalid = json!({"$ref": "#/components/schemas/InvalidError"});
    let resp = |d: &str, schema: &Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let id_param = json!({"name": "id", "in": "path", "required": true,
                          "description": "信息编号", "schema": {"type": "integer"}});
    let fid_param = json!({"name": "fid", "in": "path", "required": true,
                           "description": "扫描发现编号", "schema": {"type": "integer"}});
    let any = json!({"type": "object"});
    // A staff operation: bearer token, the usual error answers.
    let staff_op = |id: &str, summary: &str, ok: &str, body: Option<&str>, params: Vec<Value>| {
        let mut responses = json!({
            "200": resp(ok, &any),
            "400": resp("输入有误（fields 指出各字段的问题）", &invalid),
            "401": resp("未登录或令牌无效", &error),
            "403": resp("无权执行此操作", &error),
            "404": resp("信息不存在", &error),
            "409": resp("信息当前状态不允许此操作", &error),
        });
        if id == "create_item"
            && let Some(r) = responses.as_object_mut()
        {
            r.remove("200");
            r.remove("404");
            r.remove("409");
            r.insert("201".into(), resp(ok, &any));
        }
        let mut op = json!({"summary": summary, "operationId": id,
                            "security": [{"bearer": []}], "responses": responses});
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        if let Some(b) = body {
            op["requestBody"] = json!({"required": true, "description": b,
                "content": {"application/json": {"schema": {"type": "object"}}}});
        }
        op
    };
    let idp = || vec![id_param.clone()];
    let mut paths = serde_json::Map::new();
    let mut put = |path: &str, v: Value| {
        paths.insert(path.to_string(), v);
    };
    put(
        "/api/v1/items",
        json!({
            "get": staff_op("list_items", "工作队列（在权限范围内）", "信息列表", None, vec![
                json!({"name": "queue", "in": "query", "required": true, "schema": {"type": "string",
                    "enum": QUEUES.iter().map(|(c, _, _)| *c).collect::<Vec<_>>()},
                    "description": "to_draft 待起草、to_review 待审核、to_confidentiality_review 待保密审查、to_approve 待审批、to_publish 待发布 等"}),
                json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}}),
            ]),
            "post": staff_op("create_item", "起草信息（元数据与正文 HTML，正文经安全过滤）", "已创建的信息",
                Some("org_id, title, summary, body_html, keywords, formed_on, signed_on, publisher_name, doc_number, topic_code, genre_code, catalog_code, disclosure, withhold_ground, classified"),
                vec![]),
        }),
    );
    put(
        "/api/v1/items/{id}",
        json!({
            "get": staff_op("show_item", "信息详情（状态、版本、审核记录、扫描发现，个人信息已遮蔽）", "信息详情", None, idp()),
            "put": staff_op("update_item", "修改信息（生成新版本；审核后修改则审核意见失效）", "修改结果（含 reviews_invalidated）",
                Some("同起草"), idp()),
        }),
    );
    let steps: [(&str, &str, &str, Option<&str>); 11] = [
        ("submit", "submit_item", "提交审核", None),
        (
            "return",
            "return_item",
            "退回修改（须说明理由）",
            Some("reasons"),
        ),
        (
            "review",
            "review_item",
            "审核（法律、政策、文字、保密四项）",
            Some("legal, policy, wording, secrecy: {passed, comment}"),
        ),
        (
            "confidentiality-review",
            "confidentiality_review_item",
            "保密审查（填写保密审查表）",
            Some("保密审查表各栏，conclusion 为 publish、withhold 或 refer"),
        ),
        ("approve", "approve_item", "审批", Some("opinion")),
        ("publish", "publish_item", "立即发布", None),
        (
            "schedule",
            "schedule_item",
            "定时发布",
            Some("at（RFC 3339 时间）"),
        ),
        ("unschedule", "unschedule_item", "取消定时发布", None),
        (
            "amend",
            "amend_item",
            "修订已发布信息：新版本重新经过审核、保密审查和审批后替换公开文本",
            Some("title, summary, body_html, keywords, note"),
        ),
        (
            "validity",
            "change_validity_item",
            "标注有效性（有效、失效、废止）",
            Some("validity, effective_on, replaced_by, note"),
        ),
        (
            "withdraw",
            "withdraw_item",
            "撤回已发布信息（须说明理由）",
            Some("reason"),
        ),
    ];
    for (seg, id, summary, body) in steps {
        put(
            &format!("/api/v1/items/{{id}}/{seg}"),
            json!({"post": staff_op(id, summary, "操作后的信息详情", body, idp())}),
        );
    }
    put(
        "/api/v1/items/{id}/findings/fix",
        json!({"post": staff_op("fix_findings", "一键遮蔽或删除扫描发现（生成新版本）", "处理结果",
            Some("finding_ids, fix（mask 或 remove）"), idp())}),
    );
    put(
        "/api/v1/items/{id}/findings/{fid}/justify",
        json!({"post": staff_op("justify_finding", "保留扫描发现并说明理由", "操作后的信息详情",
            Some("justification"), vec![id_param.clone(), fid_param])}),
    );
    put(
        "/api/v1/items/{id}/timeline",
        json!({"get": staff_op("show_timeline", "信息处理时间线", "时间线", None, idp())}),
    );
    let q = |name: &str, ty: &str, d: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": d});
    put(
        "/api/v1/catalog",
        json!({"get": {"summary": "法定主动公开内容目录（无需认证，仅已发布信息）", "operationId": "list_catalog",
            "parameters": [
                q("catalog", "string", "公开目录代码"), q("org", "integer", "机构（含下级）"),
                q("year", "integer", "发布年份"), q("topic", "string", "主题分类代码"),
                q("genre", "string", "体裁分类代码"), q("validity", "string", "valid、expired 或 repealed"),
                q("sort", "string", "newest（默认）或 oldest"), q("page", "integer", "页码（从 1 开始）"),
                q("per_page", "integer", "每页条数（1–100）"),
            ],
            "responses": {"200": resp("目录一页", &any), "400": resp("查询参数有误", &invalid)}}}),
    );
    put(
        "/api/v1/catalog/{id}",
        json!({"get": {"summary": "已发布信息（无需认证）", "operationId": "show_catalog_item",
            "parameters": [id_param],
            "responses": {"200": resp("信息内容与公开版本历史", &any),
                          "404": resp("信息不存在或尚未公开", &error),
                          "410": resp("信息已撤回（含撤回日期与理由）", &error)}}}),
    );
    paths
}
