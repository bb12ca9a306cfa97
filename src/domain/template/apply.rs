//! Applying a template: its placeholders filled in each language from the catalogue
//! as it is now. Infallible: what could not be filled was refused when it was saved.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use super::{Piece, Template, TemplateId, TemplateKind, pieces};
use crate::domain::texts::texts;
use crate::domain::{
    AffectedComponent, Component, ComponentId, Lang, LocalizedText, Status, recommend_now,
};

/// What a template is filled in with.
#[derive(Debug, Clone, Copy)]
pub struct Fill<'a> {
    /// The catalogue now: the channels' names, statuses and fallbacks.
    pub catalogue: &'a [Component],
    /// The channels affected, instead of the template's own.
    pub components: Option<&'a [AffectedComponent]>,
    /// The expected recovery; without one `{eta}` says it is not known yet.
    pub eta: Option<DateTime<Utc>>,
    /// The page's time zone, and now: an ETA on another day is written with its date.
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

/// A template filled in: what a new notice's form (or a closing update, a postmortem)
/// starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub template: TemplateId,
    pub kind: TemplateKind,
    pub title: LocalizedText,
    pub message: LocalizedText,
    pub status: Option<Status>,
    /// In the page's order; a channel deleted since the template was saved is left out.
    pub components: Vec<AffectedComponent>,
    /// The affected channels' fallbacks that work now, as `{alternatives}` names them.
    pub alternatives: Vec<ComponentId>,
    pub eta: Option<DateTime<Utc>>,
    pub next_update_minutes: Option<i64>,
}

/// Fills the template's placeholders in each language: `{channels}` with the affected
/// channels' names, `{eta}` with the expected recovery as the page writes it ("14:45",
/// or with its date on another day), `{alternatives}` with working fallbacks, and
/// `{title}` (in the message) with the filled title.
pub fn apply(t: &Template, fill: &Fill) -> Applied {
    let chosen = fill.components.unwrap_or(&t.components);
    let components: Vec<AffectedComponent> = fill
        .catalogue
        .iter()
        .filter(|c| !c.is_group)
        .filter_map(|c| chosen.iter().find(|a| a.id == c.id))
        .cloned()
        .collect();
    let alternatives = working_fallbacks(&components, fill.catalogue);
    let affected: Vec<&ComponentId> = components.iter().map(|c| &c.id).collect();
    let values = |lang: Lang, title: Option<String>| {
        let words = texts(lang);
        Values {
            channels: names(&affected, fill.catalogue, lang, words.channels_unnamed),
            eta: eta_words(fill, lang),
            alternatives: names(
                &alternatives.iter().collect::<Vec<_>>(),
                fill.catalogue,
                lang,
                words.no_alternative,
            ),
            title,
        }
    };
    let title = LocalizedText {
        ko: values(Lang::Ko, None).fill(&t.title.ko),
        en: t
            .title
            .en
            .as_ref()
            .map(|en| values(Lang::En, None).fill(en)),
    };
    let message = LocalizedText {
        ko: values(Lang::Ko, Some(title.ko.clone())).fill(&t.message.ko),
        en: t.message.en.as_ref().map(|en| {
            let filled_title = title.get(Lang::En).to_string();
            values(Lang::En, Some(filled_title)).fill(en)
        }),
    };
    Applied {
        template: t.id.clone(),
        kind: t.kind,
        title,
        message,
        status: t.status,
        components,
        alternatives,
        eta: fill.eta,
        next_update_minutes: t.next_update_minutes,
    }
}

/// The words placeholders stand for, in one language.
struct Values {
    channels: String,
    eta: String,
    alternatives: String,
    /// Only in a message.
    title: Option<String>,
}

impl Values {
    fn get(&self, placeholder: &str) -> Option<&str> {
        match placeholder {
            "channels" => Some(&self.channels),
            "eta" => Some(&self.eta),
            "alternatives" => Some(&self.alternatives),
            "title" => self.title.as_deref(),
            _ => None,
        }
    }

    fn fill(&self, words: &str) -> String {
        let mut out = String::with_capacity(words.len() + 64);
        for piece in pieces(words) {
            match piece {
                Piece::Text(s) => out.push_str(s),
                Piece::Placeholder(name) => match self.get(name) {
                    // A list of names lowered for inside a sentence may open one.
                    Some(value) if starts_sentence(&out) => {
                        let mut chars = value.chars();
                        out.extend(chars.next().into_iter().flat_map(char::to_uppercase));
                        out.push_str(chars.as_str());
                    }
                    Some(value) => out.push_str(value),
                    // Refused on saving; kept as written should a stored one slip through.
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }
}

fn starts_sentence(before: &str) -> bool {
    let before = before.trim_end_matches([' ', '\t']);
    before.is_empty() || before.ends_with(['.', '!', '?', '\n'])
}

/// The channels' names in `lang`, listed as the language does; `none` for no channel.
fn names(ids: &[&ComponentId], catalogue: &[Component], lang: Lang, none: &str) -> String {
    let names: Vec<&str> = ids
        .iter()
        .filter_map(|id| catalogue.iter().find(|c| &c.id == *id))
        .map(|c| c.name.get(lang))
        .collect();
    if names.is_empty() {
        none.to_string()
    } else {
        (texts(lang).list)(&names)
    }
}

/// What the page would suggest for these channels: their default fallbacks, never an
/// affected channel, each once, and only while it works.
pub fn working_fallbacks(
    affected: &[AffectedComponent],
    catalogue: &[Component],
) -> Vec<ComponentId> {
    let channel = |id: &ComponentId| catalogue.iter().find(|c| &c.id == id);
    let mut out: Vec<ComponentId> = Vec::new();
    for a in affected {
        for f in channel(&a.id).map_or(&[][..], |c| &c.fallbacks) {
            let works = channel(f).is_some_and(|c| !c.is_group && recommend_now(c.status));
            if works && !affected.iter().any(|x| &x.id == f) && !out.contains(f) {
                out.push(f.clone());
            }
        }
    }
    out
}

/// The ETA as the page writes it: the time on the same day, with its date otherwise.
fn eta_words(fill: &Fill, lang: Lang) -> String {
    let Some(eta) = fill.eta else {
        return texts(lang).eta_unknown.to_string();
    };
    let local = eta.with_timezone(&fill.tz);
    let today = fill.now.with_timezone(&fill.tz);
    if local.date_naive() == today.date_naive() {
        local.format("%H:%M").to_string()
    } else {
        (texts(lang).date_time)(&local, local.year() != today.year())
    }
}
