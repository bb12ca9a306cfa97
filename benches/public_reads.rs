//! The public read benchmark: one command, one table.
//!
//! Seeds N past incidents through the store layer, starts the release server on them, and
//! measures on this machine, in one run:
//! - snapshot documents served by paystatus, by a bare axum handler returning the same
//!   bytes and headers (the stack's ceiling), and by nginx serving them as static files;
//! - deep history pages, old incidents and unknown ids, cold (first request) and warm;
//! - admin writes until visible in `/api/v2/summary.json`: alone, while 32 clients crawl
//!   deep history, and at 50 writes/s during a read load (with the reads' rate);
//! - start-up time and resident memory.
//!
//! ```sh
//! cargo bench --bench public_reads                      # 100,000 past incidents
//! INCIDENTS=1000000 cargo bench --bench public_reads    # a million
//! DURATION=10 ROUNDS=5 cargo bench --bench public_reads # longer, steadier figures
//! HOT_ONLY=1 cargo bench --bench public_reads           # only the snapshot comparison
//! ```
//!
//! Settings: `INCIDENTS` (100000), `DURATION` seconds per wrk run (5), `ROUNDS` of the
//! interleaved comparisons (3), `CONNECTIONS` (64) and `THREADS` (2) for wrk.
//! Needs `wrk` and `nginx` (Debian: `apt-get install wrk nginx-light`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use chrono::Utc;
use paystatus::store::Store;
use paystatus::store::synthetic::seed_past_incidents;
use serde_json::{Value, json};

mod support;
use support::{Result, free_port};

/// What to measure, from the environment.
struct Setup {
    incidents: usize,
    load: Load,
    /// Only the snapshot documents against the bare handler and nginx (`HOT_ONLY=1`).
    hot_only: bool,
    /// Rounds of the snapshot comparison, interleaved; each figure is the median.
    rounds: usize,
}

impl Setup {
    fn from_env() -> Result<Setup> {
        let var = |name: &str, default: u64| -> Result<u64> {
            match std::env::var(name) {
                Ok(v) => Ok(v
                    .trim_end_matches('s')
                    .parse()
                    .map_err(|e| format!("{name}={v}: {e}"))?),
                Err(_) => Ok(default),
            }
        };
        Ok(Setup {
            incidents: var("INCIDENTS", 100_000)? as usize,
            load: Load {
                seconds: var("DURATION", 5)?,
                connections: var("CONNECTIONS", 64)? as u32,
                threads: var("THREADS", 2)? as u32,
            },
            hot_only: var("HOT_ONLY", 0)? == 1,
            rounds: var("ROUNDS", 3)?.max(1) as usize,
        })
    }
}

fn main() -> Result {
    let setup = Setup::from_env()?;
    for tool in ["wrk", "nginx"] {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()?
            .code()
            != Some(0)
        {
            return Err(format!("needs {tool} (Debian: apt-get install wrk nginx-light)").into());
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(setup))
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    /// Asks politely first (nginx's master stops its workers on SIGTERM; SIGKILL would
    /// orphan them), then insists.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn run(setup: Setup) -> Result {
    let work = tempfile::tempdir()?;
    let data = work.path().join("data");
    let mut report = String::new();

    // ---- seeding, through the store layer ---------------------------------------------
    let started = Instant::now();
    let n = setup.incidents;
    let data_dir = data.clone();
    let old_ids = tokio::task::spawn_blocking(move || -> Result<Vec<String>> {
        let store = Store::open(&data_dir, Utc::now())?;
        Ok(seed_past_incidents(
            &store,
            n,
            Utc::now() - chrono::Duration::days(1),
        )?)
    })
    .await??;
    let seeded_in = started.elapsed();
    eprintln!("seeded {n} past incidents in {seeded_in:.1?}");

    // ---- the server ----------------------------------------------------------------------
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let bin = env!("CARGO_BIN_EXE_paystatus");
    let started = Instant::now();
    let server = Running(
        Command::new(bin)
            .arg("serve")
            .env("PAYSTATUS_DATA_DIR", &data)
            .env("PAYSTATUS_LISTEN", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stderr(std::fs::File::create(work.path().join("paystatus.log"))?)
            .spawn()?,
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let startup = loop {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err("the server did not answer within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    eprintln!("server answered after {startup:.2?}");
    let key = String::from_utf8(
        Command::new(bin)
            .args([
                "keys",
                "create",
                "--name",
                "bench",
                "--scope",
                "read,incidents",
            ])
            .env("PAYSTATUS_DATA_DIR", &data)
            .env("RUST_LOG", "warn")
            .output()?
            .stdout,
    )?
    .trim()
    .to_string();
    let admin = Admin {
        client: client.clone(),
        base: base.clone(),
        key,
    };
    let open = admin
        .post(
            "/incidents",
            &json!({
                "title": {"ko": "카드 결제 승인 지연", "en": "Card payments are failing"},
                "message": "일부 카드 결제가 실패하고 있습니다. 계좌이체는 정상입니다.",
                "components": {"card": "major_outage"},
                "next_update_in_minutes": 20,
                "alternatives": [{"component": "bank-transfer", "instructions": "주문서에서 계좌이체를 선택해 주세요"}]
            }),
        )
        .await?;
    let open_id = open["id"].as_str().ok_or("no id")?.to_string();
    eprintln!("timing deep documents, cold and warm…");

    // ---- deep documents: cold, then warm -----------------------------------------------
    let pages = n.div_ceil(20);
    let mut rng = Lcg(0x5eed_1234);
    let sample = 200.min(pages.saturating_sub(5)).min(old_ids.len());
    let mut deep_pages: Vec<usize> = Vec::new();
    while deep_pages.len() < sample {
        let p = 6 + rng.below(pages - 5);
        if !deep_pages.contains(&p) {
            deep_pages.push(p);
        }
    }
    let old: Vec<&String> = (0..sample)
        .map(|_| &old_ids[rng.below(old_ids.len().saturating_sub(200).max(1))])
        .collect();
    let unknown: Vec<String> = (0..sample).map(|i| format!("zz{:010}", i * 7919)).collect();
    let deep_sets: [(&str, Vec<String>); 4] = [
        (
            "/history?page=N, random N > 5",
            deep_pages
                .iter()
                .map(|p| format!("/history?page={p}"))
                .collect(),
        ),
        (
            "/incidents/{id}, random old",
            old.iter().map(|id| format!("/incidents/{id}")).collect(),
        ),
        (
            "/api/v2/incidents/{id}.json, random old",
            old.iter()
                .map(|id| format!("/api/v2/incidents/{id}.json"))
                .collect(),
        ),
        (
            "/incidents/{id}, unknown id (404)",
            unknown
                .iter()
                .map(|id| format!("/incidents/{id}"))
                .collect(),
        ),
    ];
    let mut deep_rows = Vec::new();
    for (label, paths) in deep_sets.iter().filter(|_| !setup.hot_only) {
        let cold = latencies(&client, &base, paths).await?;
        let warm = latencies(&client, &base, paths).await?;
        deep_rows.push((label.to_string(), cold, warm));
    }

    // ---- snapshot documents: paystatus, a bare handler, nginx ---------------------------
    let hot_paths = [
        "/".to_string(),
        "/api/v2/summary.json".into(),
        "/history.rss".into(),
        format!("/incidents/{open_id}"),
    ];
    let mut canned = HashMap::new();
    for path in &hot_paths {
        canned.insert(path.clone(), Canned::fetch(&client, &base, path).await?);
    }
    let statics = work.path().join("static");
    for (path, doc) in &canned {
        doc.write_files(&statics, path)?;
    }
    let bare = serve_bare(canned)?;
    let nginx = start_nginx(work.path(), &statics)?;
    let warm_archive = format!("/history?page={}", deep_pages.first().copied().unwrap_or(1));

    let wrk_setup = format!(
        "wrk -t{} -c{} -d{}s, Accept-Encoding: gzip, loopback",
        setup.load.threads, setup.load.connections, setup.load.seconds
    );
    let mut hot_rows = Vec::new();
    eprintln!("measuring snapshot documents with wrk…");
    for path in &hot_paths {
        // The three servers take turns, round after round, so a passing load on the
        // machine does not favour one of them.
        let (mut ours, mut ceiling, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..setup.rounds {
            ours.push(wrk(setup.load, &format!("{base}{path}"))?);
            ceiling.push(wrk(setup.load, &format!("http://{bare}{path}"))?);
            theirs.push(wrk(
                setup.load,
                &format!("http://127.0.0.1:{}{path}", nginx.port),
            )?);
        }
        let label = if path.starts_with("/incidents/") {
            "/incidents/{open id}".to_string()
        } else {
            path.clone()
        };
        hot_rows.push((
            label,
            Wrk::median(ours),
            Some(Wrk::median(ceiling)),
            Some(Wrk::median(theirs)),
        ));
    }
    hot_rows.push((
        "/history?page=N (archived, warm)".to_string(),
        wrk(setup.load, &format!("{base}{warm_archive}"))?,
        None,
        None,
    ));
    drop(nginx);
    if setup.hot_only {
        println!("{wrk_setup}\n\n{}", hot_table(&hot_rows));
        return Ok(());
    }

    // ---- writes until visible -----------------------------------------------------------
    eprintln!("timing writes until visible…");
    let mut operator = Operator {
        admin: admin.clone(),
        open: None,
        written: 0,
    };
    let alone = operator.write(50, None).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let crawled = Arc::new(AtomicU64::new(0));
    let crawl_paths: Arc<Vec<String>> = Arc::new(
        deep_sets[0]
            .1
            .iter()
            .chain(&deep_sets[1].1)
            .cloned()
            .collect(),
    );
    // The crawlers run on their own thread and runtime, so the operator's timing is not
    // delayed by the crawlers' own scheduling in this process.
    let crawlers = {
        let (base, stop, crawled, paths) = (
            base.clone(),
            stop.clone(),
            crawled.clone(),
            crawl_paths.clone(),
        );
        std::thread::spawn(move || -> Result {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(64)
                    .build()?;
                let tasks: Vec<_> = (0..32)
                    .map(|i| {
                        let (client, base, stop, crawled, paths) = (
                            client.clone(),
                            base.clone(),
                            stop.clone(),
                            crawled.clone(),
                            paths.clone(),
                        );
                        tokio::spawn(async move {
                            let mut rng = Lcg(i + 1);
                            while !stop.load(Ordering::Relaxed) {
                                let path = &paths[rng.below(paths.len())];
                                if let Ok(r) = client.get(format!("{base}{path}")).send().await {
                                    let _ = r.bytes().await;
                                    crawled.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    let _ = task.await;
                }
                Ok(())
            })
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let crawl_started = (Instant::now(), crawled.load(Ordering::Relaxed));
    let crawling = operator.write(50, None).await?;
    let crawl_rate = (crawled.load(Ordering::Relaxed) - crawl_started.1) as f64
        / crawl_started.0.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    crawlers.join().map_err(|_| "the crawlers panicked")??;

    // Reads of summary.json alone, then with 50 writes/s, round after round.
    let summary_url = format!("{base}/api/v2/summary.json");
    let (mut idle, mut busy, mut streaming) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..setup.rounds {
        idle.push(wrk(setup.load, &summary_url)?);
        let count = (setup.load.seconds * 50) as usize;
        let writes = tokio::spawn(async move {
            let written = operator.write(count, Some(Duration::from_millis(20))).await;
            (operator, written)
        });
        let (load, url) = (setup.load, summary_url.clone());
        busy.push(tokio::task::spawn_blocking(move || wrk(load, &url)).await??);
        let (back, written) = writes.await?;
        operator = back;
        streaming.extend(written?.0);
    }
    let (idle, busy, streaming) = (Wrk::median(idle), Wrk::median(busy), Latencies(streaming));

    let (rss, peak) = memory(server.0.id())?;
    drop(server);

    // ---- the table ------------------------------------------------------------------------
    let _ = writeln!(
        report,
        "paystatus public reads — {} past incidents (seeded through the store in {:.1} s)\n\
         machine: {}; {wrk_setup}; wrk figures: median of {} round(s), servers taking turns\n\
         start-up until the first answer: {:.2} s; resident memory at the end {} MB (peak {} MB)\n",
        thousands(n),
        seeded_in.as_secs_f64(),
        machine(),
        setup.rounds,
        startup.as_secs_f64(),
        rss / 1024,
        peak / 1024,
    );
    report.push_str(&hot_table(&hot_rows));
    let _ = writeln!(
        report,
        "\n| deep document ({sample} distinct, one client) | cold p50 ms | cold p99 ms | warm p50 ms | warm p99 ms |\n|---|---:|---:|---:|---:|"
    );
    for (label, cold, warm) in &deep_rows {
        let _ = writeln!(
            report,
            "| `{label}` | {:.2} | {:.2} | {:.2} | {:.2} |",
            cold.pct(50.0),
            cold.pct(99.0),
            warm.pct(50.0),
            warm.pct(99.0)
        );
    }
    let _ = writeln!(
        report,
        "\n| admin write until visible in `summary.json` (cycles of: open, 8 updates, resolve) | writes | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|"
    );
    for (label, l) in [
        ("alone".to_string(), &alone),
        (
            format!(
                "while 32 clients crawl deep history ({} req/s)",
                thousands(crawl_rate as usize)
            ),
            &crawling,
        ),
        (
            "at 50 writes/s during wrk on `summary.json`".to_string(),
            &streaming,
        ),
    ] {
        let _ = writeln!(
            report,
            "| {label} | {} | {:.2} | {:.2} | {:.2} |",
            l.0.len(),
            l.pct(50.0),
            l.pct(99.0),
            l.pct(100.0)
        );
    }
    let _ = writeln!(
        report,
        "\n| reads of `summary.json` (median of {} round(s)) | idle r/s | with 50 writes/s | kept |\n|---|---:|---:|---:|\n| {wrk_setup} | {} | {} | {:.0}% |",
        setup.rounds,
        thousands(idle.rps as usize),
        thousands(busy.rps as usize),
        100.0 * busy.rps / idle.rps.max(1.0)
    );
    println!("{report}");
    Ok(())
}

/// The table of snapshot documents against the bare handler and nginx.
fn hot_table(hot_rows: &[(String, Wrk, Option<Wrk>, Option<Wrk>)]) -> String {
    let mut report = String::new();
    let _ = writeln!(
        report,
        "| snapshot document | paystatus r/s | p99 ms | bare axum r/s | p99 ms | nginx r/s | p99 ms | vs bare | vs nginx |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (label, ours, ceiling, theirs) in hot_rows {
        let cell = |w: &Option<Wrk>| {
            w.as_ref()
                .map(|w| format!("{} | {:.2}", thousands(w.rps as usize), w.p99_ms))
                .unwrap_or_else(|| "– | –".into())
        };
        let ratio = |w: &Option<Wrk>| {
            w.as_ref()
                .map(|w| format!("{:.2}×", ours.rps / w.rps.max(1.0)))
                .unwrap_or_else(|| "–".into())
        };
        let _ = writeln!(
            report,
            "| `{label}` | {} | {:.2} | {} | {} | {} | {} |",
            thousands(ours.rps as usize),
            ours.p99_ms,
            cell(ceiling),
            cell(theirs),
            ratio(ceiling),
            ratio(theirs),
        );
    }
    report
}

/// The admin API, for the write measurements.
#[derive(Clone)]
struct Admin {
    client: reqwest::Client,
    base: String,
    key: String,
}

impl Admin {
    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let r = self
            .client
            .post(format!("{}/api/admin/v1{path}", self.base))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await?;
        if !r.status().is_success() {
            return Err(format!("POST {path}: {} {}", r.status(), r.text().await?).into());
        }
        Ok(r.json().await?)
    }
}

/// Writes as an operator does during an outage, over and over: open an incident, post
/// eight updates, resolve it; ten writes a cycle, each one timed from sending it until
/// `summary.json` shows it (or, once resolved, no longer shows the incident).
struct Operator {
    admin: Admin,
    /// The incident of the cycle under way, and how many updates it has had.
    open: Option<(String, usize)>,
    written: usize,
}

impl Operator {
    /// `count` writes, one every `every` (or back to back).
    async fn write(&mut self, count: usize, every: Option<Duration>) -> Result<Latencies> {
        let mut times = Vec::with_capacity(count);
        let started = Instant::now();
        for n in 0..count {
            if let Some(every) = every {
                tokio::time::sleep_until((started + every * n as u32).into()).await;
            }
            self.written += 1;
            let marker = format!("bench-write-{}", self.written);
            let t0 = Instant::now();
            let (needle, shown) = match &mut self.open {
                None => {
                    let created = self
                        .admin
                        .post(
                            "/incidents",
                            &json!({
                                "title": {"ko": "카카오페이 결제 지연", "en": "KakaoPay payments delayed"},
                                "message": marker,
                                "components": {"kakaopay": "partial_outage"},
                                "next_update_in_minutes": 15
                            }),
                        )
                        .await?;
                    let id = created["id"].as_str().ok_or("no id")?.to_string();
                    self.open = Some((id, 0));
                    (marker, true)
                }
                Some((id, updates)) if *updates < 8 => {
                    *updates += 1;
                    self.admin
                        .post(
                            &format!("/incidents/{id}/updates"),
                            &json!({ "message": marker }),
                        )
                        .await?;
                    (marker, true)
                }
                Some((id, _)) => {
                    let id = id.clone();
                    self.admin
                        .post(
                            &format!("/incidents/{id}/updates"),
                            &json!({ "message": marker, "status": "resolved" }),
                        )
                        .await?;
                    self.open = None;
                    (id, false)
                }
            };
            // A write answers once it is published, so the first read should show it.
            let mut reads = 0;
            loop {
                let body = self
                    .admin
                    .client
                    .get(format!("{}/api/v2/summary.json", self.admin.base))
                    .send()
                    .await?
                    .text()
                    .await?;
                if body.contains(&needle) == shown {
                    break;
                }
                reads += 1;
                if reads == 1000 {
                    return Err(
                        format!("write {} never showed in summary.json", self.written).into(),
                    );
                }
            }
            times.push(t0.elapsed());
        }
        Ok(Latencies(times))
    }
}

/// Times one GET of each path, one after another.
async fn latencies(client: &reqwest::Client, base: &str, paths: &[String]) -> Result<Latencies> {
    let mut times = Vec::with_capacity(paths.len());
    for path in paths {
        let t0 = Instant::now();
        let r = client
            .get(format!("{base}{path}"))
            .header("Accept-Encoding", "gzip, br")
            .send()
            .await?;
        let status = r.status();
        r.bytes().await?;
        times.push(t0.elapsed());
        if status.is_server_error() {
            return Err(format!("{path}: {status}").into());
        }
    }
    Ok(Latencies(times))
}

struct Latencies(Vec<Duration>);

impl Latencies {
    /// The `p`th percentile in milliseconds (100: the maximum).
    fn pct(&self, p: f64) -> f64 {
        let mut v: Vec<f64> = self.0.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        let i = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[i.clamp(1, v.len()) - 1]
    }
}

/// A tiny deterministic generator, so every run picks the same pages.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

// ---- the documents, as paystatus serves them ----------------------------------------

/// One document's bytes and headers, plain and gzip, copied from paystatus.
struct Canned {
    plain: Bytes,
    plain_headers: HeaderMap,
    gzip: Bytes,
    gzip_headers: HeaderMap,
}

impl Canned {
    async fn fetch(client: &reqwest::Client, base: &str, path: &str) -> Result<Canned> {
        // reqwest here decompresses nothing (no features), so the gzip bytes stay as sent.
        let get = |encoding: &'static str| {
            client
                .get(format!("{base}{path}"))
                .header("Accept-Encoding", encoding)
                .send()
        };
        let plain = get("identity").await?;
        let plain_headers = copy_headers(plain.headers());
        let plain = plain.bytes().await?;
        let gz = get("gzip").await?;
        let gzip_headers = copy_headers(gz.headers());
        if gz.headers().get(header::CONTENT_ENCODING).is_none() {
            return Err(format!("{path} came back without gzip").into());
        }
        Ok(Canned {
            plain,
            plain_headers,
            gzip: gz.bytes().await?,
            gzip_headers,
        })
    }

    /// The files nginx serves: `index.html` for pages, `.gz` siblings for `gzip_static`.
    fn write_files(&self, root: &Path, path: &str) -> Result {
        let mut file = root.join(path.trim_start_matches('/'));
        if path.ends_with('/') || path.starts_with("/incidents/") {
            file = file.join("index.html");
        }
        std::fs::create_dir_all(file.parent().ok_or("no parent")?)?;
        std::fs::write(&file, &self.plain)?;
        let mut gz = file.clone().into_os_string();
        gz.push(".gz");
        std::fs::write(PathBuf::from(gz), &self.gzip)?;
        Ok(())
    }
}

/// Response headers to replay, without those hyper sets itself.
fn copy_headers(h: &reqwest::header::HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in h {
        if name != header::DATE
            && name != header::CONTENT_LENGTH
            && let (Ok(n), Ok(v)) = (
                header::HeaderName::from_bytes(name.as_str().as_bytes()),
                header::HeaderValue::from_bytes(value.as_bytes()),
            )
        {
            out.append(n, v);
        }
    }
    out
}

/// The stack's ceiling: axum with the same routes, answering each request with a clone
/// of prepared bytes and headers, on its own two-thread runtime.
fn serve_bare(docs: HashMap<String, Canned>) -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let docs = Arc::new(docs);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the bare server");
        runtime.block_on(async move {
            let app = Router::new()
                .route("/", get(bare))
                .route("/incidents/{id}", get(bare))
                .route("/history.rss", get(bare))
                .route("/api/v2/{*path}", get(bare))
                .with_state(docs);
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            let _ = axum::serve(listener, app).await;
        });
    });
    Ok(addr)
}

async fn bare(State(docs): State<Arc<HashMap<String, Canned>>>, req: Request) -> Response {
    let Some(doc) = docs.get(req.uri().path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let (headers, body) = if gzip {
        (doc.gzip_headers.clone(), doc.gzip.clone())
    } else {
        (doc.plain_headers.clone(), doc.plain.clone())
    };
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

struct Nginx {
    _process: Running,
    port: u16,
}

fn start_nginx(work: &Path, root: &Path) -> Result<Nginx> {
    let port = free_port()?;
    let conf = work.join("nginx.conf");
    let w = work.display();
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nworker_processes auto;\npid {w}/nginx.pid;\nerror_log {w}/nginx-error.log;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 1000000;\n\
             \x20 types {{ text/html html; application/json json; application/rss+xml rss; }}\n\
             \x20 default_type text/html;\n\
             \x20 server {{\n    listen 127.0.0.1:{port};\n    root {};\n    gzip_static on;\n\
             \x20   location / {{ try_files $uri $uri/index.html =404; }}\n  }}\n}}\n",
            root.display()
        ),
    )?;
    let process = Running(
        Command::new("nginx")
            .args(["-c", &conf.display().to_string(), "-p", &w.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            return Err("nginx did not start".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(Nginx {
        _process: process,
        port,
    })
}

struct Wrk {
    rps: f64,
    p99_ms: f64,
}

impl Wrk {
    /// The median of each figure over several runs.
    fn median(runs: Vec<Wrk>) -> Wrk {
        let middle = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        Wrk {
            rps: middle(runs.iter().map(|w| w.rps).collect()),
            p99_ms: middle(runs.iter().map(|w| w.p99_ms).collect()),
        }
    }
}

/// One wrk run's shape.
#[derive(Debug, Clone, Copy)]
struct Load {
    seconds: u64,
    connections: u32,
    threads: u32,
}

fn wrk(load: Load, url: &str) -> Result<Wrk> {
    let out = Command::new("wrk")
        .args([
            &format!("-t{}", load.threads),
            &format!("-c{}", load.connections),
            &format!("-d{}s", load.seconds),
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut rps = None;
    let mut p99 = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            rps = v.trim().parse::<f64>().ok();
        }
        if let Some(v) = line.strip_prefix("99%") {
            p99 = parse_wrk_time(v.trim());
        }
        if line.starts_with("Non-2xx") {
            return Err(format!("{url}: {line}").into());
        }
    }
    match (rps, p99) {
        (Some(rps), Some(p99_ms)) => Ok(Wrk { rps, p99_ms }),
        _ => Err(format!("cannot read wrk's output for {url}:\n{text}").into()),
    }
}

/// "812.00us", "3.21ms", "1.02s" in milliseconds.
fn parse_wrk_time(s: &str) -> Option<f64> {
    if let Some(v) = s.strip_suffix("us") {
        v.parse::<f64>().ok().map(|v| v / 1000.0)
    } else if let Some(v) = s.strip_suffix("ms") {
        v.parse().ok()
    } else if let Some(v) = s.strip_suffix('s') {
        v.parse::<f64>().ok().map(|v| v * 1000.0)
    } else {
        None
    }
}

/// Resident and peak memory of a process, in KiB.
fn memory(pid: u32) -> Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpus} cores ({model}), Linux {}", kernel.trim())
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
