//! What search engines and social networks read on a story page: canonical
//! links, Open Graph and Twitter card tags, and the NewsArticle JSON-LD.

mod common;

use common::{TestSite, select_attr, select_text};

#[tokio::test]
async fn story_page_carries_news_article_json_ld_and_social_tags() {
    let site = TestSite::start().await;
    site.publish(
        &serde_json::json!({
            "slug": "summit-ends",
            "headline": "Summit ends with a </script> deal",
            "standfirst": "Leaders agree on river rights.",
            "image": {"url": "https://img.example.org/summit.jpg", "alt": "Leaders at a table", "credit": "Pool"},
            "topics": ["World News", "Politics"],
            "authors": ["Ana Reporter"],
            "body_markdown": "Text.",
        })
        .to_string(),
    )
    .await;
    let (_, html) = site.text("/stories/summit-ends").await;
    let url = format!("{}/stories/summit-ends", site.base);
    assert_eq!(
        select_attr(&html, "link[rel=canonical]", "href"),
        [url.as_str()]
    );
    let meta = |selector: &str| select_attr(&html, selector, "content");
    assert_eq!(meta("meta[property='og:type']"), ["article"]);
    assert_eq!(
        meta("meta[property='og:title']"),
        ["Summit ends with a </script> deal"]
    );
    assert_eq!(meta("meta[property='og:url']"), [url.as_str()]);
    assert_eq!(
        meta("meta[property='og:image']"),
        ["https://img.example.org/summit.jpg"]
    );
    assert_eq!(
        meta("meta[property='og:description']"),
        ["Leaders agree on river rights."]
    );
    assert_eq!(meta("meta[name='twitter:card']"), ["summary_large_image"]);
    assert_eq!(
        meta("meta[property='article:section']"),
        ["World News", "Politics"]
    );

    let scripts = select_text(&html, "script[type='application/ld+json']");
    assert_eq!(scripts.len(), 1);
    let ld: serde_json::Value = serde_json::from_str(&scripts[0]).expect("JSON-LD parses");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], "Summit ends with a </script> deal");
    assert_eq!(ld["description"], "Leaders agree on river rights.");
    assert_eq!(ld["image"][0], "https://img.example.org/summit.jpg");
    assert_eq!(ld["author"][0]["name"], "Ana Reporter");
    assert_eq!(ld["publisher"]["name"], "Herald");
    assert_eq!(
        ld["publisher"]["logo"]["url"],
        format!("{}/logo.svg", site.base)
    );
    assert_eq!(ld["mainEntityOfPage"]["@id"], url);
    assert_eq!(
        ld["articleSection"],
        serde_json::json!(["World News", "Politics"])
    );
    let published =
        chrono::DateTime::parse_from_rfc3339(ld["datePublished"].as_str().expect("str"));
    let modified = chrono::DateTime::parse_from_rfc3339(ld["dateModified"].as_str().expect("str"));
    assert!(published.is_ok() && modified.is_ok());
    // The headline's "</script>" did not end the JSON-LD element early.
    assert!(
        !html.contains("a </script> deal\""),
        "raw closing tag inside the script element"
    );
}

#[tokio::test]
async fn list_pages_have_canonical_links_and_feed_alternates() {
    let site = TestSite::start_with(|c| c.site.page_size = 1).await;
    site.publish(&common::story_json("one", "One", &["Politics"]))
        .await;
    site.publish(&common::story_json("two", "Two", &["Politics"]))
        .await;
    let (_, home2) = site.text("/?page=2").await;
    assert_eq!(
        select_attr(&home2, "link[rel=canonical]", "href"),
        [format!("{}/?page=2", site.base)]
    );
    let (_, topic) = site.text("/topics/politics").await;
    let alternates = select_attr(&topic, "link[rel=alternate]", "href");
    assert!(
        alternates.contains(&"/feed.xml".to_owned()),
        "{alternates:?}"
    );
    assert!(
        alternates.contains(&"/topics/politics/atom.xml".to_owned()),
        "{alternates:?}"
    );
}
