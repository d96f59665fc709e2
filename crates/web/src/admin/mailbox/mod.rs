//! 信箱与咨询 in the console (issue #7): the message list with filters, the one-page printable
//! processing form (处理单) with the step forms, the supervision dashboard, statistics with CSV
//! export ([`reports`]) and box/topic administration ([`config`]).
//!
//! Who may do what: the disclosure office (`ManageMailbox` on the box's organisation) runs the
//! form; a department (`AnswerMessage` on the department the message was forwarded to) drafts
//! the reply; a confidentiality reviewer (`ConfidentialityReview` on the box's organisation)
//! reviews the masked texts before they go public. Lists are filtered by scope in SQL.
//!
//! The writer's contact details are sealed at rest and shown masked; the office
//! (`RevealPersonalData`) may show them in full with a reason, audited (`personal::reveal`). A
//! message that is really a disclosure application is converted on its page (`convert`, with
//! `ManageApplications` too) and continues on the application's page.

mod config;
mod reports;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, cst, render, render_with_status, see_other};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_core::auth::Action;
use gongkai_core::mailbox::{Kind, Publication, Status};
use gongkai_store::mailbox::boxes::{MailBox, Topic, list_boxes, list_topics};
use gongkai_store::mailbox::convert::{self, ConvertInput};
use gongkai_store::mailbox::messages::{self, CHANNELS, Contact, ListFilter, Message};
use gongkai_store::mailbox::supervision::{self, Supervision};
use gongkai_store::mailbox::{OBJECT_TYPE, public};
use gongkai_store::{StoreError, deadlines, now_ms, orgs, personal};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mailbox", get(list_messages))
        .route("/mailbox/dashboard", get(reports::show_dashboard))
        .route("/mailbox/stats", get(reports::show_stats))
        .route("/mailbox/stats.csv", get(reports::export_stats))
        .route(
            "/mailbox/boxes",
            get(config::list_boxes).post(config::create_box),
        )
        .route("/mailbox/boxes/new", get(config::show_new_box))
        .route("/mailbox/boxes/{id}", post(config::update_box))
        .route("/mailbox/boxes/{id}/edit", get(config::show_edit_box))
        .route("/mailbox/topics", post(config::put_topic))
        .route("/mailbox/{id}", get(show_message))
        .route("/mailbox/{id}/reveal", post(reveal_contact))
        .route("/mailbox/{id}/{action}", post(post_step))
}

/// What the staff member may see of the mailbox: office scopes, department scopes, review scopes.
pub(super) struct Scopes {
    office: Vec<i64>,
    dept: Vec<i64>,
    review: Vec<i64>,
}

impl Scopes {
    fn of(staff: &Staff) -> Scopes {
        Scopes {
            office: staff.scopes(Action::ManageMailbox),
            dept: staff.scopes(Action::AnswerMessage),
            review: staff.scopes(Action::ConfidentialityReview),
        }
    }

    fn any(&self) -> bool {
        !(self.office.is_empty() && self.dept.is_empty() && self.review.is_empty())
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    box_id: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
}

struct Row {
    m: Message,
    box_name: String,
    topic: String,
    dept: String,
    due: String,
}

#[derive(Template)]
#[template(path = "admin/mailbox_list.html")]
struct ListPage {
    layout: Layout,
    q: ListQuery,
    rows: Vec<Row>,
    boxes: Vec<MailBox>,
    topics: Vec<Topic>,
    statuses: Vec<(&'static str, &'static str)>,
    errors: Vec<(&'static str, String)>,
    is_office: bool,
    review_only: bool,
}

impl ListPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

pub(super) fn org_names(all: &[orgs::Org]) -> std::collections::HashMap<i64, String> {
    all.iter().map(|o| (o.id, o.short_name.clone())).collect()
}

/// 留言办理: messages of the staff member's scope, newest first, with filters.
async fn list_messages(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let scopes = Scopes::of(&staff);
    if !scopes.any() {
        return Err(AppError::forbidden());
    }
    let mut errors = Vec::new();
    let year = match q.year.trim() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            _ => {
                errors.push(("year", "年份请填写四位数字，例如 2019".to_string()));
                None
            }
        },
    };
    let box_id = q.box_id.trim().parse::<i64>().ok();
    let review_only = scopes.office.is_empty() && scopes.dept.is_empty();
    let filter = ListFilter {
        status: Some(q.status.clone()).filter(|s| !s.is_empty()),
        box_id,
        topic_code: Some(q.topic.clone()).filter(|s| !s.is_empty()),
        kind: Some(q.kind.clone()).filter(|s| !s.is_empty()),
        year,
        publication: review_only.then(|| Publication::PendingReview.code().to_string()),
        ..Default::default()
    };
    let office_scopes = if review_only {
        &scopes.review
    } else {
        &scopes.office
    };
    let list = if errors.is_empty() {
        messages::list(&state.db, office_scopes, &scopes.dept, &filter).await?
    } else {
        Vec::new()
    };
    let boxes = list_boxes(&state.db).await?;
    let topics = list_topics(&state.db).await?;
    let names = org_names(&orgs::list(&state.db).await?);
    let mut rows = Vec::with_capacity(list.len());
    for m in list {
        let due = if m.is_open() {
            deadlines::get(
                &state.db,
                OBJECT_TYPE,
                m.id,
                gongkai_store::mailbox::DEADLINE_KIND,
            )
            .await?
            .filter(deadlines::DeadlineRow::is_open)
            .map(|d| d.due_date)
            .unwrap_or_default()
        } else {
            String::new()
        };
        rows.push(Row {
            box_name: boxes
                .iter()
                .find(|b| b.id == m.box_id)
                .map(|b| b.name.clone())
                .unwrap_or_default(),
            topic: topic_label(&topics, &m.topic_code),
            dept: m
                .dept_id
                .and_then(|d| names.get(&d).cloned())
                .unwrap_or_else(|| "—".into()),
            due,
            m,
        });
    }
    render(&ListPage {
        layout: staff.layout("信箱与咨询"),
        statuses: std::iter::once(("open", "未答复（全部）"))
            .chain(Status::ALL.into_iter().map(|s| (s.code(), s.label())))
            .collect(),
        q,
        rows,
        boxes,
        topics,
        errors,
        is_office: !scopes.office.is_empty(),
        review_only,
    })
}

pub(super) fn topic_label(topics: &[Topic], code: &str) -> String {
    topics
        .iter()
        .find(|t| t.code == code)
        .map(|t| t.label.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The fields of every step form (each form posts the ones it has).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    topic_code: String,
    #[serde(default)]
    dept_id: String,
    #[serde(default)]
    instruction: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    final_text: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    escalate: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    decision: String,
    // 转为政府信息公开申请 (and `reason`, also the reveal form's 查看事由).
    #[serde(default)]
    applicant_type: String,
    #[serde(default)]
    applicant_name: String,
    #[serde(default)]
    id_kind: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    info_form: String,
    #[serde(default)]
    delivery: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    reason: String,
}

impl StepForm {
    fn convert_input(&self) -> ConvertInput {
        ConvertInput {
            applicant_type: self.applicant_type.clone(),
            applicant_name: self.applicant_name.clone(),
            id_kind: self.id_kind.clone(),
            id_number: self.id_number.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            info_form: self.info_form.clone(),
            delivery: self.delivery.clone(),
            description: self.description.clone(),
            reason: self.reason.clone(),
        }
    }
}

struct StepView {
    at: String,
    label: String,
    actor: String,
    note: String,
    change: String,
}

#[derive(Template)]
#[template(path = "admin/mailbox_message.html")]
struct MessagePage {
    layout: Layout,
    m: Message,
    box_name: String,
    topic: String,
    kind: &'static str,
    channel: &'static str,
    dept: String,
    due: Option<deadlines::DeadlineRow>,
    steps: Vec<StepView>,
    notices: Vec<(Supervision, String)>,
    publication: &'static str,
    rating: String,
    topics: Vec<Topic>,
    depts: Vec<(i64, String)>,
    form: StepForm,
    /// The form that failed (its action), and the errors by field id (`action-field`).
    failed: String,
    errors: Vec<(String, String)>,
    can: Can,
    received: String,
    replied: String,
    /// The writer's contact details: masked, or in full after an audited reveal.
    contact: Contact,
    revealed: bool,
    /// The staff member may reveal the contact details (`RevealPersonalData`).
    can_reveal: bool,
    /// The application the message became: (id, tracking number).
    application: Option<(i64, String)>,
    choices: crate::appform::Choices,
}

impl MessagePage {
    fn error_for(&self, id: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == id)
            .map(|(_, m)| m.as_str())
    }

    /// The submitted value of a field when this form failed, else `default`.
    fn kept<'a>(&'a self, action: &str, value: &'a str, default: &'a str) -> &'a str {
        if self.failed == action {
            value
        } else {
            default
        }
    }

    fn dept_selected(&self, id: &i64) -> bool {
        let current = if self.failed == "forward" {
            self.form.dept_id.clone()
        } else {
            self.m.dept_id.map(|d| d.to_string()).unwrap_or_default()
        };
        current == id.to_string()
    }

    /// A field of the conversion form: the submitted value when it failed, else its default.
    fn convert_value(&self, field: &str) -> String {
        let f = &self.form;
        if self.failed == "convert" {
            return match field {
                "applicant_type" => f.applicant_type.as_str(),
                "applicant_name" => f.applicant_name.as_str(),
                "id_kind" => f.id_kind.as_str(),
                "id_number" => f.id_number.as_str(),
                "address" => f.address.as_str(),
                "postcode" => f.postcode.as_str(),
                "info_form" => f.info_form.as_str(),
                "delivery" => f.delivery.as_str(),
                "description" => f.description.as_str(),
                "reason" => f.reason.as_str(),
                _ => "",
            }
            .to_string();
        }
        match field {
            "applicant_type" => "natural_person",
            "id_kind" => "resident_id",
            "info_form" => "electronic",
            "delivery" => "online",
            "description" => self.m.content.as_str(),
            _ => "",
        }
        .to_string()
    }

    fn convert_is(&self, field: &str, code: &str) -> bool {
        self.convert_value(field) == code
    }

    fn topic_selected(&self, code: &str) -> bool {
        if self.failed == "classify" {
            self.form.topic_code == code
        } else {
            self.m.topic_code == code
        }
    }
}

/// Which step forms the page shows.
#[derive(Debug, Default, Clone, Copy)]
struct Can {
    register: bool,
    classify: bool,
    forward: bool,
    draft: bool,
    return_draft: bool,
    approve: bool,
    reply: bool,
    follow_up: bool,
    close: bool,
    supervise: bool,
    petition: bool,
    publish: bool,
    edit_public: bool,
    review: bool,
    withdraw: bool,
    convert: bool,
}

impl Can {
    fn any(&self) -> bool {
        self.register
            || self.classify
            || self.forward
            || self.draft
            || self.return_draft
            || self.approve
            || self.reply
            || self.follow_up
            || self.close
            || self.supervise
            || self.petition
            || self.publish
            || self.edit_public
            || self.review
            || self.withdraw
            || self.convert
    }
}

fn allowed(m: &Message, office: bool, dept: bool, reviewer: bool, applications: bool) -> Can {
    use gongkai_core::mailbox::{Step, transition};
    let Ok(s) = m.status() else {
        return Can::default();
    };
    let ok = |step: Step| transition(s, step, None).is_ok();
    let publication = Publication::from_code(&m.publication).unwrap_or(Publication::None);
    Can {
        register: office && ok(Step::Register),
        classify: office && ok(Step::Classify),
        forward: office && ok(Step::Forward),
        draft: dept && ok(Step::Draft),
        return_draft: office && ok(Step::ReturnDraft),
        approve: office && ok(Step::Approve),
        reply: office && ok(Step::Reply),
        follow_up: office && ok(Step::FollowUp),
        close: office && ok(Step::Close),
        supervise: office && s.is_open(),
        petition: office && s.is_open() && s != Status::Received && m.kind() == Kind::Message,
        publish: office
            && m.consent_publish
            && m.replied_at.is_some()
            && matches!(publication, Publication::None | Publication::Withheld),
        edit_public: office && publication == Publication::PendingReview,
        review: reviewer && publication == Publication::PendingReview,
        withdraw: office && publication == Publication::Published,
        convert: office && applications && convert::refusal(m, None).is_none(),
    }
}

struct Access {
    office: bool,
    dept: bool,
    reviewer: bool,
    /// May register applications of the message's organisation (for the conversion).
    applications: bool,
}

fn access(staff: &Staff, m: &Message) -> Access {
    Access {
        applications: staff.can(Action::ManageApplications, Some(m.org_id)),
        office: staff.can(Action::ManageMailbox, Some(m.org_id)),
        dept: m
            .dept_id
            .is_some_and(|d| staff.can(Action::AnswerMessage, Some(d))),
        reviewer: staff.can(Action::ConfidentialityReview, Some(m.org_id))
            && m.publication == Publication::PendingReview.code(),
    }
}

fn step_change(
    s: &messages::Step,
    topics: &[Topic],
    names: &std::collections::HashMap<i64, String>,
) -> String {
    let d: serde_json::Value = serde_json::from_str(&s.detail_json).unwrap_or_default();
    match s.step.as_str() {
        "forward" => d["dept_id"]
            .as_i64()
            .and_then(|id| names.get(&id).cloned())
            .map(|n| format!("转至{n}"))
            .unwrap_or_default(),
        "classify" => format!(
            "主题：{}",
            topic_label(topics, d["topic"].as_str().unwrap_or(""))
        ),
        "reply" => format!(
            "答复期限 {}；用时 {} 个工作日；{}",
            d["due_on"].as_str().unwrap_or("—"),
            d["reply_days"].as_i64().unwrap_or(0),
            if d["in_time"].as_bool().unwrap_or(false) {
                "按期答复"
            } else {
                "超期答复"
            }
        ),
        "supervise" => format!(
            "{}{}",
            match d["cause"].as_str() {
                Some("due_soon") => "临近期限自动督办",
                Some("overdue") => "超期自动督办",
                _ => "人工督办",
            },
            if d["escalated"].as_bool().unwrap_or(false) {
                "，已报科室负责人"
            } else {
                ""
            }
        ),
        "rate" => gongkai_core::mailbox::Rating::from_code(d["rating"].as_str().unwrap_or(""))
            .map(|r| format!("评价：{}", r.label()))
            .unwrap_or_default(),
        "petition" => format!(
            "受理日期 {}，收到后第 {} 日{}",
            d["accepted_on"].as_str().unwrap_or(""),
            d["days_after_receipt"].as_i64().unwrap_or(0),
            if d["within_decision_period"].as_bool().unwrap_or(false) {
                "（在信访工作条例第二十二条规定的15日内）"
            } else {
                "（已超过信访工作条例第二十二条规定的15日）"
            }
        ),
        "to_application" => format!(
            "转为政府信息公开申请，受理编号 {}",
            d["tracking_no"].as_str().unwrap_or("—")
        ),
        "publish_review" => {
            if d["approved"].as_bool().unwrap_or(false) {
                "同意公开".into()
            } else {
                "不同意公开".into()
            }
        }
        _ => String::new(),
    }
}

/// Builds the page; `revealed` shows the contact details in full (the caller has recorded the
/// reveal).
async fn message_page(
    state: &AppState,
    staff: &Staff,
    m: Message,
    form: StepForm,
    failed: String,
    errors: Vec<(String, String)>,
    revealed: bool,
) -> AppResult<MessagePage> {
    let a = access(staff, &m);
    let full = m.contact(&state.config.vault.get())?;
    let contact = if revealed { full } else { full.masked() };
    let application = match m.application_id {
        Some(id) => convert::tracking_no(&state.db, id)
            .await?
            .map(|no| (id, no)),
        None => None,
    };
    let db = &state.db;
    let boxes = list_boxes(db).await?;
    let topics = list_topics(db).await?;
    let all_orgs = orgs::list(db).await?;
    let names = org_names(&all_orgs);
    let tree = &staff.tree;
    let depts = all_orgs
        .iter()
        .filter(|o| o.id != m.org_id && tree.is_within(o.id, m.org_id))
        .map(|o| (o.id, o.full_name.clone()))
        .collect();
    let steps = messages::steps(db, m.id)
        .await?
        .into_iter()
        .map(|s| StepView {
            at: cst(s.at),
            label: s.label().to_string(),
            actor: s.actor.clone(),
            note: s.note.clone(),
            change: step_change(&s, &topics, &names),
        })
        .collect();
    let notices = supervision::notices(db, m.id)
        .await?
        .into_iter()
        .map(|n| {
            let at = cst(n.issued_at);
            (n, at)
        })
        .collect();
    let due = deadlines::get(db, OBJECT_TYPE, m.id, gongkai_store::mailbox::DEADLINE_KIND).await?;
    let can = allowed(&m, a.office, a.dept, a.reviewer, a.applications);
    Ok(MessagePage {
        layout: staff.layout(&format!("留言处理单 {}", m.query_no)),
        box_name: boxes
            .iter()
            .find(|b| b.id == m.box_id)
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        topic: topic_label(&topics, &m.topic_code),
        kind: m.kind().label(),
        channel: CHANNELS
            .iter()
            .find(|(c, _)| *c == m.channel)
            .map_or("网上留言", |(_, l)| *l),
        dept: m
            .dept_id
            .and_then(|d| names.get(&d).cloned())
            .unwrap_or_else(|| "尚未转办".into()),
        due,
        steps,
        notices,
        publication: Publication::from_code(&m.publication).map_or("不公开", Publication::label),
        rating: m
            .rating()
            .map(|r| {
                if m.rating_comment.is_empty() {
                    r.label().to_string()
                } else {
                    format!("{}（{}）", r.label(), m.rating_comment)
                }
            })
            .unwrap_or_else(|| "尚未评价".into()),
        topics,
        depts,
        form,
        failed,
        errors,
        can,
        received: cst(m.received_at),
        replied: m.replied_at.map(cst).unwrap_or_default(),
        contact,
        revealed,
        can_reveal: !revealed
            && m.has_contact()
            && staff.can(Action::RevealPersonalData, Some(m.org_id)),
        application,
        choices: crate::appform::Choices::new(),
        m,
    })
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// 留言处理单: one page, printable, with the step forms the staff member may use.
async fn show_message(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    let m = messages::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("留言不存在"))?;
    let a = access(&staff, &m);
    if !(a.office || a.dept || a.reviewer) {
        return Err(AppError::forbidden());
    }
    let mut page = message_page(
        &state,
        &staff,
        m,
        StepForm::default(),
        String::new(),
        Vec::new(),
        false,
    )
    .await?;
    if q.done.is_some() {
        page.layout.flash = Some("已保存，处理单已更新。".into());
    }
    render(&page)
}

/// The main field of each step form (where its error is shown).
fn main_field(action: &str) -> &'static str {
    match action {
        "classify" => "topic_code",
        "forward" => "instruction",
        "draft" => "text",
        "approve" => "final_text",
        "return" | "close" | "withdraw" => "reasons",
        "public-text" => "question",
        "reply" | "publish" => "submit",
        _ => "note",
    }
}

/// Runs one step of the processing form; errors re-render the form with the input kept.
async fn post_step(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    let db = &state.db;
    let m = messages::get(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("留言不存在"))?;
    let a = access(&staff, &m);
    let permitted = match action.as_str() {
        "draft" => a.dept,
        "review" => a.reviewer,
        "register" | "classify" | "forward" | "return" | "approve" | "reply" | "follow-up"
        | "close" | "supervise" | "petition" | "publish" | "public-text" | "withdraw" => a.office,
        "convert" => a.office && a.applications,
        _ => return Err(AppError::not_found("没有这个办理环节")),
    };
    if !permitted {
        return Err(AppError::forbidden());
    }
    if action == "convert" {
        return convert_message(&state, &staff, m, f).await;
    }
    let vault = state.config.vault.get();
    let actor = staff.actor();
    let at = now_ms();
    let mut tx = db.begin().await?;
    let outcome: Result<(), StoreError> = async {
        match action.as_str() {
            "register" => messages::register(&mut tx, &actor, id, &f.note, at)
                .await
                .map(drop),
            "classify" => messages::classify(&mut tx, &actor, id, &f.topic_code, &f.note, at)
                .await
                .map(drop),
            "forward" => {
                let dept = f
                    .dept_id
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| StoreError::Invalid("请选择承办部门".into()))?;
                if !staff.can(Action::ManageMailbox, Some(dept)) {
                    return Err(StoreError::Invalid("您无权向所选部门转办".into()));
                }
                messages::forward(&mut tx, &actor, id, dept, &f.instruction, at)
                    .await
                    .map(drop)
            }
            "draft" => messages::draft(&mut tx, &actor, id, &f.text, at)
                .await
                .map(drop),
            "return" => messages::return_draft(&mut tx, &actor, id, &f.reasons, at)
                .await
                .map(drop),
            "approve" => messages::approve(&mut tx, &actor, id, &f.final_text, &f.note, at)
                .await
                .map(drop),
            "reply" => messages::send_reply(&mut tx, &actor, &vault, id, at)
                .await
                .map(drop),
            "follow-up" => messages::follow_up(&mut tx, &actor, id, &f.note, at)
                .await
                .map(drop),
            "close" => messages::close(&mut tx, &actor, id, &f.reasons, at)
                .await
                .map(drop),
            "supervise" => {
                supervision::supervise(&mut tx, &actor, id, &f.note, f.escalate.is_some(), at)
                    .await
                    .map(drop)
            }
            "petition" => messages::convert_to_petition(&mut tx, &actor, id, &f.note, at)
                .await
                .map(drop),
            "publish" => public::prepare(&mut tx, &actor, &vault, id, at)
                .await
                .map(drop),
            "public-text" => {
                public::edit_public(&mut tx, &actor, id, &f.title, &f.question, &f.reply, at)
                    .await
                    .map(drop)
            }
            "review" => {
                let approve = match f.decision.as_str() {
                    "approve" => true,
                    "refuse" => false,
                    _ => return Err(StoreError::Invalid("请选择审查结论".into())),
                };
                public::review(&mut tx, &actor, id, approve, &f.note, at)
                    .await
                    .map(drop)
            }
            _ => public::withdraw(&mut tx, &actor, id, &f.reasons, at)
                .await
                .map(drop),
        }
    }
    .await;
    match outcome {
        Ok(()) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/mailbox/{id}?done={action}")))
        }
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict(_))) => {
            drop(tx);
            let (status, msg) = match e {
                StoreError::Conflict(m) => (StatusCode::CONFLICT, m),
                StoreError::Invalid(m) => (StatusCode::BAD_REQUEST, m),
                other => (StatusCode::BAD_REQUEST, other.to_string()),
            };
            let field = format!("{action}-{}", main_field(&action));
            let m = messages::get(db, id)
                .await?
                .ok_or_else(|| AppError::not_found("留言不存在"))?;
            let page = message_page(
                &state,
                &staff,
                m,
                f,
                action.clone(),
                vec![(field, msg)],
                false,
            )
            .await?;
            render_with_status(&page, status)
        }
        Err(e) => Err(e.into()),
    }
}

/// The conversion form's field for a problem of the application (`convert::validate`): the
/// contact problem goes to the address (the one contact field staff may add), the e-mail one
/// to the delivery choice, the requested item to the description.
fn convert_field(field: &str) -> &'static str {
    match field {
        "applicant_type" => "applicant_type",
        "applicant_name" => "applicant_name",
        "id_kind" => "id_kind",
        "id_number" => "id_number",
        "phone" | "address" => "address",
        "postcode" => "postcode",
        "info_form" => "info_form",
        "email" | "delivery" => "delivery",
        "reason" => "reason",
        f if f.starts_with("items") => "description",
        _ => "submit",
    }
}

/// 转为政府信息公开申请: problems re-render the form by field (400; 409 when the message cannot
/// be converted any more); success goes to the new application, which shows its secret once.
async fn convert_message(
    state: &AppState,
    staff: &Staff,
    m: Message,
    f: StepForm,
) -> AppResult<Response> {
    let vault = state.config.vault.get();
    let input = f.convert_input();
    let today = deadlines::today();
    let mut status = StatusCode::BAD_REQUEST;
    let mut errors: Vec<(String, String)> = Vec::new();
    let existing = match m.application_id {
        Some(a) => convert::tracking_no(&state.db, a).await?,
        None => None,
    };
    if let Some(why) = convert::refusal(&m, existing.as_deref()) {
        status = StatusCode::CONFLICT;
        errors.push(("convert-submit".into(), why));
    } else {
        let contact = m.contact(&vault)?;
        for e in convert::validate(&m, &contact, &input, today) {
            let id = format!("convert-{}", convert_field(&e.field));
            if !errors.iter().any(|(f, _)| *f == id) {
                errors.push((id, e.message));
            }
        }
    }
    if errors.is_empty() {
        let mut tx = state.db.begin().await?;
        match convert::to_application(
            &mut tx,
            &staff.actor(),
            &vault,
            m.id,
            &input,
            today,
            now_ms(),
        )
        .await
        {
            Ok(c) => {
                tx.commit().await?;
                return Ok(see_other(&format!(
                    "/admin/applications/{}?created={}",
                    c.application.id, c.secret
                )));
            }
            Err(StoreError::Conflict(msg)) => {
                status = StatusCode::CONFLICT;
                errors.push(("convert-submit".into(), msg));
            }
            Err(StoreError::Invalid(msg)) => errors.push(("convert-submit".into(), msg)),
            Err(e) => return Err(e.into()),
        }
    }
    let m = messages::get(&state.db, m.id)
        .await?
        .ok_or_else(|| AppError::not_found("留言不存在"))?;
    let page = message_page(state, staff, m, f, "convert".into(), errors, false).await?;
    render_with_status(&page, status)
}

#[derive(Debug, Default, Deserialize)]
struct RevealForm {
    #[serde(default)]
    reason: String,
}

/// 显示完整信息: shows the writer's contact details in full on this response only, after the
/// reveal is recorded with its reason (`personal::reveal`, audited; `RevealPersonalData`).
async fn reveal_contact(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> AppResult<Response> {
    let m = messages::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("留言不存在"))?;
    let a = access(&staff, &m);
    if !(a.office || a.dept || a.reviewer) || !staff.can(Action::RevealPersonalData, Some(m.org_id))
    {
        return Err(AppError::forbidden());
    }
    let mut tx = state.db.begin().await?;
    let form = StepForm {
        reason: f.reason.clone(),
        ..Default::default()
    };
    match personal::reveal(
        &mut tx,
        &staff.actor(),
        OBJECT_TYPE,
        &id.to_string(),
        "contact",
        &f.reason,
    )
    .await
    {
        Ok(()) => {
            tx.commit().await?;
            let mut page =
                message_page(&state, &staff, m, form, String::new(), Vec::new(), true).await?;
            page.layout.flash =
                Some("已显示来信人的完整联系信息。本次查看及事由已记入审计日志。".into());
            render(&page)
        }
        Err(StoreError::Invalid(msg)) => {
            drop(tx);
            let page = message_page(
                &state,
                &staff,
                m,
                form,
                "reveal".into(),
                vec![("reveal-reason".into(), msg)],
                false,
            )
            .await?;
            render_with_status(&page, StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e.into()),
    }
}
