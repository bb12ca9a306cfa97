use std::collections::BTreeSet;
use std::sync::Arc;

use super::{catalog, preview};
use crate::domain::{
    ComponentId, ComponentStatus::*, Incident, IncidentDraft, NextUpdate, Status, UpdateDraft,
};
use crate::snapshot::fixture::{World, alternative, incident, maintenance, settings, text};
use crate::snapshot::{ReadModel, Snapshot, build};

/// `draft` made into a notice in memory at `at`, as the console's unsaved preview does.
fn unsaved(model: &ReadModel, draft: IncidentDraft, at: chrono::DateTime<chrono::Utc>) -> Incident {
    let catalog = catalog(model, "");
    Incident::create(
        draft,
        "preview00001".into(),
        "preview00002".into(),
        at,
        &catalog,
    )
    .expect("the domain accepts the draft")
    .0
}

/// A draft of the card outage with an ETA, a promise and two ways to pay instead.
fn card_draft(w: &World) -> IncidentDraft {
    let mut d = incident("카드 결제 실패", &[("card", MajorOutage)]);
    d.draft = true;
    d.eta = Some(w.at(25));
    d.next_update = Some(NextUpdate::At(w.at(10)));
    d.alternatives = vec![
        alternative(
            "bank-transfer",
            Some(text("앱에서 계좌이체", "Use the app")),
        ),
        alternative("virtual-account", None),
    ];
    d
}

fn card() -> ComponentId {
    ComponentId::parse("card", "id").expect("a seeded channel")
}

#[test]
fn a_draft_previews_in_both_languages_as_it_would_be_published() {
    let w = World::new();
    let model = w.model();
    let draft = unsaved(&model, card_draft(&w), w.at(-10));
    let p = preview(&model, &settings(), &draft).expect("the preview renders");

    let ko = &p.ko;
    assert!(
        ko.card_html.trim_start().starts_with("<article"),
        "{}",
        ko.card_html
    );
    for words in [
        "카드 결제 실패",
        "확인하고 있습니다.",
        "14:30 (약 25분 후)",
        "14:15까지",
        "<strong>계좌이체</strong> — 앱에서 계좌이체",
        "<strong>가상계좌</strong>",
        "신용·체크카드 <span class=\"badge badge--major_outage\">",
    ] {
        assert!(
            ko.card_html.contains(words),
            "`{words}` not in {}",
            ko.card_html
        );
    }
    let page = &ko.incident_page_html;
    assert!(page.contains("카드 결제 실패") && page.contains("확인하고 있습니다."));
    assert!(
        !page.contains("<html") && !page.contains("<footer"),
        "{page}"
    );
    let banner = ko.banner.as_ref().expect("an open incident has a banner");
    assert_ne!(banner.severity, "maintenance");
    for words in [
        &format!("class=\"bar sev-{}\"", banner.severity),
        "<span class=\"what\">신용·체크카드</span>",
        "<strong>카드 결제 실패</strong>",
        "예상 복구 14:30 · 다음 안내 14:15",
        "<strong>계좌이체</strong> — 앱에서 계좌이체",
        "https://status.example.com/incidents/preview00001",
    ] {
        assert!(
            banner.html.contains(words),
            "`{words}` not in {}",
            banner.html
        );
    }

    let en = p.get(crate::domain::Lang::En);
    for words in [
        "카드 결제 실패 (en)",
        "We are looking into it.",
        "14:30 (in about 25 min)",
        "Use the app",
    ] {
        assert!(
            en.card_html.contains(words),
            "`{words}` not in {}",
            en.card_html
        );
        assert!(en.incident_page_html.contains("We are looking into it."));
    }
    let banner = en.banner.as_ref().expect("an open incident has a banner");
    assert!(
        banner
            .html
            .contains("Expected recovery 14:30 · Next update 14:15")
    );
}

#[test]
fn a_drill_previews_as_if_real_and_once_over_has_no_banner() {
    let w = World::new();
    let mut d = incident("카드 장애 훈련", &[("card", MajorOutage)]);
    d.drill = true;
    let id = w.create(d, w.at(-10));
    let model = w.model();
    assert_eq!(model.current_status(&card()), Some(Operational));
    assert!(!model.notices.contains_key(&id), "a drill is not public");

    let p = preview(&model, &settings(), &w.notice(&id)).expect("the preview renders");
    assert!(p.ko.card_html.contains("카드 장애 훈련"));
    assert!(
        p.ko.card_html.contains("badge--major_outage"),
        "{}",
        p.ko.card_html
    );
    assert!(p.ko.banner.is_some());

    let resolved = UpdateDraft {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    w.update(&id, resolved, w.at(-5));
    let p = preview(&w.model(), &settings(), &w.notice(&id)).expect("the preview renders");
    assert!(
        p.ko.banner.is_none() && p.en.banner.is_none(),
        "the banner shows nothing"
    );
    assert!(p.ko.card_html.contains("해결"), "{}", p.ko.card_html);
    assert!(p.ko.incident_page_html.contains("지속 시간"));
}

#[test]
fn a_maintenance_banner_gives_its_tag_and_window() {
    let w = World::new();
    let model = w.model();
    let mut d = maintenance("은행 점검", &["bank-transfer"], w.at(595), w.at(625));
    d.draft = true;
    let m = unsaved(&model, d, w.at(-5));
    let p = preview(&model, &settings(), &m).expect("the preview renders");
    let banner =
        p.ko.banner
            .expect("a scheduled maintenance may be announced");
    assert_eq!(banner.severity, "maintenance");
    for words in [
        "class=\"bar maint\"",
        "<span class=\"tag\">점검 예정</span>",
        "11월 26일 00:00–00:30",
    ] {
        assert!(
            banner.html.contains(words),
            "`{words}` not in {}",
            banner.html
        );
    }
    let en = p.en.banner.expect("in English too");
    assert!(
        en.html
            .contains("<span class=\"tag\">Scheduled maintenance</span>")
    );
}

#[test]
fn building_a_preview_changes_nothing_live() {
    let w = World::new();
    w.create(
        incident("휴대폰 결제 장애", &[("mobile", MajorOutage)]),
        w.at(-30),
    );
    let model = Arc::new(w.model());
    let settings = settings();
    let live = build(model.clone(), &settings, &Snapshot::empty()).expect("the snapshot builds");
    let etags =
        |s: &Snapshot| -> BTreeSet<String> { s.documents().map(|d| d.etag.to_string()).collect() };
    let before = etags(&live);

    let draft = unsaved(&model, card_draft(&w), w.at(-10));
    let p = preview(&model, &settings, &draft).expect("the preview renders");
    assert!(p.ko.card_html.contains("badge--major_outage"));

    assert_eq!(etags(&live), before, "the live documents are as they were");
    assert_eq!(model.current_status(&card()), Some(Operational));
    assert!(!model.notices.contains_key(&draft.id));
    assert_eq!(model.open_incidents.len(), 1);
    let again = build(model.clone(), &settings, &live).expect("the snapshot builds again");
    assert_eq!(
        etags(&again),
        before,
        "a build after it renders the same documents"
    );
    assert_eq!(
        w.model().data_version,
        model.data_version,
        "nothing was written"
    );
}
