use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

const TITLE: &str = "은행 정기 점검";

/// A moment given in Seoul time, such as "2026-11-26T00:01".
fn seoul(local: &str) -> TestResult<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(&format!("{local}:00+09:00"))?.with_timezone(&Utc))
}

#[tokio::test]
async fn a_maintenance_window_starts_and_completes_by_itself_as_the_clock_moves() -> TestResult {
    let app = spawn_app().await;
    let created = app.create_maintenance_ok(&bank_maintenance()).await?;
    let id = string(&created["id"])?;
    assert_eq!(created["status"], "scheduled");

    // 14:05: announced ahead of time; nothing is under maintenance yet.
    let page = app.get_page("/").await?;
    let upcoming = page.notices_in("maintenance-upcoming")?;
    assert_eq!(upcoming.len(), 1);
    assert_eq!(upcoming[0].title, TITLE);
    assert!(page.notices_in("maintenance-now")?.is_empty());
    assert_eq!(page.channel_status("계좌이체")?.as_deref(), Some("정상"));
    assert_eq!(
        page.text("section[aria-labelledby=\"maintenance-upcoming\"] .window")?,
        "점검 시간 11월 26일 00:00 – 00:30"
    );

    // 00:01: the window has opened.
    app.clock.set(seoul("2026-11-26T00:01")?);
    app.tick().await?;

    assert_eq!(app.maintenance_status(&id).await?, "in_progress");
    assert_eq!(
        app.component_status("bank-transfer").await?,
        "under_maintenance"
    );
    assert_eq!(
        app.component_status("virtual-account").await?,
        "under_maintenance"
    );
    assert_eq!(app.component_status("card").await?, "operational");
    let page = app.get_page("/").await?;
    assert_eq!(page.banner()?, "점검 중인 결제 수단이 있습니다");
    let now: Vec<String> = page
        .notices_in("maintenance-now")?
        .into_iter()
        .map(|n| n.title)
        .collect();
    assert_eq!(now, [TITLE]);
    assert!(page.notices_in("maintenance-upcoming")?.is_empty());
    assert_eq!(page.channel_status("계좌이체")?.as_deref(), Some("점검 중"));
    assert_eq!(page.channel_status("가상계좌")?.as_deref(), Some("점검 중"));

    // 00:31: it is over.
    app.clock.set(seoul("2026-11-26T00:31")?);
    app.tick().await?;

    assert_eq!(app.maintenance_status(&id).await?, "completed");
    assert_eq!(app.component_status("bank-transfer").await?, "operational");
    assert_eq!(
        app.component_status("virtual-account").await?,
        "operational"
    );
    let page = app.get_page("/").await?;
    assert_eq!(page.banner()?, "모든 결제 서비스가 정상입니다");
    assert!(page.notices()?.is_empty());
    assert_eq!(page.channel_status("계좌이체")?.as_deref(), Some("정상"));
    let history = app.get_page("/history").await?;
    assert_eq!(history.texts("ol.history li .history-title")?, [TITLE]);

    // The automatic moves are on the timeline, newest first.
    let page = app.get_page(&format!("/incidents/{id}")).await?;
    assert_eq!(
        page.texts("ol.timeline li .update-head strong")?,
        ["점검 완료", "점검 중", "점검 예정"]
    );
    Ok(())
}

#[tokio::test]
async fn moving_a_window_later_is_shown_on_the_page_and_followed_by_the_clock() -> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_maintenance_ok(&bank_maintenance()).await?["id"])?;

    let r = app
        .patch_maintenance(
            &id,
            &json!({ "scheduled_for": "2026-11-26T01:00", "scheduled_until": "2026-11-26T01:30" }),
        )
        .await?;
    expect_json(r, StatusCode::OK).await?;

    let page = app.get_page("/").await?;
    assert_eq!(
        page.text("section[aria-labelledby=\"maintenance-upcoming\"] .window")?,
        "점검 시간 11월 26일 01:00 – 01:30"
    );
    app.clock.set(seoul("2026-11-26T00:01")?);
    app.tick().await?;
    assert_eq!(
        app.maintenance_status(&id).await?,
        "scheduled",
        "the old start is gone"
    );
    app.clock.set(seoul("2026-11-26T01:01")?);
    app.tick().await?;
    assert_eq!(app.maintenance_status(&id).await?, "in_progress");
    Ok(())
}

#[tokio::test]
async fn a_tick_before_the_window_changes_nothing() -> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_maintenance_ok(&bank_maintenance()).await?["id"])?;

    app.clock.set(seoul("2026-11-25T23:59")?);
    app.tick().await?;

    assert_eq!(app.maintenance_status(&id).await?, "scheduled");
    assert_eq!(app.component_status("bank-transfer").await?, "operational");
    Ok(())
}

#[tokio::test]
async fn a_window_that_is_already_open_starts_at_once() -> TestResult {
    let app = spawn_app().await;
    let mut body = bank_maintenance();
    body["scheduled_for"] = json!("2026-11-25T14:00");
    body["scheduled_until"] = json!("2026-11-25T15:00");

    let created = app.create_maintenance_ok(&body).await?;

    assert_eq!(created["status"], "in_progress");
    assert_eq!(
        app.component_status("bank-transfer").await?,
        "under_maintenance"
    );
    let page = app.get_page("/").await?;
    assert_eq!(page.channel_status("계좌이체")?.as_deref(), Some("점검 중"));
    Ok(())
}

#[tokio::test]
async fn a_maintenance_without_auto_transition_waits_for_the_operator() -> TestResult {
    let app = spawn_app().await;
    let mut body = bank_maintenance();
    body["auto_transition"] = json!(false);
    let id = string(&app.create_maintenance_ok(&body).await?["id"])?;

    app.clock.set(seoul("2026-11-26T00:01")?);
    app.tick().await?;

    assert_eq!(app.maintenance_status(&id).await?, "scheduled");
    assert_eq!(app.component_status("bank-transfer").await?, "operational");

    let r = app
        .post_maintenance_update(
            &id,
            &json!({ "status": "in_progress", "message": "점검을 시작했습니다." }),
        )
        .await?;
    let started = expect_json(r, StatusCode::CREATED).await?;

    assert_eq!(started["status"], "in_progress");
    assert_eq!(
        app.component_status("bank-transfer").await?,
        "under_maintenance"
    );
    Ok(())
}

#[tokio::test]
async fn a_draft_maintenance_is_not_shown_and_does_not_start() -> TestResult {
    let app = spawn_app().await;
    let mut body = bank_maintenance();
    body["draft"] = json!(true);
    let id = string(&app.create_maintenance_ok(&body).await?["id"])?;

    assert!(app.get_page("/").await?.notices()?.is_empty());
    app.clock.set(seoul("2026-11-26T00:01")?);
    app.tick().await?;

    assert_eq!(app.component_status("bank-transfer").await?, "operational");
    assert!(app.get_page("/").await?.notices()?.is_empty());
    assert_eq!(
        app.get_page(&format!("/incidents/{id}")).await?.status,
        StatusCode::NOT_FOUND
    );
    let listed = app.list_maintenances().await?;
    assert_eq!(items(&listed).len(), 1, "the admin API lists the draft");
    Ok(())
}

#[tokio::test]
async fn maintenance_does_not_hide_a_worse_outage() -> TestResult {
    let app = spawn_app().await;
    app.create_incident_ok(&json!({
        "title": "계좌이체 장애",
        "message": "계좌이체가 되지 않습니다.",
        "components": { "bank-transfer": "major_outage" }
    }))
    .await?;
    app.create_maintenance_ok(&bank_maintenance()).await?;

    app.clock.set(seoul("2026-11-26T00:01")?);
    app.tick().await?;

    assert_eq!(app.component_status("bank-transfer").await?, "major_outage");
    assert_eq!(
        app.component_status("virtual-account").await?,
        "under_maintenance"
    );
    Ok(())
}
