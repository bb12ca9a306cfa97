//! Saved responses for `Idempotency-Key`, keyed by the API key that sent them.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;
use super::codec::time;

#[derive(Debug, Clone)]
pub struct SavedResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub etag: Option<String>,
}

const SAVED_RESPONSE: &str = "SELECT request_hash, status, body, etag FROM idempotency
    WHERE key_id = ?1 AND idempotency_key = ?2";

#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[("saved_response", SAVED_RESPONSE)];

pub fn saved_response(
    conn: &Connection,
    key_id: &str,
    idempotency_key: &str,
) -> StoreResult<Option<SavedResponse>> {
    Ok(conn
        .prepare_cached(SAVED_RESPONSE)?
        .query_row(params![key_id, idempotency_key], |r| {
            Ok(SavedResponse {
                request_hash: r.get(0)?,
                status: r.get(1)?,
                body: r.get(2)?,
                etag: r.get(3)?,
            })
        })
        .optional()?)
}

pub fn save_response(
    conn: &Connection,
    key_id: &str,
    idempotency_key: &str,
    saved: &SavedResponse,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency (key_id, idempotency_key, request_hash, status, body, etag, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        key_id,
        idempotency_key,
        saved.request_hash,
        saved.status,
        saved.body,
        saved.etag,
        time(now)
    ])?;
    Ok(())
}
