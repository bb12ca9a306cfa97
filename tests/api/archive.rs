//! Documents outside the snapshot — deep history pages, old incidents — and the promise
//! that no anonymous read can hold up an operator's write.

use std::time::Duration;

use paystatus::store::Reader;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Page, TestApp, TestResult, spawn_app};

/// Titles on a history page, in order.
fn titles(page: &Page) -> TestResult<Vec<String>> {
    page.texts("ol.history li .history-title")
}

/// The seeded titles `#from` down to `#to` (newest first).
fn seeded(from: usize, to: usize) -> Vec<String> {
    (to..=from).rev().map(|n| format!("#{n}")).collect()
}

/// The `#n` each title ends with.
fn numbers(titles: &[String]) -> Vec<String> {
    titles
        .iter()
        .map(|t| t.rsplit(' ').next().unwrap_or_default().to_string())
        .collect()
}

fn pager_link(page: &Page, rel: &str) -> TestResult<Option<String>> {
    Ok(page
        .select(&format!("nav.pager a[rel={rel}]"))?
        .first()
        .and_then(|a| a.attr("href"))
        .map(str::to_string))
}

fn first_link(page: &Page) -> TestResult<String> {
    page.select("ol.history li .history-title a")?
        .first()
        .and_then(|a| a.attr("href"))
        .map(str::to_string)
        .ok_or_else(|| "the history page links to no incident".into())
}

/// Fails the test instead of hanging it if `f` does not finish in time.
async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> TestResult<T> {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .map_err(|_| format!("{what} did not finish within 30 s").into())
}

#[tokio::test]
async fn deep_history_pages_are_in_order_and_link_to_their_neighbours() -> TestResult {
    let app = spawn_app().await;
    // 130 notices: six full pages and a seventh of ten; pages 6 and 7 are not in the
    // snapshot (it holds five).
    app.seed_past_incidents(130).await?;

    let fifth = app.get_page("/history?page=5").await?;
    let sixth = app.get_page("/history?page=6").await?;
    let last = app.get_page("/history?page=7").await?;
    assert_eq!(numbers(&titles(&fifth)?), seeded(50, 31));
    assert_eq!(numbers(&titles(&sixth)?), seeded(30, 11));
    assert_eq!(numbers(&titles(&last)?), seeded(10, 1));
    assert_eq!(sixth.status, StatusCode::OK);
    assert!(
        sixth.text("nav.pager")?.contains("6 / 7"),
        "{}",
        sixth.text("nav.pager")?
    );

    assert_eq!(pager_link(&sixth, "prev")?.as_deref(), Some("/history/5/"));
    assert_eq!(pager_link(&sixth, "next")?.as_deref(), Some("/history/7/"));
    assert_eq!(pager_link(&last, "prev")?.as_deref(), Some("/history/6/"));
    assert_eq!(pager_link(&last, "next")?, None);
    assert_eq!(pager_link(&fifth, "next")?.as_deref(), Some("/history/6/"));

    let english = app.get_page("/history?page=7&lang=en").await?;
    assert_eq!(english.lang()?, "en");
    assert!(
        titles(&english)?[0].contains("payments delayed #10"),
        "{:?}",
        titles(&english)?
    );
    assert_eq!(
        pager_link(&english, "prev")?.as_deref(),
        Some("/en/history/6/")
    );

    for beyond in [
        "/history?page=8",
        "/history?page=0",
        "/history?page=x",
        "/history?page=99999999999999999999",
    ] {
        assert_eq!(
            app.get(beyond).await?.status(),
            StatusCode::NOT_FOUND,
            "{beyond}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn an_old_incident_is_served_as_a_page_and_as_json() -> TestResult {
    let app = spawn_app().await;
    let ids = app.seed_past_incidents(130).await?;
    let oldest = &ids[0];
    assert_eq!(
        first_link(&app.get_page("/history?page=7").await?)?,
        format!("/incidents/{}/", ids[9]),
        "page 7 starts with #10"
    );

    let page = app.get_page(&format!("/incidents/{oldest}")).await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text("h1")?.ends_with("#1"), "{}", page.text("h1")?);
    assert_eq!(
        page.count("ol.timeline > li")?,
        2,
        "investigating, then resolved"
    );

    let doc: Value = app
        .get(&format!("/api/v2/incidents/{oldest}.json"))
        .await?
        .json()
        .await?;
    assert_eq!(doc["incident"]["id"], json!(oldest));
    assert_eq!(doc["incident"]["status"], "resolved");
    assert_eq!(
        doc["incident"]["incident_updates"].as_array().map(Vec::len),
        Some(2)
    );
    let english: Value = app
        .get(&format!("/api/v2/incidents/{oldest}.json?lang=en"))
        .await?
        .json()
        .await?;
    assert!(
        english["incident"]["name"]
            .as_str()
            .unwrap_or_default()
            .ends_with("payments delayed #1"),
        "{}",
        english["incident"]["name"]
    );

    // Ids that are not there, well-formed or not, are a plain 404 in each form.
    for path in ["/incidents/zzzzzzzzzzzz", "/incidents/NOT-AN-ID"] {
        let r = app.get(path).await?;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()?
                .starts_with("text/html"),
            "{path}"
        );
    }
    for path in [
        "/api/v2/incidents/zzzzzzzzzzzz.json",
        "/api/v2/nothing.json",
    ] {
        let r = app.get(path).await?;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()?
                .starts_with("application/json"),
            "{path}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_cached_deep_page_follows_the_next_write() -> TestResult {
    let app = spawn_app().await;
    app.seed_past_incidents(130).await?;
    assert_eq!(
        numbers(&titles(&app.get_page("/history?page=7").await?)?),
        seeded(10, 1)
    );

    // One more notice over: everything moves one place down the history.
    app.create_incident_ok(&json!({
        "title": "지난 장애 #131",
        "message": "잠시 결제가 지연되었고 지금은 해결되었습니다.",
        "status": "resolved"
    }))
    .await?;
    assert_eq!(
        numbers(&titles(&app.get_page("/history?page=7").await?)?),
        seeded(11, 1)
    );
    Ok(())
}

/// Requests for documents outside the snapshot, started and left running.
fn start_archive_reads(
    app: &TestApp,
    ids: &[String],
) -> Vec<tokio::task::JoinHandle<reqwest::Result<StatusCode>>> {
    let mut paths: Vec<String> = (6..=10).map(|n| format!("/history?page={n}")).collect();
    paths.extend(ids.iter().take(3).map(|id| format!("/incidents/{id}")));
    paths
        .into_iter()
        .map(|path| {
            let (client, url) = (app.client.clone(), format!("{}{path}", app.address));
            tokio::spawn(async move { Ok(client.get(url).send().await?.status()) })
        })
        .collect()
}

#[tokio::test]
async fn a_write_completes_while_every_anonymous_read_is_stuck_in_the_database() -> TestResult {
    let app = spawn_app().await;
    let ids = app.seed_past_incidents(200).await?;

    // Every public connection held mid-read (as by slow disk or a huge query), and more
    // readers queued behind them.
    let held = app.handle().store().hold_reads(Reader::Public);
    let reads = start_archive_reads(&app, &ids);
    within("filling the public readers", held.until_waiting(4)).await??;

    let created = within(
        "an operator's write",
        app.create_incident_ok(&json!({
            "title": "카드 결제 승인 지연",
            "message": "일부 카드 결제가 실패하고 있습니다.",
            "components": {"card": "major_outage"}
        })),
    )
    .await??;
    let summary: Value = app.get("/api/v2/summary.json").await?.json().await?;
    assert_eq!(
        summary["incidents"][0]["id"], created["id"],
        "the write is live"
    );
    let admin = within("an operator's read", app.list_incidents()).await??;
    assert_eq!(admin["items"][0]["id"], created["id"]);
    assert!(
        reads.iter().all(|r| !r.is_finished()),
        "the anonymous reads were still held while the operator worked"
    );

    held.release();
    for read in reads {
        assert_eq!(within("a held read", read).await???, StatusCode::OK);
    }
    Ok(())
}

#[tokio::test]
async fn writes_that_commit_during_a_build_share_the_next_one() -> TestResult {
    let app = spawn_app().await;
    let publisher = app.handle().publisher();
    let (builds, committed) = (publisher.write_builds(), publisher.committed());

    // The first write's build is held inside its read of the database...
    let held = app.handle().store().hold_reads(Reader::Snapshot);
    let post = |n: usize| {
        let (client, url, key) = (
            app.client.clone(),
            app.admin_url("/incidents"),
            app.admin_key.clone(),
        );
        tokio::spawn(async move {
            let body = json!({"title": format!("장애 {n}"), "message": "확인 중입니다.", "status": "resolved"});
            client
                .post(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
        })
    };
    let first = post(0);
    within("the first build", held.until_waiting(1)).await??;
    // ...while nine more writes commit and wait for a snapshot.
    let rest: Vec<_> = (1..10).map(post).collect();
    within("nine commits", publisher.wait_for_committed(committed + 10)).await?;
    held.release();

    for write in std::iter::once(first).chain(rest) {
        assert_eq!(within("a write", write).await???, StatusCode::CREATED);
    }
    assert_eq!(
        publisher.write_builds() - builds,
        2,
        "one build for the first write, one shared by the nine that came during it"
    );
    let history = app.get_page("/history").await?;
    assert_eq!(titles(&history)?.len(), 10, "every write is live");
    Ok(())
}

#[tokio::test]
async fn archived_pages_outlive_writes_about_open_incidents_but_not_edits_of_the_past() -> TestResult
{
    let app = spawn_app().await;
    let ids = app.seed_past_incidents(130).await?;
    let publisher = app.handle().publisher();
    let old = format!("/incidents/{}", ids[0]);
    let old_json = format!("/api/v2/incidents/{}.json", ids[0]);
    for path in ["/history?page=7", old.as_str(), old_json.as_str()] {
        assert_eq!(app.get(path).await?.status(), StatusCode::OK, "{path}");
    }
    let rendered = publisher.archive_renders();

    // During an outage the operator writes about what is going on now...
    let open = app
        .create_incident_ok(&json!({
            "title": "카드 결제 승인 지연",
            "message": "일부 카드 결제가 실패하고 있습니다.",
            "components": {"card": "major_outage"}
        }))
        .await?;
    app.post_incident_update_ok(
        open["id"].as_str().unwrap_or_default(),
        &json!({"message": "계속 확인 중입니다."}),
    )
    .await?;
    // ...and the past stays rendered; only its JSON, which names the page's last update
    // and today's statuses, is made again.
    for path in ["/history?page=7", old.as_str()] {
        assert_eq!(app.get(path).await?.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(
        publisher.archive_renders(),
        rendered,
        "pages of the past were kept"
    );
    let doc: Value = app.get(&old_json).await?.json().await?;
    assert_eq!(
        publisher.archive_renders(),
        rendered + 1,
        "the JSON was made again"
    );
    assert_eq!(
        doc["page"]["updated_at"],
        app.get("/api/v2/summary.json")
            .await?
            .json::<Value>()
            .await?["page"]["updated_at"]
    );

    // Once the outage is over it enters the history: every history page moves one place,
    // while the pages of older notices stay as they were.
    let rendered = publisher.archive_renders();
    app.post_incident_update_ok(
        open["id"].as_str().unwrap_or_default(),
        &json!({"message": "복구되었습니다.", "status": "resolved"}),
    )
    .await?;
    assert_eq!(app.get(&old).await?.status(), StatusCode::OK);
    assert_eq!(
        publisher.archive_renders(),
        rendered,
        "the old page was kept"
    );
    assert_eq!(
        numbers(&titles(&app.get_page("/history?page=7").await?)?),
        seeded(11, 1)
    );
    assert_eq!(
        publisher.archive_renders(),
        rendered + 1,
        "the history page was made again"
    );

    // Editing a notice of the past outdates its pages.
    let r = app
        .patch_incident(&ids[0], &json!({"title": "카드 결제 지연 (정정)"}))
        .await?;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await?);
    let page = app.get_page(&old).await?;
    assert_eq!(page.text("h1")?, "카드 결제 지연 (정정)");
    assert_eq!(
        titles(&app.get_page("/history?page=7").await?)?
            .last()
            .map(String::as_str),
        Some("카드 결제 지연 (정정)")
    );
    Ok(())
}

#[tokio::test]
async fn lists_show_edits_of_past_notices_and_of_components() -> TestResult {
    let app = spawn_app().await;
    let past = app
        .create_incident_ok(&json!({
            "title": "지난 카드 장애",
            "message": "카드 결제가 지연되었고 지금은 정상입니다.",
            "status": "resolved",
            "components": {"card": "operational"}
        }))
        .await?;
    let id = past["id"].as_str().unwrap_or_default().to_string();
    let incidents = |app: &TestApp| {
        let url = format!("{}/api/v2/incidents.json", app.address);
        let client = app.client.clone();
        async move { client.get(url).send().await?.json::<Value>().await }
    };
    let before = incidents(&app).await?;
    assert_eq!(before["incidents"][0]["name"], "지난 카드 장애");

    // Another write leaves the past notice's object as it was.
    app.clock.advance(chrono::Duration::minutes(1));
    app.create_incident_ok(
        &json!({"title": "다른 장애", "message": "확인 중입니다.", "status": "resolved"}),
    )
    .await?;
    let after = incidents(&app).await?;
    assert_eq!(after["incidents"][1], before["incidents"][0]);

    let r = app
        .patch_incident(&id, &json!({"title": "지난 카드 장애 (정정)"}))
        .await?;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await?);
    let r = app
        .patch_component(
            "card",
            &json!({"name": {"ko": "신용카드", "en": "Credit card"}}),
        )
        .await?;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await?);
    let edited = incidents(&app).await?;
    let object = &edited["incidents"][1];
    assert_eq!(object["name"], "지난 카드 장애 (정정)");
    assert_eq!(object["components"][0]["name"], "신용카드");
    let feed = app.get("/history.rss").await?.text().await?;
    assert!(
        feed.contains("지난 카드 장애 (정정)"),
        "the feed shows the new title"
    );
    Ok(())
}
