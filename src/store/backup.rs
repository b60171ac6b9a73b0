//! Backups of the embedded database: a consistent copy taken while the
//! site runs and writes (`VACUUM INTO`, which reads one snapshot, so the
//! copy holds every transaction committed before it began and none
//! half-written), and the checks a copy must pass before it may replace
//! a site's database. PostgreSQL sites use `pg_dump` and point-in-time
//! recovery instead (docs/DEPLOYMENT.md).

use std::path::Path;
use std::str::FromStr;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Row};

use super::{Backend, Store, StoreError, migrate, percent_encode_path};
use crate::secrets::private_files::create_private;

impl Store {
    /// Writes a consistent copy of the database to `target`, mode 0600.
    /// `target` must not exist: a backup never overwrites another.
    pub async fn backup_into(&self, target: &Path) -> Result<(), StoreError> {
        let refuse = |reason: &str| StoreError::DataFolder {
            path: target.to_path_buf(),
            reason: reason.to_owned(),
        };
        if self.backend != Backend::Sqlite {
            return Err(refuse(
                "Herald backs up only its embedded SQLite database; back up PostgreSQL with pg_dump",
            ));
        }
        if target.exists() {
            return Err(refuse("it exists already; a backup never replaces a file"));
        }
        // SQLite writes into an empty file it finds, keeping its mode.
        create_private(target).map_err(|e| refuse(&e.to_string()))?;
        let written = sqlx::query("VACUUM INTO $1")
            .bind(target.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await;
        if let Err(e) = written {
            let _ = std::fs::remove_file(target);
            return Err(e.into());
        }
        Ok(())
    }
}

/// Checks that `path` is a whole Herald database this Herald can open:
/// SQLite's integrity check passes and its migrations are not newer than
/// this Herald's. Returns its newest migration. Opened read-only.
pub async fn check_database_file(path: &Path) -> Result<i64, StoreError> {
    let open_error = |source: sqlx::Error| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let corrupt = |reason: String| StoreError::DataFolder {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(corrupt("there is no such file".into()));
    }
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", percent_encode_path(path));
    let options = AnyConnectOptions::from_str(&url).map_err(open_error)?;
    let mut conn = AnyConnection::connect_with(&options)
        .await
        .map_err(open_error)?;
    let checked: Result<(String, i64), sqlx::Error> = async {
        let verdict: String = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await?
            .try_get(0)?;
        let newest: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM herald_migrations")
            .fetch_one(&mut conn)
            .await?
            .try_get(0)?;
        Ok((verdict, newest))
    }
    .await;
    let _ = conn.close().await;
    let (verdict, newest) =
        checked.map_err(|e| corrupt(format!("not a Herald database, or damaged: {e}")))?;
    if verdict != "ok" {
        return Err(corrupt(format!(
            "SQLite's integrity check failed: {verdict}"
        )));
    }
    let known = migrate::newest_sqlite_migration();
    if newest > known {
        return Err(StoreError::TooNew {
            found: newest,
            known,
        });
    }
    Ok(newest)
}
