//! What customers would see of a notice that is not public — a draft, a drill, or one not
//! saved yet — had it been published: its card on the status page, the checkout banner
//! and its own page, in both languages, rendered by the public templates.
//!
//! They are rendered from a copy of the read model in which the notice is public and the
//! channels it affects have the statuses publishing it would give them (the domain's
//! rules, as a write would apply them). The live snapshot and the model it was built
//! from are only read. The timeline shows no status changes: those are made on a write.

use std::sync::Arc;

use askama::Template;

use super::BuildError;
use super::Settings;
use super::model::ReadModel;
use super::pages::PageContext;
use crate::domain::{Catalog, Incident, Lang};

/// A notice as customers would see it, in each language.
pub struct Preview {
    pub ko: PreviewPages,
    pub en: PreviewPages,
}

impl Preview {
    pub fn get(&self, lang: Lang) -> &PreviewPages {
        match lang {
            Lang::Ko => &self.ko,
            Lang::En => &self.en,
        }
    }
}

/// HTML fragments to embed in another page: no document around them and no stylesheet
/// (the public pages' classes are kept); links are the status page's own.
pub struct PreviewPages {
    /// The notice's card on the status page.
    pub card_html: String,
    /// The checkout banner with the notice; `None` when it would show nothing (the
    /// notice is over).
    pub banner: Option<BannerPreview>,
    /// Its own page (`/incidents/{id}`) without the frame every page shares.
    pub incident_page_html: String,
}

/// The checkout banner, as `widget.js` draws it.
pub struct BannerPreview {
    /// The impact of an incident (`none`, `minor`, `major`, `critical`), or `maintenance`:
    /// what the banner's colour says.
    pub severity: &'static str,
    pub html: String,
}

/// Renders what customers would see of `notice` were it published, against `model`
/// (the live one: `Publisher::preview`).
pub fn preview(
    model: &ReadModel,
    settings: &Settings,
    notice: &Incident,
) -> Result<Preview, BuildError> {
    let (model, public) = as_if_public(model, notice);
    Ok(Preview {
        ko: pages(&model, settings, Lang::Ko, &public)?,
        en: pages(&model, settings, Lang::En, &public)?,
    })
}

fn pages(
    model: &ReadModel,
    settings: &Settings,
    lang: Lang,
    notice: &Incident,
) -> Result<PreviewPages, BuildError> {
    let ctx = PageContext::new(model, settings, lang);
    let banner = match ctx.banner_fragment(notice) {
        Some(b) => Some(BannerPreview {
            severity: b.severity,
            html: b.render()?,
        }),
        None => None,
    };
    Ok(PreviewPages {
        card_html: ctx.card_fragment(notice).render()?,
        banner,
        incident_page_html: ctx.incident(notice).as_content().render()?,
    })
}

/// A copy of `model` in which `notice` is public, with the component statuses that
/// follow; and the public copy of the notice. Only what the notice's own documents read
/// changes: the lists of the page around it stay as they are.
fn as_if_public(model: &ReadModel, notice: &Incident) -> (ReadModel, Arc<Incident>) {
    let (public, changes) = notice.as_public(&catalog(model, &notice.id));
    let public = Arc::new(public);
    let mut copy = model.clone();
    for change in &changes {
        if let Some(c) = copy
            .components
            .iter_mut()
            .find(|c| c.id == change.component)
        {
            c.status = change.new;
        }
    }
    copy.notices.insert(public.id.clone(), public.clone());
    copy.last_modified = copy.last_modified.max(public.updated_at);
    (copy, public)
}

/// What a write knows of the components (`store::catalog`), read from `model`: their
/// statuses, the groups, and what the active notices other than `exclude` hold.
fn catalog(model: &ReadModel, exclude: &str) -> Catalog {
    let mut catalog = Catalog::default();
    for c in &model.components {
        if c.is_group {
            catalog.groups.insert(c.id.clone());
        }
        catalog.statuses.insert(c.id.clone(), c.status);
    }
    let active = model
        .notices_in(&model.open_incidents)
        .chain(model.notices_in(&model.active_maintenances));
    for n in active.filter(|n| n.id != exclude) {
        for a in &n.components {
            catalog
                .active_elsewhere
                .entry(a.id.clone())
                .or_default()
                .push(a.status);
        }
    }
    catalog
}

#[cfg(test)]
mod tests;
