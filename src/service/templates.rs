//! Commands about notice templates: save one, change it, delete it; and `prefill`, the
//! read that applies one for a writer's new notice (the admin API, the console).
//!
//! Input is read with the catalogue in hand (`read` closures), so a writer can tell every
//! problem of a request at once; the template's rules are the domain's, and run again
//! here whatever the writer checked.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, Transaction};
use serde_json::json;

use super::{Audit, Ctx, Done, IfMatch};
use crate::domain::{
    AffectedComponent, Applied, Catalog, Fill, Template, TemplateChanges, TemplateDraft,
    TemplateId, apply,
};
use crate::error::Error;
use crate::store;

/// Saves a new template. Refused with a conflict when its id is in use.
pub fn create(
    tx: &Transaction,
    ctx: &Ctx,
    read: impl FnOnce(&Catalog) -> Result<TemplateDraft, Error>,
) -> Result<Done<Template>, Error> {
    let catalog = store::catalog(tx, None)?;
    let draft = read(&catalog)?;
    if store::template_by_id(tx, draft.id.as_str())?.is_some() {
        return Err(Error::Conflict(format!(
            "template id `{}` is already in use",
            draft.id
        )));
    }
    let t = Template::create(draft, ctx.now, &catalog).map_err(Error::Invalid)?;
    store::insert_template(tx, &t)?;
    Ok(done(t, "template.create"))
}

/// Changes the template `id`, if it is still the version the writer saw.
pub fn change(
    tx: &Transaction,
    ctx: &Ctx,
    id: &str,
    seen: &IfMatch,
    read: impl FnOnce(&Template, &Catalog) -> Result<TemplateChanges, Error>,
) -> Result<Done<Template>, Error> {
    let t = load(tx, id, seen)?;
    let catalog = store::catalog(tx, None)?;
    let changes = read(&t, &catalog)?;
    let changed = t
        .changed(changes, ctx.now, &catalog)
        .map_err(Error::Invalid)?;
    store::update_template(tx, &changed)?;
    Ok(done(changed, "template.update"))
}

/// Deletes the template `id`, if it is still the version the writer saw. The audit row
/// keeps its words.
pub fn delete(tx: &Transaction, id: &str, seen: &IfMatch) -> Result<Done<TemplateId>, Error> {
    let t = load(tx, id, seen)?;
    store::delete_template(tx, &t.id)?;
    let mut audit = audit("template.delete", &t);
    if let Some(detail) = audit.detail.as_mut() {
        detail["title"] = json!({ "ko": t.title.ko, "en": t.title.en });
        detail["message"] = json!({ "ko": t.message.ko, "en": t.message.en });
    }
    Ok(Done { value: t.id, audit })
}

/// What a writer fills a template with: nothing, or an ETA and other channels.
#[derive(Debug, Clone, Default)]
pub struct FillIn {
    pub eta: Option<DateTime<Utc>>,
    /// Instead of the template's own channels.
    pub components: Option<Vec<AffectedComponent>>,
}

/// The template `id` applied to the catalogue as it is now: what a new notice's form
/// starts from. Reads only; `read` reads the writer's fill-in with the template and the
/// catalogue in hand.
pub fn prefill(
    conn: &Connection,
    id: &str,
    tz: Tz,
    now: DateTime<Utc>,
    read: impl FnOnce(&Template, &Catalog) -> Result<FillIn, Error>,
) -> Result<Applied, Error> {
    let t = store::template_by_id(conn, id)?.ok_or_else(|| Error::NotFound("template".into()))?;
    let catalog = store::catalog(conn, None)?;
    let fill_in = read(&t, &catalog)?;
    let channels = store::all_components(conn, false)?;
    Ok(apply(
        &t,
        &Fill {
            catalogue: &channels,
            components: fill_in.components.as_deref(),
            eta: fill_in.eta,
            tz,
            now,
        },
    ))
}

/// The template `id`, checked against the version the writer saw.
fn load(tx: &Transaction, id: &str, seen: &IfMatch) -> Result<Template, Error> {
    let t = store::template_by_id(tx, id)?.ok_or_else(|| Error::NotFound("template".into()))?;
    seen.check(t.id.as_str(), t.revision)?;
    Ok(t)
}

fn done(t: Template, action: &'static str) -> Done<Template> {
    let audit = audit(action, &t);
    Done { value: t, audit }
}

fn audit(action: &'static str, t: &Template) -> Audit {
    Audit {
        action,
        target: Some(t.id.to_string()),
        detail: Some(json!({
            "kind": t.kind.as_str(),
            "name": { "ko": t.name.ko, "en": t.name.en },
        })),
    }
}
