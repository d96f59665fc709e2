//! Attachments of items and the scanner gate on their text (issue #4, product.md C3, REG §5.5):
//! "the scanner runs on title, summary, body and the text of attachments (DOCX, PDF text layer,
//! plain text)".
//!
//! **Rules.**
//! - Files are added and removed only while the item is a draft that has never been published
//!   (attachments are not revisioned, so a change after a review step or after publication could
//!   bypass the review; the drafter edits first, which returns the item to draft).
//! - The caller extracts the text (`attachments::text_of`, file I/O) and passes it in; every
//!   finding is stored against the attachment in `item_attachment_findings`. Text that could not
//!   be read completely (a scanned PDF, an image) is itself a blocking finding (`unreadable`):
//!   the scanner's silence proves nothing, so a person must look and say so, or remove the file.
//! - Blocking findings of the item's attached files stop publication like findings in the text
//!   ([`open_blocking`], used by the publication gate). Each is resolved as masked (one click: a
//!   masked copy replaces the file and a new revision is made, so — like any change after a
//!   review step — the reviews become void), removed (the file is detached; findings of detached
//!   files no longer count) or kept with a written justification.
//! - Audio and video (issue #10, WCAG 1.2): a recording is published only with its caption
//!   track (`<stem>.vtt`, WebVTT) or transcript (`<stem>.txt`) attached beside it ([`media_gate`],
//!   used by the publication gate). A recording's content cannot be read by the scanner, so it
//!   is an `unreadable` finding like an image; a caption track is scanned by its cue text.

use gongkai_core::extract::Extracted;
use gongkai_core::filetype::{self, FileKind};
use gongkai_core::items::{Capabilities, INVALIDATION_NOTICE, State};
use gongkai_core::mask::{MaskPolicy, mask_text};
use gongkai_core::scan::{Confidence, Finding, FindingKind};
use serde::Serialize;
use serde_json::json;

use super::findings::scanner;
use super::{Content, Item, invalid, lock, new_revision, record, revision_tx};
use crate::attachments::{self, Attachment, Owner, StoredFile};
use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// `owner_type` of item attachments.
pub const OWNER_TYPE: &str = "item";

/// Kind code of "the text could not be read completely".
pub const UNREADABLE: &str = "unreadable";

/// A finding in an attachment's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AttachmentFinding {
    pub id: i64,
    pub item_id: i64,
    pub attachment_id: i64,
    /// A `FindingKind` code, or [`UNREADABLE`].
    pub kind: String,
    pub start_pos: i64,
    pub end_pos: i64,
    pub found_text: String,
    pub suggested_mask: String,
    pub confidence: String,
    pub blocking: bool,
    pub reason: String,
    /// `masked`, `removed`, `justified`, or none yet.
    pub resolution: Option<String>,
    pub justification: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
}

impl AttachmentFinding {
    pub fn is_open_blocking(&self) -> bool {
        self.blocking && self.resolution.is_none()
    }

    fn kind(&self) -> Option<FindingKind> {
        serde_json::from_value(json!(self.kind)).ok()
    }

    /// The Chinese label of the kind.
    pub fn kind_label(&self) -> &'static str {
        if self.kind == UNREADABLE {
            return "无法读取的内容";
        }
        self.kind().map(FindingKind::label).unwrap_or("其他")
    }

    /// What the console may show: the mask, never the personal data itself.
    pub fn masked_text(&self) -> String {
        if self.kind == UNREADABLE {
            String::new()
        } else if self.suggested_mask.is_empty() {
            "*".repeat(self.found_text.chars().count())
        } else {
            self.suggested_mask.clone()
        }
    }
}

const COLUMNS: &str = "f.id, f.item_id, f.attachment_id, f.kind, f.start_pos, f.end_pos, \
    f.found_text, f.suggested_mask, f.confidence, f.blocking, f.reason, f.resolution, \
    f.justification, f.resolved_by, f.resolved_at";

/// Findings of the files attached to an item now (detached files no longer count).
const ATTACHED: &str = "JOIN attachments a ON a.id = f.attachment_id AND a.owner_type = 'item' \
    AND a.owner_id = f.item_id";

/// Findings of the item's attached files, by file then position.
pub async fn list(db: &Db, item_id: i64) -> Result<Vec<AttachmentFinding>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM item_attachment_findings f {ATTACHED} WHERE f.item_id = $1 \
         ORDER BY f.attachment_id, f.id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(item_id)
    .fetch_all(p)
    .await?))
}

async fn list_tx(tx: &mut Tx, item_id: i64) -> Result<Vec<AttachmentFinding>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM item_attachment_findings f {ATTACHED} WHERE f.item_id = $1 \
         ORDER BY f.attachment_id, f.id"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(item_id)
    .fetch_all(c)
    .await?))
}

/// Unresolved blocking findings of the item's attached files (the publication gate).
pub(crate) async fn open_blocking(tx: &mut Tx, item_id: i64) -> Result<Vec<AttachmentFinding>> {
    Ok(list_tx(tx, item_id)
        .await?
        .into_iter()
        .filter(AttachmentFinding::is_open_blocking)
        .collect())
}

/// The Chinese refusal for unresolved attachment findings.
pub(crate) fn gate_message(open: &[AttachmentFinding]) -> String {
    let kinds: Vec<&str> = open.iter().map(AttachmentFinding::kind_label).collect();
    format!(
        "附件中还有 {} 处须处理的扫描发现（{}），每一处须遮蔽、删除附件或写明保留理由后才能发布（先审查、后公开）",
        open.len(),
        kinds.join("、")
    )
}

/// Why the item's recordings keep it from being published, or `None`: every audio or video
/// attachment needs a caption track (a WebVTT file of the same name stem) or a transcript (a
/// plain-text file of the same stem) — WCAG 1.2.1–1.2.3, REG §8. Used by the publication gate,
/// so a 音视频节目 interpretation, like any item, is never public with a recording that deaf or
/// blind readers cannot follow. (Files change only on never-published drafts, so the gate at
/// publication covers every recording the public can reach.)
pub(crate) async fn media_gate(tx: &mut Tx, item_id: i64) -> Result<Option<String>> {
    let files: Vec<(String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT filename, media_type FROM attachments WHERE owner_type = $1 AND owner_id = $2 \
         ORDER BY id"
    )
    .bind(OWNER_TYPE)
    .bind(item_id)
    .fetch_all(c)
    .await?);
    Ok(media_gate_message(&files))
}

/// The refusal for recordings without captions or a transcript (pure part of [`media_gate`]).
pub fn media_gate_message(files: &[(String, String)]) -> Option<String> {
    let kinds: Vec<(&str, FileKind)> = files
        .iter()
        .filter_map(|(name, media)| Some((name.as_str(), FileKind::from_media_type(media)?)))
        .collect();
    let missing: Vec<String> = filetype::media_alternatives(&kinds)
        .into_iter()
        .filter(|m| !m.is_accessible())
        .map(|m| {
            let name = kinds[m.media].0;
            let stem = filetype::stem(name);
            format!("《{name}》（请上传字幕文件“{stem}.vtt”或文字稿“{stem}.txt”）")
        })
        .collect();
    if missing.is_empty() {
        None
    } else {
        Some(format!(
            "音视频附件须有字幕或文字稿，供听障、视障读者使用，才能发布：{}",
            missing.join("、")
        ))
    }
}

fn confidence_code(c: Confidence) -> &'static str {
    match c {
        Confidence::Low => "low",
        Confidence::Medium => "medium",
        Confidence::High => "high",
    }
}

/// Scans the extracted text of a newly attached file and stores the findings; an incomplete
/// extraction (or none) is a blocking `unreadable` finding.
pub(crate) async fn scan_attachment(
    tx: &mut Tx,
    item_id: i64,
    attachment_id: i64,
    text: Option<&Extracted>,
) -> Result<usize> {
    let mut rows: Vec<NewFinding> = Vec::new();
    match text {
        Some(x) => {
            for f in scanner()?.scan(&x.text) {
                let kind = serde_json::to_value(f.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                rows.push((
                    kind,
                    i64::try_from(f.start).unwrap_or(0),
                    i64::try_from(f.end).unwrap_or(0),
                    f.text.clone(),
                    f.suggested_mask.clone(),
                    confidence_code(f.confidence).to_string(),
                    f.blocking,
                    f.reason.clone(),
                ));
            }
            if !x.complete {
                rows.push(unreadable_row(&x.notes.join("；")));
            }
        }
        None => rows.push(unreadable_row("系统无法读取该文件中的文字")),
    }
    for (kind, start, end, found, mask, confidence, blocking, reason) in &rows {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO item_attachment_findings (item_id, attachment_id, kind, start_pos, \
             end_pos, found_text, suggested_mask, confidence, blocking, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )
        .bind(item_id)
        .bind(attachment_id)
        .bind(kind)
        .bind(*start)
        .bind(*end)
        .bind(found)
        .bind(mask)
        .bind(confidence)
        .bind(*blocking)
        .bind(reason)
        .execute(c)
        .await?
        .rows_affected());
    }
    Ok(rows.len())
}

/// (kind, start, end, found text, suggested mask, confidence, blocking, reason)
type NewFinding = (String, i64, i64, String, String, String, bool, String);

fn unreadable_row(notes: &str) -> NewFinding {
    (
        UNREADABLE.to_string(),
        0,
        0,
        String::new(),
        String::new(),
        "high".to_string(),
        true,
        format!(
            "附件中的文字未能完整读取，扫描无法确认其中没有个人信息，须人工核对后说明（{notes}）"
        ),
    )
}

/// Files may change only on a draft that was never published, by someone who may draft.
fn may_change_files(item: &Item, caps: Capabilities) -> Result<()> {
    if !caps.draft {
        return Err(StoreError::Conflict("添加或删除附件需要承办人权限".into()));
    }
    if item.published_revision_id.is_some() {
        return Err(StoreError::Conflict(
            "已发布信息的附件不能更改（附件一经发布即公开）".into(),
        ));
    }
    if item.state()? != State::Draft {
        return Err(StoreError::Conflict(
            "只有草稿可以添加或删除附件；请先修改信息（修改后须重新提交审核）".into(),
        ));
    }
    Ok(())
}

/// Attaches a stored file to a draft item and scans its text (`None` when nothing could be
/// read). Needs the draft capability. Returns the attachment and the number of findings.
pub async fn attach(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    caps: Capabilities,
    stored: &StoredFile,
    alt: &str,
    text: Option<&Extracted>,
) -> Result<(Attachment, usize)> {
    let item = lock(tx, item_id).await?;
    may_change_files(&item, caps)?;
    let owner = Owner {
        owner_type: OWNER_TYPE,
        owner_id: item_id,
    };
    let att = attachments::attach(tx, actor, owner, stored, alt).await?;
    let n = scan_attachment(tx, item_id, att.id, text).await?;
    let note = if n == 0 {
        format!("添加附件《{}》", att.filename)
    } else {
        format!("添加附件《{}》，扫描发现 {n} 处", att.filename)
    };
    record(tx, actor, &item, "attach", State::Draft, &note).await?;
    Ok((att, n))
}

async fn owned(tx: &mut Tx, item_id: i64, attachment_id: i64) -> Result<Attachment> {
    let row: Option<Attachment> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, owner_type, owner_id, sha256, filename, media_type, size, alt_text, \
         created_by, created_at FROM attachments WHERE id = $1 AND owner_type = 'item' \
         AND owner_id = $2"
    )
    .bind(attachment_id)
    .bind(item_id)
    .fetch_optional(c)
    .await?);
    row.ok_or_else(|| StoreError::NotFound("该附件不存在或不属于此信息".into()))
}

async fn resolve_all(
    tx: &mut Tx,
    actor: &Actor,
    attachment_id: i64,
    resolution: &str,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE item_attachment_findings SET resolution = $2, resolved_by = $3, resolved_at = $4 \
         WHERE attachment_id = $1 AND resolution IS NULL"
    )
    .bind(attachment_id)
    .bind(resolution)
    .bind(&actor.label)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// Removes a file from a draft item (its findings are resolved as `removed`; the file stays on
/// disk for auditors). Needs the draft capability.
pub async fn detach(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    caps: Capabilities,
    attachment_id: i64,
) -> Result<Item> {
    let item = lock(tx, item_id).await?;
    may_change_files(&item, caps)?;
    let att = owned(tx, item_id, attachment_id).await?;
    resolve_all(tx, actor, att.id, "removed").await?;
    attachments::detach(tx, actor, att.id).await?;
    record(
        tx,
        actor,
        &item,
        "detach",
        State::Draft,
        &format!("删除附件《{}》", att.filename),
    )
    .await
}

/// The masked text of an attachment: every finding with a span masked with the default policy
/// (findings located by their offsets in `text`, which must be the same extraction).
pub fn masked_text(text: &str, findings: &[AttachmentFinding]) -> Result<String> {
    let core: Vec<Finding> = findings
        .iter()
        .filter(|f| f.kind != UNREADABLE && f.end_pos > f.start_pos)
        .filter_map(|f| {
            Some(Finding {
                kind: f.kind()?,
                start: usize::try_from(f.start_pos).ok()?,
                end: usize::try_from(f.end_pos).ok()?,
                text: f.found_text.clone(),
                suggested_mask: f.suggested_mask.clone(),
                confidence: Confidence::High,
                blocking: f.blocking,
                reason: f.reason.clone(),
            })
        })
        .collect();
    mask_text(text, &core, &MaskPolicy::default()).map_err(|e| invalid(e.to_string()))
}

/// 一键遮蔽 of an attached file: `masked` (made by the caller from [`masked_text`]) replaces the
/// file, the old file's findings are resolved as `masked`, the new text is scanned, and a new
/// revision is made so that the reviews of the old one are void (back to draft, like any change
/// after a review step). Needs the draft or confidentiality-review capability.
pub async fn mask(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    caps: Capabilities,
    attachment_id: i64,
    masked: &StoredFile,
    text: &Extracted,
) -> Result<(Item, Attachment)> {
    let item = lock(tx, item_id).await?;
    if !(caps.draft || caps.confidentiality_review) {
        return Err(StoreError::Conflict(
            "处理扫描发现需要承办人或保密审查员权限".into(),
        ));
    }
    if item.published_revision_id.is_some() {
        return Err(StoreError::Conflict(
            "已发布信息的附件不能更改（附件一经发布即公开）".into(),
        ));
    }
    let state = item.state()?;
    if !(state == State::Draft || state.has_reviews()) {
        return Err(StoreError::Conflict(format!(
            "信息当前状态为“{}”，不能修改附件",
            state.label()
        )));
    }
    let old = owned(tx, item_id, attachment_id).await?;
    let owner = Owner {
        owner_type: OWNER_TYPE,
        owner_id: item_id,
    };
    let new = attachments::attach(tx, actor, owner, masked, &old.alt_text).await?;
    resolve_all(tx, actor, old.id, "masked").await?;
    attachments::detach(tx, actor, old.id).await?;
    scan_attachment(tx, item_id, new.id, Some(text)).await?;
    let rev = revision_tx(tx, item.current_revision()?).await?;
    let content = Content::of(&rev);
    new_revision(tx, actor, item_id, Some(rev.id), &content, "附件一键遮蔽").await?;
    let note = if state.has_reviews() {
        format!("附件《{}》一键遮蔽。{INVALIDATION_NOTICE}", old.filename)
    } else {
        format!("附件《{}》一键遮蔽", old.filename)
    };
    let after = record(tx, actor, &item, "mask", State::Draft, &note).await?;
    super::clear_schedule(tx, item_id).await?;
    Ok((after, new))
}

/// Keeps an attachment finding with a written justification (e.g. 已人工核对 for an unreadable
/// scan). The file is unchanged, so the reviews stay valid. Needs the draft or
/// confidentiality-review capability.
pub async fn justify(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    caps: Capabilities,
    finding_id: i64,
    justification: &str,
) -> Result<AttachmentFinding> {
    if justification.trim().chars().count() < 4 {
        return Err(invalid("保留理由须写明（至少 4 个字）"));
    }
    if !(caps.draft || caps.confidentiality_review) {
        return Err(StoreError::Conflict(
            "处理扫描发现需要承办人或保密审查员权限".into(),
        ));
    }
    let item = lock(tx, item_id).await?;
    let state = item.state()?;
    if !(state == State::Draft || state.has_reviews()) {
        return Err(StoreError::Conflict(format!(
            "信息当前状态为“{}”，不能处理附件扫描发现",
            state.label()
        )));
    }
    let before = list_tx(tx, item_id)
        .await?
        .into_iter()
        .find(|f| f.id == finding_id)
        .ok_or_else(|| invalid("所选扫描发现不属于此信息的附件"))?;
    if before.resolution.is_some() {
        return Err(invalid("所选扫描发现已处理"));
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE item_attachment_findings SET resolution = 'justified', justification = $2, \
         resolved_by = $3, resolved_at = $4 WHERE id = $1"
    )
    .bind(finding_id)
    .bind(justification.trim())
    .bind(&actor.label)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    let after = list_tx(tx, item_id)
        .await?
        .into_iter()
        .find(|f| f.id == finding_id)
        .ok_or_else(|| invalid("所选扫描发现不属于此信息的附件"))?;
    audit::append(
        tx,
        actor,
        Change {
            action: "item.attachment_finding_justify",
            object_type: "item_attachment_finding",
            object_id: finding_id.to_string(),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_events (item_id, revision_id, action, from_state, to_state, note, \
         actor, actor_id, at) VALUES ($1, $2, 'justify', $3, $3, $4, $5, $6, $7)"
    )
    .bind(item_id)
    .bind(item.current_revision_id)
    .bind(&item.state)
    .bind(format!(
        "附件中保留{}：{}",
        after.kind_label(),
        justification.trim()
    ))
    .bind(&actor.label)
    .bind(actor.user_id)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    Ok(after)
}
