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
use chrono::Utc;
use serde_json::json;

use super::values::{path_id, time, unix_time};
use crate::editorial;
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

async fn create_link(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "story")?;
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
    let id = path_id(&id, "story")?;
    let links = editorial::live_preview_links(&state.store, &who, id, Utc::now()).await?;
    let links: Vec<_> = links
        .iter()
        .map(
            |l| json!({"id": l.id, "created_at": unix_time(l.created_at), "expires_at": unix_time(l.expires_at)}),
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
    let id = path_id(&id, "story")?;
    let link_id = path_id(&link_id, "preview link")?;
    editorial::revoke_preview_link(&state.store, &who, id, link_id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
