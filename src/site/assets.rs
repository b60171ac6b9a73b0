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

const STYLESHEET: &str = "style.css";
const SCRIPT: &str = "site.js";
const LOGO: &str = "logo.svg";
const SERVICE_WORKER: &str = "sw.js";
const NEWSROOM_STYLESHEET: &str = "newsroom.css";
const NEWSROOM_SCRIPT: &str = "newsroom.js";
const MISSED_SCRIPT: &str = "missed.js";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SHORT: &str = "public, max-age=300";

/// A short content hash of the static file `name`, the version in its URL.
fn version(name: &str) -> String {
    Sha256::digest(static_files::get(name).identity_body())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

static STYLESHEET_VERSION: LazyLock<String> = LazyLock::new(|| version(STYLESHEET));
static SCRIPT_VERSION: LazyLock<String> = LazyLock::new(|| version(SCRIPT));
static NEWSROOM_STYLESHEET_VERSION: LazyLock<String> =
    LazyLock::new(|| version(NEWSROOM_STYLESHEET));
static NEWSROOM_SCRIPT_VERSION: LazyLock<String> = LazyLock::new(|| version(NEWSROOM_SCRIPT));
static MISSED_SCRIPT_VERSION: LazyLock<String> = LazyLock::new(|| version(MISSED_SCRIPT));

pub fn stylesheet_path() -> String {
    format!("/assets/style.css?v={}", *STYLESHEET_VERSION)
}

pub fn script_path() -> String {
    format!("/assets/site.js?v={}", *SCRIPT_VERSION)
}

pub fn newsroom_stylesheet_path() -> String {
    format!("/assets/newsroom.css?v={}", *NEWSROOM_STYLESHEET_VERSION)
}

pub fn newsroom_script_path() -> String {
    format!("/assets/newsroom.js?v={}", *NEWSROOM_SCRIPT_VERSION)
}

/// The script of the missed-stories page (`/notifications/missed`).
pub fn missed_script_path() -> String {
    format!("/assets/missed.js?v={}", *MISSED_SCRIPT_VERSION)
}

/// `/assets/{style,newsroom}.css` and `/assets/{site,newsroom}.js`: immutable when asked for by
/// their current version, briefly cacheable otherwise.
pub async fn asset(
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (name, content_type, current) = match file.as_str() {
        "style.css" => (STYLESHEET, "text/css; charset=utf-8", &*STYLESHEET_VERSION),
        "site.js" => (SCRIPT, "text/javascript; charset=utf-8", &*SCRIPT_VERSION),
        "newsroom.css" => (
            NEWSROOM_STYLESHEET,
            "text/css; charset=utf-8",
            &*NEWSROOM_STYLESHEET_VERSION,
        ),
        "newsroom.js" => (
            NEWSROOM_SCRIPT,
            "text/javascript; charset=utf-8",
            &*NEWSROOM_SCRIPT_VERSION,
        ),
        "missed.js" => (
            MISSED_SCRIPT,
            "text/javascript; charset=utf-8",
            &*MISSED_SCRIPT_VERSION,
        ),
        _ => return Err(AppError::NotFound),
    };
    let versioned = query.as_deref() == Some(&format!("v={current}"));
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
    static_files::answer(
        SERVICE_WORKER,
        "text/javascript; charset=utf-8",
        "no-cache",
        &headers,
    )
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
