//! Commands run against a real store in a temporary directory: each with its rules, its
//! audit row, and nothing written when it refuses.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::components::{self, ComponentChanges, NewComponent};
use super::keys;
use super::templates::{self, FillIn};
use super::{Ctx, IfMatch, Who, etag, execute, notices};
use crate::domain::{
    AffectedComponent, ComponentId, ComponentStatus, IncidentChanges, IncidentDraft, Kind,
    LocalizedText, MaintenanceWindow, Scope, Status, TemplateChanges, TemplateDraft, TemplateId,
    TemplateKind,
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

fn bank_delay_template(tid: &str) -> TemplateDraft {
    TemplateDraft {
        id: TemplateId::parse(tid, "id").unwrap(),
        kind: TemplateKind::Incident,
        name: text("계좌이체 지연"),
        title: text("{channels} 지연"),
        message: text("{channels} 결제가 늦어지고 있습니다. 예상 복구 시각은 {eta}입니다."),
        status: Some(Status::Identified),
        components: vec![AffectedComponent {
            id: id("bank-transfer"),
            status: ComponentStatus::DegradedPerformance,
        }],
        next_update_minutes: Some(30),
    }
}

#[test]
fn a_template_is_saved_once_with_its_audit_row_and_an_id_in_use_is_a_conflict() {
    let f = Fixture::new();
    let saved = f
        .run(t(5, 5), |tx, ctx| {
            templates::create(tx, ctx, |_| Ok(bank_delay_template("bank-delay")))
        })
        .unwrap();
    assert_eq!((saved.revision, saved.created_at), (1, t(5, 5)));
    let again = f.run(t(5, 6), |tx, ctx| {
        templates::create(tx, ctx, |_| Ok(bank_delay_template("bank-delay")))
    });
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    let seeded = f.run(t(5, 6), |tx, ctx| {
        templates::create(tx, ctx, |_| Ok(bank_delay_template("gateway-down")))
    });
    assert!(matches!(seeded, Err(Error::Conflict(_))), "{seeded:?}");
    assert_eq!(f.audit_actions(), ["template.create"]);
}

#[test]
fn a_template_breaking_the_rules_is_refused_by_the_command_whatever_the_writer_checked() {
    let f = Fixture::new();
    // A writer that checks nothing itself.
    let mut draft = bank_delay_template("bank-delay");
    draft.kind = TemplateKind::Postmortem;
    draft.message = text("{channels} {nope}");
    match f.run(t(5, 5), |tx, ctx| templates::create(tx, ctx, |_| Ok(draft))) {
        Err(Error::Invalid(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(
                fields,
                [
                    "message.ko",
                    "status",
                    "components",
                    "next_update_in_minutes"
                ]
            );
        }
        other => panic!("expected refusals, got {other:?}"),
    }
    assert!(f.audit_actions().is_empty(), "nothing written");
}

#[test]
fn a_template_change_needs_the_version_the_writer_saw_and_is_checked_as_a_whole() {
    let f = Fixture::new();
    let made = f
        .run(t(5, 5), |tx, ctx| {
            templates::create(tx, ctx, |_| Ok(bank_delay_template("bank-delay")))
        })
        .unwrap();
    let rename = |_: &_, _: &_| {
        Ok(TemplateChanges {
            title: Some(text("{channels} 결제 지연")),
            ..Default::default()
        })
    };
    let stale = IfMatch::tags(Some(etag("bank-delay", 0)));
    let refused = f.run(t(5, 6), |tx, ctx| {
        templates::change(tx, ctx, "bank-delay", &stale, rename)
    });
    assert!(
        matches!(refused, Err(Error::PreconditionFailed)),
        "{refused:?}"
    );
    let to_resolution = |_: &_, _: &_| {
        Ok(TemplateChanges {
            kind: Some(TemplateKind::Resolution),
            ..Default::default()
        })
    };
    let refused = f.run(t(5, 6), |tx, ctx| {
        templates::change(tx, ctx, "bank-delay", &IfMatch::any(), to_resolution)
    });
    assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");

    let seen = IfMatch::tags(Some(etag("bank-delay", made.revision)));
    let changed = f
        .run(t(5, 7), |tx, ctx| {
            templates::change(tx, ctx, "bank-delay", &seen, rename)
        })
        .unwrap();
    assert_eq!(changed.title.ko, "{channels} 결제 지연");
    assert_eq!((changed.revision, changed.updated_at), (2, t(5, 7)));
    assert_eq!(f.audit_actions(), ["template.update", "template.create"]);
}

#[test]
fn a_deleted_template_is_gone_and_its_audit_row_keeps_its_words() {
    let f = Fixture::new();
    let gone = f
        .run(t(5, 5), |tx, _| {
            templates::delete(tx, "recovered-with-apology", &IfMatch::any())
        })
        .unwrap();
    assert_eq!(gone.as_str(), "recovered-with-apology");
    let again = f.run(t(5, 6), |tx, _| {
        templates::delete(tx, "recovered-with-apology", &IfMatch::any())
    });
    assert!(matches!(again, Err(Error::NotFound(_))), "{again:?}");
    let entry = f
        .store
        .read_blocking(Reader::Operator, |tx| store::audit_page(tx, None, 1))
        .unwrap()
        .remove(0);
    assert_eq!(entry.action, "template.delete");
    let detail = entry.detail.unwrap_or_default();
    assert!(
        detail["message"]["ko"]
            .as_str()
            .is_some_and(|m| m.contains("죄송합니다")),
        "{detail}"
    );
}

#[test]
fn prefilling_applies_a_seeded_template_to_the_catalogue_now() {
    let f = Fixture::new();
    let tz = chrono_tz::Asia::Seoul;
    let eta = t(5, 45);
    let applied = f
        .store
        .read_blocking(Reader::Operator, |tx| {
            templates::prefill(tx, "card-approval-delay", tz, t(5, 5), |_, _| {
                Ok(FillIn {
                    eta: Some(eta),
                    components: None,
                })
            })
        })
        .unwrap();
    assert!(
        applied.message.ko.starts_with("신용·체크카드 결제 승인이"),
        "{}",
        applied.message.ko
    );
    assert!(applied.message.ko.contains("계좌이체 이용을 권해 드립니다"));
    assert!(
        applied
            .message
            .ko
            .ends_with("예상 복구 시각은 14:45입니다.")
    );
    let unknown = f.store.read_blocking(Reader::Operator, |tx| {
        templates::prefill(tx, "nothing", tz, t(5, 5), |_, _| Ok(FillIn::default()))
    });
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

/// What every command told, kinds in order.
fn told(f: &Fixture) -> Vec<&'static str> {
    f.store
        .read_blocking(Reader::Operator, |tx| store::events_since(tx, 0, 100))
        .unwrap()
        .into_iter()
        .map(|e| e.kind.as_str())
        .collect()
}

#[test]
fn every_change_writes_what_it_tells_in_its_own_transaction_and_a_refused_one_nothing() {
    let f = Fixture::new();
    let opened = f
        .run(t(5, 5), |tx, ctx| {
            notices::open(tx, ctx, |_| Ok(card_outage()))
        })
        .unwrap();
    assert_eq!(told(&f), ["incident.created", "component.status_changed"]);

    // A command that fails after writing rolls its events back with everything else.
    let refused = f.run(t(5, 6), |tx, ctx| {
        notices::post_update(tx, ctx, &opened.id, Kind::Incident, |_, _| {
            Ok(crate::domain::UpdateDraft {
                message: Some(text("확인 중입니다.")),
                ..Default::default()
            })
        })?;
        Err::<super::Done<()>, _>(Error::invalid("test", "refused after writing"))
    });
    assert!(refused.is_err());
    assert_eq!(told(&f).len(), 2, "nothing told of a rolled-back write");

    let by_hand = ComponentChanges {
        status: Some(ComponentStatus::DegradedPerformance),
        ..ComponentChanges::default()
    };
    f.run(t(5, 7), |tx, ctx| {
        components::change(tx, ctx, "bank-transfer", &IfMatch::any(), by_hand)
    })
    .unwrap();
    let same = ComponentChanges {
        status: Some(ComponentStatus::DegradedPerformance),
        ..ComponentChanges::default()
    };
    f.run(t(5, 8), |tx, ctx| {
        components::change(tx, ctx, "bank-transfer", &IfMatch::any(), same)
    })
    .unwrap();
    assert_eq!(
        told(&f),
        [
            "incident.created",
            "component.status_changed",
            "component.status_changed"
        ],
        "a status set by hand is told once, an unchanged one not at all"
    );

    let mut drill = card_outage();
    drill.drill = true;
    f.run(t(5, 9), |tx, ctx| notices::open(tx, ctx, |_| Ok(drill)))
        .unwrap();
    assert_eq!(told(&f).len(), 3, "a drill tells nothing");
}
