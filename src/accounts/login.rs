//! Logging in: the password step, and the TOTP step for accounts with
//! two-factor on. Both are throttled ([`super::throttle`]); an unknown
//! email costs as much time as a known one and gets the same answer.

use std::net::IpAddr;

use super::password::verify_password;
use super::session::{self, CurrentSession, IssuedSession};
use super::throttle::{self, Throttled};
use super::{AccountError, Via, totp};
use crate::store::Store;

/// How a password step ended.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in: give the browser this session.
    LoggedIn(IssuedSession),
    /// The password was right; a session waiting for the TOTP code.
    CodeNeeded(IssuedSession),
    /// Wrong email or password (which one is not said), or an account
    /// that is disabled: the answer is the same, so that a disabled
    /// account does not tell whether its password was right.
    Refused,
    /// Too many failures: not tried.
    Throttled(Throttled),
}

/// How a TOTP step ended.
#[derive(Debug)]
pub enum CodeOutcome {
    LoggedIn(IssuedSession),
    /// Wrong code, or one already used.
    Refused,
    Throttled(Throttled),
}

/// The email as the login form gave it, in the form accounts are stored.
fn login_email(input: &str) -> String {
    input.trim().to_lowercase()
}

/// The password step.
pub async fn log_in(
    store: &Store,
    email: &str,
    password: String,
    address: IpAddr,
    now: i64,
) -> Result<LoginOutcome, AccountError> {
    let email = login_email(email);
    let attempt = match throttle::begin(store, &email, address, now).await? {
        Ok(attempt) => attempt,
        Err(throttled) => {
            tracing::info!(scope = ?throttled.scope, "login throttled");
            return Ok(LoginOutcome::Throttled(throttled));
        }
    };
    let user = store.user_by_email(&email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !verify_password(hash, password).await {
        throttle::failed(attempt);
        tracing::info!("login refused: wrong email or password");
        return Ok(LoginOutcome::Refused);
    }
    let Some(user) = user else {
        // A password cannot verify without an account.
        return Ok(LoginOutcome::Refused);
    };
    if user.is_disabled() {
        throttle::failed(attempt);
        tracing::info!(user.id = user.id, "login refused: account disabled");
        return Ok(LoginOutcome::Refused);
    }
    if user.totp_enabled {
        // Not a failure, nor yet a success: the account's failures stay
        // until the code is right too.
        store.forget_login_attempts(attempt.rows()).await?;
        let pending = session::start(store, user.id, true, now).await?;
        return Ok(LoginOutcome::CodeNeeded(pending));
    }
    throttle::succeeded(store, attempt).await?;
    let issued = session::start(store, user.id, false, now).await?;
    tracing::info!(user.id = user.id, "logged in");
    Ok(LoginOutcome::LoggedIn(issued))
}

/// The TOTP step of a login whose password was right: a code is accepted
/// once; success replaces the waiting session with a logged-in one.
pub async fn submit_code(
    store: &Store,
    pending: &CurrentSession,
    code: &str,
    address: IpAddr,
    now: i64,
) -> Result<CodeOutcome, AccountError> {
    let principal = &pending.principal;
    let attempt = match throttle::begin(store, &principal.email, address, now).await? {
        Ok(attempt) => attempt,
        Err(throttled) => return Ok(CodeOutcome::Throttled(throttled)),
    };
    if !check_code(store, principal.user_id, code, now).await? {
        throttle::failed(attempt);
        tracing::info!(
            user.id = principal.user_id,
            "login refused: wrong TOTP code"
        );
        return Ok(CodeOutcome::Refused);
    }
    throttle::succeeded(store, attempt).await?;
    if let Via::Session { session_id, .. } = &principal.via {
        store.delete_session(*session_id).await?;
    }
    let issued = session::start(store, principal.user_id, false, now).await?;
    tracing::info!(
        user.id = principal.user_id,
        "logged in with a second factor"
    );
    Ok(CodeOutcome::LoggedIn(issued))
}

/// Whether `code` is the current code of the account's enabled (or being
/// set up) secret and was not used before; using it marks it used.
pub(super) async fn check_code(
    store: &Store,
    user_id: i64,
    code: &str,
    now: i64,
) -> Result<bool, AccountError> {
    let Some(user) = store.user_by_id(user_id).await? else {
        return Ok(false);
    };
    let Some(secret) = user.totp_secret else {
        return Ok(false);
    };
    match totp::matching_step(&secret, code, now) {
        Some(step) => Ok(store.claim_totp_step(user_id, step).await?),
        None => Ok(false),
    }
}
