//! The Web Push protocol, without I/O.
//!
//! - [`Subscription`]: parse and validate what a browser's
//!   `PushSubscription.toJSON()` gives.
//! - [`encrypt`] / [`UserAgentKeys::decrypt`]: RFC 8291 message encryption
//!   over the RFC 8188 `aes128gcm` coding ([`ece`]).
//! - [`VapidKeys`], [`Vapid`]: RFC 8292 application-server identification,
//!   with the signed token cached per push service.
//! - [`Ttl`], [`Urgency`], [`Topic`]: RFC 8030 request headers.
//! - [`Notification`]: the payload, a Declarative Web Push message;
//!   [`MAX_PLAINTEXT`], [`Notification::fit`]: the 4096-byte payload budget.
//! - [`build_request`]: everything above as a plain [`PushRequest`] for any
//!   HTTP client; [`classify`] turns the push service's answer into an
//!   [`Outcome`].
//!
//! The crate knows nothing about the application using it and opens no
//! connection.

mod b64;
pub mod budget;
pub mod ece;
mod headers;
mod hkdf;
mod message;
mod notification;
mod outcome;
mod request;
mod subscription;
pub mod vapid;

pub use budget::{MAX_BODY, MAX_PLAINTEXT, RECORD_SIZE, plaintext_budget};
pub use ece::{DecryptError, EncryptError};
pub use headers::{HeaderError, MAX_TOPIC_LEN, Topic, Ttl, Urgency};
pub use message::{KeyError, UserAgentKeys, encrypt, encrypt_with_keys};
pub use notification::{DECLARATIVE_VERSION, Direction, FitError, Notification, ParseError};
pub use outcome::{MAX_KEPT_BODY, Outcome, classify, classify_at, parse_retry_after};
pub use request::{PushOptions, PushRequest, RequestError, build_request};
pub use subscription::{AUTH_LEN, P256DH_LEN, Subscription, SubscriptionError};
pub use vapid::{Subject, Vapid, VapidError, VapidKeys};

/// Base64url helpers (unpadded output, lenient input), as Web Push uses them.
pub mod base64url {
    pub use crate::b64::{decode, encode};
}
