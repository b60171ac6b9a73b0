//! Rendered pages, kept in memory and answered with HTTP validators.
//!
//! Pages are cached by path and query until a content change touches what
//! they show — a write by this process or any other, read from the store's
//! change log by `server::watch_content`; see [`super::page_scope`] for
//! which changes drop which pages — or until they are a minute old,
//! whichever comes first. A cold page is rendered once however many ask
//! for it at the same moment ([`super::single_flight`]); `/metrics` counts
//! renders, hits and misses. Every answer carries
//! `Cache-Control`, `ETag` and `Last-Modified`, and a conditional request
//! that still matches gets `304 Not Modified`.
//!
//! A page is compressed once, when rendered (Brotli and gzip, see
//! [`super::encoded`]), and each request gets the coding its
//! `Accept-Encoding` prefers, with that coding's `ETag`: `If-None-Match` is
//! matched against the tag of the coding that would be sent, so a 304
//! answers per coding, and `Vary: Accept-Encoding` tells shared caches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;

use super::encoded::Encoded;
use super::page_error::AppError;
use super::page_scope::Scope;
use super::single_flight::{Flights, Role};
use crate::store::Touched;

/// A freshly rendered answer.
#[derive(Debug)]
pub struct Rendered {
    pub body: Bytes,
    pub content_type: &'static str,
    pub last_modified: DateTime<Utc>,
    pub cache_control: &'static str,
    /// What the page shows: which content changes drop it.
    pub scope: Scope,
}

impl Rendered {
    /// The same answer, showing `scope` (a site-wide page by default).
    pub fn scoped(self, scope: Scope) -> Rendered {
        Rendered { scope, ..self }
    }
}

/// A rendered answer with its validators, ready to serve many times.
#[derive(Debug)]
pub struct CachedPage {
    encoded: Encoded,
    content_type: HeaderValue,
    cache_control: HeaderValue,
    last_modified: SystemTime,
    last_modified_header: HeaderValue,
    created: Instant,
    scope: Scope,
}

impl CachedPage {
    /// A rendered answer, compressed now when worth it.
    pub fn new(rendered: Rendered) -> CachedPage {
        let encoded = Encoded::compress(rendered.body, rendered.content_type);
        CachedPage::with_encoded(
            encoded,
            rendered.content_type,
            rendered.cache_control,
            rendered.last_modified,
        )
        .scoped(rendered.scope)
    }

    fn scoped(mut self, scope: Scope) -> CachedPage {
        self.scope = scope;
        self
    }

    /// An answer already in the codings it has (a static asset, compressed
    /// at build time; an image, never compressed).
    pub fn with_encoded(
        encoded: Encoded,
        content_type: &'static str,
        cache_control: &'static str,
        last_modified: DateTime<Utc>,
    ) -> CachedPage {
        let last_modified = SystemTime::from(last_modified.min(Utc::now()));
        CachedPage {
            content_type: HeaderValue::from_static(content_type),
            cache_control: HeaderValue::from_static(cache_control),
            last_modified_header: HeaderValue::from_str(&httpdate::fmt_http_date(last_modified))
                .expect("an HTTP date is a valid header"),
            last_modified,
            encoded,
            created: Instant::now(),
            scope: Scope::Site,
        }
    }

    /// The answer to a request with these headers: 304 when the client's
    /// copy is current, the page otherwise.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let (encoding, variant) = self.encoded.choose(request);
        let not_modified = match request.get(header::IF_NONE_MATCH) {
            Some(tags) => etag_matches(tags, &variant.etag),
            None => request
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .is_some_and(|since| since >= self.last_modified_truncated()),
        };
        let mut builder = Response::builder()
            .header(header::CACHE_CONTROL, self.cache_control.clone())
            .header(header::ETAG, variant.etag.clone())
            .header(header::LAST_MODIFIED, self.last_modified_header.clone());
        if self.encoded.varies() {
            builder = builder.header(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        let body = if not_modified {
            builder = builder.status(StatusCode::NOT_MODIFIED);
            Body::empty()
        } else {
            builder = builder.header(header::CONTENT_TYPE, self.content_type.clone());
            if let Some(token) = encoding.token() {
                builder = builder.header(header::CONTENT_ENCODING, token);
            }
            Body::from(variant.body.clone())
        };
        builder
            .body(body)
            .expect("valid headers make a valid response")
    }

    fn last_modified_truncated(&self) -> SystemTime {
        let secs = self
            .last_modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }
}

/// Whether an `If-None-Match` list names this entity tag (weak comparison,
/// as RFC 9110 asks for `If-None-Match`).
fn etag_matches(header: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = header.to_str() else {
        return false;
    };
    let ours = etag.to_str().unwrap_or_default();
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours)
}

/// The cache of rendered pages.
#[derive(Debug)]
pub struct PageCache {
    entries: RwLock<HashMap<String, Arc<CachedPage>>>,
    /// Renders in progress, so that a cold page is rendered once however
    /// many ask for it at the same moment.
    flights: Flights<Arc<CachedPage>>,
    /// Grows with every invalidation: a render that began before one may
    /// be stale, and is served but not kept.
    generation: AtomicU64,
    max_age: Duration,
    max_entries: usize,
    /// Counts for `/metrics`.
    pub metrics: PageMetrics,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache {
            entries: RwLock::default(),
            flights: Flights::default(),
            generation: AtomicU64::new(0),
            max_age: Duration::from_secs(60),
            max_entries: 5_000,
            metrics: PageMetrics::default(),
        }
    }
}

impl PageCache {
    /// Forgets every page: content changed in a way that may show anywhere.
    pub fn invalidate(&self) {
        self.invalidate_touched(&Touched::everything());
    }

    /// Forgets the pages a content change that touched `touched` may have
    /// changed (see [`Scope::touched_by`]), and every render in progress.
    pub fn invalidate_touched(&self, touched: &Touched) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.flights.forget_all();
        if let Ok(mut entries) = self.entries.write() {
            if touched.everything {
                entries.clear();
            } else {
                entries.retain(|_, page| !page.scope.touched_by(touched));
            }
        }
    }

    fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        let entries = self.entries.read().ok()?;
        entries
            .get(key)
            .filter(|page| page.created.elapsed() < self.max_age)
            .cloned()
    }

    fn insert(&self, key: String, page: Arc<CachedPage>, generation: u64) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        // A page rendered before an invalidation may be stale: drop it.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= self.max_entries {
            entries.clear();
        }
        entries.insert(key, page);
    }

    /// Answers from the cache, or renders, caches and answers. Requests
    /// that miss the same key at the same moment share one render.
    pub async fn serve<F>(
        &self,
        key: String,
        request: &HeaderMap,
        render: F,
    ) -> Result<Response, AppError>
    where
        F: Future<Output = Result<Rendered, AppError>>,
    {
        if let Some(page) = self.get(&key) {
            self.metrics.hits.inc();
            return Ok(page.respond(request));
        }
        self.metrics.misses.inc();
        let generation = self.generation.load(Ordering::SeqCst);
        let lead = match self.flights.join(&key, || self.get(&key)) {
            Role::Ready(page) => return Ok(page.respond(request)),
            Role::Follow(follower) => {
                self.metrics.shared.inc();
                if let Some(page) = follower.result().await {
                    return Ok(page.respond(request));
                }
                // The render failed or was abandoned: render alone.
                None
            }
            Role::Lead(lead) => Some(lead),
        };
        self.metrics.renders.inc();
        let page = Arc::new(CachedPage::new(render.await?));
        let response = page.respond(request);
        self.insert(key, page.clone(), generation);
        if let Some(lead) = lead {
            lead.finish(page);
        }
        Ok(response)
    }
}

/// How the page cache is doing, for `/metrics`.
#[derive(Debug)]
pub struct PageMetrics {
    registry: Registry,
    /// Pages rendered (a cold or dropped page, once per flight).
    pub renders: Counter,
    /// Requests answered from the cache.
    pub hits: Counter,
    /// Requests that found no page in the cache.
    pub misses: Counter,
    /// Misses that waited for another request's render.
    pub shared: Counter,
}

impl Default for PageMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("herald_pages");
        let mut counter = |name: &str, help: &str| {
            let counter = Counter::default();
            registry.register(name, help, counter.clone());
            counter
        };
        let renders = counter("renders", "Pages rendered for the page cache");
        let hits = counter("cache_hits", "Requests answered from the page cache");
        let misses = counter("cache_misses", "Requests that found no page in the cache");
        let shared = counter(
            "shared_renders",
            "Cache misses that waited for another request's render of the same page",
        );
        PageMetrics {
            registry,
            renders,
            hits,
            misses,
            shared,
        }
    }
}

impl PageMetrics {
    /// The registry `/metrics` encodes.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> CachedPage {
        CachedPage::new(Rendered {
            body: Bytes::from_static(b"<p>hi</p>"),
            content_type: "text/html; charset=utf-8",
            last_modified: DateTime::from_timestamp(1_700_000_000, 0).expect("valid"),
            cache_control: "public, max-age=30",
            scope: Scope::Site,
        })
    }

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).expect("valid"));
        h
    }

    #[test]
    fn matching_etag_gives_304_and_other_etag_gives_200() {
        let page = page();
        let etag = page
            .encoded
            .choose(&HeaderMap::new())
            .1
            .etag
            .to_str()
            .expect("ascii")
            .to_owned();
        assert_eq!(
            page.respond(&headers(header::IF_NONE_MATCH, &etag))
                .status(),
            304
        );
        let list = format!("\"other\", W/{etag}");
        assert_eq!(
            page.respond(&headers(header::IF_NONE_MATCH, &list))
                .status(),
            304
        );
        assert_eq!(
            page.respond(&headers(header::IF_NONE_MATCH, "\"other\""))
                .status(),
            200
        );
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let page = page();
        let at = |s: u64| httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(
            page.respond(&headers(header::IF_MODIFIED_SINCE, &at(1_700_000_000)))
                .status(),
            304
        );
        assert_eq!(
            page.respond(&headers(header::IF_MODIFIED_SINCE, &at(1_699_999_999)))
                .status(),
            200
        );
        // If-None-Match wins over If-Modified-Since.
        let mut both = headers(header::IF_MODIFIED_SINCE, &at(1_700_000_000));
        both.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert_eq!(page.respond(&both).status(), 200);
    }
}
