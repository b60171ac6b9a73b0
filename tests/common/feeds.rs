//! Reading a feed back as a reader's feed program would: fetched from the
//! real server, its content type checked, and parsed by an independent
//! parser (feed-rs).

use super::TestSite;

/// The feed at `path`, which must answer 200 with `content_type` and parse.
pub async fn parse_feed(site: &TestSite, path: &str, content_type: &str) -> feed_rs::model::Feed {
    let response = site.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let ct = response.headers()["content-type"]
        .to_str()
        .expect("ct")
        .to_owned();
    assert!(ct.starts_with(content_type), "{path}: {ct}");
    let bytes = response.bytes().await.expect("body");
    feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{path} does not parse: {e}"))
}

/// The title of each entry of `feed`, in order ("" when one has none).
pub fn entry_titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}
