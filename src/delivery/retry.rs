//! When to try a message again: exponential backoff with jitter, or the push
//! service's Retry-After when it gave one, and never past the message's TTL.

use std::time::Duration;

/// The retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first retry's delay; each later one doubles it.
    pub base: Duration,
    /// The longest delay between two tries.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(30 * 60),
        }
    }
}

impl RetryPolicy {
    /// When attempt `attempt` (1 for the first retry) should happen, as a
    /// delay from now. `retry_after` wins when the service gave one.
    /// `jitter` is a number in [0, 1) that spreads retries over
    /// [delay / 2, delay * 3 / 2).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(after) = retry_after {
            return after;
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let raw = self.base.saturating_mul(1 << exponent).min(self.cap);
        raw.mul_f64(0.5 + jitter.clamp(0.0, 1.0))
    }
}

/// A random number in [0, 1) for jitter.
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_jitter_spreads_them() {
        let policy = RetryPolicy {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(10),
        };
        assert_eq!(policy.delay(1, None, 0.5), Duration::from_secs(1));
        assert_eq!(policy.delay(2, None, 0.5), Duration::from_secs(2));
        assert_eq!(policy.delay(3, None, 0.5), Duration::from_secs(4));
        assert_eq!(policy.delay(9, None, 0.5), Duration::from_secs(10));
        assert_eq!(policy.delay(1, None, 0.0), Duration::from_millis(500));
        assert!(policy.delay(1, None, 0.999) < Duration::from_millis(1500));
        assert_eq!(
            policy.delay(60, None, 0.5),
            Duration::from_secs(10),
            "no overflow"
        );
    }

    #[test]
    fn retry_after_wins() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(42)), 0.1),
            Duration::from_secs(42)
        );
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
