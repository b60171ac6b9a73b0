//! The Web Push protocol, without I/O.
//!
//! - [`Subscription`]: parse and validate what a browser's
//!   `PushSubscription.toJSON()` gives.
//! - [`encrypt`] / [`UserAgentKeys::decrypt`]: RFC 8291 message encryption
//!   over the RFC 8188 `aes128gcm` coding ([`ece`]).
//! - [`VapidKeys`], [`Vapid`]: RFC 8292 application-server identification,
//!   with the signed token cached per push service.
//! - [`Ttl`], [`Urgency`], [`Topic`]: RFC 8030 request headers.
//! - [`MAX_PLAINTEXT`], [`Notification::fit`]: the 4096-byte payload budget.
//! - [`build_request`]: everything above as a plain [`PushRequest`] for any
//!   HTTP client; [`classify`] turns the push service's answer into an
//!   [`Outcome`].
//!
//! The crate knows nothing about the application using it and opens no
//! connection.

mod b64;
pub mod budget;
pub mod ece;
mod message;
mod subscription;

pub use budget::{MAX_BODY, MAX_PLAINTEXT, RECORD_SIZE, plaintext_budget};
pub use ece::{DecryptError, EncryptError};
pub use message::{KeyError, UserAgentKeys, encrypt, encrypt_with_keys};
pub use subscription::{AUTH_LEN, P256DH_LEN, Subscription, SubscriptionError};

/// Base64url helpers (unpadded output, lenient input), as Web Push uses them.
pub mod base64url {
    pub use crate::b64::{decode, encode};
}
