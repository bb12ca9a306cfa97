//! Notice templates: the words an operator starts from in the common cases (a card
//! approval delay, a bank's maintenance, a recovery, a postmortem), with placeholders
//! filled in when one is applied. Every placeholder is checked when a template is saved,
//! so applying one never fails.
//!
//! Korean words right after a placeholder should not be a particle that changes with the
//! word before it (을/를, 이/가, (으)로): the name filled in decides which is right.
//! `{channels} 이용이`, `{channels}에`, `{alternatives} 이용을` read well whatever fills them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::component::is_slug;
use super::status::wire_enum;
use super::{AffectedComponent, Catalog, FieldError, FieldErrors, Lang, LocalizedText, Status};

/// A template's slug, such as `card-approval-delay`: the rules of a component id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TemplateId(String);

impl TemplateId {
    pub fn parse(s: &str, field: &str) -> Result<TemplateId, FieldError> {
        if is_slug(s) {
            Ok(TemplateId(s.to_string()))
        } else {
            Err(FieldError::new(
                field,
                format!("`{s}` is not a template id (1–40 of a-z, 0-9 and -)"),
            ))
        }
    }

    /// For ids read back from our own storage, which only ever holds parsed ids.
    pub fn from_trusted(s: String) -> TemplateId {
        TemplateId(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TemplateId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

wire_enum! {
    /// What a template is for: opening an incident, announcing a maintenance, the update
    /// that closes either (`resolution`), or an incident's postmortem.
    TemplateKind {
        Incident = "incident",
        Maintenance = "maintenance",
        Resolution = "resolution",
        Postmortem = "postmortem",
    }
}

impl TemplateKind {
    /// The statuses a template of this kind may set. A postmortem sets none: publishing
    /// it moves the incident to `postmortem` by itself.
    pub fn statuses(self) -> &'static [Status] {
        match self {
            TemplateKind::Incident => &[
                Status::Investigating,
                Status::Identified,
                Status::Monitoring,
            ],
            TemplateKind::Maintenance => {
                &[Status::Scheduled, Status::InProgress, Status::Verifying]
            }
            TemplateKind::Resolution => &[Status::Resolved, Status::Completed],
            TemplateKind::Postmortem => &[],
        }
    }

    /// "an incident template", for refusals.
    fn named(self) -> &'static str {
        match self {
            TemplateKind::Incident => "an incident template",
            TemplateKind::Maintenance => "a maintenance template",
            TemplateKind::Resolution => "a resolution template",
            TemplateKind::Postmortem => "a postmortem template",
        }
    }

    pub fn check_status(self, status: Status) -> Result<(), FieldError> {
        let allowed = self.statuses();
        if allowed.contains(&status) {
            return Ok(());
        }
        let message = if allowed.is_empty() {
            format!(
                "{} sets no status: publishing it moves the incident to `postmortem`",
                self.named()
            )
        } else {
            let expected: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            format!(
                "`{status}` is not a status of {}; expected one of {}",
                self.named(),
                expected.join(", ")
            )
        };
        Err(FieldError::new("status", message))
    }

    /// An update interval of 1 to 1440 minutes, and none once the notice closes.
    pub fn check_next_update(self, minutes: i64) -> Result<(), FieldError> {
        let field = "next_update_in_minutes";
        match self {
            TemplateKind::Resolution | TemplateKind::Postmortem => Err(FieldError::new(
                field,
                format!(
                    "{} is for a closed notice, which promises no next update",
                    self.named()
                ),
            )),
            _ if !(1..=1440).contains(&minutes) => {
                Err(FieldError::new(field, "must be between 1 and 1440"))
            }
            _ => Ok(()),
        }
    }

    /// The channels a template names are payment channels of the catalogue (as a
    /// notice's are); a postmortem changes none.
    pub fn check_components(
        self,
        components: &[AffectedComponent],
        catalog: &Catalog,
        errors: &mut FieldErrors,
    ) {
        if self == TemplateKind::Postmortem && !components.is_empty() {
            errors.push(
                "components",
                "a postmortem template changes no channel; leave components empty",
            );
            return;
        }
        for c in components {
            errors.check(catalog.check_channel(&c.id, &format!("components.{}", c.id)));
        }
    }
}

/// A stored template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub id: TemplateId,
    pub kind: TemplateKind,
    /// What operators call it in the console's list; customers never see it.
    pub name: LocalizedText,
    pub title: LocalizedText,
    /// The first update's message (the postmortem itself, for a postmortem).
    pub message: LocalizedText,
    /// The status the notice is given; `None` leaves the command's default.
    pub status: Option<Status>,
    /// The channels it usually affects, with the status each gets.
    pub components: Vec<AffectedComponent>,
    /// Promise an update this often.
    pub next_update_minutes: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped on every change; the admin API's ETag.
    pub revision: i64,
}

/// A template to save, as a writer read it.
#[derive(Debug, Clone)]
pub struct TemplateDraft {
    pub id: TemplateId,
    pub kind: TemplateKind,
    pub name: LocalizedText,
    pub title: LocalizedText,
    pub message: LocalizedText,
    pub status: Option<Status>,
    pub components: Vec<AffectedComponent>,
    pub next_update_minutes: Option<i64>,
}

/// Changes to a template; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TemplateChanges {
    pub kind: Option<TemplateKind>,
    pub name: Option<LocalizedText>,
    pub title: Option<LocalizedText>,
    pub message: Option<LocalizedText>,
    pub status: Option<Option<Status>>,
    pub components: Option<Vec<AffectedComponent>>,
    pub next_update_minutes: Option<Option<i64>>,
}

impl Template {
    pub fn create(
        draft: TemplateDraft,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<Template, Vec<FieldError>> {
        let t = Template {
            id: draft.id,
            kind: draft.kind,
            name: draft.name,
            title: draft.title,
            message: draft.message,
            status: draft.status,
            components: draft.components,
            next_update_minutes: draft.next_update_minutes,
            created_at: now,
            updated_at: now,
            revision: 1,
        };
        t.check(catalog)?;
        Ok(t)
    }

    /// This template with `changes`, checked as a whole: a new kind must suit the
    /// status and channels the template keeps.
    pub fn changed(
        &self,
        changes: TemplateChanges,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<Template, Vec<FieldError>> {
        let mut t = self.clone();
        let TemplateChanges {
            kind,
            name,
            title,
            message,
            status,
            components,
            next_update_minutes,
        } = changes;
        t.kind = kind.unwrap_or(t.kind);
        t.name = name.unwrap_or(t.name);
        t.title = title.unwrap_or(t.title);
        t.message = message.unwrap_or(t.message);
        t.status = status.unwrap_or(t.status);
        t.components = components.unwrap_or(t.components);
        t.next_update_minutes = next_update_minutes.unwrap_or(t.next_update_minutes);
        t.updated_at = now;
        t.revision += 1;
        t.check(catalog)?;
        Ok(t)
    }

    /// Every rule of a template, with every problem at once.
    pub fn check(&self, catalog: &Catalog) -> Result<(), Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        TemplateParts {
            kind: Some(self.kind),
            title: Some(&self.title),
            message: Some(&self.message),
            status: self.status,
            components: &self.components,
            next_update_minutes: self.next_update_minutes,
        }
        .check(catalog, &mut errors);
        errors.into_result()
    }
}

/// The parts of a template a writer could read; `None` for what it could not (already
/// refused). The rules run on these, so a request's every problem is told at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct TemplateParts<'a> {
    pub kind: Option<TemplateKind>,
    pub title: Option<&'a LocalizedText>,
    pub message: Option<&'a LocalizedText>,
    pub status: Option<Status>,
    pub components: &'a [AffectedComponent],
    pub next_update_minutes: Option<i64>,
}

impl TemplateParts<'_> {
    /// The rules of a template: placeholders each text can hold, and (with the kind)
    /// its status, channels and update interval.
    pub fn check(&self, catalog: &Catalog, errors: &mut FieldErrors) {
        if let Some(title) = self.title {
            check_placeholders(title, "title", IN_TITLE, errors);
        }
        if let Some(message) = self.message {
            check_placeholders(message, "message", IN_MESSAGE, errors);
        }
        let Some(kind) = self.kind else {
            return;
        };
        if let Some(status) = self.status {
            errors.check(kind.check_status(status));
        }
        kind.check_components(self.components, catalog, errors);
        if let Some(minutes) = self.next_update_minutes {
            errors.check(kind.check_next_update(minutes));
        }
    }
}

// ---- placeholders -----------------------------------------------------------------------

/// What a title may hold; `{title}` would be itself.
const IN_TITLE: &[&str] = &["channels", "eta", "alternatives"];
/// What a message may hold.
const IN_MESSAGE: &[&str] = &["channels", "eta", "alternatives", "title"];

/// Refuses placeholders `field` cannot hold, naming `field.ko` or `field.en` and the
/// placeholder.
fn check_placeholders(
    text: &LocalizedText,
    field: &str,
    allowed: &[&str],
    errors: &mut FieldErrors,
) {
    let known: Vec<String> = allowed.iter().map(|p| format!("{{{p}}}")).collect();
    let mut check = |words: &str, lang: Lang| {
        for piece in pieces(words) {
            let Piece::Placeholder(name) = piece else {
                continue;
            };
            if !allowed.contains(&name) {
                let why = if IN_MESSAGE.contains(&name) {
                    format!("`{{{name}}}` cannot be used in the {field} itself")
                } else {
                    format!("`{{{name}}}` is not a placeholder a template can fill")
                };
                errors.push(
                    format!("{field}.{}", lang.code()),
                    format!("{why}; use {}", known.join(", ")),
                );
            }
        }
    };
    check(&text.ko, Lang::Ko);
    // A plain string stands for both languages: its problems are told once.
    if let Some(en) = text.en.as_deref().filter(|en| *en != text.ko) {
        check(en, Lang::En);
    }
}

/// A piece of a template's words: text as written, or a placeholder's name.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// Splits words at placeholders: `{`, 1–40 ASCII letters, digits, `_` or `-`, then `}`.
/// Other braces (a lone `{`, `{ }`) are words; whatever looks like a placeholder is one,
/// so a mistyped `{ETA}` is refused on saving instead of shown to customers.
fn pieces(words: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = words;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        if (1..=40).contains(&len) && after[len..].starts_with('}') {
            if open > 0 {
                out.push(Piece::Text(&rest[..open]));
            }
            out.push(Piece::Placeholder(&after[..len]));
            rest = &after[len + 1..];
        } else {
            out.push(Piece::Text(&rest[..=open]));
            rest = after;
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

mod apply;
pub use apply::{Applied, Fill, apply, working_fallbacks};

#[cfg(test)]
mod tests;
