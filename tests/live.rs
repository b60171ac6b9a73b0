//! Live coverage over HTTP against the real server, on SQLite and, when
//! `TEST_DATABASE_URL` is set, PostgreSQL: entries posted, edited,
//! deleted and the coverage ended through the admin API, seen in order in
//! the public entries API and on the story's page; who may post; every
//! bad input refused with its code and nothing written.

mod common;

use common::api::Api;
use common::feeds::{entry_titles, parse_feed};
use common::live::{LiveApi, page_showing};
use common::{TestSite, select_attr, select_text};
use herald::accounts::Role;
use herald::store::EntryState;
use reqwest::Method;
use serde_json::{Value, json};

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// The public entries of `slug` after entry `after`.
async fn public_entries(site: &TestSite, slug: &str, after: Option<i64>) -> (u16, Value) {
    let query = after.map(|a| format!("?after={a}")).unwrap_or_default();
    let response = site
        .get(&format!("/api/v1/stories/{slug}/entries{query}"))
        .await;
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).expect("JSON"))
}

fn ids(entries: &Value) -> Vec<i64> {
    entries["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect()
}

/// Every entry stored for story `id`, whatever its state.
async fn stored(site: &TestSite, id: i64) -> usize {
    let mut count = 0;
    for state in [EntryState::Draft, EntryState::Posted, EntryState::Deleted] {
        count += site
            .store
            .live_entries(id, state, 0, 1000)
            .await
            .expect("store")
            .len();
    }
    count
}

#[tokio::test]
async fn entries_are_posted_edited_deleted_and_the_coverage_ended() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let id = editor.story("storm-live", true).await;

    let (status, story) = editor
        .send(Method::GET, &format!("/api/v1/admin/stories/{id}"), None)
        .await;
    assert_eq!(status, 200, "{story}");
    assert_eq!(story["story"]["live"], true);
    assert_eq!(story["live_ended_at"], Value::Null);

    let mut posted = Vec::new();
    for (n, key) in [(1, false), (2, true), (3, false)] {
        let (status, body) = editor
            .entry(
                id,
                json!({"title": format!("Update {n}"), "body_markdown": format!("Entry **{n}**."), "key_event": key}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["state"], "posted");
        assert!(body["published_at"].is_string(), "{body}");
        let entry_id = body["id"].as_i64().expect("id");
        assert!(
            body["url"]
                .as_str()
                .expect("url")
                .ends_with(&format!("/stories/storm-live#entry-{entry_id}")),
            "{body}"
        );
        posted.push(entry_id);
    }

    let (status, all) = public_entries(&site, "storm-live", None).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(ids(&all), posted, "ascending, every posted entry");
    assert_eq!(all["live"], true);
    assert_eq!(
        all["entries"][0]["body_html"],
        "<p>Entry <strong>1</strong>.</p>\n"
    );
    assert_eq!(all["entries"][1]["key_event"], true);
    assert_eq!(all["entries"][0]["author"], "eda");
    let (_, later) = public_entries(&site, "storm-live", Some(posted[0])).await;
    assert_eq!(ids(&later), posted[1..]);

    // An edit keeps the entry's place and first time; it changes what it says.
    let path = format!("/api/v1/admin/stories/{id}/entries/{}", posted[0]);
    let (status, edited) = editor
        .send(
            Method::PATCH,
            &path,
            Some(json!({"body_markdown": "Entry one, corrected.", "title": null})),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["title"], Value::Null);
    assert_eq!(edited["body_markdown"], "Entry one, corrected.");
    let (_, all) = public_entries(&site, "storm-live", None).await;
    assert_eq!(ids(&all), posted);
    assert_eq!(
        all["entries"][0]["body_html"],
        "<p>Entry one, corrected.</p>\n"
    );

    // A deleted entry leaves the site.
    let (status, deleted) = editor.send(Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["state"], "deleted");
    let (_, all) = public_entries(&site, "storm-live", None).await;
    assert_eq!(ids(&all), posted[1..]);

    // Ended: the entries stay, no more come.
    let end = format!("/api/v1/admin/stories/{id}/end-live");
    let (status, ended) = editor.send(Method::POST, &end, None).await;
    assert_eq!(status, 200, "{ended}");
    assert!(ended["live_ended_at"].is_string(), "{ended}");
    let (status, body) = editor
        .entry(id, json!({"body_markdown": "Too late."}))
        .await;
    assert_eq!((status, code(&body)), (409, "live_ended"), "{body}");
    let (status, body) = editor.send(Method::POST, &end, None).await;
    assert_eq!((status, code(&body)), (409, "live_ended"), "{body}");
    let (_, all) = public_entries(&site, "storm-live", None).await;
    assert_eq!(ids(&all), posted[1..]);
    assert!(all["coverage_ended_at"].is_string(), "{all}");
    let (_, story) = editor
        .send(Method::GET, &format!("/api/v1/admin/stories/{id}"), None)
        .await;
    assert_eq!(story["live_ended_at"], ended["live_ended_at"]);
}

#[tokio::test]
async fn contributors_draft_entries_and_editors_post_them() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let contributor = Api::for_user(&site, "cole@example.org", Role::Contributor).await;
    let id = editor.story("vote-live", true).await;

    let (status, draft) = contributor
        .entry(id, json!({"body_markdown": "Turnout is high."}))
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["state"], "draft");
    assert_eq!(draft["published_at"], Value::Null);
    let entry = draft["id"].as_i64().expect("id");
    let (_, all) = public_entries(&site, "vote-live", None).await;
    assert_eq!(ids(&all), Vec::<i64>::new(), "a draft is not on the site");

    // A contributor changes their draft, and may not post it.
    let path = format!("/api/v1/admin/stories/{id}/entries/{entry}");
    let (status, body) = contributor
        .send(
            Method::PATCH,
            &path,
            Some(json!({"body_markdown": "Turnout is very high."})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = contributor
        .send(Method::PATCH, &path, Some(json!({"post": true})))
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
    let (status, body) = contributor
        .send(
            Method::POST,
            &format!("/api/v1/admin/stories/{id}/end-live"),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");

    // The editor posts it.
    let (status, body) = editor
        .send(Method::PATCH, &path, Some(json!({"post": true})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "posted");
    assert_eq!(body["author"]["name"], "cole");
    let (_, all) = public_entries(&site, "vote-live", None).await;
    assert_eq!(ids(&all), vec![entry]);

    // Posted, it is no longer the contributor's to change.
    let (status, body) = contributor
        .send(Method::PATCH, &path, Some(json!({"key_event": true})))
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
    let (status, body) = contributor.send(Method::DELETE, &path, None).await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");

    // An editor may hold an entry back as a draft.
    let (status, body) = editor
        .entry(id, json!({"body_markdown": "Held.", "draft": true}))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["state"], "draft");
}

#[tokio::test]
async fn bad_input_is_refused_with_a_code_and_nothing_written() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let plain = editor.story("plain-story", false).await;
    let live = editor.story("live-story", true).await;

    let (status, body) = editor
        .entry(plain, json!({"body_markdown": "An entry."}))
        .await;
    assert_eq!((status, code(&body)), (409, "story_not_live"), "{body}");
    assert_eq!(stored(&site, plain).await, 0);

    for bad in ["", "  \n  ".to_owned().as_str(), &"x".repeat(50_001)] {
        let (status, body) = editor.entry(live, json!({"body_markdown": bad})).await;
        assert_eq!((status, code(&body)), (400, "invalid_entry"), "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "body_markdown");
    }
    let (status, body) = editor.entry(live, json!({"title": "No body"})).await;
    assert_eq!((status, code(&body)), (400, "invalid_json"), "{body}");
    let (status, body) = editor
        .entry(live, json!({"body_markdown": "x", "colour": "red"}))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_json"), "{body}");
    assert_eq!(stored(&site, live).await, 0);

    let (status, body) = editor
        .entry(live, json!({"body_markdown": "x".repeat(50_000)}))
        .await;
    assert_eq!(status, 201, "the limit itself is allowed: {body}");
    let entry = body["id"].as_i64().expect("id");
    let path = format!("/api/v1/admin/stories/{live}/entries/{entry}");
    let (status, body) = editor
        .send(Method::PATCH, &path, Some(json!({"body_markdown": ""})))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_entry"), "{body}");
    let (status, _) = editor.send(Method::DELETE, &path, None).await;
    assert_eq!(status, 200);
    let (status, body) = editor
        .send(
            Method::PATCH,
            &path,
            Some(json!({"body_markdown": "Back?"})),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "entry_deleted"), "{body}");
    let (status, body) = editor.send(Method::DELETE, &path, None).await;
    assert_eq!((status, code(&body)), (409, "entry_deleted"), "{body}");
    let stored_entry = site
        .store
        .live_entry(entry)
        .await
        .expect("store")
        .expect("kept");
    assert_eq!(stored_entry.state, EntryState::Deleted);
    assert_eq!(
        stored_entry.body_markdown.len(),
        50_000,
        "nothing half-written"
    );

    // An entry of another story, or none at all.
    let (status, body) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/admin/stories/{plain}/entries/{entry}"),
            Some(json!({"body_markdown": "x"})),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "story_not_live"), "{body}");
    for missing in ["999999", "abc"] {
        let (status, body) = editor
            .send(
                Method::PATCH,
                &format!("/api/v1/admin/stories/{live}/entries/{missing}"),
                Some(json!({"body_markdown": "x"})),
            )
            .await;
        assert_eq!((status, code(&body)), (404, "not_found"), "{body}");
    }

    // The public read.
    let (status, body) = public_entries(&site, "no-such-story", None).await;
    assert_eq!((status, code(&body)), (404, "not_found"), "{body}");
    for after in ["-1", "x", "1.5"] {
        let response = site
            .get(&format!("/api/v1/stories/live-story/entries?after={after}"))
            .await;
        assert_eq!(response.status().as_u16(), 400, "after={after}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(code(&body), "invalid_query");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_live_routes_and_codes() {
    let site = TestSite::start().await;
    let (status, body) = site.text("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    for (path, method) in [
        ("/api/v1/admin/stories/{id}/entries", "get"),
        ("/api/v1/admin/stories/{id}/entries", "post"),
        ("/api/v1/admin/stories/{id}/entries/{entry_id}", "patch"),
        ("/api/v1/admin/stories/{id}/entries/{entry_id}", "delete"),
        ("/api/v1/admin/stories/{id}/end-live", "post"),
        ("/api/v1/stories/{slug}/entries", "get"),
        ("/stories/{slug}/events", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    let codes =
        &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"];
    for code in [
        "story_not_live",
        "live_ended",
        "entry_deleted",
        "invalid_entry",
        "too_many_streams",
        "invalid_event_id",
    ] {
        assert!(
            codes.as_array().expect("codes").contains(&json!(code)),
            "{code} undocumented"
        );
    }
    assert!(doc["components"]["schemas"]["StoryInput"]["properties"]["live"].is_object());
}

fn json_ld(html: &str) -> Value {
    let scripts = select_text(html, "script[type=\"application/ld+json\"]");
    serde_json::from_str(scripts.first().expect("JSON-LD")).expect("JSON")
}

#[tokio::test]
async fn the_page_shows_the_entries_newest_first_with_key_events_and_the_end() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let id = editor.story("floods-live", true).await;
    let path = "/stories/floods-live";

    // Cached before any entry: the badge, no entries.
    let (status, html) = site.text(path).await;
    assert_eq!(status, 200);
    assert_eq!(select_text(&html, ".live-badge"), ["Live"]);
    assert!(select_text(&html, ".live-entry").is_empty());
    assert_eq!(json_ld(&html)["@type"], "LiveBlogPosting");

    let mut entries = Vec::new();
    for body in [
        json!({"title": "Rivers rise", "body_markdown": "The river is **rising**.", "key_event": true}),
        json!({"body_markdown": "Roads are closed in the valley."}),
        json!({"body_markdown": "Evacuation ordered for the old town.", "key_event": true}),
    ] {
        let (status, body) = editor.entry(id, body).await;
        assert_eq!(status, 201, "{body}");
        entries.push(body["id"].as_i64().expect("id"));
    }
    let html = page_showing(&site, path, "Evacuation ordered").await;
    let shown: Vec<String> = select_attr(&html, "article.live-entry", "id");
    let newest_first: Vec<String> = entries.iter().rev().map(|e| format!("entry-{e}")).collect();
    assert_eq!(shown, newest_first);
    assert_eq!(
        select_attr(&html, ".key-events a", "href"),
        [
            format!("#entry-{}", entries[2]),
            format!("#entry-{}", entries[0])
        ]
    );
    let labels = select_text(&html, ".key-events a");
    assert!(
        labels[0].ends_with("Evacuation ordered for the old town."),
        "{labels:?}"
    );
    assert!(labels[1].ends_with("Rivers rise"), "{labels:?}");
    assert_eq!(select_text(&html, ".entry-title"), ["Rivers rise"]);
    assert!(html.contains("The river is <strong>rising</strong>."));
    assert_eq!(select_text(&html, ".entry-author"), ["By eda"; 3]);
    assert_eq!(select_attr(&html, ".live-entry time", "datetime").len(), 3);

    let ld = json_ld(&html);
    assert_eq!(ld["@type"], "LiveBlogPosting");
    assert!(ld["coverageStartTime"].is_string(), "{ld}");
    assert_eq!(ld["coverageEndTime"], Value::Null);
    let updates = ld["liveBlogUpdate"].as_array().expect("updates");
    assert_eq!(updates.len(), 3);
    assert_eq!(updates[0]["@type"], "BlogPosting");
    assert!(
        updates[0]["url"]
            .as_str()
            .expect("url")
            .ends_with(&format!("/stories/floods-live#entry-{}", entries[2])),
        "{ld}"
    );
    assert_eq!(updates[2]["headline"], "Rivers rise");

    // A deleted entry leaves the page.
    let (status, _) = editor
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/stories/{id}/entries/{}", entries[1]),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = editor
        .send(
            Method::POST,
            &format!("/api/v1/admin/stories/{id}/end-live"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let html = page_showing(&site, path, "Coverage ended at").await;
    assert!(select_text(&html, ".live-badge").is_empty());
    assert_eq!(select_attr(&html, ".live-ended time", "datetime").len(), 1);
    assert_eq!(select_attr(&html, "article.live-entry", "id").len(), 2);
    assert!(json_ld(&html)["coverageEndTime"].is_string());
}

#[tokio::test]
async fn a_story_that_is_not_live_keeps_its_page() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    editor.story("quiet-story", false).await;
    let (status, html) = site.text("/stories/quiet-story").await;
    assert_eq!(status, 200);
    assert!(select_text(&html, ".live-status").is_empty());
    assert!(select_text(&html, ".key-events").is_empty());
    assert_eq!(json_ld(&html)["@type"], "NewsArticle");
    let (status, body) = public_entries(&site, "quiet-story", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["live"], false);
    assert_eq!(ids(&body), Vec::<i64>::new());
}

#[tokio::test]
async fn a_live_story_has_feeds_of_its_entries_newest_first() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let id = editor.story("summit-live", true).await;
    editor.story("summit-report", false).await;
    let mut entries = Vec::new();
    for body in [
        json!({"title": "Leaders arrive", "body_markdown": "The first leaders & aides arrive."}),
        json!({"body_markdown": "Talks begin behind [closed doors](/topics/politics)."}),
    ] {
        let (status, body) = editor.entry(id, body).await;
        assert_eq!(status, 201, "{body}");
        entries.push(body["id"].as_i64().expect("id"));
    }
    for (file, ct) in [
        ("feed.xml", "application/rss+xml"),
        ("atom.xml", "application/atom+xml"),
        ("feed.json", "application/feed+json"),
    ] {
        let path = format!("/stories/summit-live/{file}");
        let feed = parse_feed(&site, &path, ct).await;
        assert_eq!(
            feed.title.as_ref().map(|t| t.content.as_str()),
            Some("Herald: Headline of summit-live"),
            "{path}"
        );
        let links: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.links.first().map(|l| l.href.clone()).unwrap_or_default())
            .collect();
        let wanted: Vec<String> = entries
            .iter()
            .rev()
            .map(|e| format!("{}/stories/summit-live#entry-{e}", site.base))
            .collect();
        assert_eq!(links, wanted, "{path}");
        let titles = entry_titles(&feed);
        assert_eq!(
            titles,
            ["Talks begin behind closed doors", "Leaders arrive"],
            "{path}"
        );
    }
    // The page advertises them; a story that is not live, none of its own.
    let (_, html) = site.text("/stories/summit-live").await;
    let alternates = select_attr(&html, "link[rel=alternate]", "href");
    for file in ["feed.xml", "atom.xml", "feed.json"] {
        assert!(
            alternates.contains(&format!("/stories/summit-live/{file}")),
            "{alternates:?}"
        );
    }
    let (_, html) = site.text("/stories/summit-report").await;
    let alternates = select_attr(&html, "link[rel=alternate]", "href");
    assert!(
        alternates.iter().all(|href| !href.starts_with("/stories/")),
        "{alternates:?}"
    );
    for missing in [
        "/stories/summit-report/feed.xml",
        "/stories/no-such-story/atom.xml",
        "/stories/Not%20A%20Slug/feed.json",
    ] {
        assert_eq!(site.get(missing).await.status(), 404, "{missing}");
    }
}

#[tokio::test]
async fn the_editor_and_the_import_json_mark_a_story_live() {
    let site = common::editor::politics_site().await;
    let editor = common::accounts::login_as(&site, Role::Editor).await;
    let id = common::editor::create_draft(&editor, "Election night", "Polls close.").await;
    let (status, html) = editor.text(&format!("/newsroom/stories/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(select_attr(&html, "input#live", "checked").len(), 0);

    // Ticked: live; saved again unticked: not.
    for (ticked, live) in [(true, true), (false, false)] {
        let version = common::editor::version_of(&editor, id).await;
        let mut fields = common::editor::story_fields("Election night", "Polls close.");
        fields.extend([("action", "save"), ("version", version.as_str())]);
        if ticked {
            fields.push(("live", "on"));
        }
        let response = editor
            .post_form(&format!("/newsroom/stories/{id}"), &fields)
            .await;
        assert_eq!(response.status(), 303);
        let story = site
            .store
            .stories_by_ids(&[id])
            .await
            .expect("store")
            .pop()
            .expect("story");
        assert_eq!(story.live, live);
        let (_, html) = editor.text(&format!("/newsroom/stories/{id}")).await;
        assert_eq!(
            select_attr(&html, "input#live", "checked").len(),
            usize::from(live)
        );
    }

    // `herald story add`'s path: the import JSON's "live".
    let mut story: Value =
        serde_json::from_str(&common::story_json("imported-live", "Imported", &[])).expect("json");
    story["live"] = json!(true);
    site.publish(&story.to_string()).await;
    let (status, body) = public_entries(&site, "imported-live", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["live"], true);
}

#[tokio::test]
async fn the_demo_has_a_live_story_with_key_events() {
    let site = TestSite::start().await;
    herald::demo::seed(&site.store, chrono::Utc::now())
        .await
        .expect("seeded");
    let (status, html) = site
        .text("/stories/ashwater-bursts-banks-wrenford-evacuated")
        .await;
    assert_eq!(status, 200);
    assert_eq!(select_text(&html, ".live-badge"), ["Live"]);
    assert_eq!(select_attr(&html, "article.live-entry", "id").len(), 5);
    let key_events = select_text(&html, ".key-events a");
    assert_eq!(key_events.len(), 2, "{key_events:?}");
    assert!(key_events[0].ends_with(" River level starts to fall"));
    assert!(key_events[1].ends_with(" Red warning stays in place"));
    assert_eq!(
        select_text(&html, ".entry-author")
            .last()
            .map(String::as_str),
        Some("By Declan Ashby")
    );
}

#[tokio::test]
async fn the_store_writes_no_entry_once_the_coverage_has_ended() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let live = editor.story("ended-live", true).await;
    let plain = editor.story("never-live", false).await;
    let (status, _) = editor
        .send(
            Method::POST,
            &format!("/api/v1/admin/stories/{live}/end-live"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let author = herald::store::EntryAuthor {
        user_id: None,
        name: "Ana".to_owned(),
    };
    let write = herald::store::EntryWrite {
        title: None,
        body_markdown: "Late.".to_owned(),
        key_event: false,
        breaking: false,
        state: EntryState::Posted,
    };
    for id in [live, plain] {
        let refused = site
            .store
            .insert_live_entry(id, &author, &write, false, chrono::Utc::now())
            .await;
        assert!(
            matches!(
                refused,
                Err(herald::store::StoreError::Conflict(
                    herald::store::Conflict::LiveCoverageClosed(_)
                ))
            ),
            "{refused:?}"
        );
        assert_eq!(stored(&site, id).await, 0);
    }
}

#[tokio::test]
async fn the_live_desk_lists_drafts_and_posted_entries_newest_first() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "desk@example.org", Role::Editor).await;
    let cole = Api::for_user(&site, "cole@example.org", Role::Contributor).await;
    let dana = Api::for_user(&site, "dana@example.org", Role::Contributor).await;
    let id = editor.story("desk-live", true).await;
    let mut written = Vec::new();
    for (who, body) in [
        (&editor, json!({"body_markdown": "First posted."})),
        (&cole, json!({"body_markdown": "Cole's draft."})),
        (&editor, json!({"body_markdown": "Gone soon."})),
        (&dana, json!({"body_markdown": "Dana's draft."})),
        (
            &editor,
            json!({"body_markdown": "Held back.", "draft": true}),
        ),
    ] {
        let (status, body) = who.entry(id, body).await;
        assert_eq!(status, 201, "{body}");
        written.push(body["id"].as_i64().expect("id"));
    }
    let gone = written[2];
    let (status, body) = editor
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/stories/{id}/entries/{gone}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let list = format!("/api/v1/admin/stories/{id}/entries");
    let listed = |body: &Value| -> Vec<(i64, String)> {
        body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["id"].as_i64().expect("id"),
                    e["state"].as_str().expect("state").to_owned(),
                )
            })
            .collect()
    };
    let (status, body) = editor.send(Method::GET, &list, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["story"]["id"], id);
    assert_eq!(body["story"]["live_ended_at"], Value::Null);
    let (first, cole_draft, dana_draft, held) = (written[0], written[1], written[3], written[4]);
    assert_eq!(
        listed(&body),
        [
            (held, "draft".to_owned()),
            (dana_draft, "draft".to_owned()),
            (cole_draft, "draft".to_owned()),
            (first, "posted".to_owned()),
        ],
        "newest first, drafts included, the deleted one left out"
    );
    // A contributor sees what is posted and their own drafts.
    let (status, body) = cole.send(Method::GET, &list, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        listed(&body),
        [
            (cole_draft, "draft".to_owned()),
            (first, "posted".to_owned())
        ]
    );

    // After the end, the list is still there, and says so.
    let (status, _) = editor
        .send(
            Method::POST,
            &format!("/api/v1/admin/stories/{id}/end-live"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = editor.send(Method::GET, &list, None).await;
    assert!(body["story"]["live_ended_at"].is_string(), "{body}");

    // Not live, unknown, no token.
    let plain = editor.story("desk-plain", false).await;
    let (status, body) = editor
        .send(
            Method::GET,
            &format!("/api/v1/admin/stories/{plain}/entries"),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (409, "story_not_live"), "{body}");
    let (status, body) = editor
        .send(Method::GET, "/api/v1/admin/stories/999999/entries", None)
        .await;
    assert_eq!(status, 404, "{body}");
    let response = site.get(&list).await;
    assert_eq!(response.status(), 401);
}
