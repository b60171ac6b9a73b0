//! A live story's entries as they are written, to every reader's page at
//! once: `GET /stories/{slug}/events`, a Server-Sent Events stream.
//!
//! **One reader of the store per node.** [`run_hub`] wakes when this
//! process writes a live change, when another process does (PostgreSQL's
//! `NOTIFY`; see `store::wake`), or at its poll ([`POLL`]: other processes
//! on SQLite), reads the changes after the last it saw, renders each once
//! into a ready frame, and broadcasts it through the node's hub
//! (`web::live_hub`). Ten thousand streams cost one
//! query and one render per change, and each stream holds only a receiver
//! of the broadcast.
//!
//! **A stream** tells one story's changes, each with the site's live
//! change number as its `id`:
//! - `entry`: an entry posted or edited, `{"id", "html", "key_event_html"}`
//!   (the page's own partials: `live_entry.html`, `key_event.html`);
//! - `delete`: an entry taken off the site, `{"id"}`;
//! - `end`: the coverage ended, `{"html"}` (`live_status.html`); the
//!   stream closes after it.
//!
//! A stream subscribes to the broadcast first, then sends what came after
//! the change the client names (`Last-Event-ID`, or `?since=` from the
//! page, which was rendered at a change number), so nothing falls between
//! the two; a change in both is sent once. A comment every
//! `http.stream_heartbeat_seconds` keeps a quiet stream open. A stream
//! that falls too far behind the broadcast is closed: the browser connects
//! again with `Last-Event-ID` and reads what it missed from the store.
//! Each client address may hold `http.max_streams_per_address` streams at
//! once; the next is refused with 429.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{broadcast, watch};

use crate::web::live_hub::{Frame, StreamSlot};

use super::live::{ended_view, entry_view, key_event_view};
use super::templates::{KeyEventPartial, LiveEntryPartial, LiveStatusPartial};
use crate::editorial::live;
use crate::store::{EntryState, LiveChange};
use crate::web::api_error::ApiError;
use crate::web::{AppState, ClientAddress};

/// How often the hub looks for changes nobody told it of (another process
/// on SQLite, or a lost notification).
pub const POLL: Duration = Duration::from_secs(1);

/// The changes the hub reads at a time.
const READ_BATCH: i64 = 500;

/// The most changes a resuming stream is sent from the store; past them
/// the client is told to reload (the page then shows everything).
const MAX_BACKLOG: i64 = 1000;

/// How long a browser waits before connecting again, in milliseconds.
const RETRY_MS: u32 = 3000;

/// What a quiet stream sends: a comment, which clients ignore.
const HEARTBEAT: &[u8] = b":\n\n";

/// Reads the live changes as they are committed and broadcasts them to
/// `state`'s streams, until `stop` turns true.
pub async fn run_hub(state: AppState, mut stop: watch::Receiver<bool>) {
    let listening = tokio::spawn({
        let (store, stop) = (state.store.clone(), stop.clone());
        async move { store.hear_other_processes_live(stop).await }
    });
    let zone = state.config.site.time_zone;
    let mut last: Option<i64> = None;
    loop {
        match last {
            None => match state.store.live_seq().await {
                Ok(seq) => last = Some(seq),
                Err(e) => {
                    tracing::warn!(error = %e, "live streams: cannot read the live change number")
                }
            },
            Some(after) => match broadcast_since(&state, after, zone).await {
                Ok(seq) => last = Some(seq),
                Err(e) => tracing::warn!(error = %e, "live streams: cannot read live changes"),
            },
        }
        tokio::select! {
            () = state.store.live_written() => {}
            () = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => break,
        }
    }
    let _ = listening.await;
}

/// Broadcasts every change after `after`; the last one's number.
async fn broadcast_since(
    state: &AppState,
    mut after: i64,
    zone: Tz,
) -> Result<i64, crate::store::StoreError> {
    loop {
        let changes = state
            .store
            .live_changes_since(after, None, READ_BATCH)
            .await?;
        for change in &changes {
            after = change.seq();
            if let Some(frame) = render(change, zone) {
                state.live.publish(frame);
            }
        }
        if changes.len() < READ_BATCH as usize {
            return Ok(after);
        }
    }
}

/// The frame a change is told in; `None` for a change readers never see
/// (a draft never posted).
fn render(change: &LiveChange, zone: Tz) -> Option<Frame> {
    let (event, data, ends) = match change {
        LiveChange::Entry(entry) if entry.state == EntryState::Posted => {
            let html = LiveEntryPartial {
                entry: &entry_view(entry, zone),
            }
            .render()
            .ok()?;
            let key_event_html = match entry.key_event {
                true => Some(
                    KeyEventPartial {
                        event: &key_event_view(entry, zone),
                    }
                    .render()
                    .ok()?,
                ),
                false => None,
            };
            let data = json!({"id": entry.id, "html": html.trim(), "key_event_html": key_event_html.as_deref().map(str::trim)});
            ("entry", data, false)
        }
        LiveChange::Entry(entry) if entry.published_at.is_some() => {
            ("delete", json!({"id": entry.id}), false)
        }
        LiveChange::Entry(_) => return None,
        LiveChange::Ended { at, .. } => {
            let html = LiveStatusPartial {
                ended: ended_view(Some(*at), zone),
                follow: None,
            }
            .render()
            .ok()?;
            ("end", json!({"html": html.trim()}), true)
        }
    };
    let seq = change.seq();
    // serde_json writes no raw line breaks: the data is one `data:` line.
    Some(Frame {
        story_id: change.story_id(),
        seq,
        bytes: Bytes::from(format!("id: {seq}\nevent: {event}\ndata: {data}\n\n")),
        ends,
        closing: false,
    })
}

#[derive(Debug, Deserialize)]
pub struct EventsParams {
    since: Option<String>,
}

/// The handler of `GET /stories/{slug}/events`.
pub async fn story_events(
    State(state): State<AppState>,
    Path(story_slug): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    params: Result<Query<EventsParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let since = resume_point(&headers, params.since.as_deref())?;
    let story = live::story_on_the_site(&state.store, &story_slug, Utc::now())
        .await?
        .ok_or_else(ApiError::no_such_story)?;
    if !story.live {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "story_not_live",
            "this story is not covered live: it has no events",
        ));
    }
    let hub = state.live.clone();
    let Some(slot) = hub.admit(address) else {
        let limit = hub.max_per_address();
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            format!("this address has {limit} live streams open, the most it may; close one"),
        )
        .with_retry_after(Duration::from_secs(30)));
    };
    // Subscribed before the store is read: a change committed in between
    // is in one or the other (or both, and sent once).
    let receiver = hub.subscribe();
    let zone = state.config.site.time_zone;
    let mut backlog: Vec<Bytes> = vec![Bytes::from(format!("retry: {RETRY_MS}\n\n"))];
    let mut last = since.unwrap_or(0);
    let mut ended = false;
    if let Some(after) = since {
        let changes = state
            .store
            .live_changes_since(after, Some(story.id), MAX_BACKLOG)
            .await?;
        for frame in changes.iter().filter_map(|c| render(c, zone)) {
            last = frame.seq;
            ended |= frame.ends;
            backlog.push(frame.bytes);
        }
    }
    if story.live_ended_at.is_some() && !ended {
        // Nothing more will come, and the client has seen the end (or
        // reads it on the page): 204 tells a browser not to reconnect.
        drop(slot);
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let stream = StoryStream {
        story_id: story.id,
        receiver,
        pending: backlog.into(),
        last,
        done: ended,
        heartbeat: hub.heartbeat(),
        _slot: slot,
    };
    let body = Body::from_stream(futures_util::stream::unfold(stream, StoryStream::next));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-transform"),
    );
    // Proxies that buffer answers (nginx) send each event at once.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// The change a client has seen: `Last-Event-ID` (a reconnecting browser)
/// over `?since=` (the page's first connection).
fn resume_point(headers: &HeaderMap, since: Option<&str>) -> Result<Option<i64>, ApiError> {
    let (name, value) = match headers.get("last-event-id") {
        Some(value) => ("Last-Event-ID", value.to_str().unwrap_or("\u{fffd}")),
        None => match since {
            Some(value) => ("since", value),
            None => return Ok(None),
        },
    };
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_event_id",
                format!("{name}: {value:?} is not an event id (a whole number from 0)"),
            )
        })
}

/// One reader's stream of one story.
struct StoryStream {
    story_id: i64,
    receiver: broadcast::Receiver<Arc<Frame>>,
    /// Frames to send before listening: the backlog.
    pending: std::collections::VecDeque<Bytes>,
    /// The last change sent; later ones only.
    last: i64,
    /// The end was sent: close once `pending` is.
    done: bool,
    heartbeat: Duration,
    _slot: StreamSlot,
}

impl StoryStream {
    /// The next frame to send, or `None` to close the stream.
    async fn next(mut self) -> Option<(Result<Bytes, std::convert::Infallible>, StoryStream)> {
        if let Some(bytes) = self.pending.pop_front() {
            return Some((Ok(bytes), self));
        }
        if self.done {
            return None;
        }
        loop {
            let frame = match tokio::time::timeout(self.heartbeat, self.receiver.recv()).await {
                Err(_) => return Some((Ok(Bytes::from_static(HEARTBEAT)), self)),
                Ok(Ok(frame)) => frame,
                // Too far behind (the client resumes from the store), or
                // the hub is gone.
                Ok(Err(_)) => return None,
            };
            if frame.closing {
                return None;
            }
            if frame.story_id == self.story_id && frame.seq > self.last {
                self.last = frame.seq;
                self.done = frame.ends;
                return Some((Ok(frame.bytes.clone()), self));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_point_prefers_last_event_id_and_refuses_what_is_not_a_number() {
        let mut headers = HeaderMap::new();
        assert_eq!(resume_point(&headers, Some("7")).ok(), Some(Some(7)));
        assert_eq!(resume_point(&headers, None).ok(), Some(None));
        headers.insert("last-event-id", HeaderValue::from_static("12"));
        assert_eq!(resume_point(&headers, Some("7")).ok(), Some(Some(12)));
        headers.insert("last-event-id", HeaderValue::from_static("-1"));
        let refused = resume_point(&headers, None).expect_err("negative");
        assert_eq!(refused.code, "invalid_event_id");
    }
}
