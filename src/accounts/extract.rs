//! Axum extractors that authenticate a request: [`ApiUser`] for the JSON
//! API (Bearer token, or the newsroom session with its CSRF header) and
//! [`NewsroomUser`] for newsroom pages (the session cookie; a visitor
//! without one is sent to the login page).

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::Principal;
use crate::api::error::ApiError;
use crate::server::AppState;

/// An authenticated API caller.
#[derive(Debug, Clone)]
pub struct ApiUser(pub Principal);

/// A logged-in newsroom user, on a page.
#[derive(Debug, Clone)]
pub struct NewsroomUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        _parts: &mut Parts,
        _state: &AppState,
    ) -> Result<ApiUser, ApiError> {
        // Filled in with sessions and tokens (issue 6, accounts).
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in, or send an API token as Authorization: Bearer",
        ))
    }
}

impl FromRequestParts<AppState> for NewsroomUser {
    type Rejection = Response;

    async fn from_request_parts(
        _parts: &mut Parts,
        _state: &AppState,
    ) -> Result<NewsroomUser, Response> {
        Err(Redirect::to("/newsroom/login").into_response())
    }
}
