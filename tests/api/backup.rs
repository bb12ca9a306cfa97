//! `paystatus backup` while the server runs and writes stream in, and `paystatus restore`
//! with the server stopped. Runs the real binary on the test server's data directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rusqlite::{Connection, OpenFlags};
use tokio::task::JoinHandle;

use crate::durability::{free_port, start_server};
use crate::helpers::*;

const AFTER_BACKUP: &str = "백업 뒤의 장애";

/// Public documents as a server serves them, with its address taken out (a restarted
/// server listens on another port).
async fn public_views(app: &TestApp) -> TestResult<Vec<(String, String)>> {
    let mut views = Vec::new();
    for path in ["/", "/?lang=en", "/api/v2/summary.json", "/history.atom"] {
        let r = app.get(path).await?;
        if r.status() != StatusCode::OK {
            return Err(format!("{path}: {}", r.status()).into());
        }
        // Feeds name the host and port without the scheme, in tag URIs.
        let host = app.address.trim_start_matches("http://");
        let body = r.text().await?.replace(host, "{host}");
        views.push((path.to_string(), body));
    }
    Ok(views)
}

fn arg(path: &Path) -> TestResult<&str> {
    path.to_str()
        .ok_or_else(|| format!("{} is not UTF-8", path.display()).into())
}

async fn backup_ok(app: &TestApp, file: &Path) -> TestResult<String> {
    let out = app.cli(&["backup", arg(file)?]).await?;
    if !out.success {
        return Err(format!("backup failed: {}", out.stderr).into());
    }
    Ok(out.stderr)
}

async fn restore_ok(app: &TestApp, file: &Path) -> TestResult<String> {
    let out = app.cli(&["restore", arg(file)?]).await?;
    if !out.success {
        return Err(format!("restore failed: {}", out.stderr).into());
    }
    Ok(out.stderr)
}

/// The databases the restores kept aside in the data directory, by name.
fn kept_aside(app: &TestApp) -> TestResult<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(app.data_dir.path())? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("paystatus.db.before-restore-") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Every file of a directory with its bytes.
fn contents(dir: &Path) -> TestResult<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        files.push((
            entry.file_name().to_string_lossy().into_owned(),
            std::fs::read(entry.path())?,
        ));
    }
    files.sort();
    Ok(files)
}

/// The incident ids a database file holds, after checking it is intact.
fn incident_ids_in(file: &Path) -> TestResult<HashSet<String>> {
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    assert_eq!(integrity, "ok", "{}", file.display());
    let mut stmt = conn.prepare("SELECT id FROM incidents")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<HashSet<String>, _>>()?;
    Ok(ids)
}

/// Makes the database large (so its copy takes a while) without making writes slower:
/// `rows` old audit entries, which no page shows.
async fn fill_audit_log(app: &TestApp, rows: usize) -> TestResult {
    let store = app.handle().store().clone();
    let at = start_time() - chrono::Duration::days(400);
    let detail = serde_json::json!({ "note": "오래된 기록 ".repeat(20) });
    tokio::task::spawn_blocking(move || {
        store.write_blocking(|tx| {
            for n in 0..rows {
                let target = format!("old-{n}");
                paystatus::store::record_audit(
                    tx,
                    at,
                    None,
                    "backup-test",
                    "incident.update",
                    Some(&target),
                    Some(&detail),
                )?;
            }
            Ok::<_, paystatus::store::StoreError>(())
        })
    })
    .await??;
    Ok(())
}

/// One operator creating incidents as fast as the server acknowledges them.
struct WriteLoad {
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    task: JoinHandle<TestResult>,
}

impl WriteLoad {
    fn start(app: &TestApp) -> WriteLoad {
        let acked = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let request = app.admin(reqwest::Method::POST, "/incidents");
        let task = tokio::spawn({
            let (acked, stop) = (acked.clone(), stop.clone());
            async move {
                for n in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let body = incident_titled(&format!("부하 {n}"));
                    let r = request
                        .try_clone()
                        .ok_or("cannot repeat the request")?
                        .json(&body)
                        .send()
                        .await?;
                    let created = expect_json(r, StatusCode::CREATED).await?;
                    let id = string(&created["id"])?;
                    acked.lock().map_err(|e| e.to_string())?.push(id);
                }
                Ok(())
            }
        });
        WriteLoad { acked, stop, task }
    }

    /// Ids acknowledged so far, in the order they were written.
    fn acked(&self) -> Vec<String> {
        self.acked
            .lock()
            .expect("the writer never panics holding the list")
            .clone()
    }

    async fn wait_for(&self, n: usize) -> TestResult {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.acked().len() < n {
            if self.task.is_finished() || Instant::now() > deadline {
                return Err(format!("only {} writes went through", self.acked().len()).into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(())
    }

    /// Stops after the write under way; every write was acknowledged, or this fails.
    async fn stop(self) -> TestResult<Vec<String>> {
        self.stop.store(true, Ordering::SeqCst);
        let acked = self.acked.clone();
        self.task.await??;
        let all = acked.lock().expect("the writer has finished").clone();
        Ok(all)
    }
}

#[tokio::test]
async fn a_backup_under_write_load_holds_every_earlier_write_while_writes_go_on() -> TestResult {
    let app = spawn_app().await;
    // A database of some size, so the copy takes a while.
    fill_audit_log(&app, 100_000).await?;
    let out_dir = tempfile::tempdir()?;
    let file = out_dir.path().join("under-load.db");
    let load_started = Instant::now();
    let load = WriteLoad::start(&app);
    load.wait_for(5).await?;

    let acked_before = load.acked();
    let started = Instant::now();
    let out = app.cli(&["backup", arg(&file)?]).await?;
    let took = started.elapsed();
    let during = load.acked().len() - acked_before.len();
    let acked = load.stop().await?;

    let before_took = started - load_started;
    eprintln!(
        "backup under load: {during} writes acknowledged during the {} ms backup ({:.0} writes/s); {} in the {} ms before it ({:.0} writes/s)",
        took.as_millis(),
        during as f64 / took.as_secs_f64(),
        acked_before.len(),
        before_took.as_millis(),
        acked_before.len() as f64 / before_took.as_secs_f64(),
    );
    assert!(out.success, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
    assert!(
        out.stderr.contains(arg(&file)?) && out.stderr.contains("schema version"),
        "one line names the file and what it holds: {}",
        out.stderr
    );
    assert!(during > 0, "writes were acknowledged while the backup ran");
    let in_backup = incident_ids_in(&file)?;
    let missing: Vec<_> = acked_before
        .iter()
        .filter(|id| !in_backup.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup began, yet not in it: {missing:?}"
    );
    // One moment of the database: the writes in it are the first k, none after.
    let k = acked
        .iter()
        .take_while(|id| in_backup.contains(*id))
        .count();
    assert!(
        acked[k..].iter().all(|id| !in_backup.contains(id)),
        "write {k} is not in the backup but a later one is"
    );
    let live = incident_ids_in(&app.data_dir.path().join("paystatus.db"))?;
    assert!(
        acked.iter().all(|id| live.contains(id)),
        "every acknowledged write is live"
    );
    Ok(())
}

#[tokio::test]
async fn a_restored_backup_serves_the_same_page_and_json_as_when_it_was_taken() -> TestResult {
    let mut app = spawn_app().await;
    app.create_incident_ok(&card_outage()).await?;
    app.create_maintenance_ok(&bank_maintenance()).await?;
    app.set_component_status("payco", "partial_outage").await?;
    let taken = public_views(&app).await?;
    let out_dir = tempfile::tempdir()?;
    let file = out_dir.path().join("quiet.db");
    backup_ok(&app, &file).await?;
    // Writes after the backup, which the restore takes back.
    app.create_incident_ok(&incident_titled(AFTER_BACKUP))
        .await?;
    app.set_component_status("payco", "operational").await?;
    assert_ne!(public_views(&app).await?, taken, "the later writes show");

    app.stop().await?;
    let said = restore_ok(&app, &file).await?;
    app.start().await?;

    assert!(
        said.contains(arg(&file)?) && said.contains("start paystatus"),
        "{said}"
    );
    let restored = public_views(&app).await?;
    for ((path, want), (_, got)) in taken.iter().zip(&restored) {
        assert_eq!(got, want, "{path} differs from when the backup was taken");
    }
    assert_eq!(restored.len(), taken.len());
    Ok(())
}

#[tokio::test]
async fn the_replaced_database_is_kept_aside_whole_and_can_be_restored_back() -> TestResult {
    let mut app = spawn_app().await;
    let out_dir = tempfile::tempdir()?;
    let file = out_dir.path().join("early.db");
    backup_ok(&app, &file).await?;
    // Committed after the backup, so still in the server's log when it stops.
    app.create_incident_ok(&incident_titled(AFTER_BACKUP))
        .await?;
    let latest = public_views(&app).await?;

    app.stop().await?;
    let said = restore_ok(&app, &file).await?;
    app.start().await?;

    assert!(
        app.get_page("/").await?.notice(AFTER_BACKUP)?.is_none(),
        "the backup is live"
    );
    let aside = kept_aside(&app)?;
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(
        said.contains(arg(&aside[0])?),
        "restore says where the old database went: {said}"
    );
    assert!(
        !said.contains("could not be merged"),
        "a cleanly stopped server's log merges: {said}"
    );

    app.stop().await?;
    restore_ok(&app, &aside[0]).await?;
    app.start().await?;

    assert_eq!(
        public_views(&app).await?,
        latest,
        "the database kept aside holds every write, its log's too"
    );
    assert_eq!(
        kept_aside(&app)?.len(),
        2,
        "each restore keeps what it replaced"
    );
    Ok(())
}

#[tokio::test]
async fn a_second_server_on_the_same_data_directory_is_refused() -> TestResult {
    let app = spawn_app().await;
    let clock = Arc::new(paystatus::domain::ManualClock::new(start_time()));

    let second = paystatus::App::build_with_clock(
        paystatus::Config::for_tests(app.data_dir.path().to_path_buf()),
        clock,
    )
    .await;

    let err = second.err().ok_or("a second server started")?;
    assert!(
        err.to_string()
            .contains("holds the lock on the data directory"),
        "{err}"
    );
    Ok(())
}

/// The command line on a data directory of our own; (success, stdout, stderr).
async fn paystatus(data_dir: &Path, args: &[&str]) -> TestResult<(bool, String, String)> {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_paystatus"))
        .args(args)
        .env("PAYSTATUS_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .await?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

#[tokio::test]
async fn a_crashed_servers_last_writes_are_in_the_database_kept_aside() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let file = out_dir.path().join("b.db");
    let (created, key, why) = paystatus(
        dir.path(),
        &["keys", "create", "--name", "t", "--scope", "incidents"],
    )
    .await?;
    assert!(created, "{why}");
    let port = free_port()?;
    let mut server = start_server(dir.path(), port).await?;
    let (backed_up, _, why) = paystatus(dir.path(), &["backup", arg(&file)?]).await?;
    assert!(backed_up, "{why}");
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/admin/v1/incidents"))
        .bearer_auth(key.trim())
        .json(&incident_titled(AFTER_BACKUP))
        .send()
        .await?;
    let id = string(&expect_json(r, StatusCode::CREATED).await?["id"])?;
    server.kill().await?; // SIGKILL: the write stays in the log, unmerged.
    let log = dir.path().join("paystatus.db-wal");
    assert!(
        std::fs::metadata(&log).is_ok_and(|m| m.len() > 0),
        "the killed server left its log"
    );

    let (restored, _, said) = paystatus(dir.path(), &["restore", arg(&file)?]).await?;

    assert!(restored, "{said}");
    let aside = std::fs::read_dir(dir.path())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains(".before-restore-"))
        .ok_or("nothing was kept aside")?;
    assert!(
        incident_ids_in(&aside)?.contains(&id),
        "the write in the log is in {}",
        aside.display()
    );
    assert!(
        !incident_ids_in(&dir.path().join("paystatus.db"))?.contains(&id),
        "the backup, from before the write, is live"
    );
    Ok(())
}

#[tokio::test]
async fn restore_refuses_while_the_server_runs() -> TestResult {
    let app = spawn_app().await;
    let out_dir = tempfile::tempdir()?;
    let file = out_dir.path().join("b.db");
    backup_ok(&app, &file).await?;
    app.create_incident_ok(&incident_titled(AFTER_BACKUP))
        .await?;
    let before = app.stored_state().await?;

    let out = app.cli(&["restore", arg(&file)?]).await?;

    assert!(!out.success, "restore ran under a live server");
    assert!(
        out.stderr
            .contains("paystatus is running on this data directory"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("stop it first"), "{}", out.stderr);
    assert_eq!(app.stored_state().await?, before);
    assert!(kept_aside(&app)?.is_empty(), "nothing was moved aside");
    Ok(())
}

#[tokio::test]
async fn backup_refuses_to_overwrite_a_file_unless_forced() -> TestResult {
    let app = spawn_app().await;
    let out_dir = tempfile::tempdir()?;
    let file = out_dir.path().join("b.db");
    backup_ok(&app, &file).await?;
    let first = std::fs::read(&file)?;
    app.create_incident_ok(&incident_titled(AFTER_BACKUP))
        .await?;

    let out = app.cli(&["backup", arg(&file)?]).await?;

    assert!(!out.success, "an existing backup was overwritten");
    assert!(
        out.stderr.contains(arg(&file)?) && out.stderr.contains("--force"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&file)?, first, "the file is untouched");

    let forced = app.cli(&["backup", "--force", arg(&file)?]).await?;

    assert!(forced.success, "{}", forced.stderr);
    assert_ne!(std::fs::read(&file)?, first, "--force replaces it");
    assert_eq!(
        contents(out_dir.path())?.len(),
        1,
        "no temporary file is left beside it"
    );
    Ok(())
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_the_live_database_is_untouched() -> TestResult {
    let mut app = spawn_app().await;
    app.create_incident_ok(&card_outage()).await?;
    let out_dir = tempfile::tempdir()?;
    let good = out_dir.path().join("good.db");
    backup_ok(&app, &good).await?;
    let bytes = std::fs::read(&good)?;
    let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65536,
        n => usize::from(n),
    };
    let middle_page = (bytes.len() / page_size / 2) * page_size;
    let mut garbled = bytes.clone();
    garbled[middle_page..middle_page + page_size].fill(0xa5);
    let mut other_schema = Vec::new();
    {
        let path = out_dir.path().join("other.db");
        Connection::open(&path)?
            .execute_batch("CREATE TABLE notes (body TEXT); PRAGMA user_version = 2;")?;
        other_schema.extend(std::fs::read(&path)?);
    }
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "truncated",
            bytes[..bytes.len() / 2].to_vec(),
            "not a usable",
        ),
        ("a page garbled", garbled, "not a usable"),
        ("not a database", b"paystatus\n".repeat(500), "not a usable"),
        (
            "another program's database",
            other_schema,
            "lacks the paystatus tables",
        ),
        ("empty", Vec::new(), "not a usable"),
    ];
    app.stop().await?;
    let before = contents(app.data_dir.path())?;

    for (case, damaged, says) in cases {
        let file = out_dir.path().join(format!("{case}.db"));
        std::fs::write(&file, damaged)?;

        let out = app.cli(&["restore", arg(&file)?]).await?;

        assert!(!out.success, "{case}: restored");
        assert!(
            out.stderr.contains(arg(&file)?) && out.stderr.contains(says),
            "{case}: {}",
            out.stderr
        );
        assert!(
            contents(app.data_dir.path())? == before,
            "{case}: the data directory changed"
        );
    }

    app.start().await?;
    let page = app.get_page("/").await?;
    assert!(
        page.notice("카드 결제 승인 지연")?.is_some(),
        "the live database still serves"
    );
    Ok(())
}
