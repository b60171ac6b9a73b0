//! Messages waiting for another try: claimed when due, sent again until
//! their TTL ends.

use super::*;

impl Store {
    /// Claims up to `limit` due retries for `lease_ms`.
    pub async fn claim_due_retries(
        &self,
        now_ms: i64,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<DueRetry>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(&due_retries_sql(self.backend, limit))
            .bind(now_ms)
            .fetch_all(&mut *tx)
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            sqlx::query("UPDATE push_retries SET due_at = $1 WHERE id = $2")
                .bind(now_ms + lease_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            claimed.push(DueRetry {
                job_id: row.try_get(1)?,
                attempt: row.try_get(2)?,
                expires_at_ms: row.try_get(3)?,
                recipient: Recipient {
                    id: row.try_get(4)?,
                    endpoint: row.try_get(5)?,
                    p256dh: row.try_get(6)?,
                    auth: row.try_get(7)?,
                },
            });
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records what a round of retries for one job came to: delivered and
    /// failed messages leave the retry table, the rest are rescheduled.
    pub async fn record_retries(
        &self,
        job_id: i64,
        done: &[i64],
        outcomes: &Outcomes,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Outcomes first: they take the job's row lock before any retry row.
        record_outcomes(&mut tx, job_id, outcomes, now_ms).await?;
        for subscription_id in done {
            sqlx::query("DELETE FROM push_retries WHERE job_id = $1 AND subscription_id = $2")
                .bind(job_id)
                .bind(subscription_id)
                .execute(&mut *tx)
                .await?;
        }
        finish_job_if_complete(&mut tx, job_id, now_ms).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Up to `limit` retries due at `$1` (ms), with their subscriptions.
/// PostgreSQL lets several workers claim at once: each locks the rows it
/// claims and passes over those another is claiming. SQLite has one writer,
/// and needs (and knows) no row locks.
pub(in crate::store) fn due_retries_sql(backend: Backend, limit: i64) -> String {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => "FOR UPDATE OF r SKIP LOCKED",
    };
    format!(
        "SELECT r.id, r.job_id, r.attempt, r.expires_at, s.id, s.endpoint, s.p256dh, s.auth
         FROM push_retries r JOIN push_subscriptions s ON s.id = r.subscription_id
         WHERE r.due_at <= $1 ORDER BY r.due_at LIMIT {limit} {lock}"
    )
}
