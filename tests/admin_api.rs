//! The newsroom's JSON API (`/api/v1/admin/stories`, `/api/v1/admin/topics`,
//! `/api/v1/admin/preview`) over HTTP against the real server, with real
//! accounts, tokens and sessions: every permission boundary, lost updates,
//! bad input, and what publishing and unpublishing do to the site. Every
//! test runs on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod common;

use common::accounts::{LoggedIn, login_as};
use common::api::{Api, answer};
use common::{TestSite, assert_no_active_content, select_text};
use herald::accounts::Role;
use reqwest::Method;
use serde_json::{Value, json};

/// The admin API calls these tests make most.
trait AdminApi {
    async fn get(&self, path: &str) -> (u16, Value);
    async fn post(&self, path: &str, body: Value) -> (u16, Value);
    async fn put(&self, path: &str, body: Value) -> (u16, Value);
    /// Creates a draft; returns its id.
    async fn draft(&self, slug: &str, topics: &[&str]) -> i64;
}

impl AdminApi for Api {
    async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.request(Method::GET, path)).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.request(Method::POST, path).json(&body)).await
    }

    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.request(Method::PUT, path).json(&body)).await
    }

    async fn draft(&self, slug: &str, topics: &[&str]) -> i64 {
        let (status, body) = self
            .post("/api/v1/admin/stories", story(slug, topics))
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_i64().expect("id")
    }
}

fn story(slug: &str, topics: &[&str]) -> Value {
    json!({
        "slug": slug,
        "headline": format!("Headline of {slug}"),
        "standfirst": "A standfirst.",
        "body_markdown": "A paragraph.\n\nAnother.",
        "topics": topics,
        "authors": ["Ana Reporter"],
    })
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// An editor and a contributor with tokens, and an existing topic.
async fn newsroom(site: &TestSite) -> (Api, Api) {
    let editor = Api::for_user(site, "eda@example.org", Role::Editor).await;
    let contributor = Api::for_user(site, "cole@example.org", Role::Contributor).await;
    let (status, body) = editor
        .post("/api/v1/admin/topics", json!({"name": "Politics"}))
        .await;
    assert_eq!(status, 201, "{body}");
    (editor, contributor)
}

#[tokio::test]
async fn every_admin_route_needs_a_user() {
    let site = TestSite::start().await;
    let client = reqwest::Client::new();
    for (method, path) in [
        (Method::GET, "/api/v1/admin/stories"),
        (Method::POST, "/api/v1/admin/stories"),
        (Method::GET, "/api/v1/admin/stories/1"),
        (Method::POST, "/api/v1/admin/stories/1/publish"),
        (Method::GET, "/api/v1/admin/stories/1/push-stats"),
        (Method::POST, "/api/v1/admin/preview"),
        (Method::GET, "/api/v1/admin/topics"),
    ] {
        let (status, body) = answer(
            client
                .request(method.clone(), format!("{}{path}", site.base))
                .json(&json!({})),
        )
        .await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        assert_eq!(code(&body), "unauthenticated");
    }
}

#[tokio::test]
async fn a_contributor_writes_drafts_but_cannot_publish_push_or_create_topics() {
    let site = TestSite::start().await;
    let (editor, contributor) = newsroom(&site).await;
    let own = contributor.draft("own", &["Politics"]).await;
    let theirs = editor.draft("theirs", &[]).await;

    let refusals = [
        contributor
            .post(&format!("/api/v1/admin/stories/{own}/publish"), json!({}))
            .await,
        contributor
            .post(
                &format!("/api/v1/admin/stories/{own}/publish"),
                json!({"push": {"send": true, "title": "Read this", "breaking": true}}),
            )
            .await,
        contributor
            .post(
                &format!("/api/v1/admin/stories/{own}/schedule"),
                json!({"at": "2030-01-01T08:00:00Z"}),
            )
            .await,
        contributor
            .put(
                &format!("/api/v1/admin/stories/{own}/correction"),
                json!({"text": "Oops"}),
            )
            .await,
        contributor
            .post("/api/v1/admin/topics", json!({"name": "Gardening"}))
            .await,
        contributor
            .put("/api/v1/admin/topics/politics", json!({"name": "Policy"}))
            .await,
    ];
    for (status, body) in &refusals[..5] {
        assert_eq!(*status, 403, "{body}");
        assert_eq!(code(body), "forbidden", "{body}");
    }
    assert_eq!(refusals[5].0, 405, "topics are changed with PATCH");

    // A story naming a new topic.
    let (status, body) = contributor
        .post(
            "/api/v1/admin/stories",
            story("gardens", &["Politics", "Gardening"]),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "topic_creation_forbidden"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Gardening")
    );

    // Another's draft is not to be seen or changed.
    let (status, body) = contributor
        .put(
            &format!("/api/v1/admin/stories/{theirs}"),
            json!({"headline": "Mine now", "body_markdown": "x", "version": 1}),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "not_found"), "{body}");

    // Nothing changed: the draft is a draft, without a job.
    let (_, loaded) = editor.get(&format!("/api/v1/admin/stories/{own}")).await;
    assert_eq!(loaded["status"], "draft");
    assert_eq!(loaded["version"], 1);
    let (_, stats) = editor
        .get(&format!("/api/v1/admin/stories/{own}/push-stats"))
        .await;
    assert_eq!(stats["jobs"], json!([]), "{stats}");

    // Once published, the contributor can neither change nor unpublish it.
    let (status, published) = editor
        .post(&format!("/api/v1/admin/stories/{own}/publish"), json!({}))
        .await;
    assert_eq!(status, 200, "{published}");
    let (status, body) = contributor
        .post(&format!("/api/v1/admin/stories/{own}/unpublish"), json!({}))
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let mut edit = story("own", &["Politics"]);
    edit["version"] = published["version"].clone();
    let (status, body) = contributor
        .put(&format!("/api/v1/admin/stories/{own}"), edit)
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
}

#[tokio::test]
async fn a_token_can_do_no_more_than_its_user() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let first = editor.draft("first", &[]).await;
    let second = editor.draft("second", &[]).await;
    let (status, _) = editor
        .post(&format!("/api/v1/admin/stories/{first}/publish"), json!({}))
        .await;
    assert_eq!(status, 200, "an editor's token publishes");

    // The same token, once its user is a contributor, cannot.
    let user = site
        .store
        .user_by_email("eda@example.org")
        .await
        .expect("store")
        .expect("user");
    site.store
        .set_user_role(user.id, Role::Contributor)
        .await
        .expect("demoted");
    let (status, body) = editor
        .post(
            &format!("/api/v1/admin/stories/{second}/publish"),
            json!({}),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
}

#[tokio::test]
async fn a_session_changes_stories_only_with_its_csrf_header() {
    let site = TestSite::start().await;
    let ed: LoggedIn = login_as(&site, Role::Editor).await;
    let without = ed
        .client
        .post(ed.url("/api/v1/admin/stories"))
        .json(&story("no-csrf", &[]))
        .send()
        .await
        .expect("request");
    assert_eq!(without.status().as_u16(), 403);
    let (status, body) = answer(
        ed.api(Method::POST, "/api/v1/admin/stories")
            .json(&story("with-csrf", &[])),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, list) = answer(ed.api(Method::GET, "/api/v1/admin/stories")).await;
    assert_eq!(status, 200);
    let slugs: Vec<&str> = list["stories"]
        .as_array()
        .expect("stories")
        .iter()
        .filter_map(|s| s["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["with-csrf"]);
}

#[tokio::test]
async fn creating_answers_201_with_the_story_and_loading_gives_its_version() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let response = editor
        .request(Method::POST, "/api/v1/admin/stories")
        .json(&story("fresh", &["Politics"]))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let created: Value = response.json().await.expect("json");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(location, format!("/api/v1/admin/stories/{id}"));
    assert_eq!(created["url"], format!("{}/stories/fresh", site.base));
    assert_eq!(created["version"], 1);
    assert_eq!(created["status"], "draft");

    let (status, loaded) = editor.get(&location).await;
    assert_eq!(status, 200, "{loaded}");
    assert_eq!(loaded["owner"]["name"], "eda");
    assert_eq!(loaded["revision_count"], 1);
    assert_eq!(loaded["correction"], Value::Null);
    assert_eq!(
        loaded["story"],
        json!({
            "headline": "Headline of fresh",
            "slug": "fresh",
            "standfirst": "A standfirst.",
            "body_markdown": "A paragraph.\n\nAnother.",
            "image": null,
            "topics": ["Politics"],
            "authors": ["Ana Reporter"],
            "call_to_action": null,
            "seo": {"title": null, "description": null, "image": null},
            "live": false,
        })
    );
    // What was loaded goes back as it is, with its version.
    let mut update = loaded["story"].clone();
    update["headline"] = json!("A better headline");
    update["version"] = loaded["version"].clone();
    let (status, saved) = editor.put(&location, update).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 2);

    let (status, body) = editor.get("/api/v1/admin/stories/999999").await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, _) = editor.get("/api/v1/admin/stories/abc").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_second_of_two_concurrent_saves_gets_409_and_is_not_stored() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let other = Api::for_user(&site, "bea@example.org", Role::Editor).await;
    let id = editor.draft("shared", &[]).await;
    let path = format!("/api/v1/admin/stories/{id}");

    let (_, mine) = editor.get(&path).await;
    let (_, theirs) = other.get(&path).await;
    let edit = |loaded: &Value, headline: &str| {
        let mut body = loaded["story"].clone();
        body["headline"] = json!(headline);
        body["version"] = loaded["version"].clone();
        body
    };
    let (status, _) = other.put(&path, edit(&theirs, "Bea's headline")).await;
    assert_eq!(status, 200);
    let (status, body) = editor.put(&path, edit(&mine, "Eda's headline")).await;
    assert_eq!((status, code(&body)), (409, "edit_conflict"), "{body}");
    assert_eq!(body["error"]["conflict"]["saved_by"], "bea");
    assert_eq!(body["error"]["conflict"]["current_version"], 2);
    assert!(body["error"]["conflict"]["saved_at"].is_string());
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("bea")
    );

    let (_, now) = editor.get(&path).await;
    assert_eq!(now["story"]["headline"], "Bea's headline");
    assert_eq!(now["version"], 2);
    assert_eq!(now["revision_count"], 2);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let id = editor.draft("input", &[]).await;
    let path = format!("/api/v1/admin/stories/{id}");

    // Wrong types and unknown fields: invalid_json, naming the field.
    let (status, body) = editor
        .post(
            "/api/v1/admin/stories",
            json!({"headline": 3, "body_markdown": "x"}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_json"), "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "headline");
    let (status, body) = editor
        .put(
            &path,
            json!({"headline": "H", "body_markdown": "x", "version": 1, "image": {"alt": 5}}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_json"), "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "image.alt");
    let (status, body) = editor
        .put(&path, json!({"headline": "H", "body_markdown": "x"}))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_json"), "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "version");
    let (status, body) = answer(
        editor
            .request(Method::POST, "/api/v1/admin/stories")
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "invalid_json"), "{body}");

    // Bad values: invalid_story, every field at once.
    let (status, body) = editor
        .post(
            "/api/v1/admin/stories",
            json!({
                "headline": " ",
                "body_markdown": "x",
                "slug": "Not A Slug",
                "call_to_action": {"text": "Go", "url": "javascript:alert(1)"},
            }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_story"), "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["headline", "slug", "call_to_action.url"]);

    // An image of the body without alt text, named on body_markdown; a
    // described or decorative one is fine.
    let (status, body) = editor
        .post(
            "/api/v1/admin/stories",
            json!({"headline": "Pictures", "body_markdown": "Text.\n\n![](/media/river.jpg)"}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_story"), "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "body_markdown");
    let message = body["error"]["fields"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("the image \"/media/river.jpg\" has no text"),
        "{body}"
    );
    let (status, body) = editor
        .put(
            &path,
            json!({"headline": "H", "body_markdown": "<img src=\"/a.png\">", "version": 1}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_story"), "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "body_markdown");
    let (status, body) = editor
        .post(
            "/api/v1/admin/stories",
            json!({"headline": "Pictures", "body_markdown":
                "![The river in flood](/media/river.jpg)\n\n<img src=\"/rule.png\" alt=\"\">"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // Duplicate slugs.
    let (status, body) = editor
        .post("/api/v1/admin/stories", story("input", &[]))
        .await;
    assert_eq!((status, code(&body)), (409, "slug_taken"), "{body}");

    // Absurd dates.
    for at in [
        "1999-12-31T23:59:59Z",
        "2001-01-01T00:00:00Z",
        "9999-01-01T00:00:00Z",
        "tomorrow",
    ] {
        let (status, body) = editor
            .post(&format!("{path}/schedule"), json!({"at": at}))
            .await;
        assert_eq!((status, code(&body)), (400, "bad_schedule"), "{at}: {body}");
    }
    let (_, loaded) = editor.get(&path).await;
    assert_eq!(
        (loaded["status"].as_str(), loaded["version"].as_i64()),
        (Some("draft"), Some(1))
    );

    // Too big a body.
    let huge = "x".repeat(300 * 1024);
    let (status, body) = editor
        .post(
            "/api/v1/admin/stories",
            json!({"headline": "Huge", "body_markdown": huge}),
        )
        .await;
    assert_eq!((status, code(&body)), (413, "body_too_large"), "{body}");
    // A long body within the limit is fine.
    let long = "Word ".repeat(30_000);
    let (status, body) = editor
        .post(
            "/api/v1/admin/stories",
            json!({"headline": "Long", "body_markdown": long}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn hostile_html_never_comes_back_active() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let hostile = "Hello <script>alert(1)</script>\n\n<img src=x alt=x onerror=\"alert(1)\">\n\n\
                   [click](javascript:alert(1))\n\n<iframe src=\"https://evil.example\"></iframe>\n\n\
                   <a href=\"#\" onclick=\"steal()\" style=\"color:red\">styled</a>";
    let (status, body) = editor
        .post("/api/v1/admin/preview", json!({"body_markdown": hostile}))
        .await;
    assert_eq!(status, 200, "{body}");
    let html = body["html"].as_str().expect("html");
    assert_no_active_content(&format!("<html><body>{html}</body></html>"));
    assert!(html.contains("Hello"), "{html}");

    let (status, created) = editor
        .post(
            "/api/v1/admin/stories",
            json!({"slug": "hostile", "headline": "<script>alert(1)</script>", "body_markdown": hostile}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    editor
        .post(&format!("/api/v1/admin/stories/{id}/publish"), json!({}))
        .await;
    let (status, page) = site.text("/stories/hostile").await;
    assert_eq!(status, 200);
    assert_no_active_content(&page);
    assert_eq!(select_text(&page, "h1"), ["<script>alert(1)</script>"]);
}

#[tokio::test]
async fn publishing_writes_one_job_with_the_push_options() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let id = editor.draft("news", &["Politics"]).await;
    let (status, body) = editor
        .post(
            &format!("/api/v1/admin/stories/{id}/publish"),
            json!({"push": {"send": true, "title": "Big news", "body": "Read it", "breaking": true}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "published");
    assert_eq!(body["url"], format!("{}/stories/news", site.base));
    let (status, stats) = editor
        .get(&format!("/api/v1/admin/stories/{id}/push-stats"))
        .await;
    assert_eq!(status, 200, "{stats}");
    let jobs = stats["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 1, "{stats}");
    assert_eq!(jobs[0]["breaking"], true);
    let (status, body) = editor
        .post(&format!("/api/v1/admin/stories/{id}/publish"), json!({}))
        .await;
    assert_eq!((status, code(&body)), (409, "already_published"));
    let (status, body) = editor
        .post(
            &format!("/api/v1/admin/stories/{id}/publish"),
            json!({"push": {"sound": true}}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_json"), "{body}");

    // An update after publishing sets "Updated" and sends nothing.
    let (_, loaded) = editor.get(&format!("/api/v1/admin/stories/{id}")).await;
    let mut update = loaded["story"].clone();
    update["body_markdown"] = json!("A corrected paragraph.");
    update["version"] = loaded["version"].clone();
    let (status, _) = editor
        .put(&format!("/api/v1/admin/stories/{id}"), update)
        .await;
    assert_eq!(status, 200);
    let (_, stats) = editor
        .get(&format!("/api/v1/admin/stories/{id}/push-stats"))
        .await;
    assert_eq!(stats["jobs"].as_array().map(Vec::len), Some(1));
    let (_, loaded) = editor.get(&format!("/api/v1/admin/stories/{id}")).await;
    assert!(loaded["updated_at"].is_string(), "{loaded}");
}

#[tokio::test]
async fn a_scheduled_story_stays_off_the_site_until_its_time() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let id = editor.draft("tomorrow", &[]).await;
    let at = (chrono::Utc::now() + chrono::Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, body) = editor
        .post(
            &format!("/api/v1/admin/stories/{id}/schedule"),
            json!({"at": at}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "scheduled");
    let (_, loaded) = editor.get(&format!("/api/v1/admin/stories/{id}")).await;
    assert_eq!(loaded["published_at"], at);
    assert_eq!(site.text("/stories/tomorrow").await.0, 404);
    let (_, list) = editor.get("/api/v1/admin/stories?status=scheduled").await;
    assert_eq!(list["total"], 1, "{list}");
    let (_, stats) = editor
        .get(&format!("/api/v1/admin/stories/{id}/push-stats"))
        .await;
    assert_eq!(stats["jobs"][0]["state"], "pending");
}

#[tokio::test]
async fn unpublishing_removes_the_story_and_cancels_its_notification() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let id = editor.draft("gone", &["Politics"]).await;
    editor
        .post(&format!("/api/v1/admin/stories/{id}/publish"), json!({}))
        .await;
    assert_eq!(site.text("/stories/gone").await.0, 200);
    let (_, feed) = site.text("/feed.xml").await;
    assert!(feed.contains("/stories/gone"), "{feed}");

    let (status, body) = editor
        .post(&format!("/api/v1/admin/stories/{id}/unpublish"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "draft");
    site.settle().await;
    assert_eq!(site.text("/stories/gone").await.0, 404);
    let (_, feed) = site.text("/feed.xml").await;
    assert!(!feed.contains("/stories/gone"), "{feed}");
    let (_, topic_feed) = site.text("/topics/politics/feed.xml").await;
    assert!(!topic_feed.contains("/stories/gone"), "{topic_feed}");
    let (_, stats) = editor
        .get(&format!("/api/v1/admin/stories/{id}/push-stats"))
        .await;
    assert_eq!(stats["jobs"][0]["state"], "cancelled", "{stats}");
    let (status, body) = editor
        .post(&format!("/api/v1/admin/stories/{id}/unpublish"), json!({}))
        .await;
    assert_eq!((status, code(&body)), (409, "not_published"));
}

#[tokio::test]
async fn revisions_diff_and_restore_over_http() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let id = editor.draft("history", &[]).await;
    let path = format!("/api/v1/admin/stories/{id}");
    let (_, loaded) = editor.get(&path).await;
    let mut update = loaded["story"].clone();
    update["body_markdown"] = json!("A paragraph.\n\nA rewritten ending.");
    update["version"] = loaded["version"].clone();
    assert_eq!(editor.put(&path, update).await.0, 200);

    let (status, list) = editor.get(&format!("{path}/revisions")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["revisions"]
            .as_array()
            .expect("revisions")
            .iter()
            .map(|r| (r["number"].as_i64(), r["action"].as_str()))
            .collect::<Vec<_>>(),
        [(Some(2), Some("saved")), (Some(1), Some("created"))]
    );
    assert_eq!(list["revisions"][0]["user"]["name"], "eda");

    let (status, second) = editor.get(&format!("{path}/revisions/2")).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["against"], "previous");
    assert_eq!(second["against_number"], 1);
    let changes: Vec<(&str, &str)> = second["diff"]
        .as_array()
        .expect("diff")
        .iter()
        .filter(|l| l["tag"] != "equal")
        .map(|l| {
            (
                l["tag"].as_str().unwrap_or(""),
                l["text"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [("delete", "Another."), ("insert", "A rewritten ending.")]
    );
    assert!(
        second["unified"]
            .as_str()
            .unwrap_or("")
            .contains("+A rewritten ending.")
    );
    let (status, body) = editor
        .get(&format!("{path}/revisions/1?against=current"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["against"], "current");
    let (status, _) = editor
        .get(&format!("{path}/revisions/1?against=sideways"))
        .await;
    assert_eq!(status, 400);
    let (status, body) = editor.get(&format!("{path}/revisions/7")).await;
    assert_eq!((status, code(&body)), (404, "not_found"));

    let (status, restored) = editor
        .post(&format!("{path}/revisions/1/restore"), json!({}))
        .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["version"], 3);
    let (_, now) = editor.get(&path).await;
    assert_eq!(now["story"]["body_markdown"], "A paragraph.\n\nAnother.");
    let (_, list) = editor.get(&format!("{path}/revisions")).await;
    assert_eq!(list["revisions"][0]["action"], "restored");
}

#[tokio::test]
async fn a_correction_shows_on_the_story_page() {
    let site = TestSite::start().await;
    let (editor, _) = newsroom(&site).await;
    let id = editor.draft("corrected", &[]).await;
    editor
        .post(&format!("/api/v1/admin/stories/{id}/publish"), json!({}))
        .await;
    let (status, body) = editor
        .put(
            &format!("/api/v1/admin/stories/{id}/correction"),
            json!({"text": "An earlier version gave the wrong <date>."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    site.settle().await;
    let (status, page) = site.text("/stories/corrected").await;
    assert_eq!(status, 200);
    let notes = select_text(&page, "aside.correction");
    assert_eq!(notes.len(), 1, "{page}");
    assert!(notes[0].starts_with("Correction ("), "{notes:?}");
    assert!(
        notes[0].ends_with("An earlier version gave the wrong <date>."),
        "{notes:?}"
    );
    assert!(
        !select_text(&page, ".updated").is_empty(),
        "an Updated time"
    );

    editor
        .put(
            &format!("/api/v1/admin/stories/{id}/correction"),
            json!({"text": ""}),
        )
        .await;
    site.settle().await;
    let (_, page) = site.text("/stories/corrected").await;
    assert!(select_text(&page, "aside.correction").is_empty());
}

#[tokio::test]
async fn the_list_filters_by_status_topic_author_and_headline() {
    let site = TestSite::start().await;
    let (editor, contributor) = newsroom(&site).await;
    contributor.draft("cole-draft", &["Politics"]).await;
    let live = editor.draft("eda-live", &[]).await;
    editor
        .post(&format!("/api/v1/admin/stories/{live}/publish"), json!({}))
        .await;
    let slugs = |body: &Value| -> Vec<String> {
        body["stories"]
            .as_array()
            .expect("stories")
            .iter()
            .filter_map(|s| s["slug"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, all) = editor.get("/api/v1/admin/stories").await;
    assert_eq!(slugs(&all), ["eda-live", "cole-draft"]);
    assert_eq!(all["page"], 1);
    let (_, drafts) = editor.get("/api/v1/admin/stories?status=draft").await;
    assert_eq!(slugs(&drafts), ["cole-draft"]);
    let (_, politics) = editor.get("/api/v1/admin/stories?topic=politics").await;
    assert_eq!(slugs(&politics), ["cole-draft"]);
    let (_, by_cole) = editor
        .get("/api/v1/admin/stories?author=ana%20reporter&q=EDA")
        .await;
    assert_eq!(slugs(&by_cole), ["eda-live"]);
    let (status, body) = editor.get("/api/v1/admin/stories?status=lost").await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));
    let (status, body) = editor.get("/api/v1/admin/stories?page=0").await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));
}

#[tokio::test]
async fn topics_are_listed_with_followers_and_managed_by_editors() {
    let site = TestSite::start().await;
    let (editor, contributor) = newsroom(&site).await;
    let (status, list) = contributor.get("/api/v1/admin/topics").await;
    assert_eq!(status, 200);
    let politics = list["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .find(|t| t["slug"] == "politics")
        .expect("politics")
        .clone();
    assert_eq!(politics["followers"], 0);
    assert_eq!(politics["url"], format!("{}/topics/politics", site.base));

    let (status, created) = editor
        .post(
            "/api/v1/admin/topics",
            json!({"name": "World News", "description": "Beyond our borders."}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["slug"], "world-news");
    let (status, body) = editor
        .post(
            "/api/v1/admin/topics",
            json!({"name": "World", "slug": "world-news"}),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "slug_taken"), "{body}");
    let (status, body) = editor
        .post(
            "/api/v1/admin/topics",
            json!({"name": "world news", "slug": "world"}),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "topic_name_taken"), "{body}");
    let (status, body) = editor
        .post(
            "/api/v1/admin/topics",
            json!({"name": "!!!", "slug": "Bad Slug"}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_topic"), "{body}");
    assert_eq!(body["error"]["fields"].as_array().map(Vec::len), Some(2));

    let (status, renamed) = answer(
        editor
            .request(Method::PATCH, "/api/v1/admin/topics/world-news")
            .json(&json!({"name": "World"})),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(
        (renamed["slug"].as_str(), renamed["name"].as_str()),
        (Some("world-news"), Some("World"))
    );
    assert_eq!(renamed["description"], "Beyond our borders.");
    let (status, body) = answer(
        contributor
            .request(Method::PATCH, "/api/v1/admin/topics/world-news")
            .json(&json!({"name": "Mine"})),
    )
    .await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, body) = answer(
        editor
            .request(Method::PATCH, "/api/v1/admin/topics/nowhere")
            .json(&json!({"name": "Somewhere"})),
    )
    .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
}

#[tokio::test]
async fn the_openapi_document_describes_the_editorial_routes_and_codes() {
    let site = TestSite::start().await;
    let (status, body) = site.text("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).expect("json");
    for (path, method) in [
        ("/api/v1/admin/stories", "get"),
        ("/api/v1/admin/stories", "post"),
        ("/api/v1/admin/stories/{id}", "get"),
        ("/api/v1/admin/stories/{id}", "put"),
        ("/api/v1/admin/stories/{id}/publish", "post"),
        ("/api/v1/admin/stories/{id}/schedule", "post"),
        ("/api/v1/admin/stories/{id}/unpublish", "post"),
        ("/api/v1/admin/stories/{id}/correction", "put"),
        ("/api/v1/admin/stories/{id}/revisions", "get"),
        ("/api/v1/admin/stories/{id}/revisions/{number}", "get"),
        (
            "/api/v1/admin/stories/{id}/revisions/{number}/restore",
            "post",
        ),
        ("/api/v1/admin/stories/{id}/push-stats", "get"),
        ("/api/v1/admin/preview", "post"),
        ("/api/v1/admin/topics", "get"),
        ("/api/v1/admin/topics", "post"),
        ("/api/v1/admin/topics/{slug}", "patch"),
        ("/api/v1/stories", "get"),
        ("/api/v1/stories/{slug}", "get"),
        ("/api/v1/topics", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    let codes =
        &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"];
    for code in [
        "forbidden",
        "not_found",
        "edit_conflict",
        "invalid_story",
        "invalid_json",
        "invalid_query",
        "slug_taken",
        "slug_locked",
        "topic_creation_forbidden",
        "bad_schedule",
        "already_published",
        "not_published",
        "invalid_topic",
        "topic_name_taken",
    ] {
        assert!(
            codes.as_array().expect("codes").contains(&json!(code)),
            "{code} undocumented"
        );
    }
}

#[tokio::test]
async fn a_dry_run_counts_the_audience_and_changes_nothing() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "ed@example.org", Role::Editor).await;
    let id = editor.draft("dry", &["Politics", "Russia"]).await;
    editor.draft("elsewhere", &["Science"]).await;
    // Known subscriptions: three follow Politics or Russia (one of them
    // both), one follows Science only; one of the three is in its quiet
    // hours all day.
    let mut tokens = Vec::new();
    for (n, topics) in [
        (1, vec!["politics"]),
        (2, vec!["politics", "russia"]),
        (3, vec!["russia"]),
        (4, vec!["science"]),
    ] {
        let endpoint = format!("https://fcm.googleapis.com/fcm/send/dry-{n}");
        let (_, answer) =
            common::devices::subscribe(&site.client, &site.base, &endpoint, &topics).await;
        tokens.push(answer["token"].as_str().expect("token").to_owned());
    }
    let now = chrono::Utc::now();
    let quiet = json!({"time_zone": "UTC", "quiet_hours": {
        "start": (now - chrono::Duration::hours(1)).format("%H:00").to_string(),
        "end": (now + chrono::Duration::hours(2)).format("%H:00").to_string(),
    }});
    let response = site
        .client
        .put(format!(
            "{}/api/v1/push/subscriptions/preferences",
            site.base
        ))
        .bearer_auth(&tokens[2])
        .json(&quiet)
        .send()
        .await
        .expect("preferences");
    assert_eq!(response.status(), 200);

    let dry = format!("/api/v1/admin/stories/{id}/publish?dry_run=true");
    assert_eq!(
        editor.post(&dry, json!({})).await,
        (
            200,
            json!({"audience": 3, "held_now": 1, "spread_minutes": 0})
        )
    );
    assert_eq!(
        editor.post(&dry, json!({"push": {"breaking": true}})).await,
        (
            200,
            json!({"audience": 4, "held_now": 0, "spread_minutes": 0})
        ),
        "breaking news: every subscription, cutting through quiet hours"
    );
    assert_eq!(
        editor.post(&dry, json!({"push": {"send": false}})).await,
        (
            200,
            json!({"audience": 0, "held_now": 0, "spread_minutes": 0})
        )
    );
    // The pace it would go at: spread as asked; breaking news at once
    // unless asked to spread it too; a spread the publication would refuse
    // refused here, with the same field.
    let spread = |push: serde_json::Value| json!({"push": push});
    assert_eq!(
        editor
            .post(&dry, spread(json!({"spread_minutes": 30})))
            .await,
        (
            200,
            json!({"audience": 3, "held_now": 1, "spread_minutes": 30})
        )
    );
    assert_eq!(
        editor
            .post(
                &dry,
                spread(json!({"spread_minutes": 30, "breaking": true}))
            )
            .await
            .1["spread_minutes"],
        0
    );
    assert_eq!(
        editor
            .post(
                &dry,
                spread(json!({"spread_minutes": 30, "breaking": true, "spread_breaking": true}))
            )
            .await
            .1["spread_minutes"],
        30
    );
    let too_long = spread(json!({"spread_minutes": 5000}));
    let (status, body) = editor.post(&dry, too_long.clone()).await;
    assert_eq!((status, code(&body)), (400, "invalid_story"), "{body}");
    assert!(body.to_string().contains("push.spread_minutes"), "{body}");
    let publish = format!("/api/v1/admin/stories/{id}/publish");
    assert_eq!(
        editor.post(&publish, too_long).await,
        (status, body),
        "the dry run refuses as publishing does"
    );
    // Nothing changed: still a draft, no notification planned.
    let (_, story) = editor.get(&format!("/api/v1/admin/stories/{id}")).await;
    assert_eq!(story["status"], "draft", "{story}");
    let stats = site.store.push_stats(id).await.expect("stats");
    assert_eq!((stats.pending_jobs, stats.queued), (0, 0), "{stats:?}");
    // Bad queries and roles are refused as such.
    let (status, body) = editor
        .post(
            &format!("/api/v1/admin/stories/{id}/publish?dry_run=maybe"),
            json!({}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_query"), "{body}");
    let writer = Api::for_user(&site, "wr@example.org", Role::Contributor).await;
    assert_eq!(writer.post(&dry, json!({})).await.0, 403);

    // Published over 20 minutes, an update's dry run counts the same
    // readers and is spread as the story's notification was, unless asked
    // otherwise.
    let (status, _) = editor
        .post(
            &format!("/api/v1/admin/stories/{id}/publish"),
            spread(json!({"spread_minutes": 20})),
        )
        .await;
    assert_eq!(status, 200);
    let update = format!("/api/v1/admin/stories/{id}/push?dry_run=true");
    assert_eq!(
        editor.post(&update, json!({})).await,
        (
            200,
            json!({"audience": 3, "held_now": 1, "spread_minutes": 20})
        )
    );
    assert_eq!(
        editor.post(&update, json!({"spread_minutes": 0})).await.1["spread_minutes"],
        0
    );
    let (status, body) = editor.post(&update, json!({"spread_minutes": 5000})).await;
    assert_eq!(
        (status, code(&body)),
        (400, "invalid_notification"),
        "{body}"
    );
    assert!(body.to_string().contains("push.spread_minutes"), "{body}");
}

#[tokio::test]
async fn a_preview_link_shows_the_draft_without_a_login_until_it_ends() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "ed@example.org", Role::Editor).await;
    let id = editor.draft("embargoed", &["Politics"]).await;
    let links = format!("/api/v1/admin/stories/{id}/preview-links");
    let (status, link) = editor.post(&links, json!({})).await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with(&format!("{}/preview/", site.base)), "{url}");
    let expires = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().expect("time"))
        .expect("RFC 3339");
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "7 days: {days} h");

    // Anyone with the link, no login: the draft, never indexed or cached.
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let shown = anonymous.get(&url).send().await.expect("preview");
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["x-robots-tag"], "noindex, nofollow");
    assert_eq!(shown.headers()["cache-control"], "no-store");
    assert_eq!(shown.headers()["referrer-policy"], "no-referrer");
    let html = shown.text().await.expect("body");
    assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
    assert_eq!(select_text(&html, "h1"), ["Headline of embargoed"]);
    assert_eq!(
        site.get("/stories/embargoed").await.status(),
        404,
        "not on the site"
    );

    // Listed (without its token), revoked: gone.
    let (_, listed) = editor.get(&links).await;
    assert_eq!(
        listed["links"].as_array().expect("links").len(),
        1,
        "{listed}"
    );
    assert!(
        !listed
            .to_string()
            .contains(url.rsplit('/').next().expect("token"))
    );
    let link_id = link["id"].as_i64().expect("id");
    let (status, _) = answer(editor.request(Method::DELETE, &format!("{links}/{link_id}"))).await;
    assert_eq!(status, 204);
    let gone = anonymous.get(&url).send().await.expect("preview");
    assert_eq!(gone.status(), 404);
    assert!(
        gone.text()
            .await
            .expect("body")
            .contains("This preview has ended")
    );

    // Expired after 7 days.
    let (_, second) = editor.post(&links, json!({})).await;
    let second_url = second["url"].as_str().expect("url").to_owned();
    let token = second_url.rsplit('/').next().expect("token");
    let later = chrono::Utc::now() + chrono::Duration::days(8);
    let target = herald::editorial::open_preview_link(&site.store, token, later)
        .await
        .expect("store");
    assert!(
        matches!(target, herald::editorial::PreviewTarget::Gone),
        "{target:?}"
    );

    // Published: the link leads to the story, and no new link is made.
    let (status, _) = editor
        .post(
            &format!("/api/v1/admin/stories/{id}/publish"),
            json!({"push": {"send": false}}),
        )
        .await;
    assert_eq!(status, 200);
    let moved = anonymous.get(&second_url).send().await.expect("preview");
    assert_eq!(moved.status(), 303);
    assert_eq!(moved.headers()["location"], "/stories/embargoed");
    let (status, body) = editor.post(&links, json!({})).await;
    assert_eq!((status, code(&body)), (409, "already_published"));
    // Others' drafts are nobody else's to share.
    let writer = Api::for_user(&site, "wr@example.org", Role::Contributor).await;
    let other = editor.draft("other", &[]).await;
    let (status, _) = writer
        .post(
            &format!("/api/v1/admin/stories/{other}/preview-links"),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        anonymous
            .get(format!("{}/preview/not-a-token", site.base))
            .send()
            .await
            .expect("x")
            .status(),
        404
    );
}
