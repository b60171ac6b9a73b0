//! API tokens, found by the SHA-256 of their secret, listed and revoked.

use super::*;

pub(in crate::store) const TOKEN_COLUMNS: &str =
    "t.id, t.user_id, u.email, t.name, t.created_at, t.last_used_at, t.revoked_at";

pub(in crate::store) fn token_from_row(row: &AnyRow) -> Result<TokenRecord, StoreError> {
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

pub(in crate::store) fn duplicate_token_name(name: &str) -> StoreError {
    StoreError::Conflict(Conflict::TokenNameTaken(name.to_owned()))
}

impl Store {
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
}
