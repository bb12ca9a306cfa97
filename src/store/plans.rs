//! The query-plan test: every query on a table that grows with history must be answered
//! through an index in its own order. `EXPLAIN QUERY PLAN` of each one may not `SCAN` a
//! growing table nor sort in a temporary b-tree.

use chrono::{Duration, Utc};

use super::{Reader, Store, StoreError};

/// The queries the triggers of migration 2 run on every write that changes the history.
const TRIGGER_QUERIES: &[(&str, &str)] = &[
    (
        "history_nearest_older",
        "SELECT history_rank FROM incidents
         WHERE history_rank IS NOT NULL AND (created_at, id) < (?1, ?2)
         ORDER BY created_at DESC, id DESC LIMIT 1",
    ),
    (
        "history_shift",
        "UPDATE incidents SET history_rank = history_rank + 1 WHERE history_rank > ?1",
    ),
];

/// Tables that stay small whatever happens (the catalogue, keys, settings, the channels
/// held for flapping right now).
const SMALL_TABLES: &[&str] = &["components", "api_keys", "meta", "damped_components"];

fn plan(conn: &rusqlite::Connection, sql: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    // Plans do not depend on the values; every parameter is NULL.
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    let rows = stmt
        .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Partial indexes: a search on `kind` alone reads only the few rows they hold.
const PARTIAL_INDEXES: &[&str] = &["incidents_unclosed", "incidents_open_maintenance"];

/// Why a plan step of `sql` is not acceptable, if it is not.
fn objection(sql: &str, step: &str) -> Option<&'static str> {
    if step.contains("USE TEMP B-TREE") {
        return Some("sorts in a temporary b-tree");
    }
    // `kind` has two values: searching a whole index by it reads half of all notices,
    // unless the index is partial or the query stops after LIMIT rows.
    if step.starts_with("SEARCH ")
        && step.ends_with("(kind=?)")
        && !sql.contains("LIMIT")
        && !PARTIAL_INDEXES
            .iter()
            .any(|i| step.contains(&format!("INDEX {i} ")))
    {
        return Some("reads every notice of a kind");
    }
    let scanned = step.strip_prefix("SCAN ")?;
    let table = scanned.split_whitespace().next().unwrap_or("");
    let fine = SMALL_TABLES.contains(&table)
        // The list of ids a batch load was given.
        || table == "json_each"
        || scanned.starts_with("CONSTANT ROW")
        // Walking an index in the list's own order and stopping after LIMIT rows reads
        // only what it returns (the newest N).
        || (scanned.contains(" USING ") && scanned.contains(" INDEX ") && sql.contains("LIMIT"));
    (!fine).then_some("scans a table that grows with history")
}

#[test]
fn every_hot_query_reads_through_an_index_in_its_own_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Utc::now()).unwrap();
    // Enough rows that a careless plan would show; the planner has no statistics, as in
    // production (nothing runs ANALYZE).
    super::synthetic::seed_past_incidents(&store, 300, Utc::now() - Duration::days(1)).unwrap();

    let queries = super::incidents::QUERIES
        .iter()
        .chain(super::notice_lists::QUERIES)
        .chain(super::components::QUERIES)
        .chain(super::audit::QUERIES)
        .chain(super::idempotency::QUERIES)
        .chain(super::people::QUERIES)
        .chain(super::alerts::QUERIES)
        .chain(super::status_history::QUERIES)
        .chain(super::incident_reports::QUERIES)
        .chain(TRIGGER_QUERIES);
    let mut failures = Vec::new();
    store
        .read_blocking(Reader::Operator, |tx| -> Result<(), StoreError> {
            for (name, sql) in queries {
                let steps = plan(tx, sql)?;
                for step in &steps {
                    if let Some(why) = objection(sql, step) {
                        failures.push(format!("{name} {why}: {step}\n  plan: {steps:?}"));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_plan_check_objects_to_scans_and_sorts() {
    let q = "SELECT id FROM incidents";
    assert!(objection(q, "SCAN incidents").is_some());
    assert!(objection(q, "SCAN i").is_some());
    assert!(objection(q, "SCAN incidents USING INDEX incidents_by_updated").is_some());
    assert!(objection(q, "USE TEMP B-TREE FOR ORDER BY").is_some());
    let limited = "SELECT id FROM incidents ORDER BY updated_at DESC LIMIT 50";
    assert!(objection(limited, "SCAN incidents USING INDEX incidents_by_updated").is_none());
    assert!(objection(limited, "SCAN incidents").is_some());
    assert!(
        objection(
            q,
            "SEARCH incidents USING INDEX incidents_history (history_rank>?)"
        )
        .is_none()
    );
    assert!(objection(q, "SCAN json_each VIRTUAL TABLE INDEX 1:").is_none());
    assert!(objection(q, "SEARCH i USING INDEX incidents_by_kind_started (kind=?)").is_some());
    assert!(objection(q, "SEARCH i USING INDEX incidents_unclosed (kind=?)").is_none());
    assert!(
        objection(
            limited,
            "SEARCH incidents USING INDEX incidents_by_kind_created (kind=?)"
        )
        .is_none()
    );
    assert!(objection(q, "SCAN components").is_none());
}
