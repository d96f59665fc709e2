//! Letters to the applicant (告知书, issue #6; 条例 Arts. 30, 33, 36, 42): drafting from the
//! editable templates (the reply is composed per item from its decision basis, with the remedy of
//! REG §1.7), a check of the text before it is saved (the #3 scanner: a classification marking or
//! a sensitive word blocks; personal data must be confirmed as the applicant's own), the letter as
//! HTML, PDF and DOCX, and sending it: online (the status page shows it), by e-mail through the
//! configured SMTP relay, by post or in person. The reply paragraph templates are edited on
//! `/admin/applications/templates`.
//!
//! Before a letter is sent it passes a confidentiality review (保密审查, 条例 Art. 17; store
//! `letters::review`): the letter page `/admin/applications/{id}/letters/{lid}` shows the text,
//! the pre-send check, the review records and the review form to a user with
//! `ConfidentialityReview` on the application's organisation; sending is refused (409) until the
//! current revision is cleared, and editing an unsent letter makes a new revision that needs a
//! new review. Reviewers find the letters waiting for them on `/admin/letters/review`.
//!
//! Access: `ManageApplications` on the application's organisation for drafting, editing and
//! sending; the letter page and the review also for `ConfidentialityReview` there (404 for
//! anyone else).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use gongkai_core::applications::Basis;
use gongkai_core::auth::Action;
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
        .route(
            "/applications/{id}/letters/{lid}",
            get(show_letter).post(edit_letter),
        )
        .route("/applications/{id}/letters/{lid}/edit", get(show_edit))
        .route(
            "/applications/{id}/letters/{lid}/review",
            post(review_letter),
        )
        .route("/applications/{id}/letters/{lid}/send", post(send_letter))
        .route("/applications/{id}/letters/{lid}/{format}", get(download))
        .route("/letters/review", get(review_queue))
}

/// The kinds of letter, with their Chinese names and what they are for.
pub const KINDS: [(&str, &str); 5] = [
    ("reply", "政府信息公开申请答复告知书"),
    ("correction", "补正申请告知书"),
    ("extension", "延长答复期限告知书"),
    ("fee", "收取信息处理费通知书"),
    ("consultation", "征求意见函"),
];

pub(crate) fn kind_label(kind: &str) -> &'static str {
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

/// The letter `lid` of application `app` (404 when it belongs to another application: no IDOR).
pub(crate) async fn load_letter(
    state: &AppState,
    app: &Application,
    lid: i64,
) -> AppResult<letters::Letter> {
    letters::get(&state.db, lid)
        .await?
        .filter(|l| l.application_id == app.id)
        .ok_or_else(|| AppError::not_found("告知书不存在。"))
}

/// What a staff member may do with an application's letters.
#[derive(Debug, Clone, Copy)]
struct LetterAccess {
    manage: bool,
    review: bool,
}

/// The application, if the staff member handles it (`ManageApplications`) or reviews its
/// letters (`ConfidentialityReview`) on its organisation; 404 otherwise.
async fn load_for_letters(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> AppResult<(Application, LetterAccess)> {
    if let Some(a) = applications::get(&state.db, id).await? {
        let access = LetterAccess {
            manage: staff.can(Action::ManageApplications, Some(a.org_id)),
            review: staff.can(Action::ConfidentialityReview, Some(a.org_id)),
        };
        if access.manage || access.review {
            return Ok((a, access));
        }
    }
    Err(AppError::not_found("申请不存在或不在您的管理范围内。"))
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
    /// The letter being edited (its id), or `None` for a new letter.
    editing: Option<i64>,
    kinds: Vec<(&'static str, &'static str)>,
    form: LetterForm,
    errors: Vec<String>,
    blocking: Vec<String>,
    personal: Vec<String>,
}

/// The starting text of a letter of `kind`: the composed reply, or a short frame to complete.
pub(crate) async fn starting_text(
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
        editing: None,
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

/// Checks a submitted text for the form: the field messages, and what the scanner found (shown
/// above the form). The store checks the same again when it saves.
fn form_problems(f: &LetterForm) -> AppResult<(Vec<String>, letters::Precheck)> {
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
    let c = letters::precheck(&f.title, &f.body)?;
    if !c.blocking.is_empty() {
        errors.push(letters::BLOCKED_MESSAGE.to_string());
    }
    if !c.personal.is_empty() && f.personal_ok.is_empty() {
        errors.push(
            "正文含有个人信息：请逐项核对，确认均属申请人本人或可以依法提供后，勾选确认再保存"
                .to_string(),
        );
    }
    Ok((errors, c))
}

/// Saves a new letter after the check (the store's `letters::save`): a marking or sensitive
/// word sends the draft back; personal data must be confirmed with the checkbox. The check's
/// result is kept on the letter. The letter then waits for its confidentiality review.
async fn save_letter(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<LetterForm>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let (mut errors, c) = form_problems(&f)?;
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match letters::save(
            &mut tx,
            &staff.actor(),
            app.id,
            &f.kind,
            &f.title,
            &f.body,
            !f.personal_ok.is_empty(),
        )
        .await
        {
            Ok(letter) => {
                tx.commit().await?;
                return Ok(see_other(&format!(
                    "/admin/applications/{}/letters/{}?done={}",
                    app.id,
                    letter.id,
                    url_escape("告知书已保存。发出前须经保密审查员审查同意")
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
            editing: None,
            kinds: KINDS.to_vec(),
            form: f,
            errors,
            blocking: c.blocking,
            personal: c.personal,
        },
        StatusCode::BAD_REQUEST,
    )
}

/// The form to edit an unsent letter (the office only).
async fn show_edit(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, lid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let letter = load_letter(&state, &app, lid).await?;
    if letter.sent_on.is_some() {
        return Err(AppError::conflict(
            "该告知书已经发出，不能修改；如需更正，请另行起草告知书。",
        ));
    }
    render(&DraftPage {
        layout: staff.layout(&format!("修改{}", kind_label(&letter.kind))),
        app,
        editing: Some(letter.id),
        kinds: KINDS.to_vec(),
        form: LetterForm {
            kind: letter.kind,
            title: letter.title,
            body: letter.body,
            personal_ok: String::new(),
        },
        errors: Vec::new(),
        blocking: Vec::new(),
        personal: Vec::new(),
    })
}

/// Saves an edit of an unsent letter: a new revision, so an earlier confidentiality review no
/// longer covers it (the page says so).
async fn edit_letter(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, lid)): Path<(i64, i64)>,
    Form(mut f): Form<LetterForm>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let letter = load_letter(&state, &app, lid).await?;
    // The kind of a letter does not change with an edit.
    f.kind = letter.kind.clone();
    let (mut errors, c) = form_problems(&f)?;
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match letters::edit(
            &mut tx,
            &staff.actor(),
            letter.id,
            &f.title,
            &f.body,
            !f.personal_ok.is_empty(),
        )
        .await
        {
            Ok(out) => {
                tx.commit().await?;
                let done = if out.review_invalidated {
                    "告知书已修改。原保密审查意见不再适用，请重新提请保密审查"
                } else {
                    "告知书已修改。发出前须经保密审查员审查同意"
                };
                return Ok(see_other(&format!(
                    "/admin/applications/{}/letters/{}?done={}",
                    app.id,
                    letter.id,
                    url_escape(done)
                )));
            }
            Err(gongkai_store::StoreError::Invalid(m)) => errors.push(m),
            Err(gongkai_store::StoreError::Conflict(m)) => return Err(AppError::conflict(m)),
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &DraftPage {
            layout: staff.layout(&format!("修改{}", kind_label(&letter.kind))),
            app,
            editing: Some(letter.id),
            kinds: KINDS.to_vec(),
            form: f,
            errors,
            blocking: c.blocking,
            personal: c.personal,
        },
        StatusCode::BAD_REQUEST,
    )
}

// ---------------------------------------------------------------- the letter page and its review

#[derive(Deserialize, Default, Clone)]
struct ReviewFormInput {
    #[serde(default)]
    conclusion: String,
    #[serde(default)]
    state_secret: String,
    #[serde(default)]
    work_secret: String,
    #[serde(default)]
    commercial_secret: String,
    #[serde(default)]
    personal_privacy: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    date: String,
}

#[derive(Template)]
#[template(path = "admin/letter.html")]
struct LetterPage {
    layout: Layout,
    app: Application,
    letter: letters::Letter,
    kind: &'static str,
    via: &'static str,
    lines: Vec<String>,
    reviews: Vec<letters::LetterReview>,
    /// The review of the current revision.
    current: Option<letters::LetterReview>,
    /// Why it cannot be sent now (`None`: it may be sent).
    blocker: Option<&'static str>,
    manage: bool,
    /// The staff member may record the review of the current revision now.
    can_review: bool,
    send_channels: Vec<(&'static str, &'static str)>,
    today: String,
    review_form: ReviewFormInput,
    review_error: Option<String>,
}

impl LetterPage {
    fn yes_no(&self, b: &bool) -> &'static str {
        if *b { "是" } else { "否" }
    }
    fn at(&self, ms: &i64) -> String {
        crate::page::cst(*ms)
    }
}

#[derive(Deserialize, Default)]
struct LetterQuery {
    done: Option<String>,
}

async fn letter_page(
    state: &AppState,
    staff: &Staff,
    app: Application,
    access: LetterAccess,
    letter: letters::Letter,
    review_form: ReviewFormInput,
    review_error: Option<String>,
) -> AppResult<LetterPage> {
    let reviews: Vec<letters::LetterReview> = letters::reviews(&state.db, app.id)
        .await?
        .into_iter()
        .filter(|r| r.letter_id == letter.id)
        .collect();
    let current = letters::current_review(&letter, &reviews).cloned();
    let blocker = letters::send_blocker(&letter, current.as_ref());
    let review_form = if review_error.is_some() {
        review_form
    } else {
        ReviewFormInput {
            conclusion: "cleared".into(),
            date: deadlines::today().to_string(),
            ..Default::default()
        }
    };
    Ok(LetterPage {
        layout: staff.layout(&letter.title),
        kind: kind_label(&letter.kind),
        via: VIA
            .iter()
            .find(|(v, _)| *v == letter.sent_via)
            .map(|(_, n)| *n)
            .unwrap_or(""),
        lines: letter
            .body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        can_review: access.review && letter.sent_on.is_none() && current.is_none(),
        manage: access.manage,
        reviews,
        current,
        blocker,
        send_channels: channels(state),
        today: deadlines::today().to_string(),
        review_form,
        review_error,
        app,
        letter,
    })
}

/// The letter page: text, pre-send check, review records, and the forms the staff member may
/// use (review; edit and send for the office).
async fn show_letter(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, lid)): Path<(i64, i64)>,
    Query(q): Query<LetterQuery>,
) -> AppResult<Response> {
    let (app, access) = load_for_letters(&state, &staff, id).await?;
    let letter = load_letter(&state, &app, lid).await?;
    let mut page = letter_page(
        &state,
        &staff,
        app,
        access,
        letter,
        ReviewFormInput::default(),
        None,
    )
    .await?;
    page.layout.flash = q.done;
    render(&page)
}

/// Records the confidentiality review of the letter's current revision (needs
/// `ConfidentialityReview` on the application's organisation: 403 otherwise).
async fn review_letter(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, lid)): Path<(i64, i64)>,
    Form(f): Form<ReviewFormInput>,
) -> AppResult<Response> {
    let (app, access) = load_for_letters(&state, &staff, id).await?;
    if !access.review {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "告知书的保密审查须由该机关的保密审查员进行。",
        ));
    }
    let letter = load_letter(&state, &app, lid).await?;
    let parsed = (|| {
        let conclusion = letters::ReviewConclusion::from_code(&f.conclusion)
            .ok_or("请选择审查结论：同意发出或退回修改")?;
        let reviewed_on = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d")
            .map_err(|_| "审查日期格式不正确，请按“年-月-日”填写，例如 2025-03-03")?;
        Ok::<_, &str>(letters::ReviewForm {
            conclusion,
            state_secret: !f.state_secret.is_empty(),
            work_secret: !f.work_secret.is_empty(),
            commercial_secret: !f.commercial_secret.is_empty(),
            personal_privacy: !f.personal_privacy.is_empty(),
            note: f.note.clone(),
            reviewed_on,
        })
    })();
    let refused = match parsed {
        Err(m) => m.to_owned(),
        Ok(form) => {
            let mut tx = state.db.begin().await?;
            match letters::review(
                &mut tx,
                &staff.actor(),
                letter.id,
                &form,
                deadlines::today(),
            )
            .await
            {
                Ok(r) => {
                    tx.commit().await?;
                    let done = format!("保密审查意见已记录：{}", r.conclusion_label());
                    return Ok(see_other(&format!(
                        "/admin/applications/{}/letters/{}?done={}",
                        app.id,
                        letter.id,
                        url_escape(&done)
                    )));
                }
                Err(gongkai_store::StoreError::Invalid(m)) => m,
                Err(gongkai_store::StoreError::Conflict(m)) => {
                    return Err(AppError::conflict(m));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let page = letter_page(&state, &staff, app, access, letter, f, Some(refused)).await?;
    render_with_status(&page, StatusCode::BAD_REQUEST)
}

struct QueueRow {
    letter: letters::Letter,
    tracking_no: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "admin/letter_reviews.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<QueueRow>,
}

/// 告知书保密审查: the unsent letters in the reviewer's scope whose current revision has no
/// review yet.
async fn review_queue(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ConfidentialityReview, None)?;
    let scopes = staff.scopes(Action::ConfidentialityReview);
    let rows = letters::awaiting_review(&state.db, &scopes)
        .await?
        .into_iter()
        .map(|(letter, tracking_no, _)| QueueRow {
            kind: kind_label(&letter.kind),
            letter,
            tracking_no,
        })
        .collect();
    render(&QueuePage {
        layout: staff.layout("告知书保密审查"),
        rows,
    })
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

/// Sends a letter: refused (409) unless its current revision passed the confidentiality review
/// and it was not sent before; then online (shown on the status page), by e-mail to the address
/// the applicant gave (sent through the relay first; nothing is recorded if it fails), by post
/// or in person (recorded with the address or recipient). Audited (`application.letter_sent`).
/// The console and the API both send through here.
pub(crate) async fn deliver(
    state: &AppState,
    actor: &gongkai_store::audit::Actor,
    app: &Application,
    letter: &letters::Letter,
    via: &str,
    date: &str,
    to: &str,
) -> AppResult<letters::Letter> {
    let reviews = letters::reviews(&state.db, app.id).await?;
    if let Some(why) = letters::send_blocker(letter, letters::current_review(letter, &reviews)) {
        return Err(AppError::conflict(why));
    }
    let on = match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            return Err(AppError::bad_request(
                "送达日期格式不正确，请按“年-月-日”填写，例如 2025-03-03。",
            ));
        }
    };
    let to = match via {
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
            let to = to.trim();
            if to.is_empty() {
                return Err(AppError::bad_request(if via == "post" {
                    "请填写邮寄地址（或挂号信编号）。"
                } else {
                    "请填写签收人。"
                }));
            }
            to.to_string()
        }
        _ => {
            return Err(AppError::bad_request(
                "请选择送达方式：online（网上）、email（电子邮件）、post（邮寄）或 in_person（当面送达）。",
            ));
        }
    };
    let mut tx = state.db.begin().await?;
    let sent = match letters::mark_sent(&mut tx, actor, letter.id, via, on, &to).await {
        Ok(l) => l,
        Err(gongkai_store::StoreError::Conflict(m)) => return Err(AppError::conflict(m)),
        Err(gongkai_store::StoreError::Invalid(m)) => return Err(AppError::bad_request(m)),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(sent)
}

/// The console's send form (see [`deliver`]).
async fn send_letter(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, lid)): Path<(i64, i64)>,
    Form(f): Form<SendForm>,
) -> AppResult<Response> {
    let app = load(&state, &staff, id).await?;
    let letter = load_letter(&state, &app, lid).await?;
    deliver(
        &state,
        &staff.actor(),
        &app,
        &letter,
        &f.via,
        &f.date,
        &f.to,
    )
    .await?;
    Ok(see_other(&format!(
        "/admin/applications/{}?done={}#letters",
        app.id,
        url_escape("告知书已发出")
    )))
}

/// Letters of an application as the application page lists them.
pub struct LetterRow {
    pub letter: letters::Letter,
    pub kind: &'static str,
    pub via: &'static str,
    /// The confidentiality review of the current revision, in words.
    pub review: String,
    /// Cleared by the review and not yet sent: the send form is shown.
    pub sendable: bool,
}

/// The state of a letter's confidentiality review, in words.
pub fn review_state(letter: &letters::Letter, current: Option<&letters::LetterReview>) -> String {
    match current {
        Some(r) => format!(
            "{}（{}，{}）",
            r.conclusion_label(),
            r.reviewer_name,
            r.reviewed_on
        ),
        None if letter.sent_on.is_some() => "发出时未经审查".to_owned(),
        None => "待保密审查".to_owned(),
    }
}

/// The application page's list of letters, and the delivery channels for its send forms.
pub async fn rows(state: &AppState, app_id: i64) -> AppResult<Vec<LetterRow>> {
    let reviews = letters::reviews(&state.db, app_id).await?;
    Ok(letters::list(&state.db, app_id)
        .await?
        .into_iter()
        .map(|l| {
            let current = letters::current_review(&l, &reviews);
            LetterRow {
                kind: kind_label(&l.kind),
                via: VIA
                    .iter()
                    .find(|(v, _)| *v == l.sent_via)
                    .map(|(_, n)| *n)
                    .unwrap_or(""),
                review: review_state(&l, current),
                sendable: letters::send_blocker(&l, current).is_none(),
                letter: l,
            }
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
