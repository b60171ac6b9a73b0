//! The content model as the rest of Herald sees it: a story with its parts
//! (DESIGN.md, "The page a reader sees") and the topics it belongs to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every site has this topic; breaking news reaches its followers, and new
/// subscribers follow it by default.
pub const BREAKING_TOPIC: &str = "breaking";

/// A topic such as "Politics": a page, a feed, and something readers follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The most recent publication or edit among the topic's stories.
    pub last_modified: Option<DateTime<Utc>>,
    pub story_count: i64,
}

/// The part of a topic a story shows: its name and where its page is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRef {
    pub slug: String,
    pub name: String,
}

impl TopicRef {
    pub fn path(&self) -> String {
        format!("/topics/{}", self.slug)
    }
}

/// A story's featured image. `src` is a site path (`/media/…`) or an
/// absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub src: String,
    pub alt: String,
    pub credit: Option<String>,
}

/// The box that asks the reader to act, e.g. "To donate to the emergency
/// appeal, go here".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallToAction {
    pub text: String,
    pub url: String,
}

/// A whole story as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_markdown: String,
    pub image: Option<Image>,
    pub call_to_action: Option<CallToAction>,
    pub authors: Vec<String>,
    pub topics: Vec<TopicRef>,
    /// Demo content, labelled as such on the page.
    pub sample: bool,
    /// `None` for a draft; in the future for a scheduled story.
    pub published_at: Option<DateTime<Utc>>,
    /// Set when the story was edited after it was published.
    pub updated_at: Option<DateTime<Utc>>,
    /// The last change of any kind: drives `Last-Modified` and sitemaps.
    pub modified_at: DateTime<Utc>,
}

impl Story {
    pub fn path(&self) -> String {
        story_path(&self.slug)
    }

    /// Whether a reader may see the story at `now`.
    pub fn is_visible(&self, now: DateTime<Utc>) -> bool {
        self.published_at.is_some_and(|at| at <= now)
    }
}

/// A story as listed on the home and topic pages and in feeds: no body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorySummary {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub image: Option<Image>,
    pub authors: Vec<String>,
    pub topics: Vec<TopicRef>,
    pub sample: bool,
    pub published_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub modified_at: DateTime<Utc>,
}

impl StorySummary {
    pub fn path(&self) -> String {
        story_path(&self.slug)
    }
}

/// Where a story with this slug lives on the site.
pub fn story_path(slug: &str) -> String {
    format!("/stories/{slug}")
}
