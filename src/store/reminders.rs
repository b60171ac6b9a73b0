//! Reminders' storage: a reader's preferences (columns of their
//! subscription, read by the fan-out with the row it already reads), their
//! count of notifications on their local day, the stories held for them
//! (`push_reminders`), the stories they opened (`push_opened`), and the
//! digest sweep that takes what is due.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::rows::placeholders;
use super::{Backend, Recipient, Store, StoreError};
use crate::content::TopicRef;
use crate::push::BREAKING_TOPIC;
use crate::reminders::{
    HoldReason, LocalTime, QuietHours, SentToday, StoredPreferences, StoryReach,
};

/// Rows per statement when writing a batch: far under either backend's
/// limit on bound values.
const ROWS_PER_STATEMENT: usize = 500;

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
        let minutes = |i: usize| -> Result<Option<LocalTime>, StoreError> {
            Ok(row
                .try_get::<Option<i64>, _>(first + i)?
                .and_then(|m| u16::try_from(m).ok())
                .and_then(LocalTime::from_minutes))
        };
        let quiet_hours = match (minutes(1)?, minutes(2)?) {
            (Some(start), Some(end)) => Some(QuietHours { start, end }),
            _ => None,
        };
        Ok(ReminderState {
            preferences: StoredPreferences {
                max_per_day: row
                    .try_get::<Option<i64>, _>(first)?
                    .and_then(|n| u32::try_from(n).ok()),
                quiet_hours,
                time_zone: row.try_get(first + 3)?,
                digest_time: minutes(4)?,
                breaking_overrides: row.try_get::<Option<i64>, _>(first + 5)?.map(|b| b != 0),
            },
            sent: SentToday {
                local_day: row.try_get(first + 6)?,
                count: u32::try_from(row.try_get::<i64, _>(first + 7)?).unwrap_or(u32::MAX),
            },
            digest_only: row.try_get::<i64, _>(first + 8)? != 0,
        })
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
    pub reminders: Vec<PendingReminder>,
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
        let mut states = Vec::with_capacity(subscription_ids.len());
        for ids in subscription_ids.chunks(ROWS_PER_STATEMENT) {
            // No story topics (breaking news sent to everyone): a list that
            // matches nothing.
            let topic_list = if story_topic_ids.is_empty() {
                "NULL".to_owned()
            } else {
                placeholders(1, story_topic_ids.len())
            };
            let sql = format!(
                "SELECT s.id, {} FROM push_subscriptions s WHERE s.id IN ({}) ORDER BY s.id",
                reminder_columns(&topic_list),
                placeholders(story_topic_ids.len() + 1, ids.len())
            );
            let mut query = sqlx::query(&sql);
            for topic in story_topic_ids {
                query = query.bind(topic);
            }
            for id in ids {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                states.push((row.try_get(0)?, ReminderState::from_row(&row, 1)?));
            }
        }
        Ok(states)
    }

    /// Counts sends on readers' local days, each only while the reader's
    /// count is under its cap: one statement per batch, atomic per reader,
    /// so two stories fanning out at once cannot both take a last slot.
    /// Returns the subscriptions whose claim was granted; the others are at
    /// their cap (hold their story with [`HoldReason::Cap`]).
    pub async fn claim_send_slots(&self, claims: &[SlotClaim]) -> Result<Vec<i64>, StoreError> {
        let mut granted = Vec::with_capacity(claims.len());
        for chunk in claims.chunks(ROWS_PER_STATEMENT) {
            let values = value_rows(chunk.len(), 3);
            let sql = format!(
                "UPDATE push_subscriptions
                 SET sent_count = CASE WHEN sent_day = v.column2 THEN sent_count + 1 ELSE 1 END,
                     sent_day = v.column2
                 FROM (VALUES {values}) AS v
                 WHERE push_subscriptions.id = v.column1
                   AND (v.column3 < 0 OR sent_day <> v.column2 OR sent_count < v.column3)
                 RETURNING push_subscriptions.id"
            );
            let mut query = sqlx::query(&sql);
            for claim in chunk {
                query = query
                    .bind(claim.subscription_id)
                    .bind(claim.local_day)
                    .bind(claim.cap.map_or(-1, i64::from));
            }
            for row in query.fetch_all(&self.pool).await? {
                granted.push(row.try_get(0)?);
            }
        }
        Ok(granted)
    }

    /// Holds stories for readers until they are due: one statement per
    /// batch. A story the reader already opened, or already holds (or had
    /// in a digest), is left alone, so holding twice does no harm. Returns
    /// how many were newly held.
    pub async fn hold_reminders(&self, held: &[HeldStory], now: i64) -> Result<u64, StoreError> {
        let mut inserted = 0;
        for chunk in held.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO push_reminders (subscription_id, story_id, reason, due_at, created_at)
                 SELECT v.column1, v.column2, v.column3, v.column4, $1 FROM (VALUES {}) AS v
                 WHERE NOT EXISTS (SELECT 1 FROM push_opened o
                                   WHERE o.subscription_id = v.column1 AND o.story_id = v.column2)
                 ON CONFLICT (subscription_id, story_id) DO NOTHING",
                value_rows_from(2, chunk.len(), 4)
            );
            let mut query = sqlx::query(&sql).bind(now);
            for h in chunk {
                query = query
                    .bind(h.subscription_id)
                    .bind(h.story_id)
                    .bind(h.reason.as_str())
                    .bind(h.due_at);
            }
            inserted += query.execute(&self.pool).await?.rows_affected();
        }
        Ok(inserted)
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
    pub async fn claim_due_digests(
        &self,
        now: i64,
        limit: usize,
        lease_seconds: i64,
    ) -> Result<Vec<DueDigest>, StoreError> {
        let mut tx = self.begin_write().await?;
        // A subscription can have several due reminders: read a few rows
        // more than the subscriptions wanted.
        let head = sqlx::query(&format!(
            "SELECT subscription_id FROM push_reminders WHERE due_at <= $1 ORDER BY due_at LIMIT {}",
            limit.saturating_mul(4).max(1)
        ))
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let mut candidates: Vec<i64> = Vec::new();
        for row in &head {
            let id: i64 = row.try_get(0)?;
            if !candidates.contains(&id) && candidates.len() < limit {
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
        let sql = format!(
            "SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE id IN ({}) ORDER BY id {lock}",
            placeholders(1, candidates.len())
        );
        let recipients = candidates
            .iter()
            .fold(sqlx::query(&sql), |q, id| q.bind(id))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| {
                Ok(Recipient {
                    id: row.try_get(0)?,
                    endpoint: row.try_get(1)?,
                    p256dh: row.try_get(2)?,
                    auth: row.try_get(3)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut digests = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            // A story unpublished since it was held is not reminded.
            sqlx::query(
                "DELETE FROM push_reminders WHERE subscription_id = $1 AND due_at <= $2
                   AND story_id IN (SELECT id FROM stories WHERE published_at IS NULL)",
            )
            .bind(recipient.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let rows = sqlx::query(
                "UPDATE push_reminders SET due_at = $1
                 WHERE subscription_id = $2 AND due_at <= $3
                 RETURNING story_id",
            )
            .bind(now + lease_seconds.max(1))
            .bind(recipient.id)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            let story_ids: Vec<i64> = rows
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            if story_ids.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT r.story_id, st.slug, st.headline, st.published_at, r.reason, r.due_at, r.digested_at
                 FROM push_reminders r JOIN stories st ON st.id = r.story_id
                 WHERE r.subscription_id = $1 AND r.story_id IN ({})
                 ORDER BY st.published_at DESC, r.story_id DESC",
                placeholders(2, story_ids.len())
            );
            let details = story_ids
                .iter()
                .fold(sqlx::query(&sql).bind(recipient.id), |q, id| q.bind(id))
                .fetch_all(&mut *tx)
                .await?;
            let reminders = reminders_from_rows(&mut tx, recipient.id, &details).await?;
            digests.push(DueDigest {
                recipient,
                reminders,
            });
        }
        tx.commit().await?;
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
        for ids in story_ids.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "UPDATE push_reminders SET due_at = NULL, digested_at = $1
                 WHERE subscription_id = $2 AND story_id IN ({})",
                placeholders(3, ids.len())
            );
            let query = sqlx::query(&sql).bind(now).bind(subscription_id);
            ids.iter()
                .fold(query, |q, id| q.bind(id))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
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

/// The preference and counter columns, without the story-dependent one.
const OWN_COLUMNS: &str = "s.reminder_max_per_day, s.quiet_start, s.quiet_end, s.time_zone, \
     s.digest_time, s.breaking_overrides, s.sent_day, s.sent_count";

/// `($1, $2, $3), ($4, $5, $6), …`: `rows` rows of `width` placeholders.
fn value_rows(rows: usize, width: usize) -> String {
    value_rows_from(1, rows, width)
}

fn value_rows_from(first: usize, rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(first + r * width, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

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
    for ids in story_ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT st.story_id, t.slug, t.name,
                    CASE WHEN EXISTS (SELECT 1 FROM push_follows f
                                      WHERE f.subscription_id = $1 AND f.topic_id = t.id) THEN 1 ELSE 0 END
             FROM story_topics st JOIN topics t ON t.id = st.topic_id
             WHERE st.story_id IN ({}) ORDER BY st.story_id, st.position",
            placeholders(2, ids.len())
        );
        let query = ids
            .iter()
            .fold(sqlx::query(&sql).bind(subscription_id), |q, id| q.bind(id));
        for row in query.fetch_all(&mut *conn).await? {
            topics.push((
                row.try_get(0)?,
                TopicRef {
                    slug: row.try_get(1)?,
                    name: row.try_get(2)?,
                },
                row.try_get::<i64, _>(3)? != 0,
            ));
        }
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

    #[test]
    fn value_rows_number_their_placeholders_in_order() {
        assert_eq!(value_rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(value_rows_from(2, 2, 2), "($2, $3), ($4, $5)");
    }
}
