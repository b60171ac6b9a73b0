//! The newsroom's push panel over the API: `POST /api/v1/admin/push/preview`
//! (what a notification will say and how much of the payload budget it
//! takes; any role, for the editor's live counter) and
//! `POST /api/v1/admin/stories/{id}/push` (send an update of a published
//! story's notification, replacing it on devices; editors and admins).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::dry_run::{self, DryRunQuery};
use super::values::path_id;
use crate::accounts::Principal;
use crate::api::{MAX_BODY_BYTES, parse_json};
use crate::content::Story;
use crate::delivery::payload::{self, PanelInput};
use crate::editorial::{self, EditorialError};
use crate::store::JobKind;
use crate::web::ApiUser;
use crate::web::AppState;
use crate::web::api_error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/push/preview", post(preview_push))
        .route("/api/v1/admin/stories/{id}/push", post(create_push_update))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviewRequest {
    /// The story being edited, when it has been saved.
    story_id: Option<i64>,
    /// Unsaved changes to the story's headline and standfirst.
    headline: Option<String>,
    standfirst: Option<String>,
    title: Option<String>,
    body: Option<String>,
    #[serde(default)]
    breaking: bool,
    /// Preview an update ("send an update") rather than the first notification.
    #[serde(default)]
    update: bool,
}

/// `POST /api/v1/admin/push/preview`.
async fn preview_push(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: PreviewRequest = parse_json(&body?)?;
    let story = match request.story_id {
        Some(id) => Some(readable_story(&state, &user, id).await?),
        None => None,
    };
    let kind = if request.update {
        JobKind::Update
    } else {
        JobKind::Original
    };
    let (preview, problems) = payload::preview_panel(
        story.as_ref(),
        PanelInput {
            headline: request.headline,
            standfirst: request.standfirst,
            title: request.title,
            body: request.body,
            breaking: request.breaking,
        },
        kind,
        Utc::now().timestamp_millis(),
        &payload::SiteVoice::of(&state.config),
    );
    let mut answer = serde_json::to_value(preview).unwrap_or_default();
    answer["problems"] = problems
        .iter()
        .map(|p| json!({"field": p.field, "message": p.message}))
        .collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRequest {
    title: Option<String>,
    body: Option<String>,
    /// Sends the update to every subscriber with Urgency high; an update of
    /// a story whose notification was breaking is breaking anyway.
    #[serde(default)]
    breaking: bool,
    /// Deliver over this many minutes (0 to 1440); absent: as the story's
    /// last notification was.
    spread_minutes: Option<u32>,
    /// Spread even breaking news; absent: as the last notification.
    spread_breaking: Option<bool>,
}

/// `POST /api/v1/admin/stories/{id}/push`: 202 with the new job's id;
/// with `?dry_run=true`, whom it would reach, and nothing sent.
async fn create_push_update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    query: Result<Query<DryRunQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let dry_run = dry_run::requested(query)?;
    let id = path_id(&id, "story")?;
    let body = body?;
    // No body: the story's current headline and standfirst.
    let request: UpdateRequest = if body.is_empty() {
        UpdateRequest::default()
    } else {
        parse_json(&body)?
    };
    let request = editorial::UpdateRequest {
        title: request.title,
        body: request.body,
        breaking: request.breaking,
        spread_minutes: request.spread_minutes,
        spread_breaking: request.spread_breaking,
    };
    if dry_run {
        let plan = editorial::update_plan(&state.store, &user, id, &request, Utc::now())
            .await
            .map_err(invalid_notification)?;
        return dry_run::answer(&state, &user, &plan).await;
    }
    let job_id = editorial::send_update(&state.store, &user, id, request, Utc::now())
        .await
        .map_err(invalid_notification)?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"job_id": job_id, "story_id": id})),
    )
        .into_response())
}

/// An update's text or spread refused: 400 `invalid_notification`, naming
/// the fields; other errors as everywhere.
fn invalid_notification(e: EditorialError) -> ApiError {
    match e {
        EditorialError::InvalidStory(errors) => {
            ApiError::bad_request("invalid_notification", errors.to_string()).with_fields(&errors.0)
        }
        other => other.into(),
    }
}

/// As the other admin story routes answer for a story that does not exist.
fn unknown_story() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "there is no such story")
}

/// The story, if `who` may read it: others' drafts are `not_found` to a
/// contributor, as everywhere in the newsroom.
async fn readable_story(state: &AppState, who: &Principal, id: i64) -> Result<Story, ApiError> {
    match editorial::get_story(&state.store, who, id, Utc::now()).await {
        Ok(editable) => Ok(editable.story),
        Err(EditorialError::Store(e)) => Err(e.into()),
        Err(_) => Err(unknown_story()),
    }
}
