//! `/incidents`: open, list, read, change and post timeline updates.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rusqlite::Transaction;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::notice_input::{CreateIncident, ListQuery, PatchIncident, PostIncidentUpdate};
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
        .routes(routes!(list_incidents, create_incident))
        .routes(routes!(show_incident, patch_incident))
        .routes(routes!(post_incident_update))
}

/// List incidents
///
/// Newest first, drafts and drills included. Scope: `read`.
#[utoipa::path(
    get,
    path = "/incidents",
    operation_id = "listIncidents",
    tag = "incidents",
    params(ListQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of incidents", body = views::IncidentList),
        doc::Refused,
        doc::BadQuery,
    ),
)]
async fn list_incidents(
    state: State<Admin>,
    auth: Auth<scope::Read>,
    q: QueryParams<ListQuery>,
) -> Result<Response, Error> {
    list(state, auth, q, Kind::Incident).await
}

/// Read an incident
///
/// With its whole timeline. Scope: `read`.
#[utoipa::path(
    get,
    path = "/incidents/{id}",
    operation_id = "getIncident",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The incident", body = views::IncidentView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn show_incident(
    state: State<Admin>,
    auth: Auth<scope::Read>,
    id: Path<String>,
) -> Result<Response, Error> {
    show(state, auth, id, Kind::Incident).await
}

/// Open an incident
///
/// `drill: true` opens a rehearsal that is never public. Scope: `incidents`.
#[utoipa::path(
    post,
    path = "/incidents",
    operation_id = "createIncident",
    tag = "incidents",
    params(doc::IdempotencyKey),
    request_body(content = CreateIncident, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 201, description = "Created", body = views::IncidentView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn create_incident(
    state: State<Admin>,
    actor: Auth<scope::Incidents>,
    body: JsonBody<CreateIncident>,
) -> Result<Response, Error> {
    open(state, actor, body).await
}

/// Post an update to an incident
///
/// Adds to the timeline and may change the status and the components. Scope: `incidents`.
#[utoipa::path(
    post,
    path = "/incidents/{id}/updates",
    operation_id = "postIncidentUpdate",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id"), doc::IdempotencyKey),
    request_body(content = PostIncidentUpdate, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 201, description = "The incident with the new update", body = views::IncidentView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
    ),
)]
async fn post_incident_update(
    state: State<Admin>,
    auth: Auth<scope::Incidents>,
    id: Path<String>,
    body: JsonBody<PostIncidentUpdate>,
) -> Result<Response, Error> {
    post_update(state, auth, id, body).await
}

/// Change an incident
///
/// Fields that are not part of the timeline; `draft: false` publishes, `postmortem` adds one. Scope: `incidents`.
#[utoipa::path(
    patch,
    path = "/incidents/{id}",
    operation_id = "patchIncident",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id"), doc::IfMatch, doc::IdempotencyKey),
    request_body(content = PatchIncident, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 200, description = "The changed incident", body = views::IncidentView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
        doc::Stale,
    ),
)]
async fn patch_incident(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Incidents>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<PatchIncident>,
) -> Result<Response, Error> {
    let seen = if_match(&headers);
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        notices::change_incident(tx, ctx, &id, &seen, |incident, catalog| {
            input.read(ctx, incident, catalog)
        })
    };
    write(&state, actor, idem, command, answer(&state, StatusCode::OK)).await
}
