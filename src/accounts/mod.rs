//! The newsroom's people: accounts with roles, Argon2id passwords, sessions,
//! API tokens, optional TOTP two-factor, and login throttling. Handlers learn
//! who is asking through the web layer's extractors ([`crate::web::extract`]);
//! what each role may do is decided by [`Role`] ([`crate::roles`]), and
//! nowhere else.
//!
//! # For newsroom pages and the API
//!
//! - A page takes [`NewsroomUser`](crate::web::NewsroomUser): the logged-in user, or a redirect to
//!   `/newsroom/login?next=<the page>`. Its principal's
//!   [`Principal::csrf_token`] goes into every state-changing form as a hidden
//!   field named `csrf`.
//! - A handler of such a form takes the body as [`CsrfForm<T>`](crate::web::CsrfForm) (last
//!   argument, after `NewsroomUser`): it parses the urlencoded form as `T`
//!   only when the `csrf` field matches, and answers 403 with a clear page
//!   otherwise. A form that is not urlencoded (a file upload) calls
//!   [`crate::web::csrf::verify`]`(&principal, &submitted)` itself.
//! - An API handler takes [`ApiUser`](crate::web::ApiUser): a Bearer token (`Authorization:
//!   Bearer hrd_…`), or the session cookie, in which case POST, PUT, PATCH
//!   and DELETE need the `X-CSRF-Token` header (403 `csrf_failed`
//!   otherwise). Without either: 401 `unauthenticated`; a revoked token: 401
//!   `token_revoked`; a disabled account's token: 401 `account_disabled`.
//! - What a role may do: [`Role::can_publish`], [`Role::can_manage_users`].
//!
//! # Parts
//!
//! [`password`] (the rules for a new one, Argon2id), [`common_passwords`]
//! (the common ones a new one must not be), [`session`] (cookies and their
//! rows), [`throttle`] (failed logins, shared by every node), [`totp`] (RFC
//! 6238) and [`two_factor`], [`tokens`] (API tokens), [`users`] (account
//! rules and admin changes), [`invites`] (adding a person without a
//! password: a one-time link to set it), [`login`] (the login steps).

pub mod common_passwords;
pub mod invites;
pub mod login;
pub mod password;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod tokens;
pub mod totp;
pub mod two_factor;
pub mod users;

pub use crate::roles::Role;

use crate::store::StoreError;

/// Why an account operation failed. `Invalid` and `Conflict` name the
/// field the person can fix; the others are not theirs to fix.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{field}: {message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error("no such account")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("cannot make a random secret: {0}")]
    Random(getrandom::Error),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl AccountError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AccountError {
        AccountError::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The field a person can fix, with what to do, when there is one.
    pub fn field_error(&self) -> Option<(&'static str, &str)> {
        match self {
            AccountError::Invalid { field, message }
            | AccountError::Conflict { field, message } => Some((field, message)),
            _ => None,
        }
    }
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> AccountError {
        match e {
            StoreError::Conflict(conflict) => AccountError::Conflict {
                field: conflict.field(),
                message: conflict.to_string(),
            },
            other => AccountError::Store(other),
        }
    }
}

/// Who is making a request, and how they proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub via: Via,
}

/// How a request was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A newsroom session cookie. State-changing requests must carry
    /// `csrf_token` (a form field `csrf`, or the `X-CSRF-Token` header).
    Session { session_id: i64, csrf_token: String },
    /// An API token (`Authorization: Bearer`), acting with its user's role.
    Token { token_id: i64 },
}

impl Principal {
    /// The CSRF token forms must carry, when the request came with a
    /// session cookie; `None` for API tokens, which need none.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::Token { .. } => None,
        }
    }
}
