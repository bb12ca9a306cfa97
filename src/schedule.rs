//! Time-driven changes: maintenance windows that start and complete by themselves.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use crate::store::{self, Reader, Store, StoreError};

/// What a pass over the due windows did.
#[derive(Debug, Default)]
pub struct Transitions {
    pub moved: usize,
    /// Windows whose move failed: each was left as it was and is tried again next pass.
    pub failed: Vec<(String, StoreError)>,
}

/// Moves every maintenance whose window says so. Each move is its own transaction with
/// its audit row, like an operator's update, so one window that cannot move (a damaged
/// row, a refused write) holds up neither the others nor the clock.
pub async fn run_due_transitions(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Transitions, StoreError> {
    let due = store
        .read(Reader::Operator, |tx| store::due_maintenances(tx))
        .await?;
    let mut done = Transitions::default();
    for id in due {
        let key = id.clone();
        match store.write(move |tx| transition(tx, &key, now)).await {
            Ok(true) => done.moved += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(maintenance = id, error = %e, "a maintenance window could not move; it is retried on the next tick");
                done.failed.push((id, e));
            }
        }
    }
    Ok(done)
}

/// Moves one maintenance if its window says so; false if there was nothing to do.
fn transition(tx: &Transaction, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let Some(mut m) = store::incident_by_id(tx, id)? else {
        return Ok(false);
    };
    let catalog = store::catalog(tx, Some(&m.id))?;
    let before = m.updates.len();
    let changes = m
        .catch_up(now, &catalog)
        .map_err(|e| StoreError::Corrupt(format!("maintenance {id}: {}", e.0)))?;
    if m.updates.len() == before {
        return Ok(false);
    }
    store::save_incident(tx, &m)?;
    store::apply_component_changes(tx, &changes, now)?;
    let detail = serde_json::json!({ "status": m.status.as_str() });
    store::record_audit(
        tx,
        now,
        None,
        "system",
        "maintenance.auto_transition",
        Some(&m.id),
        Some(&detail),
    )?;
    Ok(true)
}

/// When the next window boundary falls, so the timer can wake exactly then.
pub async fn next_boundary(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    store
        .read(Reader::Operator, move |tx| {
            let ids = store::due_maintenances(tx)?;
            let mut next: Option<DateTime<Utc>> = None;
            for m in store::incidents_by_ids(tx, &ids)? {
                if let Some(w) = m.window {
                    for t in [w.starts, w.ends] {
                        if t > now && next.is_none_or(|n| t < n) {
                            next = Some(t);
                        }
                    }
                }
            }
            Ok(next)
        })
        .await
}
