//! Incident reports: the figures of a scripted incident (a late update, a revised ETA)
//! worked out by hand, its timeline as CSV, a period's sums, and the console's page.

use chrono::Duration;
use paystatus::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResult, expect_json, expect_problem, header, spawn_app};

/// Started 14:00 KST, posted 14:05 with an ETA of 14:45 and an update promised every 20
/// minutes; an update at 14:20 (on time, KakaoPay down too); one at 14:47 (late for
/// 14:40; KakaoPay back; the ETA revised to 15:10); resolved at 15:05.
async fn scripted_incident(app: &TestApp) -> TestResult<String> {
    // The test clock starts at 14:05 KST.
    let created = app
        .create_incident_ok(&json!({
            "title": "카드 결제 승인 지연",
            "message": "일부 카드 결제가 실패하고 있습니다.",
            "components": {"card": "major_outage"},
            "started_at": "2026-11-25T14:00:00+09:00",
            "eta": "2026-11-25T14:45:00+09:00",
            "next_update_in_minutes": 20,
        }))
        .await?;
    let id = created["id"].as_str().ok_or("an id")?.to_string();
    app.clock.advance(Duration::minutes(15));
    app.post_incident_update_ok(
        &id,
        &json!({"message": "카카오페이도 실패합니다.", "components": {"kakaopay": "partial_outage"}}),
    )
    .await?;
    app.clock.advance(Duration::minutes(27));
    app.post_incident_update_ok(
        &id,
        &json!({
            "message": "원인을 찾았습니다.",
            "status": "identified",
            "components": {"kakaopay": "operational"},
            "eta": "2026-11-25T15:10:00+09:00",
        }),
    )
    .await?;
    app.clock.advance(Duration::minutes(18));
    app.post_incident_update_ok(
        &id,
        &json!({"message": "복구되었습니다.", "status": "resolved"}),
    )
    .await?;
    Ok(id)
}

async fn report(app: &TestApp, id: &str) -> TestResult<Value> {
    let r = app
        .admin(Method::GET, &format!("/incidents/{id}/report"))
        .send()
        .await?;
    expect_json(r, StatusCode::OK).await
}

#[tokio::test]
async fn the_report_of_a_scripted_incident_has_the_figures_worked_out_by_hand() -> TestResult {
    let app = spawn_app().await;
    let id = scripted_incident(&app).await?;
    let r = report(&app, &id).await?;
    let f = &r["figures"];
    assert_eq!(
        f["time_to_first_notice_seconds"],
        json!(300),
        "14:00 → 14:05: {r}"
    );
    assert_eq!(f["duration_seconds"], json!(3900), "14:00 → 15:05");
    assert_eq!(
        f["affected_minutes_by_component"],
        json!({"card": 65, "kakaopay": 27}),
        "card 14:00–15:05, KakaoPay 14:20–14:47"
    );
    assert_eq!(f["updates_total"], json!(3), "14:20, 14:47, 15:05");
    assert_eq!(f["updates_promised"], json!(3));
    assert_eq!(
        f["updates_on_time"],
        json!(2),
        "14:47 came after the 14:40 promise"
    );
    assert_eq!(f["first_eta_error_seconds"], json!(-1200), "14:45 − 15:05");

    assert_eq!(r["started_at"], json!("2026-11-25T14:00:00.000+09:00"));
    assert_eq!(r["first_notice_at"], json!("2026-11-25T14:05:00.000+09:00"));
    assert_eq!(r["resolved_at"], json!("2026-11-25T15:05:00.000+09:00"));
    assert_eq!(
        r["detected_at"],
        Value::Null,
        "no alert, no reports: unknown"
    );
    assert_eq!(r["postmortem_at"], Value::Null);
    let kinds: Vec<&str> = r["timeline"]
        .as_array()
        .ok_or("a timeline")?
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "first_notice",
            "eta_revised",
            "update",
            "update",
            "eta_revised",
            "resolved"
        ]
    );
    let late = &r["timeline"][4];
    assert_eq!(late["at"], json!("2026-11-25T14:47:00.000+09:00"));
    assert_eq!(late["promised_at"], json!("2026-11-25T14:40:00.000+09:00"));
    assert_eq!(late["on_time"], json!(false));
    let revised = &r["timeline"][5];
    assert_eq!(revised["eta"], json!("2026-11-25T15:10:00.000+09:00"));
    assert_eq!(
        revised["previous_eta"],
        json!("2026-11-25T14:45:00.000+09:00")
    );
    Ok(())
}

#[tokio::test]
async fn the_timeline_as_csv_parses_with_a_header_row() -> TestResult {
    let app = spawn_app().await;
    let id = scripted_incident(&app).await?;
    let r = app
        .admin(Method::GET, &format!("/incidents/{id}/report?format=csv"))
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/csv"));
    let body = r.text().await?;
    let mut csv = csv::Reader::from_reader(body.as_bytes());
    let headers: Vec<String> = csv.headers()?.iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "at",
            "kind",
            "status",
            "promised_at",
            "on_time",
            "eta",
            "previous_eta",
            "next_update_at",
            "message_ko",
            "message_en"
        ]
    );
    let rows = csv.records().collect::<Result<Vec<_>, _>>()?;
    assert_eq!(rows.len(), 7, "{body}");
    let late = &rows[4];
    assert_eq!(&late[0], "2026-11-25T14:47:00.000+09:00");
    assert_eq!(&late[1], "update");
    assert_eq!(&late[2], "identified");
    assert_eq!(&late[3], "2026-11-25T14:40:00.000+09:00");
    assert_eq!(&late[4], "false");
    assert_eq!(&late[8], "원인을 찾았습니다.");
    assert_eq!(&rows[6][1], "resolved");

    // A message a spreadsheet would run as a formula is written as text.
    let formula = app
        .create_incident_ok(&json!({
            "title": "수식",
            "message": "=HYPERLINK(\"https://example.com\")",
            "components": {"card": "degraded_performance"},
        }))
        .await?;
    let formula = formula["id"].as_str().ok_or("an id")?;
    let body = app
        .admin(
            Method::GET,
            &format!("/incidents/{formula}/report?format=csv"),
        )
        .send()
        .await?
        .text()
        .await?;
    let rows = csv::Reader::from_reader(body.as_bytes())
        .records()
        .collect::<Result<Vec<_>, _>>()?;
    assert_eq!(&rows[1][8], "'=HYPERLINK(\"https://example.com\")");
    Ok(())
}

#[tokio::test]
async fn a_period_report_sums_its_public_incidents() -> TestResult {
    let app = spawn_app().await;
    scripted_incident(&app).await?;
    // 15:05 → 15:10: KakaoPay down for ten minutes, noticed at once, nothing promised.
    app.clock.advance(Duration::minutes(5));
    let second = app
        .create_incident_ok(&json!({
            "title": "카카오페이 장애",
            "message": "카카오페이 결제가 되지 않습니다.",
            "components": {"kakaopay": "major_outage"},
        }))
        .await?;
    let second = second["id"].as_str().ok_or("an id")?.to_string();
    app.clock.advance(Duration::minutes(10));
    app.post_incident_update_ok(
        &second,
        &json!({"status": "resolved", "message": "복구되었습니다."}),
    )
    .await?;
    // Neither a drill nor a draft counts.
    app.create_incident_ok(&json!({
        "title": "훈련", "message": "훈련입니다.", "components": {"card": "major_outage"}, "drill": true,
    }))
    .await?;
    app.create_incident_ok(&json!({
        "title": "초안", "message": "초안입니다.", "components": {"card": "major_outage"}, "draft": true,
    }))
    .await?;

    let r = app
        .admin(Method::GET, "/reports?from=2026-11-25&to=2026-11-25")
        .send()
        .await?;
    let p = expect_json(r, StatusCode::OK).await?;
    assert_eq!(p["incidents"], json!(2), "{p}");
    assert_eq!(
        p["downtime_minutes_by_component"],
        json!({"card": 65, "kakaopay": 37})
    );
    assert_eq!(
        p["median_time_to_first_notice_seconds"],
        json!(150),
        "(300 + 0) / 2"
    );
    assert_eq!(p["updates_promised"], json!(3));
    assert_eq!(p["updates_on_time"], json!(2));
    let share = p["promises_kept_share"].as_f64().ok_or("a share")?;
    assert!((share - 2.0 / 3.0).abs() < 1e-9, "{share}");

    let r = app
        .admin(Method::GET, "/reports?from=2026-11-26&to=2026-12-31")
        .send()
        .await?;
    let p = expect_json(r, StatusCode::OK).await?;
    assert_eq!(p["incidents"], json!(0));
    assert_eq!(p["median_time_to_first_notice_seconds"], Value::Null);
    assert_eq!(p["promises_kept_share"], Value::Null);
    Ok(())
}

#[tokio::test]
async fn reports_refuse_unknown_incidents_and_bad_periods() -> TestResult {
    let app = spawn_app().await;
    let r = app
        .admin(Method::GET, "/incidents/nosuch/report")
        .send()
        .await?;
    expect_problem(r, StatusCode::NOT_FOUND, None).await?;
    let id = scripted_incident(&app).await?;
    let r = app
        .admin(Method::GET, &format!("/incidents/{id}/report?format=pdf"))
        .send()
        .await?;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("format")).await?;

    let cases = [
        (
            "from=2026-13-01&to=2026-11-25",
            Some("from"),
            "a month that does not exist",
        ),
        ("from=yesterday&to=2026-11-25", Some("from"), "not a date"),
        ("from=2026-11-26&to=2026-11-25", Some("to"), "from after to"),
        (
            "from=2025-01-01&to=2026-01-02",
            Some("to"),
            "more than 366 days",
        ),
        ("to=2026-11-25", None, "no from"),
    ];
    for (query, field, why) in cases {
        let r = app
            .admin(Method::GET, &format!("/reports?{query}"))
            .send()
            .await?;
        expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, field)
            .await
            .map_err(|e| format!("{why}: {e}"))?;
    }
    let r = app
        .admin(Method::GET, "/reports?from=2025-01-01&to=2026-01-01")
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK, "366 days is allowed");
    Ok(())
}

#[tokio::test]
async fn a_viewer_reads_the_printable_report_in_the_console() -> TestResult {
    let app = spawn_app().await;
    let id = scripted_incident(&app).await?;
    app.add_person("viewer@example.com", Role::Viewer)?;
    let viewer = app.sign_in("viewer@example.com").await?;

    let incident = app
        .console_get(&viewer.cookie, &format!("/console/incidents/{id}"))
        .await?
        .text()
        .await?;
    assert!(incident.contains(&format!("/console/incidents/{id}/report")));

    let r = app
        .console_get(&viewer.cookie, &format!("/console/incidents/{id}/report"))
        .await?;
    assert_eq!(r.status(), StatusCode::OK);
    let html = scraper::Html::parse_document(&r.text().await?);
    let select = |s: &str| scraper::Selector::parse(s).map_err(|e| e.to_string());
    let svg = html
        .select(&select("svg.report-chart")?)
        .next()
        .ok_or("a chart")?;
    assert_eq!(svg.value().attr("role"), Some("img"));
    assert!(svg.select(&select("title")?).next().is_some());
    assert!(svg.select(&select("desc")?).next().is_some());
    assert_eq!(
        svg.select(&select("path.mark.late")?).count(),
        1,
        "one late update, drawn as a triangle"
    );
    assert_eq!(svg.select(&select("rect.outage")?).count(), 2);
    assert_eq!(svg.select(&select("line.eta")?).count(), 2);
    let rows = html
        .select(&select("table.report-timeline tbody tr")?)
        .count();
    assert_eq!(rows, 7, "the table holds the chart's facts");

    let r = app
        .console_get(&viewer.cookie, "/console/incidents/nosuch/report")
        .await?;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn an_alert_dates_the_detection_and_a_published_draft_its_first_notice() -> TestResult {
    let app = spawn_app().await;
    // 14:02 KST: monitoring fires; the alert opens a draft.
    app.clock.advance(Duration::minutes(-3));
    let answer = app
        .post_status(&json!({ "component": "card", "status": "major_outage", "source": "uptime" }))
        .await?;
    let id = answer["alerts"][0]["incident"]
        .as_str()
        .ok_or(format!("an incident: {answer}"))?
        .to_string();
    let r = report(&app, &id).await?;
    assert_eq!(r["detected_by"], json!("alert"), "{r}");
    assert_eq!(r["detected_at"], json!("2026-11-25T14:02:00.000+09:00"));
    assert_eq!(r["first_notice_at"], Value::Null, "still a draft");
    assert_eq!(r["figures"]["time_to_first_notice_seconds"], Value::Null);

    // 14:07: a person publishes it.
    app.clock.advance(Duration::minutes(5));
    let r = app.patch_incident(&id, &json!({ "draft": false })).await?;
    expect_json(r, StatusCode::OK).await?;
    let r = report(&app, &id).await?;
    assert_eq!(r["first_notice_at"], json!("2026-11-25T14:07:00.000+09:00"));
    assert_eq!(
        r["figures"]["time_to_first_notice_seconds"],
        json!(300),
        "from the draft's start at 14:02"
    );
    let kinds: Vec<&str> = r["timeline"]
        .as_array()
        .ok_or("a timeline")?
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["started", "detected", "first_notice"], "{r}");
    Ok(())
}
