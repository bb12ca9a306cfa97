use chrono::TimeZone;

use super::*;
use crate::domain::{
    AffectedComponent, Catalog, Incident, IncidentChanges, IncidentDraft, Kind, NextUpdate,
    UpdateDraft,
};

fn id(s: &str) -> ComponentId {
    ComponentId::parse(s, "id").unwrap()
}

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap()
}

fn catalog() -> Catalog {
    let mut c = Catalog::default();
    for s in ["card", "bank-transfer", "kakaopay"] {
        c.statuses.insert(id(s), ComponentStatus::Operational);
    }
    c
}

fn text(s: &str) -> LocalizedText {
    LocalizedText {
        ko: s.into(),
        en: None,
    }
}

fn affected(c: &str, status: ComponentStatus) -> AffectedComponent {
    AffectedComponent { id: id(c), status }
}

fn opened(draft: bool, at: DateTime<Utc>) -> Incident {
    let d = IncidentDraft {
        kind: Kind::Incident,
        title: text("카드 결제 승인 지연"),
        message: text("일부 카드 결제가 실패하고 있습니다."),
        status: None,
        impact: None,
        components: vec![affected("card", ComponentStatus::MajorOutage)],
        eta: Some(t(14, 45)),
        next_update: Some(NextUpdate::Every(20)),
        alternatives: Vec::new(),
        started_at: Some(t(14, 0)),
        draft,
        drill: false,
        window: None,
        auto_transition: false,
    };
    Incident::create(d, "i1".into(), "u0".into(), at, &catalog())
        .unwrap()
        .0
}

fn post(i: &mut Incident, at: DateTime<Utc>, u: UpdateDraft) {
    i.post_update(u, format!("u{}", i.updates.len()), at, &catalog())
        .unwrap();
}

/// Started 14:00, posted 14:05, ETA 14:45, an update every 20 minutes; KakaoPay down
/// 14:20–14:47; a late update at 14:47 moves the ETA to 15:10; resolved 15:05; the
/// postmortem the next morning.
fn scripted() -> Incident {
    let mut i = opened(false, t(14, 5));
    post(
        &mut i,
        t(14, 20),
        UpdateDraft {
            message: Some(text("카카오페이도 실패하고 있습니다.")),
            components: vec![affected("kakaopay", ComponentStatus::PartialOutage)],
            ..Default::default()
        },
    );
    post(
        &mut i,
        t(14, 47),
        UpdateDraft {
            message: Some(text("원인을 찾았습니다.")),
            status: Some(Status::Identified),
            components: vec![affected("kakaopay", ComponentStatus::Operational)],
            eta: Some(Some(t(15, 10))),
            ..Default::default()
        },
    );
    post(
        &mut i,
        t(15, 5),
        UpdateDraft {
            message: Some(text("복구되었습니다.")),
            status: Some(Status::Resolved),
            ..Default::default()
        },
    );
    let next_day = t(15, 5) + Duration::hours(18);
    i.change_incident(
        IncidentChanges {
            postmortem: Some(text("원인: 카드사 중계망")),
            ..Default::default()
        },
        next_day,
        &catalog(),
    )
    .unwrap();
    i
}

#[test]
fn the_scripted_incident_has_the_figures_worked_out_by_hand() {
    let i = scripted();
    let r = report(&i, &Signals::default(), t(23, 0));
    let f = &r.figures;
    assert_eq!(
        f.time_to_first_notice_seconds,
        Some(5 * 60),
        "14:00 → 14:05"
    );
    assert_eq!(f.duration_seconds, Some(65 * 60), "14:00 → 15:05");
    assert_eq!(
        f.affected_minutes_by_component,
        BTreeMap::from([(id("card"), 65), (id("kakaopay"), 27)]),
        "card 14:00–15:05, kakaopay 14:20–14:47"
    );
    assert_eq!(
        f.updates_total, 3,
        "14:20, 14:47, 15:05; not the postmortem"
    );
    assert_eq!(f.updates_promised, 3, "each came under a promise");
    assert_eq!(f.updates_on_time, 2, "14:47 came after the 14:40 promise");
    assert_eq!(f.first_eta_error_seconds, Some(-20 * 60), "14:45 − 15:05");
    assert_eq!(r.detected_at, None, "nothing detected it");
    assert_eq!(r.postmortem_at, Some(t(15, 5) + Duration::hours(18)));
    assert_eq!(r.first_eta, Some(t(14, 45)));
}

#[test]
fn the_timeline_shows_each_update_against_its_promise() {
    let r = report(&scripted(), &Signals::default(), t(23, 0));
    let rows: Vec<_> = r
        .timeline
        .iter()
        .map(|e| (e.at, e.kind, e.promised_at, e.on_time, e.eta))
        .collect();
    use EventKind::*;
    assert_eq!(
        rows,
        vec![
            (t(14, 0), Started, None, None, None),
            (t(14, 5), FirstNotice, None, None, Some(t(14, 45))),
            (t(14, 5), EtaRevised, None, None, Some(t(14, 45))),
            (
                t(14, 20),
                Update,
                Some(t(14, 25)),
                Some(true),
                Some(t(14, 45))
            ),
            (
                t(14, 47),
                Update,
                Some(t(14, 40)),
                Some(false),
                Some(t(15, 10))
            ),
            (t(14, 47), EtaRevised, None, None, Some(t(15, 10))),
            (
                t(15, 5),
                Resolved,
                Some(t(15, 7)),
                Some(true),
                Some(t(15, 10))
            ),
            (
                t(15, 5) + Duration::hours(18),
                Postmortem,
                None,
                None,
                Some(t(15, 10))
            ),
        ]
    );
    let revised = &r.timeline[5];
    assert_eq!(revised.previous_eta, Some(t(14, 45)));
}

#[test]
fn detection_is_the_earliest_signal_and_unknown_without_one() {
    let i = scripted();
    let alert_only = Signals {
        alerts_fired: vec![t(14, 3), t(14, 2)],
        spikes_started: Vec::new(),
    };
    let r = report(&i, &alert_only, t(23, 0));
    assert_eq!(
        (r.detected_at, r.detected_by),
        (Some(t(14, 2)), Some(DetectedBy::Alert))
    );
    let reports_first = Signals {
        alerts_fired: vec![t(14, 2)],
        spikes_started: vec![t(13, 58)],
    };
    let r = report(&i, &reports_first, t(23, 0));
    assert_eq!(
        (r.detected_at, r.detected_by),
        (Some(t(13, 58)), Some(DetectedBy::Reports))
    );
    assert_eq!(
        r.timeline[0].kind,
        EventKind::Detected,
        "13:58 comes before the start"
    );
    assert_eq!(spike_window(&i, t(23, 0)), (t(13, 0), t(15, 5)));
}

#[test]
fn a_draft_counts_from_its_publishing_and_an_open_incident_until_now() {
    let mut i = opened(true, t(14, 5));
    let r = report(&i, &Signals::default(), t(14, 10));
    assert_eq!(
        r.figures.time_to_first_notice_seconds, None,
        "still a draft"
    );
    assert!(r.timeline.iter().all(|e| e.kind != EventKind::FirstNotice));
    i.change_incident(
        IncidentChanges {
            draft: Some(false),
            ..Default::default()
        },
        t(14, 15),
        &catalog(),
    )
    .unwrap();
    let r = report(&i, &Signals::default(), t(14, 30));
    assert_eq!(r.figures.time_to_first_notice_seconds, Some(15 * 60));
    let first = r.timeline.iter().find(|e| e.kind == EventKind::FirstNotice);
    assert_eq!(
        first.map(|e| e.at),
        Some(t(14, 15)),
        "public when published"
    );
    assert_eq!(
        r.figures.affected_minutes_by_component,
        BTreeMap::from([(id("card"), 30)]),
        "no change recorded: from the start until now"
    );
    assert_eq!(r.figures.duration_seconds, None);
    assert_eq!(r.figures.first_eta_error_seconds, None);
    assert_eq!(r.figures.updates_total, 0);
}

#[test]
fn a_period_sums_its_incidents() {
    let a = report(&scripted(), &Signals::default(), t(23, 0)).figures;
    let mut b = a.clone();
    b.time_to_first_notice_seconds = Some(60);
    b.updates_promised = 1;
    b.updates_on_time = 0;
    b.affected_minutes_by_component = BTreeMap::from([(id("card"), 10)]);
    let mut c = a.clone();
    c.time_to_first_notice_seconds = None;
    c.updates_promised = 0;
    c.updates_on_time = 0;
    c.affected_minutes_by_component = BTreeMap::new();
    let p = period([&a, &b, &c]);
    assert_eq!(p.incidents, 3);
    assert_eq!(
        p.downtime_minutes_by_component,
        BTreeMap::from([(id("card"), 75), (id("kakaopay"), 27)])
    );
    assert_eq!(
        p.median_time_to_first_notice_seconds,
        Some(180),
        "(60 + 300) / 2"
    );
    assert_eq!((p.updates_promised, p.updates_on_time), (4, 2));
    assert_eq!(p.promises_kept_share, Some(0.5));
    let empty = period([]);
    assert_eq!(empty.incidents, 0);
    assert_eq!(empty.median_time_to_first_notice_seconds, None);
    assert_eq!(empty.promises_kept_share, None);
}
