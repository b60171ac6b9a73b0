//! The bytes readers and push services receive, pinned as reviewed snapshots
//! (insta): the story page, the home page, a topic page, each feed format,
//! the JSON-LD and the push payload. A change that alters any of them shows
//! as a diff to review (`cargo insta review`, or the `.snap.new` files
//! beside the snapshots), so a refactor that was meant to change nothing
//! proves that it did not.
//!
//! Everything that varies between runs is fixed: the stories' times are in
//! the past and given, the site's public address is set, and the database
//! is fresh so ids start at 1. The same snapshots hold on SQLite and on
//! PostgreSQL.

mod common;

use chrono::{DateTime, Utc};
use common::TestSite;
use herald::content::input::NotificationSettings;
use herald::delivery::payload::{SiteVoice, prepare};
use herald::store::JobKind;

/// The public address the snapshots are taken with.
const BASE_URL: &str = "https://news.example.org/";

/// A site with three published stories at fixed times: one with every part
/// of a story's anatomy, two plainer ones sharing a topic with it.
async fn site_with_stories() -> TestSite {
    let site = TestSite::start_with(|c| c.base_url = BASE_URL.parse().expect("url")).await;
    let now = at("2026-11-30T12:00:00Z");
    let stories = [
        serde_json::json!({
            "slug": "council-approves-budget",
            "headline": "Council approves the budget",
            "standfirst": "The vote passed by one seat.",
            "body_markdown": "The council met late.\n\nMore in the morning.",
            "topics": ["Politics"],
            "authors": ["Ben Writer"],
            "published_at": "2026-11-26T09:30:00Z",
        }),
        serde_json::json!({
            "slug": "floods-in-the-valley",
            "headline": "Floods cut off the valley towns",
            "standfirst": "Three towns are reachable only by boat after a week of rain.",
            "image": {"url": "https://images.example.org/flood.jpg", "alt": "A flooded high street", "credit": "Mara Lind"},
            "topics": ["World News", "Climate", "Politics"],
            "authors": ["Ana Reporter", "Ben Writer"],
            "call_to_action": {"text": "To donate to the emergency appeal, go here", "url": "https://appeal.example.org/"},
            "body_markdown": "The water rose overnight & the roads went under.\n\n## Cut off\n\n> \"We lost everything,\" said a shop owner.\n\n> [!PULLQUOTE]\n> The river does not care about borders.\n\nhttps://www.youtube.com/watch?v=abcdefghijk\n\nSee [the archive](/topics/politics).",
            "published_at": "2026-11-27T08:00:00Z",
        }),
        serde_json::json!({
            "slug": "rail-strike-ends",
            "headline": "Rail strike ends after talks",
            "standfirst": "Trains run again from Monday.",
            "body_markdown": "Both sides signed at dawn.",
            "topics": ["World News"],
            "authors": ["Ana Reporter"],
            "published_at": "2026-11-28T17:45:00Z",
        }),
    ];
    for story in stories {
        site.save(&story.to_string(), true, now).await;
    }
    site
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("time")
}

/// The body of `path`, which must answer 200.
async fn body(site: &TestSite, path: &str) -> String {
    let (status, body) = site.text(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[tokio::test]
async fn reader_pages_and_feeds_keep_their_bytes() {
    let site = site_with_stories().await;
    insta::assert_snapshot!(
        "story_page",
        body(&site, "/stories/floods-in-the-valley").await
    );
    insta::assert_snapshot!("home_page", body(&site, "/").await);
    insta::assert_snapshot!("topic_page", body(&site, "/topics/politics").await);
    insta::assert_snapshot!("rss", body(&site, "/feed.xml").await);
    insta::assert_snapshot!("atom", body(&site, "/atom.xml").await);
    insta::assert_snapshot!("json_feed", body(&site, "/feed.json").await);
    insta::assert_snapshot!("topic_rss", body(&site, "/topics/politics/feed.xml").await);
}

#[tokio::test]
async fn the_story_json_ld_keeps_its_shape() {
    let site = site_with_stories().await;
    let html = body(&site, "/stories/floods-in-the-valley").await;
    let scripts = common::select_text(&html, r#"script[type="application/ld+json"]"#);
    assert_eq!(scripts.len(), 1, "one JSON-LD block");
    let value: serde_json::Value = serde_json::from_str(&scripts[0]).expect("JSON-LD parses");
    insta::assert_snapshot!(
        "json_ld",
        serde_json::to_string_pretty(&value).expect("json")
    );
}

#[tokio::test]
async fn the_push_payload_keeps_its_shape() {
    let site = site_with_stories().await;
    let story = site
        .store
        .story_by_slug("floods-in-the-valley")
        .await
        .expect("read")
        .expect("the story");
    let site_voice = SiteVoice::new(BASE_URL, "en");
    let original = prepare(
        &story,
        &NotificationSettings::default(),
        JobKind::Original,
        3600,
        &site_voice,
    );
    let update = prepare(
        &story,
        &NotificationSettings {
            title: Some("Update: the road is open".into()),
            body: Some("The army reached the towns at noon.".into()),
            breaking: true,
            ..NotificationSettings::default()
        },
        JobKind::Update,
        600,
        &site_voice,
    );
    for (name, prepared) in [
        ("push_payload_original", original),
        ("push_payload_update", update),
    ] {
        // The payload's exact bytes, as the service worker receives them.
        let payload = String::from_utf8(prepared.payload).expect("the payload is UTF-8");
        insta::assert_snapshot!(
            name,
            format!("{payload}\n\noptions: {:?}", prepared.options)
        );
    }
}
