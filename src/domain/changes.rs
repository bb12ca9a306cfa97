//! Changes to a notice outside its timeline (what `PATCH` does): each rule that guards
//! them, checked all at once, then applied, with the revision moved once.

use chrono::{DateTime, Utc};

use super::{
    AffectedComponent, Alternative, Catalog, ComponentChange, FieldError, Impact, Incident, Kind,
    LocalizedText, MaintenanceWindow, NextUpdate, Status, UpdateDraft, new_id,
};

/// What may change about an incident; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct IncidentChanges {
    pub title: Option<LocalizedText>,
    /// `Some(None)` lets the impact follow the components again.
    pub impact: Option<Option<Impact>>,
    /// `Some(false)` publishes a draft.
    pub draft: Option<bool>,
    pub eta: Option<Option<DateTime<Utc>>>,
    pub next_update: Option<Option<NextUpdate>>,
    pub alternatives: Option<Vec<Alternative>>,
    /// A correction of when it began: not after it was first posted.
    pub started_at: Option<DateTime<Utc>>,
    /// A correction of when it ended: only once resolved, after it began and after the
    /// update before its resolution, and not in the future.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Only once resolved; moves the incident to `postmortem`.
    pub postmortem: Option<LocalizedText>,
}

/// What may change about a maintenance; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct MaintenanceChanges {
    pub title: Option<LocalizedText>,
    pub draft: Option<bool>,
    /// Only before it starts.
    pub starts: Option<DateTime<Utc>>,
    /// Not once it is over.
    pub ends: Option<DateTime<Utc>>,
    pub auto_transition: Option<bool>,
    /// Only before it starts.
    pub components: Option<Vec<AffectedComponent>>,
    pub alternatives: Option<Vec<Alternative>>,
}

impl Incident {
    /// Why `changes` cannot be made to this incident, field by field (empty: they can).
    pub fn incident_refusals(
        &self,
        changes: &IncidentChanges,
        now: DateTime<Utc>,
    ) -> Vec<FieldError> {
        let mut refused = self.draft_refusal(changes.draft);
        refused.extend(self.correction_refusals(changes, now));
        if changes.postmortem.is_some()
            && let Err(e) = self.0.status.transition(Status::Postmortem)
        {
            refused.push(FieldError::new("postmortem", e.0));
        }
        refused
    }

    /// Makes `changes`, or refuses them all; returns the public component changes.
    pub fn change_incident(
        &mut self,
        changes: IncidentChanges,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<Vec<ComponentChange>, Vec<FieldError>> {
        let refused = self.incident_refusals(&changes, now);
        if !refused.is_empty() {
            return Err(refused);
        }
        if let Some(t) = changes.resolved_at {
            self.0.resolved_at = Some(t);
        }
        if let Some(t) = changes.title {
            self.0.title = t;
        }
        if let Some(impact) = changes.impact {
            self.set_impact_override(impact, catalog.channel_count());
        }
        if let Some(eta) = changes.eta {
            self.set_eta(eta, now);
        }
        if let Some(n) = changes.next_update {
            self.set_next_update(n, now);
        }
        if let Some(a) = changes.alternatives {
            self.0.alternatives = a;
        }
        if let Some(s) = changes.started_at {
            self.0.started_at = s;
        }
        let mut public = Vec::new();
        if changes.draft == Some(false) {
            public = self.publish(catalog, now);
        }
        if let Some(pm) = changes.postmortem {
            self.0.postmortem = Some(pm);
            if self.0.status != Status::Postmortem {
                // The timeline says so, with its own update (which moves the revision).
                let update = UpdateDraft {
                    status: Some(Status::Postmortem),
                    ..Default::default()
                };
                let more = self
                    .post_update(update, new_id(), now, catalog)
                    .map_err(|e| vec![FieldError::new("postmortem", e.0)])?;
                public.extend(more);
                return Ok(public);
            }
        }
        self.touch(now);
        Ok(public)
    }

    /// Why a correction of the start or end cannot be made. The outage in the status
    /// history follows a correction (`service::notices`), so neither may cross the
    /// timeline: the start stays at or before the first post, the end after the last
    /// update before the resolution.
    fn correction_refusals(
        &self,
        changes: &IncidentChanges,
        now: DateTime<Utc>,
    ) -> Vec<FieldError> {
        let mut refused = Vec::new();
        let posted = self
            .0
            .updates
            .first()
            .map_or(self.0.created_at, |u| u.created_at);
        if let Some(s) = changes.started_at
            && s > posted
        {
            refused.push(FieldError::new(
                "started_at",
                "cannot be after the incident was first posted",
            ));
        }
        let Some(end) = changes.resolved_at else {
            return refused;
        };
        if !self.0.status.is_closed() {
            refused.push(FieldError::new(
                "resolved_at",
                "the incident is not resolved; resolve it with an update",
            ));
            return refused;
        }
        let start = changes.started_at.unwrap_or(self.0.started_at);
        // The updates before the one that resolved it.
        let resolving = self
            .0
            .updates
            .iter()
            .rposition(|u| !u.status.is_closed())
            .map_or(0, |i| i + 1);
        let before = resolving
            .checked_sub(1)
            .and_then(|i| self.0.updates.get(i))
            .map(|u| u.created_at);
        if end <= start {
            refused.push(FieldError::new("resolved_at", "must be after started_at"));
        } else if before.is_some_and(|b| end <= b) {
            refused.push(FieldError::new(
                "resolved_at",
                "must be after the last update before the resolution",
            ));
        } else if end > now {
            refused.push(FieldError::new("resolved_at", "is in the future"));
        }
        refused
    }

    /// Why `changes` cannot be made to this maintenance, field by field.
    pub fn maintenance_refusals(&self, changes: &MaintenanceChanges) -> Vec<FieldError> {
        let mut refused = self.draft_refusal(changes.draft);
        let scheduled = self.0.status == Status::Scheduled;
        if changes.starts.is_some() && !scheduled {
            refused.push(FieldError::new(
                "scheduled_for",
                "the maintenance has already started",
            ));
        }
        if changes.components.is_some() && !scheduled {
            refused.push(FieldError::new(
                "components",
                "components can only change before the maintenance starts",
            ));
        }
        if changes.ends.is_some() && self.0.status.is_closed() {
            refused.push(FieldError::new(
                "scheduled_until",
                "the maintenance is over",
            ));
        }
        if let Err(e) = self.moved_window(changes) {
            refused.push(e);
        }
        refused
    }

    /// Makes `changes`, or refuses them all; a window moved into the past starts (or
    /// completes) at once. Returns the public component changes.
    pub fn change_maintenance(
        &mut self,
        changes: MaintenanceChanges,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<Vec<ComponentChange>, Vec<FieldError>> {
        let refused = self.maintenance_refusals(&changes);
        if !refused.is_empty() {
            return Err(refused);
        }
        if let Ok(Some(w)) = self.moved_window(&changes) {
            self.0.window = Some(w);
            self.0.started_at = w.starts;
        }
        if let Some(t) = changes.title {
            self.0.title = t;
        }
        if let Some(c) = changes.components {
            self.0.components = c;
        }
        if let Some(a) = changes.alternatives {
            self.0.alternatives = a;
        }
        if let Some(auto) = changes.auto_transition {
            self.0.auto_transition = auto;
        }
        let mut public = Vec::new();
        if changes.draft == Some(false) {
            public = self.publish(catalog, now);
        }
        self.touch(now);
        public.extend(
            self.catch_up(now, catalog)
                .map_err(|e| vec![FieldError::new("status", e.0)])?,
        );
        Ok(public)
    }

    /// The window after `changes`, if they move it.
    fn moved_window(
        &self,
        changes: &MaintenanceChanges,
    ) -> Result<Option<MaintenanceWindow>, FieldError> {
        match (self.0.window, changes.starts, changes.ends) {
            (Some(w), s, e) if s.is_some() || e.is_some() => {
                MaintenanceWindow::new(s.unwrap_or(w.starts), e.unwrap_or(w.ends)).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn draft_refusal(&self, draft: Option<bool>) -> Vec<FieldError> {
        if draft == Some(true) && !self.0.draft {
            let what = match self.0.kind {
                Kind::Incident => "a published incident cannot become a draft again",
                Kind::Maintenance => "a published maintenance cannot become a draft again",
            };
            vec![FieldError::new("draft", what)]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{ComponentId, ComponentStatus, IncidentDraft};

    fn id(s: &str) -> ComponentId {
        ComponentId::parse(s, "id").unwrap()
    }

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap()
    }

    fn text(s: &str) -> LocalizedText {
        LocalizedText {
            ko: s.into(),
            en: None,
        }
    }

    fn catalog() -> Catalog {
        let mut c = Catalog::default();
        for s in ["card", "bank-transfer"] {
            c.statuses.insert(id(s), ComponentStatus::Operational);
        }
        c
    }

    fn notice(kind: Kind, draft: bool) -> Incident {
        let window = (kind == Kind::Maintenance)
            .then(|| MaintenanceWindow::new(t(15, 0), t(15, 30)).unwrap());
        let draft = IncidentDraft {
            kind,
            title: text("카드 결제 승인 지연"),
            message: text("일부 카드 결제가 실패하고 있습니다."),
            status: None,
            impact: None,
            components: vec![AffectedComponent {
                id: id("card"),
                status: match kind {
                    Kind::Incident => ComponentStatus::MajorOutage,
                    Kind::Maintenance => ComponentStatus::UnderMaintenance,
                },
            }],
            eta: None,
            next_update: None,
            alternatives: vec![],
            started_at: None,
            draft,
            drill: false,
            window,
            auto_transition: true,
        };
        Incident::create(draft, "n1".into(), "u1".into(), t(5, 5), &catalog())
            .unwrap()
            .0
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_postmortem_needs_a_resolved_incident_and_moves_it_to_postmortem() {
        let mut i = notice(Kind::Incident, false);
        let changes = IncidentChanges {
            postmortem: Some(text("원인: 카드사 인증 서버 장애")),
            ..Default::default()
        };
        let refused = i
            .change_incident(changes, t(5, 10), &catalog())
            .unwrap_err();
        assert_eq!(fields(&refused), ["postmortem"]);
        assert!(refused[0].message.contains("resolve the incident"));
        assert!(i.postmortem.is_none(), "nothing changed");

        let resolve = UpdateDraft {
            status: Some(Status::Resolved),
            ..Default::default()
        };
        i.post_update(resolve, "u2".into(), t(5, 30), &catalog())
            .unwrap();
        let revision = i.revision;
        let changes = IncidentChanges {
            postmortem: Some(text("원인: 카드사 인증 서버 장애")),
            ..Default::default()
        };
        i.change_incident(changes, t(6, 0), &catalog()).unwrap();
        assert_eq!(i.status, Status::Postmortem);
        assert_eq!(i.updates.last().unwrap().status, Status::Postmortem);
        assert_eq!(i.revision, revision + 1, "one change, one revision");
    }

    #[test]
    fn a_published_notice_cannot_become_a_draft_and_a_draft_publishes() {
        let mut i = notice(Kind::Incident, false);
        let again = IncidentChanges {
            draft: Some(true),
            ..Default::default()
        };
        assert_eq!(fields(&i.incident_refusals(&again, t(5, 7))), ["draft"]);

        let mut d = notice(Kind::Incident, true);
        let publish = IncidentChanges {
            draft: Some(false),
            title: Some(text("카드 결제 실패")),
            ..Default::default()
        };
        let public = d.change_incident(publish, t(5, 6), &catalog()).unwrap();
        assert!(!d.draft);
        assert_eq!(d.title.ko, "카드 결제 실패");
        assert_eq!(public.len(), 1, "the card goes down when it is published");
        assert_eq!(d.updated_at, t(5, 6));
        i.change_incident(IncidentChanges::default(), t(5, 7), &catalog())
            .unwrap();
        assert_eq!(i.updated_at, t(5, 7));
    }

    #[test]
    fn a_maintenance_moves_and_changes_components_only_before_it_starts() {
        let mut m = notice(Kind::Maintenance, false);
        let earlier = MaintenanceChanges {
            starts: Some(t(14, 0)),
            components: Some(vec![AffectedComponent {
                id: id("bank-transfer"),
                status: ComponentStatus::UnderMaintenance,
            }]),
            ..Default::default()
        };
        m.change_maintenance(earlier, t(5, 10), &catalog()).unwrap();
        assert_eq!(m.window.unwrap().starts, t(14, 0));
        assert_eq!(m.started_at, t(14, 0));
        assert_eq!(m.components[0].id, id("bank-transfer"));

        // Moved into the past, it starts at once.
        let now = MaintenanceChanges {
            starts: Some(t(5, 0)),
            ..Default::default()
        };
        m.change_maintenance(now, t(5, 10), &catalog()).unwrap();
        assert_eq!(m.status, Status::InProgress);

        let late = MaintenanceChanges {
            starts: Some(t(5, 20)),
            components: Some(vec![]),
            ends: Some(t(4, 0)),
            ..Default::default()
        };
        let refused = m.maintenance_refusals(&late);
        assert_eq!(
            fields(&refused),
            ["scheduled_for", "components", "scheduled_until"],
            "{refused:?}"
        );
    }
}
