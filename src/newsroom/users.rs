//! Newsroom pages: the accounts, for admins — list them, add one with a
//! role and a first password, change a role, disable or enable, remove.
//! The site always keeps an active admin (the store refuses otherwise).

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
use crate::accounts::users::{self, NewAccount};
use crate::accounts::{AccountError, Principal, Role};
use crate::web::AppState;
use crate::web::page_error::ErrorInfo;
use crate::web::{CsrfForm, NewsroomUser};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/users", get(list_users).post(add_user))
        .route("/newsroom/users/{id}/role", post(change_role))
        .route("/newsroom/users/{id}/disable", post(disable_user))
        .route("/newsroom/users/{id}/enable", post(enable_user))
        .route("/newsroom/users/{id}/remove", post(remove_user))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// One account, as the list shows it.
#[derive(Debug, Clone)]
struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    two_factor: bool,
    disabled: bool,
    created: String,
    is_you: bool,
}

/// The add form's values, kept when it is shown again with errors.
#[derive(Debug, Clone, Default, Deserialize)]
struct AddForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "newsroom/users.html")]
struct UsersPage {
    chrome: Chrome,
    csrf: String,
    users: Vec<UserRow>,
    roles: [&'static str; 3],
    form: AddForm,
    errors: FieldErrors,
}

#[derive(Debug, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// The answer to someone who is not an admin.
fn not_allowed() -> Response {
    let mut response = StatusCode::FORBIDDEN.into_response();
    response.extensions_mut().insert(ErrorInfo {
        heading: "Not allowed",
        message: "Only admins manage the newsroom's accounts.".to_owned(),
    });
    response
}

fn failure(error: &AccountError) -> Response {
    tracing::error!(error = %error, "users page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; please try again.",
    )
        .into_response()
}

fn date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

async fn users_page(
    state: &AppState,
    user: &Principal,
    status: StatusCode,
    form: AddForm,
    errors: FieldErrors,
    flash: Option<(&'static str, String)>,
) -> Response {
    let accounts = match state.store.list_users().await {
        Ok(accounts) => accounts,
        Err(e) => return failure(&AccountError::Store(e)),
    };
    let mut chrome = Chrome::for_user(state, user, Section::Users);
    if let Some((kind, text)) = flash {
        chrome = chrome.with_flash(kind, text);
    }
    let page = UsersPage {
        chrome,
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        users: accounts
            .into_iter()
            .map(|a| UserRow {
                is_you: a.id == user.user_id,
                id: a.id,
                email: a.email,
                name: a.name,
                role: a.role.as_str(),
                two_factor: a.totp_enabled,
                disabled: a.disabled_at.is_some(),
                created: date(a.created_at),
            })
            .collect(),
        roles: Role::ALL.map(Role::as_str),
        form: AddForm {
            password: String::new(),
            ..form
        },
        errors,
    };
    let mut response = layout::render(&page);
    *response.status_mut() = status;
    response
}

/// The list again after a failed change, the error on top; or the
/// failure page when it is not the admin's to fix.
async fn change_failed(state: &AppState, user: &Principal, error: AccountError) -> Response {
    match &error {
        AccountError::Forbidden(_) => not_allowed(),
        AccountError::NotFound => StatusCode::NOT_FOUND.into_response(),
        AccountError::Invalid { message, .. } | AccountError::Conflict { message, .. } => {
            let text = message.clone();
            users_page(
                state,
                user,
                StatusCode::CONFLICT,
                AddForm::default(),
                FieldErrors::none(),
                Some(("error", format!("Nothing was changed: {text}."))),
            )
            .await
        }
        _ => failure(&error),
    }
}

fn done(what: &str) -> Response {
    Redirect::to(&format!("/newsroom/users?done={what}")).into_response()
}

async fn list_users(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Query(query): Query<DoneQuery>,
) -> Response {
    if !user.role.can_manage_users() {
        return not_allowed();
    }
    let flash = match query.done.as_deref() {
        Some("added") => Some("The account was added. Give its owner the password privately."),
        Some("role") => Some("The role was changed."),
        Some("disabled") => Some("The account was disabled and logged out everywhere."),
        Some("enabled") => Some("The account was enabled."),
        Some("removed") => Some("The account was removed."),
        _ => None,
    };
    users_page(
        &state,
        &user,
        StatusCode::OK,
        AddForm::default(),
        FieldErrors::none(),
        flash.map(|text| ("success", text.to_owned())),
    )
    .await
}

async fn add_user(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Response {
    if !user.role.can_manage_users() {
        return not_allowed();
    }
    let role = match form.role.parse::<Role>() {
        Ok(role) => role,
        Err(message) => {
            return users_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                FieldErrors::one("role", message),
                None,
            )
            .await;
        }
    };
    let account = NewAccount {
        email: form.email.clone(),
        name: form.name.clone(),
        role,
        password: form.password.clone(),
    };
    match users::add_user(&state.store, account, &state.config.site.name, now()).await {
        Ok(_) => done("added"),
        Err(e) => match FieldErrors::from_account_error(&e, "email") {
            Some(errors) => {
                users_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    form,
                    errors,
                    None,
                )
                .await
            }
            None => failure(&e),
        },
    }
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Response {
    let role = match form.role.parse::<Role>() {
        Ok(role) => role,
        Err(message) => {
            return change_failed(&state, &user, AccountError::invalid("role", message)).await;
        }
    };
    match users::change_role(&state.store, &user, id, role).await {
        Ok(()) => done("role"),
        Err(e) => change_failed(&state, &user, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn disable_user(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match users::set_disabled(&state.store, &user, id, true, now()).await {
        Ok(()) => done("disabled"),
        Err(e) => change_failed(&state, &user, e).await,
    }
}

async fn enable_user(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match users::set_disabled(&state.store, &user, id, false, now()).await {
        Ok(()) => done("enabled"),
        Err(e) => change_failed(&state, &user, e).await,
    }
}

async fn remove_user(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<i64>,
    CsrfForm(confirmed): CsrfForm<Confirmed>,
) -> Response {
    // Asked only of admins (the others are refused at once).
    if !confirmed.given() && user.role == Role::Admin {
        let account = match state.store.user_by_id(id).await {
            Ok(Some(account)) => account,
            Ok(None) => return change_failed(&state, &user, AccountError::NotFound).await,
            Err(e) => return change_failed(&state, &user, AccountError::Store(e)).await,
        };
        return destructive_page(
            &state,
            &user,
            Destructive {
                section: Section::Users,
                question: format!("Remove {} ({})?", account.name, account.email),
                losses: vec![
                    "They can no longer log in: their sessions and API tokens end now.".into(),
                    "Their stories stay in the newsroom and on the site.".into(),
                    "To let them back in later, add them again. To stop them for a while, disable the account instead.".into(),
                ],
                action_url: format!("/newsroom/users/{id}/remove"),
                button: "Remove the account",
                back_url: "/newsroom/users".into(),
            },
        );
    }
    match users::remove(&state.store, &user, id).await {
        Ok(()) => done("removed"),
        Err(e) => change_failed(&state, &user, e).await,
    }
}
