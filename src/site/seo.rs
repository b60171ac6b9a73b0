//! What search engines and monitors read: robots.txt, the sitemaps, and the
//! health check.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};

use super::pages::latest;
use crate::content::sitemap::{self, NewsUrl, SitemapUrl};
use crate::web::AppState;
use crate::web::cache::Rendered;
use crate::web::page_error::AppError;
use crate::web::page_scope::Scope;

const XML: &str = "application/xml; charset=utf-8";
const SITEMAP_CACHE_CONTROL: &str = "public, max-age=300";

pub async fn robots(State(state): State<AppState>) -> Response {
    let config = &state.config;
    let body = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\nSitemap: {}\n",
        config.absolute("/sitemap.xml"),
        config.absolute("/news-sitemap.xml")
    );
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub async fn sitemap(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state
        .pages
        .serve("/sitemap.xml".to_owned(), &headers, render_sitemap(&state))
        .await
}

async fn render_sitemap(state: &AppState) -> Result<Rendered, AppError> {
    let now = Utc::now();
    let config = &state.config;
    let stories = state.store.sitemap_stories(now).await?;
    let topics = state.store.topics(now).await?;
    let newest = latest(stories.iter().map(|(_, at)| *at));
    let mut urls = vec![
        SitemapUrl {
            loc: config.absolute("/"),
            lastmod: Some(newest),
        },
        SitemapUrl {
            loc: config.absolute("/topics"),
            lastmod: Some(newest),
        },
    ];
    urls.extend(
        topics
            .iter()
            .filter(|t| t.story_count > 0)
            .map(|t| SitemapUrl {
                loc: config.absolute(&format!("/topics/{}", t.slug)),
                lastmod: t.last_modified,
            }),
    );
    urls.extend(stories.iter().map(|(slug, modified)| SitemapUrl {
        loc: config.absolute(&crate::content::model::story_path(slug)),
        lastmod: Some(*modified),
    }));
    Ok(Rendered {
        body: Bytes::from(sitemap::sitemap(&urls)),
        content_type: XML,
        last_modified: newest,
        cache_control: SITEMAP_CACHE_CONTROL,
        scope: Scope::Site,
    })
}

/// Stories of the last 48 hours, as the Google News extension asks.
pub async fn news_sitemap(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state
        .pages
        .serve(
            "/news-sitemap.xml".to_owned(),
            &headers,
            render_news_sitemap(&state),
        )
        .await
}

async fn render_news_sitemap(state: &AppState) -> Result<Rendered, AppError> {
    let now = Utc::now();
    let config = &state.config;
    let stories = state
        .store
        .published_since(now - Duration::hours(48), now)
        .await?;
    let urls: Vec<NewsUrl> = stories
        .iter()
        .map(|s| NewsUrl {
            loc: config.absolute(&s.path()),
            title: s.headline.clone(),
            published: s.published_at,
        })
        .collect();
    let language = config
        .site
        .language
        .split('-')
        .next()
        .unwrap_or("en")
        .to_owned();
    Ok(Rendered {
        body: Bytes::from(sitemap::news_sitemap(&config.site.name, &language, &urls)),
        content_type: XML,
        last_modified: latest(stories.iter().map(|s| s.modified_at)),
        cache_control: SITEMAP_CACHE_CONTROL,
        scope: Scope::Site,
    })
}

/// 200 "ok" while the database answers, 503 with the reason otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, no_store, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                no_store,
                "database unavailable\n",
            )
                .into_response()
        }
    }
}
