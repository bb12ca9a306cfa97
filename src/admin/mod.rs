//! The admin API at `/api/admin/v1`: authenticated by API key, JSON in and out,
//! problem+json for every error, one transaction and one audit row per write.

mod auth;
mod components;
mod incident_reports;
mod incidents;
mod integrations;
mod json;
mod key_use;
mod keys;
mod maintenances;
mod notice_input;
mod notice_parser;
mod notice_read;
mod notices;
mod openapi;
mod query;
mod subscribers;
mod template_input;
mod templates;
mod views;
mod webhook_views;
mod webhooks;
mod write;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

pub use auth::scope;
pub use incident_reports::{read_report, timeline_csv};
pub use key_use::KeyUses;

/// How a writer's input is read into the commands' input. The console reads its forms
/// through these too, so both writers accept and refuse exactly the same things.
pub mod input {
    pub use super::components::{CreateComponent, PatchComponent};
    pub use super::json::parse;
    pub use super::notice_input::{
        CreateIncident, CreateMaintenance, PatchIncident, PatchMaintenance, PostIncidentUpdate,
        PostMaintenanceUpdate,
    };
    pub use super::notice_read::{OpensNotice, PostsUpdate};
    pub use super::subscribers::to_csv;
    pub use super::template_input::{CreateTemplate, PatchTemplate};
    pub use super::webhook_views::{CreateWebhook, PatchWebhook};
}

use std::sync::Arc;

use chrono_tz::Tz;
use ipnet::IpNet;

use crate::domain::Clock;
use crate::service::Writer;
use crate::store::Store;
use crate::web::Metrics;
use crate::web::throttle::FailureThrottle;

/// What the admin routes need: one reference count to clone per request.
#[derive(Clone)]
pub struct Admin(Arc<AdminParts>);

pub struct AdminParts {
    /// The one write path.
    pub writer: Writer,
    /// For admin reads, on the operators' read lane.
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Times in answers are shown in this zone.
    pub timezone: Tz,
    /// For absolute links in answers.
    pub base_url: String,
    pub key_uses: KeyUses,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    pub auth_throttle: FailureThrottle,
    pub metrics: Arc<Metrics>,
}

impl Admin {
    pub fn new(parts: AdminParts) -> Admin {
        Admin(Arc::new(parts))
    }
}

impl std::ops::Deref for Admin {
    type Target = AdminParts;

    fn deref(&self) -> &AdminParts {
        &self.0
    }
}

pub fn router() -> Router<Admin> {
    routes().into()
}

/// Every admin route, added to the router and to the OpenAPI document together.
fn routes() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .merge(components::router())
        .merge(incidents::router())
        .merge(incident_reports::router())
        .merge(maintenances::router())
        .merge(templates::router())
        .merge(keys::router())
        .merge(subscribers::router())
        .merge(webhooks::router())
        .merge(integrations::router())
        .merge(openapi::router())
}
