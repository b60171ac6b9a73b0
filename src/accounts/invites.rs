//! Invites: an admin (or the operator, with `herald user invite`) adds a
//! person without a password. The person gets a one-time link, valid
//! [`INVITE_HOURS`] hours, sets a password by the same rules as everyone
//! ([`check_new_password`](super::password::check_new_password)) and is
//! logged in; only then does the account exist, so an invitee who has not
//! accepted cannot log in at all. The link's token is 256 random bits,
//! shown once; the store keeps its hash. A new invite for the same email
//! (a resend) kills the one before it.

use super::password::{PasswordContext, hash_password};
use super::secret::{hash_secret, random_secret};
use super::session::{self, IssuedSession};
use super::users::{
    check_admin, check_password_pair, name_or_default, normalize_email, refuse_existing_account,
};
use super::{AccountError, Principal, Role};
use crate::store::{Conflict, InviteRecord, NewInvite, Store, StoreError};

/// How long an invite link works, in hours.
pub const INVITE_HOURS: i64 = 48;

/// Whom to invite.
#[derive(Debug, Clone)]
pub struct InviteRequest {
    pub email: String,
    /// The email's local part when empty.
    pub name: String,
    pub role: Role,
}

/// A new invite, with its link: shown this once.
#[derive(Debug, Clone)]
pub struct CreatedInvite {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// The site path that accepts it: `/newsroom/invite/<token>`.
    pub path: String,
    pub expires_at: i64,
}

/// Why an invite link no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteGone {
    /// No invite has this token (mistyped, cut short, or never made).
    Unknown,
    /// It was accepted already.
    Used,
    /// Its time ran out at `expires_at`.
    Expired { expires_at: i64 },
    /// An admin revoked it, or sent a newer one.
    Revoked,
    /// An account with its email was added another way meanwhile.
    AccountExists,
}

/// What an invite link leads to now.
#[derive(Debug, Clone)]
pub enum OpenInvite {
    /// Waiting for its password.
    Waiting(InviteRecord),
    Gone(InviteGone),
}

/// How accepting an invite ended.
#[derive(Debug)]
pub enum Accepted {
    /// The account exists and is logged in: give the browser this session.
    LoggedIn(IssuedSession),
    Gone(InviteGone),
}

/// The path an invite's token is accepted at.
pub fn invite_path(token: &str) -> String {
    format!("/newsroom/invite/{token}")
}

/// Invites a person: `by` an admin, or `None` for the operator at the
/// machine. An email that has an account is a conflict on `email`; an
/// invite still waiting for the same email stops working.
pub async fn create_invite(
    store: &Store,
    by: Option<&Principal>,
    request: InviteRequest,
    now: i64,
) -> Result<CreatedInvite, AccountError> {
    if let Some(actor) = by {
        check_admin(actor)?;
    }
    let email = normalize_email(&request.email)?;
    let name = name_or_default(&request.name, &email)?;
    refuse_existing_account(store, &email).await?;
    let token = random_secret().map_err(AccountError::Random)?;
    let record = store
        .create_invite(
            &NewInvite {
                email,
                name,
                role: request.role,
                token_hash: hash_secret(&token),
                created_by: by.map(|p| p.user_id),
                expires_at: now + INVITE_HOURS * 3600,
            },
            now,
        )
        .await?;
    tracing::info!(
        invite.id = record.id,
        role = %record.role,
        by = by.map(|p| p.user_id),
        "invite created"
    );
    Ok(CreatedInvite {
        id: record.id,
        email: record.email,
        role: record.role,
        path: invite_path(&token),
        expires_at: record.expires_at,
    })
}

/// The invite `id` while it waits (expired or not); `NotFound` otherwise.
async fn waiting_invite(store: &Store, id: i64) -> Result<InviteRecord, AccountError> {
    match store.invite_by_id(id).await? {
        Some(invite) if invite.accepted_at.is_none() && invite.revoked_at.is_none() => Ok(invite),
        _ => Err(AccountError::NotFound),
    }
}

/// A new link for the waiting invite `id`, with the same email, name and
/// role and a fresh 48 hours; the old link stops working.
pub async fn resend_invite(
    store: &Store,
    by: &Principal,
    id: i64,
    now: i64,
) -> Result<CreatedInvite, AccountError> {
    check_admin(by)?;
    let old = waiting_invite(store, id).await?;
    let request = InviteRequest {
        email: old.email,
        name: old.name,
        role: old.role,
    };
    create_invite(store, Some(by), request, now).await
}

/// Revokes the waiting invite `id`; returns it as it was.
pub async fn revoke_invite(
    store: &Store,
    by: &Principal,
    id: i64,
    now: i64,
) -> Result<InviteRecord, AccountError> {
    check_admin(by)?;
    let invite = waiting_invite(store, id).await?;
    if !store.revoke_invite(id, now).await? {
        return Err(AccountError::NotFound);
    }
    tracing::info!(invite.id = id, by = by.user_id, "invite revoked");
    Ok(invite)
}

/// The waiting invite `id`, for an admin (the revoke confirmation).
pub async fn find_waiting_invite(
    store: &Store,
    by: &Principal,
    id: i64,
) -> Result<InviteRecord, AccountError> {
    check_admin(by)?;
    waiting_invite(store, id).await
}

/// Every invite still waiting (expired ones too, until revoked or sent
/// again), newest first, for an admin.
pub async fn waiting_invites(
    store: &Store,
    by: &Principal,
) -> Result<Vec<InviteRecord>, AccountError> {
    check_admin(by)?;
    Ok(store.waiting_invites().await?)
}

/// What the invite link with `token` leads to at `now`.
pub async fn open_invite(store: &Store, token: &str, now: i64) -> Result<OpenInvite, StoreError> {
    let Some(invite) = store.invite_by_token(&hash_secret(token)).await? else {
        return Ok(OpenInvite::Gone(InviteGone::Unknown));
    };
    let gone = if invite.accepted_at.is_some() {
        Some(InviteGone::Used)
    } else if invite.revoked_at.is_some() {
        Some(InviteGone::Revoked)
    } else if invite.expires_at <= now {
        Some(InviteGone::Expired {
            expires_at: invite.expires_at,
        })
    } else {
        None
    };
    Ok(match gone {
        Some(gone) => OpenInvite::Gone(gone),
        None => OpenInvite::Waiting(invite),
    })
}

/// Accepts the invite with `token`: checks the new password (and that
/// `confirm` repeats it), creates the account and logs it in. A password
/// refused leaves the invite usable.
pub async fn accept_invite(
    store: &Store,
    token: &str,
    site_name: &str,
    password: String,
    confirm: &str,
    now: i64,
) -> Result<Accepted, AccountError> {
    let invite = match open_invite(store, token, now).await? {
        OpenInvite::Waiting(invite) => invite,
        OpenInvite::Gone(gone) => return Ok(Accepted::Gone(gone)),
    };
    let context = PasswordContext {
        site_name,
        email: &invite.email,
    };
    check_password_pair(&password, confirm, &context, "password")?;
    let hash = hash_password(password).await?;
    let user_id = match store.accept_invite(invite.id, &hash, now).await {
        Ok(Some(user_id)) => user_id,
        // Taken by another request between the two reads: say why now.
        Ok(None) => {
            return match open_invite(store, token, now).await? {
                OpenInvite::Gone(gone) => Ok(Accepted::Gone(gone)),
                OpenInvite::Waiting(_) => Ok(Accepted::Gone(InviteGone::Used)),
            };
        }
        Err(StoreError::Conflict(Conflict::EmailTaken(_))) => {
            return Ok(Accepted::Gone(InviteGone::AccountExists));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(invite.id = invite.id, user.id = user_id, "invite accepted");
    let issued = session::start(store, user_id, false, now).await?;
    Ok(Accepted::LoggedIn(issued))
}
