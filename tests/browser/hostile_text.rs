//! The hostile-text corpus live in Chromium on a phone-sized screen: nothing in it runs,
//! opens a dialog or injects an element, in the page, incident pages, history, the banner
//! on a checkout page and the embed frame; and no text widens a 360-px-wide screen.

#[path = "../fixtures/hostile_text.rs"]
mod corpus;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use corpus::{FieldKind, Payload};

/// What goes where a payload is refused (a title too long for the 5,000-character word).
const BENIGN: &str = "무해한 안내 문구";

const PHONE_WIDTH: i64 = 360;

/// What an executed payload would leave behind, and anything a payload could have
/// injected, in the document and in every banner's shadow root.
const INJECTED: &str = r#"
const roots = [document];
document.querySelectorAll('paystatus-banner').forEach((h) => h.shadowRoot && roots.push(h.shadowRoot));
const bad = [];
if (window.__pwned !== undefined) bad.push('window.__pwned was set');
if (document.title === 'PWNED') bad.push('document.title was set');
const foreign = 'img, svg, iframe, object, embed, base, details, math, textarea, xmp, noscript, template, style, meta[http-equiv]';
for (const r of roots) {
  r.querySelectorAll(foreign).forEach((e) => bad.push('<' + e.tagName.toLowerCase() + '>'));
  r.querySelectorAll('*').forEach((e) => {
    if (e.tagName === 'SCRIPT' && !e.src) bad.push('an inline <script>');
    for (const a of e.attributes) {
      if (/^on/i.test(a.name)) bad.push(e.tagName.toLowerCase() + ' ' + a.name);
      if (/^(href|src|action|formaction|srcdoc|xlink:href)$/i.test(a.name)
          && /^(javascript|data|vbscript):/i.test(a.value.replace(/[\s\x00-\x1f]/g, ''))) {
        bad.push(e.tagName.toLowerCase() + ' ' + a.name + '=' + a.value.slice(0, 60));
      }
    }
  });
}
return bad;
"#;

/// Null when the page fits the window's width; else what sticks out.
const OVERFLOW: &str = r#"
const width = window.innerWidth;
const wide = [];
if (document.documentElement.scrollWidth > width) {
  document.querySelectorAll('body *').forEach((e) => {
    if (e.getBoundingClientRect().right > width + 0.5) {
      wide.push(e.tagName.toLowerCase() + '.' + e.className + ' in ' + e.parentElement.tagName.toLowerCase() + '.' + e.parentElement.className);
    }
  });
}
document.querySelectorAll('paystatus-banner').forEach((h) => {
  const bar = h.shadowRoot && h.shadowRoot.querySelector('.bar');
  if (bar && bar.scrollWidth > bar.clientWidth) wide.push('a banner scrolls sideways: ' + bar.scrollWidth + 'px');
});
return wide.length ? { scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8) } : null;
"#;

/// A payload with what it puts in each kind of field.
struct Live {
    payload: Payload,
    title: String,
    body: String,
    instructions: String,
}

impl Live {
    fn new(payload: Payload) -> Live {
        let text = |kind| match &payload.text {
            Some(t) if payload.accepted_in(kind) => t.clone(),
            _ => BENIGN.to_string(),
        };
        Live {
            title: text(FieldKind::Title),
            body: text(FieldKind::Body),
            instructions: text(FieldKind::Instructions),
            payload,
        }
    }

    fn incident(&self, component: &str) -> Value {
        json!({
            "title": self.title,
            "message": self.body,
            "components": { component: "major_outage" },
            "eta": "2026-11-25T14:45",
            "alternatives": [{ "component": "bank-transfer", "instructions": self.instructions }]
        })
    }
}

/// Fails if the page opened a dialog, ran a payload or holds injected markup.
async fn nothing_ran(w: &World, what: &str) -> TestResult {
    if let Ok(text) = w.browser.get_alert_text().await {
        return Err(format!("{what}: a dialog opened: {text:?}").into());
    }
    let bad = w.browser.execute(INJECTED, vec![]).await?;
    if bad != json!([]) {
        return Err(format!("{what}: {bad}").into());
    }
    Ok(())
}

async fn fits_the_phone(w: &World, what: &str) -> TestResult {
    let overflow = w.browser.execute(OVERFLOW, vec![]).await?;
    if !overflow.is_null() {
        return Err(format!("{what} is wider than {PHONE_WIDTH} px: {overflow}").into());
    }
    Ok(())
}

async fn text_of(w: &World, css: &str) -> TestResult<String> {
    let v = w
        .browser
        .execute(
            "const e = document.querySelector(arguments[0]); return e && e.textContent;",
            vec![json!(css)],
        )
        .await?;
    Ok(v.as_str()
        .ok_or(format!("nothing matches {css}"))?
        .to_string())
}

/// Makes the window's inner width exactly `PHONE_WIDTH`, whatever the window frame takes.
async fn phone_sized(w: &World) -> TestResult {
    w.browser.set_window_size(PHONE_WIDTH as u32, 800).await?;
    let inner = w
        .browser
        .execute("return window.innerWidth", vec![])
        .await?;
    let frame = PHONE_WIDTH - inner.as_i64().ok_or("no innerWidth")?;
    if frame != 0 {
        w.browser
            .set_window_size((PHONE_WIDTH + frame) as u32, 800)
            .await?;
    }
    let inner = w
        .browser
        .execute("return window.innerWidth", vec![])
        .await?;
    assert_eq!(inner, json!(PHONE_WIDTH), "the window's inner width");
    Ok(())
}

#[tokio::test]
async fn hostile_text_never_runs_and_never_widens_a_phone_screen() -> TestResult {
    let w = World::start().await?;
    let live: Vec<Live> = corpus::payloads()
        .into_iter()
        .filter(Payload::shown_somewhere)
        .map(Live::new)
        .collect();
    w.open(&format!("{}/", w.status)).await?;
    phone_sized(&w).await?;

    // The embed frame shows the one open incident: each payload's in turn, which is then
    // resolved with a postmortem.
    let mut resolved = Vec::new();
    for (n, l) in live.iter().enumerate() {
        let component = format!("hostile-{n}");
        w.admin(
            Method::POST,
            "/components",
            &json!({"id": component, "name": l.title, "description": l.body}),
        )
        .await?;
        let id = w.post_incident(l.incident(&component)).await?;
        let what = format!("{}: the embed frame", l.payload.name);
        w.open(&format!("{}/embed/frame", w.status)).await?;
        nothing_ran(&w, &what).await?;
        assert_eq!(text_of(&w, ".frame-title").await?, l.title, "{what}");
        assert_eq!(text_of(&w, ".frame-message").await?, l.body, "{what}");
        w.post_update(&id, json!({"status": "resolved", "message": l.body}))
            .await?;
        w.admin(
            Method::PATCH,
            &format!("/incidents/{id}"),
            &json!({"postmortem": l.body}),
        )
        .await?;
        resolved.push(id);
    }
    // Then every payload open at once.
    for (n, l) in live.iter().enumerate() {
        w.post_incident(l.incident(&format!("hostile-{n}"))).await?;
    }

    // A checkout page with one inline banner per payload.
    let banners: String = (0..live.len())
        .map(|n| {
            format!(
                r#"<div><script src="{}/widget.js" data-components="hostile-{n}" data-position="inline" async></script></div>"#,
                w.status
            )
        })
        .collect();
    w.open(&w.page("hostile-checkout", &banners, None)).await?;
    w.wait_for(
        "every banner",
        &format!(
            "const hs = [...document.querySelectorAll('paystatus-banner')];
             return hs.length === {} && hs.every((h) => h.shadowRoot && h.shadowRoot.querySelector('.bar'));",
            live.len()
        ),
    )
    .await?;
    nothing_ran(&w, "the checkout page with banners").await?;
    let shown = w
        .browser
        .execute(
            "return [...document.querySelectorAll('paystatus-banner')].map((h) => h.shadowRoot.textContent)",
            vec![],
        )
        .await?;
    for (l, text) in live.iter().zip(shown.as_array().ok_or("no banner texts")?) {
        let text = text.as_str().unwrap_or_default();
        for part in [&l.title, &l.body, &l.instructions] {
            assert!(
                text.contains(part.as_str()),
                "{}: the banner shows its text literally: {text:?}",
                l.payload.name
            );
        }
    }
    assert_eq!(w.errors().await?, Vec::<String>::new());
    fits_the_phone(&w, "the checkout page with banners").await?;

    for (what, path) in [("the status page", "/"), ("history", "/history")] {
        w.open(&format!("{}{path}", w.status)).await?;
        nothing_ran(&w, what).await?;
        fits_the_phone(&w, what).await?;
    }
    for (l, id) in live.iter().zip(&resolved) {
        let what = format!("{}: its incident page", l.payload.name);
        w.open(&format!("{}/incidents/{id}", w.status)).await?;
        nothing_ran(&w, &what).await?;
        fits_the_phone(&w, &what).await?;
        assert_eq!(text_of(&w, "h1.page-title").await?, l.title, "{what}");
        assert_eq!(text_of(&w, ".postmortem p").await?, l.body, "{what}");
    }
    eprintln!(
        "hostile text in Chromium: {} payloads × (embed frame, banner, incident page) + the \
         status page and history with all of them: nothing ran, nothing wider than {PHONE_WIDTH} px",
        live.len()
    );
    w.finish().await
}
