//! Slow and greedy clients: connections that never finish their headers, idle keep-alive
//! connections, a request body that trickles in, and more connections than the cap. None
//! of them keeps others waiting for long.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

fn socket_address(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// Waits (with a generous deadline) until the server closes `stream`; returns what it
/// sent before closing.
async fn closed_by_server(stream: &mut TcpStream, deadline: Duration) -> TestResult<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let started = Instant::now();
    loop {
        let left = deadline
            .checked_sub(started.elapsed())
            .ok_or("the server kept the connection open")?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return Err("the server kept the connection open".into()),
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn five_hundred_slow_connections_do_not_keep_readers_or_operators_waiting() -> TestResult {
    paystatus::web::connections::raise_open_file_limit()?;
    let app = spawn_app().await;
    let address = socket_address(&app);

    // 250 connections that send nothing, and 250 that send their headers a byte at a time.
    let mut idle = Vec::new();
    for _ in 0..250 {
        idle.push(TcpStream::connect(&address).await?);
    }
    let request = b"GET / HTTP/1.1\r\nHost: status.example\r\nUser-Agent: slowloris\r\n";
    let mut trickling = Vec::new();
    for _ in 0..250 {
        let mut stream = TcpStream::connect(&address).await?;
        trickling.push(tokio::spawn(async move {
            for byte in request.iter().cycle().take(200) {
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let started = Instant::now();
    for n in 0..20 {
        let r = client.get(format!("{}/", app.address)).send().await?;
        assert_eq!(r.status(), StatusCode::OK, "reader #{n}");
        let r = client
            .post(app.admin_url("/incidents"))
            .bearer_auth(&app.admin_key)
            .json(&incident_titled(&format!("장애 #{n}")))
            .send()
            .await?;
        assert_eq!(r.status(), StatusCode::CREATED, "operator #{n}");
    }
    eprintln!(
        "with 500 slow connections open, 20 page reads and 20 admin writes took {:?}",
        started.elapsed()
    );
    let metrics = app.get("/metrics").await?.text().await?;
    let open: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("paystatus_open_connections "))
        .ok_or("no paystatus_open_connections")?
        .parse()?;
    assert!(
        open >= 500.0,
        "the slow connections were held open meanwhile: {open}"
    );
    for t in trickling {
        t.abort();
    }
    drop(idle);
    Ok(())
}

#[tokio::test]
async fn headers_that_never_end_and_idle_keep_alive_connections_are_closed() -> TestResult {
    let app = spawn_app_configured(|c| c.header_timeout_seconds = 1).await;
    let address = socket_address(&app);

    let mut unfinished = TcpStream::connect(&address).await?;
    unfinished
        .write_all(b"GET / HTTP/1.1\r\nHost: status.example\r\n")
        .await?;
    closed_by_server(&mut unfinished, Duration::from_secs(10)).await?;

    let mut silent = TcpStream::connect(&address).await?;
    closed_by_server(&mut silent, Duration::from_secs(10)).await?;

    // A finished request is answered; the connection, left idle, is then closed.
    let mut kept_alive = TcpStream::connect(&address).await?;
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: status.example\r\n\r\n")
        .await?;
    let answered = closed_by_server(&mut kept_alive, Duration::from_secs(10)).await?;
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    Ok(())
}

#[tokio::test]
async fn an_admin_request_whose_body_trickles_in_is_ended() -> TestResult {
    let app = spawn_app_configured(|c| c.admin_timeout_seconds = 1).await;
    let mut stream = TcpStream::connect(socket_address(&app)).await?;
    let head = format!(
        "POST /api/admin/v1/incidents HTTP/1.1\r\nHost: status.example\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{{\"title\": ",
        app.admin_key
    );
    stream.write_all(head.as_bytes()).await?;
    let answer = closed_by_server(&mut stream, Duration::from_secs(10)).await?;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("/problems/timeout"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 5"),
        "{answer}"
    );
    assert!(items(&app.list_incidents().await?).is_empty());
    Ok(())
}

#[tokio::test]
async fn past_the_connection_cap_new_clients_wait_their_turn() -> TestResult {
    let app = spawn_app_configured(|c| {
        c.max_connections = 16;
        c.header_timeout_seconds = 1;
    })
    .await;
    let address = socket_address(&app);
    let mut hogs = Vec::new();
    for _ in 0..16 {
        hogs.push(TcpStream::connect(&address).await?);
    }
    // The seventeenth waits in the listen queue until the header timeout frees a slot.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()?;
    let r = client.get(format!("{}/", app.address)).send().await?;
    assert_eq!(r.status(), StatusCode::OK);
    drop(hogs);
    let metrics = app.get("/metrics").await?.text().await?;
    let reached: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("paystatus_connection_limit_reached_total "))
        .ok_or("no paystatus_connection_limit_reached_total")?
        .parse()?;
    assert!(reached >= 1.0, "{metrics}");
    Ok(())
}
