//! Reading what `/incidents` and `/maintenances` accept into the commands' typed input,
//! collecting every problem of a request at once (the domain's refusals included).

use chrono::{DateTime, Duration, Utc};

use super::notice_input::{
    AlternativeInput, CreateIncident, CreateMaintenance, PatchIncident, PatchMaintenance,
    PostIncidentUpdate, PostMaintenanceUpdate,
};
use super::notice_parser::{Parser, parser};
use crate::domain::{
    AffectedComponent, Catalog, FieldError, Incident, IncidentChanges, IncidentDraft, InputTime,
    Kind, MaintenanceChanges, MaintenanceWindow, Status, TextInput, TextKind, UpdateDraft,
};
use crate::error::Error;
use crate::service::Ctx;

/// A request body that opens a notice: read into the draft the command takes.
pub trait OpensNotice: Send + 'static {
    /// The notice to open, or every problem with the request.
    fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<IncidentDraft, Error>;
}

impl OpensNotice for CreateIncident {
    fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<IncidentDraft, Error> {
        let mut p = parser(ctx, catalog);
        let title = p.text(&self.title, TextKind::Title, "title");
        let message = p.text(&self.message, TextKind::Body, "message");
        let status = status(&mut p, self.status.as_ref().map(|s| s.known("status")));
        let impact = self.impact.as_ref().and_then(|i| p.impact(i));
        let components = p.components(&self.components.0, Kind::Incident);
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
            drill: self.drill,
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
        let status = status(&mut p, self.status.as_ref().map(|s| s.known("status")));
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
            drill: self.drill,
            window: Some(window),
            auto_transition: self.auto_transition.unwrap_or(true),
        })
    }
}

/// A status as sent, or none (refused or not sent).
fn status(p: &mut Parser, sent: Option<Result<Status, FieldError>>) -> Option<Status> {
    sent.and_then(|s| p.errors.check(s))
}

/// A request body that posts an update to a notice of its kind.
pub trait PostsUpdate: Send + 'static {
    const KIND: Kind;

    /// The update to post, or every problem with the request.
    fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<UpdateDraft, Error>;
}

impl PostsUpdate for PostIncidentUpdate {
    const KIND: Kind = Kind::Incident;

    fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<UpdateDraft, Error> {
        let mut p = parser(ctx, catalog);
        let status = status(&mut p, self.status.as_ref().map(|s| s.known("status")));
        let components = p.components(&self.components.0, Kind::Incident);
        let eta = match &self.eta {
            Some(Some(s)) => p.future_time(s, "eta").map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let common = UpdateCommon {
            message: &self.message,
            next_update_at: &self.next_update_at,
            next_update_in_minutes: self.next_update_in_minutes,
            alternatives: &self.alternatives,
        };
        common.read(p, status, components, eta)
    }
}

impl PostsUpdate for PostMaintenanceUpdate {
    const KIND: Kind = Kind::Maintenance;

    fn read(&self, ctx: &Ctx, catalog: &Catalog) -> Result<UpdateDraft, Error> {
        let mut p = parser(ctx, catalog);
        let status = status(&mut p, self.status.as_ref().map(|s| s.known("status")));
        let components = p.components(&self.components, Kind::Maintenance);
        if self.eta.is_some() {
            p.errors.push(
                "eta",
                "a maintenance ends with its window; change scheduled_until instead",
            );
        }
        let common = UpdateCommon {
            message: &self.message,
            next_update_at: &self.next_update_at,
            next_update_in_minutes: self.next_update_in_minutes,
            alternatives: &self.alternatives,
        };
        common.read(p, status, components, None)
    }
}

/// The fields an update of either kind has.
struct UpdateCommon<'a> {
    message: &'a TextInput,
    next_update_at: &'a Option<Option<InputTime>>,
    next_update_in_minutes: Option<i64>,
    alternatives: &'a Option<Vec<AlternativeInput>>,
}

impl UpdateCommon<'_> {
    fn read(
        &self,
        mut p: Parser,
        status: Option<Status>,
        components: Vec<AffectedComponent>,
        eta: Option<Option<DateTime<Utc>>>,
    ) -> Result<UpdateDraft, Error> {
        let message = p.text(self.message, TextKind::Body, "message");
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
    pub fn read(
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
        let resolved_at = self
            .resolved_at
            .as_ref()
            .and_then(|s| p.time(s, "resolved_at"));
        let postmortem = self
            .postmortem
            .as_ref()
            .and_then(|t| p.text(t, TextKind::Body, "postmortem"));
        refuse_drill(&mut p, &self.drill);
        let changes = IncidentChanges {
            title,
            impact,
            draft: self.draft,
            eta,
            next_update,
            alternatives,
            started_at,
            resolved_at,
            postmortem,
        };
        p.errors
            .0
            .extend(incident.incident_refusals(&changes, ctx.now));
        p.finish()?;
        Ok(changes)
    }
}

impl PatchMaintenance {
    /// The changes to make to `maintenance`, or every problem with the request, the
    /// domain's refusals included.
    pub fn read(
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
        refuse_drill(&mut p, &self.drill);
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

/// A drill stays a drill and a real notice stays real: a rehearsal made public would
/// tell customers about an outage that never was.
fn refuse_drill(p: &mut Parser, drill: &Option<Option<bool>>) {
    if drill.is_some() {
        p.errors.push(
            "drill",
            "whether a notice is a drill is fixed when it is made; open a new one instead",
        );
    }
}
