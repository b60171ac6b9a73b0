//! `/api/v1/admin/stories/{id}/entries` and `/end-live`: a live story's
//! entries, over [`crate::editorial::live`]. A contributor's entry is a
//! draft; an editor's or admin's is posted unless it asks `"draft": true`,
//! and `PATCH` with `"post": true` posts a draft. Errors carry the
//! service's codes (`story_not_live`, `live_ended`, `entry_deleted`,
//! `invalid_entry` with its `fields`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use chrono::Utc;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::stories::{STORY_BODY_LIMIT, private};
use super::values::{path_id, time};
use crate::api::parse_json;
use crate::editorial::live::{self, EntryChanges, NewEntry, WrittenEntry};
use crate::store::LiveEntryRecord;
use crate::web::api_error::ApiError;
use crate::web::{ApiUser, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/stories/{id}/entries",
            post(create_entry).get(list_entries),
        )
        .route(
            "/api/v1/admin/stories/{id}/entries/{entry_id}",
            patch(update_entry).delete(delete_entry),
        )
        .route("/api/v1/admin/stories/{id}/end-live", post(end_live))
        .layer(DefaultBodyLimit::max(STORY_BODY_LIMIT))
}

type Answer = Result<Response, ApiError>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryBody {
    title: Option<String>,
    body_markdown: String,
    #[serde(default)]
    key_event: bool,
    #[serde(default)]
    breaking: bool,
    #[serde(default)]
    draft: bool,
}

/// `POST /api/v1/admin/stories/{id}/entries`: 201 with the entry's `id`,
/// `state`, `published_at` and `url`.
async fn create_entry(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = body?;
    let story_id = path_id(&id, "story")?;
    let body: EntryBody = parse_json(&body)?;
    let entry = NewEntry {
        title: body.title,
        body_markdown: body.body_markdown,
        key_event: body.key_event,
        breaking: body.breaking,
        draft: body.draft,
    };
    let written = live::post_entry(&state.store, &who, story_id, entry, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(entry_json(&state, &written)),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryPatch {
    /// Absent: unchanged; `null`: removed.
    #[serde(default, deserialize_with = "present")]
    title: Option<Option<String>>,
    body_markdown: Option<String>,
    key_event: Option<bool>,
    breaking: Option<bool>,
    #[serde(default)]
    post: bool,
}

/// A field that is present, even as `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `PATCH /api/v1/admin/stories/{id}/entries/{entry_id}`: the fields
/// given change; `"post": true` posts a draft.
async fn update_entry(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path((id, entry_id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = body?;
    let story_id = path_id(&id, "story")?;
    let entry_id = path_id(&entry_id, "entry")?;
    let patch: EntryPatch = parse_json(&body)?;
    let changes = EntryChanges {
        title: patch.title,
        body_markdown: patch.body_markdown,
        key_event: patch.key_event,
        breaking: patch.breaking,
        post: patch.post,
    };
    let written =
        live::edit_entry(&state.store, &who, story_id, entry_id, changes, Utc::now()).await?;
    Ok(private(entry_json(&state, &written)))
}

/// `DELETE /api/v1/admin/stories/{id}/entries/{entry_id}`: the entry
/// leaves the site.
async fn delete_entry(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path((id, entry_id)): Path<(String, String)>,
) -> Answer {
    let story_id = path_id(&id, "story")?;
    let entry_id = path_id(&entry_id, "entry")?;
    let written = live::delete_entry(&state.store, &who, story_id, entry_id, Utc::now()).await?;
    Ok(private(entry_json(&state, &written)))
}

/// `GET /api/v1/admin/stories/{id}/entries`: the live desk's list, newest
/// first, drafts included (a contributor's own only), deleted ones not.
async fn list_entries(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Answer {
    let story_id = path_id(&id, "story")?;
    let desk = live::desk_entries(&state.store, &who, story_id, Utc::now()).await?;
    let story = &desk.story;
    let story_path = story.path();
    Ok(private(json!({
        "story": {
            "id": story.id,
            "url": state.config.absolute(&story_path),
            "live_ended_at": story.live_ended_at.map(time),
        },
        "followers": desk.followers,
        "entries": desk.entries
            .iter()
            .map(|entry| entry_record_json(&state, &story_path, entry))
            .collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/admin/stories/{id}/end-live`: the coverage ends now.
async fn end_live(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Answer {
    let story_id = path_id(&id, "story")?;
    let ended_at = live::end_coverage(&state.store, &who, story_id, Utc::now()).await?;
    Ok(private(
        json!({"id": story_id, "live_ended_at": time(ended_at)}),
    ))
}

/// An entry as the newsroom sees it.
fn entry_json(state: &AppState, written: &WrittenEntry) -> Value {
    entry_record_json(state, &written.story_path, &written.entry)
}

/// Entry `entry` of the story at `story_path`, as the newsroom sees it.
fn entry_record_json(state: &AppState, story_path: &str, entry: &LiveEntryRecord) -> Value {
    json!({
        "id": entry.id,
        "state": entry.state.as_str(),
        "url": state.config.absolute(&format!("{story_path}#entry-{}", entry.id)),
        "title": entry.title,
        "body_markdown": entry.body_markdown,
        "key_event": entry.key_event,
        "breaking": entry.breaking,
        "author": {"id": entry.author_id, "name": entry.author_name},
        "published_at": entry.published_at.map(time),
        "updated_at": time(entry.updated_at),
        "seq": entry.seq,
    })
}
