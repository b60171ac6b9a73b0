//! Wall-clock times in a reader's time zone: times of day ("22:00"), the
//! reader's local day, and the next instant a time of day comes round,
//! across daylight-saving changes.
//!
//! Definitions every rule relies on:
//!
//! - **Local day**: from local midnight to the next local midnight in the
//!   reader's zone. Its number is the count of days from 1970-01-01 to the
//!   local date (so it changes exactly at local midnight; a day may last 23,
//!   24 or 25 hours, and in rare zones another length).
//! - **Next occurrence** of a time of day after an instant: the first
//!   instant strictly after it at which the reader's clock shows that time.
//!   - When the time does not exist that day (it falls in a DST gap, as
//!     02:30 on the spring-forward day in Europe or America), the first
//!     instant after the gap (the moment the clock jumps, showing 03:00).
//!   - When the time exists twice (a DST overlap, as 01:30 on the
//!     fall-back day), the earlier instant; when that one has already passed,
//!     the later one.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// A time of day to the minute, as a reader writes it: "HH:MM", 00:00 to
/// 23:59.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(u16);

/// A time of day that is not "HH:MM" within 00:00–23:59.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a time of day as \"HH:MM\", from 00:00 to 23:59")]
pub struct BadTime;

impl LocalTime {
    pub const MIDNIGHT: LocalTime = LocalTime(0);

    /// The time `minutes` after midnight, when that is within the day.
    pub fn from_minutes(minutes: u16) -> Option<LocalTime> {
        (minutes < 24 * 60).then_some(LocalTime(minutes))
    }

    pub fn hm(hour: u16, minute: u16) -> Option<LocalTime> {
        if hour < 24 && minute < 60 {
            Some(LocalTime(hour * 60 + minute))
        } else {
            None
        }
    }

    /// Minutes after midnight: how the store keeps it.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// Seconds after midnight.
    pub fn seconds(self) -> u32 {
        u32::from(self.0) * 60
    }

    fn naive(self) -> NaiveTime {
        NaiveTime::from_hms_opt(u32::from(self.0 / 60), u32::from(self.0 % 60), 0)
            .unwrap_or(NaiveTime::MIN)
    }
}

impl FromStr for LocalTime {
    type Err = BadTime;

    /// Exactly two digits, a colon, two digits.
    fn from_str(text: &str) -> Result<LocalTime, BadTime> {
        let bytes = text.as_bytes();
        if bytes.len() != 5 || bytes[2] != b':' {
            return Err(BadTime);
        }
        let number = |pair: &[u8]| -> Option<u16> {
            pair.iter().try_fold(0u16, |n, b| {
                b.is_ascii_digit().then(|| n * 10 + u16::from(b - b'0'))
            })
        };
        match (number(&bytes[..2]), number(&bytes[3..])) {
            (Some(h), Some(m)) => LocalTime::hm(h, m).ok_or(BadTime),
            _ => Err(BadTime),
        }
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// 1970-01-01, day 0.
const EPOCH_DAY: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");

/// The number of the reader's local day at `at` (days since 1970-01-01 of
/// the local date).
pub fn local_day(zone: Tz, at: DateTime<Utc>) -> i64 {
    at.with_timezone(&zone)
        .date_naive()
        .signed_duration_since(EPOCH_DAY)
        .num_days()
}

/// What the reader's clock shows at `at`, in seconds after local midnight.
pub fn wall_seconds(zone: Tz, at: DateTime<Utc>) -> u32 {
    at.with_timezone(&zone).time().num_seconds_from_midnight()
}

/// Whether `name` is an IANA time zone Herald knows (case-sensitive, as
/// browsers report them: "Europe/London", "UTC").
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// The first instant strictly after `after` at which the clock in `zone`
/// shows `time` (see the module's definitions for gaps and overlaps).
pub fn next_occurrence(zone: Tz, time: LocalTime, after: DateTime<Utc>) -> DateTime<Utc> {
    let today = after.with_timezone(&zone).date_naive();
    // Starting the day before covers an overlap that runs past midnight;
    // three days ahead is more than any zone's clock can jump.
    let mut date = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    for _ in 0..5 {
        for candidate in occurrences_on(zone, date, time).into_iter().flatten() {
            if candidate > after {
                return candidate;
            }
        }
        match date.checked_add_days(Days::new(1)) {
            Some(next) => date = next,
            None => break,
        }
    }
    // Unreachable for any real zone; a day later is still a sound answer.
    after + chrono::Duration::days(1)
}

/// The instants at which the clock shows `time` on `date`, earlier first:
/// one, two in an overlap, or (in a gap) the instant the gap ends.
fn occurrences_on(zone: Tz, date: NaiveDate, time: LocalTime) -> [Option<DateTime<Utc>>; 2] {
    let local = date.and_time(time.naive());
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => [Some(at.with_timezone(&Utc)), None],
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            [Some(a.min(b)), Some(a.max(b))]
        }
        LocalResult::None => [end_of_gap(zone, local), None],
    }
}

/// The first instant after the DST gap that swallows `local`: the moment
/// the clock jumps. Every zone's transitions fall on whole minutes, so the
/// first local minute that exists after `local` shows exactly that moment.
fn end_of_gap(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    // Gaps last an hour, 30 minutes on Lord Howe Island, and a whole day
    // where a zone moved across the date line.
    (1..=26 * 60).find_map(|minutes| {
        let later = local + chrono::Duration::minutes(minutes);
        zone.from_local_datetime(&later)
            .earliest()
            .map(|at| at.with_timezone(&Utc))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("valid instant")
            .with_timezone(&Utc)
    }

    fn t(text: &str) -> LocalTime {
        text.parse().expect("valid time")
    }

    #[test]
    fn times_of_day_are_exactly_hh_mm() {
        assert_eq!(t("00:00").minutes(), 0);
        assert_eq!(t("23:59").minutes(), 1439);
        assert_eq!(t("07:30").to_string(), "07:30");
        for bad in [
            "24:00",
            "7:30",
            "07:60",
            "07-30",
            "",
            "07:3a",
            "+7:30",
            "007:30",
            "٠٧:٣٠",
        ] {
            assert_eq!(bad.parse::<LocalTime>(), Err(BadTime), "{bad}");
        }
    }

    #[test]
    fn local_day_changes_at_local_midnight() {
        let london = Tz::Europe__London;
        // 2024-07-01 is day 19905; at 23:30 UTC it is already 00:30 on the 2nd in London (BST).
        assert_eq!(local_day(Tz::UTC, utc("2024-07-01T23:30:00Z")), 19905);
        assert_eq!(local_day(london, utc("2024-07-01T22:59:59Z")), 19905);
        assert_eq!(local_day(london, utc("2024-07-01T23:00:00Z")), 19906);
        // Kiritimati (+14) is a day ahead of UTC for most of it.
        assert_eq!(
            local_day(Tz::Pacific__Kiritimati, utc("2024-07-01T10:00:00Z")),
            19906
        );
        // Kolkata (+5:30) turns at 18:30 UTC.
        assert_eq!(
            local_day(Tz::Asia__Kolkata, utc("2024-07-01T18:29:59Z")),
            19905
        );
        assert_eq!(
            local_day(Tz::Asia__Kolkata, utc("2024-07-01T18:30:00Z")),
            19906
        );
    }

    #[test]
    fn next_occurrence_is_later_today_or_tomorrow() {
        let z = Tz::Europe__London;
        assert_eq!(
            next_occurrence(z, t("08:00"), utc("2024-07-01T06:00:00Z")),
            utc("2024-07-01T07:00:00Z")
        );
        // Exactly at the time: the next day's.
        assert_eq!(
            next_occurrence(z, t("08:00"), utc("2024-07-01T07:00:00Z")),
            utc("2024-07-02T07:00:00Z")
        );
        assert_eq!(
            next_occurrence(Tz::Asia__Kolkata, t("08:00"), utc("2024-07-01T03:00:00Z")),
            utc("2024-07-02T02:30:00Z")
        );
        assert_eq!(
            next_occurrence(
                Tz::Pacific__Kiritimati,
                t("08:00"),
                utc("2024-07-01T17:00:00Z")
            ),
            utc("2024-07-01T18:00:00Z")
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_comes_when_the_clock_jumps() {
        // London, 2024-03-31: 01:00 GMT becomes 02:00 BST; 01:30 does not exist.
        let z = Tz::Europe__London;
        assert_eq!(
            next_occurrence(z, t("01:30"), utc("2024-03-30T23:00:00Z")),
            utc("2024-03-31T01:00:00Z")
        );
        // New York, 2024-03-10: 02:00 EST becomes 03:00 EDT.
        let ny = Tz::America__New_York;
        assert_eq!(
            next_occurrence(ny, t("02:30"), utc("2024-03-10T05:00:00Z")),
            utc("2024-03-10T07:00:00Z")
        );
        // Lord Howe, 2024-10-06: 02:00 (+10:30) becomes 02:30 (+11); 02:15 does not exist.
        let lh = Tz::Australia__Lord_Howe;
        assert_eq!(
            next_occurrence(lh, t("02:15"), utc("2024-10-05T12:00:00Z")),
            utc("2024-10-05T15:30:00Z")
        );
    }

    #[test]
    fn a_time_in_the_autumn_overlap_is_the_earlier_instant_then_the_later() {
        // London, 2024-10-27: 02:00 BST becomes 01:00 GMT; 01:30 happens twice.
        let z = Tz::Europe__London;
        let first = next_occurrence(z, t("01:30"), utc("2024-10-26T20:00:00Z"));
        assert_eq!(first, utc("2024-10-27T00:30:00Z"));
        assert_eq!(
            next_occurrence(z, t("01:30"), first),
            utc("2024-10-27T01:30:00Z")
        );
        // New York, 2024-11-03: 01:30 EDT then 01:30 EST.
        let ny = Tz::America__New_York;
        assert_eq!(
            next_occurrence(ny, t("01:30"), utc("2024-11-03T04:00:00Z")),
            utc("2024-11-03T05:30:00Z")
        );
        // Lord Howe, 2024-04-07: 02:00 (+11) becomes 01:30 (+10:30).
        let lh = Tz::Australia__Lord_Howe;
        assert_eq!(
            next_occurrence(lh, t("01:45"), utc("2024-04-06T13:00:00Z")),
            utc("2024-04-06T14:45:00Z")
        );
        assert_eq!(
            next_occurrence(lh, t("01:45"), utc("2024-04-06T14:45:00Z")),
            utc("2024-04-06T15:15:00Z")
        );
    }

    #[test]
    fn a_day_that_never_happened_still_has_an_answer() {
        // Samoa skipped 2011-12-30 when it moved across the date line.
        // At 09:00 on the 29th (-10), the next 08:00 would be on the 30th:
        // the first instant after it is midnight on the 31st (+14).
        let apia = Tz::Pacific__Apia;
        let at = next_occurrence(apia, t("08:00"), utc("2011-12-29T19:00:00Z"));
        assert_eq!(at, utc("2011-12-30T10:00:00Z"));
        assert_eq!(at.with_timezone(&apia).time(), NaiveTime::MIN);
    }

    #[test]
    fn zones_are_iana_names() {
        assert_eq!(parse_zone("Europe/London"), Some(Tz::Europe__London));
        assert_eq!(parse_zone("UTC"), Some(Tz::UTC));
        assert_eq!(parse_zone("Mars/Olympus_Mons"), None);
        assert_eq!(parse_zone(""), None);
    }
}
