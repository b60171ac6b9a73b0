//! The reader's site: pages, feeds, sitemaps and assets. Handlers are thin:
//! they parse the request, ask the store, and render through a template or
//! a content function, answering from the page cache when they can.

pub mod assets;
pub mod feeds;
pub mod front;
pub mod live;
pub mod live_stream;
pub mod pages;
pub mod preview;
pub mod search;
pub mod seo;
pub mod templates;
pub mod view;
pub mod web_app;

use axum::Router;
use axum::routing::get;

use crate::web::AppState;

/// Every route of the reader's site.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::show_home))
        .route("/stories/{slug}", get(pages::show_story))
        .route("/preview/{token}", get(preview::show_preview))
        .route("/topics", get(pages::list_topics))
        .route("/search", get(search::show_search))
        .route("/opensearch.xml", get(search::opensearch_description))
        .route("/notifications", get(pages::show_notifications))
        .route("/notifications/missed", get(pages::show_missed))
        .route("/sw.js", get(assets::service_worker))
        .route("/topics/{slug}", get(pages::show_topic))
        .route("/feed.xml", get(feeds::site_rss))
        .route("/atom.xml", get(feeds::site_atom))
        .route("/feed.json", get(feeds::site_json))
        .route("/topics/{slug}/feed.xml", get(feeds::topic_rss))
        .route("/topics/{slug}/atom.xml", get(feeds::topic_atom))
        .route("/topics/{slug}/feed.json", get(feeds::topic_json))
        .route("/stories/{slug}/events", get(live_stream::story_events))
        .route("/stories/{slug}/feed.xml", get(feeds::story_rss))
        .route("/stories/{slug}/atom.xml", get(feeds::story_atom))
        .route("/stories/{slug}/feed.json", get(feeds::story_json))
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/news-sitemap.xml", get(seo::news_sitemap))
        .route("/robots.txt", get(seo::robots))
        .route("/healthz", get(seo::healthz))
        .route("/assets/{file}", get(assets::asset))
        .route("/logo.svg", get(assets::logo))
        .route("/manifest.webmanifest", get(web_app::manifest))
        .route("/icons/{name}", get(web_app::icon))
        .route("/apple-touch-icon.png", get(web_app::apple_touch_icon))
        .route("/media/{name}", get(assets::media))
}
