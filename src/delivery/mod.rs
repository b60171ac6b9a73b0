//! The delivery engine: one engine from a committed fan-out job to a
//! notification on a device, below the domain and above the store.
//!
//! - [`worker`]: plans due jobs into shards, leases a shard, reads a batch
//!   of recipients, applies the reminder rules ([`reminders`]), sends, and
//!   records the batch in one transaction; retries what is due.
//! - [`sweeper`]: sends due digests, asks silent subscriptions "still
//!   interested?" and prunes them.
//! - [`payload`]: what a notification says, fitted into the Web Push budget
//!   (the newsroom's preview goes through the same code).
//! - [`sender`]: encrypts and POSTs each message (RFC 8291 through the
//!   `webpush` crate), bounded per push-service origin, and classifies the
//!   answer; [`client`] is its HTTP client, [`allowlist`] the SSRF guard
//!   every connection passes, [`encryption`] the threads that encrypt, at
//!   a lower priority than the web server's.
//! - [`retry`]: when to try again; [`pacing`]: the process's messages per
//!   second (a story's spread over minutes is `content::spread`, applied by
//!   the worker); [`metrics`]: what `/metrics` shows.
//! - [`keys`]: the site's VAPID key pair; [`test_push`]: the operator's one
//!   notification to one device (`herald push send`).

pub mod allowlist;
pub mod client;
pub mod encryption;
pub mod keys;
pub mod metrics;
pub mod pacing;
pub mod payload;
pub mod reminders;
pub mod retry;
pub mod sender;
pub mod sweeper;
pub mod test_push;
pub mod worker;
