//! 依申请公开 on the portal (issue #6, 条例 Arts. 27–29, 31, 43): the application form without
//! JavaScript, the receipt page with the tracking number and the secret (shown once), and the
//! status page by number + secret. A wrong secret and an unknown number get the same answer, so a
//! guess reveals nothing; failed lookups are rate-limited.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use gongkai_core::applications::Stage;
use gongkai_store::applications::{self, Application, letters};
use gongkai_store::{attachments, deadlines, orgs};
use serde::Deserialize;

use crate::AppState;
use crate::antiabuse::{self, Challenge, Proof};
use crate::appform::{self, ApplicationForm, Choices, Errors};
use crate::error::{AppError, AppResult};
use crate::extract::Form;
use crate::multipart;
use crate::page::{Layout, render, render_with_status};
use crate::session::PublicCtx;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apply", get(show_apply).post(submit_apply))
        .route("/apply/status", get(show_status).post(lookup_status))
}

#[derive(Template)]
#[template(path = "portal/apply.html")]
struct ApplyPage {
    layout: Layout,
    form: ApplicationForm,
    errors: Errors,
    choices: Choices,
    orgs: Vec<(i64, String)>,
    org_id: String,
    staff_mode: bool,
    channels: Vec<(&'static str, &'static str)>,
    challenge: Challenge,
    challenge_error: Option<String>,
}

impl ApplyPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        appform::error_for(&self.errors, field)
    }
}

/// The organisations an applicant may address on this site (issue #14: its own only).
async fn public_orgs(state: &AppState, ctx: &PublicCtx) -> AppResult<Vec<(i64, String)>> {
    Ok(orgs::list(&state.db)
        .await?
        .into_iter()
        .filter(|o| ctx.scope().contains(o.id))
        .map(|o| (o.id, o.full_name))
        .collect())
}

async fn show_apply(State(state): State<AppState>, ctx: PublicCtx) -> AppResult<Response> {
    let orgs = public_orgs(&state, &ctx).await?;
    render(&ApplyPage {
        layout: ctx.layout("依申请公开"),
        form: ApplicationForm::default(),
        errors: Vec::new(),
        choices: Choices::new(),
        org_id: orgs.first().map(|o| o.0.to_string()).unwrap_or_default(),
        orgs,
        staff_mode: false,
        channels: Vec::new(),
        challenge: antiabuse::issue(&state).await?,
        challenge_error: None,
    })
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    org_id: String,
    #[serde(flatten)]
    form: ApplicationForm,
    #[serde(flatten)]
    proof: Proof,
}

#[derive(Template)]
#[template(path = "portal/apply_done.html")]
struct DonePage {
    layout: Layout,
    tracking_no: String,
    secret: String,
    received: bool,
    /// The file name of the identity proof received, if one was uploaded.
    proof: Option<String>,
}

/// The largest application body: the identity proof plus room for the text fields.
const APPLY_BODY_LIMIT: usize = applications::IDENTITY_PROOF_MAX_BYTES as usize + 256 * 1024;

/// The identity proof chosen on the form, checked before anything is written: `Ok(None)` when
/// no file was chosen, `Err(message)` for a file that will not be accepted (by content type,
/// size or name; the person must choose it again, a browser cannot keep a file input).
fn proof_part(files: Vec<multipart::Part>) -> Result<Option<multipart::Part>, String> {
    let Some(part) = files
        .into_iter()
        .find(|p| p.name == "identity_proof" && !p.data.is_empty())
    else {
        return Ok(None);
    };
    let name = part.filename.clone().unwrap_or_default();
    let name = attachments::clean_filename(&name).map_err(|e| e.to_string())?;
    let kind =
        gongkai_core::filetype::check(&part.data, &name, applications::IDENTITY_PROOF_MAX_BYTES)
            .map_err(|e| format!("{e}。请重新选择文件"))?;
    if !applications::IDENTITY_PROOF_KINDS.contains(&kind) {
        return Err(format!(
            "身份证明须为 JPG、PNG 图片或 PDF 文件，“{name}”是{}。请重新选择文件",
            kind.label()
        ));
    }
    Ok(Some(part))
}

/// Submits an online application (multipart, with an optional identity proof; a URL-encoded
/// body without a file is accepted too): every problem comes back by its field with the input
/// kept (400); a valid application gets its tracking number and secret (online applications are
/// received on the day both sides confirm, Art. 31, so staff confirm it next). The proof is
/// sealed with the vault before it is written, and removed again if the application cannot be
/// committed: nothing acknowledged is lost, and nothing refused is kept.
async fn submit_apply(
    State(state): State<AppState>,
    ctx: PublicCtx,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let (f, files): (ApplyForm, _) =
        multipart::form_with_files(&headers, body, APPLY_BODY_LIMIT).await?;
    let vault = state.config.vault.get();
    let orgs = public_orgs(&state, &ctx).await?;
    let today = deadlines::today();
    let org_id = f.org_id.trim().parse::<i64>().unwrap_or(0);
    let (input, mut errors) = f.form.parse(org_id, Some("online"), today);
    if !orgs.iter().any(|(id, _)| *id == org_id) {
        errors.insert(0, ("org_id".into(), "请选择受理机关".into()));
    }
    let proof = match proof_part(files) {
        Ok(p) => p,
        Err(m) => {
            errors.push(("identity_proof".into(), m));
            None
        }
    };
    // The human check (tech-choices §3.4): proof of work with JS, a question in words without.
    let challenge_error = antiabuse::check(&state, &f.proof).await?.err();
    if let Some(m) = &challenge_error {
        errors.push(("captcha_answer".into(), m.clone()));
    }
    if errors.is_empty() {
        // DB-counted limits per address and per applicant (blind index, never the number).
        let limits = state.config.public_forms;
        antiabuse::limit(&state, "apply:ip", &ctx.ip, limits.per_ip).await?;
        let who = applications::applicant_key(&vault, &input.id_number);
        antiabuse::limit(&state, "apply:person", &who, limits.per_person).await?;
        let stored = match proof {
            Some(p) => {
                let dir = state.config.data_dir.clone();
                let v = vault.clone();
                let name = p.filename.clone().unwrap_or_default();
                let s = tokio::task::spawn_blocking(move || {
                    applications::store_identity_proof(&dir, &v, &p.data, &name)
                })
                .await
                .map_err(|e| AppError::internal(e.to_string()))?
                .map_err(gongkai_store::StoreError::from)?;
                Some(s)
            }
            None => None,
        };
        let actor = gongkai_store::audit::Actor {
            user_id: None,
            label: "申请人（网上）".into(),
            ip: ctx.ip.clone(),
        };
        let outcome = async {
            let mut tx = state.db.begin().await?;
            let created = applications::create(&mut tx, &actor, &vault, &input, today).await?;
            if let Some(s) = &stored {
                applications::attach_identity_proof(&mut tx, &actor, created.application.id, s)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, gongkai_store::StoreError>(created)
        }
        .await;
        if outcome.is_err()
            && let Some(s) = &stored
        {
            attachments::remove_unreferenced(&state.config.data_dir, &s.sha256);
        }
        match outcome {
            Ok(created) => {
                return render(&DonePage {
                    layout: ctx.layout("申请已提交"),
                    tracking_no: created.application.tracking_no,
                    secret: created.secret,
                    received: created.application.received_on.is_some(),
                    proof: stored.map(|s| s.filename),
                });
            }
            Err(gongkai_store::StoreError::Invalid(m)) => errors.push(("org_id".into(), m)),
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &ApplyPage {
            layout: ctx.layout("依申请公开"),
            form: f.form,
            errors,
            choices: Choices::new(),
            orgs,
            org_id: f.org_id,
            staff_mode: false,
            channels: Vec::new(),
            challenge: antiabuse::issue(&state).await?,
            challenge_error,
        },
        StatusCode::BAD_REQUEST,
    )
}

#[derive(Debug, Default, Deserialize)]
struct StatusForm {
    #[serde(default)]
    tracking_no: String,
    #[serde(default)]
    secret: String,
}

struct LetterView {
    title: String,
    /// The letter as accessible HTML: the same `documents::letter` document the office prints
    /// (PDF) or hands over (DOCX), so the applicant reads what was sent (issue #10).
    html: String,
    sent_on: String,
}

struct StatusView {
    tracking_no: String,
    stage: &'static str,
    stage_hint: &'static str,
    received_on: String,
    due_on: String,
    letters: Vec<LetterView>,
}

#[derive(Template)]
#[template(path = "portal/apply_status.html")]
struct StatusPage {
    layout: Layout,
    tracking_no: String,
    error: Option<String>,
    status: Option<StatusView>,
}

async fn show_status(ctx: PublicCtx) -> AppResult<Response> {
    render(&StatusPage {
        layout: ctx.layout("申请办理进度查询"),
        tracking_no: String::new(),
        error: None,
        status: None,
    })
}

const NOT_FOUND: &str =
    "受理编号或查询密码不正确。请核对后重试；如遗失查询密码，请联系政务公开办公室。";

fn stage_hint(stage: Stage) -> &'static str {
    match stage {
        Stage::Unconfirmed => {
            "申请已提交，工作人员将与您确认收到申请；确认之日为收到申请之日（条例第三十一条）。"
        }
        Stage::Registered | Stage::Processing => "申请正在办理中。",
        Stage::AwaitingCorrection => {
            "请按补正告知书的要求补正申请；答复期限自收到补正后的申请之日起重新计算。"
        }
        Stage::AwaitingFee => "请按收费通知书的要求缴纳信息处理费。",
        Stage::Decided => "已作出答复决定，答复书将按您选择的方式送达。",
        Stage::Replied | Stage::Archived => "已答复。",
    }
}

async fn status_of(state: &AppState, a: &Application) -> AppResult<StatusView> {
    let stage = a.stage()?;
    let due = deadlines::get(
        &state.db,
        applications::OBJECT_TYPE,
        a.id,
        applications::workflow::REPLY,
    )
    .await?
    .filter(|d| d.is_open())
    .map(|d| d.due_date)
    .unwrap_or_default();
    let mut letters = Vec::new();
    for l in letters::list(&state.db, a.id).await? {
        let Some(sent_on) = l.sent_on.clone() else {
            continue;
        };
        let html = gongkai_documents::to_html_fragment(&crate::documents::letter(&l))
            .map_err(AppError::internal)?;
        letters.push(LetterView {
            sent_on,
            title: l.title,
            html,
        });
    }
    Ok(StatusView {
        tracking_no: a.tracking_no.clone(),
        stage: stage.label(),
        stage_hint: stage_hint(stage),
        received_on: a.received_on.clone().unwrap_or_default(),
        due_on: due,
        letters,
    })
}

/// Looks an application up by number + secret. Failed lookups count against the address (and
/// the number), so guessing is slow; the answer for a wrong secret and for an unknown number
/// is the same.
async fn lookup_status(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    let layout = ctx.layout("申请办理进度查询");
    // Failed look-ups count per address and per number; once either is at its limit the secret
    // is not even compared (a guesser learns nothing more), and the page says when to retry.
    let limits = state.config.public_forms;
    let number = f.tracking_no.trim().to_string();
    let guards = [
        ("apply-status:ip", &ctx.ip, limits.lookups_per_ip),
        ("apply-status:no", &number, limits.lookups_per_number),
    ];
    for (bucket, key, limit) in guards {
        if let Err(e) = antiabuse::lookup_guard(&state, bucket, key, limit).await {
            return render_with_status(
                &StatusPage {
                    layout,
                    tracking_no: f.tracking_no,
                    error: Some(e.message),
                    status: None,
                },
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
    }
    // An application of another site answers exactly like a wrong pair (issue #14).
    let found = applications::find_for_applicant(&state.db, &f.tracking_no, &f.secret)
        .await?
        .filter(|a| ctx.scope().contains(a.org_id));
    match found {
        Some(a) => {
            let status = status_of(&state, &a).await?;
            render(&StatusPage {
                layout,
                tracking_no: f.tracking_no,
                error: None,
                status: Some(status),
            })
        }
        None => {
            for (bucket, key, limit) in guards {
                antiabuse::lookup_failed(&state, bucket, key, limit).await?;
            }
            render_with_status(
                &StatusPage {
                    layout,
                    tracking_no: f.tracking_no,
                    error: Some(NOT_FOUND.into()),
                    status: None,
                },
                StatusCode::NOT_FOUND,
            )
        }
    }
}
