//! The admin API at `/api/admin/v1`: authenticated by API key, JSON in and out,
//! problem+json for every error, one transaction and one audit row per write.

mod auth;
mod components;
mod incidents;
mod json;
mod key_use;
mod keys;
mod maintenances;
mod notice_input;
mod notice_read;
mod notices;
mod openapi;
mod query;
mod views;
mod write;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

pub use key_use::KeyUses;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    routes().into()
}

/// Every admin route, added to the router and to the OpenAPI document together.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(components::router())
        .merge(incidents::router())
        .merge(maintenances::router())
        .merge(keys::router())
        .merge(openapi::router())
}
