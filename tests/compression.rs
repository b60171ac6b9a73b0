//! Compression through the real server: every kind of answer the site
//! serves (pages, a feed, the sitemap, a static asset, the OpenAPI document,
//! the public read API) in each coding `Accept-Encoding` asks for, each
//! decompressing to the identity answer's exact bytes, each coding with its
//! own `ETag` and its own 304; and the newsroom's pages, which carry a CSRF
//! token, never compressed (BREACH).

mod common;

use std::io::Read;

use common::{TestSite, story_json};
use reqwest::Method;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, ETAG, IF_NONE_MATCH, VARY};

/// A site with enough stories that every answer is worth compressing.
async fn site() -> TestSite {
    let site = TestSite::start().await;
    let body = "The water rose overnight and the valley's towns woke to find their roads gone.\n\n"
        .repeat(20);
    site.publish(
        &serde_json::json!({
            "slug": "floods-in-the-valley",
            "headline": "Floods cut off the valley towns",
            "standfirst": "Three towns are reachable only by boat after a week of rain.",
            "topics": ["Climate", "World News"],
            "authors": ["Ana Reporter"],
            "body_markdown": body,
        })
        .to_string(),
    )
    .await;
    for (slug, headline) in [
        (
            "river-levels-fall",
            "River levels fall after a week of rain",
        ),
        ("schools-reopen", "Schools reopen as the water recedes"),
        (
            "appeal-passes-target",
            "The emergency appeal passes its target",
        ),
        ("bridge-inspected", "Engineers inspect the old stone bridge"),
        (
            "farmers-count-losses",
            "Farmers count the cost of the floods",
        ),
    ] {
        site.publish(&story_json(slug, headline, &["Climate", "World News"]))
            .await;
    }
    // The page cache has seen the last write: answers stay put.
    site.settle().await;
    site
}

/// What the server answered, the body as sent (not decompressed).
struct Answer {
    status: u16,
    encoding: Option<String>,
    vary: Option<String>,
    etag: Option<String>,
    body: Vec<u8>,
}

async fn fetch(
    site: &TestSite,
    method: Method,
    path: &str,
    accept: Option<&str>,
    if_none_match: Option<&str>,
) -> Answer {
    let mut request = site.client.request(method, format!("{}{path}", site.base));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    if let Some(tag) = if_none_match {
        request = request.header(IF_NONE_MATCH, tag);
    }
    let response = request.send().await.expect("request");
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().expect("ascii").to_owned())
    };
    Answer {
        status: response.status().as_u16(),
        encoding: header(CONTENT_ENCODING),
        vary: header(VARY),
        etag: header(ETAG),
        body: response.bytes().await.expect("body").to_vec(),
    }
}

fn decode(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        Some("br") => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .expect("valid brotli");
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("valid gzip");
        }
        None => out.extend_from_slice(body),
        Some(other) => panic!("unexpected coding {other}"),
    }
    out
}

fn varies(answer: &Answer) -> bool {
    answer
        .vary
        .as_deref()
        .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
}

/// Every coding of `path` decompresses to the identity bytes, says so in
/// `Content-Encoding` and `Vary`, and, when `validated`, has its own ETag
/// and its own 304.
async fn check(site: &TestSite, path: &str, validated: bool) {
    let plain = fetch(site, Method::GET, path, None, None).await;
    assert_eq!(plain.status, 200, "{path}");
    assert_eq!(
        plain.encoding, None,
        "{path}: no Accept-Encoding, no coding"
    );
    assert!(varies(&plain), "{path}: Vary: Accept-Encoding");
    assert!(plain.body.len() >= 1024, "{path} is worth compressing");

    let cases = [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("br;q=0, gzip", Some("gzip")),
        ("gzip, deflate, br", Some("br")),
        ("identity", None),
    ];
    let mut tags = vec![plain.etag.clone()];
    for (accept, expected) in cases {
        let answer = fetch(site, Method::GET, path, Some(accept), None).await;
        assert_eq!(answer.status, 200, "{path} {accept}");
        assert_eq!(answer.encoding.as_deref(), expected, "{path} {accept}");
        assert!(varies(&answer), "{path} {accept}: Vary");
        assert_eq!(
            decode(expected, &answer.body),
            plain.body,
            "{path} {accept}: decompresses to the identity bytes"
        );
        if expected.is_some() {
            assert!(
                answer.body.len() < plain.body.len(),
                "{path} {accept}: smaller"
            );
        }
        if !validated {
            assert_eq!(answer.etag, None, "{path}: no validator");
            continue;
        }
        let tag = answer.etag.clone().expect("an ETag");
        if expected.is_none() {
            assert_eq!(Some(&tag), plain.etag.as_ref(), "{path}: identity's tag");
        } else if !tags.contains(&Some(tag.clone())) {
            tags.push(Some(tag.clone()));
        }
        // 304 for this coding's tag, with the same tag and Vary.
        let again = fetch(site, Method::GET, path, Some(accept), Some(&tag)).await;
        assert_eq!(again.status, 304, "{path} {accept}: 304 on its own tag");
        assert_eq!(again.etag.as_deref(), Some(tag.as_str()), "{path} {accept}");
        assert!(varies(&again), "{path} {accept}: Vary on the 304");
        assert!(again.body.is_empty());
        // A HEAD request answers the same headers.
        let head = fetch(site, Method::HEAD, path, Some(accept), None).await;
        assert_eq!(head.status, 200);
        assert_eq!(head.encoding, answer.encoding, "{path} {accept}: HEAD");
        assert_eq!(head.etag, answer.etag, "{path} {accept}: HEAD");
    }
    if validated {
        // identity, br and gzip: three different tags.
        assert_eq!(tags.len(), 3, "{path}: one ETag per coding: {tags:?}");
        // Another coding's tag does not validate this coding's bytes.
        let br_tag = fetch(site, Method::GET, path, Some("br"), None)
            .await
            .etag
            .expect("tag");
        let gzip = fetch(site, Method::GET, path, Some("gzip"), Some(&br_tag)).await;
        assert_eq!(gzip.status, 200, "{path}: br's tag is not gzip's");
        assert_eq!(gzip.encoding.as_deref(), Some("gzip"));
        let plain_again = fetch(site, Method::GET, path, None, Some(&br_tag)).await;
        assert_eq!(
            plain_again.status, 200,
            "{path}: br's tag is not identity's"
        );
    }
}

#[tokio::test]
async fn cached_pages_feeds_and_sitemaps_are_sent_in_each_coding() {
    let site = site().await;
    for path in [
        "/",
        "/stories/floods-in-the-valley",
        "/topics/climate",
        "/feed.xml",
        "/sitemap.xml",
    ] {
        check(&site, path, true).await;
    }
}

#[tokio::test]
async fn static_assets_are_sent_in_each_coding() {
    let site = TestSite::start().await;
    for path in [
        "/assets/style.css",
        "/assets/site.js",
        "/assets/newsroom.js",
        "/sw.js",
        "/api/v1/openapi.json",
    ] {
        check(&site, path, true).await;
    }
}

#[tokio::test]
async fn the_public_read_api_is_compressed_on_the_fly() {
    let site = site().await;
    check(&site, "/api/v1/stories", false).await;
    check(&site, "/api/v1/stories/floods-in-the-valley", false).await;
}

#[tokio::test]
async fn small_answers_and_images_are_sent_as_they_are() {
    let site = site().await;
    // The logo is under a kilobyte: nothing to gain.
    let logo = fetch(&site, Method::GET, "/logo.svg", Some("br, gzip"), None).await;
    assert_eq!(logo.status, 200);
    assert_eq!(logo.encoding, None);
    assert!(!varies(&logo), "the logo never varies");
    // The topic list of the API is small: sent as it is, but it could vary.
    let topics = fetch(&site, Method::GET, "/api/v1/topics", Some("br"), None).await;
    assert_eq!(topics.status, 200);
    assert!(topics.body.len() < 1024, "{} bytes", topics.body.len());
    assert_eq!(topics.encoding, None);
    assert!(varies(&topics));
}

#[tokio::test]
async fn newsroom_pages_carrying_a_csrf_token_are_never_compressed() {
    let site = site().await;
    let login = fetch(
        &site,
        Method::GET,
        "/newsroom/login",
        Some("br, gzip"),
        None,
    )
    .await;
    assert_eq!(login.status, 200);
    assert!(
        String::from_utf8_lossy(&login.body).contains("csrf"),
        "the login page carries a CSRF token"
    );
    assert_eq!(login.encoding, None, "BREACH: never compressed");
}
