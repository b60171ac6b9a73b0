//! `GET /api/v1/search?q=&topic=&page=`: the reader's search as JSON, the
//! same rules and results as the `/search` page (`crate::search`). No
//! authentication; only stories on the site; never cached by Herald.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::search::{self, SearchError, SearchOutcome};
use crate::site::search::SearchQuery;
use crate::web::AppState;
use crate::web::api_error::ApiError;

/// How long shared caches may keep an answer.
const CACHE_CONTROL: &str = "public, max-age=60";

/// `GET /api/v1/search`: `{"total", "total_exact", "page", "pages",
/// "results": […]}` (`total_exact` false: more than `total` match); an
/// empty query finds nothing (`total` 0); a query, page or topic the
/// reader must change is a 400 `invalid_query` naming the parameter.
pub async fn search_stories(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = SearchQuery::parse(query.as_deref());
    let outcome = search::search(&state.store, params.request(), Utc::now())
        .await
        .map_err(api_error)?;
    let body = match outcome {
        SearchOutcome::Empty | SearchOutcome::NoWords { .. } => {
            json!({"total": 0, "total_exact": true, "page": 1, "pages": 1, "results": []})
        }
        SearchOutcome::Results(found) => {
            let results: Vec<Value> = found
                .hits
                .iter()
                .map(|hit| {
                    let story = &hit.story;
                    json!({
                        "url": state.config.absolute(&story.path()),
                        "headline": story.headline,
                        "standfirst": story.standfirst,
                        "published_at": story.published_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                        "topics": story.topics.iter().map(|t| json!({
                            "slug": t.slug,
                            "name": t.name,
                            "url": state.config.absolute(&t.path()),
                        })).collect::<Vec<_>>(),
                        "snippet": hit.snippet_html,
                    })
                })
                .collect();
            json!({
                "total": found.total,
                "total_exact": found.total_exact,
                "page": found.page,
                "pages": found.pages,
                "results": results,
            })
        }
    };
    Ok(([(header::CACHE_CONTROL, CACHE_CONTROL)], Json(body)).into_response())
}

fn api_error(error: SearchError) -> ApiError {
    match error {
        SearchError::Store(e) => e.into(),
        other => ApiError::bad_request("invalid_query", format!("{}: {other}", other.parameter())),
    }
}
