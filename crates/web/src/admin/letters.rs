//! Letters to the applicant (告知书, issue #6; 条例 Arts. 30, 33, 36, 42): drafting from the
//! editable templates (the reply is composed per item from its decision basis, with the remedy of
//! REG §1.7), a check of the text before it is saved (the #3 scanner: a classification marking or
//! a sensitive word blocks; personal data must be confirmed as the applicant's own), the letter as
//! HTML, PDF and DOCX, and sending it: online (the status page shows it), by e-mail through the
//! configured SMTP relay, by post or in person. The reply paragraph templates are edited on
//! `/admin/applications/templates`.
//!
//! Access as for the application page: `ManageApplications` on its organisation (404 otherwise).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use gongkai_core::applications::Basis;
use gongkai_core::auth::Action;
use gongkai_core::scan::{FindingKind, ScanConfig, Scanner};
use gongkai_store::applications::{self, Application, letters};
use gongkai_store::{deadlines, orgs};
use serde::Deserialize;

use crate::AppState;
use crate::documents::{self, Format};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, render, render_with_status, see_other};
use crate::session::Staff;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/applications/templates",
            get(show_templates).post(save_template),
        )
        .route(
            "/applications/{id}/letters",
            get(show_draft).post(save_letter),
        )
        .route("/applications/{id}/letters/{lid}/send", post(send_letter))
        .route("/applications/{id}/letters/{lid}/{format}", get(download))
}

/// The kinds of letter, with their Chinese names and what they are for.
pub const KINDS: [(&str, &str); 5] = [
    ("reply", "政府信息公开申请答复告知书"),
    ("correction", "补正申请告知书"),
    ("extension", "延长答复期限告知书"),
    ("fee", "收取信息处理费通知书"),
    ("consultation", "征求意见函"),
];

fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or("告知书")
}

/// The delivery channels of a letter.
const VIA: [(&str, &str); 4] = [
    ("online", "网上（申请人凭受理编号和查询密码查看）"),
    ("email", "电子邮件"),
    ("post", "邮寄"),
    ("in_person", "当面送达"),
];

async fn load(state: &AppState, staff: &Staff, id: i64) -> AppResult<Application> {
    match applications::get(&state.db, id).await? {
        Some(a) if staff.can(Action::ManageApplications, Some(a.org_id)) => Ok(a),
        _ => Err(AppError::not_found("申请不存在或不在您的管理范围内。")),
    }
}

async fn load_letter(state: &AppState, app: &Application, lid: i64) -> AppResult<letters::Letter> {
    letters::list(&state.db, app.id)
        .await?
        .into_iter()
        .find(|l| l.id == lid)
        .ok_or_else(|| AppError::not_found("告知书不存在。"))
}

/// The agency that signs, and the body the remedy names (the parent organisation; empty = the
/// generic "上一级主管部门或者本级人民政府").
async fn agency_and_superior(state: &AppState, app: &Application) -> AppResult<(String, String)> {
    let all = orgs::list(&state.db).await?;
    let me = all.iter().find(|o| o.id == app.org_id);
    let agency = me.map(|o| o.full_name.clone()).unwrap_or_default();
    let superior = me
        .and_then(|o| o.parent_id)
        .and_then(|p| all.iter().find(|o| o.id == p))
        .map(|o| o.full_name.clone())
        .unwrap_or_default();
    Ok((agency, superior))
}

// ---------------------------------------------------------------- the pre-send check

/// What the check of a letter's text found.
struct Check {
    /// Findings that block saving (classification markings, sensitive words).
    blocking: Vec<String>,
    /// Personal data the drafter must confirm (the applicant's own, or lawfully disclosed).
    personal: Vec<String>,
}

fn check(title: &str, body: &str) -> AppResult<Check> {
    let scanner = Scanner::new(ScanConfig::default()).map_err(AppError::internal)?;
    let mut c = Check {
        blocking: Vec::new(),
        personal: Vec::new(),
    };
    for f in scanner.scan(&format!("{title}\n{body}")) {
        let line = format!("{}：“{}”（{}）", f.kind.label(), f.suggested_mask, f.reason);
        match f.kind {
            FindingKind::Classification | FindingKind::SensitiveWord => c.blocking.push(line),
            _ if f.blocking => c.personal.push(line),
            _ => {}
        }
    }
    Ok(c)
}

// ---------------------------------------------------------------- drafting

#[derive(Deserialize, Default)]
struct DraftQuery {
    #[serde(default)]
    kind: String,
}

#[derive(Deserialize, Default, Clone)]
struct LetterForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    /// The drafter confirms the personal data in the text (checkbox).
    #[serde(default)]
    personal_ok: String,
}

#[derive(Template)]
#[template(path = "admin/application_letter.html")]
struct DraftPage {
    layout: Layout,
    app: Application,
    kinds: Vec<(&'static str, &'static str)>,
    form: LetterForm,
    errors: Vec<String>,
    blocking: Vec<String>,
    personal: Vec<String>,
}

/// The starting text of a letter of `kind`: the composed reply, or a short frame to complete.
async fn starting_text(
    state: &AppState,
    app: &Application,
    kind: &str,
) -> AppResult<(String, String)> {
    let (agency, superior) = agency_and_superior(state, app).await?;
    if kind == "reply" {
        let items = applications::items(&state.db, app.id).await?;
        return match letters::compose_reply(&state.db, app, &items, &agency, &superior).await {
            Ok(t) => Ok(t),
            Err(gongkai_store::StoreError::Conflict(m)) => Err(AppError::conflict(m)),
            Err(e) => Err(e.into()),
        };
    }
    let title = format!("{}（{}）", kind_label(kind), app.tracking_no);
    let today = deadlines::today();
    let body = format!(
        "{}：\n\n本机关于{}收到您的政府信息公开申请（受理编号：{}）。\n\n（请在此写明告知事项、依据和期限。）\n\n{agency}\n{today}",
        app.applicant_name,
        app.received_on
            .clone()
            .unwrap_or_else(|| app.arrived_on.clone()),
        app.tracking_no,
    );
    Ok((title, body))
}

async fn show_draft(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DraftQuery>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let kind = if KINDS.iter().any(|(k, _)| *k == q.kind) {
        q.kind
    } else {
        "reply".to_string()
    };
    let (title, body) = starting_text(&state, &app, &kind).await?;
    render(&DraftPage {
        layout: staff.layout(&format!("起草{}", kind_label(&kind))),
        app,
        kinds: KINDS.to_vec(),
        form: LetterForm {
            kind,
            title,
            body,
            personal_ok: String::new(),
        },
        errors: Vec::new(),
        blocking: Vec::new(),
        personal: Vec::new(),
    })
}

/// Saves a letter after the check: a marking or sensitive word sends the draft back; personal
/// data must be confirmed with the checkbox. The check's result is kept in the audit record.
async fn save_letter(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<LetterForm>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let mut errors = Vec::new();
    if !KINDS.iter().any(|(k, _)| *k == f.kind) {
        errors.push("请选择告知书种类".to_string());
    }
    if f.title.trim().is_empty() {
        errors.push("请填写标题".to_string());
    }
    if f.body.trim().is_empty() {
        errors.push("请填写正文".to_string());
    }
    let c = check(&f.title, &f.body)?;
    if !c.blocking.is_empty() {
        errors.push("正文含有密级标志或敏感词，不能作为告知书发出，请修改后再保存".to_string());
    }
    if !c.personal.is_empty() && f.personal_ok.is_empty() {
        errors.push(
            "正文含有个人信息：请逐项核对，确认均属申请人本人或可以依法提供后，勾选确认再保存"
                .to_string(),
        );
    }
    if errors.is_empty() {
        let review = if c.personal.is_empty() {
            "发出前检查：未发现密级标志、敏感词或个人信息".to_string()
        } else {
            format!(
                "发出前检查：发现个人信息 {} 处，经办人已核对确认",
                c.personal.len()
            )
        };
        let mut tx = state.db.begin().await?;
        match letters::save(
            &mut tx,
            &staff.actor(),
            app.id,
            &f.kind,
            &f.title,
            &f.body,
            &review,
        )
        .await
        {
            Ok(_) => {
                tx.commit().await?;
                return Ok(see_other(&format!(
                    "/admin/applications/{}?done={}#letters",
                    app.id,
                    url_escape("告知书已保存，请选择送达方式发出")
                )));
            }
            Err(gongkai_store::StoreError::Invalid(m)) => errors.push(m),
            Err(e) => return Err(e.into()),
        }
    }
    let label = kind_label(&f.kind);
    render_with_status(
        &DraftPage {
            layout: staff.layout(&format!("起草{label}")),
            app,
            kinds: KINDS.to_vec(),
            form: f,
            errors,
            blocking: c.blocking,
            personal: c.personal,
        },
        StatusCode::BAD_REQUEST,
    )
}

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---------------------------------------------------------------- output and sending

async fn download(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, lid, format)): Path<(i64, i64, String)>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let format = Format::from_code(&format)
        .ok_or_else(|| AppError::not_found("不支持的格式，请选择 HTML、PDF 或 Word。"))?;
    let letter = load_letter(&state, &app, lid).await?;
    documents::download(
        &documents::letter(&letter),
        format,
        &format!("letter-{}-{}", app.tracking_no, letter.id),
    )
}

#[derive(Deserialize, Default)]
struct SendForm {
    #[serde(default)]
    via: String,
    #[serde(default)]
    date: String,
    /// For post and in person: the address or the recipient.
    #[serde(default)]
    to: String,
}

/// Sends a letter: online (shown on the status page), by e-mail to the address the applicant
/// gave (sent through the relay first; nothing is recorded if it fails), by post or in person
/// (recorded with the address or recipient). Audited (`application.letter_sent`).
async fn send_letter(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, lid)): Path<(i64, i64)>,
    Form(f): Form<SendForm>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let letter = load_letter(&state, &app, lid).await?;
    let back = |msg: &str| {
        see_other(&format!(
            "/admin/applications/{}?done={}#letters",
            app.id,
            url_escape(msg)
        ))
    };
    if letter.sent_on.is_some() {
        return Err(AppError::conflict("该告知书已经发出，不能重复发出。"));
    }
    let on = match NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            return Err(AppError::bad_request(
                "送达日期格式不正确，请按“年-月-日”填写，例如 2025-03-03。",
            ));
        }
    };
    let to = match f.via.as_str() {
        "online" => String::new(),
        "email" => {
            let Some(mailer) = &state.config.mail else {
                return Err(AppError::conflict(
                    "本系统未配置邮件服务器，请选择网上、邮寄或当面送达。",
                ));
            };
            let contact = app.contact(&state.config.vault.get())?;
            if contact.email.trim().is_empty() {
                return Err(AppError::conflict(
                    "申请人没有留下电子邮箱，请选择其他送达方式。",
                ));
            }
            let text = format!("{}\n\n{}", letter.title, letter.body);
            mailer
                .send(&contact.email, &letter.title, &text)
                .await
                .map_err(AppError::conflict)?;
            // The register keeps the address masked; the full one is in the vault.
            contact.masked(&app.pii_id_kind).email
        }
        "post" | "in_person" => {
            let to = f.to.trim();
            if to.is_empty() {
                return Err(AppError::bad_request(if f.via == "post" {
                    "请填写邮寄地址（或挂号信编号）。"
                } else {
                    "请填写签收人。"
                }));
            }
            to.to_string()
        }
        _ => return Err(AppError::bad_request("请选择送达方式。")),
    };
    let mut tx = state.db.begin().await?;
    letters::mark_sent(&mut tx, &staff.actor(), letter.id, &f.via, on, &to).await?;
    tx.commit().await?;
    Ok(back("告知书已发出"))
}

/// Letters of an application as the application page lists them.
pub struct LetterRow {
    pub letter: letters::Letter,
    pub kind: &'static str,
    pub via: &'static str,
}

/// The application page's list of letters, and the delivery channels for its send forms.
pub async fn rows(state: &AppState, app_id: i64) -> AppResult<Vec<LetterRow>> {
    Ok(letters::list(&state.db, app_id)
        .await?
        .into_iter()
        .map(|l| LetterRow {
            kind: kind_label(&l.kind),
            via: VIA
                .iter()
                .find(|(v, _)| *v == l.sent_via)
                .map(|(_, n)| *n)
                .unwrap_or(""),
            letter: l,
        })
        .collect())
}

/// The delivery channels offered (e-mail only with a configured relay).
pub fn channels(state: &AppState) -> Vec<(&'static str, &'static str)> {
    VIA.iter()
        .filter(|(v, _)| *v != "email" || state.config.mail.is_some())
        .copied()
        .collect()
}

// ---------------------------------------------------------------- templates

#[derive(Template)]
#[template(path = "admin/letter_templates.html")]
struct TemplatesPage {
    layout: Layout,
    rows: Vec<TemplateRow>,
    error: Option<(String, String)>,
}

struct TemplateRow {
    code: &'static str,
    label: &'static str,
    body: String,
    edited: bool,
}

#[derive(Deserialize, Default)]
struct TemplateForm {
    #[serde(default)]
    basis: String,
    #[serde(default)]
    body: String,
}

async fn template_rows(state: &AppState) -> AppResult<Vec<TemplateRow>> {
    let mut rows = Vec::new();
    for b in Basis::ALL {
        let saved = letters::template(&state.db, &format!("reply.{}", b.code())).await?;
        rows.push(TemplateRow {
            code: b.code(),
            label: b.label(),
            edited: saved.is_some(),
            body: saved
                .map(|(_, body)| body)
                .unwrap_or_else(|| letters::default_paragraph(b).to_string()),
        });
    }
    Ok(rows)
}

async fn show_templates(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    render(&TemplatesPage {
        layout: staff.layout("答复告知书模板"),
        rows: template_rows(&state).await?,
        error: None,
    })
}

async fn save_template(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<TemplateForm>,
) -> AppResult<Response> {
    staff.require(Action::ManageApplications, None)?;
    let mut tx = state.db.begin().await?;
    let kind = format!("reply.{}", f.basis);
    let title = Basis::from_code(&f.basis)
        .map(|b| b.label().to_string())
        .unwrap_or_default();
    match letters::set_template(&mut tx, &staff.actor(), &kind, &title, &f.body).await {
        Ok(()) => {
            tx.commit().await?;
            let mut page = TemplatesPage {
                layout: staff.layout("答复告知书模板"),
                rows: template_rows(&state).await?,
                error: None,
            };
            page.layout.flash = Some(format!("已保存“{title}”的模板"));
            render(&page)
        }
        Err(gongkai_store::StoreError::Invalid(m)) => {
            let mut rows = template_rows(&state).await?;
            if let Some(r) = rows.iter_mut().find(|r| r.code == f.basis) {
                r.body = f.body.clone();
            }
            render_with_status(
                &TemplatesPage {
                    layout: staff.layout("答复告知书模板"),
                    rows,
                    error: Some((f.basis, m)),
                },
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e) => Err(e.into()),
    }
}
