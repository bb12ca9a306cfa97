//! The operators' console in a browser that runs no scripts at all: the whole outage,
//! from signing in to the history, with forms alone; and the refusals: an overdue
//! promise flagged, a forged form from another site, a viewer, a disabled person.

use fantoccini::Locator;
use paystatus::domain::Role;
use paystatus::service::{self, Ctx, Who, people};
use serde_json::Value;

use crate::helpers::{Scripts, TestResult, World, card_outage};

pub const PASSWORD: &str = "correct horse battery staple";

impl World {
    /// Adds a person who can sign in to the console.
    pub fn person(&self, email: &str, role: Role) -> TestResult {
        let hash = people::hash_new_password(PASSWORD)?;
        let ctx = Ctx::at(chrono::Utc::now(), Who::cli());
        let email = email.to_string();
        self.handle.store().write_blocking(|tx| {
            service::execute(tx, &ctx, |tx, ctx| {
                people::create_person(tx, ctx, &email, role, &hash)
            })
        })?;
        Ok(())
    }

    pub async fn sign_in(&self, email: &str) -> TestResult {
        self.open(&format!("{}/console/login", self.status)).await?;
        let b = &self.browser;
        b.find(Locator::Css("input[name=email]"))
            .await?
            .send_keys(email)
            .await?;
        b.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        self.submit("form.stack button[type=submit]").await?;
        self.expect_path("/console").await
    }

    /// Waits (a click does not wait for the answer to a form) until the browser is at `path`.
    async fn expect_path(&self, path: &str) -> TestResult {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let url = self.browser.current_url().await?;
            if url.path() == path && self.loaded().await? {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                let page = self.browser.source().await?;
                return Err(format!("expected {path}, at {url}: {}", excerpt(&page)).into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Whether the page has been read to its end (the frame's last element is there).
    async fn loaded(&self) -> TestResult<bool> {
        Ok(self.browser.source().await?.contains("</main>"))
    }

    /// Clicks a button that submits a form, and waits for the answer to load.
    pub async fn submit(&self, css: &str) -> TestResult {
        let before = self.browser.find(Locator::Css("html")).await?;
        self.click(css).await?;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        // The old document's element goes stale once the new one replaces it.
        while before.tag_name().await.is_ok() {
            if tokio::time::Instant::now() > deadline {
                return Err(format!("clicking {css} loaded no new page").into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while !self.loaded().await? {
            if tokio::time::Instant::now() > deadline {
                return Err(format!("the page after {css} did not finish loading").into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(())
    }

    pub async fn click(&self, css: &str) -> TestResult {
        self.browser.find(Locator::Css(css)).await?.click().await?;
        Ok(())
    }

    pub async fn select(&self, css: &str, value: &str) -> TestResult {
        self.browser
            .find(Locator::Css(css))
            .await?
            .select_by_value(value)
            .await?;
        Ok(())
    }

    pub async fn type_into(&self, css: &str, text: &str) -> TestResult {
        let field = self.browser.find(Locator::Css(css)).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    async fn source(&self) -> TestResult<String> {
        Ok(self.browser.source().await?)
    }

    async fn public(&self, path: &str) -> TestResult<String> {
        Ok(self
            .http
            .get(format!("{}{path}", self.status))
            .send()
            .await?
            .text()
            .await?)
    }
}

/// The main text of a page, for failure messages.
fn excerpt(html: &str) -> String {
    let start = html.find("<main").unwrap_or(0);
    html[start..].chars().take(1500).collect()
}

#[tokio::test]
async fn without_scripts_an_outage_is_posted_updated_and_resolved_from_the_console() -> TestResult {
    let w = World::start_with(Scripts::Off).await?;
    w.person("duty@example.com", Role::Editor)?;
    w.sign_in("duty@example.com").await?;

    // Step 1: from the dashboard to the form, filled from a template with an ETA.
    w.click("a.button.primary").await?;
    w.expect_path("/console/incidents/new").await?;
    w.select("#template", "card-approval-delay").await?;
    w.select("#template-eta", "60").await?;
    w.submit("form.template-pick button").await?;
    let form = w.source().await?;
    assert!(form.contains("카드 결제 승인 지연"), "{}", excerpt(&form));
    assert!(
        form.contains(r#"name="alternative" value="bank-transfer" checked"#),
        "a working fallback of the card is ticked: {}",
        excerpt(&form)
    );

    // Step 2: preview, both languages, nothing public yet.
    w.submit("button[value=preview]").await?;
    let preview = w.source().await?;
    assert!(
        preview.contains("고객에게 보일 모습"),
        "{}",
        excerpt(&preview)
    );
    assert!(
        preview.contains("Card payments are slow"),
        "{}",
        excerpt(&preview)
    );
    assert!(!w.public("/").await?.contains("카드 결제 승인 지연"));

    // Step 3: publish.
    w.submit("button[value=publish]").await?;
    let url = w.browser.current_url().await?;
    let id = url
        .path()
        .strip_prefix("/console/incidents/")
        .ok_or_else(|| format!("not on the incident's page: {url}"))?
        .to_string();
    let page = w.public("/").await?;
    assert!(
        page.contains("카드 결제 승인 지연"),
        "the public page shows it"
    );
    let notice: Value =
        serde_json::from_str(&w.public(&format!("/api/v2/incidents/{id}.json")).await?)?;
    let eta = notice["incident"]["eta"].clone();
    assert!(eta.is_string(), "published with an ETA: {notice}");

    // An update that moves the ETA.
    w.select("#status", "identified").await?;
    w.type_into("#message_ko", "원인을 찾았습니다. 카드사와 복구 중입니다.")
        .await?;
    w.select("#eta_in", "120").await?;
    w.submit("form[action$='/updates'] button.primary").await?;
    w.expect_path(&format!("/console/incidents/{id}")).await?;
    let notice: Value =
        serde_json::from_str(&w.public(&format!("/api/v2/incidents/{id}.json")).await?)?;
    assert_eq!(notice["incident"]["status"], "identified", "{notice}");
    assert_ne!(notice["incident"]["eta"], eta, "the ETA moved: {notice}");

    // Resolved, with the apology the form offers; then it is history.
    w.submit("#resolve + form button").await?;
    let history = w.public("/history").await?;
    assert!(
        history.contains("카드 결제 승인 지연"),
        "resolved into the history"
    );
    let notice: Value =
        serde_json::from_str(&w.public(&format!("/api/v2/incidents/{id}.json")).await?)?;
    assert_eq!(notice["incident"]["status"], "resolved");
    w.finish().await
}

#[tokio::test]
async fn a_promised_update_that_is_late_is_flagged_on_the_dashboard() -> TestResult {
    let w = World::start_with(Scripts::Off).await?;
    w.person("duty@example.com", Role::Viewer)?;
    let mut outage = card_outage("카드 결제 장애");
    outage["next_update_in_minutes"] = 20.into();
    w.post_incident(outage).await?;
    w.sign_in("duty@example.com").await?;
    let before = w.source().await?;
    assert!(before.contains("남은 시간"), "{}", excerpt(&before));
    assert!(!before.contains("늦음"), "not late yet");
    w.clock.advance(chrono::Duration::minutes(25));
    w.open(&format!("{}/console", w.status)).await?;
    let after = w.source().await?;
    assert!(
        after.contains("늦음: 약속한 업데이트 시각이 지났습니다"),
        "{}",
        excerpt(&after)
    );
    assert!(
        after.contains(r#"class="notice overdue""#),
        "marked, not by colour alone"
    );
    w.finish().await
}

#[tokio::test]
async fn a_form_from_another_site_changes_nothing() -> TestResult {
    let w = World::start().await?;
    w.person("duty@example.com", Role::Editor)?;
    w.sign_in("duty@example.com").await?;
    // A page on the merchant's origin posting to the console with a guessed token.
    let forged = format!(
        r#"<form id="f" method="post" action="{}/console/incidents/new">
           <input name="csrf" value="guessed"><input name="title_ko" value="가짜 장애">
           <input name="message_ko" value="가짜"><input name="component.card" value="major_outage">
           <input name="action" value="publish"><button id="go">go</button></form>"#,
        w.status
    );
    let url = w.page("forged", &forged, None);
    w.open(&url).await?;
    w.submit("#go").await?;
    let answer = w.source().await?;
    assert!(!answer.contains("가짜 장애"), "{}", excerpt(&answer));
    let summary = w.public("/api/v2/summary.json").await?;
    assert!(
        !summary.contains("가짜"),
        "nothing was published: {summary}"
    );
    assert!(summary.contains(r#""status":"operational""#));
    w.finish().await
}

#[tokio::test]
async fn a_viewer_reads_but_cannot_write_and_a_disabled_person_is_signed_out_at_once() -> TestResult
{
    let w = World::start_with(Scripts::Off).await?;
    w.person("viewer@example.com", Role::Viewer)?;
    w.sign_in("viewer@example.com").await?;
    w.open(&format!("{}/console/incidents/new", w.status))
        .await?;
    let refused = w.source().await?;
    assert!(
        refused.contains("이 계정의 역할로는 할 수 없는 일입니다"),
        "{}",
        excerpt(&refused)
    );

    let ctx = Ctx::at(chrono::Utc::now(), Who::cli());
    w.handle.store().write_blocking(|tx| {
        service::execute(tx, &ctx, |tx, ctx| {
            people::disable_person(tx, ctx, "viewer@example.com")
        })
    })?;
    w.open(&format!("{}/console", w.status)).await?;
    w.expect_path("/console/login").await?;
    w.finish().await
}

#[tokio::test]
async fn a_drill_goes_through_the_console_and_reaches_no_public_document() -> TestResult {
    let w = World::start_with(Scripts::Off).await?;
    w.person("duty@example.com", Role::Editor)?;
    w.sign_in("duty@example.com").await?;
    w.open(&format!(
        "{}/console/incidents/new?template=easy-pay-outage",
        w.status
    ))
    .await?;
    w.type_into("#title_ko", "훈련: 간편결제 장애 DRILL-7731")
        .await?;
    w.click("#drill").await?;
    w.submit("button[value=publish]").await?;
    let page = w.source().await?;
    assert!(
        page.contains(r#"class="tag drill""#),
        "marked as a drill: {}",
        excerpt(&page)
    );
    w.submit("#resolve + form button").await?;
    for path in [
        "/",
        "/history",
        "/history.rss",
        "/api/v2/summary.json",
        "/api/v2/incidents.json",
    ] {
        let body = w.public(path).await?;
        assert!(!body.contains("DRILL-7731"), "{path} shows the drill");
    }
    let summary = w.public("/api/v2/summary.json").await?;
    assert!(!summary.contains("outage"), "no channel changed: {summary}");
    w.finish().await
}
