//! A reader's reminder preferences and the site's policy: what is stored
//! (each setting the reader never chose is `None`, meaning "the site's
//! default", so a change of the site's default reaches them), what the rules
//! use (every setting resolved), and the checks a change from the API goes
//! through.

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

use super::local_time::{LocalTime, parse_zone};
use crate::content::input::FieldError;

/// The most notifications per day a reader may ask for.
pub const MAX_PER_DAY_LIMIT: u32 = 50;

/// Quiet hours, in the reader's wall-clock time: `start` is the first
/// quiet minute and `end` the first minute that is not quiet. `end` before
/// `start` crosses midnight (22:00–07:00); `start` equal to `end` means no
/// quiet hours at all (the API refuses it, so it is never stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: LocalTime,
    pub end: LocalTime,
}

impl QuietHours {
    /// Whether a wall-clock time (seconds after local midnight) is quiet.
    pub fn contains(self, wall_seconds: u32) -> bool {
        let (start, end) = (self.start.seconds(), self.end.seconds());
        if start < end {
            (start..end).contains(&wall_seconds)
        } else if start > end {
            wall_seconds >= start || wall_seconds < end
        } else {
            false
        }
    }
}

/// The site's rules around the readers' own (`[reminders]` in the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePolicy {
    /// The cap for readers who did not choose one.
    pub default_max_per_day: u32,
    /// The site's switch: may breaking news cut through caps and quiet
    /// hours at all (for readers who allow it)?
    pub breaking_may_override: bool,
    /// Days without a visit or a click before a subscription is asked
    /// whether it is still interested (and pruned if it stays silent).
    pub inactive_days: u32,
    /// The digest time for readers who did not choose one.
    pub default_digest_time: LocalTime,
}

impl Default for SitePolicy {
    fn default() -> SitePolicy {
        SitePolicy {
            default_max_per_day: 6,
            breaking_may_override: true,
            inactive_days: 60,
            default_digest_time: LocalTime::hm(8, 0).unwrap_or(LocalTime::MIDNIGHT),
        }
    }
}

/// A reader's settings as stored: `None` is "the site's default" (for
/// `quiet_hours`, "none"; for `time_zone`, UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredPreferences {
    pub max_per_day: Option<u32>,
    pub quiet_hours: Option<QuietHours>,
    /// An IANA name; one Herald no longer knows reads as UTC.
    pub time_zone: Option<String>,
    pub digest_time: Option<LocalTime>,
    pub breaking_overrides: Option<bool>,
}

/// A reader's settings with every default filled in: what the rules use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// Notifications per local day. 0: every story waits for the daily
    /// digest (breaking news may still cut through).
    pub max_per_day: u32,
    pub quiet_hours: Option<QuietHours>,
    pub time_zone: Tz,
    pub digest_time: LocalTime,
    /// The reader lets breaking news cut through their cap and quiet hours
    /// (when the site allows it too).
    pub breaking_overrides: bool,
}

impl Preferences {
    pub fn resolve(stored: &StoredPreferences, policy: &SitePolicy) -> Preferences {
        Preferences {
            max_per_day: stored.max_per_day.unwrap_or(policy.default_max_per_day),
            quiet_hours: stored.quiet_hours.filter(|q| q.start != q.end),
            time_zone: stored
                .time_zone
                .as_deref()
                .and_then(parse_zone)
                .unwrap_or(Tz::UTC),
            digest_time: stored.digest_time.unwrap_or(policy.default_digest_time),
            breaking_overrides: stored.breaking_overrides.unwrap_or(true),
        }
    }
}

/// A change to the preferences, as the API receives it: every field may be
/// left out (unchanged); `quiet_hours: null` turns quiet hours off.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferencesPatch {
    #[serde(default)]
    pub max_per_day: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    pub quiet_hours: Option<Option<QuietHoursInput>>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub digest_topics: Option<Vec<String>>,
    #[serde(default)]
    pub digest_time: Option<String>,
    #[serde(default)]
    pub breaking_overrides: Option<bool>,
}

/// Quiet hours as the API writes them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursInput {
    pub start: String,
    pub end: String,
}

/// A field that was sent, even as `null`, is `Some`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A checked change: apply it with [`ValidPatch::apply`]. Digest topics
/// stay slugs: whether they exist is for the store to say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidPatch {
    pub max_per_day: Option<u32>,
    pub quiet_hours: Option<Option<QuietHours>>,
    pub time_zone: Option<String>,
    pub digest_topics: Option<Vec<String>>,
    pub digest_time: Option<LocalTime>,
    pub breaking_overrides: Option<bool>,
}

impl PreferencesPatch {
    /// Checks every field, reporting each bad one by name.
    pub fn validate(self) -> Result<ValidPatch, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut error = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.to_owned(),
                message,
            })
        };
        let max_per_day = match self.max_per_day {
            Some(n) => match u32::try_from(n) {
                Ok(n) if n <= MAX_PER_DAY_LIMIT => Some(n),
                _ => {
                    error(
                        "max_per_day",
                        format!("must be a whole number from 0 to {MAX_PER_DAY_LIMIT}"),
                    );
                    None
                }
            },
            None => None,
        };
        let quiet_hours = match self.quiet_hours {
            Some(Some(input)) => {
                let start = input.start.parse::<LocalTime>();
                let end = input.end.parse::<LocalTime>();
                if let Err(e) = &start {
                    error("quiet_hours.start", e.to_string());
                }
                if let Err(e) = &end {
                    error("quiet_hours.end", e.to_string());
                }
                match (start, end) {
                    (Ok(start), Ok(end)) if start == end => {
                        error(
                            "quiet_hours.end",
                            "must differ from quiet_hours.start (to turn quiet hours off, send null)"
                                .to_owned(),
                        );
                        None
                    }
                    (Ok(start), Ok(end)) => Some(Some(QuietHours { start, end })),
                    _ => None,
                }
            }
            Some(None) => Some(None),
            None => None,
        };
        let time_zone = match self.time_zone {
            Some(name) if parse_zone(&name).is_some() => Some(name),
            Some(name) => {
                error(
                    "time_zone",
                    format!(
                        "{name:?} is not a time zone we know; use an IANA name such as \"Europe/London\""
                    ),
                );
                None
            }
            None => None,
        };
        let digest_time = match self.digest_time.map(|t| t.parse::<LocalTime>()) {
            Some(Ok(time)) => Some(time),
            Some(Err(e)) => {
                error("digest_time", e.to_string());
                None
            }
            None => None,
        };
        let digest_topics = self.digest_topics.map(|slugs| {
            let mut unique: Vec<String> = Vec::new();
            for (i, slug) in slugs.into_iter().enumerate() {
                if slug.trim().is_empty() {
                    error(
                        &format!("digest_topics[{i}]"),
                        "must be a topic's slug".to_owned(),
                    );
                } else if !unique.contains(&slug) {
                    unique.push(slug);
                }
            }
            unique
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidPatch {
            max_per_day,
            quiet_hours,
            time_zone,
            digest_topics,
            digest_time,
            breaking_overrides: self.breaking_overrides,
        })
    }
}

impl ValidPatch {
    /// The stored preferences with this change made (digest topics are
    /// kept apart, by the store).
    pub fn apply(&self, stored: &StoredPreferences) -> StoredPreferences {
        StoredPreferences {
            max_per_day: self.max_per_day.or(stored.max_per_day),
            quiet_hours: self.quiet_hours.unwrap_or(stored.quiet_hours),
            time_zone: self.time_zone.clone().or_else(|| stored.time_zone.clone()),
            digest_time: self.digest_time.or(stored.digest_time),
            breaking_overrides: self.breaking_overrides.or(stored.breaking_overrides),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> LocalTime {
        text.parse().expect("valid time")
    }

    fn patch(json: &str) -> PreferencesPatch {
        serde_json::from_str(json).expect("valid patch JSON")
    }

    #[test]
    fn quiet_hours_within_a_day_and_across_midnight() {
        let lunch = QuietHours {
            start: t("13:00"),
            end: t("14:00"),
        };
        assert!(!lunch.contains(t("12:59").seconds() + 59));
        assert!(lunch.contains(t("13:00").seconds()));
        assert!(lunch.contains(t("13:59").seconds() + 59));
        assert!(!lunch.contains(t("14:00").seconds()));
        let night = QuietHours {
            start: t("22:00"),
            end: t("07:00"),
        };
        assert!(night.contains(t("22:00").seconds()));
        assert!(night.contains(0));
        assert!(night.contains(t("06:59").seconds() + 59));
        assert!(!night.contains(t("07:00").seconds()));
        assert!(!night.contains(t("21:59").seconds()));
        let none = QuietHours {
            start: t("09:00"),
            end: t("09:00"),
        };
        assert!((0..86_400).step_by(60).all(|s| !none.contains(s)));
    }

    #[test]
    fn unset_settings_take_the_sites_defaults() {
        let policy = SitePolicy::default();
        let prefs = Preferences::resolve(&StoredPreferences::default(), &policy);
        assert_eq!(prefs.max_per_day, 6);
        assert_eq!(prefs.quiet_hours, None);
        assert_eq!(prefs.time_zone, Tz::UTC);
        assert_eq!(prefs.digest_time, t("08:00"));
        assert!(prefs.breaking_overrides);
        let stored = StoredPreferences {
            time_zone: Some("Atlantis/Lost".to_owned()),
            quiet_hours: Some(QuietHours {
                start: t("01:00"),
                end: t("01:00"),
            }),
            ..StoredPreferences::default()
        };
        let prefs = Preferences::resolve(&stored, &policy);
        assert_eq!(prefs.time_zone, Tz::UTC);
        assert_eq!(prefs.quiet_hours, None);
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let stored = StoredPreferences {
            max_per_day: Some(3),
            quiet_hours: Some(QuietHours {
                start: t("22:00"),
                end: t("07:00"),
            }),
            time_zone: Some("Europe/London".to_owned()),
            digest_time: Some(t("09:00")),
            breaking_overrides: Some(false),
        };
        let valid = patch(r#"{"max_per_day": 10}"#).validate().expect("valid");
        let changed = valid.apply(&stored);
        assert_eq!(changed.max_per_day, Some(10));
        assert_eq!(changed.quiet_hours, stored.quiet_hours);
        assert_eq!(changed.time_zone, stored.time_zone);
        let off = patch(r#"{"quiet_hours": null}"#).validate().expect("valid");
        assert_eq!(off.apply(&stored).quiet_hours, None);
        let all = patch(
            r#"{"max_per_day": 0, "quiet_hours": {"start": "13:00", "end": "14:00"},
                "time_zone": "Asia/Kolkata", "digest_topics": ["politics", "politics", "world"],
                "digest_time": "18:30", "breaking_overrides": true}"#,
        )
        .validate()
        .expect("valid");
        assert_eq!(
            all.digest_topics,
            Some(vec!["politics".to_owned(), "world".to_owned()])
        );
        let changed = all.apply(&stored);
        assert_eq!(changed.max_per_day, Some(0));
        assert_eq!(
            changed.quiet_hours,
            Some(QuietHours {
                start: t("13:00"),
                end: t("14:00")
            })
        );
        assert_eq!(changed.time_zone.as_deref(), Some("Asia/Kolkata"));
        assert_eq!(changed.digest_time, Some(t("18:30")));
        assert_eq!(changed.breaking_overrides, Some(true));
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = patch(
            r#"{"max_per_day": 51, "quiet_hours": {"start": "25:00", "end": "7"},
                "time_zone": "Europe/Lodnon", "digest_topics": [""], "digest_time": "8am"}"#,
        )
        .validate()
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "max_per_day",
                "quiet_hours.start",
                "quiet_hours.end",
                "time_zone",
                "digest_time",
                "digest_topics[0]"
            ]
        );
        let negative = patch(r#"{"max_per_day": -1}"#)
            .validate()
            .expect_err("invalid");
        assert_eq!(negative[0].field, "max_per_day");
        let same = patch(r#"{"quiet_hours": {"start": "07:00", "end": "07:00"}}"#)
            .validate()
            .expect_err("invalid");
        assert_eq!(same[0].field, "quiet_hours.end");
        assert!(same[0].message.contains("null"), "{}", same[0].message);
    }

    #[test]
    fn the_cap_may_be_zero_or_fifty() {
        for n in [0, 50] {
            let valid = patch(&format!(r#"{{"max_per_day": {n}}}"#))
                .validate()
                .expect("valid");
            assert_eq!(valid.max_per_day, Some(n));
        }
    }
}
