//! Queries about incidents and maintenances (one table, see the migration).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{opt_time, parse_enum, parse_opt_time, parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{
    AffectedComponent, Alternative, ComponentChange, ComponentId, ComponentStatus, EtaRevision,
    Impact, Incident, Kind, LocalizedText, MaintenanceWindow, Status, Update,
};

const COLUMNS: &str = "id, kind, title_ko, title_en, status, impact, impact_override, draft, eta, \
    next_update_at, update_interval_minutes, scheduled_for, scheduled_until, auto_transition, \
    postmortem_ko, postmortem_en, started_at, monitoring_at, resolved_at, created_at, updated_at, revision";

/// Writes the whole aggregate: the row, its affected components and alternatives, and
/// any updates and ETA revisions not stored yet (the timeline is append-only).
pub fn save_incident(conn: &Connection, i: &Incident) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO incidents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
             ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
         ON CONFLICT (id) DO UPDATE SET title_ko = excluded.title_ko, title_en = excluded.title_en,
             status = excluded.status, impact = excluded.impact, impact_override = excluded.impact_override,
             draft = excluded.draft, eta = excluded.eta, next_update_at = excluded.next_update_at,
             update_interval_minutes = excluded.update_interval_minutes,
             scheduled_for = excluded.scheduled_for, scheduled_until = excluded.scheduled_until,
             auto_transition = excluded.auto_transition, postmortem_ko = excluded.postmortem_ko,
             postmortem_en = excluded.postmortem_en, started_at = excluded.started_at,
             monitoring_at = excluded.monitoring_at, resolved_at = excluded.resolved_at,
             updated_at = excluded.updated_at, revision = excluded.revision"
    ))?
    .execute(params![
        i.id,
        i.kind.as_str(),
        i.title.ko,
        i.title.en,
        i.status.as_str(),
        i.impact.as_str(),
        i.impact_override.map(Impact::as_str),
        i.draft,
        opt_time(i.eta),
        opt_time(i.next_update_at),
        i.update_interval_minutes,
        opt_time(i.window.map(|w| w.starts)),
        opt_time(i.window.map(|w| w.ends)),
        i.auto_transition,
        i.postmortem.as_ref().map(|p| &p.ko),
        i.postmortem.as_ref().and_then(|p| p.en.as_ref()),
        time(i.started_at),
        opt_time(i.monitoring_at),
        opt_time(i.resolved_at),
        time(i.created_at),
        time(i.updated_at),
        i.revision,
    ])?;

    conn.prepare_cached("DELETE FROM incident_components WHERE incident_id = ?1")?
        .execute([&i.id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO incident_components (incident_id, component_id, position, status) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (pos, c) in i.components.iter().enumerate() {
        stmt.execute(params![i.id, c.id.as_str(), pos as i64, c.status.as_str()])?;
    }

    conn.prepare_cached("DELETE FROM incident_alternatives WHERE incident_id = ?1")?
        .execute([&i.id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO incident_alternatives (incident_id, position, component_id, instructions_ko, instructions_en)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (pos, a) in i.alternatives.iter().enumerate() {
        stmt.execute(params![
            i.id,
            pos as i64,
            a.component.as_str(),
            a.instructions.as_ref().map(|t| &t.ko),
            a.instructions.as_ref().and_then(|t| t.en.as_ref()),
        ])?;
    }

    let mut insert_update = conn.prepare_cached(
        "INSERT OR IGNORE INTO incident_updates
             (id, incident_id, seq, status, message_ko, message_en, created_at, eta, next_update_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut insert_change = conn.prepare_cached(
        "INSERT OR IGNORE INTO update_component_changes (update_id, component_id, old_status, new_status)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (seq, u) in i.updates.iter().enumerate() {
        let inserted = insert_update.execute(params![
            u.id,
            i.id,
            seq as i64,
            u.status.as_str(),
            u.message.ko,
            u.message.en,
            time(u.created_at),
            opt_time(u.eta),
            opt_time(u.next_update_at),
        ])?;
        if inserted == 1 {
            for c in &u.changes {
                insert_change.execute(params![
                    u.id,
                    c.component.as_str(),
                    c.old.as_str(),
                    c.new.as_str()
                ])?;
            }
        }
    }

    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO eta_revisions (incident_id, seq, eta, previous, revised_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (seq, r) in i.eta_revisions.iter().enumerate() {
        stmt.execute(params![
            i.id,
            seq as i64,
            opt_time(r.eta),
            opt_time(r.previous),
            time(r.revised_at)
        ])?;
    }
    Ok(())
}

pub fn incident_by_id(conn: &Connection, id: &str) -> StoreResult<Option<Incident>> {
    let row = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM incidents WHERE id = ?1"))?
        .query_row([id], RawIncident::from_row)
        .optional()?;
    row.map(|r| r.load(conn)).transpose()
}

/// Loads the given notices in the given order (ids that do not exist are skipped).
pub fn incidents_by_ids(conn: &Connection, ids: &[String]) -> StoreResult<Vec<Incident>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(i) = incident_by_id(conn, id)? {
            out.push(i);
        }
    }
    Ok(out)
}

/// Which notices a list asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct IncidentFilter {
    pub kind: Option<Kind>,
    pub include_drafts: bool,
    /// Only open incidents and maintenances that have not completed.
    pub only_unclosed: bool,
    /// Only closed notices (the history).
    pub only_closed: bool,
}

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

/// Ids of notices, newest first (by creation), after `cursor`, at most `limit`.
pub fn incident_ids_page(
    conn: &Connection,
    filter: IncidentFilter,
    cursor: Option<&IncidentCursor>,
    limit: usize,
) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, created_at FROM incidents
         WHERE (?1 IS NULL OR kind = ?1)
           AND (?2 OR draft = 0)
           AND (NOT ?3 OR status NOT IN ('resolved', 'postmortem', 'completed'))
           AND (NOT ?4 OR status IN ('resolved', 'postmortem', 'completed'))
           AND (?5 IS NULL OR created_at < ?5 OR (created_at = ?5 AND id < ?6))
         ORDER BY created_at DESC, id DESC
         LIMIT ?7",
    )?;
    let rows = stmt
        .query_map(
            params![
                filter.kind.map(Kind::as_str),
                filter.include_drafts,
                filter.only_unclosed,
                filter.only_closed,
                cursor.map(|c| time(c.created_at)),
                cursor.map(|c| c.id.as_str()).unwrap_or(""),
                limit as i64,
            ],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, at)| Ok((id, parse_time(&at)?)))
        .collect()
}

/// How many notices match `filter` (for page counts).
pub fn count_incidents(conn: &Connection, filter: IncidentFilter) -> StoreResult<usize> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM incidents
         WHERE (?1 IS NULL OR kind = ?1) AND (?2 OR draft = 0)
           AND (NOT ?3 OR status NOT IN ('resolved', 'postmortem', 'completed'))
           AND (NOT ?4 OR status IN ('resolved', 'postmortem', 'completed'))",
        )?
        .query_row(
            params![
                filter.kind.map(Kind::as_str),
                filter.include_drafts,
                filter.only_unclosed,
                filter.only_closed
            ],
            |r| r.get(0),
        )?;
    Ok(n as usize)
}

/// Ids of the public notices with the most recent activity, newest first.
pub fn recently_updated_ids(conn: &Connection, limit: usize) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM incidents WHERE draft = 0 ORDER BY updated_at DESC, id DESC LIMIT ?1",
    )?;
    Ok(stmt
        .query_map([limit as i64], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Maintenances that may have to move by themselves, with the next time one will.
pub fn due_maintenances(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM incidents
         WHERE kind = 'maintenance' AND status IN ('scheduled', 'in_progress', 'verifying')
           AND draft = 0 AND auto_transition = 1
         ORDER BY scheduled_for",
    )?;
    Ok(stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

struct RawIncident {
    id: String,
    kind: String,
    title_ko: String,
    title_en: Option<String>,
    status: String,
    impact: String,
    impact_override: Option<String>,
    draft: bool,
    eta: Option<String>,
    next_update_at: Option<String>,
    update_interval_minutes: Option<i64>,
    scheduled_for: Option<String>,
    scheduled_until: Option<String>,
    auto_transition: bool,
    postmortem_ko: Option<String>,
    postmortem_en: Option<String>,
    started_at: String,
    monitoring_at: Option<String>,
    resolved_at: Option<String>,
    created_at: String,
    updated_at: String,
    revision: i64,
}

impl RawIncident {
    fn from_row(r: &Row) -> rusqlite::Result<RawIncident> {
        Ok(RawIncident {
            id: r.get(0)?,
            kind: r.get(1)?,
            title_ko: r.get(2)?,
            title_en: r.get(3)?,
            status: r.get(4)?,
            impact: r.get(5)?,
            impact_override: r.get(6)?,
            draft: r.get(7)?,
            eta: r.get(8)?,
            next_update_at: r.get(9)?,
            update_interval_minutes: r.get(10)?,
            scheduled_for: r.get(11)?,
            scheduled_until: r.get(12)?,
            auto_transition: r.get(13)?,
            postmortem_ko: r.get(14)?,
            postmortem_en: r.get(15)?,
            started_at: r.get(16)?,
            monitoring_at: r.get(17)?,
            resolved_at: r.get(18)?,
            created_at: r.get(19)?,
            updated_at: r.get(20)?,
            revision: r.get(21)?,
        })
    }

    fn load(self, conn: &Connection) -> StoreResult<Incident> {
        let window = match (
            parse_opt_time(self.scheduled_for)?,
            parse_opt_time(self.scheduled_until)?,
        ) {
            (Some(starts), Some(ends)) => Some(
                MaintenanceWindow::new(starts, ends).map_err(|e| StoreError::Corrupt(e.message))?,
            ),
            _ => None,
        };
        Ok(Incident {
            components: affected_components(conn, &self.id)?,
            alternatives: alternatives(conn, &self.id)?,
            updates: updates(conn, &self.id)?,
            eta_revisions: eta_revisions(conn, &self.id)?,
            kind: parse_enum(&self.kind, Kind::parse)?,
            title: LocalizedText {
                ko: self.title_ko,
                en: self.title_en,
            },
            status: parse_enum(&self.status, Status::parse)?,
            impact: parse_enum(&self.impact, Impact::parse)?,
            impact_override: self
                .impact_override
                .as_deref()
                .map(|s| parse_enum(s, Impact::parse))
                .transpose()?,
            draft: self.draft,
            eta: parse_opt_time(self.eta)?,
            next_update_at: parse_opt_time(self.next_update_at)?,
            update_interval_minutes: self.update_interval_minutes,
            window,
            auto_transition: self.auto_transition,
            postmortem: self.postmortem_ko.map(|ko| LocalizedText {
                ko,
                en: self.postmortem_en,
            }),
            started_at: parse_time(&self.started_at)?,
            monitoring_at: parse_opt_time(self.monitoring_at)?,
            resolved_at: parse_opt_time(self.resolved_at)?,
            created_at: parse_time(&self.created_at)?,
            updated_at: parse_time(&self.updated_at)?,
            revision: self.revision,
            id: self.id,
        })
    }
}

fn affected_components(conn: &Connection, id: &str) -> StoreResult<Vec<AffectedComponent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT component_id, status FROM incident_components WHERE incident_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(c, s)| {
            Ok(AffectedComponent {
                id: ComponentId::from_trusted(c),
                status: parse_enum(&s, ComponentStatus::parse)?,
            })
        })
        .collect()
}

fn alternatives(conn: &Connection, id: &str) -> StoreResult<Vec<Alternative>> {
    let mut stmt = conn.prepare_cached(
        "SELECT component_id, instructions_ko, instructions_en FROM incident_alternatives
         WHERE incident_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(Alternative {
            component: ComponentId::from_trusted(r.get(0)?),
            instructions: r.get::<_, Option<String>>(1)?.map(|ko| LocalizedText {
                ko,
                en: r.get(2).ok().flatten(),
            }),
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn updates(conn: &Connection, id: &str) -> StoreResult<Vec<Update>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, status, message_ko, message_en, created_at, eta, next_update_at
         FROM incident_updates WHERE incident_id = ?1 ORDER BY seq",
    )?;
    type Row7 = (
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let rows = stmt
        .query_map([id], |r| -> rusqlite::Result<Row7> {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut changes_stmt = conn.prepare_cached(
        "SELECT component_id, old_status, new_status FROM update_component_changes
         WHERE update_id = ?1 ORDER BY rowid",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (uid, status, ko, en, created_at, eta, next) in rows {
        let changes = changes_stmt
            .query_map([&uid], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(c, o, n)| {
                Ok(ComponentChange {
                    component: ComponentId::from_trusted(c),
                    old: parse_enum(&o, ComponentStatus::parse)?,
                    new: parse_enum(&n, ComponentStatus::parse)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.push(Update {
            id: uid,
            status: parse_enum(&status, Status::parse)?,
            message: LocalizedText { ko, en },
            created_at: parse_time(&created_at)?,
            eta: parse_opt_time(eta)?,
            next_update_at: parse_opt_time(next)?,
            changes,
        });
    }
    Ok(out)
}

fn eta_revisions(conn: &Connection, id: &str) -> StoreResult<Vec<EtaRevision>> {
    let mut stmt = conn.prepare_cached(
        "SELECT eta, previous, revised_at FROM eta_revisions WHERE incident_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(eta, previous, at)| {
            Ok(EtaRevision {
                eta: parse_opt_time(eta)?,
                previous: parse_opt_time(previous)?,
                revised_at: parse_time(&at)?,
            })
        })
        .collect()
}
