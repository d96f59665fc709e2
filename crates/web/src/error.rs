//! The one error type at the HTTP edge.
//!
//! Policy: library crates return their own `thiserror` enums; handlers convert them into
//! [`AppError`], which carries an HTTP status, a stable machine code and a Chinese message for the
//! person who meets it. The portal and console render it as a Chinese error page; the API router
//! turns the same error into `{"error": "<code>", "message": "<中文>"}` (see `api::json_errors`).
//! Internal details never reach the response: a 500 is logged with its cause and shown as a
//! generic apology.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gongkai_store::StoreError;

/// An error that ends a request.
#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    /// Identity and certificate numbers in the message are masked (issue #13): a message may
    /// echo what a person typed, and no error page or API error may carry a full number.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        let message = message.into();
        let message = match gongkai_core::mask::redact_id_numbers(&message) {
            std::borrow::Cow::Borrowed(_) => message,
            std::borrow::Cow::Owned(masked) => masked,
        };
        AppError {
            status,
            code,
            message,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn forbidden() -> AppError {
        AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "您没有执行此操作的权限。如需开通，请联系系统管理员。",
        )
    }

    pub fn unauthorized() -> AppError {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录，或提供有效的 API 令牌。",
        )
    }

    pub fn csrf() -> AppError {
        AppError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "表单已过期或来源无法确认，请返回上一页刷新后重新提交。",
        )
    }

    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn too_many(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message)
    }

    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        tracing::error!(%cause, "internal error");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "系统暂时无法完成您的请求，请稍后再试。如问题持续，请联系政务公开办公室。",
        )
    }

    /// A write that failed for lack of disk space (507): nothing was saved, and the person is
    /// told so rather than shown an internal error.
    pub fn storage_full(cause: impl std::fmt::Display) -> AppError {
        tracing::error!(%cause, "storage full");
        AppError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "insufficient_storage",
            "服务器存储空间不足，本次提交的内容没有保存。请稍后重试；如问题持续，请联系系统管理员。",
        )
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> AppError {
        tracing::warn!(%cause, "service unavailable");
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "系统繁忙或正在维护，请稍后再试。",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.message)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Invalid(m) => AppError::bad_request(m),
            StoreError::NotFound(m) => AppError::not_found(m),
            StoreError::Conflict(m) => AppError::conflict(m),
            e if e.is_unavailable() => AppError::unavailable(e),
            e if e.is_storage_full() => AppError::storage_full(e),
            other => AppError::internal(other),
        }
    }
}

/// A form that could not be read (`gongkai_core::forms`): the Chinese message, 400.
impl From<gongkai_core::forms::FormError> for AppError {
    fn from(e: gongkai_core::forms::FormError) -> AppError {
        AppError::bad_request(e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::internal(format!("template: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        crate::page::error_page(&self)
    }
}

pub type AppResult<T> = Result<T, AppError>;
