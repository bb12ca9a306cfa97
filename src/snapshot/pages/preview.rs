//! Pieces of the public documents on their own, for the console's preview of a notice
//! that is not public: its card (`preview/card.html`, the `notice` macro the status page
//! prints) and the checkout banner (`preview/banner.html`, the markup `widget.js` builds
//! in the browser). Its own page is `IncidentPage`'s `content` block.

use askama::Template;

use super::PageContext;
use super::card::NoticeCard;
use super::layout::Layout;
use crate::domain::texts::Texts;
use crate::domain::{Incident, Kind, Status, recommend_now};

/// One notice's card, as the status page shows it.
#[derive(Template)]
#[template(path = "preview/card.html")]
pub struct CardFragment<'a> {
    /// What `macros.html` reads its words from.
    pub layout: Layout<'a>,
    pub card: NoticeCard,
}

/// The checkout banner with one notice, as `widget.js` draws it.
#[derive(Template)]
#[template(path = "preview/banner.html")]
pub struct BannerFragment {
    pub t: &'static Texts,
    /// The impact of an incident (`none` … `critical`), or `maintenance`.
    pub severity: &'static str,
    /// "점검 중" before a maintenance's name.
    pub tag: Option<&'static str>,
    /// The affected channels: "계좌이체, 가상계좌".
    pub channels: Option<String>,
    pub title: String,
    pub message: String,
    /// "예상 복구 14:45 · 다음 안내 14:25"
    pub times: String,
    /// Only channels that work now, as the banner recommends them.
    pub alternatives: Vec<BannerAlternative>,
    pub url: String,
}

pub struct BannerAlternative {
    pub name: String,
    pub instructions: Option<String>,
}

impl<'a> PageContext<'a> {
    /// `i`'s card alone, as the status page shows it.
    pub fn card_fragment(&self, i: &Incident) -> CardFragment<'a> {
        CardFragment {
            layout: self.layout(i.title.get(self.lang).to_string(), "/", None),
            card: self.card(i),
        }
    }

    /// The checkout banner with `i`, or `None` when the banner would show nothing: `i` is
    /// over. A scheduled maintenance shows only where a merchant asked for upcoming ones
    /// (`data-upcoming`); it is shown here.
    pub fn banner_fragment(&self, i: &Incident) -> Option<BannerFragment> {
        if i.status.is_closed() {
            return None;
        }
        let fmt = &self.fmt;
        let names: Vec<&str> = i
            .components
            .iter()
            .filter_map(|a| self.model.component(&a.id))
            .map(|c| c.name.get(self.lang))
            .collect();
        let mut times = Vec::new();
        if let Some(w) = i.window.filter(|_| i.kind == Kind::Maintenance) {
            let tz = self.settings.timezone;
            let same_day =
                w.starts.with_timezone(&tz).date_naive() == w.ends.with_timezone(&tz).date_naive();
            let ends = if same_day {
                w.ends.with_timezone(&tz).format("%H:%M").to_string()
            } else {
                fmt.short(w.ends)
            };
            times.push(format!("{}–{ends}", fmt.short(w.starts)));
        }
        if let Some(eta) = i.eta {
            times.push(format!("{} {}", self.t.expected_recovery, fmt.short(eta)));
        }
        if let Some(next) = i.next_update_at {
            times.push(format!("{} {}", self.t.next_update, fmt.short(next)));
        }
        let alternatives = self
            .model
            .suggestions(i)
            .into_iter()
            .filter(|s| s.status.is_some_and(recommend_now))
            .map(|s| BannerAlternative {
                name: self.model.name(s.component, self.lang),
                instructions: s.instructions.map(|t| t.get(self.lang).to_string()),
            })
            .collect();
        let maintenance = i.kind == Kind::Maintenance;
        let words = &self.t.widget_banner;
        Some(BannerFragment {
            t: self.t,
            severity: if maintenance {
                "maintenance"
            } else {
                i.impact.as_str()
            },
            tag: maintenance.then_some(if i.status == Status::Scheduled {
                words.scheduled
            } else {
                words.in_progress
            }),
            channels: (!names.is_empty()).then(|| names.join(", ")),
            title: i.title.get(self.lang).to_string(),
            message: i
                .latest_update()
                .map(|u| u.message.get(self.lang).to_string())
                .unwrap_or_default(),
            times: times.join(" · "),
            alternatives,
            url: format!("{}/incidents/{}", self.settings.base_url, i.id),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Lang;
    use crate::domain::texts::texts;

    #[test]
    fn the_banner_speaks_the_words_widget_js_has() {
        let script = include_str!("../../../assets/widget.js");
        for lang in [Lang::Ko, Lang::En] {
            let t = texts(lang);
            for words in [
                t.widget_banner.scheduled,
                t.widget_banner.in_progress,
                t.expected_recovery,
                t.next_update,
                t.use_instead,
                t.embed_details,
                t.embed_close,
            ] {
                assert!(
                    script.contains(&format!("'{words}'")),
                    "widget.js does not say `{words}` ({lang:?})"
                );
            }
        }
    }
}
