use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const TITLE: &str = "카드 결제 승인 지연";

#[tokio::test]
async fn a_restart_keeps_incidents_updates_keys_components_and_the_audit_log() -> TestResult {
    let mut app = spawn_app().await;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    app.post_incident_update_ok(
        &id,
        &json!({
            "status": "identified",
            "message": "카드사 중계망 장애로 확인되었습니다.",
            "eta": "2026-11-25T15:00"
        }),
    )
    .await?;
    let past = string(
        &app.create_incident_ok(&incident_titled("지난 장애"))
            .await?["id"],
    )?;
    app.post_incident_update_ok(
        &past,
        &json!({ "status": "resolved", "message": "해결되었습니다." }),
    )
    .await?;
    app.create_maintenance_ok(&bank_maintenance()).await?;
    let r = app
        .create_component(
            &json!({ "id": "samsungpay", "name": "삼성페이", "group_id": "easy-pay" }),
        )
        .await?;
    expect_json(r, StatusCode::CREATED).await?;
    app.set_component_status("payco", "partial_outage").await?;
    let (_, monitoring) = app.create_key_ok("monitoring", &["read"]).await?;
    let leaver = app.create_key_with_cli("leaver", "read").await?;
    app.revoke_key_with_cli("leaver").await?;
    let incident_before = expect_json(app.get_incident(&id).await?, StatusCode::OK).await?;
    let before = app.stored_state().await?;
    let address_before = app.address.clone();

    app.restart().await?;

    assert_ne!(app.address, address_before, "a new server is answering");
    assert_eq!(app.stored_state().await?, before);
    let incident_after = expect_json(app.get_incident(&id).await?, StatusCode::OK).await?;
    let without_url = |mut v: Value| {
        v.as_object_mut().map(|o| o.remove("url"));
        v
    };
    assert_eq!(
        without_url(incident_after.clone()),
        without_url(incident_before)
    );
    assert_eq!(incident_after["updates"].as_array().map(Vec::len), Some(2));

    let read_with = |key: String| {
        let request = app.client.get(app.admin_url("/incidents")).bearer_auth(key);
        async move { request.send().await.map(|r| r.status()) }
    };
    assert_eq!(read_with(monitoring).await?, StatusCode::OK);
    assert_eq!(
        read_with(leaver).await?,
        StatusCode::UNAUTHORIZED,
        "still revoked"
    );

    let page = app.get_page("/").await?;
    let notice = page.notice(TITLE)?.ok_or("the open incident is gone")?;
    assert_eq!(notice.fact("예상 복구"), Some("15:00 (약 55분 후)"));
    assert_eq!(
        page.notices_in("maintenance-upcoming")?
            .first()
            .map(|n| n.title.as_str()),
        Some("은행 정기 점검")
    );
    assert_eq!(page.channel_status("삼성페이")?.as_deref(), Some("정상"));
    assert_eq!(page.channel_status("페이코")?.as_deref(), Some("일부 장애"));
    assert_eq!(
        page.channel_status("신용·체크카드")?.as_deref(),
        Some("장애")
    );
    let incident_page = app.get_page(&format!("/incidents/{id}")).await?;
    assert!(
        incident_page
            .texts(".eta-revisions li")?
            .iter()
            .any(|r| r.contains("14:45에서 15:00으로")),
        "the ETA revision is gone"
    );
    let history = app.get_page("/history").await?;
    assert_eq!(
        history.texts("ol.history li .history-title")?,
        ["지난 장애"]
    );
    Ok(())
}

#[tokio::test]
async fn a_window_that_opened_while_the_server_was_down_is_in_progress_on_start() -> TestResult {
    let mut app = spawn_app().await;
    let id = string(&app.create_maintenance_ok(&bank_maintenance()).await?["id"])?;

    app.clock.advance(Duration::hours(10)); // 00:05 on the 26th
    app.restart().await?;

    assert_eq!(app.maintenance_status(&id).await?, "in_progress");
    let page = app.get_page("/").await?;
    assert_eq!(page.channel_status("계좌이체")?.as_deref(), Some("점검 중"));
    Ok(())
}
