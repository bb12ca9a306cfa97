//! The status history and the uptime of the last 90 days: `/api/v2/uptime.json`, the page's
//! rows, a day's page and `/metrics`, against figures computed by hand. Every test starts
//! at 2026-11-25 14:05 KST; the seeded channels count from the start of the period
//! (2026-08-28 00:00 KST), so on the 25th the period has 89 whole days before today.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestResult, bank_maintenance, expect_json, expect_problem, header, spawn_app, string,
};

/// Minutes counted before today: 89 whole days.
const BEFORE_TODAY: f64 = 89.0 * 1440.0;

async fn uptime(app: &TestApp) -> TestResult<Value> {
    let r = app.get("/api/v2/uptime.json").await?;
    assert_eq!(header(&r, "access-control-allow-origin"), "*");
    assert!(!header(&r, "etag").is_empty(), "cacheable like /api/v2");
    expect_json(r, StatusCode::OK).await
}

fn component<'a>(doc: &'a Value, id: &str) -> TestResult<&'a Value> {
    doc["components"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["id"] == json!(id)))
        .ok_or_else(|| format!("no {id} in {doc}").into())
}

fn day<'a>(doc: &'a Value, id: &str, date: &str) -> TestResult<&'a Value> {
    component(doc, id)?["days"]
        .as_array()
        .and_then(|l| l.iter().find(|d| d["date"] == json!(date)))
        .ok_or_else(|| format!("no {date} for {id}").into())
}

fn ratio(doc: &Value, id: &str) -> TestResult<f64> {
    component(doc, id)?["uptime_ratio"]
        .as_f64()
        .ok_or_else(|| format!("{id} has no ratio").into())
}

fn close(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() < 1e-9,
        "{what}: got {got}, expected {expected}"
    );
}

#[tokio::test]
async fn an_incident_announced_late_is_down_from_its_start_across_midnight_and_corrections_move_it()
-> TestResult {
    let app = spawn_app().await;
    // Card approvals failed from 23:50 KST yesterday; posted today at 14:05.
    let incident = app
        .create_incident_ok(&json!({
            "title": "카드 결제 승인 지연",
            "message": "일부 카드 결제가 실패하고 있습니다.",
            "components": { "card": "major_outage" },
            "started_at": "2026-11-24T23:50"
        }))
        .await?;
    let id = string(&incident["id"])?;
    app.advance_and_tick(Duration::minutes(10)).await?;
    app.post_incident_update_ok(
        &id,
        &json!({ "status": "resolved", "message": "복구되었습니다." }),
    )
    .await?;

    let doc = uptime(&app).await?;
    assert_eq!(doc["period"]["days"], json!(90));
    assert_eq!(doc["period"]["time_zone"], json!("Asia/Seoul"));
    let before = day(&doc, "card", "2026-11-24")?;
    assert_eq!(before["minutes"]["major_outage"], json!(10), "23:50–24:00");
    assert_eq!(before["worst_status"], json!("major_outage"));
    assert_eq!(before["incidents"], json!([id]));
    let today = day(&doc, "card", "2026-11-25")?;
    assert_eq!(
        today["minutes"]["major_outage"],
        json!(14 * 60 + 15),
        "00:00–14:15"
    );
    assert_eq!(today["minutes"].get("operational"), None, "none: left out");
    // Counted so far: 89 days and today up to 14:15; down 10 + 855 minutes.
    let counted = BEFORE_TODAY + 855.0;
    close(ratio(&doc, "card")?, 1.0 - 865.0 / counted, "card");
    assert_eq!(
        day(&doc, "card", "2026-11-23")?["worst_status"],
        json!("operational")
    );

    // Refused corrections: an end in the future, a start after it was posted.
    let r = app
        .patch_incident(&id, &json!({ "resolved_at": "2026-11-25T15:00" }))
        .await?;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("resolved_at")).await?;
    let r = app
        .patch_incident(&id, &json!({ "started_at": "2026-11-25T14:06" }))
        .await?;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("started_at")).await?;

    // It really began at 13:30 today and ended at 14:10: 40 minutes, all today.
    let r = app
        .patch_incident(
            &id,
            &json!({ "started_at": "2026-11-25T13:30", "resolved_at": "2026-11-25T14:10" }),
        )
        .await?;
    let patched = expect_json(r, StatusCode::OK).await?;
    assert!(patched["resolved_at"].is_string());
    let doc = uptime(&app).await?;
    assert_eq!(
        day(&doc, "card", "2026-11-24")?["worst_status"],
        json!("operational")
    );
    assert_eq!(
        day(&doc, "card", "2026-11-25")?["minutes"]["major_outage"],
        json!(40)
    );
    close(ratio(&doc, "card")?, 1.0 - 40.0 / counted, "card corrected");

    let metrics = app.get("/metrics").await?.text().await?;
    let line = metrics
        .lines()
        .find(|l| l.starts_with("paystatus_component_uptime_ratio{component=\"card\"}"))
        .ok_or("no uptime ratio for card in /metrics")?;
    let value: f64 = line.rsplit(' ').next().unwrap_or_default().parse()?;
    close(value, 1.0 - 40.0 / counted, "metrics");
    assert!(metrics.contains("# TYPE paystatus_component_uptime_ratio gauge"));
    Ok(())
}

#[tokio::test]
async fn a_partial_outage_counts_thirty_percent_and_a_maintenance_window_is_left_out() -> TestResult
{
    let app = spawn_app().await;
    // Tonight's bank maintenance, 00:00–00:30 on the 26th.
    app.create_maintenance_ok(&bank_maintenance()).await?;
    // 14:05 → 00:00 on the 26th.
    app.advance_and_tick(Duration::minutes(9 * 60 + 55)).await?;
    assert_eq!(
        app.component_status("bank-transfer").await?,
        "under_maintenance"
    );
    app.advance_and_tick(Duration::minutes(30)).await?;
    assert_eq!(app.component_status("bank-transfer").await?, "operational");
    // KakaoPay partly fails 00:40–01:40.
    app.advance_and_tick(Duration::minutes(10)).await?;
    let incident = app
        .create_incident_ok(&json!({
            "title": "카카오페이 결제 일부 실패",
            "message": "카카오페이 결제가 일부 실패하고 있습니다.",
            "components": { "kakaopay": "partial_outage" }
        }))
        .await?;
    let id = string(&incident["id"])?;
    app.advance_and_tick(Duration::minutes(60)).await?;
    app.post_incident_update_ok(
        &id,
        &json!({ "status": "resolved", "message": "복구되었습니다." }),
    )
    .await?;
    // 02:00 on the 26th: 89 whole days (Aug 29 – Nov 25) and 120 minutes today.
    app.advance_and_tick(Duration::minutes(20)).await?;

    let doc = uptime(&app).await?;
    let counted = BEFORE_TODAY + 120.0;
    let bank = day(&doc, "bank-transfer", "2026-11-26")?;
    assert_eq!(bank["minutes"]["under_maintenance"], json!(30));
    assert_eq!(bank["minutes"]["operational"], json!(90));
    assert_eq!(bank["worst_status"], json!("under_maintenance"));
    close(
        ratio(&doc, "bank-transfer")?,
        1.0,
        "maintenance is not downtime",
    );
    let kakao = day(&doc, "kakaopay", "2026-11-26")?;
    assert_eq!(kakao["minutes"]["partial_outage"], json!(60));
    assert_eq!(kakao["worst_status"], json!("partial_outage"));
    assert_eq!(kakao["incidents"], json!([id]));
    close(
        ratio(&doc, "kakaopay")?,
        1.0 - 0.3 * 60.0 / counted,
        "kakaopay",
    );
    // The group is its worst member minute by minute: the same hour.
    let group = day(&doc, "easy-pay", "2026-11-26")?;
    assert_eq!(group["minutes"]["partial_outage"], json!(60));
    assert_eq!(component(&doc, "easy-pay")?["group"], json!(true));
    close(
        ratio(&doc, "easy-pay")?,
        1.0 - 0.3 * 60.0 / counted,
        "easy-pay",
    );
    Ok(())
}

#[tokio::test]
async fn a_channel_added_mid_period_counts_from_when_it_was_added() -> TestResult {
    let app = spawn_app().await;
    // Added at 14:06, a minute after the first start; down by hand 15:05–15:20; now 16:06.
    app.advance_and_tick(Duration::minutes(1)).await?;
    let r = app
        .create_component(&json!({ "id": "zeropay", "name": "제로페이" }))
        .await?;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await?);
    app.advance_and_tick(Duration::minutes(59)).await?;
    app.set_component_status("zeropay", "major_outage").await?;
    app.advance_and_tick(Duration::minutes(15)).await?;
    app.set_component_status("zeropay", "operational").await?;
    app.advance_and_tick(Duration::minutes(46)).await?;

    let doc = uptime(&app).await?;
    let yesterday = day(&doc, "zeropay", "2026-11-24")?;
    assert_eq!(yesterday["worst_status"], Value::Null, "not there yet");
    assert_eq!(yesterday["minutes"], json!({}));
    let today = day(&doc, "zeropay", "2026-11-25")?;
    assert_eq!(today["minutes"]["major_outage"], json!(15));
    assert_eq!(today["minutes"]["operational"], json!(105));
    assert_eq!(
        today.get("incidents"),
        None,
        "a change by hand names no notice"
    );
    close(ratio(&doc, "zeropay")?, 1.0 - 15.0 / 120.0, "zeropay");
    // A seeded channel counts from the start of the period.
    close(ratio(&doc, "card")?, 1.0, "card");
    assert_eq!(
        day(&doc, "card", "2026-08-28")?["worst_status"],
        json!("operational")
    );
    Ok(())
}

#[tokio::test]
async fn the_page_shows_ninety_days_per_channel_with_words_and_links_in_both_languages()
-> TestResult {
    let app = spawn_app().await;
    let incident = app
        .create_incident_ok(&json!({
            "title": "카드 결제 승인 지연",
            "message": "일부 카드 결제가 실패하고 있습니다.",
            "components": { "card": "major_outage" },
            "started_at": "2026-11-25T13:35"
        }))
        .await?;
    let id = string(&incident["id"])?;

    let ko = app.get_page("/").await?;
    let rows = ko.select("section.uptime ol.bars")?;
    // 8 channels and the easy-pay group.
    assert_eq!(rows.len(), 9);
    for row in &rows {
        let days = row.select(&crate::helpers::selector("li")?).count();
        assert_eq!(days, 90, "a bar per day");
    }
    assert_eq!(ko.text("#up-card")?, "신용·체크카드 가동률 99.97%");
    let today = ko.select("section.uptime ol[aria-labelledby=up-card] li:last-child")?;
    let today = today.first().ok_or("no bar for today")?;
    assert_eq!(
        today.value().attr("class"),
        Some("x"),
        "the shape of an outage"
    );
    assert_eq!(crate::helpers::text_of(*today), "11월 25일: 장애 30분");
    // Days with notices are listed under the bars, linked to their page.
    let links = ko.select("section.uptime ul[aria-label^='신용·체크카드'] a")?;
    let link = links.first().ok_or("today links to its notices")?;
    assert_eq!(link.value().attr("href"), Some("/history/2026-11-25/"));
    assert_eq!(crate::helpers::text_of(*link), "11월 25일: 장애 30분");
    assert_eq!(links.len(), 1);
    let yesterday = ko.texts("section.uptime ol[aria-labelledby=up-card] li:nth-last-child(2)")?;
    assert_eq!(yesterday, ["11월 24일: 정상"]);
    assert!(ko.text("section.uptime .uptime-how")?.contains("30%"));

    let en = app.get_page("/?lang=en").await?;
    assert_eq!(
        en.texts("section.uptime ol[aria-labelledby=up-card] li:last-child")?,
        ["Nov 25: 30 min outage"]
    );
    assert!(
        en.text("section.uptime .uptime-how")?
            .contains("maintenance is left out")
    );

    let day = app.get_page("/history/2026-11-25").await?;
    assert_eq!(day.status, StatusCode::OK);
    assert_eq!(day.text("h1")?, "11월 25일의 장애와 점검");
    assert_eq!(
        day.select("li.history-item a")?
            .first()
            .and_then(|a| a.value().attr("href")),
        Some(format!("/incidents/{id}/").as_str())
    );
    assert!(
        !day.headers["etag"].is_empty(),
        "cacheable like the other pages"
    );
    // The day's page is kept between writes, and follows its notices.
    let r = app
        .patch_incident(&id, &json!({ "title": "카드 결제 실패" }))
        .await?;
    expect_json(r, StatusCode::OK).await?;
    let day = app.get_page("/history/2026-11-25").await?;
    assert_eq!(day.text("li.history-item h2")?, "카드 결제 실패");
    let quiet = app.get("/history/2026-11-24").await?;
    assert_eq!(
        quiet.status(),
        StatusCode::NOT_FOUND,
        "a day without notices"
    );
    let nonsense = app.get("/history/yesterday").await?;
    assert_eq!(nonsense.status(), StatusCode::NOT_FOUND);
    // A day set by hand, with no notice: its words are under the bars too, for everyone
    // (not only the bars' hover text), without a link.
    app.set_component_status("payco", "partial_outage").await?;
    app.advance_and_tick(chrono::Duration::minutes(20)).await?;
    let page = app.get_page("/").await?;
    let payco = page.texts("section.uptime ul[aria-label^='페이코'] li")?;
    assert_eq!(payco, ["11월 25일: 일부 장애 20분"], "{payco:?}");
    assert!(
        page.select("section.uptime ul[aria-label^='페이코'] a")?
            .is_empty()
    );
    Ok(())
}
