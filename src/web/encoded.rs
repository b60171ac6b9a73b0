//! One answer's body in each content coding worth sending — identity, and
//! Brotli and gzip when the body is text and large enough to gain — each
//! with its own strong `ETag` (the identity tag with `-br` or `-gz` inside
//! the quotes), so a cache or a browser never takes one coding's bytes for
//! another's. Pages are compressed here once, when rendered; the static
//! assets arrive compressed from the build (`build.rs`).

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::accept_encoding::{self, Encoding};
pub use super::codecs::{brotli, gzip};

/// Bodies below this size are sent as they are: a kilobyte fits in one
/// packet either way, and compressing it costs more than it saves.
pub const MIN_COMPRESSED_BYTES: usize = 1024;

/// Brotli's quality for pages compressed when rendered. Measured on the
/// demo's 10,054-byte story page (release build): quality 5 makes 3,168
/// bytes (31.5 %) in 0.34 ms; 11 makes 2,704 bytes (26.9 %) in 25 ms, paid
/// again for every page after each cache invalidation, i.e. after every
/// write. Qualities 6 to 9 gain nothing on 5 here.
pub const PAGE_BROTLI_QUALITY: u32 = 5;

/// gzip's level for pages compressed when rendered (6, zlib's default).
const PAGE_GZIP_LEVEL: u32 = 6;

/// One coding of a body and its validator.
#[derive(Debug, Clone)]
pub struct Variant {
    pub body: Bytes,
    pub etag: HeaderValue,
}

/// A body in every coding it has.
#[derive(Debug, Clone)]
pub struct Encoded {
    identity: Variant,
    brotli: Option<Variant>,
    gzip: Option<Variant>,
}

impl Encoded {
    /// The body alone, never compressed (images, small answers).
    pub fn identity(body: Bytes) -> Encoded {
        Encoded {
            identity: Variant {
                etag: strong_etag(&body, ""),
                body,
            },
            brotli: None,
            gzip: None,
        }
    }

    /// The body, compressed now when its type and size make it worth it.
    pub fn compress(body: Bytes, content_type: &str) -> Encoded {
        if !is_compressible(content_type) || body.len() < MIN_COMPRESSED_BYTES {
            return Encoded::identity(body);
        }
        let brotli = brotli(&body, PAGE_BROTLI_QUALITY);
        let gzip = gzip(&body, PAGE_GZIP_LEVEL);
        Encoded::with_codings(body, Some(brotli.into()), Some(gzip.into()))
    }

    /// The body with codings made elsewhere (at build time); codings of a
    /// body under [`MIN_COMPRESSED_BYTES`], or that do not make it smaller,
    /// are dropped.
    pub fn with_codings(body: Bytes, brotli: Option<Bytes>, gzip: Option<Bytes>) -> Encoded {
        let mut encoded = Encoded::identity(body);
        if encoded.identity.body.len() < MIN_COMPRESSED_BYTES {
            return encoded;
        }
        let tag = encoded.identity.etag.clone();
        let smaller = |coded: Option<Bytes>, suffix: &str| {
            coded
                .filter(|c| c.len() < encoded.identity.body.len())
                .map(|body| Variant {
                    etag: suffixed(&tag, suffix),
                    body,
                })
        };
        let brotli = smaller(brotli, "-br");
        let gzip = smaller(gzip, "-gz");
        encoded.brotli = brotli;
        encoded.gzip = gzip;
        encoded
    }

    /// Whether the answer depends on `Accept-Encoding`.
    pub fn varies(&self) -> bool {
        self.brotli.is_some() || self.gzip.is_some()
    }

    /// The coding to send for this request, and its body and tag.
    pub fn choose(&self, request: &HeaderMap) -> (Encoding, &Variant) {
        let available: &[Encoding] = match (&self.brotli, &self.gzip) {
            (Some(_), Some(_)) => &[Encoding::Brotli, Encoding::Gzip],
            (Some(_), None) => &[Encoding::Brotli],
            (None, Some(_)) => &[Encoding::Gzip],
            (None, None) => &[],
        };
        let encoding = accept_encoding::choose(request, available);
        let variant = match encoding {
            Encoding::Brotli => self.brotli.as_ref(),
            Encoding::Gzip => self.gzip.as_ref(),
            Encoding::Identity => None,
        };
        (encoding, variant.unwrap_or(&self.identity))
    }

    /// The uncompressed body.
    pub fn identity_body(&self) -> &Bytes {
        &self.identity.body
    }
}

/// Text compresses; images (PNG, JPEG, WebP, GIF) are compressed already.
pub fn is_compressible(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/") && essence != "text/event-stream"
        || essence == "image/svg+xml"
        || essence == "application/json"
        || essence == "application/xml"
        || essence == "application/javascript"
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
}

/// A strong entity tag: a hash of the identity body, quoted.
fn strong_etag(body: &[u8], suffix: &str) -> HeaderValue {
    let digest = Sha256::digest(body);
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..12]);
    HeaderValue::from_str(&format!("\"{tag}{suffix}\"")).expect("base64 is a valid header")
}

/// The identity tag with a coding's suffix inside the quotes.
fn suffixed(etag: &HeaderValue, suffix: &str) -> HeaderValue {
    let quoted = etag.to_str().unwrap_or_default();
    let inner = quoted.trim_matches('"');
    HeaderValue::from_str(&format!("\"{inner}{suffix}\"")).expect("base64 is a valid header")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;
    use std::io::Read;

    fn page() -> Bytes {
        Bytes::from("<p>Floods cut off the valley towns.</p>\n".repeat(100))
    }

    fn accepting(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn each_coding_decompresses_to_the_body_and_has_its_own_tag() {
        let encoded = Encoded::compress(page(), "text/html; charset=utf-8");
        assert!(encoded.varies());
        let (coding, br) = encoded.choose(&accepting("br"));
        assert_eq!(coding, Encoding::Brotli);
        let mut out = Vec::new();
        brotli::Decompressor::new(&br.body[..], 4096)
            .read_to_end(&mut out)
            .expect("valid brotli");
        assert_eq!(out, page());
        let (coding, gz) = encoded.choose(&accepting("gzip"));
        assert_eq!(coding, Encoding::Gzip);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz.body[..])
            .read_to_end(&mut out)
            .expect("valid gzip");
        assert_eq!(out, page());
        let (_, identity) = encoded.choose(&HeaderMap::new());
        assert_eq!(identity.body, page());
        let id = identity.etag.to_str().expect("ascii").trim_matches('"');
        assert_eq!(br.etag.to_str().expect("ascii"), format!("\"{id}-br\""));
        assert_eq!(gz.etag.to_str().expect("ascii"), format!("\"{id}-gz\""));
    }

    #[test]
    fn small_bodies_and_images_stay_as_they_are() {
        let small = Encoded::compress(Bytes::from_static(b"<p>hi</p>"), "text/html");
        assert!(!small.varies());
        let image = Encoded::compress(page(), "image/png");
        assert!(!image.varies());
        assert_eq!(image.choose(&accepting("br")).0, Encoding::Identity);
        assert!(!is_compressible("text/event-stream"));
        assert!(is_compressible("application/rss+xml; charset=utf-8"));
        assert!(is_compressible("image/svg+xml"));
    }
}
