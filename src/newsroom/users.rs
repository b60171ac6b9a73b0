//! Newsroom pages: the accounts, for admins — list them, change a role,
//! disable or enable, remove; and the invites waiting beside them, with
//! the form that adds a person (made, resent and revoked by
//! [`super::invites`]: nobody but its owner ever knows a password). The site always keeps an active admin (the store
//! refuses otherwise).

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
use crate::accounts::invites;
use crate::accounts::users;
use crate::accounts::{AccountError, Principal, Role};
use crate::content::dates;
use crate::web::AppState;
use crate::web::page_error::ErrorInfo;
use crate::web::{CsrfForm, NewsroomUser};
use chrono_tz::Tz;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/users", get(list_users))
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

/// The invite form's values, kept when it is shown again with errors.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct InviteForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
}

/// An invite still waiting, as the list shows it.
#[derive(Debug, Clone)]
struct InviteRow {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    invited: String,
    /// "until 4 December 2026, 20:13 UTC", or "expired".
    expires: String,
    expired: bool,
}

/// An invite just made: its link, shown this once.
#[derive(Debug, Clone)]
pub(super) struct NewInviteView {
    pub email: String,
    pub url: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "newsroom/users.html")]
struct UsersPage {
    chrome: Chrome,
    csrf: String,
    users: Vec<UserRow>,
    invites: Vec<InviteRow>,
    roles: [&'static str; 3],
    invite_form: InviteForm,
    /// The invite form's errors.
    errors: FieldErrors,
    new_invite: Option<NewInviteView>,
}

/// What the Users page shows besides the lists.
#[derive(Default)]
pub(super) struct UsersView {
    pub status: StatusCode,
    pub invite_form: InviteForm,
    pub errors: FieldErrors,
    pub flash: Option<(&'static str, String)>,
    pub new_invite: Option<NewInviteView>,
}

#[derive(Debug, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// The answer to someone who is not an admin.
pub(super) fn not_allowed() -> Response {
    let mut response = StatusCode::FORBIDDEN.into_response();
    response.extensions_mut().insert(ErrorInfo {
        heading: "Not allowed",
        message: "Only admins manage the newsroom's accounts.".to_owned(),
    });
    response
}

pub(super) fn failure(error: &AccountError) -> Response {
    tracing::error!(error = %error, "users page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side; please try again.",
    )
        .into_response()
}

fn date(unix: i64, zone: Tz) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|at| dates::day(at, zone))
        .unwrap_or_default()
}

/// A Unix time as the site writes times ("4 December 2026, 20:13 GMT").
pub(super) fn date_time(unix: i64, zone: Tz) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|at| dates::full(at, zone))
        .unwrap_or_default()
}

pub(super) async fn users_page(state: &AppState, user: &Principal, view: UsersView) -> Response {
    let accounts = match state.store.list_users().await {
        Ok(accounts) => accounts,
        Err(e) => return failure(&AccountError::Store(e)),
    };
    let waiting = match invites::waiting_invites(&state.store, user).await {
        Ok(waiting) => waiting,
        Err(AccountError::Forbidden(_)) => return not_allowed(),
        Err(e) => return failure(&e),
    };
    let mut chrome = Chrome::for_user(state, user, Section::Users);
    if let Some((kind, text)) = view.flash {
        chrome = chrome.with_flash(kind, text);
    }
    let now = now();
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
                created: date(a.created_at, state.config.site.time_zone),
            })
            .collect(),
        invites: waiting
            .into_iter()
            .map(|i| InviteRow {
                id: i.id,
                email: i.email,
                name: i.name,
                role: i.role.as_str(),
                invited: date(i.created_at, state.config.site.time_zone),
                expired: i.expires_at <= now,
                expires: if i.expires_at <= now {
                    "expired".to_owned()
                } else {
                    format!(
                        "until {}",
                        date_time(i.expires_at, state.config.site.time_zone)
                    )
                },
            })
            .collect(),
        roles: Role::ALL.map(Role::as_str),
        invite_form: view.invite_form,
        errors: view.errors,
        new_invite: view.new_invite,
    };
    let mut response = layout::render(&page);
    *response.status_mut() = view.status;
    response
}

/// The list again after a failed change, the error on top; or the
/// failure page when it is not the admin's to fix.
pub(super) async fn change_failed(
    state: &AppState,
    user: &Principal,
    error: AccountError,
) -> Response {
    match &error {
        AccountError::Forbidden(_) => not_allowed(),
        AccountError::NotFound => StatusCode::NOT_FOUND.into_response(),
        AccountError::Invalid { message, .. } | AccountError::Conflict { message, .. } => {
            let text = message.clone();
            let view = UsersView {
                status: StatusCode::CONFLICT,
                flash: Some(("error", format!("Nothing was changed: {text}."))),
                ..UsersView::default()
            };
            users_page(state, user, view).await
        }
        _ => failure(&error),
    }
}

pub(super) fn done(what: &str) -> Response {
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
        Some("role") => Some("The role was changed."),
        Some("disabled") => Some("The account was disabled and logged out everywhere."),
        Some("enabled") => Some("The account was enabled."),
        Some("removed") => Some("The account was removed."),
        Some("invite-revoked") => Some("The invite was revoked; its link no longer works."),
        _ => None,
    };
    let view = UsersView {
        flash: flash.map(|text| ("success", text.to_owned())),
        ..UsersView::default()
    };
    users_page(&state, &user, view).await
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
pub(super) struct Empty {}

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
