//! Waking delivery workers in other processes when a fan-out job is
//! committed.
//!
//! A story published in the process that delivers wakes its workers through
//! an in-process [`Notify`]. Workers in other processes would find the job
//! only at their next poll (`push.poll_ms`): `herald serve` while
//! `herald story add --publish` runs beside it on SQLite, or `herald worker`
//! nodes while a web node publishes on PostgreSQL. Each backend has a bell
//! for them:
//!
//! - SQLite: a Unix datagram socket in the data folder ([`WORKERS_SOCKET_FILE`]),
//!   bound by the process that runs delivery workers; a publisher sends it
//!   one byte.
//! - PostgreSQL: `NOTIFY` on [`JOBS_CHANNEL`], heard through `LISTEN` on one
//!   connection of its own in each process that runs delivery workers.
//!
//! The bell only hurries the workers: a ring that is lost (nobody listening,
//! a full socket buffer, a dropped connection) costs at most one poll
//! interval, never a job, so every failure here is logged and passed over.
//!
//! Live coverage has a bell of its own on PostgreSQL ([`LIVE_CHANNEL`]):
//! an entry written on one web node wakes every node's live hub, which
//! streams it to that node's readers. On SQLite, other processes' entries
//! are found by the hub's poll.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::{Notify, watch};

/// The socket's name inside the data folder.
pub const WORKERS_SOCKET_FILE: &str = "workers.sock";

/// The PostgreSQL notification channel of fan-out jobs.
pub const JOBS_CHANNEL: &str = "herald_jobs";

/// The PostgreSQL notification channel of live entries.
pub const LIVE_CHANNEL: &str = "herald_live";

/// The PostgreSQL notification channel of changes readers may see (the
/// page caches' watchers).
pub const CONTENT_CHANNEL: &str = "herald_content";

/// The pause before listening again after the first failure in a row.
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// The longest pause between two attempts to listen again after a failure.
const MAX_RETRY: Duration = Duration::from_secs(30);

/// How a process tells delivery workers elsewhere that a job is due.
#[derive(Clone)]
pub(super) enum Bell {
    /// SQLite: the socket at this path.
    Socket(PathBuf),
    /// PostgreSQL: `NOTIFY`; listeners connect to this URL (it may hold a
    /// password: never printed, see the `Debug` impl).
    Postgres { url: String },
}

impl std::fmt::Debug for Bell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bell::Socket(path) => f.debug_tuple("Socket").field(path).finish(),
            Bell::Postgres { .. } => f.write_str("Postgres"),
        }
    }
}

impl Bell {
    /// The bell of the SQLite database in `data`.
    pub(super) fn for_data_folder(data: &Path) -> Bell {
        Bell::Socket(data.join(WORKERS_SOCKET_FILE))
    }

    /// Tells the workers of every other process that a job is due.
    pub(super) async fn ring(&self, pool: &AnyPool) {
        match self {
            Bell::Socket(path) => socket::ring(path),
            Bell::Postgres { .. } => {
                if let Err(e) = notify_postgres(pool, JOBS_CHANNEL).await {
                    tracing::warn!(
                        error = %e,
                        "could not wake other nodes' delivery workers; they find the job at their next poll"
                    );
                }
            }
        }
    }

    /// Tells every other process listening on `channel` (the live hubs,
    /// the page caches' watchers) that something was written (PostgreSQL;
    /// on SQLite they poll).
    pub(super) async fn ring_others(&self, pool: &AnyPool, channel: &str) {
        if let Bell::Postgres { .. } = self
            && let Err(e) = notify_postgres(pool, channel).await
        {
            tracing::warn!(
                error = %e,
                channel,
                "could not wake the other nodes; they find the change at their next poll"
            );
        }
    }

    /// Wakes `waiter` (one waiter: a wake while it works is kept for it)
    /// whenever another process rings `channel`, until `stop` turns true.
    /// On SQLite there is nothing to hear: it waits for `stop`.
    pub(super) async fn listen_others(
        &self,
        channel: &str,
        waiter: Arc<Notify>,
        mut stop: watch::Receiver<bool>,
    ) {
        match self {
            Bell::Socket(_) => stopped(&mut stop).await,
            Bell::Postgres { url } => {
                listen_postgres(url, channel, &|| waiter.notify_one(), stop).await;
            }
        }
    }

    /// Wakes `workers` whenever another process rings, until `stop` turns
    /// true.
    pub(super) async fn listen(&self, workers: Arc<Notify>, stop: watch::Receiver<bool>) {
        match self {
            Bell::Socket(path) => socket::listen(path, &workers, stop).await,
            Bell::Postgres { url } => {
                listen_postgres(url, JOBS_CHANNEL, &|| workers.notify_waiters(), stop).await;
            }
        }
    }
}

/// Resolves when `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Sends a notification on `channel`.
async fn notify_postgres(pool: &AnyPool, channel: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(channel)
        .execute(pool)
        .await
        .map(drop)
}

/// Listens on `channel`, calling `wake` at each notification, and
/// connecting again (with a growing pause) whenever the connection fails. A
/// connection lost and re-established may have missed rings, so `wake` is
/// called then too.
async fn listen_postgres(
    url: &str,
    channel: &str,
    wake: &(dyn Fn() + Sync),
    mut stop: watch::Receiver<bool>,
) {
    let mut retry = FIRST_RETRY;
    loop {
        let failure = tokio::select! {
            failure = hear_postgres(url, channel, wake, &mut retry) => failure,
            () = stopped(&mut stop) => return,
        };
        tracing::warn!(
            error = %failure,
            channel,
            retry_in_ms = retry.as_millis() as u64,
            "cannot listen for other nodes' notifications; polling meanwhile"
        );
        wake();
        tokio::select! {
            () = tokio::time::sleep(retry) => {}
            () = stopped(&mut stop) => return,
        }
        retry = (retry * 2).min(MAX_RETRY);
    }
}

/// Connects, listens on `channel`, and calls `wake` at each notification
/// (and when the connection was lost and made again) until listening
/// fails; `retry` starts over once listening has begun.
async fn hear_postgres(
    url: &str,
    channel: &str,
    wake: &(dyn Fn() + Sync),
    retry: &mut Duration,
) -> sqlx::Error {
    let mut listener = match sqlx::postgres::PgListener::connect(url).await {
        Ok(listener) => listener,
        Err(e) => return e,
    };
    if let Err(e) = listener.listen(channel).await {
        return e;
    }
    *retry = FIRST_RETRY;
    loop {
        match listener.try_recv().await {
            Ok(_) => wake(),
            Err(e) => return e,
        }
    }
}

#[cfg(unix)]
mod socket {
    //! The SQLite bell: a Unix datagram socket in the data folder.

    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    use tokio::net::UnixDatagram;
    use tokio::sync::{Notify, watch};

    /// Sends one byte to the socket at `path`, without waiting: when no
    /// process listens there, or its buffer is full (a wake is pending
    /// anyway), there is nobody to hurry.
    pub(super) fn ring(path: &Path) {
        let sent = std::os::unix::net::UnixDatagram::unbound().and_then(|socket| {
            socket.set_nonblocking(true)?;
            socket.send_to(b"!", path)
        });
        if let Err(e) = sent {
            tracing::trace!(error = %e, "no delivery workers listening in another process");
        }
    }

    /// Binds `path` (replacing a socket left by a process that ended
    /// without removing it) and wakes `workers` at each datagram until
    /// `stop`; then removes the socket, unless another process has replaced
    /// it meanwhile.
    pub(super) async fn listen(path: &Path, workers: &Notify, mut stop: watch::Receiver<bool>) {
        let socket = match bind(path) {
            Ok(socket) => socket,
            Err(e) => {
                tracing::warn!(
                    path = %path.display(),
                    error = %e,
                    "delivery workers: cannot listen for stories published by other processes; they find them at their next poll"
                );
                return;
            }
        };
        let bound = std::fs::metadata(path).map(|m| m.ino()).ok();
        let mut buffer = [0u8; 8];
        loop {
            tokio::select! {
                heard = socket.recv(&mut buffer) => match heard {
                    Ok(_) => workers.notify_waiters(),
                    Err(e) => {
                        tracing::warn!(error = %e, "delivery workers: the wake-up socket failed; polling from now on");
                        break;
                    }
                },
                () = super::stopped(&mut stop) => break,
            }
        }
        if std::fs::metadata(path).map(|m| m.ino()).ok() == bound {
            let _ = std::fs::remove_file(path);
        }
    }

    fn bind(path: &Path) -> std::io::Result<UnixDatagram> {
        match UnixDatagram::bind(path) {
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                std::fs::remove_file(path)?;
                UnixDatagram::bind(path)
            }
            bound => bound,
        }
    }
}

#[cfg(not(unix))]
mod socket {
    //! No Unix sockets here: workers find other processes' jobs by polling.

    use std::path::Path;

    use tokio::sync::{Notify, watch};

    pub(super) fn ring(_path: &Path) {}

    pub(super) async fn listen(_path: &Path, _workers: &Notify, _stop: watch::Receiver<bool>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postgres_bell_never_prints_its_url() {
        let bell = Bell::Postgres {
            url: "postgres://herald:s3cret@db.internal/news".into(),
        };
        let shown = format!("{bell:?}");
        assert_eq!(shown, "Postgres");
    }

    #[test]
    fn the_sqlite_bell_is_a_socket_in_the_data_folder() {
        let Bell::Socket(path) = Bell::for_data_folder(Path::new("/srv/herald")) else {
            panic!("not a socket");
        };
        assert_eq!(path, Path::new("/srv/herald/workers.sock"));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_ring_wakes_the_listener_and_a_stale_socket_is_replaced() {
        let dir = tempfile::tempdir().expect("tmp");
        let bell = Bell::for_data_folder(dir.path());
        let Bell::Socket(path) = &bell else {
            unreachable!()
        };
        // Left behind by a process that was killed.
        drop(std::os::unix::net::UnixDatagram::bind(path).expect("stale socket"));
        let workers = Arc::new(Notify::new());
        let (stop, stopping) = watch::channel(false);
        let listening = tokio::spawn({
            let (bell, workers) = (bell.clone(), workers.clone());
            async move { bell.listen(workers, stopping).await }
        });
        let woken = workers.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        // Ring until heard: the listener binds in its own time.
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                socket::ring(path);
                tokio::select! {
                    () = &mut woken => return,
                    () = tokio::time::sleep(Duration::from_millis(20)) => {}
                }
            }
        })
        .await
        .expect("the ring was never heard");
        stop.send(true).expect("stop");
        listening.await.expect("listener");
        assert!(!path.exists(), "the socket outlived its listener");
    }
}
