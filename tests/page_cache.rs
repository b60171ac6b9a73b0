//! The page cache under a storm (issue 20): a cold page is rendered once
//! however many ask for it at the same moment, and a publish drops only
//! the pages it touches, so the rest of the site stays warm. Renders are
//! counted by `/metrics` (`herald_pages_renders_total`).

mod common;

use std::time::{Duration, Instant};

use common::{TestSite, select_text, story_json};
use herald::store::CONTENT_CHANNEL;

const TOKEN: &str = "a-long-metrics-token-for-pages";

async fn site() -> TestSite {
    TestSite::start_with(|c| c.metrics_token = Some(TOKEN.into())).await
}

/// Pages rendered so far, as `/metrics` says.
async fn renders(site: &TestSite) -> u64 {
    let text = site.metrics(TOKEN).await;
    text.lines()
        .find_map(|line| line.strip_prefix("herald_pages_renders_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no render counter in {text}"))
}

/// Fetches `path` (which must answer 200) and returns its body.
async fn page(site: &TestSite, path: &str) -> String {
    let (status, body) = site.text(path).await;
    assert_eq!(status, 200, "{path}");
    body
}

/// Waits until `path` shows `text` (the content watcher polls every second).
async fn wait_for(site: &TestSite, path: &str, text: &str) {
    let started = Instant::now();
    while !page(site, path).await.contains(text) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{path} never showed {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_hundred_concurrent_requests_to_a_cold_page_render_it_once() {
    let site = site().await;
    site.publish(&story_json("cold", "A cold story", &["World"]))
        .await;
    site.settle().await;
    let before = renders(&site).await;
    let requests: Vec<_> = (0..100)
        .map(|_| {
            let client = site.client.clone();
            let url = format!("{}/stories/cold", site.base);
            tokio::spawn(async move {
                let response = client.get(url).send().await.expect("request");
                assert_eq!(response.status(), 200);
                response.text().await.expect("body")
            })
        })
        .collect();
    for request in requests {
        assert_eq!(
            select_text(&request.await.expect("task"), "h1"),
            ["A cold story"]
        );
    }
    assert_eq!(renders(&site).await, before + 1);
}

#[tokio::test]
async fn a_publish_drops_only_the_pages_it_touches() {
    let site = site().await;
    for (slug, topic) in [
        ("politics-one", "Politics"),
        ("politics-two", "Politics"),
        ("sport-one", "Sport"),
        ("sport-two", "Sport"),
    ] {
        site.publish(&story_json(slug, &format!("Story {slug}"), &[topic]))
            .await;
    }
    site.settle().await;
    let touched = [
        "/",
        "/topics/politics",
        "/feed.xml",
        "/stories/politics-one",
    ];
    let unrelated = ["/stories/sport-one", "/topics/sport"];
    for path in touched.iter().chain(&unrelated) {
        page(&site, path).await;
    }
    let warm = renders(&site).await;
    for path in touched.iter().chain(&unrelated) {
        page(&site, path).await;
    }
    assert_eq!(renders(&site).await, warm, "every page was cached");

    // Written through a store of its own, as another node or the command
    // line would: the change reaches this node through the change log.
    let other_node = site.another_store().await;
    let draft = herald::content::input::parse_story_json(&story_json(
        "politics-new",
        "Fresh politics",
        &["Politics"],
    ))
    .and_then(|i| i.validate())
    .expect("valid story");
    herald::editorial::import_story(&other_node, &draft, None, true, false, chrono::Utc::now())
        .await
        .expect("published");
    wait_for(&site, "/", "Fresh politics").await;

    let after_home = renders(&site).await;
    for path in unrelated {
        assert!(
            !page(&site, path).await.contains("Fresh politics"),
            "{path}"
        );
    }
    assert_eq!(
        renders(&site).await,
        after_home,
        "an unrelated story page and another topic's page stay cached"
    );
    for path in touched {
        assert!(
            page(&site, path).await.contains("Fresh politics"),
            "{path} shows the new story"
        );
    }
    assert!(
        renders(&site).await >= after_home + 3,
        "the touched pages re-rendered"
    );
}

#[tokio::test]
async fn a_change_it_cannot_attribute_drops_every_page() {
    let site = site().await;
    site.publish(&story_json("sport-one", "Sport one", &["Sport"]))
        .await;
    site.publish(&story_json("sport-two", "Sport two", &["Sport"]))
        .await;
    site.settle().await;
    page(&site, "/stories/sport-one").await;
    let warm = renders(&site).await;
    site.store
        .update_topic("sport", Some("Athletics"), None, chrono::Utc::now())
        .await
        .expect("renamed")
        .expect("a topic");
    wait_for(&site, "/stories/sport-one", "Athletics").await;
    assert!(
        renders(&site).await > warm,
        "the renamed topic's name shows"
    );
}

#[tokio::test]
async fn a_live_entry_drops_its_storys_page_and_not_its_topics() {
    let site = site().await;
    let mut live: serde_json::Value =
        serde_json::from_str(&story_json("flood-live", "Flood: live", &["Weather"])).expect("json");
    live["live"] = true.into();
    let story = site.publish(&live.to_string()).await;
    site.publish(&story_json("weather-other", "Other weather", &["Weather"]))
        .await;
    site.settle().await;
    for path in [
        "/stories/flood-live",
        "/topics/weather",
        "/stories/weather-other",
    ] {
        page(&site, path).await;
    }
    let warm = renders(&site).await;

    // Through a store of its own, as the live desk on another node would.
    let other_node = site.another_store().await;
    let entry = herald::editorial::live::NewEntry {
        title: Some("Levee holds".into()),
        body_markdown: "The levee held overnight.".into(),
        key_event: true,
        breaking: false,
        draft: false,
    };
    herald::editorial::live::import_entry(&other_node, story.id, "Ana", entry, chrono::Utc::now())
        .await
        .expect("posted");
    wait_for(&site, "/stories/flood-live", "Levee holds").await;
    let after = renders(&site).await;
    page(&site, "/topics/weather").await;
    assert_eq!(
        renders(&site).await,
        after,
        "the topic's page shows nothing of the entry: it stays cached"
    );
    assert!(after > warm, "the story's page re-rendered");
}

#[tokio::test]
async fn a_write_of_this_process_drops_its_pages_at_once_not_at_the_poll() {
    // Another process's changes would wait an hour: only the wake-up of
    // this process's own write can drop the page.
    let site = TestSite::start_with(|c| {
        c.metrics_token = Some(TOKEN.into());
        c.content_poll = Duration::from_secs(3600);
    })
    .await;
    page(&site, "/").await;
    let warm = renders(&site).await;
    page(&site, "/").await;
    assert_eq!(renders(&site).await, warm, "the home page is cached");

    site.publish(&story_json("woken", "Woken at once", &["Politics"]))
        .await;
    wait_for(&site, "/", "Woken at once").await;
}

#[tokio::test]
async fn a_write_on_one_node_drops_the_pages_of_another_at_once_on_postgres() {
    let site = TestSite::start_with(|c| {
        c.metrics_token = Some(TOKEN.into());
        c.content_poll = Duration::from_secs(3600);
    })
    .await;
    if site.job_listeners().await.is_none() {
        // SQLite: another process's change waits for the poll (tested
        // above with the poll's usual second).
        return;
    }
    let other = site.second_node().await;
    page(&other, "/").await;
    // Both nodes listen before the write (a notification is not kept).
    site.wait_for_listeners(CONTENT_CHANNEL, 2).await;
    // Written on the first node; the second's poll would wait an hour.
    site.publish(&story_json("far-away", "Heard far away", &["Politics"]))
        .await;
    wait_for(&other, "/", "Heard far away").await;
}
