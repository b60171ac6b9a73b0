//! Compression on the fly for answers that are not cached: the public read
//! API's JSON (`/api/v1/stories`, `/api/v1/topics`), made per request.
//! A fast setting (Brotli quality 4, gzip level 1) and only above
//! [`MIN_COMPRESSED_BYTES`]: a story list of 20 entries compresses to a
//! fifth in a fraction of a millisecond.
//!
//! Only routes that opt in pass through this layer. Never the newsroom's
//! pages nor the push or admin API: their answers mix secrets (the CSRF
//! token, a subscription's token, an API token) with input an attacker can
//! make them reflect, and compressing both together leaks the secret byte
//! by byte through the answer's length (BREACH). Never `text/event-stream`
//! (each event must leave at once) nor an answer that says
//! `Cache-Control: no-transform`.

use axum::body::HttpBody as _;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::accept_encoding::{self, Encoding};
use super::encoded::{self, MIN_COMPRESSED_BYTES};

/// The largest body compressed on the fly; larger ones, and bodies of
/// unknown size (streams), go as they are.
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// Brotli's quality on the fly: most of the gain at a small cost.
const BROTLI_QUALITY: u32 = 4;

/// gzip's level on the fly: the fastest.
const GZIP_LEVEL: u32 = 1;

/// The middleware: compresses the answer in the coding the request prefers,
/// when it is worth it.
pub async fn compress(request: Request, next: Next) -> Response {
    let accept = request.headers().clone();
    let mut response = next.run(request).await;
    if !eligible(response.status(), response.headers()) {
        return response;
    }
    // The answer depends on Accept-Encoding even when this one is small.
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let encoding = accept_encoding::choose(&accept, &[Encoding::Brotli, Encoding::Gzip]);
    let Some(token) = encoding.token() else {
        return response;
    };
    // Only a body of known, bounded size is read whole (JSON answers are).
    let known = response.body().size_hint().upper();
    if known.is_none_or(|size| size > MAX_BYTES as u64) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "cannot read an answer to compress it");
            return Response::from_parts(parts, Body::empty());
        }
    };
    if bytes.len() < MIN_COMPRESSED_BYTES {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let compressed = match encoding {
        Encoding::Brotli => encoded::brotli(&bytes, BROTLI_QUALITY),
        Encoding::Gzip => encoded::gzip(&bytes, GZIP_LEVEL),
        Encoding::Identity => return Response::from_parts(parts, Body::from(bytes)),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    Response::from_parts(parts, Body::from(compressed))
}

/// Whether an answer may be compressed: a success of a text type, not
/// compressed already, not a stream, not marked `no-transform`, and
/// without an `ETag` (a validator names one coding's bytes; cached answers
/// get one per coding from the page cache instead).
fn eligible(status: StatusCode, headers: &HeaderMap) -> bool {
    let text = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(encoded::is_compressible);
    let no_transform = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("no-transform"));
    status == StatusCode::OK
        && text
        && !no_transform
        && !headers.contains_key(header::CONTENT_ENCODING)
        && !headers.contains_key(header::ETAG)
}
