//! `/`: the status page (`pages/index.html`).

use askama::Template;

use super::PageContext;
use super::card::{ChannelRow, NoticeCard, StatusBadge};
use super::layout::Layout;
use super::report::ReportSection;
use super::uptime::UptimeSection;
use crate::domain::{Component, Indicator};

#[derive(Template)]
#[template(path = "pages/index.html")]
pub struct IndexPage<'a> {
    pub layout: Layout<'a>,
    pub banner: Banner,
    pub incidents: Vec<NoticeCard>,
    pub maintenances_now: Vec<NoticeCard>,
    pub maintenances_upcoming: Vec<NoticeCard>,
    pub groups: Vec<ChannelGroup>,
    /// "결제가 안 되나요?": one report button per channel.
    pub report: ReportSection,
    /// The last 90 days, day by day.
    pub uptime: UptimeSection,
    pub history_url: String,
}

pub struct Banner {
    /// The indicator's wire name, for styling.
    pub class: &'static str,
    pub icon: &'static str,
    pub text: &'static str,
    /// "영향을 받는 결제 수단: 신용·체크카드 (장애)"
    pub affected: Option<String>,
}

pub struct ChannelGroup {
    /// `None` for channels outside any group.
    pub name: Option<String>,
    pub badge: Option<StatusBadge>,
    pub channels: Vec<ChannelRow>,
}

impl<'a> PageContext<'a> {
    pub fn index(&self) -> IndexPage<'a> {
        let m = self.model;
        let indicator = m.indicator();
        let affected: Vec<String> = m
            .components
            .iter()
            .filter(|c| !c.is_group && !c.status.is_operational())
            .map(|c| {
                let status = self.t.component_status(c.status);
                format!("{} ({status})", c.name.get(self.lang))
            })
            .collect();
        let banner = Banner {
            class: indicator.as_str(),
            icon: if indicator == Indicator::None {
                "✓"
            } else {
                "!"
            },
            text: self.t.banner(indicator),
            affected: (!affected.is_empty())
                .then(|| format!("{}: {}", self.t.affected, affected.join(", "))),
        };
        IndexPage {
            layout: self.layout(
                format!("{} · {}", self.t.page_title, self.settings.site_name),
                "/",
                Some(m.last_modified),
            ),
            banner,
            incidents: m
                .notices_in(&m.open_incidents)
                .map(|i| self.card(i))
                .collect(),
            maintenances_now: m
                .notices_in(&m.active_maintenances)
                .map(|i| self.card(i))
                .collect(),
            maintenances_upcoming: m
                .notices_in(&m.upcoming_maintenances)
                .map(|i| self.card(i))
                .collect(),
            groups: self.channel_groups(),
            report: self.report_section(),
            uptime: self.uptime_section(),
            history_url: self.link("/history/"),
        }
    }

    fn channel_groups(&self) -> Vec<ChannelGroup> {
        let m = self.model;
        let mut groups: Vec<ChannelGroup> = Vec::new();
        for c in m.components.iter().filter(|c| c.group_id.is_none()) {
            if c.is_group {
                let channels: Vec<ChannelRow> = m
                    .members(&c.id)
                    .map(|member| self.channel_row(member))
                    .collect();
                if channels.is_empty() {
                    continue;
                }
                groups.push(ChannelGroup {
                    name: Some(c.name.get(self.lang).to_string()),
                    badge: Some(StatusBadge::component(m.status_of(c), self.t)),
                    channels,
                });
            } else {
                // Consecutive ungrouped channels share one list.
                match groups.last_mut() {
                    Some(g) if g.name.is_none() => g.channels.push(self.channel_row(c)),
                    _ => groups.push(ChannelGroup {
                        name: None,
                        badge: None,
                        channels: vec![self.channel_row(c)],
                    }),
                }
            }
        }
        groups
    }

    fn channel_row(&self, c: &Component) -> ChannelRow {
        ChannelRow {
            name: c.name.get(self.lang).to_string(),
            description: c.description.as_ref().map(|d| d.get(self.lang).to_string()),
            badge: StatusBadge::component(self.model.status_of(c), self.t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use super::NoticeCard;
    use crate::domain::{ComponentStatus::*, Lang, Status, UpdateDraft};
    use crate::snapshot::fixture::{World, incident, maintenance, settings};

    fn titles(cards: &[NoticeCard]) -> Vec<&str> {
        cards.iter().map(|c| c.title.as_str()).collect()
    }

    #[test]
    fn when_all_is_well_the_banner_is_calm_and_no_notice_is_shown() {
        let w = World::new();
        let (model, settings) = (w.model(), settings());
        let page = PageContext::new(&model, &settings, Lang::Ko).index();
        assert_eq!(
            (page.banner.class, page.banner.icon, page.banner.text),
            ("none", "✓", "모든 결제 서비스가 정상입니다")
        );
        assert_eq!(page.banner.affected, None);
        assert!(page.incidents.is_empty());
        assert!(page.maintenances_now.is_empty() && page.maintenances_upcoming.is_empty());
    }

    #[test]
    fn an_open_incident_raises_the_banner_names_what_is_affected_and_is_listed() {
        let w = World::new();
        let id = w.create(
            incident("카드 결제 실패", &[("card", MajorOutage)]),
            w.at(-10),
        );
        let (model, settings) = (w.model(), settings());

        let ko = PageContext::new(&model, &settings, Lang::Ko).index();
        assert_eq!(
            (ko.banner.class, ko.banner.icon, ko.banner.text),
            ("major", "!", "일부 결제 수단에 장애가 있습니다")
        );
        assert_eq!(
            ko.banner.affected.as_deref(),
            Some("영향을 받는 결제 수단: 신용·체크카드 (장애)")
        );
        assert_eq!(titles(&ko.incidents), ["카드 결제 실패"]);
        assert_eq!(ko.incidents[0].status_label, "원인 확인 중");
        assert_eq!(ko.incidents[0].url, format!("/incidents/{id}/"));

        let en = PageContext::new(&model, &settings, Lang::En).index();
        assert_eq!(
            en.banner.affected.as_deref(),
            Some("Affected payment methods: Credit & debit cards (Outage)")
        );
        assert_eq!(en.incidents[0].url, format!("/en/incidents/{id}/"));
        assert_eq!(en.history_url, "/en/history/");
        assert_eq!(en.layout.other_lang_url, "/ko/");
    }

    #[test]
    fn maintenances_are_split_into_going_on_now_and_coming_up() {
        let w = World::new();
        let now = w.create(
            maintenance("은행 점검", &["bank-transfer"], w.at(-30), w.at(30)),
            w.at(-60),
        );
        let started = UpdateDraft {
            status: Some(Status::InProgress),
            ..Default::default()
        };
        w.update(&now, started, w.at(-30));
        w.create(
            maintenance("내일 점검", &["mobile"], w.at(600), w.at(630)),
            w.at(-5),
        );
        let (model, settings) = (w.model(), settings());
        let page = PageContext::new(&model, &settings, Lang::Ko).index();
        assert_eq!(titles(&page.maintenances_now), ["은행 점검"]);
        assert_eq!(titles(&page.maintenances_upcoming), ["내일 점검"]);
        assert!(page.incidents.is_empty());
        assert_eq!(page.banner.class, "maintenance");
    }

    #[test]
    fn ungrouped_channels_share_a_list_and_a_group_shows_its_worst_member() {
        let w = World::new();
        w.create(
            incident("카카오페이 지연", &[("kakaopay", DegradedPerformance)]),
            w.at(-10),
        );
        let (model, settings) = (w.model(), settings());
        let page = PageContext::new(&model, &settings, Lang::Ko).index();
        let shape: Vec<(Option<&str>, Vec<&str>)> = page
            .groups
            .iter()
            .map(|g| {
                let names = g.channels.iter().map(|c| c.name.as_str()).collect();
                (g.name.as_deref(), names)
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    None,
                    vec!["신용·체크카드", "계좌이체", "가상계좌", "휴대폰 결제"]
                ),
                (
                    Some("간편결제"),
                    vec!["카카오페이", "네이버페이", "토스페이", "페이코"]
                ),
            ]
        );
        assert!(page.groups[0].badge.is_none(), "a plain list has no badge");
        let group = page.groups[1].badge.as_ref().expect("a group has a badge");
        assert_eq!((group.class, group.label), ("degraded_performance", "지연"));
        let kakaopay = &page.groups[1].channels[0].badge;
        assert_eq!((kakaopay.icon, kakaopay.label), ("!", "지연"));
    }
}
