//! Stories held for readers (`push_reminders`) and the stories they opened
//! (`push_opened`): holding, the missed list, and pruning old ones.

use super::*;

impl Store {
    /// Holds stories for readers until they are due: one statement per
    /// batch. A story the reader already opened, or already holds (or had
    /// in a digest), is left alone, so holding twice does no harm. Returns
    /// how many were newly held.
    pub async fn hold_reminders(&self, held: &[HeldStory], now: i64) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert_held(&mut conn, held, now).await
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
    /// story on the site at `now`.
    pub async fn mark_opened(
        &self,
        subscription_id: i64,
        story: OpenedStory<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Only a story on the site can be opened: a draft or a scheduled
        // story is as unknown to readers as one that does not exist.
        let sql = |key: &str| {
            format!(
                "SELECT id FROM stories WHERE {key} = $1 AND published_at IS NOT NULL AND published_at <= $2"
            )
        };
        let (by_id, by_slug) = (sql("id"), sql("slug"));
        let query = match story {
            OpenedStory::Id(id) => sqlx::query(&by_id).bind(id),
            OpenedStory::Slug(slug) => sqlx::query(&by_slug).bind(slug),
        };
        let found = query.bind(now).fetch_optional(&mut *tx).await?;
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

/// Writes held stories, one statement per [`crate::store::batch::ROWS_PER_STATEMENT`]: a story
/// the reader already opened, or already holds (or had in a digest), is
/// left alone, and so is a subscription deleted meanwhile. Returns how many
/// were newly held.
pub(in crate::store) async fn insert_held(
    conn: &mut AnyConnection,
    held: &[HeldStory],
    now: i64,
) -> Result<u64, StoreError> {
    write_held(conn, held, now, false).await
}

/// Holds live stories whose key events readers could not take now, like
/// [`insert_held`] but also for a reader who opened the story (a follower
/// has) or had it in a digest before: it is due again, for the news since.
/// A story still held keeps its first due time.
pub(in crate::store) async fn hold_key_events(
    conn: &mut AnyConnection,
    held: &[HeldStory],
    now: i64,
) -> Result<u64, StoreError> {
    write_held(conn, held, now, true).await
}

/// [`insert_held`], or with `again` [`hold_key_events`].
async fn write_held(
    conn: &mut AnyConnection,
    held: &[HeldStory],
    now: i64,
    again: bool,
) -> Result<u64, StoreError> {
    let (unopened, on_conflict) = if again {
        (
            "",
            "DO UPDATE SET due_at = excluded.due_at, reason = excluded.reason,
                 digested_at = NULL, attempts = 0
             WHERE push_reminders.due_at IS NULL",
        )
    } else {
        (
            "NOT EXISTS (SELECT 1 FROM push_opened o
                         WHERE o.subscription_id = v.column1 AND o.story_id = v.column2) AND",
            "DO NOTHING",
        )
    };
    execute_batched(conn, &[now], held, |rows| {
        format!(
            "INSERT INTO push_reminders (subscription_id, story_id, reason, due_at, created_at)
             SELECT v.column1, v.column2, v.column3, v.column4, $1 FROM (VALUES {rows}) AS v
             WHERE {unopened} EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.id = v.column1)
             ON CONFLICT (subscription_id, story_id) {on_conflict}"
        )
    })
    .await
}

impl BatchRow for HeldStory {
    const WIDTH: usize = 4;
    fn bind_to<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query
            .bind(self.subscription_id)
            .bind(self.story_id)
            .bind(self.reason.as_str())
            .bind(self.due_at)
    }
}

/// Reminder rows (story_id, slug, headline, published_at, reason, due_at,
/// digested_at) with each story's topics: those the reader follows, or all
/// of them when they follow none.
pub(in crate::store) async fn reminders_from_rows(
    conn: &mut sqlx::AnyConnection,
    subscription_id: i64,
    rows: &[AnyRow],
) -> Result<Vec<PendingReminder>, StoreError> {
    let story_ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut topics: Vec<(i64, TopicRef, bool)> = Vec::new();
    let topic_rows = fetch_batched(conn, &[subscription_id], &story_ids, |ids| {
        format!(
            "SELECT st.story_id, t.slug, t.name,
                    CASE WHEN EXISTS (SELECT 1 FROM push_follows f
                                      WHERE f.subscription_id = $1 AND f.topic_id = t.id) THEN 1 ELSE 0 END
             FROM story_topics st JOIN topics t ON t.id = st.topic_id
             WHERE st.story_id IN ({ids}) ORDER BY st.story_id, st.position"
        )
    })
    .await?;
    for row in topic_rows {
        topics.push((
            row.try_get(0)?,
            TopicRef {
                slug: row.try_get(1)?,
                name: row.try_get(2)?,
            },
            row.try_get::<i64, _>(3)? != 0,
        ));
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
