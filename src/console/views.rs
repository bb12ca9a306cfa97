//! What console pages show of notices and channels, in the reader's language and zone.

use crate::domain::texts::texts;
use crate::domain::{Component, Incident, Lang, Promise, console_texts};
use crate::snapshot::TimeFormat;

/// "12분 전" / "12 min ago"; "방금" / "just now" within the minute.
pub fn ago(time: &TimeFormat, at: chrono::DateTime<chrono::Utc>) -> String {
    let words = console_texts(time.lang);
    if time.now - at < chrono::Duration::minutes(1) {
        return words.just_now.to_string();
    }
    format!("{} {}", time.duration(at, time.now), words.minutes_ago)
}

/// A notice in a list: what it is, how fresh, and whether a promise is late.
pub struct NoticeRow {
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub draft: bool,
    /// A rehearsal: never public, whatever its state.
    pub drill: bool,
    pub channels: String,
    pub last_update: String,
    /// The promised time, and how long until it or how late it is.
    pub next_update: Option<String>,
    pub due_in: Option<String>,
    pub overdue_by: Option<String>,
}

impl NoticeRow {
    pub fn new(i: &Incident, components: &[Component], time: &TimeFormat) -> NoticeRow {
        let lang = time.lang;
        let (due_in, overdue_by) = match i.promise(time.now) {
            Promise::None => (None, None),
            Promise::Due(d) => (Some(time.duration(time.now, time.now + d)), None),
            Promise::Overdue(d) => (None, Some(time.duration(time.now - d, time.now))),
        };
        NoticeRow {
            id: i.id.clone(),
            title: i.title.get(lang).to_string(),
            status: texts(lang).notice_status(i.status),
            draft: i.draft,
            drill: i.drill,
            channels: i
                .components
                .iter()
                .map(|c| channel_name(components, c.id.as_str(), lang))
                .collect::<Vec<_>>()
                .join(", "),
            last_update: ago(time, i.last_update_at()),
            next_update: i.next_update_at.map(|t| time.short(t)),
            due_in,
            overdue_by,
        }
    }
}

fn channel_name(components: &[Component], id: &str, lang: Lang) -> String {
    components
        .iter()
        .find(|c| c.id.as_str() == id)
        .map_or_else(|| id.to_string(), |c| c.name.get(lang).to_string())
}

/// A payment channel (not a group) and its status now.
pub struct ChannelRow {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub status_text: &'static str,
}

impl ChannelRow {
    pub fn all(components: &[Component], lang: Lang) -> Vec<ChannelRow> {
        components
            .iter()
            .filter(|c| !c.is_group)
            .map(|c| ChannelRow {
                id: c.id.to_string(),
                name: c.name.get(lang).to_string(),
                status: c.status.as_str(),
                status_text: texts(lang).component_status(c.status),
            })
            .collect()
    }
}

/// A choice on a form (a checkbox or an option): its value, its words, and whether it is
/// ticked.
pub struct Pick {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

impl Pick {
    /// Every payment channel (not groups) but `except`, ticked when in `ticked`.
    pub fn channels(
        components: &[Component],
        except: &str,
        ticked: &[String],
        lang: Lang,
    ) -> Vec<Pick> {
        components
            .iter()
            .filter(|c| !c.is_group && c.id.as_str() != except)
            .map(|c| Pick {
                id: c.id.to_string(),
                name: c.name.get(lang).to_string(),
                checked: ticked.iter().any(|t| t == c.id.as_str()),
            })
            .collect()
    }
}
