//! Times as people read them: one style for the reader's site, the
//! newsroom and the missed list, in the site's time zone (`site.time_zone`)
//! with that zone's abbreviation, e.g. "4 December 2026, 20:13 GMT".
//! Where a person scans a list (the newsroom's stories and dashboard, the
//! missed list) times are relative to now ("12 min ago", "3 h ago",
//! "yesterday, 18:40"), falling back to the full date. Machines get
//! [`iso`]: an exact instant in UTC. Feeds and JSON-LD keep their own
//! standard formats (RFC 2822, RFC 3339) and do not come through here.
//!
//! Pure: the zone and "now" are arguments, so every rule is unit-tested.

use chrono::{DateTime, Days, SecondsFormat, Utc};
use chrono_tz::Tz;

/// The full form, e.g. "4 December 2026, 20:13 GMT": day, month, year,
/// 24-hour time and the zone's abbreviation at that instant (GMT or BST
/// for Europe/London, CET or CEST for Europe/Paris).
pub fn full(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%-d %B %Y, %H:%M %Z")
        .to_string()
}

/// The day alone, e.g. "4 December 2026", in `zone`.
pub fn day(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%-d %B %Y").to_string()
}

/// The time of day alone, e.g. "20:13 GMT", for something that happened
/// moments ago ("changes kept at …").
pub fn clock(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%H:%M %Z").to_string()
}

/// The exact instant for `<time datetime>` and JSON, in UTC with a `Z`,
/// e.g. "2026-12-04T20:13:00Z".
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `at` relative to `now`, for lists a person scans: "just now",
/// "12 min ago", "3 h ago" (earlier today), "yesterday, 18:40"; ahead of
/// now "in 12 min", "today, 18:40", "tomorrow, 09:00"; anything further
/// off the [`full`] date. "Today" and "yesterday" are days in `zone`.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    let today = now.with_timezone(&zone).date_naive();
    let day = local.date_naive();
    let clock = local.format("%H:%M");
    let seconds = (now - at).num_seconds();
    if seconds >= 0 {
        let minutes = seconds / 60;
        if minutes < 1 {
            return "just now".to_owned();
        }
        if minutes < 60 {
            return format!("{minutes} min ago");
        }
        if day == today {
            return format!("{} h ago", minutes / 60);
        }
        if today.checked_sub_days(Days::new(1)) == Some(day) {
            return format!("yesterday, {clock}");
        }
    } else {
        let minutes = (-seconds + 59) / 60;
        if minutes < 60 {
            return format!("in {minutes} min");
        }
        if day == today {
            return format!("today, {clock}");
        }
        if today.checked_add_days(Days::new(1)) == Some(day) {
            return format!("tomorrow, {clock}");
        }
    }
    full(at, zone)
}

/// A time for a page: the exact instant, the words to show, and the full
/// date (the same as `text` unless `text` is relative, then a tooltip).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub iso: String,
    pub text: String,
    pub full: String,
}

impl Shown {
    /// `at` as its full date.
    pub fn full(at: DateTime<Utc>, zone: Tz) -> Shown {
        let full = full(at, zone);
        Shown {
            iso: iso(at),
            text: full.clone(),
            full,
        }
    }

    /// `at` relative to `now`, with its full date beside it.
    pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>, zone: Tz) -> Shown {
        Shown {
            iso: iso(at),
            text: relative(at, now, zone),
            full: full(at, zone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("an instant")
    }

    #[test]
    fn the_full_form_names_the_zone_as_it_is_at_that_time() {
        let london: Tz = "Europe/London".parse().expect("zone");
        assert_eq!(
            full(at("2026-12-04T20:13:00Z"), london),
            "4 December 2026, 20:13 GMT"
        );
        assert_eq!(
            full(at("2026-07-04T20:13:00Z"), london),
            "4 July 2026, 21:13 BST"
        );
        assert_eq!(
            full(at("2026-12-04T20:13:00Z"), Tz::UTC),
            "4 December 2026, 20:13 UTC"
        );
        let paris: Tz = "Europe/Paris".parse().expect("zone");
        assert_eq!(
            full(at("2026-12-04T20:13:00Z"), paris),
            "4 December 2026, 21:13 CET"
        );
        assert_eq!(
            full(at("2026-06-01T08:05:00Z"), paris),
            "1 June 2026, 10:05 CEST"
        );
        let new_york: Tz = "America/New_York".parse().expect("zone");
        // The local date, not UTC's: 02:30 UTC is still the evening before.
        assert_eq!(
            full(at("2026-12-05T02:30:00Z"), new_york),
            "4 December 2026, 21:30 EST"
        );
    }

    #[test]
    fn iso_is_an_exact_utc_instant() {
        assert_eq!(iso(at("2026-12-04T21:13:07+01:00")), "2026-12-04T20:13:07Z");
    }

    #[test]
    fn relative_times_at_their_boundaries() {
        let zone = Tz::UTC;
        let now = at("2026-12-04T20:13:30Z");
        let ago = |s: &str| relative(at(s), now, zone);
        assert_eq!(ago("2026-12-04T20:13:30Z"), "just now");
        assert_eq!(ago("2026-12-04T20:12:31Z"), "just now");
        assert_eq!(ago("2026-12-04T20:12:30Z"), "1 min ago");
        assert_eq!(ago("2026-12-04T19:14:00Z"), "59 min ago");
        assert_eq!(ago("2026-12-04T19:13:30Z"), "1 h ago");
        assert_eq!(ago("2026-12-04T00:00:00Z"), "20 h ago");
        assert_eq!(ago("2026-12-03T23:59:00Z"), "yesterday, 23:59");
        assert_eq!(ago("2026-12-03T00:00:00Z"), "yesterday, 00:00");
        assert_eq!(ago("2026-12-02T23:59:00Z"), "2 December 2026, 23:59 UTC");
        assert_eq!(ago("2026-12-04T20:14:00Z"), "in 1 min");
        assert_eq!(ago("2026-12-04T21:12:30Z"), "in 59 min");
        assert_eq!(ago("2026-12-04T21:13:00Z"), "today, 21:13");
        assert_eq!(ago("2026-12-04T23:30:00Z"), "today, 23:30");
        assert_eq!(ago("2026-12-05T09:00:00Z"), "tomorrow, 09:00");
        assert_eq!(ago("2026-12-06T09:00:00Z"), "6 December 2026, 09:00 UTC");
    }

    #[test]
    fn today_and_yesterday_are_days_in_the_zone() {
        // 23:30 UTC on the 3rd is 00:30 on the 4th in Paris: earlier
        // today there, though yesterday in UTC.
        let paris: Tz = "Europe/Paris".parse().expect("zone");
        let now = at("2026-12-04T08:00:00Z");
        assert_eq!(relative(at("2026-12-03T23:30:00Z"), now, paris), "8 h ago");
        assert_eq!(
            relative(at("2026-12-03T23:30:00Z"), now, Tz::UTC),
            "yesterday, 23:30"
        );
        // Yesterday's clock time is the zone's.
        assert_eq!(
            relative(at("2026-12-03T17:40:00Z"), now, paris),
            "yesterday, 18:40"
        );
        let shown = Shown::relative(at("2026-12-03T17:40:00Z"), now, paris);
        assert_eq!(shown.full, "3 December 2026, 18:40 CET");
        assert_eq!(shown.iso, "2026-12-03T17:40:00Z");
    }
}
