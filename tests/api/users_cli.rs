//! `paystatus users`: people for the operator console, made and disabled at the command
//! line. The password comes only from standard input and is never printed, nor its hash.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// What `paystatus users …` did: its exit code and what it printed.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Runs `paystatus users ARGS` on `dir`'s database with `stdin` piped in.
async fn users(dir: &tempfile::TempDir, args: &[&str], stdin: &str) -> TestResult<Run> {
    let dir = dir.path().to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let stdin = stdin.to_string();
    let output = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_paystatus"))
            .arg("users")
            .args(&args)
            .env("PAYSTATUS_DATA_DIR", &dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut input) = child.stdin.take() {
            // A command that refuses before reading closes its end; that is its answer.
            let _ = input.write_all(stdin.as_bytes());
        }
        child.wait_with_output()
    })
    .await??;
    Ok(Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout)?,
        stderr: String::from_utf8(output.stderr)?,
    })
}

async fn create(dir: &tempfile::TempDir, email: &str, role: &str) -> TestResult<Run> {
    users(
        dir,
        &[
            "create",
            "--email",
            email,
            "--role",
            role,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    )
    .await
}

/// The line `users list` prints for `email`.
async fn listed(dir: &tempfile::TempDir, email: &str) -> TestResult<Option<String>> {
    let out = users(dir, &["list"], "").await?;
    if !out.success() {
        return Err(format!("users list failed: {}", out.stderr).into());
    }
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        !all.contains("argon2") && !all.contains(PASSWORD),
        "users list shows a password or its hash: {all}"
    );
    Ok(all
        .lines()
        .find(|l| l.split_whitespace().next() == Some(email))
        .map(str::to_string))
}

#[tokio::test]
async fn users_create_reads_the_password_from_stdin_and_prints_none_of_it() -> TestResult {
    let dir = tempfile::tempdir()?;

    let out = create(&dir, "Kim@Example.com", "editor").await?;

    assert!(out.success(), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
    assert!(
        out.stderr.contains("kim@example.com") && out.stderr.contains("editor"),
        "stderr names the person and role: {}",
        out.stderr
    );
    assert!(!out.stderr.contains(PASSWORD) && !out.stderr.contains("argon2"));
    let line = listed(&dir, "kim@example.com").await?.ok_or("not listed")?;
    assert!(line.contains("editor") && line.contains("active"), "{line}");
    assert!(line.contains("never"), "never logged in: {line}");
    Ok(())
}

#[tokio::test]
async fn users_create_refuses_a_short_password_and_creates_no_one() -> TestResult {
    let dir = tempfile::tempdir()?;

    let out = users(
        &dir,
        &[
            "create",
            "--email",
            "kim@example.com",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "eleven char\n",
    )
    .await?;

    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("--password-stdin") && out.stderr.contains("at least 12"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("eleven char"),
        "the password is not echoed"
    );
    assert_eq!(listed(&dir, "kim@example.com").await?, None);
    Ok(())
}

#[tokio::test]
async fn users_create_takes_no_password_but_from_stdin_and_names_every_problem() -> TestResult {
    let dir = tempfile::tempdir()?;

    let without = users(
        &dir,
        &["create", "--email", "kim@example.com", "--role", "admin"],
        "",
    )
    .await?;
    let on_the_line = users(
        &dir,
        &[
            "create",
            "--email",
            "kim@example.com",
            "--role",
            "admin",
            "--password",
            PASSWORD,
        ],
        "",
    )
    .await?;
    let empty = users(
        &dir,
        &[
            "create",
            "--email",
            "kim@example.com",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "",
    )
    .await?;
    let all_wrong = users(
        &dir,
        &[
            "create",
            "--email",
            "kim",
            "--role",
            "root",
            "--password-stdin",
        ],
        "short\n",
    )
    .await?;

    assert_eq!(without.code, Some(2), "a usage error: {}", without.stderr);
    assert!(
        without.stderr.contains("--password-stdin"),
        "{}",
        without.stderr
    );
    assert_eq!(on_the_line.code, Some(2), "{}", on_the_line.stderr);
    assert!(!empty.success());
    assert!(empty.stderr.contains("standard input"), "{}", empty.stderr);
    assert!(!all_wrong.success());
    for flag in ["--email", "--role", "--password-stdin"] {
        assert!(
            all_wrong.stderr.contains(flag),
            "{flag}: {}",
            all_wrong.stderr
        );
    }
    assert_eq!(listed(&dir, "kim@example.com").await?, None);
    Ok(())
}

#[tokio::test]
async fn users_create_refuses_an_email_already_taken_in_any_case() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(create(&dir, "kim@example.com", "viewer").await?.success());

    let out = create(&dir, "KIM@example.com", "admin").await?;

    assert!(!out.success());
    assert!(
        out.stderr.contains("--email") && out.stderr.contains("already"),
        "{}",
        out.stderr
    );
    let line = listed(&dir, "kim@example.com").await?.ok_or("not listed")?;
    assert!(line.contains("viewer"), "the first stays as it was: {line}");
    Ok(())
}

#[tokio::test]
async fn users_disable_marks_the_person_disabled_and_refuses_an_unknown_email() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(create(&dir, "kim@example.com", "admin").await?.success());
    assert!(create(&dir, "lee@example.com", "editor").await?.success());

    let out = users(&dir, &["disable", "--email", "Kim@Example.com"], "").await?;

    assert!(out.success(), "{}", out.stderr);
    assert!(out.stderr.contains("kim@example.com"), "{}", out.stderr);
    let kim = listed(&dir, "kim@example.com").await?.ok_or("not listed")?;
    assert!(kim.contains("disabled"), "{kim}");
    let lee = listed(&dir, "lee@example.com").await?.ok_or("not listed")?;
    assert!(lee.contains("active"), "{lee}");

    let unknown = users(&dir, &["disable", "--email", "park@example.com"], "").await?;
    assert!(!unknown.success());
    assert!(
        unknown.stderr.contains("park@example.com"),
        "{}",
        unknown.stderr
    );
    Ok(())
}
