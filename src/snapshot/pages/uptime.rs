//! The uptime rows of the status page (`partials/uptime.html`): 90 days per channel and
//! group, each day a bar whose height says its worst status (colour only adds to it),
//! with its text for screen readers (and a tooltip on hover); under the bars, every day
//! that was not all operational in the same words, newest first — visible to everyone,
//! and a link to the day's page (`pages/day.html`, `/history/2026-11-03`) where notices
//! touched it. The bars themselves are not links: at a few pixels wide they would be too
//! small to hit (WCAG 2.5.8).

use std::sync::Arc;

use askama::Template;
use chrono::NaiveDate;

use super::PageContext;
use super::history::HistoryItem;
use super::layout::Layout;
use crate::domain::ComponentStatus::{self, *};
use crate::domain::texts::{UptimeTexts, uptime_texts};
use crate::domain::uptime::{UptimeDay, percent};
use crate::domain::{Component, Incident};
use crate::snapshot::uptime::{Part, day_link, past_fingerprint};

/// HTML-escapes `text` onto `out`.
fn escape_into(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

pub struct UptimeSection {
    pub u: &'static UptimeTexts,
    pub zone: String,
    pub legend: Vec<LegendItem>,
    pub rows: Vec<UptimeRow>,
}

pub struct LegendItem {
    pub class: &'static str,
    pub label: &'static str,
}

pub struct UptimeRow {
    pub id: String,
    pub name: String,
    /// A channel of a group, shown under the group's row.
    pub member: bool,
    pub percent: String,
    /// The bars of every day but today, as HTML (`<li class="o"><span>…</span></li>`…):
    /// made of our own words and dates only, escaped all the same, and kept from build to
    /// build (`snapshot::uptime::UptimeCache`).
    pub past: Arc<str>,
    pub today: Option<DayBar>,
    /// The days that were anything but operational, newest first: their words on the
    /// page for everyone (not only in the bars' hover text), a link where notices said why.
    pub links: Vec<DayLink>,
}

pub struct DayLink {
    /// The day's page, when notices touched it.
    pub url: Option<String>,
    pub text: String,
}

pub struct DayBar {
    /// The shape: `x` outage (tallest), `p` partial (striped), `d` slow, `o` operational,
    /// `m` maintenance (hollow), `n` no data (a line).
    pub class: &'static str,
    /// "11월 3일: 장애 42분, 일부 장애 10분".
    pub text: String,
}

/// The order a day's text names its statuses in: worst first.
const NAMED: [ComponentStatus; 4] = [
    MajorOutage,
    PartialOutage,
    DegradedPerformance,
    UnderMaintenance,
];

fn class_of(worst: Option<ComponentStatus>) -> &'static str {
    match worst {
        None => "n",
        Some(Operational) => "o",
        Some(UnderMaintenance) => "m",
        Some(DegradedPerformance) => "d",
        Some(PartialOutage) => "p",
        Some(MajorOutage) => "x",
    }
}

#[derive(Template)]
#[template(path = "pages/day.html")]
pub struct DayPage<'a> {
    pub layout: Layout<'a>,
    pub title: String,
    pub intro: &'static str,
    pub items: Vec<HistoryItem>,
    pub history_url: String,
}

impl<'a> PageContext<'a> {
    pub fn uptime_section(&self) -> UptimeSection {
        let u = uptime_texts(self.lang);
        let m = self.model;
        let mut rows = Vec::new();
        for c in m.components.iter().filter(|c| c.group_id.is_none()) {
            if c.is_group {
                let members: Vec<&Component> = m.members(&c.id).collect();
                if members.is_empty() {
                    continue;
                }
                rows.extend(self.uptime_row(c, false, u));
                rows.extend(members.iter().filter_map(|x| self.uptime_row(x, true, u)));
            } else {
                rows.extend(self.uptime_row(c, false, u));
            }
        }
        let legend = [
            MajorOutage,
            PartialOutage,
            DegradedPerformance,
            Operational,
            UnderMaintenance,
        ]
        .into_iter()
        .map(|s| LegendItem {
            class: class_of(Some(s)),
            label: (u.status)(s),
        })
        .chain([LegendItem {
            class: "n",
            label: u.no_data,
        }])
        .collect();
        UptimeSection {
            u,
            zone: (u.zone)(self.settings.timezone.name()),
            legend,
            rows,
        }
    }

    fn uptime_row(&self, c: &Component, member: bool, u: &UptimeTexts) -> Option<UptimeRow> {
        let uptime = &self.model.uptime;
        let figures = uptime.of(&c.id)?;
        let name = c.name.get(self.lang).to_string();
        let past = uptime.cache.get(
            (self.lang, Part::Bars(c.id.clone())),
            past_fingerprint(figures, &name),
            || {
                let mut html = String::with_capacity(figures.days.len() * 48);
                for d in figures.past_days() {
                    let bar = self.day_bar(d, u);
                    html.push_str("<li class=\"");
                    html.push_str(bar.class);
                    html.push_str("\"><span>");
                    escape_into(&mut html, &bar.text);
                    html.push_str("</span></li>");
                }
                html
            },
        );
        let links = figures
            .days
            .iter()
            .rev()
            .filter(|d| !d.notices.is_empty() || d.worst().is_some_and(|w| !w.is_operational()))
            .map(|d| DayLink {
                url: (!d.notices.is_empty()).then(|| self.link(&day_link(d.date))),
                text: self.day_bar(d, u).text,
            })
            .collect();
        Some(UptimeRow {
            id: c.id.to_string(),
            name,
            member,
            percent: match figures.ratio() {
                Some(r) => (u.percent)(&percent(r)),
                None => u.no_percent.to_string(),
            },
            past,
            today: figures.days.last().map(|d| self.day_bar(d, u)),
            links,
        })
    }

    fn day_bar(&self, d: &UptimeDay, u: &UptimeTexts) -> DayBar {
        let minutes: Vec<(ComponentStatus, i64)> =
            NAMED.iter().map(|s| (*s, d.seconds.minutes(*s))).collect();
        DayBar {
            class: class_of(d.worst()),
            text: u.day(d.date, &minutes, d.seconds.counted() > 0),
        }
    }

    /// The page of the notices of `date`.
    pub fn day(&self, date: NaiveDate, notices: &[&Incident]) -> DayPage<'a> {
        let u = uptime_texts(self.lang);
        let title = (u.day_title)(&(u.date)(date));
        DayPage {
            layout: self.layout(
                format!("{title} · {}", self.settings.site_name),
                &day_link(date),
                notices.iter().map(|i| i.updated_at).max(),
            ),
            title,
            intro: u.day_intro,
            items: notices.iter().map(|i| self.history_item(i)).collect(),
            history_url: self.link("/history/"),
        }
    }
}
