//! The hostile-text corpus (`tests/fixtures/hostile-text.json`) posted into every text
//! field an operator can fill, then read in every public view. Each payload gets its own
//! server; a twin server gets the same writes with harmless text, and every view of the
//! payload's server must equal the twin's once the payload is swapped back (see
//! `compare`). Refused payloads must be refused with a problem naming the field, with
//! nothing stored.

mod compare;

#[path = "../fixtures/hostile_text.rs"]
mod corpus;

use std::sync::Arc;

use chrono::Duration;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::helpers::*;
use compare::Swap;
use corpus::{FieldKind, Payload};

/// What the twin has wherever a payload goes.
const BENIGN: &str = "무해한 안내 문구";

/// The notices every view is addressed by.
struct Notices {
    open: String,
    resolved: String,
    upcoming: String,
    active: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Html,
    Feed,
    Json,
}

/// Every public view that shows operator text; `{open}` etc. name a notice.
fn views() -> Vec<(String, Format)> {
    let mut v: Vec<(String, Format)> = [
        "/",
        "/?lang=en",
        "/incidents/{open}",
        "/incidents/{open}?lang=en",
        "/incidents/{resolved}",
        "/incidents/{upcoming}",
        "/incidents/{active}",
        "/history",
        "/history?lang=en",
        "/embed/frame",
        "/embed/frame?lang=en",
    ]
    .into_iter()
    .map(|p| (p.to_string(), Format::Html))
    .collect();
    for lang in ["", "?lang=en"] {
        for feed in ["/history.rss", "/history.atom"] {
            v.push((format!("{feed}{lang}"), Format::Feed));
        }
        for doc in [
            "summary",
            "status",
            "components",
            "incidents",
            "incidents/unresolved",
            "scheduled-maintenances",
            "scheduled-maintenances/upcoming",
            "scheduled-maintenances/active",
            "incidents/{open}",
            "incidents/{resolved}",
            "incidents/{upcoming}",
            "incidents/{active}",
        ] {
            v.push((format!("/api/v2/{doc}.json{lang}"), Format::Json));
        }
    }
    v
}

fn address(view: &str, n: &Notices) -> String {
    view.replace("{open}", &n.open)
        .replace("{resolved}", &n.resolved)
        .replace("{upcoming}", &n.upcoming)
        .replace("{active}", &n.active)
}

/// Sends the scenario's writes, with the payload (or, for the twin, harmless text) in
/// every text field; first, in each field that must refuse the payload, the payload alone.
struct Writer<'a> {
    app: &'a TestApp,
    payload: Option<&'a Payload>,
    refusals: usize,
}

impl Writer<'_> {
    fn literal(&self, kind: FieldKind) -> String {
        match self.payload {
            Some(p) if p.accepted_in(kind) => p.json.clone(),
            _ => json!(BENIGN).to_string(),
        }
    }

    /// `body` holds `"@@field@@"` for each of `fields`, named as a refusal names them.
    async fn write(
        &mut self,
        method: Method,
        path: &str,
        body: Value,
        fields: &[(&str, FieldKind)],
    ) -> TestResult<Value> {
        if let Some(p) = self.payload {
            let refusing: Vec<&str> = fields
                .iter()
                .filter(|(_, k)| !p.accepted_in(*k))
                .map(|(f, _)| *f)
                .collect();
            if !refusing.is_empty() {
                let before = self.app.stored_state().await?;
                for field in refusing {
                    let raw = fill(&body, fields, |f, _| {
                        if f == field {
                            p.json.clone()
                        } else {
                            json!(BENIGN).to_string()
                        }
                    })?;
                    let r = self.send(method.clone(), path, raw).await?;
                    let status = StatusCode::from_u16(p.status)?;
                    expect_problem(r, status, Some(field)).await.map_err(|e| {
                        format!("{}: {method} {path} with it in `{field}`: {e}", p.name)
                    })?;
                    self.refusals += 1;
                }
                let after = self.app.stored_state().await?;
                assert_eq!(
                    before, after,
                    "{}: a refused {method} {path} changed what is stored",
                    p.name
                );
            }
        }
        let raw = fill(&body, fields, |_, k| self.literal(k))?;
        let r = self.send(method.clone(), path, raw).await?;
        let status = r.status();
        let text = r.text().await?;
        if !status.is_success() {
            let name = self.payload.map_or("twin", |p| p.name.as_str());
            return Err(format!("{name}: {method} {path} answered {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text)?)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        raw: String,
    ) -> reqwest::Result<reqwest::Response> {
        self.app
            .admin(method, path)
            .header(CONTENT_TYPE, "application/json")
            .body(raw)
            .send()
            .await
    }

    /// Components, an open incident with updates, a resolved one with a postmortem, an
    /// upcoming and an active maintenance: every text field of every writer.
    async fn scenario(&mut self) -> TestResult<Notices> {
        use FieldKind::*;
        let app = self.app;
        self.write(
            Method::POST,
            "/components",
            json!({"id": "hostile-group", "name": "@@name@@", "group": true}),
            &[("name", Title)],
        )
        .await?;
        self.write(
            Method::POST,
            "/components",
            json!({
                "id": "hostile-a", "group_id": "hostile-group", "name": "@@name@@",
                "description": {"ko": "@@description.ko@@", "en": "@@description.en@@"}
            }),
            &[
                ("name", Title),
                ("description.ko", Body),
                ("description.en", Body),
            ],
        )
        .await?;
        self.write(
            Method::POST,
            "/components",
            json!({"id": "hostile-b", "group_id": "hostile-group", "name": "새 결제 수단", "description": "@@description@@"}),
            &[("description", Body)],
        )
        .await?;
        self.write(
            Method::PATCH,
            "/components/hostile-b",
            json!({"name": "@@name@@", "description": "@@description@@"}),
            &[("name", Title), ("description", Body)],
        )
        .await?;

        app.advance_and_tick(Duration::minutes(1)).await?;
        let open = self
            .write(
                Method::POST,
                "/incidents",
                json!({
                    "title": "@@title@@",
                    "message": "@@message@@",
                    "components": {"card": "major_outage", "hostile-b": "partial_outage"},
                    "eta": "2026-11-25T14:45",
                    "next_update_in_minutes": 20,
                    "alternatives": [
                        {"component": "hostile-a", "instructions": "@@alternatives[0].instructions@@"},
                        {"component": "bank-transfer", "instructions": {
                            "ko": "@@alternatives[1].instructions.ko@@",
                            "en": "@@alternatives[1].instructions.en@@"}}
                    ]
                }),
                &[
                    ("title", Title),
                    ("message", Body),
                    ("alternatives[0].instructions", Instructions),
                    ("alternatives[1].instructions.ko", Instructions),
                    ("alternatives[1].instructions.en", Instructions),
                ],
            )
            .await?;
        let open = string(&open["id"])?;
        app.advance_and_tick(Duration::minutes(1)).await?;
        self.write(
            Method::POST,
            &format!("/incidents/{open}/updates"),
            json!({"status": "identified", "message": {"ko": "@@message.ko@@", "en": "@@message.en@@"}}),
            &[("message.ko", Body), ("message.en", Body)],
        )
        .await?;
        app.advance_and_tick(Duration::minutes(1)).await?;
        self.write(
            Method::PATCH,
            &format!("/incidents/{open}"),
            json!({
                "title": {"ko": "@@title.ko@@", "en": "@@title.en@@"},
                "alternatives": [
                    {"component": "hostile-a", "instructions": "@@alternatives[0].instructions@@"},
                    {"component": "bank-transfer", "instructions": "@@alternatives[1].instructions@@"}
                ]
            }),
            &[
                ("title.ko", Title),
                ("title.en", Title),
                ("alternatives[0].instructions", Instructions),
                ("alternatives[1].instructions", Instructions),
            ],
        )
        .await?;

        app.advance_and_tick(Duration::minutes(1)).await?;
        let resolved = self
            .write(
                Method::POST,
                "/incidents",
                json!({"title": "@@title@@", "message": "@@message@@", "components": {"mobile": "partial_outage"}}),
                &[("title", Title), ("message", Body)],
            )
            .await?;
        let resolved = string(&resolved["id"])?;
        app.advance_and_tick(Duration::minutes(1)).await?;
        self.write(
            Method::POST,
            &format!("/incidents/{resolved}/updates"),
            json!({"status": "resolved", "message": "@@message@@"}),
            &[("message", Body)],
        )
        .await?;
        app.advance_and_tick(Duration::minutes(1)).await?;
        self.write(
            Method::PATCH,
            &format!("/incidents/{resolved}"),
            json!({"postmortem": "@@postmortem@@"}),
            &[("postmortem", Body)],
        )
        .await?;

        app.advance_and_tick(Duration::minutes(1)).await?;
        let upcoming = self
            .write(
                Method::POST,
                "/maintenances",
                json!({
                    "title": "@@title@@",
                    "message": "@@message@@",
                    "components": ["virtual-account"],
                    "scheduled_for": "2026-11-26T00:00",
                    "scheduled_until": "2026-11-26T00:30",
                    "alternatives": [{"component": "bank-transfer", "instructions": "@@alternatives[0].instructions@@"}]
                }),
                &[
                    ("title", Title),
                    ("message", Body),
                    ("alternatives[0].instructions", Instructions),
                ],
            )
            .await?;
        let upcoming = string(&upcoming["id"])?;
        app.advance_and_tick(Duration::minutes(1)).await?;
        self.write(
            Method::PATCH,
            &format!("/maintenances/{upcoming}"),
            json!({"title": "@@title@@"}),
            &[("title", Title)],
        )
        .await?;
        app.advance_and_tick(Duration::minutes(1)).await?;
        let active = self
            .write(
                Method::POST,
                "/maintenances",
                json!({
                    "title": "@@title@@",
                    "message": {"ko": "@@message.ko@@", "en": "@@message.en@@"},
                    "components": ["naverpay"],
                    "scheduled_for": "2026-11-25T14:30",
                    "scheduled_until": "2026-11-25T15:30"
                }),
                &[("title", Title), ("message.ko", Body), ("message.en", Body)],
            )
            .await?;
        let active = string(&active["id"])?;
        // 14:31: the window has opened by itself.
        app.clock.set("2026-11-25T05:31:00Z".parse()?);
        app.tick().await?;
        self.write(
            Method::POST,
            &format!("/maintenances/{active}/updates"),
            json!({"message": "@@message@@"}),
            &[("message", Body)],
        )
        .await?;
        Ok(Notices {
            open,
            resolved,
            upcoming,
            active,
        })
    }
}

/// `body` as JSON text with each `"@@field@@"` replaced by the literal `value` gives it.
fn fill(
    body: &Value,
    fields: &[(&str, FieldKind)],
    value: impl Fn(&str, FieldKind) -> String,
) -> TestResult<String> {
    let mut raw = body.to_string();
    for (field, kind) in fields {
        let placeholder = format!("\"@@{field}@@\"");
        if raw.matches(&placeholder).count() != 1 {
            return Err(format!("the scenario has no single {placeholder} in {body}").into());
        }
        raw = raw.replace(&placeholder, &value(field, *kind));
    }
    if raw.contains("@@") {
        return Err(format!("a placeholder of {body} is not listed in its fields").into());
    }
    Ok(raw)
}

/// Each server's ids (and address) with the twin's in their place, so documents compare.
async fn id_swaps(
    app: &TestApp,
    ours: &Notices,
    twin: &TestApp,
    theirs: &Notices,
) -> TestResult<Vec<(String, String)>> {
    // The Atom feed's ids carry the host without the scheme.
    let host = |a: &TestApp| a.address.trim_start_matches("http://").to_string();
    let mut swaps = vec![(host(app), host(twin))];
    for (kind, a, b) in [
        ("incidents", &ours.open, &theirs.open),
        ("incidents", &ours.resolved, &theirs.resolved),
        ("maintenances", &ours.upcoming, &theirs.upcoming),
        ("maintenances", &ours.active, &theirs.active),
    ] {
        swaps.push((a.clone(), b.clone()));
        let updates = async |app: &TestApp, id: &str| -> TestResult<Vec<Value>> {
            let r = app
                .admin(Method::GET, &format!("/{kind}/{id}"))
                .send()
                .await?;
            let v = expect_json(r, StatusCode::OK).await?;
            Ok(v["updates"].as_array().cloned().unwrap_or_default())
        };
        let (ua, ub) = (updates(app, a).await?, updates(twin, b).await?);
        assert_eq!(ua.len(), ub.len(), "the updates of {a} and {b}");
        for (x, y) in ua.iter().zip(&ub) {
            swaps.push((string(&x["id"])?, string(&y["id"])?));
        }
    }
    Ok(swaps)
}

async fn fetch(app: &TestApp, path: &str, format: Format) -> TestResult<String> {
    let r = app.get(path).await?;
    let status = r.status();
    let content_type = header(&r, "content-type");
    let expected = match format {
        Format::Html => "text/html",
        Format::Feed if path.contains(".rss") => "application/rss+xml",
        Format::Feed => "application/atom+xml",
        Format::Json => "application/json",
    };
    if status != StatusCode::OK || !content_type.starts_with(expected) {
        return Err(format!("{path}: {status} {content_type}, expected 200 {expected}").into());
    }
    Ok(r.text().await?)
}

/// A twin server after the scenario, with every view it served.
struct Twin {
    app: TestApp,
    notices: Notices,
    views: Vec<(String, Format, String)>,
}

/// What one payload's server showed: views checked, refusals seen, views that differ.
#[derive(Default)]
struct Outcome {
    checked: usize,
    refusals: usize,
    failures: Vec<String>,
}

async fn check(p: Payload, twin: Arc<Twin>) -> TestResult<Outcome> {
    let name = p.name.clone();
    check_views(p, twin)
        .await
        .map_err(|e| format!("{name}: {e}").into())
}

async fn check_views(p: Payload, twin: Arc<Twin>) -> TestResult<Outcome> {
    let app = spawn_app().await;
    let mut writer = Writer {
        app: &app,
        payload: Some(&p),
        refusals: 0,
    };
    let notices = writer.scenario().await?;
    let mut outcome = Outcome {
        refusals: writer.refusals,
        ..Outcome::default()
    };
    let Some(text) = p.text.as_deref() else {
        return Ok(outcome);
    };
    let ids = id_swaps(&app, &notices, &twin.app, &twin.notices).await?;
    let swap = Swap {
        hostile: text,
        benign: BENIGN,
    };
    for (view, format, twin_body) in &twin.views {
        let mut body = fetch(&app, &address(view, &notices), *format).await?;
        for (ours, theirs) in &ids {
            body = body.replace(ours, theirs);
        }
        let same = match format {
            Format::Html => compare::html(&body, twin_body, &swap),
            Format::Feed => compare::feed(&body, twin_body, &swap),
            Format::Json => compare::json(&body, twin_body, &swap),
        };
        if let Err(e) = same {
            outcome.failures.push(format!("{}: {view}: {e}", p.name));
        }
        outcome.checked += 1;
    }
    Ok(outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_every_field_is_shown_exactly_as_text_in_every_view_or_refused()
-> TestResult {
    let payloads = corpus::payloads();
    let app = spawn_app().await;
    let notices = Writer {
        app: &app,
        payload: None,
        refusals: 0,
    }
    .scenario()
    .await?;
    let mut views = Vec::new();
    for (view, format) in self::views() {
        let body = fetch(&app, &address(&view, &notices), format).await?;
        // Every view but the bare status shows operator text, so no check is empty.
        if !view.contains("/status.json") {
            assert!(body.contains(BENIGN), "{view} shows no operator text");
        }
        views.push((view, format, body));
    }
    let twin = Arc::new(Twin {
        app,
        notices,
        views,
    });

    // A few servers at a time: most of a write is waiting for the disk.
    let mut tasks = JoinSet::new();
    let permits = Arc::new(Semaphore::new(8));
    for p in payloads.clone() {
        let (twin, permits) = (twin.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await?;
            check(p, twin).await
        });
    }
    let mut all = Outcome::default();
    while let Some(done) = tasks.join_next().await {
        let outcome = match done? {
            Ok(outcome) => outcome,
            Err(e) => {
                all.failures.push(format!("{e}"));
                continue;
            }
        };
        all.checked += outcome.checked;
        all.refusals += outcome.refusals;
        all.failures.extend(outcome.failures);
    }
    let shown = payloads.iter().filter(|p| p.text.is_some()).count();
    eprintln!(
        "hostile text: {shown} shown payloads × {} views = {} views checked; \
         {} payloads in all, {} refusals checked",
        twin.views.len(),
        all.checked,
        payloads.len(),
        all.refusals
    );
    all.failures.sort();
    assert!(
        all.failures.is_empty(),
        "{} views differ from their twin:\n{}",
        all.failures.len(),
        all.failures.join("\n")
    );
    Ok(())
}
