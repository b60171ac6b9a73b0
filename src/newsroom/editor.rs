//! The story editor: `/newsroom/stories/new` and `/newsroom/stories/{id}`.
//! One form saves, previews, publishes (with the push panel's choices) or
//! schedules; small forms beside it unpublish, set the correction note and
//! send an updated notification. Every change goes through
//! [`crate::editorial`] (which decides who may do what); a refused save
//! shows the form again with everything that was typed, and the reason
//! beside the input at fault.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::autosave;
use super::confirm::{self, AudienceDialog, Notifying};
use super::field_errors::FieldErrors;
use super::form::Fields;
use super::layout::{self, Chrome, Section};
use super::page_error;
use super::revisions::{Line, around_changes, diff_lines};
use super::story_form::{Action, StoryForm, form_errors};
use crate::accounts::Principal;
use crate::content::dates;
use crate::content::input::InputErrors;
use crate::content::model::TopicRef;
use crate::editorial::{
    self, AudienceCount, EditableStory, EditorialError, Plan, Publication, StoryStatus,
};
use crate::store::PreviewLinkRecord;
use crate::web::AppState;
use crate::web::NewsroomUser;
use crate::web::csrf::CsrfForm;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/stories/new", get(new_story).post(create_story))
        .route("/newsroom/stories/{id}", get(edit_story).post(update_story))
        .route("/newsroom/stories/{id}/unpublish", post(unpublish_story))
        .route("/newsroom/stories/{id}/correction", post(correct_story))
        .route("/newsroom/stories/{id}/push", post(send_update))
}

/// A topic's checkbox.
#[derive(Debug, Clone)]
pub struct TopicChoice {
    /// The checkbox's id.
    pub id: String,
    pub name: String,
    pub checked: bool,
}

/// A preview link as the editor lists it.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub id: i64,
    pub created: Stamp,
    pub expires: Stamp,
}

impl LinkView {
    fn of(link: &PreviewLinkRecord, zone: Tz) -> LinkView {
        let stamp =
            |at: i64| Stamp::full(DateTime::from_timestamp(at, 0).unwrap_or_default(), zone);
        LinkView {
            id: link.id,
            created: stamp(link.created_at),
            expires: stamp(link.expires_at),
        }
    }
}

/// The editor of story `id` with a preview link just made, its address
/// shown this once.
pub async fn show_with_new_link(
    state: &AppState,
    user: &Principal,
    id: i64,
    link: &editorial::PreviewLink,
) -> Response {
    let story = match editorial::get_story(&state.store, user, id, Utc::now()).await {
        Ok(story) => story,
        Err(e) => return page_error(state, user, e),
    };
    let mut view = View::new(Some(&story), StoryForm::of_story(&story));
    view.side.correction = StoryFacts::of(&story, state.config.site.time_zone).correction;
    view.new_link = Some(state.config.absolute(&link.path));
    render(state, user, view).await
}

/// A time, for a `<time>` element.
pub use crate::content::dates::Shown as Stamp;

/// Where a stored story stands, for the editor's header and side forms.
#[derive(Debug, Clone)]
pub struct StoryFacts {
    pub id: i64,
    pub status: StoryStatus,
    pub status_label: &'static str,
    pub public_href: String,
    pub slug_locked: bool,
    pub revision_count: i64,
    pub owner_name: String,
    /// Publication (or scheduled) time.
    pub when: Option<Stamp>,
    pub updated: Option<Stamp>,
    pub correction: String,
}

impl StoryFacts {
    fn of(editable: &EditableStory, zone: Tz) -> StoryFacts {
        let story = &editable.story;
        let time = |at: DateTime<Utc>| Stamp::full(at, zone);
        StoryFacts {
            id: story.id,
            status: editable.status,
            status_label: super::stories::status_label(editable.status),
            public_href: story.path(),
            slug_locked: editable.slug_locked,
            revision_count: editable.revision_count,
            owner_name: editable.owner_name.clone().unwrap_or_default(),
            when: story.published_at.map(time),
            updated: story.updated_at.map(time),
            correction: editable
                .correction
                .as_ref()
                .map(|c| c.text.clone())
                .unwrap_or_default(),
        }
    }

    pub fn is_published(&self) -> bool {
        self.status == StoryStatus::Published
    }

    pub fn is_draft(&self) -> bool {
        self.status == StoryStatus::Draft
    }
}

/// The text of the side forms, kept when one is refused.
#[derive(Debug, Clone, Default)]
pub struct SideForms {
    pub correction: String,
    pub update_title: String,
    pub update_body: String,
    pub update_breaking: bool,
    /// "Deliver over", in minutes; empty: as the story's notification.
    pub update_spread_minutes: String,
}

#[derive(Template)]
#[template(path = "newsroom/editor.html")]
pub struct EditorPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub action_url: String,
    pub form: StoryForm,
    pub side: SideForms,
    pub errors: FieldErrors,
    /// Another save won: what happened and what to do.
    pub conflict: Option<String>,
    /// The other version, line by line, against what this editor sent.
    pub conflict_lines: Vec<Line>,
    /// Who else has the story open.
    pub editing_notice: String,
    /// The form holds changes kept by autosave, not yet saved.
    pub restored: bool,
    /// The sidebar's folded panels open on their own errors.
    pub image_open: bool,
    pub push_open: bool,
    /// The search and social panel, folded in the main column, opens on
    /// its own errors too.
    pub seo_open: bool,
    pub story: Option<StoryFacts>,
    pub version: Option<i64>,
    pub topics: Vec<TopicChoice>,
    /// The user's role may publish, schedule, unpublish, correct and send.
    pub can_publish: bool,
    /// The user may change this story.
    pub can_edit: bool,
    pub slug_locked: bool,
    pub published: bool,
    pub scheduled: bool,
    /// The body as the site shows it, after "Preview".
    pub preview_html: Option<String>,
    /// Asks before readers are notified.
    pub dialog: Option<AudienceDialog>,
    /// Preview links that still work (never their tokens).
    pub preview_links: Vec<LinkView>,
    /// A link just made: its whole address, shown this once.
    pub new_link: Option<String>,
    pub site_name: String,
    pub budget_bytes: usize,
}

/// What a finished change says on the editor it leads back to: which
/// change, and for a notification whom it went to.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    pub done: Option<String>,
    pub reached: Option<u64>,
    pub held: Option<u64>,
}

impl Done {
    /// The message, with the notification's reach when there was one.
    fn message(&self) -> Option<String> {
        let message = done_message(self.done.as_deref()?)?;
        Some(match self.reached {
            Some(reached) => format!(
                "{message} {}",
                confirm::reached_message(reached, self.held.unwrap_or(0))
            ),
            None => message.to_owned(),
        })
    }
}

/// The editor's address after a change, saying what happened.
fn done_url(id: i64, done: &str, reach: Option<&AudienceCount>) -> String {
    match reach {
        Some(count) => format!(
            "/newsroom/stories/{id}?done={done}&reached={}&held={}",
            count.audience, count.held_now
        ),
        None => format!("/newsroom/stories/{id}?done={done}"),
    }
}

fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "Draft saved.",
        "saved" => "Changes saved.",
        "published" => "Published.",
        "scheduled" => "Scheduled.",
        "unpublished" => "Unpublished: the story is a draft again.",
        "corrected" => "Correction note saved.",
        "restored" => "Revision restored.",
        "update-sent" => "Updated notification queued.",
        "link-revoked" => "The preview link no longer works.",
        "discarded" => "Your unsaved changes were discarded: this is the story as saved.",
        _ => return None,
    })
}

/// What the editor page shows besides the form itself.
struct View<'a> {
    story: Option<&'a EditableStory>,
    form: StoryForm,
    side: SideForms,
    errors: FieldErrors,
    conflict: Option<String>,
    conflict_lines: Vec<Line>,
    editing_notice: String,
    restored: bool,
    preview_html: Option<String>,
    dialog: Option<AudienceDialog>,
    new_link: Option<String>,
    version: Option<i64>,
    flash: Option<(&'static str, String)>,
    status: StatusCode,
}

impl<'a> View<'a> {
    fn new(story: Option<&'a EditableStory>, form: StoryForm) -> View<'a> {
        View {
            version: story.map(|s| s.version),
            story,
            form,
            side: SideForms::default(),
            errors: FieldErrors::none(),
            conflict: None,
            conflict_lines: Vec::new(),
            editing_notice: String::new(),
            restored: false,
            preview_html: None,
            dialog: None,
            new_link: None,
            flash: None,
            status: StatusCode::OK,
        }
    }
}

async fn render(state: &AppState, user: &Principal, view: View<'_>) -> Response {
    let now = Utc::now();
    let listed = match editorial::list_topics(&state.store, user, now).await {
        Ok(topics) => topics,
        Err(e) => return page_error(state, user, e),
    };
    let mut names: Vec<String> = listed.into_iter().map(|t| t.topic.name).collect();
    // Ticked names that are not topics (yet) stay on the form.
    for ticked in &view.form.topics {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(ticked)) {
            names.push(ticked.clone());
        }
    }
    let topics = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| TopicChoice {
            id: format!("topic-{i}"),
            checked: view.form.has_topic(&name),
            name,
        })
        .collect();
    let preview_links = match view.story {
        Some(s) if s.status != StoryStatus::Published => {
            match editorial::live_preview_links(&state.store, user, s.story.id, now).await {
                Ok(links) => links
                    .iter()
                    .map(|l| LinkView::of(l, state.config.site.time_zone))
                    .collect(),
                Err(e) => return page_error(state, user, e),
            }
        }
        _ => Vec::new(),
    };
    let mut chrome = Chrome::for_user(state, user, Section::Stories);
    if let Some((kind, text)) = view.flash {
        chrome = chrome.with_flash(kind, text);
    }
    let image_open = view
        .errors
        .any_of(&["image_url", "image_alt", "image_credit"]);
    let push_open = view.errors.any_of(&[
        "push_send",
        "push_title",
        "push_body",
        "push_spread_minutes",
    ]);
    let seo_open = view
        .errors
        .any_of(&["seo_title", "seo_description", "seo_image"]);
    let page = EditorPage {
        chrome,
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        action_url: match view.story {
            Some(s) => format!("/newsroom/stories/{}", s.story.id),
            None => "/newsroom/stories/new".to_owned(),
        },
        form: view.form,
        side: view.side,
        errors: view.errors,
        conflict: view.conflict,
        conflict_lines: view.conflict_lines,
        editing_notice: view.editing_notice,
        restored: view.restored,
        image_open,
        push_open,
        seo_open,
        story: view
            .story
            .map(|s| StoryFacts::of(s, state.config.site.time_zone)),
        version: view.version,
        topics,
        can_publish: user.role.can_publish(),
        can_edit: view.story.is_none_or(|s| s.allowed.edit),
        slug_locked: view.story.is_some_and(|s| s.slug_locked),
        published: view
            .story
            .is_some_and(|s| s.status == StoryStatus::Published),
        scheduled: view
            .story
            .is_some_and(|s| s.status == StoryStatus::Scheduled),
        preview_html: view.preview_html,
        dialog: view.dialog,
        preview_links,
        new_link: view.new_link,
        site_name: state.config.site.name.clone(),
        budget_bytes: webpush::plaintext_budget(0),
    };
    (view.status, layout::render(&page)).into_response()
}

/// A path's story id; anything else is no story.
fn story_id(raw: &str) -> Result<i64, EditorialError> {
    raw.parse().map_err(|_| EditorialError::NotFound("story"))
}

async fn load(
    state: &AppState,
    user: &Principal,
    raw_id: &str,
) -> Result<EditableStory, EditorialError> {
    editorial::get_story(&state.store, user, story_id(raw_id)?, Utc::now()).await
}

/// `GET /newsroom/stories/new`.
async fn new_story(State(state): State<AppState>, NewsroomUser(user): NewsroomUser) -> Response {
    let view = View::new(None, StoryForm::blank(&user));
    render(&state, &user, view).await
}

/// `GET /newsroom/stories/{id}`.
async fn edit_story(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let now = Utc::now();
    let opened = match story_id(&id) {
        Ok(id) => editorial::open_for_editing(&state.store, &user, id, now).await,
        Err(e) => Err(e),
    };
    let (story, editing) = match opened {
        Ok(opened) => opened,
        Err(e) => return page_error(&state, &user, e),
    };
    let mut view = View::new(Some(&story), StoryForm::of_story(&story));
    view.side.correction = StoryFacts::of(&story, state.config.site.time_zone).correction;
    if let Some(message) = done.message() {
        view.flash = Some(("success", message));
    }
    let id = story.story.id;
    view.editing_notice = autosave::others_notice(&editing);
    if story.allowed.edit {
        match editorial::pending_autosave(&state.store, &user, id).await {
            Ok(Some(pending)) => {
                view.flash = Some((
                    "info",
                    autosave::restored_message(&pending, state.config.site.time_zone),
                ));
                view.form = StoryForm::of_fields(&Fields(pending.fields));
                view.version = Some(pending.base_version);
                view.restored = true;
            }
            Ok(None) => {}
            Err(e) => return page_error(&state, &user, e),
        }
    }
    if !story.allowed.edit {
        view.flash = Some((
            "info",
            "You may read this story but not change it: contributors edit their own drafts."
                .to_owned(),
        ));
    }
    render(&state, &user, view).await
}

/// `POST /newsroom/stories/new`.
async fn create_story(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    submit(&state, &user, None, &Fields(fields)).await
}

/// `POST /newsroom/stories/{id}`.
async fn update_story(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let story = match load(&state, &user, &id).await {
        Ok(story) => story,
        Err(e) => return page_error(&state, &user, e),
    };
    submit(&state, &user, Some(&story), &Fields(fields)).await
}

/// Saves (creating or updating), then publishes or schedules when asked;
/// or previews. A refusal shows the form again as it was sent.
async fn submit(
    state: &AppState,
    user: &Principal,
    current: Option<&EditableStory>,
    fields: &Fields,
) -> Response {
    let now = Utc::now();
    let form = StoryForm::of_fields(fields);
    let confirmed = confirm::is_confirmed_action(fields.get("action"));
    let action = Action::parse(confirm::plain_action(fields.get("action")));
    let version = fields.get("version").trim().parse::<i64>().ok();
    let mut view = View::new(current, form.clone());
    view.version = version.or(view.version);

    if action == Action::Preview {
        match editorial::preview_markdown(&form.body_markdown) {
            Ok(preview) => view.preview_html = Some(preview.html),
            Err(e) => return refused(state, user, view, e).await,
        }
        return render(state, user, view).await;
    }
    // What publishing needs is checked before anything is saved.
    let at = if action == Action::Schedule {
        match form.schedule_time() {
            Ok(at) => Some(at),
            Err(message) => {
                view.errors =
                    FieldErrors::one("schedule_at", format!("Publication time: {message}"));
                view.status = StatusCode::UNPROCESSABLE_ENTITY;
                return render(state, user, view).await;
            }
        }
    } else {
        None
    };
    let push = form.push_options();
    let slug_locked = current.is_some_and(|s| s.slug_locked);
    let input = form.story_input(slug_locked);
    // Before readers are notified, the editor sees how many (a story the
    // save would refuse goes on to be refused, with its reasons).
    let mut reach = None;
    let notifying = match action {
        Action::Publish => Some(Notifying::Publish),
        Action::Schedule => Some(Notifying::Schedule),
        _ => None,
    };
    if confirmed {
        // Counted when asked; a scheduled story's audience is counted
        // again when it goes out.
        reach = confirm::confirmed_count(
            fields.get("confirmed_audience"),
            fields.get("confirmed_held"),
        )
        .filter(|_| notifying == Some(Notifying::Publish) && form.push_send);
    } else if let Some(what) = notifying.filter(|_| form.push_send)
        && let Ok(draft) = form.story_input(slug_locked).validate()
        && let Ok(settings) = push.settings()
    {
        let topics = draft.topics.into_iter().map(|t| TopicRef {
            slug: t.slug,
            name: t.name,
        });
        let plan = Plan::of(&settings, topics.collect());
        let policy = &state.config.reminders;
        let counted = editorial::count_audience(&state.store, user, &plan.reach, policy, now).await;
        let count = match counted {
            Ok(count) => count,
            Err(e) => return refused(state, user, view, e).await,
        };
        view.dialog = Some(confirm::audience_dialog(what, &plan, &count));
        return render(state, user, view).await;
    }
    let story = current.map(|s| (s.story.id, version.unwrap_or(0)));
    let saved = match (action, at, current) {
        (Action::Publish, _, _) => {
            let when = Publication::Now;
            editorial::save_and_publish(&state.store, user, story, input, when, &push, now).await
        }
        (Action::Schedule, Some(at), _) => {
            let when = Publication::At(at);
            editorial::save_and_publish(&state.store, user, story, input, when, &push, now).await
        }
        (_, _, None) => editorial::create_story(&state.store, user, input, now).await,
        (_, _, Some(current)) => {
            let version = version.unwrap_or(0);
            let id = current.story.id;
            editorial::update_story(&state.store, user, id, input, version, now).await
        }
    };
    match saved {
        Ok(done) => {
            // What autosave kept is now the story (or, published, on the site).
            if let Err(e) = editorial::discard_autosave(&state.store, user, done.id).await {
                tracing::warn!(error = %e, story.id = done.id, "could not clear an autosave");
            }
            let word = match action {
                Action::Publish => "published",
                Action::Schedule => "scheduled",
                _ if current.is_none() => "created",
                _ => "saved",
            };
            Redirect::to(&done_url(done.id, word, reach.as_ref())).into_response()
        }
        Err(e) => refused(state, user, view, e).await,
    }
}

/// The form again, with why the service refused it.
async fn refused(
    state: &AppState,
    user: &Principal,
    mut view: View<'_>,
    e: EditorialError,
) -> Response {
    if let EditorialError::EditConflict(conflict) = &e {
        // The next save replaces the other version, knowingly, once the
        // editor has seen what differs.
        view.version = Some(conflict.current_version);
        let who = conflict.saved_by.as_deref().unwrap_or("Someone else");
        let zone = state.config.site.time_zone;
        view.conflict = Some(match conflict.saved_at {
            Some(at) => format!(
                "{who} saved this story at {} since you opened it, so your save was not stored.",
                dates::full(at, zone)
            ),
            None => {
                format!("{who} saved this story since you opened it, so your save was not stored.")
            }
        });
        if let Some(id) = view.story.map(|s| s.story.id)
            && let Ok(theirs) = editorial::get_story(&state.store, user, id, Utc::now()).await
        {
            let diff = editorial::line_diff(
                &StoryForm::of_story(&theirs).as_text(),
                &view.form.as_text(),
            );
            view.conflict_lines = around_changes(diff_lines(&diff), 2);
        }
        view.status = StatusCode::CONFLICT;
        return render(state, user, view).await;
    }
    match form_errors(&e) {
        Some(errors) => {
            view.errors = errors;
            view.status = match e {
                EditorialError::TopicCreationForbidden { .. } => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            render(state, user, view).await
        }
        None => page_error(state, user, e),
    }
}

/// An update's refused text or spread, on the update form's fields.
fn update_field_errors(problems: InputErrors) -> FieldErrors {
    let mut errors = FieldErrors::none();
    for p in problems.0 {
        let (input, label) = match p.field.as_str() {
            "push.body" => ("update_body", "Updated text"),
            "push.spread_minutes" => ("update_spread_minutes", "Deliver over"),
            _ => ("update_title", "Updated title"),
        };
        errors.items.push(super::field_errors::FieldError {
            field: input.to_owned(),
            message: format!("{label}: {}", p.message),
        });
    }
    errors
}

/// The editor of a stored story, with a side form's refusal.
async fn side_refused(
    state: &AppState,
    user: &Principal,
    story: &EditableStory,
    side: SideForms,
    errors: FieldErrors,
) -> Response {
    let mut view = View::new(Some(story), StoryForm::of_story(story));
    view.side = side;
    view.errors = errors;
    view.status = StatusCode::UNPROCESSABLE_ENTITY;
    render(state, user, view).await
}

/// `POST /newsroom/stories/{id}/unpublish`.
async fn unpublish_story(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    CsrfForm(confirmed): CsrfForm<confirm::Confirmed>,
) -> Response {
    // Asked only of those who may (the others are refused at once).
    if !confirmed.given() && user.role.can_publish() {
        let story = match load(&state, &user, &id).await {
            Ok(story) => story,
            Err(e) => return page_error(&state, &user, e),
        };
        let href = format!("/newsroom/stories/{}", story.story.id);
        return confirm::destructive_page(
            &state,
            &user,
            confirm::Destructive {
                section: Section::Stories,
                question: format!("Unpublish “{}”?", story.story.headline),
                losses: vec![
                    "It leaves the site, the feeds and the sitemap: its address answers “not found” until it is published again.".into(),
                    "A notification that has not started is cancelled; one already sent stays on readers' devices.".into(),
                    "It becomes a draft; its text and revisions are kept.".into(),
                ],
                action_url: format!("{href}/unpublish"),
                button: "Unpublish",
                back_url: href,
            },
        );
    }
    let result = match story_id(&id) {
        Ok(id) => editorial::unpublish_story(&state.store, &user, id, Utc::now()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => Redirect::to(&format!("/newsroom/stories/{}?done=unpublished", saved.id))
            .into_response(),
        Err(e) => page_error(&state, &user, e),
    }
}

/// `POST /newsroom/stories/{id}/correction`: field `correction`; empty
/// removes the note.
async fn correct_story(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let text = fields.get("correction");
    let story = match load(&state, &user, &id).await {
        Ok(story) => story,
        Err(e) => return page_error(&state, &user, e),
    };
    match editorial::set_correction(&state.store, &user, story.story.id, text, Utc::now()).await {
        Ok(saved) => {
            Redirect::to(&format!("/newsroom/stories/{}?done=corrected", saved.id)).into_response()
        }
        Err(e @ EditorialError::InvalidStory(_)) => {
            let message = e
                .field_errors()
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let side = SideForms {
                correction: text.to_owned(),
                ..SideForms::default()
            };
            let errors = FieldErrors::one("correction", format!("Correction: {message}"));
            side_refused(&state, &user, &story, side, errors).await
        }
        Err(e) => page_error(&state, &user, e),
    }
}

/// `POST /newsroom/stories/{id}/push`: sends an updated notification of a
/// published story (fields `update_title`, `update_body`,
/// `update_breaking`), replacing the first on devices. Editors only.
async fn send_update(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let story = match load(&state, &user, &id).await {
        Ok(story) => story,
        Err(e) => return page_error(&state, &user, e),
    };
    let side = SideForms {
        correction: StoryFacts::of(&story, state.config.site.time_zone).correction,
        update_title: fields.get("update_title").to_owned(),
        update_body: fields.get("update_body").to_owned(),
        update_breaking: fields.checked("update_breaking"),
        update_spread_minutes: fields.get("update_spread_minutes").to_owned(),
    };
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let request = editorial::UpdateRequest {
        title: optional(&side.update_title),
        body: optional(&side.update_body),
        breaking: side.update_breaking,
        // Not a number: out of range, so refused with the range.
        spread_minutes: optional(&side.update_spread_minutes)
            .map(|n| n.parse().unwrap_or(u32::MAX)),
        spread_breaking: None,
    };
    let now = Utc::now();
    let id = story.story.id;
    if !confirm::is_confirmed_action(fields.get("action")) {
        let policy = &state.config.reminders;
        let counted = match editorial::update_plan(&state.store, &user, id, &request, now).await {
            Ok(plan) => editorial::count_audience(&state.store, &user, &plan.reach, policy, now)
                .await
                .map(|count| (plan, count)),
            Err(e) => Err(e),
        };
        let (plan, count) = match counted {
            Ok(counted) => counted,
            Err(EditorialError::InvalidStory(problems)) => {
                let errors = update_field_errors(problems);
                return side_refused(&state, &user, &story, side, errors).await;
            }
            Err(e) => return page_error(&state, &user, e),
        };
        let mut view = View::new(Some(&story), StoryForm::of_story(&story));
        view.side = side;
        view.dialog = Some(confirm::audience_dialog(Notifying::Update, &plan, &count));
        return render(&state, &user, view).await;
    }
    // Counted when asked (see `confirm`).
    let count = confirm::confirmed_count(
        fields.get("confirmed_audience"),
        fields.get("confirmed_held"),
    );
    match editorial::send_update(&state.store, &user, id, request, now).await {
        Ok(_) => Redirect::to(&done_url(id, "update-sent", count.as_ref())).into_response(),
        Err(EditorialError::InvalidStory(problems)) => {
            let errors = update_field_errors(problems);
            side_refused(&state, &user, &story, side, errors).await
        }
        Err(EditorialError::NotPublished) => {
            let errors = FieldErrors::one("update_title", EditorialError::NotPublished.to_string());
            side_refused(&state, &user, &story, side, errors).await
        }
        Err(e) => page_error(&state, &user, e),
    }
}
