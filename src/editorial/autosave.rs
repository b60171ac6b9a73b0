//! The editor's work between saves. A few seconds after someone stops
//! typing into a stored story, the editor keeps what they typed here, one
//! copy per person and story, over the version they loaded: never on the
//! site, not a revision, restored when they come back, and cleared when
//! they save (a published story's change reaches readers only then). The
//! same record says when each person last had the story open, so that a
//! second editor is told who else is editing. A new story becomes a draft
//! the first time it is autosaved (see the newsroom's editor).

use chrono::{DateTime, Duration, Utc};

use super::{EditableStory, EditorialError, load};
use crate::accounts::Principal;
use crate::content::input::{FieldError, InputErrors};
use crate::store::Store;

/// Someone counts as editing a story while their editor has checked in
/// within this time (it does so every half minute).
pub const EDITING_WINDOW: Duration = Duration::minutes(2);

/// The most a form's fields may hold: the body's limit, twice over.
pub const MAX_AUTOSAVE_BYTES: usize = 400_000;

/// Another person with the story open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editing {
    pub name: String,
    pub seen_at: DateTime<Utc>,
}

/// What the editor is told after an autosave or a check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditingState {
    /// The story's version now: newer than the editor's when someone
    /// else saved meanwhile (their save would then be refused).
    pub version: i64,
    /// Who saved that version, when known.
    pub saved_by: Option<String>,
    pub others: Vec<Editing>,
}

/// Unsaved fields kept for the person now opening the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub fields: Vec<(String, String)>,
    pub base_version: i64,
    pub saved_at: DateTime<Utc>,
}

/// Keeps `who`'s unsaved `fields` of story `story_id`, typed over
/// `base_version`. For those who may edit it.
pub async fn autosave(
    store: &Store,
    who: &Principal,
    story_id: i64,
    fields: &[(String, String)],
    base_version: i64,
    now: DateTime<Utc>,
) -> Result<EditingState, EditorialError> {
    let version = may_edit(store, who, story_id, now).await?;
    let json = serde_json::to_string(fields).expect("pairs of strings serialise");
    if json.len() > MAX_AUTOSAVE_BYTES {
        return Err(EditorialError::InvalidStory(InputErrors(vec![
            FieldError {
                field: "body_markdown".to_owned(),
                message: format!(
                    "too long to keep between saves (over {} KB): shorten the body",
                    MAX_AUTOSAVE_BYTES / 1000
                ),
            },
        ])));
    }
    store
        .put_autosave(story_id, who.user_id, &json, base_version, now.timestamp())
        .await?;
    editing_state(store, who, story_id, version, now).await
}

/// Notes that `who` has story `story_id` open (or, `leaving`, no longer),
/// and says who else has.
pub async fn check_in(
    store: &Store,
    who: &Principal,
    story_id: i64,
    leaving: bool,
    now: DateTime<Utc>,
) -> Result<EditingState, EditorialError> {
    let story = load(store, who, story_id, now).await?;
    record_presence(store, who, &story, leaving, now).await
}

/// Opens story `story_id` in `who`'s editor: the story, read once, and
/// who else is editing it ([`check_in`] as the editor page loads).
pub async fn open_for_editing(
    store: &Store,
    who: &Principal,
    story_id: i64,
    now: DateTime<Utc>,
) -> Result<(EditableStory, EditingState), EditorialError> {
    let story = load(store, who, story_id, now).await?;
    let editing = record_presence(store, who, &story, false, now).await?;
    Ok((story, editing))
}

/// Notes that `who` has `story` open (or, `leaving`, no longer), and
/// says who else does.
async fn record_presence(
    store: &Store,
    who: &Principal,
    story: &EditableStory,
    leaving: bool,
    now: DateTime<Utc>,
) -> Result<EditingState, EditorialError> {
    let seen = (!leaving).then(|| now.timestamp());
    let id = story.story.id;
    store
        .touch_editing(id, who.user_id, story.version, seen)
        .await?;
    editing_state(store, who, id, story.version, now).await
}

/// `who`'s unsaved fields of story `story_id`, if any.
pub async fn pending_autosave(
    store: &Store,
    who: &Principal,
    story_id: i64,
) -> Result<Option<Pending>, EditorialError> {
    let Some(record) = store.autosave(story_id, who.user_id).await? else {
        return Ok(None);
    };
    // Kept by this code, so always readable; anything else is dropped.
    let Ok(fields) = serde_json::from_str(&record.fields) else {
        store.clear_autosave(story_id, who.user_id).await?;
        return Ok(None);
    };
    Ok(Some(Pending {
        fields,
        base_version: record.base_version,
        saved_at: DateTime::from_timestamp(record.saved_at, 0).unwrap_or_default(),
    }))
}

/// Forgets `who`'s unsaved fields of story `story_id`: saved or discarded.
pub async fn discard_autosave(
    store: &Store,
    who: &Principal,
    story_id: i64,
) -> Result<(), EditorialError> {
    Ok(store.clear_autosave(story_id, who.user_id).await?)
}

/// The story's version, for those who may edit it.
async fn may_edit(
    store: &Store,
    who: &Principal,
    story_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, EditorialError> {
    let story = load(store, who, story_id, now).await?;
    if story.allowed.edit {
        Ok(story.version)
    } else {
        Err(EditorialError::Forbidden(
            "you may not change this story: contributors edit only their own drafts".to_owned(),
        ))
    }
}

async fn editing_state(
    store: &Store,
    who: &Principal,
    story_id: i64,
    version: i64,
    now: DateTime<Utc>,
) -> Result<EditingState, EditorialError> {
    let since = (now - EDITING_WINDOW).timestamp();
    let others = store
        .others_editing(story_id, who.user_id, since)
        .await?
        .into_iter()
        .map(|r| Editing {
            name: r.name,
            seen_at: DateTime::from_timestamp(r.seen_at, 0).unwrap_or_default(),
        })
        .collect();
    let latest = store.previous_revision(story_id, None).await?;
    Ok(EditingState {
        version,
        saved_by: latest.and_then(|r| r.user_name),
        others,
    })
}
