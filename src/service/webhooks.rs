//! Commands about webhook endpoints: add one (its secret is made here and shown once),
//! change, remove, rotate its secret, and send it a test event through the outbox.

use rusqlite::Transaction;
use serde_json::json;

use super::{Audit, Ctx, Done};
use crate::domain::{
    Catalog, ComponentId, EventKind, FieldErrors, Lang, WEBHOOK_CHANNEL, Webhook, WebhookFormat,
    new_id, new_webhook_secret, test_event,
};
use crate::error::Error;
use crate::store;

/// What an endpoint is made of, as a writer read it.
#[derive(Debug, Clone)]
pub struct WebhookInput {
    pub url: String,
    pub components: Option<Vec<ComponentId>>,
    pub events: Option<Vec<EventKind>>,
    pub lang: Lang,
    pub format: WebhookFormat,
}

/// Changes to an endpoint; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub components: Option<Option<Vec<ComponentId>>>,
    pub events: Option<Option<Vec<EventKind>>>,
    pub lang: Option<Lang>,
    pub format: Option<WebhookFormat>,
    /// `true` turns a disabled endpoint back on; `false` turns it off.
    pub enabled: Option<bool>,
}

/// An endpoint and its secret: the only times the secret leaves the database.
#[derive(Debug)]
pub struct WithSecret {
    pub webhook: Webhook,
    pub secret: String,
}

pub fn create(
    tx: &Transaction,
    ctx: &Ctx,
    read: impl FnOnce(&Catalog) -> Result<WebhookInput, Error>,
) -> Result<Done<WithSecret>, Error> {
    let input = read(&store::catalog(tx, None)?)?;
    let webhook = Webhook {
        id: format!("wh_{}", new_id()),
        url: input.url,
        components: input.components,
        events: input.events,
        lang: input.lang,
        format: input.format,
        created_at: ctx.now,
        updated_at: ctx.now,
        disabled_at: None,
        disabled_reason: None,
        failing_since: None,
    };
    let secret = new_webhook_secret();
    store::insert_webhook(tx, &webhook, &secret)?;
    let audit = audit("webhook.create", &webhook);
    Ok(Done {
        value: WithSecret { webhook, secret },
        audit,
    })
}

pub fn change(
    tx: &Transaction,
    ctx: &Ctx,
    id: &str,
    read: impl FnOnce(&Webhook, &Catalog) -> Result<WebhookChanges, Error>,
) -> Result<Done<Webhook>, Error> {
    let mut w = load(tx, id)?;
    let c = read(&w, &store::catalog(tx, None)?)?;
    w.url = c.url.unwrap_or(w.url);
    w.components = c.components.unwrap_or(w.components);
    w.events = c.events.unwrap_or(w.events);
    w.lang = c.lang.unwrap_or(w.lang);
    w.format = c.format.unwrap_or(w.format);
    match c.enabled {
        Some(true) => {
            // Back on with a clean slate: a day of failures starts again from now.
            w.disabled_at = None;
            w.disabled_reason = None;
            w.failing_since = None;
        }
        Some(false) if w.disabled_at.is_none() => {
            w.disabled_at = Some(ctx.now);
            w.disabled_reason = Some(format!("turned off by {}", ctx.who.name));
        }
        _ => {}
    }
    w.updated_at = ctx.now;
    store::update_webhook(tx, &w)?;
    let audit = audit("webhook.patch", &w);
    Ok(Done { value: w, audit })
}

pub fn delete(tx: &Transaction, _: &Ctx, id: &str) -> Result<Done<Webhook>, Error> {
    let w = load(tx, id)?;
    store::delete_webhook(tx, id)?;
    let audit = audit("webhook.delete", &w);
    Ok(Done { value: w, audit })
}

/// A new secret; the old one stops signing at once.
pub fn rotate_secret(tx: &Transaction, ctx: &Ctx, id: &str) -> Result<Done<WithSecret>, Error> {
    let mut webhook = load(tx, id)?;
    let secret = new_webhook_secret();
    store::set_webhook_secret(tx, id, &secret)?;
    webhook.updated_at = ctx.now;
    store::update_webhook(tx, &webhook)?;
    let audit = audit("webhook.rotate_secret", &webhook);
    Ok(Done {
        value: WithSecret { webhook, secret },
        audit,
    })
}

/// Queues a test event for the endpoint `id` (even a disabled one: trying it is how an
/// operator finds out it works again). Returns the delivery's id.
pub fn send_test(tx: &Transaction, ctx: &Ctx, id: &str) -> Result<Done<String>, Error> {
    let w = load(tx, id)?;
    let event = test_event(ctx.now);
    store::insert_events(tx, std::slice::from_ref(&event))?;
    // Not for anyone else: the fan-out never sees it.
    store::mark_fanned_out(tx, &event.id, ctx.now)?;
    let delivery = format!("msg_{}", new_id());
    store::insert_delivery(tx, &delivery, &event.id, WEBHOOK_CHANNEL, &w.id, ctx.now)?;
    let audit = Audit {
        action: "webhook.test",
        target: Some(w.id.clone()),
        detail: Some(json!({ "delivery": delivery })),
    };
    Ok(Done {
        value: delivery,
        audit,
    })
}

fn load(tx: &Transaction, id: &str) -> Result<Webhook, Error> {
    store::webhook_by_id(tx, id)?.ok_or_else(|| Error::NotFound("webhook".into()))
}

/// The components named, each in the catalogue.
pub fn known_components(
    ids: Vec<ComponentId>,
    catalog: &Catalog,
    errors: &mut FieldErrors,
) -> Vec<ComponentId> {
    for id in &ids {
        if !catalog.statuses.contains_key(id) {
            errors.push("components", format!("there is no component `{id}`"));
        }
    }
    ids
}

/// Never the secret.
fn audit(action: &'static str, w: &Webhook) -> Audit {
    Audit {
        action,
        target: Some(w.id.clone()),
        detail: Some(json!({
            "url": w.url,
            "format": w.format.as_str(),
            "lang": w.lang.code(),
            "components": w.components,
            "events": w.events.as_ref().map(|e| e.iter().map(|k| k.as_str()).collect::<Vec<_>>()),
            "disabled": w.disabled_at.is_some(),
        })),
    }
}
