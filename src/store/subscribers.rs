//! Queries about email subscribers and the confirmation mails counted against abuse.
//! Only the hash of a confirmation link is stored.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{opt_time, parse_opt_time, parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{ComponentId, Lang, Subscriber};

const COLUMNS: &str = "id, email, lang, components, created_at, confirmed_at";

/// id, email, lang, components, created_at, confirmed_at
type SubscriberRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

fn from_row(r: &Row) -> rusqlite::Result<SubscriberRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn into_subscriber(
    (id, email, lang, components, created_at, confirmed_at): SubscriberRow,
) -> StoreResult<Subscriber> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("subscriber {id}: {what}"));
    let lang = Lang::parse(&lang).ok_or_else(|| corrupt("an unknown language"))?;
    let components = match components {
        None => None,
        Some(json) => {
            let ids: Vec<String> =
                serde_json::from_str(&json).map_err(|_| corrupt("unreadable channels"))?;
            Some(ids.into_iter().map(ComponentId::from_trusted).collect())
        }
    };
    Ok(Subscriber {
        email,
        lang,
        components,
        created_at: parse_time(&created_at)?,
        confirmed_at: parse_opt_time(confirmed_at)?,
        id,
    })
}

fn components_json(s: &Subscriber) -> StoreResult<Option<String>> {
    s.components
        .as_ref()
        .map(|c| {
            let ids: Vec<&str> = c.iter().map(ComponentId::as_str).collect();
            serde_json::to_string(&ids).map_err(|e| StoreError::Encode(e.to_string()))
        })
        .transpose()
}

fn one(conn: &Connection, filter: &str, value: &str) -> StoreResult<Option<Subscriber>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM subscribers WHERE {filter} = ?1"
    ))?
    .query_row([value], from_row)
    .optional()?
    .map(into_subscriber)
    .transpose()
}

pub fn subscriber_by_id(conn: &Connection, id: &str) -> StoreResult<Option<Subscriber>> {
    one(conn, "id", id)
}

pub fn subscriber_by_email(conn: &Connection, email: &str) -> StoreResult<Option<Subscriber>> {
    one(conn, "email", email)
}

/// The subscriber a confirmation link is for, while it is unused.
pub fn subscriber_by_confirm(conn: &Connection, hash: &str) -> StoreResult<Option<Subscriber>> {
    one(conn, "confirm_hash", hash)
}

/// Adds a subscriber with the hash of its confirmation link, if it is to confirm.
pub fn insert_subscriber(
    conn: &Connection,
    s: &Subscriber,
    confirm_hash: Option<&str>,
) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO subscribers ({COLUMNS}, confirm_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        s.id,
        s.email,
        s.lang.code(),
        components_json(s)?,
        time(s.created_at),
        opt_time(s.confirmed_at),
        confirm_hash,
    ])?;
    Ok(())
}

/// Replaces the confirmation link of `id` (a new mail was asked for).
pub fn set_confirm_hash(conn: &Connection, id: &str, hash: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE subscribers SET confirm_hash = ?2 WHERE id = ?1")?
        .execute(params![id, hash])?;
    Ok(())
}

/// Confirms `id` (once; a second confirmation keeps the first time) and spends its link.
pub fn confirm_subscriber(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE subscribers SET confirmed_at = coalesce(confirmed_at, ?2), confirm_hash = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, time(now)])?;
    Ok(())
}

/// Saves a subscriber's language and channels.
pub fn update_choices(conn: &Connection, s: &Subscriber) -> StoreResult<()> {
    conn.prepare_cached("UPDATE subscribers SET lang = ?2, components = ?3 WHERE id = ?1")?
        .execute(params![s.id, s.lang.code(), components_json(s)?])?;
    Ok(())
}

/// Forgets a subscriber; `false` when there was none.
pub fn delete_subscriber(conn: &Connection, id: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM subscribers WHERE id = ?1")?
        .execute([id])?
        > 0)
}

/// Forgets addresses still unconfirmed that were created before `cutoff`; how many.
pub fn delete_unconfirmed_before(conn: &Connection, cutoff: DateTime<Utc>) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM subscribers WHERE confirmed_at IS NULL AND created_at < ?1")?
        .execute([time(cutoff)])?)
}

/// Every confirmed subscriber: the candidates for an event's mails.
pub fn confirmed_subscribers(conn: &Connection) -> StoreResult<Vec<Subscriber>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM subscribers WHERE confirmed_at IS NOT NULL ORDER BY id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| into_subscriber(r?)).collect()
}

/// A page of subscribers by address, after `after` (an address), for the admins.
pub fn subscribers_page(
    conn: &Connection,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<Subscriber>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM subscribers WHERE ?1 IS NULL OR email > ?1
         ORDER BY email LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![after, limit as i64], from_row)?;
    rows.map(|r| into_subscriber(r?)).collect()
}

/// Confirmation mails sent to each of `subjects` on `day`, the most of them.
pub fn confirmation_mails_sent(
    conn: &Connection,
    subjects: &[String],
    day: NaiveDate,
) -> StoreResult<u32> {
    let mut stmt =
        conn.prepare_cached("SELECT sent FROM confirmation_mails WHERE subject = ?1 AND day = ?2")?;
    let mut most = 0;
    for subject in subjects {
        let sent: Option<u32> = stmt
            .query_row(params![subject, day.to_string()], |r| r.get(0))
            .optional()?;
        most = most.max(sent.unwrap_or(0));
    }
    Ok(most)
}

/// Counts one confirmation mail against each of `subjects` on `day`.
pub fn count_confirmation_mail(
    conn: &Connection,
    subjects: &[String],
    day: NaiveDate,
) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO confirmation_mails (subject, day, sent) VALUES (?1, ?2, 1)
         ON CONFLICT (subject, day) DO UPDATE SET sent = sent + 1",
    )?;
    for subject in subjects {
        stmt.execute(params![subject, day.to_string()])?;
    }
    Ok(())
}

/// Forgets the counts of days before `day`.
pub fn delete_mail_counts_before(conn: &Connection, day: NaiveDate) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM confirmation_mails WHERE day < ?1")?
        .execute([day.to_string()])?;
    Ok(())
}
