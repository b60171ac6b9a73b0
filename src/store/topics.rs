//! Topics: created on first mention by a story, listed with their story
//! counts and last change for topic pages and sitemaps.

use sqlx::{Any, Row, Transaction};

use super::batch::fetch_batched;
use super::rows;
use super::{Store, StoreError};
use crate::content::Topic;
use crate::content::input::TopicName;

/// The ids of the named topics, in order, creating those that do not exist.
pub(super) async fn ensure_topics(
    tx: &mut Transaction<'_, Any>,
    topics: &[TopicName],
    now: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(topics.len());
    for topic in topics {
        // A topic is known by its slug or, whatever its slug, by its name:
        // "Breaking news" is the built-in topic `breaking`.
        let existing = sqlx::query(
            "SELECT id FROM topics WHERE slug = $1 OR lower(name) = lower($2)
             ORDER BY CASE WHEN slug = $1 THEN 0 ELSE 1 END LIMIT 1",
        )
        .bind(&topic.slug)
        .bind(&topic.name)
        .fetch_optional(&mut **tx)
        .await?;
        let id: i64 = match existing {
            Some(row) => row.try_get(0)?,
            None => sqlx::query(
                "INSERT INTO topics (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(&topic.slug)
            .bind(&topic.name)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?,
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

const TOPIC_SELECT: &str = "SELECT t.id, t.slug, t.name, t.description,
        (SELECT MAX(s.modified_at) FROM story_topics st JOIN stories s ON s.id = st.story_id
          WHERE st.topic_id = t.id AND s.published_at IS NOT NULL AND s.published_at <= $1) AS last_modified,
        (SELECT COUNT(*) FROM story_topics st JOIN stories s ON s.id = st.story_id
          WHERE st.topic_id = t.id AND s.published_at IS NOT NULL AND s.published_at <= $1) AS story_count
     FROM topics t";

impl Store {
    /// The ids of these topic slugs; slugs of no topic are left out.
    pub async fn topic_ids(&self, slugs: &[String]) -> Result<Vec<(String, i64)>, StoreError> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.acquire().await?;
        fetch_batched(&mut conn, &[], slugs, |slugs| {
            format!("SELECT slug, id FROM topics WHERE slug IN ({slugs})")
        })
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
    }

    /// Every topic, by name, with its visible story count at `now`.
    pub async fn topics(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Topic>, StoreError> {
        sqlx::query(&format!(
            "{TOPIC_SELECT} ORDER BY {}",
            self.text_order("t.name")
        ))
        .bind(now.timestamp())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(topic_from_row)
        .collect()
    }

    /// One topic by slug.
    pub async fn topic_by_slug(
        &self,
        slug: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Topic>, StoreError> {
        sqlx::query(&format!("{TOPIC_SELECT} WHERE t.slug = $2"))
            .bind(now.timestamp())
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(topic_from_row)
            .transpose()
    }
}

fn topic_from_row(row: &sqlx::any::AnyRow) -> Result<Topic, StoreError> {
    Ok(Topic {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        last_modified: row
            .try_get::<Option<i64>, _>("last_modified")?
            .map(rows::time)
            .transpose()?,
        story_count: row.try_get("story_count")?,
    })
}
