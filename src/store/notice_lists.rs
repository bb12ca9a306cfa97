//! The lists of notices: an operator's pages, the open and recent ones the page shows,
//! the history by rank, and the maintenance windows due to move. Each list has its own
//! fixed SQL and an index that matches its order (see `plans.rs`).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;
use super::codec::{parse_time, time};
use crate::domain::Kind;

/// A position in a newest-first list: the `created_at` and id of the last item seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentCursor {
    pub created_at: DateTime<Utc>,
    pub id: String,
}

impl IncidentCursor {
    pub fn encode(&self) -> String {
        format!("{}~{}", self.created_at.timestamp_micros(), self.id)
    }

    pub fn decode(s: &str) -> Option<IncidentCursor> {
        let (micros, id) = s.split_once('~')?;
        let created_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(IncidentCursor {
            created_at,
            id: id.to_string(),
        })
    }
}

/// Which notices an operator's list shows (drafts and drills included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    All,
    /// Open incidents and maintenances that have not completed.
    Open,
    /// Notices that are over.
    Closed,
}

// Each list has its own fixed SQL, so each reads by the index that matches its order.
// `(created_at, id) < (?2, ?3)` continues after a cursor; the first page starts after
// `~`, which sorts after every stored time.
const LIST_ALL: &str = "SELECT id, created_at FROM incidents
    WHERE kind = ?1 AND (created_at, id) < (?2, ?3)
    ORDER BY created_at DESC, id DESC LIMIT ?4";
const LIST_OPEN: &str = "SELECT id, created_at FROM incidents
    WHERE kind = ?1 AND status NOT IN ('resolved', 'postmortem', 'completed')
      AND (created_at, id) < (?2, ?3)
    ORDER BY created_at DESC, id DESC LIMIT ?4";
const LIST_CLOSED: &str = "SELECT id, created_at FROM incidents
    WHERE kind = ?1 AND status IN ('resolved', 'postmortem', 'completed')
      AND (created_at, id) < (?2, ?3)
    ORDER BY created_at DESC, id DESC LIMIT ?4";

/// Notices of `kind` for operators, drafts and drills included, newest first (by
/// creation), after `cursor`, at most `limit`.
pub fn notice_ids_page(
    conn: &Connection,
    kind: Kind,
    filter: ListFilter,
    cursor: Option<&IncidentCursor>,
    limit: usize,
) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
    let sql = match filter {
        ListFilter::All => LIST_ALL,
        ListFilter::Open => LIST_OPEN,
        ListFilter::Closed => LIST_CLOSED,
    };
    let (after_time, after_id) = match cursor {
        Some(c) => (time(c.created_at), c.id.as_str()),
        None => ("~".to_string(), ""),
    };
    let rows = conn
        .prepare_cached(sql)?
        .query_map(
            params![kind.as_str(), after_time, after_id, limit as i64],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, at)| Ok((id, parse_time(&at)?)))
        .collect()
}

const OPEN_NOTICES: &str = "SELECT id FROM incidents
    WHERE kind = ?1 AND status NOT IN ('resolved', 'postmortem', 'completed')
      AND draft = 0 AND drill = 0
    ORDER BY created_at DESC, id DESC";

/// Public notices (published, not drills) of `kind` that are not over (open incidents;
/// scheduled and ongoing maintenances), newest first.
pub fn open_notice_ids(conn: &Connection, kind: Kind) -> StoreResult<Vec<String>> {
    ids(conn, OPEN_NOTICES, params![kind.as_str()])
}

const RECENT_NOTICES: &str = "SELECT id FROM incidents
    WHERE kind = ?1 AND draft = 0 AND drill = 0
    ORDER BY created_at DESC, id DESC LIMIT ?2";

/// The newest public notices of `kind`, any status, newest first.
pub fn recent_notice_ids(conn: &Connection, kind: Kind, limit: usize) -> StoreResult<Vec<String>> {
    ids(conn, RECENT_NOTICES, params![kind.as_str(), limit as i64])
}

const HISTORY_LEN: &str = "SELECT history_rank FROM incidents WHERE history_rank IS NOT NULL
    ORDER BY history_rank DESC LIMIT 1";

/// How many notices the public history holds.
pub fn history_len(conn: &Connection) -> StoreResult<usize> {
    let n: Option<i64> = conn
        .prepare_cached(HISTORY_LEN)?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(n.unwrap_or(0).max(0) as usize)
}

const HISTORY_RANGE: &str = "SELECT id FROM incidents WHERE history_rank BETWEEN ?1 AND ?2
    ORDER BY history_rank DESC";

/// Ids of the history's entries from the `skip`-th newest on, at most `take`, newest
/// first; `len` is [`history_len`] read in the same transaction.
pub fn history_ids(
    conn: &Connection,
    len: usize,
    skip: usize,
    take: usize,
) -> StoreResult<Vec<String>> {
    if skip >= len || take == 0 {
        return Ok(Vec::new());
    }
    let newest = (len - skip) as i64;
    let oldest = (newest - take as i64 + 1).max(1);
    ids(conn, HISTORY_RANGE, params![oldest, newest])
}

const RECENTLY_UPDATED: &str = "SELECT id FROM incidents WHERE draft = 0 AND drill = 0
    ORDER BY updated_at DESC, id DESC LIMIT ?1";

/// Ids of the public notices with the most recent activity, newest first.
pub fn recently_updated_ids(conn: &Connection, limit: usize) -> StoreResult<Vec<String>> {
    ids(conn, RECENTLY_UPDATED, params![limit as i64])
}

const DUE_MAINTENANCES: &str = "SELECT id, scheduled_for FROM incidents
    WHERE kind = 'maintenance' AND status IN ('scheduled', 'in_progress', 'verifying')
      AND draft = 0 AND auto_transition = 1";

/// Maintenances that may have to move by themselves, soonest window first. Drills move
/// too: they rehearse the whole life of a maintenance, only never in public.
pub fn due_maintenances(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut rows = conn
        .prepare_cached(DUE_MAINTENANCES)?
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // Few rows; sorted here so the query needs no temporary b-tree.
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}

fn ids(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> StoreResult<Vec<String>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params, |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Every query above with the name it is known by, for the query-plan test.
#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[
    ("list_all", LIST_ALL),
    ("list_open", LIST_OPEN),
    ("list_closed", LIST_CLOSED),
    ("open_notices", OPEN_NOTICES),
    ("recent_notices", RECENT_NOTICES),
    ("history_len", HISTORY_LEN),
    ("history_range", HISTORY_RANGE),
    ("recently_updated", RECENTLY_UPDATED),
    ("due_maintenances", DUE_MAINTENANCES),
];
