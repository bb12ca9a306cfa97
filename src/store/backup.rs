//! `paystatus backup`: a consistent copy of the live database, taken while the server runs
//! and writes go on, and checked before it is called a backup.
//!
//! `VACUUM INTO` on a read-only connection copies one read transaction's view of the
//! database: in WAL mode that never blocks the writer, and every write committed before
//! it started is in the copy. The copy is written under a temporary name next to the
//! destination and renamed into place only once it has passed `integrity_check` and
//! reached the disk, so FILE is either a whole, checked backup or absent.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::DATABASE_FILE;
use super::lock::LockError;

/// Tables every paystatus schema has had since its first version.
const PAYSTATUS_TABLES: &[&str] = &[
    "components",
    "incidents",
    "incident_components",
    "incident_alternatives",
    "incident_updates",
    "update_component_changes",
    "eta_revisions",
    "api_keys",
    "audit_log",
    "idempotency",
    "meta",
];

/// A backup waits this long at most for a lock (only while a WAL file is recovered).
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path} already exists; pass --force to replace it")]
    Exists { path: PathBuf },
    #[error("{path} is the live database or one of its files; write the backup elsewhere")]
    OntoLiveDatabase { path: PathBuf },
    #[error("there is no paystatus database at {path}")]
    NoDatabase { path: PathBuf },
    #[error("paystatus is running on this data directory ({dir}); stop it first")]
    Running { dir: PathBuf },
    #[error("the copy of {live} failed its check, so nothing was written: {source}")]
    CopyRejected { live: PathBuf, source: CheckError },
    #[error("{path} is not a usable paystatus backup: {source}")]
    Unusable { path: PathBuf, source: CheckError },
    #[error(
        "{wal} exists: {path} is a live database with writes still in its log, not a backup; make one with `paystatus backup`"
    )]
    LiveDatabase { path: PathBuf, wal: PathBuf },
    #[error("cannot {what}: {source}")]
    Sqlite {
        what: String,
        source: rusqlite::Error,
    },
    #[error("cannot {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Lock(LockError),
}

/// Why a database file is not a usable paystatus database.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("integrity_check found: {0}")]
    Integrity(String),
    #[error("it lacks the paystatus tables {0}")]
    NotPaystatus(String),
    #[error("it has schema version {found}; this paystatus knows versions 1 to {known}")]
    UnknownVersion { found: i64, known: i64 },
    #[error("its journal mode stays `{0}`")]
    JournalMode(String),
}

/// What a checked database holds, for the operator's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseFacts {
    pub schema_version: i64,
    pub incidents: i64,
}

#[derive(Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    pub facts: DatabaseFacts,
}

/// Copies the database of `data_dir` to `dest` while the server may be running.
/// Refuses to replace an existing `dest` unless `overwrite`.
pub fn backup(data_dir: &Path, dest: &Path, overwrite: bool) -> Result<Backup, BackupError> {
    let live = data_dir.join(DATABASE_FILE);
    let refuse_existing = || -> Result<(), BackupError> {
        let exists = dest.try_exists().map_err(|source| BackupError::Io {
            what: format!("look for {}", dest.display()),
            source,
        })?;
        match exists && !overwrite {
            true => Err(BackupError::Exists {
                path: dest.to_path_buf(),
            }),
            false => Ok(()),
        }
    };
    refuse_existing()?;
    if let Some(dir) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::metadata(dir).map_err(|source| BackupError::Io {
            what: format!("write into the directory {}", dir.display()),
            source,
        })?;
    }
    if !live.is_file() {
        return Err(BackupError::NoDatabase { path: live });
    }
    if is_live_file(data_dir, dest) {
        return Err(BackupError::OntoLiveDatabase {
            path: dest.to_path_buf(),
        });
    }
    let partial = TempFile::next_to(dest, "partial")?;
    copy_consistently(&live, partial.path())?;
    let facts = check(partial.path()).map_err(|source| BackupError::CopyRejected {
        live: live.clone(),
        source,
    })?;
    sync_file(partial.path())?;
    // Checked again: FILE may have appeared while the copy ran.
    refuse_existing()?;
    partial.rename_to(dest)?;
    let bytes = std::fs::metadata(dest)
        .map_err(|source| BackupError::Io {
            what: format!("read the size of {}", dest.display()),
            source,
        })?
        .len();
    Ok(Backup {
        path: dest.to_path_buf(),
        bytes,
        facts,
    })
}

/// Whether `dest` names the database in `data_dir`, its log or its index (or a file kept
/// aside by a restore): `--force` must not replace those.
fn is_live_file(data_dir: &Path, dest: &Path) -> bool {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let same_dir = match (dir.canonicalize(), data_dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        // Unresolvable: compared as written.
        _ => dir == data_dir,
    };
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    same_dir && name.starts_with(DATABASE_FILE)
}

/// `VACUUM INTO` from a read-only connection: a read transaction, never the writer.
fn copy_consistently(live: &Path, into: &Path) -> Result<(), BackupError> {
    let sqlite = |what: String| move |source| BackupError::Sqlite { what, source };
    let conn = Connection::open_with_flags(
        live,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite(format!("open {} read-only", live.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(sqlite(format!("set a busy timeout on {}", live.display())))?;
    let target = into.to_str().ok_or_else(|| BackupError::Io {
        what: format!("write to {}", into.display()),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidFilename,
            "SQLite needs a UTF-8 file name",
        ),
    })?;
    conn.execute("VACUUM INTO ?1", [target])
        .map_err(sqlite(format!(
            "copy {} into {}",
            live.display(),
            into.display()
        )))?;
    Ok(())
}

/// Opens `path` read-only and requires a clean `integrity_check`, the paystatus tables and
/// a schema version this binary knows (older ones are migrated when the server starts).
pub fn check(path: &Path) -> Result<DatabaseFacts, CheckError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let problems = {
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        stmt.query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?
    };
    if problems != ["ok"] {
        return Err(CheckError::Integrity(problems.join("; ")));
    }
    let tables = {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")?;
        stmt.query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?
    };
    let missing: Vec<&str> = PAYSTATUS_TABLES
        .iter()
        .copied()
        .filter(|t| !tables.iter().any(|have| have == t))
        .collect();
    if !missing.is_empty() {
        return Err(CheckError::NotPaystatus(missing.join(", ")));
    }
    let known = super::known_schema_version();
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if !(1..=known).contains(&found) {
        return Err(CheckError::UnknownVersion { found, known });
    }
    let incidents = conn.query_row(
        "SELECT count(*) FROM incidents WHERE kind = 'incident'",
        [],
        |r| r.get(0),
    )?;
    Ok(DatabaseFacts {
        schema_version: found,
        incidents,
    })
}

/// A file being written under a temporary name; removed unless renamed into place.
pub(super) struct TempFile {
    path: PathBuf,
    dir: PathBuf,
    renamed: bool,
}

impl TempFile {
    /// `.NAME.<purpose>-<pid>` in the directory of `dest`, so the final rename stays on
    /// one file system and is atomic. Does not create the file.
    pub(super) fn next_to(dest: &Path, purpose: &str) -> Result<TempFile, BackupError> {
        let name = dest
            .file_name()
            .ok_or_else(|| BackupError::Io {
                what: format!("write to {}", dest.display()),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the path does not name a file",
                ),
            })?
            .to_string_lossy();
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let path = dir.join(format!(".{name}.{purpose}-{}", std::process::id()));
        // Left over only by a crashed run that had this process id: ours to replace.
        remove_if_present(&path)?;
        Ok(TempFile {
            path,
            dir,
            renamed: false,
        })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file to `dest` (replacing it) and makes the rename durable.
    pub(super) fn rename_to(mut self, dest: &Path) -> Result<(), BackupError> {
        std::fs::rename(&self.path, dest).map_err(|source| BackupError::Io {
            what: format!("rename {} to {}", self.path.display(), dest.display()),
            source,
        })?;
        self.renamed = true;
        sync_dir(&self.dir)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.renamed {
            return;
        }
        if let Err(e) = remove_if_present(&self.path) {
            tracing::warn!(error = %e, "a temporary file was left behind");
        }
    }
}

pub(super) fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(BackupError::Io {
            what: format!("remove {}", path.display()),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// fsync: the bytes are on the disk before the name points at them.
pub(super) fn sync_file(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| BackupError::Io {
            what: format!("sync {} to disk", path.display()),
            source,
        })
}

/// fsync of a directory: a rename or a new name in it survives power loss.
pub(super) fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| BackupError::Io {
            what: format!("sync the directory {} to disk", dir.display()),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::migrations::MIGRATIONS;

    fn live_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), chrono::Utc::now()).unwrap();
        (dir, store)
    }

    #[test]
    fn a_backup_is_one_checked_file_with_nothing_left_beside_it() {
        let (dir, _store) = live_store();
        let out = tempfile::tempdir().unwrap();
        let dest = out.path().join("b.db");

        let done = backup(dir.path(), &dest, false).unwrap();

        assert_eq!(done.facts.schema_version, MIGRATIONS.len() as i64);
        assert_eq!(check(&dest).unwrap(), done.facts);
        let names: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.db"], "no temporary, -wal or -shm file is left");
    }

    #[test]
    fn force_never_writes_over_the_live_database() {
        let (dir, _store) = live_store();
        let live = dir.path().join(DATABASE_FILE);
        let before = std::fs::read(&live).unwrap();

        let err = backup(dir.path(), &live, true).unwrap_err();

        assert!(matches!(err, BackupError::OntoLiveDatabase { .. }), "{err}");
        assert_eq!(std::fs::read(&live).unwrap(), before);
    }

    #[test]
    fn a_database_that_is_not_paystatus_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE notes (body TEXT); PRAGMA user_version = 1;")
            .unwrap();

        let err = check(&path).unwrap_err();

        assert!(matches!(err, CheckError::NotPaystatus(_)), "{err}");
        assert!(err.to_string().contains("incidents"), "{err}");
    }

    #[test]
    fn a_schema_newer_than_the_binary_is_refused() {
        let (dir, store) = live_store();
        store
            .write_blocking(|tx| {
                tx.pragma_update(None, "user_version", 999)
                    .map_err(crate::store::StoreError::from)
            })
            .unwrap();
        let dest = dir.path().join("b.db");

        let err = backup(dir.path(), &dest, false).unwrap_err();

        assert!(
            matches!(
                err,
                BackupError::CopyRejected {
                    source: CheckError::UnknownVersion { found: 999, .. },
                    ..
                }
            ),
            "{err}"
        );
        assert!(!dest.exists(), "nothing is written");
    }
}
