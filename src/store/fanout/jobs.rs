//! Fan-out jobs, the outbox: written with the story that publishes them
//! (or by "send an update"), rescheduled with it, planned into shards when
//! due and once the story's earlier jobs are done, and counted.

use super::*;
use crate::content::spread::{self, Spread};

/// Writes a story's fan-out job, in the transaction that publishes it.
/// With `settings.send` off the job is silent: written, finished at once,
/// never delivered.
pub(in crate::store) async fn enqueue_job(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    not_before: i64,
    settings: &NotificationSettings,
    now: i64,
) -> Result<(), StoreError> {
    let ttl = settings.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
    insert_job(
        tx,
        story_id,
        not_before,
        settings,
        JobKind::Original,
        ttl,
        now,
    )
    .await?;
    Ok(())
}

/// Inserts a job row; returns its id. `now` is in Unix seconds.
pub(in crate::store) async fn insert_job(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    not_before: i64,
    settings: &NotificationSettings,
    kind: JobKind,
    ttl_seconds: u32,
    now: i64,
) -> Result<i64, StoreError> {
    let silent = !settings.send;
    let row = sqlx::query(
        "INSERT INTO push_jobs (story_id, title, body, ttl_seconds, not_before, created_at,
                                breaking, kind, silent, state, finished_at,
                                spread_minutes, spread_breaking)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                 CASE WHEN $9 = 1 THEN 'done' ELSE 'pending' END,
                 CASE WHEN $9 = 1 THEN $10 ELSE NULL END, $11, $12)
         RETURNING id",
    )
    .bind(story_id)
    .bind(settings.title.clone())
    .bind(settings.body.clone())
    .bind(i64::from(ttl_seconds))
    .bind(not_before)
    .bind(now)
    .bind(i64::from(settings.breaking))
    .bind(kind.as_str())
    .bind(i64::from(silent))
    .bind(now.saturating_mul(1000))
    .bind(i64::from(settings.spread_minutes))
    .bind(i64::from(settings.spread_breaking))
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get(0)?)
}

/// Moves a story's waiting job to its new publication time.
pub(in crate::store) async fn reschedule_job(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    not_before: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE push_jobs SET not_before = $1 WHERE story_id = $2 AND state = 'pending'")
        .bind(not_before)
        .bind(story_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `queued` of a planned job whose subscribers are still being counted.
pub(in crate::store) const UNCOUNTED: i64 = -1;

/// A job waits while an earlier job of its story is pending or still has
/// shards to send: the later notification must also be the last to reach
/// a device, where it replaces the earlier one.
pub(in crate::store) const EARLIER_JOBS_DONE: &str = "NOT EXISTS (SELECT 1 FROM push_jobs e WHERE e.story_id = j.story_id AND e.id < j.id
       AND (e.state = 'pending'
            OR EXISTS (SELECT 1 FROM push_shards sh WHERE sh.job_id = e.id AND sh.state <> 'done')))";

impl Store {
    /// Whether a notification of story `story_id` went out as breaking
    /// news (an update of it is breaking too).
    pub async fn notified_as_breaking(&self, story_id: i64) -> Result<bool, StoreError> {
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) FROM push_jobs WHERE story_id = $1 AND breaking = 1 AND silent = 0",
        )
        .bind(story_id)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        Ok(count > 0)
    }

    /// The newsroom's "send an update" for a published story: a new job,
    /// sent now, whose notification replaces the story's earlier one on
    /// devices (same `tag` and `Topic`; see [`crate::delivery::payload`]).
    /// `settings` may override the title and body; without them the
    /// story's headline and standfirst at sending time are used. The
    /// update goes to the same audience as before: every subscriber when
    /// it, or any earlier notification of the story, is breaking; the
    /// followers of the story's topics otherwise. Its TTL is the one given,
    /// else the last job's. `send` is ignored: an update is always sent.
    ///
    /// While an earlier job of the story is still sending, the update waits
    /// for it to finish its shards (see `plan_due_jobs`). `now` is in Unix
    /// seconds. Returns the new job's id.
    pub async fn enqueue_update(
        &self,
        story_id: i64,
        settings: &NotificationSettings,
        now: i64,
    ) -> Result<i64, UpdateError> {
        let mut tx = self.begin_write().await?;
        let published: Option<Option<i64>> =
            sqlx::query("SELECT published_at FROM stories WHERE id = $1")
                .bind(story_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get(0))
                .transpose()?;
        match published {
            None => return Err(UpdateError::UnknownStory),
            Some(at) if at.is_none_or(|at| at > now) => return Err(UpdateError::NotPublished),
            Some(_) => {}
        }
        let earlier = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM push_jobs WHERE story_id = $1 AND breaking = 1 AND silent = 0),
                    (SELECT ttl_seconds FROM push_jobs WHERE story_id = $1 ORDER BY id DESC LIMIT 1)",
        )
        .bind(story_id)
        .fetch_one(&mut *tx)
        .await?;
        let breaking_before: i64 = earlier.try_get(0)?;
        let last_ttl: Option<i64> = earlier.try_get(1)?;
        let ttl = settings
            .ttl_seconds
            .or_else(|| last_ttl.and_then(|t| u32::try_from(t).ok()))
            .unwrap_or(DEFAULT_TTL_SECONDS);
        let update = NotificationSettings {
            send: true,
            breaking: settings.breaking || breaking_before > 0,
            ..settings.clone()
        };
        let id = insert_job(&mut tx, story_id, now, &update, JobKind::Update, ttl, now).await?;
        tx.commit().await?;
        self.announce_job().await;
        Ok(id)
    }

    /// Plans every job whose story is now visible: splits its subscriber id
    /// range into shards of `shard_size`. Each job is planned exactly once,
    /// whichever process gets there first, and only after the earlier jobs
    /// of its story have sent their shards; their messages still waiting
    /// for a retry are then superseded. Returns the planned job ids.
    pub async fn plan_due_jobs(
        &self,
        now_ms: i64,
        shard_size: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let now = now_ms.div_euclid(1000);
        let due = sqlx::query(&due_jobs_sql())
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        let mut planned = Vec::new();
        for row in due {
            let job_id: i64 = row.try_get(0)?;
            let story_id: i64 = row.try_get(1)?;
            let published: Option<i64> = row.try_get(2)?;
            let breaking = row.try_get::<i64, _>(3)? != 0;
            let spread_minutes = u32::try_from(row.try_get::<i64, _>(4)?).unwrap_or(0);
            let spread_breaking = row.try_get::<i64, _>(5)? != 0;
            let mut tx = self.begin_write().await?;
            if published.is_none_or(|at| at > now) {
                // Unpublished or moved later since the job was written.
                cancel_or_wait(&mut tx, job_id, published).await?;
                tx.commit().await?;
                continue;
            }
            let claimed = sqlx::query(
                "UPDATE push_jobs SET state = 'planned', planned_at = $1 WHERE id = $2 AND state = 'pending'",
            )
            .bind(now_ms)
            .bind(job_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                continue;
            }
            let audience = audience(&mut tx, story_id, breaking).await?;
            // Shards cover the whole subscriber id range, found through the
            // primary key without reading a row: planning takes milliseconds
            // whatever the number of subscribers, and workers start at once.
            let range = sqlx::query(SUBSCRIBER_RANGE_SQL)
                .fetch_one(&mut *tx)
                .await?;
            let (first, last) = if audience.is_nobody() {
                (0, -1)
            } else {
                (
                    range.try_get::<Option<i64>, _>(0)?.unwrap_or(0),
                    range.try_get::<Option<i64>, _>(1)?.unwrap_or(-1),
                )
            };
            let minutes = if spread_minutes > 0 {
                let urgent = breaking || in_breaking_topic(&mut tx, story_id).await?;
                spread::minutes(spread_minutes, spread_breaking, urgent)
            } else {
                0
            };
            let spread = Spread::new(now_ms, minutes, (first, last));
            let mut start = first;
            while start <= last {
                let end = (start + shard_size - 1).min(last);
                sqlx::query(
                    "INSERT INTO push_shards (job_id, first_subscriber, last_subscriber, checkpoint,
                        ready_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(job_id)
                .bind(start)
                .bind(end)
                .bind(start - 1)
                .bind(spread.map_or(0, |s| s.due_at(start)))
                .execute(&mut *tx)
                .await?;
                start = end + 1;
            }
            let (queued, state) = if first > last {
                (0, "done")
            } else {
                (UNCOUNTED, "planned")
            };
            sqlx::query("UPDATE push_jobs SET queued = $1, state = $2, finished_at = CASE WHEN $2 = 'done' THEN $3 ELSE NULL END WHERE id = $4")
                .bind(queued)
                .bind(state)
                .bind(now_ms)
                .bind(job_id)
                .execute(&mut *tx)
                .await?;
            supersede_earlier(&mut tx, story_id, job_id, now_ms).await?;
            tx.commit().await?;
            // How many will be sent is counted by the caller, beside the
            // sending: see `count_planned`.
            planned.push(job_id);
        }
        // A planner that died before counting left its job uncounted.
        let stale =
            sqlx::query("SELECT id FROM push_jobs WHERE queued < 0 AND planned_at < $1 LIMIT 10")
                .bind(now_ms - 60_000)
                .fetch_all(&self.pool)
                .await?;
        for row in stale {
            self.count_planned(row.try_get(0)?).await?;
        }
        Ok(planned)
    }

    /// Counts the subscribers a planned job sends to and records it as
    /// `queued`, the newsroom's figure. It scans the follows, with no lock
    /// held: workers run it beside the sending, so that counting a million
    /// followers never delays the first notification.
    pub async fn count_planned(&self, job_id: i64) -> Result<(), StoreError> {
        let row =
            sqlx::query("SELECT story_id, breaking FROM push_jobs WHERE id = $1 AND queued < 0")
                .bind(job_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(()) };
        let story_id: i64 = row.try_get(0)?;
        let breaking = row.try_get::<i64, _>(1)? != 0;
        let mut tx = self.pool.begin().await?;
        let audience = audience(&mut tx, story_id, breaking).await?;
        tx.commit().await?;
        self.count_queued(job_id, &audience).await
    }

    /// Counts the subscribers a job sends to and records it as `queued`.
    pub(in crate::store) async fn count_queued(
        &self,
        job_id: i64,
        audience: &Audience,
    ) -> Result<(), StoreError> {
        let queued: i64 = match audience {
            Audience::Followers(topics) if topics.is_empty() => 0,
            Audience::Followers(topics) => {
                let sql = format!(
                    "SELECT COUNT(*) FROM push_subscriptions s WHERE {FOLLOWS_ANY} ({}))",
                    rows::placeholders(1, topics.len())
                );
                let mut query = sqlx::query(&sql);
                for t in topics {
                    query = query.bind(t);
                }
                query.fetch_one(&self.pool).await?.try_get(0)?
            }
            Audience::Everyone => {
                sqlx::query("SELECT COUNT(*) FROM push_subscriptions WHERE paused = 0")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get(0)?
            }
        };
        sqlx::query("UPDATE push_jobs SET queued = $1 WHERE id = $2 AND queued < 0")
            .bind(queued)
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// What a job sends, and to whom.
    pub async fn job_info(&self, job_id: i64) -> Result<Option<JobInfo>, StoreError> {
        let row = sqlx::query(
            "SELECT id, story_id, title, body, ttl_seconds, COALESCE(planned_at, 0), breaking, kind,
                spread_minutes, spread_breaking,
                (SELECT MIN(first_subscriber) FROM push_shards WHERE job_id = push_jobs.id),
                (SELECT MAX(last_subscriber) FROM push_shards WHERE job_id = push_jobs.id)
             FROM push_jobs WHERE id = $1",
        )
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let story_id: i64 = row.try_get(1)?;
        let ttl: i64 = row.try_get(4)?;
        let breaking = row.try_get::<i64, _>(6)? != 0;
        let kind = JobKind::from_stored(&row.try_get::<String, _>(7)?)?;
        let audience = if breaking {
            Audience::Everyone
        } else {
            let mut conn = self.pool.acquire().await?;
            Audience::Followers(
                sqlx::query("SELECT topic_id FROM story_topics WHERE story_id = $1")
                    .bind(story_id)
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Result<_, _>>()?,
            )
        };
        Ok(Some(JobInfo {
            job_id: row.try_get(0)?,
            story_id,
            settings: NotificationSettings {
                title: row.try_get(2)?,
                body: row.try_get(3)?,
                ttl_seconds: u32::try_from(ttl).ok(),
                breaking,
                spread_minutes: u32::try_from(row.try_get::<i64, _>(8)?).unwrap_or(0),
                spread_breaking: row.try_get::<i64, _>(9)? != 0,
                ..NotificationSettings::default()
            },
            subscribers: (
                row.try_get::<Option<i64>, _>(10)?.unwrap_or(0),
                row.try_get::<Option<i64>, _>(11)?.unwrap_or(0),
            ),
            kind,
            ttl_seconds: u32::try_from(ttl).unwrap_or(DEFAULT_TTL_SECONDS),
            audience,
            planned_at_ms: row.try_get(5)?,
        }))
    }
}

/// Whether story `story_id` is in the breaking-news topic.
async fn in_breaking_topic(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "SELECT 1 FROM story_topics st JOIN topics t ON t.id = st.topic_id
         WHERE st.story_id = $1 AND t.slug = $2",
    )
    .bind(story_id)
    .bind(crate::content::BREAKING_TOPIC)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// Whom a job of `story_id` sends to.
pub(in crate::store) async fn audience(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    breaking: bool,
) -> Result<Audience, StoreError> {
    if breaking {
        return Ok(Audience::Everyone);
    }
    let topics = sqlx::query("SELECT topic_id FROM story_topics WHERE story_id = $1")
        .bind(story_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    Ok(Audience::Followers(topics))
}

/// Drops the retries still waiting in the earlier jobs of `story_id`,
/// whose shards are all sent (see `EARLIER_JOBS_DONE`): `job_id`, planned
/// in this transaction, sends the story again to the same subscribers, and
/// an earlier message arriving after it would replace it on the device.
/// Counted as `superseded`; a job with nothing left is finished.
pub(in crate::store) async fn supersede_earlier(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    job_id: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let earlier: Vec<i64> = sqlx::query(
        "SELECT id FROM push_jobs WHERE story_id = $1 AND id < $2 AND state = 'planned' ORDER BY id",
    )
    .bind(story_id)
    .bind(job_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    for earlier in earlier {
        // The job's row before its retries: the lock order every writer of
        // a job's outcomes keeps (see `record_outcomes`).
        sqlx::query(
            "UPDATE push_jobs SET superseded = superseded +
                 (SELECT COUNT(*) FROM push_retries WHERE job_id = $1)
             WHERE id = $1",
        )
        .bind(earlier)
        .execute(&mut **tx)
        .await?;
        sqlx::query("DELETE FROM push_retries WHERE job_id = $1")
            .bind(earlier)
            .execute(&mut **tx)
            .await?;
        finish_job_if_complete(tx, earlier, now_ms).await?;
    }
    Ok(())
}

pub(in crate::store) async fn cancel_or_wait(
    tx: &mut Transaction<'_, Any>,
    job_id: i64,
    published: Option<i64>,
) -> Result<(), StoreError> {
    match published {
        None => {
            sqlx::query(
                "UPDATE push_jobs SET state = 'cancelled' WHERE id = $1 AND state = 'pending'",
            )
            .bind(job_id)
            .execute(&mut **tx)
            .await?;
        }
        Some(at) => {
            sqlx::query("UPDATE push_jobs SET not_before = $1 WHERE id = $2 AND state = 'pending'")
                .bind(at)
                .bind(job_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

// The hot queries' SQL, one builder each, shared by the store and by the
// query-plan check (`super::hot_queries`), so the plans checked are the plans run.

/// Pending jobs whose time has come and whose story's earlier jobs are done.
pub(in crate::store) fn due_jobs_sql() -> String {
    format!(
        "SELECT j.id, j.story_id, s.published_at, j.breaking, j.spread_minutes, j.spread_breaking
         FROM push_jobs j JOIN stories s ON s.id = j.story_id
         WHERE j.state = 'pending' AND j.not_before <= $1 AND {EARLIER_JOBS_DONE}
         ORDER BY j.id LIMIT 100"
    )
}

/// The subscriber id range shards split, read from the two ends of the
/// primary key. Two subqueries, because SQLite reads `MIN(id), MAX(id)` of
/// one SELECT from a whole index, and each alone from one end.
pub(in crate::store) const SUBSCRIBER_RANGE_SQL: &str = "SELECT (SELECT MIN(id) FROM push_subscriptions), \
     (SELECT MAX(id) FROM push_subscriptions)";
