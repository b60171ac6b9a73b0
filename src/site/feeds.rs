//! Feed routes: RSS 2.0, Atom and JSON Feed for the whole site and for each
//! topic. Entries are prepared here; the formats are written by
//! [`crate::content::feeds`].

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;

use super::pages::{absolute_src, latest};
use crate::config::FeedContent;
use crate::content::feeds::{self, FeedEntry, FeedMeta};
use crate::content::{markdown, slug};
use crate::web::AppState;
use crate::web::cache::Rendered;
use crate::web::page_error::AppError;
use crate::web::page_scope::Scope;

/// The three formats.
#[derive(Debug, Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn file(self) -> &'static str {
        match self {
            Format::Rss => "feed.xml",
            Format::Atom => "atom.xml",
            Format::Json => "feed.json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

const FEED_CACHE_CONTROL: &str = "public, max-age=120";

pub async fn site_rss(state: State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    serve_feed(state, headers, None, Format::Rss).await
}

pub async fn site_atom(state: State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    serve_feed(state, headers, None, Format::Atom).await
}

pub async fn site_json(state: State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    serve_feed(state, headers, None, Format::Json).await
}

pub async fn topic_rss(
    state: State<AppState>,
    Path(topic): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Some(topic), Format::Rss).await
}

pub async fn topic_atom(
    state: State<AppState>,
    Path(topic): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Some(topic), Format::Atom).await
}

pub async fn topic_json(
    state: State<AppState>,
    Path(topic): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Some(topic), Format::Json).await
}

async fn serve_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    topic: Option<String>,
    format: Format,
) -> Result<Response, AppError> {
    if topic.as_deref().is_some_and(|t| !slug::is_valid(t)) {
        return Err(AppError::NotFound);
    }
    let path = match &topic {
        Some(t) => format!("/topics/{t}/{}", format.file()),
        None => format!("/{}", format.file()),
    };
    state
        .pages
        .serve(
            path.clone(),
            &headers,
            render_feed(&state, topic.as_deref(), format, &path),
        )
        .await
}

async fn render_feed(
    state: &AppState,
    topic_slug: Option<&str>,
    format: Format,
    self_path: &str,
) -> Result<Rendered, AppError> {
    let now = Utc::now();
    let config = &state.config;
    let site = &config.site;
    let topic = match topic_slug {
        Some(s) => Some(
            state
                .store
                .topic_by_slug(s, now)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let list = state
        .store
        .published_stories(
            topic.as_ref().map(|t| t.id),
            now,
            i64::from(site.feed_items),
            0,
        )
        .await?;
    let full = site.feed_content == FeedContent::Full;
    let bodies = if full {
        let ids: Vec<i64> = list.stories.iter().map(|s| s.id).collect();
        state.store.stories_by_ids(&ids).await?
    } else {
        Vec::new()
    };
    let entries: Vec<FeedEntry> = list
        .stories
        .iter()
        .map(|s| FeedEntry {
            url: config.absolute(&s.path()),
            title: s.headline.clone(),
            summary: s.standfirst.clone(),
            content_html: bodies
                .iter()
                .find(|b| b.id == s.id)
                .map(|b| markdown::render_body_absolute(&b.body_markdown, &config.base_url)),
            image_url: s.image.as_ref().map(|i| absolute_src(state, &i.src)),
            published: s.published_at,
            updated: s.updated_at.unwrap_or(s.published_at),
            authors: s.authors.clone(),
            categories: s.topics.iter().map(|t| t.name.clone()).collect(),
        })
        .collect();
    let updated = latest(list.stories.iter().map(|s| s.modified_at));
    let (title, home) = match &topic {
        Some(t) => (
            format!("{}: {}", site.name, t.name),
            format!("/topics/{}", t.slug),
        ),
        None => (site.name.clone(), "/".to_owned()),
    };
    let meta = FeedMeta {
        title,
        description: site.description.clone(),
        home_url: config.absolute(&home),
        self_url: config.absolute(self_path),
        language: site.language.clone(),
        updated,
    };
    let body = match format {
        Format::Rss => feeds::rss(&meta, &entries),
        Format::Atom => feeds::atom(&meta, &entries),
        Format::Json => feeds::json_feed(&meta, &entries),
    };
    Ok(Rendered {
        body: Bytes::from(body),
        content_type: format.content_type(),
        last_modified: updated,
        cache_control: FEED_CACHE_CONTROL,
        scope: match topic_slug {
            Some(slug) => Scope::Topic(slug.to_owned()),
            None => Scope::Site,
        },
    })
}
