//! Commands about the component catalogue: add a payment channel or a group, change it
//! (its catalogue fields, or its status by hand), and delete it.

use rusqlite::Transaction;
use serde_json::json;

use super::{Audit, Ctx, Done, IfMatch};
use crate::domain::{
    Component, ComponentChange, ComponentId, ComponentStatus, FieldErrors, LocalizedText,
    StatusCause, component_event,
};
use crate::error::Error;
use crate::store;

/// A component to add, as a writer read it.
#[derive(Debug)]
pub struct NewComponent {
    pub id: ComponentId,
    pub name: LocalizedText,
    pub description: Option<LocalizedText>,
    /// A group holds channels; its status is the worst of theirs.
    pub group: bool,
    pub group_id: Option<ComponentId>,
    /// Order on the page; after the last when `None`.
    pub position: Option<i64>,
    pub fallbacks: Vec<ComponentId>,
}

/// Changes to a component; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct ComponentChanges {
    pub name: Option<LocalizedText>,
    pub description: Option<Option<LocalizedText>>,
    pub group_id: Option<Option<ComponentId>>,
    pub position: Option<i64>,
    pub fallbacks: Option<Vec<ComponentId>>,
    /// The channel's status outside any notice (not for groups).
    pub status: Option<ComponentStatus>,
}

impl ComponentChanges {
    /// Whether the catalogue changes (as opposed to only the status): the two are
    /// different jobs, with different scopes.
    pub fn touches_catalogue(&self) -> bool {
        self.name.is_some()
            || self.description.is_some()
            || self.group_id.is_some()
            || self.position.is_some()
            || self.fallbacks.is_some()
    }
}

pub fn create(tx: &Transaction, ctx: &Ctx, input: NewComponent) -> Result<Done<Component>, Error> {
    if store::component_id_taken(tx, input.id.as_str())? {
        return Err(Error::Conflict(format!(
            "component id `{}` is already in use (ids are never reused)",
            input.id
        )));
    }
    let mut errors = FieldErrors::default();
    if input.group && input.group_id.is_some() {
        errors.push("group_id", "a group cannot belong to another group");
    } else if let Some(g) = &input.group_id {
        check_group(tx, g, &mut errors)?;
    }
    let fallbacks = check_fallbacks(tx, &input.fallbacks, &input.id, &mut errors)?;
    errors.into_result().map_err(Error::Invalid)?;
    let position = match input.position {
        Some(p) => p,
        None => {
            store::all_components(tx, true)?
                .iter()
                .map(|c| c.position)
                .max()
                .unwrap_or(0)
                + 1
        }
    };
    let c = Component {
        id: input.id,
        name: input.name,
        description: input.description,
        is_group: input.group,
        group_id: input.group_id,
        position,
        status: ComponentStatus::Operational,
        fallbacks,
        created_at: ctx.now,
        updated_at: ctx.now,
        revision: 1,
    };
    store::insert_component(tx, &c)?;
    Ok(done(c, "component.create"))
}

/// Changes the component `id`, if it is still the version the writer saw.
pub fn change(
    tx: &Transaction,
    ctx: &Ctx,
    id: &str,
    seen: &IfMatch,
    changes: ComponentChanges,
) -> Result<Done<Component>, Error> {
    let mut c = load(tx, id, seen)?;
    let mut errors = FieldErrors::default();
    match &changes.group_id {
        Some(Some(_)) if c.is_group => {
            errors.push("group_id", "a group cannot belong to another group")
        }
        Some(Some(g)) => check_group(tx, g, &mut errors)?,
        _ => {}
    }
    let fallbacks = match &changes.fallbacks {
        Some(f) => Some(check_fallbacks(tx, f, &c.id, &mut errors)?),
        None => None,
    };
    if changes.status.is_some() && c.is_group {
        errors.push("status", "a group's status follows its members; set theirs");
    }
    errors.into_result().map_err(Error::Invalid)?;
    let action = if changes.status.is_some() && !changes.touches_catalogue() {
        "component.set_status"
    } else {
        "component.update"
    };
    if let Some(name) = changes.name {
        c.name = name;
    }
    if let Some(d) = changes.description {
        c.description = d;
    }
    if let Some(g) = changes.group_id {
        c.group_id = g;
    }
    if let Some(p) = changes.position {
        c.position = p;
    }
    if let Some(f) = fallbacks {
        c.fallbacks = f;
    }
    if let Some(s) = changes.status.filter(|s| *s != c.status) {
        let change = ComponentChange {
            component: c.id.clone(),
            old: c.status,
            new: s,
        };
        store::record_status_changes(
            tx,
            std::slice::from_ref(&change),
            &StatusCause::Manual,
            ctx.now,
        )?;
        store::insert_events(tx, &[component_event(change, ctx.now)])?;
        c.status = s;
    }
    c.updated_at = ctx.now;
    c.revision += 1;
    store::update_component(tx, &c)?;
    Ok(done(c, action))
}

/// Deletes the component `id` (it is kept for the past notices that name it). Refused
/// while a group has members or an active notice holds the component.
pub fn delete(
    tx: &Transaction,
    ctx: &Ctx,
    id: &str,
    seen: &IfMatch,
) -> Result<Done<ComponentId>, Error> {
    let c = load(tx, id, seen)?;
    if c.is_group && !store::group_members(tx, &c.id)?.is_empty() {
        return Err(Error::Conflict(
            "this group still has payment channels; move or delete them first".into(),
        ));
    }
    let holding = store::active_notices_holding(tx, &c.id)?;
    if !holding.is_empty() {
        return Err(Error::Conflict(format!(
            "an active incident, maintenance or firing alert holds this component ({}); close or resolve it first",
            holding.join(", ")
        )));
    }
    store::delete_component(tx, &c.id, ctx.now)?;
    let audit = Audit {
        action: "component.delete",
        target: Some(c.id.to_string()),
        detail: Some(json!({ "name": { "ko": c.name.ko, "en": c.name.en } })),
    };
    Ok(Done { value: c.id, audit })
}

/// The component `id`, checked against the version the writer saw.
fn load(tx: &Transaction, id: &str, seen: &IfMatch) -> Result<Component, Error> {
    let c = store::component_by_id(tx, id)?.ok_or_else(|| Error::NotFound("component".into()))?;
    seen.check(c.id.as_str(), c.revision)?;
    Ok(c)
}

fn done(c: Component, action: &'static str) -> Done<Component> {
    let audit = Audit {
        action,
        target: Some(c.id.to_string()),
        detail: Some(json!({
            "name": { "ko": c.name.ko, "en": c.name.en },
            "status": c.status.as_str(),
        })),
    };
    Done { value: c, audit }
}

fn check_group(tx: &Transaction, g: &ComponentId, errors: &mut FieldErrors) -> Result<(), Error> {
    match store::component_by_id(tx, g.as_str())? {
        Some(c) if c.is_group => {}
        Some(_) => errors.push("group_id", format!("`{g}` is not a group")),
        None => errors.push("group_id", format!("there is no group `{g}`")),
    }
    Ok(())
}

/// Fallbacks must be payment channels other than the component itself; a repeat counts
/// once.
fn check_fallbacks(
    tx: &Transaction,
    list: &[ComponentId],
    own: &ComponentId,
    errors: &mut FieldErrors,
) -> Result<Vec<ComponentId>, Error> {
    let mut out: Vec<ComponentId> = Vec::new();
    for (i, id) in list.iter().enumerate() {
        let field = format!("fallbacks[{i}]");
        match store::component_by_id(tx, id.as_str())? {
            _ if id == own => errors.push(field, "a channel cannot be its own fallback"),
            Some(c) if c.is_group => {
                errors.push(field, format!("`{id}` is a group; name a payment channel"))
            }
            Some(_) if out.contains(id) => {}
            Some(_) => out.push(id.clone()),
            None => errors.push(field, format!("there is no component `{id}`")),
        }
    }
    Ok(out)
}
