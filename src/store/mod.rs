//! Storage: one interface over the database, one module per aggregate
//! (stories, topics, media and images, subscriptions, accounts, the
//! fan-out, reminders, site state). It writes what the domain decided, in
//! one transaction, and keeps only the rules that must hold inside one
//! (a unique slug, a version, the last admin), saying which a write would
//! break with a typed [`Conflict`]. SQL is portable where it can be;
//! where backends must differ, the difference sits beside its portable twin
//! and is chosen by [`Backend`].
//!
//! The embedded default is SQLite in WAL mode in the data folder
//! ([`Store::open_data_folder`]); a `postgres://` URL
//! ([`Store::connect`]) gives the same features on PostgreSQL, for sites
//! with many web nodes and delivery workers.

mod accounts;
mod backup;
mod batch;
mod conflict;
mod content_changes;
mod editorial;
mod fanout;
mod follower_history;
mod hot_queries;
mod images;
mod json_rows;
mod live;
mod media;
mod migrate;
mod reminders;
mod rows;
mod search;
mod secrets;
mod site_state;
mod stories;
mod story_follows;
mod subscriptions;
mod topics;
mod wake;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use crate::secrets::key_file::{self, KeyFileError};
use crate::secrets::{Keyring, SealError, private_files};

pub use accounts::{
    InviteRecord, NewInvite, NewSession, NewUser, SessionRecord, TokenOwner, TokenRecord,
    UserRecord,
};
pub use backup::check_database_file;
pub use conflict::Conflict;
pub use content_changes::Touched;
pub use editorial::{
    Actor, AutosaveRecord, Correction, EditingRecord, EditorialRecord, ListedStory,
    PreviewLinkRecord, RevisionAction, RevisionRecord, RevisionSnapshot, StoryQuery, StoryStatus,
};
pub use fanout::{
    Audience, Checkpoint, DEFAULT_TTL_SECONDS, DeliveryTally, DueRetry, EarlierNotifications,
    FailureEntry, HostTally, JobInfo, JobKind, JobStats, Outcomes, PushStats, Recipient,
    RetryEntry, ShardLease, ShardProgress, ShardRecipient, UpdateError, UpdateSettings,
};
pub use follower_history::{FollowerPoint, TopicFollowers, day_start};
pub use hot_queries::{HotArg, HotQuery, LARGE_TABLES};
pub use images::{RenditionSize, StoredImage};
pub use live::{EntryAuthor, EntryState, EntryWrite, LiveChange, LiveEntryRecord};
pub use media::{MediaUpload, StoredMedia};
pub use reminders::{
    DueDigest, HeldStory, MAX_DIGESTS_PER_CLAIM, OpenedStory, PendingReminder, PostponedDigest,
    SilentSubscription, SlotClaim, reminder_columns, stored_reminders,
};
pub use search::{SNIPPET_END, SNIPPET_START, SearchHit, SearchParams, SearchResults, SearchTerms};
pub use secrets::Reseal;
pub use site_state::Fingerprint;
pub use stories::{
    JobChange, SaveOptions, SaveOutcome, SavePlan, SaveState, SaveTarget, StoryPage,
};
pub use story_follows::{FollowedStory, STORY_FOLLOW_LAPSE_SECONDS, StoryFollow};
pub use subscriptions::{Click, NewSubscription, Registered, SubscriptionRecord};
pub use wake::{CONTENT_CHANNEL, JOBS_CHANNEL, WORKERS_SOCKET_FILE};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database, shared by every part of Herald that reads or writes.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// The connections that read the search index: on SQLite a few of
    /// their own, whose reads are memory-mapped (see
    /// [`SQLITE_SEARCH_PRAGMAS`]); on PostgreSQL the same pool.
    search_pool: AnyPool,
    backend: Backend,
    /// Woken when this process commits a fan-out job that is due now, so
    /// that its delivery workers start without waiting for their next poll.
    jobs_committed: Arc<Notify>,
    /// Wakes the delivery workers of other processes on the same database.
    bell: Arc<wake::Bell>,
    /// Woken when this process commits a live entry (or the end of a
    /// coverage), or hears that another did: the live hub's wake-up.
    live_written: Arc<Notify>,
    /// Woken when this process commits a change readers may see: the page
    /// cache's watcher (`server::watch_content`).
    content_written: Arc<Notify>,
    /// Seals the secrets the database keeps (see [`crate::secrets`]); on
    /// SQLite the data folder's, on PostgreSQL none until
    /// [`Store::use_keyring`] gives the operator's.
    keyring: Option<Arc<Keyring>>,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data folder {path}: {reason}")]
    DataFolder { path: PathBuf, reason: String },
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    /// `url` has its password removed: it is safe to print.
    #[error("cannot connect to the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("{url} is not a database URL Herald can use: {reason}")]
    Url { url: String, reason: String },
    #[error(
        "the database has migration {found}, newer than this Herald knows ({known}); run a newer Herald"
    )]
    TooNew { found: i64, known: i64 },
    /// The write would break a rule the database keeps (a unique name, a
    /// version, a reference): matched by kind, never by its words.
    #[error("{field}: {0}", field = .0.field())]
    Conflict(Conflict),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("cannot keep the secret key: {0}")]
    KeyFile(#[from] KeyFileError),
    #[error(
        "no secret key is configured to seal or open secrets in this database (HERALD_SECRET_KEY)"
    )]
    NoSecretKey,
    #[error("a sealed secret ({context}) cannot be opened: {source}")]
    Sealed { context: String, source: SealError },
}

impl StoreError {
    /// Whether the database was too busy to answer in time: another
    /// process held SQLite's write lock past `busy_timeout`, or every pooled
    /// connection stayed in use past the pool's timeout. Worth another try
    /// in a moment; nothing was written.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended
            // codes (the low byte is the primary code).
            StoreError::Database(sqlx::Error::Database(e)) => e
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .and_then(|sqlite| {
                    sqlx::error::DatabaseError::code(sqlite)?
                        .parse::<i32>()
                        .ok()
                })
                .is_some_and(|code| matches!(code & 0xff, 5 | 6)),
            _ => false,
        }
    }
}

/// Set on every SQLite connection: wait for locks rather than fail at once,
/// write-ahead logging so readers never block the writer, and enforced
/// foreign keys.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// Set, after [`SQLITE_PRAGMAS`], on the connections that search: they
/// read the database through a memory map of up to 1 GiB (SQLite then
/// reads a page where it lies in the OS's cache, without copying it into a
/// cache of its own: a search is about a third faster, bench/README.md),
/// and they never write. Only these: on every connection, each page a
/// fan-out read through the map counted in Herald's resident memory (peak
/// RSS 344 MB at a million subscribers against 82 MB without), where the
/// search connections map only the pages searches read, which the kernel
/// can drop whenever it needs the memory (they are the file's own pages).
const SQLITE_SEARCH_PRAGMAS: &str = "PRAGMA mmap_size = 1073741824; PRAGMA query_only = ON;";

/// Connections a SQLite store opens at most for searches (fewer when its
/// pool is smaller): a search is a few milliseconds of one core's work.
const SQLITE_SEARCH_CONNECTIONS: u32 = 4;

/// The database file's name inside the data folder.
pub const DATABASE_FILE: &str = "herald.db";

/// Connections a PostgreSQL pool opens at most, unless the caller says
/// otherwise. Ten covers the web handlers and a few delivery workers of one
/// process while leaving room under PostgreSQL's default `max_connections`
/// (100) for several nodes.
pub const DEFAULT_POOL_SIZE: u32 = 10;

/// Connections a SQLite pool opens at most, unless the caller says
/// otherwise. SQLite has one writer at a time; more connections only add
/// readers.
pub const SQLITE_POOL_SIZE: u32 = 8;

/// How long `/healthz` waits for the database: a load balancer's health
/// check must get an answer (503) during an outage, not a timeout, and the
/// pool's own wait for a connection is longer than that.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

impl Store {
    /// Opens the configured database: PostgreSQL when `database_url` is
    /// given, otherwise SQLite in the data folder, each with its default
    /// pool size.
    pub async fn open(data: &Path, database_url: Option<&str>) -> Result<Store, StoreError> {
        Store::open_with_pool(data, database_url, None).await
    }

    /// [`Store::open`] with a pool of at most `pool_size` connections
    /// (`config.database_pool_size`); `None` keeps the backend's default
    /// ([`DEFAULT_POOL_SIZE`] on PostgreSQL, [`SQLITE_POOL_SIZE`] on SQLite).
    pub async fn open_with_pool(
        data: &Path,
        database_url: Option<&str>,
        pool_size: Option<u32>,
    ) -> Result<Store, StoreError> {
        match database_url {
            Some(url) => Store::connect(url, pool_size.unwrap_or(DEFAULT_POOL_SIZE)).await,
            None => Store::open_sqlite(data, pool_size.unwrap_or(SQLITE_POOL_SIZE)).await,
        }
    }

    /// Connects to PostgreSQL (`postgres://` or `postgresql://`) with a
    /// pool of at most `pool_size` connections and applies migrations (one
    /// node at a time: see `migrate`). Errors name the URL without its
    /// password.
    pub async fn connect(url: &str, pool_size: u32) -> Result<Store, StoreError> {
        let shown = redact(url);
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        if !matches!(scheme, Some("postgres" | "postgresql")) {
            return Err(StoreError::Url {
                url: shown,
                reason: "only postgres:// URLs are supported (SQLite lives in the data folder)"
                    .into(),
            });
        }
        let connect_error = |source: sqlx::Error| StoreError::Connect {
            url: shown.clone(),
            source,
        };
        sqlx::any::install_default_drivers();
        let options = AnyConnectOptions::from_str(url).map_err(connect_error)?;
        let pool = AnyPoolOptions::new()
            .max_connections(pool_size.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        let store = Store {
            search_pool: pool.clone(),
            pool,
            backend: Backend::Postgres,
            jobs_committed: Arc::default(),
            live_written: Arc::default(),
            content_written: Arc::default(),
            bell: Arc::new(wake::Bell::Postgres {
                url: url.to_owned(),
            }),
            keyring: None,
        };
        store.migrate().await.map_err(|e| match e {
            StoreError::Database(source) => connect_error(source),
            other => other,
        })?;
        Ok(store)
    }

    /// Opens (creating when needed) the SQLite database in `data`, switches it
    /// to WAL mode and applies migrations. Every failure names the path.
    pub async fn open_data_folder(data: &Path) -> Result<Store, StoreError> {
        Store::open_sqlite(data, SQLITE_POOL_SIZE).await
    }

    /// [`Store::open_data_folder`] with a pool of at most `pool_size`
    /// connections.
    async fn open_sqlite(data: &Path, pool_size: u32) -> Result<Store, StoreError> {
        let folder_error = |reason: String| StoreError::DataFolder {
            path: data.to_path_buf(),
            reason,
        };
        private_files::secure_folder(data).map_err(|e| folder_error(e.to_string()))?;
        let keyring = key_file::load_or_create(&data.join(key_file::KEY_FILE))?;
        let probe = data.join(".herald-write-check");
        std::fs::write(&probe, b"").map_err(|e| folder_error(format!("not writable ({e})")))?;
        let _ = std::fs::remove_file(&probe);

        let path = data.join(DATABASE_FILE);
        // Made private before SQLite opens it: its -wal and -shm files
        // take the database's mode.
        private_files::create_private(&path).map_err(|e| folder_error(e.to_string()))?;
        let open_error = |source: sqlx::Error| StoreError::Open {
            path: path.clone(),
            source,
        };
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", percent_encode_path(&path));
        let options = AnyConnectOptions::from_str(&url).map_err(open_error)?;
        // One connection first, so that a corrupt or locked file is reported
        // as what it is rather than as a pool that never fills.
        let mut first = AnyConnection::connect_with(&options)
            .await
            .map_err(open_error)?;
        first.execute(SQLITE_PRAGMAS).await.map_err(open_error)?;
        first
            .execute("SELECT COUNT(*) FROM sqlite_master")
            .await
            .map_err(open_error)?;
        first.close().await.map_err(open_error)?;
        let search_pool = sqlite_pool(
            pool_size.clamp(1, SQLITE_SEARCH_CONNECTIONS),
            SQLITE_SEARCH_PRAGMAS,
        )
        .connect_lazy_with(options.clone());
        let pool = sqlite_pool(pool_size.max(1), "")
            .connect_with(options)
            .await
            .map_err(open_error)?;
        let store = Store {
            pool,
            search_pool,
            backend: Backend::Sqlite,
            jobs_committed: Arc::default(),
            live_written: Arc::default(),
            content_written: Arc::default(),
            bell: Arc::new(wake::Bell::for_data_folder(data)),
            keyring: None,
        };
        store.migrate().await.map_err(|e| match e {
            StoreError::Database(source) => open_error(source),
            other => other,
        })?;
        store.use_keyring(keyring).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Resolves when this process next commits a fan-out job that is due
    /// now, or hears that another did (while
    /// [`Store::hear_other_processes_jobs`] runs). Only waiters that exist
    /// at that moment are woken: create it (and [`Notified::enable`] it)
    /// before looking for work, so that a job committed while looking is
    /// not missed.
    pub fn job_committed(&self) -> Notified<'_> {
        self.jobs_committed.notified()
    }

    /// Wakes the delivery workers, this process's and every other's on the
    /// same database: a job due now is committed.
    async fn announce_job(&self) {
        self.jobs_committed.notify_waiters();
        self.bell.ring(&self.pool).await;
    }

    /// Wakes this process's delivery workers (see [`Store::job_committed`])
    /// whenever another process on the same database commits a job due now,
    /// until `stop` turns true: through a socket in the data folder on
    /// SQLite, `LISTEN` on PostgreSQL (one connection of its own). Without
    /// it they find such jobs at their next poll.
    pub async fn hear_other_processes_jobs(&self, stop: tokio::sync::watch::Receiver<bool>) {
        self.bell.listen(self.jobs_committed.clone(), stop).await;
    }

    /// Resolves when this process commits a live change, or hears that
    /// another did (while [`Store::hear_other_processes_live`] runs); a
    /// change made while nobody waits wakes the next wait. For one waiter:
    /// the live hub.
    pub async fn live_written(&self) {
        self.live_written.notified().await;
    }

    /// Wakes the live hubs, this process's and every other's on the same
    /// database: a live change is committed.
    async fn announce_live(&self) {
        self.live_written.notify_one();
        // A live change changes its story's pages too.
        self.announce_content().await;
        self.bell.ring_others(&self.pool, wake::LIVE_CHANNEL).await;
    }

    /// Resolves when this process commits a change readers may see (a
    /// story, a topic, a live entry); a change made while nobody waits
    /// wakes the next wait. For one waiter: the page cache's watcher, which
    /// then reads what the change touched. Other processes' changes wake it
    /// while [`Store::hear_other_processes_content`] runs (PostgreSQL), or
    /// are found by its poll.
    pub async fn content_written(&self) {
        self.content_written.notified().await;
    }

    /// Wakes the page caches' watchers, this process's and every other's
    /// on the same database: a change readers may see is committed.
    async fn announce_content(&self) {
        self.content_written.notify_one();
        self.bell
            .ring_others(&self.pool, wake::CONTENT_CHANNEL)
            .await;
    }

    /// Wakes this process's page cache watcher (see
    /// [`Store::content_written`]) whenever another process on the same
    /// database commits a change readers may see, until `stop` turns true:
    /// `LISTEN` on PostgreSQL; on SQLite nothing is heard (it polls).
    pub async fn hear_other_processes_content(&self, stop: tokio::sync::watch::Receiver<bool>) {
        self.bell
            .listen_others(wake::CONTENT_CHANNEL, self.content_written.clone(), stop)
            .await;
    }

    /// Wakes this process's live hub (see [`Store::live_written`]) whenever
    /// another process on the same database commits a live change, until
    /// `stop` turns true: `LISTEN` on PostgreSQL; on SQLite nothing is
    /// heard (the hub polls).
    pub async fn hear_other_processes_live(&self, stop: tokio::sync::watch::Receiver<bool>) {
        self.bell
            .listen_others(wake::LIVE_CHANNEL, self.live_written.clone(), stop)
            .await;
    }

    /// Connections the pool opens at most.
    pub fn pool_size(&self) -> u32 {
        self.pool.options().get_max_connections()
    }

    /// `column` for `ORDER BY`, sorted by code point on every backend as
    /// SQLite does, whatever collation the PostgreSQL database was made with.
    fn text_order(&self, column: &str) -> String {
        match self.backend {
            Backend::Sqlite => column.to_owned(),
            Backend::Postgres => format!("{column} COLLATE \"C\""),
        }
    }

    /// A transaction that will write. SQLite takes the write lock at the
    /// start (`BEGIN IMMEDIATE`): a transaction that reads first and writes
    /// later would otherwise fail at once, without waiting, when another
    /// process wrote in between.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Whether the database answers, for `/healthz`, within
    /// [`PING_TIMEOUT`].
    pub async fn ping(&self) -> Result<(), StoreError> {
        tokio::time::timeout(PING_TIMEOUT, sqlx::query("SELECT 1").execute(&self.pool))
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??;
        Ok(())
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.search_pool.close().await;
        self.pool.close().await;
    }
}

/// A pool of at most `connections` SQLite connections, each set up with
/// [`SQLITE_PRAGMAS`] and then `more_pragmas`.
fn sqlite_pool(connections: u32, more_pragmas: &'static str) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(SQLITE_PRAGMAS).await?;
                if !more_pragmas.is_empty() {
                    conn.execute(more_pragmas).await?;
                }
                Ok(())
            })
        })
}

/// A database URL fit to print: the password, if any, replaced by `***`.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}

/// Percent-encodes the characters that would end or confuse a URL path.
fn percent_encode_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | '?' | '#' | ' ' => out.push_str(&format!("%{:02X}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_shown_without_their_password() {
        assert_eq!(
            redact("postgres://herald:s3cret@db.example.org:5432/herald"),
            "postgres://herald:***@db.example.org:5432/herald"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
    }

    #[tokio::test]
    async fn sqlite_pool_has_the_configured_size_or_the_default() {
        let data = tempfile::tempdir().expect("tempdir");
        let sized = Store::open_with_pool(data.path(), None, Some(3))
            .await
            .expect("opens");
        assert_eq!(sized.pool_size(), 3);
        sized.close().await;
        let default = Store::open(data.path(), None).await.expect("opens");
        assert_eq!(default.pool_size(), SQLITE_POOL_SIZE);
    }

    #[tokio::test]
    async fn only_the_sqlite_search_connections_are_memory_mapped_and_read_only() {
        let data = tempfile::tempdir().expect("tempdir");
        let store = Store::open(data.path(), None).await.expect("opens");
        let mapped = |pool: &AnyPool| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("PRAGMA mmap_size")
                    .fetch_one(&pool)
                    .await
                    .expect("pragma")
            }
        };
        assert_eq!(mapped(&store.search_pool).await, 1 << 30);
        assert_eq!(
            mapped(&store.pool).await,
            0,
            "a fan-out's reads stay unmapped"
        );
        let write = sqlx::query("DELETE FROM stories")
            .execute(&store.search_pool)
            .await;
        assert!(write.is_err(), "a search connection never writes");
        store.close().await;
    }

    #[tokio::test]
    async fn only_postgres_urls_connect() {
        let err = Store::connect("mysql://root:pw@localhost/herald", 1)
            .await
            .expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("only postgres://"), "{text}");
        assert!(!text.contains("pw"), "{text}");
    }
}
