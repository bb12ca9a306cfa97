//! Commands run against a real store in a temporary directory: each with its rules, its
//! audit row, and nothing written when it refuses.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::components::{self, ComponentChanges, NewComponent};
use super::keys;
use super::{Ctx, IfMatch, Who, etag, execute, notices};
use crate::domain::{
    AffectedComponent, ComponentId, ComponentStatus, IncidentChanges, IncidentDraft, Kind,
    LocalizedText, MaintenanceWindow, Scope, Status,
};
use crate::error::Error;
use crate::store::{self, Reader, Store};

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap()
}

fn id(s: &str) -> ComponentId {
    ComponentId::parse(s, "id").unwrap()
}

fn text(s: &str) -> LocalizedText {
    LocalizedText {
        ko: s.into(),
        en: None,
    }
}

fn ctx(now: DateTime<Utc>) -> Ctx {
    Ctx::at(now, Who::cli())
}

fn card_outage() -> IncidentDraft {
    IncidentDraft {
        kind: Kind::Incident,
        title: text("카드 결제 승인 지연"),
        message: text("일부 카드 결제가 실패하고 있습니다."),
        status: None,
        impact: None,
        components: vec![AffectedComponent {
            id: id("card"),
            status: ComponentStatus::MajorOutage,
        }],
        eta: None,
        next_update: None,
        alternatives: vec![],
        started_at: None,
        draft: false,
        drill: false,
        window: None,
        auto_transition: false,
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), t(5, 0)).unwrap();
        Fixture { _dir: dir, store }
    }

    fn run<T>(
        &self,
        now: DateTime<Utc>,
        command: impl FnOnce(&rusqlite::Transaction, &Ctx) -> Result<super::Done<T>, Error>,
    ) -> Result<T, Error> {
        self.store
            .write_blocking(|tx| execute(tx, &ctx(now), command))
    }

    fn audit_actions(&self) -> Vec<String> {
        self.store
            .read_blocking(Reader::Operator, |tx| store::audit_page(tx, None, 100))
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    fn card(&self) -> ComponentStatus {
        self.store
            .read_blocking(Reader::Operator, |tx| store::component_by_id(tx, "card"))
            .unwrap()
            .unwrap()
            .status
    }
}

#[test]
fn opening_an_incident_writes_it_its_channels_and_one_audit_row() {
    let f = Fixture::new();
    let i = f
        .run(t(5, 5), |tx, ctx| {
            notices::open(tx, ctx, |_| Ok(card_outage()))
        })
        .unwrap();
    assert_eq!(i.status, Status::Investigating);
    assert_eq!(f.card(), ComponentStatus::MajorOutage);
    assert_eq!(f.audit_actions(), ["incident.create"]);
}

#[test]
fn a_change_to_a_version_the_writer_did_not_see_is_refused_and_writes_nothing() {
    let f = Fixture::new();
    let i = f
        .run(t(5, 5), |tx, ctx| {
            notices::open(tx, ctx, |_| Ok(card_outage()))
        })
        .unwrap();
    let stale = IfMatch::tags(Some(etag(&i.id, i.revision - 1)));
    let rename = |_: &_, _: &_| {
        Ok(IncidentChanges {
            title: Some(text("카드 결제 실패")),
            ..Default::default()
        })
    };
    let refused = f.run(t(5, 6), |tx, ctx| {
        notices::change_incident(tx, ctx, &i.id, &stale, rename)
    });
    assert!(
        matches!(refused, Err(Error::PreconditionFailed)),
        "{refused:?}"
    );

    let seen = IfMatch::tags(Some(etag(&i.id, i.revision)));
    let changed = f
        .run(t(5, 6), |tx, ctx| {
            notices::change_incident(tx, ctx, &i.id, &seen, rename)
        })
        .unwrap();
    assert_eq!(changed.title.ko, "카드 결제 실패");
    assert_eq!(changed.revision, i.revision + 1);
    assert_eq!(f.audit_actions(), ["incident.patch", "incident.create"]);
}

#[test]
fn a_postmortem_before_resolving_is_refused_by_the_command_whatever_the_writer_checked() {
    let f = Fixture::new();
    let i = f
        .run(t(5, 5), |tx, ctx| {
            notices::open(tx, ctx, |_| Ok(card_outage()))
        })
        .unwrap();
    // A writer that checks nothing itself.
    let refused = f.run(t(5, 6), |tx, ctx| {
        notices::change_incident(tx, ctx, &i.id, &IfMatch::any(), |_, _| {
            Ok(IncidentChanges {
                postmortem: Some(text("원인 분석")),
                ..Default::default()
            })
        })
    });
    match refused {
        Err(Error::Invalid(errors)) => assert_eq!(errors[0].field, "postmortem"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(f.audit_actions(), ["incident.create"], "nothing written");
}

#[test]
fn the_clock_moves_a_due_window_once_and_a_window_not_due_not_at_all() {
    let f = Fixture::new();
    let mut draft = card_outage();
    draft.kind = Kind::Maintenance;
    draft.components[0].status = ComponentStatus::UnderMaintenance;
    draft.window = Some(MaintenanceWindow::new(t(15, 0), t(15, 30)).unwrap());
    draft.auto_transition = true;
    let m = f
        .run(t(5, 5), |tx, ctx| notices::open(tx, ctx, |_| Ok(draft)))
        .unwrap();
    let not_yet = f
        .store
        .write_blocking(|tx| notices::move_window(tx, &ctx(t(14, 59)), &m.id))
        .unwrap();
    assert!(not_yet.is_none());
    let moved = f
        .store
        .write_blocking(|tx| notices::move_window(tx, &ctx(t(15, 1)), &m.id))
        .unwrap()
        .expect("due");
    assert_eq!(moved.value.status, Status::InProgress);
    assert_eq!(moved.audit.action, "maintenance.auto_transition");
    let again = f
        .store
        .write_blocking(|tx| notices::move_window(tx, &ctx(t(15, 2)), &m.id))
        .unwrap();
    assert!(again.is_none(), "moved once");
}

#[test]
fn components_keep_groups_flat_fallbacks_real_and_ids_never_reused() {
    let f = Fixture::new();
    let new = |cid: &str| NewComponent {
        id: id(cid),
        name: text("새 결제"),
        description: None,
        group: true,
        group_id: Some(id("easy-pay")),
        position: None,
        fallbacks: vec![id("ghost-pay"), id(cid)],
    };
    match f.run(t(5, 5), |tx, ctx| {
        components::create(tx, ctx, new("new-pay"))
    }) {
        Err(Error::Invalid(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["group_id", "fallbacks[0]", "fallbacks[1]"]);
        }
        other => panic!("expected refusals, got {other:?}"),
    }
    let reused = f.run(t(5, 5), |tx, ctx| components::create(tx, ctx, new("card")));
    assert!(matches!(reused, Err(Error::Conflict(_))), "{reused:?}");

    let status_of_group = ComponentChanges {
        status: Some(ComponentStatus::MajorOutage),
        ..Default::default()
    };
    let refused = f.run(t(5, 5), |tx, ctx| {
        components::change(tx, ctx, "easy-pay", &IfMatch::any(), status_of_group)
    });
    assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
    assert!(f.audit_actions().is_empty());
}

#[test]
fn a_revoked_key_stays_revoked_from_its_first_revocation() {
    let f = Fixture::new();
    let made = f
        .run(t(5, 5), |tx, ctx| {
            keys::create(tx, ctx, "oncall", &[Scope::Read])
        })
        .unwrap();
    assert_eq!(made.key.scopes, [Scope::Read]);
    let first = f
        .run(t(5, 6), |tx, ctx| keys::revoke(tx, ctx, &made.key.id))
        .unwrap();
    let second = f
        .run(t(5, 7) + Duration::minutes(1), |tx, ctx| {
            keys::revoke(tx, ctx, &made.key.id)
        })
        .unwrap();
    assert_eq!(first.revoked_at, second.revoked_at);
    let unknown = f.run(t(5, 8), |tx, ctx| keys::revoke(tx, ctx, "key_nothing"));
    assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
}

#[test]
fn an_unsaved_notice_is_made_by_the_rules_and_nothing_is_stored() {
    let f = Fixture::new();
    let read =
        |tx: &rusqlite::Transaction| notices::unsaved(tx, &ctx(t(5, 5)), |_| Ok(card_outage()));
    let i = f.store.read_blocking(Reader::Operator, read).unwrap();
    assert_eq!((i.status, i.updates.len()), (Status::Investigating, 1));
    assert_eq!(f.card(), ComponentStatus::Operational);
    assert!(f.audit_actions().is_empty());
    let stored = f
        .store
        .read_blocking(Reader::Operator, |tx| store::incident_by_id(tx, &i.id))
        .unwrap();
    assert!(stored.is_none());

    let mut refused = card_outage();
    refused.status = Some(Status::Postmortem);
    let read = |tx: &rusqlite::Transaction| notices::unsaved(tx, &ctx(t(5, 5)), |_| Ok(refused));
    let err = f.store.read_blocking(Reader::Operator, read).unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
}
