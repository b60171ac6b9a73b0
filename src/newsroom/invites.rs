//! Newsroom pages: invites, for admins, on the Users page — invite a person
//! with a role (the link is shown once, on the page that answers), send a
//! waiting invite again (a new link; the old one dies), and revoke one
//! (after a confirmation). The invitee's own page is
//! [`super::invite_accept`].

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

use super::confirm::{Confirmed, Destructive, destructive_page};
use super::field_errors::FieldErrors;
use super::layout::Section;
use super::users::{
    Empty, InviteForm, NewInviteView, UsersView, change_failed, date_time, done, failure,
    not_allowed, users_page,
};
use crate::accounts::invites::{self, CreatedInvite, InviteRequest};
use crate::accounts::{AccountError, Principal, Role};
use crate::web::AppState;
use crate::web::{CsrfForm, NewsroomUser};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/users/invites", post(create_invite))
        .route("/newsroom/users/invites/{id}/resend", post(resend_invite))
        .route("/newsroom/users/invites/{id}/revoke", post(revoke_invite))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The Users page with a new invite's link, shown this once.
async fn created(state: &AppState, user: &Principal, invite: CreatedInvite) -> Response {
    let view = UsersView {
        status: StatusCode::CREATED,
        new_invite: Some(NewInviteView {
            url: state.config.absolute(&invite.path),
            expires: date_time(invite.expires_at, state.config.site.time_zone),
            email: invite.email,
        }),
        ..UsersView::default()
    };
    users_page(state, user, view).await
}

/// The Users page again with the invite form's errors on their fields.
async fn refused(
    state: &AppState,
    user: &Principal,
    form: InviteForm,
    e: AccountError,
) -> Response {
    if let AccountError::Forbidden(_) = e {
        return not_allowed();
    }
    let Some(errors) = FieldErrors::from_account_error(&e, "email") else {
        return failure(&e);
    };
    let view = UsersView {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        invite_form: form,
        errors,
        ..UsersView::default()
    };
    users_page(state, user, view).await
}

/// The Users page after a resend or revoke that could not be done.
async fn not_done(state: &AppState, user: &Principal, e: AccountError) -> Response {
    if let AccountError::NotFound = e {
        let view = UsersView {
            status: StatusCode::NOT_FOUND,
            flash: Some((
                "error",
                "Nothing was changed: this invite is no longer waiting (it was accepted, \
                 revoked or sent again)."
                    .to_owned(),
            )),
            ..UsersView::default()
        };
        return users_page(state, user, view).await;
    }
    change_failed(state, user, e).await
}

async fn create_invite(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Response {
    if !user.role.can_manage_users() {
        return not_allowed();
    }
    let role = match form.role.parse::<Role>() {
        Ok(role) => role,
        Err(message) => {
            return refused(&state, &user, form, AccountError::invalid("role", message)).await;
        }
    };
    let request = InviteRequest {
        email: form.email.clone(),
        name: form.name.clone(),
        role,
    };
    match invites::create_invite(&state.store, Some(&user), request, now()).await {
        Ok(invite) => created(&state, &user, invite).await,
        Err(e) => refused(&state, &user, form, e).await,
    }
}

async fn resend_invite(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match invites::resend_invite(&state.store, &user, id, now()).await {
        Ok(invite) => created(&state, &user, invite).await,
        Err(e) => not_done(&state, &user, e).await,
    }
}

async fn revoke_invite(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<i64>,
    CsrfForm(confirmed): CsrfForm<Confirmed>,
) -> Response {
    if !confirmed.given() {
        let invite = match invites::find_waiting_invite(&state.store, &user, id).await {
            Ok(invite) => invite,
            Err(e) => return not_done(&state, &user, e).await,
        };
        return destructive_page(
            &state,
            &user,
            Destructive {
                section: Section::Users,
                question: format!("Revoke the invite for {}?", invite.email),
                losses: vec![
                    "Its link stops working now: opening it says the invite was withdrawn.".into(),
                    "No account was made yet, so nothing else is lost. To invite them later, invite them again.".into(),
                ],
                action_url: format!("/newsroom/users/invites/{id}/revoke"),
                button: "Revoke the invite",
                back_url: "/newsroom/users".into(),
            },
        );
    }
    match invites::revoke_invite(&state.store, &user, id, now()).await {
        Ok(_) => done("invite-revoked"),
        Err(e) => not_done(&state, &user, e).await,
    }
}
