//! `/api/v1/admin/stories/{id}/push` (send an update) and `/api/v1/admin/push/preview`.

use axum::Router;

use crate::server::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
