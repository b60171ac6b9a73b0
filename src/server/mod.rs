//! The running site: the root router that puts the reader's site, the API
//! and the newsroom together with the layers every answer passes (error
//! pages, security headers), the HTTP server, and the background tasks
//! beside it (content changes made by other processes, the audience
//! snapshot of followers per topic, the delivery engine).

mod connections;
mod event_streams;
mod listen;
mod periodic;

pub use listen::bind as bind_listener;

use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};

use crate::site::{templates, view};
use crate::store::{Fingerprint, Touched};
use crate::web::AppState;
use crate::web::page_error::{AppError, ErrorInfo};

/// The whole application: every route of the reader's site, the JSON API
/// and the newsroom, with the layers every answer passes through.
pub fn router(state: AppState) -> Router {
    let https = state.config.base_url.scheme() == "https";
    Router::new()
        .merge(crate::site::router())
        .merge(crate::api::router())
        .merge(crate::newsroom::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), error_pages))
        .layer(middleware::map_response(
            move |response: Response| async move { security_headers(response, https) },
        ))
        .with_state(state)
}

/// How long delivery workers get to checkpoint their work on shutdown.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

/// Serves the site on `listener` until `shutdown` completes, with the
/// delivery `engine` running beside it when given; then finishes the
/// requests in flight and stops the background tasks.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    engine: Option<crate::delivery::worker::Engine>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(watch_content(state.clone(), stop_rx.clone()));
    // Followers per topic, once a day, for the newsroom's trend.
    let audience = {
        use crate::subscriptions::follower_trend::{
            FIRST_CHECK, SNAPSHOT_CHECK, snapshot_if_missing,
        };
        let store = state.store.clone();
        let snapshot = move |_| snapshot_if_missing(store.clone());
        tokio::spawn(periodic::run(
            FIRST_CHECK,
            SNAPSHOT_CHECK,
            stop_rx.clone(),
            snapshot,
        ))
    };
    // The search index merged into one segment, once a day.
    let search_merge = {
        use crate::search::upkeep::{FIRST_MERGE, MERGE_EVERY, scheduled_merge};
        let store = state.store.clone();
        let merge = move |stop| scheduled_merge(store.clone(), stop);
        tokio::spawn(periodic::run(
            FIRST_MERGE,
            MERGE_EVERY,
            stop_rx.clone(),
            merge,
        ))
    };
    let live = tokio::spawn(crate::site::live_stream::run_hub(
        state.clone(),
        stop_rx.clone(),
    ));
    let workers = engine.map(|engine| tokio::spawn(engine.run(stop_rx.clone())));
    let metrics = match state.config.metrics_bind {
        Some(address) => Some(serve_metrics(address, state.clone(), stop_rx).await?),
        None => None,
    };
    let limits = state.config.http;
    // Event streams never finish by themselves: they close when shutdown
    // begins, so that the requests in flight can finish.
    let hub = state.live.clone();
    let shutdown = async move {
        shutdown.await;
        hub.close_streams();
    };
    connections::serve(listener, router(state), limits, shutdown).await;
    let _ = stop_tx.send(true);
    let _ = watcher.await;
    let _ = live.await;
    let _ = audience.await;
    let _ = search_merge.await;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    if let Some(workers) = workers {
        await_workers(workers).await;
    }
    Ok(())
}

/// Serves `/metrics` alone, without a token, on `address` (a private
/// network's), until `stop` turns true.
async fn serve_metrics(
    address: std::net::SocketAddr,
    state: AppState,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let listener = listen::bind(address, state.config.http.listen_backlog).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen on metrics_bind {address}: {e}"),
        )
    })?;
    tracing::info!("metrics are served at http://{address}/metrics");
    let limits = state.config.http;
    let app = crate::api::metrics_router(state);
    Ok(tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.wait_for(|stop| *stop).await;
        };
        connections::serve(listener, app, limits, stopped).await;
    }))
}

/// Runs delivery workers alone (`herald worker`) until `shutdown` completes.
pub async fn run_workers(
    engine: crate::delivery::worker::Engine,
    shutdown: impl Future<Output = ()>,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers = tokio::spawn(engine.run(stop_rx));
    shutdown.await;
    let _ = stop_tx.send(true);
    await_workers(workers).await;
}

/// Workers finish and checkpoint their batch in flight, within a deadline;
/// past it, their leases expire and another worker resumes.
async fn await_workers(workers: tokio::task::JoinHandle<()>) {
    if tokio::time::timeout(SHUTDOWN_DEADLINE, workers)
        .await
        .is_err()
    {
        tracing::warn!(
            "delivery workers did not stop in time; their shards resume after the lease"
        );
    }
}

/// Drops the cached pages that what readers may see has changed on: a
/// write by any process (`herald story add` while the site runs, another
/// web node), read from the store's change log since the version last seen,
/// or a scheduled story's time arriving. A page no change touched stays.
/// It looks every `content_poll`, and at once when this process writes or
/// (PostgreSQL) another node says it wrote, so that a page rendered in the
/// moment after a publish is not rendered again a second later.
async fn watch_content(state: AppState, mut stop: watch::Receiver<bool>) {
    // Other nodes' writes wake it too, on PostgreSQL.
    let listening = tokio::spawn({
        let (store, stop) = (state.store.clone(), stop.clone());
        async move { store.hear_other_processes_content(stop).await }
    });
    let mut last: Option<(Fingerprint, chrono::DateTime<Utc>)> = None;
    let mut ticker = tokio::time::interval(state.config.content_poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // This process's own writes wake it at once; others' at the poll.
        tokio::select! {
            _ = ticker.tick() => {}
            () = state.store.content_written() => {}
            _ = stop.changed() => break,
        }
        let at = Utc::now();
        match state.store.fingerprint(at).await {
            Ok(now) => {
                if let Some((previous, since)) = last
                    && previous != now
                {
                    let touched = match changes_between(&state, previous, now, since, at).await {
                        Ok(touched) => touched,
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot read what changed; page cache cleared");
                            Touched::everything()
                        }
                    };
                    tracing::debug!(
                        version = now.content_version,
                        everything = touched.everything,
                        stories = touched.stories.len(),
                        "content changed; touched pages dropped"
                    );
                    state.pages.invalidate_touched(&touched);
                }
                last = Some((now, at));
            }
            Err(e) => tracing::warn!(error = %e, "cannot check for content changes"),
        }
    }
    let _ = listening.await;
}

/// What changed between two fingerprints taken at `since` and `at`: the
/// writes in the change log, and the stories whose time arrived.
async fn changes_between(
    state: &AppState,
    previous: Fingerprint,
    now: Fingerprint,
    since: chrono::DateTime<Utc>,
    at: chrono::DateTime<Utc>,
) -> Result<Touched, crate::store::StoreError> {
    let mut touched = state
        .store
        .content_changes_since(previous.content_version, now.content_version)
        .await?;
    touched.merge(state.store.arrivals_touched(since, at).await?);
    if touched.is_empty() {
        // Something changed that neither explains (a clock gone back):
        // be safe.
        return Ok(Touched::everything());
    }
    Ok(touched)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Renders the error page for any response that carries an [`ErrorInfo`].
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let status = response.status();
    let page = match view::site_view(&state).await {
        Ok(site) => templates::ErrorPage {
            meta: view::error_meta(&state, info.heading),
            site: &site,
            heading: info.heading.to_owned(),
            message: info.message.clone(),
        }
        .render(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the error page");
            return (status, info.message).into_response();
        }
    };
    match page {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => (status, Body::from(info.message)).into_response(),
    }
}

/// Headers every answer carries: no MIME sniffing, a strict referrer policy,
/// a content security policy that allows only the site's own script and
/// the YouTube player a reader asks for, and, on a site whose public
/// address is https, HSTS: browsers then never try it over plain http.
fn security_headers(mut response: Response, https: bool) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    // A handler may set a stricter referrer policy (a preview link does).
    headers
        .entry("referrer-policy")
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    // A handler may set a stricter policy of its own (media does).
    headers
        .entry("content-security-policy")
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; img-src 'self' https: data:; script-src 'self'; style-src 'self'; \
             frame-src https://www.youtube-nocookie.com; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ));
    if https {
        headers.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
