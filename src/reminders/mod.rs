//! Reminders, not noise: each reader's daily cap, quiet hours, digest
//! topics and digest time, and what happens to a story they asked not to be
//! interrupted for — it waits in their pending reminders, and one digest
//! notification sums them up later ("3 new stories in Politics and
//! Russia").
//!
//! - [`clock`]: times of day, the reader's local day, DST gaps and
//!   overlaps (pure).
//! - [`preferences`]: the reader's settings, the site's policy, the checks
//!   on a change (pure).
//! - [`rules`]: send now or hold until when and why; the next digest;
//!   inactivity (pure).
//! - [`digest`]: the words of a digest notification (pure).
//! - [`settings`]: reading and changing a reader's settings through the
//!   store, and their missed stories (what the API calls).
//! - [`delivery`]: what the delivery engine calls (below).
//! - [`sweeper`]: the engine's task that sends due digests, asks silent
//!   subscriptions "still interested?" and prunes them.
//!
//! Storage (`src/store/reminders.rs`, migration 10): the preferences are
//! nullable columns of `push_subscriptions` (NULL: the site's default), as
//! are the day counter (`sent_day`, `sent_count`) and
//! `still_interested_at`; digest topics are `push_digest_topics` (kept apart
//! from the follows, so re-following keeps the choice); held stories are
//! `push_reminders` (unique per subscription and story, indexed on
//! `due_at`); opened stories are `push_opened`.
//!
//! # Integrating with the delivery engine
//!
//! (Done: the fan-out side in `src/push/worker.rs`, whose module docs say
//! how update jobs are treated; the sweeps in [`sweeper`]. The engine's
//! time is its injectable `Clock`.)
//!
//! **Fan-out, per shard batch.** The recipient query (`shard_batch`) adds
//! [`crate::store::reminder_columns`]`(&topic_placeholders)` to its
//! `SELECT`: eight columns of the subscription row it already reads and one
//! `EXISTS` over the follows it already probes (the story's topic
//! placeholders are reused, not bound again; no join, no extra query). Each
//! row decodes with [`crate::store::ReminderState::from_row`]`(&row, 4)`
//! (after `id, endpoint, p256dh, auth`). (A caller that keeps its query as
//! it is can instead read the same states for a batch's ids with
//! [`crate::store::Store::reminder_states`]: one more query per batch.)
//! Then, per recipient, with `breaking` the story's flag and `now` the
//! engine's injectable clock:
//!
//! ```text
//! match delivery::decide_for_recipient(&state, &config.reminders, breaking, now) {
//!     send @ Decision::Send { local_day, .. } =>
//!         claims.push(SlotClaim { subscription_id, local_day,
//!                                 cap: delivery::slot_cap(&state, &policy, &send) }),
//!     Decision::Hold { due_at, reason } =>
//!         held.push(HeldStory { subscription_id, story_id, due_at: due_at.timestamp(), reason }),
//! }
//! ```
//!
//! Before sending, the batch claims its slots in one statement,
//! [`crate::store::Store::claim_send_slots`] (atomic per reader: two stories
//! fanning out at once cannot both take a reader's last slot); it returns
//! the granted ids, and each refused one is held with
//! [`delivery::hold_at_cap`] instead of sent. The holds go in one statement,
//! [`crate::store::Store::hold_reminders`] (stories the reader already
//! opened are skipped; holding twice does nothing), best in the batch's
//! `record_batch` transaction or just before it. A slot claimed for a
//! message that then fails still counts: the reader was not disturbed, but
//! that errs on the quiet side.
//!
//! **Digest sweeper**, every 30 s or so on every worker (a digest goes out
//! within a minute of being due): [`crate::store::Store::claim_due_digests`]
//! `(now, limit, lease_seconds)` leases up to `limit` subscriptions whose
//! reminders are due — it reads only the head of the `due_at` index, never
//! every subscriber, and PostgreSQL sweepers skip each other's
//! subscriptions — and returns each with its due reminders. For each,
//! [`delivery::digest_of`]`(&digest.reminders)` gives the notification's
//! title ("3 new stories in Politics and Russia") and body (the top
//! headline); the URL is [`delivery::MISSED_PATH`], the tag
//! [`delivery::DIGEST_TAG`], urgency normal. After a 201,
//! [`crate::store::Store::finish_digest`] marks those reminders sent (they
//! stay listed as missed for [`settings::MISSED_DAYS`]); 404/410 deletes the
//! subscription as usual (its reminders go with it); a retryable failure is
//! simply left: the lease ends and a later sweep takes it again. Digests do
//! not count against the cap. Call [`crate::store::Store::prune_reminders`]
//! `(now - 30 days)` now and then (e.g. once an hour from the sweeper).
//!
//! **Inactivity**: [`rules::inactivity`] says, from `last_seen_at` (kept by
//! every token-authenticated call: the page script's check on every visit,
//! the service worker's click report) and `still_interested_at`, when to
//! send the one "still interested?" notification and when to prune; the
//! sweeper applies it, at most hourly per site, to the heads of two partial
//! indexes (migration 11).

pub mod clock;
pub mod delivery;
pub mod digest;
pub mod preferences;
pub mod rules;
pub mod settings;
pub mod sweeper;

#[cfg(test)]
mod properties;

pub use clock::LocalTime;
pub use preferences::{Preferences, QuietHours, SitePolicy, StoredPreferences};
pub use rules::{Decision, HoldReason, SentToday, StoryReach};
