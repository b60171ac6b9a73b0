//! The content change log: what each write that readers may see touched,
//! so that every web node drops only the cached pages it changed.
//!
//! Every transaction that changes what readers see bumps
//! `site_state.content_version` through [`record`] (never directly), which
//! also writes one `content_changes` row saying what the change touched:
//! the slugs of the stories it changed (before and after, so an old slug's
//! page goes too) and the slugs of their topics (before and after, so a
//! story moved out of a topic leaves its page), or *everything* when the
//! change cannot be attributed to stories (a topic created or renamed).
//! Each node's content watcher (`server::watch_content`) reads the rows
//! after the version it last saw ([`Store::content_changes_since`]): the
//! same wake-up on one node or many, since the version and its row commit
//! together and the version's row lock orders writers.
//!
//! A story change also touches every page when it may change the site's
//! navigation, which lists the topics that have visible stories: when one
//! of its topics has at most one visible story after the change (it may
//! have just gained its first, or lost its last).
//!
//! **A change to a story** — a save, an unpublish, a correction — calls
//! [`story_changed`] in its transaction; a live entry posted, edited or
//! deleted, which changes only the story's own pages, calls
//! [`story_pages_changed`]. A change
//! that cannot say what it touched calls [`record`] with
//! [`Touched::everything`].

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, Row, Transaction};

use super::{Store, StoreError};

/// How many change rows are kept: a node that has fallen further behind
/// than this clears its whole cache.
const KEPT_CHANGES: i64 = 1000;

/// What one or more content changes touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Not attributable to stories: every page may have changed.
    pub everything: bool,
    /// The slugs of the changed stories, before and after the change.
    pub stories: BTreeSet<String>,
    /// The slugs of the changed stories' topics, before and after.
    pub topics: BTreeSet<String>,
}

impl Touched {
    /// A change that may show on any page.
    pub fn everything() -> Touched {
        Touched {
            everything: true,
            ..Touched::default()
        }
    }

    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        !self.everything && self.stories.is_empty() && self.topics.is_empty()
    }

    /// Adds what `other` touched.
    pub fn merge(&mut self, other: Touched) {
        self.everything |= other.everything;
        self.stories.extend(other.stories);
        self.topics.extend(other.topics);
    }
}

/// What story `story_id` shows on right now: its slug, its topics, and
/// everything when one of its topics has at most one visible story at
/// `now` (the navigation may change). Nothing when there is no such story.
pub(super) async fn story_footprint(
    conn: &mut AnyConnection,
    story_id: i64,
    now: i64,
) -> Result<Touched, StoreError> {
    let mut touched = Touched::default();
    let Some(row) = sqlx::query("SELECT slug FROM stories WHERE id = $1")
        .bind(story_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(touched);
    };
    touched.stories.insert(row.try_get(0)?);
    let topics = sqlx::query(
        "SELECT t.id, t.slug FROM story_topics st JOIN topics t ON t.id = st.topic_id
         WHERE st.story_id = $1",
    )
    .bind(story_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in topics {
        // Two visible stories at most are read: enough to know.
        let visible = sqlx::query(
            "SELECT 1 FROM story_topics st JOIN stories s ON s.id = st.story_id
             WHERE st.topic_id = $1 AND s.published_at IS NOT NULL AND s.published_at <= $2
             LIMIT 2",
        )
        .bind(row.try_get::<i64, _>(0)?)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?
        .len();
        touched.everything |= visible <= 1;
        touched.topics.insert(row.try_get(1)?);
    }
    Ok(touched)
}

/// Records, in `tx`, that story `story_id` changed: its pages, its topics'
/// pages and the site's lists drop on every node once `tx` commits.
/// `before` is what the story showed on before the change (see
/// [`story_footprint`]), when the change may move it (a new slug, new
/// topics); pass `Touched::default()` otherwise.
pub(super) async fn story_changed(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    before: Touched,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut touched = before;
    touched.merge(story_footprint(tx, story_id, now.timestamp()).await?);
    record(tx, &touched).await
}

/// Records, in `tx`, that what story `story_id`'s own pages show changed
/// and nothing else of it (a live entry: not its headline, slug or
/// topics): its page and feeds drop, and the site-wide lists, but not its
/// topics' pages.
pub(super) async fn story_pages_changed(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
) -> Result<(), StoreError> {
    let slug: String = sqlx::query("SELECT slug FROM stories WHERE id = $1")
        .bind(story_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    let touched = Touched {
        stories: [slug].into(),
        ..Touched::default()
    };
    record(tx, &touched).await
}

/// Bumps the content version and records what the change touched, in `tx`.
pub(super) async fn record(
    tx: &mut Transaction<'_, Any>,
    touched: &Touched,
) -> Result<(), StoreError> {
    let version: i64 = sqlx::query(
        "UPDATE site_state SET content_version = content_version + 1 WHERE id = 1
         RETURNING content_version",
    )
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    let json = |set: &BTreeSet<String>| {
        serde_json::to_string(set).map_err(|e| StoreError::Corrupt(format!("slugs: {e}")))
    };
    sqlx::query(
        "INSERT INTO content_changes (version, everything, stories, topics)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(version)
    .bind(i64::from(touched.everything))
    .bind(json(&touched.stories)?)
    .bind(json(&touched.topics)?)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM content_changes WHERE version <= $1")
        .bind(version - KEPT_CHANGES)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// What the changes after content version `after`, up to `upto`,
    /// touched; everything when some of them are no longer in the log.
    pub async fn content_changes_since(
        &self,
        after: i64,
        upto: i64,
    ) -> Result<Touched, StoreError> {
        let rows = sqlx::query(
            "SELECT everything, stories, topics FROM content_changes
             WHERE version > $1 AND version <= $2",
        )
        .bind(after)
        .bind(upto)
        .fetch_all(&self.pool)
        .await?;
        if i64::try_from(rows.len()).ok() != Some(upto - after) {
            return Ok(Touched::everything());
        }
        let slugs = |text: String| {
            serde_json::from_str::<BTreeSet<String>>(&text)
                .map_err(|e| StoreError::Corrupt(format!("content change slugs: {e}")))
        };
        let mut touched = Touched::default();
        for row in rows {
            touched.merge(Touched {
                everything: row.try_get::<i64, _>(0)? != 0,
                stories: slugs(row.try_get(1)?)?,
                topics: slugs(row.try_get(2)?)?,
            });
        }
        Ok(touched)
    }

    /// What the stories whose publication time passed after `after`, up to
    /// `upto`, touched: scheduled stories arriving on the site, which no
    /// write announces.
    pub async fn arrivals_touched(
        &self,
        after: DateTime<Utc>,
        upto: DateTime<Utc>,
    ) -> Result<Touched, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids: Vec<i64> = sqlx::query(
            "SELECT id FROM stories WHERE published_at > $1 AND published_at <= $2 LIMIT 1000",
        )
        .bind(after.timestamp())
        .bind(upto.timestamp())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
        let mut touched = Touched::default();
        for id in ids {
            touched.merge(story_footprint(&mut conn, id, upto.timestamp()).await?);
        }
        Ok(touched)
    }
}
