//! The console over HTTP: what its cookie promises, sessions that end when they should,
//! a login throttled before its password is tried, and forms refused when forged.

use flate2::Compression;
use flate2::write::GzEncoder;
use paystatus::domain::Role;
use paystatus::service::{self, Ctx, Who, people};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, ORIGIN, RETRY_AFTER, SET_COOKIE};
use std::io::Write;

use crate::helpers::{TestApp, TestResult, incident_titled, spawn_app, spawn_app_configured};

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in person: their session cookie and the token their forms carry.
pub struct Operator {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    pub fn add_person(&self, email: &str, role: Role) -> TestResult {
        let hash = people::hash_new_password(PASSWORD)?;
        let ctx = Ctx::at(chrono::Utc::now(), Who::cli());
        self.handle().store().write_blocking(|tx| {
            service::execute(tx, &ctx, |tx, ctx| {
                people::create_person(tx, ctx, email, role, &hash)
            })
        })?;
        Ok(())
    }

    pub async fn try_sign_in(&self, email: &str, password: &str) -> TestResult<reqwest::Response> {
        Ok(self
            .client
            .post(format!("{}/console/login", self.address))
            .header(ORIGIN, &self.address)
            .form(&[("email", email), ("password", password)])
            .send()
            .await?)
    }

    pub async fn sign_in(&self, email: &str) -> TestResult<Operator> {
        let r = self.try_sign_in(email, PASSWORD).await?;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed in");
        let cookie = session_cookie(r.headers()).ok_or("no session cookie")?;
        let page = self.console_get(&cookie, "/console").await?.text().await?;
        let csrf = page
            .split(r#"name="csrf" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or("no CSRF token on the dashboard")?
            .to_string();
        Ok(Operator { cookie, csrf })
    }

    pub async fn console_get(&self, cookie: &str, path: &str) -> TestResult<reqwest::Response> {
        Ok(self
            .client
            .get(format!("{}{path}", self.address))
            .header("cookie", cookie)
            .send()
            .await?)
    }

    /// Posts a console form as the browser would (same origin, the session's token).
    pub async fn console_post(
        &self,
        who: &Operator,
        path: &str,
        fields: &[(&str, &str)],
    ) -> TestResult<reqwest::Response> {
        let mut form: Vec<(&str, &str)> = vec![("csrf", &who.csrf)];
        form.extend_from_slice(fields);
        Ok(self
            .client
            .post(format!("{}{path}", self.address))
            .header("cookie", &who.cookie)
            .header(ORIGIN, &self.address)
            .form(&form)
            .send()
            .await?)
    }
}

/// `paystatus_console=…` from a login's answer.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("paystatus_console="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn signed_out(r: &reqwest::Response) -> bool {
    r.status() == StatusCode::SEE_OTHER
        && r.headers().get(LOCATION).and_then(|v| v.to_str().ok()) == Some("/console/login")
}

#[tokio::test]
async fn the_session_cookie_is_out_of_scripts_reach_and_scoped_to_the_console() -> TestResult {
    let app = spawn_app().await;
    app.add_person("duty@example.com", Role::Editor)?;
    let r = app.try_sign_in("duty@example.com", PASSWORD).await?;
    let cookie = set_cookie(&r);
    for part in ["HttpOnly", "SameSite=Lax", "Path=/console"] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "http base URL: {cookie}");
    assert!(!cookie.contains(PASSWORD));

    let https =
        spawn_app_configured(|c| c.base_url = Some("https://status.example.com".into())).await;
    https.add_person("duty@example.com", Role::Editor)?;
    let r = https
        .client
        .post(format!("{}/console/login", https.address))
        .header(ORIGIN, "https://status.example.com")
        .form(&[("email", "duty@example.com"), ("password", PASSWORD)])
        .send()
        .await?;
    assert!(
        set_cookie(&r).contains("Secure"),
        "https base URL: {}",
        set_cookie(&r)
    );
    Ok(())
}

#[tokio::test]
async fn sessions_end_at_logout_after_the_idle_limit_and_each_login_is_new() -> TestResult {
    let app = spawn_app().await;
    app.add_person("duty@example.com", Role::Editor)?;
    let first = app.sign_in("duty@example.com").await?;
    let second = app.sign_in("duty@example.com").await?;
    assert_ne!(
        first.cookie, second.cookie,
        "a login never reuses a session"
    );

    let r = app.console_post(&first, "/console/logout", &[]).await?;
    assert!(signed_out(&r), "logged out: {}", r.status());
    assert!(signed_out(
        &app.console_get(&first.cookie, "/console").await?
    ));
    let still = app.console_get(&second.cookie, "/console").await?;
    assert_eq!(still.status(), StatusCode::OK, "the other session lives on");

    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(
        app.console_get(&second.cookie, "/console").await?.status(),
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(
        app.console_get(&second.cookie, "/console").await?.status(),
        StatusCode::OK,
        "use keeps it alive"
    );
    app.clock.advance(chrono::Duration::minutes(31));
    assert!(
        signed_out(&app.console_get(&second.cookie, "/console").await?),
        "idle too long"
    );
    Ok(())
}

#[tokio::test]
async fn failed_logins_are_throttled_and_a_throttled_login_is_not_even_tried() -> TestResult {
    let app = spawn_app_configured(|c| c.login_failure_burst = 3).await;
    app.add_person("duty@example.com", Role::Editor)?;
    for _ in 0..3 {
        let r = app
            .try_sign_in("duty@example.com", "wrong password, wrong")
            .await?;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(
            r.text()
                .await?
                .contains("이메일 또는 비밀번호가 맞지 않습니다")
        );
    }
    let r = app
        .try_sign_in("duty@example.com", "wrong password, wrong")
        .await?;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(RETRY_AFTER));
    let r = app.try_sign_in("duty@example.com", PASSWORD).await?;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right password too, for now"
    );
    assert!(set_cookie(&r).is_empty(), "no session while throttled");
    Ok(())
}

#[tokio::test]
async fn a_form_without_the_token_or_from_another_origin_changes_nothing() -> TestResult {
    let app = spawn_app().await;
    app.add_person("duty@example.com", Role::Editor)?;
    let who = app.sign_in("duty@example.com").await?;
    let change = [("status", "major_outage")];
    let path = "/console/components/card/status";

    let forged = Operator {
        cookie: who.cookie.clone(),
        csrf: "guessed".into(),
    };
    let no_token = app.console_post(&forged, path, &change).await?;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert!(
        no_token
            .text()
            .await?
            .contains("아무것도 바뀌지 않았습니다")
    );

    let other_site = app
        .client
        .post(format!("{}{path}", app.address))
        .header("cookie", &who.cookie)
        .header(ORIGIN, "https://evil.example")
        .form(&[("csrf", who.csrf.as_str()), ("status", "major_outage")])
        .send()
        .await?;
    assert_eq!(other_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.component_status("card").await?,
        "operational",
        "nothing changed"
    );

    let real = app.console_post(&who, path, &change).await?;
    assert_eq!(real.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.component_status("card").await?, "major_outage");
    Ok(())
}

#[tokio::test]
async fn console_pages_are_never_cached_nor_framed_and_stay_small() -> TestResult {
    let app = spawn_app().await;
    app.add_person("duty@example.com", Role::Admin)?;
    for n in 0..10 {
        app.create_incident_ok(&incident_titled(&format!("휴대폰 결제 장애 {n}")))
            .await?;
    }
    let who = app.sign_in("duty@example.com").await?;
    for path in ["/console", "/console/incidents/new", "/console/login"] {
        let r = app.console_get(&who.cookie, path).await?;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let h = r.headers().clone();
        assert_eq!(h["cache-control"], "no-store", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()?
                .contains("frame-ancestors 'none'")
        );
        let body = r.bytes().await?;
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(&body)?;
        let size = gz.finish()?.len();
        assert!(size <= 50 * 1024, "{path} is {size} bytes gzipped");
    }
    Ok(())
}
