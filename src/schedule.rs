//! Time-driven changes: maintenance windows that start and complete by themselves.

use chrono::{DateTime, Utc};

use crate::domain::{UpdateDraft, new_id};
use crate::store::{self, Store, StoreError};

/// Moves every maintenance whose window says so; returns how many moved. Each move is
/// one transaction with its audit row, like an operator's update.
pub async fn run_due_transitions(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    store
        .write(move |tx| {
            let mut moved = 0;
            for id in store::due_maintenances(tx)? {
                let Some(mut m) = store::incident_by_id(tx, &id)? else {
                    continue;
                };
                // A window that already ended may skip straight to completed, and one
                // that started moves to in progress first; loop until nothing is due.
                while let Some(next) = m.due_transition(now) {
                    let catalog = store::catalog(tx, Some(&m.id))?;
                    let update = UpdateDraft {
                        status: Some(next),
                        ..Default::default()
                    };
                    let changes = m
                        .post_update(update, new_id(), now, &catalog)
                        .map_err(|e| StoreError::Corrupt(e.0))?;
                    store::save_incident(tx, &m)?;
                    store::apply_component_changes(tx, &changes, now)?;
                    let detail = serde_json::json!({ "status": next.as_str() });
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
        .read(move |tx| {
            let mut next: Option<DateTime<Utc>> = None;
            for id in store::due_maintenances(tx)? {
                if let Some(m) = store::incident_by_id(tx, &id)?
                    && let Some(w) = m.window
                {
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
