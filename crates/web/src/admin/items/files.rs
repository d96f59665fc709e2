//! Attachments in the console: upload (multipart; type checked by content and size-limited by
//! core `filetype`, metadata stripped, stored by `attachments`), the scanner gate on the
//! attachment's text (`extract`: DOCX, PDF text layer, plain text), removal, one-click masking
//! and justification of attachment findings.
//!
//! Every check that can refuse an upload runs before the file is written (type, size, name, alt
//! text of images, the item's state), so a refused upload leaves no file behind.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use gongkai_core::extract::{Extracted, extract_text};
use gongkai_core::filetype::{self, FileKind};
use gongkai_core::items::State as ItemState;
use gongkai_store::StoreError;
use gongkai_store::attachments::{self, Limits};
use gongkai_store::items::files as item_files;

use super::load;
use super::show::page;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Path;
use crate::multipart::{self, MAX_UPLOAD_BYTES};
use crate::page::{render_with_status, see_other};
use crate::session::Staff;

async fn refuse(
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

/// Extracts the text of stored bytes on the blocking pool (PDF parsing can take a while).
async fn text_of(kind: FileKind, bytes: Vec<u8>) -> Option<Extracted> {
    tokio::task::spawn_blocking(move || extract_text(kind, &bytes).ok())
        .await
        .ok()
        .flatten()
}

/// Uploads a file to a draft item and scans its text.
pub(super) async fn upload_file(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let (item, caps) = load(&state, &staff, id).await?;
    if !caps.draft {
        return Err(AppError::forbidden());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = axum::body::to_bytes(body, MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "上传的文件过大，请压缩或拆分后重新上传。",
            )
        })?;
    let parts = multipart::parse(&content_type, &bytes)?;
    let alt = multipart::field(&parts, "alt")
        .map(multipart::Part::text)
        .unwrap_or_default();
    let mut values = BTreeMap::new();
    values.insert("alt".to_string(), alt.clone());
    if item.published_revision_id.is_some() || item.state()? != ItemState::Draft {
        return refuse(
            &state,
            &staff,
            id,
            "upload",
            "只有尚未发布的草稿可以添加附件；请先修改信息（修改后须重新提交审核）".into(),
            values,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let file = multipart::field(&parts, "file").filter(|p| !p.data.is_empty());
    let Some(file) = file else {
        return refuse(
            &state,
            &staff,
            id,
            "upload",
            "请选择要上传的文件".into(),
            values,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let filename = file.filename.clone().unwrap_or_default();
    let limits = Limits::default();
    // Checks that can refuse run before anything is written.
    let kind = match attachments::clean_filename(&filename)
        .map_err(|e| e.to_string())
        .and_then(|name| {
            filetype::check(&file.data, &name, limits.max_size).map_err(|e| e.to_string())
        }) {
        Ok(k) => k,
        Err(m) => {
            return refuse(
                &state,
                &staff,
                id,
                "upload",
                m,
                values,
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    if kind.is_image() && alt.trim().is_empty() {
        return refuse(
            &state,
            &staff,
            id,
            "upload",
            "图片附件必须填写替代文字（说明图片内容，供视障用户使用）".into(),
            values,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let stored = match attachments::store(
        state.config.data_dir.clone(),
        file.data.clone(),
        filename,
        limits,
    )
    .await
    {
        Ok(s) => s,
        // A full disk (issue #11): the temporary file is gone (`attachments` removes it), no
        // row was written; say so by the field with 507, never as an internal error.
        Err(attachments::AttachmentError::Io(io)) if gongkai_store::is_storage_full(&io) => {
            let e = AppError::storage_full(io);
            return refuse(&state, &staff, id, "upload", e.message, values, e.status).await;
        }
        Err(attachments::AttachmentError::Io(io)) => return Err(StoreError::Io(io).into()),
        Err(e) => {
            return refuse(
                &state,
                &staff,
                id,
                "upload",
                e.to_string(),
                values,
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let stored_bytes = attachments::read_verified(&state.config.data_dir, &stored.sha256)
        .map_err(StoreError::from)?;
    let text = text_of(stored.kind, stored_bytes).await;
    let mut tx = state.db.begin().await?;
    match item_files::attach(
        &mut tx,
        &staff.actor(),
        id,
        caps,
        &stored,
        &alt,
        text.as_ref(),
    )
    .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!(
                "/admin/items/{id}?saved=uploaded#files"
            )))
        }
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
            drop(tx);
            refuse(
                &state,
                &staff,
                id,
                "upload",
                m,
                values,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes a file from a draft item.
pub(super) async fn remove_file(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, aid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (_, caps) = load(&state, &staff, id).await?;
    if !caps.draft {
        return Err(AppError::forbidden());
    }
    let mut tx = state.db.begin().await?;
    match item_files::detach(&mut tx, &staff.actor(), id, caps, aid).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/items/{id}?saved=removed#files")))
        }
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
            drop(tx);
            refuse(
                &state,
                &staff,
                id,
                "file",
                m,
                BTreeMap::new(),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The name of the masked copy: plain text keeps its name, other files become
/// `<name>（遮蔽后）.txt` (the masked text layer; formatting is not kept).
/// A caption track's masked copy is its cue text, which becomes the recording's transcript
/// (`<stem>.txt`, same stem), so the recording keeps a text alternative.
fn masked_name(filename: &str, kind: Option<FileKind>) -> String {
    if kind == Some(FileKind::Text) {
        return filename.to_string();
    }
    if kind == Some(FileKind::Vtt) {
        return format!("{}.txt", filetype::stem(filename));
    }
    let stem = filename
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(filename);
    format!("{stem}（遮蔽后）.txt")
}

/// 一键遮蔽 of a file: a masked copy of its text replaces it, and a new revision is made.
pub(super) async fn mask_file(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, aid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (_, caps) = load(&state, &staff, id).await?;
    if !(caps.draft || caps.confidentiality_review) {
        return Err(AppError::forbidden());
    }
    let att = attachments::get(&state.db, aid)
        .await?
        .filter(|a| a.owner_type == item_files::OWNER_TYPE && a.owner_id == id)
        .ok_or_else(|| AppError::not_found("该附件不存在或不属于此信息。"))?;
    let cannot = "该附件的文字未能完整读取，无法自动遮蔽；请删除附件并上传处理后的文件，或人工核对后说明保留理由";
    let data_dir = state.config.data_dir.clone();
    let a2 = att.clone();
    let extracted = tokio::task::spawn_blocking(move || attachments::text_of(&data_dir, &a2))
        .await
        .map_err(AppError::internal)?;
    let extracted = match extracted {
        Ok(x) if x.complete => x,
        _ => {
            return refuse(
                &state,
                &staff,
                id,
                "file",
                cannot.into(),
                BTreeMap::new(),
                StatusCode::CONFLICT,
            )
            .await;
        }
    };
    let open: Vec<_> = item_files::list(&state.db, id)
        .await?
        .into_iter()
        .filter(|f| f.attachment_id == aid && f.is_open_blocking())
        .collect();
    if open.is_empty() {
        return refuse(
            &state,
            &staff,
            id,
            "file",
            "该附件没有须处理的扫描发现".into(),
            BTreeMap::new(),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let masked = match item_files::masked_text(&extracted.text, &open) {
        Ok(m) => m,
        Err(_) => {
            return refuse(
                &state,
                &staff,
                id,
                "file",
                cannot.into(),
                BTreeMap::new(),
                StatusCode::CONFLICT,
            )
            .await;
        }
    };
    let stored = attachments::store(
        state.config.data_dir.clone(),
        masked.clone().into_bytes(),
        masked_name(&att.filename, att.kind()),
        Limits::default(),
    )
    .await
    .map_err(StoreError::from)?;
    let text = Extracted {
        text: masked,
        complete: true,
        notes: Vec::new(),
    };
    let mut tx = state.db.begin().await?;
    match item_files::mask(&mut tx, &staff.actor(), id, caps, aid, &stored, &text).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/items/{id}?saved=masked#files")))
        }
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
            drop(tx);
            refuse(
                &state,
                &staff,
                id,
                "file",
                m,
                BTreeMap::new(),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Keeps an attachment finding with a written justification.
pub(super) async fn justify_file_finding(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, fid)): Path<(i64, i64)>,
    crate::extract::Form(form): crate::extract::Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let (_, caps) = load(&state, &staff, id).await?;
    if !(caps.draft || caps.confidentiality_review) {
        return Err(AppError::forbidden());
    }
    let field = format!("file-justification-{fid}");
    let text = form.get("justification").cloned().unwrap_or_default();
    let mut tx = state.db.begin().await?;
    match item_files::justify(&mut tx, &staff.actor(), id, caps, fid, &text).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(see_other(&format!(
                "/admin/items/{id}?saved=justified#findings"
            )))
        }
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
            drop(tx);
            let mut values = BTreeMap::new();
            values.insert(field.clone(), text);
            refuse(
                &state,
                &staff,
                id,
                &field,
                m,
                values,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_copy_names() {
        assert_eq!(masked_name("名单.txt", Some(FileKind::Text)), "名单.txt");
        assert_eq!(masked_name("第12期.vtt", Some(FileKind::Vtt)), "第12期.txt");
        assert_eq!(
            masked_name("通知.docx", Some(FileKind::Docx)),
            "通知（遮蔽后）.txt"
        );
    }
}
