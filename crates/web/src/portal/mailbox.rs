//! 信箱与咨询 on the portal (issue #7, product.md C8, REG §4.4/§4.5): the boxes, the accessible
//! no-JavaScript message form, the writer's query page (query number + secret: status, reply,
//! rating), published questions and answers by topic with their Atom feed, and the public
//! statistics.
//!
//! Only [`public::PUBLIC_CONDITION`] decides what the public sees of other people's messages:
//! consented, masked, reviewed and published. The query page shows a writer their own message
//! (both the number and the secret are needed; a wrong pair gets one message that does not say
//! which part was wrong).

use crate::AppState;
use crate::antiabuse::{self, Challenge, Proof};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::page::{Layout, cst, render, render_with_status};
use crate::session::PublicCtx;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongkai_core::mailbox::{Publication, Rating, Status};
use gongkai_core::mailbox::{percent_zh, tenths_zh};
use gongkai_store::StoreError;
use gongkai_store::audit::Actor;
use gongkai_store::mailbox::boxes::{MailBox, Topic, list_boxes, list_topics};
use gongkai_store::mailbox::messages::{self, Message, Submission};
use gongkai_store::mailbox::public::{self, PublicQa, QaPage};
use gongkai_store::mailbox::stats::{YearStats, year_statistics};
use gongkai_store::now_ms;
use serde::Deserialize;

fn public_actor(ctx: &PublicCtx) -> Actor {
    Actor {
        user_id: None,
        label: "public".into(),
        ip: ctx.ip.clone(),
    }
}

/// The active boxes of the request's site (issue #14: a site offers its own boxes only).
async fn active_boxes(state: &AppState, site: &crate::site::SiteCtx) -> AppResult<Vec<MailBox>> {
    Ok(list_boxes(&state.db)
        .await?
        .into_iter()
        .filter(|b| b.active && site.scope().contains(b.org_id))
        .collect())
}

async fn active_topics(state: &AppState) -> AppResult<Vec<Topic>> {
    Ok(list_topics(&state.db)
        .await?
        .into_iter()
        .filter(|t| t.active)
        .collect())
}

#[derive(Template)]
#[template(path = "portal/mailbox.html")]
struct HomePage {
    layout: Layout,
    boxes: Vec<MailBox>,
    topics: Vec<Topic>,
    latest: Vec<PublicQa>,
}

/// 信箱与咨询: the boxes, how to follow a message, the latest public answers.
pub async fn show_mailbox(State(state): State<AppState>, ctx: PublicCtx) -> AppResult<Response> {
    render(&HomePage {
        layout: ctx.layout("信箱与咨询"),
        boxes: active_boxes(&state, &ctx.site).await?,
        topics: active_topics(&state).await?,
        latest: public::published(&state.db, ctx.scope(), None, 1, 5)
            .await?
            .entries,
    })
}

/// The form as typed (strings, kept on errors).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WriteForm {
    #[serde(default)]
    box_id: String,
    #[serde(default)]
    topic_code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    consent: String,
    #[serde(flatten)]
    proof: Proof,
}

#[derive(Template)]
#[template(path = "portal/mailbox_write.html")]
struct WritePage {
    layout: Layout,
    boxes: Vec<MailBox>,
    topics: Vec<Topic>,
    form: WriteForm,
    errors: Vec<(&'static str, String)>,
    challenge: Challenge,
    challenge_error: Option<String>,
}

impl WritePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn name_hint(&self) -> String {
        let required: Vec<&str> = self
            .boxes
            .iter()
            .filter(|b| b.name_required)
            .map(|b| b.name.as_str())
            .collect();
        if required.is_empty() {
            "可不填".to_string()
        } else {
            format!("写给{}须填写姓名，其他信箱可不填", required.join("、"))
        }
    }
}

#[derive(Deserialize)]
pub struct WriteQuery {
    #[serde(rename = "box")]
    box_id: Option<String>,
}

/// 我要留言: the form.
pub async fn show_write(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Query(q): Query<WriteQuery>,
) -> AppResult<Response> {
    let boxes = active_boxes(&state, &ctx.site).await?;
    let box_id = q
        .box_id
        .filter(|b| boxes.iter().any(|x| x.id.to_string() == *b))
        .unwrap_or_default();
    render(&WritePage {
        layout: ctx.layout("我要留言"),
        boxes,
        topics: active_topics(&state).await?,
        form: WriteForm {
            box_id,
            consent: String::new(),
            ..Default::default()
        },
        errors: Vec::new(),
        challenge: antiabuse::issue(&state).await?,
        challenge_error: None,
    })
}

#[derive(Template)]
#[template(path = "portal/mailbox_receipt.html")]
struct ReceiptPage {
    layout: Layout,
    query_no: String,
    secret: String,
    box_name: String,
    due: String,
}

/// Receives a message: validation errors re-render the form with the input kept; success shows
/// the query number and secret once.
pub async fn submit_message(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Form(f): Form<WriteForm>,
) -> AppResult<Response> {
    let boxes = active_boxes(&state, &ctx.site).await?;
    let topics = active_topics(&state).await?;
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let mb = f
        .box_id
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| boxes.iter().find(|b| b.id == id).cloned());
    let consent = match f.consent.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    if consent.is_none() {
        errors.push((
            "consent-yes",
            "请选择是否同意公开您的留言和答复".to_string(),
        ));
    }
    let sub = Submission {
        box_id: mb.as_ref().map_or(0, |b| b.id),
        topic_code: f.topic_code.trim().to_string(),
        title: f.title.clone(),
        content: f.content.clone(),
        name: f.name.clone(),
        phone: f.phone.clone(),
        email: f.email.clone(),
        consent_publish: consent.unwrap_or(false),
        channel: "online".into(),
    };
    match &mb {
        None => errors.insert(0, ("box_id", "请选择要写信的信箱".to_string())),
        Some(b) => {
            let topic_ok = topics.iter().any(|t| t.code == sub.topic_code);
            let mut e = messages::validate_submission(b, &sub, topic_ok);
            e.extend(errors);
            errors = e;
        }
    }
    // The human check (never an image: proof of work with JS, a question in words without).
    let mut challenge_error = None;
    if let Err(msg) = antiabuse::check(&state, &f.proof).await? {
        errors.push(("captcha_answer", msg.clone()));
        challenge_error = Some(msg);
    }
    if errors.is_empty()
        && let Some(b) = &mb
    {
        // Rate limits counted in the database: per address, and per writer (a digest of the
        // contact details, never the details themselves).
        let limits = state.config.public_forms;
        antiabuse::limit(&state, "mailbox:ip", &ctx.ip, limits.per_ip).await?;
        let who = format!(
            "{}|{}|{}",
            sub.name.trim(),
            sub.phone.trim(),
            sub.email.trim().to_lowercase()
        );
        if who != "||" {
            let key = gongkai_store::sessions::token_hash(&who);
            antiabuse::limit(&state, "mailbox:person", &key, limits.per_person).await?;
        }
        let mut tx = state.db.begin().await?;
        let vault = state.config.vault.get();
        match messages::submit(&mut tx, &public_actor(&ctx), &vault, &sub, now_ms()).await {
            Ok(r) => {
                tx.commit().await?;
                let due = gongkai_store::deadlines::get(
                    &state.db,
                    gongkai_store::mailbox::OBJECT_TYPE,
                    r.message.id,
                    gongkai_store::mailbox::DEADLINE_KIND,
                )
                .await?
                .map(|d| d.due_date)
                .unwrap_or_default();
                return render(&ReceiptPage {
                    layout: ctx.layout("留言已提交"),
                    query_no: r.query_no,
                    secret: r.secret,
                    box_name: b.name.clone(),
                    due,
                });
            }
            Err(StoreError::Invalid(m)) | Err(StoreError::Conflict(m)) => {
                errors.push(("title", m));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_with_status(
        &WritePage {
            layout: ctx.layout("我要留言"),
            boxes,
            topics,
            form: WriteForm {
                proof: Proof::default(),
                ..f
            },
            errors,
            challenge: antiabuse::issue(&state).await?,
            challenge_error,
        },
        StatusCode::BAD_REQUEST,
    )
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueryForm {
    #[serde(default)]
    query_no: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

#[derive(Template)]
#[template(path = "portal/mailbox_query.html")]
struct QueryPage {
    layout: Layout,
    form: QueryForm,
    errors: Vec<(&'static str, String)>,
    found: Option<Found>,
    flash: Option<String>,
}

impl QueryPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// What the writer sees of their own message.
struct Found {
    m: Message,
    status: &'static str,
    replied: String,
    can_rate: bool,
    rating: String,
    publication: &'static str,
}

impl Found {
    fn of(m: Message) -> Found {
        let status = m.status().ok();
        let converted = m.application_id.is_some();
        Found {
            // The writer sees where it is in plain words; internal steps collapse.
            status: match status {
                _ if converted => {
                    "您的留言已转为政府信息公开申请，按依申请公开程序办理。请凭工作人员告知的受理编号和查询密码，在“依申请公开”栏目查询办理情况"
                }
                Some(Status::Received) => "已收到，等待登记",
                Some(
                    Status::Registered | Status::Forwarded | Status::Drafted | Status::Approved,
                ) => "正在办理",
                Some(Status::Replied | Status::Closed) => "已答复",
                Some(Status::Reopened) => "您对答复不满意，正在重新处理",
                None => "正在办理",
            },
            replied: m.replied_at.map(cst).unwrap_or_default(),
            can_rate: !converted && matches!(status, Some(Status::Replied | Status::Closed)),
            rating: m
                .rating()
                .map(|r| r.label().to_string())
                .unwrap_or_default(),
            publication: match Publication::from_code(&m.publication) {
                Some(Publication::Published) => "已在网站公开（个人信息已遮蔽）",
                Some(Publication::PendingReview) => "正在进行公开前审查",
                _ if m.consent_publish => "暂未公开",
                _ => "您未同意公开，不会在网站公开",
            },
            m,
        }
    }
}

/// 留言查询: the form.
pub async fn show_query(ctx: PublicCtx) -> AppResult<Response> {
    render(&QueryPage {
        layout: ctx.layout("留言查询"),
        form: QueryForm::default(),
        errors: Vec::new(),
        found: None,
        flash: None,
    })
}

const NOT_FOUND: &str = "查询码或查询密码不正确，请核对后重新输入（查询密码不区分大小写）";

/// 留言查询: looks a message up by number and secret (POST, so the secret stays out of URLs
/// and logs).
pub async fn post_query(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Form(f): Form<QueryForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    if f.query_no.trim().is_empty() {
        errors.push(("query_no", "请填写查询码".to_string()));
    }
    if f.secret.trim().is_empty() {
        errors.push(("secret", "请填写查询密码".to_string()));
    }
    let found = if errors.is_empty() {
        lookup_guarded(&state, &ctx, &f.query_no, &f.secret).await?
    } else {
        None
    };
    if errors.is_empty() && found.is_none() {
        errors.push(("query_no", NOT_FOUND.to_string()));
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render_with_status(
        &QueryPage {
            layout: ctx.layout("留言查询"),
            form: QueryForm {
                rating: String::new(),
                comment: String::new(),
                ..f
            },
            errors,
            found: found.map(Found::of),
            flash: None,
        },
        status,
    )
}

/// Looks a message up by query number + secret, guarded against guessing: once an address or a
/// number has too many failures, the secret is not even compared (429), and each failure counts.
/// A message of another site answers exactly like a wrong pair (issue #14).
async fn lookup_guarded(
    state: &AppState,
    ctx: &PublicCtx,
    query_no: &str,
    secret: &str,
) -> AppResult<Option<messages::Message>> {
    let ip = ctx.ip.as_str();
    let limits = state.config.public_forms;
    let number = query_no.trim().to_string();
    let guards = [
        ("mailbox:lookup", ip, limits.lookups_per_ip),
        (
            "mailbox:lookup-no",
            number.as_str(),
            limits.lookups_per_number,
        ),
    ];
    for (bucket, key, limit) in guards {
        antiabuse::lookup_guard(state, bucket, key, limit).await?;
    }
    let found = messages::lookup(&state.db, query_no, secret)
        .await?
        .filter(|m| ctx.scope().contains(m.org_id));
    if found.is_none() {
        for (bucket, key, limit) in guards {
            antiabuse::lookup_failed(state, bucket, key, limit).await?;
        }
    }
    Ok(found)
}

/// 评价: the writer rates the reply; 不满意 reopens the case.
pub async fn post_rating(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Form(f): Form<QueryForm>,
) -> AppResult<Response> {
    let Some(m) = lookup_guarded(&state, &ctx, &f.query_no, &f.secret).await? else {
        return render_with_status(
            &QueryPage {
                layout: ctx.layout("留言查询"),
                form: QueryForm::default(),
                errors: vec![("query_no", NOT_FOUND.to_string())],
                found: None,
                flash: None,
            },
            StatusCode::BAD_REQUEST,
        );
    };
    let mut errors = Vec::new();
    match Rating::from_code(&f.rating) {
        None => errors.push(("rating-satisfied", "请选择满意程度".to_string())),
        Some(r) => {
            let mut tx = state.db.begin().await?;
            match messages::rate(
                &mut tx,
                &public_actor(&ctx),
                &f.query_no,
                &f.secret,
                r,
                &f.comment,
                now_ms(),
            )
            .await
            {
                Ok(after) => {
                    tx.commit().await?;
                    let flash = if r.reopens() {
                        "感谢您的评价。我们将重新研究您反映的问题，并在期限内答复。"
                    } else {
                        "感谢您的评价。"
                    };
                    return render(&QueryPage {
                        layout: ctx.layout("留言查询"),
                        form: QueryForm {
                            rating: String::new(),
                            comment: String::new(),
                            ..f
                        },
                        errors: Vec::new(),
                        found: Some(Found::of(after)),
                        flash: Some(flash.to_string()),
                    });
                }
                Err(StoreError::Invalid(msg)) => errors.push(("comment", msg)),
                Err(StoreError::Conflict(msg)) => errors.push(("rating-satisfied", msg)),
                Err(e) => return Err(e.into()),
            }
        }
    }
    render_with_status(
        &QueryPage {
            layout: ctx.layout("留言查询"),
            form: f,
            errors,
            found: Some(Found::of(m)),
            flash: None,
        },
        StatusCode::BAD_REQUEST,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct QaQuery {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "portal/mailbox_qa.html")]
struct QaListPage {
    layout: Layout,
    topics: Vec<Topic>,
    topic: String,
    topic_label: String,
    page: QaPage,
    pages: i64,
}

impl QaListPage {
    /// The Atom feed of this list (`<link rel="alternate">`).
    fn feed_href(&self) -> String {
        if self.topic.is_empty() {
            "/mailbox/qa.atom".to_string()
        } else {
            format!("/mailbox/qa.atom?topic={}", self.topic)
        }
    }

    fn page_href(&self, n: &i64) -> String {
        if self.topic.is_empty() {
            format!("/mailbox/qa?page={n}")
        } else {
            format!("/mailbox/qa?topic={}&page={n}", self.topic)
        }
    }
}

/// 公开答复: published Q&A, browsable by topic.
pub async fn list_qa(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Query(q): Query<QaQuery>,
) -> AppResult<Response> {
    let topics = active_topics(&state).await?;
    let topic = topics
        .iter()
        .find(|t| t.code == q.topic)
        .map(|t| (t.code.clone(), t.label.clone()));
    if !q.topic.is_empty() && topic.is_none() {
        return Err(AppError::not_found("没有这个留言主题。"));
    }
    let (code, label) = topic.unwrap_or_default();
    let page = public::published(
        &state.db,
        ctx.scope(),
        Some(code.as_str()).filter(|c| !c.is_empty()),
        q.page.unwrap_or(1),
        20,
    )
    .await?;
    let pages = (page.total + page.per_page - 1) / page.per_page;
    render(&QaListPage {
        layout: ctx.layout(
            if label.is_empty() {
                "公开答复".to_string()
            } else {
                format!("公开答复：{label}")
            }
            .as_str(),
        ),
        topics,
        topic: code,
        topic_label: label,
        page,
        pages,
    })
}

/// `/mailbox/qa.atom` (optionally `?topic=<code>`): an Atom feed (RFC 4287) of the newest
/// published questions and answers. Entries come only from `public::published`, i.e.
/// [`public::PUBLIC_CONDITION`]: consented, masked, reviewed and published.
pub async fn show_qa_feed(
    State(state): State<AppState>,
    crate::site::CurrentSite(on): crate::site::CurrentSite,
    headers: HeaderMap,
    Query(q): Query<QaQuery>,
) -> AppResult<Response> {
    use crate::portal::feeds::{FEED_ENTRIES, rfc3339, xml_escape};
    let topics = active_topics(&state).await?;
    let topic = topics.iter().find(|t| t.code == q.topic);
    if !q.topic.is_empty() && topic.is_none() {
        return Err(AppError::not_found(
            "没有这个留言主题的订阅源。可用的订阅源：/mailbox/qa.atom、/mailbox/qa.atom?topic=<主题代码>",
        ));
    }
    let entries = public::published(
        &state.db,
        on.scope(),
        topic.map(|t| t.code.as_str()),
        1,
        FEED_ENTRIES,
    )
    .await?
    .entries;
    let site = xml_escape(&on.name());
    let base = on.origin(&state, &headers);
    let (self_path, alternate, title) = match topic {
        Some(t) => (
            format!("/mailbox/qa.atom?topic={}", t.code),
            format!("/mailbox/qa?topic={}", t.code),
            format!("公开答复：{}", t.label),
        ),
        None => (
            "/mailbox/qa.atom".to_string(),
            "/mailbox/qa".to_string(),
            "公开答复".to_string(),
        ),
    };
    let self_href = xml_escape(&format!("{base}{self_path}"));
    let alt_href = xml_escape(&format!("{base}{alternate}"));
    let updated = rfc3339(
        entries
            .iter()
            .map(|e| e.published_at)
            .max()
            .unwrap_or_else(now_ms),
    );
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n  <title>{site} — {}</title>\n  <id>{self_href}</id>\n  <updated>{updated}</updated>\n  <author><name>{site}</name></author>\n  <link rel=\"self\" href=\"{self_href}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{alt_href}\"/>\n",
        xml_escape(&title)
    );
    for e in &entries {
        let href = xml_escape(&format!("{base}/mailbox/qa/{}", e.id));
        body.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{href}\"/>\n    <id>{href}</id>\n    <published>{ts}</published>\n    <updated>{ts}</updated>\n    <author><name>{}</name></author>\n    <category term=\"{}\" label=\"{}\"/>\n    <summary>{}</summary>\n    <content type=\"text\">{}</content>\n  </entry>\n",
            xml_escape(&e.title),
            xml_escape(&e.box_name),
            xml_escape(&e.topic_code),
            xml_escape(&e.topic_label),
            xml_escape(&e.question),
            xml_escape(&format!("问：{}\n答：{}", e.question, e.reply)),
            ts = rfc3339(e.published_at),
        ));
    }
    body.push_str("</feed>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "portal/mailbox_qa_one.html")]
struct QaOnePage {
    layout: Layout,
    qa: PublicQa,
    published: String,
}

/// One published Q&A (404 for anything not public).
pub async fn show_qa(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let qa = public::published_one(&state.db, ctx.scope(), id)
        .await?
        .ok_or_else(|| AppError::not_found("该留言答复不存在或未公开。"))?;
    render(&QaOnePage {
        layout: ctx.layout(&qa.title),
        published: cst(qa.published_at),
        qa,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
}

#[derive(Template)]
#[template(path = "portal/mailbox_stats.html")]
struct StatsPage {
    layout: Layout,
    year: String,
    error: Option<String>,
    v: Option<StatsView>,
}

/// 留言办理情况统计 (REG §4.4: the website checks expect the 留言受理反馈情况统计数据).
pub async fn show_stats(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let this_year = chrono::Datelike::year(&gongkai_store::deadlines::today());
    let parsed = match q.year.trim() {
        "" => Ok(this_year),
        y => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| "年份请填写四位数字，例如 2019".to_string()),
    };
    // A malformed year in the address is a 400 error page like every other bad query parameter.
    let year = parsed.map_err(AppError::bad_request)?;
    render(&StatsPage {
        layout: ctx.layout("留言办理情况统计"),
        year: year.to_string(),
        error: None,
        v: Some(StatsView::new(
            year_statistics(&state.db, ctx.site.roots().as_deref(), year).await?,
        )),
    })
}

/// Display strings of a year's figures (shared with the portal's public statistics).
pub struct StatsView {
    pub s: YearStats,
    pub in_time: String,
    pub reply_rate: String,
    pub median: String,
    pub max: String,
    pub satisfaction: String,
}

impl StatsView {
    pub fn new(s: YearStats) -> StatsView {
        StatsView {
            in_time: s.in_time_per_mille.map_or("—".into(), percent_zh),
            reply_rate: s.reply_rate_per_mille.map_or("—".into(), percent_zh),
            median: s
                .median_reply_tenths
                .map_or("—".into(), |t| format!("{} 个工作日", tenths_zh(t))),
            max: s
                .max_reply_days
                .map_or("—".into(), |d| format!("{d} 个工作日")),
            satisfaction: s.satisfaction_per_mille().map_or("—".into(), percent_zh),
            s,
        }
    }
}
