//! The rules of a story's publication, decided from the story as stored:
//! when it is published, when it shows "Updated", what happens to its
//! notification job, and what the revision history calls the change. Pure:
//! every save (the newsroom, the admin API, `herald story add`, the demo)
//! hands [`plan_save`] to the store, which calls it inside the save's
//! transaction with what it found there.
//!
//! A story notifies once. Publishing a draft, now or at a time to come,
//! writes its one job, due at the publication time; moving a scheduled
//! story moves that job, and a new notification chosen before the time
//! replaces it; once a story is on the site, edits and saves write none (a
//! further notification is the newsroom's "Send an update", see
//! [`super::send_update`]).

use chrono::{DateTime, Utc};

use crate::store::{JobChange, RevisionAction, SavePlan, SaveState};

/// What a save asks for, beyond the draft's content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveIntent {
    /// Make a draft published: at `at`, or now.
    pub publish: bool,
    /// The publication time the draft names (its `published_at`): for a
    /// story already published or scheduled, its new time.
    pub at: Option<DateTime<Utc>>,
    /// For a story still scheduled: its waiting notification is replaced
    /// by one with the draft's settings, instead of only moved.
    pub replace_notification: bool,
    /// What the revision history calls the save, when not the usual
    /// `created`, `saved`, `published` or `scheduled`.
    pub action: Option<RevisionAction>,
}

/// What a save of a story in `state` does at `now` (Unix seconds).
pub fn plan_save(state: SaveState, intent: SaveIntent, now: i64) -> SavePlan {
    let was = state.published_at;
    let asked = intent.at.map(|t| t.timestamp());
    let published_at = match (was, intent.publish) {
        (Some(at), _) => Some(asked.unwrap_or(at)),
        (None, true) => Some(asked.unwrap_or(now)),
        (None, false) => None,
    };
    // Readers saw it before this change: the page says when it changed.
    let updated_at = was.filter(|at| *at <= now).map(|_| now);
    let still_scheduled = was.is_some_and(|before| before > now);
    let job = match (was, published_at) {
        // The outbox: a story is never published without its fan-out job.
        (None, Some(at)) => JobChange::Enqueue { at },
        (Some(_), Some(at)) if still_scheduled && intent.replace_notification => {
            JobChange::Replace { at }
        }
        (Some(before), Some(at)) if still_scheduled && before != at => JobChange::Reschedule { at },
        _ => JobChange::Keep,
    };
    let action = intent.action.unwrap_or(match published_at {
        Some(at) if was != Some(at) && at > now => RevisionAction::Scheduled,
        Some(at) if was != Some(at) => RevisionAction::Published,
        _ if !state.exists => RevisionAction::Created,
        _ => RevisionAction::Saved,
    });
    SavePlan {
        published_at,
        updated_at,
        job,
        action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn stored(published_at: Option<i64>) -> SaveState {
        SaveState {
            exists: true,
            published_at,
        }
    }

    fn at(seconds: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(seconds, 0)
    }

    #[test]
    fn a_new_draft_is_created_unpublished_with_no_job() {
        let plan = plan_save(
            SaveState {
                exists: false,
                published_at: None,
            },
            SaveIntent::default(),
            NOW,
        );
        assert_eq!(plan.published_at, None);
        assert_eq!(plan.job, JobChange::Keep);
        assert_eq!(plan.action, RevisionAction::Created);
        assert_eq!(plan.updated_at, None);
    }

    #[test]
    fn publishing_a_draft_writes_its_one_job_now_or_at_its_time() {
        let now = SaveIntent {
            publish: true,
            ..SaveIntent::default()
        };
        let plan = plan_save(stored(None), now, NOW);
        assert_eq!(plan.published_at, Some(NOW));
        assert_eq!(plan.job, JobChange::Enqueue { at: NOW });
        assert_eq!(plan.action, RevisionAction::Published);

        let later = SaveIntent {
            publish: true,
            at: at(NOW + 3600),
            ..SaveIntent::default()
        };
        let plan = plan_save(stored(None), later, NOW);
        assert_eq!(plan.job, JobChange::Enqueue { at: NOW + 3600 });
        assert_eq!(plan.action, RevisionAction::Scheduled);
    }

    #[test]
    fn a_scheduled_story_notifies_once_however_often_it_moves() {
        // Moved: the waiting job moves with it; no second job.
        let moved = SaveIntent {
            publish: true,
            at: at(NOW + 7200),
            ..SaveIntent::default()
        };
        let plan = plan_save(stored(Some(NOW + 3600)), moved, NOW);
        assert_eq!(plan.job, JobChange::Reschedule { at: NOW + 7200 });
        assert_eq!(plan.action, RevisionAction::Scheduled);
        // Saved again at the same time: nothing to do to the job.
        let same = SaveIntent {
            at: at(NOW + 3600),
            ..SaveIntent::default()
        };
        assert_eq!(
            plan_save(stored(Some(NOW + 3600)), same, NOW).job,
            JobChange::Keep
        );
        // A new notification chosen before the time replaces the waiting one.
        let replaced = SaveIntent {
            replace_notification: true,
            ..SaveIntent::default()
        };
        assert_eq!(
            plan_save(stored(Some(NOW + 3600)), replaced, NOW).job,
            JobChange::Replace { at: NOW + 3600 }
        );
    }

    #[test]
    fn editing_a_story_on_the_site_notifies_nobody_and_shows_updated() {
        for intent in [
            SaveIntent::default(),
            SaveIntent {
                publish: true,
                replace_notification: true,
                ..SaveIntent::default()
            },
        ] {
            let plan = plan_save(stored(Some(NOW - 60)), intent, NOW);
            assert_eq!(plan.job, JobChange::Keep, "{intent:?}");
            assert_eq!(plan.published_at, Some(NOW - 60));
            assert_eq!(plan.updated_at, Some(NOW));
            assert_eq!(plan.action, RevisionAction::Saved);
        }
    }

    #[test]
    fn a_restore_is_named_as_such() {
        let intent = SaveIntent {
            action: Some(RevisionAction::Restored),
            ..SaveIntent::default()
        };
        assert_eq!(
            plan_save(stored(None), intent, NOW).action,
            RevisionAction::Restored
        );
    }
}
