//! "Send an update": a further notification for a published story, which
//! replaces the first on devices (same `tag` and `Topic`). The admin API and
//! the newsroom's editor both send it through [`send_update`].

use chrono::{DateTime, Utc};

use super::drafts::checked_spread;
use super::{EditorialError, get_story};
use crate::accounts::Principal;
use crate::content::input::{InputErrors, NotificationInput};
use crate::store::{Store, UpdateError, UpdateSettings};

/// What an update says; without a title or body, the story's headline and
/// standfirst at sending time.
#[derive(Debug, Clone, Default)]
pub struct UpdateRequest {
    pub title: Option<String>,
    pub body: Option<String>,
    /// Urgent and sent to every subscriber. An update of a story whose
    /// notification was breaking is breaking anyway.
    pub breaking: bool,
    /// Deliver over this many minutes (0 to 1440: 0 at once); `None`: as
    /// the story's last notification was.
    pub spread_minutes: Option<u32>,
    /// Spread even if breaking; `None`: as the story's last notification.
    pub spread_breaking: Option<bool>,
}

impl UpdateRequest {
    /// The request checked by the rules of a story's notification, its
    /// errors named `push.title`, `push.body` and `push.spread_minutes`.
    pub(super) fn settings(&self) -> Result<UpdateSettings, EditorialError> {
        let checked = NotificationInput {
            title: self.title.clone(),
            body: self.body.clone(),
            ttl_seconds: None,
        }
        .validate("push")
        .map_err(|errors| EditorialError::InvalidStory(InputErrors(errors)))?;
        Ok(UpdateSettings {
            title: checked.title,
            body: checked.body,
            ttl_seconds: checked.ttl_seconds,
            breaking: self.breaking,
            spread_minutes: self.spread_minutes.map(checked_spread).transpose()?,
            spread_breaking: self.spread_breaking,
        })
    }
}

/// Queues an update of story `story_id`'s notification and returns its job
/// id. Editors and admins only (`forbidden`); the story must be published
/// (`not_published`); the text is checked by the rules of a story's
/// notification, its errors named `push.title`, `push.body` and
/// `push.spread_minutes`.
pub async fn send_update(
    store: &Store,
    who: &Principal,
    story_id: i64,
    request: UpdateRequest,
    now: DateTime<Utc>,
) -> Result<i64, EditorialError> {
    if !who.role.can_publish() {
        return Err(EditorialError::Forbidden(
            "sending notifications is for editors and admins".into(),
        ));
    }
    // Refused as unknown when the caller may not read it.
    get_story(store, who, story_id, now).await?;
    let settings = request.settings()?;
    let job = store
        .enqueue_update(story_id, &settings, now.timestamp())
        .await
        .map_err(|e| match e {
            UpdateError::UnknownStory => EditorialError::NotFound("story"),
            UpdateError::NotPublished => EditorialError::NotPublished,
            UpdateError::Store(e) => EditorialError::Store(e),
        })?;
    tracing::info!(
        story.id = story_id,
        job,
        user = who.user_id,
        "push update queued"
    );
    Ok(job)
}
