//! The outbox: events written with the change that caused them, and the worker's view of
//! them (those not yet expanded into deliveries).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{ComponentChange, ComponentId, ComponentStatus, Event, EventKind};

/// Writes `events` (in the caller's transaction, beside the change they tell of).
pub fn insert_events(conn: &Connection, events: &[Event]) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (id, kind, notice_id, update_id, component_id, old_status, new_status, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for e in events {
        let c = e.component.as_ref();
        stmt.execute(params![
            e.id,
            e.kind.as_str(),
            e.notice,
            e.update,
            c.map(|c| c.component.as_str()),
            c.map(|c| c.old.as_str()),
            c.map(|c| c.new.as_str()),
            time(e.at),
        ])?;
    }
    Ok(())
}

const COLUMNS: &str = "id, kind, notice_id, update_id, component_id, old_status, new_status, at";

fn from_row(r: &Row) -> rusqlite::Result<RawEvent> {
    Ok(RawEvent {
        id: r.get(0)?,
        kind: r.get(1)?,
        notice: r.get(2)?,
        update: r.get(3)?,
        component: r.get(4)?,
        old: r.get(5)?,
        new: r.get(6)?,
        at: r.get(7)?,
    })
}

struct RawEvent {
    id: String,
    kind: String,
    notice: Option<String>,
    update: Option<String>,
    component: Option<String>,
    old: Option<String>,
    new: Option<String>,
    at: String,
}

impl RawEvent {
    fn into_event(self) -> StoreResult<Event> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("event {}: {what}", self.id));
        let kind = EventKind::parse(&self.kind).ok_or_else(|| corrupt("an unknown kind"))?;
        let status = |s: &Option<String>| {
            s.as_deref()
                .and_then(ComponentStatus::parse)
                .ok_or_else(|| corrupt("an unknown component status"))
        };
        let component = match &self.component {
            Some(id) => Some(ComponentChange {
                component: ComponentId::from_trusted(id.clone()),
                old: status(&self.old)?,
                new: status(&self.new)?,
            }),
            None => None,
        };
        Ok(Event {
            kind,
            component,
            at: parse_time(&self.at)?,
            id: self.id,
            notice: self.notice,
            update: self.update,
        })
    }
}

/// Events not yet expanded into deliveries, oldest first.
pub fn events_to_fan_out(conn: &Connection, limit: usize) -> StoreResult<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE fanned_out_at IS NULL ORDER BY seq LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit as i64], from_row)?;
    rows.map(|r| r?.into_event()).collect()
}

/// The event `id`.
pub fn event_by_id(conn: &Connection, id: &str) -> StoreResult<Option<Event>> {
    let raw = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM events WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?;
    raw.map(RawEvent::into_event).transpose()
}

/// Notes that `event`'s deliveries are made.
pub fn mark_fanned_out(conn: &Connection, event: &str, now: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached("UPDATE events SET fanned_out_at = ?2 WHERE id = ?1")?
        .execute(params![event, time(now)])?;
    Ok(())
}

/// Every event, oldest first (for tests and the operators' views).
pub fn events_since(conn: &Connection, after_seq: i64, limit: usize) -> StoreResult<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![after_seq, limit as i64], from_row)?;
    rows.map(|r| r?.into_event()).collect()
}

/// What the outbox has yet to do: events not yet expanded into deliveries, and
/// deliveries not yet sent (due or waiting to be retried). Both counts read partial
/// indexes of exactly those rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    pub events: u64,
    pub deliveries: u64,
}

pub fn backlog(conn: &Connection) -> StoreResult<Backlog> {
    let events: i64 = conn.query_row(
        "SELECT count(*) FROM events WHERE fanned_out_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    let deliveries: i64 = conn.query_row(
        "SELECT count(*) FROM deliveries WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )?;
    Ok(Backlog {
        events: events.max(0) as u64,
        deliveries: deliveries.max(0) as u64,
    })
}
