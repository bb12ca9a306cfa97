//! Commands of monitoring's alerts: a firing alert holds its channels at its status and
//! opens a draft incident (or is linked to an open one); a resolved alert lets its
//! channels go unless something else holds them, and suggests a `monitoring` update; a
//! flapping channel is held until it has been stable. Each alert that changed something
//! gets its own audit row; repeats change and record nothing.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde_json::{Value, json};

use super::{Audit, Ctx, Done, IfMatch, notices};
use crate::domain::{
    AffectedComponent, AlertSettings, AlertSignal, Catalog, Component, ComponentChange,
    ComponentId, ComponentStatus, FieldErrors, Fill, IncidentDraft, Kind, NextUpdate, StatusCause,
    Template, TemplateKind, component_event, fallback_incident_template, new_id,
    recovery_proposal_template, status_after_close,
};
use crate::error::Error;
use crate::store::{self, AlertRecord, ProposedUpdate};

/// What one alert did, for the answer and the audit log.
#[derive(Debug, Clone)]
pub struct AlertOutcome {
    pub key: String,
    pub name: String,
    pub firing: bool,
    /// Nothing changed: a repeat of what was already known.
    pub repeat: bool,
    pub changes: Vec<ComponentChange>,
    /// The incident it opened (`opened`) or was linked to.
    pub incident: Option<String>,
    pub opened: bool,
    pub published: bool,
    /// Flapping channels held at their worst status instead of being let go.
    pub damped: Vec<ComponentId>,
    /// The `monitoring` update suggested for the linked incident.
    pub proposal: Option<String>,
}

/// Takes in what a monitor reported, all or nothing: an unknown channel or template
/// anywhere refuses the whole request before anything changes.
pub fn receive(
    tx: &Transaction,
    ctx: &Ctx,
    signals: Vec<AlertSignal>,
) -> Result<(Vec<AlertOutcome>, Vec<Audit>), Error> {
    let catalog = store::catalog(tx, None)?;
    let mut errors = FieldErrors::default();
    for s in &signals {
        for c in &s.components {
            errors.check(catalog.check_channel(c, &s.field));
        }
        if let Some(t) = &s.template {
            match store::template_by_id(tx, t.as_str())? {
                Some(found) if found.kind == TemplateKind::Incident => {}
                Some(_) => errors.push(
                    format!("{}.paystatus_template", annotations(&s.field)),
                    format!("`{t}` is not an incident template"),
                ),
                None => errors.push(
                    format!("{}.paystatus_template", annotations(&s.field)),
                    format!("there is no template `{t}`"),
                ),
            }
        }
    }
    errors.into_result().map_err(Error::Invalid)?;
    let settings = store::alert_settings(tx)?;
    let mut outcomes = Vec::new();
    let mut audits = Vec::new();
    for s in signals {
        let outcome = if s.firing {
            fire(tx, ctx, &settings, &s)?
        } else {
            resolve(tx, ctx, &settings, &s)?
        };
        if !outcome.repeat {
            audits.push(audit(&s, &outcome));
        }
        outcomes.push(outcome);
    }
    Ok((outcomes, audits))
}

/// `alerts[0].labels.paystatus_component` → `alerts[0].annotations`.
fn annotations(field: &str) -> String {
    match field.split_once(".labels") {
        Some((alert, _)) => format!("{alert}.annotations"),
        None => field.to_string(),
    }
}

fn fire(
    tx: &Transaction,
    ctx: &Ctx,
    settings: &AlertSettings,
    s: &AlertSignal,
) -> Result<AlertOutcome, Error> {
    let status = s.status(settings);
    let known = store::alert_by_key(tx, &s.key)?;
    let mut outcome = outcome_of(s);
    if let Some(a) = &known
        && a.firing
        && a.status == status
        && a.components == s.components
    {
        outcome.repeat = true;
        outcome.incident = a.incident_id.clone();
        return Ok(outcome);
    }
    let was_firing = known.as_ref().is_some_and(|a| a.firing);
    // An incident it was linked to earlier stays its incident while it is open.
    let open = store::open_incidents(tx)?;
    let linked = known
        .as_ref()
        .and_then(|a| a.incident_id.clone())
        .filter(|id| open.iter().any(|o| &o.id == id));
    let record = AlertRecord {
        key: s.key.clone(),
        source: s.source.clone(),
        name: s.name.clone(),
        firing: true,
        status,
        components: s.components.clone(),
        summary: s.summary.clone(),
        incident_id: linked.clone(),
        first_fired_at: known.as_ref().map_or(ctx.now, |a| a.first_fired_at),
        fired_at: ctx.now,
        resolved_at: None,
    };
    store::save_firing_alert(tx, &record)?;
    let window_start = ctx.now - settings.window();
    for c in &s.components {
        if !was_firing {
            store::record_flip(tx, c, ctx.now, false, status, window_start)?;
        }
        // A flapping channel that fires again is held at least this badly.
        if store::damped(tx, c)?.is_some() {
            store::damp(tx, c, status, ctx.now)?;
        }
    }
    // The channels it left (its labels changed while firing) are let go below.
    let left: Vec<ComponentId> = known
        .iter()
        .filter(|a| a.firing)
        .flat_map(|a| a.components.iter())
        .filter(|c| !s.components.contains(c))
        .cloned()
        .collect();
    let catalog = store::catalog(tx, None)?;
    let mut changes = Vec::new();
    for c in &s.components {
        let old = catalog.status(c);
        // A new alert never makes a channel look better than it is; a firing alert whose
        // status changed owns the channel's status with whatever else holds it.
        let held = held_status(&catalog, c);
        let new = if was_firing { held } else { held.max(old) };
        push_change(&mut changes, c, old, new);
    }
    for c in &left {
        let old = catalog.status(c);
        push_change(&mut changes, c, old, held_status(&catalog, c));
    }
    store_changes(tx, ctx, &StatusCause::Alert(s.key.clone()), &changes)?;
    outcome.changes = changes;

    match linked.or_else(|| covering(&open, &s.components)) {
        Some(id) => {
            store::link_alert(tx, &s.key, &id)?;
            outcome.incident = Some(id);
        }
        None => {
            let opened = open_incident(tx, ctx, s, status)?;
            store::link_alert(tx, &s.key, &opened.value.id)?;
            outcome.published = !opened.value.draft;
            outcome.incident = Some(opened.value.id.clone());
            outcome.opened = true;
            super::record(tx, ctx, &opened.audit)?;
        }
    }
    Ok(outcome)
}

fn resolve(
    tx: &Transaction,
    ctx: &Ctx,
    settings: &AlertSettings,
    s: &AlertSignal,
) -> Result<AlertOutcome, Error> {
    let mut outcome = outcome_of(s);
    // Never seen firing (it began and ended between two sends), or already resolved:
    // it holds nothing, so there is nothing to let go.
    let Some(a) = store::alert_by_key(tx, &s.key)?.filter(|a| a.firing) else {
        outcome.repeat = true;
        return Ok(outcome);
    };
    store::resolve_alert(tx, &a.key, ctx.now)?;
    let window_start = ctx.now - settings.window();
    for c in &a.components {
        let (resolves, worst) = store::record_flip(tx, c, ctx.now, true, a.status, window_start)?;
        if settings.is_flapping(resolves) || store::damped(tx, c)?.is_some() {
            store::damp(tx, c, worst, ctx.now)?;
            outcome.damped.push(c.clone());
        }
    }
    let catalog = store::catalog(tx, None)?;
    let mut changes = Vec::new();
    for c in &a.components {
        let old = catalog.status(c);
        push_change(&mut changes, c, old, held_status(&catalog, c));
    }
    store_changes(tx, ctx, &StatusCause::Alert(a.key.clone()), &changes)?;
    outcome.changes = changes;
    outcome.incident = a.incident_id.clone();
    if let Some(incident) = &a.incident_id
        && store::open_incidents(tx)?.iter().any(|o| &o.id == incident)
    {
        outcome.proposal = Some(propose_recovery(tx, ctx, &a, incident)?);
    }
    Ok(outcome)
}

/// Lets go of the flapping channels that have been stable for the window: each to what
/// still holds it. One audit row per channel; nothing when none is due.
pub fn release_settled(tx: &Transaction, ctx: &Ctx) -> Result<Vec<Audit>, Error> {
    let settings = store::alert_settings(tx)?;
    let mut audits = Vec::new();
    for d in store::all_damped(tx)? {
        if ctx.now - d.last_flip_at < settings.window() {
            continue;
        }
        store::undamp(tx, &d.component)?;
        let catalog = store::catalog(tx, None)?;
        let old = catalog.status(&d.component);
        let mut changes = Vec::new();
        push_change(
            &mut changes,
            &d.component,
            old,
            held_status(&catalog, &d.component),
        );
        store_changes(tx, ctx, &StatusCause::Flapping, &changes)?;
        audits.push(Audit {
            action: "alert.flapping_settled",
            target: Some(d.component.to_string()),
            detail: Some(json!({
                "held_since": d.since,
                "last_flip_at": d.last_flip_at,
                "held_at": d.status.as_str(),
                "changes": changes_json(&changes),
            })),
        });
    }
    Ok(audits)
}

/// When the next flapping channel may be let go, for the timer.
pub fn next_release(
    conn: &rusqlite::Connection,
) -> Result<Option<DateTime<Utc>>, crate::store::StoreError> {
    let settings = store::alert_settings(conn)?;
    Ok(store::all_damped(conn)?
        .into_iter()
        .map(|d| d.last_flip_at + settings.window())
        .min())
}

/// Replaces the settings, if they are still the version the writer saw.
pub fn change_settings(
    tx: &Transaction,
    ctx: &Ctx,
    seen: &IfMatch,
    mut settings: AlertSettings,
) -> Result<Done<AlertSettings>, Error> {
    let current = store::alert_settings(tx)?;
    seen.check(SETTINGS_ID, current.revision)?;
    settings.check().map_err(Error::Invalid)?;
    settings.revision = current.revision + 1;
    settings.updated_at = Some(ctx.now);
    store::save_alert_settings(tx, &settings)?;
    let audit = Audit {
        action: "alert.settings",
        target: None,
        detail: Some(settings_json(&settings)),
    };
    Ok(Done {
        value: settings,
        audit,
    })
}

/// The settings' ETag is made of this and their revision.
pub const SETTINGS_ID: &str = "alert-settings";

pub fn settings_json(s: &AlertSettings) -> Value {
    let severities: serde_json::Map<String, Value> = s
        .severities
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    json!({
        "severities": severities,
        "otherwise": s.otherwise.as_str(),
        "flapping": { "count": s.flap_count, "window_minutes": s.flap_window_minutes },
    })
}

/// The worst status anything still holds `c` at (open incidents, maintenances, firing
/// alerts, a flapping hold), or operational.
fn held_status(catalog: &Catalog, c: &ComponentId) -> ComponentStatus {
    status_after_close(
        catalog
            .active_elsewhere
            .get(c)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
    )
}

fn push_change(
    changes: &mut Vec<ComponentChange>,
    c: &ComponentId,
    old: ComponentStatus,
    new: ComponentStatus,
) {
    if old != new && !changes.iter().any(|x| &x.component == c) {
        changes.push(ComponentChange {
            component: c.clone(),
            old,
            new,
        });
    }
}

/// Stores the public status changes (recorded in the status history as caused by
/// `cause`), with the events that tell subscribers and webhooks.
fn store_changes(
    tx: &Transaction,
    ctx: &Ctx,
    cause: &StatusCause,
    changes: &[ComponentChange],
) -> Result<(), Error> {
    store::apply_component_changes(tx, changes, cause, ctx.now)?;
    let events: Vec<_> = changes
        .iter()
        .map(|c| component_event(c.clone(), ctx.now))
        .collect();
    store::insert_events(tx, &events)?;
    Ok(())
}

/// The open incident naming most of the alert's channels (a public one before a draft,
/// then the newest), if any names one.
fn covering(open: &[store::OpenIncident], channels: &[ComponentId]) -> Option<String> {
    open.iter()
        .rev()
        .map(|o| {
            let shared = channels.iter().filter(|c| o.channels.contains(c)).count();
            (shared, !o.draft, o)
        })
        .filter(|(shared, _, _)| *shared > 0)
        .max_by_key(|(shared, public, _)| (*shared, *public))
        .map(|(_, _, o)| o.id.clone())
}

/// Opens the alert's incident from its template: the one the alert names, else the
/// first incident template that names one of its channels, else the built-in words. A
/// draft unless the alert asks to publish it.
fn open_incident(
    tx: &Transaction,
    ctx: &Ctx,
    s: &AlertSignal,
    status: ComponentStatus,
) -> Result<Done<crate::domain::Incident>, Error> {
    let template = match &s.template {
        Some(id) => store::template_by_id(tx, id.as_str())?,
        None => store::all_templates(tx)?.into_iter().find(|t| {
            t.kind == TemplateKind::Incident
                && t.components.iter().any(|c| s.components.contains(&c.id))
        }),
    }
    .unwrap_or_else(|| fallback_incident_template(ctx.now));
    let affected: Vec<AffectedComponent> = s
        .components
        .iter()
        .map(|c| AffectedComponent {
            id: c.clone(),
            status,
        })
        .collect();
    let catalogue = store::all_components(tx, false)?;
    let applied = fill(&template, &catalogue, &affected, ctx);
    let draft = IncidentDraft {
        kind: Kind::Incident,
        title: applied.title,
        message: applied.message,
        status: applied.status,
        impact: None,
        components: applied.components,
        eta: None,
        next_update: applied.next_update_minutes.map(NextUpdate::Every),
        alternatives: Vec::new(),
        started_at: None,
        draft: !s.publish,
        drill: false,
        window: None,
        auto_transition: false,
    };
    notices::open(tx, ctx, |_| Ok(draft))
}

fn fill(
    template: &Template,
    catalogue: &[Component],
    affected: &[AffectedComponent],
    ctx: &Ctx,
) -> crate::domain::Applied {
    crate::domain::apply(
        template,
        &Fill {
            catalogue,
            components: Some(affected),
            eta: None,
            tz: ctx.timezone,
            now: ctx.now,
        },
    )
}

/// Suggests the `monitoring` update for the resolved alert's incident.
fn propose_recovery(
    tx: &Transaction,
    ctx: &Ctx,
    a: &AlertRecord,
    incident: &str,
) -> Result<String, Error> {
    let updates = store::incident_by_id(tx, incident)?.map_or(0, |i| i.updates.len());
    let catalogue = store::all_components(tx, false)?;
    let affected: Vec<AffectedComponent> = a
        .components
        .iter()
        .map(|c| AffectedComponent {
            id: c.clone(),
            status: ComponentStatus::Operational,
        })
        .collect();
    let applied = fill(
        &recovery_proposal_template(ctx.now),
        &catalogue,
        &affected,
        ctx,
    );
    let proposal = ProposedUpdate {
        id: new_id(),
        incident_id: incident.to_string(),
        alert_key: a.key.clone(),
        status: applied.status.unwrap_or(crate::domain::Status::Monitoring),
        message: applied.message,
        created_at: ctx.now,
        updates_seen: updates,
    };
    store::insert_proposed_update(tx, &proposal)?;
    Ok(proposal.id)
}

fn outcome_of(s: &AlertSignal) -> AlertOutcome {
    AlertOutcome {
        key: s.key.clone(),
        name: s.name.clone(),
        firing: s.firing,
        repeat: false,
        changes: Vec::new(),
        incident: None,
        opened: false,
        published: false,
        damped: Vec::new(),
        proposal: None,
    }
}

fn changes_json(changes: &[ComponentChange]) -> Value {
    changes
        .iter()
        .map(|c| json!({ "component": c.component.as_str(), "old": c.old.as_str(), "new": c.new.as_str() }))
        .collect()
}

fn audit(s: &AlertSignal, o: &AlertOutcome) -> Audit {
    let components: Vec<&str> = s.components.iter().map(|c| c.as_str()).collect();
    Audit {
        action: if o.firing {
            "alert.fired"
        } else {
            "alert.resolved"
        },
        target: o.incident.clone(),
        detail: Some(json!({
            "alert": s.key,
            "name": s.name,
            "source": s.source,
            "components": components,
            "summary": s.summary,
            "changes": changes_json(&o.changes),
            "incident": o.incident,
            "opened": o.opened,
            "published": o.published,
            "flapping": o.damped.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "proposed_update": o.proposal,
        })),
    }
}
