//! An incident or maintenance in summary, and a status shown with words: what the
//! `notice` and `badge` macros of `macros.html` print, on the index, the notice's own
//! page, the embed frame and the feeds.

use chrono::{DateTime, Utc};

use super::PageContext;
use crate::domain::texts::Texts;
use crate::domain::{ComponentStatus, Incident, Kind};

/// A status shown with an icon and words, never by colour alone.
pub struct StatusBadge {
    pub class: &'static str,
    pub icon: &'static str,
    pub label: &'static str,
}

impl StatusBadge {
    pub fn component(s: ComponentStatus, t: &Texts) -> StatusBadge {
        let icon = match s {
            ComponentStatus::Operational => "✓",
            ComponentStatus::DegradedPerformance => "!",
            ComponentStatus::PartialOutage => "◐",
            ComponentStatus::MajorOutage => "✕",
            ComponentStatus::UnderMaintenance => "⚙",
        };
        StatusBadge {
            class: s.as_str(),
            icon,
            label: t.component_status(s),
        }
    }
}

pub struct NoticeCard {
    pub url: String,
    pub title: String,
    pub status_class: &'static str,
    pub status_label: &'static str,
    pub latest_message: String,
    pub latest_time: String,
    pub latest_iso: String,
    /// "15:30 (약 25분 후)"
    pub eta: Option<String>,
    pub eta_passed: bool,
    pub next_update: Option<String>,
    pub next_update_overdue: bool,
    pub alternatives: Vec<AlternativeView>,
    pub affected: Vec<ChannelRow>,
    /// "11월 26일 00:00 – 00:30"
    pub window: Option<String>,
}

pub struct AlternativeView {
    pub name: String,
    pub instructions: String,
}

pub struct ChannelRow {
    pub name: String,
    pub description: Option<String>,
    pub badge: StatusBadge,
}

impl PageContext<'_> {
    pub fn card(&self, i: &Incident) -> NoticeCard {
        let latest = i.latest_update();
        let open = !i.status.is_closed();
        let fmt = &self.fmt;
        let eta = i.eta.filter(|_| open && i.kind == Kind::Incident);
        let eta_text = eta.map(|e| match fmt.until(e) {
            Some(rel) => format!("{} ({rel})", fmt.short(e)),
            None => fmt.short(e),
        });
        let next = i.next_update_at.filter(|_| open);
        let alternatives = if open {
            self.model
                .recommended(i)
                .into_iter()
                .map(|s| {
                    let name = self.model.name(s.component, self.lang);
                    let instructions = match s.instructions {
                        Some(t) => t.get(self.lang).to_string(),
                        None => (self.t.default_instructions)(&name),
                    };
                    AlternativeView { name, instructions }
                })
                .collect()
        } else {
            Vec::new()
        };
        let affected = i
            .components
            .iter()
            .map(|a| {
                // While it is going on, each channel as it is now; once over, as the
                // notice left it (so an old page does not change with today's status).
                let status = if open {
                    self.model.current_status(&a.id).unwrap_or(a.status)
                } else {
                    a.status
                };
                ChannelRow {
                    name: self.model.name(&a.id, self.lang),
                    description: None,
                    badge: StatusBadge::component(status, self.t),
                }
            })
            .collect();
        NoticeCard {
            url: self.notice_url(&i.id),
            title: i.title.get(self.lang).to_string(),
            status_class: i.status.as_str(),
            status_label: self.t.notice_status(i.status),
            latest_message: latest
                .map(|u| u.message.get(self.lang).to_string())
                .unwrap_or_default(),
            latest_time: latest.map(|u| fmt.short(u.created_at)).unwrap_or_default(),
            latest_iso: latest.map(|u| fmt.iso(u.created_at)).unwrap_or_default(),
            eta_passed: eta.is_some_and(|e| e < self.model.now),
            eta: eta_text,
            next_update_overdue: next.is_some_and(|n| n < self.model.now),
            next_update: next.map(|n| (self.t.next_update_by)(&fmt.short(n))),
            alternatives,
            affected,
            window: i.window.map(|w| {
                format!(
                    "{} – {}",
                    fmt.date_time(w.starts),
                    self.end_of(w.starts, w.ends)
                )
            }),
        }
    }

    /// The end of a window: time alone when on the same day as the start.
    fn end_of(&self, starts: DateTime<Utc>, ends: DateTime<Utc>) -> String {
        let tz = self.settings.timezone;
        if starts.with_timezone(&tz).date_naive() == ends.with_timezone(&tz).date_naive() {
            ends.with_timezone(&tz).format("%H:%M").to_string()
        } else {
            self.fmt.date_time(ends)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use crate::domain::{ComponentStatus::*, Lang, NextUpdate, Status, UpdateDraft};
    use crate::snapshot::fixture::{World, alternative, incident, maintenance, settings, text};

    fn resolve(w: &World, id: &str, at: i64) {
        let resolved = UpdateDraft {
            status: Some(Status::Resolved),
            ..Default::default()
        };
        w.update(id, resolved, w.at(at));
    }

    #[test]
    fn while_open_a_card_counts_down_and_suggests_only_channels_that_work() {
        let w = World::new();
        w.create(
            incident("휴대폰 결제 장애", &[("mobile", MajorOutage)]),
            w.at(-30),
        );
        let mut d = incident("카드 결제 실패", &[("card", MajorOutage)]);
        d.eta = Some(w.at(25));
        d.next_update = Some(NextUpdate::At(w.at(10)));
        d.alternatives = vec![
            alternative(
                "bank-transfer",
                Some(text("앱에서 계좌이체", "Use the app")),
            ),
            alternative("virtual-account", None),
            alternative("mobile", None),
        ];
        let id = w.create(d, w.at(-10));
        let (model, settings) = (w.model(), settings());
        let ko = PageContext::new(&model, &settings, Lang::Ko);
        let card = ko.card(&model.notices[&id]);

        assert_eq!(card.eta.as_deref(), Some("14:30 (약 25분 후)"));
        assert!(!card.eta_passed);
        assert_eq!(card.next_update.as_deref(), Some("14:15까지"));
        assert!(!card.next_update_overdue);
        let alternatives: Vec<(&str, &str)> = card
            .alternatives
            .iter()
            .map(|a| (a.name.as_str(), a.instructions.as_str()))
            .collect();
        assert_eq!(
            alternatives,
            [
                ("계좌이체", "앱에서 계좌이체"),
                ("가상계좌", "결제 화면에서 '가상계좌' 항목을 선택해 주세요."),
            ],
            "the broken mobile channel is not suggested"
        );
        assert_eq!(card.latest_message, "확인하고 있습니다.");
        assert_eq!(card.latest_time, "13:55");

        let en = PageContext::new(&model, &settings, Lang::En).card(&model.notices[&id]);
        assert_eq!(en.eta.as_deref(), Some("14:30 (in about 25 min)"));
        assert_eq!(en.next_update.as_deref(), Some("by 14:15"));
        assert_eq!(
            en.alternatives[1].instructions,
            "Choose “Virtual account” on the payment screen."
        );
    }

    #[test]
    fn a_late_eta_and_a_late_update_are_flagged() {
        let w = World::new();
        let mut d = incident("늦은 장애", &[("payco", MajorOutage)]);
        d.eta = Some(w.at(-10));
        d.next_update = Some(NextUpdate::At(w.at(-5)));
        let id = w.create(d, w.at(-120));
        let (model, settings) = (w.model(), settings());
        let card = PageContext::new(&model, &settings, Lang::Ko).card(&model.notices[&id]);
        assert_eq!(
            card.eta.as_deref(),
            Some("13:55"),
            "no countdown once passed"
        );
        assert!(card.eta_passed);
        assert!(card.next_update_overdue);
    }

    #[test]
    fn once_over_a_card_promises_nothing_and_keeps_the_statuses_it_left() {
        let w = World::new();
        let mut d = incident("카드 결제 실패", &[("card", MajorOutage)]);
        d.eta = Some(w.at(25));
        d.next_update = Some(NextUpdate::At(w.at(10)));
        d.alternatives = vec![alternative("bank-transfer", None)];
        let old = w.create(d, w.at(-60));
        resolve(&w, &old, -30);
        w.create(
            incident("다시 카드 장애", &[("card", MajorOutage)]),
            w.at(-10),
        );
        let (model, settings) = (w.model(), settings());
        let card = PageContext::new(&model, &settings, Lang::Ko).card(&model.notices[&old]);
        assert_eq!(card.status_label, "해결");
        assert_eq!((card.eta, card.next_update), (None, None));
        assert!(card.alternatives.is_empty());
        let affected: Vec<(&str, &str)> = card
            .affected
            .iter()
            .map(|a| (a.name.as_str(), a.badge.label))
            .collect();
        assert_eq!(
            affected,
            [("신용·체크카드", "정상")],
            "not today's outage of the same channel"
        );
    }

    #[test]
    fn a_maintenance_shows_its_window_and_no_eta() {
        let w = World::new();
        let mut tonight = maintenance("은행 점검", &["bank-transfer"], w.at(595), w.at(625));
        tonight.eta = Some(w.at(700));
        let tonight = w.create(tonight, w.at(-5));
        let long = w.create(
            maintenance("긴 점검", &["mobile"], w.at(60 * 24 * 3), w.at(60 * 24 * 5)),
            w.at(-5),
        );
        let (model, settings) = (w.model(), settings());
        let ko = PageContext::new(&model, &settings, Lang::Ko);
        let card = ko.card(&model.notices[&tonight]);
        assert_eq!(card.window.as_deref(), Some("11월 26일 00:00 – 00:30"));
        assert_eq!(card.eta, None);
        assert_eq!(
            ko.card(&model.notices[&long]).window.as_deref(),
            Some("11월 28일 14:05 – 11월 30일 14:05"),
            "a window over several days gives its end's date"
        );
    }
}
