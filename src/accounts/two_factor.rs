//! Turning two-factor login (TOTP) on and off, for editors and admins:
//! set up (a new secret, shown once), confirm with a code to enable,
//! disable with a current code.

use std::net::IpAddr;

use super::login::check_code;
use super::throttle::{self, Throttled};
use super::{AccountError, Principal, totp};
use crate::store::Store;

/// Whether `principal` may use two-factor login.
pub fn available_to(principal: &Principal) -> bool {
    principal.role.can_publish()
}

fn check_available(principal: &Principal) -> Result<(), AccountError> {
    if available_to(principal) {
        Ok(())
    } else {
        Err(AccountError::Forbidden(
            "two-factor login is for editors and admins".into(),
        ))
    }
}

/// A new secret for `principal`, kept but not yet in force; the caller
/// shows it once. Refused while two-factor is on.
pub async fn begin_setup(store: &Store, principal: &Principal) -> Result<String, AccountError> {
    check_available(principal)?;
    let secret = totp::new_secret().map_err(AccountError::Random)?;
    if !store
        .set_pending_totp_secret(principal.user_id, &secret)
        .await?
    {
        return Err(AccountError::invalid(
            "code",
            "two-factor login is already on; turn it off first to set it up again",
        ));
    }
    Ok(secret)
}

/// Turns two-factor on once `code` shows the authenticator has the secret.
pub async fn confirm_setup(
    store: &Store,
    principal: &Principal,
    code: &str,
    now: i64,
) -> Result<(), AccountError> {
    check_available(principal)?;
    let user = super::users::own_account(store, principal).await?;
    if user.totp_enabled {
        return Ok(());
    }
    if user.totp_secret.is_none() {
        return Err(AccountError::invalid("code", "start the set-up first"));
    }
    if !check_code(store, user.id, code, now).await? {
        return Err(AccountError::invalid(
            "code",
            "this code is not right; check the clock of your device and enter the code it shows now",
        ));
    }
    store.set_totp_enabled(user.id, true).await?;
    tracing::info!(user.id = user.id, "two-factor login turned on");
    Ok(())
}

/// Turns two-factor off, given a current code (throttled like a login).
pub async fn disable(
    store: &Store,
    principal: &Principal,
    code: &str,
    address: IpAddr,
    now: i64,
) -> Result<Result<(), Throttled>, AccountError> {
    let user = super::users::own_account(store, principal).await?;
    if !user.totp_enabled {
        return Ok(Ok(()));
    }
    let attempt = match throttle::begin(store, &user.email, address, now).await? {
        Ok(attempt) => attempt,
        Err(throttled) => return Ok(Err(throttled)),
    };
    if !check_code(store, user.id, code, now).await? {
        throttle::failed(attempt);
        return Err(AccountError::invalid(
            "code",
            "this code is not right, or was already used; enter the code your authenticator shows now",
        ));
    }
    store.forget_login_attempts(attempt.rows()).await?;
    store.set_totp_enabled(user.id, false).await?;
    tracing::info!(user.id = user.id, "two-factor login turned off");
    Ok(Ok(()))
}
