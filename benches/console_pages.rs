//! The console benchmark: how fast each console page answers, and how big it is, at a
//! realistic size: 100,000 past incidents, 20 open ones, and (second run) 16 clients
//! crawling deep history at the same time. Prints one table.
//!
//! ```sh
//! cargo bench --bench console_pages
//! INCIDENTS=1000000 REQUESTS=500 cargo bench --bench console_pages
//! ```
//!
//! Settings: `INCIDENTS` (100000), `OPEN` incidents (20), `REQUESTS` per page (200).
//! Runs the release server binary on a seeded data directory; needs nothing else.

use std::io::Write as _;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use flate2::Compression;
use flate2::write::GzEncoder;
use paystatus::domain::Role;
use paystatus::service::{self, Ctx, Who, people};
use paystatus::store::Store;
use paystatus::store::synthetic::seed_past_incidents;
use serde_json::json;

mod support;
use support::{Result, setting};

const PASSWORD: &str = "benchmark password, long enough";

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> Result {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result {
    let (incidents, open, requests) = (
        setting("INCIDENTS", 100_000)?,
        setting("OPEN", 20)?,
        setting("REQUESTS", 200)?,
    );
    let work = tempfile::tempdir()?;
    let data = work.path().join("data");
    let data_dir = data.clone();
    let started = Instant::now();
    let key = tokio::task::spawn_blocking(move || -> Result<String> {
        let store = Store::open(&data_dir, Utc::now())?;
        seed_past_incidents(&store, incidents, Utc::now() - chrono::Duration::days(1))?;
        let hash = people::hash_new_password(PASSWORD)?;
        let ctx = Ctx::at(Utc::now(), Who::cli());
        store.write_blocking(|tx| {
            service::execute(tx, &ctx, |tx, ctx| {
                people::create_person(tx, ctx, "bench@example.com", Role::Admin, &hash)
            })
        })?;
        let scopes = [
            paystatus::domain::Scope::Read,
            paystatus::domain::Scope::Incidents,
        ];
        let (key, secret, hash) =
            paystatus::domain::new_key("bench", &scopes, Utc::now()).map_err(|e| e.message)?;
        store.write_blocking(|tx| paystatus::store::insert_key(tx, &key, &hash))?;
        Ok(secret)
    })
    .await??;
    eprintln!(
        "seeded {incidents} past incidents in {:.1?}",
        started.elapsed()
    );

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Running(
        Command::new(env!("CARGO_BIN_EXE_paystatus"))
            .arg("serve")
            .env("PAYSTATUS_DATA_DIR", &data)
            .env("PAYSTATUS_LISTEN", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()?,
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        if Instant::now() > deadline {
            return Err("the server did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let channels = [
        "card",
        "bank-transfer",
        "virtual-account",
        "mobile",
        "kakaopay",
    ];
    let mut first = String::new();
    for n in 0..open {
        let r = client
            .post(format!("{base}/api/admin/v1/incidents"))
            .bearer_auth(&key)
            .json(&json!({
                "title": format!("결제 장애 {n}"),
                "message": "일부 결제가 실패하고 있습니다.",
                "components": { channels[n % channels.len()]: "partial_outage" },
                "next_update_in_minutes": 30,
            }))
            .send()
            .await?;
        let body: serde_json::Value = r.json().await?;
        if first.is_empty() {
            first = body["id"].as_str().ok_or("no id")?.to_string();
        }
    }

    let login = client
        .post(format!("{base}/console/login"))
        .header("origin", &base)
        .form(&[("email", "bench@example.com"), ("password", PASSWORD)])
        .send()
        .await?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("no session cookie")?
        .to_string();

    let pages = [
        "/console".to_string(),
        "/console/incidents/new".to_string(),
        "/console/incidents/new?template=card-approval-delay&eta_in=60".to_string(),
        format!("/console/incidents/{first}"),
        "/console/login".to_string(),
    ];
    let mut out = String::new();
    out.push_str(&format!(
        "paystatus console pages — {incidents} past incidents, {open} open; {requests} requests per page, one client, release build\n\n"
    ));
    for crawl in [false, true] {
        let stop = Arc::new(AtomicBool::new(false));
        let crawled = Arc::new(AtomicU64::new(0));
        let mut crawlers = Vec::new();
        if crawl {
            for c in 0..16u64 {
                let (client, base, stop, crawled) =
                    (client.clone(), base.clone(), stop.clone(), crawled.clone());
                crawlers.push(tokio::spawn(async move {
                    let mut page = 6 + c * 97;
                    while !stop.load(Ordering::Relaxed) {
                        // Pages 6 to 4,905 of 5,000: archived, never a 404.
                        page = (page * 7919 + 13) % 4900 + 6;
                        if client
                            .get(format!("{base}/history?page={page}"))
                            .send()
                            .await
                            .is_ok()
                        {
                            crawled.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }));
            }
        }
        let started = Instant::now();
        out.push_str(&format!(
            "{}\n\n| page | gzipped KB | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n",
            if crawl {
                "while 16 clients crawl deep history"
            } else {
                "alone"
            }
        ));
        for path in &pages {
            let mut times = Vec::with_capacity(requests);
            let mut size = 0;
            for _ in 0..requests {
                let t = Instant::now();
                let r = client
                    .get(format!("{base}{path}"))
                    .header("cookie", &cookie)
                    .send()
                    .await?;
                if !r.status().is_success() {
                    return Err(format!("{path}: {}", r.status()).into());
                }
                let body = r.bytes().await?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                let mut gz = GzEncoder::new(Vec::new(), Compression::default());
                gz.write_all(&body)?;
                size = gz.finish()?.len();
            }
            times.sort_by(f64::total_cmp);
            let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
            out.push_str(&format!(
                "| `{path}` | {:.1} | {:.2} | {:.2} | {:.2} |\n",
                size as f64 / 1024.0,
                pct(0.5),
                pct(0.99),
                times[times.len() - 1]
            ));
        }
        stop.store(true, Ordering::Relaxed);
        for c in crawlers {
            let _ = c.await;
        }
        if crawl {
            let rate = crawled.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
            out.push_str(&format!(
                "\n(the crawlers read {rate:.0} history pages/s meanwhile)\n"
            ));
        }
        out.push('\n');
    }
    println!("{out}");
    Ok(())
}
