//! Editorial work on stories, whoever asks (the admin API or the newsroom
//! pages): create, edit with a check against lost updates, publish now or
//! later with its notification, unpublish, correct, and restore a revision.
//! Permissions are checked here, with [`crate::accounts::Role`]:
//!
//! - a **contributor** creates drafts, and edits (and restores revisions
//!   of) the drafts they own — not others', and not once a story is
//!   published or scheduled; they read their own stories and the stories on
//!   the site; they cannot publish, schedule, unpublish, send
//!   notifications, correct, or create topics (a story naming an unknown
//!   topic is refused with `topic_creation_forbidden`);
//! - an **editor** or an **admin** does all of that on any story.
//!
//! Every function takes the [`Store`](crate::store::Store), the
//! [`Principal`](crate::accounts::Principal) asking, its inputs and `now`,
//! and answers an [`EditorialError`] with a stable code.
//!
//! Rules worth knowing:
//! - Every change (save, publish, schedule, unpublish, correction, restore)
//!   moves the story to its next `version` and records a revision. A save
//!   names the version it was made from; if the story moved on meanwhile,
//!   it is refused with `edit_conflict` (who changed it and when) and
//!   nothing of it is stored.
//! - The slug is derived from the headline at creation (or given), and
//!   editable until the story has first been on the site. After that an
//!   update that changes it is refused with `slug_locked`, unless it also
//!   says `"previous_slug": "<the current slug>"`: then the story is
//!   renamed and its old URL redirects permanently to the new one.
//! - Story JSON here is `herald story add`'s, except that the publication
//!   time (`published_at`) and the notification (`notification`) are not
//!   part of a save: they are chosen with [`publish_story`] and
//!   [`schedule_story`]. A featured image is an absolute http(s) `url`, or
//!   the `/media/…` path of an uploaded image; local `path`s are for the
//!   command line only.
//! - A story's notification goes out when it is published, in the same
//!   transaction (the outbox). Updating a published story sets its
//!   "Updated" time and sends nothing. Unpublishing cancels a notification
//!   that has not started.

mod audience;
mod autosave;
mod drafts;
mod error;
mod import;
pub mod live;
mod preview_links;
mod publication;
mod push;
mod revisions;
mod stats;
mod stories;
mod topics;

use chrono::{DateTime, Utc};

use crate::accounts::Principal;
use crate::content::Story;
use crate::store::{Actor, EditorialRecord, ListedStory};

pub use crate::content::input::NotificationSettings;
pub use crate::store::{Correction, RevisionAction, RevisionSnapshot, StoryStatus};
pub use audience::{AudienceCount, Pace, Plan, Reach, count_audience, publish_plan, update_plan};
pub use autosave::{
    EDITING_WINDOW, Editing, EditingState, Pending, autosave, check_in, discard_autosave,
    open_for_editing, pending_autosave,
};
pub use drafts::PushOptions;
pub use error::{EditConflict, EditorialError};
pub use import::import_story;
pub use preview_links::{
    PREVIEW_LINK_DAYS, PreviewLink, PreviewTarget, create_preview_link, live_preview_links,
    open_preview_link, revoke_preview_link,
};
pub use publication::{SaveIntent, plan_save};
pub use push::{UpdateRequest, send_update};
pub use revisions::{
    DiffBase, DiffLine, DiffTag, RevisionDetail, RevisionSummary, get_revision, line_diff,
    list_revisions, restore_revision,
};
pub use stats::{
    HostCounts, JobReport, StoryStats, host_counts, job_reports, public_push_stats, push_stats,
    story_stats,
};
pub use stories::{
    AuthorFilter, DEFAULT_PAGE_SIZE, MAX_SCHEDULE_YEARS, Preview, Publication, Saved, StoryFilter,
    StoryList, StoryListItem, create_story, get_story, list_stories, preview_markdown,
    publish_story, save_and_publish, schedule_story, set_correction, unpublish_story, update_story,
};
pub use topics::{NewTopic, TopicChanges, TopicListing, create_topic, list_topics, update_topic};

/// A story as the editor loads it: its content and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditableStory {
    /// The content, with its topics; `published_at` is `None` for a draft.
    pub story: Story,
    pub status: StoryStatus,
    /// Send it back with an update: see [`update_story`].
    pub version: i64,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub correction: Option<Correction>,
    pub revision_count: i64,
    pub created_at: DateTime<Utc>,
    /// The story has been on the site: its slug is fixed.
    pub slug_locked: bool,
    /// What the caller may do with it.
    pub allowed: Allowed,
}

/// What a caller may do with one story, for showing only the controls
/// that work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    /// Save changes, restore revisions.
    pub edit: bool,
    /// Publish, schedule, unpublish, correct, send notifications.
    pub publish: bool,
}

impl EditableStory {
    fn from_record(record: EditorialRecord, who: &Principal, now: DateTime<Utc>) -> EditableStory {
        let status = StoryStatus::at(record.story.published_at, now);
        let allowed = allowed(who, record.owner_id, status);
        EditableStory {
            status,
            version: record.version,
            owner_id: record.owner_id,
            owner_name: record.owner_name,
            correction: record.correction,
            revision_count: record.revision_count,
            created_at: record.created_at,
            slug_locked: record.first_published_at.is_some(),
            allowed,
            story: record.story,
        }
    }
}

/// What `who` may do with a story owned by `owner` in `status`.
fn allowed(who: &Principal, owner: Option<i64>, status: StoryStatus) -> Allowed {
    let publish = who.role.can_publish();
    Allowed {
        edit: publish || (owner == Some(who.user_id) && status == StoryStatus::Draft),
        publish,
    }
}

/// Whether `who` may see a story owned by `owner` in `status`: editors
/// see everything, contributors their own stories and the site's.
fn can_read(who: &Principal, owner: Option<i64>, status: StoryStatus) -> bool {
    who.role.can_publish() || owner == Some(who.user_id) || status == StoryStatus::Published
}

/// Refuses a caller who may not publish.
fn require_publisher(who: &Principal, what: &str) -> Result<(), EditorialError> {
    if who.role.can_publish() {
        Ok(())
    } else {
        Err(EditorialError::Forbidden(format!(
            "only editors and admins may {what}; you are a {}",
            who.role
        )))
    }
}

/// The revision history's name for `who`.
fn actor(who: &Principal) -> Actor {
    Actor {
        user_id: who.user_id,
        name: who.name.clone(),
    }
}

/// A story the caller may see, with its version.
async fn load(
    store: &crate::store::Store,
    who: &Principal,
    id: i64,
    now: DateTime<Utc>,
) -> Result<EditableStory, EditorialError> {
    let record = store
        .editorial_story(id, now)
        .await?
        .ok_or(EditorialError::NotFound("story"))?;
    let status = StoryStatus::at(record.story.published_at, now);
    if !can_read(who, record.owner_id, status) {
        return Err(EditorialError::NotFound("story"));
    }
    Ok(EditableStory::from_record(record, who, now))
}

/// A listed story and where it stands.
fn list_item(story: ListedStory, who: &Principal, now: DateTime<Utc>) -> StoryListItem {
    let status = StoryStatus::at(story.published_at, now);
    StoryListItem {
        allowed: allowed(who, story.owner_id, status),
        status,
        story,
    }
}
