//! A live story's event stream (`GET /stories/{slug}/events`) against the
//! real server, on SQLite and, when `TEST_DATABASE_URL` is set,
//! PostgreSQL: entries posted, edited and deleted and the coverage ended
//! through the admin API, each seen on an open stream in order with its
//! id; resuming after `Last-Event-ID` and after the page's change number;
//! a second web node streaming what the first was sent; the per-address
//! limit, the heartbeat, and every bad request refused with its code.

mod common;

use std::time::Duration;

use common::api::Api;
use common::live::{Event, EventStream, LiveApi, Received};
use common::{TestSite, select_attr};
use herald::accounts::Role;
use reqwest::Method;
use serde_json::{Value, json};

/// Long enough for any event on a loaded machine; events come at once.
const WAIT: Duration = Duration::from_secs(15);

fn events_url(site: &TestSite, slug: &str) -> String {
    format!("{}/stories/{slug}/events", site.base)
}

async fn open(site: &TestSite, slug: &str, last_event_id: Option<i64>) -> EventStream {
    match EventStream::open(&site.client, &events_url(site, slug), last_event_id).await {
        Ok(stream) => stream,
        Err((status, response)) => {
            panic!("{status}: {}", response.text().await.unwrap_or_default())
        }
    }
}

/// The status and error code of a request for `url` that is refused.
async fn refused(site: &TestSite, url: &str, last_event_id: Option<&str>) -> (u16, String) {
    let mut request = site.client.get(url);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (status, code)
}

/// Posts an entry and returns its id.
async fn post(editor: &Api, story: i64, title: &str, key_event: bool) -> i64 {
    let (status, body) = editor
        .entry(
            story,
            json!({"title": title, "body_markdown": format!("About *{title}*."), "key_event": key_event}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().expect("entry id")
}

fn html(event: &Event) -> &str {
    event.data["html"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_stream_tells_posts_edits_deletions_and_the_end_in_order() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let story = editor.story("river-live", true).await;
    let mut stream = open(&site, "river-live", None).await;

    let first = post(&editor, story, "Levee holds", true).await;
    let event = stream.next_event(WAIT).await;
    assert_eq!(
        (event.event.as_str(), event.data["id"].as_i64()),
        ("entry", Some(first))
    );
    assert!(
        html(&event).contains(&format!("id=\"entry-{first}\"")),
        "{}",
        html(&event)
    );
    assert!(html(&event).contains("Levee holds") && html(&event).contains("<em>Levee holds</em>"));
    let key = event.data["key_event_html"]
        .as_str()
        .expect("a key event's link");
    assert!(key.contains(&format!("href=\"#entry-{first}\"")), "{key}");

    let second = post(&editor, story, "Rain eases", false).await;
    let posted = stream.next_event(WAIT).await;
    assert_eq!(posted.data["id"].as_i64(), Some(second));
    assert_eq!(posted.data["key_event_html"], Value::Null);

    let (status, body) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/admin/stories/{story}/entries/{first}"),
            Some(json!({"body_markdown": "The levee **held** overnight."})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let edited = stream.next_event(WAIT).await;
    assert_eq!(
        (edited.event.as_str(), edited.data["id"].as_i64()),
        ("entry", Some(first))
    );
    assert!(
        html(&edited).contains("<strong>held</strong>"),
        "{}",
        html(&edited)
    );

    let (status, body) = editor
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/stories/{story}/entries/{second}"),
            None,
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let deleted = stream.next_event(WAIT).await;
    assert_eq!(deleted.event, "delete");
    assert_eq!(deleted.data, json!({"id": second}));

    let (status, body) = editor
        .send(
            Method::POST,
            &format!("/api/v1/admin/stories/{story}/end-live"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let end = stream.next_event(WAIT).await;
    assert_eq!(end.event, "end");
    assert!(html(&end).contains("Coverage ended at"), "{}", html(&end));
    assert_eq!(
        stream.next(WAIT).await,
        Received::Closed,
        "the stream closes after the end"
    );

    let ids: Vec<i64> = [&event, &posted, &edited, &deleted, &end]
        .iter()
        .map(|e| e.id.expect("every event has an id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids in order: {ids:?}");

    // Ended: nothing more will come, and a browser is told not to return.
    let response = site.get("/stories/river-live/events").await;
    assert_eq!(response.status(), 204);
    // One that missed the end is told of it, then closed.
    let mut late = open(&site, "river-live", Some(ids[3])).await;
    assert_eq!(late.next_event(WAIT).await.event, "end");
    assert_eq!(late.next(WAIT).await, Received::Closed);
}

#[tokio::test]
async fn a_stream_resumes_after_the_last_event_id_or_the_page_it_was_opened_from() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let story = editor.story("count-live", true).await;
    let mut stream = open(&site, "count-live", None).await;
    let one = post(&editor, story, "One", false).await;
    let seen = stream.next_event(WAIT).await;
    assert_eq!(seen.data["id"].as_i64(), Some(one));
    drop(stream);

    // Missed while away: two entries and a deletion of the first.
    let two = post(&editor, story, "Two", false).await;
    let three = post(&editor, story, "Three", true).await;
    let (status, _) = editor
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/stories/{story}/entries/{one}"),
            None,
        )
        .await;
    assert!(status == 200 || status == 204);

    let mut resumed = open(&site, "count-live", seen.id).await;
    let mut told = Vec::new();
    for _ in 0..3 {
        let event = resumed.next_event(WAIT).await;
        told.push((event.event.clone(), event.data["id"].as_i64().expect("id")));
    }
    assert_eq!(
        told,
        [
            ("entry".to_owned(), two),
            ("entry".to_owned(), three),
            ("delete".to_owned(), one)
        ]
    );
    // And it goes on live.
    let four = post(&editor, story, "Four", false).await;
    assert_eq!(
        resumed.next_event(WAIT).await.data["id"].as_i64(),
        Some(four)
    );

    // The page says the change it was rendered at; its stream starts there.
    site.settle().await;
    let (status, page) = site.text("/stories/count-live").await;
    assert_eq!(status, 200);
    let seq: i64 = select_attr(&page, ".live-entries", "data-live-seq")
        .first()
        .expect("the page's change number")
        .parse()
        .expect("a number");
    assert_eq!(
        select_attr(&page, ".live-entries", "data-events"),
        ["/stories/count-live/events"]
    );
    let five = post(&editor, story, "Five", false).await;
    let url = format!("{}?since={seq}", events_url(&site, "count-live"));
    let mut from_page = EventStream::open(&site.client, &url, None)
        .await
        .unwrap_or_else(|(status, _)| panic!("{status}"));
    assert_eq!(
        from_page.next_event(WAIT).await.data["id"].as_i64(),
        Some(five)
    );
}

#[tokio::test]
async fn a_second_web_node_streams_an_entry_posted_on_the_first() {
    let site = TestSite::start().await;
    let other = site.second_node().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let story = editor.story("two-nodes", true).await;
    let mut far = open(&other, "two-nodes", None).await;
    let mut near = open(&site, "two-nodes", None).await;
    let entry = post(&editor, story, "Seen everywhere", true).await;
    let on_far = far.next_event(WAIT).await;
    let on_near = near.next_event(WAIT).await;
    assert_eq!(on_far.data["id"].as_i64(), Some(entry));
    assert_eq!(
        on_far, on_near,
        "the same event, with the same id, on both nodes"
    );
    if site.job_listeners().await.is_some() {
        // PostgreSQL: each node hears the other's entries at once.
        let listening = site
            .postgres("SELECT pid FROM pg_stat_activity WHERE query ILIKE 'LISTEN%herald_live%'")
            .await;
        assert!(listening.len() >= 2, "live listeners: {listening:?}");
    }
}

#[tokio::test]
async fn an_address_holds_a_few_streams_and_a_quiet_one_has_a_heartbeat() {
    let site = TestSite::start_with(|config| {
        config.http.max_streams_per_address = 2;
        config.http.stream_heartbeat = Duration::from_secs(1);
    })
    .await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    editor.story("busy-live", true).await;
    let mut first = open(&site, "busy-live", None).await;
    let _second = open(&site, "busy-live", None).await;
    let url = events_url(&site, "busy-live");
    let third = site.client.get(&url).send().await.expect("request");
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));
    let body: Value = third.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "too_many_streams");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains('2'),
        "{body}"
    );

    assert_eq!(first.next(WAIT).await, Received::Comment, "a heartbeat");
    // A closed stream gives its place back (noticed at its next heartbeat).
    drop(first);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match EventStream::open(&site.client, &url, None).await {
            Ok(_) => break,
            Err((429, _)) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err((status, _)) => panic!("the place never came back: {status}"),
        }
    }
}

#[tokio::test]
async fn bad_event_requests_are_refused_with_their_code() {
    let site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    editor.story("plain-story", false).await;
    editor.story("open-live", true).await;
    let base = &site.base;
    assert_eq!(
        refused(&site, &format!("{base}/stories/no-such-story/events"), None).await,
        (404, "not_found".to_owned())
    );
    assert_eq!(
        refused(&site, &format!("{base}/stories/plain-story/events"), None).await,
        (404, "story_not_live".to_owned())
    );
    for bad in ["-3", "ten", "1e3"] {
        assert_eq!(
            refused(
                &site,
                &format!("{base}/stories/open-live/events"),
                Some(bad)
            )
            .await,
            (400, "invalid_event_id".to_owned()),
            "Last-Event-ID {bad}"
        );
        assert_eq!(
            refused(
                &site,
                &format!("{base}/stories/open-live/events?since={bad}"),
                None
            )
            .await,
            (400, "invalid_event_id".to_owned()),
            "since={bad}"
        );
    }
}

#[tokio::test]
async fn open_streams_do_not_hold_up_a_shutdown() {
    let mut site = TestSite::start().await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    editor.story("closing-live", true).await;
    let mut stream = open(&site, "closing-live", None).await;
    assert!(
        site.stop_within(Duration::from_secs(10)).await,
        "the server waited for its event streams"
    );
    assert_eq!(stream.next(WAIT).await, Received::Closed);
}
