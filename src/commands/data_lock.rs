//! Which processes are using a SQLite data folder: `herald serve` and
//! `herald worker` hold a shared lock on `herald.lock` for as long as they
//! run; `herald restore` takes it exclusively, so that it never replaces
//! the database under a running site. The lock is the kernel's (`flock`),
//! so a killed process holds it no longer.

use std::fs::File;
use std::path::Path;

use anyhow::Context;
use rustix::fs::{FlockOperation, flock};

use crate::secrets::private_files::create_private;

/// The lock file's name inside the data folder.
pub const LOCK_FILE: &str = "herald.lock";

/// A lock on a data folder, released when dropped.
#[derive(Debug)]
pub struct DataLock {
    _file: File,
}

/// A shared lock: this process uses the data folder.
pub fn hold_shared(data: &Path) -> anyhow::Result<DataLock> {
    take(data, FlockOperation::NonBlockingLockShared).with_context(|| {
        format!(
            "{} is being restored; start Herald once the restore has finished",
            data.display()
        )
    })
}

/// An exclusive lock: no Herald process uses the data folder.
pub fn hold_exclusive(data: &Path) -> anyhow::Result<DataLock> {
    take(data, FlockOperation::NonBlockingLockExclusive).with_context(|| {
        format!(
            "a Herald process (serve or worker) is running on {}; stop it first",
            data.display()
        )
    })
}

fn take(data: &Path, operation: FlockOperation) -> anyhow::Result<DataLock> {
    let path = data.join(LOCK_FILE);
    create_private(&path).with_context(|| format!("cannot create {}", path.display()))?;
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    flock(&file, operation)?;
    Ok(DataLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_site_keeps_a_restore_out() {
        let dir = tempfile::tempdir().expect("works");
        let serving = hold_shared(dir.path()).expect("shared");
        let worker = hold_shared(dir.path()).expect("shared twice");
        let err = hold_exclusive(dir.path()).expect_err("in use");
        assert!(err.to_string().contains("is running"), "{err}");
        drop((serving, worker));
        let restoring = hold_exclusive(dir.path()).expect("free");
        assert!(
            hold_shared(dir.path()).is_err(),
            "a start waits for the restore"
        );
        drop(restoring);
    }
}
