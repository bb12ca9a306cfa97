//! `paystatus export DIR`: the public surface as static files, served by plain static
//! servers (Python's `http.server`, nginx) and compared with what the live server sends.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use scraper::Html;
use serde_json::{Map, Value, json};
use tokio::process::{Child, Command};

use crate::durability::free_port;
use crate::helpers::*;
use crate::public_api::{
    Form, busy_incident_ids, busy_page, check_enum_values, check_reference_keys, documents_at,
};

const MANIFEST: &str = "paystatus-manifest.json";

/// Pages the crawl reads at most: past it, links likely loop (the site has about 100).
const MAX_PAGES: usize = 1000;

/// A folder served by a static server, stopped when dropped.
struct StaticHost {
    url: String,
    _server: Child,
}

impl StaticHost {
    /// `python3 -m http.server`: no configuration at all.
    async fn python(dir: &Path) -> TestResult<StaticHost> {
        let port = free_port()?;
        let mut command = Command::new("python3");
        command
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(dir);
        StaticHost::start(command, port).await
    }

    /// nginx serving the `.gz` siblings (`gzip_static`), its files in `scratch`. One
    /// process, no workers: nothing switches user, so the root-only temporary folder
    /// stays readable.
    async fn nginx(dir: &Path, scratch: &Path) -> TestResult<StaticHost> {
        let port = free_port()?;
        let scratch = scratch
            .to_str()
            .ok_or("the scratch folder's path is not UTF-8")?;
        let root = dir.to_str().ok_or("the export's path is not UTF-8")?;
        let config = format!(
            "daemon off;
master_process off;
pid {scratch}/nginx.pid;
error_log {scratch}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {scratch}/body;
    proxy_temp_path {scratch}/proxy;
    fastcgi_temp_path {scratch}/fastcgi;
    uwsgi_temp_path {scratch}/uwsgi;
    scgi_temp_path {scratch}/scgi;
    gzip_static on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"
        );
        let config_file = Path::new(scratch).join("nginx.conf");
        std::fs::write(&config_file, config)?;
        let mut command = Command::new("nginx");
        command
            .arg("-p")
            .arg(scratch)
            .arg("-e")
            .arg(format!("{scratch}/error.log"))
            .arg("-c")
            .arg(&config_file);
        StaticHost::start(command, port).await
    }

    async fn start(mut command: Command, port: u16) -> TestResult<StaticHost> {
        let server = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match client.get(format!("{url}/{MANIFEST}")).send().await {
                Ok(r) if r.status() == StatusCode::OK => break,
                Ok(r) if Instant::now() >= deadline => {
                    return Err(format!("the static server answers {}", r.status()).into());
                }
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!("the static server does not answer: {e}").into());
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        Ok(StaticHost {
            url,
            _server: server,
        })
    }
}

/// The manifest's `files`: site path → entry.
type Files = Map<String, Value>;

/// Runs `paystatus export DIR` with the live server's public URL (so the links match).
async fn export(app: &TestApp, dir: &Path) -> TestResult<Files> {
    let dir_text = dir
        .to_str()
        .ok_or("the temporary folder's path is not UTF-8")?;
    let out = app
        .cli(&["export", dir_text, "--public-url", &app.address])
        .await?;
    if !out.success {
        return Err(format!("paystatus export failed: {}{}", out.stdout, out.stderr).into());
    }
    let manifest: Value = serde_json::from_slice(&std::fs::read(dir.join(MANIFEST))?)?;
    assert!(
        manifest["generated_at"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "the manifest says when: {manifest}"
    );
    Ok(manifest["files"]
        .as_object()
        .ok_or("the manifest has no files")?
        .clone())
}

/// Exports with both servers at one instant. The command reads the wall clock while the
/// test server runs on its own, and pages tell relative times: so the live clock first
/// catches up with the wall (running the maintenance windows' transitions, which the
/// command does not run), then is set to the instant the export was built at (its
/// uptime period's end), and the live snapshot rebuilt.
async fn export_in_step(app: &TestApp, dir: &Path) -> TestResult<Files> {
    app.clock.set(Utc::now());
    app.tick().await?;
    let files = export(app, dir).await?;
    let uptime: Value = serde_json::from_slice(&std::fs::read(dir.join("api/v2/uptime.json"))?)?;
    let built_at: DateTime<Utc> = uptime["period"]["end"]
        .as_str()
        .ok_or("the exported uptime has no period end")?
        .parse()?;
    app.clock.set(built_at);
    app.tick().await?;
    Ok(files)
}

fn file_of(dir: &Path, site_path: &str) -> PathBuf {
    dir.join(site_path.trim_start_matches('/'))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The live server's URL of an exported file, in the server's own form:
/// `/en/incidents/x/index.html` is `/incidents/x?lang=en`.
fn live_url(site_path: &str) -> String {
    let (lang, rest) = match site_path.get(..4) {
        Some(prefix @ ("/en/" | "/ko/")) => (Some(&prefix[1..3]), &site_path[3..]),
        _ => (None, site_path),
    };
    let path = match rest.strip_suffix("/index.html") {
        Some("") => "/",
        Some(folder) => folder,
        None => rest,
    };
    match lang {
        Some(lang) => format!("{path}?lang={lang}"),
        None => path.to_string(),
    }
}

/// Checks that each exported file `wanted` picks is, byte for byte, what the live
/// server sends at its URL, with the manifest's ETag, type, cache policy and CORS.
/// Returns the paths compared.
async fn compare_with_live(
    app: &TestApp,
    dir: &Path,
    files: &Files,
    wanted: impl Fn(&str) -> bool,
) -> TestResult<BTreeSet<String>> {
    let mut compared = BTreeSet::new();
    for (path, entry) in files {
        if !wanted(path) {
            continue;
        }
        let url = live_url(path);
        let r = app.get(&url).await?;
        assert_eq!(r.status(), StatusCode::OK, "{url} (exported as {path})");
        for (name, key) in [
            ("etag", "etag"),
            ("content-type", "content_type"),
            ("cache-control", "cache_control"),
        ] {
            assert_eq!(
                json!(header(&r, name)),
                entry[key],
                "{path}: the manifest's {key} is not the {name} of {url}"
            );
        }
        assert_eq!(
            json!(header(&r, "access-control-allow-origin") == "*"),
            entry["cors"],
            "{path}: the manifest's cors is not what {url} allows"
        );
        let live = r.bytes().await?;
        let exported = std::fs::read(file_of(dir, path))?;
        assert!(
            live == exported,
            "{path} is not the bytes of {url} ({} bytes exported, {} live)",
            exported.len(),
            live.len()
        );
        compared.insert(path.clone());
    }
    Ok(compared)
}

#[tokio::test]
async fn the_export_on_a_static_host_passes_the_api_checks_and_holds_the_live_documents()
-> TestResult {
    let (app, ids) = busy_page().await?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("site");
    let files = export_in_step(&app, &dir).await?;
    let host = StaticHost::python(&dir).await?;

    let docs = documents_at(
        &reqwest::Client::new(),
        &host.url,
        Form::Static,
        &busy_incident_ids(&ids),
    )
    .await?;
    check_reference_keys(&docs)?;
    check_enum_values(&docs)?;

    let is_json = |path: &str| path.ends_with(".json") && path != format!("/{MANIFEST}");
    for path in files.keys().filter(|p| is_json(p)) {
        serde_json::from_slice::<Value>(&std::fs::read(file_of(&dir, path))?)
            .map_err(|e| format!("{path} is not JSON: {e}"))?;
    }
    let compared = compare_with_live(&app, &dir, &files, is_json).await?;
    for (path, _) in &docs {
        assert!(compared.contains(path), "{path} was not compared");
    }
    Ok(())
}

/// Links only the server answers: subscribing and reporting go to it.
fn server_only(path: &str) -> bool {
    let rest = match path.get(..4) {
        Some("/en/" | "/ko/") => &path[3..],
        _ => path,
    };
    rest.starts_with("/subscribe") || rest.starts_with("/report")
}

/// The site-relative (`/…`, not `//…`) `href`s and `src`s of a page, without fragments.
fn site_links(html: &str) -> TestResult<Vec<String>> {
    let doc = Html::parse_document(html);
    let mut links = Vec::new();
    for e in doc.select(&selector("[href], [src]")?) {
        for attr in ["href", "src"] {
            let Some(link) = e.value().attr(attr) else {
                continue;
            };
            let link = link.split('#').next().unwrap_or_default();
            if link.starts_with('/') && !link.starts_with("//") {
                links.push(link.to_string());
            }
        }
    }
    Ok(links)
}

/// What a crawl of the static host found.
struct Crawl {
    /// Every HTML page reached: path → body.
    pages: BTreeMap<String, String>,
    /// Every path requested → the page that linked to it first.
    links: BTreeMap<String, String>,
}

/// Follows every site-relative link from `start`, failing on one the host cannot answer.
async fn crawl(host: &StaticHost, start: &[&str]) -> TestResult<Crawl> {
    // Follows redirects: Python's server sends `/x` to `/x/` for a folder.
    let client = reqwest::Client::new();
    let mut links: BTreeMap<String, String> = start
        .iter()
        .map(|s| (s.to_string(), "the start".to_string()))
        .collect();
    let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
    let mut pages = BTreeMap::new();
    let mut broken = Vec::new();
    while let Some(path) = queue.pop_front() {
        let r = client.get(format!("{}{path}", host.url)).send().await?;
        if r.status() != StatusCode::OK {
            broken.push(format!(
                "{path} (linked from {}): {}",
                links[&path],
                r.status()
            ));
            continue;
        }
        let is_html = header(&r, "content-type").starts_with("text/html");
        let body = r.bytes().await?;
        if !is_html {
            continue;
        }
        let body = String::from_utf8(body.to_vec())?;
        for link in site_links(&body)? {
            if server_only(&link) || links.contains_key(&link) {
                continue;
            }
            assert!(
                !link.contains('?'),
                "{path} links to {link}: a static host ignores query strings"
            );
            links.insert(link.clone(), path.clone());
            queue.push_back(link);
        }
        pages.insert(path, body);
        if pages.len() > MAX_PAGES {
            return Err(format!("more than {MAX_PAGES} pages: do links loop?").into());
        }
    }
    assert!(
        broken.is_empty(),
        "links the static host cannot answer:\n{}",
        broken.join("\n")
    );
    Ok(Crawl { pages, links })
}

#[tokio::test]
async fn the_exported_pages_work_from_a_static_host() -> TestResult {
    let app = spawn_app().await;
    let mut outage = card_outage();
    outage["title"] = json!({"ko": "카드 결제 승인 지연", "en": "Card payments are failing"});
    app.create_incident_ok(&outage).await?;
    // More than a history page's 20 closed notices.
    let past = app.seed_past_incidents(25).await?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("site");
    export(&app, &dir).await?;
    let host = StaticHost::python(&dir).await?;

    let crawl = crawl(&host, &["/", "/en/"]).await?;
    println!(
        "the crawl read {} pages and {} links",
        crawl.pages.len(),
        crawl.links.len()
    );
    let client = reqwest::Client::new();
    let page = |path: &str| {
        let url = format!("{}{path}", host.url);
        let client = client.clone();
        async move { Page::from_response(client.get(url).send().await?).await }
    };

    let ko = page("/").await?;
    assert_eq!(ko.lang()?, "ko");
    assert!(
        ko.notice("카드 결제 승인 지연")?.is_some(),
        "/ shows the open incident"
    );
    let en = page("/en/").await?;
    assert_eq!(en.lang()?, "en");
    assert!(
        en.notice("Card payments are failing")?.is_some(),
        "/en/ shows the open incident in English"
    );

    for (first, second) in [
        ("/history/", "/history/2/"),
        ("/en/history/", "/en/history/2/"),
    ] {
        let history = page(first).await?;
        assert_eq!(history.status, StatusCode::OK, "{first}");
        assert!(
            history.count(&format!("a[href=\"{second}\"]"))? > 0,
            "{first} links to {second}"
        );
        assert!(crawl.pages.contains_key(second), "{second} was reached");
        let older = page(second).await?;
        assert!(
            older
                .texts(".history-title")?
                .iter()
                .any(|t| t.ends_with("#1")),
            "{second} holds the oldest notice"
        );
    }
    for id in &past {
        for lang in ["", "/en"] {
            let path = format!("{lang}/incidents/{id}/");
            assert!(crawl.pages.contains_key(&path), "{path} was reached");
        }
    }

    let css = ko
        .select("link[rel=stylesheet]")?
        .first()
        .and_then(|l| l.attr("href"))
        .ok_or("/ has no stylesheet")?
        .to_string();
    let javascript = ["text/javascript", "application/javascript"];
    for (path, types) in [
        ("/", &["text/html"][..]),
        ("/api/v2/summary.json", &["application/json"][..]),
        ("/en/api/v2/summary.json", &["application/json"][..]),
        ("/widget.js", &javascript[..]),
        ("/embed/script.js", &javascript[..]),
        (css.as_str(), &["text/css"][..]),
    ] {
        let r = client.get(format!("{}{path}", host.url)).send().await?;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let got = header(&r, "content-type");
        let essence = got.split(';').next().unwrap_or_default().trim();
        assert!(types.contains(&essence), "{path} is served as {got}");
    }
    Ok(())
}

/// Every file under `dir`, as site paths.
fn site_files(dir: &Path) -> TestResult<Vec<String>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(dir)?;
                let relative = relative.to_str().ok_or("a file name is not UTF-8")?;
                files.push(format!("/{relative}"));
            }
        }
    }
    Ok(files)
}

fn decompressed(
    path: &Path,
    decoder: impl FnOnce(&[u8]) -> Box<dyn Read + '_>,
) -> TestResult<Vec<u8>> {
    let compressed = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    decoder(&compressed).read_to_end(&mut out)?;
    Ok(out)
}

#[tokio::test]
async fn every_file_has_its_compressed_siblings_and_is_what_the_live_server_sends() -> TestResult {
    let (app, ids) = busy_page().await?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("site");
    let files = export_in_step(&app, &dir).await?;

    let open = &ids["open"];
    let mut expected = vec![
        "/index.html".to_string(),
        "/ko/index.html".to_string(),
        "/en/index.html".to_string(),
        format!("/incidents/{open}/index.html"),
        format!("/en/incidents/{open}/index.html"),
        format!("/api/v2/incidents/{open}.json"),
        "/history/index.html".to_string(),
        "/widget/index.html".to_string(),
        "/embed/frame/index.html".to_string(),
        "/history.rss".to_string(),
        "/history.atom".to_string(),
        "/api/v2/summary.json".to_string(),
        "/en/api/v2/summary.json".to_string(),
        "/404.html".to_string(),
        "/widget.js".to_string(),
        "/embed/script.js".to_string(),
    ];
    // The resolved incident, linked from the history page.
    expected.push(format!("/incidents/{}/index.html", ids["resolved"]));
    for path in &expected {
        assert!(files.contains_key(path), "the export has no {path}");
    }
    assert!(
        files
            .keys()
            .any(|p| p.starts_with("/assets/style.") && p.ends_with(".css")),
        "the export has no stylesheet"
    );

    for (path, entry) in &files {
        let file = file_of(&dir, path);
        let body = std::fs::read(&file).map_err(|e| format!("{path}: {e}"))?;
        assert_eq!(json!(body.len()), entry["bytes"], "{path}'s size");
        let gz = decompressed(&with_suffix(&file, ".gz"), |b| {
            Box::new(flate2::read::GzDecoder::new(b))
        })?;
        assert!(gz == body, "{path}.gz is not {path}");
        let br = decompressed(&with_suffix(&file, ".br"), |b| {
            Box::new(brotli::Decompressor::new(b, 4096))
        })?;
        assert!(br == body, "{path}.br is not {path}");
    }
    for path in site_files(&dir)? {
        let original = path
            .strip_suffix(".gz")
            .or_else(|| path.strip_suffix(".br"))
            .unwrap_or(&path);
        assert!(
            files.contains_key(original) || path == format!("/{MANIFEST}"),
            "{path} is not in the manifest"
        );
    }

    // The live server sends 404.html as the answer to any unknown path, not at a URL.
    let compared = compare_with_live(&app, &dir, &files, |p| !p.ends_with("/404.html")).await?;
    for path in ["/index.html", "/en/index.html", "/api/v2/summary.json"] {
        assert!(compared.contains(path), "{path} was not compared");
    }

    // A second export replaces the folder whole: what it no longer has is gone.
    std::fs::write(dir.join("stray.html"), "from before")?;
    std::fs::create_dir_all(dir.join("incidents/gone"))?;
    std::fs::write(dir.join("incidents/gone/index.html"), "deleted since")?;
    let again = export(&app, &dir).await?;
    assert!(!dir.join("stray.html").exists(), "the stray file is gone");
    assert!(
        !dir.join("incidents/gone").exists(),
        "the deleted incident's page is gone"
    );
    assert_eq!(
        again.keys().collect::<Vec<_>>(),
        files.keys().collect::<Vec<_>>(),
        "the same files"
    );
    let beside: Vec<String> = std::fs::read_dir(tmp.path())?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<TestResult<_>>()?;
    assert_eq!(beside, vec!["site"], "no staging folder is left beside it");
    Ok(())
}

#[tokio::test]
async fn nginx_sends_the_gzip_siblings_with_the_documents_types() -> TestResult {
    // CI installs nginx (.ci/run); without it this test cannot say anything.
    if std::process::Command::new("nginx")
        .arg("-v")
        .output()
        .is_err()
    {
        return Err("nginx is not installed (apt-get install nginx-light)".into());
    }
    let app = spawn_app().await;
    app.create_incident_ok(&card_outage()).await?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("site");
    export(&app, &dir).await?;
    let scratch = tmp.path().join("nginx");
    std::fs::create_dir(&scratch)?;
    let host = StaticHost::nginx(&dir, &scratch).await?;

    let client = reqwest::Client::new();
    for (path, file, content_type) in [
        (
            "/api/v2/summary.json",
            "/api/v2/summary.json",
            "application/json",
        ),
        (
            "/en/api/v2/summary.json",
            "/en/api/v2/summary.json",
            "application/json",
        ),
        ("/", "/index.html", "text/html"),
        ("/en/", "/en/index.html", "text/html"),
    ] {
        let r = client
            .get(format!("{}{path}", host.url))
            .header("Accept-Encoding", "gzip")
            .send()
            .await?;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, "content-encoding"), "gzip", "{path}");
        assert_eq!(header(&r, "content-type"), content_type, "{path}");
        let body = r.bytes().await?;
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut plain)?;
        assert!(
            plain == std::fs::read(file_of(&dir, file))?,
            "{path} is not {file}, gzipped"
        );
    }
    Ok(())
}
