//! Newsroom pages: your account — name, password, two-factor login, and
//! "log out everywhere".

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::confirm::{Confirmed, Destructive, destructive_page};
use super::field_errors::FieldErrors;
use super::layout::{self, Chrome, Section};
use super::login::logged_out_redirect;
use crate::accounts::{AccountError, Principal, totp, two_factor, users};
use crate::web::AppState;
use crate::web::{ClientAddress, CsrfForm, NewsroomUser};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/account", get(show_account))
        .route("/newsroom/account/name", post(rename))
        .route("/newsroom/account/password", post(change_password))
        .route("/newsroom/account/two-factor", post(begin_two_factor))
        .route(
            "/newsroom/account/two-factor/enable",
            post(enable_two_factor),
        )
        .route(
            "/newsroom/account/two-factor/disable",
            post(disable_two_factor),
        )
        .route(
            "/newsroom/account/logout-everywhere",
            post(log_out_everywhere),
        )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[derive(Template)]
#[template(path = "newsroom/account.html")]
struct AccountPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    name: String,
    role: String,
    two_factor_available: bool,
    two_factor_on: bool,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "newsroom/two_factor_setup.html")]
struct SetupPage {
    chrome: Chrome,
    csrf: String,
    secret: String,
    uri: String,
    /// The link as a QR code (inline SVG), when it fits in one.
    qr: Option<String>,
    errors: FieldErrors,
}

#[derive(Debug, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// The account page, with `errors` from a form and a message on top.
async fn account_page(
    state: &AppState,
    user: &Principal,
    status: StatusCode,
    errors: FieldErrors,
    flash: Option<(&'static str, &str)>,
) -> Response {
    let account = match users::own_account(&state.store, user).await {
        Ok(account) => account,
        Err(e) => return failure(&e),
    };
    let mut chrome = Chrome::for_user(state, user, Section::Account);
    if let Some((kind, text)) = flash {
        chrome = chrome.with_flash(kind, text);
    }
    let page = AccountPage {
        chrome,
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        email: account.email,
        name: account.name,
        role: account.role.to_string(),
        two_factor_available: two_factor::available_to(user),
        two_factor_on: account.totp_enabled,
        errors,
    };
    layout::render_with(status, &page)
}

/// A failure that is not the person's to fix.
fn failure(error: &AccountError) -> Response {
    tracing::error!(error = %error, "account page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; please try again.",
    )
        .into_response()
}

/// The account page again, showing what is wrong with a form.
async fn form_failed(
    state: &AppState,
    user: &Principal,
    error: AccountError,
    fallback: &str,
) -> Response {
    match FieldErrors::from_account_error(&error, fallback) {
        Some(errors) => {
            let status = match error {
                AccountError::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            account_page(state, user, status, errors, None).await
        }
        None => failure(&error),
    }
}

async fn show_account(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Query(query): Query<DoneQuery>,
) -> Response {
    let flash = match query.done.as_deref() {
        Some("name") => Some("Your name was changed."),
        Some("password") => Some("Your password was changed. Your other sessions were logged out."),
        Some("two-factor-on") => {
            Some("Two-factor login is on. You will be asked for a code when you log in.")
        }
        Some("two-factor-off") => Some("Two-factor login is off."),
        _ => None,
    };
    account_page(
        &state,
        &user,
        StatusCode::OK,
        FieldErrors::none(),
        flash.map(|text| ("success", text)),
    )
    .await
}

fn done(what: &str) -> Response {
    Redirect::to(&format!("/newsroom/account?done={what}")).into_response()
}

#[derive(Debug, Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Response {
    match users::rename(&state.store, &user, &form.name).await {
        Ok(()) => done("name"),
        Err(e) => form_failed(&state, &user, e, "name").await,
    }
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Response {
    let changed = users::change_password(
        &state.store,
        &user,
        &state.config.site.name,
        form.current_password,
        form.new_password,
        &form.confirm_password,
    )
    .await;
    match changed {
        Ok(()) => done("password"),
        Err(e) => form_failed(&state, &user, e, "current_password").await,
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

fn setup_page(
    state: &AppState,
    user: &Principal,
    secret: String,
    status: StatusCode,
    errors: FieldErrors,
) -> Response {
    let uri = totp::otpauth_uri(&state.config.site.name, &user.email, &secret);
    let qr = super::qr::qr_svg(
        &uri,
        "QR code of the link below, for your authenticator app",
    );
    let page = SetupPage {
        qr,
        chrome: Chrome::for_user(state, user, Section::Account),
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        secret,
        uri,
        errors,
    };
    layout::render_with(status, &page)
}

async fn begin_two_factor(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match two_factor::begin_setup(&state.store, &user).await {
        Ok(secret) => setup_page(&state, &user, secret, StatusCode::OK, FieldErrors::none()),
        Err(e) => form_failed(&state, &user, e, "two-factor").await,
    }
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn enable_two_factor(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    match two_factor::confirm_setup(&state.store, &user, &form.code, now()).await {
        Ok(()) => done("two-factor-on"),
        Err(e @ AccountError::Invalid { .. }) => {
            // The set-up page again, with the same secret, to retry the code.
            let secret = match users::own_account(&state.store, &user).await {
                Ok(account) => account.totp_secret,
                Err(e) => return failure(&e),
            };
            match (secret, FieldErrors::from_account_error(&e, "code")) {
                (Some(secret), Some(errors)) => setup_page(
                    &state,
                    &user,
                    secret,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    errors,
                ),
                _ => form_failed(&state, &user, e, "two-factor").await,
            }
        }
        Err(e) => form_failed(&state, &user, e, "two-factor").await,
    }
}

async fn disable_two_factor(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    match two_factor::disable(&state.store, &user, &form.code, address, now()).await {
        Ok(Ok(())) => done("two-factor-off"),
        Ok(Err(throttled)) => {
            let text = throttled.message(now());
            let mut response = account_page(
                &state,
                &user,
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::one("code", text),
                None,
            )
            .await;
            if let Ok(value) = throttled.retry_after(now()).to_string().parse() {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            response
        }
        Err(e) => form_failed(&state, &user, e, "code").await,
    }
}

async fn log_out_everywhere(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(confirmed): CsrfForm<Confirmed>,
) -> Response {
    if !confirmed.given() {
        return destructive_page(
            &state,
            &user,
            Destructive {
                section: Section::Account,
                question: "Log out everywhere?".into(),
                losses: vec![
                    "Every session of your account ends, this one too: on each device you must log in again.".into(),
                    "Anything not yet saved in an open editor is lost.".into(),
                    "API tokens keep working; revoke them on the API tokens page.".into(),
                ],
                action_url: "/newsroom/account/logout-everywhere".into(),
                button: "Log out everywhere",
                back_url: "/newsroom/account".into(),
            },
        );
    }
    match state.store.delete_user_sessions(user.user_id).await {
        Ok(count) => {
            tracing::info!(
                user.id = user.user_id,
                sessions = count,
                "logged out everywhere"
            );
            logged_out_redirect(&state, "/newsroom/login?notice=everywhere")
        }
        Err(e) => failure(&AccountError::Store(e)),
    }
}
