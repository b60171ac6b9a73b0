//! Secrets the database keeps: the site's (the VAPID key pair on
//! PostgreSQL), written once, the first node to store one winning; and
//! the sealing of every secret that must be read back (those and the
//! accounts' TOTP secrets) with the site's [`Keyring`]. A value an older
//! Herald kept in plain text is sealed when a keyring is first given.

use std::sync::Arc;

use sqlx::Row;

use super::{Store, StoreError};
use crate::secrets::{Keyring, is_sealed};

/// What a site secret is sealed for: its name.
fn site_context(name: &str) -> String {
    format!("site_secrets:{name}")
}

/// What a TOTP secret is sealed for: its account.
pub(super) fn totp_context(user_id: i64) -> String {
    format!("users.totp_secret:{user_id}")
}

/// Which sealed values [`Store::reseal_secrets`] rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reseal {
    /// Only values still in plain text (what an older Herald kept).
    Plain,
    /// Every value not sealed with the current key (a rotation).
    NotCurrent,
}

impl Store {
    /// This store sealing with `keyring`, and every secret still in plain
    /// text sealed with it now.
    pub async fn use_keyring(mut self, keyring: Keyring) -> Result<Store, StoreError> {
        self.keyring = Some(Arc::new(keyring));
        let sealed = self.reseal_secrets(Reseal::Plain).await?;
        if sealed > 0 {
            tracing::info!(
                sealed,
                "sealed the secrets an older Herald kept in plain text"
            );
        }
        Ok(self)
    }

    /// `plain` sealed for `context` with the current key.
    pub(super) fn seal(&self, plain: &str, context: &str) -> Result<String, StoreError> {
        let keyring = self.keyring.as_ref().ok_or(StoreError::NoSecretKey)?;
        keyring
            .seal(plain, context)
            .map_err(|source| StoreError::Sealed {
                context: context.to_owned(),
                source,
            })
    }

    /// The plain value of `stored`, sealed for `context` (or kept in plain
    /// text by an older Herald and not yet sealed).
    pub(super) fn unseal(&self, stored: String, context: &str) -> Result<String, StoreError> {
        if !is_sealed(&stored) {
            return Ok(stored);
        }
        let keyring = self.keyring.as_ref().ok_or(StoreError::NoSecretKey)?;
        keyring
            .open(&stored, context)
            .map_err(|source| StoreError::Sealed {
                context: context.to_owned(),
                source,
            })
    }

    /// Seals again, with the current key, the secrets `which` names;
    /// returns how many. Each row is rewritten only if it still holds the
    /// value read, so a secret changed meanwhile is left to its writer.
    pub async fn reseal_secrets(&self, which: Reseal) -> Result<usize, StoreError> {
        let Some(keyring) = self.keyring.clone() else {
            return Ok(0);
        };
        let stale = |value: &str| match which {
            Reseal::Plain => !is_sealed(value),
            Reseal::NotCurrent => !keyring.is_current(value),
        };
        let mut users = Vec::new();
        for row in sqlx::query("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
            .fetch_all(&self.pool)
            .await?
        {
            users.push((row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?));
        }
        let mut site = Vec::new();
        for row in sqlx::query("SELECT name, value FROM site_secrets")
            .fetch_all(&self.pool)
            .await?
        {
            site.push((row.try_get::<String, _>(0)?, row.try_get::<String, _>(1)?));
        }
        let users = users.into_iter().filter(|(_, stored)| stale(stored));
        let site = site.into_iter().filter(|(_, stored)| stale(stored));
        Ok(self
            .reseal_rows(
                users,
                |id| totp_context(*id),
                "UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3",
            )
            .await?
            + self
                .reseal_rows(
                    site,
                    |name| site_context(name),
                    "UPDATE site_secrets SET value = $1 WHERE name = $2 AND value = $3",
                )
                .await?)
    }

    /// Seals each `(key, stored)` again, with `update` (new value, key,
    /// old value) writing it only where the old value is still there.
    async fn reseal_rows<K>(
        &self,
        rows: impl Iterator<Item = (K, String)>,
        context: impl Fn(&K) -> String,
        update: &str,
    ) -> Result<usize, StoreError>
    where
        K: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
    {
        let mut count = 0;
        for (key, stored) in rows {
            let context = context(&key);
            let sealed = self.seal(&self.unseal(stored.clone(), &context)?, &context)?;
            count += sqlx::query(update)
                .bind(sealed)
                .bind(key)
                .bind(stored)
                .execute(&self.pool)
                .await?
                .rows_affected() as usize;
        }
        Ok(count)
    }

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
        .bind(self.seal(&make(), &site_context(name))?)
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
        .bind(self.seal(value, &site_context(name))?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn secret(&self, name: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM site_secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get(0))
            .transpose()?
            .map(|stored| self.unseal(stored, &site_context(name)))
            .transpose()
    }
}
