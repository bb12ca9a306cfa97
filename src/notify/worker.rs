//! The outbox's worker: its own task, woken by every committed write (`Writer` pokes
//! `wake`), by a finished attempt, and at least every [`POLL`], so work left pending by a
//! restart or a lost lease resumes within seconds.
//!
//! Each round: (a) fan-out — events not yet expanded become one delivery per recipient
//! per channel, in one short write per batch; (b) send — each channel's due deliveries
//! are leased and prepared in one short write, sent with at most `concurrency()` in
//! flight and no connection held; finished attempts are recorded together, in one short
//! write for all that finished meanwhile (one write per mail would make the disk's
//! flushes the limit of a fan-out to thousands). A server killed mid-send leaves a lease
//! that runs out: the delivery is sent again, with the same id (at least once).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;

use super::{Attempt, Channel, Prepared, Settled};
use crate::domain::{Clock, new_id};
use crate::store::{self, AttemptRecord, Delivery, DeliveryState, Reader, Store, StoreError};

/// Pending work is looked for at least this often.
const POLL: Duration = Duration::from_secs(2);

/// Events expanded per write transaction.
const FAN_OUT_BATCH: usize = 100;

/// A picked delivery is leased for its channel's attempt timeout and this much more.
const LEASE_MARGIN: Duration = Duration::from_secs(2);

/// Finished attempts recorded per write transaction, at most.
const RECORD_BATCH: usize = 500;

pub struct Worker {
    store: Store,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    channels: Vec<(Arc<dyn Channel>, Arc<Semaphore>)>,
}

impl Worker {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
        channels: Vec<Arc<dyn Channel>>,
    ) -> Worker {
        let channels = channels
            .into_iter()
            .map(|c| {
                let slots = Arc::new(Semaphore::new(c.concurrency()));
                (c, slots)
            })
            .collect();
        Worker {
            store,
            clock,
            wake,
            channels,
        }
    }

    /// Runs until the task is aborted; attempts in flight are dropped with it (their
    /// leases run out and they are sent again by the next server).
    pub async fn run(self) {
        let mut in_flight = JoinSet::new();
        let (finished, to_record) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(recorder(self.store.clone(), to_record, self.wake.clone()));
        let _recorder = AbortOnDrop(recorder);
        loop {
            if let Err(e) = self.fan_out().await {
                tracing::error!(error = %e, "the outbox could not expand events into deliveries; retrying");
            }
            for (channel, slots) in &self.channels {
                if let Err(e) = self
                    .start_due(channel, slots, &mut in_flight, &finished)
                    .await
                {
                    tracing::error!(channel = channel.name(), error = %e, "the outbox could not pick due deliveries; retrying");
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Err(e) = done && e.is_panic() {
                        tracing::error!(error = %e, "a delivery attempt panicked; its lease runs out and it is sent again");
                    }
                }
            }
        }
    }

    /// Expands every event not yet fanned out, a batch per transaction.
    async fn fan_out(&self) -> Result<(), StoreError> {
        // Most wake-ups find nothing: look on a read connection before taking the writer.
        let pending = self
            .store
            .read(Reader::Operator, |tx| store::events_to_fan_out(tx, 1))
            .await?;
        if pending.is_empty() {
            return Ok(());
        }
        loop {
            let channels: Vec<Arc<dyn Channel>> =
                self.channels.iter().map(|(c, _)| c.clone()).collect();
            let now = self.clock.now();
            let expanded = self
                .store
                .write(move |tx| {
                    let events = store::events_to_fan_out(tx, FAN_OUT_BATCH)?;
                    for e in &events {
                        for c in &channels {
                            for r in c.recipients(tx, e)? {
                                let id = format!("msg_{}", new_id());
                                store::insert_delivery(tx, &id, &e.id, c.name(), &r, now)?;
                            }
                        }
                        store::mark_fanned_out(tx, &e.id, now)?;
                    }
                    Ok::<_, StoreError>(events.len())
                })
                .await?;
            if expanded < FAN_OUT_BATCH {
                return Ok(());
            }
        }
    }

    /// Leases as many due deliveries as `channel` has free slots, and starts sending them.
    async fn start_due(
        &self,
        channel: &Arc<dyn Channel>,
        slots: &Arc<Semaphore>,
        in_flight: &mut JoinSet<()>,
        finished: &mpsc::UnboundedSender<Finished>,
    ) -> Result<(), StoreError> {
        let free = slots.available_permits();
        if free == 0 {
            return Ok(());
        }
        let now = self.clock.now();
        let name = channel.name();
        let due = self
            .store
            .read(Reader::Operator, move |tx| store::any_due(tx, name, now))
            .await?;
        if !due {
            return Ok(());
        }
        let lease = chrono::Duration::from_std(channel.attempt_timeout() + LEASE_MARGIN)
            .map_err(|e| StoreError::Encode(format!("a lease: {e}")))?;
        let c = channel.clone();
        let picked = self
            .store
            .write(move |tx| {
                let mut jobs = Vec::new();
                for d in store::lease_due(tx, c.name(), now, now + lease, free)? {
                    match prepare(c.as_ref(), tx, &d) {
                        Ok(Prepared::Send(job)) => jobs.push((d, job)),
                        Ok(Prepared::Drop(why)) => {
                            store::set_delivery_state(
                                tx,
                                &d.id,
                                d.attempts,
                                &DeliveryState::Failed,
                                Some(&why),
                                now,
                            )?;
                        }
                        Err(e) => {
                            // Failed for good rather than picked again forever.
                            tracing::error!(delivery = d.id, error = %e, "a delivery cannot be prepared");
                            let why = format!("cannot be prepared: {e}");
                            let failed = DeliveryState::Failed;
                            store::set_delivery_state(tx, &d.id, d.attempts, &failed, Some(&why), now)?;
                        }
                    }
                }
                Ok::<_, StoreError>(jobs)
            })
            .await?;
        for (delivery, job) in picked {
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                // Only this loop takes slots, and it counted them: cannot happen. The
                // lease runs out and the delivery is picked again.
                tracing::error!(delivery = delivery.id, "no free slot for a leased delivery");
                continue;
            };
            let (clock, channel, finished) =
                (self.clock.clone(), channel.clone(), finished.clone());
            in_flight.spawn(async move {
                let started = clock.now();
                let attempt = job.send().await;
                // The recorder only stops with the worker, when this is dropped too.
                let _ = finished.send(Finished {
                    started,
                    channel,
                    delivery,
                    attempt,
                    _slot: permit,
                });
            });
        }
        Ok(())
    }
}

fn prepare(
    c: &dyn Channel,
    tx: &rusqlite::Transaction,
    d: &Delivery,
) -> Result<Prepared, StoreError> {
    let event = store::event_by_id(tx, &d.event_id)?
        .ok_or_else(|| StoreError::Corrupt(format!("delivery {} has no event", d.id)))?;
    c.prepare(tx, d, &event)
}

/// An attempt that finished, waiting to be recorded; its slot is freed once it is.
struct Finished {
    /// When it started: a retry is timed from there.
    started: DateTime<Utc>,
    channel: Arc<dyn Channel>,
    delivery: Delivery,
    attempt: Attempt,
    _slot: OwnedSemaphorePermit,
}

/// Stops the recorder with the worker.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Records finished attempts, all that finished meanwhile in one write, then frees their
/// slots and wakes the worker to lease more.
async fn recorder(
    store: Store,
    mut finished: mpsc::UnboundedReceiver<Finished>,
    wake: Arc<Notify>,
) {
    while let Some(first) = finished.recv().await {
        let mut batch = vec![first];
        while batch.len() < RECORD_BATCH {
            match finished.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let written = store
            .write(move |tx| {
                for f in &batch {
                    record(tx, f)?;
                }
                Ok::<_, StoreError>(batch)
            })
            .await;
        match written {
            // Dropping the batch frees its slots.
            Ok(batch) => drop(batch),
            // The leases run out and the deliveries are sent again: at least once.
            Err(e) => tracing::error!(error = %e, "attempts could not be recorded"),
        }
        wake.notify_one();
    }
}

/// Records one attempt and where its delivery stands.
fn record(tx: &rusqlite::Transaction, f: &Finished) -> Result<(), StoreError> {
    let (delivery, attempt, now) = (&f.delivery, &f.attempt, f.started);
    let n = delivery.attempts + 1;
    let row = AttemptRecord {
        attempt: n,
        at: now,
        status_code: attempt.status_code,
        latency_ms: Some(attempt.latency.as_millis() as u64),
        error: attempt.error.clone(),
    };
    store::record_attempt(tx, &delivery.id, &row)?;
    let (state, settled) = if attempt.delivered() {
        (DeliveryState::Sent, Settled::Sent)
    } else {
        let first = store::first_attempt_at(tx, &delivery.id)?.ok_or_else(|| {
            StoreError::Corrupt(format!("delivery {} lost its first attempt", delivery.id))
        })?;
        // A clock set back reads as no time failing.
        let failing_for = (now - first).to_std().unwrap_or(Duration::ZERO);
        let wait = f
            .channel
            .retry_after(n, failing_for)
            .filter(|_| attempt.retryable)
            .and_then(|w| chrono::Duration::from_std(w).ok());
        match wait {
            Some(w) => (DeliveryState::Retry(now + w), Settled::Retrying),
            None => (DeliveryState::Failed, Settled::GaveUp),
        }
    };
    store::set_delivery_state(tx, &delivery.id, n, &state, attempt.error.as_deref(), now)?;
    f.channel.settled(tx, delivery, settled, now)
}
