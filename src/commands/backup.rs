//! `herald backup FILE` and `herald restore FILE`, for a site on the
//! embedded SQLite database. A backup is the database (a consistent copy,
//! taken while the site runs) with the data folder's key files beside it
//! (`FILE.secret.key`, `FILE.vapid-private-key.pk8`), all 0600. A restore
//! checks the copy first, refuses while a Herald process uses the data
//! folder, and keeps the database it replaces.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::{data_lock, open_store};
use crate::config::Config;
use crate::delivery::keys::KEY_FILE as VAPID_KEY_FILE;
use crate::secrets::key_file::{KEY_FILE as SECRET_KEY_FILE, load as load_keyring};
use crate::secrets::private_files::{Existing, secure_folder, write_private};
use crate::store::{DATABASE_FILE, check_database_file};

/// The key files a backup carries beside the database.
const KEY_FILES: [&str; 2] = [SECRET_KEY_FILE, VAPID_KEY_FILE];

/// Where a backup at `file` keeps the key file `name`.
fn beside(file: &Path, name: &str) -> PathBuf {
    let mut path = file.as_os_str().to_owned();
    path.push(".");
    path.push(name);
    PathBuf::from(path)
}

/// `herald backup FILE`: returns what was written, for the terminal.
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<String> {
    if config.database_url.is_some() {
        bail!(
            "this site's database is PostgreSQL: back it up with pg_dump and point-in-time recovery (docs/DEPLOYMENT.md)"
        );
    }
    for name in KEY_FILES {
        let key = beside(file, name);
        if key.exists() {
            bail!(
                "{} exists already; a backup never replaces a file",
                key.display()
            );
        }
    }
    let store = open_store(config).await?;
    store
        .backup_into(file)
        .await
        .with_context(|| format!("cannot back up into {}", file.display()))?;
    store.close().await;
    let mut written = vec![file.display().to_string()];
    for name in KEY_FILES {
        let source = config.data.join(name);
        if !source.exists() {
            continue;
        }
        let bytes =
            std::fs::read(&source).with_context(|| format!("cannot read {}", source.display()))?;
        let key = beside(file, name);
        write_private(&key, &bytes, Existing::Keep)
            .with_context(|| format!("cannot write {}", key.display()))?;
        written.push(key.display().to_string());
    }
    let mut report = format!("backed up to {}", written.join(", "));
    if config.secret_key.is_some() || config.secret_key_file.is_some() {
        report.push_str(
            "; the secret key is configured outside the data folder: keep it safe with the backup",
        );
    }
    Ok(report)
}

/// `herald restore FILE [--replace]`: returns what was done.
pub async fn restore(config: &Config, file: &Path, replace: bool) -> anyhow::Result<String> {
    if config.database_url.is_some() {
        bail!(
            "this site's database is PostgreSQL: restore it with pg_restore (docs/DEPLOYMENT.md)"
        );
    }
    let migration = check_database_file(file)
        .await
        .with_context(|| format!("{} cannot be restored", file.display()))?;
    let own_key = config.secret_key.is_none() && config.secret_key_file.is_none();
    let secret_key = beside(file, SECRET_KEY_FILE);
    if own_key {
        load_keyring(&secret_key).with_context(|| {
            format!(
                "the backup's secret key {} is needed to open its sealed secrets",
                secret_key.display()
            )
        })?;
    }
    let data = &config.data;
    secure_folder(data).with_context(|| format!("cannot use {}", data.display()))?;
    let _lock = data_lock::hold_exclusive(data)?;
    let database = data.join(DATABASE_FILE);
    let mut kept = None;
    if has_content(&database) {
        if !replace {
            bail!(
                "{} holds a site already; add --replace to replace it (its database is kept beside it)",
                data.display()
            );
        }
        kept = Some(set_aside(&database)?);
    }
    let incoming = data.join(format!("{DATABASE_FILE}.restoring"));
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    write_private(&incoming, &bytes, Existing::Replace)
        .with_context(|| format!("cannot write {}", incoming.display()))?;
    std::fs::rename(&incoming, &database).with_context(|| {
        format!(
            "cannot move the restored database to {}",
            database.display()
        )
    })?;
    for name in KEY_FILES {
        let key = beside(file, name);
        if key.exists() {
            let bytes =
                std::fs::read(&key).with_context(|| format!("cannot read {}", key.display()))?;
            write_private(&data.join(name), &bytes, Existing::Replace)
                .with_context(|| format!("cannot write {}", data.join(name).display()))?;
        }
    }
    let mut report = format!(
        "restored {} (migration {migration}) into {}",
        file.display(),
        data.display()
    );
    if let Some(kept) = kept {
        report.push_str(&format!("; the database it replaced is {}", kept.display()));
    }
    Ok(report)
}

/// Whether the database file at `path` exists and is not empty.
fn has_content(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// Moves the database at `path` and its `-wal` and `-shm` files aside,
/// under one new name; returns the database's.
fn set_aside(path: &Path) -> anyhow::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let aside = path.with_extension(format!("db.before-restore-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&from, &to)
                .with_context(|| format!("cannot move {} aside", from.display()))?;
        }
    }
    Ok(aside)
}
