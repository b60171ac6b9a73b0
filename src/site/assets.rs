//! Static assets embedded in the binary (stylesheet, script, logo) and the
//! stored images. Asset URLs carry a content hash, so they can be cached for
//! a year; so can media, whose names are content hashes.
//!
//! The text assets are served in the coding the reader accepts, from the
//! Brotli and gzip copies made at build time ([`crate::web::static_files`]);
//! stored images are sent as they are, never recompressed.

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use chrono::DateTime;
use sha2::{Digest, Sha256};

use crate::web::AppState;
use crate::web::cache::CachedPage;
use crate::web::encoded::Encoded;
use crate::web::page_error::AppError;
use crate::web::static_files;

const LOGO: &str = "logo.svg";
const SERVICE_WORKER: &str = "sw.js";

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The stylesheets and scripts served under `/assets/`, with their types:
/// the site's, the newsroom's, the missed-stories page's and the live
/// story page's.
const ASSETS: [(&str, &str); 6] = [
    ("style.css", CSS),
    ("site.js", JS),
    ("newsroom.css", CSS),
    ("newsroom.js", JS),
    ("missed.js", JS),
    ("live.js", JS),
];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SHORT: &str = "public, max-age=300";

/// A short content hash of each of [`ASSETS`], the version in its URL.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(name, _)| {
            Sha256::digest(static_files::get(name).identity_body())[..6]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
});

/// The versioned path of asset `name` (one of [`ASSETS`]).
fn asset_path(name: &str) -> String {
    let version = ASSETS
        .iter()
        .position(|(n, _)| *n == name)
        .map_or("", |i| VERSIONS[i].as_str());
    format!("/assets/{name}?v={version}")
}

pub fn stylesheet_path() -> String {
    asset_path("style.css")
}

pub fn script_path() -> String {
    asset_path("site.js")
}

pub fn newsroom_stylesheet_path() -> String {
    asset_path("newsroom.css")
}

pub fn newsroom_script_path() -> String {
    asset_path("newsroom.js")
}

/// The script of the missed-stories page (`/notifications/missed`).
pub fn missed_script_path() -> String {
    asset_path("missed.js")
}

/// The script of a live story's page while its coverage lasts.
pub fn live_script_path() -> String {
    asset_path("live.js")
}

/// `/assets/{name}` for each of [`ASSETS`]: immutable when asked for by
/// its current version, briefly cacheable otherwise.
pub async fn asset(
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(i) = ASSETS.iter().position(|(name, _)| *name == file) else {
        return Err(AppError::NotFound);
    };
    let (name, content_type) = ASSETS[i];
    let versioned = query.as_deref() == Some(&format!("v={}", VERSIONS[i]));
    Ok(static_files::answer(
        name,
        content_type,
        if versioned { IMMUTABLE } else { SHORT },
        &headers,
    ))
}

/// The service worker, at the root so that its scope is the whole site, and
/// revalidated on every check so that an update reaches readers at once.
pub async fn service_worker(headers: HeaderMap) -> Response {
    static_files::answer(SERVICE_WORKER, JS, "no-cache", &headers)
}

pub async fn logo(headers: HeaderMap) -> Response {
    static_files::answer(LOGO, "image/svg+xml", SHORT, &headers)
}

/// A stored image by name.
pub async fn media(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !crate::content::images::is_media_name(&name) {
        return Err(AppError::NotFound);
    }
    let media = state.store.media(&name).await?.ok_or(AppError::NotFound)?;
    let content_type = match media.content_type.as_str() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        "image/gif" => "image/gif",
        "image/svg+xml" => "image/svg+xml",
        _ => "application/octet-stream",
    };
    // Images are compressed already; an uploaded SVG is rare and small.
    let encoded = Encoded::identity(Bytes::from(media.bytes));
    let mut response =
        CachedPage::with_encoded(encoded, content_type, IMMUTABLE, DateTime::UNIX_EPOCH)
            .respond(&headers);
    // An SVG opened on its own must not run script or load anything.
    response.headers_mut().insert(
        "content-security-policy",
        header::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    Ok(response)
}
