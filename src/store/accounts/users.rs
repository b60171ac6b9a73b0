//! Accounts: created, found, renamed, given a role, disabled or removed
//! (never the last active admin), their password hashes and TOTP secrets.

use super::*;

pub(in crate::store) fn duplicate_email(email: &str) -> StoreError {
    StoreError::Conflict(Conflict::EmailTaken(email.to_owned()))
}

/// What an account change would do to the site's admins.
pub(in crate::store) fn last_admin(field: &'static str) -> StoreError {
    StoreError::Conflict(Conflict::LastAdmin { field })
}

/// Inserts an account inside `tx`; a taken email is a conflict on `email`.
pub(in crate::store) async fn insert_user(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &NewUser,
    now: i64,
) -> Result<i64, StoreError> {
    let taken = sqlx::query("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(&user.email)
        .fetch_one(&mut **tx)
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
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            duplicate_email(&user.email)
        } else {
            e.into()
        }
    })?
    .try_get::<i64, _>(0)?;
    Ok(id)
}

impl Store {
    // ---- users ----------------------------------------------------------

    /// Creates an account; a taken email is a conflict on `email`.
    pub async fn create_user(&self, user: &NewUser, now: i64) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = insert_user(&mut tx, user, now).await?;
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
        row.as_ref().map(|r| self.user_from_row(r)).transpose()
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| self.user_from_row(r)).transpose()
    }

    /// Every account, by email.
    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY {}",
            self.text_order("email")
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.user_from_row(r)).collect()
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
    pub(in crate::store) async fn lock_user(
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
        row.as_ref().map(|r| self.user_from_row(r)).transpose()
    }

    /// Whether an active admin other than `id` exists. On PostgreSQL the
    /// admins' rows stay locked until the transaction ends, so two admins
    /// demoting each other at once cannot both succeed.
    pub(in crate::store) async fn other_admin_exists(
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
        .bind(self.seal(secret, &totp_context(id))?)
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
}
