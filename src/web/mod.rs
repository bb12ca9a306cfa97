//! Public HTTP surface.

mod assets;
pub mod client;
pub mod connections;
mod metrics;
pub mod public;
mod report_metrics;
mod serve;
mod static_paths;
pub mod throttle;

pub use assets::Assets;
pub use metrics::Metrics;
pub use report_metrics::ReportMetrics;
pub use serve::respond;

use std::sync::Arc;

use crate::domain::{Clock, Lang};
use crate::mirror::MirrorStatus;
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
    /// The bucket mirror's state, when there is one (`/healthz`, `/metrics`).
    pub mirror: Option<Arc<MirrorStatus>>,
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
