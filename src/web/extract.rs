//! Axum extractors that authenticate a request: [`ApiUser`] for the JSON
//! API (Bearer token, or the newsroom session with its CSRF header) and
//! [`NewsroomUser`] for newsroom pages (the session cookie; a visitor
//! without one is sent to the login page); and [`ClientAddress`], the peer
//! address that login throttling counts by.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::csrf::CSRF_HEADER;
use crate::accounts::Principal;
use crate::accounts::secret::same_secret;
use crate::accounts::session::{self, SESSION_COOKIE};
use crate::accounts::tokens::{self, TokenCheck};
use crate::web::AppState;
use crate::web::api_error::ApiError;

/// An authenticated API caller.
#[derive(Debug, Clone)]
pub struct ApiUser(pub Principal);

/// A logged-in newsroom user, on a page. The principal is also left in the
/// request's extensions, for [`CsrfForm`](super::CsrfForm).
#[derive(Debug, Clone)]
pub struct NewsroomUser(pub Principal);

/// The IP address the request came from (the TCP peer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The bearer token a request carries (`Authorization: Bearer <token>`),
/// for the credentials that are not newsroom accounts: a reader's
/// subscription token, the metrics token.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn unauthenticated() -> ApiError {
    ApiError::unauthorized(
        "unauthenticated",
        "log in, or send an API token as Authorization: Bearer",
    )
}

/// Whether a request with `method` changes something.
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiUser, ApiError> {
        let store = &state.store;
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .ok_or_else(|| {
                    ApiError::unauthorized(
                        "unauthenticated",
                        "the Authorization header must be `Bearer <token>`",
                    )
                })?;
            return match tokens::authenticate(store, token, now()).await? {
                TokenCheck::Valid(principal) => Ok(ApiUser(principal)),
                TokenCheck::Unknown => Err(ApiError::unauthorized(
                    "unauthenticated",
                    "this API token is not valid",
                )),
                TokenCheck::Revoked => Err(ApiError::unauthorized(
                    "token_revoked",
                    "this API token was revoked; create a new one",
                )),
                TokenCheck::UserDisabled => Err(ApiError::unauthorized(
                    "account_disabled",
                    "the account of this API token is disabled",
                )),
            };
        }
        let Some(secret) = session::cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Err(unauthenticated());
        };
        let Some(current) = session::current(store, secret, now()).await? else {
            return Err(unauthenticated());
        };
        if current.pending_totp {
            return Err(unauthenticated());
        }
        let principal = current.principal;
        if changes_state(&parts.method) {
            let submitted = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let expected = principal.csrf_token().unwrap_or_default();
            if !same_secret(expected, submitted) {
                return Err(ApiError::forbidden(
                    "csrf_failed",
                    "with a session cookie, send the session's CSRF token in the X-CSRF-Token header",
                ));
            }
        }
        parts.extensions.insert(principal.clone());
        Ok(ApiUser(principal))
    }
}

impl FromRequestParts<AppState> for NewsroomUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<NewsroomUser, Response> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(NewsroomUser(principal.clone()));
        }
        let current = match session::cookie_value(&parts.headers, SESSION_COOKIE) {
            Some(secret) => session::current(&state.store, secret, now())
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot read the session");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "cannot check your session just now; please try again",
                    )
                        .into_response()
                })?,
            None => None,
        };
        match current {
            Some(current) if !current.pending_totp => {
                parts.extensions.insert(current.principal.clone());
                Ok(NewsroomUser(current.principal))
            }
            _ => Err(Redirect::to(&login_path(parts)).into_response()),
        }
    }
}

/// The login page, coming back to this page afterwards when it is one to
/// come back to (a GET).
fn login_path(parts: &Parts) -> String {
    if parts.method != Method::GET {
        return "/newsroom/login".to_owned();
    }
    let here = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/newsroom");
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    format!("/newsroom/login?next={next}")
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<ClientAddress, Self::Rejection> {
        // The server always runs with connect info; a router driven without
        // it (a unit test) counts every request as one unknown address.
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientAddress(address))
    }
}
