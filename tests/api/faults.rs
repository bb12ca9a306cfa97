//! Database trouble, as an operator and a reader live it: a database locked by another
//! process, a full disk, a maintenance window that cannot move. Writes are refused with
//! 503 and `Retry-After`, nothing is half-written, the page keeps being served, `/healthz`
//! says why, and everything recovers without a restart.

use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn database_path(app: &TestApp) -> std::path::PathBuf {
    app.data_dir.path().join(paystatus::store::DATABASE_FILE)
}

async fn health(app: &TestApp) -> TestResult<Value> {
    expect_json(app.get("/healthz").await?, StatusCode::OK).await
}

async fn metric(app: &TestApp, name: &str) -> TestResult<f64> {
    let text = app.get("/metrics").await?.text().await?;
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .ok_or_else(|| format!("no {name} in /metrics:\n{text}"))?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or("a metric line without a value")?
        .parse()?)
}

/// A 503 problem that tells the operator to send the write again later.
async fn expect_unavailable(r: reqwest::Response, reason: &str) -> TestResult<Value> {
    let retry_after: u64 = header(&r, "retry-after")
        .parse()
        .map_err(|e| format!("Retry-After must be seconds: {e}"))?;
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let problem = expect_problem(r, StatusCode::SERVICE_UNAVAILABLE, None).await?;
    assert_eq!(
        problem["type"], "/problems/database-unavailable",
        "{problem}"
    );
    let detail = string(&problem["detail"])?;
    assert!(
        detail.contains(reason) && detail.contains("nothing was changed"),
        "{detail}"
    );
    Ok(problem)
}

#[tokio::test]
async fn a_database_locked_by_another_process_refuses_writes_then_recovers() -> TestResult {
    let app = spawn_app().await;
    let before = app.stored_state().await?;
    assert_eq!(health(&app).await?["status"], "ok");

    // Another process (a careless sqlite3 shell, a backup tool) takes the write lock.
    let holder = rusqlite::Connection::open(database_path(&app))?;
    holder.execute_batch("BEGIN EXCLUSIVE")?;

    let sent = Instant::now();
    let r = app.create_incident(&card_outage()).await?;
    eprintln!(
        "a write against a locked database was answered in {:?}",
        sent.elapsed()
    );
    expect_unavailable(r, "locked").await?;

    // Readers are served the last good page meanwhile.
    assert_eq!(app.get("/").await?.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v2/summary.json").await?.status(),
        StatusCode::OK
    );
    let h = health(&app).await?;
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(string(&h["reason"])?.contains("locked"), "{h}");
    assert_eq!(metric(&app, "paystatus_database_degraded").await?, 1.0);
    assert!(metric(&app, "paystatus_database_faults_total").await? >= 1.0);

    // The other process lets go: the timer's probe finds out, without an operator.
    holder.execute_batch("ROLLBACK")?;
    drop(holder);
    app.tick().await?;
    assert_eq!(health(&app).await?["status"], "ok");
    assert_eq!(metric(&app, "paystatus_database_degraded").await?, 0.0);
    assert_eq!(
        app.stored_state().await?,
        before,
        "the refused write left nothing"
    );

    let created = app.create_incident_ok(&card_outage()).await?;
    assert_eq!(created["status"], "investigating");
    Ok(())
}

#[tokio::test]
async fn a_full_disk_refuses_writes_and_nothing_is_half_written() -> TestResult {
    let app = spawn_app().await;
    app.create_incident_ok(&incident_titled("before the disk filled"))
        .await?;

    // The database may not grow any more: SQLite answers SQLITE_FULL, exactly as when
    // the disk is full.
    let store = app.handle().store().clone();
    let limit = |pages: Option<i64>| {
        let store = store.clone();
        move || {
            store.write_blocking(|tx| {
                let pages = match pages {
                    Some(n) => n,
                    None => tx.query_row("PRAGMA page_count", [], |r| r.get(0))?,
                };
                tx.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                    r.get::<_, i64>(0)
                })?;
                Ok::<_, paystatus::store::StoreError>(())
            })
        }
    };
    tokio::task::spawn_blocking(limit(None)).await??;

    // Writes go on until the database has to grow; each is whole or refused.
    let long = "카드 결제가 지연되고 있습니다. ".repeat(200);
    let mut refused = None;
    for n in 0..200 {
        let before = app.stored_state().await?;
        let body = json!({ "title": format!("growing #{n}"), "message": long, "components": {"card": "major_outage"} });
        let r = app.create_incident(&body).await?;
        match r.status() {
            StatusCode::CREATED => continue,
            _ => {
                expect_unavailable(r, "disk").await?;
                assert_eq!(app.stored_state().await?, before, "nothing half-written");
                refused = Some(n);
                break;
            }
        }
    }
    let refused = refused.ok_or("the database never filled up")?;
    eprintln!("the disk filled at write #{refused}");
    let h = health(&app).await?;
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(string(&h["reason"])?.contains("disk"), "{h}");
    assert_eq!(app.get("/").await?.status(), StatusCode::OK);

    // Space is freed: the next write goes through, and health follows.
    tokio::task::spawn_blocking(limit(Some(1 << 30))).await??;
    let body = json!({ "title": "after the disk was freed", "message": long });
    app.create_incident_ok(&body).await?;
    assert_eq!(health(&app).await?["status"], "ok");
    let titles: Vec<String> = items(&app.list_incidents().await?)
        .iter()
        .map(|i| i["title"]["ko"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        !titles.contains(&format!("growing #{refused}")),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"after the disk was freed".to_string()),
        "{titles:?}"
    );
    Ok(())
}

/// Makes every change to one maintenance fail, as a damaged row or a refused write would.
fn break_maintenance(app: &TestApp, id: &str) -> TestResult {
    let sql = format!(
        "CREATE TRIGGER injected_fault BEFORE UPDATE ON incidents WHEN OLD.id = '{id}'
         BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
    );
    app.handle().store().write_blocking(|tx| {
        tx.execute_batch(&sql)?;
        Ok::<_, paystatus::store::StoreError>(())
    })?;
    Ok(())
}

fn mend_maintenance(app: &TestApp) -> TestResult {
    app.handle().store().write_blocking(|tx| {
        tx.execute_batch("DROP TRIGGER injected_fault")?;
        Ok::<_, paystatus::store::StoreError>(())
    })?;
    Ok(())
}

#[tokio::test]
async fn a_maintenance_that_cannot_move_does_not_stop_the_clock() -> TestResult {
    let mut app = spawn_app().await;
    let broken = app.create_maintenance_ok(&bank_maintenance()).await?;
    let broken = string(&broken["id"])?;
    let mut other = bank_maintenance();
    other["title"] = json!("휴대폰 결제 점검");
    other["components"] = json!(["mobile"]);
    let other = string(&app.create_maintenance_ok(&other).await?["id"])?;
    break_maintenance(&app, &broken)?;

    // Midnight passes: both windows are due, one cannot move.
    app.clock.advance(chrono::Duration::hours(10));
    let e = app
        .tick()
        .await
        .expect_err("the failure is reported")
        .to_string();
    assert!(e.contains(&broken) && e.contains("injected fault"), "{e}");
    assert_eq!(app.maintenance_status(&other).await?, "in_progress");
    assert_eq!(app.maintenance_status(&broken).await?, "scheduled");
    assert_eq!(app.component_status("mobile").await?, "under_maintenance");
    assert_eq!(
        metric(&app, "paystatus_maintenance_transition_failures_total").await?,
        1.0
    );
    // The page was rebuilt all the same: it shows the time of this tick.
    let age = health(&app).await?["snapshot_age_seconds"].clone();
    assert_eq!(age, json!(0), "the snapshot was rebuilt at this tick");

    // A restart with the broken row still due starts all the same.
    app.restart().await?;
    assert_eq!(app.get("/").await?.status(), StatusCode::OK);
    assert_eq!(app.maintenance_status(&broken).await?, "scheduled");

    // Mended, the next tick moves it: it was retried, not dropped.
    mend_maintenance(&app)?;
    app.tick().await?;
    assert_eq!(app.maintenance_status(&broken).await?, "in_progress");
    assert_eq!(
        app.component_status("bank-transfer").await?,
        "under_maintenance"
    );
    Ok(())
}
