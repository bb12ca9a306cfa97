//! The iframe pop-up (`/embed/script.js` + `/embed/frame`), compatible with the reference
//! status embed's protocol.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

const FRAME_STATE: &str = "const f = document.querySelector('iframe'); if (!f) return null;
    const r = f.getBoundingClientRect(); const s = getComputedStyle(f);
    return { visible: s.visibility !== 'hidden' && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight,
             width: Math.round(r.width), height: Math.round(r.height) };";

#[tokio::test]
async fn the_embed_stays_hidden_while_all_is_well_and_pops_up_during_an_incident() -> TestResult {
    let w = World::start().await?;
    let body = format!(r#"<script src="{}/embed/script.js"></script>"#, w.status);
    w.open(&w.page("embed-calm", &body, None)).await?;
    let state = w.wait_for("the embed's iframe", FRAME_STATE).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let state_later = w.browser.execute(FRAME_STATE, vec![]).await?;
    assert_eq!(
        state["visible"],
        json!(false),
        "hidden while nothing is wrong: {state}"
    );
    assert_eq!(
        state_later["visible"],
        json!(false),
        "and it stays hidden: {state_later}"
    );

    w.post_incident(card_outage("카드 결제 승인 지연")).await?;
    w.open(&w.page("embed-incident", &body, None)).await?;
    let state = w
        .wait_for(
            "the frame to show",
            &format!("const s = (() => {{ {FRAME_STATE} }})(); return s && s.visible ? s : null"),
        )
        .await?;
    assert_eq!(
        (state["width"].as_i64(), state["height"].as_i64()),
        (Some(320), Some(115)),
        "{state}"
    );

    // The frame shows the incident: read it through the WebDriver frame switch.
    w.browser.enter_frame(0).await?;
    let title = w
        .browser
        .find(fantoccini::Locator::Css(".frame-title"))
        .await?
        .text()
        .await?;
    assert_eq!(title, "카드 결제 승인 지연");
    // Its close button asks the parent to hide it.
    w.browser
        .find(fantoccini::Locator::Id("paystatus-dismiss"))
        .await?
        .click()
        .await?;
    w.browser.enter_parent_frame().await?;
    w.wait_for(
        "the frame to hide after closing",
        &format!("const s = (() => {{ {FRAME_STATE} }})(); return s && !s.visible"),
    )
    .await?;
    assert_eq!(w.errors().await?, Vec::<String>::new());
    w.finish().await
}

#[tokio::test]
async fn a_message_from_another_origin_cannot_show_the_frame() -> TestResult {
    let w = World::start().await?;
    let body = format!(r#"<script src="{}/embed/script.js"></script>"#, w.status);
    w.open(&w.page("embed-forged", &body, None)).await?;
    w.wait_for("the embed's iframe", FRAME_STATE).await?;
    // The host page itself (another origin than the status server) posts the message.
    w.browser.execute("window.postMessage({action: 'showFrame'}, '*'); window.postMessage('{\"action\":\"showFrame\"}', '*');", vec![]).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let state = w.browser.execute(FRAME_STATE, vec![]).await?;
    assert_eq!(
        state["visible"],
        json!(false),
        "a forged showFrame is ignored: {state}"
    );
    w.finish().await
}
