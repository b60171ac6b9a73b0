//! The one error type of the reader's site, and how it becomes a response:
//! a status code and an error page. A 5xx page never shows internals; the
//! cause is logged once, here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// Why a page cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("template error: {0}")]
    Render(#[from] askama::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Store(_) | AppError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What the error page says; attached to the response for the error-page
/// layer (see [`crate::server::error_pages`]) to render with the site's chrome.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub heading: &'static str,
    pub message: String,
}

impl ErrorInfo {
    /// The page for a route that matches nothing, or a missing story or topic.
    pub fn not_found() -> ErrorInfo {
        ErrorInfo {
            heading: "Page not found",
            message:
                "There is no page at this address. It may have moved, or the link may be mistyped."
                    .to_owned(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let info = match &self {
            AppError::NotFound => ErrorInfo::not_found(),
            AppError::BadRequest(message) => ErrorInfo {
                heading: "Bad request",
                message: message.clone(),
            },
            AppError::Store(_) | AppError::Render(_) => {
                tracing::error!(error = %self, "request failed");
                ErrorInfo {
                    heading: "Something went wrong",
                    message: "We could not show this page just now. Please try again in a moment."
                        .to_owned(),
                }
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(info);
        response
    }
}
