//! A reader's reminder settings through the store: what the API shows and
//! changes, and the stories they missed.

use serde::Serialize;

use crate::content::input::FieldError;
use crate::reminders::preferences::{Preferences, PreferencesPatch, SitePolicy};
use crate::store::{PendingReminder, Store, StoreError};

/// How long a story sent in a digest stays listed as missed: a week.
pub const MISSED_DAYS: i64 = 7;

/// The settings as the API shows them, every default filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreferencesView {
    pub max_per_day: u32,
    pub quiet_hours: Option<QuietHoursView>,
    pub time_zone: String,
    pub digest_topics: Vec<String>,
    pub digest_time: String,
    pub breaking_overrides: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuietHoursView {
    pub start: String,
    pub end: String,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Every bad field, by name.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A subscription's settings.
pub async fn show(
    store: &Store,
    policy: &SitePolicy,
    subscription_id: i64,
) -> Result<PreferencesView, StoreError> {
    let (stored, topics) = store.reminder_preferences(subscription_id).await?;
    let prefs = Preferences::resolve(&stored.decode().preferences, policy);
    Ok(PreferencesView {
        max_per_day: prefs.max_per_day,
        quiet_hours: prefs.quiet_hours.map(|q| QuietHoursView {
            start: q.start.to_string(),
            end: q.end.to_string(),
        }),
        time_zone: prefs.time_zone.name().to_owned(),
        digest_topics: topics.into_iter().map(|t| t.slug).collect(),
        digest_time: prefs.digest_time.to_string(),
        breaking_overrides: prefs.breaking_overrides,
    })
}

/// Changes what `patch` names (checking every field, digest topics against
/// the site's topics, at most `max_topics` of them) and returns the result.
pub async fn update(
    store: &Store,
    policy: &SitePolicy,
    max_topics: usize,
    subscription_id: i64,
    patch: PreferencesPatch,
) -> Result<PreferencesView, SettingsError> {
    let valid = patch.validate().map_err(SettingsError::Invalid)?;
    let topic_ids = match &valid.digest_topics {
        Some(slugs) => {
            if slugs.len() > max_topics {
                return Err(SettingsError::Invalid(vec![FieldError {
                    field: "digest_topics".to_owned(),
                    message: format!("at most {max_topics} topics"),
                }]));
            }
            let found = store.topic_ids(slugs).await?;
            let mut ids = Vec::with_capacity(slugs.len());
            let mut errors = Vec::new();
            for (i, slug) in slugs.iter().enumerate() {
                match found.iter().find(|(s, _)| s == slug) {
                    Some((_, id)) => ids.push(*id),
                    None => errors.push(FieldError {
                        field: format!("digest_topics[{i}]"),
                        message: format!("there is no topic {slug:?}"),
                    }),
                }
            }
            if !errors.is_empty() {
                return Err(SettingsError::Invalid(errors));
            }
            Some(ids)
        }
        None => None,
    };
    let (stored, _) = store.reminder_preferences(subscription_id).await?;
    let stored = stored.decode().preferences;
    store
        .save_reminder_preferences(subscription_id, &valid.apply(&stored), topic_ids.as_deref())
        .await?;
    Ok(show(store, policy, subscription_id).await?)
}

/// The stories a reader missed: still held, or sent in a digest within
/// [`MISSED_DAYS`] of `now` (Unix seconds), newest first.
pub async fn missed(
    store: &Store,
    subscription_id: i64,
    now: i64,
) -> Result<Vec<PendingReminder>, StoreError> {
    store
        .missed_reminders(subscription_id, now - MISSED_DAYS * 86_400)
        .await
}
