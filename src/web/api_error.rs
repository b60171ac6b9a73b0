//! API errors are data: `{"error": {"code": "…", "message": "…"}}`, with
//! stable codes (documented in the OpenAPI document) and a status. A 5xx
//! says nothing of its cause; the cause is logged once, here.

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::content::images::ImageError;
use crate::store::StoreError;
use crate::subscriptions::follows::PushError;
use crate::subscriptions::story_follows::StoryFollowError;

/// An API error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// More members of the error object, such as `fields` (each field at
    /// fault with its message) or `conflict`; the OpenAPI document says
    /// which codes carry which.
    pub details: serde_json::Map<String, serde_json::Value>,
    /// When to try again, sent as `Retry-After` (whole seconds, at least 1).
    pub retry_after: Option<std::time::Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: serde_json::Map::new(),
            retry_after: None,
        }
    }

    /// Says when to try again (`Retry-After`).
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> ApiError {
        self.retry_after = Some(wait);
        self
    }

    /// Adds `key` to the error object.
    pub fn with_detail(mut self, key: &str, value: serde_json::Value) -> ApiError {
        self.details.insert(key.to_owned(), value);
        self
    }

    /// Names the fields at fault, each with its message (`fields`).
    pub fn with_fields(self, fields: &[crate::content::input::FieldError]) -> ApiError {
        let fields = fields
            .iter()
            .map(|f| serde_json::json!({"field": f.field, "message": f.message}))
            .collect();
        self.with_detail("fields", fields)
    }

    /// 404 `not_found`: no story on the site at the address asked.
    pub fn no_such_story() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "there is no such story")
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: who is asking is unknown (no, a wrong, or a revoked credential).
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: known, but not allowed to do this.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 503 `busy` with `Retry-After: 1`: the database could not take the
    /// request in time ([`StoreError::is_busy`]); nothing was written.
    fn busy(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::warn!(error = %cause, "API request refused: the database is busy");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the site is busy; nothing was changed, please try again in a moment",
        )
        .with_retry_after(std::time::Duration::from_secs(1))
    }

    fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; please try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = self.details;
        error.insert("code".into(), self.code.into());
        error.insert("message".into(), self.message.into());
        let body = serde_json::json!({ "error": error });
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            "no-store".parse().expect("valid header"),
        );
        if let Some(wait) = self.retry_after {
            // Rounded up: a client that waits exactly this long is let in.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.max(1).into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        if e.is_busy() {
            return ApiError::busy(&e);
        }
        ApiError::internal(&e)
    }
}

impl From<PushError> for ApiError {
    fn from(e: PushError) -> ApiError {
        match &e {
            PushError::Store(store) if store.is_busy() => ApiError::busy(&e),
            PushError::Random(_) | PushError::Store(_) => ApiError::internal(&e),
            PushError::EndpointTaken => {
                ApiError::new(StatusCode::CONFLICT, e.code(), e.to_string())
            }
            _ => ApiError::bad_request(e.code(), e.to_string()),
        }
    }
}

impl From<StoryFollowError> for ApiError {
    fn from(e: StoryFollowError) -> ApiError {
        match &e {
            StoryFollowError::UnknownStory => {
                ApiError::new(StatusCode::NOT_FOUND, e.code(), e.to_string())
            }
            StoryFollowError::NotLive | StoryFollowError::Ended(_) => {
                ApiError::new(StatusCode::CONFLICT, e.code(), e.to_string())
            }
            StoryFollowError::Store(_) => ApiError::internal(&e),
        }
    }
}

impl From<ImageError> for ApiError {
    fn from(e: ImageError) -> ApiError {
        match &e {
            ImageError::Encode(_) => ApiError::internal(&e),
            ImageError::TooLarge => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.code(), e.to_string())
            }
            _ => ApiError::bad_request(e.code(), e.to_string()),
        }
    }
}

impl From<crate::accounts::AccountError> for ApiError {
    fn from(e: crate::accounts::AccountError) -> ApiError {
        use crate::accounts::AccountError;
        match &e {
            AccountError::Invalid { .. } => ApiError::bad_request("invalid_input", e.to_string()),
            AccountError::Conflict { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            AccountError::NotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            AccountError::Forbidden(message) => ApiError::forbidden("forbidden", message.clone()),
            AccountError::Store(_) | AccountError::Random(_) | AccountError::Hash(_) => {
                ApiError::internal(&e)
            }
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> ApiError {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(status, "body_too_large", "the request body is too large")
        } else {
            ApiError::new(status, "body_unreadable", rejection.body_text())
        }
    }
}
