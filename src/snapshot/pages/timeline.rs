//! A notice's updates, newest first: the timeline on its page and in the feeds, both
//! printed by `partials/timeline.html`.

use super::PageContext;
use crate::domain::Incident;
use crate::domain::texts::Texts;

pub struct TimelineEntry {
    pub time: String,
    pub iso: String,
    pub label: &'static str,
    pub class: &'static str,
    pub message: String,
    /// "신용·체크카드: 장애 → 정상"
    pub changes: Vec<String>,
}

impl TimelineEntry {
    /// The message as the page shows it, in paragraphs.
    pub fn paragraphs(&self) -> Vec<&str> {
        paragraphs(&self.message)
    }

    /// The message line by line, as the feeds show it (every line break kept).
    pub fn lines(&self) -> std::str::Split<'_, char> {
        self.message.split('\n')
    }
}

impl PageContext<'_> {
    /// Every update of `i`, newest first.
    pub fn timeline(&self, i: &Incident) -> Vec<TimelineEntry> {
        let fmt = &self.fmt;
        i.updates
            .iter()
            .enumerate()
            .rev()
            .map(|(index, u)| TimelineEntry {
                time: fmt.date_time(u.created_at),
                iso: fmt.iso(u.created_at),
                label: timeline_label(i, index, self.t),
                class: u.status.as_str(),
                message: u.message.get(self.lang).to_string(),
                changes: u
                    .changes
                    .iter()
                    .filter(|c| c.old != c.new)
                    .map(|c| {
                        format!(
                            "{}: {} → {}",
                            self.model.name(&c.component, self.lang),
                            self.t.component_status(c.old),
                            self.t.component_status(c.new)
                        )
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The label of update `index`: its status when it changed it, otherwise "Update".
fn timeline_label(i: &Incident, index: usize, t: &Texts) -> &'static str {
    let status = i.updates[index].status;
    if i.status_before(index) == Some(status) {
        t.timeline_update
    } else {
        t.notice_status(status)
    }
}

/// Paragraphs are separated by an empty line.
pub(super) fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use super::paragraphs;
    use crate::domain::{AffectedComponent, ComponentStatus::*, Lang, Status, UpdateDraft};
    use crate::snapshot::fixture::{World, channel, incident, message, settings, text};

    /// An incident with four updates: opened, a word without a status change, the cause
    /// found (and another channel hit), resolved without a message.
    fn four_updates(w: &World) -> String {
        let id = w.create(
            incident("카드 결제 실패", &[("card", MajorOutage)]),
            w.at(-60),
        );
        w.update(&id, message("계속 확인", "Still on it"), w.at(-40));
        let identified = UpdateDraft {
            status: Some(Status::Identified),
            message: Some(text("원인 파악\n\n조치 중", "Found\n\nFixing")),
            components: vec![AffectedComponent {
                id: channel("mobile"),
                status: PartialOutage,
            }],
            ..Default::default()
        };
        w.update(&id, identified, w.at(-20));
        let resolved = UpdateDraft {
            status: Some(Status::Resolved),
            ..Default::default()
        };
        w.update(&id, resolved, w.at(-5));
        id
    }

    #[test]
    fn the_timeline_is_newest_first_and_an_unchanged_status_reads_update() {
        let w = World::new();
        let id = four_updates(&w);
        let (model, settings) = (w.model(), settings());
        let i = &model.notices[&id];

        let ko = PageContext::new(&model, &settings, Lang::Ko).timeline(i);
        let shape: Vec<(&str, &str, &str)> = ko
            .iter()
            .map(|e| (e.label, e.class, e.time.as_str()))
            .collect();
        assert_eq!(
            shape,
            [
                ("해결", "resolved", "11월 25일 14:00"),
                ("원인 파악", "identified", "11월 25일 13:45"),
                ("추가 안내", "investigating", "11월 25일 13:25"),
                ("원인 확인 중", "investigating", "11월 25일 13:05"),
            ]
        );
        assert_eq!(ko[0].paragraphs(), ["문제가 해결되었습니다."]);
        assert_eq!(ko[1].paragraphs(), ["원인 파악", "조치 중"]);
        assert_eq!(
            ko[1].lines().collect::<Vec<_>>(),
            ["원인 파악", "", "조치 중"]
        );
        assert_eq!(ko[1].changes, ["휴대폰 결제: 정상 → 일부 장애"]);
        assert_eq!(ko[3].iso, "2026-11-25T13:05:00+09:00");

        let en = PageContext::new(&model, &settings, Lang::En).timeline(i);
        let labels: Vec<&str> = en.iter().map(|e| e.label).collect();
        assert_eq!(
            labels,
            ["Resolved", "Identified", "Update", "Investigating"]
        );
        assert_eq!(
            en[1].changes,
            ["Mobile billing: Operational → Partial outage"]
        );
    }

    #[test]
    fn paragraphs_are_split_on_empty_lines_and_trimmed() {
        assert_eq!(
            paragraphs("첫 문단\n둘째 줄\n\n  둘째 문단  \n\n\n"),
            ["첫 문단\n둘째 줄", "둘째 문단"]
        );
        assert!(paragraphs(" \n\n ").is_empty());
    }
}
