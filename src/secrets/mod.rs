//! Secrets at rest: values the database must keep and Herald must read
//! back (TOTP secrets, the VAPID key pair on PostgreSQL) are sealed with
//! AES-256-GCM under a key that is never in the database, and the files
//! Herald writes are readable by its own user alone.
//!
//! - [`Keyring`]: the site's keys, the first one current, the others only
//!   to open what an earlier key sealed (during a rotation).
//! - [`key_file`]: where a keyring is kept: a file of the data folder
//!   (mode 0600, made on first start) or the operator's own key.
//! - [`private_files`]: the data folder 0700, every file in it 0600.

pub mod key_file;
mod keyring;
pub mod private_files;

pub use keyring::{KEY_BYTES, Keyring, KeyringError, SealError, is_sealed};
