//! A histogram of durations that any number of threads observe at once: no lock, no
//! allocation, and no cache line shared between threads on the way. Each thread adds to
//! its own shard (a bucket and the sum, in nanoseconds: integer adds, no
//! compare-and-swap loop on a float); a scrape adds the shards up.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Upper bounds in seconds for requests served from memory (sub-millisecond) up to slow
/// admin writes.
pub const REQUEST_BOUNDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds in seconds for snapshot builds and writes becoming visible.
pub const SLOW_BOUNDS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Buckets a shard holds (bounds plus one beyond the last).
const MAX_BUCKETS: usize = 16;
const _: () = assert!(REQUEST_BOUNDS.len() < MAX_BUCKETS && SLOW_BOUNDS.len() < MAX_BUCKETS);

/// Shards per histogram: one per worker thread on small machines; more threads share.
const SHARDS: usize = 4;

/// One thread's counts, alone on its cache lines.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    sum_nanos: AtomicU64,
    /// Per bucket, not cumulative; their total is the count.
    buckets: [AtomicU64; MAX_BUCKETS],
}

#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// The bounds in nanoseconds, compared against each observation.
    bounds_nanos: Box<[u64]>,
    shards: Box<[Shard; SHARDS]>,
}

/// What a histogram held at one moment, in the shape the exposition format wants.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub sum_seconds: f64,
    pub count: u64,
    /// `(upper bound, observations at or below it)`, cumulative, ending with `+Inf`.
    pub buckets: Vec<(f64, u64)>,
}

/// This thread's shard: threads are numbered once, as they first observe anything.
fn shard_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    INDEX.with(|i| *i)
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Histogram {
        let bounds = &bounds[..bounds.len().min(MAX_BUCKETS - 1)];
        Histogram {
            bounds,
            bounds_nanos: bounds.iter().map(|b| (b * 1e9) as u64).collect(),
            shards: Box::default(),
        }
    }

    pub fn observe(&self, took: Duration) {
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let slot = self.bounds_nanos.partition_point(|b| *b < nanos);
        let shard = &self.shards[shard_index()];
        if let Some(bucket) = shard.buckets.get(slot) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        shard.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The counts as they are now, read without a lock (an observation in flight may be
    /// in its bucket and not yet in the sum). `+Inf` is the count, as Prometheus requires.
    pub fn read(&self) -> Reading {
        let mut per_bucket = [0u64; MAX_BUCKETS];
        let mut sum_nanos = 0u64;
        for shard in self.shards.iter() {
            sum_nanos = sum_nanos.wrapping_add(shard.sum_nanos.load(Ordering::Relaxed));
            for (total, n) in per_bucket.iter_mut().zip(shard.buckets.iter()) {
                *total += n.load(Ordering::Relaxed);
            }
        }
        let mut buckets = Vec::with_capacity(self.bounds.len() + 1);
        let mut cumulative = 0;
        for (bound, n) in self.bounds.iter().zip(per_bucket.iter()) {
            cumulative += n;
            buckets.push((*bound, cumulative));
        }
        cumulative += per_bucket[self.bounds.len()];
        buckets.push((f64::INFINITY, cumulative));
        Reading {
            sum_seconds: sum_nanos as f64 / 1e9,
            count: cumulative,
            buckets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_their_bucket_and_add_up() {
        let h = Histogram::new(&[0.001, 0.01]);
        h.observe(Duration::from_micros(500));
        h.observe(Duration::from_millis(1));
        h.observe(Duration::from_millis(5));
        h.observe(Duration::from_secs(2));
        let r = h.read();
        assert_eq!(r.count, 4);
        assert_eq!(
            r.buckets,
            vec![(0.001, 2), (0.01, 3), (f64::INFINITY, 4)],
            "a bound is inclusive"
        );
        assert!((r.sum_seconds - 2.0065).abs() < 1e-9, "{}", r.sum_seconds);
    }

    #[test]
    fn observations_from_many_threads_all_count() {
        let h = std::sync::Arc::new(Histogram::new(REQUEST_BOUNDS));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let h = h.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        h.observe(Duration::from_micros(300));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let r = h.read();
        assert_eq!(r.count, 6000);
        assert_eq!(r.buckets[0], (0.0005, 6000));
        assert!((r.sum_seconds - 1.8).abs() < 1e-9, "{}", r.sum_seconds);
    }
}
