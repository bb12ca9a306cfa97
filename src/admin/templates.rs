//! `/templates`: the words a new notice starts from, and applying one to fill in its
//! placeholders (the console's new-notice form uses the same `service::templates::prefill`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::Transaction;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::openapi as doc;
use super::template_input::{ApplyTemplate, CreateTemplate, PatchTemplate};
use super::views::{self, AppliedView, TemplateList, TemplateView};
use super::write::{Answer, if_match, json_response, write};
use crate::domain::{Template, TemplateId};
use crate::error::Error;
use crate::service::templates;
use crate::service::{Ctx, etag};
use crate::store::{self, Reader};

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(apply))
}

/// List templates
///
/// Every notice template: incidents', maintenances', resolutions', then postmortems'.
/// Scope: `read`.
#[utoipa::path(
    get,
    path = "/templates",
    operation_id = "listTemplates",
    tag = "templates",
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "All templates", body = views::TemplateList),
        doc::Refused,
    ),
)]
async fn list(State(state): State<Admin>, _: Auth<scope::Read>) -> Result<Response, Error> {
    let tz = state.timezone;
    let items = state
        .store
        .read(Reader::Operator, |tx| {
            Ok::<_, Error>(store::all_templates(tx)?)
        })
        .await?;
    let items = items.iter().map(|t| TemplateView::new(t, tz)).collect();
    Ok(json_response(
        StatusCode::OK,
        &views::json(&TemplateList::new(items, None))?,
        None,
        false,
    ))
}

/// Read a template
///
/// Scope: `read`.
#[utoipa::path(
    get,
    path = "/templates/{id}",
    operation_id = "getTemplate",
    tag = "templates",
    params(("id" = String, Path, description = "The template id")),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The template", body = views::TemplateView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn show(
    State(state): State<Admin>,
    _: Auth<scope::Read>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let t = state
        .store
        .read(Reader::Operator, move |tx| {
            Ok::<_, Error>(store::template_by_id(tx, &id)?)
        })
        .await?
        .ok_or_else(|| Error::NotFound("template".into()))?;
    Ok(json_response(
        StatusCode::OK,
        &views::json(&TemplateView::new(&t, state.timezone))?,
        Some(&etag(t.id.as_str(), t.revision)),
        false,
    ))
}

/// Add a template
///
/// Unknown placeholders, channels not in the catalogue and statuses not of the
/// template's kind are refused. Scope: `components`.
#[utoipa::path(
    post,
    path = "/templates",
    operation_id = "createTemplate",
    tag = "templates",
    params(doc::IdempotencyKey),
    request_body(content = CreateTemplate, content_type = "application/json"),
    security(("bearer" = ["components"])),
    responses(
        (status = 201, description = "Created", body = views::TemplateView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::BadBody,
        doc::Conflict,
    ),
)]
async fn create(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    body: JsonBody<CreateTemplate>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        templates::create(tx, ctx, |catalog| input.read(ctx, catalog))
    };
    let answer = answer(&state, StatusCode::CREATED);
    write(&state, actor, idem, command, answer).await
}

/// Change a template
///
/// The template as changed must suit its kind as a whole. Scope: `components`.
#[utoipa::path(
    patch,
    path = "/templates/{id}",
    operation_id = "patchTemplate",
    tag = "templates",
    params(("id" = String, Path, description = "The template id"), doc::IfMatch, doc::IdempotencyKey),
    request_body(content = PatchTemplate, content_type = "application/json"),
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "The changed template", body = views::TemplateView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
        doc::Stale,
    ),
)]
async fn update(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<PatchTemplate>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let seen = if_match(&headers);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        templates::change(tx, ctx, &id, &seen, |t, catalog| {
            input.read(ctx, t, catalog)
        })
    };
    write(&state, actor, idem, command, answer(&state, StatusCode::OK)).await
}

/// Delete a template
///
/// Gone for good (the audit log keeps its words); a seeded template does not come back
/// when the server starts again. Scope: `components`.
#[utoipa::path(
    delete,
    path = "/templates/{id}",
    operation_id = "deleteTemplate",
    tag = "templates",
    params(("id" = String, Path, description = "The template id"), doc::IfMatch),
    security(("bearer" = ["components"])),
    responses(
        (status = 204, description = "Deleted"),
        doc::Refused,
        doc::NotFound,
        doc::Stale,
    ),
)]
async fn remove(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let seen = if_match(&headers);
    let command = move |tx: &Transaction, _: &Ctx| templates::delete(tx, &id, &seen);
    let response = write(&state, actor, None, command, |id: &TemplateId| {
        Ok(Answer::new(
            StatusCode::NO_CONTENT,
            json!({ "id": id }),
            None,
        ))
    })
    .await?;
    Ok((StatusCode::NO_CONTENT, response.headers().clone()).into_response())
}

/// Apply a template
///
/// Fills in its placeholders in both languages, with the channels (the template's, or
/// `components`) and the ETA given, as the catalogue is now: what a new notice's form
/// starts from. Writes nothing. Scope: `read`.
#[utoipa::path(
    post,
    path = "/templates/{id}/apply",
    operation_id = "applyTemplate",
    tag = "templates",
    params(("id" = String, Path, description = "The template id")),
    request_body(content = ApplyTemplate, content_type = "application/json"),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The template filled in", body = views::AppliedView),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
    ),
)]
async fn apply(
    State(state): State<Admin>,
    _: Auth<scope::Read>,
    Path(id): Path<String>,
    body: JsonBody<ApplyTemplate>,
) -> Result<Response, Error> {
    let (input, tz, now) = (body.value, state.timezone, state.clock.now());
    let applied = state
        .store
        .read(Reader::Operator, move |tx| {
            templates::prefill(tx, &id, tz, now, |t, catalog| {
                input.read(t, catalog, tz, now)
            })
        })
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &views::json(&AppliedView::new(&applied, tz))?,
        None,
        false,
    ))
}

/// The answer to a write of a template: its view and ETag, with `status`.
fn answer(
    state: &Admin,
    status: StatusCode,
) -> impl Fn(&Template) -> Result<Answer, Error> + Send + 'static {
    let tz = state.timezone;
    move |t: &Template| {
        Ok(Answer::new(
            status,
            views::json(&TemplateView::new(t, tz))?,
            Some(etag(t.id.as_str(), t.revision)),
        ))
    }
}
