//! The newsroom at `/newsroom`: server-rendered pages for the people who
//! write and publish. Handlers are thin: they authenticate with
//! [`NewsroomUser`](crate::accounts::NewsroomUser), call one function of
//! [`crate::editorial`] or [`crate::accounts`], and render a template.

pub mod account;
pub mod dashboard;
pub mod layout;
pub mod stories;

use axum::Router;

use crate::server::AppState;

/// Every newsroom page.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(account::routes())
        .merge(stories::routes())
        .merge(dashboard::routes())
}
