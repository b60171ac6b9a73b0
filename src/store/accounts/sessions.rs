//! Newsroom sessions, found by the SHA-256 of their cookie's secret.

use super::*;

impl Store {
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
}
