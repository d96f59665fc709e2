//! The staff console at `/admin`: login, the dashboard and the pages of each domain. Every
//! handler takes [`Staff`] (so it only runs for a live session) and asks `staff.require(..)`
//! before reading or changing anything.

pub(crate) mod applications;
mod audit;
mod auth;
mod calendar;
mod channel_settings;
mod channels;
mod consolidated;
mod guide;
mod items;
pub(crate) mod letters;
mod mailbox;
mod orgs;
mod records;
mod registers;
mod reminders;
mod reports;
mod search_terms;
mod sites;
mod statistics;
mod tokens;
mod users;
mod workplan;

use crate::AppState;
use crate::error::AppResult;
use crate::page::{Layout, render};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(show_dashboard))
        .merge(auth::routes())
        .merge(applications::routes())
        .merge(letters::routes())
        .merge(orgs::routes())
        .merge(users::routes())
        .merge(audit::routes())
        .merge(tokens::routes())
        .merge(calendar::routes())
        .merge(items::routes())
        .merge(registers::routes())
        .merge(guide::routes())
        .merge(mailbox::routes())
        .merge(search_terms::routes())
        .merge(channels::routes())
        .merge(channel_settings::routes())
        .merge(reports::routes())
        .merge(reminders::routes())
        .merge(statistics::routes())
        .merge(workplan::routes())
        .merge(records::routes())
        .merge(sites::routes())
        .merge(consolidated::routes())
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    roles: Vec<(String, String)>,
    own_org: String,
}

/// 工作台: who you are and what you may do.
async fn show_dashboard(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    let orgs = gongkai_store::orgs::list(&state.db).await?;
    let org_name = |id: i64| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| o.full_name.clone())
            .unwrap_or_else(|| format!("机构 {id}"))
    };
    let roles = staff
        .grants
        .iter()
        .map(|g| (g.role.label().to_string(), org_name(g.scope)))
        .collect();
    let own_org = org_name(staff.user.org_id);
    render(&DashboardPage {
        layout: staff.layout("工作台"),
        roles,
        own_org,
    })
}
