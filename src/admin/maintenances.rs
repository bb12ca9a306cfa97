//! `/maintenances`: announce, list, read, change and post timeline updates. Windows start
//! and complete by themselves (see `schedule`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rusqlite::Transaction;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::notice_input::{CreateMaintenance, ListQuery, PatchMaintenance, PostMaintenanceUpdate};
use super::notices::{answer, list, open, post_update, show};
use super::openapi as doc;
use super::query::QueryParams;
use super::views;
use super::write::{if_match, write};
use crate::domain::Kind;
use crate::error::Error;
use crate::service::{Ctx, notices};

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .routes(routes!(list_maintenances, create_maintenance))
        .routes(routes!(show_maintenance, patch_maintenance))
        .routes(routes!(post_maintenance_update))
}

/// List maintenances
///
/// Newest first, drafts and drills included. Scope: `read`.
#[utoipa::path(
    get,
    path = "/maintenances",
    operation_id = "listMaintenances",
    tag = "maintenances",
    params(ListQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of maintenances", body = views::MaintenanceList),
        doc::Refused,
        doc::BadQuery,
    ),
)]
async fn list_maintenances(
    state: State<Admin>,
    auth: Auth<scope::Read>,
    q: QueryParams<ListQuery>,
) -> Result<Response, Error> {
    list(state, auth, q, Kind::Maintenance).await
}

/// Read a maintenance
///
/// With its whole timeline. Scope: `read`.
#[utoipa::path(
    get,
    path = "/maintenances/{id}",
    operation_id = "getMaintenance",
    tag = "maintenances",
    params(("id" = String, Path, description = "The maintenance id")),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The maintenance", body = views::MaintenanceView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn show_maintenance(
    state: State<Admin>,
    auth: Auth<scope::Read>,
    id: Path<String>,
) -> Result<Response, Error> {
    show(state, auth, id, Kind::Maintenance).await
}

/// Announce a maintenance
///
/// It starts and completes with its window unless `auto_transition` is false.
/// `drill: true` announces a rehearsal that is never public. Scope: `incidents`.
#[utoipa::path(
    post,
    path = "/maintenances",
    operation_id = "createMaintenance",
    tag = "maintenances",
    params(doc::IdempotencyKey),
    request_body(content = CreateMaintenance, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 201, description = "Created", body = views::MaintenanceView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn create_maintenance(
    state: State<Admin>,
    actor: Auth<scope::Incidents>,
    body: JsonBody<CreateMaintenance>,
) -> Result<Response, Error> {
    open(state, actor, body).await
}

/// Post an update to a maintenance
///
/// Adds to the timeline and may change the status and the components. Scope: `incidents`.
#[utoipa::path(
    post,
    path = "/maintenances/{id}/updates",
    operation_id = "postMaintenanceUpdate",
    tag = "maintenances",
    params(("id" = String, Path, description = "The maintenance id"), doc::IdempotencyKey),
    request_body(content = PostMaintenanceUpdate, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 201, description = "The maintenance with the new update", body = views::MaintenanceView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
    ),
)]
async fn post_maintenance_update(
    state: State<Admin>,
    auth: Auth<scope::Incidents>,
    id: Path<String>,
    body: JsonBody<PostMaintenanceUpdate>,
) -> Result<Response, Error> {
    post_update(state, auth, id, body).await
}

/// Change a maintenance
///
/// The window, components and the like; `draft: false` publishes. Scope: `incidents`.
#[utoipa::path(
    patch,
    path = "/maintenances/{id}",
    operation_id = "patchMaintenance",
    tag = "maintenances",
    params(("id" = String, Path, description = "The maintenance id"), doc::IfMatch, doc::IdempotencyKey),
    request_body(content = PatchMaintenance, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 200, description = "The changed maintenance", body = views::MaintenanceView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
        doc::Stale,
    ),
)]
async fn patch_maintenance(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Incidents>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<PatchMaintenance>,
) -> Result<Response, Error> {
    let seen = if_match(&headers);
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        notices::change_maintenance(tx, ctx, &id, &seen, |maintenance, catalog| {
            input.read(ctx, maintenance, catalog)
        })
    };
    write(&state, actor, idem, command, answer(&state, StatusCode::OK)).await
}
