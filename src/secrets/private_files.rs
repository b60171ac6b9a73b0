//! Files only Herald's own user may read: the data folder is 0700 and
//! every file Herald writes there is 0600. Folders and files an older
//! Herald left open are tightened when the folder is opened, with a log
//! line; key files are written whole or not at all.

use std::io::Write;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

/// The mode of a data folder.
pub const FOLDER_MODE: u32 = 0o700;
/// The mode of every file in it.
pub const FILE_MODE: u32 = 0o600;

/// What a key file write does to a file already at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (atomically: a reader sees the old or the new whole).
    Replace,
    /// Keep it and fail: another process got there first.
    Keep,
}

/// Makes `data` (and its parents) when missing, then makes it private:
/// the folder 0700 and every file directly in it 0600. Returns how many
/// entries it had to tighten (0 on a folder Herald made).
pub fn secure_folder(data: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(data)?;
    let mut tightened = usize::from(tighten(data, FOLDER_MODE)?);
    for entry in std::fs::read_dir(data)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            tightened += usize::from(tighten(&entry.path(), FILE_MODE)?);
        }
    }
    if tightened > 0 {
        tracing::warn!(
            folder = %data.display(),
            tightened,
            "the data folder was readable by other users: made it 0700 and its files 0600"
        );
    }
    Ok(tightened)
}

/// Creates `path` empty and private when it does not exist yet, so that
/// what another library then writes into it (SQLite, which gives its
/// `-wal` and `-shm` files the database's mode) stays private.
pub fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options.open(path).map(drop)
}

/// Writes `contents` to `path`, mode 0600, synced: through a temporary
/// file of this process, then renamed over an old file
/// ([`Existing::Replace`]) or linked into place, which fails when another
/// process wrote one first ([`Existing::Keep`]).
pub fn write_private(path: &Path, contents: &[u8], existing: Existing) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    let mut file = options.open(&temp)?;
    file.write_all(contents).and_then(|()| file.sync_all())?;
    match existing {
        Existing::Replace => std::fs::rename(&temp, path),
        Existing::Keep => {
            let linked = std::fs::hard_link(&temp, path);
            let _ = std::fs::remove_file(&temp);
            linked
        }
    }
}

/// Sets `path`'s permission bits to `mode` when it allows more; whether
/// it changed them.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> std::io::Result<bool> {
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(true)
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32) -> std::io::Result<bool> {
    Ok(false)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("works").permissions().mode() & 0o777
    }

    #[test]
    fn an_open_folder_and_its_files_are_tightened() {
        let dir = tempfile::tempdir().expect("works");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("works");
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("works");
        let db = data.join("herald.db");
        std::fs::write(&db, b"x").expect("works");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("works");
        assert_eq!(secure_folder(&data).expect("works"), 2);
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&db), 0o600);
        assert_eq!(
            secure_folder(&data).expect("works"),
            0,
            "nothing left to tighten"
        );
    }

    #[test]
    fn private_files_are_0600_and_kept_or_replaced() {
        let dir = tempfile::tempdir().expect("works");
        let path = dir.path().join("key");
        write_private(&path, b"one", Existing::Keep).expect("works");
        assert_eq!(mode(&path), 0o600);
        assert!(write_private(&path, b"two", Existing::Keep).is_err());
        assert_eq!(std::fs::read(&path).expect("works"), b"one");
        write_private(&path, b"three", Existing::Replace).expect("works");
        assert_eq!(std::fs::read(&path).expect("works"), b"three");
        assert_eq!(mode(&path), 0o600);
        let empty = dir.path().join("db");
        create_private(&empty).expect("works");
        assert_eq!(mode(&empty), 0o600);
    }
}
