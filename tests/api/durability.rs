//! Nothing acknowledged is lost when the server is killed (`kill -9`) in the middle of
//! writes, and the database is intact afterwards. Runs the real binary.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::process::{Child, Command};

use crate::helpers::*;

pub fn free_port() -> TestResult<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub async fn start_server(data_dir: &std::path::Path, port: u16) -> TestResult<Child> {
    let child = Command::new(env!("CARGO_BIN_EXE_paystatus"))
        .arg("serve")
        .env("PAYSTATUS_DATA_DIR", data_dir)
        .env("PAYSTATUS_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok()
        {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err("the server did not start".into())
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9_and_the_database_stays_intact() -> TestResult {
    let dir = tempfile::tempdir()?;
    let key_out = std::process::Command::new(env!("CARGO_BIN_EXE_paystatus"))
        .args([
            "keys",
            "create",
            "--name",
            "durability",
            "--scope",
            "read,incidents",
        ])
        .env("PAYSTATUS_DATA_DIR", dir.path())
        .output()?;
    let key = String::from_utf8(key_out.stdout)?.trim().to_string();
    let client = reqwest::Client::new();
    let mut acknowledged: Vec<String> = Vec::new();

    for round in 0..3 {
        let port = free_port()?;
        let mut server = start_server(dir.path(), port).await?;
        let base = format!("http://127.0.0.1:{port}/api/admin/v1");
        // Every incident acknowledged so far is there after the restart.
        for id in &acknowledged {
            let r = client
                .get(format!("{base}/incidents/{id}"))
                .bearer_auth(&key)
                .send()
                .await?;
            assert_eq!(
                r.status(),
                reqwest::StatusCode::OK,
                "round {round}: acknowledged incident {id} was lost"
            );
        }
        // Write as fast as possible, and kill the server without warning mid-stream.
        let acks = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (client, base, key, acks) =
                (client.clone(), base.clone(), key.clone(), acks.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0.. {
                    let body = json!({"title": format!("장애 {round}-{n}"), "message": "결제가 지연됩니다.",
                                      "components": {"mobile": "partial_outage"}});
                    match client
                        .post(format!("{base}/incidents"))
                        .bearer_auth(&key)
                        .json(&body)
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                            match r.json::<serde_json::Value>().await {
                                Ok(v) => {
                                    ids.push(v["id"].as_str().unwrap_or_default().to_string());
                                    acks.fetch_add(1, Ordering::SeqCst);
                                }
                                Err(_) => break,
                            }
                        }
                        _ => break,
                    }
                }
                ids
            })
        };
        // Let a few writes through (however slow the machine), then kill mid-stream.
        for _ in 0..400 {
            if acks.load(Ordering::SeqCst) >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tokio::time::sleep(Duration::from_millis(50 + 70 * round)).await;
        server.kill().await?; // SIGKILL
        let ids = writer.await?;
        assert!(
            !ids.is_empty(),
            "round {round}: some writes were acknowledged before the kill"
        );
        acknowledged.extend(ids);
        let integrity: String = rusqlite::Connection::open(dir.path().join("paystatus.db"))?
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(integrity, "ok", "round {round}");
    }

    let port = free_port()?;
    let _server = start_server(dir.path(), port).await?;
    let mut stored: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("http://127.0.0.1:{port}/api/admin/v1/incidents?limit=200");
        if let Some(c) = &cursor {
            url += &format!("&cursor={c}");
        }
        let page: serde_json::Value = client
            .get(url)
            .bearer_auth(&key)
            .send()
            .await?
            .json()
            .await?;
        stored.extend(
            items(&page)
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string)),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    for id in &acknowledged {
        assert!(
            stored.contains(id),
            "incident {id} was acknowledged but is gone"
        );
    }
    Ok(())
}
