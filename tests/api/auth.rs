//! Every admin route refuses a missing, wrong, revoked or under-scoped key — and accepts
//! a key holding just the scope it needs, so the refusals are about the key alone.

use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// One admin route with a request it would accept from a key with `scope`.
struct Route {
    method: Method,
    path: String,
    scope: &'static str,
    body: Option<Value>,
}

impl Route {
    fn name(&self) -> String {
        let what = match &self.body {
            Some(b) if self.method == Method::PATCH && self.path.starts_with("/components/") => {
                if b.get("status").is_some() {
                    " (status)"
                } else {
                    " (catalogue)"
                }
            }
            _ => "",
        };
        format!("{} {}{what}", self.method, self.path)
    }
}

/// Ids of things the routes act on.
struct Fixtures {
    incident: String,
    maintenance: String,
    /// A component nothing holds, so it may be deleted.
    component: String,
    /// A key that may be revoked.
    key: String,
}

async fn fixtures(app: &TestApp) -> TestResult<Fixtures> {
    let incident = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    let maintenance = string(&app.create_maintenance_ok(&bank_maintenance()).await?["id"])?;
    let r = app
        .create_component(&json!({ "id": "test-pay", "name": "테스트페이" }))
        .await?;
    expect_json(r, StatusCode::CREATED).await?;
    let (key, _) = app.create_key_ok("spare", &["read"]).await?;
    Ok(Fixtures {
        incident,
        maintenance,
        component: "test-pay".into(),
        key,
    })
}

fn routes(f: &Fixtures) -> Vec<Route> {
    let route = |method: Method, path: String, scope, body: Option<Value>| Route {
        method,
        path,
        scope,
        body,
    };
    let update = json!({ "message": "원인을 확인하고 있습니다." });
    let Fixtures {
        incident,
        maintenance,
        component,
        key,
    } = f;
    vec![
        route(Method::GET, "/components".into(), "read", None),
        route(
            Method::POST,
            "/components".into(),
            "components",
            Some(json!({ "id": "new-pay", "name": "새페이" })),
        ),
        route(
            Method::GET,
            format!("/components/{component}"),
            "read",
            None,
        ),
        route(
            Method::PATCH,
            format!("/components/{component}"),
            "components",
            Some(json!({ "name": "테스트페이 2" })),
        ),
        route(
            Method::PATCH,
            format!("/components/{component}"),
            "incidents",
            Some(json!({ "status": "degraded_performance" })),
        ),
        route(Method::GET, "/incidents".into(), "read", None),
        route(
            Method::POST,
            "/incidents".into(),
            "incidents",
            Some(card_outage()),
        ),
        route(Method::GET, format!("/incidents/{incident}"), "read", None),
        route(
            Method::GET,
            format!("/incidents/{incident}/report"),
            "read",
            None,
        ),
        route(
            Method::GET,
            "/reports?from=2026-11-01&to=2026-11-30".into(),
            "read",
            None,
        ),
        route(
            Method::PATCH,
            format!("/incidents/{incident}"),
            "incidents",
            Some(json!({ "title": "카드 결제 장애" })),
        ),
        route(
            Method::POST,
            format!("/incidents/{incident}/updates"),
            "incidents",
            Some(update.clone()),
        ),
        route(Method::GET, "/maintenances".into(), "read", None),
        route(
            Method::POST,
            "/maintenances".into(),
            "incidents",
            Some(bank_maintenance()),
        ),
        route(
            Method::GET,
            format!("/maintenances/{maintenance}"),
            "read",
            None,
        ),
        route(
            Method::PATCH,
            format!("/maintenances/{maintenance}"),
            "incidents",
            Some(json!({ "title": "은행 점검" })),
        ),
        route(
            Method::POST,
            format!("/maintenances/{maintenance}/updates"),
            "incidents",
            Some(update),
        ),
        route(Method::GET, "/keys".into(), "keys", None),
        route(
            Method::POST,
            "/keys".into(),
            "keys",
            Some(json!({ "name": "monitoring", "scopes": ["incidents"] })),
        ),
        route(Method::GET, "/audit".into(), "read", None),
        route(
            Method::POST,
            "/integrations/alertmanager".into(),
            "automation",
            Some(alertmanager_fixture("webhook_v4_firing.json")),
        ),
        route(
            Method::POST,
            "/integrations/status".into(),
            "automation",
            Some(
                json!({ "component": "kakaopay", "status": "partial_outage", "source": "uptime" }),
            ),
        ),
        route(Method::GET, "/integrations/alerts".into(), "read", None),
        route(Method::GET, "/integrations/settings".into(), "read", None),
        route(
            Method::PUT,
            "/integrations/settings".into(),
            "components",
            Some(json!({
                "severities": { "critical": "major_outage" },
                "otherwise": "partial_outage",
                "flapping": { "count": 3, "window_minutes": 10 }
            })),
        ),
        // Destructive routes last, for the test that expects them to succeed.
        route(Method::DELETE, format!("/keys/{key}"), "keys", None),
        route(
            Method::DELETE,
            format!("/components/{component}"),
            "components",
            None,
        ),
    ]
}

async fn send(
    app: &TestApp,
    route: &Route,
    key: Option<&str>,
) -> reqwest::Result<reqwest::Response> {
    let mut request = app
        .client
        .request(route.method.clone(), app.admin_url(&route.path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = &route.body {
        request = request.json(body);
    }
    request.send().await
}

/// An app whose failure throttle lets every route be refused once with the same bad key:
/// there are more routes than the default burst (the throttle is tested in throttling.rs).
async fn spawn_app_with_room_for_failures() -> TestApp {
    spawn_app_configured(|c| c.auth_failure_burst = 1_000).await
}

/// Sends every route with `key` and expects 401 with a Bearer challenge and nothing stored.
async fn every_route_is_unauthorized(app: &TestApp, key: Option<&str>, case: &str) -> TestResult {
    let f = fixtures(app).await?;
    let before = app.stored_state().await?;
    for route in routes(&f) {
        let r = send(app, &route, key).await?;
        let challenge = r
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        expect_problem(r, StatusCode::UNAUTHORIZED, None)
            .await
            .map_err(|e| format!("{} {case}: {e}", route.name()))?;
        assert!(
            challenge.starts_with("Bearer"),
            "{} {case}: WWW-Authenticate is `{challenge}`",
            route.name()
        );
    }
    assert_eq!(
        app.stored_state().await?,
        before,
        "a request {case} changed something"
    );
    Ok(())
}

#[tokio::test]
async fn every_admin_route_refuses_a_request_without_a_key() -> TestResult {
    let app = spawn_app().await;
    every_route_is_unauthorized(&app, None, "without a key").await
}

#[tokio::test]
async fn every_admin_route_refuses_a_wrong_key() -> TestResult {
    let app = spawn_app_with_room_for_failures().await;
    let wrong = format!("ps_{}", "x".repeat(40));
    every_route_is_unauthorized(&app, Some(&wrong), "with a wrong key").await
}

#[tokio::test]
async fn every_admin_route_refuses_a_key_revoked_with_the_cli_while_the_server_runs() -> TestResult
{
    let app = spawn_app_with_room_for_failures().await;
    let key = app.create_key_with_cli("leaver", ALL_SCOPES).await?;
    let works = app
        .client
        .get(app.admin_url("/incidents"))
        .bearer_auth(&key)
        .send()
        .await?;
    assert_eq!(
        works.status(),
        StatusCode::OK,
        "the key works before revocation"
    );

    app.revoke_key_with_cli("leaver").await?;

    every_route_is_unauthorized(&app, Some(&key), "with a revoked key").await
}

#[tokio::test]
async fn every_admin_route_refuses_a_key_without_its_scope() -> TestResult {
    let app = spawn_app().await;
    let f = fixtures(&app).await?;
    let mut keys = Vec::new();
    for scope in ["read", "incidents", "components", "keys", "automation"] {
        let others: Vec<&str> = ALL_SCOPES.split(',').filter(|s| *s != scope).collect();
        let (_, secret) = app
            .create_key_ok(&format!("all but {scope}"), &others)
            .await?;
        keys.push((scope, secret));
    }
    let before = app.stored_state().await?;

    for route in routes(&f) {
        let key = keys
            .iter()
            .find(|(scope, _)| *scope == route.scope)
            .map(|(_, k)| k.as_str());
        let r = send(&app, &route, key).await?;
        expect_problem(r, StatusCode::FORBIDDEN, None)
            .await
            .map_err(|e| format!("{} with a key lacking `{}`: {e}", route.name(), route.scope))?;
    }

    assert_eq!(
        app.stored_state().await?,
        before,
        "an under-scoped request changed something"
    );
    Ok(())
}

#[tokio::test]
async fn every_admin_route_accepts_a_key_with_just_the_scope_it_needs() -> TestResult {
    let app = spawn_app().await;
    let f = fixtures(&app).await?;
    let mut keys = Vec::new();
    for scope in ["read", "incidents", "components", "keys", "automation"] {
        let (_, secret) = app
            .create_key_ok(&format!("only {scope}"), &[scope])
            .await?;
        keys.push((scope, secret));
    }

    for route in routes(&f) {
        let key = keys
            .iter()
            .find(|(scope, _)| *scope == route.scope)
            .map(|(_, k)| k.as_str());
        let r = send(&app, &route, key).await?;
        let status = r.status();
        let body = r.text().await?;
        assert!(
            status.is_success(),
            "{} with a key holding only `{}`: {status} {body}",
            route.name(),
            route.scope
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_key_revoked_through_the_api_stops_working_at_once() -> TestResult {
    let app = spawn_app().await;
    let (id, secret) = app.create_key_ok("temporary", &["read"]).await?;
    let get = || {
        app.client
            .get(app.admin_url("/incidents"))
            .bearer_auth(&secret)
            .send()
    };
    assert_eq!(get().await?.status(), StatusCode::OK);

    let revoked = expect_json(app.revoke_key(&id).await?, StatusCode::OK).await?;

    assert_ne!(revoked["revoked_at"], Value::Null);
    expect_problem(get().await?, StatusCode::UNAUTHORIZED, None).await?;
    Ok(())
}

#[tokio::test]
async fn a_key_in_another_scheme_than_bearer_is_refused() -> TestResult {
    let app = spawn_app().await;

    let r = app
        .client
        .get(app.admin_url("/incidents"))
        .header("Authorization", format!("Basic {}", app.admin_key))
        .send()
        .await?;

    expect_problem(r, StatusCode::UNAUTHORIZED, None).await?;
    Ok(())
}

#[tokio::test]
async fn listing_keys_never_shows_a_secret() -> TestResult {
    let app = spawn_app().await;
    let (_, secret) = app.create_key_ok("monitoring", &["incidents"]).await?;

    let r = app.admin(Method::GET, "/keys").send().await?;
    let body = r.text().await?;

    assert!(!body.contains(&secret), "a key's secret is listed");
    assert!(!body.contains(&app.admin_key), "a key's secret is listed");
    let keys: Value = serde_json::from_str(&body)?;
    let monitoring = items(&keys)
        .iter()
        .find(|k| k["name"] == "monitoring")
        .ok_or("the new key is not listed")?;
    assert_eq!(monitoring["scopes"], json!(["incidents"]));
    for field in ["id", "created_at", "last_used_at", "revoked_at"] {
        assert!(
            monitoring.get(field).is_some(),
            "no `{field}` in {monitoring}"
        );
    }
    Ok(())
}

/// When the key named `name` was last used, as listed.
async fn last_used(app: &TestApp, name: &str) -> TestResult<Value> {
    let keys = app.list_keys().await?;
    let key = items(&keys)
        .iter()
        .find(|k| k["name"] == name)
        .cloned()
        .ok_or("the key is not listed")?;
    Ok(key["last_used_at"].clone())
}

#[tokio::test]
async fn a_keys_last_use_is_kept_to_the_minute() -> TestResult {
    let app = spawn_app().await;
    let (_, secret) = app.create_key_ok("monitoring", &["read"]).await?;
    let use_key = || {
        app.client
            .get(app.admin_url("/components"))
            .bearer_auth(&secret)
            .send()
    };
    assert_eq!(
        last_used(&app, "monitoring").await?,
        Value::Null,
        "never used yet"
    );

    assert_eq!(use_key().await?.status(), StatusCode::OK);
    assert_eq!(
        last_used(&app, "monitoring").await?,
        Value::Null,
        "noted in memory, not written by the request"
    );
    app.tick().await?;
    let first = last_used(&app, "monitoring").await?;
    assert!(first.is_string(), "{first}");
    app.clock.advance(chrono::Duration::seconds(30));
    use_key().await?;
    app.tick().await?;
    assert_eq!(
        last_used(&app, "monitoring").await?,
        first,
        "within the minute, no write"
    );
    app.clock.advance(chrono::Duration::seconds(31));
    use_key().await?;
    app.tick().await?;
    assert_ne!(
        last_used(&app, "monitoring").await?,
        first,
        "a minute on, it moves"
    );
    Ok(())
}
