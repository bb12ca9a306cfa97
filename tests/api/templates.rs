//! Notice templates over HTTP: seeded on first start, listed with `read`, changed with
//! `components`, refused field by field, and applied to fill in channel names and the ETA
//! in both languages.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const SEEDED: [&str; 10] = [
    "card-approval-delay",
    "card-issuer-outage",
    "bank-transfer-delay",
    "bank-maintenance",
    "virtual-account-issuance",
    "mobile-carrier-outage",
    "easy-pay-outage",
    "gateway-down",
    "recovered-with-apology",
    "postmortem-outline",
];

async fn list_templates(app: &TestApp) -> TestResult<Value> {
    expect_json(
        app.admin(Method::GET, "/templates").send().await?,
        StatusCode::OK,
    )
    .await
}

fn ids(list: &Value) -> Vec<String> {
    items(list)
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_string))
        .collect()
}

/// `POST /templates/{id}/apply` with the all-scopes key.
async fn apply(app: &TestApp, id: &str, body: Value) -> reqwest::Result<Response> {
    app.admin(Method::POST, &format!("/templates/{id}/apply"))
        .json(&body)
        .send()
        .await
}

/// A request with another key than the all-scopes one.
fn with_key(app: &TestApp, key: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.admin_url(path))
        .bearer_auth(key)
}

fn bank_delay() -> Value {
    json!({
        "id": "bank-slow",
        "kind": "incident",
        "name": { "ko": "은행 응답 지연", "en": "Slow bank" },
        "title": { "ko": "{channels} 지연", "en": "{channels} is slow" },
        "message": {
            "ko": "{channels} 결제가 늦어지고 있습니다. 예상 복구 시각은 {eta}입니다.",
            "en": "Payments by {channels} are slow. Expected recovery: {eta}."
        },
        "status": "identified",
        "components": { "bank-transfer": "degraded_performance" },
        "next_update_in_minutes": 30
    })
}

#[tokio::test]
async fn the_common_cases_are_seeded_on_first_start_in_both_languages() -> TestResult {
    let app = spawn_app().await;

    let list = list_templates(&app).await?;

    let mut listed = ids(&list);
    listed.sort();
    let mut seeded = SEEDED.map(String::from).to_vec();
    seeded.sort();
    assert_eq!(listed, seeded);
    let kinds: Vec<&str> = items(&list)
        .iter()
        .filter_map(|t| t["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            ["incident"; 7].as_slice(),
            &["maintenance", "resolution", "postmortem"]
        ]
        .concat(),
        "listed by kind: opening, closing, looking back"
    );
    for t in items(&list) {
        for field in ["name", "title", "message"] {
            for lang in ["ko", "en"] {
                assert!(
                    t[field][lang].as_str().is_some_and(|s| !s.is_empty()),
                    "{} has no {field}.{lang}",
                    t["id"]
                );
            }
        }
    }
    let by_id = |id: &str| items(&list).iter().find(|t| t["id"] == json!(id)).cloned();
    let card = by_id("card-approval-delay").ok_or("no card-approval-delay")?;
    assert_eq!(card["kind"], "incident");
    assert_eq!(card["status"], "investigating");
    assert_eq!(
        card["components"],
        json!({ "card": "degraded_performance" })
    );
    assert_eq!(card["next_update_in_minutes"], 20);
    let recovered = by_id("recovered-with-apology").ok_or("no recovered-with-apology")?;
    assert_eq!(
        (&recovered["kind"], &recovered["status"]),
        (&json!("resolution"), &json!("resolved"))
    );
    assert!(
        recovered["message"]["ko"]
            .as_str()
            .is_some_and(|m| m.contains("죄송합니다")),
        "the recovery apologises: {}",
        recovered["message"]
    );
    Ok(())
}

#[tokio::test]
async fn the_read_scope_lists_and_applies_templates_but_cannot_change_them() -> TestResult {
    let app = spawn_app().await;
    let (_, reader) = app.create_key_ok("reader", &["read"]).await?;
    let read = |method, path: &str| with_key(&app, &reader, method, path);

    expect_json(
        read(Method::GET, "/templates").send().await?,
        StatusCode::OK,
    )
    .await?;
    let r = read(Method::GET, "/templates/gateway-down").send().await?;
    assert!(!header(&r, "etag").is_empty(), "a template has an ETag");
    expect_json(r, StatusCode::OK).await?;
    let r = read(Method::POST, "/templates/gateway-down/apply")
        .json(&json!({}))
        .send()
        .await?;
    expect_json(r, StatusCode::OK).await?;

    let refused = [
        read(Method::POST, "/templates").json(&bank_delay()),
        read(Method::PATCH, "/templates/gateway-down").json(&json!({ "title": "장애" })),
        read(Method::DELETE, "/templates/gateway-down"),
    ];
    for request in refused {
        expect_problem(request.send().await?, StatusCode::FORBIDDEN, None).await?;
    }
    assert_eq!(ids(&list_templates(&app).await?).len(), SEEDED.len());
    Ok(())
}

#[tokio::test]
async fn the_components_scope_creates_changes_and_deletes_a_template() -> TestResult {
    let app = spawn_app().await;
    let (_, editor) = app.create_key_ok("catalogue", &["components"]).await?;
    let edit = |method, path: &str| with_key(&app, &editor, method, path);

    let r = edit(Method::POST, "/templates")
        .json(&bank_delay())
        .send()
        .await?;
    let first_tag = header(&r, "etag");
    let created = expect_json(r, StatusCode::CREATED).await?;
    assert_eq!(
        created["components"],
        json!({ "bank-transfer": "degraded_performance" })
    );
    assert_eq!(created["title"]["ko"], "{channels} 지연");

    let patch = json!({ "title": { "ko": "{channels} 결제 지연", "en": "{channels} payments are slow" }, "status": null });
    let r = edit(Method::PATCH, "/templates/bank-slow")
        .header("If-Match", &first_tag)
        .json(&patch)
        .send()
        .await?;
    let second_tag = header(&r, "etag");
    let changed = expect_json(r, StatusCode::OK).await?;
    assert_eq!(changed["title"]["ko"], "{channels} 결제 지연");
    assert_eq!(changed["status"], Value::Null, "null clears the status");
    assert_ne!(first_tag, second_tag);
    let stale = edit(Method::PATCH, "/templates/bank-slow")
        .header("If-Match", &first_tag)
        .json(&json!({ "next_update_in_minutes": 10 }))
        .send()
        .await?;
    expect_problem(stale, StatusCode::PRECONDITION_FAILED, None).await?;

    let r = edit(Method::DELETE, "/templates/bank-slow")
        .header("If-Match", &second_tag)
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let gone = app
        .admin(Method::GET, "/templates/bank-slow")
        .send()
        .await?;
    expect_problem(gone, StatusCode::NOT_FOUND, None).await?;
    let audit = app.list_audit().await?;
    let actions: Vec<&str> = items(&audit)
        .iter()
        .filter(|e| e["target"] == json!("bank-slow"))
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["template.delete", "template.update", "template.create"]
    );
    Ok(())
}

/// A valid new template with one field replaced (or removed, with `null`).
fn template_with(field: &str, value: Value) -> Value {
    let mut body = bank_delay();
    if value.is_null() {
        body.as_object_mut().map(|o| o.remove(field));
    } else {
        body[field] = value;
    }
    body
}

/// One bad request and how it must be answered.
struct Case {
    what: &'static str,
    method: Method,
    path: &'static str,
    body: Value,
    status: StatusCode,
    /// The field the answer must name, for 422.
    field: Option<&'static str>,
}

/// A request refused with 422 naming `field`.
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
        body,
        status: StatusCode::UNPROCESSABLE_ENTITY,
        field: Some(field),
    }
}

/// A new template refused with 422 naming `field`.
fn new_template(what: &'static str, body: Value, field: &'static str) -> Case {
    case(what, Method::POST, "/templates", body, field)
}

fn cases() -> Vec<Case> {
    let (patch, post) = (Method::PATCH, Method::POST);
    vec![
        new_template(
            "an unknown placeholder",
            template_with(
                "message",
                json!({ "ko": "예상 복구 {eta_time}", "en": "x" }),
            ),
            "message.ko",
        ),
        new_template(
            "a mistyped placeholder in English",
            template_with("title", json!({ "ko": "지연", "en": "{Channels} slow" })),
            "title.en",
        ),
        new_template(
            "an unknown component",
            template_with("components", json!({ "ghost-pay": "major_outage" })),
            "components.ghost-pay",
        ),
        new_template(
            "a group as a component",
            template_with("components", json!({ "easy-pay": "major_outage" })),
            "components.easy-pay",
        ),
        new_template(
            "components as a list",
            template_with("components", json!(["card"])),
            "components",
        ),
        new_template(
            "a maintenance status on an incident template",
            template_with("status", json!("in_progress")),
            "status",
        ),
        new_template(
            "an unknown kind",
            template_with("kind", json!("announcement")),
            "kind",
        ),
        new_template("an empty title", template_with("title", json!("")), "title"),
        new_template(
            "a missing message",
            template_with("message", Value::Null),
            "message",
        ),
        new_template("a bad id", template_with("id", json!("Bank Slow")), "id"),
        new_template(
            "an unknown field",
            template_with("colour", json!("red")),
            "colour",
        ),
        case(
            "a kind the template's status does not suit",
            patch.clone(),
            "/templates/card-approval-delay",
            json!({ "kind": "resolution" }),
            "status",
        ),
        case(
            "channels on a postmortem",
            patch.clone(),
            "/templates/postmortem-outline",
            json!({ "components": { "card": "major_outage" } }),
            "components",
        ),
        case(
            "an update interval on a resolution",
            patch.clone(),
            "/templates/recovered-with-apology",
            json!({ "next_update_in_minutes": 20 }),
            "next_update_in_minutes",
        ),
        case(
            "an unreadable ETA",
            post.clone(),
            "/templates/gateway-down/apply",
            json!({ "eta": "soon" }),
            "eta",
        ),
        case(
            "an unknown component to apply",
            post.clone(),
            "/templates/gateway-down/apply",
            json!({ "components": { "ghost-pay": "major_outage" } }),
            "components.ghost-pay",
        ),
        Case {
            what: "an id in use",
            method: post,
            path: "/templates",
            body: template_with("id", json!("gateway-down")),
            status: StatusCode::CONFLICT,
            field: None,
        },
        Case {
            what: "an unknown template",
            method: patch,
            path: "/templates/nothing",
            body: json!({ "title": "장애" }),
            status: StatusCode::NOT_FOUND,
            field: None,
        },
    ]
}

#[tokio::test]
async fn bad_templates_are_refused_naming_the_field_and_nothing_is_stored() -> TestResult {
    let app = spawn_app().await;
    let before = (
        list_templates(&app).await?,
        items(&app.list_audit().await?).len(),
    );
    let mut failures = Vec::new();
    for c in cases() {
        let r = app
            .admin(c.method.clone(), c.path)
            .json(&c.body)
            .send()
            .await?;
        if let Err(e) = expect_problem(r, c.status, c.field).await {
            failures.push(format!("{} ({} {}): {e}", c.what, c.method, c.path));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    let after = (
        list_templates(&app).await?,
        items(&app.list_audit().await?).len(),
    );
    assert_eq!(after, before, "nothing was stored");
    Ok(())
}

#[tokio::test]
async fn every_problem_of_a_template_is_reported_at_once() -> TestResult {
    let app = spawn_app().await;
    let mut body = bank_delay();
    body["kind"] = json!("maintenance");
    body["title"] = json!("{title} 점검");
    body["status"] = json!("resolved");
    body["components"] = json!({ "ghost-pay": "under_maintenance" });

    let r = app
        .admin(Method::POST, "/templates")
        .json(&body)
        .send()
        .await?;

    let problem = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, None).await?;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["components.ghost-pay", "title.ko", "status"]);
    Ok(())
}

#[tokio::test]
async fn applying_fills_channel_names_and_the_eta_in_both_languages() -> TestResult {
    let app = spawn_app().await;

    let r = apply(
        &app,
        "card-approval-delay",
        json!({ "eta": "2026-11-25T14:45" }),
    )
    .await?;

    let a = expect_json(r, StatusCode::OK).await?;
    assert_eq!(
        a["message"]["ko"],
        "신용·체크카드 결제 승인이 평소보다 늦어지고 있습니다. 결제가 완료되기까지 시간이 걸리거나 실패할 수 있습니다. 급하신 경우 계좌이체 이용을 권해 드립니다. 예상 복구 시각은 14:45입니다."
    );
    assert_eq!(
        a["message"]["en"],
        "Card approvals are slower than usual for credit & debit cards: payments may take longer or fail. If you are in a hurry, you can pay with bank transfer instead. Expected recovery: 14:45."
    );
    assert_eq!(a["components"], json!({ "card": "degraded_performance" }));
    assert_eq!(a["alternatives"], json!(["bank-transfer"]));
    assert_eq!(a["eta"], "2026-11-25T14:45:00.000+09:00");
    assert_eq!(
        (&a["status"], &a["next_update_in_minutes"]),
        (&json!("investigating"), &json!(20))
    );

    let wallets = json!({ "components": { "kakaopay": "major_outage", "card": "major_outage" } });
    let a = expect_json(
        apply(&app, "easy-pay-outage", wallets).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(a["title"]["ko"], "신용·체크카드, 카카오페이 결제 장애");
    assert_eq!(
        a["title"]["en"],
        "Credit & debit cards and KakaoPay payments failing"
    );
    let message = a["message"]["ko"].as_str().unwrap_or_default();
    assert!(
        message.ends_with("예상 복구 시각은 확인 중입니다."),
        "{message}"
    );
    assert_eq!(a["alternatives"], json!(["bank-transfer"]));
    Ok(())
}

#[tokio::test]
async fn a_failing_fallback_is_not_suggested_and_the_filled_words_open_an_incident() -> TestResult {
    let app = spawn_app().await;
    app.set_component_status("bank-transfer", "partial_outage")
        .await?;

    let r = apply(
        &app,
        "card-approval-delay",
        json!({ "eta": "2026-11-25T14:45" }),
    )
    .await?;

    let a = expect_json(r, StatusCode::OK).await?;
    assert_eq!(a["alternatives"], json!([]));
    let message = a["message"]["en"].as_str().unwrap_or_default();
    assert!(
        message.contains("pay with another payment method instead"),
        "{message}"
    );
    let incident = app
        .create_incident_ok(&json!({
            "title": a["title"],
            "message": a["message"],
            "status": a["status"],
            "components": a["components"],
            "eta": a["eta"],
            "next_update_in_minutes": a["next_update_in_minutes"],
        }))
        .await?;
    let page = app.get_page("/").await?;
    let notice = page
        .notice(incident["title"]["ko"].as_str().unwrap_or_default())?
        .ok_or("the incident is not on the page")?;
    assert!(
        notice.message.is_some_and(|m| m.contains("14:45")),
        "the filled message is what customers read"
    );
    Ok(())
}

#[tokio::test]
async fn a_deleted_seeded_template_does_not_come_back_after_a_restart() -> TestResult {
    let mut app = spawn_app().await;
    let r = app
        .admin(Method::DELETE, "/templates/gateway-down")
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .admin(Method::POST, "/templates")
        .json(&bank_delay())
        .send()
        .await?;
    expect_json(r, StatusCode::CREATED).await?;

    app.restart().await?;

    let left = ids(&list_templates(&app).await?);
    assert!(!left.contains(&"gateway-down".to_string()), "{left:?}");
    assert!(left.contains(&"bank-slow".to_string()), "{left:?}");
    assert_eq!(left.len(), SEEDED.len());
    Ok(())
}
