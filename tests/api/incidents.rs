use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const TITLE: &str = "카드 결제 승인 지연";

fn kst(v: &Value, local: &str) -> bool {
    v.as_str()
        .is_some_and(|s| s.starts_with(local) && s.ends_with("+09:00"))
}

#[tokio::test]
async fn creating_an_incident_answers_201_with_what_was_stored() -> TestResult {
    let app = spawn_app().await;

    let r = app.create_incident(&card_outage()).await?;
    let etag = r.headers().get("etag").cloned();
    let created = expect_json(r, StatusCode::CREATED).await?;

    assert!(etag.is_some(), "a created incident carries its ETag");
    assert_eq!(created["title"]["ko"], TITLE);
    assert_eq!(created["status"], "investigating");
    assert_eq!(
        created["impact"], "major",
        "derived from card → major_outage"
    );
    assert_eq!(created["draft"], false);
    assert_eq!(
        created["components"],
        json!([{ "id": "card", "status": "major_outage" }])
    );
    assert!(
        kst(&created["eta"], "2026-11-25T14:45:00"),
        "{}",
        created["eta"]
    );
    assert!(
        kst(&created["next_update_at"], "2026-11-25T14:25:00"),
        "{}",
        created["next_update_at"]
    );
    assert_eq!(created["alternatives"][0]["component"], "bank-transfer");
    assert_eq!(created["alternatives"][1]["component"], "kakaopay");
    assert_eq!(created["updates"].as_array().map(Vec::len), Some(1));

    let id = string(&created["id"])?;
    let fetched = expect_json(app.get_incident(&id).await?, StatusCode::OK).await?;
    assert_eq!(fetched, created);
    assert_eq!(app.component_status("card").await?, "major_outage");
    Ok(())
}

#[tokio::test]
async fn an_impact_given_by_the_operator_wins_over_the_derived_one() -> TestResult {
    let app = spawn_app().await;
    let mut outage = card_outage();
    outage["impact"] = json!("critical");

    let created = app.create_incident_ok(&outage).await?;

    assert_eq!(created["impact"], "critical");
    let page = app.get_page("/").await?;
    assert_eq!(page.banner()?, "결제 서비스에 큰 장애가 있습니다");
    Ok(())
}

#[tokio::test]
async fn an_update_revises_the_eta_and_the_incident_page_keeps_the_revision() -> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    app.clock.advance(Duration::minutes(19)); // 14:24

    let updated = app
        .post_incident_update_ok(
            &id,
            &json!({
                "status": "identified",
                "message": "카드사 중계망 장애로 확인되었습니다.",
                "eta": "2026-11-25T15:00"
            }),
        )
        .await?;

    assert_eq!(updated["status"], "identified");
    assert!(
        kst(&updated["eta"], "2026-11-25T15:00:00"),
        "{}",
        updated["eta"]
    );
    let page = app.get_page(&format!("/incidents/{id}")).await?;
    let revisions = page.texts(".eta-revisions li")?;
    assert!(
        revisions
            .iter()
            .any(|r| r.contains("예상 복구 시각이 14:45에서 15:00으로 변경되었습니다.")),
        "{revisions:?}"
    );
    assert_eq!(
        page.texts("ol.timeline li .update-head strong")?,
        ["원인 파악", "원인 확인 중"],
        "the timeline is newest first"
    );
    assert_eq!(
        page.texts("ol.timeline li .message")?
            .first()
            .map(String::as_str),
        Some("카드사 중계망 장애로 확인되었습니다.")
    );

    let home = app.get_page("/").await?;
    let notice = home.notice(TITLE)?.ok_or("the incident left the page")?;
    assert_eq!(notice.fact("예상 복구"), Some("15:00 (약 36분 후)"));
    assert_eq!(
        notice.fact("다음 안내"),
        Some("14:44까지"),
        "a 20-minute rhythm renews the promise with each update"
    );
    assert_eq!(
        notice.message.as_deref(),
        Some("카드사 중계망 장애로 확인되었습니다.")
    );
    Ok(())
}

#[tokio::test]
async fn an_eta_of_null_takes_the_expected_recovery_off_the_page() -> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;

    let updated = app
        .post_incident_update_ok(
            &id,
            &json!({ "message": "복구 시각을 다시 확인하고 있습니다.", "eta": null }),
        )
        .await?;

    assert_eq!(updated["eta"], Value::Null);
    let notice = app
        .get_page("/")
        .await?
        .notice(TITLE)?
        .ok_or("the incident left the page")?;
    assert_eq!(notice.fact("예상 복구"), None);
    let page = app.get_page(&format!("/incidents/{id}")).await?;
    assert!(
        page.texts(".eta-revisions li")?
            .iter()
            .any(|r| r.contains("예상 복구 시각(14:45)을 다시 확인하고 있습니다.")),
        "{:?}",
        page.texts(".eta-revisions li")?
    );
    Ok(())
}

#[tokio::test]
async fn resolving_moves_the_incident_to_history_and_its_components_back_to_operational()
-> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    app.clock.advance(Duration::minutes(65)); // 15:10

    let resolved = app
        .post_incident_update_ok(
            &id,
            &json!({
                "status": "resolved",
                "message": "카드 결제가 정상화되었습니다. 불편을 드려 죄송합니다."
            }),
        )
        .await?;

    assert_eq!(resolved["status"], "resolved");
    assert!(kst(&resolved["resolved_at"], "2026-11-25T15:10:00"));
    assert_eq!(app.component_status("card").await?, "operational");

    let home = app.get_page("/").await?;
    assert!(
        home.notices()?.is_empty(),
        "a resolved incident is not current"
    );
    assert_eq!(home.banner()?, "모든 결제 서비스가 정상입니다");
    assert_eq!(
        home.channel_status("신용·체크카드")?.as_deref(),
        Some("정상")
    );

    let history = app.get_page("/history").await?;
    assert_eq!(history.texts("ol.history li .history-title")?, [TITLE]);
    let link = history
        .select("ol.history li .history-title a")?
        .first()
        .and_then(|a| a.attr("href"))
        .map(str::to_string);
    assert_eq!(link, Some(format!("/incidents/{id}/")));

    let page = app.get_page(&format!("/incidents/{id}")).await?;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts("ol.timeline li .update-head strong")?,
        ["해결", "원인 확인 중"]
    );
    let notice = page
        .notice(TITLE)?
        .ok_or("no notice on the incident page")?;
    assert_eq!(notice.fact("예상 복구"), None, "no ETA once resolved");
    assert!(
        notice.alternatives.is_empty(),
        "no alternatives once resolved"
    );
    Ok(())
}

#[tokio::test]
async fn resolving_leaves_a_component_in_the_status_the_update_names() -> TestResult {
    let app = spawn_app().await;
    let mut outage = card_outage();
    outage["components"] = json!({ "card": "major_outage", "mobile": "partial_outage" });
    let id = string(&app.create_incident_ok(&outage).await?["id"])?;

    app.post_incident_update_ok(
        &id,
        &json!({
            "status": "resolved",
            "message": "대부분 복구되었습니다.",
            "components": { "mobile": "degraded_performance" }
        }),
    )
    .await?;

    assert_eq!(app.component_status("card").await?, "operational");
    assert_eq!(
        app.component_status("mobile").await?,
        "degraded_performance"
    );
    let page = app.get_page("/").await?;
    assert_eq!(page.channel_status("휴대폰 결제")?.as_deref(), Some("지연"));
    Ok(())
}

#[tokio::test]
async fn drafts_are_invisible_to_the_public_until_published() -> TestResult {
    let app = spawn_app().await;
    let mut outage = card_outage();
    outage["draft"] = json!(true);
    let draft = app.create_incident_ok(&outage).await?;
    let id = string(&draft["id"])?;
    assert_eq!(draft["draft"], true);

    let home = app.get_page("/").await?;
    assert!(home.notice(TITLE)?.is_none(), "a draft is on the page");
    assert_eq!(home.banner()?, "모든 결제 서비스가 정상입니다");
    assert_eq!(
        home.channel_status("신용·체크카드")?.as_deref(),
        Some("정상")
    );
    assert_eq!(
        app.get_page(&format!("/incidents/{id}")).await?.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_page(&format!("/incidents/{id}?lang=en"))
            .await?
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.component_status("card").await?, "operational");

    // The admin API sees it.
    let fetched = expect_json(app.get_incident(&id).await?, StatusCode::OK).await?;
    assert_eq!(fetched["draft"], true);
    let listed = app.list_incidents().await?;
    assert!(items(&listed).iter().any(|i| i["id"] == json!(id)));

    let published = expect_json(
        app.patch_incident(&id, &json!({ "draft": false })).await?,
        StatusCode::OK,
    )
    .await?;

    assert_eq!(published["draft"], false);
    let home = app.get_page("/").await?;
    assert!(
        home.notice(TITLE)?.is_some(),
        "the published incident is not on the page"
    );
    assert_eq!(
        home.channel_status("신용·체크카드")?.as_deref(),
        Some("장애")
    );
    assert_eq!(
        app.get_page(&format!("/incidents/{id}")).await?.status,
        StatusCode::OK
    );
    assert_eq!(app.component_status("card").await?, "major_outage");
    Ok(())
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response_and_stores_once() -> TestResult {
    let app = spawn_app().await;
    let post = |body: &Value, key: &str| {
        app.admin(Method::POST, "/incidents")
            .header("Idempotency-Key", key)
            .json(body)
            .send()
    };

    let first = post(&card_outage(), "outage-1405").await?;
    assert_eq!(first.headers().get("idempotent-replayed"), None);
    let first_etag = header(&first, "etag");
    assert!(first_etag.starts_with('"'), "{first_etag}");
    let first = expect_json(first, StatusCode::CREATED).await?;
    let again = post(&card_outage(), "outage-1405").await?;
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(
        header(&again, "etag"),
        first_etag,
        "the replay keeps its ETag"
    );
    let again = expect_json(again, StatusCode::CREATED).await?;

    assert_eq!(again, first, "the replay is the first response");
    assert_eq!(items(&app.list_incidents().await?).len(), 1);
    let creations = items(&app.list_audit().await?)
        .iter()
        .filter(|e| e["action"] == "incident.create")
        .count();
    assert_eq!(creations, 1);
    assert_eq!(app.get_page("/").await?.notices()?.len(), 1);

    // The same key with a different request is a mistake, not a replay.
    let other = post(&incident_titled("다른 장애"), "outage-1405").await?;
    expect_problem(
        other,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("Idempotency-Key"),
    )
    .await?;
    assert_eq!(items(&app.list_incidents().await?).len(), 1);

    // Another key is another request.
    let second = post(&card_outage(), "outage-1406").await?;
    let second = expect_json(second, StatusCode::CREATED).await?;
    assert_ne!(second["id"], first["id"]);
    assert_eq!(items(&app.list_incidents().await?).len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_patch_with_a_stale_if_match_is_refused_with_412() -> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    let r = app.get_incident(&id).await?;
    let read_etag = r
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .ok_or("GET /incidents/{id} has no ETag")?
        .to_string();
    let patch = |title: &str, etag: &str| {
        app.admin(Method::PATCH, &format!("/incidents/{id}"))
            .header("If-Match", etag)
            .json(&json!({ "title": title }))
            .send()
    };

    let fresh = patch("카드 결제 장애", &read_etag).await?;
    let new_etag = fresh.headers().get("etag").cloned();
    expect_json(fresh, StatusCode::OK).await?;
    let stale = patch("덮어쓰면 안 되는 제목", &read_etag).await?;

    expect_problem(stale, StatusCode::PRECONDITION_FAILED, None).await?;
    assert_ne!(
        new_etag.and_then(|v| v.to_str().ok().map(str::to_string)),
        Some(read_etag)
    );
    let stored = expect_json(app.get_incident(&id).await?, StatusCode::OK).await?;
    assert_eq!(stored["title"]["ko"], "카드 결제 장애");
    let page = app.get_page("/").await?;
    assert!(page.notice("카드 결제 장애")?.is_some());
    assert!(page.notice("덮어쓰면 안 되는 제목")?.is_none());
    Ok(())
}

#[tokio::test]
async fn a_title_of_exactly_200_characters_is_accepted() -> TestResult {
    let app = spawn_app().await;
    let title = "가".repeat(200);

    let created = app.create_incident_ok(&incident_titled(&title)).await?;

    assert_eq!(created["title"]["ko"], json!(title));
    assert!(app.get_page("/").await?.notice(&title)?.is_some());
    Ok(())
}

#[tokio::test]
async fn the_admin_list_is_newest_first() -> TestResult {
    let app = spawn_app().await;
    let older = app
        .create_incident_ok(&incident_titled("먼저 난 장애"))
        .await?;
    app.clock.advance(Duration::minutes(1));
    let newer = app
        .create_incident_ok(&incident_titled("나중에 난 장애"))
        .await?;

    let list = app.list_incidents().await?;

    let ids: Vec<&Value> = items(&list).iter().map(|i| &i["id"]).collect();
    assert_eq!(ids, [&newer["id"], &older["id"]]);
    assert_eq!(list["next_cursor"], Value::Null);
    Ok(())
}
