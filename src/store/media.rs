//! Media: images stored in the database by content hash, so that every web
//! node serves the same bytes under a name that never changes meaning.

use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use super::{Store, StoreError};

/// An image checked by content and ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaUpload {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'static str,
}

impl MediaUpload {
    /// The name the image is stored and served under: its hash and extension.
    pub fn name(&self) -> String {
        let digest = Sha256::digest(&self.bytes);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("{hex}.{}", self.extension)
    }
}

/// An image as served.
#[derive(Debug, Clone)]
pub struct StoredMedia {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The stored name of an inserted image.
pub(super) struct MediaName(String);

impl MediaName {
    /// The site path that serves it.
    pub fn path(&self) -> String {
        format!("/media/{}", self.0)
    }
}

pub(super) async fn insert_media(
    tx: &mut Transaction<'_, Any>,
    upload: &MediaUpload,
    now: i64,
) -> Result<MediaName, StoreError> {
    let name = upload.name();
    sqlx::query(
        "INSERT INTO media (name, content_type, bytes, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(&name)
    .bind(upload.content_type)
    .bind(upload.bytes.clone())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(MediaName(name))
}

impl Store {
    /// An image by its stored name.
    pub async fn media(&self, name: &str) -> Result<Option<StoredMedia>, StoreError> {
        let row = sqlx::query("SELECT name, content_type, bytes FROM media WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(StoredMedia {
                name: row.try_get(0)?,
                content_type: row.try_get(1)?,
                bytes: row.try_get(2)?,
            })
        })
        .transpose()
    }
}
