//! The editor's autosave and who-else-is-editing, for its script:
//! `POST /newsroom/stories/{id}/autosave` keeps the form as typed (field
//! `autosave=changes`), or only says the editor is still open
//! (`check-in`, every half minute) or has left (`leaving`); each answers
//! JSON with the story's version and who else has it open. A new story
//! becomes a draft on its first autosave (`POST
//! /newsroom/stories/new/autosave`). The form's own CSRF field
//! authenticates them, so the browser can send the last one with
//! `navigator.sendBeacon` as the page goes away. `POST
//! /newsroom/stories/{id}/autosave/discard` drops kept changes.

use crate::web::refusals::form_status_of;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use chrono::Utc;
use chrono_tz::Tz;
use serde_json::json;

use super::form::Fields;
use super::page_error;
use super::story_form::StoryForm;
use crate::content::dates;
use crate::editorial::{self, EditingState, EditorialError};
use crate::site::templates::join_names;
use crate::web::AppState;
use crate::web::NewsroomUser;
use crate::web::csrf::CsrfForm;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/stories/new/autosave", post(autosave_new))
        .route("/newsroom/stories/{id}/autosave", post(autosave_story))
        .route("/newsroom/stories/{id}/autosave/discard", post(discard))
}

/// Fields of the editor's form that are not the story's content.
const NOT_CONTENT: [&str; 4] = ["csrf", "action", "autosave", "version"];

/// The story's content fields, as typed.
fn content(fields: &Fields) -> Vec<(String, String)> {
    fields
        .0
        .iter()
        .filter(|(name, _)| !NOT_CONTENT.contains(&name.as_str()))
        .cloned()
        .collect()
}

/// `POST /newsroom/stories/{id}/autosave`.
async fn autosave_story(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return failed(&EditorialError::NotFound("story"));
    };
    let fields = Fields(fields);
    let base_version = fields.get("version").trim().parse::<i64>().unwrap_or(0);
    let now = Utc::now();
    let store = &state.store;
    let result = match fields.get("autosave") {
        "check-in" => editorial::check_in(store, &user, id, false, now).await,
        "leaving" => editorial::check_in(store, &user, id, true, now).await,
        _ => editorial::autosave(store, &user, id, &content(&fields), base_version, now).await,
    };
    match result {
        Ok(editing) => {
            let zone = state.config.site.time_zone;
            Json(answer(&editing, base_version, fields.get("autosave"), zone)).into_response()
        }
        Err(e) => failed(&e),
    }
}

/// `POST /newsroom/stories/new/autosave`: the draft, made from the form as
/// a save would make it; refused as a save would be (nothing kept).
async fn autosave_new(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let zone = state.config.site.time_zone;
    let form = StoryForm::of_fields(&Fields(fields));
    let input = form.story_input(false);
    match editorial::create_story(&state.store, &user, input, Utc::now()).await {
        Ok(saved) => (
            StatusCode::CREATED,
            Json(json!({
                "id": saved.id,
                "version": saved.version,
                "url": format!("/newsroom/stories/{}", saved.id),
                "status": format!("Draft saved at {}.", dates::clock(Utc::now(), zone)),
            })),
        )
            .into_response(),
        Err(e) => failed(&e),
    }
}

/// `POST /newsroom/stories/{id}/autosave/discard`: back to the story as
/// saved.
async fn discard(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let result = match id.parse::<i64>() {
        Ok(id) => editorial::discard_autosave(&state.store, &user, id)
            .await
            .map(|()| id),
        Err(_) => Err(EditorialError::NotFound("story")),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/newsroom/stories/{id}?done=discarded")).into_response(),
        Err(e) => page_error(&state, &user, e),
    }
}

/// The script's answer: what to say, and the version to save over.
fn answer(editing: &EditingState, base_version: i64, kind: &str, zone: Tz) -> serde_json::Value {
    let others = others_notice(editing);
    let newer = base_version > 0 && editing.version != base_version;
    let newer_text = if newer {
        format!(
            "{} saved a newer version. When you save, yours is not stored over it: you will see what differs first.",
            editing.saved_by.as_deref().unwrap_or("Someone else")
        )
    } else {
        String::new()
    };
    let status = match kind {
        "check-in" | "leaving" => String::new(),
        _ => format!(
            "Changes kept at {}: not yet saved to the story. Save to keep them.",
            dates::clock(Utc::now(), zone)
        ),
    };
    json!({
        "version": editing.version,
        "newer": newer,
        "newer_text": newer_text,
        "others": others,
        "status": status,
    })
}

/// An error the script shows in the editor's status line.
fn failed(e: &EditorialError) -> Response {
    let status = form_status_of(e);
    let message = match status {
        StatusCode::INTERNAL_SERVER_ERROR => {
            tracing::error!(error = %e, "autosave failed");
            "Your changes could not be kept just now; they are still in the form.".to_owned()
        }
        _ => format!("Not kept: {e}."),
    };
    (
        status,
        Json(json!({"error": {"code": e.code(), "message": message}})),
    )
        .into_response()
}

/// "Ana is also editing this story.", or nothing when no one else is.
pub fn others_notice(editing: &EditingState) -> String {
    let names: Vec<String> = editing.others.iter().map(|o| o.name.clone()).collect();
    let (who, verb, one) = match names.len() {
        0 => return String::new(),
        1 => (names[0].clone(), "is", "they save"),
        _ => (join_names(&names), "are", "one of them saves"),
    };
    format!(
        "{who} {verb} also editing this story. If {one} first, your save shows you what differs before anything is replaced."
    )
}

/// The flash shown when the editor opens with kept changes.
pub fn restored_message(pending: &editorial::Pending, zone: Tz) -> String {
    format!(
        "Your unsaved changes from {} are back in the form. Save to keep them, or discard them.",
        dates::full(pending.saved_at, zone)
    )
}
