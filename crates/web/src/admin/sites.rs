//! 站点管理 (政府网站集约化, issue #14): the sites of a consolidated platform.
//!
//! - The platform administrator (`ManageSites`) creates sites — over an existing top-level
//!   organisation, or over a new one created in the same transaction — and edits every field,
//!   host names and path code included.
//! - A site's system administrator (`ManageOrganisations` over the site's body) edits the
//!   presentation of their own site only: name, logo, footer, 备案 numbers, 索引号 template and
//!   vocabulary overrides; code, body and host names stay the platform's.
//! - Everything is audited by the store in the request's transaction.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::multipart;
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_core::auth::Action;
use gongkai_core::items::VocabKind;
use gongkai_core::org::OrgKind;
use gongkai_store::StoreError;
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::sites::{self, SiteInput, SiteWithHosts, VocabOverrides};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sites", get(list_sites).post(create_site))
        .route("/sites/new", get(show_new_site))
        .route("/sites/{id}", post(update_site))
        .route("/sites/{id}/edit", get(show_edit_site))
        .route("/sites/{id}/logo", post(upload_logo))
}

/// Largest logo accepted.
const MAX_LOGO_BYTES: usize = 512 * 1024;

/// The platform administrator may do everything here.
fn is_platform(staff: &Staff) -> bool {
    staff.can(Action::ManageSites, None)
}

/// May the staff member edit this site (the platform, or the site's own administrator)?
fn may_edit(staff: &Staff, site: &sites::Site) -> bool {
    is_platform(staff) || staff.can(Action::ManageOrganisations, Some(site.root_org_id))
}

struct Row {
    site: SiteWithHosts,
    body: String,
    editable: bool,
}

#[derive(Template)]
#[template(path = "admin/sites.html")]
struct SitesPage {
    layout: Layout,
    rows: Vec<Row>,
    can_create: bool,
}

#[derive(Debug, Default, Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// 站点管理: every site for the platform administrator, one's own site for a site's
/// administrator (403 when there is nothing to manage).
async fn list_sites(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let orgs = orgs::list(&state.db).await?;
    let rows: Vec<Row> = sites::list_with_hosts(&state.db)
        .await?
        .into_iter()
        .filter(|s| may_edit(&staff, &s.site))
        .map(|site| Row {
            body: orgs
                .iter()
                .find(|o| o.id == site.site.root_org_id)
                .map(|o| o.full_name.clone())
                .unwrap_or_default(),
            editable: true,
            site,
        })
        .collect();
    if rows.is_empty() && !is_platform(&staff) {
        return Err(AppError::forbidden());
    }
    let mut layout = staff.layout("站点管理");
    if q.saved == "1" {
        layout.flash = Some("站点已保存。".into());
    }
    render(&SitesPage {
        layout,
        rows,
        can_create: is_platform(&staff),
    })
}

/// The form as submitted (strings, so bad input is shown back unchanged).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct SiteForm {
    code: String,
    /// An existing top-level organisation's id, or `new` for a new body.
    root: String,
    new_org_code: String,
    new_org_name: String,
    name: String,
    footer: String,
    icp_number: String,
    psb_number: String,
    index_template: String,
    vocab_catalog: String,
    vocab_topic: String,
    vocab_genre: String,
    /// One host name a line.
    hosts: String,
}

impl SiteForm {
    fn of(s: &SiteWithHosts) -> SiteForm {
        let v = s.site.vocab();
        SiteForm {
            code: s.site.code.clone(),
            root: s.site.root_org_id.to_string(),
            new_org_code: String::new(),
            new_org_name: String::new(),
            name: s.site.name.clone(),
            footer: s.site.footer.clone(),
            icp_number: s.site.icp_number.clone(),
            psb_number: s.site.psb_number.clone(),
            index_template: s.site.index_template.clone().unwrap_or_default(),
            vocab_catalog: v.lines(VocabKind::Catalog),
            vocab_topic: v.lines(VocabKind::Topic),
            vocab_genre: v.lines(VocabKind::Genre),
            hosts: s.hosts.join("\n"),
        }
    }

    fn input(&self, root_org_id: i64) -> SiteInput {
        SiteInput {
            code: self.code.trim().to_string(),
            root_org_id,
            name: self.name.trim().to_string(),
            footer: self.footer.trim().to_string(),
            icp_number: self.icp_number.trim().to_string(),
            psb_number: self.psb_number.trim().to_string(),
            index_template: self.index_template.trim().to_string(),
            vocab: VocabOverrides {
                catalog: VocabOverrides::parse_lines(&self.vocab_catalog),
                topic: VocabOverrides::parse_lines(&self.vocab_topic),
                genre: VocabOverrides::parse_lines(&self.vocab_genre),
            },
            hosts: self
                .hosts
                .split(|c: char| c == '\n' || c == ',' || c.is_whitespace())
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/site_form.html")]
struct SiteFormPage {
    layout: Layout,
    /// `None` for a new site.
    site: Option<SiteWithHosts>,
    form: SiteForm,
    /// The platform administrator edits code, body and host names too.
    platform: bool,
    /// Top-level organisations that are no site's body yet: (id, name).
    bodies: Vec<(i64, String)>,
    errors: Vec<(&'static str, String)>,
}

impl SiteFormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn action(&self) -> String {
        match &self.site {
            Some(s) => format!("/admin/sites/{}", s.site.id),
            None => "/admin/sites".to_string(),
        }
    }

    fn root_selected(&self, id: &i64) -> bool {
        self.form.root == id.to_string()
    }

    fn logo_action(&self) -> String {
        match &self.site {
            Some(s) => format!("/admin/sites/{}/logo?csrf={}", s.site.id, self.layout.csrf),
            None => String::new(),
        }
    }

    fn portal_href(&self) -> String {
        match &self.site {
            Some(s) => format!("{}{}/", sites::PATH_PREFIX, s.site.code),
            None => String::new(),
        }
    }
}

/// Top-level organisations without a site.
async fn free_bodies(state: &AppState) -> AppResult<Vec<(i64, String)>> {
    let taken: Vec<i64> = sites::list(&state.db)
        .await?
        .into_iter()
        .map(|s| s.root_org_id)
        .collect();
    Ok(orgs::list(&state.db)
        .await?
        .into_iter()
        .filter(|o| o.parent_id.is_none() && !taken.contains(&o.id))
        .map(|o| (o.id, o.full_name))
        .collect())
}

async fn show_new_site(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageSites, None)?;
    render(&SiteFormPage {
        layout: staff.layout("新建站点"),
        site: None,
        form: SiteForm {
            root: "new".into(),
            ..Default::default()
        },
        platform: true,
        bodies: free_bodies(&state).await?,
        errors: Vec::new(),
    })
}

/// Maps a store error to a field of the form, or passes it on.
fn field_error(e: StoreError) -> Result<(&'static str, String), AppError> {
    match e {
        StoreError::Conflict(m) if m.contains("域名") => Ok(("hosts", m)),
        StoreError::Conflict(m) if m.contains("机构代码") => Ok(("new_org_code", m)),
        StoreError::Conflict(m) => Ok(("code", m)),
        StoreError::Invalid(m) if m.contains("索引号") => Ok(("index_template", m)),
        StoreError::Invalid(m) if m.contains("分类") || m.contains("目录") => {
            Ok(("vocab_catalog", m))
        }
        StoreError::Invalid(m) if m.contains("机构") => Ok(("root", m)),
        StoreError::Invalid(m) => Ok(("name", m)),
        other => Err(other.into()),
    }
}

/// A new body for a new site: a top-level organisation of kind 本级机关, sorted after the
/// existing ones (the platform's own body stays the first).
async fn new_body(state: &AppState, form: &SiteForm) -> AppResult<OrgInput> {
    let last = orgs::list(&state.db)
        .await?
        .iter()
        .map(|o| o.sort_order)
        .max()
        .unwrap_or(0);
    let name = form.new_org_name.trim().to_string();
    Ok(OrgInput {
        parent_id: None,
        kind: OrgKind::Body.code().to_string(),
        code: form.new_org_code.trim().to_string(),
        short_name: name.clone(),
        full_name: name,
        sort_order: last + 10,
        ..Default::default()
    })
}

/// Creates a site (and its new body, when asked) in one transaction.
async fn create_site(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<SiteForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageSites, None)?;
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let new_org = if form.root == "new" {
        let input = new_body(&state, &form).await?;
        for (field, msg) in orgs::validate(&input) {
            errors.push(match field {
                "code" => ("new_org_code", msg),
                _ => ("new_org_name", msg),
            });
        }
        Some(input)
    } else {
        None
    };
    let free = free_bodies(&state).await?;
    let root = match (&new_org, form.root.trim().parse::<i64>()) {
        (Some(_), _) => Some(0),
        (None, Ok(id)) if free.iter().any(|(b, _)| *b == id) => Some(id),
        _ => {
            errors.push(("root", "请选择站点的本级机构".to_string()));
            None
        }
    };
    let check = form.input(root.unwrap_or(0));
    errors.extend(sites::validate(&check));
    if errors.is_empty()
        && let Some(root) = root
    {
        let mut tx = state.db.begin().await?;
        let root = match &new_org {
            Some(input) => match orgs::create(&mut tx, &staff.actor(), input).await {
                Ok(o) => Some(o.id),
                Err(e) => {
                    errors.push(match field_error(e)? {
                        ("code", m) => ("new_org_code", m),
                        other => other,
                    });
                    None
                }
            },
            None => Some(root),
        };
        if let Some(root) = root {
            match sites::create(&mut tx, &staff.actor(), &form.input(root)).await {
                Ok(_) => {
                    tx.commit().await?;
                    return Ok(see_other("/admin/sites?saved=1"));
                }
                Err(e) => errors.push(field_error(e)?),
            }
        }
    }
    render_with_status(
        &SiteFormPage {
            layout: staff.layout("新建站点"),
            site: None,
            form,
            platform: true,
            bodies: free_bodies(&state).await?,
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

/// A site the staff member may edit (404 when unknown, 403 when another site's).
async fn load_site(state: &AppState, staff: &Staff, id: i64) -> AppResult<SiteWithHosts> {
    let s = sites::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("该站点不存在。"))?;
    if !may_edit(staff, &s.site) {
        return Err(AppError::forbidden());
    }
    Ok(s)
}

async fn body_of(state: &AppState, s: &SiteWithHosts) -> AppResult<Vec<(i64, String)>> {
    let mut bodies = free_bodies(state).await?;
    if let Some(o) = orgs::get(&state.db, s.site.root_org_id).await? {
        bodies.insert(0, (o.id, o.full_name));
    }
    Ok(bodies)
}

async fn show_edit_site(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let s = load_site(&state, &staff, id).await?;
    let mut layout = staff.layout(&format!("站点设置：{}", s.site.name));
    if q.saved == "1" {
        layout.flash = Some("站点标志已保存。".into());
    }
    render(&SiteFormPage {
        layout,
        form: SiteForm::of(&s),
        platform: is_platform(&staff),
        bodies: body_of(&state, &s).await?,
        site: Some(s),
        errors: Vec::new(),
    })
}

/// Saves a site. A site's own administrator cannot change its code, body or host names: those
/// fields keep their stored values whatever the form says.
async fn update_site(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(mut form): Form<SiteForm>,
) -> AppResult<Response> {
    let s = load_site(&state, &staff, id).await?;
    let platform = is_platform(&staff);
    if !platform {
        let stored = SiteForm::of(&s);
        form.code = stored.code;
        form.root = stored.root;
        form.hosts = stored.hosts;
    }
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let bodies = body_of(&state, &s).await?;
    let root = match form.root.trim().parse::<i64>() {
        Ok(id) if bodies.iter().any(|(b, _)| *b == id) => Some(id),
        _ => {
            errors.push(("root", "请选择站点的本级机构".to_string()));
            None
        }
    };
    let input = form.input(root.unwrap_or(0));
    errors.extend(sites::validate(&input));
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match sites::update(&mut tx, &staff.actor(), id, &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/sites?saved=1"));
            }
            Err(e) => errors.push(field_error(e)?),
        }
    }
    render_with_status(
        &SiteFormPage {
            layout: staff.layout(&format!("站点设置：{}", s.site.name)),
            form,
            platform,
            bodies,
            site: Some(s),
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LogoForm {
    /// `remove` to take the logo away.
    remove: String,
}

/// Uploads (or removes) a site's logo: PNG, JPEG, GIF or WebP, checked by content and stored
/// content-addressed under the data folder like attachments.
async fn upload_logo(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let s = load_site(&state, &staff, id).await?;
    let (form, files): (LogoForm, _) =
        multipart::form_with_files(&headers, body, MAX_LOGO_BYTES + 64 * 1024).await?;
    let file = files
        .into_iter()
        .find(|p| p.name == "logo" && !p.data.is_empty());
    let stored = match (form.remove == "1", file) {
        (true, _) => None,
        (false, Some(f)) => {
            if f.data.len() > MAX_LOGO_BYTES {
                return Err(AppError::bad_request(format!(
                    "站点标志图片不能超过 {} KB。",
                    MAX_LOGO_BYTES / 1024
                )));
            }
            let data_dir = state.config.data_dir.clone();
            let name = f.filename.clone().unwrap_or_else(|| "logo".into());
            let stored = tokio::task::spawn_blocking(move || {
                gongkai_store::attachments::store_file(
                    &data_dir,
                    &f.data,
                    &name,
                    &gongkai_store::attachments::Limits::default(),
                )
            })
            .await
            .map_err(AppError::internal)?
            .map_err(|e| AppError::bad_request(e.to_string()))?;
            if !stored.kind.is_image() {
                return Err(AppError::bad_request(
                    "站点标志须为 PNG、JPEG、GIF 或 WebP 图片。",
                ));
            }
            Some(stored)
        }
        (false, None) => {
            return Err(AppError::bad_request("请选择要上传的标志图片。"));
        }
    };
    let mut tx = state.db.begin().await?;
    sites::set_logo(&mut tx, &staff.actor(), s.site.id, stored.as_ref()).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/admin/sites/{}/edit?saved=1",
        s.site.id
    )))
}
