//! Invites: a person added without a password, by the SHA-256 of the
//! link's token. Kept here, inside the transactions that would break them:
//! at most one invite per email waits at a time (a new one revokes the
//! one before), an invite is accepted once, and accepting it creates the
//! account only if no account has the email by then.

use super::users::{duplicate_email, insert_user};
use super::*;

/// An invite to create.
#[derive(Debug, Clone)]
pub struct NewInvite {
    /// Lowercase.
    pub email: String,
    pub name: String,
    pub role: Role,
    pub token_hash: String,
    /// The admin who made it; `None` from the command line.
    pub created_by: Option<i64>,
    pub expires_at: i64,
}

/// An invite as stored (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRecord {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const INVITE_COLUMNS: &str =
    "id, email, name, role, created_by, created_at, expires_at, accepted_at, revoked_at";

fn invite_from_row(row: &AnyRow) -> Result<InviteRecord, StoreError> {
    Ok(InviteRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: role(row, "role")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        accepted_at: row.try_get("accepted_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Keeps a new invite, revoking any invite still waiting for the same
    /// email; an email that already has an account is a conflict on `email`.
    pub async fn create_invite(
        &self,
        invite: &NewInvite,
        now: i64,
    ) -> Result<InviteRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("SELECT COUNT(*) FROM users WHERE email = $1")
            .bind(&invite.email)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>(0)?;
        if taken > 0 {
            return Err(duplicate_email(&invite.email));
        }
        sqlx::query(
            "UPDATE invites SET revoked_at = $1
             WHERE email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(&invite.email)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(&format!(
            "INSERT INTO invites (email, name, role, token_hash, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {INVITE_COLUMNS}"
        ))
        .bind(&invite.email)
        .bind(&invite.name)
        .bind(invite.role.as_str())
        .bind(&invite.token_hash)
        .bind(invite.created_by)
        .bind(now)
        .bind(invite.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let record = invite_from_row(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    /// The invite whose token hashes to `token_hash`, whatever its state.
    pub async fn invite_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<InviteRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(invite_from_row).transpose()
    }

    /// The invite `id`, whatever its state.
    pub async fn invite_by_id(&self, id: i64) -> Result<Option<InviteRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(invite_from_row).transpose()
    }

    /// Invites neither accepted nor revoked (expired ones too), newest first.
    pub async fn waiting_invites(&self) -> Result<Vec<InviteRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites
             WHERE accepted_at IS NULL AND revoked_at IS NULL ORDER BY id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invite_from_row).collect()
    }

    /// Revokes invite `id` if it is still waiting; false otherwise.
    pub async fn revoke_invite(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE invites SET revoked_at = $1
             WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Accepts invite `id` with the account's password hash, creating the
    /// account, in one transaction; `None` when the invite was no longer
    /// waiting or had expired at `now` (another request took it first). A
    /// taken email is a conflict on `email`, and the invite stays waiting.
    pub async fn accept_invite(
        &self,
        id: i64,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(&format!(
            "UPDATE invites SET accepted_at = $1
             WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1
             RETURNING {INVITE_COLUMNS}"
        ))
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(invite) = claimed.as_ref().map(invite_from_row).transpose()? else {
            return Ok(None);
        };
        let account = NewUser {
            email: invite.email,
            name: invite.name,
            role: invite.role,
            password_hash: password_hash.to_owned(),
        };
        let user_id = insert_user(&mut tx, &account, now).await?;
        sqlx::query("UPDATE invites SET user_id = $1 WHERE id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }
}
