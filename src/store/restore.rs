//! `paystatus restore`: puts a backup in place of the database, with the server stopped.
//!
//! The backup is copied into the data directory under a temporary name and checked there,
//! so what is checked is exactly what goes live. Only then is the old database kept aside
//! (`paystatus.db.before-restore-<UTC time>`, hard-linked so `paystatus.db` never goes
//! missing) and the copy renamed over it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

use super::DATABASE_FILE;
use super::backup::{
    BackupError, CheckError, DatabaseFacts, TempFile, check, remove_if_present, sync_dir, sync_file,
};
use super::lock::{DataDirLock, LockError};

#[derive(Debug)]
pub struct Restored {
    pub database: PathBuf,
    pub facts: DatabaseFacts,
    /// Where the database that was replaced now is; `None` if there was none.
    pub kept_aside: Option<KeptAside>,
}

#[derive(Debug)]
pub struct KeptAside {
    pub path: PathBuf,
    /// Set when the old database's log could not be merged into it: why, and the log's
    /// copy kept next to it (SQLite reads `X-wal` with `X`).
    pub unmerged_log: Option<(String, PathBuf)>,
}

/// Replaces the database of `data_dir` with `backup`, keeping the old one aside.
pub fn restore(
    data_dir: &Path,
    backup: &Path,
    now: DateTime<Utc>,
) -> Result<Restored, BackupError> {
    let wal = with_suffix(backup, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(BackupError::LiveDatabase {
            path: backup.to_path_buf(),
            wal,
        });
    }
    let _lock = DataDirLock::acquire(data_dir).map_err(|e| match e {
        LockError::Held { dir } => BackupError::Running { dir },
        other => BackupError::Lock(other),
    })?;
    let live = data_dir.join(DATABASE_FILE);
    let incoming = TempFile::next_to(&live, "restoring")?;
    std::fs::copy(backup, incoming.path()).map_err(|source| BackupError::Io {
        what: format!("copy {} to {}", backup.display(), incoming.path().display()),
        source,
    })?;
    let facts = without_log(incoming.path())
        .and_then(|()| check(incoming.path()))
        .map_err(|source| BackupError::Unusable {
            path: backup.to_path_buf(),
            source,
        })?;
    sync_file(incoming.path())?;
    let kept_aside = match live.try_exists() {
        Ok(true) => Some(keep_aside(&live, now)?),
        Ok(false) => None,
        Err(source) => {
            return Err(BackupError::Io {
                what: format!("look for {}", live.display()),
                source,
            });
        }
    };
    // A stale log or index must not be read together with the restored file.
    remove_if_present(&with_suffix(&live, "-wal"))?;
    remove_if_present(&with_suffix(&live, "-shm"))?;
    incoming.rename_to(&live)?;
    Ok(Restored {
        database: live,
        facts,
        kept_aside,
    })
}

/// Puts a copy of a WAL-mode file (a plain copy of a stopped server's database) in
/// rollback mode, so checking it read-only leaves no `-wal`/`-shm` files under the
/// temporary name; the server turns WAL back on when it opens the restored file.
fn without_log(path: &Path) -> Result<(), CheckError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    match mode.as_str() {
        "delete" => Ok(()),
        other => Err(CheckError::JournalMode(other.to_string())),
    }
}

/// Merges the old database's log into it, then gives it a second name that no restore
/// has used, so it stays after the restored file takes its place.
fn keep_aside(live: &Path, now: DateTime<Utc>) -> Result<KeptAside, BackupError> {
    let merged = checkpoint(live);
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut n = 0;
    let aside = loop {
        let name = match n {
            0 => format!("{DATABASE_FILE}.before-restore-{stamp}"),
            n => format!("{DATABASE_FILE}.before-restore-{stamp}-{n}"),
        };
        let aside = live.with_file_name(name);
        match link_or_copy(live, &aside) {
            Ok(()) => break aside,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
            Err(source) => {
                return Err(BackupError::Io {
                    what: format!("keep {} aside as {}", live.display(), aside.display()),
                    source,
                });
            }
        }
    };
    let unmerged_log = match merged {
        Ok(()) => None,
        Err(why) => {
            let (log, kept_log) = (with_suffix(live, "-wal"), with_suffix(&aside, "-wal"));
            match std::fs::copy(&log, &kept_log) {
                Ok(_) => Some((why, kept_log)),
                // No log to keep: the old file is whole without one.
                Err(not_found) if not_found.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => {
                    return Err(BackupError::Io {
                        what: format!("keep {} aside as {}", log.display(), kept_log.display()),
                        source,
                    });
                }
            }
        }
    };
    sync_file(&aside)?;
    if let Some(dir) = aside.parent() {
        sync_dir(dir)?;
    }
    Ok(KeptAside {
        path: aside,
        unmerged_log,
    })
}

/// Copies every committed write from the log into the database file and empties the log.
/// The error is why not, for the operator.
fn checkpoint(db: &Path) -> Result<(), String> {
    let busy = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    // (busy, log frames, frames checkpointed); busy = 1 if another connection held it up.
    .and_then(|conn| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)));
    match busy {
        Ok(0) => Ok(()),
        Ok(_) => Err("another connection held the checkpoint up".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// A hard link (instant, and atomic: it fails if `to` exists); a copy where the file
/// system has no links. Either way `from` stays where it is.
fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(from, to) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(to)?;
            std::io::copy(&mut std::fs::File::open(from)?, &mut out)?;
            Ok(())
        }
        result => result,
    }
}

/// `paystatus.db` + `-wal` = `paystatus.db-wal`, SQLite's naming.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::backup::backup;
    use crate::store::migrations::MIGRATIONS;
    use crate::store::{Reader, Store, StoreError};

    fn now() -> DateTime<Utc> {
        "2026-11-25T05:05:00Z".parse().unwrap()
    }

    #[test]
    fn an_older_schema_is_restored_and_migrated_when_opened() {
        let out = tempfile::tempdir().unwrap();
        let old = out.path().join("v1.db");
        {
            let conn = Connection::open(&old).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();

        let restored = restore(dir.path(), &old, now()).unwrap();

        assert_eq!(restored.facts.schema_version, 1);
        assert!(restored.kept_aside.is_none(), "there was nothing to keep");
        let store = Store::open(dir.path(), now()).unwrap();
        let version: i64 = store
            .read_blocking(Reader::Operator, |tx| {
                tx.query_row("PRAGMA user_version", [], |r| r.get(0))
                    .map_err(StoreError::from)
            })
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_plain_copy_of_a_stopped_servers_database_leaves_no_log_files_behind() {
        let dir = tempfile::tempdir().unwrap();
        let copy = tempfile::tempdir().unwrap();
        let file = copy.path().join("copy.db");
        drop(Store::open(dir.path(), now()).unwrap());
        std::fs::copy(dir.path().join(DATABASE_FILE), &file).unwrap();

        restore(dir.path(), &file, now()).unwrap();

        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                DATABASE_FILE,
                "paystatus.db.before-restore-20261125T050500Z",
                crate::store::lock::LOCK_FILE
            ]
        );
    }

    #[test]
    fn two_restores_in_one_second_keep_both_old_files() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path(), now()).unwrap());
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("b.db");
        backup(dir.path(), &file, false).unwrap();

        let first = restore(dir.path(), &file, now())
            .unwrap()
            .kept_aside
            .unwrap();
        let second = restore(dir.path(), &file, now())
            .unwrap()
            .kept_aside
            .unwrap();

        assert_ne!(first.path, second.path);
        assert!(first.path.exists() && second.path.exists());
        assert!(first.unmerged_log.is_none(), "{:?}", first.unmerged_log);
    }

    #[test]
    fn a_live_database_with_its_log_is_not_taken_for_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let store = Store::open(other.path(), now()).unwrap();
        let live = store.path().to_path_buf();

        let err = restore(dir.path(), &live, now()).unwrap_err();

        assert!(matches!(err, BackupError::LiveDatabase { .. }), "{err}");
        assert!(!dir.path().join(DATABASE_FILE).exists());
    }

    #[test]
    fn garbage_is_refused_and_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("garbage.db");
        std::fs::write(&file, vec![0x5a; 8192]).unwrap();
        let data = dir.path().join("data");

        let err = restore(&data, &file, now()).unwrap_err();

        assert!(
            matches!(
                err,
                BackupError::Unusable {
                    source: CheckError::Sqlite(_),
                    ..
                }
            ),
            "{err}"
        );
        let left: Vec<_> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, [crate::store::lock::LOCK_FILE]);
    }
}
