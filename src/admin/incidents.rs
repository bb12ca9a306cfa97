//! `/incidents` and `/maintenances`: create, list, read, patch, and post timeline updates.
//! Both kinds share one aggregate (see `domain::Incident`); the routes differ in input.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Auth, scope};
use super::json::{JsonBody, present};
use super::openapi::{self as doc, IncidentStatus, MaintenanceStatus, Time};
use super::query::QueryParams;
use super::views;
use super::write::{WriteContext, Written, check_if_match, commit, if_match, json_response};
use crate::app::AppState;
use crate::domain::{
    AffectedComponent, Alternative, Catalog, ComponentId, ComponentStatus, FieldErrors, Impact,
    Incident, IncidentDraft, Kind, Lang, LocalizedText, MaintenanceWindow, NextUpdate, Status,
    TextInput, TextKind, UpdateDraft, new_id, parse_time,
};
use crate::error::Error;
use crate::store::{self, IncidentCursor, ListFilter, Reader};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_incidents, create_incident))
        .routes(routes!(show_incident, patch_incident))
        .routes(routes!(post_incident_update))
        .routes(routes!(list_maintenances, create_maintenance))
        .routes(routes!(show_maintenance, patch_maintenance))
        .routes(routes!(post_maintenance_update))
}

// ---- input -------------------------------------------------------------------------

/// Affected components: `{"card": "major_outage"}`, or for maintenances a plain list
/// of ids (they go under maintenance).
#[derive(Debug, Default)]
pub struct ComponentsInput(Vec<(String, Option<String>)>);

impl<'de> Deserialize<'de> for ComponentsInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ComponentsInput, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => Ok((k, Some(s))),
                    _ => Err(D::Error::custom(format!(
                        "the status of `{k}` must be a string"
                    ))),
                })
                .collect::<Result<_, _>>()
                .map(ComponentsInput),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => Ok((s, None)),
                    _ => Err(D::Error::custom("component ids must be strings")),
                })
                .collect::<Result<_, _>>()
                .map(ComponentsInput),
            _ => Err(D::Error::custom(
                "expected an object of component id to status, such as {\"card\": \"major_outage\"}",
            )),
        }
    }
}

/// The schema of what an incident accepts as `components`: ids with their status.
pub enum ComponentStatuses {}

impl PartialSchema for ComponentStatuses {
    fn schema() -> RefOr<Schema> {
        status_map().into()
    }
}
impl ToSchema for ComponentStatuses {}

fn status_map() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(doc::component_id()))
        .additional_properties(Some(ComponentStatus::schema()))
        .description(Some(
            "Component id to the status it has while this is active: `{\"card\": \"major_outage\"}`.",
        ))
}

/// What a maintenance accepts: the same map, or a list of ids (under maintenance).
impl PartialSchema for ComponentsInput {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(status_map())
            .item(
                ArrayBuilder::new()
                    .items(doc::component_id())
                    .description(Some("Component ids; each goes under maintenance.")),
            )
            .into()
    }
}
impl ToSchema for ComponentsInput {}

/// Another payment channel customers can use meanwhile.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlternativeInput {
    #[schema(value_type = ComponentId)]
    component: String,
    instructions: Option<TextInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIncident {
    title: TextInput,
    /// The first update.
    message: TextInput,
    /// `investigating` by default.
    #[schema(value_type = Option<IncidentStatus>)]
    status: Option<String>,
    /// Follows the components' statuses unless given.
    #[schema(value_type = Option<Impact>)]
    impact: Option<String>,
    #[serde(default)]
    #[schema(value_type = ComponentStatuses)]
    components: ComponentsInput,
    /// When it should be fixed; not in the past.
    #[schema(value_type = Option<Time>)]
    eta: Option<String>,
    /// When the next update is promised; or use `next_update_in_minutes`, not both.
    #[schema(value_type = Option<Time>)]
    next_update_at: Option<String>,
    /// Promise an update this often.
    #[schema(minimum = 1, maximum = 1440)]
    next_update_in_minutes: Option<i64>,
    #[serde(default)]
    #[schema(max_items = 10)]
    alternatives: Vec<AlternativeInput>,
    /// When it began, if before now.
    #[schema(value_type = Option<Time>)]
    started_at: Option<String>,
    /// A draft is not public until patched with `draft: false`.
    #[serde(default)]
    draft: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMaintenance {
    title: TextInput,
    /// The first update.
    message: TextInput,
    /// `scheduled` by default.
    #[schema(value_type = Option<MaintenanceStatus>)]
    status: Option<String>,
    #[serde(default)]
    components: ComponentsInput,
    #[schema(value_type = Time)]
    scheduled_for: String,
    /// After `scheduled_for`.
    #[schema(value_type = Time)]
    scheduled_until: String,
    /// Start and complete with the window (default true).
    auto_transition: Option<bool>,
    #[serde(default)]
    #[schema(max_items = 10)]
    alternatives: Vec<AlternativeInput>,
    /// A draft is not public until patched with `draft: false`.
    #[serde(default)]
    draft: bool,
}

/// A timeline update. `status: "resolved"` resolves the incident and returns its
/// components to `operational` unless `components` says otherwise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PostIncidentUpdate)]
pub struct PostUpdate {
    message: TextInput,
    #[schema(value_type = Option<IncidentStatus>)]
    status: Option<String>,
    #[serde(default)]
    #[schema(value_type = ComponentStatuses)]
    components: ComponentsInput,
    /// null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Time>)]
    eta: Option<Option<String>>,
    /// null clears it; or use `next_update_in_minutes`, not both.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Time>)]
    next_update_at: Option<Option<String>>,
    #[schema(minimum = 1, maximum = 1440)]
    next_update_in_minutes: Option<i64>,
    /// Replaces the alternatives.
    #[schema(max_items = 10)]
    alternatives: Option<Vec<AlternativeInput>>,
}

/// `PostUpdate` as `/maintenances/{id}/updates` takes it: maintenance statuses,
/// components as a map or a list, and no `eta` (the window says when it ends).
pub enum PostMaintenanceUpdate {}

impl PartialSchema for PostMaintenanceUpdate {
    fn schema() -> RefOr<Schema> {
        let mut schema = PostUpdate::schema();
        if let RefOr::T(Schema::Object(o)) = &mut schema {
            o.properties.remove("eta");
            o.properties.insert(
                "status".into(),
                OneOfBuilder::new()
                    .item(ObjectBuilder::new().schema_type(Type::Null))
                    .item(MaintenanceStatus::schema())
                    .into(),
            );
            o.properties
                .insert("components".into(), ComponentsInput::schema());
            o.description = Some("A timeline update of a maintenance.".into());
        }
        schema
    }
}

impl ToSchema for PostMaintenanceUpdate {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        PostUpdate::schemas(schemas);
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchIncident {
    title: Option<TextInput>,
    /// null lets the impact follow the components again.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Impact>)]
    impact: Option<Option<String>>,
    /// `false` publishes a draft; a published incident cannot become a draft.
    draft: Option<bool>,
    /// null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Time>)]
    eta: Option<Option<String>>,
    /// null clears it; or use `next_update_in_minutes`, not both.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Time>)]
    next_update_at: Option<Option<String>>,
    #[schema(minimum = 1, maximum = 1440)]
    next_update_in_minutes: Option<i64>,
    #[schema(max_items = 10)]
    alternatives: Option<Vec<AlternativeInput>>,
    #[schema(value_type = Option<Time>)]
    started_at: Option<String>,
    /// Only once resolved; moves the incident to `postmortem`.
    postmortem: Option<TextInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchMaintenance {
    title: Option<TextInput>,
    /// `false` publishes a draft; a published maintenance cannot become a draft.
    draft: Option<bool>,
    /// Only before it starts.
    #[schema(value_type = Option<Time>)]
    scheduled_for: Option<String>,
    #[schema(value_type = Option<Time>)]
    scheduled_until: Option<String>,
    auto_transition: Option<bool>,
    /// Only before it starts.
    components: Option<ComponentsInput>,
    #[schema(max_items = 10)]
    alternatives: Option<Vec<AlternativeInput>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// Which to list (default `all`).
    #[param(value_type = Option<StatusFilter>, inline)]
    status: Option<String>,
}

/// The `status` filter of a list.
pub enum StatusFilter {}

impl PartialSchema for StatusFilter {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["open", "closed", "all"]))
            .into()
    }
}
impl ToSchema for StatusFilter {}

/// Field parsing shared by every route here; collects all errors of a request.
struct Parser<'a> {
    errors: FieldErrors,
    lang: Lang,
    tz: Tz,
    now: DateTime<Utc>,
    catalog: &'a Catalog,
}

impl Parser<'_> {
    fn text(&mut self, input: &TextInput, kind: TextKind, field: &str) -> Option<LocalizedText> {
        self.errors
            .check(LocalizedText::parse(input, kind, self.lang, field))
    }

    fn time(&mut self, s: &str, field: &str) -> Option<DateTime<Utc>> {
        self.errors.check(parse_time(s, self.tz, field))
    }

    /// A time the customer is promised; it cannot lie in the past.
    fn future_time(&mut self, s: &str, field: &str) -> Option<DateTime<Utc>> {
        let t = self.time(s, field)?;
        // A minute of slack for clocks and typing.
        if t < self.now - Duration::minutes(1) {
            self.errors.push(field, "is in the past");
            return None;
        }
        Some(t)
    }

    fn status(&mut self, s: &str, kind: Kind) -> Option<Status> {
        match Status::parse(s) {
            Some(st) if st.kind() == kind => Some(st),
            _ => {
                self.errors.push(
                    "status",
                    format!(
                        "`{s}` is not a {} status; expected one of {}",
                        kind.as_str(),
                        Status::expected_for(kind)
                    ),
                );
                None
            }
        }
    }

    fn impact(&mut self, s: &str) -> Option<Impact> {
        let i = Impact::parse(s);
        if i.is_none() {
            self.errors.push(
                "impact",
                format!(
                    "`{s}` is not an impact; expected one of {}",
                    Impact::expected()
                ),
            );
        }
        i
    }

    fn components(&mut self, input: &ComponentsInput, kind: Kind) -> Vec<AffectedComponent> {
        let mut out: Vec<AffectedComponent> = Vec::new();
        for (id, status) in &input.0 {
            let field = format!("components.{id}");
            let Some(cid) = self.errors.check(ComponentId::parse(id, &field)) else {
                continue;
            };
            if self
                .errors
                .check(self.catalog.check_channel(&cid, &field))
                .is_none()
            {
                continue;
            }
            let status = match (status, kind) {
                (Some(s), _) => match ComponentStatus::parse(s) {
                    Some(st) => st,
                    None => {
                        self.errors.push(
                            &field,
                            format!(
                                "`{s}` is not a status; expected one of {}",
                                ComponentStatus::expected()
                            ),
                        );
                        continue;
                    }
                },
                (None, Kind::Maintenance) => ComponentStatus::UnderMaintenance,
                (None, Kind::Incident) => {
                    self.errors.push(
                        "components",
                        "give each component's status, such as {\"card\": \"major_outage\"}",
                    );
                    continue;
                }
            };
            if !out.iter().any(|c| c.id == cid) {
                out.push(AffectedComponent { id: cid, status });
            }
        }
        out
    }

    fn alternatives(&mut self, input: &[AlternativeInput]) -> Vec<Alternative> {
        let mut out: Vec<Alternative> = Vec::new();
        if input.len() > 10 {
            self.errors.push("alternatives", "at most 10 alternatives");
            return out;
        }
        for (i, a) in input.iter().enumerate() {
            let field = format!("alternatives[{i}].component");
            let Some(id) = self.errors.check(ComponentId::parse(&a.component, &field)) else {
                continue;
            };
            if self
                .errors
                .check(self.catalog.check_channel(&id, &field))
                .is_none()
            {
                continue;
            }
            let instructions = match &a.instructions {
                Some(t) => self.text(
                    t,
                    TextKind::Instructions,
                    &format!("alternatives[{i}].instructions"),
                ),
                None => None,
            };
            if !out.iter().any(|x| x.component == id) {
                out.push(Alternative {
                    component: id,
                    instructions,
                });
            }
        }
        out
    }

    fn next_update(
        &mut self,
        at: Option<Option<&str>>,
        minutes: Option<i64>,
    ) -> Option<Option<NextUpdate>> {
        match (at, minutes) {
            (Some(_), Some(_)) => {
                self.errors.push(
                    "next_update_in_minutes",
                    "give next_update_at or next_update_in_minutes, not both",
                );
                None
            }
            (None, Some(m)) if !(1..=1440).contains(&m) => {
                self.errors
                    .push("next_update_in_minutes", "must be between 1 and 1440");
                None
            }
            (None, Some(m)) => Some(Some(NextUpdate::Every(m))),
            (Some(Some(s)), None) => self
                .future_time(s, "next_update_at")
                .map(|t| Some(NextUpdate::At(t))),
            (Some(None), None) => Some(None),
            (None, None) => None,
        }
    }

    fn finish(self) -> Result<(), Error> {
        self.errors.into_result().map_err(Error::Invalid)
    }
}

fn parser<'a>(ctx: &WriteContext, catalog: &'a Catalog) -> Parser<'a> {
    Parser {
        errors: FieldErrors::default(),
        lang: ctx.default_lang,
        tz: ctx.timezone,
        now: ctx.now,
        catalog,
    }
}

// ---- reads -------------------------------------------------------------------------

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

async fn list(
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

async fn show(
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

fn load(tx: &Connection, id: &str, kind: Kind) -> Result<Incident, Error> {
    store::incident_by_id(tx, id)?
        .filter(|i| i.kind == kind)
        .ok_or_else(|| not_found(kind))
}

/// Loads a notice to change, checking `If-Match` against its current ETag.
fn load_unchanged(
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
fn saved(
    tx: &Connection,
    i: &Incident,
    changes: &[crate::domain::ComponentChange],
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

// ---- writes ------------------------------------------------------------------------

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

async fn post_update(
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
        if input.draft == Some(true) && !i.draft {
            p.errors
                .push("draft", "a published incident cannot become a draft again");
        }
        if postmortem.is_some() && !i.status.is_closed() {
            p.errors.push(
                "postmortem",
                "resolve the incident before publishing a postmortem",
            );
        }
        p.finish()?;

        let mut changes = Vec::new();
        if let Some(t) = title {
            i.title = t;
        }
        if let Some(imp) = impact {
            i.set_impact_override(imp, catalog.channel_count());
        }
        if let Some(e) = eta {
            i.set_eta(e, ctx.now);
        }
        if let Some(n) = next_update {
            i.set_next_update(n, ctx.now);
        }
        if let Some(a) = alternatives {
            i.alternatives = a;
        }
        if let Some(s) = started_at {
            i.started_at = s;
        }
        if input.draft == Some(false) {
            changes = i.publish(&catalog);
        }
        let mut action = "incident.patch";
        if let Some(pm) = postmortem {
            i.postmortem = Some(pm);
            if i.status != Status::Postmortem {
                let update = UpdateDraft {
                    status: Some(Status::Postmortem),
                    ..Default::default()
                };
                changes.extend(
                    i.post_update(update, new_id(), ctx.now, &catalog)
                        .map_err(|e| Error::invalid("postmortem", e.0))?,
                );
            }
            action = "incident.postmortem";
        }
        i.updated_at = ctx.now;
        i.revision += 1;
        saved(tx, &i, &changes, ctx, StatusCode::OK, action)
    })
    .await
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
        let scheduled = m.status == Status::Scheduled;
        if input.scheduled_for.is_some() && !scheduled {
            p.errors
                .push("scheduled_for", "the maintenance has already started");
        }
        if input.components.is_some() && !scheduled {
            p.errors.push(
                "components",
                "components can only change before the maintenance starts",
            );
        }
        if input.scheduled_until.is_some() && m.status.is_closed() {
            p.errors.push("scheduled_until", "the maintenance is over");
        }
        let starts = input
            .scheduled_for
            .as_deref()
            .and_then(|s| p.time(s, "scheduled_for"));
        let ends = input
            .scheduled_until
            .as_deref()
            .and_then(|s| p.time(s, "scheduled_until"));
        let window = match (m.window, starts, ends) {
            (Some(w), s, e) if s.is_some() || e.is_some() => p.errors.check(
                MaintenanceWindow::new(s.unwrap_or(w.starts), e.unwrap_or(w.ends)),
            ),
            _ => None,
        };
        let components = input
            .components
            .as_ref()
            .map(|c| p.components(c, Kind::Maintenance));
        let alternatives = input.alternatives.as_deref().map(|a| p.alternatives(a));
        if input.draft == Some(true) && !m.draft {
            p.errors.push(
                "draft",
                "a published maintenance cannot become a draft again",
            );
        }
        p.finish()?;
        if let Some(t) = title {
            m.title = t;
        }
        if let Some(w) = window {
            m.window = Some(w);
            m.started_at = w.starts;
        }
        if let Some(c) = components {
            m.components = c;
        }
        if let Some(a) = alternatives {
            m.alternatives = a;
        }
        if let Some(auto) = input.auto_transition {
            m.auto_transition = auto;
        }
        let mut changes = Vec::new();
        if input.draft == Some(false) {
            changes = m.publish(&catalog);
        }
        m.updated_at = ctx.now;
        m.revision += 1;
        // A window moved into the past starts (or completes) now.
        changes.extend(
            m.catch_up(ctx.now, &catalog)
                .map_err(|e| Error::invalid("status", e.0))?,
        );
        saved(tx, &m, &changes, ctx, StatusCode::OK, "maintenance.patch")
    })
    .await
}
