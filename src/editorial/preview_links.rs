//! Showing a draft to someone without an account: a preview link
//! (`/preview/<token>`) made by whoever may edit the story, valid for
//! [`PREVIEW_LINK_DAYS`] days unless revoked, and dead once the story is
//! published (it then leads to the story). The token is 256 random bits,
//! shown once; the store keeps its hash.

use chrono::{DateTime, Duration, Utc};

use super::{EditorialError, StoryStatus, get_story};
use crate::accounts::Principal;
use crate::accounts::secret::{hash_secret, random_secret};
use crate::content::Story;
use crate::store::{PreviewLinkRecord, Store};

/// How long a preview link works.
pub const PREVIEW_LINK_DAYS: i64 = 7;

/// A new preview link, with its token: shown this once.
#[derive(Debug, Clone)]
pub struct PreviewLink {
    pub id: i64,
    /// The site path that shows the draft: `/preview/<token>`.
    pub path: String,
    pub expires_at: DateTime<Utc>,
}

/// What a preview link leads to now.
#[derive(Debug, Clone)]
pub enum PreviewTarget {
    /// The story as it stands, not yet on the site.
    Draft(Box<Story>),
    /// The story is published: its address on the site.
    Published(String),
    /// Unknown, expired or revoked.
    Gone,
}

/// The path a preview link's token is shown at.
fn preview_path(token: &str) -> String {
    format!("/preview/{token}")
}

/// A new link to story `story_id`'s draft, by one who may edit it; a
/// story already on the site needs none (`already_published`).
pub async fn create_preview_link(
    store: &Store,
    who: &Principal,
    story_id: i64,
    now: DateTime<Utc>,
) -> Result<PreviewLink, EditorialError> {
    let story = get_story(store, who, story_id, now).await?;
    if !story.allowed.edit {
        return Err(EditorialError::Forbidden(
            "only those who may edit a story share its preview".into(),
        ));
    }
    if story.status == StoryStatus::Published {
        return Err(EditorialError::AlreadyPublished);
    }
    let token = random_secret().map_err(EditorialError::Random)?;
    let expires_at = now + Duration::days(PREVIEW_LINK_DAYS);
    let record = store
        .create_preview_link(
            story_id,
            &hash_secret(&token),
            who.user_id,
            now.timestamp(),
            expires_at.timestamp(),
        )
        .await?;
    tracing::info!(
        story.id = story_id,
        link = record.id,
        user = who.user_id,
        "preview link created"
    );
    Ok(PreviewLink {
        id: record.id,
        path: preview_path(&token),
        expires_at,
    })
}

/// The links of story `story_id` that still work, for those who may read
/// it in the newsroom.
pub async fn live_preview_links(
    store: &Store,
    who: &Principal,
    story_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<PreviewLinkRecord>, EditorialError> {
    get_story(store, who, story_id, now).await?;
    Ok(store.live_preview_links(story_id, now.timestamp()).await?)
}

/// Revokes link `link_id` of story `story_id` (`not_found` when it does
/// not work anyway), by one who may edit the story.
pub async fn revoke_preview_link(
    store: &Store,
    who: &Principal,
    story_id: i64,
    link_id: i64,
    now: DateTime<Utc>,
) -> Result<(), EditorialError> {
    let story = get_story(store, who, story_id, now).await?;
    if !story.allowed.edit {
        return Err(EditorialError::Forbidden(
            "only those who may edit a story revoke its preview links".into(),
        ));
    }
    if !store
        .revoke_preview_link(story_id, link_id, now.timestamp())
        .await?
    {
        return Err(EditorialError::NotFound("preview link"));
    }
    tracing::info!(
        story.id = story_id,
        link = link_id,
        user = who.user_id,
        "preview link revoked"
    );
    Ok(())
}

/// Where the preview link with `token` leads at `now`.
pub async fn open_preview_link(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<PreviewTarget, EditorialError> {
    let Some(link) = store.preview_link_by_token(&hash_secret(token)).await? else {
        return Ok(PreviewTarget::Gone);
    };
    let story = store.stories_by_ids(&[link.story_id]).await?.pop();
    let Some(story) = story else {
        return Ok(PreviewTarget::Gone);
    };
    if story.is_visible(now) {
        return Ok(PreviewTarget::Published(story.path()));
    }
    if link.revoked_at.is_some() || link.expires_at <= now.timestamp() {
        return Ok(PreviewTarget::Gone);
    }
    Ok(PreviewTarget::Draft(Box::new(story)))
}
