//! The reader's push API: the site's public key, registering a
//! subscription, its topics, pausing, unsubscribing, and clicks. A reader has
//! no account: the token returned at registration, sent as
//! `Authorization: Bearer`, is their credential.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::parse_json;
use crate::content::{TopicRef, dates};
use crate::reminders::preferences::PreferencesPatch;
use crate::store::{Click, OpenedStory, PendingReminder, SubscriptionRecord};
use crate::subscriptions::follows;
use crate::subscriptions::reminder_settings::{self, SettingsError};
use crate::subscriptions::token::token_hash;
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::extract::bearer_token;

pub async fn show_vapid_public_key(State(state): State<AppState>) -> Response {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(json!({"public_key": state.push.public_key})),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSubscription {
    subscription: serde_json::Value,
    #[serde(default)]
    topics: Vec<String>,
}

#[derive(Serialize)]
struct TopicView {
    slug: String,
    name: String,
}

fn topic_views(topics: &[TopicRef]) -> Vec<TopicView> {
    topics
        .iter()
        .map(|t| TopicView {
            slug: t.slug.clone(),
            name: t.name.clone(),
        })
        .collect()
}

pub async fn create_subscription(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: CreateSubscription = parse_json(&body?)?;
    // A caller that proves its current subscription moves it (drift repair).
    let replacing = match bearer_token(&headers) {
        Some(_) => Some(authenticate(&state, &headers).await?.id),
        None => None,
    };
    if replacing.is_none()
        && let Err(wait) = state.push.limiter.allow(peer.ip())
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_registrations",
            "too many subscriptions were registered from this address; try again later",
        )
        .with_retry_after(wait));
    }
    let registration = follows::register(
        &state.store,
        &state.push.allow_list,
        state.config.push.max_topics,
        &request.subscription.to_string(),
        &request.topics,
        replacing,
        Utc::now().timestamp(),
    )
    .await?;
    let status = if registration.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"token": registration.token, "topics": topic_views(&registration.topics)})),
    )
        .into_response())
}

pub async fn show_subscription(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    Ok(no_store(json!({
        "endpoint": record.endpoint,
        "paused": record.paused,
        "topics": topic_views(&record.topics),
    })))
}

pub async fn delete_subscription(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    state.store.delete_subscription(record.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn show_topics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    Ok(no_store(json!({"topics": topic_views(&record.topics)})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplaceTopics {
    topics: Vec<String>,
}

pub async fn replace_topics(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    let request: ReplaceTopics = parse_json(&body?)?;
    let ids =
        follows::topic_ids(&state.store, &request.topics, state.config.push.max_topics).await?;
    state
        .store
        .set_follows(record.id, &ids, Utc::now().timestamp())
        .await?;
    let topics = state.store.followed_topics(record.id).await?;
    Ok(no_store(json!({"topics": topic_views(&topics)})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPaused {
    paused: bool,
}

pub async fn set_paused(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    let request: SetPaused = parse_json(&body?)?;
    state.store.set_paused(record.id, request.paused).await?;
    Ok(no_store(json!({"paused": request.paused})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateClick {
    story_id: i64,
}

/// A notification click, reported by the service worker with the
/// subscription's token; counted once per subscription and published
/// story.
pub async fn create_click(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: CreateClick = parse_json(&body?)?;
    // Only a subscription's service worker reports a click, with the
    // subscription's token: anyone else could inflate the numbers.
    let subscription = authenticate(&state, &headers).await?.id;
    let now = Utc::now().timestamp();
    match state
        .store
        .record_click(request.story_id, subscription, now)
        .await?
    {
        Click::NoStory => return Err(unknown_story()),
        Click::Counted | Click::Again => {}
    }
    // Opened: never reminded of it.
    state
        .store
        .mark_opened(subscription, OpenedStory::Id(request.story_id), now)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn unknown_story() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_story",
        "there is no such story",
    )
}

/// The reader's reminder settings (cap, quiet hours, zone, digest).
pub async fn show_preferences(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    let view = reminder_settings::show(&state.store, &state.config.reminders, record.id).await?;
    Ok(no_store(json!(view)))
}

/// Changes the settings the body names; the others stay.
pub async fn update_preferences(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    let patch: PreferencesPatch = parse_json(&body?)?;
    let view = reminder_settings::update(
        &state.store,
        &state.config.reminders,
        state.config.push.max_topics,
        record.id,
        patch,
    )
    .await
    .map_err(|e| match e {
        SettingsError::Invalid(_) => ApiError::bad_request("invalid_preferences", e.to_string()),
        SettingsError::Store(e) => ApiError::from(e),
    })?;
    Ok(no_store(json!(view)))
}

/// The stories the reader missed: held for later, or sent in a recent digest.
pub async fn show_missed(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    let missed = reminder_settings::missed(&state.store, record.id, Utc::now().timestamp()).await?;
    let now = Utc::now();
    let stories: Vec<serde_json::Value> =
        missed.iter().map(|r| missed_view(&state, r, now)).collect();
    Ok(no_store(json!({"stories": stories})))
}

/// A missed story as the list shows it: each time as an exact instant
/// and, beside it (`…_text`), as the site shows times, relative to `now`,
/// so that the page's script prints the site's style, not the browser's.
fn missed_view(
    state: &AppState,
    reminder: &PendingReminder,
    now: chrono::DateTime<Utc>,
) -> serde_json::Value {
    let at = |seconds: Option<i64>| seconds.and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    let time = |seconds: Option<i64>| at(seconds).map(dates::iso);
    let text = |seconds: Option<i64>| {
        at(seconds).map(|t| dates::relative(t, now, state.config.site.time_zone))
    };
    json!({
        "story_id": reminder.story_id,
        "headline": reminder.headline,
        "url": state.config.absolute(&format!("/stories/{}", reminder.slug)),
        "topics": topic_views(&reminder.topics),
        "published_at": time(reminder.published_at),
        "reason": reminder.reason.as_str(),
        "due_at": time(reminder.due_at),
        "due_at_text": text(reminder.due_at),
        "reminded_at": time(reminder.digested_at),
        "reminded_at_text": text(reminder.digested_at),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateOpened {
    story_id: Option<i64>,
    slug: Option<String>,
}

/// A story the reader opened in this browser (a visit): it will not be
/// reminded.
pub async fn create_opened(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    let request: CreateOpened = parse_json(&body?)?;
    let story = match (&request.story_id, &request.slug) {
        (Some(id), None) => OpenedStory::Id(*id),
        (None, Some(slug)) => OpenedStory::Slug(slug),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_json",
                "send exactly one of story_id and slug",
            ));
        }
    };
    if !state
        .store
        .mark_opened(record.id, story, Utc::now().timestamp())
        .await?
    {
        return Err(unknown_story());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) fn no_store(body: serde_json::Value) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// The subscription the request's token belongs to.
pub(super) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<SubscriptionRecord, ApiError> {
    let token = bearer_token(headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "token_missing",
            "send the subscription's token as Authorization: Bearer <token>",
        )
    })?;
    state
        .store
        .subscription_by_token(&token_hash(token), Utc::now().timestamp())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token_invalid",
                "the token belongs to no subscription; register again",
            )
        })
}
