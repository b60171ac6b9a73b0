//! Subscriptions silent for a long time: asked once "still interested?",
//! and pruned when they stay silent.

use super::*;

impl Store {
    /// Up to `limit` active subscriptions last seen before `seen_before`
    /// and not asked "still interested?" since: the head of the last-seen
    /// index, oldest first.
    pub async fn silent_subscriptions(
        &self,
        seen_before: i64,
        limit: usize,
    ) -> Result<Vec<SilentSubscription>, StoreError> {
        sqlx::query(&silent_subscriptions_sql(self.backend, limit))
            .bind(seen_before)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(silent_from_row)
            .collect()
    }

    /// Records that these subscriptions were asked "still interested?" at
    /// `now`, each only while it is still active, silent since before
    /// `seen_before` and not asked since; returns those recorded (another
    /// sweeper, or a visit meanwhile, keeps the others).
    pub async fn mark_asked(
        &self,
        ids: &[i64],
        seen_before: i64,
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows = fetch_batched(&mut conn, &[now, seen_before], ids, |ids| {
            format!(
                "UPDATE push_subscriptions SET still_interested_at = $1
                 WHERE id IN ({ids}) AND paused = 0 AND last_seen_at < $2
                   AND (still_interested_at IS NULL OR still_interested_at < last_seen_at)
                 RETURNING id"
            )
        })
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    /// Forgets that these were asked at `asked_at` (the question could not
    /// be delivered yet): a later sweep asks again.
    pub async fn unmark_asked(&self, ids: &[i64], asked_at: i64) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        execute_batched(&mut conn, &[asked_at], ids, |ids| {
            format!(
                "UPDATE push_subscriptions SET still_interested_at = NULL
                 WHERE id IN ({ids}) AND still_interested_at = $1"
            )
        })
        .await?;
        Ok(())
    }

    /// Up to `limit` subscriptions asked "still interested?" at or before
    /// `asked_before` and not seen since: those to prune, through the index
    /// of asked subscriptions.
    pub async fn unanswered_subscriptions(
        &self,
        asked_before: i64,
        limit: usize,
    ) -> Result<Vec<SilentSubscription>, StoreError> {
        sqlx::query(&unanswered_subscriptions_sql(self.backend, limit))
            .bind(asked_before)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(silent_from_row)
            .collect()
    }

    /// Deletes these subscriptions (with their follows, reminders and
    /// settings), each only while it is still unanswered since being asked
    /// at or before `asked_before`: one transaction. Returns how many went.
    pub async fn prune_unanswered(
        &self,
        ids: &[i64],
        asked_before: i64,
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let still = fetch_batched(&mut tx, &[asked_before], ids, |ids| {
            format!(
                "SELECT id FROM push_subscriptions
                 WHERE id IN ({ids}) AND still_interested_at <= $1
                   AND last_seen_at <= still_interested_at
                 ORDER BY id {lock}"
            )
        })
        .await?;
        let mut pruned = 0;
        for row in still {
            crate::store::subscriptions::delete_rows(&mut tx, row.try_get(0)?).await?;
            pruned += 1;
        }
        tx.commit().await?;
        Ok(pruned)
    }
}

/// Active subscriptions last seen before `$1`, not asked since: the head
/// of the partial last-seen index.
pub(in crate::store) fn silent_subscriptions_sql(backend: Backend, limit: usize) -> String {
    format!(
        "SELECT s.id, s.endpoint, s.p256dh, s.auth, s.last_seen_at, s.still_interested_at
         FROM push_subscriptions s {}
         WHERE s.paused = 0 AND s.last_seen_at < $1
           AND (s.still_interested_at IS NULL OR s.still_interested_at < s.last_seen_at)
         ORDER BY s.last_seen_at LIMIT {limit}",
        indexed_by(backend, "push_subscriptions_last_seen")
    )
}

/// Subscriptions asked at or before `$1` and not seen since: the head of
/// the partial index of asked subscriptions (the range implies the index's
/// `IS NOT NULL`).
pub(in crate::store) fn unanswered_subscriptions_sql(backend: Backend, limit: usize) -> String {
    format!(
        "SELECT s.id, s.endpoint, s.p256dh, s.auth, s.last_seen_at, s.still_interested_at
         FROM push_subscriptions s {}
         WHERE s.still_interested_at <= $1 AND s.last_seen_at <= s.still_interested_at
         ORDER BY s.still_interested_at LIMIT {limit}",
        indexed_by(backend, "push_subscriptions_asked")
    )
}

pub(in crate::store) fn silent_from_row(row: &AnyRow) -> Result<SilentSubscription, StoreError> {
    Ok(SilentSubscription {
        recipient: Recipient {
            id: row.try_get(0)?,
            endpoint: row.try_get(1)?,
            p256dh: row.try_get(2)?,
            auth: row.try_get(3)?,
        },
        last_seen_at: row.try_get(4)?,
        asked_at: row.try_get(5)?,
    })
}
