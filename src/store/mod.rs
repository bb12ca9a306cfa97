//! SQLite storage. Nothing outside this module writes SQL. One function per query,
//! named for what it returns; "not found" is `Ok(None)`.
//!
//! One writer connection, and read-only connections in lanes (`Reader`) so that no kind of
//! reader can starve another; WAL lets readers see the last commit while a write is under
//! way. Blocking work runs on tokio's blocking pool.

mod alerts;
mod audit;
mod backup;
mod codec;
mod components;
mod deliveries;
mod idempotency;
mod incident_reports;
mod incidents;
mod keys;
mod lock;
mod migrations;
mod notice_lists;
mod outbox;
mod people;
#[cfg(test)]
mod plans;
mod pool;
mod reports;
mod restore;
mod seed;
mod status_history;
mod subscribers;
pub mod synthetic;
mod template_seed;
mod templates;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

pub use alerts::{
    AlertRecord, Damped, OpenIncident, ProposedUpdate, alert_by_key, alert_settings,
    alerts_of_incident, all_damped, damp, damped, insert_proposed_update, link_alert,
    open_incidents, pending_proposals, recent_alerts, record_flip, resolve_alert,
    save_alert_settings, save_firing_alert, undamp,
};
pub use audit::{AuditEntry, AuditFilter, audit_page, audit_search, record_audit};
pub use backup::{Backup, BackupError, CheckError, DatabaseFacts, backup};
pub use components::{
    active_notices_holding, all_components, apply_component_changes, apply_component_changes_since,
    catalog, component_by_id, component_id_taken, delete_component, group_members,
    insert_component, set_component_status, update_component,
};
pub use deliveries::{
    AttemptRecord, Delivery, DeliveryRecord, DeliveryState, any_due, deliveries_to,
    first_attempt_at, insert_delivery, lease_due, record_attempt, set_delivery_state,
};
pub use idempotency::{SavedResponse, save_response, saved_response};
pub use incident_reports::{incidents_started_between, report_signals};
pub use incidents::{incident_by_id, incidents_by_ids, notice_versions, save_incident};
pub use keys::{all_keys, insert_key, key_by_hash, key_by_id, revoke_key, touch_key};
pub use lock::{DataDirLock, LockError};
pub use notice_lists::{
    IncidentCursor, ListFilter, due_maintenances, history_ids, history_len, notice_ids_page,
    open_notice_ids, recent_notice_ids, recently_updated_ids,
};
pub use outbox::{
    Backlog, backlog, event_by_id, events_since, events_to_fan_out, insert_events, mark_fanned_out,
};
pub use people::{
    all_people, delete_dead_sessions, delete_dead_sessions_of, disable_person, end_session,
    end_sessions_of, insert_person, insert_session, person_by_email, person_by_id,
    person_with_password, session_by_hash, set_last_login, set_person_role, touch_session,
};
pub use reports::{
    count_report, end_spike, forget_reports, insert_spike, last_counted, open_spike, open_spikes,
    reporters_now, reports_between, reports_to_forget, spike_by_event,
};
pub use restore::{KeptAside, Restored, restore};
pub use status_history::{
    last_status_change, move_notice_history, notice_history_start, record_status_changes,
    seeded_at, status_before, status_history_since,
};
pub use subscribers::{
    confirm_subscriber, confirmation_mails_sent, confirmed_subscribers, count_confirmation_mail,
    delete_mail_counts_before, delete_subscriber, delete_unconfirmed_before, insert_subscriber,
    set_confirm_hash, subscriber_by_confirm, subscriber_by_email, subscriber_by_id,
    subscribers_page, update_choices,
};
pub use templates::{
    all_templates, delete_template, insert_template, template_by_id, update_template,
};
pub use webhooks::{
    all_webhooks, delete_webhook, disable_webhook, insert_webhook, set_webhook_secret,
    update_webhook, webhook_by_id, webhook_failing, webhook_secret, webhook_succeeded,
};

use migrations::MIGRATIONS;
use pool::Pool;
pub use pool::{HeldReads, Reader};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database at {path} has schema version {found}, newer than this paystatus knows ({known}); run a newer paystatus"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the seed file is invalid: {0}")]
    Seed(String),
    #[error("a database task failed: {0}")]
    Task(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("cannot encode {0}")]
    Encode(String),
    /// Another write (or another process) held the database for longer than a write may wait.
    #[error("the database stayed busy for {0:?}; nothing was written")]
    WriterBusy(std::time::Duration),
}

/// Why the database cannot take writes right now: the cases an operator can do something
/// about, and in which the server keeps serving the last good page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Locked by another process (or a long write) past the bound a write waits.
    Busy,
    /// No space left on the disk (or the database reached its size limit).
    DiskFull,
    /// The file cannot be read or written: I/O error, read-only file or directory.
    Io,
    /// The file is damaged: restore it from a backup.
    Damaged,
}

impl Fault {
    /// Plain words for `/healthz`, the log and the operator's 503.
    pub fn reason(self) -> &'static str {
        match self {
            Fault::Busy => "the database is locked by another process or a long write",
            Fault::DiskFull => "the disk holding the database is full",
            Fault::Io => "the database file cannot be read or written (I/O error or permissions)",
            Fault::Damaged => "the database file is damaged; restore it from a backup",
        }
    }

    /// How long an operator should wait before sending the write again.
    pub fn retry_after_seconds(self) -> u32 {
        match self {
            Fault::Busy => 5,
            Fault::DiskFull | Fault::Io | Fault::Damaged => 30,
        }
    }
}

/// Errors a write may end with: the store's own, or a caller's type that can carry one.
pub trait WriteError: From<StoreError> + std::fmt::Display {
    /// The database fault behind this error, if that is what it is.
    fn fault(&self) -> Option<Fault>;
}

impl WriteError for StoreError {
    fn fault(&self) -> Option<Fault> {
        StoreError::fault(self)
    }
}

/// The last fault seen on a write, until a write succeeds again.
#[derive(Debug, Clone)]
pub struct FaultSeen {
    pub fault: Fault,
    /// When this fault was first seen (wall-clock time).
    pub since: chrono::DateTime<chrono::Utc>,
    /// The database's own words, for the log and `/healthz`.
    pub detail: String,
}

/// What writes have seen lately: the state `/healthz` reports and `/metrics` counts.
#[derive(Default)]
struct FaultLog {
    current: Mutex<Option<FaultSeen>>,
    total: std::sync::atomic::AtomicU64,
}

impl FaultLog {
    fn failed(&self, fault: Fault, detail: String) {
        self.total
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        match current.as_mut() {
            Some(seen) if seen.fault == fault => seen.detail = detail,
            _ => {
                tracing::error!(
                    reason = fault.reason(),
                    detail,
                    "database writes are failing"
                );
                *current = Some(FaultSeen {
                    fault,
                    since: chrono::Utc::now(),
                    detail,
                });
            }
        }
    }

    fn succeeded(&self) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(seen) = current.take() {
            tracing::info!(reason = seen.fault.reason(), "database writes work again");
        }
    }
}

impl StoreError {
    /// The fault behind this error, when it is the database's state rather than a bug or
    /// bad data: such errors pass, and the write can be sent again.
    pub fn fault(&self) -> Option<Fault> {
        use rusqlite::ErrorCode;
        match self {
            StoreError::WriterBusy(_) => Some(Fault::Busy),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => match e.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Some(Fault::Busy),
                ErrorCode::DiskFull => Some(Fault::DiskFull),
                ErrorCode::SystemIoFailure
                | ErrorCode::ReadOnly
                | ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied => Some(Fault::Io),
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => Some(Fault::Damaged),
                _ => None,
            },
            _ => None,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// How long a write waits for the database (for other writes, or another process's lock)
/// before it gives up and the operator is told to try again: well inside the 5 s an
/// operator's tool may wait.
pub const WRITE_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

struct Inner {
    writer: Mutex<Connection>,
    /// Async writers queue here (first come, first served) with a deadline, so a write
    /// never waits longer than [`WRITE_WAIT`] in all, and no blocking thread waits idle.
    writer_turn: Arc<tokio::sync::Semaphore>,
    faults: FaultLog,
    snapshot: Arc<Pool>,
    operator: Arc<Pool>,
    public: Arc<Pool>,
}

impl Inner {
    fn pool(&self, lane: Reader) -> &Arc<Pool> {
        match lane {
            Reader::Snapshot => &self.snapshot,
            Reader::Operator => &self.operator,
            Reader::Public => &self.public,
        }
    }
}

/// Cheap to clone; every clone uses the same connections.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
    path: PathBuf,
}

pub const DATABASE_FILE: &str = "paystatus.db";

/// The schema version this binary migrates databases to.
pub fn known_schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, migrates it and seeds the
    /// default payment channels and notice templates on first start.
    pub fn open(data_dir: &Path, now: chrono::DateTime<chrono::Utc>) -> StoreResult<Store> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let mut writer = open_connection(&path)?;
        migrate(&mut writer, &path)?;
        seed::seed_if_new(&mut writer, data_dir, now)?;
        template_seed::seed_templates_if_new(&mut writer, data_dir, now)?;
        Ok(Store {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                writer_turn: Arc::new(tokio::sync::Semaphore::new(1)),
                faults: FaultLog::default(),
                snapshot: Arc::new(Pool::open(&path, Reader::Snapshot)?),
                operator: Arc::new(Pool::open(&path, Reader::Operator)?),
                public: Arc::new(Pool::open(&path, Reader::Public)?),
            }),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one immediate write transaction, committed when `f` returns `Ok`.
    /// Waits at most [`WRITE_WAIT`] for the database; then fails with a [`Fault::Busy`]
    /// error, having written nothing.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: WriteError + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        let deadline = std::time::Instant::now() + WRITE_WAIT;
        let turn = match tokio::time::timeout_at(
            deadline.into(),
            self.inner.writer_turn.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(turn)) => turn,
            Ok(Err(closed)) => return Err(E::from(StoreError::Task(closed.to_string()))),
            Err(_) => {
                let e = StoreError::WriterBusy(WRITE_WAIT);
                self.inner.faults.failed(Fault::Busy, e.to_string());
                return Err(E::from(e));
            }
        };
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            write_with(&inner, deadline, f)
        })
        .await
        .map_err(|e| E::from(StoreError::Task(e.to_string())))?
    }

    /// The same as [`Store::write`], for the command line.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: WriteError,
        F: FnOnce(&Transaction) -> Result<T, E>,
    {
        write_with(&self.inner, std::time::Instant::now() + WRITE_WAIT, f)
    }

    /// A write that changes nothing but must reach the disk: how the timer finds out that
    /// a fault has passed when no operator is writing.
    pub async fn probe_write(&self) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE meta SET value = value WHERE key = 'history_version'",
                [],
            )?;
            Ok(())
        })
        .await
    }

    /// The fault the last write met, until a write succeeds again.
    pub fn fault(&self) -> Option<FaultSeen> {
        self.inner
            .faults
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Writes that failed because of a database fault, since start.
    pub fn faults_total(&self) -> u64 {
        self.inner
            .faults
            .total
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `f` on a connection of `lane`, inside one read transaction (a consistent view).
    pub async fn read<T, E, F>(&self, lane: Reader, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        self.inner.pool(lane).read(f).await
    }

    /// The same as [`Store::read`], for the command line and tests.
    pub fn read_blocking<T, E, F>(&self, lane: Reader, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Transaction) -> Result<T, E>,
    {
        self.inner.pool(lane).read_blocking(f)
    }

    /// Holds every read of `lane` inside its transaction until the returned guard is
    /// released: tests use it to make reads slow without sleeping.
    pub fn hold_reads(&self, lane: Reader) -> HeldReads {
        self.inner.pool(lane).hold()
    }

    /// `PRAGMA integrity_check`, for health checks and tests.
    pub fn integrity_check(&self) -> StoreResult<String> {
        self.read_blocking(Reader::Operator, |tx| {
            Ok(tx.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
        })
    }
}

/// SQLite's `data_version` on this connection: it changes whenever another connection
/// commits, so equal values mean nothing was written in between.
pub fn data_version(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// Counts kept by the triggers of migration 2: `history_version` moves whenever a notice
/// enters or leaves the history (its order changes), `archive_version` whenever a notice
/// in the history is changed or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistoryVersions {
    pub history: i64,
    pub archive: i64,
}

pub fn history_versions(conn: &Connection) -> StoreResult<HistoryVersions> {
    let read = |key: &str| -> StoreResult<i64> {
        let v: Option<i64> = conn
            .prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        v.ok_or_else(|| StoreError::Corrupt(format!("meta has no {key}")))
    };
    Ok(HistoryVersions {
        history: read("history_version")?,
        archive: read("archive_version")?,
    })
}

fn write_with<T, E, F>(inner: &Inner, deadline: std::time::Instant, f: F) -> Result<T, E>
where
    E: WriteError,
    F: FnOnce(&Transaction) -> Result<T, E>,
{
    let result = write_once(inner, deadline, f);
    match &result {
        Ok(_) => inner.faults.succeeded(),
        Err(e) => {
            if let Some(fault) = e.fault() {
                inner.faults.failed(fault, e.to_string());
            }
        }
    }
    result
}

fn write_once<T, E, F>(inner: &Inner, deadline: std::time::Instant, f: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnOnce(&Transaction) -> Result<T, E>,
{
    // A poisoned lock only means an earlier write panicked; its transaction was rolled
    // back when dropped, so the connection is still sound.
    let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
    // Another process's lock is waited for only until the write's deadline.
    let left = deadline.saturating_duration_since(std::time::Instant::now());
    conn.busy_timeout(left.max(std::time::Duration::from_millis(10)))
        .map_err(StoreError::from)?;
    // Dropped on error: the transaction rolls back, so nothing is half-written.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let out = f(&tx)?;
    tx.commit().map_err(StoreError::from)?;
    Ok(out)
}

fn open_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path)?;
    // WAL: readers never block the writer; FULL: a commit survives power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection, path: &Path) -> StoreResult<()> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "migrated database");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_twice_migrates_once_and_seeds_once() {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::Utc::now();
        let store = Store::open(dir.path(), now).unwrap();
        let n = store
            .read_blocking(Reader::Operator, |c| all_components(c, false))
            .unwrap()
            .len();
        assert!(n >= 9, "default channels are seeded");
        drop(store);
        let store = Store::open(dir.path(), now).unwrap();
        assert_eq!(
            store
                .read_blocking(Reader::Operator, |c| all_components(c, false))
                .unwrap()
                .len(),
            n
        );
        let pragmas: (String, i64, i64) = store
            .write_blocking(|c| {
                Ok::<_, StoreError>(c.query_row(
                    "SELECT (SELECT journal_mode FROM pragma_journal_mode), (SELECT synchronous FROM pragma_synchronous), (SELECT foreign_keys FROM pragma_foreign_keys)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .unwrap();
        assert_eq!(pragmas, ("wal".to_string(), 2, 1));
    }

    #[test]
    fn a_database_newer_than_the_binary_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
            conn.pragma_update(None, "user_version", 999).unwrap();
        }
        let err = Store::open(dir.path(), chrono::Utc::now())
            .err()
            .expect("must refuse");
        assert!(
            matches!(err, StoreError::TooNew { found: 999, .. }),
            "{err}"
        );
    }
}
