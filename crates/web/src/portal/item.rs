//! One information item at its permanent URL `/items/{id}`, and its attachments at
//! `/files/{attachment_id}/{filename}`.
//!
//! **Rules.**
//! - What the public may see comes only from `catalog::public_view` (one `PUBLIC_CONDITION`):
//!   a published item is shown with the metadata table of REG §4.2; a withdrawn item answers
//!   410 with the date and reason (条例 Art. 26 stable URL, the withdrawal explained); anything
//!   else — unknown, draft, unapproved, scheduled but not yet due — answers the same 404, so the
//!   response never reveals that an unpublished item exists.
//! - 失效/废止 (REG §4.2 有效性; 《政府网站发展指引》) is marked prominently at the top, with
//!   its date and the replacing document.
//! - The body was sanitised when stored; it is sanitised again here before it is written into
//!   the page unescaped (defence in depth: a row changed behind the application's back still
//!   cannot inject markup).
//! - An attachment is served only while its item is public, with its stored media type,
//!   `Content-Disposition` and `nosniff`, after checking its content against its SHA-256.
//! - Audio and video attachments are played on the page ([`recordings`]) with their caption
//!   track as `<track kind="captions">` and a link to their transcript (issue #10, WCAG 1.2);
//!   publication refused a recording without either (`gongkai_store::items::files`).

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Path;
use crate::page::{Layout, render, render_with_status};
use crate::portal::catalog::Vocab;
use crate::session::PublicCtx;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongkai_core::items::Validity;
use gongkai_store::attachments::{self, Owner};
use gongkai_store::items::OBJECT_TYPE;
use gongkai_store::items::catalog::{self, PublicView, PublishedItem};

/// The message of every "not public" answer (the same text whether or not the id exists).
pub const NOT_PUBLIC: &str =
    "您要查看的政府信息不存在或尚未公开。请从“法定主动公开内容”或站内搜索查找。";

/// An audio or video attachment played on the page, with its text alternatives (WCAG 1.2): the
/// caption track (`<stem>.vtt`) and the transcript (`<stem>.txt`) attached beside it.
pub struct Recording {
    pub title: String,
    pub src: String,
    pub media_type: String,
    /// `<video>` for video, and for audio with a caption track (so the captions are shown);
    /// `<audio>` for audio with a transcript only.
    pub video: bool,
    pub captions: Option<String>,
    pub transcript: Option<String>,
}

/// The recordings among an item's attachments (in attachment order).
pub fn recordings(files: &[attachments::Attachment]) -> Vec<Recording> {
    let kinds: Vec<(&str, gongkai_core::filetype::FileKind)> = files
        .iter()
        .filter_map(|a| Some((a.filename.as_str(), a.kind()?)))
        .collect();
    // `kinds` skips rows of unknown type, so look the attachment up by its position in `kinds`.
    let known: Vec<&attachments::Attachment> =
        files.iter().filter(|a| a.kind().is_some()).collect();
    let href = |i: usize| file_href(known[i].id, &known[i].filename);
    gongkai_core::filetype::media_alternatives(&kinds)
        .into_iter()
        .map(|m| {
            let a = known[m.media];
            let audio = a
                .kind()
                .is_some_and(gongkai_core::filetype::FileKind::is_audio);
            Recording {
                title: a.filename.clone(),
                src: href(m.media),
                media_type: a.media_type.clone(),
                video: !audio || m.captions.is_some(),
                captions: m.captions.map(href),
                transcript: m.transcript.map(href),
            }
        })
        .collect()
}

/// One downloadable attachment.
pub struct FileLink {
    pub href: String,
    pub filename: String,
    pub kind: String,
    pub size: String,
    pub alt: String,
}

/// One entry of the public revision history.
pub struct RevisionRow {
    pub number: i64,
    pub published: String,
    pub note: String,
}

/// The prominent marking of a 失效/废止 item.
pub struct ValidityMark {
    pub label: String,
    pub on: String,
    pub replaced_by: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "portal/item.html")]
struct ItemPage {
    layout: Layout,
    /// (label, value) rows of the REG §4.2 metadata table, in the order of that section.
    meta: Vec<(&'static str, String)>,
    mark: Option<ValidityMark>,
    body: String,
    files: Vec<FileLink>,
    recordings: Vec<Recording>,
    revisions: Vec<RevisionRow>,
    category_href: String,
    category_label: String,
    /// 回应解读 (C13): what this item is (an interpretation), the public documents it explains
    /// and the public interpretations of it.
    interpretation: Option<String>,
    explains: Vec<gongkai_store::interpretations::Link>,
    explained_by: Vec<gongkai_store::interpretations::Link>,
}

#[derive(Template)]
#[template(path = "portal/withdrawn.html")]
struct WithdrawnPage {
    layout: Layout,
    index_no: String,
    withdrawn_on: String,
    reason: String,
}

/// A size for people: bytes, KB or MB.
pub fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if bytes < 1024 {
        format!("{bytes} 字节")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// The file-type label shown next to a download link.
pub(crate) fn kind_label(media_type: &str) -> String {
    match media_type {
        "application/pdf" => "PDF".into(),
        "image/png" => "PNG 图片".into(),
        "image/jpeg" => "JPEG 图片".into(),
        "image/gif" => "GIF 图片".into(),
        "image/webp" => "WebP 图片".into(),
        "audio/mpeg" => "MP3 音频".into(),
        "video/mp4" => "MP4 视频".into(),
        "video/webm" => "WebM 视频".into(),
        "text/vtt" => "WebVTT 字幕".into(),
        m if m.starts_with("text/plain") => "文本".into(),
        m if m.contains("wordprocessingml") => "Word 文档".into(),
        m if m.contains("spreadsheetml") => "Excel 表格".into(),
        m if m.contains("presentationml") => "PowerPoint 演示文稿".into(),
        m if m.contains("opendocument") => "OpenDocument 文档".into(),
        m => m.to_string(),
    }
}

/// The path of an attachment (the file name is percent-encoded as one path segment).
pub fn file_href(id: i64, filename: &str) -> String {
    let seg: String = url::form_urlencoded::byte_serialize(filename.as_bytes()).collect();
    // `form_urlencoded` writes spaces as `+`, which is literal in a path.
    format!("/files/{id}/{}", seg.replace('+', "%20"))
}

pub(crate) fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

fn meta_rows(p: &PublishedItem, vocab: &Vocab) -> Vec<(&'static str, String)> {
    let i = &p.item;
    let r = &p.revision;
    let label = |list: &[gongkai_store::items::registers::VocabEntry], code: &str| {
        if code.is_empty() {
            String::new()
        } else {
            Vocab::label(list, code)
        }
    };
    vec![
        ("索引号", i.index_no.clone().unwrap_or_default()),
        ("标题", r.title.clone()),
        ("内容概述", r.summary.clone()),
        ("生成日期", i.formed_on.clone()),
        ("成文日期", i.signed_on.clone().unwrap_or_default()),
        ("发布日期", i.published_on.clone().unwrap_or_default()),
        ("发布机构", i.publisher_name.clone()),
        ("文号", i.doc_number.clone()),
        ("主题分类", label(&vocab.topic, &i.topic_code)),
        ("体裁分类", label(&vocab.genre, &i.genre_code)),
        ("公开目录", label(&vocab.catalog, &i.catalog_code)),
        (
            "有效性",
            i.validity()
                .map(|v| v.label().to_string())
                .unwrap_or_else(|| i.validity.clone()),
        ),
        ("主题词", r.keywords.clone()),
    ]
}

/// `/items/{id}`.
pub async fn show_item(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Path(raw): Path<String>,
) -> AppResult<Response> {
    let Some(id) = parse_id(&raw) else {
        return Err(AppError::not_found(NOT_PUBLIC));
    };
    let p = match catalog::public_view(&state.db, ctx.scope(), id).await? {
        PublicView::Published(p) => p,
        PublicView::Withdrawn {
            index_no,
            withdrawn_on,
            reason,
        } => {
            return render_with_status(
                &WithdrawnPage {
                    layout: ctx.layout("该信息已撤回"),
                    index_no,
                    withdrawn_on: withdrawn_on.format("%Y年%m月%d日").to_string(),
                    reason,
                },
                StatusCode::GONE,
            );
        }
        PublicView::NotFound => return Err(AppError::not_found(NOT_PUBLIC)),
    };
    let vocab = Vocab::load(&state.db, &ctx.site).await?;
    let mark = match p.item.validity() {
        Some(v @ (Validity::Expired | Validity::Repealed)) => Some(ValidityMark {
            label: v.label().to_string(),
            on: p.item.validity_on.clone().unwrap_or_default(),
            replaced_by: p.item.validity_replaced_by.clone(),
            note: p.item.validity_note.clone(),
        }),
        _ => None,
    };
    let attached = attachments::list_for(
        &state.db,
        Owner {
            owner_type: OBJECT_TYPE,
            owner_id: id,
        },
    )
    .await?;
    let recordings = recordings(&attached);
    let files = attached
        .into_iter()
        .map(|a| FileLink {
            href: file_href(a.id, &a.filename),
            kind: kind_label(&a.media_type),
            size: human_size(a.size),
            filename: a.filename,
            alt: a.alt_text,
        })
        .collect();
    let revisions = catalog::public_revisions(&state.db, ctx.scope(), id)
        .await?
        .into_iter()
        .map(|r| RevisionRow {
            number: r.number,
            published: r.published_at.map(crate::page::cst).unwrap_or_default(),
            note: r.note,
        })
        .collect();
    // Defence in depth: sanitise again at render time (REG §8; richtext module header).
    let body = gongkai_core::richtext::sanitize(&p.revision.body_html).html;
    let category_label = Vocab::label(&vocab.catalog, &p.item.catalog_code);
    let interpretation = gongkai_store::interpretations::get(&state.db, id)
        .await?
        .map(|i| match (i.episode_no, i.air_date.as_deref()) {
            (Some(n), Some(on)) if !i.programme.is_empty() => {
                format!(
                    "{}：《{}》第 {n} 期，{on} 播出",
                    i.kind_label(),
                    i.programme
                )
            }
            _ => i.kind_label().to_string(),
        });
    let explains = on_this_site(
        &state,
        &ctx,
        gongkai_store::interpretations::documents_of(&state.db, id).await?,
    )
    .await?;
    let explained_by = on_this_site(
        &state,
        &ctx,
        gongkai_store::interpretations::interpretations_of(&state.db, id).await?,
    )
    .await?;
    render(&ItemPage {
        interpretation,
        explains,
        explained_by,
        layout: ctx.layout(&p.revision.title),
        meta: meta_rows(&p, &vocab),
        mark,
        body,
        files,
        recordings,
        revisions,
        category_href: crate::portal::catalog::Filters {
            category: p.item.catalog_code.clone(),
            ..Default::default()
        }
        .url(1),
        category_label,
    })
}

/// The linked items that are public on this site (a link never leads to another site's item).
async fn on_this_site(
    state: &AppState,
    ctx: &PublicCtx,
    links: Vec<gongkai_store::interpretations::Link>,
) -> AppResult<Vec<gongkai_store::interpretations::Link>> {
    let mut out = Vec::with_capacity(links.len());
    for l in links {
        if catalog::get_published(&state.db, ctx.scope(), l.id)
            .await?
            .is_some()
        {
            out.push(l);
        }
    }
    Ok(out)
}

/// An ASCII-only stand-in for the file name (old clients), keeping the extension.
fn ascii_fallback(filename: &str) -> String {
    let ext: String = filename
        .rsplit_once('.')
        .map(|(_, e)| e)
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect();
    if ext.is_empty() {
        "download".into()
    } else {
        format!("download.{ext}")
    }
}

/// The `Content-Disposition` of an attachment (RFC 6266 with an RFC 8187 UTF-8 name).
pub fn content_disposition(media_type: &str, filename: &str) -> String {
    // PDFs and images open in the browser; everything else is downloaded.
    let kind = if media_type == "application/pdf" || media_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    let encoded: String = percent_encode_attr(filename);
    format!(
        "{kind}; filename=\"{}\"; filename*=UTF-8''{encoded}",
        ascii_fallback(filename)
    )
}

/// RFC 8187 `attr-char` encoding.
fn percent_encode_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/files/{attachment_id}/{filename}`: an attachment of an item public on this site, else 404.
pub async fn show_file(
    State(state): State<AppState>,
    crate::site::CurrentSite(site): crate::site::CurrentSite,
    Path((raw_id, filename)): Path<(String, String)>,
) -> AppResult<Response> {
    let missing = || AppError::not_found("您要下载的附件不存在或所属信息尚未公开。");
    let id = parse_id(&raw_id).ok_or_else(missing)?;
    let a = attachments::get(&state.db, id).await?.ok_or_else(missing)?;
    if a.owner_type != OBJECT_TYPE || a.filename != filename {
        return Err(missing());
    }
    if catalog::get_published(&state.db, site.scope(), a.owner_id)
        .await?
        .is_none()
    {
        return Err(missing());
    }
    let bytes = read_stored(&state, &a.sha256, missing).await?;
    let media = if a.media_type.starts_with("text/") && !a.media_type.contains("charset") {
        format!("{}; charset=utf-8", a.media_type)
    } else {
        a.media_type.clone()
    };
    Ok(public_file(
        bytes,
        &media,
        Some(content_disposition(&a.media_type, &a.filename)),
    ))
}

/// The bytes of a content-addressed file under the data folder, checked against its digest
/// (`missing` when the file is not there).
pub(crate) async fn read_stored(
    state: &AppState,
    sha256: &str,
    missing: impl Fn() -> AppError,
) -> AppResult<Vec<u8>> {
    let data_dir = state.config.data_dir.clone();
    let sha = sha256.to_string();
    tokio::task::spawn_blocking(move || attachments::read_verified(&data_dir, &sha))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| match e {
            attachments::AttachmentError::NotFound(_) => missing(),
            other => AppError::internal(other),
        })
}

/// A public file: its media type, `nosniff`, a short public cache and, when given, its
/// `Content-Disposition`.
pub(crate) fn public_file(
    body: impl IntoResponse,
    media: &str,
    disposition: Option<String>,
) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(v) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(0), "0 字节");
        assert_eq!(human_size(1023), "1023 字节");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MB");
    }

    #[test]
    fn disposition_names_the_file_in_utf8() {
        assert_eq!(
            content_disposition("application/pdf", "通知 附件.pdf"),
            "inline; filename=\"download.pdf\"; filename*=UTF-8''%E9%80%9A%E7%9F%A5%20%E9%99%84%E4%BB%B6.pdf"
        );
        assert!(content_disposition("text/plain", "a.txt").starts_with("attachment;"));
    }

    proptest! {
        /// Whatever the stored name, the header value is visible ASCII without quotes or
        /// separators that could end the parameter early, and decodes back to the name.
        #[test]
        fn disposition_is_a_valid_header(name in "\\PC{1,40}") {
            let v = content_disposition("application/pdf", &name);
            prop_assert!(HeaderValue::from_str(&v).is_ok());
            let encoded = v.split("UTF-8''").nth(1).unwrap_or_default();
            prop_assert!(!encoded.contains(['"', ';', ' ', ',']));
            prop_assert_eq!(percent_decode(encoded), name);
        }

        /// The download path always decodes back to the stored file name.
        #[test]
        fn file_href_round_trips(name in "\\PC{1,40}") {
            let href = file_href(7, &name);
            let seg = href.strip_prefix("/files/7/").unwrap_or_default();
            prop_assert!(!seg.contains(['/', '?', '#', ' ']));
            let decoded = percent_decode(seg);
            prop_assert_eq!(decoded, name);
        }
    }

    fn percent_decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 3 <= b.len() {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(h, 16).unwrap_or(0));
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
