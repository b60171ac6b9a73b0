//! The site's VAPID key pair: generated on first start, never logged. A
//! single SQLite node keeps it in the data folder (mode 0600); on
//! PostgreSQL it lives in the database, so that every node signs with the
//! same key and a second node never makes a second pair.

use std::path::{Path, PathBuf};

use base64::Engine;
use webpush::VapidKeys;

use crate::secrets::private_files::{Existing, write_private};
use crate::store::{Backend, Store};

/// The key file's name inside the data folder.
pub const KEY_FILE: &str = "vapid-private-key.pk8";

/// Why the key pair could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the VAPID key file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write the VAPID key file {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("cannot generate a VAPID key pair: {0}")]
    Generate(webpush::VapidError),
    #[error("the VAPID key pair stored in the database is not valid: {0}")]
    Stored(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The name of the key pair among the site's stored secrets.
const SECRET: &str = "vapid_private_key_pkcs8";

/// The site's key pair, generated on first use: in the database on
/// PostgreSQL, in `data` on SQLite.
pub async fn site_keys(store: &Store, data: &Path) -> Result<VapidKeys, KeyFileError> {
    if store.backend() == Backend::Sqlite {
        return load_or_generate(data);
    }
    let mut generated = None;
    let stored = store
        .secret_or_insert(SECRET, || {
            let text = VapidKeys::generate()
                .and_then(|k| k.to_pkcs8())
                .map(|der| base64::engine::general_purpose::STANDARD.encode(der));
            generated = Some(text.is_ok());
            text.unwrap_or_default()
        })
        .await?;
    if generated == Some(false) {
        return Err(KeyFileError::Stored("generation failed".into()));
    }
    from_text(&stored).map_err(KeyFileError::Stored)
}

/// Replaces the site's key pair with a new one.
pub async fn regenerate_site_keys(store: &Store, data: &Path) -> Result<VapidKeys, KeyFileError> {
    if store.backend() == Backend::Sqlite {
        return regenerate(data);
    }
    let keys = VapidKeys::generate().map_err(KeyFileError::Generate)?;
    let der = keys.to_pkcs8().map_err(KeyFileError::Generate)?;
    store
        .replace_secret(
            SECRET,
            &base64::engine::general_purpose::STANDARD.encode(der),
        )
        .await?;
    Ok(keys)
}

fn from_text(text: &str) -> Result<VapidKeys, String> {
    let der = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| "not base64".to_owned())?;
    VapidKeys::from_pkcs8(&der).map_err(|e| e.to_string())
}

/// The key pair in `data`, generated and stored when there is none yet.
pub fn load_or_generate(data: &Path) -> Result<VapidKeys, KeyFileError> {
    let path = data.join(KEY_FILE);
    if path.exists() {
        return load(&path);
    }
    let keys = VapidKeys::generate().map_err(KeyFileError::Generate)?;
    match store(&path, &keys, false) {
        Ok(()) => {
            tracing::info!("generated the site's VAPID key pair");
            Ok(keys)
        }
        // Another process sharing the folder stored its pair first: use that.
        Err(_) if path.exists() => load(&path),
        Err(e) => Err(e),
    }
}

/// Replaces the key pair in `data` with a new one.
pub fn regenerate(data: &Path) -> Result<VapidKeys, KeyFileError> {
    let keys = VapidKeys::generate().map_err(KeyFileError::Generate)?;
    store(&data.join(KEY_FILE), &keys, true)?;
    Ok(keys)
}

fn load(path: &Path) -> Result<VapidKeys, KeyFileError> {
    let read_error = |reason: String| KeyFileError::Read {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| read_error(e.to_string()))?;
    from_text(&text).map_err(read_error)
}

fn store(path: &Path, keys: &VapidKeys, replace: bool) -> Result<(), KeyFileError> {
    let write_error = |reason: String| KeyFileError::Write {
        path: path.to_path_buf(),
        reason,
    };
    let der = keys.to_pkcs8().map_err(|e| write_error(e.to_string()))?;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let existing = if replace {
        Existing::Replace
    } else {
        Existing::Keep
    };
    write_private(path, text.as_bytes(), existing).map_err(|e| write_error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_generated_once_and_kept_private() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = load_or_generate(dir.path()).expect("generated");
        let again = load_or_generate(dir.path()).expect("loaded");
        assert_eq!(first.public_key(), again.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let new = regenerate(dir.path()).expect("regenerated");
        assert_ne!(new.public_key(), first.public_key());
        assert_eq!(
            load_or_generate(dir.path()).expect("loaded").public_key(),
            new.public_key()
        );
    }

    #[test]
    fn a_damaged_key_file_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join(KEY_FILE), "not a key").expect("write");
        let err = load_or_generate(dir.path())
            .expect_err("refused")
            .to_string();
        assert!(err.contains(KEY_FILE), "{err}");
    }
}
