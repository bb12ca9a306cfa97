//! What merchants embed: `/widget.js`, `/embed/script.js`, `/embed/frame` and the demo page.

use std::io::Write;

use crate::helpers::*;

#[tokio::test]
async fn the_banner_script_fits_in_eight_kilobytes_gzipped() -> TestResult {
    let app = spawn_app().await;
    let script = app.get("/widget.js").await?.bytes().await?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&script)?;
    let size = gz.finish()?.len();
    assert!(
        size <= 8 * 1024,
        "widget.js is {size} bytes gzipped; the budget is 8192"
    );
    assert!(script.len() > 1000, "the real script is served");
    Ok(())
}

#[tokio::test]
async fn embedded_scripts_are_cached_long_and_readable_from_any_origin() -> TestResult {
    let app = spawn_app().await;
    for path in ["/widget.js", "/embed/script.js"] {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .header("Origin", "https://shop.example")
            .send()
            .await?;
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
        assert_eq!(
            header(&r, "content-type"),
            "text/javascript; charset=utf-8",
            "{path}"
        );
        assert_eq!(header(&r, "access-control-allow-origin"), "*", "{path}");
        assert!(
            header(&r, "cache-control").contains("max-age=86400"),
            "{path}: {}",
            header(&r, "cache-control")
        );
        assert!(!header(&r, "etag").is_empty(), "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn only_the_embed_frame_may_be_framed_by_other_sites() -> TestResult {
    let app = spawn_app().await;
    let frame = app.get("/embed/frame").await?;
    assert!(header(&frame, "content-security-policy").contains("frame-ancestors *"));
    assert_eq!(header(&frame, "x-frame-options"), "");
    for path in ["/", "/history", "/widget", "/api/v2/summary.json"] {
        let r = app.get(path).await?;
        assert!(
            header(&r, "content-security-policy").contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn the_frame_shows_the_open_incident_and_asks_to_be_shown_only_then() -> TestResult {
    let app = spawn_app().await;
    let calm = app.get_page("/embed/frame").await?;
    assert_eq!(calm.select("body[data-show=\"false\"]")?.len(), 1);
    assert_eq!(calm.count(".frame-title")?, 0);
    let id = string(&app.create_incident_ok(&card_outage()).await?["id"])?;
    let busy = app.get_page("/embed/frame").await?;
    assert_eq!(busy.select("body[data-show=\"true\"]")?.len(), 1);
    assert_eq!(busy.text(".frame-title")?, "카드 결제 승인 지연");
    let link = busy.select(".frame-title a")?;
    assert_eq!(
        link[0].value().attr("href"),
        Some(format!("{}/incidents/{id}/", app.address).as_str())
    );
    assert_eq!(busy.count("#paystatus-dismiss")?, 1);
    assert_eq!(app.get_page("/embed/frame?lang=en").await?.lang()?, "en");
    Ok(())
}

#[tokio::test]
async fn the_demo_page_shows_the_snippet_a_live_preview_and_every_option() -> TestResult {
    let app = spawn_app().await;
    let page = app.get_page("/widget").await?;
    let snippets = page.texts("pre.snippet code")?;
    assert!(
        snippets
            .iter()
            .any(|s| s.contains(&format!("{}/widget.js", app.address))
                && s.contains("data-components")),
        "{snippets:?}"
    );
    assert!(
        snippets.iter().any(|s| s.contains("/embed/script.js")),
        "the iframe embed is shown too"
    );
    assert_eq!(
        page.select(".preview script[src=\"/widget.js\"]")?.len(),
        1,
        "a live preview"
    );
    let options = page.texts(".options tbody th code")?;
    // Every option the script documents in its header comment is explained on the page.
    let script = app.get("/widget.js").await?.text().await?;
    let header = script.split("*/").next().unwrap_or_default();
    let documented: Vec<&str> = header
        .split_whitespace()
        .map(|w| w.trim_end_matches(','))
        .filter(|w| w.starts_with("data-") && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    assert!(documented.len() >= 8, "{documented:?}");
    for option in documented {
        assert!(
            options.iter().any(|o| o == option),
            "{option} is not on the demo page: {options:?}"
        );
    }
    Ok(())
}
