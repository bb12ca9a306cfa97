//! `/components`: the payment channel catalogue, and setting a channel's status by hand.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Auth, scope};
use super::json::{JsonBody, present};
use super::openapi as doc;
use super::views;
use super::write::{WriteContext, Written, check_if_match, commit, if_match, json_response};
use crate::app::AppState;
use crate::domain::Scope;
use crate::domain::{
    Component, ComponentId, ComponentStatus, FieldErrors, LocalizedText, TextInput, TextKind,
};
use crate::error::Error;
use crate::store::{self, Reader};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComponent {
    #[schema(value_type = ComponentId)]
    id: String,
    name: TextInput,
    description: Option<TextInput>,
    /// A group holds channels; its status is the worst of theirs.
    #[serde(default)]
    group: bool,
    /// The group this channel belongs to.
    #[schema(value_type = Option<ComponentId>)]
    group_id: Option<String>,
    /// Order on the page; after the last by default.
    position: Option<i64>,
    /// Channels to suggest while this one is down.
    #[serde(default)]
    #[schema(value_type = Vec<ComponentId>)]
    fallbacks: Vec<String>,
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
    #[schema(value_type = Option<ComponentId>)]
    group_id: Option<Option<String>>,
    position: Option<i64>,
    #[schema(value_type = Option<Vec<ComponentId>>)]
    fallbacks: Option<Vec<String>>,
    /// The channel's status outside any incident (not for groups).
    #[schema(value_type = Option<ComponentStatus>)]
    status: Option<String>,
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
        (status = 200, description = "All components", body = doc::ComponentList),
        doc::Refused,
    ),
)]
async fn list(State(state): State<AppState>, _: Auth<scope::Read>) -> Result<Response, Error> {
    let tz = state.timezone;
    let items = state
        .store
        .read(Reader::Operator, |tx| {
            Ok::<_, Error>(store::all_components(tx, false)?)
        })
        .await?;
    let items = items.iter().map(|c| views::component(c, tz)).collect();
    Ok(json_response(
        StatusCode::OK,
        &views::list(items, None),
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
        (status = 200, description = "The component", body = doc::ComponentView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn show(
    State(state): State<AppState>,
    _: Auth<scope::Read>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let c = find(&state, id).await?;
    let etag = views::resource_etag(c.id.as_str(), c.revision);
    Ok(json_response(
        StatusCode::OK,
        &views::component(&c, state.timezone),
        Some(&etag),
        false,
    ))
}

async fn find(state: &AppState, id: String) -> Result<Component, Error> {
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
        (status = 201, description = "Created", body = doc::ComponentView,
            headers(("ETag" = String, description = "Send as `If-Match` to change it"))),
        doc::Refused,
        doc::BadBody,
        doc::Conflict,
    ),
)]
async fn create(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Components>,
    body: JsonBody<CreateComponent>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    commit(&state, actor, idem, move |tx, ctx| {
        let mut errors = FieldErrors::default();
        let id = errors.check(ComponentId::parse(&input.id, "id"));
        let name = errors.check(LocalizedText::parse(
            &input.name,
            TextKind::Title,
            ctx.default_lang,
            "name",
        ));
        let description = match &input.description {
            Some(d) => errors.check(LocalizedText::parse(
                d,
                TextKind::Body,
                ctx.default_lang,
                "description",
            )),
            None => None,
        };
        if let Some(id) = &id
            && store::component_id_taken(tx, id.as_str())?
        {
            return Err(Error::Conflict(format!(
                "component id `{id}` is already in use (ids are never reused)"
            )));
        }
        let group_id = match &input.group_id {
            Some(g) if input.group => {
                errors.push("group_id", "a group cannot belong to another group");
                let _ = g;
                None
            }
            Some(g) => check_group(tx, g, &mut errors)?,
            None => None,
        };
        let fallbacks = check_fallbacks(tx, &input.fallbacks, id.as_ref(), &mut errors)?;
        errors.into_result().map_err(Error::Invalid)?;
        let (Some(id), Some(name)) = (id, name) else {
            return Err(Error::Invalid(vec![]));
        };
        let position = match input.position {
            Some(p) => p,
            None => {
                store::all_components(tx, true)?
                    .iter()
                    .map(|c| c.position)
                    .max()
                    .unwrap_or(0)
                    + 1
            }
        };
        let c = Component {
            id,
            name,
            description,
            is_group: input.group,
            group_id,
            position,
            status: ComponentStatus::Operational,
            fallbacks,
            created_at: ctx.now,
            updated_at: ctx.now,
            revision: 1,
        };
        store::insert_component(tx, &c)?;
        Ok(written(&c, ctx, StatusCode::CREATED, "component.create"))
    })
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
        (status = 200, description = "The changed component", body = doc::ComponentView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
        doc::Stale,
    ),
)]
async fn update(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Checked>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<PatchComponent>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    // The catalogue and a channel's status are different jobs with different scopes.
    let catalogue_change = input.name.is_some()
        || input.description.is_some()
        || input.group_id.is_some()
        || input.position.is_some()
        || input.fallbacks.is_some();
    if catalogue_change || input.status.is_none() {
        actor.require(Scope::Components)?;
    }
    if input.status.is_some() {
        actor.require(Scope::Incidents)?;
    }
    let expected = if_match(&headers);
    commit(&state, actor, idem, move |tx, ctx| {
        let mut c = load_unchanged(tx, &id, expected.as_deref())?;
        let mut errors = FieldErrors::default();
        if let Some(name) = &input.name
            && let Some(name) = errors.check(LocalizedText::parse(
                name,
                TextKind::Title,
                ctx.default_lang,
                "name",
            ))
        {
            c.name = name;
        }
        match &input.description {
            Some(Some(d)) => {
                c.description = errors.check(LocalizedText::parse(
                    d,
                    TextKind::Body,
                    ctx.default_lang,
                    "description",
                ))
            }
            Some(None) => c.description = None,
            None => {}
        }
        match &input.group_id {
            Some(Some(_)) if c.is_group => {
                errors.push("group_id", "a group cannot belong to another group")
            }
            Some(Some(g)) => c.group_id = check_group(tx, g, &mut errors)?,
            Some(None) => c.group_id = None,
            None => {}
        }
        if let Some(p) = input.position {
            c.position = p;
        }
        if let Some(f) = &input.fallbacks {
            c.fallbacks = check_fallbacks(tx, f, Some(&c.id), &mut errors)?;
        }
        let status = match &input.status {
            Some(s) => match ComponentStatus::parse(s) {
                Some(_) if c.is_group => {
                    errors.push("status", "a group's status follows its members; set theirs");
                    None
                }
                Some(s) => Some(s),
                None => {
                    errors.push(
                        "status",
                        format!(
                            "`{s}` is not a status; expected one of {}",
                            ComponentStatus::expected()
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        errors.into_result().map_err(Error::Invalid)?;
        if let Some(s) = status {
            c.status = s;
        }
        c.updated_at = ctx.now;
        c.revision += 1;
        store::update_component(tx, &c)?;
        let action = if status.is_some() && !catalogue_change {
            "component.set_status"
        } else {
            "component.update"
        };
        Ok(written(&c, ctx, StatusCode::OK, action))
    })
    .await
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
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Components>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let expected = if_match(&headers);
    let response = commit(&state, actor, None, move |tx, ctx| {
        let c = load_unchanged(tx, &id, expected.as_deref())?;
        if c.is_group && !store::group_members(tx, &c.id)?.is_empty() {
            return Err(Error::Conflict(
                "this group still has payment channels; move or delete them first".into(),
            ));
        }
        let holding = store::active_notices_holding(tx, &c.id)?;
        if !holding.is_empty() {
            return Err(Error::Conflict(format!(
                "an active incident or maintenance affects this component ({}); close it first",
                holding.join(", ")
            )));
        }
        store::delete_component(tx, &c.id, ctx.now)?;
        Ok(Written {
            status: StatusCode::NO_CONTENT,
            body: serde_json::json!({ "id": c.id }),
            etag: None,
            action: "component.delete",
            target: Some(c.id.to_string()),
            secret: None,
        })
    })
    .await?;
    Ok((StatusCode::NO_CONTENT, response.headers().clone()).into_response())
}

/// Loads a component to change, checking `If-Match` against its current ETag.
fn load_unchanged(tx: &Connection, id: &str, if_match: Option<&str>) -> Result<Component, Error> {
    let c = store::component_by_id(tx, id)?.ok_or_else(|| Error::NotFound("component".into()))?;
    check_if_match(if_match, &views::resource_etag(c.id.as_str(), c.revision))?;
    Ok(c)
}

/// The answer (and audit entry) for a stored component.
fn written(c: &Component, ctx: &WriteContext, status: StatusCode, action: &'static str) -> Written {
    Written {
        status,
        body: views::component(c, ctx.timezone),
        etag: Some(views::resource_etag(c.id.as_str(), c.revision)),
        action,
        target: Some(c.id.to_string()),
        secret: None,
    }
}

fn check_group(
    tx: &Connection,
    g: &str,
    errors: &mut FieldErrors,
) -> Result<Option<ComponentId>, Error> {
    let Some(id) = errors.check(ComponentId::parse(g, "group_id")) else {
        return Ok(None);
    };
    match store::component_by_id(tx, id.as_str())? {
        Some(c) if c.is_group => Ok(Some(id)),
        Some(_) => {
            errors.push("group_id", format!("`{g}` is not a group"));
            Ok(None)
        }
        None => {
            errors.push("group_id", format!("there is no group `{g}`"));
            Ok(None)
        }
    }
}

fn check_fallbacks(
    tx: &Connection,
    list: &[String],
    own: Option<&ComponentId>,
    errors: &mut FieldErrors,
) -> Result<Vec<ComponentId>, Error> {
    let mut out: Vec<ComponentId> = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let field = format!("fallbacks[{i}]");
        let Some(id) = errors.check(ComponentId::parse(f, &field)) else {
            continue;
        };
        match store::component_by_id(tx, id.as_str())? {
            _ if Some(&id) == own => errors.push(field, "a channel cannot be its own fallback"),
            Some(c) if c.is_group => {
                errors.push(field, format!("`{f}` is a group; name a payment channel"))
            }
            Some(_) if out.contains(&id) => {}
            Some(_) => out.push(id),
            None => errors.push(field, format!("there is no component `{f}`")),
        }
    }
    Ok(out)
}
