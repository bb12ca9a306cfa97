//! The webhook channel: one delivery per endpoint that asked for the event, signed per
//! Standard Webhooks, retried for a day; an endpoint whose deliveries fail that long is
//! disabled and flagged.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::http::{ATTEMPT_TIMEOUT, AddressPolicy, refused_literal};
use super::payload::{self, Subject};
use super::{Attempt, Channel, Job, Prepared, Settled};
use crate::domain::{
    ComponentId, Event, EventKind, WEBHOOK_CHANNEL, WEBHOOK_RETRY_WINDOW, sign_webhook,
    webhook_retry,
};
use crate::snapshot::Publisher;
use crate::store::{self, Delivery, StoreError, StoreResult};

/// Requests in flight at once: 100 endpoints answering in a second each are all served
/// within seconds, and a few slow ones cannot hold up the rest.
const CONCURRENCY: usize = 16;

pub struct WebhookChannel {
    publisher: Arc<Publisher>,
    client: reqwest::Client,
    policy: AddressPolicy,
}

impl WebhookChannel {
    pub fn new(
        publisher: Arc<Publisher>,
        client: reqwest::Client,
        policy: AddressPolicy,
    ) -> WebhookChannel {
        WebhookChannel {
            publisher,
            client,
            policy,
        }
    }
}

impl Channel for WebhookChannel {
    fn name(&self) -> &'static str {
        WEBHOOK_CHANNEL
    }

    fn recipients(&self, conn: &Connection, event: &Event) -> StoreResult<Vec<String>> {
        // The channels it is about, for endpoints that chose channels: a notice's, or a
        // spike's (a status change names its own).
        let held: Vec<ComponentId> = match &event.notice {
            Some(id) if event.component.is_none() => store::incident_by_id(conn, id)?
                .map(|i| i.components.iter().map(|a| a.id.clone()).collect())
                .unwrap_or_default(),
            _ if event.kind == EventKind::ReportsSpike => store::spike_by_event(conn, &event.id)?
                .map(|s| vec![s.component])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(store::all_webhooks(conn)?
            .into_iter()
            .filter(|w| w.wants(event, &held))
            .map(|w| w.id)
            .collect())
    }

    fn prepare(
        &self,
        conn: &Connection,
        delivery: &Delivery,
        event: &Event,
    ) -> StoreResult<Prepared> {
        let Some(w) = store::webhook_by_id(conn, &delivery.recipient)? else {
            return Ok(Prepared::Drop("the endpoint was deleted".into()));
        };
        if w.disabled_at.is_some() && event.kind != EventKind::Test {
            return Ok(Prepared::Drop("the endpoint is disabled".into()));
        }
        let secret = store::webhook_secret(conn, &w.id)?
            .ok_or_else(|| StoreError::Corrupt(format!("webhook {} has no secret", w.id)))?;
        let notice = match &event.notice {
            Some(id) => match store::incident_by_id(conn, id)? {
                Some(i) => Some(i),
                None => return Ok(Prepared::Drop(format!("notice {id} is gone"))),
            },
            None => None,
        };
        let spike = match event.kind {
            EventKind::ReportsSpike => match store::spike_by_event(conn, &event.id)? {
                Some(s) => Some(s),
                None => return Ok(Prepared::Drop(format!("spike {} is gone", event.id))),
            },
            _ => None,
        };
        let subject = match (&event.component, &notice, &spike) {
            (Some(change), _, _) => Subject::Component(change),
            (None, Some(i), _) => Subject::Notice(i),
            (None, None, Some(s)) => Subject::Spike(s),
            (None, None, None) => Subject::Test,
        };
        let settings = self.publisher.settings();
        let body = self.publisher.with_api_objects(w.lang, |api| {
            payload::body(w.format, w.lang, api, settings, event, &subject)
        });
        let body = serde_json::to_vec(&body)
            .map_err(|e| StoreError::Encode(format!("a webhook body: {e}")))?;
        Ok(Prepared::Send(Box::new(WebhookJob {
            client: self.client.clone(),
            policy: self.policy,
            url: w.url,
            id: delivery.id.clone(),
            secret,
            body,
        })))
    }

    fn retry_after(&self, failures: u32, failing_for: Duration) -> Option<Duration> {
        let b: [u8; 4] = crate::domain::random_bytes();
        webhook_retry(
            failures,
            failing_for,
            f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX),
        )
    }

    fn concurrency(&self) -> usize {
        CONCURRENCY
    }

    fn attempt_timeout(&self) -> Duration {
        ATTEMPT_TIMEOUT
    }

    fn settled(
        &self,
        conn: &Connection,
        delivery: &Delivery,
        outcome: Settled,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let id = &delivery.recipient;
        match outcome {
            Settled::Sent => store::webhook_succeeded(conn, id),
            Settled::Retrying => store::webhook_failing(conn, id, now),
            Settled::GaveUp => {
                store::webhook_failing(conn, id, now)?;
                let Some(w) = store::webhook_by_id(conn, id)? else {
                    return Ok(());
                };
                let day = chrono::Duration::from_std(WEBHOOK_RETRY_WINDOW)
                    .map_err(|e| StoreError::Encode(e.to_string()))?;
                match w.failing_since {
                    Some(since) if now - since >= day => {
                        store::disable_webhook(conn, id, now, "every delivery failed for 24 hours")
                    }
                    _ => Ok(()),
                }
            }
        }
    }
}

/// One signed request, owning all it needs.
struct WebhookJob {
    client: reqwest::Client,
    policy: AddressPolicy,
    url: String,
    /// The delivery's id: `webhook-id`, the same on every retry.
    id: String,
    /// Never logged.
    secret: String,
    body: Vec<u8>,
}

impl Job for WebhookJob {
    fn send(self: Box<Self>) -> Pin<Box<dyn Future<Output = Attempt> + Send>> {
        Box::pin(self.run())
    }
}

impl WebhookJob {
    async fn run(self) -> Attempt {
        let started = Instant::now();
        let refused = |error: String| Attempt {
            status_code: None,
            latency: started.elapsed(),
            error: Some(error),
            retryable: false,
        };
        let url = match reqwest::Url::parse(&self.url) {
            Ok(u) => u,
            Err(e) => return refused(format!("the URL does not parse: {e}")),
        };
        if let Some(why) = refused_literal(self.policy, &url) {
            return refused(why);
        }
        // The receiver's clock judges the signature's age: the wall clock, not the page's.
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let signature = match sign_webhook(&self.secret, &self.id, timestamp, &self.body) {
            Ok(s) => s,
            Err(e) => return refused(e.to_string()),
        };
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &self.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(self.body)
            .send()
            .await;
        let latency = started.elapsed();
        match sent {
            Ok(r) if r.status().is_success() => Attempt {
                status_code: Some(r.status().as_u16()),
                latency,
                error: None,
                retryable: false,
            },
            Ok(r) => Attempt {
                status_code: Some(r.status().as_u16()),
                latency,
                error: Some(format!("the receiver answered {}", r.status())),
                retryable: true,
            },
            Err(e) => Attempt {
                status_code: None,
                latency,
                error: Some(causes(&e)),
                retryable: true,
            },
        }
    }
}

/// An error and its causes, in one line: reqwest's own says only "error sending request".
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out += &format!(": {s}");
        source = s.source();
    }
    if out.contains("timed out") || out.contains("operation timed out") {
        out += &format!(" (after {} s)", ATTEMPT_TIMEOUT.as_secs());
    }
    out
}
