//! What a push service's answer means for the sender.
//!
//! RFC 8030 and the push services' behaviour: 201 (or 202) is accepted;
//! 404 and 410 mean the subscription is gone and must be deleted; 413 means
//! the body was too large (a sender bug, since sizes are checked first);
//! 429 and 5xx mean try again later, honouring `Retry-After`; any other
//! 4xx is a permanent failure whose body is kept for diagnosis. Only 404 and
//! 410 justify deleting a subscription.

use std::time::{Duration, SystemTime};

/// Most of a failure body kept for diagnosis.
pub const MAX_KEPT_BODY: usize = 4096;

/// The meaning of a push service's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted for delivery (201, 202, or another 2xx).
    Delivered,
    /// The subscription no longer exists (404, 410): delete it.
    Gone,
    /// The body was too large (413).
    TooLarge,
    /// Try again later (429, 5xx), no sooner than `after` when given.
    RetryLater {
        /// Delay from `Retry-After`, if present and valid.
        after: Option<Duration>,
    },
    /// Refused for good (other statuses); `body` is the start of the answer.
    PermanentFailure {
        /// HTTP status.
        status: u16,
        /// Up to [`MAX_KEPT_BODY`] bytes of the body, lossily decoded as UTF-8.
        body: String,
    },
}

impl Outcome {
    /// Whether the subscription should be deleted.
    pub fn is_gone(&self) -> bool {
        matches!(self, Outcome::Gone)
    }
}

/// Classifies an answer, reading an HTTP-date `Retry-After` against the system clock.
pub fn classify(status: u16, retry_after: Option<&str>, body: &[u8]) -> Outcome {
    classify_at(status, retry_after, body, SystemTime::now())
}

/// Classifies an answer, with `now` for HTTP-date `Retry-After` values.
pub fn classify_at(
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
    now: SystemTime,
) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        404 | 410 => Outcome::Gone,
        413 => Outcome::TooLarge,
        429 | 500..=599 => Outcome::RetryLater {
            after: retry_after.and_then(|value| parse_retry_after(value, now)),
        },
        _ => Outcome::PermanentFailure {
            status,
            body: kept_body(body),
        },
    }
}

/// Parses `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
///
/// A date in the past gives a zero delay; anything unparsable gives `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn kept_body(body: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(&body[..body.len().min(MAX_KEPT_BODY)]).into_owned();
    // A cut in the middle of a character leaves a replacement char; drop it.
    if body.len() > MAX_KEPT_BODY && text.ends_with('\u{FFFD}') {
        text.pop();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_445_412_480) // Wed, 21 Oct 2015 07:28:00 GMT
    }

    #[test]
    fn statuses() {
        let c = |s| classify_at(s, None, b"why", now());
        assert_eq!(c(201), Outcome::Delivered);
        assert_eq!(c(202), Outcome::Delivered);
        assert_eq!(c(404), Outcome::Gone);
        assert_eq!(c(410), Outcome::Gone);
        assert!(c(410).is_gone());
        assert_eq!(c(413), Outcome::TooLarge);
        assert_eq!(c(429), Outcome::RetryLater { after: None });
        assert_eq!(c(503), Outcome::RetryLater { after: None });
        assert_eq!(
            c(400),
            Outcome::PermanentFailure {
                status: 400,
                body: "why".into()
            }
        );
        assert!(matches!(
            c(403),
            Outcome::PermanentFailure { status: 403, .. }
        ));
        assert!(matches!(
            c(301),
            Outcome::PermanentFailure { status: 301, .. }
        ));
    }

    #[test]
    fn retry_after_both_forms() {
        assert_eq!(
            classify_at(429, Some("120"), b"", now()),
            Outcome::RetryLater {
                after: Some(Duration::from_secs(120))
            }
        );
        assert_eq!(
            classify_at(503, Some("Wed, 21 Oct 2015 07:30:00 GMT"), b"", now()),
            Outcome::RetryLater {
                after: Some(Duration::from_secs(120))
            }
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-5", now()), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now()),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn failure_body_is_truncated_on_a_char_boundary() {
        let body = "é".repeat(MAX_KEPT_BODY);
        let Outcome::PermanentFailure { body: kept, .. } =
            classify_at(400, None, body.as_bytes(), now())
        else {
            panic!("expected a permanent failure");
        };
        assert_eq!(kept.len(), MAX_KEPT_BODY);
        assert!(kept.chars().all(|c| c == 'é'));
    }
}
