//! What the admin API answers, as typed views: each struct is both the JSON that is sent
//! and its schema in the OpenAPI document, so the two cannot drift apart. Times are in
//! the page's time zone with milliseconds.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

use super::notice_input::ComponentStatuses;
use crate::domain::{
    AffectedComponent, ApiKey, Applied, Component, ComponentId, ComponentStatus, Impact, Incident,
    Kind, LocalizedText, Scope, Status, Template, TemplateId, TemplateKind,
};
use crate::error::Error;
use crate::snapshot::api_time;
use crate::store::{AuditEntry, StoreError};

/// A time as the API writes it: RFC 3339 in the page's zone, with milliseconds.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct ApiTime(String);

impl ApiTime {
    pub fn new(t: DateTime<Utc>, tz: Tz) -> ApiTime {
        ApiTime(api_time(t, tz))
    }

    pub fn maybe(t: Option<DateTime<Utc>>, tz: Tz) -> Option<ApiTime> {
        t.map(|t| ApiTime::new(t, tz))
    }
}

impl PartialSchema for ApiTime {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}
impl ToSchema for ApiTime {}

/// Text in both languages; `en` is null when only Korean was given.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Text)]
pub struct TextView {
    ko: String,
    en: Option<String>,
}

impl From<&LocalizedText> for TextView {
    fn from(t: &LocalizedText) -> TextView {
        TextView {
            ko: t.ko.clone(),
            en: t.en.clone(),
        }
    }
}

/// A payment channel, or a group of them (`group: true`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Component)]
pub struct ComponentView {
    id: ComponentId,
    name: TextView,
    description: Option<TextView>,
    group: bool,
    group_id: Option<ComponentId>,
    position: i64,
    status: ComponentStatus,
    fallbacks: Vec<ComponentId>,
    created_at: ApiTime,
    updated_at: ApiTime,
}

impl ComponentView {
    pub fn new(c: &Component, tz: Tz) -> ComponentView {
        ComponentView {
            id: c.id.clone(),
            name: (&c.name).into(),
            description: c.description.as_ref().map(Into::into),
            group: c.is_group,
            group_id: c.group_id.clone(),
            position: c.position,
            status: c.status,
            fallbacks: c.fallbacks.clone(),
            created_at: ApiTime::new(c.created_at, tz),
            updated_at: ApiTime::new(c.updated_at, tz),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AffectedComponent)]
pub struct AffectedView {
    id: ComponentId,
    status: ComponentStatus,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Alternative)]
pub struct AlternativeView {
    component: ComponentId,
    instructions: Option<TextView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = EtaRevision)]
pub struct EtaRevisionView {
    eta: Option<ApiTime>,
    previous: Option<ApiTime>,
    revised_at: ApiTime,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ComponentChange)]
pub struct ChangeView {
    component: ComponentId,
    old_status: ComponentStatus,
    new_status: ComponentStatus,
}

/// One entry of the timeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Update)]
pub struct UpdateView {
    id: String,
    status: Status,
    message: TextView,
    created_at: ApiTime,
    eta: Option<ApiTime>,
    next_update_at: Option<ApiTime>,
    component_changes: Vec<ChangeView>,
}

/// An incident with its whole timeline (newest update first).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Incident)]
pub struct IncidentView {
    id: String,
    kind: Kind,
    /// The incident's public page.
    url: String,
    title: TextView,
    status: Status,
    impact: Impact,
    /// The impact the operator chose; null when it follows the components.
    impact_override: Option<Impact>,
    draft: bool,
    /// A rehearsal: never public, and never changes a component's status.
    drill: bool,
    components: Vec<AffectedView>,
    alternatives: Vec<AlternativeView>,
    eta: Option<ApiTime>,
    eta_revisions: Vec<EtaRevisionView>,
    next_update_at: Option<ApiTime>,
    next_update_in_minutes: Option<i64>,
    postmortem: Option<TextView>,
    started_at: ApiTime,
    monitoring_at: Option<ApiTime>,
    resolved_at: Option<ApiTime>,
    created_at: ApiTime,
    updated_at: ApiTime,
    updates: Vec<UpdateView>,
}

impl IncidentView {
    pub fn new(i: &Incident, tz: Tz, base_url: &str) -> IncidentView {
        let time = |t| ApiTime::new(t, tz);
        let maybe = |t| ApiTime::maybe(t, tz);
        IncidentView {
            id: i.id.clone(),
            kind: i.kind,
            url: format!("{base_url}/incidents/{}", i.id),
            title: (&i.title).into(),
            status: i.status,
            impact: i.impact,
            impact_override: i.impact_override,
            draft: i.draft,
            drill: i.drill,
            components: i
                .components
                .iter()
                .map(|c| AffectedView {
                    id: c.id.clone(),
                    status: c.status,
                })
                .collect(),
            alternatives: i
                .alternatives
                .iter()
                .map(|a| AlternativeView {
                    component: a.component.clone(),
                    instructions: a.instructions.as_ref().map(Into::into),
                })
                .collect(),
            eta: maybe(i.eta),
            eta_revisions: i
                .eta_revisions
                .iter()
                .map(|r| EtaRevisionView {
                    eta: maybe(r.eta),
                    previous: maybe(r.previous),
                    revised_at: time(r.revised_at),
                })
                .collect(),
            next_update_at: maybe(i.next_update_at),
            next_update_in_minutes: i.update_interval_minutes,
            postmortem: i.postmortem.as_ref().map(Into::into),
            started_at: time(i.started_at),
            monitoring_at: maybe(i.monitoring_at),
            resolved_at: maybe(i.resolved_at),
            created_at: time(i.created_at),
            updated_at: time(i.updated_at),
            updates: i
                .updates
                .iter()
                .rev()
                .map(|u| UpdateView {
                    id: u.id.clone(),
                    status: u.status,
                    message: (&u.message).into(),
                    created_at: time(u.created_at),
                    eta: maybe(u.eta),
                    next_update_at: maybe(u.next_update_at),
                    component_changes: u
                        .changes
                        .iter()
                        .map(|c| ChangeView {
                            component: c.component.clone(),
                            old_status: c.old,
                            new_status: c.new,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A maintenance: an incident's fields and its window.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Maintenance)]
pub struct MaintenanceView {
    #[serde(flatten)]
    notice: IncidentView,
    scheduled_for: Option<ApiTime>,
    scheduled_until: Option<ApiTime>,
    auto_transition: bool,
}

impl MaintenanceView {
    pub fn new(m: &Incident, tz: Tz, base_url: &str) -> MaintenanceView {
        MaintenanceView {
            notice: IncidentView::new(m, tz, base_url),
            scheduled_for: ApiTime::maybe(m.window.map(|w| w.starts), tz),
            scheduled_until: ApiTime::maybe(m.window.map(|w| w.ends), tz),
            auto_transition: m.auto_transition,
        }
    }
}

/// A notice as its own routes show it: an incident, or a maintenance with its window.
pub fn notice(i: &Incident, tz: Tz, base_url: &str) -> Result<Value, Error> {
    match i.kind {
        Kind::Incident => json(&IncidentView::new(i, tz, base_url)),
        Kind::Maintenance => json(&MaintenanceView::new(i, tz, base_url)),
    }
}

/// A page of notices of `kind`, as their list route shows them.
pub fn notice_list(
    kind: Kind,
    items: &[Incident],
    next_cursor: Option<String>,
    tz: Tz,
    base_url: &str,
) -> Result<Value, Error> {
    match kind {
        Kind::Incident => json(&IncidentList::new(
            items
                .iter()
                .map(|i| IncidentView::new(i, tz, base_url))
                .collect(),
            next_cursor,
        )),
        Kind::Maintenance => json(&MaintenanceList::new(
            items
                .iter()
                .map(|i| MaintenanceView::new(i, tz, base_url))
                .collect(),
            next_cursor,
        )),
    }
}

/// Channels with the status each gets, as writers send them: `{"card": "major_outage"}`;
/// described by the schema of what writers send.
#[derive(Debug)]
pub struct StatusMap(Vec<(ComponentId, ComponentStatus)>);

impl utoipa::PartialSchema for StatusMap {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ComponentStatuses::schema()
    }
}

impl utoipa::ToSchema for StatusMap {
    fn name() -> std::borrow::Cow<'static, str> {
        ComponentStatuses::name()
    }
}

impl From<&[AffectedComponent]> for StatusMap {
    fn from(components: &[AffectedComponent]) -> StatusMap {
        StatusMap(
            components
                .iter()
                .map(|c| (c.id.clone(), c.status))
                .collect(),
        )
    }
}

impl Serialize for StatusMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(id, status)| (id.as_str(), status)))
    }
}

/// A notice template. `{channels}`, `{eta}`, `{alternatives}` and (in the message)
/// `{title}` are filled in when it is applied.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Template)]
pub struct TemplateView {
    id: TemplateId,
    kind: TemplateKind,
    /// What operators call it; customers never see it.
    name: TextView,
    title: TextView,
    message: TextView,
    /// Null leaves the default status of what is written with it.
    status: Option<Status>,
    components: StatusMap,
    next_update_in_minutes: Option<i64>,
    created_at: ApiTime,
    updated_at: ApiTime,
}

impl TemplateView {
    pub fn new(t: &Template, tz: Tz) -> TemplateView {
        TemplateView {
            id: t.id.clone(),
            kind: t.kind,
            name: (&t.name).into(),
            title: (&t.title).into(),
            message: (&t.message).into(),
            status: t.status,
            components: t.components.as_slice().into(),
            next_update_in_minutes: t.next_update_minutes,
            created_at: ApiTime::new(t.created_at, tz),
            updated_at: ApiTime::new(t.updated_at, tz),
        }
    }
}

/// A template filled in: what a new notice's form starts from. English is null where
/// the template has none.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AppliedTemplate)]
pub struct AppliedView {
    template: TemplateId,
    kind: TemplateKind,
    title: TextView,
    message: TextView,
    status: Option<Status>,
    /// In page order; channels deleted since the template was saved are left out.
    components: StatusMap,
    /// Working channels to suggest instead, as `{alternatives}` named them.
    alternatives: Vec<ComponentId>,
    eta: Option<ApiTime>,
    next_update_in_minutes: Option<i64>,
}

impl AppliedView {
    pub fn new(a: &Applied, tz: Tz) -> AppliedView {
        AppliedView {
            template: a.template.clone(),
            kind: a.kind,
            title: (&a.title).into(),
            message: (&a.message).into(),
            status: a.status,
            components: a.components.as_slice().into(),
            alternatives: a.alternatives.clone(),
            eta: ApiTime::maybe(a.eta, tz),
            next_update_in_minutes: a.next_update_minutes,
        }
    }
}

/// An API key (never the secret itself, except once on creation).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Key)]
pub struct KeyView {
    id: String,
    name: String,
    scopes: Vec<Scope>,
    created_at: ApiTime,
    last_used_at: Option<ApiTime>,
    revoked_at: Option<ApiTime>,
}

impl KeyView {
    pub fn new(k: &ApiKey, tz: Tz) -> KeyView {
        KeyView {
            id: k.id.clone(),
            name: k.name.clone(),
            scopes: k.scopes.clone(),
            created_at: ApiTime::new(k.created_at, tz),
            last_used_at: ApiTime::maybe(k.last_used_at, tz),
            revoked_at: ApiTime::maybe(k.revoked_at, tz),
        }
    }
}

/// A key just made, with its secret: the only time it is shown. A replay of the same
/// request (same `Idempotency-Key`) answers without the secret, which is never kept,
/// and says so in `key_shown_once`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NewKey)]
pub struct NewKeyView {
    #[serde(flatten)]
    info: KeyView,
    /// The secret, `ps_` and 40 characters. Store it now. Null in a replay.
    #[serde(rename = "key")]
    secret: Option<String>,
    /// Null, except in a replay: then it says the key was shown once and is not kept.
    key_shown_once: Option<String>,
}

impl NewKeyView {
    pub fn new(k: &ApiKey, secret: &str, tz: Tz) -> NewKeyView {
        NewKeyView {
            info: KeyView::new(k, tz),
            secret: Some(secret.to_string()),
            key_shown_once: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuditEntry)]
pub struct AuditEntryView {
    id: i64,
    at: ApiTime,
    /// The key that acted; null for the command line and the clock.
    key_id: Option<String>,
    /// The key's name, `cli` or `system`.
    actor: String,
    /// Such as `incident.create`.
    action: String,
    /// Such as an incident id.
    target: Option<String>,
    /// The fields that say what changed.
    #[schema(value_type = Option<Object>)]
    detail: Option<Value>,
}

impl AuditEntryView {
    pub fn new(e: &AuditEntry, tz: Tz) -> AuditEntryView {
        AuditEntryView {
            id: e.id,
            at: ApiTime::new(e.at, tz),
            key_id: e.key_id.clone(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            detail: e.detail.clone(),
        }
    }
}

macro_rules! list {
    ($(#[$doc:meta])* $name:ident of $item:ty, $cursor:literal) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            items: Vec<$item>,
            #[doc = $cursor]
            next_cursor: Option<String>,
        }

        impl $name {
            pub fn new(items: Vec<$item>, next_cursor: Option<String>) -> $name {
                $name { items, next_cursor }
            }
        }
    };
}

pub(super) use list;

list!(ComponentList of ComponentView, "Always null: the list is complete.");
list!(IncidentList of IncidentView, "Pass as `cursor` for the next page; null on the last page.");
list!(MaintenanceList of MaintenanceView, "Pass as `cursor` for the next page; null on the last page.");
list!(KeyList of KeyView, "Always null: the list is complete.");
list!(TemplateList of TemplateView, "Always null: the list is complete.");
list!(AuditPage of AuditEntryView, "Pass as `before` for older entries; null on the last page.");

/// A view as the JSON value answers and saved replays hold.
pub fn json(view: &impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(view)
        .map_err(|e| Error::Store(StoreError::Encode(format!("an admin answer as JSON: {e}"))))
}

/// An email subscriber: the address and its choices, nothing more.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriberView {
    id: String,
    email: String,
    /// `ko` or `en`.
    lang: String,
    /// The channels followed; null: everything.
    components: Option<Vec<String>>,
    created_at: ApiTime,
    /// Null until the address confirmed (unconfirmed ones are deleted after 48 hours).
    confirmed_at: Option<ApiTime>,
}

impl SubscriberView {
    pub fn new(s: &crate::domain::Subscriber, tz: Tz) -> SubscriberView {
        SubscriberView {
            id: s.id.clone(),
            email: s.email.clone(),
            lang: s.lang.code().to_string(),
            components: s
                .components
                .as_ref()
                .map(|c| c.iter().map(|id| id.as_str().to_string()).collect()),
            created_at: ApiTime::new(s.created_at, tz),
            confirmed_at: ApiTime::maybe(s.confirmed_at, tz),
        }
    }
}

list!(SubscriberPage of SubscriberView, "Pass as `after` for the next page; null on the last page.");

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedView {
    /// Addresses added, confirmed.
    pub added: usize,
    /// Addresses already subscribed, left as they were.
    pub existing: usize,
}
