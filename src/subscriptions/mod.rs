//! Readers' notification subscriptions, the domain's rules for them:
//! registering a browser's push subscription (behind the SSRF guard), the
//! topics and live stories it follows, its secret token, how many one address may register,
//! and the reader's reminder settings. A reader has no account: the
//! subscription is the identity, and its token the only credential.

pub mod follower_trend;
pub mod follows;
pub mod limits;
pub mod reminder_settings;
pub mod story_follows;
pub mod token;
