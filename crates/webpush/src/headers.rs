//! RFC 8030 request headers: `TTL`, `Urgency` and `Topic`.
//!
//! `TTL` says how long the push service keeps an undelivered message,
//! `Urgency` lets a device on battery defer unimportant ones, and `Topic`
//! names a message so that a newer one with the same topic replaces it while
//! both are undelivered.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use aws_lc_rs::digest;

use crate::b64;

/// Longest topic RFC 8030 section 5.4 allows.
pub const MAX_TOPIC_LEN: usize = 32;

/// How long the push service should keep the message, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ttl(u32);

impl Ttl {
    /// One day, a reasonable default for news.
    pub const ONE_DAY: Ttl = Ttl(86_400);
    /// Deliver now or never: the service drops the message if the device is offline.
    pub const ZERO: Ttl = Ttl(0);

    /// A TTL of `secs` seconds.
    pub const fn from_secs(secs: u32) -> Self {
        Self(secs)
    }

    /// A TTL from a duration, whole seconds, saturating at `u32::MAX`.
    pub fn from_duration(duration: Duration) -> Self {
        Self(u32::try_from(duration.as_secs()).unwrap_or(u32::MAX))
    }

    /// The number of seconds.
    pub const fn as_secs(self) -> u32 {
        self.0
    }

    /// The header value.
    pub fn header_value(self) -> String {
        self.0.to_string()
    }
}

impl Default for Ttl {
    fn default() -> Self {
        Self::ONE_DAY
    }
}

/// RFC 8030 section 5.3 urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Urgency {
    /// On power and Wi-Fi only.
    VeryLow,
    /// On power or Wi-Fi.
    Low,
    /// Neither on power nor Wi-Fi.
    #[default]
    Normal,
    /// Even on low battery.
    High,
}

impl Urgency {
    /// The header value: `very-low`, `low`, `normal` or `high`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Urgency::VeryLow => "very-low",
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
        }
    }
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a header value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// Not one of the four urgencies.
    #[error("urgency must be one of very-low, low, normal, high")]
    InvalidUrgency,
    /// An empty topic.
    #[error("topic must not be empty")]
    EmptyTopic,
    /// A topic longer than 32 characters.
    #[error("topic must be at most 32 characters, got {len}")]
    TopicTooLong {
        /// Length given.
        len: usize,
    },
    /// A character outside `A-Z a-z 0-9 - _`.
    #[error("topic may only use the URL-safe base64 alphabet (A-Z, a-z, 0-9, '-', '_')")]
    TopicInvalidCharacter,
}

impl FromStr for Urgency {
    type Err = HeaderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "very-low" => Ok(Urgency::VeryLow),
            "low" => Ok(Urgency::Low),
            "normal" => Ok(Urgency::Normal),
            "high" => Ok(Urgency::High),
            _ => Err(HeaderError::InvalidUrgency),
        }
    }
}

/// A validated RFC 8030 topic: 1 to 32 characters of the URL-safe base64 alphabet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Topic(String);

impl Topic {
    /// Validates `topic`.
    ///
    /// # Errors
    /// A [`HeaderError`] naming what is wrong.
    pub fn new(topic: &str) -> Result<Self, HeaderError> {
        if topic.is_empty() {
            return Err(HeaderError::EmptyTopic);
        }
        if topic.len() > MAX_TOPIC_LEN {
            return Err(HeaderError::TopicTooLong { len: topic.len() });
        }
        if !topic.bytes().all(is_topic_byte) {
            return Err(HeaderError::TopicInvalidCharacter);
        }
        Ok(Self(topic.to_owned()))
    }

    /// A stable topic for a story, so an update replaces the earlier notification.
    ///
    /// Ids that are short and already in the alphabet stay readable
    /// (`story-42`); any other id is hashed (`h-` and 30 characters of its
    /// SHA-256), so the same id always gives the same topic.
    pub fn from_story_id(id: impl fmt::Display) -> Self {
        let id = id.to_string();
        let readable = format!("story-{id}");
        if readable.len() <= MAX_TOPIC_LEN && readable.bytes().all(is_topic_byte) {
            return Self(readable);
        }
        let hash = digest::digest(&digest::SHA256, id.as_bytes());
        let mut encoded = b64::encode(hash.as_ref());
        encoded.truncate(MAX_TOPIC_LEN - 2);
        Self(format!("h-{encoded}"))
    }

    /// The header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Topic {
    type Err = HeaderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

fn is_topic_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_round_trips() {
        for u in [
            Urgency::VeryLow,
            Urgency::Low,
            Urgency::Normal,
            Urgency::High,
        ] {
            assert_eq!(u.as_str().parse::<Urgency>(), Ok(u));
        }
        assert_eq!(
            "urgent".parse::<Urgency>(),
            Err(HeaderError::InvalidUrgency)
        );
    }

    #[test]
    fn topic_validation() {
        assert!(Topic::new("abc-DEF_123").is_ok());
        assert_eq!(Topic::new(""), Err(HeaderError::EmptyTopic));
        assert_eq!(
            Topic::new(&"a".repeat(33)),
            Err(HeaderError::TopicTooLong { len: 33 })
        );
        assert!(Topic::new(&"a".repeat(32)).is_ok());
        assert_eq!(Topic::new("a b"), Err(HeaderError::TopicInvalidCharacter));
        assert_eq!(Topic::new("a=b"), Err(HeaderError::TopicInvalidCharacter));
    }

    #[test]
    fn story_topics_are_stable_and_valid() {
        assert_eq!(Topic::from_story_id(42).as_str(), "story-42");
        assert_eq!(Topic::from_story_id("abc").as_str(), "story-abc");
        let negative = Topic::from_story_id(-7_i64);
        assert_eq!(negative.as_str(), "story--7");
        let long = "a-very-long-story-slug-that-does-not-fit";
        let hashed = Topic::from_story_id(long);
        assert_eq!(hashed, Topic::from_story_id(long));
        assert!(hashed.as_str().starts_with("h-"));
        assert_eq!(hashed.as_str().len(), 32);
        assert!(Topic::new(hashed.as_str()).is_ok());
        assert!(Topic::new(Topic::from_story_id("été 2024").as_str()).is_ok());
        assert!(Topic::new(Topic::from_story_id(i64::MIN).as_str()).is_ok());
    }

    #[test]
    fn ttl_from_duration_saturates() {
        assert_eq!(Ttl::from_duration(Duration::from_secs(60)).as_secs(), 60);
        assert_eq!(Ttl::from_duration(Duration::MAX).as_secs(), u32::MAX);
        assert_eq!(Ttl::default().header_value(), "86400");
    }
}
