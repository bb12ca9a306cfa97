//! Webhook endpoints. The secret is read only by signing (`webhook_secret`), so no view
//! of an endpoint can hold it by mistake.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{opt_time, parse_enum, parse_opt_time, parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{ComponentId, EventKind, Lang, Webhook, WebhookFormat};

const COLUMNS: &str = "id, url, components, events, lang, format, created_at, updated_at, \
                       disabled_at, disabled_reason, failing_since";

pub fn insert_webhook(conn: &Connection, w: &Webhook, secret: &str) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO webhooks ({COLUMNS}, secret) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        w.id,
        w.url,
        components_json(&w.components)?,
        events_json(&w.events)?,
        w.lang.code(),
        w.format.as_str(),
        time(w.created_at),
        time(w.updated_at),
        opt_time(w.disabled_at),
        w.disabled_reason,
        opt_time(w.failing_since),
        secret,
    ])?;
    Ok(())
}

/// Writes everything of `w` but its id, creation time and secret.
pub fn update_webhook(conn: &Connection, w: &Webhook) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE webhooks SET url = ?2, components = ?3, events = ?4, lang = ?5, format = ?6,
             updated_at = ?7, disabled_at = ?8, disabled_reason = ?9, failing_since = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        w.id,
        w.url,
        components_json(&w.components)?,
        events_json(&w.events)?,
        w.lang.code(),
        w.format.as_str(),
        time(w.updated_at),
        opt_time(w.disabled_at),
        w.disabled_reason,
        opt_time(w.failing_since),
    ])?;
    Ok(())
}

pub fn set_webhook_secret(conn: &Connection, id: &str, secret: &str) -> StoreResult<bool> {
    let n = conn
        .prepare_cached("UPDATE webhooks SET secret = ?2 WHERE id = ?1")?
        .execute(params![id, secret])?;
    Ok(n == 1)
}

pub fn delete_webhook(conn: &Connection, id: &str) -> StoreResult<bool> {
    let n = conn
        .prepare_cached("DELETE FROM webhooks WHERE id = ?1")?
        .execute([id])?;
    Ok(n == 1)
}

pub fn webhook_by_id(conn: &Connection, id: &str) -> StoreResult<Option<Webhook>> {
    let raw = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?;
    raw.map(RawWebhook::into_webhook).transpose()
}

/// The secret requests to `id` are signed with.
pub fn webhook_secret(conn: &Connection, id: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT secret FROM webhooks WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Every endpoint, oldest first.
pub fn all_webhooks(conn: &Connection) -> StoreResult<Vec<Webhook>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM webhooks ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| r?.into_webhook()).collect()
}

/// Notes that a delivery to `id` failed (the first failure since the last success counts).
pub fn webhook_failing(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE webhooks SET failing_since = coalesce(failing_since, ?2) WHERE id = ?1",
    )?
    .execute(params![id, time(now)])?;
    Ok(())
}

pub fn webhook_succeeded(conn: &Connection, id: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE webhooks SET failing_since = NULL WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn disable_webhook(
    conn: &Connection,
    id: &str,
    now: DateTime<Utc>,
    reason: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE webhooks SET disabled_at = coalesce(disabled_at, ?2), disabled_reason = ?3
         WHERE id = ?1",
    )?
    .execute(params![id, time(now), reason])?;
    Ok(())
}

fn components_json(c: &Option<Vec<ComponentId>>) -> StoreResult<Option<String>> {
    c.as_ref()
        .map(|ids| {
            let ids: Vec<&str> = ids.iter().map(ComponentId::as_str).collect();
            serde_json::to_string(&ids).map_err(|e| StoreError::Encode(e.to_string()))
        })
        .transpose()
}

fn events_json(e: &Option<Vec<EventKind>>) -> StoreResult<Option<String>> {
    e.as_ref()
        .map(|kinds| {
            let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            serde_json::to_string(&kinds).map_err(|e| StoreError::Encode(e.to_string()))
        })
        .transpose()
}

fn from_row(r: &Row) -> rusqlite::Result<RawWebhook> {
    Ok(RawWebhook {
        id: r.get(0)?,
        url: r.get(1)?,
        components: r.get(2)?,
        events: r.get(3)?,
        lang: r.get(4)?,
        format: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        disabled_at: r.get(8)?,
        disabled_reason: r.get(9)?,
        failing_since: r.get(10)?,
    })
}

struct RawWebhook {
    id: String,
    url: String,
    components: Option<String>,
    events: Option<String>,
    lang: String,
    format: String,
    created_at: String,
    updated_at: String,
    disabled_at: Option<String>,
    disabled_reason: Option<String>,
    failing_since: Option<String>,
}

impl RawWebhook {
    fn into_webhook(self) -> StoreResult<Webhook> {
        let corrupt = |what: String| StoreError::Corrupt(format!("webhook {}: {what}", self.id));
        let list = |s: &Option<String>| -> StoreResult<Option<Vec<String>>> {
            s.as_deref()
                .map(serde_json::from_str::<Vec<String>>)
                .transpose()
                .map_err(|e| corrupt(e.to_string()))
        };
        let components = list(&self.components)?
            .map(|ids| ids.into_iter().map(ComponentId::from_trusted).collect());
        let events = list(&self.events)?
            .map(|kinds| {
                kinds
                    .iter()
                    .map(|k| EventKind::parse(k).ok_or_else(|| corrupt(format!("event {k}"))))
                    .collect::<StoreResult<Vec<_>>>()
            })
            .transpose()?;
        Ok(Webhook {
            components,
            events,
            lang: parse_enum(&self.lang, Lang::parse)?,
            format: parse_enum(&self.format, WebhookFormat::parse)?,
            created_at: parse_time(&self.created_at)?,
            updated_at: parse_time(&self.updated_at)?,
            disabled_at: parse_opt_time(self.disabled_at)?,
            failing_since: parse_opt_time(self.failing_since)?,
            disabled_reason: self.disabled_reason,
            url: self.url,
            id: self.id,
        })
    }
}
