//! Full-text search over the API (issue #8): `/api/v1/search` is public and finds what the
//! portal's search finds; `/api/v1/staff/search` (bearer token) also finds drafts and other
//! unpublished documents of the organisations inside the caller's item scopes. Both take the
//! portal's query string (`q`, `kind`, `category`, `org`, `year`, `topic`, `genre`, `validity`,
//! `sort` = relevance|date, `page`). Staff search also finds mailbox messages and applications
//! of the organisations inside the caller's mailbox and application scopes (never their
//! personal data: it is not in the index). The scope is a clause of the query, never a filter
//! over a page of results, so `total` and snippets only ever come from permitted documents.
//! Both answer for the site of the request's host or prefix (issue #14): its organisations are
//! a clause of the query too.

use super::ApiStaff;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::portal::catalog::Vocab;
use crate::portal::search::{PER_PAGE, SearchQuery, parse};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gongkai_core::auth::{Action, scopes_for};
use gongkai_search::{Audience, Hit, Unavailable};
use serde_json::{Value, json};

/// The item actions whose scope lets a member of staff find unpublished documents.
const ITEM_ACTIONS: [Action; 5] = [
    Action::DraftItem,
    Action::ReviewItem,
    Action::ConfidentialityReview,
    Action::ApproveItem,
    Action::PublishItem,
];

/// The staff-only kinds and the actions whose scope lets a member of staff find them: the
/// mailbox messages of the boxes they manage or answer for, the applications they handle.
const RECORD_SCOPES: [(&str, &[Action]); 2] = [
    (
        gongkai_store::search::KIND_MESSAGE,
        &[Action::ManageMailbox, Action::AnswerMessage],
    ),
    (
        gongkai_store::search::KIND_APPLICATION,
        &[Action::ManageApplications],
    ),
];

fn text(parts: &[(String, bool)]) -> String {
    parts.iter().map(|(t, _)| t.as_str()).collect()
}

/// Highlights as `<mark>`-free pairs: the plain text and the character ranges to mark.
fn marks(parts: &[(String, bool)]) -> Vec<[usize; 2]> {
    let mut at = 0;
    let mut out = Vec::new();
    for (t, h) in parts {
        let n = t.chars().count();
        if *h {
            out.push([at, at + n]);
        }
        at += n;
    }
    out
}

fn hit_view(h: &Hit, staff: bool) -> Value {
    let mut v = json!({
        "kind": h.kind,
        "id": h.id,
        "title": h.title,
        "title_marks": marks(&h.title_parts),
        "snippet": text(&h.snippet),
        "snippet_marks": marks(&h.snippet),
        "url": h.url,
        "date": h.date,
        "reference": h.reference,
        "publisher": h.publisher,
        "validity": h.validity,
    });
    if staff {
        v["state"] = json!(h.state);
        v["public"] = json!(h.public);
        v["staff_url"] = json!(h.staff_url);
    }
    v
}

async fn run(
    state: &AppState,
    site: &crate::site::SiteCtx,
    q: &SearchQuery,
    audience: impl FnOnce() -> Audience,
    staff: bool,
) -> AppResult<Response> {
    let vocab = Vocab::load(&state.db, site).await?;
    let parsed = parse(state, site, q, &vocab).await?;
    if gongkai_search::index::parts(&parsed.q).is_empty() {
        return Err(AppError::bad_request("请填写搜索关键词（q）。"));
    }
    let search = state.search.as_ref().ok_or_else(|| {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "search_disabled",
            "本站未启用全文检索。",
        )
    })?;
    let results = search
        .search(&parsed.request, &audience())
        .map_err(|e| match e {
            Unavailable::Rebuilding { .. } => AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "search_rebuilding",
                format!("正在重建索引。{e}"),
            ),
            Unavailable::Failed => AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "search_unavailable",
                e.to_string(),
            ),
        })?;
    let hits: Vec<Value> = results.hits.iter().map(|h| hit_view(h, staff)).collect();
    Ok(axum::Json(json!({
        "q": parsed.q,
        "total": results.total,
        "total_exact": results.exact,
        "page": parsed.page,
        "per_page": PER_PAGE,
        "hits": hits,
    }))
    .into_response())
}

/// Public search.
pub async fn public_search(
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    run(
        &state,
        &site,
        &q,
        || Audience::Public {
            now_ms: gongkai_store::now_ms(),
        },
        false,
    )
    .await
}

/// Staff search: public documents plus everything of the organisations in the caller's scope.
pub async fn staff_search(
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
    staff: ApiStaff,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    let mut scopes: Vec<i64> = ITEM_ACTIONS
        .iter()
        .flat_map(|a| scopes_for(&staff.grants, *a))
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    let orgs = gongkai_store::items::catalog::expand_scopes(&state.db, &scopes).await?;
    let mut records = Vec::new();
    for (kind, actions) in RECORD_SCOPES {
        let mut scopes: Vec<i64> = actions
            .iter()
            .flat_map(|a| scopes_for(&staff.grants, *a))
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        let orgs = gongkai_store::items::catalog::expand_scopes(&state.db, &scopes).await?;
        records.push(((*kind).to_string(), orgs));
    }
    run(
        &state,
        &site,
        &q,
        move || Audience::Staff {
            now_ms: gongkai_store::now_ms(),
            orgs,
            records,
        },
        true,
    )
    .await
}

/// The OpenAPI entries of the two searches.
pub fn openapi_paths() -> serde_json::Map<String, Value> {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let resp = |d: &str, schema: &Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let p = |name: &str, d: &str, ty: &str| json!({"name": name, "in": "query", "required": false, "description": d, "schema": {"type": ty}});
    let mut params = vec![json!({"name": "q", "in": "query", "required": true,
        "description": "搜索关键词；空格分开的多个词须同时出现（按子串匹配，单字亦可）", "schema": {"type": "string"}})];
    params.extend([
        p("kind", "信息类型：item（主动公开信息）、interpretation（解读）、mailbox_answer（留言答复）；工作人员另有 mailbox_message（留言办理）、application（依申请公开）", "string"),
        p("category", "公开目录代码", "string"),
        p("org", "发布机构代码（含下级机构）", "string"),
        p("year", "年份", "integer"),
        p("topic", "主题分类代码", "string"),
        p("genre", "体裁分类代码", "string"),
        p("validity", "有效性：valid、expired、repealed", "string"),
        p(
            "sort",
            "relevance（按相关度，默认）或 date（按日期）",
            "string",
        ),
        p("page", "页码（每页 10 条，最多 100 页）", "integer"),
    ]);
    let result = json!({"type": "object", "properties": {
        "q": {"type": "string"}, "total": {"type": "integer"},
        "total_exact": {"type": "boolean", "description": format!(
            "为 false 时 total 是估计数（匹配超过 {} 条时按已读部分估算，取两位有效数字）",
            gongkai_search::index::COUNT_CAP)},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "hits": {"type": "array", "items": {"type": "object", "description":
            "title/snippet 为纯文本，title_marks/snippet_marks 为需高亮的字符区间 [起, 止)"}}}});
    let mut out = serde_json::Map::new();
    out.insert(
        "/api/v1/search".into(),
        json!({"get": {"summary": "全文检索已公开的信息（无需令牌）", "operationId": "public_search",
            "security": [], "parameters": params.clone(), "responses": {
                "200": resp("搜索结果", &result),
                "400": resp("参数有误", &error),
                "503": resp("正在重建索引或检索暂不可用", &error)}}}),
    );
    out.insert(
        "/api/v1/staff/search".into(),
        json!({"get": {"summary": "工作人员全文检索：另含本人职责范围内机构的未发布信息", "operationId": "staff_search",
            "security": [{"bearer": []}], "parameters": params, "responses": {
                "200": resp("搜索结果（含 state、public、staff_url）", &result),
                "400": resp("参数有误", &error),
                "401": resp("未登录或令牌无效", &error),
                "503": resp("正在重建索引或检索暂不可用", &error)}}}),
    );
    out
}
