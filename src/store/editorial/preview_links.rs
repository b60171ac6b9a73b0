//! Preview links: a draft shown without an account, to whoever holds the
//! link, until it expires, is revoked, or the story is published. The
//! store keeps the token's hash only.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::store::{Store, StoreError};

/// A preview link as the newsroom lists it (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewLinkRecord {
    pub id: i64,
    pub story_id: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, story_id, created_by, created_at, expires_at, revoked_at";

fn link_from_row(row: &AnyRow) -> Result<PreviewLinkRecord, StoreError> {
    Ok(PreviewLinkRecord {
        id: row.try_get("id")?,
        story_id: row.try_get("story_id")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Keeps a new preview link of `story_id`, by its token's hash.
    pub async fn create_preview_link(
        &self,
        story_id: i64,
        token_hash: &str,
        created_by: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<PreviewLinkRecord, StoreError> {
        let row = sqlx::query(&format!(
            "INSERT INTO preview_links (story_id, token_hash, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
        ))
        .bind(story_id)
        .bind(token_hash)
        .bind(created_by)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await?;
        link_from_row(&row)
    }

    /// The link whose token hashes to `token_hash`, whatever its state.
    pub async fn preview_link_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<PreviewLinkRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM preview_links WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(link_from_row).transpose()
    }

    /// The links of `story_id` still working at `now`, newest first.
    pub async fn live_preview_links(
        &self,
        story_id: i64,
        now: i64,
    ) -> Result<Vec<PreviewLinkRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM preview_links
             WHERE story_id = $1 AND revoked_at IS NULL AND expires_at > $2
             ORDER BY id DESC"
        ))
        .bind(story_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// Revokes link `id` of `story_id`; false when there is no such live link.
    pub async fn revoke_preview_link(
        &self,
        story_id: i64,
        id: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE preview_links SET revoked_at = $1
             WHERE id = $2 AND story_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(story_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
