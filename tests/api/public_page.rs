use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

const CARD: &str = "신용·체크카드";

#[tokio::test]
async fn a_fresh_page_says_every_payment_channel_is_operational() -> TestResult {
    let app = spawn_app().await;

    let page = app.get_page("/").await?;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.lang()?, "ko");
    assert_eq!(page.banner()?, "모든 결제 서비스가 정상입니다");
    assert!(page.notices()?.is_empty());
    for channel in [
        CARD,
        "계좌이체",
        "가상계좌",
        "휴대폰 결제",
        "카카오페이",
        "네이버페이",
        "토스페이",
        "페이코",
    ] {
        assert_eq!(
            page.channel_status(channel)?.as_deref(),
            Some("정상"),
            "{channel} should be listed as operational"
        );
    }
    Ok(())
}

#[tokio::test]
async fn an_incident_posted_with_a_key_from_the_cli_shows_title_eta_and_only_working_alternatives()
-> TestResult {
    let app = spawn_app_without_key().await;
    let key = app.create_key_with_cli("on-call", "incidents").await?;
    let mut outage = card_outage();
    // 05:45 UTC is 14:45 in Seoul, where the page tells time.
    outage["eta"] = json!("2026-11-25T05:45:00Z");

    let r = app
        .client
        .post(app.admin_url("/incidents"))
        .bearer_auth(&key)
        .json(&outage)
        .send()
        .await?;
    let incident = expect_json(r, StatusCode::CREATED).await?;
    let id = string(&incident["id"])?;

    let page = app.get_page("/").await?;
    assert_eq!(page.banner()?, "일부 결제 수단에 장애가 있습니다");
    let notice = page
        .notice("카드 결제 승인 지연")?
        .ok_or("the new incident is not on the page")?;
    assert_eq!(notice.fact("예상 복구"), Some("14:45 (약 40분 후)"));
    assert_eq!(notice.fact("다음 안내"), Some("14:25까지"));
    assert_eq!(
        notice.link.as_deref(),
        Some(format!("/incidents/{id}/").as_str())
    );
    assert_eq!(
        notice.message.as_deref(),
        Some(
            "일부 카드 결제가 실패하고 있습니다. 계좌이체나 간편결제는 정상적으로 이용하실 수 있습니다."
        )
    );
    assert!(
        notice.recommends("계좌이체") && notice.recommends("주문서에서 '계좌이체'를 선택해 주세요"),
        "bank transfer is recommended with its instructions: {:?}",
        notice.alternatives
    );
    assert!(notice.recommends("카카오페이"), "{:?}", notice.alternatives);
    assert_eq!(page.channel_status(CARD)?.as_deref(), Some("장애"));

    // 14:10: KakaoPay starts failing too; the same key may set a channel's status.
    let r = app
        .client
        .patch(app.admin_url("/components/kakaopay"))
        .bearer_auth(&key)
        .json(&json!({ "status": "partial_outage" }))
        .send()
        .await?;
    expect_json(r, StatusCode::OK).await?;

    let page = app.get_page("/").await?;
    let notice = page
        .notice("카드 결제 승인 지연")?
        .ok_or("the incident left the page")?;
    assert!(notice.recommends("계좌이체"), "{:?}", notice.alternatives);
    assert!(
        !notice.recommends("카카오페이"),
        "a channel that is itself down must not be recommended: {:?}",
        notice.alternatives
    );
    assert_eq!(
        page.channel_status("카카오페이")?.as_deref(),
        Some("일부 장애")
    );

    // The incident's own page agrees.
    let page = app.get_page(&format!("/incidents/{id}")).await?;
    assert_eq!(page.status, StatusCode::OK);
    let notice = page
        .notice("카드 결제 승인 지연")?
        .ok_or("the incident page shows no notice")?;
    assert_eq!(notice.fact("예상 복구"), Some("14:45 (약 40분 후)"));
    assert!(notice.recommends("계좌이체"));
    assert!(!notice.recommends("카카오페이"));
    Ok(())
}

#[tokio::test]
async fn an_alternative_is_recommended_again_once_it_works_again() -> TestResult {
    let app = spawn_app().await;
    app.create_incident_ok(&card_outage()).await?;
    app.set_component_status("kakaopay", "major_outage").await?;

    app.set_component_status("kakaopay", "operational").await?;

    let page = app.get_page("/").await?;
    let notice = page
        .notice("카드 결제 승인 지연")?
        .ok_or("the incident is not on the page")?;
    assert!(notice.recommends("카카오페이"), "{:?}", notice.alternatives);
    Ok(())
}

#[tokio::test]
async fn the_page_is_in_english_with_lang_en() -> TestResult {
    let app = spawn_app().await;
    let mut outage = card_outage();
    outage["title"] = json!({ "ko": "카드 결제 승인 지연", "en": "Card payments are failing" });
    outage["alternatives"] = json!([{
        "component": "bank-transfer",
        "instructions": { "ko": "주문서에서 '계좌이체'를 선택해 주세요", "en": "Choose bank transfer at checkout" }
    }]);
    app.create_incident_ok(&outage).await?;

    let page = app.get_page("/?lang=en").await?;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.lang()?, "en");
    assert_eq!(page.banner()?, "Some payment methods are unavailable");
    let notice = page
        .notice("Card payments are failing")?
        .ok_or("the English title is not on the page")?;
    assert_eq!(
        notice.fact("Expected recovery"),
        Some("14:45 (in about 40 min)")
    );
    assert_eq!(notice.fact("Next update"), Some("by 14:25"));
    assert!(
        notice.recommends("Bank transfer") && notice.recommends("Choose bank transfer at checkout"),
        "{:?}",
        notice.alternatives
    );
    assert_eq!(
        page.channel_status("Credit & debit cards")?.as_deref(),
        Some("Outage")
    );
    assert_eq!(
        page.channel_status(CARD)?,
        None,
        "no Korean names on the English page"
    );
    Ok(())
}

#[tokio::test]
async fn accept_language_chooses_english_and_the_response_varies_on_it() -> TestResult {
    let app = spawn_app().await;

    let page = app.get_page_in("/", "en-US,en;q=0.9").await?;

    assert_eq!(page.lang()?, "en");
    assert_eq!(page.banner()?, "All payment services are operational");
    assert!(
        page.header("vary").contains("Accept-Language"),
        "vary: {}",
        page.header("vary")
    );
    Ok(())
}

#[tokio::test]
async fn lang_in_the_query_wins_over_accept_language() -> TestResult {
    let app = spawn_app().await;

    let page = app.get_page_in("/?lang=ko", "en").await?;

    assert_eq!(page.lang()?, "ko");
    assert_eq!(page.banner()?, "모든 결제 서비스가 정상입니다");
    Ok(())
}

#[tokio::test]
async fn text_without_english_falls_back_to_korean_on_the_english_page() -> TestResult {
    let app = spawn_app().await;
    app.create_incident_ok(&card_outage()).await?;

    let page = app.get_page("/?lang=en").await?;

    assert!(page.notice("카드 결제 승인 지연")?.is_some());
    Ok(())
}

#[tokio::test]
async fn html_in_an_incident_is_shown_as_text_and_never_becomes_markup() -> TestResult {
    let app = spawn_app().await;
    let title = "<script>alert('x')</script> 카드 <b>장애</b>";
    let message = "<img src=x onerror=alert(1)> 결제가 되지 않습니다 & 확인 중";
    let incident = app
        .create_incident_ok(&json!({
            "title": title,
            "message": message,
            "components": { "card": "major_outage" }
        }))
        .await?;
    let id = string(&incident["id"])?;

    let home = app.get_page("/").await?;
    let incident_page = app.get_page(&format!("/incidents/{id}")).await?;
    let english = app.get_page("/?lang=en").await?;
    for (name, page) in [
        ("/", &home),
        ("/incidents/{id}", &incident_page),
        ("/?lang=en", &english),
    ] {
        assert_eq!(
            page.count("script")?,
            0,
            "{name}: a script element was injected"
        );
        assert_eq!(page.count("img")?, 0, "{name}: an img element was injected");
        assert_eq!(page.count("main b")?, 0, "{name}: a b element was injected");
        let notice = page
            .notice(title)?
            .ok_or(format!("{name}: the title is not shown as text"))?;
        assert_eq!(notice.message.as_deref(), Some(message), "{name}");
    }
    assert_eq!(incident_page.text("h1.page-title")?, title);
    assert!(incident_page.text("title")?.contains(title));
    Ok(())
}

#[tokio::test]
async fn an_unknown_incident_is_a_404_page() -> TestResult {
    let app = spawn_app().await;

    for path in [
        "/incidents/abcdefghijkl",
        "/incidents/not-an-id",
        "/no-such-page",
    ] {
        let page = app.get_page(path).await?;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.header("content-type").starts_with("text/html"),
            "{path}: {}",
            page.header("content-type")
        );
        assert_eq!(page.text("h1")?, "페이지를 찾을 수 없습니다", "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn channels_are_grouped_and_a_group_shows_its_worst_member() -> TestResult {
    let app = spawn_app().await;
    app.set_component_status("naverpay", "degraded_performance")
        .await?;
    app.set_component_status("payco", "major_outage").await?;

    let page = app.get_page("/").await?;

    assert_eq!(page.texts("h3.group-name")?.len(), 1, "one group: 간편결제");
    assert_eq!(page.group_status("간편결제")?.as_deref(), Some("장애"));
    assert_eq!(page.channel_status("네이버페이")?.as_deref(), Some("지연"));
    assert_eq!(page.channel_status("페이코")?.as_deref(), Some("장애"));
    assert_eq!(page.channel_status("토스페이")?.as_deref(), Some("정상"));
    assert_eq!(page.channel_status(CARD)?.as_deref(), Some("정상"));
    Ok(())
}

#[tokio::test]
async fn history_is_paginated_newest_first_twenty_to_a_page() -> TestResult {
    let app = spawn_app().await;
    for n in 1..=25 {
        // Recorded after the fact, already resolved: one write each keeps this quick.
        app.create_incident_ok(&json!({
            "title": format!("지난 장애 {n:02}"),
            "message": "잠시 결제가 지연되었고 지금은 해결되었습니다.",
            "status": "resolved"
        }))
        .await?;
        app.clock.advance(chrono::Duration::minutes(1));
    }
    app.tick().await?;

    let first = app.get_page("/history").await?;
    let second = app.get_page("/history?page=2").await?;
    let beyond = app.get_page("/history?page=3").await?;

    let expected_first: Vec<String> = (6..=25)
        .rev()
        .map(|n| format!("지난 장애 {n:02}"))
        .collect();
    let expected_second: Vec<String> = (1..=5).rev().map(|n| format!("지난 장애 {n:02}")).collect();
    assert_eq!(first.texts("ol.history li .history-title")?, expected_first);
    assert_eq!(
        second.texts("ol.history li .history-title")?,
        expected_second
    );
    let href = |page: &Page, rel: &str| -> TestResult<Option<String>> {
        Ok(page
            .select(&format!("nav.pager a[rel={rel}]"))?
            .first()
            .and_then(|a| a.attr("href"))
            .map(str::to_string))
    };
    assert_eq!(href(&first, "next")?.as_deref(), Some("/history/2/"));
    assert_eq!(href(&first, "prev")?, None);
    assert_eq!(href(&second, "prev")?.as_deref(), Some("/history/"));
    assert_eq!(href(&second, "next")?, None);
    assert_eq!(beyond.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn the_paths_pages_link_to_serve_the_same_documents_as_the_query_forms() -> TestResult {
    let app = spawn_app().await;
    app.seed_past_incidents(30).await?;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    // Links name paths a static host can serve too; the server answers them, and the
    // older query forms (already in feeds, mails and bookmarks) keep working.
    let pairs = [
        ("/en/".to_string(), "/?lang=en".to_string()),
        ("/en".to_string(), "/?lang=en".to_string()),
        ("/ko/".to_string(), "/?lang=ko".to_string()),
        ("/history/".to_string(), "/history".to_string()),
        ("/history/2/".to_string(), "/history?page=2".to_string()),
        (
            "/en/history/2/".to_string(),
            "/history?page=2&lang=en".to_string(),
        ),
        (format!("/incidents/{id}/"), format!("/incidents/{id}")),
        (
            format!("/en/incidents/{id}/"),
            format!("/incidents/{id}?lang=en"),
        ),
        ("/widget/".to_string(), "/widget".to_string()),
        (
            "/en/embed/frame/".to_string(),
            "/embed/frame?lang=en".to_string(),
        ),
        (
            "/en/history.rss".to_string(),
            "/history.rss?lang=en".to_string(),
        ),
        (
            "/en/api/v2/summary.json".to_string(),
            "/api/v2/summary.json?lang=en".to_string(),
        ),
        (
            format!("/en/api/v2/incidents/{id}.json"),
            format!("/api/v2/incidents/{id}.json?lang=en"),
        ),
    ];
    for (path, query_form) in pairs {
        let (a, b) = (app.get(&path).await?, app.get(&query_form).await?);
        assert_eq!(a.status(), StatusCode::OK, "{path}");
        assert_eq!(b.status(), StatusCode::OK, "{query_form}");
        assert_eq!(
            header(&a, "etag"),
            header(&b, "etag"),
            "{path} and {query_form}"
        );
    }
    // An explicit prefix wins over the reader's Accept-Language.
    let ko = app
        .client
        .get(format!("{}/ko/", app.address))
        .header("accept-language", "en")
        .send()
        .await?;
    assert!(ko.text().await?.contains("<html lang=\"ko\""));
    for missing in [
        "/en/history/99/",
        "/en/incidents/zzzzzzzzzzzz/",
        "/fr/",
        "/en/console/",
    ] {
        assert_eq!(
            app.get(missing).await?.status(),
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    Ok(())
}
