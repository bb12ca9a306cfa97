//! Customers' failure reports (`domain::report`): counted reports by channel and time, the
//! hashed clients that counted lately, and spikes. Every count is an indexed range on
//! `(component_id, at)`, so it costs what the window holds, not what the day does.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreResult;
use super::codec::{parse_opt_time, parse_time, time};
use crate::domain::ComponentId;
use crate::domain::report::{self, Spike};

/// When `client` last counted a report to `component`, if it is remembered.
pub fn last_counted(
    conn: &Connection,
    client: &[u8; 32],
    component: &ComponentId,
) -> StoreResult<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .prepare_cached(
            "SELECT counted_at FROM report_clients WHERE client_hash = ?1 AND component_id = ?2",
        )?
        .query_row(params![&client[..], component.as_str()], |r| r.get(0))
        .optional()?;
    at.as_deref().map(parse_time).transpose()
}

/// Counts a report of `client` to `component` at `now`.
pub fn count_report(
    conn: &Connection,
    client: &[u8; 32],
    component: &ComponentId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let at = time(now);
    conn.prepare_cached(
        "INSERT INTO report_clients (client_hash, component_id, counted_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (client_hash, component_id) DO UPDATE SET counted_at = excluded.counted_at",
    )?
    .execute(params![&client[..], component.as_str(), at])?;
    conn.prepare_cached("INSERT INTO customer_reports (component_id, at) VALUES (?1, ?2)")?
        .execute(params![component.as_str(), at])?;
    Ok(())
}

/// Counted reports of `component` after `after` (not at it), up to `until` (at it too).
pub fn reports_between(
    conn: &Connection,
    component: &ComponentId,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM customer_reports WHERE component_id = ?1 AND at > ?2 AND at <= ?3",
        )?
        .query_row(
            params![component.as_str(), time(after), time(until)],
            |r| r.get(0),
        )?;
    Ok(n.max(0) as u64)
}

/// Reporters of `component` in the window ending at `now`.
pub fn reporters_now(
    conn: &Connection,
    component: &ComponentId,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    reports_between(conn, component, report::window_start(now), now)
}

const SPIKE_COLUMNS: &str =
    "event_id, component_id, started_at, reporters, usual, threshold, ended_at";

fn spike_from_row(r: &Row) -> rusqlite::Result<RawSpike> {
    Ok(RawSpike {
        event_id: r.get(0)?,
        component: r.get(1)?,
        started_at: r.get(2)?,
        reporters: r.get(3)?,
        usual: r.get(4)?,
        threshold: r.get(5)?,
        ended_at: r.get(6)?,
    })
}

struct RawSpike {
    event_id: String,
    component: String,
    started_at: String,
    reporters: i64,
    usual: f64,
    threshold: i64,
    ended_at: Option<String>,
}

impl RawSpike {
    fn into_spike(self) -> StoreResult<Spike> {
        Ok(Spike {
            component: ComponentId::from_trusted(self.component),
            started_at: parse_time(&self.started_at)?,
            reporters: self.reporters.max(0) as u64,
            usual: self.usual,
            // The column's CHECK keeps it at least 1.
            threshold: u32::try_from(self.threshold).unwrap_or(u32::MAX),
            ended_at: parse_opt_time(self.ended_at)?,
            event_id: self.event_id,
        })
    }
}

/// The spike of `component` that has not ended, if there is one.
pub fn open_spike(conn: &Connection, component: &ComponentId) -> StoreResult<Option<Spike>> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {SPIKE_COLUMNS} FROM report_spikes WHERE component_id = ?1 AND ended_at IS NULL"
        ))?
        .query_row([component.as_str()], spike_from_row)
        .optional()?;
    raw.map(RawSpike::into_spike).transpose()
}

/// Every spike that has not ended, oldest first.
pub fn open_spikes(conn: &Connection) -> StoreResult<Vec<Spike>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SPIKE_COLUMNS} FROM report_spikes WHERE ended_at IS NULL ORDER BY started_at, component_id"
    ))?;
    let rows = stmt.query_map([], spike_from_row)?;
    rows.map(|r| r?.into_spike()).collect()
}

/// The spike told by event `event_id`.
pub fn spike_by_event(conn: &Connection, event_id: &str) -> StoreResult<Option<Spike>> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {SPIKE_COLUMNS} FROM report_spikes WHERE event_id = ?1"
        ))?
        .query_row([event_id], spike_from_row)
        .optional()?;
    raw.map(RawSpike::into_spike).transpose()
}

/// Stores a new spike (its event must be written first, in the same transaction).
pub fn insert_spike(conn: &Connection, spike: &Spike) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO report_spikes (event_id, component_id, started_at, reporters, usual, threshold, ended_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        spike.event_id,
        spike.component.as_str(),
        time(spike.started_at),
        i64::try_from(spike.reporters).unwrap_or(i64::MAX),
        spike.usual,
        spike.threshold,
        spike.ended_at.map(time),
    ])?;
    Ok(())
}

/// Ends the spike told by `event_id` at `at`.
pub fn end_spike(conn: &Connection, event_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE report_spikes SET ended_at = ?2 WHERE event_id = ?1 AND ended_at IS NULL",
    )?
    .execute(params![event_id, time(at)])?;
    Ok(())
}

/// Whether anything is due to be forgotten at `now` (read before taking the writer for it).
pub fn reports_to_forget(conn: &Connection, now: DateTime<Utc>) -> StoreResult<bool> {
    let due: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM customer_reports WHERE at <= ?1)
                 OR EXISTS (SELECT 1 FROM report_clients WHERE counted_at <= ?2)",
        )?
        .query_row(
            params![
                time(report::history_start(now)),
                time(report::clients_needed_after(now))
            ],
            |r| r.get(0),
        )?;
    Ok(due)
}

/// Deletes counted reports older than a day and the hashed clients whose dedupe interval
/// has passed; returns how many of each.
pub fn forget_reports(conn: &Connection, now: DateTime<Utc>) -> StoreResult<(usize, usize)> {
    let reports = conn
        .prepare_cached("DELETE FROM customer_reports WHERE at <= ?1")?
        .execute([time(report::history_start(now))])?;
    let clients = conn
        .prepare_cached("DELETE FROM report_clients WHERE counted_at <= ?1")?
        .execute([time(report::clients_needed_after(now))])?;
    Ok((reports, clients))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::store::{Reader, Store, StoreError};

    fn card() -> ComponentId {
        ComponentId::parse("card", "id").unwrap()
    }

    #[test]
    fn counts_follow_the_window_and_old_rows_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 5, 5, 0).unwrap();
        let store = Store::open(dir.path(), now).unwrap();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        store
            .write_blocking(|tx| -> Result<(), StoreError> {
                count_report(tx, &a, &card(), now - Duration::hours(25))?;
                count_report(tx, &a, &card(), now - Duration::minutes(40))?;
                count_report(tx, &b, &card(), now - Duration::minutes(5))?;
                count_report(tx, &b, &card(), now - Duration::minutes(1))?;
                Ok(())
            })
            .unwrap();
        let (window, day, last, due) = store
            .read_blocking(Reader::Operator, |tx| -> Result<_, StoreError> {
                Ok((
                    reporters_now(tx, &card(), now)?,
                    reports_between(tx, &card(), report::history_start(now), now)?,
                    last_counted(tx, &a, &card())?,
                    reports_to_forget(tx, now)?,
                ))
            })
            .unwrap();
        assert_eq!(window, 1, "the report exactly five minutes old has left");
        assert_eq!(day, 3);
        assert_eq!(last, Some(now - Duration::minutes(40)), "the latest count");
        assert!(due);
        let forgotten = store.write_blocking(|tx| forget_reports(tx, now)).unwrap();
        assert_eq!(
            forgotten,
            (1, 1),
            "the day-old report; a's hash, 40 minutes old"
        );
        let (left, a_known, b_known, due) = store
            .read_blocking(Reader::Operator, |tx| -> Result<_, StoreError> {
                Ok((
                    reports_between(tx, &card(), now - Duration::days(30), now)?,
                    last_counted(tx, &a, &card())?,
                    last_counted(tx, &b, &card())?,
                    reports_to_forget(tx, now)?,
                ))
            })
            .unwrap();
        assert_eq!(left, 3);
        assert_eq!(a_known, None);
        assert_eq!(b_known, Some(now - Duration::minutes(1)));
        assert!(!due);
    }
}
