//! HTTP behaviour of every public document: ETag and 304, Last-Modified, compression,
//! HEAD, CORS, caching and content types.

use std::io::Read;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

async fn public_paths(app: &TestApp) -> TestResult<Vec<String>> {
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    Ok(vec![
        "/".into(),
        "/?lang=en".into(),
        format!("/incidents/{id}"),
        "/history".into(),
        "/history.rss".into(),
        "/history.atom".into(),
        "/api/v2/summary.json".into(),
        "/api/v2/status.json".into(),
        "/api/v2/components.json".into(),
        "/api/v2/incidents.json".into(),
        "/api/v2/incidents/unresolved.json".into(),
        format!("/api/v2/incidents/{id}.json"),
        "/api/v2/scheduled-maintenances.json".into(),
        "/api/v2/scheduled-maintenances/upcoming.json".into(),
        "/api/v2/scheduled-maintenances/active.json".into(),
    ])
}

#[tokio::test]
async fn every_public_document_answers_304_to_its_etag_and_to_if_modified_since() -> TestResult {
    let app = spawn_app().await;
    for path in public_paths(&app).await? {
        let url = format!("{}{path}", app.address);
        let r = app.client.get(&url).send().await?;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let etag = header(&r, "etag");
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
            "{path}: a strong ETag, got {etag:?}"
        );
        let last_modified = header(&r, "last-modified");
        assert!(last_modified.ends_with(" GMT"), "{path}: {last_modified:?}");
        assert_eq!(
            header(&r, "cache-control"),
            "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400",
            "{path}"
        );
        assert!(
            header(&r, "content-type").ends_with("charset=utf-8"),
            "{path}: {}",
            header(&r, "content-type")
        );

        let again = app
            .client
            .get(&url)
            .header("If-None-Match", &etag)
            .send()
            .await?;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(header(&again, "etag"), etag, "{path}");
        assert!(again.bytes().await?.is_empty(), "{path}: a 304 has no body");
        let other = app
            .client
            .get(&url)
            .header("If-None-Match", "\"something-else\"")
            .send()
            .await?;
        assert_eq!(other.status(), StatusCode::OK, "{path}");
        let since = app
            .client
            .get(&url)
            .header("If-Modified-Since", &last_modified)
            .send()
            .await?;
        assert_eq!(since.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn a_write_changes_the_etag_of_what_it_changes() -> TestResult {
    let app = spawn_app().await;
    let before = header(&app.get("/api/v2/summary.json").await?, "etag");
    app.set_component_status("mobile", "degraded_performance")
        .await?;
    let r = app
        .client
        .get(format!("{}/api/v2/summary.json", app.address))
        .header("If-None-Match", &before)
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK, "the old ETag no longer matches");
    assert_ne!(header(&r, "etag"), before);
    Ok(())
}

#[tokio::test]
async fn compression_follows_accept_encoding_and_decodes_to_the_same_bytes() -> TestResult {
    let app = spawn_app().await;
    let paths = public_paths(&app).await?;
    // Brotli variants are made right after a write is published (gzip ones before).
    app.handle().publisher().settled().await;
    let mut compressed = 0;
    for path in &paths {
        let url = format!("{}{path}", app.address);
        let plain = app
            .client
            .get(&url)
            .header("Accept-Encoding", "identity")
            .send()
            .await?;
        assert_eq!(header(&plain, "content-encoding"), "", "{path}");
        assert!(header(&plain, "vary").contains("Accept-Encoding"), "{path}");
        let plain = plain.bytes().await?;
        if plain.len() < 1024 {
            // Tiny documents are not worth compressing (status.json); the rest must be.
            continue;
        }
        compressed += 1;

        let gz = app
            .client
            .get(&url)
            .header("Accept-Encoding", "gzip")
            .send()
            .await?;
        assert_eq!(header(&gz, "content-encoding"), "gzip", "{path}");
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz.bytes().await?[..]).read_to_end(&mut out)?;
        assert_eq!(out, plain, "{path}: gzip decodes to the same document");

        let br = app
            .client
            .get(&url)
            .header("Accept-Encoding", "gzip, deflate, br")
            .send()
            .await?;
        assert_eq!(
            header(&br, "content-encoding"),
            "br",
            "{path}: brotli is preferred"
        );
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br.bytes().await?[..], &mut out)?;
        assert_eq!(out, plain, "{path}: brotli decodes to the same document");

        let no_br = app
            .client
            .get(&url)
            .header("Accept-Encoding", "br;q=0, gzip")
            .send()
            .await?;
        assert_eq!(
            header(&no_br, "content-encoding"),
            "gzip",
            "{path}: q=0 refuses brotli"
        );
    }
    // Pages, feeds, summary, components and incident documents are all well over 1 KB.
    assert!(
        compressed >= 10,
        "only tiny documents go uncompressed ({compressed} of {} were checked)",
        paths.len()
    );
    Ok(())
}

#[tokio::test]
async fn head_answers_the_same_headers_without_a_body() -> TestResult {
    let app = spawn_app().await;
    for path in public_paths(&app).await? {
        let url = format!("{}{path}", app.address);
        let get = app.client.get(&url).send().await?;
        let (etag, length, kind) = (header(&get, "etag"), get.bytes().await?.len(), "");
        let head = app.client.head(&url).send().await?;
        assert_eq!(head.status(), StatusCode::OK, "{path}{kind}");
        assert_eq!(header(&head, "etag"), etag, "{path}");
        assert_eq!(
            header(&head, "content-length"),
            length.to_string(),
            "{path}"
        );
        assert!(head.bytes().await?.is_empty(), "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn api_and_feeds_are_open_to_other_origins_and_pages_are_not() -> TestResult {
    let app = spawn_app().await;
    for path in public_paths(&app).await? {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .header("Origin", "https://shop.example")
            .send()
            .await?;
        let open = path.starts_with("/api/v2/") || path.starts_with("/history.");
        assert_eq!(
            header(&r, "access-control-allow-origin"),
            if open { "*" } else { "" },
            "{path}"
        );
        assert_eq!(
            header(&r, "access-control-allow-credentials"),
            "",
            "{path}: never credentials"
        );
        if !open {
            assert!(
                header(&r, "content-security-policy").contains("frame-ancestors 'none'"),
                "{path} refuses framing"
            );
        }
    }
    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v2/summary.json", app.address),
        )
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await?;
    assert!(preflight.status().is_success());
    assert_eq!(header(&preflight, "access-control-allow-origin"), "*");
    assert!(header(&preflight, "access-control-allow-methods").contains("GET"));
    assert!(!header(&preflight, "access-control-allow-methods").contains("POST"));
    Ok(())
}

#[tokio::test]
async fn content_types_name_their_format() -> TestResult {
    let app = spawn_app().await;
    for (path, expected) in [
        ("/", "text/html; charset=utf-8"),
        ("/history.rss", "application/rss+xml; charset=utf-8"),
        ("/history.atom", "application/atom+xml; charset=utf-8"),
        ("/api/v2/summary.json", "application/json; charset=utf-8"),
    ] {
        assert_eq!(
            header(&app.get(path).await?, "content-type"),
            expected,
            "{path}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_page_language_follows_lang_then_accept_language_then_the_default() -> TestResult {
    let app = spawn_app().await;
    let ko = app.get_page("/").await?;
    assert_eq!(ko.lang()?, "ko");
    let en = app.get_page_in("/", "en-US,en;q=0.9").await?;
    assert_eq!(en.lang()?, "en");
    assert!(
        en.header("vary").contains("Accept-Language"),
        "a negotiated page varies on Accept-Language"
    );
    let forced = app.get_page_in("/?lang=ko", "en-US").await?;
    assert_eq!(forced.lang()?, "ko", "?lang wins over Accept-Language");
    let en_json = app
        .client
        .get(format!("{}/api/v2/status.json", app.address))
        .header("Accept-Language", "en")
        .send()
        .await?;
    let body: serde_json::Value = en_json.json().await?;
    assert_eq!(
        body["status"]["description"],
        json!("모든 결제 서비스가 정상입니다"),
        "JSON language is chosen by ?lang only"
    );
    Ok(())
}

#[tokio::test]
async fn the_page_links_its_feeds_for_autodiscovery_and_visibly() -> TestResult {
    let app = spawn_app().await;
    let page = app.get_page("/").await?;
    let rss = page.select(r#"link[rel="alternate"][type="application/rss+xml"]"#)?;
    let atom = page.select(r#"link[rel="alternate"][type="application/atom+xml"]"#)?;
    assert_eq!(rss.len(), 1);
    assert_eq!(atom.len(), 1);
    assert_eq!(rss[0].value().attr("href"), Some("/history.rss"));
    let visible = page.select(r#"a[href="/history.rss"]"#)?;
    assert!(
        !visible.is_empty() && text_of(visible[0]).contains("RSS"),
        "a visible RSS link"
    );
    Ok(())
}

#[tokio::test]
async fn health_and_metrics_report_the_server() -> TestResult {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get("/").await?;
    }
    app.get("/api/v2/summary.json").await?;
    app.list_components().await?;
    let health: serde_json::Value = app.get("/healthz").await?.json().await?;
    assert_eq!(health["status"], "ok");
    let metrics = app.get("/metrics").await?.text().await?;
    let value = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    assert!(value("paystatus_public_requests_total") >= 4, "{metrics}");
    assert!(value("paystatus_admin_requests_total") >= 1, "{metrics}");
    assert_eq!(value("paystatus_server_errors_total"), 0, "{metrics}");
    assert!(
        value("paystatus_snapshot_built_timestamp_seconds") > 0,
        "{metrics}"
    );
    assert!(value("paystatus_snapshot_builds_total") >= 1, "{metrics}");
    assert!(value("paystatus_snapshot_documents") >= 20, "{metrics}");
    assert!(value("paystatus_snapshot_bytes") > 10_000, "{metrics}");
    assert!(
        metrics.contains("# TYPE paystatus_archive_renders_total counter"),
        "{metrics}"
    );
    Ok(())
}
