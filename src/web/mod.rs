//! Public HTTP surface.

mod assets;
pub mod client;
pub mod connections;
pub mod health;
mod http_metrics;
mod metrics;
mod metrics_token;
mod process_metrics;
pub mod public;
mod report_metrics;
mod serve;
mod static_paths;
pub mod throttle;

pub use assets::Assets;
pub use http_metrics::RouteClass;
pub use metrics::{Metrics, Scrape};
pub use metrics_token::MetricsToken;
pub use report_metrics::ReportMetrics;
pub use serve::respond;

use std::sync::Arc;

use crate::domain::{Clock, Lang};
use crate::snapshot::Publisher;
use crate::store::Store;

/// What the public routes need: one reference count to clone per request.
#[derive(Clone)]
pub struct Site(Arc<SiteParts>);

pub struct SiteParts {
    pub publisher: Arc<Publisher>,
    /// For `/healthz` (the database's faults) only; pages never query it.
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub assets: Assets,
    pub metrics: Arc<Metrics>,
    pub default_lang: Lang,
    /// When set, `/metrics` asks for it.
    pub metrics_token: Option<MetricsToken>,
    /// A snapshot older than this fails `/healthz` (the timer has stopped rebuilding).
    pub stale_after: chrono::Duration,
    /// Checks other modules added to `/healthz`.
    pub health: health::HealthChecks,
}

impl Site {
    pub fn new(parts: SiteParts) -> Site {
        Site(Arc::new(parts))
    }
}

impl std::ops::Deref for Site {
    type Target = SiteParts;

    fn deref(&self) -> &SiteParts {
        &self.0
    }
}
