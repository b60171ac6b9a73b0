//! Autosaves: what a person has typed into a story and not yet saved, one
//! row per story and person, and when each last had the story open. The
//! site never reads them; a save by that person clears theirs.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::store::{Store, StoreError};

/// One person's unsaved work on a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutosaveRecord {
    /// The editor's form as JSON (`[[name, value], …]`).
    pub fields: String,
    /// The story's version the fields were typed over.
    pub base_version: i64,
    pub saved_at: i64,
}

/// Someone with the story open in the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditingRecord {
    pub user_id: i64,
    pub name: String,
    pub seen_at: i64,
}

impl Store {
    /// Keeps `user_id`'s unsaved `fields` of `story_id`, typed over
    /// `base_version`, replacing what was kept before.
    pub async fn put_autosave(
        &self,
        story_id: i64,
        user_id: i64,
        fields: &str,
        base_version: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO story_autosaves (story_id, user_id, fields, base_version, saved_at, seen_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (story_id, user_id) DO UPDATE SET
               fields = excluded.fields, base_version = excluded.base_version,
               saved_at = excluded.saved_at, seen_at = excluded.seen_at",
        )
        .bind(story_id)
        .bind(user_id)
        .bind(fields)
        .bind(base_version)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Notes that `user_id` has `story_id` open at `now` (`None`: has left
    /// it), keeping any unsaved fields.
    pub async fn touch_editing(
        &self,
        story_id: i64,
        user_id: i64,
        version: i64,
        now: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO story_autosaves (story_id, user_id, base_version, seen_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (story_id, user_id) DO UPDATE SET seen_at = excluded.seen_at",
        )
        .bind(story_id)
        .bind(user_id)
        .bind(version)
        .bind(now.unwrap_or(0))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `user_id`'s unsaved work on `story_id`, if any.
    pub async fn autosave(
        &self,
        story_id: i64,
        user_id: i64,
    ) -> Result<Option<AutosaveRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT fields, base_version, saved_at FROM story_autosaves
             WHERE story_id = $1 AND user_id = $2 AND fields IS NOT NULL",
        )
        .bind(story_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(autosave_from_row).transpose()
    }

    /// Forgets `user_id`'s unsaved work on `story_id` (saved, or discarded).
    pub async fn clear_autosave(&self, story_id: i64, user_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE story_autosaves SET fields = NULL, saved_at = NULL
             WHERE story_id = $1 AND user_id = $2",
        )
        .bind(story_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Who other than `user_id` has had `story_id` open since `since`,
    /// most recent first.
    pub async fn others_editing(
        &self,
        story_id: i64,
        user_id: i64,
        since: i64,
    ) -> Result<Vec<EditingRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.user_id, u.name, a.seen_at FROM story_autosaves a
             JOIN users u ON u.id = a.user_id
             WHERE a.story_id = $1 AND a.user_id <> $2 AND a.seen_at >= $3
             ORDER BY a.seen_at DESC",
        )
        .bind(story_id)
        .bind(user_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(EditingRecord {
                    user_id: row.try_get("user_id")?,
                    name: row.try_get("name")?,
                    seen_at: row.try_get("seen_at")?,
                })
            })
            .collect()
    }
}

fn autosave_from_row(row: &AnyRow) -> Result<AutosaveRecord, StoreError> {
    Ok(AutosaveRecord {
        fields: row.try_get("fields")?,
        base_version: row.try_get("base_version")?,
        saved_at: row.try_get("saved_at")?,
    })
}
