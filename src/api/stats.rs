//! Notification numbers: a story's push stats for the newsroom, and the
//! Prometheus metrics of the delivery engine.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use chrono::Utc;

use crate::accounts::secret::same_secret;
use crate::editorial;
use crate::store::PushStats;
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::extract::bearer_token;

/// `GET /api/v1/stories/{id}/push-stats`: queued, sent, delivered, gone,
/// failed, retrying and clicked, and each shard's progress, of a story on
/// the site (a draft's or a scheduled story's are the admin API's).
pub async fn show_push_stats(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_story_id", "a story id is a whole number"))?;
    let Some(stats) = editorial::public_push_stats(&state.store, id, Utc::now()).await? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_story",
            "there is no such story",
        ));
    };
    Ok(stats_answer(id, stats))
}

/// The push stats of story `id` as the API answers them.
pub fn stats_answer(id: i64, stats: PushStats) -> Response {
    let mut stats = serde_json::to_value(stats).unwrap_or_default();
    stats["story_id"] = id.into();
    ([(header::CACHE_CONTROL, "no-store")], Json(stats)).into_response()
}

/// `GET /metrics`: the Prometheus text format, for a caller that sends the
/// configured `metrics_token` as `Authorization: Bearer`. Without a
/// configured token the metrics are not served: they tell outsiders which
/// push services a site uses and how busy it is.
pub async fn show_metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(expected) = &state.config.metrics_token else {
        return Err(ApiError::forbidden(
            "metrics_disabled",
            "/metrics is off on this address: set metrics_token (HERALD_METRICS_TOKEN) and send it as Authorization: Bearer, or serve it on a private address with metrics_bind",
        ));
    };
    let sent = bearer_token(&headers).unwrap_or_default();
    if !same_secret(expected.trim(), sent) {
        return Err(ApiError::unauthorized(
            "unauthenticated",
            "send the metrics token as Authorization: Bearer",
        ));
    }
    metrics_page(&state).await
}

/// `GET /metrics` on the `metrics_bind` address: no token, since that
/// address is reachable only from the operator's private network.
pub async fn show_private_metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    metrics_page(&state).await
}

/// The metrics in Prometheus's text format, the queue depth read now.
async fn metrics_page(state: &AppState) -> Result<Response, ApiError> {
    let metrics = &state.push.metrics;
    let (shards, retries) = state.store.queue_depth().await?;
    metrics.pending_shards.set(shards);
    metrics.pending_retries.set(retries);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        metrics.encode(&[state.pages.metrics.registry(), state.live.registry()]),
    )
        .into_response())
}
