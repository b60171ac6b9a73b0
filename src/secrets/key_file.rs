//! Where the site's [`Keyring`] comes from. A single SQLite node keeps it
//! in its data folder (`secret.key`, mode 0600, made on first start). Every
//! node of a PostgreSQL site must hold the same keys, so there the
//! operator gives them: `HERALD_SECRET_KEY` (or `secret_key` in the config
//! file) or a file named by `secret_key_file`; a PostgreSQL node without
//! one refuses to start rather than seal with a key of its own.

use std::path::{Path, PathBuf};

use super::keyring::{Keyring, KeyringError};
use super::private_files::{Existing, write_private};

/// The key file's name inside the data folder.
pub const KEY_FILE: &str = "secret.key";

/// Where a keyring was found: what `herald secrets rotate` may rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Herald's own file in the data folder (rotation rewrites it).
    DataFolder(PathBuf),
    /// The operator's file (`secret_key_file`).
    File(PathBuf),
    /// The operator's variable or config entry (`secret_key`).
    Setting,
}

/// Why the keyring could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the secret key file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write the secret key file {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("the secret key in {place} is not usable: {source}")]
    Key { place: String, source: KeyringError },
    #[error(
        "a PostgreSQL site needs one secret key shared by every node, to seal two-factor secrets and the VAPID key: set HERALD_SECRET_KEY (or secret_key_file); `herald secrets new-key` prints a new one"
    )]
    MissingOnPostgres,
}

/// The keyring the settings name, else (SQLite only) the data folder's,
/// made on first use.
pub fn configured(
    key: Option<&str>,
    file: Option<&Path>,
    data: &Path,
    on_postgres: bool,
) -> Result<(Keyring, KeySource), KeyFileError> {
    if let Some(text) = key {
        let ring = Keyring::from_text(text).map_err(|source| KeyFileError::Key {
            place: "HERALD_SECRET_KEY (secret_key)".into(),
            source,
        })?;
        return Ok((ring, KeySource::Setting));
    }
    if let Some(path) = file {
        return Ok((load(path)?, KeySource::File(path.to_path_buf())));
    }
    if on_postgres {
        return Err(KeyFileError::MissingOnPostgres);
    }
    let path = data.join(KEY_FILE);
    Ok((load_or_create(&path)?, KeySource::DataFolder(path)))
}

/// The keyring in `path`, generated and written (0600) when there is none.
pub fn load_or_create(path: &Path) -> Result<Keyring, KeyFileError> {
    if path.exists() {
        return load(path);
    }
    let ring = Keyring::generate().map_err(|source| KeyFileError::Key {
        place: path.display().to_string(),
        source,
    })?;
    match write_private(path, ring.to_text().as_bytes(), Existing::Keep) {
        Ok(()) => {
            tracing::info!(key = ring.current_id(), "generated the site's secret key");
            Ok(ring)
        }
        // Another process sharing the folder wrote its key first: use that.
        Err(_) if path.exists() => load(path),
        Err(e) => Err(KeyFileError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}

/// The keyring in `path`.
pub fn load(path: &Path) -> Result<Keyring, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyFileError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Keyring::from_text(&text).map_err(|source| KeyFileError::Key {
        place: path.display().to_string(),
        source,
    })
}

/// Replaces the keyring in `path` with `ring`, atomically.
pub fn write(path: &Path, ring: &Keyring) -> Result<(), KeyFileError> {
    write_private(path, ring.to_text().as_bytes(), Existing::Replace).map_err(|e| {
        KeyFileError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_makes_its_key_once_and_postgres_must_be_given_one() {
        let dir = tempfile::tempdir().expect("works");
        let (first, source) = configured(None, None, dir.path(), false).expect("works");
        assert_eq!(source, KeySource::DataFolder(dir.path().join(KEY_FILE)));
        let (again, _) = configured(None, None, dir.path(), false).expect("works");
        assert_eq!(first.ids(), again.ids());
        assert!(matches!(
            configured(None, None, dir.path(), true),
            Err(KeyFileError::MissingOnPostgres)
        ));
        let given = Keyring::generate().expect("works");
        let (ring, source) =
            configured(Some(given.to_text().trim()), None, dir.path(), true).expect("works");
        assert_eq!((ring.ids(), source), (given.ids(), KeySource::Setting));
        let err = configured(Some("not a key"), None, dir.path(), true).expect_err("refused");
        assert!(err.to_string().contains("HERALD_SECRET_KEY"), "{err}");
        assert!(
            !err.to_string().contains("not a key"),
            "the value is never echoed: {err}"
        );
    }
}
