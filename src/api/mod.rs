//! The JSON API under `/api/v1/`. Handlers parse, call one domain function,
//! and answer JSON; errors are [`error::ApiError`]s. The OpenAPI document at
//! `/api/v1/openapi.json` describes every route.

pub mod admin;
pub mod live;
pub mod public;
pub mod push;
pub mod search;
pub mod stats;
pub mod story_follows;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;

use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::static_files;

/// The largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every API route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route(
            "/api/v1/push/vapid-public-key",
            get(push::show_vapid_public_key),
        )
        .route(
            "/api/v1/push/subscriptions",
            post(push::create_subscription)
                .get(push::show_subscription)
                .delete(push::delete_subscription),
        )
        .route(
            "/api/v1/push/subscriptions/topics",
            get(push::show_topics).put(push::replace_topics),
        )
        .route(
            "/api/v1/push/subscriptions/stories",
            get(story_follows::list_followed_stories),
        )
        .route(
            "/api/v1/push/subscriptions/stories/{slug}",
            put(story_follows::follow_story).delete(story_follows::unfollow_story),
        )
        .route("/api/v1/push/subscriptions/paused", put(push::set_paused))
        .route(
            "/api/v1/push/subscriptions/preferences",
            get(push::show_preferences).put(push::update_preferences),
        )
        .route("/api/v1/push/subscriptions/missed", get(push::show_missed))
        .route(
            "/api/v1/push/subscriptions/opened",
            post(push::create_opened),
        )
        .route("/api/v1/push/clicks", post(push::create_click))
        .route(
            "/api/v1/stories/{id}/push-stats",
            get(stats::show_push_stats),
        )
        .route("/api/v1/search", get(search::search_stories))
        .route("/metrics", get(stats::show_metrics))
        .merge(public::routes())
        .fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                "no such API route",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // After the layer: admin routes set the body limits they need.
        .merge(admin::router())
}

/// The OpenAPI document, compressed at build time like the site's assets.
async fn openapi(headers: HeaderMap) -> Response {
    static_files::answer(
        "openapi.json",
        "application/json",
        "public, max-age=300",
        &headers,
    )
}

/// Parses a JSON body, naming where it went wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if path == "." {
            format!("the body is not valid JSON of the expected shape: {inner}")
        } else {
            format!("{path}: {inner}")
        };
        ApiError::bad_request("invalid_json", message)
    })
}

/// The router of the `metrics_bind` address: `/metrics` alone, no token.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(stats::show_private_metrics))
        .with_state(state)
}
