//! Reading what `/incidents` and `/maintenances` accept into the commands' typed input,
//! collecting every problem of a request at once (the domain's refusals included).

use chrono::Duration;

use super::notice_input::{
    CreateIncident, CreateMaintenance, PatchIncident, PatchMaintenance, PostUpdate,
};
use super::notice_parser::parser;
use crate::domain::{
    Catalog, Incident, IncidentChanges, IncidentDraft, Kind, MaintenanceChanges, MaintenanceWindow,
    TextKind, UpdateDraft,
};
use crate::error::Error;
use crate::service::Ctx;

/// A request body that opens a notice: read into the draft the command takes.
pub(super) trait OpensNotice: Send + 'static {
    /// The notice to open, or every problem with the request.
    fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<IncidentDraft, Error>;
}

impl OpensNotice for CreateIncident {
    fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<IncidentDraft, Error> {
        let mut p = parser(ctx, catalog);
        let title = p.text(&self.title, TextKind::Title, "title");
        let message = p.text(&self.message, TextKind::Body, "message");
        let status = self
            .status
            .as_deref()
            .and_then(|s| p.status(s, Kind::Incident));
        let impact = self.impact.as_ref().and_then(|i| p.impact(i));
        let components = p.components(&self.components, Kind::Incident);
        let started_at = self
            .started_at
            .as_ref()
            .and_then(|s| p.time(s, "started_at"));
        if started_at.is_some_and(|s| s > ctx.now + Duration::minutes(1)) {
            p.errors.push("started_at", "is in the future");
        }
        let eta = self.eta.as_ref().and_then(|s| p.future_time(s, "eta"));
        let next_update = p
            .next_update(
                self.next_update_at.as_ref().map(Some),
                self.next_update_in_minutes,
            )
            .flatten();
        let alternatives = p.alternatives(&self.alternatives);
        p.finish()?;
        let (Some(title), Some(message)) = (title, message) else {
            return Err(Error::Invalid(vec![]));
        };
        Ok(IncidentDraft {
            kind: Kind::Incident,
            title,
            message,
            status,
            impact,
            components,
            eta,
            next_update,
            alternatives,
            started_at,
            draft: self.draft,
            window: None,
            auto_transition: false,
        })
    }
}

impl OpensNotice for CreateMaintenance {
    fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<IncidentDraft, Error> {
        let mut p = parser(ctx, catalog);
        let title = p.text(&self.title, TextKind::Title, "title");
        let message = p.text(&self.message, TextKind::Body, "message");
        let status = self
            .status
            .as_deref()
            .and_then(|s| p.status(s, Kind::Maintenance));
        let components = p.components(&self.components, Kind::Maintenance);
        let starts = p.time(&self.scheduled_for, "scheduled_for");
        let ends = p.time(&self.scheduled_until, "scheduled_until");
        let window = match (starts, ends) {
            (Some(s), Some(e)) => p.errors.check(MaintenanceWindow::new(s, e)),
            _ => None,
        };
        let alternatives = p.alternatives(&self.alternatives);
        p.finish()?;
        let (Some(title), Some(message), Some(window)) = (title, message, window) else {
            return Err(Error::Invalid(vec![]));
        };
        Ok(IncidentDraft {
            kind: Kind::Maintenance,
            title,
            message,
            status,
            impact: None,
            components,
            eta: None,
            next_update: None,
            alternatives,
            started_at: None,
            draft: self.draft,
            window: Some(window),
            auto_transition: self.auto_transition.unwrap_or(true),
        })
    }
}

impl PostUpdate {
    /// The update to post to a notice of `kind`, or every problem with the request.
    pub(super) fn read(
        &self,
        kind: Kind,
        ctx: &Ctx,
        catalog: &Catalog,
    ) -> Result<UpdateDraft, Error> {
        let mut p = parser(ctx, catalog);
        let message = p.text(&self.message, TextKind::Body, "message");
        let status = self.status.as_deref().and_then(|s| p.status(s, kind));
        let components = p.components(&self.components, kind);
        let eta = match &self.eta {
            Some(_) if kind == Kind::Maintenance => {
                p.errors.push(
                    "eta",
                    "a maintenance ends with its window; change scheduled_until instead",
                );
                None
            }
            Some(Some(s)) => p.future_time(s, "eta").map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let next_update = p.next_update(
            self.next_update_at.as_ref().map(Option::as_ref),
            self.next_update_in_minutes,
        );
        let alternatives = self.alternatives.as_deref().map(|a| p.alternatives(a));
        p.finish()?;
        Ok(UpdateDraft {
            message,
            status,
            components,
            eta,
            next_update,
            alternatives,
        })
    }
}

impl PatchIncident {
    /// The changes to make to `incident`, or every problem with the request, the
    /// domain's refusals included.
    pub(super) fn read(
        &self,
        ctx: &Ctx,
        incident: &Incident,
        catalog: &Catalog,
    ) -> Result<IncidentChanges, Error> {
        let mut p = parser(ctx, catalog);
        let title = self
            .title
            .as_ref()
            .and_then(|t| p.text(t, TextKind::Title, "title"));
        let impact = match &self.impact {
            Some(Some(i)) => p.impact(i).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let eta = match &self.eta {
            Some(Some(s)) => p.future_time(s, "eta").map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let next_update = p.next_update(
            self.next_update_at.as_ref().map(Option::as_ref),
            self.next_update_in_minutes,
        );
        let alternatives = self.alternatives.as_deref().map(|a| p.alternatives(a));
        let started_at = self
            .started_at
            .as_ref()
            .and_then(|s| p.time(s, "started_at"));
        let postmortem = self
            .postmortem
            .as_ref()
            .and_then(|t| p.text(t, TextKind::Body, "postmortem"));
        let changes = IncidentChanges {
            title,
            impact,
            draft: self.draft,
            eta,
            next_update,
            alternatives,
            started_at,
            postmortem,
        };
        p.errors.0.extend(incident.incident_refusals(&changes));
        p.finish()?;
        Ok(changes)
    }
}

impl PatchMaintenance {
    /// The changes to make to `maintenance`, or every problem with the request, the
    /// domain's refusals included.
    pub(super) fn read(
        &self,
        ctx: &Ctx,
        maintenance: &Incident,
        catalog: &Catalog,
    ) -> Result<MaintenanceChanges, Error> {
        let mut p = parser(ctx, catalog);
        let title = self
            .title
            .as_ref()
            .and_then(|t| p.text(t, TextKind::Title, "title"));
        let starts = self
            .scheduled_for
            .as_ref()
            .and_then(|s| p.time(s, "scheduled_for"));
        let ends = self
            .scheduled_until
            .as_ref()
            .and_then(|s| p.time(s, "scheduled_until"));
        let components = self
            .components
            .as_ref()
            .map(|c| p.components(c, Kind::Maintenance));
        let alternatives = self.alternatives.as_deref().map(|a| p.alternatives(a));
        let changes = MaintenanceChanges {
            title,
            draft: self.draft,
            starts,
            ends,
            auto_transition: self.auto_transition,
            components,
            alternatives,
        };
        p.errors
            .0
            .extend(maintenance.maintenance_refusals(&changes));
        p.finish()?;
        Ok(changes)
    }
}
