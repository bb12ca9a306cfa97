//! `/incidents`: open, list, read, change and post timeline updates.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::notice_input::{CreateIncident, ListQuery, PatchIncident, PostUpdate, parser};
use super::notices::{list, load_unchanged, post_update, saved, show};
use super::openapi as doc;
use super::query::QueryParams;
use super::write::{commit, if_match};
use crate::app::AppState;
use crate::domain::{Incident, IncidentChanges, IncidentDraft, Kind, TextKind, new_id};
use crate::error::Error;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_incidents, create_incident))
        .routes(routes!(show_incident, patch_incident))
        .routes(routes!(post_incident_update))
}

/// List incidents
///
/// Newest first, drafts included. Scope: `read`.
#[utoipa::path(
    get,
    path = "/incidents",
    operation_id = "listIncidents",
    tag = "incidents",
    params(ListQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of incidents", body = doc::IncidentList),
        doc::Refused,
        doc::BadQuery,
    ),
)]
async fn list_incidents(
    state: State<AppState>,
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
        (status = 200, description = "The incident", body = doc::IncidentView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn show_incident(
    state: State<AppState>,
    auth: Auth<scope::Read>,
    id: Path<String>,
) -> Result<Response, Error> {
    show(state, auth, id, Kind::Incident).await
}

/// Open an incident
///
/// Scope: `incidents`.
#[utoipa::path(
    post,
    path = "/incidents",
    operation_id = "createIncident",
    tag = "incidents",
    params(doc::IdempotencyKey),
    request_body(content = CreateIncident, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 201, description = "Created", body = doc::IncidentView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn create_incident(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Incidents>,
    body: JsonBody<CreateIncident>,
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
            .and_then(|s| p.status(s, Kind::Incident));
        let impact = input.impact.as_deref().and_then(|s| p.impact(s));
        let components = p.components(&input.components, Kind::Incident);
        let started_at = input
            .started_at
            .as_deref()
            .and_then(|s| p.time(s, "started_at"));
        if started_at.is_some_and(|s| s > ctx.now + Duration::minutes(1)) {
            p.errors.push("started_at", "is in the future");
        }
        let eta = input.eta.as_deref().and_then(|s| p.future_time(s, "eta"));
        let next_update = p
            .next_update(
                input.next_update_at.as_deref().map(Some),
                input.next_update_in_minutes,
            )
            .flatten();
        let alternatives = p.alternatives(&input.alternatives);
        p.finish()?;
        let (Some(title), Some(message)) = (title, message) else {
            return Err(Error::Invalid(vec![]));
        };
        let draft = IncidentDraft {
            kind: Kind::Incident,
            title,
            message,
            status,
            impact,
            components,
            eta,
            next_update,
            alternatives,
            started_at,
            draft: input.draft,
            window: None,
            auto_transition: false,
        };
        let (incident, changes) = Incident::create(draft, new_id(), new_id(), ctx.now, &catalog)
            .map_err(Error::Invalid)?;
        saved(
            tx,
            &incident,
            &changes,
            ctx,
            StatusCode::CREATED,
            "incident.create",
        )
    })
    .await
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
    request_body(content = PostUpdate, content_type = "application/json"),
    security(("bearer" = ["incidents"])),
    responses(
        (status = 201, description = "The incident with the new update", body = doc::IncidentView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
    ),
)]
async fn post_incident_update(
    state: State<AppState>,
    auth: Auth<scope::Incidents>,
    id: Path<String>,
    body: JsonBody<PostUpdate>,
) -> Result<Response, Error> {
    post_update(state, auth, id, body, Kind::Incident).await
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
        (status = 200, description = "The changed incident", body = doc::IncidentView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
        doc::Stale,
    ),
)]
async fn patch_incident(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Incidents>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<PatchIncident>,
) -> Result<Response, Error> {
    let expected = if_match(&headers);
    let (input, idem) = (body.value, body.idempotency);
    commit(&state, actor, idem, move |tx, ctx| {
        let mut i = load_unchanged(tx, &id, Kind::Incident, expected.as_deref())?;
        let catalog = store::catalog(tx, Some(&i.id))?;
        let mut p = parser(ctx, &catalog);
        let title = input
            .title
            .as_ref()
            .and_then(|t| p.text(t, TextKind::Title, "title"));
        let impact = match &input.impact {
            Some(Some(s)) => p.impact(s).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let eta = match &input.eta {
            Some(Some(s)) => p.future_time(s, "eta").map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let next_update = p.next_update(
            input.next_update_at.as_ref().map(|o| o.as_deref()),
            input.next_update_in_minutes,
        );
        let alternatives = input.alternatives.as_deref().map(|a| p.alternatives(a));
        let started_at = input
            .started_at
            .as_deref()
            .and_then(|s| p.time(s, "started_at"));
        let postmortem = input
            .postmortem
            .as_ref()
            .and_then(|t| p.text(t, TextKind::Body, "postmortem"));
        let changes = IncidentChanges {
            title,
            impact,
            draft: input.draft,
            eta,
            next_update,
            alternatives,
            started_at,
            postmortem,
        };
        // The domain's refusals join the parser's, so every problem is told at once.
        p.errors.0.extend(i.incident_refusals(&changes));
        p.finish()?;
        let action = match changes.postmortem {
            Some(_) => "incident.postmortem",
            None => "incident.patch",
        };
        let changes = i
            .change_incident(changes, ctx.now, &catalog)
            .map_err(Error::Invalid)?;
        saved(tx, &i, &changes, ctx, StatusCode::OK, action)
    })
    .await
}
