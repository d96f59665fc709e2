//! API 令牌: each staff member manages their own tokens for the JSON API (`/api/v1`).
//!
//! Rule: a token acts with its owner's grants, so anyone who may open the console (`ViewConsole`)
//! may create, list and revoke their OWN tokens, never someone else's. The plain token is shown
//! exactly once, on the page that answers the creation; only its hash is stored. Creation and
//! revocation are audited by the store in the same transaction.

use crate::AppState;
use crate::error::AppResult;
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
use gongkai_store::StoreError;
use gongkai_store::api_tokens::{self, ApiToken};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
}

struct TokenRow {
    token: ApiToken,
    created: String,
    last_used: String,
    revoked: String,
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage {
    layout: Layout,
    rows: Vec<TokenRow>,
    /// The token just created, shown once.
    created: Option<String>,
    name: String,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    created: Option<String>,
    name: String,
    error: Option<String>,
    flash: Option<String>,
) -> AppResult<TokensPage> {
    let rows = api_tokens::list_for_user(&state.db, staff.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            created: cst(t.created_at),
            last_used: t.last_used_at.map(cst).unwrap_or_else(|| "—".into()),
            revoked: t.revoked_at.map(cst).unwrap_or_default(),
            token: t,
        })
        .collect();
    let mut layout = staff.layout("API 令牌");
    layout.flash = flash;
    Ok(TokensPage {
        layout,
        rows,
        created,
        name,
        error,
    })
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// My API tokens and the form for a new one.
async fn list_tokens(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    staff.require(Action::ViewConsole, None)?;
    let flash = (q.done.as_deref() == Some("revoked"))
        .then(|| "令牌已吊销，使用它的程序将无法再访问接口。".to_string());
    render(&page(&state, &staff, None, String::new(), None, flash).await?)
}

#[derive(Deserialize)]
struct NewToken {
    #[serde(default)]
    name: String,
}

/// Creates a token and shows it once.
async fn create_token(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<NewToken>,
) -> AppResult<Response> {
    staff.require(Action::ViewConsole, None)?;
    let mut tx = state.db.begin().await?;
    match api_tokens::create(&mut tx, &staff.actor(), staff.user.id, &f.name).await {
        Ok((token, _)) => {
            tx.commit().await?;
            let flash = Some("令牌已创建。请立即复制保存，离开本页后将无法再次查看。".to_string());
            render(&page(&state, &staff, Some(token), String::new(), None, flash).await?)
        }
        Err(StoreError::Invalid(m)) => {
            drop(tx);
            let p = page(&state, &staff, None, f.name, Some(format!("{m}。")), None).await?;
            render_with_status(&p, StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e.into()),
    }
}

/// Revokes one of my tokens.
async fn revoke_token(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    staff.require(Action::ViewConsole, None)?;
    let mut tx = state.db.begin().await?;
    api_tokens::revoke(&mut tx, &staff.actor(), staff.user.id, id).await?;
    tx.commit().await?;
    Ok(see_other("/admin/tokens?done=revoked"))
}
