//! Readers' notification subscriptions: who may be sent what. Registering a
//! browser's push subscription (behind the SSRF guard), the topics it
//! follows, its secret token, and the VAPID keys the site signs with.
//! And the delivery engine: planning the fan-out, sending, retrying.

pub mod allowlist;
pub mod client;
pub mod delivery;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod payload;
pub mod retry;
pub mod send;
pub mod subscriptions;
pub mod token;
pub mod worker;

/// Every site has this topic; breaking news reaches its followers, and new
/// subscribers follow it by default.
pub const BREAKING_TOPIC: &str = "breaking";
