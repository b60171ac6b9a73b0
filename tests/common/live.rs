//! Live coverage for tests: the admin API's live calls, and a reader of a
//! story's event stream (`/stories/{slug}/events`) as a browser's
//! `EventSource` reads it.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::TestSite;
use super::api::Api;

/// What these tests ask of the admin API beyond a plain request.
pub trait LiveApi {
    /// Posts an entry to story `id`.
    async fn entry(&self, id: i64, body: Value) -> (u16, Value);
    /// Creates and publishes a story (`live` or not); returns its id.
    async fn story(&self, slug: &str, live: bool) -> i64;
}

impl LiveApi for Api {
    async fn entry(&self, id: i64, body: Value) -> (u16, Value) {
        self.send(
            Method::POST,
            &format!("/api/v1/admin/stories/{id}/entries"),
            Some(body),
        )
        .await
    }

    async fn story(&self, slug: &str, live: bool) -> i64 {
        self.publish_quietly(slug, live, &[]).await
    }
}

/// One event of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
}

/// What a stream sent next.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    Event(Event),
    /// A comment line (`:`): a heartbeat.
    Comment,
    /// The server closed the stream.
    Closed,
}

/// An open event stream, read as it arrives.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens `url`, sending `Last-Event-ID` when given; the answer's status
    /// and, on 200, the stream.
    pub async fn open(
        client: &reqwest::Client,
        url: &str,
        last_event_id: Option<i64>,
    ) -> Result<EventStream, (u16, reqwest::Response)> {
        let mut request = client.get(url).header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.expect("events request");
        if response.status() != 200 {
            return Err((response.status().as_u16(), response));
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Ok(EventStream {
            response,
            buffer: String::new(),
        })
    }

    /// The next event or comment (a `retry:` line alone is skipped), or
    /// that the stream closed; panics after `limit`.
    pub async fn next(&mut self, limit: Duration) -> Received {
        tokio::time::timeout(limit, self.read())
            .await
            .unwrap_or_else(|_| panic!("nothing arrived on the stream within {limit:?}"))
    }

    /// The next event, skipping heartbeats; panics on a close.
    pub async fn next_event(&mut self, limit: Duration) -> Event {
        loop {
            match self.next(limit).await {
                Received::Event(event) => return event,
                Received::Comment => {}
                Received::Closed => panic!("the stream closed"),
            }
        }
    }

    async fn read(&mut self) -> Received {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(received) = parse_block(&block) {
                    return received;
                }
                continue;
            }
            match self.response.chunk().await.expect("stream read") {
                Some(bytes) => self
                    .buffer
                    .push_str(std::str::from_utf8(&bytes).expect("UTF-8")),
                None => return Received::Closed,
            }
        }
    }
}

/// One block of lines; `None` for one that is neither an event nor a
/// comment (`retry:`).
fn parse_block(block: &str) -> Option<Received> {
    let (mut id, mut event, mut data) = (None, "message".to_owned(), String::new());
    let mut comment = false;
    for line in block.lines() {
        if line.starts_with(':') {
            comment = true;
        } else if let Some(value) = line.strip_prefix("id: ") {
            id = Some(value.parse().expect("a numeric id"));
        } else if let Some(value) = line.strip_prefix("event: ") {
            event = value.to_owned();
        } else if let Some(value) = line.strip_prefix("data: ") {
            data.push_str(value);
        }
    }
    if !data.is_empty() {
        let data = serde_json::from_str(&data).expect("JSON data");
        return Some(Received::Event(Event { id, event, data }));
    }
    comment.then_some(Received::Comment)
}

/// The story page once it shows `wanted` (the cache drops its pages when
/// the content watcher, polling every second, sees a write).
pub async fn page_showing(site: &TestSite, path: &str, wanted: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    loop {
        let (status, html) = site.text(path).await;
        assert_eq!(status, 200, "{html}");
        if html.contains(wanted) {
            return html;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path} never showed {wanted:?}: {html}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
