//! `/history` and `/history?page=N`: closed notices, newest first
//! (`pages/history.html`).

use askama::Template;

use super::PageContext;
use super::layout::Layout;
use crate::domain::Incident;
use crate::snapshot::model::HISTORY_PAGE_SIZE;

#[derive(Template)]
#[template(path = "pages/history.html")]
pub struct HistoryPage<'a> {
    pub layout: Layout<'a>,
    pub items: Vec<HistoryItem>,
    pub page: usize,
    pub pages: usize,
    pub newer_url: Option<String>,
    pub older_url: Option<String>,
}

pub struct HistoryItem {
    pub url: String,
    pub title: String,
    pub kind_label: &'static str,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub date: String,
    pub iso: String,
    pub duration: Option<String>,
    pub affected: String,
}

impl<'a> PageContext<'a> {
    /// History page `page` (1-based) showing `notices`, of `pages` in all.
    pub fn history(&self, notices: &[&Incident], page: usize, pages: usize) -> HistoryPage<'a> {
        let items = notices.iter().map(|i| self.history_item(i)).collect();
        HistoryPage {
            layout: self.layout(
                format!("{} · {}", self.t.history, self.settings.site_name),
                &history_path(page),
                notices.iter().map(|i| i.updated_at).max(),
            ),
            items,
            page,
            pages,
            newer_url: (page > 1).then(|| self.link(&history_path(page - 1))),
            older_url: (page < pages).then(|| self.link(&history_path(page + 1))),
        }
    }
}

impl PageContext<'_> {
    /// One closed notice as lists of them show it.
    pub(super) fn history_item(&self, i: &Incident) -> HistoryItem {
        HistoryItem {
            url: self.notice_url(&i.id),
            title: i.title.get(self.lang).to_string(),
            kind_label: self.t.kind(i.kind),
            status_label: self.t.notice_status(i.status),
            status_class: i.status.as_str(),
            date: self.fmt.date_time(i.started_at),
            iso: self.fmt.iso(i.started_at),
            duration: i.resolved_at.map(|r| self.fmt.duration(i.started_at, r)),
            affected: i
                .components
                .iter()
                .map(|c| self.model.name(&c.id, self.lang))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// A history page as links name it: a folder a static host serves too.
fn history_path(page: usize) -> String {
    if page <= 1 {
        "/history/".to_string()
    } else {
        format!("/history/{page}/")
    }
}

/// Number of history pages for `total` closed notices (at least one, possibly empty).
pub fn history_pages(total: usize) -> usize {
    total.div_ceil(HISTORY_PAGE_SIZE).max(1)
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use super::history_pages;
    use crate::domain::{ComponentStatus::*, Lang, Status, UpdateDraft};
    use crate::snapshot::fixture::{World, incident, maintenance, settings};

    #[test]
    fn each_history_page_links_to_its_neighbours_in_its_language() {
        let w = World::new();
        let (model, settings) = (w.model(), settings());
        let links = |lang, page| {
            let p = PageContext::new(&model, &settings, lang).history(&[], page, 3);
            (p.newer_url, p.older_url, p.layout.other_lang_url)
        };
        let s = |s: &str| Some(s.to_string());
        assert_eq!(
            links(Lang::Ko, 1),
            (None, s("/history/2/"), "/en/history/".into())
        );
        assert_eq!(
            links(Lang::Ko, 2),
            (s("/history/"), s("/history/3/"), "/en/history/2/".into())
        );
        assert_eq!(
            links(Lang::En, 3),
            (s("/en/history/2/"), None, "/ko/history/3/".into())
        );
    }

    #[test]
    fn a_history_item_says_what_it_was_how_it_ended_and_how_long_it_took() {
        let w = World::new();
        let i = w.create(
            incident("카드 결제 실패", &[("card", MajorOutage)]),
            w.at(-100),
        );
        let resolved = UpdateDraft {
            status: Some(Status::Resolved),
            ..Default::default()
        };
        w.update(&i, resolved, w.at(-30));
        let m = w.create(
            maintenance(
                "은행 점검",
                &["bank-transfer", "virtual-account"],
                w.at(-90),
                w.at(-80),
            ),
            w.at(-95),
        );
        let completed = UpdateDraft {
            status: Some(Status::Completed),
            ..Default::default()
        };
        w.update(&m, completed, w.at(-80));
        let (model, settings) = (w.model(), settings());
        let notices = [&*model.notices[&i], &*model.notices[&m]];

        let ko = PageContext::new(&model, &settings, Lang::Ko).history(&notices, 1, 1);
        let items: Vec<_> = ko
            .items
            .iter()
            .map(|h| {
                (
                    h.kind_label,
                    h.status_label,
                    h.duration.as_deref(),
                    h.affected.as_str(),
                )
            })
            .collect();
        assert_eq!(
            items,
            [
                ("장애", "해결", Some("1시간 10분"), "신용·체크카드"),
                ("점검", "점검 완료", Some("10분"), "계좌이체, 가상계좌"),
            ]
        );
        assert_eq!(ko.items[0].url, format!("/incidents/{i}/"));
        assert_eq!(ko.layout.title, "지난 장애·점검 기록 · 페이상태");
        assert_eq!(
            ko.layout.updated.map(|u| u.text).as_deref(),
            Some("11월 25일 13:35"),
            "the newest change among the notices shown"
        );

        let en = PageContext::new(&model, &settings, Lang::En).history(&notices, 1, 1);
        assert_eq!(
            (en.items[0].kind_label, en.items[1].kind_label),
            ("Incident", "Maintenance")
        );
        assert_eq!(en.items[1].status_label, "Completed");
        assert_eq!(en.items[0].url, format!("/en/incidents/{i}/"));
    }

    #[test]
    fn an_empty_history_still_has_one_page() {
        assert_eq!(history_pages(0), 1);
        assert_eq!(history_pages(20), 1);
        assert_eq!(history_pages(21), 2);
        let w = World::new();
        let (model, settings) = (w.model(), settings());
        let page = PageContext::new(&model, &settings, Lang::Ko).history(&[], 1, 1);
        assert!(page.items.is_empty());
        assert!(
            page.layout.updated.is_none(),
            "nothing shown, no last update"
        );
        assert_eq!((page.newer_url, page.older_url), (None, None));
    }
}
