//! The simplified reading view of an item, `/items/{id}/read` (MIIT 适老化 "简洁阅读"): the
//! title, who published it and when, the validity marking, the body and the attachments, in
//! large type with wide line spacing and without the site navigation. It follows the same public
//! rule as the item page (`catalog::public_view`): anything not public is the same 404, and a
//! withdrawn item sends the reader to the full page, which explains the withdrawal (410).

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::Path;
use crate::page::{Layout, render, see_other};
use crate::portal::item::{
    NOT_PUBLIC, Recording, ValidityMark, file_href, kind_label, parse_id, recordings,
};
use crate::session::PublicCtx;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use gongkai_core::items::Validity;
use gongkai_store::attachments::{self, Owner};
use gongkai_store::items::OBJECT_TYPE;
use gongkai_store::items::catalog::{self, PublicView};

pub struct ReaderFile {
    pub href: String,
    pub filename: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "portal/reader.html")]
struct ReaderPage {
    layout: Layout,
    byline: String,
    mark: Option<ValidityMark>,
    body: String,
    files: Vec<ReaderFile>,
    recordings: Vec<Recording>,
    full_href: String,
}

/// `/items/{id}/read`.
pub async fn show_reader(
    State(state): State<AppState>,
    ctx: PublicCtx,
    Path(raw): Path<String>,
) -> AppResult<Response> {
    let Some(id) = parse_id(&raw) else {
        return Err(AppError::not_found(NOT_PUBLIC));
    };
    let p = match catalog::public_view(&state.db, ctx.scope(), id).await? {
        PublicView::Published(p) => p,
        PublicView::Withdrawn { .. } => {
            return Ok(see_other(&ctx.site.href(&format!("/items/{id}"))));
        }
        PublicView::NotFound => return Err(AppError::not_found(NOT_PUBLIC)),
    };
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
        .map(|a| ReaderFile {
            href: file_href(a.id, &a.filename),
            kind: kind_label(&a.media_type),
            filename: a.filename,
        })
        .collect();
    let byline = match p.item.published_on.as_deref() {
        Some(on) if !on.is_empty() => format!("{} · {} 发布", p.item.publisher_name, on),
        _ => p.item.publisher_name.clone(),
    };
    // Sanitised again at render time, as on the item page.
    let body = gongkai_core::richtext::sanitize(&p.revision.body_html).html;
    render(&ReaderPage {
        layout: ctx.layout(&p.revision.title),
        byline,
        mark,
        body,
        files,
        recordings,
        full_href: format!("/items/{id}"),
    })
}
