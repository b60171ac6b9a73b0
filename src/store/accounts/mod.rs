//! Storage for newsroom accounts: users, the invites that become them,
//! their sessions and API tokens, and the failed logins that throttle
//! password guessing. Secrets never reach this module: sessions, tokens and
//! invites are found by the SHA-256 of their secret. The rules (who may log in, what a role may do) live in
//! [`crate::accounts`]; the one rule kept here, inside the transaction that
//! would break it, is that a site always keeps an active admin.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::secrets::totp_context;
use super::{Backend, Conflict, Store, StoreError};
use crate::roles::Role;

mod api_tokens;
mod invites;
mod login_attempts;
mod sessions;
mod users;

pub use invites::{InviteRecord, NewInvite};

/// A newsroom account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    /// Always lowercase.
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Argon2id, as a PHC string.
    pub password_hash: String,
    /// Base32; present while two-factor is being set up or is enabled.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    /// The last TOTP time step a code was accepted for: a code is good once.
    pub totp_last_step: Option<i64>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
}

impl UserRecord {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Lowercase.
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
}

/// A session to create.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: i64,
    pub secret_hash: String,
    pub csrf_token: String,
    /// The password was right; the TOTP code is still to come.
    pub pending_totp: bool,
    pub expires_at: i64,
}

/// A live session and the account it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub csrf_token: String,
    pub pending_totp: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// An API token as listed (never its secret: only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub user_id: i64,
    /// The owner's email.
    pub email: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The token a request presented, with its owner as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub token_id: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub user_disabled: bool,
}

const USER_COLUMNS: &str = "id, email, name, role, password_hash, totp_secret, totp_enabled, \
     totp_last_step, disabled_at, created_at";

fn role(row: &AnyRow, column: &str) -> Result<Role, StoreError> {
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown role {text:?}")))
}

impl Store {
    /// An account's row, its TOTP secret unsealed.
    fn user_from_row(&self, row: &AnyRow) -> Result<UserRecord, StoreError> {
        let id: i64 = row.try_get("id")?;
        let totp_secret: Option<String> = row.try_get("totp_secret")?;
        Ok(UserRecord {
            id,
            totp_secret: totp_secret
                .map(|stored| self.unseal(stored, &totp_context(id)))
                .transpose()?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: role(row, "role")?,
            password_hash: row.try_get("password_hash")?,
            totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
            totp_last_step: row.try_get("totp_last_step")?,
            disabled_at: row.try_get("disabled_at")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// Whether `e` is the database refusing a duplicate in a unique column.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// Whether `e` is the database refusing to delete a row others refer to.
fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}
