//! Stories from outside the newsroom: `herald story add` and the demo's
//! sample stories. They are saved by slug (created, or updated when the
//! slug exists) as validated story JSON, through the same publication rules
//! as every newsroom save ([`super::plan_save`]).

use chrono::{DateTime, Utc};

use super::publication::{SaveIntent, plan_save};
use crate::content::input::StoryDraft;
use crate::store::{MediaUpload, SaveOptions, SaveOutcome, Store, StoreError};

/// Creates or updates (by slug, or by `previous_slug` for a rename) the
/// story `draft` describes, with `upload` the image file its `image.path`
/// names. With `publish`, a draft becomes published at its `published_at`
/// or now, with its notification; a published story stays published, and
/// an edit to a visible one shows an "Updated" time. `sample` marks demo
/// content.
pub async fn import_story(
    store: &Store,
    draft: &StoryDraft,
    upload: Option<&MediaUpload>,
    publish: bool,
    sample: bool,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, StoreError> {
    let options = SaveOptions {
        upload,
        sample,
        ..SaveOptions::default()
    };
    let intent = SaveIntent {
        publish,
        at: draft.published_at,
        ..SaveIntent::default()
    };
    let plan = |state| plan_save(state, intent, now.timestamp());
    store.save_story(draft, &options, plan, now).await
}
