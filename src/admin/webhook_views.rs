//! `/webhooks`' input and answers: what an endpoint is made of as sent, and its views
//! (each the JSON and its schema at once, as in views.rs).

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::present;
use super::views::{ApiTime, list};
use crate::domain::{
    Catalog, ComponentId, ComponentIdInput, EventKind, EventKindInput, FieldErrors, Lang,
    LangInput, Webhook, WebhookFormat, WebhookFormatInput, read_webhook_url,
};
use crate::error::Error;
use crate::service::webhooks::{WebhookChanges, WebhookInput, known_components};
use crate::store::{AttemptRecord, DeliveryRecord};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where events are POSTed: an absolute http or https URL, at most 2000 characters.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 2000)]
    url: String,
    /// Only events about these components (a notice's, or a status change's); absent or
    /// null: every component.
    components: Option<Vec<ComponentIdInput>>,
    /// Only these kinds of event; absent or null: every kind but `reports.spike` (a spike
    /// in customers' failure reports), which is sent only to endpoints that name it.
    events: Option<Vec<EventKindInput>>,
    /// The language of texts sent; the page's default language when absent.
    lang: Option<LangInput>,
    /// `standard` when absent.
    format: Option<WebhookFormatInput>,
}

impl CreateWebhook {
    pub fn read(&self, default_lang: Lang, catalog: &Catalog) -> Result<WebhookInput, Error> {
        let mut errors = FieldErrors::default();
        let url = errors.check(read_webhook_url(&self.url));
        let components = self
            .components
            .as_ref()
            .map(|c| read_components(c, catalog, &mut errors));
        let events = self.events.as_ref().map(|e| read_events(e, &mut errors));
        let lang = match &self.lang {
            Some(l) => errors.check(l.known("lang")),
            None => Some(default_lang),
        };
        let format = match &self.format {
            Some(f) => errors.check(f.known("format")),
            None => Some(WebhookFormat::Standard),
        };
        errors.into_result().map_err(Error::Invalid)?;
        match (url, lang, format) {
            (Some(url), Some(lang), Some(format)) => Ok(WebhookInput {
                url,
                components,
                events,
                lang,
                format,
            }),
            _ => Err(Error::invalid("url", "is invalid")),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWebhook {
    #[schema(min_length = 1, max_length = 2000)]
    url: Option<String>,
    /// null: every component.
    #[serde(default, deserialize_with = "present")]
    components: Option<Option<Vec<ComponentIdInput>>>,
    /// null: every kind of event but `reports.spike`.
    #[serde(default, deserialize_with = "present")]
    events: Option<Option<Vec<EventKindInput>>>,
    lang: Option<LangInput>,
    format: Option<WebhookFormatInput>,
    /// `true` turns a disabled endpoint back on (its failures forgotten); `false` turns it off.
    enabled: Option<bool>,
}

impl PatchWebhook {
    pub fn read(&self, catalog: &Catalog) -> Result<WebhookChanges, Error> {
        let mut errors = FieldErrors::default();
        let url = self
            .url
            .as_deref()
            .and_then(|u| errors.check(read_webhook_url(u)));
        let components = self
            .components
            .as_ref()
            .map(|c| c.as_ref().map(|c| read_components(c, catalog, &mut errors)));
        let events = self
            .events
            .as_ref()
            .map(|e| e.as_ref().map(|e| read_events(e, &mut errors)));
        let lang = self
            .lang
            .as_ref()
            .and_then(|l| errors.check(l.known("lang")));
        let format = self
            .format
            .as_ref()
            .and_then(|f| errors.check(f.known("format")));
        errors.into_result().map_err(Error::Invalid)?;
        Ok(WebhookChanges {
            url,
            components,
            events,
            lang,
            format,
            enabled: self.enabled,
        })
    }
}

fn read_components(
    inputs: &[ComponentIdInput],
    catalog: &Catalog,
    errors: &mut FieldErrors,
) -> Vec<ComponentId> {
    let mut ids: Vec<ComponentId> = Vec::new();
    for input in inputs {
        if let Some(id) = errors.check(input.known("components"))
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    known_components(ids, catalog, errors)
}

fn read_events(inputs: &[EventKindInput], errors: &mut FieldErrors) -> Vec<EventKind> {
    let mut kinds: Vec<EventKind> = Vec::new();
    for input in inputs {
        if let Some(k) = errors.check(input.known("events"))
            && !kinds.contains(&k)
        {
            kinds.push(k);
        }
    }
    kinds
}

/// A webhook endpoint (never its secret, but when it is made or rotated).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Webhook)]
pub struct WebhookView {
    id: String,
    url: String,
    /// null: every component.
    components: Option<Vec<ComponentId>>,
    /// null: every kind of event but `reports.spike`.
    #[schema(value_type = Option<Vec<EventKind>>)]
    events: Option<Vec<&'static str>>,
    #[schema(value_type = Lang)]
    lang: &'static str,
    #[schema(value_type = WebhookFormat)]
    format: &'static str,
    /// False once its deliveries failed for 24 hours (or an operator turned it off):
    /// nothing is sent to it until it is turned on again (`PATCH` `enabled: true`).
    enabled: bool,
    disabled_at: Option<ApiTime>,
    disabled_reason: Option<String>,
    /// When its deliveries started failing; null while they succeed.
    failing_since: Option<ApiTime>,
    created_at: ApiTime,
    updated_at: ApiTime,
}

impl WebhookView {
    pub fn new(w: &Webhook, tz: Tz) -> WebhookView {
        WebhookView {
            id: w.id.clone(),
            url: w.url.clone(),
            components: w.components.clone(),
            events: w
                .events
                .as_ref()
                .map(|e| e.iter().map(|k| k.as_str()).collect()),
            lang: w.lang.code(),
            format: w.format.as_str(),
            enabled: w.disabled_at.is_none(),
            disabled_at: ApiTime::maybe(w.disabled_at, tz),
            disabled_reason: w.disabled_reason.clone(),
            failing_since: ApiTime::maybe(w.failing_since, tz),
            created_at: ApiTime::new(w.created_at, tz),
            updated_at: ApiTime::new(w.updated_at, tz),
        }
    }
}

/// An endpoint with its signing secret: the answer to making it and to rotating the
/// secret, the only times the secret is shown. A replay of the same request answers
/// without it and says so in `secret_shown_once`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NewWebhook)]
pub struct NewWebhookView {
    #[serde(flatten)]
    info: WebhookView,
    /// `whsec_` and base64: verify the `webhook-signature` of each request with it
    /// (Standard Webhooks). Null in a replay.
    secret: Option<String>,
    /// Null, except in a replay.
    secret_shown_once: Option<String>,
}

impl NewWebhookView {
    pub fn new(w: &Webhook, secret: &str, tz: Tz) -> NewWebhookView {
        NewWebhookView {
            info: WebhookView::new(w, tz),
            secret: Some(secret.to_string()),
            secret_shown_once: None,
        }
    }
}

/// A test event queued for sending.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TestDelivery)]
pub struct TestDeliveryView {
    /// Its `webhook-id`; follow it in `GET /webhooks/{id}/deliveries`.
    pub delivery_id: String,
}

/// One delivery of an event to the endpoint, with every attempt.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Delivery)]
pub struct DeliveryView {
    /// The `webhook-id` of every attempt.
    id: String,
    event_id: String,
    /// Such as `incident.created`, or `webhook.test`.
    event: String,
    /// `pending`, `sent` or `failed`.
    state: String,
    created_at: ApiTime,
    /// When it is tried next, while pending.
    next_attempt_at: Option<ApiTime>,
    done_at: Option<ApiTime>,
    last_error: Option<String>,
    attempts: Vec<AttemptView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DeliveryAttempt)]
pub struct AttemptView {
    /// 1 for the first.
    attempt: u32,
    at: ApiTime,
    /// The receiver's answer; null when none came (refused, unreachable, timed out).
    status_code: Option<u16>,
    latency_ms: Option<u64>,
    /// Null when delivered.
    error: Option<String>,
}

impl DeliveryView {
    pub fn new(d: &DeliveryRecord, tz: Tz) -> DeliveryView {
        let attempt = |a: &AttemptRecord| AttemptView {
            attempt: a.attempt,
            at: ApiTime::new(a.at, tz),
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
        };
        DeliveryView {
            id: d.id.clone(),
            event_id: d.event_id.clone(),
            event: d.event_kind.clone(),
            state: d.state.clone(),
            created_at: ApiTime::new(d.created_at, tz),
            next_attempt_at: ApiTime::maybe(d.next_attempt_at, tz),
            done_at: ApiTime::maybe(d.done_at, tz),
            last_error: d.last_error.clone(),
            attempts: d.attempts.iter().map(attempt).collect(),
        }
    }
}

list!(WebhookList of WebhookView, "Always null: the list is complete.");
list!(DeliveryList of DeliveryView, "Always null: the newest 100 deliveries are listed.");
