//! Incidents and maintenances ("notices"): one aggregate with its timeline, and the rules
//! for creating it, posting updates and moving maintenance windows along the clock.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::{
    ComponentId, ComponentStatus, FieldError, Impact, Kind, LocalizedText, Status, TransitionError,
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

/// An incident or a maintenance with everything said about it so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: String,
    pub kind: Kind,
    pub title: LocalizedText,
    pub status: Status,
    pub impact: Impact,
    /// Set when the operator chose the impact; otherwise it follows the components.
    pub impact_override: Option<Impact>,
    pub draft: bool,
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

/// What a write needs to know about the component catalogue: which ids exist, which are
/// groups, their public status now, and what other active notices hold them at.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub statuses: HashMap<ComponentId, ComponentStatus>,
    pub groups: HashSet<ComponentId>,
    /// Per component, the statuses other active notices (not the one being written) give it.
    pub active_elsewhere: HashMap<ComponentId, Vec<ComponentStatus>>,
}

impl Catalog {
    pub fn channel_count(&self) -> usize {
        self.statuses.len() - self.groups.len()
    }

    fn status(&self, id: &ComponentId) -> ComponentStatus {
        self.statuses
            .get(id)
            .copied()
            .unwrap_or(ComponentStatus::Operational)
    }

    /// Checks that `id` names a payment channel that can be affected or recommended.
    pub fn check_channel(&self, id: &ComponentId, field: &str) -> Result<(), FieldError> {
        if !self.statuses.contains_key(id) {
            Err(FieldError::new(
                field,
                format!("there is no component `{id}`"),
            ))
        } else if self.groups.contains(id) {
            Err(FieldError::new(
                field,
                format!("`{id}` is a group; name the payment channels in it"),
            ))
        } else {
            Ok(())
        }
    }
}

/// The public status of a component when a notice that held it ends: the worst status
/// other active notices give it, or operational.
pub fn status_after_close(active_elsewhere: &[ComponentStatus]) -> ComponentStatus {
    ComponentStatus::worst(active_elsewhere.iter().copied())
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
    /// Creates a notice with its first update. Drafts and scheduled maintenances do not
    /// touch public component statuses; the returned changes are to be applied.
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
        let mut incident = Incident {
            id,
            kind: d.kind,
            title: d.title,
            status: default_status,
            impact: Impact::None,
            impact_override: d.impact,
            draft: d.draft,
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
        };
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

    /// Whether the notice is shown publicly as going on right now.
    pub fn is_active(&self) -> bool {
        !self.draft
            && match self.kind {
                Kind::Incident => !self.status.is_closed(),
                Kind::Maintenance => matches!(self.status, Status::InProgress | Status::Verifying),
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
            self.status.transition(to)?;
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
        let new_status = u.status.unwrap_or(self.status);
        let explicit: BTreeMap<ComponentId, ComponentStatus> = u
            .components
            .iter()
            .map(|c| (c.id.clone(), c.status))
            .collect();
        for c in &u.components {
            match self.components.iter_mut().find(|a| a.id == c.id) {
                Some(a) => a.status = c.status,
                None => self.components.push(c.clone()),
            }
        }
        if new_status == Status::Monitoring && self.monitoring_at.is_none() {
            self.monitoring_at = Some(now);
        }
        if new_status.is_closed() && !self.status.is_closed() {
            self.resolved_at = Some(now);
        } else if !new_status.is_closed() {
            self.resolved_at = None;
        }
        self.status = new_status;
        if let Some(eta) = u.eta {
            self.revise_eta(eta, now);
        }
        match u.next_update {
            Some(n) => self.set_next_update(n, now),
            // Each update fulfils the promise; renew it when the operator set a rhythm.
            None => self.set_next_update(self.update_interval_minutes.map(NextUpdate::Every), now),
        }
        if self.status.is_closed() {
            self.next_update_at = None;
        }
        if let Some(alternatives) = u.alternatives {
            self.alternatives = alternatives;
        }
        self.rederive_impact(catalog.channel_count());
        let changes = self.public_changes(was_active, &explicit, catalog);
        if self.status.is_closed() {
            for c in &mut self.components {
                c.status = explicit
                    .get(&c.id)
                    .copied()
                    .unwrap_or(ComponentStatus::Operational);
            }
        }
        self.updates.push(Update {
            id: update_id,
            status: self.status,
            message: u.message.unwrap_or_else(|| self.automatic_message()),
            created_at: now,
            eta: self.eta,
            next_update_at: self.next_update_at,
            changes: changes.clone(),
        });
        self.updated_at = now;
        self.revision += 1;
        Ok(changes)
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
        for c in &self.components {
            let old = catalog.status(&c.id);
            let elsewhere = catalog
                .active_elsewhere
                .get(&c.id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let new = if now_active {
                match (self.kind, was_active) {
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
        if eta != self.eta {
            self.eta_revisions.push(EtaRevision {
                eta,
                previous: self.eta,
                revised_at: now,
            });
            self.eta = eta;
        }
    }

    /// Sets (or, with `None`, withdraws) the next-update promise.
    pub fn set_next_update(&mut self, n: Option<NextUpdate>, now: DateTime<Utc>) {
        (self.next_update_at, self.update_interval_minutes) = match n {
            None => (None, None),
            Some(NextUpdate::At(t)) => (Some(t), None),
            Some(NextUpdate::Every(m)) => (Some(now + chrono::Duration::minutes(m)), Some(m)),
        };
    }

    /// Chooses the impact (`None`: follow the affected components again).
    pub fn set_impact_override(&mut self, impact: Option<Impact>, channel_count: usize) {
        self.impact_override = impact;
        match impact {
            Some(i) => self.impact = i,
            None => self.rederive_impact(channel_count),
        }
    }

    /// While open, the impact follows the components unless the operator chose it; once
    /// closed it stays what it was, so history shows how bad it got.
    fn rederive_impact(&mut self, channel_count: usize) {
        if !self.status.is_closed() {
            let affected: Vec<ComponentStatus> = self.components.iter().map(|c| c.status).collect();
            self.impact = self
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

    /// Publishes a draft; returns the public component changes that now take effect.
    pub fn publish(&mut self, catalog: &Catalog) -> Vec<ComponentChange> {
        if !self.draft {
            return Vec::new();
        }
        self.draft = false;
        self.public_changes(false, &BTreeMap::new(), catalog)
    }

    /// The status a maintenance should move to by itself at `now`, if any.
    pub fn due_transition(&self, now: DateTime<Utc>) -> Option<Status> {
        let window = self.window?;
        if self.kind != Kind::Maintenance || !self.auto_transition || self.draft {
            return None;
        }
        match self.status {
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
        crate::snapshot::texts::automatic_update(self.status)
    }

    /// The latest update (the timeline is never empty once created).
    pub fn latest_update(&self) -> Option<&Update> {
        self.updates.last()
    }

    /// The status that was in force before `index` in the timeline, for "Update" labels.
    pub fn status_before(&self, index: usize) -> Option<Status> {
        index.checked_sub(1).map(|i| self.updates[i].status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComponentStatus::*;
    use chrono::TimeZone;

    fn id(s: &str) -> ComponentId {
        ComponentId::parse(s, "id").unwrap()
    }

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap()
    }

    fn catalog() -> Catalog {
        let mut c = Catalog::default();
        for s in ["card", "bank-transfer", "kakaopay", "easy-pay"] {
            c.statuses.insert(id(s), Operational);
        }
        c.groups.insert(id("easy-pay"));
        c
    }

    fn text(s: &str) -> LocalizedText {
        LocalizedText {
            ko: s.into(),
            en: None,
        }
    }

    fn card_outage(draft: bool) -> IncidentDraft {
        IncidentDraft {
            kind: Kind::Incident,
            title: text("카드 결제 승인 지연"),
            message: text("일부 카드 결제가 실패하고 있습니다."),
            status: None,
            impact: None,
            components: vec![AffectedComponent {
                id: id("card"),
                status: MajorOutage,
            }],
            eta: Some(t(5, 45)),
            next_update: Some(NextUpdate::Every(20)),
            alternatives: vec![Alternative {
                component: id("bank-transfer"),
                instructions: None,
            }],
            started_at: None,
            draft,
            window: None,
            auto_transition: true,
        }
    }

    #[test]
    fn creating_an_incident_takes_the_card_down_and_derives_impact() {
        let (inc, changes) = Incident::create(
            card_outage(false),
            "i1".into(),
            "u1".into(),
            t(5, 4),
            &catalog(),
        )
        .unwrap();
        assert_eq!(inc.status, Status::Investigating);
        assert_eq!(inc.impact, Impact::Major);
        assert_eq!(
            changes,
            vec![ComponentChange {
                component: id("card"),
                old: Operational,
                new: MajorOutage
            }]
        );
        assert_eq!(inc.next_update_at, Some(t(5, 24)));
        assert_eq!(inc.eta_revisions.len(), 1);
        assert_eq!(inc.updates.len(), 1);
    }

    #[test]
    fn drafts_change_nothing_public_until_published() {
        let (mut inc, changes) = Incident::create(
            card_outage(true),
            "i1".into(),
            "u1".into(),
            t(5, 4),
            &catalog(),
        )
        .unwrap();
        assert!(changes.is_empty());
        assert!(!inc.is_active());
        let changes = inc.publish(&catalog());
        assert_eq!(changes.len(), 1);
        assert!(inc.is_active());
    }

    #[test]
    fn eta_revisions_and_the_update_rhythm_are_kept() {
        let cat = catalog();
        let (mut inc, _) =
            Incident::create(card_outage(false), "i1".into(), "u1".into(), t(5, 4), &cat).unwrap();
        let u = UpdateDraft {
            message: Some(text("원인 파악")),
            status: Some(Status::Identified),
            eta: Some(Some(t(6, 0))),
            ..Default::default()
        };
        let changes = inc.post_update(u, "u2".into(), t(5, 24), &cat).unwrap();
        assert!(
            changes.is_empty(),
            "components not named in the update keep their status"
        );
        assert_eq!(inc.eta, Some(t(6, 0)));
        assert_eq!(inc.eta_revisions.last().unwrap().previous, Some(t(5, 45)));
        assert_eq!(
            inc.next_update_at,
            Some(t(5, 44)),
            "the 20-minute rhythm is renewed"
        );
        let u = UpdateDraft {
            message: Some(text("same eta")),
            eta: Some(Some(t(6, 0))),
            ..Default::default()
        };
        inc.post_update(u, "u3".into(), t(5, 30), &cat).unwrap();
        assert_eq!(
            inc.eta_revisions.len(),
            2,
            "an unchanged ETA is not a revision"
        );
    }

    #[test]
    fn resolving_returns_components_to_operational_unless_told_otherwise() {
        let mut cat = catalog();
        let (mut inc, _) =
            Incident::create(card_outage(false), "i1".into(), "u1".into(), t(5, 4), &cat).unwrap();
        cat.statuses.insert(id("card"), MajorOutage);
        let u = UpdateDraft {
            message: Some(text("해결")),
            status: Some(Status::Resolved),
            ..Default::default()
        };
        let mut resolved = inc.clone();
        let changes = resolved.post_update(u, "u2".into(), t(6, 0), &cat).unwrap();
        assert_eq!(
            changes,
            vec![ComponentChange {
                component: id("card"),
                old: MajorOutage,
                new: Operational
            }]
        );
        assert_eq!(resolved.resolved_at, Some(t(6, 0)));
        assert_eq!(resolved.next_update_at, None);
        assert_eq!(
            resolved.impact,
            Impact::Major,
            "history keeps the impact it had"
        );

        let u = UpdateDraft {
            message: Some(text("일부 지연")),
            status: Some(Status::Resolved),
            components: vec![AffectedComponent {
                id: id("card"),
                status: DegradedPerformance,
            }],
            ..Default::default()
        };
        let changes = inc.post_update(u, "u2".into(), t(6, 0), &cat).unwrap();
        assert_eq!(changes[0].new, DegradedPerformance);
    }

    #[test]
    fn resolving_keeps_a_component_held_down_by_another_incident() {
        let mut cat = catalog();
        let (mut inc, _) =
            Incident::create(card_outage(false), "i1".into(), "u1".into(), t(5, 4), &cat).unwrap();
        cat.statuses.insert(id("card"), MajorOutage);
        cat.active_elsewhere.insert(id("card"), vec![PartialOutage]);
        let u = UpdateDraft {
            message: Some(text("해결")),
            status: Some(Status::Resolved),
            ..Default::default()
        };
        let changes = inc.post_update(u, "u2".into(), t(6, 0), &cat).unwrap();
        assert_eq!(changes[0].new, PartialOutage);
    }

    #[test]
    fn a_postmortem_needs_a_resolved_incident() {
        let cat = catalog();
        let (mut inc, _) =
            Incident::create(card_outage(false), "i1".into(), "u1".into(), t(5, 4), &cat).unwrap();
        let u = UpdateDraft {
            status: Some(Status::Postmortem),
            message: Some(text("pm")),
            ..Default::default()
        };
        assert!(inc.post_update(u, "u2".into(), t(6, 0), &cat).is_err());
        assert_eq!(inc.updates.len(), 1, "a refused update leaves no trace");
    }

    fn nightly_bank_maintenance() -> IncidentDraft {
        IncidentDraft {
            kind: Kind::Maintenance,
            title: text("은행 정기 점검"),
            message: text("매일 00:00–00:30 은행 정기 점검이 있습니다."),
            status: None,
            impact: None,
            components: vec![AffectedComponent {
                id: id("bank-transfer"),
                status: UnderMaintenance,
            }],
            eta: None,
            next_update: None,
            alternatives: vec![],
            started_at: None,
            draft: false,
            window: Some(MaintenanceWindow::new(t(15, 0), t(15, 30)).unwrap()),
            auto_transition: true,
        }
    }

    #[test]
    fn maintenance_windows_move_along_the_clock() {
        let cat = catalog();
        let (mut m, changes) = Incident::create(
            nightly_bank_maintenance(),
            "m1".into(),
            "u1".into(),
            t(9, 0),
            &cat,
        )
        .unwrap();
        assert_eq!(m.status, Status::Scheduled);
        assert!(changes.is_empty(), "a scheduled window changes nothing yet");
        assert_eq!(m.due_transition(t(14, 59)), None);
        assert_eq!(m.due_transition(t(15, 0)), Some(Status::InProgress));
        let changes = m
            .post_update(
                UpdateDraft {
                    status: Some(Status::InProgress),
                    ..Default::default()
                },
                "u2".into(),
                t(15, 0),
                &cat,
            )
            .unwrap();
        assert_eq!(changes[0].new, UnderMaintenance);
        assert_eq!(
            m.updates.last().unwrap().message.ko,
            "예정된 점검을 시작했습니다."
        );
        assert_eq!(m.due_transition(t(15, 30)), Some(Status::Completed));
        let changes = m
            .post_update(
                UpdateDraft {
                    status: Some(Status::Completed),
                    ..Default::default()
                },
                "u3".into(),
                t(15, 30),
                &cat,
            )
            .unwrap();
        assert_eq!(changes[0].new, Operational);
        assert_eq!(m.due_transition(t(16, 0)), None);
    }

    #[test]
    fn a_window_that_already_ended_completes_directly() {
        let (m, _) = Incident::create(
            nightly_bank_maintenance(),
            "m1".into(),
            "u1".into(),
            t(9, 0),
            &catalog(),
        )
        .unwrap();
        assert_eq!(m.due_transition(t(16, 0)), Some(Status::Completed));
    }

    #[test]
    fn windows_must_end_after_they_start() {
        assert!(MaintenanceWindow::new(t(15, 0), t(15, 0)).is_err());
        assert!(MaintenanceWindow::new(t(15, 0), t(14, 0)).is_err());
    }

    #[test]
    fn groups_and_unknown_components_cannot_be_affected() {
        let cat = catalog();
        assert!(cat.check_channel(&id("card"), "components.card").is_ok());
        assert!(
            cat.check_channel(&id("easy-pay"), "components.easy-pay")
                .is_err()
        );
        assert!(cat.check_channel(&id("nope"), "components.nope").is_err());
    }
}

/// A payment channel suggested to customers while a notice lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion<'a> {
    pub component: &'a ComponentId,
    pub instructions: Option<&'a LocalizedText>,
}

impl Incident {
    /// What to suggest instead: the alternatives the operator listed, or else the default
    /// fallbacks of the affected channels. Never a channel this notice itself affects.
    /// Whether to recommend one *now* is [`recommend_now`]'s call.
    pub fn suggestions<'a>(
        &'a self,
        fallbacks: impl Fn(&ComponentId) -> &'a [ComponentId],
    ) -> Vec<Suggestion<'a>> {
        let affected = |id: &ComponentId| self.components.iter().any(|c| &c.id == id);
        let mut out: Vec<Suggestion<'a>> = Vec::new();
        if self.alternatives.is_empty() {
            for c in &self.components {
                for f in fallbacks(&c.id) {
                    if !affected(f) && !out.iter().any(|s| s.component == f) {
                        out.push(Suggestion {
                            component: f,
                            instructions: None,
                        });
                    }
                }
            }
        } else {
            for a in &self.alternatives {
                if !affected(&a.component) {
                    out.push(Suggestion {
                        component: &a.component,
                        instructions: a.instructions.as_ref(),
                    });
                }
            }
        }
        out
    }
}

/// Customers are only pointed to a channel while it works.
pub fn recommend_now(status: ComponentStatus) -> bool {
    status.is_operational()
}

#[cfg(test)]
mod suggestion_tests {
    use super::*;

    fn id(s: &str) -> ComponentId {
        ComponentId::parse(s, "id").unwrap()
    }

    fn incident(components: &[&str], alternatives: &[&str]) -> Incident {
        let now = chrono::Utc::now();
        Incident {
            id: "i".into(),
            kind: Kind::Incident,
            title: LocalizedText {
                ko: "t".into(),
                en: None,
            },
            status: Status::Investigating,
            impact: Impact::Major,
            impact_override: None,
            draft: false,
            components: components
                .iter()
                .map(|c| AffectedComponent {
                    id: id(c),
                    status: ComponentStatus::MajorOutage,
                })
                .collect(),
            alternatives: alternatives
                .iter()
                .map(|a| Alternative {
                    component: id(a),
                    instructions: None,
                })
                .collect(),
            eta: None,
            next_update_at: None,
            update_interval_minutes: None,
            window: None,
            auto_transition: false,
            postmortem: None,
            started_at: now,
            monitoring_at: None,
            resolved_at: None,
            created_at: now,
            updated_at: now,
            revision: 1,
            updates: vec![],
            eta_revisions: vec![],
        }
    }

    #[test]
    fn listed_alternatives_win_over_default_fallbacks() {
        let fb = vec![id("bank-transfer")];
        let i = incident(&["card"], &["kakaopay", "card"]);
        let s: Vec<&str> = i
            .suggestions(|_| &fb)
            .iter()
            .map(|s| s.component.as_str())
            .collect();
        assert_eq!(
            s,
            vec!["kakaopay"],
            "an affected channel is never suggested"
        );
    }

    #[test]
    fn default_fallbacks_fill_in_and_skip_affected_channels() {
        let card_fb = vec![id("bank-transfer")];
        let wallet_fb = vec![id("card")];
        let i = incident(&["kakaopay", "card"], &[]);
        let s: Vec<&str> = i
            .suggestions(|c| {
                if c.as_str() == "card" {
                    &card_fb
                } else {
                    &wallet_fb
                }
            })
            .iter()
            .map(|s| s.component.as_str())
            .collect();
        assert_eq!(s, vec!["bank-transfer"]);
    }

    #[test]
    fn only_operational_channels_are_recommended() {
        assert!(recommend_now(ComponentStatus::Operational));
        assert!(!recommend_now(ComponentStatus::PartialOutage));
        assert!(!recommend_now(ComponentStatus::UnderMaintenance));
    }
}
