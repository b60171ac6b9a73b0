//! The live desk: `/newsroom/stories/{id}/live`, where a live story's
//! coverage is written. A composer stays at the top of the page (Ctrl+Enter
//! posts it; `newsroom.js`), the entries follow, newest first, each with
//! Edit and Delete (drafts also with Post, for editors), and the coverage
//! can be ended. Contributors draft; editors and admins post. After the
//! end the page says so and keeps only corrections and deletions. The
//! rules are the domain's (`editorial::live`); every action is a form that
//! works without script and answers with a redirect back to the desk.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;

use super::confirm::{Confirmed, Destructive, destructive_page};
use super::field_errors::{FieldError, FieldErrors};
use super::layout::{self, Chrome, Section};
use super::page_error;
use crate::accounts::Principal;
use crate::content::{dates, markdown};
use crate::editorial::EditorialError;
use crate::editorial::live::{self, EntryChanges, MAX_ENTRY_CHARS, NewEntry};
use crate::store::{EntryState, LiveEntryRecord};
use crate::web::AppState;
use crate::web::{CsrfForm, NewsroomUser};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/newsroom/stories/{id}/live",
            get(show_desk).post(post_entry),
        )
        .route(
            "/newsroom/stories/{id}/live/entries/{entry_id}",
            get(show_entry).post(save_entry),
        )
        .route(
            "/newsroom/stories/{id}/live/entries/{entry_id}/delete",
            post(delete_entry),
        )
        .route("/newsroom/stories/{id}/live/end", post(end_coverage))
}

/// An entry as the desk lists it.
#[derive(Debug, Clone)]
struct DeskEntry {
    id: i64,
    title: Option<String>,
    body_markdown: String,
    /// The body as readers see it.
    body_html: String,
    author: String,
    /// When posted (or last written, for a draft), in the site's zone.
    at: dates::Shown,
    draft: bool,
    key_event: bool,
    breaking: bool,
}

impl DeskEntry {
    fn new(entry: &LiveEntryRecord, zone: chrono_tz::Tz) -> DeskEntry {
        DeskEntry {
            id: entry.id,
            title: entry.title.clone(),
            body_markdown: entry.body_markdown.clone(),
            body_html: markdown::render_body(&entry.body_markdown),
            author: entry.author_name.clone(),
            at: dates::Shown::full(entry.published_at.unwrap_or(entry.updated_at), zone),
            draft: entry.state == EntryState::Draft,
            key_event: entry.key_event,
            breaking: entry.breaking,
        }
    }
}

/// What the composer (or an entry's edit form) holds.
#[derive(Debug, Clone, Default, Deserialize)]
struct EntryForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body_markdown: String,
    #[serde(default)]
    key_event: Option<String>,
    #[serde(default)]
    breaking: Option<String>,
    /// `post` (the default for editors), `draft`, or on an edit `save`.
    #[serde(default)]
    action: String,
}

impl EntryForm {
    fn of(entry: &DeskEntry) -> EntryForm {
        EntryForm {
            title: entry.title.clone().unwrap_or_default(),
            body_markdown: entry.body_markdown.clone(),
            key_event: entry.key_event.then(|| "1".to_owned()),
            breaking: entry.breaking.then(|| "1".to_owned()),
            action: String::new(),
        }
    }

    fn title(&self) -> Option<String> {
        Some(self.title.trim().to_owned()).filter(|t| !t.is_empty())
    }

    fn key_event(&self) -> bool {
        self.key_event.is_some()
    }

    fn breaking(&self) -> bool {
        self.breaking.is_some()
    }
}

#[derive(Template)]
#[template(path = "newsroom/live_desk.html")]
struct DeskPage {
    chrome: Chrome,
    csrf: String,
    story_id: i64,
    headline: String,
    /// The story's page on the site.
    public_path: String,
    /// When the coverage ended; `None` while it lasts.
    ended: Option<dates::Shown>,
    can_publish: bool,
    entries: Vec<DeskEntry>,
    form: EntryForm,
    errors: FieldErrors,
    max_chars: usize,
    /// The composer takes the focus: the editor just posted and goes on.
    focus_composer: bool,
    /// The subscriptions following the story: whom a key event notifies.
    followers: i64,
    /// Asked before a key event notifies the story's followers.
    confirm: Option<KeyEventDialog>,
}

/// The question before a key event is posted, which notifies the
/// story's followers, as publishing asks before notifying a topic's.
#[derive(Debug, Clone)]
struct KeyEventDialog {
    question: String,
    detail: String,
}

/// The dialog for a key event reaching `followers` (and Breaking news'
/// followers when `breaking`).
fn key_event_dialog(followers: i64, breaking: bool) -> KeyEventDialog {
    let readers = match followers {
        1 => "1 reader who follows this story".to_owned(),
        n => format!("{n} readers who follow this story"),
    };
    let question = match (followers, breaking) {
        (0, false) => "Post this key event? Nobody follows this story yet.".to_owned(),
        (_, false) => format!("Post this key event and notify {readers}?"),
        (_, true) => format!(
            "Post this key event and notify {readers} and every follower of Breaking news, urgently?"
        ),
    };
    KeyEventDialog {
        question,
        detail:
            "Each reader's daily limit and quiet hours apply: some get it later, in their digest. \
                 Edits of the entry send nothing more."
                .to_owned(),
    }
}

#[derive(Template)]
#[template(path = "newsroom/live_entry_edit.html")]
struct EntryPage {
    chrome: Chrome,
    csrf: String,
    story_id: i64,
    headline: String,
    entry: DeskEntry,
    can_publish: bool,
    form: EntryForm,
    errors: FieldErrors,
    max_chars: usize,
    focus_composer: bool,
}

#[derive(Debug, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// What a finished action says at the top of the desk.
fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "posted" => "Posted: it is on the story's page now.",
        "drafted" => "Saved as a draft: readers do not see it until an editor posts it.",
        "saved" => "Saved.",
        "deleted" => "Deleted: it is off the story's page.",
        "ended" => "Coverage ended: the story's page says so, and its streams have closed.",
        _ => return None,
    })
}

fn desk_url(story_id: i64, done: &str) -> String {
    format!("/newsroom/stories/{story_id}/live?done={done}")
}

/// The desk of story `story_id` with `form` in the composer.
async fn desk(
    state: &AppState,
    user: &Principal,
    story_id: i64,
    form: EntryForm,
    errors: FieldErrors,
    flash: Option<&str>,
    confirm: bool,
) -> Response {
    let zone = state.config.site.time_zone;
    let desk = match live::desk_entries(&state.store, user, story_id, Utc::now()).await {
        Ok(desk) => desk,
        Err(e) => return page_error(state, user, e),
    };
    let confirm = confirm.then(|| key_event_dialog(desk.followers, form.breaking()));
    let (story, entries) = (desk.story, desk.entries);
    let mut chrome = Chrome::for_user(state, user, Section::Stories);
    if let Some(text) = flash {
        chrome = chrome.with_flash("success", text);
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DeskPage {
        chrome,
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        story_id,
        headline: story.headline.clone(),
        public_path: story.path(),
        ended: story.live_ended_at.map(|at| dates::Shown::full(at, zone)),
        can_publish: user.role.can_publish(),
        entries: entries.iter().map(|e| DeskEntry::new(e, zone)).collect(),
        form,
        errors,
        max_chars: MAX_ENTRY_CHARS,
        focus_composer: flash.is_some(),
        followers: desk.followers,
        confirm,
    };
    layout::render_with(status, &page)
}

async fn show_desk(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(story_id): Path<i64>,
    Query(query): Query<DoneQuery>,
) -> Response {
    let flash = query.done.as_deref().and_then(done_message);
    desk(
        &state,
        &user,
        story_id,
        EntryForm::default(),
        FieldErrors::none(),
        flash,
        false,
    )
    .await
}

/// The form's problems as the page shows them, each named by its input's
/// label, when they are the writer's to fix.
fn form_errors(e: &EditorialError) -> Option<FieldErrors> {
    let items: Vec<FieldError> = e
        .field_errors()
        .iter()
        .map(|f| {
            let label = match f.field.as_str() {
                "title" => "The title",
                _ => "The update",
            };
            FieldError {
                field: f.field.clone(),
                message: format!("{label} {}", f.message),
            }
        })
        .collect();
    (!items.is_empty()).then_some(FieldErrors { items })
}

async fn post_entry(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(story_id): Path<i64>,
    CsrfForm(form): CsrfForm<EntryForm>,
) -> Response {
    let draft = form.action == "draft" || !user.role.can_publish();
    if !draft && form.key_event() && form.action != "post-confirmed" {
        // Asked first: who it will notify.
        return desk(
            &state,
            &user,
            story_id,
            form,
            FieldErrors::none(),
            None,
            true,
        )
        .await;
    }
    let entry = NewEntry {
        title: form.title(),
        body_markdown: form.body_markdown.clone(),
        key_event: form.key_event(),
        breaking: form.breaking(),
        draft,
    };
    match live::post_entry(&state.store, &user, story_id, entry, Utc::now()).await {
        Ok(_) => {
            // Back to an empty composer, the new entry just below it.
            let done = if draft { "drafted" } else { "posted" };
            Redirect::to(&desk_url(story_id, done)).into_response()
        }
        Err(e) => match form_errors(&e) {
            Some(errors) => desk(&state, &user, story_id, form, errors, None, false).await,
            None => page_error(&state, &user, e),
        },
    }
}

async fn entry_page(
    state: &AppState,
    user: &Principal,
    ids: (i64, i64),
    form: Option<EntryForm>,
    errors: FieldErrors,
) -> Response {
    let (story, entry) = match live::desk_entry(&state.store, user, ids.0, ids.1, Utc::now()).await
    {
        Ok((story, entry)) => (story, DeskEntry::new(&entry, state.config.site.time_zone)),
        Err(e) => return page_error(state, user, e),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = EntryPage {
        chrome: Chrome::for_user(state, user, Section::Stories),
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        story_id: ids.0,
        headline: story.headline,
        form: form.unwrap_or_else(|| EntryForm::of(&entry)),
        entry,
        can_publish: user.role.can_publish(),
        errors,
        max_chars: MAX_ENTRY_CHARS,
        focus_composer: false,
    };
    layout::render_with(status, &page)
}

async fn show_entry(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(ids): Path<(i64, i64)>,
) -> Response {
    entry_page(&state, &user, ids, None, FieldErrors::none()).await
}

async fn save_entry(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path((story_id, entry_id)): Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<EntryForm>,
) -> Response {
    let post = form.action == "post";
    let changes = EntryChanges {
        title: Some(form.title()),
        body_markdown: Some(form.body_markdown.clone()),
        key_event: Some(form.key_event()),
        breaking: Some(form.breaking()),
        post,
    };
    match live::edit_entry(&state.store, &user, story_id, entry_id, changes, Utc::now()).await {
        Ok(_) => Redirect::to(&format!(
            "{}#desk-entry-{entry_id}",
            desk_url(story_id, if post { "posted" } else { "saved" })
        ))
        .into_response(),
        Err(e) => match form_errors(&e) {
            Some(errors) => {
                entry_page(&state, &user, (story_id, entry_id), Some(form), errors).await
            }
            None => page_error(&state, &user, e),
        },
    }
}

async fn delete_entry(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path((story_id, entry_id)): Path<(i64, i64)>,
    CsrfForm(confirmed): CsrfForm<Confirmed>,
) -> Response {
    if !confirmed.given() {
        return destructive_page(
            &state,
            &user,
            Destructive {
                section: Section::Stories,
                question: "Delete this entry?".into(),
                losses: vec![
                    "It leaves the story's page, its feeds and every reader's open page at once."
                        .into(),
                    "It cannot be brought back here; post it again if you need it.".into(),
                ],
                action_url: format!("/newsroom/stories/{story_id}/live/entries/{entry_id}/delete"),
                button: "Delete the entry",
                back_url: format!("/newsroom/stories/{story_id}/live"),
            },
        );
    }
    match live::delete_entry(&state.store, &user, story_id, entry_id, Utc::now()).await {
        Ok(_) => Redirect::to(&desk_url(story_id, "deleted")).into_response(),
        Err(e) => page_error(&state, &user, e),
    }
}

async fn end_coverage(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(story_id): Path<i64>,
    CsrfForm(confirmed): CsrfForm<Confirmed>,
) -> Response {
    if !confirmed.given() {
        return destructive_page(
            &state,
            &user,
            Destructive {
                section: Section::Stories,
                question: "End the live coverage?".into(),
                losses: vec![
                    "No entry can be posted after this; entries can still be corrected or deleted."
                        .into(),
                    "The story's page says \"Coverage ended\" and readers' open pages stop listening."
                        .into(),
                ],
                action_url: format!("/newsroom/stories/{story_id}/live/end"),
                button: "End the coverage",
                back_url: format!("/newsroom/stories/{story_id}/live"),
            },
        );
    }
    match live::end_coverage(&state.store, &user, story_id, Utc::now()).await {
        Ok(_) => Redirect::to(&desk_url(story_id, "ended")).into_response(),
        Err(e) => page_error(&state, &user, e),
    }
}
