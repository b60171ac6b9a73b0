//! The public read API: `/api/v1/stories` and `/api/v1/topics`, what any
//! reader's site shows, as JSON. No authentication; only stories on the
//! site; answers may be cached for a minute.

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::content::{Image, TopicRef, markdown, slug};
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::compress_dynamic;

/// Stories per page of the list.
const PAGE_SIZE: i64 = 20;
/// How long shared caches may keep an answer.
const CACHE_CONTROL: &str = "public, max-age=60";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/stories", get(list_stories))
        .route("/api/v1/stories/{slug}", get(show_story))
        .route(
            "/api/v1/stories/{slug}/entries",
            get(super::live::list_entries),
        )
        .route("/api/v1/topics", get(list_topics))
        // Compressed per request: these answers carry no secret (no BREACH).
        .layer(axum::middleware::from_fn(compress_dynamic::compress))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    page: Option<String>,
    topic: Option<String>,
}

/// `GET /api/v1/stories?page=&topic=`: published stories, newest first.
async fn list_stories(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let page = match params
        .page
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => 1,
        Some(p) => p.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("page: {p:?} is not a whole number from 1"),
            )
        })?,
    };
    let now = Utc::now();
    let topic = match params.topic.as_deref().filter(|t| !t.is_empty()) {
        Some(topic_slug) => Some(
            state
                .store
                .topic_by_slug(topic_slug, now)
                .await?
                .ok_or_else(|| not_found("there is no such topic"))?,
        ),
        None => None,
    };
    let listed = state
        .store
        .published_stories(
            topic.as_ref().map(|t| t.id),
            now,
            PAGE_SIZE,
            (page - 1).saturating_mul(PAGE_SIZE),
        )
        .await?;
    let stories: Vec<Value> = listed
        .stories
        .iter()
        .map(|s| {
            json!({
                "slug": s.slug,
                "url": state.config.absolute(&s.path()),
                "headline": s.headline,
                "standfirst": s.standfirst,
                "image": image_json(&state, s.image.as_ref()),
                "authors": s.authors,
                "topics": topics_json(&state, &s.topics),
                "sample": s.sample,
                "published_at": time(s.published_at),
                "updated_at": s.updated_at.map(time),
            })
        })
        .collect();
    Ok(public(json!({
        "stories": stories,
        "page": page,
        "pages": ((listed.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        "total": listed.total,
    })))
}

/// `GET /api/v1/stories/{slug}`: one published story, its body as the
/// site's sanitised HTML (links made absolute).
async fn show_story(
    State(state): State<AppState>,
    Path(story_slug): Path<String>,
) -> Result<Response, ApiError> {
    let missing = || not_found("there is no such story");
    if !slug::is_valid(&story_slug) {
        return Err(missing());
    }
    let now = Utc::now();
    let story = state
        .store
        .story_by_slug(&story_slug)
        .await?
        .filter(|s| s.is_visible(now))
        .ok_or_else(missing)?;
    let correction = state.store.story_correction(story.id).await?;
    Ok(public(json!({
        "slug": story.slug,
        "url": state.config.absolute(&story.path()),
        "headline": story.headline,
        "standfirst": story.standfirst,
        "image": image_json(&state, story.image.as_ref()),
        "authors": story.authors,
        "topics": topics_json(&state, &story.topics),
        "sample": story.sample,
        "published_at": story.published_at.map(time),
        "updated_at": story.updated_at.map(time),
        "body_html": markdown::render_body_absolute(&story.body_markdown, &state.config.base_url),
        "call_to_action": story.call_to_action.as_ref().map(|c| json!({
            "text": c.text,
            "url": if c.url.starts_with('/') { state.config.absolute(&c.url) } else { c.url.clone() },
        })),
        "correction": correction.map(|c| json!({"text": c.text, "at": time(c.at)})),
    })))
}

/// `GET /api/v1/topics`: every topic by name, with its published stories.
async fn list_topics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let topics: Vec<Value> = state
        .store
        .topics(Utc::now())
        .await?
        .iter()
        .map(|t| {
            json!({
                "slug": t.slug,
                "name": t.name,
                "description": t.description,
                "url": state.config.absolute(&format!("/topics/{}", t.slug)),
                "story_count": t.story_count,
            })
        })
        .collect();
    Ok(public(json!({ "topics": topics })))
}

fn public(body: Value) -> Response {
    ([(header::CACHE_CONTROL, CACHE_CONTROL)], Json(body)).into_response()
}

fn not_found(message: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
}

pub(super) fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn image_json(state: &AppState, image: Option<&Image>) -> Value {
    match image {
        Some(image) => json!({
            "url": if image.src.starts_with('/') {
                state.config.absolute(&image.src)
            } else {
                image.src.clone()
            },
            "alt": image.alt,
            "credit": image.credit,
        }),
        None => Value::Null,
    }
}

fn topics_json(state: &AppState, topics: &[TopicRef]) -> Vec<Value> {
    topics
        .iter()
        .map(|t| json!({"slug": t.slug, "name": t.name, "url": state.config.absolute(&t.path())}))
        .collect()
}
