//! The fan-out's durable state: jobs (the outbox), shards with leases and
//! checkpoints, messages waiting for another try, permanent failures, and
//! the counts the newsroom reads.
//!
//! A story has one job per notification: the `original`, written in the
//! transaction that publishes it, and any `update`s the newsroom sends
//! later. Every job of a story carries the same payload `tag` and `Topic`
//! header (both derived from the story id), so each replaces the one
//! before it on devices and in push services' queues. To make sure the
//! later one is also the last to arrive, a job is planned only once the
//! earlier jobs of its story have finished their shards, and their
//! messages still waiting for a retry are then dropped as `superseded`:
//! the later job goes to the same subscribers.
//!
//! Who a job sends to is its [`Audience`]: the followers of the story's
//! topics, or, for a job marked breaking by the newsroom, every
//! subscription that is not paused. A job written with "send a
//! notification" off is `silent`: recorded (the outbox keeps one record
//! per publication, and the stats can say nothing was sent) but finished
//! at once and never delivered.

use sqlx::{Any, Row, Transaction};

use super::json_rows::{json_array, json_rows_sql, parse_json_rows};
use super::reminders::{HeldStory, ReminderColumns, ReminderState, insert_held, reminder_columns};
use super::rows;
use super::{Backend, Store, StoreError};
use crate::content::input::NotificationSettings;

/// A notification's TTL unless the story sets its own: a day.
pub const DEFAULT_TTL_SECONDS: u32 = 86_400;

/// A subscriber to send to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// A subscriber of a shard's batch, with what the reminder rules need
/// about them (read with their row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardRecipient {
    pub recipient: Recipient,
    pub reminders: ReminderState,
}

/// A leased shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardLease {
    /// The worker holding the lease.
    pub owner: String,
    pub shard_id: i64,
    pub job_id: i64,
    pub last_subscriber: i64,
    pub checkpoint: i64,
}

/// Whether a job is the notification sent when its story was published,
/// or one the newsroom sent later to replace it on devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Original,
    Update,
}

impl JobKind {
    /// The value stored in `push_jobs.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Original => "original",
            JobKind::Update => "update",
        }
    }

    fn from_stored(value: &str) -> Result<JobKind, StoreError> {
        match value {
            "original" => Ok(JobKind::Original),
            "update" => Ok(JobKind::Update),
            other => Err(StoreError::Corrupt(format!(
                "unknown push job kind {other:?}"
            ))),
        }
    }
}

/// The subscriptions a job sends to; paused ones never.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Those that follow any of these topics (one message each, however
    /// many they follow): a story's normal notification.
    Followers(Vec<i64>),
    /// Every subscription: breaking news, as the newsroom marks it.
    Everyone,
}

impl Audience {
    /// True when no subscription can match (a story without topics).
    fn is_nobody(&self) -> bool {
        matches!(self, Audience::Followers(topics) if topics.is_empty())
    }
}

/// Why the newsroom's "send an update" was refused.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("there is no such story")]
    UnknownStory,
    #[error(
        "the story is not published: an update replaces a notification already sent; \
         a story's first notification goes out when it is published"
    )]
    NotPublished,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for UpdateError {
    fn from(e: sqlx::Error) -> UpdateError {
        UpdateError::Store(e.into())
    }
}

/// A planned job's story and settings, as the sender needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    pub job_id: i64,
    pub story_id: i64,
    /// The overrides; `breaking` as the job was written.
    pub settings: NotificationSettings,
    pub kind: JobKind,
    pub ttl_seconds: u32,
    pub audience: Audience,
    /// Unix ms when the job was planned: the start of publish-to-delivery latency.
    pub planned_at_ms: i64,
}

/// How far a shard has got: every subscriber up to `subscriber` is
/// handled, `handled` of them in this batch; `done` when none is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub subscriber: i64,
    pub handled: i64,
    pub done: bool,
}

/// A message to try again later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryEntry {
    pub subscription_id: i64,
    pub attempt: i64,
    pub due_at_ms: i64,
    pub expires_at_ms: i64,
    pub error: String,
}

/// A message refused for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureEntry {
    pub subscription_id: i64,
    pub status: i64,
    pub reason: String,
}

/// What sending one batch (or one round of retries) came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub sent: i64,
    pub delivered: i64,
    pub gone: Vec<i64>,
    pub retries: Vec<RetryEntry>,
    pub failures: Vec<FailureEntry>,
    /// Recipients not sent to because of their reminder settings (cap,
    /// quiet hours, digest topics).
    pub held: i64,
    /// The stories to keep in those recipients' reminders, written with the
    /// batch (see [`Store::hold_reminders`]); empty for an update, which is
    /// never held.
    pub reminders: Vec<HeldStory>,
}

/// A retry that is due, claimed by one worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRetry {
    pub job_id: i64,
    pub attempt: i64,
    pub expires_at_ms: i64,
    pub recipient: Recipient,
}

/// A story's notification counts: totals over all its jobs (the original
/// and any updates), each job's own, and each shard's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PushStats {
    /// Jobs waiting for their story's publication time or for a worker, or
    /// whose subscribers are still being counted.
    pub pending_jobs: i64,
    pub queued: i64,
    pub sent: i64,
    pub delivered: i64,
    pub gone: i64,
    pub failed: i64,
    pub retrying: i64,
    /// Retries dropped because a later job of the story replaced them.
    pub superseded: i64,
    /// Recipients not sent to because of their reminder settings: the
    /// original waits in their reminders; an update is left out. So
    /// `queued = sent + held`.
    pub held: i64,
    /// Clicks on any of the story's notifications.
    pub clicked: i64,
    /// Oldest first; empty when the story was never published.
    pub jobs: Vec<JobStats>,
    pub shards: Vec<ShardProgress>,
}

/// One job's counts and what kind of notification it was.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobStats {
    pub id: i64,
    pub kind: JobKind,
    /// Sent to every subscriber with Urgency high.
    pub breaking: bool,
    /// Published with "send a notification" off: nothing was, or will be, sent.
    pub silent: bool,
    /// `pending`, `planned`, `done`, or `cancelled` (unpublished before its time).
    pub state: String,
    /// `None` while the subscribers are being counted.
    pub queued: Option<i64>,
    pub sent: i64,
    pub delivered: i64,
    pub gone: i64,
    pub failed: i64,
    pub retrying: i64,
    pub superseded: i64,
    /// Not sent because of the recipients' reminder settings.
    pub held: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix ms.
    pub planned_at_ms: Option<i64>,
    /// Unix ms.
    pub finished_at_ms: Option<i64>,
}

/// One shard's progress.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShardProgress {
    pub id: i64,
    pub job_id: i64,
    pub first_subscriber: i64,
    pub last_subscriber: i64,
    pub checkpoint: i64,
    pub handled: i64,
    pub state: String,
}

/// Writes a story's fan-out job, in the transaction that publishes it.
/// With `settings.send` off the job is silent: written, finished at once,
/// never delivered.
pub(super) async fn enqueue_job(
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
async fn insert_job(
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
                                breaking, kind, silent, state, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                 CASE WHEN $9 = 1 THEN 'done' ELSE 'pending' END,
                 CASE WHEN $9 = 1 THEN $10 ELSE NULL END)
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
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get(0)?)
}

/// Moves a story's waiting job to its new publication time.
pub(super) async fn reschedule_job(
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
const UNCOUNTED: i64 = -1;

/// The subscriptions that follow any of `topics` and are not paused.
const FOLLOWS_ANY: &str = "s.paused = 0 AND EXISTS (SELECT 1 FROM push_follows f \
     WHERE f.subscription_id = s.id AND f.topic_id IN";

/// A job waits while an earlier job of its story is pending or still has
/// shards to send: the later notification must also be the last to reach
/// a device, where it replaces the earlier one.
const EARLIER_JOBS_DONE: &str = "NOT EXISTS (SELECT 1 FROM push_jobs e WHERE e.story_id = j.story_id AND e.id < j.id
       AND (e.state = 'pending'
            OR EXISTS (SELECT 1 FROM push_shards sh WHERE sh.job_id = e.id AND sh.state <> 'done')))";

impl Store {
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
            let mut start = first;
            while start <= last {
                let end = (start + shard_size - 1).min(last);
                sqlx::query(
                    "INSERT INTO push_shards (job_id, first_subscriber, last_subscriber, checkpoint)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(job_id)
                .bind(start)
                .bind(end)
                .bind(start - 1)
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
    async fn count_queued(&self, job_id: i64, audience: &Audience) -> Result<(), StoreError> {
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

    /// What a job sends, and to whom.
    pub async fn job_info(&self, job_id: i64) -> Result<Option<JobInfo>, StoreError> {
        let row = sqlx::query(
            "SELECT id, story_id, title, body, ttl_seconds, COALESCE(planned_at, 0), breaking, kind
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
                ..NotificationSettings::default()
            },
            kind,
            ttl_seconds: u32::try_from(ttl).unwrap_or(DEFAULT_TTL_SECONDS),
            audience,
            planned_at_ms: row.try_get(5)?,
        }))
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
                    reminders: reminders.into_state(),
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
        sqlx::query(
            "UPDATE push_shards SET state = 'ready', lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND state = 'leased' AND lease_owner = $2",
        )
        .bind(lease.shard_id)
        .bind(&lease.owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

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

    /// A story's notification counts: totals over all its jobs, each job's
    /// own, and each shard's progress, as one snapshot.
    pub async fn push_stats(&self, story_id: i64) -> Result<PushStats, StoreError> {
        // One transaction, so that counts and shards are one snapshot: a
        // batch recorded between two separate reads would otherwise show
        // finished shards beside counts from before it.
        // (SQLite's transactions are snapshots; PostgreSQL's default
        // isolation gives each statement its own, so ask for one.)
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        let jobs = sqlx::query(
            "SELECT j.id, j.kind, j.breaking, j.silent, j.state, j.queued, j.sent, j.delivered,
                    j.gone, j.failed, (SELECT COUNT(*) FROM push_retries r WHERE r.job_id = j.id),
                    j.superseded, j.created_at, j.planned_at, j.finished_at, j.held
             FROM push_jobs j WHERE j.story_id = $1 ORDER BY j.id",
        )
        .bind(story_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(job_stats)
        .collect::<Result<Vec<_>, StoreError>>()?;
        let clicked: i64 = sqlx::query("SELECT COUNT(*) FROM push_clicks WHERE story_id = $1")
            .bind(story_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let shards = sqlx::query(
            "SELECT sh.id, sh.job_id, sh.first_subscriber, sh.last_subscriber, sh.checkpoint, sh.handled, sh.state
             FROM push_shards sh JOIN push_jobs j ON j.id = sh.job_id WHERE j.story_id = $1 ORDER BY sh.id",
        )
        .bind(story_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok(ShardProgress {
                id: r.try_get(0)?,
                job_id: r.try_get(1)?,
                first_subscriber: r.try_get(2)?,
                last_subscriber: r.try_get(3)?,
                checkpoint: r.try_get(4)?,
                handled: r.try_get(5)?,
                state: r.try_get(6)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        tx.commit().await?;
        let total = |count: fn(&JobStats) -> i64| jobs.iter().map(count).sum::<i64>();
        Ok(PushStats {
            pending_jobs: jobs
                .iter()
                .filter(|j| j.state == "pending" || j.queued.is_none())
                .count() as i64,
            queued: total(|j| j.queued.unwrap_or(0)),
            sent: total(|j| j.sent),
            delivered: total(|j| j.delivered),
            gone: total(|j| j.gone),
            failed: total(|j| j.failed),
            retrying: total(|j| j.retrying),
            superseded: total(|j| j.superseded),
            held: total(|j| j.held),
            clicked,
            jobs,
            shards,
        })
    }

    /// Work waiting: shards not finished, and messages waiting for a retry.
    pub async fn queue_depth(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM push_shards WHERE state <> 'done'), (SELECT COUNT(*) FROM push_retries)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}

fn job_stats(row: &sqlx::any::AnyRow) -> Result<JobStats, StoreError> {
    let queued: i64 = row.try_get(5)?;
    Ok(JobStats {
        id: row.try_get(0)?,
        kind: JobKind::from_stored(&row.try_get::<String, _>(1)?)?,
        breaking: row.try_get::<i64, _>(2)? != 0,
        silent: row.try_get::<i64, _>(3)? != 0,
        state: row.try_get(4)?,
        queued: (queued >= 0).then_some(queued),
        sent: row.try_get(6)?,
        delivered: row.try_get(7)?,
        gone: row.try_get(8)?,
        failed: row.try_get(9)?,
        retrying: row.try_get(10)?,
        superseded: row.try_get(11)?,
        created_at: row.try_get(12)?,
        planned_at_ms: row.try_get(13)?,
        finished_at_ms: row.try_get(14)?,
        held: row.try_get(15)?,
    })
}

/// Whom a job of `story_id` sends to.
async fn audience(
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
async fn supersede_earlier(
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

async fn cancel_or_wait(
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

async fn record_outcomes(
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
    for id in &outcomes.gone {
        // Gone (404/410): the subscription and its follows go.
        super::subscriptions::delete_rows(tx, *id).await?;
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
    Ok(())
}

/// Finishes a job whose shards are all done and whose retries are all
/// settled. Callers have already updated the job's row in this transaction
/// (`record_outcomes` adds the counts), which holds its row lock: on
/// PostgreSQL two workers finishing a job's last two shards therefore take
/// turns, and the second sees the first's shard done instead of each
/// seeing the other's still open.
async fn finish_job_if_complete(
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

// The hot queries' SQL, one builder each, shared by the store and by the
// query-plan check (`super::hot_queries`), so the plans checked are the plans run.

/// Pending jobs whose time has come and whose story's earlier jobs are done.
pub(super) fn due_jobs_sql() -> String {
    format!(
        "SELECT j.id, j.story_id, s.published_at, j.breaking FROM push_jobs j JOIN stories s ON s.id = j.story_id
         WHERE j.state = 'pending' AND j.not_before <= $1 AND {EARLIER_JOBS_DONE}
         ORDER BY j.id LIMIT 100"
    )
}

/// The subscriber id range shards split, read from the two ends of the
/// primary key. Two subqueries, because SQLite reads `MIN(id), MAX(id)` of
/// one SELECT from a whole index, and each alone from one end.
pub(super) const SUBSCRIBER_RANGE_SQL: &str = "SELECT (SELECT MIN(id) FROM push_subscriptions), \
     (SELECT MAX(id) FROM push_subscriptions)";

/// Leases the first shard that is ready or whose lease has expired:
/// `$1` owner, `$2` lease end, `$3` now (ms).
pub(super) fn lease_shard_sql(backend: Backend) -> &'static str {
    match backend {
        // One writer at a time: the subquery and the update see the same
        // database, so no two callers can pick the same shard.
        Backend::Sqlite => {
            "UPDATE push_shards SET state = 'leased', lease_owner = $1, lease_until = $2
             WHERE id = (SELECT id FROM push_shards
                         WHERE state = 'ready' OR (state = 'leased' AND lease_until < $3)
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
                         WHERE state = 'ready' OR (state = 'leased' AND lease_until < $3)
                         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
               AND (state = 'ready' OR (state = 'leased' AND lease_until < $3))
             RETURNING id, job_id, last_subscriber, checkpoint"
        }
    }
}

/// A shard's next `limit` followers of any of `topics` topics after
/// checkpoint `$1` up to `$2`; the topic ids are `$3…`, used again by the
/// reminder columns. One row: the batch as JSON ([`BatchRow`]s).
pub(super) fn followers_batch_sql(backend: Backend, topics: usize, limit: i64) -> String {
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
pub(super) fn everyone_batch_sql(backend: Backend, limit: i64) -> String {
    batch_sql(
        backend,
        &super::reminders::reminder_columns_without_digest(),
        &format!(
            "FROM push_subscriptions s
             WHERE s.id > $1 AND s.id <= $2 AND s.paused = 0
             ORDER BY s.id LIMIT {limit}"
        ),
    )
}

/// A batch of recipients with their reminder columns, as one JSON row.
fn batch_sql(backend: Backend, reminder_columns: &str, tail: &str) -> String {
    let columns = format!(
        "s.id, s.endpoint, s.p256dh, s.auth, {}",
        json_array(backend, reminder_columns)
    );
    json_rows_sql(backend, "s.id", &columns, tail)
}

/// One recipient of a batch as [`batch_sql`] writes it.
#[derive(serde::Deserialize)]
struct BatchRow(i64, String, String, String, ReminderColumns);

/// Up to `limit` retries due at `$1` (ms), with their subscriptions.
/// PostgreSQL lets several workers claim at once: each locks the rows it
/// claims and passes over those another is claiming. SQLite has one writer,
/// and needs (and knows) no row locks.
pub(super) fn due_retries_sql(backend: Backend, limit: i64) -> String {
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
