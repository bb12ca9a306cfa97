//! The read model: everything the public views show, loaded in one read transaction,
//! plus the derived facts (group statuses, the page indicator, suggestions).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;

use super::uptime::UptimeModel;

use crate::domain::{
    Component, ComponentId, ComponentStatus, Incident, Indicator, Kind, Lang, LocalizedText,
    Status, recommend_now,
};
use crate::store::{self, HistoryVersions, StoreResult};

/// Closed notices per history page.
pub const HISTORY_PAGE_SIZE: usize = 20;
/// History pages kept ready in every snapshot; older pages are rendered on demand.
pub const HISTORY_PAGES_IN_SNAPSHOT: usize = 5;
/// The reference API's cap on list documents, also used for feeds.
pub const LIST_CAP: usize = 50;

/// Cloned only to preview a notice in a copy (`preview.rs`): notices are shared.
#[derive(Clone)]
pub struct ReadModel {
    pub now: DateTime<Utc>,
    /// Live components in display order (groups included).
    pub components: Vec<Component>,
    /// Names of every component ever made, for history that names deleted ones.
    names: HashMap<ComponentId, LocalizedText>,
    by_id: HashMap<ComponentId, usize>,
    pub notices: HashMap<String, Arc<Incident>>,
    /// Unresolved public incidents, newest first.
    pub open_incidents: Vec<String>,
    /// Maintenances in progress or verifying, by start.
    pub active_maintenances: Vec<String>,
    /// Scheduled maintenances, soonest first.
    pub upcoming_maintenances: Vec<String>,
    /// The newest public incidents and maintenances (any status), newest first.
    pub recent_incidents: Vec<String>,
    pub recent_maintenances: Vec<String>,
    /// The first history pages of closed notices.
    pub history_pages: Vec<Vec<String>>,
    pub history_total: usize,
    /// Notices with the latest activity, newest first (feeds).
    pub recently_updated: Vec<String>,
    /// The latest change to anything shown.
    pub last_modified: DateTime<Utc>,
    /// SQLite's `data_version` as this model was read: it changes whenever anyone
    /// commits, so two models with the same value were read from the same data.
    pub data_version: i64,
    /// How far the history has changed (its order, and the notices in it).
    pub history_versions: HistoryVersions,
    /// Changes whenever a component's name does (past notices name their channels).
    pub names_version: u64,
    /// Changes whenever any component does.
    pub components_version: u64,
    /// The last 90 days' uptime of every live channel and group.
    pub uptime: Arc<UptimeModel>,
}

impl ReadModel {
    /// Reads the model; notices that did not change since `previous` are shared with it.
    pub fn load(
        conn: &Connection,
        now: DateTime<Utc>,
        tz: Tz,
        previous: &ReadModel,
    ) -> StoreResult<ReadModel> {
        let all = store::all_components(conn, true)?;
        let names_version = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for c in &all {
                (&c.id, &c.name.ko, &c.name.en).hash(&mut h);
            }
            h.finish()
        };
        // Every change to a component (status, name, deletion) bumps its revision.
        let components_version = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for c in &all {
                (&c.id, c.revision, c.updated_at, &c.name.ko, &c.name.en).hash(&mut h);
            }
            h.finish()
        };
        let names = all.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
        let components: Vec<Component> = {
            let live: Vec<ComponentId> = store::all_components(conn, false)?
                .into_iter()
                .map(|c| c.id)
                .collect();
            all.into_iter().filter(|c| live.contains(&c.id)).collect()
        };
        let by_id = components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();

        let open_incidents = store::open_notice_ids(conn, Kind::Incident)?;
        let open_maintenances = store::open_notice_ids(conn, Kind::Maintenance)?;
        let recent_incidents = store::recent_notice_ids(conn, Kind::Incident, LIST_CAP)?;
        let recent_maintenances = store::recent_notice_ids(conn, Kind::Maintenance, LIST_CAP)?;
        let history_total = store::history_len(conn)?;
        let history_ids = store::history_ids(
            conn,
            history_total,
            0,
            HISTORY_PAGE_SIZE * HISTORY_PAGES_IN_SNAPSHOT,
        )?;
        let recently_updated = store::recently_updated_ids(conn, LIST_CAP)?;
        let uptime = UptimeModel::load(conn, now, tz, &components, previous.uptime.cache.clone())?;
        // The notices the days of the uptime rows link to (their pages list them).
        let day_notices: Vec<String> = uptime
            .notice_days
            .iter()
            .flat_map(|(_, ids)| ids.iter().cloned())
            .collect();

        // Everything shown, loaded at once: the cost follows what the page shows, not
        // how long the history is.
        let mut wanted: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for id in open_incidents
            .iter()
            .chain(&open_maintenances)
            .chain(&recent_incidents)
            .chain(&recent_maintenances)
            .chain(&history_ids)
            .chain(&recently_updated)
            .chain(&day_notices)
        {
            if seen.insert(id.as_str()) {
                wanted.push(id.clone());
            }
        }
        // Notices unchanged since the previous model are taken from it; only the others
        // are read with their timelines.
        let versions = store::notice_versions(conn, &wanted)?;
        let mut notices: HashMap<String, Arc<Incident>> = HashMap::with_capacity(wanted.len());
        let mut changed = Vec::new();
        for id in wanted {
            match (previous.notices.get(&id), versions.get(&id)) {
                (Some(old), Some(&(revision, updated_at)))
                    if old.revision == revision && old.updated_at == updated_at =>
                {
                    notices.insert(id, old.clone());
                }
                (_, Some(_)) => changed.push(id),
                // Gone since the lists were read: not possible within one transaction.
                (_, None) => {}
            }
        }
        for i in store::incidents_by_ids(conn, &changed)? {
            notices.insert(i.id.clone(), Arc::new(i));
        }

        let mut active_maintenances = Vec::new();
        let mut upcoming_maintenances = Vec::new();
        for id in open_maintenances {
            match notices.get(&id).map(|m| m.status) {
                Some(Status::Scheduled) => upcoming_maintenances.push(id),
                Some(_) => active_maintenances.push(id),
                None => {}
            }
        }
        let starts = |id: &String| {
            notices
                .get(id)
                .and_then(|m: &Arc<Incident>| m.window)
                .map(|w| w.starts)
        };
        upcoming_maintenances.sort_by_key(starts);
        active_maintenances.sort_by_key(starts);

        let last_modified = components
            .iter()
            .map(|c| c.updated_at)
            .chain(notices.values().map(|n| n.updated_at))
            .max()
            .unwrap_or(now);

        Ok(ReadModel {
            now,
            components,
            names,
            by_id,
            history_pages: history_ids
                .chunks(HISTORY_PAGE_SIZE)
                .map(<[String]>::to_vec)
                .collect(),
            notices,
            open_incidents,
            active_maintenances,
            upcoming_maintenances,
            recent_incidents,
            recent_maintenances,
            history_total,
            recently_updated,
            last_modified,
            data_version: store::data_version(conn)?,
            history_versions: store::history_versions(conn)?,
            names_version,
            components_version,
            uptime: Arc::new(uptime),
        })
    }

    /// Whether pages of past notices rendered from `other` are still right for this
    /// model (same notices, names and day); `history` adds the history's order.
    pub fn same_past(&self, other: &ReadModel, tz: chrono_tz::Tz, history: bool) -> bool {
        let today = |m: &ReadModel| m.now.with_timezone(&tz).date_naive();
        self.history_versions.archive == other.history_versions.archive
            && self.names_version == other.names_version
            && today(self) == today(other)
            && (!history || self.history_versions.history == other.history_versions.history)
    }

    /// A model of nothing, for before the first build.
    pub fn empty() -> ReadModel {
        ReadModel {
            now: DateTime::<Utc>::MIN_UTC,
            components: Vec::new(),
            names: HashMap::new(),
            by_id: HashMap::new(),
            notices: HashMap::new(),
            open_incidents: Vec::new(),
            active_maintenances: Vec::new(),
            upcoming_maintenances: Vec::new(),
            recent_incidents: Vec::new(),
            recent_maintenances: Vec::new(),
            history_pages: Vec::new(),
            history_total: 0,
            recently_updated: Vec::new(),
            last_modified: DateTime::<Utc>::MIN_UTC,
            data_version: -1,
            history_versions: HistoryVersions {
                history: -1,
                archive: -1,
            },
            names_version: 0,
            components_version: 0,
            uptime: Arc::new(UptimeModel::empty()),
        }
    }

    pub fn component(&self, id: &ComponentId) -> Option<&Component> {
        self.by_id.get(id).map(|i| &self.components[*i])
    }

    /// Published notices that are not over: open incidents, maintenances in progress,
    /// verifying or scheduled.
    pub fn unclosed(&self) -> impl Iterator<Item = &Incident> {
        self.notices_in(&self.open_incidents)
            .chain(self.notices_in(&self.active_maintenances))
            .chain(self.notices_in(&self.upcoming_maintenances))
    }

    pub fn notices_in<'a>(&'a self, ids: &'a [String]) -> impl Iterator<Item = &'a Incident> + 'a {
        ids.iter()
            .filter_map(|id| self.notices.get(id).map(|n| &**n))
    }

    pub fn name(&self, id: &ComponentId, lang: Lang) -> String {
        self.names
            .get(id)
            .map(|n| n.get(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    }

    /// Members of a group, in display order.
    pub fn members<'a>(
        &'a self,
        group: &'a ComponentId,
    ) -> impl Iterator<Item = &'a Component> + 'a {
        self.components
            .iter()
            .filter(move |c| c.group_id.as_ref() == Some(group))
    }

    /// A component's public status; a group's is the worst of its members.
    pub fn status_of(&self, c: &Component) -> ComponentStatus {
        if c.is_group {
            ComponentStatus::worst(self.members(&c.id).map(|m| m.status))
        } else {
            c.status
        }
    }

    pub fn current_status(&self, id: &ComponentId) -> Option<ComponentStatus> {
        self.component(id).map(|c| self.status_of(c))
    }

    /// The page-wide indicator.
    pub fn indicator(&self) -> Indicator {
        let channels: Vec<ComponentStatus> = self
            .components
            .iter()
            .filter(|c| !c.is_group)
            .map(|c| c.status)
            .collect();
        let impacts: Vec<_> = self
            .notices_in(&self.open_incidents)
            .map(|i| i.impact)
            .collect();
        Indicator::overall(&channels, &impacts, !self.active_maintenances.is_empty())
    }

    /// Suggestions for a notice with each channel's current status (`None`: deleted).
    pub fn suggestions<'a>(&'a self, notice: &'a Incident) -> Vec<SuggestionView<'a>> {
        notice
            .suggestions(|id| {
                self.component(id)
                    .map(|c| c.fallbacks.as_slice())
                    .unwrap_or(&[])
            })
            .into_iter()
            .map(|s| SuggestionView {
                component: s.component,
                instructions: s.instructions,
                status: self.current_status(s.component),
            })
            .collect()
    }

    /// The suggestions customers are pointed to right now: only working channels.
    pub fn recommended<'a>(&'a self, notice: &'a Incident) -> Vec<SuggestionView<'a>> {
        self.suggestions(notice)
            .into_iter()
            .filter(|s| s.status.is_some_and(recommend_now))
            .collect()
    }
}

pub struct SuggestionView<'a> {
    pub component: &'a ComponentId,
    pub instructions: Option<&'a LocalizedText>,
    pub status: Option<ComponentStatus>,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Utc;

    use super::ReadModel;
    use crate::domain::LocalizedText;
    use crate::store::{self, Reader, Store, StoreError};

    #[test]
    fn a_rebuild_reads_only_the_notices_that_changed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Utc::now()).unwrap();
        let ids = store::synthetic::seed_past_incidents(&store, 30, Utc::now()).unwrap();
        let load = |previous: &ReadModel| {
            store
                .read_blocking(Reader::Snapshot, |tx| {
                    ReadModel::load(tx, Utc::now(), chrono_tz::Asia::Seoul, previous)
                })
                .unwrap()
        };
        let first = load(&ReadModel::empty());
        let second = load(&first);
        assert_eq!(second.notices.len(), 30);
        assert!(
            second
                .notices
                .iter()
                .all(|(id, n)| Arc::ptr_eq(n, &first.notices[id])),
            "nothing changed, nothing was read again"
        );

        let edited = &ids[29];
        store
            .write_blocking(|tx| -> Result<(), StoreError> {
                let mut i = store::incident_by_id(tx, edited)?.unwrap().into_record();
                i.title = LocalizedText {
                    ko: "고친 제목".into(),
                    en: None,
                };
                i.revision += 1;
                i.updated_at = Utc::now();
                store::save_incident(tx, &crate::domain::Incident::from_record(i))
            })
            .unwrap();
        let third = load(&second);
        assert_eq!(third.notices[edited].title.ko, "고친 제목");
        assert!(!Arc::ptr_eq(
            &third.notices[edited],
            &second.notices[edited]
        ));
        assert!(
            ids[..29]
                .iter()
                .all(|id| Arc::ptr_eq(&third.notices[id], &second.notices[id]))
        );
    }
}
