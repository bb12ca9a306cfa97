//! Customers' failure reports over HTTP: each test client sends from its own loopback
//! address (127.0.0.2, 127.0.0.3, …), as different customers would. Twenty of them make a
//! spike (the metric, the console, a `reports.spike` webhook to those who ask for it);
//! one client pressing a hundred times counts once and is throttled; and nothing public
//! changes.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use chrono::Duration as Span;
use paystatus::domain::Role;
use reqwest::header::ORIGIN;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;
use crate::webhooks::receiver::Receiver;

/// Long enough for a debug build on two busy cores; the worker itself wakes at once.
const PATIENCE: Duration = Duration::from_secs(15);

/// `127.0.0.n`: a customer of its own.
fn customer(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A client whose requests leave from `from`.
fn client_from(from: IpAddr) -> TestResult<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .local_address(from)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

impl TestApp {
    /// Presses the page's button for `component` as a browser on the page would: a form
    /// POST from our own origin, from the address `from`.
    async fn report_from(
        &self,
        from: &reqwest::Client,
        component: &str,
        lang: &str,
    ) -> TestResult<reqwest::Response> {
        Ok(from
            .post(format!("{}/report", self.address))
            .header(ORIGIN, &self.address)
            .form(&[("lang", lang), ("component", component)])
            .send()
            .await?)
    }

    /// `n` customers (127.0.0.2 onwards) each report `component` once; all are thanked.
    async fn customers_report(&self, component: &str, n: u8) -> TestResult {
        for i in 0..n {
            let from = client_from(customer(2 + i))?;
            let r = self.report_from(&from, component, "ko").await?;
            assert_eq!(
                r.status(),
                StatusCode::OK,
                "customer {i}: {}",
                r.text().await?
            );
        }
        Ok(())
    }

    async fn metrics(&self) -> TestResult<String> {
        Ok(self.get("/metrics").await?.text().await?)
    }

    /// The value of one series of `/metrics`, such as
    /// `paystatus_customer_report_spike{component="card"}`.
    async fn metric(&self, series: &str) -> TestResult<u64> {
        let text = self.metrics().await?;
        let line = text
            .lines()
            .find(|l| l.strip_prefix(series).is_some_and(|v| v.starts_with(' ')))
            .ok_or_else(|| format!("no {series} in /metrics:\n{text}"))?;
        Ok(line[series.len()..].trim().parse()?)
    }
}

fn spike(component: &str) -> String {
    format!("paystatus_customer_report_spike{{component=\"{component}\"}}")
}

fn counted(component: &str) -> String {
    format!("paystatus_customer_reports_total{{component=\"{component}\"}}")
}

/// Makes a webhook endpoint; returns its id.
async fn endpoint(app: &TestApp, body: serde_json::Value) -> TestResult<String> {
    let r = app
        .admin(Method::POST, "/webhooks")
        .json(&body)
        .send()
        .await?;
    string(&expect_json(r, StatusCode::CREATED).await?["id"])
}

/// The kinds of event delivered (or being delivered) to endpoint `id`.
async fn delivered_kinds(app: &TestApp, id: &str) -> TestResult<Vec<String>> {
    let r = app
        .admin(Method::GET, &format!("/webhooks/{id}/deliveries"))
        .send()
        .await?;
    Ok(items(&expect_json(r, StatusCode::OK).await?)
        .iter()
        .map(|d| d["event"].as_str().unwrap_or_default().to_string())
        .collect())
}

#[tokio::test]
async fn twenty_customers_make_a_spike_in_metrics_and_a_webhook_only_for_those_who_ask()
-> TestResult {
    let app = spawn_app_configured(|c| c.webhook_allow_private = true).await;
    let asks = Receiver::start().await?;
    let asks_id = endpoint(
        &app,
        json!({ "url": asks.url, "events": ["reports.spike"] }),
    )
    .await?;
    let other_channel = Receiver::start().await?;
    let other_channel_id = endpoint(
        &app,
        json!({ "url": other_channel.url, "events": ["reports.spike"], "components": ["kakaopay"] }),
    )
    .await?;
    let everything = Receiver::start().await?;
    let everything_id = endpoint(&app, json!({ "url": everything.url })).await?;
    let chat = Receiver::start().await?;
    endpoint(
        &app,
        json!({ "url": chat.url, "events": ["reports.spike"], "format": "slack", "lang": "en" }),
    )
    .await?;

    app.customers_report("card", 19).await?;
    assert_eq!(app.metric(&counted("card")).await?, 19);
    assert_eq!(app.metric(&spike("card")).await?, 0, "19 is below 20");
    app.customers_report("card", 25).await?;
    assert_eq!(
        app.metric(&counted("card")).await?,
        25,
        "the first 19 again count nothing"
    );
    assert_eq!(app.metric(&spike("card")).await?, 1);
    assert_eq!(app.metric(&spike("kakaopay")).await?, 0);
    assert_eq!(app.metric(&counted("kakaopay")).await?, 0);

    let got = asks.wait_for(1, PATIENCE).await?;
    let body = got[0].json()?;
    assert_eq!(body["type"], "reports.spike", "{body}");
    let data = &body["data"];
    assert_eq!(data["component_id"], "card");
    assert_eq!(data["component"]["name"], "신용·체크카드");
    assert_eq!(data["reporters"], 20, "the twentieth made it: {data}");
    assert_eq!(data["usual_per_window"], 0.0);
    assert_eq!(
        (data["window_minutes"].clone(), data["threshold"].clone()),
        (json!(5), json!(20))
    );
    assert_eq!(
        data["message"],
        "신용·체크카드: 최근 5분 동안 고객 20명이 결제 실패를 알렸습니다 (평소 5분에 1명 미만)"
    );

    let said = chat.wait_for(1, PATIENCE).await?[0].json()?;
    let text = said["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Credit & debit cards: 20 customers reported failed payments in the last 5 minutes (usually fewer than 1 in 5 minutes)")
            && text.contains("since 14:05")
            && text.ends_with(&format!("{}/console", app.address)),
        "{text}"
    );

    // Those that did not ask get a later event, and never the spike before it.
    app.create_incident_ok(&card_outage()).await?;
    let got = everything.wait_for(1, PATIENCE).await?;
    assert_eq!(got[0].json()?["type"], "incident.created");
    let kinds = delivered_kinds(&app, &everything_id).await?;
    assert!(
        !kinds.iter().any(|k| k == "reports.spike"),
        "an endpoint naming no events is not sent spikes: {kinds:?}"
    );
    assert!(delivered_kinds(&app, &other_channel_id).await?.is_empty());
    assert!(other_channel.got().is_empty());
    assert_eq!(delivered_kinds(&app, &asks_id).await?, ["reports.spike"]);
    assert_eq!(asks.got().len(), 1, "one spike, one event");

    // The spike is in the database: a restarted server shows it (its counter starts over).
    let mut app = app;
    app.restart().await?;
    assert_eq!(app.metric(&spike("card")).await?, 1);
    // Five minutes on, the window is empty: the spike is over.
    app.advance_and_tick(Span::minutes(5)).await?;
    assert_eq!(app.metric(&spike("card")).await?, 0);
    Ok(())
}

#[tokio::test]
async fn one_customer_pressing_a_hundred_times_counts_once_and_is_throttled() -> TestResult {
    let app = spawn_app().await;
    let me = client_from(customer(77))?;
    let (mut thanked, mut throttled) = (0, 0);
    let started = std::time::Instant::now();
    for _ in 0..100 {
        let r = app.report_from(&me, "card", "ko").await?;
        match r.status() {
            StatusCode::OK => {
                thanked += 1;
                let page = Page::from_response(r).await?;
                assert_eq!(page.text("h1")?, "알려 주셔서 감사합니다");
            }
            StatusCode::TOO_MANY_REQUESTS => {
                throttled += 1;
                let retry: u64 = header(&r, "retry-after").parse()?;
                assert!((1..=60).contains(&retry), "{retry}");
                let page = Page::from_response(r).await?;
                assert_eq!(page.text("h1")?, "신고가 너무 많이 들어왔습니다");
            }
            other => return Err(format!("a report was answered {other}").into()),
        }
    }
    let took = started.elapsed();
    eprintln!("{thanked} thanked, {throttled} throttled in {took:?}");
    // Ten at once, and one more every 6 s while the loop ran.
    let allowed = 10 + (took.as_secs_f64() / 6.0).ceil() as usize;
    assert!(
        (10..=allowed).contains(&thanked),
        "{thanked} thanked, {allowed} allowed"
    );
    assert_eq!(thanked + throttled, 100);
    assert_eq!(
        app.metric(&counted("card")).await?,
        1,
        "one client counts once"
    );
    // Another customer is neither throttled nor deduplicated by it.
    let other = client_from(customer(78))?;
    assert_eq!(
        app.report_from(&other, "card", "ko").await?.status(),
        StatusCode::OK
    );
    assert_eq!(app.metric(&counted("card")).await?, 2);
    // Thirty minutes later, the same customer counts again.
    app.clock.advance(Span::minutes(30));
    let again = client_from(customer(78))?;
    assert_eq!(
        app.report_from(&again, "card", "ko").await?.status(),
        StatusCode::OK
    );
    assert_eq!(app.metric(&counted("card")).await?, 3);
    Ok(())
}

/// What the public sees, byte for byte, with the ETags.
async fn public_surface(app: &TestApp) -> TestResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for path in [
        "/",
        "/?lang=en",
        "/api/v2/summary.json",
        "/api/v2/components.json",
        "/history.rss",
        "/widget",
    ] {
        let r = app.get(path).await?;
        let etag = header(&r, "etag");
        out.push((path.to_string(), etag, r.text().await?));
    }
    Ok(out)
}

#[tokio::test]
async fn reports_and_their_spike_change_nothing_public() -> TestResult {
    let app = spawn_app().await;
    let before = public_surface(&app).await?;
    let builds = app.metric("paystatus_snapshot_builds_total").await?;
    app.customers_report("card", 30).await?;
    assert_eq!(app.metric(&spike("card")).await?, 1);
    assert_eq!(
        app.metric("paystatus_snapshot_builds_total").await?,
        builds,
        "no report published a snapshot"
    );
    assert_eq!(public_surface(&app).await?, before);
    // Not at the next rebuild either.
    app.tick().await?;
    assert_eq!(public_surface(&app).await?, before);
    assert_eq!(app.component_status("card").await?, "operational");
    assert!(items(&app.list_incidents().await?).is_empty());
    assert!(
        items(&app.list_audit().await?)
            .iter()
            .all(|e| !e.to_string().contains("report")),
        "reports are anonymous and not audited"
    );
    Ok(())
}

#[tokio::test]
async fn the_page_offers_one_report_button_per_channel_in_its_language() -> TestResult {
    let app = spawn_app().await;
    for (path, lang, heading) in [
        ("/", "ko", "결제가 안 되나요?"),
        ("/?lang=en", "en", "Payment not going through?"),
    ] {
        let page = app.get_page(path).await?;
        assert_eq!(page.text("section.report h2")?, heading);
        let form = page.select("form[method=post][action=\"/report\"]")?;
        assert_eq!(form.len(), 1, "{path}");
        let hidden: Vec<&str> = page
            .select("form[action=\"/report\"] input[type=hidden][name=lang]")?
            .iter()
            .filter_map(|i| i.value().attr("value"))
            .collect();
        assert_eq!(hidden, [lang]);
        let channels: Vec<&str> = page
            .select("form[action=\"/report\"] button[name=component]")?
            .iter()
            .filter_map(|b| b.value().attr("value"))
            .collect();
        assert_eq!(
            channels,
            [
                "card",
                "bank-transfer",
                "virtual-account",
                "mobile",
                "kakaopay",
                "naverpay",
                "tosspay",
                "payco"
            ]
        );
    }
    let page = app.get_page("/").await?;
    let first = page.texts("form[action=\"/report\"] button")?;
    assert_eq!(
        first[0], "신용·체크카드: 결제 실패 알리기",
        "named for the channel"
    );
    Ok(())
}

#[tokio::test]
async fn the_answer_shows_the_channels_status_and_what_works_now_in_both_languages() -> TestResult {
    let app = spawn_app().await;
    app.create_incident_ok(&card_outage()).await?;
    let me = client_from(customer(5))?;

    let r = app.report_from(&me, "card", "ko").await?;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), "no-store");
    let page = Page::from_response(r).await?;
    assert_eq!(page.lang()?, "ko");
    assert_eq!(page.text("h1")?, "알려 주셔서 감사합니다");
    assert_eq!(page.text("#reported ~ p.channel .badge")?, "✕ 장애");
    let notices = page.notices()?;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].title, "카드 결제 승인 지연");
    assert_eq!(notices[0].fact("예상 복구"), Some("14:45 (약 40분 후)"));
    let working = page.texts("ul.working li")?;
    assert_eq!(
        working[..2],
        [
            "계좌이체 — 주문서에서 '계좌이체'를 선택해 주세요",
            "카카오페이 — 카카오페이로 결제하시면 바로 완료됩니다",
        ],
        "the notice's alternatives first: {working:?}"
    );
    assert!(
        !working.iter().any(|w| w.contains("신용·체크카드")),
        "{working:?}"
    );
    assert_eq!(working.len(), 7, "every other channel works: {working:?}");

    // In English, and for a channel that works: nothing known, everything else listed.
    let r = app.report_from(&me, "kakaopay", "en").await?;
    assert_eq!(r.status(), StatusCode::OK);
    let page = Page::from_response(r).await?;
    assert_eq!(page.lang()?, "en");
    assert_eq!(page.text("h1")?, "Thank you for letting us know");
    assert_eq!(
        page.text("#reported ~ p.channel")?,
        "KakaoPay ✓ Operational"
    );
    assert!(
        page.texts("p")?
            .contains(&"No problem is known right now.".to_string())
    );
    let working = page.texts("ul.working li")?;
    assert_eq!(
        working,
        [
            "Bank transfer",
            "Virtual account",
            "Mobile billing",
            "Naver Pay",
            "Toss Pay",
            "PAYCO"
        ],
        "the card is down, so it is not offered: {working:?}"
    );

    // English from the browser's language when the form does not say.
    let r = me
        .post(format!("{}/report", app.address))
        .header(ORIGIN, &app.address)
        .header("Accept-Language", "en-US,en;q=0.9")
        .form(&[("component", "card")])
        .send()
        .await?;
    let page = Page::from_response(r).await?;
    assert_eq!(page.text("#reported ~ p.channel .badge")?, "✕ Outage");
    Ok(())
}

#[tokio::test]
async fn unknown_channels_and_other_sites_are_refused_in_words_and_count_nothing() -> TestResult {
    let app = spawn_app().await;
    let me = client_from(customer(9))?;
    for (component, status) in [
        ("no-such-channel", StatusCode::NOT_FOUND),
        ("easy-pay", StatusCode::NOT_FOUND),
        ("Not A Slug!", StatusCode::UNPROCESSABLE_ENTITY),
        ("", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = app.report_from(&me, component, "ko").await?;
        assert_eq!(r.status(), status, "{component:?}");
        let page = Page::from_response(r).await?;
        assert_eq!(
            page.text("h1")?,
            "알 수 없는 결제 수단입니다",
            "{component:?}"
        );
    }
    let r = app.report_from(&me, "no-such-channel", "en").await?;
    assert_eq!(
        Page::from_response(r).await?.text("h1")?,
        "Unknown payment method"
    );

    // Another site's form, by its Origin or by what the browser says of it.
    let forged = me
        .post(format!("{}/report", app.address))
        .header(ORIGIN, "https://evil.example")
        .form(&[("component", "card")])
        .send()
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let page = Page::from_response(forged).await?;
    assert_eq!(
        page.text("h1")?,
        "이 양식은 상태 페이지에서만 보낼 수 있습니다"
    );
    let forged = me
        .post(format!("{}/report", app.address))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("component", "card")])
        .send()
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.metric(&counted("card")).await?, 0);

    // A client that sends neither (not a browser) is taken: anyone may report anyway.
    let plain = me
        .post(format!("{}/report", app.address))
        .form(&[("component", "card")])
        .send()
        .await?;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(app.metric(&counted("card")).await?, 1);
    Ok(())
}

#[tokio::test]
async fn the_console_dashboard_shows_a_spike_at_the_top_until_it_is_over() -> TestResult {
    let app = spawn_app().await;
    app.add_person("viewer@example.com", Role::Viewer)?;
    let who = app.sign_in("viewer@example.com").await?;
    let dashboard = async |app: &TestApp| -> TestResult<Page> {
        Page::from_response(app.console_get(&who.cookie, "/console").await?).await
    };
    assert_eq!(dashboard(&app).await?.count("section.alert")?, 0);

    app.customers_report("card", 22).await?;
    let page = dashboard(&app).await?;
    let alert = page.text("main > section.alert")?;
    assert!(alert.contains("고객 결제 실패 신고 급증"), "{alert}");
    assert!(
        alert.contains(
            "신용·체크카드: 최근 5분 동안 고객 22명이 결제 실패를 알렸습니다 (평소 5분에 1명 미만) · 14:05부터"
        ),
        "{alert}"
    );
    let first_section = page.select("main > section")?;
    assert_eq!(
        first_section.first().and_then(|s| s.value().attr("class")),
        Some("alert"),
        "before everything else"
    );

    app.advance_and_tick(Span::minutes(5)).await?;
    assert_eq!(dashboard(&app).await?.count("section.alert")?, 0);
    Ok(())
}
