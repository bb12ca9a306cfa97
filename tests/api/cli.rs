use reqwest::StatusCode;

use crate::helpers::*;

/// The key id (`key_…`) mentioned in a command's output.
fn key_id_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .find(|w| w.starts_with("key_"))
        .map(str::to_string)
}

#[tokio::test]
async fn keys_create_prints_the_key_alone_on_stdout_and_it_works_at_once() -> TestResult {
    let app = spawn_app_without_key().await;

    let out = app
        .cli(&["keys", "create", "--name", "status-bot", "--scope", "read"])
        .await?;

    assert!(out.success, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout is only the key: {:?}", out.stdout);
    let key = lines[0];
    assert!(key.starts_with("ps_") && key.len() >= 40, "{key:?}");
    assert!(
        key_id_in(&out.stderr).is_some(),
        "stderr names the key id: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains(key),
        "the key is printed only once, on stdout"
    );

    let reads = app
        .client
        .get(app.admin_url("/incidents"))
        .bearer_auth(key)
        .send()
        .await?;
    assert_eq!(reads.status(), StatusCode::OK);
    let writes = app
        .client
        .post(app.admin_url("/incidents"))
        .bearer_auth(key)
        .json(&card_outage())
        .send()
        .await?;
    assert_eq!(
        writes.status(),
        StatusCode::FORBIDDEN,
        "the key has only `read`"
    );
    Ok(())
}

#[tokio::test]
async fn keys_list_shows_ids_names_and_state_but_never_a_key() -> TestResult {
    let app = spawn_app_without_key().await;
    let created = app
        .cli(&[
            "keys",
            "create",
            "--name",
            "status-bot",
            "--scope",
            "read,incidents",
        ])
        .await?;
    let id = key_id_in(&created.stderr).ok_or("keys create names no id")?;
    let key = created.stdout.trim();

    let out = app.cli(&["keys", "list"]).await?;

    assert!(out.success, "{}", out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    let line = all
        .lines()
        .find(|l| l.contains(&id))
        .ok_or(format!("the key is not listed: {all}"))?;
    assert!(line.contains("status-bot"), "{line}");
    assert!(line.contains("read,incidents"), "{line}");
    assert!(line.contains("active"), "{line}");
    assert!(!all.contains(key), "keys list shows a key");
    Ok(())
}

#[tokio::test]
async fn keys_revoke_takes_effect_at_once_on_the_running_server() -> TestResult {
    let app = spawn_app_without_key().await;
    let created = app
        .cli(&["keys", "create", "--name", "leaver", "--scope", "read"])
        .await?;
    let id = key_id_in(&created.stderr).ok_or("keys create names no id")?;
    let key = created.stdout.trim().to_string();
    let get = || {
        app.client
            .get(app.admin_url("/incidents"))
            .bearer_auth(&key)
            .send()
    };
    assert_eq!(get().await?.status(), StatusCode::OK);

    let out = app.cli(&["keys", "revoke", &id]).await?;

    assert!(out.success, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "revoke prints nothing on stdout");
    expect_problem(get().await?, StatusCode::UNAUTHORIZED, None).await?;
    let list = app.cli(&["keys", "list"]).await?;
    let all = format!("{}{}", list.stdout, list.stderr);
    let line = all.lines().find(|l| l.contains(&id)).ok_or("not listed")?;
    assert!(line.contains("revoked"), "{line}");
    Ok(())
}

#[tokio::test]
async fn keys_create_refuses_an_unknown_scope_and_prints_no_key() -> TestResult {
    let app = spawn_app().await;
    let before = items(&app.list_keys().await?).len();

    let out = app
        .cli(&["keys", "create", "--name", "root", "--scope", "read,admin"])
        .await?;

    assert!(!out.success);
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
    assert!(
        out.stderr.contains("admin"),
        "the error names the scope: {}",
        out.stderr
    );
    assert_eq!(items(&app.list_keys().await?).len(), before);
    Ok(())
}

#[tokio::test]
async fn keys_revoke_fails_for_an_unknown_id() -> TestResult {
    let app = spawn_app().await;

    let out = app.cli(&["keys", "revoke", "key_doesnotexist"]).await?;

    assert!(!out.success);
    assert!(out.stderr.contains("key_doesnotexist"), "{}", out.stderr);
    Ok(())
}
