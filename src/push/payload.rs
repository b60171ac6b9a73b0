//! What a story's notification says: the payload JSON the service worker
//! reads, fitted into the Web Push budget, and the RFC 8030 options.

use webpush::{Notification, PushOptions, Topic, Ttl, Urgency};

use super::BREAKING_TOPIC;
use crate::content::Story;
use crate::content::input::NotificationSettings;

/// The payload and options every recipient of a story's notification gets.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub payload: Vec<u8>,
    pub options: PushOptions,
}

/// Builds the notification for `story`: the headline and standfirst (or the
/// newsroom's override), absolute links, `tag` the story id so that a
/// duplicate replaces the first on the device; the body is shortened to fit.
pub fn prepare(
    story: &Story,
    settings: &NotificationSettings,
    ttl_seconds: u32,
    absolute: impl Fn(&str) -> String,
) -> Prepared {
    let mut extra = serde_json::Map::new();
    if let Some(image) = &story.image {
        let src = if image.src.starts_with('/') {
            absolute(&image.src)
        } else {
            image.src.clone()
        };
        extra.insert("image".into(), src.into());
    }
    let timestamp = story.published_at.map_or(0, |t| t.timestamp_millis());
    extra.insert("timestamp".into(), timestamp.into());
    let mut notification = Notification {
        title: settings
            .title
            .clone()
            .unwrap_or_else(|| story.headline.clone()),
        body: settings
            .body
            .clone()
            .unwrap_or_else(|| story.standfirst.clone()),
        url: Some(absolute(&story.path())),
        tag: Some(story.id.to_string()),
        icon: Some(absolute("/logo.svg")),
        extra,
    };
    // Titles and bodies are bounded at input, so this always fits; if it
    // did not, the text would be shortened here, never refused at send time.
    let _ = notification.fit(webpush::MAX_PLAINTEXT);
    let breaking = story.topics.iter().any(|t| t.slug == BREAKING_TOPIC);
    Prepared {
        payload: notification.to_json(),
        options: PushOptions {
            ttl: Ttl::from_secs(ttl_seconds),
            urgency: if breaking {
                Urgency::High
            } else {
                Urgency::Normal
            },
            topic: Some(Topic::from_story_id(story.id)),
            padding: 0,
        },
    }
}
