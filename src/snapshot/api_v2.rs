//! The public JSON documents, shaped exactly like the Statuspage v2 API (every key always
//! present, same types and enum values, updates newest first, times with milliseconds and
//! the page zone's offset). Our additions — `eta`, `next_update_at`, `alternatives` — are
//! extra keys. `?lang=en` selects English text.

use std::sync::Arc;

use serde_json::{Value, json};

use super::model::ReadModel;
use super::{CachePolicy, Doc, DocBuilder, Serving, Settings, api_time};
use crate::domain::{Component, Incident, Kind, Lang};

pub const JSON: &str = "application/json; charset=utf-8";

/// The stable page id in every document.
const PAGE_ID: &str = "paystatus";

struct Api<'a> {
    model: &'a ReadModel,
    settings: &'a Settings,
    lang: Lang,
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
            Lang::Ko => indicator.banner(Lang::Ko),
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

    fn list(&self, ids: &[String]) -> Value {
        Value::Array(
            self.model
                .notices_in(ids)
                .map(|i| self.incident(i))
                .collect(),
        )
    }

    fn maintenances_open(&self) -> Value {
        let m = self.model;
        Value::Array(
            m.notices_in(&m.active_maintenances)
                .chain(m.notices_in(&m.upcoming_maintenances))
                .map(|i| self.incident(i))
                .collect(),
        )
    }
}

/// Every `/api/v2` document for one language.
pub fn documents(
    model: &ReadModel,
    settings: &Settings,
    lang: Lang,
    builder: &DocBuilder,
) -> Vec<(&'static str, Arc<Doc>)> {
    let api = Api {
        model,
        settings,
        lang,
    };
    let m = model;
    let page = api.page();
    let with_page = |key: &str, value: Value| -> Value {
        let mut doc = json!({ "page": page });
        doc[key] = value;
        doc
    };
    let docs = [
        (
            "/api/v2/summary.json",
            json!({
                "page": page,
                "components": api.components(),
                "incidents": api.list(&m.open_incidents),
                "scheduled_maintenances": api.maintenances_open(),
                "status": api.status(),
            }),
        ),
        (
            "/api/v2/status.json",
            json!({ "page": page, "status": api.status() }),
        ),
        (
            "/api/v2/components.json",
            with_page("components", api.components()),
        ),
        (
            "/api/v2/incidents.json",
            with_page("incidents", api.list(&m.recent_incidents)),
        ),
        (
            "/api/v2/incidents/unresolved.json",
            with_page("incidents", api.list(&m.open_incidents)),
        ),
        (
            "/api/v2/scheduled-maintenances.json",
            with_page("scheduled_maintenances", api.list(&m.recent_maintenances)),
        ),
        (
            "/api/v2/scheduled-maintenances/upcoming.json",
            with_page("scheduled_maintenances", api.list(&m.upcoming_maintenances)),
        ),
        (
            "/api/v2/scheduled-maintenances/active.json",
            with_page("scheduled_maintenances", api.list(&m.active_maintenances)),
        ),
    ];
    docs.into_iter()
        .map(|(path, value)| (path, json_doc(builder, &value)))
        .collect()
}

/// One incident's document, for incidents outside the snapshot.
pub fn incident_document(
    model: &ReadModel,
    settings: &Settings,
    lang: Lang,
    builder: &DocBuilder,
    i: &Incident,
) -> Arc<Doc> {
    let api = Api {
        model,
        settings,
        lang,
    };
    json_doc(
        builder,
        &json!({ "page": api.page(), "incident": api.incident(i) }),
    )
}

/// The public JSON: open to every origin.
const API: Serving = Serving::new(JSON, CachePolicy::Status).cors();

fn json_doc(builder: &DocBuilder, value: &Value) -> Arc<Doc> {
    builder.build(API, value.to_string())
}
