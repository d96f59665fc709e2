//! The JSON API at `/api/v1` for staff tools and higher-level sites, authenticated with bearer
//! tokens (`Authorization: Bearer gk_…`), never with cookies, so it needs no CSRF token.
//! Errors are `{"error": "<stable_code>", "message": "<中文>"}` (see [`json_errors`]).
//! Information items (staff operations and the public catalog) are in [`items`], disclosure
//! applications (staff operations, letters and their confidentiality review, the
//! review/litigation register) in [`applications`].

pub mod applications;
pub mod items;
pub mod mailbox;
pub mod search;
pub mod workplan;

use crate::AppState;
use crate::error::{AppError, AppResult};
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gongkai_core::auth::{Action, Grant, permits};
use gongkai_core::org::OrgTree;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(show_openapi))
        .route("/v1/me", get(show_me))
        .route("/v1/orgs", get(list_orgs))
        .route("/v1/items", get(items::list_items).post(items::create_item))
        .route(
            "/v1/items/{id}",
            get(items::show_item).put(items::update_item),
        )
        .route("/v1/items/{id}/submit", post(items::submit_item))
        .route("/v1/items/{id}/return", post(items::return_item))
        .route("/v1/items/{id}/review", post(items::review_item))
        .route(
            "/v1/items/{id}/confidentiality-review",
            post(items::confidentiality_review_item),
        )
        .route("/v1/items/{id}/approve", post(items::approve_item))
        .route("/v1/items/{id}/publish", post(items::publish_item))
        .route("/v1/items/{id}/schedule", post(items::schedule_item))
        .route("/v1/items/{id}/unschedule", post(items::unschedule_item))
        .route("/v1/items/{id}/amend", post(items::amend_item))
        .route("/v1/items/{id}/validity", post(items::change_validity_item))
        .route("/v1/items/{id}/withdraw", post(items::withdraw_item))
        .route("/v1/items/{id}/findings/fix", post(items::fix_findings))
        .route(
            "/v1/items/{id}/findings/{fid}/justify",
            post(items::justify_finding),
        )
        .route("/v1/items/{id}/timeline", get(items::show_timeline))
        .route("/v1/catalog", get(items::list_catalog))
        .route("/v1/search", get(search::public_search))
        .route("/v1/staff/search", get(search::staff_search))
        .route("/v1/catalog/{id}", get(items::show_catalog_item))
        .route("/v1/mailbox/messages", get(mailbox::list_messages))
        .route("/v1/mailbox/messages/{id}", get(mailbox::show_message))
        .route(
            "/v1/mailbox/messages/{id}/register",
            post(mailbox::register_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/classify",
            post(mailbox::classify_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/forward",
            post(mailbox::forward_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/draft",
            post(mailbox::draft_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/return",
            post(mailbox::return_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/approve",
            post(mailbox::approve_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/reply",
            post(mailbox::reply_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/follow-up",
            post(mailbox::follow_up_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/close",
            post(mailbox::close_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/supervise",
            post(mailbox::supervise_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/petition",
            post(mailbox::petition_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/publish",
            post(mailbox::publish_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/public-text",
            post(mailbox::public_text_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/review",
            post(mailbox::review_message),
        )
        .route(
            "/v1/mailbox/messages/{id}/withdraw",
            post(mailbox::withdraw_message),
        )
        .route("/v1/mailbox/stats/{year}", get(mailbox::show_stats))
        .route("/v1/mailbox/qa", get(mailbox::list_qa))
        .route("/v1/mailbox/qa/{id}", get(mailbox::show_qa))
        .route(
            "/v1/applications",
            get(applications::list_applications).post(applications::create_application),
        )
        .route("/v1/applications/{id}", get(applications::show_application))
        .route(
            "/v1/applications/{id}/confirm",
            post(applications::confirm_application),
        )
        .route(
            "/v1/applications/{id}/correction",
            post(applications::request_correction),
        )
        .route(
            "/v1/applications/{id}/correction-received",
            post(applications::receive_correction),
        )
        .route(
            "/v1/applications/{id}/assign",
            post(applications::assign_application),
        )
        .route(
            "/v1/applications/{id}/consultations",
            post(applications::start_consultation),
        )
        .route(
            "/v1/applications/{id}/consultations/{cid}/reply",
            post(applications::finish_consultation),
        )
        .route(
            "/v1/applications/{id}/extend",
            post(applications::extend_application),
        )
        .route("/v1/applications/{id}/fee", post(applications::fee_notice))
        .route(
            "/v1/applications/{id}/fee-paid",
            post(applications::record_payment),
        )
        .route(
            "/v1/applications/{id}/items/{item}/decision",
            post(applications::decide_item),
        )
        .route(
            "/v1/applications/{id}/route-out",
            post(applications::route_out_application),
        )
        .route(
            "/v1/applications/{id}/reply",
            post(applications::record_reply),
        )
        .route(
            "/v1/applications/{id}/archive",
            post(applications::archive_application),
        )
        .route(
            "/v1/applications/{id}/letters",
            post(applications::create_letter),
        )
        .route(
            "/v1/applications/{id}/letters/draft",
            get(applications::draft_letter),
        )
        .route(
            "/v1/applications/{id}/letters/{lid}",
            get(applications::show_letter).put(applications::update_letter),
        )
        .route(
            "/v1/applications/{id}/letters/{lid}/review",
            post(applications::review_letter),
        )
        .route(
            "/v1/applications/{id}/letters/{lid}/send",
            post(applications::send_letter),
        )
        .route(
            "/v1/letters/awaiting-review",
            get(applications::letters_awaiting_review),
        )
        .route(
            "/v1/appeals",
            get(applications::list_cases).post(applications::create_case),
        )
        .route(
            "/v1/appeals/{id}/outcome",
            post(applications::record_case_outcome),
        )
        .route(
            "/v1/plans",
            get(workplan::list_plans).post(workplan::create_plan),
        )
        .route(
            "/v1/plans/{id}",
            get(workplan::show_plan).put(workplan::update_plan),
        )
        .route("/v1/plans/{id}/tasks", post(workplan::create_task))
        .route("/v1/tasks", get(workplan::list_tasks))
        .route(
            "/v1/tasks/{id}",
            get(workplan::show_task).put(workplan::update_task),
        )
        .route("/v1/tasks/{id}/progress", post(workplan::report_progress))
        .route("/v1/tasks/{id}/cascade", post(workplan::cascade_task))
        // The registers, in the order of `records::KINDS`.
        .route(
            "/v1/training",
            get(workplan::list_register::<0>).post(workplan::create_register::<0>),
        )
        .route(
            "/v1/training/{id}",
            get(workplan::show_register::<0>).put(workplan::update_register::<0>),
        )
        .route(
            "/v1/assessments",
            get(workplan::list_register::<1>).post(workplan::create_register::<1>),
        )
        .route(
            "/v1/assessments/{id}",
            get(workplan::show_register::<1>).put(workplan::update_register::<1>),
        )
        .route(
            "/v1/proposals",
            get(workplan::list_register::<2>).post(workplan::create_register::<2>),
        )
        .route(
            "/v1/proposals/{id}",
            get(workplan::show_register::<2>).put(workplan::update_register::<2>),
        )
        .route(
            "/v1/proposals/{id}/draft-item",
            post(workplan::proposal_draft_item),
        )
        .route(
            "/v1/publicity",
            get(workplan::list_register::<3>).post(workplan::create_register::<3>),
        )
        .route(
            "/v1/publicity/{id}",
            get(workplan::show_register::<3>).put(workplan::update_register::<3>),
        )
        .fallback(api_not_found)
        .layer(axum::middleware::from_fn(json_errors))
}

/// Turns any error response (ours, carried as an [`AppError`] extension, or axum's own 404/405)
/// into the API's JSON error shape.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.extensions().get::<Shaped>().is_some() {
        return res;
    }
    let err = match res.extensions().get::<AppError>() {
        Some(e) => e.clone(),
        None if res.status() == StatusCode::METHOD_NOT_ALLOWED => AppError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "该接口不支持此请求方法。",
        ),
        None if res.status().is_client_error() || res.status().is_server_error() => {
            AppError::new(res.status(), "error", "请求未能完成。")
        }
        None => return res,
    };
    let mut out = json_error(&err);
    if let Some(v) = res.headers().get(header::WWW_AUTHENTICATE) {
        out.headers_mut()
            .insert(header::WWW_AUTHENTICATE, v.clone());
    }
    out
}

/// The API's JSON shape of an error: `{"error": "<code>", "message": "<中文>"}`.
pub fn json_error(err: &AppError) -> Response {
    (
        err.status,
        axum::Json(serde_json::json!({"error": err.code, "message": err.message})),
    )
        .into_response()
}

/// Marks a response that is already a JSON answer in its final shape (e.g. an `invalid` error
/// with `fields`, or a 410 with the withdrawal details), so [`json_errors`] keeps it as it is.
#[derive(Debug, Clone, Copy)]
pub struct Shaped;

async fn api_not_found() -> AppError {
    AppError::not_found("接口不存在，请查阅 /api/openapi.json。")
}

/// A staff member authenticated by an API token.
pub struct ApiStaff {
    pub user: gongkai_store::users::User,
    pub grants: Vec<Grant>,
    pub tree: OrgTree,
}

impl ApiStaff {
    pub fn require(&self, action: Action, org: Option<i64>) -> Result<(), AppError> {
        if permits(&self.grants, action, org, &self.tree) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(AppError::unauthorized)?;
        let user_id = gongkai_store::api_tokens::authenticate(&state.db, token.trim())
            .await?
            .ok_or_else(AppError::unauthorized)?;
        let user = gongkai_store::users::get(&state.db, user_id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(AppError::unauthorized)?;
        let grants = gongkai_store::users::grants(&state.db, user.id).await?;
        let tree = gongkai_store::orgs::tree(&state.db).await?;
        Ok(ApiStaff { user, grants, tree })
    }
}

#[derive(Serialize)]
struct Me {
    id: i64,
    username: String,
    display_name: String,
    org_id: i64,
    roles: Vec<serde_json::Value>,
}

/// The token's user and grants.
async fn show_me(staff: ApiStaff) -> AppResult<axum::Json<Me>> {
    Ok(axum::Json(Me {
        id: staff.user.id,
        username: staff.user.username.clone(),
        display_name: staff.user.display_name.clone(),
        org_id: staff.user.org_id,
        roles: staff
            .grants
            .iter()
            .map(|g| serde_json::json!({"role": g.role.code(), "scope_org_id": g.scope}))
            .collect(),
    }))
}

/// The organisation tree of the caller's sites (needs a role that may view organisations).
async fn list_orgs(
    State(state): State<AppState>,
    staff: ApiStaff,
) -> AppResult<axum::Json<Vec<gongkai_store::orgs::Org>>> {
    staff.require(Action::ViewOrganisations, None)?;
    // Only the sites the caller's grants reach (issue #14).
    Ok(axum::Json(
        gongkai_store::orgs::list(&state.db)
            .await?
            .into_iter()
            .filter(|o| gongkai_core::auth::reaches_site_of(&staff.grants, o.id, &staff.tree))
            .collect(),
    ))
}

/// The OpenAPI 3.1 document of this API.
async fn show_openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_document().to_string(),
    )
        .into_response()
}

/// The OpenAPI document. `tests` check that every documented path is routed and every routed
/// path is documented.
pub fn openapi_document() -> serde_json::Value {
    let error = serde_json::json!({"$ref": "#/components/schemas/Error"});
    let err_responses = serde_json::json!({
        "401": {"description": "未登录或令牌无效", "content": {"application/json": {"schema": error}}},
        "403": {"description": "无权访问", "content": {"application/json": {"schema": error}}}
    });
    let mut doc = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "Gongkai API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "政府信息公开工作系统接口。认证方式：Authorization: Bearer <API 令牌>。"},
        "paths": {
            "/api/v1/me": {"get": {"summary": "当前令牌对应的用户及其角色", "operationId": "show_me",
                "security": [{"bearer": []}],
                "responses": merge(serde_json::json!({"200": {"description": "用户信息"}}), &err_responses)}},
            "/api/v1/orgs": {"get": {"summary": "机构列表", "operationId": "list_orgs",
                "security": [{"bearer": []}],
                "responses": merge(serde_json::json!({"200": {"description": "全部机构"}}), &err_responses)}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error", "message"],
                "properties": {"error": {"type": "string", "description": "稳定的错误代码"},
                               "message": {"type": "string", "description": "中文说明"}}},
                "InvalidError": {"type": "object", "required": ["error", "message", "fields"],
                "properties": {"error": {"type": "string", "const": "invalid"},
                               "message": {"type": "string", "description": "中文说明"},
                               "fields": {"type": "object", "description": "字段名 → 该字段的问题（中文）",
                                          "additionalProperties": {"type": "string"}}}}}
        }
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(items::openapi_paths());
        paths.extend(mailbox::openapi_paths());
        paths.extend(search::openapi_paths());
        paths.extend(applications::openapi_paths());
        paths.extend(workplan::openapi_paths());
    }
    doc
}

fn merge(mut a: serde_json::Value, b: &serde_json::Value) -> serde_json::Value {
    if let (Some(a), Some(b)) = (a.as_object_mut(), b.as_object()) {
        for (k, v) in b {
            a.insert(k.clone(), v.clone());
        }
    }
    a
}
