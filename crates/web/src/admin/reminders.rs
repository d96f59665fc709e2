//! 提醒 (issues #6 and #9): the reminders the worker made for this staff member — application
//! deadlines due within 3 working days, due today or overdue, and the annual report's Art. 49
//! deadline — newest first, with "mark as read". The unread count is the badge on 提醒 in the
//! console navigation (`Staff::unread_reminders`). Who sees a reminder is decided in SQL from
//! the grants (`gongkai_store::reminders::list_for`).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_store::reminders::{self, Entry};

use crate::AppState;
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::page::{Layout, cst, render, see_other};
use crate::session::Staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reminders", get(list_reminders))
        .route("/reminders/read", post(mark_all_read))
        .route("/reminders/{id}/read", post(mark_read))
}

#[derive(Debug, Default, serde::Deserialize)]
struct ListQuery {
    /// `unread` shows only unread reminders.
    #[serde(default)]
    show: String,
}

struct Row {
    id: i64,
    title: String,
    body: String,
    link: String,
    threshold: &'static str,
    due_date: String,
    created: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "admin/reminders.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    unread_only: bool,
}

/// 提醒: this staff member's reminders.
async fn list_reminders(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let unread_only = q.show == "unread";
    let entries =
        reminders::list_for(&state.db, staff.user.id, &staff.grants, unread_only, 200).await?;
    let rows = entries
        .into_iter()
        .map(|Entry { reminder: r, read }| Row {
            id: r.id,
            threshold: r.threshold_label(),
            title: r.title,
            body: r.body,
            link: r.link,
            due_date: r.due_date,
            created: cst(r.created_at),
            read,
        })
        .collect();
    render(&ListPage {
        layout: staff.layout("提醒"),
        rows,
        unread_only,
    })
}

/// Marks one reminder read (404 when it is not this staff member's).
async fn mark_read(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    reminders::mark_read(
        &state.db,
        &mut tx,
        &staff.actor(),
        staff.user.id,
        &staff.grants,
        Some(id),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/admin/reminders"))
}

/// Marks every visible reminder read.
async fn mark_all_read(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    reminders::mark_read(
        &state.db,
        &mut tx,
        &staff.actor(),
        staff.user.id,
        &staff.grants,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/admin/reminders"))
}
