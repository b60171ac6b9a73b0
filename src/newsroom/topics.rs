//! Topics in the newsroom, for editors: `/newsroom/topics` lists them with
//! their stories and followers and creates new ones; `/newsroom/topics/{slug}`
//! renames one or changes its description. The rules (and who may) are
//! [`crate::editorial`]'s.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Utc;
use serde::Deserialize;

use super::field_errors::{FieldError, FieldErrors};
use super::form::Fields;
use super::layout::{self, Chrome, Section};
use super::page_error;
use crate::accounts::Principal;
use crate::editorial::{self, EditorialError, NewTopic, TopicChanges, TopicListing};
use crate::web::AppState;
use crate::web::NewsroomUser;
use crate::web::csrf::CsrfForm;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/topics", get(list_topics).post(create_topic))
        .route(
            "/newsroom/topics/{slug}",
            get(edit_topic).post(update_topic),
        )
}

/// A topic in the list.
#[derive(Debug, Clone)]
pub struct TopicRow {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub stories: i64,
    pub followers: i64,
}

impl TopicRow {
    fn of(listing: &TopicListing) -> TopicRow {
        TopicRow {
            name: listing.topic.name.clone(),
            slug: listing.topic.slug.clone(),
            description: listing.topic.description.clone(),
            stories: listing.topic.story_count,
            followers: listing.followers,
        }
    }
}

/// The create and edit forms' text.
#[derive(Debug, Clone, Default)]
pub struct TopicForm {
    pub name: String,
    pub slug: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "newsroom/topics.html")]
pub struct TopicsPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub topics: Vec<TopicRow>,
    pub form: TopicForm,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "newsroom/topic_edit.html")]
pub struct TopicEditPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub topic: TopicRow,
    pub form: TopicForm,
    pub errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// Topics are editors' work: others are told so.
fn require_editor(user: &Principal) -> Result<(), EditorialError> {
    if user.role.can_publish() {
        Ok(())
    } else {
        Err(EditorialError::Forbidden(format!(
            "topics are managed by editors and admins; you are a {}",
            user.role
        )))
    }
}

/// A refusal as errors on the topic form; `None` when it is not about the form.
fn topic_errors(e: &EditorialError) -> Option<FieldErrors> {
    Some(match e {
        EditorialError::InvalidTopic(errors) => FieldErrors {
            items: errors
                .0
                .iter()
                .map(|f| {
                    let (input, label) = match f.field.as_str() {
                        "slug" => ("slug", "Slug"),
                        "description" => ("description", "Description"),
                        _ => ("name", "Name"),
                    };
                    FieldError {
                        field: input.to_owned(),
                        message: format!("{label}: {}", f.message),
                    }
                })
                .collect(),
        },
        EditorialError::SlugTaken(_) => FieldErrors::one("slug", format!("Slug: {e}")),
        EditorialError::TopicNameTaken(_) => FieldErrors::one("name", format!("Name: {e}")),
        _ => return None,
    })
}

async fn topics_page(
    state: &AppState,
    user: &Principal,
    form: TopicForm,
    errors: FieldErrors,
    flash: Option<String>,
) -> Result<TopicsPage, EditorialError> {
    require_editor(user)?;
    let topics = editorial::list_topics(&state.store, user, Utc::now()).await?;
    let mut chrome = Chrome::for_user(state, user, Section::Topics);
    if let Some(flash) = flash {
        chrome = chrome.with_flash("success", flash);
    }
    Ok(TopicsPage {
        chrome,
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        topics: topics.iter().map(TopicRow::of).collect(),
        form,
        errors,
    })
}

/// `GET /newsroom/topics`.
async fn list_topics(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Query(done): Query<Done>,
) -> Response {
    let flash = match done.done.as_deref() {
        Some("created") => Some("Topic created.".to_owned()),
        Some("saved") => Some("Topic saved.".to_owned()),
        _ => None,
    };
    match topics_page(
        &state,
        &user,
        TopicForm::default(),
        FieldErrors::none(),
        flash,
    )
    .await
    {
        Ok(page) => layout::render(&page),
        Err(e) => page_error(&state, &user, e),
    }
}

/// `POST /newsroom/topics`: fields `name`, `slug` (optional), `description`.
async fn create_topic(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let form = TopicForm {
        name: fields.get("name").to_owned(),
        slug: fields.get("slug").to_owned(),
        description: fields.get("description").to_owned(),
    };
    let new = NewTopic {
        name: form.name.clone(),
        slug: Some(form.slug.trim().to_owned()).filter(|s| !s.is_empty()),
        description: Some(form.description.clone()),
    };
    let e = match editorial::create_topic(&state.store, &user, new, Utc::now()).await {
        Ok(_) => return Redirect::to("/newsroom/topics?done=created").into_response(),
        Err(e) => e,
    };
    let Some(errors) = topic_errors(&e) else {
        return page_error(&state, &user, e);
    };
    match topics_page(&state, &user, form, errors, None).await {
        Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, layout::render(&page)).into_response(),
        Err(e) => page_error(&state, &user, e),
    }
}

async fn edit_page(
    state: &AppState,
    user: &Principal,
    slug: &str,
    form: Option<TopicForm>,
    errors: FieldErrors,
) -> Result<TopicEditPage, EditorialError> {
    require_editor(user)?;
    let topics = editorial::list_topics(&state.store, user, Utc::now()).await?;
    let topic = topics
        .iter()
        .find(|t| t.topic.slug == slug)
        .map(TopicRow::of)
        .ok_or(EditorialError::NotFound("topic"))?;
    Ok(TopicEditPage {
        chrome: Chrome::for_user(state, user, Section::Topics),
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        form: form.unwrap_or_else(|| TopicForm {
            name: topic.name.clone(),
            slug: topic.slug.clone(),
            description: topic.description.clone(),
        }),
        topic,
        errors,
    })
}

/// `GET /newsroom/topics/{slug}`.
async fn edit_topic(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(slug): Path<String>,
) -> Response {
    match edit_page(&state, &user, &slug, None, FieldErrors::none()).await {
        Ok(page) => layout::render(&page),
        Err(e) => page_error(&state, &user, e),
    }
}

/// `POST /newsroom/topics/{slug}`: fields `name`, `description`.
async fn update_topic(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let form = TopicForm {
        name: fields.get("name").to_owned(),
        slug: slug.clone(),
        description: fields.get("description").to_owned(),
    };
    let changes = TopicChanges {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
    };
    let e = match editorial::update_topic(&state.store, &user, &slug, changes, Utc::now()).await {
        Ok(_) => return Redirect::to("/newsroom/topics?done=saved").into_response(),
        Err(e) => e,
    };
    let Some(errors) = topic_errors(&e) else {
        return page_error(&state, &user, e);
    };
    match edit_page(&state, &user, &slug, Some(form), errors).await {
        Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, layout::render(&page)).into_response(),
        Err(e) => page_error(&state, &user, e),
    }
}
