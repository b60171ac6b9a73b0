//! `?dry_run=true` on the routes that notify readers (publish, send an
//! update): 200 `{"audience": N, "held_now": M}`, whom it would reach now
//! and how many of them their reminder settings would hold, with nothing
//! changed.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::accounts::Principal;
use crate::editorial::{self, Reach};
use crate::web::AppState;
use crate::web::api_error::ApiError;

/// The query of a route that may be dry-run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DryRunQuery {
    #[serde(default)]
    dry_run: bool,
}

/// Whether the caller asked for a dry run (`?dry_run=true`); a malformed
/// query is a 400 that names it.
pub fn requested(query: Result<Query<DryRunQuery>, QueryRejection>) -> Result<bool, ApiError> {
    query
        .map(|Query(q)| q.dry_run)
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
}

/// The dry run's answer for `reach`, counted by
/// [`editorial::count_audience`], as the newsroom's confirmation is.
pub async fn answer(
    state: &AppState,
    who: &Principal,
    reach: &Reach,
) -> Result<Response, ApiError> {
    let policy = &state.config.reminders;
    let count = editorial::count_audience(&state.store, who, reach, policy, Utc::now()).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(count)).into_response())
}
