//! The demo's live coverage: a sample story's `live_entries` (a key of the
//! demo's JSON only, taken out before the story is read as story JSON),
//! posted after the story, a few minutes apart, oldest first, by the
//! author named in each.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::editorial::live::{NewEntry, import_entry};
use crate::store::Store;

/// One entry as the demo's JSON writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoEntry {
    title: Option<String>,
    body_markdown: String,
    author: String,
    #[serde(default)]
    key_event: bool,
    /// How long after the story it was posted.
    minutes_after: i64,
}

/// Takes `story`'s `live_entries` out of its JSON, for [`post_entries`].
pub fn take_entries(story: &mut Value) -> Option<Value> {
    story.as_object_mut()?.remove("live_entries")
}

/// Posts `entries` (as [`take_entries`] gave them) in story `story_id`,
/// published at `published`; an entry meant after `now` is posted at `now`.
pub async fn post_entries(
    store: &Store,
    story_id: i64,
    entries: Value,
    published: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, String> {
    let entries: Vec<DemoEntry> = serde_json::from_value(entries).map_err(|e| e.to_string())?;
    let count = entries.len();
    for entry in entries {
        let at = (published + Duration::minutes(entry.minutes_after)).min(now);
        let new = NewEntry {
            title: entry.title,
            body_markdown: entry.body_markdown,
            key_event: entry.key_event,
            breaking: false,
            draft: false,
        };
        import_entry(store, story_id, &entry.author, new, at)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(count)
}
