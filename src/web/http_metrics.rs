//! `paystatus_http_request_duration_seconds`: one histogram per route class and status
//! class, made once at start, so recording a request is an index and three atomic adds
//! (no label formatting, no lock, no allocation on the public read path). Classes, not
//! paths: ids in paths would make a series per incident.

use std::time::Duration;

use axum::http::StatusCode;

use crate::telemetry::Histogram;
use crate::telemetry::histogram::REQUEST_BOUNDS;

/// What kind of route a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// The status page, incident pages, history.
    Page,
    ApiV2,
    /// RSS and Atom.
    Feed,
    /// The widget and the embed (their pages and scripts).
    Widget,
    Asset,
    Admin,
    Console,
    /// Customers' failure reports.
    Report,
    /// Email subscription pages.
    Subscribe,
    /// `/healthz` and `/metrics`.
    Probe,
    /// Anything else (unknown paths).
    Other,
}

impl RouteClass {
    pub const ALL: [RouteClass; 11] = [
        RouteClass::Page,
        RouteClass::ApiV2,
        RouteClass::Feed,
        RouteClass::Widget,
        RouteClass::Asset,
        RouteClass::Admin,
        RouteClass::Console,
        RouteClass::Report,
        RouteClass::Subscribe,
        RouteClass::Probe,
        RouteClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RouteClass::Page => "page",
            RouteClass::ApiV2 => "api_v2",
            RouteClass::Feed => "feed",
            RouteClass::Widget => "widget",
            RouteClass::Asset => "asset",
            RouteClass::Admin => "admin",
            RouteClass::Console => "console",
            RouteClass::Report => "report",
            RouteClass::Subscribe => "subscribe",
            RouteClass::Probe => "probe",
            RouteClass::Other => "other",
        }
    }

    /// The class of a request path (the routes of `web::public`, `admin`, `console`,
    /// `reports` and `subscribe`).
    pub fn of(path: &str) -> RouteClass {
        if path.starts_with("/api/admin/") {
            RouteClass::Admin
        } else if path.starts_with("/api/v2/") {
            RouteClass::ApiV2
        } else if path == "/console" || path.starts_with("/console/") {
            RouteClass::Console
        } else if path == "/"
            || path == "/history"
            || path.starts_with("/history/")
            || path.starts_with("/incidents/")
        {
            RouteClass::Page
        } else if path == "/history.rss" || path == "/history.atom" {
            RouteClass::Feed
        } else if path == "/widget" || path == "/widget.js" || path.starts_with("/embed/") {
            RouteClass::Widget
        } else if path.starts_with("/assets/") {
            RouteClass::Asset
        } else if path == "/report" {
            RouteClass::Report
        } else if path == "/subscribe"
            || path.starts_with("/subscribe/")
            || path.starts_with("/unsubscribe/")
            || path.starts_with("/manage/")
        {
            RouteClass::Subscribe
        } else if path == "/healthz" || path == "/metrics" {
            RouteClass::Probe
        } else {
            RouteClass::Other
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

pub const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

fn status_index(status: StatusCode) -> usize {
    usize::from(status.as_u16() / 100).clamp(1, 5) - 1
}

/// Every (route class, status class) histogram.
#[derive(Debug)]
pub struct HttpDurations {
    histograms: Box<[Histogram]>,
}

impl Default for HttpDurations {
    fn default() -> HttpDurations {
        HttpDurations {
            histograms: (0..RouteClass::ALL.len() * STATUS_CLASSES.len())
                .map(|_| Histogram::new(REQUEST_BOUNDS))
                .collect(),
        }
    }
}

impl HttpDurations {
    pub fn observe(&self, route: RouteClass, status: StatusCode, took: Duration) {
        let i = route.index() * STATUS_CLASSES.len() + status_index(status);
        if let Some(h) = self.histograms.get(i) {
            h.observe(took);
        }
    }

    /// Each class pair's histogram, in a fixed order.
    pub fn each(&self) -> impl Iterator<Item = (RouteClass, &'static str, &Histogram)> {
        RouteClass::ALL.into_iter().flat_map(move |route| {
            STATUS_CLASSES
                .iter()
                .enumerate()
                .filter_map(move |(s, class)| {
                    let h = self
                        .histograms
                        .get(route.index() * STATUS_CLASSES.len() + s)?;
                    Some((route, *class, h))
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_into_classes_without_their_ids() {
        let cases = [
            ("/", "page"),
            ("/incidents/abc123", "page"),
            ("/history/2026-11-03", "page"),
            ("/api/v2/summary.json", "api_v2"),
            ("/history.atom", "feed"),
            ("/widget", "widget"),
            ("/embed/frame", "widget"),
            ("/api/admin/v1/incidents/x", "admin"),
            ("/console/incidents", "console"),
            ("/assets/style.css", "asset"),
            ("/metrics", "probe"),
            ("/nope", "other"),
        ];
        for (path, class) in cases {
            assert_eq!(RouteClass::of(path).as_str(), class, "{path}");
        }
    }

    #[test]
    fn a_request_lands_in_its_pair_only() {
        let d = HttpDurations::default();
        d.observe(
            RouteClass::Admin,
            StatusCode::NOT_FOUND,
            Duration::from_millis(3),
        );
        for (route, status, h) in d.each() {
            let expected = u64::from(route == RouteClass::Admin && status == "4xx");
            assert_eq!(h.read().count, expected, "{} {status}", route.as_str());
        }
    }
}
