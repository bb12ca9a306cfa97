//! `/healthz`: what a load balancer and an operator need to know, as a list of checks.
//! 503 only when the page itself cannot be served right: the database cannot be read,
//! or the live snapshot is too old (the timer stopped rebuilding it). A database that
//! refuses writes is `degraded` with 200: readers still get the last good page, so a
//! load balancer must keep sending them here. Other modules add checks with
//! [`HealthChecks::add`] (the mirror's lag, say).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::store::{self, Reader, Store};

/// How long the database check may take before it counts as failed.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Ok,
    /// Working, with something an operator should look at; still 200.
    Degraded,
    /// The page cannot be served right; 503.
    Fail,
}

/// One check's finding: its name, how it stands, and figures or words about it.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Health,
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl Check {
    pub fn new(name: &'static str, status: Health, details: Value) -> Check {
        let details = match details {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Check {
            name,
            status,
            details,
        }
    }
}

/// A check another module runs at each `/healthz`; it should only read memory.
pub trait HealthCheck: Send + Sync {
    fn check(&self) -> Check;
}

/// The checks modules added.
#[derive(Default)]
pub struct HealthChecks(RwLock<Vec<Arc<dyn HealthCheck>>>);

impl HealthChecks {
    pub fn add(&self, check: Arc<dyn HealthCheck>) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(check);
    }

    fn run(&self) -> Vec<Check> {
        let list = self.0.read().unwrap_or_else(|p| p.into_inner()).clone();
        list.iter().map(|c| c.check()).collect()
    }
}

/// Reads the database (the outbox's backlog: a cheap read on the public lane) within a
/// short time.
pub async fn database(store: &Store) -> (Check, Option<Check>) {
    let read = store.read(Reader::Public, |tx| store::backlog(tx));
    match tokio::time::timeout(DATABASE_TIMEOUT, read).await {
        Ok(Ok(backlog)) => (
            Check::new("database", Health::Ok, json!({})),
            Some(Check::new(
                "outbox",
                Health::Ok,
                json!({
                    "events_to_fan_out": backlog.events,
                    "deliveries_pending": backlog.deliveries,
                }),
            )),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "/healthz cannot read the database");
            (
                Check::new("database", Health::Fail, json!({ "error": e.to_string() })),
                None,
            )
        }
        Err(_) => (
            Check::new(
                "database",
                Health::Fail,
                json!({ "error": format!("no answer within {} s", DATABASE_TIMEOUT.as_secs()) }),
            ),
            None,
        ),
    }
}

/// Writes: refused while the database is at fault, with the reason (the fields the
/// answer has always had).
pub fn writes(store: &Store) -> Check {
    match store.fault() {
        None => Check::new("writes", Health::Ok, json!({})),
        Some(seen) => Check::new(
            "writes",
            Health::Degraded,
            json!({
                "reason": seen.fault.reason(),
                "detail": seen.detail,
                "since": seen.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "writes": "refused until the database recovers; the page shows the last good snapshot",
            }),
        ),
    }
}

pub fn snapshot(age: chrono::Duration, stale_after: chrono::Duration) -> Check {
    let status = if age > stale_after {
        Health::Fail
    } else {
        Health::Ok
    };
    Check::new(
        "snapshot",
        status,
        json!({
            "age_seconds": age.num_seconds(),
            "stale_after_seconds": stale_after.num_seconds(),
        }),
    )
}

/// The answer's status and body. The short form keeps the fields it always had
/// (`status`, `snapshot_age_seconds`, and while writes are refused their reason); it
/// names failing checks; `verbose` adds every check.
pub fn answer(
    mut checks: Vec<Check>,
    added: &HealthChecks,
    snapshot_age: chrono::Duration,
    verbose: bool,
) -> (Health, Value) {
    checks.extend(added.run());
    let overall = checks.iter().map(|c| c.status).max().unwrap_or(Health::Ok);
    let mut body = Map::new();
    body.insert("status".into(), json!(overall));
    body.insert(
        "snapshot_age_seconds".into(),
        json!(snapshot_age.num_seconds()),
    );
    if let Some(writes) = checks
        .iter()
        .find(|c| c.name == "writes" && c.status != Health::Ok)
    {
        body.extend(writes.details.clone());
    }
    let failing: Vec<&str> = checks
        .iter()
        .filter(|c| c.status == Health::Fail)
        .map(|c| c.name)
        .collect();
    if !failing.is_empty() {
        body.insert("failing".into(), json!(failing));
    }
    if verbose {
        body.insert("checks".into(), json!(checks));
    }
    (overall, Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_check_decides_and_degraded_writes_keep_their_fields() {
        let age = chrono::Duration::seconds(5);
        let fine = vec![
            writes_refused(),
            snapshot(age, chrono::Duration::seconds(300)),
        ];
        let (status, body) = answer(fine, &HealthChecks::default(), age, false);
        assert_eq!(status, Health::Degraded);
        assert_eq!(body["status"], "degraded");
        assert_eq!(body["reason"], "disk full");
        assert!(body.get("checks").is_none());

        let stale = vec![snapshot(age, chrono::Duration::seconds(1))];
        let (status, body) = answer(stale, &HealthChecks::default(), age, true);
        assert_eq!(status, Health::Fail);
        assert_eq!(body["failing"], json!(["snapshot"]));
        assert_eq!(body["checks"][0]["name"], "snapshot");
        assert_eq!(body["checks"][0]["status"], "fail");
    }

    fn writes_refused() -> Check {
        Check::new("writes", Health::Degraded, json!({ "reason": "disk full" }))
    }
}
