//! Read connections. Each kind of reader has its own few connections, so no kind can
//! starve another: a crawler paging through history never holds the connection a write's
//! snapshot rebuild needs. In WAL mode readers never block the writer, nor it them.

use std::mem::ManuallyDrop;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::{StoreError, StoreResult};

/// Who is reading. Every read names its lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reader {
    /// Snapshot builds and the maintenance timer: a connection nobody else uses.
    Snapshot,
    /// Operators: the admin API and the command line.
    Operator,
    /// Anonymous visitors: documents outside the snapshot, rendered on demand.
    Public,
}

impl Reader {
    pub const ALL: [Reader; 3] = [Reader::Snapshot, Reader::Operator, Reader::Public];

    /// Connections per lane. Public reads are short indexed lookups; four let a few wait
    /// on the disk while others run, on a two-core machine.
    fn connections(self) -> usize {
        match self {
            Reader::Snapshot => 1,
            Reader::Operator => 2,
            Reader::Public => 4,
        }
    }
}

/// A lane's connections. Async callers queue on the semaphore (first come, first served)
/// before a blocking thread is used, so a flood of one kind of reader occupies at most
/// this lane's share of tokio's blocking threads.
pub(super) struct Pool {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
    permits: Arc<tokio::sync::Semaphore>,
    gate: Mutex<Option<Arc<Gate>>>,
}

impl Pool {
    pub(super) fn open(path: &Path, lane: Reader) -> StoreResult<Pool> {
        let n = lane.connections();
        let idle = (0..n)
            .map(|_| open_reader(path))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Pool {
            idle: Mutex::new(idle),
            returned: Condvar::new(),
            permits: Arc::new(tokio::sync::Semaphore::new(n)),
            gate: Mutex::new(None),
        })
    }

    /// Runs `f` in one read transaction (a consistent view) on a blocking thread.
    pub(super) async fn read<T, E, F>(self: &Arc<Self>, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| E::from(StoreError::Task(e.to_string())))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            pool.read_blocking(f)
        })
        .await
        .map_err(|e| E::from(StoreError::Task(e.to_string())))?
    }

    pub(super) fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Transaction) -> Result<T, E>,
    {
        let mut conn = self.take();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(StoreError::from)?;
        let out = f(&tx)?;
        tx.finish().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Takes an idle connection, waiting for one to come back if need be; it returns to
    /// the pool when the guard drops, even if the reader panicked.
    fn take(&self) -> Borrowed<'_> {
        let mut idle = lock(&self.idle);
        let conn = loop {
            match idle.pop() {
                Some(c) => break c,
                None => idle = self.returned.wait(idle).unwrap_or_else(|p| p.into_inner()),
            }
        };
        drop(idle);
        let gate = lock(&self.gate).clone();
        if let Some(gate) = gate {
            gate.pass();
        }
        Borrowed {
            pool: self,
            conn: ManuallyDrop::new(conn),
        }
    }

    pub(super) fn hold(&self) -> HeldReads {
        let gate = Arc::new(Gate::default());
        *lock(&self.gate) = Some(gate.clone());
        HeldReads { gate }
    }
}

/// A connection on loan: it goes back to the pool when dropped (not closed).
struct Borrowed<'a> {
    pool: &'a Pool,
    conn: ManuallyDrop<Connection>,
}

impl std::ops::Deref for Borrowed<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for Borrowed<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Drop for Borrowed<'_> {
    fn drop(&mut self) {
        // SAFETY: `conn` is taken once, here, and the guard is not used after `drop`.
        let conn = unsafe { ManuallyDrop::take(&mut self.conn) };
        lock(&self.pool.idle).push(conn);
        self.pool.returned.notify_one();
    }
}

fn open_reader(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// A lock whose holder may have panicked: the data it guards (idle connections, a gate)
/// is still consistent, because nothing is left half-changed while it is held.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Holds readers of one lane inside their read, connection in hand, until released: how
/// tests make a read slow without sleeping. Not used by the server itself.
#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    open: bool,
    waiting: usize,
}

impl Gate {
    fn pass(&self) {
        let mut s = lock(&self.state);
        s.waiting += 1;
        self.changed.notify_all();
        while !s.open {
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.waiting -= 1;
    }
}

/// Reads of one lane held at the gate; released by [`HeldReads::release`] or on drop.
pub struct HeldReads {
    gate: Arc<Gate>,
}

impl HeldReads {
    /// Waits (on a blocking thread) until `n` readers are held, each with a connection.
    pub async fn until_waiting(&self, n: usize) -> StoreResult<()> {
        let gate = self.gate.clone();
        tokio::task::spawn_blocking(move || {
            let mut s = lock(&gate.state);
            while s.waiting < n {
                s = gate.changed.wait(s).unwrap_or_else(|p| p.into_inner());
            }
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))
    }

    pub fn release(self) {}
}

impl Drop for HeldReads {
    fn drop(&mut self) {
        lock(&self.gate.state).open = true;
        self.gate.changed.notify_all();
    }
}
