//! The console's pages beyond incidents: scheduling maintenance, the channel catalogue,
//! templates, people, API keys and the audit log. Each is driven as a browser without
//! script would: sign in, read the form, post it with its CSRF token; and what it did is
//! checked where everyone else sees it (the public JSON, the admin API).

pub mod browser;

use paystatus::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;
use browser::*;

#[tokio::test]
async fn an_editor_schedules_changes_and_cancels_a_maintenance_in_the_console() -> TestResult {
    let app = spawn_app().await;
    person(&app, "lee@example.com", Role::Editor).await?;
    let lee = sign_in(&app, "lee@example.com").await?;
    open(&lee, "/console/maintenances/new").await?;

    // Refused: nothing is made, and the form comes back as typed.
    let bad = [
        ("message_ko", "점검합니다."),
        ("scheduled_for", "2026-11-26T00:30"),
        ("scheduled_until", "2026-11-26T00:00"),
        ("action", "publish"),
    ];
    let page = lee
        .post_refused(
            "/console/maintenances/new",
            &bad,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
    let problems = page.texts(".problems li")?.join(" ");
    assert!(
        problems.contains("title") && problems.contains("scheduled_until"),
        "{problems}"
    );
    assert_eq!(page.text("#message_ko")?, "점검합니다.");
    assert!(items(&app.list_maintenances().await?).is_empty());

    let at = lee
        .post_ok(
            "/console/maintenances/new",
            &[
                ("title_ko", "은행 정기 점검"),
                ("title_en", "Bank maintenance"),
                ("message_ko", "계좌이체를 잠시 이용하실 수 없습니다."),
                ("component", "bank-transfer"),
                ("component", "virtual-account"),
                ("scheduled_for", "2026-11-26T00:00"),
                ("scheduled_until", "2026-11-26T00:30"),
                ("auto_transition", "on"),
                ("action", "publish"),
            ],
        )
        .await?;
    let id = at.trim_start_matches("/console/maintenances/").to_string();
    let upcoming = public_json(&app, "/api/v2/scheduled-maintenances/upcoming.json").await?;
    let listed = &upcoming["scheduled_maintenances"][0];
    assert_eq!(listed["name"], json!("은행 정기 점검"));
    assert_eq!(time(&listed["scheduled_for"])?, utc("2026-11-25T15:00:00Z"));

    // Longer, against the version the page showed; that version again is stale.
    let page = open(&lee, &at).await?;
    let revision = value(&page, "input[name=revision]")?;
    let change = |until: &'static str| {
        [
            ("revision", revision.clone()),
            ("title_ko", "은행 정기 점검 (연장)".to_string()),
            ("scheduled_for", "2026-11-26T00:00".to_string()),
            ("scheduled_until", until.to_string()),
            ("auto_transition", "on".to_string()),
        ]
    };
    let fields = change("2026-11-26T01:00");
    let as_refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    lee.post_ok(&at, &as_refs).await?;
    let m = expect_json(app.get_maintenance(&id).await?, StatusCode::OK).await?;
    assert_eq!(m["title"]["ko"], json!("은행 정기 점검 (연장)"), "{m}");
    assert_eq!(time(&m["scheduled_until"])?, utc("2026-11-25T16:00:00Z"));
    lee.post_refused(&at, &as_refs, StatusCode::PRECONDITION_FAILED)
        .await?;

    let page = open(&lee, &at).await?;
    let fields = [
        ("revision", value(&page, "input[name=revision]")?),
        ("title_ko", "점검 시간 오류".to_string()),
        ("scheduled_until", "2026-11-25T23:00".to_string()),
    ];
    let as_refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = lee
        .post_refused(&at, &as_refs, StatusCode::UNPROCESSABLE_ENTITY)
        .await?;
    assert_eq!(
        value(&page, "#title_ko")?,
        "점검 시간 오류",
        "the form is kept"
    );

    // Called off: completed before it began, with a word to customers.
    let cancel = format!("{at}/cancel");
    lee.post_ok(&cancel, &[("message_ko", "점검이 취소되었습니다.")])
        .await?;
    assert_eq!(app.maintenance_status(&id).await?, "completed");
    let upcoming = public_json(&app, "/api/v2/scheduled-maintenances/upcoming.json").await?;
    assert_eq!(upcoming["scheduled_maintenances"], json!([]));
    let page = open(&lee, &at).await?;
    assert_eq!(page.count("form[action$=\"/cancel\"]")?, 0);
    Ok(())
}

#[tokio::test]
async fn an_admin_renames_a_channel_and_adds_one_in_the_console() -> TestResult {
    let app = spawn_app().await;
    person(&app, "kim@example.com", Role::Admin).await?;
    let kim = sign_in(&app, "kim@example.com").await?;
    let page = open(&kim, "/console/components").await?;
    assert!(
        page.texts("table th[scope=row]")?
            .contains(&"간편결제".to_string())
    );
    let revision = value(&page, "#component-card input[name=revision]")?;

    let rename = [
        ("revision", revision.as_str()),
        ("name_ko", "신용·체크카드 결제"),
        ("name_en", "Cards"),
        ("description_ko", "국내외 카드"),
        ("group_id", ""),
        ("position", "1"),
        ("fallback", "bank-transfer"),
        ("fallback", "kakaopay"),
    ];
    kim.post_ok("/console/components/card", &rename).await?;
    let public = public_json(&app, "/api/v2/components.json").await?;
    let card = public["components"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == json!("card")))
        .ok_or("no card")?;
    assert_eq!(card["name"], json!("신용·체크카드 결제"));
    let admin = expect_json(app.get_component("card").await?, StatusCode::OK).await?;
    assert_eq!(
        admin["fallbacks"],
        json!(["bank-transfer", "kakaopay"]),
        "{admin}"
    );

    // Refused field by field, in the admin API's words; the form is kept and unfolded.
    let page = open(&kim, "/console/components").await?;
    let revision = value(&page, "#component-card input[name=revision]")?;
    let bad = [
        ("revision", revision.as_str()),
        ("name_ko", "카드"),
        ("position", "first"),
        ("fallback", "card"),
    ];
    let page = kim
        .post_refused(
            "/console/components/card",
            &bad,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
    assert!(!page.texts(".problems li")?.is_empty());
    assert_eq!(
        value(&page, "details#component-card[open] #name_ko-card")?,
        "카드"
    );

    let add = [
        ("id", "samsungpay"),
        ("name_ko", "삼성페이"),
        ("group_id", "easy-pay"),
        ("fallback", "card"),
    ];
    kim.post_ok("/console/components", &add).await?;
    let added = expect_json(app.get_component("samsungpay").await?, StatusCode::OK).await?;
    assert_eq!(added["group_id"], json!("easy-pay"), "{added}");
    let page = kim
        .post_refused("/console/components", &add, StatusCode::CONFLICT)
        .await?;
    assert_eq!(
        value(&page, "details#component-new[open] #id-new")?,
        "samsungpay"
    );
    Ok(())
}

async fn template_titled(app: &TestApp, id: &str) -> TestResult<Option<String>> {
    let list = expect_json(
        app.admin(Method::GET, "/templates").send().await?,
        StatusCode::OK,
    )
    .await?;
    Ok(items(&list)
        .iter()
        .find(|t| t["id"] == json!(id))
        .map(|t| t["title"]["ko"].as_str().unwrap_or_default().to_string()))
}

#[tokio::test]
async fn an_admin_adds_changes_and_deletes_a_template_in_the_console() -> TestResult {
    let app = spawn_app().await;
    person(&app, "kim@example.com", Role::Admin).await?;
    let kim = sign_in(&app, "kim@example.com").await?;
    open(&kim, "/console/templates").await?;
    open(&kim, "/console/templates/new").await?;

    let mut fields = vec![
        ("id", "pg-delay"),
        ("kind", "incident"),
        ("name_ko", "PG사 지연"),
        ("title_ko", "{channels} 결제 지연"),
        ("message_ko", "{channels} 결제가 늦어지고 있습니다. {eta}"),
        ("status", "investigating"),
        ("component.card", "major_outage"),
        ("component.mobile", "none"),
        ("next_update_in_minutes", "30"),
    ];
    fields.push(("title_en", "{bogus} delay"));
    let page = kim
        .post_refused(
            "/console/templates/new",
            &fields,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
    assert!(page.texts(".problems li")?.join(" ").contains("{bogus}"));
    assert_eq!(value(&page, "#id")?, "pg-delay", "the form is kept");
    fields.pop();
    kim.post_ok("/console/templates/new", &fields).await?;
    assert_eq!(
        template_titled(&app, "pg-delay").await?.as_deref(),
        Some("{channels} 결제 지연")
    );

    let page = open(&kim, "/console/templates/pg-delay").await?;
    let revision = value(&page, "form.notice-form input[name=revision]")?;
    let mut changed: Vec<(&str, &str)> =
        fields.iter().filter(|(k, _)| *k != "id").copied().collect();
    changed.retain(|(k, _)| *k != "title_ko");
    changed.push(("title_ko", "{channels} 승인 지연"));
    changed.push(("revision", &revision));
    kim.post_ok("/console/templates/pg-delay", &changed).await?;
    assert_eq!(
        template_titled(&app, "pg-delay").await?.as_deref(),
        Some("{channels} 승인 지연")
    );
    kim.post_refused(
        "/console/templates/pg-delay",
        &changed,
        StatusCode::PRECONDITION_FAILED,
    )
    .await?;

    let page = open(&kim, "/console/templates/pg-delay").await?;
    let revision = value(&page, "form.notice-form input[name=revision]")?;
    kim.post_ok(
        "/console/templates/pg-delay/delete",
        &[("revision", &revision)],
    )
    .await?;
    assert_eq!(template_titled(&app, "pg-delay").await?, None);
    Ok(())
}

#[tokio::test]
async fn a_person_added_in_the_console_is_signed_out_at_once_when_disabled() -> TestResult {
    let app = spawn_app().await;
    person(&app, "kim@example.com", Role::Admin).await?;
    let kim = sign_in(&app, "kim@example.com").await?;
    open(&kim, "/console/people").await?;

    let bad = [
        ("email", "lee@example.com"),
        ("role", "owner"),
        ("password", "tiny-pw"),
    ];
    let r = kim.post("/console/people", &bad).await?;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await?;
    assert!(!body.contains("tiny-pw"), "the password is not shown back");
    let page = Page::from_response(kim.post("/console/people", &bad).await?).await?;
    let problems = page.texts(".problems li")?.join(" ");
    assert!(
        problems.contains("role") && problems.contains("password"),
        "{problems}"
    );
    assert_eq!(value(&page, "#email")?, "lee@example.com");

    let add = [
        ("email", "lee@example.com"),
        ("role", "editor"),
        ("password", PASSWORD),
    ];
    kim.post_ok("/console/people", &add).await?;
    let lee = sign_in(&app, "lee@example.com").await?;
    open(&lee, "/console/maintenances/new").await?;

    kim.post_ok(
        "/console/people/role",
        &[("email", "lee@example.com"), ("role", "viewer")],
    )
    .await?;
    let page = lee.page("/console/maintenances/new").await?;
    assert_eq!(
        page.status,
        StatusCode::FORBIDDEN,
        "a viewer from the next request on"
    );

    kim.post_ok("/console/people/disable", &[("email", "lee@example.com")])
        .await?;
    let r = lee.get("/console").await?;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&r, "location"), "/console/login");
    let page = open(&kim, "/console/people").await?;
    let row = page
        .texts("table.people tbody tr")?
        .into_iter()
        .find(|r| r.contains("lee@example.com"))
        .ok_or("lee is not listed")?;
    assert!(row.contains("사용 중지됨"), "{row}");
    assert!(sign_in(&app, "lee@example.com").await.is_err());
    Ok(())
}

#[tokio::test]
async fn a_key_made_in_the_console_is_shown_once_and_revoked_at_once() -> TestResult {
    let app = spawn_app().await;
    person(&app, "kim@example.com", Role::Admin).await?;
    let kim = sign_in(&app, "kim@example.com").await?;
    open(&kim, "/console/keys").await?;

    let page = kim
        .post_refused(
            "/console/keys",
            &[("name", "ci")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
    assert!(page.texts(".problems li")?.join(" ").contains("scopes"));

    let r = kim
        .post(
            "/console/keys",
            &[
                ("name", "ci-deploy"),
                ("scope", "read"),
                ("scope", "incidents"),
            ],
        )
        .await?;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(header(&r, "cache-control"), "no-store");
    let page = Page::from_response(r).await?;
    assert_accessible(&page, "the new key")?;
    let secret = value(&page, "#secret")?;
    assert!(secret.starts_with("ps_"), "{secret}");

    let as_key = |path: &str| {
        app.client
            .get(app.admin_url(path))
            .bearer_auth(&secret)
            .send()
    };
    assert_eq!(as_key("/incidents").await?.status(), StatusCode::OK);
    let listing = kim.get("/console/keys").await?.text().await?;
    assert!(!listing.contains(&secret), "the key is shown only once");

    let id = app.key_id("ci-deploy").await?;
    kim.post_ok(&format!("/console/keys/{id}/revoke"), &[])
        .await?;
    assert_eq!(
        as_key("/incidents").await?.status(),
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

#[tokio::test]
async fn admin_pages_refuse_editors_and_viewers_and_change_nothing() -> TestResult {
    let app = spawn_app().await;
    person(&app, "lee@example.com", Role::Editor).await?;
    person(&app, "park@example.com", Role::Viewer).await?;
    let lee = sign_in(&app, "lee@example.com").await?;
    let park = sign_in(&app, "park@example.com").await?;
    let before = app.stored_state().await?;

    // (who, method, path): every page the role may not use.
    let admin_only = [
        ("GET", "/console/components"),
        ("POST", "/console/components"),
        ("POST", "/console/components/card"),
        ("GET", "/console/templates/new"),
        ("POST", "/console/templates/new"),
        ("GET", "/console/templates/card-approval-delay"),
        ("POST", "/console/templates/card-approval-delay"),
        ("POST", "/console/templates/card-approval-delay/delete"),
        ("GET", "/console/people"),
        ("POST", "/console/people"),
        ("POST", "/console/people/role"),
        ("POST", "/console/people/disable"),
        ("GET", "/console/keys"),
        ("POST", "/console/keys"),
        ("POST", "/console/keys/key_x/revoke"),
    ];
    let editors_only = [
        ("GET", "/console/maintenances/new"),
        ("POST", "/console/maintenances/new"),
        ("POST", "/console/maintenances/m1"),
        ("POST", "/console/maintenances/m1/cancel"),
    ];
    let cases = admin_only
        .iter()
        .map(|r| (&lee, *r))
        .chain(admin_only.iter().chain(&editors_only).map(|r| (&park, *r)));
    for (who, (method, path)) in cases {
        let r = match method {
            "GET" => who.get(path).await?,
            _ => who.post(path, &[("email", "park@example.com")]).await?,
        };
        let page = Page::from_response(r).await?;
        let case = format!("{method} {path} as {}", who.email);
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{case}");
        assert_eq!(page.text("h1")?, "요청을 거절했습니다", "{case}");
    }
    assert_eq!(app.stored_state().await?, before, "nothing changed");

    // The menu offers only what the role may use.
    let menu = lee.page("/console").await?.texts("nav a")?.join(" ");
    assert!(
        menu.contains("점검 예약") && !menu.contains("API 키"),
        "{menu}"
    );
    let menu = park.page("/console").await?.texts("nav a")?.join(" ");
    assert!(
        !menu.contains("점검 예약") && menu.contains("활동 기록"),
        "{menu}"
    );
    Ok(())
}

/// The actions the audit page lists, in order.
async fn audit(b: &Browser<'_>, query: &str) -> TestResult<(Vec<String>, Option<String>)> {
    let page = open(b, &format!("/console/audit?{query}")).await?;
    let older = page
        .select("a[rel=next]")?
        .first()
        .and_then(|a| a.attr("href"))
        .map(str::to_string);
    Ok((page.texts("table.audit tbody td:nth-child(3)")?, older))
}

#[tokio::test]
async fn the_audit_log_is_filtered_by_action_actor_and_time_in_the_console() -> TestResult {
    let app = spawn_app().await;
    person(&app, "kim@example.com", Role::Admin).await?;
    person(&app, "lee@example.com", Role::Editor).await?;
    let kim = sign_in(&app, "kim@example.com").await?;
    // 14:05 KST: an incident through the API (its key is named test-admin).
    let incident = app.create_incident_ok(&incident_titled("PG 지연")).await?;
    app.advance_and_tick(chrono::Duration::minutes(10)).await?;
    // 14:15: lee schedules a maintenance here.
    let lee = sign_in(&app, "lee@example.com").await?;
    let window = [
        ("title_ko", "점검"),
        ("message_ko", "점검합니다."),
        ("scheduled_for", "2026-11-26T02:00"),
        ("scheduled_until", "2026-11-26T03:00"),
    ];
    lee.post_ok("/console/maintenances/new", &window).await?;
    app.advance_and_tick(chrono::Duration::minutes(10)).await?;
    // 14:25: the incident moves on.
    let id = string(&incident["id"])?;
    app.post_incident_update_ok(&id, &json!({ "message": "원인을 찾았습니다." }))
        .await?;

    let cases: &[(&str, &[&str])] = &[
        ("action=incident", &["incident.update", "incident.create"]),
        ("action=incident.up", &["incident.update"]),
        (
            "actor=lee%40example.com",
            &["maintenance.create", "session.login"],
        ),
        (
            // The same minute: the later write first.
            "from=2026-11-25T14:10&until=2026-11-25T14:20",
            &["maintenance.create", "session.login"],
        ),
        (
            "action=incident.&actor=test-admin&from=2026-11-25T14:20",
            &["incident.update"],
        ),
        ("action=key.", &["key.create"]),
        ("actor=nobody", &[]),
    ];
    for (query, expected) in cases {
        let (found, _) = audit(&kim, query).await?;
        assert_eq!(found, *expected, "{query}");
    }

    // A page at a time, the filters kept on the way.
    let (first, older) = audit(&kim, "action=incident&limit=1").await?;
    assert_eq!(first, ["incident.update"]);
    let older = older.ok_or("no older page")?;
    let (second, older) = audit(&kim, older.trim_start_matches("/console/audit?")).await?;
    assert_eq!((second, older), (vec!["incident.create".to_string()], None));

    let page = kim.page("/console/audit?from=yesterday").await?;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.texts(".problems li")?.join(" ").contains("from"));
    assert_eq!(value(&page, "#from")?, "yesterday", "the filters are kept");
    Ok(())
}
