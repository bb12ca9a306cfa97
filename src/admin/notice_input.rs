//! What `/incidents` and `/maintenances` accept, and how the OpenAPI document describes
//! it (`notice_read` turns it into the commands' input).

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::json::{present, whole_number};
use super::openapi as doc;
use super::query::{PageLimit, StatusFilter};
use crate::domain::{
    ComponentIdInput, ComponentStatus, ComponentStatusInput, ImpactInput, IncidentStatusInput,
    InputTime, MaintenanceStatusInput, TextInput,
};

// ---- input -------------------------------------------------------------------------

/// Affected components as sent: `{"card": "major_outage"}`, or for maintenances a plain
/// list of ids (they go under maintenance).
#[derive(Debug, Default)]
pub struct ComponentsInput {
    pub(super) items: Vec<(ComponentIdInput, Option<ComponentStatusInput>)>,
    /// Sent as a list of ids, not as an object of statuses.
    pub(super) listed: bool,
}

impl<'de> Deserialize<'de> for ComponentsInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ComponentsInput, D::Error> {
        d.deserialize_any(ComponentsVisitor)
    }
}

/// Reads the object or the list in place, so an error inside keeps its path.
struct ComponentsVisitor;

impl<'de> Visitor<'de> for ComponentsVisitor {
    type Value = ComponentsInput;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of component id to status, such as {\"card\": \"major_outage\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ComponentsInput, A::Error> {
        let mut items = Vec::new();
        while let Some((id, status)) = map.next_entry::<ComponentIdInput, ComponentStatusInput>()? {
            items.push((id, Some(status)));
        }
        Ok(ComponentsInput {
            items,
            listed: false,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ComponentsInput, A::Error> {
        let mut items = Vec::new();
        while let Some(id) = seq.next_element::<ComponentIdInput>()? {
            items.push((id, None));
        }
        Ok(ComponentsInput {
            items,
            listed: true,
        })
    }
}

/// What an incident accepts as `components`: ids with their status. A list is read (to
/// be refused with the request's other problems) but is not in the schema.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct ComponentStatuses(pub(super) ComponentsInput);

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
    #[serde(default)]
    #[schema(required = true)]
    pub(super) component: ComponentIdInput,
    pub(super) instructions: Option<TextInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIncident {
    #[serde(default)]
    #[schema(required = true)]
    pub(super) title: TextInput,
    /// The first update.
    #[serde(default)]
    #[schema(required = true)]
    pub(super) message: TextInput,
    /// `investigating` by default.
    pub(super) status: Option<IncidentStatusInput>,
    /// Follows the components' statuses unless given.
    pub(super) impact: Option<ImpactInput>,
    #[serde(default)]
    pub(super) components: ComponentStatuses,
    /// When it should be fixed; not in the past.
    pub(super) eta: Option<InputTime>,
    /// When the next update is promised; or use `next_update_in_minutes`, not both.
    pub(super) next_update_at: Option<InputTime>,
    /// Promise an update this often.
    #[serde(default, deserialize_with = "whole_number")]
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
    /// A drill, to rehearse the whole flow: it goes through its life like any incident,
    /// but is never public (not on the page, in the history, the feeds or `/api/v2`) and
    /// never changes a component's status. Fixed once made.
    #[serde(default)]
    pub(super) drill: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMaintenance {
    #[serde(default)]
    #[schema(required = true)]
    pub(super) title: TextInput,
    /// The first update.
    #[serde(default)]
    #[schema(required = true)]
    pub(super) message: TextInput,
    /// `scheduled` by default.
    pub(super) status: Option<MaintenanceStatusInput>,
    #[serde(default)]
    pub(super) components: ComponentsInput,
    #[serde(default)]
    #[schema(required = true)]
    pub(super) scheduled_for: InputTime,
    /// After `scheduled_for` (a rule between two fields, which the schema cannot state).
    #[serde(default)]
    #[schema(required = true)]
    pub(super) scheduled_until: InputTime,
    /// Start and complete with the window (default true).
    pub(super) auto_transition: Option<bool>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub(super) alternatives: Vec<AlternativeInput>,
    /// A draft is not public until patched with `draft: false`.
    #[serde(default)]
    pub(super) draft: bool,
    /// A drill, to rehearse the whole flow: it goes through its life like any maintenance
    /// (its window moves it too), but is never public (not on the page, in the history,
    /// the feeds or `/api/v2`) and never changes a component's status. Fixed once made.
    #[serde(default)]
    pub(super) drill: bool,
}

/// A timeline update. `status: "resolved"` resolves the incident and returns its
/// components to `operational` unless `components` says otherwise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostIncidentUpdate {
    #[serde(default)]
    #[schema(required = true)]
    pub(super) message: TextInput,
    pub(super) status: Option<IncidentStatusInput>,
    #[serde(default)]
    pub(super) components: ComponentStatuses,
    /// null clears it.
    #[serde(default, deserialize_with = "present")]
    pub(super) eta: Option<Option<InputTime>>,
    /// null clears it; or use `next_update_in_minutes`, not both.
    #[serde(default, deserialize_with = "present")]
    pub(super) next_update_at: Option<Option<InputTime>>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 1440)]
    pub(super) next_update_in_minutes: Option<i64>,
    /// Replaces the alternatives.
    #[schema(max_items = 10)]
    pub(super) alternatives: Option<Vec<AlternativeInput>>,
}

/// A timeline update of a maintenance: its statuses, components as a map or a list, and
/// no `eta` (the window says when it ends).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMaintenanceUpdate {
    #[serde(default)]
    #[schema(required = true)]
    pub(super) message: TextInput,
    pub(super) status: Option<MaintenanceStatusInput>,
    #[serde(default)]
    pub(super) components: ComponentsInput,
    /// Read only to be refused with a clearer word than "unknown field".
    #[serde(default, deserialize_with = "present")]
    #[schema(ignore)]
    pub(super) eta: Option<Option<InputTime>>,
    /// null clears it; or use `next_update_in_minutes`, not both.
    #[serde(default, deserialize_with = "present")]
    pub(super) next_update_at: Option<Option<InputTime>>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 1440)]
    pub(super) next_update_in_minutes: Option<i64>,
    /// Replaces the alternatives.
    #[schema(max_items = 10)]
    pub(super) alternatives: Option<Vec<AlternativeInput>>,
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
    /// Read only to be refused: whether it is a drill is fixed when it is made.
    #[serde(default, deserialize_with = "present")]
    #[schema(ignore)]
    pub(super) drill: Option<Option<bool>>,
    /// null clears it.
    #[serde(default, deserialize_with = "present")]
    pub(super) eta: Option<Option<InputTime>>,
    /// null clears it; or use `next_update_in_minutes`, not both.
    #[serde(default, deserialize_with = "present")]
    pub(super) next_update_at: Option<Option<InputTime>>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 1440)]
    pub(super) next_update_in_minutes: Option<i64>,
    #[schema(max_items = 10)]
    pub(super) alternatives: Option<Vec<AlternativeInput>>,
    /// A correction of when it began: not after it was first posted. The outage in the
    /// uptime history moves with it.
    pub(super) started_at: Option<InputTime>,
    /// A correction of when it ended (only once resolved): after it began and after the
    /// last update before the resolution. The outage's end moves with it.
    pub(super) resolved_at: Option<InputTime>,
    /// Only once resolved; moves the incident to `postmortem`.
    pub(super) postmortem: Option<TextInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchMaintenance {
    pub(super) title: Option<TextInput>,
    /// `false` publishes a draft; a published maintenance cannot become a draft.
    pub(super) draft: Option<bool>,
    /// Read only to be refused: whether it is a drill is fixed when it is made.
    #[serde(default, deserialize_with = "present")]
    #[schema(ignore)]
    pub(super) drill: Option<Option<bool>>,
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
    #[param(inline)]
    pub(super) limit: Option<PageLimit>,
    /// Which to list (default `all`).
    #[param(inline)]
    pub(super) status: Option<StatusFilter>,
}
