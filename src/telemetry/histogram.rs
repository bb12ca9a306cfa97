//! A histogram of durations that any number of threads observe at once: one atomic add
//! per bucket touched, no lock, no allocation. The sum is kept in nanoseconds (an integer
//! add instead of a compare-and-swap loop on a float).

use std::sync::atomic::{AtomicU64, Ordering};
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

#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// The bounds in nanoseconds, compared against each observation.
    bounds_nanos: Box<[u64]>,
    /// Per bucket (not cumulative), plus one for beyond the last bound. Their total is
    /// the count, so an observation adds to two atomics, not three.
    buckets: Box<[AtomicU64]>,
    sum_nanos: AtomicU64,
}

/// What a histogram held at one moment, in the shape the exposition format wants.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub sum_seconds: f64,
    pub count: u64,
    /// `(upper bound, observations at or below it)`, cumulative, ending with `+Inf`.
    pub buckets: Vec<(f64, u64)>,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            bounds_nanos: bounds.iter().map(|b| (b * 1e9) as u64).collect(),
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_nanos: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, took: Duration) {
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let slot = self.bounds_nanos.partition_point(|b| *b < nanos);
        if let Some(bucket) = self.buckets.get(slot) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The counts as they are now, read without a lock (an observation in flight may be
    /// in its bucket and not yet in the sum). `+Inf` is the count, as Prometheus requires.
    pub fn read(&self) -> Reading {
        let mut buckets = Vec::with_capacity(self.bounds.len() + 1);
        let mut cumulative = 0;
        for (bound, n) in self.bounds.iter().zip(self.buckets.iter()) {
            cumulative += n.load(Ordering::Relaxed);
            buckets.push((*bound, cumulative));
        }
        cumulative += self.buckets[self.bounds.len()].load(Ordering::Relaxed);
        buckets.push((f64::INFINITY, cumulative));
        Reading {
            sum_seconds: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
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
}
