//! Bad input is answered with problem+json naming the field at fault, and nothing is
//! stored: not in the admin API, not in the audit log, not on the page.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const JSON: Option<&str> = Some("application/json");

/// One bad request and how it must be answered.
struct Case {
    /// What is wrong, for the failure message.
    what: &'static str,
    method: Method,
    /// `{incident}` and `{maintenance}` stand for existing ids.
    path: &'static str,
    content_type: Option<&'static str>,
    body: String,
    status: StatusCode,
    /// The field the answer must name, for 422.
    field: Option<&'static str>,
}

fn case(
    what: &'static str,
    method: Method,
    path: &'static str,
    body: Value,
    field: &'static str,
) -> Case {
    Case {
        what,
        method,
        path,
        content_type: JSON,
        body: body.to_string(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
        field: Some(field),
    }
}

/// A valid incident with one field replaced (or removed, with `null`).
fn incident_with(field: &str, value: Value) -> Value {
    let mut body = card_outage();
    if value.is_null() {
        body.as_object_mut().map(|o| o.remove(field));
    } else {
        body[field] = value;
    }
    body
}

fn maintenance_with(field: &str, value: Value) -> Value {
    let mut body = bank_maintenance();
    body[field] = value;
    body
}

fn cases() -> Vec<Case> {
    use Method as M;
    let long_title = "가".repeat(201);
    let long_message = "가".repeat(5001);
    let raw = |what, content_type, body: &str, status| Case {
        what,
        method: M::POST,
        path: "/incidents",
        content_type,
        body: body.to_string(),
        status,
        field: None,
    };
    vec![
        // The body itself.
        raw(
            "malformed JSON",
            JSON,
            r#"{"title": "카드 결제 승인 지연", "message": "#,
            StatusCode::BAD_REQUEST,
        ),
        raw("an empty body", JSON, "", StatusCode::BAD_REQUEST),
        raw(
            "text/plain",
            Some("text/plain"),
            &card_outage().to_string(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        raw(
            "a form",
            Some("application/x-www-form-urlencoded"),
            "title=x&message=y",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        raw(
            "no content type",
            None,
            &card_outage().to_string(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        case(
            "an unknown language in a text",
            M::POST,
            "/incidents",
            incident_with("title", json!({ "ko": "카드 장애", "jp": "カード" })),
            "title.jp",
        ),
        // Components and statuses.
        case(
            "an unknown component",
            M::POST,
            "/incidents",
            incident_with("components", json!({ "ghost-pay": "major_outage" })),
            "components.ghost-pay",
        ),
        case(
            "a group as an affected component",
            M::POST,
            "/incidents",
            incident_with("components", json!({ "easy-pay": "major_outage" })),
            "components.easy-pay",
        ),
        case(
            "an unknown component status",
            M::POST,
            "/incidents",
            incident_with("components", json!({ "card": "on_fire" })),
            "components.card",
        ),
        case(
            "an unknown incident status",
            M::POST,
            "/incidents",
            incident_with("status", json!("panicking")),
            "status",
        ),
        case(
            "a maintenance status on an incident",
            M::POST,
            "/incidents",
            incident_with("status", json!("in_progress")),
            "status",
        ),
        case(
            "an unknown impact",
            M::POST,
            "/incidents",
            incident_with("impact", json!("apocalyptic")),
            "impact",
        ),
        case(
            "an unknown alternative",
            M::POST,
            "/incidents",
            incident_with("alternatives", json!([{ "component": "ghost-pay" }])),
            "alternatives[0].component",
        ),
        // Text.
        case(
            "an empty title",
            M::POST,
            "/incidents",
            incident_with("title", json!("")),
            "title",
        ),
        case(
            "a blank title",
            M::POST,
            "/incidents",
            incident_with("title", json!("   ")),
            "title",
        ),
        case(
            "a title of 201 characters",
            M::POST,
            "/incidents",
            incident_with("title", json!(long_title)),
            "title",
        ),
        case(
            "a title without Korean",
            M::POST,
            "/incidents",
            incident_with("title", json!({ "en": "Card payments failing" })),
            "title.ko",
        ),
        case(
            "a title that is a number",
            M::POST,
            "/incidents",
            incident_with("title", json!(5)),
            "title",
        ),
        case(
            "an empty message",
            M::POST,
            "/incidents",
            incident_with("message", json!("")),
            "message",
        ),
        case(
            "a message of 5001 characters",
            M::POST,
            "/incidents",
            incident_with("message", json!(long_message)),
            "message",
        ),
        // Times.
        case(
            "an ETA that is not a time",
            M::POST,
            "/incidents",
            incident_with("eta", json!("soon")),
            "eta",
        ),
        case(
            "an ETA in the past",
            M::POST,
            "/incidents",
            incident_with("eta", json!("2026-11-25T13:00")),
            "eta",
        ),
        case(
            "a next update in 0 minutes",
            M::POST,
            "/incidents",
            incident_with("next_update_in_minutes", json!(0)),
            "next_update_in_minutes",
        ),
        case(
            "scheduled_until before scheduled_for",
            M::POST,
            "/maintenances",
            maintenance_with("scheduled_until", json!("2026-11-25T23:30")),
            "scheduled_until",
        ),
        case(
            "an empty maintenance window",
            M::POST,
            "/maintenances",
            maintenance_with("scheduled_until", json!("2026-11-26T00:00")),
            "scheduled_until",
        ),
        case(
            "an unknown component under maintenance",
            M::POST,
            "/maintenances",
            maintenance_with("components", json!(["bank-transfer", "ghost-pay"])),
            "components.ghost-pay",
        ),
        case(
            "a maintenance start that is not a time",
            M::POST,
            "/maintenances",
            maintenance_with("scheduled_for", json!("tonight")),
            "scheduled_for",
        ),
        // Updates and patches to what exists.
        case(
            "an update with an empty message",
            M::POST,
            "/incidents/{incident}/updates",
            json!({ "message": "" }),
            "message",
        ),
        case(
            "an update with an unknown status",
            M::POST,
            "/incidents/{incident}/updates",
            json!({ "message": "확인 중입니다.", "status": "fixed" }),
            "status",
        ),
        case(
            "an update with an unknown component",
            M::POST,
            "/incidents/{incident}/updates",
            json!({ "message": "확인 중입니다.", "components": { "ghost-pay": "major_outage" } }),
            "components.ghost-pay",
        ),
        case(
            "a patch turning a published incident back into a draft",
            M::PATCH,
            "/incidents/{incident}",
            json!({ "draft": true }),
            "draft",
        ),
        case(
            "a patch with an overlong title",
            M::PATCH,
            "/incidents/{incident}",
            json!({ "title": "가".repeat(201) }),
            "title",
        ),
        case(
            "a maintenance patch ending before it starts",
            M::PATCH,
            "/maintenances/{maintenance}",
            json!({ "scheduled_until": "2026-11-25T20:00" }),
            "scheduled_until",
        ),
        case(
            "an ETA on a maintenance update",
            M::POST,
            "/maintenances/{maintenance}/updates",
            json!({ "message": "점검 중입니다.", "eta": "2026-11-26T00:20" }),
            "eta",
        ),
        // Components.
        case(
            "an unknown component status by hand",
            M::PATCH,
            "/components/card",
            json!({ "status": "broken" }),
            "status",
        ),
        case(
            "a status set on a group",
            M::PATCH,
            "/components/easy-pay",
            json!({ "status": "major_outage" }),
            "status",
        ),
        case(
            "an empty component name",
            M::PATCH,
            "/components/card",
            json!({ "name": "" }),
            "name",
        ),
        case(
            "a component id with spaces and capitals",
            M::POST,
            "/components",
            json!({ "id": "Test Pay", "name": "테스트페이" }),
            "id",
        ),
        case(
            "an unknown fallback",
            M::POST,
            "/components",
            json!({ "id": "test-pay", "name": "테스트페이", "fallbacks": ["ghost-pay"] }),
            "fallbacks[0]",
        ),
        Case {
            what: "a component id already in use",
            method: M::POST,
            path: "/components",
            content_type: JSON,
            body: json!({ "id": "card", "name": "카드" }).to_string(),
            status: StatusCode::CONFLICT,
            field: None,
        },
        // Keys.
        case(
            "an unknown scope",
            M::POST,
            "/keys",
            json!({ "name": "monitoring", "scopes": ["admin"] }),
            "scopes",
        ),
        case(
            "no scopes",
            M::POST,
            "/keys",
            json!({ "name": "monitoring", "scopes": [] }),
            "scopes",
        ),
        case(
            "an empty key name",
            M::POST,
            "/keys",
            json!({ "name": "", "scopes": ["read"] }),
            "name",
        ),
        // Not found.
        Case {
            what: "an update to an incident that does not exist",
            method: M::POST,
            path: "/incidents/abcdefghijkl/updates",
            content_type: JSON,
            body: json!({ "message": "확인 중입니다." }).to_string(),
            status: StatusCode::NOT_FOUND,
            field: None,
        },
    ]
}

/// Unknown and missing fields: the answer names exactly the field at fault.
fn field_cases() -> Vec<Case> {
    use Method as M;
    vec![
        case(
            "an unknown field",
            M::POST,
            "/incidents",
            incident_with("colour", json!("red")),
            "colour",
        ),
        case(
            "an unknown field in an alternative",
            M::POST,
            "/incidents",
            incident_with(
                "alternatives",
                json!([{ "component": "bank-transfer", "instruction": "오타" }]),
            ),
            "alternatives[0].instruction",
        ),
        case(
            "an unknown field in an update",
            M::POST,
            "/incidents/{incident}/updates",
            json!({ "message": "확인 중입니다.", "severity": "high" }),
            "severity",
        ),
        case(
            "an unknown field in a maintenance",
            M::POST,
            "/maintenances",
            maintenance_with("recurring", json!("daily")),
            "recurring",
        ),
        case(
            "an unknown field in a component patch",
            M::PATCH,
            "/components/card",
            json!({ "colour": "red" }),
            "colour",
        ),
        case(
            "an unknown field in a new key",
            M::POST,
            "/keys",
            json!({ "name": "monitoring", "scopes": ["read"], "expires": "never" }),
            "expires",
        ),
        case(
            "a missing title",
            M::POST,
            "/incidents",
            incident_with("title", Value::Null),
            "title",
        ),
        case(
            "a missing maintenance end",
            M::POST,
            "/maintenances",
            {
                let mut m = bank_maintenance();
                m.as_object_mut().map(|o| o.remove("scheduled_until"));
                m
            },
            "scheduled_until",
        ),
    ]
}

/// Sends each case to an app holding one open incident and one scheduled maintenance;
/// returns what went wrong, case by case.
async fn failures_of(cases: Vec<Case>) -> TestResult<Vec<String>> {
    let app = spawn_app().await;
    let incident = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    let maintenance = string(&app.create_maintenance_ok(&bank_maintenance()).await?["id"])?;
    let before = app.stored_state().await?;
    let mut failures = Vec::new();

    for case in cases {
        let path = case
            .path
            .replace("{incident}", &incident)
            .replace("{maintenance}", &maintenance);
        let mut request = app
            .admin(case.method.clone(), &path)
            .body(case.body.clone());
        if let Some(content_type) = case.content_type {
            request = request.header("Content-Type", content_type);
        }
        let r = request.send().await?;
        if let Err(e) = expect_problem(r, case.status, case.field).await {
            failures.push(format!("{} ({} {path}): {e}", case.what, case.method));
        }
        let after = app.stored_state().await?;
        if after != before {
            failures.push(format!(
                "{} ({} {path}) stored something: {after:?}",
                case.what, case.method
            ));
        }
    }
    Ok(failures)
}

#[tokio::test]
async fn invalid_input_is_answered_with_problem_json_and_nothing_is_stored() -> TestResult {
    let failures = failures_of(cases()).await?;
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    Ok(())
}

#[tokio::test]
async fn unknown_and_missing_fields_are_named_exactly_and_nothing_is_stored() -> TestResult {
    let failures = failures_of(field_cases()).await?;
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    Ok(())
}

#[tokio::test]
async fn every_problem_with_a_request_is_reported_at_once() -> TestResult {
    let app = spawn_app().await;
    let mut body = card_outage();
    body["title"] = json!("");
    body["impact"] = json!("apocalyptic");
    body["components"] = json!({ "ghost-pay": "major_outage" });

    let r = app.create_incident(&body).await?;

    let problem = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("title")).await?;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    for field in ["title", "impact", "components.ghost-pay"] {
        assert!(
            fields.contains(&field),
            "`{field}` not reported: {fields:?}"
        );
    }
    assert!(items(&app.list_incidents().await?).is_empty());
    Ok(())
}

#[tokio::test]
async fn a_malformed_query_string_is_answered_with_problem_json() -> TestResult {
    let app = spawn_app().await;
    for path in [
        "/incidents?limit=1&limit=2",
        "/maintenances?limit=abc",
        "/audit?limit=1&limit=2",
    ] {
        let r = app.admin(reqwest::Method::GET, path).send().await?;
        let status = r.status();
        assert!(
            status == reqwest::StatusCode::BAD_REQUEST
                || status == reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {status}"
        );
        assert_eq!(
            header(&r, "content-type"),
            "application/problem+json",
            "{path}"
        );
    }
    Ok(())
}
