//! Webhooks, end to end: a real receiver on 127.0.0.1 gets each event signed per
//! Standard Webhooks (checked by the reference library), retries keep their id, pending
//! deliveries survive a restart and a SIGKILL, inside addresses are refused unless
//! allowed, and drafts and drills send nothing.

pub mod receiver;

use std::time::Duration;

use chrono::Duration as Span;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use receiver::{Receiver, Reply, library_accepts, signed_with};

/// Long enough for a debug build on two busy cores; the worker itself wakes at once.
const PATIENCE: Duration = Duration::from_secs(15);

async fn allowing_private() -> TestApp {
    spawn_app_configured(|c| c.webhook_allow_private = true).await
}

/// Makes an endpoint; returns its id and secret.
async fn endpoint(app: &TestApp, body: Value) -> TestResult<(String, String)> {
    let r = app
        .admin(Method::POST, "/webhooks")
        .json(&body)
        .send()
        .await?;
    let made = expect_json(r, StatusCode::CREATED).await?;
    Ok((string(&made["id"])?, string(&made["secret"])?))
}

async fn deliveries(app: &TestApp, id: &str) -> TestResult<Vec<Value>> {
    let r = app
        .admin(Method::GET, &format!("/webhooks/{id}/deliveries"))
        .send()
        .await?;
    Ok(items(&expect_json(r, StatusCode::OK).await?).to_vec())
}

/// The attempts recorded of the first delivery listed.
fn attempts(list: &[Value]) -> usize {
    list.first()
        .and_then(|d| d["attempts"].as_array())
        .map_or(0, Vec::len)
}

/// Waits until the endpoint's deliveries satisfy `done`.
async fn deliveries_until(
    app: &TestApp,
    id: &str,
    done: impl Fn(&[Value]) -> bool,
) -> TestResult<Vec<Value>> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let list = deliveries(app, id).await?;
        if done(&list) {
            return Ok(list);
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("deliveries never got there: {list:#?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_incident_reaches_the_receiver_signed_as_the_standard_webhooks_library_checks()
-> TestResult {
    let app = allowing_private().await;
    let receiver = Receiver::start().await?;
    let (id, secret) = endpoint(
        &app,
        json!({ "url": receiver.url, "events": ["incident.created"] }),
    )
    .await?;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let shown = expect_json(
        app.admin(Method::GET, &format!("/webhooks/{id}"))
            .send()
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert!(
        shown.get("secret").is_none(),
        "the secret is shown once: {shown}"
    );
    let listed = expect_json(
        app.admin(Method::GET, "/webhooks").send().await?,
        StatusCode::OK,
    )
    .await?;
    assert!(!listed.to_string().contains(&secret), "{listed}");

    let incident = app.create_incident_ok(&card_outage()).await?;

    let got = receiver.wait_for(1, PATIENCE).await?;
    let r = &got[0];
    let body = r.json()?;
    assert_eq!(body["type"], "incident.created");
    assert_eq!(body["data"]["id"], incident["id"]);
    assert_eq!(
        body["data"]["name"], "카드 결제 승인 지연",
        "in the page's language"
    );
    assert_eq!(body["data"]["status"], "investigating");
    assert!(
        body["data"]["incident_updates"].is_array(),
        "/api/v2's object: {body}"
    );
    assert!(r.id.starts_with("msg_"), "{}", r.id);
    assert!(signed_with(r, &secret)?, "{r:?}");
    assert!(
        library_accepts(r, &secret).await?,
        "standardwebhooks refused {r:?}"
    );
    let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(
        !library_accepts(r, other).await?,
        "another secret is refused"
    );
    let list = deliveries_until(&app, &id, |d| {
        d.first().is_some_and(|d| d["state"] == "sent")
    })
    .await?;
    assert_eq!(list.len(), 1, "only the kind asked for: {list:#?}");
    assert_eq!(list[0]["id"], r.id.as_str());
    assert_eq!(list[0]["attempts"][0]["status_code"], 200);
    assert!(list[0]["attempts"][0]["latency_ms"].is_u64());
    Ok(())
}

#[tokio::test]
async fn a_receiver_answering_500_is_tried_again_with_the_same_id_until_it_answers_200()
-> TestResult {
    let app = allowing_private().await;
    let receiver = Receiver::scripted(&[Reply::Status(500), Reply::Status(500)]).await?;
    let (id, secret) = endpoint(
        &app,
        json!({ "url": receiver.url, "events": ["incident.created"] }),
    )
    .await?;
    app.create_incident_ok(&card_outage()).await?;

    receiver.wait_for(1, PATIENCE).await?;
    let pending = deliveries_until(&app, &id, |d| attempts(d) == 1).await?;
    assert_eq!(pending[0]["state"], "pending");
    assert_eq!(pending[0]["attempts"][0]["status_code"], 500);
    // The first retry comes within 5 s, the second within 30 s.
    app.advance_and_tick(Span::seconds(5)).await?;
    receiver.wait_for(2, PATIENCE).await?;
    deliveries_until(&app, &id, |d| attempts(d) == 2).await?;
    app.advance_and_tick(Span::seconds(30)).await?;
    let got = receiver.wait_for(3, PATIENCE).await?;

    let answered: Vec<u16> = got.iter().map(|r| r.answered).collect();
    assert_eq!(answered, [500, 500, 200]);
    assert!(
        got.iter().all(|r| r.id == got[0].id),
        "one id for every retry: {got:#?}"
    );
    assert!(got.iter().all(|r| signed_with(r, &secret).unwrap_or(false)));
    let done = deliveries_until(&app, &id, |d| {
        d.first().is_some_and(|d| d["state"] == "sent")
    })
    .await?;
    let codes: Vec<&Value> = done[0]["attempts"]
        .as_array()
        .ok_or("no attempts")?
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(500), &json!(200)]);
    assert_eq!(
        done[0]["attempts"][0]["error"],
        "the receiver answered 500 Internal Server Error"
    );
    let hook = expect_json(
        app.admin(Method::GET, &format!("/webhooks/{id}"))
            .send()
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert!(
        hook["failing_since"].is_null(),
        "a success clears it: {hook}"
    );
    Ok(())
}

#[tokio::test]
async fn a_pending_delivery_is_sent_after_a_restart_with_the_same_id() -> TestResult {
    let mut app = allowing_private().await;
    let receiver = Receiver::scripted(&[Reply::Status(503)]).await?;
    let (id, _) = endpoint(
        &app,
        json!({ "url": receiver.url, "events": ["incident.created"] }),
    )
    .await?;
    app.create_incident_ok(&card_outage()).await?;
    receiver.wait_for(1, PATIENCE).await?;
    deliveries_until(&app, &id, |d| attempts(d) == 1).await?;

    app.restart().await?;
    app.advance_and_tick(Span::seconds(5)).await?;

    let got = receiver.wait_for(2, PATIENCE).await?;
    assert_eq!(got[1].id, got[0].id);
    assert_eq!(got[1].answered, 200);
    Ok(())
}

/// The real binary, with webhooks to 127.0.0.1 allowed.
async fn serve(dir: &std::path::Path, port: u16) -> TestResult<tokio::process::Child> {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_paystatus"))
        .arg("serve")
        .env("PAYSTATUS_DATA_DIR", dir)
        .env("PAYSTATUS_LISTEN", format!("127.0.0.1:{port}"))
        .env("PAYSTATUS_WEBHOOK_ALLOW_PRIVATE", "1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    for _ in 0..400 {
        if reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
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
async fn a_delivery_pending_when_the_server_is_killed_is_sent_after_it_starts_again() -> TestResult
{
    let dir = tempfile::tempdir()?;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paystatus"))
        .args([
            "keys",
            "create",
            "--name",
            "kill",
            "--scope",
            "incidents,components",
        ])
        .env("PAYSTATUS_DATA_DIR", dir.path())
        .output()?;
    let key = String::from_utf8(out.stdout)?.trim().to_string();
    // A request that arrives before the kill hangs past it (and is answered 503 at last):
    // the delivery is pending when the server dies, whether or not it was tried yet.
    let receiver = Receiver::scripted(&[Reply::HangThen(Duration::from_secs(30), 503)]).await?;
    let port = crate::durability::free_port()?;
    let mut server = serve(dir.path(), port).await?;
    let api = format!("http://127.0.0.1:{port}/api/admin/v1");
    let client = reqwest::Client::new();
    let hook = json!({ "url": receiver.url, "events": ["incident.created"] });
    let r = client
        .post(format!("{api}/webhooks"))
        .bearer_auth(&key)
        .json(&hook)
        .send()
        .await?;
    expect_json(r, StatusCode::CREATED).await?;

    let r = client
        .post(format!("{api}/incidents"))
        .bearer_auth(&key)
        .json(&incident_titled("카드 결제 지연"))
        .send()
        .await?;
    let incident = expect_json(r, StatusCode::CREATED).await?;
    server.kill().await?; // SIGKILL, right after the write was acknowledged
    // Only the restarted server can be answered 200 now.
    receiver.answer_everything_now();
    let port = crate::durability::free_port()?;
    let _server = serve(dir.path(), port).await?;

    let got = receiver.wait_for(1, Duration::from_secs(25)).await?;
    let resent = got
        .iter()
        .find(|r| r.answered == 200)
        .ok_or("only the request sent before the kill was answered")?;
    let body = resent.json()?;
    assert_eq!(body["type"], "incident.created");
    assert_eq!(body["data"]["id"], incident["id"]);
    Ok(())
}

#[tokio::test]
async fn inside_addresses_are_refused_without_the_setting_and_the_reason_is_recorded() -> TestResult
{
    let app = spawn_app().await;
    let receiver = Receiver::start().await?;
    let port = receiver.url.trim_start_matches("http://127.0.0.1:");
    let (literal, _) = endpoint(&app, json!({ "url": receiver.url })).await?;
    let (named, _) = endpoint(&app, json!({ "url": format!("http://localhost:{port}") })).await?;
    app.create_incident_ok(&card_outage()).await?;

    let failed = deliveries_until(&app, &literal, |d| {
        !d.is_empty() && d.iter().all(|d| d["state"] == "failed")
    })
    .await?;
    let error = string(&failed[0]["attempts"][0]["error"])?;
    assert!(error.contains("127.0.0.1 is a loopback address"), "{error}");
    assert!(failed[0]["attempts"][0]["status_code"].is_null());
    // A name is checked once resolved, on every attempt.
    let refused = deliveries_until(&app, &named, |d| {
        !d.is_empty()
            && d.iter()
                .all(|d| !d["attempts"].as_array().is_none_or(Vec::is_empty))
    })
    .await?;
    let error = string(&refused[0]["attempts"][0]["error"])?;
    assert!(
        error.contains("localhost resolves to") && error.contains("loopback"),
        "{error}"
    );
    assert!(
        receiver.got().is_empty(),
        "nothing reached it: {:?}",
        receiver.got()
    );
    Ok(())
}

#[tokio::test]
async fn drafts_and_drills_send_nothing() -> TestResult {
    let app = allowing_private().await;
    let receiver = Receiver::start().await?;
    let (id, _) = endpoint(&app, json!({ "url": receiver.url })).await?;
    let mut draft = card_outage();
    draft["draft"] = json!(true);
    let draft = app.create_incident_ok(&draft).await?;
    let mut drill = incident_titled("훈련");
    drill["drill"] = json!(true);
    let drill = app.create_incident_ok(&drill).await?;
    app.post_incident_update_ok(
        &string(&drill["id"])?,
        &json!({ "status": "resolved", "message": "끝" }),
    )
    .await?;
    // Something public after them: once it arrives, anything before it would have too.
    let public = app
        .create_incident_ok(&incident_titled("공개 장애"))
        .await?;

    receiver.wait_for(2, PATIENCE).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got: Vec<Value> = receiver
        .got()
        .iter()
        .map(|r| r.json())
        .collect::<TestResult<_>>()?;
    let kinds: Vec<&str> = got.iter().filter_map(|b| b["type"].as_str()).collect();
    assert_eq!(
        kinds,
        ["incident.created", "component.status_changed"],
        "{got:#?}"
    );
    assert_eq!(got[0]["data"]["id"], public["id"]);
    assert!(!format!("{got:?}").contains(&string(&draft["id"])?));
    assert!(!format!("{got:?}").contains(&string(&drill["id"])?));
    assert_eq!(deliveries(&app, &id).await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_status_set_by_hand_is_sent_as_component_status_changed_to_who_asked() -> TestResult {
    let app = allowing_private().await;
    let card = Receiver::start().await?;
    let bank = Receiver::start().await?;
    endpoint(&app, json!({ "url": card.url, "components": ["card"] })).await?;
    endpoint(
        &app,
        json!({ "url": bank.url, "components": ["bank-transfer"] }),
    )
    .await?;

    app.set_component_status("card", "degraded_performance")
        .await?;

    let got = card.wait_for(1, PATIENCE).await?;
    let body = got[0].json()?;
    assert_eq!(body["type"], "component.status_changed");
    assert_eq!(body["data"]["id"], "card");
    assert_eq!(body["data"]["status"], "degraded_performance");
    assert_eq!(body["data"]["old_status"], "operational");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bank.got().is_empty(), "not asked for: {:?}", bank.got());
    Ok(())
}

#[tokio::test]
async fn a_test_event_is_sent_and_a_rotated_secret_signs_from_then_on() -> TestResult {
    let app = allowing_private().await;
    let receiver = Receiver::start().await?;
    let (id, old) = endpoint(&app, json!({ "url": receiver.url })).await?;
    let test = |app: &TestApp| {
        app.admin(Method::POST, &format!("/webhooks/{id}/test"))
            .send()
    };

    let queued = expect_json(test(&app).await?, StatusCode::ACCEPTED).await?;
    let first = receiver.wait_for(1, PATIENCE).await?;
    assert_eq!(first[0].json()?["type"], "webhook.test");
    assert_eq!(queued["delivery_id"], first[0].id.as_str());
    assert!(signed_with(&first[0], &old)?);

    let r = app
        .admin(Method::POST, &format!("/webhooks/{id}/rotate-secret"))
        .send()
        .await?;
    let rotated = expect_json(r, StatusCode::OK).await?;
    let new = string(&rotated["secret"])?;
    assert_ne!(new, old);
    expect_json(test(&app).await?, StatusCode::ACCEPTED).await?;
    let second = receiver.wait_for(2, PATIENCE).await?;
    assert!(signed_with(&second[1], &new)?);
    assert!(
        !signed_with(&second[1], &old)?,
        "the old secret signs no more"
    );
    assert!(library_accepts(&second[1], &new).await?);
    let audit = app.list_audit().await?.to_string();
    assert!(
        audit.contains("webhook.rotate_secret") && !audit.contains(&new),
        "{audit}"
    );
    Ok(())
}

#[tokio::test]
async fn statuspage_and_slack_receivers_get_their_own_shapes_in_their_language() -> TestResult {
    let app = allowing_private().await;
    let statuspage = Receiver::start().await?;
    let slack = Receiver::start().await?;
    let kinds = json!(["incident.created"]);
    endpoint(
        &app,
        json!({ "url": statuspage.url, "format": "statuspage", "events": kinds }),
    )
    .await?;
    endpoint(
        &app,
        json!({ "url": slack.url, "format": "slack", "lang": "en", "events": kinds }),
    )
    .await?;
    let mut outage = card_outage();
    outage["title"] = json!({ "ko": "카드 결제 승인 지연", "en": "Card payments delayed" });
    let incident = app.create_incident_ok(&outage).await?;

    let sp = statuspage.wait_for(1, PATIENCE).await?[0].json()?;
    assert_eq!(sp["incident"]["id"], incident["id"]);
    assert_eq!(sp["page"]["id"], "paystatus");
    assert!(
        sp["page"]["status_indicator"].is_string() && sp["meta"].is_object(),
        "{sp}"
    );
    let text = string(&slack.wait_for(1, PATIENCE).await?[0].json()?["text"])?;
    assert!(text.contains("Card payments delayed"), "{text}");
    assert!(
        text.contains(&format!("/incidents/{}", string(&incident["id"])?)),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn endpoints_are_refused_with_every_problem_at_once() -> TestResult {
    let app = spawn_app().await;
    let r = app
        .admin(Method::POST, "/webhooks")
        .json(&json!({ "url": "ftp://x", "components": ["nope"], "events": ["incident.deleted"], "format": "xml", "lang": "ja" }))
        .send()
        .await?;
    let problem = expect_json(r, StatusCode::UNPROCESSABLE_ENTITY).await?;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .ok_or("no errors")?
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["url", "components", "events", "lang", "format"],
        "{problem}"
    );
    Ok(())
}
