//! Queries about API keys. Only hashes are stored.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{opt_time, parse_opt_time, parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{ApiKey, Scope};

const COLUMNS: &str = "id, name, scopes, created_at, last_used_at, revoked_at";

/// id, name, scopes, created_at, last_used_at, revoked_at
type KeyRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn from_row(r: &Row) -> rusqlite::Result<KeyRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn into_key(
    (id, name, scopes, created_at, last_used_at, revoked_at): KeyRow,
) -> StoreResult<ApiKey> {
    let scopes = scopes
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            Scope::parse(s)
                .ok_or_else(|| StoreError::Corrupt(format!("key {id} has an unknown scope `{s}`")))
        })
        .collect::<StoreResult<_>>()?;
    Ok(ApiKey {
        id,
        name,
        scopes,
        created_at: parse_time(&created_at)?,
        last_used_at: parse_opt_time(last_used_at)?,
        revoked_at: parse_opt_time(revoked_at)?,
    })
}

pub fn insert_key(conn: &Connection, key: &ApiKey, hash: &str) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO api_keys ({COLUMNS}, key_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        key.id,
        key.name,
        Scope::join(&key.scopes),
        time(key.created_at),
        opt_time(key.last_used_at),
        opt_time(key.revoked_at),
        hash
    ])?;
    Ok(())
}

/// The key with this hash, revoked or not.
pub fn key_by_hash(conn: &Connection, hash: &str) -> StoreResult<Option<ApiKey>> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_hash = ?1"
        ))?
        .query_row([hash], from_row)
        .optional()?;
    raw.map(into_key).transpose()
}

pub fn key_by_id(conn: &Connection, id: &str) -> StoreResult<Option<ApiKey>> {
    let raw = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?;
    raw.map(into_key).transpose()
}

/// Every key, newest first.
pub fn all_keys(conn: &Connection) -> StoreResult<Vec<ApiKey>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(into_key).collect()
}

/// Revokes a key; revoking twice keeps the first time. Returns whether the key exists.
pub fn revoke_key(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    conn.prepare_cached("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1")?
        .execute(params![id, time(now)])
        .map(|n| n == 1)
        .map_err(Into::into)
}

pub fn touch_key(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1")?
        .execute(params![id, time(now)])?;
    Ok(())
}
