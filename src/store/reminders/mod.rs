//! Reminders' storage: a reader's preferences (columns of their
//! subscription, read by the fan-out with the row it already reads), their
//! count of notifications on their local day, the stories held for them
//! (`push_reminders`), the stories they opened (`push_opened`), the digest
//! sweep that takes what is due, and the sweep over subscriptions silent
//! for a long time ("still interested?", then pruning).

use std::collections::{HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::batch::{AnyQuery, BatchRow, execute_batched, fetch_batched};
use super::hot_queries::{HotArg, HotQuery};
use super::json_rows::{int_rows_param, int_rows_table, json_rows_sql, parse_json_rows};
use super::rows::placeholders;
use super::{Backend, Recipient, Store, StoreError};
use crate::content::BREAKING_TOPIC;
use crate::content::TopicRef;
use crate::reminders::{HoldReason, StoredReminders};

mod digests;
mod held;
mod inactivity;
mod preferences;

pub(in crate::store) use {digests::*, held::*, inactivity::*, preferences::*};

/// The stored reminder values of [`reminder_columns`], which start at
/// column index `first` of `row`, as they are: the rules decode them
/// ([`StoredReminders::decode`]).
pub fn stored_reminders(row: &AnyRow, first: usize) -> Result<StoredReminders, StoreError> {
    Ok(ReminderColumns(
        row.try_get(first)?,
        row.try_get(first + 1)?,
        row.try_get(first + 2)?,
        row.try_get(first + 3)?,
        row.try_get(first + 4)?,
        row.try_get(first + 5)?,
        row.try_get(first + 6)?,
        row.try_get(first + 7)?,
        row.try_get(first + 8)?,
    )
    .into_stored())
}

/// The nine columns of [`reminder_columns`] as stored, in order, from a
/// row or from a batch read as JSON.
#[derive(Debug, serde::Deserialize)]
pub(super) struct ReminderColumns(
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    i64,
);

impl ReminderColumns {
    pub(super) fn into_stored(self) -> StoredReminders {
        let ReminderColumns(
            max_per_day,
            quiet_start,
            quiet_end,
            time_zone,
            digest_time,
            breaking_overrides,
            sent_day,
            sent_count,
            digest_only,
        ) = self;
        StoredReminders {
            max_per_day,
            quiet_start,
            quiet_end,
            time_zone,
            digest_time,
            breaking_overrides,
            sent_day,
            sent_count,
            digest_only: digest_only != 0,
        }
    }
}

/// The nine columns a recipient query adds to its `SELECT` (its
/// subscription aliased `s`) for [`stored_reminders`].
/// `story_topics` is the list of placeholders the query already binds to
/// the story's topic ids (e.g. `"$3, $4"`): they are used again here.
pub fn reminder_columns(story_topics: &str) -> String {
    format!(
        "s.reminder_max_per_day, s.quiet_start, s.quiet_end, s.time_zone, s.digest_time, \
         s.breaking_overrides, s.sent_day, s.sent_count, \
         CASE WHEN EXISTS (SELECT 1 FROM push_digest_topics dt WHERE dt.subscription_id = s.id) \
              AND NOT EXISTS (SELECT 1 FROM push_follows rf WHERE rf.subscription_id = s.id \
                  AND rf.topic_id IN ({story_topics}) \
                  AND NOT EXISTS (SELECT 1 FROM push_digest_topics dd \
                      WHERE dd.subscription_id = rf.subscription_id AND dd.topic_id = rf.topic_id)) \
         THEN 1 ELSE 0 END"
    )
}

/// A story to hold for a reader until `due_at` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldStory {
    pub subscription_id: i64,
    pub story_id: i64,
    pub due_at: i64,
    pub reason: HoldReason,
}

/// A send to count on the reader's `local_day`, allowed while their count
/// for that day is under `cap` (`None`: always, for breaking news that
/// overrides the cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotClaim {
    pub subscription_id: i64,
    pub local_day: i64,
    pub cap: Option<u32>,
}

/// A story held for a reader, as the missed list and the digest show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReminder {
    pub story_id: i64,
    pub slug: String,
    pub headline: String,
    /// The story's topics the reader follows (all its topics when they
    /// follow none of them), in the story's order.
    pub topics: Vec<TopicRef>,
    pub published_at: Option<i64>,
    pub breaking: bool,
    pub reason: HoldReason,
    /// `None` once a digest sent it.
    pub due_at: Option<i64>,
    pub digested_at: Option<i64>,
}

/// A subscription whose reminders are due, leased to one sweeper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDigest {
    pub recipient: Recipient,
    /// Newest story first.
    pub reminders: Vec<PendingReminder>,
    /// How many times sending this digest was tried and the push service
    /// asked to retry (the most of its reminders').
    pub attempts: u32,
}

/// A digest the push service asked to retry: its reminders are due again
/// at `due_at` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostponedDigest {
    pub subscription_id: i64,
    pub story_ids: Vec<i64>,
    pub due_at: i64,
}

/// A subscription not seen (no visit, no click, no call with its token)
/// since `last_seen_at`, asked "still interested?" at `asked_at` if ever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilentSubscription {
    pub recipient: Recipient,
    pub last_seen_at: i64,
    pub asked_at: Option<i64>,
}

/// A story a reader opened, by id (a notification click) or slug (a
/// visit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenedStory<'a> {
    Id(i64),
    Slug(&'a str),
}

impl Store {
    /// The reminder sweeps' queries, for the query-plan check
    /// ([`Store::hot_queries`]): each must read the head of an index, never
    /// a table whole.
    pub(super) fn reminder_hot_queries(&self) -> Vec<HotQuery> {
        let now = 1_800_000_000;
        vec![
            HotQuery {
                name: "due digests",
                sql: due_reminders_sql(self.backend, 2000),
                args: vec![HotArg::Int(now)],
            },
            HotQuery {
                name: "silent subscriptions",
                sql: silent_subscriptions_sql(self.backend, 500),
                args: vec![HotArg::Int(now - 60 * 86_400)],
            },
            HotQuery {
                name: "unanswered subscriptions",
                sql: unanswered_subscriptions_sql(self.backend, 500),
                args: vec![HotArg::Int(now - 7 * 86_400)],
            },
        ]
    }
}

/// The most subscriptions one [`Store::claim_due_digests`] takes: far under
/// either backend's limit on bound values.
pub const MAX_DIGESTS_PER_CLAIM: usize = 5_000;
