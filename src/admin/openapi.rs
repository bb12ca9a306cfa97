//! The OpenAPI document of the admin API, served at `/openapi.json`. Routes are registered
//! with `utoipa_axum::routes!`, which adds each handler to the router and its
//! `#[utoipa::path]` to the document in one step, so no route goes undocumented.
//! This module holds what the handlers' annotations refer to: schemas of the answers
//! (views.rs builds them as JSON), of hand-parsed input, headers and error responses.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref,
    RefOr, Required, ResponseBuilder,
};
use utoipa::{IntoParams, IntoResponses, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use crate::domain::Scope;
use crate::domain::{
    ComponentId, ComponentIdInput, ComponentStatus, ComponentStatusInput, Impact, ImpactInput,
    IncidentStatusInput, InputTime, Kind, MaintenanceStatusInput, ScopeInput, Status, StatusInput,
    TemplateId, TemplateIdInput, TemplateKind, TemplateKindInput, TextInput,
};
use crate::domain::{
    EventKind, EventKindInput, Lang, LangInput, WebhookFormat, WebhookFormatInput,
};
use crate::error::{Error, Problem};
use crate::store::StoreError;

/// Where `app::router` nests the admin API; the document's paths start with it.
/// tests/api/openapi.rs requests every documented path, so the two cannot drift apart.
const PREFIX: &str = "/api/admin/v1";

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The whole document: every route of `admin::routes()` under its full path.
pub fn document() -> OpenApi {
    // Error responses refer to `Problem` by name (see `problem`), so it is added here.
    let mut schemas = vec![(Problem::name().into_owned(), Problem::schema())];
    Problem::schemas(&mut schemas);
    let base = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("paystatus admin API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Write incidents, maintenances, components, notice templates, webhook \
                     endpoints and API keys. Every route \
                     except this document needs `Authorization: Bearer <key>`; each \
                     operation names the scope its key needs. Errors are \
                     `application/problem+json` (RFC 9457).",
                ))
                .build(),
        )
        .components(Some(
            ComponentsBuilder::new()
                .schemas_from_iter(schemas)
                .security_scheme(
                    "bearer",
                    SecurityScheme::Http(
                        HttpBuilder::new()
                            .scheme(HttpAuthScheme::Bearer)
                            .description(Some(
                                "An API key (`ps_…`) from `paystatus keys create` or \
                                 `POST /keys`. Scopes: read, incidents, components, keys, automation.",
                            ))
                            .build(),
                    ),
                )
                .build(),
        ))
        .tags(Some(
            [
                (
                    "components",
                    "The payment channel catalogue and channel status.",
                ),
                ("incidents", "Unplanned incidents and their timeline."),
                ("maintenances", "Announced maintenance windows."),
                (
                    "templates",
                    "Notice templates: the words a new notice starts from, with placeholders.",
                ),
                (
                    "webhooks",
                    "Endpoints sent every event they ask for, signed per Standard Webhooks.",
                ),
                (
                    "integrations",
                    "Monitoring's alerts (Alertmanager, a generic status hook) and how they become channel statuses.",
                ),
                ("keys", "API keys."),
                (
                    "subscribers",
                    "Email subscribers: list, export, import and remove.",
                ),
                ("audit", "Who did what, when."),
                ("meta", "This document."),
            ]
            .map(|(name, about)| {
                TagBuilder::new()
                    .name(name)
                    .description(Some(about))
                    .build()
            }),
        ))
        .build();
    OpenApiRouter::with_openapi(base)
        .nest(PREFIX, super::routes())
        .into_openapi()
}

/// The document as served: what utoipa writes, and the rules it cannot say.
fn document_json() -> Result<String, String> {
    let mut doc = serde_json::to_value(document()).map_err(|e| e.to_string())?;
    one_promise_at_a_time(&mut doc);
    serde_json::to_string(&doc).map_err(|e| e.to_string())
}

/// Request bodies that promise the next update take a time or an interval, not both:
/// such a schema also requires one of the two to be null or absent. (utoipa's object
/// schemas have no `anyOf` of their own, so it is added to the written document.)
fn one_promise_at_a_time(doc: &mut serde_json::Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        // Request bodies only: answers show both (the time and the rhythm behind it).
        let request = ["Create", "Post", "Patch"]
            .iter()
            .any(|prefix| name.starts_with(prefix));
        let promises = ["next_update_at", "next_update_in_minutes"]
            .iter()
            .all(|field| schema.pointer(&format!("/properties/{field}")).is_some());
        if request && promises {
            let null_or_absent =
                |field: &str| serde_json::json!({ "properties": { field: { "type": "null" } } });
            schema["anyOf"] = serde_json::json!([
                null_or_absent("next_update_at"),
                null_or_absent("next_update_in_minutes"),
            ]);
        }
    }
}

/// Written on first request; it only changes with the code. Writing cannot fail in
/// practice (every map key is a string); if it did, the answer would be a 500.
static DOCUMENT: LazyLock<Result<String, String>> = LazyLock::new(document_json);

/// This document (OpenAPI 3.1).
///
/// Needs no key: it describes the API, not any data.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenApi",
    tag = "meta",
    security(()),
    responses(
        (status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object),
    ),
)]
async fn openapi_json() -> Result<Response, Error> {
    let json = DOCUMENT.as_deref().map_err(|e| {
        Error::Store(StoreError::Task(format!(
            "the OpenAPI document could not be written: {e}"
        )))
    })?;
    let mut r = json.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

// ---- schemas of values parsed by hand --------------------------------------------------

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
}

impl PartialSchema for ComponentStatus {
    fn schema() -> RefOr<Schema> {
        string_enum(ComponentStatus::ALL.iter().map(|s| s.as_str()))
            .description(Some("A payment channel's status."))
            .into()
    }
}
impl ToSchema for ComponentStatus {}

impl PartialSchema for Impact {
    fn schema() -> RefOr<Schema> {
        string_enum(Impact::ALL.iter().map(|s| s.as_str()))
            .description(Some("How bad an incident is."))
            .into()
    }
}
impl ToSchema for Impact {}

impl PartialSchema for Status {
    fn schema() -> RefOr<Schema> {
        string_enum(Status::ALL.iter().map(|s| s.as_str()))
            .description(Some(
                "Status of an incident (investigating … postmortem) or a maintenance \
                 (scheduled … completed).",
            ))
            .into()
    }
}
impl ToSchema for Status {}

impl PartialSchema for Kind {
    fn schema() -> RefOr<Schema> {
        string_enum([Kind::Incident, Kind::Maintenance].map(Kind::as_str)).into()
    }
}
impl ToSchema for Kind {}

impl PartialSchema for Scope {
    fn schema() -> RefOr<Schema> {
        string_enum(Scope::ALL.map(Scope::as_str))
            .description(Some(
                "read: admin reads and the audit log; incidents: incidents, maintenances and \
                 channel status; components: the catalogue; keys: API keys.",
            ))
            .into()
    }
}
impl ToSchema for Scope {}

impl PartialSchema for TemplateKind {
    fn schema() -> RefOr<Schema> {
        string_enum(TemplateKind::ALL.iter().map(|k| k.as_str()))
            .description(Some(
                "What a template is for: opening an incident, announcing a maintenance, the \
                 update that closes either (`resolution`), or an incident's postmortem.",
            ))
            .into()
    }
}
impl ToSchema for TemplateKind {}

impl PartialSchema for EventKind {
    fn schema() -> RefOr<Schema> {
        string_enum(EventKind::ALL.map(EventKind::as_str))
            .description(Some("A kind of event a webhook endpoint may ask for."))
            .into()
    }
}
impl ToSchema for EventKind {}

impl PartialSchema for WebhookFormat {
    fn schema() -> RefOr<Schema> {
        string_enum(WebhookFormat::ALL.map(WebhookFormat::as_str))
            .description(Some(
                "standard: `{\"type\", \"timestamp\", \"data\"}` with `/api/v2`'s object; \
                 statuspage: what Statuspage sends; slack: `{\"text\"}` for Slack and \
                 Mattermost incoming webhooks.",
            ))
            .into()
    }
}
impl ToSchema for WebhookFormat {}

impl PartialSchema for Lang {
    fn schema() -> RefOr<Schema> {
        string_enum(Lang::ALL.map(Lang::code)).into()
    }
}
impl ToSchema for Lang {}

/// The status values an incident accepts.
pub enum IncidentStatus {}

impl PartialSchema for IncidentStatus {
    fn schema() -> RefOr<Schema> {
        status_of(Kind::Incident)
    }
}
impl ToSchema for IncidentStatus {}

/// The status values a maintenance accepts.
pub enum MaintenanceStatus {}

impl PartialSchema for MaintenanceStatus {
    fn schema() -> RefOr<Schema> {
        status_of(Kind::Maintenance)
    }
}
impl ToSchema for MaintenanceStatus {}

fn status_of(kind: Kind) -> RefOr<Schema> {
    string_enum(Status::accepted_for(kind).into_iter().map(Status::as_str)).into()
}

/// A component id, as `ComponentId::parse` accepts it.
pub fn component_id() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"))
        .description(Some(
            "A component id: 1–40 of a-z, 0-9 and -, no dash at either end.",
        ))
        .examples(["card"])
}

impl PartialSchema for ComponentId {
    fn schema() -> RefOr<Schema> {
        component_id().into()
    }
}
impl ToSchema for ComponentId {}

/// A template id, as `TemplateId::parse` accepts it: a component id's rules.
impl PartialSchema for TemplateId {
    fn schema() -> RefOr<Schema> {
        component_id()
            .description(Some(
                "A template id: 1–40 of a-z, 0-9 and -, no dash at either end.",
            ))
            .examples(["card-approval-delay"])
            .into()
    }
}
impl ToSchema for TemplateId {}

/// A value of a fixed set is described as the set: an unknown one is only kept to be
/// refused with the request's other problems.
macro_rules! described_as {
    ($($input:ty => $t:ty),+ $(,)?) => {$(
        impl PartialSchema for $input {
            fn schema() -> RefOr<Schema> {
                <$t>::schema()
            }
        }

        impl ToSchema for $input {
            fn name() -> std::borrow::Cow<'static, str> {
                <$t>::name()
            }
        }
    )+};
}

described_as!(
    ImpactInput => Impact,
    ComponentStatusInput => ComponentStatus,
    ScopeInput => Scope,
    IncidentStatusInput => IncidentStatus,
    MaintenanceStatusInput => MaintenanceStatus,
    ComponentIdInput => ComponentId,
    TemplateKindInput => TemplateKind,
    TemplateIdInput => TemplateId,
    StatusInput => Status,
    EventKindInput => EventKind,
    WebhookFormatInput => WebhookFormat,
    LangInput => Lang,
);

/// A time as `InputTime::read` accepts it.
impl PartialSchema for InputTime {
    fn schema() -> RefOr<Schema> {
        AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String).format(Some(
                SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime),
            )))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(concat!(
                        r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])",
                        r"(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?",
                        r"| ([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?)$",
                    ))),
            )
            .description(Some(
                "RFC 3339 (`2026-11-25T15:30:00+09:00`), or a local time in the page's time \
                 zone (`2026-11-25T15:30`).",
            ))
            .into()
    }
}
impl ToSchema for InputTime {
    fn name() -> std::borrow::Cow<'static, str> {
        "Time".into()
    }
}

/// One language's text: not empty, and no control characters but tab and line breaks
/// (the other rules — length by kind, one line for titles, something visible — are the
/// field's, and said in its description).
fn text_string() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .pattern(Some(NO_CONTROLS))
}

const NO_CONTROLS: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

impl PartialSchema for TextInput {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(text_string().description(Some("Text in the page's default language.")))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property("ko", text_string())
                    .required("ko")
                    .property(
                        "en",
                        // Empty English is taken as none (the Korean is shown).
                        ObjectBuilder::new()
                            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                            .pattern(Some(NO_CONTROLS)),
                    )
                    .additional_properties(Some(AdditionalProperties::FreeForm(false)))
                    .description(Some("Korean (required) and English text.")),
            )
            .description(Some(
                "Customer-facing text: a string, or `{\"ko\": \"…\", \"en\": \"…\"}`.",
            ))
            .into()
    }
}
impl ToSchema for TextInput {}

// ---- headers ----------------------------------------------------------------------------

/// `Idempotency-Key`: a repeated request with the same key gets the first answer again.
pub enum IdempotencyKey {}

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "1–255 visible ASCII characters. A retry with the same key and body gets \
                     the first answer again (with `Idempotent-Replayed: true`); the same key \
                     with a different body is refused with 422.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some("^[!-~]+$")),
                ))
                .build(),
        ]
    }
}

/// `If-Match`: the write happens only if the resource still has this ETag.
pub enum IfMatch {}

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The `ETag` from reading the resource, or `*`. A stale tag is refused \
                     with 412.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ]
    }
}

// ---- errors -----------------------------------------------------------------------------

fn problem(status: &str, description: &str) -> RefOr<utoipa::openapi::Response> {
    let mut r = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(Problem::name())))
            .build(),
    );
    if status == "401" {
        r = r.header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .build(),
        );
    }
    if status == "429" || status == "503" {
        r = r.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Seconds to wait before sending the request again."))
                .build(),
        );
    }
    r.into()
}

/// Sets of problem responses for `responses(...)`, named for what went wrong.
macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident { $($status:literal => $what:literal),+ $(,)? })+) => {$(
        $(#[$doc])*
        pub enum $name {}

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                BTreeMap::from([$(($status.to_string(), problem($status, $what))),+])
            }
        }
    )+};
}

problems! {
    /// Every route but this document's.
    Refused {
        "401" => "No key, an unknown key or a revoked key.",
        "403" => "The key lacks the scope this operation needs.",
        "429" => "Too many failed authentications from this client (or with this key): wait `Retry-After` seconds. A right key is never refused.",
        "503" => "The database refuses writes for now (locked, disk full, I/O error), or the request took longer than allowed: send it again after `Retry-After` seconds, with the same `Idempotency-Key`.",
    }
    /// Every route that reads a JSON body.
    BadBody {
        "400" => "The body is not JSON.",
        "415" => "The body is not sent as `application/json`.",
        "422" => "Invalid or unknown fields, or a refusal no schema can state: a promised time already past, `scheduled_until` not after `scheduled_for`, a change the notice's state forbids (a postmortem before resolving, a published notice made a draft, a window moved once it started), a component that no longer exists, a status the template's kind does not take, or an `Idempotency-Key` already used for another request; `errors` names each.",
    }
    /// Lists: a bad `limit`, `cursor`, `status` or `before`.
    BadQuery {
        "422" => "A query parameter is invalid; `errors` names it.",
    }
    NotFound {
        "404" => "There is no such resource.",
    }
    Conflict {
        "409" => "The request conflicts with what is stored.",
    }
    /// Routes that honour `If-Match`.
    Stale {
        "412" => "`If-Match` does not match the resource's current ETag.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_written_and_names_every_operation_once() {
        let doc = document();
        let json = doc.to_json().expect("the document serialises");
        assert!(json.contains("\"openapi\":\"3.1.0\""), "{json}");
        let mut ids = Vec::new();
        for item in doc.paths.paths.values() {
            for op in [&item.get, &item.put, &item.post, &item.patch, &item.delete]
                .into_iter()
                .flatten()
            {
                ids.push(op.operation_id.clone().expect("every operation has an id"));
            }
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(ids.len(), unique.len(), "operation ids repeat: {ids:?}");
    }
}
