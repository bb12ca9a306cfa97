//! `/integrations`: monitoring's alerts in (Alertmanager's webhook, a generic status hook
//! for other monitors), the alerts as known, and the settings that turn alerts into
//! channel statuses.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::openapi as doc;
use super::views::{self, ApiTime};
use super::write::{Answer, if_match, json_response, write};
use crate::domain::{
    AlertSettings, AlertSignal, ComponentIdInput, ComponentStatus, ComponentStatusInput,
    FieldErrors, TemplateId, check_alert_status, parse_component_list,
};
use crate::error::Error;
use crate::service::alerts::{self, AlertOutcome, SETTINGS_ID};
use crate::service::{Ctx, Who, etag};
use crate::store::{self, AlertRecord, Reader};

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .routes(routes!(alertmanager))
        .routes(routes!(status_hook))
        .routes(routes!(list_alerts))
        .routes(routes!(show_settings, replace_settings))
}

// ---- Alertmanager -----------------------------------------------------------------------

/// Alertmanager's webhook payload, version 4. Fields it may add later are ignored; the
/// ones it has now but paystatus does not use are read only to refuse a wrong type, as
/// the schema says.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerPayload {
    /// The payload's version: `4`.
    #[serde(default)]
    #[schema(required = true, pattern = "^4$")]
    version: Option<String>,
    /// The group's alerts, each firing or resolved.
    #[serde(default)]
    #[schema(required = true)]
    alerts: Option<Vec<AlertmanagerAlert>>,
    receiver: Option<String>,
    status: Option<AlertState>,
    group_labels: Option<BTreeMap<String, String>>,
    common_labels: Option<BTreeMap<String, String>>,
    common_annotations: Option<BTreeMap<String, String>>,
    #[serde(rename = "externalURL")]
    #[schema(rename = "externalURL")]
    external_url: Option<String>,
    group_key: Option<String>,
    /// How many alerts Alertmanager left out (`max_alerts`).
    #[schema(minimum = 0)]
    truncated_alerts: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum AlertState {
    Firing,
    Resolved,
}

/// One alert. Labels: `paystatus_component` (one channel id, or several separated by
/// commas; required), `severity`, `alertname`. Annotations: `paystatus_status` (a status
/// instead of the severity's), `paystatus_template`, `paystatus_publish` (`"true"`),
/// `summary`.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerAlert {
    #[serde(default)]
    #[schema(required = true)]
    status: Option<AlertState>,
    #[serde(default)]
    #[schema(required = true)]
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
    /// Alertmanager's key for the alert: the same for every send of it.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 128)]
    fingerprint: Option<String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    #[serde(rename = "generatorURL")]
    #[schema(rename = "generatorURL")]
    generator_url: Option<String>,
}

impl AlertmanagerPayload {
    /// The alerts as signals, or every problem of the payload at once.
    fn read(self) -> Result<Vec<AlertSignal>, Error> {
        let mut errors = FieldErrors::default();
        match self.version.as_deref() {
            Some("4") => {}
            Some(v) => errors.push(
                "version",
                format!("version `{v}` of Alertmanager's payload is not read here; expected 4"),
            ),
            None => errors.push("version", "is required"),
        }
        if self.truncated_alerts.is_some_and(|n| n < 0) {
            errors.push("truncatedAlerts", "must be 0 or more");
        }
        let Some(alerts) = self.alerts else {
            errors.push("alerts", "is required");
            return Err(Error::Invalid(errors.0));
        };
        let mut signals = Vec::new();
        for (i, a) in alerts.into_iter().enumerate() {
            if let Some(s) = a.read(&format!("alerts[{i}]"), &mut errors) {
                signals.push(s);
            }
        }
        errors.into_result().map_err(Error::Invalid)?;
        Ok(signals)
    }
}

impl AlertmanagerAlert {
    fn read(self, at: &str, errors: &mut FieldErrors) -> Option<AlertSignal> {
        let state = self.status;
        if state.is_none() {
            errors.push(format!("{at}.status"), "is required");
        }
        let fingerprint = match self.fingerprint {
            Some(f) if visible(&f, 128) => Some(f),
            Some(_) => {
                errors.push(
                    format!("{at}.fingerprint"),
                    "must be 1 to 128 visible characters",
                );
                None
            }
            None => {
                errors.push(format!("{at}.fingerprint"), "is required");
                None
            }
        };
        let labels = self.labels.unwrap_or_else(|| {
            errors.push(format!("{at}.labels"), "is required");
            BTreeMap::new()
        });
        let component_field = format!("{at}.labels.paystatus_component");
        let components = match labels.get("paystatus_component") {
            Some(v) => errors.check(parse_component_list(v, &component_field)),
            None => {
                errors.push(
                    component_field.clone(),
                    "is required: name the payment channel(s) the alert is about, separated by commas",
                );
                None
            }
        };
        let annotations = self.annotations.unwrap_or_default();
        let note = |name: &str| format!("{at}.annotations.{name}");
        let status = annotations.get("paystatus_status").and_then(|s| {
            let field = note("paystatus_status");
            match ComponentStatus::parse(s.trim()) {
                Some(status) => errors
                    .check(check_alert_status(status, &field))
                    .map(|()| status),
                None => {
                    errors.push(
                        field,
                        format!(
                            "`{s}` is not a component status; use degraded_performance, partial_outage or major_outage"
                        ),
                    );
                    None
                }
            }
        });
        let template = annotations
            .get("paystatus_template")
            .and_then(|t| errors.check(TemplateId::parse(t.trim(), &note("paystatus_template"))));
        let publish = match annotations.get("paystatus_publish").map(|p| p.trim()) {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                errors.push(
                    note("paystatus_publish"),
                    format!("`{other}` is neither \"true\" nor \"false\""),
                );
                false
            }
        };
        let summary = annotations
            .get("summary")
            .or_else(|| annotations.get("description"))
            .map(|s| short(s));
        Some(AlertSignal {
            key: format!("alertmanager:{}", fingerprint?),
            source: "alertmanager".into(),
            name: labels
                .get("alertname")
                .map(|n| short(n))
                .unwrap_or_else(|| "alert".into()),
            firing: state? == AlertState::Firing,
            components: components?,
            status,
            severity: labels.get("severity").map(|s| s.trim().to_string()),
            summary,
            template,
            publish,
            field: component_field,
        })
    }
}

/// Receive Alertmanager's alerts
///
/// Alertmanager's webhook (payload version 4; point a `webhook_configs` entry here with
/// the key in `http_config.authorization.credentials`). A firing alert sets its channels'
/// public status at once and opens a draft incident (from the template its annotation
/// names, else the first incident template naming its channel) unless an open incident
/// already names its channels, which it is then linked to. A resolved alert lets its
/// channels go back unless another alert, an open incident, a maintenance or flapping
/// still holds them, and suggests a `monitoring` update to its incident. Alerts are keyed
/// by `fingerprint`: a repeat changes nothing. One unknown channel or template refuses
/// the whole request, with nothing changed. Scope: `automation`.
#[utoipa::path(
    post,
    path = "/integrations/alertmanager",
    operation_id = "receiveAlertmanagerAlerts",
    tag = "integrations",
    request_body(content = AlertmanagerPayload, content_type = "application/json"),
    security(("bearer" = ["automation"])),
    responses(
        (status = 200, description = "What each alert did", body = Received),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn alertmanager(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Automation>,
    body: JsonBody<AlertmanagerPayload>,
) -> Result<Response, Error> {
    let signals = body.value.read()?;
    receive(&state, Who::key(&actor.key), signals).await
}

// ---- the generic status hook ------------------------------------------------------------

/// A monitor's word on one channel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusReport {
    /// The payment channel.
    #[serde(default)]
    #[schema(required = true)]
    component: ComponentIdInput,
    /// `degraded_performance`, `partial_outage` or `major_outage`; required unless
    /// `resolved`.
    status: Option<ComponentStatusInput>,
    /// Who reports (`grafana`, `uptime-checker`): with the channel, the alert's key, so
    /// a repeat changes nothing and each source resolves only its own.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 60)]
    source: Option<String>,
    /// `true`: the problem is over.
    #[serde(default)]
    resolved: bool,
    /// A line for the operators (the audit log, the console).
    summary: Option<String>,
    /// The incident template to open a draft from, instead of the channel's.
    template: Option<String>,
    /// Publish the incident at once instead of leaving a draft.
    #[serde(default)]
    publish: bool,
}

impl StatusReport {
    fn read(self) -> Result<Vec<AlertSignal>, Error> {
        let mut errors = FieldErrors::default();
        let component = errors.check(self.component.known("component"));
        let status = match (&self.status, self.resolved) {
            (Some(s), _) => errors
                .check(s.known("status"))
                .and_then(|s| errors.check(check_alert_status(s, "status")).map(|()| s)),
            (None, false) => {
                errors.push("status", "is required unless `resolved` is true");
                None
            }
            (None, true) => None,
        };
        let source = match self.source {
            Some(s) if visible(s.trim(), 60) => Some(s.trim().to_string()),
            Some(_) => {
                errors.push("source", "must be 1 to 60 visible characters");
                None
            }
            None => {
                errors.push("source", "is required: name the monitor that reports");
                None
            }
        };
        let template = self
            .template
            .and_then(|t| errors.check(TemplateId::parse(t.trim(), "template")));
        errors.into_result().map_err(Error::Invalid)?;
        let (Some(component), Some(source)) = (component, source) else {
            return Err(Error::invalid("component", "is required"));
        };
        Ok(vec![AlertSignal {
            key: format!("status:{source}:{component}"),
            name: source.clone(),
            source,
            firing: !self.resolved,
            components: vec![component],
            status,
            severity: None,
            summary: self.summary.as_deref().map(short),
            template,
            publish: self.publish,
            field: "component".into(),
        }])
    }
}

/// Report a channel's status from a monitor
///
/// For monitors other than Alertmanager (Grafana alerting, uptime checkers, scripts):
/// the same rules as Alertmanager's alerts, one channel per request, keyed by `source`
/// and `component`. Scope: `automation`.
#[utoipa::path(
    post,
    path = "/integrations/status",
    operation_id = "reportComponentStatus",
    tag = "integrations",
    request_body(content = StatusReport, content_type = "application/json"),
    security(("bearer" = ["automation"])),
    responses(
        (status = 200, description = "What the report did", body = Received),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn status_hook(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Automation>,
    body: JsonBody<StatusReport>,
) -> Result<Response, Error> {
    let signals = body.value.read()?;
    receive(&state, Who::key(&actor.key), signals).await
}

async fn receive(state: &Admin, who: Who, signals: Vec<AlertSignal>) -> Result<Response, Error> {
    let outcomes = state
        .writer
        .run_audited(who, move |tx: &Transaction, ctx: &Ctx| {
            alerts::receive(tx, ctx, signals)
        })
        .await?;
    let received = Received {
        alerts: outcomes.iter().map(OutcomeView::new).collect(),
    };
    Ok(json_response(
        StatusCode::OK,
        &views::json(&received)?,
        None,
        false,
    ))
}

/// What a request's alerts did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Received {
    pub alerts: Vec<OutcomeView>,
}

/// What one alert did.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    /// `alertmanager:<fingerprint>` or `status:<source>:<component>`.
    pub key: String,
    pub name: String,
    pub firing: bool,
    /// A repeat of what was already known: nothing changed.
    pub repeat: bool,
    pub changes: Vec<ChangeView>,
    /// The incident it opened or was linked to.
    pub incident: Option<String>,
    /// Whether it opened that incident (else it was linked to an open one).
    pub opened: bool,
    /// Whether the incident it opened was published (`paystatus_publish`).
    pub published: bool,
    /// Flapping channels held at their worst status until they are stable.
    pub flapping: Vec<String>,
    /// The `monitoring` update suggested to the incident, for a person to post.
    pub proposed_update: Option<String>,
}

impl OutcomeView {
    fn new(o: &AlertOutcome) -> OutcomeView {
        OutcomeView {
            key: o.key.clone(),
            name: o.name.clone(),
            firing: o.firing,
            repeat: o.repeat,
            changes: o
                .changes
                .iter()
                .map(|c| ChangeView {
                    component: c.component.to_string(),
                    old: c.old,
                    new: c.new,
                })
                .collect(),
            incident: o.incident.clone(),
            opened: o.opened,
            published: o.published,
            flapping: o.damped.iter().map(ToString::to_string).collect(),
            proposed_update: o.proposal.clone(),
        }
    }
}

/// A channel's public status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    pub component: String,
    pub old: ComponentStatus,
    pub new: ComponentStatus,
}

// ---- alerts as known --------------------------------------------------------------------

/// Alerts known, firing first, and the channels held because they flap.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    pub alerts: Vec<AlertView>,
    pub flapping: Vec<FlappingView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    pub key: String,
    pub source: String,
    pub name: String,
    pub firing: bool,
    /// The status it holds its channels at while firing.
    pub status: ComponentStatus,
    pub components: Vec<String>,
    pub summary: Option<String>,
    pub incident: Option<String>,
    pub first_fired_at: ApiTime,
    pub fired_at: ApiTime,
    pub resolved_at: Option<ApiTime>,
}

impl AlertView {
    pub fn new(a: &AlertRecord, tz: chrono_tz::Tz) -> AlertView {
        AlertView {
            key: a.key.clone(),
            source: a.source.clone(),
            name: a.name.clone(),
            firing: a.firing,
            status: a.status,
            components: a.components.iter().map(ToString::to_string).collect(),
            summary: a.summary.clone(),
            incident: a.incident_id.clone(),
            first_fired_at: ApiTime::new(a.first_fired_at, tz),
            fired_at: ApiTime::new(a.fired_at, tz),
            resolved_at: ApiTime::maybe(a.resolved_at, tz),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlappingView {
    pub component: String,
    /// The worst status its alerts gave it in the window, which it is held at.
    pub status: ComponentStatus,
    pub since: ApiTime,
    pub last_flip_at: ApiTime,
}

/// List alerts
///
/// Firing alerts, then the 100 most recently resolved; and the channels held because
/// their alerts flap. Scope: `read`.
#[utoipa::path(
    get,
    path = "/integrations/alerts",
    operation_id = "listAlerts",
    tag = "integrations",
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "Alerts and flapping channels", body = AlertList),
        doc::Refused,
    ),
)]
async fn list_alerts(State(state): State<Admin>, _: Auth<scope::Read>) -> Result<Response, Error> {
    let (alerts, damped) = state
        .store
        .read(Reader::Operator, |tx| {
            Ok::<_, Error>((store::recent_alerts(tx, 100)?, store::all_damped(tx)?))
        })
        .await?;
    let tz = state.timezone;
    let list = AlertList {
        alerts: alerts.iter().map(|a| AlertView::new(a, tz)).collect(),
        flapping: damped
            .iter()
            .map(|d| FlappingView {
                component: d.component.to_string(),
                status: d.status,
                since: ApiTime::new(d.since, tz),
                last_flip_at: ApiTime::new(d.last_flip_at, tz),
            })
            .collect(),
    };
    Ok(json_response(
        StatusCode::OK,
        &views::json(&list)?,
        None,
        false,
    ))
}

// ---- settings ---------------------------------------------------------------------------

/// How alerts become channel statuses, and how flapping is damped.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertSettingsView {
    /// An alert's `severity` label and the status it gives its channels.
    severities: BTreeMap<String, ComponentStatus>,
    /// The status of an alert whose severity is not listed (or that has none).
    otherwise: ComponentStatus,
    flapping: FlappingSettings,
}

/// A channel whose alerts resolve more than `count` times within `window_minutes` keeps
/// its worst status until no alert has fired or resolved on it for `window_minutes`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlappingSettings {
    #[schema(minimum = 1, maximum = 100)]
    count: u32,
    #[schema(minimum = 1, maximum = 1440)]
    window_minutes: i64,
}

impl AlertSettingsView {
    fn new(s: &AlertSettings) -> AlertSettingsView {
        AlertSettingsView {
            severities: s.severities.clone(),
            otherwise: s.otherwise,
            flapping: FlappingSettings {
                count: s.flap_count,
                window_minutes: s.flap_window_minutes,
            },
        }
    }
}

/// The alert settings to keep, whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceAlertSettings {
    /// An alert's `severity` label and the status it gives its channels
    /// (`degraded_performance`, `partial_outage` or `major_outage`).
    #[serde(default)]
    #[schema(required = true)]
    severities: Option<BTreeMap<String, ComponentStatusInput>>,
    /// The status of an alert whose severity is not listed.
    #[serde(default)]
    #[schema(required = true)]
    otherwise: ComponentStatusInput,
    #[serde(default)]
    #[schema(required = true)]
    flapping: Option<FlappingSettings>,
}

impl ReplaceAlertSettings {
    /// The settings, or every problem at once: unknown statuses here, the settings' own
    /// rules (statuses an alert cannot set, counts out of range) on what could be read.
    fn read(self) -> Result<AlertSettings, Error> {
        let mut errors = FieldErrors::default();
        let mut severities = BTreeMap::new();
        if self.severities.is_none() {
            errors.push("severities", "is required");
        }
        for (severity, status) in self.severities.unwrap_or_default() {
            if let Some(s) = errors.check(status.known(&format!("severities.{severity}"))) {
                severities.insert(severity, s);
            }
        }
        let otherwise = errors.check(self.otherwise.known("otherwise"));
        if self.flapping.is_none() {
            errors.push("flapping", "is required");
        }
        let defaults = AlertSettings::default();
        let settings = AlertSettings {
            severities,
            otherwise: otherwise.unwrap_or(defaults.otherwise),
            flap_count: self
                .flapping
                .as_ref()
                .map_or(defaults.flap_count, |f| f.count),
            flap_window_minutes: self
                .flapping
                .as_ref()
                .map_or(defaults.flap_window_minutes, |f| f.window_minutes),
            updated_at: None,
            revision: 0,
        };
        if let Err(more) = settings.check() {
            errors.0.extend(more);
        }
        errors.into_result().map_err(Error::Invalid)?;
        Ok(settings)
    }
}

/// Read the alert settings
///
/// Scope: `read`.
#[utoipa::path(
    get,
    path = "/integrations/settings",
    operation_id = "getAlertSettings",
    tag = "integrations",
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The settings", body = AlertSettingsView,
            headers(("ETag" = String, description = "Send as `If-Match` to change them"))),
        doc::Refused,
    ),
)]
async fn show_settings(
    State(state): State<Admin>,
    _: Auth<scope::Read>,
) -> Result<Response, Error> {
    let s = state
        .store
        .read(Reader::Operator, |tx| {
            Ok::<_, Error>(store::alert_settings(tx)?)
        })
        .await?;
    settings_answer(&s).map(|a| json_response(a.status, &a.body, a.etag.as_deref(), false))
}

/// Change the alert settings
///
/// Replaces the severity mapping and the flapping rule. Alerts already firing keep the
/// status they were given until they fire again. Scope: `components`.
#[utoipa::path(
    put,
    path = "/integrations/settings",
    operation_id = "replaceAlertSettings",
    tag = "integrations",
    params(doc::IfMatch, doc::IdempotencyKey),
    request_body(content = ReplaceAlertSettings, content_type = "application/json"),
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "The new settings", body = AlertSettingsView,
            headers(("ETag" = String, description = "The new ETag"))),
        doc::Refused,
        doc::BadBody,
        doc::Stale,
    ),
)]
async fn replace_settings(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    headers: HeaderMap,
    body: JsonBody<ReplaceAlertSettings>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let seen = if_match(&headers);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        let settings = input.read()?;
        alerts::change_settings(tx, ctx, &seen, settings)
    };
    write(&state, actor, idem, command, settings_answer).await
}

fn settings_answer(s: &AlertSettings) -> Result<Answer, Error> {
    Ok(Answer::new(
        StatusCode::OK,
        views::json(&AlertSettingsView::new(s))?,
        Some(etag(SETTINGS_ID, s.revision)),
    ))
}

/// 1 to `max` characters, none of them control characters.
fn visible(s: &str, max: usize) -> bool {
    !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

/// A line of a monitor's words for the audit log and the console, at most 300 characters.
fn short(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}
