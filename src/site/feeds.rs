//! Feed routes: RSS 2.0, Atom and JSON Feed for the whole site, for each
//! topic, and for each live story (its entries, newest first). Entries are
//! prepared here; the formats are written by [`crate::content::feeds`].

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;

use super::live as site_live;
use super::pages::{absolute_src, latest};
use crate::config::FeedContent;
use crate::content::excerpt::plain_excerpt;
use crate::content::feeds::{self, FeedEntry, FeedMeta};
use crate::content::{Story, markdown, slug};
use crate::editorial::live;
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

/// What a feed follows.
#[derive(Debug, Clone)]
enum Source {
    Site,
    /// A topic, by slug.
    Topic(String),
    /// A live story's entries, by the story's slug.
    Story(String),
}

pub async fn site_rss(state: State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Site, Format::Rss).await
}

pub async fn site_atom(state: State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Site, Format::Atom).await
}

pub async fn site_json(state: State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Site, Format::Json).await
}

pub async fn story_rss(
    state: State<AppState>,
    Path(story): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Story(story), Format::Rss).await
}

pub async fn story_atom(
    state: State<AppState>,
    Path(story): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Story(story), Format::Atom).await
}

pub async fn story_json(
    state: State<AppState>,
    Path(story): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Story(story), Format::Json).await
}

pub async fn topic_rss(
    state: State<AppState>,
    Path(topic): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Topic(topic), Format::Rss).await
}

pub async fn topic_atom(
    state: State<AppState>,
    Path(topic): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Topic(topic), Format::Atom).await
}

pub async fn topic_json(
    state: State<AppState>,
    Path(topic): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_feed(state, headers, Source::Topic(topic), Format::Json).await
}

async fn serve_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    source: Source,
    format: Format,
) -> Result<Response, AppError> {
    let path = match &source {
        Source::Site => format!("/{}", format.file()),
        Source::Topic(t) | Source::Story(t) if !slug::is_valid(t) => {
            return Err(AppError::NotFound);
        }
        Source::Topic(t) => format!("/topics/{t}/{}", format.file()),
        Source::Story(s) => format!("/stories/{s}/{}", format.file()),
    };
    let render = async {
        let (meta, entries) = match &source {
            Source::Site => list_feed(&state, None, &path).await?,
            Source::Topic(t) => list_feed(&state, Some(t), &path).await?,
            Source::Story(s) => story_feed(&state, s, &path).await?,
        };
        Ok(Rendered {
            body: Bytes::from(match format {
                Format::Rss => feeds::rss(&meta, &entries),
                Format::Atom => feeds::atom(&meta, &entries),
                Format::Json => feeds::json_feed(&meta, &entries),
            }),
            content_type: format.content_type(),
            last_modified: meta.updated,
            cache_control: FEED_CACHE_CONTROL,
            scope: match &source {
                Source::Site => Scope::Site,
                Source::Topic(t) => Scope::Topic(t.clone()),
                Source::Story(s) => Scope::Story {
                    slug: s.clone(),
                    topics: Vec::new(),
                },
            },
        })
    };
    state.pages.serve(path.clone(), &headers, render).await
}

/// A live story's entries, newest first, each at its `#entry-{id}`.
async fn story_feed(
    state: &AppState,
    story_slug: &str,
    self_path: &str,
) -> Result<(FeedMeta, Vec<FeedEntry>), AppError> {
    let config = &state.config;
    let story: Story = state
        .store
        .story_by_slug(story_slug)
        .await?
        .filter(|s| s.live && s.is_visible(Utc::now()))
        .ok_or(AppError::NotFound)?;
    let posted = live::latest_entries(&state.store, &story).await?;
    let canonical = config.absolute(&story.path());
    let categories: Vec<String> = story.topics.iter().map(|t| t.name.clone()).collect();
    let entries = site_live::newest_first(&posted)
        .into_iter()
        .map(|e| FeedEntry {
            url: format!("{canonical}#entry-{}", e.id),
            title: site_live::label(e),
            summary: plain_excerpt(&e.body_markdown),
            content_html: Some(markdown::render_body_absolute(
                &e.body_markdown,
                &config.base_url,
            )),
            image_url: None,
            published: site_live::posted(e),
            updated: e.updated_at,
            authors: vec![e.author_name.clone()],
            categories: categories.clone(),
        })
        .collect();
    let meta = FeedMeta {
        title: format!("{}: {}", config.site.name, story.headline),
        description: story.standfirst.clone(),
        home_url: canonical,
        self_url: config.absolute(self_path),
        language: config.site.language.clone(),
        updated: story.modified_at,
    };
    Ok((meta, entries))
}

/// The site's or a topic's latest stories.
async fn list_feed(
    state: &AppState,
    topic_slug: Option<&str>,
    self_path: &str,
) -> Result<(FeedMeta, Vec<FeedEntry>), AppError> {
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
    Ok((meta, entries))
}
