//! A story's revision history: the list, one revision with a line-based
//! diff against the one before it or against the story as it is now, and
//! restoring a revision's content (which is itself a new revision).

use chrono::{DateTime, Utc};
use similar::{ChangeTag, TextDiff};

use super::drafts::revision_draft;
use super::publication::SaveIntent;
use super::stories::{Saved, save};
use super::{EditableStory, EditorialError, load};
use crate::accounts::Principal;
use crate::store::{
    RevisionAction, RevisionRecord, RevisionSnapshot, SaveOptions, SaveTarget, Store,
};

/// One entry of the history, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionSummary {
    pub number: i64,
    pub user_id: Option<i64>,
    /// Who made the change, as they were named then; `None` for the
    /// command line and the demo.
    pub user_name: Option<String>,
    pub action: RevisionAction,
    pub created_at: DateTime<Utc>,
}

/// What a revision is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffBase {
    /// The revision before it (nothing, for the first).
    #[default]
    Previous,
    /// The story as it is now.
    Current,
}

/// Whether a line of a diff is in both texts, only the new one, or only
/// the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffTag {
    Equal,
    Insert,
    Delete,
}

impl DiffTag {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffTag::Equal => "equal",
            DiffTag::Insert => "insert",
            DiffTag::Delete => "delete",
        }
    }
}

/// One line of a diff, without its line break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub tag: DiffTag,
    pub text: String,
}

/// A revision with its content and its differences from `base`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionDetail {
    pub revision: RevisionSummary,
    pub snapshot: RevisionSnapshot,
    pub base: DiffBase,
    /// The revision compared with, for [`DiffBase::Previous`] (`None` for
    /// the first revision).
    pub base_number: Option<i64>,
    /// Every line of both texts, from the base to this revision (or, for
    /// [`DiffBase::Current`], from this revision to the story now).
    pub diff: Vec<DiffLine>,
    /// The same as a unified diff, with three lines of context.
    pub unified: String,
}

/// A story's revisions, newest first. Anyone who may see the story.
pub async fn list_revisions(
    store: &Store,
    who: &Principal,
    story_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<RevisionSummary>, EditorialError> {
    load(store, who, story_id, now).await?;
    Ok(store
        .story_revisions(story_id)
        .await?
        .into_iter()
        .map(|r| summary(&r))
        .collect())
}

/// Revision `number` of a story, with a line diff against `base`.
pub async fn get_revision(
    store: &Store,
    who: &Principal,
    story_id: i64,
    number: i64,
    base: DiffBase,
    now: DateTime<Utc>,
) -> Result<RevisionDetail, EditorialError> {
    let current = load(store, who, story_id, now).await?;
    let revision = store
        .story_revision(story_id, number)
        .await?
        .ok_or(EditorialError::NotFound("revision"))?;
    let this = snapshot_text(&revision.snapshot);
    let (old, new, base_number) = match base {
        DiffBase::Previous => {
            let previous = store.previous_revision(story_id, Some(number)).await?;
            let old = previous
                .as_ref()
                .map(|p| snapshot_text(&p.snapshot))
                .unwrap_or_default();
            (old, this, previous.map(|p| p.number))
        }
        DiffBase::Current => (this, snapshot_text(&current_snapshot(&current)), None),
    };
    let diff = TextDiff::from_lines(&old, &new);
    let (old_name, new_name) = match (base, base_number) {
        (DiffBase::Previous, Some(n)) => (format!("revision {n}"), format!("revision {number}")),
        (DiffBase::Previous, None) => ("nothing".to_owned(), format!("revision {number}")),
        (DiffBase::Current, _) => (format!("revision {number}"), "current".to_owned()),
    };
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &new_name)
        .to_string();
    let lines = diff_lines(&diff);
    Ok(RevisionDetail {
        revision: summary(&revision),
        snapshot: revision.snapshot,
        base,
        base_number,
        diff: lines,
        unified,
    })
}

/// Makes a story's content what it was at revision `number` — headline,
/// standfirst, body, image, topics, authors, call to action — recorded as
/// a new revision (`restored`). The slug stays once the story has been on
/// the site, as do its publication state and correction note. For those
/// who may edit the story; `edit_conflict` if it changes meanwhile.
pub async fn restore_revision(
    store: &Store,
    who: &Principal,
    story_id: i64,
    number: i64,
    now: DateTime<Utc>,
) -> Result<Saved, EditorialError> {
    let current = load(store, who, story_id, now).await?;
    if !current.allowed.edit {
        return Err(EditorialError::Forbidden(
            "you may not change this story: contributors edit only their own drafts".to_owned(),
        ));
    }
    let revision = store
        .story_revision(story_id, number)
        .await?
        .ok_or(EditorialError::NotFound("revision"))?;
    let slug = if current.slug_locked {
        &current.story.slug
    } else {
        &revision.snapshot.slug
    };
    let draft = revision_draft(&revision.snapshot, slug);
    let options = SaveOptions {
        target: SaveTarget::Existing {
            id: story_id,
            version: current.version,
        },
        sample: current.story.sample,
        create_topics: who.role.can_publish(),
        ..SaveOptions::default()
    };
    let intent = SaveIntent {
        action: Some(RevisionAction::Restored),
        ..SaveIntent::default()
    };
    save(store, who, &draft, &options, intent, Some(story_id), now).await
}

/// Every line of `old` and `new`, each marked as in both, added or removed.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    diff_lines(&TextDiff::from_lines(old, new))
}

fn diff_lines<'a>(diff: &'a TextDiff<'a, 'a, 'a, str>) -> Vec<DiffLine> {
    diff.iter_all_changes()
        .map(|change| DiffLine {
            tag: match change.tag() {
                ChangeTag::Equal => DiffTag::Equal,
                ChangeTag::Insert => DiffTag::Insert,
                ChangeTag::Delete => DiffTag::Delete,
            },
            text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
        })
        .collect()
}

fn summary(revision: &RevisionRecord) -> RevisionSummary {
    RevisionSummary {
        number: revision.number,
        user_id: revision.user_id,
        user_name: revision.user_name.clone(),
        action: revision.action,
        created_at: revision.created_at,
    }
}

/// The story as it is now, in a revision's terms.
fn current_snapshot(current: &EditableStory) -> RevisionSnapshot {
    let story = &current.story;
    RevisionSnapshot {
        slug: story.slug.clone(),
        headline: story.headline.clone(),
        standfirst: story.standfirst.clone(),
        body_markdown: story.body_markdown.clone(),
        image: story.image.clone(),
        call_to_action: story.call_to_action.clone(),
        authors: story.authors.clone(),
        topics: story.topics.clone(),
        published_at: story.published_at,
        correction: current.correction.as_ref().map(|c| c.text.clone()),
        seo: story.seo.clone(),
        live: story.live,
    }
}

/// A revision as text to compare line by line: one line per field, then
/// the body.
fn snapshot_text(snapshot: &RevisionSnapshot) -> String {
    let mut text = String::new();
    let mut line = |name: &str, value: &str| {
        text.push_str(name);
        text.push_str(": ");
        text.push_str(value);
        text.push('\n');
    };
    line("Headline", &snapshot.headline);
    line("Slug", &snapshot.slug);
    line("Standfirst", &snapshot.standfirst);
    let topics: Vec<&str> = snapshot.topics.iter().map(|t| t.name.as_str()).collect();
    line("Topics", &topics.join(", "));
    line("Authors", &snapshot.authors.join(", "));
    match &snapshot.image {
        Some(image) => {
            line("Image", &image.src);
            line("Image alt", &image.alt);
            line("Image credit", image.credit.as_deref().unwrap_or(""));
        }
        None => line("Image", ""),
    }
    match &snapshot.call_to_action {
        Some(cta) => line("Call to action", &format!("{} → {}", cta.text, cta.url)),
        None => line("Call to action", ""),
    }
    line(
        "Published",
        &snapshot
            .published_at
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
    );
    line("Correction", snapshot.correction.as_deref().unwrap_or(""));
    if snapshot.seo.is_set() {
        let seo = &snapshot.seo;
        line("Search title", seo.title.as_deref().unwrap_or(""));
        line(
            "Search description",
            seo.description.as_deref().unwrap_or(""),
        );
        line("Social image", seo.image.as_deref().unwrap_or(""));
    }
    text.push('\n');
    text.push_str(&snapshot.body_markdown);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
