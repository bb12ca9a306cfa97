//! Prometheus text metrics: request counts and snapshot freshness.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::snapshot::Snapshot;

#[derive(Default)]
pub struct Metrics {
    pub public_requests: AtomicU64,
    pub admin_requests: AtomicU64,
    pub server_errors: AtomicU64,
}

impl Metrics {
    pub fn render(&self, snapshot: &Snapshot) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            "paystatus_public_requests_total",
            "Public requests served.",
            self.public_requests.load(Ordering::Relaxed),
        );
        counter(
            "paystatus_admin_requests_total",
            "Admin API requests served.",
            self.admin_requests.load(Ordering::Relaxed),
        );
        counter(
            "paystatus_server_errors_total",
            "Responses with a 5xx status.",
            self.server_errors.load(Ordering::Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP paystatus_snapshot_built_timestamp_seconds When the live snapshot was built.\n# TYPE paystatus_snapshot_built_timestamp_seconds gauge\npaystatus_snapshot_built_timestamp_seconds {}",
            snapshot.built_at.timestamp().max(0)
        );
        out
    }
}
