//! The editable parts of the public disclosure column (REG §4.4): the 政府信息公开指南 with the
//! fields of 条例 Art. 12 ¶2, and the 政府信息公开制度 list of rule documents. Both belong to
//! the body at the root of the organisation tree and need `EditGuide` there (政务公开办公室);
//! on a platform of several sites (issue #14), to the body of the staff member's own site.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use gongkai_core::auth::Action;
use gongkai_store::StoreError;
use gongkai_store::guide::{self, Guide, RuleDocument, RuleInput};
use gongkai_store::orgs::Org;
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/guide", get(show_guide).post(save_guide))
        .route("/rules", get(list_rules).post(add_rule))
        .route("/rules/{id}", post(update_rule))
        .route("/rules/{id}/edit", get(show_rule))
}

/// The root organisation, after checking `EditGuide` on it.
async fn root(state: &AppState, staff: &Staff) -> AppResult<Org> {
    let none = || AppError::not_found("尚未建立机构，请先在“机构管理”中建立本机关。");
    let top = staff.tree.top_of(staff.user.org_id).ok_or_else(none)?;
    let org = gongkai_store::orgs::get(&state.db, top)
        .await?
        .ok_or_else(none)?;
    staff.require(Action::EditGuide, Some(org.id))?;
    Ok(org)
}

/// A rule document of the staff member's body (another site's is as unknown, issue #14).
async fn rule_of(state: &AppState, root: &Org, id: i64) -> AppResult<RuleDocument> {
    guide::rule(&state.db, id)
        .await?
        .filter(|r| r.org_id == Some(root.id))
        .ok_or_else(|| AppError::not_found("该制度文件不存在。"))
}

fn error_for<'a>(errors: &'a [(String, String)], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct GuideForm {
    intro: String,
    classification: String,
    arrangement: String,
    access_methods: String,
    office_name: String,
    address: String,
    office_hours: String,
    phone: String,
    fax: String,
    internet: String,
}

impl GuideForm {
    fn from_guide(g: &Guide) -> GuideForm {
        GuideForm {
            intro: g.intro.clone(),
            classification: g.classification.clone(),
            arrangement: g.arrangement.clone(),
            access_methods: g.access_methods.clone(),
            office_name: g.office_name.clone(),
            address: g.address.clone(),
            office_hours: g.office_hours.clone(),
            phone: g.phone.clone(),
            fax: g.fax.clone(),
            internet: g.internet.clone(),
        }
    }

    /// A first draft from the organisation's contact details.
    fn from_org(o: &Org) -> GuideForm {
        let mut internet = Vec::new();
        if !o.website.is_empty() {
            internet.push(format!("网站：{}", o.website));
        }
        if !o.email.is_empty() {
            internet.push(format!("电子邮箱：{}", o.email));
        }
        GuideForm {
            office_name: format!("{}政务公开办公室", o.full_name),
            address: o.address.clone(),
            office_hours: o.office_hours.clone(),
            phone: o.phone.clone(),
            fax: o.fax.clone(),
            internet: internet.join("；"),
            ..Default::default()
        }
    }

    fn guide(&self, org_id: i64) -> Guide {
        Guide {
            org_id,
            intro: self.intro.clone(),
            classification: self.classification.clone(),
            arrangement: self.arrangement.clone(),
            access_methods: self.access_methods.clone(),
            office_name: self.office_name.clone(),
            address: self.address.clone(),
            office_hours: self.office_hours.clone(),
            phone: self.phone.clone(),
            fax: self.fax.clone(),
            internet: self.internet.clone(),
            ..Default::default()
        }
    }
}

/// (field, label, hint, multi-line)
const GUIDE_FIELDS: &[(&str, &str, &str, bool)] = &[
    ("intro", "概述", "编制依据和指南的用途，可不填", true),
    (
        "classification",
        "政府信息的分类",
        "例如按条例第二十条、第二十一条分为法定主动公开内容的各类",
        true,
    ),
    (
        "arrangement",
        "编排体系",
        "信息如何编排：索引号、公开目录、主题分类、体裁分类",
        true,
    ),
    (
        "access_methods",
        "获取方式",
        "主动公开的渠道和依申请公开的程序",
        true,
    ),
    ("office_name", "工作机构名称", "", false),
    ("address", "办公地址", "", false),
    ("office_hours", "办公时间", "", false),
    ("phone", "联系电话", "", false),
    ("fax", "传真号码", "", false),
    ("internet", "互联网联系方式", "网站、电子邮箱等", false),
];

struct GuideField {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    multiline: bool,
    value: String,
}

#[derive(Template)]
#[template(path = "admin/guide.html")]
struct GuidePage {
    layout: Layout,
    fields: Vec<GuideField>,
    errors: Vec<(String, String)>,
    updated: String,
}

impl GuidePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn guide_page(
    staff: &Staff,
    form: &GuideForm,
    errors: Vec<(String, String)>,
    updated: String,
) -> GuidePage {
    let value = |name: &str| -> String {
        match name {
            "intro" => form.intro.clone(),
            "classification" => form.classification.clone(),
            "arrangement" => form.arrangement.clone(),
            "access_methods" => form.access_methods.clone(),
            "office_name" => form.office_name.clone(),
            "address" => form.address.clone(),
            "office_hours" => form.office_hours.clone(),
            "phone" => form.phone.clone(),
            "fax" => form.fax.clone(),
            _ => form.internet.clone(),
        }
    };
    GuidePage {
        layout: staff.layout("政府信息公开指南"),
        fields: GUIDE_FIELDS
            .iter()
            .map(|(name, label, hint, multiline)| GuideField {
                name,
                label,
                hint,
                multiline: *multiline,
                value: value(name),
            })
            .collect(),
        errors,
        updated,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SavedQuery {
    saved: String,
}

/// The guide editor (prefilled from the organisation's contact details the first time).
async fn show_guide(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let org = root(&state, &staff).await?;
    let existing = guide::get(&state.db, org.id).await?;
    let form = existing
        .as_ref()
        .map(GuideForm::from_guide)
        .unwrap_or_else(|| GuideForm::from_org(&org));
    let updated = existing
        .map(|g| format!("{}（{}）", crate::page::cst(g.updated_at), g.updated_by))
        .unwrap_or_default();
    let mut page = guide_page(&staff, &form, Vec::new(), updated);
    if q.saved == "1" {
        page.layout.flash = Some("指南已保存，公众页面已更新。".into());
    }
    render(&page)
}

/// Saves the guide; every Art. 12 field is required.
async fn save_guide(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<GuideForm>,
) -> AppResult<Response> {
    let org = root(&state, &staff).await?;
    let g = form.guide(org.id);
    let missing = g.missing();
    let errors: Vec<(String, String)> = if missing.is_empty() {
        let mut tx = state.db.begin().await?;
        match guide::put(&mut tx, &staff.actor(), &g).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other("/admin/guide?saved=1"));
            }
            Err(StoreError::Invalid(m)) => vec![("classification".into(), m)],
            Err(e) => return Err(e.into()),
        }
    } else {
        GUIDE_FIELDS
            .iter()
            .filter(|(name, label, _, _)| {
                *name != "intro"
                    && missing
                        .iter()
                        .any(|m| label.contains(m) || m.contains(label))
            })
            .map(|(name, label, _, _)| {
                (
                    (*name).to_string(),
                    format!("请填写{label}（条例第十二条规定指南须包括此项）"),
                )
            })
            .collect()
    };
    render_with_status(
        &guide_page(&staff, &form, errors, String::new()),
        StatusCode::BAD_REQUEST,
    )
}

// ---------------------------------------------------------------------------------------------
// 政府信息公开制度.

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct RuleForm {
    title: String,
    doc_number: String,
    issuer: String,
    issued_on: String,
    summary: String,
    url: String,
    sort_order: String,
    /// "on" when ticked.
    active: String,
}

impl RuleForm {
    fn from_rule(r: &RuleDocument) -> RuleForm {
        RuleForm {
            title: r.title.clone(),
            doc_number: r.doc_number.clone(),
            issuer: r.issuer.clone(),
            issued_on: r.issued_on.clone().unwrap_or_default(),
            summary: r.summary.clone(),
            url: r.url.clone(),
            sort_order: r.sort_order.to_string(),
            active: if r.active { "on".into() } else { String::new() },
        }
    }

    fn parse(&self) -> (RuleInput, Vec<(String, String)>) {
        let mut errors: Vec<(String, String)> = Vec::new();
        let issued_on = match self.issued_on.trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push((
                        "issued_on".into(),
                        "发布日期须为 YYYY-MM-DD 格式，例如 2019-04-03".into(),
                    ));
                    None
                }
            },
        };
        let sort_order = match self.sort_order.trim() {
            "" => 0,
            s => s.parse::<i64>().unwrap_or_else(|_| {
                errors.push(("sort_order".into(), "排序号须为整数".into()));
                0
            }),
        };
        let input = RuleInput {
            title: self.title.clone(),
            doc_number: self.doc_number.clone(),
            issuer: self.issuer.clone(),
            issued_on,
            summary: self.summary.clone(),
            url: self.url.clone(),
            sort_order,
            active: self.active == "on",
        };
        errors.extend(
            guide::validate_rule(&input)
                .into_iter()
                .map(|(f, m)| (f.to_string(), m)),
        );
        (input, errors)
    }
}

#[derive(Template)]
#[template(path = "admin/rules.html")]
struct RulesPage {
    layout: Layout,
    rules: Vec<RuleDocument>,
    /// The rule being edited, or `None` for the add form.
    editing: Option<i64>,
    form: RuleForm,
    errors: Vec<(String, String)>,
}

impl RulesPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
    fn action(&self) -> String {
        match self.editing {
            Some(id) => format!("/admin/rules/{id}"),
            None => "/admin/rules".into(),
        }
    }
}

async fn rules_page(
    state: &AppState,
    staff: &Staff,
    root: &Org,
    editing: Option<i64>,
    form: RuleForm,
    errors: Vec<(String, String)>,
) -> AppResult<RulesPage> {
    Ok(RulesPage {
        layout: staff.layout("政府信息公开制度"),
        rules: guide::rules(&state.db, root.id, false).await?,
        editing,
        form,
        errors,
    })
}

/// The rule documents and the add form.
async fn list_rules(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let root = root(&state, &staff).await?;
    let form = RuleForm {
        active: "on".into(),
        ..Default::default()
    };
    let mut page = rules_page(&state, &staff, &root, None, form, Vec::new()).await?;
    if q.saved == "1" {
        page.layout.flash = Some("制度文件已保存，公众页面已更新。".into());
    }
    render(&page)
}

async fn add_rule(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<RuleForm>,
) -> AppResult<Response> {
    let root = root(&state, &staff).await?;
    let (input, errors) = form.parse();
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        guide::add_rule(&mut tx, &staff.actor(), root.id, &input).await?;
        tx.commit().await?;
        return Ok(see_other("/admin/rules?saved=1"));
    }
    render_with_status(
        &rules_page(&state, &staff, &root, None, form, errors).await?,
        StatusCode::BAD_REQUEST,
    )
}

async fn show_rule(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let root = root(&state, &staff).await?;
    let rule = rule_of(&state, &root, id).await?;
    render(
        &rules_page(
            &state,
            &staff,
            &root,
            Some(id),
            RuleForm::from_rule(&rule),
            Vec::new(),
        )
        .await?,
    )
}

async fn update_rule(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<RuleForm>,
) -> AppResult<Response> {
    let root = root(&state, &staff).await?;
    rule_of(&state, &root, id).await?;
    let (input, errors) = form.parse();
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        guide::update_rule(&mut tx, &staff.actor(), id, &input).await?;
        tx.commit().await?;
        return Ok(see_other("/admin/rules?saved=1"));
    }
    render_with_status(
        &rules_page(&state, &staff, &root, Some(id), form, errors).await?,
        StatusCode::BAD_REQUEST,
    )
}
