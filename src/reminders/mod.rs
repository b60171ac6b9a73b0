//! Reminders, not noise: the pure rules behind each reader's daily cap,
//! quiet hours, digest topics and digest time. A story a reader asked not to
//! be interrupted for waits in their pending reminders, and one digest
//! notification sums them up later ("3 new stories in Politics and
//! Russia"). Everything here is a pure function of its inputs and `now`,
//! shared below the store: the store keeps these values, the domain checks a
//! reader's changes (`crate::subscriptions::reminder_settings`), and the
//! delivery engine applies the rules to each recipient
//! (`crate::delivery::reminders`) and sends due digests
//! (`crate::delivery::sweeper`).
//!
//! - [`local_time`]: times of day, the reader's local day, DST gaps and
//!   overlaps.
//! - [`preferences`]: the reader's settings, the site's policy, the checks
//!   on a change.
//! - [`rules`]: send now or hold until when and why; the next digest;
//!   inactivity.
//! - [`digest`]: the words of a digest notification.
//! - [`state`]: what the rules know of a reader, decoded from what the
//!   store keeps.
//!
//! Storage (`src/store/reminders/`, migration 10): the preferences are
//! nullable columns of `push_subscriptions` (NULL: the site's default), as
//! are the day counter (`sent_day`, `sent_count`) and
//! `still_interested_at`; digest topics are `push_digest_topics` (kept apart
//! from the follows, so re-following keeps the choice); held stories are
//! `push_reminders` (unique per subscription and story, indexed on
//! `due_at`); opened stories are `push_opened`.

pub mod digest;
pub mod local_time;
pub mod preferences;
pub mod rules;
pub mod state;

#[cfg(test)]
mod properties;

pub use local_time::LocalTime;
pub use preferences::{Preferences, QuietHours, SitePolicy, StoredPreferences};
pub use rules::{Decision, HoldReason, SentToday, StoryReach};
pub use state::{ReminderState, StoredReminders};
