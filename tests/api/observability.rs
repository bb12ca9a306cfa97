//! Observability as an operator's tools see it: `/metrics` passes `promtool check
//! metrics` with every family and its type; a real Prometheus (Debian's `prometheus`,
//! installed by `.ci/run`) scrapes it, with a metrics token, and answers the PromQL
//! query for the card channel's `major_outage`; JSON log lines carry the request id the
//! answer shows; problem+json bodies carry it too; `/healthz` lists its checks and
//! answers 503 when the page is stale; the example alert rules and the Grafana dashboard
//! hold together with what `/metrics` exposes. Missing tools fail these tests, never
//! skip them.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::*;

const INSTALL: &str = "run `bash .ci/run` (it installs Debian's `prometheus` package)";

/// Every family the issue asks for, with its type as `# TYPE` names it.
const FAMILIES: &[(&str, &str)] = &[
    ("paystatus_component_status", "gauge"),
    ("paystatus_component_status_since_seconds", "gauge"),
    ("paystatus_open_incidents", "gauge"),
    ("paystatus_open_maintenances", "gauge"),
    ("paystatus_incident_next_update_overdue_seconds", "gauge"),
    ("paystatus_http_request_duration_seconds", "histogram"),
    ("paystatus_snapshot_build_duration_seconds", "histogram"),
    ("paystatus_write_visible_duration_seconds", "histogram"),
    ("paystatus_snapshot_documents", "gauge"),
    ("paystatus_snapshot_bytes", "gauge"),
    ("process_resident_memory_bytes", "gauge"),
    ("process_open_fds", "gauge"),
    ("process_start_time_seconds", "gauge"),
    ("paystatus_build_info", "gauge"),
    // Those of earlier issues, in the same registry under their old names.
    ("paystatus_public_requests_total", "counter"),
    ("paystatus_admin_requests_total", "counter"),
    ("paystatus_server_errors_total", "counter"),
    ("paystatus_snapshot_builds_total", "counter"),
    ("paystatus_archive_renders_total", "counter"),
    ("paystatus_database_faults_total", "counter"),
    ("paystatus_maintenance_transition_failures_total", "counter"),
    ("paystatus_auth_failures_total", "counter"),
    ("paystatus_auth_throttled_total", "counter"),
    ("paystatus_connection_limit_reached_total", "counter"),
    ("paystatus_open_connections", "gauge"),
    ("paystatus_database_degraded", "gauge"),
    ("paystatus_snapshot_built_timestamp_seconds", "gauge"),
    ("paystatus_customer_reports_total", "counter"),
    ("paystatus_customer_report_spike", "gauge"),
    ("paystatus_component_uptime_ratio", "gauge"),
];

/// `# TYPE` lines: family name to type.
pub(crate) fn families(exposition: &str) -> Vec<(String, String)> {
    exposition
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| {
            let (name, kind) = l.split_once(' ')?;
            Some((name.to_string(), kind.trim().to_string()))
        })
        .collect()
}

/// The value of the series written exactly as `series` (name and labels).
fn series_value(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

async fn metrics_text(app: &TestApp) -> TestResult<String> {
    let r = app.get("/metrics").await?;
    assert_eq!(r.status(), StatusCode::OK);
    Ok(r.text().await?)
}

/// `promtool` with `args`, `stdin` written to it; its status and everything it said.
pub(crate) async fn promtool(args: &[&str], stdin: &str) -> TestResult<(bool, String)> {
    let mut child = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run promtool ({e}): {INSTALL}"))?;
    let mut input = child.stdin.take().ok_or("promtool has no stdin")?;
    input.write_all(stdin.as_bytes()).await?;
    drop(input);
    let out = child.wait_with_output().await?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), said))
}

#[tokio::test]
async fn metrics_pass_promtool_and_hold_every_family_with_its_type() -> TestResult {
    let app = spawn_app().await;
    let incident = app.create_incident_ok(&card_outage()).await?;
    let id = string(&incident["id"])?;
    app.get("/").await?;
    app.get("/api/v2/summary.json").await?;

    let text = metrics_text(&app).await?;
    let (ok, said) = promtool(&["check", "metrics"], &text).await?;
    assert!(ok, "promtool check metrics: {said}\n{text}");
    // promtool's lint findings (names, units, help) are printed even when it passes.
    assert!(said.trim().is_empty(), "promtool found problems: {said}");
    let found = families(&text);
    for (name, kind) in FAMILIES {
        assert!(
            found.iter().any(|(n, k)| n == name && k == kind),
            "no `# TYPE {name} {kind}` in /metrics:\n{text}"
        );
    }

    // The card channel's status: 1 for major_outage, 0 for every other status.
    let card = |status: &str| {
        series_value(
            &text,
            &format!(
                "paystatus_component_status{{component=\"card\",group=\"\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(card("major_outage"), Some(1.0), "{text}");
    assert_eq!(card("operational"), Some(0.0), "{text}");
    assert_eq!(card("partial_outage"), Some(0.0), "{text}");
    // A major outage of one channel makes a major incident.
    assert_eq!(
        series_value(&text, "paystatus_open_incidents{impact=\"major\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series_value(&text, "paystatus_open_incidents{impact=\"critical\"}"),
        Some(0.0),
        "{text}"
    );
    let since = series_value(
        &text,
        "paystatus_component_status_since_seconds{component=\"card\"}",
    );
    assert_eq!(since, Some(start_time().timestamp() as f64), "{text}");
    let overdue = format!("paystatus_incident_next_update_overdue_seconds{{incident=\"{id}\"}}");
    assert_eq!(series_value(&text, &overdue), Some(0.0), "{text}");
    assert!(
        series_value(&text, "paystatus_write_visible_duration_seconds_count") >= Some(1.0),
        "{text}"
    );
    assert!(
        series_value(
            &text,
            "paystatus_http_request_duration_seconds_count{route=\"page\",status=\"2xx\"}"
        ) >= Some(1.0),
        "{text}"
    );
    assert!(
        series_value(
            &text,
            "paystatus_http_request_duration_seconds_count{route=\"api_v2\",status=\"2xx\"}"
        ) >= Some(1.0),
        "{text}"
    );
    assert!(
        !text.contains("/incidents/"),
        "no raw paths in labels: {text}"
    );

    // Twenty minutes were promised; twenty-five pass without an update.
    app.advance_and_tick(chrono::Duration::minutes(25)).await?;
    let text = metrics_text(&app).await?;
    assert_eq!(series_value(&text, &overdue), Some(300.0), "{text}");
    Ok(())
}

#[tokio::test]
async fn a_metrics_token_closes_metrics_to_everyone_without_it() -> TestResult {
    let app = spawn_app_configured(|c| c.metrics_token = Some("metrics-s3cret".into())).await;
    let url = format!("{}/metrics", app.address);
    let none = app.client.get(&url).send().await?;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert!(!none.text().await?.contains("paystatus_"));
    let wrong = app
        .client
        .get(&url)
        .bearer_auth("metrics-s3cre")
        .send()
        .await?;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let admin_key = app
        .client
        .get(&url)
        .bearer_auth(&app.admin_key)
        .send()
        .await?;
    assert_eq!(admin_key.status(), StatusCode::UNAUTHORIZED);
    let right = app
        .client
        .get(&url)
        .bearer_auth("metrics-s3cret")
        .send()
        .await?;
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right.text().await?.contains("paystatus_build_info"));
    // Everything else stays as open as it was.
    assert_eq!(app.get("/healthz").await?.status(), StatusCode::OK);
    Ok(())
}

/// A running Prometheus, stopped when dropped.
struct Prometheus {
    url: String,
    client: reqwest::Client,
    _process: Child,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// Scrapes `target` (host:port) every second, with `token` as its Bearer token.
    async fn start(target: &str, token: &str) -> TestResult<Prometheus> {
        let dir = tempfile::tempdir()?;
        let config = format!(
            r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: paystatus
    authorization:
      type: Bearer
      credentials: {token}
    static_configs:
      - targets: ['{target}']
"#
        );
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::File::create(dir.path().join("prometheus.log"))?;
        let process = Command::new("prometheus")
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start prometheus ({e}): {INSTALL}"))?;
        let prometheus = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            _process: process,
            dir,
        };
        let ready = prometheus
            .poll(Duration::from_secs(20), || async {
                Ok(prometheus
                    .client
                    .get(format!("{}/-/ready", prometheus.url))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success()))
            })
            .await;
        if let Err(e) = ready {
            return Err(format!(
                "Prometheus did not become ready ({e}); {}",
                prometheus.log()
            )
            .into());
        }
        Ok(prometheus)
    }

    fn log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("prometheus.log"))
            .unwrap_or_else(|e| format!("(cannot read it: {e})"));
        format!("its log:\n{log}")
    }

    /// The values of an instant PromQL query, one per series.
    async fn query(&self, promql: &str) -> TestResult<Vec<f64>> {
        let url = url::Url::parse_with_params(
            &format!("{}/api/v1/query", self.url),
            [("query", promql)],
        )?;
        let body: Value = self.client.get(url).send().await?.json().await?;
        if body["status"] != "success" {
            return Err(format!("the query {promql} failed: {body}").into());
        }
        let mut values = Vec::new();
        for series in body["data"]["result"].as_array().ok_or("no result list")? {
            let value = series["value"][1]
                .as_str()
                .ok_or("a sample without a value")?;
            values.push(value.parse()?);
        }
        Ok(values)
    }

    /// Polls `check` every 200 ms until it says yes, or fails after `limit`.
    async fn poll<F, Fut>(&self, limit: Duration, mut check: F) -> TestResult
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = TestResult<bool>>,
    {
        let started = Instant::now();
        while started.elapsed() < limit {
            if check().await? {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!("not within {limit:?}").into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_sees_the_card_channel_go_into_major_outage() -> TestResult {
    let token = "scrape-token-42";
    let app = spawn_app_configured(|c| c.metrics_token = Some(token.into())).await;
    let target = app.address.trim_start_matches("http://").to_string();
    let prometheus = Prometheus::start(&target, token).await?;
    let query = r#"paystatus_component_status{component="card",status="major_outage"}"#;

    // Scraped (the token is accepted), and the card channel is fine.
    let scraped = prometheus
        .poll(Duration::from_secs(20), || async {
            Ok(
                prometheus.query(r#"up{job="paystatus"}"#).await? == vec![1.0]
                    && prometheus.query(query).await? == vec![0.0],
            )
        })
        .await;
    if let Err(e) = scraped {
        return Err(format!(
            "Prometheus never scraped the card channel as 0 ({e}); {}",
            prometheus.log()
        )
        .into());
    }

    app.create_incident_ok(&card_outage()).await?;
    let seen = prometheus
        .poll(Duration::from_secs(20), || async {
            Ok(prometheus.query(query).await? == vec![1.0])
        })
        .await;
    if let Err(e) = seen {
        let now = prometheus.query(query).await?;
        return Err(format!("{query} is {now:?}, not [1] ({e}); {}", prometheus.log()).into());
    }
    let others = prometheus
        .query(r#"paystatus_component_status{component="card",status!="major_outage"} == 1"#)
        .await?;
    assert!(others.is_empty(), "{others:?}");
    Ok(())
}

#[tokio::test]
async fn the_example_alert_rules_pass_promtool() -> TestResult {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/prometheus-alerts.yml");
    let (ok, said) = promtool(&["check", "rules", path], "").await?;
    assert!(ok, "promtool check rules: {said}");
    assert!(said.contains("SUCCESS: 2 rules found"), "{said}");
    let rules = std::fs::read_to_string(path)?;
    assert!(rules.contains(r#"paystatus_component_status{status="major_outage"} == 1"#));
    assert!(rules.contains("for: 30m"));
    assert!(rules.contains("paystatus_incident_next_update_overdue_seconds > 0"));
    Ok(())
}

/// Metric names in a PromQL expression (what is not a function, label or keyword).
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut word = String::new();
    let mut in_braces = false;
    let mut in_quotes = false;
    for c in expr.chars().chain(std::iter::once(' ')) {
        match c {
            '"' => in_quotes = !in_quotes,
            '{' if !in_quotes => in_braces = true,
            '}' if !in_quotes => in_braces = false,
            _ => {}
        }
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
            continue;
        }
        if !in_quotes
            && !in_braces
            && c != '"'
            && (word.starts_with("paystatus_") || word.starts_with("process_"))
        {
            names.insert(word.clone());
        }
        word.clear();
    }
    names
}

#[tokio::test]
async fn the_grafana_dashboard_loads_and_graphs_only_families_metrics_exposes() -> TestResult {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/grafana-dashboard.json");
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let version = dashboard["schemaVersion"]
        .as_u64()
        .ok_or("no schemaVersion")?;
    assert!(
        version >= 39,
        "schemaVersion {version}: a current Grafana's is 39 or later"
    );
    assert!(dashboard["title"].is_string() && dashboard["uid"].is_string());

    let app = spawn_app().await;
    app.get("/").await?;
    let text = metrics_text(&app).await?;
    let exposed: Vec<(String, String)> = families(&text);
    let is_exposed = |name: &str| {
        exposed.iter().any(|(family, kind)| {
            family == name
                || (kind == "histogram"
                    && ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|suffix| name.strip_suffix(suffix) == Some(family)))
        })
    };
    let panels = dashboard["panels"].as_array().ok_or("no panels")?;
    let mut graphed = BTreeSet::new();
    for panel in panels {
        assert!(panel["gridPos"].is_object(), "{panel}");
        if panel["type"] == "row" {
            continue;
        }
        let targets = panel["targets"]
            .as_array()
            .ok_or("a panel without targets")?;
        assert!(!targets.is_empty(), "{}", panel["title"]);
        for target in targets {
            let expr = target["expr"].as_str().ok_or("a target without expr")?;
            let names = metric_names(expr);
            assert!(
                !names.is_empty(),
                "{} graphs no metric: {expr}",
                panel["title"]
            );
            for name in names {
                assert!(
                    is_exposed(&name),
                    "{}: {name} is not a family /metrics exposes",
                    panel["title"]
                );
                graphed.insert(name);
            }
        }
    }
    // What the issue asks the dashboard to show.
    for needed in [
        "paystatus_component_status",
        "paystatus_open_incidents",
        "paystatus_incident_next_update_overdue_seconds",
        "paystatus_http_request_duration_seconds_bucket",
        "paystatus_snapshot_build_duration_seconds_bucket",
        "paystatus_write_visible_duration_seconds_bucket",
        "process_resident_memory_bytes",
    ] {
        assert!(
            graphed.contains(needed),
            "the dashboard does not graph {needed}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn problems_carry_the_request_id_of_the_header_and_only_proxies_choose_it() -> TestResult {
    // No trusted proxy: the client's id is replaced, and the problem names the new one.
    let app = spawn_app().await;
    let r = app
        .admin(Method::GET, "/incidents/nope")
        .header("x-request-id", "ticket-42")
        .send()
        .await?;
    let id = header(&r, "x-request-id");
    assert!(id.len() == 32 && id != "ticket-42", "{id}");
    let problem = expect_problem(r, StatusCode::NOT_FOUND, None).await?;
    assert_eq!(problem["request_id"], id.as_str());
    // Public answers carry one too, each its own.
    let a = header(&app.get("/").await?, "x-request-id");
    let b = header(&app.get("/").await?, "x-request-id");
    assert!(!a.is_empty() && a != b, "{a} {b}");

    // Behind a trusted proxy, its id is kept when it is sane, and replaced when not.
    let app = spawn_app_configured(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("a CIDR range")]
    })
    .await;
    let r = app
        .admin(Method::GET, "/incidents/nope")
        .header("x-request-id", "ticket-42")
        .send()
        .await?;
    assert_eq!(header(&r, "x-request-id"), "ticket-42");
    let problem = expect_problem(r, StatusCode::NOT_FOUND, None).await?;
    assert_eq!(problem["request_id"], "ticket-42");
    for bad in ["x".repeat(129), "two words".to_string()] {
        let r = app
            .admin(Method::GET, "/incidents/nope")
            .header("x-request-id", bad.as_str())
            .send()
            .await?;
        let id = header(&r, "x-request-id");
        assert!(id.len() == 32 && id != bad, "{id}");
        expect_problem(r, StatusCode::NOT_FOUND, None).await?;
    }
    let max = "y".repeat(128);
    let r = app.get("/").await?;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(format!("{}/", app.address))
        .header("x-request-id", max.as_str())
        .send()
        .await?;
    assert_eq!(header(&r, "x-request-id"), max);
    Ok(())
}

#[tokio::test]
async fn health_lists_its_checks_and_fails_only_when_the_page_is_stale() -> TestResult {
    let app = spawn_app().await;
    let r = app.get("/healthz").await?;
    assert_eq!(r.status(), StatusCode::OK);
    let short: Value = r.json().await?;
    assert_eq!(short["status"], "ok");
    assert!(short.get("checks").is_none(), "{short}");

    let verbose: Value = app.get("/healthz?verbose").await?.json().await?;
    let checks = verbose["checks"].as_array().ok_or("no checks")?;
    let names: Vec<&str> = checks.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names,
        ["database", "writes", "snapshot", "outbox"],
        "{verbose}"
    );
    assert!(checks.iter().all(|c| c["status"] == "ok"), "{verbose}");
    assert_eq!(checks[3]["events_to_fan_out"], 0, "{verbose}");

    // The timer stops rebuilding for an hour: readers would get an old page.
    app.clock.advance(chrono::Duration::hours(1));
    let r = app.get("/healthz?verbose").await?;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = r.json().await?;
    assert_eq!(body["status"], "fail", "{body}");
    assert_eq!(body["failing"], serde_json::json!(["snapshot"]), "{body}");
    app.tick().await?;
    assert_eq!(app.get("/healthz").await?.status(), StatusCode::OK);
    Ok(())
}

/// The server binary, run as an operator runs it, with JSON logs on stderr.
struct Server {
    address: String,
    lines: Arc<Mutex<Vec<String>>>,
    _process: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(dir: tempfile::TempDir) -> TestResult<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut process = Command::new(env!("CARGO_BIN_EXE_paystatus"))
            .arg("serve")
            .env("PAYSTATUS_DATA_DIR", dir.path())
            .env("PAYSTATUS_LISTEN", format!("127.0.0.1:{port}"))
            .env("PAYSTATUS_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stderr = process.stderr.take().ok_or("no stderr")?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let collected = lines.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                collected
                    .lock()
                    .expect("the test holds no lock across a panic")
                    .push(line);
            }
        });
        let server = Server {
            address: format!("http://127.0.0.1:{port}"),
            lines,
            _process: process,
            _dir: dir,
        };
        let started = Instant::now();
        while reqwest::get(format!("{}/healthz", server.address))
            .await
            .is_err()
        {
            if started.elapsed() > Duration::from_secs(20) {
                return Err(format!("the server did not start: {:?}", server.lines()).into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(server)
    }

    fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .expect("the reader holds no lock across a panic")
            .clone()
    }
}

#[tokio::test]
async fn json_log_lines_parse_and_carry_the_request_id_of_the_answer() -> TestResult {
    let dir = tempfile::tempdir()?;
    let created = std::process::Command::new(env!("CARGO_BIN_EXE_paystatus"))
        .args(["keys", "create", "--name", "ops-bot", "--scope", "read"])
        .env("PAYSTATUS_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .output()?;
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let key = String::from_utf8(created.stdout)?.trim().to_string();
    let server = Server::start(dir).await?;

    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/api/admin/v1/incidents/nope", server.address))
        .bearer_auth(&key)
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let id = header(&r, "x-request-id");
    assert!(!id.is_empty());

    let started = Instant::now();
    let line = loop {
        let found = server.lines().into_iter().find(|l| l.contains(&id));
        if let Some(line) = found {
            break line;
        }
        if started.elapsed() > Duration::from_secs(10) {
            return Err(format!("no log line names {id}: {:?}", server.lines()).into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut parsed = Vec::new();
    for l in server.lines() {
        let v: Value = serde_json::from_str(&l).map_err(|e| format!("not JSON ({e}): {l}"))?;
        for field in ["timestamp", "level", "target", "message"] {
            assert!(v.get(field).is_some(), "no {field}: {l}");
        }
        parsed.push(v);
    }
    let entry: Value = serde_json::from_str(&line)?;
    assert_eq!(entry["request_id"], id.as_str(), "{line}");
    assert_eq!(entry["method"], "GET", "{line}");
    assert_eq!(entry["route"], "/api/admin/v1/incidents/{id}", "{line}");
    assert_eq!(entry["status"], 404, "{line}");
    assert_eq!(entry["who"], "ops-bot", "{line}");
    assert!(entry["latency_ms"].is_number(), "{line}");
    // Logged once, and no line holds the key itself.
    assert_eq!(
        parsed
            .iter()
            .filter(|v| v["request_id"] == id.as_str())
            .count(),
        1
    );
    assert!(server.lines().iter().all(|l| !l.contains(&key)));
    Ok(())
}
