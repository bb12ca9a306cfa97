//! Drills: a notice rehearsed from start to finish through the admin API that the public
//! never sees. After every step each public route is asked, in both languages, and must
//! answer exactly as it did before the drill began, naming neither the drill nor its id.

use std::collections::BTreeSet;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// In every text the drill has: found in a public answer, the drill leaked.
const MARKER: &str = "훈련표식-DRILL-7F3C";

/// A notice id no notice has: what the drill's own documents are asked for before it
/// exists, so "after" can be compared with "never was".
const NO_NOTICE: &str = "zzzzzzzzzzzz";

/// How a route is asked for in English.
#[derive(Clone, Copy)]
enum English {
    /// Pages: `?lang=en`, or `Accept-Language: en`.
    QueryOrHeader,
    /// Feeds and JSON: `?lang=en` only (tools send any `Accept-Language`).
    Query,
    /// One language only: scripts, stylesheets, health and metrics.
    Neither,
}

/// One public document to ask for.
struct Route {
    /// The pattern it is served by in `src/web/public.rs`.
    pattern: &'static str,
    /// `{id}` stands for the drill's id, `{css}` for the stylesheet's hashed path.
    path: &'static str,
    status: StatusCode,
    english: English,
    /// Whether it must answer byte for byte as before the drill; not for answers that
    /// move by themselves (counters, ages).
    same_bytes: bool,
}

const fn route(
    pattern: &'static str,
    path: &'static str,
    status: StatusCode,
    english: English,
) -> Route {
    Route {
        pattern,
        path,
        status,
        english,
        same_bytes: true,
    }
}

const OK: StatusCode = StatusCode::OK;
const GONE: StatusCode = StatusCode::NOT_FOUND;
const API: &str = "/api/v2/{*path}";

/// Every public route; a route added to the router and not here fails the test below.
const ROUTES: &[Route] = &[
    route("/", "/", OK, English::QueryOrHeader),
    route("/embed/frame", "/embed/frame", OK, English::QueryOrHeader),
    route("/widget", "/widget", OK, English::QueryOrHeader),
    route(
        "/incidents/{id}",
        "/incidents/{id}",
        GONE,
        English::QueryOrHeader,
    ),
    route("/history", "/history", OK, English::QueryOrHeader),
    // A day of the uptime rows: none had a notice, and a drill does not make one.
    route(
        "/history/{day}",
        "/history/2026-11-25",
        GONE,
        English::QueryOrHeader,
    ),
    route("/history.rss", "/history.rss", OK, English::Query),
    route("/history.atom", "/history.atom", OK, English::Query),
    route(API, "/api/v2/summary.json", OK, English::Query),
    route(API, "/api/v2/status.json", OK, English::Query),
    route(API, "/api/v2/components.json", OK, English::Query),
    route(API, "/api/v2/incidents.json", OK, English::Query),
    route(API, "/api/v2/incidents/unresolved.json", OK, English::Query),
    route(
        API,
        "/api/v2/scheduled-maintenances.json",
        OK,
        English::Query,
    ),
    route(
        API,
        "/api/v2/scheduled-maintenances/upcoming.json",
        OK,
        English::Query,
    ),
    route(
        API,
        "/api/v2/scheduled-maintenances/active.json",
        OK,
        English::Query,
    ),
    route(API, "/api/v2/incidents/{id}.json", GONE, English::Query),
    route(API, "/api/v2/uptime.json", OK, English::Query),
    route("/assets/{file}", "{css}", OK, English::Neither),
    route("/widget.js", "/widget.js", OK, English::Neither),
    route("/embed/script.js", "/embed/script.js", OK, English::Neither),
    Route {
        same_bytes: false,
        ..route("/healthz", "/healthz", OK, English::Neither)
    },
    Route {
        same_bytes: false,
        ..route("/metrics", "/metrics", OK, English::Neither)
    },
];

/// One public answer, and how it was asked for.
struct Answer {
    asked: String,
    route: &'static Route,
    status: StatusCode,
    body: String,
}

#[test]
fn every_public_route_is_in_the_table() -> TestResult {
    let router = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/public.rs"),
    )?;
    let served: BTreeSet<&str> = router
        .split(".route(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let asked: BTreeSet<&str> = ROUTES.iter().map(|r| r.pattern).collect();
    assert_eq!(served, asked, "ask for every public route in ROUTES");
    Ok(())
}

/// The stylesheet's path (its name carries its hash).
async fn stylesheet(app: &TestApp) -> TestResult<String> {
    let page = app.get_page("/").await?;
    let link = page.select("link[rel=stylesheet]")?;
    let href = link
        .first()
        .and_then(|l| l.value().attr("href"))
        .ok_or("the page links no stylesheet")?;
    Ok(href.to_string())
}

/// Every public answer in every language it is served in, asking for notice `id`.
async fn public_answers(app: &TestApp, id: &str) -> TestResult<Vec<Answer>> {
    let css = stylesheet(app).await?;
    let mut answers = Vec::new();
    for route in ROUTES {
        let path = route.path.replace("{id}", id).replace("{css}", &css);
        let mut asks = vec![(path.clone(), None)];
        match route.english {
            English::QueryOrHeader => {
                asks.push((format!("{path}?lang=en"), None));
                asks.push((path.clone(), Some("en")));
            }
            English::Query => asks.push((format!("{path}?lang=en"), None)),
            English::Neither => {}
        }
        for (path, language) in asks {
            let mut request = app.client.get(format!("{}{path}", app.address));
            if let Some(l) = language {
                request = request.header("Accept-Language", l);
            }
            let r = request.send().await?;
            answers.push(Answer {
                asked: format!("{path} (Accept-Language: {})", language.unwrap_or("-")),
                route,
                status: r.status(),
                body: r.text().await?,
            });
        }
    }
    Ok(answers)
}

/// What the public sees before a drill: every answer, asking for a notice that never was.
async fn before_the_drill(app: &TestApp) -> TestResult<Vec<Answer>> {
    public_answers(app, NO_NOTICE).await
}

/// Checks that nothing public shows drill `id` after `step`: every route answers as
/// before the drill began, and none names the drill or its id.
async fn assert_unseen(app: &TestApp, before: &[Answer], id: &str, step: &str) -> TestResult {
    let after = public_answers(app, id).await?;
    assert_eq!(after.len(), before.len());
    for (was, now) in before.iter().zip(&after) {
        let asked = &now.asked;
        assert_eq!(now.status, now.route.status, "after {step}: {asked}");
        assert!(
            !now.body.contains(MARKER) && !now.body.contains(id),
            "after {step}: {asked} shows the drill:\n{}",
            now.body
        );
        if now.route.same_bytes {
            assert!(
                was.body.replace(NO_NOTICE, id) == now.body,
                "after {step}: {asked} changed:\n{}\n---\n{}",
                was.body,
                now.body
            );
        }
    }
    let components = get_json(app, "/api/v2/components.json").await?;
    for c in components["components"].as_array().ok_or("no components")? {
        assert_eq!(c["status"], "operational", "after {step}: {c}");
    }
    Ok(())
}

async fn get_json(app: &TestApp, path: &str) -> TestResult<Value> {
    expect_json(app.get(path).await?, StatusCode::OK).await
}

/// A drill of the scenario's outage: two channels down, an ETA, a promise and a way out.
fn card_outage_drill() -> Value {
    json!({
        "title": {
            "ko": format!("카드 결제 장애 훈련 {MARKER}"),
            "en": format!("Card outage drill {MARKER}")
        },
        "message": { "ko": format!("훈련입니다 {MARKER}"), "en": format!("A drill {MARKER}") },
        "components": { "card": "major_outage", "kakaopay": "major_outage" },
        "eta": "2026-11-25T14:45",
        "next_update_in_minutes": 20,
        "alternatives": [
            { "component": "bank-transfer", "instructions": format!("계좌이체 {MARKER}") }
        ],
        "drill": true
    })
}

#[tokio::test]
async fn a_drill_goes_from_start_to_postmortem_and_the_public_never_sees_it() -> TestResult {
    let app = spawn_app().await;
    let before = before_the_drill(&app).await?;

    let created = app.create_incident_ok(&card_outage_drill()).await?;
    let id = string(&created["id"])?;
    assert_eq!(
        (created["drill"].clone(), created["draft"].clone()),
        (json!(true), json!(false))
    );
    assert_ne!(
        created["impact"], "none",
        "what it would be, for the console"
    );
    assert_unseen(&app, &before, &id, "opening").await?;

    let later = json!({
        "status": "identified",
        "message": { "ko": format!("늦어집니다 {MARKER}"), "en": format!("Later {MARKER}") },
        "components": { "card": "partial_outage" },
        "eta": "2026-11-25T15:30"
    });
    let updated = app.post_incident_update_ok(&id, &later).await?;
    assert_eq!(updated["eta_revisions"].as_array().map(Vec::len), Some(2));
    assert_unseen(&app, &before, &id, "moving the ETA").await?;

    let resolve = json!({ "status": "resolved", "message": format!("끝 {MARKER}") });
    app.post_incident_update_ok(&id, &resolve).await?;
    assert_unseen(&app, &before, &id, "resolving").await?;

    let postmortem = json!({ "postmortem": format!("원인: 훈련 {MARKER}") });
    let done = expect_json(app.patch_incident(&id, &postmortem).await?, StatusCode::OK).await?;
    assert_eq!(done["status"], "postmortem");
    assert_unseen(&app, &before, &id, "the postmortem").await?;

    // The admin API shows it, marked, with a timeline that changed no component.
    let fetched = expect_json(app.get_incident(&id).await?, StatusCode::OK).await?;
    assert_eq!(fetched["drill"], true);
    let updates = fetched["updates"].as_array().ok_or("no updates")?;
    assert_eq!(updates.len(), 4);
    assert!(
        updates.iter().all(|u| u["component_changes"] == json!([])),
        "{fetched:#}"
    );
    let listed = app.list_incidents().await?;
    let item = items(&listed).iter().find(|i| i["id"] == json!(id));
    assert_eq!(item.map(|i| i["drill"].clone()), Some(json!(true)));
    let audit = app.list_audit().await?;
    let entries: Vec<&Value> = items(&audit)
        .iter()
        .filter(|e| e["target"] == json!(id))
        .collect();
    assert_eq!(entries.len(), 4, "{audit:#}");
    assert!(
        entries.iter().all(|e| e["detail"]["drill"] == json!(true)),
        "{audit:#}"
    );
    Ok(())
}

#[tokio::test]
async fn a_drill_stays_a_drill_and_a_real_incident_stays_real() -> TestResult {
    let app = spawn_app().await;
    let drill = string(&app.create_incident_ok(&card_outage_drill()).await?["id"])?;
    let real = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    for (id, to) in [(&drill, false), (&real, true)] {
        let r = app.patch_incident(id, &json!({ "drill": to })).await?;
        expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("drill")).await?;
    }
    let fetched = expect_json(app.get_incident(&drill).await?, StatusCode::OK).await?;
    assert_eq!(fetched["drill"], true);
    let fetched = expect_json(app.get_incident(&real).await?, StatusCode::OK).await?;
    assert_eq!(fetched["drill"], false);
    Ok(())
}

#[tokio::test]
async fn a_drill_neither_holds_nor_frees_a_channel_a_real_incident_holds() -> TestResult {
    let app = spawn_app().await;
    let real = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    let drill = string(&app.create_incident_ok(&card_outage_drill()).await?["id"])?;
    let resolve = json!({ "status": "resolved", "message": "해결되었습니다." });

    app.post_incident_update_ok(&drill, &resolve).await?;
    assert_eq!(
        app.component_status("card").await?,
        "major_outage",
        "the real outage goes on"
    );

    let drill = string(&app.create_incident_ok(&card_outage_drill()).await?["id"])?;
    app.post_incident_update_ok(&real, &resolve).await?;
    assert_eq!(
        app.component_status("card").await?,
        "operational",
        "an open drill does not keep the card down"
    );
    let summary = get_json(&app, "/api/v2/summary.json").await?;
    assert_eq!(summary["status"]["indicator"], "none");
    assert!(!summary.to_string().contains(&drill));
    Ok(())
}

#[tokio::test]
async fn a_drill_maintenance_moves_with_its_window_and_the_public_never_sees_it() -> TestResult {
    let app = spawn_app().await;
    let before = before_the_drill(&app).await?;
    let body = json!({
        "title": format!("은행 점검 훈련 {MARKER}"),
        "message": format!("훈련입니다 {MARKER}"),
        "components": ["bank-transfer", "virtual-account"],
        "scheduled_for": "2026-11-25T14:00",
        "scheduled_until": "2026-11-25T15:00",
        "drill": true
    });
    let created = app.create_maintenance_ok(&body).await?;
    let id = string(&created["id"])?;
    assert_eq!(
        (created["drill"].clone(), created["status"].clone()),
        (json!(true), json!("in_progress"))
    );
    assert_unseen(&app, &before, &id, "starting").await?;

    app.advance_and_tick(Duration::hours(1)).await?;
    assert_eq!(
        app.maintenance_status(&id).await?,
        "completed",
        "the window moved it"
    );
    let history = app.get("/history").await?.text().await?;
    assert!(!history.contains(MARKER) && !history.contains(&id));
    let listed = app.list_maintenances().await?;
    assert!(
        items(&listed)
            .iter()
            .any(|m| m["id"] == json!(id) && m["drill"] == json!(true))
    );
    Ok(())
}
