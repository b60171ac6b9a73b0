//! Newsroom pages: your API tokens — create one (shown once), see when
//! each was last used, revoke.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::confirm::{Confirmed, Destructive, destructive_page};
use super::field_errors::FieldErrors;
use super::layout::{self, Chrome, Section};
use crate::accounts::tokens::{self, CreatedToken};
use crate::accounts::{AccountError, Principal};
use crate::content::dates::Shown;
use crate::web::AppState;
use crate::web::{CsrfForm, NewsroomUser};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/tokens", get(list_tokens).post(create_token))
        .route("/newsroom/tokens/{id}/revoke", post(revoke_token))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A time as the token list shows it, in the site's zone.
fn when(unix: i64, zone: chrono_tz::Tz) -> Shown {
    Shown::full(
        chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default(),
        zone,
    )
}

#[derive(Debug, Clone)]
struct TokenRow {
    id: i64,
    name: String,
    created: Shown,
    /// `None`: never used.
    last_used: Option<Shown>,
    revoked: Option<Shown>,
}

#[derive(Template)]
#[template(path = "newsroom/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    csrf: String,
    tokens: Vec<TokenRow>,
    /// The token just created: shown this once.
    created: Option<CreatedToken>,
    name: String,
    errors: FieldErrors,
}

#[derive(Debug, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

fn failure(error: &AccountError) -> Response {
    tracing::error!(error = %error, "tokens page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; please try again.",
    )
        .into_response()
}

async fn tokens_page(
    state: &AppState,
    user: &Principal,
    status: StatusCode,
    created: Option<CreatedToken>,
    name: String,
    errors: FieldErrors,
    flash: Option<&str>,
) -> Response {
    let records = match state.store.list_api_tokens(Some(user.user_id)).await {
        Ok(records) => records,
        Err(e) => return failure(&AccountError::Store(e)),
    };
    let mut chrome = Chrome::for_user(state, user, Section::Tokens);
    if let Some(text) = flash {
        chrome = chrome.with_flash("success", text);
    }
    let zone = state.config.site.time_zone;
    let page = TokensPage {
        chrome,
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        tokens: records
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                created: when(t.created_at, zone),
                last_used: t.last_used_at.map(|at| when(at, zone)),
                revoked: t.revoked_at.map(|at| when(at, zone)),
            })
            .collect(),
        created,
        name,
        errors,
    };
    layout::render_with(status, &page)
}

async fn list_tokens(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Query(query): Query<DoneQuery>,
) -> Response {
    let flash = match query.done.as_deref() {
        Some("revoked") => Some("The token was revoked; it no longer works."),
        _ => None,
    };
    tokens_page(
        &state,
        &user,
        StatusCode::OK,
        None,
        String::new(),
        FieldErrors::none(),
        flash,
    )
    .await
}

#[derive(Debug, Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> Response {
    match tokens::create_token(&state.store, user.user_id, Some(&form.name), now()).await {
        Ok(created) => {
            tokens_page(
                &state,
                &user,
                StatusCode::CREATED,
                Some(created),
                String::new(),
                FieldErrors::none(),
                None,
            )
            .await
        }
        Err(e) => match FieldErrors::from_account_error(&e, "name") {
            Some(errors) => {
                tokens_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    form.name,
                    errors,
                    None,
                )
                .await
            }
            None => failure(&e),
        },
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<i64>,
    CsrfForm(confirmed): CsrfForm<Confirmed>,
) -> Response {
    if !confirmed.given() {
        return destructive_page(
            &state,
            &user,
            Destructive {
                section: Section::Tokens,
                question: "Revoke this API token?".into(),
                losses: vec![
                    "Every program that uses it is refused from now on (401).".into(),
                    "It cannot be brought back: a program needs a new token.".into(),
                ],
                action_url: format!("/newsroom/tokens/{id}/revoke"),
                button: "Revoke the token",
                back_url: "/newsroom/tokens".into(),
            },
        );
    }
    match state
        .store
        .revoke_api_token(id, Some(user.user_id), now())
        .await
    {
        Ok(true) => {
            tracing::info!(user.id = user.user_id, token.id = id, "API token revoked");
            Redirect::to("/newsroom/tokens?done=revoked").into_response()
        }
        Ok(false) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => failure(&AccountError::Store(e)),
    }
}
