//! Customers' failure reports in `/metrics`: counted reports per channel since start, and
//! whether a channel's reports are spiking now, so Alertmanager can page someone. Kept
//! in memory by the reports' recorder (`crate::reports`), which sets the spikes from the
//! database after each of its writes and each timer tick: `/metrics` reads no database.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Mutex;

use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

#[derive(Debug, Default)]
pub struct ReportMetrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    counted: BTreeMap<String, u64>,
    spiking: BTreeSet<String>,
}

impl ReportMetrics {
    /// `n` more reports of `component` counted.
    pub fn counted(&self, component: &str, n: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *inner.counted.entry(component.to_string()).or_default() += n;
    }

    /// The channels whose spike has not ended, as the database says now.
    pub fn set_spiking(&self, components: impl IntoIterator<Item = String>) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.spiking = components.into_iter().collect();
    }

    /// Counted reports of `component` since start.
    pub fn counted_total(&self, component: &str) -> u64 {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.counted.get(component).copied().unwrap_or(0)
    }

    /// Both metrics, one series per channel of `channels` (and any other that was
    /// counted or is spiking: a channel deleted since).
    pub(super) fn encode(&self, e: &mut DescriptorEncoder, channels: &[&str]) -> fmt::Result {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut all: BTreeSet<&str> = channels.iter().copied().collect();
        all.extend(inner.counted.keys().map(String::as_str));
        all.extend(inner.spiking.iter().map(String::as_str));
        // Channels in page order first, then the rest.
        let order: Vec<&str> = channels
            .iter()
            .copied()
            .chain(all.iter().copied().filter(|c| !channels.contains(c)))
            .collect();
        let mut family = e.encode_descriptor(
            "paystatus_customer_reports",
            "Customers' failure reports counted (one per client per channel per 30 minutes), since start",
            None,
            MetricType::Counter,
        )?;
        for c in &order {
            let n = inner.counted.get(*c).copied().unwrap_or(0);
            family
                .encode_family(&[("component", *c)])?
                .encode_counter::<NoLabelSet, _, u64>(&n, None)?;
        }
        let mut family = e.encode_descriptor(
            "paystatus_customer_report_spike",
            "1 while customers' failure reports of the channel spike (at least the threshold in 5 minutes and 5 times the usual rate), else 0",
            None,
            MetricType::Gauge,
        )?;
        for c in &order {
            let on = i64::from(inner.spiking.contains(*c));
            family
                .encode_family(&[("component", *c)])?
                .encode_gauge(&on)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The families as `/metrics` writes them.
    fn render(m: &std::sync::Arc<ReportMetrics>, channels: &'static [&'static str]) -> String {
        #[derive(Debug)]
        struct Reports(std::sync::Arc<ReportMetrics>, &'static [&'static str]);
        impl prometheus_client::collector::Collector for Reports {
            fn encode(&self, mut e: DescriptorEncoder) -> fmt::Result {
                self.0.encode(&mut e, self.1)
            }
        }
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register_collector(Box::new(Reports(m.clone(), channels)));
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &registry).unwrap();
        out
    }

    #[test]
    fn every_channel_has_a_series_and_spikes_are_replaced_not_added() {
        let m = std::sync::Arc::new(ReportMetrics::default());
        m.counted("card", 3);
        m.counted("card", 2);
        m.set_spiking(["card".to_string()]);
        let out = render(&m, &["card", "bank-transfer"]);
        assert!(out.contains("# TYPE paystatus_customer_reports_total counter\n"));
        assert!(out.contains("paystatus_customer_reports_total{component=\"card\"} 5\n"));
        assert!(out.contains("paystatus_customer_reports_total{component=\"bank-transfer\"} 0\n"));
        assert!(out.contains("# TYPE paystatus_customer_report_spike gauge\n"));
        assert!(out.contains("paystatus_customer_report_spike{component=\"card\"} 1\n"));
        assert!(out.contains("paystatus_customer_report_spike{component=\"bank-transfer\"} 0\n"));
        m.set_spiking([]);
        let out = render(&m, &["card"]);
        assert!(out.contains("paystatus_customer_report_spike{component=\"card\"} 0\n"));
        assert_eq!(m.counted_total("card"), 5);
    }
}
