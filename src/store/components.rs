//! Queries about payment channels.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{parse_enum, parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{Catalog, Component, ComponentId, ComponentStatus, LocalizedText};

const COLUMNS: &str = "id, name_ko, name_en, description_ko, description_en, is_group, group_id, \
                       position, status, fallbacks, created_at, updated_at, revision";

fn from_row(r: &Row) -> rusqlite::Result<RawComponent> {
    Ok(RawComponent {
        id: r.get(0)?,
        name_ko: r.get(1)?,
        name_en: r.get(2)?,
        description_ko: r.get(3)?,
        description_en: r.get(4)?,
        is_group: r.get(5)?,
        group_id: r.get(6)?,
        position: r.get(7)?,
        status: r.get(8)?,
        fallbacks: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        revision: r.get(12)?,
    })
}

struct RawComponent {
    id: String,
    name_ko: String,
    name_en: Option<String>,
    description_ko: Option<String>,
    description_en: Option<String>,
    is_group: bool,
    group_id: Option<String>,
    position: i64,
    status: String,
    fallbacks: String,
    created_at: String,
    updated_at: String,
    revision: i64,
}

impl RawComponent {
    fn into_domain(self) -> StoreResult<Component> {
        let fallbacks: Vec<String> = serde_json::from_str(&self.fallbacks)
            .map_err(|e| StoreError::Corrupt(format!("fallbacks of {}: {e}", self.id)))?;
        Ok(Component {
            id: ComponentId::from_trusted(self.id),
            name: LocalizedText {
                ko: self.name_ko,
                en: self.name_en,
            },
            description: self.description_ko.map(|ko| LocalizedText {
                ko,
                en: self.description_en,
            }),
            is_group: self.is_group,
            group_id: self.group_id.map(ComponentId::from_trusted),
            position: self.position,
            status: parse_enum(&self.status, ComponentStatus::parse)?,
            fallbacks: fallbacks
                .into_iter()
                .map(ComponentId::from_trusted)
                .collect(),
            created_at: parse_time(&self.created_at)?,
            updated_at: parse_time(&self.updated_at)?,
            revision: self.revision,
        })
    }
}

/// Every component in display order; deleted ones only when asked (history names them).
pub fn all_components(conn: &Connection, include_deleted: bool) -> StoreResult<Vec<Component>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM components WHERE deleted_at IS NULL OR ?1 ORDER BY position, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let raw = stmt
        .query_map([include_deleted], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    raw.into_iter().map(RawComponent::into_domain).collect()
}

pub fn component_by_id(conn: &Connection, id: &str) -> StoreResult<Option<Component>> {
    let sql = format!("SELECT {COLUMNS} FROM components WHERE id = ?1 AND deleted_at IS NULL");
    let raw = conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?;
    raw.map(RawComponent::into_domain).transpose()
}

/// Whether the id was ever used, deleted components included (ids are never reused).
pub fn component_id_taken(conn: &Connection, id: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM components WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn insert_component(conn: &Connection, c: &Component) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO components ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        c.id.as_str(),
        c.name.ko,
        c.name.en,
        c.description.as_ref().map(|d| &d.ko),
        c.description.as_ref().and_then(|d| d.en.as_ref()),
        c.is_group,
        c.group_id.as_ref().map(ComponentId::as_str),
        c.position,
        c.status.as_str(),
        fallbacks_json(c)?,
        time(c.created_at),
        time(c.updated_at),
        c.revision,
    ])?;
    Ok(())
}

pub fn update_component(conn: &Connection, c: &Component) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE components SET name_ko = ?2, name_en = ?3, description_ko = ?4, description_en = ?5,
             group_id = ?6, position = ?7, status = ?8, fallbacks = ?9, updated_at = ?10, revision = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        c.id.as_str(),
        c.name.ko,
        c.name.en,
        c.description.as_ref().map(|d| &d.ko),
        c.description.as_ref().and_then(|d| d.en.as_ref()),
        c.group_id.as_ref().map(ComponentId::as_str),
        c.position,
        c.status.as_str(),
        fallbacks_json(c)?,
        time(c.updated_at),
        c.revision,
    ])?;
    Ok(())
}

fn fallbacks_json(c: &Component) -> StoreResult<String> {
    serde_json::to_string(&c.fallbacks).map_err(|e| {
        StoreError::Encode(format!("the fallbacks of component {}: {e}", c.id.as_str()))
    })
}

/// Sets a component's public status (from an incident, a maintenance or by hand).
pub fn set_component_status(
    conn: &Connection,
    id: &ComponentId,
    status: ComponentStatus,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE components SET status = ?2, updated_at = ?3, revision = revision + 1
         WHERE id = ?1 AND status != ?2",
    )?
    .execute(params![id.as_str(), status.as_str(), time(now)])?;
    Ok(())
}

/// Hides a component from the page; past incidents keep naming it.
pub fn delete_component(
    conn: &Connection,
    id: &ComponentId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE components SET deleted_at = ?2, revision = revision + 1 WHERE id = ?1",
    )?
    .execute(params![id.as_str(), time(now)])?;
    // Others stop suggesting it.
    let mut stmt =
        conn.prepare_cached("SELECT id, fallbacks FROM components WHERE fallbacks LIKE ?1")?;
    let rows = stmt
        .query_map([format!("%\"{}\"%", id.as_str())], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (other, json) in rows {
        let list: Vec<String> = serde_json::from_str(&json).map_err(|e| {
            StoreError::Corrupt(format!(
                "component {other} has fallbacks that are not a JSON list: {e}"
            ))
        })?;
        let kept: Vec<&String> = list.iter().filter(|f| *f != id.as_str()).collect();
        let kept = serde_json::to_string(&kept)
            .map_err(|e| StoreError::Encode(format!("the fallbacks of component {other}: {e}")))?;
        conn.prepare_cached("UPDATE components SET fallbacks = ?2 WHERE id = ?1")?
            .execute(params![other, kept])?;
    }
    Ok(())
}

/// Ids of live components that belong to `group`.
pub fn group_members(conn: &Connection, group: &ComponentId) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM components WHERE group_id = ?1 AND deleted_at IS NULL ORDER BY position",
    )?;
    Ok(stmt
        .query_map([group.as_str()], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Ids of active notices (open incidents, ongoing maintenances) that hold `component`.
pub fn active_notices_holding(
    conn: &Connection,
    component: &ComponentId,
) -> StoreResult<Vec<String>> {
    Ok(active_holdings(conn)?
        .into_iter()
        .filter(|h| h.component == component.as_str())
        .map(|h| h.notice)
        .collect())
}

/// Every active notice (public open incidents, maintenances in progress or verifying;
/// mirrors `Incident::is_active`: drafts and drills hold nothing), firing alert (named
/// `alert:<key>`) and flapping channel (`flapping:<id>`) with the components it holds. Read from the few unclosed notices outward (`CROSS JOIN` keeps that order),
/// never from a component's whole past.
const ACTIVE_HOLDINGS: &str = "
SELECT i.id, ic.component_id, ic.status
FROM incidents AS i INDEXED BY incidents_unclosed
    CROSS JOIN incident_components AS ic ON ic.incident_id = i.id
WHERE i.kind = 'incident' AND i.status NOT IN ('resolved', 'postmortem', 'completed')
  AND i.draft = 0 AND i.drill = 0
UNION ALL
SELECT i.id, ic.component_id, ic.status
FROM incidents AS i INDEXED BY incidents_unclosed
    CROSS JOIN incident_components AS ic ON ic.incident_id = i.id
WHERE i.kind = 'maintenance' AND i.status NOT IN ('resolved', 'postmortem', 'completed')
  AND i.status IN ('in_progress', 'verifying') AND i.draft = 0 AND i.drill = 0
UNION ALL
SELECT 'alert:' || a.key, ac.component_id, a.component_status
FROM alerts AS a CROSS JOIN alert_components AS ac ON ac.alert_key = a.key
WHERE a.state = 'firing'
UNION ALL
SELECT 'flapping:' || component_id, component_id, status FROM damped_components";

struct Holding {
    notice: String,
    component: String,
    status: String,
}

fn active_holdings(conn: &Connection) -> StoreResult<Vec<Holding>> {
    Ok(conn
        .prepare_cached(ACTIVE_HOLDINGS)?
        .query_map([], |r| {
            Ok(Holding {
                notice: r.get(0)?,
                component: r.get(1)?,
                status: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// What a write needs to know about components, seen from notice `exclude` (if any).
pub fn catalog(conn: &Connection, exclude: Option<&str>) -> StoreResult<Catalog> {
    let mut cat = Catalog::default();
    for c in all_components(conn, false)? {
        if c.is_group {
            cat.groups.insert(c.id.clone());
        }
        cat.statuses.insert(c.id, c.status);
    }
    for h in active_holdings(conn)? {
        if Some(h.notice.as_str()) == exclude {
            continue;
        }
        let status = parse_enum(&h.status, ComponentStatus::parse)?;
        cat.active_elsewhere
            .entry(ComponentId::from_trusted(h.component))
            .or_default()
            .push(status);
    }
    Ok(cat)
}

#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[("active_holdings", ACTIVE_HOLDINGS)];

/// Applies public status changes, recording each in the status history as made now
/// because of `cause`, in the same transaction.
pub fn apply_component_changes(
    conn: &Connection,
    changes: &[crate::domain::ComponentChange],
    cause: &crate::domain::StatusCause,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    apply_component_changes_since(conn, changes, cause, now, now)
}

/// The same as [`apply_component_changes`], with the history saying the change happened
/// at `since` (an incident announced after it began: its outage starts at `started_at`).
pub fn apply_component_changes_since(
    conn: &Connection,
    changes: &[crate::domain::ComponentChange],
    cause: &crate::domain::StatusCause,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for c in changes {
        set_component_status(conn, &c.component, c.new, now)?;
    }
    super::record_status_changes(conn, changes, cause, since)
}
