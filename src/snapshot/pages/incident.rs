//! `/incidents/{id}`: one incident or maintenance with its whole timeline
//! (`pages/incident.html`).

use askama::Template;

use super::PageContext;
use super::card::NoticeCard;
use super::layout::Layout;
use super::timeline::TimelineEntry;
use crate::domain::{Incident, PostmortemSection, postmortem_sections};

/// Its `content` block alone (`as_content()`) is the page without the frame of
/// `base.html`, for the console's preview.
#[derive(Template)]
#[template(path = "pages/incident.html", blocks = ["content"])]
pub struct IncidentPage<'a> {
    pub layout: Layout<'a>,
    pub card: NoticeCard,
    pub timeline: Vec<TimelineEntry>,
    pub eta_revisions: Vec<String>,
    pub postmortem: Vec<PostmortemSection>,
    pub started: String,
    pub resolved: Option<String>,
    pub duration: Option<String>,
}

impl<'a> PageContext<'a> {
    pub fn incident(&self, i: &Incident) -> IncidentPage<'a> {
        let fmt = &self.fmt;
        let eta_revisions = i
            .eta_revisions
            .iter()
            .rev()
            .map(|r| {
                let sentence = (self.t.eta_revision)(
                    r.previous.map(|p| fmt.short(p)).as_deref(),
                    r.eta.map(|e| fmt.short(e)).as_deref(),
                );
                format!("{} · {sentence}", fmt.date_time(r.revised_at))
            })
            .collect();
        let title = i.title.get(self.lang).to_string();
        IncidentPage {
            layout: self.layout(
                format!("{title} · {}", self.settings.site_name),
                &super::notice_path(&i.id),
                Some(i.updated_at),
            ),
            card: self.card(i),
            timeline: self.timeline(i),
            eta_revisions,
            postmortem: i
                .postmortem
                .as_ref()
                .map(|p| postmortem_sections(p.get(self.lang)))
                .unwrap_or_default(),
            started: fmt.date_time(i.started_at),
            resolved: i.resolved_at.map(|r| fmt.date_time(r)),
            duration: i.resolved_at.map(|r| fmt.duration(i.started_at, r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use crate::domain::{ComponentStatus::*, Lang, Status, UpdateDraft};
    use crate::snapshot::fixture::{World, incident, message, settings, text};

    #[test]
    fn an_open_incident_page_shows_its_timeline_and_eta_changes_newest_first() {
        let w = World::new();
        let mut d = incident("카드 결제 실패", &[("card", MajorOutage)]);
        d.eta = Some(w.at(25));
        let id = w.create(d, w.at(-60));
        w.update(&id, message("계속 확인", "Still on it"), w.at(-40));
        let later = UpdateDraft {
            eta: Some(Some(w.at(95))),
            ..message("늦어집니다", "Later")
        };
        w.update(&id, later, w.at(-20));
        let (model, settings) = (w.model(), settings());
        let page = PageContext::new(&model, &settings, Lang::Ko).incident(&model.notices[&id]);

        assert_eq!(page.layout.title, "카드 결제 실패 · 페이상태");
        assert_eq!(page.layout.other_lang_url, format!("/en/incidents/{id}/"));
        let stamp = page
            .layout
            .updated
            .as_ref()
            .expect("a notice page has data");
        assert_eq!(stamp.text, "11월 25일 13:45");
        let messages: Vec<&str> = page.timeline.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["늦어집니다", "계속 확인", "확인하고 있습니다."]);
        assert_eq!(
            page.eta_revisions,
            [
                "11월 25일 13:45 · 예상 복구 시각이 14:30에서 15:40으로 변경되었습니다.",
                "11월 25일 13:05 · 예상 복구 시각을 14:30으로 안내했습니다.",
            ]
        );
        assert_eq!(page.started, "11월 25일 13:05");
        assert_eq!((page.resolved, page.duration), (None, None));
        assert!(page.postmortem.is_empty());
    }

    #[test]
    fn a_closed_incident_page_gives_its_duration_and_postmortem() {
        let w = World::new();
        let id = w.create(
            incident("카드 결제 실패", &[("card", MajorOutage)]),
            w.at(-126),
        );
        let resolved = UpdateDraft {
            status: Some(Status::Resolved),
            ..Default::default()
        };
        w.update(&id, resolved, w.at(-60));
        w.edit(&id, |i| {
            i.postmortem = Some(text(
                "사과드립니다.\n\n원인: 인증서 만료\n\n재발 방지 대책: 만료 알림",
                "Cause: an expired certificate\n\nWhat we will change: expiry alerts",
            ));
        });
        let (model, settings) = (w.model(), settings());
        let i = &model.notices[&id];
        let ko = PageContext::new(&model, &settings, Lang::Ko).incident(i);
        assert_eq!(ko.resolved.as_deref(), Some("11월 25일 13:05"));
        assert_eq!(ko.duration.as_deref(), Some("1시간 6분"));
        let headed =
            |p: &[crate::domain::PostmortemSection]| -> Vec<(Option<String>, Vec<String>)> {
                p.iter()
                    .map(|s| (s.heading.clone(), s.paragraphs.clone()))
                    .collect()
            };
        let section = |h: Option<&str>, p: &str| (h.map(str::to_string), vec![p.to_string()]);
        assert_eq!(
            headed(&ko.postmortem),
            [
                section(None, "사과드립니다."),
                section(Some("원인"), "인증서 만료"),
                section(Some("재발 방지 대책"), "만료 알림"),
            ]
        );
        let en = PageContext::new(&model, &settings, Lang::En).incident(i);
        assert_eq!(en.duration.as_deref(), Some("1 h 6 min"));
        assert_eq!(
            headed(&en.postmortem),
            [
                section(Some("Cause"), "an expired certificate"),
                section(Some("What we will change"), "expiry alerts"),
            ]
        );
    }
}
