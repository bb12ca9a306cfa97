//! Queries about incidents and maintenances (one table, see the migration).

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use rusqlite::{Connection, Row, params};

use super::codec::{opt_time, parse_enum, parse_opt_time, parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{
    AffectedComponent, Alternative, ComponentChange, ComponentId, ComponentStatus, EtaRevision,
    Impact, Incident, IncidentRecord, Kind, LocalizedText, MaintenanceWindow, Status, Update,
};

/// The columns of a notice's row, in the order `RawIncident::from_row` reads them.
macro_rules! incident_columns {
    () => {
        "id, kind, title_ko, title_en, status, impact, impact_override, draft, eta, \
         next_update_at, update_interval_minutes, scheduled_for, scheduled_until, \
         auto_transition, postmortem_ko, postmortem_en, started_at, monitoring_at, \
         resolved_at, created_at, updated_at, revision, drill, published_at"
    };
}

const UPSERT: &str = concat!(
    "INSERT INTO incidents (",
    incident_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
         ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
     ON CONFLICT (id) DO UPDATE SET title_ko = excluded.title_ko, title_en = excluded.title_en,
         status = excluded.status, impact = excluded.impact, impact_override = excluded.impact_override,
         draft = excluded.draft, eta = excluded.eta, next_update_at = excluded.next_update_at,
         update_interval_minutes = excluded.update_interval_minutes,
         scheduled_for = excluded.scheduled_for, scheduled_until = excluded.scheduled_until,
         auto_transition = excluded.auto_transition, postmortem_ko = excluded.postmortem_ko,
         postmortem_en = excluded.postmortem_en, started_at = excluded.started_at,
         monitoring_at = excluded.monitoring_at, resolved_at = excluded.resolved_at,
         updated_at = excluded.updated_at, revision = excluded.revision,
         published_at = excluded.published_at"
    // `drill` is not updated: it is fixed when the notice is made (and a trigger says so).
);

/// Writes the whole aggregate: the row, its affected components and alternatives, and
/// any updates and ETA revisions not stored yet (the timeline is append-only).
pub fn save_incident(conn: &Connection, i: &Incident) -> StoreResult<()> {
    conn.prepare_cached(UPSERT)?.execute(params![
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
        i.drill,
        opt_time(i.published_at),
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
    // The timeline is append-only: only updates past the stored ones are new.
    let stored: i64 = conn
        .prepare_cached(STORED_UPDATES)?
        .query_row([&i.id], |r| r.get(0))?;
    for (seq, u) in i.updates.iter().enumerate().skip(stored.max(0) as usize) {
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
    let stored: i64 = conn
        .prepare_cached(STORED_ETA_REVISIONS)?
        .query_row([&i.id], |r| r.get(0))?;
    for (seq, r) in i
        .eta_revisions
        .iter()
        .enumerate()
        .skip(stored.max(0) as usize)
    {
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

const STORED_UPDATES: &str =
    "SELECT coalesce(max(seq) + 1, 0) FROM incident_updates WHERE incident_id = ?1";
const STORED_ETA_REVISIONS: &str =
    "SELECT coalesce(max(seq) + 1, 0) FROM eta_revisions WHERE incident_id = ?1";

pub fn incident_by_id(conn: &Connection, id: &str) -> StoreResult<Option<Incident>> {
    Ok(incidents_by_ids(conn, &[id.to_string()])?.pop())
}

/// Loads the given notices, in the given order (ids that do not exist are skipped), with
/// a fixed number of queries however many there are.
pub fn incidents_by_ids(conn: &Connection, ids: &[String]) -> StoreResult<Vec<Incident>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted = serde_json::to_string(ids)
        .map_err(|e| StoreError::Corrupt(format!("cannot list ids: {e}")))?;
    let mut rows: HashMap<String, RawIncident> = conn
        .prepare_cached(INCIDENTS_BY_IDS)?
        .query_map([&wanted], RawIncident::from_row)?
        .map(|r| r.map(|raw| (raw.id.clone(), raw)))
        .collect::<Result<_, _>>()?;
    let mut children = Children::load(conn, &wanted)?;
    let mut out = Vec::with_capacity(rows.len());
    for id in ids {
        if let Some(raw) = rows.remove(id) {
            let kids = children.take(id);
            out.push(raw.into_incident(kids)?);
        }
    }
    Ok(out)
}

const NOTICE_VERSIONS: &str =
    "SELECT id, revision, updated_at FROM incidents WHERE id IN (SELECT value FROM json_each(?1))";

/// The revision and last change of each of the given notices that exists: every change
/// to a notice (its row or its timeline) moves both, so equal versions, equal notices.
pub fn notice_versions(
    conn: &Connection,
    ids: &[String],
) -> StoreResult<HashMap<String, (i64, DateTime<Utc>)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted = serde_json::to_string(ids)
        .map_err(|e| StoreError::Corrupt(format!("cannot list ids: {e}")))?;
    let rows = conn
        .prepare_cached(NOTICE_VERSIONS)?
        .query_map([&wanted], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, revision, at)| Ok((id, (revision, parse_time(&at)?))))
        .collect()
}

const INCIDENTS_BY_IDS: &str = concat!(
    "SELECT ",
    incident_columns!(),
    " FROM incidents WHERE id IN (SELECT value FROM json_each(?1))"
);

/// Every query above with the name it is known by, for the query-plan test.
#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[
    ("incidents_by_ids", INCIDENTS_BY_IDS),
    ("notice_versions", NOTICE_VERSIONS),
    ("stored_updates", STORED_UPDATES),
    ("stored_eta_revisions", STORED_ETA_REVISIONS),
    ("children_components", CHILD_COMPONENTS),
    ("children_alternatives", CHILD_ALTERNATIVES),
    ("children_updates", CHILD_UPDATES),
    ("children_changes", CHILD_CHANGES),
    ("children_eta_revisions", CHILD_ETA_REVISIONS),
];

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
    drill: bool,
    published_at: Option<String>,
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
            drill: r.get(22)?,
            published_at: r.get(23)?,
        })
    }

    fn into_incident(self, kids: Kids) -> StoreResult<Incident> {
        let window = match (
            parse_opt_time(self.scheduled_for)?,
            parse_opt_time(self.scheduled_until)?,
        ) {
            (Some(starts), Some(ends)) => Some(
                MaintenanceWindow::new(starts, ends).map_err(|e| StoreError::Corrupt(e.message))?,
            ),
            _ => None,
        };
        Ok(Incident::from_record(IncidentRecord {
            components: kids.components,
            alternatives: kids.alternatives,
            updates: kids.updates,
            eta_revisions: kids.eta_revisions,
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
            published_at: parse_opt_time(self.published_at)?,
            drill: self.drill,
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
        }))
    }
}

/// One notice's children, in display order.
#[derive(Default)]
struct Kids {
    components: Vec<AffectedComponent>,
    alternatives: Vec<Alternative>,
    updates: Vec<Update>,
    eta_revisions: Vec<EtaRevision>,
}

/// The children of a batch of notices, read with one query per child table. Rows come
/// with their position and are put in order here, so no query needs a temporary b-tree.
struct Children(HashMap<String, Kids>);

const CHILD_COMPONENTS: &str = "SELECT incident_id, position, component_id, status
    FROM incident_components WHERE incident_id IN (SELECT value FROM json_each(?1))";
const CHILD_ALTERNATIVES: &str =
    "SELECT incident_id, position, component_id, instructions_ko, instructions_en
    FROM incident_alternatives WHERE incident_id IN (SELECT value FROM json_each(?1))";
const CHILD_UPDATES: &str =
    "SELECT incident_id, seq, id, status, message_ko, message_en, created_at, eta, next_update_at
    FROM incident_updates WHERE incident_id IN (SELECT value FROM json_each(?1))";
const CHILD_CHANGES: &str =
    "SELECT c.update_id, c.rowid, c.component_id, c.old_status, c.new_status
    FROM incident_updates AS u CROSS JOIN update_component_changes AS c ON c.update_id = u.id
    WHERE u.incident_id IN (SELECT value FROM json_each(?1))";
const CHILD_ETA_REVISIONS: &str = "SELECT incident_id, seq, eta, previous, revised_at
    FROM eta_revisions WHERE incident_id IN (SELECT value FROM json_each(?1))";

impl Children {
    /// `wanted`: the notices' ids as a JSON array.
    fn load(conn: &Connection, wanted: &str) -> StoreResult<Children> {
        let mut kids: HashMap<String, Kids> = HashMap::new();

        let mut rows = conn
            .prepare_cached(CHILD_COMPONENTS)?
            .query_map([wanted], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        for (incident, _, component, status) in rows {
            kids.entry(incident)
                .or_default()
                .components
                .push(AffectedComponent {
                    id: ComponentId::from_trusted(component),
                    status: parse_enum(&status, ComponentStatus::parse)?,
                });
        }

        type AltRow = (String, i64, String, Option<String>, Option<String>);
        let mut rows = conn
            .prepare_cached(CHILD_ALTERNATIVES)?
            .query_map([wanted], |r| -> rusqlite::Result<AltRow> {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        for (incident, _, component, ko, en) in rows {
            kids.entry(incident)
                .or_default()
                .alternatives
                .push(Alternative {
                    component: ComponentId::from_trusted(component),
                    instructions: ko.map(|ko| LocalizedText { ko, en }),
                });
        }

        // Component changes by update, in the order they were recorded.
        type ChangeRow = (String, i64, String, String, String);
        let mut rows = conn
            .prepare_cached(CHILD_CHANGES)?
            .query_map([wanted], |r| -> rusqlite::Result<ChangeRow> {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by_key(|r| r.1);
        let mut changes: HashMap<String, Vec<ComponentChange>> = HashMap::new();
        for (update, _, component, old, new) in rows {
            changes.entry(update).or_default().push(ComponentChange {
                component: ComponentId::from_trusted(component),
                old: parse_enum(&old, ComponentStatus::parse)?,
                new: parse_enum(&new, ComponentStatus::parse)?,
            });
        }

        type UpdateRow = (
            String,
            i64,
            String,
            String,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
        );
        let mut rows = conn
            .prepare_cached(CHILD_UPDATES)?
            .query_map([wanted], |r| -> rusqlite::Result<UpdateRow> {
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
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        for (incident, _, id, status, ko, en, created_at, eta, next) in rows {
            let update = Update {
                changes: changes.remove(&id).unwrap_or_default(),
                id,
                status: parse_enum(&status, Status::parse)?,
                message: LocalizedText { ko, en },
                created_at: parse_time(&created_at)?,
                eta: parse_opt_time(eta)?,
                next_update_at: parse_opt_time(next)?,
            };
            kids.entry(incident).or_default().updates.push(update);
        }

        type EtaRow = (String, i64, Option<String>, Option<String>, String);
        let mut rows = conn
            .prepare_cached(CHILD_ETA_REVISIONS)?
            .query_map([wanted], |r| -> rusqlite::Result<EtaRow> {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        for (incident, _, eta, previous, at) in rows {
            kids.entry(incident)
                .or_default()
                .eta_revisions
                .push(EtaRevision {
                    eta: parse_opt_time(eta)?,
                    previous: parse_opt_time(previous)?,
                    revised_at: parse_time(&at)?,
                });
        }
        Ok(Children(kids))
    }

    fn take(&mut self, id: &str) -> Kids {
        self.0.remove(id).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
