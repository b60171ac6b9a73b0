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

const METRICS_TOKEN: &str = "live-stream-metrics-token";

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
        config.metrics_token = Some(METRICS_TOKEN.to_owned());
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

    let metrics = site.metrics(METRICS_TOKEN).await;
    assert!(metrics.contains("herald_live_streams 2\n"), "{metrics}");
    assert!(
        metrics.contains("herald_live_refused_streams_total 1\n"),
        "{metrics}"
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

/// A raw connection to `site`, as a browser opening a stream on a new
/// connection makes one: its first request is `head`.
async fn connect_with(site: &TestSite, head: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let address = site.base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    socket.write_all(head.as_bytes()).await.expect("send");
    socket
}

/// Reads from `socket` until `wanted` has arrived (or it closes); all read.
async fn read_until(socket: &mut tokio::net::TcpStream, wanted: &str) -> String {
    use tokio::io::AsyncReadExt;
    let mut text = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&text).contains(wanted) {
        let read = tokio::time::timeout(WAIT, socket.read(&mut buffer))
            .await
            .expect("bytes in time")
            .expect("read");
        if read == 0 {
            break;
        }
        text.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&text).into_owned()
}

#[tokio::test]
async fn a_stream_on_a_new_connection_is_sent_raw_and_gives_its_place_back_when_the_reader_leaves()
{
    let site = TestSite::start_with(|config| {
        config.http.max_streams_per_address = 1;
        // No heartbeat to notice the reader leaving: the socket tells.
        config.http.stream_heartbeat = Duration::from_secs(600);
        config.metrics_token = Some(METRICS_TOKEN.to_owned());
    })
    .await;
    let editor = Api::for_user(&site, "eda@example.org", Role::Editor).await;
    let story = editor.story("raw-live", true).await;
    let request = "GET /stories/raw-live/events HTTP/1.1\r\nHost: herald.test\r\nAccept: text/event-stream\r\n\r\n";
    let mut socket = connect_with(&site, request).await;
    let head = read_until(&mut socket, "retry: ").await;
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    for field in [
        "content-type: text/event-stream",
        "connection: close\r\n",
        "x-content-type-options: nosniff\r\n",
        "cache-control: no-store",
        "date: ",
    ] {
        assert!(head.contains(field), "{field} in {head}");
    }
    // The end of the connection delimits the stream: no chunks to frame.
    assert!(!head.contains("transfer-encoding"), "{head}");
    assert!(!head.contains("content-length"), "{head}");

    let entry = post(&editor, story, "Raw bytes", false).await;
    let sent = read_until(&mut socket, "\n\n").await;
    assert!(sent.contains("event: entry\n"), "{sent}");
    assert!(sent.contains(&format!("\"id\":{entry}")), "{sent}");

    // The reader leaves: its place comes back long before any heartbeat.
    drop(socket);
    let deadline = std::time::Instant::now() + WAIT;
    while !site
        .metrics(METRICS_TOKEN)
        .await
        .contains("herald_live_streams 0\n")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the stream outlived its reader"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _again = open(&site, "raw-live", None).await;
}

#[tokio::test]
async fn a_bad_stream_request_on_a_new_connection_is_answered_and_closed() {
    let site = TestSite::start().await;
    let cases = [
        (
            "GET /stories/nothing-here/events HTTP/1.1\r\nHost: herald.test\r\n\r\n",
            "404",
            "\"not_found\"",
        ),
        (
            "GET /stories/nothing-here/events HTTP/1.0\r\n\r\n",
            "404",
            "\"not_found\"",
        ),
        (
            "GET /stories/nothing-here/events HTTP/1.1\r\nHost herald.test\r\n\r\n",
            "400",
            "\"bad_request_head\"",
        ),
    ];
    for (request, status, code) in cases {
        let mut socket = connect_with(&site, request).await;
        // Read to the end: the server closes the connection after answering.
        let answer = read_until(&mut socket, "\u{0}never\u{0}").await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{answer}"
        );
        assert!(answer.contains(code), "{code} in {answer}");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("content-length: {}\r\n", body.len())),
            "{answer}"
        );
    }
}
