//! RFC 8292 VAPID: the application server proves who it is to push services.
//!
//! [`VapidKeys`] is the long-lived P-256 key pair (browsers receive its
//! public half as `applicationServerKey`); [`token`] builds the ES256 JWT;
//! [`Vapid`] combines keys, a contact [`Subject`] and a per-origin token
//! cache to produce `Authorization` header values, signing once per push
//! service rather than once per message.

mod cache;
mod keys;
pub mod token;

pub use cache::{Clock, ManualClock, SystemClock, Vapid};
pub use keys::VapidKeys;
pub use token::{Subject, audience};

/// Why a VAPID key, subject or token could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VapidError {
    /// The subject is not a `mailto:` or `https:` URL.
    #[error(
        "VAPID subject must be a mailto: or https: URL (push services such as Apple's reject others)"
    )]
    InvalidSubject,
    /// The endpoint has no http(s) origin to use as audience.
    #[error("push endpoint has no https origin to use as VAPID audience")]
    NoOrigin,
    /// The token lifetime exceeds the 24 hours RFC 8292 allows.
    #[error("VAPID token lifetime must be between 1 minute and 24 hours, got {secs} s")]
    InvalidValidity {
        /// Lifetime requested, in seconds.
        secs: u64,
    },
    /// The stored private key could not be read.
    #[error("VAPID private key is not a valid P-256 key")]
    InvalidPrivateKey,
    /// The clock is before 1970.
    #[error("system clock is before the Unix epoch")]
    ClockBeforeEpoch,
    /// The cryptographic library reported a failure.
    #[error("cryptographic operation failed")]
    Crypto,
}
