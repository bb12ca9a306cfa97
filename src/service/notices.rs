//! Commands about incidents and maintenances (notices): open one, post to its timeline,
//! change it, and move a maintenance window along the clock.
//!
//! Input is read with the catalogue in hand (`read` closures), so a writer can tell every
//! problem of a request at once; the rules themselves are the domain's, and run again
//! here whatever the writer checked.

use rusqlite::{Connection, Transaction};
use serde_json::json;

use super::{Audit, Ctx, Done, IfMatch};
use crate::domain::{
    Catalog, ComponentChange, Incident, IncidentChanges, IncidentDraft, Kind, MaintenanceChanges,
    NoticeMark, StatusCause, UpdateDraft, new_id,
};
use crate::error::Error;
use crate::store;

/// Opens an incident or announces a maintenance (as the draft says). A window that is
/// already open (or over) moves at once, not at the next tick.
pub fn open(
    tx: &Transaction,
    ctx: &Ctx,
    read: impl FnOnce(&Catalog) -> Result<IncidentDraft, Error>,
) -> Result<Done<Incident>, Error> {
    let catalog = store::catalog(tx, None)?;
    let (notice, changes) = make(read(&catalog)?, ctx, &catalog)?;
    let action = match notice.kind {
        Kind::Incident => "incident.create",
        Kind::Maintenance => "maintenance.create",
    };
    save(tx, ctx, notice, None, &changes, action)
}

/// The notice [`open`] would make of what `read` gives, made by the same rules but not
/// saved, audited or published: for the console to preview before anything is stored.
/// Reads only (any read connection will do).
pub fn unsaved(
    conn: &Connection,
    ctx: &Ctx,
    read: impl FnOnce(&Catalog) -> Result<IncidentDraft, Error>,
) -> Result<Incident, Error> {
    let catalog = store::catalog(conn, None)?;
    let (notice, _) = make(read(&catalog)?, ctx, &catalog)?;
    Ok(notice)
}

/// A new notice by the domain's rules, with the public component changes it causes.
fn make(
    draft: IncidentDraft,
    ctx: &Ctx,
    catalog: &Catalog,
) -> Result<(Incident, Vec<ComponentChange>), Error> {
    let (mut notice, mut changes) =
        Incident::create(draft, new_id(), new_id(), ctx.now, catalog).map_err(Error::Invalid)?;
    if notice.kind == Kind::Maintenance {
        changes.extend(
            notice
                .catch_up(ctx.now, catalog)
                .map_err(|e| Error::invalid("status", e.0))?,
        );
    }
    Ok((notice, changes))
}

/// Posts an update to the timeline of the notice `id` of `kind`.
pub fn post_update(
    tx: &Transaction,
    ctx: &Ctx,
    id: &str,
    kind: Kind,
    read: impl FnOnce(&Incident, &Catalog) -> Result<UpdateDraft, Error>,
) -> Result<Done<Incident>, Error> {
    let mut notice = load(tx, id, kind)?;
    let before = notice.mark();
    let catalog = store::catalog(tx, Some(&notice.id))?;
    let update = read(&notice, &catalog)?;
    let changes = notice
        .post_update(update, new_id(), ctx.now, &catalog)
        .map_err(|e| Error::invalid("status", e.0))?;
    let action = match kind {
        Kind::Incident => "incident.update",
        Kind::Maintenance => "maintenance.update",
    };
    save(tx, ctx, notice, Some(before), &changes, action)
}

/// Changes an incident outside its timeline (title, ETA, publishing a draft, a
/// postmortem…), if it is still the version the writer saw.
pub fn change_incident(
    tx: &Transaction,
    ctx: &Ctx,
    id: &str,
    seen: &IfMatch,
    read: impl FnOnce(&Incident, &Catalog) -> Result<IncidentChanges, Error>,
) -> Result<Done<Incident>, Error> {
    let mut incident = load(tx, id, Kind::Incident)?;
    seen.check(&incident.id, incident.revision)?;
    let catalog = store::catalog(tx, Some(&incident.id))?;
    let changes = read(&incident, &catalog)?;
    let action = match changes.postmortem {
        Some(_) => "incident.postmortem",
        None => "incident.patch",
    };
    let before = incident.mark();
    let (start, end) = (incident.started_at, incident.resolved_at);
    let public = incident
        .change_incident(changes, ctx.now, &catalog)
        .map_err(Error::Invalid)?;
    follow_corrections(tx, &incident, start, end)?;
    save(tx, ctx, incident, Some(before), &public, action)
}

/// Changes a maintenance (its window, components, publishing a draft…), if it is still
/// the version the writer saw. A window moved into the past starts (or completes) now.
pub fn change_maintenance(
    tx: &Transaction,
    ctx: &Ctx,
    id: &str,
    seen: &IfMatch,
    read: impl FnOnce(&Incident, &Catalog) -> Result<MaintenanceChanges, Error>,
) -> Result<Done<Incident>, Error> {
    let mut maintenance = load(tx, id, Kind::Maintenance)?;
    seen.check(&maintenance.id, maintenance.revision)?;
    let catalog = store::catalog(tx, Some(&maintenance.id))?;
    let changes = read(&maintenance, &catalog)?;
    let before = maintenance.mark();
    let public = maintenance
        .change_maintenance(changes, ctx.now, &catalog)
        .map_err(Error::Invalid)?;
    save(
        tx,
        ctx,
        maintenance,
        Some(before),
        &public,
        "maintenance.patch",
    )
}

/// Starts or completes the maintenance `id` if its window says so; `None` when there
/// was nothing to do (then nothing is written or audited).
pub fn move_window(tx: &Transaction, ctx: &Ctx, id: &str) -> Result<Option<Done<Incident>>, Error> {
    let Some(mut m) = store::incident_by_id(tx, id)? else {
        return Ok(None);
    };
    let catalog = store::catalog(tx, Some(&m.id))?;
    let mark = m.mark();
    let before = m.updates.len();
    let changes = m.catch_up(ctx.now, &catalog).map_err(|e| {
        Error::from(store::StoreError::Corrupt(format!(
            "maintenance {id}: {}",
            e.0
        )))
    })?;
    if m.updates.len() == before {
        return Ok(None);
    }
    store::save_incident(tx, &m)?;
    store::apply_component_changes(tx, &changes, &cause_of(&m), ctx.now)?;
    store::insert_events(tx, &m.events_since(Some(mark), &changes, ctx.now))?;
    let audit = Audit {
        action: "maintenance.auto_transition",
        target: Some(m.id.clone()),
        detail: Some(json!({ "status": m.status.as_str() })),
    };
    Ok(Some(Done { value: m, audit }))
}

/// The notice `id`, if it is of `kind`.
pub fn load(tx: &Transaction, id: &str, kind: Kind) -> Result<Incident, Error> {
    store::incident_by_id(tx, id)?
        .filter(|i| i.kind == kind)
        .ok_or_else(|| Error::NotFound(kind.as_str().to_string()))
}

/// Stores the notice and its public component changes, with the events they tell (into
/// the outbox, in the same transaction), given where the notice stood `before` (`None`:
/// it is new); says what the audit log keeps.
fn save(
    tx: &Transaction,
    ctx: &Ctx,
    notice: Incident,
    before: Option<NoticeMark>,
    changes: &[ComponentChange],
    action: &'static str,
) -> Result<Done<Incident>, Error> {
    store::save_incident(tx, &notice)?;
    // An incident announced after it began is down from its start in the history.
    let first_public = notice.kind == Kind::Incident && before.is_none_or(|b| !b.was_public());
    let since = match first_public {
        true => notice.started_at.min(ctx.now),
        false => ctx.now,
    };
    store::apply_component_changes_since(tx, changes, &cause_of(&notice), since, ctx.now)?;
    store::insert_events(tx, &notice.events_since(before, changes, ctx.now))?;
    let audit = Audit {
        action,
        target: Some(notice.id.clone()),
        detail: Some(json!({
            "status": notice.status.as_str(),
            "impact": notice.impact.as_str(),
            "draft": notice.draft,
            "drill": notice.drill,
            "title": { "ko": notice.title.ko, "en": notice.title.en },
        })),
    };
    Ok(Done {
        value: notice,
        audit,
    })
}

/// What the status history says caused a notice's changes.
fn cause_of(notice: &Incident) -> StatusCause {
    match notice.kind {
        Kind::Incident => StatusCause::Incident(notice.id.clone()),
        Kind::Maintenance => StatusCause::Maintenance(notice.id.clone()),
    }
}

/// Moves the incident's history when its start or end was corrected: the changes of its
/// first recorded moment go to the new `started_at`, those made when it was resolved
/// (at the old `resolved_at`) to the new `resolved_at`.
fn follow_corrections(
    tx: &Transaction,
    incident: &Incident,
    old_start: chrono::DateTime<chrono::Utc>,
    old_end: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), Error> {
    if incident.started_at != old_start
        && let Some(first) = store::notice_history_start(tx, &incident.id)?
    {
        store::move_notice_history(tx, &incident.id, first, incident.started_at)?;
    }
    if let (Some(old), Some(new)) = (old_end, incident.resolved_at)
        && old != new
    {
        store::move_notice_history(tx, &incident.id, old, new)?;
    }
    Ok(())
}
