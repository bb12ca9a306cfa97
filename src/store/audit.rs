//! The audit log: who did what, when. Rows are only ever added.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

use super::codec::{parse_time, time};
use super::{StoreError, StoreResult};

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The API key that acted, or `None` for the command line and the clock.
    pub key_id: Option<String>,
    /// A readable name for who acted: the key's name, `cli` or `system`.
    pub actor: String,
    /// What was done, such as `incident.create`.
    pub action: String,
    /// What it was done to, such as an incident id.
    pub target: Option<String>,
    pub detail: Option<serde_json::Value>,
}

pub fn record_audit(
    conn: &Connection,
    at: DateTime<Utc>,
    key_id: Option<&str>,
    actor: &str,
    action: &str,
    target: Option<&str>,
    detail: Option<&serde_json::Value>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, key_id, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![time(at), key_id, actor, action, target, detail.map(|d| d.to_string())])?;
    Ok(())
}

const AUDIT_PAGE: &str = "SELECT id, at, key_id, actor, action, target, detail FROM audit_log
    WHERE id < ?1 ORDER BY id DESC LIMIT ?2";

#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[("audit_page", AUDIT_PAGE)];

/// Entries newest first, older than `before` (an entry id) when given.
pub fn audit_page(
    conn: &Connection,
    before: Option<i64>,
    limit: usize,
) -> StoreResult<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(AUDIT_PAGE)?;
    type Raw = (
        i64,
        String,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
    );
    let rows = stmt
        .query_map(
            // The first page starts before every id.
            params![before.unwrap_or(i64::MAX), limit as i64],
            |r| -> rusqlite::Result<Raw> {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, at, key_id, actor, action, target, detail)| {
            let detail = detail
                .map(|d| serde_json::from_str(&d))
                .transpose()
                .map_err(|e| {
                    StoreError::Corrupt(format!(
                        "audit entry {id} has a detail that is not JSON: {e}"
                    ))
                })?;
            Ok(AuditEntry {
                id,
                at: parse_time(&at)?,
                key_id,
                actor,
                action,
                target,
                detail,
            })
        })
        .collect()
}
