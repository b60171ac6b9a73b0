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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Image, TopicRef};
    use chrono::{DateTime, Utc};

    fn story(topics: &[&str], standfirst: &str) -> Story {
        Story {
            id: 42,
            slug: "a-story".into(),
            headline: "Headline".into(),
            standfirst: standfirst.into(),
            body_markdown: "x".into(),
            image: Some(Image {
                src: "/media/abc.png".into(),
                alt: "alt".into(),
                credit: None,
            }),
            call_to_action: None,
            authors: vec![],
            topics: topics
                .iter()
                .map(|s| TopicRef {
                    slug: s.to_string(),
                    name: s.to_string(),
                })
                .collect(),
            sample: false,
            published_at: DateTime::from_timestamp(1_800_000_000, 0),
            updated_at: None,
            modified_at: Utc::now(),
        }
    }

    fn absolute(path: &str) -> String {
        format!("https://news.example{path}")
    }

    #[test]
    fn the_payload_carries_what_the_service_worker_reads() {
        let prepared = prepare(
            &story(&["politics"], "Standfirst."),
            &NotificationSettings::default(),
            3600,
            absolute,
        );
        let json: serde_json::Value = serde_json::from_slice(&prepared.payload).expect("json");
        assert_eq!(json["title"], "Headline");
        assert_eq!(json["body"], "Standfirst.");
        assert_eq!(json["url"], "https://news.example/stories/a-story");
        assert_eq!(json["icon"], "https://news.example/logo.svg");
        assert_eq!(json["image"], "https://news.example/media/abc.png");
        assert_eq!(json["tag"], "42");
        assert_eq!(json["timestamp"], 1_800_000_000_000i64);
        assert_eq!(prepared.options.urgency, Urgency::Normal);
        assert_eq!(prepared.options.ttl, Ttl::from_secs(3600));
        assert_eq!(prepared.options.topic, Some(Topic::from_story_id(42)));
    }

    #[test]
    fn breaking_news_is_urgent_and_overrides_win() {
        let settings = NotificationSettings {
            title: Some("Override".into()),
            body: Some("Body override".into()),
            ..NotificationSettings::default()
        };
        let prepared = prepare(
            &story(&["world", BREAKING_TOPIC], "s"),
            &settings,
            60,
            absolute,
        );
        let json: serde_json::Value = serde_json::from_slice(&prepared.payload).expect("json");
        assert_eq!(
            (json["title"].as_str(), json["body"].as_str()),
            (Some("Override"), Some("Body override"))
        );
        assert_eq!(prepared.options.urgency, Urgency::High);
    }

    #[test]
    fn a_body_too_long_for_the_budget_is_shortened_not_refused() {
        let long = "é".repeat(5_000);
        let prepared = prepare(
            &story(&[], &long),
            &NotificationSettings::default(),
            60,
            absolute,
        );
        assert!(
            prepared.payload.len() <= webpush::MAX_PLAINTEXT,
            "{}",
            prepared.payload.len()
        );
        let json: serde_json::Value = serde_json::from_slice(&prepared.payload).expect("json");
        assert!(json["body"].as_str().expect("body").ends_with('…'));
    }
}
