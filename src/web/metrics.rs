//! Prometheus text metrics: request counts, snapshot freshness, customers' reports.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::connections::ConnectionStats;
use super::report_metrics::ReportMetrics;

use crate::mirror::{MirrorReport, MirrorStatus};
use crate::snapshot::Publisher;
use crate::store::Store;

#[derive(Default)]
pub struct Metrics {
    pub public_requests: AtomicU64,
    pub admin_requests: AtomicU64,
    pub server_errors: AtomicU64,
    pub transition_failures: AtomicU64,
    pub auth_failures: AtomicU64,
    pub auth_throttled: AtomicU64,
    pub connections: Arc<ConnectionStats>,
    /// Customers' failure reports, per channel.
    pub reports: ReportMetrics,
}

impl Metrics {
    pub fn render(
        &self,
        publisher: &Publisher,
        store: &Store,
        mirror: Option<&MirrorStatus>,
    ) -> String {
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
        counter(
            "paystatus_database_faults_total",
            "Writes refused because the database was busy, full, unreadable or damaged.",
            store.faults_total(),
        );
        counter(
            "paystatus_maintenance_transition_failures_total",
            "Maintenance windows whose automatic start or completion failed (retried each tick).",
            self.transition_failures.load(Ordering::Relaxed),
        );
        counter(
            "paystatus_auth_failures_total",
            "Admin requests with a missing, unknown or revoked key.",
            self.auth_failures.load(Ordering::Relaxed),
        );
        counter(
            "paystatus_auth_throttled_total",
            "Failed authentications answered 429 because the client (or key) failed too often.",
            self.auth_throttled.load(Ordering::Relaxed),
        );
        counter(
            "paystatus_connection_limit_reached_total",
            "New connections that waited because the connection limit was reached.",
            self.connections.limit_reached.load(Ordering::Relaxed),
        );
        let (documents, bytes) = snapshot.size();
        let mut gauge = |name: &str, help: &str, value: i64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            "paystatus_open_connections",
            "Client connections open now.",
            self.connections.open.load(Ordering::Relaxed) as i64,
        );
        gauge(
            "paystatus_database_degraded",
            "1 while the database refuses writes (see /healthz for the reason), else 0.",
            i64::from(store.fault().is_some()),
        );
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
        let channels: Vec<&str> = snapshot
            .model()
            .components
            .iter()
            .filter(|c| !c.is_group)
            .map(|c| c.id.as_str())
            .collect();
        self.reports.render(&mut out, &channels);
        uptime(&mut out, snapshot.model());
        if let Some(mirror) = mirror {
            mirror_metrics(&mut out, &mirror.report());
        }
        out
    }
}

/// `paystatus_component_uptime_ratio`: each live channel's and group's uptime over the
/// last 90 days, as the page and `/api/v2/uptime.json` give it (none while nothing counted).
fn uptime(out: &mut String, model: &crate::snapshot::ReadModel) {
    let name = "paystatus_component_uptime_ratio";
    let _ = writeln!(
        out,
        "# HELP {name} Uptime over the last 90 days, 0-1: outage minutes down, partial outage minutes 30% down, maintenance left out.\n# TYPE {name} gauge"
    );
    for c in &model.components {
        if let Some(r) = model.uptime.of(&c.id).and_then(|u| u.ratio()) {
            let _ = writeln!(out, "{name}{{component=\"{}\"}} {r}", c.id.as_str());
        }
    }
}

/// The bucket mirror: how far behind the live snapshot it is, and what it did.
fn mirror_metrics(out: &mut String, r: &MirrorReport) {
    let families: [(&str, &str, &str, f64); 5] = [
        (
            "paystatus_mirror_lag_seconds",
            "gauge",
            "Seconds since the oldest live snapshot not yet in the bucket; 0 when caught up.",
            r.lag_seconds,
        ),
        (
            "paystatus_mirror_objects",
            "gauge",
            "Objects the bucket holds for the site after the last complete pass.",
            r.objects as f64,
        ),
        (
            "paystatus_mirror_uploads_total",
            "counter",
            "Objects uploaded to the bucket.",
            r.uploads as f64,
        ),
        (
            "paystatus_mirror_deletes_total",
            "counter",
            "Objects deleted from the bucket because the site no longer has them.",
            r.deletes as f64,
        ),
        (
            "paystatus_mirror_failures_total",
            "counter",
            "Mirror passes that failed (retried with backoff).",
            r.failures as f64,
        ),
    ];
    for (name, kind, help, value) in families {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
}
