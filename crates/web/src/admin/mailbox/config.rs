//! 信箱与主题设置 (issue #7): boxes (name required?, reply period in working days, replies
//! published by default?) and the topic vocabulary. A box is managed by whoever holds
//! `ManageMailbox` on its organisation; the topic vocabulary is deployment-wide, so it needs
//! `ManageMailbox` at a root of the tree.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use gongkai_core::auth::Action;
use gongkai_core::mailbox::DEFAULT_REPLY_WORKDAYS;
use gongkai_store::StoreError;
use gongkai_store::mailbox::boxes::{self, BoxInput, MailBox, Topic, validate_box, validate_topic};
use gongkai_store::orgs;
use serde::Deserialize;

/// Topics are shared by every box (on a platform of several sites, by every site): the office
/// at the platform root keeps them.
fn manages_topics(staff: &Staff) -> bool {
    staff
        .tree
        .deployment_roots()
        .iter()
        .any(|r| staff.can(Action::ManageMailbox, Some(*r)))
}

#[derive(Template)]
#[template(path = "admin/mailbox_boxes.html")]
struct BoxesPage {
    layout: Layout,
    boxes: Vec<(MailBox, String, bool)>,
    topics: Vec<Topic>,
    can_topics: bool,
    topic_form: TopicForm,
    errors: Vec<(&'static str, String)>,
}

impl BoxesPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct TopicForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    active: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

async fn boxes_page(
    state: &AppState,
    staff: &Staff,
    topic_form: TopicForm,
    errors: Vec<(&'static str, String)>,
) -> AppResult<BoxesPage> {
    let names = super::org_names(&orgs::list(&state.db).await?);
    let boxes = boxes::list_boxes(&state.db)
        .await?
        .into_iter()
        .filter(|b| staff.can(Action::ManageMailbox, Some(b.org_id)))
        .map(|b| {
            let org = names.get(&b.org_id).cloned().unwrap_or_default();
            let editable = staff.can(Action::ManageMailbox, Some(b.org_id));
            (b, org, editable)
        })
        .collect();
    Ok(BoxesPage {
        layout: staff.layout("信箱与主题设置"),
        boxes,
        topics: boxes::list_topics(&state.db).await?,
        can_topics: manages_topics(staff),
        topic_form,
        errors,
    })
}

/// The boxes of the staff member's scope and the topic vocabulary.
pub(super) async fn list_boxes(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageMailbox, None)?;
    let mut page = boxes_page(&state, &staff, TopicForm::default(), Vec::new()).await?;
    if q.saved.is_some() {
        page.layout.flash = Some("设置已保存。".into());
    }
    render(&page)
}

/// Adds or edits a topic (same code = edit).
pub(super) async fn put_topic(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<TopicForm>,
) -> AppResult<Response> {
    if !manages_topics(&staff) {
        return Err(AppError::forbidden());
    }
    let mut errors = validate_topic(&f.code, &f.label);
    let sort_order = match f.sort_order.trim() {
        "" => 0,
        s => s.parse::<i64>().unwrap_or_else(|_| {
            errors.push(("sort_order", "排序号须为整数".to_string()));
            0
        }),
    };
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        boxes::put_topic(
            &mut tx,
            &staff.actor(),
            &f.code,
            &f.label,
            sort_order,
            f.active.is_some(),
        )
        .await?;
        tx.commit().await?;
        return Ok(see_other("/admin/mailbox/boxes?saved=1"));
    }
    let page = boxes_page(&state, &staff, f, errors).await?;
    render_with_status(&page, StatusCode::BAD_REQUEST)
}

#[derive(Template)]
#[template(path = "admin/mailbox_box_form.html")]
struct BoxFormPage {
    layout: Layout,
    id: Option<i64>,
    form: BoxForm,
    orgs: Vec<(i64, String)>,
    errors: Vec<(&'static str, String)>,
}

impl BoxFormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/mailbox/boxes/{id}"),
            None => "/admin/mailbox/boxes".to_string(),
        }
    }

    fn org_selected(&self, id: &i64) -> bool {
        self.form.org_id == id.to_string()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct BoxForm {
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    name_required: Option<String>,
    #[serde(default)]
    reply_workdays: String,
    #[serde(default)]
    publish_by_default: Option<String>,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    sort_order: String,
}

impl BoxForm {
    fn from_box(b: &MailBox) -> BoxForm {
        let on = |v: bool| v.then(|| "1".to_string());
        BoxForm {
            org_id: b.org_id.to_string(),
            code: b.code.clone(),
            name: b.name.clone(),
            intro: b.intro.clone(),
            name_required: on(b.name_required),
            reply_workdays: b.reply_workdays.to_string(),
            publish_by_default: on(b.publish_by_default),
            active: on(b.active),
            sort_order: b.sort_order.to_string(),
        }
    }

    fn parse(&self, staff: &Staff) -> (BoxInput, Vec<(&'static str, String)>) {
        let mut errors = Vec::new();
        let org_id = self.org_id.trim().parse::<i64>().unwrap_or(0);
        if org_id == 0 {
            errors.push(("org_id", "请选择信箱所属机构".to_string()));
        } else if !staff.can(Action::ManageMailbox, Some(org_id)) {
            errors.push(("org_id", "您无权管理所选机构的信箱".to_string()));
        }
        let reply_workdays = match self.reply_workdays.trim().parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                errors.push((
                    "reply_workdays",
                    "答复期限请填写工作日数，例如 10".to_string(),
                ));
                -1
            }
        };
        let sort_order = match self.sort_order.trim() {
            "" => 0,
            s => s.parse::<i64>().unwrap_or_else(|_| {
                errors.push(("sort_order", "排序号须为整数".to_string()));
                0
            }),
        };
        let input = BoxInput {
            org_id,
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            intro: self.intro.trim().to_string(),
            name_required: self.name_required.is_some(),
            reply_workdays,
            publish_by_default: self.publish_by_default.is_some(),
            active: self.active.is_some(),
            sort_order,
        };
        for (f, m) in validate_box(&input) {
            if !errors.iter().any(|(g, _)| *g == f) {
                errors.push((f, m));
            }
        }
        (input, errors)
    }
}

async fn box_orgs(state: &AppState, staff: &Staff) -> AppResult<Vec<(i64, String)>> {
    Ok(orgs::list(&state.db)
        .await?
        .into_iter()
        .filter(|o| staff.can(Action::ManageMailbox, Some(o.id)))
        .map(|o| (o.id, o.full_name))
        .collect())
}

/// The form for a new box.
pub(super) async fn show_new_box(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Response> {
    staff.require(Action::ManageMailbox, None)?;
    let orgs = box_orgs(&state, &staff).await?;
    render(&BoxFormPage {
        layout: staff.layout("新建信箱"),
        id: None,
        form: BoxForm {
            org_id: orgs
                .first()
                .map(|(id, _)| id.to_string())
                .unwrap_or_default(),
            reply_workdays: DEFAULT_REPLY_WORKDAYS.to_string(),
            active: Some("1".into()),
            ..Default::default()
        },
        orgs,
        errors: Vec::new(),
    })
}

/// The form for an existing box.
pub(super) async fn show_edit_box(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let b = boxes::get_box(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("信箱不存在"))?;
    staff.require(Action::ManageMailbox, Some(b.org_id))?;
    render(&BoxFormPage {
        layout: staff.layout(&format!("修改信箱：{}", b.name)),
        id: Some(id),
        form: BoxForm::from_box(&b),
        orgs: box_orgs(&state, &staff).await?,
        errors: Vec::new(),
    })
}

async fn save_box(
    state: &AppState,
    staff: &Staff,
    id: Option<i64>,
    f: BoxForm,
) -> AppResult<Response> {
    let (input, mut errors) = f.parse(staff);
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        let r = match id {
            Some(id) => boxes::update_box(&mut tx, &staff.actor(), id, &input).await,
            None => boxes::create_box(&mut tx, &staff.actor(), &input).await,
        };
        match r {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/mailbox/boxes?saved=1"));
            }
            Err(StoreError::Conflict(m)) => errors.push(("code", m)),
            Err(StoreError::Invalid(m)) => errors.push(("name", m)),
            Err(e) => return Err(e.into()),
        }
    }
    let title = if id.is_some() {
        "修改信箱"
    } else {
        "新建信箱"
    };
    render_with_status(
        &BoxFormPage {
            layout: staff.layout(title),
            id,
            form: f,
            orgs: box_orgs(state, staff).await?,
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

/// Creates a box.
pub(super) async fn create_box(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<BoxForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageMailbox, None)?;
    save_box(&state, &staff, None, f).await
}

/// Saves a box.
pub(super) async fn update_box(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<BoxForm>,
) -> AppResult<Response> {
    let b = boxes::get_box(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("信箱不存在"))?;
    staff.require(Action::ManageMailbox, Some(b.org_id))?;
    save_box(&state, &staff, Some(id), f).await
}
