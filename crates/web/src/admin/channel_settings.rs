//! What administrators define for issue #5 (product.md C4, C5): channels (website columns and
//! WeChat official-account sections), upward syndication targets with their scoring rule, and
//! which organisations are grassroots units submitting to their parent.
//!
//! **Rules.** Channels and targets belong to no single organisation, so they need
//! `ManageSettings` (deployment-wide: the system administrator at a root of the tree). A
//! grassroots registration decides who publishes a unit's items — its PARENT — so it needs
//! `ManageOrganisations` on the parent (whose subtree holds the unit). Every change goes through
//! the store function that validates it again and appends the audit record in the same
//! transaction (`channels::put`, `syndication::put_target`, `grassroots::set_unit`); errors
//! re-render the form with the message by the field (400), success redirects (303).

use crate::AppState;
use crate::error::{AppError, AppResult};
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
use gongkai_store::channels::{self, Channel, ChannelInput, Kind as ChannelKind};
use gongkai_store::syndication::{self, Target, TargetInput};
use gongkai_store::{grassroots, orgs};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/channels/new", get(show_new_channel))
        .route("/channels", post(create_channel))
        .route("/channels/{id}/edit", get(show_edit_channel))
        .route("/channels/{id}", post(update_channel))
        .route(
            "/syndication/targets",
            get(list_targets).post(create_target),
        )
        .route("/syndication/targets/new", get(show_new_target))
        .route("/syndication/targets/{id}/edit", get(show_edit_target))
        .route("/syndication/targets/{id}", post(update_target))
        .route("/grassroots/units", get(list_units).post(set_unit))
}

type Errors = Vec<(&'static str, String)>;

fn error_for<'a>(errors: &'a Errors, field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
}

/// Adds `(field, message)` unless the field already has a message (the first one is the most
/// useful: "须为整数" before a range check of the placeholder value).
fn push(errors: &mut Errors, field: &'static str, message: String) {
    if !errors.iter().any(|(f, _)| *f == field) {
        errors.push((field, message));
    }
}

/// An optional integer field ("" = `default`).
fn int_field(
    errors: &mut Errors,
    field: &'static str,
    value: &str,
    default: i64,
    message: &str,
) -> i64 {
    match value.trim() {
        "" => default,
        s => s.parse::<i64>().unwrap_or_else(|_| {
            push(errors, field, message.to_string());
            default
        }),
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: String,
}

// --- channels ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/channel_form.html")]
struct ChannelFormPage {
    layout: Layout,
    id: Option<i64>,
    form: ChannelForm,
    kinds: Vec<(&'static str, &'static str)>,
    errors: Errors,
}

impl ChannelFormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/channels/{id}"),
            None => "/admin/channels".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct ChannelForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    active: Option<String>,
}

impl ChannelForm {
    fn from_channel(c: &Channel) -> ChannelForm {
        ChannelForm {
            kind: c.kind.clone(),
            code: c.code.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            sort_order: c.sort_order.to_string(),
            active: c.active.then(|| "1".into()),
        }
    }

    fn parse(&self) -> (ChannelInput, Errors) {
        let mut errors = Vec::new();
        let kind = ChannelKind::from_code(self.kind.trim());
        if kind.is_none() {
            push(
                &mut errors,
                "kind",
                "请选择渠道类型：网站栏目或微信公众号板块".into(),
            );
        }
        let sort_order = int_field(
            &mut errors,
            "sort_order",
            &self.sort_order,
            100,
            "排序号须为整数，例如 10",
        );
        let input = ChannelInput {
            kind: kind.unwrap_or(ChannelKind::Website),
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            description: self.description.trim().to_string(),
            sort_order,
            active: self.active.is_some(),
        };
        for (f, m) in channels::validate(&input) {
            push(&mut errors, f, m);
        }
        (input, errors)
    }
}

fn channel_kinds() -> Vec<(&'static str, &'static str)> {
    ChannelKind::ALL
        .into_iter()
        .map(|k| (k.code(), k.label()))
        .collect()
}

/// The form for a new channel.
async fn show_new_channel(staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    render(&ChannelFormPage {
        layout: staff.layout("新建渠道"),
        id: None,
        form: ChannelForm {
            sort_order: "100".into(),
            active: Some("1".into()),
            ..Default::default()
        },
        kinds: channel_kinds(),
        errors: Vec::new(),
    })
}

/// The form for an existing channel.
async fn show_edit_channel(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let c = channels::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("渠道不存在"))?;
    render(&ChannelFormPage {
        layout: staff.layout(&format!("修改渠道：{}", c.name)),
        id: Some(id),
        form: ChannelForm::from_channel(&c),
        kinds: channel_kinds(),
        errors: Vec::new(),
    })
}

async fn save_channel(
    state: &AppState,
    staff: &Staff,
    id: Option<i64>,
    f: ChannelForm,
) -> AppResult<Response> {
    let (input, mut errors) = f.parse();
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match channels::put(&mut tx, &staff.actor(), id, &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/channels?saved=channel"));
            }
            Err(StoreError::Conflict(m)) => errors.push(("code", m)),
            Err(StoreError::Invalid(m)) => errors.push(("name", m)),
            Err(e) => return Err(e.into()),
        }
    }
    let title = if id.is_some() {
        "修改渠道"
    } else {
        "新建渠道"
    };
    render_with_status(
        &ChannelFormPage {
            layout: staff.layout(title),
            id,
            form: f,
            kinds: channel_kinds(),
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

/// Creates a channel.
async fn create_channel(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<ChannelForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    save_channel(&state, &staff, None, f).await
}

/// Saves a channel.
async fn update_channel(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<ChannelForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    if channels::get(&state.db, id).await?.is_none() {
        return Err(AppError::not_found("渠道不存在"));
    }
    save_channel(&state, &staff, Some(id), f).await
}

// --- syndication targets ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/syndication_targets.html")]
struct TargetsPage {
    layout: Layout,
    targets: Vec<Target>,
}

/// The targets with their scoring rules.
async fn list_targets(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let mut page = TargetsPage {
        layout: staff.layout("报送目标设置"),
        targets: syndication::targets(&state.db).await?,
    };
    if !q.saved.is_empty() {
        page.layout.flash = Some("报送目标已保存。".into());
    }
    render(&page)
}

#[derive(Template)]
#[template(path = "admin/syndication_target_form.html")]
struct TargetFormPage {
    layout: Layout,
    id: Option<i64>,
    form: TargetForm,
    errors: Errors,
}

impl TargetFormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/syndication/targets/{id}"),
            None => "/admin/syndication/targets".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct TargetForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    points_per_adopted: String,
    #[serde(default)]
    rule_note: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    active: Option<String>,
}

impl TargetForm {
    fn from_target(t: &Target) -> TargetForm {
        TargetForm {
            code: t.code.clone(),
            name: t.name.clone(),
            url: t.url.clone(),
            points_per_adopted: t.points_per_adopted.to_string(),
            rule_note: t.rule_note.clone(),
            sort_order: t.sort_order.to_string(),
            active: t.active.then(|| "1".into()),
        }
    }

    fn parse(&self) -> (TargetInput, Errors) {
        let mut errors = Vec::new();
        let points_per_adopted = match self.points_per_adopted.trim() {
            "" => {
                push(
                    &mut errors,
                    "points_per_adopted",
                    "请填写每条采用得分（不计分填 0）".into(),
                );
                0
            }
            s => s.parse::<i64>().unwrap_or_else(|_| {
                push(
                    &mut errors,
                    "points_per_adopted",
                    "每条采用得分须为 0 到 1000 之间的整数".into(),
                );
                0
            }),
        };
        let sort_order = int_field(
            &mut errors,
            "sort_order",
            &self.sort_order,
            100,
            "排序号须为整数，例如 10",
        );
        if self.rule_note.trim().chars().count() > 500 {
            push(
                &mut errors,
                "rule_note",
                "计分规则说明过长（最多 500 字）".into(),
            );
        }
        let input = TargetInput {
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            url: self.url.trim().to_string(),
            points_per_adopted,
            rule_note: self.rule_note.trim().to_string(),
            sort_order,
            active: self.active.is_some(),
        };
        for (f, m) in syndication::validate_target(&input) {
            push(&mut errors, f, m);
        }
        (input, errors)
    }
}

/// The form for a new target.
async fn show_new_target(staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    render(&TargetFormPage {
        layout: staff.layout("新建报送目标"),
        id: None,
        form: TargetForm {
            points_per_adopted: "0".into(),
            sort_order: "100".into(),
            active: Some("1".into()),
            ..Default::default()
        },
        errors: Vec::new(),
    })
}

/// The form for an existing target.
async fn show_edit_target(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let t = target(&state, id).await?;
    render(&TargetFormPage {
        layout: staff.layout(&format!("修改报送目标：{}", t.name)),
        id: Some(id),
        form: TargetForm::from_target(&t),
        errors: Vec::new(),
    })
}

async fn target(state: &AppState, id: i64) -> AppResult<Target> {
    syndication::targets(&state.db)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| AppError::not_found("报送目标不存在"))
}

async fn save_target(
    state: &AppState,
    staff: &Staff,
    id: Option<i64>,
    f: TargetForm,
) -> AppResult<Response> {
    let (input, mut errors) = f.parse();
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match syndication::put_target(&mut tx, &staff.actor(), id, &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/syndication/targets?saved=1"));
            }
            Err(StoreError::Conflict(m)) => errors.push(("code", m)),
            Err(StoreError::Invalid(m)) => errors.push(("name", m)),
            Err(e) => return Err(e.into()),
        }
    }
    let title = if id.is_some() {
        "修改报送目标"
    } else {
        "新建报送目标"
    };
    render_with_status(
        &TargetFormPage {
            layout: staff.layout(title),
            id,
            form: f,
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

/// Creates a target.
async fn create_target(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<TargetForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    save_target(&state, &staff, None, f).await
}

/// Saves a target (a new scoring rule applies to later adoptions only).
async fn update_target(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<TargetForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    target(&state, id).await?;
    save_target(&state, &staff, Some(id), f).await
}

// --- grassroots units -------------------------------------------------------------------------

struct UnitRow {
    org_id: i64,
    name: String,
    parent: String,
    active: bool,
    updated_by: String,
    updated_at: String,
    editable: bool,
}

#[derive(Template)]
#[template(path = "admin/grassroots_units.html")]
struct UnitsPage {
    layout: Layout,
    units: Vec<UnitRow>,
    /// Organisations that may be registered: (id, "name（上级：parent）").
    candidates: Vec<(i64, String)>,
    form: UnitForm,
    errors: Errors,
}

impl UnitsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct UnitForm {
    #[serde(default)]
    org_id: String,
    /// "1" registers (or re-activates), "0" deregisters.
    #[serde(default)]
    active: String,
}

/// May `staff` register or deregister `org` (an organisation with `parent`)?
fn may_register(staff: &Staff, parent: Option<i64>) -> bool {
    parent.is_some_and(|p| staff.can(Action::ManageOrganisations, Some(p)))
}

async fn units_page(
    state: &AppState,
    staff: &Staff,
    form: UnitForm,
    errors: Errors,
) -> AppResult<UnitsPage> {
    let all = orgs::list(&state.db).await?;
    let name = |id: Option<i64>| {
        id.and_then(|id| all.iter().find(|o| o.id == id))
            .map(|o| o.full_name.clone())
            .unwrap_or_default()
    };
    let regs = grassroots::registrations(&state.db).await?;
    let units = regs
        .iter()
        .filter(|r| {
            staff.can(Action::ManageOrganisations, Some(r.org_id))
                || may_register(staff, r.parent_id)
        })
        .map(|r| UnitRow {
            org_id: r.org_id,
            name: name(Some(r.org_id)),
            parent: name(r.parent_id),
            active: r.active,
            updated_by: r.updated_by.clone(),
            updated_at: cst(r.updated_at),
            editable: may_register(staff, r.parent_id),
        })
        .collect();
    let candidates = all
        .iter()
        .filter(|o| may_register(staff, o.parent_id))
        .filter(|o| !regs.iter().any(|r| r.org_id == o.id && r.active))
        .map(|o| {
            (
                o.id,
                format!("{}（上级：{}）", o.full_name, name(o.parent_id)),
            )
        })
        .collect();
    Ok(UnitsPage {
        layout: staff.layout("基层报送单位"),
        units,
        candidates,
        form,
        errors,
    })
}

/// The registered grassroots units with their parents, and the form to register one.
async fn list_units(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageOrganisations, None)?;
    let mut page = units_page(&state, &staff, UnitForm::default(), Vec::new()).await?;
    page.layout.flash = match q.saved.as_str() {
        "on" => {
            Some("已登记为基层报送单位：该单位审批通过的信息将进入上级单位的待发布队列。".into())
        }
        "off" => Some("已停用：该单位此后审批通过的信息由其自行发布。".into()),
        _ => None,
    };
    render(&page)
}

/// Registers (`active=1`) or deregisters (`active=0`) a grassroots unit.
async fn set_unit(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<UnitForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageOrganisations, None)?;
    let mut errors = Vec::new();
    let active = match f.active.trim() {
        "1" => Some(true),
        "0" => Some(false),
        _ => {
            errors.push(("active", "请选择登记或停用".to_string()));
            None
        }
    };
    let org = match f.org_id.trim() {
        "" => {
            errors.push(("org_id", "请选择要登记的机构".to_string()));
            None
        }
        s => match s.parse::<i64>() {
            Ok(id) => match orgs::get(&state.db, id).await? {
                Some(o) if o.parent_id.is_none() => {
                    errors.push((
                        "org_id",
                        format!(
                            "{}是顶级机构，没有上级单位，不能设为基层报送单位",
                            o.full_name
                        ),
                    ));
                    None
                }
                Some(o) if !may_register(&staff, o.parent_id) => {
                    errors.push((
                        "org_id",
                        format!(
                            "您无权管理{}的上级单位，不能变更其基层报送登记",
                            o.full_name
                        ),
                    ));
                    None
                }
                Some(o) => Some(o),
                None => {
                    errors.push(("org_id", "所选机构不存在".to_string()));
                    None
                }
            },
            Err(_) => {
                errors.push(("org_id", "请从列表中选择机构".to_string()));
                None
            }
        },
    };
    if let (Some(org), Some(active)) = (org, active) {
        let mut tx = state.db.begin().await?;
        match grassroots::set_unit(&mut tx, &staff.actor(), org.id, active).await {
            Ok(()) => {
                tx.commit().await?;
                let saved = if active { "on" } else { "off" };
                return Ok(see_other(&format!("/admin/grassroots/units?saved={saved}")));
            }
            Err(StoreError::Invalid(m) | StoreError::NotFound(m)) => errors.push(("org_id", m)),
            Err(e) => return Err(e.into()),
        }
    }
    let page = units_page(&state, &staff, f, errors).await?;
    render_with_status(&page, StatusCode::BAD_REQUEST)
}
