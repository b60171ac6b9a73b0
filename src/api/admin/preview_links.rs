//! Preview links over the API: `POST /api/v1/admin/stories/{id}/preview-links`
//! → 201 `{"id", "url", "expires_at"}` (the URL shows the draft without a
//! login until it expires, is revoked, or the story is published; it is
//! shown only this once), `GET` the links that still work, and
//! `DELETE …/preview-links/{link_id}` → 204.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use crate::editorial::{self, EditorialError};
use crate::web::ApiUser;
use crate::web::AppState;
use crate::web::api_error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/stories/{id}/preview-links",
            post(create_link).get(list_links),
        )
        .route(
            "/api/v1/admin/stories/{id}/preview-links/{link_id}",
            delete(revoke_link),
        )
}

fn number(text: &str, what: &'static str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| EditorialError::NotFound(what).into())
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn at(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map(time)
        .unwrap_or_default()
}

async fn create_link(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = number(&id, "story")?;
    let link = editorial::create_preview_link(&state.store, &who, id, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "id": link.id,
            "url": state.config.absolute(&link.path),
            "expires_at": time(link.expires_at),
        })),
    )
        .into_response())
}

async fn list_links(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = number(&id, "story")?;
    let links = editorial::live_preview_links(&state.store, &who, id, Utc::now()).await?;
    let links: Vec<_> = links
        .iter()
        .map(
            |l| json!({"id": l.id, "created_at": at(l.created_at), "expires_at": at(l.expires_at)}),
        )
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "links": links })),
    )
        .into_response())
}

async fn revoke_link(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = number(&id, "story")?;
    let link_id = number(&link_id, "preview link")?;
    editorial::revoke_preview_link(&state.store, &who, id, link_id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
