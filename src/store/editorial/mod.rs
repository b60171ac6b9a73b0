//! Storage for the newsroom's work on stories: who owns a story, its
//! version (lost-update detection), its correction note, its revision
//! history and the newsroom's story list. Saving content goes through
//! [`Store::save_story`] (stories.rs); this folder holds the other changes
//! and the reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::rows::{self, STORY_COLUMNS};
use super::stories::bump_version;
use super::{Store, StoreError};
use crate::content::{CallToAction, Image, Seo, Story, TopicRef};

mod autosaves;
mod changes;
mod preview_links;
mod revisions;
mod story_list;

pub use autosaves::{AutosaveRecord, EditingRecord};
pub use preview_links::PreviewLinkRecord;
pub(in crate::store) use {changes::*, revisions::*};
/// Who made a change, as the revision history remembers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
}

/// Where a story stands, for readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoryStatus {
    /// Not published, and no time set.
    Draft,
    /// Published at a time still to come.
    Scheduled,
    /// Visible on the site.
    Published,
}

impl StoryStatus {
    pub const ALL: [StoryStatus; 3] = [
        StoryStatus::Draft,
        StoryStatus::Scheduled,
        StoryStatus::Published,
    ];

    /// The status of a story published at `published_at`, seen at `now`.
    pub fn at(published_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoryStatus {
        match published_at {
            None => StoryStatus::Draft,
            Some(at) if at > now => StoryStatus::Scheduled,
            Some(_) => StoryStatus::Published,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StoryStatus::Draft => "draft",
            StoryStatus::Scheduled => "scheduled",
            StoryStatus::Published => "published",
        }
    }
}

impl std::str::FromStr for StoryStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<StoryStatus, String> {
        StoryStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a status; use draft, scheduled or published"))
    }
}

/// What a revision recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevisionAction {
    Created,
    Saved,
    Published,
    Scheduled,
    Unpublished,
    Corrected,
    Restored,
}

impl RevisionAction {
    const ALL: [RevisionAction; 7] = [
        RevisionAction::Created,
        RevisionAction::Saved,
        RevisionAction::Published,
        RevisionAction::Scheduled,
        RevisionAction::Unpublished,
        RevisionAction::Corrected,
        RevisionAction::Restored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevisionAction::Created => "created",
            RevisionAction::Saved => "saved",
            RevisionAction::Published => "published",
            RevisionAction::Scheduled => "scheduled",
            RevisionAction::Unpublished => "unpublished",
            RevisionAction::Corrected => "corrected",
            RevisionAction::Restored => "restored",
        }
    }

    fn parse(s: &str) -> Result<RevisionAction, StoreError> {
        RevisionAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("revision action {s:?}")))
    }
}

/// A story's editable fields as they were after a change: what a revision
/// keeps, compares and restores. Stored as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionSnapshot {
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_markdown: String,
    pub image: Option<Image>,
    pub call_to_action: Option<CallToAction>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub topics: Vec<TopicRef>,
    pub published_at: Option<DateTime<Utc>>,
    pub correction: Option<String>,
    /// Absent from revisions saved before stories had search fields.
    #[serde(default)]
    pub seo: Seo,
    /// Live coverage; absent from revisions saved before there was any.
    #[serde(default)]
    pub live: bool,
}

/// One entry of a story's revision history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionRecord {
    /// 1 for the first change recorded, then 2, 3…
    pub number: i64,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub action: RevisionAction,
    pub created_at: DateTime<Utc>,
    pub snapshot: RevisionSnapshot,
}

/// A correction note and when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub text: String,
    pub at: DateTime<Utc>,
}

/// A story with what the newsroom needs beside its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorialRecord {
    pub story: Story,
    pub version: i64,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub correction: Option<Correction>,
    pub created_at: DateTime<Utc>,
    /// When the story was first visible; `None` while it never was.
    pub first_published_at: Option<DateTime<Utc>>,
    pub revision_count: i64,
}

/// Which stories the newsroom list shows. Text filters ignore case (on
/// SQLite, ASCII case only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryQuery {
    pub status: Option<StoryStatus>,
    /// A topic slug.
    pub topic: Option<String>,
    pub owner_id: Option<i64>,
    /// One of the story's byline names, whole.
    pub author: Option<String>,
    /// Part of the headline.
    pub headline: Option<String>,
    /// Only stories this user owns, or that are visible on the site.
    pub readable_by: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// A story in the newsroom list: no body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedStory {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub authors: Vec<String>,
    pub topics: Vec<TopicRef>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub version: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revision_saved_before_search_fields_still_loads() {
        let old = r#"{"slug": "s", "headline": "H", "standfirst": "", "body_markdown": "B",
            "image": null, "call_to_action": null, "authors": [], "topics": [],
            "published_at": null, "correction": null}"#;
        let snapshot: RevisionSnapshot = serde_json::from_str(old).expect("old snapshot");
        assert_eq!(snapshot.seo, Seo::default());
    }
}
