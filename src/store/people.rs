//! Queries about people and their console sessions. Passwords are kept only as Argon2id
//! hashes and session tokens only as SHA-256; neither leaves this module but to be
//! verified.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreResult;
use super::codec::{opt_time, parse_enum, parse_opt_time, parse_time, time};
use crate::domain::{Person, Role, Session, SessionCutoffs};

const COLUMNS: &str = "id, email, role, created_at, disabled_at, last_login_at";

/// id, email, role, created_at, disabled_at, last_login_at
type PersonRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// The person's columns from `first` on.
fn person_row(r: &Row, first: usize) -> rusqlite::Result<PersonRow> {
    Ok((
        r.get(first)?,
        r.get(first + 1)?,
        r.get(first + 2)?,
        r.get(first + 3)?,
        r.get(first + 4)?,
        r.get(first + 5)?,
    ))
}

fn into_person(
    (id, email, role, created_at, disabled_at, last_login_at): PersonRow,
) -> StoreResult<Person> {
    Ok(Person {
        id,
        email,
        role: parse_enum(&role, Role::parse)?,
        created_at: parse_time(&created_at)?,
        disabled_at: parse_opt_time(disabled_at)?,
        last_login_at: parse_opt_time(last_login_at)?,
    })
}

pub fn insert_person(conn: &Connection, person: &Person, password_hash: &str) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO people ({COLUMNS}, password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        person.id,
        person.email,
        person.role.as_str(),
        time(person.created_at),
        opt_time(person.disabled_at),
        opt_time(person.last_login_at),
        password_hash
    ])?;
    Ok(())
}

/// The person with this email (compared without regard to ASCII case), disabled or not.
pub fn person_by_email(conn: &Connection, email: &str) -> StoreResult<Option<Person>> {
    let raw = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM people WHERE email = ?1"))?
        .query_row([email], |r| person_row(r, 0))
        .optional()?;
    raw.map(into_person).transpose()
}

pub fn person_by_id(conn: &Connection, id: &str) -> StoreResult<Option<Person>> {
    let raw = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM people WHERE id = ?1"))?
        .query_row([id], |r| person_row(r, 0))
        .optional()?;
    raw.map(into_person).transpose()
}

/// The person with this email and their password hash, to verify a login against.
pub fn person_with_password(
    conn: &Connection,
    email: &str,
) -> StoreResult<Option<(Person, String)>> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, password_hash FROM people WHERE email = ?1"
        ))?
        .query_row([email], |r| Ok((person_row(r, 0)?, r.get::<_, String>(6)?)))
        .optional()?;
    raw.map(|(person, hash)| Ok((into_person(person)?, hash)))
        .transpose()
}

/// Everyone, by email.
pub fn all_people(conn: &Connection) -> StoreResult<Vec<Person>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM people ORDER BY email, id"))?;
    let rows = stmt
        .query_map([], |r| person_row(r, 0))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(into_person).collect()
}

/// Disables a person; disabling twice keeps the first time. Returns whether they exist.
pub fn disable_person(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    conn.prepare_cached("UPDATE people SET disabled_at = coalesce(disabled_at, ?2) WHERE id = ?1")?
        .execute(params![id, time(now)])
        .map(|n| n == 1)
        .map_err(Into::into)
}

/// Returns whether the person exists.
pub fn set_person_role(conn: &Connection, id: &str, role: Role) -> StoreResult<bool> {
    conn.prepare_cached("UPDATE people SET role = ?2 WHERE id = ?1")?
        .execute(params![id, role.as_str()])
        .map(|n| n == 1)
        .map_err(Into::into)
}

pub fn set_last_login(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached("UPDATE people SET last_login_at = ?2 WHERE id = ?1")?
        .execute(params![id, time(now)])?;
    Ok(())
}

pub fn insert_session(
    conn: &Connection,
    token_hash: &str,
    person_id: &str,
    csrf_token: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, person_id, csrf_token, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![token_hash, person_id, csrf_token, time(now)])?;
    Ok(())
}

const SESSION_BY_HASH: &str = "SELECT p.id, p.email, p.role, p.created_at, p.disabled_at,
        p.last_login_at, s.csrf_token, s.created_at, s.last_seen_at
    FROM sessions s JOIN people p ON p.id = s.person_id
    WHERE s.token_hash = ?1 AND s.ended_at IS NULL AND p.disabled_at IS NULL";

const END_SESSIONS_OF: &str =
    "UPDATE sessions SET ended_at = ?2 WHERE person_id = ?1 AND ended_at IS NULL";

const DELETE_DEAD_SESSIONS_OF: &str = "DELETE FROM sessions WHERE person_id = ?1
    AND (ended_at IS NOT NULL OR last_seen_at <= ?2 OR created_at <= ?3)";

// Removing every dead session reads the whole table: it is kept small by that very
// query, and by each login removing its person's dead sessions.
#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[
    ("session_by_hash", SESSION_BY_HASH),
    ("end_sessions_of", END_SESSIONS_OF),
    ("delete_dead_sessions_of", DELETE_DEAD_SESSIONS_OF),
];

/// The session with this token hash, unless it was ended or its person disabled. Whether
/// it has run out of time is the domain's rule (`Session::is_live`).
pub fn session_by_hash(conn: &Connection, token_hash: &str) -> StoreResult<Option<Session>> {
    let raw = conn
        .prepare_cached(SESSION_BY_HASH)?
        .query_row([token_hash], |r| {
            Ok((
                person_row(r, 0)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })
        .optional()?;
    raw.map(|(person, csrf_token, created_at, last_seen_at)| {
        Ok(Session {
            person: into_person(person)?,
            csrf_token,
            created_at: parse_time(&created_at)?,
            last_seen_at: parse_time(&last_seen_at)?,
        })
    })
    .transpose()
}

/// Notes a use of an open session; never moves `last_seen_at` back.
pub fn touch_session(conn: &Connection, token_hash: &str, at: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE sessions SET last_seen_at = max(last_seen_at, ?2)
         WHERE token_hash = ?1 AND ended_at IS NULL",
    )?
    .execute(params![token_hash, time(at)])?;
    Ok(())
}

/// Ends one session. Returns its person's id, or `None` if there was no open session.
pub fn end_session(
    conn: &Connection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<String>> {
    conn.prepare_cached(
        "UPDATE sessions SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL
         RETURNING person_id",
    )?
    .query_row(params![token_hash, time(now)], |r| r.get(0))
    .optional()
    .map_err(Into::into)
}

/// Ends every open session of a person; returns how many there were.
pub fn end_sessions_of(
    conn: &Connection,
    person_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached(END_SESSIONS_OF)?
        .execute(params![person_id, time(now)])?)
}

/// Removes a person's ended and timed-out sessions; returns how many.
pub fn delete_dead_sessions_of(
    conn: &Connection,
    person_id: &str,
    cut: SessionCutoffs,
) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached(DELETE_DEAD_SESSIONS_OF)?
        .execute(params![person_id, time(cut.seen_by), time(cut.created_by)])?)
}

/// Removes everyone's ended and timed-out sessions; returns how many.
pub fn delete_dead_sessions(conn: &Connection, cut: SessionCutoffs) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM sessions
             WHERE ended_at IS NOT NULL OR last_seen_at <= ?1 OR created_at <= ?2",
        )?
        .execute(params![time(cut.seen_by), time(cut.created_by)])?)
}
