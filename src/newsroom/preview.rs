//! The newsroom's true preview: the story as readers will see it, drawn by
//! the reader site's own template and stylesheet, at a desktop or a phone
//! width, with its notification as it will look. `GET
//! /newsroom/stories/{id}/preview` shows the saved story; posting the
//! editor's form to `…/preview` (or `/newsroom/stories/new/preview`)
//! shows what is typed, saving nothing. Beside it, sharing: a preview link
//! for someone without an account (see [`crate::editorial::create_preview_link`]).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;

use super::confirm::Confirmed;
use super::form::Fields;
use super::layout::{self, Chrome, Section};
use super::page_error;
use super::story_form::StoryForm;
use crate::accounts::Principal;
use crate::content::Story;
use crate::delivery::payload::{PanelInput, SiteVoice, preview_panel};
use crate::editorial::{self, EditorialError};
use crate::site::pages::{StoryMode, story_html};
use crate::store::JobKind;
use crate::web::AppState;
use crate::web::NewsroomUser;
use crate::web::csrf::CsrfForm;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/stories/new/preview", post(preview_typed_new))
        .route(
            "/newsroom/stories/{id}/preview",
            get(preview_saved).post(preview_typed),
        )
        .route("/newsroom/stories/{id}/preview-links", post(share))
        .route(
            "/newsroom/stories/{id}/preview-links/{link}/revoke",
            post(revoke),
        )
}

#[derive(Template)]
#[template(path = "newsroom/preview.html")]
struct PreviewPage {
    chrome: Chrome,
    headline: String,
    /// The story page, for the frame's `srcdoc` (escaped by the template).
    page_html: String,
    /// Why what was typed cannot be shown yet, field by field.
    problems: Vec<String>,
    notification_title: String,
    notification_body: String,
    site_name: String,
    back_url: String,
}

/// `GET /newsroom/stories/{id}/preview`: the story as saved.
async fn preview_saved(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
) -> Response {
    let story = match id.parse() {
        Ok(id) => editorial::get_story(&state.store, &user, id, Utc::now()).await,
        Err(_) => Err(EditorialError::NotFound("story")),
    };
    match story {
        Ok(editable) => {
            let back = format!("/newsroom/stories/{}", editable.story.id);
            let form = StoryForm::of_story(&editable);
            render(&state, &user, Ok(editable.story), &form, back).await
        }
        Err(e) => page_error(&state, &user, e),
    }
}

/// `POST /newsroom/stories/{id}/preview`: what the editor's form holds.
async fn preview_typed(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return page_error(&state, &user, EditorialError::NotFound("story"));
    };
    let editable = match editorial::get_story(&state.store, &user, id, Utc::now()).await {
        Ok(editable) => editable,
        Err(e) => return page_error(&state, &user, e),
    };
    let form = StoryForm::of_fields(&Fields(fields));
    let story = typed_story(&form, editable.slug_locked, id, &editable.story);
    render(
        &state,
        &user,
        story,
        &form,
        format!("/newsroom/stories/{id}"),
    )
    .await
}

/// `POST /newsroom/stories/new/preview`: a story not saved yet.
async fn preview_typed_new(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let form = StoryForm::of_fields(&Fields(fields));
    let story = form
        .story_input(false)
        .validate()
        .map(|draft| draft.as_preview(0, Utc::now()))
        .map_err(|e| e.0.iter().map(ToString::to_string).collect());
    render(&state, &user, story, &form, "/newsroom/stories/new".into()).await
}

/// The typed story of stored story `id` (keeping what the form cannot
/// change: its slug once locked, its publication time), or what is wrong.
fn typed_story(
    form: &StoryForm,
    slug_locked: bool,
    id: i64,
    stored: &Story,
) -> Result<Story, Vec<String>> {
    let draft = form
        .story_input(slug_locked)
        .validate()
        .map_err(|e| e.0.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let mut story = draft.as_preview(id, Utc::now());
    if slug_locked {
        story.slug = stored.slug.clone();
    }
    story.published_at = stored.published_at;
    Ok(story)
}

async fn render(
    state: &AppState,
    user: &Principal,
    story: Result<Story, Vec<String>>,
    form: &StoryForm,
    back_url: String,
) -> Response {
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let (notification, _) = preview_panel(
        story.as_ref().ok(),
        PanelInput {
            headline: Some(form.headline.clone()),
            standfirst: Some(form.standfirst.clone()),
            title: optional(&form.push_title),
            body: optional(&form.push_body),
            breaking: form.push_breaking,
        },
        JobKind::Original,
        Utc::now().timestamp_millis(),
        &SiteVoice::of(&state.config),
    );
    let (headline, page_html, problems) = match story {
        Ok(story) => {
            let headline = story.headline.clone();
            match story_html(state, story, StoryMode::Preview).await {
                Ok(html) => (headline, html, Vec::new()),
                Err(e) => return e.into_response(),
            }
        }
        Err(problems) => (form.headline.clone(), String::new(), problems),
    };
    let page = PreviewPage {
        chrome: Chrome::for_user(state, user, Section::Stories),
        headline,
        page_html,
        problems,
        notification_title: notification.title,
        notification_body: notification.body,
        site_name: state.config.site.name.clone(),
        back_url,
    };
    layout::render(&page)
}

/// `POST /newsroom/stories/{id}/preview-links`: a new link, shown once on
/// the editor.
async fn share(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Confirmed>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return page_error(&state, &user, EditorialError::NotFound("story"));
    };
    match editorial::create_preview_link(&state.store, &user, id, Utc::now()).await {
        Ok(link) => super::editor::show_with_new_link(&state, &user, id, &link).await,
        Err(e) => page_error(&state, &user, e),
    }
}

/// `POST /newsroom/stories/{id}/preview-links/{link}/revoke`.
async fn revoke(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path((id, link)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Confirmed>,
) -> Response {
    let (Ok(id), Ok(link)) = (id.parse::<i64>(), link.parse::<i64>()) else {
        return page_error(&state, &user, EditorialError::NotFound("preview link"));
    };
    match editorial::revoke_preview_link(&state.store, &user, id, link, Utc::now()).await {
        Ok(()) => {
            Redirect::to(&format!("/newsroom/stories/{id}?done=link-revoked")).into_response()
        }
        Err(e) => page_error(&state, &user, e),
    }
}
