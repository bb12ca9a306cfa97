//! Guessing keys: after a burst of failures a client is answered 429 with `Retry-After`,
//! while a right key from the same address always goes through; addresses come from the
//! socket, or from `X-Forwarded-For` only behind a proxy the operator trusts.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// A key that looks real and is not: a fresh one each time, so its prefix is new too.
fn wrong_key(n: usize) -> String {
    format!("ps_{n:08}{}", "x".repeat(32))
}

async fn try_key(
    app: &TestApp,
    key: &str,
    forwarded_for: Option<&str>,
) -> TestResult<reqwest::Response> {
    let mut request = app
        .client
        .get(app.admin_url("/components"))
        .bearer_auth(key);
    if let Some(f) = forwarded_for {
        request = request.header("X-Forwarded-For", f);
    }
    Ok(request.send().await?)
}

/// Sends wrong keys until one is refused with 429; returns how many were answered 401.
async fn guess_until_throttled(
    app: &TestApp,
    forwarded_for: Option<&str>,
    from: usize,
) -> TestResult<usize> {
    for n in 0..200 {
        let r = try_key(app, &wrong_key(from + n), forwarded_for).await?;
        match r.status() {
            StatusCode::UNAUTHORIZED => continue,
            StatusCode::TOO_MANY_REQUESTS => {
                let retry_after: u64 = header(&r, "retry-after").parse()?;
                assert!((1..=60).contains(&retry_after), "{retry_after}");
                let problem = expect_problem(r, StatusCode::TOO_MANY_REQUESTS, None).await?;
                assert_eq!(problem["type"], "/problems/too-many-attempts", "{problem}");
                return Ok(n);
            }
            other => return Err(format!("a wrong key was answered {other}").into()),
        }
    }
    Err("200 wrong keys and never throttled".into())
}

#[tokio::test]
async fn wrong_keys_are_throttled_and_a_right_key_still_works() -> TestResult {
    let app = spawn_app().await;
    let allowed = guess_until_throttled(&app, None, 0).await?;
    eprintln!("{allowed} wrong keys were answered 401 before the first 429");
    assert!(
        (5..=50).contains(&allowed),
        "a burst, then refusals: {allowed}"
    );

    // Pretending to be someone else does not help without a trusted proxy.
    let r = try_key(&app, &wrong_key(999), Some("198.51.100.7")).await?;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // The operator behind the same address is not locked out.
    let r = try_key(&app, &app.admin_key, None).await?;
    assert_eq!(r.status(), StatusCode::OK);
    // Nor are readers: public routes are never limited per address.
    for _ in 0..50 {
        assert_eq!(
            app.get("/api/v2/status.json").await?.status(),
            StatusCode::OK
        );
    }
    let metrics = app.get("/metrics").await?.text().await?;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("paystatus_auth_throttled_total ") && !l.ends_with(" 0")),
        "{metrics}"
    );
    Ok(())
}

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_told_apart() -> TestResult {
    let app =
        spawn_app_configured(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    guess_until_throttled(&app, Some("198.51.100.7"), 0).await?;
    // Another shopper's address behind the same proxy is not throttled.
    let r = try_key(&app, &wrong_key(500), Some("198.51.100.8")).await?;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A client cannot step out of its bucket by adding addresses to the left.
    let r = try_key(&app, &wrong_key(501), Some("203.0.113.1, 198.51.100.7")).await?;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    Ok(())
}

#[tokio::test]
async fn one_key_guessed_from_many_addresses_is_throttled() -> TestResult {
    let app =
        spawn_app_configured(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let key = wrong_key(7);
    let mut refused = None;
    for n in 0..200 {
        let r = try_key(&app, &key, Some(&format!("203.0.113.{}", n % 250))).await?;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(n);
            break;
        }
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = refused.ok_or("the same key from many addresses was never throttled")?;
    assert!(refused <= 50, "{refused}");
    // Other keys from fresh addresses are unaffected.
    let r = try_key(&app, &wrong_key(8), Some("192.0.2.1")).await?;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await?;
    assert_eq!(body["type"], "/problems/unauthorized");
    Ok(())
}
