//! The reminder rules: for one reader and one story, send now or hold it
//! for later (and until when, and why); when the reader's digest is next
//! due; when a silent subscription is asked whether it is still interested.
//! Pure functions of their inputs and `now`.
//!
//! The order of the rules, for a story reaching a reader at `now`:
//!
//! 1. **Breaking news** cuts through the cap and quiet hours when both the
//!    reader (`breaking_overrides`) and the site (`breaking_may_override`)
//!    allow it: send now. Breaking news never waits for the digest: digest
//!    topics do not apply to it; only the cap and quiet hours can hold it,
//!    when overriding is off.
//! 2. **Digest topics**: a story that reaches the reader only through topics
//!    they take "in a daily digest" is held until the next digest time.
//! 3. **Cap**: when the reader has had `max_per_day` notifications on their
//!    current local day, the story is held until the next digest time.
//!    (`max_per_day` 0 sends every story to the digest.) The count resets at
//!    local midnight; breaking news that cut through is counted too, so the
//!    count may pass the cap only through breaking news. Digests are not
//!    counted.
//! 4. **Quiet hours**: during them, the story is held until they end.
//! 5. Otherwise: send now, and count it on the reader's local day.
//!
//! A digest time that falls inside quiet hours moves to the end of those
//! quiet hours, so that nothing held is ever due while the reader asked for
//! quiet. Every due instant is strictly after `now` and exists in the
//! reader's zone (see [`super::clock`] for DST gaps and overlaps).

use chrono::{DateTime, Duration, Utc};

use super::local_time::{local_day, next_occurrence, wall_seconds};
use super::preferences::{Preferences, SitePolicy};

/// How many notifications the reader has had on one local day (stored with
/// the subscription, and counted up by every send).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SentToday {
    /// The local day the count belongs to ([`super::local_time::local_day`]).
    pub local_day: i64,
    pub count: u32,
}

/// What the rules need to know about a story, for one reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryReach {
    pub breaking: bool,
    /// Every topic through which the story reaches this reader is one they
    /// take in the daily digest (and there is at least one).
    pub digest_only: bool,
}

impl StoryReach {
    /// `reached_through`: the story's topics this reader follows;
    /// `digest_topics`: the topics the reader takes in the digest.
    pub fn from_topics(
        breaking: bool,
        reached_through: &[i64],
        digest_topics: &[i64],
    ) -> StoryReach {
        StoryReach {
            breaking,
            digest_only: !reached_through.is_empty()
                && reached_through.iter().all(|t| digest_topics.contains(t)),
        }
    }
}

/// Why a story was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HoldReason {
    /// The reader's daily cap was reached.
    Cap,
    QuietHours,
    /// The reader takes the story's topics in a daily digest.
    Digest,
}

impl HoldReason {
    /// The stable name, stored and shown by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::Cap => "cap",
            HoldReason::QuietHours => "quiet_hours",
            HoldReason::Digest => "digest",
        }
    }

    pub fn parse(name: &str) -> Option<HoldReason> {
        match name {
            "cap" => Some(HoldReason::Cap),
            "quiet_hours" => Some(HoldReason::QuietHours),
            "digest" => Some(HoldReason::Digest),
            _ => None,
        }
    }
}

/// What to do with a story for one reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send it now and count it on `local_day` (the caller adds one to the
    /// reader's count for that day, resetting a count of another day).
    Send {
        local_day: i64,
        /// Breaking news that cut through a cap or quiet hours.
        overrode: bool,
    },
    /// Keep it in the reader's pending reminders until `due_at`.
    Hold {
        due_at: DateTime<Utc>,
        reason: HoldReason,
    },
}

/// Send now, or hold until when and why (see the module's rules).
pub fn decide(
    prefs: &Preferences,
    policy: &SitePolicy,
    sent: SentToday,
    story: StoryReach,
    now: DateTime<Utc>,
) -> Decision {
    let today = local_day(prefs.time_zone, now);
    let at_cap = sent_today(prefs, sent, now) >= prefs.max_per_day;
    let quiet = in_quiet_hours(prefs, now);
    if story.breaking && prefs.breaking_overrides && policy.breaking_may_override {
        return Decision::Send {
            local_day: today,
            overrode: at_cap || quiet,
        };
    }
    if story.digest_only && !story.breaking {
        return Decision::Hold {
            due_at: next_digest_due(prefs, now),
            reason: HoldReason::Digest,
        };
    }
    if at_cap {
        return Decision::Hold {
            due_at: next_digest_due(prefs, now),
            reason: HoldReason::Cap,
        };
    }
    if quiet {
        return Decision::Hold {
            due_at: quiet_hours_end(prefs, now),
            reason: HoldReason::QuietHours,
        };
    }
    Decision::Send {
        local_day: today,
        overrode: false,
    }
}

/// The reader's count for their current local day: a count kept for
/// another day is 0 today.
pub fn sent_today(prefs: &Preferences, sent: SentToday, now: DateTime<Utc>) -> u32 {
    if sent.local_day == local_day(prefs.time_zone, now) {
        sent.count
    } else {
        0
    }
}

/// Whether `at` is inside the reader's quiet hours (by their wall clock).
pub fn in_quiet_hours(prefs: &Preferences, at: DateTime<Utc>) -> bool {
    prefs
        .quiet_hours
        .is_some_and(|q| q.contains(wall_seconds(prefs.time_zone, at)))
}

/// The first instant after `now` at which the reader's quiet hours end
/// (their clock reaches the end time, or jumps past it) and that is not
/// itself quiet. Without quiet hours, `now` plus one second.
pub fn quiet_hours_end(prefs: &Preferences, now: DateTime<Utc>) -> DateTime<Utc> {
    let Some(quiet) = prefs.quiet_hours else {
        return now + Duration::seconds(1);
    };
    let mut at = now;
    // A clock that jumps past the end time may land in the next quiet
    // period (quiet hours of nearly a whole day); the next day's end then.
    for _ in 0..8 {
        at = next_occurrence(prefs.time_zone, quiet.end, at);
        if !in_quiet_hours(prefs, at) {
            break;
        }
    }
    at
}

/// When the reader's next digest is due after `now`: each day's digest is
/// at their digest time, or, when that falls in their quiet hours, at the
/// end of those; the first such instant after `now`. (So with quiet hours
/// 00:00–05:00 and a digest at 00:00, at 04:00 the day's digest is still to
/// come, at 05:00.)
pub fn next_digest_due(prefs: &Preferences, now: DateTime<Utc>) -> DateTime<Utc> {
    // Start two days back: a digest time passed before `now` may have been
    // moved past it by quiet hours.
    let mut digest = next_occurrence(prefs.time_zone, prefs.digest_time, now - Duration::days(2));
    for _ in 0..8 {
        let due = if in_quiet_hours(prefs, digest) {
            quiet_hours_end(prefs, digest)
        } else {
            digest
        };
        if due > now {
            return due;
        }
        digest = next_occurrence(prefs.time_zone, prefs.digest_time, digest);
    }
    // Unreachable: one of the next days' digests is after `now`.
    next_occurrence(prefs.time_zone, prefs.digest_time, now)
}

/// Days a subscription asked "still interested?" has to answer (visit or
/// click) before it is pruned.
pub const STILL_INTERESTED_GRACE_DAYS: i64 = 7;

/// What to do about a subscription's silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inactivity {
    /// Seen recently, or asked and still within the grace period.
    Active,
    /// Send one "still interested?" notification.
    AskStillInterested,
    /// Asked, and no sign of life since: delete the subscription.
    Prune,
}

/// A subscription last seen (visit, click, API call) at `last_seen`, and
/// asked "still interested?" at `asked` (if ever). `inactive_days` 0 turns
/// this off.
pub fn inactivity(
    policy: &SitePolicy,
    last_seen: DateTime<Utc>,
    asked: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Inactivity {
    if policy.inactive_days == 0 {
        return Inactivity::Active;
    }
    match asked.filter(|asked| *asked >= last_seen) {
        Some(asked) if now >= asked + Duration::days(STILL_INTERESTED_GRACE_DAYS) => {
            Inactivity::Prune
        }
        Some(_) => Inactivity::Active,
        None if now >= last_seen + Duration::days(i64::from(policy.inactive_days)) => {
            Inactivity::AskStillInterested
        }
        None => Inactivity::Active,
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::super::local_time::LocalTime;
    use super::super::preferences::QuietHours;
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("valid instant")
            .with_timezone(&Utc)
    }

    fn t(text: &str) -> LocalTime {
        text.parse().expect("valid time")
    }

    fn prefs(zone: Tz, quiet: Option<(&str, &str)>) -> Preferences {
        Preferences {
            max_per_day: 6,
            quiet_hours: quiet.map(|(s, e)| QuietHours {
                start: t(s),
                end: t(e),
            }),
            time_zone: zone,
            digest_time: t("08:00"),
            breaking_overrides: true,
        }
    }

    const NEWS: StoryReach = StoryReach {
        breaking: false,
        digest_only: false,
    };
    const BREAKING: StoryReach = StoryReach {
        breaking: true,
        digest_only: false,
    };
    const DIGEST: StoryReach = StoryReach {
        breaking: false,
        digest_only: true,
    };

    fn hold(due: &str, reason: HoldReason) -> Decision {
        Decision::Hold {
            due_at: utc(due),
            reason,
        }
    }

    fn send(prefs: &Preferences, now: &str) -> Decision {
        Decision::Send {
            local_day: local_day(prefs.time_zone, utc(now)),
            overrode: false,
        }
    }

    #[test]
    fn an_ordinary_story_outside_quiet_hours_goes_now() {
        let p = prefs(Tz::Europe__London, Some(("22:00", "07:00")));
        let now = "2024-07-01T12:00:00Z";
        assert_eq!(
            decide(
                &p,
                &SitePolicy::default(),
                SentToday::default(),
                NEWS,
                utc(now)
            ),
            send(&p, now)
        );
    }

    #[test]
    fn quiet_hours_across_midnight_hold_until_they_end() {
        let p = prefs(Tz::Europe__London, Some(("22:00", "07:00")));
        let policy = SitePolicy::default();
        // 23:30 BST on 1 July: quiet until 07:00 BST on the 2nd.
        assert_eq!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-07-01T22:30:00Z")
            ),
            hold("2024-07-02T06:00:00Z", HoldReason::QuietHours)
        );
        // 05:00 BST: the same morning's 07:00.
        assert_eq!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-07-02T04:00:00Z")
            ),
            hold("2024-07-02T06:00:00Z", HoldReason::QuietHours)
        );
        // 07:00 BST exactly is no longer quiet; 21:59 not yet.
        assert!(matches!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-07-02T06:00:00Z")
            ),
            Decision::Send { .. }
        ));
        assert!(matches!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-07-02T20:59:00Z")
            ),
            Decision::Send { .. }
        ));
    }

    #[test]
    fn quiet_hours_within_a_day() {
        let p = prefs(Tz::America__New_York, Some(("13:00", "14:00")));
        let policy = SitePolicy::default();
        // 13:30 EDT.
        assert_eq!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-07-01T17:30:00Z")
            ),
            hold("2024-07-01T18:00:00Z", HoldReason::QuietHours)
        );
        assert!(matches!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-07-01T16:59:59Z")
            ),
            Decision::Send { .. }
        ));
    }

    #[test]
    fn a_digest_topic_waits_for_the_digest_time_even_in_quiet_hours() {
        let p = prefs(Tz::Europe__London, Some(("22:00", "07:00")));
        let policy = SitePolicy::default();
        assert_eq!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                DIGEST,
                utc("2024-07-01T22:30:00Z")
            ),
            hold("2024-07-02T07:00:00Z", HoldReason::Digest)
        );
        assert_eq!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                DIGEST,
                utc("2024-07-02T12:00:00Z")
            ),
            hold("2024-07-03T07:00:00Z", HoldReason::Digest)
        );
    }

    #[test]
    fn at_the_cap_the_rest_wait_for_the_digest_and_the_count_resets_at_local_midnight() {
        let p = prefs(Tz::Asia__Kolkata, None);
        let policy = SitePolicy::default();
        let now = utc("2024-07-01T10:00:00Z"); // 15:30 IST
        let today = local_day(Tz::Asia__Kolkata, now);
        let full = SentToday {
            local_day: today,
            count: 6,
        };
        assert_eq!(
            decide(&p, &policy, full, NEWS, now),
            hold("2024-07-02T02:30:00Z", HoldReason::Cap)
        );
        let five = SentToday {
            local_day: today,
            count: 5,
        };
        assert_eq!(
            decide(&p, &policy, five, NEWS, now),
            Decision::Send {
                local_day: today,
                overrode: false
            }
        );
        // Yesterday's full count is nothing today: IST midnight is 18:30 UTC.
        assert_eq!(
            decide(&p, &policy, full, NEWS, utc("2024-07-01T18:30:00Z")),
            Decision::Send {
                local_day: today + 1,
                overrode: false
            }
        );
        assert_eq!(
            decide(&p, &policy, full, NEWS, utc("2024-07-01T18:29:59Z")),
            hold("2024-07-02T02:30:00Z", HoldReason::Cap)
        );
    }

    #[test]
    fn a_cap_of_zero_sends_everything_to_the_digest() {
        let mut p = prefs(Tz::UTC, None);
        p.max_per_day = 0;
        let now = utc("2024-07-01T10:00:00Z");
        assert_eq!(
            decide(&p, &SitePolicy::default(), SentToday::default(), NEWS, now),
            hold("2024-07-02T08:00:00Z", HoldReason::Cap)
        );
        assert!(matches!(
            decide(
                &p,
                &SitePolicy::default(),
                SentToday::default(),
                BREAKING,
                now
            ),
            Decision::Send { overrode: true, .. }
        ));
    }

    #[test]
    fn breaking_news_cuts_through_when_reader_and_site_allow_it() {
        let p = prefs(Tz::Europe__London, Some(("22:00", "07:00")));
        let now = utc("2024-07-01T23:00:00Z");
        let today = local_day(Tz::Europe__London, now);
        let full = SentToday {
            local_day: today,
            count: 9,
        };
        let policy = SitePolicy::default();
        assert_eq!(
            decide(&p, &policy, full, BREAKING, now),
            Decision::Send {
                local_day: today,
                overrode: true
            }
        );
        // Breaking news in a digest topic still goes now.
        let both = StoryReach {
            breaking: true,
            digest_only: true,
        };
        assert!(matches!(
            decide(&p, &policy, SentToday::default(), both, now),
            Decision::Send { .. }
        ));
        // The reader said no: quiet hours hold it, until they end, not the digest.
        let mut no = p.clone();
        no.breaking_overrides = false;
        assert_eq!(
            decide(&no, &policy, SentToday::default(), both, now),
            hold("2024-07-02T06:00:00Z", HoldReason::QuietHours)
        );
        // The site said no: the cap holds it.
        let noon = utc("2024-07-01T12:00:00Z");
        let noon_day = local_day(Tz::Europe__London, noon);
        let full_at_noon = SentToday {
            local_day: noon_day,
            count: 6,
        };
        let strict = SitePolicy {
            breaking_may_override: false,
            ..SitePolicy::default()
        };
        assert_eq!(
            decide(&p, &strict, full_at_noon, BREAKING, noon),
            hold("2024-07-02T07:00:00Z", HoldReason::Cap)
        );
        // Outside quiet hours and under the cap, breaking news overrode nothing.
        assert_eq!(
            decide(&p, &policy, SentToday::default(), BREAKING, noon),
            Decision::Send {
                local_day: noon_day,
                overrode: false
            }
        );
    }

    #[test]
    fn a_digest_time_inside_quiet_hours_moves_to_their_end() {
        let mut p = prefs(Tz::Europe__London, Some(("22:00", "07:00")));
        p.digest_time = t("06:00");
        assert_eq!(
            next_digest_due(&p, utc("2024-07-01T12:00:00Z")),
            utc("2024-07-02T06:00:00Z")
        );
    }

    #[test]
    fn a_digest_moved_by_quiet_hours_is_still_that_days_digest() {
        let mut p = prefs(Tz::UTC, Some(("00:00", "05:00")));
        p.digest_time = t("00:00");
        assert_eq!(
            next_digest_due(&p, utc("2024-07-01T04:00:00Z")),
            utc("2024-07-01T05:00:00Z")
        );
        assert_eq!(
            next_digest_due(&p, utc("2024-07-01T05:00:00Z")),
            utc("2024-07-02T05:00:00Z")
        );
    }

    #[test]
    fn london_spring_forward_quiet_end_in_the_gap() {
        // 2024-03-31 01:00 GMT → 02:00 BST. Quiet 23:00–01:30: 01:30 never
        // comes; the quiet hours end when the clock jumps (01:00 UTC).
        let p = prefs(Tz::Europe__London, Some(("23:00", "01:30")));
        let now = utc("2024-03-31T00:10:00Z");
        assert_eq!(
            decide(&p, &SitePolicy::default(), SentToday::default(), NEWS, now),
            hold("2024-03-31T01:00:00Z", HoldReason::QuietHours)
        );
    }

    #[test]
    fn london_fall_back_quiet_end_in_the_overlap() {
        // 2024-10-27 02:00 BST → 01:00 GMT. Quiet 22:00–01:30 ends at the
        // first 01:30 (BST); during the repeated hour the clock is back
        // before 01:30, so it is quiet again until the second 01:30.
        let p = prefs(Tz::Europe__London, Some(("22:00", "01:30")));
        let policy = SitePolicy::default();
        assert_eq!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-10-26T23:00:00Z")
            ),
            hold("2024-10-27T00:30:00Z", HoldReason::QuietHours)
        );
        assert!(matches!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-10-27T00:45:00Z")
            ),
            Decision::Send { .. }
        ));
        assert_eq!(
            decide(
                &p,
                &policy,
                SentToday::default(),
                NEWS,
                utc("2024-10-27T01:10:00Z")
            ),
            hold("2024-10-27T01:30:00Z", HoldReason::QuietHours)
        );
    }

    #[test]
    fn new_york_digest_time_on_both_switch_days() {
        let mut p = prefs(Tz::America__New_York, None);
        p.digest_time = t("02:30");
        // 2024-03-10: 02:30 does not exist; due when the clock jumps to 03:00 EDT.
        assert_eq!(
            next_digest_due(&p, utc("2024-03-10T05:00:00Z")),
            utc("2024-03-10T07:00:00Z")
        );
        p.digest_time = t("01:15");
        // 2024-11-03: 01:15 EDT (05:15 UTC), then 01:15 EST (06:15 UTC).
        assert_eq!(
            next_digest_due(&p, utc("2024-11-03T04:00:00Z")),
            utc("2024-11-03T05:15:00Z")
        );
        assert_eq!(
            next_digest_due(&p, utc("2024-11-03T05:15:00Z")),
            utc("2024-11-03T06:15:00Z")
        );
    }

    #[test]
    fn the_count_on_a_23_and_a_25_hour_day() {
        let p = prefs(Tz::America__New_York, None);
        // 2024-03-10 is 23 hours long in New York: it ends at 04:00 UTC on the 11th.
        let day = local_day(Tz::America__New_York, utc("2024-03-10T12:00:00Z"));
        let full = SentToday {
            local_day: day,
            count: 6,
        };
        assert!(matches!(
            decide(
                &p,
                &SitePolicy::default(),
                full,
                NEWS,
                utc("2024-03-11T03:59:59Z")
            ),
            Decision::Hold { .. }
        ));
        assert!(matches!(
            decide(
                &p,
                &SitePolicy::default(),
                full,
                NEWS,
                utc("2024-03-11T04:00:00Z")
            ),
            Decision::Send { .. }
        ));
        // 2024-11-03 is 25 hours long: it ends at 05:00 UTC on the 4th.
        let day = local_day(Tz::America__New_York, utc("2024-11-03T12:00:00Z"));
        let full = SentToday {
            local_day: day,
            count: 6,
        };
        assert!(matches!(
            decide(
                &p,
                &SitePolicy::default(),
                full,
                NEWS,
                utc("2024-11-04T04:59:59Z")
            ),
            Decision::Hold { .. }
        ));
        assert!(matches!(
            decide(
                &p,
                &SitePolicy::default(),
                full,
                NEWS,
                utc("2024-11-04T05:00:00Z")
            ),
            Decision::Send { .. }
        ));
    }

    #[test]
    fn lord_howe_half_hour_shift() {
        // 2024-10-06 02:00 (+10:30) → 02:30 (+11). Quiet 22:00–02:15: its end
        // never shows; quiet ends at the jump, 15:30 UTC on the 5th.
        let p = prefs(Tz::Australia__Lord_Howe, Some(("22:00", "02:15")));
        assert_eq!(
            decide(
                &p,
                &SitePolicy::default(),
                SentToday::default(),
                NEWS,
                utc("2024-10-05T15:00:00Z")
            ),
            hold("2024-10-05T15:30:00Z", HoldReason::QuietHours)
        );
    }

    #[test]
    fn kolkata_and_kiritimati_offsets() {
        let p = prefs(Tz::Asia__Kolkata, Some(("22:00", "07:00")));
        // 22:30 IST = 17:00 UTC; quiet until 07:00 IST = 01:30 UTC.
        assert_eq!(
            decide(
                &p,
                &SitePolicy::default(),
                SentToday::default(),
                NEWS,
                utc("2024-07-01T17:00:00Z")
            ),
            hold("2024-07-02T01:30:00Z", HoldReason::QuietHours)
        );
        let p = prefs(Tz::Pacific__Kiritimati, Some(("22:00", "07:00")));
        // 23:00 on the 1st in Kiritimati (+14) is 09:00 UTC on the 1st.
        assert_eq!(
            decide(
                &p,
                &SitePolicy::default(),
                SentToday::default(),
                NEWS,
                utc("2024-07-01T09:00:00Z")
            ),
            hold("2024-07-01T17:00:00Z", HoldReason::QuietHours)
        );
        assert_eq!(
            next_digest_due(&p, utc("2024-07-01T09:00:00Z")),
            utc("2024-07-01T18:00:00Z")
        );
    }

    #[test]
    fn reach_is_digest_only_when_every_followed_topic_is_a_digest_topic() {
        assert!(StoryReach::from_topics(false, &[1, 2], &[1, 2, 3]).digest_only);
        assert!(!StoryReach::from_topics(false, &[1, 2], &[1]).digest_only);
        assert!(!StoryReach::from_topics(true, &[], &[1]).digest_only);
    }

    #[test]
    fn hold_reasons_have_stable_names() {
        for reason in [HoldReason::Cap, HoldReason::QuietHours, HoldReason::Digest] {
            assert_eq!(HoldReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(HoldReason::parse("nap"), None);
    }

    #[test]
    fn silence_is_asked_about_once_then_pruned() {
        let policy = SitePolicy::default();
        let seen = utc("2024-01-01T00:00:00Z");
        assert_eq!(
            inactivity(&policy, seen, None, seen + Duration::days(59)),
            Inactivity::Active
        );
        assert_eq!(
            inactivity(&policy, seen, None, seen + Duration::days(60)),
            Inactivity::AskStillInterested
        );
        let asked = seen + Duration::days(60);
        assert_eq!(
            inactivity(&policy, seen, Some(asked), asked + Duration::days(6)),
            Inactivity::Active
        );
        assert_eq!(
            inactivity(&policy, seen, Some(asked), asked + Duration::days(7)),
            Inactivity::Prune
        );
        // Seen again after the question: the question no longer counts.
        let back = asked + Duration::days(1);
        assert_eq!(
            inactivity(&policy, back, Some(asked), asked + Duration::days(30)),
            Inactivity::Active
        );
        let off = SitePolicy {
            inactive_days: 0,
            ..SitePolicy::default()
        };
        assert_eq!(
            inactivity(&off, seen, None, seen + Duration::days(999)),
            Inactivity::Active
        );
    }
}
