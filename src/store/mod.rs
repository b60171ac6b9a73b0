//! Storage: one interface over the database, one module per aggregate
//! (stories, topics, media, site state). SQL is portable where it can be;
//! where backends must differ, the difference sits beside its portable twin
//! and is chosen by [`Backend`].
//!
//! The embedded default is SQLite in WAL mode in the data folder.

mod fanout;
mod media;
mod migrate;
mod rows;
mod site_state;
mod stories;
mod subscriptions;
mod topics;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

pub use fanout::{
    Checkpoint, DEFAULT_TTL_SECONDS, DueRetry, FailureEntry, JobInfo, Outcomes, PushStats,
    Recipient, RetryEntry, ShardLease, ShardProgress,
};
pub use media::{MediaUpload, StoredMedia};
pub use site_state::Fingerprint;
pub use stories::{SaveOutcome, StoryPage};
pub use subscriptions::{NewSubscription, Registered, SubscriptionRecord};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
}

/// The database, shared by every part of Herald that reads or writes.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data folder {path}: {reason}")]
    DataFolder { path: PathBuf, reason: String },
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error(
        "the database has migration {found}, newer than this Herald knows ({known}); run a newer Herald"
    )]
    TooNew { found: i64, known: i64 },
    #[error("{field}: {message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

/// Set on every SQLite connection: wait for locks rather than fail at once,
/// write-ahead logging so readers never block the writer, and enforced
/// foreign keys.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// The database file's name inside the data folder.
pub const DATABASE_FILE: &str = "herald.db";

impl Store {
    /// Opens (creating when needed) the SQLite database in `data`, switches it
    /// to WAL mode and applies migrations. Every failure names the path.
    pub async fn open_data_folder(data: &Path) -> Result<Store, StoreError> {
        let folder_error = |reason: String| StoreError::DataFolder {
            path: data.to_path_buf(),
            reason,
        };
        std::fs::create_dir_all(data).map_err(|e| folder_error(e.to_string()))?;
        let probe = data.join(".herald-write-check");
        std::fs::write(&probe, b"").map_err(|e| folder_error(format!("not writable ({e})")))?;
        let _ = std::fs::remove_file(&probe);

        let path = data.join(DATABASE_FILE);
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
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(SQLITE_PRAGMAS).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(open_error)?;
        let store = Store {
            pool,
            backend: Backend::Sqlite,
        };
        store.migrate().await.map_err(|e| match e {
            StoreError::Database(source) => open_error(source),
            other => other,
        })?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers, for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
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
