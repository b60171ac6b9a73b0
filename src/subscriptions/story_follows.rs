//! Following a live story: the rules between the reader's push API and the
//! store. A subscription follows a story that is on the site, live, and
//! whose coverage has not ended; unfollowing is always allowed and
//! idempotent; the list holds the stories whose follows have not lapsed
//! (a day after the coverage ends, [`STORY_FOLLOW_LAPSE_SECONDS`]).

use chrono::{DateTime, Utc};

use crate::content::Story;
use crate::store::{
    Conflict, FollowedStory, STORY_FOLLOW_LAPSE_SECONDS, Store, StoreError, StoryFollow,
};

/// Why following a story was refused.
#[derive(Debug, thiserror::Error)]
pub enum StoryFollowError {
    #[error("there is no such story")]
    UnknownStory,
    #[error("this story is not live coverage: only a live story can be followed")]
    NotLive,
    #[error("the live coverage of this story ended at {0}: it can no longer be followed")]
    Ended(DateTime<Utc>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl StoryFollowError {
    /// The stable API error code (the live desk's codes where they mean
    /// the same).
    pub fn code(&self) -> &'static str {
        match self {
            StoryFollowError::UnknownStory => "unknown_story",
            StoryFollowError::NotLive => "story_not_live",
            StoryFollowError::Ended(_) => "live_ended",
            StoryFollowError::Store(_) => "internal",
        }
    }
}

/// Subscription `subscription_id` follows the story at `slug`.
pub async fn follow(
    store: &Store,
    subscription_id: i64,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<StoryFollow, StoryFollowError> {
    let story = on_site(store, slug, now).await?;
    if !story.live {
        return Err(StoryFollowError::NotLive);
    }
    if let Some(at) = story.live_ended_at {
        return Err(StoryFollowError::Ended(at));
    }
    match store
        .follow_story(subscription_id, story.id, now.timestamp())
        .await
    {
        Ok(follow) => Ok(follow),
        // Ended (or made not live) since it was read: told as such.
        Err(StoreError::Conflict(Conflict::LiveCoverageClosed(_))) => {
            let story = on_site(store, slug, now).await?;
            Err(match story.live_ended_at {
                Some(at) if story.live => StoryFollowError::Ended(at),
                _ => StoryFollowError::NotLive,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Subscription `subscription_id` no longer follows the story at `slug`
/// (whether it did or not; whatever the state of its coverage).
pub async fn unfollow(
    store: &Store,
    subscription_id: i64,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<(), StoryFollowError> {
    let story = on_site(store, slug, now).await?;
    store.unfollow_story(subscription_id, story.id).await?;
    Ok(())
}

/// The live stories subscription `subscription_id` follows, lapsed follows
/// left out.
pub async fn followed(
    store: &Store,
    subscription_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<FollowedStory>, StoreError> {
    store
        .followed_stories(subscription_id, now.timestamp())
        .await
}

/// When the follows of a story whose coverage ended at `ended_at` lapse.
pub fn lapses_at(ended_at: DateTime<Utc>) -> DateTime<Utc> {
    ended_at + chrono::TimeDelta::seconds(STORY_FOLLOW_LAPSE_SECONDS)
}

/// The story at `slug`, when readers can see it.
async fn on_site(store: &Store, slug: &str, now: DateTime<Utc>) -> Result<Story, StoryFollowError> {
    if !crate::content::slug::is_valid(slug) {
        return Err(StoryFollowError::UnknownStory);
    }
    store
        .story_by_slug(slug)
        .await?
        .filter(|s| s.is_visible(now))
        .ok_or(StoryFollowError::UnknownStory)
}
