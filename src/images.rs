//! Image ingest, the one path every featured image takes into the site:
//! an upload to the admin API (`POST /api/v1/admin/images`) and the
//! `image.path` of `herald story add` alike. A JPEG, PNG or WebP is checked
//! by its content, decoded off the async threads, stripped of its metadata
//! and resized to the site's widths ([`crate::content::images::process`]),
//! then stored with its alt text and credit.

use chrono::{DateTime, Utc};
use tokio::sync::OwnedSemaphorePermit;

use crate::content::images::{self, ImageError};
use crate::store::{Store, StoreError, StoredImage};

/// Why an image was not ingested.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The image itself: too large, not an image, damaged.
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an ingested image is called and credited with.
#[derive(Debug, Clone, Copy)]
pub struct ImageLabels<'a> {
    /// Checked by the caller: never empty.
    pub alt: &'a str,
    pub credit: Option<&'a str>,
}

/// Processes `bytes` and stores the renditions, named by `labels` and
/// owned by account `owner` (none from the command line). `slot`, when
/// given, is held until the processing ends, even if the caller stops
/// waiting: it is how the API bounds the uploads decoded at once.
pub async fn ingest_image(
    store: &Store,
    bytes: Vec<u8>,
    labels: ImageLabels<'_>,
    owner: Option<i64>,
    slot: Option<OwnedSemaphorePermit>,
    now: DateTime<Utc>,
) -> Result<StoredImage, IngestError> {
    let processed = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        images::process(&bytes)
    })
    .await
    .map_err(|e| ImageError::Encode(format!("processing failed: {e}")))??;
    let stored = store
        .save_image(&processed, labels.alt, labels.credit, owner, now)
        .await?;
    tracing::info!(
        image = %stored.name,
        user.id = owner,
        renditions = stored.renditions.len(),
        "image stored"
    );
    Ok(stored)
}
