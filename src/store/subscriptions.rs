//! Push subscriptions and follows: registering (or re-registering) a
//! browser's subscription, the topics it follows, pausing, deleting, and the
//! clicks notifications bring.

use sqlx::{Any, Row, Transaction};

use super::{Conflict, Store, StoreError};
use crate::content::TopicRef;

/// A browser's subscription as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub expiration_time: Option<i64>,
}

/// A registered subscription, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    pub id: i64,
    pub endpoint: String,
    pub paused: bool,
    pub topics: Vec<TopicRef>,
}

/// What registering did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    Created(i64),
    /// The endpoint was known (or the caller's own subscription moved to a
    /// new endpoint): updated, follows kept.
    Updated(i64),
}

impl Registered {
    pub fn id(&self) -> i64 {
        match self {
            Registered::Created(id) | Registered::Updated(id) => *id,
        }
    }
}

/// What became of a notification click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Click {
    /// Counted: this subscription's first click on the story.
    Counted,
    /// Not counted again: the subscription clicked before.
    Again,
    /// No published story has that id.
    NoStory,
}

impl Store {
    /// Registers a subscription with a new token hash, following `topic_ids`
    /// in addition to what it already follows. `replacing` is the id of the
    /// caller's current subscription (proved by its token), whose record
    /// moves to the new endpoint. The same endpoint with other keys and no
    /// proof of ownership is refused: knowing an endpoint is not owning it.
    pub async fn register_subscription(
        &self,
        subscription: &NewSubscription,
        token_hash: &str,
        topic_ids: &[i64],
        replacing: Option<i64>,
        now: i64,
    ) -> Result<Registered, StoreError> {
        let mut tx = self.begin_write().await?;
        let by_endpoint =
            sqlx::query("SELECT id, p256dh, auth FROM push_subscriptions WHERE endpoint = $1")
                .bind(&subscription.endpoint)
                .fetch_optional(&mut *tx)
                .await?;
        let existing = match (&by_endpoint, replacing) {
            (Some(row), _) => {
                let id: i64 = row.try_get(0)?;
                let same_keys = row.try_get::<String, _>(1)? == subscription.p256dh
                    && row.try_get::<String, _>(2)? == subscription.auth;
                if !same_keys && replacing != Some(id) {
                    return Err(StoreError::Conflict(Conflict::EndpointKeysDiffer));
                }
                if let Some(old) = replacing.filter(|old| *old != id) {
                    // The caller's old record merges into the endpoint's.
                    sqlx::query(
                        "INSERT INTO push_follows (subscription_id, topic_id, created_at)
                         SELECT $1, topic_id, created_at FROM push_follows WHERE subscription_id = $2
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
                    delete_rows(&mut tx, old).await?;
                }
                Some(id)
            }
            (None, Some(old)) => Some(old),
            (None, None) => None,
        };
        let outcome = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE push_subscriptions SET endpoint = $1, p256dh = $2, auth = $3,
                        expiration_time = $4, token_hash = $5, last_seen_at = $6 WHERE id = $7",
                )
                .bind(&subscription.endpoint)
                .bind(&subscription.p256dh)
                .bind(&subscription.auth)
                .bind(subscription.expiration_time)
                .bind(token_hash)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                Registered::Updated(id)
            }
            None => {
                let id: i64 = sqlx::query(
                    "INSERT INTO push_subscriptions
                        (endpoint, p256dh, auth, expiration_time, token_hash, created_at, last_seen_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(&subscription.endpoint)
                .bind(&subscription.p256dh)
                .bind(&subscription.auth)
                .bind(subscription.expiration_time)
                .bind(token_hash)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                Registered::Created(id)
            }
        };
        add_follows(&mut tx, outcome.id(), topic_ids, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The subscription a token belongs to, marking it as seen now.
    pub async fn subscription_by_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<SubscriptionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, endpoint, paused FROM push_subscriptions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.try_get(0)?;
        sqlx::query("UPDATE push_subscriptions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(Some(SubscriptionRecord {
            id,
            endpoint: row.try_get(1)?,
            paused: row.try_get::<i64, _>(2)? != 0,
            topics: self.followed_topics(id).await?,
        }))
    }

    /// The topics a subscription follows, by name.
    pub async fn followed_topics(&self, subscription_id: i64) -> Result<Vec<TopicRef>, StoreError> {
        sqlx::query(&format!(
            "SELECT t.slug, t.name FROM push_follows f JOIN topics t ON t.id = f.topic_id
             WHERE f.subscription_id = $1 ORDER BY {}",
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
        .collect()
    }

    /// Replaces the set of topics a subscription follows.
    pub async fn set_follows(
        &self,
        subscription_id: i64,
        topic_ids: &[i64],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM push_follows WHERE subscription_id = $1")
            .bind(subscription_id)
            .execute(&mut *tx)
            .await?;
        add_follows(&mut tx, subscription_id, topic_ids, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Pauses or resumes every notification to a subscription.
    pub async fn set_paused(&self, subscription_id: i64, paused: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE push_subscriptions SET paused = $1 WHERE id = $2")
            .bind(i64::from(paused))
            .bind(subscription_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes a subscription and its follows.
    pub async fn delete_subscription(&self, subscription_id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        delete_rows(&mut tx, subscription_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that subscription `subscription_id` opened the notification
    /// of story `story_id`, once: a second click by the same subscription
    /// is [`Click::Again`], and a story that is not published (a draft, a
    /// scheduled story, an unknown id) is [`Click::NoStory`] either way.
    pub async fn record_click(
        &self,
        story_id: i64,
        subscription_id: i64,
        now: i64,
    ) -> Result<Click, StoreError> {
        let published = sqlx::query(
            "SELECT COUNT(*) FROM stories
             WHERE id = $1 AND published_at IS NOT NULL AND published_at <= $2",
        )
        .bind(story_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?
        .try_get::<i64, _>(0)?;
        if published == 0 {
            return Ok(Click::NoStory);
        }
        let done = sqlx::query(
            "INSERT INTO push_clicks (subscription_id, story_id, clicked_at)
             VALUES ($1, $2, $3)
             ON CONFLICT (subscription_id, story_id) DO NOTHING",
        )
        .bind(subscription_id)
        .bind(story_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() == 1 {
            Click::Counted
        } else {
            Click::Again
        })
    }

    /// How many notification clicks a story had.
    pub async fn click_count(&self, story_id: i64) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) FROM push_clicks WHERE story_id = $1")
                .bind(story_id)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    /// How many subscriptions there are.
    pub async fn subscription_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM push_subscriptions")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}

async fn add_follows(
    tx: &mut Transaction<'_, Any>,
    subscription_id: i64,
    topic_ids: &[i64],
    now: i64,
) -> Result<(), StoreError> {
    for topic_id in topic_ids {
        sqlx::query(
            "INSERT INTO push_follows (subscription_id, topic_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(subscription_id)
        .bind(topic_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Deletes a subscription and its follows, keeping its clicks' counts.
pub(super) async fn delete_rows(
    tx: &mut Transaction<'_, Any>,
    subscription_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM push_follows WHERE subscription_id = $1")
        .bind(subscription_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM story_follows WHERE subscription_id = $1")
        .bind(subscription_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE push_clicks SET subscription_id = NULL WHERE subscription_id = $1")
        .bind(subscription_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
        .bind(subscription_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
