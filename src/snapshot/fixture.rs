//! A small world for the snapshot's unit tests: the seeded payment channels in a temporary
//! database, notices made by the domain rules and written by the store functions the
//! server uses, and a read model taken at a fixed "now" (14:05 KST, 25 Nov 2026), so
//! rendered times never depend on the day the tests run.

use std::cell::Cell;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::Settings;
use super::model::ReadModel;
use crate::domain::{
    AffectedComponent, Alternative, ComponentId, ComponentStatus, Incident, IncidentDraft,
    IncidentRecord, Kind, Lang, LocalizedText, MaintenanceWindow, UpdateDraft,
};
use crate::store::{self, Reader, Store, StoreError};

pub struct World {
    _dir: tempfile::TempDir,
    store: Store,
    pub now: DateTime<Utc>,
    /// Notice and update ids are counted, not random, so documents are reproducible.
    ids: Cell<u32>,
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().expect("a temporary directory for the test database");
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 5, 5, 0).unwrap();
        let store = Store::open(dir.path(), now - Duration::days(30))
            .expect("the test database opens and seeds");
        World {
            _dir: dir,
            store,
            now,
            ids: Cell::new(0),
        }
    }

    /// `minutes` from now (negative: ago).
    pub fn at(&self, minutes: i64) -> DateTime<Utc> {
        self.now + Duration::minutes(minutes)
    }

    fn next_id(&self) -> String {
        self.ids.set(self.ids.get() + 1);
        // The shape of a notice id: 12 lowercase base-36 characters.
        format!("fixture{:05}", self.ids.get())
    }

    /// Publishes a notice made from `draft` at `at`; returns its id.
    pub fn create(&self, draft: IncidentDraft, at: DateTime<Utc>) -> String {
        let (id, update_id) = (self.next_id(), self.next_id());
        self.store
            .write_blocking(|tx| -> Result<String, StoreError> {
                let catalog = store::catalog(tx, None)?;
                let (incident, changes) = Incident::create(draft, id, update_id, at, &catalog)
                    .unwrap_or_else(|e| panic!("the domain refused the fixture's notice: {e:?}"));
                store::save_incident(tx, &incident)?;
                let cause = crate::domain::StatusCause::Incident(incident.id.clone());
                store::apply_component_changes(tx, &changes, &cause, at)?;
                Ok(incident.id.clone())
            })
            .expect("the fixture's notice is written")
    }

    /// Posts an update on notice `id` at `at`.
    pub fn update(&self, id: &str, update: UpdateDraft, at: DateTime<Utc>) {
        let update_id = self.next_id();
        self.store
            .write_blocking(|tx| -> Result<(), StoreError> {
                let catalog = store::catalog(tx, Some(id))?;
                let mut incident = store::incident_by_id(tx, id)?
                    .unwrap_or_else(|| panic!("no notice {id} in the fixture"));
                let changes = incident
                    .post_update(update, update_id, at, &catalog)
                    .unwrap_or_else(|e| panic!("the domain refused the fixture's update: {e:?}"));
                store::save_incident(tx, &incident)?;
                let cause = crate::domain::StatusCause::Incident(incident.id.clone());
                store::apply_component_changes(tx, &changes, &cause, at)
            })
            .expect("the fixture's update is written");
    }

    /// Changes notice `id` outside the timeline (as an operator's PATCH does).
    pub fn edit(&self, id: &str, change: impl FnOnce(&mut IncidentRecord)) {
        self.store
            .write_blocking(|tx| -> Result<(), StoreError> {
                let mut record = store::incident_by_id(tx, id)?
                    .unwrap_or_else(|| panic!("no notice {id} in the fixture"))
                    .into_record();
                change(&mut record);
                record.revision += 1;
                store::save_incident(tx, &Incident::from_record(record))
            })
            .expect("the fixture's edit is written");
    }

    /// Notice `id` as stored, public or not.
    pub fn notice(&self, id: &str) -> Incident {
        self.store
            .read_blocking(Reader::Operator, |tx| store::incident_by_id(tx, id))
            .expect("the fixture's notice reads")
            .unwrap_or_else(|| panic!("no notice {id} in the fixture"))
    }

    /// What the snapshot would be built from now.
    pub fn model(&self) -> ReadModel {
        self.store
            .read_blocking(Reader::Snapshot, |tx| {
                ReadModel::load(tx, self.now, settings().timezone, &ReadModel::empty())
            })
            .expect("the fixture's model loads")
    }
}

pub fn settings() -> Settings {
    Settings {
        site_name: "페이상태".into(),
        base_url: "https://status.example.com".into(),
        timezone: chrono_tz::Asia::Seoul,
        default_lang: Lang::Ko,
        css_url: "/assets/style.css".into(),
        embed_css_url: "/assets/embed-frame.css".into(),
        embed_js_url: "/assets/embed-frame.js".into(),
        subscriptions: false,
    }
}

pub fn text(ko: &str, en: &str) -> LocalizedText {
    LocalizedText::plain(ko, en)
}

pub fn channel(id: &str) -> ComponentId {
    ComponentId::parse(id, "id").expect("a seeded channel id")
}

/// An incident about `components` (each at its status), published now.
pub fn incident(title: &str, components: &[(&str, ComponentStatus)]) -> IncidentDraft {
    IncidentDraft {
        kind: Kind::Incident,
        title: text(title, &format!("{title} (en)")),
        message: text("확인하고 있습니다.", "We are looking into it."),
        status: None,
        impact: None,
        components: components
            .iter()
            .map(|(id, status)| AffectedComponent {
                id: channel(id),
                status: *status,
            })
            .collect(),
        eta: None,
        next_update: None,
        alternatives: Vec::new(),
        started_at: None,
        draft: false,
        drill: false,
        window: None,
        auto_transition: false,
    }
}

/// A maintenance of `components` in the window `starts`..`ends`.
pub fn maintenance(
    title: &str,
    components: &[&str],
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> IncidentDraft {
    IncidentDraft {
        kind: Kind::Maintenance,
        window: Some(
            MaintenanceWindow::new(starts, ends).expect("the window ends after it starts"),
        ),
        message: text("정기 점검이 있습니다.", "Routine maintenance."),
        ..incident(
            title,
            &components
                .iter()
                .map(|id| (*id, ComponentStatus::UnderMaintenance))
                .collect::<Vec<_>>(),
        )
    }
}

pub fn alternative(id: &str, instructions: Option<LocalizedText>) -> Alternative {
    Alternative {
        component: channel(id),
        instructions,
    }
}

/// An update with only a message.
pub fn message(ko: &str, en: &str) -> UpdateDraft {
    UpdateDraft {
        message: Some(text(ko, en)),
        ..Default::default()
    }
}
