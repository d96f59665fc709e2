//! The console item page: metadata, the current revision (and the public one while an amendment
//! is in review), the review records, scanner findings of the text and of attached files, the
//! history timeline (every step: who, when, what, reasons), and a form for every step the
//! staff member may take now. A refused step re-renders the page with the message by its form.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use gongkai_core::items::{
    Capabilities, Check, INVALIDATION_NOTICE, ItemAction, ReviewChecks, State as ItemState,
    Validity, VocabKind, transition,
};
use gongkai_store::StoreError;
use gongkai_store::attachments::{self, Attachment, Owner};
use gongkai_store::items::files::{self as item_files, AttachmentFinding};
use gongkai_store::items::findings::{self, FindingRow, TextFix};
use gongkai_store::items::publish::{self, Rereview, ValidityChange};
use gongkai_store::items::registers;
use gongkai_store::items::review;
use gongkai_store::items::{self, Item, Revision};
use serde::Deserialize;

use super::form::{Errors, step_allowed};
use super::{action_label, load, state_label};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, cst, render, render_with_status, see_other};
use crate::session::Staff;

/// One step on the timeline, as shown.
pub(super) struct EventRow {
    at: String,
    actor: String,
    action: &'static str,
    from: &'static str,
    to: &'static str,
    revision: String,
    note: String,
}

struct RevisionRow {
    number: i64,
    title: String,
    note: String,
    created_by: String,
    created_at: String,
    published_at: String,
    current: bool,
}

struct ReviewRow {
    revision: i64,
    reviewer: String,
    at: String,
    checks: Vec<(&'static str, bool, String)>,
    passed: bool,
    valid: bool,
}

struct ConfRow {
    revision: i64,
    rec: review::ConfidentialityRecord,
    conclusion: &'static str,
    involves: String,
    valid: bool,
}

struct ApprovalRow {
    revision: i64,
    approver: String,
    approved_on: String,
    opinion: String,
    valid: bool,
}

/// A finding as the console shows it: masked, never the personal data.
struct FindingView {
    id: i64,
    place: String,
    kind: &'static str,
    masked: String,
    reason: String,
    blocking: bool,
    open: bool,
    resolution: String,
}

fn resolution_label(r: Option<&str>, justification: &str) -> String {
    match r {
        Some("masked") => "已遮蔽".into(),
        Some("removed") => "已删除".into(),
        Some("justified") => format!("保留：{justification}"),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn field_label(field: &str) -> &'static str {
    match field {
        "title" => "标题",
        "summary" => "内容概述",
        "body_html" => "正文",
        "keywords" => "主题词",
        _ => "其他",
    }
}

fn finding_view(f: &FindingRow) -> FindingView {
    let masked = if f.suggested_mask.is_empty() {
        "*".repeat(f.found_text.chars().count())
    } else {
        f.suggested_mask.clone()
    };
    FindingView {
        id: f.id,
        place: field_label(&f.field).to_string(),
        kind: f.kind_label(),
        masked,
        reason: f.reason.clone(),
        blocking: f.blocking,
        open: f.is_open_blocking(),
        resolution: resolution_label(f.resolution.as_deref(), &f.justification),
    }
}

fn file_finding_view(f: &AttachmentFinding, files: &[Attachment]) -> FindingView {
    let name = files
        .iter()
        .find(|a| a.id == f.attachment_id)
        .map(|a| a.filename.clone())
        .unwrap_or_default();
    FindingView {
        id: f.id,
        place: format!("附件《{name}》"),
        kind: f.kind_label(),
        masked: f.masked_text(),
        reason: f.reason.clone(),
        blocking: f.blocking,
        open: f.is_open_blocking(),
        resolution: resolution_label(f.resolution.as_deref(), &f.justification),
    }
}

struct FileRow {
    att: Attachment,
    size: String,
    open_findings: usize,
    maskable: bool,
}

/// What the staff member may do now (each drives one form).
#[derive(Default)]
struct Can {
    edit: bool,
    submit: bool,
    ret: bool,
    review: bool,
    confidentiality: bool,
    approve: bool,
    publish: bool,
    schedule: bool,
    unschedule: bool,
    amend: bool,
    validity: bool,
    withdraw: bool,
    rereview: bool,
    resolve: bool,
    files: bool,
}

fn can(item: &Item, caps: Capabilities) -> Can {
    let Ok(state) = item.state() else {
        return Can::default();
    };
    let ok = |a: ItemAction| transition(state, a, caps).is_ok();
    let pre_publication = state == ItemState::Draft || state.has_reviews();
    Can {
        edit: ok(ItemAction::Edit),
        submit: ok(ItemAction::Submit),
        ret: ok(ItemAction::Return),
        review: ok(ItemAction::Review),
        confidentiality: ok(ItemAction::ConfidentialityClear),
        approve: ok(ItemAction::Approve),
        publish: ok(ItemAction::Publish),
        schedule: ok(ItemAction::Schedule),
        unschedule: ok(ItemAction::Unschedule),
        amend: ok(ItemAction::Amend),
        validity: ok(ItemAction::ChangeValidity),
        withdraw: ok(ItemAction::Withdraw),
        rereview: ok(ItemAction::Reopen),
        resolve: pre_publication && (caps.draft || caps.confidentiality_review),
        files: state == ItemState::Draft && item.published_revision_id.is_none() && caps.draft,
    }
}

#[derive(Template)]
#[template(path = "admin/items/show.html")]
pub(super) struct ItemPage {
    layout: Layout,
    item: Item,
    state_label: &'static str,
    org_name: String,
    catalog_label: String,
    topic_label: String,
    genre_label: String,
    disclosure_label: &'static str,
    validity_label: &'static str,
    current: Revision,
    /// While an amendment is in review: the revision the public sees.
    public: Option<Revision>,
    revisions: Vec<RevisionRow>,
    reviews: Vec<ReviewRow>,
    confidentiality: Vec<ConfRow>,
    approvals: Vec<ApprovalRow>,
    findings: Vec<FindingView>,
    file_findings: Vec<FindingView>,
    files: Vec<FileRow>,
    open_blocking: usize,
    events: Vec<EventRow>,
    due: String,
    /// Some review step has been passed: an edit voids it (REG §5.4).
    has_reviews: bool,
    /// When a scheduled item will be published (Beijing time).
    scheduled: String,
    can: Can,
    validities: Vec<(&'static str, &'static str)>,
    errors: Errors,
    values: BTreeMap<String, String>,
}

impl ItemPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    fn val(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
    fn checked(&self, field: &str, value: &str) -> bool {
        self.values.get(field).is_some_and(|v| v == value)
    }
    fn justify_id(&self, id: &i64) -> String {
        format!("justification-{id}")
    }
    fn file_justify_id(&self, id: &i64) -> String {
        format!("file-justification-{id}")
    }
}

fn vocab_label(entries: &[registers::VocabEntry], code: &str) -> String {
    if code.is_empty() {
        return String::new();
    }
    entries
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.label.clone())
        .unwrap_or_else(|| code.to_string())
}

fn human_size(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} 字节")
    }
}

/// Builds the page for `item` (with errors and kept input when a step was refused).
pub(super) async fn page(
    state: &AppState,
    staff: &Staff,
    item: Item,
    caps: Capabilities,
    errors: Errors,
    values: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<ItemPage> {
    let db = &state.db;
    let current = items::current_revision(db, &item).await?;
    let all_revisions = items::revisions(db, item.id).await?;
    let number_of = |rid: i64| {
        all_revisions
            .iter()
            .find(|r| r.id == rid)
            .map(|r| r.number)
            .unwrap_or(0)
    };
    let public = match item.published_revision_id {
        Some(p) if p != current.id => items::revision(db, p).await?,
        _ => None,
    };
    let revisions = all_revisions
        .iter()
        .map(|r| RevisionRow {
            number: r.number,
            title: r.title.clone(),
            note: r.note.clone(),
            created_by: r.created_by.clone(),
            created_at: cst(r.created_at),
            published_at: r.published_at.map(cst).unwrap_or_default(),
            current: r.id == current.id,
        })
        .collect();
    let reviews = review::reviews(db, item.id)
        .await?
        .into_iter()
        .map(|r| ReviewRow {
            revision: number_of(r.revision_id),
            reviewer: r.reviewer,
            at: cst(r.created_at),
            checks: vec![
                ("法律", r.legal_pass, r.legal_comment),
                ("政策", r.policy_pass, r.policy_comment),
                ("文字", r.wording_pass, r.wording_comment),
                ("保密", r.secrecy_pass, r.secrecy_comment),
            ],
            passed: r.passed,
            valid: r.revision_id == current.id,
        })
        .collect();
    let confidentiality = review::confidentiality_reviews(db, item.id)
        .await?
        .into_iter()
        .map(|rec| {
            let mut involves = Vec::new();
            for (yes, label) in [
                (rec.state_secret, "国家秘密"),
                (rec.work_secret, "工作秘密"),
                (rec.commercial_secret, "商业秘密"),
                (rec.personal_privacy, "个人隐私"),
            ] {
                if yes {
                    involves.push(label);
                }
            }
            ConfRow {
                revision: number_of(rec.revision_id),
                conclusion: match rec.conclusion.as_str() {
                    "publish" => "公开",
                    "withhold" => "免于公开",
                    "refer" => "需报审",
                    _ => "未知",
                },
                involves: if involves.is_empty() {
                    "均不涉及".into()
                } else {
                    involves.join("、")
                },
                valid: rec.revision_id == current.id,
                rec,
            }
        })
        .collect();
    let approvals = review::approvals(db, item.id)
        .await?
        .into_iter()
        .map(|a| ApprovalRow {
            revision: number_of(a.revision_id),
            approver: a.approver,
            approved_on: a.approved_on,
            opinion: a.opinion,
            valid: a.revision_id == current.id,
        })
        .collect();
    let text_findings = findings::list(db, current.id).await?;
    let files = attachments::list_for(
        db,
        Owner {
            owner_type: item_files::OWNER_TYPE,
            owner_id: item.id,
        },
    )
    .await?;
    let file_findings = item_files::list(db, item.id).await?;
    let open_blocking = text_findings
        .iter()
        .filter(|f| f.is_open_blocking())
        .count()
        + file_findings
            .iter()
            .filter(|f| f.is_open_blocking())
            .count();
    let file_rows = files
        .iter()
        .map(|a| {
            let mine: Vec<&AttachmentFinding> = file_findings
                .iter()
                .filter(|f| f.attachment_id == a.id && f.is_open_blocking())
                .collect();
            FileRow {
                att: a.clone(),
                size: human_size(a.size),
                open_findings: mine.len(),
                maskable: !mine.is_empty() && mine.iter().all(|f| f.kind != item_files::UNREADABLE),
            }
        })
        .collect();
    let events = items::timeline(db, item.id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            at: cst(e.at),
            actor: e.actor,
            action: action_label(&e.action),
            from: if e.from_state.is_empty() {
                ""
            } else {
                state_label(&e.from_state)
            },
            to: state_label(&e.to_state),
            revision: e
                .revision_id
                .map(|r| format!("第 {} 版", number_of(r)))
                .unwrap_or_default(),
            note: e.note,
        })
        .collect();
    let due =
        match gongkai_store::deadlines::get(db, items::OBJECT_TYPE, item.id, items::DEADLINE_KIND)
            .await?
        {
            Some(d) => {
                let date = d.due().map(|x| x.to_string()).unwrap_or_default();
                if d.is_open() {
                    let overdue = d
                        .due()
                        .is_some_and(|x| x < gongkai_store::deadlines::today());
                    if overdue {
                        format!("{date}（已逾期）")
                    } else {
                        date
                    }
                } else if item.published_late {
                    format!("{date}（逾期发布，已记录）")
                } else {
                    format!("{date}（已按期办结）")
                }
            }
            None => String::new(),
        };
    let catalogs = registers::vocab_list(db, VocabKind::Catalog, false).await?;
    let topics = registers::vocab_list(db, VocabKind::Topic, false).await?;
    let genres = registers::vocab_list(db, VocabKind::Genre, false).await?;
    let names = super::org_names(state).await?;
    let mut layout = staff.layout(&format!("信息：{}", current.title));
    layout.flash = flash.or(layout.flash);
    Ok(ItemPage {
        layout,
        state_label: state_label(&item.state),
        org_name: names.get(&item.org_id).cloned().unwrap_or_default(),
        catalog_label: vocab_label(&catalogs, &item.catalog_code),
        topic_label: vocab_label(&topics, &item.topic_code),
        genre_label: vocab_label(&genres, &item.genre_code),
        disclosure_label: item.disclosure().map(|d| d.label()).unwrap_or("未知"),
        validity_label: item.validity().map(|v| v.label()).unwrap_or("未知"),
        can: can(&item, caps),
        has_reviews: item.state().map(|s| s.has_reviews()).unwrap_or(false),
        scheduled: item.scheduled_at.map(cst).unwrap_or_default(),
        item,
        current,
        public,
        revisions,
        reviews,
        confidentiality,
        approvals,
        findings: text_findings.iter().map(finding_view).collect(),
        file_findings: file_findings
            .iter()
            .map(|f| file_finding_view(f, &files))
            .collect(),
        files: file_rows,
        open_blocking,
        events,
        due,
        validities: Validity::ALL
            .iter()
            .map(|v| (v.code(), v.label()))
            .collect(),
        errors,
        values,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ShowQuery {
    saved: String,
}

fn saved_message(code: &str) -> Option<String> {
    Some(
        match code {
            "created" => "已保存草稿。",
            "saved" => "已保存。",
            "invalidated" => INVALIDATION_NOTICE,
            "submitted" => "已提交审核。",
            "returned" => "已退回修改。",
            "reviewed" => "审核意见已保存。",
            "confidentiality" => "保密审查表已签署存档。",
            "approved" => "已审批同意。",
            "published" => "已发布。",
            "scheduled" => "已设定定时发布。",
            "unscheduled" => "已取消定时发布。",
            "amended" => "修订稿已提交审核；审批发布前公众仍看到原来的版本。",
            "validity" => "有效性已更新，公众页面已醒目标注。",
            "withdrawn" => "已撤回，公众访问该网址时将看到撤回说明。",
            "rereview" => "复审意见已保存。",
            "fixed" => "已处理所选扫描发现，生成了新版本。",
            "justified" => "已记录保留理由。",
            "uploaded" => "附件已上传并完成扫描。",
            "removed" => "附件已删除。",
            "masked" => "附件已遮蔽并替换，生成了新版本。",
            _ => return None,
        }
        .to_string(),
    )
}

/// The console item page.
pub(super) async fn show_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    let flash = saved_message(&q.saved);
    render(
        &page(
            &state,
            &staff,
            item,
            caps,
            Vec::new(),
            BTreeMap::new(),
            flash,
        )
        .await?,
    )
}

/// A refused step: the page again, the message by the step's form, the input kept.
async fn refused(
    state: &AppState,
    staff: &Staff,
    id: i64,
    field: &str,
    message: String,
    values: BTreeMap<String, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let (item, caps) = load(state, staff, id).await?;
    let p = page(
        state,
        staff,
        item,
        caps,
        vec![(field.to_string(), message)],
        values,
        None,
    )
    .await?;
    render_with_status(&p, status)
}

/// Runs a step in a transaction; on success redirects to the page with `saved`, on a refusal
/// re-renders the page with the message at `field`.
async fn run<F>(
    state: &AppState,
    staff: &Staff,
    id: i64,
    field: &str,
    saved: &str,
    values: BTreeMap<String, String>,
    f: F,
) -> AppResult<Response>
where
    F: for<'a> FnOnce(
        &'a mut gongkai_store::Tx,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = gongkai_store::Result<()>> + Send + 'a>,
    >,
{
    let mut tx = state.db.begin().await?;
    match f(&mut tx).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/items/{id}?saved={saved}")))
        }
        Err(StoreError::Invalid(m)) => {
            drop(tx);
            refused(state, staff, id, field, m, values, StatusCode::BAD_REQUEST).await
        }
        Err(StoreError::Conflict(m)) => {
            drop(tx);
            refused(state, staff, id, field, m, values, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form fields as given (for re-rendering), without the CSRF token.
fn kept(form: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    form.iter()
        .filter(|(k, _)| k.as_str() != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub(super) async fn submit_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Submit, caps)?;
    let actor = staff.actor();
    run(
        &state,
        &staff,
        id,
        "submit",
        "submitted",
        BTreeMap::new(),
        |tx| Box::pin(async move { items::submit(tx, &actor, id, caps).await.map(|_| ()) }),
    )
    .await
}

pub(super) async fn return_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Return, caps)?;
    let reasons = form.get("reasons").cloned().unwrap_or_default();
    if reasons.trim().is_empty() {
        return refused(
            &state,
            &staff,
            id,
            "reasons",
            "退回时须说明理由".into(),
            kept(&form),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let actor = staff.actor();
    run(
        &state,
        &staff,
        id,
        "reasons",
        "returned",
        kept(&form),
        |tx| {
            Box::pin(async move {
                items::return_to_draft(tx, &actor, id, caps, &reasons)
                    .await
                    .map(|_| ())
            })
        },
    )
    .await
}

/// 审核: four checks, each pass/fail with a comment; a failed check needs a comment and returns
/// the item to draft.
pub(super) async fn review_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    let mut errors = Errors::new();
    let mut check = |key: &str, label: &str| -> Check {
        let verdict = form.get(&format!("{key}_pass")).map(String::as_str);
        let comment = form
            .get(&format!("{key}_comment"))
            .cloned()
            .unwrap_or_default();
        match verdict {
            Some("pass") => Check {
                passed: true,
                comment,
            },
            Some("fail") => {
                if comment.trim().is_empty() {
                    errors.push((
                        format!("{key}_comment"),
                        format!("{label}审核未通过时须填写意见"),
                    ));
                }
                Check {
                    passed: false,
                    comment,
                }
            }
            _ => {
                errors.push((
                    format!("{key}_pass-yes"),
                    format!("请选择{label}审核是否通过"),
                ));
                Check {
                    passed: false,
                    comment,
                }
            }
        }
    };
    let checks = ReviewChecks {
        legal: check("legal", "法律"),
        policy: check("policy", "政策"),
        wording: check("wording", "文字"),
        secrecy: check("secrecy", "保密"),
    };
    step_allowed(&item, checks.outcome(), caps)?;
    if !errors.is_empty() {
        let p = page(&state, &staff, item, caps, errors, kept(&form), None).await?;
        return render_with_status(&p, StatusCode::BAD_REQUEST);
    }
    let actor = staff.actor();
    let saved = if checks.all_passed() {
        "reviewed"
    } else {
        "returned"
    };
    run(
        &state,
        &staff,
        id,
        "legal_pass-yes",
        saved,
        kept(&form),
        |tx| {
            Box::pin(async move {
                review::review(tx, &actor, id, caps, &checks)
                    .await
                    .map(|_| ())
            })
        },
    )
    .await
}

pub(super) async fn approve_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Approve, caps)?;
    let opinion = form.get("opinion").cloned().unwrap_or_default();
    let actor = staff.actor();
    run(
        &state,
        &staff,
        id,
        "opinion",
        "approved",
        kept(&form),
        |tx| {
            Box::pin(async move {
                review::approve(tx, &actor, id, caps, &opinion)
                    .await
                    .map(|_| ())
            })
        },
    )
    .await
}

pub(super) async fn publish_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Publish, caps)?;
    let actor = staff.actor();
    run(
        &state,
        &staff,
        id,
        "publish",
        "published",
        BTreeMap::new(),
        |tx| Box::pin(async move { publish::publish(tx, &actor, id, caps).await.map(|_| ()) }),
    )
    .await
}

/// Parses `YYYY-MM-DDTHH:MM` (a `datetime-local` field) or `YYYY-MM-DD HH:MM` as Beijing time.
fn parse_cst(s: &str) -> Option<i64> {
    let s = s.trim().replace(' ', "T");
    let t = NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M").ok()?;
    chrono::FixedOffset::east_opt(8 * 3600)?
        .from_local_datetime(&t)
        .single()
        .map(|d| d.timestamp_millis())
}

pub(super) async fn schedule_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Schedule, caps)?;
    let Some(at) = form.get("at").and_then(|s| parse_cst(s)) else {
        return refused(
            &state,
            &staff,
            id,
            "at",
            "请填写定时发布的日期和时间（北京时间），例如 2026-03-02 09:00".into(),
            kept(&form),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let actor = staff.actor();
    run(&state, &staff, id, "at", "scheduled", kept(&form), |tx| {
        Box::pin(async move {
            publish::schedule(tx, &actor, id, caps, at)
                .await
                .map(|_| ())
        })
    })
    .await
}

pub(super) async fn unschedule_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Unschedule, caps)?;
    let actor = staff.actor();
    run(
        &state,
        &staff,
        id,
        "unschedule",
        "unscheduled",
        BTreeMap::new(),
        |tx| Box::pin(async move { publish::unschedule(tx, &actor, id, caps).await.map(|_| ()) }),
    )
    .await
}

fn date_value(v: Option<&String>) -> Result<Option<NaiveDate>, ()> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ()),
    }
}

/// 失效/废止 (or back to 有效) with date and replacing document.
pub(super) async fn validity_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::ChangeValidity, caps)?;
    let values = kept(&form);
    let Some(validity) = form.get("validity").and_then(|v| Validity::from_code(v)) else {
        return refused(
            &state,
            &staff,
            id,
            "validity",
            "请选择有效性".into(),
            values,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let Ok(effective_on) = date_value(form.get("effective_on")) else {
        return refused(
            &state,
            &staff,
            id,
            "effective_on",
            "日期须为 YYYY-MM-DD 格式，例如 2026-03-02".into(),
            values,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    if validity.needs_date() && effective_on.is_none() {
        return refused(
            &state,
            &staff,
            id,
            "effective_on",
            format!("标注为“{}”须填写日期", validity.label()),
            values,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let change = ValidityChange {
        validity,
        effective_on,
        replaced_by: form.get("replaced_by").cloned().unwrap_or_default(),
        note: form.get("validity_note").cloned().unwrap_or_default(),
    };
    let actor = staff.actor();
    run(&state, &staff, id, "validity", "validity", values, |tx| {
        Box::pin(async move {
            publish::change_validity(tx, &actor, id, caps, &change)
                .await
                .map(|_| ())
        })
    })
    .await
}

pub(super) async fn withdraw_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Withdraw, caps)?;
    let reason = form.get("withdraw_reason").cloned().unwrap_or_default();
    if reason.trim().is_empty() {
        return refused(
            &state,
            &staff,
            id,
            "withdraw_reason",
            "撤回须说明理由".into(),
            kept(&form),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let actor = staff.actor();
    run(
        &state,
        &staff,
        id,
        "withdraw_reason",
        "withdrawn",
        kept(&form),
        |tx| {
            Box::pin(async move {
                publish::withdraw(tx, &actor, id, caps, &reason)
                    .await
                    .map(|_| ())
            })
        },
    )
    .await
}

/// Art. 18 re-review of a withheld item: keep withholding (next date) or reopen as a draft.
pub(super) async fn rereview_item(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    step_allowed(&item, ItemAction::Reopen, caps)?;
    let values = kept(&form);
    let outcome = match form.get("outcome").map(String::as_str) {
        Some("reopen") => Rereview::Reopen,
        Some("keep") => match date_value(form.get("next_due")) {
            Ok(Some(next_due)) if next_due > gongkai_store::deadlines::today() => {
                Rereview::Keep { next_due }
            }
            Ok(Some(_)) => {
                return refused(
                    &state,
                    &staff,
                    id,
                    "next_due",
                    "下次复审日期须晚于今天".into(),
                    values,
                    StatusCode::BAD_REQUEST,
                )
                .await;
            }
            _ => {
                return refused(
                    &state,
                    &staff,
                    id,
                    "next_due",
                    "继续不予公开时须填写下次复审日期（YYYY-MM-DD）".into(),
                    values,
                    StatusCode::BAD_REQUEST,
                )
                .await;
            }
        },
        _ => {
            return refused(
                &state,
                &staff,
                id,
                "outcome-keep",
                "请选择复审结论".into(),
                values,
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let note = form.get("rereview_note").cloned().unwrap_or_default();
    let actor = staff.actor();
    run(
        &state,
        &staff,
        id,
        "rereview_note",
        "rereview",
        values,
        |tx| {
            Box::pin(async move {
                publish::rereview(tx, &actor, id, caps, &outcome, &note)
                    .await
                    .map(|_| ())
            })
        },
    )
    .await
}

/// Masks (一键遮蔽) or removes the selected text findings: a new revision.
pub(super) async fn fix_findings(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (_, caps) = load(&state, &staff, id).await?;
    if !(caps.draft || caps.confidentiality_review) {
        return Err(AppError::forbidden());
    }
    let ids: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "finding_id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let fix = match form
        .iter()
        .find(|(k, _)| k == "fix")
        .map(|(_, v)| v.as_str())
    {
        Some("remove") => TextFix::Remove,
        _ => TextFix::Mask,
    };
    if ids.is_empty() {
        return refused(
            &state,
            &staff,
            id,
            "findings",
            "请勾选要处理的扫描发现".into(),
            BTreeMap::new(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let actor = staff.actor();
    run(
        &state,
        &staff,
        id,
        "findings",
        "fixed",
        BTreeMap::new(),
        |tx| {
            Box::pin(async move {
                findings::fix_text(tx, &actor, id, caps, &ids, fix)
                    .await
                    .map(|_| ())
            })
        },
    )
    .await
}

/// Keeps a text finding with a written justification.
pub(super) async fn justify_finding(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, fid)): Path<(i64, i64)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (_, caps) = load(&state, &staff, id).await?;
    if !(caps.draft || caps.confidentiality_review) {
        return Err(AppError::forbidden());
    }
    let field = format!("justification-{fid}");
    let text = form.get("justification").cloned().unwrap_or_default();
    let mut values = BTreeMap::new();
    values.insert(field.clone(), text.clone());
    let actor = staff.actor();
    run(&state, &staff, id, &field, "justified", values, |tx| {
        Box::pin(async move {
            findings::justify(tx, &actor, id, caps, fid, &text)
                .await
                .map(|_| ())
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_time_is_beijing_time() {
        let ms = parse_cst("2026-03-02T09:00").unwrap_or_default();
        assert_eq!(cst(ms), "2026-03-02 09:00");
        assert_eq!(parse_cst("2026-03-02 09:00"), Some(ms));
        assert_eq!(parse_cst("明天上午"), None);
    }
}
