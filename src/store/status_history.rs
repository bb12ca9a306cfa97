//! The history of channels' public statuses (migration 14): written with every change,
//! read for the uptime of the last 90 days, moved when an incident's start or end is
//! corrected.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;
use super::codec::{parse_enum, parse_time, time};
use crate::domain::uptime::StatusPoint;
use crate::domain::{ComponentChange, ComponentId, ComponentStatus, StatusCause};

/// Records `changes` as made at `at` because of `cause`. Changes that change nothing are
/// kept only for notices: they say which notice a status belongs to from then on.
pub fn record_status_changes(
    conn: &Connection,
    changes: &[ComponentChange],
    cause: &StatusCause,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO status_history (component_id, at, old_status, new_status, cause, reference)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for c in changes {
        if c.old == c.new && cause.notice().is_none() {
            continue;
        }
        stmt.execute(params![
            c.component.as_str(),
            time(at),
            c.old.as_str(),
            c.new.as_str(),
            cause.kind(),
            cause.reference(),
        ])?;
    }
    Ok(())
}

/// Every change from `since` on, oldest first, with the notice that caused it.
pub fn status_history_since(
    conn: &Connection,
    since: DateTime<Utc>,
) -> StoreResult<Vec<(ComponentId, StatusPoint)>> {
    let mut stmt = conn.prepare_cached(SINCE)?;
    let rows = stmt
        .query_map([time(since)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(component, at, status, cause, reference)| {
            let notice = match cause.as_str() {
                "incident" | "maintenance" => reference,
                _ => None,
            };
            Ok((
                ComponentId::from_trusted(component),
                StatusPoint {
                    at: parse_time(&at)?,
                    status: parse_enum(&status, ComponentStatus::parse)?,
                    notice,
                },
            ))
        })
        .collect()
}

/// A channel's status just before `at` by its history (`None`: no change recorded).
pub fn status_before(
    conn: &Connection,
    component: &ComponentId,
    at: DateTime<Utc>,
) -> StoreResult<Option<ComponentStatus>> {
    let status: Option<String> = conn
        .prepare_cached(BEFORE)?
        .query_row(params![component.as_str(), time(at)], |r| r.get(0))
        .optional()?;
    status
        .map(|s| parse_enum(&s, ComponentStatus::parse))
        .transpose()
}

/// When the notice's first recorded change is (its outage's start), if it has any.
pub fn notice_history_start(conn: &Connection, notice: &str) -> StoreResult<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .prepare_cached(NOTICE_START)?
        .query_row([notice], |r| r.get(0))
        .optional()?;
    at.as_deref().map(parse_time).transpose()
}

/// Moves the notice's changes recorded at `from` to `to`; returns how many moved.
pub fn move_notice_history(
    conn: &Connection,
    notice: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE status_history SET at = ?3
             WHERE reference = ?1 AND cause IN ('incident', 'maintenance') AND at = ?2",
        )?
        .execute(params![notice, time(from), time(to)])?)
}

/// When the default channels were seeded (the first start), if they were.
pub fn seeded_at(conn: &Connection) -> StoreResult<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = 'seeded'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    at.as_deref().map(parse_time).transpose()
}

const SINCE: &str = "SELECT component_id, at, new_status, cause, reference FROM status_history
                     WHERE at >= ?1 ORDER BY at, id";
const BEFORE: &str = "SELECT new_status FROM status_history WHERE component_id = ?1 AND at < ?2
                      ORDER BY at DESC, id DESC LIMIT 1";
const NOTICE_START: &str = "SELECT at FROM status_history
                            WHERE reference = ?1 AND cause IN ('incident', 'maintenance')
                            ORDER BY at LIMIT 1";

#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[
    ("status_history_since", SINCE),
    ("status_before", BEFORE),
    ("notice_history_start", NOTICE_START),
];

/// When `component`'s public status last changed (a row that changed nothing only names a
/// notice), or `None` if it never has. Walks the channel's index from the newest row.
pub fn last_status_change(
    conn: &Connection,
    component: &str,
) -> StoreResult<Option<DateTime<Utc>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at FROM status_history INDEXED BY status_history_of_component
         WHERE component_id = ?1 AND old_status <> new_status ORDER BY at DESC LIMIT 1",
    )?;
    let at: Option<String> = stmt.query_row([component], |r| r.get(0)).optional()?;
    at.map(|at| parse_time(&at)).transpose()
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::super::migrations::MIGRATIONS;

    #[test]
    fn migration_14_backfills_the_history_from_incident_updates() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..13] {
            conn.execute_batch(sql).unwrap();
        }
        // An incident that began at 04:50, posted at 05:04, resolved at 06:10; a drill
        // that changed nothing public.
        conn.execute_batch(
            "INSERT INTO components (id, name_ko, position, status, created_at, updated_at)
             VALUES ('card', '카드', 1, 'operational', '2026-11-01T00:00:00.000000Z',
                     '2026-11-01T00:00:00.000000Z');
             INSERT INTO incidents (id, kind, title_ko, status, impact, draft, auto_transition,
                 started_at, resolved_at, created_at, updated_at, revision, drill)
             VALUES ('i1', 'incident', '카드 장애', 'resolved', 'major', 0, 0,
                     '2026-11-25T04:50:00.000000Z', '2026-11-25T06:10:00.000000Z',
                     '2026-11-25T05:04:00.000000Z', '2026-11-25T06:10:00.000000Z', 2, 0),
                    ('d1', 'incident', '훈련', 'resolved', 'major', 0, 0,
                     '2026-11-25T04:00:00.000000Z', NULL,
                     '2026-11-25T04:00:00.000000Z', '2026-11-25T04:00:00.000000Z', 1, 1);
             INSERT INTO incident_updates (id, incident_id, seq, status, message_ko, created_at)
             VALUES ('u1', 'i1', 1, 'investigating', '실패', '2026-11-25T05:04:00.000000Z'),
                    ('u2', 'i1', 2, 'resolved', '복구', '2026-11-25T06:10:00.000000Z'),
                    ('u3', 'd1', 1, 'investigating', '훈련', '2026-11-25T04:00:00.000000Z');
             INSERT INTO update_component_changes (update_id, component_id, old_status, new_status)
             VALUES ('u1', 'card', 'operational', 'major_outage'),
                    ('u2', 'card', 'major_outage', 'operational'),
                    ('u3', 'card', 'operational', 'major_outage');",
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[13]).unwrap();
        let rows: Vec<(String, String, String, String)> = conn
            .prepare("SELECT at, new_status, cause, reference FROM status_history ORDER BY at")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let at = |s: &str| s.to_string();
        assert_eq!(
            rows,
            [
                (
                    at("2026-11-25T04:50:00.000000Z"),
                    at("major_outage"),
                    at("incident"),
                    at("i1")
                ),
                (
                    at("2026-11-25T06:10:00.000000Z"),
                    at("operational"),
                    at("incident"),
                    at("i1")
                ),
            ],
            "the first update's changes at started_at, the drill left out"
        );
    }
}
