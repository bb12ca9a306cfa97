//! Incidents and maintenances ("notices"): one aggregate with its timeline, and the rules
//! for creating it, posting updates and moving maintenance windows along the clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{
    Catalog, ComponentId, ComponentStatus, FieldError, Impact, Kind, LocalizedText, Status,
    TransitionError, status_after_close,
};

/// A maintenance window; `ends` is strictly after `starts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaintenanceWindow {
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

impl MaintenanceWindow {
    pub fn new(
        starts: DateTime<Utc>,
        ends: DateTime<Utc>,
    ) -> Result<MaintenanceWindow, FieldError> {
        if ends <= starts {
            return Err(FieldError::new(
                "scheduled_until",
                "must be after scheduled_for",
            ));
        }
        Ok(MaintenanceWindow { starts, ends })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedComponent {
    pub id: ComponentId,
    /// The status this notice gives the component while the notice is active.
    pub status: ComponentStatus,
}

/// Another payment channel customers can use meanwhile, with how to use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    pub component: ComponentId,
    pub instructions: Option<LocalizedText>,
}

/// A change of a component's public status, recorded on the update that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentChange {
    pub component: ComponentId,
    pub old: ComponentStatus,
    pub new: ComponentStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub id: String,
    pub status: Status,
    pub message: LocalizedText,
    pub created_at: DateTime<Utc>,
    /// The ETA and promise in force right after this update.
    pub eta: Option<DateTime<Utc>>,
    pub next_update_at: Option<DateTime<Utc>>,
    pub changes: Vec<ComponentChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtaRevision {
    pub eta: Option<DateTime<Utc>>,
    pub previous: Option<DateTime<Utc>>,
    pub revised_at: DateTime<Utc>,
}

/// An incident or a maintenance as stored: plain data, read by everyone through
/// [`Incident`], which alone changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRecord {
    pub id: String,
    pub kind: Kind,
    pub title: LocalizedText,
    pub status: Status,
    pub impact: Impact,
    /// Set when the operator chose the impact; otherwise it follows the components.
    pub impact_override: Option<Impact>,
    /// Not public yet; publishing makes it public.
    pub draft: bool,
    /// When it stopped being a draft (its creation, when it never was one): when a notice
    /// was first public, or would have been for a drill. `None` while a draft.
    pub published_at: Option<DateTime<Utc>>,
    /// A rehearsal: it goes through the whole life of a notice but is never public and
    /// never changes a component's status. Fixed when the notice is made.
    pub drill: bool,
    pub components: Vec<AffectedComponent>,
    pub alternatives: Vec<Alternative>,
    pub eta: Option<DateTime<Utc>>,
    pub next_update_at: Option<DateTime<Utc>>,
    /// When set, each update renews the next-update promise by this many minutes.
    pub update_interval_minutes: Option<i64>,
    pub window: Option<MaintenanceWindow>,
    pub auto_transition: bool,
    pub postmortem: Option<LocalizedText>,
    pub started_at: DateTime<Utc>,
    pub monitoring_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revision: i64,
    /// Newest last.
    pub updates: Vec<Update>,
    /// Oldest first.
    pub eta_revisions: Vec<EtaRevision>,
}

/// An incident or a maintenance with everything said about it so far. Its fields are read
/// through `Deref`, but change only through the methods here and in `changes.rs`, which
/// hold the rules and bump `revision` and `updated_at` in one place (`touch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident(pub(super) IncidentRecord);

impl std::ops::Deref for Incident {
    type Target = IncidentRecord;

    fn deref(&self) -> &IncidentRecord {
        &self.0
    }
}

impl Incident {
    /// A notice read back from storage, which only ever holds what these rules made.
    pub fn from_record(record: IncidentRecord) -> Incident {
        Incident(record)
    }

    /// Where the promise of a next update stands at `now`, for the people who made it.
    pub fn promise(&self, now: DateTime<Utc>) -> Promise {
        match self.0.next_update_at {
            _ if self.0.status.is_closed() => Promise::None,
            None => Promise::None,
            Some(at) if at < now => Promise::Overdue(now - at),
            Some(at) => Promise::Due(at - now),
        }
    }

    /// The time of the newest timeline entry (its creation, before any).
    pub fn last_update_at(&self) -> DateTime<Utc> {
        self.0
            .updates
            .last()
            .map_or(self.0.created_at, |u| u.created_at)
    }

    /// The plain data, to change outside the rules: for building test fixtures only.
    #[cfg(test)]
    pub fn into_record(self) -> IncidentRecord {
        self.0
    }
}

/// The next-update promise of an open notice: due in some time, or late by some time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promise {
    None,
    Due(chrono::Duration),
    Overdue(chrono::Duration),
}

/// A new incident or maintenance, already parsed field by field.
#[derive(Debug, Clone)]
pub struct IncidentDraft {
    pub kind: Kind,
    pub title: LocalizedText,
    pub message: LocalizedText,
    pub status: Option<Status>,
    pub impact: Option<Impact>,
    pub components: Vec<AffectedComponent>,
    pub eta: Option<DateTime<Utc>>,
    pub next_update: Option<NextUpdate>,
    pub alternatives: Vec<Alternative>,
    pub started_at: Option<DateTime<Utc>>,
    pub draft: bool,
    /// A rehearsal, never public (see [`IncidentRecord::drill`]).
    pub drill: bool,
    pub window: Option<MaintenanceWindow>,
    pub auto_transition: bool,
}

/// The next-update promise as the operator gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextUpdate {
    At(DateTime<Utc>),
    /// Renewed by this many minutes with every update.
    Every(i64),
}

/// A timeline update, already parsed. `None` leaves a field as it is; for `eta` and
/// `next_update`, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UpdateDraft {
    pub message: Option<LocalizedText>,
    pub status: Option<Status>,
    pub components: Vec<AffectedComponent>,
    pub eta: Option<Option<DateTime<Utc>>>,
    pub next_update: Option<Option<NextUpdate>>,
    pub alternatives: Option<Vec<Alternative>>,
}

impl Incident {
    /// Creates a notice with its first update. Drafts, drills and scheduled maintenances
    /// do not touch public component statuses; the returned changes are to be applied.
    pub fn create(
        d: IncidentDraft,
        id: String,
        update_id: String,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<(Incident, Vec<ComponentChange>), Vec<FieldError>> {
        let default_status = match d.kind {
            Kind::Incident => Status::Investigating,
            Kind::Maintenance => Status::Scheduled,
        };
        let status = d.status.unwrap_or(default_status);
        if status.kind() != d.kind {
            return Err(vec![FieldError::new(
                "status",
                format!(
                    "`{status}` is not a {} status; expected one of {}",
                    d.kind.as_str(),
                    Status::expected_for(d.kind)
                ),
            )]);
        }
        if status == Status::Postmortem {
            return Err(vec![FieldError::new(
                "status",
                "publish a postmortem on a resolved incident",
            )]);
        }
        let started_at = match d.kind {
            Kind::Maintenance => d.window.map(|w| w.starts).unwrap_or(now),
            Kind::Incident => d.started_at.unwrap_or(now),
        };
        let mut incident = Incident(IncidentRecord {
            id,
            kind: d.kind,
            title: d.title,
            status: default_status,
            impact: Impact::None,
            impact_override: d.impact,
            draft: d.draft,
            published_at: (!d.draft).then_some(now),
            drill: d.drill,
            components: Vec::new(),
            alternatives: d.alternatives,
            eta: None,
            next_update_at: None,
            update_interval_minutes: None,
            window: d.window,
            auto_transition: d.auto_transition,
            postmortem: None,
            started_at,
            monitoring_at: None,
            resolved_at: None,
            created_at: now,
            updated_at: now,
            revision: 0,
            updates: Vec::new(),
            eta_revisions: Vec::new(),
        });
        let first = UpdateDraft {
            message: Some(d.message),
            status: Some(status),
            components: d.components,
            eta: d.eta.map(Some),
            next_update: Some(d.next_update),
            alternatives: None,
        };
        let changes = incident
            .apply(first, update_id, now, catalog)
            .map_err(|e| vec![FieldError::new("status", e.0)])?;
        Ok((incident, changes))
    }

    /// Whether customers may see the notice at all: published, and not a drill. Every
    /// public effect (the page, the feeds, `/api/v2`, component statuses) hangs on this.
    pub fn is_public(&self) -> bool {
        !self.0.draft && !self.0.drill
    }

    /// Whether the notice is shown publicly as going on right now.
    pub fn is_active(&self) -> bool {
        self.is_public()
            && match self.0.kind {
                Kind::Incident => !self.0.status.is_closed(),
                Kind::Maintenance => {
                    matches!(self.0.status, Status::InProgress | Status::Verifying)
                }
            }
    }

    /// Posts an update to the timeline. Returns the public component changes it causes.
    pub fn post_update(
        &mut self,
        u: UpdateDraft,
        update_id: String,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<Vec<ComponentChange>, TransitionError> {
        if let Some(to) = u.status {
            self.0.status.transition(to)?;
        }
        self.apply(u, update_id, now, catalog)
    }

    fn apply(
        &mut self,
        u: UpdateDraft,
        update_id: String,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<Vec<ComponentChange>, TransitionError> {
        let was_active = self.is_active();
        let new_status = u.status.unwrap_or(self.0.status);
        let explicit: BTreeMap<ComponentId, ComponentStatus> = u
            .components
            .iter()
            .map(|c| (c.id.clone(), c.status))
            .collect();
        for c in &u.components {
            match self.0.components.iter_mut().find(|a| a.id == c.id) {
                Some(a) => a.status = c.status,
                None => self.0.components.push(c.clone()),
            }
        }
        if new_status == Status::Monitoring && self.0.monitoring_at.is_none() {
            self.0.monitoring_at = Some(now);
        }
        if new_status.is_closed() && !self.0.status.is_closed() {
            self.0.resolved_at = Some(now);
        } else if !new_status.is_closed() {
            self.0.resolved_at = None;
        }
        self.0.status = new_status;
        if let Some(eta) = u.eta {
            self.revise_eta(eta, now);
        }
        match u.next_update {
            Some(n) => self.set_next_update(n, now),
            // Each update fulfils the promise; renew it when the operator set a rhythm.
            None => {
                self.set_next_update(self.0.update_interval_minutes.map(NextUpdate::Every), now)
            }
        }
        if self.0.status.is_closed() {
            self.0.next_update_at = None;
        }
        if let Some(alternatives) = u.alternatives {
            self.0.alternatives = alternatives;
        }
        self.rederive_impact(catalog.channel_count());
        let changes = self.public_changes(was_active, &explicit, catalog);
        if self.0.status.is_closed() {
            for c in &mut self.0.components {
                c.status = explicit
                    .get(&c.id)
                    .copied()
                    .unwrap_or(ComponentStatus::Operational);
            }
        }
        self.0.updates.push(Update {
            id: update_id,
            status: self.0.status,
            message: u.message.unwrap_or_else(|| self.automatic_message()),
            created_at: now,
            eta: self.0.eta,
            next_update_at: self.0.next_update_at,
            changes: changes.clone(),
        });
        self.touch(now);
        Ok(changes)
    }

    /// Every change to a notice ends here: the one place its revision (and so its ETag)
    /// and `updated_at` move.
    pub(super) fn touch(&mut self, now: DateTime<Utc>) {
        self.0.updated_at = now;
        self.0.revision += 1;
    }

    /// How public component statuses change after this notice moved from `was_active`
    /// to its current state, given the explicit statuses in the update.
    fn public_changes(
        &self,
        was_active: bool,
        explicit: &BTreeMap<ComponentId, ComponentStatus>,
        catalog: &Catalog,
    ) -> Vec<ComponentChange> {
        let now_active = self.is_active();
        let mut changes = Vec::new();
        for c in &self.0.components {
            let old = catalog.status(&c.id);
            let elsewhere = catalog
                .active_elsewhere
                .get(&c.id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let new = if now_active {
                match (self.0.kind, was_active) {
                    (_, true) if !explicit.contains_key(&c.id) => continue,
                    // An ongoing maintenance never hides a worse outage reported elsewhere.
                    (Kind::Maintenance, _) => {
                        ComponentStatus::worst(elsewhere.iter().copied().chain([c.status]))
                    }
                    (Kind::Incident, _) => c.status,
                }
            } else if was_active {
                // Closing: the update may leave a component in a stated status.
                match explicit.get(&c.id) {
                    Some(s) => *s,
                    None => status_after_close(elsewhere),
                }
            } else {
                continue;
            };
            changes.push(ComponentChange {
                component: c.id.clone(),
                old,
                new,
            });
        }
        changes
    }

    fn revise_eta(&mut self, eta: Option<DateTime<Utc>>, now: DateTime<Utc>) {
        if eta != self.0.eta {
            self.0.eta_revisions.push(EtaRevision {
                eta,
                previous: self.0.eta,
                revised_at: now,
            });
            self.0.eta = eta;
        }
    }

    /// Sets (or, with `None`, withdraws) the next-update promise.
    pub fn set_next_update(&mut self, n: Option<NextUpdate>, now: DateTime<Utc>) {
        (self.0.next_update_at, self.0.update_interval_minutes) = match n {
            None => (None, None),
            Some(NextUpdate::At(t)) => (Some(t), None),
            Some(NextUpdate::Every(m)) => (Some(now + chrono::Duration::minutes(m)), Some(m)),
        };
    }

    /// Chooses the impact (`None`: follow the affected components again).
    pub fn set_impact_override(&mut self, impact: Option<Impact>, channel_count: usize) {
        self.0.impact_override = impact;
        match impact {
            Some(i) => self.0.impact = i,
            None => self.rederive_impact(channel_count),
        }
    }

    /// While open, the impact follows the components unless the operator chose it; once
    /// closed it stays what it was, so history shows how bad it got.
    fn rederive_impact(&mut self, channel_count: usize) {
        if !self.0.status.is_closed() {
            let affected: Vec<ComponentStatus> =
                self.0.components.iter().map(|c| c.status).collect();
            self.0.impact = self
                .impact_override
                .unwrap_or_else(|| Impact::derive(&affected, channel_count));
        }
    }

    /// Moves a maintenance as far as its window says it should be by `now` (a window
    /// that already ended completes at once). Returns the public component changes.
    pub fn catch_up(
        &mut self,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<Vec<ComponentChange>, TransitionError> {
        let mut changes = Vec::new();
        while let Some(next) = self.due_transition(now) {
            let update = UpdateDraft {
                status: Some(next),
                ..Default::default()
            };
            changes.extend(self.post_update(update, super::new_id(), now, catalog)?);
        }
        Ok(changes)
    }

    /// Changes the ETA outside an update (a correction); the revision is still kept.
    pub fn set_eta(&mut self, eta: Option<DateTime<Utc>>, now: DateTime<Utc>) {
        self.revise_eta(eta, now);
    }

    /// Publishes a draft; returns the public component changes that now take effect
    /// (none for a drill, which stays a drill).
    pub fn publish(&mut self, catalog: &Catalog, now: DateTime<Utc>) -> Vec<ComponentChange> {
        if !self.0.draft {
            return Vec::new();
        }
        self.0.draft = false;
        self.0.published_at = Some(now);
        self.public_changes(false, &BTreeMap::new(), catalog)
    }

    /// A copy of this notice as customers would have it had it been public all along (a
    /// draft published, a drill made real), with the component changes that would take
    /// effect now: what a preview renders. For previews only: never to be saved, and
    /// this notice itself does not change.
    pub fn as_public(&self, catalog: &Catalog) -> (Incident, Vec<ComponentChange>) {
        let mut public = self.clone();
        public.0.draft = false;
        public.0.drill = false;
        let changes = public.public_changes(false, &BTreeMap::new(), catalog);
        (public, changes)
    }

    /// The status a maintenance should move to by itself at `now`, if any.
    pub fn due_transition(&self, now: DateTime<Utc>) -> Option<Status> {
        let window = self.0.window?;
        if self.0.kind != Kind::Maintenance || !self.0.auto_transition || self.0.draft {
            return None;
        }
        match self.0.status {
            Status::Scheduled | Status::InProgress | Status::Verifying if now >= window.ends => {
                Some(Status::Completed)
            }
            Status::Scheduled if now >= window.starts => Some(Status::InProgress),
            _ => None,
        }
    }

    /// The words of an update posted without any: the catalogue's, for the status it
    /// moved to (the domain hands out the status, the texts module has the words).
    fn automatic_message(&self) -> LocalizedText {
        super::texts::automatic_update(self.0.status)
    }

    /// The latest update (the timeline is never empty once created).
    pub fn latest_update(&self) -> Option<&Update> {
        self.0.updates.last()
    }

    /// The status that was in force before `index` in the timeline, for "Update" labels.
    pub fn status_before(&self, index: usize) -> Option<Status> {
        index.checked_sub(1).map(|i| self.0.updates[i].status)
    }
}

#[cfg(test)]
mod tests;
