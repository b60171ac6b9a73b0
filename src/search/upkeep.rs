//! Keeping the search index quick to read. SQLite's FTS5 writes each
//! change as a small segment of the index and merges them a few at a time;
//! a search reads every segment that holds its terms, and finding a story
//! in many segments costs many seeks. Once a day, and soon after start-up,
//! Herald merges the whole index into one segment ([`merge_index`]): in
//! steps of [`MERGE_STEP_PAGES`] pages, each its own short write with a
//! pause after it, so that no publish waits long behind it. After a large
//! import, `herald merge-search-index` does it at once. On 100,000 stories
//! the merge writes about 200 MB; `bench/search.sh` measures searches
//! before and after it in one run (p99 2-31% lower after it, in three runs).
//!
//! PostgreSQL's GIN index needs nothing of this: every step there is a
//! no-op.

use std::time::Duration;

use tokio::sync::watch;

use crate::store::{Store, StoreError};

/// How many pages (of about 4 KB) one step of the merge writes at most.
pub const MERGE_STEP_PAGES: u32 = 128;
/// The pause after each step, in which writes waiting for the database go.
const STEP_PAUSE: Duration = Duration::from_millis(20);
/// The first merge after start-up: late enough not to slow a start (or a
/// test), early enough that an imported archive is soon quick to search.
pub const FIRST_MERGE: Duration = Duration::from_secs(10 * 60);
/// How often the index is merged again: a day's new stories are small
/// segments beside the one big one until then.
pub const MERGE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Merges the index into one segment, step by step, until there is no
/// more to do or `stop` turns true. Returns how many steps changed the
/// index (0: it was already one segment).
pub async fn merge_index(
    store: &Store,
    stop: &mut watch::Receiver<bool>,
) -> Result<u32, StoreError> {
    let mut steps = 0;
    while !*stop.borrow() && store.merge_search_index_step(MERGE_STEP_PAGES).await? {
        steps += 1;
        tokio::select! {
            _ = tokio::time::sleep(STEP_PAUSE) => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
    Ok(steps)
}

/// One scheduled merge of `herald serve` (run [`FIRST_MERGE`] after
/// start-up, then every [`MERGE_EVERY`]), logged when it did work.
pub async fn scheduled_merge(store: Store, mut stop: watch::Receiver<bool>) {
    let started = std::time::Instant::now();
    match merge_index(&store, &mut stop).await {
        Ok(0) => {}
        Ok(steps) => tracing::info!(
            steps,
            seconds = started.elapsed().as_secs_f64(),
            "merged the search index"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot merge the search index"),
    }
}
