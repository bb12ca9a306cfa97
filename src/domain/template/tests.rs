use std::collections::{HashMap, HashSet};

use chrono::TimeZone;
use chrono_tz::Asia::Seoul;

use super::*;
use crate::domain::{Component, ComponentId, ComponentStatus};

fn id(s: &str) -> ComponentId {
    ComponentId::parse(s, "id").unwrap()
}

fn text(ko: &str, en: &str) -> LocalizedText {
    LocalizedText::plain(ko, en)
}

/// 14:05 KST on the day of the scenario.
fn now() -> DateTime<Utc> {
    Seoul
        .with_ymd_and_hms(2026, 11, 25, 14, 5, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn channel(cid: &str, ko: &str, en: &str, fallbacks: &[&str]) -> Component {
    Component {
        id: id(cid),
        name: text(ko, en),
        description: None,
        is_group: false,
        group_id: None,
        position: 0,
        status: ComponentStatus::Operational,
        fallbacks: fallbacks.iter().map(|f| id(f)).collect(),
        created_at: now(),
        updated_at: now(),
        revision: 1,
    }
}

/// The seeded channels that matter here, in page order.
fn catalogue() -> Vec<Component> {
    let mut easy_pay = channel("easy-pay", "간편결제", "Easy pay", &[]);
    easy_pay.is_group = true;
    vec![
        channel(
            "card",
            "신용·체크카드",
            "Credit & debit cards",
            &["bank-transfer"],
        ),
        channel("bank-transfer", "계좌이체", "Bank transfer", &["card"]),
        channel(
            "virtual-account",
            "가상계좌",
            "Virtual account",
            &["bank-transfer", "card"],
        ),
        easy_pay,
        channel("kakaopay", "카카오페이", "KakaoPay", &["card"]),
    ]
}

fn catalog() -> Catalog {
    let all = catalogue();
    Catalog {
        statuses: all
            .iter()
            .map(|c| (c.id.clone(), c.status))
            .collect::<HashMap<_, _>>(),
        groups: all
            .iter()
            .filter(|c| c.is_group)
            .map(|c| c.id.clone())
            .collect::<HashSet<_>>(),
        active_elsewhere: HashMap::new(),
    }
}

fn affected(pairs: &[(&str, ComponentStatus)]) -> Vec<AffectedComponent> {
    pairs
        .iter()
        .map(|(c, status)| AffectedComponent {
            id: id(c),
            status: *status,
        })
        .collect()
}

/// The scenario's card outage as a template.
fn card_delay() -> TemplateDraft {
    TemplateDraft {
        id: TemplateId::parse("card-approval-delay", "id").unwrap(),
        kind: TemplateKind::Incident,
        name: text("카드 결제 승인 지연", "Card approval delay"),
        title: text("{channels} 결제 지연", "{channels} payments are slow"),
        message: text(
            "{channels} 결제가 늦어지고 있습니다. 급하신 경우 {alternatives} 이용을 권해 드립니다. 예상 복구 시각은 {eta}입니다.",
            "Payments by {channels} are slow. You can pay with {alternatives} instead. Expected recovery: {eta}.",
        ),
        status: Some(Status::Investigating),
        components: affected(&[("card", ComponentStatus::DegradedPerformance)]),
        next_update_minutes: Some(20),
    }
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

fn refusals(draft: TemplateDraft) -> Vec<FieldError> {
    Template::create(draft, now(), &catalog()).expect_err("must be refused")
}

#[test]
fn template_ids_are_slugs() {
    assert!(TemplateId::parse("card-approval-delay", "id").is_ok());
    for bad in ["", "Card", "-card", "card_delay", "카드", &"a".repeat(41)] {
        let e = TemplateId::parse(bad, "id").unwrap_err();
        assert_eq!(e.field, "id");
        assert!(e.message.contains("template id"), "{}", e.message);
    }
}

#[test]
fn each_kind_takes_its_own_statuses_and_a_postmortem_none() {
    use Status::*;
    for (kind, ok, refused) in [
        (TemplateKind::Incident, Identified, InProgress),
        (TemplateKind::Incident, Monitoring, Resolved),
        (TemplateKind::Maintenance, Scheduled, Investigating),
        (TemplateKind::Maintenance, Verifying, Completed),
        (TemplateKind::Resolution, Resolved, Monitoring),
        (TemplateKind::Resolution, Completed, Postmortem),
    ] {
        assert_eq!(kind.check_status(ok), Ok(()), "{kind} takes {ok}");
        let e = kind.check_status(refused).unwrap_err();
        assert_eq!(e.field, "status");
        assert!(e.message.contains(&format!("`{refused}`")), "{}", e.message);
    }
    let e = TemplateKind::Incident.check_status(Completed).unwrap_err();
    assert!(
        e.message.ends_with(
            "an incident template; expected one of investigating, identified, monitoring"
        ),
        "{}",
        e.message
    );
    let e = TemplateKind::Postmortem
        .check_status(Postmortem)
        .unwrap_err();
    assert!(e.message.contains("sets no status"), "{}", e.message);
}

#[test]
fn an_update_interval_is_one_minute_to_a_day_and_only_for_open_notices() {
    assert_eq!(TemplateKind::Incident.check_next_update(1), Ok(()));
    assert_eq!(TemplateKind::Maintenance.check_next_update(1440), Ok(()));
    for (kind, minutes) in [
        (TemplateKind::Incident, 0),
        (TemplateKind::Incident, 1441),
        (TemplateKind::Resolution, 20),
        (TemplateKind::Postmortem, 20),
    ] {
        let e = kind.check_next_update(minutes).unwrap_err();
        assert_eq!(e.field, "next_update_in_minutes", "{kind} {minutes}");
    }
}

#[test]
fn channels_must_be_in_the_catalogue_and_a_postmortem_names_none() {
    let mut errors = FieldErrors::default();
    TemplateKind::Incident.check_components(
        &affected(&[
            ("card", ComponentStatus::MajorOutage),
            ("ghost-pay", ComponentStatus::MajorOutage),
            ("easy-pay", ComponentStatus::MajorOutage),
        ]),
        &catalog(),
        &mut errors,
    );
    assert_eq!(
        fields(&errors.0),
        ["components.ghost-pay", "components.easy-pay"]
    );
    let mut errors = FieldErrors::default();
    TemplateKind::Postmortem.check_components(
        &affected(&[("card", ComponentStatus::Operational)]),
        &catalog(),
        &mut errors,
    );
    assert_eq!(fields(&errors.0), ["components"]);
}

#[test]
fn unknown_placeholders_are_refused_naming_the_field_and_the_placeholder() {
    let mut draft = card_delay();
    draft.title = text("{title} 안내", "Card {ETA}");
    draft.message = text("예상 복구 {eta_time}", "{channels} recovered at {eta}.");
    let errors = refusals(draft);
    assert_eq!(fields(&errors), ["title.ko", "title.en", "message.ko"]);
    assert!(
        errors[0].message.starts_with(
            "`{title}` cannot be used in the title itself; use {channels}, {eta}, {alternatives}"
        ),
        "{}",
        errors[0].message
    );
    assert!(errors[1].message.contains("`{ETA}` is not a placeholder"));
    assert!(errors[2].message.contains("`{eta_time}`"));
}

#[test]
fn braces_that_are_not_placeholders_are_words() {
    let mut draft = card_delay();
    draft.message = text("괄호 { } 와 {만 있는 글", "A lone { and {} stay words");
    assert!(Template::create(draft, now(), &catalog()).is_ok());
    assert_eq!(
        pieces("a {eta}{x y} {"),
        [
            Piece::Text("a "),
            Piece::Placeholder("eta"),
            Piece::Text("{"),
            Piece::Text("x y} {"),
        ]
    );
}

#[test]
fn a_plain_string_is_refused_once_for_both_languages() {
    let mut draft = card_delay();
    draft.message = text("{nope}", "{nope}");
    assert_eq!(fields(&refusals(draft)), ["message.ko"]);
}

#[test]
fn every_problem_of_a_template_is_told_at_once() {
    let mut draft = card_delay();
    draft.kind = TemplateKind::Resolution;
    draft.title = text("{when}", "x");
    draft.components = affected(&[("ghost-pay", ComponentStatus::Operational)]);
    let errors = refusals(draft);
    assert_eq!(
        fields(&errors),
        [
            "title.ko",
            "status",
            "components.ghost-pay",
            "next_update_in_minutes"
        ]
    );
}

#[test]
fn a_change_is_checked_as_a_whole_and_bumps_the_revision() {
    let t = Template::create(card_delay(), now(), &catalog()).unwrap();
    let to_postmortem = TemplateChanges {
        kind: Some(TemplateKind::Postmortem),
        ..Default::default()
    };
    let errors = t.changed(to_postmortem, now(), &catalog()).unwrap_err();
    assert_eq!(
        fields(&errors),
        ["status", "components", "next_update_in_minutes"],
        "a new kind must suit what the template keeps"
    );
    let cleared = TemplateChanges {
        kind: Some(TemplateKind::Postmortem),
        status: Some(None),
        components: Some(vec![]),
        next_update_minutes: Some(None),
        ..Default::default()
    };
    let later = now() + chrono::Duration::minutes(5);
    let changed = t.changed(cleared, later, &catalog()).unwrap();
    assert_eq!(changed.kind, TemplateKind::Postmortem);
    assert_eq!((changed.revision, changed.updated_at), (2, later));
    assert_eq!((changed.name, changed.created_at), (t.name, t.created_at));
}

fn fill(catalogue: &[Component]) -> Fill<'_> {
    Fill {
        catalogue,
        components: None,
        eta: None,
        tz: Seoul,
        now: now(),
    }
}

fn at(h: u32, m: u32, day: u32) -> DateTime<Utc> {
    Seoul
        .with_ymd_and_hms(2026, 11, day, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn applying_fills_channels_alternatives_and_the_eta_in_both_languages() {
    let t = Template::create(card_delay(), now(), &catalog()).unwrap();
    let all = catalogue();
    let a = apply(
        &t,
        &Fill {
            eta: Some(at(14, 45, 25)),
            ..fill(&all)
        },
    );
    assert_eq!(a.title.ko, "신용·체크카드 결제 지연");
    assert_eq!(
        a.title.en.as_deref(),
        Some("Credit & debit cards payments are slow"),
        "a name opening the title keeps its capital"
    );
    assert_eq!(
        a.message.ko,
        "신용·체크카드 결제가 늦어지고 있습니다. 급하신 경우 계좌이체 이용을 권해 드립니다. 예상 복구 시각은 14:45입니다."
    );
    assert_eq!(
        a.message.en.as_deref(),
        Some(
            "Payments by credit & debit cards are slow. You can pay with bank transfer instead. Expected recovery: 14:45."
        )
    );
    assert_eq!(a.alternatives, [id("bank-transfer")]);
    assert_eq!(
        (a.status, a.next_update_minutes, a.eta),
        (Some(Status::Investigating), Some(20), Some(at(14, 45, 25)))
    );
}

#[test]
fn several_channels_are_listed_in_page_order_and_the_eta_of_another_day_has_its_date() {
    let t = Template::create(card_delay(), now(), &catalog()).unwrap();
    let all = catalogue();
    let chosen = affected(&[
        ("kakaopay", ComponentStatus::MajorOutage),
        ("ghost-pay", ComponentStatus::MajorOutage),
        ("card", ComponentStatus::MajorOutage),
        ("bank-transfer", ComponentStatus::PartialOutage),
    ]);
    let a = apply(
        &t,
        &Fill {
            components: Some(&chosen),
            eta: Some(at(0, 30, 26)),
            ..fill(&all)
        },
    );
    let ids: Vec<&str> = a.components.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["card", "bank-transfer", "kakaopay"],
        "page order; a channel not in the catalogue is left out"
    );
    assert!(
        a.message
            .ko
            .starts_with("신용·체크카드, 계좌이체, 카카오페이 결제가"),
        "{}",
        a.message.ko
    );
    let en = a.message.en.unwrap_or_default();
    assert!(
        en.starts_with("Payments by credit & debit cards, bank transfer and KakaoPay are"),
        "{en}"
    );
    assert!(
        a.message.ko.ends_with("11월 26일 00:30입니다."),
        "{}",
        a.message.ko
    );
    assert!(en.ends_with("Expected recovery: Nov 26, 00:30."), "{en}");
    // Every fallback is affected itself: nothing to suggest.
    assert!(a.alternatives.is_empty());
    assert!(
        a.message.ko.contains("다른 결제 수단 이용을"),
        "{}",
        a.message.ko
    );
    assert!(
        en.contains("pay with another payment method instead"),
        "{en}"
    );
}

#[test]
fn without_an_eta_or_channels_the_words_say_so() {
    let mut draft = card_delay();
    draft.components = vec![];
    let t = Template::create(draft, now(), &catalog()).unwrap();
    let all = catalogue();
    let a = apply(&t, &fill(&all));
    assert_eq!(a.title.ko, "결제 서비스 결제 지연");
    assert!(
        a.message.ko.ends_with("예상 복구 시각은 확인 중입니다."),
        "{}",
        a.message.ko
    );
    let en = a.message.en.unwrap_or_default();
    assert!(en.ends_with("Expected recovery: not known yet."), "{en}");
}

#[test]
fn only_working_fallbacks_are_suggested() {
    let t = Template::create(card_delay(), now(), &catalog()).unwrap();
    let mut all = catalogue();
    all[1].status = ComponentStatus::PartialOutage;
    let chosen = affected(&[("virtual-account", ComponentStatus::MajorOutage)]);
    let a = apply(
        &t,
        &Fill {
            components: Some(&chosen),
            ..fill(&all)
        },
    );
    assert_eq!(a.alternatives, [id("card")], "bank transfer is failing too");
    assert!(
        a.message.ko.contains("신용·체크카드 이용을"),
        "{}",
        a.message.ko
    );
}

#[test]
fn the_title_fills_the_message_and_korean_only_stays_korean_only() {
    let mut draft = card_delay();
    draft.kind = TemplateKind::Resolution;
    draft.status = Some(Status::Resolved);
    draft.next_update_minutes = None;
    draft.title = LocalizedText {
        ko: "{channels} 복구".into(),
        en: None,
    };
    draft.message = text("[{title}] 정상화되었습니다.", "{title}: working again.");
    let t = Template::create(draft, now(), &catalog()).unwrap();
    let all = catalogue();
    let a = apply(&t, &fill(&all));
    assert_eq!(a.title.en, None, "English falls back to Korean as stored");
    assert_eq!(a.message.ko, "[신용·체크카드 복구] 정상화되었습니다.");
    assert_eq!(
        a.message.en.as_deref(),
        Some("신용·체크카드 복구: working again.")
    );
}

#[test]
fn the_rules_run_on_the_parts_a_writer_could_read() {
    let title = text("{when} 장애", "x");
    let mut errors = FieldErrors::default();
    // The kind could not be read: its rules wait, the placeholders do not.
    TemplateParts {
        title: Some(&title),
        status: Some(Status::Completed),
        ..Default::default()
    }
    .check(&catalog(), &mut errors);
    assert_eq!(fields(&errors.0), ["title.ko"]);
    let mut errors = FieldErrors::default();
    TemplateParts {
        kind: Some(TemplateKind::Incident),
        status: Some(Status::Completed),
        ..Default::default()
    }
    .check(&catalog(), &mut errors);
    assert_eq!(fields(&errors.0), ["status"]);
}
