//! The bucket mirror against a real S3-compatible server: moto's standalone server
//! (`moto[server]`, installed by `.ci/run` into `.ci/venv`), started by each test. What
//! a CDN would serve is read back over plain HTTP, headers and all.

use std::io::Read;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

use crate::durability::free_port;
use crate::helpers::*;
use crate::observability::{families, promtool};

const BUCKET: &str = "status-mirror";
const PREFIX: &str = "site";

/// A moto server on a free port, with an empty bucket.
struct Moto {
    port: u16,
    _child: Child,
    http: reqwest::Client,
}

impl Moto {
    async fn start() -> TestResult<Moto> {
        let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/moto_server");
        if !bin.exists() {
            return Err(format!(
                "{} is missing: run .ci/run, which installs moto[server]",
                bin.display()
            )
            .into());
        }
        let port = free_port()?;
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let http = reqwest::Client::new();
        let moto = Moto {
            port,
            _child: child,
            http,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = moto.http.put(moto.url(BUCKET)).send().await
                && r.status().is_success()
            {
                // Public read for the prefix, as the README sets a real bucket up; and
                // writes, for the tests that meddle with the bucket behind the mirror.
                let policy = json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": "*",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": format!("arn:aws:s3:::{BUCKET}/{PREFIX}/*")}]});
                let r = moto
                    .http
                    .put(moto.url(&format!("{BUCKET}?policy")))
                    .header("content-type", "application/json")
                    .body(policy.to_string())
                    .send()
                    .await?;
                assert!(
                    r.status().is_success(),
                    "moto refused the policy: {}",
                    r.status()
                );
                return Ok(moto);
            }
            if Instant::now() > deadline {
                return Err("moto did not start within 30 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.endpoint())
    }

    /// The object at a site path (`/en/index.html`): status, headers and decoded body.
    async fn object(&self, site_path: &str) -> TestResult<Object> {
        let r = self
            .http
            .get(self.url(&format!("{BUCKET}/{PREFIX}{site_path}")))
            .send()
            .await?;
        let status = r.status().as_u16();
        let (content_type, cache_control, encoding) = (
            header(&r, "content-type"),
            header(&r, "cache-control"),
            header(&r, "content-encoding"),
        );
        let raw = r.bytes().await?;
        let body = if encoding == "gzip" {
            let mut out = String::new();
            flate2::read::GzDecoder::new(&raw[..]).read_to_string(&mut out)?;
            out
        } else {
            String::from_utf8_lossy(&raw).into_owned()
        };
        Ok(Object {
            status,
            content_type,
            cache_control,
            encoding,
            body,
        })
    }

    /// Waits until `check` holds for the object at `site_path`; the time it took.
    async fn wait_for(
        &self,
        site_path: &str,
        what: &str,
        check: impl Fn(&Object) -> bool,
    ) -> TestResult<Duration> {
        let started = Instant::now();
        loop {
            let o = self.object(site_path).await?;
            if check(&o) {
                return Ok(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(20) {
                return Err(format!(
                    "{site_path}: {what} not seen within 20 s (last: {} {})",
                    o.status,
                    o.body.chars().take(200).collect::<String>()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn put_raw(&self, site_path: &str, body: &str) -> TestResult {
        let r = self
            .http
            .put(self.url(&format!("{BUCKET}/{PREFIX}{site_path}")))
            .body(body.to_string())
            .send()
            .await?;
        assert!(
            r.status().is_success(),
            "moto refused a put: {}",
            r.status()
        );
        Ok(())
    }

    async fn delete_raw(&self, site_path: &str) -> TestResult {
        let r = self
            .http
            .delete(self.url(&format!("{BUCKET}/{PREFIX}{site_path}")))
            .send()
            .await?;
        assert!(
            r.status().is_success(),
            "moto refused a delete: {}",
            r.status()
        );
        Ok(())
    }
}

#[derive(Debug)]
struct Object {
    status: u16,
    content_type: String,
    cache_control: String,
    encoding: String,
    body: String,
}

/// A server mirroring to `endpoint` (moto, or a proxy in front of it).
async fn mirrored_app(endpoint: &str) -> TestApp {
    let endpoint = endpoint.to_string();
    spawn_app_configured(move |c| {
        c.mirror_url = Some(format!("s3://{BUCKET}/{PREFIX}").parse().unwrap());
        c.mirror_aws = [
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    })
    .await
}

async fn metric(app: &TestApp, name: &str) -> TestResult<f64> {
    let text = app.get("/metrics").await?.text().await?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .ok_or_else(|| format!("/metrics has no {name}").into())
}

/// The mirror's check in `/healthz?verbose`, with the whole answer.
async fn mirror_health(app: &TestApp) -> TestResult<(Value, Value)> {
    let health: Value = app.get("/healthz?verbose").await?.json().await?;
    let check = health["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == "mirror"))
        .cloned()
        .ok_or_else(|| format!("/healthz has no mirror check: {health}"))?;
    Ok((check, health))
}

/// Waits until the mirror has caught up with the live snapshot; its check.
async fn caught_up(app: &TestApp) -> TestResult<Value> {
    let started = Instant::now();
    loop {
        let (mirror, health) = mirror_health(app).await?;
        if mirror["lag_seconds"] == json!(0.0) && mirror["last_synced"].is_string() {
            assert_eq!(mirror["status"], "ok", "{health}");
            return Ok(mirror);
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("the mirror did not catch up: {health}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn after_a_write_the_bucket_holds_the_new_documents_with_their_headers() -> TestResult {
    let moto = Moto::start().await?;
    let app = mirrored_app(&moto.endpoint()).await;
    // The first pass puts the whole site up.
    moto.wait_for("/index.html", "the page", |o| o.status == 200)
        .await?;
    caught_up(&app).await?;

    let incident = app.create_incident_ok(&card_outage()).await?;
    let id = string(&incident["id"])?;
    let lag = moto
        .wait_for("/index.html", "the new incident on the page", |o| {
            o.body.contains("카드 결제 승인 지연")
        })
        .await?;
    println!("admin write acknowledged → the page in the bucket: {lag:?}");
    assert!(lag < Duration::from_secs(5), "the bucket took {lag:?}");
    for (path, title) in [
        (format!("/incidents/{id}/index.html"), "카드 결제 승인 지연"),
        (
            format!("/en/incidents/{id}/index.html"),
            "<html lang=\"en\"",
        ),
        (format!("/api/v2/incidents/{id}.json"), &id),
        ("/api/v2/summary.json".to_string(), &id),
        ("/en/index.html".to_string(), "<html lang=\"en\""),
    ] {
        let o = moto.object(&path).await?;
        assert_eq!(o.status, 200, "{path}");
        assert!(o.body.contains(title), "{path} lacks {title}");
    }

    // The headers the server would send, gzip-encoded where that is smaller.
    let page = moto.object("/index.html").await?;
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert_eq!(
        page.cache_control,
        "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400"
    );
    assert_eq!(page.encoding, "gzip");
    let summary = moto.object("/api/v2/summary.json").await?;
    assert_eq!(summary.content_type, "application/json; charset=utf-8");
    assert_eq!(summary.cache_control, page.cache_control);
    let served = app.get("/api/v2/summary.json").await?.text().await?;
    assert_eq!(summary.body, served, "the bucket holds the server's bytes");
    let widget = moto.object("/widget.js").await?;
    assert!(widget.content_type.starts_with("text/javascript"));
    assert!(widget.cache_control.contains("max-age=86400"));
    let page_html = app.get("/").await?.text().await?;
    let css = page_html
        .split('"')
        .find(|s| s.starts_with("/assets/style."))
        .ok_or("the page names no stylesheet")?;
    let style = moto.object(css).await?;
    assert_eq!(
        (style.status, style.content_type.as_str()),
        (200, "text/css; charset=utf-8")
    );
    assert_eq!(style.cache_control, "public, max-age=31536000, immutable");

    // Its figures join the one registry, in a form Prometheus reads.
    let exposition = app.get("/metrics").await?.text().await?;
    let (passed, said) = promtool(&["check", "metrics"], &exposition).await?;
    assert!(passed, "promtool: {said}");
    let kinds = families(&exposition);
    for (family, kind) in [
        ("paystatus_mirror_lag_seconds", "gauge"),
        ("paystatus_mirror_objects", "gauge"),
        ("paystatus_mirror_last_synced_timestamp_seconds", "gauge"),
        ("paystatus_mirror_uploads_total", "counter"),
        ("paystatus_mirror_deletes_total", "counter"),
        ("paystatus_mirror_failures_total", "counter"),
    ] {
        assert!(
            kinds.contains(&(family.to_string(), kind.to_string())),
            "{family} is not a {kind} in /metrics"
        );
    }

    // One ordinary update: only what changed goes up.
    caught_up(&app).await?;
    let before = metric(&app, "paystatus_mirror_uploads_total").await?;
    app.post_incident_update_ok(
        &id,
        &json!({"status": "identified", "message": "카드사 중계망 장애로 확인되었습니다."}),
    )
    .await?;
    moto.wait_for(&format!("/incidents/{id}/index.html"), "the update", |o| {
        o.body.contains("카드사 중계망 장애로 확인되었습니다.")
    })
    .await?;
    let health = caught_up(&app).await?;
    let uploaded = metric(&app, "paystatus_mirror_uploads_total").await? - before;
    println!(
        "one ordinary update uploaded {uploaded} of {} objects",
        health["objects"]
    );
    assert!(uploaded > 0.0 && uploaded < health["objects"].as_f64().unwrap_or(0.0) / 2.0);
    assert!(health["last_error"].is_null());
    Ok(())
}

#[tokio::test]
async fn a_page_the_site_no_longer_has_disappears_from_the_bucket() -> TestResult {
    let moto = Moto::start().await?;
    let app = mirrored_app(&moto.endpoint()).await;
    // 120 closed notices over ten years: the newest 100 are on the history pages the
    // snapshot holds, so their pages are mirrored; the older ones are the origin's.
    let past = app.seed_past_incidents(120).await?;
    let (oldest_linked, unlinked) = (&past[20], &past[19]);
    moto.wait_for(
        &format!("/incidents/{oldest_linked}/index.html"),
        "the 100th closed notice",
        |o| o.status == 200,
    )
    .await?;
    caught_up(&app).await?;
    assert_eq!(
        moto.object(&format!("/incidents/{unlinked}/index.html"))
            .await?
            .status,
        404
    );

    // One more closed notice pushes the 100th off the held pages: its page goes.
    let new = string(
        &app.create_incident_ok(&incident_titled("휴대폰 결제 지연"))
            .await?["id"],
    )?;
    app.post_incident_update_ok(
        &new,
        &json!({"status": "resolved", "message": "해결되었습니다."}),
    )
    .await?;
    moto.wait_for(
        &format!("/incidents/{oldest_linked}/index.html"),
        "the page gone",
        |o| o.status == 404,
    )
    .await?;
    for path in [
        format!("/en/incidents/{oldest_linked}/index.html"),
        format!("/api/v2/incidents/{oldest_linked}.json"),
    ] {
        assert_eq!(moto.object(&path).await?.status, 404, "{path}");
    }
    assert_eq!(
        moto.object(&format!("/incidents/{new}/index.html"))
            .await?
            .status,
        200
    );
    assert!(metric(&app, "paystatus_mirror_deletes_total").await? >= 3.0);
    Ok(())
}

/// A TCP proxy in front of moto that answers 503 to everything while told to fail.
async fn flaky_proxy(to: u16, failing: Arc<AtomicBool>) -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let failing = failing.clone();
            tokio::spawn(async move {
                if failing.load(Ordering::SeqCst) {
                    let _ = client
                        .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                    return;
                }
                if let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", to)).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    Ok(port)
}

#[tokio::test]
async fn a_bucket_that_fails_for_a_while_is_caught_up_afterwards_and_never_slows_writes()
-> TestResult {
    let moto = Moto::start().await?;
    let failing = Arc::new(AtomicBool::new(false));
    let proxy = flaky_proxy(moto.port, failing.clone()).await?;
    let app = mirrored_app(&format!("http://127.0.0.1:{proxy}")).await;
    moto.wait_for("/index.html", "the page", |o| o.status == 200)
        .await?;
    caught_up(&app).await?;

    failing.store(true, Ordering::SeqCst);
    let incident = app.create_incident_ok(&card_outage()).await?;
    let id = string(&incident["id"])?;
    // The write is acknowledged and live here while the bucket refuses everything.
    assert!(
        app.get("/")
            .await?
            .text()
            .await?
            .contains("카드 결제 승인 지연")
    );
    let started = Instant::now();
    let (mirror, health) = loop {
        let (mirror, health) = mirror_health(&app).await?;
        if mirror["last_error"].is_string() {
            break (mirror, health);
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no error reported: {health}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Degraded, not failing: the page is still served here.
    assert_eq!(app.get("/healthz").await?.status(), reqwest::StatusCode::OK);
    assert_eq!(
        (health["status"].as_str(), mirror["status"].as_str()),
        (Some("degraded"), Some("degraded")),
        "{health}"
    );
    assert!(
        mirror["lag_seconds"].as_f64().unwrap_or(0.0) > 0.0,
        "{mirror}"
    );
    assert!(metric(&app, "paystatus_mirror_failures_total").await? >= 1.0);
    assert!(metric(&app, "paystatus_mirror_lag_seconds").await? > 0.0);
    assert_eq!(
        moto.object(&format!("/incidents/{id}/index.html"))
            .await?
            .status,
        404
    );
    // Writes go on at their usual pace meanwhile.
    let write = Instant::now();
    app.post_incident_update_ok(
        &id,
        &json!({"status": "identified", "message": "원인을 찾았습니다."}),
    )
    .await?;
    println!("a write while the bucket fails: {:?}", write.elapsed());

    failing.store(false, Ordering::SeqCst);
    moto.wait_for(
        &format!("/incidents/{id}/index.html"),
        "the page after the outage",
        |o| o.body.contains("원인을 찾았습니다."),
    )
    .await?;
    let mirror = caught_up(&app).await?;
    assert!(mirror["last_error"].is_null(), "{mirror}");
    Ok(())
}

#[tokio::test]
async fn after_a_restart_the_bucket_is_reconciled_with_the_live_snapshot() -> TestResult {
    let moto = Moto::start().await?;
    let mut app = mirrored_app(&moto.endpoint()).await;
    moto.wait_for("/index.html", "the page", |o| o.status == 200)
        .await?;
    caught_up(&app).await?;
    app.stop().await?;

    // While the server is down, a stray object appears and a page goes missing.
    moto.put_raw("/stray/index.html", "left over").await?;
    moto.delete_raw("/en/index.html").await?;
    app.start().await?;
    let incident = app.create_incident_ok(&card_outage()).await?;
    let id = string(&incident["id"])?;

    moto.wait_for("/stray/index.html", "the stray object removed", |o| {
        o.status == 404
    })
    .await?;
    moto.wait_for("/en/index.html", "the missing page back", |o| {
        o.status == 200
    })
    .await?;
    moto.wait_for(
        &format!("/incidents/{id}/index.html"),
        "the new notice",
        |o| o.status == 200,
    )
    .await?;
    caught_up(&app).await?;
    Ok(())
}
