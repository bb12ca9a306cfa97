//! The public JSON documents, shaped exactly like the Statuspage v2 API (every key always
//! present, same types and enum values, updates newest first, times with milliseconds and
//! the page zone's offset). Our additions — `eta`, `next_update_at`, `alternatives` — are
//! extra keys. `?lang=en` selects English text.

use std::sync::Arc;

use serde_json::{Value, json};

use super::fragments::{self, Fragments};
use super::model::ReadModel;
use super::uptime;
use super::{CachePolicy, Doc, DocBuilder, Serving, Settings, api_time};
use crate::domain::texts::{texts, uptime_texts};
use crate::domain::uptime::PARTIAL_WEIGHT;
use crate::domain::{Component, Incident, Kind, Lang};

pub const JSON: &str = "application/json; charset=utf-8";

/// The stable page id in every document.
const PAGE_ID: &str = "paystatus";

struct Api<'a> {
    model: &'a ReadModel,
    settings: &'a Settings,
    lang: Lang,
    fragments: &'a Fragments<'a>,
}

impl Api<'_> {
    fn time(&self, t: chrono::DateTime<chrono::Utc>) -> Value {
        Value::String(api_time(t, self.settings.timezone))
    }

    fn opt_time(&self, t: Option<chrono::DateTime<chrono::Utc>>) -> Value {
        t.map(|t| self.time(t)).unwrap_or(Value::Null)
    }

    fn page(&self) -> Value {
        json!({
            "id": PAGE_ID,
            "name": self.settings.site_name,
            "url": self.settings.base_url,
            "time_zone": self.settings.timezone.name(),
            "updated_at": self.time(self.model.last_modified),
            // Ours: the language of this document's texts.
            "language": self.lang.code(),
        })
    }

    fn status(&self) -> Value {
        let indicator = self.model.indicator();
        let description = match self.lang {
            Lang::Ko => texts(Lang::Ko).banner(indicator),
            Lang::En => indicator.description(),
        };
        json!({ "indicator": indicator, "description": description })
    }

    fn component(&self, c: &Component) -> Value {
        let mut v = json!({
            "id": c.id,
            "name": c.name.get(self.lang),
            "status": self.model.status_of(c),
            "created_at": self.time(c.created_at),
            "updated_at": self.time(c.updated_at),
            "position": c.position,
            "description": c.description.as_ref().map(|d| d.get(self.lang)),
            "showcase": !c.is_group,
            "start_date": Value::Null,
            "group_id": c.group_id,
            "page_id": PAGE_ID,
            "group": c.is_group,
            "only_show_if_degraded": false,
        });
        if c.is_group {
            v["components"] = json!(
                self.model
                    .members(&c.id)
                    .map(|m| m.id.as_str())
                    .collect::<Vec<_>>()
            );
        }
        v
    }

    fn components(&self) -> Value {
        Value::Array(
            self.model
                .components
                .iter()
                .map(|c| self.component(c))
                .collect(),
        )
    }

    fn incident(&self, i: &Incident) -> Value {
        let updates: Vec<Value> = i
            .updates
            .iter()
            .rev()
            .map(|u| {
                let affected: Vec<Value> = u
                    .changes
                    .iter()
                    .map(|c| {
                        json!({
                            "code": c.component,
                            "name": self.model.name(&c.component, self.lang),
                            "old_status": c.old,
                            "new_status": c.new,
                        })
                    })
                    .collect();
                json!({
                    "id": u.id,
                    "status": u.status,
                    "body": u.message.get(self.lang),
                    "incident_id": i.id,
                    "created_at": self.time(u.created_at),
                    "updated_at": self.time(u.created_at),
                    "display_at": self.time(u.created_at),
                    "affected_components": if affected.is_empty() { Value::Null } else { Value::Array(affected) },
                    "deliver_notifications": true,
                    "custom_tweet": Value::Null,
                    "tweet_id": Value::Null,
                })
            })
            .collect();
        let components: Vec<Value> = i
            .components
            .iter()
            .filter_map(|a| self.model.component(&a.id))
            .map(|c| self.component(c))
            .collect();
        let open = !i.status.is_closed();
        let alternatives: Vec<Value> = if open {
            self.model
                .suggestions(i)
                .into_iter()
                .map(|s| {
                    json!({
                        "id": s.component,
                        "name": self.model.name(s.component, self.lang),
                        "status": s.status,
                        "instructions": s.instructions.map(|t| t.get(self.lang)),
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let impact = match i.kind {
            Kind::Maintenance => "maintenance",
            Kind::Incident => i.impact.as_str(),
        };
        let mut v = json!({
            "id": i.id,
            "name": i.title.get(self.lang),
            "status": i.status,
            "created_at": self.time(i.created_at),
            "updated_at": self.time(i.updated_at),
            "monitoring_at": self.opt_time(i.monitoring_at),
            "resolved_at": self.opt_time(i.resolved_at),
            "impact": impact,
            "shortlink": format!("{}/incidents/{}", self.settings.base_url, i.id),
            "started_at": self.time(i.started_at),
            "page_id": PAGE_ID,
            "incident_updates": updates,
            "components": components,
            "reminder_intervals": Value::Null,
            "eta": self.opt_time(i.eta.filter(|_| open)),
            "next_update_at": self.opt_time(i.next_update_at.filter(|_| open)),
            "alternatives": alternatives,
        });
        if i.kind == Kind::Maintenance {
            v["scheduled_for"] = self.opt_time(i.window.map(|w| w.starts));
            v["scheduled_until"] = self.opt_time(i.window.map(|w| w.ends));
        }
        v
    }

    /// A notice's object, as JSON text (from an earlier build when it did not change).
    fn incident_json(&self, i: &Incident) -> Arc<str> {
        self.fragments.get(fragments::Kind::ApiObject, i, || {
            self.incident(i).to_string()
        })
    }

    /// A JSON array of the notices' objects.
    fn list<'n>(&self, notices: impl Iterator<Item = &'n Incident>) -> String {
        let mut out = String::from("[");
        for (n, i) in notices.enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&self.incident_json(i));
        }
        out.push(']');
        out
    }
}

impl Api<'_> {
    /// Ours, not the reference API's: `period` (its days, start and end, and how uptime
    /// is counted) and `components` (each channel's and group's figures, day by day).
    fn uptime(&self) -> (String, String) {
        let u = &self.model.uptime;
        let period = json!({
            "days": u.period.days.len(),
            "start": self.time(u.period.start()),
            "end": self.time(u.period.now),
            "time_zone": self.settings.timezone.name(),
            // How much of a minute in each status counts as down; null: not counted.
            "down_weights": {
                "operational": 0.0,
                "degraded_performance": 0.0,
                "partial_outage": PARTIAL_WEIGHT,
                "major_outage": 1.0,
                "under_maintenance": Value::Null,
            },
            "description": uptime_texts(self.lang).how,
        });
        let components = uptime::components_json(u, &self.model.components, self.lang, |c| {
            c.name.get(self.lang).to_string()
        });
        (period.to_string(), components)
    }
}

/// A JSON object of already serialized values, in the given order. Keys are ours (plain
/// identifiers), so they need no escaping.
fn object(fields: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(
        fields
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum::<usize>()
            + 2,
    );
    out.push('{');
    for (n, (key, value)) in fields.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(key);
        out.push_str("\":");
        out.push_str(value);
    }
    out.push('}');
    out
}

/// Every `/api/v2` document for one language.
pub fn documents(
    model: &ReadModel,
    settings: &Settings,
    lang: Lang,
    builder: &DocBuilder,
    fragments: &Fragments,
) -> Vec<(&'static str, Arc<Doc>)> {
    let api = Api {
        model,
        settings,
        lang,
        fragments,
    };
    let m = model;
    let page = api.page().to_string();
    let status = api.status().to_string();
    let components = api.components().to_string();
    let open = api.list(m.notices_in(&m.open_incidents));
    let active = api.list(m.notices_in(&m.active_maintenances));
    let upcoming = api.list(m.notices_in(&m.upcoming_maintenances));
    let maintenances_open = api.list(
        m.notices_in(&m.active_maintenances)
            .chain(m.notices_in(&m.upcoming_maintenances)),
    );
    let uptime = api.uptime();
    let docs = [
        (
            "/api/v2/uptime.json",
            object(&[
                ("page", &page),
                ("period", &uptime.0),
                ("components", &uptime.1),
            ]),
        ),
        (
            "/api/v2/summary.json",
            object(&[
                ("page", &page),
                ("components", &components),
                ("incidents", &open),
                ("scheduled_maintenances", &maintenances_open),
                ("status", &status),
            ]),
        ),
        (
            "/api/v2/status.json",
            object(&[("page", &page), ("status", &status)]),
        ),
        (
            "/api/v2/components.json",
            object(&[("page", &page), ("components", &components)]),
        ),
        (
            "/api/v2/incidents.json",
            object(&[
                ("page", &page),
                ("incidents", &api.list(m.notices_in(&m.recent_incidents))),
            ]),
        ),
        (
            "/api/v2/incidents/unresolved.json",
            object(&[("page", &page), ("incidents", &open)]),
        ),
        (
            "/api/v2/scheduled-maintenances.json",
            object(&[
                ("page", &page),
                (
                    "scheduled_maintenances",
                    &api.list(m.notices_in(&m.recent_maintenances)),
                ),
            ]),
        ),
        (
            "/api/v2/scheduled-maintenances/upcoming.json",
            object(&[("page", &page), ("scheduled_maintenances", &upcoming)]),
        ),
        (
            "/api/v2/scheduled-maintenances/active.json",
            object(&[("page", &page), ("scheduled_maintenances", &active)]),
        ),
    ];
    docs.into_iter()
        .map(|(path, body)| (path, builder.build(API, body)))
        .collect()
}

/// One incident's document.
pub fn incident_document(
    model: &ReadModel,
    settings: &Settings,
    lang: Lang,
    builder: &DocBuilder,
    fragments: &Fragments,
    i: &Incident,
) -> Arc<Doc> {
    let api = Api {
        model,
        settings,
        lang,
        fragments,
    };
    let body = object(&[
        ("page", &api.page().to_string()),
        ("incident", &api.incident_json(i)),
    ]);
    builder.build(API, body)
}

/// What webhooks carry, as `/api/v2` writes it: a notice's or a component's object and the
/// page's status, against the live read model.
pub struct ApiObjects<'a> {
    api: Api<'a>,
}

impl<'a> ApiObjects<'a> {
    pub fn new(
        model: &'a ReadModel,
        settings: &'a Settings,
        lang: Lang,
        fragments: &'a Fragments<'a>,
    ) -> ApiObjects<'a> {
        ApiObjects {
            api: Api {
                model,
                settings,
                lang,
                fragments,
            },
        }
    }

    /// A notice's object (`incident` of `/api/v2/incidents/{id}.json`).
    pub fn notice(&self, i: &Incident) -> Value {
        self.api.incident(i)
    }

    /// A component's object, if it is in the catalogue.
    pub fn component(&self, id: &crate::domain::ComponentId) -> Option<Value> {
        self.api.model.component(id).map(|c| self.api.component(c))
    }

    /// `{"indicator", "description"}` of `/api/v2/status.json`.
    pub fn status(&self) -> Value {
        self.api.status()
    }

    /// The page's id, as every document names it.
    pub fn page_id(&self) -> &'static str {
        PAGE_ID
    }
}

/// The public JSON: open to every origin.
const API: Serving = Serving::new(JSON, CachePolicy::Status).cors();
