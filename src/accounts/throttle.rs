//! Login throttling, shared by every web node through the database: after
//! [`ACCOUNT_LIMIT`] failed attempts on one account, or [`ADDRESS_LIMIT`]
//! from one IP address, within [`WINDOW_SECONDS`], further attempts are
//! refused, without being tried, until enough failures leave the window.
//!
//! An attempt is written *before* the password is checked and forgotten if
//! it succeeds, so attempts in flight at the same moment on several nodes
//! count against each other: a burst cannot slip past the limit. A success
//! clears the account's failures but not the address's. Refused attempts
//! are not written, so they do not extend the wait.

use std::net::IpAddr;

use crate::store::{Store, StoreError};

/// How far back failures count.
pub const WINDOW_SECONDS: i64 = 15 * 60;

/// Failures per account within the window before attempts are refused.
pub const ACCOUNT_LIMIT: usize = 5;

/// Failures per IP address within the window before attempts are refused.
pub const ADDRESS_LIMIT: usize = 20;

/// What the limit was reached for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Account,
    Address,
}

/// An attempt that was refused before it was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub scope: Scope,
    /// When an attempt will be tried again (Unix seconds).
    pub retry_at: i64,
}

impl Throttled {
    /// Seconds until then, at least one (for `Retry-After`).
    pub fn retry_after(&self, now: i64) -> i64 {
        (self.retry_at - now).max(1)
    }

    /// What the person trying to log in is told.
    pub fn message(&self, now: i64) -> String {
        let minutes = (self.retry_after(now) + 59) / 60;
        let wait = if minutes == 1 {
            "1 minute".to_owned()
        } else {
            format!("{minutes} minutes")
        };
        let at = chrono::DateTime::from_timestamp(self.retry_at, 0)
            .map(|t| t.format("%H:%M UTC").to_string())
            .unwrap_or_default();
        match self.scope {
            Scope::Account => format!(
                "Too many failed attempts to log in to this account. For its safety, logging in \
                 is paused: try again in {wait} (at {at})."
            ),
            Scope::Address => format!(
                "Too many failed login attempts from your network address. Try again in {wait} \
                 (at {at})."
            ),
        }
    }
}

/// An attempt under way: its rows count as failures until it succeeds.
#[derive(Debug)]
pub struct Attempt {
    rows: Vec<i64>,
    account_key: String,
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

fn address_key(address: IpAddr) -> String {
    format!("ip:{address}")
}

/// Starts an attempt to log in as `email` from `address`, or says why it
/// may not be tried now. Old failures are forgotten on the way.
pub async fn begin(
    store: &Store,
    email: &str,
    address: IpAddr,
    now: i64,
) -> Result<Result<Attempt, Throttled>, StoreError> {
    let since = now - WINDOW_SECONDS;
    store.prune_login_failures(since).await?;
    let account = account_key(email);
    let address = address_key(address);
    let rows = store
        .record_login_attempt(&[account.as_str(), address.as_str()], now)
        .await?;
    for (key, limit, scope) in [
        (&account, ACCOUNT_LIMIT, Scope::Account),
        (&address, ADDRESS_LIMIT, Scope::Address),
    ] {
        let times = store.login_failure_times(key, since, &rows).await?;
        if times.len() >= limit {
            store.forget_login_attempts(&rows).await?;
            // Attempts resume when the failure that keeps the count at the
            // limit leaves the window.
            let (_, at) = times[times.len() - limit];
            return Ok(Err(Throttled {
                scope,
                retry_at: at + WINDOW_SECONDS,
            }));
        }
    }
    Ok(Ok(Attempt {
        rows,
        account_key: account,
    }))
}

impl Attempt {
    /// The rows this attempt wrote.
    pub fn rows(&self) -> &[i64] {
        &self.rows
    }
}

/// The attempt succeeded: it is no failure, and the account starts afresh.
pub async fn succeeded(store: &Store, attempt: Attempt) -> Result<(), StoreError> {
    store.forget_login_attempts(&attempt.rows).await?;
    store.clear_login_failures(&attempt.account_key).await
}

/// The attempt failed: its rows stay, counted as failures.
pub fn failed(attempt: Attempt) {
    drop(attempt);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_says_when_to_come_back() {
        let throttled = Throttled {
            scope: Scope::Account,
            retry_at: 1_700_000_900,
        };
        let text = throttled.message(1_700_000_000);
        assert!(text.contains("try again in 15 minutes"), "{text}");
        assert!(text.contains("UTC"), "{text}");
        assert_eq!(throttled.retry_after(1_700_000_000), 900);
        assert_eq!(throttled.retry_after(1_800_000_000), 1);
    }
}
