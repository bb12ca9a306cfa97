//! `/components`: the payment channel catalogue, and setting a channel's status by hand.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::Transaction;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::{JsonBody, present, whole_number};
use super::openapi as doc;
use super::views::{self, ComponentList, ComponentView};
use super::write::{Answer, if_match, json_response, write};
use crate::domain::{
    Component, ComponentId, ComponentIdInput, ComponentStatusInput, FieldErrors, LocalizedText,
    Scope, TextInput, TextKind,
};
use crate::error::Error;
use crate::service::components::{self, ComponentChanges, NewComponent};
use crate::service::{Ctx, etag};
use crate::store::{self, Reader};

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComponent {
    #[serde(default)]
    #[schema(required = true)]
    id: ComponentIdInput,
    #[serde(default)]
    #[schema(required = true)]
    name: TextInput,
    description: Option<TextInput>,
    /// A group holds channels; its status is the worst of theirs.
    #[serde(default)]
    group: bool,
    /// The group this channel belongs to.
    group_id: Option<ComponentIdInput>,
    /// Order on the page; after the last by default.
    #[serde(default, deserialize_with = "whole_number")]
    position: Option<i64>,
    /// Channels to suggest while this one is down.
    #[serde(default)]
    fallbacks: Vec<ComponentIdInput>,
}

/// Catalogue fields need the `components` scope, `status` the `incidents` scope.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchComponent {
    name: Option<TextInput>,
    /// null removes the description.
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<TextInput>>,
    /// null takes the channel out of its group.
    #[serde(default, deserialize_with = "present")]
    group_id: Option<Option<ComponentIdInput>>,
    #[serde(default, deserialize_with = "whole_number")]
    position: Option<i64>,
    fallbacks: Option<Vec<ComponentIdInput>>,
    /// The channel's status outside any incident (not for groups).
    status: Option<ComponentStatusInput>,
}

/// List components
///
/// Every payment channel and group, in page order. Scope: `read`.
#[utoipa::path(
    get,
    path = "/components",
    operation_id = "listComponents",
    tag = "components",
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "All components", body = views::ComponentList),
        doc::Refused,
    ),
)]
async fn list(State(state): State<Admin>, _: Auth<scope::Read>) -> Result<Response, Error> {
    let tz = state.timezone;
    let items = state
        .store
        .read(Reader::Operator, |tx| {
            Ok::<_, Error>(store::all_components(tx, false)?)
        })
        .await?;
    let items = items.iter().map(|c| ComponentView::new(c, tz)).collect();
    Ok(json_response(
        StatusCode::OK,
        &views::json(&ComponentList::new(items, None))?,
        None,
        false,
    ))
}

/// Read a component
///
/// Scope: `read`.
#[utoipa::path(
    get,
    path = "/components/{id}",
    operation_id = "getComponent",
    tag = "components",
    params(("id" = String, Path, description = "The component id")),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The component", body = views::ComponentView,
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
    let c = find(&state, id).await?;
    let tag = etag(c.id.as_str(), c.revision);
    Ok(json_response(
        StatusCode::OK,
        &views::json(&ComponentView::new(&c, state.timezone))?,
        Some(&tag),
        false,
    ))
}

async fn find(state: &Admin, id: String) -> Result<Component, Error> {
    state
        .store
        .read(Reader::Operator, move |tx| {
            Ok::<_, Error>(store::component_by_id(tx, &id)?)
        })
        .await?
        .ok_or_else(|| Error::NotFound("component".into()))
}

/// Add a component
///
/// A payment channel or a group. Ids are never reused. Scope: `components`.
#[utoipa::path(
    post,
    path = "/components",
    operation_id = "createComponent",
    tag = "components",
    params(doc::IdempotencyKey),
    request_body(content = CreateComponent, content_type = "application/json"),
    security(("bearer" = ["components"])),
    responses(
        (status = 201, description = "Created", body = views::ComponentView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::BadBody,
        doc::Conflict,
    ),
)]
async fn create(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    body: JsonBody<CreateComponent>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        let input = input.read(ctx)?;
        components::create(tx, ctx, input)
    };
    write(
        &state,
        actor,
        idem,
        command,
        answer(&state, StatusCode::CREATED),
    )
    .await
}

/// Change a component
///
/// Scope: `components` for catalogue fields (name, description, group_id, position,
/// fallbacks), `incidents` for `status`; a request with both needs both.
#[utoipa::path(
    patch,
    path = "/components/{id}",
    operation_id = "patchComponent",
    tag = "components",
    params(("id" = String, Path, description = "The component id"), doc::IfMatch, doc::IdempotencyKey),
    request_body(content = PatchComponent, content_type = "application/json"),
    security(("bearer" = ["components"]), ("bearer" = ["incidents"])),
    responses(
        (status = 200, description = "The changed component", body = views::ComponentView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
        doc::Stale,
    ),
)]
async fn update(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Checked>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<PatchComponent>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    // The catalogue and a channel's status are different jobs with different scopes.
    let touches_catalogue = input.name.is_some()
        || input.description.is_some()
        || input.group_id.is_some()
        || input.position.is_some()
        || input.fallbacks.is_some();
    if touches_catalogue || input.status.is_none() {
        actor.require(Scope::Components)?;
    }
    if input.status.is_some() {
        actor.require(Scope::Incidents)?;
    }
    let seen = if_match(&headers);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        let changes = input.read(ctx)?;
        components::change(tx, ctx, &id, &seen, changes)
    };
    write(&state, actor, idem, command, answer(&state, StatusCode::OK)).await
}

/// Delete a component
///
/// Refused with 409 while a group has members or an active incident or maintenance
/// affects the component. Scope: `components`.
#[utoipa::path(
    delete,
    path = "/components/{id}",
    operation_id = "deleteComponent",
    tag = "components",
    params(("id" = String, Path, description = "The component id"), doc::IfMatch),
    security(("bearer" = ["components"])),
    responses(
        (status = 204, description = "Deleted"),
        doc::Refused,
        doc::NotFound,
        doc::Conflict,
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
    let command = move |tx: &Transaction, ctx: &Ctx| components::delete(tx, ctx, &id, &seen);
    let response = write(&state, actor, None, command, |id: &ComponentId| {
        Ok(Answer::new(
            StatusCode::NO_CONTENT,
            json!({ "id": id }),
            None,
        ))
    })
    .await?;
    Ok((StatusCode::NO_CONTENT, response.headers().clone()).into_response())
}

/// The answer to a write of a component: its view and ETag, with `status`.
fn answer(
    state: &Admin,
    status: StatusCode,
) -> impl Fn(&Component) -> Result<Answer, Error> + Send + 'static {
    let tz = state.timezone;
    move |c: &Component| {
        Ok(Answer::new(
            status,
            views::json(&ComponentView::new(c, tz))?,
            Some(etag(c.id.as_str(), c.revision)),
        ))
    }
}

impl CreateComponent {
    /// The component to add, or every problem with the request's fields.
    pub fn read(&self, ctx: &Ctx) -> Result<NewComponent, Error> {
        let mut errors = FieldErrors::default();
        let id = errors.check(self.id.known("id"));
        let name = errors.check(LocalizedText::parse(
            &self.name,
            TextKind::Title,
            ctx.default_lang,
            "name",
        ));
        let description = self.description.as_ref().and_then(|d| {
            errors.check(LocalizedText::parse(
                d,
                TextKind::Body,
                ctx.default_lang,
                "description",
            ))
        });
        let group_id = self
            .group_id
            .as_ref()
            .and_then(|g| errors.check(g.known("group_id")));
        let fallbacks = read_ids(&self.fallbacks, &mut errors);
        errors.into_result().map_err(Error::Invalid)?;
        let (Some(id), Some(name)) = (id, name) else {
            return Err(Error::Invalid(vec![]));
        };
        Ok(NewComponent {
            id,
            name,
            description,
            group: self.group,
            group_id,
            position: self.position,
            fallbacks,
        })
    }
}

impl PatchComponent {
    /// The changes to make, or every problem with the request's fields.
    pub fn read(&self, ctx: &Ctx) -> Result<ComponentChanges, Error> {
        let mut errors = FieldErrors::default();
        let name = self.name.as_ref().and_then(|n| {
            errors.check(LocalizedText::parse(
                n,
                TextKind::Title,
                ctx.default_lang,
                "name",
            ))
        });
        let description = match &self.description {
            Some(Some(d)) => errors
                .check(LocalizedText::parse(
                    d,
                    TextKind::Body,
                    ctx.default_lang,
                    "description",
                ))
                .map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let group_id = match &self.group_id {
            Some(Some(g)) => errors.check(g.known("group_id")).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let fallbacks = self.fallbacks.as_ref().map(|f| read_ids(f, &mut errors));
        let status = self
            .status
            .as_ref()
            .and_then(|input| errors.check(input.known("status")));
        errors.into_result().map_err(Error::Invalid)?;
        Ok(ComponentChanges {
            name,
            description,
            group_id,
            position: self.position,
            fallbacks,
            status,
        })
    }
}

/// Component ids of a list (`fallbacks[i]`), each parsed.
fn read_ids(list: &[ComponentIdInput], errors: &mut FieldErrors) -> Vec<ComponentId> {
    list.iter()
        .enumerate()
        .filter_map(|(i, f)| errors.check(f.known(&format!("fallbacks[{i}]"))))
        .collect()
}
