//! The web server's connections, each under limits, so that slow or idle
//! clients cannot hold the server's file descriptors:
//!
//! - a request's head must be complete within `http.header_timeout_seconds`
//!   of its first byte, and a new connection must send its first request
//!   as soon (a watch on the bytes each connection receives);
//! - a kept-alive connection waits at most `http.idle_timeout_seconds` for
//!   its next request (hyper's header-read timer, which runs from the end
//!   of one answer). While an answer is being sent (a Server-Sent Events
//!   stream) the connection is not waiting, so streams are exempt;
//! - at most `http.max_connections` are served at once: the next wait in
//!   the listen backlog, and the log says the limit was reached.
//!
//! A new connection whose first request asks for a live event stream is
//! served on a lean path instead (`event_streams`): no hyper state, no
//! head check, for as long as the stream is open.
//!
//! On shutdown, accepting stops and every connection ends after its
//! request in flight.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower_service::Service;

use super::event_streams::{self, Opening};
use crate::config::HttpConfig;

/// How often a connection checks how long its request head is taking.
const HEAD_CHECK: Duration = Duration::from_millis(250);

/// How often, at most, the log repeats that the connection limit is reached.
const LIMIT_WARNING_EVERY: Duration = Duration::from_secs(60);

/// Serves `app` on `listener` under `limits` until `shutdown` completes,
/// then waits for the connections to finish their requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpConfig,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut last_warning: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if last_warning.is_none_or(|at| at.elapsed() >= LIMIT_WARNING_EVERY) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached: new connections wait until one closes (http.max_connections)"
                    );
                    last_warning = Some(Instant::now());
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a little rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(serve_one(
            stream,
            remote,
            app.clone(),
            limits,
            stop_rx.clone(),
            slot,
        ));
    }
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
}

/// What a connection is doing: its requests in progress (head read,
/// answer not yet fully sent), and since when a request head has been
/// awaited with bytes arriving (or the connection opened) without being
/// complete.
struct Activity {
    in_progress: AtomicUsize,
    head_since: std::sync::Mutex<Option<Instant>>,
}

/// A request in progress; dropped once its answer's body is sent (or
/// abandoned).
struct InProgress(Arc<Activity>);

impl Activity {
    /// A connection opened at `opened`, awaiting its first request head.
    fn since(opened: Instant) -> Arc<Activity> {
        Arc::new(Activity {
            in_progress: AtomicUsize::new(0),
            head_since: std::sync::Mutex::new(Some(opened)),
        })
    }

    /// A request's head is complete.
    fn begin(self: &Arc<Self>) -> InProgress {
        self.in_progress.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut since) = self.head_since.lock() {
            *since = None;
        }
        InProgress(self.clone())
    }

    /// Bytes arrived: between requests, they start a request head.
    fn received(&self) {
        if self.in_progress.load(Ordering::SeqCst) == 0
            && let Ok(mut since) = self.head_since.lock()
        {
            since.get_or_insert_with(Instant::now);
        }
    }

    /// Whether a request head has taken longer than `limit`.
    fn head_too_slow(&self, limit: Duration) -> bool {
        self.in_progress.load(Ordering::SeqCst) == 0
            && self
                .head_since
                .lock()
                .map(|since| since.is_some_and(|at| at.elapsed() >= limit))
                .unwrap_or(true)
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.in_progress.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection's stream, telling its [`Activity`] when bytes arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.received();
        }
        polled
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

async fn serve_one(
    stream: TcpStream,
    remote: SocketAddr,
    app: Router,
    limits: HttpConfig,
    stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    // The first request's head is due this long after the connection
    // opened, whichever path reads it.
    let opened = Instant::now();
    let head_due = tokio::time::Instant::from_std(opened + limits.header_timeout);
    match event_streams::opening(&stream, head_due).await {
        Opening::EventStream => event_streams::serve(stream, remote, app, head_due, stop).await,
        Opening::Nothing => {}
        // Boxed: a stream's task is then the size of the lean path's
        // state, not of hyper's connection.
        Opening::Other => Box::pin(serve_http1(stream, remote, app, limits, opened, stop)).await,
    }
}

/// Serves `stream`, opened at `opened`, through hyper, under `limits`,
/// until it closes or `stop` turns true (after its request in flight).
async fn serve_http1(
    stream: TcpStream,
    remote: SocketAddr,
    app: Router,
    limits: HttpConfig,
    opened: Instant,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Activity::since(opened);
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            let in_progress = activity.begin();
            let mut app = app.clone();
            async move {
                let response = app.call(request.map(Body::new)).await?;
                // The request stays in progress until its body is sent.
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _ = &in_progress;
                        frame
                    }))
                }))
            }
        })
    };
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    // hyper's timer runs while it waits for a request head: from the end
    // of one answer to the end of the next request's head. That is the
    // idle limit; the watch below holds each head to the shorter one.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut check = tokio::time::interval(HEAD_CHECK);
    let mut closing = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended");
                }
                break;
            }
            _ = stop.changed(), if !closing => {
                connection.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = check.tick() => {
                if activity.head_too_slow(limits.header_timeout) {
                    // Dropping the connection closes it, mid-head or not.
                    break;
                }
            }
        }
    }
}
