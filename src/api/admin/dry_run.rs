//! `?dry_run=true` on the routes that notify readers (publish, send an
//! update): 200 `{"audience": N, "held_now": M, "spread_minutes": S}`,
//! whom it would reach now, how many of them their reminder settings would
//! hold, and over how many minutes it would be spread (0: at once), with
//! nothing changed.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::accounts::Principal;
use crate::editorial::{self, AudienceCount, Plan};
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

/// A dry run's answer.
#[derive(Serialize)]
struct DryRun {
    #[serde(flatten)]
    count: AudienceCount,
    spread_minutes: u32,
}

/// The dry run's answer for `plan`, counted by
/// [`editorial::count_audience`], as the newsroom's confirmation is.
pub async fn answer(state: &AppState, who: &Principal, plan: &Plan) -> Result<Response, ApiError> {
    let policy = &state.config.reminders;
    let count =
        editorial::count_audience(&state.store, who, &plan.reach, policy, Utc::now()).await?;
    let answer = DryRun {
        count,
        spread_minutes: plan.pace.spread_minutes,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}
