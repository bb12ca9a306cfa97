use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn the_korean_payment_channels_are_seeded_on_first_start() -> TestResult {
    let app = spawn_app().await;

    let list = app.list_components().await?;

    let ids: Vec<&str> = items(&list)
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    for id in [
        "card",
        "bank-transfer",
        "virtual-account",
        "mobile",
        "easy-pay",
        "kakaopay",
        "naverpay",
        "tosspay",
        "payco",
    ] {
        assert!(ids.contains(&id), "`{id}` is not seeded: {ids:?}");
    }
    let by_id = |id: &str| items(&list).iter().find(|c| c["id"] == json!(id)).cloned();
    let card = by_id("card").ok_or("no card")?;
    assert_eq!(
        card["name"],
        json!({ "ko": "신용·체크카드", "en": "Credit & debit cards" })
    );
    assert_eq!(card["fallbacks"], json!(["bank-transfer"]));
    assert_eq!(card["status"], "operational");
    assert_eq!(by_id("easy-pay").ok_or("no easy-pay")?["group"], true);
    let kakaopay = by_id("kakaopay").ok_or("no kakaopay")?;
    assert_eq!(kakaopay["group_id"], "easy-pay");
    assert_eq!(kakaopay["fallbacks"], json!(["card"]));
    Ok(())
}

#[tokio::test]
async fn a_status_set_by_hand_shows_on_the_page() -> TestResult {
    let app = spawn_app().await;

    let card = app
        .set_component_status("card", "degraded_performance")
        .await?;

    assert_eq!(card["status"], "degraded_performance");
    assert_eq!(app.component_status("card").await?, "degraded_performance");
    let page = app.get_page("/").await?;
    assert_eq!(page.banner()?, "일부 결제 서비스가 느려지고 있습니다");
    assert_eq!(
        page.channel_status("신용·체크카드")?.as_deref(),
        Some("지연")
    );
    let english = app.get_page("/?lang=en").await?;
    assert_eq!(
        english.channel_status("Credit & debit cards")?.as_deref(),
        Some("Slow")
    );
    Ok(())
}

#[tokio::test]
async fn a_new_channel_shows_on_the_page_until_it_is_deleted() -> TestResult {
    let app = spawn_app().await;

    let r = app
        .create_component(&json!({
            "id": "samsungpay",
            "name": { "ko": "삼성페이", "en": "Samsung Pay" },
            "group_id": "easy-pay",
            "fallbacks": ["card"]
        }))
        .await?;
    let created = expect_json(r, StatusCode::CREATED).await?;

    assert_eq!(created["status"], "operational");
    let page = app.get_page("/").await?;
    assert_eq!(page.channel_status("삼성페이")?.as_deref(), Some("정상"));
    let english = app.get_page("/?lang=en").await?;
    assert_eq!(
        english.channel_status("Samsung Pay")?.as_deref(),
        Some("Operational")
    );

    let r = app.delete_component("samsungpay").await?;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    assert_eq!(app.get_page("/").await?.channel_status("삼성페이")?, None);
    expect_problem(
        app.get_component("samsungpay").await?,
        StatusCode::NOT_FOUND,
        None,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_channel_an_open_incident_holds_cannot_be_deleted() -> TestResult {
    let app = spawn_app().await;
    app.create_incident_ok(&card_outage()).await?;

    let r = app.delete_component("card").await?;

    expect_problem(r, StatusCode::CONFLICT, None).await?;
    assert_eq!(app.component_status("card").await?, "major_outage");
    assert!(
        app.get_page("/")
            .await?
            .channel_status("신용·체크카드")?
            .is_some()
    );
    Ok(())
}

#[tokio::test]
async fn a_component_patch_with_a_stale_if_match_is_refused_with_412() -> TestResult {
    let app = spawn_app().await;
    let r = app.get_component("mobile").await?;
    let etag = r
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .ok_or("GET /components/{id} has no ETag")?
        .to_string();
    let patch = |body: Value| {
        app.admin(Method::PATCH, "/components/mobile")
            .header("If-Match", &etag)
            .json(&body)
            .send()
    };

    expect_json(
        patch(json!({ "status": "partial_outage" })).await?,
        StatusCode::OK,
    )
    .await?;
    let stale = patch(json!({ "status": "operational" })).await?;

    expect_problem(stale, StatusCode::PRECONDITION_FAILED, None).await?;
    assert_eq!(app.component_status("mobile").await?, "partial_outage");
    Ok(())
}

#[tokio::test]
async fn an_unknown_component_is_a_404_problem() -> TestResult {
    let app = spawn_app().await;

    expect_problem(
        app.get_component("ghost-pay").await?,
        StatusCode::NOT_FOUND,
        None,
    )
    .await?;
    expect_problem(
        app.patch_component("ghost-pay", &json!({ "status": "major_outage" }))
            .await?,
        StatusCode::NOT_FOUND,
        None,
    )
    .await?;
    Ok(())
}
