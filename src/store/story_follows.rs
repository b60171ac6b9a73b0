//! Follows of live stories (`story_follows`): a reader's subscription
//! follows one live story, and each key event posted in it is a
//! notification to them (`store/fanout`'s [`super::Audience::StoryFollowers`]).
//!
//! A follow is written only while the story's coverage is open, checked
//! inside the write. It **lapses** [`STORY_FOLLOW_LAPSE_SECONDS`] after the
//! coverage ends: every read here (the list, the count) and the fan-out
//! leave it out from then on, whether or not the housekeeping sweep
//! ([`Store::prune_lapsed_story_follows`]) has deleted it yet.

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::rows::time;
use super::{Conflict, Store, StoreError};

/// How long a story's follows last after its coverage ends: a day, for
/// the corrections and the wrap-up that follow the end, then they lapse.
pub const STORY_FOLLOW_LAPSE_SECONDS: i64 = 86_400;

/// A followed story whose follow has not lapsed, as the reader's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedStory {
    pub story_id: i64,
    pub slug: String,
    pub headline: String,
    /// When the coverage ended; `None` while it lasts.
    pub live_ended_at: Option<DateTime<Utc>>,
    pub followed_at: DateTime<Utc>,
}

/// What a follow came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryFollow {
    pub story: FollowedStory,
    /// False when the subscription already followed the story.
    pub created: bool,
}

/// The condition, on a story aliased `st`, under which its follows count
/// at the Unix second bound to `cutoff` (`now` minus the lapse): it is
/// live, and its coverage lasts or ended after the cutoff.
pub(in crate::store) fn follows_count_sql(cutoff: &str) -> String {
    format!("st.live = 1 AND (st.live_ended_at IS NULL OR st.live_ended_at > {cutoff})")
}

/// A followed story's columns, from `story_follows f JOIN stories st`,
/// as [`followed_from_row`] reads them.
const FOLLOWED_COLUMNS: &str = "st.id, st.slug, st.headline, st.live_ended_at, f.created_at";

/// The instant before which an ended coverage's follows have lapsed.
pub(in crate::store) fn lapse_cutoff(now: i64) -> i64 {
    now - STORY_FOLLOW_LAPSE_SECONDS
}

impl Store {
    /// Subscription `subscription_id` follows story `story_id`, while the
    /// story is live and its coverage open ([`Conflict::LiveCoverageClosed`]
    /// otherwise, nothing written). Following again changes nothing.
    pub async fn follow_story(
        &self,
        subscription_id: i64,
        story_id: i64,
        now: i64,
    ) -> Result<StoryFollow, StoreError> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO story_follows (subscription_id, story_id, created_at)
             SELECT $1, st.id, $3 FROM stories st
             WHERE st.id = $2 AND st.live = 1 AND st.live_ended_at IS NULL
             ON CONFLICT (subscription_id, story_id) DO NOTHING",
        )
        .bind(subscription_id)
        .bind(story_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let story = followed(&mut tx, subscription_id, story_id, now).await?;
        // Not written and not followed before: the coverage is not open.
        let Some(story) = story.filter(|s| inserted == 1 || s.live_ended_at.is_none()) else {
            tx.rollback().await?;
            return Err(StoreError::Conflict(Conflict::LiveCoverageClosed(story_id)));
        };
        tx.commit().await?;
        Ok(StoryFollow {
            story,
            created: inserted == 1,
        })
    }

    /// Subscription `subscription_id` no longer follows story `story_id`;
    /// false when it did not.
    pub async fn unfollow_story(
        &self,
        subscription_id: i64,
        story_id: i64,
    ) -> Result<bool, StoreError> {
        let deleted =
            sqlx::query("DELETE FROM story_follows WHERE subscription_id = $1 AND story_id = $2")
                .bind(subscription_id)
                .bind(story_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(deleted > 0)
    }

    /// The stories subscription `subscription_id` follows at `now` (lapsed
    /// follows left out), the most recently followed first.
    pub async fn followed_stories(
        &self,
        subscription_id: i64,
        now: i64,
    ) -> Result<Vec<FollowedStory>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {FOLLOWED_COLUMNS} FROM story_follows f JOIN stories st ON st.id = f.story_id
             WHERE f.subscription_id = $1 AND {}
             ORDER BY f.created_at DESC, st.id DESC",
            follows_count_sql("$2")
        ))
        .bind(subscription_id)
        .bind(lapse_cutoff(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(followed_from_row).collect()
    }

    /// How many subscriptions follow story `story_id` at `now`: the live
    /// desk's figure. Paused subscriptions count (they follow, and get the
    /// key events once they resume); lapsed follows do not.
    pub async fn story_follower_count(&self, story_id: i64, now: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query(&format!(
            "SELECT COUNT(*) FROM story_follows f JOIN stories st ON st.id = f.story_id
             WHERE f.story_id = $1 AND {}",
            follows_count_sql("$2")
        ))
        .bind(story_id)
        .bind(lapse_cutoff(now))
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?)
    }

    /// Deletes the follows that have lapsed at `now` (a day after their
    /// story's coverage ended, or of a story no longer live): the
    /// reminders' housekeeping runs it. Returns how many went.
    pub async fn prune_lapsed_story_follows(&self, now: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query(&format!(
            "DELETE FROM story_follows WHERE story_id IN
                 (SELECT st.id FROM stories st WHERE NOT ({}))",
            follows_count_sql("$1")
        ))
        .bind(lapse_cutoff(now))
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}

/// Story `story_id` as `subscription_id` follows it at `now`, if it does
/// and the follow has not lapsed.
async fn followed(
    tx: &mut Transaction<'_, Any>,
    subscription_id: i64,
    story_id: i64,
    now: i64,
) -> Result<Option<FollowedStory>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {FOLLOWED_COLUMNS} FROM story_follows f JOIN stories st ON st.id = f.story_id
         WHERE f.subscription_id = $1 AND f.story_id = $2 AND {}",
        follows_count_sql("$3")
    ))
    .bind(subscription_id)
    .bind(story_id)
    .bind(lapse_cutoff(now))
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(followed_from_row).transpose()
}

fn followed_from_row(row: &sqlx::any::AnyRow) -> Result<FollowedStory, StoreError> {
    let ended: Option<i64> = row.try_get(3)?;
    Ok(FollowedStory {
        story_id: row.try_get(0)?,
        slug: row.try_get(1)?,
        headline: row.try_get(2)?,
        live_ended_at: ended.map(time).transpose()?,
        followed_at: time(row.try_get(4)?)?,
    })
}
