//! The page templates (askama, compiled into the binary, HTML-escaped by
//! default) and the view models they read. View models hold display-ready
//! values so that templates contain no logic beyond loops and conditions.

use askama::Template;
use chrono_tz::Tz;

use crate::content::{Image, Story, StorySummary, Topic, TopicRef};
use crate::content::{dates, images};

/// What every page shares: the site's name, navigation and assets.
#[derive(Debug, Clone)]
pub struct SiteView {
    pub name: String,
    pub description: String,
    pub language: String,
    pub og_locale: String,
    pub nav_topics: Vec<TopicRef>,
    /// The slug of the topic whose page this is, marked in the navigation.
    pub current_topic: Option<String>,
    pub stylesheet: String,
    pub script: String,
    pub prompt_text: String,
    pub prompt_delay_seconds: u32,
    pub prompt_scroll_fraction: f64,
    pub prompt_snooze_days: u32,
    /// The name under the Home Screen icon (`site.short_name`).
    pub short_name: String,
    /// The browser bar's colour (`site.theme_color`).
    pub theme_color: String,
}

/// How many navigation topics a phone shows on the header's one line; the
/// rest are under "More topics".
pub const NAV_INLINE_PHONE: usize = 3;
/// How many a wider screen shows inline; any more are under "More topics".
pub const NAV_INLINE_WIDE: usize = 4;

impl SiteView {
    /// Whether `slug` is the topic whose page this is.
    pub fn is_current(&self, slug: &str) -> bool {
        self.current_topic.as_deref() == Some(slug)
    }

    /// Whether the navigation needs "More topics" on a phone…
    pub fn nav_more_on_phone(&self) -> bool {
        self.nav_topics.len() > NAV_INLINE_PHONE
    }

    /// …and on a wider screen.
    pub fn nav_more_on_wide(&self) -> bool {
        self.nav_topics.len() > NAV_INLINE_WIDE
    }

    /// The topic whose page this is, when it is under "More topics" (whose
    /// closed summary then reads as that topic, so the reader still sees
    /// where they are), and whether only a phone puts it there.
    pub fn current_in_more(&self) -> Option<(&TopicRef, bool)> {
        let index = self
            .nav_topics
            .iter()
            .position(|t| self.is_current(&t.slug))?;
        (index >= NAV_INLINE_PHONE).then(|| (&self.nav_topics[index], index < NAV_INLINE_WIDE))
    }
}

/// An alternate (feed) link in the page head.
#[derive(Debug, Clone)]
pub struct FeedLink {
    pub mime: &'static str,
    pub title: String,
    pub href: String,
}

/// An image for social cards, with an absolute URL.
#[derive(Debug, Clone)]
pub struct SocialImage {
    pub url: String,
    pub alt: String,
}

/// Article facts for the head of a story page.
#[derive(Debug, Clone)]
pub struct ArticleHead {
    pub published: String,
    pub modified: String,
    pub sections: Vec<String>,
    /// Already made safe for a `<script>` element.
    pub json_ld: String,
}

/// The head of a page: title, description, canonical URL, social tags.
#[derive(Debug, Clone)]
pub struct PageMeta {
    pub title: String,
    pub og_title: String,
    pub description: String,
    pub canonical: String,
    pub og_type: &'static str,
    pub image: Option<SocialImage>,
    pub feeds: Vec<FeedLink>,
    pub article: Option<ArticleHead>,
    pub noindex: bool,
    /// Whether the page may offer the soft prompt for notifications.
    pub prompt: bool,
    /// What the header's search box shows: the query, on a search page.
    pub search_query: String,
}

/// An image as a page shows it: with its intrinsic size (so nothing shifts
/// while it loads) and, for uploaded images, the sizes it is stored at.
#[derive(Debug, Clone)]
pub struct ImageView {
    pub src: String,
    pub alt: String,
    pub credit: Option<String>,
    pub width: u32,
    pub height: u32,
    /// `None` for images hosted elsewhere, GIF and SVG, and small images.
    pub srcset: Option<String>,
}

impl ImageView {
    /// `fallback` is the size to state when the image's own is unknown:
    /// the box the stylesheet gives it.
    fn new(image: &Image, fallback: (u32, u32)) -> ImageView {
        let responsive = images::responsive(&image.src);
        let (width, height) = responsive
            .as_ref()
            .map_or(fallback, |r| (r.width, r.height));
        ImageView {
            src: image.src.clone(),
            alt: image.alt.clone(),
            credit: image.credit_line(),
            width,
            height,
            srcset: responsive.and_then(|r| r.srcset),
        }
    }
}

/// A story in a list.
#[derive(Debug, Clone)]
pub struct Card {
    pub path: String,
    pub headline: String,
    pub standfirst: String,
    pub image: Option<ImageView>,
    pub topics: Vec<TopicRef>,
    pub sample: bool,
    pub published_iso: String,
    pub published_human: String,
}

impl Card {
    /// A story's card, its time shown in `zone`.
    pub fn new(story: &StorySummary, zone: Tz) -> Card {
        Card {
            path: story.path(),
            headline: story.headline.clone(),
            standfirst: story.standfirst.clone(),
            image: story.image.as_ref().map(|i| ImageView::new(i, (320, 180))),
            topics: story.topics.clone(),
            sample: story.sample,
            published_iso: story.published_at.to_rfc3339(),
            published_human: dates::full(story.published_at, zone),
        }
    }
}

/// Links between the pages of a list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// The strip over the lead while a breaking story is fresh.
#[derive(Debug, Clone)]
pub struct BreakingBand {
    pub path: String,
    pub headline: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage<'a> {
    pub site: &'a SiteView,
    pub meta: PageMeta,
    /// Page 1's lead story, laid out larger, not repeated in `stories`.
    pub lead: Option<Card>,
    pub breaking: Option<BreakingBand>,
    pub stories: Vec<Card>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "topic.html")]
pub struct TopicPage<'a> {
    pub site: &'a SiteView,
    pub meta: PageMeta,
    pub topic: Topic,
    pub stories: Vec<Card>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "topics.html")]
pub struct TopicsPage<'a> {
    pub site: &'a SiteView,
    pub meta: PageMeta,
    pub topics: Vec<Topic>,
}

#[derive(Template)]
#[template(path = "story.html")]
pub struct StoryPage<'a> {
    pub site: &'a SiteView,
    pub meta: PageMeta,
    pub story: Story,
    pub authors: String,
    pub published_iso: String,
    pub published_human: String,
    /// ISO and human forms of the "Updated" time.
    pub updated: Option<(String, String)>,
    pub body_html: String,
    /// The newsroom's correction note, if the story has one.
    pub correction: Option<CorrectionView>,
    /// A preview of a story not yet on the site.
    pub preview: bool,
    /// Other stories on its topics, newest first ("More on …").
    pub related: Vec<Card>,
    /// The heading over them: "More on Politics and World News".
    pub related_heading: String,
    /// Plain share links (no third-party script), the story's address
    /// and title already in each.
    pub share: Vec<ShareLink>,
    /// A live story's entries, key events and coverage state.
    pub live: Option<super::live::LiveView>,
}

/// One live entry (`live_entry.html`), on the page and in its stream.
#[derive(Template)]
#[template(path = "live_entry.html")]
pub struct LiveEntryPartial<'a> {
    pub entry: &'a super::live::EntryView,
}

/// One link of the "Key events" list (`key_event.html`), on the page and
/// in its stream.
#[derive(Template)]
#[template(path = "key_event.html")]
pub struct KeyEventPartial<'a> {
    pub event: &'a super::live::KeyEventView,
}

/// Whether the coverage lasts or when it ended (`live_status.html`), on
/// the page and in its stream.
#[derive(Template)]
#[template(path = "live_status.html")]
pub struct LiveStatusPartial {
    pub ended: Option<(String, String)>,
    /// The story's slug for its "Follow this story" toggle, while the
    /// coverage lasts on the page (none in a preview or in the stream).
    pub follow: Option<String>,
}

/// A link that shares a story on one service.
#[derive(Debug, Clone)]
pub struct ShareLink {
    pub service: &'static str,
    pub href: String,
    /// A web page of the service, opened beside the story (not email).
    pub new_tab: bool,
}

/// A correction note as the story page shows it.
#[derive(Debug, Clone)]
pub struct CorrectionView {
    pub text: String,
    pub at_iso: String,
    pub at_human: String,
}

impl StoryPage<'_> {
    /// The featured image, for the template.
    pub fn featured_image(&self) -> Option<ImageView> {
        self.story
            .image
            .as_ref()
            .map(|i| ImageView::new(i, (1200, 675)))
    }

    /// The slug the "Follow this story" toggle follows: none in a preview,
    /// whose story readers cannot follow yet.
    pub fn follow_story(&self) -> Option<String> {
        (!self.preview).then(|| self.story.slug.clone())
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage<'a> {
    pub site: &'a SiteView,
    pub meta: PageMeta,
    pub topics: Vec<Topic>,
}

/// `/notifications/missed`: the list is read in the browser, with the
/// reader's token.
#[derive(Template)]
#[template(path = "missed.html")]
pub struct MissedPage<'a> {
    pub site: &'a SiteView,
    pub meta: PageMeta,
    pub missed_script: String,
}

/// `/search`: what was asked, what was found.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage<'a> {
    pub site: &'a SiteView,
    pub meta: PageMeta,
    pub heading: String,
    /// One sentence: how many stories match, or why none can.
    pub summary: String,
    /// How to search, when the reader may need telling.
    pub help: String,
    /// The topic searched in: its link, and the same search without it.
    pub topic: Option<TopicRef>,
    pub all_topics_href: String,
    pub results: Vec<SearchResultView>,
    pub pager: Pager,
}

/// One story found, as the search page shows it.
#[derive(Debug, Clone)]
pub struct SearchResultView {
    pub path: String,
    pub headline: String,
    pub standfirst: String,
    /// Escaped text with the terms in `<mark>` (see `crate::search::snippet_html`).
    pub snippet_html: String,
    pub published_iso: String,
    pub published_human: String,
    pub topics: Vec<TopicRef>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub site: &'a SiteView,
    pub meta: PageMeta,
    pub heading: String,
    pub message: String,
}

/// "A", "A and B", "A, B and C".
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_join_like_a_byline() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_names(&names(&[])), "");
        assert_eq!(join_names(&names(&["Ana"])), "Ana");
        assert_eq!(join_names(&names(&["Ana", "Ben"])), "Ana and Ben");
        assert_eq!(join_names(&names(&["Ana", "Ben", "Cy"])), "Ana, Ben and Cy");
    }
}
