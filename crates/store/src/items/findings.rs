//! The scanner gate (product.md C3, REG §5.5, 先审查、后公开): every revision's title, summary,
//! body and keywords are scanned with `gongkai_core::scan::Scanner` when the revision is made;
//! each blocking finding must be resolved before publication — masked (one click: a new revision
//! with `mask_text` applied), removed (a new revision without the span) or kept with a written
//! justification (e.g. a public official's office phone). Justifications carry over to later
//! revisions for the same text in the same field; masking and removal change the text, so their
//! findings do not reappear.

use gongkai_core::items::{Capabilities, INVALIDATION_NOTICE, State};
use gongkai_core::mask::{MaskPolicy, mask_text};
use gongkai_core::scan::{Confidence, Finding, FindingKind, ScanConfig, Scanner};
use serde::Serialize;
use serde_json::json;

use super::{Content, Item, Revision, invalid, lock, new_revision, record, revision_tx};
use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// Fields that are scanned, in order.
pub const FIELDS: [&str; 4] = ["title", "summary", "body_html", "keywords"];

/// A stored finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FindingRow {
    pub id: i64,
    pub item_id: i64,
    pub revision_id: i64,
    /// One of [`FIELDS`].
    pub field: String,
    /// A `FindingKind` code (snake_case).
    pub kind: String,
    /// Character offsets in the field, `end_pos` exclusive.
    pub start_pos: i64,
    pub end_pos: i64,
    pub found_text: String,
    pub suggested_mask: String,
    pub confidence: String,
    pub blocking: bool,
    /// Why, in Chinese.
    pub reason: String,
    /// `masked`, `removed`, `justified`, or none yet.
    pub resolution: Option<String>,
    pub justification: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
}

impl FindingRow {
    pub fn is_open_blocking(&self) -> bool {
        self.blocking && self.resolution.is_none()
    }

    /// The Chinese label of the kind.
    pub fn kind_label(&self) -> &'static str {
        kind_from_code(&self.kind)
            .map(FindingKind::label)
            .unwrap_or("其他")
    }

    fn to_core(&self) -> Result<Finding> {
        let kind = kind_from_code(&self.kind).ok_or_else(|| invalid("扫描结果种类无法识别"))?;
        Ok(Finding {
            kind,
            start: usize::try_from(self.start_pos).unwrap_or(0),
            end: usize::try_from(self.end_pos).unwrap_or(0),
            text: self.found_text.clone(),
            suggested_mask: self.suggested_mask.clone(),
            confidence: Confidence::High,
            blocking: self.blocking,
            reason: self.reason.clone(),
        })
    }
}

fn kind_code(k: FindingKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn kind_from_code(code: &str) -> Option<FindingKind> {
    serde_json::from_value(json!(code)).ok()
}

fn confidence_code(c: Confidence) -> &'static str {
    match c {
        Confidence::Low => "low",
        Confidence::Medium => "medium",
        Confidence::High => "high",
    }
}

/// The scanner used for items (the default configuration; the masking policy is the
/// documented default).
pub fn scanner() -> Result<Scanner> {
    Scanner::new(ScanConfig::default()).map_err(|e| invalid(e.to_string()))
}

fn field_text<'a>(c: &'a Content, field: &str) -> &'a str {
    match field {
        "title" => &c.title,
        "summary" => &c.summary,
        "body_html" => &c.body_html,
        _ => &c.keywords,
    }
}

fn set_field(c: &mut Content, field: &str, text: String) {
    match field {
        "title" => c.title = text,
        "summary" => c.summary = text,
        "body_html" => c.body_html = text,
        _ => c.keywords = text,
    }
}

const COLUMNS: &str = "id, item_id, revision_id, field, kind, start_pos, end_pos, found_text, \
    suggested_mask, confidence, blocking, reason, resolution, justification, resolved_by, \
    resolved_at";

async fn rows_tx(tx: &mut Tx, revision_id: i64) -> Result<Vec<FindingRow>> {
    let sql = format!("SELECT {COLUMNS} FROM item_findings WHERE revision_id = $1 ORDER BY id");
    Ok(on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(revision_id)
    .fetch_all(c)
    .await?))
}

/// Scans a new revision and stores its findings; a finding whose (field, kind, text) was
/// justified on `previous` keeps that justification.
pub(crate) async fn scan_revision(
    tx: &mut Tx,
    rev: &Revision,
    previous: Option<i64>,
) -> Result<()> {
    let justified: Vec<FindingRow> = match previous {
        Some(p) => rows_tx(tx, p)
            .await?
            .into_iter()
            .filter(|f| f.resolution.as_deref() == Some("justified"))
            .collect(),
        None => Vec::new(),
    };
    let scanner = scanner()?;
    let content = Content::of(rev);
    for field in FIELDS {
        for f in scanner.scan(field_text(&content, field)) {
            let kind = kind_code(f.kind);
            let carried = justified
                .iter()
                .find(|j| j.field == field && j.kind == kind && j.found_text == f.text);
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO item_findings (item_id, revision_id, field, kind, start_pos, end_pos, \
                 found_text, suggested_mask, confidence, blocking, reason, resolution, \
                 justification, resolved_by, resolved_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            )
            .bind(rev.item_id)
            .bind(rev.id)
            .bind(field)
            .bind(&kind)
            .bind(i64::try_from(f.start).unwrap_or(i64::MAX))
            .bind(i64::try_from(f.end).unwrap_or(i64::MAX))
            .bind(&f.text)
            .bind(&f.suggested_mask)
            .bind(confidence_code(f.confidence))
            .bind(f.blocking)
            .bind(&f.reason)
            .bind(carried.map(|_| "justified"))
            .bind(carried.map(|j| j.justification.clone()).unwrap_or_default())
            .bind(carried.and_then(|j| j.resolved_by.clone()))
            .bind(carried.and_then(|j| j.resolved_at))
            .execute(c)
            .await?
            .rows_affected());
        }
    }
    Ok(())
}

/// The findings of one revision, in order.
pub async fn list(db: &Db, revision_id: i64) -> Result<Vec<FindingRow>> {
    let sql = format!("SELECT {COLUMNS} FROM item_findings WHERE revision_id = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(revision_id)
    .fetch_all(p)
    .await?))
}

/// Unresolved blocking findings of a revision (the gate).
pub(crate) async fn open_blocking(tx: &mut Tx, revision_id: i64) -> Result<Vec<FindingRow>> {
    Ok(rows_tx(tx, revision_id)
        .await?
        .into_iter()
        .filter(FindingRow::is_open_blocking)
        .collect())
}

/// The Chinese refusal for unresolved findings.
pub(crate) fn gate_message(open: &[FindingRow]) -> String {
    let kinds: Vec<&str> = open.iter().map(FindingRow::kind_label).collect();
    format!(
        "当前版本还有 {} 处须处理的扫描发现（{}），每一处须遮蔽、删除或写明保留理由后才能发布（先审查、后公开）",
        open.len(),
        kinds.join("、")
    )
}

/// Findings of the item's current revision selected by id, all unresolved.
async fn selected(tx: &mut Tx, item: &Item, ids: &[i64]) -> Result<(Revision, Vec<FindingRow>)> {
    if ids.is_empty() {
        return Err(invalid("请选择要处理的扫描发现"));
    }
    let rev = revision_tx(tx, item.current_revision()?).await?;
    let all = rows_tx(tx, rev.id).await?;
    let mut out = Vec::new();
    for id in ids {
        let f = all
            .iter()
            .find(|f| f.id == *id)
            .ok_or_else(|| invalid("所选扫描发现不属于当前版本（内容可能已修改，请重新查看）"))?;
        if f.resolution.is_some() {
            return Err(invalid("所选扫描发现已处理"));
        }
        out.push(f.clone());
    }
    Ok((rev, out))
}

fn may_change_text(item: &Item, caps: Capabilities) -> Result<State> {
    let state = item.state()?;
    if !matches!(
        state,
        State::Draft
            | State::Submitted
            | State::Reviewed
            | State::ConfidentialityReviewed
            | State::Approved
            | State::Scheduled
    ) {
        return Err(StoreError::Conflict(format!(
            "信息当前状态为“{}”，不能修改内容",
            state.label()
        )));
    }
    if !(caps.draft || caps.confidentiality_review) {
        return Err(StoreError::Conflict(
            "处理扫描发现需要承办人或保密审查员权限".into(),
        ));
    }
    Ok(state)
}

/// Removes the char ranges `[start, end)` from `text` (ranges must not overlap).
fn remove_spans(text: &str, spans: &[(usize, usize)]) -> Result<String> {
    let mut spans = spans.to_vec();
    spans.sort_unstable();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (s, e) in spans {
        if s < pos || e > chars.len() || s > e {
            return Err(invalid(
                "待删除的位置与文本不一致（内容可能已修改，请重新扫描）",
            ));
        }
        out.extend(&chars[pos..s]);
        pos = e;
    }
    out.extend(&chars[pos..]);
    Ok(out)
}

/// How selected findings are resolved by changing the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFix {
    /// 一键遮蔽: replace each span with its mask (`mask_text`, default policy).
    Mask,
    /// Delete each span.
    Remove,
}

/// Masks or removes the selected findings of the current revision: a new revision is made
/// (note 一键遮蔽 / 删除), the findings are marked resolved, and — like any content change after
/// a review step — the reviews become void and the item returns to draft. Needs the draft or
/// confidentiality-review capability. Returns the item and the new revision.
pub async fn fix_text(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    caps: Capabilities,
    finding_ids: &[i64],
    fix: TextFix,
) -> Result<(Item, Revision)> {
    let item = lock(tx, item_id).await?;
    let state = may_change_text(&item, caps)?;
    let (rev, chosen) = selected(tx, &item, finding_ids).await?;
    let mut content = Content::of(&rev);
    for field in FIELDS {
        let mine: Vec<&FindingRow> = chosen.iter().filter(|f| f.field == field).collect();
        if mine.is_empty() {
            continue;
        }
        let text = field_text(&content, field).to_string();
        let fixed = match fix {
            TextFix::Mask => {
                let core: Vec<Finding> = mine.iter().map(|f| f.to_core()).collect::<Result<_>>()?;
                mask_text(&text, &core, &MaskPolicy::default())
                    .map_err(|e| invalid(e.to_string()))?
            }
            TextFix::Remove => {
                let spans: Vec<(usize, usize)> = mine
                    .iter()
                    .map(|f| {
                        (
                            usize::try_from(f.start_pos).unwrap_or(0),
                            usize::try_from(f.end_pos).unwrap_or(0),
                        )
                    })
                    .collect();
                remove_spans(&text, &spans)?
            }
        };
        set_field(&mut content, field, fixed);
    }
    let (resolution, note) = match fix {
        TextFix::Mask => ("masked", "一键遮蔽"),
        TextFix::Remove => ("removed", "删除扫描发现的内容"),
    };
    let now = now_ms();
    for f in &chosen {
        on_tx!(tx, |c| sqlx::query(
            "UPDATE item_findings SET resolution = $2, resolved_by = $3, resolved_at = $4 \
             WHERE id = $1 AND resolution IS NULL"
        )
        .bind(f.id)
        .bind(resolution)
        .bind(&actor.label)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
    }
    let new_rev = new_revision(tx, actor, item_id, Some(rev.id), &content, note).await?;
    let timeline_note = if state.has_reviews() {
        format!("{note}（{} 处）。{INVALIDATION_NOTICE}", chosen.len())
    } else {
        format!("{note}（{} 处）", chosen.len())
    };
    let after = record(
        tx,
        actor,
        &item,
        if fix == TextFix::Mask {
            "mask"
        } else {
            "remove"
        },
        State::Draft,
        &timeline_note,
    )
    .await?;
    super::clear_schedule(tx, item_id).await?;
    Ok((after, new_rev))
}

/// Keeps a finding with a written justification (e.g. 公职人员办公电话). The text is unchanged,
/// so the reviews stay valid. Needs the draft or confidentiality-review capability.
pub async fn justify(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    caps: Capabilities,
    finding_id: i64,
    justification: &str,
) -> Result<FindingRow> {
    if justification.trim().chars().count() < 4 {
        return Err(invalid("保留理由须写明（至少 4 个字）"));
    }
    let item = lock(tx, item_id).await?;
    may_change_text(&item, caps)?;
    let (_, chosen) = selected(tx, &item, &[finding_id]).await?;
    let before = chosen
        .into_iter()
        .next()
        .ok_or_else(|| invalid("请选择要处理的扫描发现"))?;
    let now = now_ms();
    let sql = format!(
        "UPDATE item_findings SET resolution = 'justified', justification = $2, resolved_by = $3, \
         resolved_at = $4 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let after: FindingRow = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(finding_id)
        .bind(justification.trim())
        .bind(&actor.label)
        .bind(now)
        .fetch_one(c)
        .await?);
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_events (item_id, revision_id, action, from_state, to_state, note, \
         actor, actor_id, at) VALUES ($1, $2, 'justify', $3, $3, $4, $5, $6, $7)"
    )
    .bind(item_id)
    .bind(after.revision_id)
    .bind(&item.state)
    .bind(format!(
        "保留{}：{}",
        after.kind_label(),
        justification.trim()
    ))
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
            action: "item.finding_justify",
            object_type: "item_finding",
            object_id: finding_id.to_string(),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_spans_by_chars() {
        assert_eq!(
            remove_spans("甲乙丙丁", &[(1, 2), (3, 4)]).unwrap_or_default(),
            "甲丙"
        );
        assert!(remove_spans("甲乙", &[(0, 2), (1, 2)]).is_err());
        assert!(remove_spans("甲乙", &[(1, 3)]).is_err());
    }

    #[test]
    fn kind_codes_round_trip() {
        for k in [
            FindingKind::ResidentId,
            FindingKind::SensitiveWord,
            FindingKind::Mobile,
        ] {
            assert_eq!(kind_from_code(&kind_code(k)), Some(k));
        }
    }
}
