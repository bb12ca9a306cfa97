//! The webhook fan-out benchmark: one incident posted, 100 webhook endpoints (local
//! receivers, each taking `RECEIVER_MS` to answer); how long until every one has it.
//! The issue's bar: all within 60 s on the 2-core machine.
//!
//! ```sh
//! cargo bench --bench webhook_fanout
//! ENDPOINTS=300 RECEIVER_MS=1000 cargo bench --bench webhook_fanout
//! ```
//!
//! Runs the server in this process (release build), webhooks to 127.0.0.1 allowed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use chrono::Utc;
use paystatus::domain::Scope;
use paystatus::service::{self, Ctx, Who, keys};
use paystatus::{App, Config};
use serde_json::json;

mod support;
use support::{Result, setting};

/// When each receiver got its first request.
type Arrivals = Arc<Mutex<Vec<Option<Instant>>>>;

#[tokio::main]
async fn main() -> Result {
    let endpoints = setting("ENDPOINTS", 100)? as usize;
    let receiver_ms = setting("RECEIVER_MS", 200)?;
    let dir = tempfile::tempdir()?;
    let mut config = Config::for_tests(dir.path().to_path_buf());
    config.webhook_allow_private = true;
    let app = App::build(config).await?;
    let base = format!("{}/api/admin/v1", app.base_url());
    let store = app.handle().store().clone();
    tokio::spawn(app.run());
    let scopes = [Scope::Incidents, Scope::Components];
    let key = store.write_blocking(|tx| {
        let ctx = Ctx::at(Utc::now(), Who::cli());
        service::execute(tx, &ctx, |tx, ctx| keys::create(tx, ctx, "bench", &scopes))
    })?;
    let client = reqwest::Client::new();

    let arrivals: Arrivals = Arc::new(Mutex::new(vec![None; endpoints]));
    for n in 0..endpoints {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/", listener.local_addr()?);
        let state = (arrivals.clone(), n, Duration::from_millis(receiver_ms));
        let receiver = Router::new()
            .route("/", axum::routing::post(arrive))
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, receiver).await });
        let hook = json!({ "url": url, "events": ["incident.created"] });
        let r = client
            .post(format!("{base}/webhooks"))
            .bearer_auth(&key.secret)
            .json(&hook)
            .send()
            .await?;
        if r.status() != reqwest::StatusCode::CREATED {
            return Err(format!("cannot make an endpoint: {}", r.text().await?).into());
        }
    }

    let incident = json!({ "title": "카드 결제 지연", "message": "일부 카드 결제가 지연됩니다.", "components": { "card": "major_outage" } });
    let started = Instant::now();
    let r = client
        .post(format!("{base}/incidents"))
        .bearer_auth(&key.secret)
        .json(&incident)
        .send()
        .await?;
    let acknowledged = started.elapsed();
    if r.status() != reqwest::StatusCode::CREATED {
        return Err(format!("cannot post the incident: {}", r.text().await?).into());
    }
    let deadline = started + Duration::from_secs(120);
    let (first, last) = loop {
        let times: Vec<Option<Instant>> = arrivals.lock().map_err(|_| "poisoned")?.clone();
        if times.iter().all(Option::is_some) {
            let mut t: Vec<Duration> = times.into_iter().flatten().map(|t| t - started).collect();
            t.sort();
            break (t[0], t[t.len() - 1]);
        }
        if Instant::now() > deadline {
            let got = times.iter().filter(|t| t.is_some()).count();
            return Err(format!("only {got} of {endpoints} endpoints got it in 120 s").into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    println!(
        "| endpoints | receiver answers in | write acknowledged | first received | all received |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| {endpoints} | {receiver_ms} ms | {:.0} ms | {:.0} ms | {:.2} s |",
        acknowledged.as_secs_f64() * 1000.0,
        first.as_secs_f64() * 1000.0,
        last.as_secs_f64()
    );
    Ok(())
}

async fn arrive(State((arrivals, n, wait)): State<(Arrivals, usize, Duration)>) -> &'static str {
    if let Ok(mut a) = arrivals.lock() {
        a[n].get_or_insert_with(Instant::now);
    }
    tokio::time::sleep(wait).await;
    "ok"
}
