//! `/history.rss` and `/history.atom`, read with an independent parser (feed-rs).

use chrono::Duration;
use serde_json::json;

use crate::helpers::*;

const TRICKY_TITLE: &str = "카드 & <간편결제> \"승인\" 지연 'A&B'";

async fn feed(app: &TestApp, path: &str) -> TestResult<feed_rs::model::Feed> {
    let r = app.get(path).await?;
    assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
    let body = r.bytes().await?;
    Ok(feed_rs::parser::parse(&body[..]).map_err(|e| format!("{path} does not parse: {e}"))?)
}

fn body_of(entry: &feed_rs::model::Entry) -> String {
    entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
        .unwrap_or_default()
}

#[tokio::test]
async fn both_feeds_parse_with_exact_titles_and_links_to_the_incident() -> TestResult {
    let app = spawn_app().await;
    let mut body = card_outage();
    body["title"] = json!(TRICKY_TITLE);
    body["message"] = json!("A & B <b>굵게</b> 결제가 되지 않습니다.");
    let id = string(&app.create_incident_ok(&body).await?["id"])?;
    let url = format!("{}/incidents/{id}/", app.address);
    for path in ["/history.rss", "/history.atom"] {
        let feed = feed(&app, path).await?;
        assert_eq!(feed.entries.len(), 1, "{path}");
        let entry = &feed.entries[0];
        assert_eq!(
            entry.title.as_ref().map(|t| t.content.as_str()),
            Some(TRICKY_TITLE),
            "{path}: the title survives exactly"
        );
        assert!(
            entry.links.iter().any(|l| l.href == url),
            "{path}: links to {url}: {:?}",
            entry.links
        );
        let html = body_of(entry);
        assert!(
            html.contains("A &amp; B &lt;b&gt;굵게&lt;/b&gt;"),
            "{path}: the message is HTML-escaped exactly once: {html}"
        );
        assert!(
            !html.contains("&amp;amp;") && !html.contains("&amp;lt;"),
            "{path}: escaped twice: {html}"
        );
    }
    let rss = feed(&app, "/history.rss").await?;
    // The guid keeps the form it was first published in (which the server still
    // answers), so readers do not see old items as new.
    assert_eq!(
        rss.entries[0].id,
        url.trim_end_matches('/'),
        "the RSS guid is the incident page"
    );
    Ok(())
}

#[tokio::test]
async fn items_hold_the_updates_newest_first_with_update_labels_and_the_eta_while_open()
-> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    app.post_incident_update_ok(&id, &json!({"message": "계속 확인하고 있습니다."}))
        .await?;
    app.post_incident_update_ok(
        &id,
        &json!({"status": "identified", "message": "원인을 찾았습니다."}),
    )
    .await?;
    let html = body_of(&feed(&app, "/history.rss").await?.entries[0]);
    let order = [
        "원인을 찾았습니다.",
        "계속 확인하고 있습니다.",
        "일부 카드 결제가 실패하고 있습니다.",
    ]
    .map(|m| html.find(m).unwrap_or(usize::MAX));
    assert!(
        order[0] < order[1] && order[1] < order[2] && order[2] != usize::MAX,
        "newest first: {html}"
    );
    assert!(
        html.contains("<strong>원인 파악</strong> - 원인을 찾았습니다."),
        "{html}"
    );
    assert!(
        html.contains("<strong>추가 안내</strong> - 계속 확인하고 있습니다."),
        "an unchanged status reads Update: {html}"
    );
    assert!(
        html.contains("예상 복구"),
        "the ETA is in the item while open: {html}"
    );
    assert!(html.contains("계좌이체"), "so are the alternatives: {html}");

    let en = body_of(&feed(&app, "/history.atom?lang=en").await?.entries[0]);
    assert!(
        en.contains("<strong>Update</strong>") && en.contains("Expected recovery"),
        "{en}"
    );

    app.post_incident_update_ok(
        &id,
        &json!({"status": "resolved", "message": "해결되었습니다."}),
    )
    .await?;
    let html = body_of(&feed(&app, "/history.rss").await?.entries[0]);
    assert!(
        !html.contains("예상 복구") && !html.contains("이렇게 결제하실 수 있습니다"),
        "nothing to wait for once resolved: {html}"
    );
    Ok(())
}

#[tokio::test]
async fn maintenance_items_carry_their_window_and_drafts_never_appear() -> TestResult {
    let app = spawn_app().await;
    app.create_maintenance_ok(&bank_maintenance()).await?;
    let mut draft = incident_titled("초안");
    draft["draft"] = json!(true);
    app.create_incident_ok(&draft).await?;
    for path in ["/history.rss", "/history.atom"] {
        let feed = feed(&app, path).await?;
        assert_eq!(
            feed.entries.len(),
            1,
            "{path}: the draft is not in the feed"
        );
        let html = body_of(&feed.entries[0]);
        assert!(
            html.contains("점검 시간") && html.contains("11월 26일 00:00 – 00:30"),
            "{path}: {html}"
        );
    }
    let rss = app.get("/history.rss").await?.text().await?;
    assert!(
        rss.contains("<maintenanceEndDate>Wed, 25 Nov 2026 15:30:00 +0000</maintenanceEndDate>"),
        "the RSS item carries the window's end like the reference feed: {rss}"
    );
    Ok(())
}

#[tokio::test]
async fn the_newest_activity_comes_first() -> TestResult {
    let app = spawn_app().await;
    let first = string(
        &app.create_incident_ok(&incident_titled("먼저 생긴 장애"))
            .await?["id"],
    )?;
    app.clock.advance(Duration::minutes(5));
    app.create_incident_ok(&incident_titled("나중에 생긴 장애"))
        .await?;
    app.clock.advance(Duration::minutes(5));
    app.post_incident_update_ok(&first, &json!({"message": "새 소식"}))
        .await?;
    let feed = feed(&app, "/history.atom").await?;
    let titles: Vec<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert_eq!(titles, vec!["먼저 생긴 장애", "나중에 생긴 장애"]);
    Ok(())
}

#[tokio::test]
async fn a_postmortem_is_in_the_feeds_and_on_the_page_in_its_outline_in_both_languages()
-> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    app.post_incident_update_ok(&id, &json!({"status": "resolved", "message": "복구"}))
        .await?;
    let postmortem = json!({
        "ko": "영향: 카드 결제가 42분 동안 실패했습니다.\n\n원인: 카드사 인증서 만료.\n\n재발 방지 대책: 만료 30일 전 알림.",
        "en": "Impact: card payments failed for 42 minutes.\n\nCause: an expired certificate.\n\nWhat we will change: alerts 30 days before expiry."
    });
    let r = app
        .patch_incident(&id, &json!({ "postmortem": postmortem }))
        .await?;
    expect_json(r, reqwest::StatusCode::OK).await?;

    let ko = body_of(&feed(&app, "/history.rss").await?.entries[0]);
    assert!(
        ko.contains("<h3>원인</h3><p>카드사 인증서 만료.</p>"),
        "the outline's sections: {ko}"
    );
    assert!(
        ko.find("재발 방지 대책") < ko.find("복구"),
        "before the timeline: {ko}"
    );
    let en = body_of(&feed(&app, "/history.atom?lang=en").await?.entries[0]);
    assert!(
        en.contains("<h3>What we will change</h3><p>alerts 30 days before expiry.</p>"),
        "{en}"
    );

    let page = app.get_page(&format!("/incidents/{id}?lang=en")).await?;
    let headings: Vec<String> = page
        .html
        .select(&scraper::Selector::parse(".postmortem h3").map_err(|e| e.to_string())?)
        .map(|h| h.text().collect())
        .collect();
    assert_eq!(headings, ["Impact", "Cause", "What we will change"]);
    let page = app.get_page(&format!("/incidents/{id}")).await?;
    let headings: Vec<String> = page
        .html
        .select(&scraper::Selector::parse(".postmortem h3").map_err(|e| e.to_string())?)
        .map(|h| h.text().collect())
        .collect();
    assert_eq!(headings, ["영향", "원인", "재발 방지 대책"]);
    Ok(())
}
