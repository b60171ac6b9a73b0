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
use crate::reminders::{
    HoldReason, LocalTime, QuietHours, SentToday, StoredPreferences, StoryReach,
};

/// What the rules need about one recipient, read with their row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderState {
    pub preferences: StoredPreferences,
    pub sent: SentToday,
    /// Every topic of the story that the reader follows is one they take in
    /// the digest.
    pub digest_only: bool,
}

impl ReminderState {
    /// The story as the rules see it for this reader.
    pub fn reach(&self, breaking: bool) -> StoryReach {
        StoryReach {
            breaking,
            digest_only: self.digest_only,
        }
    }

    /// Decodes the columns of [`reminder_columns`], which start at column
    /// index `first` of `row`.
    pub fn from_row(row: &AnyRow, first: usize) -> Result<ReminderState, StoreError> {
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
        .into_state())
    }
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
    pub(super) fn into_state(self) -> ReminderState {
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
        let minutes = |m: Option<i64>| {
            m.and_then(|m| u16::try_from(m).ok())
                .and_then(LocalTime::from_minutes)
        };
        let quiet_hours = match (minutes(quiet_start), minutes(quiet_end)) {
            (Some(start), Some(end)) => Some(QuietHours { start, end }),
            _ => None,
        };
        ReminderState {
            preferences: StoredPreferences {
                max_per_day: max_per_day.and_then(|n| u32::try_from(n).ok()),
                quiet_hours,
                time_zone,
                digest_time: minutes(digest_time),
                breaking_overrides: breaking_overrides.map(|b| b != 0),
            },
            sent: SentToday {
                local_day: sent_day,
                count: u32::try_from(sent_count).unwrap_or(u32::MAX),
            },
            digest_only: digest_only != 0,
        }
    }
}

/// The nine columns a recipient query adds to its `SELECT` (its
/// subscription aliased `s`) for [`ReminderState::from_row`].
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

/// The same columns for a query that binds no story topic: breaking news
/// sent to everyone, which never waits for a digest (`digest_only` is 0).
pub(super) fn reminder_columns_without_digest() -> String {
    format!("{OWN_COLUMNS}, 0")
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
    /// A subscription's stored preferences and digest topics (by name).
    pub async fn reminder_preferences(
        &self,
        subscription_id: i64,
    ) -> Result<(StoredPreferences, Vec<TopicRef>), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {}, 0 FROM push_subscriptions s WHERE s.id = $1",
            OWN_COLUMNS
        ))
        .bind(subscription_id)
        .fetch_optional(&self.pool)
        .await?;
        let preferences = match row {
            Some(row) => ReminderState::from_row(&row, 0)?.preferences,
            None => StoredPreferences::default(),
        };
        let topics = sqlx::query(&format!(
            "SELECT t.slug, t.name FROM push_digest_topics d JOIN topics t ON t.id = d.topic_id
             WHERE d.subscription_id = $1 ORDER BY {}",
            self.text_order("t.name")
        ))
        .bind(subscription_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(TopicRef {
                slug: row.try_get(0)?,
                name: row.try_get(1)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        Ok((preferences, topics))
    }

    /// Saves a subscription's preferences and, when given, replaces its
    /// digest topics: one transaction.
    pub async fn save_reminder_preferences(
        &self,
        subscription_id: i64,
        preferences: &StoredPreferences,
        digest_topic_ids: Option<&[i64]>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE push_subscriptions SET reminder_max_per_day = $1, quiet_start = $2, quiet_end = $3,
                 time_zone = $4, digest_time = $5, breaking_overrides = $6 WHERE id = $7",
        )
        .bind(preferences.max_per_day.map(i64::from))
        .bind(preferences.quiet_hours.map(|q| i64::from(q.start.minutes())))
        .bind(preferences.quiet_hours.map(|q| i64::from(q.end.minutes())))
        .bind(preferences.time_zone.clone())
        .bind(preferences.digest_time.map(|t| i64::from(t.minutes())))
        .bind(preferences.breaking_overrides.map(i64::from))
        .bind(subscription_id)
        .execute(&mut *tx)
        .await?;
        if let Some(topic_ids) = digest_topic_ids {
            sqlx::query("DELETE FROM push_digest_topics WHERE subscription_id = $1")
                .bind(subscription_id)
                .execute(&mut *tx)
                .await?;
            for topic_id in topic_ids {
                sqlx::query(
                    "INSERT INTO push_digest_topics (subscription_id, topic_id) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                )
                .bind(subscription_id)
                .bind(topic_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The reminder state of some subscriptions for a story with
    /// `story_topic_ids`: the same columns as [`reminder_columns`], for a
    /// caller that reads recipients without them.
    pub async fn reminder_states(
        &self,
        subscription_ids: &[i64],
        story_topic_ids: &[i64],
    ) -> Result<Vec<(i64, ReminderState)>, StoreError> {
        // No story topics (breaking news sent to everyone): a list that
        // matches nothing.
        let topic_list = if story_topic_ids.is_empty() {
            "NULL".to_owned()
        } else {
            placeholders(1, story_topic_ids.len())
        };
        let columns = reminder_columns(&topic_list);
        let mut conn = self.pool.acquire().await?;
        let rows = fetch_batched(&mut conn, story_topic_ids, subscription_ids, |ids| {
            format!("SELECT s.id, {columns} FROM push_subscriptions s WHERE s.id IN ({ids}) ORDER BY s.id")
        })
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, ReminderState::from_row(row, 1)?)))
            .collect()
    }

    /// Counts sends on readers' local days, each only while the reader's
    /// count is under its cap: one transaction per batch, atomic per
    /// reader, so two stories fanning out at once cannot both take a last slot.
    /// Returns the subscriptions whose claim was granted; the others are at
    /// their cap (hold their story with [`HoldReason::Cap`]).
    pub async fn claim_send_slots(&self, claims: &[SlotClaim]) -> Result<Vec<i64>, StoreError> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let claimed = int_rows_table(self.backend, 1, &["id", "day", "cap"]);
        let claims = int_rows_param(
            claims
                .iter()
                .map(|c| [c.subscription_id, c.local_day, c.cap.map_or(-1, i64::from)]),
        );
        let allowed = "(v.cap < 0 OR s.sent_day <> v.day OR s.sent_count < v.cap)";
        // Both statements see the same counts: SQLite's write transaction
        // holds the database, PostgreSQL's row locks hold the claimed rows.
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE OF s",
        };
        let granted_sql = json_rows_sql(
            self.backend,
            "id",
            "id",
            &format!(
                "FROM (SELECT s.id, {allowed} AS allowed
                       FROM push_subscriptions s JOIN {claimed} AS v ON s.id = v.id {lock}) AS c
                 WHERE allowed"
            ),
        );
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&granted_sql)
            .bind(&claims)
            .fetch_one(&mut *tx)
            .await?;
        let granted: Vec<(i64,)> = parse_json_rows(&row, "granted send slots")?;
        sqlx::query(&format!(
            "UPDATE push_subscriptions AS s
             SET sent_count = CASE WHEN s.sent_day = v.day THEN s.sent_count + 1 ELSE 1 END,
                 sent_day = v.day
             FROM {claimed} AS v
             WHERE s.id = v.id AND {allowed}"
        ))
        .bind(&claims)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(granted.into_iter().map(|(id,)| id).collect())
    }

    /// Holds stories for readers until they are due: one statement per
    /// batch. A story the reader already opened, or already holds (or had
    /// in a digest), is left alone, so holding twice does no harm. Returns
    /// how many were newly held.
    pub async fn hold_reminders(&self, held: &[HeldStory], now: i64) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert_held(&mut conn, held, now).await
    }

    /// A reader's missed stories: those still held, and those a digest sent
    /// at or after `digested_since`, newest first (at most 100).
    pub async fn missed_reminders(
        &self,
        subscription_id: i64,
        digested_since: i64,
    ) -> Result<Vec<PendingReminder>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.story_id, st.slug, st.headline, st.published_at, r.reason, r.due_at, r.digested_at
             FROM push_reminders r JOIN stories st ON st.id = r.story_id
             WHERE r.subscription_id = $1 AND (r.due_at IS NOT NULL OR r.digested_at >= $2)
               AND st.published_at IS NOT NULL
             ORDER BY st.published_at DESC, r.story_id DESC LIMIT 100",
        )
        .bind(subscription_id)
        .bind(digested_since)
        .fetch_all(&self.pool)
        .await?;
        let mut conn = self.pool.acquire().await?;
        reminders_from_rows(&mut conn, subscription_id, &rows).await
    }

    /// Records that a reader opened a story (so it is never reminded) and
    /// drops it from their pending reminders. False when there is no such
    /// story.
    pub async fn mark_opened(
        &self,
        subscription_id: i64,
        story: OpenedStory<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let found = match story {
            OpenedStory::Id(id) => {
                sqlx::query("SELECT id FROM stories WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            OpenedStory::Slug(slug) => {
                sqlx::query("SELECT id FROM stories WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(&mut *tx)
                    .await?
            }
        };
        let Some(row) = found else {
            tx.rollback().await?;
            return Ok(false);
        };
        let story_id: i64 = row.try_get(0)?;
        sqlx::query(
            "INSERT INTO push_opened (subscription_id, story_id, opened_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(subscription_id)
        .bind(story_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM push_reminders WHERE subscription_id = $1 AND story_id = $2")
            .bind(subscription_id)
            .bind(story_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Leases, for `lease_seconds`, up to `limit` subscriptions with
    /// reminders due at `now`, and returns each with its due reminders.
    /// Reads only the head of the `due_at` index (what is due, oldest
    /// first), never the whole table nor every subscriber; the lease moves
    /// the taken reminders' `due_at` past `now`, so the next call takes the
    /// next subscriptions, and a sweeper that dies leaves them to be taken
    /// again when the lease ends. On PostgreSQL concurrent sweepers skip
    /// each other's subscriptions.
    ///
    /// A handful of statements per call, whatever `limit` (at most
    /// [`MAX_DIGESTS_PER_CLAIM`]): the lease, the stories, their topics and
    /// which of them each reader follows are each read for the whole batch.
    pub async fn claim_due_digests(
        &self,
        now: i64,
        limit: usize,
        lease_seconds: i64,
    ) -> Result<Vec<DueDigest>, StoreError> {
        let limit = limit.clamp(1, MAX_DIGESTS_PER_CLAIM);
        let mut tx = self.begin_write().await?;
        // A subscription can have several due reminders: read a few rows
        // more than the subscriptions wanted.
        let head = sqlx::query(&due_reminders_sql(self.backend, limit.saturating_mul(4)))
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
        let mut seen = HashSet::with_capacity(limit);
        let mut candidates: Vec<i64> = Vec::with_capacity(limit);
        for row in &head {
            let id: i64 = row.try_get(0)?;
            if candidates.len() == limit {
                break;
            }
            if seen.insert(id) {
                candidates.push(id);
            }
        }
        if candidates.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        // The subscription's row is the lock a sweeper holds on all of its
        // reminders (SQLite has one writer and needs none).
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let rows = fetch_batched(&mut tx, &[], &candidates, |ids| {
            format!(
                "SELECT id, endpoint, p256dh, auth, paused FROM push_subscriptions WHERE id IN ({ids}) ORDER BY id {lock}"
            )
        })
        .await?;
        let mut recipients = Vec::with_capacity(candidates.len());
        let mut paused = Vec::new();
        for row in rows {
            let recipient = Recipient {
                id: row.try_get(0)?,
                endpoint: row.try_get(1)?,
                p256dh: row.try_get(2)?,
                auth: row.try_get(3)?,
            };
            if row.try_get::<i64, _>(4)? != 0 {
                paused.push(recipient.id);
            } else {
                recipients.push(recipient);
            }
        }
        if !paused.is_empty() {
            // A reader who paused everything gets no digest: what was due
            // is done with, still listed on their missed page.
            execute_batched(&mut tx, &[now], &paused, |ids| {
                format!(
                    "UPDATE push_reminders SET due_at = NULL, digested_at = $1
                     WHERE subscription_id IN ({ids}) AND due_at <= $1"
                )
            })
            .await?;
        }
        if recipients.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = recipients.iter().map(|r| r.id).collect();
        // A story unpublished since it was held is not reminded.
        execute_batched(&mut tx, &[now], &ids, |ids| {
            format!(
                "DELETE FROM push_reminders WHERE subscription_id IN ({ids}) AND due_at <= $1
                   AND EXISTS (SELECT 1 FROM stories st
                               WHERE st.id = push_reminders.story_id AND st.published_at IS NULL)"
            )
        })
        .await?;
        let until = now + lease_seconds.max(1);
        let leased = fetch_batched(&mut tx, &[until, now], &ids, |ids| {
            format!(
                "UPDATE push_reminders SET due_at = $1
                 WHERE subscription_id IN ({ids}) AND due_at <= $2
                 RETURNING subscription_id, story_id, reason, attempts"
            )
        })
        .await?;
        let mut by_subscription: HashMap<i64, Vec<(i64, HoldReason, i64)>> = HashMap::new();
        let mut story_ids: Vec<i64> = Vec::new();
        for row in &leased {
            let reason: String = row.try_get(2)?;
            let reason = HoldReason::parse(&reason).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown reminder reason {reason:?}"))
            })?;
            let story_id: i64 = row.try_get(1)?;
            story_ids.push(story_id);
            by_subscription.entry(row.try_get(0)?).or_default().push((
                story_id,
                reason,
                row.try_get(3)?,
            ));
        }
        story_ids.sort_unstable();
        story_ids.dedup();
        let stories = digest_stories(&mut tx, &story_ids).await?;
        let topic_ids: Vec<i64> = {
            let mut all: Vec<i64> = stories
                .values()
                .flat_map(|s| s.topics.iter().map(|(id, _)| *id))
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        let follows = followed_among(&mut tx, &ids, &topic_ids).await?;
        tx.commit().await?;

        let mut digests = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            let Some(items) = by_subscription.remove(&recipient.id) else {
                continue;
            };
            let mut attempts = 0;
            let mut reminders = Vec::with_capacity(items.len());
            for (story_id, reason, tries) in items {
                let Some(story) = stories.get(&story_id) else {
                    continue;
                };
                attempts = attempts.max(u32::try_from(tries).unwrap_or(u32::MAX));
                let followed: Vec<TopicRef> = story
                    .topics
                    .iter()
                    .filter(|(topic, _)| follows.contains(&(recipient.id, *topic)))
                    .map(|(_, t)| t.clone())
                    .collect();
                reminders.push(PendingReminder {
                    story_id,
                    slug: story.slug.clone(),
                    headline: story.headline.clone(),
                    topics: if followed.is_empty() {
                        story.topics.iter().map(|(_, t)| t.clone()).collect()
                    } else {
                        followed
                    },
                    published_at: story.published_at,
                    breaking: story.topics.iter().any(|(_, t)| t.slug == BREAKING_TOPIC),
                    reason,
                    due_at: Some(until),
                    digested_at: None,
                });
            }
            if reminders.is_empty() {
                continue;
            }
            reminders.sort_by_key(|r| std::cmp::Reverse((r.published_at, r.story_id)));
            digests.push(DueDigest {
                recipient,
                reminders,
                attempts,
            });
        }
        Ok(digests)
    }

    /// Marks the reminders a digest sent: no longer due, listed as missed
    /// until pruned.
    pub async fn finish_digest(
        &self,
        subscription_id: i64,
        story_ids: &[i64],
        now: i64,
    ) -> Result<(), StoreError> {
        let sent: Vec<(i64, i64)> = story_ids.iter().map(|s| (subscription_id, *s)).collect();
        self.finish_digests(&sent, now).await
    }

    /// [`Store::finish_digest`] for many digests at once, as
    /// `(subscription_id, story_id)` pairs: one statement per
    /// [`super::batch::ROWS_PER_STATEMENT`] pairs.
    pub async fn finish_digests(&self, sent: &[(i64, i64)], now: i64) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        execute_batched(&mut conn, &[now], sent, |rows| {
            format!(
                "UPDATE push_reminders SET due_at = NULL, digested_at = $1, attempts = 0
                 FROM (VALUES {rows}) AS v
                 WHERE push_reminders.subscription_id = v.column1
                   AND push_reminders.story_id = v.column2 AND push_reminders.due_at IS NOT NULL"
            )
        })
        .await?;
        Ok(())
    }

    /// Digests the push service asked to retry: their reminders are due
    /// again at each one's `due_at`, with one more attempt counted.
    pub async fn postpone_digests(&self, postponed: &[PostponedDigest]) -> Result<(), StoreError> {
        let rows: Vec<(i64, i64, i64)> = postponed
            .iter()
            .flat_map(|p| {
                p.story_ids
                    .iter()
                    .map(move |story| (p.subscription_id, *story, p.due_at))
            })
            .collect();
        let mut conn = self.pool.acquire().await?;
        execute_batched(&mut conn, &[], &rows, |rows| {
            format!(
                "UPDATE push_reminders SET due_at = v.column3, attempts = attempts + 1
                 FROM (VALUES {rows}) AS v
                 WHERE push_reminders.subscription_id = v.column1
                   AND push_reminders.story_id = v.column2 AND push_reminders.due_at IS NOT NULL"
            )
        })
        .await?;
        Ok(())
    }

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
            super::subscriptions::delete_rows(&mut tx, row.try_get(0)?).await?;
            pruned += 1;
        }
        tx.commit().await?;
        Ok(pruned)
    }

    /// Takes the reminders' housekeeping for this sweep when it last ran
    /// at least `interval_seconds` before `now`, for the whole site (every
    /// process asks; one gets it). True when the caller should run it.
    pub async fn claim_housekeeping(
        &self,
        now: i64,
        interval_seconds: i64,
    ) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "UPDATE reminder_housekeeping SET last_run_at = $1 WHERE id = 1 AND last_run_at <= $2",
        )
        .bind(now)
        .bind(now - interval_seconds)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

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

    /// Deletes reminders a digest sent before `before`, and "opened"
    /// records older than it (a story that old is not held any more).
    pub async fn prune_reminders(&self, before: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let digested =
            sqlx::query("DELETE FROM push_reminders WHERE due_at IS NULL AND digested_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query("DELETE FROM push_opened WHERE opened_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(digested)
    }
}

/// The most subscriptions one [`Store::claim_due_digests`] takes: far under
/// either backend's limit on bound values.
pub const MAX_DIGESTS_PER_CLAIM: usize = 5_000;

/// Writes held stories, one statement per [`super::batch::ROWS_PER_STATEMENT`]: a story
/// the reader already opened, or already holds (or had in a digest), is
/// left alone, and so is a subscription deleted meanwhile. Returns how many
/// were newly held.
pub(super) async fn insert_held(
    conn: &mut AnyConnection,
    held: &[HeldStory],
    now: i64,
) -> Result<u64, StoreError> {
    execute_batched(conn, &[now], held, |rows| {
        format!(
            "INSERT INTO push_reminders (subscription_id, story_id, reason, due_at, created_at)
             SELECT v.column1, v.column2, v.column3, v.column4, $1 FROM (VALUES {rows}) AS v
             WHERE NOT EXISTS (SELECT 1 FROM push_opened o
                               WHERE o.subscription_id = v.column1 AND o.story_id = v.column2)
               AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.id = v.column1)
             ON CONFLICT (subscription_id, story_id) DO NOTHING"
        )
    })
    .await
}

impl BatchRow for HeldStory {
    const WIDTH: usize = 4;
    fn bind_to<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query
            .bind(self.subscription_id)
            .bind(self.story_id)
            .bind(self.reason.as_str())
            .bind(self.due_at)
    }
}

/// `INDEXED BY index` on SQLite, whose planner, without statistics, may
/// prefer to scan a table it believes small (and with it fails rather than
/// scan); nothing on PostgreSQL, whose planner is checked by the plan test.
fn indexed_by(backend: Backend, index: &str) -> String {
    match backend {
        Backend::Sqlite => format!("INDEXED BY {index}"),
        Backend::Postgres => String::new(),
    }
}

/// The head of the `due_at` index: up to `rows` due reminders' subscribers,
/// oldest due first (`$1`: now).
fn due_reminders_sql(backend: Backend, rows: usize) -> String {
    format!(
        "SELECT r.subscription_id FROM push_reminders r {}
         WHERE r.due_at <= $1 ORDER BY r.due_at LIMIT {rows}",
        indexed_by(backend, "push_reminders_due")
    )
}

/// Active subscriptions last seen before `$1`, not asked since: the head
/// of the partial last-seen index.
fn silent_subscriptions_sql(backend: Backend, limit: usize) -> String {
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
fn unanswered_subscriptions_sql(backend: Backend, limit: usize) -> String {
    format!(
        "SELECT s.id, s.endpoint, s.p256dh, s.auth, s.last_seen_at, s.still_interested_at
         FROM push_subscriptions s {}
         WHERE s.still_interested_at <= $1 AND s.last_seen_at <= s.still_interested_at
         ORDER BY s.still_interested_at LIMIT {limit}",
        indexed_by(backend, "push_subscriptions_asked")
    )
}

fn silent_from_row(row: &AnyRow) -> Result<SilentSubscription, StoreError> {
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

/// A held story as a digest shows it.
struct DigestStory {
    slug: String,
    headline: String,
    published_at: Option<i64>,
    /// In the story's order, with their ids.
    topics: Vec<(i64, TopicRef)>,
}

/// The stories of a digest batch, with their topics: two statements.
async fn digest_stories(
    conn: &mut AnyConnection,
    story_ids: &[i64],
) -> Result<HashMap<i64, DigestStory>, StoreError> {
    let mut stories = HashMap::with_capacity(story_ids.len());
    let rows = fetch_batched(conn, &[], story_ids, |ids| {
        format!("SELECT id, slug, headline, published_at FROM stories WHERE id IN ({ids})")
    })
    .await?;
    for row in rows {
        stories.insert(
            row.try_get::<i64, _>(0)?,
            DigestStory {
                slug: row.try_get(1)?,
                headline: row.try_get(2)?,
                published_at: row.try_get(3)?,
                topics: Vec::new(),
            },
        );
    }
    let rows = fetch_batched(conn, &[], story_ids, |ids| {
        format!(
            "SELECT st.story_id, t.id, t.slug, t.name FROM story_topics st JOIN topics t ON t.id = st.topic_id
             WHERE st.story_id IN ({ids}) ORDER BY st.story_id, st.position"
        )
    })
    .await?;
    for row in rows {
        if let Some(story) = stories.get_mut(&row.try_get::<i64, _>(0)?) {
            story.topics.push((
                row.try_get(1)?,
                TopicRef {
                    slug: row.try_get(2)?,
                    name: row.try_get(3)?,
                },
            ));
        }
    }
    Ok(stories)
}

/// Which of `topic_ids` each of `subscription_ids` follows, as
/// `(subscription_id, topic_id)` pairs: one statement per chunk of
/// subscriptions, through the follows' primary key.
async fn followed_among(
    conn: &mut AnyConnection,
    subscription_ids: &[i64],
    topic_ids: &[i64],
) -> Result<HashSet<(i64, i64)>, StoreError> {
    let mut follows = HashSet::new();
    if topic_ids.is_empty() {
        return Ok(follows);
    }
    let topic_list = placeholders(1, topic_ids.len());
    let rows = fetch_batched(conn, topic_ids, subscription_ids, |ids| {
        format!(
            "SELECT subscription_id, topic_id FROM push_follows
             WHERE subscription_id IN ({ids}) AND topic_id IN ({topic_list})"
        )
    })
    .await?;
    for row in rows {
        follows.insert((row.try_get(0)?, row.try_get(1)?));
    }
    Ok(follows)
}

/// The preference and counter columns, without the story-dependent one.
const OWN_COLUMNS: &str = "s.reminder_max_per_day, s.quiet_start, s.quiet_end, s.time_zone, \
     s.digest_time, s.breaking_overrides, s.sent_day, s.sent_count";

/// Reminder rows (story_id, slug, headline, published_at, reason, due_at,
/// digested_at) with each story's topics: those the reader follows, or all
/// of them when they follow none.
async fn reminders_from_rows(
    conn: &mut sqlx::AnyConnection,
    subscription_id: i64,
    rows: &[AnyRow],
) -> Result<Vec<PendingReminder>, StoreError> {
    let story_ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut topics: Vec<(i64, TopicRef, bool)> = Vec::new();
    let topic_rows = fetch_batched(conn, &[subscription_id], &story_ids, |ids| {
        format!(
            "SELECT st.story_id, t.slug, t.name,
                    CASE WHEN EXISTS (SELECT 1 FROM push_follows f
                                      WHERE f.subscription_id = $1 AND f.topic_id = t.id) THEN 1 ELSE 0 END
             FROM story_topics st JOIN topics t ON t.id = st.topic_id
             WHERE st.story_id IN ({ids}) ORDER BY st.story_id, st.position"
        )
    })
    .await?;
    for row in topic_rows {
        topics.push((
            row.try_get(0)?,
            TopicRef {
                slug: row.try_get(1)?,
                name: row.try_get(2)?,
            },
            row.try_get::<i64, _>(3)? != 0,
        ));
    }
    rows.iter()
        .map(|row| {
            let story_id: i64 = row.try_get(0)?;
            let all: Vec<&(i64, TopicRef, bool)> =
                topics.iter().filter(|(s, _, _)| *s == story_id).collect();
            let breaking = all.iter().any(|(_, t, _)| t.slug == BREAKING_TOPIC);
            let followed: Vec<TopicRef> = all
                .iter()
                .filter(|(_, _, followed)| *followed)
                .map(|(_, t, _)| t.clone())
                .collect();
            let shown = if followed.is_empty() {
                all.iter().map(|(_, t, _)| t.clone()).collect()
            } else {
                followed
            };
            let reason: String = row.try_get(4)?;
            Ok(PendingReminder {
                story_id,
                slug: row.try_get(1)?,
                headline: row.try_get(2)?,
                topics: shown,
                published_at: row.try_get(3)?,
                breaking,
                reason: HoldReason::parse(&reason).ok_or_else(|| {
                    StoreError::Corrupt(format!("unknown reminder reason {reason:?}"))
                })?,
                due_at: row.try_get(5)?,
                digested_at: row.try_get(6)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fan-out's recipient query binds the story's topics once and
    /// uses them twice: in its filter and in [`reminder_columns`].
    #[tokio::test]
    async fn reminder_columns_reuse_the_querys_topic_placeholders() {
        let data = tempfile::tempdir().expect("temp dir");
        let store = Store::open_data_folder(data.path()).await.expect("store");
        for sql in [
            "INSERT INTO topics (id, slug, name, created_at) VALUES (101, 'a', 'A', 0), (102, 'b', 'B', 0)",
            "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, token_hash, created_at, last_seen_at, time_zone, sent_day, sent_count)
             VALUES (7, 'https://e/1', 'k', 'a', 'h1', 0, 0, 'Europe/London', 5, 2),
                    (8, 'https://e/2', 'k', 'a', 'h2', 0, 0, NULL, 0, 0)",
            "INSERT INTO push_follows (subscription_id, topic_id, created_at) VALUES (7, 101, 0), (8, 101, 0), (8, 102, 0)",
            "INSERT INTO push_digest_topics (subscription_id, topic_id) VALUES (7, 101), (8, 101)",
        ] {
            sqlx::query(sql).execute(&store.pool).await.expect("setup");
        }
        let topics = placeholders(3, 2);
        let sql = format!(
            "SELECT s.id, {} FROM push_subscriptions s
             WHERE s.id > $1 AND s.id <= $2 AND s.paused = 0 AND EXISTS (SELECT 1 FROM push_follows f
                 WHERE f.subscription_id = s.id AND f.topic_id IN ({topics}))
             ORDER BY s.id",
            reminder_columns(&topics)
        );
        let rows = sqlx::query(&sql)
            .bind(0i64)
            .bind(100i64)
            .bind(101i64)
            .bind(102i64)
            .fetch_all(&store.pool)
            .await
            .expect("query");
        let states: Vec<(i64, ReminderState)> = rows
            .iter()
            .map(|row| {
                (
                    row.try_get(0).expect("id"),
                    ReminderState::from_row(row, 1).expect("state"),
                )
            })
            .collect();
        assert_eq!(states.len(), 2);
        assert_eq!(states[0].0, 7);
        assert!(
            states[0].1.digest_only,
            "follows only a digest topic of the story"
        );
        assert_eq!(
            states[0].1.sent,
            SentToday {
                local_day: 5,
                count: 2
            }
        );
        assert_eq!(
            states[0].1.preferences.time_zone.as_deref(),
            Some("Europe/London")
        );
        assert!(!states[1].1.digest_only, "follows b story by story");
    }
}
