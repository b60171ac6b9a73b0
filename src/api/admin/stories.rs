//! `/api/v1/admin/stories` and `/api/v1/admin/preview`: the newsroom's
//! story work as JSON, over [`crate::editorial`]. Every route needs an
//! [`ApiUser`]; what it may do is its role's, decided by the editorial
//! service. Errors carry the service's codes; `invalid_story` lists every
//! field at fault (`fields`), and `edit_conflict` says who saved meanwhile
//! (`conflict`).

use crate::web::refusals::status_of;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::dry_run::{self, DryRunQuery};
use super::values::{path_id, time};
use crate::api::parse_json;
use crate::content::input::StoryInput;
use crate::editorial::{
    self, AuthorFilter, DiffBase, EditableStory, EditorialError, PushOptions, RevisionDetail,
    RevisionSummary, Saved, StoryFilter, StoryList, StoryStatus,
};
use crate::web::ApiUser;
use crate::web::AppState;
use crate::web::api_error::ApiError;

/// The largest story JSON these routes read: a body may be 200 000 bytes
/// of Markdown, and JSON escaping adds some.
pub const STORY_BODY_LIMIT: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/stories",
            post(create_story).get(list_stories),
        )
        .route(
            "/api/v1/admin/stories/{id}",
            get(show_story).put(update_story),
        )
        .route("/api/v1/admin/stories/{id}/publish", post(publish_story))
        .route("/api/v1/admin/stories/{id}/schedule", post(schedule_story))
        .route(
            "/api/v1/admin/stories/{id}/unpublish",
            post(unpublish_story),
        )
        .route(
            "/api/v1/admin/stories/{id}/correction",
            put(update_correction),
        )
        .route("/api/v1/admin/stories/{id}/revisions", get(list_revisions))
        .route(
            "/api/v1/admin/stories/{id}/revisions/{number}",
            get(show_revision),
        )
        .route(
            "/api/v1/admin/stories/{id}/revisions/{number}/restore",
            post(restore_revision),
        )
        .route(
            "/api/v1/admin/stories/{id}/push-stats",
            get(show_push_stats),
        )
        .route("/api/v1/admin/preview", post(create_preview))
        .layer(DefaultBodyLimit::max(STORY_BODY_LIMIT))
}

impl From<EditorialError> for ApiError {
    fn from(e: EditorialError) -> ApiError {
        let e = match e {
            // Logged once, answered without its cause.
            EditorialError::Store(inner) => return inner.into(),
            refusal => refusal,
        };
        let mut error = ApiError::new(status_of(&e), e.code(), e.to_string());
        if !e.field_errors().is_empty() {
            error = error.with_fields(e.field_errors());
        }
        if let EditorialError::EditConflict(conflict) = &e {
            error = error.with_detail(
                "conflict",
                json!({
                    "current_version": conflict.current_version,
                    "saved_by": conflict.saved_by,
                    "saved_at": conflict.saved_at.map(time),
                }),
            );
        }
        error
    }
}

type Answer = Result<Response, ApiError>;

/// `POST /api/v1/admin/stories`: a new draft, from `herald story add`'s
/// JSON. 201 with the story's `id`, `url`, `version` and `status`.
async fn create_story(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = body?;
    let input: StoryInput = parse_story(&body)?;
    let saved = editorial::create_story(&state.store, &who, input, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        [
            (
                header::LOCATION,
                format!("/api/v1/admin/stories/{}", saved.id),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Json(saved_json(&state, &saved)),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct ListParams {
    status: Option<String>,
    topic: Option<String>,
    author: Option<String>,
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// `GET /api/v1/admin/stories?status=&topic=&author=&q=&page=&per_page=`.
async fn list_stories(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Answer {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let status = match params.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<StoryStatus>()
                .map_err(|m| ApiError::bad_request("invalid_query", format!("status: {m}")))?,
        ),
        None => None,
    };
    let filter = StoryFilter {
        status,
        topic: params.topic,
        author: params
            .author
            .filter(|a| !a.trim().is_empty())
            .map(|a| AuthorFilter::parse(&a)),
        q: params.q,
        page: whole_number("page", params.page.as_deref(), 1)?,
        per_page: whole_number(
            "per_page",
            params.per_page.as_deref(),
            editorial::DEFAULT_PAGE_SIZE,
        )?,
    };
    let list = editorial::list_stories(&state.store, &who, &filter, Utc::now()).await?;
    Ok(private(list_json(&state, &list)))
}

/// `GET /api/v1/admin/stories/{id}`: the story as the editor loads it.
async fn show_story(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Answer {
    let story =
        editorial::get_story(&state.store, &who, path_id(&id, "story")?, Utc::now()).await?;
    Ok(private(story_json(&state, &story)))
}

/// `PUT /api/v1/admin/stories/{id}`: the story JSON plus the `version`
/// the editor loaded; 409 `edit_conflict` when someone saved meanwhile.
async fn update_story(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = body?;
    let id = path_id(&id, "story")?;
    let (input, version) = parse_story_with_version(&body)?;
    let saved = editorial::update_story(&state.store, &who, id, input, version, Utc::now()).await?;
    Ok(private(saved_json(&state, &saved)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    push: Option<PushOptions>,
}

/// `POST /api/v1/admin/stories/{id}/publish`, with an optional body
/// `{"push": {"send": true, "title": "…", "body": "…", "breaking": false,
/// "spread_minutes": 0, "spread_breaking": false}}`;
/// with `?dry_run=true`, whom its notification would reach, and nothing
/// published.
async fn publish_story(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
    query: Result<Query<DryRunQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let dry_run = dry_run::requested(query)?;
    let body = body?;
    let id = path_id(&id, "story")?;
    let body: PublishBody = if body.iter().all(u8::is_ascii_whitespace) {
        PublishBody::default()
    } else {
        parse_json(&body)?
    };
    if dry_run {
        let push = body.push.as_ref();
        let plan = editorial::publish_plan(&state.store, &who, id, push, Utc::now()).await?;
        return dry_run::answer(&state, &who, &plan).await;
    }
    let saved =
        editorial::publish_story(&state.store, &who, id, body.push.as_ref(), Utc::now()).await?;
    Ok(private(saved_json(&state, &saved)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    /// RFC 3339.
    at: String,
    push: Option<PushOptions>,
}

/// `POST /api/v1/admin/stories/{id}/schedule` `{"at": "2026-12-01T08:00:00Z"}`.
async fn schedule_story(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = body?;
    let id = path_id(&id, "story")?;
    let body: ScheduleBody = parse_json(&body)?;
    let at = DateTime::parse_from_rfc3339(body.at.trim())
        .map_err(|e| {
            EditorialError::BadSchedule(format!(
                "at: {:?} is not an RFC 3339 time such as 2026-11-27T08:00:00Z ({e})",
                body.at
            ))
        })?
        .with_timezone(&Utc);
    let saved =
        editorial::schedule_story(&state.store, &who, id, at, body.push.as_ref(), Utc::now())
            .await?;
    Ok(private(saved_json(&state, &saved)))
}

/// `POST /api/v1/admin/stories/{id}/unpublish`.
async fn unpublish_story(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Answer {
    let saved =
        editorial::unpublish_story(&state.store, &who, path_id(&id, "story")?, Utc::now()).await?;
    Ok(private(saved_json(&state, &saved)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionBody {
    text: String,
}

/// `PUT /api/v1/admin/stories/{id}/correction` `{"text": "…"}`; an empty
/// text removes the note.
async fn update_correction(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = body?;
    let id = path_id(&id, "story")?;
    let body: CorrectionBody = parse_json(&body)?;
    let saved = editorial::set_correction(&state.store, &who, id, &body.text, Utc::now()).await?;
    Ok(private(saved_json(&state, &saved)))
}

/// `GET /api/v1/admin/stories/{id}/revisions`: newest first.
async fn list_revisions(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Answer {
    let revisions =
        editorial::list_revisions(&state.store, &who, path_id(&id, "story")?, Utc::now()).await?;
    Ok(private(json!({
        "revisions": revisions.iter().map(revision_json).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
struct RevisionParams {
    against: Option<String>,
}

/// `GET /api/v1/admin/stories/{id}/revisions/{number}?against=previous|current`.
async fn show_revision(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path((id, number)): Path<(String, String)>,
    params: Result<Query<RevisionParams>, QueryRejection>,
) -> Answer {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let base = match params.against.as_deref() {
        None | Some("") | Some("previous") => DiffBase::Previous,
        Some("current") => DiffBase::Current,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("against: {other:?} is neither previous nor current"),
            ));
        }
    };
    let detail = editorial::get_revision(
        &state.store,
        &who,
        path_id(&id, "story")?,
        path_id(&number, "revision")?,
        base,
        Utc::now(),
    )
    .await?;
    Ok(private(revision_detail_json(&detail)))
}

/// `POST /api/v1/admin/stories/{id}/revisions/{number}/restore`.
async fn restore_revision(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path((id, number)): Path<(String, String)>,
) -> Answer {
    let saved = editorial::restore_revision(
        &state.store,
        &who,
        path_id(&id, "story")?,
        path_id(&number, "revision")?,
        Utc::now(),
    )
    .await?;
    Ok(private(saved_json(&state, &saved)))
}

/// `GET /api/v1/admin/stories/{id}/push-stats`: the story's notification
/// numbers, for those who may see the story.
async fn show_push_stats(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> Answer {
    let id = path_id(&id, "story")?;
    let stats = editorial::push_stats(&state.store, &who, id, Utc::now()).await?;
    Ok(crate::api::stats::stats_answer(id, stats))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviewBody {
    body_markdown: String,
}

/// `POST /api/v1/admin/preview` `{"body_markdown": "…"}` → `{"html": "…"}`,
/// rendered and sanitised as the story page does it.
async fn create_preview(ApiUser(_who): ApiUser, body: Result<Bytes, BytesRejection>) -> Answer {
    let body = body?;
    let body: PreviewBody = parse_json(&body)?;
    let preview = editorial::preview_markdown(&body.body_markdown)?;
    Ok(private(json!({ "html": preview.html })))
}

/// A JSON answer no cache keeps.
pub(super) fn private(body: Value) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// A query parameter that must be a whole number of at least 1.
fn whole_number(name: &str, text: Option<&str>, default: i64) -> Result<i64, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => t.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("{name}: {t:?} is not a whole number from 1"),
            )
        }),
    }
}

/// Story JSON, with the failing field named.
fn parse_story(body: &[u8]) -> Result<StoryInput, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("invalid_json", "the body is not UTF-8 text"))?;
    crate::content::input::parse_story_json(text).map_err(invalid_json)
}

/// Story JSON plus `"version"`, the version the editor loaded.
fn parse_story_with_version(body: &[u8]) -> Result<(StoryInput, i64), ApiError> {
    let mut value: Value = parse_json(body)?;
    let Some(object) = value.as_object_mut() else {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body must be a JSON object: the story's fields and \"version\"",
        ));
    };
    let version = match object.remove("version") {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|v| v >= 1) => n.as_i64().unwrap_or(1),
        Some(other) => {
            return Err(invalid_field(
                "version",
                &format!("{other} is not a version: send the story's \"version\" as you loaded it"),
            ));
        }
        None => {
            return Err(invalid_field(
                "version",
                "missing: send the story's \"version\" as you loaded it, so that nobody's changes are lost",
            ));
        }
    };
    let input = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "story".to_owned()
        } else {
            path
        };
        invalid_field(&field, &e.into_inner().to_string())
    })?;
    Ok((input, version))
}

fn invalid_json(errors: crate::content::input::InputErrors) -> ApiError {
    match errors.0.first() {
        Some(first) => invalid_field(&first.field, &first.message),
        None => ApiError::bad_request("invalid_json", "the story JSON is invalid"),
    }
}

/// `invalid_json` naming the field at fault.
fn invalid_field(field: &str, message: &str) -> ApiError {
    ApiError::bad_request("invalid_json", format!("{field}: {message}")).with_fields(&[
        crate::content::input::FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        },
    ])
}

fn saved_json(state: &AppState, saved: &Saved) -> Value {
    json!({
        "id": saved.id,
        "slug": saved.slug,
        "url": state.config.absolute(&saved.path),
        "version": saved.version,
        "status": saved.status.as_str(),
    })
}

fn user_json(id: Option<i64>, name: Option<&str>) -> Value {
    match id {
        Some(id) => json!({"id": id, "name": name}),
        None => Value::Null,
    }
}

fn story_json(state: &AppState, editable: &EditableStory) -> Value {
    let story = &editable.story;
    json!({
        "id": story.id,
        "slug": story.slug,
        "url": state.config.absolute(&story.path()),
        "status": editable.status.as_str(),
        "version": editable.version,
        "owner": user_json(editable.owner_id, editable.owner_name.as_deref()),
        "revision_count": editable.revision_count,
        "slug_locked": editable.slug_locked,
        "sample": story.sample,
        "created_at": time(editable.created_at),
        "published_at": story.published_at.map(time),
        "updated_at": story.updated_at.map(time),
        "modified_at": time(story.modified_at),
        "correction": editable.correction.as_ref().map(|c| json!({"text": c.text, "at": time(c.at)})),
        "allowed": {"edit": editable.allowed.edit, "publish": editable.allowed.publish},
        // The fields an update sends back, in the shape it takes them.
        "story": {
            "headline": story.headline,
            "slug": story.slug,
            "standfirst": story.standfirst,
            "body_markdown": story.body_markdown,
            "image": story.image.as_ref().map(|i| json!({"url": i.src, "alt": i.alt, "credit": i.credit})),
            "topics": story.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
            "authors": story.authors,
            "call_to_action": story.call_to_action.as_ref().map(|c| json!({"text": c.text, "url": c.url})),
            "seo": story.seo,
            "live": story.live,
        },
        "live_ended_at": story.live_ended_at.map(time),
    })
}

fn list_json(state: &AppState, list: &StoryList) -> Value {
    let stories: Vec<Value> = list
        .stories
        .iter()
        .map(|item| {
            let s = &item.story;
            json!({
                "id": s.id,
                "slug": s.slug,
                "url": state.config.absolute(&crate::content::model::story_path(&s.slug)),
                "headline": s.headline,
                "status": item.status.as_str(),
                "version": s.version,
                "owner": user_json(s.owner_id, s.owner_name.as_deref()),
                "authors": s.authors,
                "topics": s.topics.iter().map(|t| json!({"slug": t.slug, "name": t.name})).collect::<Vec<_>>(),
                "created_at": time(s.created_at),
                "published_at": s.published_at.map(time),
                "updated_at": s.updated_at.map(time),
                "modified_at": time(s.modified_at),
                "allowed": {"edit": item.allowed.edit, "publish": item.allowed.publish},
            })
        })
        .collect();
    json!({
        "stories": stories,
        "page": list.page,
        "per_page": list.per_page,
        "pages": list.pages,
        "total": list.total,
    })
}

fn revision_json(revision: &RevisionSummary) -> Value {
    json!({
        "number": revision.number,
        "user": user_json(revision.user_id, revision.user_name.as_deref()),
        "action": revision.action.as_str(),
        "created_at": time(revision.created_at),
    })
}

fn revision_detail_json(detail: &RevisionDetail) -> Value {
    let mut value = revision_json(&detail.revision);
    let snapshot = &detail.snapshot;
    value["snapshot"] = json!({
        "headline": snapshot.headline,
        "slug": snapshot.slug,
        "standfirst": snapshot.standfirst,
        "body_markdown": snapshot.body_markdown,
        "image": snapshot.image.as_ref().map(|i| json!({"url": i.src, "alt": i.alt, "credit": i.credit})),
        "topics": snapshot.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "authors": snapshot.authors,
        "call_to_action": snapshot.call_to_action.as_ref().map(|c| json!({"text": c.text, "url": c.url})),
        "published_at": snapshot.published_at.map(time),
        "correction": snapshot.correction,
        "seo": snapshot.seo,
    });
    value["against"] = json!(match detail.base {
        DiffBase::Previous => "previous",
        DiffBase::Current => "current",
    });
    value["against_number"] = json!(detail.base_number);
    value["diff"] = detail
        .diff
        .iter()
        .map(|line| json!({"tag": line.tag.as_str(), "text": line.text}))
        .collect();
    value["unified"] = json!(detail.unified);
    value
}
