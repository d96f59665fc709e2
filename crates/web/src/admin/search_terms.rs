//! 检索词库: the words the segmenter must keep whole (残疾人两项补贴, 一网通办, 放管服 …), issue #8.
//!
//! Rule: deployment-wide data, so only the system administrator's `ManageSettings` (granted at a
//! root of the tree) may change it. Each change is audited and written to the search outbox by
//! the store in the same transaction; every instance then rebuilds its word fields (the old
//! index keeps answering meanwhile). Recall never depends on the dictionary (the substring
//! fields find every word); it improves ranking.

use crate::AppState;
use crate::error::AppResult;
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, cst, render, render_with_status, see_other};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_core::auth::Action;
use gongkai_store::StoreError;
use gongkai_store::search::{self, Term};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search/terms", get(list_terms).post(add_term))
        .route("/search/terms/{id}/remove", post(remove_term))
}

struct Row {
    term: Term,
    created: String,
}

#[derive(Template)]
#[template(path = "admin/search_terms.html")]
struct TermsPage {
    layout: Layout,
    rows: Vec<Row>,
    term: String,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    term: String,
    error: Option<String>,
    flash: Option<String>,
) -> AppResult<TermsPage> {
    let rows = search::terms(&state.db)
        .await?
        .into_iter()
        .map(|t| Row {
            created: if t.created_at == 0 {
                "系统预置".into()
            } else {
                cst(t.created_at)
            },
            term: t,
        })
        .collect();
    let mut layout = staff.layout("检索词库");
    layout.flash = flash;
    Ok(TermsPage {
        layout,
        rows,
        term,
        error,
    })
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// The dictionary and the form for a new word.
async fn list_terms(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let flash = match q.done.as_deref() {
        Some("added") => Some("词语已加入词库，搜索索引将在后台按新词库重建。".to_string()),
        Some("removed") => Some("词语已从词库删除，搜索索引将在后台重建。".to_string()),
        _ => None,
    };
    render(&page(&state, &staff, String::new(), None, flash).await?)
}

#[derive(Deserialize)]
struct NewTerm {
    #[serde(default)]
    term: String,
}

/// Adds a word.
async fn add_term(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<NewTerm>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let mut tx = state.db.begin().await?;
    match search::add_term(&mut tx, &staff.actor(), &f.term).await {
        Ok(_) => {
            tx.commit().await?;
            if let Some(s) = &state.search {
                s.wake();
            }
            Ok(see_other("/admin/search/terms?done=added"))
        }
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
            drop(tx);
            let p = page(&state, &staff, f.term, Some(format!("{m}。")), None).await?;
            render_with_status(&p, StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes a word.
async fn remove_term(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let mut tx = state.db.begin().await?;
    search::remove_term(&mut tx, &staff.actor(), id).await?;
    tx.commit().await?;
    if let Some(s) = &state.search {
        s.wake();
    }
    Ok(see_other("/admin/search/terms?done=removed"))
}
