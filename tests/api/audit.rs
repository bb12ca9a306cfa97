use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn has(audit: &Value, actor: &str, action: &str, target: Option<&str>) -> bool {
    items(audit).iter().any(|e| {
        e["actor"] == json!(actor)
            && e["action"] == json!(action)
            && target.is_none_or(|t| e["target"] == json!(t))
    })
}

#[tokio::test]
async fn the_audit_log_names_who_did_what() -> TestResult {
    let app = spawn_app().await;
    let on_call = app.create_key_with_cli("on-call", "incidents").await?;
    let r = app
        .client
        .post(app.admin_url("/incidents"))
        .bearer_auth(&on_call)
        .json(&card_outage())
        .send()
        .await?;
    let id = string(&expect_json(r, StatusCode::CREATED).await?["id"])?;
    let r = app
        .client
        .post(app.admin_url(&format!("/incidents/{id}/updates")))
        .bearer_auth(&on_call)
        .json(&json!({ "status": "resolved", "message": "해결되었습니다." }))
        .send()
        .await?;
    expect_json(r, StatusCode::CREATED).await?;
    app.set_component_status("kakaopay", "partial_outage")
        .await?;
    let maintenance = string(&app.create_maintenance_ok(&bank_maintenance()).await?["id"])?;
    app.advance_and_tick(Duration::hours(10)).await?; // the window opens
    let refused = app
        .client
        .post(app.admin_url("/keys"))
        .bearer_auth(&on_call)
        .json(&json!({ "name": "sneaky", "scopes": ["keys"] }))
        .send()
        .await?;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let audit = app.list_audit().await?;

    assert!(has(&audit, "cli", "key.create", None), "{audit:#}");
    assert!(
        has(&audit, "on-call", "incident.create", Some(&id)),
        "{audit:#}"
    );
    assert!(
        has(&audit, "on-call", "incident.update", Some(&id)),
        "{audit:#}"
    );
    assert!(
        has(
            &audit,
            "test-admin",
            "component.set_status",
            Some("kakaopay")
        ),
        "{audit:#}"
    );
    assert!(
        has(
            &audit,
            "test-admin",
            "maintenance.create",
            Some(&maintenance)
        ),
        "{audit:#}"
    );
    assert!(
        has(
            &audit,
            "system",
            "maintenance.auto_transition",
            Some(&maintenance)
        ),
        "{audit:#}"
    );
    assert!(
        !items(&audit)
            .iter()
            .any(|e| e["detail"]["name"] == "sneaky"),
        "a refused request is not an action"
    );
    let ids: Vec<i64> = items(&audit)
        .iter()
        .filter_map(|e| e["id"].as_i64())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let create = items(&audit)
        .iter()
        .find(|e| e["action"] == "incident.create")
        .ok_or("no incident.create")?;
    assert!(
        create["at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-11-25T14:05:00") && t.ends_with("+09:00")),
        "{create}"
    );
    Ok(())
}
