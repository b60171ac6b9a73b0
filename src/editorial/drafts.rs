//! From what an editor sends to what the store saves: story JSON checked
//! by [`crate::content::input`] plus the newsroom's own rules, the push
//! panel's options, and drafts rebuilt from a stored story or revision.

use serde::Deserialize;

use super::EditorialError;
use crate::content::input::{
    FieldError, ImageDraft, ImageSource, InputErrors, MAX_SPREAD_MINUTES, NotificationInput,
    NotificationSettings, StoryDraft, StoryInput, TopicName,
};
use crate::content::{Image, Story, TopicRef};
use crate::store::RevisionSnapshot;

/// The push panel's choices when publishing or scheduling a story.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushOptions {
    /// Send a notification; on unless set to false.
    pub send: Option<bool>,
    /// Instead of the headline.
    pub title: Option<String>,
    /// Instead of the standfirst.
    pub body: Option<String>,
    /// Breaking news: urgency high, sent to every subscriber, not only the
    /// followers of the story's topics. Off unless set.
    pub breaking: Option<bool>,
    /// How long a push service keeps it for an offline device (60 s to 28 days).
    pub ttl_seconds: Option<u32>,
    /// Deliver over this many minutes (0 to 1440) rather than at once.
    pub spread_minutes: Option<u32>,
    /// Spread breaking news too (it goes at once unless this is set).
    pub spread_breaking: Option<bool>,
}

impl PushOptions {
    /// The notification settings these options make, checked by the same
    /// rules as a story's `notification`; errors name `push.title`, …
    pub fn settings(&self) -> Result<NotificationSettings, EditorialError> {
        // Checked as a story's notification is, so the limits live in one place.
        let checked = NotificationInput {
            title: self.title.clone(),
            body: self.body.clone(),
            ttl_seconds: self.ttl_seconds,
        }
        .validate("push")
        .map_err(|errors| EditorialError::InvalidStory(InputErrors(errors)))?;
        let spread_minutes = checked_spread(self.spread_minutes.unwrap_or(0))?;
        Ok(NotificationSettings {
            send: self.send.unwrap_or(true),
            breaking: self.breaking.unwrap_or(false),
            spread_minutes,
            spread_breaking: self.spread_breaking.unwrap_or(false),
            ..checked
        })
    }
}

/// `minutes` if a notification may be spread over them (0 to a day); the
/// error names `push.spread_minutes`.
pub(super) fn checked_spread(minutes: u32) -> Result<u32, EditorialError> {
    if minutes > MAX_SPREAD_MINUTES {
        return Err(EditorialError::InvalidStory(InputErrors(vec![
            FieldError {
                field: "push.spread_minutes".into(),
                message: format!("must be between 0 and {MAX_SPREAD_MINUTES} minutes (a day)"),
            },
        ])));
    }
    Ok(minutes)
}

/// What a save is for, which decides the slug rules.
pub(super) enum Purpose<'a> {
    /// A new story.
    Create,
    /// A change to a story with this slug.
    Update {
        current_slug: &'a str,
        slug_locked: bool,
    },
}

/// Checks story JSON from the newsroom and makes the draft to save, or
/// reports every problem at once.
pub(super) fn prepare_draft(
    mut input: StoryInput,
    purpose: Purpose<'_>,
) -> Result<StoryDraft, EditorialError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        })
    };
    if input.published_at.take().is_some() {
        fail(
            "published_at",
            "the publication time is not saved with the story: publish or schedule it",
        );
    }
    if input.notification.take().is_some() {
        fail(
            "notification",
            "the notification is chosen when the story is published or scheduled (\"push\")",
        );
    }
    match &purpose {
        Purpose::Create => {
            if input.previous_slug.is_some() {
                fail(
                    "previous_slug",
                    "only for renaming a published story: a new story has no previous slug",
                );
            }
        }
        Purpose::Update { current_slug, .. } => {
            if input.slug.is_none() {
                input.slug = Some((*current_slug).to_owned());
            }
        }
    }
    // Whether an uploaded image (`/media/…`) exists is checked as the
    // story is saved, in the same transaction.
    if input
        .image
        .as_ref()
        .is_some_and(|image| image.path.is_some())
    {
        fail(
            "image.path",
            "local files are for the command line: upload the image (POST /api/v1/admin/images) and give its url",
        );
    }
    let validated = input.validate();
    let mut draft = match validated {
        Ok(draft) if errors.is_empty() => draft,
        Ok(_) => return Err(EditorialError::InvalidStory(InputErrors(errors))),
        Err(InputErrors(mut found)) => {
            found.extend(errors);
            return Err(EditorialError::InvalidStory(InputErrors(found)));
        }
    };
    if let Purpose::Update {
        current_slug,
        slug_locked,
    } = purpose
    {
        match draft.previous_slug.take() {
            Some(previous) if previous != current_slug => {
                return Err(EditorialError::invalid(
                    "previous_slug",
                    format!("this story's slug is {current_slug:?}, not {previous:?}"),
                ));
            }
            Some(_) => {}
            None if slug_locked && draft.slug != current_slug => {
                return Err(EditorialError::SlugLocked {
                    current: current_slug.to_owned(),
                });
            }
            None => {}
        }
    }
    Ok(draft)
}

/// A stored story as a draft to save again (to publish or schedule it).
pub(super) fn story_draft(story: &Story, notification: NotificationSettings) -> StoryDraft {
    StoryDraft {
        slug: story.slug.clone(),
        previous_slug: None,
        headline: story.headline.clone(),
        standfirst: story.standfirst.clone(),
        body_markdown: story.body_markdown.clone(),
        image: story.image.as_ref().map(image_draft),
        topics: story.topics.iter().map(topic_name).collect(),
        authors: story.authors.clone(),
        call_to_action: story.call_to_action.clone(),
        published_at: story.published_at,
        notification,
        seo: story.seo.clone(),
        live: story.live,
    }
}

/// A revision's fields as a draft, keeping the story's `slug` (a
/// published story's slug is fixed) and publication time.
pub(super) fn revision_draft(snapshot: &RevisionSnapshot, slug: &str) -> StoryDraft {
    StoryDraft {
        slug: slug.to_owned(),
        previous_slug: None,
        headline: snapshot.headline.clone(),
        standfirst: snapshot.standfirst.clone(),
        body_markdown: snapshot.body_markdown.clone(),
        image: snapshot.image.as_ref().map(image_draft),
        topics: snapshot.topics.iter().map(topic_name).collect(),
        authors: snapshot.authors.clone(),
        call_to_action: snapshot.call_to_action.clone(),
        published_at: None,
        notification: NotificationSettings::default(),
        seo: snapshot.seo.clone(),
        live: snapshot.live,
    }
}

/// A stored image, to be stored again as it is.
fn image_draft(image: &Image) -> ImageDraft {
    ImageDraft {
        source: ImageSource::Url(image.src.clone()),
        alt: image.alt.clone(),
        credit: image.credit.clone(),
    }
}

fn topic_name(topic: &TopicRef) -> TopicName {
    TopicName {
        name: topic.name.clone(),
        slug: topic.slug.clone(),
    }
}
