//! Cross-site request forgery protection, the one way every newsroom form
//! and API call is checked.
//!
//! - A session's state-changing **forms** carry a hidden field `csrf` equal
//!   to the session's CSRF token ([`Principal::csrf_token`]). Handlers take
//!   the form through [`CsrfForm<T>`], which parses an urlencoded body as `T`
//!   (no `csrf` field needed in `T`) only after checking the token; forms
//!   that are not urlencoded (uploads) call [`verify`] with the submitted
//!   field themselves. Either way a mismatch is a 403 page and nothing runs.
//! - **API** calls with the session cookie send the token in the
//!   `X-CSRF-Token` header on POST, PUT, PATCH and DELETE (checked by
//!   [`ApiUser`](super::ApiUser)); calls with a Bearer token need none.
//! - The **login form**, before any session exists, is protected by a
//!   double-submit token: a random value in the `herald_login_csrf` cookie
//!   (HttpOnly, SameSite=Strict) that the form must repeat
//!   ([`login_token`], [`login_token_matches`]).
//!
//! SameSite cookies alone are not relied on: older browsers ignore them and
//! same-site subdomains are not cross-site.

use axum::body::{Body, Bytes};
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::NewsroomUser;
use crate::accounts::Principal;
use crate::accounts::secret::{random_secret, same_secret};
use crate::web::AppState;
use crate::web::page_error::ErrorInfo;

/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// The header that carries the CSRF token on session-authenticated API calls.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The cookie of the login form's double-submit token.
pub const LOGIN_CSRF_COOKIE: &str = "herald_login_csrf";

/// A form or request whose CSRF token is missing or wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrfRejected;

impl IntoResponse for CsrfRejected {
    fn into_response(self) -> Response {
        let mut response = StatusCode::FORBIDDEN.into_response();
        response.extensions_mut().insert(ErrorInfo {
            heading: "This form has expired",
            message: "The form could not be accepted: it has expired, or it did not come from a \
                      newsroom page. Nothing was changed. Go back, reload the page and try again."
                .to_owned(),
        });
        response
    }
}

/// Checks a submitted CSRF token against the session's. Requests
/// authenticated by an API token carry no CSRF token and need none.
pub fn verify(principal: &Principal, submitted: &str) -> Result<(), CsrfRejected> {
    match principal.csrf_token() {
        None => Ok(()),
        Some(expected) if same_secret(expected, submitted) => Ok(()),
        Some(_) => Err(CsrfRejected),
    }
}

/// A urlencoded form from a logged-in newsroom user whose `csrf` field
/// matched the session's token. Put it last among a handler's arguments,
/// after [`NewsroomUser`]:
///
/// ```ignore
/// async fn update_story(
///     NewsroomUser(user): NewsroomUser,
///     CsrfForm(form): CsrfForm<StoryForm>,
/// ) -> Response { … }
/// ```
///
/// A visitor who is not logged in is sent to the login page; a wrong token
/// gets the 403 page of [`CsrfRejected`]; a form that does not parse as
/// `T` gets axum's form rejection.
#[derive(Debug, Clone)]
pub struct CsrfForm<T>(pub T);

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<CsrfForm<T>, Response> {
        let (mut parts, body) = request.into_parts();
        let principal = match parts.extensions.get::<Principal>() {
            Some(principal) => principal.clone(),
            None => NewsroomUser::from_request_parts(&mut parts, state).await?.0,
        };
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let submitted = url::form_urlencoded::parse(&bytes)
            .find(|(key, _)| key == CSRF_FIELD)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        verify(&principal, &submitted).map_err(IntoResponse::into_response)?;
        let Form(form) =
            Form::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state)
                .await
                .map_err(IntoResponse::into_response)?;
        Ok(CsrfForm(form))
    }
}

/// The login form's token: the one in the visitor's cookie, or a new one
/// with the `Set-Cookie` value that gives it to them.
pub fn login_token(
    headers: &HeaderMap,
    secure: bool,
) -> Result<(String, Option<HeaderValue>), getrandom::Error> {
    if let Some(existing) = crate::accounts::session::cookie_value(headers, LOGIN_CSRF_COOKIE) {
        return Ok((existing.to_owned(), None));
    }
    let token = random_secret()?;
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/newsroom; HttpOnly; SameSite=Strict; Max-Age=86400{secure}"
    );
    Ok((token.clone(), HeaderValue::from_str(&cookie).ok()))
}

/// Whether the login form repeated the token of the visitor's cookie.
pub fn login_token_matches(headers: &HeaderMap, submitted: &str) -> bool {
    crate::accounts::session::cookie_value(headers, LOGIN_CSRF_COOKIE)
        .is_some_and(|expected| same_secret(expected, submitted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{Role, Via};

    fn principal(via: Via) -> Principal {
        Principal {
            user_id: 1,
            email: "ana@example.org".into(),
            name: "Ana".into(),
            role: Role::Editor,
            via,
        }
    }

    #[test]
    fn sessions_need_their_own_token_and_api_tokens_none() {
        let session = principal(Via::Session {
            session_id: 1,
            csrf_token: "expected-token".into(),
        });
        assert!(verify(&session, "expected-token").is_ok());
        assert!(verify(&session, "").is_err());
        assert!(verify(&session, "expected-tokem").is_err());
        assert!(verify(&principal(Via::Token { token_id: 3 }), "").is_ok());
    }

    #[test]
    fn the_login_token_comes_from_its_cookie() {
        let mut headers = HeaderMap::new();
        let (token, cookie) = login_token(&headers, false).expect("random");
        let cookie = cookie.expect("a new cookie");
        assert!(cookie.to_str().expect("ascii").contains("SameSite=Strict"));
        assert!(!login_token_matches(&headers, &token));
        headers.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_str(&format!("{LOGIN_CSRF_COOKIE}={token}")).expect("header"),
        );
        assert!(login_token_matches(&headers, &token));
        assert!(!login_token_matches(&headers, "other"));
        let (again, cookie) = login_token(&headers, false).expect("random");
        assert_eq!(again, token);
        assert!(cookie.is_none());
    }
}
