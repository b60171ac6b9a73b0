//! The reader's site: pages, feeds, sitemaps and assets. Handlers are thin:
//! they parse the request, ask the store, and render through a template or
//! a content function, answering from the page cache when they can.

pub mod assets;
pub mod cache;
pub mod error;
pub mod feeds;
pub mod pages;
pub mod seo;
pub mod templates;
pub mod view;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::server::AppState;
use error::{AppError, ErrorInfo};

/// Every route of the reader's site.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::show_home))
        .route("/stories/{slug}", get(pages::show_story))
        .route("/topics", get(pages::list_topics))
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
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/news-sitemap.xml", get(seo::news_sitemap))
        .route("/robots.txt", get(seo::robots))
        .route("/healthz", get(seo::healthz))
        .route("/assets/{file}", get(assets::asset))
        .route("/logo.svg", get(assets::logo))
        .route("/media/{name}", get(assets::media))
        .merge(crate::api::router())
        .merge(crate::newsroom::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), error_pages))
        .layer(middleware::map_response(security_headers))
        .with_state(state)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Renders the error page for any response that carries an [`ErrorInfo`].
async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let status = response.status();
    let page = match view::site_view(&state).await {
        Ok(site) => templates::ErrorPage {
            meta: view::error_meta(&state, info.heading),
            site: &site,
            heading: info.heading.to_owned(),
            message: info.message.clone(),
        }
        .render(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the error page");
            return (status, info.message).into_response();
        }
    };
    match page {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => (status, Body::from(info.message)).into_response(),
    }
}

/// Headers every answer carries: no MIME sniffing, a strict referrer policy,
/// and a content security policy that allows only the site's own script and
/// the YouTube player a reader asks for.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    // A handler may set a stricter policy of its own (media does).
    headers
        .entry("content-security-policy")
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; img-src 'self' https: data:; script-src 'self'; style-src 'self'; \
             frame-src https://www.youtube-nocookie.com; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ));
    response
}
