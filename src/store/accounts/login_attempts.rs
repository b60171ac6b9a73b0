//! Failed logins, counted per account and per address, that throttle
//! password guessing on every node.

use super::*;

impl Store {
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
