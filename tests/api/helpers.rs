//! The test harness: a real paystatus on a random port with its own data directory and a
//! clock that only moves when a test says so, plus one method per endpoint.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use paystatus::domain::{Clock, ManualClock};
use paystatus::store::{DataDirLock, LockError};
use paystatus::{App, AppHandle, Config};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::task::JoinHandle;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Every test starts at 2026-11-25 14:05 KST, so relative times on the page are fixed.
pub const START: &str = "2026-11-25T05:05:00Z";

pub const ALL_SCOPES: &str = "read,incidents,components,keys,automation";

pub fn start_time() -> DateTime<Utc> {
    START.parse().expect("START is an RFC 3339 time")
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    /// `None` while the server is stopped; see `handle()`.
    handle: Option<AppHandle>,
    /// A key with every scope, made with the command line.
    pub admin_key: String,
    pub data_dir: TempDir,
    config: Config,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// What the command line printed.
#[derive(Debug)]
pub struct CliOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_without_key().await.with_admin_key().await
}

/// A running app whose database holds no API key yet.
pub async fn spawn_app_without_key() -> TestApp {
    spawn_app_configured_without_key(|_| {}).await
}

/// A running app with a key, whose configuration `configure` changed first.
pub async fn spawn_app_configured(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_configured_without_key(configure)
        .await
        .with_admin_key()
        .await
}

async fn spawn_app_configured_without_key(configure: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("cannot make a temporary data directory");
    let clock = Arc::new(ManualClock::new(start_time()));
    let mut config = Config::for_tests(data_dir.path().to_path_buf());
    configure(&mut config);
    let (address, handle, server) = start(config.clone(), clock.clone()).await;
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // The server closes idle connections after its header timeout (10 s); a
            // client that keeps them longer races it and may send into a closing one.
            .pool_idle_timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("cannot build an HTTP client"),
        clock,
        handle: Some(handle),
        admin_key: String::new(),
        data_dir,
        config,
        server: Some(server),
    }
}

async fn start(
    config: Config,
    clock: Arc<ManualClock>,
) -> (String, AppHandle, JoinHandle<std::io::Result<()>>) {
    let app = App::build_with_clock(config, clock as Arc<dyn Clock>)
        .await
        .expect("the app failed to start");
    let address = format!("http://{}", app.address());
    let handle = app.handle();
    let server = tokio::spawn(app.run());
    (address, handle, server)
}

impl TestApp {
    async fn with_admin_key(mut self) -> TestApp {
        self.admin_key = self
            .create_key_with_cli("test-admin", ALL_SCOPES)
            .await
            .expect("the command line could not create the admin key");
        self
    }

    // ---- the clock and the server ----------------------------------------------------

    /// Moves the clock on and runs what the timer would run.
    pub async fn advance_and_tick(&self, by: Duration) -> TestResult {
        self.clock.advance(by);
        self.tick().await
    }

    pub async fn tick(&self) -> TestResult {
        self.handle().tick().await?;
        Ok(())
    }

    /// The running server's handle (its store, its publisher).
    pub fn handle(&self) -> &AppHandle {
        self.handle
            .as_ref()
            .expect("the server is stopped; start() it first")
    }

    /// Stops the server and waits until it has let go of the data directory (its lock,
    /// and so its database connections), as a stopped process would have.
    pub async fn stop(&mut self) -> TestResult {
        if let Some(handle) = self.handle.take() {
            handle.shutdown();
        }
        if let Some(server) = self.server.take() {
            server.await??;
        }
        // A request task that has just answered may hold the state a moment longer.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match DataDirLock::acquire(self.data_dir.path()) {
                Ok(_) => return Ok(()),
                Err(LockError::Held { .. }) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await
                }
                Err(e) => return Err(format!("the stopped server still holds on: {e}").into()),
            }
        }
    }

    /// Starts a new server on the same data directory and clock, after `stop`.
    pub async fn start(&mut self) -> TestResult {
        if self.server.is_some() {
            return Err("the server is already running".into());
        }
        let (address, handle, server) = start(self.config.clone(), self.clock.clone()).await;
        self.handle = Some(handle);
        self.address = address;
        self.server = Some(server);
        Ok(())
    }

    /// Stops the server and starts a new one on the same data directory and clock.
    pub async fn restart(&mut self) -> TestResult {
        self.stop().await?;
        self.start().await
    }

    /// Writes `n` resolved past incidents through the store (as the benchmark does), the
    /// newest a day before the test starts, and republishes. Returns their ids, oldest
    /// first; their titles end in `#1` (oldest) to `#n`.
    pub async fn seed_past_incidents(&self, n: usize) -> TestResult<Vec<String>> {
        let store = self.handle().store().clone();
        let until = start_time() - Duration::days(1);
        let ids = tokio::task::spawn_blocking(move || {
            paystatus::store::synthetic::seed_past_incidents(&store, n, until)
        })
        .await??;
        self.tick().await?;
        Ok(ids)
    }

    // ---- command line ------------------------------------------------------------------

    pub async fn cli(&self, args: &[&str]) -> TestResult<CliOutput> {
        let dir = self.data_dir.path().to_path_buf();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_paystatus"))
                .args(&args)
                .env("PAYSTATUS_DATA_DIR", &dir)
                .env("RUST_LOG", "warn")
                .output()
        })
        .await??;
        Ok(CliOutput {
            success: output.status.success(),
            stdout: String::from_utf8(output.stdout)?,
            stderr: String::from_utf8(output.stderr)?,
        })
    }

    /// `paystatus keys create`; returns the key it printed.
    pub async fn create_key_with_cli(&self, name: &str, scopes: &str) -> TestResult<String> {
        let out = self
            .cli(&["keys", "create", "--name", name, "--scope", scopes])
            .await?;
        if !out.success {
            return Err(format!("keys create failed: {}", out.stderr).into());
        }
        Ok(out.stdout.trim().to_string())
    }

    /// `paystatus keys revoke ID` for the key named `name`.
    pub async fn revoke_key_with_cli(&self, name: &str) -> TestResult {
        let id = self.key_id(name).await?;
        let out = self.cli(&["keys", "revoke", &id]).await?;
        if !out.success {
            return Err(format!("keys revoke failed: {}", out.stderr).into());
        }
        Ok(())
    }

    /// The id of the key named `name` (names are unique within a test).
    pub async fn key_id(&self, name: &str) -> TestResult<String> {
        let keys = self.list_keys().await?;
        let found = items(&keys)
            .iter()
            .find(|k| k["name"] == json!(name))
            .ok_or_else(|| format!("there is no key named `{name}`"))?;
        string(&found["id"])
    }

    // ---- admin API ---------------------------------------------------------------------

    pub fn admin_url(&self, path: &str) -> String {
        format!("{}/api/admin/v1{path}", self.address)
    }

    /// A request to the admin API with the all-scopes key.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.admin_url(path))
            .bearer_auth(&self.admin_key)
    }

    pub async fn list_components(&self) -> TestResult<Value> {
        ok_json(self.admin(Method::GET, "/components").send().await?).await
    }

    pub async fn get_component(&self, id: &str) -> reqwest::Result<Response> {
        self.admin(Method::GET, &format!("/components/{id}"))
            .send()
            .await
    }

    pub async fn create_component(&self, body: &Value) -> reqwest::Result<Response> {
        self.admin(Method::POST, "/components")
            .json(body)
            .send()
            .await
    }

    pub async fn patch_component(&self, id: &str, body: &Value) -> reqwest::Result<Response> {
        self.admin(Method::PATCH, &format!("/components/{id}"))
            .json(body)
            .send()
            .await
    }

    pub async fn delete_component(&self, id: &str) -> reqwest::Result<Response> {
        self.admin(Method::DELETE, &format!("/components/{id}"))
            .send()
            .await
    }

    /// Sets a channel's status by hand and checks that it worked.
    pub async fn set_component_status(&self, id: &str, status: &str) -> TestResult<Value> {
        let r = self
            .patch_component(id, &json!({ "status": status }))
            .await?;
        expect_json(r, StatusCode::OK).await
    }

    /// A component's status as the admin API reports it.
    pub async fn component_status(&self, id: &str) -> TestResult<String> {
        let c = expect_json(self.get_component(id).await?, StatusCode::OK).await?;
        Ok(c["status"].as_str().unwrap_or_default().to_string())
    }

    pub async fn list_incidents(&self) -> TestResult<Value> {
        ok_json(self.admin(Method::GET, "/incidents").send().await?).await
    }

    pub async fn get_incident(&self, id: &str) -> reqwest::Result<Response> {
        self.admin(Method::GET, &format!("/incidents/{id}"))
            .send()
            .await
    }

    pub async fn create_incident(&self, body: &Value) -> reqwest::Result<Response> {
        self.admin(Method::POST, "/incidents")
            .json(body)
            .send()
            .await
    }

    /// Creates an incident and returns it, failing unless it was created.
    pub async fn create_incident_ok(&self, body: &Value) -> TestResult<Value> {
        expect_json(self.create_incident(body).await?, StatusCode::CREATED).await
    }

    pub async fn patch_incident(&self, id: &str, body: &Value) -> reqwest::Result<Response> {
        self.admin(Method::PATCH, &format!("/incidents/{id}"))
            .json(body)
            .send()
            .await
    }

    pub async fn post_incident_update(&self, id: &str, body: &Value) -> reqwest::Result<Response> {
        self.admin(Method::POST, &format!("/incidents/{id}/updates"))
            .json(body)
            .send()
            .await
    }

    /// Posts an update and returns the incident, failing unless it was accepted.
    pub async fn post_incident_update_ok(&self, id: &str, body: &Value) -> TestResult<Value> {
        expect_json(
            self.post_incident_update(id, body).await?,
            StatusCode::CREATED,
        )
        .await
    }

    pub async fn list_maintenances(&self) -> TestResult<Value> {
        ok_json(self.admin(Method::GET, "/maintenances").send().await?).await
    }

    pub async fn get_maintenance(&self, id: &str) -> reqwest::Result<Response> {
        self.admin(Method::GET, &format!("/maintenances/{id}"))
            .send()
            .await
    }

    pub async fn create_maintenance(&self, body: &Value) -> reqwest::Result<Response> {
        self.admin(Method::POST, "/maintenances")
            .json(body)
            .send()
            .await
    }

    pub async fn create_maintenance_ok(&self, body: &Value) -> TestResult<Value> {
        expect_json(self.create_maintenance(body).await?, StatusCode::CREATED).await
    }

    pub async fn patch_maintenance(&self, id: &str, body: &Value) -> reqwest::Result<Response> {
        self.admin(Method::PATCH, &format!("/maintenances/{id}"))
            .json(body)
            .send()
            .await
    }

    pub async fn post_maintenance_update(
        &self,
        id: &str,
        body: &Value,
    ) -> reqwest::Result<Response> {
        self.admin(Method::POST, &format!("/maintenances/{id}/updates"))
            .json(body)
            .send()
            .await
    }

    /// A maintenance's status as the admin API reports it.
    pub async fn maintenance_status(&self, id: &str) -> TestResult<String> {
        let m = expect_json(self.get_maintenance(id).await?, StatusCode::OK).await?;
        Ok(m["status"].as_str().unwrap_or_default().to_string())
    }

    pub async fn list_keys(&self) -> TestResult<Value> {
        ok_json(self.admin(Method::GET, "/keys").send().await?).await
    }

    pub async fn create_key(&self, body: &Value) -> reqwest::Result<Response> {
        self.admin(Method::POST, "/keys").json(body).send().await
    }

    /// Creates a key through the API; returns (id, secret).
    pub async fn create_key_ok(&self, name: &str, scopes: &[&str]) -> TestResult<(String, String)> {
        let r = self
            .create_key(&json!({ "name": name, "scopes": scopes }))
            .await?;
        let k = expect_json(r, StatusCode::CREATED).await?;
        Ok((string(&k["id"])?, string(&k["key"])?))
    }

    pub async fn revoke_key(&self, id: &str) -> reqwest::Result<Response> {
        self.admin(Method::DELETE, &format!("/keys/{id}"))
            .send()
            .await
    }

    pub async fn list_audit(&self) -> TestResult<Value> {
        ok_json(self.admin(Method::GET, "/audit?limit=200").send().await?).await
    }

    // ---- public pages ------------------------------------------------------------------

    pub async fn get(&self, path: &str) -> reqwest::Result<Response> {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
    }

    /// A public page, parsed.
    pub async fn get_page(&self, path: &str) -> TestResult<Page> {
        Page::from_response(self.get(path).await?).await
    }

    /// A public page asked for with `Accept-Language`.
    pub async fn get_page_in(&self, path: &str, accept_language: &str) -> TestResult<Page> {
        let r = self
            .client
            .get(format!("{}{path}", self.address))
            .header("Accept-Language", accept_language)
            .send()
            .await?;
        Page::from_response(r).await
    }

    /// Everything a rejected request must leave untouched.
    pub async fn stored_state(&self) -> TestResult<StoredState> {
        let keys = self.list_keys().await?;
        let page = self.get("/").await?;
        // Links carry the server's address, which changes with a restart.
        let relative = |v: &Value| -> TestResult<Value> {
            Ok(serde_json::from_str(
                &v.to_string().replace(&self.address, ""),
            )?)
        };
        Ok(StoredState {
            incidents: relative(&self.list_incidents().await?["items"])?,
            maintenances: relative(&self.list_maintenances().await?["items"])?,
            components: self.list_components().await?["items"].clone(),
            keys: items(&keys)
                .iter()
                .map(|k| (k["id"].to_string(), k["revoked_at"].to_string()))
                .collect(),
            audit_entries: items(&self.list_audit().await?).len(),
            page_etag: page
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string(),
        })
    }
}

/// What the admin API and the page hold, compared before and after a refused request.
#[derive(Debug, PartialEq)]
pub struct StoredState {
    pub incidents: Value,
    pub maintenances: Value,
    pub components: Value,
    pub keys: Vec<(String, String)>,
    pub audit_entries: usize,
    pub page_etag: String,
}

// ---- bodies ----------------------------------------------------------------------------

/// The incident of the scenario: card approvals failing at 14:04, posted at 14:05.
pub fn card_outage() -> Value {
    json!({
        "title": "카드 결제 승인 지연",
        "message": "일부 카드 결제가 실패하고 있습니다. 계좌이체나 간편결제는 정상적으로 이용하실 수 있습니다.",
        "status": "investigating",
        "components": { "card": "major_outage" },
        "eta": "2026-11-25T14:45",
        "next_update_in_minutes": 20,
        "alternatives": [
            { "component": "bank-transfer", "instructions": "주문서에서 '계좌이체'를 선택해 주세요" },
            { "component": "kakaopay", "instructions": "카카오페이로 결제하시면 바로 완료됩니다" }
        ]
    })
}

/// A small incident with the given title.
pub fn incident_titled(title: &str) -> Value {
    json!({
        "title": title,
        "message": "일부 결제가 되지 않습니다.",
        "components": { "mobile": "partial_outage" }
    })
}

/// Tonight's bank maintenance, 00:00–00:30 KST on the 26th.
pub fn bank_maintenance() -> Value {
    json!({
        "title": "은행 정기 점검",
        "message": "은행 정기 점검으로 계좌이체와 가상계좌를 잠시 이용하실 수 없습니다.",
        "components": ["bank-transfer", "virtual-account"],
        "scheduled_for": "2026-11-26T00:00",
        "scheduled_until": "2026-11-26T00:30"
    })
}

// ---- responses -------------------------------------------------------------------------

/// A response header as text ("" when absent).
pub fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub fn items(list: &Value) -> &[Value] {
    list["items"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

pub fn string(v: &Value) -> TestResult<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("expected a string, got {v}").into())
}

/// The JSON body of a response with the expected status; the body is in the error if not.
pub async fn expect_json(r: Response, status: StatusCode) -> TestResult<Value> {
    let got = r.status();
    let text = r.text().await?;
    if got != status {
        return Err(format!("expected {status}, got {got}: {text}").into());
    }
    Ok(serde_json::from_str(&text)?)
}

async fn ok_json(r: Response) -> TestResult<Value> {
    expect_json(r, StatusCode::OK).await
}

/// Checks an RFC 9457 problem response; with `field`, that the field is named at fault.
pub async fn expect_problem(
    r: Response,
    status: StatusCode,
    field: Option<&str>,
) -> TestResult<Value> {
    let got = r.status();
    let content_type = r
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let request_id = header(&r, "x-request-id");
    let text = r.text().await?;
    if got != status {
        return Err(format!("expected {status}, got {got}: {text}").into());
    }
    if !content_type.starts_with("application/problem+json") {
        return Err(format!("expected application/problem+json, got `{content_type}`").into());
    }
    let body: Value = serde_json::from_str(&text)?;
    if body["status"] != json!(status.as_u16()) {
        return Err(format!("the problem's status member is wrong: {text}").into());
    }
    // Every problem names its request, as the header does, so a ticket can quote it.
    if request_id.is_empty() || body["request_id"] != json!(request_id) {
        return Err(format!(
            "the problem's request_id is not the x-request-id header ({request_id}): {text}"
        )
        .into());
    }
    if let Some(field) = field {
        let named = body["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == json!(field)));
        if !named {
            return Err(format!("expected the field `{field}` to be named: {text}").into());
        }
    }
    Ok(body)
}

// ---- pages -----------------------------------------------------------------------------

/// A parsed public page.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: Html,
}

/// One notice card (`article.notice`) as a customer reads it.
#[derive(Debug, Clone)]
pub struct Notice {
    pub title: String,
    pub link: Option<String>,
    /// `(dt, dd)` pairs of `.facts`, such as ("예상 복구", "14:45 (약 40분 후)").
    pub facts: Vec<(String, String)>,
    pub alternatives: Vec<String>,
    pub message: Option<String>,
}

impl Notice {
    pub fn fact(&self, name: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|(dt, _)| dt == name)
            .map(|(_, dd)| dd.as_str())
    }

    pub fn recommends(&self, channel: &str) -> bool {
        self.alternatives.iter().any(|a| a.contains(channel))
    }
}

pub fn selector(css: &str) -> TestResult<Selector> {
    Selector::parse(css).map_err(|e| format!("bad selector `{css}`: {e}").into())
}

/// An element's text with whitespace collapsed.
pub fn text_of(e: ElementRef) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Only the element's own text, not that of child elements.
pub fn own_text(e: ElementRef) -> String {
    e.children()
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Page {
    pub async fn from_response(r: Response) -> TestResult<Page> {
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.text().await?;
        Ok(Page {
            status,
            headers,
            html: Html::parse_document(&body),
        })
    }

    pub fn select(&self, css: &str) -> TestResult<Vec<ElementRef<'_>>> {
        let s = selector(css)?;
        Ok(self.html.select(&s).collect())
    }

    pub fn count(&self, css: &str) -> TestResult<usize> {
        Ok(self.select(css)?.len())
    }

    /// Texts of every match.
    pub fn texts(&self, css: &str) -> TestResult<Vec<String>> {
        Ok(self.select(css)?.into_iter().map(text_of).collect())
    }

    /// Text of the first match; an error if nothing matches.
    pub fn text(&self, css: &str) -> TestResult<String> {
        self.select(css)?
            .into_iter()
            .next()
            .map(text_of)
            .ok_or_else(|| format!("nothing on the page matches `{css}`").into())
    }

    /// The banner's sentence, without its icon.
    pub fn banner(&self) -> TestResult<String> {
        self.select("section.banner h1")?
            .into_iter()
            .next()
            .map(own_text)
            .ok_or_else(|| "the page has no banner".into())
    }

    pub fn lang(&self) -> TestResult<String> {
        Ok(self
            .select("html")?
            .first()
            .and_then(|h| h.attr("lang"))
            .unwrap_or_default()
            .to_string())
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    /// Every notice card on the page.
    pub fn notices(&self) -> TestResult<Vec<Notice>> {
        self.notices_matching("article.notice")
    }

    /// Notice cards in the section labelled by `heading_id` (`now`, `maintenance-now`,
    /// `maintenance-upcoming`).
    pub fn notices_in(&self, heading_id: &str) -> TestResult<Vec<Notice>> {
        self.notices_matching(&format!(
            "section[aria-labelledby=\"{heading_id}\"] article.notice"
        ))
    }

    fn notices_matching(&self, css: &str) -> TestResult<Vec<Notice>> {
        let title = selector(".notice-title")?;
        let link = selector(".notice-title a")?;
        let fact = selector(".facts > div")?;
        let dt = selector("dt")?;
        let dd = selector("dd")?;
        let alternative = selector(".alternatives li")?;
        let message = selector(".message")?;
        let mut out = Vec::new();
        for card in self.select(css)? {
            out.push(Notice {
                title: card.select(&title).next().map(text_of).unwrap_or_default(),
                link: card
                    .select(&link)
                    .next()
                    .and_then(|a| a.attr("href"))
                    .map(str::to_string),
                facts: card
                    .select(&fact)
                    .filter_map(|pair| {
                        Some((
                            text_of(pair.select(&dt).next()?),
                            text_of(pair.select(&dd).next()?),
                        ))
                    })
                    .collect(),
                alternatives: card.select(&alternative).map(text_of).collect(),
                message: card.select(&message).next().map(text_of),
            });
        }
        Ok(out)
    }

    /// The notice titled `title`, if the page shows one.
    pub fn notice(&self, title: &str) -> TestResult<Option<Notice>> {
        Ok(self.notices()?.into_iter().find(|n| n.title == title))
    }

    /// The status label shown next to the payment channel named `name` in the channel
    /// list (such as "정상" or "장애"), or `None` if the channel is not listed.
    pub fn channel_status(&self, name: &str) -> TestResult<Option<String>> {
        let channel_name = selector(".channel-name")?;
        let badge = selector(".badge")?;
        for li in self.select("li.channel")? {
            let Some(n) = li.select(&channel_name).next() else {
                continue;
            };
            if own_text(n) == name {
                return Ok(li.select(&badge).next().map(own_text));
            }
        }
        Ok(None)
    }

    /// The status label of a channel group heading, such as 간편결제.
    pub fn group_status(&self, name: &str) -> TestResult<Option<String>> {
        let badge = selector(".badge")?;
        for h in self.select("h3.group-name")? {
            if own_text(h) == name {
                return Ok(h.select(&badge).next().map(own_text));
            }
        }
        Ok(None)
    }
}

/// A payload Alertmanager 0.25 sent (`tests/fixtures/alertmanager/`): `card` critical.
pub fn alertmanager_fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/alertmanager")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}
