//! Stories in the newsroom: create, load, list, update, publish, schedule,
//! unpublish, correct, and the editor's live preview.

use chrono::{DateTime, Datelike, Months, Utc};

use super::drafts::{Purpose, prepare_draft, story_draft};
use super::publication::{SaveIntent, plan_save};
use super::{
    Allowed, EditConflict, EditableStory, EditorialError, PushOptions, actor, list_item, load,
    require_publisher,
};
use crate::accounts::Principal;
use crate::content::input::{NotificationSettings, StoryDraft, StoryInput};
use crate::content::markdown;
use crate::content::model::story_path;
use crate::store::{
    Conflict, ListedStory, SaveOptions, SaveOutcome, SaveTarget, Store, StoreError, StoryQuery,
    StoryStatus,
};

/// Stories per page of the newsroom list unless asked otherwise.
pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// The most stories a page of the list holds.
const MAX_PAGE_SIZE: i64 = 100;
/// How far ahead a story may be scheduled.
pub const MAX_SCHEDULE_YEARS: u32 = 5;
/// The longest correction note.
const MAX_CORRECTION: usize = 1000;

/// What a change left the story as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub slug: String,
    /// The story's path on the site (`/stories/<slug>`).
    pub path: String,
    /// The version to name in the next update.
    pub version: i64,
    pub status: StoryStatus,
}

/// Whose stories to list: the owner's account, or a byline name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorFilter {
    Owner(i64),
    Name(String),
}

impl AuthorFilter {
    /// A whole number is an owner's user id; anything else a byline name.
    pub fn parse(text: &str) -> AuthorFilter {
        match text.trim().parse() {
            Ok(id) => AuthorFilter::Owner(id),
            Err(_) => AuthorFilter::Name(text.trim().to_owned()),
        }
    }
}

/// Which stories the newsroom list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryFilter {
    pub status: Option<StoryStatus>,
    /// A topic's slug.
    pub topic: Option<String>,
    pub author: Option<AuthorFilter>,
    /// Part of the headline, in any case.
    pub q: Option<String>,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
}

impl Default for StoryFilter {
    fn default() -> StoryFilter {
        StoryFilter {
            status: None,
            topic: None,
            author: None,
            q: None,
            page: 1,
            per_page: DEFAULT_PAGE_SIZE,
        }
    }
}

/// A story in the newsroom list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryListItem {
    pub story: ListedStory,
    pub status: StoryStatus,
    pub allowed: Allowed,
}

/// One page of the newsroom list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryList {
    pub stories: Vec<StoryListItem>,
    pub page: i64,
    pub per_page: i64,
    /// Stories matching the filter, on every page.
    pub total: i64,
    pub pages: i64,
}

/// The editor's live preview of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Sanitised HTML, as the story page shows it.
    pub html: String,
}

/// Creates a draft owned by the caller, from `herald story add`'s JSON
/// (without `published_at` and `notification`: see the module docs).
/// Anyone in the newsroom may; only editors may name new topics.
pub async fn create_story(
    store: &Store,
    who: &Principal,
    input: StoryInput,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    let (draft, options) = prepare_create(who, input)?;
    save(
        store,
        who,
        &draft,
        &options,
        SaveIntent::default(),
        None,
        now,
    )
    .await
}

/// A story with its version, status, correction and revision count.
/// Contributors see their own stories and those on the site; others'
/// drafts and scheduled stories are `not_found` to them.
pub async fn get_story(
    store: &Store,
    who: &Principal,
    id: i64,
    now: DateTime<Utc>,
) -> Result<EditableStory, EditorialError> {
    load(store, who, id, now).await
}

/// The newsroom list, newest first (by creation). Contributors see their
/// own stories and those on the site.
pub async fn list_stories(
    store: &Store,
    who: &Principal,
    filter: &StoryFilter,
    now: DateTime<Utc>,
) -> Result<StoryList, EditorialError> {
    let per_page = filter.per_page.clamp(1, MAX_PAGE_SIZE);
    let page = filter.page.max(1);
    let (owner_id, author) = match &filter.author {
        Some(AuthorFilter::Owner(id)) => (Some(*id), None),
        Some(AuthorFilter::Name(name)) => (None, Some(name.clone())),
        None => (None, None),
    };
    let query = StoryQuery {
        status: filter.status,
        topic: filter.topic.clone().filter(|t| !t.trim().is_empty()),
        owner_id,
        author: author.filter(|a| !a.is_empty()),
        headline: filter.q.clone().filter(|q| !q.trim().is_empty()),
        readable_by: (!who.role.can_publish()).then_some(who.user_id),
        limit: per_page,
        offset: (page - 1).saturating_mul(per_page),
    };
    let (stories, total) = store.editorial_stories(&query, now).await?;
    Ok(StoryList {
        stories: stories
            .into_iter()
            .map(|story| list_item(story, who, now))
            .collect(),
        page,
        per_page,
        total,
        pages: ((total + per_page - 1) / per_page).max(1),
    })
}

/// Saves new content for a story, if it is still at `version` (the one
/// the editor loaded): otherwise `edit_conflict`, and nothing is stored.
/// Without a `slug`, the story keeps its own. A published story gets an
/// "Updated" time and no new notification. Contributors may update only
/// their own drafts.
pub async fn update_story(
    store: &Store,
    who: &Principal,
    id: i64,
    input: StoryInput,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    let (_, draft, options) = prepare_update(store, who, id, input, version, now).await?;
    save(
        store,
        who,
        &draft,
        &options,
        SaveIntent::default(),
        Some(id),
        now,
    )
    .await
}

/// Publishes a draft or a scheduled story now, with its notification as
/// `push` says (by default: sent, with the headline and standfirst).
/// Editors only; `already_published` for a story on the site.
pub async fn publish_story(
    store: &Store,
    who: &Principal,
    id: i64,
    push: Option<&PushOptions>,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    require_publisher(who, "publish stories")?;
    let notification = push.map(PushOptions::settings).transpose()?;
    let current = load(store, who, id, now).await?;
    if current.status == StoryStatus::Published {
        return Err(EditorialError::AlreadyPublished);
    }
    publish_at(store, who, &current, now, notification, now).await
}

/// Schedules a draft, or moves a scheduled story, to `at`: a time to come,
/// after 2000 and at most five years ahead (`bad_schedule` otherwise).
/// The notification goes out at `at`, as `push` says; without `push`, a
/// scheduled story keeps the notification it had. Editors only.
pub async fn schedule_story(
    store: &Store,
    who: &Principal,
    id: i64,
    at: DateTime<Utc>,
    push: Option<&PushOptions>,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    require_publisher(who, "schedule stories")?;
    check_schedule(at, now)?;
    let notification = push.map(PushOptions::settings).transpose()?;
    let current = load(store, who, id, now).await?;
    if current.status == StoryStatus::Published {
        return Err(EditorialError::AlreadyPublished);
    }
    publish_at(store, who, &current, at, notification, now).await
}

/// When a story goes on the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    Now,
    /// A time to come (see [`schedule_story`] for the limits).
    At(DateTime<Utc>),
}

/// Saves new content and publishes (or schedules) it in one transaction,
/// with its notification as `push` says: what the newsroom's editor does
/// with "Publish now" and "Schedule". `story` is the story and the version
/// the editor loaded, or `None` for a new one. Editors only; everything
/// publishing needs is checked before anything is written, and a refusal
/// stores nothing.
pub async fn save_and_publish(
    store: &Store,
    who: &Principal,
    story: Option<(i64, i64)>,
    input: StoryInput,
    when: Publication,
    push: &PushOptions,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    let at = match when {
        Publication::Now => {
            require_publisher(who, "publish stories")?;
            now
        }
        Publication::At(at) => {
            require_publisher(who, "schedule stories")?;
            check_schedule(at, now)?;
            at
        }
    };
    let notification = push.settings()?;
    let (mut draft, options, id) = match story {
        None => {
            let (draft, options) = prepare_create(who, input)?;
            (draft, options, None)
        }
        Some((id, version)) => {
            let (current, draft, options) =
                prepare_update(store, who, id, input, version, now).await?;
            if current.status == StoryStatus::Published {
                return Err(EditorialError::AlreadyPublished);
            }
            (draft, options, Some(id))
        }
    };
    draft.notification = notification;
    draft.published_at = Some(at);
    let intent = SaveIntent {
        publish: true,
        replace_notification: true,
        ..SaveIntent::default()
    };
    save(store, who, &draft, &options, intent, id, now).await
}

/// Takes a published or scheduled story off the site and out of the
/// feeds; it becomes a draft, and its notification is cancelled if it has
/// not started. Editors only; `not_published` for a draft.
pub async fn unpublish_story(
    store: &Store,
    who: &Principal,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    require_publisher(who, "unpublish stories")?;
    let current = load(store, who, id, now).await?;
    if current.status == StoryStatus::Draft {
        return Err(EditorialError::NotPublished);
    }
    let version = store
        .unpublish_story(id, current.version, Some(&actor(who)), now)
        .await;
    let version = match version {
        Ok(version) => version,
        Err(e) => return Err(refused(store, Some(id), &current.story.slug, e, now).await),
    };
    Ok(Saved {
        id,
        path: story_path(&current.story.slug),
        slug: current.story.slug,
        version,
        status: StoryStatus::Draft,
    })
}

/// Sets the correction note shown on the story, with the time it was
/// made; empty `text` removes it. A story on the site gets an "Updated"
/// time. Editors only.
pub async fn set_correction(
    store: &Store,
    who: &Principal,
    id: i64,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    require_publisher(who, "correct stories")?;
    let text = text.trim();
    if text.chars().count() > MAX_CORRECTION {
        return Err(EditorialError::invalid(
            "text",
            format!("a correction is at most {MAX_CORRECTION} characters"),
        ));
    }
    let current = load(store, who, id, now).await?;
    let version = store
        .set_story_correction(
            id,
            current.version,
            Some(text).filter(|t| !t.is_empty()),
            Some(&actor(who)),
            now,
        )
        .await;
    let version = match version {
        Ok(version) => version,
        Err(e) => return Err(refused(store, Some(id), &current.story.slug, e, now).await),
    };
    Ok(Saved {
        id,
        path: story_path(&current.story.slug),
        slug: current.story.slug,
        version,
        status: current.status,
    })
}

/// Renders a body as the story page would: the site's own Markdown
/// renderer and sanitiser, so nothing an author writes comes back active.
/// Checked by the same rules as a story's body (`body_markdown`), except
/// that an empty body previews as nothing.
pub fn preview_markdown(markdown: &str) -> Result<Preview, EditorialError> {
    if !markdown.trim().is_empty() {
        // Checked as a story's body is, so the limits live in one place.
        let probe = serde_json::json!({"headline": "probe", "body_markdown": markdown});
        serde_json::from_value::<StoryInput>(probe)
            .map_err(|e| EditorialError::invalid("body_markdown", e.to_string()))?
            .validate()
            .map_err(EditorialError::InvalidStory)?;
    }
    Ok(Preview {
        html: markdown::render_body(markdown),
    })
}

/// Refuses a publication time in the past, before 2000, or more than
/// [`MAX_SCHEDULE_YEARS`] ahead.
fn check_schedule(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), EditorialError> {
    // As a person reads a time, in the zone it was converted to.
    let shown = at.format("%-d %B %Y, %H:%M UTC").to_string();
    if at.year() < 2000 {
        return Err(EditorialError::BadSchedule(format!(
            "{shown} is before the year 2000: check the date"
        )));
    }
    if at <= now {
        return Err(EditorialError::BadSchedule(format!(
            "{shown} has passed: choose a time to come, or publish now"
        )));
    }
    let limit = now
        .checked_add_months(Months::new(12 * MAX_SCHEDULE_YEARS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if at > limit {
        return Err(EditorialError::BadSchedule(format!(
            "{shown} is more than {MAX_SCHEDULE_YEARS} years ahead: check the date"
        )));
    }
    Ok(())
}

/// Publishes `current` at `at` (now, or to come), with its notification:
/// `notification` replaces a scheduled story's waiting one; without it a
/// scheduled story keeps its own, and a draft gets the default.
async fn publish_at(
    store: &Store,
    who: &Principal,
    current: &EditableStory,
    at: DateTime<Utc>,
    notification: Option<NotificationSettings>,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    let replace = notification.is_some();
    let mut draft = story_draft(&current.story, notification.unwrap_or_default());
    draft.published_at = Some(at);
    let options = SaveOptions {
        target: SaveTarget::Existing {
            id: current.story.id,
            version: current.version,
        },
        sample: current.story.sample,
        ..save_options(who)
    };
    let intent = SaveIntent {
        publish: true,
        replace_notification: replace,
        ..SaveIntent::default()
    };
    save(
        store,
        who,
        &draft,
        &options,
        intent,
        Some(current.story.id),
        now,
    )
    .await
}

/// The draft and save options of a new story owned by the caller.
fn prepare_create(
    who: &Principal,
    input: StoryInput,
) -> Result<(StoryDraft, SaveOptions<'static>), EditorialError> {
    let draft = prepare_draft(input, Purpose::Create)?;
    let options = SaveOptions {
        target: SaveTarget::New {
            owner_id: Some(who.user_id),
        },
        ..save_options(who)
    };
    Ok((draft, options))
}

/// The draft and save options of new content for story `id`, if the
/// caller may edit it and it is still at `version` (the one the editor
/// loaded): otherwise `edit_conflict`. The story as stored comes back too.
async fn prepare_update(
    store: &Store,
    who: &Principal,
    id: i64,
    input: StoryInput,
    version: i64,
    now: DateTime<Utc>,
) -> Result<(EditableStory, StoryDraft, SaveOptions<'static>), EditorialError> {
    let current = load(store, who, id, now).await?;
    require_edit(who, &current)?;
    if current.version != version {
        return Err(conflict(store, id, current.version).await?);
    }
    let draft = prepare_draft(
        input,
        Purpose::Update {
            current_slug: &current.story.slug,
            slug_locked: current.slug_locked,
        },
    )?;
    let options = SaveOptions {
        target: SaveTarget::Existing { id, version },
        sample: current.story.sample,
        ..save_options(who)
    };
    Ok((current, draft, options))
}

/// Refuses a caller who may not edit this story.
fn require_edit(who: &Principal, story: &EditableStory) -> Result<(), EditorialError> {
    if story.allowed.edit {
        return Ok(());
    }
    Err(EditorialError::Forbidden(
        if story.owner_id != Some(who.user_id) {
            "contributors may edit only their own stories".to_owned()
        } else {
            format!(
                "the story is {}: only editors and admins may change it now",
                story.status.as_str()
            )
        },
    ))
}

/// The save options every newsroom save starts from.
fn save_options(who: &Principal) -> SaveOptions<'static> {
    SaveOptions {
        create_topics: who.role.can_publish(),
        ..SaveOptions::default()
    }
}

/// Saves through the store's one save path, with the caller named in the
/// revision history and the publication rules ([`plan_save`]) deciding
/// what the save does, and says where the story stands; `id` is the story
/// a conflict concerns.
pub(super) async fn save(
    store: &Store,
    who: &Principal,
    draft: &StoryDraft,
    options: &SaveOptions<'_>,
    intent: SaveIntent,
    id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    let actor = actor(who);
    let options = SaveOptions {
        actor: Some(&actor),
        ..*options
    };
    let intent = SaveIntent {
        at: draft.published_at,
        ..intent
    };
    let plan = |state| plan_save(state, intent, now.timestamp());
    match store.save_story(draft, &options, plan, now).await {
        Ok(outcome) => Ok(saved(&outcome, now)),
        Err(e) => Err(refused(store, id, &draft.slug, e, now).await),
    }
}

fn saved(outcome: &SaveOutcome, now: DateTime<Utc>) -> Saved {
    Saved {
        id: outcome.id,
        slug: outcome.slug.clone(),
        path: story_path(&outcome.slug),
        version: outcome.version,
        status: StoryStatus::at(outcome.published_at, now),
    }
}

/// The `edit_conflict` for story `id`, now at `version`: who changed it
/// last, and when.
pub(super) async fn conflict(
    store: &Store,
    id: i64,
    version: i64,
) -> Result<EditorialError, EditorialError> {
    let latest = store.previous_revision(id, None).await?;
    Ok(EditorialError::EditConflict(EditConflict {
        current_version: version,
        saved_by: latest.as_ref().and_then(|r| r.user_name.clone()),
        saved_at: latest.map(|r| r.created_at),
    }))
}

/// A store refusal of a change to story `id` (with `slug`), as the
/// newsroom names it.
pub(super) async fn refused(
    store: &Store,
    id: Option<i64>,
    slug: &str,
    e: StoreError,
    now: DateTime<Utc>,
) -> EditorialError {
    match e {
        StoreError::Conflict(Conflict::StorySlugTaken(_)) => {
            EditorialError::SlugTaken(format!("another story already has the slug {slug:?}"))
        }
        StoreError::Conflict(Conflict::NoSuchStory(_)) => EditorialError::NotFound("story"),
        StoreError::Conflict(Conflict::TopicsNotCreated(topics)) => {
            EditorialError::TopicCreationForbidden {
                topics: topics.join(", "),
            }
        }
        StoreError::Conflict(Conflict::StaleVersion { .. }) => {
            let Some(id) = id else {
                return EditorialError::NotFound("story");
            };
            let version = match store.editorial_story(id, now).await {
                Ok(record) => record.map_or(0, |r| r.version),
                Err(e) => return EditorialError::Store(e),
            };
            match conflict(store, id, version).await {
                Ok(e) | Err(e) => e,
            }
        }
        StoreError::Conflict(other) => EditorialError::invalid(other.field(), other.to_string()),
        // Two stories created at once with one slug: the database's
        // uniqueness catches what the check before the insert could not.
        StoreError::Database(sqlx::Error::Database(db))
            if db.is_unique_violation()
                && (db.constraint() == Some("stories_slug_key")
                    || db.message().contains("stories.slug")) =>
        {
            EditorialError::SlugTaken(format!("another story already has the slug {slug:?}"))
        }
        other => EditorialError::Store(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_that_has_passed_is_named_as_a_person_reads_it() {
        let now = DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let at = DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let message = check_schedule(at, now).expect_err("passed").to_string();
        assert!(
            message.contains("1 December 2026, 09:00 UTC has passed"),
            "{message}"
        );
        assert!(!message.contains("2026-12-01T09"), "{message}");
        assert!(check_schedule(now + chrono::Duration::hours(1), now).is_ok());
    }
}
