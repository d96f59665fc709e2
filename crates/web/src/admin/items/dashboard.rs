//! 发布期限督办 (条例 Art. 26: published within 20 working days of 形成或者变更, REG §1.4) and the
//! Art. 18 periodic re-review list of withheld items. Both filter by the staff member's item
//! scopes; the deadlines come from the deadlines register (its working-day cut-off per
//! organisation calendar), late publications from `items.published_late`.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use gongkai_core::auth::Action;
use gongkai_store::deadlines::{self, DeadlineRow, OpenFilter, Window};
use gongkai_store::items::{self, catalog};

use super::{Row, item_scopes, org_names, require_items, rows};
use crate::AppState;
use crate::error::AppResult;
use crate::page::{Layout, render};
use crate::session::Staff;

/// Working days ahead that count as "due soon" on the dashboard.
pub const DUE_SOON_WORKDAYS: u32 = 5;

struct DueRow {
    item_id: i64,
    label: String,
    org: String,
    due: String,
    provisional: bool,
}

struct OrgSummary {
    org: String,
    overdue: usize,
    due_soon: usize,
}

#[derive(Template)]
#[template(path = "admin/items/deadlines.html")]
struct DeadlinesPage {
    layout: Layout,
    summary: Vec<OrgSummary>,
    overdue: Vec<DueRow>,
    due_soon: Vec<DueRow>,
    late: Vec<Row>,
    workdays: u32,
}

fn due_rows(list: Vec<DeadlineRow>, names: &BTreeMap<i64, String>) -> Vec<DueRow> {
    list.into_iter()
        .map(|d| DueRow {
            item_id: d.object_id,
            org: names.get(&d.org_id).cloned().unwrap_or_default(),
            due: d.due_date,
            provisional: d.provisional,
            label: d.label,
        })
        .collect()
}

fn filter(window: Window) -> OpenFilter {
    let mut f = OpenFilter::new(deadlines::today(), window);
    f.object_type = Some(items::OBJECT_TYPE.into());
    f.kind = Some(items::DEADLINE_KIND.into());
    f
}

/// 发布期限督办: overdue items and items due within 5 working days, per organisation, and the
/// record of late publications.
pub(super) async fn show_deadlines(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Response> {
    require_items(&staff)?;
    let scopes = item_scopes(&staff);
    let names = org_names(&state).await?;
    let overdue = deadlines::list_open(&state.db, &scopes, &filter(Window::Overdue)).await?;
    let soon = deadlines::list_open(
        &state.db,
        &scopes,
        &filter(Window::DueWithin(DUE_SOON_WORKDAYS)),
    )
    .await?;
    let mut per_org: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    for d in &overdue {
        per_org.entry(d.org_id).or_default().0 += 1;
    }
    for d in &soon {
        per_org.entry(d.org_id).or_default().1 += 1;
    }
    let summary = per_org
        .into_iter()
        .map(|(org, (overdue, due_soon))| OrgSummary {
            org: names.get(&org).cloned().unwrap_or_default(),
            overdue,
            due_soon,
        })
        .collect();
    let late = catalog::late_published(&state.db, &scopes, 200).await?;
    render(&DeadlinesPage {
        layout: staff.layout("发布期限督办"),
        summary,
        overdue: due_rows(overdue, &names),
        due_soon: due_rows(soon, &names),
        late: rows(late, &names),
        workdays: DUE_SOON_WORKDAYS,
    })
}

#[derive(Template)]
#[template(path = "admin/items/rereview.html")]
struct RereviewPage {
    layout: Layout,
    rows: Vec<Row>,
    today: String,
}

/// 不予公开信息定期复审 (条例 Art. 18): withheld items with their re-review dates, earliest first.
pub(super) async fn show_rereview(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Response> {
    require_items(&staff)?;
    let mut scopes = staff.scopes(Action::ConfidentialityReview);
    scopes.extend(staff.scopes(Action::PublishItem));
    scopes.sort_unstable();
    scopes.dedup();
    let names = org_names(&state).await?;
    let list = catalog::rereview_list(&state.db, &scopes, None, 500).await?;
    render(&RereviewPage {
        layout: staff.layout("不予公开信息定期复审"),
        rows: rows(list, &names),
        today: deadlines::today().to_string(),
    })
}
