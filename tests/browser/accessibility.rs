//! axe-core (pinned; `bash .ci/run` fetches it into `.ci/axe`) on the console and the
//! public pages (the answer to a customer's report too): no serious or critical WCAG 2.2
//! AA violation on any of them.

use paystatus::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestResult, World, card_outage};

/// The axe-core source: `$AXE_CORE`, else `.ci/axe/axe.min.js`.
fn axe_source() -> TestResult<String> {
    let path = std::env::var("AXE_CORE")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/axe/axe.min.js").to_string());
    std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "axe-core is not at {path} ({e}): run `bash .ci/run` (it fetches it), or set AXE_CORE"
        )
        .into()
    })
}

const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
  .then((r) => done(r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '))))
  .catch((e) => done(['axe could not run: ' + e]));
"#;

impl World {
    /// Types `keys` into whatever has the focus.
    async fn keys(&self, keys: &str) -> TestResult {
        self.browser.active_element().await?.send_keys(keys).await?;
        Ok(())
    }

    /// The serious and critical violations axe finds on the page open now.
    async fn violations(&self, axe: &str) -> TestResult<Vec<String>> {
        self.browser.execute(axe, vec![]).await?;
        let found: Value = self.browser.execute_async(RUN_AXE, vec![]).await?;
        Ok(serde_json::from_value(found)?)
    }
}

#[tokio::test]
async fn no_console_or_public_page_has_a_serious_accessibility_violation() -> TestResult {
    let axe = axe_source()?;
    let w = World::start().await?;
    // First, that the checker sees a known problem: an unlabelled field, an image without text.
    let bad = w.page(
        "bad",
        r#"<input id="card-number"><img src="/logo.png">"#,
        None,
    );
    w.open(&bad).await?;
    let seen = w.violations(&axe).await?;
    assert!(
        seen.iter().any(|v| v.starts_with("label"))
            && seen.iter().any(|v| v.starts_with("image-alt")),
        "axe must flag the known problems: {seen:?}"
    );
    w.person("admin@example.com", Role::Admin)?;
    let id = w.post_incident(card_outage("카드 결제 장애")).await?;
    // Uptime rows with days of every kind of bar: a partial outage announced late, over
    // two days and resolved, next to today's card outage.
    let past = w
        .post_incident(json!({
            "title": "카카오페이 일부 실패",
            "message": "카카오페이 결제가 일부 실패하고 있습니다.",
            "components": { "kakaopay": "partial_outage" },
            "started_at": "2026-11-23T10:00"
        }))
        .await?;
    let resolved = json!({ "status": "resolved", "message": "복구되었습니다." });
    w.admin(
        Method::POST,
        &format!("/incidents/{past}/updates"),
        &resolved,
    )
    .await?;
    // An alert linked to the incident, resolved: the console lists it next to the
    // incident with the update it suggests.
    for state in ["firing", "resolved"] {
        let alert = json!({ "version": "4", "status": state, "alerts": [{
            "status": state, "fingerprint": "a11y",
            "labels": { "alertname": "CardApprovalErrors", "paystatus_component": "card" },
            "annotations": { "summary": "Card approvals are failing" } }] });
        w.admin(Method::POST, "/integrations/alertmanager", &alert)
            .await?;
    }
    // A webhook turned off, with a test event queued: the flag and a delivery are shown.
    let hook = w
        .admin(
            Method::POST,
            "/webhooks",
            &json!({ "url": "https://hooks.example.com/paystatus" }),
        )
        .await?;
    let hook = hook["id"].as_str().ok_or("no webhook id")?.to_string();
    let off = json!({ "enabled": false });
    w.admin(Method::PATCH, &format!("/webhooks/{hook}"), &off)
        .await?;
    w.admin(Method::POST, &format!("/webhooks/{hook}/test"), &json!({}))
        .await?;
    let mut pages = vec![
        format!("{}/", w.status),
        format!("{}/?lang=en", w.status),
        format!("{}/history", w.status),
        format!("{}/history/2026-11-24", w.status),
        format!("{}/incidents/{id}", w.status),
        format!("{}/console/login", w.status),
    ];
    let mut found = Vec::new();
    for url in &pages {
        w.open(url).await?;
        found.extend(
            w.violations(&axe)
                .await?
                .into_iter()
                .map(|v| format!("{url}: {v}")),
        );
    }
    // The answer to a customer's report, as the page's own button sends it (no script).
    w.open(&format!("{}/?lang=ko", w.status)).await?;
    w.submit("button[name=component][value=card]").await?;
    let heading = w
        .browser
        .find(fantoccini::Locator::Css("h1"))
        .await?
        .text()
        .await?;
    assert_eq!(
        heading, "알려 주셔서 감사합니다",
        "the report was taken, in the page's language"
    );
    found.extend(
        w.violations(&axe)
            .await?
            .into_iter()
            .map(|v| format!("the answer to a report: {v}")),
    );
    w.sign_in("admin@example.com").await?;
    pages = vec![
        format!("{}/console", w.status),
        format!("{}/console/incidents/{id}", w.status),
        format!("{}/console/incidents/{id}/report", w.status),
        format!("{}/console/maintenances/new", w.status),
        format!("{}/console/components", w.status),
        format!("{}/console/templates", w.status),
        format!("{}/console/templates/new", w.status),
        format!("{}/console/templates/card-approval-delay", w.status),
        format!("{}/console/people", w.status),
        format!("{}/console/keys", w.status),
        format!("{}/console/audit", w.status),
        format!("{}/console/subscribers", w.status),
        format!("{}/console/webhooks", w.status),
        format!("{}/console/webhooks/{hook}", w.status),
        // Last: the preview below is asked for from this form.
        format!(
            "{}/console/incidents/new?template=card-approval-delay&eta_in=60",
            w.status
        ),
    ];
    for url in &pages {
        w.open(url).await?;
        found.extend(
            w.violations(&axe)
                .await?
                .into_iter()
                .map(|v| format!("{url}: {v}")),
        );
    }
    // The preview, as the form shows it.
    w.submit("button[value=preview]").await?;
    found.extend(
        w.violations(&axe)
            .await?
            .into_iter()
            .map(|v| format!("preview: {v}")),
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
    w.finish().await
}

#[tokio::test]
async fn the_console_works_from_the_keyboard_alone() -> TestResult {
    use fantoccini::key::Key;
    let w = World::start_with(crate::helpers::Scripts::Off).await?;
    w.person("admin@example.com", Role::Editor)?;
    w.open(&format!("{}/console/login", w.status)).await?;
    // Tab past the skip link, the console's name and the language link to the email field.
    let tab = Key::Tab.to_string();
    let mut tabs = 0;
    while w
        .browser
        .active_element()
        .await?
        .attr("name")
        .await?
        .as_deref()
        != Some("email")
    {
        tabs += 1;
        assert!(tabs <= 6, "Tab never reaches the email field");
        w.keys(&tab).await?;
    }
    w.keys("admin@example.com").await?;
    w.keys(&tab).await?;
    w.keys(&format!("{}{}", crate::console::PASSWORD, Key::Enter))
        .await?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while w.browser.current_url().await?.path() != "/console" {
        if tokio::time::Instant::now() > deadline {
            return Err("Enter in the login form did not sign in".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    w.finish().await
}
