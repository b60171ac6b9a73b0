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

use super::{EditorialError, PushOptions, require_publisher};
use crate::accounts::Principal;
use crate::content::model::TopicRef;
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

/// The reach of publishing story `id` now with `push` (by default a
/// notification is sent, not breaking).
pub async fn publish_reach(
    store: &Store,
    who: &Principal,
    id: i64,
    push: Option<&PushOptions>,
    now: DateTime<Utc>,
) -> Result<Reach, EditorialError> {
    require_publisher(who, "publish stories")?;
    let story = super::get_story(store, who, id, now).await?;
    let send = push.and_then(|p| p.send).unwrap_or(true);
    let breaking = push.and_then(|p| p.breaking).unwrap_or(false);
    Ok(Reach::of(send, breaking, story.story.topics))
}

/// The reach of an updated notification of story `id`: breaking when
/// asked, or when an earlier notification of the story was (as
/// [`super::send_update`] sends it).
pub async fn update_reach(
    store: &Store,
    who: &Principal,
    id: i64,
    breaking: bool,
    now: DateTime<Utc>,
) -> Result<Reach, EditorialError> {
    require_publisher(who, "send notifications")?;
    let story = super::get_story(store, who, id, now).await?;
    let breaking = breaking || store.notified_as_breaking(id).await?;
    Ok(Reach::of(true, breaking, story.story.topics))
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
