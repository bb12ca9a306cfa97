//! The live mirror: after each snapshot swap, the objects whose ETag changed are
//! uploaded, then the manifest, then what the site no longer has is deleted. Its own
//! task, holding nothing the server needs: a slow or failing bucket only makes the
//! mirror fall behind (shown in `/healthz` and `/metrics`), retried with backoff.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::StreamExt;
use tokio::sync::watch;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use super::bucket::{Bucket, BucketError};
use super::manifest::Manifest;
use super::surface::surface;
use crate::domain::Lang;
use crate::snapshot::{BuildError, Doc, Publisher};
use crate::web::Site;
use crate::web::health::{Check, Health, HealthCheck};

/// Uploads in flight at once: an object store takes many side by side, and one update
/// changes a few hundred objects once there are 100 recent closed notices (their JSON
/// names the page's last update).
const CONCURRENCY: usize = 16;
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(60);
/// Behind longer than this, `/healthz` calls the mirror degraded.
const BEHIND: f64 = 60.0;

#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error(transparent)]
    Bucket(#[from] BucketError),
    #[error("the public surface could not be read: {0}")]
    Surface(#[from] BuildError),
}

/// How the mirror is doing, for `/healthz` and `/metrics`.
#[derive(Debug, Default)]
pub struct MirrorStatus {
    state: Mutex<State>,
    pub uploads: AtomicU64,
    pub deletes: AtomicU64,
    pub failures: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    /// Since when a live snapshot has not been in the bucket; `None` when caught up.
    behind_since: Option<Instant>,
    last_error: Option<String>,
    last_synced: Option<DateTime<Utc>>,
    objects: usize,
}

/// A copy of the mirror's state at one moment.
#[derive(Debug, Clone)]
pub struct MirrorReport {
    pub lag_seconds: f64,
    pub last_error: Option<String>,
    pub last_synced: Option<DateTime<Utc>>,
    pub objects: usize,
    pub uploads: u64,
    pub deletes: u64,
    pub failures: u64,
}

impl MirrorReport {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "lag_seconds": (self.lag_seconds * 1000.0).round() / 1000.0,
            "objects": self.objects,
            "last_synced": self.last_synced.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            "last_error": self.last_error,
        })
    }
}

impl MirrorStatus {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut state)
    }

    pub fn report(&self) -> MirrorReport {
        let (behind, last_error, last_synced, objects) = self.with(|s| {
            (
                s.behind_since,
                s.last_error.clone(),
                s.last_synced,
                s.objects,
            )
        });
        MirrorReport {
            lag_seconds: behind.map_or(0.0, |t| t.elapsed().as_secs_f64()),
            last_error,
            last_synced,
            objects,
            uploads: self.uploads.load(Ordering::Relaxed),
            deletes: self.deletes.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }

    fn behind(&self) {
        self.with(|s| {
            s.behind_since.get_or_insert_with(Instant::now);
        });
    }

    fn failed(&self, error: &SyncError) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        self.with(|s| s.last_error = Some(error.to_string()));
    }

    fn synced(&self, objects: usize, caught_up: bool) {
        self.with(|s| {
            s.last_error = None;
            s.last_synced = Some(Utc::now());
            s.objects = objects;
            if caught_up {
                s.behind_since = None;
            } else {
                // A newer snapshot came while this one went up: behind from now.
                s.behind_since = Some(Instant::now());
            }
        });
    }
}

/// `paystatus_mirror_*` in `/metrics`.
impl Collector for MirrorStatus {
    fn encode(&self, mut e: DescriptorEncoder) -> std::fmt::Result {
        let r = self.report();
        e.encode_descriptor(
            "paystatus_mirror_lag_seconds",
            "Seconds since the oldest live snapshot not yet in the bucket; 0 when caught up",
            None,
            MetricType::Gauge,
        )?
        .encode_gauge(&r.lag_seconds)?;
        e.encode_descriptor(
            "paystatus_mirror_objects",
            "Objects the bucket holds for the site after the last complete pass",
            None,
            MetricType::Gauge,
        )?
        .encode_gauge(&(r.objects as i64))?;
        e.encode_descriptor(
            "paystatus_mirror_last_synced_timestamp_seconds",
            "When the bucket last matched a live snapshot (0: not yet)",
            None,
            MetricType::Gauge,
        )?
        .encode_gauge(&r.last_synced.map_or(0, |t| t.timestamp()))?;
        for (name, help, value) in [
            (
                "paystatus_mirror_uploads",
                "Objects uploaded to the bucket",
                r.uploads,
            ),
            (
                "paystatus_mirror_deletes",
                "Objects deleted from the bucket because the site no longer has them",
                r.deletes,
            ),
            (
                "paystatus_mirror_failures",
                "Mirror passes that failed (retried with backoff)",
                r.failures,
            ),
        ] {
            e.encode_descriptor(name, help, None, MetricType::Counter)?
                .encode_counter::<NoLabelSet, _, u64>(&value, None)?;
        }
        Ok(())
    }
}

/// `mirror` in `/healthz`: degraded (still 200: the origin serves) while the bucket
/// fails or lags more than a minute behind.
impl HealthCheck for MirrorStatus {
    fn check(&self) -> Check {
        let r = self.report();
        let status = if r.last_error.is_some() || r.lag_seconds > BEHIND {
            Health::Degraded
        } else {
            Health::Ok
        };
        Check::new("mirror", status, r.to_json())
    }
}

pub struct Mirror {
    pub publisher: Arc<Publisher>,
    pub site: Site,
    pub default_lang: Lang,
    pub bucket: Arc<Bucket>,
    pub status: Arc<MirrorStatus>,
}

impl Mirror {
    /// Runs until `stop` turns true. The first pass reconciles the bucket with the live
    /// snapshot (whatever happened while we were down); each later one uploads a swap.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut swaps = self.publisher.watch_swaps();
        let mut known: Option<HashMap<String, String>> = None;
        let mut retry = FIRST_RETRY;
        self.status.behind();
        loop {
            let seen = *swaps.borrow_and_update();
            match self.pass(&mut known).await {
                Ok(objects) => {
                    retry = FIRST_RETRY;
                    self.status.synced(objects, *swaps.borrow() == seen);
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?retry, "the mirror could not update the bucket; the origin serves on");
                    self.status.failed(&e);
                    tokio::select! {
                        () = tokio::time::sleep(retry) => {}
                        _ = stop.wait_for(|s| *s) => return,
                    }
                    retry = (retry * 2).min(LAST_RETRY);
                    continue;
                }
            }
            tokio::select! {
                changed = swaps.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    self.status.behind();
                }
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }

    /// One pass: returns the number of objects the bucket holds for the site.
    async fn pass(&self, known: &mut Option<HashMap<String, String>>) -> Result<usize, SyncError> {
        let first = known.is_none();
        let known = match known {
            Some(k) => k,
            None => known.insert(self.bucket.inventory().await?),
        };
        let site = surface(&self.publisher, &self.site.assets, self.default_lang).await?;
        // New objects first (an incident's page), then changed ones (the pages linking
        // to it): a reader never follows a link into a page not yet there. Of the
        // changed, closed notices' last: their JSON changes with every write (it names
        // the page's last update) and readers reach them least.
        let (new, changed): (Vec<_>, Vec<_>) = site
            .files
            .iter()
            .filter(|(path, doc)| known.get(*path) != Some(&doc.etag))
            .partition(|(path, _)| !known.contains_key(*path));
        let (old, live): (Vec<_>, Vec<_>) = changed
            .into_iter()
            .partition(|(path, _)| site.archived.contains(*path));
        let gone: Vec<String> = known
            .keys()
            .filter(|path| !site.files.contains_key(*path))
            .cloned()
            .collect();
        // A rebuild that changed no document (the timer's, mostly) costs no request.
        let anything =
            first || !gone.is_empty() || !(new.is_empty() && live.is_empty() && old.is_empty());
        for wave in [new, live, old] {
            self.upload(wave, known).await?;
        }
        if anything {
            self.bucket
                .put_manifest(&Manifest::of(&site, now_text()))
                .await?;
        }
        for path in gone {
            self.bucket.delete(&path).await?;
            known.remove(&path);
            self.status.deletes.fetch_add(1, Ordering::Relaxed);
        }
        Ok(site.files.len())
    }

    async fn upload(
        &self,
        wave: Vec<(&String, &Arc<Doc>)>,
        known: &mut HashMap<String, String>,
    ) -> Result<(), SyncError> {
        // Owned, so the uploads running side by side borrow nothing from this pass.
        let jobs: Vec<(String, Arc<Doc>, Arc<Bucket>)> = wave
            .into_iter()
            .map(|(path, doc)| (path.clone(), doc.clone(), self.bucket.clone()))
            .collect();
        let mut results = futures_util::stream::iter(jobs)
            .map(put_one)
            .buffer_unordered(CONCURRENCY);
        let mut first_error = None;
        while let Some(result) = results.next().await {
            match result {
                Ok((path, etag)) => {
                    known.insert(path, etag);
                    self.status.uploads.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

async fn put_one(
    (path, doc, bucket): (String, Arc<Doc>, Arc<Bucket>),
) -> Result<(String, String), BucketError> {
    bucket.put(&path, &doc).await?;
    Ok((path, doc.etag.clone()))
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}
