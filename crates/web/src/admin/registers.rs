//! Administrator registers around proactive disclosure (issue #4): the catalog vocabularies
//! (主题分类, 体裁分类, 公开目录 with the Art. 20/21 items), the 索引号 template per organisation
//! (REG §4.3), and the 保密承诺书 register (who, role, date signed, the scanned document).
//!
//! Vocabularies and templates are configuration (`ManageSettings`, the system administrator,
//! scoped to the organisation for templates). The commitment register is kept by the disclosure
//! office and the confidentiality reviewers of the organisation (`PublishItem` or
//! `ConfidentialityReview` on it); the scans are stored as attachments of the register entry and
//! downloadable only in the console.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use gongkai_core::auth::Action;
use gongkai_core::filetype;
use gongkai_core::items::{Template as IndexTemplate, VocabKind};
use gongkai_core::org::OrgId;
use gongkai_store::StoreError;
use gongkai_store::attachments::{self, Attachment, Limits, Owner};
use gongkai_store::items::registers::{self, Commitment, CommitmentInput, VocabEntry, VocabInput};
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::multipart::{self, MAX_UPLOAD_BYTES};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;

/// `owner_type` of a scanned 保密承诺书.
pub const COMMITMENT_OWNER: &str = "commitment";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/vocab", get(show_vocab).post(save_vocab))
        .route("/index-templates", get(show_templates).post(save_template))
        .route("/commitments", get(show_commitments).post(add_commitment))
        .route("/commitments/files/{aid}", get(download_scan))
}

fn error_for<'a>(errors: &'a [(String, String)], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}

// ---------------------------------------------------------------------------------------------
// Vocabularies.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VocabQuery {
    kind: String,
    saved: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct VocabForm {
    kind: String,
    code: String,
    label: String,
    group_label: String,
    sort_order: String,
    /// "on" when ticked.
    active: String,
}

#[derive(Template)]
#[template(path = "admin/vocab.html")]
struct VocabPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str)>,
    kind: &'static str,
    kind_label: &'static str,
    entries: Vec<VocabEntry>,
    form: VocabForm,
    errors: Vec<(String, String)>,
}

impl VocabPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn kind_of(code: &str) -> VocabKind {
    VocabKind::ALL
        .into_iter()
        .find(|k| k.code() == code)
        .unwrap_or(VocabKind::Catalog)
}

async fn vocab_page(
    state: &AppState,
    staff: &Staff,
    kind: VocabKind,
    form: VocabForm,
    errors: Vec<(String, String)>,
) -> AppResult<VocabPage> {
    Ok(VocabPage {
        layout: staff.layout("目录分类"),
        kinds: VocabKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        kind: kind.code(),
        kind_label: kind.label(),
        entries: registers::vocab_list(&state.db, kind, false).await?,
        form,
        errors,
    })
}

/// 目录分类: the entries of one vocabulary, and a form to add or change one (by its code).
async fn show_vocab(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<VocabQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let kind = kind_of(&q.kind);
    let form = VocabForm {
        kind: kind.code().into(),
        active: "on".into(),
        ..Default::default()
    };
    let mut page = vocab_page(&state, &staff, kind, form, Vec::new()).await?;
    if q.saved == "1" {
        page.layout.flash = Some("分类已保存。".into());
    }
    render(&page)
}

/// Adds or changes a vocabulary entry (an existing code is changed; defaults can be relabelled
/// or deactivated, never deleted).
async fn save_vocab(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<VocabForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let kind = kind_of(&form.kind);
    let mut errors = Vec::new();
    let sort_order = match form.sort_order.trim() {
        "" => 0,
        s => s.parse::<i64>().unwrap_or_else(|_| {
            errors.push(("sort_order".to_string(), "排序号须为整数".to_string()));
            0
        }),
    };
    if errors.is_empty() {
        let input = VocabInput {
            kind,
            code: form.code.trim().to_string(),
            label: form.label.trim().to_string(),
            group_label: form.group_label.trim().to_string(),
            sort_order,
            active: form.active == "on",
        };
        let mut tx = state.db.begin().await?;
        match registers::vocab_put(&mut tx, &staff.actor(), &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other(&format!(
                    "/admin/vocab?kind={}&saved=1",
                    kind.code()
                )));
            }
            Err(StoreError::Invalid(m)) => {
                let field = if m.contains("代码") {
                    "code"
                } else {
                    "label"
                };
                errors.push((field.to_string(), m));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &vocab_page(&state, &staff, kind, form, errors).await?,
        StatusCode::BAD_REQUEST,
    )
}

// ---------------------------------------------------------------------------------------------
// 索引号 templates.

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct TemplateForm {
    org_id: String,
    template: String,
}

struct TemplateRow {
    org_id: i64,
    org: String,
    template: String,
    example: String,
}

#[derive(Template)]
#[template(path = "admin/index_templates.html")]
struct TemplatesPage {
    layout: Layout,
    rows: Vec<TemplateRow>,
    form: TemplateForm,
    errors: Vec<(String, String)>,
}

impl TemplatesPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn example(template: &str, org_code: &str) -> String {
    match IndexTemplate::parse(template) {
        Ok(t) => t.render(&gongkai_core::items::index_no::Values {
            org_code,
            year: 2026,
            serial: 1,
            category: "art20-01",
        }),
        Err(e) => e.to_string(),
    }
}

async fn templates_page(
    state: &AppState,
    staff: &Staff,
    form: TemplateForm,
    errors: Vec<(String, String)>,
) -> AppResult<TemplatesPage> {
    let mut rows = Vec::new();
    for o in gongkai_store::orgs::list(&state.db).await? {
        // A site's own template is set on its site page (issue #14); here the organisations of
        // the sites the administrator's grants reach.
        if !staff.can(Action::ManageSettings, Some(o.id)) || !staff.sees_site_of(o.id) {
            continue;
        }
        let template = registers::template(&state.db, o.id).await?;
        rows.push(TemplateRow {
            org_id: o.id,
            example: example(&template, &o.code),
            org: o.full_name,
            template,
        });
    }
    Ok(TemplatesPage {
        layout: staff.layout("索引号规则"),
        rows,
        form,
        errors,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SavedQuery {
    saved: String,
}

/// 索引号规则: each organisation's template with an example number.
async fn show_templates(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let form = TemplateForm {
        template: gongkai_core::items::DEFAULT_TEMPLATE.into(),
        ..Default::default()
    };
    let mut page = templates_page(&state, &staff, form, Vec::new()).await?;
    if q.saved == "1" {
        page.layout.flash = Some("索引号规则已保存。已分配的索引号不会改变。".into());
    }
    render(&page)
}

async fn save_template(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<TemplateForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageSettings, None)?;
    let mut errors = Vec::new();
    let org_id = match form.org_id.trim().parse::<i64>() {
        Ok(id) if staff.can(Action::ManageSettings, Some(id)) && staff.sees_site_of(id) => Some(id),
        _ => {
            errors.push(("org_id".to_string(), "请从列表中选择机构".to_string()));
            None
        }
    };
    if let Some(org_id) = org_id {
        let mut tx = state.db.begin().await?;
        match registers::set_template(&mut tx, &staff.actor(), org_id, &form.template).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/index-templates?saved=1"));
            }
            Err(StoreError::Invalid(m)) => errors.push(("template".to_string(), m)),
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &templates_page(&state, &staff, form, errors).await?,
        StatusCode::BAD_REQUEST,
    )
}

// ---------------------------------------------------------------------------------------------
// 保密承诺书.

fn keeps_commitments(staff: &Staff, org: Option<OrgId>) -> bool {
    staff.can(Action::PublishItem, org) || staff.can(Action::ConfidentialityReview, org)
}

fn commitment_scopes(staff: &Staff) -> Vec<OrgId> {
    let mut s = staff.scopes(Action::PublishItem);
    s.extend(staff.scopes(Action::ConfidentialityReview));
    s.sort_unstable();
    s.dedup();
    s
}

struct CommitmentRow {
    c: Commitment,
    org: String,
    scans: Vec<Attachment>,
}

#[derive(Debug, Clone, Default)]
struct CommitmentForm {
    org_id: String,
    person_name: String,
    role: String,
    signed_on: String,
    document_ref: String,
}

#[derive(Template)]
#[template(path = "admin/commitments.html")]
struct CommitmentsPage {
    layout: Layout,
    rows: Vec<CommitmentRow>,
    orgs: Vec<(i64, String)>,
    form: CommitmentForm,
    errors: Vec<(String, String)>,
}

impl CommitmentsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn commitments_page(
    state: &AppState,
    staff: &Staff,
    form: CommitmentForm,
    errors: Vec<(String, String)>,
) -> AppResult<CommitmentsPage> {
    let names: BTreeMap<i64, String> = gongkai_store::orgs::list(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.full_name))
        .collect();
    let mut rows = Vec::new();
    for c in registers::commitments(&state.db, &commitment_scopes(staff)).await? {
        let scans = attachments::list_for(
            &state.db,
            Owner {
                owner_type: COMMITMENT_OWNER,
                owner_id: c.id,
            },
        )
        .await?;
        rows.push(CommitmentRow {
            org: names.get(&c.org_id).cloned().unwrap_or_default(),
            c,
            scans,
        });
    }
    let orgs = names
        .into_iter()
        .filter(|(id, _)| keeps_commitments(staff, Some(*id)))
        .collect();
    Ok(CommitmentsPage {
        layout: staff.layout("保密承诺书登记"),
        rows,
        orgs,
        form,
        errors,
    })
}

/// 保密承诺书登记: the register of the staff member's organisations, newest first.
async fn show_commitments(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    if !keeps_commitments(&staff, None) {
        return Err(AppError::forbidden());
    }
    let form = CommitmentForm {
        org_id: staff.user.org_id.to_string(),
        signed_on: gongkai_store::deadlines::today().to_string(),
        ..Default::default()
    };
    let mut page = commitments_page(&state, &staff, form, Vec::new()).await?;
    if q.saved == "1" {
        page.layout.flash = Some("保密承诺书已登记。".into());
    }
    render(&page)
}

/// Registers a signed 保密承诺书 with its scan (multipart form; the scan is optional).
async fn add_commitment(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    if !keeps_commitments(&staff, None) {
        return Err(AppError::forbidden());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = axum::body::to_bytes(body, MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| AppError::bad_request("上传的文件过大，请压缩后重新上传。"))?;
    let parts = if multipart::is_multipart(&content_type) {
        multipart::parse(&content_type, &bytes)?
    } else {
        url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| multipart::Part {
                name: k.into_owned(),
                filename: None,
                data: v.into_owned().into_bytes(),
            })
            .collect()
    };
    let text = |name: &str| {
        multipart::field(&parts, name)
            .map(multipart::Part::text)
            .unwrap_or_default()
    };
    let form = CommitmentForm {
        org_id: text("org_id"),
        person_name: text("person_name"),
        role: text("role"),
        signed_on: text("signed_on"),
        document_ref: text("document_ref"),
    };
    let mut errors = Vec::new();
    let org_id = match form.org_id.trim().parse::<i64>() {
        Ok(id) if keeps_commitments(&staff, Some(id)) => Some(id),
        _ => {
            errors.push(("org_id".to_string(), "请从列表中选择机构".to_string()));
            None
        }
    };
    if form.person_name.trim().is_empty() {
        errors.push(("person_name".to_string(), "请填写签订人姓名".to_string()));
    }
    if form.role.trim().is_empty() {
        errors.push(("role".to_string(), "请填写签订人岗位".to_string()));
    }
    let signed_on = match NaiveDate::parse_from_str(form.signed_on.trim(), "%Y-%m-%d") {
        Ok(d) if d <= gongkai_store::deadlines::today() => Some(d),
        Ok(_) => {
            errors.push(("signed_on".to_string(), "签订日期不能晚于今天".to_string()));
            None
        }
        Err(_) => {
            errors.push((
                "signed_on".to_string(),
                "签订日期须为 YYYY-MM-DD 格式，例如 2026-03-02".to_string(),
            ));
            None
        }
    };
    let scan = multipart::field(&parts, "scan").filter(|p| !p.data.is_empty());
    let limits = Limits::default();
    if let Some(p) = scan {
        let name = p.filename.clone().unwrap_or_default();
        let checked = attachments::clean_filename(&name)
            .map_err(|e| e.to_string())
            .and_then(|n| filetype::check(&p.data, &n, limits.max_size).map_err(|e| e.to_string()));
        if let Err(m) = checked {
            errors.push(("scan".to_string(), m));
        }
    }
    if !errors.is_empty() {
        return render_with_status(
            &commitments_page(&state, &staff, form, errors).await?,
            StatusCode::BAD_REQUEST,
        );
    }
    let (Some(org_id), Some(signed_on)) = (org_id, signed_on) else {
        return Err(AppError::bad_request("提交的内容需要修改"));
    };
    let stored = match scan {
        Some(p) => Some(
            attachments::store(
                state.config.data_dir.clone(),
                p.data.clone(),
                p.filename.clone().unwrap_or_default(),
                limits,
            )
            .await
            .map_err(|e| AppError::bad_request(e.to_string()))?,
        ),
        None => None,
    };
    let input = CommitmentInput {
        org_id,
        user_id: None,
        person_name: form.person_name.trim().to_string(),
        role: form.role.trim().to_string(),
        signed_on,
        document_ref: form.document_ref.trim().to_string(),
    };
    let actor = staff.actor();
    let mut tx = state.db.begin().await?;
    let row = registers::add_commitment(&mut tx, &actor, &input).await?;
    if let Some(s) = &stored {
        let alt = format!("{}签订的保密承诺书扫描件", input.person_name);
        attachments::attach(
            &mut tx,
            &actor,
            Owner {
                owner_type: COMMITMENT_OWNER,
                owner_id: row.id,
            },
            s,
            &alt,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(see_other("/admin/commitments?saved=1"))
}

/// Downloads a scanned 保密承诺书 (console only, within the register's scope).
async fn download_scan(
    State(state): State<AppState>,
    staff: Staff,
    Path(aid): Path<i64>,
) -> AppResult<Response> {
    let missing = || AppError::not_found("该扫描件不存在或不在您的管理范围内。");
    let a = attachments::get(&state.db, aid)
        .await?
        .filter(|a| a.owner_type == COMMITMENT_OWNER)
        .ok_or_else(missing)?;
    let visible = registers::commitments(&state.db, &commitment_scopes(&staff))
        .await?
        .iter()
        .any(|c| c.id == a.owner_id);
    if !visible {
        return Err(missing());
    }
    let data_dir = state.config.data_dir.clone();
    let sha = a.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || attachments::read_verified(&data_dir, &sha))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| match e {
            attachments::AttachmentError::NotFound(_) => missing(),
            other => AppError::internal(other),
        })?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let encoded: String = url::form_urlencoded::byte_serialize(a.filename.as_bytes()).collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
