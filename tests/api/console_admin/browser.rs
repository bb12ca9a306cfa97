//! The console as a browser without script uses it: people to sign in as, a session
//! cookie, forms posted with the session's token from our own origin; and the checks
//! every console page owes a screen reader.

use chrono::{DateTime, Utc};
use paystatus::domain::{Clock, Role};
use paystatus::service::people;
use paystatus::service::{self, Ctx, Who};
use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN};
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::helpers::*;

pub const PASSWORD: &str = "correct horse battery";

/// Adds a person through the service on the app's store, as `users create` does.
pub async fn person(app: &TestApp, email: &str, role: Role) -> TestResult {
    let hash = people::hash_new_password(PASSWORD)?;
    let (email, now) = (email.to_string(), app.clock.now());
    app.handle()
        .store()
        .write(move |tx| {
            service::execute(tx, &Ctx::at(now, Who::cli()), |tx, ctx| {
                people::create_person(tx, ctx, &email, role, &hash)
            })
        })
        .await?;
    Ok(())
}

/// A signed-in browser: its session cookie and the session's form token.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub email: String,
    cookie: String,
    csrf: String,
}

pub async fn sign_in<'a>(app: &'a TestApp, email: &str) -> TestResult<Browser<'a>> {
    let r = app
        .client
        .post(format!("{}/console/login", app.address))
        .header(ORIGIN, &app.address)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([
            ("email", email),
            ("password", PASSWORD),
        ])?)
        .send()
        .await?;
    if r.status() != StatusCode::SEE_OTHER {
        return Err(format!("{email} could not sign in: {}", r.status()).into());
    }
    let set = header(&r, "set-cookie");
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let mut b = Browser {
        app,
        email: email.to_string(),
        cookie,
        csrf: String::new(),
    };
    b.csrf = value(&b.page("/console").await?, "input[name=csrf]")?;
    Ok(b)
}

impl Browser<'_> {
    pub async fn get(&self, path: &str) -> reqwest::Result<Response> {
        self.app
            .client
            .get(format!("{}{path}", self.app.address))
            .header(COOKIE, &self.cookie)
            .send()
            .await
    }

    pub async fn page(&self, path: &str) -> TestResult<Page> {
        Page::from_response(self.get(path).await?).await
    }

    /// Posts a form as the page would: the session's token, from our own origin.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> TestResult<Response> {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        Ok(self
            .app
            .client
            .post(format!("{}{path}", self.app.address))
            .header(COOKIE, &self.cookie)
            .header(ORIGIN, &self.app.address)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&all)?)
            .send()
            .await?)
    }

    /// Posts a form and expects to be sent on (303); where to.
    pub async fn post_ok(&self, path: &str, fields: &[(&str, &str)]) -> TestResult<String> {
        let r = self.post(path, fields).await?;
        let (status, location) = (r.status(), header(&r, "location"));
        if status != StatusCode::SEE_OTHER {
            let body = r.text().await?;
            return Err(format!("POST {path}: expected 303, got {status}: {body}").into());
        }
        Ok(location)
    }

    /// Posts a form that is refused with `status`; the page that says why.
    pub async fn post_refused(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        status: StatusCode,
    ) -> TestResult<Page> {
        let page = Page::from_response(self.post(path, fields).await?).await?;
        if page.status != status {
            let said = page.texts(".problems li")?;
            return Err(format!(
                "POST {path}: expected {status}, got {}: {said:?}",
                page.status
            )
            .into());
        }
        Ok(page)
    }
}

/// The `value` of the first element `css` matches.
pub fn value(page: &Page, css: &str) -> TestResult<String> {
    page.select(css)?
        .first()
        .and_then(|e| e.attr("value"))
        .map(str::to_string)
        .ok_or_else(|| format!("nothing on the page matches `{css}` with a value").into())
}

/// What every console page owes a screen reader: a label for each control, a scope on
/// each table header, headings that skip no level.
pub fn assert_accessible(page: &Page, what: &str) -> TestResult {
    for control in page.select("input:not([type=hidden]), select, textarea")? {
        let id = control.attr("id").unwrap_or_default();
        let labels = page.count(&format!("label[for=\"{id}\"]"))?;
        assert!(
            !id.is_empty() && labels > 0,
            "{what}: unlabelled {}",
            control.html()
        );
    }
    for th in page.select("th")? {
        assert!(
            th.attr("scope").is_some(),
            "{what}: {} has no scope",
            th.html()
        );
    }
    let mut level = 0;
    for h in page.select("h1, h2, h3, h4")? {
        let this: usize = h.value().name()[1..].parse()?;
        assert!(this <= level + 1, "{what}: {} skips a level", h.html());
        level = this;
    }
    Ok(())
}

/// A signed-in page that is served, and is accessible.
pub async fn open(b: &Browser<'_>, path: &str) -> TestResult<Page> {
    let page = b.page(path).await?;
    assert_eq!(page.status, StatusCode::OK, "GET {path}");
    assert_accessible(&page, path)?;
    Ok(page)
}

pub async fn public_json(app: &TestApp, path: &str) -> TestResult<Value> {
    expect_json(app.get(path).await?, StatusCode::OK).await
}

pub fn time(v: &Value) -> TestResult<DateTime<Utc>> {
    Ok(string(v)?.parse::<DateTime<Utc>>()?)
}

pub fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("a test time")
}
