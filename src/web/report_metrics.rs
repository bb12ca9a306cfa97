//! Customers' failure reports in `/metrics`: counted reports per channel since start, and
//! whether a channel's reports are spiking now, so Alertmanager can page someone. Kept
//! in memory by the reports' recorder (`crate::reports`), which sets the spikes from the
//! database after each of its writes and each timer tick: `/metrics` reads no database.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::sync::Mutex;

#[derive(Default)]
pub struct ReportMetrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
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
    pub(super) fn render(&self, out: &mut String, channels: &[&str]) {
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
        let name = "paystatus_customer_reports_total";
        let _ = writeln!(
            out,
            "# HELP {name} Customers' failure reports counted (one per client per channel per 30 minutes), since start.\n# TYPE {name} counter"
        );
        for c in &order {
            let n = inner.counted.get(*c).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}{{component=\"{c}\"}} {n}");
        }
        let name = "paystatus_customer_report_spike";
        let _ = writeln!(
            out,
            "# HELP {name} 1 while customers' failure reports of the channel spike (at least the threshold in 5 minutes and 5 times the usual rate), else 0.\n# TYPE {name} gauge"
        );
        for c in &order {
            let on = u8::from(inner.spiking.contains(*c));
            let _ = writeln!(out, "{name}{{component=\"{c}\"}} {on}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_has_a_series_and_spikes_are_replaced_not_added() {
        let m = ReportMetrics::default();
        m.counted("card", 3);
        m.counted("card", 2);
        m.set_spiking(["card".to_string()]);
        let mut out = String::new();
        m.render(&mut out, &["card", "bank-transfer"]);
        assert!(out.contains("# TYPE paystatus_customer_reports_total counter\n"));
        assert!(out.contains("paystatus_customer_reports_total{component=\"card\"} 5\n"));
        assert!(out.contains("paystatus_customer_reports_total{component=\"bank-transfer\"} 0\n"));
        assert!(out.contains("# TYPE paystatus_customer_report_spike gauge\n"));
        assert!(out.contains("paystatus_customer_report_spike{component=\"card\"} 1\n"));
        assert!(out.contains("paystatus_customer_report_spike{component=\"bank-transfer\"} 0\n"));
        m.set_spiking([]);
        let mut out = String::new();
        m.render(&mut out, &["card"]);
        assert!(out.contains("paystatus_customer_report_spike{component=\"card\"} 0\n"));
        assert_eq!(m.counted_total("card"), 5);
    }
}
