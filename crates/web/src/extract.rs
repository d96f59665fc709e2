//! House extractors: axum's `Form`, `Query`, `Path` and `Json` with rejections turned into our
//! Chinese [`AppError`]s instead of English plain text.

use crate::error::AppError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A URL-encoded form body, decoded by `gongkai_core::forms::decode` (the step the fuzz
/// targets run).
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::RawForm::from_request(req, state).await {
            Ok(axum::extract::RawForm(bytes)) => Ok(Form(gongkai_core::forms::decode(&bytes)?)),
            Err(e) => Err(AppError::bad_request(format!(
                "提交的表单内容无法识别，请检查后重新提交。（{}）",
                e.body_text()
            ))),
        }
    }
}

/// Query-string parameters.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(_) => Err(AppError::bad_request(
                "网址中的查询参数格式不正确，请检查链接是否完整。",
            )),
        }
    }
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(AppError::not_found(
                "您访问的页面不存在，请检查网址是否正确。",
            )),
        }
    }
}

/// A JSON body (API).
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(e) => Err(AppError::bad_request(format!(
                "请求体不是有效的 JSON 或字段不符合要求：{}",
                e.body_text()
            ))),
        }
    }
}
