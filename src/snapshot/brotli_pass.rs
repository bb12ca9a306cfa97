//! Brotli variants, made after a snapshot is published rather than before: a write
//! answers sooner, and until the pass has run readers get gzip (made before publishing).
//! A pass runs a moment after a publish and compresses whatever is live then, so under a
//! burst of writes documents that were replaced within that moment are never compressed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::watch;

use super::Snapshot;
use super::background::Background;

/// How long after a publish the pass starts.
const DELAY: Duration = Duration::from_millis(100);

pub(super) struct BrotliPass {
    live: Arc<ArcSwap<Snapshot>>,
    background: Arc<Background>,
    /// Snapshots published so far.
    published: AtomicU64,
    /// Of those, how many are known to be compressed (the live one as of that count).
    compressed: watch::Sender<u64>,
    /// Whether a pass loop is running (at most one is).
    running: AtomicBool,
}

impl BrotliPass {
    pub(super) fn new(
        live: Arc<ArcSwap<Snapshot>>,
        background: Arc<Background>,
    ) -> Arc<BrotliPass> {
        Arc::new(BrotliPass {
            live,
            background,
            published: AtomicU64::new(0),
            compressed: watch::Sender::new(0),
            running: AtomicBool::new(false),
        })
    }

    /// Call after storing a new live snapshot.
    pub(super) fn published(self: &Arc<Self>) {
        self.published.fetch_add(1, Ordering::SeqCst);
        if !self.running.swap(true, Ordering::SeqCst) {
            let pass = self.clone();
            tokio::spawn(async move { pass.run().await });
        }
    }

    async fn run(self: Arc<Self>) {
        loop {
            tokio::time::sleep(DELAY).await;
            // Counted before loading: the snapshot loaded is at least that new.
            let upto = self.published.load(Ordering::SeqCst);
            let snapshot = self.live.load_full();
            // At background priority: readers have gzip meanwhile.
            let done = self
                .background
                .run(move || {
                    for doc in snapshot.documents() {
                        doc.compress_brotli();
                    }
                })
                .await;
            if done.is_err() {
                // Readers keep gzip; the next publish tries again.
                tracing::error!("the brotli pass was lost (its job panicked)");
            }
            self.compressed.send_modify(|c| *c = (*c).max(upto));
            if self.published.load(Ordering::SeqCst) != upto {
                continue;
            }
            self.running.store(false, Ordering::SeqCst);
            // A publish between the check and the store left the work to this loop:
            // take it back, unless it started a loop of its own.
            if self.published.load(Ordering::SeqCst) == upto
                || self.running.swap(true, Ordering::SeqCst)
            {
                return;
            }
        }
    }

    /// Waits until every document published so far has its brotli variant.
    pub(super) async fn settled(&self) {
        let target = self.published.load(Ordering::SeqCst);
        let mut rx = self.compressed.subscribe();
        let _ = rx.wait_for(|c| *c >= target).await;
    }
}
