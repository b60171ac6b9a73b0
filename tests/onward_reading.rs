//! After a story, somewhere to go, over HTTP on both backends: the first
//! topic as a kicker above the headline, "More on …" with up to four other
//! stories sharing its topics (newest first, never itself, never a draft
//! or a story still scheduled), and share links that are plain links.

mod common;

use chrono::{Duration, Utc};
use common::{TestSite, select_attr, select_text, story_json};

/// Publishes a story `minutes_ago`.
async fn published(site: &TestSite, slug: &str, topics: &[&str], minutes_ago: i64) {
    let json = story_json(slug, &format!("Story {slug}"), topics);
    site.save(&json, true, Utc::now() - Duration::minutes(minutes_ago))
        .await;
}

#[tokio::test]
async fn a_story_ends_with_more_on_its_topics_and_ways_to_share_it() {
    let site = TestSite::start().await;
    published(&site, "vote", &["Politics", "World News"], 60).await;
    published(&site, "older-politics", &["Politics"], 120).await;
    published(&site, "world", &["World News"], 30).await;
    published(&site, "sport", &["Sport"], 10).await;
    for n in 0..4 {
        published(&site, &format!("politics-{n}"), &["Politics"], 50 - n).await;
    }
    // Neither a draft nor a story still to come is ever offered.
    site.save(
        &story_json("draft", "Draft", &["Politics"]),
        false,
        Utc::now(),
    )
    .await;
    let mut later =
        serde_json::from_str::<serde_json::Value>(&story_json("later", "Later", &["Politics"]))
            .expect("json");
    later["published_at"] = serde_json::json!((Utc::now() + Duration::hours(3)).to_rfc3339());
    site.save(&later.to_string(), true, Utc::now()).await;

    let (status, html) = site.text("/stories/vote").await;
    assert_eq!(status, 200);
    // The kicker: the first topic, above the headline, linked.
    assert_eq!(select_text(&html, ".story-header .kicker a"), ["Politics"]);
    assert_eq!(
        select_attr(&html, ".story-header .kicker a", "href"),
        ["/topics/politics"]
    );
    assert_eq!(
        select_text(&html, "#related-heading"),
        ["More on Politics and World News"]
    );
    // Four, newest first, sharing a topic, never itself.
    assert_eq!(
        select_attr(&html, ".related .card-headline a", "href"),
        [
            "/stories/world",
            "/stories/politics-3",
            "/stories/politics-2",
            "/stories/politics-1",
        ]
    );

    // Share links: the story's own address in each, no third-party script.
    let links = select_attr(&html, ".share-links a", "href");
    assert_eq!(links.len(), 6, "{links:?}");
    let canonical = select_attr(&html, "link[rel=canonical]", "href").remove(0);
    let encoded: String = url::form_urlencoded::byte_serialize(canonical.as_bytes()).collect();
    assert!(!canonical.contains(' '), "{canonical}");
    for link in &links {
        assert!(link.contains(&encoded), "{link} shares {canonical}");
    }
    assert!(
        links[0].starts_with("mailto:?subject=Story%20vote")
            || links[0].starts_with("mailto:?subject=Story+vote"),
        "{}",
        links[0]
    );
    let scripts = select_attr(&html, "script[src]", "src");
    assert!(scripts.iter().all(|s| s.starts_with('/')), "{scripts:?}");

    // A story alone on its topic has no "More on" to show.
    let (_, html) = site.text("/stories/sport").await;
    assert!(select_text(&html, "#related-heading").is_empty());
    assert_eq!(select_text(&html, ".kicker"), ["Sport"]);
}
