//! A story's notification numbers: for the newsroom, of any story its
//! people may see; for anyone who asks without a login, only of a story on
//! the site. A draft's or a scheduled story's
//! numbers are the newsroom's (the admin API's push stats), and to anyone
//! else such a story is unknown, exactly like one that does not exist, so
//! that nobody can confirm that an embargoed story is waiting.

use chrono::{DateTime, Utc};

use super::{EditorialError, load};
use crate::accounts::Principal;
use crate::store::{PushStats, Store, StoreError, StoryStatus};

/// The push stats of story `id`, whatever its state, for those in the
/// newsroom who may see the story.
pub async fn push_stats(
    store: &Store,
    who: &Principal,
    id: i64,
    now: DateTime<Utc>,
) -> Result<PushStats, EditorialError> {
    load(store, who, id, now).await?;
    Ok(store.push_stats(id).await?)
}

/// The push stats of story `id` if it is on the site at `now`; `None` for
/// a draft, a scheduled story, and an unknown id alike.
pub async fn public_push_stats(
    store: &Store,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<PushStats>, StoreError> {
    let Some(story) = store.stories_by_ids(&[id]).await?.pop() else {
        return Ok(None);
    };
    if StoryStatus::at(story.published_at, now) != StoryStatus::Published {
        return Ok(None);
    }
    Ok(Some(store.push_stats(id).await?))
}
