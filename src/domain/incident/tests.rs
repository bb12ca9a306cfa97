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
        drill: false,
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
    let changes = inc.publish(&catalog(), t(5, 6));
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
        drill: false,
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

fn drill(d: IncidentDraft) -> IncidentDraft {
    IncidentDraft { drill: true, ..d }
}

#[test]
fn a_drill_goes_through_a_whole_incident_without_changing_a_component() {
    let cat = catalog();
    let (mut inc, changes) = Incident::create(
        drill(card_outage(false)),
        "i1".into(),
        "u1".into(),
        t(5, 4),
        &cat,
    )
    .unwrap();
    assert!(changes.is_empty(), "the card stays as it is");
    assert!(!inc.is_public() && !inc.is_active());
    assert_eq!(
        inc.impact,
        Impact::Major,
        "the console shows what it would be"
    );

    let later = UpdateDraft {
        message: Some(text("늦어집니다")),
        status: Some(Status::Identified),
        components: vec![AffectedComponent {
            id: id("kakaopay"),
            status: PartialOutage,
        }],
        eta: Some(Some(t(6, 30))),
        ..Default::default()
    };
    assert!(
        inc.post_update(later, "u2".into(), t(5, 20), &cat)
            .unwrap()
            .is_empty()
    );
    assert_eq!((inc.status, inc.eta), (Status::Identified, Some(t(6, 30))));
    assert_eq!(inc.eta_revisions.len(), 2);
    assert_eq!(
        inc.components.len(),
        2,
        "the drill keeps what it says it affects"
    );

    let resolve = UpdateDraft {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    assert!(
        inc.post_update(resolve, "u3".into(), t(6, 0), &cat)
            .unwrap()
            .is_empty()
    );
    assert_eq!(inc.resolved_at, Some(t(6, 0)));

    let postmortem = crate::domain::IncidentChanges {
        postmortem: Some(text("원인: 훈련")),
        ..Default::default()
    };
    assert!(
        inc.change_incident(postmortem, t(7, 0), &cat)
            .unwrap()
            .is_empty()
    );
    assert_eq!(inc.status, Status::Postmortem);
    assert_eq!(inc.updates.len(), 4);
    assert!(inc.updates.iter().all(|u| u.changes.is_empty()));
    assert!(inc.drill, "a drill stays a drill");
}

#[test]
fn a_drill_never_changes_a_component_even_where_another_incident_holds_it() {
    let mut cat = catalog();
    cat.statuses.insert(id("card"), MajorOutage);
    cat.active_elsewhere.insert(id("card"), vec![MajorOutage]);
    let (mut inc, changes) = Incident::create(
        drill(card_outage(true)),
        "i1".into(),
        "u1".into(),
        t(5, 4),
        &cat,
    )
    .unwrap();
    assert!(changes.is_empty());
    assert!(
        inc.publish(&cat, t(5, 6)).is_empty(),
        "a published drill is still a drill"
    );
    assert!(!inc.draft && !inc.is_public());
    let resolve = UpdateDraft {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    let changes = inc
        .post_update(resolve, "u2".into(), t(6, 0), &cat)
        .unwrap();
    assert!(changes.is_empty(), "the real outage keeps the card down");
}

#[test]
fn a_drill_maintenance_moves_along_the_clock_without_changing_a_component() {
    let cat = catalog();
    let (mut m, changes) = Incident::create(
        drill(nightly_bank_maintenance()),
        "m1".into(),
        "u1".into(),
        t(9, 0),
        &cat,
    )
    .unwrap();
    assert!(changes.is_empty());
    assert_eq!(m.due_transition(t(15, 0)), Some(Status::InProgress));
    assert!(m.catch_up(t(15, 10), &cat).unwrap().is_empty());
    assert_eq!(m.status, Status::InProgress);
    assert!(!m.is_active(), "in progress, but not in public");
    assert!(m.catch_up(t(15, 40), &cat).unwrap().is_empty());
    assert_eq!(m.status, Status::Completed);
}

#[test]
fn a_preview_copy_is_public_with_the_changes_publishing_would_make() {
    let cat = catalog();
    let (inc, _) = Incident::create(
        drill(card_outage(true)),
        "i1".into(),
        "u1".into(),
        t(5, 4),
        &cat,
    )
    .unwrap();
    let (public, changes) = inc.as_public(&cat);
    assert!(public.is_public() && public.is_active());
    assert_eq!(
        changes,
        vec![ComponentChange {
            component: id("card"),
            old: Operational,
            new: MajorOutage
        }]
    );
    assert!(inc.draft && inc.drill, "the notice itself is as it was");
}
