//! 依申请公开 in the console (issue #6, product.md C7/C9): the list with filters (scope in the
//! query) and CSV export, staff registration for every channel (Art. 29), the application page
//! with every date and its working, one form per workflow step, the 督办 dashboard, an
//! iCalendar feed of the deadlines the user supervises, and the review/litigation register.
//!
//! Access: everything needs `ManageApplications` on the application's organisation; an
//! extension needs `ApproveExtension` (the office head, Art. 33 ¶2). An application outside the
//! staff member's scope is a 404, so its existence is not revealed.

use std::fmt::Write as _;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use gongkai_core::applications::table3::{CaseKind, CaseResult};
use gongkai_core::applications::{Basis, Channel, Outcome, Stage};
use gongkai_core::auth::Action;
use gongkai_core::fee::format_yuan;
use gongkai_store::applications::register::{self, Case, CaseInput};
use gongkai_store::applications::workflow::{self, Consultation, Decision, Extension, FeeNotice};
use gongkai_store::applications::{self, AppEvent, AppItem, Application, Contact, ListFilter};
use gongkai_store::attachments::Attachment;
use gongkai_store::deadlines::{self, DeadlineRow, OpenFilter, Window};
use gongkai_store::orgs;
use serde::Deserialize;

use crate::AppState;
use crate::appform::{self, ApplicationForm, Choices, Errors};
use crate::error::{AppError, AppResult};
use crate::export::{attachment, csv_cell};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, cst, render, render_with_status, see_other};
use crate::session::Staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/applications",
            get(list_applications).post(create_application),
        )
        .route("/applications/new", get(show_new))
        .route("/applications/export.csv", get(export_csv))
        .route("/applications/export.xlsx", get(export_xlsx))
        .route("/applications/{id}", get(show_application))
        .route("/applications/{id}/step/{step}", post(do_step))
        .route("/applications/{id}/reveal", post(reveal_contact))
        .route("/applications/{id}/proof", post(download_proof))
        .route("/supervision", get(show_supervision))
        .route("/supervision/deadlines.ics", get(ical_feed))
        .route("/appeals", get(list_appeals).post(create_appeal))
        .route("/appeals/{id}", post(update_appeal))
}

fn today() -> NaiveDate {
    deadlines::today()
}

/// The application, if it exists and is in the staff member's scope (404 otherwise).
async fn load(state: &AppState, staff: &Staff, id: i64) -> AppResult<Application> {
    match applications::get(&state.db, id).await? {
        Some(a) if staff.can(Action::ManageApplications, Some(a.org_id)) => Ok(a),
        _ => Err(AppError::not_found("申请不存在或不在您的管理范围内。")),
    }
}

// ---------------------------------------------------------------- list and export

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    applicant_type: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    help: String,
}

impl ListQuery {
    fn filter(&self) -> ListFilter {
        ListFilter {
            stage: Some(self.stage.clone()),
            channel: Some(self.channel.clone()),
            applicant_type: Some(self.applicant_type.clone()),
            year: self.year.trim().parse().ok(),
            q: Some(self.q.clone()),
            help_only: !self.help.is_empty(),
            limit: 500,
            ..Default::default()
        }
    }
    fn query_string(&self) -> String {
        let mut s = String::new();
        for (k, v) in [
            ("stage", &self.stage),
            ("channel", &self.channel),
            ("applicant_type", &self.applicant_type),
            ("year", &self.year),
            ("q", &self.q),
            ("help", &self.help),
        ] {
            if !v.is_empty() {
                let _ = write!(
                    s,
                    "{}{k}={}",
                    if s.is_empty() { "?" } else { "&" },
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                );
            }
        }
        s
    }
}

struct Row {
    app: Application,
    due: String,
}

#[derive(Template)]
#[template(path = "admin/applications.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    q: ListQuery,
    /// The list's filter as a query string, for the export links.
    export_query: String,
    stages: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    choices: Choices,
    popular: Vec<(String, i64)>,
}

async fn list_applications(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let scopes = staff.scopes(Action::ManageApplications);
    let apps = applications::list(&state.db, &scopes, &q.filter()).await?;
    let mut rows = Vec::with_capacity(apps.len());
    for app in apps {
        let due = deadlines::get(
            &state.db,
            applications::OBJECT_TYPE,
            app.id,
            workflow::REPLY,
        )
        .await?
        .filter(DeadlineRow::is_open)
        .map(|d| d.due_date)
        .unwrap_or_default();
        rows.push(Row { app, due });
    }
    let popular = applications::popular_requests(&state.db, &scopes).await?;
    render(&ListPage {
        layout: staff.layout("依申请公开"),
        rows,
        export_query: q.query_string(),
        q,
        stages: Stage::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        channels: Channel::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        choices: Choices::new(),
        popular,
    })
}

/// CSV export of the filtered list (UTF-8 with BOM so spreadsheet programs read the Chinese);
/// one row per requested item, with the table-3 outcome code. No ID numbers or contact data.
/// The columns of the applications export (one row per requested item, 一事一申请).
const EXPORT_HEADERS: [&str; 13] = [
    "受理编号",
    "申请渠道",
    "申请人类型",
    "申请人",
    "到达日期",
    "收到申请之日",
    "状态",
    "事项序号",
    "所需信息",
    "办理结果代码",
    "办理结果",
    "决定日期",
    "答复日期",
];

/// The rows of the export for the list's filter within the staff member's scope, and the
/// watermark of the export: the applicant's name is personal data, so the export needs
/// `ExportPersonalData` and is audited (`personal.export`, issue #13).
async fn export_rows(
    state: &AppState,
    staff: &Staff,
    q: &ListQuery,
) -> AppResult<(Vec<[String; 13]>, String)> {
    staff.require(Action::ManageApplications, None)?;
    staff.require(Action::ExportPersonalData, None)?;
    let scopes = staff.scopes(Action::ManageApplications);
    let apps = applications::list(&state.db, &scopes, &q.filter()).await?;
    let mut rows = Vec::new();
    for a in &apps {
        for i in applications::items(&state.db, a.id).await? {
            rows.push([
                a.tracking_no.clone(),
                a.channel_label().to_owned(),
                a.applicant_type_label().to_owned(),
                a.applicant_name.clone(),
                a.arrived_on.clone(),
                a.received_on.clone().unwrap_or_default(),
                a.stage_label().to_owned(),
                i.seq.to_string(),
                i.description.clone(),
                i.outcome.clone().unwrap_or_default(),
                i.outcome()
                    .map(Outcome::label)
                    .unwrap_or_default()
                    .to_owned(),
                i.decided_on.clone().unwrap_or_default(),
                a.replied_on.clone().unwrap_or_default(),
            ]);
        }
    }
    let mut tx = state.db.begin().await?;
    let records = u64::try_from(apps.len()).unwrap_or(u64::MAX);
    let mark =
        gongkai_store::personal::record_export(&mut tx, &staff.actor(), "applications", records)
            .await?;
    tx.commit().await?;
    Ok((rows, mark))
}

/// The list as CSV (UTF-8 with BOM, for Excel and WPS); the watermark is the last line.
async fn export_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (rows, mark) = export_rows(&state, &staff, &q).await?;
    let mut out = String::from("\u{feff}");
    out.push_str(&EXPORT_HEADERS.join(","));
    out.push_str("\r\n");
    for row in &rows {
        let line: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.push_str(&csv_cell(&mark));
    out.push_str("\r\n");
    Ok(attachment(
        out.into_bytes(),
        "text/csv; charset=utf-8",
        "applications.csv",
    ))
}

/// The list as an XLSX workbook; the watermark is in the page header and under the table.
async fn export_xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (rows, mark) = export_rows(&state, &staff, &q).await?;
    let bytes = xlsx(&rows, &mark).map_err(AppError::internal)?;
    Ok(attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "applications.xlsx",
    ))
}

fn xlsx(rows: &[[String; 13]], mark: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("依申请公开")?;
    // Header text is XLSX header/footer code: '&' starts a control sequence.
    ws.set_header(format!("&C{}", mark.replace('&', "&&")));
    for (c, h) in EXPORT_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            // 事项序号 is a number; everything else (numbers with leading zeros, dates) text.
            match (c, cell.parse::<f64>()) {
                (7, Ok(n)) => ws.write_number(r, c as u16, n)?,
                _ => ws.write_string(r, c as u16, cell)?,
            };
        }
    }
    ws.write_string((rows.len() + 2) as u32, 0, mark)?;
    wb.save_to_buffer()
}

// ---------------------------------------------------------------- registration

#[derive(Template)]
#[template(path = "admin/application_new.html")]
struct NewPage {
    layout: Layout,
    form: ApplicationForm,
    errors: Errors,
    choices: Choices,
    channels: Vec<(&'static str, &'static str)>,
    orgs: Vec<(i64, String)>,
    org_id: String,
    staff_mode: bool,
}

impl NewPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        appform::error_for(&self.errors, field)
    }
}

async fn scoped_orgs(state: &AppState, staff: &Staff) -> AppResult<Vec<(i64, String)>> {
    Ok(orgs::list(&state.db)
        .await?
        .into_iter()
        .filter(|o| staff.can(Action::ManageApplications, Some(o.id)))
        .map(|o| (o.id, o.full_name))
        .collect())
}

async fn show_new(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let orgs = scoped_orgs(&state, &staff).await?;
    let org_id = orgs.first().map(|o| o.0.to_string()).unwrap_or_default();
    let form = ApplicationForm {
        arrived_on: today().to_string(),
        ..Default::default()
    };
    render(&NewPage {
        layout: staff.layout("登记申请"),
        form,
        errors: Vec::new(),
        choices: Choices::new(),
        channels: Channel::STAFF
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        orgs,
        org_id,
        staff_mode: true,
    })
}

#[derive(Deserialize)]
struct NewForm {
    #[serde(default)]
    org_id: String,
    #[serde(flatten)]
    form: ApplicationForm,
}

/// Staff registration of an application received in person, by post, by letter, by fax or
/// orally (Art. 29: staff fill the form for the applicant).
async fn create_application(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let orgs = scoped_orgs(&state, &staff).await?;
    let org_id = f.org_id.trim().parse::<i64>().unwrap_or(0);
    let (input, mut errors) = f.form.parse(org_id, None, today());
    let mut staff_errors =
        appform::staff_registration_errors(&input, orgs.iter().any(|(id, _)| *id == org_id));
    // The organisation comes first on the form, the channel after the other fields.
    if staff_errors.first().is_some_and(|(f, _)| f == "org_id") {
        errors.insert(0, staff_errors.remove(0));
    }
    errors.extend(staff_errors);
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match applications::create(
            &mut tx,
            &staff.actor(),
            &state.config.vault.get(),
            &input,
            today(),
        )
        .await
        {
            Ok(created) => {
                tx.commit().await?;
                return Ok(see_other(&format!(
                    "/admin/applications/{}?created={}",
                    created.application.id, created.secret
                )));
            }
            Err(gongkai_store::StoreError::Invalid(m)) => errors.push(("channel".into(), m)),
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &NewPage {
            layout: staff.layout("登记申请"),
            form: f.form,
            errors,
            choices: Choices::new(),
            channels: Channel::STAFF
                .iter()
                .map(|c| (c.code(), c.label()))
                .collect(),
            orgs,
            org_id: f.org_id,
            staff_mode: true,
        },
        StatusCode::BAD_REQUEST,
    )
}

// ---------------------------------------------------------------- the application page

/// Every step form's fields (strings, kept on error). The API maps its JSON bodies onto the same
/// fields, so both run one parser ([`apply_step`]).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct StepForm {
    #[serde(default)]
    pub(crate) date: String,
    #[serde(default)]
    pub(crate) date2: String,
    #[serde(default)]
    pub(crate) text: String,
    #[serde(default)]
    pub(crate) number: String,
    #[serde(default)]
    pub(crate) choice: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) target: String,
    #[serde(default)]
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) basis: String,
    #[serde(default)]
    pub(crate) withheld_what: String,
    #[serde(default)]
    pub(crate) withheld_why: String,
    #[serde(default)]
    pub(crate) published_item_id: String,
}

struct DeadlineView {
    label: &'static str,
    row: DeadlineRow,
}

#[derive(Template)]
#[template(path = "admin/application.html")]
struct DetailPage {
    layout: Layout,
    app: Application,
    org_name: String,
    department_name: String,
    items: Vec<AppItem>,
    events: Vec<AppEvent>,
    deadlines: Vec<DeadlineView>,
    consultations: Vec<Consultation>,
    extensions: Vec<Extension>,
    fees: Vec<FeeNotice>,
    departments: Vec<(i64, String)>,
    outcomes: Vec<(&'static str, String)>,
    bases: Vec<(&'static str, &'static str)>,
    can_extend: bool,
    stage: Stage,
    /// (step, message) of a failed step, shown by that step's form.
    step_error: Option<(String, String)>,
    step: StepForm,
    created_secret: Option<String>,
    repeat_no: Option<String>,
    cases: Vec<Case>,
    /// The applicant's details: masked, or in full after an audited reveal (issue #13).
    contact: Contact,
    revealed: bool,
    can_reveal: bool,
    /// The identity proof on file (its record; the file itself only through a reveal).
    proof: Option<Attachment>,
    letters: Vec<super::letters::LetterRow>,
    send_channels: Vec<(&'static str, &'static str)>,
    today: String,
    /// The mailbox message this application was converted from (id, query number).
    from_message: Option<(i64, String)>,
}

impl DetailPage {
    fn error_in(&self, step: &str) -> Option<&str> {
        self.step_error
            .as_ref()
            .filter(|(s, _)| s == step)
            .map(|(_, m)| m.as_str())
    }
    fn kept(&self, step: &str) -> StepForm {
        if self.error_in(step).is_some() {
            self.step.clone()
        } else {
            StepForm {
                date: today().to_string(),
                ..Default::default()
            }
        }
    }
    fn yuan(&self, fen: &i64) -> String {
        format_yuan(*fen)
    }
    fn at(&self, ms: &i64) -> String {
        cst(*ms)
    }
    fn action(&self, code: &str) -> &'static str {
        match code {
            "register" => "登记",
            "confirm" => "确认收到",
            "request_correction" => "补正告知",
            "receive_correction" => "收到补正",
            "assign" => "分办",
            "consult" => "征求意见",
            "consultation_reply" => "征求意见结果",
            "extend" => "延期",
            "fee_notice" => "收费通知",
            "fee_paid" => "缴费",
            "decide" => "决定",
            "close_lapsed" => "逾期终止",
            "reply" => "答复",
            "archive" => "归档",
            "from_mailbox" => "由留言转来",
            _ => "其他",
        }
    }
    fn open_consultation(&self) -> bool {
        self.consultations.iter().any(|c| c.replied_on.is_none())
    }
    fn stage_is(&self, codes: &str) -> bool {
        codes.split(',').any(|c| c == self.stage.code())
    }
}

#[derive(Deserialize, Default)]
struct DetailQuery {
    created: Option<String>,
    done: Option<String>,
}

async fn detail(
    state: &AppState,
    staff: &Staff,
    app: Application,
    step_error: Option<(String, String)>,
    step: StepForm,
    created_secret: Option<String>,
) -> AppResult<DetailPage> {
    let all_orgs = orgs::list(&state.db).await?;
    let name_of = |id: i64| {
        all_orgs
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.full_name.clone())
            .unwrap_or_default()
    };
    let departments = all_orgs
        .iter()
        .filter(|o| staff.tree.is_within(o.id, app.org_id))
        .map(|o| (o.id, o.full_name.clone()))
        .collect();
    let mut dls = Vec::new();
    for (kind, label) in [
        (workflow::REPLY, "答复期限"),
        (workflow::CORRECTION_NOTICE, "补正告知期限"),
        (workflow::CORRECTION_PERIOD, "申请人补正期限"),
        (workflow::FEE_PAYMENT, "缴费期限"),
    ] {
        if let Some(row) =
            deadlines::get(&state.db, applications::OBJECT_TYPE, app.id, kind).await?
        {
            dls.push(DeadlineView { label, row });
        }
    }
    let consultations = workflow::consultations(&state.db, app.id).await?;
    for c in &consultations {
        if let Some(row) = deadlines::get(
            &state.db,
            applications::OBJECT_TYPE,
            app.id,
            &workflow::consultation_kind(c.id),
        )
        .await?
        {
            dls.push(DeadlineView {
                label: "征求意见期限",
                row,
            });
        }
    }
    let repeat_no = match app.repeat_of {
        Some(r) => applications::get(&state.db, r)
            .await?
            .map(|a| a.tracking_no),
        None => None,
    };
    let cases = register::list(&state.db, &[app.org_id], None)
        .await?
        .into_iter()
        .filter(|c| c.application_id == Some(app.id))
        .collect();
    let contact = app
        .contact(&state.config.vault.get())?
        .masked(&app.pii_id_kind);
    let proof = match app.identity_proof_id {
        Some(pid) => gongkai_store::attachments::get(&state.db, pid)
            .await?
            .filter(|a| a.owner_type == applications::IDENTITY_PROOF_OWNER),
        None => None,
    };
    Ok(DetailPage {
        letters: super::letters::rows(state, app.id).await?,
        send_channels: super::letters::channels(state),
        today: today().to_string(),
        contact,
        revealed: false,
        can_reveal: staff.can(Action::RevealPersonalData, Some(app.org_id)),
        proof,
        layout: staff.layout(&format!("申请 {}", app.tracking_no)),
        org_name: name_of(app.org_id),
        department_name: app.department_id.map(name_of).unwrap_or_default(),
        items: applications::items(&state.db, app.id).await?,
        events: applications::events(&state.db, app.id).await?,
        deadlines: dls,
        consultations,
        extensions: workflow::extensions(&state.db, app.id).await?,
        fees: workflow::fees(&state.db, app.id).await?,
        departments,
        outcomes: Outcome::ALL
            .iter()
            .filter(|o| !o.is_closure())
            .map(|o| (o.code(), o.label()))
            .collect(),
        bases: Basis::ALL.iter().map(|b| (b.code(), b.label())).collect(),
        can_extend: staff.can(Action::ApproveExtension, Some(app.org_id)),
        stage: app.stage()?,
        step_error,
        step,
        created_secret,
        repeat_no,
        cases,
        from_message: gongkai_store::mailbox::convert::source_message(&state.db, app.id).await?,
        app,
    })
}

async fn show_application(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let mut page = detail(&state, &staff, app, None, StepForm::default(), q.created).await?;
    if let Some(done) = q.done {
        page.layout.flash = Some(done);
    }
    render(&page)
}

#[derive(Deserialize, Default)]
struct RevealForm {
    #[serde(default)]
    reason: String,
}

/// Checks `RevealPersonalData` on the application's organisation and records the reveal of
/// `field` with the reason (`personal.reveal`, audited) in one transaction. `Ok(Err(message))`
/// when the reason is missing.
async fn record_reveal(
    state: &AppState,
    staff: &Staff,
    app: &Application,
    field: &str,
    reason: &str,
) -> AppResult<Result<(), String>> {
    staff.require(Action::RevealPersonalData, Some(app.org_id))?;
    let mut tx = state.db.begin().await?;
    match gongkai_store::personal::reveal(
        &mut tx,
        &staff.actor(),
        applications::OBJECT_TYPE,
        &app.id.to_string(),
        field,
        reason,
    )
    .await
    {
        Ok(()) => {
            tx.commit().await?;
            Ok(Ok(()))
        }
        Err(gongkai_store::StoreError::Invalid(m)) => Ok(Err(m)),
        Err(e) => Err(e.into()),
    }
}

/// 显示完整信息: the applicant's numbers and contact details in full, for the office that
/// handles the application, with a reason kept in the audit log.
async fn reveal_contact(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let refused = record_reveal(&state, &staff, &app, "contact", &f.reason).await?;
    let full = app.contact(&state.config.vault.get())?;
    let mut page = detail(&state, &staff, app, None, StepForm::default(), None).await?;
    match refused {
        Ok(()) => {
            page.contact = full;
            page.revealed = true;
            render(&page)
        }
        Err(m) => {
            page.step_error = Some(("reveal".into(), m));
            render_with_status(&page, StatusCode::BAD_REQUEST)
        }
    }
}

/// Downloads the identity proof (opened from the vault), with a reason kept in the audit log.
async fn download_proof(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    if let Err(m) = record_reveal(&state, &staff, &app, "identity_proof", &f.reason).await? {
        let mut page = detail(&state, &staff, app, None, StepForm::default(), None).await?;
        page.step_error = Some(("proof".into(), m));
        return render_with_status(&page, StatusCode::BAD_REQUEST);
    }
    let vault = state.config.vault.get();
    let Some((att, bytes)) =
        applications::identity_proof(&state.db, &state.config.data_dir, &vault, &app).await?
    else {
        return Err(AppError::not_found("该申请没有上传身份证明。"));
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&att.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ext = att
        .kind()
        .and_then(|k| k.extensions().first().copied())
        .unwrap_or("bin");
    let disposition = format!(
        "attachment; filename=\"identity-proof-{}.{ext}\"",
        app.tracking_no
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Why a step was refused: bad input (400), the application's stage or records do not allow it
/// (409), or an error that is not the user's (shown as an error page / API error).
#[derive(Debug)]
pub(crate) enum StepError {
    Invalid(String),
    Conflict(String),
    Other(AppError),
}

impl From<AppError> for StepError {
    fn from(e: AppError) -> StepError {
        StepError::Other(e)
    }
}

impl From<gongkai_store::StoreError> for StepError {
    fn from(e: gongkai_store::StoreError) -> StepError {
        match e {
            gongkai_store::StoreError::Invalid(m) => StepError::Invalid(m),
            gongkai_store::StoreError::Conflict(m) => StepError::Conflict(m),
            other => StepError::Other(AppError::from(other)),
        }
    }
}

fn msg(m: impl Into<String>) -> StepError {
    StepError::Invalid(m.into())
}

pub(crate) fn date_arg(s: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("请填写{what}，格式为 年-月-日，例如 2025-03-03"))
}

pub(crate) fn opt_date(s: &str, what: &str) -> Result<Option<NaiveDate>, String> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        date_arg(s, what).map(Some)
    }
}

/// Parses `f` for `step` and runs the store's workflow function in `tx` (the caller has checked
/// `ManageApplications` on the application's organisation, and `ApproveExtension` for
/// `extend`, and commits). Returns the notice to show. Records named by id (a consultation, an
/// item) must belong to application `id`.
pub(crate) async fn apply_step(
    state: &AppState,
    tx: &mut gongkai_store::Tx,
    actor: &gongkai_store::audit::Actor,
    id: i64,
    step: &str,
    f: &StepForm,
    t: NaiveDate,
) -> Result<&'static str, StepError> {
    match step {
        "confirm" => {
            let d = date_arg(&f.date, "确认日期").map_err(msg)?;
            workflow::confirm(tx, actor, id, d, t).await?;
            Ok("已确认收到申请，答复期限开始计算。")
        }
        "correction" => {
            let d = date_arg(&f.date, "补正告知日期").map_err(msg)?;
            let n = match f.number.trim() {
                "" => None,
                s => Some(s.parse::<u32>().map_err(|_| msg("补正期限应为数字"))?),
            };
            workflow::request_correction(tx, actor, id, d, &f.text, n, t).await?;
            Ok("补正告知已登记。")
        }
        "correction_received" => {
            let d = date_arg(&f.date, "收到补正日期").map_err(msg)?;
            workflow::receive_correction(tx, actor, id, d, t).await?;
            Ok("已登记补正，答复期限重新计算。")
        }
        "assign" => {
            let dep = f
                .target
                .trim()
                .parse::<i64>()
                .map_err(|_| msg("请选择承办部门"))?;
            workflow::assign(tx, actor, id, dep, &f.text).await?;
            Ok("已分办。")
        }
        "consult" => {
            let d = date_arg(&f.date, "征求意见书发出日期").map_err(msg)?;
            let r = opt_date(&f.date2, "对方收到日期").map_err(msg)?;
            workflow::start_consultation(tx, actor, id, &f.choice, &f.name, d, r, t).await?;
            Ok("征求意见已登记，答复期限暂停计算。")
        }
        "consult_reply" => {
            let cid = f
                .target
                .trim()
                .parse::<i64>()
                .map_err(|_| msg("请选择征求意见记录"))?;
            if !workflow::consultations(&state.db, id)
                .await
                .map_err(|e| StepError::Other(e.into()))?
                .iter()
                .any(|c| c.id == cid)
            {
                return Err(StepError::Other(AppError::not_found(
                    "征求意见记录不存在。",
                )));
            }
            let d = date_arg(&f.date, "回复日期").map_err(msg)?;
            workflow::finish_consultation(tx, actor, cid, d, &f.choice, &f.text, t).await?;
            Ok("征求意见结果已登记。")
        }
        "extend" => {
            let n = f
                .number
                .trim()
                .parse::<u32>()
                .map_err(|_| msg("请填写延长的工作日数"))?;
            let approved = date_arg(&f.date, "批准日期").map_err(msg)?;
            let notice = date_arg(&f.date2, "告知申请人日期").map_err(msg)?;
            workflow::extend(tx, actor, id, n, &f.text, approved, notice, t).await?;
            Ok("延期已登记。")
        }
        "fee" => {
            let d = date_arg(&f.date, "收费通知日期").map_err(msg)?;
            let r = date_arg(&f.date2, "送达日期").map_err(msg)?;
            let pages = match f.number.trim() {
                "" => 0,
                s => s.parse::<u64>().map_err(|_| msg("页数应为数字"))?,
            };
            workflow::fee_notice(tx, actor, id, &f.choice, pages, d, r, t).await?;
            Ok("收费通知已登记。")
        }
        "fee_paid" => {
            let d = date_arg(&f.date, "缴费日期").map_err(msg)?;
            workflow::record_payment(tx, actor, id, d, t).await?;
            Ok("缴费已登记。")
        }
        "decide" => {
            let item = f
                .target
                .trim()
                .parse::<i64>()
                .map_err(|_| msg("请选择事项"))?;
            let items = applications::items(&state.db, id)
                .await
                .map_err(|e| StepError::Other(e.into()))?;
            if !items.iter().any(|i| i.id == item) {
                return Err(StepError::Other(AppError::not_found("事项不存在。")));
            }
            let outcome = Outcome::from_code(&f.outcome).ok_or_else(|| msg("请选择办理结果"))?;
            let basis = match f.basis.trim() {
                "" => None,
                b => Some(Basis::from_code(b).ok_or_else(|| msg("依据无效"))?),
            };
            let published = match f.published_item_id.trim() {
                "" => None,
                s => Some(
                    s.parse::<i64>()
                        .map_err(|_| msg("已公开信息编号应为数字"))?,
                ),
            };
            let d = date_arg(&f.date, "决定日期").map_err(msg)?;
            workflow::decide_item(
                tx,
                actor,
                item,
                &Decision {
                    outcome,
                    basis,
                    withheld_what: f.withheld_what.clone(),
                    withheld_why: f.withheld_why.clone(),
                    published_item_id: published,
                    note: f.text.clone(),
                    decided_on: d,
                },
                t,
            )
            .await?;
            Ok("决定已登记。")
        }
        "route_out" => {
            let d = date_arg(&f.date, "决定日期").map_err(msg)?;
            workflow::route_out(tx, actor, id, d, &f.text, t).await?;
            Ok("已按信访、投诉、举报事项处理（条例第三十九条第一款），请向申请人发出告知书。")
        }
        "reply" => {
            let d = date_arg(&f.date, "答复送达日期").map_err(msg)?;
            workflow::record_reply(tx, actor, id, &f.choice, d, t).await?;
            Ok("答复已登记。")
        }
        "archive" => {
            let d = date_arg(&f.date, "归档日期").map_err(msg)?;
            workflow::archive(tx, actor, id, d, t).await?;
            Ok("已归档。")
        }
        _ => Err(StepError::Other(AppError::not_found("没有这个办理步骤。"))),
    }
}

/// Runs one workflow step; a refused step re-renders the page with the message by its form and
/// the input kept (400).
async fn do_step(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, step)): Path<(i64, String)>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    if step == "extend" {
        staff.require(Action::ApproveExtension, Some(app.org_id))?;
    }
    let mut tx = state.db.begin().await?;
    let result = apply_step(&state, &mut tx, &staff.actor(), id, &step, &f, today()).await;
    match result {
        Ok(done) => {
            tx.commit().await?;
            Ok(see_other(&format!(
                "/admin/applications/{id}?done={}",
                url::form_urlencoded::byte_serialize(done.as_bytes()).collect::<String>()
            )))
        }
        Err(StepError::Other(e)) => Err(e),
        Err(StepError::Invalid(message) | StepError::Conflict(message)) => {
            drop(tx);
            let app = load(&state, &staff, id).await?;
            let page = detail(&state, &staff, app, Some((step, message)), f, None).await?;
            render_with_status(&page, StatusCode::BAD_REQUEST)
        }
    }
}

// ---------------------------------------------------------------- 督办 and iCalendar

struct Group {
    title: &'static str,
    rows: Vec<DeadlineRow>,
}

#[derive(Template)]
#[template(path = "admin/supervision.html")]
struct SupervisionPage {
    layout: Layout,
    groups: Vec<Group>,
    by_department: Vec<(String, usize, usize)>,
}

fn link_of(row: &DeadlineRow) -> String {
    if row.object_type == applications::OBJECT_TYPE {
        format!("/admin/applications/{}", row.object_id)
    } else {
        String::new()
    }
}

/// 督办: open deadlines in scope, overdue / due today / due within 3 WD, and counts by unit.
async fn show_supervision(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let scopes = staff.scopes(Action::ManageApplications);
    let t = today();
    let mut groups = Vec::new();
    for (title, window) in [
        ("已逾期", Window::Overdue),
        ("今日到期", Window::DueToday),
        ("3个工作日内到期", Window::DueWithin(3)),
    ] {
        let rows = deadlines::list_open(&state.db, &scopes, &OpenFilter::new(t, window)).await?;
        groups.push(Group { title, rows });
    }
    let all_orgs = orgs::list(&state.db).await?;
    let mut by_department = Vec::new();
    for o in &all_orgs {
        let overdue = groups[0].rows.iter().filter(|r| r.org_id == o.id).count();
        let soon = groups[2].rows.iter().filter(|r| r.org_id == o.id).count();
        if overdue + soon > 0 {
            by_department.push((o.full_name.clone(), overdue, soon));
        }
    }
    render(&SupervisionPage {
        layout: staff.layout("督办"),
        groups,
        by_department,
    })
}

fn ics_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// The open deadlines the user supervises as an iCalendar feed (RFC 5545), all-day events on
/// the due date.
async fn ical_feed(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let scopes = staff.scopes(Action::ManageApplications);
    let rows =
        deadlines::list_open(&state.db, &scopes, &OpenFilter::new(today(), Window::All)).await?;
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Gongkai//deadlines//ZH\r\nCALSCALE:GREGORIAN\r\nX-WR-CALNAME:政府信息公开期限\r\n",
    );
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    for r in rows {
        let Some(due) = r.due() else { continue };
        let next = due.succ_opt().unwrap_or(due);
        let _ = write!(
            out,
            "BEGIN:VEVENT\r\nUID:deadline-{}@gongkai\r\nDTSTAMP:{stamp}\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:{}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\n",
            r.id,
            due.format("%Y%m%d"),
            next.format("%Y%m%d"),
            ics_escape(&r.label),
            ics_escape(&r.explanation)
        );
    }
    out.push_str("END:VCALENDAR\r\n");
    let mut res = out.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

// ---------------------------------------------------------------- review and litigation register

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CaseForm {
    #[serde(default)]
    pub(crate) org_id: String,
    #[serde(default)]
    pub(crate) tracking_no: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) case_no: String,
    #[serde(default)]
    pub(crate) body_name: String,
    #[serde(default)]
    pub(crate) filed_on: String,
    #[serde(default)]
    pub(crate) result: String,
    #[serde(default)]
    pub(crate) concluded_on: String,
    #[serde(default)]
    pub(crate) note: String,
}

#[derive(Template)]
#[template(path = "admin/appeals.html")]
struct AppealsPage {
    layout: Layout,
    cases: Vec<Case>,
    orgs: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    results: Vec<(&'static str, &'static str)>,
    form: CaseForm,
    error: Option<String>,
}

async fn appeals_page(
    state: &AppState,
    staff: &Staff,
    form: CaseForm,
    error: Option<String>,
) -> AppResult<AppealsPage> {
    let scopes = staff.scopes(Action::ManageApplications);
    Ok(AppealsPage {
        layout: staff.layout("行政复议和行政诉讼登记"),
        cases: register::list(&state.db, &scopes, None).await?,
        orgs: scoped_orgs(state, staff).await?,
        kinds: CaseKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        results: CaseResult::ALL
            .iter()
            .map(|r| (r.code(), r.label()))
            .collect(),
        form,
        error,
    })
}

async fn list_appeals(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let form = CaseForm {
        result: "pending".into(),
        ..Default::default()
    };
    render(&appeals_page(&state, &staff, form, None).await?)
}

/// Parses a case of the register (the console's form, and the API's body mapped onto it);
/// `manages(org)` says whether the user has `ManageApplications` on `org`.
pub(crate) async fn case_input(
    state: &AppState,
    manages: &(dyn Fn(i64) -> bool + Sync),
    f: &CaseForm,
) -> Result<CaseInput, String> {
    let org_id = f
        .org_id
        .trim()
        .parse::<i64>()
        .map_err(|_| "请选择被申请机关".to_owned())?;
    if !manages(org_id) {
        return Err("请选择您管理范围内的机关".into());
    }
    let application_id = match f.tracking_no.trim() {
        "" => None,
        no => {
            let scopes = [org_id];
            let found = applications::list(
                &state.db,
                &scopes,
                &ListFilter {
                    q: Some(no.to_owned()),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            Some(
                found
                    .iter()
                    .find(|a| a.tracking_no == no)
                    .map(|a| a.id)
                    .ok_or_else(|| "没有找到该受理编号的申请".to_owned())?,
            )
        }
    };
    Ok(CaseInput {
        org_id,
        application_id,
        kind: CaseKind::from_code(&f.kind).ok_or_else(|| "请选择案件类型".to_owned())?,
        case_no: f.case_no.clone(),
        body_name: f.body_name.clone(),
        filed_on: date_arg(&f.filed_on, "申请（立案）日期")?,
        result: CaseResult::from_code(&f.result).ok_or_else(|| "请选择结果".to_owned())?,
        concluded_on: opt_date(&f.concluded_on, "审结日期")?,
        note: f.note.clone(),
    })
}

async fn create_appeal(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<CaseForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let manages = |o: i64| staff.can(Action::ManageApplications, Some(o));
    let input = match case_input(&state, &manages, &f).await {
        Ok(i) => i,
        Err(m) => {
            return render_with_status(
                &appeals_page(&state, &staff, f, Some(m)).await?,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let mut tx = state.db.begin().await?;
    match register::create(&mut tx, &staff.actor(), &input, today()).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other("/admin/appeals"))
        }
        Err(gongkai_store::StoreError::Invalid(m)) => render_with_status(
            &appeals_page(&state, &staff, f, Some(m)).await?,
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => Err(e.into()),
    }
}

async fn update_appeal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<CaseForm>,
) -> AppResult<Response> {
    let case = register::get(&state.db, id)
        .await?
        .filter(|c| staff.can(Action::ManageApplications, Some(c.org_id)))
        .ok_or_else(|| AppError::not_found("案件不存在或不在您的管理范围内。"))?;
    let manages = |o: i64| staff.can(Action::ManageApplications, Some(o));
    let mut input = match case_input(&state, &manages, &f).await {
        Ok(i) => i,
        Err(m) => {
            return render_with_status(
                &appeals_page(&state, &staff, f, Some(m)).await?,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    input.org_id = case.org_id;
    let mut tx = state.db.begin().await?;
    match register::update(&mut tx, &staff.actor(), id, &input, today()).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other("/admin/appeals"))
        }
        Err(gongkai_store::StoreError::Invalid(m)) => render_with_status(
            &appeals_page(&state, &staff, f, Some(m)).await?,
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => Err(e.into()),
    }
}
