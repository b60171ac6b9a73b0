//! A story's revision history: each save's snapshot, and the reads of it.

use super::*;

/// Records a story's editable fields as they are now in `tx`, as its next
/// revision.
pub(in crate::store) async fn record_revision(
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
        seo: story.seo,
        live: story.live,
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

pub(in crate::store) fn revision_from_row(row: &AnyRow) -> Result<RevisionRecord, StoreError> {
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

impl Store {
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
}
