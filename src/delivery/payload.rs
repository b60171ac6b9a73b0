//! What a story's notification says: the payload, fitted into the Web Push
//! budget, and the RFC 8030 options. The newsroom's live preview
//! ([`preview`]) goes through the very code that prepares a real sending
//! ([`prepare`]), so its byte count is exact.
//!
//! Every payload is a Declarative Web Push message ([`webpush::Notification`]):
//! a browser that supports them (Safari 18.4 and later) shows it by itself,
//! even when the service worker has been evicted, and opens `navigate` on
//! a click; `static/sw.js` shows the same message the same way everywhere
//! else. The message is `mutable`, so a service worker sees it first, and
//! Herald's own data is under [`DATA_KEY`] in `notification.data`. A
//! story's link carries [`CLICK_QUERY`], so that a click is counted even
//! when no service worker ran.
//!
//! Every notification of a story (the original and any update) carries
//! the payload `tag` and the `Topic` header derived from the story id, so
//! each replaces the one before it: on the device (by tag), and in a push
//! service's queue while the device is offline (by Topic). An update also
//! carries `renotify: true`, which makes the browser alert again instead
//! of replacing the notification silently.
//!
//! Urgency is high when either of two things marks the story as breaking:
//! - the newsroom's *breaking* flag on the job (`NotificationSettings::breaking`),
//!   which also sends the notification to every subscriber;
//! - the story's [`BREAKING_TOPIC`](crate::content::BREAKING_TOPIC) topic, a topic like any other for who
//!   receives it (its followers, which new subscribers are by default).
//!
//! A live story's **key event** ([`prepare_key_event`]) is a notification of
//! its story like the others: the headline as its title, the entry's title
//! (else the first sentence of its text) as its body, opening the entry
//! (`#entry-{id}`) on the story's page, with the story's `tag` and `Topic`,
//! so that the device shows only the latest; it alerts again, as an update
//! does. A breaking key event goes with Urgency high.
//!
//! Two notifications are no single story's ([`prepare_digest`],
//! [`prepare_still_interested`]): they carry a `kind` instead of a story
//! id, so that no story's click is counted, and a tag of their own.

use webpush::{Direction, Notification, PushOptions, Topic, Ttl, Urgency};

use crate::config::Config;
use crate::content::Story;
use crate::content::excerpt::{first_sentence, plain_excerpt};
use crate::content::in_breaking_topic;
use crate::content::input::{FieldError, NotificationSettings, parse_story_json};
use crate::content::language;
use crate::content::model::story_path;
use crate::content::slug::slugify;
use crate::delivery::reminders::{
    DIGEST_TAG, MISSED_PATH, STILL_INTERESTED_PATH, STILL_INTERESTED_TAG,
};
use crate::reminders::digest::DigestText;
use crate::store::{JobKind, LiveEntryRecord};

/// The payload and options every recipient of a story's notification gets.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub payload: Vec<u8>,
    pub options: PushOptions,
}

/// What of a story its notification carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryText {
    pub id: i64,
    pub headline: String,
    pub standfirst: String,
    /// The site path of the story (`/stories/slug`).
    pub path: String,
    /// The featured image: a site path or an absolute URL.
    pub image: Option<String>,
    /// Unix ms; shown by the device as the notification's time.
    pub published_at_ms: i64,
    /// Whether the story is in the [`BREAKING_TOPIC`](crate::content::BREAKING_TOPIC) topic.
    pub in_breaking_topic: bool,
    /// The part of the page the notification opens (`entry-7`), if not
    /// its top.
    pub anchor: Option<String>,
}

impl StoryText {
    pub fn of(story: &Story) -> StoryText {
        StoryText {
            id: story.id,
            headline: story.headline.clone(),
            standfirst: story.standfirst.clone(),
            path: story.path(),
            image: story.image.as_ref().map(|image| image.src.clone()),
            published_at_ms: story.published_at.map_or(0, |t| t.timestamp_millis()),
            in_breaking_topic: in_breaking_topic(&story.topics),
            anchor: None,
        }
    }
}

/// The query a story's notification adds to its link, so that the page
/// opened by a click counts it where no service worker did (a browser that
/// shows a Declarative Web Push message itself opens `navigate` directly).
/// `static/site.js` reads it, reports the click and takes it off the
/// address; `static/sw.js` takes it off before opening a page itself.
pub const CLICK_QUERY: &str = "from=notification";

/// The site as its notifications name it: every link absolute on its
/// address, the text marked with its language and direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteVoice {
    base_url: String,
    lang: String,
}

impl SiteVoice {
    /// The site at `base_url`, writing in `lang` (a BCP 47 tag).
    pub fn new(base_url: &str, lang: &str) -> SiteVoice {
        SiteVoice {
            base_url: base_url.trim_end_matches('/').to_owned(),
            lang: lang.to_owned(),
        }
    }

    /// The site `config` describes.
    pub fn of(config: &Config) -> SiteVoice {
        SiteVoice::new(config.base_url.as_str(), &config.site.language)
    }

    /// A site path as an absolute URL; an absolute URL as it is.
    pub fn absolute(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.base_url)
        } else {
            path.to_owned()
        }
    }

    /// The direction the site's language is written in.
    fn direction(&self) -> Direction {
        if language::is_right_to_left(&self.lang) {
            Direction::Rtl
        } else {
            Direction::Ltr
        }
    }

    /// A notification opening `navigate`, in the site's language, with its
    /// icon and Herald's own `data`; mutable, so that a service worker
    /// sees it before it is shown.
    pub fn notification(
        &self,
        title: String,
        body: String,
        navigate: String,
        tag: Option<&str>,
        herald: serde_json::Value,
    ) -> Notification {
        let mut data = serde_json::Map::new();
        data.insert(DATA_KEY.into(), herald);
        Notification {
            title,
            body,
            navigate,
            tag: tag.map(str::to_owned),
            lang: Some(self.lang.clone()),
            dir: Some(self.direction()),
            icon: Some(self.absolute(ICON_PATH)),
            data,
            mutable: true,
            ..Notification::default()
        }
    }
}

/// The key of Herald's own data in `notification.data`: `{"story": id}`
/// for a story's notification, `{"kind": …}` for the site's own.
pub const DATA_KEY: &str = "herald";

/// The notification's icon: the site's app icon (a PNG, which every
/// platform shows; an SVG is not shown everywhere).
const ICON_PATH: &str = "/icons/icon-192.png";

/// Whether the notification goes with Urgency high (see the module docs).
pub fn is_urgent(story: &StoryText, settings: &NotificationSettings) -> bool {
    settings.breaking || story.in_breaking_topic
}

/// Builds the notification for `story`: the headline and standfirst (or the
/// newsroom's override), absolute links, `tag` the story id so that a
/// duplicate or an update replaces the earlier one on the device; the body
/// is shortened to fit.
pub fn prepare(
    story: &Story,
    settings: &NotificationSettings,
    kind: JobKind,
    ttl_seconds: u32,
    site: &SiteVoice,
) -> Prepared {
    let fitted = fit(&StoryText::of(story), settings, kind, ttl_seconds, site);
    Prepared {
        payload: fitted.payload,
        options: fitted.options,
    }
}

/// Builds the notification of key event `entry` of live story `story` (see
/// the module docs): the story's notification, with the entry's words, its
/// time and its anchor; `settings` as its job was written (`breaking` as
/// the entry was marked when posted).
pub fn prepare_key_event(
    story: &Story,
    entry: &LiveEntryRecord,
    settings: &NotificationSettings,
    ttl_seconds: u32,
    site: &SiteVoice,
) -> Prepared {
    let mut text = StoryText::of(story);
    text.anchor = Some(format!("entry-{}", entry.id));
    if let Some(at) = entry.published_at {
        text.published_at_ms = at.timestamp_millis();
    }
    let body = match &entry.title {
        Some(title) => title.clone(),
        None => first_sentence(&plain_excerpt(&entry.body_markdown)).to_owned(),
    };
    let settings = NotificationSettings {
        title: None,
        body: Some(body),
        ..settings.clone()
    };
    let fitted = fit(&text, &settings, JobKind::KeyEvent, ttl_seconds, site);
    Prepared {
        payload: fitted.payload,
        options: fitted.options,
    }
}

/// What the newsroom's push panel shows before sending: the text as it
/// will be sent and how much of the payload budget it takes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Preview {
    /// The title as sent (shortened only when even an empty body is too long).
    pub title: String,
    /// The body as sent: shortened, with an ellipsis, when over the budget.
    pub body: String,
    /// The payload's size as sent: never more than the budget.
    pub payload_bytes: usize,
    /// The size the payload would have with the text as written.
    pub written_bytes: usize,
    /// The plaintext one Web Push message can carry (RFC 8291: 3993).
    pub budget_bytes: usize,
    /// The text as written fits the budget.
    pub fits: bool,
    /// The title or body was shortened to fit.
    pub truncated: bool,
    /// `high` or `normal`.
    pub urgency: &'static str,
}

/// Previews a notification exactly as [`prepare`] would build it.
pub fn preview(
    story: &StoryText,
    settings: &NotificationSettings,
    kind: JobKind,
    site: &SiteVoice,
) -> Preview {
    // The TTL is a header: it does not change the payload.
    let fitted = fit(
        story,
        settings,
        kind,
        crate::store::DEFAULT_TTL_SECONDS,
        site,
    );
    Preview {
        title: fitted.notification.title,
        body: fitted.notification.body,
        payload_bytes: fitted.payload.len(),
        written_bytes: fitted.written_bytes,
        budget_bytes: fitted.budget,
        fits: fitted.written_bytes <= fitted.budget,
        truncated: fitted.truncated,
        urgency: match fitted.options.urgency {
            Urgency::High => "high",
            _ => "normal",
        },
    }
}

/// A notification after fitting, with what the preview reports of it.
struct Fitted {
    notification: Notification,
    payload: Vec<u8>,
    options: PushOptions,
    budget: usize,
    written_bytes: usize,
    truncated: bool,
}

/// The one place a notification is composed and fitted into its budget.
fn fit(
    story: &StoryText,
    settings: &NotificationSettings,
    kind: JobKind,
    ttl_seconds: u32,
    site: &SiteVoice,
) -> Fitted {
    let mut notification = site.notification(
        settings
            .title
            .clone()
            .unwrap_or_else(|| story.headline.clone()),
        settings
            .body
            .clone()
            .unwrap_or_else(|| story.standfirst.clone()),
        format!(
            "{}?{CLICK_QUERY}{}",
            site.absolute(&story.path),
            story
                .anchor
                .as_ref()
                .map(|anchor| format!("#{anchor}"))
                .unwrap_or_default()
        ),
        Some(&story.id.to_string()),
        serde_json::json!({"story": story.id}),
    );
    notification.image = story.image.as_deref().map(|image| site.absolute(image));
    notification.timestamp = Some(story.published_at_ms);
    // Replacing a notification is silent unless asked to alert again: an
    // update and a key event are news to alert of.
    notification.renotify = matches!(kind, JobKind::Update | JobKind::KeyEvent);
    let options = PushOptions {
        ttl: Ttl::from_secs(ttl_seconds),
        urgency: if is_urgent(story, settings) {
            Urgency::High
        } else {
            Urgency::Normal
        },
        topic: Some(Topic::from_story_id(story.id)),
        padding: 0,
    };
    let budget = webpush::plaintext_budget(options.padding);
    let written_bytes = notification.to_json().len();
    // Titles and bodies are bounded at input, so this nearly always fits
    // as written; if not, the text is shortened here, never refused at
    // send time. It cannot fail unless the links alone overflow the budget.
    let truncated = notification.fit(budget).unwrap_or(true);
    let payload = notification.to_json();
    Fitted {
        notification,
        payload,
        options,
        budget,
        written_bytes,
        truncated,
    }
}

/// How long a digest waits for an offline device: a day (the missed page
/// lists the stories for a week in any case).
const DIGEST_TTL_SECONDS: u32 = 86_400;

/// The digest of a reader's missed stories: "3 new stories in Politics and
/// Russia", the top headline, opening the missed list. Its tag and `Topic`
/// are `digest`: a newer digest replaces an older one, on the device and in
/// the push service's queue. Urgency normal: it is never news that cannot
/// wait. The app's badge shows how many stories wait (on a Home Screen
/// app; the site clears it when visited).
pub fn prepare_digest(text: &DigestText, site: &SiteVoice) -> Prepared {
    let mut notification = site.notification(
        text.title.clone(),
        text.body.clone(),
        site.absolute(MISSED_PATH),
        Some(DIGEST_TAG),
        serde_json::json!({"kind": "digest", "count": text.count}),
    );
    notification.app_badge = u64::try_from(text.count).ok();
    notice(notification, DIGEST_TTL_SECONDS)
}

/// The one question to a subscription silent for a long time, opening the
/// reader's notification settings (a visit keeps the subscription); without
/// an answer within `grace_days` it is pruned. It waits as long for an
/// offline device.
pub fn prepare_still_interested(site_name: &str, grace_days: i64, site: &SiteVoice) -> Prepared {
    let days = if grace_days == 1 {
        "a day".to_owned()
    } else {
        format!("{grace_days} days")
    };
    let notification = site.notification(
        format!("Still interested in news from {site_name}?"),
        format!("Open this to keep your notifications. Without a visit, they stop in {days}."),
        site.absolute(STILL_INTERESTED_PATH),
        Some(STILL_INTERESTED_TAG),
        serde_json::json!({"kind": "still_interested"}),
    );
    notice(
        notification,
        u32::try_from(grace_days.max(1) * 86_400).unwrap_or(DIGEST_TTL_SECONDS),
    )
}

/// A notification of the site's own (not a story's), fitted like a
/// story's; its tag doubles as its `Topic`.
fn notice(mut notification: Notification, ttl_seconds: u32) -> Prepared {
    let options = PushOptions {
        ttl: Ttl::from_secs(ttl_seconds),
        urgency: Urgency::Normal,
        topic: notification
            .tag
            .as_deref()
            .and_then(|tag| Topic::new(tag).ok()),
        padding: 0,
    };
    // Headlines are bounded at input; a digest's text is shortened here
    // rather than refused if it ever overflows.
    let _ = notification.fit(webpush::plaintext_budget(options.padding));
    Prepared {
        payload: notification.to_json(),
        options,
    }
}

/// The push panel's text as publishing would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelText {
    pub headline: String,
    pub standfirst: String,
    pub title: Option<String>,
    pub body: Option<String>,
}

/// Checks and normalises the push panel's text by the rules a story's
/// input follows (`content::input`: whitespace collapsed, an empty override
/// is none, lengths bounded). Returns the text as it would be stored, or,
/// when publishing would refuse it, the text as given and every problem.
pub fn check_panel_text(text: PanelText) -> (PanelText, Vec<FieldError>) {
    let input = serde_json::json!({
        "headline": text.headline,
        "standfirst": text.standfirst,
        "body_markdown": "-",
        "notification": {"title": text.title, "body": text.body},
    });
    match parse_story_json(&input.to_string()).and_then(|input| input.validate()) {
        Ok(draft) => (
            PanelText {
                headline: draft.headline,
                standfirst: draft.standfirst,
                title: draft.notification.title,
                body: draft.notification.body,
            },
            Vec::new(),
        ),
        Err(errors) => {
            // Only the fields the panel gave; the rest of the story is not
            // being checked here.
            let problems = errors
                .0
                .into_iter()
                .filter(|e| {
                    matches!(
                        e.field.as_str(),
                        "headline" | "standfirst" | "notification.title" | "notification.body"
                    )
                })
                .collect();
            (text, problems)
        }
    }
}

/// The newsroom's push panel, as the preview gets it: the story's text
/// as being edited (unsaved changes override the stored story's), the
/// notification's overrides, and the breaking mark.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PanelInput {
    pub headline: Option<String>,
    pub standfirst: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub breaking: bool,
}

/// The id a story not saved yet is previewed with: it stands for the id
/// it will get, whose digits are in the payload's `tag` (the byte count of
/// an unsaved story is therefore an estimate within a few bytes; its link
/// is made from the headline as its slug will be, and it has no image
/// yet). A saved story is previewed exactly.
const UNSAVED_STORY_ID: i64 = 1_000_000;

/// Previews the push panel: its text checked as publishing would check it
/// (the problems, if any, name their fields), then [`preview`]ed.
/// `story` is the stored story, if it was saved; `now_ms` stands for the
/// publication time of a story not yet published.
pub fn preview_panel(
    story: Option<&Story>,
    panel: PanelInput,
    kind: JobKind,
    now_ms: i64,
    site: &SiteVoice,
) -> (Preview, Vec<FieldError>) {
    let (text, problems) = check_panel_text(PanelText {
        headline: panel
            .headline
            .or_else(|| story.map(|s| s.headline.clone()))
            .unwrap_or_default(),
        standfirst: panel
            .standfirst
            .or_else(|| story.map(|s| s.standfirst.clone()))
            .unwrap_or_default(),
        title: panel.title,
        body: panel.body,
    });
    let mut story_text = match story {
        Some(story) => StoryText::of(story),
        None => StoryText {
            id: UNSAVED_STORY_ID,
            headline: String::new(),
            standfirst: String::new(),
            path: story_path(&slugify(&text.headline)),
            image: None,
            published_at_ms: 0,
            in_breaking_topic: false,
            anchor: None,
        },
    };
    if story_text.published_at_ms == 0 {
        story_text.published_at_ms = now_ms;
    }
    story_text.headline = text.headline;
    story_text.standfirst = text.standfirst;
    let settings = NotificationSettings {
        title: text.title,
        body: text.body,
        breaking: panel.breaking,
        ..NotificationSettings::default()
    };
    (preview(&story_text, &settings, kind, site), problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{BREAKING_TOPIC, Image, TopicRef};
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
            seo: Default::default(),
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
            live: false,
            live_ended_at: None,
        }
    }

    fn site() -> SiteVoice {
        SiteVoice::new("https://news.example/", "en-GB")
    }

    fn json(prepared: &Prepared) -> serde_json::Value {
        serde_json::from_slice(&prepared.payload).expect("json")
    }

    /// The message as a browser reads it (`web_push` 8030, a title, an
    /// absolute `navigate`), or the test fails.
    fn shown(prepared: &Prepared) -> Notification {
        Notification::from_json(&prepared.payload).expect("a declarative push message")
    }

    #[test]
    fn the_payload_is_a_declarative_push_message() {
        let prepared = prepare(
            &story(&["politics"], "Standfirst."),
            &NotificationSettings::default(),
            JobKind::Original,
            3600,
            &site(),
        );
        let mut data = serde_json::Map::new();
        data.insert("herald".into(), serde_json::json!({"story": 42}));
        assert_eq!(
            shown(&prepared),
            Notification {
                title: "Headline".into(),
                body: "Standfirst.".into(),
                navigate: "https://news.example/stories/a-story?from=notification".into(),
                tag: Some("42".into()),
                renotify: false,
                lang: Some("en-GB".into()),
                dir: Some(Direction::Ltr),
                icon: Some("https://news.example/icons/icon-192.png".into()),
                image: Some("https://news.example/media/abc.png".into()),
                timestamp: Some(1_800_000_000_000),
                data,
                app_badge: None,
                mutable: true,
            }
        );
        assert_eq!(json(&prepared)["web_push"], 8030);
        assert_eq!(prepared.options.urgency, Urgency::Normal);
        assert_eq!(prepared.options.ttl, Ttl::from_secs(3600));
        assert_eq!(prepared.options.topic, Some(Topic::from_story_id(42)));
    }

    #[test]
    fn a_right_to_left_language_is_marked_so() {
        let prepared = prepare(
            &story(&[], "s"),
            &NotificationSettings::default(),
            JobKind::Original,
            60,
            &SiteVoice::new("https://news.example", "ar-EG"),
        );
        assert_eq!(shown(&prepared).dir, Some(Direction::Rtl));
        assert_eq!(shown(&prepared).lang.as_deref(), Some("ar-EG"));
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
            JobKind::Original,
            60,
            &site(),
        );
        let shown = shown(&prepared);
        assert_eq!(
            (shown.title.as_str(), shown.body.as_str()),
            ("Override", "Body override")
        );
        assert_eq!(prepared.options.urgency, Urgency::High);
    }

    #[test]
    fn the_newsrooms_breaking_flag_is_urgent_without_the_breaking_topic() {
        let settings = NotificationSettings {
            breaking: true,
            ..NotificationSettings::default()
        };
        let prepared = prepare(
            &story(&["world"], "s"),
            &settings,
            JobKind::Original,
            60,
            &site(),
        );
        assert_eq!(prepared.options.urgency, Urgency::High);
    }

    #[test]
    fn an_update_has_the_originals_tag_and_topic_and_alerts_again() {
        let original = prepare(
            &story(&["world"], "s"),
            &NotificationSettings::default(),
            JobKind::Original,
            60,
            &site(),
        );
        let update = prepare(
            &story(&["world"], "s"),
            &NotificationSettings {
                title: Some("Update: it is over".into()),
                ..NotificationSettings::default()
            },
            JobKind::Update,
            60,
            &site(),
        );
        assert_eq!(shown(&update).tag, shown(&original).tag);
        assert_eq!(update.options.topic, original.options.topic);
        assert!(shown(&update).renotify && !shown(&original).renotify);
        assert_eq!(shown(&update).title, "Update: it is over");
    }

    #[test]
    fn a_body_too_long_for_the_budget_is_shortened_not_refused() {
        let long = "é".repeat(5_000);
        let prepared = prepare(
            &story(&[], &long),
            &NotificationSettings::default(),
            JobKind::Original,
            60,
            &site(),
        );
        assert!(
            prepared.payload.len() <= webpush::MAX_PLAINTEXT,
            "{}",
            prepared.payload.len()
        );
        assert!(shown(&prepared).body.ends_with('…'));
    }

    #[test]
    fn the_preview_is_what_prepare_sends() {
        for standfirst in ["Short.", &"é".repeat(5_000)] {
            let story = story(&["world"], standfirst);
            let settings = NotificationSettings::default();
            let sent = prepare(&story, &settings, JobKind::Update, 60, &site());
            let preview = preview(&StoryText::of(&story), &settings, JobKind::Update, &site());
            let shown = shown(&sent);
            assert_eq!(preview.payload_bytes, sent.payload.len());
            assert_eq!(preview.body, shown.body);
            assert_eq!(preview.title, shown.title);
            assert_eq!(preview.budget_bytes, webpush::MAX_PLAINTEXT);
            let long = standfirst.len() > 100;
            assert_eq!((preview.fits, preview.truncated), (!long, long));
            assert!(preview.written_bytes > preview.budget_bytes || !long);
        }
    }

    #[test]
    fn a_digest_opens_the_missed_list_names_no_story_and_sets_the_badge() {
        let text = DigestText {
            title: "3 new stories in Politics and Russia".into(),
            body: "Talks resume".into(),
            count: 3,
        };
        let prepared = prepare_digest(&text, &site());
        let shown = shown(&prepared);
        assert_eq!(shown.title, "3 new stories in Politics and Russia");
        assert_eq!(shown.body, "Talks resume");
        assert_eq!(shown.navigate, "https://news.example/notifications/missed");
        assert_eq!(shown.tag.as_deref(), Some("digest"));
        assert_eq!(
            shown.data["herald"],
            serde_json::json!({"kind": "digest", "count": 3})
        );
        assert_eq!(shown.app_badge, Some(3));
        assert_eq!(prepared.options.urgency, Urgency::Normal);
        assert_eq!(
            prepared.options.topic.as_ref().map(Topic::as_str),
            Some("digest")
        );
    }

    #[test]
    fn still_interested_opens_the_settings() {
        let prepared = prepare_still_interested("Herald", 7, &site());
        let shown = shown(&prepared);
        assert_eq!(shown.title, "Still interested in news from Herald?");
        assert!(shown.body.contains("7 days"));
        assert_eq!(shown.navigate, "https://news.example/notifications");
        assert_eq!(shown.data["herald"]["kind"], "still_interested");
        assert_eq!(shown.app_badge, None);
        assert_eq!(prepared.options.ttl, Ttl::from_secs(7 * 86_400));
    }

    #[test]
    fn panel_text_is_checked_by_the_story_input_rules() {
        let (text, problems) = check_panel_text(PanelText {
            headline: "  A   headline ".into(),
            standfirst: "One\nline".into(),
            title: Some(" ".into()),
            body: Some("Move  to high ground".into()),
        });
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            text,
            PanelText {
                headline: "A headline".into(),
                standfirst: "One line".into(),
                title: None,
                body: Some("Move to high ground".into()),
            }
        );
        let (text, problems) = check_panel_text(PanelText {
            headline: String::new(),
            standfirst: String::new(),
            title: Some("t".repeat(300)),
            body: None,
        });
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["headline", "notification.title"]);
        assert_eq!(text.title.as_deref().map(str::len), Some(300));
    }

    #[test]
    fn the_panel_previews_unsaved_changes_and_names_problems() {
        let stored = story(&["world"], "Stored standfirst.");
        let (preview, problems) = preview_panel(
            Some(&stored),
            PanelInput {
                standfirst: Some("Edited   standfirst.".into()),
                breaking: true,
                ..PanelInput::default()
            },
            JobKind::Original,
            0,
            &site(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            (
                preview.title.as_str(),
                preview.body.as_str(),
                preview.urgency
            ),
            ("Headline", "Edited standfirst.", "high")
        );

        let (preview, problems) = preview_panel(
            None,
            PanelInput {
                headline: Some("A new story".into()),
                body: Some("b".repeat(600)),
                ..PanelInput::default()
            },
            JobKind::Original,
            1_800_000_000_000,
            &site(),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "notification.body");
        assert_eq!(preview.body.len(), 600, "shown as given");
        assert!(preview.fits && !preview.truncated);
        assert_eq!(preview.urgency, "normal");
    }

    fn entry(id: i64, title: Option<&str>, body: &str, breaking: bool) -> LiveEntryRecord {
        let at = DateTime::from_timestamp(1_800_000_600, 0).expect("time");
        LiveEntryRecord {
            id,
            story_id: 42,
            author_id: None,
            author_name: "Ana".into(),
            title: title.map(str::to_owned),
            body_markdown: body.into(),
            key_event: true,
            breaking,
            state: crate::store::EntryState::Posted,
            published_at: Some(at),
            created_at: at,
            updated_at: at,
            seq: 1,
        }
    }

    #[test]
    fn a_key_event_is_its_story_notification_with_the_entry_words_and_anchor() {
        let live = story(&["politics"], "Standfirst.");
        let original = prepare(
            &live,
            &NotificationSettings::default(),
            JobKind::Original,
            3600,
            &site(),
        );
        let settings = |breaking| NotificationSettings {
            breaking,
            ..NotificationSettings::default()
        };
        let untitled = prepare_key_event(
            &live,
            &entry(
                7,
                None,
                "The river **crests** at 4.2 m. Roads close.",
                false,
            ),
            &settings(false),
            3600,
            &site(),
        );
        let shown_untitled = shown(&untitled);
        assert_eq!(shown_untitled.title, "Headline");
        assert_eq!(shown_untitled.body, "The river crests at 4.2 m.");
        assert_eq!(
            shown_untitled.navigate,
            "https://news.example/stories/a-story?from=notification#entry-7"
        );
        assert_eq!(shown_untitled.tag.as_deref(), Some("42"), "the story's tag");
        assert!(shown_untitled.renotify, "a key event alerts");
        assert_eq!(shown_untitled.timestamp, Some(1_800_000_600_000));
        assert_eq!(untitled.options.topic, original.options.topic);
        assert_eq!(untitled.options.urgency, Urgency::Normal);

        let breaking = prepare_key_event(
            &live,
            &entry(8, Some("Evacuate"), "Now.", true),
            &settings(true),
            3600,
            &site(),
        );
        assert_eq!(shown(&breaking).body, "Evacuate");
        assert_eq!(breaking.options.topic, original.options.topic);
        assert_eq!(breaking.options.urgency, Urgency::High);
    }
}
