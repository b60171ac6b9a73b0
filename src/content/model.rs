//! The content model as the rest of Herald sees it: a story with its parts
//! (DESIGN.md, "The page a reader sees") and the topics it belongs to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every site has this topic; breaking news reaches its followers, and new
/// subscribers follow it by default.
pub const BREAKING_TOPIC: &str = "breaking";

/// Whether a story with `topics` is in the [`BREAKING_TOPIC`] topic, which
/// makes its notifications breaking news (urgent, and not spread unless
/// asked).
pub fn in_breaking_topic(topics: &[TopicRef]) -> bool {
    topics.iter().any(|t| t.slug == BREAKING_TOPIC)
}

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

/// Labels an author may start a credit with; such a credit is shown as
/// written, any other after "Image credit:".
const CREDIT_LABELS: [&str; 9] = [
    "photo:",
    "photo by",
    "photograph:",
    "picture:",
    "image:",
    "image by",
    "credit:",
    "illustration:",
    "graphic:",
];

impl Image {
    /// The caption that credits the image: "Image credit: Ana Photographer",
    /// or "Photo: Ana Photographer" as written, never "Image credit:
    /// Photo: …".
    pub fn credit_line(&self) -> Option<String> {
        let credit = self.credit.as_deref()?.trim();
        if credit.is_empty() {
            return None;
        }
        let lower = credit.to_lowercase();
        if CREDIT_LABELS.iter().any(|label| lower.starts_with(label)) {
            Some(credit.to_owned())
        } else {
            Some(format!("Image credit: {credit}"))
        }
    }
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
    /// What search engines and social posts show instead of the headline,
    /// standfirst and featured image.
    pub seo: super::Seo,
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
    /// Live coverage: the story holds entries, newest first.
    pub live: bool,
    /// When the live coverage ended; `None` while it lasts (or never was).
    pub live_ended_at: Option<DateTime<Utc>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credit_is_labelled_once() {
        let image = |credit: Option<&str>| Image {
            src: "/media/x.jpg".into(),
            alt: "x".into(),
            credit: credit.map(str::to_owned),
        };
        let line = |credit| image(Some(credit)).credit_line();
        assert_eq!(line("Ana Lind").as_deref(), Some("Image credit: Ana Lind"));
        assert_eq!(line("Photo: Ana Lind").as_deref(), Some("Photo: Ana Lind"));
        assert_eq!(
            line("photo by Ana Lind").as_deref(),
            Some("photo by Ana Lind")
        );
        assert_eq!(
            line("Illustration: Herald demo").as_deref(),
            Some("Illustration: Herald demo")
        );
        assert_eq!(
            line("Photographer's own").as_deref(),
            Some("Image credit: Photographer's own")
        );
        assert_eq!(line("  ").as_deref(), None);
        assert_eq!(image(None).credit_line(), None);
    }
}
