//! What the server tells about itself, below every layer that records it: lock-free
//! histograms (`histogram`), the request id that follows a request through the log and
//! its error answer (`request_id`), and who a logged request was made by (`actor`).
//! Exposing them is the web layer's job (`web::metrics`).

pub mod actor;
pub mod histogram;
pub mod request_id;

pub use histogram::Histogram;
pub use request_id::RequestId;

/// Durations the write path and the timer record, read by `/metrics`.
#[derive(Debug)]
pub struct Timings {
    /// How long a snapshot took to build and publish (a write's or the timer's).
    pub snapshot_build: Histogram,
    /// From a write's commit until the page shows it.
    pub write_visible: Histogram,
}

impl Default for Timings {
    fn default() -> Timings {
        Timings {
            snapshot_build: Histogram::new(histogram::SLOW_BOUNDS),
            write_visible: Histogram::new(histogram::SLOW_BOUNDS),
        }
    }
}
