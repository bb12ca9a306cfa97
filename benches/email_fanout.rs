//! The email fan-out benchmark: 10,000 confirmed subscribers, one incident posted; how
//! long until the mail server has accepted every subscriber's mail. The issue's bar: all
//! within 60 s on the 2-core machine.
//!
//! ```sh
//! bash .ci/run   # once: it installs aiosmtpd in .ci/venv
//! cargo bench --bench email_fanout
//! SUBSCRIBERS=50000 cargo bench --bench email_fanout
//! ```
//!
//! The mail server is aiosmtpd (a real SMTP server, from `.ci/venv`) with its `Sink`
//! handler, which accepts and discards. The server runs in this process (release build);
//! "sent" is read from the outbox's deliveries, as the worker records them.

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use paystatus::domain::{Lang, Scope};
use paystatus::service::subscribers::{Imported, import};
use paystatus::service::{self, Ctx, Who, keys};
use paystatus::store::Reader;
use paystatus::{App, Config};
use serde_json::json;
use tokio::process::Command;

type Result<T = (), E = Box<dyn Error + Send + Sync>> = std::result::Result<T, E>;

#[tokio::main]
async fn main() -> Result {
    let subscribers: usize = match std::env::var("SUBSCRIBERS") {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("SUBSCRIBERS={v} is not a number"))?,
        Err(_) => 10_000,
    };
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python");
    if !python.exists() {
        return Err("aiosmtpd is not installed: run `bash .ci/run` (it installs .ci/venv)".into());
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let _smtp = Command::new(&python)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Sink"])
        .kill_on_drop(true)
        .spawn()?;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let dir = tempfile::tempdir()?;
    let mut config = Config::for_tests(dir.path().to_path_buf());
    config.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    config.smtp_from = Some("Status <status@example.com>".into());
    let app = App::build(config).await?;
    let base = format!("{}/api/admin/v1", app.base_url());
    let store = app.handle().store().clone();

    let seeding = Instant::now();
    for batch in 0..subscribers.div_ceil(1000) {
        let rows: Vec<Imported> = (batch * 1000..((batch + 1) * 1000).min(subscribers))
            .map(|n| Imported {
                email: format!("shopper{n}@example.com"),
                lang: if n % 3 == 0 { Lang::En } else { Lang::Ko },
                components: Vec::new(),
            })
            .collect();
        store.write_blocking(|tx| {
            let ctx = Ctx::at(Utc::now(), Who::cli());
            service::execute(tx, &ctx, |tx, ctx| import(tx, ctx, rows, true))
        })?;
    }
    eprintln!(
        "{subscribers} confirmed subscribers in {:.1?}",
        seeding.elapsed()
    );
    let scopes = [Scope::Incidents];
    let key = store.write_blocking(|tx| {
        let ctx = Ctx::at(Utc::now(), Who::cli());
        service::execute(tx, &ctx, |tx, ctx| keys::create(tx, ctx, "bench", &scopes))
    })?;
    tokio::spawn(app.run());

    let incident = json!({
        "title": { "ko": "카드 결제 지연", "en": "Card payments delayed" },
        "message": { "ko": "일부 카드 결제가 지연됩니다.", "en": "Some card payments are delayed." },
        "components": { "card": "major_outage" },
        "eta": (Utc::now() + chrono::Duration::minutes(40)).to_rfc3339(),
    });
    let started = Instant::now();
    let r = reqwest::Client::new()
        .post(format!("{base}/incidents"))
        .bearer_auth(&key.secret)
        .json(&incident)
        .send()
        .await?;
    let acknowledged = started.elapsed();
    if r.status() != reqwest::StatusCode::CREATED {
        return Err(format!("cannot post the incident: {}", r.text().await?).into());
    }
    // Every subscriber hears of the incident (the card's status change goes only to
    // those who chose the card: none here). All the mails are the deliveries made.
    let deadline = started + Duration::from_secs(300);
    let mut halfway = None;
    let (expected, all) = loop {
        let (made, sent) = store
            .read(Reader::Operator, |tx| {
                tx.query_row(
                    "SELECT count(*), count(*) FILTER (WHERE state = 'sent')
                     FROM deliveries WHERE channel = 'email'",
                    [],
                    |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
                )
                .map_err(paystatus::store::StoreError::from)
            })
            .await?;
        let expected = made.max(subscribers);
        if halfway.is_none() && sent * 2 >= expected {
            halfway = Some(started.elapsed());
        }
        if sent >= expected {
            break (sent, started.elapsed());
        }
        if Instant::now() > deadline {
            return Err(format!("only {sent} of {expected} mails sent in 300 s").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    println!("| subscribers | mails | write acknowledged | half sent | all sent | mails/s |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {subscribers} | {expected} | {:.0} ms | {:.1} s | {:.1} s | {:.0} |",
        acknowledged.as_secs_f64() * 1000.0,
        halfway.unwrap_or(all).as_secs_f64(),
        all.as_secs_f64(),
        expected as f64 / all.as_secs_f64()
    );
    Ok(())
}
