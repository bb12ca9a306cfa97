//! What `/incidents` and `/maintenances` accept, and how the OpenAPI document describes
//! it (`notice_read` turns it into the commands' input).

use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::json::present;
use super::openapi::{self as doc, IncidentStatus, MaintenanceStatus};
use crate::domain::{ComponentId, ComponentStatus, ImpactInput, InputTime, TextInput};

// ---- input -------------------------------------------------------------------------

/// Affected components: `{"card": "major_outage"}`, or for maintenances a plain list
/// of ids (they go under maintenance).
#[derive(Debug, Default)]
pub struct ComponentsInput {
    pub(super) items: Vec<(String, Option<String>)>,
    /// Sent as a list of ids (maintenances only), not as an object of statuses.
    pub(super) listed: bool,
}

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
                .map(|items| ComponentsInput {
                    items,
                    listed: false,
                }),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => Ok((s, None)),
                    _ => Err(D::Error::custom("component ids must be strings")),
                })
                .collect::<Result<_, _>>()
                .map(|items| ComponentsInput {
                    items,
                    listed: true,
                }),
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
    pub(super) component: String,
    pub(super) instructions: Option<TextInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIncident {
    pub(super) title: TextInput,
    /// The first update.
    pub(super) message: TextInput,
    /// `investigating` by default.
    #[schema(value_type = Option<IncidentStatus>)]
    pub(super) status: Option<String>,
    /// Follows the components' statuses unless given.
    pub(super) impact: Option<ImpactInput>,
    #[serde(default)]
    #[schema(value_type = ComponentStatuses)]
    pub(super) components: ComponentsInput,
    /// When it should be fixed; not in the past.
    pub(super) eta: Option<InputTime>,
    /// When the next update is promised; or use `next_update_in_minutes`, not both.
    pub(super) next_update_at: Option<InputTime>,
    /// Promise an update this often.
    #[schema(minimum = 1, maximum = 1440)]
    pub(super) next_update_in_minutes: Option<i64>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub(super) alternatives: Vec<AlternativeInput>,
    /// When it began, if before now.
    pub(super) started_at: Option<InputTime>,
    /// A draft is not public until patched with `draft: false`.
    #[serde(default)]
    pub(super) draft: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMaintenance {
    pub(super) title: TextInput,
    /// The first update.
    pub(super) message: TextInput,
    /// `scheduled` by default.
    #[schema(value_type = Option<MaintenanceStatus>)]
    pub(super) status: Option<String>,
    #[serde(default)]
    pub(super) components: ComponentsInput,
    pub(super) scheduled_for: InputTime,
    /// After `scheduled_for`.
    pub(super) scheduled_until: InputTime,
    /// Start and complete with the window (default true).
    pub(super) auto_transition: Option<bool>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub(super) alternatives: Vec<AlternativeInput>,
    /// A draft is not public until patched with `draft: false`.
    #[serde(default)]
    pub(super) draft: bool,
}

/// A timeline update. `status: "resolved"` resolves the incident and returns its
/// components to `operational` unless `components` says otherwise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PostIncidentUpdate)]
pub struct PostUpdate {
    pub(super) message: TextInput,
    #[schema(value_type = Option<IncidentStatus>)]
    pub(super) status: Option<String>,
    #[serde(default)]
    #[schema(value_type = ComponentStatuses)]
    pub(super) components: ComponentsInput,
    /// null clears it.
    #[serde(default, deserialize_with = "present")]
    pub(super) eta: Option<Option<InputTime>>,
    /// null clears it; or use `next_update_in_minutes`, not both.
    #[serde(default, deserialize_with = "present")]
    pub(super) next_update_at: Option<Option<InputTime>>,
    #[schema(minimum = 1, maximum = 1440)]
    pub(super) next_update_in_minutes: Option<i64>,
    /// Replaces the alternatives.
    #[schema(max_items = 10)]
    pub(super) alternatives: Option<Vec<AlternativeInput>>,
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
    pub(super) title: Option<TextInput>,
    /// null lets the impact follow the components again.
    #[serde(default, deserialize_with = "present")]
    pub(super) impact: Option<Option<ImpactInput>>,
    /// `false` publishes a draft; a published incident cannot become a draft.
    pub(super) draft: Option<bool>,
    /// null clears it.
    #[serde(default, deserialize_with = "present")]
    pub(super) eta: Option<Option<InputTime>>,
    /// null clears it; or use `next_update_in_minutes`, not both.
    #[serde(default, deserialize_with = "present")]
    pub(super) next_update_at: Option<Option<InputTime>>,
    #[schema(minimum = 1, maximum = 1440)]
    pub(super) next_update_in_minutes: Option<i64>,
    #[schema(max_items = 10)]
    pub(super) alternatives: Option<Vec<AlternativeInput>>,
    pub(super) started_at: Option<InputTime>,
    /// Only once resolved; moves the incident to `postmortem`.
    pub(super) postmortem: Option<TextInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchMaintenance {
    pub(super) title: Option<TextInput>,
    /// `false` publishes a draft; a published maintenance cannot become a draft.
    pub(super) draft: Option<bool>,
    /// Only before it starts.
    pub(super) scheduled_for: Option<InputTime>,
    pub(super) scheduled_until: Option<InputTime>,
    pub(super) auto_transition: Option<bool>,
    /// Only before it starts.
    pub(super) components: Option<ComponentsInput>,
    #[schema(max_items = 10)]
    pub(super) alternatives: Option<Vec<AlternativeInput>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,16}~[a-z0-9]{1,40}$")]
    pub(super) cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub(super) limit: Option<String>,
    /// Which to list (default `all`).
    #[param(value_type = Option<StatusFilter>, inline)]
    pub(super) status: Option<String>,
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
