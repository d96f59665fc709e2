//! 机构管理: the organisation tree (product.md C1). Viewing needs `ViewOrganisations`; creating
//! and editing need `ManageOrganisations` on the organisation itself and on its (new) parent, so an
//! administrator scoped to a county can only work inside that county. A new top-level
//! organisation needs a grant scoped at a root of the tree (on a platform of several sites, at
//! the platform root: a site's administrators stay inside their site, issue #14). The list shows
//! the sites the staff member's grants reach.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_core::auth::Action;
use gongkai_core::org::OrgKind;
use gongkai_store::StoreError;
use gongkai_store::orgs::{self, Org, OrgInput};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(list_orgs).post(create_org))
        .route("/orgs/new", get(show_new_org))
        .route("/orgs/{id}", post(update_org))
        .route("/orgs/{id}/edit", get(show_edit_org))
}

/// One row of the indented tree.
struct OrgRow {
    org: Org,
    depth: usize,
    editable: bool,
}

impl OrgRow {
    /// Full-width spaces before the name show the depth (inline styles are refused by the CSP).
    fn indent(&self) -> String {
        "　　".repeat(self.depth)
    }
}

/// Orders `orgs` depth-first (children after their parent, by `sort_order`), with depths.
pub(super) fn tree_order(orgs: &[Org]) -> Vec<(Org, usize)> {
    fn walk(orgs: &[Org], parent: Option<i64>, depth: usize, out: &mut Vec<(Org, usize)>) {
        // `orgs` arrive sorted by (sort_order, id); a bound on depth guards against bad data.
        if depth > 64 {
            return;
        }
        for o in orgs.iter().filter(|o| o.parent_id == parent) {
            out.push((o.clone(), depth));
            walk(orgs, Some(o.id), depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(orgs.len());
    walk(orgs, None, 0, &mut out);
    // Orphans (a parent that no longer exists) are listed at the end rather than hidden.
    for o in orgs {
        if !out.iter().any(|(x, _)| x.id == o.id) {
            out.push((o.clone(), 0));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "admin/orgs.html")]
struct OrgsPage {
    layout: Layout,
    rows: Vec<OrgRow>,
    can_create: bool,
    /// 站点设置, for the administrator of a configured site (issue #14).
    site_href: Option<String>,
}

/// 机构管理: the whole tree, indented, with kind labels.
async fn list_orgs(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    staff.require(Action::ViewOrganisations, None)?;
    let all: Vec<Org> = orgs::list(&state.db)
        .await?
        .into_iter()
        .filter(|o| staff.sees_site_of(o.id))
        .collect();
    let rows = tree_order(&all)
        .into_iter()
        .map(|(org, depth)| OrgRow {
            editable: staff.can(Action::ManageOrganisations, Some(org.id)),
            org,
            depth,
        })
        .collect();
    let mut layout = staff.layout("机构管理");
    if q.saved.is_some() {
        layout.flash = Some("机构信息已保存。".into());
    }
    let site_href = gongkai_store::sites::list(&state.db)
        .await?
        .iter()
        .find(|s| staff.can(Action::ManageOrganisations, Some(s.root_org_id)))
        .map(|s| format!("/admin/sites/{}/edit", s.id));
    render(&OrgsPage {
        layout,
        rows,
        can_create: staff.can(Action::ManageOrganisations, None),
        site_href,
    })
}

#[derive(Deserialize)]
struct ListQuery {
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/org_form.html")]
struct OrgFormPage {
    layout: Layout,
    /// `None` for a new organisation.
    id: Option<i64>,
    form: OrgForm,
    parents: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: Vec<(&'static str, String)>,
}

impl OrgFormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/orgs/{id}"),
            None => "/admin/orgs".to_string(),
        }
    }

    fn parent_selected(&self, id: &i64) -> bool {
        self.form.parent_id == id.to_string()
    }
}

/// The form as submitted (strings, so that bad input can be shown back unchanged).
#[derive(Debug, Clone, Default, Deserialize)]
struct OrgForm {
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    fax: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    office_hours: String,
}

impl OrgForm {
    fn from_org(o: &Org) -> OrgForm {
        OrgForm {
            parent_id: o.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            kind: o.kind.clone(),
            code: o.code.clone(),
            full_name: o.full_name.clone(),
            short_name: o.short_name.clone(),
            sort_order: o.sort_order.to_string(),
            address: o.address.clone(),
            postcode: o.postcode.clone(),
            phone: o.phone.clone(),
            fax: o.fax.clone(),
            email: o.email.clone(),
            website: o.website.clone(),
            office_hours: o.office_hours.clone(),
        }
    }

    /// Parses the form into store input plus field errors (store validation included).
    fn parse(&self, staff: &Staff) -> (OrgInput, Vec<(&'static str, String)>) {
        let mut errors = Vec::new();
        let parent_id = match self.parent_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(("parent_id", "请从列表中选择上级机构".to_string()));
                    None
                }
            },
        };
        let sort_order = match self.sort_order.trim() {
            "" => 0,
            s => s.parse::<i64>().unwrap_or_else(|_| {
                errors.push(("sort_order", "排序号须为整数".to_string()));
                0
            }),
        };
        let input = OrgInput {
            parent_id,
            kind: self.kind.trim().to_string(),
            code: self.code.trim().to_string(),
            full_name: self.full_name.trim().to_string(),
            short_name: self.short_name.trim().to_string(),
            sort_order,
            address: self.address.trim().to_string(),
            postcode: self.postcode.trim().to_string(),
            phone: self.phone.trim().to_string(),
            fax: self.fax.trim().to_string(),
            email: self.email.trim().to_string(),
            website: self.website.trim().to_string(),
            office_hours: self.office_hours.trim().to_string(),
        };
        let postcode_ok = input.postcode.is_empty()
            || (input.postcode.len() == 6 && input.postcode.chars().all(|c| c.is_ascii_digit()));
        if !postcode_ok {
            errors.push(("postcode", "邮政编码须为 6 位数字".to_string()));
        }
        errors.extend(orgs::validate(&input));
        // Where the organisation goes must be inside the staff member's scope (a new root needs a
        // root-scoped grant).
        match parent_id {
            Some(p) if !staff.can(Action::ManageOrganisations, Some(p)) => {
                errors.push(("parent_id", "您无权在所选上级机构下管理机构".to_string()));
            }
            None if !manages_a_root(staff) => {
                errors.push(("parent_id", "请选择上级机构".to_string()));
            }
            _ => {}
        }
        (input, errors)
    }
}

/// True when the staff member manages organisations from a root of the tree (the platform root
/// on a platform of several sites).
fn manages_a_root(staff: &Staff) -> bool {
    let roots = staff.tree.deployment_roots();
    staff
        .scopes(Action::ManageOrganisations)
        .iter()
        .any(|s| roots.contains(s))
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    OrgKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
}

/// The organisations the staff member may put an organisation under (never `exclude`'s subtree).
async fn parent_options(
    state: &AppState,
    staff: &Staff,
    exclude: Option<i64>,
) -> AppResult<Vec<(i64, String)>> {
    let all = orgs::list(&state.db).await?;
    Ok(tree_order(&all)
        .into_iter()
        .filter(|(o, _)| staff.can(Action::ManageOrganisations, Some(o.id)))
        .filter(|(o, _)| exclude.is_none_or(|x| !staff.tree.is_within(o.id, x)))
        .map(|(o, depth)| (o.id, format!("{}{}", "　".repeat(depth), o.full_name)))
        .collect())
}

#[derive(Deserialize)]
struct NewQuery {
    parent: Option<i64>,
}

/// The form for a new organisation.
async fn show_new_org(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageOrganisations, None)?;
    let parents = parent_options(&state, &staff, None).await?;
    let parent_id = q
        .parent
        .or_else(|| parents.first().map(|(id, _)| *id))
        .map(|p| p.to_string())
        .unwrap_or_default();
    render(&OrgFormPage {
        layout: staff.layout("新建机构"),
        id: None,
        form: OrgForm {
            parent_id,
            ..Default::default()
        },
        parents,
        kinds: kinds(),
        errors: Vec::new(),
    })
}

/// Maps a store error to a field error on the form, or passes it on.
fn field_error(e: StoreError) -> Result<(&'static str, String), AppError> {
    match e {
        StoreError::Conflict(m) => Ok(("code", m)),
        StoreError::Invalid(m) if m.contains("上级机构") => Ok(("parent_id", m)),
        other => Err(other.into()),
    }
}

/// Creates an organisation (audited by the store in the same transaction).
async fn create_org(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageOrganisations, None)?;
    let (input, mut errors) = form.parse(&staff);
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match orgs::create(&mut tx, &staff.actor(), &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/orgs?saved=1"));
            }
            Err(e) => errors.push(field_error(e)?),
        }
    }
    render_with_status(
        &OrgFormPage {
            layout: staff.layout("新建机构"),
            id: None,
            parents: parent_options(&state, &staff, None).await?,
            form,
            kinds: kinds(),
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

async fn load_org(state: &AppState, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("该机构不存在。"))
}

/// The edit form of one organisation.
async fn show_edit_org(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let org = load_org(&state, id).await?;
    staff.require(Action::ManageOrganisations, Some(org.id))?;
    render(&OrgFormPage {
        layout: staff.layout(&format!("编辑机构：{}", org.full_name)),
        id: Some(org.id),
        form: OrgForm::from_org(&org),
        parents: parent_options(&state, &staff, Some(org.id)).await?,
        kinds: kinds(),
        errors: Vec::new(),
    })
}

/// Saves an edited organisation (audited with before and after).
async fn update_org(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    let org = load_org(&state, id).await?;
    staff.require(Action::ManageOrganisations, Some(org.id))?;
    let (input, mut errors) = form.parse(&staff);
    // A root stays a root only for a root-scoped administrator (checked in `parse`); moving it
    // is refused by the store when it would create a cycle.
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match orgs::update(&mut tx, &staff.actor(), org.id, &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/orgs?saved=1"));
            }
            Err(e) => errors.push(field_error(e)?),
        }
    }
    render_with_status(
        &OrgFormPage {
            layout: staff.layout(&format!("编辑机构：{}", org.full_name)),
            id: Some(org.id),
            parents: parent_options(&state, &staff, Some(org.id)).await?,
            form,
            kinds: kinds(),
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, parent: Option<i64>, order: i64) -> Org {
        Org {
            id,
            parent_id: parent,
            kind: "county".into(),
            code: format!("c{id}"),
            full_name: format!("机构{id}"),
            short_name: format!("机构{id}"),
            sort_order: order,
            address: String::new(),
            postcode: String::new(),
            phone: String::new(),
            fax: String::new(),
            email: String::new(),
            website: String::new(),
            office_hours: String::new(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn tree_order_puts_children_after_parents_with_depth() {
        // Sorted as the store returns them: by sort_order.
        let orgs = vec![
            org(1, None, 0),
            org(4, Some(2), 1),
            org(2, Some(1), 2),
            org(3, Some(1), 3),
            org(9, Some(99), 4),
        ];
        let ordered: Vec<(i64, usize)> = tree_order(&orgs)
            .into_iter()
            .map(|(o, d)| (o.id, d))
            .collect();
        assert_eq!(ordered, vec![(1, 0), (2, 1), (4, 2), (3, 1), (9, 0)]);
    }
}
