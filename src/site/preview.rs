//! `/preview/{token}`: a draft shown to whoever holds a preview link the
//! newsroom shared, without a login. Never indexed (`noindex` in the page
//! and `X-Robots-Tag`), never cached, and no referrer carries the token
//! away. Once the story is published the link leads to it; expired,
//! revoked and unknown links get the same page.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;

use super::pages::{StoryMode, story_html};
use crate::editorial::{self, EditorialError, PreviewTarget};
use crate::web::AppState;
use crate::web::page_error::{AppError, ErrorInfo};

/// `GET /preview/{token}`.
pub async fn show_preview(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let target = editorial::open_preview_link(&state.store, &token, Utc::now())
        .await
        .map_err(|e| match e {
            EditorialError::Store(e) => AppError::Store(e),
            _ => AppError::NotFound,
        })?;
    let mut response = match target {
        PreviewTarget::Draft(story) => {
            Html(story_html(&state, *story, StoryMode::Preview).await?).into_response()
        }
        PreviewTarget::Published(path) => Redirect::to(&path).into_response(),
        PreviewTarget::Gone => {
            let mut response = StatusCode::NOT_FOUND.into_response();
            response.extensions_mut().insert(ErrorInfo {
                heading: "This preview has ended",
                message: "The link has expired or was withdrawn. Ask the newsroom for a new one; once the story is published it is on the site."
                    .to_owned(),
            });
            response
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}
