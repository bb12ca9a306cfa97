//! What `/templates` accepts, and how it is read into the commands' input with the
//! catalogue in hand, collecting every problem of a request at once (the template's
//! rules included).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use utoipa::ToSchema;

use super::json::{present, present_whole_number, whole_number};
use super::notice_input::ComponentStatuses;
use super::notice_parser::{Parser, parser};
use crate::domain::{
    Catalog, FieldErrors, InputTime, Kind, Lang, StatusInput, Template, TemplateChanges,
    TemplateDraft, TemplateIdInput, TemplateKindInput, TemplateParts, TextInput, TextKind,
};
use crate::error::Error;
use crate::service::Ctx;
use crate::service::templates::FillIn;

/// Placeholders, filled in when the template is applied: `{channels}` (the affected
/// channels' names), `{eta}` (the expected recovery), `{alternatives}` (working channels
/// to use instead) and, in the message only, `{title}`. Others are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTemplate {
    #[serde(default)]
    #[schema(required = true)]
    id: TemplateIdInput,
    #[serde(default)]
    #[schema(required = true)]
    kind: TemplateKindInput,
    /// What operators call it; customers never see it.
    #[serde(default)]
    #[schema(required = true)]
    name: TextInput,
    #[serde(default)]
    #[schema(required = true)]
    title: TextInput,
    /// The first update's message; for a postmortem, the postmortem.
    #[serde(default)]
    #[schema(required = true)]
    message: TextInput,
    /// By kind: incident investigating, identified or monitoring; maintenance scheduled,
    /// in_progress or verifying; resolution resolved or completed; postmortem none.
    status: Option<StatusInput>,
    /// The channels it usually affects (none for a postmortem).
    #[serde(default)]
    components: ComponentStatuses,
    /// Promise an update this often (not for a resolution or a postmortem).
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 1440)]
    next_update_in_minutes: Option<i64>,
}

/// Changes to a template; the result must suit its kind as a whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTemplate {
    kind: Option<TemplateKindInput>,
    name: Option<TextInput>,
    title: Option<TextInput>,
    message: Option<TextInput>,
    /// null leaves the default status of what is written with it.
    #[serde(default, deserialize_with = "present")]
    status: Option<Option<StatusInput>>,
    /// Replaces the channels; `{}` names none.
    components: Option<ComponentStatuses>,
    /// null promises no update.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(minimum = 1, maximum = 1440)]
    next_update_in_minutes: Option<Option<i64>>,
}

/// What to fill the template in with; both optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyTemplate {
    /// The expected recovery, for `{eta}`; without it `{eta}` says it is not known yet.
    eta: Option<InputTime>,
    /// The channels affected, instead of the template's own.
    components: Option<ComponentStatuses>,
}

impl CreateTemplate {
    /// The template to save, or every problem with the request.
    pub fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<TemplateDraft, Error> {
        let mut p = parser(ctx, catalog);
        let id = p.errors.check(self.id.known("id"));
        let kind = p.errors.check(self.kind.known("kind"));
        let name = p.text(&self.name, TextKind::Title, "name");
        let title = p.text(&self.title, TextKind::Title, "title");
        let message = p.text(&self.message, TextKind::Body, "message");
        let status = self
            .status
            .as_ref()
            .and_then(|s| p.errors.check(s.known("status")));
        // A template takes an object of statuses, as an incident does.
        let components = p.components(&self.components.0, Kind::Incident);
        TemplateParts {
            kind,
            title: title.as_ref(),
            message: message.as_ref(),
            status,
            components: &components,
            next_update_minutes: self.next_update_in_minutes,
        }
        .check(catalog, &mut p.errors);
        p.finish()?;
        let (Some(id), Some(kind), Some(name), Some(title), Some(message)) =
            (id, kind, name, title, message)
        else {
            return Err(Error::Invalid(vec![]));
        };
        Ok(TemplateDraft {
            id,
            kind,
            name,
            title,
            message,
            status,
            components,
            next_update_minutes: self.next_update_in_minutes,
        })
    }
}

impl PatchTemplate {
    /// The changes to make to `t`, or every problem with the request, those of the
    /// template it would make included.
    pub fn read(
        &self,
        ctx: &Ctx,
        t: &Template,
        catalog: &Catalog,
    ) -> Result<TemplateChanges, Error> {
        let mut p = parser(ctx, catalog);
        let kind = self
            .kind
            .as_ref()
            .and_then(|k| p.errors.check(k.known("kind")));
        let name = self
            .name
            .as_ref()
            .and_then(|n| p.text(n, TextKind::Title, "name"));
        let title = self
            .title
            .as_ref()
            .and_then(|n| p.text(n, TextKind::Title, "title"));
        let message = self
            .message
            .as_ref()
            .and_then(|n| p.text(n, TextKind::Body, "message"));
        let status = match &self.status {
            Some(Some(s)) => p.errors.check(s.known("status")).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let components = self
            .components
            .as_ref()
            .map(|c| p.components(&c.0, Kind::Incident));
        let changes = TemplateChanges {
            kind,
            name,
            title,
            message,
            status,
            components,
            next_update_minutes: self.next_update_in_minutes,
        };
        if let Err(refused) = t.changed(changes.clone(), ctx.now, catalog) {
            p.errors.0.extend(refused);
        }
        p.finish()?;
        Ok(changes)
    }
}

impl ApplyTemplate {
    /// What to fill `t` in with, or every problem with the request. Times without an
    /// offset are read in `tz`.
    pub(super) fn read(
        &self,
        t: &Template,
        catalog: &Catalog,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<FillIn, Error> {
        let mut p = Parser {
            errors: FieldErrors::default(),
            // No text is read here.
            lang: Lang::Ko,
            tz,
            now,
            catalog,
        };
        let eta = self.eta.as_ref().and_then(|e| p.time(e, "eta"));
        let components = self.components.as_ref().map(|c| {
            let read = p.components(&c.0, Kind::Incident);
            t.kind.check_components(&read, catalog, &mut p.errors);
            read
        });
        p.finish()?;
        Ok(FillIn { eta, components })
    }
}
