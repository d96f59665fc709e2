//! Information items of proactive disclosure (issue #4, product.md C2/C3, 条例 Arts. 19–26,
//! REG §4.2–§4.3 and §5): storage of items, revisions, the review chain, the scanner gate,
//! publication with 索引号, the public catalog and the registers around them.
//!
//! **Rules** (the pure ones live in `gongkai_core::items`):
//! - Every state change goes through core's [`transition`] with the caller's [`Capabilities`]
//!   and is recorded in `item_events` (the timeline) and the audit log, in one transaction.
//!   Permission *scope* is the caller's check (`auth::permits` on [`Item::org_id`]).
//! - Every content edit is a new revision; an edit after a review step creates a new revision
//!   and returns the item to draft, so every review record (bound to its revision) is invalid
//!   for the new text (REG §5.4), and the caller is told so ([`INVALIDATION_NOTICE`]).
//! - 先审查、后公开 (实施条例 Art. 42, REG §5.4): publication needs a passed 审核, a 保密审查表
//!   concluding 公开 and an approval, all bound to the current revision; 主动公开 and 非涉密; and
//!   no unresolved blocking scanner finding on the current revision ([`findings`]).
//! - 索引号 (REG §4.3) is drawn inside the publishing transaction from a per-(organisation, year)
//!   counter row (locked `FOR UPDATE` on PostgreSQL), is unique (index), never reused (the
//!   counter only grows) and never changed (nothing updates a set `index_no`).
//! - Art. 26: a `publication` deadline (生成日期 + 20 working days, or a shorter local period,
//!   [`PERIOD_SETTING`]) is registered in the
//!   deadlines register when an item is created and closed on publication (or when withheld);
//!   `published_late` records a publication after the due date.
//! - The public catalog ([`catalog`]) shows only published, not withdrawn items whose
//!   publication time has come; the conditions are in one SQL fragment used by every public
//!   query ([`catalog::PUBLIC_CONDITION`]).

pub mod catalog;
pub mod files;
pub mod findings;
pub(crate) mod migrate;
pub mod publish;
pub mod registers;
pub mod review;

use chrono::NaiveDate;
use gongkai_core::calendar::{Clock, Period};
use gongkai_core::items::{
    Capabilities, Disclosure, INVALIDATION_NOTICE, ItemAction, PUBLICATION_WORKDAYS, State,
    Validity, VocabKind, transition,
};
use gongkai_core::org::OrgId;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::deadlines::{self, DeadlineInput};
use crate::{Backend, Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// `object_type` of items in the deadlines register and the audit log.
pub const OBJECT_TYPE: &str = "item";
/// Kind of the Art. 26 deadline.
pub const DEADLINE_KIND: &str = "publication";

/// A stored item (catalog metadata of REG §4.2; title, summary and body live in revisions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    pub org_id: i64,
    /// A [`State`] code.
    pub state: String,
    /// 索引号, set at publication.
    pub index_no: Option<String>,
    /// 生成日期 (形成或者变更日期, drives the Art. 26 clock).
    pub formed_on: String,
    /// 成文日期.
    pub signed_on: Option<String>,
    /// 发布机构 (full standard name).
    pub publisher_name: String,
    /// 文号.
    pub doc_number: String,
    pub topic_code: String,
    pub genre_code: String,
    pub catalog_code: String,
    /// A [`Disclosure`] code (公开属性).
    pub disclosure: String,
    /// Legal ground when not 主动公开 (Art. 14/15/16).
    pub withhold_ground: String,
    /// 涉密状态: only 非涉密 items are ever published.
    pub classified: bool,
    /// A [`Validity`] code.
    pub validity: String,
    pub validity_on: Option<String>,
    pub validity_replaced_by: String,
    pub validity_note: String,
    pub current_revision_id: Option<i64>,
    pub published_revision_id: Option<i64>,
    pub scheduled_at: Option<i64>,
    pub published_at: Option<i64>,
    /// 发布日期 (China Standard Time).
    pub published_on: Option<String>,
    pub published_late: bool,
    pub withdrawn_at: Option<i64>,
    pub withdrawn_reason: String,
    /// Art. 18 re-review date of a withheld item.
    pub rereview_due: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Item {
    pub fn state(&self) -> Result<State> {
        State::from_code(&self.state)
            .ok_or_else(|| StoreError::Invalid(format!("信息状态“{}”无法识别", self.state)))
    }
    pub fn disclosure(&self) -> Option<Disclosure> {
        Disclosure::from_code(&self.disclosure)
    }
    pub fn validity(&self) -> Option<Validity> {
        Validity::from_code(&self.validity)
    }
    pub(crate) fn current_revision(&self) -> Result<i64> {
        self.current_revision_id
            .ok_or_else(|| StoreError::Invalid("信息没有正文版本".into()))
    }
}

pub(crate) const ITEM_COLUMNS: &str = "id, org_id, state, index_no, formed_on, signed_on, \
    publisher_name, doc_number, topic_code, genre_code, catalog_code, disclosure, withhold_ground, \
    classified, validity, validity_on, validity_replaced_by, validity_note, current_revision_id, \
    published_revision_id, scheduled_at, published_at, published_on, published_late, withdrawn_at, \
    withdrawn_reason, rereview_due, created_by, created_at, updated_at";

/// One revision of an item's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Revision {
    pub id: i64,
    pub item_id: i64,
    /// 1, 2, … per item.
    pub number: i64,
    pub title: String,
    pub summary: String,
    /// Stored as given (sanitising is the rich-text module's job).
    pub body_html: String,
    pub keywords: String,
    /// Why the revision exists (e.g. 一键遮蔽, the amendment note).
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
    /// When this revision became the public text (public revision history).
    pub published_at: Option<i64>,
}

pub(crate) const REVISION_COLUMNS: &str = "id, item_id, number, title, summary, body_html, \
    keywords, note, created_by, created_at, published_at";

/// The content of a revision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Content {
    /// 标题
    pub title: String,
    /// 内容概述
    pub summary: String,
    pub body_html: String,
    /// 主题词
    pub keywords: String,
}

impl Content {
    pub(crate) fn of(r: &Revision) -> Content {
        Content {
            title: r.title.clone(),
            summary: r.summary.clone(),
            body_html: r.body_html.clone(),
            keywords: r.keywords.clone(),
        }
    }
}

/// Metadata of a new or edited item (REG §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Metadata {
    /// 生成日期.
    pub formed_on: NaiveDate,
    /// 成文日期.
    pub signed_on: Option<NaiveDate>,
    /// 发布机构; empty = the organisation's full name.
    pub publisher_name: String,
    /// 文号.
    pub doc_number: String,
    /// 主题分类 code (empty = none).
    pub topic_code: String,
    /// 体裁分类 code (empty = none).
    pub genre_code: String,
    /// 公开目录 code (required).
    pub catalog_code: String,
    pub disclosure: Disclosure,
    /// Required unless 主动公开.
    pub withhold_ground: String,
    /// 涉密.
    pub classified: bool,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditOutcome {
    pub item: Item,
    /// A new revision was created.
    pub new_revision: bool,
    /// The edit came after a review step: reviews are void and the item is back in draft.
    pub reviews_invalidated: bool,
    /// [`INVALIDATION_NOTICE`] when `reviews_invalidated`.
    pub notice: Option<&'static str>,
}

/// One step on an item's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ItemEvent {
    pub id: i64,
    pub item_id: i64,
    pub revision_id: Option<i64>,
    /// An [`ItemAction`] code, or `create`, `mask`, `remove`, `justify`, `rereview`.
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    /// Reasons, opinions, notices.
    pub note: String,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub at: i64,
}

pub(crate) fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

fn workflow_err(e: gongkai_core::items::WorkflowError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

/// Today's date in China Standard Time.
pub(crate) fn today() -> NaiveDate {
    deadlines::today()
}

/// The CST date of a millisecond timestamp.
pub(crate) fn cst_date(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .map(|d| d.date_naive())
        .unwrap_or_else(today)
}

fn audit_view(item: &Item) -> serde_json::Value {
    serde_json::to_value(item).unwrap_or_default()
}

/// Loads an item inside a write transaction, locking its row on PostgreSQL (SQLite's single
/// writer already serialises), so concurrent workflow steps on one item never interleave.
pub(crate) async fn lock(tx: &mut Tx, id: i64) -> Result<Item> {
    let lock = match tx.backend() {
        Backend::Postgres => "FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = $1 {lock}");
    let item: Option<Item> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    item.ok_or_else(|| StoreError::NotFound("信息不存在".into()))
}

pub(crate) async fn reload(tx: &mut Tx, id: i64) -> Result<Item> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_one(c)
    .await?))
}

pub(crate) async fn revision_tx(tx: &mut Tx, id: i64) -> Result<Revision> {
    let sql = format!("SELECT {REVISION_COLUMNS} FROM item_revisions WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_one(c)
    .await?))
}

/// Sets the state, appends the timeline event and the audit record (`item.<action>`).
pub(crate) async fn record(
    tx: &mut Tx,
    actor: &Actor,
    before: &Item,
    action: &str,
    to: State,
    note: &str,
) -> Result<Item> {
    let now = now_ms();
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET state = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(before.id)
    .bind(to.code())
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    let after = reload(tx, before.id).await?;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_events (item_id, revision_id, action, from_state, to_state, note, \
         actor, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(after.id)
    .bind(after.current_revision_id)
    .bind(action)
    .bind(&before.state)
    .bind(to.code())
    .bind(note)
    .bind(&actor.label)
    .bind(actor.user_id)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    let mut after_json = audit_view(&after);
    if !note.is_empty() {
        after_json["note"] = json!(note);
    }
    audit::append(
        tx,
        actor,
        Change {
            action: &format!("item.{action}"),
            object_type: OBJECT_TYPE,
            object_id: after.id.to_string(),
            before: Some(audit_view(before)),
            after: Some(after_json),
        },
    )
    .await?;
    // Search sees every state change (publication, the scheduled job, withdrawal, validity …)
    // in the same transaction (issue #8).
    crate::search::enqueue(tx, crate::search::KIND_ITEM, after.id).await?;
    Ok(after)
}

/// Applies a workflow action: checks the transition, records it. Returns the new item.
pub(crate) async fn step(
    tx: &mut Tx,
    actor: &Actor,
    item: &Item,
    action: ItemAction,
    caps: Capabilities,
    note: &str,
) -> Result<Item> {
    let next = transition(item.state()?, action, caps).map_err(workflow_err)?;
    record(tx, actor, item, action.code(), next, note).await
}

async fn vocab_exists(tx: &mut Tx, kind: VocabKind, code: &str) -> Result<bool> {
    let n: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM item_vocab WHERE kind = $1 AND code = $2 AND active = TRUE"
    )
    .bind(kind.code())
    .bind(code)
    .fetch_one(c)
    .await?);
    Ok(n > 0)
}

fn validate_content(c: &Content) -> Result<()> {
    let title = c.title.trim();
    if title.is_empty() {
        return Err(invalid("请填写标题"));
    }
    if title.chars().count() > 300 {
        return Err(invalid("标题过长（最多 300 字）"));
    }
    if c.summary.chars().count() > 1000 {
        return Err(invalid("内容概述过长（最多 1000 字，一般不超过 100 字）"));
    }
    Ok(())
}

async fn validate_metadata(tx: &mut Tx, m: &Metadata) -> Result<()> {
    if let Some(s) = m.signed_on
        && s > m.formed_on
    {
        // 成文日期 is the signature date; 生成日期 of a 公文 is its 签发/成文 date or later.
        return Err(invalid("成文日期不能晚于生成日期"));
    }
    if m.catalog_code.trim().is_empty() {
        return Err(invalid("请选择公开目录"));
    }
    for (kind, code) in [
        (VocabKind::Catalog, &m.catalog_code),
        (VocabKind::Topic, &m.topic_code),
        (VocabKind::Genre, &m.genre_code),
    ] {
        if !code.is_empty() && !vocab_exists(tx, kind, code).await? {
            return Err(invalid(format!("{}“{code}”不存在或已停用", kind.label())));
        }
    }
    if m.disclosure != Disclosure::Proactive && m.withhold_ground.trim().is_empty() {
        return Err(invalid(format!(
            "公开属性为“{}”时须写明法律依据（条例第十四、十五、十六条）",
            m.disclosure.label()
        )));
    }
    if m.doc_number.contains('[') || m.doc_number.contains('【') {
        return Err(invalid("文号的年份请使用六角括号〔〕"));
    }
    Ok(())
}

async fn insert_revision(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    content: &Content,
    note: &str,
) -> Result<Revision> {
    let sql = format!(
        "INSERT INTO item_revisions (item_id, number, title, summary, body_html, keywords, note, \
         created_by, created_at) \
         VALUES ($1, (SELECT COALESCE(MAX(number), 0) + 1 FROM item_revisions WHERE item_id = $1), \
         $2, $3, $4, $5, $6, $7, $8) RETURNING {REVISION_COLUMNS}"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(item_id)
    .bind(content.title.trim())
    .bind(content.summary.trim())
    .bind(&content.body_html)
    .bind(content.keywords.trim())
    .bind(note)
    .bind(&actor.label)
    .bind(now_ms())
    .fetch_one(c)
    .await?))
}

/// Creates a new revision, makes it current and scans it (carrying justified resolutions over
/// from the previous revision).
pub(crate) async fn new_revision(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    previous: Option<i64>,
    content: &Content,
    note: &str,
) -> Result<Revision> {
    validate_content(content)?;
    let rev = insert_revision(tx, actor, item_id, content, note).await?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET current_revision_id = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(item_id)
    .bind(rev.id)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    findings::scan_revision(tx, &rev, previous).await?;
    crate::search::enqueue(tx, crate::search::KIND_ITEM, item_id).await?;
    Ok(rev)
}

/// Settings key of a shorter local publication period (REG §1.4: "Some local rules set shorter
/// periods, so the 20 WD should be configurable downward"). Values 1–20; anything else (or no
/// row) means the statutory 20 working days.
pub const PERIOD_SETTING: &str = "items.publication_workdays";

/// The Art. 26 period in working days: the local setting when it is 1–20, else 20.
pub(crate) async fn publication_workdays(tx: &mut Tx) -> Result<u32> {
    let v: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(PERIOD_SETTING)
    .fetch_optional(c)
    .await?);
    Ok(v.and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (1..=PUBLICATION_WORKDAYS).contains(n))
        .unwrap_or(PUBLICATION_WORKDAYS))
}

async fn set_clock(tx: &mut Tx, actor: &Actor, item: &Item, title: &str) -> Result<()> {
    let workdays = publication_workdays(tx).await?;
    let formed = NaiveDate::parse_from_str(&item.formed_on, "%Y-%m-%d")
        .map_err(|_| invalid("生成日期格式错误"))?;
    deadlines::upsert(
        tx,
        actor,
        &DeadlineInput {
            object_type: OBJECT_TYPE.into(),
            object_id: item.id,
            org_id: item.org_id,
            kind: DEADLINE_KIND.into(),
            label: format!("主动公开《{title}》发布期限"),
            clock: Clock::new(formed, Period::Workdays(workdays))
                .start_label("信息形成（变更）之日"),
        },
    )
    .await?;
    Ok(())
}

async fn org_full_name(tx: &mut Tx, org_id: OrgId) -> Result<String> {
    let name: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT full_name FROM orgs WHERE id = $1"
    )
    .bind(org_id)
    .fetch_optional(c)
    .await?);
    name.ok_or_else(|| invalid("机构不存在"))
}

/// Creates a draft item of `org_id` with its first revision, scans it, and starts its Art. 26
/// clock. Needs the draft capability.
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    org_id: OrgId,
    caps: Capabilities,
    meta: &Metadata,
    content: &Content,
) -> Result<Item> {
    if !caps.draft {
        return Err(StoreError::Conflict("起草信息需要承办人权限".into()));
    }
    validate_content(content)?;
    validate_metadata(tx, meta).await?;
    let full_name = org_full_name(tx, org_id).await?;
    let publisher = if meta.publisher_name.trim().is_empty() {
        full_name
    } else {
        meta.publisher_name.trim().to_string()
    };
    let now = now_ms();
    let sql = format!(
        "INSERT INTO items (org_id, state, formed_on, signed_on, publisher_name, doc_number, \
         topic_code, genre_code, catalog_code, disclosure, withhold_ground, classified, \
         created_by, created_at, updated_at) \
         VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
         RETURNING {ITEM_COLUMNS}"
    );
    let item: Item = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(org_id)
        .bind(meta.formed_on.to_string())
        .bind(meta.signed_on.map(|d| d.to_string()))
        .bind(&publisher)
        .bind(meta.doc_number.trim())
        .bind(&meta.topic_code)
        .bind(&meta.genre_code)
        .bind(&meta.catalog_code)
        .bind(meta.disclosure.code())
        .bind(meta.withhold_ground.trim())
        .bind(meta.classified)
        .bind(&actor.label)
        .bind(now)
        .fetch_one(c)
        .await?);
    new_revision(tx, actor, item.id, None, content, "").await?;
    let item = reload(tx, item.id).await?;
    if meta.disclosure == Disclosure::Proactive {
        set_clock(tx, actor, &item, content.title.trim()).await?;
    }
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_events (item_id, revision_id, action, from_state, to_state, note, \
         actor, actor_id, at) VALUES ($1, $2, 'create', '', 'draft', '', $3, $4, $5)"
    )
    .bind(item.id)
    .bind(item.current_revision_id)
    .bind(&actor.label)
    .bind(actor.user_id)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "item.create",
            object_type: OBJECT_TYPE,
            object_id: item.id.to_string(),
            before: None,
            after: Some(audit_view(&item)),
        },
    )
    .await?;
    Ok(item)
}

/// Edits content and metadata before publication. A content change makes a new revision; an
/// edit after a review step always makes a new revision and returns the item to draft, voiding
/// every review (REG §5.4; the outcome says so). Published items are changed with
/// [`publish::amend`] instead.
pub async fn edit(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    meta: &Metadata,
    content: &Content,
) -> Result<EditOutcome> {
    let before = lock(tx, id).await?;
    let state = before.state()?;
    transition(state, ItemAction::Edit, caps).map_err(workflow_err)?;
    validate_content(content)?;
    validate_metadata(tx, meta).await?;
    if before.published_revision_id.is_some() && metadata_changed(&before, meta) {
        // The catalog metadata of a published item is public at once; an amendment changes the
        // text only (validity has its own step).
        return Err(invalid(
            "已发布信息的修订稿只能修改标题、概述、正文和主题词；目录信息不能在修订中更改",
        ));
    }
    let current = revision_tx(tx, before.current_revision()?).await?;
    let invalidated = state.has_reviews();
    let changed = Content::of(&current) != normalised(content);
    let new_rev = changed || invalidated;
    if new_rev {
        new_revision(tx, actor, id, Some(current.id), content, "").await?;
    }
    let publisher = if meta.publisher_name.trim().is_empty() {
        before.publisher_name.clone()
    } else {
        meta.publisher_name.trim().to_string()
    };
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET formed_on = $2, signed_on = $3, publisher_name = $4, doc_number = $5, \
         topic_code = $6, genre_code = $7, catalog_code = $8, disclosure = $9, \
         withhold_ground = $10, classified = $11, scheduled_at = NULL, updated_at = $12 \
         WHERE id = $1"
    )
    .bind(id)
    .bind(meta.formed_on.to_string())
    .bind(meta.signed_on.map(|d| d.to_string()))
    .bind(&publisher)
    .bind(meta.doc_number.trim())
    .bind(&meta.topic_code)
    .bind(&meta.genre_code)
    .bind(&meta.catalog_code)
    .bind(meta.disclosure.code())
    .bind(meta.withhold_ground.trim())
    .bind(meta.classified)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    let mid = reload(tx, id).await?;
    if mid.published_revision_id.is_some() {
        // An amendment: the Art. 26 record of the first publication stands.
    } else if meta.disclosure == Disclosure::Proactive {
        set_clock(tx, actor, &mid, content.title.trim()).await?;
    } else {
        deadlines::close(tx, actor, OBJECT_TYPE, id, DEADLINE_KIND).await?;
    }
    let note = if invalidated { INVALIDATION_NOTICE } else { "" };
    // The timeline and audit record show the whole change (before = the item as it was).
    let item = record(
        tx,
        actor,
        &before,
        ItemAction::Edit.code(),
        State::Draft,
        note,
    )
    .await?;
    Ok(EditOutcome {
        item,
        new_revision: new_rev,
        reviews_invalidated: invalidated,
        notice: invalidated.then_some(INVALIDATION_NOTICE),
    })
}

/// Does `meta` differ from the stored metadata of `item` (an empty publisher keeps the stored one)?
fn metadata_changed(item: &Item, meta: &Metadata) -> bool {
    let publisher = meta.publisher_name.trim();
    item.formed_on != meta.formed_on.to_string()
        || item.signed_on != meta.signed_on.map(|d| d.to_string())
        || (!publisher.is_empty() && publisher != item.publisher_name)
        || item.doc_number != meta.doc_number.trim()
        || item.topic_code != meta.topic_code
        || item.genre_code != meta.genre_code
        || item.catalog_code != meta.catalog_code
        || item.disclosure != meta.disclosure.code()
        || item.withhold_ground != meta.withhold_ground.trim()
        || item.classified != meta.classified
}

fn normalised(c: &Content) -> Content {
    Content {
        title: c.title.trim().to_string(),
        summary: c.summary.trim().to_string(),
        body_html: c.body_html.clone(),
        keywords: c.keywords.trim().to_string(),
    }
}

/// Submits a draft for 审核.
pub async fn submit(tx: &mut Tx, actor: &Actor, id: i64, caps: Capabilities) -> Result<Item> {
    let item = lock(tx, id).await?;
    step(tx, actor, &item, ItemAction::Submit, caps, "").await
}

/// Returns an item to draft from any review step, with the reasons (required).
pub async fn return_to_draft(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    reasons: &str,
) -> Result<Item> {
    if reasons.trim().is_empty() {
        return Err(invalid("退回时须说明理由"));
    }
    let item = lock(tx, id).await?;
    let after = step(tx, actor, &item, ItemAction::Return, caps, reasons.trim()).await?;
    clear_schedule(tx, id).await?;
    Ok(after)
}

pub(crate) async fn clear_schedule(tx: &mut Tx, id: i64) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET scheduled_at = NULL WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reads for staff (the caller checks scope on `org_id`).

/// One item (any state).
pub async fn get(db: &Db, id: i64) -> Result<Option<Item>> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// One revision.
pub async fn revision(db: &Db, revision_id: i64) -> Result<Option<Revision>> {
    let sql = format!("SELECT {REVISION_COLUMNS} FROM item_revisions WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(revision_id)
    .fetch_optional(p)
    .await?))
}

/// The current (working) revision of an item.
pub async fn current_revision(db: &Db, item: &Item) -> Result<Revision> {
    revision(db, item.current_revision()?)
        .await?
        .ok_or_else(|| StoreError::NotFound("信息正文版本不存在".into()))
}

/// Every revision of an item, oldest first (staff view).
pub async fn revisions(db: &Db, item_id: i64) -> Result<Vec<Revision>> {
    let sql =
        format!("SELECT {REVISION_COLUMNS} FROM item_revisions WHERE item_id = $1 ORDER BY number");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(item_id)
    .fetch_all(p)
    .await?))
}

/// The item's timeline, oldest first.
pub async fn timeline(db: &Db, item_id: i64) -> Result<Vec<ItemEvent>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, item_id, revision_id, action, from_state, to_state, note, actor, actor_id, at \
         FROM item_events WHERE item_id = $1 ORDER BY id"
    )
    .bind(item_id)
    .fetch_all(p)
    .await?))
}
