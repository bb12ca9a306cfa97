//! The new-incident form's values: pre-filled (from a template or the fallbacks of the
//! channels picked), kept as sent when a form comes back with problems, and turned into
//! the admin API's JSON body, which the same reader turns into the command's input.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use super::form::Fields;
use crate::domain::{
    AffectedComponent, Applied, Component, ComponentId, ComponentStatus, Lang, console_texts,
    working_fallbacks,
};

/// What the form holds. Texts are as typed; times as the form's local time fields.
#[derive(Debug, Default, Clone)]
pub struct NoticeFields {
    /// Affected channels and the status each has meanwhile.
    pub components: Vec<(String, String)>,
    pub title_ko: String,
    pub title_en: String,
    pub message_ko: String,
    pub message_en: String,
    /// `2026-11-26T15:30` in the page's zone, as `<input type=datetime-local>` sends it.
    pub eta: String,
    /// A quick choice: this many minutes from now (it wins over the time field).
    pub eta_in: Option<i64>,
    pub next_update_in_minutes: Option<i64>,
    /// Alternatives offered, checked or not, with their instructions.
    pub alternatives: Vec<AlternativeField>,
    pub drill: bool,
    pub template: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AlternativeField {
    pub id: String,
    pub name: String,
    pub checked: bool,
    pub instructions_ko: String,
    pub instructions_en: String,
}

/// The status choices for an affected channel (worst last).
pub const IMPACT_STATUSES: [ComponentStatus; 3] = [
    ComponentStatus::DegradedPerformance,
    ComponentStatus::PartialOutage,
    ComponentStatus::MajorOutage,
];

impl NoticeFields {
    /// A blank form: nothing affected yet, an update promised every 30 minutes.
    pub fn blank(catalogue: &[Component]) -> NoticeFields {
        let mut f = NoticeFields {
            next_update_in_minutes: Some(30),
            ..NoticeFields::default()
        };
        f.offer_alternatives(catalogue, None);
        f
    }

    /// A form filled from a template applied to the catalogue as it is now.
    pub fn from_template(applied: &Applied, catalogue: &[Component], tz: Tz) -> NoticeFields {
        let mut f = NoticeFields {
            components: applied
                .components
                .iter()
                .map(|c| (c.id.to_string(), c.status.as_str().to_string()))
                .collect(),
            title_ko: applied.title.ko.clone(),
            title_en: applied.title.en.clone().unwrap_or_default(),
            message_ko: applied.message.ko.clone(),
            message_en: applied.message.en.clone().unwrap_or_default(),
            eta: applied.eta.map(|t| local_input(t, tz)).unwrap_or_default(),
            next_update_in_minutes: applied.next_update_minutes.or(Some(30)),
            template: Some(applied.template.to_string()),
            ..NoticeFields::default()
        };
        f.offer_alternatives(catalogue, None);
        f
    }

    /// The form as sent: `component.{id}` = status, `title_ko`, …, `alternative` (repeated),
    /// `instructions_ko.{id}`. Alternatives are offered again for the channels now picked;
    /// the ticks sent are kept while the picked channels are the ones they were made for.
    pub fn from_fields(fields: &Fields, catalogue: &[Component]) -> NoticeFields {
        let text = |name: &str| fields.get(name).unwrap_or("").to_string();
        let mut f = NoticeFields {
            components: fields
                .prefixed("component.")
                .filter(|(_, status)| *status != "none")
                .map(|(id, status)| (id.to_string(), status.to_string()))
                .collect(),
            title_ko: text("title_ko"),
            title_en: text("title_en"),
            message_ko: text("message_ko"),
            message_en: text("message_en"),
            eta: text("eta"),
            eta_in: fields.get("eta_in").and_then(|m| m.parse().ok()),
            next_update_in_minutes: fields
                .get("next_update_in_minutes")
                .and_then(|m| m.parse().ok()),
            drill: fields.get("drill") == Some("on"),
            template: fields.get("template").map(str::to_string),
            ..NoticeFields::default()
        };
        let same_channels = fields.get("alternatives_for").unwrap_or("") == f.channels_key();
        f.offer_alternatives(catalogue, same_channels.then_some(fields));
        f
    }

    /// Which channels are picked, as a key: alternatives are suggested again when it changes.
    pub fn channels_key(&self) -> String {
        let mut ids: Vec<&str> = self.components.iter().map(|(id, _)| id.as_str()).collect();
        ids.sort_unstable();
        ids.join(",")
    }

    /// Every working channel not affected, ticked when suggested (or when `sent` ticked it).
    fn offer_alternatives(&mut self, catalogue: &[Component], sent: Option<&Fields>) {
        let affected: Vec<AffectedComponent> = self
            .components
            .iter()
            .filter_map(|(id, status)| {
                Some(AffectedComponent {
                    id: ComponentId::parse(id, "").ok()?,
                    status: ComponentStatus::parse(status)?,
                })
            })
            .collect();
        let suggested = working_fallbacks(&affected, catalogue);
        let words = |lang| console_texts(lang).default_instructions;
        self.alternatives = catalogue
            .iter()
            .filter(|c| !c.is_group && c.status.is_operational())
            .filter(|c| !affected.iter().any(|a| a.id == c.id))
            .map(|c| {
                let id = c.id.to_string();
                let sent_text = |lang: &str| {
                    sent.and_then(|f| f.get(&format!("instructions_{lang}.{id}")))
                        .map(str::to_string)
                };
                AlternativeField {
                    checked: match sent {
                        Some(f) => f.all("alternative").any(|a| a == id),
                        None => suggested.contains(&c.id),
                    },
                    instructions_ko: sent_text("ko")
                        .unwrap_or_else(|| (words(Lang::Ko))(c.name.get(Lang::Ko))),
                    instructions_en: sent_text("en")
                        .unwrap_or_else(|| (words(Lang::En))(c.name.get(Lang::En))),
                    name: c.name.get(Lang::Ko).to_string(),
                    id,
                }
            })
            .collect();
    }

    /// The body `POST /api/admin/v1/incidents` would take for this form.
    pub fn to_json(&self, draft: bool, now: DateTime<Utc>) -> Value {
        let mut body = Map::new();
        let text = |ko: &str, en: &str| {
            let mut t = Map::new();
            if !ko.is_empty() {
                t.insert("ko".into(), json!(ko));
            }
            if !en.is_empty() {
                t.insert("en".into(), json!(en));
            }
            Value::Object(t)
        };
        if !self.title_ko.is_empty() || !self.title_en.is_empty() {
            body.insert("title".into(), text(&self.title_ko, &self.title_en));
        }
        if !self.message_ko.is_empty() || !self.message_en.is_empty() {
            body.insert("message".into(), text(&self.message_ko, &self.message_en));
        }
        let components: Map<String, Value> = self
            .components
            .iter()
            .map(|(id, status)| (id.clone(), json!(status)))
            .collect();
        body.insert("components".into(), Value::Object(components));
        if let Some(eta) = self.eta_value(now) {
            body.insert("eta".into(), json!(eta));
        }
        if let Some(m) = self.next_update_in_minutes {
            body.insert("next_update_in_minutes".into(), json!(m));
        }
        let alternatives: Vec<Value> = self
            .alternatives
            .iter()
            .filter(|a| a.checked)
            .map(|a| {
                json!({
                    "component": a.id,
                    "instructions": text(&a.instructions_ko, &a.instructions_en),
                })
            })
            .collect();
        body.insert("alternatives".into(), Value::Array(alternatives));
        body.insert("draft".into(), json!(draft));
        if self.drill {
            body.insert("drill".into(), json!(true));
        }
        Value::Object(body)
    }

    /// The ETA to send: a quick choice from now (a decision), else the local time typed.
    fn eta_value(&self, now: DateTime<Utc>) -> Option<String> {
        match self.eta_in.filter(|m| *m > 0) {
            Some(m) => Some((now + Duration::minutes(m)).to_rfc3339()),
            None => (!self.eta.is_empty()).then(|| self.eta.clone()),
        }
    }
}

/// A time as `<input type=datetime-local>` shows it, in the page's zone.
pub fn local_input(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}
