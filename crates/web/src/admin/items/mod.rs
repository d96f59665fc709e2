//! 主动公开 in the console (issue #4; product.md C2/C3; REG §4–§5): the drafting editor, the "my
//! work" lists per role, the office's list of all items, the item page with its history timeline
//! and a form for every workflow step, scanner findings, attachments, the Art. 26 dashboard and
//! the Art. 18 re-review list.
//!
//! **Rules.**
//! - Access to one item: `Capabilities::for_target(grants, item.org_id, tree)` (role *and* scope
//!   through `auth::permits`); a staff member with no item role over the item's organisation gets
//!   404, so ids of other organisations reveal nothing.
//! - Before a step runs, core's `transition` is asked: a missing permission is 403, a step the
//!   state does not allow is 409 with the workflow's Chinese message on the re-rendered page. The
//!   store checks again inside its transaction (and appends the timeline event and the audit
//!   record in it).
//! - Lists filter by organisation scope in SQL (`catalog::work_list`, `catalog::staff_items`).
//! - Scanner findings are shown masked: the console never repeats the personal data it found.

mod dashboard;
mod files;
mod form;
mod show;

use std::collections::BTreeMap;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::page::{Layout, render};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_core::auth::Action;
use gongkai_core::items::{Capabilities, ItemAction, State as ItemState};
use gongkai_core::org::OrgId;
use gongkai_store::items::catalog::{self, StaffFilter, WorkEntry, WorkQueue};
use gongkai_store::items::{self, Item};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/items", get(list_items).post(form::create_item))
        .route("/items/work", get(show_work))
        .route("/items/new", get(form::show_new))
        .route("/items/deadlines", get(dashboard::show_deadlines))
        .route("/items/rereview", get(dashboard::show_rereview))
        .route("/items/{id}", get(show::show_item).post(form::update_item))
        .route("/items/{id}/edit", get(form::show_edit))
        .route(
            "/items/{id}/amend",
            get(form::show_amend).post(form::amend_item),
        )
        .route(
            "/items/{id}/confidentiality",
            get(form::show_confidentiality).post(form::confidentiality_item),
        )
        .route("/items/{id}/submit", post(show::submit_item))
        .route("/items/{id}/return", post(show::return_item))
        .route("/items/{id}/review", post(show::review_item))
        .route("/items/{id}/approve", post(show::approve_item))
        .route("/items/{id}/publish", post(show::publish_item))
        .route("/items/{id}/schedule", post(show::schedule_item))
        .route("/items/{id}/unschedule", post(show::unschedule_item))
        .route("/items/{id}/validity", post(show::validity_item))
        .route("/items/{id}/withdraw", post(show::withdraw_item))
        .route("/items/{id}/rereview", post(show::rereview_item))
        .route("/items/{id}/findings/fix", post(show::fix_findings))
        .route(
            "/items/{id}/findings/{fid}/justify",
            post(show::justify_finding),
        )
        .route("/items/{id}/files", post(files::upload_file))
        .route("/items/{id}/files/{aid}/remove", post(files::remove_file))
        .route("/items/{id}/files/{aid}/mask", post(files::mask_file))
        .route(
            "/items/{id}/file-findings/{fid}/justify",
            post(files::justify_file_finding),
        )
}

/// Every item permission; a staff member with any of them sees the items console.
pub const ITEM_ACTIONS: [Action; 5] = [
    Action::DraftItem,
    Action::ReviewItem,
    Action::ConfidentialityReview,
    Action::ApproveItem,
    Action::PublishItem,
];

fn any_capability(c: &Capabilities) -> bool {
    c.draft || c.review || c.confidentiality_review || c.approve || c.publish
}

/// The subtree roots where the staff member holds any item role.
fn item_scopes(staff: &Staff) -> Vec<OrgId> {
    let mut out: Vec<OrgId> = ITEM_ACTIONS.iter().flat_map(|a| staff.scopes(*a)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Refuses staff without any item role (403).
fn require_items(staff: &Staff) -> AppResult<()> {
    if ITEM_ACTIONS.iter().any(|a| staff.can(*a, None)) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

fn no_item() -> AppError {
    AppError::not_found("该信息不存在，或不在您的管理范围内。")
}

/// The item and the staff member's capabilities on it; 404 when it does not exist or lies
/// outside every item role's scope.
pub(super) async fn load(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> AppResult<(Item, Capabilities)> {
    let item = items::get(&state.db, id).await?.ok_or_else(no_item)?;
    let caps = Capabilities::for_target(&staff.grants, item.org_id, &staff.tree);
    if !any_capability(&caps) {
        return Err(no_item());
    }
    Ok((item, caps))
}

/// The Chinese label of a state code.
pub(super) fn state_label(code: &str) -> &'static str {
    ItemState::from_code(code)
        .map(ItemState::label)
        .unwrap_or("未知")
}

/// The Chinese label of a timeline action code.
pub(super) fn action_label(code: &str) -> &'static str {
    ItemAction::ALL
        .into_iter()
        .find(|a| a.code() == code)
        .map(ItemAction::label)
        .unwrap_or(match code {
            "create" => "起草",
            "mask" => "一键遮蔽",
            "remove" => "删除扫描发现的内容",
            "justify" => "保留并说明理由",
            "rereview" => "定期复审",
            "attach" => "添加附件",
            "detach" => "删除附件",
            _ => "其他",
        })
}

/// Organisation id → full name.
pub(super) async fn org_names(state: &AppState) -> AppResult<BTreeMap<i64, String>> {
    Ok(gongkai_store::orgs::list(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.full_name))
        .collect())
}

/// One row of a console list.
pub(super) struct Row {
    pub id: i64,
    pub title: String,
    pub org: String,
    pub state: &'static str,
    pub index_no: String,
    pub formed_on: String,
    pub extra: String,
    pub updated: String,
}

pub(super) fn rows(entries: Vec<WorkEntry>, names: &BTreeMap<i64, String>) -> Vec<Row> {
    entries
        .into_iter()
        .map(|e| Row {
            id: e.id,
            org: names.get(&e.org_id).cloned().unwrap_or_default(),
            state: state_label(&e.state),
            index_no: e.index_no.unwrap_or_default(),
            formed_on: e.formed_on,
            extra: e.rereview_due.unwrap_or_default(),
            updated: crate::page::cst(e.updated_at),
            title: e.title,
        })
        .collect()
}

/// One "my work" queue as shown.
struct Queue {
    id: &'static str,
    title: &'static str,
    hint: &'static str,
    rows: Vec<Row>,
}

/// The queues, the permission each needs and what it means for the person.
const QUEUES: &[(&str, WorkQueue, Action, &str, &str)] = &[
    (
        "to-draft",
        WorkQueue::ToDraft,
        Action::DraftItem,
        "待起草和被退回的信息",
        "草稿和退回修改的信息；修改完成后提交审核。",
    ),
    (
        "to-review",
        WorkQueue::ToReview,
        Action::ReviewItem,
        "待审核",
        "逐项把好法律关、政策关、文字关和保密关。",
    ),
    (
        "to-confidentiality",
        WorkQueue::ToConfidentialityReview,
        Action::ConfidentialityReview,
        "待保密审查",
        "填写并签署保密审查表。",
    ),
    (
        "to-approve",
        WorkQueue::ToApprove,
        Action::ApproveItem,
        "待审批",
        "审批同意后由政务公开办公室发布。",
    ),
    (
        "to-publish",
        WorkQueue::ToPublish,
        Action::PublishItem,
        "待发布",
        "立即发布或定时发布。",
    ),
    (
        "scheduled",
        WorkQueue::Scheduled,
        Action::PublishItem,
        "定时发布中",
        "到时由系统自动发布，发布前可取消。",
    ),
];

#[derive(Template)]
#[template(path = "admin/items/work.html")]
struct WorkPage {
    layout: Layout,
    queues: Vec<Queue>,
    can_draft: bool,
}

/// 我的工作: the queues of every role the staff member holds, each scoped in SQL.
async fn show_work(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    require_items(&staff)?;
    let names = org_names(&state).await?;
    let mut queues = Vec::new();
    for (id, queue, action, title, hint) in QUEUES {
        let scopes = staff.scopes(*action);
        if scopes.is_empty() {
            continue;
        }
        let entries = catalog::work_list(&state.db, &scopes, *queue, 200).await?;
        queues.push(Queue {
            id,
            title,
            hint,
            rows: rows(entries, &names),
        });
    }
    render(&WorkPage {
        layout: staff.layout("我的工作"),
        queues,
        can_draft: staff.can(Action::DraftItem, None),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    state: String,
    org: String,
    q: String,
}

#[derive(Template)]
#[template(path = "admin/items/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    states: Vec<(&'static str, &'static str)>,
    orgs: Vec<(i64, String)>,
    state: String,
    org: String,
    q: String,
    error: Option<String>,
}

/// 全部信息: every item in the staff member's scope, filtered by state, organisation and title.
async fn list_items(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    require_items(&staff)?;
    let scopes = item_scopes(&staff);
    let names = org_names(&state).await?;
    let mut error = None;
    let item_state = match q.state.trim() {
        "" => None,
        code => {
            let s = ItemState::from_code(code);
            if s.is_none() {
                error = Some("请从列表中选择状态".to_string());
            }
            s
        }
    };
    let org_id = match q.org.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                error = Some("请从列表中选择机构".to_string());
                None
            }
        },
    };
    let filter = StaffFilter {
        state: item_state,
        org_id,
        q: q.q.chars().take(100).collect(),
    };
    let entries = catalog::staff_items(&state.db, &scopes, &filter, 500).await?;
    let orgs = names
        .iter()
        .filter(|(id, _)| scopes.iter().any(|s| staff.tree.is_within(**id, *s)))
        .map(|(id, n)| (*id, n.clone()))
        .collect();
    let page = ListPage {
        layout: staff.layout("全部信息"),
        rows: rows(entries, &names),
        states: ItemState::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        orgs,
        state: q.state,
        org: q.org,
        q: filter.q,
        error,
    };
    if page.error.is_some() {
        crate::page::render_with_status(&page, axum::http::StatusCode::BAD_REQUEST)
    } else {
        render(&page)
    }
}
