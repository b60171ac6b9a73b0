//! What search engines and social networks read on a story page: canonical
//! links, Open Graph and Twitter card tags, and the NewsArticle JSON-LD;
//! and a story's own search and social fields (`seo`), from the story JSON
//! of the admin API and `herald story add` to the page's head, kept in
//! revisions.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::accounts::{api_token, create_user};
use common::{TestSite, select_attr, select_text};
use herald::accounts::Role;
use serde_json::{Value, json};

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

/// A story with every search and social field set, and a featured image.
fn story_with_seo(slug: &str) -> serde_json::Value {
    serde_json::json!({
        "slug": slug,
        "headline": "Council approves the harbour plan after a long night",
        "standfirst": "The vote was 7 to 4.",
        "image": {"url": "https://img.example.org/harbour.jpg", "alt": "The harbour at dawn"},
        "topics": ["Politics"],
        "authors": ["Ana Reporter"],
        "body_markdown": "Text.",
        "seo": {
            "title": "Harbour plan approved: what changes",
            "description": "Seven councillors voted for the plan <at last>.",
            "image": "https://img.example.org/harbour-card.jpg",
        },
    })
}

/// The `content` of each element `selector` matches.
fn meta(html: &str, selector: &str) -> Vec<String> {
    select_attr(html, selector, "content")
}

fn json_ld(html: &str) -> serde_json::Value {
    let scripts = select_text(html, "script[type='application/ld+json']");
    assert_eq!(scripts.len(), 1, "one JSON-LD element");
    serde_json::from_str(&scripts[0]).expect("JSON-LD parses")
}

#[tokio::test]
async fn search_and_social_fields_change_the_head_not_the_page() {
    let site = TestSite::start().await;
    site.publish(&story_with_seo("harbour").to_string()).await;
    let (status, html) = site.text("/stories/harbour").await;
    assert_eq!(status, 200);

    assert_eq!(
        select_text(&html, "title"),
        ["Harbour plan approved: what changes"]
    );
    for selector in ["meta[property='og:title']", "meta[name='twitter:title']"] {
        assert_eq!(
            meta(&html, selector),
            ["Harbour plan approved: what changes"],
            "{selector}"
        );
    }
    for selector in [
        "meta[name=description]",
        "meta[property='og:description']",
        "meta[name='twitter:description']",
    ] {
        assert_eq!(
            meta(&html, selector),
            ["Seven councillors voted for the plan <at last>."],
            "{selector}"
        );
    }
    assert!(
        !html.contains("plan <at last>"),
        "the description is escaped in the HTML"
    );
    for selector in ["meta[property='og:image']", "meta[name='twitter:image']"] {
        assert_eq!(
            meta(&html, selector),
            ["https://img.example.org/harbour-card.jpg"],
            "{selector}"
        );
    }
    assert_eq!(
        meta(&html, "meta[property='og:image:alt']"),
        ["The harbour at dawn"],
        "the featured image's description stands in for the social image's"
    );
    assert_eq!(
        meta(&html, "meta[name='twitter:card']"),
        ["summary_large_image"]
    );

    let ld = json_ld(&html);
    assert_eq!(
        ld["headline"], "Council approves the harbour plan after a long night",
        "the JSON-LD headline is the visible headline"
    );
    assert_eq!(
        ld["description"],
        "Seven councillors voted for the plan <at last>."
    );
    assert_eq!(
        ld["image"],
        serde_json::json!([
            "https://img.example.org/harbour-card.jpg",
            "https://img.example.org/harbour.jpg"
        ])
    );

    // What a reader sees is the story as written.
    assert_eq!(
        select_text(&html, "h1"),
        ["Council approves the harbour plan after a long night"]
    );
    let page = select_text(&html, "main").join(" ");
    assert!(page.contains("The vote was 7 to 4."), "{page}");
    assert!(!page.contains("Harbour plan approved"), "{page}");
    assert!(!page.contains("Seven councillors"), "{page}");
}

#[tokio::test]
async fn without_search_fields_the_head_uses_the_headline_standfirst_and_image() {
    let site = TestSite::start().await;
    let mut story = story_with_seo("plain");
    story.as_object_mut().expect("object").remove("seo");
    site.publish(&story.to_string()).await;
    let (_, html) = site.text("/stories/plain").await;
    let headline = "Council approves the harbour plan after a long night";
    assert_eq!(
        select_text(&html, "title"),
        [format!("{headline} | Herald")]
    );
    assert_eq!(meta(&html, "meta[property='og:title']"), [headline]);
    assert_eq!(meta(&html, "meta[name='twitter:title']"), [headline]);
    assert_eq!(
        meta(&html, "meta[name=description]"),
        ["The vote was 7 to 4."]
    );
    assert_eq!(
        meta(&html, "meta[property='og:image']"),
        ["https://img.example.org/harbour.jpg"]
    );
    let ld = json_ld(&html);
    assert_eq!(ld["description"], "The vote was 7 to 4.");
    assert_eq!(
        ld["image"],
        serde_json::json!(["https://img.example.org/harbour.jpg"])
    );

    // A social image alone, on a story without a featured image: the
    // headline describes it, and the card is a large one.
    site.publish(
        &serde_json::json!({
            "slug": "card-only", "headline": "Card only", "body_markdown": "Text.",
            "seo": {"image": "https://img.example.org/card.png", "title": "", "description": ""},
        })
        .to_string(),
    )
    .await;
    let (_, html) = site.text("/stories/card-only").await;
    assert_eq!(select_text(&html, "title"), ["Card only | Herald"]);
    assert_eq!(
        meta(&html, "meta[property='og:image']"),
        ["https://img.example.org/card.png"]
    );
    assert_eq!(meta(&html, "meta[property='og:image:alt']"), ["Card only"]);
    assert_eq!(
        meta(&html, "meta[name='twitter:card']"),
        ["summary_large_image"]
    );
}

/// An API client of an editor of `site`.
struct Api {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Api {
    async fn editor(site: &TestSite) -> Api {
        create_user(site, "eda@example.org", Role::Editor).await;
        Api {
            base: site.base.clone(),
            token: api_token(site, "eda@example.org").await,
            client: reqwest::Client::new(),
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON"))
    }
}

#[tokio::test]
async fn the_admin_api_round_trips_seo_and_a_restore_brings_it_back() {
    let site = TestSite::start().await;
    let api = Api::editor(&site).await;
    let (status, created) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/admin/stories",
            Some(story_with_seo("api-harbour")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/api/v1/admin/stories/{}", created["id"]);
    let (status, loaded) = api.send(reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200, "{loaded}");
    assert_eq!(
        loaded["story"]["seo"],
        json!({
            "title": "Harbour plan approved: what changes",
            "description": "Seven councillors voted for the plan <at last>.",
            "image": "https://img.example.org/harbour-card.jpg",
        })
    );

    // An update without `seo` clears it; the story reads back with nulls.
    let mut update = loaded["story"].clone();
    update.as_object_mut().expect("object").remove("seo");
    update["version"] = loaded["version"].clone();
    let (status, body) = api.send(reqwest::Method::PUT, &path, Some(update)).await;
    assert_eq!(status, 200, "{body}");
    let (_, cleared) = api.send(reqwest::Method::GET, &path, None).await;
    assert_eq!(
        cleared["story"]["seo"],
        json!({"title": null, "description": null, "image": null})
    );

    // What GET answers is what PUT takes: sent back as it is, it saves.
    let mut again = cleared["story"].clone();
    again["version"] = cleared["version"].clone();
    let (status, body) = api.send(reqwest::Method::PUT, &path, Some(again)).await;
    assert_eq!(status, 200, "{body}");

    let (status, first) = api
        .send(reqwest::Method::GET, &format!("{path}/revisions/1"), None)
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["snapshot"]["seo"]["title"],
        "Harbour plan approved: what changes"
    );
    let (status, body) = api
        .send(
            reqwest::Method::POST,
            &format!("{path}/revisions/1/restore"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, restored) = api.send(reqwest::Method::GET, &path, None).await;
    assert_eq!(restored["story"]["seo"], loaded["story"]["seo"]);

    // Bad fields are refused by name, nothing stored.
    let mut bad = story_with_seo("api-bad");
    bad["seo"]["title"] = json!("x".repeat(121));
    let (status, body) = api
        .send(reqwest::Method::POST, "/api/v1/admin/stories", Some(bad))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "seo.title", "{body}");
    let mut bad = story_with_seo("api-bad");
    bad["seo"]["image"] = json!("/media/0123456789abcdef0123456789abcdef-640x480.jpg");
    let (status, body) = api
        .send(reqwest::Method::POST, "/api/v1/admin/stories", Some(bad))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "seo.image", "{body}");
    let mut bad = story_with_seo("api-bad");
    bad["seo"]["keywords"] = json!("harbour");
    let (status, body) = api
        .send(reqwest::Method::POST, "/api/v1/admin/stories", Some(bad))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["field"], "seo.keywords",
        "{body}"
    );
    assert!(
        site.store
            .story_by_slug("api-bad")
            .await
            .expect("store")
            .is_none()
    );
}

#[tokio::test]
async fn herald_story_add_takes_seo_in_the_story_json() {
    let site = TestSite::start().await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command.arg("--data").arg(site.data_path());
    if let Some(url) = &site.config.database_url {
        command.arg("--database-url").arg(url);
        command.env("HERALD_SECRET_KEY", common::TEST_SECRET_KEY);
    }
    let mut child = command
        .args(["story", "add", "-", "--publish"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(story_with_seo("cli-harbour").to_string().as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("herald exits");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = site
        .store
        .story_by_slug("cli-harbour")
        .await
        .expect("store")
        .expect("stored");
    assert_eq!(
        stored.seo.title.as_deref(),
        Some("Harbour plan approved: what changes")
    );
    let (status, html) = site.text("/stories/cli-harbour").await;
    assert_eq!(status, 200);
    assert_eq!(
        meta(&html, "meta[property='og:image']"),
        ["https://img.example.org/harbour-card.jpg"]
    );
}
