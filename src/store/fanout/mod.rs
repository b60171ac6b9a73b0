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

use sqlx::{Any, AnyConnection, Row, Transaction};

use super::json_rows::{json_array, json_rows_sql, parse_json_rows};
use super::reminders::{
    HeldStory, ReminderColumns, hold_key_events, insert_held, reminder_columns,
};
use super::rows;
use super::{Backend, Store, StoreError};
use crate::content::input::NotificationSettings;
use crate::reminders::StoredReminders;

mod jobs;
mod retries;
mod shards;
mod stats;

pub(in crate::store) use {jobs::*, retries::*, shards::*};

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
    pub reminders: StoredReminders,
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
/// one the newsroom sent later to replace it on devices, or a live
/// story's key event, sent to the story's followers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Original,
    Update,
    /// A key event of a live story (the job names its entry): sent to the
    /// story's followers, and, when the entry is breaking, to the
    /// followers of Breaking news.
    KeyEvent,
}

impl JobKind {
    /// The kind's name, as the stats show it.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Original => "original",
            JobKind::Update => "update",
            JobKind::KeyEvent => "key_event",
        }
    }

    /// The value stored in `push_jobs.kind`: a key event's job is stored
    /// as `original` (migration 8's CHECK cannot change on SQLite) and
    /// told by its `entry_id`, as [`KIND_SQL`] reads it.
    fn stored(self) -> &'static str {
        match self {
            JobKind::KeyEvent => JobKind::Original.as_str(),
            other => other.as_str(),
        }
    }

    /// The kind [`KIND_SQL`] read.
    fn from_stored(value: &str) -> Result<JobKind, StoreError> {
        match value {
            "original" => Ok(JobKind::Original),
            "update" => Ok(JobKind::Update),
            "key_event" => Ok(JobKind::KeyEvent),
            other => Err(StoreError::Corrupt(format!(
                "unknown push job kind {other:?}"
            ))),
        }
    }
}

/// A job's kind as SQL reads it from a `push_jobs` row aliased `j`.
pub(in crate::store) const KIND_SQL: &str =
    "CASE WHEN j.entry_id IS NOT NULL THEN 'key_event' ELSE j.kind END";

/// The subscriptions a job sends to; paused ones never.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Those that follow any of these topics (one message each, however
    /// many they follow): a story's normal notification.
    Followers(Vec<i64>),
    /// Every subscription: breaking news, as the newsroom marks it.
    Everyone,
    /// A key event's: those that follow the live story (`story`, `None`
    /// once its follows have lapsed) or the topic `topic` (Breaking news,
    /// for a breaking key event): one message each, whichever they follow.
    StoryFollowers {
        story: Option<i64>,
        topic: Option<i64>,
    },
}

impl Audience {
    /// True when no subscription can match (a story without topics).
    fn is_nobody(&self) -> bool {
        match self {
            Audience::Followers(topics) => topics.is_empty(),
            Audience::Everyone => false,
            Audience::StoryFollowers { story, topic } => story.is_none() && topic.is_none(),
        }
    }
}

/// The newsroom's "send an update": what it says and how it goes out.
/// What is `None` is as the story's last notification (not a key
/// event's) was, read in the same transaction that queues the update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateSettings {
    /// Without a title or body, the story's headline and standfirst at
    /// sending time.
    pub title: Option<String>,
    pub body: Option<String>,
    pub ttl_seconds: Option<u32>,
    /// Urgent and to every subscriber; an update of a story whose
    /// notification was breaking is breaking anyway.
    pub breaking: bool,
    pub spread_minutes: Option<u32>,
    pub spread_breaking: Option<bool>,
}

/// What a story's earlier notifications (not its key events') decide for
/// an update of it: [`Store::earlier_notifications`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EarlierNotifications {
    /// One of them went out as breaking news, so an update does too.
    pub breaking: bool,
    /// How the last one went out, if there was one.
    pub(in crate::store) last: Option<LastNotification>,
}

/// How a story's last notification went out, as an update inherits it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(in crate::store) struct LastNotification {
    pub ttl_seconds: Option<u32>,
    pub spread_minutes: u32,
    pub spread_breaking: bool,
}

impl EarlierNotifications {
    /// How an update with `settings` goes out: what is `None` there is as
    /// the last notification was (the defaults when there was none), and
    /// it is breaking when asked or when an earlier one was.
    pub fn update(&self, settings: &UpdateSettings) -> NotificationSettings {
        let last = self.last.unwrap_or_default();
        NotificationSettings {
            title: settings.title.clone(),
            body: settings.body.clone(),
            ttl_seconds: Some(
                settings
                    .ttl_seconds
                    .or(last.ttl_seconds)
                    .unwrap_or(DEFAULT_TTL_SECONDS),
            ),
            send: true,
            breaking: settings.breaking || self.breaking,
            spread_minutes: settings.spread_minutes.unwrap_or(last.spread_minutes),
            spread_breaking: settings.spread_breaking.unwrap_or(last.spread_breaking),
        }
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
    /// The live entry a key event's job announces.
    pub entry_id: Option<i64>,
    pub ttl_seconds: u32,
    pub audience: Audience,
    /// Unix ms when the job was planned: the start of publish-to-delivery latency.
    pub planned_at_ms: i64,
    /// The first and last subscriber ids of the job's shards (a spread
    /// delivery's times are cut along them); zeros before it is planned.
    pub subscribers: (i64, i64),
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
    /// The live stories whose key events those recipients could not take
    /// now: held like `reminders`, and held again even when the reader has
    /// opened the story or had it in a digest before (a key event is news
    /// they have not seen).
    pub key_events: Vec<HeldStory>,
    /// The same outcomes per push service, for the story's stats page
    /// (added to the job's minute in `push_tallies`).
    pub hosts: Vec<HostTally>,
}

/// What a batch came to at one push service. Its host name only: an
/// endpoint is a capability, and is never kept for the stats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostTally {
    pub host: String,
    pub delivered: i64,
    pub gone: i64,
    pub failed: i64,
}

/// Outcomes of one job at one push service in one minute, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryTally {
    pub job_id: i64,
    /// Unix minutes: when the batch was recorded.
    pub minute: i64,
    pub host: String,
    pub delivered: i64,
    pub gone: i64,
    pub failed: i64,
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
    /// Delivered over this many minutes rather than at once, as asked (a
    /// breaking job goes at once unless its spread was asked for it too).
    pub spread_minutes: i64,
    /// The spread was asked for breaking news too.
    pub spread_breaking: bool,
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
