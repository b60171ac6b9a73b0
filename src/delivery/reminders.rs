//! What the delivery engine calls: the rules applied to a recipient as the
//! store reads them, and the digest of what a sweep took. (See the
//! module's documentation, "Integrating with the delivery engine".)

use chrono::{DateTime, Utc};

use crate::reminders::ReminderState;
use crate::reminders::digest::{DigestItem, DigestText, digest_text};
use crate::reminders::preferences::{Preferences, SitePolicy};
use crate::reminders::rules::{self, Decision, HoldReason};
use crate::store::PendingReminder;

/// Where a digest notification takes the reader: the page of their missed
/// stories (read there with their token, which the page finds in the
/// browser's storage: never in the address, which would land in logs).
pub const MISSED_PATH: &str = "/notifications/missed";

/// Where the "still interested?" notification takes the reader: their
/// notification settings, whose visit counts as being seen.
pub const STILL_INTERESTED_PATH: &str = "/notifications";

/// The tag of the "still interested?" notification.
pub const STILL_INTERESTED_TAG: &str = "still-interested";

/// The tag of every digest notification: a newer digest replaces an older
/// one still on the device.
pub const DIGEST_TAG: &str = "digest";

/// Send now or hold, for one recipient of a story.
pub fn decide_for_recipient(
    state: &ReminderState,
    policy: &SitePolicy,
    breaking: bool,
    now: DateTime<Utc>,
) -> Decision {
    let prefs = Preferences::resolve(&state.preferences, policy);
    rules::decide(&prefs, policy, state.sent, state.reach(breaking), now)
}

/// The hold for a recipient whose send slot was refused (another story
/// took their last one meanwhile): until their next digest.
pub fn hold_at_cap(state: &ReminderState, policy: &SitePolicy, now: DateTime<Utc>) -> Decision {
    let prefs = Preferences::resolve(&state.preferences, policy);
    Decision::Hold {
        due_at: rules::next_digest_due(&prefs, now),
        reason: HoldReason::Cap,
    }
}

/// The cap to claim a send slot with: `None` for breaking news that cut
/// through (always granted, still counted).
pub fn slot_cap(state: &ReminderState, policy: &SitePolicy, decision: &Decision) -> Option<u32> {
    match decision {
        Decision::Send { overrode: true, .. } => None,
        _ => Some(Preferences::resolve(&state.preferences, policy).max_per_day),
    }
}

/// The digest notification's words for the reminders a sweep took.
pub fn digest_of(reminders: &[PendingReminder]) -> Option<DigestText> {
    let items: Vec<DigestItem> = reminders
        .iter()
        .map(|r| DigestItem {
            headline: r.headline.clone(),
            topics: r.topics.iter().map(|t| t.name.clone()).collect(),
            published_at: r.published_at.unwrap_or(0),
            breaking: r.breaking,
        })
        .collect();
    digest_text(&items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::TopicRef;
    use crate::reminders::{SentToday, StoredPreferences};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("valid instant")
            .with_timezone(&Utc)
    }

    fn state(count: u32, local_day: i64) -> ReminderState {
        ReminderState {
            preferences: StoredPreferences {
                max_per_day: Some(1),
                time_zone: Some("Europe/London".to_owned()),
                ..StoredPreferences::default()
            },
            sent: SentToday { local_day, count },
            digest_only: false,
        }
    }

    #[test]
    fn a_recipient_at_their_cap_is_held_until_the_digest() {
        let now = utc("2024-07-01T12:00:00Z");
        let policy = SitePolicy::default();
        let day = crate::reminders::local_time::local_day(chrono_tz::Tz::Europe__London, now);
        let fresh = state(0, day);
        let sent = decide_for_recipient(&fresh, &policy, false, now);
        assert!(matches!(sent, Decision::Send { .. }));
        assert_eq!(slot_cap(&fresh, &policy, &sent), Some(1));
        let full = state(1, day);
        let held = decide_for_recipient(&full, &policy, false, now);
        assert_eq!(held, hold_at_cap(&full, &policy, now));
        assert_eq!(
            held,
            Decision::Hold {
                due_at: utc("2024-07-02T07:00:00Z"),
                reason: HoldReason::Cap
            }
        );
        let breaking = decide_for_recipient(&full, &policy, true, now);
        assert_eq!(slot_cap(&full, &policy, &breaking), None);
    }

    #[test]
    fn the_digest_names_the_followed_topics() {
        let reminder = |headline: &str, topic: &str, at: i64| PendingReminder {
            story_id: at,
            slug: headline.to_lowercase(),
            headline: headline.to_owned(),
            topics: vec![TopicRef {
                slug: topic.to_lowercase(),
                name: topic.to_owned(),
            }],
            published_at: Some(at),
            breaking: false,
            reason: HoldReason::QuietHours,
            due_at: Some(at),
            digested_at: None,
        };
        let text = digest_of(&[
            reminder("Budget passes", "Politics", 1),
            reminder("Talks resume", "Russia", 3),
            reminder("Minister resigns", "Politics", 2),
        ])
        .expect("a digest");
        assert_eq!(text.title, "3 new stories in Politics and Russia");
        assert_eq!(text.body, "Talks resume");
        assert_eq!(digest_of(&[]), None);
    }
}
