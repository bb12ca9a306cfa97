//! The harness: a paystatus server, a merchant's checkout server on another origin, and a
//! headless Chromium session per test (through chromedriver).

use std::collections::HashMap;
use std::net::TcpListener as StdListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use fantoccini::{Client, ClientBuilder};
use paystatus::domain::{Clock, ManualClock};
use paystatus::domain::{Scope, new_key};
use paystatus::{App, AppHandle, Config};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::process::{Child, Command};
use tokio::sync::{Semaphore, SemaphorePermit};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Two browsers at a time on a two-core machine.
static BROWSERS: Semaphore = Semaphore::const_new(2);

const CHROMIUM: &str = "/usr/bin/chromium";

/// Collects what the checkout page would see: uncaught errors, `paystatus:change`
/// events and layout shifts. Served as a file so a strict CSP page can load it too.
const COLLECTOR: &str = r#"
window.__errors = []; window.__events = []; window.__shift = 0;
window.addEventListener('error', (e) => window.__errors.push(String(e.message || e)));
window.addEventListener('unhandledrejection', (e) => window.__errors.push('unhandled rejection: ' + String(e.reason)));
document.addEventListener('paystatus:change', (e) => window.__events.push(e.detail));
try {
  new PerformanceObserver((list) => list.getEntries().forEach((e) => { window.__shift += e.value; }))
    .observe({ type: 'layout-shift', buffered: true });
} catch (_) {}
"#;

/// A status server with an incidents key, a checkout server and a browser.
pub struct World {
    pub status: String,
    pub checkout: String,
    pub browser: Client,
    pub http: reqwest::Client,
    key: String,
    pub handle: AppHandle,
    /// The server's clock: tests move it instead of waiting.
    pub clock: Arc<ManualClock>,
    pages: Pages,
    _driver: Child,
    _dirs: (TempDir, TempDir),
    _permit: SemaphorePermit<'static>,
}

type Pages = Arc<Mutex<HashMap<String, (String, Option<String>)>>>;

impl World {
    pub async fn start() -> TestResult<World> {
        World::start_with(Scripts::On).await
    }

    /// The same, with a browser that runs no page scripts at all (`Scripts::Off`).
    pub async fn start_with(scripts: Scripts) -> TestResult<World> {
        let permit = BROWSERS.acquire().await?;
        let data = tempfile::tempdir()?;
        let clock = Arc::new(ManualClock::new("2026-11-25T05:05:00Z".parse()?));
        let app = App::build_with_clock(
            Config::for_tests(data.path().to_path_buf()),
            clock.clone() as Arc<dyn Clock>,
        )
        .await?;
        let status = format!("http://127.0.0.1:{}", app.address().port());
        let handle = app.handle();
        let (key, secret, hash) = new_key(
            "browser-tests",
            &[
                Scope::Read,
                Scope::Incidents,
                Scope::Components,
                Scope::Automation,
            ],
            chrono::Utc::now(),
        )
        .map_err(|e| e.message)?;
        handle
            .store()
            .write_blocking(|tx| paystatus::store::insert_key(tx, &key, &hash))?;
        tokio::spawn(app.run());

        let pages: Pages = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        // `localhost` against the status server's `127.0.0.1`: another host, so another origin.
        let checkout = format!("http://localhost:{}", listener.local_addr()?.port());
        let router = Router::new()
            .route(
                "/collector.js",
                get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], COLLECTOR) }),
            )
            .route("/{name}", get(serve_page))
            .with_state(pages.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });

        let (driver, browser, profile) = start_browser(scripts).await?;
        Ok(World {
            status,
            checkout,
            browser,
            // Idle connections are let go before the server's 10-s header timeout closes them.
            http: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(5))
                .build()?,
            key: secret,
            handle,
            clock,
            pages,
            _driver: driver,
            _dirs: (data, profile),
            _permit: permit,
        })
    }

    /// Publishes a checkout page at `/{name}`; `csp` is sent as its Content-Security-Policy.
    pub fn page(&self, name: &str, body: &str, csp: Option<&str>) -> String {
        self.page_in("ko", name, body, csp)
    }

    /// A checkout page whose `<html lang>` is `lang` (empty: no lang attribute).
    pub fn page_in(&self, lang: &str, name: &str, body: &str, csp: Option<&str>) -> String {
        let lang = if lang.is_empty() {
            String::new()
        } else {
            format!(" lang=\"{lang}\"")
        };
        let html = format!(
            "<!doctype html><html{lang}><head><meta charset=\"utf-8\"><title>주문서</title>\
             <script src=\"/collector.js\"></script></head><body><h1 id=\"title\">주문서</h1>\
             <p id=\"below\">결제 수단을 선택해 주세요.</p>{body}</body></html>"
        );
        self.pages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), (html, csp.map(str::to_string)));
        format!("{}/{name}", self.checkout)
    }

    /// A checkout page embedding the banner with these `data-*` attributes.
    pub fn widget_page(&self, name: &str, attributes: &str) -> String {
        let body = format!(
            "<script src=\"{}/widget.js\" {attributes} async></script>",
            self.status
        );
        self.page(name, &body, None)
    }

    pub async fn open(&self, url: &str) -> TestResult {
        self.browser.goto(url).await?;
        Ok(())
    }

    /// Runs `script` in the page until it returns something other than `null`/`false`.
    pub async fn wait_for(&self, what: &str, script: &str) -> TestResult<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
        loop {
            let v = self.browser.execute(script, vec![]).await?;
            if !(v.is_null() || v == json!(false)) {
                return Ok(v);
            }
            if tokio::time::Instant::now() > deadline {
                return Err(format!("timed out waiting for {what}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the widget has read the status at least once.
    pub async fn wait_for_first_read(&self) -> TestResult {
        self.wait_for(
            "the first paystatus:change",
            "return window.__events && window.__events.length > 0",
        )
        .await?;
        // The banner is filled a moment after it is revealed (for screen readers).
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(())
    }

    /// The banner's text, or `None` when no banner is visible.
    pub async fn banner(&self) -> TestResult<Option<String>> {
        let v = self
            .browser
            .execute(
                "const h = document.querySelector('paystatus-banner');
                 if (!h || getComputedStyle(h).display === 'none' || !h.shadowRoot) return null;
                 return h.shadowRoot.textContent;",
                vec![],
            )
            .await?;
        Ok(v.as_str().map(str::to_string))
    }

    pub async fn errors(&self) -> TestResult<Vec<String>> {
        let v = self
            .browser
            .execute(
                "return window.__errors || ['the collector did not run']",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(v)?)
    }

    pub async fn events(&self) -> TestResult<Vec<Value>> {
        let v = self
            .browser
            .execute("return window.__events || []", vec![])
            .await?;
        Ok(serde_json::from_value(v)?)
    }

    // ---- the status server ---------------------------------------------------------------

    /// An admin API request that must succeed; its JSON answer.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> TestResult<Value> {
        let r = self
            .http
            .request(method, format!("{}/api/admin/v1{path}", self.status))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await?;
        let status = r.status();
        let body: Value = r.json().await?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {body}").into());
        }
        Ok(body)
    }

    /// Posts an incident; returns its id.
    pub async fn post_incident(&self, body: Value) -> TestResult<String> {
        let v = self
            .admin(reqwest::Method::POST, "/incidents", &body)
            .await?;
        Ok(v["id"].as_str().ok_or("no id")?.to_string())
    }

    pub async fn post_update(&self, id: &str, body: Value) -> TestResult {
        self.admin(
            reqwest::Method::POST,
            &format!("/incidents/{id}/updates"),
            &body,
        )
        .await?;
        Ok(())
    }

    pub async fn set_status(&self, component: &str, status: &str) -> TestResult {
        self.admin(
            reqwest::Method::PATCH,
            &format!("/components/{component}"),
            &json!({ "status": status }),
        )
        .await?;
        Ok(())
    }

    /// `paystatus export DIR` from the status server's database: the static copy a
    /// bucket mirror would hold, its absolute links naming `public_url`.
    pub async fn export(&self, dir: &std::path::Path, public_url: &str) -> TestResult {
        let out = Command::new(env!("CARGO_BIN_EXE_paystatus"))
            .arg("export")
            .arg(dir)
            .env("PAYSTATUS_DATA_DIR", self._dirs.0.path())
            .env("PAYSTATUS_PUBLIC_URL", public_url)
            .env("RUST_LOG", "warn")
            .output()
            .await?;
        if !out.status.success() {
            return Err(format!("export failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        Ok(())
    }

    /// Stops the status server (the browser and checkout server keep running).
    pub fn stop_status_server(&self) {
        self.handle.shutdown();
    }

    pub async fn finish(self) -> TestResult {
        self.browser.close().await?;
        Ok(())
    }
}

async fn serve_page(State(pages): State<Pages>, Path(name): Path<String>) -> Response {
    let found = pages
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&name)
        .cloned();
    match found {
        Some((html, csp)) => {
            let mut r = Html(html).into_response();
            if let Some(csp) = csp.and_then(|c| c.parse().ok()) {
                r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            r
        }
        None => (axum::http::StatusCode::NOT_FOUND, "no such page").into_response(),
    }
}

/// The scenario's incident: card down, with two alternatives.
pub fn card_outage(title: &str) -> Value {
    json!({
        "title": title,
        "message": "일부 카드 결제가 실패하고 있습니다.",
        "components": { "card": "major_outage" },
        "eta": "2026-11-25T14:45",
        "alternatives": [
            { "component": "bank-transfer", "instructions": "주문서에서 '계좌이체'를 선택해 주세요" },
            { "component": "kakaopay", "instructions": "카카오페이로 결제하시면 바로 완료됩니다" }
        ]
    })
}

pub fn free_port() -> TestResult<u16> {
    Ok(StdListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether the browser runs the pages' scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scripts {
    On,
    Off,
}

async fn start_browser(scripts: Scripts) -> TestResult<(Child, Client, TempDir)> {
    if !std::path::Path::new(CHROMIUM).exists() {
        return Err("Chromium is not installed: apt-get install chromium chromium-driver (bash .ci/run does)".into());
    }
    let port = free_port()?;
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start chromedriver ({e}): apt-get install chromium-driver"))?;
    let profile = tempfile::tempdir()?;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            // 2 = blocked: what a person with scripts turned off gets.
            "prefs": { "profile.managed_default_content_settings.javascript": if scripts == Scripts::Off { 2 } else { 1 } },
        }),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return Ok((driver, client, profile)),
            Err(e) if tokio::time::Instant::now() > deadline => {
                return Err(format!("no browser session: {e}").into());
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
