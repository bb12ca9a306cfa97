//! A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that keeps every
//! request and answers as scripted (200 once the script runs out), and the two ways its
//! requests are verified: our own HMAC, and the `standardwebhooks` Python package.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit, Mac};
use serde_json::Value;
use tokio::sync::Notify;

use crate::helpers::*;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// What it was answered.
    pub answered: u16,
}

impl Received {
    pub fn json(&self) -> TestResult<Value> {
        Ok(serde_json::from_str(&self.body)?)
    }
}

/// What the receiver answers next: a status, or a wait first (a receiver that hangs).
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    HangThen(Duration, u16),
}

#[derive(Default)]
struct Inner {
    got: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Reply>>,
    arrived: Notify,
}

pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

impl Receiver {
    pub async fn start() -> TestResult<Receiver> {
        Receiver::scripted(&[]).await
    }

    pub async fn scripted(replies: &[Reply]) -> TestResult<Receiver> {
        let inner = Arc::new(Inner::default());
        inner
            .script
            .lock()
            .map_err(|_| "poisoned")?
            .extend(replies.iter().copied());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let app = Router::new()
            .route("/hook", axum::routing::post(take))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Receiver { url, inner })
    }

    /// From now on every request is answered 200 at once: the rest of the script is
    /// dropped (a request already hanging keeps hanging).
    pub fn answer_everything_now(&self) {
        if let Ok(mut script) = self.inner.script.lock() {
            script.clear();
        }
    }

    /// Everything answered so far (a hanging request counts once it is answered).
    pub fn got(&self) -> Vec<Received> {
        self.inner.got.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Waits until `n` requests were answered, at most `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> TestResult<Vec<Received>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let arrived = self.inner.arrived.notified();
            let got = self.got();
            if got.len() >= n {
                return Ok(got);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return Err(format!(
                    "{} of {n} requests arrived in {within:?}: {got:#?}",
                    got.len()
                )
                .into());
            }
        }
    }
}

async fn take(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let reply = inner
        .script
        .lock()
        .ok()
        .and_then(|mut s| s.pop_front())
        .unwrap_or(Reply::Status(200));
    let status = match reply {
        Reply::Status(s) => s,
        Reply::HangThen(wait, s) => {
            tokio::time::sleep(wait).await;
            s
        }
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let received = Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
        answered: status,
    };
    if let Ok(mut got) = inner.got.lock() {
        got.push(received);
    }
    inner.arrived.notify_waiters();
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Whether `r` is signed with `secret`, by the algorithm Standard Webhooks specifies.
pub fn signed_with(r: &Received, secret: &str) -> TestResult<bool> {
    let key = BASE64.decode(secret.strip_prefix("whsec_").ok_or("not whsec_")?)?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key)?;
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    Ok(r.signature.split(' ').any(|s| s == expected))
}

/// Whether the `standardwebhooks` package (the reference library) accepts `r` with `secret`.
pub async fn library_accepts(r: &Received, secret: &str) -> TestResult<bool> {
    let python = python_with_standardwebhooks()?;
    let script = "import sys\n\
        from standardwebhooks.webhooks import Webhook\n\
        body = sys.stdin.buffer.read()\n\
        headers = {'webhook-id': sys.argv[2], 'webhook-timestamp': sys.argv[3], 'webhook-signature': sys.argv[4]}\n\
        Webhook(sys.argv[1]).verify(body, headers)\n";
    let mut child = tokio::process::Command::new(python)
        .args(["-c", script, secret, &r.id, &r.timestamp, &r.signature])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    tokio::io::AsyncWriteExt::write_all(&mut stdin, r.body.as_bytes()).await?;
    drop(stdin);
    let out = child.wait_with_output().await?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && !stderr.contains("WebhookVerificationError") {
        return Err(format!("the standardwebhooks check did not run: {stderr}").into());
    }
    Ok(out.status.success())
}

/// `.ci/venv/bin/python` (where `.ci/run` installs `standardwebhooks`), or `$WEBHOOKS_PYTHON`.
fn python_with_standardwebhooks() -> TestResult<PathBuf> {
    let path = match std::env::var_os("WEBHOOKS_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python"),
    };
    if path.is_file() {
        return Ok(path);
    }
    Err(format!(
        "{} is missing: run `bash .ci/run` (it installs standardwebhooks in .ci/venv), or set \
         WEBHOOKS_PYTHON to a python with it",
        path.display()
    )
    .into())
}
