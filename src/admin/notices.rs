//! What incidents and maintenances share: listing, reading, loading for a change, posting
//! a timeline update, and the written answer.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rusqlite::Connection;

use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::notice_input::{ListQuery, PostUpdate, parser};
use super::query::QueryParams;
use super::views;
use super::write::{WriteContext, Written, check_if_match, commit, json_response};
use crate::app::AppState;
use crate::domain::{ComponentChange, FieldErrors, Incident, Kind, TextKind, UpdateDraft, new_id};
use crate::error::Error;
use crate::store::{self, IncidentCursor, ListFilter, Reader};

pub(super) async fn list(
    State(state): State<AppState>,
    _: Auth<scope::Read>,
    QueryParams(q): QueryParams<ListQuery>,
    kind: Kind,
) -> Result<Response, Error> {
    let mut errors = FieldErrors::default();
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => {
            errors.push("limit", "must be a number from 1 to 200");
            50
        }
    };
    let cursor = match q.cursor.as_deref() {
        None => None,
        Some(c) => match IncidentCursor::decode(c) {
            Some(c) => Some(c),
            None => {
                errors.push("cursor", "is not a cursor from a previous page");
                None
            }
        },
    };
    let filter = match q.status.as_deref() {
        None | Some("all") => ListFilter::All,
        Some("open") => ListFilter::Open,
        Some("closed") => ListFilter::Closed,
        Some(other) => {
            errors.push(
                "status",
                format!("`{other}` is not a filter; expected open, closed or all"),
            );
            ListFilter::All
        }
    };
    errors.into_result().map_err(Error::Invalid)?;
    let (tz, base) = (state.timezone, state.publisher.settings().base_url.clone());
    let (items, next) = state
        .store
        .read(Reader::Operator, move |tx| -> Result<_, Error> {
            let rows = store::notice_ids_page(tx, kind, filter, cursor.as_ref(), limit + 1)?;
            let more = rows.len() > limit;
            let rows = &rows[..rows.len().min(limit)];
            let next = more
                .then(|| {
                    rows.last().map(|(id, at)| {
                        IncidentCursor {
                            created_at: *at,
                            id: id.clone(),
                        }
                        .encode()
                    })
                })
                .flatten();
            let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
            Ok((store::incidents_by_ids(tx, &ids)?, next))
        })
        .await?;
    let items = items
        .iter()
        .map(|i| views::incident(i, tz, &base))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &views::list(items, next),
        None,
        false,
    ))
}

pub(super) async fn show(
    State(state): State<AppState>,
    _: Auth<scope::Read>,
    Path(id): Path<String>,
    kind: Kind,
) -> Result<Response, Error> {
    let i = state
        .store
        .read(Reader::Operator, move |tx| {
            Ok::<_, Error>(store::incident_by_id(tx, &id)?)
        })
        .await?
        .filter(|i| i.kind == kind)
        .ok_or_else(|| not_found(kind))?;
    let etag = views::resource_etag(&i.id, i.revision);
    let body = views::incident(&i, state.timezone, &state.publisher.settings().base_url);
    Ok(json_response(StatusCode::OK, &body, Some(&etag), false))
}

fn not_found(kind: Kind) -> Error {
    Error::NotFound(kind.as_str().to_string())
}

pub(super) fn load(tx: &Connection, id: &str, kind: Kind) -> Result<Incident, Error> {
    store::incident_by_id(tx, id)?
        .filter(|i| i.kind == kind)
        .ok_or_else(|| not_found(kind))
}

/// Loads a notice to change, checking `If-Match` against its current ETag.
pub(super) fn load_unchanged(
    tx: &Connection,
    id: &str,
    kind: Kind,
    if_match: Option<&str>,
) -> Result<Incident, Error> {
    let notice = load(tx, id, kind)?;
    check_if_match(if_match, &views::resource_etag(&notice.id, notice.revision))?;
    Ok(notice)
}

/// Saves the notice, applies its public component changes and describes the result.
pub(super) fn saved(
    tx: &Connection,
    i: &Incident,
    changes: &[ComponentChange],
    ctx: &WriteContext,
    status: StatusCode,
    action: &'static str,
) -> Result<Written, Error> {
    store::save_incident(tx, i)?;
    store::apply_component_changes(tx, changes, ctx.now)?;
    Ok(Written {
        status,
        body: views::incident(i, ctx.timezone, &ctx.base_url),
        etag: Some(views::resource_etag(&i.id, i.revision)),
        action,
        target: Some(i.id.clone()),
        secret: None,
    })
}

pub(super) async fn post_update(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Incidents>,
    Path(id): Path<String>,
    body: JsonBody<PostUpdate>,
    kind: Kind,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    commit(&state, actor, idem, move |tx, ctx| {
        let mut i = load(tx, &id, kind)?;
        let catalog = store::catalog(tx, Some(&i.id))?;
        let mut p = parser(ctx, &catalog);
        let message = p.text(&input.message, TextKind::Body, "message");
        let status = input.status.as_deref().and_then(|s| p.status(s, kind));
        let components = p.components(&input.components, kind);
        let eta = match &input.eta {
            Some(_) if kind == Kind::Maintenance => {
                p.errors.push(
                    "eta",
                    "a maintenance ends with its window; change scheduled_until instead",
                );
                None
            }
            Some(Some(s)) => p.future_time(s, "eta").map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let next_update = p.next_update(
            input.next_update_at.as_ref().map(|o| o.as_deref()),
            input.next_update_in_minutes,
        );
        let alternatives = input.alternatives.as_deref().map(|a| p.alternatives(a));
        p.finish()?;
        let update = UpdateDraft {
            message,
            status,
            components,
            eta,
            next_update,
            alternatives,
        };
        let changes = i
            .post_update(update, new_id(), ctx.now, &catalog)
            .map_err(|e| Error::invalid("status", e.0))?;
        let action = match kind {
            Kind::Incident => "incident.update",
            Kind::Maintenance => "maintenance.update",
        };
        saved(tx, &i, &changes, ctx, StatusCode::CREATED, action)
    })
    .await
}
