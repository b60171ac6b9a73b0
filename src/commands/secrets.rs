//! `herald secrets`: a new key for an operator to configure, and the
//! rotation of the key that seals the database's secrets.

use anyhow::Context;

use super::{configured_keyring, open_store};
use crate::config::Config;
use crate::secrets::Keyring;
use crate::secrets::key_file::{self, KeySource};
use crate::store::Reseal;

/// `herald secrets new-key`: a new random key, base64, for
/// `HERALD_SECRET_KEY` or a `secret_key_file`.
pub fn new_secret_key() -> anyhow::Result<String> {
    let ring = Keyring::generate().context("cannot make a key")?;
    Ok(ring.to_text().trim().to_owned())
}

/// `herald secrets rotate`: every sealed secret sealed again with a new
/// key. With the data folder's own key file, Herald makes the new key
/// and rewrites the file in three crash-safe steps (both keys, every
/// secret resealed, the new key alone). With an operator's key
/// (`HERALD_SECRET_KEY` or `secret_key_file`), the operator has already
/// put the new key first on every node; this reseals with it. Returns
/// what was done, for the terminal.
pub async fn rotate_secrets(config: &Config) -> anyhow::Result<String> {
    let store = open_store(config).await?;
    let (keyring, source) = configured_keyring(config, store.backend())?;
    let report = match source {
        KeySource::DataFolder(path) => {
            let old_id = keyring.current_id().to_owned();
            let both = keyring.rotated_to(Keyring::generate()?);
            let new_id = both.current_id().to_owned();
            key_file::write(&path, &both)?;
            let store = store
                .use_keyring(Keyring::from_text(&both.to_text())?)
                .await?;
            let count = store.reseal_secrets(Reseal::NotCurrent).await?;
            key_file::write(&path, &both.current_only())?;
            store.close().await;
            format!(
                "resealed {count} secrets with the new key {new_id} (was {old_id}); \
                 restart every Herald process that uses {}",
                config.data.display()
            )
        }
        KeySource::File(_) | KeySource::Setting => {
            let ids = keyring.ids().join(", ");
            let current = keyring.current_id().to_owned();
            let store = store.use_keyring(keyring).await?;
            let count = store.reseal_secrets(Reseal::NotCurrent).await?;
            store.close().await;
            format!(
                "resealed {count} secrets with key {current} (configured keys: {ids}); \
                 every secret is now sealed with it, so the other keys can be removed from \
                 every node's configuration"
            )
        }
    };
    Ok(report)
}
