//! Live coverage: the entries of a live story (`"live": true`), one
//! function per rule, whoever asks (the admin API, later the live desk).
//!
//! - A **contributor** drafts entries, and changes or deletes only their
//!   own drafts; an **editor** or **admin** posts entries (or drafts them,
//!   asked), posts drafts, and changes or deletes any entry.
//! - An entry can be written only in a live story (`story_not_live`), and
//!   posted only while its coverage has not ended (`live_ended`); entries
//!   can still be corrected or deleted after the end.
//! - Its body is Markdown with the story body's rules and embeds, not
//!   empty and at most [`MAX_ENTRY_CHARS`] characters; its title is
//!   optional, one line (`invalid_entry`, every field named).
//! - Deleting is soft: a deleted entry leaves the site, and changing it
//!   again is refused with `entry_deleted`.
//! - Every write bumps the site's content version (cached pages go) and
//!   takes the next live change number, in one transaction (the store).
//! - A **key event** posted while the coverage lasts (posted as one, a
//!   draft posted, or a posted entry made one) notifies the story's
//!   followers once: its job is written with the entry, and never again
//!   for later edits of it ([`notifies`]). Imported entries (the demo's)
//!   notify nobody.

use chrono::{DateTime, Utc};

use super::{EditorialError, load, require_publisher};
use crate::accounts::Principal;
use crate::content::Story;
use crate::content::input::{FieldError, InputErrors, one_line};
use crate::store::{
    Conflict, EntryAuthor, EntryState, EntryWrite, LiveEntryRecord, Store, StoreError,
};

/// The longest entry body, in characters.
pub const MAX_ENTRY_CHARS: usize = 50_000;
/// The longest entry title, in characters.
pub const MAX_ENTRY_TITLE_CHARS: usize = 200;
/// The most entries one read returns: a client asks again after the last.
pub const MAX_ENTRIES_PER_READ: i64 = 500;
/// The most entries the page and the feeds show: the latest.
pub const MAX_ENTRIES_SHOWN: i64 = 500;

/// A new entry as asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEntry {
    pub title: Option<String>,
    pub body_markdown: String,
    pub key_event: bool,
    pub breaking: bool,
    /// Keep it off the site (always so for a contributor's).
    pub draft: bool,
}

/// An entry just written, and the page it shows on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenEntry {
    pub entry: LiveEntryRecord,
    /// The story's page; the entry is its `#entry-{id}`.
    pub story_path: String,
}

/// The changes asked of an entry; `None` keeps a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryChanges {
    /// `Some(None)` removes the title.
    pub title: Option<Option<String>>,
    pub body_markdown: Option<String>,
    pub key_event: Option<bool>,
    pub breaking: Option<bool>,
    /// Post a draft (editors and admins).
    pub post: bool,
}

/// Writes a new entry in story `story_id`: posted when `who` may post and
/// did not ask for a draft, else a draft.
pub async fn post_entry(
    store: &Store,
    who: &Principal,
    story_id: i64,
    entry: NewEntry,
    now: DateTime<Utc>,
) -> Result<WrittenEntry, EditorialError> {
    let story = live_story(store, who, story_id, now, Coverage::Open).await?;
    let state = if entry.draft || !who.role.can_publish() {
        EntryState::Draft
    } else {
        EntryState::Posted
    };
    let write = checked(new_write(entry, state))?;
    let author = EntryAuthor {
        user_id: Some(who.user_id),
        name: who.name.clone(),
    };
    let notify = notifies(&story, &write);
    let entry = match store
        .insert_live_entry(story_id, &author, &write, notify, now)
        .await
    {
        Ok(entry) => entry,
        // Ended (or made not live) since it was read: told as such.
        Err(StoreError::Conflict(Conflict::LiveCoverageClosed(_))) => {
            live_story(store, who, story_id, now, Coverage::Open).await?;
            return Err(EditorialError::NotLive);
        }
        Err(e) => return Err(e.into()),
    };
    Ok(WrittenEntry {
        entry,
        story_path: story.path(),
    })
}

/// Changes entry `entry_id` of story `story_id`, and posts it if asked.
pub async fn edit_entry(
    store: &Store,
    who: &Principal,
    story_id: i64,
    entry_id: i64,
    changes: EntryChanges,
    now: DateTime<Utc>,
) -> Result<WrittenEntry, EditorialError> {
    let coverage = if changes.post {
        Coverage::Open
    } else {
        Coverage::Any
    };
    let story = live_story(store, who, story_id, now, coverage).await?;
    let current = writable_entry(store, who, story_id, entry_id).await?;
    if changes.post {
        require_publisher(who, "post live entries")?;
    }
    let mut write = written(current);
    if changes.post {
        write.state = EntryState::Posted;
    }
    let write = checked(EntryWrite {
        title: changes.title.unwrap_or(write.title),
        body_markdown: changes.body_markdown.unwrap_or(write.body_markdown),
        key_event: changes.key_event.unwrap_or(write.key_event),
        breaking: changes.breaking.unwrap_or(write.breaking),
        state: write.state,
    })?;
    rewrite(store, &story, entry_id, &write, now).await
}

/// Posts imported `entry` (the demo's; no account: `author` is a name) in
/// live story `story_id` at `at`, by the same rules of what an entry may
/// hold.
pub async fn import_entry(
    store: &Store,
    story_id: i64,
    author: &str,
    entry: NewEntry,
    at: DateTime<Utc>,
) -> Result<LiveEntryRecord, EditorialError> {
    let write = checked(new_write(entry, EntryState::Posted))?;
    let author = EntryAuthor {
        user_id: None,
        name: author.to_owned(),
    };
    Ok(store
        .insert_live_entry(story_id, &author, &write, false, at)
        .await?)
}

/// Takes entry `entry_id` of story `story_id` off the site.
pub async fn delete_entry(
    store: &Store,
    who: &Principal,
    story_id: i64,
    entry_id: i64,
    now: DateTime<Utc>,
) -> Result<WrittenEntry, EditorialError> {
    let story = live_story(store, who, story_id, now, Coverage::Any).await?;
    let current = writable_entry(store, who, story_id, entry_id).await?;
    let write = EntryWrite {
        state: EntryState::Deleted,
        ..written(current)
    };
    rewrite(store, &story, entry_id, &write, now).await
}

/// Ends story `story_id`'s live coverage: its entries stay, no more come.
pub async fn end_coverage(
    store: &Store,
    who: &Principal,
    story_id: i64,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, EditorialError> {
    require_publisher(who, "end live coverage")?;
    live_story(store, who, story_id, now, Coverage::Open).await?;
    store.end_live_coverage(story_id, now).await?;
    Ok(now)
}

/// The posted entries of a story readers may see, in id order after
/// entry `after` (0: from the first), at most [`MAX_ENTRIES_PER_READ`]:
/// the public read.
pub async fn posted_entries(
    store: &Store,
    story: &Story,
    after: i64,
) -> Result<Vec<LiveEntryRecord>, StoreError> {
    if !story.live {
        return Ok(Vec::new());
    }
    store
        .live_entries(story.id, EntryState::Posted, after, MAX_ENTRIES_PER_READ)
        .await
}

/// The story at `slug` when it is on the site at `now` (any story: the
/// caller asks whether it is live); `None` for a malformed slug too.
pub async fn story_on_the_site(
    store: &Store,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<Option<Story>, StoreError> {
    if !crate::content::slug::is_valid(slug) {
        return Ok(None);
    }
    Ok(store
        .story_by_slug(slug)
        .await?
        .filter(|s| s.is_visible(now)))
}

/// What the live desk shows: the story, its entries, and how many follow it.
#[derive(Debug, Clone)]
pub struct Desk {
    pub story: Story,
    /// Newest first.
    pub entries: Vec<LiveEntryRecord>,
    /// The subscriptions following the story now (lapsed follows left out):
    /// whom a key event would notify, besides Breaking news' followers for
    /// a breaking one.
    pub followers: i64,
}

/// What the live desk lists for `who`: live story `story_id` (ended or
/// not), its latest [`MAX_ENTRIES_SHOWN`] entries, newest first, posted
/// ones and drafts (a contributor's list holds their own drafts only),
/// never deleted ones, and its follower count.
pub async fn desk_entries(
    store: &Store,
    who: &Principal,
    story_id: i64,
    now: DateTime<Utc>,
) -> Result<Desk, EditorialError> {
    let story = live_story(store, who, story_id, now, Coverage::Any).await?;
    let mut entries = store.desk_live_entries(story_id, MAX_ENTRIES_SHOWN).await?;
    entries.retain(|e| on_the_desk_of(who, e));
    let followers = store
        .story_follower_count(story_id, now.timestamp())
        .await?;
    Ok(Desk {
        story,
        entries,
        followers,
    })
}

/// Entry `entry_id` of live story `story_id` as the desk shows it to
/// `who` (however old), with its story; `not_found` when the desk does not
/// show it: deleted, of another story, or a contributor's draft to another.
pub async fn desk_entry(
    store: &Store,
    who: &Principal,
    story_id: i64,
    entry_id: i64,
    now: DateTime<Utc>,
) -> Result<(Story, LiveEntryRecord), EditorialError> {
    let story = live_story(store, who, story_id, now, Coverage::Any).await?;
    match store.live_entry(entry_id).await? {
        Some(entry)
            if entry.story_id == story_id
                && entry.state != EntryState::Deleted
                && on_the_desk_of(who, &entry) =>
        {
            Ok((story, entry))
        }
        _ => Err(EditorialError::NotFound("entry")),
    }
}

/// Whether `who`'s desk shows `entry` (not deleted): editors see every
/// draft, a contributor the posted entries and their own drafts.
fn on_the_desk_of(who: &Principal, entry: &LiveEntryRecord) -> bool {
    who.role.can_publish()
        || entry.state == EntryState::Posted
        || entry.author_id == Some(who.user_id)
}

/// Stores `write` over entry `entry_id` of `story`.
async fn rewrite(
    store: &Store,
    story: &Story,
    entry_id: i64,
    write: &EntryWrite,
    now: DateTime<Utc>,
) -> Result<WrittenEntry, EditorialError> {
    let entry = store
        .update_live_entry(entry_id, write, notifies(story, write), now)
        .await?
        .ok_or(EditorialError::NotFound("entry"))?;
    Ok(WrittenEntry {
        entry,
        story_path: story.path(),
    })
}

/// Whether writing `write` in `story` notifies the story's followers of a
/// key event: a posted key event while the coverage lasts. (One marked
/// after the end corrects the record; it is not news to alert of.) The
/// store writes each entry's notification once, whatever later writes ask.
fn notifies(story: &Story, write: &EntryWrite) -> bool {
    write.state == EntryState::Posted && write.key_event && story.live_ended_at.is_none()
}

/// Whether a write needs the coverage still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coverage {
    /// Posting, ending: only while it lasts.
    Open,
    /// Correcting, deleting: also after it ended.
    Any,
}

/// The latest posted entries of a story readers may see, at most
/// [`MAX_ENTRIES_SHOWN`]: the page and the feeds.
pub async fn latest_entries(
    store: &Store,
    story: &Story,
) -> Result<Vec<LiveEntryRecord>, StoreError> {
    if !story.live {
        return Ok(Vec::new());
    }
    store
        .latest_live_entries(story.id, EntryState::Posted, MAX_ENTRIES_SHOWN)
        .await
}

/// The story, when `who` may see it, it is live, and its coverage is as
/// `coverage` needs.
async fn live_story(
    store: &Store,
    who: &Principal,
    story_id: i64,
    now: DateTime<Utc>,
    coverage: Coverage,
) -> Result<Story, EditorialError> {
    let story = load(store, who, story_id, now).await?.story;
    if !story.live {
        return Err(EditorialError::NotLive);
    }
    if let (Some(at), Coverage::Open) = (story.live_ended_at, coverage) {
        return Err(EditorialError::LiveEnded(at));
    }
    Ok(story)
}

/// The entry, when it belongs to the story, is not deleted, and `who` may
/// change it.
async fn writable_entry(
    store: &Store,
    who: &Principal,
    story_id: i64,
    entry_id: i64,
) -> Result<LiveEntryRecord, EditorialError> {
    let entry = store
        .live_entry(entry_id)
        .await?
        .filter(|e| e.story_id == story_id)
        .ok_or(EditorialError::NotFound("entry"))?;
    if entry.state == EntryState::Deleted {
        return Err(EditorialError::EntryDeleted);
    }
    let own_draft = entry.state == EntryState::Draft && entry.author_id == Some(who.user_id);
    if !who.role.can_publish() && !own_draft {
        return Err(EditorialError::Forbidden(
            "contributors change only their own draft entries".to_owned(),
        ));
    }
    Ok(entry)
}

/// A new entry as a write in `state`.
fn new_write(entry: NewEntry, state: EntryState) -> EntryWrite {
    EntryWrite {
        title: entry.title,
        body_markdown: entry.body_markdown,
        key_event: entry.key_event,
        breaking: entry.breaking,
        state,
    }
}

/// What entry `record` holds, as a write.
fn written(record: LiveEntryRecord) -> EntryWrite {
    EntryWrite {
        title: record.title,
        body_markdown: record.body_markdown,
        key_event: record.key_event,
        breaking: record.breaking,
        state: record.state,
    }
}

/// The write, with its text tidied, or every field at fault.
fn checked(mut write: EntryWrite) -> Result<EntryWrite, EditorialError> {
    let mut errors = Vec::new();
    write.title = write.title.map(|t| one_line(&t)).filter(|t| !t.is_empty());
    if write
        .title
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_ENTRY_TITLE_CHARS)
    {
        errors.push(FieldError {
            field: "title".to_owned(),
            message: format!("at most {MAX_ENTRY_TITLE_CHARS} characters"),
        });
    }
    if write.body_markdown.trim().is_empty() {
        errors.push(FieldError {
            field: "body_markdown".to_owned(),
            message: "must not be empty".to_owned(),
        });
    } else if write.body_markdown.chars().count() > MAX_ENTRY_CHARS {
        errors.push(FieldError {
            field: "body_markdown".to_owned(),
            message: format!("at most {MAX_ENTRY_CHARS} characters"),
        });
    }
    if errors.is_empty() {
        Ok(write)
    } else {
        Err(EditorialError::InvalidEntry(InputErrors(errors)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(body: &str) -> EntryWrite {
        EntryWrite {
            title: Some("  A  title ".to_owned()),
            body_markdown: body.to_owned(),
            key_event: false,
            breaking: false,
            state: EntryState::Posted,
        }
    }

    #[test]
    fn a_body_is_not_empty_and_not_too_long() {
        assert!(checked(write("Hello")).is_ok());
        for bad in ["", "  \n ", &"x".repeat(MAX_ENTRY_CHARS + 1)] {
            let Err(e) = checked(write(bad)) else {
                panic!("accepted {} characters", bad.len());
            };
            assert_eq!(e.code(), "invalid_entry");
            assert_eq!(e.field_errors()[0].field, "body_markdown");
        }
        assert!(checked(write(&"é".repeat(MAX_ENTRY_CHARS))).is_ok());
    }

    #[test]
    fn a_title_is_one_line_and_an_empty_one_is_none() {
        let tidy = checked(write("b")).expect("valid");
        assert_eq!(tidy.title.as_deref(), Some("A title"));
        let mut blank = write("b");
        blank.title = Some("  ".to_owned());
        assert_eq!(checked(blank).expect("valid").title, None);
    }
}
