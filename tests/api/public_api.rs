//! `/api/v2/*.json` against the reference documents in `tests/fixtures/statuspage/`
//! (copied verbatim from `shared/reference/statuspage/`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::*;

const DOCUMENTS: &[&str] = &[
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
];

const REFERENCE_FILES: &[&str] = &[
    "githubstatus_components_2024-09.json",
    "githubstatus_incident_1nyvf21q5dn7.json",
    "githubstatus_incidents_2024-09.json",
    "statuscheck_cloudamqp_maintenance.summary.json",
    "statuscheck_github_incident.summary.json",
    "statuscheck_twilio_incident.summary.json",
];

/// The enum values the reference API documents (see the fixtures' README).
const COMPONENT_STATUSES: &[&str] = &[
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];
const INCIDENT_STATUSES: &[&str] = &[
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "postmortem",
];
const MAINTENANCE_STATUSES: &[&str] = &["scheduled", "in_progress", "verifying", "completed"];
const IMPACTS: &[&str] = &["none", "minor", "major", "critical", "maintenance"];
const INDICATORS: &[&str] = &["none", "minor", "major", "critical", "maintenance"];

/// The objects of one kind found in a set of documents.
#[derive(Default)]
struct Samples {
    kinds: BTreeMap<&'static str, Vec<Value>>,
}

impl Samples {
    fn of(docs: &[(String, Value)]) -> Samples {
        let mut samples = Samples::default();
        for (_, doc) in docs {
            samples.collect(doc);
        }
        samples
    }

    fn add(&mut self, kind: &'static str, v: &Value) {
        self.kinds.entry(kind).or_default().push(v.clone());
    }

    fn collect(&mut self, doc: &Value) {
        if doc["page"].is_object() {
            self.add("page", &doc["page"]);
        }
        if doc["status"].is_object() {
            self.add("status", &doc["status"]);
        }
        for c in doc["components"].as_array().into_iter().flatten() {
            self.component(c);
        }
        for i in doc["incidents"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(doc.get("incident"))
        {
            self.incident("incident", i);
        }
        for m in doc["scheduled_maintenances"]
            .as_array()
            .into_iter()
            .flatten()
        {
            self.incident("maintenance", m);
        }
    }

    fn component(&mut self, c: &Value) {
        let kind = if c["group"] == json!(true) {
            "component group"
        } else {
            "component"
        };
        self.add(kind, c);
    }

    fn incident(&mut self, kind: &'static str, i: &Value) {
        // The single-incident document also holds maintenances; tell them by their window.
        let kind = if i.get("scheduled_for").is_some_and(|v| !v.is_null()) {
            "maintenance"
        } else {
            kind
        };
        self.add(kind, i);
        for c in i["components"].as_array().into_iter().flatten() {
            self.component(c);
        }
        for u in i["incident_updates"].as_array().into_iter().flatten() {
            self.add("incident update", u);
            for a in u["affected_components"].as_array().into_iter().flatten() {
                self.add("affected component", a);
            }
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// For each key, the JSON types the reference uses for it.
fn shape(objects: &[Value]) -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut shape: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for o in objects {
        for (k, v) in o.as_object().into_iter().flatten() {
            shape.entry(k.clone()).or_default().insert(json_type(v));
        }
    }
    shape
}

fn reference() -> TestResult<Samples> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/statuspage");
    let mut samples = Samples::default();
    for file in REFERENCE_FILES {
        let text = std::fs::read_to_string(dir.join(file))?;
        samples.collect(&serde_json::from_str(&text)?);
    }
    Ok(samples)
}

/// A page with something in every state: an open incident that went through several
/// updates and component changes, a resolved one with a postmortem, a draft, and
/// maintenances scheduled, in progress and completed.
pub(crate) async fn busy_page() -> TestResult<(TestApp, BTreeMap<&'static str, String>)> {
    let app = spawn_app().await;
    let mut ids = BTreeMap::new();
    let open = app.create_incident_ok(&card_outage()).await?;
    ids.insert("open", string(&open["id"])?);
    // KakaoPay starts failing too; the operator sets it by hand (SCENARIO 14:10).
    app.set_component_status("kakaopay", "partial_outage")
        .await?;
    app.post_incident_update_ok(
        &ids["open"],
        &json!({"status": "identified", "message": "카드사 중계망 장애로 확인되었습니다.",
                "components": {"card": "partial_outage"}, "eta": "2026-11-25T15:00"}),
    )
    .await?;
    let old = app
        .create_incident_ok(&incident_titled("휴대폰 결제 지연"))
        .await?;
    ids.insert("resolved", string(&old["id"])?);
    app.post_incident_update_ok(
        &ids["resolved"],
        &json!({"status": "resolved", "message": "해결되었습니다."}),
    )
    .await?;
    expect_json(
        app.patch_incident(
            &ids["resolved"],
            &json!({"postmortem": "원인: 통신사 연동 장애."}),
        )
        .await?,
        reqwest::StatusCode::OK,
    )
    .await?;
    let mut draft = incident_titled("초안 장애 공지");
    draft["draft"] = json!(true);
    ids.insert(
        "draft",
        string(&app.create_incident_ok(&draft).await?["id"])?,
    );
    let upcoming = app.create_maintenance_ok(&bank_maintenance()).await?;
    ids.insert("upcoming", string(&upcoming["id"])?);
    let now = json!({"title": "페이코 점검", "message": "페이코 점검 중입니다.", "components": ["payco"],
                     "scheduled_for": "2026-11-25T14:00", "scheduled_until": "2026-11-25T16:00"});
    ids.insert(
        "active",
        string(&app.create_maintenance_ok(&now).await?["id"])?,
    );
    let past = json!({"title": "네이버페이 점검", "message": "점검이 있었습니다.", "components": ["naverpay"],
                      "scheduled_for": "2026-11-25T01:00", "scheduled_until": "2026-11-25T02:00"});
    ids.insert(
        "completed",
        string(&app.create_maintenance_ok(&past).await?["id"])?,
    );
    Ok((app, ids))
}

async fn get_json(app: &TestApp, path: &str) -> TestResult<Value> {
    expect_json(app.get(path).await?, reqwest::StatusCode::OK).await
}

/// How a document's English version is addressed: `/api/v2/x.json?lang=en` (the
/// server's form) or `/en/api/v2/x.json` (the static form, which the export writes).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Form {
    Live,
    Static,
}

/// The documents of `DOCUMENTS` and of the incidents `incident_ids`, in both languages,
/// from the site at `base`, each with the path it was read from.
pub(crate) async fn documents_at(
    client: &reqwest::Client,
    base: &str,
    form: Form,
    incident_ids: &[&str],
) -> TestResult<Vec<(String, Value)>> {
    let mut paths: Vec<String> = DOCUMENTS.iter().map(|s| s.to_string()).collect();
    for id in incident_ids {
        paths.push(format!("/api/v2/incidents/{id}.json"));
    }
    let mut docs = Vec::new();
    for path in paths {
        let english = match form {
            Form::Live => format!("{path}?lang=en"),
            Form::Static => format!("/en{path}"),
        };
        for p in [path, english] {
            let r = client.get(format!("{base}{p}")).send().await?;
            let doc = expect_json(r, reqwest::StatusCode::OK)
                .await
                .map_err(|e| format!("{p}: {e}"))?;
            docs.push((p, doc));
        }
    }
    Ok(docs)
}

/// The open and resolved incidents' and the active maintenance's documents too.
pub(crate) fn busy_incident_ids<'a>(ids: &'a BTreeMap<&str, String>) -> Vec<&'a str> {
    vec![&ids["open"], &ids["resolved"], &ids["active"]]
}

async fn our_documents(
    app: &TestApp,
    ids: &BTreeMap<&str, String>,
) -> TestResult<Vec<(String, Value)>> {
    documents_at(
        &app.client,
        &app.address,
        Form::Live,
        &busy_incident_ids(ids),
    )
    .await
}

/// Every key the reference gives an object of each kind is in each of ours, with a JSON
/// type the reference uses for it.
pub(crate) fn check_reference_keys(docs: &[(String, Value)]) -> TestResult {
    let reference = reference()?;
    let ours = Samples::of(docs);
    for kind in [
        "page",
        "status",
        "component",
        "component group",
        "incident",
        "incident update",
        "maintenance",
        "affected component",
    ] {
        let expected = shape(
            reference
                .kinds
                .get(kind)
                .ok_or(format!("the reference has no {kind}"))?,
        );
        let objects = ours
            .kinds
            .get(kind)
            .ok_or(format!("our documents have no {kind} to compare"))?;
        for object in objects {
            for (key, types) in &expected {
                let value = object
                    .get(key)
                    .ok_or_else(|| format!("{kind} lacks `{key}`: {object}"))?;
                let t = json_type(value);
                let only_null_seen = types.len() == 1 && types.contains("null");
                assert!(
                    only_null_seen || types.contains(t),
                    "{kind}.{key} is {t} in ours but {types:?} in the reference: {object}"
                );
            }
        }
    }
    Ok(())
}

/// Every status, impact and indicator in `docs` is one the reference API documents.
pub(crate) fn check_enum_values(docs: &[(String, Value)]) -> TestResult {
    let ours = Samples::of(docs);
    let check = |kind: &str, key: &str, allowed: &[&str]| -> TestResult {
        let objects = ours
            .kinds
            .get(kind)
            .ok_or(format!("our documents have no {kind} to check"))?;
        for o in objects {
            let v = o[key].as_str().unwrap_or("<not a string>");
            assert!(
                allowed.contains(&v),
                "{kind}.{key} = {v} is not a reference value"
            );
        }
        Ok(())
    };
    check("component", "status", COMPONENT_STATUSES)?;
    check("component group", "status", COMPONENT_STATUSES)?;
    check("incident", "status", INCIDENT_STATUSES)?;
    check("incident", "impact", IMPACTS)?;
    check("maintenance", "status", MAINTENANCE_STATUSES)?;
    check("maintenance", "impact", IMPACTS)?;
    check("status", "indicator", INDICATORS)?;
    let update_statuses: Vec<&str> = INCIDENT_STATUSES
        .iter()
        .chain(MAINTENANCE_STATUSES)
        .copied()
        .collect();
    check("incident update", "status", &update_statuses)?;
    check("affected component", "old_status", COMPONENT_STATUSES)?;
    check("affected component", "new_status", COMPONENT_STATUSES)?;
    Ok(())
}

#[tokio::test]
async fn every_reference_key_is_present_with_the_same_json_type() -> TestResult {
    let (app, ids) = busy_page().await?;
    check_reference_keys(&our_documents(&app, &ids).await?)
}

#[tokio::test]
async fn every_enum_value_is_one_the_reference_uses() -> TestResult {
    let reference = reference()?;
    // The documented sets cover what the reference files hold…
    for c in reference.kinds["component"]
        .iter()
        .chain(&reference.kinds["component group"])
    {
        assert!(
            COMPONENT_STATUSES.contains(&c["status"].as_str().unwrap_or("")),
            "{c}"
        );
    }
    for i in &reference.kinds["incident"] {
        assert!(
            INCIDENT_STATUSES.contains(&i["status"].as_str().unwrap_or("")),
            "{}",
            i["status"]
        );
    }
    // …and ours stay within them.
    let (app, ids) = busy_page().await?;
    let docs = our_documents(&app, &ids).await?;
    check_enum_values(&docs)?;
    let ours = Samples::of(&docs);
    let seen: BTreeSet<&str> = ours.kinds["maintenance"]
        .iter()
        .filter_map(|m| m["status"].as_str())
        .collect();
    assert_eq!(
        seen,
        BTreeSet::from(["completed", "in_progress", "scheduled"]),
        "the page holds a maintenance in each state"
    );
    Ok(())
}

#[tokio::test]
async fn timestamps_have_milliseconds_and_the_kst_offset_and_updates_are_newest_first() -> TestResult
{
    let (app, ids) = busy_page().await?;
    let format = |s: &str| {
        s.len() == 29
            && &s[19..20] == "."
            && s.ends_with("+09:00")
            && chrono::DateTime::parse_from_rfc3339(s).is_ok()
    };
    for (path, doc) in our_documents(&app, &ids).await? {
        let mut stack = vec![doc];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        if (k.ends_with("_at") || k.starts_with("scheduled_") || k == "eta")
                            && let Some(s) = v.as_str()
                        {
                            assert!(
                                format(s),
                                "{path}: {k} = {s} is not like 2026-11-25T14:05:00.000+09:00"
                            );
                        }
                        stack.push(v);
                    }
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }
    let doc = get_json(&app, &format!("/api/v2/incidents/{}.json", ids["open"])).await?;
    let updates = doc["incident"]["incident_updates"]
        .as_array()
        .ok_or("no updates")?;
    assert_eq!(updates.len(), 2);
    assert_eq!(
        updates[0]["status"], "identified",
        "the newest update comes first"
    );
    assert_eq!(updates[1]["status"], "investigating");
    Ok(())
}

#[tokio::test]
async fn summary_holds_unresolved_incidents_open_maintenances_and_our_additions() -> TestResult {
    let (app, ids) = busy_page().await?;
    let summary = get_json(&app, "/api/v2/summary.json").await?;
    let incident_ids: Vec<&str> = summary["incidents"]
        .as_array()
        .ok_or("no incidents")?
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(
        incident_ids,
        vec![ids["open"].as_str()],
        "only the unresolved incident; never the draft"
    );
    let maintenance_ids: BTreeSet<&str> = summary["scheduled_maintenances"]
        .as_array()
        .ok_or("no maintenances")?
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(
        maintenance_ids,
        BTreeSet::from([ids["active"].as_str(), ids["upcoming"].as_str()])
    );
    assert_eq!(summary["status"]["indicator"], "major");

    let open = &summary["incidents"][0];
    assert_eq!(
        open["eta"], "2026-11-25T15:00:00.000+09:00",
        "the revised ETA"
    );
    assert!(open["next_update_at"].is_string());
    let alternatives: Vec<(&str, &str)> = open["alternatives"]
        .as_array()
        .ok_or("no alternatives")?
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or(""),
                a["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        alternatives,
        vec![
            ("bank-transfer", "operational"),
            ("kakaopay", "partial_outage")
        ]
    );
    assert_eq!(
        open["alternatives"][0]["instructions"],
        "주문서에서 '계좌이체'를 선택해 주세요"
    );

    let group = summary["components"]
        .as_array()
        .ok_or("no components")?
        .iter()
        .find(|c| c["id"] == "easy-pay")
        .ok_or("no easy-pay group")?;
    assert_eq!(group["group"], true);
    assert_eq!(
        group["components"],
        json!(["kakaopay", "naverpay", "tosspay", "payco"])
    );
    assert_eq!(
        group["status"], "partial_outage",
        "a group shows its worst member"
    );
    let kakaopay = summary["components"]
        .as_array()
        .ok_or("no components")?
        .iter()
        .find(|c| c["id"] == "kakaopay")
        .ok_or("no kakaopay")?;
    assert_eq!(kakaopay["group_id"], "easy-pay");
    Ok(())
}

#[tokio::test]
async fn english_text_is_chosen_with_lang_en_and_korean_is_the_default() -> TestResult {
    let app = spawn_app().await;
    let mut body = card_outage();
    body["title"] = json!({"ko": "카드 결제 승인 지연", "en": "Card payments are failing"});
    app.create_incident_ok(&body).await?;
    let ko = get_json(&app, "/api/v2/summary.json").await?;
    let en = get_json(&app, "/api/v2/summary.json?lang=en").await?;
    assert_eq!(ko["incidents"][0]["name"], "카드 결제 승인 지연");
    assert_eq!(en["incidents"][0]["name"], "Card payments are failing");
    assert_eq!(ko["components"][0]["name"], "신용·체크카드");
    assert_eq!(en["components"][0]["name"], "Credit & debit cards");
    assert_eq!(en["status"]["description"], "Partial System Outage");
    assert_eq!(
        en["incidents"][0]["incident_updates"][0]["body"],
        ko["incidents"][0]["incident_updates"][0]["body"],
        "English falls back to Korean"
    );
    Ok(())
}

#[tokio::test]
async fn an_incident_moves_through_every_status_in_the_json() -> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    for status in ["investigating", "identified", "monitoring"] {
        app.post_incident_update_ok(
            &id,
            &json!({"status": status, "message": format!("{status} 단계입니다.")}),
        )
        .await?;
        let unresolved = get_json(&app, "/api/v2/incidents/unresolved.json").await?;
        assert_eq!(unresolved["incidents"][0]["status"], status);
        assert_eq!(
            get_json(&app, "/api/v2/status.json").await?["status"]["indicator"],
            "major"
        );
    }
    let doc = get_json(&app, &format!("/api/v2/incidents/{id}.json")).await?;
    assert!(
        doc["incident"]["monitoring_at"].is_string(),
        "monitoring_at is set once monitoring"
    );
    app.post_incident_update_ok(
        &id,
        &json!({"status": "resolved", "message": "해결되었습니다."}),
    )
    .await?;
    let unresolved = get_json(&app, "/api/v2/incidents/unresolved.json").await?;
    assert_eq!(unresolved["incidents"], json!([]));
    let all = get_json(&app, "/api/v2/incidents.json").await?;
    assert_eq!(all["incidents"][0]["status"], "resolved");
    assert!(all["incidents"][0]["resolved_at"].is_string());
    assert_eq!(
        all["incidents"][0]["eta"],
        Value::Null,
        "no ETA once resolved"
    );
    assert_eq!(
        all["incidents"][0]["alternatives"],
        json!([]),
        "nothing to recommend once resolved"
    );
    let status = get_json(&app, "/api/v2/status.json").await?;
    assert_eq!(status["status"]["indicator"], "none");
    let resolved_update = &all["incidents"][0]["incident_updates"][0];
    assert_eq!(
        resolved_update["affected_components"][0]["new_status"],
        "operational"
    );

    expect_json(
        app.patch_incident(&id, &json!({"postmortem": "원인과 재발 방지 대책입니다."}))
            .await?,
        reqwest::StatusCode::OK,
    )
    .await?;
    let doc = get_json(&app, &format!("/api/v2/incidents/{id}.json")).await?;
    assert_eq!(doc["incident"]["status"], "postmortem");
    let statuses: Vec<&str> = doc["incident"]["incident_updates"]
        .as_array()
        .ok_or("no updates")?
        .iter()
        .filter_map(|u| u["status"].as_str())
        .collect();
    assert_eq!(
        statuses,
        vec![
            "postmortem",
            "resolved",
            "monitoring",
            "identified",
            "investigating",
            "investigating"
        ]
    );
    Ok(())
}

/// The upcoming and active ids, all maintenances, and the summary.
async fn lists(app: &TestApp) -> TestResult<(Vec<String>, Vec<String>, Value, Value)> {
    let upcoming = get_json(app, "/api/v2/scheduled-maintenances/upcoming.json").await?;
    let active = get_json(app, "/api/v2/scheduled-maintenances/active.json").await?;
    let all = get_json(app, "/api/v2/scheduled-maintenances.json").await?;
    let summary = get_json(app, "/api/v2/summary.json").await?;
    let ids = |doc: &Value| -> Vec<String> {
        doc["scheduled_maintenances"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect()
    };
    Ok((ids(&upcoming), ids(&active), all, summary))
}

#[tokio::test]
async fn a_maintenance_appears_in_the_right_documents_in_each_state() -> TestResult {
    let app = spawn_app().await;
    let id = string(&app.create_maintenance_ok(&bank_maintenance()).await?["id"])?;
    let (upcoming, active, all, summary) = lists(&app).await?;
    assert_eq!(
        (upcoming, active),
        (vec![id.clone()], vec![]),
        "scheduled: upcoming only"
    );
    assert_eq!(all["scheduled_maintenances"][0]["status"], "scheduled");
    assert_eq!(all["scheduled_maintenances"][0]["impact"], "maintenance");
    assert_eq!(summary["status"]["indicator"], "none");

    // 00:00 KST on the 26th is 15:00 UTC on the 25th; the clock starts at 05:05 UTC.
    app.advance_and_tick(Duration::hours(10)).await?;
    let (upcoming, active, all, summary) = lists(&app).await?;
    assert_eq!(
        (upcoming, active),
        (vec![], vec![id.clone()]),
        "in progress: active only"
    );
    assert_eq!(all["scheduled_maintenances"][0]["status"], "in_progress");
    assert_eq!(summary["status"]["indicator"], "maintenance");
    let bank = summary["components"]
        .as_array()
        .ok_or("no components")?
        .iter()
        .find(|c| c["id"] == "bank-transfer")
        .ok_or("no bank-transfer")?;
    assert_eq!(bank["status"], "under_maintenance");

    let r = app
        .post_maintenance_update(
            &id,
            &json!({"status": "verifying", "message": "점검 결과를 확인하고 있습니다."}),
        )
        .await?;
    expect_json(r, reqwest::StatusCode::CREATED).await?;
    let (_, active, all, _) = lists(&app).await?;
    assert_eq!(active, vec![id.clone()], "verifying is still active");
    assert_eq!(all["scheduled_maintenances"][0]["status"], "verifying");

    app.advance_and_tick(Duration::minutes(30)).await?;
    let (upcoming, active, all, summary) = lists(&app).await?;
    assert_eq!(
        (upcoming, active),
        (vec![], vec![]),
        "completed: in neither list"
    );
    assert_eq!(all["scheduled_maintenances"][0]["status"], "completed");
    assert_eq!(summary["status"]["indicator"], "none");
    let statuses: Vec<&str> = all["scheduled_maintenances"][0]["incident_updates"]
        .as_array()
        .ok_or("no updates")?
        .iter()
        .filter_map(|u| u["status"].as_str())
        .collect();
    assert_eq!(
        statuses,
        vec!["completed", "verifying", "in_progress", "scheduled"]
    );
    Ok(())
}

#[tokio::test]
async fn list_documents_hold_at_most_fifty_items() -> TestResult {
    let app = spawn_app().await;
    for n in 0..52 {
        app.create_incident_ok(&incident_titled(&format!("장애 {n}")))
            .await?;
        app.clock.advance(Duration::minutes(1));
    }
    let all = get_json(&app, "/api/v2/incidents.json").await?;
    let incidents = all["incidents"].as_array().ok_or("no incidents")?;
    assert_eq!(incidents.len(), 50);
    assert_eq!(incidents[0]["name"], "장애 51", "newest first");
    Ok(())
}

#[tokio::test]
async fn drafts_and_unknown_ids_are_not_found_but_readable_cross_origin() -> TestResult {
    let (app, ids) = busy_page().await?;
    for path in [
        format!("/api/v2/incidents/{}.json", ids["draft"]),
        "/api/v2/incidents/nope.json".to_string(),
        "/api/v2/nothing.json".to_string(),
    ] {
        let r = app.get(&path).await?;
        assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*", "{path}");
    }
    for path in DOCUMENTS {
        let text = app.get(path).await?.text().await?;
        assert!(
            !text.contains(&ids["draft"]) && !text.contains("초안 장애 공지"),
            "{path} shows the draft"
        );
    }
    Ok(())
}
