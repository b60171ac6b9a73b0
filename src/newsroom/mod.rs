//! The newsroom at `/newsroom`: server-rendered pages for the people who
//! write and publish. Handlers are thin: they authenticate with
//! [`NewsroomUser`](crate::web::NewsroomUser), call one function of
//! [`crate::editorial`] or [`crate::accounts`], and render a template.

pub mod account;
pub mod autosave;
pub mod charts;
pub mod confirm;
pub mod dashboard;
pub mod delivery_chart;
pub mod editor;
pub mod field_errors;
pub mod form;
pub mod invite_accept;
pub mod invites;
pub mod layout;
pub mod live_desk;
pub mod login;
pub mod preview;
pub mod qr;
pub mod revisions;
pub mod stats;
pub mod stories;
pub mod story_form;
pub mod tokens;
pub mod topics;
pub mod users;

use crate::web::refusals::form_status_of;
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::accounts::Principal;
use crate::editorial::EditorialError;
use crate::web::AppState;
use layout::{Chrome, Section};

/// Every newsroom page.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(account::routes())
        .merge(login::routes())
        .merge(users::routes())
        .merge(invites::routes())
        .merge(invite_accept::routes())
        .merge(tokens::routes())
        .merge(stories::routes())
        .merge(editor::routes())
        .merge(autosave::routes())
        .merge(preview::routes())
        .merge(revisions::routes())
        .merge(live_desk::routes())
        .merge(stats::routes())
        .merge(topics::routes())
        .merge(dashboard::routes())
}

#[derive(Template)]
#[template(path = "newsroom/error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: &'static str,
    message: String,
}

/// The newsroom page for an editorial refusal that is not about a form's
/// fields: not allowed (403), not found (404), or our failure (500, with
/// the cause logged and not shown).
pub fn page_error(state: &AppState, user: &Principal, e: EditorialError) -> Response {
    let status = form_status_of(&e);
    let (heading, message) = match status {
        StatusCode::FORBIDDEN => ("Not allowed", e.to_string()),
        StatusCode::NOT_FOUND => ("Not found", e.to_string()),
        StatusCode::INTERNAL_SERVER_ERROR => {
            tracing::error!(error = %e, "newsroom request failed");
            (
                "Something went wrong",
                "We could not do this just now. Nothing was lost; please try again in a moment."
                    .to_owned(),
            )
        }
        _ => ("Cannot do that", e.to_string()),
    };
    let page = ErrorPage {
        chrome: Chrome::for_user(state, user, Section::Stories),
        heading,
        message,
    };
    (status, layout::render(&page)).into_response()
}
