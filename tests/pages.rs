//! The reader's pages through the real server: every page type, the story
//! anatomy, pagination edges, 404s, redirects and conditional requests.

mod common;

use chrono::{Duration, Utc};
use common::{TestSite, select_attr, select_text, story_json};

#[tokio::test]
async fn story_page_shows_the_whole_anatomy() {
    let site = TestSite::start().await;
    site.publish(
        &serde_json::json!({
            "slug": "floods-in-the-valley",
            "headline": "Floods cut off the valley towns",
            "standfirst": "Three towns are reachable only by boat after a week of rain.",
            "image": {"url": "https://images.example.org/flood.jpg", "alt": "A flooded high street", "credit": "Mara Lind"},
            "topics": ["World News", "Climate"],
            "authors": ["Ana Reporter", "Ben Writer"],
            "call_to_action": {"text": "To donate to the emergency appeal, go here", "url": "https://appeal.example.org/"},
            "body_markdown": "The water rose overnight.\n\n> \"We lost everything,\" said a shop owner.\n\n> [!PULLQUOTE]\n> The river does not care about borders.\n\nhttps://www.youtube.com/watch?v=abcdefghijk\n"
        })
        .to_string(),
    )
    .await;
    let (status, html) = site.text("/stories/floods-in-the-valley").await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "h1"),
        ["Floods cut off the valley towns"]
    );
    assert_eq!(
        select_text(&html, "title"),
        ["Floods cut off the valley towns | Herald"]
    );
    assert_eq!(
        select_text(&html, ".standfirst"),
        ["Three towns are reachable only by boat after a week of rain."]
    );
    assert_eq!(
        select_attr(&html, ".featured-image img", "alt"),
        ["A flooded high street"]
    );
    assert_eq!(
        select_text(&html, ".featured-image figcaption"),
        ["Image credit: Mara Lind"]
    );
    assert_eq!(
        select_text(&html, ".story-body blockquote:not(.pull-quote)").len(),
        1
    );
    assert_eq!(
        select_text(&html, ".story-body blockquote.pull-quote"),
        ["The river does not care about borders."]
    );
    assert_eq!(
        select_attr(&html, "figure.embed-youtube", "data-embed-id"),
        ["abcdefghijk"]
    );
    assert!(
        select_attr(&html, "iframe", "src").is_empty(),
        "no third-party frame on load"
    );
    assert_eq!(
        select_attr(&html, ".call-to-action a", "href"),
        ["https://appeal.example.org/"]
    );
    assert_eq!(
        select_text(&html, ".story-topics p"),
        ["Topics: World News, Climate"]
    );
    assert_eq!(
        select_attr(&html, ".story-topics p a", "href"),
        ["/topics/world-news", "/topics/climate"]
    );
    assert_eq!(
        select_text(&html, ".authors"),
        ["By Ana Reporter and Ben Writer"]
    );
    assert_eq!(select_text(&html, ".published time").len(), 1);
    assert!(select_text(&html, ".updated").is_empty(), "not edited yet");
    // Landmarks and the skip link.
    assert_eq!(select_attr(&html, "a.skip-link", "href"), ["#main"]);
    for landmark in ["header", "nav", "main#main", "footer.site-footer"] {
        assert!(!select_text(&html, landmark).is_empty(), "{landmark}");
    }
}

#[tokio::test]
async fn an_edit_after_publishing_shows_the_updated_time() {
    let site = TestSite::start().await;
    let json = story_json("budget-vote", "Budget vote delayed", &["Politics"]);
    site.save(&json, true, Utc::now() - Duration::hours(2))
        .await;
    let edited = json.replace("Budget vote delayed", "Budget vote delayed again");
    site.publish(&edited).await;
    let (_, html) = site.text("/stories/budget-vote").await;
    assert_eq!(select_text(&html, "h1"), ["Budget vote delayed again"]);
    assert_eq!(select_text(&html, ".updated time").len(), 1);
}

#[tokio::test]
async fn drafts_and_scheduled_stories_are_not_visible() {
    let site = TestSite::start().await;
    site.save(
        &story_json("a-draft", "A draft", &["Politics"]),
        false,
        Utc::now(),
    )
    .await;
    let scheduled = serde_json::json!({
        "slug": "later", "headline": "Later", "body_markdown": "x",
        "published_at": (Utc::now() + Duration::hours(3)).to_rfc3339(),
    });
    site.publish(&scheduled.to_string()).await;
    assert_eq!(site.get("/stories/a-draft").await.status(), 404);
    assert_eq!(site.get("/stories/later").await.status(), 404);
    let (_, home) = site.text("/").await;
    assert!(
        !home.contains("A draft") && !home.contains("Later"),
        "{home}"
    );
}

#[tokio::test]
async fn home_and_topic_pages_list_newest_first_and_paginate() {
    let site = TestSite::start_with(|c| c.site.page_size = 3).await;
    let now = Utc::now();
    for i in 0..7 {
        let topics: &[&str] = if i % 2 == 0 {
            &["Politics"]
        } else {
            &["Sport"]
        };
        let json = story_json(&format!("story-{i}"), &format!("Story number {i}"), topics);
        site.save(&json, true, now - Duration::minutes(100 - i))
            .await;
    }
    let (_, page1) = site.text("/").await;
    // The newest leads page 1, and is not repeated in the list under it.
    assert_eq!(select_text(&page1, ".lead-headline"), ["Story number 6"]);
    assert_eq!(
        select_text(&page1, ".card-headline"),
        ["Story number 5", "Story number 4"]
    );
    assert_eq!(
        select_attr(&page1, ".pager a[rel=next]", "href"),
        ["/?page=2"]
    );
    assert!(select_attr(&page1, ".pager a[rel=prev]", "href").is_empty());
    let (_, page2) = site.text("/?page=2").await;
    assert!(
        select_text(&page2, ".lead-headline").is_empty(),
        "page 1 only"
    );
    let (_, page3) = site.text("/?page=3").await;
    assert_eq!(select_text(&page3, ".card-headline"), ["Story number 0"]);
    assert_eq!(
        select_attr(&page3, ".pager a[rel=prev]", "href"),
        ["/?page=2"]
    );
    assert!(select_attr(&page3, ".pager a[rel=next]", "href").is_empty());
    assert_eq!(site.get("/?page=4").await.status(), 404);

    let (status, politics) = site.text("/topics/politics").await;
    assert_eq!(status, 200);
    assert_eq!(select_text(&politics, "h1"), ["Politics"]);
    assert_eq!(
        select_text(&politics, ".card-headline"),
        ["Story number 6", "Story number 4", "Story number 2"]
    );
    let (_, politics2) = site.text("/topics/politics?page=2").await;
    assert_eq!(
        select_text(&politics2, ".card-headline"),
        ["Story number 0"]
    );
    assert_eq!(site.get("/topics/politics?page=3").await.status(), 404);

    let (_, topics) = site.text("/topics").await;
    assert_eq!(
        select_text(&topics, ".topic-index a"),
        ["Politics", "Sport"]
    );
}

#[tokio::test]
async fn a_fresh_breaking_story_leads_the_home_page_under_a_band() {
    let site = TestSite::start().await;
    let now = Utc::now();
    site.save(
        &story_json("old-alert", "Old alert", &["Breaking"]),
        true,
        now - Duration::hours(7),
    )
    .await;
    site.save(
        &story_json("newest", "The newest story", &["Politics"]),
        true,
        now - Duration::minutes(10),
    )
    .await;
    // A breaking story older than six hours neither leads nor gets the band.
    let (_, home) = site.text("/").await;
    assert_eq!(select_text(&home, ".lead-headline"), ["The newest story"]);
    assert!(select_text(&home, ".breaking-band").is_empty(), "{home}");

    site.save(
        &story_json(
            "flood-alert",
            "Flood alert for the valley",
            &["Breaking", "Weather"],
        ),
        true,
        now - Duration::hours(2),
    )
    .await;
    site.settle().await;
    let (_, home) = site.text("/").await;
    assert_eq!(
        select_text(&home, ".breaking-band"),
        ["Breaking: Flood alert for the valley"]
    );
    assert_eq!(
        select_attr(&home, ".breaking-band a", "href"),
        ["/stories/flood-alert"]
    );
    assert_eq!(
        select_text(&home, ".lead-headline"),
        ["Flood alert for the valley"]
    );
    assert_eq!(
        select_text(&home, ".lead-standfirst"),
        ["Standfirst of Flood alert for the valley."]
    );
    // The lead is not repeated; the newer story stays in the list.
    assert_eq!(
        select_text(&home, ".card-headline"),
        ["The newest story", "Old alert"]
    );
    // Without an image, a card is a text card.
    assert_eq!(
        select_attr(&home, ".story-list li", "class"),
        ["story-card story-card-text", "story-card story-card-text"]
    );
}

#[tokio::test]
async fn the_navigation_follows_the_sites_order_and_marks_the_topic_page() {
    let site = TestSite::start_with(|c| {
        c.site.nav_topics = Some(vec![
            "world-news".to_owned(),
            "no-such-topic".to_owned(),
            "politics".to_owned(),
            "sport".to_owned(),
            "science".to_owned(),
        ])
    })
    .await;
    let now = Utc::now();
    for (i, topic) in ["Politics", "Sport", "World News", "Science", "Arts"]
        .iter()
        .enumerate()
    {
        let json = story_json(&format!("s{i}"), &format!("Story {i}"), &[topic]);
        site.save(&json, true, now - Duration::minutes(60 - i as i64))
            .await;
    }
    let (_, home) = site.text("/").await;
    assert_eq!(
        select_text(&home, ".topic-nav a"),
        ["World News", "Politics", "Sport", "Science", "All topics"]
    );
    // On a phone the fourth and later are under "More topics".
    assert_eq!(select_text(&home, ".nav-more summary"), ["More topics"]);
    assert_eq!(
        select_text(&home, ".nav-more li.nav-phone a"),
        ["Science", "All topics"]
    );
    assert!(select_attr(&home, "[aria-current]", "href").is_empty());
    let (_, politics) = site.text("/topics/politics").await;
    assert_eq!(
        select_attr(&politics, ".site-nav [aria-current=page]", "href"),
        ["/topics/politics"]
    );
    let (_, science) = site.text("/topics/science").await;
    assert_eq!(
        select_attr(&science, ".site-nav [aria-current=page]", "href"),
        ["/topics/science", "/topics/science"],
        "inline on a wide screen, under More on a phone"
    );
    // Closed, "More topics" still says where the reader is: on a phone,
    // where Science is under it, it reads as Science.
    assert_eq!(
        select_text(&science, ".nav-more summary .nav-current"),
        ["More topics, this page: Science"]
    );
    assert_eq!(
        select_attr(&science, ".nav-more summary .nav-current", "class"),
        ["nav-current nav-phone"]
    );
    assert_eq!(
        select_text(&science, ".nav-more summary .nav-wide"),
        ["More topics"]
    );
    assert_eq!(
        select_text(&politics, ".nav-more summary"),
        ["More topics"],
        "inline everywhere"
    );
    let (_, story) = site.text("/stories/s0").await;
    assert!(select_attr(&story, ".site-nav [aria-current]", "href").is_empty());
}

#[tokio::test]
async fn by_default_the_navigation_is_every_topic_by_name_when_none_is_followed() {
    let site = TestSite::start().await;
    let now = Utc::now();
    for (i, topic) in ["Sport", "Arts", "Politics"].iter().enumerate() {
        let json = story_json(&format!("s{i}"), &format!("Story {i}"), &[topic]);
        site.save(&json, true, now - Duration::minutes(60 - i as i64))
            .await;
    }
    let (_, home) = site.text("/").await;
    assert_eq!(
        select_text(&home, ".topic-nav a"),
        ["Arts", "Politics", "Sport", "All topics"]
    );
    assert!(select_text(&home, ".nav-more").is_empty(), "all fit");
}

#[tokio::test]
async fn malformed_page_numbers_are_a_clear_400() {
    let site = TestSite::start().await;
    for query in [
        "page=abc",
        "page=0",
        "page=-2",
        "page=1e3",
        "page=99999999999999999999999",
    ] {
        let (status, html) = site.text(&format!("/?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains("page number"), "{query}: {html}");
        let (status, _) = site.text(&format!("/topics/x?{query}")).await;
        assert!(status == 400 || status == 404, "{query}");
    }
}

#[tokio::test]
async fn unknown_addresses_get_the_404_page_with_a_way_back() {
    let site = TestSite::start().await;
    for path in [
        "/stories/no-such-story",
        "/stories/Bad%20Slug",
        "/topics/no-such-topic",
        "/topics/no-such-topic/feed.xml",
        "/nowhere",
        "/media/none.png",
        "/assets/nope.css",
    ] {
        let response = site.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let html = response.text().await.expect("body");
        assert_eq!(select_text(&html, "h1"), ["Page not found"], "{path}");
        assert!(
            select_attr(&html, "main a", "href").contains(&"/".to_owned()),
            "{path}"
        );
        assert_eq!(
            select_attr(&html, "meta[name=robots]", "content"),
            ["noindex"]
        );
    }
}

#[tokio::test]
async fn a_renamed_story_redirects_permanently_from_its_old_url() {
    let site = TestSite::start().await;
    site.publish(&story_json("old-name", "A story", &[])).await;
    let renamed = serde_json::json!({
        "slug": "new-name", "previous_slug": "old-name", "headline": "A story", "body_markdown": "x"
    });
    site.publish(&renamed.to_string()).await;
    let response = site.get("/stories/old-name").await;
    assert_eq!(response.status(), 301);
    assert_eq!(response.headers()["location"], "/stories/new-name");
    assert_eq!(site.get("/stories/new-name").await.status(), 200);
    // Renamed twice: the first URL still lands on the current one.
    let again = serde_json::json!({
        "slug": "newest-name", "previous_slug": "new-name", "headline": "A story", "body_markdown": "x"
    });
    site.publish(&again.to_string()).await;
    site.settle().await;
    for old in ["old-name", "new-name"] {
        let response = site.get(&format!("/stories/{old}")).await;
        assert_eq!(
            response.headers()["location"],
            "/stories/newest-name",
            "{old}"
        );
    }
}

#[tokio::test]
async fn pages_carry_validators_and_answer_conditional_requests() {
    let site = TestSite::start().await;
    site.publish(&story_json("cached", "Cached story", &["Politics"]))
        .await;
    for path in [
        "/",
        "/stories/cached",
        "/topics/politics",
        "/topics",
        "/feed.xml",
        "/sitemap.xml",
    ] {
        let first = site.get(path).await;
        assert_eq!(first.status(), 200, "{path}");
        let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
        let modified = first.headers()["last-modified"]
            .to_str()
            .expect("lm")
            .to_owned();
        assert!(
            first.headers()["cache-control"]
                .to_str()
                .expect("cc")
                .contains("max-age"),
            "{path}"
        );

        let by_etag = site
            .client
            .get(format!("{}{path}", site.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("request");
        assert_eq!(by_etag.status(), 304, "{path}");
        assert_eq!(by_etag.headers()["etag"], etag.as_str());
        assert!(by_etag.bytes().await.expect("body").is_empty());

        let by_date = site
            .client
            .get(format!("{}{path}", site.base))
            .header("if-modified-since", &modified)
            .send()
            .await
            .expect("request");
        assert_eq!(by_date.status(), 304, "{path}");

        let stale = site
            .client
            .get(format!("{}{path}", site.base))
            .header("if-none-match", "\"something-else\"")
            .send()
            .await
            .expect("request");
        assert_eq!(stale.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn a_change_shows_within_seconds_and_changes_the_etag() {
    let site = TestSite::start().await;
    site.publish(&story_json("first", "First story", &[])).await;
    site.settle().await;
    let before = site.get("/").await;
    let etag = before.headers()["etag"].to_str().expect("etag").to_owned();
    site.publish(&story_json("second", "Second story", &[]))
        .await;
    site.settle().await;
    let after = site.get("/").await;
    assert_ne!(after.headers()["etag"].to_str().expect("etag"), etag);
    let html = after.text().await.expect("body");
    assert_eq!(select_text(&html, ".lead-headline"), ["Second story"]);
    assert_eq!(select_text(&html, ".card-headline"), ["First story"]);
}

#[tokio::test]
async fn author_html_is_sanitised_on_the_page() {
    let site = TestSite::start().await;
    let json = serde_json::json!({
        "slug": "hostile", "headline": "<script>alert('h')</script> Headline",
        "standfirst": "\"><img src=x onerror=alert(1)>",
        "body_markdown": "<script>alert(1)</script>\n\n<img src=x alt=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n",
    });
    site.publish(&json.to_string()).await;
    let (status, html) = site.text("/stories/hostile").await;
    assert_eq!(status, 200);
    common::assert_no_active_content(&html);
    assert_eq!(
        select_text(&html, "h1"),
        ["<script>alert('h')</script> Headline"]
    );
}

#[tokio::test]
async fn robots_and_health() {
    let site = TestSite::start().await;
    let (status, robots) = site.text("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(
        robots.contains(&format!("Sitemap: {}/sitemap.xml", site.base)),
        "{robots}"
    );
    assert!(
        robots.contains(&format!("Sitemap: {}/news-sitemap.xml", site.base)),
        "{robots}"
    );
    let (status, health) = site.text("/healthz").await;
    assert_eq!((status, health.as_str()), (200, "ok\n"));
    site.store.close().await;
    assert_eq!(site.get("/healthz").await.status(), 503);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let site = TestSite::start().await;
    for path in ["/", "/nowhere", "/robots.txt"] {
        let response = site.get(path).await;
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .expect("csp");
        assert!(csp.contains("script-src 'self'"), "{path}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
}

#[tokio::test]
async fn metrics_are_served_only_for_the_configured_token() {
    // Without a configured token, nobody gets them.
    let site = TestSite::start().await;
    let response = site.get("/metrics").await;
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "metrics_disabled");

    let token = "a-long-metrics-token-0123";
    let site = TestSite::start_with(|c| c.metrics_token = Some(token.into())).await;
    let get = |auth: Option<&'static str>| {
        let mut request = site.client.get(format!("{}/metrics", site.base));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.send()
    };
    for auth in [
        None,
        Some("Bearer wrong-token-of-some-length"),
        Some("a-long-metrics-token-0123"),
    ] {
        let response = get(auth).await.expect("request");
        assert_eq!(response.status(), 401, "{auth:?}");
    }
    let response = get(Some("Bearer a-long-metrics-token-0123"))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(text.contains("herald_push_pending_shards"), "{text}");
}

#[tokio::test]
async fn an_https_site_tells_browsers_to_keep_to_https() {
    let site = TestSite::start_with(|c| {
        c.base_url = "https://news.example.org/".parse().expect("url");
    })
    .await;
    for path in ["/", "/nowhere", "/feed.xml"] {
        let response = site.get(path).await;
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
    // A site served over plain http says nothing browsers would ignore.
    let plain = TestSite::start().await;
    let response = plain.get("/").await;
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none(),
        "HSTS over http"
    );
}

#[tokio::test]
async fn story_and_topic_pages_offer_the_prompt_and_follow_buttons() {
    let site = TestSite::start().await;
    site.publish(&story_json(
        "followable",
        "Followable",
        &["Politics", "World News"],
    ))
    .await;
    let (_, story) = site.text("/stories/followable").await;
    assert_eq!(select_attr(&story, "#push-prompt", "role"), ["dialog"]);
    assert_eq!(
        select_text(&story, "#push-prompt button"),
        ["OK", "Not now"]
    );
    assert_eq!(
        select_attr(&story, "#push-prompt", "hidden").len(),
        1,
        "hidden until engagement"
    );
    assert_eq!(
        select_text(&story, ".story-topics .follow-button"),
        ["Follow Politics", "Follow World News"]
    );
    assert_eq!(
        select_attr(&story, ".follow-button", "aria-pressed"),
        ["false", "false"]
    );
    let (_, topic) = site.text("/topics/politics").await;
    assert_eq!(
        select_text(&topic, ".topic-head .follow-button"),
        ["Follow Politics"]
    );
    assert_eq!(select_attr(&topic, "#push-prompt", "role"), ["dialog"]);
    let (_, home) = site.text("/").await;
    assert!(
        select_attr(&home, "#push-prompt", "role").is_empty(),
        "no prompt on the home page"
    );
}

#[tokio::test]
async fn notifications_page_lists_every_topic_and_explains_without_push() {
    let site = TestSite::start().await;
    site.publish(&story_json("x", "X", &["Politics"])).await;
    let (status, html) = site.text("/notifications").await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, ".topic-toggle"),
        ["Breaking news", "Politics"]
    );
    assert!(
        select_text(&html, "#prefs-unsupported")
            .join(" ")
            .contains("Home Screen")
    );
    assert_eq!(
        select_attr(&html, "#prefs-unsupported a", "href"),
        [
            "/topics/breaking/feed.xml",
            "/topics/breaking/atom.xml",
            "/topics/politics/feed.xml",
            "/topics/politics/atom.xml"
        ]
    );
    // Like a newsletter's sign-up page, it is for search engines too.
    assert!(select_attr(&html, "meta[name=robots]", "content").is_empty());
}

#[tokio::test]
async fn the_service_worker_is_served_from_the_root_without_caching() {
    let site = TestSite::start().await;
    let response = site.get("/sw.js").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/javascript")
    );
    let body = response.text().await.expect("body");
    for handler in [
        "\"push\"",
        "\"notificationclick\"",
        "\"pushsubscriptionchange\"",
    ] {
        assert!(body.contains(handler), "{handler}");
    }
}
