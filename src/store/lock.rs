//! The data directory's lock: a running server holds it for its lifetime, and `restore`
//! takes it before replacing the database, so a restore can never swap the file under a
//! server (nor a server start in the middle of a restore).
//!
//! An advisory `flock` on `paystatus.lock` (`File::try_lock`): the kernel releases it
//! when the holder exits, even after `kill -9`, so a crash never leaves a stale lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

pub const LOCK_FILE: &str = "paystatus.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process (or another server in this one) holds the lock.
    #[error(
        "another paystatus (a running server, or a restore under way) holds the lock on the data directory {dir}"
    )]
    Held { dir: PathBuf },
    #[error("cannot lock the data directory with {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Held while alive; dropping it (or exiting) releases the lock.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock without waiting, creating the directory and lock file if needed.
    pub fn acquire(data_dir: &Path) -> Result<DataDirLock, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held {
                dir: data_dir.to_path_buf(),
            }),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();

        let second = DataDirLock::acquire(dir.path());
        assert!(matches!(second, Err(LockError::Held { .. })), "{second:?}");

        drop(first);
        DataDirLock::acquire(dir.path()).expect("free again once dropped");
    }

    #[test]
    fn other_directories_are_not_affected() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let _a = DataDirLock::acquire(a.path()).unwrap();
        DataDirLock::acquire(b.path()).expect("another directory has its own lock");
    }
}
