//! Customers' failure reports on the public side: the "결제가 안 되나요?" buttons of the
//! status page (part of `/`, in the snapshot), and the answer to a report
//! (`pages/report.html`), rendered per request from the live read model — no query — since
//! it depends on the channel reported. Reports themselves change nothing public.

use askama::Template;

use super::PageContext;
use super::card::{NoticeCard, StatusBadge};
use super::layout::Layout;
use crate::domain::texts::{ReportTexts, report_texts};
use crate::domain::{Component, ComponentId, Incident, Lang, recommend_now};
use crate::snapshot::Settings;
use crate::snapshot::Snapshot;

/// The status page's section: one button per payment channel, in page order.
pub struct ReportSection {
    pub r: &'static ReportTexts,
    pub channels: Vec<ReportButton>,
}

pub struct ReportButton {
    pub id: String,
    pub name: String,
}

/// What a report is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAnswer<'a> {
    /// Taken (counted or not): thanks, the channel's status, and what works instead.
    Thanks(&'a ComponentId),
    /// No such payment channel.
    Unknown,
    /// Too many reports from this client.
    TooMany,
    /// Sent from another site.
    CrossSite,
    /// The report could not be recorded (the database refused it).
    Unavailable,
}

#[derive(Template)]
#[template(path = "pages/report.html")]
pub struct ReportPage<'a> {
    pub layout: Layout<'a>,
    pub r: &'static ReportTexts,
    pub heading: &'static str,
    pub body: &'static str,
    pub reported: Option<Reported>,
    /// Channels that work now; `None` on answers that do not list them.
    pub working: Option<Vec<Working>>,
}

/// The channel reported, as the page shows it now.
pub struct Reported {
    pub name: String,
    pub badge: StatusBadge,
    /// Open incidents and maintenance going on now that affect it.
    pub notices: Vec<NoticeCard>,
    /// Whether anything is known to be wrong with it (a notice, or a status not operational).
    pub known_problem: bool,
}

pub struct Working {
    pub name: String,
    /// What the operator said to do, when a notice about the reported channel says.
    pub instructions: Option<String>,
}

/// Whether `id` is a payment channel of the live page (not a group, not deleted).
pub fn is_reportable(snapshot: &Snapshot, id: &ComponentId) -> bool {
    snapshot.model.component(id).is_some_and(|c| !c.is_group)
}

/// The answer page, rendered from the live snapshot's read model.
pub fn report_answer(
    snapshot: &Snapshot,
    settings: &Settings,
    lang: Lang,
    answer: ReportAnswer,
) -> Result<String, askama::Error> {
    PageContext::new(&snapshot.model, settings, lang)
        .report_page(answer)
        .render()
}

/// Whether notice `i` is about channel `c` (itself, or its group).
fn affects(i: &Incident, c: &Component) -> bool {
    i.components
        .iter()
        .any(|a| a.id == c.id || c.group_id.as_ref() == Some(&a.id))
}

impl<'a> PageContext<'a> {
    pub fn report_section(&self) -> ReportSection {
        ReportSection {
            r: report_texts(self.lang),
            channels: self
                .model
                .components
                .iter()
                .filter(|c| !c.is_group)
                .map(|c| ReportButton {
                    id: c.id.to_string(),
                    name: c.name.get(self.lang).to_string(),
                })
                .collect(),
        }
    }

    pub fn report_page(&self, answer: ReportAnswer) -> ReportPage<'a> {
        let r = report_texts(self.lang);
        let (heading, body) = match answer {
            ReportAnswer::Thanks(_) => (r.thanks_title, r.thanks_body),
            ReportAnswer::Unknown => (r.unknown_title, r.unknown_body),
            ReportAnswer::TooMany => (r.too_many_title, r.too_many_body),
            ReportAnswer::CrossSite => (r.cross_site_title, r.cross_site_body),
            ReportAnswer::Unavailable => (r.unavailable_title, r.unavailable_body),
        };
        let channel = match answer {
            ReportAnswer::Thanks(id) => self.model.component(id).filter(|c| !c.is_group),
            _ => None,
        };
        ReportPage {
            layout: self.layout(heading.to_string(), "/", None),
            r,
            heading,
            body,
            reported: channel.map(|c| self.reported(c)),
            working: channel.map(|c| self.working_instead_of(c)),
        }
    }

    fn open_notices_about<'m>(&'m self, c: &'m Component) -> impl Iterator<Item = &'a Incident> + 'm
    where
        'a: 'm,
    {
        let m = self.model;
        m.notices_in(&m.open_incidents)
            .chain(m.notices_in(&m.active_maintenances))
            .filter(move |i| affects(i, c))
    }

    fn reported(&self, c: &Component) -> Reported {
        let status = self.model.status_of(c);
        let notices: Vec<NoticeCard> = self.open_notices_about(c).map(|i| self.card(i)).collect();
        Reported {
            name: c.name.get(self.lang).to_string(),
            badge: StatusBadge::component(status, self.t),
            known_problem: !notices.is_empty() || !status.is_operational(),
            notices,
        }
    }

    /// The other channels that work now: first what the notices about `c` suggest (with
    /// their instructions), then `c`'s own fallbacks, then the rest in page order.
    fn working_instead_of(&self, c: &Component) -> Vec<Working> {
        let m = self.model;
        let mut picked: Vec<(&ComponentId, Option<String>)> = Vec::new();
        let mut pick = |id: &'a ComponentId, instructions: Option<String>| {
            if id != &c.id && !picked.iter().any(|(p, _)| *p == id) {
                picked.push((id, instructions));
            }
        };
        for i in self.open_notices_about(c) {
            for s in m.recommended(i) {
                pick(
                    s.component,
                    s.instructions.map(|t| t.get(self.lang).to_string()),
                );
            }
        }
        for f in &c.fallbacks {
            if let Some(f) = m.component(f) {
                pick(&f.id, None);
            }
        }
        for other in &m.components {
            pick(&other.id, None);
        }
        picked
            .into_iter()
            .filter_map(|(id, instructions)| {
                let other = m.component(id).filter(|o| !o.is_group)?;
                recommend_now(m.status_of(other)).then(|| Working {
                    name: other.name.get(self.lang).to_string(),
                    instructions,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use super::ReportAnswer;
    use crate::domain::{ComponentId, ComponentStatus::*, Lang};
    use crate::snapshot::fixture::{World, alternative, incident, settings, text};

    fn id(s: &str) -> ComponentId {
        ComponentId::parse(s, "id").unwrap()
    }

    #[test]
    fn the_page_offers_one_button_per_channel_in_page_order() {
        let w = World::new();
        let (model, settings) = (w.model(), settings());
        let section = PageContext::new(&model, &settings, Lang::Ko).report_section();
        let ids: Vec<&str> = section.channels.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "card",
                "bank-transfer",
                "virtual-account",
                "mobile",
                "kakaopay",
                "naverpay",
                "tosspay",
                "payco"
            ],
            "channels, not the easy-pay group"
        );
        assert_eq!(section.r.section_heading, "결제가 안 되나요?");
    }

    #[test]
    fn a_report_of_a_broken_channel_shows_its_notice_and_what_works_first() {
        let w = World::new();
        let mut d = incident("카드 결제 실패", &[("card", MajorOutage)]);
        d.alternatives = vec![
            alternative(
                "kakaopay",
                Some(text("카카오페이로 결제", "Pay with KakaoPay")),
            ),
            alternative("mobile", None),
        ];
        w.create(d, w.at(-10));
        w.create(
            incident("휴대폰 결제 장애", &[("mobile", MajorOutage)]),
            w.at(-5),
        );
        let (model, settings) = (w.model(), settings());
        let card = id("card");
        let page =
            PageContext::new(&model, &settings, Lang::Ko).report_page(ReportAnswer::Thanks(&card));
        assert_eq!(page.heading, "알려 주셔서 감사합니다");
        let reported = page.reported.as_ref().expect("the channel is shown");
        assert_eq!(
            (reported.name.as_str(), reported.badge.label),
            ("신용·체크카드", "장애")
        );
        assert!(reported.known_problem);
        let titles: Vec<&str> = reported.notices.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["카드 결제 실패"], "only what is about the card");
        let working: Vec<(&str, Option<&str>)> = page
            .working
            .as_ref()
            .expect("what works is listed")
            .iter()
            .map(|w| (w.name.as_str(), w.instructions.as_deref()))
            .collect();
        assert_eq!(
            working,
            [
                ("카카오페이", Some("카카오페이로 결제")),
                ("계좌이체", None),
                ("가상계좌", None),
                ("네이버페이", None),
                ("토스페이", None),
                ("페이코", None),
            ],
            "the notice's suggestion first, then the card's fallback, then the rest; never the broken mobile billing"
        );
    }

    #[test]
    fn a_report_of_a_working_channel_says_nothing_is_known_and_refusals_list_nothing() {
        let w = World::new();
        let (model, settings) = (w.model(), settings());
        let en = PageContext::new(&model, &settings, Lang::En);
        let kakaopay = id("kakaopay");
        let page = en.report_page(ReportAnswer::Thanks(&kakaopay));
        let reported = page.reported.as_ref().unwrap();
        assert_eq!(reported.badge.label, "Operational");
        assert!(!reported.known_problem && reported.notices.is_empty());
        let working = page.working.as_ref().unwrap();
        assert_eq!(working.len(), 7, "every other channel works");
        assert_eq!(
            working[0].name, "Credit & debit cards",
            "its fallback first"
        );
        let refused = en.report_page(ReportAnswer::TooMany);
        assert!(refused.reported.is_none() && refused.working.is_none());
        assert_eq!(refused.heading, "Too many reports");
    }
}
