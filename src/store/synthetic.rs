//! A long, realistic past for benchmarks and tests: resolved incidents made by the domain
//! rules and written by the same `save_incident` the server uses, many to a transaction,
//! so 100,000 of them take seconds rather than the hours the HTTP API would.

use chrono::{DateTime, Duration, Utc};

use super::{Store, StoreResult, catalog, save_incident};
use crate::domain::{
    AffectedComponent, ComponentStatus, Incident, IncidentDraft, Kind, LocalizedText, Status,
    UpdateDraft, new_id,
};

/// Notices written per transaction: big enough to be fast, small enough to keep the
/// write-ahead log small.
const BATCH: usize = 5_000;

/// What went wrong, kept apart from database errors: the domain refused a made-up notice.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] super::StoreError),
    #[error("the domain refused a synthetic incident: {0}")]
    Domain(String),
    #[error("there is no payment channel to make incidents about")]
    NoChannels,
}

/// Writes `count` resolved incidents, evenly spaced over the ten years before `until`
/// (oldest first), each about one payment channel, with two updates (investigating, then
/// resolved after 20 to 80 minutes). Component statuses stay as they are: all of this is
/// over. Returns the ids, oldest first.
pub fn seed_past_incidents(
    store: &Store,
    count: usize,
    until: DateTime<Utc>,
) -> Result<Vec<String>, SeedError> {
    let catalog = store.write_blocking(|tx| catalog(tx, None))?;
    let mut channels: Vec<_> = catalog
        .statuses
        .keys()
        .filter(|id| !catalog.groups.contains(*id))
        .cloned()
        .collect();
    channels.sort();
    if channels.is_empty() {
        return Err(SeedError::NoChannels);
    }
    let span = Duration::days(3650);
    let step = (span / count.max(1) as i32).max(Duration::seconds(1));
    let first = until - step * count as i32;
    let severities = [
        ComponentStatus::MajorOutage,
        ComponentStatus::PartialOutage,
        ComponentStatus::DegradedPerformance,
    ];

    let mut ids = Vec::with_capacity(count);
    let mut made = 0;
    while made < count {
        let batch = (count - made).min(BATCH);
        let incidents = (made..made + batch)
            .map(|n| {
                let channel = &channels[n % channels.len()];
                let started = first + step * n as i32;
                let draft = IncidentDraft {
                    kind: Kind::Incident,
                    title: LocalizedText {
                        ko: format!("{channel} 결제 지연 #{}", n + 1),
                        en: Some(format!("{channel} payments delayed #{}", n + 1)),
                    },
                    message: LocalizedText {
                        ko: "일부 결제가 지연되고 있습니다. 원인을 확인하고 있습니다.".into(),
                        en: Some("Some payments are delayed. We are looking into it.".into()),
                    },
                    status: None,
                    impact: None,
                    components: vec![AffectedComponent {
                        id: channel.clone(),
                        status: severities[n % severities.len()],
                    }],
                    eta: None,
                    next_update: None,
                    alternatives: Vec::new(),
                    started_at: None,
                    draft: false,
                    drill: false,
                    window: None,
                    auto_transition: false,
                };
                let (mut incident, _) =
                    Incident::create(draft, new_id(), new_id(), started, &catalog).map_err(
                        |errors| {
                            SeedError::Domain(
                                errors
                                    .into_iter()
                                    .map(|e| e.message)
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            )
                        },
                    )?;
                let resolved = UpdateDraft {
                    message: Some(LocalizedText {
                        ko: "결제가 정상화되었습니다. 불편을 드려 죄송합니다.".into(),
                        en: Some("Payments are back to normal. We are sorry.".into()),
                    }),
                    status: Some(Status::Resolved),
                    ..Default::default()
                };
                let took = Duration::minutes(20 + (n % 61) as i64);
                incident
                    .post_update(resolved, new_id(), started + took, &catalog)
                    .map_err(|e| SeedError::Domain(e.0))?;
                Ok(incident)
            })
            .collect::<Result<Vec<Incident>, SeedError>>()?;
        store.write_blocking(|tx| -> StoreResult<()> {
            for i in &incidents {
                save_incident(tx, i)?;
            }
            Ok(())
        })?;
        ids.extend(incidents.into_iter().map(|i| i.id.clone()));
        made += batch;
    }
    Ok(ids)
}
