//! The invitee's page, `/newsroom/invite/{token}`: who they were invited
//! as, and a form to set their password; on success the account exists
//! and they are logged in. The form is protected like the login form, by
//! the double-submit `herald_login_csrf` cookie (there is no session yet).
//! A link that is used, expired, revoked or unknown gets a page that says
//! which, and what to do (410, or 404 for an unknown one). The token is in
//! the address, so the page is never cached and sends no referrer.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::field_errors::FieldErrors;
use super::layout::{self, Chrome};
use super::login::{internal_error, logged_in_redirect, pre_session_token, set_cookie};
use super::users::date_time;
use crate::accounts::invites::{self, Accepted, INVITE_HOURS, InviteGone, OpenInvite};
use crate::accounts::password::MIN_PASSWORD_CHARS;
use crate::store::InviteRecord;
use crate::web::AppState;
use crate::web::csrf;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/newsroom/invite/{token}",
        get(show_invite).post(accept_invite),
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[derive(Template)]
#[template(path = "newsroom/invite_accept.html")]
struct AcceptPage {
    chrome: Chrome,
    csrf: String,
    token: String,
    email: String,
    name: String,
    role: String,
    expires: String,
    min_chars: usize,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "newsroom/invite_gone.html")]
struct GonePage {
    chrome: Chrome,
    heading: &'static str,
    message: String,
    what_to_do: &'static str,
}

/// A page of an invite link: never cached (layout), never indexed, and
/// no referrer carries the token away.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn accept_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    token: String,
    invite: InviteRecord,
    errors: FieldErrors,
) -> Response {
    let Some((csrf, cookie)) = pre_session_token(state, headers) else {
        return internal_error();
    };
    let page = AcceptPage {
        chrome: Chrome::anonymous(state),
        csrf,
        token,
        email: invite.email,
        name: invite.name,
        role: invite.role.to_string(),
        expires: date_time(invite.expires_at, state.config.site.time_zone),
        min_chars: MIN_PASSWORD_CHARS,
        errors,
    };
    let mut response = layout::render(&page);
    *response.status_mut() = status;
    if let Some(cookie) = cookie {
        response = set_cookie(response, cookie);
    }
    private(response)
}

fn gone_page(state: &AppState, gone: InviteGone) -> Response {
    const ASK: &str = "Ask the admin who invited you for a new invite.";
    let (status, heading, message, what_to_do) = match gone {
        InviteGone::Unknown => (
            StatusCode::NOT_FOUND,
            "This invite link does not work",
            "No invite has this address: the link may have been cut short or mistyped when it \
             was copied."
                .to_owned(),
            ASK,
        ),
        InviteGone::Used => (
            StatusCode::GONE,
            "This invite was already used",
            "Its password was set and the account exists; an invite works only once.".to_owned(),
            "If it was you, log in with your email address and that password. If it was not, \
             tell an admin at once.",
        ),
        InviteGone::Expired { expires_at } => (
            StatusCode::GONE,
            "This invite has expired",
            format!(
                "An invite works for {INVITE_HOURS} hours; this one ended on {}.",
                date_time(expires_at, state.config.site.time_zone)
            ),
            ASK,
        ),
        InviteGone::Revoked => (
            StatusCode::GONE,
            "This invite was withdrawn",
            "An admin revoked it, or sent a newer invite that replaces it.".to_owned(),
            "Use the newest invite you received, or ask an admin for a new one.",
        ),
        InviteGone::AccountExists => (
            StatusCode::GONE,
            "You already have an account",
            "An account with this invite's email address exists, so the invite cannot make \
             another."
                .to_owned(),
            "Log in with that account; if you forgot its password, ask an admin.",
        ),
    };
    let page = GonePage {
        chrome: Chrome::anonymous(state),
        heading,
        message,
        what_to_do,
    };
    let mut response = layout::render(&page);
    *response.status_mut() = status;
    private(response)
}

async fn show_invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    match invites::open_invite(&state.store, &token, now()).await {
        Ok(OpenInvite::Waiting(invite)) => accept_page(
            &state,
            &headers,
            StatusCode::OK,
            token,
            invite,
            FieldErrors::none(),
        ),
        Ok(OpenInvite::Gone(gone)) => gone_page(&state, gone),
        Err(e) => {
            tracing::error!(error = %e, "cannot open an invite");
            internal_error()
        }
    }
}

#[derive(Debug, Deserialize)]
struct AcceptForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
    #[serde(default)]
    csrf: String,
}

async fn accept_invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Response {
    let now = now();
    // The page again, with `errors`, while the invite still waits.
    let again = |status: StatusCode, errors: FieldErrors| {
        let state = &state;
        let headers = &headers;
        let token = token.clone();
        async move {
            match invites::open_invite(&state.store, &token, now).await {
                Ok(OpenInvite::Waiting(invite)) => {
                    accept_page(state, headers, status, token, invite, errors)
                }
                Ok(OpenInvite::Gone(gone)) => gone_page(state, gone),
                Err(e) => {
                    tracing::error!(error = %e, "cannot open an invite");
                    internal_error()
                }
            }
        }
    };
    if !csrf::login_token_matches(&headers, &form.csrf) {
        let errors = FieldErrors::one(
            "password",
            "This form had expired (or your browser refused its cookie). Nothing was set; \
             please type your password again.",
        );
        return again(StatusCode::FORBIDDEN, errors).await;
    }
    let accepted = invites::accept_invite(
        &state.store,
        &token,
        &state.config.site.name,
        form.password,
        &form.confirm_password,
        now,
    )
    .await;
    match accepted {
        Ok(Accepted::LoggedIn(issued)) => logged_in_redirect(&state, &issued, "/newsroom"),
        Ok(Accepted::Gone(gone)) => gone_page(&state, gone),
        Err(e) => match FieldErrors::from_account_error(&e, "password") {
            Some(errors) => again(StatusCode::UNPROCESSABLE_ENTITY, errors).await,
            None => {
                tracing::error!(error = %e, "cannot accept an invite");
                internal_error()
            }
        },
    }
    .into_response()
}
