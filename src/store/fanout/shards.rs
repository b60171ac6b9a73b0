//! Shards of a planned job: leased by one worker at a time, read a batch
//! of recipients at a time in subscriber-id order, and checkpointed with
//! each batch's outcomes in one transaction.

use super::*;

/// The subscriptions that follow any of `topics` and are not paused.
pub(in crate::store) const FOLLOWS_ANY: &str = "s.paused = 0 AND EXISTS (SELECT 1 FROM push_follows f \
     WHERE f.subscription_id = s.id AND f.topic_id IN";

/// An id no row has: bound for the story or topic an
/// [`Audience::StoryFollowers`] lacks.
pub(in crate::store) const NONE: i64 = -1;

/// The subscriptions (aliased `s`) that are not paused and follow story
/// `story` or topic `topic` (placeholders): a key event's audience, one
/// row each whichever they follow.
pub(in crate::store) fn follows_story_or_topic(story: &str, topic: &str) -> String {
    format!(
        "s.paused = 0 AND (EXISTS (SELECT 1 FROM story_follows sf \
             WHERE sf.subscription_id = s.id AND sf.story_id = {story}) \
         OR EXISTS (SELECT 1 FROM push_follows f \
             WHERE f.subscription_id = s.id AND f.topic_id = {topic}))"
    )
}

impl Store {
    /// Leases the first shard that is ready or whose lease has expired.
    pub async fn lease_shard(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<ShardLease>, StoreError> {
        let row = sqlx::query(lease_shard_sql(self.backend))
            .bind(owner)
            .bind(now_ms + lease_ms)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(ShardLease {
                owner: owner.to_owned(),
                shard_id: row.try_get(0)?,
                job_id: row.try_get(1)?,
                last_subscriber: row.try_get(2)?,
                checkpoint: row.try_get(3)?,
            })
        })
        .transpose()
    }

    /// Extends a lease before more work on its shard; false when the lease
    /// was lost (it expired and another worker took the shard over).
    pub async fn renew_lease(&self, lease: &ShardLease, until_ms: i64) -> Result<bool, StoreError> {
        let renewed = sqlx::query(
            "UPDATE push_shards SET lease_until = $1 WHERE id = $2 AND state = 'leased' AND lease_owner = $3",
        )
        .bind(until_ms)
        .bind(lease.shard_id)
        .bind(&lease.owner)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(renewed == 1)
    }

    /// The next subscribers of a shard after its checkpoint, in id order.
    pub async fn shard_batch(
        &self,
        audience: &Audience,
        after: i64,
        last: i64,
        limit: i64,
    ) -> Result<Vec<Recipient>, StoreError> {
        Ok(self
            .shard_recipients(audience, after, last, limit)
            .await?
            .into_iter()
            .map(|r| r.recipient)
            .collect())
    }

    /// The next subscribers of a shard after its checkpoint, in id order,
    /// each with their reminder state: the same query, whose rows carry the
    /// reminder columns (no join, no further query).
    pub async fn shard_recipients(
        &self,
        audience: &Audience,
        after: i64,
        last: i64,
        limit: i64,
    ) -> Result<Vec<ShardRecipient>, StoreError> {
        let row = match audience {
            Audience::Followers(topic_ids) if topic_ids.is_empty() => return Ok(Vec::new()),
            Audience::Followers(topic_ids) => {
                let sql = followers_batch_sql(self.backend, topic_ids.len(), limit);
                let mut query = sqlx::query(&sql).bind(after).bind(last);
                for t in topic_ids {
                    query = query.bind(t);
                }
                query.fetch_one(&self.pool).await?
            }
            // A range of the primary key: no join, no topic filter.
            Audience::Everyone => {
                sqlx::query(&everyone_batch_sql(self.backend, limit))
                    .bind(after)
                    .bind(last)
                    .fetch_one(&self.pool)
                    .await?
            }
            Audience::StoryFollowers { story, topic } => {
                sqlx::query(&story_followers_batch_sql(self.backend, limit))
                    .bind(after)
                    .bind(last)
                    .bind(story.unwrap_or(NONE))
                    .bind(topic.unwrap_or(NONE))
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        let batch: Vec<BatchRow> = parse_json_rows(&row, "a shard's batch of recipients")?;
        Ok(batch
            .into_iter()
            .map(
                |BatchRow(id, endpoint, p256dh, auth, reminders)| ShardRecipient {
                    recipient: Recipient {
                        id,
                        endpoint,
                        p256dh,
                        auth,
                    },
                    reminders: reminders.into_stored(),
                },
            )
            .collect())
    }

    /// Records a sent batch and moves the shard's checkpoint, in one
    /// transaction: gone subscriptions are deleted, retries, failures and
    /// held reminders written, counts added. With `done`, the shard (and, when nothing of it
    /// is left, the job) is finished.
    pub async fn record_batch(
        &self,
        lease: &ShardLease,
        progress: &Checkpoint,
        outcomes: &Outcomes,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        record_outcomes(&mut tx, lease.job_id, outcomes, now_ms).await?;
        sqlx::query(
            "UPDATE push_shards SET checkpoint = $1, handled = handled + $2,
                 lease_until = $3, state = $4, lease_owner = CASE WHEN $4 = 'done' THEN NULL ELSE lease_owner END
             WHERE id = $5 AND lease_owner = $6",
        )
        .bind(progress.subscriber)
        .bind(progress.handled)
        .bind(now_ms + lease_ms)
        .bind(if progress.done { "done" } else { "leased" })
        .bind(lease.shard_id)
        .bind(&lease.owner)
        .execute(&mut *tx)
        .await?;
        if progress.done {
            finish_job_if_complete(&mut tx, lease.job_id, now_ms).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Hands a shard back (on shutdown): another worker resumes it from its
    /// checkpoint at once.
    pub async fn release_shard(&self, lease: &ShardLease) -> Result<(), StoreError> {
        self.postpone_shard(lease, 0).await
    }

    /// Hands a shard back until `ready_at_ms` (a spread job's next
    /// subscribers' turn): no worker leases it before then.
    pub async fn postpone_shard(
        &self,
        lease: &ShardLease,
        ready_at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE push_shards SET state = 'ready', lease_owner = NULL, lease_until = NULL,
                ready_at = $3
             WHERE id = $1 AND state = 'leased' AND lease_owner = $2",
        )
        .bind(lease.shard_id)
        .bind(&lease.owner)
        .bind(ready_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

pub(in crate::store) async fn record_outcomes(
    tx: &mut Transaction<'_, Any>,
    job_id: i64,
    outcomes: &Outcomes,
    now_ms: i64,
) -> Result<(), StoreError> {
    // The job's row first: its row lock orders every writer of one job's
    // outcomes (see `finish_job_if_complete`), always taken before any
    // subscription or retry row, so that PostgreSQL writers of one job take
    // turns instead of deadlocking.
    sqlx::query(
        "UPDATE push_jobs SET sent = sent + $1, delivered = delivered + $2, gone = gone + $3, failed = failed + $4,
             held = held + $5
         WHERE id = $6",
    )
    .bind(outcomes.sent)
    .bind(outcomes.delivered)
    .bind(outcomes.gone.len() as i64)
    .bind(outcomes.failures.len() as i64)
    .bind(outcomes.held)
    .bind(job_id)
    .execute(&mut **tx)
    .await?;
    // Per push service and minute, for the stats page: a row per host the
    // batch reached (a handful), not per message; after the job's row, so
    // one job's writers take turns here too.
    let minute = now_ms.div_euclid(60_000);
    for tally in outcomes
        .hosts
        .iter()
        .filter(|t| t.delivered + t.gone + t.failed > 0)
    {
        sqlx::query(
            "INSERT INTO push_tallies (job_id, minute, host, delivered, gone, failed)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (job_id, minute, host) DO UPDATE SET
                 delivered = push_tallies.delivered + excluded.delivered,
                 gone = push_tallies.gone + excluded.gone,
                 failed = push_tallies.failed + excluded.failed",
        )
        .bind(job_id)
        .bind(minute)
        .bind(tally.host.as_str())
        .bind(tally.delivered)
        .bind(tally.gone)
        .bind(tally.failed)
        .execute(&mut **tx)
        .await?;
    }
    for id in &outcomes.gone {
        // Gone (404/410): the subscription and its follows go.
        crate::store::subscriptions::delete_rows(tx, *id).await?;
    }
    for retry in &outcomes.retries {
        sqlx::query(
            "INSERT INTO push_retries (job_id, subscription_id, attempt, due_at, expires_at, last_error)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (job_id, subscription_id) DO UPDATE SET attempt = excluded.attempt,
                 due_at = excluded.due_at, last_error = excluded.last_error",
        )
        .bind(job_id)
        .bind(retry.subscription_id)
        .bind(retry.attempt)
        .bind(retry.due_at_ms)
        .bind(retry.expires_at_ms)
        .bind(&retry.error)
        .execute(&mut **tx)
        .await?;
    }
    for failure in &outcomes.failures {
        sqlx::query(
            "INSERT INTO push_failures (job_id, subscription_id, status, reason, failed_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(job_id)
        .bind(failure.subscription_id)
        .bind(failure.status)
        .bind(&failure.reason)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    // After the job's row and the gone subscriptions: the order every
    // writer of a batch keeps.
    insert_held(tx, &outcomes.reminders, now_ms.div_euclid(1000)).await?;
    hold_key_events(tx, &outcomes.key_events, now_ms.div_euclid(1000)).await?;
    Ok(())
}

/// Finishes a job whose shards are all done and whose retries are all
/// settled. Callers have already updated the job's row in this transaction
/// (`record_outcomes` adds the counts), which holds its row lock: on
/// PostgreSQL two workers finishing a job's last two shards therefore take
/// turns, and the second sees the first's shard done instead of each
/// seeing the other's still open.
pub(in crate::store) async fn finish_job_if_complete(
    tx: &mut Transaction<'_, Any>,
    job_id: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE push_jobs SET state = 'done', finished_at = $1
         WHERE id = $2 AND state = 'planned'
           AND NOT EXISTS (SELECT 1 FROM push_shards WHERE job_id = $2 AND state <> 'done')
           AND NOT EXISTS (SELECT 1 FROM push_retries WHERE job_id = $2)",
    )
    .bind(now_ms)
    .bind(job_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Leases the first shard that is ready or whose lease has expired:
/// `$1` owner, `$2` lease end, `$3` now (ms).
pub(in crate::store) fn lease_shard_sql(backend: Backend) -> &'static str {
    match backend {
        // One writer at a time: the subquery and the update see the same
        // database, so no two callers can pick the same shard.
        Backend::Sqlite => {
            "UPDATE push_shards SET state = 'leased', lease_owner = $1, lease_until = $2
             WHERE id = (SELECT id FROM push_shards
                         WHERE (state = 'ready' AND ready_at <= $3)
                            OR (state = 'leased' AND lease_until < $3)
                         ORDER BY id LIMIT 1)
             RETURNING id, job_id, last_subscriber, checkpoint"
        }
        // Concurrent writers: a caller that waited for another's row lock
        // would re-check only `id = …` and lease the same shard again.
        // SKIP LOCKED passes over rows other callers are taking, and the
        // outer condition is checked again on the locked row.
        Backend::Postgres => {
            "UPDATE push_shards SET state = 'leased', lease_owner = $1, lease_until = $2
             WHERE id = (SELECT id FROM push_shards
                         WHERE (state = 'ready' AND ready_at <= $3)
                            OR (state = 'leased' AND lease_until < $3)
                         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
               AND ((state = 'ready' AND ready_at <= $3) OR (state = 'leased' AND lease_until < $3))
             RETURNING id, job_id, last_subscriber, checkpoint"
        }
    }
}

/// A shard's next `limit` followers of any of `topics` topics after
/// checkpoint `$1` up to `$2`; the topic ids are `$3…`, used again by the
/// reminder columns. One row: the batch as JSON ([`BatchRow`]s).
pub(in crate::store) fn followers_batch_sql(backend: Backend, topics: usize, limit: i64) -> String {
    let topics = rows::placeholders(3, topics);
    batch_sql(
        backend,
        &reminder_columns(&topics),
        &format!(
            "FROM push_subscriptions s
             WHERE s.id > $1 AND s.id <= $2 AND {FOLLOWS_ANY} ({topics}))
             ORDER BY s.id LIMIT {limit}"
        ),
    )
}

/// A shard's next `limit` active subscribers after `$1` up to `$2`: a range
/// of the primary key, no join, no topic filter. Their reminder columns
/// name no story topic: this is breaking news, which never waits for a
/// digest. One row: the batch as JSON ([`BatchRow`]s).
pub(in crate::store) fn everyone_batch_sql(backend: Backend, limit: i64) -> String {
    batch_sql(
        backend,
        &crate::store::reminders::reminder_columns_without_digest(),
        &format!(
            "FROM push_subscriptions s
             WHERE s.id > $1 AND s.id <= $2 AND s.paused = 0
             ORDER BY s.id LIMIT {limit}"
        ),
    )
}

/// A key event's shard's next `limit` recipients after `$1` up to `$2`:
/// the followers of story `$3` or topic `$4`. Their reminder columns name
/// no digest topic: the reader followed this story itself, and Breaking
/// news never waits for a digest. One row: the batch as JSON
/// ([`BatchRow`]s).
pub(in crate::store) fn story_followers_batch_sql(backend: Backend, limit: i64) -> String {
    batch_sql(
        backend,
        &crate::store::reminders::reminder_columns_without_digest(),
        &format!(
            "FROM push_subscriptions s
             WHERE s.id > $1 AND s.id <= $2 AND {}
             ORDER BY s.id LIMIT {limit}",
            follows_story_or_topic("$3", "$4")
        ),
    )
}

/// A batch of recipients with their reminder columns, as one JSON row.
pub(in crate::store) fn batch_sql(backend: Backend, reminder_columns: &str, tail: &str) -> String {
    let columns = format!(
        "s.id, s.endpoint, s.p256dh, s.auth, {}",
        json_array(backend, reminder_columns)
    );
    json_rows_sql(backend, "s.id", &columns, tail)
}

/// One recipient of a batch as [`batch_sql`] writes it.
#[derive(serde::Deserialize)]
pub(in crate::store) struct BatchRow(i64, String, String, String, ReminderColumns);
