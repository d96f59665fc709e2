//! The drafting editor (a plain form with every catalog field of REG §4.2 and a sanitised
//! rich-text area; it works without JavaScript), the amendment form and the 保密审查表 form
//! (REG §5.3). Bad input re-renders the form with the input kept and each message by its field.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use gongkai_core::auth::Action;
use gongkai_core::items::{Capabilities, Disclosure, ItemAction, VocabKind, transition};
use gongkai_store::StoreError;
use gongkai_store::items::registers::{self, VocabEntry};
use gongkai_store::items::review::{self, Conclusion, ConfidentialityForm};
use gongkai_store::items::{self, Content, Item, publish};
use serde::Deserialize;

use super::{load, state_label};
use crate::AppState;
use crate::api::items::{ItemError, ItemInput, validate};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;

/// The form as submitted (strings, so bad input comes back unchanged).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct ItemForm {
    org_id: String,
    title: String,
    summary: String,
    body_html: String,
    keywords: String,
    formed_on: String,
    signed_on: String,
    publisher_name: String,
    doc_number: String,
    topic_code: String,
    genre_code: String,
    catalog_code: String,
    disclosure: String,
    withhold_ground: String,
    /// Checkbox: "on" when ticked.
    classified: String,
}

impl ItemForm {
    fn from_item(item: &Item, content: &Content) -> ItemForm {
        ItemForm {
            org_id: item.org_id.to_string(),
            title: content.title.clone(),
            summary: content.summary.clone(),
            body_html: content.body_html.clone(),
            keywords: content.keywords.clone(),
            formed_on: item.formed_on.clone(),
            signed_on: item.signed_on.clone().unwrap_or_default(),
            publisher_name: item.publisher_name.clone(),
            doc_number: item.doc_number.clone(),
            topic_code: item.topic_code.clone(),
            genre_code: item.genre_code.clone(),
            catalog_code: item.catalog_code.clone(),
            disclosure: item.disclosure.clone(),
            withhold_ground: item.withhold_ground.clone(),
            classified: if item.classified {
                "on".into()
            } else {
                String::new()
            },
        }
    }

    fn input(&self, org_id: Option<i64>) -> ItemInput {
        ItemInput {
            org_id,
            title: self.title.clone(),
            summary: self.summary.clone(),
            body_html: self.body_html.clone(),
            keywords: self.keywords.clone(),
            formed_on: self.formed_on.clone(),
            signed_on: Some(self.signed_on.clone()),
            publisher_name: self.publisher_name.clone(),
            doc_number: self.doc_number.clone(),
            topic_code: self.topic_code.clone(),
            genre_code: self.genre_code.clone(),
            catalog_code: self.catalog_code.clone(),
            disclosure: Some(self.disclosure.clone()),
            withhold_ground: self.withhold_ground.clone(),
            classified: self.classified == "on",
        }
    }
}

/// Field errors in display order (the order of the form).
pub(super) type Errors = Vec<(String, String)>;

const FIELD_ORDER: &[&str] = &[
    "org_id",
    "title",
    "summary",
    "body_html",
    "keywords",
    "formed_on",
    "signed_on",
    "publisher_name",
    "doc_number",
    "catalog_code",
    "topic_code",
    "genre_code",
    "disclosure",
    "withhold_ground",
    "note",
];

fn ordered(fields: BTreeMap<String, String>) -> Errors {
    let mut out: Errors = Vec::new();
    for name in FIELD_ORDER {
        if let Some(m) = fields.get(*name) {
            out.push(((*name).to_string(), m.clone()));
        }
    }
    for (k, v) in fields {
        if !FIELD_ORDER.contains(&k.as_str()) {
            out.push((k, v));
        }
    }
    out
}

/// Which field a store message belongs to (the store speaks in messages, not fields).
fn store_field(message: &str) -> &'static str {
    if message.contains("标题") {
        "title"
    } else if message.contains("概述") {
        "summary"
    } else if message.contains("成文日期") {
        "signed_on"
    } else if message.contains("生成日期") {
        "formed_on"
    } else if message.contains("文号") {
        "doc_number"
    } else if message.contains("公开目录") {
        "catalog_code"
    } else if message.contains("主题分类") {
        "topic_code"
    } else if message.contains("体裁") {
        "genre_code"
    } else if message.contains("法律依据") {
        "withhold_ground"
    } else if message.contains("修订说明") {
        "note"
    } else {
        "title"
    }
}

/// A store error as a form error, or a page error for anything that is not about the input.
fn form_error(e: StoreError) -> AppResult<(String, String)> {
    match e {
        StoreError::Invalid(m) | StoreError::Conflict(m) => Ok((store_field(&m).to_string(), m)),
        other => Err(other.into()),
    }
}

fn item_errors(e: ItemError) -> AppResult<Errors> {
    match e {
        ItemError::Invalid { message, fields } => {
            if fields.is_empty() {
                Ok(vec![(store_field(&message).to_string(), message)])
            } else {
                Ok(ordered(fields))
            }
        }
        ItemError::App(a) => Err(a),
    }
}

#[derive(Template)]
#[template(path = "admin/items/form.html")]
struct FormPage {
    layout: Layout,
    /// `None` for a new item.
    id: Option<i64>,
    form: ItemForm,
    orgs: Vec<(i64, String)>,
    catalogs: Vec<VocabEntry>,
    topics: Vec<VocabEntry>,
    genres: Vec<VocabEntry>,
    disclosures: Vec<(&'static str, &'static str)>,
    errors: Errors,
    /// Shown when saving will void the reviews (REG §5.4).
    invalidation_warning: bool,
    /// Editing an amendment: the catalog fields are fixed.
    amendment: bool,
}

impl FormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/items/{id}"),
            None => "/admin/items".to_string(),
        }
    }
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    id: Option<i64>,
    form: ItemForm,
    errors: Errors,
    item: Option<&Item>,
) -> AppResult<FormPage> {
    let db = &state.db;
    let names = super::org_names(state).await?;
    let orgs = names
        .into_iter()
        .filter(|(oid, _)| staff.can(Action::DraftItem, Some(*oid)))
        .collect();
    let title = match item {
        Some(_) => "修改信息",
        None => "起草新信息",
    };
    let (invalidation_warning, amendment) = match item {
        Some(i) => (
            i.state().map(|s| s.has_reviews()).unwrap_or(false),
            i.published_revision_id.is_some(),
        ),
        None => (false, false),
    };
    // The vocabularies as the drafter's site uses them (its overrides, issue #14).
    let own = gongkai_store::sites::of_org(db, staff.user.org_id)
        .await?
        .map(|s| s.vocab())
        .unwrap_or_default();
    let (c, t, g) = (VocabKind::Catalog, VocabKind::Topic, VocabKind::Genre);
    let offered = |kind, list| {
        own.apply(kind, list)
            .into_iter()
            .filter(|e| e.active)
            .collect::<Vec<_>>()
    };
    Ok(FormPage {
        layout: staff.layout(title),
        id,
        form,
        orgs,
        catalogs: offered(c, registers::vocab_list(db, c, true).await?),
        topics: offered(t, registers::vocab_list(db, t, true).await?),
        genres: offered(g, registers::vocab_list(db, g, true).await?),
        disclosures: Disclosure::ALL
            .iter()
            .map(|d| (d.code(), d.label()))
            .collect(),
        errors,
        invalidation_warning,
        amendment,
    })
}

/// 起草新信息: the empty form (生成日期 today, 主动公开).
pub(super) async fn show_new(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::DraftItem, None)?;
    let form = ItemForm {
        org_id: staff.user.org_id.to_string(),
        formed_on: gongkai_store::deadlines::today().to_string(),
        disclosure: Disclosure::Proactive.code().to_string(),
        ..Default::default()
    };
    render(&form_page(&state, &staff, None, form, Vec::new(), None).await?)
}

/// Creates a draft (needs 起草 on the chosen organisation).
pub(super) async fn create_item(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<ItemForm>,
) -> AppResult<Response> {
    staff.require(Action::DraftItem, None)?;
    let mut errors = Errors::new();
    let org_id = match form.org_id.trim().parse::<i64>() {
        Ok(id) if staff.can(Action::DraftItem, Some(id)) => Some(id),
        _ => {
            errors.push(("org_id".into(), "请从列表中选择您有起草权限的机构".into()));
            None
        }
    };
    let parsed = validate(&state, &form.input(org_id)).await;
    match parsed {
        Err(e) => errors.extend(item_errors(e)?),
        Ok((meta, content)) => {
            if let Some(org_id) = org_id {
                let caps = Capabilities::for_target(&staff.grants, org_id, &staff.tree);
                let mut tx = state.db.begin().await?;
                match items::create(&mut tx, &staff.actor(), org_id, caps, &meta, &content).await {
                    Ok(item) => {
                        tx.commit().await?;
                        return Ok(see_other(&format!(
                            "/admin/items/{}?saved=created",
                            item.id
                        )));
                    }
                    Err(e) => errors.push(form_error(e)?),
                }
            }
        }
    }
    render_with_status(
        &form_page(&state, &staff, None, form, errors, None).await?,
        StatusCode::BAD_REQUEST,
    )
}

/// The edit form of an unpublished item (or of an amendment in draft).
pub(super) async fn show_edit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Edit, caps)?;
    let current = items::current_revision(&state.db, &item).await?;
    let content = Content {
        title: current.title,
        summary: current.summary,
        body_html: current.body_html,
        keywords: current.keywords,
    };
    let form = ItemForm::from_item(&item, &content);
    render(&form_page(&state, &staff, Some(id), form, Vec::new(), Some(&item)).await?)
}

/// Core's verdict on a step: 403 without the permission, 409 when the state does not allow it.
pub(super) fn step_allowed(item: &Item, action: ItemAction, caps: Capabilities) -> AppResult<()> {
    let state = item.state()?;
    match transition(state, action, caps) {
        Ok(_) => Ok(()),
        Err(e @ gongkai_core::items::WorkflowError::Forbidden { .. }) => Err(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            e.to_string(),
        )),
        Err(e) => Err(AppError::conflict(e.to_string())),
    }
}

/// Saves an edit: a new revision; after a review step the reviews are void and the item is back
/// in draft (REG §5.4), which the item page then says.
pub(super) async fn update_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<ItemForm>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Edit, caps)?;
    let mut errors = Errors::new();
    if form.org_id.trim() != item.org_id.to_string() {
        errors.push(("org_id".into(), "信息所属机构不能修改".into()));
    }
    match validate(&state, &form.input(Some(item.org_id))).await {
        Err(e) => errors.extend(item_errors(e)?),
        Ok((meta, content)) if errors.is_empty() => {
            let mut tx = state.db.begin().await?;
            match items::edit(&mut tx, &staff.actor(), id, caps, &meta, &content).await {
                Ok(out) => {
                    tx.commit().await?;
                    let flag = if out.reviews_invalidated {
                        "invalidated"
                    } else {
                        "saved"
                    };
                    return Ok(see_other(&format!("/admin/items/{id}?saved={flag}")));
                }
                Err(e) => errors.push(form_error(e)?),
            }
        }
        Ok(_) => {}
    }
    render_with_status(
        &form_page(&state, &staff, Some(id), form, errors, Some(&item)).await?,
        StatusCode::BAD_REQUEST,
    )
}

// ---------------------------------------------------------------------------------------------
// Amendment.

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct AmendForm {
    title: String,
    summary: String,
    body_html: String,
    keywords: String,
    note: String,
}

#[derive(Template)]
#[template(path = "admin/items/amend.html")]
struct AmendPage {
    layout: Layout,
    id: i64,
    form: AmendForm,
    errors: Errors,
}

impl AmendPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// 修订: the published text prefilled, with a required 修订说明.
pub(super) async fn show_amend(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Amend, caps)?;
    let current = items::current_revision(&state.db, &item).await?;
    render(&AmendPage {
        layout: staff.layout("修订已发布信息"),
        id,
        form: AmendForm {
            title: current.title,
            summary: current.summary,
            body_html: current.body_html,
            keywords: current.keywords,
            note: String::new(),
        },
        errors: Vec::new(),
    })
}

/// Starts an amendment: a new revision that goes through 审核 again; the published text stays
/// public until the amendment is published.
pub(super) async fn amend_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<AmendForm>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Amend, caps)?;
    let mut fields = BTreeMap::new();
    let title = form.title.trim();
    if title.is_empty() {
        fields.insert("title".to_string(), "请填写标题".to_string());
    } else if title.chars().count() > 300 {
        fields.insert("title".to_string(), "标题过长（最多 300 字）".to_string());
    }
    let clean = gongkai_core::richtext::sanitize(&form.body_html);
    if !clean.is_ok() {
        fields.insert("body_html".to_string(), clean.problems.join("；"));
    }
    if form.note.trim().is_empty() {
        fields.insert("note".to_string(), "请填写修订说明".to_string());
    }
    let mut errors = ordered(fields);
    if errors.is_empty() {
        let content = Content {
            title: title.to_string(),
            summary: form.summary.trim().to_string(),
            body_html: clean.html,
            keywords: form.keywords.trim().to_string(),
        };
        let mut tx = state.db.begin().await?;
        match publish::amend(&mut tx, &staff.actor(), id, caps, &content, &form.note).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other(&format!("/admin/items/{id}?saved=amended")));
            }
            Err(e) => errors.push(form_error(e)?),
        }
    }
    render_with_status(
        &AmendPage {
            layout: staff.layout("修订已发布信息"),
            id,
            form,
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}

// ---------------------------------------------------------------------------------------------
// 保密审查表 (REG §5.3).

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct ConfForm {
    form_date: String,
    originating_unit: String,
    info_title: String,
    /// `document` (公文类) or `non_document`.
    carrier: String,
    reference_no: String,
    channel_web: String,
    channel_newmedia: String,
    channel_press: String,
    channel_board: String,
    channel_other: String,
    planned_on: String,
    disclosure: String,
    withhold_ground: String,
    state_secret: String,
    work_secret: String,
    commercial_secret: String,
    personal_privacy: String,
    secrets_note: String,
    drafter_opinion: String,
    drafter_name: String,
    drafter_on: String,
    head_opinion: String,
    head_name: String,
    head_on: String,
    conclusion: String,
    basis: String,
    reviewer_name: String,
    reviewed_on: String,
    remarks: String,
    rereview_due: String,
    /// "on": the reviewer signs (confirms the form as their signed record).
    sign: String,
}

#[derive(Template)]
#[template(path = "admin/items/confidentiality.html")]
struct ConfPage {
    layout: Layout,
    id: i64,
    state_label: &'static str,
    form: ConfForm,
    disclosures: Vec<(&'static str, &'static str)>,
    errors: Errors,
}

impl ConfPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn yes(v: &str) -> bool {
    v == "on"
}

fn date_of(
    errors: &mut Errors,
    name: &str,
    label: &str,
    v: &str,
    required: bool,
) -> Option<NaiveDate> {
    let v = v.trim();
    if v.is_empty() {
        if required {
            errors.push((name.to_string(), format!("请填写{label}")));
        }
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push((
                name.to_string(),
                format!("{label}须为 YYYY-MM-DD 格式的日期，例如 2026-03-02"),
            ));
            None
        }
    }
}

impl ConfForm {
    fn parse(&self) -> (Option<ConfidentialityForm>, Errors) {
        let mut errors = Errors::new();
        let form_date = date_of(&mut errors, "form_date", "填表日期", &self.form_date, true);
        let planned_on = date_of(
            &mut errors,
            "planned_on",
            "拟公开时间",
            &self.planned_on,
            false,
        );
        let drafter_on = date_of(
            &mut errors,
            "drafter_on",
            "承办人签署日期",
            &self.drafter_on,
            false,
        );
        let head_on = date_of(
            &mut errors,
            "head_on",
            "科室负责人签署日期",
            &self.head_on,
            false,
        );
        let reviewed_on = date_of(
            &mut errors,
            "reviewed_on",
            "审查日期",
            &self.reviewed_on,
            true,
        );
        let rereview_due = date_of(
            &mut errors,
            "rereview_due",
            "复审日期",
            &self.rereview_due,
            false,
        );
        if self.originating_unit.trim().is_empty() {
            errors.push((
                "originating_unit".into(),
                "请填写拟公开信息单位（承办科室）".into(),
            ));
        }
        let carrier_ok = matches!(self.carrier.as_str(), "document" | "non_document");
        if !carrier_ok {
            errors.push(("carrier-document".into(), "请选择信息载体形式".into()));
        }
        let disclosure = Disclosure::from_code(&self.disclosure);
        if disclosure.is_none() {
            errors.push(("disclosure".into(), "请选择公开属性".into()));
        }
        let conclusion = match self.conclusion.as_str() {
            "publish" => Some(Conclusion::Publish),
            "withhold" => Some(Conclusion::Withhold),
            "refer" => Some(Conclusion::Refer),
            _ => {
                errors.push(("conclusion-publish".into(), "请选择保密审查意见".into()));
                None
            }
        };
        if self.basis.trim().is_empty() {
            errors.push(("basis".into(), "保密审查意见须写明依据和理由".into()));
        }
        if conclusion == Some(Conclusion::Publish) && yes(&self.state_secret) {
            errors.push((
                "conclusion-publish".into(),
                "涉及国家秘密的信息不得公开（保守国家秘密法第五条）".into(),
            ));
        }
        if conclusion == Some(Conclusion::Withhold) && self.withhold_ground.trim().is_empty() {
            errors.push((
                "withhold_ground".into(),
                "免于公开须写明法律依据（条例第十四、十五、十六条）".into(),
            ));
        }
        if !yes(&self.sign) {
            errors.push((
                "sign".into(),
                "请确认签署：勾选后本表以您的名义存档，不能修改".into(),
            ));
        }
        let mut channels = Vec::new();
        for (v, label) in [
            (&self.channel_web, "政府网站"),
            (&self.channel_newmedia, "政务新媒体"),
            (&self.channel_press, "报刊、广播、电视"),
            (&self.channel_board, "政府公开栏"),
            (&self.channel_other, "其他"),
        ] {
            if yes(v) {
                channels.push(label.to_string());
            }
        }
        let (Some(form_date), Some(reviewed_on), Some(disclosure), Some(conclusion), true) = (
            form_date,
            reviewed_on,
            disclosure,
            conclusion,
            errors.is_empty(),
        ) else {
            return (None, errors);
        };
        (
            Some(ConfidentialityForm {
                form_date,
                originating_unit: self.originating_unit.trim().to_string(),
                info_title: self.info_title.trim().to_string(),
                is_document: self.carrier == "document",
                reference_no: self.reference_no.trim().to_string(),
                channels,
                planned_on,
                disclosure,
                withhold_ground: self.withhold_ground.trim().to_string(),
                state_secret: yes(&self.state_secret),
                work_secret: yes(&self.work_secret),
                commercial_secret: yes(&self.commercial_secret),
                personal_privacy: yes(&self.personal_privacy),
                secrets_note: self.secrets_note.trim().to_string(),
                drafter_opinion: self.drafter_opinion.trim().to_string(),
                drafter_name: self.drafter_name.trim().to_string(),
                drafter_on,
                head_opinion: self.head_opinion.trim().to_string(),
                head_name: self.head_name.trim().to_string(),
                head_on,
                conclusion,
                basis: self.basis.trim().to_string(),
                reviewer_name: self.reviewer_name.trim().to_string(),
                reviewed_on,
                remarks: self.remarks.trim().to_string(),
                rereview_due,
            }),
            errors,
        )
    }
}

fn conclusion_action(code: &str) -> ItemAction {
    match code {
        "withhold" => ItemAction::ConfidentialityWithhold,
        "refer" => ItemAction::ConfidentialityRefer,
        _ => ItemAction::ConfidentialityClear,
    }
}

/// The 保密审查表, prefilled from the item and the review records.
pub(super) async fn show_confidentiality(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::ConfidentialityClear, caps)?;
    let db = &state.db;
    let current = items::current_revision(db, &item).await?;
    let names = super::org_names(&state).await?;
    let today = gongkai_store::deadlines::today().to_string();
    let head = review::reviews(db, item.id)
        .await?
        .into_iter()
        .rev()
        .find(|r| r.revision_id == current.id && r.passed);
    let form = ConfForm {
        form_date: today.clone(),
        originating_unit: names.get(&item.org_id).cloned().unwrap_or_default(),
        info_title: current.title.clone(),
        carrier: if item.doc_number.is_empty() {
            "non_document".into()
        } else {
            "document".into()
        },
        reference_no: item.doc_number.clone(),
        channel_web: "on".into(),
        disclosure: item.disclosure.clone(),
        withhold_ground: item.withhold_ground.clone(),
        drafter_name: item.created_by.clone(),
        head_name: head
            .as_ref()
            .map(|h| h.reviewer.clone())
            .unwrap_or_default(),
        head_opinion: if head.is_some() {
            "四项审核均通过".into()
        } else {
            String::new()
        },
        head_on: head
            .map(|h| crate::page::cst(h.created_at).chars().take(10).collect())
            .unwrap_or_default(),
        reviewer_name: staff.user.display_name.clone(),
        reviewed_on: today,
        ..Default::default()
    };
    render(&ConfPage {
        layout: staff.layout("保密审查表"),
        id,
        state_label: state_label(&item.state),
        form,
        disclosures: Disclosure::ALL
            .iter()
            .map(|d| (d.code(), d.label()))
            .collect(),
        errors: Vec::new(),
    })
}

/// Records the signed 保密审查表 and applies its conclusion.
pub(super) async fn confidentiality_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<ConfForm>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, conclusion_action(&form.conclusion), caps)?;
    let (parsed, mut errors) = form.parse();
    if let Some(parsed) = parsed {
        let mut tx = state.db.begin().await?;
        match review::confidentiality_review(&mut tx, &staff.actor(), id, caps, &parsed).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other(&format!(
                    "/admin/items/{id}?saved=confidentiality"
                )));
            }
            Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
                errors.push(("basis".into(), m));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &ConfPage {
            layout: staff.layout("保密审查表"),
            id,
            state_label: state_label(&item.state),
            form,
            disclosures: Disclosure::ALL
                .iter()
                .map(|d| (d.code(), d.label()))
                .collect(),
            errors,
        },
        StatusCode::BAD_REQUEST,
    )
}
