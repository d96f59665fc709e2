//! Publication and what follows it: the gate (先审查、后公开), 索引号 assignment (REG §4.3),
//! immediate and scheduled publication (a job, published exactly once), amendment (a new public
//! revision), validity changes (有效/失效/废止) and withdrawal; the Art. 26 clock is closed on
//! publication with `published_late` recorded; the Art. 18 re-review of withheld items.

use chrono::NaiveDate;
use gongkai_core::items::index_no::Values;
use gongkai_core::items::{
    Capabilities, Disclosure, ItemAction, State, Template, Validity, transition,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::findings::{gate_message, open_blocking};
use super::review::chain_complete;
use super::{
    Content, DEADLINE_KIND, Item, OBJECT_TYPE, cst_date, invalid, lock, new_revision, record,
    reload, revision_tx, step,
};
use crate::audit::Actor;
use crate::deadlines;
use crate::jobs::{self, Job};
use crate::{Backend, Db, Result, StoreError, Tx, now_ms, on_tx};

/// Job kind of scheduled publication; the job runner calls [`run_job`] for it.
pub const PUBLISH_JOB: &str = "items.publish";

fn conflict(e: gongkai_core::items::WorkflowError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

/// The 索引号 template of an organisation (its own, its site's, or the default).
pub(crate) async fn template_tx(tx: &mut Tx, org_id: i64) -> Result<Template> {
    let text = super::registers::template_text_tx(tx, org_id).await?;
    Template::parse(&text).map_err(|e| invalid(e.to_string()))
}

/// Draws the next serial and renders the index number, inside the publishing transaction. The
/// counter row is created if missing and then locked (`FOR UPDATE` on PostgreSQL; SQLite's
/// single writer serialises), so concurrent publications never draw the same serial.
async fn assign_index_no(tx: &mut Tx, item: &Item, published_on: NaiveDate) -> Result<String> {
    use chrono::Datelike;
    let template = template_tx(tx, item.org_id).await?;
    let year = published_on.year();
    let (scope, key_year) = template.counter_scope(item.org_id, year);
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_index_counters (scope_org_id, year, next_serial) VALUES ($1, $2, 1) \
         ON CONFLICT (scope_org_id, year) DO NOTHING"
    )
    .bind(scope)
    .bind(i64::from(key_year))
    .execute(c)
    .await?
    .rows_affected());
    let lock = match tx.backend() {
        Backend::Postgres => "FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT next_serial FROM item_index_counters WHERE scope_org_id = $1 AND year = $2 {lock}"
    );
    let serial: i64 = on_tx!(tx, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
        .bind(scope)
        .bind(i64::from(key_year))
        .fetch_one(c)
        .await?);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE item_index_counters SET next_serial = next_serial + 1 \
         WHERE scope_org_id = $1 AND year = $2"
    )
    .bind(scope)
    .bind(i64::from(key_year))
    .execute(c)
    .await?
    .rows_affected());
    let org_code: String = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT code FROM orgs WHERE id = $1"
    )
    .bind(item.org_id)
    .fetch_one(c)
    .await?);
    Ok(template.render(&Values {
        org_code: &org_code,
        year,
        serial: u64::try_from(serial).unwrap_or(0),
        category: &item.catalog_code,
    }))
}

/// Why the item cannot be published now (先审查、后公开), or `None`.
async fn gate(tx: &mut Tx, item: &Item) -> Result<Option<String>> {
    if item.disclosure() != Some(Disclosure::Proactive) {
        return Ok(Some("只有公开属性为“主动公开”的信息才能发布".into()));
    }
    if item.classified {
        return Ok(Some("涉密信息不得公开".into()));
    }
    let rev = item.current_revision()?;
    if let Some(reason) = chain_complete(tx, item.id, rev).await? {
        return Ok(Some(reason));
    }
    let open = open_blocking(tx, rev).await?;
    if !open.is_empty() {
        return Ok(Some(gate_message(&open)));
    }
    // The text of attached files is scanned too (issue #4, REG §5.5).
    let open = super::files::open_blocking(tx, item.id).await?;
    if !open.is_empty() {
        return Ok(Some(super::files::gate_message(&open)));
    }
    // Recordings need captions or a transcript (issue #10, WCAG 1.2).
    super::files::media_gate(tx, item.id).await
}

/// Publishes the current revision with publication time `now` (the real clock, except for the
/// demo's back-dated history, [`publish_as_of`]); state and permission checked by the caller.
async fn publish_now(
    tx: &mut Tx,
    actor: &Actor,
    item: &Item,
    action: ItemAction,
    caps: Capabilities,
    now: i64,
) -> Result<Item> {
    if let Some(reason) = gate(tx, item).await? {
        return Err(StoreError::Conflict(reason));
    }
    let on = cst_date(now);
    let index_no = match &item.index_no {
        Some(n) => n.clone(),
        None => assign_index_no(tx, item, on).await?,
    };
    let rev = item.current_revision()?;
    let due: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT due_date FROM deadlines WHERE object_type = $1 AND object_id = $2 AND kind = $3"
    )
    .bind(OBJECT_TYPE)
    .bind(item.id)
    .bind(DEADLINE_KIND)
    .fetch_optional(c)
    .await?);
    let due = due.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    // An amendment replaces the public text; 发布日期 and the Art. 26 record stay those of the
    // first publication.
    let first = item.published_at.is_none();
    let late = first && due.is_some_and(|d| on > d);
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET index_no = COALESCE(index_no, $2), published_revision_id = $3, \
         published_at = COALESCE(published_at, $4), published_on = COALESCE(published_on, $5), \
         published_late = (published_late OR $6), scheduled_at = NULL \
         WHERE id = $1"
    )
    .bind(item.id)
    .bind(&index_no)
    .bind(rev)
    .bind(now)
    .bind(on.to_string())
    .bind(late)
    .execute(c)
    .await
    .map(|r| r.rows_affected()));
    n.map_err(|e| match StoreError::from(e) {
        e if e.is_unique_violation() => StoreError::Conflict("索引号冲突，请重试".into()),
        e => e,
    })?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE item_revisions SET published_at = $2 WHERE id = $1"
    )
    .bind(rev)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    deadlines::close(tx, actor, OBJECT_TYPE, item.id, DEADLINE_KIND).await?;
    let note = if !first {
        let number = revision_tx(tx, rev).await?.number;
        format!("索引号 {index_no}；修订稿第 {number} 版替换公开的文本")
    } else if late {
        format!("索引号 {index_no}；超过条例第二十六条规定的期限发布")
    } else {
        format!("索引号 {index_no}")
    };
    step(tx, actor, item, action, caps, &note).await
}

/// Publishes an approved (or scheduled) item now. Needs the publish capability. Refused, with
/// the reason in Chinese, unless the review chain of the current revision is complete and every
/// blocking finding is resolved.
pub async fn publish(tx: &mut Tx, actor: &Actor, id: i64, caps: Capabilities) -> Result<Item> {
    let item = lock(tx, id).await?;
    transition(item.state()?, ItemAction::Publish, caps).map_err(conflict)?;
    // A grassroots unit's item is published by its parent only (C4, `crate::grassroots`).
    crate::grassroots::ensure_may_publish(tx, &item).await?;
    publish_now(tx, actor, &item, ItemAction::Publish, caps, now_ms()).await
}

/// DEMO ONLY (`crate::demo`): publishes like [`publish`] — same workflow check, same gate, the
/// 索引号 drawn from the counter of the publication year — but with the publication time
/// `at_ms` in the past, so the demo can show a 2018–2019 history (发布日期, 索引号 year,
/// `published_late`). The timeline and audit record are written at the real time and the audit
/// record shows the back-dated `published_at`. Not reachable from pages, the API or the CLI.
pub(crate) async fn publish_as_of(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    at_ms: i64,
) -> Result<Item> {
    if at_ms > now_ms() {
        return Err(invalid("补录的发布时间不能晚于当前时间"));
    }
    let item = lock(tx, id).await?;
    transition(item.state()?, ItemAction::Publish, caps).map_err(conflict)?;
    crate::grassroots::ensure_may_publish(tx, &item).await?;
    publish_now(tx, actor, &item, ItemAction::Publish, caps, at_ms).await
}

/// Publishes a locked, approved item at `at_ms` WITHOUT the grassroots check: only for
/// `crate::grassroots::publish`, which has checked that the caller publishes for the parent.
/// Same workflow check and gate as [`publish`].
pub(crate) async fn publish_unchecked(
    tx: &mut Tx,
    actor: &Actor,
    item: &Item,
    caps: Capabilities,
    at_ms: i64,
) -> Result<Item> {
    transition(item.state()?, ItemAction::Publish, caps).map_err(conflict)?;
    publish_now(tx, actor, item, ItemAction::Publish, caps, at_ms).await
}

/// Schedules publication at `at_ms` (UTC ms, in the future): checks the gate now and enqueues a
/// [`PUBLISH_JOB`] due at that time. Needs the publish capability.
pub async fn schedule(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    at_ms: i64,
) -> Result<Item> {
    if at_ms <= now_ms() {
        return Err(invalid("定时发布时间须晚于当前时间"));
    }
    let item = lock(tx, id).await?;
    transition(item.state()?, ItemAction::Schedule, caps).map_err(conflict)?;
    crate::grassroots::ensure_may_publish(tx, &item).await?;
    if let Some(reason) = gate(tx, &item).await? {
        return Err(StoreError::Conflict(reason));
    }
    let rev = item.current_revision()?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET scheduled_at = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(at_ms)
    .execute(c)
    .await?
    .rows_affected());
    let payload = json!({"item_id": id, "revision_id": rev, "at": at_ms});
    let key = format!("{PUBLISH_JOB}:{id}:{rev}:{at_ms}");
    jobs::enqueue(tx, PUBLISH_JOB, &payload, Some(&key), at_ms).await?;
    let when = chrono::DateTime::from_timestamp_millis(at_ms + 8 * 3_600_000)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    step(
        tx,
        actor,
        &item,
        ItemAction::Schedule,
        caps,
        &format!("定于 {when}（北京时间）发布"),
    )
    .await
}

/// Cancels a scheduled publication (the queued job finds the item no longer scheduled and does
/// nothing).
pub async fn unschedule(tx: &mut Tx, actor: &Actor, id: i64, caps: Capabilities) -> Result<Item> {
    let item = lock(tx, id).await?;
    let after = step(tx, actor, &item, ItemAction::Unschedule, caps, "").await?;
    super::clear_schedule(tx, id).await?;
    reload(tx, after.id).await
}

#[derive(Deserialize)]
struct JobPayload {
    item_id: i64,
    revision_id: i64,
    at: i64,
}

/// Runs a [`PUBLISH_JOB`]: publishes the item exactly once, at or after its time. Idempotent:
/// returns `Ok(false)` (and changes nothing) when the item is no longer scheduled for this
/// revision and time (already published, unscheduled, edited, returned) or the time has not come.
/// The state check and the publication happen in one transaction on the locked row, so two
/// workers running the same job publish once.
pub async fn run_job(db: &Db, job: &Job) -> Result<bool> {
    let p: JobPayload = serde_json::from_str(&job.payload)?;
    if p.at > now_ms() {
        return Ok(false);
    }
    let mut tx = db.begin().await?;
    let item = lock(&mut tx, p.item_id).await?;
    let due = item.state()? == State::Scheduled
        && item.current_revision_id == Some(p.revision_id)
        && item.scheduled_at == Some(p.at);
    if !due {
        return Ok(false);
    }
    let after = publish_now(
        &mut tx,
        &Actor::system(),
        &item,
        ItemAction::Publish,
        Capabilities::ALL,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(after.state == State::Published.code())
}

/// Amends a published item: a new revision that goes through the review chain again (审核 →
/// 保密审查 → 审批 → 发布, REG §5.4) before it replaces the public text. Until the amendment is
/// published the previous published revision stays public (the catalog shows
/// `published_revision_id`); the 索引号 and 发布日期 stay. Needs the publish capability to start.
/// The item goes to `submitted`; any reviewer may return it for rework like any other draft.
pub async fn amend(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    content: &Content,
    note: &str,
) -> Result<Item> {
    if note.trim().is_empty() {
        return Err(invalid("请填写修订说明"));
    }
    let item = lock(tx, id).await?;
    transition(item.state()?, ItemAction::Amend, caps).map_err(conflict)?;
    let previous = item.current_revision()?;
    let rev = new_revision(tx, actor, id, Some(previous), content, note.trim()).await?;
    step(
        tx,
        actor,
        &item,
        ItemAction::Amend,
        caps,
        &format!(
            "修订稿第 {} 版：{}。修订稿须重新审核、保密审查和审批后才替换公开的文本",
            rev.number,
            note.trim()
        ),
    )
    .await
}

/// Is this item an amendment in progress (published before, a newer revision in the workflow)?
pub fn is_amendment(item: &Item) -> bool {
    item.published_revision_id.is_some() && item.state != State::Published.code()
}

/// A validity change (REG §4.2 有效性; 《政府网站发展指引》: marked prominently on the original).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidityChange {
    pub validity: Validity,
    /// Required for 失效/废止.
    pub effective_on: Option<NaiveDate>,
    /// The replacing document (title or 文号), if any.
    pub replaced_by: String,
    pub note: String,
}

/// Marks a published item 有效/失效/废止. Needs the publish capability.
pub async fn change_validity(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    change: &ValidityChange,
) -> Result<Item> {
    if change.validity.needs_date() && change.effective_on.is_none() {
        return Err(invalid(format!(
            "标注为“{}”须填写日期",
            change.validity.label()
        )));
    }
    let item = lock(tx, id).await?;
    transition(item.state()?, ItemAction::ChangeValidity, caps).map_err(conflict)?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET validity = $2, validity_on = $3, validity_replaced_by = $4, \
         validity_note = $5 WHERE id = $1"
    )
    .bind(id)
    .bind(change.validity.code())
    .bind(change.effective_on.map(|d| d.to_string()))
    .bind(change.replaced_by.trim())
    .bind(change.note.trim())
    .execute(c)
    .await?
    .rows_affected());
    let mut note = change.validity.label().to_string();
    if let Some(d) = change.effective_on {
        note.push_str(&format!("（自 {d} 起）"));
    }
    if !change.replaced_by.trim().is_empty() {
        note.push_str(&format!("，由《{}》替代", change.replaced_by.trim()));
    }
    step(tx, actor, &item, ItemAction::ChangeValidity, caps, &note).await
}

/// Withdraws a published item with a reason: it leaves the portal (the public view answers
/// "withdrawn", a 410) and stays in the database for auditors. Needs the publish capability.
pub async fn withdraw(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    reason: &str,
) -> Result<Item> {
    if reason.trim().is_empty() {
        return Err(invalid("撤回须说明理由"));
    }
    let item = lock(tx, id).await?;
    transition(item.state()?, ItemAction::Withdraw, caps).map_err(conflict)?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE items SET withdrawn_at = $2, withdrawn_reason = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(now_ms())
    .bind(reason.trim())
    .execute(c)
    .await?
    .rows_affected());
    step(tx, actor, &item, ItemAction::Withdraw, caps, reason.trim()).await
}

/// The outcome of an Art. 18 periodic re-review of a withheld item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rereview {
    /// Still withheld; next re-review on this date.
    Keep { next_due: NaiveDate },
    /// May now be disclosed: back to draft as 主动公开, through the whole review chain again.
    Reopen,
}

/// Records an Art. 18 re-review with its note. Needs the confidentiality-review capability.
pub async fn rereview(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    caps: Capabilities,
    outcome: &Rereview,
    note: &str,
) -> Result<Item> {
    if note.trim().is_empty() {
        return Err(invalid("请填写复审意见"));
    }
    let item = lock(tx, id).await?;
    match outcome {
        Rereview::Keep { next_due } => {
            transition(item.state()?, ItemAction::Reopen, caps).map_err(conflict)?;
            on_tx!(tx, |c| sqlx::query(
                "UPDATE items SET rereview_due = $2 WHERE id = $1"
            )
            .bind(id)
            .bind(next_due.to_string())
            .execute(c)
            .await?
            .rows_affected());
            record(
                tx,
                actor,
                &item,
                "rereview",
                State::Withheld,
                &format!(
                    "定期复审：继续不予公开，下次复审 {next_due}。{}",
                    note.trim()
                ),
            )
            .await
        }
        Rereview::Reopen => {
            transition(item.state()?, ItemAction::Reopen, caps).map_err(conflict)?;
            on_tx!(tx, |c| sqlx::query(
                "UPDATE items SET rereview_due = NULL, disclosure = $2, withhold_ground = '' \
                 WHERE id = $1"
            )
            .bind(id)
            .bind(Disclosure::Proactive.code())
            .execute(c)
            .await?
            .rows_affected());
            step(tx, actor, &item, ItemAction::Reopen, caps, note.trim()).await
        }
    }
}
