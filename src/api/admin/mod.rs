//! The newsroom's JSON API under `/api/v1/admin/`: every route needs an
//! [`ApiUser`](crate::web::ApiUser), and what it may do is its role's.

mod dry_run;
pub mod images;
pub mod live;
pub mod preview_links;
pub mod push;
pub mod stories;
pub mod tokens;
pub mod topics;
mod values;

use axum::Router;

use crate::web::AppState;

/// Every admin route. Each part sets the body limit its routes need.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(stories::routes())
        .merge(live::routes())
        .merge(topics::routes())
        .merge(images::routes())
        .merge(push::routes())
        .merge(preview_links::routes())
        .merge(tokens::routes())
}
