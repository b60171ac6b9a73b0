//! Site-wide state: the content version every write bumps (through
//! `content_changes::record`), which lets every process that caches pages
//! notice a change made by another process, and
//! the record that the demo content was seeded.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError};

/// Changes whenever what a reader may see changes: a write, or a scheduled
/// story's time arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub content_version: i64,
    pub visible_stories: i64,
}

impl Store {
    /// What readers may see at `now`, summed up in two numbers.
    pub async fn fingerprint(&self, now: DateTime<Utc>) -> Result<Fingerprint, StoreError> {
        let row = sqlx::query(
            "SELECT content_version,
                (SELECT COUNT(*) FROM stories WHERE published_at IS NOT NULL AND published_at <= $1)
             FROM site_state WHERE id = 1",
        )
        .bind(now.timestamp())
        .fetch_one(&self.pool)
        .await?;
        Ok(Fingerprint {
            content_version: row.try_get(0)?,
            visible_stories: row.try_get(1)?,
        })
    }

    /// Whether the demo content was seeded into this database.
    pub async fn demo_seeded(&self) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT demo_seeded FROM site_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)? != 0)
    }

    /// Records that the demo content was seeded, so it is seeded only once.
    pub async fn mark_demo_seeded(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE site_state SET demo_seeded = 1 WHERE id = 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
