//! Storage for newsroom accounts: users, their sessions and API tokens, and
//! the failed logins that throttle password guessing. Secrets never reach
//! this module: sessions and tokens are found by the SHA-256 of their
//! secret. The rules (who may log in, what a role may do) live in
//! [`crate::accounts`]; the one rule kept here, inside the transaction that
//! would break it, is that a site always keeps an active admin.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Conflict, Store, StoreError};
use crate::roles::Role;

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

const TOKEN_COLUMNS: &str =
    "t.id, t.user_id, u.email, t.name, t.created_at, t.last_used_at, t.revoked_at";

fn role(row: &AnyRow, column: &str) -> Result<Role, StoreError> {
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown role {text:?}")))
}

fn user_from_row(row: &AnyRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: role(row, "role")?,
        password_hash: row.try_get("password_hash")?,
        totp_secret: row.try_get("totp_secret")?,
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        totp_last_step: row.try_get("totp_last_step")?,
        disabled_at: row.try_get("disabled_at")?,
        created_at: row.try_get("created_at")?,
    })
}

fn token_from_row(row: &AnyRow) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
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

fn duplicate_email(email: &str) -> StoreError {
    StoreError::Conflict(Conflict::EmailTaken(email.to_owned()))
}

fn duplicate_token_name(name: &str) -> StoreError {
    StoreError::Conflict(Conflict::TokenNameTaken(name.to_owned()))
}

/// What an account change would do to the site's admins.
fn last_admin(field: &'static str) -> StoreError {
    StoreError::Conflict(Conflict::LastAdmin { field })
}

impl Store {
    // ---- users ----------------------------------------------------------

    /// Creates an account; a taken email is a conflict on `email`.
    pub async fn create_user(&self, user: &NewUser, now: i64) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("SELECT COUNT(*) FROM users WHERE email = $1")
            .bind(&user.email)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>(0)?;
        if taken > 0 {
            return Err(duplicate_email(&user.email));
        }
        let id = sqlx::query(
            "INSERT INTO users (email, name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                duplicate_email(&user.email)
            } else {
                e.into()
            }
        })?
        .try_get::<i64, _>(0)?;
        tx.commit().await?;
        Ok(id)
    }

    /// The account with this (lowercase) email.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every account, by email.
    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY {}",
            self.text_order("email")
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Changes an account's display name; false when there is no such account.
    pub async fn rename_user(&self, id: i64, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(done > 0)
    }

    /// Changes an account's role, unless that would leave no active admin.
    /// False when there is no such account.
    pub async fn set_user_role(&self, id: i64, role: Role) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(current) = self.lock_user(&mut tx, id).await? else {
            return Ok(false);
        };
        if current.role == Role::Admin
            && role != Role::Admin
            && !current.is_disabled()
            && !self.other_admin_exists(&mut tx, id).await?
        {
            return Err(last_admin("role"));
        }
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Disables (ending every session) or enables an account, never
    /// disabling the last active admin. False when there is no such account.
    pub async fn set_user_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(current) = self.lock_user(&mut tx, id).await? else {
            return Ok(false);
        };
        if disabled {
            if current.role == Role::Admin
                && !current.is_disabled()
                && !self.other_admin_exists(&mut tx, id).await?
            {
                return Err(last_admin("user"));
            }
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes an account with its sessions and tokens, never the last
    /// active admin, nor an account whose work other records still name
    /// (disable it instead). False when there is no such account.
    pub async fn delete_user(&self, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(current) = self.lock_user(&mut tx, id).await? else {
            return Ok(false);
        };
        if current.role == Role::Admin
            && !current.is_disabled()
            && !self.other_admin_exists(&mut tx, id).await?
        {
            return Err(last_admin("user"));
        }
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if is_foreign_key_violation(&e) {
                    StoreError::Conflict(Conflict::AccountInUse)
                } else {
                    e.into()
                }
            })?;
        tx.commit().await?;
        Ok(true)
    }

    /// The account `id` inside a write transaction, its row locked on
    /// PostgreSQL (SQLite's write transaction holds the whole database).
    async fn lock_user(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: i64,
    ) -> Result<Option<UserRecord>, StoreError> {
        let portable = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let sql = match self.backend {
            Backend::Sqlite => portable,
            Backend::Postgres => format!("{portable} FOR UPDATE"),
        };
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Whether an active admin other than `id` exists. On PostgreSQL the
    /// admins' rows stay locked until the transaction ends, so two admins
    /// demoting each other at once cannot both succeed.
    async fn other_admin_exists(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: i64,
    ) -> Result<bool, StoreError> {
        let portable =
            "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1";
        let sql = match self.backend {
            Backend::Sqlite => portable.to_owned(),
            Backend::Postgres => format!("{portable} FOR UPDATE"),
        };
        let rows = sqlx::query(&sql).bind(id).fetch_all(&mut **tx).await?;
        Ok(!rows.is_empty())
    }

    /// Replaces an account's password hash and ends its sessions, all but
    /// `keep` (the session that changed it).
    pub async fn set_password_hash(
        &self,
        id: i64,
        password_hash: &str,
        keep: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(id)
            .bind(keep.unwrap_or(0))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps a new TOTP secret while two-factor is being set up (not yet
    /// enabled); false when it is already enabled.
    pub async fn set_pending_totp_secret(&self, id: i64, secret: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_last_step = NULL
             WHERE id = $2 AND totp_enabled = 0",
        )
        .bind(secret)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    /// Turns two-factor on or off. Off forgets the secret.
    pub async fn set_totp_enabled(&self, id: i64, enabled: bool) -> Result<(), StoreError> {
        let sql = if enabled {
            "UPDATE users SET totp_enabled = 1 WHERE id = $1 AND totp_secret IS NOT NULL"
        } else {
            "UPDATE users SET totp_enabled = 0, totp_secret = NULL, totp_last_step = NULL WHERE id = $1"
        };
        sqlx::query(sql).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Records that a TOTP code for `step` was used, if no code for this or
    /// a later step was: true when this use is the first.
    pub async fn claim_totp_step(&self, id: i64, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    // ---- sessions -------------------------------------------------------

    pub async fn create_session(&self, session: &NewSession, now: i64) -> Result<i64, StoreError> {
        let id = sqlx::query(
            "INSERT INTO sessions (user_id, secret_hash, csrf_token, pending_totp, created_at,
                 last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
        )
        .bind(session.user_id)
        .bind(&session.secret_hash)
        .bind(&session.csrf_token)
        .bind(i64::from(session.pending_totp))
        .bind(now)
        .bind(session.expires_at)
        .fetch_one(&self.pool)
        .await?
        .try_get::<i64, _>(0)?;
        Ok(id)
    }

    /// The unexpired session whose secret hashes to `secret_hash`, of an
    /// account that is not disabled.
    pub async fn session_by_hash(
        &self,
        secret_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id, s.csrf_token, s.pending_totp, s.created_at, s.last_seen_at,
                    u.id AS user_id, u.email, u.name, u.role
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.secret_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(secret_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            id: row.try_get("id")?,
            csrf_token: row.try_get("csrf_token")?,
            pending_totp: row.try_get::<i64, _>("pending_totp")? != 0,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            user_id: row.try_get("user_id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: role(&row, "role")?,
        }))
    }

    /// Notes that a session was used at `now` and moves its expiry.
    pub async fn touch_session(
        &self,
        id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
            .bind(now)
            .bind(expires_at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of an account; returns how many there were.
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Forgets sessions that expired before `now`.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    // ---- API tokens -----------------------------------------------------

    /// Stores a token's hash under `name`, which must be new among the
    /// user's working tokens (a conflict on `name` otherwise).
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND name = $2 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .bind(name)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>(0)?;
        if taken > 0 {
            return Err(duplicate_token_name(name));
        }
        let id = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                duplicate_token_name(name)
            } else {
                e.into()
            }
        })?
        .try_get::<i64, _>(0)?;
        tx.commit().await?;
        Ok(id)
    }

    /// The token whose secret hashes to `token_hash`, revoked or not, with
    /// its owner.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<TokenOwner>, StoreError> {
        let row = sqlx::query(
            "SELECT t.id, t.last_used_at, t.revoked_at, u.id AS user_id, u.email, u.name, u.role,
                    u.disabled_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(TokenOwner {
            token_id: row.try_get("id")?,
            last_used_at: row.try_get("last_used_at")?,
            revoked_at: row.try_get("revoked_at")?,
            user_id: row.try_get("user_id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: role(&row, "role")?,
            user_disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        }))
    }

    /// Tokens, newest first: one account's, or everyone's.
    pub async fn list_api_tokens(
        &self,
        user_id: Option<i64>,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE $1 = 0 OR t.user_id = $1 ORDER BY t.id DESC"
        ))
        .bind(user_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Working tokens whose id is `id_or_name` (when it is a number) or
    /// whose name is it, of any account.
    pub async fn find_api_tokens(&self, id_or_name: &str) -> Result<Vec<TokenRecord>, StoreError> {
        let id = id_or_name.parse::<i64>().unwrap_or(0);
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.revoked_at IS NULL AND (t.id = $1 OR t.name = $2) ORDER BY t.id"
        ))
        .bind(id)
        .bind(id_or_name)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes a working token (only `user_id`'s, when given); false when
    /// there is no such working token.
    pub async fn revoke_api_token(
        &self,
        id: i64,
        user_id: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1
             WHERE id = $2 AND revoked_at IS NULL AND ($3 = 0 OR user_id = $3)",
        )
        .bind(now)
        .bind(id)
        .bind(user_id.unwrap_or(0))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    pub async fn touch_api_token(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- login throttling ----------------------------------------------

    /// Writes one attempt row per key, counted as a failure until it is
    /// forgotten; returns the rows' ids.
    pub async fn record_login_attempt(
        &self,
        keys: &[&str],
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(keys.len());
        for key in keys {
            let id =
                sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2) RETURNING id")
                    .bind(*key)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get::<i64, _>(0)?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// When each failure for `key` since `since` happened (oldest first),
    /// leaving out the rows `except`.
    pub async fn login_failure_times(
        &self,
        key: &str,
        since: i64,
        except: &[i64],
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at FROM login_failures WHERE key = $1 AND at > $2 ORDER BY at, id",
        )
        .bind(key)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut times = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            if !except.contains(&id) {
                times.push((id, row.try_get("at")?));
            }
        }
        Ok(times)
    }

    /// Forgets the attempt rows `ids` (a success, or an attempt refused
    /// before it was tried).
    pub async fn forget_login_attempts(&self, ids: &[i64]) -> Result<(), StoreError> {
        for id in ids {
            sqlx::query("DELETE FROM login_failures WHERE id = $1")
                .bind(*id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Forgets every failure for `key` (an account that logged in).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets failures from before `before`, which no longer count.
    pub async fn prune_login_failures(&self, before: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
