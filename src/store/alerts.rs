//! Alerts from monitoring, the channels they hold, their flips for damping flapping, the
//! settings that turn them into statuses, and the updates they suggest.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::codec::{opt_time, parse_enum, parse_opt_time, parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{AlertSettings, ComponentId, ComponentStatus, LocalizedText, Status};

/// An alert as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub key: String,
    pub source: String,
    pub name: String,
    pub firing: bool,
    pub status: ComponentStatus,
    pub components: Vec<ComponentId>,
    pub summary: Option<String>,
    pub incident_id: Option<String>,
    pub first_fired_at: DateTime<Utc>,
    pub fired_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

const ALERT_COLUMNS: &str = "key, source, name, state, component_status, components, summary,
    incident_id, first_fired_at, fired_at, resolved_at";

type AlertRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
);

fn alert_row(r: &rusqlite::Row) -> rusqlite::Result<AlertRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn alert_from(row: AlertRow) -> StoreResult<AlertRecord> {
    let (
        key,
        source,
        name,
        state,
        status,
        components,
        summary,
        incident_id,
        first,
        fired,
        resolved,
    ) = row;
    let components: Vec<String> = serde_json::from_str(&components)
        .map_err(|e| StoreError::Corrupt(format!("alert {key}: components: {e}")))?;
    Ok(AlertRecord {
        firing: state == "firing",
        status: parse_enum(&status, ComponentStatus::parse)?,
        components: components
            .into_iter()
            .map(ComponentId::from_trusted)
            .collect(),
        summary,
        incident_id,
        first_fired_at: parse_time(&first)?,
        fired_at: parse_time(&fired)?,
        resolved_at: parse_opt_time(resolved)?,
        key,
        source,
        name,
    })
}

pub fn alert_by_key(conn: &Connection, key: &str) -> StoreResult<Option<AlertRecord>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE key = ?1"
        ))?
        .query_row([key], alert_row)
        .optional()?;
    row.map(alert_from).transpose()
}

/// Firing alerts first, then the most recently resolved, `limit` in all.
pub fn recent_alerts(conn: &Connection, limit: usize) -> StoreResult<Vec<AlertRecord>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts
             ORDER BY state = 'firing' DESC, coalesce(resolved_at, fired_at) DESC LIMIT ?1"
        ))?
        .query_map([limit as i64], alert_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(alert_from).collect()
}

/// The alerts that opened or were linked to `incident`, firing first.
pub fn alerts_of_incident(conn: &Connection, incident: &str) -> StoreResult<Vec<AlertRecord>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE incident_id = ?1
             ORDER BY state = 'firing' DESC, fired_at DESC"
        ))?
        .query_map([incident], alert_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(alert_from).collect()
}

/// Stores the alert as firing and makes it hold its channels.
pub fn save_firing_alert(conn: &Connection, a: &AlertRecord) -> StoreResult<()> {
    let ids: Vec<&str> = a.components.iter().map(|c| c.as_str()).collect();
    conn.prepare_cached(
        "INSERT INTO alerts (key, source, name, state, component_status, components, summary,
             incident_id, first_fired_at, fired_at, resolved_at)
         VALUES (?1, ?2, ?3, 'firing', ?4, ?5, ?6, ?7, ?8, ?9, NULL)
         ON CONFLICT (key) DO UPDATE SET source = excluded.source, name = excluded.name,
             state = 'firing', component_status = excluded.component_status,
             components = excluded.components, summary = excluded.summary,
             incident_id = excluded.incident_id, fired_at = excluded.fired_at,
             resolved_at = NULL",
    )?
    .execute(params![
        a.key,
        a.source,
        a.name,
        a.status.as_str(),
        serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        a.summary,
        a.incident_id,
        time(a.first_fired_at),
        time(a.fired_at),
    ])?;
    conn.prepare_cached("DELETE FROM alert_components WHERE alert_key = ?1")?
        .execute([&a.key])?;
    let mut hold = conn
        .prepare_cached("INSERT INTO alert_components (alert_key, component_id) VALUES (?1, ?2)")?;
    for c in &a.components {
        hold.execute(params![a.key, c.as_str()])?;
    }
    Ok(())
}

/// Marks the alert resolved; it holds nothing any more.
pub fn resolve_alert(conn: &Connection, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached("UPDATE alerts SET state = 'resolved', resolved_at = ?2 WHERE key = ?1")?
        .execute(params![key, time(at)])?;
    conn.prepare_cached("DELETE FROM alert_components WHERE alert_key = ?1")?
        .execute([key])?;
    Ok(())
}

pub fn link_alert(conn: &Connection, key: &str, incident: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE alerts SET incident_id = ?2 WHERE key = ?1")?
        .execute([key, incident])?;
    Ok(())
}

// ---- flapping ---------------------------------------------------------------------------

/// Records that an alert fired (or resolved) on `component` at `at`, forgets flips older
/// than `since`, and says how many resolves the window now holds and the worst status
/// fired in it.
pub fn record_flip(
    conn: &Connection,
    component: &ComponentId,
    at: DateTime<Utc>,
    resolved: bool,
    status: ComponentStatus,
    since: DateTime<Utc>,
) -> StoreResult<(usize, ComponentStatus)> {
    conn.prepare_cached("DELETE FROM alert_flips WHERE component_id = ?1 AND at < ?2")?
        .execute(params![component.as_str(), time(since)])?;
    conn.prepare_cached(
        "INSERT INTO alert_flips (component_id, at, resolved, status) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        component.as_str(),
        time(at),
        resolved as i64,
        status.as_str()
    ])?;
    let rows = conn
        .prepare_cached("SELECT resolved, status FROM alert_flips WHERE component_id = ?1")?
        .query_map([component.as_str()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let resolves = rows.iter().filter(|(r, _)| *r == 1).count();
    let mut worst = status;
    for (_, s) in rows {
        worst = worst.max(parse_enum(&s, ComponentStatus::parse)?);
    }
    Ok((resolves, worst))
}

/// A flapping channel held at its worst status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damped {
    pub component: ComponentId,
    pub status: ComponentStatus,
    pub since: DateTime<Utc>,
    pub last_flip_at: DateTime<Utc>,
}

/// Holds `component` at `status` (or keeps holding it, at the worse of the two) from a
/// flip at `at`.
pub fn damp(
    conn: &Connection,
    component: &ComponentId,
    status: ComponentStatus,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let kept = damped(conn, component)?;
    let status = kept.as_ref().map_or(status, |d| d.status.max(status));
    conn.prepare_cached(
        "INSERT INTO damped_components (component_id, status, since, last_flip_at)
         VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (component_id) DO UPDATE SET status = excluded.status,
             last_flip_at = excluded.last_flip_at",
    )?
    .execute(params![component.as_str(), status.as_str(), time(at)])?;
    Ok(())
}

pub fn damped(conn: &Connection, component: &ComponentId) -> StoreResult<Option<Damped>> {
    Ok(all_damped(conn)?
        .into_iter()
        .find(|d| &d.component == component))
}

/// Every flapping channel held now (a handful at most).
pub fn all_damped(conn: &Connection) -> StoreResult<Vec<Damped>> {
    let rows = conn
        .prepare_cached(
            "SELECT component_id, status, since, last_flip_at FROM damped_components
             ORDER BY component_id",
        )?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(c, s, since, last)| {
            Ok(Damped {
                component: ComponentId::from_trusted(c),
                status: parse_enum(&s, ComponentStatus::parse)?,
                since: parse_time(&since)?,
                last_flip_at: parse_time(&last)?,
            })
        })
        .collect()
}

pub fn undamp(conn: &Connection, component: &ComponentId) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM damped_components WHERE component_id = ?1")?
        .execute([component.as_str()])?;
    Ok(())
}

// ---- settings ---------------------------------------------------------------------------

/// The settings as changed through the admin API, or the defaults.
pub fn alert_settings(conn: &Connection) -> StoreResult<AlertSettings> {
    let row = conn
        .prepare_cached(
            "SELECT severities, otherwise, flap_count, flap_window_minutes, updated_at, revision
             FROM alert_settings WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .optional()?;
    let Some((severities, otherwise, count, window, updated_at, revision)) = row else {
        return Ok(AlertSettings::default());
    };
    let map: BTreeMap<String, String> = serde_json::from_str(&severities)
        .map_err(|e| StoreError::Corrupt(format!("alert settings: severities: {e}")))?;
    let mut parsed = BTreeMap::new();
    for (severity, status) in map {
        parsed.insert(severity, parse_enum(&status, ComponentStatus::parse)?);
    }
    Ok(AlertSettings {
        severities: parsed,
        otherwise: parse_enum(&otherwise, ComponentStatus::parse)?,
        flap_count: u32::try_from(count)
            .map_err(|_| StoreError::Corrupt(format!("alert settings: flap_count {count}")))?,
        flap_window_minutes: window,
        updated_at: Some(parse_time(&updated_at)?),
        revision,
    })
}

pub fn save_alert_settings(conn: &Connection, s: &AlertSettings) -> StoreResult<()> {
    let map: BTreeMap<&str, &str> = s
        .severities
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    conn.prepare_cached(
        "INSERT INTO alert_settings (id, severities, otherwise, flap_count, flap_window_minutes,
             updated_at, revision)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET severities = excluded.severities,
             otherwise = excluded.otherwise, flap_count = excluded.flap_count,
             flap_window_minutes = excluded.flap_window_minutes,
             updated_at = excluded.updated_at, revision = excluded.revision",
    )?
    .execute(params![
        serde_json::to_string(&map).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        s.otherwise.as_str(),
        s.flap_count as i64,
        s.flap_window_minutes,
        opt_time(s.updated_at),
        s.revision,
    ])?;
    Ok(())
}

// ---- proposed updates -------------------------------------------------------------------

/// An update an alert suggests for its incident, for a person to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedUpdate {
    pub id: String,
    pub incident_id: String,
    pub alert_key: String,
    pub status: Status,
    pub message: LocalizedText,
    pub created_at: DateTime<Utc>,
    /// How many updates the incident had when it was suggested.
    pub updates_seen: usize,
}

pub fn insert_proposed_update(conn: &Connection, p: &ProposedUpdate) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO proposed_updates (id, incident_id, alert_key, status, message_ko,
             message_en, created_at, updates_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        p.id,
        p.incident_id,
        p.alert_key,
        p.status.as_str(),
        p.message.ko,
        p.message.en,
        time(p.created_at),
        p.updates_seen as i64,
    ])?;
    Ok(())
}

/// The suggestions for `incident` made since its last update (it has `updates` now):
/// older ones were answered by a later update.
pub fn pending_proposals(
    conn: &Connection,
    incident: &str,
    updates: usize,
) -> StoreResult<Vec<ProposedUpdate>> {
    let rows = conn
        .prepare_cached(
            "SELECT id, incident_id, alert_key, status, message_ko, message_en, created_at
             FROM proposed_updates WHERE incident_id = ?1 AND updates_seen = ?2
             ORDER BY created_at DESC",
        )?
        .query_map(params![incident, updates as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, incident_id, alert_key, status, ko, en, at)| {
            Ok(ProposedUpdate {
                id,
                incident_id,
                alert_key,
                status: parse_enum(&status, Status::parse)?,
                message: LocalizedText { ko, en },
                created_at: parse_time(&at)?,
                updates_seen: updates,
            })
        })
        .collect()
}

/// An open incident (public or a draft, not a drill) and the channels it names: where a
/// new alert is linked instead of opening another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIncident {
    pub id: String,
    pub draft: bool,
    pub channels: Vec<ComponentId>,
}

/// Read from the few unclosed notices outward, like the active holdings.
const OPEN_INCIDENTS: &str = "
SELECT i.id, i.draft, ic.component_id
FROM incidents AS i INDEXED BY incidents_unclosed
    CROSS JOIN incident_components AS ic ON ic.incident_id = i.id
WHERE i.kind = 'incident' AND i.status NOT IN ('resolved', 'postmortem', 'completed')
  AND i.drill = 0
ORDER BY i.created_at, i.id";

#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[("open_incidents", OPEN_INCIDENTS)];

/// Oldest first.
pub fn open_incidents(conn: &Connection) -> StoreResult<Vec<OpenIncident>> {
    let rows = conn
        .prepare_cached(OPEN_INCIDENTS)?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out: Vec<OpenIncident> = Vec::new();
    for (id, draft, c) in rows {
        let c = ComponentId::from_trusted(c);
        match out.last_mut() {
            Some(last) if last.id == id => last.channels.push(c),
            _ => out.push(OpenIncident {
                id,
                draft,
                channels: vec![c],
            }),
        }
    }
    Ok(out)
}
