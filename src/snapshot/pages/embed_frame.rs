//! `/embed/frame`: the small page inside the reference-compatible iframe embed
//! (`embed/frame.html`). It shows the one notice that matters most, or nothing.

use askama::Template;

use super::PageContext;
use crate::domain::texts::Texts;
use crate::domain::{Incident, Kind};

#[derive(Template)]
#[template(path = "embed/frame.html")]
pub struct EmbedFramePage<'a> {
    pub t: &'static Texts,
    pub site_name: &'a str,
    pub css_url: &'a str,
    pub js_url: &'a str,
    pub notice: Option<FrameNotice>,
}

pub struct FrameNotice {
    pub class: &'static str,
    pub url: String,
    pub title: String,
    pub message: String,
    /// "예상 복구 15:30"
    pub eta: Option<String>,
}

impl<'a> PageContext<'a> {
    pub fn embed_frame(&self) -> EmbedFramePage<'a> {
        let m = self.model;
        let mut incidents: Vec<&Incident> = m.notices_in(&m.open_incidents).collect();
        // The most severe first; among equals the newest (the list's order).
        incidents.sort_by_key(|i| std::cmp::Reverse(i.impact));
        let notice = incidents
            .into_iter()
            .chain(m.notices_in(&m.active_maintenances))
            .next()
            .map(|i| {
                let card = self.card(i);
                FrameNotice {
                    class: if i.kind == Kind::Maintenance {
                        "maintenance"
                    } else {
                        "incident"
                    },
                    url: format!("{}{}", self.settings.base_url, card.url),
                    title: card.title,
                    message: card.latest_message,
                    eta: i
                        .eta
                        .filter(|_| i.kind == Kind::Incident)
                        .map(|e| format!("{} {}", self.t.expected_recovery, self.fmt.short(e))),
                }
            });
        EmbedFramePage {
            t: self.t,
            site_name: &self.settings.site_name,
            css_url: &self.settings.embed_css_url,
            js_url: &self.settings.embed_js_url,
            notice,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use crate::domain::{ComponentStatus::*, Lang, Status, UpdateDraft};
    use crate::snapshot::fixture::{World, incident, maintenance, settings};

    #[test]
    fn the_frame_is_empty_while_nothing_is_wrong() {
        let w = World::new();
        w.create(
            maintenance("내일 점검", &["mobile"], w.at(600), w.at(630)),
            w.at(-5),
        );
        let (model, settings) = (w.model(), settings());
        let frame = PageContext::new(&model, &settings, Lang::Ko).embed_frame();
        assert!(frame.notice.is_none(), "a maintenance to come is not shown");
    }

    #[test]
    fn the_frame_shows_the_most_severe_incident_before_any_maintenance() {
        let w = World::new();
        let m = w.create(
            maintenance("은행 점검", &["bank-transfer"], w.at(-30), w.at(30)),
            w.at(-60),
        );
        let started = UpdateDraft {
            status: Some(Status::InProgress),
            ..Default::default()
        };
        w.update(&m, started, w.at(-30));
        let mut severe = incident("카드 결제 실패", &[("card", MajorOutage)]);
        severe.eta = Some(w.at(25));
        let severe = w.create(severe, w.at(-20));
        w.create(
            incident("페이코 지연", &[("payco", DegradedPerformance)]),
            w.at(-10),
        );
        let (model, settings) = (w.model(), settings());
        let frame = PageContext::new(&model, &settings, Lang::Ko).embed_frame();
        let notice = frame.notice.expect("an incident is shown");
        assert_eq!(notice.title, "카드 결제 실패", "the worse, though older");
        assert_eq!(notice.class, "incident");
        assert_eq!(
            notice.url,
            format!("https://status.example.com/incidents/{severe}/")
        );
        assert_eq!(notice.eta.as_deref(), Some("예상 복구 14:30"));
        assert_eq!(
            (frame.t.embed_details, frame.t.embed_close),
            ("자세히 보기", "닫기")
        );

        let en = PageContext::new(&model, &settings, Lang::En).embed_frame();
        assert_eq!((en.t.embed_details, en.t.embed_close), ("Details", "Close"));
        assert_eq!(
            en.notice.and_then(|n| n.eta).as_deref(),
            Some("Expected recovery 14:30")
        );
    }

    #[test]
    fn without_an_incident_the_frame_shows_the_maintenance_going_on() {
        let w = World::new();
        let m = w.create(
            maintenance("은행 점검", &["bank-transfer"], w.at(-30), w.at(30)),
            w.at(-60),
        );
        let started = UpdateDraft {
            status: Some(Status::InProgress),
            ..Default::default()
        };
        w.update(&m, started, w.at(-30));
        let (model, settings) = (w.model(), settings());
        let frame = PageContext::new(&model, &settings, Lang::Ko).embed_frame();
        let notice = frame.notice.expect("the maintenance is shown");
        assert_eq!(
            (notice.class, notice.title.as_str()),
            ("maintenance", "은행 점검")
        );
        assert_eq!(notice.message, "예정된 점검을 시작했습니다.");
        assert_eq!(notice.eta, None);
    }
}
