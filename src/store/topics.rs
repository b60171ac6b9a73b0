//! Topics: created on first mention by a story, or by an editor (who may
//! also rename and describe them), and listed with their story counts and
//! last change for topic pages and sitemaps; and the check that a save
//! names only topics that exist.

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::batch::fetch_batched;
use super::content_changes::Touched;
use super::rows;
use super::{Conflict, Store, StoreError};
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

    /// A topic's id and name by slug, and nothing else: what a search in a
    /// topic needs. (`topic_by_slug` also counts the topic's stories and
    /// finds its last change, reading every story of the topic: more than
    /// the whole search at 100,000 stories.)
    pub async fn topic_id_by_slug(&self, slug: &str) -> Result<Option<(i64, String)>, StoreError> {
        sqlx::query("SELECT id, name FROM topics WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .transpose()
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

/// The topics among `topics` that do not exist yet, by name. A topic is
/// known by its slug or, whatever its slug, by its name: the rule by which
/// `ensure_topics` (topics.rs) finds a story's topics.
pub(super) async fn unknown_topics(
    tx: &mut Transaction<'_, Any>,
    topics: &[TopicName],
) -> Result<Vec<String>, StoreError> {
    let mut unknown = Vec::new();
    for topic in topics {
        let found = sqlx::query("SELECT 1 FROM topics WHERE slug = $1 OR lower(name) = lower($2)")
            .bind(&topic.slug)
            .bind(&topic.name)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            unknown.push(topic.name.clone());
        }
    }
    Ok(unknown)
}

impl Store {
    /// Creates a topic. A `slug` conflict when the slug is taken, a `name`
    /// conflict when another topic has the name (whatever its case): a
    /// story naming it could not tell them apart.
    pub async fn create_topic(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        now: DateTime<Utc>,
    ) -> Result<Topic, StoreError> {
        let mut tx = self.begin_write().await?;
        let clash = sqlx::query(
            "SELECT slug, name FROM topics WHERE slug = $1 OR lower(name) = lower($2) LIMIT 1",
        )
        .bind(slug)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = clash {
            let (taken_slug, taken_name): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            return Err(StoreError::Conflict(if taken_slug == slug {
                Conflict::TopicSlugTaken {
                    slug: slug.to_owned(),
                    name: taken_name,
                }
            } else {
                Conflict::TopicNameTaken(taken_name)
            }));
        }
        sqlx::query(
            "INSERT INTO topics (slug, name, description, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(slug)
        .bind(name)
        .bind(description)
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await?;
        crate::store::content_changes::record(&mut tx, &Touched::everything()).await?;
        tx.commit().await?;
        self.announce_content().await;
        self.topic_by_slug(slug, now)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("topic {slug} vanished")))
    }

    /// Renames a topic or changes its description; its slug (its URL, and
    /// what readers follow) stays. `None` when there is no such topic; a
    /// `name` conflict when another topic has the new name.
    pub async fn update_topic(
        &self,
        slug: &str,
        name: Option<&str>,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Topic>, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(name) = name {
            let clash = sqlx::query(
                "SELECT name FROM topics WHERE lower(name) = lower($1) AND slug <> $2 LIMIT 1",
            )
            .bind(name)
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = clash {
                return Err(StoreError::Conflict(Conflict::TopicNameTaken(
                    row.try_get::<String, _>(0)?,
                )));
            }
        }
        let changed = sqlx::query(
            "UPDATE topics SET name = COALESCE($1, name), description = COALESCE($2, description)
             WHERE slug = $3",
        )
        .bind(name.map(str::to_owned))
        .bind(description.map(str::to_owned))
        .bind(slug)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        // Topic names show on story pages: their cached copies must go.
        crate::store::content_changes::record(&mut tx, &Touched::everything()).await?;
        tx.commit().await?;
        self.announce_content().await;
        self.topic_by_slug(slug, now).await
    }
}
