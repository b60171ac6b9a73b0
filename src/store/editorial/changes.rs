//! Changes to a story besides saving its content: unpublishing (which
//! cancels a notification not yet started) and its correction note.

use super::*;

/// Cancels a story's fan-out jobs that have not started: no notification
/// goes out for a story that is not published, or for one whose waiting
/// notification is replaced.
pub(in crate::store) async fn cancel_pending_jobs(
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

impl Store {
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
        crate::store::content_changes::story_changed(&mut tx, id, Default::default(), now).await?;
        tx.commit().await?;
        self.announce_content().await;
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
        crate::store::content_changes::story_changed(&mut tx, id, Default::default(), now).await?;
        tx.commit().await?;
        self.announce_content().await;
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
}
