//! Time-driven changes: maintenance windows that start and complete by themselves.

use chrono::{DateTime, Utc};

use crate::store::{self, Reader, Store, StoreError};

/// Moves every maintenance whose window says so; returns how many moved. All moves are
/// one transaction, each with its audit row, like an operator's update.
pub async fn run_due_transitions(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    store
        .write(move |tx| {
            let mut moved = 0;
            for id in store::due_maintenances(tx)? {
                let Some(mut m) = store::incident_by_id(tx, &id)? else {
                    continue;
                };
                let catalog = store::catalog(tx, Some(&m.id))?;
                let before = m.updates.len();
                let changes = m
                    .catch_up(now, &catalog)
                    .map_err(|e| StoreError::Corrupt(e.0))?;
                if m.updates.len() == before {
                    continue;
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
                moved += 1;
            }
            Ok(moved)
        })
        .await
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
