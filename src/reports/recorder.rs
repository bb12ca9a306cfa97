//! Recording reports: one queue, one flusher at a time. Reports that arrive while a batch
//! is being written wait and go in the next one (up to [`MAX_BATCH`] per transaction), so
//! the writer is taken one short transaction at a time however many customers report.
//! Clients are hashed before the transaction with the day's key, kept in memory only.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Transaction;
use tokio::sync::oneshot;

use super::Reports;
use crate::domain::report::{self, Spike, SpikeRule};
use crate::domain::{ComponentId, new_id, spike_event};
use crate::store::{self, Fault, Reader, StoreError};

/// Reports written in one transaction at most.
const MAX_BATCH: usize = 500;
/// Reports waiting at most; more are answered "try again" at once.
const MAX_WAITING: usize = 20_000;

/// Why a report (or the chores) could not be recorded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RecordError {
    #[error("too many reports are waiting to be recorded")]
    Busy,
    #[error("{message}")]
    Store {
        fault: Option<Fault>,
        message: String,
    },
    #[error("the report was dropped before it was recorded")]
    Lost,
}

impl RecordError {
    /// Seconds a client should wait before sending it again.
    pub fn retry_after_seconds(&self) -> u32 {
        match self {
            RecordError::Store { fault: Some(f), .. } => f.retry_after_seconds(),
            _ => 5,
        }
    }
}

impl From<StoreError> for RecordError {
    fn from(e: StoreError) -> RecordError {
        RecordError::Store {
            fault: e.fault(),
            message: e.to_string(),
        }
    }
}

impl store::WriteError for RecordError {
    fn fault(&self) -> Option<Fault> {
        match self {
            RecordError::Store { fault, .. } => *fault,
            _ => None,
        }
    }
}

struct Pending {
    component: ComponentId,
    client: IpAddr,
    reply: oneshot::Sender<Result<bool, RecordError>>,
}

#[derive(Default)]
pub(super) struct Queue {
    reports: Vec<Pending>,
    chores: Vec<oneshot::Sender<Result<(), RecordError>>>,
    /// A flusher is running; it takes whatever is queued until nothing is.
    flushing: bool,
}

/// The day's random keys, by day (UTC): today's, and yesterday's through the first 30
/// minutes of today (a report counted just before midnight still holds then).
#[derive(Default)]
pub(super) struct DailyKeys(BTreeMap<NaiveDate, [u8; 32]>);

impl DailyKeys {
    /// The hashes `client` may have been counted under at `now`: today's key first (new
    /// reports are counted under it), then yesterday's while it is kept.
    fn hashes(&mut self, client: IpAddr, now: DateTime<Utc>) -> Vec<[u8; 32]> {
        let mut out = Vec::with_capacity(2);
        for (i, day) in report::key_days(now).into_iter().enumerate() {
            let key = if i == 0 {
                Some(*self.0.entry(day).or_insert_with(report::new_report_key))
            } else {
                self.0.get(&day).copied()
            };
            if let Some(key) = key {
                out.push(report::client_hash(&key, client));
            }
        }
        out
    }

    fn forget(&mut self, now: DateTime<Utc>) {
        let keep = report::key_days(now);
        self.0.retain(|day, _| keep.contains(day));
    }
}

pub(super) async fn record(
    reports: &Reports,
    component: ComponentId,
    client: IpAddr,
) -> Result<bool, RecordError> {
    let (reply, answer) = oneshot::channel();
    let lead = {
        let mut q = reports.0.recorder.lock().unwrap_or_else(|p| p.into_inner());
        if q.reports.len() >= MAX_WAITING {
            return Err(RecordError::Busy);
        }
        q.reports.push(Pending {
            component,
            client,
            reply,
        });
        !std::mem::replace(&mut q.flushing, true)
    };
    if lead {
        // Its own task: a client that hangs up must not stop the flush others wait for.
        tokio::spawn(flush(reports.clone()));
    }
    answer.await.map_err(|_| RecordError::Lost)?
}

pub(super) async fn chores(reports: &Reports) -> Result<(), RecordError> {
    let (reply, answer) = oneshot::channel();
    let lead = {
        let mut q = reports.0.recorder.lock().unwrap_or_else(|p| p.into_inner());
        q.chores.push(reply);
        !std::mem::replace(&mut q.flushing, true)
    };
    if lead {
        tokio::spawn(flush(reports.clone()));
    }
    answer.await.map_err(|_| RecordError::Lost)?
}

/// Lets the next report start a flusher again, even if this one panicked (its waiters'
/// senders are dropped with it, so they are told `Lost`).
struct Flushing<'a>(&'a Reports);

impl Drop for Flushing<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut q = self.0.0.recorder.lock().unwrap_or_else(|p| p.into_inner());
            q.flushing = false;
            q.reports.clear();
            q.chores.clear();
        }
    }
}

async fn flush(reports: Reports) {
    let _guard = Flushing(&reports);
    loop {
        let (batch, chores_waiting) = {
            let mut q = reports.0.recorder.lock().unwrap_or_else(|p| p.into_inner());
            if q.reports.is_empty() && q.chores.is_empty() {
                q.flushing = false;
                return;
            }
            let n = q.reports.len().min(MAX_BATCH);
            let batch: Vec<Pending> = q.reports.drain(..n).collect();
            (batch, std::mem::take(&mut q.chores))
        };
        if !batch.is_empty() {
            write_batch(&reports, batch).await;
        }
        if !chores_waiting.is_empty() {
            let done = run_chores(&reports).await;
            if let Err(e) = &done {
                tracing::error!(error = %e, "the customers' reports chores failed");
            }
            for waiter in chores_waiting {
                let _ = waiter.send(done.clone());
            }
        }
    }
}

/// One report as written: its channel, and the client's hashes (today's first).
struct Item {
    component: ComponentId,
    hashes: Vec<[u8; 32]>,
}

/// What a batch did.
struct Recorded {
    counted: Vec<bool>,
    started: Vec<Spike>,
    ended: Vec<ComponentId>,
    open: Vec<ComponentId>,
}

async fn write_batch(reports: &Reports, batch: Vec<Pending>) {
    let now = reports.clock.now();
    let items: Vec<Item> = {
        let mut keys = reports.0.keys.lock().unwrap_or_else(|p| p.into_inner());
        batch
            .iter()
            .map(|p| Item {
                component: p.component.clone(),
                hashes: keys.hashes(p.client, now),
            })
            .collect()
    };
    let rule = reports.rule;
    let written = reports
        .store
        .write(move |tx| record_batch(tx, &items, now, rule))
        .await;
    match written {
        Ok(done) => {
            for (p, counted) in batch.iter().zip(&done.counted) {
                if *counted {
                    reports.metrics.reports.counted(p.component.as_str(), 1);
                }
            }
            after_spikes_changed(reports, &done.started, &done.ended, done.open);
            for (p, counted) in batch.into_iter().zip(done.counted) {
                let _ = p.reply.send(Ok(counted));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, reports = batch.len(), "customers' reports could not be recorded");
            for p in batch {
                let _ = p.reply.send(Err(e.clone()));
            }
        }
    }
}

/// Tells what changed: `/metrics`' spikes, the log, and the outbox's worker when a spike's
/// event was written.
fn after_spikes_changed(
    reports: &Reports,
    started: &[Spike],
    ended: &[ComponentId],
    open: Vec<ComponentId>,
) {
    for s in started {
        tracing::warn!(
            component = %s.component,
            reporters = s.reporters,
            usual = s.usual,
            "customers' failure reports spiked"
        );
    }
    for c in ended {
        tracing::info!(component = %c, "customers' failure reports are back below the threshold");
    }
    reports
        .metrics
        .reports
        .set_spiking(open.into_iter().map(|c| c.to_string()));
    if !started.is_empty() {
        reports.outbox.notify_one();
    }
}

/// Counts each report that counts, then settles the spikes of the channels that got one.
fn record_batch(
    tx: &Transaction,
    items: &[Item],
    now: DateTime<Utc>,
    rule: SpikeRule,
) -> Result<Recorded, RecordError> {
    let mut counted = Vec::with_capacity(items.len());
    let mut touched: BTreeSet<&ComponentId> = BTreeSet::new();
    for item in items {
        let Some(today) = item.hashes.first() else {
            counted.push(false);
            continue;
        };
        let mut last = None;
        for hash in &item.hashes {
            last = last.max(store::last_counted(tx, hash, &item.component)?);
        }
        let counts = report::counts(last, now);
        if counts {
            store::count_report(tx, today, &item.component, now)?;
            touched.insert(&item.component);
        }
        counted.push(counts);
    }
    let mut started = Vec::new();
    let mut ended = Vec::new();
    for component in touched {
        match settle(tx, component, now, rule)? {
            Some(Change::Started(s)) => started.push(s),
            Some(Change::Ended) => ended.push(component.clone()),
            None => {}
        }
    }
    Ok(Recorded {
        counted,
        started,
        ended,
        open: open_channels(tx)?,
    })
}

enum Change {
    Started(Spike),
    Ended,
}

/// Starts a spike of `component` (with its event) or ends it, as its window says at `now`.
fn settle(
    tx: &Transaction,
    component: &ComponentId,
    now: DateTime<Utc>,
    rule: SpikeRule,
) -> Result<Option<Change>, StoreError> {
    let reporters = store::reporters_now(tx, component, now)?;
    if let Some(open) = store::open_spike(tx, component)? {
        if report::still_spiking(reporters, open.threshold) {
            return Ok(None);
        }
        store::end_spike(tx, &open.event_id, now)?;
        return Ok(Some(Change::Ended));
    }
    // The usual rate reads the day: only worth it once the threshold is reached.
    if reporters < u64::from(rule.threshold) {
        return Ok(None);
    }
    let history = store::reports_between(
        tx,
        component,
        report::history_start(now),
        report::window_start(now),
    )?;
    let usual = report::usual_rate(history);
    if !rule.is_spike(reporters, usual) {
        return Ok(None);
    }
    let event = spike_event(new_id(), now);
    store::insert_events(tx, std::slice::from_ref(&event))?;
    let spike = Spike {
        event_id: event.id,
        component: component.clone(),
        started_at: now,
        reporters,
        usual,
        threshold: rule.threshold,
        ended_at: None,
    };
    store::insert_spike(tx, &spike)?;
    Ok(Some(Change::Started(spike)))
}

/// Ends the open spike of `component` if its window fell below its threshold; never
/// starts one (only a counted report does).
fn end_if_over(
    tx: &Transaction,
    component: &ComponentId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(open) = store::open_spike(tx, component)? else {
        return Ok(false);
    };
    if report::still_spiking(store::reporters_now(tx, component, now)?, open.threshold) {
        return Ok(false);
    }
    store::end_spike(tx, &open.event_id, now)?;
    Ok(true)
}

fn open_channels(tx: &Transaction) -> Result<Vec<ComponentId>, StoreError> {
    Ok(store::open_spikes(tx)?
        .into_iter()
        .map(|s| s.component)
        .collect())
}

/// The chores: forget old keys (memory), reports and hashes (the database), end spikes
/// whose window fell below their threshold. Looks first on a read connection and takes
/// the writer only when something is due.
async fn run_chores(reports: &Reports) -> Result<(), RecordError> {
    let now = reports.clock.now();
    reports
        .0
        .keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .forget(now);
    let (due, open) = reports
        .store
        .read(Reader::Operator, move |tx| -> Result<_, StoreError> {
            let due = store::reports_to_forget(tx, now)?;
            let mut open = Vec::new();
            for s in store::open_spikes(tx)? {
                let reporters = store::reporters_now(tx, &s.component, now)?;
                open.push((s, reporters));
            }
            Ok((due, open))
        })
        .await?;
    let ending: Vec<ComponentId> = open
        .iter()
        .filter(|(s, n)| !report::still_spiking(*n, s.threshold))
        .map(|(s, _)| s.component.clone())
        .collect();
    if !due && ending.is_empty() {
        let open = open.into_iter().map(|(s, _)| s.component).collect();
        after_spikes_changed(reports, &[], &[], open);
        return Ok(());
    }
    let (ended, open) = reports
        .store
        .write(move |tx| -> Result<_, RecordError> {
            let (old_reports, old_clients) = store::forget_reports(tx, now)?;
            if old_reports + old_clients > 0 {
                tracing::debug!(old_reports, old_clients, "forgot old customers' reports");
            }
            let mut ended = Vec::new();
            // Settled again inside the transaction: what was read may have moved.
            for component in &ending {
                if end_if_over(tx, component, now)? {
                    ended.push(component.clone());
                }
            }
            Ok((ended, open_channels(tx)?))
        })
        .await?;
    after_spikes_changed(reports, &[], &ended, open);
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::store::Store;

    const RULE: SpikeRule = SpikeRule { threshold: 20 };

    fn card() -> ComponentId {
        ComponentId::parse("card", "id").unwrap()
    }

    fn client(n: u32) -> [u8; 32] {
        let mut h = [0u8; 32];
        h[..4].copy_from_slice(&n.to_le_bytes());
        h
    }

    fn items(clients: impl IntoIterator<Item = u32>) -> Vec<Item> {
        clients
            .into_iter()
            .map(|n| Item {
                component: card(),
                hashes: vec![client(n)],
            })
            .collect()
    }

    fn world() -> (tempfile::TempDir, Store, DateTime<Utc>) {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 5, 5, 0).unwrap();
        let store = Store::open(dir.path(), now).unwrap();
        (dir, store, now)
    }

    fn batch(store: &Store, items: &[Item], now: DateTime<Utc>) -> Recorded {
        store
            .write_blocking(|tx| record_batch(tx, items, now, RULE))
            .unwrap()
    }

    fn spike_events(store: &Store) -> usize {
        store
            .read_blocking(Reader::Operator, |tx| store::events_since(tx, 0, 1000))
            .unwrap()
            .iter()
            .filter(|e| e.kind == crate::domain::EventKind::ReportsSpike)
            .count()
    }

    #[test]
    fn the_twentieth_distinct_client_starts_one_spike_with_one_event() {
        let (_dir, store, now) = world();
        let first = batch(&store, &items(0..19), now);
        assert!(first.counted.iter().all(|c| *c) && first.started.is_empty());
        assert!(first.open.is_empty());
        let second = batch(&store, &items(19..20), now);
        assert_eq!(second.counted, [true]);
        assert_eq!(second.started.len(), 1, "one spike, however many join it");
        let spike = &second.started[0];
        assert_eq!(
            (spike.reporters, spike.usual, spike.threshold),
            (20, 0.0, 20)
        );
        assert_eq!(second.open, [card()]);
        let third = batch(&store, &items(20..40), now);
        assert!(third.started.is_empty() && third.open == [card()]);
        assert_eq!(spike_events(&store), 1);
    }

    #[test]
    fn a_client_counts_once_per_30_minutes_across_the_days_key() {
        let (_dir, store, now) = world();
        let same = batch(&store, &items([7, 7, 7]), now);
        assert_eq!(same.counted, [true, false, false]);
        let later = batch(&store, &items([7]), now + Duration::minutes(29));
        assert_eq!(later.counted, [false]);
        let again = batch(&store, &items([7]), now + Duration::minutes(30));
        assert_eq!(again.counted, [true]);
        // Just after midnight the client's hash is new, but yesterday's is checked too.
        let yesterday = Item {
            component: card(),
            hashes: vec![client(99), client(7)],
        };
        let next = batch(&store, &[yesterday], now + Duration::minutes(40));
        assert_eq!(next.counted, [false]);
    }

    #[test]
    fn a_busy_channel_needs_five_times_its_usual_rate() {
        let (_dir, store, now) = world();
        // 2,870 reports over the day before the window: usually 10 per five minutes.
        store
            .write_blocking(|tx| -> Result<(), StoreError> {
                for n in 0..2_870u32 {
                    let at = now - Duration::minutes(6) - Duration::seconds(i64::from(n) * 29);
                    store::count_report(tx, &client(1_000_000 + n), &card(), at)?;
                }
                Ok(())
            })
            .unwrap();
        let twenty = batch(&store, &items(0..49), now);
        assert!(twenty.started.is_empty(), "49 < 5 × 10");
        let fifty = batch(&store, &items(49..50), now);
        assert_eq!(fifty.started.len(), 1);
        assert_eq!(fifty.started[0].reporters, 50);
        assert!((fifty.started[0].usual - 10.0).abs() < 1e-9);
    }

    #[test]
    fn a_spike_ends_once_its_window_falls_below_the_threshold() {
        let (_dir, store, now) = world();
        batch(&store, &items(0..25), now);
        let later = now + Duration::minutes(5);
        let ended = store
            .write_blocking(|tx| end_if_over(tx, &card(), later - Duration::seconds(1)))
            .unwrap();
        assert!(!ended, "still 25 in the window");
        let ended = store
            .write_blocking(|tx| end_if_over(tx, &card(), later))
            .unwrap();
        assert!(ended);
        let open = store
            .read_blocking(Reader::Operator, |tx| store::open_spikes(tx))
            .unwrap();
        assert!(open.is_empty());
        // Another wave is another spike, told again.
        let wave = batch(&store, &items(100..120), later + Duration::minutes(1));
        assert_eq!(wave.started.len(), 1);
        assert_eq!(spike_events(&store), 2);
    }
}
