//! No secret at rest: API keys are kept only as hashes, also where a replayed answer is
//! saved, and a replay of a key's creation does not show the key again.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

/// Every byte the server keeps on disk: the database, its write-ahead log and whatever
/// else is in the data directory.
fn bytes_at_rest(app: &TestApp) -> TestResult<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(app.data_dir.path())? {
        let path = entry?.path();
        if path.is_file() {
            files.push((path.display().to_string(), std::fs::read(&path)?));
        }
    }
    Ok(files)
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_key_is_kept_in_clear_and_a_replay_does_not_show_it_again() -> TestResult {
    let app = spawn_app().await;
    let create = |name: &str, idempotency_key: &str| {
        app.admin(Method::POST, "/keys")
            .header("Idempotency-Key", idempotency_key)
            .json(&json!({ "name": name, "scopes": ["read"] }))
            .send()
    };
    let first = expect_json(create("dashboard", "key-1").await?, StatusCode::CREATED).await?;
    let secret = string(&first["key"])?;
    assert!(secret.starts_with("ps_"));

    let replay = create("dashboard", "key-1").await?;
    assert_eq!(header(&replay, "idempotent-replayed"), "true");
    let replay = expect_json(replay, StatusCode::CREATED).await?;
    assert_eq!(replay["id"], first["id"], "the same key, not a new one");
    assert!(
        replay["key"].is_null(),
        "the secret is not shown again: {replay}"
    );
    assert!(first["key_shown_once"].is_null(), "{first}");
    assert!(
        string(&replay["key_shown_once"])?.contains("shown once"),
        "{replay}"
    );
    assert_eq!(
        items(&app.list_keys().await?).len(),
        2,
        "no second key was made"
    );

    // More keys, from the API and the command line, and one of them used.
    let (_, second) = app.create_key_ok("monitoring", &["read"]).await?;
    let third = app.create_key_with_cli("oncall", "read,incidents").await?;
    let used = app
        .client
        .get(app.admin_url("/components"))
        .bearer_auth(&second)
        .send()
        .await?;
    assert_eq!(used.status(), StatusCode::OK);
    app.tick().await?;

    let secrets = [&secret, &second, &third, &app.admin_key];
    for (file, bytes) in bytes_at_rest(&app)? {
        for s in secrets {
            assert!(!holds(&bytes, s), "{file} holds a key in clear");
            // Nor a good part of one.
            assert!(!holds(&bytes, &s[..20]), "{file} holds part of a key");
        }
    }
    // The keys still work: they are kept, as hashes.
    let r = app
        .client
        .get(app.admin_url("/components"))
        .bearer_auth(&secret)
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK);
    Ok(())
}
