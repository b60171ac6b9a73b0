//! The reader's pages: home, story, topic, and the topic index.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::live as site_live;
use super::templates::{self, ArticleHead, Card, PageMeta, SocialImage};
use super::{front, view};
use crate::content::model::story_path;
use crate::content::{BREAKING_TOPIC, Story, dates, jsonld, markdown, slug};
use crate::editorial::live;
use crate::web::AppState;
use crate::web::cache::Rendered;
use crate::web::page_error::AppError;
use crate::web::page_scope::Scope;

/// How long browsers and CDNs may reuse a page before asking again.
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=30, stale-while-revalidate=60";

pub async fn show_home(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let page = view::page_number(query.as_deref())?;
    let key = view::list_path("/", page);
    state
        .pages
        .serve(key, &headers, render_home(&state, page))
        .await
}

async fn render_home(state: &AppState, page: i64) -> Result<Rendered, AppError> {
    let now = Utc::now();
    let size = i64::from(state.config.site.page_size);
    let list = state
        .store
        .published_stories(None, now, size, (page - 1) * size)
        .await?;
    let pager = view::pager("/", page, size, list.total)?;
    // Page 1 opens with a lead story; a breaking one only while it is fresh.
    let newest_breaking = if page == 1 {
        newest_breaking(state, now).await?
    } else {
        None
    };
    let lead = if page == 1 {
        front::choose_lead(newest_breaking.as_ref(), list.stories.first(), now)
    } else {
        None
    };
    let site = view::site_view(state).await?;
    let name = state.config.site.name.clone();
    let title = if page == 1 {
        name
    } else {
        format!("Latest stories, page {page}")
    };
    let meta = view::page_meta(
        state,
        &title,
        &state.config.site.description,
        &view::list_path("/", page),
    );
    let zone = state.config.site.time_zone;
    let last_modified = latest(
        list.stories
            .iter()
            .chain(lead.as_ref().map(|l| l.story))
            .map(|s| s.modified_at),
    );
    let lead_id = lead.as_ref().map(|l| l.story.id);
    html(
        templates::HomePage {
            site: &site,
            meta,
            breaking: lead
                .as_ref()
                .filter(|l| l.breaking)
                .map(|l| templates::BreakingBand {
                    path: l.story.path(),
                    headline: l.story.headline.clone(),
                }),
            lead: lead.as_ref().map(|l| Card::new(l.story, zone)),
            stories: list
                .stories
                .iter()
                .filter(|s| Some(s.id) != lead_id)
                .map(|s| Card::new(s, zone))
                .collect(),
            pager,
        }
        .render()?,
        last_modified,
    )
}

/// The newest visible story of the breaking-news topic, if there is one.
async fn newest_breaking(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<Option<crate::content::StorySummary>, AppError> {
    let Some(topic) = state.store.topic_by_slug(BREAKING_TOPIC, now).await? else {
        return Ok(None);
    };
    let list = state
        .store
        .published_stories(Some(topic.id), now, 1, 0)
        .await?;
    Ok(list.stories.into_iter().next())
}

pub async fn show_topic(
    State(state): State<AppState>,
    Path(topic_slug): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !slug::is_valid(&topic_slug) {
        return Err(AppError::NotFound);
    }
    let page = view::page_number(query.as_deref())?;
    let key = view::list_path(&format!("/topics/{topic_slug}"), page);
    state
        .pages
        .serve(key, &headers, render_topic(&state, &topic_slug, page))
        .await
}

async fn render_topic(state: &AppState, topic_slug: &str, page: i64) -> Result<Rendered, AppError> {
    let now = Utc::now();
    let topic = state
        .store
        .topic_by_slug(topic_slug, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let size = i64::from(state.config.site.page_size);
    let list = state
        .store
        .published_stories(Some(topic.id), now, size, (page - 1) * size)
        .await?;
    let path = format!("/topics/{}", topic.slug);
    let pager = view::pager(&path, page, size, list.total)?;
    let mut site = view::site_view(state).await?;
    site.current_topic = Some(topic.slug.clone());
    let title = if page == 1 {
        topic.name.clone()
    } else {
        format!("{}, page {page}", topic.name)
    };
    let description = if topic.description.is_empty() {
        format!(
            "The latest stories on {} from {}.",
            topic.name, state.config.site.name
        )
    } else {
        topic.description.clone()
    };
    let mut meta = view::page_meta(state, &title, &description, &view::list_path(&path, page));
    let topic_ref = crate::content::TopicRef {
        slug: topic.slug.clone(),
        name: topic.name.clone(),
    };
    meta.feeds.extend(view::feed_links(state, Some(&topic_ref)));
    meta.prompt = true;
    let last_modified = latest(list.stories.iter().map(|s| s.modified_at));
    let scope = Scope::Topic(topic.slug.clone());
    html(
        templates::TopicPage {
            site: &site,
            meta,
            topic,
            stories: list
                .stories
                .iter()
                .map(|s| Card::new(s, state.config.site.time_zone))
                .collect(),
            pager,
        }
        .render()?,
        last_modified,
    )
    .map(|page| page.scoped(scope))
}

pub async fn list_topics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state
        .pages
        .serve("/topics".to_owned(), &headers, render_topics(&state))
        .await
}

async fn render_topics(state: &AppState) -> Result<Rendered, AppError> {
    let mut topics = state.store.topics(Utc::now()).await?;
    topics.retain(|t| t.story_count > 0);
    let site = view::site_view(state).await?;
    let meta = view::page_meta(
        state,
        "Topics",
        &format!("Every topic {} covers.", state.config.site.name),
        "/topics",
    );
    let last_modified = latest(topics.iter().filter_map(|t| t.last_modified));
    html(
        templates::TopicsPage {
            site: &site,
            meta,
            topics,
        }
        .render()?,
        last_modified,
    )
}

pub async fn show_notifications(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state
        .pages
        .serve(
            "/notifications".to_owned(),
            &headers,
            render_notifications(&state),
        )
        .await
}

async fn render_notifications(state: &AppState) -> Result<Rendered, AppError> {
    let topics = state.store.topics(Utc::now()).await?;
    let site = view::site_view(state).await?;
    let meta = view::page_meta(
        state,
        "Notifications",
        "Choose the topics you hear about when a new story lands.",
        "/notifications",
    );
    let last_modified = latest(topics.iter().filter_map(|t| t.last_modified));
    html(
        templates::NotificationsPage {
            site: &site,
            meta,
            topics,
        }
        .render()?,
        last_modified,
    )
}

/// Where a digest notification leads: the reader's missed stories, listed
/// by the page's script from the API with the token the browser keeps. The
/// page itself is the same for everyone.
pub async fn show_missed(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state
        .pages
        .serve(
            "/notifications/missed".to_owned(),
            &headers,
            render_missed(&state),
        )
        .await
}

async fn render_missed(state: &AppState) -> Result<Rendered, AppError> {
    let site = view::site_view(state).await?;
    let mut meta = view::page_meta(
        state,
        "Stories you missed",
        "The stories that waited while you asked not to be disturbed.",
        "/notifications/missed",
    );
    meta.noindex = true;
    html(
        templates::MissedPage {
            site: &site,
            meta,
            missed_script: super::assets::missed_script_path(),
        }
        .render()?,
        DateTime::UNIX_EPOCH,
    )
}

pub async fn show_story(
    State(state): State<AppState>,
    Path(story_slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !slug::is_valid(&story_slug) {
        return Err(AppError::NotFound);
    }
    let key = story_path(&story_slug);
    match state
        .pages
        .serve(key, &headers, render_story(&state, &story_slug))
        .await
    {
        Err(AppError::NotFound) => match state.store.redirect_for(&story_slug).await? {
            Some(current) => Ok((
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, story_path(&current))],
            )
                .into_response()),
            None => Err(AppError::NotFound),
        },
        other => other,
    }
}

async fn render_story(state: &AppState, story_slug: &str) -> Result<Rendered, AppError> {
    let story = state
        .store
        .story_by_slug(story_slug)
        .await?
        .filter(|s| s.is_visible(Utc::now()))
        .ok_or(AppError::NotFound)?;
    let last_modified = story.modified_at;
    let scope = Scope::Story {
        slug: story.slug.clone(),
        topics: story.topics.iter().map(|t| t.slug.clone()).collect(),
    };
    html(
        story_html(state, story, StoryMode::OnTheSite).await?,
        last_modified,
    )
    .map(|page| page.scoped(scope))
}

/// Whom a story page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryMode {
    /// Readers: the published story.
    OnTheSite,
    /// A preview of a story not yet on the site (the newsroom's, or a
    /// shared link's): never indexed, no prompt, no structured data.
    Preview,
}

/// A story's page, with the site's own template and stylesheet.
pub async fn story_html(
    state: &AppState,
    story: Story,
    mode: StoryMode,
) -> Result<String, AppError> {
    let now = Utc::now();
    let published = match mode {
        StoryMode::OnTheSite => story.published_at.ok_or(AppError::NotFound)?,
        StoryMode::Preview => story.published_at.unwrap_or(now),
    };
    let site = view::site_view(state).await?;
    let config = &state.config;
    let canonical = config.absolute(&story.path());
    let featured = story.image.as_ref().map(|i| SocialImage {
        url: absolute_src(state, &i.src),
        alt: i.alt.clone(),
    });
    let social = story.seo.image.as_ref().map(|src| SocialImage {
        url: absolute_src(state, src),
        alt: story
            .image
            .as_ref()
            .map_or_else(|| story.headline.clone(), |i| i.alt.clone()),
    });
    let modified = story.updated_at.unwrap_or(published);
    let sections: Vec<&str> = story.topics.iter().map(|t| t.name.as_str()).collect();
    let publisher = jsonld::Publisher {
        name: config.site.name.clone(),
        url: config.absolute("/"),
        logo_url: config.absolute("/logo.svg"),
    };
    let description = match &story.seo.description {
        Some(description) => description.clone(),
        None if story.standfirst.is_empty() => story.headline.clone(),
        None => story.standfirst.clone(),
    };
    let mut images: Vec<&str> = Vec::new();
    for image in social.iter().chain(&featured) {
        if !images.contains(&image.url.as_str()) {
            images.push(&image.url);
        }
    }
    // The change number first: entries read after it are at least as
    // current, and the page's stream resumes after it.
    let (live_seq, entries) = match mode {
        StoryMode::OnTheSite if story.live => (
            Some(state.store.live_seq().await?),
            live::latest_entries(&state.store, &story).await?,
        ),
        _ => (None, Vec::new()),
    };
    let facts = jsonld::ArticleFacts {
        url: &canonical,
        headline: &story.headline,
        description: &description,
        images,
        published,
        modified,
        authors: &story.authors,
        sections: sections.clone(),
        publisher: &publisher,
    };
    let article = if story.live {
        jsonld::live_blog_posting(
            &facts,
            &jsonld::LiveFacts {
                start: published,
                end: story.live_ended_at,
                updates: site_live::jsonld_updates(&canonical, &entries),
            },
        )
    } else {
        jsonld::news_article(&facts)
    };
    let mut meta: PageMeta = view::page_meta(state, &story.headline, &description, &story.path());
    if let Some(title) = &story.seo.title {
        // Written for search results and social posts: shown as it is.
        meta.title = title.clone();
        meta.og_title = title.clone();
    }
    meta.og_type = "article";
    if story.live {
        meta.feeds.extend(view::story_feed_links(state, &story));
    }
    meta.image = social.or(featured);
    meta.prompt = true;
    meta.article = Some(ArticleHead {
        published: published.to_rfc3339(),
        modified: modified.to_rfc3339(),
        sections: sections.iter().map(|s| s.to_string()).collect(),
        json_ld: jsonld::to_script_text(&article),
    });
    if mode == StoryMode::Preview {
        meta.noindex = true;
        meta.prompt = false;
        meta.article = None;
    }
    let correction = match mode {
        StoryMode::OnTheSite => view::correction_view(state, story.id).await?,
        StoryMode::Preview => None,
    };
    let zone = state.config.site.time_zone;
    let related = match mode {
        StoryMode::OnTheSite => state.store.related_stories(story.id, now, RELATED).await?,
        StoryMode::Preview => Vec::new(),
    };
    let topic_names: Vec<String> = story
        .topics
        .iter()
        .take(3)
        .map(|t| t.name.clone())
        .collect();
    let page = templates::StoryPage {
        site: &site,
        meta,
        authors: templates::join_names(&story.authors),
        published_iso: published.to_rfc3339(),
        published_human: dates::full(published, zone),
        updated: story
            .updated_at
            .map(|at| (at.to_rfc3339(), dates::full(at, zone))),
        body_html: markdown::render_body(&story.body_markdown),
        correction,
        preview: mode == StoryMode::Preview,
        related: related.iter().map(|s| Card::new(s, zone)).collect(),
        related_heading: format!("More on {}", templates::join_names(&topic_names)),
        share: share_links(&canonical, &story.headline),
        live: site_live::live_view(&story, &entries, live_seq, zone),
        story,
    };
    Ok(page.render()?)
}

/// How many other stories "More on …" shows under a story.
const RELATED: i64 = 4;

/// Plain links that share `url` with `title`: no script, no tracking, the
/// services' own share addresses.
fn share_links(url: &str, title: &str) -> Vec<templates::ShareLink> {
    // Spaces as %20, not "+": mail programs read mailto: by RFC 6068.
    let enc = |s: &str| {
        url::form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    let (u, t) = (enc(url), enc(title));
    let both = enc(&format!("{title} {url}"));
    [
        ("Email", format!("mailto:?subject={t}&body={u}")),
        ("WhatsApp", format!("https://wa.me/?text={both}")),
        (
            "Bluesky",
            format!("https://bsky.app/intent/compose?text={both}"),
        ),
        ("X", format!("https://x.com/intent/post?url={u}&text={t}")),
        (
            "Facebook",
            format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
        ),
        (
            "LinkedIn",
            format!("https://www.linkedin.com/sharing/share-offsite/?url={u}"),
        ),
    ]
    .into_iter()
    .map(|(service, href)| templates::ShareLink {
        new_tab: !href.starts_with("mailto:"),
        service,
        href,
    })
    .collect()
}

/// An image source as an absolute URL, for social cards and structured data.
pub fn absolute_src(state: &AppState, src: &str) -> String {
    if src.starts_with('/') {
        state.config.absolute(src)
    } else {
        src.to_owned()
    }
}

/// The newest of some times, or the epoch when there are none.
pub fn latest(times: impl Iterator<Item = DateTime<Utc>>) -> DateTime<Utc> {
    times.max().unwrap_or(DateTime::UNIX_EPOCH)
}

fn html(body: String, last_modified: DateTime<Utc>) -> Result<Rendered, AppError> {
    Ok(Rendered {
        body: Bytes::from(body),
        content_type: "text/html; charset=utf-8",
        last_modified,
        cache_control: PAGE_CACHE_CONTROL,
        scope: Scope::Site,
    })
}
