//! What a webhook says, in the endpoint's format and language: our event (`standard`),
//! Statuspage's shape (`statuspage`), or one line of text for chat (`slack`). Objects
//! are `/api/v2`'s, from the live read model, so a receiver sees what the page shows.

use serde_json::{Value, json};

use crate::domain::report::{Spike, WINDOW};
use crate::domain::texts::{report_texts, texts};
use crate::domain::{ComponentChange, Event, EventKind, Incident, Lang, WebhookFormat};
use crate::snapshot::{ApiObjects, Settings, api_time};

/// What an event is about, as read when the delivery was prepared.
pub enum Subject<'a> {
    Notice(&'a Incident),
    Component(&'a ComponentChange),
    /// Customers' failure reports of one channel spiked (`reports.spike`).
    Spike(&'a Spike),
    Test,
}

/// The body of one webhook request.
pub fn body(
    format: WebhookFormat,
    lang: Lang,
    api: &ApiObjects,
    settings: &Settings,
    event: &Event,
    subject: &Subject,
) -> Value {
    match format {
        WebhookFormat::Standard => standard(lang, api, settings, event, subject),
        WebhookFormat::Statuspage => statuspage(lang, api, settings, event, subject),
        WebhookFormat::Slack => json!({ "text": slack_text(lang, api, settings, event, subject) }),
    }
}

fn standard(
    lang: Lang,
    api: &ApiObjects,
    settings: &Settings,
    event: &Event,
    subject: &Subject,
) -> Value {
    let data = match subject {
        Subject::Notice(i) => api.notice(i),
        Subject::Component(change) => component(api, change),
        Subject::Spike(spike) => spike_data(lang, api, settings, spike),
        Subject::Test => json!({ "message": "A test event, sent on an operator's request." }),
    };
    json!({
        "type": event.kind.as_str(),
        "timestamp": api_time(event.at, settings.timezone),
        "data": data,
    })
}

/// The component's `/api/v2` object with the status it had (`old_status`); a component
/// deleted since is told by its id and statuses alone.
fn component(api: &ApiObjects, change: &ComponentChange) -> Value {
    let mut v = api
        .component(&change.component)
        .unwrap_or_else(|| json!({ "id": change.component, "status": change.new }));
    // The event's word, should the page be rebuilt a moment after it is sent.
    v["status"] = json!(change.new);
    v["old_status"] = json!(change.old);
    v
}

/// A spike of customers' reports: the channel as `/api/v2` shows it, the reporters in the
/// window when it started, the usual rate (reporters per window), the window and the
/// threshold, and one sentence in the endpoint's language.
fn spike_data(lang: Lang, api: &ApiObjects, settings: &Settings, spike: &Spike) -> Value {
    let channel = api
        .component(&spike.component)
        .unwrap_or_else(|| json!({ "id": spike.component }));
    json!({
        "component_id": spike.component,
        "component": channel,
        "reporters": spike.reporters,
        "usual_per_window": (spike.usual * 100.0).round() / 100.0,
        "window_minutes": WINDOW.num_minutes(),
        "threshold": spike.threshold,
        "started_at": api_time(spike.started_at, settings.timezone),
        "message": spike_line(lang, api, spike),
    })
}

fn spike_line(lang: Lang, api: &ApiObjects, spike: &Spike) -> String {
    let words = report_texts(lang);
    let name = api
        .component(&spike.component)
        .and_then(|c| c["name"].as_str().map(str::to_string))
        .unwrap_or_else(|| spike.component.to_string());
    (words.spike_line)(&name, spike.reporters, &(words.usual)(spike.usual))
}

fn statuspage(
    lang: Lang,
    api: &ApiObjects,
    settings: &Settings,
    event: &Event,
    subject: &Subject,
) -> Value {
    let status = api.status();
    let mut v = json!({
        "meta": {
            "unsubscribe": Value::Null,
            "documentation": format!("{}/api/v2/summary.json", settings.base_url),
            "generated_at": api_time(event.at, settings.timezone),
        },
        "page": {
            "id": api.page_id(),
            "status_indicator": status["indicator"],
            "status_description": status["description"],
        },
    });
    match subject {
        Subject::Notice(i) => v["incident"] = api.notice(i),
        Subject::Component(change) => {
            v["component_update"] = json!({
                "created_at": api_time(event.at, settings.timezone),
                "new_status": change.new,
                "old_status": change.old,
                "id": event.id,
                "component_id": change.component,
            });
            v["component"] = component(api, change);
        }
        // Statuspage has no such event: ours, under a key of its own.
        Subject::Spike(spike) => v["customer_reports"] = spike_data(lang, api, settings, spike),
        Subject::Test => {}
    }
    v
}

/// One message for a chat channel: what, its status and latest word, the ETA, the link.
fn slack_text(
    lang: Lang,
    api: &ApiObjects,
    settings: &Settings,
    event: &Event,
    subject: &Subject,
) -> String {
    let words = texts(lang);
    match subject {
        Subject::Notice(i) => {
            let mut out = format!("*[{}] {}*", words.kind(i.kind), i.title.get(lang));
            out += &format!("\n{}", words.notice_status(i.status));
            let said = event
                .update
                .as_deref()
                .and_then(|id| i.updates.iter().find(|u| u.id == id))
                .or(i.updates.last());
            if let Some(u) = said {
                out += &format!(": {}", u.message.get(lang));
            }
            if let Some(eta) = i.eta.filter(|_| !i.status.is_closed()) {
                let local = eta.with_timezone(&settings.timezone);
                out += &format!(
                    "\n{}: {}",
                    words.expected_recovery,
                    (words.date_time)(&local, false)
                );
            }
            out + &format!("\n{}/incidents/{}", settings.base_url, i.id)
        }
        Subject::Component(change) => {
            let name = api
                .component(&change.component)
                .and_then(|c| c["name"].as_str().map(str::to_string))
                .unwrap_or_else(|| change.component.to_string());
            format!(
                "*{name}*: {} → {}\n{}",
                words.component_status(change.old),
                words.component_status(change.new),
                settings.base_url
            )
        }
        Subject::Spike(spike) => {
            let started = spike.started_at.with_timezone(&settings.timezone);
            format!(
                "*{}* {} — {}\n{}/console",
                settings.site_name,
                spike_line(lang, api, spike),
                (report_texts(lang).since)(&started.format("%H:%M").to_string()),
                settings.base_url
            )
        }
        Subject::Test => format!("{}: {}", settings.site_name, EventKind::Test.as_str()),
    }
}
