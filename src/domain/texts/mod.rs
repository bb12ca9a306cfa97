//! Every customer-facing word, one place per language: `ko.rs` and `en.rs` each fill one
//! [`Texts`]. A key missing in one language does not compile; the tests check that no
//! entry is empty or in the other language.
//!
//! The domain hands out values (a status, the page indicator, a notice's kind) and the
//! words for them are looked up here. The one place the domain needs words itself is
//! the message of an update posted without one ([`automatic_update`]): it is stored with
//! the update, in both languages.

mod console;
mod console_alerts;
mod console_manage;
mod console_report;
mod console_subscribers;
mod console_webhooks;
mod en;
mod ko;
mod mail;
mod reports;
mod uptime;

pub use console::{ConsoleTexts, console_texts};
pub use console_alerts::{AlertTexts, alert_texts};
pub use console_manage::ManageTexts;
pub use console_report::{IncidentReportTexts, incident_report_texts};
pub use console_subscribers::{SubscriberAdminTexts, subscriber_admin_texts};
pub use console_webhooks::{WebhookAdminTexts, webhook_admin_texts};
pub use mail::{MailTexts, mail_texts};
pub use reports::{ReportTexts, report_texts};
pub use uptime::{UptimeTexts, uptime_texts};

use chrono::DateTime;
use chrono_tz::Tz;

use crate::domain::{ComponentStatus, Indicator, Kind, Lang, LocalizedText, Status};

pub struct Texts {
    /// This language's code, the other's, and the other's name in itself.
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,

    pub page_title: &'static str,
    pub skip_to_content: &'static str,
    pub current_incidents: &'static str,
    pub expected_recovery: &'static str,
    pub eta_passed: &'static str,
    pub next_update: &'static str,
    pub next_update_overdue: &'static str,
    pub use_instead: &'static str,
    pub affected: &'static str,
    pub maintenance_now: &'static str,
    pub maintenance_upcoming: &'static str,
    pub maintenance_window: &'static str,
    pub channels: &'static str,
    pub history: &'static str,
    pub history_intro: &'static str,
    pub no_history: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    pub page_of: &'static str,
    pub back_to_status: &'static str,
    pub timeline: &'static str,
    /// The label of a timeline entry that did not change the status.
    pub timeline_update: &'static str,
    pub eta_revisions: &'static str,
    pub postmortem: &'static str,
    pub started: &'static str,
    pub resolved: &'static str,
    pub duration: &'static str,
    pub updated: &'static str,
    pub subscribe_rss: &'static str,
    pub subscribe_atom: &'static str,
    /// The feeds' title, after the site's name.
    pub feed_title: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    /// The embed frame's link to the notice, and its close button.
    pub embed_details: &'static str,
    pub embed_close: &'static str,

    /// The page's one sentence, by indicator.
    pub banners: BannerWords,
    pub component_statuses: ComponentStatusWords,
    pub notice_statuses: NoticeStatusWords,
    pub kinds: KindWords,
    pub automatic_updates: AutomaticUpdateWords,
    pub widget: WidgetTexts,
    pub widget_options: WidgetOptionWords,
    pub widget_banner: WidgetBannerWords,

    /// "다음 안내 14:24까지" / "Next update by 14:24": the part after the label.
    pub next_update_by: fn(time: &str) -> String,
    /// One sentence for a change of the ETA; `None` stands for "not known".
    pub eta_revision: fn(previous: Option<&str>, eta: Option<&str>) -> String,
    /// Instructions for a suggested channel the operator gave none for.
    pub default_instructions: fn(channel: &str) -> String,
    /// A local time with its date: "11월 25일 14:04" / "Nov 25, 14:04", and the year
    /// when `with_year`.
    pub date_time: fn(local: &DateTime<Tz>, with_year: bool) -> String,
    /// How long until something, already rounded: "약 25분 후" / "in about 25 min".
    pub until: fn(hours: i64, minutes: i64) -> String,
    /// How long something lasted: "1시간 6분" / "1 h 6 min".
    pub lasted: fn(hours: i64, minutes: i64) -> String,

    /// What a template's `{eta}` says while the expected recovery is not known.
    pub eta_unknown: &'static str,
    /// What a template's `{channels}` says when it names no channel.
    pub channels_unnamed: &'static str,
    /// What a template's `{alternatives}` says when no working channel can be suggested.
    pub no_alternative: &'static str,
    /// Channel names listed inside a sentence: "신용·체크카드, 계좌이체" /
    /// "credit & debit cards and bank transfer".
    pub list: fn(names: &[&str]) -> String,
}

pub struct BannerWords {
    pub none: &'static str,
    pub minor: &'static str,
    pub major: &'static str,
    pub critical: &'static str,
    pub maintenance: &'static str,
}

pub struct ComponentStatusWords {
    pub operational: &'static str,
    pub degraded_performance: &'static str,
    pub partial_outage: &'static str,
    pub major_outage: &'static str,
    pub under_maintenance: &'static str,
}

pub struct NoticeStatusWords {
    pub investigating: &'static str,
    pub identified: &'static str,
    pub monitoring: &'static str,
    pub resolved: &'static str,
    pub postmortem: &'static str,
    pub scheduled: &'static str,
    pub in_progress: &'static str,
    pub verifying: &'static str,
    pub completed: &'static str,
}

pub struct KindWords {
    pub incident: &'static str,
    pub maintenance: &'static str,
}

/// The message of an update posted without one, by the status it moved to.
pub struct AutomaticUpdateWords {
    pub in_progress: &'static str,
    pub verifying: &'static str,
    pub completed: &'static str,
    pub resolved: &'static str,
    pub postmortem: &'static str,
    /// Any other status (an update that only changed the ETA, say).
    pub continuing: &'static str,
}

/// The widget demo page.
pub struct WidgetTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub snippet_heading: &'static str,
    pub preview_heading: &'static str,
    pub preview_intro: &'static str,
    pub options_heading: &'static str,
    pub attribute: &'static str,
    pub values: &'static str,
    pub meaning: &'static str,
    pub event_heading: &'static str,
    pub event_intro: &'static str,
    pub embed_heading: &'static str,
    pub embed_intro: &'static str,
}

/// What each `data-*` option of the widget does.
pub struct WidgetOptionWords {
    pub components: &'static str,
    pub lang: &'static str,
    pub upcoming: &'static str,
    pub interval: &'static str,
    pub position: &'static str,
    pub theme: &'static str,
    pub accent: &'static str,
    pub background: &'static str,
    pub text: &'static str,
    pub z_index: &'static str,
}

/// The checkout banner's tag before a maintenance's name. `widget.js` draws the banner in
/// the browser with these same words (its `TEXT`); they are here for the console's
/// preview of it, and a test keeps the two the same.
pub struct WidgetBannerWords {
    pub scheduled: &'static str,
    pub in_progress: &'static str,
}

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Ko => &ko::KO,
        Lang::En => &en::EN,
    }
}

impl Texts {
    pub fn banner(&self, indicator: Indicator) -> &'static str {
        let w = &self.banners;
        match indicator {
            Indicator::None => w.none,
            Indicator::Minor => w.minor,
            Indicator::Major => w.major,
            Indicator::Critical => w.critical,
            Indicator::Maintenance => w.maintenance,
        }
    }

    pub fn component_status(&self, status: ComponentStatus) -> &'static str {
        let w = &self.component_statuses;
        match status {
            ComponentStatus::Operational => w.operational,
            ComponentStatus::DegradedPerformance => w.degraded_performance,
            ComponentStatus::PartialOutage => w.partial_outage,
            ComponentStatus::MajorOutage => w.major_outage,
            ComponentStatus::UnderMaintenance => w.under_maintenance,
        }
    }

    pub fn notice_status(&self, status: Status) -> &'static str {
        let w = &self.notice_statuses;
        match status {
            Status::Investigating => w.investigating,
            Status::Identified => w.identified,
            Status::Monitoring => w.monitoring,
            Status::Resolved => w.resolved,
            Status::Postmortem => w.postmortem,
            Status::Scheduled => w.scheduled,
            Status::InProgress => w.in_progress,
            Status::Verifying => w.verifying,
            Status::Completed => w.completed,
        }
    }

    pub fn kind(&self, kind: Kind) -> &'static str {
        match kind {
            Kind::Incident => self.kinds.incident,
            Kind::Maintenance => self.kinds.maintenance,
        }
    }

    fn automatic_update(&self, status: Status) -> &'static str {
        let w = &self.automatic_updates;
        match status {
            Status::InProgress => w.in_progress,
            Status::Verifying => w.verifying,
            Status::Completed => w.completed,
            Status::Resolved => w.resolved,
            Status::Postmortem => w.postmortem,
            Status::Investigating | Status::Identified | Status::Monitoring | Status::Scheduled => {
                w.continuing
            }
        }
    }
}

/// The message of an update that moved a notice to `status` without words of its own
/// (a maintenance moving along the clock, a resolution posted bare).
pub fn automatic_update(status: Status) -> LocalizedText {
    LocalizedText::plain(
        ko::KO.automatic_update(status),
        en::EN.automatic_update(status),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;
    use chrono_tz::Asia::Seoul;

    use super::*;

    /// `(key, words)` for `names`, already bound to their words.
    macro_rules! entries {
        ($($name:ident),* $(,)?) => {
            vec![$((stringify!($name).to_string(), $name.to_string())),*]
        };
    }

    /// The entries of a table of words, keyed `table.key`. Destructured without `..`,
    /// so a key added to the table but not here does not compile.
    macro_rules! table {
        ($value:expr => $table:ident { $($key:ident),* $(,)? }) => {{
            let $table { $($key),* } = $value;
            vec![$((
                format!("{}.{}", stringify!($table), stringify!($key)),
                $key.to_string(),
            )),*]
        }};
    }

    /// Every entry of one language as `(key, words)`, sentences filled with samples.
    fn entries(t: &'static Texts) -> Vec<(String, String)> {
        // Without `..`: a key added to `Texts` but not here does not compile.
        let Texts {
            // Codes and the other language's name: checked on their own below.
            lang: _,
            other_lang: _,
            other_lang_name: _,
            page_title,
            skip_to_content,
            current_incidents,
            expected_recovery,
            eta_passed,
            next_update,
            next_update_overdue,
            use_instead,
            affected,
            maintenance_now,
            maintenance_upcoming,
            maintenance_window,
            channels,
            history,
            history_intro,
            no_history,
            newer,
            older,
            page_of,
            back_to_status,
            timeline,
            timeline_update,
            eta_revisions,
            postmortem,
            started,
            resolved,
            duration,
            updated,
            subscribe_rss,
            subscribe_atom,
            feed_title,
            not_found_title,
            not_found_body,
            embed_details,
            embed_close,
            banners,
            component_statuses,
            notice_statuses,
            kinds,
            automatic_updates,
            widget,
            widget_options,
            widget_banner,
            next_update_by,
            eta_revision,
            default_instructions,
            date_time,
            until,
            lasted,
            eta_unknown,
            channels_unnamed,
            no_alternative,
            // Only the names given and what joins them: checked on its own below.
            list: _,
        } = t;
        let mut all = entries![
            page_title,
            skip_to_content,
            current_incidents,
            expected_recovery,
            eta_passed,
            next_update,
            next_update_overdue,
            use_instead,
            affected,
            maintenance_now,
            maintenance_upcoming,
            maintenance_window,
            channels,
            history,
            history_intro,
            no_history,
            newer,
            older,
            page_of,
            back_to_status,
            timeline,
            timeline_update,
            eta_revisions,
            postmortem,
            started,
            resolved,
            duration,
            updated,
            subscribe_rss,
            subscribe_atom,
            feed_title,
            not_found_title,
            not_found_body,
            embed_details,
            embed_close,
            eta_unknown,
            channels_unnamed,
            no_alternative,
        ];
        all.extend(table!(banners => BannerWords {
            none, minor, major, critical, maintenance,
        }));
        all.extend(table!(component_statuses => ComponentStatusWords {
            operational, degraded_performance, partial_outage, major_outage, under_maintenance,
        }));
        all.extend(table!(notice_statuses => NoticeStatusWords {
            investigating, identified, monitoring, resolved, postmortem, scheduled,
            in_progress, verifying, completed,
        }));
        all.extend(table!(kinds => KindWords { incident, maintenance }));
        all.extend(table!(automatic_updates => AutomaticUpdateWords {
            in_progress, verifying, completed, resolved, postmortem, continuing,
        }));
        all.extend(table!(widget => WidgetTexts {
            title, intro, snippet_heading, preview_heading, preview_intro, options_heading,
            attribute, values, meaning, event_heading, event_intro, embed_heading, embed_intro,
        }));
        all.extend(table!(widget_options => WidgetOptionWords {
            components, lang, upcoming, interval, position, theme, accent, background, text,
            z_index,
        }));
        all.extend(table!(widget_banner => WidgetBannerWords { scheduled, in_progress }));
        let (time, channel) = ("14:24", "X");
        all.push(("next_update_by".into(), next_update_by(time)));
        all.push(("default_instructions".into(), default_instructions(channel)));
        for (previous, eta) in [
            (None, Some(time)),
            (Some(time), Some("15:00")),
            (Some(time), None),
            (None, None),
        ] {
            let key = format!("eta_revision({previous:?}, {eta:?})");
            all.push((key, eta_revision(previous, eta)));
        }
        let local = Seoul.with_ymd_and_hms(2026, 11, 25, 14, 4, 0).unwrap();
        for with_year in [false, true] {
            let key = format!("date_time(with_year: {with_year})");
            all.push((key, date_time(&local, with_year)));
        }
        for (h, m) in [(0, 0), (0, 25), (1, 0), (1, 25)] {
            all.push((format!("until({h}, {m})"), until(h, m)));
        }
        for (h, m) in [(0, 5), (1, 6)] {
            all.push((format!("duration({h}, {m})"), lasted(h, m)));
        }
        all
    }

    fn has_hangul(s: &str) -> bool {
        s.chars().any(|c| ('가'..='힣').contains(&c))
    }

    #[test]
    fn every_key_has_words_in_both_languages_and_in_the_right_one() {
        let (ko, en) = (entries(texts(Lang::Ko)), entries(texts(Lang::En)));
        let keys = |e: &[(String, String)]| e.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&ko), keys(&en));
        for (lang, entries) in [(Lang::Ko, &ko), (Lang::En, &en)] {
            for (key, words) in entries {
                assert!(!words.trim().is_empty(), "{key} is empty in {lang:?}");
                assert_eq!(
                    has_hangul(words),
                    lang == Lang::Ko,
                    "{key} in {lang:?} reads as the other language: {words}"
                );
            }
        }
    }

    #[test]
    fn each_language_names_itself_and_links_to_the_other() {
        let (ko, en) = (texts(Lang::Ko), texts(Lang::En));
        assert_eq!((ko.lang, en.lang), (Lang::Ko.code(), Lang::En.code()));
        assert_eq!((ko.other_lang, en.other_lang), (en.lang, ko.lang));
        assert!(has_hangul(en.other_lang_name) && !has_hangul(ko.other_lang_name));
    }

    fn distinct(words: impl IntoIterator<Item = &'static str>) -> bool {
        let words: Vec<_> = words.into_iter().collect();
        words.iter().collect::<HashSet<_>>().len() == words.len()
    }

    #[test]
    fn values_of_one_kind_never_share_their_words() {
        for lang in [Lang::Ko, Lang::En] {
            let t = texts(lang);
            let statuses = ComponentStatus::ALL.iter().map(|s| t.component_status(*s));
            assert!(distinct(statuses), "component statuses in {lang:?}");
            let statuses = Status::ALL.iter().map(|s| t.notice_status(*s));
            assert!(distinct(statuses), "notice statuses in {lang:?}");
            assert!(
                distinct(Indicator::ALL.iter().map(|i| t.banner(*i))),
                "{lang:?}"
            );
            assert!(distinct(
                [Kind::Incident, Kind::Maintenance].map(|k| t.kind(k))
            ));
            assert!(
                !Status::ALL
                    .iter()
                    .any(|s| t.notice_status(*s) == t.timeline_update),
                "{lang:?}: an update that changed nothing must not read as a status"
            );
        }
    }

    #[test]
    fn eta_revisions_read_naturally() {
        let (ko, en) = (texts(Lang::Ko), texts(Lang::En));
        assert_eq!(
            (ko.eta_revision)(Some("14:45"), Some("15:00")),
            "예상 복구 시각이 14:45에서 15:00으로 변경되었습니다."
        );
        assert_eq!(
            (ko.eta_revision)(None, Some("14:45")),
            "예상 복구 시각을 14:45로 안내했습니다."
        );
        assert_eq!(
            (en.eta_revision)(Some("14:45"), Some("15:00")),
            "Expected recovery changed from 14:45 to 15:00."
        );
    }

    #[test]
    fn channel_names_are_listed_as_each_language_writes_a_list() {
        let (ko, en) = (texts(Lang::Ko), texts(Lang::En));
        assert_eq!((ko.list)(&["신용·체크카드"]), "신용·체크카드");
        assert_eq!(
            (ko.list)(&["신용·체크카드", "계좌이체", "카카오페이"]),
            "신용·체크카드, 계좌이체, 카카오페이"
        );
        assert_eq!((en.list)(&[]), "");
        assert_eq!((en.list)(&["Bank transfer"]), "bank transfer");
        assert_eq!(
            (en.list)(&["Credit & debit cards", "Bank transfer"]),
            "credit & debit cards and bank transfer"
        );
        assert_eq!(
            (en.list)(&["KakaoPay", "Naver Pay", "PAYCO"]),
            "KakaoPay, Naver Pay and PAYCO",
            "brands keep their capitals"
        );
    }

    #[test]
    fn an_update_without_words_gets_them_in_both_languages() {
        let started = automatic_update(Status::InProgress);
        assert_eq!(started.get(Lang::Ko), "예정된 점검을 시작했습니다.");
        assert_eq!(started.get(Lang::En), "Scheduled maintenance has started.");
        assert_eq!(
            automatic_update(Status::Identified),
            automatic_update(Status::Monitoring),
            "a bare update on an open incident says work goes on"
        );
    }
}
