//! The admin API describes itself at `/api/admin/v1/openapi.json`: every route, its
//! input and its answers, for fuzzers and client generators.

use std::collections::BTreeSet;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const DOCUMENT: &str = "/api/admin/v1/openapi.json";

/// Every admin route, as DESIGN.md's contract lists them.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/admin/v1/components"),
    ("post", "/api/admin/v1/components"),
    ("get", "/api/admin/v1/components/{id}"),
    ("patch", "/api/admin/v1/components/{id}"),
    ("delete", "/api/admin/v1/components/{id}"),
    ("get", "/api/admin/v1/incidents"),
    ("post", "/api/admin/v1/incidents"),
    ("get", "/api/admin/v1/incidents/{id}"),
    ("patch", "/api/admin/v1/incidents/{id}"),
    ("post", "/api/admin/v1/incidents/{id}/updates"),
    ("get", "/api/admin/v1/incidents/{id}/report"),
    ("get", "/api/admin/v1/reports"),
    ("get", "/api/admin/v1/maintenances"),
    ("post", "/api/admin/v1/maintenances"),
    ("get", "/api/admin/v1/maintenances/{id}"),
    ("patch", "/api/admin/v1/maintenances/{id}"),
    ("post", "/api/admin/v1/maintenances/{id}/updates"),
    ("get", "/api/admin/v1/templates"),
    ("post", "/api/admin/v1/templates"),
    ("get", "/api/admin/v1/templates/{id}"),
    ("patch", "/api/admin/v1/templates/{id}"),
    ("delete", "/api/admin/v1/templates/{id}"),
    ("post", "/api/admin/v1/templates/{id}/apply"),
    ("get", "/api/admin/v1/webhooks"),
    ("post", "/api/admin/v1/webhooks"),
    ("get", "/api/admin/v1/webhooks/{id}"),
    ("patch", "/api/admin/v1/webhooks/{id}"),
    ("delete", "/api/admin/v1/webhooks/{id}"),
    ("post", "/api/admin/v1/webhooks/{id}/rotate-secret"),
    ("post", "/api/admin/v1/webhooks/{id}/test"),
    ("get", "/api/admin/v1/webhooks/{id}/deliveries"),
    ("get", "/api/admin/v1/keys"),
    ("post", "/api/admin/v1/keys"),
    ("delete", "/api/admin/v1/keys/{id}"),
    ("get", "/api/admin/v1/audit"),
    ("get", "/api/admin/v1/subscribers"),
    ("get", "/api/admin/v1/subscribers/export"),
    ("post", "/api/admin/v1/subscribers/import"),
    ("delete", "/api/admin/v1/subscribers/{id}"),
    ("post", "/api/admin/v1/integrations/alertmanager"),
    ("post", "/api/admin/v1/integrations/status"),
    ("get", "/api/admin/v1/integrations/alerts"),
    ("get", "/api/admin/v1/integrations/settings"),
    ("put", "/api/admin/v1/integrations/settings"),
    ("get", "/api/admin/v1/openapi.json"),
];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn document(app: &TestApp) -> TestResult<Value> {
    expect_json(app.get(DOCUMENT).await?, StatusCode::OK).await
}

/// Follows a `$ref` to a component schema.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The property names a schema describes, through `allOf`.
fn properties(doc: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = resolve(doc, schema);
    let mut out: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(properties(doc, part));
    }
    out
}

fn request_schema<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    resolve(
        doc,
        &doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"],
    )
}

/// The `enum` of a property, looking past `null` in a nullable one.
fn enum_of(doc: &Value, schema: &Value, property: &str) -> Vec<String> {
    let p = &schema["properties"][property];
    let candidates: Vec<&Value> = match p["oneOf"].as_array() {
        Some(options) => options.iter().collect(),
        None => vec![p],
    };
    candidates
        .into_iter()
        .map(|c| resolve(doc, c))
        .filter_map(|c| c["enum"].as_array())
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_document_is_served_without_a_key() -> TestResult {
    let app = spawn_app().await;

    let r = app.get(DOCUMENT).await?;

    let content_type = r
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "content type `{content_type}`"
    );
    let doc = expect_json(r, StatusCode::OK).await?;
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3."), "openapi is `{version}`");
    assert!(doc["info"]["title"].is_string(), "{:#}", doc["info"]);
    Ok(())
}

#[tokio::test]
async fn every_admin_route_is_documented_with_its_methods() -> TestResult {
    let app = spawn_app().await;
    let doc = document(&app).await?;

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .ok_or("the document has no paths")?
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .into_iter()
                .filter(|m| item.get(*m).is_some())
                .map(|m| (m.to_string(), path.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();

    let missing: Vec<_> = expected.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&expected).collect();
    assert!(missing.is_empty(), "not documented: {missing:?}");
    assert!(
        extra.is_empty(),
        "documented but not in the contract: {extra:?}"
    );
    Ok(())
}

#[tokio::test]
async fn every_documented_route_exists_and_asks_for_a_bearer_key() -> TestResult {
    let app = spawn_app().await;
    let doc = document(&app).await?;

    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], json!("http"), "{scheme:#}");
    assert_eq!(scheme["scheme"], json!("bearer"), "{scheme:#}");
    for (method, path) in ROUTES.iter().filter(|(_, p)| *p != DOCUMENT) {
        let op = &doc["paths"][path][method];
        let security = op["security"].as_array().cloned().unwrap_or_default();
        assert!(
            !security.is_empty() && security.iter().all(|s| s.get("bearer").is_some()),
            "{method} {path} must ask for the bearer scheme: {security:?}"
        );
        let description = op["description"].as_str().unwrap_or_default();
        assert!(
            description.contains("Scope: `"),
            "{method} {path} must name its scope: `{description}`"
        );
        // A documented path the server does not route would answer 404 or 405.
        let url = format!("{}{}", app.address, path.replace("{id}", "x"));
        let r = app
            .client
            .request(Method::from_bytes(method.to_uppercase().as_bytes())?, url)
            .send()
            .await?;
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a key"
        );
    }
    Ok(())
}

#[tokio::test]
async fn creating_incidents_and_maintenances_is_described_field_by_field() -> TestResult {
    let app = spawn_app().await;
    let doc = document(&app).await?;

    let cases: [(&str, &[&str], &[&str]); 2] = [
        (
            "/api/admin/v1/incidents",
            &[
                "title",
                "message",
                "status",
                "impact",
                "components",
                "eta",
                "next_update_at",
                "next_update_in_minutes",
                "alternatives",
                "started_at",
                "draft",
            ],
            &["investigating", "identified", "monitoring", "resolved"],
        ),
        (
            "/api/admin/v1/maintenances",
            &[
                "title",
                "message",
                "status",
                "components",
                "scheduled_for",
                "scheduled_until",
                "auto_transition",
                "alternatives",
                "draft",
            ],
            &["scheduled", "in_progress", "verifying", "completed"],
        ),
    ];
    for (path, fields, statuses) in cases {
        let schema = request_schema(&doc, "post", path);
        let named = properties(&doc, schema);
        for field in fields {
            assert!(
                named.contains(*field),
                "POST {path} lacks `{field}`: {named:?}"
            );
        }
        assert_eq!(
            schema["additionalProperties"],
            json!(false),
            "POST {path} must refuse unknown fields"
        );
        let status = enum_of(&doc, schema, "status");
        for s in statuses {
            assert!(
                status.contains(&s.to_string()),
                "POST {path} status: {status:?}"
            );
        }
    }
    let incident = request_schema(&doc, "post", "/api/admin/v1/incidents");
    assert_eq!(
        enum_of(&doc, incident, "impact"),
        ["none", "minor", "major", "critical"]
    );
    Ok(())
}

#[tokio::test]
async fn every_request_body_refuses_unknown_fields() -> TestResult {
    let app = spawn_app().await;
    let doc = document(&app).await?;

    for (method, path) in ROUTES {
        if doc["paths"][path][method]["requestBody"].is_null() {
            continue;
        }
        let schema = request_schema(&doc, method, path);
        // Alertmanager's payload is Alertmanager's format, which gains fields between its
        // releases: refusing them would stop every alert after an upgrade.
        let expected = if *path == "/api/admin/v1/integrations/alertmanager" {
            Value::Null
        } else {
            json!(false)
        };
        assert_eq!(
            schema["additionalProperties"], expected,
            "{method} {path}: {schema:#}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn errors_are_described_as_problems() -> TestResult {
    let app = spawn_app().await;
    let doc = document(&app).await?;

    let problem = &doc["components"]["schemas"]["Problem"];
    for field in ["type", "title", "status", "detail", "errors", "request_id"] {
        assert!(
            problem["properties"].get(field).is_some(),
            "Problem lacks `{field}`"
        );
    }
    let field_error = resolve(&doc, &problem["properties"]["errors"]["items"]);
    assert_eq!(
        properties(&doc, field_error),
        BTreeSet::from(["field".to_string(), "message".to_string()])
    );
    let create = &doc["paths"]["/api/admin/v1/incidents"]["post"]["responses"];
    for status in ["201", "400", "401", "403", "415", "422"] {
        assert!(
            create.get(status).is_some(),
            "POST /incidents lacks {status}"
        );
    }
    assert!(
        create["422"]["content"]["application/problem+json"].is_object(),
        "{:#}",
        create["422"]
    );
    let patch = &doc["paths"]["/api/admin/v1/incidents/{id}"]["patch"];
    assert!(patch["responses"].get("412").is_some(), "PATCH lacks 412");
    let headers: Vec<&str> = patch["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == json!("header"))
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(headers, ["If-Match", "Idempotency-Key"]);
    Ok(())
}

#[tokio::test]
async fn answers_have_the_properties_the_document_describes() -> TestResult {
    let app = spawn_app().await;
    let doc = document(&app).await?;
    let schema = |method: &str, path: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            .clone()
    };
    let r = app
        .create_component(&json!({ "id": "openapi-test", "name": "테스트 결제" }))
        .await?;
    let component = expect_json(r, StatusCode::CREATED).await?;
    let incident = app.create_incident_ok(&card_outage()).await?;
    let maintenance = app.create_maintenance_ok(&bank_maintenance()).await?;
    let template = app
        .admin(Method::GET, "/templates/gateway-down")
        .send()
        .await?;
    let template = expect_json(template, StatusCode::OK).await?;
    let applied = app
        .admin(Method::POST, "/templates/gateway-down/apply")
        .json(&json!({ "eta": "2026-11-25T15:00" }))
        .send()
        .await?;
    let applied = expect_json(applied, StatusCode::OK).await?;
    let r = app
        .create_key(&json!({ "name": "ci", "scopes": ["read"] }))
        .await?;
    let key = expect_json(r, StatusCode::CREATED).await?;
    let audit = app.list_audit().await?;

    let cases =
        [
            (component, schema("post", "/api/admin/v1/components", "201")),
            (incident, schema("post", "/api/admin/v1/incidents", "201")),
            (
                maintenance,
                schema("post", "/api/admin/v1/maintenances", "201"),
            ),
            (key, schema("post", "/api/admin/v1/keys", "201")),
            (
                template,
                schema("get", "/api/admin/v1/templates/{id}", "200"),
            ),
            (
                applied,
                schema("post", "/api/admin/v1/templates/{id}/apply", "200"),
            ),
            (
                items(&audit)[0].clone(),
                resolve(&doc, &schema("get", "/api/admin/v1/audit", "200"))["properties"]["items"]
                    ["items"]
                    .clone(),
            ),
        ];
    for (answer, schema) in cases {
        assert_eq!(
            keys(&answer),
            properties(&doc, &schema),
            "described: {schema}, answered: {answer:#}"
        );
    }
    Ok(())
}
