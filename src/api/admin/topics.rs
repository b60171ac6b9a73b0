//! `/api/v1/admin/topics`: topics with their followers, for everyone in the
//! newsroom; created, renamed and described by editors.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use chrono::Utc;
use serde_json::{Value, json};

use crate::api::{MAX_BODY_BYTES, parse_json};
use crate::content::Topic;
use crate::editorial::{self, NewTopic, TopicChanges};
use crate::web::ApiUser;
use crate::web::AppState;
use crate::web::api_error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/topics", get(list_topics).post(create_topic))
        .route("/api/v1/admin/topics/{slug}", patch(update_topic))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// `GET /api/v1/admin/topics`: every topic by name, with its visible
/// stories and its followers.
async fn list_topics(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
) -> Result<Response, ApiError> {
    let topics = editorial::list_topics(&state.store, &who, Utc::now()).await?;
    let topics: Vec<Value> = topics
        .iter()
        .map(|listing| {
            let mut value = topic_json(&state, &listing.topic);
            value["followers"] = json!(listing.followers);
            value
        })
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "topics": topics })),
    )
        .into_response())
}

/// `POST /api/v1/admin/topics` `{"name": "…", "slug": "…", "description": "…"}`:
/// 201 with the topic. Editors only.
async fn create_topic(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let new: NewTopic = parse_json(&body)?;
    let topic = editorial::create_topic(&state.store, &who, new, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(topic_json(&state, &topic)),
    )
        .into_response())
}

/// `PATCH /api/v1/admin/topics/{slug}` `{"name": "…", "description": "…"}`:
/// the slug stays. Editors only.
async fn update_topic(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(slug): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let changes: TopicChanges = parse_json(&body)?;
    let topic = editorial::update_topic(&state.store, &who, &slug, changes, Utc::now()).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(topic_json(&state, &topic)),
    )
        .into_response())
}

fn topic_json(state: &AppState, topic: &Topic) -> Value {
    json!({
        "slug": topic.slug,
        "name": topic.name,
        "description": topic.description,
        "url": state.config.absolute(&format!("/topics/{}", topic.slug)),
        "story_count": topic.story_count,
    })
}
