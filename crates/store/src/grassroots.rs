//! Grassroots submission (基层信息报送, issue #5, product.md C4): a subordinate unit's approved
//! item goes to its parent's queue instead of straight to publication; the parent reviews it, may
//! edit it (the edit is recorded as a diff), and publishes it under the unit's or its own 发布机构,
//! or returns it with a reason.
//!
//! **Rules.**
//! - A unit is a grassroots unit when an administrator registered it ([`set_unit`]) and it has a
//!   parent in the organisation tree. Its parent is the tree parent at the time of approval.
//! - Approval of a unit's item ([`crate::items::review::approve`]) puts a `pending` submission in
//!   the parent's queue, in the same transaction ([`on_approved`]).
//! - A unit cannot publish around its parent: `publish`, `schedule` and the demo back-dating of
//!   an item of an active grassroots unit are refused ([`ensure_may_publish`]); only [`publish`]
//!   here publishes it, and it needs the publish capability on the PARENT organisation (which the
//!   caller derives with `Capabilities::for_target(grants, parent_org_id, tree)`, i.e. through
//!   `auth::permits`). A unit's own disclosure office holds no grant on its parent, so it can
//!   neither decide nor see the parent's queue; a sibling unit cannot either ([`queue`] filters
//!   by the parent organisation in the query).
//! - An edit by the parent is applied at publication as an amendment (a new revision with the
//!   note "上级单位审核修改"), so the unit's approved text, the parent's text and the diff between
//!   them all stay on record. Like every amendment (先审查、后公开, issue #4) the edited text goes
//!   through 审核, 保密审查 and 审批 before it replaces the unit's approved text on the portal.
//! - Counts per unit and period ([`stats`]): submitted (by 报送日期), published and returned (by
//!   decision date), average time from submission to publication, adoption rate = published /
//!   submitted.

use chrono::NaiveDate;
use gongkai_core::items::{Capabilities, State};
use gongkai_core::org::OrgId;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::items::catalog::{Arg, expand_scopes, in_list};
use crate::items::{self, Content, cst_date};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

const OBJECT: &str = "grassroots_submission";

/// A submission's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Published,
    Returned,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Published => "published",
            Status::Returned => "returned",
        }
    }
    pub fn from_code(s: &str) -> Option<Status> {
        [Status::Pending, Status::Published, Status::Returned]
            .into_iter()
            .find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "待上级审核",
            Status::Published => "已采用发布",
            Status::Returned => "已退回",
        }
    }
}

/// Whose name an item is published under (发布机构).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishAs {
    /// The submitting unit's full name.
    Unit,
    /// The parent's full name.
    Parent,
}

impl PublishAs {
    pub fn code(self) -> &'static str {
        match self {
            PublishAs::Unit => "unit",
            PublishAs::Parent => "parent",
        }
    }
    pub fn from_code(s: &str) -> Option<PublishAs> {
        match s {
            "unit" => Some(PublishAs::Unit),
            "parent" => Some(PublishAs::Parent),
            _ => None,
        }
    }
}

/// A submission row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Submission {
    pub id: i64,
    pub item_id: i64,
    pub unit_org_id: i64,
    pub parent_org_id: i64,
    pub status: String,
    pub submitted_at: i64,
    pub submitted_on: String,
    pub decided_at: Option<i64>,
    pub decided_on: Option<String>,
    pub decided_by: String,
    pub published_as: String,
    pub reason: String,
    pub edit_json: Option<String>,
    pub edit_diff: String,
}

impl Submission {
    pub fn status(&self) -> Option<Status> {
        Status::from_code(&self.status)
    }
    /// The parent's recorded edit, if any.
    pub fn edit(&self) -> Option<Content> {
        self.edit_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
    }
}

const COLUMNS: &str = "id, item_id, unit_org_id, parent_org_id, status, submitted_at, \
    submitted_on, decided_at, decided_on, decided_by, published_as, reason, edit_json, edit_diff";

/// Registers (or deregisters) `org_id` as a grassroots unit. The organisation needs a parent.
pub async fn set_unit(tx: &mut Tx, actor: &Actor, org_id: OrgId, active: bool) -> Result<()> {
    let parent: Option<Option<i64>> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT parent_id FROM orgs WHERE id = $1"
    )
    .bind(org_id)
    .fetch_optional(c)
    .await?);
    match parent {
        None => return Err(StoreError::NotFound("机构不存在".into())),
        Some(None) if active => {
            return Err(StoreError::Invalid(
                "顶级机构没有上级单位，不能设为基层报送单位".into(),
            ));
        }
        _ => {}
    }
    let before: Option<bool> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT active FROM grassroots_units WHERE org_id = $1"
    )
    .bind(org_id)
    .fetch_optional(c)
    .await?);
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO grassroots_units (org_id, active, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO UPDATE SET active = $2, \
         updated_by = $3, updated_at = $4"
    )
    .bind(org_id)
    .bind(active)
    .bind(&actor.label)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "grassroots.unit",
            object_type: "org",
            object_id: org_id.to_string(),
            before: before.map(|b| json!({"grassroots_unit": b, "parent_id": parent.flatten()})),
            after: Some(json!({"grassroots_unit": active, "parent_id": parent.flatten()})),
        },
    )
    .await?;
    Ok(())
}

/// A registration of an organisation as a grassroots unit (active or not), with its parent in
/// the organisation tree (the organisation whose queue receives its approved items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UnitRegistration {
    pub org_id: OrgId,
    pub parent_id: Option<OrgId>,
    pub active: bool,
    pub updated_by: String,
    pub updated_at: i64,
}

/// Every registration, active and inactive, in organisation order.
pub async fn registrations(db: &Db) -> Result<Vec<UnitRegistration>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT g.org_id, o.parent_id, g.active, g.updated_by, g.updated_at \
         FROM grassroots_units g JOIN orgs o ON o.id = g.org_id ORDER BY g.org_id"
    )
    .fetch_all(p)
    .await?))
}

/// The organisations registered as active grassroots units.
pub async fn units(db: &Db) -> Result<Vec<OrgId>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT org_id FROM grassroots_units WHERE active = TRUE ORDER BY org_id"
    )
    .fetch_all(p)
    .await?))
}

/// The parent of `org_id` when it is an active grassroots unit.
async fn parent_if_unit(tx: &mut Tx, org_id: OrgId) -> Result<Option<OrgId>> {
    let parent: Option<Option<i64>> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT o.parent_id FROM grassroots_units g JOIN orgs o ON o.id = g.org_id \
         WHERE g.org_id = $1 AND g.active = TRUE"
    )
    .bind(org_id)
    .fetch_optional(c)
    .await?);
    Ok(parent.flatten())
}

/// Called by `approve` in its transaction: puts an approved item of a grassroots unit into its
/// parent's queue. A resubmission after a return opens a new submission; an item already pending
/// keeps its submission.
pub(crate) async fn on_approved(tx: &mut Tx, actor: &Actor, item: &items::Item) -> Result<()> {
    let Some(parent) = parent_if_unit(tx, item.org_id).await? else {
        return Ok(());
    };
    let pending: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM grassroots_submissions WHERE item_id = $1 AND status = 'pending'"
    )
    .bind(item.id)
    .fetch_optional(c)
    .await?);
    if pending.is_some() {
        return Ok(());
    }
    let now = now_ms();
    insert(tx, actor, item, parent, now).await?;
    Ok(())
}

async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    item: &items::Item,
    parent: OrgId,
    at: i64,
) -> Result<Submission> {
    let sql = format!(
        "INSERT INTO grassroots_submissions (item_id, unit_org_id, parent_org_id, status, \
         submitted_at, submitted_on) VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING {COLUMNS}"
    );
    let s: Submission = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(item.id)
        .bind(item.org_id)
        .bind(parent)
        .bind(at)
        .bind(cst_date(at).to_string())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "grassroots.submit",
            object_type: OBJECT,
            object_id: s.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&s)?),
        },
    )
    .await?;
    Ok(s)
}

/// Refuses publication of an item of an active grassroots unit outside [`publish`]: the unit
/// cannot publish around its parent (C4).
pub(crate) async fn ensure_may_publish(tx: &mut Tx, item: &items::Item) -> Result<()> {
    if parent_if_unit(tx, item.org_id).await?.is_some() {
        return Err(StoreError::Conflict(
            "本单位是基层报送单位：审批通过的信息已报送上级单位，须由上级单位审核后发布，不能自行发布或定时发布"
                .into(),
        ));
    }
    Ok(())
}

async fn lock_pending(tx: &mut Tx, id: i64) -> Result<Submission> {
    let lock = match tx.backend() {
        crate::Backend::Postgres => "FOR UPDATE",
        crate::Backend::Sqlite => "",
    };
    let sql = format!("SELECT {COLUMNS} FROM grassroots_submissions WHERE id = $1 {lock}");
    let s: Option<Submission> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    let s = s.ok_or_else(|| StoreError::NotFound("报送记录不存在".into()))?;
    if s.status() != Some(Status::Pending) {
        return Err(StoreError::Conflict(format!(
            "该报送已处理（{}），不能重复处理",
            s.status().map(Status::label).unwrap_or("未知状态")
        )));
    }
    Ok(s)
}

fn need_parent_publish(parent_caps: Capabilities) -> Result<()> {
    if !parent_caps.publish {
        return Err(StoreError::Conflict(
            "只有上级单位的政务公开办公室可以审核发布基层报送的信息".into(),
        ));
    }
    Ok(())
}

/// Splits HTML after block ends so that the diff of a body is by paragraph.
fn diff_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for part in s.split_inclusive(['\n']) {
        let mut p = part.to_string();
        for end in ["</p>", "</li>", "</tr>", "</h2>", "</h3>", "</h4>", "<br>"] {
            p = p.replace(end, &format!("{end}\n"));
        }
        out.push_str(&p.replace("\n\n", "\n"));
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// A line diff (`- ` removed, `+ ` added) of two contents, field by field; empty when equal.
pub fn content_diff(before: &Content, after: &Content) -> String {
    let mut out = String::new();
    for (label, a, b) in [
        ("标题", &before.title, &after.title),
        ("内容概述", &before.summary, &after.summary),
        ("主题词", &before.keywords, &after.keywords),
        ("正文", &before.body_html, &after.body_html),
    ] {
        if a == b {
            continue;
        }
        out.push_str(&format!("@@ {label}\n"));
        let (a, b) = (diff_lines(a), diff_lines(b));
        let diff = similar::TextDiff::from_lines(&a, &b);
        for change in diff.iter_all_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => "- ",
                similar::ChangeTag::Insert => "+ ",
                similar::ChangeTag::Equal => continue,
            };
            out.push_str(sign);
            out.push_str(change.value().trim_end_matches('\n'));
            out.push('\n');
        }
    }
    out
}

/// Records the parent's edit of a pending submission (applied at publication) with its diff
/// against the unit's approved text.
pub async fn edit(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    parent_caps: Capabilities,
    content: &Content,
) -> Result<Submission> {
    need_parent_publish(parent_caps)?;
    if content.title.trim().is_empty() {
        return Err(StoreError::Invalid("请填写标题".into()));
    }
    let s = lock_pending(tx, id).await?;
    let item = items::lock(tx, s.item_id).await?;
    let rev = items::revision_tx(tx, item.current_revision()?).await?;
    let diff = content_diff(&Content::of(&rev), content);
    let edit_json = (!diff.is_empty())
        .then(|| serde_json::to_string(content))
        .transpose()?;
    let sql = format!(
        "UPDATE grassroots_submissions SET edit_json = $2, edit_diff = $3 WHERE id = $1 \
         RETURNING {COLUMNS}"
    );
    let after: Submission = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(&edit_json)
        .bind(&diff)
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "grassroots.edit",
            object_type: OBJECT,
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&s)?),
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}

/// The parent publishes a pending submission under the unit's or its own name, applying its
/// recorded edit as an amendment. `parent_caps` are the caller's capabilities on the PARENT
/// organisation.
pub async fn publish(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    parent_caps: Capabilities,
    publish_as: PublishAs,
) -> Result<items::Item> {
    publish_at(tx, actor, id, parent_caps, publish_as, now_ms()).await
}

/// DEMO ONLY (`crate::demo`): [`publish`] with a back-dated publication time (see
/// `items::publish::publish_as_of`), and the submission back-dated to `submitted_at`.
pub(crate) async fn publish_as_of(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    parent_caps: Capabilities,
    publish_as: PublishAs,
    submitted_at: i64,
    at_ms: i64,
) -> Result<items::Item> {
    if at_ms > now_ms() || submitted_at > at_ms {
        return Err(StoreError::Invalid("补录的报送或发布时间不合理".into()));
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE grassroots_submissions SET submitted_at = $2, submitted_on = $3 WHERE id = $1 \
         AND status = 'pending'"
    )
    .bind(id)
    .bind(submitted_at)
    .bind(cst_date(submitted_at).to_string())
    .execute(c)
    .await?
    .rows_affected());
    publish_at(tx, actor, id, parent_caps, publish_as, at_ms).await
}

async fn publish_at(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    parent_caps: Capabilities,
    publish_as: PublishAs,
    at: i64,
) -> Result<items::Item> {
    need_parent_publish(parent_caps)?;
    let s = lock_pending(tx, id).await?;
    let item = items::lock(tx, s.item_id).await?;
    if item.state()? != State::Approved {
        return Err(StoreError::Conflict(format!(
            "信息当前状态为“{}”，不能发布（须为审批通过后报送的信息）",
            item.state()?.label()
        )));
    }
    let name_org = match publish_as {
        PublishAs::Unit => s.unit_org_id,
        PublishAs::Parent => s.parent_org_id,
    };
    let name: String = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT full_name FROM orgs WHERE id = $1"
    )
    .bind(name_org)
    .fetch_one(c)
    .await?);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET publisher_name = $2 WHERE id = $1"
    )
    .bind(item.id)
    .bind(&name)
    .execute(c)
    .await?
    .rows_affected());
    let item = items::reload(tx, item.id).await?;
    let mut published =
        items::publish::publish_unchecked(tx, actor, &item, parent_caps, at).await?;
    if let Some(content) = s.edit() {
        published = items::publish::amend(
            tx,
            actor,
            item.id,
            parent_caps,
            &content,
            "上级单位审核修改",
        )
        .await?;
    }
    let sql = format!(
        "UPDATE grassroots_submissions SET status = 'published', decided_at = $2, \
         decided_on = $3, decided_by = $4, published_as = $5 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let after: Submission = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(at)
        .bind(cst_date(at).to_string())
        .bind(&actor.label)
        .bind(publish_as.code())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "grassroots.publish",
            object_type: OBJECT,
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&s)?),
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(published)
}

/// The parent returns a pending submission to the unit with a reason: the item goes back to
/// draft (its reviews are void, as on any return).
pub async fn return_to_unit(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    parent_caps: Capabilities,
    reason: &str,
) -> Result<Submission> {
    return_at(tx, actor, id, parent_caps, reason, now_ms()).await
}

/// DEMO ONLY (`crate::demo`): [`return_to_unit`] recorded as decided at `at_ms` (in the past),
/// with the submission back-dated to `submitted_at`.
pub(crate) async fn return_as_of(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    parent_caps: Capabilities,
    reason: &str,
    submitted_at: i64,
    at_ms: i64,
) -> Result<Submission> {
    if at_ms > now_ms() || submitted_at > at_ms {
        return Err(StoreError::Invalid("补录的报送或退回时间不合理".into()));
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE grassroots_submissions SET submitted_at = $2, submitted_on = $3 WHERE id = $1 \
         AND status = 'pending'"
    )
    .bind(id)
    .bind(submitted_at)
    .bind(cst_date(submitted_at).to_string())
    .execute(c)
    .await?
    .rows_affected());
    return_at(tx, actor, id, parent_caps, reason, at_ms).await
}

async fn return_at(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    parent_caps: Capabilities,
    reason: &str,
    now: i64,
) -> Result<Submission> {
    need_parent_publish(parent_caps)?;
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid("退回时须说明理由".into()));
    }
    let s = lock_pending(tx, id).await?;
    items::return_to_draft(
        tx,
        actor,
        s.item_id,
        parent_caps,
        &format!("上级单位退回：{}", reason.trim()),
    )
    .await?;
    let sql = format!(
        "UPDATE grassroots_submissions SET status = 'returned', decided_at = $2, \
         decided_on = $3, decided_by = $4, reason = $5 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let after: Submission = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .bind(now)
        .bind(cst_date(now).to_string())
        .bind(&actor.label)
        .bind(reason.trim())
        .fetch_one(c)
        .await?);
    audit::append(
        tx,
        actor,
        Change {
            action: "grassroots.return",
            object_type: OBJECT,
            object_id: id.to_string(),
            before: Some(serde_json::to_value(&s)?),
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}

/// The pending submission of an item, if any.
pub(crate) async fn pending_of(tx: &mut Tx, item_id: i64) -> Result<Option<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM grassroots_submissions WHERE item_id = $1 AND status = 'pending'"
    )
    .bind(item_id)
    .fetch_optional(c)
    .await?))
}

/// One submission.
pub async fn get(db: &Db, id: i64) -> Result<Option<Submission>> {
    let sql = format!("SELECT {COLUMNS} FROM grassroots_submissions WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// A row of a parent's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct QueueEntry {
    pub id: i64,
    pub item_id: i64,
    pub title: String,
    pub unit_name: String,
    pub parent_org_id: i64,
    pub submitted_on: String,
    pub edited: bool,
}

/// Pending submissions whose PARENT lies inside `scopes` (pass `auth::scopes_for(grants,
/// Action::PublishItem)`), oldest first. The scope is in the query: a unit's or a sibling's
/// publisher, whose grants do not cover the parent, sees nothing.
pub async fn queue(db: &Db, scopes: &[OrgId], limit: i64) -> Result<Vec<QueueEntry>> {
    let ids = expand_scopes(db, scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let scope = in_list("g.parent_org_id", &ids, &mut args);
    let sql = format!(
        "SELECT g.id, g.item_id, r.title, o.short_name AS unit_name, g.parent_org_id, \
         g.submitted_on, (g.edit_json IS NOT NULL) AS edited \
         FROM grassroots_submissions g JOIN items i ON i.id = g.item_id \
         JOIN item_revisions r ON r.id = i.current_revision_id JOIN orgs o ON o.id = g.unit_org_id \
         WHERE g.status = 'pending' AND i.state = 'approved' AND {scope} \
         ORDER BY g.submitted_at, g.id LIMIT {}",
        limit.clamp(1, 1000)
    );
    Ok(on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    }))
}

/// Counts of one unit in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitStats {
    pub org_id: i64,
    pub unit_name: String,
    pub submitted: i64,
    pub published: i64,
    pub returned: i64,
    /// Average hours from submission to publication (rounded), `None` without publications.
    pub avg_hours_to_publish: Option<i64>,
}

impl UnitStats {
    /// Adoption rate in per mille (published / submitted), `None` when nothing was submitted.
    pub fn adoption_permille(&self) -> Option<i64> {
        (self.submitted > 0).then(|| (self.published * 1000 + self.submitted / 2) / self.submitted)
    }
    /// "87.5%" or "—".
    pub fn adoption_label(&self) -> String {
        match self.adoption_permille() {
            Some(p) => format!("{}.{}%", p / 10, p % 10),
            None => "—".into(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct StatRow {
    org_id: i64,
    unit_name: String,
    submitted: i64,
    published: i64,
    returned: i64,
    publish_ms: i64,
}

/// Counts per unit inside `scopes` for the period `from..=to` (CST dates), ranked by published,
/// then adoption rate, then name. Units registered as grassroots units appear even with zero.
pub async fn stats(
    db: &Db,
    scopes: &[OrgId],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<UnitStats>> {
    let ids = expand_scopes(db, scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = vec![Arg::S(from.to_string()), Arg::S(to.to_string())];
    let scope = in_list("o.id", &ids, &mut args);
    let sql = format!(
        "SELECT o.id AS org_id, o.short_name AS unit_name, \
         COALESCE(SUM(CASE WHEN g.submitted_on BETWEEN $1 AND $2 THEN 1 ELSE 0 END), 0) \
           AS submitted, \
         COALESCE(SUM(CASE WHEN g.status = 'published' AND g.decided_on BETWEEN $1 AND $2 \
           THEN 1 ELSE 0 END), 0) AS published, \
         COALESCE(SUM(CASE WHEN g.status = 'returned' AND g.decided_on BETWEEN $1 AND $2 \
           THEN 1 ELSE 0 END), 0) AS returned, \
         CAST(COALESCE(SUM(CASE WHEN g.status = 'published' AND g.decided_on BETWEEN $1 AND $2 \
           THEN g.decided_at - g.submitted_at ELSE 0 END), 0) AS BIGINT) AS publish_ms \
         FROM orgs o LEFT JOIN grassroots_submissions g ON g.unit_org_id = o.id \
         WHERE (o.id IN (SELECT org_id FROM grassroots_units WHERE active = TRUE) \
                OR g.id IS NOT NULL) AND {scope} \
         GROUP BY o.id, o.short_name"
    );
    let rows: Vec<StatRow> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    });
    let mut out: Vec<UnitStats> = rows
        .into_iter()
        .map(|r| UnitStats {
            org_id: r.org_id,
            unit_name: r.unit_name,
            submitted: r.submitted,
            published: r.published,
            returned: r.returned,
            avg_hours_to_publish: (r.published > 0)
                .then(|| (r.publish_ms / r.published + 1_800_000) / 3_600_000),
        })
        .collect();
    out.sort_by(|a, b| {
        b.published
            .cmp(&a.published)
            .then(b.adoption_permille().cmp(&a.adoption_permille()))
            .then(a.unit_name.cmp(&b.unit_name))
    });
    Ok(out)
}

/// Items published in a period by origin: own-level (本级采编) and from grassroots units
/// (审核修改发布基层信息). Counts every item first published in the period, withdrawn later or
/// not (the year's work), once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    pub own_level: i64,
    pub grassroots: i64,
}

impl LevelCounts {
    pub fn total(&self) -> i64 {
        self.own_level + self.grassroots
    }
}

/// [`LevelCounts`] for `from..=to` (CST 发布日期).
pub async fn published_by_level(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<LevelCounts> {
    let (total, grassroots): (i64, i64) = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM grassroots_submissions g \
         WHERE g.item_id = i.id AND g.status = 'published') THEN 1 ELSE 0 END), 0) \
         FROM items i WHERE i.published_on BETWEEN $1 AND $2"
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_one(p)
    .await?
    });
    Ok(LevelCounts {
        own_level: total - grassroots,
        grassroots,
    })
}

/// Per-year totals for the annual report (issue #9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearTotals {
    pub year: i32,
    pub published: LevelCounts,
    pub submitted: i64,
    pub adopted: i64,
    pub returned: i64,
}

/// Grassroots totals of a calendar year (all units).
pub async fn year_totals(db: &Db, year: i32) -> Result<YearTotals> {
    let (from, to) = year_range(year)?;
    let published = published_by_level(db, from, to).await?;
    let (submitted, adopted, returned): (i64, i64, i64) = on_db!(db, |p| sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN submitted_on BETWEEN $1 AND $2 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN status = 'published' AND decided_on BETWEEN $1 AND $2 \
           THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN status = 'returned' AND decided_on BETWEEN $1 AND $2 \
           THEN 1 ELSE 0 END), 0) FROM grassroots_submissions"
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_one(p)
    .await?);
    Ok(YearTotals {
        year,
        published,
        submitted,
        adopted,
        returned,
    })
}

/// 1 January ..= 31 December of `year`.
pub fn year_range(year: i32) -> Result<(NaiveDate, NaiveDate)> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1);
    let to = NaiveDate::from_ymd_opt(year, 12, 31);
    match (from, to) {
        (Some(f), Some(t)) => Ok((f, t)),
        _ => Err(StoreError::Invalid(format!("年份 {year} 无效"))),
    }
}
