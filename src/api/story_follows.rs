//! Following a live story, with the subscription's token as for topics:
//! `PUT /api/v1/push/subscriptions/stories/{slug}` follows (201, or 200
//! when it already did), `DELETE` unfollows (204, also when it did not),
//! `GET /api/v1/push/subscriptions/stories` lists the stories followed
//! whose follows have not lapsed. Each key event posted in a followed
//! story is a notification.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::push::{authenticate, no_store};
use crate::content::dates;
use crate::content::model::story_path;
use crate::store::FollowedStory;
use crate::subscriptions::story_follows;
use crate::web::AppState;
use crate::web::api_error::ApiError;

/// `PUT …/stories/{slug}`: follows the live story.
pub async fn follow_story(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    let follow = story_follows::follow(&state.store, record.id, &slug, Utc::now()).await?;
    let mut response = no_store(json!({"story": story_view(&state, &follow.story)}));
    if follow.created {
        *response.status_mut() = StatusCode::CREATED;
    }
    Ok(response)
}

/// `DELETE …/stories/{slug}`: no longer follows it.
pub async fn unfollow_story(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    story_follows::unfollow(&state.store, record.id, &slug, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET …/stories`: the stories followed.
pub async fn list_followed_stories(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = authenticate(&state, &headers).await?;
    let stories = story_follows::followed(&state.store, record.id, Utc::now()).await?;
    let views: Vec<Value> = stories.iter().map(|s| story_view(&state, s)).collect();
    Ok(no_store(json!({"stories": views})))
}

/// A followed story as the API shows it: `live` while its coverage lasts,
/// and when ended, until when it is still followed.
fn story_view(state: &AppState, story: &FollowedStory) -> Value {
    json!({
        "slug": story.slug,
        "headline": story.headline,
        "url": state.config.absolute(&story_path(&story.slug)),
        "live": story.live_ended_at.is_none(),
        "live_ended_at": story.live_ended_at.map(dates::iso),
        "lapses_at": story.live_ended_at.map(|at| dates::iso(story_follows::lapses_at(at))),
        "followed_at": dates::iso(story.followed_at),
    })
}
