//! Readers' notification subscriptions: who may be sent what. Registering a
//! browser's push subscription (behind the SSRF guard), the topics it
//! follows, its secret token, and the VAPID keys the site signs with.
//! Delivery itself is another module's work.

pub mod allowlist;
pub mod keys;
pub mod limits;
pub mod send;
pub mod subscriptions;
pub mod token;

/// Every site has this topic; breaking news reaches its followers, and new
/// subscribers follow it by default.
pub const BREAKING_TOPIC: &str = "breaking";
