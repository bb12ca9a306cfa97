//! Email as a channel of the outbox: who gets an event (read once, when the worker fans
//! the event out into deliveries), and the mail of one delivery (read just before it is
//! sent, so a subscriber who left or changed their mind since is honoured). Both only
//! read; the worker sends with [`Mailer::send`](super::Mailer::send) after letting go of
//! the connection.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use lettre::Message;
use rusqlite::Connection;

use super::Sender;
use super::render::{About, RenderError, notice_mail};
use crate::domain::{ComponentId, Event, Incident};
use crate::store::{self, StoreError};

/// The name of this channel in `deliveries.channel`; recipients are subscriber ids.
pub const CHANNEL: &str = "email";

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Not worth a retry: the same mail would fail the same way.
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// The notice of an event, if it is one the public may hear of (drafts and drills tell
/// nothing; the events of their changes are never written, and this holds it again).
fn public_notice(conn: &Connection, event: &Event) -> Result<Option<Incident>, StoreError> {
    match &event.notice {
        Some(id) => Ok(store::incident_by_id(conn, id)?.filter(Incident::is_public)),
        None => Ok(None),
    }
}

fn affected(notice: Option<&Incident>) -> Vec<ComponentId> {
    notice.map_or_else(Vec::new, |i| {
        i.components.iter().map(|c| c.id.clone()).collect()
    })
}

/// The confirmed subscribers who want `event`, by id.
pub fn recipients(conn: &Connection, event: &Event) -> Result<Vec<String>, StoreError> {
    let notice = public_notice(conn, event)?;
    if event.kind.is_notice() && notice.is_none() {
        return Ok(Vec::new());
    }
    let components = affected(notice.as_ref());
    Ok(store::confirmed_subscribers(conn)?
        .into_iter()
        .filter(|s| s.wants(event, &components))
        .map(|s| s.id)
        .collect())
}

/// The mail of delivery `delivery_id` (`event` to subscriber `subscriber_id`), or `None`
/// when there is nothing to send any more: the subscriber left, no longer wants it, or
/// the notice is gone.
pub fn prepare(
    conn: &Connection,
    sender: &Sender,
    delivery_id: &str,
    event: &Event,
    subscriber_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Message>, PrepareError> {
    let Some(subscriber) = store::subscriber_by_id(conn, subscriber_id)? else {
        return Ok(None);
    };
    let notice = public_notice(conn, event)?;
    if !subscriber.wants(event, &affected(notice.as_ref())) {
        return Ok(None);
    }
    let names: HashMap<_, _> = store::all_components(conn, true)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let about = About {
        incident: notice.as_ref(),
        names: &names,
        now,
    };
    Ok(notice_mail(
        sender,
        delivery_id,
        event,
        &about,
        &subscriber,
    )?)
}
