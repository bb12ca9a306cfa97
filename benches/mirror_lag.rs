//! The bucket mirror's lag: from an admin write acknowledged to the changed page being in
//! the bucket, and how many objects one ordinary update uploads, against moto's S3
//! server (`.ci/venv/bin/moto_server`, installed by `.ci/run`).
//!
//! ```sh
//! cargo bench --bench mirror_lag
//! PAST=100000 UPDATES=50 cargo bench --bench mirror_lag
//! ```
//!
//! Runs the server in this process (release build); `PAST` closed notices are seeded
//! through the store first.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::Utc;
use paystatus::domain::Scope;
use paystatus::service::{self, Ctx, Who, keys};
use paystatus::{App, Config};
use serde_json::json;

mod support;
use support::{Result, free_port, setting};

const BUCKET: &str = "status-mirror";

#[tokio::main]
async fn main() -> Result {
    let past = setting("PAST", 1000)? as usize;
    let updates = setting("UPDATES", 20)? as usize;
    let http = reqwest::Client::new();

    let moto_bin =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/moto_server");
    let moto_port = free_port()?;
    let _moto = tokio::process::Command::new(&moto_bin)
        .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e} (run .ci/run first)", moto_bin.display()))?;
    let moto = format!("http://127.0.0.1:{moto_port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http
        .put(format!("{moto}/{BUCKET}"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        if Instant::now() > deadline {
            return Err("moto did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": "*", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{BUCKET}/*")}]});
    http.put(format!("{moto}/{BUCKET}?policy"))
        .header("content-type", "application/json")
        .body(policy.to_string())
        .send()
        .await?;

    let dir = tempfile::tempdir()?;
    {
        let store = paystatus::store::Store::open(dir.path(), Utc::now())?;
        let started = Instant::now();
        paystatus::store::synthetic::seed_past_incidents(&store, past, Utc::now())?;
        println!("seeded {past} closed notices in {:.1?}", started.elapsed());
    }
    let mut config = Config::for_tests(dir.path().to_path_buf());
    config.mirror_url = Some(format!("s3://{BUCKET}/site").parse()?);
    config.mirror_aws = [
        ("AWS_ENDPOINT_URL", moto.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "bench"),
        ("AWS_SECRET_ACCESS_KEY", "bench"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let started = Instant::now();
    let app = App::build(config).await?;
    let origin = app.base_url().to_string();
    let store = app.handle().store().clone();
    tokio::spawn(app.run());
    let key = store.write_blocking(|tx| {
        let ctx = Ctx::at(Utc::now(), Who::cli());
        service::execute(tx, &ctx, |tx, ctx| {
            keys::create(tx, ctx, "bench", &[Scope::Incidents])
        })
    })?;
    let first = caught_up(&http, &origin).await?;
    println!(
        "first pass: {} objects in the bucket {:.1?} after start",
        first["objects"],
        started.elapsed()
    );

    let admin = format!("{origin}/api/admin/v1");
    let r = http
        .post(format!("{admin}/incidents"))
        .bearer_auth(&key.secret)
        .json(
            &json!({"title": "카드 결제 지연", "message": "일부 카드 결제가 지연됩니다.",
                      "components": {"card": "major_outage"}}),
        )
        .send()
        .await?;
    let incident: serde_json::Value = r.json().await?;
    let id = incident["id"].as_str().ok_or("no incident id")?.to_string();
    caught_up(&http, &origin).await?;

    let page = format!("{moto}/{BUCKET}/site/incidents/{id}/index.html");
    let (mut lags, mut writes, mut objects) = (Vec::new(), Vec::new(), Vec::new());
    let mut complete = Vec::new();
    for n in 0..updates {
        let before = uploads(&http, &origin).await?;
        let message = format!("업데이트 {n}: 원인을 확인하고 있습니다.");
        let sent = Instant::now();
        let r = http
            .post(format!("{admin}/incidents/{id}/updates"))
            .bearer_auth(&key.secret)
            .json(&json!({"status": "identified", "message": message}))
            .send()
            .await?;
        if !r.status().is_success() {
            return Err(format!("update {n}: {}", r.text().await?).into());
        }
        let acknowledged = Instant::now();
        writes.push(acknowledged - sent);
        loop {
            if object_contains(&http, &page, &message).await? {
                lags.push(acknowledged.elapsed());
                break;
            }
            if acknowledged.elapsed() > Duration::from_secs(30) {
                return Err(format!("update {n} not in the bucket after 30 s").into());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        caught_up(&http, &origin).await?;
        complete.push(acknowledged.elapsed());
        objects.push(uploads(&http, &origin).await? - before);
    }
    lags.sort();
    complete.sort();
    writes.sort();
    objects.sort();
    let at = |v: &[Duration], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    println!("{updates} updates at {past} closed notices:");
    println!(
        "  write acknowledged:             p50 {:>7.1?}  max {:>7.1?}",
        at(&writes, 0.5),
        at(&writes, 1.0)
    );
    println!(
        "  acknowledged → page in bucket:  p50 {:>7.1?}  p90 {:>7.1?}  max {:>7.1?}",
        at(&lags, 0.5),
        at(&lags, 0.9),
        at(&lags, 1.0)
    );
    println!(
        "  acknowledged → bucket complete: p50 {:>7.1?}  p90 {:>7.1?}  max {:>7.1?}",
        at(&complete, 0.5),
        at(&complete, 0.9),
        at(&complete, 1.0)
    );
    println!(
        "  objects uploaded per update:    min {}  median {}  max {}  (of {} in the bucket)",
        objects[0],
        objects[objects.len() / 2],
        objects[objects.len() - 1],
        first["objects"]
    );
    Ok(())
}

/// Waits until `/healthz` says the mirror has caught up; its `mirror` object.
async fn caught_up(http: &reqwest::Client, origin: &str) -> Result<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let health: serde_json::Value = http
            .get(format!("{origin}/healthz?verbose"))
            .send()
            .await?
            .json()
            .await?;
        let no_check = serde_json::Value::Null;
        let mirror = health["checks"]
            .as_array()
            .and_then(|checks| checks.iter().find(|c| c["name"] == "mirror"))
            .unwrap_or(&no_check);
        if mirror["lag_seconds"] == json!(0.0) && mirror["last_synced"].is_string() {
            return Ok(mirror.clone());
        }
        if Instant::now() > deadline {
            return Err(format!("the mirror did not catch up: {health}").into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn uploads(http: &reqwest::Client, origin: &str) -> Result<u64> {
    let text = http
        .get(format!("{origin}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("paystatus_mirror_uploads_total ")?
                .parse::<f64>()
                .ok()
        })
        .map(|v| v as u64)
        .ok_or_else(|| "/metrics has no paystatus_mirror_uploads_total".into())
}

async fn object_contains(http: &reqwest::Client, url: &str, text: &str) -> Result<bool> {
    let r = http.get(url).send().await?;
    if !r.status().is_success() {
        return Ok(false);
    }
    let gzip = r
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let raw = r.bytes().await?;
    let mut body = String::new();
    if gzip {
        flate2::read::GzDecoder::new(&raw[..]).read_to_string(&mut body)?;
    } else {
        body = String::from_utf8_lossy(&raw).into_owned();
    }
    Ok(body.contains(text))
}
