//! The work registers of issue #12 in the console — 业务培训, 考核评议与责任追究, 建议提案办理,
//! 宣传活动 — one set of pages for every `records::Kind`: list with filters and CSV/XLSX export,
//! create and edit forms (errors by the field, 400), the record page. A disclosable reply to a
//! proposal becomes a draft item through `records::proposals::to_draft_item` (the normal review
//! follows).
//!
//! **Rules.** The registers are kept with `ManageWorkRecords` on the record's organisation;
//! lists are filtered by that scope in the query. Proposals are also visible to the units that
//! may draft items for them (`DraftItem`), who turn a disclosable reply into a draft.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_core::auth::Action;
use gongkai_core::items::Capabilities;
use gongkai_core::org::OrgId;
use gongkai_store::StoreError;
use gongkai_store::items::catalog::expand_scopes;
use gongkai_store::orgs::{self, Org};
use gongkai_store::records::{self, Field, Filter, Input, KINDS, Kind, Record};
use gongkai_store::users;
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::export::{self, Table};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, cst, render, render_with_status, see_other};
use crate::session::Staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/records/{kind}", get(list).post(create))
        .route("/records/{kind}/new", get(show_new))
        .route("/records/{kind}/export.csv", get(export_csv))
        .route("/records/{kind}/export.xlsx", get(export_xlsx))
        .route("/records/{kind}/{id}", get(show).post(update))
        .route("/records/{kind}/{id}/edit", get(show_edit))
        .route("/records/{kind}/{id}/draft-item", post(draft_item))
}

type Errors = Vec<(&'static str, String)>;
type Pairs = Vec<(String, String)>;

fn kind_of(code: &str) -> AppResult<&'static Kind> {
    Kind::from_code(code)
        .ok_or_else(|| AppError::not_found("您访问的页面不存在，请检查网址是否正确。"))
}

/// The scope in which `staff` sees records of `kind`.
fn view_scopes(staff: &Staff, kind: &Kind) -> Vec<OrgId> {
    let mut s = staff.scopes(Action::ManageWorkRecords);
    if kind.item_link {
        s.extend(staff.scopes(Action::DraftItem));
    }
    s
}

fn can_view(staff: &Staff, kind: &Kind, org: Option<OrgId>) -> bool {
    staff.can(Action::ManageWorkRecords, org)
        || (kind.item_link && staff.can(Action::DraftItem, org))
}

fn name_of(orgs: &[Org], id: i64) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.full_name.clone())
        .unwrap_or_else(|| format!("机构 {id}"))
}

/// The register menu: (code, label).
fn menu() -> Vec<(&'static str, &'static str)> {
    KINDS.iter().map(|k| (k.code, k.label)).collect()
}

// ---- list -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    choice: String,
}

impl ListQuery {
    fn parse(&self, kind: &Kind) -> (Filter, Errors) {
        let mut errors = Vec::new();
        let year = match self.year.trim() {
            "" => None,
            s => match s.parse::<i32>() {
                Ok(y) if (2000..=2100).contains(&y) => Some(y),
                _ => {
                    errors.push(("year", "年度须为四位数字，例如 2019".to_string()));
                    None
                }
            },
        };
        let org_id = match self.org_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(("org_id", "请从列表中选择单位".to_string()));
                    None
                }
            },
        };
        let choice = match (
            self.choice.trim(),
            kind.filter_field.and_then(|f| kind.field(f)),
        ) {
            ("", _) => None,
            (c, Some(f)) if f.choices().iter().any(|(code, _)| *code == c) => Some(c.to_string()),
            _ => {
                errors.push(("choice", "请从列表中选择类别".to_string()));
                None
            }
        };
        (
            Filter {
                id: None,
                year,
                org_id,
                choice,
            },
            errors,
        )
    }

    fn query_string(&self) -> String {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("year", self.year.trim())
            .append_pair("org_id", self.org_id.trim())
            .append_pair("choice", self.choice.trim())
            .finish();
        format!("?{q}")
    }
}

/// A record as the list shows it: the title, the unit, the listed fields' display values.
struct Row {
    id: i64,
    title: String,
    unit: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/records.html")]
struct ListPage {
    layout: Layout,
    kind: &'static Kind,
    menu: Vec<(&'static str, &'static str)>,
    q: ListQuery,
    columns: Vec<&'static str>,
    choices: Vec<(&'static str, &'static str)>,
    choice_label: &'static str,
    units: Vec<(i64, String)>,
    rows: Vec<Row>,
    errors: Errors,
    export_query: String,
    can_create: bool,
}

fn listed(kind: &Kind) -> Vec<&'static Field> {
    kind.fields
        .iter()
        .filter(|f| f.listed && f.name != kind.title_field)
        .collect()
}

async fn fetch(
    state: &AppState,
    staff: &Staff,
    kind: &'static Kind,
    q: &ListQuery,
) -> AppResult<(Vec<Record>, Errors)> {
    if !can_view(staff, kind, None) {
        return Err(AppError::forbidden());
    }
    let (filter, errors) = q.parse(kind);
    let ids = expand_scopes(&state.db, &view_scopes(staff, kind)).await?;
    Ok((records::list(&state.db, kind, &ids, &filter).await?, errors))
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let kind = kind_of(&code)?;
    let (recs, errors) = fetch(&state, &staff, kind, &q).await?;
    let orgs = orgs::list(&state.db).await?;
    let ids = expand_scopes(&state.db, &view_scopes(&staff, kind)).await?;
    let fields = listed(kind);
    let rows = recs
        .iter()
        .map(|r| Row {
            id: r.id,
            title: r.text(kind.title_field),
            unit: name_of(&orgs, r.org_id),
            cells: fields.iter().map(|f| f.display(&r.text(f.name))).collect(),
        })
        .collect();
    let filter = kind.filter_field.and_then(|f| kind.field(f));
    let page = ListPage {
        layout: staff.layout(kind.label),
        kind,
        menu: menu(),
        export_query: q.query_string(),
        q,
        columns: fields.iter().map(|f| f.label).collect(),
        choices: filter.map(|f| f.choices().to_vec()).unwrap_or_default(),
        choice_label: filter.map(|f| f.label).unwrap_or(""),
        units: orgs
            .iter()
            .filter(|o| ids.contains(&o.id))
            .map(|o| (o.id, o.full_name.clone()))
            .collect(),
        rows,
        errors: errors.clone(),
        can_create: staff.can(Action::ManageWorkRecords, None),
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_with_status(&page, StatusCode::BAD_REQUEST)
    }
}

fn sheet(
    kind: &'static Kind,
    recs: &[Record],
    orgs: &[Org],
    people: &BTreeMap<i64, String>,
) -> Table<'static> {
    let mut headers = vec!["编号".to_string(), "单位".to_string(), "年度".to_string()];
    headers.extend(kind.fields.iter().map(|f| f.label.to_string()));
    let mut numeric = vec![0, 2];
    for (i, f) in kind.fields.iter().enumerate() {
        if matches!(f.ty, records::FieldType::Count | records::FieldType::Year) {
            numeric.push(3 + i);
        }
    }
    if kind.participants {
        headers.push("本系统参训人员".into());
        headers.push("参训人次合计".into());
        numeric.push(headers.len() - 1);
    }
    if kind.item_link {
        headers.push("信息编号".into());
        numeric.push(headers.len() - 1);
    }
    let rows = recs
        .iter()
        .map(|r| {
            let mut row = vec![
                r.id.to_string(),
                name_of(orgs, r.org_id),
                r.year.to_string(),
            ];
            row.extend(kind.fields.iter().map(|f| f.display(&r.text(f.name))));
            if kind.participants {
                let names: Vec<String> = r
                    .participants
                    .iter()
                    .map(|u| {
                        people
                            .get(u)
                            .cloned()
                            .unwrap_or_else(|| format!("用户 {u}"))
                    })
                    .collect();
                row.push(names.join("、"));
                row.push((r.participants.len() as i64 + r.count("outsiders")).to_string());
            }
            if kind.item_link {
                row.push(r.item_id.map(|i| i.to_string()).unwrap_or_default());
            }
            row
        })
        .collect();
    Table {
        name: kind.label,
        headers,
        rows,
        numeric,
    }
}

async fn export_sheet(
    state: &AppState,
    staff: &Staff,
    code: &str,
    q: &ListQuery,
) -> AppResult<(Table<'static>, &'static str)> {
    let kind = kind_of(code)?;
    let (recs, errors) = fetch(state, staff, kind, q).await?;
    if let Some((_, m)) = errors.into_iter().next() {
        return Err(AppError::bad_request(m));
    }
    let orgs = orgs::list(&state.db).await?;
    let people = user_names(state).await?;
    Ok((sheet(kind, &recs, &orgs, &people), kind.code))
}

async fn export_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (s, stem) = export_sheet(&state, &staff, &code, &q).await?;
    Ok(export::table_csv(&s, stem))
}

async fn export_xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (s, stem) = export_sheet(&state, &staff, &code, &q).await?;
    export::table_xlsx(&s, stem)
}

async fn user_names(state: &AppState) -> AppResult<BTreeMap<i64, String>> {
    Ok(users::list(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

// ---- forms ----------------------------------------------------------------------------------

/// One form field as the template shows it.
struct FormField {
    field: &'static Field,
    value: String,
    error: Option<String>,
}

impl FormField {
    fn name(&self) -> &'static str {
        self.field.name
    }
    fn is_long(&self) -> bool {
        self.field.is_long()
    }
    fn is_choice(&self) -> bool {
        !self.field.choices().is_empty()
    }
    fn choices(&self) -> &'static [(&'static str, &'static str)] {
        self.field.choices()
    }
    fn required(&self) -> bool {
        self.field.required
    }
}

#[derive(Template)]
#[template(path = "admin/record_form.html")]
struct FormPage {
    layout: Layout,
    kind: &'static Kind,
    id: Option<i64>,
    org_id: String,
    org_error: Option<String>,
    orgs: Vec<(i64, String)>,
    fields: Vec<FormField>,
    /// Training: (user id, name, org, chosen).
    people: Vec<(i64, String, bool)>,
    people_error: Option<String>,
    errors: Errors,
}

impl FormPage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/records/{}/{id}", self.kind.code),
            None => format!("/admin/records/{}", self.kind.code),
        }
    }
}

/// What was submitted: organisation, values by field, participants.
struct Submitted {
    org_id: String,
    values: BTreeMap<String, String>,
    participants: Vec<String>,
}

impl Submitted {
    fn from_pairs(pairs: &Pairs) -> Submitted {
        let mut s = Submitted {
            org_id: String::new(),
            values: BTreeMap::new(),
            participants: Vec::new(),
        };
        for (k, v) in pairs {
            match k.as_str() {
                "org_id" => s.org_id = v.clone(),
                "participant" => s.participants.push(v.clone()),
                "csrf" => {}
                _ => {
                    s.values.insert(k.clone(), v.clone());
                }
            }
        }
        s
    }

    fn from_record(r: &Record, kind: &Kind) -> Submitted {
        Submitted {
            org_id: r.org_id.to_string(),
            values: kind
                .fields
                .iter()
                .map(|f| (f.name.to_string(), r.text(f.name)))
                .collect(),
            participants: r.participants.iter().map(|u| u.to_string()).collect(),
        }
    }
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    kind: &'static Kind,
    id: Option<i64>,
    sub: &Submitted,
    errors: Errors,
) -> AppResult<FormPage> {
    let orgs = orgs::list(&state.db).await?;
    let mut people = Vec::new();
    if kind.participants {
        let ids = expand_scopes(&state.db, &staff.scopes(Action::ManageWorkRecords)).await?;
        for u in users::list(&state.db).await? {
            if u.active && ids.contains(&u.org_id) {
                let chosen = sub.participants.contains(&u.id.to_string());
                people.push((
                    u.id,
                    format!("{}（{}）", u.display_name, name_of(&orgs, u.org_id)),
                    chosen,
                ));
            }
        }
    }
    let err = |name: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, m)| m.clone())
    };
    let title = match id {
        Some(_) => format!("修改{}记录", kind.noun),
        None => format!("登记{}", kind.noun),
    };
    Ok(FormPage {
        layout: staff.layout(&title),
        kind,
        id,
        org_id: sub.org_id.clone(),
        org_error: err("org_id"),
        orgs: orgs
            .iter()
            .filter(|o| staff.can(Action::ManageWorkRecords, Some(o.id)))
            .map(|o| (o.id, o.full_name.clone()))
            .collect(),
        fields: kind
            .fields
            .iter()
            .map(|f| FormField {
                field: f,
                value: sub.values.get(f.name).cloned().unwrap_or_default(),
                error: err(f.name),
            })
            .collect(),
        people,
        people_error: err("participant"),
        errors,
    })
}

async fn show_new(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let kind = kind_of(&code)?;
    staff.require(Action::ManageWorkRecords, None)?;
    let sub = Submitted {
        org_id: staff.user.org_id.to_string(),
        values: BTreeMap::new(),
        participants: Vec::new(),
    };
    render(&form_page(&state, &staff, kind, None, &sub, Vec::new()).await?)
}

/// Validates the submission: the input, or the errors by field.
fn parse_input(staff: &Staff, kind: &Kind, sub: &Submitted) -> Result<Input, Errors> {
    let mut errors: Errors = Vec::new();
    let org_id = match sub.org_id.trim().parse::<i64>() {
        Ok(id) if staff.can(Action::ManageWorkRecords, Some(id)) => id,
        _ => {
            errors.push(("org_id", "请从列表中选择所属单位".into()));
            0
        }
    };
    let mut participants = Vec::new();
    for p in &sub.participants {
        match p.parse::<i64>() {
            Ok(n) => participants.push(n),
            Err(_) => {
                errors.push(("participant", "请从名单中选择参训人员".into()));
                break;
            }
        }
    }
    let input = Input {
        org_id,
        values: sub.values.clone(),
        participants,
    };
    if let Err(e) = records::parse(kind, &input) {
        errors.extend(e);
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

async fn save(
    state: &AppState,
    staff: &Staff,
    kind: &'static Kind,
    id: Option<i64>,
    pairs: Pairs,
) -> AppResult<Response> {
    let sub = Submitted::from_pairs(&pairs);
    let errors = match parse_input(staff, kind, &sub) {
        Ok(input) => {
            let mut tx = state.db.begin().await?;
            let res = match id {
                Some(id) => records::update(&mut tx, &staff.actor(), kind, id, &input).await,
                None => records::create(&mut tx, &staff.actor(), kind, &input).await,
            };
            match res {
                Ok(r) => {
                    tx.commit().await?;
                    return Ok(see_other(&format!(
                        "/admin/records/{}/{}?saved=1",
                        kind.code, r.id
                    )));
                }
                Err(StoreError::Invalid(m)) => vec![("org_id", m)],
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => e,
    };
    render_with_status(
        &form_page(state, staff, kind, id, &sub, errors).await?,
        StatusCode::BAD_REQUEST,
    )
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    let kind = kind_of(&code)?;
    staff.require(Action::ManageWorkRecords, None)?;
    save(&state, &staff, kind, None, pairs).await
}

/// A record the staff member may see (404 otherwise).
async fn load(state: &AppState, staff: &Staff, kind: &Kind, id: i64) -> AppResult<Record> {
    let missing = || AppError::not_found(format!("{}记录不存在或不在您的管理范围内。", kind.noun));
    let rec = records::get(&state.db, kind, id)
        .await?
        .ok_or_else(missing)?;
    if can_view(staff, kind, Some(rec.org_id)) {
        Ok(rec)
    } else {
        Err(missing())
    }
}

async fn show_edit(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let kind = kind_of(&code)?;
    let rec = load(&state, &staff, kind, id).await?;
    staff.require(Action::ManageWorkRecords, Some(rec.org_id))?;
    let sub = Submitted::from_record(&rec, kind);
    render(&form_page(&state, &staff, kind, Some(id), &sub, Vec::new()).await?)
}

async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    let kind = kind_of(&code)?;
    let rec = load(&state, &staff, kind, id).await?;
    staff.require(Action::ManageWorkRecords, Some(rec.org_id))?;
    save(&state, &staff, kind, Some(id), pairs).await
}

// ---- the record page ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/record.html")]
struct RecordPage {
    layout: Layout,
    kind: &'static Kind,
    rec: Record,
    unit: String,
    /// (label, value, long text).
    values: Vec<(&'static str, String, bool)>,
    people: Vec<String>,
    can_edit: bool,
    /// Proposals: may the reply become a draft item now, or why not.
    can_draft: bool,
    draft_refusal: Option<&'static str>,
    created: String,
    notice: String,
}

#[derive(Deserialize)]
struct NoticeQuery {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    error: String,
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, id)): Path<(String, i64)>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let kind = kind_of(&code)?;
    let rec = load(&state, &staff, kind, id).await?;
    let orgs = orgs::list(&state.db).await?;
    let names = user_names(&state).await?;
    let values = kind
        .fields
        .iter()
        .map(|f| {
            let v = rec.text(f.name);
            let shown = if v.is_empty() {
                "（未填写）".to_string()
            } else {
                f.display(&v)
            };
            (f.label, shown, f.is_long())
        })
        .collect();
    let notice = if !q.error.is_empty() {
        String::new()
    } else if q.saved == "draft" {
        "答复已转为信息草稿，请在主动公开工作中送审。".into()
    } else if !q.saved.is_empty() {
        "已保存。".into()
    } else {
        String::new()
    };
    let draft_refusal = if kind.item_link {
        records::proposals::refusal(&rec)
    } else {
        None
    };
    render(&RecordPage {
        layout: staff.layout(&format!("{}：{}", kind.noun, rec.text(kind.title_field))),
        kind,
        unit: name_of(&orgs, rec.org_id),
        values,
        people: rec
            .participants
            .iter()
            .map(|u| names.get(u).cloned().unwrap_or_else(|| format!("用户 {u}")))
            .collect(),
        can_edit: staff.can(Action::ManageWorkRecords, Some(rec.org_id)),
        can_draft: kind.item_link && staff.can(Action::DraftItem, Some(rec.org_id)),
        draft_refusal,
        created: cst(rec.created_at),
        notice,
        rec,
    })
}

/// Turns a proposal's disclosable reply into a draft item of its unit (the normal review
/// follows on the item's page).
async fn draft_item(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let kind = kind_of(&code)?;
    if !kind.item_link {
        return Err(AppError::not_found(
            "您访问的页面不存在，请检查网址是否正确。",
        ));
    }
    let rec = load(&state, &staff, kind, id).await?;
    staff.require(Action::DraftItem, Some(rec.org_id))?;
    let caps = Capabilities::for_target(&staff.grants, rec.org_id, &staff.tree);
    let mut tx = state.db.begin().await?;
    let item = records::proposals::to_draft_item(&mut tx, &staff.actor(), &rec, caps).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/admin/items/{}?saved=created",
        item.id
    )))
}
