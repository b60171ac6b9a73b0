//! Stories: saving a validated draft (with its topics, image and redirects)
//! in one transaction, and the reads the reader's site needs.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::batch::fetch_batched;
use super::editorial::{Actor, RevisionAction};
use super::media::{MediaUpload, insert_media};
use super::rows::{self, STORY_COLUMNS, SUMMARY_COLUMNS};
use super::topics::ensure_topics;
use super::{Conflict, Store, StoreError};
use crate::content::input::{ImageSource, StoryDraft};
use crate::content::{Image, Story, StorySummary, TopicRef};

/// What saving a story did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOutcome {
    pub id: i64,
    pub slug: String,
    pub created: bool,
    /// The story went from draft to published (now or scheduled) in this save.
    pub published_now: bool,
    pub published_at: Option<DateTime<Utc>>,
    /// The story's version after the save (see [`SaveTarget::Existing`]).
    pub version: i64,
}

/// One page of a story list, and how many stories the whole list has.
#[derive(Debug, Clone)]
pub struct StoryPage {
    pub stories: Vec<StorySummary>,
    pub total: i64,
}

/// Which story a save writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveTarget {
    /// The story with the draft's slug (or its `previous_slug`, for a
    /// rename), created when there is none: the import path
    /// (`herald story add`, the demo).
    BySlug,
    /// A new story, owned by `owner_id`; refused (`slug` conflict) when
    /// another story has the slug.
    New { owner_id: Option<i64> },
    /// Story `id`, only if it is still at `version`: otherwise a `version`
    /// conflict (someone else saved meanwhile), or an `id` conflict when
    /// there is no such story. Its slug changes to the draft's.
    Existing { id: i64, version: i64 },
}

/// How a save writes, beyond the draft itself.
#[derive(Debug, Clone, Copy)]
pub struct SaveOptions<'a> {
    pub target: SaveTarget,
    /// The image file a draft's `image.path` names, read by the caller.
    pub upload: Option<&'a MediaUpload>,
    /// Demo content, labelled as such.
    pub sample: bool,
    /// Who saves, for the revision history; `None` for the command line.
    pub actor: Option<&'a Actor>,
    /// When false, a topic that does not exist yet is refused (a `topics`
    /// conflict naming it) instead of created.
    pub create_topics: bool,
}

impl Default for SaveOptions<'_> {
    fn default() -> Self {
        SaveOptions {
            target: SaveTarget::BySlug,
            upload: None,
            sample: false,
            actor: None,
            create_topics: true,
        }
    }
}

/// What the store found of the story a save writes, read inside the save's
/// transaction, for the domain to decide by (`editorial::plan_save`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveState {
    /// The story exists already (this save updates it).
    pub exists: bool,
    /// Its publication time (Unix seconds), when it is published or
    /// scheduled.
    pub published_at: Option<i64>,
}

/// What a save does besides writing the draft, as the domain decided it
/// from the [`SaveState`]; the store writes it, in the same transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavePlan {
    /// The story's publication time after the save (Unix seconds); `None`
    /// keeps or makes it a draft.
    pub published_at: Option<i64>,
    /// The "Updated" time to record; `None` leaves the stored one.
    pub updated_at: Option<i64>,
    /// What happens to the story's notification job.
    pub job: JobChange,
    /// What the revision history calls this save.
    pub action: RevisionAction,
}

/// What a save does to the story's fan-out job (the outbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobChange {
    /// Nothing.
    Keep,
    /// A new job, due at this time: the story is being published.
    Enqueue { at: i64 },
    /// The waiting job is cancelled and a new one, with the draft's
    /// notification settings, is due at this time.
    Replace { at: i64 },
    /// The waiting job moves to this time.
    Reschedule { at: i64 },
}

impl JobChange {
    /// When the job the change leaves is due, if it made or moved one.
    fn due_at(self) -> Option<i64> {
        match self {
            JobChange::Keep => None,
            JobChange::Enqueue { at }
            | JobChange::Replace { at }
            | JobChange::Reschedule { at } => Some(at),
        }
    }
}

/// The existing row a save updates.
struct Existing {
    id: i64,
    slug: String,
    published_at: Option<i64>,
}

impl Store {
    /// Creates or updates a story (see [`SaveTarget`]), its topics and its
    /// image, in one transaction, with what `plan` decides from the story as
    /// stored ([`SaveState`]): its publication and "Updated" times, its
    /// notification job (the outbox: a story is never published without
    /// it), and the revision's name. In the same transaction the version
    /// grows by one and the revision is recorded.
    pub async fn save_story(
        &self,
        draft: &StoryDraft,
        options: &SaveOptions<'_>,
        plan: impl FnOnce(SaveState) -> SavePlan,
        now: DateTime<Utc>,
    ) -> Result<SaveOutcome, StoreError> {
        let SaveOptions {
            target,
            upload,
            sample,
            ..
        } = *options;
        let mut tx = self.begin_write().await?;
        let now_s = now.timestamp();

        let (existing, owner_id, version) = match target {
            SaveTarget::BySlug => {
                let existing = match &draft.previous_slug {
                    Some(previous) => match find_by_slug(&mut tx, previous).await? {
                        Some(found) => Some(found),
                        None => {
                            return Err(StoreError::Conflict(Conflict::UnknownPreviousSlug(
                                previous.clone(),
                            )));
                        }
                    },
                    None => find_by_slug(&mut tx, &draft.slug).await?,
                };
                let version = match &existing {
                    Some(existing) => bump_version(&mut tx, existing.id, None).await?,
                    None => 1,
                };
                (existing, None, version)
            }
            SaveTarget::New { owner_id } => (None, owner_id, 1),
            SaveTarget::Existing { id, version } => {
                let version = bump_version(&mut tx, id, Some(version)).await?;
                let existing = find_by_id(&mut tx, id)
                    .await?
                    .ok_or(StoreError::Conflict(Conflict::NoSuchStory(id)))?;
                (Some(existing), None, version)
            }
        };
        if existing.as_ref().is_none_or(|e| e.slug != draft.slug)
            && find_by_slug(&mut tx, &draft.slug).await?.is_some()
        {
            return Err(StoreError::Conflict(Conflict::StorySlugTaken(
                draft.slug.clone(),
            )));
        }
        if !options.create_topics {
            let unknown = super::topics::unknown_topics(&mut tx, &draft.topics).await?;
            if !unknown.is_empty() {
                return Err(StoreError::Conflict(Conflict::TopicsNotCreated(unknown)));
            }
        }

        let image = match &draft.image {
            None => None,
            Some(image) => {
                let src = match (&image.source, upload) {
                    (ImageSource::Url(url), _) => {
                        if !is_uploaded(&mut tx, url).await? {
                            return Err(StoreError::Conflict(Conflict::ImageNotUploaded(
                                url.clone(),
                            )));
                        }
                        url.clone()
                    }
                    (ImageSource::Path(_), Some(upload)) => {
                        insert_media(&mut tx, upload, now_s).await?.path()
                    }
                    (ImageSource::Path(path), None) => {
                        return Err(StoreError::Conflict(Conflict::ImageNotRead(path.clone())));
                    }
                };
                Some(Image {
                    src,
                    alt: image.alt.clone(),
                    credit: image.credit.clone(),
                })
            }
        };
        if let Some(url) = &draft.seo.image
            && !is_uploaded(&mut tx, url).await?
        {
            return Err(StoreError::Conflict(Conflict::SocialImageNotUploaded(
                url.clone(),
            )));
        }
        let was_published = existing.as_ref().and_then(|e| e.published_at);
        // What the story showed on before: an old slug's or topic's pages drop too.
        let before = match &existing {
            Some(existing) => {
                super::content_changes::story_footprint(&mut tx, existing.id, now_s).await?
            }
            None => Default::default(),
        };
        let SavePlan {
            published_at,
            updated_at,
            job,
            action,
        } = plan(SaveState {
            exists: existing.is_some(),
            published_at: was_published,
        });
        let authors = serde_json::to_string(&draft.authors)
            .map_err(|e| StoreError::Corrupt(format!("authors: {e}")))?;
        let (cta_text, cta_url) = match &draft.call_to_action {
            Some(cta) => (Some(cta.text.clone()), Some(cta.url.clone())),
            None => (None, None),
        };

        let id = match &existing {
            Some(existing) => {
                sqlx::query(
                    "UPDATE stories SET slug = $1, headline = $2, standfirst = $3, body_markdown = $4,
                        image_src = $5, image_alt = $6, image_credit = $7, cta_text = $8, cta_url = $9,
                        authors = $10, sample = $11, published_at = $12,
                        updated_at = COALESCE($13, updated_at), modified_at = $14,
                        first_published_at = CASE
                            WHEN first_published_at IS NOT NULL AND first_published_at <= $14
                            THEN first_published_at ELSE $12 END,
                        seo_title = $16, seo_description = $17, seo_image = $18, live = $19
                     WHERE id = $15",
                )
                .bind(&draft.slug)
                .bind(&draft.headline)
                .bind(&draft.standfirst)
                .bind(&draft.body_markdown)
                .bind(image.as_ref().map(|i| i.src.clone()))
                .bind(image.as_ref().map(|i| i.alt.clone()))
                .bind(image.as_ref().and_then(|i| i.credit.clone()))
                .bind(cta_text)
                .bind(cta_url)
                .bind(authors)
                .bind(i64::from(sample))
                .bind(published_at)
                .bind(updated_at)
                .bind(now_s)
                .bind(existing.id)
                .bind(&draft.seo.title)
                .bind(&draft.seo.description)
                .bind(&draft.seo.image)
                .bind(i64::from(draft.live))
                .execute(&mut *tx)
                .await?;
                if existing.slug != draft.slug {
                    sqlx::query(
                        "INSERT INTO story_redirects (old_slug, story_id) VALUES ($1, $2)
                         ON CONFLICT (old_slug) DO UPDATE SET story_id = excluded.story_id",
                    )
                    .bind(&existing.slug)
                    .bind(existing.id)
                    .execute(&mut *tx)
                    .await?;
                }
                existing.id
            }
            None => {
                let row = sqlx::query(
                    "INSERT INTO stories (slug, headline, standfirst, body_markdown, image_src,
                        image_alt, image_credit, cta_text, cta_url, authors, sample, published_at,
                        created_at, modified_at, first_published_at, owner_id,
                        seo_title, seo_description, seo_image, live)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $12, $14,
                        $15, $16, $17, $18)
                     RETURNING id",
                )
                .bind(&draft.slug)
                .bind(&draft.headline)
                .bind(&draft.standfirst)
                .bind(&draft.body_markdown)
                .bind(image.as_ref().map(|i| i.src.clone()))
                .bind(image.as_ref().map(|i| i.alt.clone()))
                .bind(image.as_ref().and_then(|i| i.credit.clone()))
                .bind(cta_text)
                .bind(cta_url)
                .bind(authors)
                .bind(i64::from(sample))
                .bind(published_at)
                .bind(now_s)
                .bind(owner_id)
                .bind(&draft.seo.title)
                .bind(&draft.seo.description)
                .bind(&draft.seo.image)
                .bind(i64::from(draft.live))
                .fetch_one(&mut *tx)
                .await?;
                row.try_get(0)?
            }
        };
        // The live story owns its slug: an older redirect from it goes.
        sqlx::query("DELETE FROM story_redirects WHERE old_slug = $1")
            .bind(&draft.slug)
            .execute(&mut *tx)
            .await?;

        let topic_ids = ensure_topics(&mut tx, &draft.topics, now_s).await?;
        sqlx::query("DELETE FROM story_topics WHERE story_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (position, topic_id) in topic_ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO story_topics (story_id, topic_id, position) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(topic_id)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        match job {
            JobChange::Keep => {}
            JobChange::Enqueue { at } => {
                super::fanout::enqueue_job(&mut tx, id, at, &draft.notification, now_s).await?;
            }
            JobChange::Replace { at } => {
                super::editorial::cancel_pending_jobs(&mut tx, id).await?;
                super::fanout::enqueue_job(&mut tx, id, at, &draft.notification, now_s).await?;
            }
            JobChange::Reschedule { at } => {
                super::fanout::reschedule_job(&mut tx, id, at).await?;
            }
        }
        let job_due_now = job.due_at().is_some_and(|at| at <= now_s);
        let published_now = was_published.is_none() && published_at.is_some();
        super::editorial::record_revision(&mut tx, id, options.actor, action, now_s).await?;
        super::content_changes::story_changed(&mut tx, id, before, now).await?;
        tx.commit().await?;
        self.announce_content().await;
        if job_due_now {
            self.announce_job().await;
        }

        Ok(SaveOutcome {
            id,
            slug: draft.slug.clone(),
            created: existing.is_none(),
            published_now,
            published_at: published_at.map(rows::time).transpose()?,
            version,
        })
    }

    /// A story by its current slug, whatever its state.
    pub async fn story_by_slug(&self, slug: &str) -> Result<Option<Story>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STORY_COLUMNS} FROM stories s WHERE s.slug = $1"
        ))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut story = rows::story_from_row(&row)?;
        story.topics = self
            .topics_of(&[story.id])
            .await?
            .into_iter()
            .map(|(_, topic)| topic)
            .collect();
        Ok(Some(story))
    }

    /// The current slug of a story that used to have `old_slug`.
    pub async fn redirect_for(&self, old_slug: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT s.slug FROM story_redirects r JOIN stories s ON s.id = r.story_id WHERE r.old_slug = $1",
        )
        .bind(old_slug)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Visible stories, newest first, optionally of one topic.
    pub async fn published_stories(
        &self,
        topic_id: Option<i64>,
        now: DateTime<Utc>,
        limit: i64,
        offset: i64,
    ) -> Result<StoryPage, StoreError> {
        let (from, filter) = match topic_id {
            Some(_) => (
                "stories s JOIN story_topics st ON st.story_id = s.id",
                "AND st.topic_id = $2",
            ),
            None => ("stories s", ""),
        };
        let list_sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM {from}
             WHERE s.published_at IS NOT NULL AND s.published_at <= $1 {filter}
             ORDER BY s.published_at DESC, s.id DESC LIMIT {limit} OFFSET {offset}",
            limit = limit.max(0),
            offset = offset.max(0),
        );
        let count_sql = format!(
            "SELECT COUNT(*) FROM {from} WHERE s.published_at IS NOT NULL AND s.published_at <= $1 {filter}"
        );
        let mut list = sqlx::query(&list_sql).bind(now.timestamp());
        let mut count = sqlx::query(&count_sql).bind(now.timestamp());
        if let Some(topic_id) = topic_id {
            list = list.bind(topic_id);
            count = count.bind(topic_id);
        }
        let rows = list.fetch_all(&self.pool).await?;
        let total: i64 = count.fetch_one(&self.pool).await?.try_get(0)?;
        Ok(StoryPage {
            stories: self.summaries_with_topics(&rows).await?,
            total,
        })
    }

    /// Up to `limit` visible stories sharing a topic with story `id`,
    /// newest first, never the story itself: "More on …" under a story.
    pub async fn related_stories(
        &self,
        id: i64,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<StorySummary>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM stories s
             WHERE s.published_at IS NOT NULL AND s.published_at <= $2 AND s.id <> $1
               AND EXISTS (SELECT 1 FROM story_topics mine
                           JOIN story_topics theirs ON theirs.topic_id = mine.topic_id
                           WHERE mine.story_id = $1 AND theirs.story_id = s.id)
             ORDER BY s.published_at DESC, s.id DESC LIMIT {limit}",
            limit = limit.max(0),
        ))
        .bind(id)
        .bind(now.timestamp())
        .fetch_all(&self.pool)
        .await?;
        self.summaries_with_topics(&rows).await
    }

    /// Visible stories published at or after `since`, newest first.
    pub async fn published_since(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<StorySummary>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM stories s
             WHERE s.published_at >= $1 AND s.published_at <= $2
             ORDER BY s.published_at DESC, s.id DESC LIMIT 1000"
        ))
        .bind(since.timestamp())
        .bind(now.timestamp())
        .fetch_all(&self.pool)
        .await?;
        self.summaries_with_topics(&rows).await
    }

    /// Every visible story's slug and last change, for the sitemap.
    pub async fn sitemap_stories(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        sqlx::query(
            "SELECT slug, modified_at FROM stories
             WHERE published_at IS NOT NULL AND published_at <= $1
             ORDER BY published_at DESC, id DESC LIMIT 50000",
        )
        .bind(now.timestamp())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, rows::time(row.try_get(1)?)?)))
        .collect()
    }

    /// Full stories by id (any state), in the order given. For feeds that
    /// carry whole bodies.
    pub async fn stories_by_ids(&self, ids: &[i64]) -> Result<Vec<Story>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.acquire().await?;
        let mut found = fetch_batched(&mut conn, &[], ids, |ids| {
            format!("SELECT {STORY_COLUMNS} FROM stories s WHERE s.id IN ({ids})")
        })
        .await?
        .iter()
        .map(rows::story_from_row)
        .collect::<Result<Vec<_>, _>>()?;
        let mut topics = self.topics_of(ids).await?;
        for story in &mut found {
            story.topics = take_topics(&mut topics, story.id);
        }
        let stories = ids
            .iter()
            .filter_map(|id| {
                found
                    .iter()
                    .position(|s| s.id == *id)
                    .map(|i| found.swap_remove(i))
            })
            .collect();
        Ok(stories)
    }

    pub(super) async fn summaries_with_topics(
        &self,
        rows: &[AnyRow],
    ) -> Result<Vec<StorySummary>, StoreError> {
        let mut summaries = rows
            .iter()
            .map(rows::summary_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<i64> = summaries.iter().map(|s| s.id).collect();
        let mut topics = self.topics_of(&ids).await?;
        for summary in &mut summaries {
            summary.topics = take_topics(&mut topics, summary.id);
        }
        Ok(summaries)
    }

    /// The topics of each story, in each story's own order.
    pub(super) async fn topics_of(
        &self,
        story_ids: &[i64],
    ) -> Result<Vec<(i64, TopicRef)>, StoreError> {
        if story_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.acquire().await?;
        let rows = fetch_batched(&mut conn, &[], story_ids, |ids| {
            format!(
                "SELECT st.story_id, t.slug, t.name FROM story_topics st JOIN topics t ON t.id = st.topic_id
                 WHERE st.story_id IN ({ids}) ORDER BY st.story_id, st.position"
            )
        })
        .await?;
        rows::topic_refs(&rows)
    }
}

fn take_topics(topics: &mut Vec<(i64, TopicRef)>, story_id: i64) -> Vec<TopicRef> {
    let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(topics)
        .into_iter()
        .partition(|(id, _)| *id == story_id);
    *topics = rest;
    mine.into_iter().map(|(_, topic)| topic).collect()
}

async fn find_by_slug(
    tx: &mut Transaction<'_, Any>,
    slug: &str,
) -> Result<Option<Existing>, StoreError> {
    let row = sqlx::query("SELECT id, slug, published_at FROM stories WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|row| {
        Ok(Existing {
            id: row.try_get(0)?,
            slug: row.try_get(1)?,
            published_at: row.try_get(2)?,
        })
    })
    .transpose()
}

async fn find_by_id(
    tx: &mut Transaction<'_, Any>,
    id: i64,
) -> Result<Option<Existing>, StoreError> {
    let row = sqlx::query("SELECT id, slug, published_at FROM stories WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|row| {
        Ok(Existing {
            id: row.try_get(0)?,
            slug: row.try_get(1)?,
            published_at: row.try_get(2)?,
        })
    })
    .transpose()
}

/// Moves story `id` to its next version, first of all in a transaction
/// that changes it: on PostgreSQL this locks the row, so that of two
/// concurrent changes made against the same `expected` version, the
/// second finds the version moved on. Returns the new version; a `version`
/// conflict when the story is no longer at `expected`, an `id` conflict
/// when there is no such story.
pub(super) async fn bump_version(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let row = match expected {
        Some(expected) => sqlx::query(
            "UPDATE stories SET version = version + 1 WHERE id = $1 AND version = $2 RETURNING version",
        )
        .bind(id)
        .bind(expected),
        None => sqlx::query("UPDATE stories SET version = version + 1 WHERE id = $1 RETURNING version")
            .bind(id),
    }
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = row {
        return Ok(row.try_get(0)?);
    }
    let current = sqlx::query("SELECT version FROM stories WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Err(match current {
        Some(row) => StoreError::Conflict(Conflict::StaleVersion {
            current: row.try_get::<i64, _>(0)?,
            expected: expected.unwrap_or_default(),
        }),
        None => StoreError::Conflict(Conflict::NoSuchStory(id)),
    })
}

/// Whether an image source can show: one hosted elsewhere always can; a
/// `/media/…` path only when that upload is stored (an upload that never
/// happened is the author's mistake, which the caller tells with the field).
async fn is_uploaded(tx: &mut Transaction<'_, Any>, url: &str) -> Result<bool, StoreError> {
    let Some(name) = crate::content::images::media_name(url) else {
        return Ok(true);
    };
    let found = sqlx::query("SELECT 1 FROM media WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}
