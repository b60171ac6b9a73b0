//! Live event streams (`GET /stories/{slug}/events`) on a lean path.
//!
//! An event stream stays open for hours and sends a few hundred bytes now
//! and then; a node holds ten thousand of them. Served through hyper, each
//! kept a connection's worth of state for its whole life: an 8 KiB read
//! buffer, write buffers, timers, and a check of its request head every
//! 250 ms. So a new connection whose first request asks for an event
//! stream (seen by peeking at its first bytes, which leaves them unread) is
//! served here instead:
//!
//! 1. its request head is read into a buffer of its size and parsed
//!    (`httparse`, as hyper does), within `http.header_timeout_seconds`;
//! 2. the request goes through the whole application, the same router and
//!    layers as every other request (the handler, error answers, security
//!    headers);
//! 3. the answer is written as it comes: its head with `Connection:
//!    close`, then its body, delimited by its length when it has one (an
//!    error) and otherwise by the end of the connection (the stream), each
//!    frame written straight from the bytes every stream shares.
//!
//! What remains per stream is the socket, this task and the stream's own
//! state (a broadcast receiver and its heartbeat timer). A client that goes
//! away is noticed at once (its end of the connection becomes readable),
//! not at the next heartbeat.
//!
//! A stream asked for on a connection that already served a request (a
//! kept-alive one) is served through hyper as before: correct, only
//! heavier.

use std::net::SocketAddr;
use std::time::SystemTime;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, Version};
use axum::response::IntoResponse;
use http_body_util::BodyExt;
use hyper::body::Body as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tower_service::Service;

use crate::web::api_error::ApiError;

/// The most a request head may take; past it the answer is 431, as
/// hyper's default buffer limit would be about.
const MAX_HEAD: usize = 16 * 1024;

/// The most header fields a request may have.
const MAX_HEADERS: usize = 100;

/// How much of a connection's first bytes is looked at to tell an event
/// stream's request: its request line.
const PEEK: usize = 1024;

/// What a new connection asks for first.
pub(super) enum Opening {
    /// A live event stream: served here.
    EventStream,
    /// Anything else: served by hyper.
    Other,
    /// Nothing within the time a request head may take, or the client
    /// went away: the connection closes.
    Nothing,
}

/// Looks at `stream`'s first bytes, leaving them unread, waiting for them
/// until `due`.
pub(super) async fn opening(stream: &TcpStream, due: Instant) -> Opening {
    let mut first = vec![0u8; PEEK];
    match tokio::time::timeout_at(due, stream.peek(&mut first)).await {
        Ok(Ok(0)) | Ok(Err(_)) | Err(_) => Opening::Nothing,
        Ok(Ok(read)) => match asks_for_event_stream(&first[..read]) {
            true => Opening::EventStream,
            false => Opening::Other,
        },
    }
}

/// Whether `bytes` begin with the request line of an event stream:
/// `GET /stories/{slug}/events[?…] HTTP/1.1` (the route of
/// `site::live_stream::story_events`), or HTTP/1.0 (what nginx asks of the
/// servers behind it by default). A line not yet whole is not one.
fn asks_for_event_stream(bytes: &[u8]) -> bool {
    let Some(end) = bytes.windows(2).position(|pair| pair == b"\r\n") else {
        return false;
    };
    let line = &bytes[..end];
    let Some(target) = line.strip_prefix(b"GET ").and_then(|rest| {
        rest.strip_suffix(b" HTTP/1.1")
            .or_else(|| rest.strip_suffix(b" HTTP/1.0"))
    }) else {
        return false;
    };
    let path = match target.iter().position(|&byte| byte == b'?') {
        Some(query) => &target[..query],
        None => target,
    };
    path.strip_prefix(b"/stories/")
        .and_then(|rest| rest.strip_suffix(b"/events"))
        .is_some_and(|slug| !slug.is_empty() && !slug.contains(&b'/'))
}

/// Why a request head was not read.
enum HeadError {
    /// The client closed the connection, or it failed.
    Gone,
    /// Not a request this server reads: answered with this status.
    Refused(StatusCode, &'static str),
}

/// Serves the request on `stream`, whose first line [`opening`] found to
/// ask for an event stream, through `app`; then closes the connection. Its
/// head must be whole by `head_due`.
pub(super) async fn serve(
    mut stream: TcpStream,
    remote: SocketAddr,
    mut app: Router,
    head_due: Instant,
    mut stop: watch::Receiver<bool>,
) {
    let mut request = match tokio::time::timeout_at(head_due, read_head(&mut stream)).await {
        Ok(Ok(request)) => request,
        Ok(Err(HeadError::Refused(status, why))) => {
            let refusal = ApiError::new(status, "bad_request_head", why).into_response();
            let _ = send(&mut stream, refusal, &mut stop).await;
            let _ = stream.shutdown().await;
            return;
        }
        Ok(Err(HeadError::Gone)) | Err(_) => return,
    };
    request.extensions_mut().insert(ConnectInfo(remote));
    let response = match app.call(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let _ = send(&mut stream, response, &mut stop).await;
    let _ = stream.shutdown().await;
}

/// Reads a request head from `stream` into a request for the router.
async fn read_head(stream: &mut TcpStream) -> Result<Request<Body>, HeadError> {
    let mut buffer: Vec<u8> = Vec::with_capacity(PEEK);
    loop {
        if buffer.len() >= MAX_HEAD {
            return Err(HeadError::Refused(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "the request head is too large",
            ));
        }
        match stream.read_buf(&mut buffer).await {
            Ok(0) | Err(_) => return Err(HeadError::Gone),
            Ok(_) => {}
        }
        if let Some(request) = parse_head(&buffer)? {
            return Ok(request);
        }
    }
}

/// The request whose head `bytes` begin with; `None` while it is partial.
fn parse_head(bytes: &[u8]) -> Result<Option<Request<Body>>, HeadError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut fields);
    match head.parse(bytes) {
        Ok(httparse::Status::Partial) => return Ok(None),
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HeadError::Refused(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "the request has too many header fields",
            ));
        }
        Err(_) => {
            return Err(HeadError::Refused(
                StatusCode::BAD_REQUEST,
                "the request head is malformed",
            ));
        }
    }
    let malformed = || HeadError::Refused(StatusCode::BAD_REQUEST, "the request head is malformed");
    let mut request = Request::builder()
        .method(head.method.ok_or_else(malformed)?)
        .uri(head.path.ok_or_else(malformed)?)
        .version(match head.version {
            Some(0) => Version::HTTP_10,
            _ => Version::HTTP_11,
        });
    for field in head.headers.iter() {
        request = request.header(field.name, field.value);
    }
    request
        .body(Body::empty())
        .map(Some)
        .map_err(|_| malformed())
}

/// Writes `response` to `stream`: its head, then its body until it ends,
/// the client goes away, or the server stops.
async fn send(
    stream: &mut TcpStream,
    response: Response<Body>,
    stop: &mut watch::Receiver<bool>,
) -> std::io::Result<()> {
    let (parts, mut body) = response.into_parts();
    let length = match parts.status {
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED => None,
        _ => body.size_hint().exact(),
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ndate: {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or(""),
        httpdate::fmt_http_date(SystemTime::now()),
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if let Some(length) = length {
        head.extend_from_slice(format!("content-length: {length}\r\n").as_bytes());
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    stream.write_all(&head).await?;
    drop(head);
    if matches!(
        parts.status,
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
    ) {
        return Ok(());
    }
    loop {
        let next = tokio::select! {
            frame = body.frame() => frame,
            () = client_gone(stream) => return Ok(()),
            _ = stop.changed() => return Ok(()),
        };
        match next {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    stream.write_all(&data).await?;
                }
            }
            Some(Err(_)) | None => return Ok(()),
        }
    }
}

/// Completes once the client has closed its end of `stream` (or it
/// failed); anything it sends meanwhile is read and ignored.
async fn client_gone(stream: &TcpStream) {
    let mut ignored = [0u8; 64];
    loop {
        if stream.readable().await.is_err() {
            return;
        }
        match stream.try_read(&mut ignored) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_event_stream_request_line_is_taken() {
        for taken in [
            "GET /stories/ashwater/events HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /stories/ashwater/events?since=12 HTTP/1.1\r\n",
            "GET /stories/ashwater/events HTTP/1.0\r\n",
        ] {
            assert!(asks_for_event_stream(taken.as_bytes()), "{taken:?}");
        }
        for left in [
            "GET /stories/ashwater/events HTTP/1.1",
            "GET /stories/ashwater/events HTTP/2.0\r\n",
            "HEAD /stories/ashwater/events HTTP/1.1\r\n",
            "POST /stories/ashwater/events HTTP/1.1\r\n",
            "GET /stories//events HTTP/1.1\r\n",
            "GET /stories/a/b/events HTTP/1.1\r\n",
            "GET /stories/ashwater HTTP/1.1\r\n",
            "GET /stories/ashwater/events/ HTTP/1.1\r\n",
            "GET /stories/ashwater/feed.xml?x=/events HTTP/1.1\r\n",
        ] {
            assert!(!asks_for_event_stream(left.as_bytes()), "{left:?}");
        }
    }

    #[test]
    fn a_head_is_parsed_when_whole_and_refused_when_malformed() {
        let whole =
            b"GET /stories/a/events?since=3 HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 4\r\n\r\n";
        let request = match parse_head(whole) {
            Ok(Some(request)) => request,
            _ => panic!("a whole head is a request"),
        };
        assert_eq!(request.uri(), "/stories/a/events?since=3");
        assert_eq!(request.headers()["last-event-id"], "4");
        assert!(matches!(parse_head(&whole[..30]), Ok(None)));
        assert!(matches!(
            parse_head(b"GET /stories/a/events HTTP/1.1\r\nBad Header\r\n\r\n"),
            Err(HeadError::Refused(StatusCode::BAD_REQUEST, _))
        ));
    }
}
