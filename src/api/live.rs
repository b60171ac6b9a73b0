//! `GET /api/v1/stories/{slug}/entries?after={id}`: a live story's posted
//! entries in the order they were written, after entry `after` (all when
//! absent), for clients that follow the coverage and for the page's
//! fallback without a stream. No authentication; only stories on the
//! site; answers may be cached for a few seconds.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::public::time;
use crate::content::markdown;
use crate::editorial::live;
use crate::web::AppState;
use crate::web::api_error::ApiError;

/// How long shared caches may keep an answer: new entries show soon.
const CACHE_CONTROL: &str = "public, max-age=5";

#[derive(Debug, Deserialize)]
pub struct EntriesParams {
    after: Option<String>,
}

/// The handler of `/api/v1/stories/{slug}/entries`.
pub async fn list_entries(
    State(state): State<AppState>,
    Path(story_slug): Path<String>,
    params: Result<Query<EntriesParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let after = match params.after.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("after: {text:?} is not an entry id (a whole number from 0)"),
                )
            })?,
    };
    let story = live::story_on_the_site(&state.store, &story_slug, Utc::now())
        .await?
        .ok_or_else(ApiError::no_such_story)?;
    let entries = live::posted_entries(&state.store, &story, after).await?;
    let path = story.path();
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "url": state.config.absolute(&format!("{path}#entry-{}", e.id)),
                "title": e.title,
                "body_html": markdown::render_body_absolute(&e.body_markdown, &state.config.base_url),
                "key_event": e.key_event,
                "author": e.author_name,
                "published_at": e.published_at.map(time),
                "updated_at": time(e.updated_at),
            })
        })
        .collect();
    Ok((
        [(header::CACHE_CONTROL, CACHE_CONTROL)],
        Json(json!({
            "slug": story.slug,
            "live": story.live,
            "coverage_ended_at": story.live_ended_at.map(time),
            "entries": entries,
        })),
    )
        .into_response())
}
