//! Who a notification will reach, counted before anything is sent: the
//! number the newsroom's confirmation names ("Publish and notify 12,408
//! readers who follow Politics or Russia?") and the admin API's
//! `dry_run`. It walks the audience the way the fan-out will (the same
//! store query, in batches by subscriber id) and asks each reader's
//! reminder rules what they would do now, so `held_now` is how many would
//! be kept for a digest at this moment (quiet hours, a daily cap, a digest
//! topic). Nothing is written.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{EditorialError, PushOptions, UpdateRequest, require_publisher};
use crate::accounts::Principal;
use crate::content::input::NotificationSettings;
use crate::content::model::TopicRef;
use crate::content::{in_breaking_topic, spread};
use crate::delivery::reminders::decide_for_recipient;
use crate::reminders::SitePolicy;
use crate::reminders::rules::Decision;
use crate::store::{Audience, Store};

/// Subscribers read per query while counting.
const BATCH: i64 = 5_000;

/// Whom a notification would reach now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AudienceCount {
    /// Subscriptions it would go to.
    pub audience: u64,
    /// Of those, how many their reminder settings would hold now.
    pub held_now: u64,
}

/// What a notification is sent to: a story's topics, or everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The followers of any of these topics.
    Followers(Vec<TopicRef>),
    /// Every active subscription (breaking news).
    Everyone,
    /// Nobody: no notification is sent.
    Nobody,
}

impl Reach {
    /// The reach of a notification with `breaking` about a story with
    /// `topics`, when one is sent at all.
    pub fn of(send: bool, breaking: bool, topics: Vec<TopicRef>) -> Reach {
        match (send, breaking) {
            (false, _) => Reach::Nobody,
            (true, true) => Reach::Everyone,
            (true, false) => Reach::Followers(topics),
        }
    }

    /// The topics' names as a person lists them: "Politics or Russia",
    /// "Politics, Russia or World".
    pub fn topic_list(topics: &[TopicRef]) -> String {
        let names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

/// How a notification goes out: to everyone at once, or spread over some
/// minutes (the push panel's "Deliver over").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pace {
    /// The minutes it is spread over; 0: all at once.
    pub spread_minutes: u32,
    /// The minutes asked for. More than `spread_minutes` when breaking news
    /// goes at once because "spread breaking news too" was not asked.
    pub asked_minutes: u32,
}

impl Pace {
    /// The pace of a notification with `settings` about a story that is
    /// in the breaking-news topic or not (as the fan-out spreads it).
    pub fn of(settings: &NotificationSettings, in_breaking_topic: bool) -> Pace {
        let breaking = settings.breaking || in_breaking_topic;
        Pace {
            spread_minutes: spread::minutes(
                settings.spread_minutes,
                settings.spread_breaking,
                breaking,
            ),
            asked_minutes: settings.spread_minutes,
        }
    }
}

/// Whom a notification will reach, and how fast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub reach: Reach,
    pub pace: Pace,
}

impl Plan {
    /// The plan of a notification with `settings` about a story with
    /// `topics`.
    pub fn of(settings: &NotificationSettings, topics: Vec<TopicRef>) -> Plan {
        let pace = Pace::of(settings, in_breaking_topic(&topics));
        Plan {
            reach: Reach::of(settings.send, settings.breaking, topics),
            pace,
        }
    }
}

/// The plan of publishing story `id` now with `push` (by default a
/// notification is sent, at once, not breaking). Options the publication
/// would refuse are refused here too, with the same errors.
pub async fn publish_plan(
    store: &Store,
    who: &Principal,
    id: i64,
    push: Option<&PushOptions>,
    now: DateTime<Utc>,
) -> Result<Plan, EditorialError> {
    require_publisher(who, "publish stories")?;
    let story = super::get_story(store, who, id, now).await?;
    let settings = match push {
        Some(push) => push.settings()?,
        None => NotificationSettings::default(),
    };
    Ok(Plan::of(&settings, story.story.topics))
}

/// The plan of an updated notification of story `id`, as
/// [`super::send_update`] sends it: breaking when asked or when an earlier
/// notification of the story was, and spread as asked or as the last one
/// was.
pub async fn update_plan(
    store: &Store,
    who: &Principal,
    id: i64,
    request: &UpdateRequest,
    now: DateTime<Utc>,
) -> Result<Plan, EditorialError> {
    require_publisher(who, "send notifications")?;
    let story = super::get_story(store, who, id, now).await?;
    let earlier = store.earlier_notifications(id).await?;
    let settings = earlier.update(&request.settings()?);
    Ok(Plan::of(&settings, story.story.topics))
}

/// Counts whom `reach` would notify now, as `who` (editors and admins).
pub async fn count_audience(
    store: &Store,
    who: &Principal,
    reach: &Reach,
    policy: &SitePolicy,
    now: DateTime<Utc>,
) -> Result<AudienceCount, EditorialError> {
    require_publisher(who, "see a notification's audience")?;
    let (audience, breaking) = match reach {
        Reach::Nobody => {
            return Ok(AudienceCount {
                audience: 0,
                held_now: 0,
            });
        }
        Reach::Everyone => (Audience::Everyone, true),
        Reach::Followers(topics) => {
            let slugs: Vec<String> = topics.iter().map(|t| t.slug.clone()).collect();
            let ids = store.topic_ids(&slugs).await?;
            (
                Audience::Followers(ids.into_iter().map(|(_, id)| id).collect()),
                false,
            )
        }
    };
    let mut count = AudienceCount {
        audience: 0,
        held_now: 0,
    };
    let mut after = 0;
    loop {
        let batch = store
            .shard_recipients(&audience, after, i64::MAX, BATCH)
            .await?;
        let complete = (batch.len() as i64) < BATCH;
        for recipient in batch {
            after = recipient.recipient.id;
            count.audience += 1;
            let state = recipient.reminders.decode();
            if let Decision::Hold { .. } = decide_for_recipient(&state, policy, breaking, now) {
                count.held_now += 1;
            }
        }
        if complete {
            break;
        }
    }
    Ok(count)
}
