//! [`Vapid`]: keys, subject and a per-origin token cache.
//!
//! A push service accepts the same token for every message until it expires,
//! so signing once per origin and reusing the header saves one ECDSA
//! signature per message. Tokens are refreshed when less than
//! [`Vapid::DEFAULT_REFRESH_MARGIN`] of their life is left. The clock is
//! injectable so tests can move time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use url::Url;

use super::token::{self, Subject, audience};
use super::{VapidError, VapidKeys};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to, for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: SystemTime) -> Self {
        Self(Mutex::new(now))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

/// A cached `Authorization` value and when its token expires.
struct Cached {
    header: Arc<str>,
    exp: u64,
}

/// Signs VAPID tokens and caches one `Authorization` value per push-service origin.
///
/// Thread-safe: share it (e.g. in an `Arc`) between delivery workers.
pub struct Vapid {
    keys: VapidKeys,
    subject: Subject,
    validity: Duration,
    refresh_margin: Duration,
    clock: Box<dyn Clock>,
    cache: Mutex<HashMap<String, Cached>>,
}

impl Vapid {
    /// Default token lifetime: 12 hours.
    pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(12 * 3600);
    /// Longest lifetime RFC 8292 allows: 24 hours.
    pub const MAX_VALIDITY: Duration = Duration::from_secs(24 * 3600);
    /// A cached token is replaced when less than this is left: 1 hour.
    pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(3600);

    /// A signer using the system clock and the default lifetime.
    pub fn new(keys: VapidKeys, subject: Subject) -> Self {
        Self {
            keys,
            subject,
            validity: Self::DEFAULT_VALIDITY,
            refresh_margin: Self::DEFAULT_REFRESH_MARGIN,
            clock: Box::new(SystemClock),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Uses `clock` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Sets the token lifetime (1 minute to 24 hours). The refresh margin
    /// becomes the smaller of one hour and a quarter of the lifetime.
    ///
    /// # Errors
    /// [`VapidError::InvalidValidity`] outside that range.
    pub fn with_validity(mut self, validity: Duration) -> Result<Self, VapidError> {
        if validity < Duration::from_secs(60) || validity > Self::MAX_VALIDITY {
            return Err(VapidError::InvalidValidity {
                secs: validity.as_secs(),
            });
        }
        self.validity = validity;
        self.refresh_margin = Self::DEFAULT_REFRESH_MARGIN.min(validity / 4);
        Ok(self)
    }

    /// The key pair.
    pub fn keys(&self) -> &VapidKeys {
        &self.keys
    }

    /// The contact subject.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The `Authorization` header value for a message to `endpoint`.
    ///
    /// Reuses the cached token for the endpoint's origin while more than the
    /// refresh margin of its life is left; signs a new one otherwise.
    ///
    /// # Errors
    /// [`VapidError::NoOrigin`], [`VapidError::ClockBeforeEpoch`] or
    /// [`VapidError::Crypto`].
    pub fn authorization(&self, endpoint: &Url) -> Result<Arc<str>, VapidError> {
        // Keyed by the endpoint's origin as the URL parser wrote it: a hit
        // allocates nothing.
        let key = &endpoint[..url::Position::BeforePath];
        let now = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| VapidError::ClockBeforeEpoch)?
            .as_secs();
        let fresh_until = now.saturating_add(self.refresh_margin.as_secs());
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(cached) = cache.get(key).filter(|c| c.exp > fresh_until) {
                return Ok(Arc::clone(&cached.header));
            }
        }
        // Signed outside the lock: two threads may both sign on a miss, which
        // is harmless, and no thread waits on another's signature.
        let aud = audience(endpoint)?;
        let exp = now.saturating_add(self.validity.as_secs());
        let jwt = token::sign(&self.keys, &aud, exp, &self.subject)?;
        let header: Arc<str> = token::header_value(&jwt, &self.keys).into();
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.insert(
            key.to_owned(),
            Cached {
                header: Arc::clone(&header),
                exp,
            },
        );
        Ok(header)
    }

    /// Number of origins with a cached token (for metrics and tests).
    pub fn cached_origins(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("keys", &self.keys)
            .field("subject", &self.subject)
            .field("validity", &self.validity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64;

    fn exp_of(header: &str) -> u64 {
        let jwt = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split(',').next())
            .expect("vapid header");
        let claims = jwt.split('.').nth(1).expect("claims");
        let value: serde_json::Value =
            serde_json::from_slice(&b64::decode(claims).expect("b64")).expect("json");
        value["exp"].as_u64().expect("exp")
    }

    fn signer(clock: Arc<ManualClock>) -> Vapid {
        Vapid::new(
            VapidKeys::generate().expect("keys"),
            Subject::new("mailto:ops@example.com").expect("subject"),
        )
        .with_clock(clock)
    }

    #[test]
    fn reuses_the_token_per_origin_until_near_expiry() {
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = Arc::new(ManualClock::new(start));
        let vapid = signer(Arc::clone(&clock));
        let a1 = Url::parse("https://push.example/a").expect("url");
        let a2 = Url::parse("https://push.example/b").expect("url");
        let other = Url::parse("https://other.example/a").expect("url");

        let first = vapid.authorization(&a1).expect("sign");
        assert_eq!(exp_of(&first), 1_700_000_000 + 12 * 3600);
        assert!(Arc::ptr_eq(
            &first,
            &vapid.authorization(&a2).expect("cached")
        ));
        let third = vapid.authorization(&other).expect("sign");
        assert_ne!(first, third);
        assert_eq!(vapid.cached_origins(), 2);

        clock.advance(Duration::from_secs(10 * 3600));
        assert!(Arc::ptr_eq(
            &first,
            &vapid.authorization(&a1).expect("still cached")
        ));

        clock.advance(Duration::from_secs(3600 + 1));
        let renewed = vapid.authorization(&a1).expect("renewed");
        assert_ne!(renewed, first);
        assert_eq!(exp_of(&renewed), 1_700_000_000 + 11 * 3600 + 1 + 12 * 3600);
    }

    #[test]
    fn validity_is_bounded_by_24_hours() {
        let clock = Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_secs(1000)));
        assert!(matches!(
            signer(Arc::clone(&clock)).with_validity(Duration::from_secs(24 * 3600 + 1)),
            Err(VapidError::InvalidValidity { .. })
        ));
        let vapid = signer(clock)
            .with_validity(Duration::from_secs(24 * 3600))
            .expect("24 h is allowed");
        let header = vapid
            .authorization(&Url::parse("https://p.example/").expect("url"))
            .expect("sign");
        assert_eq!(exp_of(&header), 1000 + 24 * 3600);
    }
}
