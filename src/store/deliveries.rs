//! Deliveries of events to recipients, and their attempts: written by the outbox's worker
//! in short transactions of its own, read by the operators' views.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreResult;
use super::codec::{parse_opt_time, parse_time, time};

/// One event to one recipient, as the worker sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Stable across retries: the `webhook-id`, the email's `Message-ID`.
    pub id: String,
    pub event_id: String,
    pub channel: String,
    pub recipient: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// A delivery as the operators see it, with its attempts (oldest first).
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub id: String,
    pub event_id: String,
    pub event_kind: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub attempts: Vec<AttemptRecord>,
}

#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub latency_ms: Option<u64>,
    pub error: Option<String>,
}

/// Adds the delivery of `event` to `recipient` unless it exists; due at once.
pub fn insert_delivery(
    conn: &Connection,
    id: &str,
    event: &str,
    channel: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO deliveries
             (id, event_id, channel, recipient, state, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
    )?
    .execute(params![id, event, channel, recipient, time(now)])?;
    Ok(())
}

/// Whether any delivery of `channel` is due at `now`: asked on a read connection first,
/// so an idle worker's wake-up never queues for the writer.
pub fn any_due(conn: &Connection, channel: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM deliveries
             WHERE state = 'pending' AND channel = ?1 AND next_attempt_at <= ?2)",
        )?
        .query_row(params![channel, time(now)], |r| r.get(0))?)
}

/// Up to `limit` pending deliveries of `channel` due at `now`, leased until `until`: no
/// other pick takes them before then (a send that dies leaves them to be taken again).
pub fn lease_due(
    conn: &Connection,
    channel: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: usize,
) -> StoreResult<Vec<Delivery>> {
    let due: Vec<Delivery> = conn
        .prepare_cached(
            "SELECT id, event_id, channel, recipient, attempts FROM deliveries
             WHERE state = 'pending' AND channel = ?1 AND next_attempt_at <= ?2
             ORDER BY next_attempt_at LIMIT ?3",
        )?
        .query_map(params![channel, time(now), limit as i64], |r| {
            Ok(Delivery {
                id: r.get(0)?,
                event_id: r.get(1)?,
                channel: r.get(2)?,
                recipient: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut lease =
        conn.prepare_cached("UPDATE deliveries SET next_attempt_at = ?2 WHERE id = ?1")?;
    for d in &due {
        lease.execute(params![d.id, time(until)])?;
    }
    Ok(due)
}

/// The time of a delivery's first attempt, if one was made.
pub fn first_attempt_at(conn: &Connection, delivery: &str) -> StoreResult<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .prepare_cached("SELECT at FROM delivery_attempts WHERE delivery_id = ?1 AND attempt = 1")?
        .query_row([delivery], |r| r.get(0))
        .optional()?;
    at.as_deref().map(parse_time).transpose()
}

pub fn record_attempt(conn: &Connection, delivery: &str, a: &AttemptRecord) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO delivery_attempts (delivery_id, attempt, at, status_code, latency_ms, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        delivery,
        a.attempt,
        time(a.at),
        a.status_code,
        a.latency_ms.map(|ms| ms as i64),
        a.error
    ])?;
    Ok(())
}

/// Where a delivery stands after an attempt (or without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryState {
    Sent,
    /// Tried again at this time.
    Retry(DateTime<Utc>),
    Failed,
}

pub fn set_delivery_state(
    conn: &Connection,
    id: &str,
    attempts: u32,
    state: &DeliveryState,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let (name, next, done) = match state {
        DeliveryState::Sent => ("sent", now, Some(now)),
        DeliveryState::Retry(at) => ("pending", *at, None),
        DeliveryState::Failed => ("failed", now, Some(now)),
    };
    conn.prepare_cached(
        "UPDATE deliveries SET state = ?2, attempts = ?3, next_attempt_at = ?4, done_at = ?5,
             last_error = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        name,
        attempts,
        time(next),
        done.map(time),
        error
    ])?;
    Ok(())
}

/// The newest `limit` deliveries to `recipient` over `channel`, each with its attempts.
pub fn deliveries_to(
    conn: &Connection,
    channel: &str,
    recipient: &str,
    limit: usize,
) -> StoreResult<Vec<DeliveryRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.event_id, e.kind, d.state, d.created_at, d.next_attempt_at, d.done_at,
                d.last_error
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.channel = ?1 AND d.recipient = ?2
         ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![channel, recipient, limit as i64], record_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        let (raw, times) = row?;
        let mut d = raw;
        d.created_at = parse_time(&times.0)?;
        d.next_attempt_at = parse_opt_time(times.1)?.filter(|_| d.state == "pending");
        d.done_at = parse_opt_time(times.2)?;
        d.attempts = attempts_of(conn, &d.id)?;
        out.push(d);
    }
    Ok(out)
}

type Times = (String, Option<String>, Option<String>);

fn record_from_row(r: &Row) -> rusqlite::Result<(DeliveryRecord, Times)> {
    Ok((
        DeliveryRecord {
            id: r.get(0)?,
            event_id: r.get(1)?,
            event_kind: r.get(2)?,
            state: r.get(3)?,
            created_at: DateTime::<Utc>::MIN_UTC,
            next_attempt_at: None,
            done_at: None,
            last_error: r.get(7)?,
            attempts: Vec::new(),
        },
        (r.get(4)?, r.get(5)?, r.get(6)?),
    ))
}

fn attempts_of(conn: &Connection, delivery: &str) -> StoreResult<Vec<AttemptRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT attempt, at, status_code, latency_ms, error FROM delivery_attempts
         WHERE delivery_id = ?1 ORDER BY attempt",
    )?;
    let rows = stmt.query_map([delivery], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<u16>>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (attempt, at, status_code, latency, error) = row?;
        out.push(AttemptRecord {
            attempt,
            at: parse_time(&at)?,
            status_code,
            latency_ms: latency.map(|ms| ms.max(0) as u64),
            error,
        });
    }
    Ok(out)
}
