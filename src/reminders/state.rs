//! What the rules know of one reader when a story reaches them, and how it
//! is decoded from the values the store keeps ([`StoredReminders`]). The
//! store reads those values with the recipient's row and hands them up as
//! they are; the delivery engine and the reader's settings decode them
//! here, where the meaning of each value lives.

use super::local_time::LocalTime;
use super::preferences::{QuietHours, StoredPreferences};
use super::rules::{SentToday, StoryReach};

/// What the rules need about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderState {
    pub preferences: StoredPreferences,
    pub sent: SentToday,
    /// Every topic of the story that the reader follows is one they take in
    /// the digest.
    pub digest_only: bool,
}

impl ReminderState {
    /// The story as the rules see it for this reader.
    pub fn reach(&self, breaking: bool) -> StoryReach {
        StoryReach {
            breaking,
            digest_only: self.digest_only,
        }
    }
}

/// A reader's reminder settings and day counter exactly as stored: `None`
/// for a setting the reader never chose (the site's default applies),
/// minutes after midnight for times of day, 0 or 1 for switches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredReminders {
    pub max_per_day: Option<i64>,
    pub quiet_start: Option<i64>,
    pub quiet_end: Option<i64>,
    pub time_zone: Option<String>,
    pub digest_time: Option<i64>,
    pub breaking_overrides: Option<i64>,
    /// The reader's local day (days since the epoch) of `sent_count`.
    pub sent_day: i64,
    pub sent_count: i64,
    /// See [`ReminderState::digest_only`]; false where no story is asked about.
    pub digest_only: bool,
}

impl StoredReminders {
    /// The state the rules read. A value out of its range (a time of day
    /// past midnight, a negative cap) reads as not chosen.
    pub fn decode(self) -> ReminderState {
        let minutes = |m: Option<i64>| {
            m.and_then(|m| u16::try_from(m).ok())
                .and_then(LocalTime::from_minutes)
        };
        let quiet_hours = match (minutes(self.quiet_start), minutes(self.quiet_end)) {
            (Some(start), Some(end)) => Some(QuietHours { start, end }),
            _ => None,
        };
        ReminderState {
            preferences: StoredPreferences {
                max_per_day: self.max_per_day.and_then(|n| u32::try_from(n).ok()),
                quiet_hours,
                time_zone: self.time_zone,
                digest_time: minutes(self.digest_time),
                breaking_overrides: self.breaking_overrides.map(|b| b != 0),
            },
            sent: SentToday {
                local_day: self.sent_day,
                count: u32::try_from(self.sent_count).unwrap_or(u32::MAX),
            },
            digest_only: self.digest_only,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_decode_to_what_the_rules_read() {
        let state = StoredReminders {
            max_per_day: Some(3),
            quiet_start: Some(22 * 60),
            quiet_end: Some(7 * 60),
            time_zone: Some("Europe/London".into()),
            digest_time: Some(8 * 60 + 30),
            breaking_overrides: Some(0),
            sent_day: 20_000,
            sent_count: 2,
            digest_only: true,
        }
        .decode();
        assert_eq!(state.preferences.max_per_day, Some(3));
        let quiet = state.preferences.quiet_hours.expect("quiet hours");
        assert_eq!((quiet.start.minutes(), quiet.end.minutes()), (1320, 420));
        assert_eq!(
            state.preferences.digest_time.map(LocalTime::minutes),
            Some(510)
        );
        assert_eq!(state.preferences.breaking_overrides, Some(false));
        assert_eq!((state.sent.local_day, state.sent.count), (20_000, 2));
        assert!(state.digest_only);
    }

    #[test]
    fn values_out_of_range_read_as_not_chosen() {
        let state = StoredReminders {
            max_per_day: Some(-1),
            quiet_start: Some(24 * 60),
            quiet_end: Some(60),
            digest_time: Some(-5),
            sent_count: -3,
            ..StoredReminders::default()
        }
        .decode();
        assert_eq!(state.preferences.max_per_day, None);
        assert_eq!(state.preferences.quiet_hours, None);
        assert_eq!(state.preferences.digest_time, None);
        assert_eq!(state.sent.count, u32::MAX);
    }
}
