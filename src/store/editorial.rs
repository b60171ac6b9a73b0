//! Storage for the newsroom's work on stories: who owns a story, its
//! version (lost-update detection), its correction note, its revision
//! history, the newsroom's story list, and topics created or renamed by
//! editors. Saving content goes through [`Store::save_story_with`]
//! (stories.rs); this file holds the other changes and the reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::rows::{self, STORY_COLUMNS};
use super::stories::bump_version;
use super::{Conflict, Store, StoreError};
use crate::content::input::TopicName;
use crate::content::{CallToAction, Image, Story, Topic, TopicRef};

/// Who made a change, as the revision history remembers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
}

/// Where a story stands, for readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoryStatus {
    /// Not published, and no time set.
    Draft,
    /// Published at a time still to come.
    Scheduled,
    /// Visible on the site.
    Published,
}

impl StoryStatus {
    pub const ALL: [StoryStatus; 3] = [
        StoryStatus::Draft,
        StoryStatus::Scheduled,
        StoryStatus::Published,
    ];

    /// The status of a story published at `published_at`, seen at `now`.
    pub fn at(published_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoryStatus {
        match published_at {
            None => StoryStatus::Draft,
            Some(at) if at > now => StoryStatus::Scheduled,
            Some(_) => StoryStatus::Published,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StoryStatus::Draft => "draft",
            StoryStatus::Scheduled => "scheduled",
            StoryStatus::Published => "published",
        }
    }
}

impl std::str::FromStr for StoryStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<StoryStatus, String> {
        StoryStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a status; use draft, scheduled or published"))
    }
}

/// What a revision recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevisionAction {
    Created,
    Saved,
    Published,
    Scheduled,
    Unpublished,
    Corrected,
    Restored,
}

impl RevisionAction {
    const ALL: [RevisionAction; 7] = [
        RevisionAction::Created,
        RevisionAction::Saved,
        RevisionAction::Published,
        RevisionAction::Scheduled,
        RevisionAction::Unpublished,
        RevisionAction::Corrected,
        RevisionAction::Restored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevisionAction::Created => "created",
            RevisionAction::Saved => "saved",
            RevisionAction::Published => "published",
            RevisionAction::Scheduled => "scheduled",
            RevisionAction::Unpublished => "unpublished",
            RevisionAction::Corrected => "corrected",
            RevisionAction::Restored => "restored",
        }
    }

    fn parse(s: &str) -> Result<RevisionAction, StoreError> {
        RevisionAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("revision action {s:?}")))
    }
}

/// A story's editable fields as they were after a change: what a revision
/// keeps, compares and restores. Stored as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionSnapshot {
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_markdown: String,
    pub image: Option<Image>,
    pub call_to_action: Option<CallToAction>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub topics: Vec<TopicRef>,
    pub published_at: Option<DateTime<Utc>>,
    pub correction: Option<String>,
}

/// One entry of a story's revision history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionRecord {
    /// 1 for the first change recorded, then 2, 3…
    pub number: i64,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub action: RevisionAction,
    pub created_at: DateTime<Utc>,
    pub snapshot: RevisionSnapshot,
}

/// A correction note and when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub text: String,
    pub at: DateTime<Utc>,
}

/// A story with what the newsroom needs beside its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorialRecord {
    pub story: Story,
    pub version: i64,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub correction: Option<Correction>,
    pub created_at: DateTime<Utc>,
    /// When the story was first visible; `None` while it never was.
    pub first_published_at: Option<DateTime<Utc>>,
    pub revision_count: i64,
}

/// Which stories the newsroom list shows. Text filters ignore case (on
/// SQLite, ASCII case only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryQuery {
    pub status: Option<StoryStatus>,
    /// A topic slug.
    pub topic: Option<String>,
    pub owner_id: Option<i64>,
    /// One of the story's byline names, whole.
    pub author: Option<String>,
    /// Part of the headline.
    pub headline: Option<String>,
    /// Only stories this user owns, or that are visible on the site.
    pub readable_by: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// A story in the newsroom list: no body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedStory {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub authors: Vec<String>,
    pub topics: Vec<TopicRef>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub version: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
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

/// Cancels a story's fan-out jobs that have not started: no notification
/// goes out for a story that is not published, or for one whose waiting
/// notification is replaced.
pub(super) async fn cancel_pending_jobs(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE push_jobs SET state = 'cancelled' WHERE story_id = $1 AND state = 'pending'",
    )
    .bind(story_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a story's editable fields as they are now in `tx`, as its next
/// revision.
pub(super) async fn record_revision(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    actor: Option<&Actor>,
    action: RevisionAction,
    now: i64,
) -> Result<(), StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {STORY_COLUMNS}, s.correction FROM stories s WHERE s.id = $1"
    ))
    .bind(story_id)
    .fetch_one(&mut **tx)
    .await?;
    let story = rows::story_from_row(&row)?;
    let topics = sqlx::query(
        "SELECT st.story_id, t.slug, t.name FROM story_topics st JOIN topics t ON t.id = st.topic_id
         WHERE st.story_id = $1 ORDER BY st.position",
    )
    .bind(story_id)
    .fetch_all(&mut **tx)
    .await?;
    let snapshot = RevisionSnapshot {
        slug: story.slug,
        headline: story.headline,
        standfirst: story.standfirst,
        body_markdown: story.body_markdown,
        image: story.image,
        call_to_action: story.call_to_action,
        authors: story.authors,
        topics: rows::topic_refs(&topics)?
            .into_iter()
            .map(|(_, t)| t)
            .collect(),
        published_at: story.published_at,
        correction: row.try_get("correction")?,
    };
    let snapshot = serde_json::to_string(&snapshot)
        .map_err(|e| StoreError::Corrupt(format!("revision snapshot: {e}")))?;
    let number: i64 =
        sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 FROM story_revisions WHERE story_id = $1")
            .bind(story_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
    sqlx::query(
        "INSERT INTO story_revisions (story_id, number, user_id, user_name, action, created_at, snapshot)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(story_id)
    .bind(number)
    .bind(actor.map(|a| a.user_id))
    .bind(actor.map(|a| a.name.clone()))
    .bind(action.as_str())
    .bind(now)
    .bind(snapshot)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The columns `record_from_row` reads, beside `STORY_COLUMNS`.
const EDITORIAL_COLUMNS: &str = "s.version, s.owner_id, u.name AS owner_name, s.correction, \
     s.correction_at, s.created_at, s.first_published_at, \
     (SELECT COUNT(*) FROM story_revisions r WHERE r.story_id = s.id) AS revision_count";

fn record_from_row(row: &AnyRow, now: DateTime<Utc>) -> Result<EditorialRecord, StoreError> {
    let correction: Option<String> = row.try_get("correction")?;
    let correction_at: Option<i64> = row.try_get("correction_at")?;
    let first_published_at = row
        .try_get::<Option<i64>, _>("first_published_at")?
        .map(rows::time)
        .transpose()?
        .filter(|at| *at <= now);
    Ok(EditorialRecord {
        story: rows::story_from_row(row)?,
        version: row.try_get("version")?,
        owner_id: row.try_get("owner_id")?,
        owner_name: row.try_get("owner_name")?,
        correction: match (correction, correction_at) {
            (Some(text), Some(at)) => Some(Correction {
                text,
                at: rows::time(at)?,
            }),
            _ => None,
        },
        created_at: rows::time(row.try_get("created_at")?)?,
        first_published_at,
        revision_count: row.try_get("revision_count")?,
    })
}

fn revision_from_row(row: &AnyRow) -> Result<RevisionRecord, StoreError> {
    let snapshot: String = row.try_get("snapshot")?;
    Ok(RevisionRecord {
        number: row.try_get("number")?,
        user_id: row.try_get("user_id")?,
        user_name: row.try_get("user_name")?,
        action: RevisionAction::parse(&row.try_get::<String, _>("action")?)?,
        created_at: rows::time(row.try_get("created_at")?)?,
        snapshot: serde_json::from_str(&snapshot)
            .map_err(|e| StoreError::Corrupt(format!("revision snapshot: {e}")))?,
    })
}

/// The values of a query built piece by piece, each numbered as it is
/// added.
#[derive(Default)]
struct Binds(Vec<BindValue>);

enum BindValue {
    Int(i64),
    Text(String),
}

impl Binds {
    /// Adds an integer; returns its placeholder.
    fn int(&mut self, value: i64) -> String {
        self.0.push(BindValue::Int(value));
        format!("${}", self.0.len())
    }

    /// Adds a text; returns its placeholder.
    fn text(&mut self, value: String) -> String {
        self.0.push(BindValue::Text(value));
        format!("${}", self.0.len())
    }

    fn apply<'q>(
        &self,
        mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        for value in &self.0 {
            query = match value {
                BindValue::Int(n) => query.bind(*n),
                BindValue::Text(t) => query.bind(t.clone()),
            };
        }
        query
    }
}

/// `text` with LIKE's wildcards escaped (with `\`), inside `%…%`.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// A story by id with its version, owner, correction and revision
    /// count, whatever its state.
    pub async fn editorial_story(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<EditorialRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STORY_COLUMNS}, {EDITORIAL_COLUMNS}
             FROM stories s LEFT JOIN users u ON u.id = s.owner_id WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut record = record_from_row(&row, now)?;
        record.story.topics = self
            .topics_of(&[id])
            .await?
            .into_iter()
            .map(|(_, topic)| topic)
            .collect();
        Ok(Some(record))
    }

    /// The newsroom's story list: newest first (by creation), with the
    /// total number of stories matching.
    pub async fn editorial_stories(
        &self,
        query: &StoryQuery,
        now: DateTime<Utc>,
    ) -> Result<(Vec<ListedStory>, i64), StoreError> {
        let mut binds = Binds::default();
        let mut conditions = vec!["1 = 1".to_owned()];
        match query.status {
            Some(StoryStatus::Draft) => conditions.push("s.published_at IS NULL".into()),
            Some(StoryStatus::Scheduled) => {
                conditions.push(format!("s.published_at > {}", binds.int(now.timestamp())))
            }
            Some(StoryStatus::Published) => {
                conditions.push(format!("s.published_at <= {}", binds.int(now.timestamp())))
            }
            None => {}
        }
        if let Some(owner) = query.owner_id {
            conditions.push(format!("s.owner_id = {}", binds.int(owner)));
        }
        if let Some(reader) = query.readable_by {
            conditions.push(format!(
                "(s.owner_id = {} OR s.published_at <= {})",
                binds.int(reader),
                binds.int(now.timestamp())
            ));
        }
        if let Some(topic) = &query.topic {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM story_topics st JOIN topics t ON t.id = st.topic_id
                  WHERE st.story_id = s.id AND t.slug = {})",
                binds.text(topic.clone())
            ));
        }
        if let Some(author) = &query.author {
            // A name is one JSON string in the authors array.
            let quoted = serde_json::to_string(author.trim())
                .map_err(|e| StoreError::Corrupt(format!("author: {e}")))?;
            conditions.push(format!(
                "lower(s.authors) LIKE lower({}) ESCAPE '\\'",
                binds.text(like_pattern(&quoted))
            ));
        }
        if let Some(headline) = &query.headline {
            conditions.push(format!(
                "lower(s.headline) LIKE lower({}) ESCAPE '\\'",
                binds.text(like_pattern(headline.trim()))
            ));
        }
        let filter = conditions.join(" AND ");
        let list_sql = format!(
            "SELECT s.id, s.slug, s.headline, s.authors, s.owner_id, u.name AS owner_name, s.version,
                    s.published_at, s.updated_at, s.created_at, s.modified_at
             FROM stories s LEFT JOIN users u ON u.id = s.owner_id
             WHERE {filter} ORDER BY s.created_at DESC, s.id DESC LIMIT {} OFFSET {}",
            query.limit.clamp(0, 1000),
            query.offset.max(0)
        );
        let count_sql = format!("SELECT COUNT(*) FROM stories s WHERE {filter}");
        let rows = binds
            .apply(sqlx::query(&list_sql))
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = binds
            .apply(sqlx::query(&count_sql))
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let mut stories = rows
            .iter()
            .map(|row| {
                let authors: String = row.try_get("authors")?;
                Ok(ListedStory {
                    id: row.try_get("id")?,
                    slug: row.try_get("slug")?,
                    headline: row.try_get("headline")?,
                    authors: serde_json::from_str(&authors)
                        .map_err(|e| StoreError::Corrupt(format!("authors: {e}")))?,
                    topics: Vec::new(),
                    owner_id: row.try_get("owner_id")?,
                    owner_name: row.try_get("owner_name")?,
                    version: row.try_get("version")?,
                    published_at: row
                        .try_get::<Option<i64>, _>("published_at")?
                        .map(rows::time)
                        .transpose()?,
                    updated_at: row
                        .try_get::<Option<i64>, _>("updated_at")?
                        .map(rows::time)
                        .transpose()?,
                    created_at: rows::time(row.try_get("created_at")?)?,
                    modified_at: rows::time(row.try_get("modified_at")?)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let ids: Vec<i64> = stories.iter().map(|s| s.id).collect();
        let topics = self.topics_of(&ids).await?;
        for story in &mut stories {
            story.topics = topics
                .iter()
                .filter(|(id, _)| *id == story.id)
                .map(|(_, t)| t.clone())
                .collect();
        }
        Ok((stories, total))
    }

    /// Takes a published or scheduled story off the site, if it is still
    /// at `version`: it becomes a draft, and its notification, if not yet
    /// started, is cancelled. Returns the new version.
    pub async fn unpublish_story(
        &self,
        id: i64,
        version: i64,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let now_s = now.timestamp();
        let mut tx = self.begin_write().await?;
        let version = bump_version(&mut tx, id, Some(version)).await?;
        sqlx::query(
            "UPDATE stories SET published_at = NULL, modified_at = $1,
                first_published_at = CASE
                    WHEN first_published_at IS NOT NULL AND first_published_at <= $1
                    THEN first_published_at ELSE NULL END
             WHERE id = $2",
        )
        .bind(now_s)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        cancel_pending_jobs(&mut tx, id).await?;
        record_revision(&mut tx, id, actor, RevisionAction::Unpublished, now_s).await?;
        super::site_state::bump_content_version(&mut tx).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Sets (or, with `None`, clears) a story's correction note, if it is
    /// still at `version`. A visible story gets an "Updated" time. Returns
    /// the new version.
    pub async fn set_story_correction(
        &self,
        id: i64,
        version: i64,
        text: Option<&str>,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let now_s = now.timestamp();
        let mut tx = self.begin_write().await?;
        let version = bump_version(&mut tx, id, Some(version)).await?;
        sqlx::query(
            "UPDATE stories SET correction = $1, correction_at = $2, modified_at = $3,
                updated_at = CASE WHEN published_at <= $3 THEN $3 ELSE updated_at END
             WHERE id = $4",
        )
        .bind(text.map(str::to_owned))
        .bind(text.map(|_| now_s))
        .bind(now_s)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        record_revision(&mut tx, id, actor, RevisionAction::Corrected, now_s).await?;
        super::site_state::bump_content_version(&mut tx).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// A story's correction note, if it has one.
    pub async fn story_correction(&self, id: i64) -> Result<Option<Correction>, StoreError> {
        let row = sqlx::query("SELECT correction, correction_at FROM stories WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let text: Option<String> = row.try_get(0)?;
        let at: Option<i64> = row.try_get(1)?;
        Ok(match (text, at) {
            (Some(text), Some(at)) => Some(Correction {
                text,
                at: rows::time(at)?,
            }),
            _ => None,
        })
    }

    /// A story's revisions, newest first.
    pub async fn story_revisions(&self, story_id: i64) -> Result<Vec<RevisionRecord>, StoreError> {
        sqlx::query(
            "SELECT number, user_id, user_name, action, created_at, snapshot
             FROM story_revisions WHERE story_id = $1 ORDER BY number DESC",
        )
        .bind(story_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(revision_from_row)
        .collect()
    }

    /// One revision of a story.
    pub async fn story_revision(
        &self,
        story_id: i64,
        number: i64,
    ) -> Result<Option<RevisionRecord>, StoreError> {
        sqlx::query(
            "SELECT number, user_id, user_name, action, created_at, snapshot
             FROM story_revisions WHERE story_id = $1 AND number = $2",
        )
        .bind(story_id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(revision_from_row)
        .transpose()
    }

    /// A story's latest revision before `number` (or the latest of all).
    pub async fn previous_revision(
        &self,
        story_id: i64,
        before: Option<i64>,
    ) -> Result<Option<RevisionRecord>, StoreError> {
        sqlx::query(
            "SELECT number, user_id, user_name, action, created_at, snapshot
             FROM story_revisions WHERE story_id = $1 AND number < $2
             ORDER BY number DESC LIMIT 1",
        )
        .bind(story_id)
        .bind(before.unwrap_or(i64::MAX))
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(revision_from_row)
        .transpose()
    }

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
        super::site_state::bump_content_version(&mut tx).await?;
        tx.commit().await?;
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
        super::site_state::bump_content_version(&mut tx).await?;
        tx.commit().await?;
        self.topic_by_slug(slug, now).await
    }
}
