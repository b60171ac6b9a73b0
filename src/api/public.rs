//! The public read API: `/api/v1/stories` and `/api/v1/topics`, what any
//! reader's site shows, as JSON.

use axum::Router;

use crate::server::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
