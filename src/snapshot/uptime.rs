//! The uptime of the last 90 days, part of the read model: read from the status history
//! (a row per change, so a few hundred rows at most) and computed by the domain's rules
//! (`domain/uptime.rs`) on every rebuild. Shown on the page (`pages/uptime.rs`), in
//! `/api/v2/uptime.json` and in `/metrics`.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use serde_json::Value;

use crate::domain::uptime::{
    ChannelHistory, Period, StatusPoint, UPTIME_DAYS, Uptime, UptimeDay, channel_uptime,
    group_uptime,
};
use crate::domain::{Component, ComponentId, ComponentStatus, Lang};
use crate::store::{self, StoreResult};

/// Notices a day links to, at most (the newest of a busier day are in the history).
pub const NOTICES_PER_DAY: usize = 10;

#[derive(Clone)]
pub struct UptimeModel {
    pub period: Period,
    /// Every live channel's and group's figures.
    pub figures: HashMap<ComponentId, Uptime>,
    /// What earlier builds rendered of the rows' past days, handed from model to model.
    pub cache: Arc<UptimeCache>,
    /// Each day that any notice touched, oldest first, with those notices (at most
    /// [`NOTICES_PER_DAY`], in the order they began): found once per build.
    pub notice_days: Vec<(NaiveDate, Vec<String>)>,
}

/// What is kept: a row's past days (every day but today), or a day's page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// The page's bars of a channel or group.
    Bars(ComponentId),
    /// `/api/v2/uptime.json`'s day objects of a channel or group.
    Json(ComponentId),
    /// `/history/{day}`.
    Day(NaiveDate),
}

type CacheKey = (Lang, Part);

/// A row's past days change only when the history of those days does (a correction) or
/// a day passes, while today's column changes with every write and every minute: a build
/// renders today's bar and object, and the past days only when their fingerprint moved.
/// Without it 900 days were rendered in each language per write (several milliseconds).
#[derive(Default)]
pub struct UptimeCache(Mutex<HashMap<CacheKey, (u64, Arc<str>)>>);

impl UptimeCache {
    /// The rendering of `key` for `fingerprint`, made by `make` unless an earlier build
    /// made it. The lock is not held while making.
    pub fn get(&self, key: CacheKey, fingerprint: u64, make: impl FnOnce() -> String) -> Arc<str> {
        match self.try_get(key, fingerprint, || {
            Ok::<_, std::convert::Infallible>(make())
        }) {
            Ok(piece) => piece,
            Err(never) => match never {},
        }
    }

    /// The same as [`UptimeCache::get`], for a `make` that may fail (then nothing is kept).
    pub fn try_get<E>(
        &self,
        key: CacheKey,
        fingerprint: u64,
        make: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        let lock = || self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((f, piece)) = lock().get(&key)
            && *f == fingerprint
        {
            return Ok(piece.clone());
        }
        let piece: Arc<str> = make()?.into();
        lock().insert(key, (fingerprint, piece.clone()));
        Ok(piece)
    }
}

/// What a row's past days look like: their dates, times and notices, and what else the
/// rendering shows (the row's name).
pub fn past_fingerprint(u: &Uptime, name: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    for d in u.past_days() {
        (d.date, d.seconds, &d.notices).hash(&mut h);
    }
    h.finish()
}

impl UptimeModel {
    pub fn empty() -> UptimeModel {
        UptimeModel {
            period: Period {
                days: Vec::new(),
                now: DateTime::<Utc>::MIN_UTC,
            },
            figures: HashMap::new(),
            cache: Arc::default(),
            notice_days: Vec::new(),
        }
    }

    /// Reads the history of the period ending `now` (days in `tz`) for `components`.
    pub fn load(
        conn: &Connection,
        now: DateTime<Utc>,
        tz: Tz,
        components: &[Component],
        cache: Arc<UptimeCache>,
    ) -> StoreResult<UptimeModel> {
        let period = Period::ending(now, tz, UPTIME_DAYS);
        let start = period.start();
        let seeded = store::seeded_at(conn)?;
        let mut points: HashMap<ComponentId, Vec<StatusPoint>> = HashMap::new();
        for (id, p) in store::status_history_since(conn, start)? {
            if p.at <= now {
                points.entry(id).or_default().push(p);
            }
        }
        let mut histories: HashMap<ComponentId, ChannelHistory> = HashMap::new();
        for c in components.iter().filter(|c| !c.is_group) {
            let points = points.remove(&c.id).unwrap_or_default();
            let initial = match store::status_before(conn, &c.id, start)? {
                Some(s) => s,
                // Nothing recorded at all: as it is now. Else it began operational, as
                // every channel does.
                None if points.is_empty() => c.status,
                None => ComponentStatus::Operational,
            };
            // Channels seeded at first start count from the start of the period.
            let since = match seeded {
                Some(s) if c.created_at <= s => None,
                _ => Some(c.created_at),
            };
            histories.insert(
                c.id.clone(),
                ChannelHistory {
                    id: c.id.clone(),
                    since,
                    initial,
                    points,
                },
            );
        }
        let mut figures: HashMap<ComponentId, Uptime> = histories
            .values()
            .map(|h| (h.id.clone(), channel_uptime(h, &period)))
            .collect();
        for g in components.iter().filter(|c| c.is_group) {
            let members: Vec<&ChannelHistory> = components
                .iter()
                .filter(|c| c.group_id.as_ref() == Some(&g.id))
                .filter_map(|c| histories.get(&c.id))
                .collect();
            figures.insert(g.id.clone(), group_uptime(g.id.clone(), &members, &period));
        }
        let notice_days = notice_days(&figures);
        Ok(UptimeModel {
            period,
            figures,
            cache,
            notice_days,
        })
    }

    pub fn of(&self, id: &ComponentId) -> Option<&Uptime> {
        self.figures.get(id)
    }
}

/// The days of `figures` that any notice touched, oldest first, with those notices (at
/// most [`NOTICES_PER_DAY`], in the order they began).
fn notice_days(figures: &HashMap<ComponentId, Uptime>) -> Vec<(NaiveDate, Vec<String>)> {
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<String>> = Default::default();
    let mut ids: Vec<&ComponentId> = figures.keys().collect();
    ids.sort();
    for id in ids {
        for d in &figures[id].days {
            if d.notices.is_empty() {
                continue;
            }
            let list = by_day.entry(d.date).or_default();
            for n in &d.notices {
                if list.len() < NOTICES_PER_DAY && !list.contains(n) {
                    list.push(n.clone());
                }
            }
        }
    }
    by_day.into_iter().collect()
}

/// The path of a day's page: `/history/2026-11-03`.
pub fn day_path(date: NaiveDate) -> String {
    format!("/history/{}", date.format("%Y-%m-%d"))
}

/// A day's page as links name it: a folder a static host serves too.
pub fn day_link(date: NaiveDate) -> String {
    format!("{}/", day_path(date))
}

/// `/api/v2/uptime.json`'s `components`: one object per live channel and group, in
/// the catalogue's order; each day names only the statuses it had (`minutes`) and its
/// notices only when it had any (`incidents`), which keeps the document small. Written by
/// hand, not through `serde_json::Value`, and the past days of each row come from the
/// cache.
pub fn components_json(
    model: &UptimeModel,
    components: &[Component],
    lang: Lang,
    name: impl Fn(&Component) -> String,
) -> String {
    use std::fmt::Write;
    let ratio = |r: Option<f64>| r.map_or_else(|| "null".to_string(), |r| r.to_string());
    let mut out = String::with_capacity(components.len() * 8_000);
    out.push('[');
    let mut first = true;
    for (c, u) in components
        .iter()
        .filter_map(|c| model.of(&c.id).map(|u| (c, u)))
    {
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        let name = name(c);
        let _ = write!(
            out,
            r#"{{"id":{},"name":{},"group":{},"group_id":{},"uptime_ratio":{},"uptime_percentage":{},"days":["#,
            quoted(c.id.as_str()),
            quoted(&name),
            c.is_group,
            c.group_id
                .as_ref()
                .map_or_else(|| "null".to_string(), |g| quoted(g.as_str())),
            ratio(u.ratio()),
            ratio(u.ratio().map(|r| (r * 10_000.0).floor() / 100.0)),
        );
        let past = model.cache.get(
            (lang, Part::Json(c.id.clone())),
            past_fingerprint(u, &name),
            || {
                let mut past = String::with_capacity(u.days.len() * 80);
                for d in u.past_days() {
                    day_json(&mut past, d);
                    past.push(',');
                }
                past
            },
        );
        out.push_str(&past);
        if let Some(today) = u.days.last() {
            day_json(&mut out, today);
        }
        out.push_str("]}");
    }
    out.push(']');
    out
}

fn quoted(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// One day's object.
fn day_json(out: &mut String, d: &UptimeDay) {
    use std::fmt::Write;
    let worst = d
        .worst()
        .map_or_else(|| "null".to_string(), |w| format!("\"{}\"", w.as_str()));
    let _ = write!(
        out,
        r#"{{"date":"{}","worst_status":{worst},"minutes":{{"#,
        d.date.format("%Y-%m-%d"),
    );
    // Only the statuses the day had: most days are one status all day long.
    let mut any = false;
    for status in [
        ComponentStatus::Operational,
        ComponentStatus::DegradedPerformance,
        ComponentStatus::PartialOutage,
        ComponentStatus::MajorOutage,
        ComponentStatus::UnderMaintenance,
    ] {
        let m = d.seconds.minutes(status);
        if m > 0 {
            let sep = if std::mem::replace(&mut any, true) {
                ","
            } else {
                ""
            };
            let _ = write!(out, r#"{sep}"{}":{m}"#, status.as_str());
        }
    }
    out.push('}');
    if !d.notices.is_empty() {
        out.push_str(r#","incidents":["#);
        for (k, id) in d.notices.iter().take(NOTICES_PER_DAY).enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push_str(&quoted(id));
        }
        out.push(']');
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_json_parses_and_names_every_field() {
        let now = chrono::Utc::now();
        let period = Period::ending(now, chrono_tz::Asia::Seoul, 3);
        let c = Component {
            id: ComponentId::from_trusted("card".to_string()),
            name: crate::domain::LocalizedText {
                ko: "카드 \"결제\"".into(),
                en: None,
            },
            description: None,
            is_group: false,
            group_id: None,
            position: 1,
            status: ComponentStatus::Operational,
            fallbacks: vec![],
            created_at: now,
            updated_at: now,
            revision: 1,
        };
        let h = ChannelHistory {
            id: c.id.clone(),
            since: None,
            initial: ComponentStatus::MajorOutage,
            points: vec![],
        };
        let mut figures = HashMap::new();
        figures.insert(c.id.clone(), channel_uptime(&h, &period));
        let model = UptimeModel {
            period,
            figures,
            cache: Arc::default(),
            notice_days: Vec::new(),
        };
        let json: Value = serde_json::from_str(&components_json(&model, &[c], Lang::Ko, |c| {
            c.name.ko.clone()
        }))
        .unwrap();
        assert_eq!(json[0]["name"], "카드 \"결제\"");
        assert_eq!(json[0]["uptime_ratio"], 0.0);
        assert_eq!(json[0]["days"].as_array().unwrap().len(), 3);
        assert_eq!(json[0]["days"][0]["worst_status"], "major_outage");
        assert_eq!(
            json[0]["days"][0]["minutes"],
            serde_json::json!({ "major_outage": 1440 }),
            "only the statuses the day had"
        );
        assert_eq!(json[0]["days"][0].get("incidents"), None, "none: left out");
    }

    #[test]
    fn the_cache_keeps_a_rendering_until_its_fingerprint_moves() {
        let cache = UptimeCache::default();
        let key = || {
            (
                Lang::Ko,
                Part::Bars(ComponentId::from_trusted("card".into())),
            )
        };
        let first = cache.get(key(), 1, || "a".into());
        let again = cache.get(key(), 1, || unreachable!("kept"));
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(&*cache.get(key(), 2, || "b".into()), "b");
        let other = (
            Lang::En,
            Part::Bars(ComponentId::from_trusted("card".into())),
        );
        assert_eq!(&*cache.get(other, 2, || "c".into()), "c", "per language");
    }
}
