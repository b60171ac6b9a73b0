//! Follow this story, over HTTP against the real server, on SQLite and,
//! when `TEST_DATABASE_URL` is set, PostgreSQL: following, unfollowing and
//! listing a live story with the subscription's token; every refusal with
//! its code and nothing written; the live desk's follower count; follows
//! lapsing a day after the coverage ends. And key events delivered to the
//! story's followers through the recording push service, decrypted with
//! the devices' keys: one per key event, none for other entries or other
//! readers, the story's collapse key on each, a breaking one also to
//! Breaking news' followers with Urgency high, once per reader.

mod common;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use common::TestSite;
use common::api::{Api, answer};
use common::devices::{Device, delivering_site, register, subscription_json, wait_done};
use common::sink::Sink;
use herald::accounts::Role;
use herald::store::STORY_FOLLOW_LAPSE_SECONDS;
use herald::subscriptions::token::token_hash;
use reqwest::Method;
use serde_json::{Value, json};

/// Creates and publishes a story without a notification; its id.
async fn story(editor: &Api, slug: &str, live: bool, topics: &[&str]) -> i64 {
    editor.publish_quietly(slug, live, topics).await
}

/// A reader's call to the push API with `token` (none: no header).
async fn reader(site: &TestSite, method: Method, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = site
        .client
        .request(method, format!("{}/api/v1/push/{path}", site.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    answer(request).await
}

/// Registers a subscription following nothing; its token.
async fn subscriber(site: &TestSite, name: &str) -> String {
    let (status, body) = answer(
        site.client
            .post(format!("{}/api/v1/push/subscriptions", site.base))
            .json(&json!({
                "subscription": subscription_json(&format!("https://fcm.googleapis.com/fcm/send/{name}")),
                "topics": [],
            })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

/// Ends story `id`'s coverage through the admin API.
async fn end_live(editor: &Api, id: i64) {
    let (status, body) = editor
        .send(
            Method::POST,
            &format!("/api/v1/admin/stories/{id}/end-live"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

async fn followed(site: &TestSite, token: &str) -> Vec<String> {
    let (status, body) = reader(site, Method::GET, "subscriptions/stories", Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body["stories"]
        .as_array()
        .expect("stories")
        .iter()
        .map(|s| s["slug"].as_str().expect("slug").to_owned())
        .collect()
}

/// The live desk's follower count of story `id`, as the admin API gives it.
async fn desk_followers(editor: &Api, id: i64) -> Value {
    let (status, body) = editor
        .send(
            Method::GET,
            &format!("/api/v1/admin/stories/{id}/entries"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["followers"].clone()
}

#[tokio::test]
async fn a_reader_follows_lists_and_unfollows_a_live_story() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let id = story(&editor, "flood-live", true, &[]).await;
    let token = subscriber(&site, "a").await;
    assert_eq!(desk_followers(&editor, id).await, 0);

    let (status, body) = reader(
        &site,
        Method::PUT,
        "subscriptions/stories/flood-live",
        Some(&token),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["story"]["slug"], "flood-live");
    assert_eq!(body["story"]["headline"], "Headline of flood-live");
    assert_eq!(body["story"]["live"], true);
    assert_eq!(body["story"]["live_ended_at"], Value::Null);
    assert!(
        body["story"]["url"]
            .as_str()
            .expect("url")
            .ends_with("/stories/flood-live"),
        "{body}"
    );
    // Idempotent: 200 the second time, still one follow.
    let (status, again) = reader(
        &site,
        Method::PUT,
        "subscriptions/stories/flood-live",
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["story"]["followed_at"], body["story"]["followed_at"]);
    assert_eq!(followed(&site, &token).await, ["flood-live"]);
    assert_eq!(desk_followers(&editor, id).await, 1);
    let now = Utc::now().timestamp();
    assert_eq!(
        site.store
            .story_follower_count(id, now)
            .await
            .expect("count"),
        1
    );

    // Another reader's follow counts too; each unfollows their own.
    let other = subscriber(&site, "b").await;
    let (status, _) = reader(
        &site,
        Method::PUT,
        "subscriptions/stories/flood-live",
        Some(&other),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(desk_followers(&editor, id).await, 2);

    for _ in 0..2 {
        let (status, body) = reader(
            &site,
            Method::DELETE,
            "subscriptions/stories/flood-live",
            Some(&token),
        )
        .await;
        assert_eq!(status, 204, "idempotent: {body}");
    }
    assert!(followed(&site, &token).await.is_empty());
    assert_eq!(followed(&site, &other).await, ["flood-live"]);
    assert_eq!(desk_followers(&editor, id).await, 1);

    // A subscription deleted takes its follows with it.
    let (status, _) = reader(&site, Method::DELETE, "subscriptions", Some(&other)).await;
    assert_eq!(status, 204);
    assert_eq!(desk_followers(&editor, id).await, 0);
}

#[tokio::test]
async fn following_is_refused_with_a_code_and_nothing_written() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let live = story(&editor, "flood-live", true, &[]).await;
    story(&editor, "plain", false, &[]).await;
    let token = subscriber(&site, "a").await;

    for (path, token, status, expected) in [
        (
            "subscriptions/stories/flood-live",
            None,
            401,
            "token_missing",
        ),
        (
            "subscriptions/stories/flood-live",
            Some("not-a-token"),
            401,
            "token_invalid",
        ),
        (
            "subscriptions/stories/no-such-story",
            Some(token.as_str()),
            404,
            "unknown_story",
        ),
        (
            "subscriptions/stories/NOT%20A%20SLUG",
            Some(token.as_str()),
            404,
            "unknown_story",
        ),
        (
            "subscriptions/stories/plain",
            Some(token.as_str()),
            409,
            "story_not_live",
        ),
    ] {
        let (got, body) = reader(&site, Method::PUT, path, token).await;
        assert_eq!((got, code(&body)), (status, expected), "PUT {path}: {body}");
    }
    for (path, token, status, expected) in [
        ("subscriptions/stories", None, 401, "token_missing"),
        (
            "subscriptions/stories",
            Some("not-a-token"),
            401,
            "token_invalid",
        ),
    ] {
        let (got, body) = reader(&site, Method::GET, path, token).await;
        assert_eq!((got, code(&body)), (status, expected), "GET {path}: {body}");
    }
    let (got, body) = reader(
        &site,
        Method::DELETE,
        "subscriptions/stories/flood-live",
        None,
    )
    .await;
    assert_eq!((got, code(&body)), (401, "token_missing"));
    let (got, body) = reader(
        &site,
        Method::DELETE,
        "subscriptions/stories/no-such-story",
        Some(&token),
    )
    .await;
    assert_eq!((got, code(&body)), (404, "unknown_story"));
    assert!(followed(&site, &token).await.is_empty());
    assert_eq!(desk_followers(&editor, live).await, 0);

    // Once the coverage has ended: live_ended, nothing written; a follow
    // made before stays listed (not live any more) until it lapses.
    let early = subscriber(&site, "early").await;
    let (status, _) = reader(
        &site,
        Method::PUT,
        "subscriptions/stories/flood-live",
        Some(&early),
    )
    .await;
    assert_eq!(status, 201);
    end_live(&editor, live).await;
    for who in [&token, &early] {
        let (got, body) = reader(
            &site,
            Method::PUT,
            "subscriptions/stories/flood-live",
            Some(who),
        )
        .await;
        assert_eq!((got, code(&body)), (409, "live_ended"), "{body}");
    }
    assert!(followed(&site, &token).await.is_empty());
    let (status, body) = reader(&site, Method::GET, "subscriptions/stories", Some(&early)).await;
    assert_eq!(status, 200);
    let listed = &body["stories"][0];
    assert_eq!(listed["slug"], "flood-live", "{body}");
    assert_eq!(listed["live"], false, "{body}");
    assert!(listed["live_ended_at"].is_string(), "{body}");
    assert!(listed["lapses_at"].is_string(), "{body}");
    assert_eq!(desk_followers(&editor, live).await, 1);
}

#[tokio::test]
async fn follows_lapse_a_day_after_the_coverage_ends_and_are_swept() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let old = story(&editor, "old-live", true, &[]).await;
    let recent = story(&editor, "recent-live", true, &[]).await;
    let token = subscriber(&site, "a").await;
    for slug in ["old-live", "recent-live"] {
        let (status, body) = reader(
            &site,
            Method::PUT,
            &format!("subscriptions/stories/{slug}"),
            Some(&token),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let now = Utc::now();
    let lapse = TimeDelta::seconds(STORY_FOLLOW_LAPSE_SECONDS);
    // One ended just over a day ago, the other just under.
    site.store
        .end_live_coverage(old, now - lapse - TimeDelta::minutes(1))
        .await
        .expect("end");
    site.store
        .end_live_coverage(recent, now - lapse + TimeDelta::minutes(5))
        .await
        .expect("end");

    assert_eq!(followed(&site, &token).await, ["recent-live"]);
    assert_eq!(desk_followers(&editor, old).await, 0, "not counted");
    assert_eq!(desk_followers(&editor, recent).await, 1);
    // Unfollowing a lapsed follow is as idempotent as any.
    let t = now.timestamp();
    assert_eq!(
        site.store
            .prune_lapsed_story_follows(t)
            .await
            .expect("prune"),
        1
    );
    assert_eq!(
        site.store
            .prune_lapsed_story_follows(t)
            .await
            .expect("prune"),
        0
    );
    assert_eq!(followed(&site, &token).await, ["recent-live"]);
    // Ten minutes on, the other has lapsed too.
    let later = t + 600;
    assert_eq!(
        site.store
            .story_follower_count(recent, later)
            .await
            .expect("count"),
        0
    );
    let subscription = site
        .store
        .subscription_by_token(&token_hash(&token), t)
        .await
        .expect("read")
        .expect("subscription")
        .id;
    assert_eq!(
        site.store
            .followed_stories(subscription, later)
            .await
            .expect("list")
            .len(),
        0
    );
    assert_eq!(
        site.store
            .prune_lapsed_story_follows(later)
            .await
            .expect("prune"),
        1
    );
}

// --- Key events on devices -----------------------------------------------

/// Posts an entry to story `id`; its id.
async fn entry(editor: &Api, id: i64, body: Value) -> i64 {
    let (status, answer) = editor
        .send(
            Method::POST,
            &format!("/api/v1/admin/stories/{id}/entries"),
            Some(body),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    answer["id"].as_i64().expect("id")
}

/// Changes entry `entry_id` of story `id`.
async fn edit(editor: &Api, id: i64, entry_id: i64, body: Value) {
    let (status, answer) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/admin/stories/{id}/entries/{entry_id}"),
            Some(body),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
}

/// Follows story `slug` with `device`'s token.
async fn follow(site: &TestSite, device: &Device, slug: &str) {
    let (status, body) = reader(
        site,
        Method::PUT,
        &format!("subscriptions/stories/{slug}"),
        Some(&device.token),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

fn header(message: &common::sink::Received, name: &str) -> String {
    message
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn each_key_event_reaches_the_story_followers_once_under_one_collapse_key() {
    let sink = Sink::start().await;
    let site = delivering_site(&sink).await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let id = story(&editor, "flood-live", true, &["Politics"]).await;
    let follower = register(&site, &sink, "follower", &[]).await;
    follow(&site, &follower, "flood-live").await;
    // Follows the story's topic, not the story: key events are not theirs.
    register(&site, &sink, "topic-reader", &["politics"]).await;
    let breaking_reader = register(&site, &sink, "breaking-reader", &["breaking"]).await;
    let both = register(&site, &sink, "both", &["breaking"]).await;
    follow(&site, &both, "flood-live").await;

    let plain = entry(&editor, id, json!({"body_markdown": "Rain all morning."})).await;
    let levee = entry(
        &editor,
        id,
        json!({"title": "Levee breached", "body_markdown": "Water pours in.", "key_event": true}),
    )
    .await;
    let crest = entry(
        &editor,
        id,
        json!({"body_markdown": "The river **crests** at 4.2 m tonight. Roads close.", "key_event": true}),
    )
    .await;
    let evacuate = entry(
        &editor,
        id,
        json!({"title": "Evacuate the east bank", "body_markdown": "Now.", "key_event": true, "breaking": true}),
    )
    .await;
    // A draft is not news until posted; edits of a notified entry send
    // nothing more; a posted entry made a key event notifies, once.
    let draft = entry(
        &editor,
        id,
        json!({"title": "Bridge closed", "body_markdown": "Both ways.", "key_event": true, "draft": true}),
    )
    .await;
    wait_done(&site, id, Duration::from_secs(20)).await;
    edit(&editor, id, draft, json!({"post": true})).await;
    // (A notification says the entry as it stands when sent: this one is
    // sent before the correction.)
    wait_done(&site, id, Duration::from_secs(20)).await;
    edit(
        &editor,
        id,
        draft,
        json!({"title": "Bridge closed both ways"}),
    )
    .await;
    edit(&editor, id, levee, json!({"key_event": false})).await;
    edit(&editor, id, levee, json!({"key_event": true})).await;
    edit(
        &editor,
        id,
        plain,
        json!({"key_event": true, "title": "Rain stops"}),
    )
    .await;
    edit(
        &editor,
        id,
        plain,
        json!({"body_markdown": "Rain all morning, then sun."}),
    )
    .await;
    let stats = wait_done(&site, id, Duration::from_secs(20)).await;
    let key_jobs: Vec<&Value> = stats["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter(|j| j["kind"] == "key_event")
        .collect();
    assert_eq!(key_jobs.len(), 5, "one job per key event: {stats}");

    let expected = [
        (levee, "Levee breached", "normal"),
        (crest, "The river crests at 4.2 m tonight.", "normal"),
        (evacuate, "Evacuate the east bank", "high"),
        (draft, "Bridge closed", "normal"),
        (plain, "Rain stops", "normal"),
    ];
    for (name, device) in [("follower", &follower), ("both", &both)] {
        let received = sink.received_by(name);
        assert_eq!(received.len(), expected.len(), "{name}: one per key event");
        let topics: Vec<String> = received.iter().map(|m| header(m, "topic")).collect();
        assert!(!topics[0].is_empty(), "a Topic header");
        assert!(topics.iter().all(|t| *t == topics[0]), "{topics:?}");
        for (message, (entry_id, body, urgency)) in received.iter().zip(expected) {
            let shown = device.shown(&message.body);
            assert_eq!(shown["title"], "Headline of flood-live", "{shown}");
            assert_eq!(shown["body"], body, "{shown}");
            assert_eq!(shown["tag"], id.to_string(), "the story's tag: {shown}");
            assert_eq!(shown["renotify"], true, "{shown}");
            let navigate = shown["navigate"].as_str().expect("navigate");
            assert!(
                navigate.ends_with(&format!(
                    "/stories/flood-live?from=notification#entry-{entry_id}"
                )),
                "{navigate}"
            );
            assert_eq!(header(message, "urgency"), urgency, "{name} {shown}");
        }
    }
    // Breaking news' follower gets the breaking key event only, urgently.
    let received = sink.received_by("breaking-reader");
    assert_eq!(received.len(), 1, "the breaking key event only");
    assert_eq!(
        breaking_reader.shown(&received[0].body)["body"],
        "Evacuate the east bank"
    );
    assert_eq!(header(&received[0], "urgency"), "high");
    assert!(sink.received_by("topic-reader").is_empty());
}

#[tokio::test]
async fn a_live_story_page_offers_follow_this_story_until_its_coverage_ends() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let id = story(&editor, "flood-live", true, &[]).await;
    story(&editor, "plain", false, &[]).await;

    let (status, html) = site.text("/stories/flood-live").await;
    assert_eq!(status, 200);
    // By the Live badge; hidden until the page's script shows it, so the
    // page without script offers nothing it cannot do.
    assert_eq!(
        common::select_text(&html, ".live-status .follow-story[hidden]"),
        ["Follow this story"]
    );
    assert_eq!(
        common::select_attr(&html, ".follow-story", "data-story"),
        ["flood-live"]
    );
    assert_eq!(
        common::select_attr(&html, ".follow-story", "aria-pressed"),
        ["false"]
    );
    let (_, plain) = site.text("/stories/plain").await;
    assert!(common::select_text(&plain, ".follow-story").is_empty());

    end_live(&editor, id).await;
    // The cached page goes within the content watcher's second.
    let mut ended = String::new();
    for _ in 0..100 {
        ended = site.text("/stories/flood-live").await.1;
        if ended.contains("Coverage ended at") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ended.contains("Coverage ended at"), "{ended}");
    assert!(
        common::select_text(&ended, ".follow-story").is_empty(),
        "gone once ended"
    );
}
