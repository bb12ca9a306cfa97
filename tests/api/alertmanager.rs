//! A real Alertmanager (Debian's `prometheus-alertmanager`, installed by `.ci/run`) sends
//! its webhook to the test server: alerts posted to its own API turn the card channel
//! `major_outage` on the public summary and open one draft incident; its re-sends change
//! nothing; resolving restores the channel; an unknown channel and a key without
//! `automation` are refused with nothing changed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::durability::free_port;
use crate::helpers::*;

/// A running Alertmanager, stopped when dropped.
struct Alertmanager {
    url: String,
    client: reqwest::Client,
    _process: Child,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// Starts one that sends every alert to `app`: with `automation_key`, or with
    /// `reader_key` for alerts labelled `via="reader"`.
    async fn start(app: &TestApp, automation_key: &str, reader_key: &str) -> TestResult<Self> {
        let exe = executable()?;
        let dir = tempfile::tempdir()?;
        let hook = app.admin_url("/integrations/alertmanager");
        // Sends a group a second after its first alert, and again every two seconds, so
        // the test sees a repeat soon.
        let config = format!(
            r#"route:
  receiver: paystatus
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
  routes:
    - receiver: reader
      matchers: ['via="reader"']
receivers:
  - name: paystatus
    webhook_configs:
      - url: {hook}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {automation_key}
  - name: reader
    webhook_configs:
      - url: {hook}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {reader_key}
"#
        );
        let config_path = dir.path().join("alertmanager.yml");
        std::fs::write(&config_path, config)?;
        let port = free_port()?;
        let log = std::fs::File::create(dir.path().join("alertmanager.log"))?;
        let process = Command::new(&exe)
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let am = Alertmanager {
            url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            _process: process,
            _dir: dir,
        };
        let ready = wait_for(Duration::from_secs(20), || async {
            Ok(am
                .client
                .get(format!("{}/-/ready", am.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success()))
        })
        .await;
        if ready.is_err() {
            let log = std::fs::read_to_string(am._dir.path().join("alertmanager.log"))?;
            return Err(format!("Alertmanager did not become ready; its log:\n{log}").into());
        }
        Ok(am)
    }

    /// Posts alerts to Alertmanager's own API, as Prometheus does.
    async fn post(&self, alerts: Value) -> TestResult {
        let r = self
            .client
            .post(format!("{}/api/v2/alerts", self.url))
            .json(&alerts)
            .send()
            .await?;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await?);
        Ok(())
    }

    /// The sum of an Alertmanager counter over its webhook series.
    async fn webhook_counter(&self, name: &str) -> TestResult<f64> {
        let text = self
            .client
            .get(format!("{}/metrics", self.url))
            .send()
            .await?
            .text()
            .await?;
        Ok(text
            .lines()
            .filter(|l| {
                l.starts_with(&format!("{name}{{")) && l.contains("integration=\"webhook\"")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum())
    }
}

/// `$ALERTMANAGER`, else `prometheus-alertmanager` (Debian's name) or `alertmanager` on
/// `PATH`.
fn executable() -> TestResult<PathBuf> {
    if let Some(path) = std::env::var_os("ALERTMANAGER") {
        return Ok(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| ["prometheus-alertmanager", "alertmanager"].map(|name| dir.join(name)))
        .find(|p| Path::new(p).is_file())
        .ok_or_else(|| {
            "Alertmanager is not installed: run `bash .ci/run` (it installs Debian's \
             prometheus-alertmanager), or set ALERTMANAGER to its path"
                .into()
        })
}

/// Polls `check` every 50 ms until it says yes, or fails after `limit`.
async fn wait_for<F, Fut>(limit: Duration, mut check: F) -> TestResult<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = TestResult<bool>>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await? {
            return Ok(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("not within {limit:?}").into())
}

fn card_alert(name: &str, component: &str, ends: Option<chrono::DateTime<Utc>>) -> Value {
    let mut alert = json!({
        "labels": {
            "alertname": name,
            "paystatus_component": component,
            "severity": "critical"
        },
        "annotations": { "summary": "Card approvals are failing" },
        "startsAt": (Utc::now() - chrono::Duration::seconds(5)).to_rfc3339()
    });
    if let Some(ends) = ends {
        alert["endsAt"] = json!(ends.to_rfc3339());
    }
    alert
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_through_a_real_alertmanager_move_the_page_and_open_one_draft() -> TestResult {
    let app = spawn_app().await;
    let (_, automation) = app.create_key_ok("alertmanager", &["automation"]).await?;
    let (_, reader) = app.create_key_ok("reader", &["read"]).await?;
    let am = Alertmanager::start(&app, &automation, &reader).await?;

    // Firing: the public summary shows the outage; one draft waits for a person.
    am.post(json!([card_alert("CardApprovalErrors", "card", None)]))
        .await?;
    let took = wait_for(Duration::from_secs(20), || async {
        Ok(app.public_status("card").await? == "major_outage")
    })
    .await
    .map_err(|e| format!("card never turned major_outage: {e}"))?;
    // The alert started before `group_wait`, so Alertmanager sends its group at once:
    // this is the time from Alertmanager's API to the public summary.
    println!("Alertmanager received the alert; the public summary showed it {took:?} later");
    let incidents = app.list_incidents().await?;
    assert_eq!(items(&incidents).len(), 1, "{incidents}");
    assert_eq!(items(&incidents)[0]["draft"], true);

    // Alertmanager sends the group again: nothing changes.
    let before = app.stored_state().await?;
    let sent = am
        .webhook_counter("alertmanager_notifications_total")
        .await?;
    wait_for(Duration::from_secs(20), || async {
        Ok(am
            .webhook_counter("alertmanager_notifications_total")
            .await?
            >= sent + 1.0)
    })
    .await
    .map_err(|e| format!("Alertmanager sent no repeat: {e}"))?;
    assert_eq!(
        app.stored_state().await?,
        before,
        "a repeat changed something"
    );
    let fired = app
        .audit_actions()
        .await?
        .iter()
        .filter(|(a, who)| a == "alert.fired" && who == "alertmanager")
        .count();
    assert_eq!(fired, 1);

    // Resolved: the channel is back.
    am.post(json!([card_alert(
        "CardApprovalErrors",
        "card",
        Some(Utc::now())
    )]))
    .await?;
    wait_for(Duration::from_secs(20), || async {
        Ok(app.public_status("card").await? == "operational")
    })
    .await
    .map_err(|e| format!("card never turned operational again: {e}"))?;

    // An unknown channel, and a key without `automation`: refused, nothing changed.
    let before = app.stored_state().await?;
    let failed = am
        .webhook_counter("alertmanager_notifications_failed_total")
        .await?;
    let mut by_reader = card_alert("ReaderKey", "card", None);
    by_reader["labels"]["via"] = json!("reader");
    am.post(json!([
        card_alert("UnknownChannel", "nope", None),
        by_reader
    ]))
    .await?;
    wait_for(Duration::from_secs(20), || async {
        Ok(am
            .webhook_counter("alertmanager_notifications_failed_total")
            .await?
            >= failed + 2.0)
    })
    .await
    .map_err(|e| format!("Alertmanager's two sends were not refused: {e}"))?;
    assert_eq!(app.public_status("card").await?, "operational");
    assert_eq!(
        app.stored_state().await?,
        before,
        "a refused send changed something"
    );
    Ok(())
}
