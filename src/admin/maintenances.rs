//! `/maintenances`: announce, list, read, change and post timeline updates. Windows start
//! and complete by themselves (see `schedule`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::notice_input::{
    CreateMaintenance, ListQuery, PatchMaintenance, PostMaintenanceUpdate, PostUpdate, parser,
};
use super::notices::{list, load_unchanged, post_update, saved, show};
use super::openapi as doc;
use super::query::QueryParams;
use super::write::{commit, if_match};
use crate::app::AppState;
use crate::domain::{
    Incident, IncidentDraft, Kind, MaintenanceChanges, MaintenanceWindow, TextKind, new_id,
};
use crate::error::Error;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_maintenances, create_maintenance))
        .routes(routes!(show_maintenance, patch_maintenance))
        .routes(routes!(post_maintenance_update))
}

/// List maintenances
///
/// Newest first, drafts included. Scope: `read`.
#[utoipa::path(
    get,
    path = "/maintenances",
    operation_id = "listMaintenances",
    tag = "maintenances",
    params(ListQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of maintenances", body = doc::MaintenanceList),
        doc::Refused,
        doc::BadQuery,
    ),
)]
async fn list_maintenances(
    state: State<AppState>,
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
        (status = 200, description = "The maintenance", body = doc::MaintenanceView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn show_maintenance(
    state: State<AppState>,
    auth: Auth<scope::Read>,
    id: Path<String>,
) -> Result<Response, Error> {
    show(state, auth, id, Kind::Maintenance).await
}

/// Announce a maintenance
///
/// It starts and completes with its window unless `auto_transition` is false.
/// Scope: `incidents`.
#[utoipa::path(
    post,
    path = "/maintenances",
    operation_id = "createMaintenance",
    tag = "maintenances",
    params(doc::IdempotencyKey),
    request_body(content = CreateMaintenance, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 201, description = "Created", body = doc::MaintenanceView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn create_maintenance(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Incidents>,
    body: JsonBody<CreateMaintenance>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    commit(&state, actor, idem, move |tx, ctx| {
        let catalog = store::catalog(tx, None)?;
        let mut p = parser(ctx, &catalog);
        let title = p.text(&input.title, TextKind::Title, "title");
        let message = p.text(&input.message, TextKind::Body, "message");
        let status = input
            .status
            .as_deref()
            .and_then(|s| p.status(s, Kind::Maintenance));
        let components = p.components(&input.components, Kind::Maintenance);
        let starts = p.time(&input.scheduled_for, "scheduled_for");
        let ends = p.time(&input.scheduled_until, "scheduled_until");
        let window = match (starts, ends) {
            (Some(s), Some(e)) => p.errors.check(MaintenanceWindow::new(s, e)),
            _ => None,
        };
        let alternatives = p.alternatives(&input.alternatives);
        p.finish()?;
        let (Some(title), Some(message), Some(window)) = (title, message, window) else {
            return Err(Error::Invalid(vec![]));
        };
        let draft = IncidentDraft {
            kind: Kind::Maintenance,
            title,
            message,
            status,
            impact: None,
            components,
            eta: None,
            next_update: None,
            alternatives,
            started_at: None,
            draft: input.draft,
            window: Some(window),
            auto_transition: input.auto_transition.unwrap_or(true),
        };
        let (mut m, mut changes) = Incident::create(draft, new_id(), new_id(), ctx.now, &catalog)
            .map_err(Error::Invalid)?;
        // A window that is already open (or over) moves at once, not at the next tick.
        changes.extend(
            m.catch_up(ctx.now, &catalog)
                .map_err(|e| Error::invalid("status", e.0))?,
        );
        saved(
            tx,
            &m,
            &changes,
            ctx,
            StatusCode::CREATED,
            "maintenance.create",
        )
    })
    .await
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
        (status = 201, description = "The maintenance with the new update", body = doc::MaintenanceView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
    ),
)]
async fn post_maintenance_update(
    state: State<AppState>,
    auth: Auth<scope::Incidents>,
    id: Path<String>,
    body: JsonBody<PostUpdate>,
) -> Result<Response, Error> {
    post_update(state, auth, id, body, Kind::Maintenance).await
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
        (status = 200, description = "The changed maintenance", body = doc::MaintenanceView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
        doc::Stale,
    ),
)]
async fn patch_maintenance(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Incidents>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<PatchMaintenance>,
) -> Result<Response, Error> {
    let expected = if_match(&headers);
    let (input, idem) = (body.value, body.idempotency);
    commit(&state, actor, idem, move |tx, ctx| {
        let mut m = load_unchanged(tx, &id, Kind::Maintenance, expected.as_deref())?;
        let catalog = store::catalog(tx, Some(&m.id))?;
        let mut p = parser(ctx, &catalog);
        let title = input
            .title
            .as_ref()
            .and_then(|t| p.text(t, TextKind::Title, "title"));
        let starts = input
            .scheduled_for
            .as_deref()
            .and_then(|s| p.time(s, "scheduled_for"));
        let ends = input
            .scheduled_until
            .as_deref()
            .and_then(|s| p.time(s, "scheduled_until"));
        let components = input
            .components
            .as_ref()
            .map(|c| p.components(c, Kind::Maintenance));
        let alternatives = input.alternatives.as_deref().map(|a| p.alternatives(a));
        let changes = MaintenanceChanges {
            title,
            draft: input.draft,
            starts,
            ends,
            auto_transition: input.auto_transition,
            components,
            alternatives,
        };
        // The domain's refusals join the parser's, so every problem is told at once.
        p.errors.0.extend(m.maintenance_refusals(&changes));
        p.finish()?;
        let changes = m
            .change_maintenance(changes, ctx.now, &catalog)
            .map_err(Error::Invalid)?;
        saved(tx, &m, &changes, ctx, StatusCode::OK, "maintenance.patch")
    })
    .await
}
