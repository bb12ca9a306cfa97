//! What incident reports read beyond the incidents themselves: the signals that detected
//! an incident, and the incidents that started in a period.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;
use super::codec::{parse_time, time};
use crate::domain::IncidentRecord;
use crate::domain::incident_report::{Signals, spike_window};

const FIRST_SPIKE: &str = "SELECT started_at FROM report_spikes
    WHERE component_id = ?1 AND started_at >= ?2 AND started_at < ?3
    ORDER BY started_at LIMIT 1";

const STARTED_BETWEEN: &str = "SELECT id FROM incidents
    WHERE kind = 'incident' AND started_at >= ?1 AND started_at < ?2
      AND draft = 0 AND drill = 0
    ORDER BY started_at";

/// Every query above with the name it is known by, for the query-plan test.
#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[
    ("first_spike", FIRST_SPIKE),
    ("incidents_started_between", STARTED_BETWEEN),
];

/// What may have detected `i`: its linked alerts' first firings, and the first spike of
/// reports on each of its channels within `spike_window`.
pub fn report_signals(
    conn: &Connection,
    i: &IncidentRecord,
    now: DateTime<Utc>,
) -> StoreResult<Signals> {
    let alerts_fired = super::alerts_of_incident(conn, &i.id)?
        .into_iter()
        .map(|a| a.first_fired_at)
        .collect();
    let (from, until) = spike_window(i, now);
    let mut spikes_started = Vec::new();
    let mut stmt = conn.prepare_cached(FIRST_SPIKE)?;
    for c in &i.components {
        let first: Option<String> = stmt
            .query_row(params![c.id.as_str(), time(from), time(until)], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(at) = first {
            spikes_started.push(parse_time(&at)?);
        }
    }
    Ok(Signals {
        alerts_fired,
        spikes_started,
    })
}

/// The public incidents (no drafts, no drills) that started in `[from, until)`, oldest
/// first.
pub fn incidents_started_between(
    conn: &Connection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<Vec<String>> {
    let ids = conn
        .prepare_cached(STARTED_BETWEEN)?
        .query_map(params![time(from), time(until)], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};

    use crate::store::migrations::MIGRATIONS;
    use crate::store::{DATABASE_FILE, Reader, Store, StoreError, incident_by_id};

    #[test]
    fn upgrading_dates_the_public_notices_first_notice_by_their_creation() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
            for m in &MIGRATIONS[..12] {
                conn.execute_batch(m).unwrap();
            }
            conn.pragma_update(None, "user_version", 12).unwrap();
            for (id, draft) in [("public", false), ("draft", true)] {
                conn.execute(
                    "INSERT INTO incidents (id, kind, title_ko, status, impact, draft,
                         auto_transition, started_at, created_at, updated_at, revision)
                     VALUES (?1, 'incident', 't', 'investigating', 'minor', ?2, 0,
                         '2026-01-01T00:00:00.000000Z', '2026-01-01T00:05:00.000000Z',
                         '2026-01-01T00:05:00.000000Z', 1)",
                    params![id, draft],
                )
                .unwrap();
            }
        }
        let store = Store::open(dir.path(), chrono::Utc::now()).unwrap();
        store
            .read_blocking(Reader::Operator, |tx| {
                let public = incident_by_id(tx, "public")?.unwrap();
                assert_eq!(public.published_at, Some(public.created_at));
                assert_eq!(incident_by_id(tx, "draft")?.unwrap().published_at, None);
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
}
