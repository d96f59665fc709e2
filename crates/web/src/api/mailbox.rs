//! The mailbox over the API (issue #7): staff get the console's operations with the same
//! permission checks (the office with `ManageMailbox` on the box's organisation, the department
//! with `AnswerMessage` on the department, the reviewer with `ConfidentialityReview`), and the
//! public gets published questions and answers only, through the store's
//! [`public::PUBLIC_CONDITION`]. The writer's contact details are masked in every answer (a
//! full view exists only on the console, audited).

use axum::extract::State;
use gongkai_core::auth::{Action, scopes_for};
use gongkai_core::mailbox::Publication;
use gongkai_store::StoreError;
use gongkai_store::audit::Actor;
use gongkai_store::mailbox::messages::{self, ListFilter, Message};
use gongkai_store::mailbox::public::{self, PublicQa, QaPage};
use gongkai_store::mailbox::stats::{YearStats, year_statistics};
use gongkai_store::mailbox::supervision::{self, Supervision};
use gongkai_store::mailbox::{DEADLINE_KIND, OBJECT_TYPE};
use gongkai_store::{deadlines, now_ms};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::ApiStaff;
use super::items::ApiPath;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Query};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    box_id: Option<i64>,
    topic: Option<String>,
    kind: Option<String>,
    year: Option<i32>,
    limit: Option<i64>,
}

/// Messages in the token holder's scope (office boxes and messages forwarded to their
/// departments), newest first.
pub async fn list_messages(
    State(state): State<AppState>,
    staff: ApiStaff,
    Query(q): Query<ListQuery>,
) -> AppResult<axum::Json<Vec<Message>>> {
    let office = scopes_for(&staff.grants, Action::ManageMailbox);
    let dept = scopes_for(&staff.grants, Action::AnswerMessage);
    if office.is_empty() && dept.is_empty() {
        return Err(AppError::forbidden());
    }
    let f = ListFilter {
        status: q.status,
        box_id: q.box_id,
        topic_code: q.topic,
        kind: q.kind,
        year: q.year,
        limit: q.limit.unwrap_or(200),
        ..Default::default()
    };
    let vault = state.config.vault.get();
    let list = messages::list(&state.db, &office, &dept, &f)
        .await?
        .into_iter()
        .map(|m| m.with_masked_contact(&vault))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(axum::Json(list))
}

/// A message with its processing form.
#[derive(Serialize)]
pub struct MessageDetail {
    message: Message,
    steps: Vec<messages::Step>,
    supervisions: Vec<Supervision>,
    deadline: Option<deadlines::DeadlineRow>,
}

struct Access {
    office: bool,
    dept: bool,
    reviewer: bool,
}

fn access(staff: &ApiStaff, m: &Message) -> Access {
    let can = |a: Action, org: i64| staff.require(a, Some(org)).is_ok();
    Access {
        office: can(Action::ManageMailbox, m.org_id),
        dept: m.dept_id.is_some_and(|d| can(Action::AnswerMessage, d)),
        reviewer: can(Action::ConfidentialityReview, m.org_id)
            && m.publication == Publication::PendingReview.code(),
    }
}

async fn load(state: &AppState, id: i64) -> AppResult<Message> {
    messages::get(&state.db, id).await?.ok_or_else(|| {
        AppError::new(
            axum::http::StatusCode::NOT_FOUND,
            "message_not_found",
            "留言不存在",
        )
    })
}

/// The processing form of one message.
pub async fn show_message(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    staff: ApiStaff,
) -> AppResult<axum::Json<MessageDetail>> {
    let m = load(&state, id).await?;
    let a = access(&staff, &m);
    if !(a.office || a.dept || a.reviewer) {
        return Err(AppError::forbidden());
    }
    Ok(axum::Json(MessageDetail {
        steps: messages::steps(&state.db, id).await?,
        supervisions: supervision::notices(&state.db, id).await?,
        deadline: deadlines::get(&state.db, OBJECT_TYPE, id, DEADLINE_KIND).await?,
        message: m.with_masked_contact(&state.config.vault.get())?,
    }))
}

/// The body of a step (each step reads the fields it needs).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    #[serde(default)]
    note: String,
    #[serde(default)]
    topic_code: String,
    #[serde(default)]
    dept_id: Option<i64>,
    #[serde(default)]
    instruction: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    final_text: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    escalate: bool,
    #[serde(default)]
    title: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    approve: Option<bool>,
}

fn actor(staff: &ApiStaff) -> Actor {
    Actor::user(staff.user.id, &staff.user.username, "api")
}

async fn run_step(
    state: &AppState,
    staff: &ApiStaff,
    id: i64,
    step: &str,
    b: StepBody,
) -> AppResult<axum::Json<Message>> {
    let m = load(state, id).await?;
    let a = access(staff, &m);
    let permitted = match step {
        "draft" => a.dept,
        "review" => a.reviewer,
        _ => a.office,
    };
    if !permitted {
        return Err(AppError::forbidden());
    }
    let actor = actor(staff);
    let vault = state.config.vault.get();
    let at = now_ms();
    let mut tx = state.db.begin().await?;
    let r: Result<(), StoreError> = async {
        match step {
            "register" => messages::register(&mut tx, &actor, id, &b.note, at)
                .await
                .map(drop),
            "classify" => messages::classify(&mut tx, &actor, id, &b.topic_code, &b.note, at)
                .await
                .map(drop),
            "forward" => {
                let dept = b
                    .dept_id
                    .ok_or_else(|| StoreError::Invalid("请选择承办部门（dept_id）".into()))?;
                if staff.require(Action::ManageMailbox, Some(dept)).is_err() {
                    return Err(StoreError::Invalid("您无权向所选部门转办".into()));
                }
                messages::forward(&mut tx, &actor, id, dept, &b.instruction, at)
                    .await
                    .map(drop)
            }
            "draft" => messages::draft(&mut tx, &actor, id, &b.text, at)
                .await
                .map(drop),
            "return" => messages::return_draft(&mut tx, &actor, id, &b.reasons, at)
                .await
                .map(drop),
            "approve" => messages::approve(&mut tx, &actor, id, &b.final_text, &b.note, at)
                .await
                .map(drop),
            "reply" => messages::send_reply(&mut tx, &actor, &vault, id, at)
                .await
                .map(drop),
            "follow-up" => messages::follow_up(&mut tx, &actor, id, &b.note, at)
                .await
                .map(drop),
            "close" => messages::close(&mut tx, &actor, id, &b.reasons, at)
                .await
                .map(drop),
            "supervise" => supervision::supervise(&mut tx, &actor, id, &b.note, b.escalate, at)
                .await
                .map(drop),
            "petition" => messages::convert_to_petition(&mut tx, &actor, id, &b.note, at)
                .await
                .map(drop),
            "publish" => public::prepare(&mut tx, &actor, &vault, id, at)
                .await
                .map(drop),
            "public-text" => {
                public::edit_public(&mut tx, &actor, id, &b.title, &b.question, &b.reply, at)
                    .await
                    .map(drop)
            }
            "review" => {
                let approve = b.approve.ok_or_else(|| {
                    StoreError::Invalid("请给出审查结论（approve 为 true 或 false）".into())
                })?;
                public::review(&mut tx, &actor, id, approve, &b.note, at)
                    .await
                    .map(drop)
            }
            _ => public::withdraw(&mut tx, &actor, id, &b.reasons, at)
                .await
                .map(drop),
        }
    }
    .await;
    r?;
    tx.commit().await?;
    Ok(axum::Json(
        load(state, id).await?.with_masked_contact(&vault)?,
    ))
}

macro_rules! step_handler {
    ($name:ident, $step:literal) => {
        #[doc = concat!("The `", $step, "` step of the processing form.")]
        pub async fn $name(
            State(state): State<AppState>,
            ApiPath(id): ApiPath<i64>,
            staff: ApiStaff,
            Json(b): Json<StepBody>,
        ) -> AppResult<axum::Json<Message>> {
            run_step(&state, &staff, id, $step, b).await
        }
    };
}

step_handler!(register_message, "register");
step_handler!(classify_message, "classify");
step_handler!(forward_message, "forward");
step_handler!(draft_message, "draft");
step_handler!(return_message, "return");
step_handler!(approve_message, "approve");
step_handler!(reply_message, "reply");
step_handler!(follow_up_message, "follow-up");
step_handler!(close_message, "close");
step_handler!(supervise_message, "supervise");
step_handler!(petition_message, "petition");
step_handler!(publish_message, "publish");
step_handler!(public_text_message, "public-text");
step_handler!(review_message, "review");
step_handler!(withdraw_message, "withdraw");

/// A year's statistics of the office's boxes.
pub async fn show_stats(
    State(state): State<AppState>,
    ApiPath(year): ApiPath<i32>,
    staff: ApiStaff,
) -> AppResult<axum::Json<YearStats>> {
    let office = scopes_for(&staff.grants, Action::ManageMailbox);
    if office.is_empty() {
        return Err(AppError::forbidden());
    }
    if !(2000..=2100).contains(&year) {
        return Err(AppError::bad_request("年份须在 2000–2100 之间"));
    }
    Ok(axum::Json(
        year_statistics(&state.db, Some(&office), year).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct QaQuery {
    topic: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Published questions and answers of the request's site (public).
pub async fn list_qa(
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
    Query(q): Query<QaQuery>,
) -> AppResult<axum::Json<QaPage>> {
    Ok(axum::Json(
        public::published(
            &state.db,
            site.scope(),
            q.topic.as_deref(),
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(20),
        )
        .await?,
    ))
}

/// One published question and answer (public; 404 unless public).
pub async fn show_qa(
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<axum::Json<PublicQa>> {
    public::published_one(&state.db, site.scope(), id)
        .await?
        .map(axum::Json)
        .ok_or_else(|| {
            AppError::new(
                axum::http::StatusCode::NOT_FOUND,
                "qa_not_found",
                "该留言答复不存在或未公开",
            )
        })
}

/// The OpenAPI paths of the mailbox endpoints.
pub fn openapi_paths() -> serde_json::Map<String, Value> {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let resp = |d: &str, schema: &Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let any = json!({"type": "object"});
    let id_param = json!({"name": "id", "in": "path", "required": true,
                          "description": "留言编号", "schema": {"type": "integer"}});
    let staff_op = |op: &str, summary: &str, params: Vec<Value>, body: Option<&str>| {
        let mut v = json!({"summary": summary, "operationId": op,
        "security": [{"bearer": []}],
        "responses": {
            "200": resp("成功", &any),
            "400": resp("输入有误", &error),
            "401": resp("未登录或令牌无效", &error),
            "403": resp("无权执行此操作", &error),
            "404": resp("留言不存在", &error),
            "409": resp("留言当前状态不允许此操作", &error),
        }});
        if !params.is_empty() {
            v["parameters"] = json!(params);
        }
        if let Some(b) = body {
            v["requestBody"] = json!({"required": true, "description": b,
                "content": {"application/json": {"schema": {"type": "object"}}}});
        }
        v
    };
    let q = |name: &str, ty: &str, d: &str| json!({"name": name, "in": "query", "required": false, "description": d, "schema": {"type": ty}});
    let mut paths = serde_json::Map::new();
    paths.insert(
        "/api/v1/mailbox/messages".into(),
        json!({"get": staff_op("list_messages", "留言列表（在权限范围内）", vec![
            q("status", "string", "状态代码，open 为全部未答复"),
            q("box_id", "integer", "信箱编号"),
            q("topic", "string", "主题代码"),
            q("kind", "string", "message 或 petition"),
            q("year", "integer", "收到年份"),
            q("limit", "integer", "最多条数"),
        ], None)}),
    );
    paths.insert(
        "/api/v1/mailbox/messages/{id}".into(),
        json!({"get": staff_op("show_message", "留言处理单（办理记录、督办、期限）", vec![id_param.clone()], None)}),
    );
    let steps: [(&str, &str, &str, &str); 15] = [
        ("register", "register_message", "登记", "note"),
        ("classify", "classify_message", "分类", "topic_code, note"),
        ("forward", "forward_message", "转办", "dept_id, instruction"),
        ("draft", "draft_message", "拟写答复（承办部门）", "text"),
        ("return", "return_message", "退回承办部门修改", "reasons"),
        (
            "approve",
            "approve_message",
            "审核答复",
            "final_text（可空）, note",
        ),
        ("reply", "reply_message", "发出答复", "{}"),
        ("follow-up", "follow_up_message", "回访办结", "note"),
        (
            "close",
            "close_message",
            "维持原答复并办结（不满意后）",
            "reasons",
        ),
        ("supervise", "supervise_message", "督办", "note, escalate"),
        ("petition", "petition_message", "转为信访事项", "note"),
        (
            "publish",
            "publish_message",
            "提请公开（自动遮蔽个人信息）",
            "{}",
        ),
        (
            "public-text",
            "public_text_message",
            "修改公开文本",
            "title, question, reply",
        ),
        (
            "review",
            "review_message",
            "公开前保密审查",
            "approve, note",
        ),
        ("withdraw", "withdraw_message", "撤回公开", "reasons"),
    ];
    for (path, op, summary, body) in steps {
        paths.insert(
            format!("/api/v1/mailbox/messages/{{id}}/{path}"),
            json!({"post": staff_op(op, summary, vec![id_param.clone()], Some(body))}),
        );
    }
    paths.insert(
        "/api/v1/mailbox/stats/{year}".into(),
        json!({"get": staff_op("show_mailbox_stats", "年度留言统计（供年度报告使用）", vec![
            json!({"name": "year", "in": "path", "required": true, "schema": {"type": "integer"}})
        ], None)}),
    );
    paths.insert(
        "/api/v1/mailbox/qa".into(),
        json!({"get": {"summary": "公开答复列表（仅已同意公开、已遮蔽并经保密审查的）", "operationId": "list_qa",
            "parameters": [q("topic", "string", "主题代码"), q("page", "integer", "页码"), q("per_page", "integer", "每页条数")],
            "responses": {"200": resp("公开答复", &any)}}}),
    );
    paths.insert(
        "/api/v1/mailbox/qa/{id}".into(),
        json!({"get": {"summary": "一条公开答复", "operationId": "show_qa",
            "parameters": [json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}})],
            "responses": {"200": resp("公开答复", &any), "404": resp("不存在或未公开", &error)}}}),
    );
    paths
}
