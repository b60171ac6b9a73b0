//! What can go wrong in editorial work, each with a stable code that the
//! API answers and the newsroom pages can show.

use chrono::{DateTime, Utc};

use crate::content::input::{FieldError, InputErrors};
use crate::store::StoreError;

/// Another save won: what the editor's stale copy is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditConflict {
    /// The story's version now; the editor's save named an older one.
    pub current_version: i64,
    /// Who made the latest change, when known (not for the command line).
    pub saved_by: Option<String>,
    pub saved_at: Option<DateTime<Utc>>,
}

impl std::fmt::Display for EditConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = self.saved_by.as_deref().unwrap_or("someone else");
        match self.saved_at {
            Some(at) => write!(
                f,
                "{who} changed this story at {} (version {}) since you loaded it; \
                 nothing of your save was stored: reload the story, apply your changes again and save",
                at.format("%Y-%m-%d %H:%M:%S UTC"),
                self.current_version
            ),
            None => write!(
                f,
                "{who} changed this story (version {}) since you loaded it; \
                 nothing of your save was stored: reload the story, apply your changes again and save",
                self.current_version
            ),
        }
    }
}

/// Why an editorial action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum EditorialError {
    /// The caller's role does not allow this (`forbidden`).
    #[error("{0}")]
    Forbidden(String),
    /// No such story, revision or topic, or none the caller may see
    /// (`not_found`).
    #[error("there is no such {0}")]
    NotFound(&'static str),
    /// The story changed since the caller loaded it (`edit_conflict`).
    #[error("{0}")]
    EditConflict(EditConflict),
    /// The story's fields are wrong, each named (`invalid_story`).
    #[error("{0}")]
    InvalidStory(InputErrors),
    /// Another story (or topic) has this slug (`slug_taken`).
    #[error("{0}")]
    SlugTaken(String),
    /// The story has been published: its URL is public and its slug fixed
    /// (`slug_locked`).
    #[error(
        "the slug of a published story is fixed ({current:?}); to rename it anyway, \
         with a permanent redirect from the old URL, send \"previous_slug\": {current:?}"
    )]
    SlugLocked { current: String },
    /// A contributor named topics that do not exist
    /// (`topic_creation_forbidden`).
    #[error("only editors create topics; these do not exist yet: {topics}")]
    TopicCreationForbidden { topics: String },
    /// A publication time in the past or absurdly far ahead
    /// (`bad_schedule`).
    #[error("{0}")]
    BadSchedule(String),
    /// Publishing or scheduling a story that is already on the site
    /// (`already_published`).
    #[error(
        "the story is already published: unpublish it first to publish or schedule it again; to show it, share its address"
    )]
    AlreadyPublished,
    /// Unpublishing a draft (`not_published`).
    #[error("the story is not published or scheduled")]
    NotPublished,
    /// A topic's fields are wrong, each named (`invalid_topic`).
    #[error("{0}")]
    InvalidTopic(InputErrors),
    /// Another topic already has this name (`topic_name_taken`).
    #[error("{0}")]
    TopicNameTaken(String),
    /// A live entry for a story that is not live (`story_not_live`).
    #[error("the story is not live: mark it live (\"live\": true) to add entries")]
    NotLive,
    /// A live entry, or the end, for coverage that has ended (`live_ended`).
    #[error("the story's live coverage ended at {}", .0.format("%Y-%m-%d %H:%M:%S UTC"))]
    LiveEnded(DateTime<Utc>),
    /// A change to a deleted live entry (`entry_deleted`).
    #[error("the entry was deleted: it can no longer be changed")]
    EntryDeleted,
    /// A live entry's fields are wrong, each named (`invalid_entry`).
    #[error("{0}")]
    InvalidEntry(InputErrors),
    /// The database failed (`internal`).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The system's random source failed (`internal`).
    #[error("cannot draw random bytes: {0}")]
    Random(getrandom::Error),
}

impl EditorialError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            EditorialError::Forbidden(_) => "forbidden",
            EditorialError::NotFound(_) => "not_found",
            EditorialError::EditConflict(_) => "edit_conflict",
            EditorialError::InvalidStory(_) => "invalid_story",
            EditorialError::SlugTaken(_) => "slug_taken",
            EditorialError::SlugLocked { .. } => "slug_locked",
            EditorialError::TopicCreationForbidden { .. } => "topic_creation_forbidden",
            EditorialError::BadSchedule(_) => "bad_schedule",
            EditorialError::AlreadyPublished => "already_published",
            EditorialError::NotPublished => "not_published",
            EditorialError::InvalidTopic(_) => "invalid_topic",
            EditorialError::TopicNameTaken(_) => "topic_name_taken",
            EditorialError::NotLive => "story_not_live",
            EditorialError::LiveEnded(_) => "live_ended",
            EditorialError::EntryDeleted => "entry_deleted",
            EditorialError::InvalidEntry(_) => "invalid_entry",
            EditorialError::Store(_) | EditorialError::Random(_) => "internal",
        }
    }

    /// The fields at fault, for errors about input.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            EditorialError::InvalidStory(errors)
            | EditorialError::InvalidTopic(errors)
            | EditorialError::InvalidEntry(errors) => &errors.0,
            _ => &[],
        }
    }

    /// One wrong field of a story.
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> EditorialError {
        EditorialError::InvalidStory(InputErrors(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }]))
    }
}
