//! The running site: shared state, the HTTP server, and the background task
//! that notices content changes made by other processes.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::push::allowlist::{AllowList, Resolver};
use crate::push::limits::RegistrationLimiter;
use crate::site::cache::PageCache;
use crate::store::Store;

/// What every request handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub pages: Arc<PageCache>,
    pub push: Arc<PushState>,
}

/// What the push API needs besides the store.
#[derive(Debug)]
pub struct PushState {
    pub metrics: Arc<crate::push::metrics::Metrics>,
    /// The site's VAPID public key, base64url, as browsers take it.
    pub public_key: String,
    pub allow_list: Arc<AllowList>,
    pub limiter: RegistrationLimiter,
}

/// A configuration the server cannot start with.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StateError(String);

impl AppState {
    /// The delivery engine for this state, signing with `vapid` as the
    /// configured subject; `None` when workers are off or no subject is set
    /// (then the log says how to set one).
    pub fn engine(
        &self,
        vapid: webpush::VapidKeys,
    ) -> Result<Option<crate::push::worker::Engine>, StateError> {
        let push = &self.config.push;
        if push.workers == 0 {
            return Ok(None);
        }
        let Some(subject) = &push.vapid_subject else {
            tracing::warn!(
                "notifications are not sent: set push.vapid_subject (or HERALD_VAPID_SUBJECT) to a mailto: or https: URL where push services can reach you"
            );
            return Ok(None);
        };
        let subject = webpush::Subject::new(subject)
            .map_err(|e| StateError(format!("push.vapid_subject: {e}")))?;
        let sender = crate::push::delivery::Sender::new(
            webpush::Vapid::new(vapid, subject),
            self.push.allow_list.clone(),
            push.concurrency_per_origin,
        )
        .map_err(|e| StateError(format!("cannot create the HTTP client: {e}")))?;
        Ok(Some(crate::push::worker::Engine {
            store: self.store.clone(),
            sender: Arc::new(sender),
            metrics: self.push.metrics.clone(),
            settings: crate::push::worker::WorkerSettings {
                workers: push.workers,
                shard_size: push.shard_size,
                batch_size: push.batch_size,
                lease: Duration::from_secs(push.lease_seconds),
                poll: Duration::from_millis(push.poll_ms),
                retry: crate::push::retry::RetryPolicy {
                    base: Duration::from_millis(push.retry_base_ms),
                    ..Default::default()
                },
                ..Default::default()
            },
            base_url: self.config.base_url.to_string(),
            site_name: self.config.site.name.clone(),
            reminders: self.config.reminders.clone(),
            clock: crate::push::worker::Clock::system(),
        }))
    }

    /// The state for `config`, signing with `vapid`, resolving push hosts with
    /// `resolver`.
    pub fn new(
        store: Store,
        config: Config,
        vapid: &webpush::VapidKeys,
        resolver: Resolver,
    ) -> Result<AppState, StateError> {
        let allow_list =
            Arc::new(AllowList::new(&config.push.allowed_hosts, resolver).map_err(StateError)?);
        for entry in allow_list.explicit_entries() {
            tracing::warn!(
                entry = %entry,
                "PUSH ALLOW-LIST: {entry} is trusted without the private-address check; use this only for local push services"
            );
        }
        let limiter = RegistrationLimiter::new(config.push.registrations_per_ip_per_hour);
        Ok(AppState {
            store,
            pages: Arc::new(PageCache::default()),
            push: Arc::new(PushState {
                metrics: Arc::new(crate::push::metrics::Metrics::default()),
                public_key: vapid.public_key_base64url(),
                allow_list,
                limiter,
            }),
            config: Arc::new(config),
        })
    }
}

/// How often the server checks for content changed by another process.
const CONTENT_POLL: Duration = Duration::from_secs(1);

/// How long delivery workers get to checkpoint their work on shutdown.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

/// Serves the site on `listener` until `shutdown` completes, with the
/// delivery `engine` running beside it when given; then finishes the
/// requests in flight and stops the background tasks.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    engine: Option<crate::push::worker::Engine>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(watch_content(state.clone(), stop_rx.clone()));
    // Followers per topic, once a day, for the newsroom's trend.
    let audience = tokio::spawn(crate::newsroom::audience::run_daily_snapshots(
        state.store.clone(),
        stop_rx.clone(),
    ));
    let workers = engine.map(|engine| tokio::spawn(engine.run(stop_rx)));
    let app = crate::site::router(state);
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    let _ = stop_tx.send(true);
    let _ = watcher.await;
    let _ = audience.await;
    if let Some(workers) = workers {
        // Workers finish and checkpoint their batch in flight, within a deadline;
        // past it, the leases expire and another worker resumes.
        if tokio::time::timeout(SHUTDOWN_DEADLINE, workers)
            .await
            .is_err()
        {
            tracing::warn!(
                "delivery workers did not stop in time; their shards resume after the lease"
            );
        }
    }
    result
}

/// Runs delivery workers alone (`herald worker`) until `shutdown` completes.
pub async fn run_workers(engine: crate::push::worker::Engine, shutdown: impl Future<Output = ()>) {
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

/// Invalidates cached pages when what readers may see has changed: a write
/// by any process (`herald story add` while the site runs), or a scheduled
/// story's time arriving.
async fn watch_content(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut last = None;
    let mut ticker = tokio::time::interval(CONTENT_POLL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        match state.store.fingerprint(Utc::now()).await {
            Ok(now) => {
                if last.is_some_and(|previous| previous != now) {
                    tracing::debug!(
                        version = now.content_version,
                        "content changed; page cache cleared"
                    );
                    state.pages.invalidate();
                }
                last = Some(now);
            }
            Err(e) => tracing::warn!(error = %e, "cannot check for content changes"),
        }
    }
}
