//! The public read API (`/api/v1/stories`, `/api/v1/topics`) over HTTP:
//! only stories on the site, newest first, paged, by topic; cacheable.
//! Runs on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod common;

use chrono::{Duration, Utc};
use common::{TestSite, story_json};
use serde_json::Value;

async fn get(site: &TestSite, path: &str) -> (u16, Option<String>, Value) {
    let response = site.get(path).await;
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.json().await.expect("json");
    (status, cache, body)
}

fn slugs(body: &Value) -> Vec<&str> {
    body["stories"]
        .as_array()
        .expect("stories")
        .iter()
        .filter_map(|s| s["slug"].as_str())
        .collect()
}

/// A draft, a scheduled story and two published ones.
async fn stories(site: &TestSite) {
    let now = Utc::now();
    site.save(&story_json("a-draft", "A draft", &["Politics"]), false, now)
        .await;
    let mut scheduled: Value =
        serde_json::from_str(&story_json("a-scheduled", "Scheduled", &["Politics"])).expect("json");
    scheduled["published_at"] = (now + Duration::hours(2)).to_rfc3339().into();
    site.save(&scheduled.to_string(), true, now).await;
    site.save(
        &story_json("older", "Older story", &["Politics"]),
        true,
        now - Duration::hours(1),
    )
    .await;
    site.save(&story_json("newer", "Newer story", &["Science"]), true, now)
        .await;
}

#[tokio::test]
async fn only_published_stories_are_listed_newest_first() {
    let site = TestSite::start().await;
    stories(&site).await;
    let (status, cache, body) = get(&site, "/api/v1/stories").await;
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some("public, max-age=60"));
    assert_eq!(slugs(&body), ["newer", "older"]);
    assert_eq!(
        (body["total"].as_i64(), body["pages"].as_i64()),
        (Some(2), Some(1))
    );
    let newer = &body["stories"][0];
    assert_eq!(newer["url"], format!("{}/stories/newer", site.base));
    assert_eq!(newer["topics"][0]["slug"], "science");
    assert_eq!(newer["authors"][0], "Ana Reporter");
    assert!(newer["published_at"].is_string());
    assert!(
        newer.get("body_markdown").is_none(),
        "the list has no bodies"
    );

    let (_, _, politics) = get(&site, "/api/v1/stories?topic=politics").await;
    assert_eq!(slugs(&politics), ["older"]);
    let (status, _, body) = get(&site, "/api/v1/stories?topic=nowhere").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _, body) = get(&site, "/api/v1/stories?page=0").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (_, _, empty) = get(&site, "/api/v1/stories?page=2").await;
    assert!(slugs(&empty).is_empty());
}

#[tokio::test]
async fn one_story_is_shown_only_when_it_is_on_the_site() {
    let site = TestSite::start().await;
    stories(&site).await;
    let (status, cache, story) = get(&site, "/api/v1/stories/newer").await;
    assert_eq!(status, 200, "{story}");
    assert_eq!(cache.as_deref(), Some("public, max-age=60"));
    assert_eq!(story["headline"], "Newer story");
    let html = story["body_html"].as_str().expect("html");
    assert!(html.contains("<h2>A sub-head</h2>"), "{html}");
    assert_eq!(story["correction"], Value::Null);
    for hidden in ["a-draft", "a-scheduled", "no-such-story", "Not%20A%20Slug"] {
        let (status, _, body) = get(&site, &format!("/api/v1/stories/{hidden}")).await;
        assert_eq!(status, 404, "{hidden}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn topics_are_listed_with_their_published_stories() {
    let site = TestSite::start().await;
    stories(&site).await;
    let (status, cache, body) = get(&site, "/api/v1/topics").await;
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some("public, max-age=60"));
    let counts: Vec<(&str, i64)> = body["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap_or(""),
                t["story_count"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(counts, [("breaking", 0), ("politics", 1), ("science", 1)]);
    assert_eq!(
        body["topics"][1]["url"],
        format!("{}/topics/politics", site.base)
    );
}
