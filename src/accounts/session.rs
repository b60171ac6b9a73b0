//! Newsroom sessions: a cookie holding a random secret, a row keeping its
//! SHA-256, an idle timeout and an absolute lifetime, and the CSRF token
//! every state-changing request of the session must carry.
//!
//! The cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (not sent
//! on cross-site posts), `Path=/`, and `Secure` when the site's base URL is
//! https.

use axum::http::{HeaderMap, HeaderValue, header};

use super::secret::{hash_secret, random_secret};
use super::{AccountError, Principal, Via};
use crate::config::Config;
use crate::store::{NewSession, Store, StoreError};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "herald_session";

/// A session unused this long ends.
pub const IDLE_SECONDS: i64 = 12 * 60 * 60;

/// A session ends this long after it began, however busy.
pub const MAX_SECONDS: i64 = 7 * 24 * 60 * 60;

/// How long a login waits for its second factor.
pub const PENDING_TOTP_SECONDS: i64 = 5 * 60;

/// `last_seen` is written at most this often per session, not on every
/// request.
pub const TOUCH_AFTER_SECONDS: i64 = 5 * 60;

/// A session just created: the cookie's secret (shown to the browser
/// once, never stored) and the CSRF token.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub id: i64,
    pub cookie_secret: String,
    pub csrf_token: String,
}

/// A session a request presented, as it stands now.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub principal: Principal,
    /// The password was right but the TOTP code is still to come: not
    /// logged in yet.
    pub pending_totp: bool,
}

/// Starts a session for `user_id`: logged in, or waiting for its TOTP code.
pub async fn start(
    store: &Store,
    user_id: i64,
    pending_totp: bool,
    now: i64,
) -> Result<IssuedSession, AccountError> {
    let cookie_secret = random_secret().map_err(AccountError::Random)?;
    let csrf_token = random_secret().map_err(AccountError::Random)?;
    let expires_at = if pending_totp {
        now + PENDING_TOTP_SECONDS
    } else {
        now + IDLE_SECONDS
    };
    let id = store
        .create_session(
            &NewSession {
                user_id,
                secret_hash: hash_secret(&cookie_secret),
                csrf_token: csrf_token.clone(),
                pending_totp,
                expires_at,
            },
            now,
        )
        .await?;
    // Sessions that ended are forgotten now and then: here, at each login.
    store.delete_expired_sessions(now).await?;
    Ok(IssuedSession {
        id,
        cookie_secret,
        csrf_token,
    })
}

/// The live session whose cookie secret is `secret`, its last use noted
/// (at most every [`TOUCH_AFTER_SECONDS`]) and its idle expiry moved.
pub async fn current(
    store: &Store,
    secret: &str,
    now: i64,
) -> Result<Option<CurrentSession>, StoreError> {
    let Some(record) = store.session_by_hash(&hash_secret(secret), now).await? else {
        return Ok(None);
    };
    if !record.pending_totp && now - record.last_seen_at >= TOUCH_AFTER_SECONDS {
        let expires_at = (now + IDLE_SECONDS).min(record.created_at + MAX_SECONDS);
        store.touch_session(record.id, now, expires_at).await?;
    }
    Ok(Some(CurrentSession {
        principal: Principal {
            user_id: record.user_id,
            email: record.email,
            name: record.name,
            role: record.role,
            via: Via::Session {
                session_id: record.id,
                csrf_token: record.csrf_token,
            },
        },
        pending_totp: record.pending_totp,
    }))
}

/// Whether cookies get the `Secure` flag: when the site is served over https.
pub fn secure_cookies(config: &Config) -> bool {
    config.base_url.scheme() == "https"
}

/// A `Set-Cookie` value for `name=value` with the session cookie's
/// attributes, living `max_age` seconds (0 deletes it).
pub fn cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    // Names and values are base64url and constants: always a valid header.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session cookie for a new session.
pub fn session_cookie(session: &IssuedSession, secure: bool) -> HeaderValue {
    cookie(SESSION_COOKIE, &session.cookie_secret, MAX_SECONDS, secure)
}

/// A `Set-Cookie` value that deletes the session cookie.
pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    cookie(SESSION_COOKIE, "", 0, secure)
}

/// The value of the cookie `name` in a request's `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; herald_session=abc"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie_value(&headers, "b"), Some("2"));
        assert_eq!(cookie_value(&headers, "c"), None);
    }

    #[test]
    fn session_cookies_are_http_only_and_secure_on_https() {
        let plain = cookie(SESSION_COOKIE, "x", 60, false);
        let plain = plain.to_str().expect("ascii");
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(plain.contains("Path=/") && !plain.contains("Secure"));
        let secure = cookie(SESSION_COOKIE, "x", 60, true);
        assert!(secure.to_str().expect("ascii").ends_with("; Secure"));
    }
}
