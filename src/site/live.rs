//! A live story on its page: the entries (newest first, each an
//! `<article id="entry-{id}">`), the "Key events" list that links to them,
//! and whether the coverage lasts or when it ended, as display-ready
//! values for `templates/story.html` and its partials (`live_entry.html`,
//! `key_event.html`, `live_status.html`), which the live stream
//! (`super::live_stream`) renders too; and the same entries as the page's
//! `LiveBlogPosting` updates.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::content::excerpt::plain_excerpt;
use crate::content::{Story, dates, jsonld, markdown};
use crate::store::LiveEntryRecord;

/// How many of the latest entries the JSON-LD lists as `liveBlogUpdate`.
const JSONLD_UPDATES: usize = 10;
/// The longest key-event label made from an entry without a title.
const KEY_EVENT_LABEL_CHARS: usize = 80;

/// The live part of a story's page.
#[derive(Debug, Clone)]
pub struct LiveView {
    /// ISO and human forms of when the coverage ended; `None` while live.
    pub ended: Option<(String, String)>,
    /// The key events, newest first.
    pub key_events: Vec<KeyEventView>,
    /// Every posted entry, newest first.
    pub entries: Vec<EntryView>,
    /// Where new entries stream from, while the coverage lasts.
    pub stream: Option<StreamView>,
}

impl LiveView {
    /// Whether the page listens for new entries.
    pub fn streamed(&self) -> bool {
        self.stream.is_some()
    }
}

/// The page's event stream: its address and the site's live change
/// number the page was rendered at (the stream tells what came after).
#[derive(Debug, Clone)]
pub struct StreamView {
    pub events: String,
    pub seq: i64,
    /// The script that listens (`static/live.js`).
    pub script: String,
}

/// A link in the "Key events" list.
#[derive(Debug, Clone)]
pub struct KeyEventView {
    pub id: i64,
    pub label: String,
    pub at_iso: String,
    pub at_clock: String,
}

/// One entry as the page shows it.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub id: i64,
    pub title: Option<String>,
    pub body_html: String,
    pub author: String,
    pub at_iso: String,
    pub at_human: String,
    pub key_event: bool,
}

/// The live part of `story`'s page from its posted `entries` (in any
/// order), read after the site's live change number `seq` (which new
/// entries stream after; `None`: a page that does not stream, a preview);
/// `None` for a story that is not live.
pub fn live_view(
    story: &Story,
    entries: &[LiveEntryRecord],
    seq: Option<i64>,
    zone: Tz,
) -> Option<LiveView> {
    if !story.live {
        return None;
    }
    let newest_first = newest_first(entries);
    Some(LiveView {
        ended: ended_view(story.live_ended_at, zone),
        key_events: newest_first
            .iter()
            .filter(|e| e.key_event)
            .map(|e| key_event_view(e, zone))
            .collect(),
        entries: newest_first.iter().map(|e| entry_view(e, zone)).collect(),
        stream: seq
            .filter(|_| story.live_ended_at.is_none())
            .map(|seq| StreamView {
                events: format!("{}/events", story.path()),
                seq,
                script: super::assets::live_script_path(),
            }),
    })
}

/// When the coverage ended, ISO and human; `None` while it lasts.
pub fn ended_view(ended_at: Option<DateTime<Utc>>, zone: Tz) -> Option<(String, String)> {
    ended_at.map(|at| (dates::iso(at), dates::full(at, zone)))
}

/// A posted entry as the page shows it.
pub fn entry_view(entry: &LiveEntryRecord, zone: Tz) -> EntryView {
    EntryView {
        id: entry.id,
        title: entry.title.clone(),
        body_html: markdown::render_body(&entry.body_markdown),
        author: entry.author_name.clone(),
        at_iso: dates::iso(posted(entry)),
        at_human: dates::full(posted(entry), zone),
        key_event: entry.key_event,
    }
}

/// A key event's link in the "Key events" list.
pub fn key_event_view(entry: &LiveEntryRecord, zone: Tz) -> KeyEventView {
    KeyEventView {
        id: entry.id,
        label: label(entry),
        at_iso: dates::iso(posted(entry)),
        at_clock: dates::clock(posted(entry), zone),
    }
}

/// The latest entries as `liveBlogUpdate`s, newest first, each at
/// `{canonical}#entry-{id}`.
pub fn jsonld_updates(canonical: &str, entries: &[LiveEntryRecord]) -> Vec<jsonld::LiveUpdate> {
    newest_first(entries)
        .into_iter()
        .take(JSONLD_UPDATES)
        .map(|e| jsonld::LiveUpdate {
            url: format!("{canonical}#entry-{}", e.id),
            headline: label(e),
            body: plain_excerpt(&e.body_markdown),
            published: posted(e),
            modified: e.updated_at,
            author: e.author_name.clone(),
        })
        .collect()
}

/// The entries by posting time, newest first.
pub(super) fn newest_first(entries: &[LiveEntryRecord]) -> Vec<&LiveEntryRecord> {
    let mut sorted: Vec<&LiveEntryRecord> = entries.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse((posted(e), e.id)));
    sorted
}

/// When a posted entry was first posted.
pub(super) fn posted(entry: &LiveEntryRecord) -> DateTime<Utc> {
    entry.published_at.unwrap_or(entry.created_at)
}

/// An entry's title, or the start of its text.
pub(super) fn label(entry: &LiveEntryRecord) -> String {
    if let Some(title) = &entry.title {
        return title.clone();
    }
    let text = plain_excerpt(&entry.body_markdown);
    if text.chars().count() <= KEY_EVENT_LABEL_CHARS {
        return text;
    }
    let cut: String = text.chars().take(KEY_EVENT_LABEL_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::EntryState;

    fn entry(id: i64, posted_at: i64, title: Option<&str>, body: &str) -> LiveEntryRecord {
        let at = DateTime::from_timestamp(posted_at, 0).unwrap_or_default();
        LiveEntryRecord {
            id,
            story_id: 1,
            author_id: None,
            author_name: "Ana".to_owned(),
            title: title.map(str::to_owned),
            body_markdown: body.to_owned(),
            key_event: false,
            breaking: false,
            state: EntryState::Posted,
            published_at: Some(at),
            created_at: at,
            updated_at: at,
            seq: id,
        }
    }

    #[test]
    fn a_draft_posted_later_comes_first_by_its_posting_time() {
        // Entry 1 was a draft posted after entry 2.
        let entries = [entry(1, 2_000, None, "a"), entry(2, 1_000, None, "b")];
        let order: Vec<i64> = newest_first(&entries).iter().map(|e| e.id).collect();
        assert_eq!(order, [1, 2]);
        let same_second = [entry(3, 1_000, None, "a"), entry(4, 1_000, None, "b")];
        let order: Vec<i64> = newest_first(&same_second).iter().map(|e| e.id).collect();
        assert_eq!(order, [4, 3]);
    }

    #[test]
    fn a_label_is_the_title_or_the_start_of_the_text() {
        assert_eq!(label(&entry(1, 0, Some("Title"), "Body")), "Title");
        assert_eq!(
            label(&entry(1, 0, None, "The **river** rises.")),
            "The river rises."
        );
        let long = label(&entry(1, 0, None, &"word ".repeat(40)));
        assert!(long.ends_with('…'), "{long}");
        assert!(long.chars().count() <= KEY_EVENT_LABEL_CHARS, "{long}");
    }
}
