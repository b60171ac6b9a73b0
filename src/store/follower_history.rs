//! The audience: how many subscribers follow each topic, now and day by day.
//! A daily snapshot (one row per topic per UTC day) keeps the history the
//! newsroom charts; it is written by whoever comes first that day (the
//! server's daily task or a dashboard view) and by nobody after, so many
//! nodes may try at once.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError};

/// Seconds in a day: snapshots are keyed by the UTC midnight that starts theirs.
const DAY: i64 = 86_400;

/// A topic and how many subscriptions follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicFollowers {
    pub topic_id: i64,
    pub slug: String,
    pub name: String,
    pub followers: i64,
}

/// One topic's followers on one day, as snapshotted that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowerPoint {
    /// The UTC midnight that starts the day.
    pub day: DateTime<Utc>,
    pub topic_id: i64,
    pub followers: i64,
}

/// The UTC midnight that starts the day `at` falls in, in Unix seconds.
pub fn day_start(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(DAY) * DAY
}

impl Store {
    /// Every topic with its followers now, most followed first (then by name).
    pub async fn follower_counts(&self) -> Result<Vec<TopicFollowers>, StoreError> {
        sqlx::query(&format!(
            "SELECT t.id, t.slug, t.name, COUNT(f.subscription_id) AS followers
             FROM topics t LEFT JOIN push_follows f ON f.topic_id = t.id
             GROUP BY t.id, t.slug, t.name
             ORDER BY followers DESC, {}",
            self.text_order("t.name")
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(TopicFollowers {
                topic_id: row.try_get(0)?,
                slug: row.try_get(1)?,
                name: row.try_get(2)?,
                followers: row.try_get(3)?,
            })
        })
        .collect()
    }

    /// Records today's followers of every topic that has no snapshot for
    /// the day `now` falls in; returns how many topics were recorded. Cheap
    /// when the day is done (one indexed lookup), and safe to run from many
    /// nodes at once: a row already written is left as it is.
    pub async fn snapshot_followers(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let day = day_start(now);
        let missing: i64 = sqlx::query(
            "SELECT COUNT(*) FROM topics t WHERE NOT EXISTS
               (SELECT 1 FROM topic_followers_daily d WHERE d.day = $1 AND d.topic_id = t.id)",
        )
        .bind(day)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        if missing == 0 {
            return Ok(0);
        }
        // `WHERE` before `GROUP BY` also keeps SQLite from reading the
        // upsert's ON as a join's.
        let written = sqlx::query(
            "INSERT INTO topic_followers_daily (day, topic_id, followers)
             SELECT $1, t.id, COUNT(f.subscription_id)
             FROM topics t LEFT JOIN push_follows f ON f.topic_id = t.id
             WHERE NOT EXISTS
               (SELECT 1 FROM topic_followers_daily d WHERE d.day = $1 AND d.topic_id = t.id)
             GROUP BY t.id
             ON CONFLICT (day, topic_id) DO NOTHING",
        )
        .bind(day)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(written)
    }

    /// Every snapshot from the day `since` falls in onwards, by topic, then day.
    pub async fn follower_history(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<FollowerPoint>, StoreError> {
        sqlx::query(
            "SELECT day, topic_id, followers FROM topic_followers_daily
             WHERE day >= $1 ORDER BY topic_id, day",
        )
        .bind(day_start(since))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(FollowerPoint {
                day: super::rows::time(row.try_get(0)?)?,
                topic_id: row.try_get(1)?,
                followers: row.try_get(2)?,
            })
        })
        .collect()
    }
}
