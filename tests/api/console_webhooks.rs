//! The console's webhooks page, driven as a browser without script would: an admin adds
//! an endpoint (its secret shown once), rotates the secret, sends a test event, turns it
//! off and on and deletes it; what each did is checked in the admin API. Editors are
//! refused.

use paystatus::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::console_admin::browser::*;
use crate::helpers::*;

async fn endpoints(app: &TestApp) -> TestResult<Vec<Value>> {
    let r = app.admin(Method::GET, "/webhooks").send().await?;
    Ok(items(&expect_json(r, StatusCode::OK).await?).to_vec())
}

/// Posts a form whose answer is a secret, shown this once: the secret.
async fn secret_from(
    b: &Browser<'_>,
    path: &str,
    fields: &[(&str, &str)],
    status: StatusCode,
) -> TestResult<String> {
    let r = b.post(path, fields).await?;
    assert_eq!(r.status(), status, "POST {path}");
    assert_eq!(header(&r, "cache-control"), "no-store");
    let page = Page::from_response(r).await?;
    assert_accessible(&page, path)?;
    let secret = value(&page, "#secret")?;
    assert!(secret.starts_with("whsec_"), "{secret}");
    Ok(secret)
}

/// The list page's row of the endpoint, in words.
async fn row(b: &Browser<'_>, id: &str) -> TestResult<String> {
    let page = open(b, "/console/webhooks").await?;
    Ok(page.texts(&format!("#webhook-{id}"))?.join(" "))
}

#[tokio::test]
async fn an_admin_adds_rotates_tests_disables_and_deletes_a_webhook_in_the_console() -> TestResult {
    let app = spawn_app().await;
    person(&app, "kim@example.com", Role::Admin).await?;
    let kim = sign_in(&app, "kim@example.com").await?;
    let page = open(&kim, "/console/webhooks").await?;
    assert_eq!(value(&page, "#lang option[selected]")?, "ko");

    // Refused in the admin API's words; the form is kept.
    let bad = [
        ("url", "ftp://hooks.example.com/"),
        ("event", "incident.created"),
    ];
    let page = kim
        .post_refused("/console/webhooks", &bad, StatusCode::UNPROCESSABLE_ENTITY)
        .await?;
    assert!(page.texts(".problems li")?.join(" ").contains("url"));
    assert_eq!(value(&page, "#url")?, "ftp://hooks.example.com/");
    assert_eq!(page.count("#event-incident\\.created[checked]")?, 1);
    assert!(endpoints(&app).await?.is_empty());

    let add = [
        ("url", "https://hooks.example.com/paystatus"),
        ("format", "slack"),
        ("lang", "en"),
        ("event", "incident.created"),
        ("event", "incident.resolved"),
        ("component", "card"),
    ];
    let secret = secret_from(&kim, "/console/webhooks", &add, StatusCode::CREATED).await?;
    let every = [("url", "https://hooks.example.com/all")];
    secret_from(&kim, "/console/webhooks", &every, StatusCode::CREATED).await?;
    let listed = endpoints(&app).await?;
    let url_is = |url: &str| listed.iter().find(|w| w["url"] == json!(url));
    let made = url_is("https://hooks.example.com/paystatus").ok_or("not listed")?;
    assert_eq!(made["format"], json!("slack"), "{made}");
    assert_eq!(made["lang"], json!("en"));
    assert_eq!(
        made["events"],
        json!(["incident.created", "incident.resolved"])
    );
    assert_eq!(made["components"], json!(["card"]));
    let all = url_is("https://hooks.example.com/all").ok_or("not listed")?;
    assert_eq!(all["events"], json!(null), "none ticked: every event");
    assert_eq!(all["lang"], json!("ko"), "the page's language");
    let id = string(&made["id"])?;
    let listing = kim.get("/console/webhooks").await?.text().await?;
    assert!(!listing.contains(&secret), "the secret is shown only once");
    let said = row(&kim, &id).await?;
    assert!(
        said.contains("장애 복구") && said.contains("slack"),
        "{said}"
    );

    let rotate = format!("/console/webhooks/{id}/rotate");
    let rotated = secret_from(&kim, &rotate, &[], StatusCode::OK).await?;
    assert_ne!(rotated, secret);
    let listing = kim.get("/console/webhooks").await?.text().await?;
    assert!(!listing.contains(&rotated));

    let at = kim
        .post_ok(&format!("/console/webhooks/{id}/test"), &[])
        .await?;
    assert_eq!(at, format!("/console/webhooks/{id}"));
    let page = open(&kim, &at).await?;
    assert!(
        page.texts("h2")?.join(" ").contains("webhook.test"),
        "the test event is listed"
    );

    let enabled = format!("/console/webhooks/{id}/enabled");
    kim.post_ok(&enabled, &[("enabled", "false")]).await?;
    let said = row(&kim, &id).await?;
    assert!(
        said.contains("사용 중지됨") && said.contains("kim@example.com"),
        "flagged in words, with its reason: {said}"
    );
    let off = endpoints(&app).await?;
    let off = off.iter().find(|w| w["id"] == json!(id)).ok_or("gone")?;
    assert_eq!(off["enabled"], json!(false), "{off}");
    let page = kim
        .post_refused(
            &enabled,
            &[("enabled", "maybe")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
    assert!(page.texts(".problems li")?.join(" ").contains("enabled"));
    kim.post_ok(&enabled, &[("enabled", "true")]).await?;
    assert!(!row(&kim, &id).await?.contains("사용 중지됨"));

    kim.post_ok(&format!("/console/webhooks/{id}/delete"), &[])
        .await?;
    assert_eq!(endpoints(&app).await?.len(), 1);
    let page = kim.page(&format!("/console/webhooks/{id}")).await?;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn editors_are_refused_the_webhooks_pages_and_change_nothing() -> TestResult {
    let app = spawn_app().await;
    person(&app, "lee@example.com", Role::Editor).await?;
    let lee = sign_in(&app, "lee@example.com").await?;
    let before = app.stored_state().await?;
    let cases = [
        ("GET", "/console/webhooks"),
        ("POST", "/console/webhooks"),
        ("GET", "/console/webhooks/wh_x"),
        ("POST", "/console/webhooks/wh_x/rotate"),
        ("POST", "/console/webhooks/wh_x/test"),
        ("POST", "/console/webhooks/wh_x/enabled"),
        ("POST", "/console/webhooks/wh_x/delete"),
    ];
    for (method, path) in cases {
        let r = match method {
            "GET" => lee.get(path).await?,
            _ => lee.post(path, &[("url", "https://x.example.com/")]).await?,
        };
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(app.stored_state().await?, before, "nothing changed");
    let menu = lee.page("/console").await?.texts("nav a")?.join(" ");
    assert!(!menu.contains("웹훅"), "{menu}");
    Ok(())
}
