//! A reader's reminder preferences and day counter: columns of their
//! subscription, read by the fan-out with the row it already reads, and the
//! send slots a batch claims on each reader's local day.

use super::*;
use crate::reminders::StoredPreferences;

/// The same columns for a query that binds no story topic: breaking news
/// sent to everyone, which never waits for a digest (`digest_only` is 0).
pub(in crate::store) fn reminder_columns_without_digest() -> String {
    format!("{OWN_COLUMNS}, 0")
}

impl Store {
    /// A subscription's stored preferences and digest topics (by name).
    pub async fn reminder_preferences(
        &self,
        subscription_id: i64,
    ) -> Result<(StoredReminders, Vec<TopicRef>), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {}, 0 FROM push_subscriptions s WHERE s.id = $1",
            OWN_COLUMNS
        ))
        .bind(subscription_id)
        .fetch_optional(&self.pool)
        .await?;
        let preferences = match row {
            Some(row) => stored_reminders(&row, 0)?,
            None => StoredReminders::default(),
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
    ) -> Result<Vec<(i64, StoredReminders)>, StoreError> {
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
            .map(|row| Ok((row.try_get(0)?, stored_reminders(row, 1)?)))
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
}

/// The preference and counter columns, without the story-dependent one.
pub(in crate::store) const OWN_COLUMNS: &str = "s.reminder_max_per_day, s.quiet_start, s.quiet_end, s.time_zone, \
     s.digest_time, s.breaking_overrides, s.sent_day, s.sent_count";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reminders::{ReminderState, SentToday};

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
                    stored_reminders(row, 1).expect("state").decode(),
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
