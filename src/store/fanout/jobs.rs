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

/// Writes the one notification of key event `entry_id` of live story
/// `story_id`, in the transaction that posts the entry (or makes a posted
/// entry a key event): sent now to the story's followers, and with
/// `breaking` to the followers of Breaking news too, with Urgency high.
/// An entry that already has its job gets no other, however often it is
/// edited (the unique index of migration 22 holds it too).
pub(in crate::store) async fn enqueue_key_event(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    entry_id: i64,
    breaking: bool,
    now: i64,
) -> Result<(), StoreError> {
    let notified = sqlx::query("SELECT 1 FROM push_jobs WHERE entry_id = $1")
        .bind(entry_id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    if notified {
        return Ok(());
    }
    let settings = NotificationSettings {
        send: true,
        breaking,
        ..NotificationSettings::default()
    };
    let job = insert_job(
        tx,
        story_id,
        now,
        &settings,
        JobKind::KeyEvent,
        DEFAULT_TTL_SECONDS,
        now,
    )
    .await?;
    sqlx::query("UPDATE push_jobs SET entry_id = $1 WHERE id = $2")
        .bind(entry_id)
        .bind(job)
        .execute(&mut **tx)
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
    .bind(kind.stored())
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
    /// What story `story_id`'s earlier notifications decide for an update
    /// of it. A live story's key events do not count: a breaking key event
    /// does not make the story breaking news.
    pub async fn earlier_notifications(
        &self,
        story_id: i64,
    ) -> Result<EarlierNotifications, StoreError> {
        let mut conn = self.pool.acquire().await?;
        earlier_notifications(&mut conn, story_id).await
    }

    /// The newsroom's "send an update" for a published story: a new job,
    /// sent now, whose notification replaces the story's earlier one on
    /// devices (same `tag` and `Topic`; see [`crate::delivery::payload`]).
    /// Without a title and body the story's headline and standfirst at
    /// sending time are used. The update goes to the same audience as
    /// before: every subscriber when it, or any earlier notification of the
    /// story, is breaking; the followers of the story's topics otherwise.
    /// Its TTL and spread are the ones given, else the last notification's,
    /// read in the transaction that writes the update.
    ///
    /// While an earlier job of the story is still sending, the update waits
    /// for it to finish its shards (see `plan_due_jobs`). `now` is in Unix
    /// seconds. Returns the new job's id.
    pub async fn enqueue_update(
        &self,
        story_id: i64,
        settings: &UpdateSettings,
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
        let update = earlier_notifications(&mut tx, story_id)
            .await?
            .update(settings);
        let ttl = update.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
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
            let entry_id: Option<i64> = row.try_get(6)?;
            let mut tx = self.begin_write().await?;
            if published.is_none_or(|at| at > now) {
                // Unpublished or moved later since the job was written.
                cancel_or_wait(&mut tx, job_id, published).await?;
                tx.commit().await?;
                continue;
            }
            if let Some(entry) = entry_id
                && !still_key_event(&mut tx, entry).await?
            {
                // Deleted, or no longer a key event, before it was sent.
                cancel_or_wait(&mut tx, job_id, None).await?;
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
            let audience = audience(&mut tx, story_id, breaking, entry_id, now).await?;
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
            supersede_earlier(&mut tx, story_id, job_id, entry_id.is_some(), now_ms).await?;
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
        let row = sqlx::query(
            "SELECT story_id, breaking, entry_id, COALESCE(planned_at, 0) FROM push_jobs
             WHERE id = $1 AND queued < 0",
        )
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(()) };
        let story_id: i64 = row.try_get(0)?;
        let breaking = row.try_get::<i64, _>(1)? != 0;
        let entry_id: Option<i64> = row.try_get(2)?;
        let planned_at = row.try_get::<i64, _>(3)?.div_euclid(1000);
        let mut tx = self.pool.begin().await?;
        let audience = audience(&mut tx, story_id, breaking, entry_id, planned_at).await?;
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
            Audience::StoryFollowers { story, topic } => sqlx::query(&format!(
                "SELECT COUNT(*) FROM push_subscriptions s WHERE {}",
                follows_story_or_topic("$1", "$2")
            ))
            .bind(story.unwrap_or(NONE))
            .bind(topic.unwrap_or(NONE))
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?,
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
        let row = sqlx::query(&format!(
            "SELECT j.id, j.story_id, j.title, j.body, j.ttl_seconds, COALESCE(j.planned_at, 0),
                j.breaking, {KIND_SQL}, j.spread_minutes, j.spread_breaking,
                (SELECT MIN(first_subscriber) FROM push_shards WHERE job_id = j.id),
                (SELECT MAX(last_subscriber) FROM push_shards WHERE job_id = j.id),
                j.entry_id
             FROM push_jobs j WHERE j.id = $1"
        ))
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let story_id: i64 = row.try_get(1)?;
        let ttl: i64 = row.try_get(4)?;
        let planned_at_ms: i64 = row.try_get(5)?;
        let breaking = row.try_get::<i64, _>(6)? != 0;
        let kind = JobKind::from_stored(&row.try_get::<String, _>(7)?)?;
        let entry_id: Option<i64> = row.try_get(12)?;
        // Who it goes to as planned: for a key event, the story's follows
        // as they stood when the job was planned.
        let mut tx = self.pool.begin().await?;
        let audience = audience(
            &mut tx,
            story_id,
            breaking,
            entry_id,
            planned_at_ms.div_euclid(1000),
        )
        .await?;
        tx.commit().await?;
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
            entry_id,
            ttl_seconds: u32::try_from(ttl).unwrap_or(DEFAULT_TTL_SECONDS),
            audience,
            planned_at_ms,
        }))
    }
}

/// What story `story_id`'s own notifications (not its key events')
/// decide for an update: whether one was breaking, and the last one's TTL
/// and spread.
async fn earlier_notifications(
    conn: &mut AnyConnection,
    story_id: i64,
) -> Result<EarlierNotifications, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM push_jobs
                 WHERE story_id = $1 AND breaking = 1 AND silent = 0 AND entry_id IS NULL),
                last.ttl_seconds, last.spread_minutes, last.spread_breaking
         FROM (SELECT 1) AS one
         LEFT JOIN (SELECT ttl_seconds, spread_minutes, spread_breaking FROM push_jobs
                    WHERE story_id = $1 AND entry_id IS NULL
                    ORDER BY id DESC LIMIT 1) AS last ON 1 = 1",
    )
    .bind(story_id)
    .fetch_one(&mut *conn)
    .await?;
    let breaking_before: i64 = row.try_get(0)?;
    let last_ttl: Option<i64> = row.try_get(1)?;
    let last_minutes: Option<i64> = row.try_get(2)?;
    let last_spread_breaking: Option<i64> = row.try_get(3)?;
    Ok(EarlierNotifications {
        breaking: breaking_before > 0,
        // The last notification's row, when the story has one.
        last: last_minutes.map(|minutes| LastNotification {
            ttl_seconds: last_ttl.and_then(|t| u32::try_from(t).ok()),
            spread_minutes: u32::try_from(minutes).unwrap_or(0),
            spread_breaking: last_spread_breaking.is_some_and(|breaking| breaking != 0),
        }),
    })
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

/// Whom a job of `story_id` sends to: for a key event (`entry_id`), the
/// story's followers whose follows count at `now` (Unix seconds) and, when
/// `breaking`, Breaking news' followers; else the story's topics'
/// followers, or everyone for breaking news.
pub(in crate::store) async fn audience(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    breaking: bool,
    entry_id: Option<i64>,
    now: i64,
) -> Result<Audience, StoreError> {
    if entry_id.is_some() {
        let row = sqlx::query(&format!(
            "SELECT (SELECT st.id FROM stories st WHERE st.id = $1 AND {}),
                    (SELECT id FROM topics WHERE slug = $3)",
            crate::store::story_follows::follows_count_sql("$2")
        ))
        .bind(story_id)
        .bind(crate::store::story_follows::lapse_cutoff(now))
        .bind(crate::content::BREAKING_TOPIC)
        .fetch_one(&mut **tx)
        .await?;
        let topic: Option<i64> = row.try_get(1)?;
        return Ok(Audience::StoryFollowers {
            story: row.try_get(0)?,
            topic: topic.filter(|_| breaking),
        });
    }
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
    key_event: bool,
    now_ms: i64,
) -> Result<(), StoreError> {
    // A key event supersedes the story's earlier key events, and a story's
    // notification its earlier ones: each goes to its own audience (the
    // story's followers, the topics' followers), and a message superseded
    // must be replaced by one to the same subscriber.
    let earlier: Vec<i64> = sqlx::query(
        "SELECT id FROM push_jobs WHERE story_id = $1 AND id < $2 AND state = 'planned'
           AND (CASE WHEN entry_id IS NULL THEN 0 ELSE 1 END) = $3
         ORDER BY id",
    )
    .bind(story_id)
    .bind(job_id)
    .bind(i64::from(key_event))
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

/// Whether entry `entry_id` is still a posted key event: its job is sent
/// only then.
async fn still_key_event(tx: &mut Transaction<'_, Any>, entry_id: i64) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "SELECT 1 FROM live_entries WHERE id = $1 AND state = 'posted' AND key_event = 1",
    )
    .bind(entry_id)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
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
        "SELECT j.id, j.story_id, s.published_at, j.breaking, j.spread_minutes, j.spread_breaking,
                j.entry_id
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
