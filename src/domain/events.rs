//! What happened that people outside may be told about (subscribers by email, webhook
//! receivers): derived from a notice before and after a change, so every writer's change
//! tells the same things. Drafts and drills tell nothing.

use chrono::{DateTime, Utc};

use super::{ComponentChange, Incident, Kind, Status, new_id};

/// The kind of an event, as receivers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    IncidentCreated,
    IncidentUpdated,
    IncidentResolved,
    IncidentPostmortem,
    MaintenanceScheduled,
    MaintenanceUpdated,
    MaintenanceStarted,
    MaintenanceCompleted,
    ComponentStatusChanged,
    /// Many customers reported one channel failing at once (`domain::report`). Sent only
    /// to webhook endpoints that name it; never to subscribers (nothing public changed).
    ReportsSpike,
    /// Sent on an operator's request to one webhook endpoint, to try it; never fanned out.
    Test,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        EventKind::IncidentCreated,
        EventKind::IncidentUpdated,
        EventKind::IncidentResolved,
        EventKind::IncidentPostmortem,
        EventKind::MaintenanceScheduled,
        EventKind::MaintenanceUpdated,
        EventKind::MaintenanceStarted,
        EventKind::MaintenanceCompleted,
        EventKind::ComponentStatusChanged,
        EventKind::ReportsSpike,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::IncidentCreated => "incident.created",
            EventKind::IncidentUpdated => "incident.updated",
            EventKind::IncidentResolved => "incident.resolved",
            EventKind::IncidentPostmortem => "incident.postmortem",
            EventKind::MaintenanceScheduled => "maintenance.scheduled",
            EventKind::MaintenanceUpdated => "maintenance.updated",
            EventKind::MaintenanceStarted => "maintenance.started",
            EventKind::MaintenanceCompleted => "maintenance.completed",
            EventKind::ComponentStatusChanged => "component.status_changed",
            EventKind::ReportsSpike => "reports.spike",
            EventKind::Test => "webhook.test",
        }
    }

    /// Any kind, the test event's included (`ALL` is what receivers may choose from).
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .chain([EventKind::Test])
            .find(|k| k.as_str() == s)
    }

    pub fn expected() -> String {
        EventKind::ALL.map(EventKind::as_str).join(", ")
    }

    /// Whether it is about a notice (else about a component, customers' reports, or a test).
    pub fn is_notice(self) -> bool {
        !matches!(
            self,
            EventKind::ComponentStatusChanged | EventKind::ReportsSpike | EventKind::Test
        )
    }

    /// Whether a receiver that names no kinds gets it (and a subscriber may): what the
    /// public may know. A spike of customers' reports is for the operators' tools only.
    pub fn by_default(self) -> bool {
        !matches!(self, EventKind::ReportsSpike | EventKind::Test)
    }
}

/// One event: what happened, to what, when. Its id is stable: every delivery of it (an
/// email's `Message-ID`, a webhook's `webhook-id`) is made from it, so receivers can drop
/// duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub kind: EventKind,
    /// The notice it is about (notice events).
    pub notice: Option<String>,
    /// The timeline update that made it, when one did.
    pub update: Option<String>,
    /// The component and its change (`component.status_changed`).
    pub component: Option<ComponentChange>,
    pub at: DateTime<Utc>,
}

/// What a notice looked like before a change: enough to tell what the change said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeMark {
    public: bool,
    updates: usize,
    eta: Option<DateTime<Utc>>,
    postmortem: bool,
}

impl NoticeMark {
    /// Whether the notice was public then.
    pub fn was_public(&self) -> bool {
        self.public
    }
}

impl Incident {
    /// Marks where this notice stands, before a change is made to it.
    pub fn mark(&self) -> NoticeMark {
        NoticeMark {
            public: self.is_public(),
            updates: self.updates.len(),
            eta: self.eta,
            postmortem: self.postmortem.is_some(),
        }
    }

    /// The events a change tells, given where the notice stood before it (`None`: it is
    /// new) and the public component changes it made. Nothing while it is not public.
    pub fn events_since(
        &self,
        before: Option<NoticeMark>,
        changes: &[ComponentChange],
        now: DateTime<Utc>,
    ) -> Vec<Event> {
        if !self.is_public() {
            return Vec::new();
        }
        let event = |kind, update: Option<&str>| Event {
            id: new_id(),
            kind,
            notice: Some(self.id.clone()),
            update: update.map(str::to_string),
            component: None,
            at: now,
        };
        let mut out = Vec::new();
        let announced = before.is_some_and(|b| b.public);
        let seen_updates = match before {
            // Published just now: the announcement carries the timeline so far.
            Some(b) if b.public => b.updates,
            _ => {
                let created = match self.kind {
                    Kind::Incident => EventKind::IncidentCreated,
                    Kind::Maintenance => EventKind::MaintenanceScheduled,
                };
                out.push(event(created, self.updates.last().map(|u| u.id.as_str())));
                self.updates.len()
            }
        };
        for u in self.updates.iter().skip(seen_updates) {
            out.push(event(update_kind(self.kind, u.status), Some(&u.id)));
        }
        if let Some(b) = before.filter(|_| announced) {
            let told = out.len();
            if told == 0 && b.eta != self.eta {
                // A recovery time moved without a word on the timeline.
                out.push(event(EventKind::IncidentUpdated, None));
            }
            let told_postmortem = out.iter().any(|e| e.kind == EventKind::IncidentPostmortem);
            if !b.postmortem && self.postmortem.is_some() && !told_postmortem {
                out.push(event(EventKind::IncidentPostmortem, None));
            }
        }
        out.extend(changes.iter().map(|c| Event {
            id: new_id(),
            kind: EventKind::ComponentStatusChanged,
            notice: Some(self.id.clone()),
            update: None,
            component: Some(c.clone()),
            at: now,
        }));
        out
    }
}

/// The event an operator sends to try a webhook endpoint.
pub fn test_event(now: DateTime<Utc>) -> Event {
    Event {
        id: new_id(),
        kind: EventKind::Test,
        notice: None,
        update: None,
        component: None,
        at: now,
    }
}

/// Customers' reports of one channel spiked (`domain::report`); the spike is stored
/// under the event's id.
pub fn spike_event(id: String, now: DateTime<Utc>) -> Event {
    Event {
        id,
        kind: EventKind::ReportsSpike,
        notice: None,
        update: None,
        component: None,
        at: now,
    }
}

/// A channel's status set by hand (not through a notice).
pub fn component_event(change: ComponentChange, now: DateTime<Utc>) -> Event {
    Event {
        id: new_id(),
        kind: EventKind::ComponentStatusChanged,
        notice: None,
        update: None,
        component: Some(change),
        at: now,
    }
}

fn update_kind(kind: Kind, status: Status) -> EventKind {
    match (kind, status) {
        (Kind::Incident, Status::Resolved) => EventKind::IncidentResolved,
        (Kind::Incident, Status::Postmortem) => EventKind::IncidentPostmortem,
        (Kind::Incident, _) => EventKind::IncidentUpdated,
        (Kind::Maintenance, Status::InProgress) => EventKind::MaintenanceStarted,
        (Kind::Maintenance, Status::Completed) => EventKind::MaintenanceCompleted,
        (Kind::Maintenance, _) => EventKind::MaintenanceUpdated,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{
        AffectedComponent, Catalog, ComponentId, ComponentStatus, IncidentChanges, IncidentDraft,
        LocalizedText, UpdateDraft,
    };

    fn t(m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 5, m, 0).unwrap()
    }

    fn card() -> ComponentId {
        ComponentId::parse("card", "id").unwrap()
    }

    fn catalog() -> Catalog {
        let mut c = Catalog::default();
        c.statuses.insert(card(), ComponentStatus::Operational);
        c
    }

    fn text(s: &str) -> LocalizedText {
        LocalizedText {
            ko: s.into(),
            en: None,
        }
    }

    fn outage(draft: bool, drill: bool) -> (Incident, Vec<ComponentChange>) {
        let d = IncidentDraft {
            kind: Kind::Incident,
            title: text("카드 결제 장애"),
            message: text("일부 카드 결제가 실패하고 있습니다."),
            status: None,
            impact: None,
            components: vec![AffectedComponent {
                id: card(),
                status: ComponentStatus::MajorOutage,
            }],
            eta: Some(t(45)),
            next_update: None,
            alternatives: Vec::new(),
            started_at: None,
            draft,
            drill,
            window: None,
            auto_transition: false,
        };
        Incident::create(d, "i1".into(), "u1".into(), t(5), &catalog()).unwrap()
    }

    fn kinds(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(|e| e.kind.as_str()).collect()
    }

    fn say(i: &mut Incident, status: Option<Status>, at: u32) -> Vec<Event> {
        let before = i.mark();
        let update = UpdateDraft {
            message: Some(text("확인 중입니다.")),
            status,
            ..UpdateDraft::default()
        };
        let changes = i
            .post_update(update, format!("u{at}"), t(at), &catalog())
            .unwrap();
        i.events_since(Some(before), &changes, t(at))
    }

    #[test]
    fn an_incident_tells_its_opening_each_update_and_its_resolution() {
        let (mut i, changes) = outage(false, false);
        let opened = i.events_since(None, &changes, t(5));
        assert_eq!(
            kinds(&opened),
            ["incident.created", "component.status_changed"]
        );
        assert_eq!(
            opened[0].update.as_deref(),
            Some("u1"),
            "the first update is told with it"
        );
        assert_eq!(
            kinds(&say(&mut i, Some(Status::Identified), 10)),
            ["incident.updated"]
        );
        let resolved = say(&mut i, Some(Status::Resolved), 20);
        assert_eq!(
            kinds(&resolved),
            ["incident.resolved", "component.status_changed"]
        );
        assert_eq!(resolved[0].update.as_deref(), Some("u20"));
        let ids: std::collections::HashSet<_> = resolved.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), 2, "each event has its own id");
    }

    #[test]
    fn a_draft_tells_nothing_until_it_is_published_and_then_tells_its_opening() {
        let (mut i, changes) = outage(true, false);
        assert!(i.events_since(None, &changes, t(5)).is_empty());
        assert!(say(&mut i, Some(Status::Identified), 8).is_empty());
        let before = i.mark();
        let publish = IncidentChanges {
            draft: Some(false),
            ..IncidentChanges::default()
        };
        let changes = i.change_incident(publish, t(10), &catalog()).unwrap();
        let told = i.events_since(Some(before), &changes, t(10));
        assert_eq!(
            kinds(&told),
            ["incident.created", "component.status_changed"]
        );
        assert_eq!(
            told[0].update.as_deref(),
            Some("u8"),
            "with the latest word so far"
        );
    }

    #[test]
    fn a_moved_recovery_time_and_a_postmortem_are_told_without_an_update() {
        let (mut i, _) = outage(false, false);
        let before = i.mark();
        let later = IncidentChanges {
            eta: Some(Some(t(55))),
            ..IncidentChanges::default()
        };
        let changes = i.change_incident(later, t(10), &catalog()).unwrap();
        assert_eq!(
            kinds(&i.events_since(Some(before), &changes, t(10))),
            ["incident.updated"]
        );
        let before = i.mark();
        let same = i
            .change_incident(IncidentChanges::default(), t(11), &catalog())
            .unwrap();
        assert!(
            i.events_since(Some(before), &same, t(11)).is_empty(),
            "nothing new, nothing told"
        );
        say(&mut i, Some(Status::Resolved), 30);
        let before = i.mark();
        let pm = IncidentChanges {
            postmortem: Some(text("원인과 대책")),
            ..IncidentChanges::default()
        };
        let changes = i.change_incident(pm, t(40), &catalog()).unwrap();
        assert_eq!(
            kinds(&i.events_since(Some(before), &changes, t(40))),
            ["incident.postmortem"]
        );
    }

    #[test]
    fn a_drill_tells_nothing_from_start_to_end() {
        let (mut i, changes) = outage(false, true);
        assert!(i.events_since(None, &changes, t(5)).is_empty());
        assert!(say(&mut i, Some(Status::Resolved), 20).is_empty());
    }

    #[test]
    fn event_kinds_read_back_as_written() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(EventKind::parse("incident.deleted"), None);
        assert_eq!(EventKind::parse("webhook.test"), Some(EventKind::Test));
    }

    #[test]
    fn a_spike_of_reports_is_sent_only_to_those_who_ask_for_it() {
        assert_eq!(
            EventKind::parse("reports.spike"),
            Some(EventKind::ReportsSpike)
        );
        assert!(!EventKind::ReportsSpike.by_default());
        assert!(!EventKind::ReportsSpike.is_notice());
        assert!(!EventKind::Test.by_default());
        let defaults = EventKind::ALL
            .into_iter()
            .filter(|k| k.by_default())
            .count();
        assert_eq!(defaults, EventKind::ALL.len() - 1);
    }
}
