//! Image ingest, the one path every featured image takes into the site:
//! an upload to the admin API (`POST /api/v1/admin/images`) and the
//! `image.path` of `herald story add` alike. A JPEG, PNG or WebP is checked
//! by its content, decoded off the async threads, stripped of its metadata
//! and resized to the site's widths ([`crate::content::images::process`]),
//! then stored with its alt text and credit.
//!
//! Decoding and resizing take memory in proportion to the pixels, not to
//! the file: a 154 KB PNG of 6,300 × 6,300 pixels needs about 340 MiB. So
//! each image first reserves what its header says it will need
//! ([`ImageHeader::peak_bytes`](crate::content::images::ImageHeader::peak_bytes))
//! from one [`ImageMemoryBudget`] of the
//! process (`image_memory_mb`): images are processed at once while they
//! fit, wait for one another when they do not, and one that needs more
//! than the whole budget is refused.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// Bytes in a mebibyte, the budget's unit (one semaphore permit each).
const MIB: u64 = 1024 * 1024;

/// The memory that the images being processed in this process may take
/// together, in MiB. Cloning it shares the same budget.
#[derive(Debug, Clone)]
pub struct ImageMemoryBudget {
    /// One permit per MiB not reserved by an image in progress.
    free: Arc<Semaphore>,
    limit_mib: u32,
}

/// Memory reserved for one image: given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    _permits: OwnedSemaphorePermit,
}

impl ImageMemoryBudget {
    /// A budget of `limit_mib` MiB.
    pub fn new(limit_mib: u32) -> ImageMemoryBudget {
        ImageMemoryBudget {
            free: Arc::new(Semaphore::new(limit_mib as usize)),
            limit_mib,
        }
    }

    /// Reserves `bytes` (rounded up to whole MiB), waiting while images in
    /// progress hold too much of the budget. Images are served in the order
    /// they asked, so a large one is not overtaken forever by small ones.
    /// More than the whole budget is refused at once: waiting would never
    /// end.
    pub async fn reserve(&self, bytes: u64) -> Result<Reservation, ImageError> {
        let needed_mib = bytes.div_ceil(MIB).max(1);
        let too_much = ImageError::TooMuchMemory {
            needed_mib,
            limit_mib: self.limit_mib,
        };
        let permits = u32::try_from(needed_mib)
            .ok()
            .filter(|n| *n <= self.limit_mib)
            .ok_or(too_much)?;
        let permits = self
            .free
            .clone()
            .acquire_many_owned(permits)
            .await
            .map_err(|e| ImageError::Encode(format!("the image memory budget is closed: {e}")))?;
        Ok(Reservation { _permits: permits })
    }
}

/// Processes `bytes` within `budget` and stores the renditions, named by
/// `labels` and owned by account `owner` (none from the command line). The
/// reservation is held until the processing ends, even if the caller stops
/// waiting.
pub async fn ingest_image(
    store: &Store,
    bytes: Vec<u8>,
    labels: ImageLabels<'_>,
    owner: Option<i64>,
    budget: &ImageMemoryBudget,
    now: DateTime<Utc>,
) -> Result<StoredImage, IngestError> {
    // Reading a JPEG's header copies the file: off the async threads too.
    let (bytes, header) = blocking(move || {
        let header = images::read_header(&bytes);
        (bytes, header)
    })
    .await?;
    let needed = header?.peak_bytes();
    let reservation = budget.reserve(needed).await?;
    let processed = blocking(move || {
        let _reservation = reservation;
        images::process(&bytes)
    })
    .await??;
    let stored = store
        .save_image(&processed, labels.alt, labels.credit, owner, now)
        .await?;
    tracing::info!(
        image = %stored.name,
        user.id = owner,
        renditions = stored.renditions.len(),
        memory_mib = needed.div_ceil(MIB),
        "image stored"
    );
    Ok(stored)
}

/// Runs `work` on tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ImageError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ImageError::Encode(format!("processing failed: {e}")))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn more_than_the_whole_budget_is_refused_with_both_sizes() {
        let budget = ImageMemoryBudget::new(16);
        let err = budget
            .reserve(16 * MIB + 1)
            .await
            .expect_err("over the budget");
        assert_eq!(
            err,
            ImageError::TooMuchMemory {
                needed_mib: 17,
                limit_mib: 16
            }
        );
        let message = err.to_string();
        assert!(
            message.starts_with(
                "the image needs about 17 MiB of memory to process; the limit is 16 MiB"
            ),
            "{message}"
        );
        assert!(
            budget.reserve(16 * MIB).await.is_ok(),
            "the whole budget fits"
        );
    }

    #[tokio::test]
    async fn images_that_fit_only_one_at_a_time_wait_for_each_other() {
        let budget = ImageMemoryBudget::new(16);
        let first = budget.reserve(10 * MIB).await.expect("fits");
        // What fits beside it goes at once.
        let beside = budget.reserve(6 * MIB).await.expect("fits beside");
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.reserve(10 * MIB).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "the third waits while the others hold 16 of 16 MiB"
        );
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the second goes once the first is done")
            .expect("task");
        assert!(second.is_ok(), "{second:?}");
        drop(beside);
    }
}
