//! The static assets of `static/` (stylesheets, scripts, the logo, the
//! OpenAPI document), embedded in the binary with the Brotli and gzip
//! copies `build.rs` made of each at build time, so nothing is compressed
//! per request. Their entity tags are hashed once, at first use.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::DateTime;

use super::cache::CachedPage;
use super::encoded::Encoded;

/// One file of `static/` in its three codings, as `build.rs` lists them.
#[derive(Debug)]
pub struct StaticFile {
    pub name: &'static str,
    pub identity: &'static [u8],
    pub brotli: &'static [u8],
    pub gzip: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/static_files.rs"));

static ENCODED: LazyLock<HashMap<&'static str, Encoded>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|file| {
            let encoded = Encoded::with_codings(
                Bytes::from_static(file.identity),
                Some(Bytes::from_static(file.brotli)),
                Some(Bytes::from_static(file.gzip)),
            );
            (file.name, encoded)
        })
        .collect()
});

/// The file named `name` of `static/`, in every coding it has.
///
/// # Panics
/// When `build.rs` did not list `name`: a programming error, caught by any
/// test that serves the file.
pub fn get(name: &str) -> &'static Encoded {
    ENCODED
        .get(name)
        .unwrap_or_else(|| panic!("build.rs lists every static file; {name} is missing"))
}

/// The file named `name` in the coding the request prefers, with its
/// validators: 304 when the client's copy of that coding is current.
pub fn answer(
    name: &str,
    content_type: &'static str,
    cache_control: &'static str,
    request: &HeaderMap,
) -> Response {
    CachedPage::with_encoded(
        get(name).clone(),
        content_type,
        cache_control,
        DateTime::UNIX_EPOCH,
    )
    .respond(request)
}
