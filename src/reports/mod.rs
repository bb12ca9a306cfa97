//! Customers' failure reports on the public site (state `Reports`): `POST /report` from
//! the status page's "결제가 안 되나요?" buttons, and the timer's chores. The rules are
//! `domain::report`'s; this reads the form, throttles, hashes the client, records in
//! small batches, and answers with a page rendered from the live snapshot.
//!
//! A report changes nothing public: no snapshot is published and nothing is audited (it
//! is anonymous). It is a write all the same, so recording goes through one queue: while
//! one batch holds the writer, the reports that arrive wait and go in the next batch, so
//! a flood of reports takes the writer one short transaction at a time and an operator's
//! write waits for one batch at most. The same queue runs the chores, so every change to
//! a spike is made (and shown in `/metrics`) in order.
//!
//! There is no session, so no CSRF token: a form posted from another site is refused by
//! its `Origin` (or `Sec-Fetch-Site`), as the console refuses one, so other sites cannot
//! make their visitors' browsers report. Clients that send neither header (curl, old
//! browsers) are taken: anyone can report anyway, and each address counts once per
//! channel per 30 minutes.

mod handlers;
mod recorder;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::post;
use ipnet::IpNet;
use tokio::sync::Notify;

use crate::domain::report::SpikeRule;
use crate::domain::{Clock, ComponentId};
use crate::snapshot::Publisher;
use crate::store::Store;
use crate::web::Metrics;
use crate::web::throttle::{FailureThrottle, Policy};

pub use recorder::RecordError;

/// Report POSTs a client may send at once, and how often one more is allowed: ten a
/// minute. A client over it is answered 429; nothing is lost by that, since its address
/// has reported already and counts once per channel per 30 minutes.
pub const BURST: u32 = 10;
pub const REFILL: std::time::Duration = std::time::Duration::from_secs(6);

/// What the report routes need: one reference count to clone per request.
#[derive(Clone)]
pub struct Reports(Arc<Inner>);

pub struct ReportParts {
    pub store: Store,
    pub publisher: Arc<Publisher>,
    pub clock: Arc<dyn Clock>,
    /// The outbox's worker, woken when a spike's event is written.
    pub outbox: Arc<Notify>,
    /// Counted reports and spikes, for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// `scheme://host[:port]` of the site: forms posted from any other origin are refused.
    pub origin: String,
    pub trusted_proxies: Vec<IpNet>,
    pub rule: SpikeRule,
}

struct Inner {
    parts: ReportParts,
    throttle: FailureThrottle,
    recorder: Mutex<recorder::Queue>,
    keys: Mutex<recorder::DailyKeys>,
}

impl Reports {
    pub fn new(parts: ReportParts) -> Reports {
        Reports(Arc::new(Inner {
            parts,
            throttle: FailureThrottle::new(Policy::auth(BURST, REFILL)),
            recorder: Mutex::new(recorder::Queue::default()),
            keys: Mutex::new(recorder::DailyKeys::default()),
        }))
    }

    /// Records one report of `component` from `client`; `Ok(true)` when it counted,
    /// `Ok(false)` when the client had reported the channel within 30 minutes.
    pub async fn record(
        &self,
        component: ComponentId,
        client: IpAddr,
    ) -> Result<bool, RecordError> {
        recorder::record(self, component, client).await
    }

    /// The timer's chore: forgets what is older than it may be kept, ends spikes whose
    /// window fell below their threshold, and sets `/metrics`' spikes from the database.
    /// Writes only when something is due.
    pub async fn chores(&self) -> Result<(), RecordError> {
        recorder::chores(self).await
    }
}

impl std::ops::Deref for Reports {
    type Target = ReportParts;

    fn deref(&self) -> &ReportParts {
        &self.0.parts
    }
}

pub fn router() -> Router<Reports> {
    Router::new().route("/report", post(handlers::report))
}
