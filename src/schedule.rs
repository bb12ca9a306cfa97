//! Time-driven changes: maintenance windows that start and complete by themselves, and
//! flapping channels let go once they have been stable.

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::service::{self, Who, Writer, alerts, notices};
use crate::store::{self, Reader, Store, StoreError};

/// What a pass over the due windows did.
#[derive(Debug, Default)]
pub struct Transitions {
    pub moved: usize,
    /// Windows whose move failed: each was left as it was and is tried again next pass.
    pub failed: Vec<(String, Error)>,
}

/// Moves every maintenance whose window says so. Each move is its own transaction with
/// its audit row, like an operator's update, so one window that cannot move (a damaged
/// row, a refused write) holds up neither the others nor the clock. The caller rebuilds
/// the page afterwards, once for all of them.
pub async fn run_due_transitions(writer: &Writer) -> Result<Transitions, StoreError> {
    let due = writer
        .store
        .read(Reader::Operator, |tx| store::due_maintenances(tx))
        .await?;
    let mut done = Transitions::default();
    for id in due {
        let ctx = writer.context(Who::system());
        let key = id.clone();
        let moved = writer
            .store
            .write(move |tx| -> Result<bool, Error> {
                match notices::move_window(tx, &ctx, &key)? {
                    Some(moved) => {
                        service::record(tx, &ctx, &moved.audit)?;
                        Ok(true)
                    }
                    None => Ok(false),
                }
            })
            .await;
        match moved {
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

/// Lets go of the flapping channels that have been stable long enough; how many. Looks on
/// a read connection first, so an idle tick takes no write.
pub async fn release_flapping(writer: &Writer) -> Result<usize, Error> {
    let now = writer.clock.now();
    let next = writer
        .store
        .read(Reader::Operator, |tx| alerts::next_release(tx))
        .await?;
    if next.is_none_or(|t| t > now) {
        return Ok(0);
    }
    writer
        .run_audited(Who::system(), |tx, ctx| {
            let audits = alerts::release_settled(tx, ctx)?;
            Ok((audits.len(), audits))
        })
        .await
}

/// When the next window boundary (or flapping channel's release) falls, so the timer can
/// wake exactly then.
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
            let release = alerts::next_release(tx)?.filter(|t| *t > now);
            Ok(match (next, release) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            })
        })
        .await
}
