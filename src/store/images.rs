//! Images: the renditions of an upload (made by `content::images`) stored
//! as media, each under its own immutable name, with a record of what was
//! made and the alt text and credit it came with. Storing the same upload
//! again changes no bytes: names come from the upload's hash.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError};
use crate::content::images::ProcessedImage;

/// An image as stored: its largest rendition (the one stories name) and
/// every size it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub credit: Option<String>,
    /// Narrowest first; the last is the image itself.
    pub renditions: Vec<RenditionSize>,
}

/// One stored size of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenditionSize {
    pub name: String,
    pub width: u32,
    pub height: u32,
}

impl Store {
    /// Stores an image's renditions and its record in one transaction. The
    /// alt text and credit of a repeated upload replace the earlier ones.
    pub async fn save_image(
        &self,
        image: &ProcessedImage,
        alt: &str,
        credit: Option<&str>,
        uploaded_by: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<StoredImage, StoreError> {
        let largest = image.largest();
        let mut tx = self.begin_write().await?;
        for rendition in &image.renditions {
            sqlx::query(
                "INSERT INTO media (name, content_type, bytes, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(&rendition.name)
            .bind(rendition.content_type)
            .bind(rendition.bytes.clone())
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO images (name, width, height, alt, credit, uploaded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (name) DO UPDATE SET alt = excluded.alt, credit = excluded.credit",
        )
        .bind(&largest.name)
        .bind(i64::from(largest.width))
        .bind(i64::from(largest.height))
        .bind(alt)
        .bind(credit)
        .bind(uploaded_by)
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await?;
        for rendition in &image.renditions {
            sqlx::query(
                "INSERT INTO image_renditions (image_name, media_name, width, height)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (image_name, width) DO NOTHING",
            )
            .bind(&largest.name)
            .bind(&rendition.name)
            .bind(i64::from(rendition.width))
            .bind(i64::from(rendition.height))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(StoredImage {
            name: largest.name.clone(),
            width: largest.width,
            height: largest.height,
            alt: alt.to_owned(),
            credit: credit.map(str::to_owned),
            renditions: image
                .renditions
                .iter()
                .map(|r| RenditionSize {
                    name: r.name.clone(),
                    width: r.width,
                    height: r.height,
                })
                .collect(),
        })
    }

    /// An uploaded image by the name of its largest rendition.
    pub async fn image(&self, name: &str) -> Result<Option<StoredImage>, StoreError> {
        let Some(row) =
            sqlx::query("SELECT name, width, height, alt, credit FROM images WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let renditions = sqlx::query(
            "SELECT media_name, width, height FROM image_renditions
             WHERE image_name = $1 ORDER BY width",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(RenditionSize {
                name: r.try_get(0)?,
                width: pixels(r.try_get(1)?)?,
                height: pixels(r.try_get(2)?)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        Ok(Some(StoredImage {
            name: row.try_get(0)?,
            width: pixels(row.try_get(1)?)?,
            height: pixels(row.try_get(2)?)?,
            alt: row.try_get(3)?,
            credit: row.try_get(4)?,
            renditions,
        }))
    }

    /// Whether anything is stored under this media name: what a story that
    /// refers to `/media/{name}` must check before it is saved.
    pub async fn media_exists(&self, name: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM media WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

fn pixels(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("image size {value}")))
}
