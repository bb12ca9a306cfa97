//! Prometheus text metrics: request counts and snapshot freshness.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::snapshot::Publisher;

#[derive(Default)]
pub struct Metrics {
    pub public_requests: AtomicU64,
    pub admin_requests: AtomicU64,
    pub server_errors: AtomicU64,
}

impl Metrics {
    pub fn render(&self, publisher: &Publisher) -> String {
        let snapshot = publisher.current();
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
        counter(
            "paystatus_snapshot_builds_total",
            "Snapshots built (for writes and for the passing of time).",
            publisher.builds(),
        );
        counter(
            "paystatus_archive_renders_total",
            "Documents outside the snapshot rendered (misses of the archive's cache).",
            publisher.archive_renders(),
        );
        let (documents, bytes) = snapshot.size();
        let mut gauge = |name: &str, help: &str, value: i64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            "paystatus_snapshot_built_timestamp_seconds",
            "When the live snapshot was built.",
            snapshot.built_at.timestamp().max(0),
        );
        gauge(
            "paystatus_snapshot_documents",
            "Documents in the live snapshot.",
            documents as i64,
        );
        gauge(
            "paystatus_snapshot_bytes",
            "Bytes of the live snapshot's documents and their compressed variants.",
            bytes as i64,
        );
        out
    }
}
