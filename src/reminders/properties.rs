//! Property tests of the reminder rules over random zones (every IANA zone
//! Herald knows), instants (1995–2045, DST changes included), preferences
//! and counts.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::{TZ_VARIANTS, Tz};
use proptest::prelude::*;

use super::local_time::{LocalTime, local_day, wall_seconds};
use super::preferences::{Preferences, QuietHours, SitePolicy};
use super::rules::{
    Decision, HoldReason, SentToday, StoryReach, decide, in_quiet_hours, next_digest_due,
};

fn zone() -> impl Strategy<Value = Tz> {
    (0..TZ_VARIANTS.len()).prop_map(|i| TZ_VARIANTS[i])
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 1995-01-01 to 2045-01-01.
    (788_918_400i64..2_366_841_600).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default())
}

fn time_of_day() -> impl Strategy<Value = LocalTime> {
    // Whole minutes, with the half hours DST changes like best weighted in.
    prop_oneof![
        (0u16..1440).prop_map(|m| LocalTime::from_minutes(m).unwrap_or(LocalTime::MIDNIGHT)),
        (0u16..48).prop_map(|h| LocalTime::from_minutes(h * 30).unwrap_or(LocalTime::MIDNIGHT)),
    ]
}

fn quiet_hours() -> impl Strategy<Value = Option<QuietHours>> {
    prop_oneof![
        Just(None),
        (time_of_day(), time_of_day())
            .prop_filter("start and end differ", |(s, e)| s != e)
            .prop_map(|(start, end)| Some(QuietHours { start, end })),
    ]
}

fn preferences() -> impl Strategy<Value = Preferences> {
    (
        0u32..=50,
        quiet_hours(),
        zone(),
        time_of_day(),
        any::<bool>(),
    )
        .prop_map(
            |(max_per_day, quiet_hours, time_zone, digest_time, breaking_overrides)| Preferences {
                max_per_day,
                quiet_hours,
                time_zone,
                digest_time,
                breaking_overrides,
            },
        )
}

fn policy() -> impl Strategy<Value = SitePolicy> {
    any::<bool>().prop_map(|breaking_may_override| SitePolicy {
        breaking_may_override,
        ..SitePolicy::default()
    })
}

fn reach() -> impl Strategy<Value = StoryReach> {
    (prop::bool::weighted(0.2), any::<bool>()).prop_map(|(breaking, digest_only)| StoryReach {
        breaking,
        digest_only,
    })
}

/// The offset in force at `at`, in seconds.
fn offset(zone: Tz, at: DateTime<Utc>) -> i32 {
    zone.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The reader's clock shows `time` at `at`, or it jumped over `time` at
/// that very instant (a DST gap): the due instant really is on their clock.
fn shows_or_jumps_past(zone: Tz, time: LocalTime, at: DateTime<Utc>) -> bool {
    wall_seconds(zone, at) == time.seconds()
        || offset(zone, at - Duration::seconds(1)) != offset(zone, at)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn held_stories_are_due_later_and_never_in_quiet_hours(
        prefs in preferences(), policy in policy(), now in instant(), story in reach(),
        count in 0u32..60, same_day in any::<bool>(),
    ) {
        let today = local_day(prefs.time_zone, now);
        let sent = SentToday { local_day: if same_day { today } else { today - 1 }, count };
        if let Decision::Hold { due_at, reason } = decide(&prefs, &policy, sent, story, now) {
            prop_assert!(due_at > now, "due {due_at} not after {now}");
            prop_assert!(!in_quiet_hours(&prefs, due_at), "due {due_at} in quiet hours");
            prop_assert!(due_at <= now + Duration::days(3), "due {due_at} too far from {now}");
            let expected = match reason {
                HoldReason::QuietHours => prefs.quiet_hours.map(|q| q.end),
                // Moved out of quiet hours, or on time.
                HoldReason::Cap | HoldReason::Digest => Some(prefs.digest_time),
            };
            if let Some(time) = expected {
                let on_time = shows_or_jumps_past(prefs.time_zone, time, due_at);
                let moved = prefs.quiet_hours.is_some_and(|q| shows_or_jumps_past(prefs.time_zone, q.end, due_at));
                prop_assert!(on_time || moved, "due {due_at} is not at {time} on the reader's clock");
            }
        }
    }

    #[test]
    fn nothing_is_sent_in_quiet_hours_but_breaking_news_allowed_through(
        prefs in preferences(), policy in policy(), now in instant(), story in reach(),
    ) {
        if let Decision::Send { local_day: day, overrode } = decide(&prefs, &policy, SentToday::default(), story, now) {
            let allowed = story.breaking && prefs.breaking_overrides && policy.breaking_may_override;
            prop_assert!(!in_quiet_hours(&prefs, now) || allowed);
            prop_assert!(!overrode || allowed);
            prop_assert!(!story.digest_only || story.breaking);
            prop_assert_eq!(day, local_day(prefs.time_zone, now));
        }
    }

    #[test]
    fn the_daily_count_never_passes_the_cap_but_for_breaking_news(
        prefs in preferences(), policy in policy(), start in instant(),
        stories in prop::collection::vec((1i64..40_000, reach()), 1..80),
    ) {
        let mut sent = SentToday::default();
        let mut ordinary: HashMap<i64, u32> = HashMap::new();
        let mut now = start;
        for (gap, story) in stories {
            now += Duration::seconds(gap);
            if let Decision::Send { local_day: day, .. } = decide(&prefs, &policy, sent, story, now) {
                sent = if sent.local_day == day {
                    SentToday { local_day: day, count: sent.count + 1 }
                } else {
                    SentToday { local_day: day, count: 1 }
                };
                if !story.breaking {
                    let n = ordinary.entry(day).or_default();
                    *n += 1;
                    prop_assert!(sent.count <= prefs.max_per_day, "sent {} with a cap of {}", sent.count, prefs.max_per_day);
                }
            }
        }
        prop_assert!(ordinary.values().all(|n| *n <= prefs.max_per_day));
    }

    #[test]
    fn the_next_digest_is_later_outside_quiet_hours_and_on_the_clock(
        prefs in preferences(), now in instant(),
    ) {
        let due = next_digest_due(&prefs, now);
        prop_assert!(due > now);
        prop_assert!(due <= now + Duration::days(3));
        prop_assert!(!in_quiet_hours(&prefs, due));
        let on_time = shows_or_jumps_past(prefs.time_zone, prefs.digest_time, due);
        let moved = prefs.quiet_hours.is_some_and(|q| shows_or_jumps_past(prefs.time_zone, q.end, due));
        prop_assert!(on_time || moved);
        // Nothing in between is a digest time outside quiet hours: the
        // next one really is the next.
        prop_assert_eq!(next_digest_due(&prefs, now), next_digest_due(&prefs, due - Duration::seconds(1)));
    }
}
