//! The banner and the embed loaded from a static copy of the site (what the bucket mirror
//! holds and a CDN serves, made here by `paystatus export`), with the status server
//! stopped: merchants' checkouts never depend on the origin.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::process::{Child, Command};

use crate::helpers::*;

/// A folder served as a bucket with the README's CORS rule serves it: any origin may
/// read.
const STATIC_HOST: &str = r#"
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()
    def log_message(self, *args):
        pass
handler = functools.partial(Handler, directory=sys.argv[2])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
"#;

async fn static_host(dir: &std::path::Path, port: u16) -> TestResult<Child> {
    let child = Command::new("python3")
        .args(["-c", STATIC_HOST, &port.to_string()])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{url}/widget.js")).await.is_ok() {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err("the static host did not start".into())
}

#[tokio::test]
async fn the_banner_and_the_embed_work_from_a_static_copy_with_the_origin_stopped() -> TestResult {
    let w = World::start().await?;
    let mut incident = card_outage("카드 결제 승인 지연");
    incident["title"] = json!({"ko": "카드 결제 승인 지연", "en": "Card payments failing"});
    w.post_incident(incident).await?;
    let copy = tempfile::tempdir()?;
    let site = copy.path().join("site");
    let port = free_port()?;
    let cdn = format!("http://127.0.0.1:{port}");
    w.export(&site, &cdn).await?;
    let _host = static_host(&site, port).await?;
    w.stop_status_server();
    // The origin is gone for good.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        reqwest::get(format!("{}/api/v2/summary.json", w.status))
            .await
            .is_err()
    );

    for (lang, title) in [
        ("ko", "카드 결제 승인 지연"),
        ("en", "Card payments failing"),
    ] {
        let body = format!(
            r#"<script src="{cdn}/widget.js" data-components="card" data-lang="{lang}" async></script>"#
        );
        w.open(&w.page(&format!("copy-banner-{lang}"), &body, None))
            .await?;
        w.wait_for_first_read().await?;
        let text = w.banner().await?.ok_or("no banner from the static copy")?;
        assert!(text.contains(title), "{lang}: {text}");
    }

    let body = format!(r#"<script src="{cdn}/embed/script.js" data-lang="en"></script>"#);
    w.open(&w.page("copy-embed", &body, None)).await?;
    w.wait_for(
        "the frame from the copy to show",
        "const f = document.querySelector('iframe'); if (!f) return null;
         const r = f.getBoundingClientRect();
         return getComputedStyle(f).visibility !== 'hidden' && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;",
    )
    .await?;
    w.browser.enter_frame(0).await?;
    let title = w
        .browser
        .find(fantoccini::Locator::Css(".frame-title"))
        .await?
        .text()
        .await?;
    assert_eq!(title, "Card payments failing");
    w.browser.enter_parent_frame().await?;
    assert_eq!(w.errors().await?, Vec::<String>::new());
    w.finish().await
}
