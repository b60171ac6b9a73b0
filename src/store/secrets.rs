//! Secrets shared by every node of a site (the VAPID key pair on
//! PostgreSQL). Written once: the first node to store a secret wins, and
//! every other node reads that one.

use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// The secret `name`, storing `make()`'s value first when there is none.
    /// Concurrent first starts agree on one value.
    pub async fn secret_or_insert(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        if let Some(value) = self.secret(name).await? {
            return Ok(value);
        }
        sqlx::query(
            "INSERT INTO site_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(make())
        .execute(&self.pool)
        .await?;
        self.secret(name).await?.ok_or_else(|| {
            StoreError::Corrupt(format!("secret {name} vanished after it was stored"))
        })
    }

    /// Replaces the secret `name`.
    pub async fn replace_secret(&self, name: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO site_secrets (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn secret(&self, name: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM site_secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}
