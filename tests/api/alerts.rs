//! Monitoring's alerts through the admin API: Alertmanager's own payloads (fixtures it
//! sent) and the generic status hook move channels, open one draft incident or link to an
//! open one, suggest a `monitoring` update when resolved, damp flapping, and refuse what
//! they cannot take with nothing changed. `alertmanager.rs` does the same through a real
//! Alertmanager.

use chrono::Duration;
use paystatus::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

impl TestApp {
    pub async fn post_alerts(&self, payload: &Value) -> TestResult<Value> {
        let r = self
            .admin(Method::POST, "/integrations/alertmanager")
            .json(payload)
            .send()
            .await?;
        expect_json(r, StatusCode::OK).await
    }

    pub async fn post_status(&self, body: &Value) -> TestResult<Value> {
        let r = self
            .admin(Method::POST, "/integrations/status")
            .json(body)
            .send()
            .await?;
        expect_json(r, StatusCode::OK).await
    }

    /// A channel's status as the public `/api/v2/summary.json` shows it.
    pub async fn public_status(&self, id: &str) -> TestResult<String> {
        let summary: Value = self.get("/api/v2/summary.json").await?.json().await?;
        let name = self.list_components().await?["items"]
            .as_array()
            .and_then(|items| items.iter().find(|c| c["id"] == id))
            .map(|c| c["name"]["ko"].clone())
            .ok_or(format!("no component {id}"))?;
        summary["components"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == name))
            .and_then(|c| c["status"].as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("{id} is not in summary.json: {summary}").into())
    }

    pub async fn audit_actions(&self) -> TestResult<Vec<(String, String)>> {
        Ok(items(&self.list_audit().await?)
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap_or_default().to_string(),
                    e["actor"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect())
    }
}

/// An Alertmanager payload of one alert, shaped like the fixtures.
pub fn alert(fingerprint: &str, state: &str, labels: Value, annotations: Value) -> Value {
    let mut payload = alertmanager_fixture("webhook_v4_firing.json");
    payload["status"] = json!(state);
    payload["alerts"][0]["status"] = json!(state);
    payload["alerts"][0]["fingerprint"] = json!(fingerprint);
    payload["alerts"][0]["labels"] = labels;
    payload["alerts"][0]["annotations"] = annotations;
    payload
}

/// A 422 naming each of `fields`.
async fn expect_fields(r: reqwest::Response, fields: &[&str]) -> TestResult {
    let body = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, None).await?;
    for field in fields {
        let named = body["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == json!(field)));
        if !named {
            return Err(format!("expected the field `{field}` to be named: {body}").into());
        }
    }
    Ok(())
}

fn drafts(list: &Value) -> Vec<&Value> {
    items(list).iter().filter(|i| i["draft"] == true).collect()
}

#[tokio::test]
async fn alertmanagers_firing_payload_moves_the_channel_and_opens_one_draft() -> TestResult {
    let app = spawn_app().await;
    let (_, key) = app.create_key_ok("alertmanager", &["automation"]).await?;
    let fire = |payload: Value| {
        app.client
            .post(app.admin_url("/integrations/alertmanager"))
            .bearer_auth(&key)
            .json(&payload)
            .send()
    };

    let r = fire(alertmanager_fixture("webhook_v4_firing.json")).await?;
    let answer = expect_json(r, StatusCode::OK).await?;
    assert_eq!(answer["alerts"][0]["opened"], true, "{answer}");
    assert_eq!(
        answer["alerts"][0]["changes"],
        json!([{ "component": "card", "old": "operational", "new": "major_outage" }])
    );
    assert_eq!(app.public_status("card").await?, "major_outage");
    let incidents = app.list_incidents().await?;
    let opened = drafts(&incidents);
    assert_eq!(opened.len(), 1, "one draft: {incidents}");
    assert_eq!(opened[0]["components"][0]["id"], "card", "{}", opened[0]);
    // The draft is for a person to review: nothing public names it.
    let summary: Value = app.get("/api/v2/summary.json").await?.json().await?;
    assert_eq!(summary["incidents"], json!([]), "{summary}");

    // Alertmanager sends the group again: nothing changes, nothing is recorded.
    let before = app.stored_state().await?;
    let r = fire(alertmanager_fixture("webhook_v4_firing.json")).await?;
    let again = expect_json(r, StatusCode::OK).await?;
    assert_eq!(again["alerts"][0]["repeat"], true, "{again}");
    assert_eq!(app.stored_state().await?, before);

    // Resolved: the channel is back, the draft stays for a person, with a suggestion.
    let r = fire(alertmanager_fixture("webhook_v4_resolved.json")).await?;
    let resolved = expect_json(r, StatusCode::OK).await?;
    assert_eq!(app.public_status("card").await?, "operational");
    assert!(
        resolved["alerts"][0]["proposed_update"].is_string(),
        "{resolved}"
    );
    let incidents = app.list_incidents().await?;
    assert_eq!(drafts(&incidents).len(), 1, "{incidents}");
    assert_eq!(drafts(&incidents)[0]["status"], "investigating");
    let r = fire(alertmanager_fixture("webhook_v4_resolved.json")).await?;
    assert_eq!(
        expect_json(r, StatusCode::OK).await?["alerts"][0]["repeat"],
        true
    );

    // Everything it did is in the audit log under the key's name.
    let actions = app.audit_actions().await?;
    for action in ["alert.fired", "incident.create", "alert.resolved"] {
        assert!(
            actions
                .iter()
                .any(|(a, who)| a == action && who == "alertmanager"),
            "{action} by alertmanager: {actions:?}"
        );
    }
    assert_eq!(
        actions
            .iter()
            .filter(|(a, _)| a.starts_with("alert."))
            .count(),
        2,
        "repeats are not recorded: {actions:?}"
    );
    Ok(())
}

#[tokio::test]
async fn an_alert_on_a_channel_an_open_incident_covers_is_linked_not_duplicated() -> TestResult {
    let app = spawn_app().await;
    let incident = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    let answer = app
        .post_alerts(&alert(
            "aa01",
            "firing",
            json!({ "alertname": "CardErrors", "paystatus_component": "card", "severity": "warning" }),
            json!({}),
        ))
        .await?;
    assert_eq!(answer["alerts"][0]["opened"], false, "{answer}");
    assert_eq!(answer["alerts"][0]["incident"], json!(incident));
    assert_eq!(items(&app.list_incidents().await?).len(), 1);
    // A warning never makes a channel in a major outage look better.
    assert_eq!(app.public_status("card").await?, "major_outage");

    // Resolved while the incident is open: the incident still holds the channel.
    app.post_alerts(&alert(
        "aa01",
        "resolved",
        json!({ "alertname": "CardErrors", "paystatus_component": "card", "severity": "warning" }),
        json!({}),
    ))
    .await?;
    assert_eq!(app.public_status("card").await?, "major_outage");
    let shown = app.get_incident(&incident).await?;
    assert_eq!(
        expect_json(shown, StatusCode::OK).await?["status"],
        "investigating",
        "a linked incident is not resolved by an alert"
    );

    // The console shows the alert next to the incident, and the suggested update posts.
    app.add_person("editor@example.com", Role::Editor)?;
    let editor = app.sign_in("editor@example.com").await?;
    let page = app
        .console_get(&editor.cookie, &format!("/console/incidents/{incident}"))
        .await?
        .text()
        .await?;
    assert!(page.contains("CardErrors"), "{page}");
    assert!(page.contains("제안된 업데이트"), "{page}");
    let message = page
        .split(r#"name="message_ko" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no suggested message")?
        .to_string();
    let r = app
        .console_post(
            &editor,
            &format!("/console/incidents/{incident}/updates"),
            &[("status", "monitoring"), ("message_ko", &message)],
        )
        .await?;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shown = expect_json(app.get_incident(&incident).await?, StatusCode::OK).await?;
    assert_eq!(shown["status"], "monitoring");
    let page = app
        .console_get(&editor.cookie, &format!("/console/incidents/{incident}"))
        .await?
        .text()
        .await?;
    assert!(
        !page.contains("제안된 업데이트"),
        "posted: no longer suggested"
    );
    Ok(())
}

#[tokio::test]
async fn a_channel_goes_back_only_when_nothing_else_holds_it() -> TestResult {
    let app = spawn_app().await;
    let labels =
        json!({ "alertname": "A", "paystatus_component": "card,kakaopay", "severity": "critical" });
    app.post_alerts(&alert("f1", "firing", labels.clone(), json!({})))
        .await?;
    app.post_status(
        &json!({ "component": "card", "status": "partial_outage", "source": "uptime" }),
    )
    .await?;
    assert_eq!(app.public_status("kakaopay").await?, "major_outage");

    app.post_alerts(&alert("f1", "resolved", labels, json!({})))
        .await?;
    assert_eq!(app.public_status("kakaopay").await?, "operational");
    // The uptime checker still says card fails.
    assert_eq!(app.public_status("card").await?, "partial_outage");
    app.post_status(&json!({ "component": "card", "source": "uptime", "resolved": true }))
        .await?;
    assert_eq!(app.public_status("card").await?, "operational");
    Ok(())
}

#[tokio::test]
async fn annotations_choose_the_status_the_template_and_publishing() -> TestResult {
    let app = spawn_app().await;
    let answer = app
        .post_alerts(&alert(
            "p1",
            "firing",
            json!({ "alertname": "KakaoPayDown", "paystatus_component": "kakaopay", "severity": "info" }),
            json!({ "paystatus_status": "partial_outage", "paystatus_publish": "true",
                    "paystatus_template": "card-approval-delay" }),
        ))
        .await?;
    assert_eq!(answer["alerts"][0]["published"], true, "{answer}");
    assert_eq!(app.public_status("kakaopay").await?, "partial_outage");
    let summary: Value = app.get("/api/v2/summary.json").await?.json().await?;
    assert_eq!(
        summary["incidents"].as_array().map(Vec::len),
        Some(1),
        "published at once: {summary}"
    );
    Ok(())
}

#[tokio::test]
async fn the_severity_mapping_is_changed_through_the_admin_api() -> TestResult {
    let app = spawn_app().await;
    let r = app
        .admin(Method::GET, "/integrations/settings")
        .send()
        .await?;
    let etag = header(&r, "etag");
    let settings = expect_json(r, StatusCode::OK).await?;
    assert_eq!(settings["severities"]["warning"], "degraded_performance");
    assert_eq!(
        settings["flapping"],
        json!({ "count": 3, "window_minutes": 10 })
    );

    let new = json!({
        "severities": { "warning": "partial_outage", "page": "major_outage" },
        "otherwise": "degraded_performance",
        "flapping": { "count": 2, "window_minutes": 5 }
    });
    let r = app
        .admin(Method::PUT, "/integrations/settings")
        .header("if-match", &etag)
        .json(&new)
        .send()
        .await?;
    expect_json(r, StatusCode::OK).await?;
    // The old ETag is stale now.
    let r = app
        .admin(Method::PUT, "/integrations/settings")
        .header("if-match", &etag)
        .json(&new)
        .send()
        .await?;
    expect_problem(r, StatusCode::PRECONDITION_FAILED, None).await?;

    let labels = |severity: &str| json!({ "alertname": "X", "paystatus_component": "card", "severity": severity });
    app.post_alerts(&alert("w", "firing", labels("warning"), json!({})))
        .await?;
    assert_eq!(app.public_status("card").await?, "partial_outage");
    app.post_alerts(&alert("u", "firing", labels("unknown"), json!({})))
        .await?;
    app.post_alerts(&alert("w", "resolved", labels("warning"), json!({})))
        .await?;
    assert_eq!(app.public_status("card").await?, "degraded_performance");

    let refused = app
        .admin(Method::PUT, "/integrations/settings")
        .json(&json!({
            "severities": { "critical": "operational" },
            "otherwise": "loud",
            "flapping": { "count": 0, "window_minutes": 10 }
        }))
        .send()
        .await?;
    expect_fields(refused, &["severities.critical", "otherwise"]).await?;
    Ok(())
}

#[tokio::test]
async fn a_flapping_channel_keeps_its_worst_status_until_it_is_stable() -> TestResult {
    let app = spawn_app().await;
    let labels =
        json!({ "alertname": "Flappy", "paystatus_component": "card", "severity": "critical" });
    let cycle = |state: &'static str| alert("flap", state, labels.clone(), json!({}));

    // One fire-then-resolve is not flapping: the channel is back at once.
    app.post_alerts(&cycle("firing")).await?;
    app.post_alerts(&cycle("resolved")).await?;
    assert_eq!(app.public_status("card").await?, "operational");
    for _ in 0..2 {
        app.clock.advance(Duration::minutes(1));
        app.post_alerts(&cycle("firing")).await?;
        app.post_alerts(&cycle("resolved")).await?;
        assert_eq!(app.public_status("card").await?, "operational");
    }
    // The fourth resolve within ten minutes: held.
    app.clock.advance(Duration::minutes(1));
    app.post_alerts(&cycle("firing")).await?;
    let answer = app.post_alerts(&cycle("resolved")).await?;
    assert_eq!(answer["alerts"][0]["flapping"], json!(["card"]), "{answer}");
    assert_eq!(app.public_status("card").await?, "major_outage");
    let listed = expect_json(
        app.admin(Method::GET, "/integrations/alerts")
            .send()
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(listed["flapping"][0]["component"], "card", "{listed}");

    // Still held nine minutes later; let go once stable for ten.
    app.advance_and_tick(Duration::minutes(9)).await?;
    assert_eq!(app.public_status("card").await?, "major_outage");
    app.advance_and_tick(Duration::minutes(1)).await?;
    assert_eq!(app.public_status("card").await?, "operational");
    assert!(
        app.audit_actions()
            .await?
            .iter()
            .any(|(a, who)| a == "alert.flapping_settled" && who == "system")
    );
    Ok(())
}

#[tokio::test]
async fn what_an_alert_cannot_take_is_refused_with_nothing_changed() -> TestResult {
    let app = spawn_app().await;
    let (_, reader) = app.create_key_ok("reader", &["read", "incidents"]).await?;
    let before = app.stored_state().await?;

    // A key without `automation`.
    let r = app
        .client
        .post(app.admin_url("/integrations/alertmanager"))
        .bearer_auth(&reader)
        .json(&alertmanager_fixture("webhook_v4_firing.json"))
        .send()
        .await?;
    expect_problem(r, StatusCode::FORBIDDEN, None).await?;

    // One unknown channel refuses the whole payload, the known one's alert included.
    let mut payload = alertmanager_fixture("webhook_v4_firing.json");
    let mut second = payload["alerts"][0].clone();
    second["fingerprint"] = json!("b2");
    second["labels"]["paystatus_component"] = json!("nope");
    payload["alerts"]
        .as_array_mut()
        .ok_or("alerts")?
        .push(second);
    let r = app
        .admin(Method::POST, "/integrations/alertmanager")
        .json(&payload)
        .send()
        .await?;
    expect_fields(r, &["alerts[1].labels.paystatus_component"]).await?;

    let cases: &[(&str, Value, &[&str])] = &[
        (
            "no channel label",
            alert("c1", "firing", json!({ "alertname": "X" }), json!({})),
            &["alerts[0].labels.paystatus_component"],
        ),
        (
            "a group, not a channel",
            alert(
                "c2",
                "firing",
                json!({ "paystatus_component": "easy-pay" }),
                json!({}),
            ),
            &["alerts[0].labels.paystatus_component"],
        ),
        (
            "a status an alert cannot set, an unknown template, a bad publish",
            alert(
                "c3",
                "firing",
                json!({ "paystatus_component": "card" }),
                json!({ "paystatus_status": "operational", "paystatus_template": "nope",
                        "paystatus_publish": "yes" }),
            ),
            &[
                "alerts[0].annotations.paystatus_status",
                "alerts[0].annotations.paystatus_publish",
            ],
        ),
        (
            "another version",
            {
                let mut p = alertmanager_fixture("webhook_v4_firing.json");
                p["version"] = json!("3");
                p
            },
            &["version"],
        ),
        (
            "no fingerprint",
            {
                let mut p = alertmanager_fixture("webhook_v4_firing.json");
                p["alerts"][0]
                    .as_object_mut()
                    .map(|a| a.remove("fingerprint"));
                p
            },
            &["alerts[0].fingerprint"],
        ),
        (
            "an unknown alert status",
            {
                let mut p = alertmanager_fixture("webhook_v4_firing.json");
                p["alerts"][0]["status"] = json!("pending");
                p
            },
            &["alerts[0].status"],
        ),
    ];
    for (case, body, fields) in cases {
        let r = app
            .admin(Method::POST, "/integrations/alertmanager")
            .json(body)
            .send()
            .await?;
        expect_fields(r, fields)
            .await
            .map_err(|e| format!("{case}: {e}"))?;
    }
    let r = app
        .admin(Method::POST, "/integrations/alertmanager")
        .header("content-type", "application/json")
        .body("{\"version\": \"4\", \"alerts\": [")
        .send()
        .await?;
    expect_problem(r, StatusCode::BAD_REQUEST, None).await?;

    let hook_cases: &[(Value, &[&str])] = &[
        (
            json!({ "component": "card", "source": "uptime" }),
            &["status"],
        ),
        (
            json!({ "component": "nope", "status": "major_outage", "source": "uptime" }),
            &["component"],
        ),
        (
            json!({ "component": "card", "status": "under_maintenance" }),
            &["status", "source"],
        ),
    ];
    for (body, fields) in hook_cases {
        let r = app
            .admin(Method::POST, "/integrations/status")
            .json(body)
            .send()
            .await?;
        expect_fields(r, fields)
            .await
            .map_err(|e| format!("{body}: {e}"))?;
    }
    assert_eq!(app.stored_state().await?, before, "something changed");
    Ok(())
}
