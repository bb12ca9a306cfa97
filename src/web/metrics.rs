//! `/metrics`: one registry in the Prometheus text format (prometheus-client encodes it;
//! `# HELP` and `# TYPE` for each family). What is counted as it happens lives in
//! `Metrics` (atomics and lock-free histograms); what the page shows (channels,
//! incidents, the snapshot) is read from the live snapshot at each scrape. Other modules
//! add their own families with [`Metrics::register`].

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::connections::ConnectionStats;
use super::http_metrics::HttpDurations;
use super::process_metrics::Process;
use super::report_metrics::ReportMetrics;
use crate::domain::{ComponentStatus, Impact, Promise};
use crate::snapshot::{Publisher, ReadModel, Snapshot};
use crate::store::Store;
use crate::telemetry::{Histogram, Timings};

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
    /// Every request's duration, by route class and status class.
    pub http: HttpDurations,
    /// Snapshot builds and writes becoming visible (recorded by the write path and timer).
    pub timings: Arc<Timings>,
    /// Families other modules added (see [`Metrics::register`]).
    extra: RwLock<Vec<Arc<dyn Collector>>>,
}

/// What a scrape reads besides `Metrics`: the live snapshot, and when each channel's
/// status began (read from the database just before).
pub struct Scrape {
    pub metrics: Arc<Metrics>,
    pub publisher: Arc<Publisher>,
    pub store: Store,
    pub now: DateTime<Utc>,
    /// Channel id to when its current status began; channels missing here never changed.
    /// `None` when it could not be read: that family is left out.
    pub status_since: Option<HashMap<String, DateTime<Utc>>>,
}

impl Metrics {
    /// Adds a module's own families to every scrape (the mirror's lag, say). The
    /// collector is called at each scrape and should only read memory.
    pub fn register(&self, collector: Arc<dyn Collector>) {
        self.extra
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(collector);
    }

    /// The whole exposition.
    pub fn render(scrape: Scrape) -> Result<String, fmt::Error> {
        let extra = scrape
            .metrics
            .extra
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut registry = Registry::default();
        registry.register_collector(Box::new(scrape));
        for collector in extra {
            registry.register_collector(Box::new(Shared(collector)));
        }
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?;
        Ok(out)
    }
}

/// A registered collector, shared between scrapes.
#[derive(Debug)]
struct Shared(Arc<dyn Collector>);

impl Collector for Shared {
    fn encode(&self, encoder: DescriptorEncoder) -> fmt::Result {
        self.0.encode(encoder)
    }
}

impl fmt::Debug for Scrape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scrape").field("now", &self.now).finish()
    }
}

impl Collector for Scrape {
    fn encode(&self, mut e: DescriptorEncoder) -> fmt::Result {
        let m = &self.metrics;
        let snapshot = self.publisher.current();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        counter(
            &mut e,
            "paystatus_public_requests",
            "Public requests served",
            load(&m.public_requests),
        )?;
        counter(
            &mut e,
            "paystatus_admin_requests",
            "Admin API requests served",
            load(&m.admin_requests),
        )?;
        counter(
            &mut e,
            "paystatus_server_errors",
            "Responses with a 5xx status",
            load(&m.server_errors),
        )?;
        counter(
            &mut e,
            "paystatus_snapshot_builds",
            "Snapshots built (for writes and for the passing of time)",
            self.publisher.builds(),
        )?;
        counter(
            &mut e,
            "paystatus_archive_renders",
            "Documents outside the snapshot rendered (misses of the archive's cache)",
            self.publisher.archive_renders(),
        )?;
        counter(
            &mut e,
            "paystatus_database_faults",
            "Writes refused because the database was busy, full, unreadable or damaged",
            self.store.faults_total(),
        )?;
        counter(
            &mut e,
            "paystatus_maintenance_transition_failures",
            "Maintenance windows whose automatic start or completion failed (retried each tick)",
            load(&m.transition_failures),
        )?;
        counter(
            &mut e,
            "paystatus_auth_failures",
            "Admin requests with a missing, unknown or revoked key",
            load(&m.auth_failures),
        )?;
        counter(
            &mut e,
            "paystatus_auth_throttled",
            "Failed authentications answered 429 because the client (or key) failed too often",
            load(&m.auth_throttled),
        )?;
        counter(
            &mut e,
            "paystatus_connection_limit_reached",
            "New connections that waited because the connection limit was reached",
            load(&m.connections.limit_reached),
        )?;
        gauge(
            &mut e,
            "paystatus_open_connections",
            "Client connections open now",
            load(&m.connections.open),
        )?;
        gauge(
            &mut e,
            "paystatus_database_degraded",
            "1 while the database refuses writes (see /healthz for the reason), else 0",
            i64::from(self.store.fault().is_some()),
        )?;
        snapshot_families(&mut e, &snapshot)?;
        histogram(
            &mut e,
            "paystatus_snapshot_build_duration_seconds",
            "Time to build and publish a snapshot: the timer's, or a write's (which may wait for a build under way)",
            &m.timings.snapshot_build,
        )?;
        histogram(
            &mut e,
            "paystatus_write_visible_duration_seconds",
            "Time from a write's commit until the page shows it",
            &m.timings.write_visible,
        )?;
        http_durations(&mut e, &m.http)?;
        let model = snapshot.model();
        component_status(&mut e, model, self.status_since.as_ref())?;
        notices(&mut e, model, self.now)?;
        let channels: Vec<&str> = model
            .components
            .iter()
            .filter(|c| !c.is_group)
            .map(|c| c.id.as_str())
            .collect();
        m.reports.encode(&mut e, &channels)?;
        uptime(&mut e, model)?;
        process(&mut e)?;
        let mut info = e.encode_descriptor(
            "paystatus_build_info",
            "The running build; always 1",
            None,
            MetricType::Gauge,
        )?;
        info.encode_family(&[("version", env!("CARGO_PKG_VERSION"))])?
            .encode_gauge(&1i64)
    }
}

/// `name` without `_total`: the encoder adds it to counters.
fn counter(e: &mut DescriptorEncoder, name: &str, help: &str, value: u64) -> fmt::Result {
    e.encode_descriptor(name, help, None, MetricType::Counter)?
        .encode_counter::<NoLabelSet, _, u64>(&value, None)
}

fn gauge(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: impl EncodeGaugeValue,
) -> fmt::Result {
    e.encode_descriptor(name, help, None, MetricType::Gauge)?
        .encode_gauge(&value)
}

fn histogram(e: &mut DescriptorEncoder, name: &str, help: &str, h: &Histogram) -> fmt::Result {
    let r = h.read();
    e.encode_descriptor(name, help, None, MetricType::Histogram)?
        .encode_histogram::<NoLabelSet>(r.sum_seconds, r.count, &r.buckets, None)
}

fn snapshot_families(e: &mut DescriptorEncoder, snapshot: &Snapshot) -> fmt::Result {
    let (documents, bytes) = snapshot.size();
    gauge(
        e,
        "paystatus_snapshot_built_timestamp_seconds",
        "When the live snapshot was built",
        snapshot.built_at.timestamp().max(0),
    )?;
    gauge(
        e,
        "paystatus_snapshot_documents",
        "Documents in the live snapshot",
        documents as u64,
    )?;
    gauge(
        e,
        "paystatus_snapshot_bytes",
        "Bytes of the live snapshot's documents and their compressed variants",
        bytes as u64,
    )
}

fn http_durations(e: &mut DescriptorEncoder, http: &HttpDurations) -> fmt::Result {
    let mut family = e.encode_descriptor(
        "paystatus_http_request_duration_seconds",
        "Time to answer a request (until the response head), by route class and status class",
        None,
        MetricType::Histogram,
    )?;
    for (route, status, h) in http.each() {
        let r = h.read();
        // Pairs never seen are left out rather than written as rows of zeros.
        if r.count == 0 {
            continue;
        }
        family
            .encode_family(&[("route", route.as_str()), ("status", status)])?
            .encode_histogram::<NoLabelSet>(r.sum_seconds, r.count, &r.buckets, None)?;
    }
    Ok(())
}

/// `paystatus_component_status`: per channel, 1 for its status and 0 for every other
/// (the shape status-page exporters use), and when that status began.
fn component_status(
    e: &mut DescriptorEncoder,
    model: &ReadModel,
    since: Option<&HashMap<String, DateTime<Utc>>>,
) -> fmt::Result {
    let channels = || model.components.iter().filter(|c| !c.is_group);
    let mut family = e.encode_descriptor(
        "paystatus_component_status",
        "1 for the channel's current status, 0 for the others",
        None,
        MetricType::Gauge,
    )?;
    for c in channels() {
        let group = c.group_id.as_ref().map_or("", |g| g.as_str());
        for status in ComponentStatus::ALL {
            family
                .encode_family(&[
                    ("component", c.id.as_str()),
                    ("group", group),
                    ("status", status.as_str()),
                ])?
                .encode_gauge(&i64::from(c.status == *status))?;
        }
    }
    let Some(since) = since else {
        return Ok(());
    };
    let mut family = e.encode_descriptor(
        "paystatus_component_status_since_seconds",
        "When the channel's current status began (Unix time; its creation if it never changed)",
        None,
        MetricType::Gauge,
    )?;
    for c in channels() {
        let at = since.get(c.id.as_str()).copied().unwrap_or(c.created_at);
        family
            .encode_family(&[("component", c.id.as_str())])?
            .encode_gauge(&at.timestamp())?;
    }
    Ok(())
}

/// Open incidents by impact, maintenances in progress, and promised updates now late.
fn notices(e: &mut DescriptorEncoder, model: &ReadModel, now: DateTime<Utc>) -> fmt::Result {
    let open: Vec<_> = model
        .open_incidents
        .iter()
        .filter_map(|id| model.notices.get(id))
        .collect();
    let mut family = e.encode_descriptor(
        "paystatus_open_incidents",
        "Unresolved public incidents, by impact",
        None,
        MetricType::Gauge,
    )?;
    for impact in Impact::ALL {
        let n = open.iter().filter(|i| i.impact == *impact).count() as u64;
        family
            .encode_family(&[("impact", impact.as_str())])?
            .encode_gauge(&n)?;
    }
    gauge(
        e,
        "paystatus_open_maintenances",
        "Maintenances in progress (or being verified)",
        model.active_maintenances.len() as u64,
    )?;
    let mut family = e.encode_descriptor(
        "paystatus_incident_next_update_overdue_seconds",
        "How late the promised next update of an open incident is; 0 unless late",
        None,
        MetricType::Gauge,
    )?;
    for incident in &open {
        let late = match incident.promise(now) {
            Promise::Overdue(by) => by.num_seconds().max(0),
            _ => 0,
        };
        family
            .encode_family(&[("incident", incident.id.as_str())])?
            .encode_gauge(&late)?;
    }
    Ok(())
}

/// Each live channel's and group's uptime over the last 90 days, as the page and
/// `/api/v2/uptime.json` give it (none while nothing counted).
fn uptime(e: &mut DescriptorEncoder, model: &ReadModel) -> fmt::Result {
    let mut family = e.encode_descriptor(
        "paystatus_component_uptime_ratio",
        "Uptime over the last 90 days, 0-1: outage minutes down, partial outage minutes 30% down, maintenance left out",
        None,
        MetricType::Gauge,
    )?;
    for c in &model.components {
        if let Some(r) = model.uptime.of(&c.id).and_then(|u| u.ratio()) {
            family
                .encode_family(&[("component", c.id.as_str())])?
                .encode_gauge(&r)?;
        }
    }
    Ok(())
}

fn process(e: &mut DescriptorEncoder) -> fmt::Result {
    let p = match Process::read() {
        Ok(p) => p,
        Err(err) => {
            tracing::debug!(error = %err, "cannot read this process's figures; left out of /metrics");
            return Ok(());
        }
    };
    gauge(
        e,
        "process_resident_memory_bytes",
        "Resident memory size in bytes",
        p.resident_memory_bytes,
    )?;
    gauge(e, "process_open_fds", "Open file descriptors", p.open_fds)?;
    gauge(
        e,
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch in seconds",
        p.start_time_seconds,
    )
}
