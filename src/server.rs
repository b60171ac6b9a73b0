//! The running site: shared state, the HTTP server, and the background task
//! that notices content changes made by other processes.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::site::cache::PageCache;
use crate::store::Store;

/// What every request handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub pages: Arc<PageCache>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            pages: Arc::new(PageCache::default()),
        }
    }
}

/// How often the server checks for content changed by another process.
const CONTENT_POLL: Duration = Duration::from_secs(1);

/// Serves the site on `listener` until `shutdown` completes, then finishes
/// the requests in flight and stops the background tasks.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(watch_content(state.clone(), stop_rx));
    let app = crate::site::router(state);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_tx.send(true);
    let _ = watcher.await;
    result
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
