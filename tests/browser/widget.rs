//! The banner (`/widget.js`) on a merchant's checkout page from another origin.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_banner_appears_for_an_incident_and_goes_once_it_is_resolved() -> TestResult {
    let w = World::start().await?;
    let quiet = w.widget_page("quiet", r#"data-components="card,kakaopay""#);
    w.open(&quiet).await?;
    w.wait_for_first_read().await?;
    assert_eq!(w.banner().await?, None, "nothing to show while all is well");

    let id = w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    // A new page (and URL) so no cached summary is reused.
    w.open(&w.widget_page("during", r#"data-components="card,kakaopay""#))
        .await?;
    w.wait_for_first_read().await?;
    let text = w.banner().await?.ok_or("no banner during the incident")?;
    // The browser's own clock decides whether the date is shown; the time is always there.
    for expected in [
        "카드 결제 승인 지연",
        "일부 카드 결제가 실패하고 있습니다.",
        "예상 복구",
        "14:45",
        "계좌이체",
        "주문서에서 '계좌이체'를 선택해 주세요",
        "자세히 보기",
    ] {
        assert!(
            text.contains(expected),
            "the banner says {expected:?}: {text}"
        );
    }
    let link = w
        .browser
        .execute(
            "return document.querySelector('paystatus-banner').shadowRoot.querySelector('a').href",
            vec![],
        )
        .await?;
    assert_eq!(link, json!(format!("{}/incidents/{id}", w.status)));

    w.post_update(
        &id,
        json!({"status": "resolved", "message": "정상화되었습니다."}),
    )
    .await?;
    w.open(&w.widget_page("after", r#"data-components="card,kakaopay""#))
        .await?;
    w.wait_for_first_read().await?;
    assert_eq!(
        w.banner().await?,
        None,
        "the banner goes once the incident is resolved"
    );
    assert_eq!(w.errors().await?, Vec::<String>::new());
    w.finish().await
}

#[tokio::test]
async fn the_banner_follows_the_status_by_polling() -> TestResult {
    let w = World::start().await?;
    w.open(&w.widget_page("poll", r#"data-interval="15""#))
        .await?;
    w.wait_for_first_read().await?;
    assert_eq!(w.banner().await?, None);
    let id = w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    w.wait_for("the banner to appear by itself", "const h = document.querySelector('paystatus-banner'); return !!h && getComputedStyle(h).display !== 'none' && h.shadowRoot.textContent.includes('카드 결제 승인 지연')").await?;
    w.post_update(
        &id,
        json!({"status": "resolved", "message": "정상화되었습니다."}),
    )
    .await?;
    w.wait_for("the banner to go by itself", "const h = document.querySelector('paystatus-banner'); return !h || getComputedStyle(h).display === 'none'").await?;
    w.finish().await
}

#[tokio::test]
async fn only_incidents_on_the_listed_components_show_and_groups_count_for_their_members()
-> TestResult {
    let w = World::start().await?;
    w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    w.open(&w.widget_page("wallets", r#"data-components="kakaopay""#))
        .await?;
    w.wait_for_first_read().await?;
    assert_eq!(
        w.banner().await?,
        None,
        "a card incident is not shown on a KakaoPay-only banner"
    );
    let events = w.events().await?;
    assert_eq!(
        events[0]["components"],
        json!({"kakaopay": "operational"}),
        "the event covers the listed components only"
    );

    w.post_incident(json!({"title": "네이버페이 지연", "message": "네이버페이 결제가 느립니다.", "components": {"naverpay": "degraded_performance"}})).await?;
    w.open(&w.widget_page("group", r#"data-components="easy-pay""#))
        .await?;
    w.wait_for_first_read().await?;
    let text = w
        .banner()
        .await?
        .ok_or("a naverpay incident shows on an easy-pay banner")?;
    assert!(
        text.contains("네이버페이 지연") && !text.contains("카드 결제 승인 지연"),
        "{text}"
    );
    w.finish().await
}

#[tokio::test]
async fn an_alternative_is_recommended_only_while_it_works() -> TestResult {
    let w = World::start().await?;
    w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    w.open(&w.widget_page("both", "")).await?;
    w.wait_for_first_read().await?;
    let text = w.banner().await?.ok_or("no banner")?;
    assert!(
        text.contains("카카오페이로 결제하시면 바로 완료됩니다") && text.contains("계좌이체"),
        "{text}"
    );

    w.set_status("kakaopay", "partial_outage").await?;
    w.open(&w.widget_page("one", "")).await?;
    w.wait_for_first_read().await?;
    let text = w.banner().await?.ok_or("no banner")?;
    assert!(
        text.contains("계좌이체"),
        "bank transfer still works: {text}"
    );
    assert!(
        !text.contains("카카오페이로 결제하시면"),
        "KakaoPay is down, so not recommended: {text}"
    );
    w.finish().await
}

#[tokio::test]
async fn checkout_code_hears_paystatus_change_with_component_statuses() -> TestResult {
    let w = World::start().await?;
    let id = w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    w.open(&w.widget_page("event", "")).await?;
    w.wait_for_first_read().await?;
    let events = w.events().await?;
    let detail = &events[0];
    assert_eq!(detail["indicator"], "major");
    assert_eq!(detail["components"]["card"], "major_outage");
    assert_eq!(detail["components"]["bank-transfer"], "operational");
    assert!(
        detail["components"].get("easy-pay").is_none(),
        "groups are not payment buttons"
    );
    assert_eq!(detail["incidents"][0]["id"], json!(id));
    assert_eq!(detail["incidents"][0]["components"], json!(["card"]));
    w.finish().await
}

#[tokio::test]
async fn markup_in_a_title_is_shown_as_text_and_never_runs() -> TestResult {
    let w = World::start().await?;
    let title = "<img src=x onerror=\"window.__xss = 1\"> 카드 장애";
    let mut body = card_outage(title);
    body["message"] = json!("<script>window.__xss = 2</script>결제 실패");
    w.post_incident(body).await?;
    w.open(&w.widget_page("xss", "")).await?;
    w.wait_for_first_read().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = w.banner().await?.ok_or("no banner")?;
    assert!(text.contains(title), "the title is shown literally: {text}");
    assert!(
        text.contains("<script>window.__xss = 2</script>결제 실패"),
        "{text}"
    );
    let injected = w
        .browser
        .execute("const r = document.querySelector('paystatus-banner').shadowRoot; return [window.__xss === undefined, r.querySelectorAll('img, script').length]", vec![])
        .await?;
    assert_eq!(
        injected,
        json!([true, 0]),
        "nothing ran and no element was injected"
    );
    w.finish().await
}

#[tokio::test]
async fn closing_sticks_until_the_incident_is_updated() -> TestResult {
    let w = World::start().await?;
    let id = w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    w.open(&w.widget_page("close-1", "")).await?;
    w.wait_for_first_read().await?;
    assert!(w.banner().await?.is_some());
    // The keyboard: focus the close button and press Enter.
    w.browser
        .execute(
            "document.querySelector('paystatus-banner').shadowRoot.querySelector('button').focus()",
            vec![],
        )
        .await?;
    w.browser
        .active_element()
        .await?
        .send_keys(fantoccini::key::Key::Enter.to_string().as_str())
        .await?;
    w.wait_for("the banner to close", "const h = document.querySelector('paystatus-banner'); return getComputedStyle(h).display === 'none'").await?;

    w.open(&w.widget_page("close-2", "")).await?;
    w.wait_for_first_read().await?;
    assert_eq!(
        w.banner().await?,
        None,
        "closed stays closed on the next page"
    );

    w.post_update(
        &id,
        json!({"status": "identified", "message": "카드사 중계망 장애로 확인되었습니다."}),
    )
    .await?;
    w.open(&w.widget_page("close-3", "")).await?;
    w.wait_for_first_read().await?;
    let text = w
        .banner()
        .await?
        .ok_or("a new update shows the banner again")?;
    assert!(
        text.contains("카드사 중계망 장애로 확인되었습니다."),
        "{text}"
    );

    // The mouse, and Escape, close it too.
    w.browser
        .execute(
            "document.querySelector('paystatus-banner').shadowRoot.querySelector('button').click()",
            vec![],
        )
        .await?;
    w.wait_for(
        "a click to close it",
        "return getComputedStyle(document.querySelector('paystatus-banner')).display === 'none'",
    )
    .await?;
    w.finish().await
}

#[tokio::test]
async fn nothing_shows_and_nothing_shifts_when_all_is_well() -> TestResult {
    let w = World::start().await?;
    w.open(&w.widget_page("calm", r#"data-position="inline""#))
        .await?;
    w.wait_for_first_read().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.banner().await?, None);
    let shift = w.browser.execute("return window.__shift", vec![]).await?;
    assert_eq!(shift.as_f64(), Some(0.0), "no layout shift");
    let height = w.browser.execute("const h = document.querySelector('paystatus-banner'); return h ? h.getBoundingClientRect().height : 0", vec![]).await?;
    assert_eq!(height.as_f64(), Some(0.0), "the banner takes no room");
    w.finish().await
}

#[tokio::test]
async fn a_stopped_status_server_shows_nothing_and_throws_nothing() -> TestResult {
    let w = World::start().await?;
    w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    // The script is cached by the browser (a day), as on a real shopper's second visit.
    w.open(&w.widget_page("up", "")).await?;
    w.wait_for_first_read().await?;
    assert!(w.banner().await?.is_some());
    w.stop_status_server();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // English asks for a summary the browser has not cached, so it must reach the server.
    w.open(&w.widget_page("down", r#"data-lang="en""#)).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(w.banner().await?, None, "nothing is shown");
    assert_eq!(w.events().await?.len(), 0, "no status, no event");
    assert_eq!(
        w.errors().await?,
        Vec::<String>::new(),
        "no uncaught error reaches the page"
    );

    // A script that cannot load at all is just as quiet.
    let dead = w.page(
        "dead",
        r#"<script src="http://127.0.0.1:9/widget.js" async></script>"#,
        None,
    );
    w.open(&dead).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(w.errors().await?, Vec::<String>::new());
    w.finish().await
}

#[tokio::test]
async fn a_strict_content_security_policy_on_the_checkout_does_not_break_the_banner() -> TestResult
{
    let w = World::start().await?;
    w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    let csp = format!(
        "default-src 'self'; script-src 'self' {s}; connect-src {s}; style-src 'none'",
        s = w.status
    );
    let body = format!(r#"<script src="{}/widget.js" async></script>"#, w.status);
    w.open(&w.page("strict", &body, Some(&csp))).await?;
    w.wait_for_first_read().await?;
    assert!(w.banner().await?.is_some());
    let styled = w
        .browser
        .execute("const bar = document.querySelector('paystatus-banner').shadowRoot.querySelector('.bar'); return getComputedStyle(bar).display", vec![])
        .await?;
    assert_eq!(
        styled,
        json!("flex"),
        "the banner's own styles apply under style-src 'none'"
    );
    w.finish().await
}

#[tokio::test]
async fn the_banner_speaks_the_checkout_pages_language_unless_told_otherwise() -> TestResult {
    let w = World::start().await?;
    let mut body = card_outage("카드 결제 승인 지연");
    body["title"] = json!({"ko": "카드 결제 승인 지연", "en": "Card payments are failing"});
    w.post_incident(body).await?;
    let script = format!(r#"<script src="{}/widget.js" async></script>"#, w.status);
    w.open(&w.page_in("en-US", "english-shop", &script, None))
        .await?;
    w.wait_for_first_read().await?;
    let text = w.banner().await?.ok_or("no banner")?;
    assert!(
        text.contains("Card payments are failing") && text.contains("Expected recovery"),
        "{text}"
    );

    // No lang on the page: the status page's default language (Korean here).
    w.open(&w.page_in("", "no-lang-shop", &script, None))
        .await?;
    w.wait_for_first_read().await?;
    let text = w.banner().await?.ok_or("no banner")?;
    assert!(
        text.contains("카드 결제 승인 지연") && text.contains("예상 복구"),
        "{text}"
    );
    w.finish().await
}
