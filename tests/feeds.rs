//! Feeds and sitemaps through the real server, parsed back with an
//! independent feed parser (feed-rs) and an XML reader.

mod common;

use chrono::{Duration, Utc};
use common::feeds::{entry_titles, parse_feed};
use common::{TestSite, story_json};
use herald::config::FeedContent;

async fn site_with_stories(content: FeedContent) -> TestSite {
    let site = TestSite::start_with(|c| c.site.feed_content = content).await;
    let now = Utc::now();
    let body_with_links = serde_json::json!({
        "slug": "with-links", "headline": "Stories & links", "standfirst": "A standfirst.",
        "body_markdown": "See [the archive](/topics/politics) and ![chart](/media/chart.png).",
        "topics": ["Politics", "World News"], "authors": ["Ana Reporter"],
        "image": {"url": "https://img.example.org/a.jpg", "alt": "A chart"},
    });
    site.save(
        &body_with_links.to_string(),
        true,
        now - Duration::minutes(5),
    )
    .await;
    site.save(
        &story_json("sport-one", "Sport one", &["Sport"]),
        true,
        now - Duration::minutes(30),
    )
    .await;
    site.save(
        &story_json("old-politics", "Old politics", &["Politics"]),
        true,
        now - Duration::days(5),
    )
    .await;
    site
}

#[tokio::test]
async fn site_feeds_parse_in_every_format_with_the_same_entries() {
    let site = site_with_stories(FeedContent::Full).await;
    for (path, ct) in [
        ("/feed.xml", "application/rss+xml"),
        ("/atom.xml", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
    ] {
        let feed = parse_feed(&site, path, ct).await;
        assert_eq!(
            feed.title.as_ref().map(|t| t.content.as_str()),
            Some("Herald"),
            "{path}"
        );
        let titles = entry_titles(&feed);
        assert_eq!(
            titles,
            ["Stories & links", "Sport one", "Old politics"],
            "{path}"
        );
        let first = &feed.entries[0];
        let link = first
            .links
            .first()
            .map(|l| l.href.clone())
            .unwrap_or_default();
        assert_eq!(link, format!("{}/stories/with-links", site.base), "{path}");
        assert!(first.published.is_some(), "{path}");
        let categories: Vec<_> = first.categories.iter().map(|c| c.term.clone()).collect();
        assert_eq!(categories, ["Politics", "World News"], "{path}");
        let content = first
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        // Full content, with links made absolute for feed readers.
        assert!(
            content.contains(&format!("href=\"{}/topics/politics\"", site.base)),
            "{path}: {content}"
        );
        assert!(
            content.contains(&format!("src=\"{}/media/chart.png\"", site.base)),
            "{path}: {content}"
        );
    }
}

#[tokio::test]
async fn summary_feeds_carry_the_standfirst_only() {
    let site = site_with_stories(FeedContent::Summary).await;
    let feed = parse_feed(&site, "/atom.xml", "application/atom+xml").await;
    let first = &feed.entries[0];
    assert!(first.content.is_none(), "{:?}", first.content);
    assert_eq!(
        first.summary.as_ref().map(|s| s.content.as_str()),
        Some("A standfirst.")
    );
}

#[tokio::test]
async fn topic_feeds_hold_only_their_topic() {
    let site = site_with_stories(FeedContent::Full).await;
    for (file, ct) in [
        ("feed.xml", "application/rss+xml"),
        ("atom.xml", "application/atom+xml"),
        ("feed.json", "application/feed+json"),
    ] {
        let feed = parse_feed(&site, &format!("/topics/politics/{file}"), ct).await;
        let titles = entry_titles(&feed);
        assert_eq!(titles, ["Stories & links", "Old politics"], "{file}");
        assert_eq!(
            feed.title.map(|t| t.content),
            Some("Herald: Politics".to_owned()),
            "{file}"
        );
    }
    assert_eq!(site.get("/topics/nothing/feed.json").await.status(), 404);
}

/// The text of every `<name>` element in an XML document.
fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) => inside = e.name().as_ref() == name.as_bytes(),
            quick_xml::events::Event::Text(t) if inside => {
                out.push(t.unescape().expect("text").into_owned());
                inside = false;
            }
            quick_xml::events::Event::End(_) => inside = false,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn sitemap_lists_every_story_and_topic_with_lastmod() {
    let site = site_with_stories(FeedContent::Full).await;
    site.save(
        &story_json("a-draft", "A draft", &["Drafts"]),
        false,
        Utc::now(),
    )
    .await;
    let (status, xml) = site.text("/sitemap.xml").await;
    assert_eq!(status, 200);
    let locs = xml_texts(&xml, "loc");
    for path in [
        "/",
        "/topics",
        "/topics/politics",
        "/topics/world-news",
        "/topics/sport",
        "/stories/with-links",
        "/stories/sport-one",
        "/stories/old-politics",
    ] {
        assert!(
            locs.contains(&format!("{}{path}", site.base)),
            "{path} missing from {locs:?}"
        );
    }
    assert!(
        !locs
            .iter()
            .any(|l| l.contains("a-draft") || l.contains("drafts")),
        "{locs:?}"
    );
    let lastmods = xml_texts(&xml, "lastmod");
    assert_eq!(lastmods.len(), locs.len());
    for lastmod in lastmods {
        chrono::DateTime::parse_from_rfc3339(&lastmod).expect("W3C datetime");
    }
}

#[tokio::test]
async fn news_sitemap_holds_the_last_48_hours() {
    let site = site_with_stories(FeedContent::Full).await;
    let (status, xml) = site.text("/news-sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(xml.contains("xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\""));
    let locs = xml_texts(&xml, "loc");
    assert_eq!(
        locs,
        [
            format!("{}/stories/with-links", site.base),
            format!("{}/stories/sport-one", site.base)
        ]
    );
    assert_eq!(
        xml_texts(&xml, "news:title"),
        ["Stories & links", "Sport one"]
    );
    assert_eq!(xml_texts(&xml, "news:name"), ["Herald", "Herald"]);
    assert_eq!(xml_texts(&xml, "news:language"), ["en", "en"]);
}

#[tokio::test]
async fn rss_descriptions_carry_the_standfirst_as_escaped_text() {
    // A standfirst is plain text; RSS readers render <description> as
    // HTML, so the text must arrive escaped, never as markup.
    let site = TestSite::start().await;
    let hostile = "STAND </script><svg onload=alert(1)> & \"quoted\"";
    site.publish(
        &serde_json::json!({
            "slug": "hostile", "headline": "Hostile standfirst",
            "standfirst": hostile, "body_markdown": "Body.",
        })
        .to_string(),
    )
    .await;
    let (status, xml) = site.text("/feed.xml").await;
    assert_eq!(status, 200);
    assert!(!xml.contains("<svg"), "{xml}");
    assert!(
        xml.contains("STAND &lt;/script&gt;&lt;svg onload=alert(1)&gt; &amp; &quot;quoted&quot;"),
        "{xml}"
    );
}
