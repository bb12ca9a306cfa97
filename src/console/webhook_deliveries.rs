//! `/console/webhooks/{id}`, for admins (scope `components`): what was delivered to one
//! endpoint, newest first, each attempt with its time, status code, latency and error (as
//! `GET /webhooks/{id}/deliveries` lists them), and a button to send it a test event.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::Console;
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use crate::admin::scope;
use crate::domain::texts::{WebhookAdminTexts, webhook_admin_texts};
use crate::domain::{EventKind, WEBHOOK_CHANNEL, Webhook};
use crate::error::Error;
use crate::snapshot::TimeFormat;
use crate::store::{self, AttemptRecord, DeliveryRecord, Reader};

/// Deliveries listed, newest first: as many as the admin API lists.
const DELIVERIES_SHOWN: usize = 100;

#[derive(Template)]
#[template(path = "console/webhook.html")]
struct DeliveriesPage {
    frame: Frame,
    w: &'static WebhookAdminTexts,
    id: String,
    url: String,
    /// Since when and why it is sent nothing, when disabled.
    disabled: Option<(String, String)>,
    deliveries: Vec<Delivery>,
}

struct Delivery {
    id: String,
    event: String,
    state: String,
    created: String,
    next_attempt: Option<String>,
    done: Option<String>,
    last_error: Option<String>,
    attempts: Vec<Attempt>,
}

struct Attempt {
    number: u32,
    at: String,
    status_code: Option<u16>,
    latency_ms: Option<u64>,
    error: Option<String>,
}

impl Delivery {
    fn new(d: &DeliveryRecord, w: &WebhookAdminTexts, time: &TimeFormat) -> Delivery {
        let event = match EventKind::parse(&d.event_kind) {
            Some(kind) => format!("{} ({})", (w.event_name)(kind), d.event_kind),
            None => d.event_kind.clone(),
        };
        let attempt = |a: &AttemptRecord| Attempt {
            number: a.attempt,
            at: time.date_time(a.at),
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
        };
        Delivery {
            id: d.id.clone(),
            event,
            state: (w.state_name)(&d.state).map_or_else(|| d.state.clone(), str::to_string),
            created: time.date_time(d.created_at),
            next_attempt: d.next_attempt_at.map(|at| time.date_time(at)),
            done: d.done_at.map(|at| time.date_time(at)),
            last_error: d.last_error.clone(),
            attempts: d.attempts.iter().map(attempt).collect(),
        }
    }
}

/// `GET /console/webhooks/{id}`
pub async fn show(
    State(state): State<Console>,
    Path(id): Path<String>,
    signed: Signed<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let (hook, found) = deliveries(&state, id)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let w = webhook_admin_texts(lang);
    let time = state.time(lang);
    let page = DeliveriesPage {
        frame: Frame::new(
            lang,
            format!("{}: {}", w.deliveries, hook.url),
            Some(&signed.session),
        ),
        w,
        disabled: hook.disabled_at.map(|at| {
            let reason = hook.disabled_reason.clone().unwrap_or_default();
            (time.date_time(at), reason)
        }),
        deliveries: found.iter().map(|d| Delivery::new(d, w, &time)).collect(),
        id: hook.id,
        url: hook.url,
    };
    Ok(html(StatusCode::OK, &page))
}

async fn deliveries(state: &Console, id: String) -> Result<(Webhook, Vec<DeliveryRecord>), Error> {
    state
        .store
        .read(Reader::Operator, move |conn| {
            let Some(hook) = store::webhook_by_id(conn, &id)? else {
                return Err(Error::NotFound("webhook".into()));
            };
            let found = store::deliveries_to(conn, WEBHOOK_CHANNEL, &hook.id, DELIVERIES_SHOWN)?;
            Ok((hook, found))
        })
        .await
}
